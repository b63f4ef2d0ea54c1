/* MRR bridge and point-to-point retention on hand-checked fixtures.
 *
 * fixtures/hand/basic (see its README) in major units, "-" = no row:
 *
 *   cust  Jan  Feb  Mar  Apr  May   segment     contract_start
 *   A     100  100  150  150  120   SMB         2023-06-01
 *   B     200  200   -    -   200   SMB         2023-02-15
 *   C      50   -    -    -    -    SMB         2023-12-01
 *   D      -    80   80   80   80   Mid-Market  2024-02-01
 *   E      50   50   50   30   30   Mid-Market  2023-03-01 (30+20 subs)
 *   F     300  300  300  300    0   Enterprise  2022-01-10
 *   G      -    -    -    40   40   SMB         2024-04-01
 *   H      10   10   10   10   10   Enterprise  2021-05-01
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/bridge.h"
#include "csmetrics/load.h"
#include "csmetrics/retention.h"
#include "support/testutil.h"

typedef struct expect_month {
    int64_t open, new_, react, exp, contr, churn, fx, close;
    long lopen, lnew, lreact, lexp, lcontr, lchurn, lclose;
} expect_month;

static void check_month(const csm_bridge_month *b, const expect_month *e)
{
    assert_int_equal(b->amount.opening, e->open);
    assert_int_equal(b->amount.new_, e->new_);
    assert_int_equal(b->amount.reactivation, e->react);
    assert_int_equal(b->amount.expansion, e->exp);
    assert_int_equal(b->amount.contraction, e->contr);
    assert_int_equal(b->amount.churn, e->churn);
    assert_int_equal(b->amount.fx, e->fx);
    assert_int_equal(b->amount.closing, e->close);
    assert_int_equal(b->logos.opening, e->lopen);
    assert_int_equal(b->logos.new_, e->lnew);
    assert_int_equal(b->logos.reactivation, e->lreact);
    assert_int_equal(b->logos.expansion, e->lexp);
    assert_int_equal(b->logos.contraction, e->lcontr);
    assert_int_equal(b->logos.churn, e->lchurn);
    assert_int_equal(b->logos.closing, e->lclose);
}

static csm_dataset *load_fixture(const char *rel, const csm_config *cfg)
{
    char *dir = tu_path(rel);
    csm_dataset *ds = NULL;
    csm_diags d = {0};
    csm_error rc = tu_load(dir, cfg, &ds, &d);
    if (rc != CSM_OK)
        csm_diags_print(&d, stderr, CSM_SEV_ERROR, 20);
    assert_int_equal(rc, CSM_OK);
    assert_int_equal(csm_diags_errors(&d), 0);
    csm_diags_free(&d);
    free(dir);
    return ds;
}

static void test_basic_bridge(void **state)
{
    (void)state;
    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_dataset *ds = load_fixture("fixtures/hand/basic", &cfg);
    assert_int_equal(ds->n_months, 5);
    assert_int_equal(ds->n_customers, 8);
    csm_bridge *br = NULL;
    csm_diags d = {0};
    assert_int_equal(csm_bridge_run(ds, &cfg, &br, &d), CSM_OK);
    const expect_month want[5] = {
        /* Jan, opening balance: A100+B200+C50+E50+F300+H10 = 710.00, 6
         * logos; no movements by definition. */
        {71000, 0, 0, 0, 0, 0, 0, 71000, 6, 0, 0, 0, 0, 0, 6},
        /* Feb: D new 80; C churns 50.  710 + 80 - 50 = 740. */
        {71000, 8000, 0, 0, 0, 5000, 0, 74000, 6, 1, 0, 0, 0, 1, 6},
        /* Mar: A expands 100->150 (+50); B churns 200.  740+50-200 = 590. */
        {74000, 0, 0, 5000, 0, 20000, 0, 59000, 6, 0, 0, 1, 0, 1, 5},
        /* Apr: G new 40; E contracts 50->30 (-20).  590+40-20 = 610. */
        {59000, 4000, 0, 0, 2000, 0, 0, 61000, 5, 1, 0, 0, 1, 0, 6},
        /* May: B returns 200 (reactivation: active in Feb, inactive in
         * Apr); A contracts 150->120 (-30); F goes to 0 (churn 300).
         * 610 + 200 - 30 - 300 = 480; logos 6 + 1 - 1 = 6. */
        {61000, 0, 20000, 0, 3000, 30000, 0, 48000, 6, 0, 1, 0, 1, 1, 6},
    };
    for (int m = 0; m < 5; m++)
        check_month(&br->months[m], &want[m]);
    assert_true(br->months[0].opening_balance);
    assert_false(br->months[1].opening_balance);

    /* The May ledger lists A (contraction), B (reactivation), F (churn) in
     * customer order, with signed fx 0 (one currency). */
    csm_customer_move *mv = NULL;
    size_t n = csm_bridge_ledger(ds, &cfg, 4, &mv);
    assert_int_equal(n, 3);
    assert_string_equal(csm_ds_customer_id(ds, mv[0].customer), "A");
    assert_int_equal(mv[0].kind, CSM_MOVE_CONTRACTION);
    assert_int_equal(mv[0].previous, 15000);
    assert_int_equal(mv[0].current, 12000);
    assert_int_equal(mv[0].classified, 3000);
    assert_string_equal(csm_ds_customer_id(ds, mv[1].customer), "B");
    assert_int_equal(mv[1].kind, CSM_MOVE_REACTIVATION);
    assert_string_equal(csm_ds_customer_id(ds, mv[2].customer), "F");
    assert_int_equal(mv[2].kind, CSM_MOVE_CHURN);
    assert_int_equal(mv[2].classified, 30000);
    free(mv);
    csm_bridge_free(br);
    csm_diags_free(&d);
    csm_dataset_free(ds);
}

