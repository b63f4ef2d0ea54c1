/* Unit tests of compute/ttfv.c on fixtures/hand/ttfv (README there) and
 * on small data sets written by the tests for the edge cases.
 *
 * The subjects (entry, exit, event) are derived by hand below.  Every
 * Kaplan-Meier, log-rank and Wilson number was printed to 17 significant
 * digits by R 4.2.2 with survival 3.5-3 on those subjects:
 *     Rscript tests/r/ttfv_expected.R
 * which runs, for the overall fit,
 *     survfit(Surv(entry, exit, event) ~ 1, data = d, conf.type = TYPE)
 *     summary(fit)$table[c("median", "0.95LCL", "0.95UCL")]
 *     summary(fit, times = c(30, 60, 90))
 * the same per segment and per quarter, the log-rank test as the score
 * test of
 *     coxph(Surv(entry, exit, event) ~ factor(seg), ties = "exact")
 * and prop.test(x, n, correct = FALSE)$conf.int for churned before value.
 * NA_ marks an R NA: the value must be undefined.  The test needs no R. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/ttfv.h"
#include "support/testutil.h"

#define NA_ NAN
#define TOL 1e-10 /* relative, as test_stats.c */
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void close_at(double got, double want, const char *what,
                     const char *file, int line)
{
    if (!(got == want || fabs(got - want) <= TOL * fabs(want))) {
        print_error("%s = %.17g, want %.17g\n", what, got, want);
        _fail(file, line);
    }
}
#define CLOSE(got, want) close_at((got), (want), #got, __FILE__, __LINE__)

static void value_at(csm_stats_value got, double want, const char *what,
                     const char *file, int line)
{
    if (isnan(want)) {
        if (got.defined) {
            print_error("%s = %.17g, want undefined\n", what, got.value);
            _fail(file, line);
        }
        return;
    }
    if (!got.defined) {
        print_error("%s undefined, want %.17g\n", what, want);
        _fail(file, line);
    }
    close_at(got.value, want, what, file, line);
}
#define VALUE(got, want) value_at((got), (want), #got, __FILE__, __LINE__)

static csm_dataset *load_dir(const char *dir)
{
    csm_dataset *ds = NULL;
    csm_diags d = {0};
    csm_error rc = tu_load(dir, NULL, &ds, &d);
    if (rc != CSM_OK)
        for (size_t i = 0; i < d.n; i++)
            print_error("%s\n", d.items[i].message);
    assert_int_equal(rc, CSM_OK);
    csm_diags_free(&d);
    return ds;
}

static csm_dataset *load_fixture(void)
{
    char *dir = tu_path("fixtures/hand/ttfv");
    csm_dataset *ds = load_dir(dir);
    free(dir);
    return ds;
}

static csm_ttfv *run(const csm_dataset *ds, const csm_config *cfg, int report)
{
    csm_ttfv *t = NULL;
    csm_diags d = {0};
    assert_int_equal(csm_ttfv_run(ds, cfg, report, &t, &d), CSM_OK);
    assert_int_equal(csm_diags_errors(&d), 0);
    csm_diags_free(&d);
    return t;
}

static void subject(const csm_dataset *ds, int report, const char *id,
                    csm_ttfv_subject *s)
{
    uint32_t c = csm_ds_find_customer(ds, id);
    assert_int_not_equal(c, CSM_NO_CUSTOMER);
    csm_ttfv_subject_of(ds, report, c, s);
}

/* One subject: status, and for IN its times and flags. */
static void expect_in(const csm_dataset *ds, int report, const char *id,
                      double entry, double exit_, bool event, bool churned,
                      bool truncated)
{
    csm_ttfv_subject s;
    subject(ds, report, id, &s);
    if (s.status != CSM_TTFV_IN)
        fail_msg("%s: status %s, want in", id, csm_ttfv_status_name(s.status));
    CLOSE(s.entry, entry);
    CLOSE(s.exit, exit_);
    assert_int_equal(s.event, event);
    assert_int_equal(s.churned_before_value, churned);
    assert_int_equal(s.left_truncated, truncated);
}

