/* Properties that must hold on any data: checked on generated data sets of
 * several seeds and sizes.
 *  - the bridge identity every month (csm_bridge_run fails otherwise) and
 *    closing = Σ of the data set's MRR, to the cent;
 *  - logos: closing = opening + new + reactivation - churn;
 *  - retention: GRR <= 1, NRR >= GRR, logo retention in [0, 1], retained
 *    logos <= base logos, for every window of every month;
 *  - a random periods file, imported to snapshots and loaded again, gives
 *    the same bridge and retention as the periods file itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/bridge.h"
#include "csmetrics/export.h"
#include "csmetrics/load.h"
#include "csmetrics/retention.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/synth.h"
#include "csmetrics/xalloc.h"
#include "support/testutil.h"

static void check_invariants(const csm_dataset *ds, const csm_config *cfg)
{
    csm_diags d = {0};
    csm_bridge *br = NULL;
    assert_int_equal(csm_bridge_run(ds, cfg, &br, &d), CSM_OK);
    for (int m = 0; m < ds->n_months; m++) {
        const csm_bridge_month *b = &br->months[m];
        int64_t sum = 0;
        long active = 0;
        for (size_t c = 0; c < ds->n_customers; c++) {
            sum += ds->mrr[m][c];
            active += ds->mrr[m][c] > 0;
        }
        assert_int_equal(b->amount.closing, sum);
        assert_int_equal(b->logos.closing, active);
        if (m > 0) {
            assert_int_equal(b->amount.opening,
                             br->months[m - 1].amount.closing);
            assert_int_equal(b->logos.closing,
                             b->logos.opening + b->logos.new_ +
                                 b->logos.reactivation - b->logos.churn);
            assert_int_equal(b->amount.closing,
                             b->amount.opening + b->amount.new_ +
                                 b->amount.reactivation + b->amount.expansion -
                                 b->amount.contraction - b->amount.churn +
                                 b->amount.fx);
            assert_true(b->amount.new_ >= 0 && b->amount.churn >= 0 &&
                        b->amount.expansion >= 0 && b->amount.contraction >= 0);
        }
    }
    csm_retention_result *r = NULL;
    assert_int_equal(csm_retention_run(ds, cfg, ds->n_months - 1, &r, &d),
                     CSM_OK);
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++) {
        for (int k = 0; k < ds->n_months; k++) {
            const csm_retention *x = &r->series[w][k];
            if (x->base_logos <= 0)
                continue;
            assert_true(x->retained_logos <= x->base_logos);
            assert_true(x->capped_mrr <= x->base_mrr);
            assert_true(x->capped_mrr <= x->end_mrr);
            assert_true(x->grr.value <= 1.0);
            assert_true(x->nrr.value >= x->grr.value);
            assert_true(x->logo_retention.value >= 0.0 &&
                        x->logo_retention.value <= 1.0);
        }
    }
    csm_retention_free(r);
    csm_bridge_free(br);
    csm_diags_free(&d);
}

static void test_synth_invariants(void **state)
{
    (void)state;
    const struct {
        size_t customers;
        int months;
        uint64_t seed;
    } sets[] = {{60, 14, 1}, {300, 26, 2}, {1000, 37, 3}, {25, 60, 4}};
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++) {
        char *dir = tu_tempdir("prop");
        csm_synth_options so = {.customers = sets[i].customers,
                                .months = sets[i].months,
                                .seed = sets[i].seed};
        csm_diags d = {0};
        assert_int_equal(csm_synth_run(&so, dir, &d), CSM_OK);
        for (int policy = 0; policy < 2; policy++) {
            csm_config cfg;
            csm_config_defaults(&cfg);
            cfg.fx_policy = policy ? CSM_FX_PERIOD_END : CSM_FX_PRIOR_MONTH;
            cfg.reactivation_window_months = policy ? 3 : -1;
            cfg.past_due_churn_days = policy ? 45 : -1;
            csm_dataset *ds = NULL;
            assert_int_equal(tu_load(dir, &cfg, &ds, &d), CSM_OK);
            assert_int_equal(ds->n_months, sets[i].months);
            check_invariants(ds, &cfg);
            csm_dataset_free(ds);
        }
        csm_diags_free(&d);
        tu_rmtree(dir);
        free(dir);
    }
}

/* A small xorshift generator for random periods files. */
static uint64_t rng_state;
static uint64_t next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static int pick(int n)
{
    return (int)(next() % (uint64_t)n);
}

