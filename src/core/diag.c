#include "csmetrics/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/strbuf.h"
#include "csmetrics/xalloc.h"

const char *csm_severity_name(csm_severity sev)
{
    switch (sev) {
    case CSM_SEV_ERROR:
        return "error";
    case CSM_SEV_WARNING:
        return "warning";
    default:
        return "note";
    }
}

static void count_rule(csm_diags *d, const char *rule, csm_severity sev,
                       size_t n)
{
    for (size_t i = 0; i < d->n_rules; i++) {
        if (d->rules[i].severity == sev &&
            strcmp(d->rules[i].rule, rule) == 0) {
            d->rules[i].count += n;
            return;
        }
    }
    if (d->n_rules == d->cap_rules) {
        d->cap_rules = d->cap_rules ? d->cap_rules * 2 : 16;
        d->rules = csm_xreallocarray(d->rules, d->cap_rules, sizeof *d->rules);
    }
    d->rules[d->n_rules++] = (csm_rule_count){rule, sev, n};
}

static size_t keep_limit(const csm_diags *d)
{
    return d->keep ? d->keep : CSM_DIAGS_KEEP;
}

static void push(csm_diags *d, csm_diag g)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->items = csm_xreallocarray(d->items, d->cap, sizeof *d->items);
    }
    d->items[d->n++] = g;
}

/* Length of the valid UTF-8 sequence at s[0..n) (1..4), or 0 when the
 * bytes there are not one (overlong, surrogate, above U+10FFFF, cut). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0u) != 0x80u)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    return len;
}

/* A copy of s that is one printable line of UTF-8: messages quote values
 * from the input (a field, a config line, a file name), and those may hold
 * line breaks, terminal escape sequences or bytes that are not UTF-8.  Such
 * bytes are written as \n, \r, \t or \xNN; everything else is kept. */
static char *printable(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str);
    csm_strbuf b = {0};
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(s + i, n - i);
        if (k == 1 && s[i] >= 0x20 && s[i] != 0x7f) {
            csm_strbuf_putc(&b, (char)s[i]);
        } else if (k > 1) {
            csm_strbuf_append(&b, str + i, k);
        } else {
            k = 1;
            if (s[i] == '\n')
                csm_strbuf_puts(&b, "\\n");
            else if (s[i] == '\r')
                csm_strbuf_puts(&b, "\\r");
            else if (s[i] == '\t')
                csm_strbuf_puts(&b, "\\t");
            else
                csm_strbuf_printf(&b, "\\x%02X", s[i]);
        }
        i += k;
    }
    return csm_strbuf_take(&b);
}

void csm_diags_add(csm_diags *d, csm_severity sev, const char *rule,
                   const csm_loc *loc, const char *fmt, ...)
{
    d->total[sev]++;
    count_rule(d, rule ? rule : "other", sev, 1);
    if (d->n >= keep_limit(d))
        return;
    csm_diag g = {.severity = sev, .rule = rule ? rule : "other", .offset = -1};
    if (loc) {
        g.file = loc->file ? printable(loc->file) : NULL;
        g.line = loc->line;
        g.column = loc->column ? printable(loc->column) : NULL;
        g.field = loc->field;
        g.offset = loc->offset;
    }
    csm_strbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    csm_strbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    g.message = printable(csm_strbuf_str(&b));
    csm_strbuf_free(&b);
    push(d, g);
}

static void diag_free(csm_diag *g)
{
    free(g->file);
    free(g->column);
    free(g->message);
}

void csm_diags_merge(csm_diags *dst, csm_diags *src)
{
    for (size_t i = 0; i < src->n; i++) {
        if (dst->n < keep_limit(dst))
            push(dst, src->items[i]);
        else
            diag_free(&src->items[i]);
    }
    for (int s = 0; s < 3; s++)
        dst->total[s] += src->total[s];
    for (size_t i = 0; i < src->n_rules; i++)
        count_rule(dst, src->rules[i].rule, src->rules[i].severity,
                   src->rules[i].count);
    free(src->items);
    free(src->rules);
    size_t keep = src->keep;
    memset(src, 0, sizeof *src);
    src->keep = keep;
}

size_t csm_diags_errors(const csm_diags *d)
{
    return d->total[CSM_SEV_ERROR];
}

size_t csm_diags_warnings(const csm_diags *d)
{
    return d->total[CSM_SEV_WARNING];
}

void csm_diag_format(const csm_diag *g, FILE *out)
{
    if (g->file) {
        fputs(g->file, out);
        if (g->line > 0)
            fprintf(out, ":%ld", g->line);
        fputs(": ", out);
    }
    fprintf(out, "%s: ", csm_severity_name(g->severity));
    if (g->column && g->field > 0)
        fprintf(out, "column \"%s\" (field %d): ", g->column, g->field);
    else if (g->column)
        fprintf(out, "column \"%s\": ", g->column);
    else if (g->field > 0)
        fprintf(out, "field %d: ", g->field);
    fputs(g->message, out);
    fputc('\n', out);
}

size_t csm_diags_print(const csm_diags *d, FILE *out, csm_severity min_sev,
                       size_t max_lines)
{
    size_t shown = 0, eligible = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->items[i].severity < min_sev)
            continue;
        eligible++;
        if (shown < max_lines) {
            csm_diag_format(&d->items[i], out);
            shown++;
        }
    }
    size_t total = 0;
    for (int s = (int)min_sev; s < 3; s++)
        total += d->total[s];
    if (total > shown)
        fprintf(out, "... and %zu more (not shown)\n", total - shown);
    (void)eligible;
    return shown;
}

void csm_diags_free(csm_diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        diag_free(&d->items[i]);
    free(d->items);
    free(d->rules);
    size_t keep = d->keep;
    memset(d, 0, sizeof *d);
    d->keep = keep;
}