static void expect_out(const csm_dataset *ds, int report, const char *id,
                       csm_ttfv_status st)
{
    csm_ttfv_subject s;
    subject(ds, report, id, &s);
    if (s.status != st)
        fail_msg("%s: status %s, want %s", id, csm_ttfv_status_name(s.status),
                 csm_ttfv_status_name(st));
}

/* Report month 2024-04 (index 3): the data run 2024-01-01 .. 2024-04-30.
 * Times are days since contract_start; a subject is at risk from its first
 * observed day d, entry d - 1/2 (ttfv.h), so -0.5 for one signed inside
 * the data.  Censoring: last day of the last active month if it churned,
 * else 2024-04-30. */
static void test_subjects(void **state)
{
    (void)state;
    csm_dataset *ds = load_fixture();
    /* Signed before the data: observed from 2024-01-01. */
    /* T1 2023-12-01: Jan 1 is day 31 -> entry 30.5; value 01-15 = day 45. */
    expect_in(ds, 3, "T1", 30.5, 45, true, false, true);
    /* T2 2023-11-02: Jan 1 is day 60 -> 59.5; no value, active through
     * Apr: censored at 04-30 = day 28+31+31+29+31+30 = 180. */
    expect_in(ds, 3, "T2", 59.5, 180, false, false, true);
    /* T3 2023-12-17, value 2023-12-20: before the data, never at risk. */
    expect_out(ds, 3, "T3", CSM_TTFV_VALUE_BEFORE_DATA);
    /* T4 2023-12-02: Jan 1 is day 30 -> 29.5; value on Jan 1 itself, day
     * 30: an observed event (the first loaded day is observed). */
    expect_in(ds, 3, "T4", 29.5, 30, true, false, true);
    /* Signed inside the data. */
    expect_in(ds, 3, "U1", -0.5, 30, true, false, false); /* 01-10 -> 02-09 */
    expect_in(ds, 3, "U2", -0.5, 30, true, false, false); /* 01-20 -> 02-19 */
    /* U3 01-05, no value, last active Feb: censored 02-29 = day 55, churned
     * before value. */
    expect_in(ds, 3, "U3", -0.5, 55, false, true, false);
    expect_in(ds, 3, "U4", -0.5, 55, true, false, false); /* 02-01 -> 03-27 */
    /* U5 02-15, no value, active: censored 04-30 = day 14 + 31 + 30 = 75. */
    expect_in(ds, 3, "U5", -0.5, 75, false, false, false);
    /* U6: value on the contract day: an event at day 0. */
    expect_in(ds, 3, "U6", -0.5, 0, true, false, false);
    expect_in(ds, 3, "U7", -0.5, 44, true, false, false); /* 03-05 -> 04-18 */
    /* U8 01-15, active Jan-Feb, value 03-15 after its churn: censored at
     * 02-29 = day 45, churned before value. */
    expect_in(ds, 3, "U8", -0.5, 45, false, true, false);
    /* U9 02-10, value 2024-05-20 after the report month: censored at 04-30
     * = day 19 + 31 + 30 = 80. */
    expect_in(ds, 3, "U9", -0.5, 80, false, false, false);
    expect_in(ds, 3, "U10", -0.5, 10, true, false, false); /* 04-02 -> 04-12 */
    /* U11 02-20 -> 03-01 (2024 is a leap year): 10 days. */
    expect_in(ds, 3, "U11", -0.5, 10, true, false, false);
    /* Out: no contract_start; contract 2024-05-03 after the report; never
     * active; first value 01-05 (one row) before contract 01-10 (another
     * row); contract 03-10 but last active in Feb. */
    expect_out(ds, 3, "N1", CSM_TTFV_NO_START);
    expect_out(ds, 3, "X2", CSM_TTFV_NOT_SIGNED);
    expect_out(ds, 3, "N2", CSM_TTFV_NEVER_ACTIVE);
    expect_out(ds, 3, "X1", CSM_TTFV_INCONSISTENT);
    expect_out(ds, 3, "X3", CSM_TTFV_INCONSISTENT);

    /* As of 2024-02 (index 1, end 02-29) later facts do not exist yet:
     * U4's value (03-27) is in the future: censored at 02-29, day 28.
     * U8 is still active in Feb, so not churned: censored at day 45.
     * U7 (contract 03-05) has not signed. */
    expect_in(ds, 1, "U4", -0.5, 28, false, false, false);
    expect_in(ds, 1, "U8", -0.5, 45, false, false, false);
    expect_in(ds, 1, "U1", -0.5, 30, true, false, false);
    expect_out(ds, 1, "U7", CSM_TTFV_NOT_SIGNED);
    /* X3 as of Feb: active, contract 03-10 after Feb 29: not signed. */
    expect_out(ds, 1, "X3", CSM_TTFV_NOT_SIGNED);
    csm_dataset_free(ds);
}

