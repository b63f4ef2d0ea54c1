/* sort.h - qsort and bsearch that accept empty arrays.
 *
 * The C library's qsort/bsearch must not be given a NULL base even when
 * the count is zero (UBSan reports it); these wrappers return early. */
#ifndef CSMETRICS_SORT_H
#define CSMETRICS_SORT_H

#include <stdlib.h>

static inline void csm_qsort(void *base, size_t n, size_t size,
                             int (*cmp)(const void *, const void *))
{
    if (base && n > 1)
        qsort(base, n, size, cmp);
}

static inline void *csm_bsearch(const void *key, const void *base, size_t n,
                                size_t size,
                                int (*cmp)(const void *, const void *))
{
    return base && n ? bsearch(key, base, n, size, cmp) : NULL;
}

#endif
