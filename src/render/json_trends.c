/* The "trends" member of the run's JSON document; keys and types are in
 * docs/metrics/trends.md. */
#include "csmetrics/trends.h"

static const char *period_label(const csm_series_trend *s, csm_month m,
                                char *buf)
{
    return s->quarterly ? csm_quarter_format(m, buf) : csm_month_format(m, buf);
}

static void series(csm_json *j, const csm_series_trend *s)
{
    char b[CSM_DATE_BUFSZ];
    const csm_trend *f = &s->fit;
    csm_json_object(j, csm_trend_series_name(s->series));
    csm_json_string(j, "unit", s->quarterly ? "days" : "fraction");
    csm_json_string(j, "x_unit", s->quarterly ? "quarter" : "month");
    csm_json_bool(j, "higher_is_better", s->higher_is_better);
    csm_json_int(j, "n", (int64_t)s->n);
    if (s->n) {
        csm_json_string(j, "from", period_label(s, s->points[0].period, b));
        csm_json_string(j, "to",
                        period_label(s, s->points[s->n - 1].period, b));
    } else {
        csm_json_null(j, "from");
        csm_json_null(j, "to");
    }
    csm_json_bool(j, "defined", f->defined);
    if (f->defined) {
        csm_json_double(j, "slope", f->slope);
        csm_json_double(j, "slope_se", f->slope_se);
        csm_json_object_inline(j, "slope_ci");
        csm_json_double(j, "lo", f->slope_lo);
        csm_json_double(j, "hi", f->slope_hi);
        csm_json_end(j);
        csm_json_double(j, "intercept", f->intercept);
        if (f->p_value.defined)
            csm_json_double(j, "p_value", f->p_value.value);
        else
            csm_json_null(j, "p_value");
        csm_json_string(j, "verdict", csm_trend_verdict_name(f->verdict));
    } else {
        static const char *const keys[] = {"slope",     "slope_se", "slope_ci",
                                           "intercept", "p_value",  "verdict"};
        for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
            csm_json_null(j, keys[i]);
    }
    csm_json_array(j, "points");
    for (size_t i = 0; i < s->n; i++) {
        csm_json_object_inline(j, NULL);
        csm_json_string(j, s->quarterly ? "quarter" : "month",
                        period_label(s, s->points[i].period, b));
        csm_json_double(j, "x", s->points[i].x);
        csm_json_double(j, "y", s->points[i].y);
        csm_json_end(j);
    }
    csm_json_end(j);
    csm_json_end(j);
}

void csm_trends_write_json(const csm_trends *t, csm_json *j)
{
    if (!t) {
        csm_json_null(j, "trends");
        return;
    }
    csm_json_object(j, "trends");
    csm_json_double(j, "ci_level", t->level);
    csm_json_int(j, "max_points", (int64_t)t->max_points);
    for (int s = 0; s < CSM_TREND_SERIES; s++)
        series(j, &t->series[s]);
    csm_json_end(j);
}
