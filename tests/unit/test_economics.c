/* Unit tests of compute/economics: CAC, CRC, CRC:CAC, payback, ARPA,
 * gross revenue churn, LTV and LTV:CAC on the hand fixture
 * fixtures/hand/economics (its README tabulates the MRR, the bridge and the
 * costs every derivation below reads), and the cases where a figure is not
 * defined: no new logos, no churn, costs missing for a month, zero costs,
 * no costs.csv, no retained logos, zero gross margin, a window that is not
 * loaded.
 *
 * Amounts are cents.  "-> x" marks a rounding half to even. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/bridge.h"
#include "csmetrics/economics.h"
#include "support/testutil.h"

#define FIXTURE "fixtures/hand/economics"

/* Month indexes of the fixture. */
enum { I_2023_05 = 1, I_2024_03 = 11, I_2024_04 = 12, I_2024_05 = 13 };

/* ------------------------------------------------------------ helpers */

static void close_at(double got, double want, const char *what,
                     const char *file, int line)
{
    if (!(got == want || fabs(got - want) <= 1e-12 * fabs(want))) {
        print_error("%s = %.17g, want %.17g\n", what, got, want);
        _fail(file, line);
    }
}
#define CLOSE(got, want) close_at((got), (want), #got, __FILE__, __LINE__)

#define RATIO(r, want)                                                         \
    do {                                                                       \
        assert_true((r).defined);                                              \
        CLOSE((r).value, (want));                                              \
    } while (0)

#define MONEY(m, want)                                                         \
    do {                                                                       \
        assert_true((m).defined);                                              \
        assert_int_equal((m).value, (want));                                   \
    } while (0)

/* An undefined figure: null, value 0, and the reason. */
#define UNDEF(w, metric, reason) assert_int_equal((w)->why[metric], reason)

typedef struct fix {
    csm_dataset *ds;
    csm_config cfg;
    csm_bridge *bridge;
    csm_diags diag;
} fix;

static void fix_load(fix *f, const char *dir)
{
    memset(f, 0, sizeof *f);
    csm_config_defaults(&f->cfg);
    assert_int_equal(tu_load(dir, &f->cfg, &f->ds, &f->diag), CSM_OK);
    assert_int_equal(csm_bridge_run(f->ds, &f->cfg, &f->bridge, &f->diag),
                     CSM_OK);
}

static void fix_fixture(fix *f)
{
    char *dir = tu_path(FIXTURE);
    fix_load(f, dir);
    free(dir);
}

static void fix_free(fix *f)
{
    csm_bridge_free(f->bridge);
    csm_dataset_free(f->ds);
    csm_diags_free(&f->diag);
    csm_config_free(&f->cfg);
}

static csm_economics *run(fix *f, int month)
{
    csm_economics *e = NULL;
    assert_int_equal(
        csm_economics_run(f->ds, &f->cfg, f->bridge, month, &e, &f->diag),
        CSM_OK);
    assert_non_null(e);
    return e;
}

static size_t count_rule(const csm_diags *d, const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++)
        n += strcmp(d->items[i].rule, rule) == 0;
    return n;
}

static bool has_message(const csm_diags *d, const char *rule, const char *text)
{
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->items[i].rule, rule) &&
            strstr(d->items[i].message, text))
            return true;
    return false;
}

static bool all_defined(const csm_ue_window *w)
{
    for (int m = 0; m < CSM_UE_METRIC_COUNT; m++)
        if (w->why[m] != CSM_UE_DEFINED)
            return false;
    return true;
}

/* Copies the fixture's snapshots (and reasons, referrals) to a new
 * folder, with costs.csv only when with_costs. */
