#include "csmetrics/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/xalloc.h"

static void reserve(csm_strbuf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = csm_xrealloc(b->data, cap);
    b->cap = cap;
}

void csm_strbuf_append(csm_strbuf *b, const char *s, size_t n)
{
    reserve(b, n);
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void csm_strbuf_puts(csm_strbuf *b, const char *s)
{
    csm_strbuf_append(b, s, strlen(s));
}

void csm_strbuf_putc(csm_strbuf *b, char c)
{
    csm_strbuf_append(b, &c, 1);
}

void csm_strbuf_vprintf(csm_strbuf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n <= 0)
        return;
    reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void csm_strbuf_printf(csm_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    csm_strbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *csm_strbuf_str(const csm_strbuf *b)
{
    return b->data ? b->data : "";
}

void csm_strbuf_clear(csm_strbuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *csm_strbuf_take(csm_strbuf *b)
{
    char *p = b->data ? b->data : csm_xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void csm_strbuf_free(csm_strbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