static void test_reactivation_window(void **state)
{
    (void)state;
    /* B is inactive in Mar and Apr (a gap of 2 months) and returns in May.
     * With reactivation_window_months = 1 that return counts as new. */
    csm_config cfg;
    csm_config_defaults(&cfg);
    cfg.reactivation_window_months = 1;
    csm_dataset *ds = load_fixture("fixtures/hand/basic", &cfg);
    csm_bridge *br = NULL;
    csm_diags d = {0};
    assert_int_equal(csm_bridge_run(ds, &cfg, &br, &d), CSM_OK);
    assert_int_equal(br->months[4].amount.new_, 20000);
    assert_int_equal(br->months[4].amount.reactivation, 0);
    assert_int_equal(br->months[4].logos.new_, 1);
    csm_bridge_free(br);
    /* A window of 2 months is long enough: reactivation again. */
    cfg.reactivation_window_months = 2;
    assert_int_equal(csm_bridge_run(ds, &cfg, &br, &d), CSM_OK);
    assert_int_equal(br->months[4].amount.reactivation, 20000);
    csm_bridge_free(br);
    csm_diags_free(&d);
    csm_dataset_free(ds);
}

static void check_ret(const csm_retention *r, long base, long kept,
                      int64_t base_mrr, int64_t capped, int64_t end)
{
    assert_int_equal(r->base_logos, base);
    assert_int_equal(r->retained_logos, kept);
    assert_int_equal(r->base_mrr, base_mrr);
    assert_int_equal(r->capped_mrr, capped);
    assert_int_equal(r->end_mrr, end);
    assert_true(r->nrr.defined);
    assert_double_equal(r->logo_retention.value, (double)kept / (double)base,
                        1e-15);
    assert_double_equal(r->grr.value, (double)capped / (double)base_mrr, 1e-15);
    assert_double_equal(r->nrr.value, (double)end / (double)base_mrr, 1e-15);
}

