/* Unit tests of compute/referrals on the hand fixture fixtures/hand/economics
 * (its README tabulates the MRR and the seven referrals): the referral rate
 * per month with its Wilson interval, the fate of every referral, converted
 * logos and MRR, a referrer that churned, and no referrals.csv.
 *
 * Wilson intervals come from R 4.2.2:
 *     p <- function(v) cat(sprintf("%.17g", v), "\n")
 *     p(prop.test(x, n, conf.level = L, correct = FALSE)$conf.int)
 * with the x, n, L named next to each value. */
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

#include "csmetrics/referrals.h"
#include "csmetrics/xalloc.h"
#include "support/testutil.h"

static void close_at(double got, double want, const char *what,
                     const char *file, int line)
{
    if (!(got == want || fabs(got - want) <= 1e-10 * fabs(want))) {
        print_error("%s = %.17g, want %.17g\n", what, got, want);
        _fail(file, line);
    }
}
#define CLOSE(got, want) close_at((got), (want), #got, __FILE__, __LINE__)

typedef struct fix {
    csm_dataset *ds;
    csm_config cfg;
    csm_diags diag;
} fix;

static void fix_load(fix *f)
{
    memset(f, 0, sizeof *f);
    csm_config_defaults(&f->cfg);
    char *dir = tu_path("fixtures/hand/economics");
    assert_int_equal(tu_load(dir, &f->cfg, &f->ds, &f->diag), CSM_OK);
    free(dir);
}

static void fix_free(fix *f)
{
    csm_dataset_free(f->ds);
    csm_diags_free(&f->diag);
    csm_config_free(&f->cfg);
}

static csm_referrals *run(fix *f, int month)
{
    csm_referrals *r = NULL;
    assert_int_equal(csm_referrals_run(f->ds, &f->cfg, month, &r, &f->diag),
                     CSM_OK);
    assert_non_null(r);
    return r;
}

/* Index of the referral row referrer -> referred (NULL = blank). */
static size_t row_of(const csm_dataset *ds, const char *from, const char *to)
{
    for (size_t i = 0; i < ds->n_referrals; i++) {
        const csm_referral *r = &ds->referrals[i];
        if (strcmp(csm_ds_customer_id(ds, r->referrer), from))
            continue;
        if (to ? r->referred != CSM_NO_CUSTOMER &&
                     !strcmp(csm_ds_customer_id(ds, r->referred), to)
               : r->referred == CSM_NO_CUSTOMER)
            return i;
    }
    fail_msg("no referral %s -> %s", from, to ? to : "(blank)");
    return 0;
}

static void test_rate_series(void **state)
{
    (void)state;
    fix f;
    fix_load(&f);
    csm_referrals *r = run(&f, 13);
    assert_true(r->has_referrals);
    assert_int_equal(r->n_months, 14);
    /* Active logos per month (README "logos" column) and referring logos:
     * active customers with a referral dated in months M-11..M.
     *   idx 0-3  nobody has referred yet                       0
     *   idx 4    A (2023-08-01)                                1 of 5
     *   idx 5    A, B (2023-09-15)                             2 of 5
     *   idx 6-9  A, B                                          2 of 6
     *   idx 10   A; B's referral is in the window but B churned 1 of 5
     *   idx 11   A, D (2024-03-01)                             2 of 6
     *   idx 12   A, D                                          2 of 5
     *   idx 13   A, D                                          2 of 6 */
    static const long active[14] = {5, 5, 5, 4, 5, 5, 6, 6, 6, 6, 5, 6, 5, 6};
    static const long referring[14] = {0, 0, 0, 0, 1, 2, 2,
                                       2, 2, 2, 1, 2, 2, 2};
    for (int k = 0; k < 14; k++) {
        const csm_referral_month *m = &r->months[k];
        assert_int_equal(m->month, csm_dataset_month(f.ds, k));
        assert_int_equal(m->active_logos, active[k]);
        assert_int_equal(m->referring_logos, referring[k]);
        assert_true(m->rate.defined);
        CLOSE(m->rate.value, (double)referring[k] / (double)active[k]);
        assert_true(m->rate_ci.defined);
        assert_int_equal(m->rate_ci.n, (size_t)active[k]);
    }
    /* 2024-05: 2 of 6.  R: prop.test(2, 6, correct = FALSE). */
    const csm_referral_month *m = &r->months[13];
    CLOSE(m->rate_ci.lo, 0.096771411105780455);
    CLOSE(m->rate_ci.hi, 0.700006684861608);
    /* 2024-02: 1 of 5.  R: prop.test(1, 5, correct = FALSE). */
    CLOSE(r->months[10].rate_ci.lo, 0.036224108632430141);
    CLOSE(r->months[10].rate_ci.hi, 0.62446537023747473);
    /* 2024-04: 2 of 5.  R: prop.test(2, 5, correct = FALSE). */
    CLOSE(r->months[12].rate_ci.lo, 0.11762077423264794);
    CLOSE(r->months[12].rate_ci.hi, 0.76927571872398703);
    /* 2023-04: 0 of 5 is a real 0 with an interval.
     * R: prop.test(0, 5, correct = FALSE) = [0, 0.43448246478317465]. */
    CLOSE(r->months[0].rate.value, 0.0);
    CLOSE(r->months[0].rate_ci.lo, 0.0);
    CLOSE(r->months[0].rate_ci.hi, 0.43448246478317465);
    /* Rows dated per month: 2023-08 A->H, 2023-09 B->E, 2024-02 A->G,
     * 2024-03 D->G and A->B, 2024-04 A->blank, 2024-05 D->A. */
    static const long dated[14] = {0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 2, 1, 1};
    long running = 0;
    for (int k = 0; k < 14; k++) {
        assert_int_equal(r->months[k].referrals, dated[k]);
        /* All seven rows are within twelve months of 2024-05, so the
         * trailing count is the running total. */
        running += dated[k];
        assert_int_equal(r->months[k].referrals_12m, running);
    }
    csm_referrals_free(r);
    fix_free(&f);
}

