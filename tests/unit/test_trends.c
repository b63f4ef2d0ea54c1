/* Unit tests of compute/trends: which points enter each fit and the fit
 * itself, on two small data sets written by the test (derivations below),
 * with the fits checked against R.
 *
 * Every expected fit came from R 4.x:
 *   f <- function(x, y, l = 0.95) { fit <- lm(y ~ x)
 *     c(coef(fit), summary(fit)$coefficients[2, 2],
 *       confint(fit, level = l)[2, ], summary(fit)$coefficients[2, 4]) }
 * with options(digits = 17); each call is quoted where it is used. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/json_read.h"
#include "csmetrics/metrics.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/trends.h"
#include "csmetrics/xalloc.h"
#include "support/testutil.h"

#define EPS 1e-9

static void near(double got, double want)
{
    if (fabs(got - want) > EPS * fmax(1.0, fabs(want)))
        fail_msg("got %.17g, want %.17g", got, want);
}

/* ------------------------------------------------------------ data */

/* Retention set: 16 months 2024-01 .. 2025-04 (indexes 0..15), every
 * customer month to month (no term_end), MRR in major units:
 *
 *   A  100 in 2024, then 120, 140, 260, 290 (2025-01 .. 2025-04)
 *   B  100 every month
 *   C  100 every month
 *   D  100 through 2025-02, gone from 2025-03
 *   E  100 through 2024-05, gone from 2024-06
 *
 * Trailing-12-month windows fit from index 12 (2025-01) on.  The base of
 * every window ending at 12..15 (from 2024-01..2024-04) is A..E at 100
 * each = 500:
 *   NRR  2025-01 (120+100+100+100+0)/500 = 0.84
 *        2025-02 (140+300)/500 = 0.88
 *        2025-03 (260+200)/500 = 0.92   (D gone)
 *        2025-04 (290+200)/500 = 0.98
 *   GRR  each capped at 100: 400/500 = 0.8, 0.8, then 300/500 = 0.6, 0.6
 *   logo 4/5, 4/5, 3/5, 3/5 (the same values as GRR)
 * Renewals (month to month: everyone active in M-1 is up in M):
 *   months 1..4: 5 up, 5 renewed = 1; 5 (2024-06): 4/5 = 0.8 (E);
 *   6..13: 4/4 = 1; 14 (2025-03): 3/4 = 0.75 (D); 15: 3/3 = 1.
 * Nobody has a contract_start: no TTFV subjects, no TTFV points. */
static void write_retention_set(const char *dir)
{
    for (int k = 0; k < 16; k++) {
        int y = 2024 + k / 12, mo = k % 12 + 1;
        static const int a25[4] = {120, 140, 260, 290};
        int a = k < 12 ? 100 : a25[k - 12];
        csm_strbuf b = {0};
        csm_strbuf_printf(&b, "customer_id,mrr\nA,%d\nB,100\nC,100\n", a);
        if (k < 14)
            csm_strbuf_printf(&b, "D,100\n");
        if (k < 5)
            csm_strbuf_printf(&b, "E,100\n");
        char name[64];
        snprintf(name, sizeof name, "snapshots/%04d-%02d.csv", y, mo);
        tu_write(dir, name, b.data, b.len);
        csm_strbuf_free(&b);
    }
}

/* TTFV set: 15 months 2024-01 .. 2025-03, report month 2025-03.  Every
 * customer is active at 100 from its contract month (from 2024-01 for the
 * earliest) to the end; first_value_date as below (days after
 * contract_start):
 *
 *   2023-Q4  T1 T2 T3 signed 2023-11-15, values 2024-01-20, 2024-02-10,
 *            none: all signed before the data, so the quarter's curve is
 *            conditional (conditional_from defined): no point.
 *   2024-Q1  P1 P2 P3 signed 2024-01-01: +10, +20, +40.  Three events, no
 *            censoring: S = 2/3 after day 10, 1/3 after day 20, so the
 *            median is 20.
 *   2024-Q2  Q1 Q2 Q3 signed 2024-04-01: +10, none, none.  S = 2/3 after
 *            day 10 and the two others are censored: the median is not
 *            reached, no point.
 *   2024-Q3  R1 R2 R3 signed 2024-07-01: +5, +30, +60: median 30.
 *   2024-Q4  nobody signs.
 *   2025-Q1  S1 S2 S3 signed 2025-01-01: +20, +45, +50: median 45 (all
 *            before 2025-03-31, the end of observation).
 * Points: 2024-Q1 (x 0, 20), 2024-Q3 (x 2, 30), 2025-Q1 (x 4, 45): the
 * quarters without a point leave gaps in x. */
