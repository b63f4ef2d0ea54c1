/* The "ttfv" member of the run's JSON document; keys and types are in
 * docs/metrics/ttfv.md.  An interval is {"lo", "hi"} with an unreached
 * limit as null, or null when neither limit exists. */
#include "csmetrics/ttfv.h"

#include <math.h>
#include <stdio.h>

/* Days are whole or half numbers.  csm_json_double writes the shortest
 * %g text, which for 30 is "3e+01"; whole numbers go out as integers. */
static void number(csm_json *j, const char *key, double v)
{
    if (v == floor(v) && fabs(v) < 9007199254740992.0)
        csm_json_int(j, key, (int64_t)v);
    else
        csm_json_double(j, key, v);
}

static void value(csm_json *j, const char *key, csm_stats_value v)
{
    if (v.defined)
        number(j, key, v.value);
    else
        csm_json_null(j, key);
}

static void interval(csm_json *j, const char *key, csm_stats_value lo,
                     csm_stats_value hi)
{
    if (!lo.defined && !hi.defined) {
        csm_json_null(j, key);
        return;
    }
    csm_json_object_inline(j, key);
    value(j, "lo", lo);
    value(j, "hi", hi);
    csm_json_end(j);
}

static void summary(csm_json *j, const csm_ttfv_summary *s)
{
    csm_json_int(j, "n", (int64_t)s->n);
    csm_json_int(j, "events", (int64_t)s->events);
    csm_json_int(j, "censored", (int64_t)(s->n - s->events));
    csm_json_int(j, "left_truncated", (int64_t)s->left_truncated);
    value(j, "conditional_from_day", s->conditional_from);
    value(j, "median_days", s->median.median);
    interval(j, "median_ci", s->median.lower, s->median.upper);
    for (int w = 0; w < CSM_TTFV_WITHIN; w++) {
        char key[32];
        snprintf(key, sizeof key, "within_%d", s->within[w].days);
        value(j, key, s->within[w].share);
        snprintf(key, sizeof key, "within_%d_ci", s->within[w].days);
        interval(j, key, s->within[w].lo, s->within[w].hi);
    }
    const csm_prop_ci *p = &s->churned_before_value;
    csm_stats_value share = {p->defined, p->estimate};
    csm_stats_value lo = {p->defined, p->lo}, hi = {p->defined, p->hi};
    value(j, "churned_before_value", share);
    csm_json_int(j, "churned_before_value_logos", (int64_t)p->x);
    interval(j, "churned_before_value_ci", lo, hi);
}

static const char *ci_name(csm_km_ci_type t)
{
    return t == CSM_KM_CI_LOGLOG  ? "log-log"
           : t == CSM_KM_CI_PLAIN ? "plain"
                                  : "log";
}

static void curve(csm_json *j, const csm_km *km)
{
    csm_json_object(j, "curve");
    static const char *const cols[] = {"time", "n_risk", "n_event", "n_censor",
                                       "surv", "lower",  "upper"};
    for (size_t c = 0; c < sizeof cols / sizeof *cols; c++) {
        csm_json_array_inline(j, cols[c]);
        for (size_t i = 0; i < km->n_steps; i++) {
            const csm_km_step *s = &km->steps[i];
            switch (c) {
            case 0:
                number(j, NULL, s->time);
                break;
            case 1:
                csm_json_int(j, NULL, (int64_t)s->n_risk);
                break;
            case 2:
                csm_json_int(j, NULL, (int64_t)s->n_event);
                break;
            case 3:
                csm_json_int(j, NULL, (int64_t)s->n_censor);
                break;
            case 4:
                csm_json_double(j, NULL, s->surv);
                break;
            case 5:
                value(j, NULL, s->lower);
                break;
            default:
                value(j, NULL, s->upper);
                break;
            }
        }
        csm_json_end(j);
    }
    csm_json_end(j);
}

void csm_ttfv_write_json(const csm_ttfv *t, csm_json *j)
{
    if (!t) {
        csm_json_null(j, "ttfv");
        return;
    }
    csm_json_object(j, "ttfv");
    csm_json_double(j, "ci_level", t->level);
    csm_json_string(j, "ci_type", ci_name(t->ci_type));
    summary(j, &t->overall);
    csm_json_object_inline(j, "excluded");
    for (int s = CSM_TTFV_IN + 1; s < CSM_TTFV_STATUSES; s++)
        csm_json_int(j, csm_ttfv_status_name((csm_ttfv_status)s),
                     (int64_t)t->excluded[s]);
    csm_json_end(j);
    csm_json_array(j, "by_quarter");
    for (size_t i = 0; i < t->n_quarters; i++) {
        csm_json_object_inline(j, NULL);
        csm_json_string(j, "quarter", t->by_quarter[i].value);
        summary(j, &t->by_quarter[i]);
        csm_json_end(j);
    }
    csm_json_end(j);
    csm_json_array(j, "by_segment");
    for (size_t i = 0; i < t->n_segments; i++) {
        csm_json_object_inline(j, NULL);
        csm_json_string(j, "segment", t->by_segment[i].value);
        summary(j, &t->by_segment[i]);
        csm_json_end(j);
    }
    csm_json_end(j);
    const csm_logrank *lr = t->segment_test;
    if (!lr) {
        csm_json_null(j, "segment_test");
    } else {
        csm_json_object_inline(j, "segment_test");
        csm_json_array_inline(j, "segments");
        for (size_t g = 0; g < lr->k; g++)
            csm_json_string(j, NULL, t->by_segment[g].value);
        csm_json_end(j);
        if (lr->defined) {
            csm_json_double(j, "chisq", lr->chisq);
            csm_json_int(j, "df", (int64_t)lr->df);
            csm_json_double(j, "p", lr->p_value);
        } else {
            csm_json_null(j, "chisq");
            csm_json_null(j, "df");
            csm_json_null(j, "p");
        }
        csm_json_end(j);
    }
    curve(j, t->curve);
    csm_json_end(j);
}
