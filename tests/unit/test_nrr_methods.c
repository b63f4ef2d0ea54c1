/* Unit tests of compute/nrr_methods: movement-sum NRR beside
 * point-to-point NRR, the decomposition of their difference, and the quick
 * ratio.  Hand fixture: fixtures/hand/nrr_methods (README there). */
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
#include "csmetrics/nrr_methods.h"
#include "csmetrics/retention.h"
#include "csmetrics/xalloc.h"
#include "support/testutil.h"

#define EPS 1e-12

typedef struct run {
    csm_dataset *ds;
    csm_bridge *bridge;
    csm_nrr_methods *r;
    csm_diags diag;
    csm_config cfg;
} run;

/* Loads dir (relative to the source tree when rel) and computes the
 * methods for report month index `report` (-1 = last month). */
static void run_dir(run *x, const char *dir, bool rel, int report,
                    const csm_config *cfg)
{
    memset(x, 0, sizeof *x);
    if (cfg)
        x->cfg = *cfg;
    else
        csm_config_defaults(&x->cfg);
    char *path = rel ? tu_path(dir) : csm_xstrdup(dir);
    assert_int_equal(tu_load(path, &x->cfg, &x->ds, &x->diag), CSM_OK);
    free(path);
    assert_int_equal(csm_bridge_run(x->ds, &x->cfg, &x->bridge, &x->diag),
                     CSM_OK);
    if (report < 0)
        report = x->ds->n_months - 1;
    assert_int_equal(
        csm_nrr_methods_run(x->ds, &x->cfg, x->bridge, report, &x->r, &x->diag),
        CSM_OK);
}