typedef struct tcust {
    const char *id;
    const char *start;
    const char *value; /* "" = none */
    int from;          /* first active month index */
} tcust;

static const tcust ttfv_customers[] = {
    {"T1", "2023-11-15", "2024-01-20", 0},
    {"T2", "2023-11-15", "2024-02-10", 0},
    {"T3", "2023-11-15", "", 0},
    {"P1", "2024-01-01", "2024-01-11", 0},
    {"P2", "2024-01-01", "2024-01-21", 0},
    {"P3", "2024-01-01", "2024-02-10", 0},
    {"Q1", "2024-04-01", "2024-04-11", 3},
    {"Q2", "2024-04-01", "", 3},
    {"Q3", "2024-04-01", "", 3},
    {"R1", "2024-07-01", "2024-07-06", 6},
    {"R2", "2024-07-01", "2024-07-31", 6},
    {"R3", "2024-07-01", "2024-08-30", 6},
    {"S1", "2025-01-01", "2025-01-21", 12},
    {"S2", "2025-01-01", "2025-02-15", 12},
    {"S3", "2025-01-01", "2025-02-20", 12},
};

static void write_ttfv_set(const char *dir)
{
    for (int k = 0; k < 15; k++) {
        int y = 2024 + k / 12, mo = k % 12 + 1;
        csm_strbuf b = {0};
        csm_strbuf_printf(&b, "customer_id,mrr,contract_start,"
                              "first_value_date\n");
        for (size_t i = 0; i < sizeof ttfv_customers / sizeof *ttfv_customers;
             i++) {
            const tcust *c = &ttfv_customers[i];
            if (k >= c->from)
                csm_strbuf_printf(&b, "%s,100,%s,%s\n", c->id, c->start,
                                  c->value);
        }
        char name[64];
        snprintf(name, sizeof name, "snapshots/%04d-%02d.csv", y, mo);
        tu_write(dir, name, b.data, b.len);
        csm_strbuf_free(&b);
    }
}

/* ------------------------------------------------------------ runs */

typedef struct run {
    char *dir;
    csm_dataset *ds;
    csm_metrics *m;
    csm_diags diag;
    csm_config cfg;
} run;

static void run_open(run *x, void (*writer)(const char *), const char *tag,
                     int trend_points, double level, int back)
{
    memset(x, 0, sizeof *x);
    x->dir = tu_tempdir(tag);
    writer(x->dir);
    csm_config_defaults(&x->cfg);
    if (trend_points)
        x->cfg.trend_points = trend_points;
    if (level > 0)
        x->cfg.ci_level = level;
    assert_int_equal(tu_load(x->dir, &x->cfg, &x->ds, &x->diag), CSM_OK);
    assert_int_equal(csm_metrics_run(x->ds, &x->cfg, x->ds->n_months - 1 - back,
                                     &x->m, &x->diag),
                     CSM_OK);
    assert_non_null(x->m->trends);
}

static void run_close(run *x)
{
    csm_metrics_free(x->m);
    csm_dataset_free(x->ds);
    csm_diags_free(&x->diag);
    tu_rmtree(x->dir);
    free(x->dir);
}

static const csm_series_trend *ser(const run *x, csm_trend_series s)
{
    return &x->m->trends->series[s];
}

static void assert_points(const csm_series_trend *t, const char *const *label,
                          const double *xs, const double *ys, size_t n)
{
    assert_int_equal(t->n, n);
    for (size_t i = 0; i < n; i++) {
        char b[CSM_DATE_BUFSZ];
        const char *got = t->quarterly
                              ? csm_quarter_format(t->points[i].period, b)
                              : csm_month_format(t->points[i].period, b);
        assert_string_equal(got, label[i]);
        near(t->points[i].x, xs[i]);
        near(t->points[i].y, ys[i]);
    }
}

/* intercept, slope, se, lo, hi, p as R prints them. */
static void assert_fit(const csm_trend *f, const double want[6],
                       csm_trend_verdict v)
{
    assert_true(f->defined);
    near(f->intercept, want[0]);
    near(f->slope, want[1]);
    near(f->slope_se, want[2]);
    near(f->slope_lo, want[3]);
    near(f->slope_hi, want[4]);
    assert_true(f->p_value.defined);
    near(f->p_value.value, want[5]);
    assert_int_equal(f->verdict, v);
}

