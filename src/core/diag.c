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
        if (d->rules[i].severity == sev && strcmp(d->rules[i].rule, rule) == 0) {
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

void csm_diags_add(csm_diags *d, csm_severity sev, const char *rule,
                   const csm_loc *loc, const char *fmt, ...)
{
    d->total[sev]++;
    count_rule(d, rule ? rule : "other", sev, 1);
    if (d->n >= keep_limit(d))
        return;
    csm_diag g = {.severity = sev, .rule = rule ? rule : "other",
                  .offset = -1};
    if (loc) {
        g.file = loc->file ? csm_xstrdup(loc->file) : NULL;
        g.line = loc->line;
        g.column = loc->column ? csm_xstrdup(loc->column) : NULL;
        g.field = loc->field;
        g.offset = loc->offset;
    }
    csm_strbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    csm_strbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    g.message = csm_strbuf_take(&b);
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