/* The 14 subjects above, overall, survfit defaults (log, 0.95). */
static const double T_time[] = {0, 10, 30, 44, 45, 55, 75, 80, 180};
static const size_t T_risk[] = {11, 10, 9, 7, 6, 4, 3, 2, 1};
static const size_t T_event[] = {1, 2, 3, 1, 1, 1, 0, 0, 0};
static const size_t T_censor[] = {0, 0, 0, 0, 1, 1, 1, 1, 1};
static const double T_surv[] = {
    0.90909090909090906, 0.72727272727272729, 0.48484848484848486,
    0.41558441558441556, 0.34632034632034631, 0.25974025974025972,
    0.25974025974025972, 0.25974025974025972, 0.25974025974025972};

static void check_curve(const csm_km *km, const double *lower,
                        const double *upper)
{
    assert_int_equal(km->n_steps, ARRAY_LEN(T_time));
    for (size_t i = 0; i < km->n_steps; i++) {
        const csm_km_step *s = &km->steps[i];
        CLOSE(s->time, T_time[i]);
        assert_int_equal(s->n_risk, T_risk[i]);
        assert_int_equal(s->n_event, T_event[i]);
        assert_int_equal(s->n_censor, T_censor[i]);
        CLOSE(s->surv, T_surv[i]);
        VALUE(s->lower, lower[i]);
        VALUE(s->upper, upper[i]);
    }
}

/* within_d from R's S(d), lower, upper: share 1 - S, [1 - upper, 1 - lower]
 * (NA_ where R has none). */
static void check_within(const csm_ttfv_summary *s, const double *surv,
                         const double *lower, const double *upper)
{
    for (int w = 0; w < CSM_TTFV_WITHIN; w++) {
        const csm_ttfv_within_share *x = &s->within[w];
        assert_int_equal(x->days, csm_ttfv_within_days[w]);
        VALUE(x->share, isnan(surv[w]) ? NA_ : 1.0 - surv[w]);
        VALUE(x->lo, isnan(upper[w]) ? NA_ : 1.0 - upper[w]);
        VALUE(x->hi, isnan(lower[w]) ? NA_ : 1.0 - lower[w]);
    }
}

static void check_prop(const csm_prop_ci *p, size_t x, size_t n, double lo,
                       double hi)
{
    assert_int_equal(p->x, x);
    assert_int_equal(p->n, n);
    assert_true(p->defined);
    CLOSE(p->estimate, (double)x / (double)n);
    CLOSE(p->lo, lo);
    CLOSE(p->hi, hi);
}

