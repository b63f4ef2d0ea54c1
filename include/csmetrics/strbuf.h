/* strbuf.h - a growable byte buffer, always NUL-terminated.
 *
 * A zeroed csm_strbuf is a valid empty buffer.  The buffer owns its bytes;
 * csm_strbuf_free() releases them and leaves an empty buffer behind. */
#ifndef CSMETRICS_STRBUF_H
#define CSMETRICS_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct csm_strbuf {
    char *data; /* NULL or NUL-terminated */
    size_t len;
    size_t cap;
} csm_strbuf;

void csm_strbuf_append(csm_strbuf *b, const char *s, size_t n);
void csm_strbuf_puts(csm_strbuf *b, const char *s);
void csm_strbuf_putc(csm_strbuf *b, char c);
void csm_strbuf_printf(csm_strbuf *b, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void csm_strbuf_vprintf(csm_strbuf *b, const char *fmt, va_list ap)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;
/* Returns the contents ("" when empty); valid until the next change. */
const char *csm_strbuf_str(const csm_strbuf *b);
void csm_strbuf_clear(csm_strbuf *b);
/* Hands the bytes to the caller (who frees them) and empties b. */
char *csm_strbuf_take(csm_strbuf *b);
void csm_strbuf_free(csm_strbuf *b);

#endif