static void test_fates(void **state)
{
    (void)state;
    fix f;
    fix_load(&f);
    csm_referrals *r = run(&f, 13);
    const csm_dataset *ds = f.ds;
    assert_int_equal(r->n_fates, 7);
    /* B -> E 2023-09-15: E's first active month from 2023-09 on is
     * 2023-10 (idx 6), inactive in 2023-09: a start, the bridge's new
     * movement of 60.00. */
    const csm_referral_fate *x = &r->fates[row_of(ds, "B", "E")];
    assert_int_equal(x->outcome, CSM_REFERRAL_CONVERTED);
    assert_int_equal(x->month, 6);
    assert_int_equal(x->kind, CSM_MOVE_NEW);
    assert_int_equal(x->mrr, 6000);
    /* A -> G 2024-02-20: G new in 2024-03 (idx 11) at 40.00. */
    x = &r->fates[row_of(ds, "A", "G")];
    assert_int_equal(x->outcome, CSM_REFERRAL_CONVERTED);
    assert_int_equal(x->month, 11);
    assert_int_equal(x->mrr, 4000);
    /* D -> G 2024-03-01 would convert in the same month; A's row has the
     * earlier date and is credited. */
    x = &r->fates[row_of(ds, "D", "G")];
    assert_int_equal(x->outcome, CSM_REFERRAL_DUPLICATE);
    assert_int_equal(x->month, -1);
    assert_int_equal(x->mrr, 0);
    /* A -> H 2023-08-01: H left in 2023-07 and is back in 2024-05 (idx
     * 13): a reactivation of 10.00 (no reactivation window by default). */
    x = &r->fates[row_of(ds, "A", "H")];
    assert_int_equal(x->outcome, CSM_REFERRAL_CONVERTED);
    assert_int_equal(x->month, 13);
    assert_int_equal(x->kind, CSM_MOVE_REACTIVATION);
    assert_int_equal(x->mrr, 1000);
    /* D -> A 2024-05-10: A was active in 2024-04, already a customer. */
    x = &r->fates[row_of(ds, "D", "A")];
    assert_int_equal(x->outcome, CSM_REFERRAL_ALREADY_CUSTOMER);
    assert_int_equal(x->month, -1);
    /* A -> B 2024-03-10: B is never active again. */
    assert_int_equal(r->fates[row_of(ds, "A", "B")].outcome,
                     CSM_REFERRAL_NOT_CONVERTED);
    /* A -> blank 2024-04-01. */
    assert_int_equal(r->fates[row_of(ds, "A", NULL)].outcome,
                     CSM_REFERRAL_UNIDENTIFIED);
    assert_int_equal(r->outcomes[CSM_REFERRAL_CONVERTED], 3);
    assert_int_equal(r->outcomes[CSM_REFERRAL_ALREADY_CUSTOMER], 1);
    assert_int_equal(r->outcomes[CSM_REFERRAL_NOT_CONVERTED], 1);
    assert_int_equal(r->outcomes[CSM_REFERRAL_UNIDENTIFIED], 1);
    assert_int_equal(r->outcomes[CSM_REFERRAL_DUPLICATE], 1);
    /* Per month: E 6000 in idx 6, G 4000 in idx 11, H 1000 in idx 13;
     * trailing 12 months at 2024-05 (idx 2..13) hold all three. */
    for (int k = 0; k < 14; k++) {
        long want = k == 6 || k == 11 || k == 13;
        assert_int_equal(r->months[k].converted_logos, want);
    }
    assert_int_equal(r->months[6].converted_mrr, 6000);
    assert_int_equal(r->months[11].converted_mrr, 4000);
    assert_int_equal(r->months[13].converted_mrr, 1000);
    assert_int_equal(r->months[13].converted_logos_12m, 3);
    assert_int_equal(r->months[13].converted_mrr_12m, 11000);
    assert_int_equal(r->months[12].converted_logos_12m, 2);
    assert_int_equal(r->months[12].converted_mrr_12m, 10000);
    assert_int_equal(r->months[5].converted_logos_12m, 0);
    csm_referrals_free(r);
    fix_free(&f);
}

