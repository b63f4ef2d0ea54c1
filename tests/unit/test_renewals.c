/* Unit tests of compute/renewals: churn by renewable cohort, grace months,
 * pending outcomes, term types and mid-term churn.  Hand fixture:
 * fixtures/hand/renewals (README there); term types on a 16-month data
 * set written by the test. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/bridge.h"
#include "csmetrics/renewals.h"
#include "csmetrics/xalloc.h"
#include "support/testutil.h"

#define EPS 1e-12

typedef struct run {
    csm_dataset *ds;
    csm_renewals *r;
    csm_diags diag;
    csm_config cfg;
} run;

static void run_dir(run *x, const char *dir, bool rel, int grace)
{
    memset(x, 0, sizeof *x);
    csm_config_defaults(&x->cfg);
    x->cfg.grace_months = grace;
    char *path = rel ? tu_path(dir) : csm_xstrdup(dir);
    assert_int_equal(tu_load(path, &x->cfg, &x->ds, &x->diag), CSM_OK);
    free(path);
    assert_int_equal(
        csm_renewals_run(x->ds, &x->cfg, x->ds->n_months - 1, &x->r, &x->diag),
        CSM_OK);
}

static void run_free(run *x)
{
    csm_renewals_free(x->r);
    csm_dataset_free(x->ds);
    csm_diags_free(&x->diag);
}

static void assert_near(double got, double want)
{
    if (fabs(got - want) > EPS)
        fail_msg("got %.17g, want %.17g", got, want);
}

static void assert_ratio(csm_ratio r, double want)
{
    assert_true(r.defined);
    assert_near(r.value, want);
}

/* Nobody up, or someone pending: every rate and the interval are
 * undefined (JSON null), never 0 or NaN. */
static void assert_no_rates(const csm_renewal_stats *s)
{
    assert_false(s->logo_rate.defined);
    assert_false(s->gross_dollar_rate.defined);
    assert_false(s->net_dollar_rate.defined);
    assert_false(s->logo_rate_ci.defined);
    assert_true(s->logo_rate.value == 0.0);
}

static void assert_ci(const csm_renewal_stats *s, double lo, double hi)
{
    assert_true(s->logo_rate_ci.defined);
    assert_near(s->logo_rate_ci.lo, lo);
    assert_near(s->logo_rate_ci.hi, hi);
}

static void assert_counts(const csm_renewal_stats *s, long up, long renewed,
                          long churned, long pending)
{
    assert_int_equal(s->up_logos, up);
    assert_int_equal(s->renewed_logos, renewed);
    assert_int_equal(s->churned_logos, churned);
    assert_int_equal(s->pending_logos, pending);
}

static void assert_money(const csm_renewal_stats *s, int64_t up, int64_t capped,
                         int64_t renewed)
{
    assert_int_equal(s->up_mrr, up);
    assert_int_equal(s->renewed_mrr_capped, capped);
    assert_int_equal(s->renewed_mrr, renewed);
}

static const csm_renewal_stats *month_of(const csm_renewal_table *t, int m)
{
    assert_true(m >= 1 && (size_t)m <= t->n[CSM_PERIOD_MONTH]);
    return &t->period[CSM_PERIOD_MONTH][m - 1].s;
}

static const csm_renewal_group *segment(const csm_renewals *r, const char *name)
{
    for (size_t i = 0; i < r->n_segments; i++)
        if (!strcmp(r->by_segment[i].value, name))
            return &r->by_segment[i];
    fail_msg("no segment %s", name);
    return NULL;
}

static size_t customer(const csm_dataset *ds, const char *id)
{
    uint32_t c = csm_ds_find_customer(ds, id);
    assert_true(c != CSM_NO_CUSTOMER);
    return c;
}

/* Wilson intervals at 95% from R 4.2.2:
 *   prop.test(x, n, correct = FALSE)$conf.int, printed with digits = 17.
 * By hand, x = n gives lo = n / (n + z^2), hi = 1, and x = 0 gives lo = 0,
 * hi = z^2 / (n + z^2), z = qnorm(0.975). */
