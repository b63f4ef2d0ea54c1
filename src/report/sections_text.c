/* Helpers shared by the section builders: the sentence of a trend
 * verdict, interval text and cells, money for chart axes.  The text is the
 * report's final wording; numbers in it are written by format.c, so they
 * read exactly as the renderers write the same values elsewhere. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/format.h"
#include "csmetrics/xalloc.h"
#include "sections.h"

#define EN_DASH "\xE2\x80\x93"

/* A change in percentage points without the unit: "+0.22". */
static char *points_number(double fraction, int dec, char *buf)
{
    csm_format_rate(fraction, dec, CSM_FMT_SIGN | CSM_FMT_POINTS, buf);
    char *u = strstr(buf, " pp");
    if (u)
        *u = '\0';
    return buf;
}

char *csm_level_text(double level, char *buf)
{
    /* 0.95 -> "95%", 0.975 -> "97.5%". */
    double pct = level * 100.0;
    return csm_format_rate(level, fabs(pct - round(pct)) < 1e-9 ? 0 : 1, 0,
                           buf);
}

char *csm_trend_text(const csm_series_trend *t)
{
    const csm_trend *f = &t->fit;
    if (!f->defined) {
        if (t->n == 0)
            return csm_xstrdup("no trend: no points yet");
        return csm_xasprintf("no trend: %zu point%s, at least 3 needed", t->n,
                             t->n == 1 ? "" : "s");
    }
    char s[CSM_FMT_BUFSZ], lo[CSM_FMT_BUFSZ], hi[CSM_FMT_BUFSZ],
        lv[CSM_FMT_BUFSZ];
    csm_level_text(f->level, lv);
    const char *unit;
    if (t->quarterly) {
        /* Days per signup quarter. */
        csm_format_number(f->slope, 1, CSM_FMT_SIGN, s);
        csm_format_number(f->slope_lo, 1, CSM_FMT_SIGN, lo);
        csm_format_number(f->slope_hi, 1, CSM_FMT_SIGN, hi);
        unit = " days/quarter";
    } else {
        /* Rates per month, in percentage points: 0.0022 is +0.22. */
        points_number(f->slope, 2, s);
        points_number(f->slope_lo, 2, lo);
        points_number(f->slope_hi, 2, hi);
        unit = " pp/month";
    }
    return csm_xasprintf("%s: %s%s, %s CI %s..%s, %zu points",
                         csm_trend_verdict_name(f->verdict), s, unit, lv, lo,
                         hi, t->n);
}

char *csm_prop_ci_text(const csm_prop_ci *ci, const char *what)
{
    if (!ci->defined)
        return csm_xasprintf("n = 0%s%s", what ? " " : "", what ? what : "");
    char lv[CSM_FMT_BUFSZ], lo[CSM_FMT_BUFSZ], hi[CSM_FMT_BUFSZ];
    csm_level_text(ci->level, lv);
    csm_format_rate(ci->lo, 1, 0, lo);
    csm_format_rate(ci->hi, 1, 0, hi);
    return csm_xasprintf("%s CI %s" EN_DASH "%s, n = %zu%s%s", lv, lo, hi,
                         ci->n, what ? " " : "", what ? what : "");
}

csm_cell csm_cell_prop(const csm_prop_ci *ci)
{
    return ci->defined ? csm_cell_rate(csm_ratio_value(ci->estimate))
                       : csm_cell_na();
}

csm_cell csm_cell_prop_lo(const csm_prop_ci *ci)
{
    return ci->defined ? csm_cell_rate(csm_ratio_value(ci->lo)) : csm_cell_na();
}

csm_cell csm_cell_prop_hi(const csm_prop_ci *ci)
{
    return ci->defined ? csm_cell_rate(csm_ratio_value(ci->hi)) : csm_cell_na();
}

csm_cell csm_cell_stat(csm_stats_value v, int decimals)
{
    return v.defined ? csm_cell_number(v.value, decimals) : csm_cell_na();
}

csm_cell csm_cell_stat_rate(csm_stats_value v)
{
    return v.defined ? csm_cell_rate(csm_ratio_value(v.value)) : csm_cell_na();
}

double csm_major(const csm_build_ctx *ctx, int64_t minor)
{
    double scale = 1.0;
    for (int d = 0; d < ctx->ds->decimals; d++)
        scale *= 10.0;
    return (double)minor / scale;
}

int csm_first_month(const csm_build_ctx *ctx, long months, int lowest)
{
    int rm = ctx->m->report_month;
    int first = rm - (int)months + 1;
    if (first < lowest)
        first = lowest;
    if (first > rm)
        first = rm;
    return first;
}

char **csm_month_labels(const csm_build_ctx *ctx, int first, size_t n)
{
    char **v = csm_xcalloc(n ? n : 1, sizeof *v);
    char mb[CSM_DATE_BUFSZ];
    for (size_t i = 0; i < n; i++)
        v[i] = csm_xstrdup(csm_label_month(ctx, first + (int)i, mb));
    return v;
}

void csm_labels_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}
