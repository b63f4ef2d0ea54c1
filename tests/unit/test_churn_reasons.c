/* Unit tests of compute/churn_reasons on the hand fixture
 * fixtures/hand/economics (its README tabulates the churns and the five
 * rows of churn_reasons.csv): matching a churn to its reason (same month,
 * one month off, month before preferred), totals by reason and category per
 * window, churns without a reason, rows that explain no churn, and no
 * churn_reasons.csv.  Amounts are cents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/churn_reasons.h"
#include "csmetrics/xalloc.h"
#include "support/testutil.h"

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

static csm_churn_reasons *run(fix *f, int month)
{
    csm_churn_reasons *r = NULL;
    assert_int_equal(csm_churn_reasons_run(f->ds, &f->cfg, month, &r, &f->diag),
                     CSM_OK);
    assert_non_null(r);
    return r;
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

static const char *id(const fix *f, uint32_t c)
{
    return csm_ds_customer_id(f->ds, c);
}

static const char *text(const fix *f, uint32_t s)
{
    return csm_ds_string(f->ds, (int32_t)s);
}

/* Adds a reason row in memory (as the loader would append it). */
static void add_reason(fix *f, const char *cust, int y, int m,
                       const char *reason, csm_reason_category cat)
{
    csm_dataset *ds = f->ds;
    uint32_t r = csm_strtab_intern(&ds->strings, reason, strlen(reason), NULL);
    ds->reasons =
        csm_xreallocarray(ds->reasons, ds->n_reasons + 1, sizeof *ds->reasons);
    ds->reasons[ds->n_reasons++] = (csm_churn_reason){
        csm_ds_find_customer(ds, cust), csm_month_from_ym(y, m), r, cat};
}

static void test_matching(void **state)
{
    (void)state;
    fix f;
    fix_load(&f);
    csm_churn_reasons *r = run(&f, 13);
    assert_true(r->has_reasons);
    assert_int_equal(r->match_months, 1);
    /* The bridge's four churns, in month order (README). */
    assert_int_equal(r->n_events, 4);
    static const struct {
        const char *cust;
        int month;
        int64_t mrr;
        long row; /* 0-based row of churn_reasons.csv, -1 none */
        int offset;
    } want[4] = {
        {"H", 3, 1000, 2, 0},   /* 2023-07, row 3 same month */
        {"B", 10, 20000, 0, 0}, /* 2024-02, row 1 (row 5 is the spare) */
        {"C", 12, 3000, -1, 0}, /* 2024-04, no row */
        {"F", 13, 30000, 1, -1} /* 2024-05, row 2 dated 2024-04 */
    };
    for (int i = 0; i < 4; i++) {
        const csm_churn_event *e = &r->events[i];
        assert_string_equal(id(&f, e->customer), want[i].cust);
        assert_int_equal(e->month, want[i].month);
        assert_int_equal(e->mrr, want[i].mrr);
        assert_int_equal(e->reason, want[i].row);
        assert_int_equal(e->offset, want[i].offset);
    }
    assert_int_equal(r->matched_exact, 2);
    assert_int_equal(r->matched_off, 1);
    csm_churn_reasons_free(r);
    fix_free(&f);
}