static void test_churned_referrer(void **state)
{
    (void)state;
    fix f;
    fix_load(&f);
    /* Keep only B -> E (2023-09-15): B refers, then churns in 2024-02. */
    size_t keep = row_of(f.ds, "B", "E");
    f.ds->referrals[0] = f.ds->referrals[keep];
    f.ds->n_referrals = 1;
    csm_referrals *r = run(&f, 13);
    /* While B is active (2023-09..2024-01) it is the one referrer. */
    for (int k = 5; k <= 9; k++)
        assert_int_equal(r->months[k].referring_logos, 1);
    /* From 2024-02 its referral is still within 12 months, but B is not
     * active: in neither the numerator nor the denominator. */
    for (int k = 10; k <= 13; k++) {
        assert_int_equal(r->months[k].referrals_12m, 1);
        assert_int_equal(r->months[k].referring_logos, 0);
        CLOSE(r->months[k].rate.value, 0.0);
    }
    /* The referral still converted (E): a referrer's later churn does not
     * undo what it brought. */
    assert_int_equal(r->fates[0].outcome, CSM_REFERRAL_CONVERTED);
    csm_referrals_free(r);
    fix_free(&f);
}

static void test_window_edges(void **state)
{
    (void)state;
    fix f;
    fix_load(&f);
    csm_dataset *ds = f.ds;
    /* Replace the referrals with edge cases:
     *  0: A -> C dated 2022-01-10, before the data: C is active in the
     *     opening month, whose starts are unknown: already a customer.
     *  1: A -> I dated 2024-07-01, after the data: not converted (yet).
     *  2: C -> D dated 2022-09-30: C's referral leaves the 12-month window
     *     after 2023-08 (2022-09 + 11 months), but the data start in
     *     2023-04: C counts in 2023-04..2023-08 only. */
    ds->referrals = csm_xreallocarray(ds->referrals, 3, sizeof *ds->referrals);
    uint32_t a = csm_ds_find_customer(ds, "A");
    uint32_t c = csm_ds_find_customer(ds, "C");
    uint32_t d = csm_ds_find_customer(ds, "D");
    uint32_t i = csm_ds_find_customer(ds, "I");
    ds->referrals[0] = (csm_referral){a, c, csm_day_from_ymd(2022, 1, 10)};
    ds->referrals[1] = (csm_referral){a, i, csm_day_from_ymd(2024, 7, 1)};
    ds->referrals[2] = (csm_referral){c, d, csm_day_from_ymd(2022, 9, 30)};
    ds->n_referrals = 3;
    csm_referrals *r = run(&f, 13);
    assert_int_equal(r->fates[0].outcome, CSM_REFERRAL_ALREADY_CUSTOMER);
    assert_int_equal(r->fates[1].outcome, CSM_REFERRAL_NOT_CONVERTED);
    /* C -> D: D first active 2023-08 (idx 4), inactive before: converted,
     * however long after the referral. */
    assert_int_equal(r->fates[2].outcome, CSM_REFERRAL_CONVERTED);
    assert_int_equal(r->fates[2].month, 4);
    /* Referring: A's row of 2022-01 is out of every window (2022-01 + 11
     * = 2022-12); C's of 2022-09 is in windows ending 2022-09..2023-08,
     * i.e. idx 0..4. */
    for (int k = 0; k < 14; k++)
        assert_int_equal(r->months[k].referring_logos, k <= 4 ? 1 : 0);
    /* Trailing counts only see C's row, in idx 0..4; the rows dated
     * outside the loaded months are in no month's count. */
    for (int k = 0; k < 14; k++) {
        assert_int_equal(r->months[k].referrals_12m, k <= 4 ? 1 : 0);
        assert_int_equal(r->months[k].referrals, 0);
    }
    csm_referrals_free(r);
    fix_free(&f);
}

