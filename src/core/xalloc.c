#include "csmetrics/xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "csmetrics/error.h"

static void oom(size_t n)
{
    fprintf(stderr, "csmetrics: out of memory (wanted %zu bytes)\n", n);
    exit(CSM_EIO);
}

void *csm_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *csm_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

void *csm_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

void *csm_xreallocarray(void *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        oom(SIZE_MAX);
    return csm_xrealloc(p, count * size);
}

static size_t huge_len(size_t n)
{
    const size_t huge = (size_t)2 << 20;
    size_t len = n ? n : 1;
    return (len + huge - 1) / huge * huge;
}

void *csm_huge_alloc(size_t n, bool huge_pages)
{
    size_t len = huge_len(n);
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        oom(len);
#ifdef MADV_HUGEPAGE
    /* Advice only: a kernel without transparent huge pages ignores it. */
    if (huge_pages)
        (void)madvise(p, len, MADV_HUGEPAGE);
#else
    (void)huge_pages;
#endif
    return p;
}

void csm_huge_free(void *p, size_t n)
{
    if (p)
        munmap(p, huge_len(n));
}

char *csm_xstrdup(const char *s)
{
    return csm_xstrndup(s, strlen(s));
}

char *csm_xstrndup(const char *s, size_t n)
{
    char *p = csm_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *csm_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom(0);
    char *p = csm_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
