/* Unit tests of the at-risk cohort on the hand fixture fixtures/hand/at_risk
 * (README there has the full table).  Nine months 2024-01..2024-09, every
 * score supplied (green >= 70, yellow >= 40, red below; edges inclusive).
 * MRR in major units below; the data set holds cents.
 *
 *          Jan  Feb  Mar  Apr  May  Jun  Jul  Aug  Sep     (score)
 *   P1    1000 1000 1000 1000   -    -    -    -    -     Feb 50, Mar 20,
 *                                                           Apr 25
 *   P2    2000 ...  2000 throughout                         Mar 50, Apr 60,
 *                                         May 75, Jun 70, Jul 69, Aug 71,
 *                                         Sep 90
 *   P3    3000 .... 3000 Mar..Aug, 2500 Sep                 Mar 30, Apr 35,
 *                             May 39, Jun 40, Jul 50, Aug 55, Sep 70
 *   P4     500 .... 500 Mar..Aug, 600 Sep                   Mar..Aug 60,
 *                                                           Sep 65
 *   P5    1500 1500 1500 1500 1500  -   0*  1500 1500      Mar..May 45,
 *                                   (*row, mrr 0, score 90) Aug 80, Sep 80
 *   P6     800 ...  800 Jan..Aug, gone Sep                  10 Mar..Aug
 *                                                           except Jul none
 *   G1    5000 every month, 90
 *   G2     700 Jan..Jun, gone Jul                           75 Mar..Jun
 *   G3     300 every month                                  80 Mar..Sep
 *   U1     400 every month, never a score
 *   X1     250  250    0 (row with score 30), then gone
 * Jan and Feb have no scores except G1 and P1 (Feb 50).
 * Wilson intervals: R 4.2.2 prop.test(x, n, correct = FALSE)$conf.int. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/at_risk.h"
#include "csmetrics/metrics.h"
#include "support/testutil.h"

static void close_at(double got, double want, const char *what,
                     const char *file, int line)
{
    if (!(fabs(got - want) <= 1e-9 * (fabs(want) > 1 ? fabs(want) : 1))) {
        print_error("%s = %.17g, want %.17g\n", what, got, want);
        _fail(file, line);
    }
}
#define CLOSE(got, want) close_at((got), (want), #got, __FILE__, __LINE__)

static void ratio_at(csm_ratio r, double want, const char *what,
                     const char *file, int line)
{
    if (isnan(want)) {
        if (r.defined) {
            print_error("%s = %.17g, want undefined\n", what, r.value);
            _fail(file, line);
        }
        return;
    }
    if (!r.defined) {
        print_error("%s undefined, want %.17g\n", what, want);
        _fail(file, line);
    }
    close_at(r.value, want, what, file, line);
}
#define RATIO(r, want) ratio_at((r), (want), #r, __FILE__, __LINE__)
#define UNDEF_R NAN

static void prop_at(const csm_prop_ci *p, size_t x, size_t n, double lo,
                    double hi, const char *what, const char *file, int line)
{
    if (p->x != x || p->n != n) {
        print_error("%s = %zu/%zu, want %zu/%zu\n", what, p->x, p->n, x, n);
        _fail(file, line);
    }
    if (lo < 0) {
        if (p->defined) {
            print_error("%s defined, want undefined\n", what);
            _fail(file, line);
        }
        return;
    }
    if (!p->defined) {
        print_error("%s undefined\n", what);
        _fail(file, line);
    }
    close_at(p->estimate, (double)x / (double)n, what, file, line);
    close_at(p->lo, lo, what, file, line);
    close_at(p->hi, hi, what, file, line);
}
#define PROP_(p, x, n, lo, hi)                                                 \
    prop_at(&(p), (x), (n), (lo), (hi), #p, __FILE__, __LINE__)
#define PROP(p, x, n, ...) PROP_(p, x, n, __VA_ARGS__)

#define CI_4_6 0.29999331513839206, 0.90322858889421964
#define CI_3_6 0.18761630648265057, 0.81238369351734940
#define CI_1_3 0.061491944720396291, 0.792340399197952294
#define CI_0_1 0.0, 0.79345068562276255
#define CI_1_1 0.2065493143772375, 1.0
#define CI_2_3 0.20765960080204782, 0.93850805527960379
#define CI_0_3 0.0, 0.56149703175504539
#define UNDEF -1.0, -1.0

typedef struct fx {
    csm_config cfg;
    csm_dataset *ds;
    csm_health *h;
} fx;

static void load(fx *f, const char *rel)
{
    char *dir = tu_path(rel);
    csm_diags d = {0};
    assert_int_equal(tu_load(dir, &f->cfg, &f->ds, &d), CSM_OK);
    assert_int_equal(csm_health_run(f->ds, &f->cfg, &f->h, &d), CSM_OK);
    csm_diags_free(&d);
    free(dir);
}

static void unload(fx *f)
{
    csm_health_free(f->h);
    csm_dataset_free(f->ds);
}

static csm_at_risk *follow(fx *f, int flag, int months)
{
    csm_at_risk *r = NULL;
    csm_diags d = {0};
    assert_int_equal(
        csm_at_risk_run(f->ds, &f->cfg, f->h, flag, months, &r, &d), CSM_OK);
    assert_int_equal(csm_diags_errors(&d), 0);
    csm_diags_free(&d);
    return r;
}

static const csm_at_risk_member *member(const fx *f, const csm_at_risk *r,
                                        const char *id)
{
    uint32_t c = csm_ds_find_customer(f->ds, id);
    for (size_t i = 0; i < r->n_members; i++)
        if (r->members[i].customer == c)
            return &r->members[i];
    fail_msg("%s is not in the cohort", id);
    return NULL;
}

/* The states string of a member, one letter each: c r y g u, '.' = not
 * observed. */