#define W_2_3_LO 0.20765960080204782 /* prop.test(2, 3) */
#define W_2_3_HI 0.93850805527960379
#define W_0_1_HI 0.79345068562276255  /* prop.test(0, 1): z^2/(1+z^2) */
#define W_1_1_LO 0.2065493143772375   /* prop.test(1, 1): 1/(1+z^2) */
#define W_2_2_LO 0.3423802275066532   /* prop.test(2, 2): 2/(2+z^2) */
#define W_1_3_LO 0.061491944720396291 /* prop.test(1, 3) */
#define W_1_3_HI 0.792340399197952294
#define W_4_7_LO 0.25045836452765724 /* prop.test(4, 7) */
#define W_4_7_HI 0.84178014474853013
#define W_9_12_LO 0.46769466506643442 /* prop.test(9, 12) */
#define W_9_12_HI 0.91105833160594518

/* ------------------------------------------------------------------ */

/* fixtures/hand/renewals, grace 0.  MRR in dollars (term_end, segment):
 *
 *        Jan   Feb   Mar   Apr   May   Jun
 *   M1   100   100   100   100   100   100   month to month, SMB
 *   M2    50    50    50     -     -     -   month to month, SMB
 *   A1  1000  1000  1200  1200  1200  1200   te 2024-03-31 -> 2025-03-31
 *   A2   500   500   500     -   400   400   te 2024-04-30 -> 2025-04-30
 *   A3   300   300   300   300   300     -   te 2024-06-30, Mid-Market
 *   X1   200   200   200   200     -     -   te 2025-01-31, Mid-Market
 *   U1    80    80    80    80    80    90   te 2024-06-14 -> 2025-06-14
 *   S1    70    70     -     -     -     -   te 2024-01-09 (stale)
 * A1, A2 Enterprise; U1 SMB; S1 Mid-Market.
 *
 * Up for renewal in M = active in M-1 with no term_end, or with the M-1
 * term_end inside M:
 *   Feb: M1, M2                 both active in Feb: 2/2
 *   Mar: M1, M2, A1 (te Mar 31) all active; A1 at 1200 from 1000: 3/3
 *   Apr: M1, M2, A2 (te Apr 30) M2 and A2 gone in Apr: 1/3
 *   May: M1 (M2, A2 were not active in Apr)                    1/1
 *   Jun: M1, A3 (te Jun 30), U1 (te Jun 14)  A3 gone: 2/3; U1 90 from 80
 * X1 (term to 2025) and S1 (term already over) are never up. */
static void test_months(void **state)
{
    (void)state;
    run x;
    run_dir(&x, "fixtures/hand/renewals", true, 0);
    const csm_renewal_table *t = &x.r->all;
    assert_int_equal(t->n[CSM_PERIOD_MONTH], 5); /* Feb..Jun */

    /* Feb: up 100 + 50 = 150, renewed at the same MRR. */
    const csm_renewal_stats *s = month_of(t, 1);
    assert_counts(s, 2, 2, 0, 0);
    assert_money(s, 15000, 15000, 15000);
    assert_ratio(s->logo_rate, 1.0);
    assert_ci(s, W_2_2_LO, 1.0);
    assert_ratio(s->gross_dollar_rate, 1.0);
    assert_ratio(s->net_dollar_rate, 1.0);
    assert_true(s->complete);

    /* Mar: up 100 + 50 + 1000 = 1150; after 100 + 50 + 1200 = 1350,
     * capped at prior 100 + 50 + 1000 = 1150.  Net 1350/1150. */
    s = month_of(t, 2);
    assert_counts(s, 3, 3, 0, 0);
    assert_money(s, 115000, 115000, 135000);
    assert_ratio(s->logo_rate, 1.0);
    assert_ratio(s->gross_dollar_rate, 1.0);
    assert_ratio(s->net_dollar_rate, 1350.0 / 1150.0);

    /* Apr: up 100 + 50 + 500 = 650, only M1 renewed (100); churned M2 +
     * A2 = 550.  A2's return in May does not count without grace. */
    s = month_of(t, 3);
    assert_counts(s, 3, 1, 2, 0);
    assert_money(s, 65000, 10000, 10000);
    assert_int_equal(s->churned_mrr, 55000);
    assert_ratio(s->logo_rate, 1.0 / 3.0);
    assert_ci(s, W_1_3_LO, W_1_3_HI);
    assert_ratio(s->gross_dollar_rate, 100.0 / 650.0);
    assert_ratio(s->net_dollar_rate, 100.0 / 650.0);

    /* May: M1 alone. */
    s = month_of(t, 4);
    assert_counts(s, 1, 1, 0, 0);
    assert_money(s, 10000, 10000, 10000);
    assert_ci(s, W_1_1_LO, 1.0);

    /* Jun: up 100 + 300 + 80 = 480; renewed M1 100 and U1 90, capped
     * 100 + 80 = 180; churned A3 300.  Gross 180/480 = 0.375, net 190/480.
     * This is the report month. */
    s = month_of(t, 5);
    assert_counts(s, 3, 2, 1, 0);
    assert_money(s, 48000, 18000, 19000);
    assert_int_equal(s->churned_mrr, 30000);
    assert_ratio(s->logo_rate, 2.0 / 3.0);
    assert_ci(s, W_2_3_LO, W_2_3_HI);
    assert_ratio(s->gross_dollar_rate, 0.375);
    assert_ratio(s->net_dollar_rate, 190.0 / 480.0);
    assert_ptr_equal(csm_renewals_month(x.r, 5), s);
    assert_null(csm_renewals_month(x.r, 0));
    assert_null(csm_renewals_month(x.r, 6));
    run_free(&x);
}