static char *copy_fixture(bool with_costs)
{
    static const char *const months[] = {
        "2023-04", "2023-05", "2023-06", "2023-07", "2023-08",
        "2023-09", "2023-10", "2023-11", "2023-12", "2024-01",
        "2024-02", "2024-03", "2024-04", "2024-05"};
    char *dir = tu_tempdir("econ");
    char rel[128], name[64];
    for (size_t i = 0; i < sizeof months / sizeof *months; i++) {
        snprintf(name, sizeof name, "snapshots/%s.csv", months[i]);
        snprintf(rel, sizeof rel, FIXTURE "/%s", name);
        char *src = tu_path(rel);
        size_t len;
        char *data = tu_read(src, &len);
        assert_non_null(data);
        tu_write(dir, name, data, len);
        free(data);
        free(src);
    }
    const char *extra[] = {"churn_reasons.csv", "referrals.csv",
                           with_costs ? "costs.csv" : NULL};
    for (size_t i = 0; i < 3 && extra[i]; i++) {
        snprintf(rel, sizeof rel, FIXTURE "/%s", extra[i]);
        char *src = tu_path(rel);
        size_t len;
        char *data = tu_read(src, &len);
        assert_non_null(data);
        tu_write(dir, extra[i], data, len);
        free(data);
        free(src);
    }
    return dir;
}

/* ------------------------------------------------------------ tests */

static void test_month_window(void **state)
{
    (void)state;
    fix f;
    fix_fixture(&f);
    csm_economics *e = run(&f, I_2024_05);
    const csm_ue_window *w = &e->current[0];
    /* Window 2024-05, base month 2024-04. */
    assert_true(w->fits);
    assert_int_equal(w->months, 1);
    assert_true(e->has_costs);
    /* costs.csv 2024-05: 1500.00 and 600.02. */
    MONEY(w->acquisition_cost, 150000);
    MONEY(w->retention_cost, 60002);
    assert_int_equal(w->cost_months, 1);
    assert_int_equal(w->n_missing_costs, 0);
    /* Bridge 2024-05: I new (5000); H reactivation is not a new logo. */
    assert_int_equal(w->new_logos, 1);
    assert_int_equal(w->reactivated_logos, 1);
    assert_int_equal(w->new_mrr, 5000);
    /* Base = active in 2024-04: A, D, E, F, G; F churns in 2024-05. */
    assert_int_equal(w->base_logos, 5);
    assert_int_equal(w->retained_logos, 4);
    /* CAC = 150000 / 1. */
    MONEY(w->cac, 150000);
    /* CRC = 60002 / 4 = 15000.5 -> 15000 (half to even: 15000 is even). */
    MONEY(w->crc, 15000);
    /* CRC:CAC from unrounded quotients = (60002/4) / (150000/1). */
    RATIO(w->crc_to_cac, 60002.0 / 600000.0);
    MONEY(w->avg_new_logo_mrr, 5000);
    /* Payback = 150000 / (5000 * 0.8) = 37.5 months. */
    RATIO(w->cac_payback_months, 37.5);
    /* ARPA = closing 37000 / 6 logos = 6166.67 -> 6167. */
    assert_int_equal(w->mrr_months, 37000);
    assert_int_equal(w->logo_months, 6);
    MONEY(w->arpa, 6167);
    /* Gross revenue churn = (F churn 30000 + 0 contraction) / 58000. */
    assert_int_equal(w->opening_mrr, 58000);
    assert_int_equal(w->lost_mrr, 30000);
    RATIO(w->gross_revenue_churn_rate, 30000.0 / 58000.0);
    /* LTV = 37000/6 * 0.8 / (30000/58000)
     *     = 37000*58000*0.8 / (6*30000) = 9537.78 -> 9538. */
    MONEY(w->ltv, 9538);
    /* LTV:CAC = 9537.777... / 150000. */
    RATIO(w->ltv_to_cac, 37000.0 * 58000.0 * 0.8 / (6.0 * 30000.0) / 150000);
    assert_true(all_defined(w));
    csm_economics_free(e);
    fix_free(&f);
}