static void states_are(const csm_at_risk_member *m, int k, const char *want)
{
    char got[CSM_AT_RISK_MAX_MONTHS + 1];
    for (int j = 0; j < k; j++)
        got[j] =
            m->states[j] == CSM_AR_NOT_OBSERVED ? '.' : "crygu"[m->states[j]];
    got[k] = '\0';
    assert_string_equal(got, want);
}

static void month_is(const csm_at_risk_month *am, long churned, long red,
                     long yellow, long green, long unscored, int64_t mrr_red,
                     int64_t mrr_yellow, int64_t mrr_green,
                     int64_t mrr_unscored)
{
    assert_true(am->observed);
    assert_int_equal(am->logos[CSM_AR_CHURNED], churned);
    assert_int_equal(am->logos[CSM_AR_RED], red);
    assert_int_equal(am->logos[CSM_AR_YELLOW], yellow);
    assert_int_equal(am->logos[CSM_AR_GREEN], green);
    assert_int_equal(am->logos[CSM_AR_UNSCORED], unscored);
    assert_int_equal(am->mrr[CSM_AR_CHURNED], 0);
    assert_int_equal(am->mrr[CSM_AR_RED], mrr_red * 100);
    assert_int_equal(am->mrr[CSM_AR_YELLOW], mrr_yellow * 100);
    assert_int_equal(am->mrr[CSM_AR_GREEN], mrr_green * 100);
    assert_int_equal(am->mrr[CSM_AR_UNSCORED], mrr_unscored * 100);
    assert_int_equal(am->cohort_mrr,
                     (mrr_red + mrr_yellow + mrr_green + mrr_unscored) * 100);
}

/* The default run: report month Sep (index 8), flag month 8 - 6 = 2 (Mar),
 * through csm_metrics_run like `metrics --json`. */