static void test_overall(void **state)
{
    (void)state;
    csm_dataset *ds = load_fixture();
    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_ttfv *t = run(ds, &cfg, 3);
    const csm_ttfv_summary *o = &t->overall;
    assert_int_equal(o->n, 14);
    assert_int_equal(o->events, 9);
    assert_int_equal(o->left_truncated, 3); /* T1 T2 T4 */
    assert_false(o->conditional_from.defined);
    assert_int_equal(t->excluded[CSM_TTFV_NO_START], 1);
    assert_int_equal(t->excluded[CSM_TTFV_NOT_SIGNED], 1);
    assert_int_equal(t->excluded[CSM_TTFV_NEVER_ACTIVE], 1);
    assert_int_equal(t->excluded[CSM_TTFV_VALUE_BEFORE_DATA], 1);
    assert_int_equal(t->excluded[CSM_TTFV_INCONSISTENT], 2);

    /* Ties: 2 events at 10, 3 at 30 (one of them T4, which entered at
     * 29.5); an event and a censoring at 45 and at 55.  Hand check of the
     * first rows: 11 at risk at 0 (the untruncated subjects), S = 10/11;
     * at 10, 10 at risk, S = 10/11 * 8/10 = 8/11 = 0.7272...; at 30 T4 is
     * at risk but T1 (entry 30.5) is not: 9, S = 8/11 * 6/9 = 16/33. */
    CLOSE(T_surv[2], 16.0 / 33.0);
    const double lower[] = {
        0.75413384508152548, 0.50644676483130968, 0.26961721791877175,
        0.21475688305010091, 0.16343924770139484, 0.1014398309306293,
        0.1014398309306293,  0.1014398309306293,  0.1014398309306293};
    const double upper[] = {1,
                            1,
                            0.87189555279327158,
                            0.8042136020215398,
                            0.73383709214430626,
                            0.66507408294158366,
                            0.66507408294158366,
                            0.66507408294158366,
                            0.66507408294158366};
    check_curve(t->curve, lower, upper);
    /* median, 0.95LCL, 0.95UCL: 30, 30, NA */
    VALUE(o->median.median, 30);
    VALUE(o->median.lower, 30);
    VALUE(o->median.upper, NA_);
    const double s[] = {0.48484848484848486, 0.25974025974025972,
                        0.25974025974025972};
    const double lo[] = {0.26961721791877175, 0.1014398309306293,
                         0.1014398309306293};
    const double hi[] = {0.87189555279327158, 0.66507408294158366,
                         0.66507408294158366};
    check_within(o, s, lo, hi);
    /* U3 and U8 of 14: prop.test(2, 14). */
    check_prop(&o->churned_before_value, 2, 14, 0.040093921271464945,
               0.39941379496970347);
    csm_ttfv_free(t);
    csm_dataset_free(ds);
}

/* The config's ci_type and ci_level reach the fit. */
static void test_interval_types(void **state)
{
    (void)state;
    csm_dataset *ds = load_fixture();
    csm_config cfg;
    csm_config_defaults(&cfg);

    cfg.ci_type = CSM_CI_LOGLOG;
    csm_ttfv *t = run(ds, &cfg, 3);
    assert_int_equal(t->ci_type, CSM_KM_CI_LOGLOG);
    const double ll_lo[] = {
        0.50808020576992974,  0.37078740021222623,  0.19625608458315044,
        0.15531177088127104,  0.11615221164735301,  0.066684834300747467,
        0.066684834300747467, 0.066684834300747467, 0.066684834300747467};
    const double ll_hi[] = {
        0.98667382266782311, 0.9028330768067131,  0.72481629878603859,
        0.66099907480396281, 0.5931564563721381,  0.51112494482283988,
        0.51112494482283988, 0.51112494482283988, 0.51112494482283988};
    check_curve(t->curve, ll_lo, ll_hi);
    VALUE(t->overall.median.median, 30); /* 30, 10, NA */
    VALUE(t->overall.median.lower, 10);
    VALUE(t->overall.median.upper, NA_);
    csm_ttfv_free(t);

    cfg.ci_type = CSM_CI_PLAIN;
    t = run(ds, &cfg, 3);
    const double pl_lo[] = {
        0.73920433313384837,  0.46408557550236834,  0.20032329790415671,
        0.14122425013119938,  0.086260482930112126, 0.015528232029028477,
        0.015528232029028477, 0.015528232029028477, 0.015528232029028477};
    const double pl_hi[] = {1,
                            0.9904598790430863,
                            0.76937367179281302,
                            0.68994458103763168,
                            0.60638020971058049,
                            0.50395228745149101,
                            0.50395228745149101,
                            0.50395228745149101,
                            0.50395228745149101};
    check_curve(t->curve, pl_lo, pl_hi);
    VALUE(t->overall.median.lower, 10); /* 30, 10, NA */
    const double s[] = {0.48484848484848486, 0.25974025974025972,
                        0.25974025974025972};
    const double lo[] = {0.20032329790415671, 0.015528232029028477,
                         0.015528232029028477};
    const double hi[] = {0.76937367179281302, 0.50395228745149101,
                         0.50395228745149101};
    check_within(&t->overall, s, lo, hi);
    csm_ttfv_free(t);

    cfg.ci_type = CSM_CI_LOG;
    cfg.ci_level = 0.9;
    t = run(ds, &cfg, 3);
    const double l9_lo[] = {
        0.77713529447208796, 0.53678643745221255, 0.29629349350055684,
        0.2388046738806108,  0.18441153750779418, 0.11799328694536115,
        0.11799328694536115, 0.11799328694536115, 0.11799328694536115};
    const double l9_hi[] = {1,
                            0.98535578198508122,
                            0.79339593482983328,
                            0.72322875289696353,
                            0.65038111983842339,
                            0.5717698377296534,
                            0.5717698377296534,
                            0.5717698377296534,
                            0.5717698377296534};
    check_curve(t->curve, l9_lo, l9_hi);
    /* R: median 30, 0.9LCL 30, 0.9UCL NA (the upper band stays above
     * 0.5: 0.572 at the last row). */
    VALUE(t->overall.median.median, 30);
    VALUE(t->overall.median.lower, 30);
    VALUE(t->overall.median.upper, NA_);
    csm_ttfv_free(t);
    csm_dataset_free(ds);
}

