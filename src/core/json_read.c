#include "csmetrics/json_read.h"

#include <stdlib.h>
#include <string.h>

#include "csmetrics/csv_reader.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/xalloc.h"

typedef struct parser {
    const char *s;
    size_t len, pos;
    const char *name;
    csm_diags *diag;
    bool failed;
} parser;

static void fail(parser *p, const char *what)
{
    if (p->failed)
        return;
    p->failed = true;
    long line = 1, col = 1;
    for (size_t i = 0; i < p->pos && i < p->len; i++) {
        if (p->s[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    csm_loc loc = {.file = p->name, .line = line, .offset = (long long)p->pos};
    csm_diags_add(p->diag, CSM_SEV_ERROR, "json-syntax", &loc, "column %ld: %s",
                  col, what);
}

static void ws(parser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static bool lit(parser *p, const char *w)
{
    size_t n = strlen(w);
    if (p->len - p->pos >= n && memcmp(p->s + p->pos, w, n) == 0) {
        p->pos += n;
        return true;
    }
    return false;
}

static void put_utf8(csm_strbuf *b, unsigned cp)
{
    char u[4];
    if (cp < 0x80) {
        u[0] = (char)cp;
        csm_strbuf_append(b, u, 1);
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        csm_strbuf_append(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        csm_strbuf_append(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        csm_strbuf_append(b, u, 4);
    }
}

static int hex4(parser *p, unsigned *out)
{
    if (p->len - p->pos < 4)
        return 0;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->s[p->pos + (size_t)i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return 0;
        v = v * 16 + d;
    }
    p->pos += 4;
    *out = v;
    return 1;
}

static char *string(parser *p)
{
    p->pos++; /* opening quote */
    csm_strbuf b = {0};
    while (p->pos < p->len) {
        unsigned char c = (unsigned char)p->s[p->pos++];
        if (c == '"') {
            /* RFC 8259: UTF-8 text.  A \u0000 would cut the C string and
             * a lone surrogate escape decodes to bytes that are not
             * UTF-8; both are refused rather than passed on. */
            if (b.len && memchr(b.data, '\0', b.len)) {
                p->pos--;
                fail(p, "\\u0000 in a string (expected text without NUL)");
                break;
            }
            if (b.len && csm_utf8_invalid_at(b.data, b.len) < b.len) {
                p->pos--;
                fail(p, "string is not valid UTF-8 (bytes that are not "
                        "UTF-8, or a lone surrogate escape)");
                break;
            }
            return csm_strbuf_take(&b);
        }
        if (c < 0x20) {
            p->pos--;
            fail(p, "control character in a string");
            break;
        }
        if (c != '\\') {
            csm_strbuf_putc(&b, (char)c);
            continue;
        }
        if (p->pos >= p->len)
            break;
        char e = p->s[p->pos++];
        const char *map = "\"\"\\\\//b\bf\fn\nr\rt\t";
        const char *hit = NULL;
        for (const char *m = map; *m; m += 2)
            if (*m == e)
                hit = m;
        if (hit) {
            csm_strbuf_putc(&b, hit[1]);
        } else if (e == 'u') {
            unsigned cp;
            if (!hex4(p, &cp)) {
                fail(p, "bad \\u escape");
                break;
            }
            if (cp >= 0xD800 && cp < 0xDC00 && lit(p, "\\u")) {
                unsigned lo;
                if (!hex4(p, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                    fail(p, "bad surrogate pair");
                    break;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            put_utf8(&b, cp);
        } else {
            fail(p, "bad escape");
            break;
        }
    }
    if (!p->failed)
        fail(p, "unterminated string");
    csm_strbuf_free(&b);
    return NULL;
}

static void value(parser *p, csm_jval *v, int depth);

static void push(csm_jval *v, csm_jval item, char *key)
{
    /* Capacity doubles: it is the next power of two at or above n, so it
     * needs no field of its own.  Growing by one item copied the array on
     * every push, quadratic in a long array (a timeout found by fuzzing on
     * a 300 KB metrics document). */
    if ((v->n & (v->n - 1)) == 0) {
        size_t cap = v->n ? v->n * 2 : 1;
        v->items = csm_xreallocarray(v->items, cap, sizeof *v->items);
        if (v->type == CSM_JOBJECT)
            v->keys = csm_xreallocarray(v->keys, cap, sizeof *v->keys);
    }
    v->items[v->n] = item;
    if (v->type == CSM_JOBJECT)
        v->keys[v->n] = key;
    v->n++;
}

static void number(parser *p, csm_jval *v)
{
    size_t start = p->pos;
    if (p->s[p->pos] == '-')
        p->pos++;
    size_t digits = 0;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        p->pos++;
        digits++;
    }
    if (!digits) {
        fail(p, "expected a value");
        return;
    }
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        size_t f = 0;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
            p->pos++;
            f++;
        }
        if (!f) {
            fail(p, "digits expected after '.'");
            return;
        }
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        size_t e = 0;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
            p->pos++;
            e++;
        }
        if (!e) {
            fail(p, "digits expected in the exponent");
            return;
        }
    }
    v->type = CSM_JNUMBER;
    v->text = csm_xstrndup(p->s + start, p->pos - start);
    v->num = strtod(v->text, NULL);
}

static void value(parser *p, csm_jval *v, int depth)
{
    memset(v, 0, sizeof *v);
    ws(p);
    if (depth > 64) {
        fail(p, "nested deeper than 64 levels");
        return;
    }
    if (p->pos >= p->len) {
        fail(p, "unexpected end of input");
        return;
    }
    char c = p->s[p->pos];
    if (c == '{' || c == '[') {
        bool obj = c == '{';
        v->type = obj ? CSM_JOBJECT : CSM_JARRAY;
        p->pos++;
        ws(p);
        if (p->pos < p->len && p->s[p->pos] == (obj ? '}' : ']')) {
            p->pos++;
            return;
        }
        for (;;) {
            char *key = NULL;
            if (obj) {
                ws(p);
                if (p->pos >= p->len || p->s[p->pos] != '"') {
                    fail(p, "expected a key");
                    return;
                }
                key = string(p);
                if (!key)
                    return;
                ws(p);
                if (!lit(p, ":")) {
                    free(key);
                    fail(p, "expected ':'");
                    return;
                }
            }
            csm_jval item;
            value(p, &item, depth + 1);
            push(v, item, key);
            if (p->failed)
                return;
            ws(p);
            if (lit(p, ","))
                continue;
            if (lit(p, obj ? "}" : "]"))
                return;
            fail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
            return;
        }
    }
    if (c == '"') {
        v->type = CSM_JSTRING;
        v->text = string(p);
        return;
    }
    if (lit(p, "true")) {
        v->type = CSM_JBOOL;
        v->b = true;
        return;
    }
    if (lit(p, "false")) {
        v->type = CSM_JBOOL;
        return;
    }
    if (lit(p, "null"))
        return;
    number(p, v);
}

static void jfree(csm_jval *v)
{
    free(v->text);
    for (size_t i = 0; i < v->n; i++) {
        jfree(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
}

void csm_jval_free(csm_jval *v)
{
    if (!v)
        return;
    jfree(v);
    free(v);
}

csm_error csm_json_parse(const char *text, size_t len, const char *name,
                         csm_jval **out, csm_diags *diag)
{
    parser p = {.s = text, .len = len, .name = name, .diag = diag};
    csm_jval *v = csm_xcalloc(1, sizeof *v);
    value(&p, v, 0);
    ws(&p);
    if (!p.failed && p.pos != len)
        fail(&p, "text after the JSON value");
    if (p.failed) {
        csm_jval_free(v);
        *out = NULL;
        return CSM_EDATA;
    }
    *out = v;
    return CSM_OK;
}

const csm_jval *csm_jval_get(const csm_jval *obj, const char *key)
{
    if (!obj || obj->type != CSM_JOBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}