static void test_flag_march(void **state)
{
    (void)state;
    fx f;
    csm_config_defaults(&f.cfg);
    load(&f, "fixtures/hand/at_risk");
    csm_metrics *m = NULL;
    csm_diags d = {0};
    assert_int_equal(csm_metrics_run(f.ds, &f.cfg, 8, &m, &d), CSM_OK);
    assert_int_equal(m->flag_month, 2);
    const csm_at_risk *r = m->at_risk;
    const csm_at_risk_summary *s = &r->summary;
    assert_int_equal(r->follow, 6);
    assert_int_equal(s->flag_month, csm_month_from_ym(2024, 3));
    assert_int_equal(s->observed, 6);
    assert_true(s->complete);
    assert_int_equal(s->as_of, csm_month_from_ym(2024, 9));

    /* Active in Mar: P1..P6, G1..G3, U1 = 10 (X1 has a row with mrr 0 and
     * a red-band score: inactive, so not in the cohort).  U1 unscored.
     * Cohort: red P1 20, P3 30, P6 10; yellow P2 50, P4 60, P5 45.
     * MRR at risk 1000+3000+800+2000+500+1500 = 8800. */
    assert_int_equal(s->active, 10);
    assert_int_equal(s->unscored, 1);
    assert_int_equal(s->logos, 6);
    assert_int_equal(s->red, 3);
    assert_int_equal(s->yellow, 3);
    assert_int_equal(s->green, 0);
    assert_int_equal(s->mrr_at_risk, 880000);

    /* Month by month (states: c churned, r, y, g, u unscored):
     *        Apr May Jun Jul Aug Sep
     *   P1    r   c   c   c   c   c
     *   P2    y   g   g   y   g   g     (69 in Jul is yellow, 70 green)
     *   P3    r   r   y   y   y   g     (40 in Jun is yellow)
     *   P4    y   y   y   y   y   y
     *   P5    y   y   c   c   g   g     (Jul row has mrr 0: churned)
     *   P6    r   r   r   u   r   c */
    month_is(&r->months[0], 0, 3, 3, 0, 0, 4800, 4000, 0, 0);
    month_is(&r->months[1], 1, 2, 2, 1, 0, 3800, 2000, 2000, 0);
    month_is(&r->months[2], 2, 1, 2, 1, 0, 800, 3500, 2000, 0);
    month_is(&r->months[3], 2, 0, 3, 0, 1, 0, 5500, 0, 800);
    month_is(&r->months[4], 1, 1, 2, 2, 0, 800, 3500, 3500, 0);
    month_is(&r->months[5], 2, 0, 1, 3, 0, 0, 600, 6000, 0);
    /* NRR = cohort MRR / 8800: Apr 1, May 7800/8800, Jun and Jul
     * 6300/8800, Aug 7800/8800, Sep 6600/8800 = 0.75.  GRR caps each at
     * its March MRR: equal to NRR except Sep, where P4's 600 counts 500:
     * 6500/8800. */
    RATIO(r->months[0].nrr, 1.0);
    RATIO(r->months[1].nrr, 7800.0 / 8800.0);
    RATIO(r->months[2].nrr, 6300.0 / 8800.0);
    RATIO(r->months[3].grr, 6300.0 / 8800.0);
    RATIO(r->months[5].nrr, 0.75);
    RATIO(r->months[5].grr, 6500.0 / 8800.0);
    /* Survival (active every month so far): 6, 5 (P1), 4 (P5), 4, 4 (P5
     * back but not surviving), 3 (P6).  Recovered so far: 0, 1 (P2), 1,
     * 1, 2 (P5), 3 (P3). */
    long surv[] = {6, 5, 4, 4, 4, 3}, rec[] = {0, 1, 1, 1, 2, 3};
    for (int j = 0; j < 6; j++) {
        assert_int_equal(r->months[j].surviving, surv[j]);
        RATIO(r->months[j].logo_survival, (double)surv[j] / 6.0);
        assert_int_equal(r->months[j].recovered_so_far, rec[j]);
        RATIO(r->months[j].recovered_share, (double)rec[j] / 6.0);
    }

    /* Outcomes at Sep: churned P1 (1000), P6 (800); contracted P3 (3000 ->
     * 2500, before the green rule); recovered P2 (2000), P5 (1500, churned
     * and back at the same MRR, green in Sep); still at risk P4 (500,
     * expanded to 600 but yellow). */
    assert_int_equal(s->outcome[CSM_AR_OUT_CHURNED], 2);
    assert_int_equal(s->outcome[CSM_AR_OUT_CONTRACTED], 1);
    assert_int_equal(s->outcome[CSM_AR_OUT_RECOVERED], 2);
    assert_int_equal(s->outcome[CSM_AR_OUT_STILL_AT_RISK], 1);
    assert_int_equal(s->outcome_mrr[CSM_AR_OUT_CHURNED], 180000);
    assert_int_equal(s->outcome_mrr[CSM_AR_OUT_CONTRACTED], 300000);
    assert_int_equal(s->outcome_mrr[CSM_AR_OUT_RECOVERED], 350000);
    assert_int_equal(s->outcome_mrr[CSM_AR_OUT_STILL_AT_RISK], 50000);
    RATIO(s->outcome_share[CSM_AR_OUT_CHURNED], 2.0 / 6.0);
    RATIO(s->outcome_share[CSM_AR_OUT_CONTRACTED], 1.0 / 6.0);
    /* Save rate: 4 of 6 not churned. */
    PROP(s->save_rate, 4, 6, CI_4_6);
    /* MRR now = 0 + 2000 + 2500 + 600 + 1500 + 0 = 6600.  MRR lost =
     * churned 1000 + 800 + contraction 3000 - 2500 = 2300; / 8800. */
    assert_int_equal(s->mrr_now, 660000);
    assert_int_equal(s->mrr_lost, 230000);
    RATIO(s->mrr_lost_share, 2300.0 / 8800.0);
    /* Churn within Apr..Sep: P1, P5 (Jun), P6 = 3 of 6; baseline: green in
     * Mar G1, G2, G3, of which G2 left in Jul: 1 of 3. */
    PROP(s->cohort_churn, 3, 6, CI_3_6);
    PROP(s->green_churn, 1, 3, CI_1_3);
    /* Baseline survival: G1, G2, G3 active Apr..Jun, G2 gone from Jul:
     * 3, 3, 3, 2, 2, 2 of 3; at Sep 1 - 1/3, the baseline's churn. */
    assert_int_equal(s->baseline, 3);
    long base[] = {3, 3, 3, 2, 2, 2};
    for (int j = 0; j < 6; j++) {
        assert_int_equal(r->months[j].baseline_surviving, base[j]);
        RATIO(r->months[j].baseline_survival, (double)base[j] / 3.0);
    }

    /* Months to recovery: P2 2, P5 5, P3 6; median 5. */
    long at[] = {0, 1, 0, 0, 1, 1};
    for (int j = 0; j < 6; j++)
        assert_int_equal(r->recovered_at[j], at[j]);
    assert_int_equal(r->recovered, 3);
    assert_true(r->median_recovery.defined);
    CLOSE(r->median_recovery.value, 5);

    /* Member rows, MRR at flag descending: P3 P2 P5 P1 P6 P4. */
    assert_int_equal(r->n_members, 6);
    const char *order[] = {"P3", "P2", "P5", "P1", "P6", "P4"};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(r->members[i].customer,
                         csm_ds_find_customer(f.ds, order[i]));
    const csm_at_risk_member *p = member(&f, r, "P1");
    states_are(p, 6, "rccccc");
    assert_int_equal(p->band, CSM_BAND_RED);
    CLOSE(p->score, 20);
    assert_true(p->score_supplied);
    assert_int_equal(p->mrr_flag, 100000);
    assert_int_equal(p->mrr_now, 0);
    assert_string_equal(csm_ds_string(f.ds, p->owner), "alice");
    assert_string_equal(csm_ds_string(f.ds, p->segment), "SMB");
    /* term_end 2024-06-30 is inside Apr 1 .. Sep 30. */
    assert_int_equal(p->renewal, csm_day_from_ymd(2024, 6, 30));
    assert_true(p->renewal_in_window);
    /* Components at Mar: usage 2/10 = 0.2 -> 0, NPS 6 -> 50, 0 days past
     * due -> 100: weakest usage 0, NPS 50. */
    assert_int_equal(p->n_weakest, 2);
    assert_int_equal(p->weakest[0], CSM_HC_USAGE);
    CLOSE(p->weakest_score[0], 0);
    assert_int_equal(p->weakest[1], CSM_HC_NPS);
    CLOSE(p->weakest_score[1], 50);
    /* Churned in May; churn_reasons.csv has P1 2024-05 price
     * (controllable). */
    assert_int_equal(p->outcome, CSM_AR_OUT_CHURNED);
    assert_true(p->churned_within);
    assert_int_equal(p->months_to_recovery, 0);
    assert_string_equal(csm_ds_string(f.ds, p->reason), "price");
    assert_int_equal(p->reason_category, CSM_REASON_CONTROLLABLE);

    p = member(&f, r, "P2");
    states_are(p, 6, "yggygg");
    assert_int_equal(p->months_to_recovery, 2);
    assert_int_equal(p->outcome, CSM_AR_OUT_RECOVERED);
    /* 2025-01-31 is after the window; only a supplied score: no
     * components, so no weakest. */
    assert_false(p->renewal_in_window);
    assert_int_equal(p->n_weakest, 0);
    assert_string_equal(csm_ds_string(f.ds, p->owner), "bob");

    p = member(&f, r, "P3");
    states_are(p, 6, "rryyyg");
    assert_int_equal(p->outcome, CSM_AR_OUT_CONTRACTED);
    assert_int_equal(p->mrr_now, 250000);
    /* Segment not given; term ended 2024-03-31, in the flag month itself:
     * before the window. */
    assert_int_equal(p->segment, CSM_NA);
    assert_int_equal(p->renewal, csm_day_from_ymd(2024, 3, 31));
    assert_false(p->renewal_in_window);
    /* Only NPS 5 -> 100 (5 - 3) / 6 = 33.33. */
    assert_int_equal(p->n_weakest, 1);
    assert_int_equal(p->weakest[0], CSM_HC_NPS);
    CLOSE(p->weakest_score[0], 33.33);
    assert_int_equal(p->reason, CSM_NA);

    p = member(&f, r, "P4");
    states_are(p, 6, "yyyyyy");
    assert_int_equal(p->outcome, CSM_AR_OUT_STILL_AT_RISK);
    /* Blank term_end: month to month, renews inside the window. */
    assert_int_equal(p->renewal, CSM_NO_DATE);
    assert_true(p->renewal_in_window);

    p = member(&f, r, "P5");
    states_are(p, 6, "yyccgg");
    assert_true(p->churned_within);
    assert_int_equal(p->months_to_recovery, 5);
    assert_int_equal(p->outcome, CSM_AR_OUT_RECOVERED);
    /* It has a churn reason row, but its outcome is not churned. */
    assert_int_equal(p->reason, CSM_NA);
    /* 2024-09-30: the window's last day is inside. */
    assert_true(p->renewal_in_window);

    p = member(&f, r, "P6");
    states_are(p, 6, "rrrurc");
    assert_int_equal(p->outcome, CSM_AR_OUT_CHURNED);
    assert_int_equal(p->reason, CSM_NA); /* no reason on file */
    /* 2024-10-01: the day after the window. */
    assert_false(p->renewal_in_window);

    /* Rolling view: flag months with six months after them: Jan, Feb,
     * Mar.  Mar equals the summary above. */
    assert_int_equal(r->n_rolling, 3);
    const csm_at_risk_summary *q = &r->rolling[2];
    assert_int_equal(q->flag_month, csm_month_from_ym(2024, 3));
    assert_int_equal(q->logos, 6);
    assert_int_equal(q->mrr_lost, 230000);
    PROP(q->save_rate, 4, 6, CI_4_6);
    for (int o = 0; o < CSM_AR_OUTCOMES; o++)
        assert_int_equal(q->outcome[o], s->outcome[o]);

    /* Jan: only G1 has a score (green): no at-risk customer.  Every rate
     * is undefined, never 0; the baseline is G1, still active: 0 of 1. */
    q = &r->rolling[0];
    assert_int_equal(q->active, 11); /* P1..P6 G1..G3 U1 X1 */
    assert_int_equal(q->unscored, 10);
    assert_int_equal(q->logos, 0);
    assert_int_equal(q->mrr_at_risk, 0);
    for (int o = 0; o < CSM_AR_OUTCOMES; o++)
        RATIO(q->outcome_share[o], UNDEF_R);
    RATIO(q->mrr_lost_share, UNDEF_R);
    PROP(q->save_rate, 0, 0, UNDEF);
    PROP(q->cohort_churn, 0, 0, UNDEF);
    PROP(q->green_churn, 0, 1, CI_0_1);

    /* Feb: a cohort of one, P1 (yellow, 50, MRR 1000), gone from May: at
     * Aug churned.  Save rate 0 of 1, MRR lost 1000 of 1000. */
    q = &r->rolling[1];
    assert_int_equal(q->logos, 1);
    assert_int_equal(q->yellow, 1);
    assert_int_equal(q->outcome[CSM_AR_OUT_CHURNED], 1);
    RATIO(q->outcome_share[CSM_AR_OUT_CHURNED], 1.0);
    RATIO(q->outcome_share[CSM_AR_OUT_RECOVERED], 0.0);
    PROP(q->save_rate, 0, 1, CI_0_1);
    PROP(q->cohort_churn, 1, 1, CI_1_1);
    assert_int_equal(q->mrr_lost, 100000);
    RATIO(q->mrr_lost_share, 1.0);
    PROP(q->green_churn, 0, 1, CI_0_1);

    csm_metrics_free(m);
    csm_diags_free(&d);
    unload(&f);
}