/* Per quarter of contract_start and per segment. */
static void test_groups(void **state)
{
    (void)state;
    csm_dataset *ds = load_fixture();
    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_ttfv *t = run(ds, &cfg, 3);

    /* Quarters in calendar order: 2023-Q4 {T1 T2 T4}, 2024-Q1 {U1-U9,
     * U11}, 2024-Q2 {U10}. */
    assert_int_equal(t->n_quarters, 3);
    const csm_ttfv_summary *q = t->by_quarter;
    assert_string_equal(q[0].value, "2023-Q4");
    assert_string_equal(q[1].value, "2024-Q1");
    assert_string_equal(q[2].value, "2024-Q2");
    assert_int_equal(q[0].quarter, csm_month_from_ym(2023, 10));
    assert_int_equal(q[2].quarter, csm_month_from_ym(2024, 4));

    /* 2023-Q4: everyone entered late; the first entry is day 30 (T4), so
     * the curve is conditional on no value before day 30.  R: times 30,
     * 45, 180 with 1 at risk each; S = 0 from 30; median 30, no limits;
     * S(30,60,90) = 0 with NA intervals. */
    assert_int_equal(q[0].n, 3);
    assert_int_equal(q[0].events, 2);
    assert_int_equal(q[0].left_truncated, 3);
    VALUE(q[0].conditional_from, 30);
    VALUE(q[0].median.median, 30);
    VALUE(q[0].median.lower, NA_);
    VALUE(q[0].median.upper, NA_);
    {
        const double s[] = {0, 0, 0}, na[] = {NA_, NA_, NA_};
        check_within(&q[0], s, na, na);
    }

    /* 2024-Q1, 10 subjects.  R: S = 0.5 exactly from 44 to 55 (0.9 * 8/9
     * * 6/8 * 5/6), so the median is the midpoint (44 + 55) / 2 = 49.5;
     * LCL 30, UCL NA.  The last time is 80, so S(90) is undefined. */
    assert_int_equal(q[1].n, 10);
    assert_int_equal(q[1].events, 6);
    assert_false(q[1].conditional_from.defined);
    VALUE(q[1].median.median, 49.5);
    VALUE(q[1].median.lower, 30);
    VALUE(q[1].median.upper, NA_);
    {
        const double s[] = {0.59999999999999998, 0.375, NA_};
        const double lo[] = {0.36171952925471629, 0.16201996770303229, NA_};
        const double hi[] = {0.99524623605958118, 0.86794857444826001, NA_};
        check_within(&q[1], s, lo, hi);
    }
    check_prop(&q[1].churned_before_value, 2, 10, 0.056682151454375274,
               0.50983752846335817);

    /* 2024-Q2: a cohort of one (U10, value at day 10).  R: S = 0 at 10,
     * median 10, no limits; R drops 30/60/90 (after the last row), but a
     * curve at 0 stays 0: share 1 without an interval. */
    assert_int_equal(q[2].n, 1);
    VALUE(q[2].median.median, 10);
    VALUE(q[2].median.lower, NA_);
    {
        const double s[] = {0, 0, 0}, na[] = {NA_, NA_, NA_};
        check_within(&q[2], s, na, na);
    }
    check_prop(&q[2].churned_before_value, 0, 1, 0, 0.79345068562276255);

    /* Segments by name, "" (U11, no segment) last. */
    assert_int_equal(t->n_segments, 3);
    const csm_ttfv_summary *g = t->by_segment;
    assert_string_equal(g[0].value, "ENT");
    assert_string_equal(g[1].value, "SMB");
    assert_string_equal(g[2].value, "");
    assert_int_equal(g[0].quarter, CSM_NO_MONTH);
    /* ENT {T2 T4 U2 U4 U7 U8 U10}: median 30, LCL 30, UCL NA; S(30) =
     * 0.48, S reaches 0 at 55 (so 60 and 90 are 0 without limits). */
    assert_int_equal(g[0].n, 7);
    assert_int_equal(g[0].events, 5);
    VALUE(g[0].median.median, 30);
    VALUE(g[0].median.lower, 30);
    VALUE(g[0].median.upper, NA_);
    {
        const double s[] = {0.47999999999999998, 0, 0};
        const double lo[] = {0.20738555865988137, NA_, NA_};
        const double hi[] = {1, NA_, NA_};
        check_within(&g[0], s, lo, hi);
    }
    check_prop(&g[0].churned_before_value, 1, 7, 0.025679624344743562,
               0.51312782927431877);
    /* SMB {T1 U1 U3 U5 U6 U9}: median 45, LCL 30, UCL NA; last time 80. */
    assert_int_equal(g[1].n, 6);
    VALUE(g[1].median.median, 45);
    VALUE(g[1].median.lower, 30);
    VALUE(g[1].median.upper, NA_);
    {
        const double s[] = {0.60000000000000009, 0.45000000000000007, NA_};
        const double lo[] = {0.29331643163832644, 0.18071731187552986, NA_};
        const double hi[] = {1, 1, NA_};
        check_within(&g[1], s, lo, hi);
    }
    check_prop(&g[1].churned_before_value, 1, 6, 0.030053369748306673,
               0.56350282218647019);

    /* Log-rank ENT vs SMB (U11 has no segment and stays out):
     * coxph(..., ties = "exact") score 0.93869399577518042,
     * p = 1 - pchisq(score, 1) = 0.33261393898747427. */
    const csm_logrank *lr = t->segment_test;
    assert_non_null(lr);
    assert_true(lr->defined);
    assert_int_equal(lr->k, 2);
    assert_int_equal(lr->df, 1);
    CLOSE(lr->chisq, 0.93869399577518042);
    CLOSE(lr->p_value, 0.33261393898747427);
    CLOSE(lr->observed[0], 5); /* ENT events */
    CLOSE(lr->observed[1], 3); /* SMB events */
    assert_int_equal(lr->n[0], 7);
    assert_int_equal(lr->n[1], 6);
    csm_ttfv_free(t);
    csm_dataset_free(ds);
}