static void run_free(run *x)
{
    csm_nrr_methods_free(x->r);
    csm_bridge_free(x->bridge);
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

static double component_sum(const csm_nrr_components *c)
{
    return c->fx.value + c->churned_and_returned.value +
           c->returned_from_before.value + c->won_in_window.value +
           c->monthly_openings.value;
}

/* The properties every window must have, whatever the data: P2P equals
 * the retention module's NRR, the movement sum equals the bridge lines,
 * and the components add up to the difference. */
static void check_window(const run *x, int report, const csm_nrr_window *w)
{
    if (!w->fits) {
        assert_false(w->p2p_nrr.defined);
        assert_false(w->movement_nrr.defined);
        assert_false(w->difference.defined);
        return;
    }
    int m0 = report - w->window;
    csm_retention ret = csm_retention_window(x->ds, m0, report);
    assert_int_equal(w->base_mrr, ret.base_mrr);
    assert_int_equal(w->end_mrr, ret.end_mrr);
    assert_int_equal(w->base_logos, ret.base_logos);
    assert_int_equal(w->p2p_nrr.defined, ret.nrr.defined);
    if (ret.nrr.defined)
        assert_true(w->p2p_nrr.value == ret.nrr.value);
    /* Recompute the movement sum from the bridge lines independently:
     * closing - new - fx is opening + expansion + reactivation -
     * contraction - churn. */
    int64_t num = 0, den = 0;
    for (int k = m0 + 1; k <= report; k++) {
        const csm_bridge_amounts *a = &x->bridge->months[k].amount;
        num += a->closing - a->new_ - a->fx;
        den += a->opening;
    }
    assert_int_equal(w->retained_sum, num);
    assert_int_equal(w->opening_sum, den);
    long logos = 0;
    int64_t open = 0, kept = 0;
    for (int g = 0; g < CSM_NRR_GROUPS; g++) {
        open += w->group[g].opening_sum;
        kept += w->group[g].retained_sum;
        if (g <= CSM_NRR_RETURNED_BASE)
            logos += w->group[g].logos;
    }
    assert_int_equal(open, den);
    assert_int_equal(kept, num);
    assert_int_equal(logos, w->base_logos);
    if (w->p2p_nrr.defined && w->movement_nrr.defined) {
        assert_true(w->difference.defined);
        assert_near(w->difference.value,
                    w->movement_nrr.value - w->p2p_nrr.value);
        assert_near(component_sum(&w->components), w->difference.value);
    } else {
        assert_false(w->difference.defined);
        assert_false(w->components.fx.defined);
        assert_false(w->components.won_in_window.defined);
    }
}

/* ------------------------------------------------------------------ */

/* fixtures/hand/nrr_methods, report month 2024-05 (index 4).  MRR in
 * dollars (EUR customer F at the month's rate: 1.00, 1.00, 1.10, 1.10,
 * 1.20 USD per EUR):
 *
 *        Jan  Feb  Mar  Apr  May
 *   A    100  100  150  150  150   base, expands in Mar
 *   B    200  200    -    -    -   base, churns in Mar
 *   C    100  100    -  100  100   base, churns in Mar, back in Apr
 *   D     50    -    -   50   50   gone before Feb, back in Apr
 *   E      -    -  100  100  250   new in Mar, expands in May
 *   F    100  100  110  110  120   EUR 100 flat: only fx moves
 *
 * Bridge (constant currency at M-1's rate, fx = the rest):
 *   Mar: opening 500, new 100 (E), expansion 50 (A), churn 300 (B, C),
 *        fx 10 (F), closing 360
 *   Apr: opening 360, reactivation 150 (C 100, D 50), closing 510
 *   May: opening 510, expansion 150 (E), fx 10 (F), closing 670 */
static void test_three_months(void **state)
{
    (void)state;
    run x;
    run_dir(&x, "fixtures/hand/nrr_methods", true, -1, NULL);
    const csm_nrr_window *w = &x.r->window[1];
    assert_true(w->fits);
    assert_int_equal(w->window, 3);
    char b[CSM_DATE_BUFSZ];
    assert_string_equal(csm_month_format(w->from, b), "2024-02");
    assert_string_equal(csm_month_format(w->to, b), "2024-05");

    /* Point to point: base = active in Feb = A, B, C, F = 100+200+100+100
     * = 500; their May MRR 150+0+100+120 = 370; NRR = 370/500 = 0.74. */
    assert_int_equal(w->base_logos, 4);
    assert_int_equal(w->base_mrr, 50000);
    assert_int_equal(w->end_mrr, 37000);
    assert_ratio(w->p2p_nrr, 0.74);

    /* Movement sum over Mar, Apr, May:
     *   openings 500 + 360 + 510 = 1370
     *   expansion 50 + 150 = 200, reactivation 150, churn 300
     *   numerator 1370 + 200 + 150 - 300 = 1420
     *   NRR = 1420 / 1370 = 1.0364963503649636
     * New (E's 100) and fx (20) are left out. */
    assert_int_equal(w->opening_sum, 137000);
    assert_int_equal(w->expansion, 20000);
    assert_int_equal(w->reactivation, 15000);
    assert_int_equal(w->contraction, 0);
    assert_int_equal(w->churn, 30000);
    assert_int_equal(w->retained_sum, 142000);
    assert_int_equal(w->new_excluded, 10000);
    assert_int_equal(w->fx_excluded, 2000);
    assert_ratio(w->movement_nrr, 1420.0 / 1370.0);

    /* Window start: (500 + 200 + 150 - 300) / 500 = 550 / 500 = 1.1. */
    assert_int_equal(w->window_opening, 50000);
    assert_ratio(w->window_start_nrr, 1.1);

    /* The methods disagree by 1.0365 - 0.74 = 0.2965. */
    assert_ratio(w->difference, 1420.0 / 1370.0 - 0.74);

    /* Per customer over Mar..May, opening_sum = Σ MRR_{k-1} while active
     * in k-1; retained_sum = Σ (MRR_k - fx_k - new_k):
     *   A: open 100+150+150 = 400, kept 150+150+150 = 450
     *   B: open 200,               kept 0 (churn)
     *   F: open 100+110+110 = 320, kept (110-10)+110+(120-10) = 320,
     *      fx 20
     *   C: open 100+0+100 = 200,   kept 0+100+100 = 200 (returned base)
     *   D: open 0+50 = 50,         kept 50+50 = 100 (returned other)
     *   E: open 0+100+100 = 200,   kept 0+100+250 = 350 (won)
     * Steady base {A, B, F}: base 400, end 150+0+120 = 270. */
    const csm_nrr_group_sums *S = &w->group[CSM_NRR_STEADY_BASE];
    assert_int_equal(S->logos, 3);
    assert_int_equal(S->base_mrr, 40000);
    assert_int_equal(S->end_mrr, 27000);
    assert_int_equal(S->base_fx, 2000);
    assert_int_equal(S->opening_sum, 92000);
    assert_int_equal(S->retained_sum, 77000);
    const csm_nrr_group_sums *RB = &w->group[CSM_NRR_RETURNED_BASE];
    assert_int_equal(RB->logos, 1);
    assert_int_equal(RB->base_mrr, 10000);
    assert_int_equal(RB->end_mrr, 10000);
    assert_int_equal(RB->opening_sum, 20000);
    assert_int_equal(RB->retained_sum, 20000);
    const csm_nrr_group_sums *RO = &w->group[CSM_NRR_RETURNED_OTHER];
    assert_int_equal(RO->logos, 1);
    assert_int_equal(RO->base_mrr, 0);
    assert_int_equal(RO->opening_sum, 5000);
    assert_int_equal(RO->retained_sum, 10000);
    const csm_nrr_group_sums *W = &w->group[CSM_NRR_WON];
    assert_int_equal(W->logos, 1);
    assert_int_equal(W->opening_sum, 20000);
    assert_int_equal(W->retained_sum, 35000);

    /* The chain:
     *   s0 = 370/500 = 0.74                      P2P
     *   s1 = (370-20)/500 = 0.70                 constant currency
     *   s2 = (270-20)/400 = 0.625                steady base only
     *   s3 = 770/920                             MS, steady base
     *   s3b = (770+200)/(920+200) = 970/1120     + C
     *   s4 = (970+100)/(1120+50) = 1070/1170     + D
     *   s5 = (1070+350)/(1170+200) = 1420/1370   + E = MS
     * fx = s1-s0 = -0.04
     * churned_and_returned = (s2-s1) + (s3b-s3) = -0.075 + (970/1120 -
     *   770/920): taking C out of P2P lowers it more than adding C back
     *   into the movement sum raises it.
     * monthly_openings = s3 - s2 = 770/920 - 0.625
     * returned_from_before = 1070/1170 - 970/1120
     * won_in_window = 1420/1370 - 1070/1170 */
    const csm_nrr_components *c = &w->components;
    assert_ratio(c->fx, -0.04);
    assert_ratio(c->churned_and_returned,
                 -0.075 + (970.0 / 1120.0 - 770.0 / 920.0));
    assert_ratio(c->monthly_openings, 770.0 / 920.0 - 0.625);
    assert_ratio(c->returned_from_before, 1070.0 / 1170.0 - 970.0 / 1120.0);
    assert_ratio(c->won_in_window, 1420.0 / 1370.0 - 1070.0 / 1170.0);
    /* ... and they add up to the difference. */
    assert_near(component_sum(c), w->difference.value);
    check_window(&x, 4, w);
    run_free(&x);
}

/* One month, Apr -> May: base = everyone active in Apr (A, C, D, E, F:
 * 150+100+50+100+110 = 510); May MRR 150+100+50+250+120 = 670.
 * P2P = 670/510; movement sum = (510 + 150)/510 = 660/510.  The only
 * difference is F's fx of 10 in May: -10/510.  Nobody returned or was
 * won inside a one-month window, and with one month the openings are the
 * base, so every other component is 0. */
static void test_one_month(void **state)
{
    (void)state;
    run x;
    run_dir(&x, "fixtures/hand/nrr_methods", true, -1, NULL);
    const csm_nrr_window *w = &x.r->window[0];
    assert_true(w->fits);
    assert_int_equal(w->base_mrr, 51000);
    assert_int_equal(w->end_mrr, 67000);
    assert_ratio(w->p2p_nrr, 670.0 / 510.0);
    assert_ratio(w->movement_nrr, 660.0 / 510.0);
    assert_ratio(w->window_start_nrr, 660.0 / 510.0);
    assert_ratio(w->difference, -10.0 / 510.0);
    assert_ratio(w->components.fx, -10.0 / 510.0);
    assert_ratio(w->components.churned_and_returned, 0.0);
    assert_ratio(w->components.returned_from_before, 0.0);
    assert_ratio(w->components.won_in_window, 0.0);
    assert_ratio(w->components.monthly_openings, 0.0);
    assert_int_equal(w->group[CSM_NRR_STEADY_BASE].logos, 5);
    check_window(&x, 4, w);
    /* Twelve months do not fit in five. */
    assert_false(x.r->window[2].fits);
    check_window(&x, 4, &x.r->window[2]);
    run_free(&x);
}

/* Quick ratio per month on the same fixture:
 *   Jan  opening balance: no movements, undefined
 *   Feb  D churns 50: gains 0, losses 50 -> 0 (defined: a real zero)
 *   Mar  new 100 + expansion 50 = 150 vs churn 300 -> 0.5
 *   Apr  reactivation 150 vs 0 -> undefined (not infinite)
 *   May  expansion 150 vs 0 -> undefined
 * Twelve trailing months never fit in five. */
static void test_quick_ratio(void **state)
{
    (void)state;
    run x;
    run_dir(&x, "fixtures/hand/nrr_methods", true, -1, NULL);
    const csm_quick_ratio_month *q = x.r->quick;
    assert_int_equal(x.r->n_months, 5);
    assert_true(q[0].opening_balance);
    assert_false(q[0].quick_ratio.defined);
    assert_int_equal(q[1].gains, 0);
    assert_int_equal(q[1].losses, 5000);
    assert_ratio(q[1].quick_ratio, 0.0);
    assert_int_equal(q[2].gains, 15000);
    assert_int_equal(q[2].losses, 30000);
    assert_ratio(q[2].quick_ratio, 0.5);
    assert_int_equal(q[3].gains, 15000);
    assert_int_equal(q[3].losses, 0);
    assert_false(q[3].quick_ratio.defined);
    assert_false(q[4].quick_ratio.defined);
    for (int k = 0; k < 5; k++) {
        assert_false(q[k].t12_fits);
        assert_false(q[k].quick_ratio_t12.defined);
    }
    run_free(&x);
}

static void write_month(const char *dir, int year, int mon, const char *rows)
{
    char name[64], body[1024];
    snprintf(name, sizeof name, "snapshots/%04d-%02d.csv", year, mon);
    snprintf(body, sizeof body, "customer_id,mrr\n%s", rows);
    tu_write(dir, name, body, strlen(body));
}

/* Trailing twelve months, on 14 months 2023-01 .. 2024-02 (index 0..13)
 * written here:
 *   A 100, expands to 150 at index 6         gain 50 at 6
 *   B 200 at index 0, churns at 1, back at 13  loss 200 at 1, gain 200
 *   C new at index 12 with 30                 gain 30 at 12
 *   D 80, contracts to 60 at index 1          loss 20 at 1
 * Index 12 (2024-01) sums months 1..12: gains 50+30 = 80, losses
 * 20+200 = 220 -> 80/220.  Index 13 sums 2..13: gains 50+30+200 = 280,
 * losses 0 -> undefined.  Index 11 has no month 11-12: does not fit. */
static void test_quick_ratio_t12(void **state)
{
    (void)state;
    char *dir = tu_tempdir("qr12");
    for (int k = 0; k < 14; k++) {
        char rows[256] = "";
        size_t n = 0;
        n += (size_t)snprintf(rows + n, sizeof rows - n, "A,%d\n",
                              k >= 6 ? 150 : 100);
        if (k == 0 || k == 13)
            n += (size_t)snprintf(rows + n, sizeof rows - n, "B,200\n");
        if (k >= 12)
            n += (size_t)snprintf(rows + n, sizeof rows - n, "C,30\n");
        snprintf(rows + n, sizeof rows - n, "D,%d\n", k >= 1 ? 60 : 80);
        write_month(dir, 2023 + k / 12, k % 12 + 1, rows);
    }
    run x;
    run_dir(&x, dir, false, -1, NULL);
    const csm_quick_ratio_month *q = x.r->quick;
    assert_int_equal(x.r->n_months, 14);
    assert_int_equal(q[1].gains, 0);
    assert_int_equal(q[1].losses, 22000);
    assert_false(q[11].t12_fits);
    assert_false(q[11].quick_ratio_t12.defined);
    assert_true(q[12].t12_fits);
    assert_int_equal(q[12].gains_t12, 8000);
    assert_int_equal(q[12].losses_t12, 22000);
    assert_ratio(q[12].quick_ratio_t12, 80.0 / 220.0);
    assert_true(q[13].t12_fits);
    assert_int_equal(q[13].gains_t12, 28000);
    assert_int_equal(q[13].losses_t12, 0);
    assert_false(q[13].quick_ratio_t12.defined);
    /* Twelve-month window of the NRR methods fits at index 13 too. */
    assert_true(x.r->window[2].fits);
    check_window(&x, 13, &x.r->window[2]);
    run_free(&x);
    tu_rmtree(dir);
    free(dir);
}

/* Edge cases, on four months written here.
 * Empty base: Jan has only an inactive row; A is new in Feb with 100,
 * then 120, 120.  Three months to Apr: no base, so P2P is undefined and
 * so are the difference and every component, while the movement sum is
 * (0 + 120 + 120) / (0 + 100 + 120) = 240/220 (new business excluded).
 * One month to Apr: P2P = MS = 120/120 = 1, every component 0. */
static void test_empty_base(void **state)
{
    (void)state;
    char *dir = tu_tempdir("nrr-empty");
    write_month(dir, 2024, 1, "Z,0\n");
    write_month(dir, 2024, 2, "A,100\n");
    write_month(dir, 2024, 3, "A,120\n");
    write_month(dir, 2024, 4, "A,120\n");
    run x;
    run_dir(&x, dir, false, -1, NULL);
    const csm_nrr_window *w3 = &x.r->window[1];
    assert_true(w3->fits);
    assert_int_equal(w3->base_logos, 0);
    assert_false(w3->p2p_nrr.defined);
    assert_ratio(w3->movement_nrr, 240.0 / 220.0);
    assert_false(w3->difference.defined);
    assert_false(w3->components.fx.defined);
    assert_false(w3->components.monthly_openings.defined);
    assert_int_equal(w3->group[CSM_NRR_WON].logos, 1);
    check_window(&x, 3, w3);
    const csm_nrr_window *w1 = &x.r->window[0];
    assert_ratio(w1->p2p_nrr, 1.0);
    assert_ratio(w1->movement_nrr, 1.0);
    assert_ratio(w1->difference, 0.0);
    assert_ratio(w1->components.won_in_window, 0.0);
    check_window(&x, 3, w1);
    run_free(&x);
    tu_rmtree(dir);
    free(dir);
}

/* Every base customer left and came back: A 100 in Jan, 0 in Feb, 100 in
 * Mar, 130 in Apr.  Three months to Apr: P2P = 130/100 = 1.3.  Movement
 * sum: Feb open 100 kept 0 (churn), Mar open 0 kept 100 (reactivation),
 * Apr open 100 kept 130 -> 230/200 = 1.15.  There is no steady base, so
 * the monthly-openings step does not exist (0) and the whole difference,
 * 1.15 - 1.3 = -0.15, is churned_and_returned. */
static void test_all_base_returned(void **state)
{
    (void)state;
    char *dir = tu_tempdir("nrr-ret");
    write_month(dir, 2024, 1, "A,100\n");
    write_month(dir, 2024, 2, "A,0\n");
    write_month(dir, 2024, 3, "A,100\n");
    write_month(dir, 2024, 4, "A,130\n");
    run x;
    run_dir(&x, dir, false, -1, NULL);
    const csm_nrr_window *w = &x.r->window[1];
    assert_ratio(w->p2p_nrr, 1.3);
    assert_ratio(w->movement_nrr, 1.15);
    assert_int_equal(w->group[CSM_NRR_STEADY_BASE].logos, 0);
    assert_int_equal(w->group[CSM_NRR_RETURNED_BASE].logos, 1);
    assert_ratio(w->components.monthly_openings, 0.0);
    assert_ratio(w->components.fx, 0.0);
    assert_ratio(w->components.churned_and_returned, 1.15 - 1.3);
    assert_ratio(w->components.returned_from_before, 0.0);
    assert_ratio(w->components.won_in_window, 0.0);
    check_window(&x, 3, w);
    run_free(&x);
    tu_rmtree(dir);
    free(dir);
}

/* The identities hold for every report month of every hand fixture, under
 * both fx policies (period_end classifies at M's rate, which moves amounts
 * between the movement lines and fx). */
static void test_identities_everywhere(void **state)
{
    (void)state;
    const char *dirs[] = {"fixtures/hand/basic", "fixtures/hand/fx",
                          "fixtures/hand/nrr_methods",
                          "fixtures/hand/renewals"};
    for (int pol = 0; pol < 2; pol++) {
        csm_config cfg;
        csm_config_defaults(&cfg);
        cfg.fx_policy = pol ? CSM_FX_PERIOD_END : CSM_FX_PRIOR_MONTH;
        for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
            run x;
            run_dir(&x, dirs[i], true, 0, &cfg);
            int n = x.ds->n_months;
            csm_nrr_methods_free(x.r);
            x.r = NULL;
            for (int rep = 0; rep < n; rep++) {
                assert_int_equal(csm_nrr_methods_run(x.ds, &x.cfg, x.bridge,
                                                     rep, &x.r, &x.diag),
                                 CSM_OK);
                for (int w = 0; w < CSM_RETENTION_WINDOWS; w++)
                    check_window(&x, rep, &x.r->window[w]);
                csm_nrr_methods_free(x.r);
                x.r = NULL;
            }
            run_free(&x);
        }
    }
}

/* The JSON of a run carries both keys, with null for what is undefined. */
static void test_json(void **state)
{
    (void)state;
    char *data = tu_path("fixtures/hand/nrr_methods");
    const char *args[] = {"metrics", "--data", data, "--json", NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(tu_run(args, &out, &err), 0);
    assert_non_null(strstr(out, "\"retention_methods\": {"));
    assert_non_null(strstr(out, "\"m12\": null"));
    assert_non_null(strstr(out, "\"quick_ratio\": {"));
    assert_non_null(strstr(out, "\"movement_sum\": {\"opening_sum\": "
                                "137000"));
    assert_non_null(strstr(out, "{\"month\": \"2024-04\", \"gains\": 15000, "
                                "\"losses\": 0, \"quick_ratio\": null"));
    free(out);
    free(err);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_months),
        cmocka_unit_test(test_one_month),
        cmocka_unit_test(test_quick_ratio),
        cmocka_unit_test(test_quick_ratio_t12),
        cmocka_unit_test(test_empty_base),
        cmocka_unit_test(test_all_base_returned),
        cmocka_unit_test(test_identities_everywhere),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