/* Flag month Jun (index 5): only Jul, Aug, Sep are loaded. */
static void test_incomplete(void **state)
{
    (void)state;
    fx f;
    csm_config_defaults(&f.cfg);
    load(&f, "fixtures/hand/at_risk");
    csm_at_risk *r = follow(&f, 5, 0);
    const csm_at_risk_summary *s = &r->summary;
    assert_int_equal(s->observed, 3);
    assert_false(s->complete);
    assert_int_equal(s->as_of, csm_month_from_ym(2024, 9));
    /* Jun: P3 40 yellow, P4 60 yellow, P6 10 red; P2 70 is green, P5 is
     * inactive.  MRR at risk 3000 + 500 + 800 = 4300. */
    assert_int_equal(s->logos, 3);
    assert_int_equal(s->mrr_at_risk, 430000);
    /* Jul, Aug, Sep observed; Oct, Nov, Dec not: no figures, no state. */
    assert_true(r->months[2].observed);
    for (int j = 3; j < 6; j++) {
        assert_false(r->months[j].observed);
        assert_int_equal(r->months[j].cohort_mrr, 0);
        RATIO(r->months[j].nrr, UNDEF_R);
        RATIO(r->months[j].logo_survival, UNDEF_R);
    }
    assert_int_equal(r->months[5].month, csm_month_from_ym(2024, 12));
    states_are(member(&f, r, "P6"), 6, "urc...");
    /* As of Sep: P3 contracted (2500 < 3000), P4 still at risk (600, 65
     * yellow), P6 churned. */
    assert_int_equal(member(&f, r, "P3")->outcome, CSM_AR_OUT_CONTRACTED);
    assert_int_equal(member(&f, r, "P4")->outcome, CSM_AR_OUT_STILL_AT_RISK);
    assert_int_equal(member(&f, r, "P6")->outcome, CSM_AR_OUT_CHURNED);
    PROP(s->save_rate, 2, 3, CI_2_3);
    /* MRR lost: P6 800 + P3 500 = 1300. */
    assert_int_equal(s->mrr_lost, 130000);
    /* Baseline: green in Jun G1 90, G2 75, G3 80, P2 70; G2 leaves in Jul:
     * 1 of 4 within the three observed months.  Cohort: P6 1 of 3. */
    PROP(s->green_churn, 1, 4, 0.045587260809700589, 0.699358157417597992);
    PROP(s->cohort_churn, 1, 3, CI_1_3);
    /* Its survival: 3 of 4 from Jul on; nothing for Oct..Dec. */
    assert_int_equal(s->baseline, 4);
    for (int j = 0; j < 3; j++)
        RATIO(r->months[j].baseline_survival, 0.75);
    for (int j = 3; j < 6; j++)
        RATIO(r->months[j].baseline_survival, UNDEF_R);
    /* P3 goes 50, 55, 70: green in Sep, month 3 (its outcome is still
     * contracted, the first rule); the only one, so the median is 3. */
    assert_int_equal(r->recovered, 1);
    assert_int_equal(r->recovered_at[2], 1);
    assert_int_equal(member(&f, r, "P3")->months_to_recovery, 3);
    assert_true(r->median_recovery.defined);
    CLOSE(r->median_recovery.value, 3);
    /* The rolling view does not depend on the flag month chosen. */
    assert_int_equal(r->n_rolling, 3);
    csm_at_risk_free(r);
    unload(&f);
}