static void test_windows(void **state)
{
    (void)state;
    fix f;
    fix_load(&f);
    csm_churn_reasons *r = run(&f, 13);
    /* m1 = 2024-05: F 30000, "Budget cut", uncontrollable. */
    const csm_churn_window *w = &r->current[0];
    assert_true(w->fits);
    assert_int_equal(w->churned_logos, 1);
    assert_int_equal(w->churned_mrr, 30000);
    assert_int_equal(w->no_reason_logos, 0);
    assert_int_equal(w->category_logos[CSM_REASON_UNCONTROLLABLE], 1);
    assert_int_equal(w->category_mrr[CSM_REASON_UNCONTROLLABLE], 30000);
    assert_int_equal(w->n_by_reason, 1);
    assert_string_equal(text(&f, w->by_reason[0].reason), "Budget cut");
    assert_true(w->by_reason[0].share_mrr.value == 1.0);
    /* m3 = 2024-03..2024-05: C 3000 without a reason, F 30000. */
    w = &r->current[1];
    assert_int_equal(w->churned_logos, 2);
    assert_int_equal(w->churned_mrr, 33000);
    assert_int_equal(w->no_reason_logos, 1);
    assert_int_equal(w->no_reason_mrr, 3000);
    assert_int_equal(w->n_by_reason, 1);
    /* Shares are of all churn, the unexplained part included:
     * 1 / 2 logos, 30000 / 33000 MRR. */
    assert_true(w->by_reason[0].share_logos.value == 0.5);
    assert_true(w->by_reason[0].share_mrr.value == 30000.0 / 33000.0);
    assert_true(w->category_share_mrr[CSM_REASON_UNCONTROLLABLE].value ==
                30000.0 / 33000.0);
    /* m12 = 2023-06..2024-05: H 1000, B 20000, C 3000, F 30000. */
    w = &r->current[2];
    assert_int_equal(w->churned_logos, 4);
    assert_int_equal(w->churned_mrr, 54000);
    assert_int_equal(w->no_reason_logos, 1);
    assert_int_equal(w->no_reason_mrr, 3000);
    assert_int_equal(w->category_logos[CSM_REASON_CONTROLLABLE], 1);
    assert_int_equal(w->category_mrr[CSM_REASON_CONTROLLABLE], 20000);
    assert_int_equal(w->category_mrr[CSM_REASON_UNCONTROLLABLE], 30000);
    /* H's row has no category. */
    assert_int_equal(w->category_logos[CSM_REASON_UNSPECIFIED], 1);
    assert_int_equal(w->category_mrr[CSM_REASON_UNSPECIFIED], 1000);
    /* By reason, largest MRR first. */
    assert_int_equal(w->n_by_reason, 3);
    assert_string_equal(text(&f, w->by_reason[0].reason), "Budget cut");
    assert_string_equal(text(&f, w->by_reason[1].reason), "Price");
    assert_int_equal(w->by_reason[1].category, CSM_REASON_CONTROLLABLE);
    assert_int_equal(w->by_reason[1].mrr, 20000);
    assert_string_equal(text(&f, w->by_reason[2].reason),
                        "Went out of business");
    assert_int_equal(w->by_reason[2].mrr, 1000);
    assert_true(w->by_reason[2].share_logos.value == 0.25);
    /* Categories and the unexplained part add up to the whole. */
    int64_t sum = w->no_reason_mrr;
    for (int c = 0; c < CSM_REASON_CATEGORIES; c++)
        sum += w->category_mrr[c];
    assert_int_equal(sum, w->churned_mrr);
    csm_churn_reasons_free(r);
    fix_free(&f);
}

static void test_gaps(void **state)
{
    (void)state;
    fix f;
    fix_load(&f);
    csm_churn_reasons *r = run(&f, 13);
    /* Lists cover 2023-06..2024-05. */
    assert_int_equal(r->list_from, csm_month_from_ym(2023, 6));
    assert_int_equal(r->list_to, csm_month_from_ym(2024, 5));
    /* C churned in 2024-04 with no row. */
    assert_int_equal(r->n_missing, 1);
    assert_string_equal(id(&f, r->events[r->missing[0]].customer), "C");
    assert_int_equal(r->missing_mrr, 3000);
    /* Rows 4 (A never churned) and 5 (B's churn took row 1). */
    assert_int_equal(r->n_unmatched, 2);
    assert_int_equal(r->unmatched[0].index, 3);
    assert_int_equal(r->unmatched[0].why, CSM_REASON_NO_CHURN);
    assert_int_equal(r->unmatched[1].index, 4);
    assert_int_equal(r->unmatched[1].why, CSM_REASON_DUPLICATE);
    /* Each is a warning. */
    assert_int_equal(count_rule(&f.diag, "churn-reason-missing"), 1);
    assert_int_equal(count_rule(&f.diag, "churn-reason-unmatched"), 2);
    assert_true(has_message(&f.diag, "churn-reason-missing",
                            "customer C churned in 2024-04 (MRR 30.00) and "
                            "churn_reasons.csv gives no reason for it"));
    assert_true(has_message(&f.diag, "churn-reason-unmatched",
                            "reason \"Price\" for A in 2024-03, but the "
                            "customer did not churn then"));
    assert_true(has_message(&f.diag, "churn-reason-unmatched",
                            "second reason \"Support\" for B in 2024-02"));
    csm_churn_reasons_free(r);
    fix_free(&f);
}

