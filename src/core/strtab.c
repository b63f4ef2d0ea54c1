#include "csmetrics/strtab.h"

#include <stdlib.h>
#include <string.h>

#include "csmetrics/xalloc.h"

uint64_t csm_hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    /* Final mix so that low bits (used for the slot) depend on every byte. */
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return h;
}

static uint64_t slot_value(uint64_t h, uint32_t index)
{
    return (h & 0xFFFFFFFF00000000ULL) | ((uint64_t)index + 1);
}

static void rehash(csm_strtab *t, uint32_t nslots)
{
    free(t->slots);
    t->slots = csm_xcalloc(nslots, sizeof *t->slots);
    t->nslots = nslots;
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t s = (uint32_t)t->hashes[i] & (nslots - 1);
        while (t->slots[s])
            s = (s + 1) & (nslots - 1);
        t->slots[s] = slot_value(t->hashes[i], i);
    }
}

static uint32_t lookup(const csm_strtab *t, const char *s, size_t len,
                       uint64_t h, uint32_t *slot)
{
    uint32_t mask = t->nslots - 1;
    uint32_t i = (uint32_t)h & mask;
    uint64_t tag = h & 0xFFFFFFFF00000000ULL;
    for (;;) {
        uint64_t v = t->slots[i];
        if (!v) {
            *slot = i;
            return CSM_STRTAB_NONE;
        }
        if ((v & 0xFFFFFFFF00000000ULL) == tag) {
            uint32_t k = (uint32_t)(v & 0xFFFFFFFFu) - 1;
            if (t->lens[k] == len && memcmp(t->strs[k], s, len) == 0)
                return k;
        }
        i = (i + 1) & mask;
    }
}

uint32_t csm_strtab_find(const csm_strtab *t, const char *s, size_t len)
{
    if (!t->nslots)
        return CSM_STRTAB_NONE;
    uint32_t slot;
    return lookup(t, s, len, csm_hash_bytes(s, len), &slot);
}

uint32_t csm_strtab_intern(csm_strtab *t, const char *s, size_t len, int *added)
{
    if (!t->nslots)
        rehash(t, 64);
    uint64_t h = csm_hash_bytes(s, len);
    uint32_t slot;
    uint32_t k = lookup(t, s, len, h, &slot);
    if (added)
        *added = k == CSM_STRTAB_NONE;
    if (k != CSM_STRTAB_NONE)
        return k;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->strs = csm_xreallocarray(t->strs, t->cap, sizeof *t->strs);
        t->lens = csm_xreallocarray(t->lens, t->cap, sizeof *t->lens);
        t->hashes = csm_xreallocarray(t->hashes, t->cap, sizeof *t->hashes);
    }
    k = t->n++;
    t->strs[k] = csm_xstrndup(s, len);
    t->lens[k] = (uint32_t)len;
    t->hashes[k] = h;
    t->slots[slot] = slot_value(h, k);
    /* Keep the load factor under one half. */
    if ((uint64_t)t->n * 2 > t->nslots)
        rehash(t, t->nslots * 2);
    return k;
}

const char *csm_strtab_get(const csm_strtab *t, uint32_t i)
{
    return i < t->n ? t->strs[i] : "";
}

void csm_strtab_free(csm_strtab *t)
{
    for (uint32_t i = 0; i < t->n; i++)
        free(t->strs[i]);
    free(t->strs);
    free(t->lens);
    free(t->hashes);
    free(t->slots);
    memset(t, 0, sizeof *t);
}