/* Flag month Sep, the last loaded month: a cohort of one (P4, 65 yellow)
 * with nothing observed yet. */
static void test_nothing_observed(void **state)
{
    (void)state;
    fx f;
    csm_config_defaults(&f.cfg);
    load(&f, "fixtures/hand/at_risk");
    csm_at_risk *r = follow(&f, 8, 0);
    const csm_at_risk_summary *s = &r->summary;
    assert_int_equal(s->observed, 0);
    assert_int_equal(s->logos, 1);
    assert_int_equal(s->mrr_at_risk, 60000);
    /* Outcomes are not guessed: none, every rate undefined; MRR now is
     * still the MRR at F. */
    const csm_at_risk_member *p = member(&f, r, "P4");
    assert_int_equal(p->outcome, CSM_AR_OUT_NONE);
    states_are(p, 6, "......");
    for (int o = 0; o < CSM_AR_OUTCOMES; o++) {
        assert_int_equal(s->outcome[o], 0);
        RATIO(s->outcome_share[o], UNDEF_R);
    }
    PROP(s->save_rate, 0, 0, UNDEF);
    PROP(s->cohort_churn, 0, 0, UNDEF);
    PROP(s->green_churn, 0, 0, UNDEF);
    /* Green in Sep: P2 90, P3 70, P5 80, G1, G3 = 5, none followed. */
    assert_int_equal(s->baseline, 5);
    assert_int_equal(s->mrr_now, 60000);
    assert_int_equal(s->mrr_lost, 0);
    RATIO(s->mrr_lost_share, UNDEF_R);
    for (int j = 0; j < 6; j++)
        assert_false(r->months[j].observed);
    csm_at_risk_free(r);
    unload(&f);
}