/* Quarters and the year are sums of the months, rates from the sums.
 *   2024-Q1 = Feb + Mar (Jan has no prior month, so only 2 of 3 months:
 *     not complete): up 5, renewed 5; MRR 150 + 1150 = 1300, capped
 *     1300, after 150 + 1350 = 1500.
 *   2024-Q2 = Apr + May + Jun: up 3+1+3 = 7, renewed 1+1+2 = 4, churned
 *     3; MRR 650 + 100 + 480 = 1230, capped 100+100+180 = 380, after
 *     100+100+190 = 390.  Complete.
 *   2024 = Feb..Jun (5 of 12 months): up 12, renewed 9, churned 3;
 *     MRR 2530, capped 1680, after 1890. */
static void test_quarters_years(void **state)
{
    (void)state;
    run x;
    run_dir(&x, "fixtures/hand/renewals", true, 0);
    const csm_renewal_table *t = &x.r->all;
    char b[CSM_DATE_BUFSZ];
    assert_int_equal(t->n[CSM_PERIOD_QUARTER], 2);
    const csm_renewal_period *q = t->period[CSM_PERIOD_QUARTER];
    assert_string_equal(csm_quarter_format(q[0].start, b), "2024-Q1");
    assert_int_equal(q[0].s.months, 2);
    assert_false(q[0].s.complete);
    assert_counts(&q[0].s, 5, 5, 0, 0);
    assert_money(&q[0].s, 130000, 130000, 150000);
    assert_ratio(q[0].s.net_dollar_rate, 1500.0 / 1300.0);
    assert_string_equal(csm_quarter_format(q[1].start, b), "2024-Q2");
    assert_int_equal(q[1].s.months, 3);
    assert_true(q[1].s.complete);
    assert_counts(&q[1].s, 7, 4, 3, 0);
    assert_money(&q[1].s, 123000, 38000, 39000);
    assert_ratio(q[1].s.logo_rate, 4.0 / 7.0);
    assert_ci(&q[1].s, W_4_7_LO, W_4_7_HI);
    assert_ratio(q[1].s.gross_dollar_rate, 380.0 / 1230.0);
    assert_ratio(q[1].s.net_dollar_rate, 390.0 / 1230.0);

    assert_int_equal(t->n[CSM_PERIOD_YEAR], 1);
    const csm_renewal_stats *y = &t->period[CSM_PERIOD_YEAR][0].s;
    assert_int_equal(y->months, 5);
    assert_false(y->complete);
    assert_counts(y, 12, 9, 3, 0);
    assert_money(y, 253000, 168000, 189000);
    assert_ratio(y->logo_rate, 0.75);
    assert_ci(y, W_9_12_LO, W_9_12_HI);
    run_free(&x);
}