/* Writes snapshots into a fresh folder: months[i] is the body of
 * snapshots/names[i].csv. */
static char *write_set(const char *tag, const char *const *names,
                       const char *const *bodies, size_t n)
{
    char *dir = tu_tempdir(tag);
    for (size_t i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "snapshots/%s.csv", names[i]);
        tu_write(dir, path, bodies[i], strlen(bodies[i]));
    }
    return dir;
}

/* Nobody reaches first value.
 *   A: contract 2024-01-10, active Jan-Feb: censored 02-29, day 50.
 *   B: contract 2024-01-20, active Jan only: churned, censored 01-31,
 *      day 11.
 * Curve: censoring-only rows at 11 (2 at risk) and 50 (1); S = 1.
 * Median and its limits never reached.  S(30) = 1 (row 11, S = 1, std.err
 * 0, log interval [1, 1]): within_30 = 0 with interval [0, 0].  60 and 90
 * are after the last row: undefined.  Churned before value: B, 1 of 2
 * (prop.test(1, 2) = 0.094531205734230739, 0.90546879426576921). */
static void test_all_censored(void **state)
{
    (void)state;
    const char *names[] = {"2024-01", "2024-02"};
    const char *bodies[] = {"customer_id,segment,mrr,contract_start\n"
                            "A,SMB,100,2024-01-10\n"
                            "B,ENT,100,2024-01-20\n",
                            "customer_id,segment,mrr,contract_start\n"
                            "A,SMB,100,2024-01-10\n"};
    char *dir = write_set("ttfv-censored", names, bodies, 2);
    csm_dataset *ds = load_dir(dir);
    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_ttfv *t = run(ds, &cfg, 1);
    const csm_ttfv_summary *o = &t->overall;
    assert_int_equal(o->n, 2);
    assert_int_equal(o->events, 0);
    assert_int_equal(t->curve->n_steps, 2);
    CLOSE(t->curve->steps[0].time, 11);
    CLOSE(t->curve->steps[1].time, 50);
    CLOSE(t->curve->steps[1].surv, 1);
    VALUE(o->median.median, NA_);
    VALUE(o->median.lower, NA_);
    VALUE(o->median.upper, NA_);
    VALUE(o->within[0].share, 0);
    VALUE(o->within[0].lo, 0);
    VALUE(o->within[0].hi, 0);
    VALUE(o->within[1].share, NA_);
    VALUE(o->within[2].share, NA_);
    check_prop(&o->churned_before_value, 1, 2, 0.094531205734230739,
               0.90546879426576921);
    /* Two segments without events: the test has nothing to compare. */
    assert_non_null(t->segment_test);
    assert_false(t->segment_test->defined);
    csm_ttfv_free(t);
    csm_dataset_free(ds);
    tu_rmtree(dir);
    free(dir);
}