/* ------------------------------------------------------------ tests */

static const char *const m4[] = {"2025-01", "2025-02", "2025-03", "2025-04"};
static const double x4[] = {0, 1, 2, 3};

static void test_retention_series(void **state)
{
    (void)state;
    run x;
    run_open(&x, write_retention_set, "trends-ret", 0, 0, 0);
    assert_int_equal(x.m->trends->max_points, 12);
    near(x.m->trends->level, 0.95);

    /* NRR: f(0:3, c(0.84, 0.88, 0.92, 0.98)) */
    static const double nrr_y[] = {0.84, 0.88, 0.92, 0.98};
    const csm_series_trend *t = ser(&x, CSM_TREND_NRR);
    assert_false(t->quarterly);
    assert_true(t->higher_is_better);
    assert_points(t, m4, x4, nrr_y, 4);
    static const double nrr_fit[6] = {
        0.8360000000000003,   0.045999999999999951, 0.0034641016151377596,
        0.031095173729497952, 0.060904826270501949, 0.0056232873156311144};
    assert_fit(&t->fit, nrr_fit, CSM_TREND_IMPROVING);

    /* GRR and logo retention: f(0:3, c(0.8, 0.8, 0.6, 0.6)); the interval
     * contains 0 at 95%: flat. */
    static const double grr_y[] = {0.8, 0.8, 0.6, 0.6};
    static const double grr_fit[6] = {
        0.82000000000000006,  -0.080000000000000029, 0.028284271247461908,
        -0.20169739689186622, 0.041697396891866162,  0.1055728090000841};
    assert_points(ser(&x, CSM_TREND_GRR), m4, x4, grr_y, 4);
    assert_fit(&ser(&x, CSM_TREND_GRR)->fit, grr_fit, CSM_TREND_FLAT);
    assert_points(ser(&x, CSM_TREND_LOGO_RETENTION), m4, x4, grr_y, 4);
    assert_fit(&ser(&x, CSM_TREND_LOGO_RETENTION)->fit, grr_fit,
               CSM_TREND_FLAT);

    /* Renewal rate: the last 12 of the 15 defined months, 2024-05 ..
     * 2025-04.  f(0:11, c(1, 0.8, 1, 1, 1, 1, 1, 1, 1, 1, 0.75, 1)) */
    static const char *const rm[] = {
        "2024-05", "2024-06", "2024-07", "2024-08", "2024-09", "2024-10",
        "2024-11", "2024-12", "2025-01", "2025-02", "2025-03", "2025-04"};
    static const double rx[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    static const double ry[] = {1, 0.8, 1, 1, 1, 1, 1, 1, 1, 1, 0.75, 1};
    assert_points(ser(&x, CSM_TREND_RENEWAL_RATE), rm, rx, ry, 12);
    static const double ren_fit[6] = {
        0.97115384615384703,   -0.001573426573426634, 0.0077220499389362889,
        -0.018779226059348814, 0.015632372912495543,  0.84262963297073545};
    assert_fit(&ser(&x, CSM_TREND_RENEWAL_RATE)->fit, ren_fit, CSM_TREND_FLAT);

    /* No contract_start: no TTFV subjects, no points, no fit. */
    const csm_series_trend *tv = ser(&x, CSM_TREND_TTFV_MEDIAN);
    assert_int_equal(tv->n, 0);
    assert_false(tv->fit.defined);
    assert_false(tv->higher_is_better);
    run_close(&x);
}

/* At 80% the GRR interval excludes 0: declining.  R:
 * confint(lm(c(0.8, 0.8, 0.6, 0.6) ~ c(0:3)), level = 0.8)[2, ] and
 * confint(lm(c(0.84, 0.88, 0.92, 0.98) ~ c(0:3)), level = 0.8)[2, ]. */
static void test_level(void **state)
{
    (void)state;
    run x;
    run_open(&x, write_retention_set, "trends-level", 0, 0.8, 0);
    const csm_trend *g = &ser(&x, CSM_TREND_GRR)->fit;
    near(g->slope_lo, -0.13333333333333339);
    near(g->slope_hi, -0.026666666666666679);
    assert_int_equal(g->verdict, CSM_TREND_DECLINING);
    const csm_trend *n = &ser(&x, CSM_TREND_NRR)->fit;
    near(n->slope_lo, 0.039468027352578136);
    near(n->slope_hi, 0.052531972647421765);
    assert_int_equal(n->verdict, CSM_TREND_IMPROVING);
    near(n->level, 0.8);
    run_close(&x);
}

/* trend_points = 3 keeps the last three points, x counted from the first
 * of them: f(0:2, c(0.88, 0.92, 0.98)). */
static void test_max_points(void **state)
{
    (void)state;
    run x;
    run_open(&x, write_retention_set, "trends-max", 3, 0, 0);
    static const double y[] = {0.88, 0.92, 0.98};
    static const double xs[] = {0, 1, 2};
    assert_points(ser(&x, CSM_TREND_NRR), m4 + 1, xs, y, 3);
    static const double fit[6] = {0.87666666666666704,   0.049999999999999885,
                                  0.0057735026918962979, -0.023359307248090204,
                                  0.12335930724808997,   0.073186395040328034};
    assert_fit(&ser(&x, CSM_TREND_NRR)->fit, fit, CSM_TREND_FLAT);
    assert_int_equal(ser(&x, CSM_TREND_RENEWAL_RATE)->n, 3);
    run_close(&x);
}

/* Report month 2025-02: only two 12-month windows fit (2025-01, 2025-02):
 * n = 2 is shown, the fit is undefined (no residual degree of freedom),
 * never a slope through two points. */
static void test_too_few(void **state)
{
    (void)state;
    run x;
    run_open(&x, write_retention_set, "trends-few", 0, 0, 2);
    const csm_series_trend *t = ser(&x, CSM_TREND_NRR);
    static const double y[] = {0.84, 0.88};
    assert_points(t, m4, x4, y, 2);
    assert_false(t->fit.defined);
    assert_true(t->fit.slope == 0.0);
    assert_int_equal(t->fit.n, 2);
    /* Later months never enter: the renewal series ends at 2025-02. */
    const csm_series_trend *r = ser(&x, CSM_TREND_RENEWAL_RATE);
    char b[CSM_DATE_BUFSZ];
    assert_string_equal(csm_month_format(r->points[r->n - 1].period, b),
                        "2025-02");
    run_close(&x);
}

/* Median TTFV by signup quarter, lower is better:
 * f(c(0, 2, 4), c(20, 30, 45)) and at level 0.8. */
static void test_ttfv_quarters(void **state)
{
    (void)state;
    run x;
    run_open(&x, write_ttfv_set, "trends-ttfv", 0, 0, 0);
    const csm_series_trend *t = ser(&x, CSM_TREND_TTFV_MEDIAN);
    assert_true(t->quarterly);
    assert_false(t->higher_is_better);
    static const char *const q[] = {"2024-Q1", "2024-Q3", "2025-Q1"};
    static const double xs[] = {0, 2, 4};
    static const double ys[] = {20, 30, 45};
    assert_points(t, q, xs, ys, 3);
    static const double fit[6] = {19.1666666666666714, 6.2499999999999982,
                                  0.72168783648703383, -2.9199134060112186,
                                  15.419913406011215,  0.073186395040327534};
    assert_fit(&t->fit, fit, CSM_TREND_FLAT);
    run_close(&x);

    /* At 80% the interval [4.03, 8.47] days per quarter excludes 0 and
     * days are rising: declining, since fewer days is better. */
    run_open(&x, write_ttfv_set, "trends-ttfv80", 0, 0.8, 0);
    t = ser(&x, CSM_TREND_TTFV_MEDIAN);
    near(t->fit.slope_lo, 4.0288732266642278);
    near(t->fit.slope_hi, 8.4711267733357687);
    assert_int_equal(t->fit.verdict, CSM_TREND_DECLINING);
    run_close(&x);

    /* As of 2024-12 the 2025-Q1 quarter does not exist yet: two points,
     * undefined. */
    run_open(&x, write_ttfv_set, "trends-ttfv-few", 0, 0, 3);
    t = ser(&x, CSM_TREND_TTFV_MEDIAN);
    assert_int_equal(t->n, 2);
    assert_false(t->fit.defined);
    run_close(&x);
}

/* The JSON member: keys, nulls for an undefined fit, points. */
static void test_json(void **state)
{
    (void)state;
    run x;
    run_open(&x, write_retention_set, "trends-json", 0, 0, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(csm_metrics_write_json(x.m, &x.diag, f), CSM_OK);
    fclose(f);
    csm_jval *doc = NULL;
    csm_diags d = {0};
    assert_int_equal(csm_json_parse(buf, len, "json", &doc, &d), CSM_OK);
    const csm_jval *tr = csm_jval_get(doc, "trends");
    assert_non_null(tr);
    near(csm_jval_get(tr, "ci_level")->num, 0.95);
    assert_string_equal(csm_jval_get(tr, "max_points")->text, "12");
    const csm_jval *n = csm_jval_get(tr, "nrr");
    assert_string_equal(csm_jval_get(n, "unit")->text, "fraction");
    assert_string_equal(csm_jval_get(n, "x_unit")->text, "month");
    assert_string_equal(csm_jval_get(n, "n")->text, "4");
    assert_string_equal(csm_jval_get(n, "from")->text, "2025-01");
    assert_string_equal(csm_jval_get(n, "to")->text, "2025-04");
    assert_string_equal(csm_jval_get(n, "verdict")->text, "improving");
    near(csm_jval_get(n, "slope")->num, 0.045999999999999951);
    const csm_jval *ci = csm_jval_get(n, "slope_ci");
    near(csm_jval_get(ci, "lo")->num, 0.031095173729497952);
    near(csm_jval_get(ci, "hi")->num, 0.060904826270501949);
    near(csm_jval_get(n, "p_value")->num, 0.0056232873156311144);
    const csm_jval *pts = csm_jval_get(n, "points");
    assert_int_equal(pts->n, 4);
    assert_string_equal(csm_jval_get(&pts->items[3], "month")->text, "2025-04");
    near(csm_jval_get(&pts->items[3], "y")->num, 0.98);
    /* No TTFV points: every fit figure is null, n is 0. */
    const csm_jval *tv = csm_jval_get(tr, "ttfv_median");
    assert_string_equal(csm_jval_get(tv, "unit")->text, "days");
    assert_string_equal(csm_jval_get(tv, "n")->text, "0");
    assert_false(csm_jval_get(tv, "defined")->b);
    static const char *const nulls[] = {"from",     "to",       "slope",
                                        "slope_se", "slope_ci", "intercept",
                                        "p_value",  "verdict"};
    for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
        assert_int_equal(csm_jval_get(tv, nulls[i])->type, CSM_JNULL);
    csm_jval_free(doc);
    csm_diags_free(&d);
    free(buf);
    run_close(&x);
}

/* Bad inputs: a report month out of range is refused with a diagnostic
 * and nothing allocated. */
static void test_errors(void **state)
{
    (void)state;
    run x;
    run_open(&x, write_retention_set, "trends-err", 0, 0, 0);
    csm_trends *t = (csm_trends *)1;
    csm_diags d = {0};
    assert_int_equal(csm_trends_run(x.ds, &x.cfg, x.m->retention, x.m->renewals,
                                    x.m->ttfv, x.ds->n_months, &t, &d),
                     CSM_EUSAGE);
    assert_null(t);
    assert_int_equal(d.n, 1);
    csm_config bad = x.cfg;
    bad.ci_level = 0.2;
    t = (csm_trends *)1;
    assert_int_equal(
        csm_trends_run(x.ds, &bad, x.m->retention, NULL, NULL, 0, &t, &d),
        CSM_EUSAGE);
    assert_null(t);
    /* Without renewals or TTFV results those series are simply empty. */
    assert_int_equal(csm_trends_run(x.ds, &x.cfg, x.m->retention, NULL, NULL,
                                    x.m->report_month, &t, &d),
                     CSM_OK);
    assert_int_equal(t->series[CSM_TREND_RENEWAL_RATE].n, 0);
    assert_int_equal(t->series[CSM_TREND_NRR].n, 4);
    assert_string_equal(csm_trend_series_name(CSM_TREND_LOGO_RETENTION),
                        "logo_retention");
    assert_string_equal(csm_trend_series_name(CSM_TREND_SERIES), "?");
    assert_string_equal(csm_trend_verdict_name(CSM_TREND_DECLINING),
                        "declining");
    csm_trends_free(t);
    csm_trends_free(NULL);
    csm_diags_free(&d);
    run_close(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retention_series), cmocka_unit_test(test_level),
        cmocka_unit_test(test_max_points),       cmocka_unit_test(test_too_few),
        cmocka_unit_test(test_ttfv_quarters),    cmocka_unit_test(test_json),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