static void test_exact_only(void **state)
{
    (void)state;
    fix f;
    fix_load(&f);
    f.cfg.churn_reason_match_months = 0;
    csm_churn_reasons *r = run(&f, 13);
    /* F's row (2024-04) no longer explains its 2024-05 churn. */
    assert_int_equal(r->events[3].reason, -1);
    assert_int_equal(r->matched_off, 0);
    assert_int_equal(r->current[0].no_reason_mrr, 30000);
    assert_int_equal(r->n_missing, 2);
    assert_int_equal(r->missing_mrr, 33000);
    /* ...and is listed as explaining no churn. */
    assert_int_equal(r->n_unmatched, 3);
    assert_int_equal(r->unmatched[0].index, 1);
    assert_int_equal(r->unmatched[0].why, CSM_REASON_NO_CHURN);
    csm_churn_reasons_free(r);
    fix_free(&f);
}

static void test_before_beats_after(void **state)
{
    (void)state;
    fix f;
    fix_load(&f);
    /* Two rows around C's churn in 2024-04, neither in the month. */
    add_reason(&f, "C", 2024, 5, "Price", CSM_REASON_CONTROLLABLE);
    add_reason(&f, "C", 2024, 3, "Support", CSM_REASON_CONTROLLABLE);
    csm_churn_reasons *r = run(&f, 13);
    const csm_churn_event *c = &r->events[2];
    assert_string_equal(id(&f, c->customer), "C");
    /* The month before (notice) wins over the month after. */
    assert_int_equal(c->reason, 6);
    assert_int_equal(c->offset, -1);
    assert_int_equal(r->n_missing, 0);
    /* The 2024-05 row is near C's churn, which has a reason: duplicate. */
    assert_int_equal(r->n_unmatched, 3);
    assert_int_equal(r->unmatched[2].index, 5);
    assert_int_equal(r->unmatched[2].why, CSM_REASON_DUPLICATE);
    /* m3: Budget cut 30000, Support 3000; nothing unexplained. */
    const csm_churn_window *w = &r->current[1];
    assert_int_equal(w->no_reason_logos, 0);
    assert_int_equal(w->n_by_reason, 2);
    assert_string_equal(text(&f, w->by_reason[1].reason), "Support");
    assert_int_equal(w->by_reason[1].mrr, 3000);
    csm_churn_reasons_free(r);
    fix_free(&f);

    /* With only the row after, it matches (+1). */
    fix_load(&f);
    add_reason(&f, "C", 2024, 5, "Price", CSM_REASON_CONTROLLABLE);
    r = run(&f, 13);
    assert_int_equal(r->events[2].reason, 5);
    assert_int_equal(r->events[2].offset, 1);
    assert_int_equal(r->matched_off, 2);
    csm_churn_reasons_free(r);
    fix_free(&f);
}