/* By segment as of M-1 and by term type.
 * Enterprise = A1, A2: Feb nobody up (rates undefined, not 0), Mar A1
 * 1/1, Apr A2 0/1, May and Jun nobody.
 * Mid-Market = A3, X1, S1: only Jun, A3 alone and lost: a cohort of one
 * with rate 0 and interval [0, z^2/(1+z^2)].
 * SMB = M1, M2, U1: Jun up M1 100 + U1 80, after 100 + 90.
 * Term types: M1, M2 monthly.  A1 (contract_start 2023-04-01, term to
 * 2024-03-31: at most 366 days), A2 (2023-05-01 .. 2024-04-30, 366) and
 * A3 (2023-07-01 .. 2024-06-30, 366) annual.  U1: contract_start
 * 2021-06-15 and the same term_end 2024-06-14 since the first snapshot:
 * the term is at least 2024-01-31 .. 2024-06-14 (136 days) and at most
 * 2021-06-15 .. 2024-06-14 (1096 days): unknown. */
static void test_groups(void **state)
{
    (void)state;
    run x;
    run_dir(&x, "fixtures/hand/renewals", true, 0);
    assert_int_equal(x.r->n_segments, 3);
    assert_string_equal(x.r->by_segment[0].value, "Enterprise");
    assert_string_equal(x.r->by_segment[1].value, "Mid-Market");
    assert_string_equal(x.r->by_segment[2].value, "SMB");

    const csm_renewal_table *ent = &segment(x.r, "Enterprise")->t;
    assert_counts(month_of(ent, 1), 0, 0, 0, 0);
    assert_no_rates(month_of(ent, 1));
    assert_true(month_of(ent, 1)->complete);
    assert_counts(month_of(ent, 2), 1, 1, 0, 0);
    assert_ci(month_of(ent, 2), W_1_1_LO, 1.0);
    assert_ratio(month_of(ent, 2)->net_dollar_rate, 1.2);
    assert_counts(month_of(ent, 3), 1, 0, 1, 0);
    assert_ratio(month_of(ent, 3)->logo_rate, 0.0);
    assert_no_rates(month_of(ent, 5));

    const csm_renewal_table *mid = &segment(x.r, "Mid-Market")->t;
    for (int m = 1; m <= 4; m++)
        assert_no_rates(month_of(mid, m));
    const csm_renewal_stats *one = month_of(mid, 5);
    assert_counts(one, 1, 0, 1, 0);
    assert_ratio(one->logo_rate, 0.0);
    assert_ci(one, 0.0, W_0_1_HI);
    assert_ratio(one->gross_dollar_rate, 0.0);

    const csm_renewal_stats *smb = month_of(&segment(x.r, "SMB")->t, 5);
    assert_counts(smb, 2, 2, 0, 0);
    assert_money(smb, 18000, 18000, 19000);

    const csm_renewal_table *tt = &x.r->by_term[CSM_TERM_MONTHLY].t;
    assert_string_equal(x.r->by_term[CSM_TERM_MONTHLY].value, "monthly");
    assert_counts(month_of(tt, 3), 2, 1, 1, 0);
    assert_counts(month_of(tt, 5), 1, 1, 0, 0);
    tt = &x.r->by_term[CSM_TERM_ANNUAL].t;
    assert_string_equal(x.r->by_term[CSM_TERM_ANNUAL].value, "annual");
    assert_counts(month_of(tt, 1), 0, 0, 0, 0);
    assert_counts(month_of(tt, 2), 1, 1, 0, 0); /* A1 */
    assert_counts(month_of(tt, 3), 1, 0, 1, 0); /* A2 */
    assert_counts(month_of(tt, 5), 1, 0, 1, 0); /* A3 */
    tt = &x.r->by_term[CSM_TERM_UNKNOWN].t;
    assert_counts(month_of(tt, 5), 1, 1, 0, 0); /* U1 */
    assert_money(month_of(tt, 5), 8000, 8000, 9000);
    tt = &x.r->by_term[CSM_TERM_MULTI_YEAR].t;
    for (int m = 1; m <= 5; m++)
        assert_counts(month_of(tt, m), 0, 0, 0, 0);

    const csm_dataset *ds = x.ds;
    assert_int_equal(csm_renewal_term_type(ds, customer(ds, "A1"), 1),
                     CSM_TERM_ANNUAL);
    assert_int_equal(csm_renewal_term_type(ds, customer(ds, "U1"), 4),
                     CSM_TERM_UNKNOWN);
    assert_int_equal(csm_renewal_term_type(ds, customer(ds, "M1"), 4),
                     CSM_TERM_MONTHLY);
    run_free(&x);
}