/* Everyone entered late: A signed 2023-10-01, watched from 2024-01-01
 * (day 92, entry 91.5), first value 2024-01-20 = day 111.  The curve is
 * conditional from day 92: S(30), S(60), S(90) were never observed, so
 * the shares are undefined rather than survfit's starting S = 1.  Median:
 * S = 0 at 111 (1 at risk, 1 event). */
static void test_conditional(void **state)
{
    (void)state;
    const char *names[] = {"2024-01"};
    const char *bodies[] = {"customer_id,mrr,contract_start,first_value_date\n"
                            "A,100,2023-10-01,2024-01-20\n"};
    char *dir = write_set("ttfv-conditional", names, bodies, 1);
    csm_dataset *ds = load_dir(dir);
    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_ttfv *t = run(ds, &cfg, 0);
    const csm_ttfv_summary *o = &t->overall;
    assert_int_equal(o->n, 1);
    VALUE(o->conditional_from, 92);
    VALUE(o->median.median, 111);
    for (int w = 0; w < CSM_TTFV_WITHIN; w++) {
        assert_int_equal(o->within[w].days, csm_ttfv_within_days[w]);
        VALUE(o->within[w].share, NA_);
        VALUE(o->within[w].lo, NA_);
    }
    assert_int_equal(t->n_quarters, 1);
    VALUE(t->by_quarter[0].conditional_from, 92);
    csm_ttfv_free(t);
    csm_dataset_free(ds);
    tu_rmtree(dir);
    free(dir);
}