static void test_quarter_window(void **state)
{
    (void)state;
    fix f;
    fix_fixture(&f);
    csm_economics *e = run(&f, I_2024_05);
    const csm_ue_window *w = &e->current[1];
    /* Window 2024-03..2024-05, base 2024-02. */
    assert_int_equal(w->months, 3);
    assert_int_equal(w->from, csm_month_from_ym(2024, 3));
    assert_int_equal(w->base, csm_month_from_ym(2024, 2));
    /* 1200.03 + 700.00 + 1500.00 and 420.00 + 450.00 + 600.02. */
    MONEY(w->acquisition_cost, 340003);
    MONEY(w->retention_cost, 147002);
    assert_int_equal(w->cost_months, 3);
    /* New: G (2024-03, 4000) and I (2024-05, 5000). */
    assert_int_equal(w->new_logos, 2);
    assert_int_equal(w->reactivated_logos, 1);
    assert_int_equal(w->new_mrr, 9000);
    /* Base 2024-02: A, C, D, E, F; C and F churn by 2024-05. */
    assert_int_equal(w->base_logos, 5);
    assert_int_equal(w->retained_logos, 3);
    /* CAC = 340003 / 2 = 170001.5 -> 170002 (half to even: 170002). */
    MONEY(w->cac, 170002);
    /* CRC = 147002 / 3 = 49000.67 -> 49001. */
    MONEY(w->crc, 49001);
    /* CRC:CAC = (147002/3) / (340003/2) = 294004 / 1020009. */
    RATIO(w->crc_to_cac, 294004.0 / 1020009.0);
    MONEY(w->avg_new_logo_mrr, 4500);
    /* Payback = 340003 / (9000 * 0.8). */
    RATIO(w->cac_payback_months, 340003.0 / 7200.0);
    /* Closing 61000 + 58000 + 37000 over 6 + 5 + 6 logos:
     * ARPA = 156000 / 17 = 9176.47 -> 9176. */
    assert_int_equal(w->mrr_months, 156000);
    assert_int_equal(w->logo_months, 17);
    MONEY(w->arpa, 9176);
    /* Opening 57000 + 61000 + 58000; lost 0 + C 3000 + F 30000. */
    assert_int_equal(w->opening_mrr, 176000);
    assert_int_equal(w->lost_mrr, 33000);
    RATIO(w->gross_revenue_churn_rate, 0.1875);
    /* LTV = 156000*176000*0.8 / (17*33000) = 39153.03 -> 39153. */
    MONEY(w->ltv, 39153);
    RATIO(w->ltv_to_cac,
          156000.0 * 176000.0 * 0.8 / (17.0 * 33000.0) * 2.0 / 340003.0);
    assert_true(all_defined(w));
    csm_economics_free(e);
    fix_free(&f);
}