static void test_retention(void **state)
{
    (void)state;
    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_dataset *ds = load_fixture("fixtures/hand/basic", &cfg);
    csm_retention_result *r = NULL;
    csm_diags d = {0};
    assert_int_equal(csm_retention_run(ds, &cfg, 4, &r, &d), CSM_OK);
    /* 1 month, Apr -> May.  Base: A150 D80 E30 F300 G40 H10 = 610, 6
     * logos.  In May: A120 D80 E30 F0 G40 H10 -> 5 kept, Σ = 280;
     * capped: min(120,150)=120 + 80 + 30 + 0 + 40 + 10 = 280.
     * logo 5/6, GRR = NRR = 280/610. */
    check_ret(&r->current[0], 6, 5, 61000, 28000, 28000);
    /* 3 months, Feb -> May.  Base: A100 B200 D80 E50 F300 H10 = 740.
     * In May: A120 B200 D80 E30 F0 H10 = 440; capped: 100 + 200 + 80 + 30
     * + 0 + 10 = 420; kept A B D E H = 5.  B churned and came back inside
     * the window: point-to-point counts it as retained. */
    check_ret(&r->current[1], 6, 5, 74000, 42000, 44000);
    assert_double_equal(r->current[1].nrr.value, 44000.0 / 74000.0, 1e-15);
    /* 12 months: the window does not fit in 5 months. */
    assert_int_equal(r->current[2].base_logos, -1);
    /* Series: the 1-month window ending in Feb (Jan -> Feb): base 6 logos
     * 710; C lost: kept 5; end = 100+200+50+300+10 = 660 (D is new, not in
     * the base). */
    check_ret(&r->series[0][1], 6, 5, 71000, 66000, 66000);
    assert_int_equal(r->series[0][0].base_logos, -1);

    /* By segment as of M0 = Apr: Enterprise F300 H10 -> 0 + 10: 1 of 2
     * kept, NRR 10/310; Mid-Market D80 E30 -> 80 + 30: 2/2, NRR 1;
     * SMB A150 G40 -> 120 + 40: 2/2, GRR = NRR = 160/190. */
    const csm_retention_group *g = r->groups[CSM_GROUP_SEGMENT];
    assert_int_equal(r->n_groups[CSM_GROUP_SEGMENT], 3);
    assert_string_equal(g[0].value, "Enterprise");
    check_ret(&g[0].window[0], 2, 1, 31000, 1000, 1000);
    assert_string_equal(g[1].value, "Mid-Market");
    check_ret(&g[1].window[0], 2, 2, 11000, 11000, 11000);
    assert_string_equal(g[2].value, "SMB");
    check_ret(&g[2].window[0], 2, 2, 19000, 16000, 16000);
    /* Signup quarter of F (contract 2022-01-10) is 2022-Q1. */
    const csm_retention_group *q = r->groups[CSM_GROUP_COHORT];
    bool found = false;
    for (size_t i = 0; i < r->n_groups[CSM_GROUP_COHORT]; i++) {
        if (strcmp(q[i].value, "2022-Q1") == 0) {
            check_ret(&q[i].window[0], 1, 0, 30000, 0, 0);
            found = true;
        }
    }
    assert_true(found);
    csm_retention_free(r);
    csm_diags_free(&d);
    csm_dataset_free(ds);
}

static void test_fx_bridge(void **state)
{
    (void)state;
    /* fixtures/hand/fx: rates EUR 1.10 (Jan), 1.20 (Feb), 1.20 (Mar).
     * Jan: X 100 EUR = 110.00, Y 50 EUR = 55.00, Z 10 USD, W 0.05 EUR =
     *   0.055 -> 0.06 (half to even: 5.5 cents -> 6).  Σ = 175.06.
     * Feb: at Feb's rate X 120.00, Y 60.00, W 0.06, Z 10 = 190.06.  At
     *   constant currency (Jan's rate) nothing moved: the +15.00 is all
     *   fx (X +10.00, Y +5.00; W 0.06 both ways), 2 fx logos.
     * Mar: Y 60 EUR: at Feb's rate (1.20, = Mar's) 72.00, up 12.00 from
     *   60.00: expansion 12.00, no fx.  Σ = 202.06. */
    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_dataset *ds = load_fixture("fixtures/hand/fx", &cfg);
    assert_non_null(ds->mrr_alt);
    assert_int_equal(tu_mrr(ds, "W", "2024-01"), 6);
    csm_bridge *br = NULL;
    csm_diags d = {0};
    assert_int_equal(csm_bridge_run(ds, &cfg, &br, &d), CSM_OK);
    const expect_month want[3] = {
        {17506, 0, 0, 0, 0, 0, 0, 17506, 4, 0, 0, 0, 0, 0, 4},
        {17506, 0, 0, 0, 0, 0, 1500, 19006, 4, 0, 0, 0, 0, 0, 4},
        {19006, 0, 0, 1200, 0, 0, 0, 20206, 4, 0, 0, 1, 0, 0, 4},
    };
    for (int m = 0; m < 3; m++)
        check_month(&br->months[m], &want[m]);
    assert_int_equal(br->months[1].logos.fx, 2);
    csm_bridge_free(br);
    /* period_end classifies at M's rate: Feb revalues the opening at 1.20
     * (X 120, Y 60): the same +15.00 fx; Mar unchanged. */
    cfg.fx_policy = CSM_FX_PERIOD_END;
    csm_dataset_free(ds);
    ds = load_fixture("fixtures/hand/fx", &cfg);
    assert_int_equal(csm_bridge_run(ds, &cfg, &br, &d), CSM_OK);
    for (int m = 0; m < 3; m++)
        check_month(&br->months[m], &want[m]);
    csm_bridge_free(br);
    csm_diags_free(&d);
    csm_dataset_free(ds);
}

