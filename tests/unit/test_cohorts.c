/* Unit tests of compute/cohorts.c on fixtures/hand/cohorts (README there
 * lists the customers), a subscription-periods case, and the edge cases.
 *
 * Amounts are minor units (USD cents).  Wilson intervals come from R 4.2.2,
 * tests/r/cohorts_expected.R:
 *     prop.test(x, n, correct = FALSE)$conf.int
 * printed with sprintf("%.17g").  Everything else is derived by hand in
 * the comments. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/cohorts.h"
#include "support/testutil.h"

#define TOL 1e-12
#define NA -1      /* an unobserved cell in the expected arrays */
#define UNDEF -1.0 /* an undefined rate in the expected arrays */

static void close_at(double got, double want, const char *what,
                     const char *file, int line)
{
    if (!(got == want || fabs(got - want) <= TOL * fabs(want))) {
        print_error("%s = %.17g, want %.17g\n", what, got, want);
        _fail(file, line);
    }
}
#define CLOSE(got, want) close_at((got), (want), #got, __FILE__, __LINE__)

static csm_dataset *load(const char *rel)
{
    char *dir = tu_path(rel);
    csm_dataset *ds = NULL;
    csm_diags d = {0};
    csm_error rc = tu_load(dir, NULL, &ds, &d);
    if (rc != CSM_OK)
        for (size_t i = 0; i < d.n; i++)
            print_error("%s\n", d.items[i].message);
    assert_int_equal(rc, CSM_OK);
    csm_diags_free(&d);
    free(dir);
    return ds;
}

static csm_cohorts *run(const csm_dataset *ds, const csm_config *cfg,
                        int report)
{
    csm_cohorts *c = NULL;
    csm_diags d = {0};
    assert_int_equal(csm_cohorts_run(ds, cfg, report, &c, &d), CSM_OK);
    assert_int_equal(csm_diags_errors(&d), 0);
    csm_diags_free(&d);
    return c;
}

static const csm_cohort_row *find(const csm_cohorts *c, csm_cohort_grain g,
                                  const char *label)
{
    const csm_cohort_table *t = &c->table[g];
    for (size_t i = 0; i < t->n_rows; i++)
        if (!strcmp(t->rows[i].label, label))
            return &t->rows[i];
    fail_msg("no cohort %s", label);
    return NULL;
}

/* Checks one row's per-age arrays: active and mrr (NA = unobserved),
 * rates (UNDEF = undefined). */
static void check_row(const csm_cohort_row *r, int n_ages, const long *active,
                      const int64_t *mrr, const double *logo, const double *rev)
{
    assert_int_equal(r->n_ages, n_ages);
    for (int k = 0; k < n_ages; k++) {
        assert_int_equal(r->active[k], active[k]);
        if (active[k] != NA)
            assert_int_equal(r->mrr[k], mrr[k]);
        if (logo[k] == UNDEF)
            assert_false(r->logo_retention[k].defined);
        else
            CLOSE(r->logo_retention[k].value, logo[k]);
        if (rev[k] == UNDEF)
            assert_false(r->revenue_retention[k].defined);
        else
            CLOSE(r->revenue_retention[k].value, rev[k]);
    }
}

static void check_early(const csm_prop_ci *p, size_t x, size_t n, double lo,
                        double hi)
{
    assert_int_equal(p->x, x);
    assert_int_equal(p->n, n);
    if (n == 0) {
        assert_false(p->defined);
        return;
    }
    assert_true(p->defined);
    CLOSE(p->estimate, (double)x / (double)n);
    CLOSE(p->lo, lo);
    CLOSE(p->hi, hi);
}

/* Report month 2024-06 (index 5).  Who is where:
 *   P1 (contract 2023-11-10): cohort 2023-11, before the first loaded
 *      month 2024-01, so left-truncated; observed from age 2 (Jan).
 *   O1: no contract_start, active in Jan (the opening balance): no cohort.
 *   K: no contract_start, never active: no cohort.
 *   I: contract 2024-07-01, after the report month: no cohort.
 *   2024-01: A (100 Jan-Feb, 0 from Mar), B (200 Jan-Feb, 250 from Mar),
 *            C (contract 01-31, billed 100 Feb-Apr: starts in Feb).
 *   2024-02: D (no contract_start, first active Feb: 300, 150 in Jun),
 *            E (80 Feb-Mar, gone Apr, back 80 May-Jun),
 *            J (contract 02-10, rows with 0: never active).
 *   2024-03: nobody.   2024-04: F (60 Apr-Jun).
 *   2024-05: G (never active).   2024-06: H (40 Jun). */
