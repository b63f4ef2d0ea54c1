/* xalloc.h - allocation that never returns NULL.
 *
 * Running out of memory is the one failure csmetrics does not try to
 * survive: these wrappers print one line and exit with CSM_EIO.  Every other
 * failure is returned as a csm_error. */
#ifndef CSMETRICS_XALLOC_H
#define CSMETRICS_XALLOC_H

#include <stddef.h>

void *csm_xmalloc(size_t n);
void *csm_xcalloc(size_t count, size_t size);
void *csm_xrealloc(void *p, size_t n);
/* Reallocates p to count*size bytes; the product is checked for overflow. */
void *csm_xreallocarray(void *p, size_t count, size_t size);
char *csm_xstrdup(const char *s);
char *csm_xstrndup(const char *s, size_t n);
/* Returns a new string formatted like printf. */
char *csm_xasprintf(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