static void test_fx_rate_change_with_expansion(void **state)
{
    (void)state;
    /* One EUR customer goes 100 -> 110 EUR while the rate goes 1.00 ->
     * 2.00.  prior_month: expansion at Jan's rate = 10.00; fx = 220.00 -
     * 100.00 - 10.00 = 110.00.  period_end: opening revalued at Feb's rate
     * = 200.00, expansion at Feb's rate = 20.00, fx = 200 - 100 = 100.00.
     * Both tie: 100 + 10 + 110 = 100 + 20 + 100 = 220. */
    char *dir = tu_tempdir("fxexp");
    const char fx[] = "month,currency,rate\n2024-01,EUR,1\n2024-02,EUR,2\n";
    const char jan[] = "customer_id,currency,mrr\nQ,EUR,100\n";
    const char feb[] = "customer_id,currency,mrr\nQ,EUR,110\n";
    tu_write(dir, "fx.csv", fx, strlen(fx));
    tu_write(dir, "snapshots/2024-01.csv", jan, strlen(jan));
    tu_write(dir, "snapshots/2024-02.csv", feb, strlen(feb));
    for (int policy = 0; policy < 2; policy++) {
        csm_config cfg;
        csm_config_defaults(&cfg);
        cfg.fx_policy = policy ? CSM_FX_PERIOD_END : CSM_FX_PRIOR_MONTH;
        csm_dataset *ds = NULL;
        csm_diags d = {0};
        assert_int_equal(tu_load(dir, &cfg, &ds, &d), CSM_OK);
        csm_bridge *br = NULL;
        assert_int_equal(csm_bridge_run(ds, &cfg, &br, &d), CSM_OK);
        assert_int_equal(br->months[1].amount.expansion, policy ? 2000 : 1000);
        assert_int_equal(br->months[1].amount.fx, policy ? 10000 : 11000);
        assert_int_equal(br->months[1].amount.closing, 22000);
        csm_bridge_free(br);
        csm_dataset_free(ds);
        csm_diags_free(&d);
    }
    tu_rmtree(dir);
    free(dir);
}