static void test_month_cohorts(void **state)
{
    (void)state;
    csm_dataset *ds = load("fixtures/hand/cohorts");
    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_cohorts *c = run(ds, &cfg, 5);
    assert_int_equal(c->members, 10); /* P1 A B C D E J F G H */
    assert_int_equal(c->opening_no_start, 1);
    assert_int_equal(c->no_signup, 1);
    assert_int_equal(c->after_report, 1);
    assert_int_equal(c->first_observed, csm_month_from_ym(2024, 1));

    const csm_cohort_table *t = &c->table[CSM_COHORT_MONTH];
    /* 2023-11 (has a member), then every month 2024-01..06. */
    assert_int_equal(t->n_rows, 7);
    const char *labels[] = {"2023-11", "2024-01", "2024-02", "2024-03",
                            "2024-04", "2024-05", "2024-06"};
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(t->rows[i].label, labels[i]);

    /* 2023-11: ages 0..7 (Nov -> Jun); Nov, Dec unobserved, never 0. */
    const csm_cohort_row *r = find(c, CSM_COHORT_MONTH, "2023-11");
    assert_true(r->left_truncated);
    assert_int_equal(r->first_observed_age, 2);
    assert_int_equal(r->logos, 1);
    assert_int_equal(r->base_mrr, 0);
    {
        long a[] = {NA, NA, 1, 1, 1, 1, 1, 1};
        int64_t m[] = {0, 0, 10000, 10000, 10000, 10000, 10000, 10000};
        double u[8] = {UNDEF, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF};
        check_row(r, 8, a, m, u, u);
    }
    check_early(&r->early_churn, 0, 0, 0, 0); /* window before the data */

    /* 2024-01: A, B, C; ages 0..5 (Jan..Jun).
     * Age 0 counts each member's start: A Jan 100, B Jan 200, C Feb 100
     * (its first active month), so active 3 and base 400.00.
     * Age 1 (Feb): A 100 + B 200 + C 100 = 400, 3 active.
     * Age 2 (Mar): B 250 + C 100 = 350, 2.  Age 3 (Apr): the same.
     * Age 4 (May): B 250, 1.  Age 5 (Jun): B 250, 1.
     * Logo = active / 3; revenue = MRR / 400. */
    r = find(c, CSM_COHORT_MONTH, "2024-01");
    assert_false(r->left_truncated);
    assert_int_equal(r->logos, 3);
    assert_int_equal(r->never_active, 0);
    assert_int_equal(r->base_mrr, 40000);
    {
        long a[] = {3, 3, 2, 2, 1, 1};
        int64_t m[] = {40000, 40000, 35000, 35000, 25000, 25000};
        double l[] = {1, 1, 2.0 / 3, 2.0 / 3, 1.0 / 3, 1.0 / 3};
        double v[] = {1, 1, 0.875, 0.875, 0.625, 0.625};
        check_row(r, 6, a, m, l, v);
    }
    /* Early churn, 90 days, report ends 2024-06-30; every window ends by
     * then (latest: C, 01-31 + 90 = 04-30).
     * A: last active Feb, churn day 02-29, 55 days after 01-05: early.
     * B: never churns.
     * C: first active Feb, inactive May: churn day 04-30, exactly 90 days
     *    after 01-31 (29 + 31 + 30): early (the limit is inclusive).
     * 2 of 3: prop.test(2, 3) = 0.20765960080204782, 0.93850805527960379 */
    check_early(&r->early_churn, 2, 3, 0.20765960080204782,
                0.93850805527960379);

    /* 2024-02: D, E, J; ages 0..4 (Feb..Jun).  Starts: D 300, E 80, J none
     * (never active): base 380.00, active 2 at age 0.
     * Age 1 (Mar): D 300 + E 80 = 380, 2.  Age 2 (Apr): D 300, 1.
     * Age 3 (May): D 300 + E 80 = 380, 2.  Age 4 (Jun): D 150 + E 80 = 230,
     * 2.  Logo = active / 3, revenue = MRR / 380. */
    r = find(c, CSM_COHORT_MONTH, "2024-02");
    assert_int_equal(r->logos, 3);
    assert_int_equal(r->never_active, 1);
    assert_int_equal(r->base_mrr, 38000);
    {
        long a[] = {2, 2, 1, 2, 2};
        int64_t m[] = {38000, 38000, 30000, 38000, 23000};
        double l[] = {2.0 / 3, 2.0 / 3, 1.0 / 3, 2.0 / 3, 2.0 / 3};
        double v[] = {1, 1, 300.0 / 380, 1, 230.0 / 380};
        check_row(r, 5, a, m, l, v);
    }
    /* D (no contract_start: window from 02-01 to 05-01): no churn.
     * E: contract 02-29, inactive in Apr: churn day 03-31, 31 days: early
     *    (its return in May does not undo that).
     * J: window 02-10 .. 05-10 observed; never active, so never churned.
     * 1 of 3: prop.test(1, 3) = 0.061491944720396291, 0.79234039919795229 */
    check_early(&r->early_churn, 1, 3, 0.061491944720396291,
                0.79234039919795229);

    /* 2024-03: no members: zero counts, every rate undefined. */
    r = find(c, CSM_COHORT_MONTH, "2024-03");
    assert_int_equal(r->logos, 0);
    {
        long a[] = {0, 0, 0, 0};
        int64_t m[] = {0, 0, 0, 0};
        double u[] = {UNDEF, UNDEF, UNDEF, UNDEF};
        check_row(r, 4, a, m, u, u);
    }
    check_early(&r->early_churn, 0, 0, 0, 0);

    /* 2024-04: F alone (a cohort of one), 60.00 in Apr, May, Jun.  Its
     * window 04-15 + 90 = 07-14 ends after the report: not in n. */
    r = find(c, CSM_COHORT_MONTH, "2024-04");
    {
        long a[] = {1, 1, 1};
        int64_t m[] = {6000, 6000, 6000};
        double one[] = {1, 1, 1};
        check_row(r, 3, a, m, one, one);
    }
    check_early(&r->early_churn, 0, 0, 0, 0);

    /* 2024-05: G, never active: logo 0, base 0 so revenue undefined. */
    r = find(c, CSM_COHORT_MONTH, "2024-05");
    assert_int_equal(r->never_active, 1);
    assert_int_equal(r->base_mrr, 0);
    {
        long a[] = {0, 0};
        int64_t m[] = {0, 0};
        double l[] = {0, 0};
        double v[] = {UNDEF, UNDEF};
        check_row(r, 2, a, m, l, v);
    }

    /* 2024-06: H, age 0 only. */
    r = find(c, CSM_COHORT_MONTH, "2024-06");
    {
        long a[] = {1};
        int64_t m[] = {4000};
        double one[] = {1};
        check_row(r, 1, a, m, one, one);
    }

    /* All cohorts: 2023-11 (truncated) and 2024-03 (empty) never enter.
     * age 0: Jan 3 + Feb 3 + Apr 1 + May 1 + Jun 1 = 9 logos, active
     *        3+2+1+0+1 = 7; base = MRR = 400+380+60+0+40 = 880.00.
     * age 1: Jun not yet observed: 8 logos, active 3+2+1+0 = 6;
     *        base 840.00, MRR 400+380+60+0 = 840.00.
     * age 2: Jan, Feb, Apr: 7 logos, active 2+1+1 = 4; base 840.00,
     *        MRR 350+300+60 = 710.00.
     * age 3: Jan, Feb: 6 logos, active 2+2 = 4; base 780.00, MRR 350+380.
     * age 4: Jan, Feb: active 1+2 = 3; MRR 250+230 = 480.00.
     * age 5: Jan: 3 logos, active 1; base 400.00, MRR 250.00. */
    assert_int_equal(t->n_ages, 6);
    long cohorts[] = {5, 4, 3, 2, 2, 1}, logos[] = {9, 8, 7, 6, 6, 3},
         active[] = {7, 6, 4, 4, 3, 1};
    int64_t base[] = {88000, 84000, 84000, 78000, 78000, 40000},
            mrr[] = {88000, 84000, 71000, 73000, 48000, 25000};
    for (int k = 0; k < 6; k++) {
        const csm_cohort_age *a = &t->all[k];
        assert_int_equal(a->cohorts, cohorts[k]);
        assert_int_equal(a->logos, logos[k]);
        assert_int_equal(a->active, active[k]);
        assert_int_equal(a->base_mrr, base[k]);
        assert_int_equal(a->mrr, mrr[k]);
        CLOSE(a->logo_retention.value, (double)active[k] / (double)logos[k]);
        CLOSE(a->revenue_retention.value, (double)mrr[k] / (double)base[k]);
    }

    /* Pooled early churn: A, C, E of the six observed windows (A B C D E
     * J).  prop.test(3, 6) = 0.18761630648265057, 0.8123836935173494 */
    check_early(&c->early_churn, 3, 6, 0.18761630648265057, 0.8123836935173494);
    csm_cohorts_free(c);
    csm_dataset_free(ds);
}

