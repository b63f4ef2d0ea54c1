/* strtab.h - interned strings: each distinct string gets a dense index.
 *
 * Open addressing with linear probing over a power-of-two table; the strings
 * are copied into table-owned chunks of 64 KiB (one allocation per chunk,
 * not per string: millions of keys are interned on the load's hot path),
 * so a string's address never changes.  Used for customer ids, segments, plans,
 * owners and currencies.  A zeroed csm_strtab is valid and empty.
 * Not thread-safe: give each thread its own or guard it. */
#ifndef CSMETRICS_STRTAB_H
#define CSMETRICS_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#define CSM_STRTAB_NONE UINT32_MAX

typedef struct csm_strtab {
    char **strs;    /* [n] copies in the chunks, in order of first intern */
    uint32_t *lens; /* [n] lengths */
    uint32_t n, cap;
    uint64_t *slots;  /* [nslots] (hash >> 32) << 32 | (index + 1);
                         0 = empty.  The hash tag in the slot lets a probe
                         skip most non-matches without touching the
                         strings. */
    uint64_t *hashes; /* [n] */
    uint32_t nslots;
    char **chunks; /* [n_chunks] owned blocks holding the copies */
    size_t n_chunks, cap_chunks;
    size_t chunk_used, chunk_size; /* of the last chunk */
} csm_strtab;

/* 64-bit FNV-1a of s[0..len). */
uint64_t csm_hash_bytes(const char *s, size_t len);

/* Returns the index of s[0..len), adding a copy when new (len < 2^32).
 * *added (may be NULL) says whether it was new. */
uint32_t csm_strtab_intern(csm_strtab *t, const char *s, size_t len,
                           int *added);
/* Returns the index of s[0..len) or CSM_STRTAB_NONE. */
uint32_t csm_strtab_find(const csm_strtab *t, const char *s, size_t len);
const char *csm_strtab_get(const csm_strtab *t, uint32_t i);
void csm_strtab_free(csm_strtab *t);

#endif