static void test_past_due_policy(void **state)
{
    (void)state;
    /* P is 45 days past due in Feb.  With past_due_churn_days = 30 it is
     * inactive in Feb (churn 50.00) and back in Mar (reactivation); the
     * excluded 50.00 is reported, and the bridge still ties to the
     * snapshot total minus the exclusion. */
    char *dir = tu_tempdir("pastdue");
    const char h[] = "customer_id,mrr,days_past_due\n";
    char buf[256];
    snprintf(buf, sizeof buf, "%sP,50,0\nQ,10,\n", h);
    tu_write(dir, "snapshots/2024-01.csv", buf, strlen(buf));
    snprintf(buf, sizeof buf, "%sP,50,45\nQ,10,\n", h);
    tu_write(dir, "snapshots/2024-02.csv", buf, strlen(buf));
    snprintf(buf, sizeof buf, "%sP,50,0\nQ,10,\n", h);
    tu_write(dir, "snapshots/2024-03.csv", buf, strlen(buf));
    csm_config cfg;
    csm_config_defaults(&cfg);
    cfg.past_due_churn_days = 30;
    csm_dataset *ds = NULL;
    csm_diags d = {0};
    assert_int_equal(tu_load(dir, &cfg, &ds, &d), CSM_OK);
    assert_int_equal(ds->month_excluded[1], 5000);
    csm_bridge *br = NULL;
    assert_int_equal(csm_bridge_run(ds, &cfg, &br, &d), CSM_OK);
    assert_int_equal(br->months[1].amount.churn, 5000);
    assert_int_equal(br->months[1].amount.closing, 1000);
    assert_int_equal(br->months[2].amount.reactivation, 5000);
    csm_bridge_free(br);
    csm_dataset_free(ds);
    /* Off (the default): no movement at all. */
    cfg.past_due_churn_days = -1;
    assert_int_equal(tu_load(dir, &cfg, &ds, &d), CSM_OK);
    assert_int_equal(csm_bridge_run(ds, &cfg, &br, &d), CSM_OK);
    assert_int_equal(br->months[1].amount.churn, 0);
    csm_bridge_free(br);
    csm_dataset_free(ds);
    csm_diags_free(&d);
    tu_rmtree(dir);
    free(dir);
}

static void test_periods_playbook(void **state)
{
    (void)state;
    /* The public dbt mrr-playbook periods (../shared/data): the month
     * before the earliest start (2017-09-01) is the empty opening month
     * 2017-08; the last month is that of the latest date (2020-02).  In
     * 2017-09 every active customer is new.  Figures cross-checked with a
     * separate Python recomputation of the playbook convention. */
    const char *dir = "../shared/data/mrr-playbook";
    char *root = tu_path(dir);
    FILE *probe =
        fopen("/work/shared/data/mrr-playbook/subscriptions.csv", "r");
    if (!probe) {
        printf("SKIP: mrr-playbook data not present\n");
        free(root);
        return;
    }
    fclose(probe);
    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_dataset *ds = NULL;
    csm_diags d = {0};
    assert_int_equal(tu_load("/work/shared/data/mrr-playbook", &cfg, &ds, &d),
                     CSM_OK);
    assert_int_equal(ds->source, CSM_SOURCE_PERIODS);
    char mb[CSM_DATE_BUFSZ];
    assert_string_equal(csm_month_format(ds->first_month, mb), "2017-08");
    assert_int_equal(ds->n_months, 31);
    assert_int_equal(ds->n_customers, 55);
    csm_bridge *br = NULL;
    assert_int_equal(csm_bridge_run(ds, &cfg, &br, &d), CSM_OK);
    assert_int_equal(br->months[0].amount.closing, 0);
    assert_int_equal(br->months[1].amount.opening, 0);
    assert_int_equal(br->months[1].amount.new_, br->months[1].amount.closing);
    assert_int_equal(br->months[1].amount.reactivation, 0);
    /* 2019-12, checked against the independent recomputation. */
    const csm_bridge_month *dec = &br->months[28];
    assert_string_equal(csm_month_format(dec->month, mb), "2019-12");
    assert_int_equal(dec->amount.opening, 184000);
    assert_int_equal(dec->amount.new_, 10000);
    assert_int_equal(dec->amount.expansion, 5000);
    assert_int_equal(dec->amount.contraction, 3000);
    assert_int_equal(dec->amount.churn, 70500);
    assert_int_equal(dec->amount.closing, 125500);
    csm_bridge_free(br);
    csm_dataset_free(ds);
    csm_diags_free(&d);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_bridge),
        cmocka_unit_test(test_reactivation_window),
        cmocka_unit_test(test_retention),
        cmocka_unit_test(test_fx_bridge),
        cmocka_unit_test(test_fx_rate_change_with_expansion),
        cmocka_unit_test(test_past_due_policy),
        cmocka_unit_test(test_periods_playbook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