/* The same members by calendar quarter, report 2024-06.  A quarter's age
 * k is observed when every month of it is (its last month + k <= report,
 * its first month + k >= first loaded month). */
static void test_quarter_cohorts(void **state)
{
    (void)state;
    csm_dataset *ds = load("fixtures/hand/cohorts");
    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_cohorts *c = run(ds, &cfg, 5);
    const csm_cohort_table *t = &c->table[CSM_COHORT_QUARTER];
    assert_int_equal(t->n_rows, 3);

    /* 2023-Q4 (P1, signed Nov): Oct + k >= Jan needs k >= 3; Dec + k <=
     * Jun needs k <= 6.  P1 at ages 3..6 is Feb..May: active, 100.00. */
    const csm_cohort_row *r = find(c, CSM_COHORT_QUARTER, "2023-Q4");
    assert_true(r->left_truncated);
    assert_int_equal(r->first_observed_age, 3);
    {
        long a[] = {NA, NA, NA, 1, 1, 1, 1};
        int64_t m[] = {0, 0, 0, 10000, 10000, 10000, 10000};
        double u[7] = {UNDEF, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF};
        check_row(r, 7, a, m, u, u);
    }

    /* 2024-Q1: A B C (Jan) + D E J (Feb) + nobody (Mar); Mar + k <= Jun
     * gives ages 0..3 even though March is empty.
     * age 0: starts 5 of 6, 400 + 380 = 780.00 (the base).
     * age 1: Jan members in Feb (3, 400) + Feb members in Mar (2, 380).
     * age 2: Jan in Mar (2, 350) + Feb in Apr (1, 300).
     * age 3: Jan in Apr (2, 350) + Feb in May (2, 380). */
    r = find(c, CSM_COHORT_QUARTER, "2024-Q1");
    assert_int_equal(r->logos, 6);
    assert_int_equal(r->never_active, 1);
    assert_int_equal(r->base_mrr, 78000);
    {
        long a[] = {5, 5, 3, 4};
        int64_t m[] = {78000, 78000, 65000, 73000};
        double l[] = {5.0 / 6, 5.0 / 6, 0.5, 4.0 / 6};
        double v[] = {1, 1, 650.0 / 780, 730.0 / 780};
        check_row(r, 4, a, m, l, v);
    }
    /* A, C, E early among the six: prop.test(3, 6). */
    check_early(&r->early_churn, 3, 6, 0.18761630648265057, 0.8123836935173494);

    /* 2024-Q2: F, G, H; June + k <= June: age 0 only.  Starts F 60 and
     * H 40 (G never): 2 of 3, base = MRR = 100.00. */
    r = find(c, CSM_COHORT_QUARTER, "2024-Q2");
    {
        long a[] = {2};
        int64_t m[] = {10000};
        double l[] = {2.0 / 3};
        double v[] = {1};
        check_row(r, 1, a, m, l, v);
    }

    /* All: age 0 pools Q1 and Q2 (9 logos, 7 active, 880.00 both);
     * ages 1..3 only Q1. */
    assert_int_equal(t->n_ages, 4);
    assert_int_equal(t->all[0].cohorts, 2);
    assert_int_equal(t->all[0].logos, 9);
    assert_int_equal(t->all[0].active, 7);
    assert_int_equal(t->all[0].mrr, 88000);
    CLOSE(t->all[0].logo_retention.value, 7.0 / 9);
    CLOSE(t->all[0].revenue_retention.value, 1.0);
    assert_int_equal(t->all[2].cohorts, 1);
    CLOSE(t->all[2].logo_retention.value, 0.5);
    CLOSE(t->all[3].revenue_retention.value, 730.0 / 780);
    csm_cohorts_free(c);
    csm_dataset_free(ds);
}