/* Grace of one month.  A2 lapses in Apr and is back in May at 400: now
 * renewed in Apr (late), renewed MRR 400, capped min(400, 500) = 400.
 * Apr: up 650, renewed M1 + A2 (2/3), after 100 + 400 = 500, capped 500,
 * churned M2 (inactive in Apr and May) 50.
 * Jun: A3 is inactive in Jun, and Jul (inside its grace) is not loaded:
 * pending, not churned.  Up 3, renewed 2, pending 1 (300): the month is
 * incomplete and its rates undefined; so is 2024-Q2. */
static void test_grace(void **state)
{
    (void)state;
    run x;
    run_dir(&x, "fixtures/hand/renewals", true, 1);
    const csm_dataset *ds = x.ds;
    int back = 0;
    assert_int_equal(csm_renewal_classify(ds, customer(ds, "A2"), 3, 1, &back),
                     CSM_RENEWAL_RENEWED);
    assert_int_equal(back, 4);
    assert_int_equal(csm_renewal_classify(ds, customer(ds, "A2"), 3, 0, &back),
                     CSM_RENEWAL_CHURNED);
    assert_int_equal(back, -1);
    assert_int_equal(csm_renewal_classify(ds, customer(ds, "A3"), 5, 1, NULL),
                     CSM_RENEWAL_PENDING);
    assert_int_equal(csm_renewal_classify(ds, customer(ds, "X1"), 4, 1, NULL),
                     CSM_RENEWAL_NOT_UP);

    const csm_renewal_table *t = &x.r->all;
    const csm_renewal_stats *s = month_of(t, 3);
    assert_counts(s, 3, 2, 1, 0);
    assert_money(s, 65000, 50000, 50000);
    assert_int_equal(s->churned_mrr, 5000);
    assert_ratio(s->logo_rate, 2.0 / 3.0);
    assert_ci(s, W_2_3_LO, W_2_3_HI);
    assert_ratio(s->gross_dollar_rate, 500.0 / 650.0);
    assert_true(s->complete);

    s = month_of(t, 5);
    assert_counts(s, 3, 2, 0, 1);
    assert_int_equal(s->pending_mrr, 30000);
    assert_money(s, 48000, 18000, 19000);
    assert_no_rates(s);
    assert_false(s->complete);
    const csm_renewal_stats *q2 = &t->period[CSM_PERIOD_QUARTER][1].s;
    assert_int_equal(q2->pending_logos, 1);
    assert_no_rates(q2);
    assert_false(q2->complete);
    /* May's grace month (Jun) is loaded and M1 renewed at once. */
    assert_ratio(month_of(t, 4)->logo_rate, 1.0);
    run_free(&x);

    /* Grace 2: May's grace runs past Jun, but M1 was active in May, so
     * the month is decided and complete; Apr's window ends in Jun (the
     * last month): M2 churned, A2 renewed. */
    run_dir(&x, "fixtures/hand/renewals", true, 2);
    s = month_of(&x.r->all, 4);
    assert_counts(s, 1, 1, 0, 0);
    assert_true(s->complete);
    assert_ratio(s->logo_rate, 1.0);
    assert_counts(month_of(&x.r->all, 3), 3, 2, 1, 0);
    assert_counts(month_of(&x.r->all, 5), 3, 2, 0, 1);
    run_free(&x);
}

/* Mid-term churn: bridge churn of customers not up for renewal.
 *   Mar: S1 (term_end 2024-01-09, already over: never up) 70
 *   May: X1 (term to 2025-01-31) 200
 * The Apr and Jun churns (M2, A2, A3) were up for renewal: not mid-term.
 * With grace 0, bridge churn = mid-term + churned at renewal in every
 * month.  S1's past term_end in Jan and Feb is reported as stale. */
