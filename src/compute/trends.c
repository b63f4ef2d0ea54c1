/* Trends of the headline series: which points enter each fit, and the
 * fit itself (src/stats/trend.c).  include/csmetrics/trends.h states the
 * rules. */
#include "csmetrics/trends.h"

#include <stdlib.h>
#include <string.h>

#include "csmetrics/xalloc.h"

static const char *const series_names[CSM_TREND_SERIES] = {
    "nrr", "grr", "logo_retention", "renewal_rate", "ttfv_median"};

const char *csm_trend_series_name(csm_trend_series s)
{
    return (unsigned)s < CSM_TREND_SERIES ? series_names[s] : "?";
}

const char *csm_trend_verdict_name(csm_trend_verdict v)
{
    switch (v) {
    case CSM_TREND_IMPROVING:
        return "improving";
    case CSM_TREND_DECLINING:
        return "declining";
    default:
        return "flat";
    }
}

/* Adds a point at the end of t (room for max_points is allocated). */
static void add(csm_series_trend *t, csm_month period, double y)
{
    t->points[t->n].period = period;
    t->points[t->n].y = y;
    t->n++;
}

/* Reverses points[0..n): collectors walk back from the report month. */
static void reverse(csm_series_trend *t)
{
    for (size_t i = 0; i < t->n / 2; i++) {
        csm_trend_point p = t->points[i];
        t->points[i] = t->points[t->n - 1 - i];
        t->points[t->n - 1 - i] = p;
    }
}

static csm_ratio retention_figure(const csm_retention *r, csm_trend_series s)
{
    switch (s) {
    case CSM_TREND_NRR:
        return r->nrr;
    case CSM_TREND_GRR:
        return r->grr;
    default:
        return r->logo_retention;
    }
}

/* The trailing-12-month series: months whose window fits (base_logos >= 0)
 * and whose figure is defined, walking back from the report month. */
static void collect_retention(csm_series_trend *t, const csm_dataset *ds,
                              const csm_retention_result *ret, int rm,
                              size_t max)
{
    if (!ret)
        return;
    int last = rm < ret->n_series ? rm : ret->n_series - 1;
    for (int k = last; k >= 0 && t->n < max; k--) {
        const csm_retention *r = &ret->series[2][k];
        csm_ratio v = retention_figure(r, t->series);
        if (r->base_logos >= 0 && v.defined)
            add(t, csm_dataset_month(ds, k), v.value);
    }
    reverse(t);
}

static void collect_renewals(csm_series_trend *t, const csm_dataset *ds,
                             const csm_renewals *ren, int rm, size_t max)
{
    if (!ren)
        return;
    double *x = csm_xmalloc(max * sizeof *x);
    double *y = csm_xmalloc(max * sizeof *y);
    size_t n = csm_renewals_rate_series(ren, rm, max, x, y);
    for (size_t i = 0; i < n; i++)
        add(t, csm_dataset_month(ds, (int)x[i]), y[i]);
    free(x);
    free(y);
}

/* Quarters whose median is defined and not conditional on surviving to a
 * late entry day (a curve that starts late is not comparable). */
static void collect_ttfv(csm_series_trend *t, const csm_ttfv *tv, size_t max)
{
    if (!tv)
        return;
    for (size_t i = tv->n_quarters; i-- > 0 && t->n < max;) {
        const csm_ttfv_summary *q = &tv->by_quarter[i];
        if (q->conditional_from.defined || !q->median.median.defined)
            continue;
        add(t, q->quarter, q->median.median.value);
    }
    reverse(t);
}

static void fail_diag(csm_diags *diag, const char *what)
{
    csm_diags_add(diag, CSM_SEV_ERROR, "trends", NULL, "trends: %s", what);
}

csm_error csm_trends_run(const csm_dataset *ds, const csm_config *cfg,
                         const csm_retention_result *ret,
                         const csm_renewals *ren, const csm_ttfv *ttfv,
                         int report_month, csm_trends **out, csm_diags *diag)
{
    *out = NULL;
    if (report_month < 0 || report_month >= ds->n_months) {
        fail_diag(diag, "the report month is not loaded");
        return CSM_EUSAGE;
    }
    if (cfg->trend_points < 1) {
        fail_diag(diag, "trend_points must be at least 1");
        return CSM_EUSAGE;
    }
    csm_trends *t = csm_xcalloc(1, sizeof *t);
    t->report_month = report_month;
    t->max_points = (size_t)cfg->trend_points;
    t->level = cfg->ci_level;
    for (int s = 0; s < CSM_TREND_SERIES; s++) {
        csm_series_trend *st = &t->series[s];
        st->series = (csm_trend_series)s;
        st->quarterly = s == CSM_TREND_TTFV_MEDIAN;
        st->higher_is_better = s != CSM_TREND_TTFV_MEDIAN;
        st->points = csm_xcalloc(t->max_points, sizeof *st->points);
        switch (st->series) {
        case CSM_TREND_NRR:
        case CSM_TREND_GRR:
        case CSM_TREND_LOGO_RETENTION:
            collect_retention(st, ds, ret, report_month, t->max_points);
            break;
        case CSM_TREND_RENEWAL_RATE:
            collect_renewals(st, ds, ren, report_month, t->max_points);
            break;
        default:
            collect_ttfv(st, ttfv, t->max_points);
            break;
        }
        /* x counts periods from the first point; a gap stays a gap. */
        double *x = csm_xmalloc((st->n ? st->n : 1) * sizeof *x);
        double *y = csm_xmalloc((st->n ? st->n : 1) * sizeof *y);
        for (size_t i = 0; i < st->n; i++) {
            csm_month d = st->points[i].period - st->points[0].period;
            st->points[i].x = st->quarterly ? (double)(d / 3) : (double)d;
            x[i] = st->points[i].x;
            y[i] = st->points[i].y;
        }
        csm_error rc = csm_stats_trend(x, y, st->n, t->level,
                                       st->higher_is_better, &st->fit);
        free(x);
        free(y);
        if (rc != CSM_OK) {
            fail_diag(diag, rc == CSM_EUSAGE
                                ? "ci_level is outside what the statistics "
                                  "module accepts"
                                : "the statistics module refused the points");
            csm_trends_free(t);
            return rc;
        }
    }
    *out = t;
    return CSM_OK;
}

void csm_trends_free(csm_trends *t)
{
    if (!t)
        return;
    for (int s = 0; s < CSM_TREND_SERIES; s++)
        free(t->series[s].points);
    free(t);
}