/* As of 2024-04 nothing after April counts: G, H, I have not signed yet,
 * C's churn (inactive in May) has not happened, and the February windows
 * (ending 05-01 .. 05-29) are not over. */
static void test_as_of_earlier_month(void **state)
{
    (void)state;
    csm_dataset *ds = load("fixtures/hand/cohorts");
    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_cohorts *c = run(ds, &cfg, 3);
    assert_int_equal(c->members, 8);      /* P1 A B C D E J F */
    assert_int_equal(c->after_report, 3); /* G H I */
    assert_int_equal(c->table[CSM_COHORT_MONTH].n_rows,
                     5); /* 2023-11, Jan..Apr */
    const csm_cohort_row *r = find(c, CSM_COHORT_MONTH, "2024-01");
    {
        long a[] = {3, 3, 2, 2};
        int64_t m[] = {40000, 40000, 35000, 35000};
        double l[] = {1, 1, 2.0 / 3, 2.0 / 3};
        double v[] = {1, 1, 0.875, 0.875};
        check_row(r, 4, a, m, l, v);
    }
    /* A early (window ends 04-04); B none (04-19); C's window ends 04-30,
     * observed, but no churn yet.  prop.test(1, 3). */
    check_early(&r->early_churn, 1, 3, 0.061491944720396291,
                0.79234039919795229);
    check_early(&find(c, CSM_COHORT_MONTH, "2024-02")->early_churn, 0, 0, 0, 0);
    csm_cohorts_free(c);

    /* As of 2024-01: C has not started (no active month <= Jan), so age 0
     * holds A and B only: 2 of 3 active, base 300.00, revenue 1. */
    c = run(ds, &cfg, 0);
    r = find(c, CSM_COHORT_MONTH, "2024-01");
    assert_int_equal(r->never_active, 1);
    assert_int_equal(r->base_mrr, 30000);
    {
        long a[] = {2};
        int64_t m[] = {30000};
        double l[] = {2.0 / 3};
        double v[] = {1};
        check_row(r, 1, a, m, l, v);
    }
    /* 2023-Q4 as of Jan: Oct + k >= Jan needs k >= 3 but Dec + k <= Jan
     * allows k <= 1: no observed cell at all. */
    r = find(c, CSM_COHORT_QUARTER, "2023-Q4");
    assert_int_equal(r->n_ages, 2);
    assert_int_equal(r->first_observed_age, 2);
    assert_int_equal(r->active[0], -1);
    assert_int_equal(r->active[1], -1);
    /* The 2023-11 month row is observed at age 2 (Jan). */
    r = find(c, CSM_COHORT_MONTH, "2023-11");
    assert_int_equal(r->n_ages, 3);
    assert_int_equal(r->active[2], 1);
    csm_cohorts_free(c);
    csm_dataset_free(ds);
}