/* Config: red only, followed 3 months. */
static void test_config(void **state)
{
    (void)state;
    fx f;
    csm_config_defaults(&f.cfg);
    f.cfg.health.at_risk_bands = CSM_BAND_RED;
    f.cfg.at_risk_months = 3;
    load(&f, "fixtures/hand/at_risk");
    csm_at_risk *r = follow(&f, 2, 0);
    const csm_at_risk_summary *s = &r->summary;
    /* Mar red: P1, P3, P6; followed Apr..Jun, E = Jun: P1 churned; P3
     * 3000 at 40 yellow -> still at risk; P6 800 red -> still at risk. */
    assert_int_equal(r->follow, 3);
    assert_true(s->complete);
    assert_int_equal(s->as_of, csm_month_from_ym(2024, 6));
    assert_int_equal(s->logos, 3);
    assert_int_equal(s->yellow, 0);
    assert_int_equal(s->outcome[CSM_AR_OUT_CHURNED], 1);
    assert_int_equal(s->outcome[CSM_AR_OUT_STILL_AT_RISK], 2);
    PROP(s->save_rate, 2, 3, CI_2_3);
    /* Green baseline within Apr..Jun: G1, G2, G3 all active: 0 of 3. */
    PROP(s->green_churn, 0, 3, CI_0_3);
    /* Rolling with k = 3: flag months Jan..Jun (f + 3 <= 8). */
    assert_int_equal(r->n_rolling, 6);
    csm_at_risk_free(r);

    /* An explicit months argument overrides the config. */
    r = follow(&f, 2, 6);
    assert_int_equal(r->follow, 6);
    assert_int_equal(r->summary.as_of, csm_month_from_ym(2024, 9));
    csm_at_risk_free(r);
    unload(&f);
}