static void test_ci_level(void **state)
{
    (void)state;
    fix f;
    fix_load(&f);
    f.cfg.ci_level = 0.90;
    csm_referrals *r = run(&f, 13);
    /* R: prop.test(2, 6, conf.level = 0.9, correct = FALSE). */
    CLOSE(r->months[13].rate_ci.lo, 0.11727609410228962);
    CLOSE(r->months[13].rate_ci.hi, 0.6529852329996817);
    CLOSE(r->ci_level, 0.90);
    csm_referrals_free(r);
    /* A level the stats module refuses is a usage error, nothing kept. */
    f.cfg.ci_level = 1.5;
    csm_referrals dummy;
    csm_referrals *bad = &dummy; /* must be reset to NULL */
    assert_int_equal(csm_referrals_run(f.ds, &f.cfg, 13, &bad, &f.diag),
                     CSM_EUSAGE);
    assert_null(bad);
    assert_int_equal(csm_referrals_run(f.ds, &f.cfg, 14, &bad, &f.diag),
                     CSM_EUSAGE);
    fix_free(&f);
}

static void test_no_file(void **state)
{
    (void)state;
    fix f;
    fix_load(&f);
    /* As if referrals.csv were absent. */
    f.ds->has_referrals = false;
    f.ds->n_referrals = 0;
    csm_referrals *r = run(&f, 13);
    assert_false(r->has_referrals);
    static const long active[14] = {5, 5, 5, 4, 5, 5, 6, 6, 6, 6, 5, 6, 5, 6};
    for (int k = 0; k < 14; k++) {
        /* Not 0%: nobody recorded referrals, so the rate is unknown. */
        assert_false(r->months[k].rate.defined);
        assert_false(r->months[k].rate_ci.defined);
        assert_int_equal(r->months[k].referring_logos, 0);
        /* The denominator is still known. */
        assert_int_equal(r->months[k].active_logos, active[k]);
    }
    assert_int_equal(r->n_fates, 0);
    csm_referrals_free(r);
    fix_free(&f);
}

static void test_json(void **state)
{
    (void)state;
    char *dir = tu_path("fixtures/hand/economics");
    const char *args[] = {"metrics", "--data", dir, "--json", NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(tu_run(args, &out, &err), 0);
    const char *s = strstr(out, "\"referrals\": {");
    assert_non_null(s);
    assert_non_null(strstr(s, "\"has_referrals\": true"));
    assert_non_null(strstr(s, "\"referring_logos\": 2"));
    assert_non_null(strstr(s, "\"outcomes\": {\"converted\": 3, "
                              "\"already_customer\": 1, \"not_converted\": "
                              "1, \"unidentified\": 1, \"duplicate\": 1}"));
    assert_non_null(strstr(s, "{\"referrer\": \"A\", \"referred\": \"H\", "
                              "\"date\": \"2023-08-01\", \"month\": "
                              "\"2024-05\", \"movement\": \"reactivation\", "
                              "\"mrr\": 1000}"));
    assert_non_null(strstr(s, "\"conversions_count\": 3"));
    free(out);
    free(err);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_series),
        cmocka_unit_test(test_fates),
        cmocka_unit_test(test_churned_referrer),
        cmocka_unit_test(test_window_edges),
        cmocka_unit_test(test_ci_level),
        cmocka_unit_test(test_no_file),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