static void test_year_window(void **state)
{
    (void)state;
    fix f;
    fix_fixture(&f);
    csm_economics *e = run(&f, I_2024_05);
    const csm_ue_window *w = &e->current[2];
    /* Window 2023-06..2024-05, base 2023-05. */
    assert_int_equal(w->months, 12);
    assert_int_equal(w->from, csm_month_from_ym(2023, 6));
    /* Nine months of 1000.00 / 400.00, plus the quarter above. */
    MONEY(w->acquisition_cost, 900000 + 340003);
    MONEY(w->retention_cost, 360000 + 147002);
    /* New: D 8000, E 6000, G 4000, I 5000. */
    assert_int_equal(w->new_logos, 4);
    assert_int_equal(w->new_mrr, 23000);
    /* Base 2023-05: A, B, C, F, H.  Still active in 2024-05: A, and H,
     * which churned in 2023-07 and came back in 2024-05 (point to point:
     * only the end state counts). */
    assert_int_equal(w->base_logos, 5);
    assert_int_equal(w->retained_logos, 2);
    /* CAC = 1240003 / 4 = 310000.75 -> 310001. */
    MONEY(w->cac, 310001);
    /* CRC = 507002 / 2 = 253501. */
    MONEY(w->crc, 253501);
    RATIO(w->crc_to_cac, (507002.0 / 2) / (1240003.0 / 4));
    MONEY(w->avg_new_logo_mrr, 5750);
    RATIO(w->cac_payback_months, 1240003.0 / (23000.0 * 0.8));
    /* Closing sums over 2023-06..2024-05 (README table):
     * 66000+65000+73000+73000+4*77000+57000+61000+58000+37000 = 798000;
     * logos 5+4+5+5+4*6+5+6+5+6 = 65.  ARPA = 12276.92 -> 12277. */
    assert_int_equal(w->mrr_months, 798000);
    assert_int_equal(w->logo_months, 65);
    MONEY(w->arpa, 12277);
    /* Opening 66000+66000+65000+73000+73000+4*77000+57000+61000+58000
     * = 827000; lost H 1000 + C 2000 + B 20000 + C 3000 + F 30000. */
    assert_int_equal(w->opening_mrr, 827000);
    assert_int_equal(w->lost_mrr, 56000);
    RATIO(w->gross_revenue_churn_rate, 56000.0 / 827000.0);
    /* LTV = 798000*827000*0.8 / (65*56000) = 145043.08 -> 145043. */
    MONEY(w->ltv, 145043);
    RATIO(w->ltv_to_cac,
          798000.0 * 827000.0 * 0.8 / (65.0 * 56000.0) * 4.0 / 1240003.0);
    assert_true(all_defined(w));
    /* Everything defined: no warning. */
    assert_int_equal(count_rule(&f.diag, "unit-economics-undefined"), 0);
    csm_economics_free(e);
    fix_free(&f);
}

static void test_series(void **state)
{
    (void)state;
    fix f;
    fix_fixture(&f);
    csm_economics *e = run(&f, I_2024_05);
    assert_int_equal(e->n_series, 14);
    /* The opening month has no base month: not loaded. */
    assert_false(e->series[0][0].fits);
    UNDEF(&e->series[0][0], CSM_UE_CAC, CSM_UE_WINDOW_NOT_LOADED);
    /* 2023-08: D new; CAC = 100000 / 1.  Base 2023-07 = A, B, C, F all
     * still active: CRC = 40000 / 4 = 10000. */
    const csm_ue_window *w = &e->series[0][4];
    MONEY(w->cac, 100000);
    MONEY(w->crc, 10000);
    /* 2023-11: no new logo; CRC = 40000 / 6 (A B C D E F) = 6666.67 ->
     * 6667. */
    w = &e->series[0][7];
    assert_false(w->cac.defined);
    UNDEF(w, CSM_UE_CAC, CSM_UE_NO_NEW_LOGOS);
    MONEY(w->crc, 6667);
    /* The series ending at the report month is the headline window. */
    const csm_ue_window *s3 = &e->series[1][I_2024_05];
    assert_int_equal(s3->cac.value, e->current[1].cac.value);
    assert_int_equal(s3->crc.value, e->current[1].crc.value);
    assert_int_equal(s3->ltv.value, e->current[1].ltv.value);
    assert_int_equal(s3->from, e->current[1].from);
    /* A window of n months ending at index k needs its base k - n >= 0:
     * m3 first fits at index 3, m12 at index 12. */
    assert_false(e->series[1][2].fits);
    assert_true(e->series[1][3].fits);
    assert_false(e->series[2][11].fits);
    assert_true(e->series[2][12].fits);
    assert_true(e->series[2][13].fits);
    csm_economics_free(e);
    fix_free(&f);
}