/* early_churn_days = 89: C (exactly 90 days) no longer counts; its window
 * 01-31 + 89 = 04-29 is still observed.  January 1 of 3, pooled A and E:
 * 2 of 6.  Level 0.9 moves the pooled interval:
 *   prop.test(2, 6, correct = FALSE) = 0.096771411105780455,
 *                                      0.700006684861608
 * and at 89 days with ci_level 0.9 nothing else changes. */
static void test_early_churn_days(void **state)
{
    (void)state;
    csm_dataset *ds = load("fixtures/hand/cohorts");
    csm_config cfg;
    csm_config_defaults(&cfg);
    cfg.early_churn_days = 89;
    csm_cohorts *c = run(ds, &cfg, 5);
    check_early(&find(c, CSM_COHORT_MONTH, "2024-01")->early_churn, 1, 3,
                0.061491944720396291, 0.79234039919795229);
    check_early(&c->early_churn, 2, 6, 0.096771411105780455, 0.700006684861608);
    csm_cohorts_free(c);

    cfg.early_churn_days = 90;
    cfg.ci_level = 0.9;
    c = run(ds, &cfg, 5);
    /* prop.test(3, 6, conf.level = 0.9) = 0.22125998614034889,
     *                                     0.77874001385965119 */
    check_early(&c->early_churn, 3, 6, 0.22125998614034889,
                0.77874001385965119);
    csm_cohorts_free(c);
    csm_dataset_free(ds);
}