static void test_flag_errors_and_default(void **state)
{
    (void)state;
    assert_int_equal(csm_at_risk_default_flag(8, 6), 2);
    assert_int_equal(csm_at_risk_default_flag(6, 6), 0);
    assert_int_equal(csm_at_risk_default_flag(3, 6), 0); /* earliest */
    fx f;
    csm_config_defaults(&f.cfg);
    load(&f, "fixtures/hand/at_risk");
    int bad[][2] = {{-1, 0}, {9, 0}, {2, 25}, {2, -1}};
    for (size_t i = 0; i < 4; i++) {
        static csm_at_risk dummy;
        csm_at_risk *r = &dummy;
        csm_diags d = {0};
        assert_int_equal(
            csm_at_risk_run(f.ds, &f.cfg, f.h, bad[i][0], bad[i][1], &r, &d),
            CSM_EUSAGE);
        assert_null(r);
        assert_int_equal(csm_diags_errors(&d), 1);
        csm_diags_free(&d);
    }
    /* Report month Mar (index 2): 2 - 6 < 0, so the earliest month. */
    csm_metrics *m = NULL;
    csm_diags d = {0};
    assert_int_equal(csm_metrics_run(f.ds, &f.cfg, 2, &m, &d), CSM_OK);
    assert_int_equal(m->flag_month, 0);
    assert_int_equal(m->at_risk->summary.logos, 0);
    csm_metrics_free(m);
    csm_diags_free(&d);
    unload(&f);
}

