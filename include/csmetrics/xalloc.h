/* xalloc.h - allocation that never returns NULL.
 *
 * Running out of memory is the one failure csmetrics does not try to
 * survive: these wrappers print one line and exit with CSM_EIO.  Every other
 * failure is returned as a csm_error. */
#ifndef CSMETRICS_XALLOC_H
#define CSMETRICS_XALLOC_H

#include <stdbool.h>
#include <stddef.h>

void *csm_xmalloc(size_t n);
void *csm_xcalloc(size_t count, size_t size);
void *csm_xrealloc(void *p, size_t n);
/* Reallocates p to count*size bytes; the product is checked for overflow. */
void *csm_xreallocarray(void *p, size_t count, size_t size);
/* Large regions straight from the system (mmap), backed by transparent
 * huge pages where the system offers them: for the column arrays, where
 * 4 KiB page faults would otherwise cost more than filling them, and where
 * freed memory must really go back to the system (glibc keeps freed
 * malloc memory once its mmap threshold has grown).  huge_pages asks
 * for 2 MiB pages: right for memory filled densely at once, wasteful for
 * memory touched sparsely (a 2 MiB page is committed at its first byte).
 * Zero-filled.  Free
 * with csm_huge_free(p, n) with the same n. */
void *csm_huge_alloc(size_t n, bool huge_pages);
void csm_huge_free(void *p, size_t n);
char *csm_xstrdup(const char *s);
char *csm_xstrndup(const char *s, size_t n);
/* Returns a new string formatted like printf. */
char *csm_xasprintf(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