static void test_mid_term(void **state)
{
    (void)state;
    run x;
    run_dir(&x, "fixtures/hand/renewals", true, 0);
    const csm_mid_term_period *mt = x.r->mid_term[CSM_PERIOD_MONTH];
    assert_int_equal(x.r->n_mid_term[CSM_PERIOD_MONTH], 5);
    long logos[] = {0, 1, 0, 1, 0};
    int64_t mrr[] = {0, 7000, 0, 20000, 0};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(mt[i].logos, logos[i]);
        assert_int_equal(mt[i].mrr, mrr[i]);
    }
    assert_int_equal(x.r->n_mid_term[CSM_PERIOD_QUARTER], 2);
    assert_int_equal(x.r->mid_term[CSM_PERIOD_QUARTER][0].logos, 1);
    assert_int_equal(x.r->mid_term[CSM_PERIOD_QUARTER][1].mrr, 20000);
    assert_int_equal(x.r->mid_term[CSM_PERIOD_YEAR][0].logos, 2);
    assert_int_equal(x.r->mid_term[CSM_PERIOD_YEAR][0].mrr, 27000);

    csm_bridge *b = NULL;
    assert_int_equal(csm_bridge_run(x.ds, &x.cfg, &b, &x.diag), CSM_OK);
    for (int m = 1; m < x.ds->n_months; m++) {
        const csm_renewal_stats *s = month_of(&x.r->all, m);
        assert_int_equal(b->months[m].logos.churn,
                         mt[m - 1].logos + s->churned_logos);
        assert_int_equal(b->months[m].amount.churn,
                         mt[m - 1].mrr + s->churned_mrr);
    }
    csm_bridge_free(b);

    assert_int_equal(x.r->stale_term_end, 2);
    bool warned = false;
    for (size_t i = 0; i < x.diag.n; i++)
        if (!strcmp(x.diag.items[i].rule, "stale-term-end"))
            warned = strstr(x.diag.items[i].message, "\"S1\"") != NULL;
    assert_true(warned);
    run_free(&x);
}

/* ------------------------------------------------------------------ */
/* Term types, on 16 months 2024-01 .. 2025-04 (index 0..15):
 *
 *   MY  cs 2022-01-01, te 2025-03-31 from the first month, 100; renews
 *       in 2025-03 (te 2028-03-31).  Its term was on by 2024-01-31, so it
 *       is at least 2024-01-31 .. 2025-03-31 = 426 days: multi-year.
 *   AR  cs 2023-04-01, te 2024-03-31 in Jan-Feb 2024, 2025-03-31 from
 *       Mar 2024, 200; lost in 2025-03.  First term <= 366 days (annual);
 *       second term seen renewing: 2024-04-01 .. 2025-03-31 = 365 days,
 *       annual.
 *   SW  cs 2023-05-01, month to month in Jan-Feb 2024, te 2025-02-28
 *       from Mar 2024 (te 2026-02-28 from 2025-02), 50.  The term began
 *       in March 2024: at most 2024-03-01 .. 2025-02-28 = 365: annual.
 *   UN  cs 2022-07-01, te 2024-06-30 from the first month, 300; lost in
 *       Jun 2024.  At least 152, at most 731 days: unknown.
 *   ER  cs 2021-10-01, te 2024-09-30 in Jan-Apr 2024, 2026-09-30 from
 *       May 2024 (early renewal), 400: the new term 2024-10-01 ..
 *       2026-09-30 is 730 days, multi-year; never up in the data.
 *   NW  new in Apr 2024, cs 2024-04-15, te 2026-04-14, 500: at least
 *       2024-04-30 .. 2026-04-14 = 715 days: multi-year.
 *   CF  cs 2024-03-01 but te 2024-12-31 shown from Jan 2024 (the
 *       snapshot wins: start taken as 2024-01-31, 336 days): annual;
 *       renews in 2024-12 (te 2025-12-31 from then), 60.
 * Up for renewal: 2024-02 SW, 2024-03 SW + AR, 2024-06 UN, 2024-12 CF,
 * 2025-02 SW, 2025-03 MY + AR; nobody in the other months. */
static void write_terms(const char *dir)
{
    for (int k = 0; k < 16; k++) {
        char rows[1024] = "";
        size_t n = 0;
#define ROW(...) n += (size_t)snprintf(rows + n, sizeof rows - n, __VA_ARGS__)
        ROW("MY,2022-01-01,%s,100\n", k <= 13 ? "2025-03-31" : "2028-03-31");
        if (k <= 13)
            ROW("AR,2023-04-01,%s,200\n", k <= 1 ? "2024-03-31" : "2025-03-31");
        ROW("SW,2023-05-01,%s,50\n",
            k <= 1 ? "" : (k <= 12 ? "2025-02-28" : "2026-02-28"));
        if (k <= 4)
            ROW("UN,2022-07-01,2024-06-30,300\n");
        ROW("ER,2021-10-01,%s,400\n", k <= 3 ? "2024-09-30" : "2026-09-30");
        if (k >= 3)
            ROW("NW,2024-04-15,2026-04-14,500\n");
        ROW("CF,2024-03-01,%s,60\n", k <= 10 ? "2024-12-31" : "2025-12-31");
#undef ROW
        char name[64], body[1200];
        snprintf(name, sizeof name, "snapshots/%04d-%02d.csv", 2024 + k / 12,
                 k % 12 + 1);
        snprintf(body, sizeof body,
                 "customer_id,contract_start,term_end,mrr\n%s", rows);
        tu_write(dir, name, body, strlen(body));
    }
}