static void test_zero_new_logos(void **state)
{
    (void)state;
    fix f;
    fix_fixture(&f);
    /* Report month 2024-04: only C churns, nobody new. */
    csm_economics *e = run(&f, I_2024_04);
    const csm_ue_window *w = &e->current[0];
    assert_int_equal(w->new_logos, 0);
    /* Costs exist (700.00), CAC does not: null with its reason, never 0. */
    MONEY(w->acquisition_cost, 70000);
    assert_false(w->cac.defined);
    assert_int_equal(w->cac.value, 0);
    UNDEF(w, CSM_UE_CAC, CSM_UE_NO_NEW_LOGOS);
    UNDEF(w, CSM_UE_AVG_NEW_LOGO_MRR, CSM_UE_NO_NEW_LOGOS);
    UNDEF(w, CSM_UE_CAC_PAYBACK, CSM_UE_NO_NEW_LOGOS);
    UNDEF(w, CSM_UE_CRC_TO_CAC, CSM_UE_NO_NEW_LOGOS);
    UNDEF(w, CSM_UE_LTV_TO_CAC, CSM_UE_NO_NEW_LOGOS);
    assert_false(w->crc_to_cac.defined);
    assert_false(w->cac_payback_months.defined);
    assert_false(w->ltv_to_cac.defined);
    /* CRC is fine: base 2024-03 = A C D E F G, retained A D E F G:
     * 45000 / 5 = 9000. */
    MONEY(w->crc, 9000);
    /* LTV defined: closing 58000 / 5 = 11600; churn 3000 / 61000:
     * LTV = 58000*61000*0.8 / (5*3000) = 188693.33 -> 188693. */
    MONEY(w->ltv, 188693);
    /* One warning for the window, naming all five figures. */
    assert_true(has_message(&f.diag, "unit-economics-undefined",
                            "1-month window 2024-04..2024-04: cac, "
                            "crc_to_cac, avg_new_logo_mrr, "
                            "cac_payback_months, ltv_to_cac not defined: "
                            "no new logos in the window"));
    /* m3 (2024-02..2024-04) has G's start: CAC defined.  m12 is
     * 2023-05..2024-04 on base 2023-04, the first loaded month: it fits. */
    assert_true(e->current[1].cac.defined);
    assert_true(e->current[2].fits);
    csm_economics_free(e);
    fix_free(&f);
}

static void test_no_revenue_churn(void **state)
{
    (void)state;
    fix f;
    fix_fixture(&f);
    /* Report month 2024-03: G new, nothing churns or contracts. */
    csm_economics *e = run(&f, I_2024_03);
    const csm_ue_window *w = &e->current[0];
    assert_int_equal(w->lost_mrr, 0);
    /* The rate itself is 0 / 57000 = 0, a real zero... */
    RATIO(w->gross_revenue_churn_rate, 0.0);
    /* ...but LTV would be infinite: null with its reason. */
    assert_false(w->ltv.defined);
    UNDEF(w, CSM_UE_LTV, CSM_UE_NO_REVENUE_CHURN);
    UNDEF(w, CSM_UE_LTV_TO_CAC, CSM_UE_NO_REVENUE_CHURN);
    assert_false(w->ltv_to_cac.defined);
    /* CAC = 120003 / 1 (G). */
    MONEY(w->cac, 120003);
    /* m12 ending 2024-03 starts 2023-04, whose base month 2023-03 is not
     * loaded: the whole window is undefined. */
    const csm_ue_window *y = &e->current[2];
    assert_false(y->fits);
    for (int m = 0; m < CSM_UE_METRIC_COUNT; m++)
        assert_int_equal(y->why[m], CSM_UE_WINDOW_NOT_LOADED);
    assert_true(has_message(&f.diag, "unit-economics-undefined",
                            "ltv, ltv_to_cac not defined: no churned or "
                            "contracted MRR"));
    assert_true(has_message(&f.diag, "unit-economics-undefined",
                            "12-month window 2023-04..2024-03"));
    /* m3 (2024-01..2024-03) holds B's churn, so only m1 and m12 warn. */
    assert_int_equal(count_rule(&f.diag, "unit-economics-undefined"), 2);
    csm_economics_free(e);
    fix_free(&f);
}