static void test_no_file(void **state)
{
    (void)state;
    fix f;
    fix_load(&f);
    f.ds->has_reasons = false;
    f.ds->n_reasons = 0;
    csm_churn_reasons *r = run(&f, 13);
    assert_false(r->has_reasons);
    /* Churn is still counted, all of it without a reason. */
    const csm_churn_window *w = &r->current[2];
    assert_int_equal(w->churned_logos, 4);
    assert_int_equal(w->no_reason_logos, 4);
    assert_int_equal(w->no_reason_mrr, 54000);
    assert_int_equal(w->n_by_reason, 0);
    /* Category shares are a real 0 of a known churn total. */
    assert_true(w->category_share_logos[CSM_REASON_CONTROLLABLE].defined);
    assert_int_equal(r->n_missing, 4);
    /* One warning for the whole file, not one per churn. */
    assert_int_equal(count_rule(&f.diag, "churn-reason-missing"), 1);
    assert_true(has_message(&f.diag, "churn-reason-missing",
                            "there is no churn_reasons.csv: 4 churned "
                            "customers in 2023-06..2024-05 (MRR 540.00) "
                            "have no reason"));
    csm_churn_reasons_free(r);
    fix_free(&f);
}

static void test_short_windows(void **state)
{
    (void)state;
    fix f;
    fix_load(&f);
    /* Report month 2023-06 (idx 2): m1 fits, m3 would reach the opening
     * month 2023-04, which has no movements. */
    csm_churn_reasons *r = run(&f, 2);
    assert_true(r->current[0].fits);
    assert_int_equal(r->current[0].churned_logos, 0);
    /* No churn: shares are undefined, not 0. */
    assert_false(r->current[0].category_share_logos[0].defined);
    assert_false(r->current[1].fits);
    assert_false(r->current[2].fits);
    /* Lists cover 2023-05..2023-06. */
    assert_int_equal(r->list_from, csm_month_from_ym(2023, 5));
    assert_int_equal(r->n_missing, 0);
    /* Row 3 (H, 2023-07) is outside the list months. */
    assert_int_equal(r->n_unmatched, 0);
    csm_churn_reasons_free(r);
    /* The opening month itself: nothing fits, empty lists. */
    r = run(&f, 0);
    for (int i = 0; i < CSM_RETENTION_WINDOWS; i++)
        assert_false(r->current[i].fits);
    assert_int_equal(r->n_missing, 0);
    assert_int_equal(r->n_unmatched, 0);
    csm_churn_reasons_free(r);
    csm_churn_reasons *bad = NULL;
    assert_int_equal(csm_churn_reasons_run(f.ds, &f.cfg, 14, &bad, &f.diag),
                     CSM_EUSAGE);
    assert_null(bad);
    fix_free(&f);
}

static void test_json(void **state)
{
    (void)state;
    char *dir = tu_path("fixtures/hand/economics");
    const char *args[] = {"metrics", "--data", dir, "--json", NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(tu_run(args, &out, &err), 0);
    const char *s = strstr(out, "\"churn_reasons\": {");
    assert_non_null(s);
    assert_non_null(strstr(s, "{\"reason\": \"Budget cut\", \"category\": "
                              "\"uncontrollable\", \"logos\": 1, \"mrr\": "
                              "30000, \"share_logos\": 1, \"share_mrr\": 1}"));
    assert_non_null(strstr(s, "{\"customer\": \"C\", \"month\": "
                              "\"2024-04\", \"mrr\": 3000}"));
    assert_non_null(strstr(s, "{\"customer\": \"B\", \"month\": \"2024-02\", "
                              "\"reason\": \"Support\", \"category\": "
                              "\"controllable\", \"why\": \"duplicate\"}"));
    /* The gaps are warnings in data_quality. */
    assert_non_null(strstr(out, "{\"rule\": \"churn-reason-unmatched\", "
                                "\"severity\": \"warning\", \"count\": 2}"));
    free(out);
    free(err);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matching),
        cmocka_unit_test(test_windows),
        cmocka_unit_test(test_gaps),
        cmocka_unit_test(test_exact_only),
        cmocka_unit_test(test_before_beats_after),
        cmocka_unit_test(test_no_file),
        cmocka_unit_test(test_short_windows),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