/* No health input at all (basic): nobody is in any cohort. */
static void test_no_health_inputs(void **state)
{
    (void)state;
    fx f;
    csm_config_defaults(&f.cfg);
    load(&f, "fixtures/hand/basic");
    csm_at_risk *r = follow(&f, 0, 0);
    /* Jan active A B C E F H: all unscored. */
    assert_int_equal(r->summary.active, 6);
    assert_int_equal(r->summary.unscored, 6);
    assert_int_equal(r->summary.logos, 0);
    assert_int_equal(r->n_members, 0);
    assert_int_equal(r->summary.observed, 4);
    PROP(r->summary.save_rate, 0, 0, UNDEF);
    PROP(r->summary.green_churn, 0, 0, UNDEF);
    RATIO(r->months[0].nrr, UNDEF_R);
    assert_false(r->median_recovery.defined);
    /* Five months: no flag month has six after it. */
    assert_int_equal(r->n_rolling, 0);
    csm_at_risk_free(r);
    unload(&f);
}

static void test_json(void **state)
{
    (void)state;
    char *dir = tu_path("fixtures/hand/at_risk");
    const char *args[] = {"metrics", "--data", dir, "--json", NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(tu_run(args, &out, &err), 0);
    assert_non_null(strstr(out, "\"at_risk\": {"));
    assert_non_null(strstr(out, "\"flag_month\": \"2024-03\""));
    assert_non_null(strstr(out, "\"mrr_lost\": 230000"));
    assert_non_null(strstr(out, "\"green_at_flag\": 3,"));
    assert_non_null(strstr(out, "\"baseline_surviving\": 2,"));
    assert_non_null(strstr(out, "\"churn_reason\": \"price\""));
    assert_non_null(strstr(out, "\"states\": [\"red\", \"churned\", "));
    /* The cohort of Jan in the rolling view: rates null, not 0. */
    assert_non_null(strstr(out, "\"flag_month\": \"2024-01\", "
                                "\"active_at_flag\": 11, "
                                "\"unscored_at_flag\": 10, \"logos\": 0"));
    assert_non_null(strstr(out, "\"save_rate\": {\"n\": 0, \"saved\": 0, "
                                "\"rate\": null, \"ci\": null}"));
    free(out);
    free(err);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flag_march),
        cmocka_unit_test(test_incomplete),
        cmocka_unit_test(test_nothing_observed),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_flag_errors_and_default),
        cmocka_unit_test(test_no_health_inputs),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