static void test_costs_missing_month(void **state)
{
    (void)state;
    fix f;
    fix_fixture(&f);
    /* Drop the 2024-04 row from the loaded costs. */
    csm_dataset *ds = f.ds;
    size_t k = 0;
    while (k < ds->n_costs && ds->costs[k].month != csm_month_from_ym(2024, 4))
        k++;
    assert_true(k < ds->n_costs);
    memmove(&ds->costs[k], &ds->costs[k + 1],
            (ds->n_costs - k - 1) * sizeof *ds->costs);
    ds->n_costs--;
    csm_economics *e = run(&f, I_2024_05);
    /* The month window does not need 2024-04: unchanged. */
    MONEY(e->current[0].cac, 150000);
    for (int i = 1; i < 3; i++) {
        const csm_ue_window *w = &e->current[i];
        /* A partial sum would understate the cost: null instead. */
        assert_false(w->acquisition_cost.defined);
        assert_false(w->retention_cost.defined);
        assert_int_equal(w->cost_months, w->months - 1);
        assert_int_equal(w->n_missing_costs, 1);
        assert_int_equal(w->missing_costs[0], csm_month_from_ym(2024, 4));
        UNDEF(w, CSM_UE_CAC, CSM_UE_COSTS_MISSING);
        UNDEF(w, CSM_UE_CRC, CSM_UE_COSTS_MISSING);
        UNDEF(w, CSM_UE_CRC_TO_CAC, CSM_UE_COSTS_MISSING);
        UNDEF(w, CSM_UE_CAC_PAYBACK, CSM_UE_COSTS_MISSING);
        UNDEF(w, CSM_UE_LTV_TO_CAC, CSM_UE_COSTS_MISSING);
        /* What does not need costs stays. */
        assert_true(w->ltv.defined);
        assert_true(w->arpa.defined);
        assert_true(w->avg_new_logo_mrr.defined);
        char buf[256];
        assert_string_equal(
            csm_ue_reason_text(w, CSM_UE_COSTS_MISSING, buf, sizeof buf),
            "costs.csv has no row for 2024-04");
    }
    MONEY(e->current[1].ltv, 39153);
    assert_true(has_message(&f.diag, "unit-economics-undefined",
                            "3-month window 2024-03..2024-05: "
                            "acquisition_cost, retention_cost, cac, crc, "
                            "crc_to_cac, cac_payback_months, ltv_to_cac not "
                            "defined: costs.csv has no row for 2024-04"));
    assert_int_equal(count_rule(&f.diag, "unit-economics-undefined"), 2);
    csm_economics_free(e);
    fix_free(&f);
}

static void test_zero_costs(void **state)
{
    (void)state;
    fix f;
    fix_fixture(&f);
    for (size_t k = 0; k < f.ds->n_costs; k++)
        f.ds->costs[k].acquisition = f.ds->costs[k].retention = 0;
    csm_economics *e = run(&f, I_2024_05);
    for (int i = 0; i < 3; i++) {
        const csm_ue_window *w = &e->current[i];
        /* Zero spend is a real zero: CAC, CRC and payback are 0. */
        MONEY(w->acquisition_cost, 0);
        MONEY(w->cac, 0);
        MONEY(w->crc, 0);
        RATIO(w->cac_payback_months, 0.0);
        /* A ratio over CAC = 0 is not: null, never inf or 0. */
        assert_false(w->crc_to_cac.defined);
        assert_false(w->ltv_to_cac.defined);
        UNDEF(w, CSM_UE_CRC_TO_CAC, CSM_UE_ZERO_CAC);
        UNDEF(w, CSM_UE_LTV_TO_CAC, CSM_UE_ZERO_CAC);
    }
    assert_int_equal(count_rule(&f.diag, "unit-economics-undefined"), 3);
    assert_true(has_message(&f.diag, "unit-economics-undefined",
                            "crc_to_cac, ltv_to_cac not defined: CAC is 0"));
    csm_economics_free(e);
    fix_free(&f);
}

