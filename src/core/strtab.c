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

#define CHUNK_BYTES ((size_t)64 << 10)

/* A copy of s[0..len) plus NUL in the chunks.  A string longer than a
 * quarter chunk gets a chunk of its own, inserted before the current one so
 * the current one keeps filling. */
static char *store(csm_strtab *t, const char *s, size_t len)
{
    size_t need = len + 1;
    if (t->n_chunks == t->cap_chunks) {
        t->cap_chunks = t->cap_chunks ? t->cap_chunks * 2 : 16;
        t->chunks =
            csm_xreallocarray(t->chunks, t->cap_chunks, sizeof *t->chunks);
    }
    char *dst;
    if (need > CHUNK_BYTES / 4) {
        dst = csm_xmalloc(need);
        if (t->n_chunks) {
            t->chunks[t->n_chunks] = t->chunks[t->n_chunks - 1];
            t->chunks[t->n_chunks - 1] = dst;
        } else {
            t->chunks[0] = dst;
            t->chunk_used = t->chunk_size = need; /* full */
        }
        t->n_chunks++;
    } else {
        if (!t->n_chunks || t->chunk_size - t->chunk_used < need) {
            t->chunks[t->n_chunks++] = csm_xmalloc(CHUNK_BYTES);
            t->chunk_used = 0;
            t->chunk_size = CHUNK_BYTES;
        }
        dst = t->chunks[t->n_chunks - 1] + t->chunk_used;
        t->chunk_used += need;
    }
    if (len)
        memcpy(dst, s, len);
    dst[len] = '\0';
    return dst;
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
    t->strs[k] = store(t, s, len);
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
    for (size_t i = 0; i < t->n_chunks; i++)
        free(t->chunks[i]);
    free(t->chunks);
    free(t->strs);
    free(t->lens);
    free(t->hashes);
    free(t->slots);
    memset(t, 0, sizeof *t);
}