/* No contract_start anywhere: every customer excluded and counted; every
 * figure undefined, nothing fitted, no groups, no test. */
static void test_nobody_with_start(void **state)
{
    (void)state;
    const char *names[] = {"2024-01"};
    const char *bodies[] = {"customer_id,mrr,first_value_date\n"
                            "A,100,2024-01-15\n"
                            "B,100,\n"};
    char *dir = write_set("ttfv-nostart", names, bodies, 1);
    csm_dataset *ds = load_dir(dir);
    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_ttfv *t = run(ds, &cfg, 0);
    assert_int_equal(t->overall.n, 0);
    assert_int_equal(t->excluded[CSM_TTFV_NO_START], 2);
    assert_non_null(t->curve);
    assert_int_equal(t->curve->n_steps, 0);
    VALUE(t->overall.median.median, NA_);
    for (int w = 0; w < CSM_TTFV_WITHIN; w++)
        VALUE(t->overall.within[w].share, NA_);
    assert_false(t->overall.churned_before_value.defined);
    assert_int_equal(t->n_quarters, 0);
    assert_int_equal(t->n_segments, 0);
    assert_null(t->segment_test);
    csm_ttfv_free(t);
    csm_dataset_free(ds);
    tu_rmtree(dir);
    free(dir);
}

static void test_errors(void **state)
{
    (void)state;
    csm_dataset *ds = load_fixture();
    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_ttfv *t = (csm_ttfv *)&cfg; /* must be reset to NULL */
    csm_diags d = {0};
    assert_int_equal(csm_ttfv_run(ds, &cfg, 4, &t, &d), CSM_EUSAGE);
    assert_null(t);
    cfg.ci_level = 0.2; /* the stats module refuses it */
    assert_int_equal(csm_ttfv_run(ds, &cfg, 3, &t, &d), CSM_EUSAGE);
    assert_null(t);
    assert_int_equal(csm_diags_errors(&d), 2);
    assert_string_equal(d.items[1].rule, "ttfv-fit");
    csm_diags_free(&d);
    csm_dataset_free(ds);
    assert_string_equal(csm_ttfv_status_name(CSM_TTFV_STATUSES), "unknown");
}

/* End to end: `metrics --json` carries the section (whole days written as
 * integers). */
static void test_json(void **state)
{
    (void)state;
    char *dir = tu_path("fixtures/hand/ttfv");
    const char *args[] = {"metrics", "--data", dir, "--json", NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(tu_run(args, &out, &err), 0);
    const char *sec = strstr(out, "\"ttfv\": {");
    assert_non_null(sec);
    assert_non_null(strstr(sec, "\"n\": 14,"));
    assert_non_null(strstr(sec, "\"median_days\": 30,"));
    assert_non_null(strstr(sec, "\"median_ci\": {\"lo\": 30, \"hi\": null}"));
    assert_non_null(strstr(sec, "\"within_90\": 0.7402597402597403"));
    assert_non_null(strstr(sec, "\"excluded\": {\"no_contract_start\": 1, "
                                "\"not_yet_signed\": 1, \"never_active\": "
                                "1, \"value_before_data\": 1, "
                                "\"inconsistent_dates\": 2}"));
    assert_non_null(strstr(sec, "\"quarter\": \"2023-Q4\", \"n\": 3"));
    assert_non_null(strstr(sec, "\"conditional_from_day\": 30"));
    assert_non_null(strstr(sec, "\"segment_test\": {\"segments\": "
                                "[\"ENT\", \"SMB\"], \"chisq\": 0.9386"));
    assert_non_null(strstr(sec, "\"time\": [0, 10, 30, 44, 45, 55, 75, 80, "
                                "180]"));
    free(out);
    free(err);
    free(dir);
}

int main(void)
{
    csm_stats_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subjects),
        cmocka_unit_test(test_overall),
        cmocka_unit_test(test_interval_types),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_all_censored),
        cmocka_unit_test(test_conditional),
        cmocka_unit_test(test_nobody_with_start),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