static void test_no_costs_file(void **state)
{
    (void)state;
    char *dir = copy_fixture(false);
    fix f;
    fix_load(&f, dir);
    assert_false(f.ds->has_costs);
    csm_economics *e = run(&f, I_2024_05);
    assert_false(e->has_costs);
    for (int i = 0; i < 3; i++) {
        const csm_ue_window *w = &e->current[i];
        assert_true(w->fits);
        assert_false(w->acquisition_cost.defined);
        UNDEF(w, CSM_UE_ACQUISITION_COST, CSM_UE_NO_COSTS_FILE);
        UNDEF(w, CSM_UE_RETENTION_COST, CSM_UE_NO_COSTS_FILE);
        UNDEF(w, CSM_UE_CAC, CSM_UE_NO_COSTS_FILE);
        UNDEF(w, CSM_UE_CRC, CSM_UE_NO_COSTS_FILE);
        UNDEF(w, CSM_UE_CRC_TO_CAC, CSM_UE_NO_COSTS_FILE);
        UNDEF(w, CSM_UE_CAC_PAYBACK, CSM_UE_NO_COSTS_FILE);
        UNDEF(w, CSM_UE_LTV_TO_CAC, CSM_UE_NO_COSTS_FILE);
        /* The missing file is not reported as missing months. */
        assert_int_equal(w->n_missing_costs, 0);
        assert_int_equal(w->cost_months, 0);
    }
    MONEY(e->current[0].ltv, 9538);
    assert_int_equal(count_rule(&f.diag, "unit-economics-undefined"), 3);
    csm_economics_free(e);
    fix_free(&f);

    /* End to end: the section is there with has_costs false, nulls and a
     * note per null; the warnings reach data_quality. */
    const char *args[] = {"metrics", "--data", dir, "--json", NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(tu_run(args, &out, &err), 0);
    const char *ue = strstr(out, "\"unit_economics\": {");
    assert_non_null(ue);
    assert_non_null(strstr(ue, "\"has_costs\": false"));
    assert_non_null(strstr(ue, "\"cac\": null"));
    assert_non_null(strstr(ue, "{\"window\": \"m1\", \"metric\": \"cac\", "
                               "\"reason\": \"no_costs_file\", \"message\": "
                               "\"there is no costs.csv\"}"));
    assert_non_null(strstr(out, "{\"rule\": \"unit-economics-undefined\", "
                                "\"severity\": \"warning\", \"count\": 3}"));
    free(out);
    free(err);
    tu_rmtree(dir);
    free(dir);
}

static void test_no_retained_zero_margin(void **state)
{
    (void)state;
    /* X pays 100.00 in Jan and Feb and leaves; Y arrives in March. */
    char *dir = tu_tempdir("econ-retained");
    const char *jan = "customer_id,mrr\nX,100.00\n";
    const char *mar = "customer_id,mrr\nY,50.00\n";
    const char *costs = "month,acquisition_cost,retention_cost\n"
                        "2024-01,0,0\n2024-02,0,0\n2024-03,100.00,30.00\n";
    tu_write(dir, "snapshots/2024-01.csv", jan, strlen(jan));
    tu_write(dir, "snapshots/2024-02.csv", jan, strlen(jan));
    tu_write(dir, "snapshots/2024-03.csv", mar, strlen(mar));
    tu_write(dir, "costs.csv", costs, strlen(costs));
    fix f;
    fix_load(&f, dir);
    f.cfg.gross_margin = 0.0;
    csm_economics *e = run(&f, 2);
    const csm_ue_window *w = &e->current[0];
    /* Base 2024-02 = {X}; X is gone in March: nobody retained. */
    assert_int_equal(w->base_logos, 1);
    assert_int_equal(w->retained_logos, 0);
    assert_false(w->crc.defined);
    UNDEF(w, CSM_UE_CRC, CSM_UE_NO_RETAINED_LOGOS);
    UNDEF(w, CSM_UE_CRC_TO_CAC, CSM_UE_NO_RETAINED_LOGOS);
    /* CAC = 10000 / 1 (Y). */
    MONEY(w->cac, 10000);
    /* Margin 0: payback never happens (null); LTV = 5000 * 0 / (10000 /
     * 10000) = 0, a real zero, and so is LTV:CAC. */
    UNDEF(w, CSM_UE_CAC_PAYBACK, CSM_UE_ZERO_MARGIN);
    assert_false(w->cac_payback_months.defined);
    MONEY(w->ltv, 0);
    RATIO(w->ltv_to_cac, 0.0);
    assert_true(has_message(&f.diag, "unit-economics-undefined",
                            "crc, crc_to_cac not defined: no customer "
                            "active in 2024-02 is still active at the end "
                            "(1 in the base)"));
    assert_true(has_message(&f.diag, "unit-economics-undefined",
                            "cac_payback_months not defined: the gross "
                            "margin is 0"));
    csm_economics_free(e);
    fix_free(&f);
    tu_rmtree(dir);
    free(dir);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    fix f;
    fix_fixture(&f);
    csm_ue_window w;
    assert_int_equal(
        csm_economics_window(f.ds, &f.cfg, f.bridge, 13, 0, &w, NULL),
        CSM_EUSAGE);
    assert_int_equal(
        csm_economics_window(f.ds, &f.cfg, f.bridge, 14, 1, &w, NULL),
        CSM_EUSAGE);
    csm_economics dummy;
    csm_economics *e = &dummy; /* must be reset to NULL */
    assert_int_equal(csm_economics_run(f.ds, &f.cfg, f.bridge, -1, &e, &f.diag),
                     CSM_EUSAGE);
    assert_null(e);
    csm_economics_free(NULL);
    fix_free(&f);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(csm_ue_metric_name(CSM_UE_CAC_PAYBACK),
                        "cac_payback_months");
    assert_string_equal(csm_ue_metric_name(CSM_UE_LTV_TO_CAC), "ltv_to_cac");
    assert_string_equal(csm_ue_reason_name(CSM_UE_NO_NEW_LOGOS),
                        "no_new_logos");
    assert_string_equal(csm_ue_reason_name(CSM_UE_TOO_LARGE), "too_large");
    assert_string_equal(csm_ue_reason_name(CSM_UE_DEFINED), "");
    /* Every metric and reason has its own non-empty name. */
    for (int i = 0; i < CSM_UE_METRIC_COUNT; i++) {
        assert_true(csm_ue_metric_name((csm_ue_metric)i)[0]);
        for (int k = 0; k < i; k++)
            assert_string_not_equal(csm_ue_metric_name((csm_ue_metric)i),
                                    csm_ue_metric_name((csm_ue_metric)k));
    }
    for (int i = 1; i < CSM_UE_REASON_COUNT; i++) {
        assert_true(csm_ue_reason_name((csm_ue_reason)i)[0]);
        for (int k = 1; k < i; k++)
            assert_string_not_equal(csm_ue_reason_name((csm_ue_reason)i),
                                    csm_ue_reason_name((csm_ue_reason)k));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_month_window),
        cmocka_unit_test(test_quarter_window),
        cmocka_unit_test(test_year_window),
        cmocka_unit_test(test_series),
        cmocka_unit_test(test_zero_new_logos),
        cmocka_unit_test(test_no_revenue_churn),
        cmocka_unit_test(test_costs_missing_month),
        cmocka_unit_test(test_zero_costs),
        cmocka_unit_test(test_no_costs_file),
        cmocka_unit_test(test_no_retained_zero_margin),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