static void test_term_types(void **state)
{
    (void)state;
    char *dir = tu_tempdir("terms");
    write_terms(dir);
    run x;
    run_dir(&x, dir, false, 0);
    const csm_dataset *ds = x.ds;
    assert_int_equal(ds->n_months, 16);
    struct {
        const char *id;
        int snapshot;
        csm_term_type want;
    } cases[] = {
        {"MY", 13, CSM_TERM_MULTI_YEAR}, {"AR", 1, CSM_TERM_ANNUAL},
        {"AR", 13, CSM_TERM_ANNUAL},     {"SW", 0, CSM_TERM_MONTHLY},
        {"SW", 12, CSM_TERM_ANNUAL},     {"UN", 4, CSM_TERM_UNKNOWN},
        {"ER", 3, CSM_TERM_UNKNOWN},     {"ER", 4, CSM_TERM_MULTI_YEAR},
        {"NW", 3, CSM_TERM_MULTI_YEAR},  {"NW", 15, CSM_TERM_MULTI_YEAR},
        {"CF", 10, CSM_TERM_ANNUAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        csm_term_type got = csm_renewal_term_type(ds, customer(ds, cases[i].id),
                                                  cases[i].snapshot);
        if (got != cases[i].want)
            fail_msg("%s at %d: %s, want %s", cases[i].id, cases[i].snapshot,
                     csm_term_type_name(got),
                     csm_term_type_name(cases[i].want));
    }

    /* 2025-03 (index 14): MY (multi-year, renewed) and AR (annual, lost). */
    const csm_renewal_table *t = &x.r->all;
    assert_counts(month_of(t, 14), 2, 1, 1, 0);
    assert_money(month_of(t, 14), 30000, 10000, 10000);
    assert_counts(month_of(&x.r->by_term[CSM_TERM_MULTI_YEAR].t, 14), 1, 1, 0,
                  0);
    assert_counts(month_of(&x.r->by_term[CSM_TERM_ANNUAL].t, 14), 1, 0, 1, 0);
    assert_counts(month_of(&x.r->by_term[CSM_TERM_ANNUAL].t, 11), 1, 1, 0,
                  0); /* CF */
    assert_counts(month_of(&x.r->by_term[CSM_TERM_UNKNOWN].t, 5), 1, 0, 1,
                  0); /* UN */
    assert_counts(month_of(&x.r->by_term[CSM_TERM_MONTHLY].t, 2), 1, 1, 0,
                  0); /* SW */

    /* Nobody up for renewal at all in 2024-04 (index 3) and 2025-04
     * (index 15): counts 0 and every rate undefined. */
    assert_counts(month_of(t, 3), 0, 0, 0, 0);
    assert_no_rates(month_of(t, 3));
    assert_no_rates(month_of(t, 15));
    /* No segment column: everyone is in the "" segment. */
    assert_int_equal(x.r->n_segments, 1);
    assert_string_equal(x.r->by_segment[0].value, "");
    /* Years: 2024 = indexes 1..11 (11 months): SW, SW + AR, UN (lost),
     * CF: 5 up, 4 renewed.  2025 = indexes 12..15 (4 months): SW, MY + AR
     * (AR lost): 3 up, 2 renewed. */
    assert_int_equal(t->n[CSM_PERIOD_YEAR], 2);
    assert_int_equal(t->period[CSM_PERIOD_YEAR][0].s.months, 11);
    assert_counts(&t->period[CSM_PERIOD_YEAR][0].s, 5, 4, 1, 0);
    assert_int_equal(t->period[CSM_PERIOD_YEAR][1].s.months, 4);
    assert_counts(&t->period[CSM_PERIOD_YEAR][1].s, 3, 2, 1, 0);
    assert_false(t->period[CSM_PERIOD_YEAR][1].s.complete);
    run_free(&x);
    tu_rmtree(dir);
    free(dir);
}

/* The monthly logo rate as trend points: defined months only, oldest
 * first, x = month index.
 * Hand fixture: Feb..Jun = 1, 1, 1/3, 1, 2/3 at indexes 1..5.
 * Term data: defined at 1 (SW 1/1), 2 (SW, AR 2/2), 5 (UN 0/1),
 * 11 (CF 1/1), 13 (SW 1/1), 14 (1/2); the other months had nobody up. */
static void test_rate_series(void **state)
{
    (void)state;
    run x;
    run_dir(&x, "fixtures/hand/renewals", true, 0);
    double px[12], py[12];
    size_t n = csm_renewals_rate_series(x.r, 5, 12, px, py);
    assert_int_equal(n, 5);
    double want_y[] = {1, 1, 1.0 / 3.0, 1, 2.0 / 3.0};
    for (size_t i = 0; i < n; i++) {
        assert_near(px[i], (double)(i + 1));
        assert_near(py[i], want_y[i]);
    }
    /* The last two points only; a last month before the data. */
    n = csm_renewals_rate_series(x.r, 5, 2, px, py);
    assert_int_equal(n, 2);
    assert_near(px[0], 4);
    assert_near(px[1], 5);
    assert_near(py[1], 2.0 / 3.0);
    assert_int_equal(csm_renewals_rate_series(x.r, 0, 12, px, py), 0);
    run_free(&x);

    /* Grace 1: Jun is pending, so the series stops at May. */
    run_dir(&x, "fixtures/hand/renewals", true, 1);
    n = csm_renewals_rate_series(x.r, 5, 12, px, py);
    assert_int_equal(n, 4);
    assert_near(px[3], 4);
    run_free(&x);

    char *dir = tu_tempdir("terms-series");
    write_terms(dir);
    run_dir(&x, dir, false, 0);
    n = csm_renewals_rate_series(x.r, 15, 12, px, py);
    double want_x[] = {1, 2, 5, 11, 13, 14};
    double want_t[] = {1, 1, 0, 1, 1, 0.5};
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        assert_near(px[i], want_x[i]);
        assert_near(py[i], want_t[i]);
    }
    run_free(&x);
    tu_rmtree(dir);
    free(dir);
}