/* Subscription periods hold whole histories and open with an empty month:
 * nothing is truncated, the opening month is an empty cohort, and a
 * mid-month start is a start in the next month (the period rule: active
 * in M when start <= first day of M).
 *   A: 2024-01-15 .. 2024-04-01, 100.00: cohort Jan, active Feb, Mar.
 *   B: 2024-02-01 .., 50.00: cohort Feb, active Feb..Apr.
 * Loaded months 2023-12 (opening) .. 2024-04. */
static void test_periods(void **state)
{
    (void)state;
    char *dir = tu_tempdir("cohorts-periods");
    const char *csv = "customer_id,start_date,end_date,monthly_amount\n"
                      "A,2024-01-15,2024-04-01,100\n"
                      "B,2024-02-01,,50\n";
    tu_write(dir, "subscriptions.csv", csv, strlen(csv));
    csm_dataset *ds = NULL;
    csm_diags d = {0};
    assert_int_equal(tu_load(dir, NULL, &ds, &d), CSM_OK);
    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_cohorts *c = run(ds, &cfg, ds->n_months - 1);
    assert_int_equal(c->first_observed, CSM_NO_MONTH);
    const csm_cohort_table *t = &c->table[CSM_COHORT_MONTH];
    assert_int_equal(t->n_rows, 5); /* 2023-12 .. 2024-04 */
    assert_int_equal(t->rows[0].logos, 0);
    assert_false(t->rows[0].left_truncated);
    /* A: age 0 = its start (Feb, 100.00), age 1 Feb, age 2 Mar, age 3 Apr
     * (ended). */
    const csm_cohort_row *r = find(c, CSM_COHORT_MONTH, "2024-01");
    {
        long a[] = {1, 1, 1, 0};
        int64_t m[] = {10000, 10000, 10000, 0};
        double v[] = {1, 1, 1, 0};
        check_row(r, 4, a, m, v, v);
    }
    /* A: 01-15 + 90 = 04-14 <= 04-30; churn day 03-31 is 76 days in:
     * early, 1 of 1 (prop.test(1, 1) = 0.2065493143772375, 1).  B's
     * window ends 05-01: not observed. */
    check_early(&c->early_churn, 1, 1, 0.2065493143772375, 1);
    /* Quarter 2023-Q4 starts before the opening month but is not
     * truncated: periods data have no earlier customers. */
    r = find(c, CSM_COHORT_QUARTER, "2023-Q4");
    assert_false(r->left_truncated);
    assert_int_equal(r->logos, 0);
    csm_cohorts_free(c);
    csm_dataset_free(ds);
    csm_diags_free(&d);
    tu_rmtree(dir);
    free(dir);
}

/* Snapshots whose first month has nobody active (what `import periods`
 * writes) are read as a whole history too, so they give the periods
 * figures: 2024-Q1 starts before the first month (Feb) but is not
 * truncated. */
static void test_empty_first_month(void **state)
{
    (void)state;
    char *dir = tu_tempdir("cohorts-empty-first");
    const char *feb = "customer_id,mrr,contract_start\n"
                      "A,0,2024-03-01\n";
    const char *mar = "customer_id,mrr,contract_start\n"
                      "A,100,2024-03-01\n";
    tu_write(dir, "snapshots/2024-02.csv", feb, strlen(feb));
    tu_write(dir, "snapshots/2024-03.csv", mar, strlen(mar));
    csm_dataset *ds = NULL;
    csm_diags d = {0};
    assert_int_equal(tu_load(dir, NULL, &ds, &d), CSM_OK);
    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_cohorts *c = run(ds, &cfg, 1);
    assert_int_equal(c->first_observed, CSM_NO_MONTH);
    const csm_cohort_row *r = find(c, CSM_COHORT_QUARTER, "2024-Q1");
    assert_false(r->left_truncated);
    assert_int_equal(r->n_ages, 1);
    assert_int_equal(r->active[0], 1);
    CLOSE(r->logo_retention[0].value, 1.0);
    csm_cohorts_free(c);
    csm_dataset_free(ds);
    csm_diags_free(&d);
    tu_rmtree(dir);
    free(dir);
}