static char *random_periods(uint64_t seed, int customers)
{
    rng_state = seed * 2654435761u + 1;
    csm_strbuf b = {0};
    csm_strbuf_puts(&b, "subscription_id,customer_id,start_date,end_date,"
                        "monthly_amount\n");
    int sub = 1;
    for (int c = 0; c < customers; c++) {
        int periods = 1 + pick(3);
        int y = 2020, m = 1 + pick(24); /* months from 2020-01 */
        for (int p = 0; p < periods; p++) {
            int len = 1 + pick(14);
            int sy = y + (m - 1) / 12, sm = (m - 1) % 12 + 1;
            /* Starts on the 1st or mid-month; ends exclusive. */
            int sd = pick(3) == 0 ? 15 : 1;
            int e = m + len;
            int ey = y + (e - 1) / 12, em = (e - 1) % 12 + 1;
            bool open = p == periods - 1 && pick(3) == 0;
            csm_strbuf_printf(&b, "%d,cust%d,%04d-%02d-%02d,", sub++, c, sy, sm,
                              sd);
            if (!open)
                csm_strbuf_printf(&b, "%04d-%02d-01", ey, em);
            csm_strbuf_printf(&b, ",%d.%02d\n", 10 + pick(500), pick(100));
            m = e + pick(5); /* a gap before the next period, maybe none */
        }
    }
    return csm_strbuf_take(&b);
}

static void test_periods_roundtrip(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        char *dir = tu_tempdir("periods");
        char *text = random_periods(seed, 20 + (int)seed * 15);
        tu_write(dir, "subscriptions.csv", text, strlen(text));
        free(text);
        csm_config cfg;
        csm_config_defaults(&cfg);
        csm_diags d = {0};
        csm_dataset *a = NULL, *b = NULL;
        assert_int_equal(tu_load(dir, &cfg, &a, &d), CSM_OK);
        check_invariants(a, &cfg);
        char *out = csm_xasprintf("%s/imported", dir);
        assert_int_equal(csm_export_snapshots(a, out, &d), CSM_OK);
        assert_int_equal(tu_load(out, &cfg, &b, &d), CSM_OK);
        assert_int_equal(a->n_months, b->n_months);
        assert_int_equal(a->first_month, b->first_month);
        csm_bridge *ba = NULL, *bb = NULL;
        assert_int_equal(csm_bridge_run(a, &cfg, &ba, &d), CSM_OK);
        assert_int_equal(csm_bridge_run(b, &cfg, &bb, &d), CSM_OK);
        for (int m = 0; m < a->n_months; m++) {
            assert_memory_equal(&ba->months[m].amount, &bb->months[m].amount,
                                sizeof ba->months[m].amount);
            assert_memory_equal(&ba->months[m].logos, &bb->months[m].logos,
                                sizeof ba->months[m].logos);
        }
        csm_retention_result *ra = NULL, *rb = NULL;
        int last = a->n_months - 1;
        assert_int_equal(csm_retention_run(a, &cfg, last, &ra, &d), CSM_OK);
        assert_int_equal(csm_retention_run(b, &cfg, last, &rb, &d), CSM_OK);
        for (int w = 0; w < CSM_RETENTION_WINDOWS; w++)
            for (int k = 0; k < a->n_months; k++) {
                const csm_retention *x = &ra->series[w][k],
                                    *y = &rb->series[w][k];
                assert_int_equal(x->base_logos, y->base_logos);
                assert_int_equal(x->retained_logos, y->retained_logos);
                assert_int_equal(x->base_mrr, y->base_mrr);
                assert_int_equal(x->capped_mrr, y->capped_mrr);
                assert_int_equal(x->end_mrr, y->end_mrr);
            }
        csm_retention_free(ra);
        csm_retention_free(rb);
        csm_bridge_free(ba);
        csm_bridge_free(bb);
        csm_dataset_free(a);
        csm_dataset_free(b);
        csm_diags_free(&d);
        free(out);
        tu_rmtree(dir);
        free(dir);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synth_invariants),
        cmocka_unit_test(test_periods_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