/* The JSON of a run: both keys, SPEC field names, null (not 0) where
 * nobody was up. */
static void test_json(void **state)
{
    (void)state;
    char *data = tu_path("fixtures/hand/renewals");
    const char *args[] = {"metrics", "--data", data, "--json", NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(tu_run(args, &out, &err), 0);
    assert_non_null(strstr(out, "\"renewals\": {"));
    assert_non_null(strstr(out, "\"mid_term_churn\": {"));
    assert_non_null(strstr(
        out, "{\"month\": \"2024-06\", \"up_logos\": 3, \"renewed_logos\": "
             "2, \"churned_logos\": 1, \"up_mrr\": 48000, "
             "\"renewed_mrr_capped\": 18000, \"renewed_mrr\": 19000, "
             "\"logo_rate\": 0.6666666666666666, \"logo_rate_ci\": {\"lo\": "
             "0.20765960080204782, \"hi\": 0.9385080552796038}, "
             "\"gross_dollar_rate\": 0.375, "));
    /* Enterprise in Feb: nobody up. */
    assert_non_null(strstr(
        out, "{\"month\": \"2024-02\", \"up_logos\": 0, \"renewed_logos\": "
             "0, \"churned_logos\": 0, \"up_mrr\": 0, "
             "\"renewed_mrr_capped\": 0, \"renewed_mrr\": 0, "
             "\"logo_rate\": null, \"logo_rate_ci\": null, "
             "\"gross_dollar_rate\": null, \"net_dollar_rate\": null"));
    assert_non_null(strstr(out, "{\"month\": \"2024-05\", \"logos\": 1, "
                                "\"mrr\": 20000}"));
    assert_non_null(strstr(out, "\"rule\": \"stale-term-end\""));
    free(out);
    free(err);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_months),
        cmocka_unit_test(test_quarters_years),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_grace),
        cmocka_unit_test(test_mid_term),
        cmocka_unit_test(test_term_types),
        cmocka_unit_test(test_rate_series),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