/* Errors: a report month outside the data, a level the stats module
 * refuses, and MRR sums beyond int64 (two cohorts of 5e18 minor units
 * each: each month's total fits, their pooled base does not). */
static void test_errors(void **state)
{
    (void)state;
    csm_dataset *ds = load("fixtures/hand/cohorts");
    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_cohorts *c = (csm_cohorts *)&cfg; /* must be reset to NULL */
    csm_diags d = {0};
    assert_int_equal(csm_cohorts_run(ds, &cfg, 6, &c, &d), CSM_EUSAGE);
    assert_null(c);
    assert_int_equal(csm_cohorts_run(ds, &cfg, -1, &c, &d), CSM_EUSAGE);
    cfg.ci_level = 0.2;
    assert_int_equal(csm_cohorts_run(ds, &cfg, 5, &c, &d), CSM_EUSAGE);
    assert_null(c);
    assert_int_equal(csm_diags_errors(&d), 3);
    csm_diags_free(&d);
    csm_dataset_free(ds);

    char *dir = tu_tempdir("cohorts-overflow");
    const char *jan = "customer_id,mrr,contract_start\n"
                      "A,50000000000000000.00,2024-01-03\n";
    const char *feb = "customer_id,mrr,contract_start\n"
                      "B,50000000000000000.00,2024-02-03\n";
    tu_write(dir, "snapshots/2024-01.csv", jan, strlen(jan));
    tu_write(dir, "snapshots/2024-02.csv", feb, strlen(feb));
    csm_diags d2 = {0};
    assert_int_equal(tu_load(dir, NULL, &ds, &d2), CSM_OK);
    csm_config_defaults(&cfg);
    assert_int_equal(csm_cohorts_run(ds, &cfg, 1, &c, &d2), CSM_EDATA);
    assert_null(c);
    assert_int_equal(csm_diags_errors(&d2), 1);
    assert_string_equal(d2.items[d2.n - 1].rule, "cohort-overflow");
    csm_diags_free(&d2);
    csm_dataset_free(ds);
    tu_rmtree(dir);
    free(dir);
}

/* End to end: `metrics --json` carries the section with compact rows. */
static void test_json(void **state)
{
    (void)state;
    char *dir = tu_path("fixtures/hand/cohorts");
    const char *args[] = {"metrics", "--data", dir, "--json", NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(tu_run(args, &out, &err), 0);
    assert_non_null(strstr(out, "\"cohorts\": {"));
    assert_non_null(strstr(out, "\"first_observed_month\": \"2024-01\""));
    assert_non_null(strstr(out, "\"not_in_a_cohort\": {\"opening_balance_"
                                "no_start\": 1, \"no_signup\": 1, "
                                "\"signed_after_report\": 1}"));
    /* The truncated row: unobserved ages null, rates null. */
    assert_non_null(strstr(out, "\"active\": [null, null, 1, 1, 1, 1, 1, 1]"));
    assert_non_null(strstr(out, "\"base_mrr\": null"));
    assert_non_null(strstr(out, "\"revenue_retention\": [1, 1, 0.875, 0.875, "
                                "0.625, 0.625]"));
    assert_non_null(strstr(out, "\"revenue_retention\": [null, null]"));
    assert_non_null(strstr(out, "\"early_churn\": {\"n\": 6, \"churned\": "
                                "3, \"rate\": 0.5, \"ci\": {\"lo\": "));
    assert_non_null(strstr(out, "\"cohorts\": [5, 4, 3, 2, 2, 1]"));
    free(out);
    free(err);
    free(dir);
}

int main(void)
{
    csm_stats_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_month_cohorts),
        cmocka_unit_test(test_quarter_cohorts),
        cmocka_unit_test(test_as_of_earlier_month),
        cmocka_unit_test(test_early_churn_days),
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_empty_first_month),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
