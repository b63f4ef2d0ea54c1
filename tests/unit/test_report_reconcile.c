/* The reconciliation report (src/report/sections_reconcile.c,
 * reports/reconcile.report) on fixtures/reconcile (README there) and the
 * demo data.
 *
 * fixtures/reconcile, February -> March 2025 (USD; Fir SARL bills 100 EUR
 * at 1.10 in Feb and 1.20 in Mar):
 *
 *   A001 Alder Ltd   1000 -> 1200   expansion     +200
 *   A002 Birch plc    500 ->  300   contraction   -200
 *   A003 Cedar GmbH   800 ->    0   churn         -800
 *   A004 =HYPERLINK(...)  0 -> 400  new           +400
 *   A005 Elm Co         0 ->  600   reactivation  +600  (active in Jan)
 *   A006 Fir SARL     110 ->  120   fx: at Feb's rate 110 -> 110 is flat,
 *                                   the 10 is fx
 *   A007 Grove Inc    250 ->  250   no movement (not in the ledger)
 *   A008 @Handle Ltd  300 ->  350   expansion     +50
 *
 * Opening 1000 + 500 + 800 + 110 + 250 + 300 = 2960; closing 2960 + 400 +
 * 600 + 250 - 200 - 800 + 10 = 3220 = the March rows summed.
 * billing-ties.csv has every March amount (A001 in two invoice lines of
 * 700 and 500, A006 as 100 EUR = 120.00 USD); billing-differs.csv bills
 * A001 700 + 550 = 1250 and leaves A007 out: ours 3220, billing 3020. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/json_read.h"
#include "csmetrics/metrics.h"
#include "csmetrics/reconcile.h"
#include "csmetrics/render.h"
#include "csmetrics/report_build.h"
#include "csmetrics/style.h"
#include "csmetrics/xalloc.h"
#include "support/testutil.h"
#include "support/xlsxread.h"

#define EPOCH "1761955200"

/* ============================================================ builders */

typedef struct run {
    csm_config cfg;
    csm_dataset *ds;
    csm_metrics *m;
    csm_reconcile *rec;
    csm_report_def *def;
    csm_report *r;
    csm_diags d;
} run;

static void open_run(run *x, int y, int mo, const char *ledger)
{
    memset(x, 0, sizeof *x);
    csm_config_defaults(&x->cfg);
    char *dir = tu_path("fixtures/reconcile");
    assert_int_equal(tu_load(dir, &x->cfg, &x->ds, &x->d), CSM_OK);
    free(dir);
    int idx = csm_dataset_month_index(x->ds, csm_month_from_ym(y, mo));
    assert_true(idx >= 0);
    assert_int_equal(csm_metrics_run(x->ds, &x->cfg, idx, &x->m, &x->d),
                     CSM_OK);
    char *lp = ledger ? tu_path(ledger) : NULL;
    assert_int_equal(csm_reconcile_run(x->ds, &x->cfg, x->m->bridge, idx, lp,
                                       &x->rec, &x->d),
                     CSM_OK);
    free(lp);
    char *p = tu_path("reports/reconcile.report");
    assert_int_equal(csm_report_def_load(p, csm_section_specs,
                                         csm_n_section_specs, &x->def, &x->d),
                     CSM_OK);
    free(p);
    csm_build_ctx ctx = {.m = x->m,
                         .ds = x->ds,
                         .cfg = &x->cfg,
                         .diags = &x->d,
                         .recon = x->rec,
                         .epoch = 1761955200};
    assert_int_equal(csm_report_build(x->def, &ctx, &x->r, &x->d), CSM_OK);
}

static void close_run(run *x)
{
    csm_report_free(x->r);
    csm_report_def_free(x->def);
    csm_reconcile_free(x->rec);
    csm_metrics_free(x->m);
    csm_dataset_free(x->ds);
    csm_diags_free(&x->d);
}

static const csm_table *table(const csm_report *r, const char *id)
{
    const csm_table *t = csm_report_find_table(r, id);
    if (!t) {
        fprintf(stderr, "no table %s\n", id);
        fail();
    }
    return t;
}

static const csm_cell *at(const csm_table *t, const char *key,
                          const char *col_id)
{
    size_t c = 0;
    while (c < t->n_columns && strcmp(t->columns[c].id, col_id) != 0)
        c++;
    assert_true(c < t->n_columns);
    for (size_t r = 0; r < t->n_rows; r++) {
        const csm_cell *k = &t->cells[r * t->n_columns];
        if (k->kind == CSM_CELL_TEXT && strcmp(k->v.text, key) == 0)
            return &t->cells[r * t->n_columns + c];
    }
    fprintf(stderr, "table %s: no row %s\n", t->id, key);
    fail();
    return NULL;
}

static void want_money(const csm_cell *c, long long minor)
{
    assert_int_equal(c->kind, CSM_CELL_MONEY);
    if (c->v.i != minor) {
        fprintf(stderr, "money %lld, want %lld\n", (long long)c->v.i, minor);
        fail();
    }
}

static void want_int(const csm_cell *c, long v)
{
    assert_int_equal(c->kind, CSM_CELL_INT);
    assert_int_equal(c->v.i, v);
}

static void want_text(const csm_cell *c, const char *s)
{
    assert_int_equal(c->kind, CSM_CELL_TEXT);
    assert_string_equal(c->v.text, s);
}

static bool notes_say(const csm_report *r, const char *sec, const char *s)
{
    for (size_t i = 0; i < r->n_sections; i++) {
        if (strcmp(r->sections[i].id, sec) != 0)
            continue;
        for (size_t b = 0; b < r->sections[i].n_blocks; b++) {
            const csm_block *k = &r->sections[i].blocks[b];
            if (k->caption && strstr(k->caption, s))
                return true;
            if (k->kind == CSM_BLOCK_NOTES)
                for (size_t l = 0; l < k->u.notes.n_lines; l++)
                    if (strstr(k->u.notes.lines[l], s))
                        return true;
        }
    }
    return false;
}

static void test_summary_formulas(void **state)
{
    (void)state;
    run x;
    open_run(&x, 2025, 3, "fixtures/reconcile/billing-ties.csv");
    const csm_table *t = table(x.r, "summary");
    /* Values (derivation in the file comment) and the live formulas. */
    want_money(at(t, "Opening", "amount"), 296000);
    want_int(at(t, "Opening", "customers"), 6);
    assert_null(at(t, "Opening", "amount")->formula);
    static const struct {
        const char *line, *cat;
        long long v;
        long n;
    } lines[] = {{"New", "new", 40000, 1},
                 {"Reactivation", "reactivation", 60000, 1},
                 {"Expansion", "expansion", 25000, 2},
                 {"Contraction", "contraction", -20000, 1},
                 {"Churn", "churn", -80000, 1}};
    for (size_t i = 0; i < 5; i++) {
        const csm_cell *c = at(t, lines[i].line, "amount");
        want_money(c, lines[i].v);
        char *f = csm_xasprintf(
            "SUMIF(ledger.category, \"%s\", ledger.movement)", lines[i].cat);
        assert_string_equal(c->formula, f);
        free(f);
        want_int(at(t, lines[i].line, "customers"), lines[i].n);
    }
    want_money(at(t, "FX", "amount"), 1000);
    assert_string_equal(at(t, "FX", "amount")->formula, "SUM(ledger.fx)");
    want_money(at(t, "Closing", "amount"), 322000);
    assert_string_equal(at(t, "Closing", "amount")->formula,
                        "SUM(summary.amount)");
    want_int(at(t, "Closing", "customers"), 7);
    want_money(at(t, "Snapshot total", "amount"), 322000);
    const csm_cell *tie = at(t, "Tie-out", "amount");
    want_money(tie, 0);
    assert_string_equal(tie->formula, "summary.amount[Closing] - "
                                      "summary.amount[Snapshot total]");
    assert_int_equal(tie->tone, CSM_TONE_GOOD);
    assert_int_equal(t->total_rows, 3);
    assert_int_equal(t->n_rows, 10);
    assert_true(notes_say(x.r, "reconcile_summary",
                          "Ties out: opening + movements + fx = closing "
                          "3,220.00, equal to the 2025-03 snapshot total"));
    assert_true(notes_say(x.r, "reconcile_summary",
                          "every amount matches (total 3,220.00)"));
    assert_false(notes_say(x.r, "reconcile_summary", "status 3"));

    /* The waterfall draws the same figures. */
    const csm_waterfall *w = &x.r->sections[0].blocks[2].u.waterfall;
    assert_int_equal(x.r->sections[0].blocks[2].kind, CSM_BLOCK_WATERFALL);
    assert_int_equal(w->n_steps, 8); /* with FX: two currencies */
    assert_int_equal(w->steps[6].amount, 1000);
    assert_int_equal(w->steps[7].amount, 322000);

    /* The ledger: seven customers (A007 did not move), totals as SUMs.
     * Previous 1000 + 500 + 800 + 110 + 300 = 2710, MRR 1200 + 300 + 400
     * + 600 + 120 + 350 = 2970, movement +200 - 200 - 800 + 400 + 600 + 0
     * + 50 = 250, fx 10, delta 260 = closing - opening. */
    const csm_table *l = table(x.r, "ledger");
    assert_true(l->detail);
    assert_int_equal(l->n_rows, 8);
    want_text(at(l, "A003", "category"), "churn");
    want_money(at(l, "A003", "movement"), -80000);
    want_money(at(l, "A003", "mrr"), 0);
    want_text(at(l, "A006", "category"), "fx");
    want_money(at(l, "A006", "movement"), 0);
    want_money(at(l, "A006", "fx"), 1000);
    want_money(at(l, "A006", "previous"), 11000);
    want_money(at(l, "A006", "delta"), 1000);
    want_text(at(l, "A004", "name"), "=HYPERLINK(\"http://x.example\","
                                     "\"Dogwood\")");
    want_text(at(l, "A005", "category"), "reactivation");
    want_money(at(l, "Total", "previous"), 271000);
    want_money(at(l, "Total", "mrr"), 297000);
    want_money(at(l, "Total", "movement"), 25000);
    want_money(at(l, "Total", "fx"), 1000);
    want_money(at(l, "Total", "delta"), 26000);
    assert_string_equal(at(l, "Total", "delta")->formula, "SUM(ledger.delta)");

    /* A tying billing ledger: totals, no customer listed. */
    const csm_table *bt = table(x.r, "billing_totals");
    want_money(at(bt, "Snapshots", "amount"), 322000);
    want_money(at(bt, "Billing ledger", "amount"), 322000);
    want_int(at(bt, "Billing ledger", "customers"), 7);
    want_money(at(bt, "Difference", "amount"), 0);
    assert_int_equal(table(x.r, "billing")->n_rows, 0);
    close_run(&x);
}

static void test_billing_differs(void **state)
{
    (void)state;
    run x;
    open_run(&x, 2025, 3, "fixtures/reconcile/billing-differs.csv");
    assert_false(x.rec->ties);
    /* A001: ours 1200, billing 700 + 550 = 1250, difference -50; A007:
     * 250 with no billing row. */
    const csm_table *t = table(x.r, "billing");
    assert_int_equal(t->n_rows, 3);
    want_money(at(t, "A001", "ours"), 120000);
    want_money(at(t, "A001", "billing"), 125000);
    want_money(at(t, "A001", "difference"), -5000);
    want_text(at(t, "A001", "status"), "amounts differ");
    want_text(at(t, "A001", "name"), "Alder Ltd");
    want_money(at(t, "A007", "ours"), 25000);
    want_money(at(t, "A007", "billing"), 0);
    want_money(at(t, "A007", "difference"), 25000);
    want_text(at(t, "A007", "status"), "not in the billing ledger");
    want_money(at(t, "Total", "ours"), 145000);
    want_money(at(t, "Total", "billing"), 125000);
    want_money(at(t, "Total", "difference"), 20000);
    assert_string_equal(at(t, "Total", "difference")->formula,
                        "SUM(billing.difference)");
    const csm_table *bt = table(x.r, "billing_totals");
    want_money(at(bt, "Snapshots", "amount"), 322000);
    want_money(at(bt, "Billing ledger", "amount"), 302000);
    want_int(at(bt, "Billing ledger", "customers"), 6);
    want_money(at(bt, "Difference", "amount"), 20000);
    want_int(at(bt, "Difference", "customers"), 2);
    assert_string_equal(at(bt, "Difference", "amount")->formula,
                        "billing_totals.amount[Snapshots] - "
                        "billing_totals.amount[Billing ledger]");
    /* The bridge itself still ties. */
    want_money(at(table(x.r, "summary"), "Tie-out", "amount"), 0);
    assert_true(notes_say(x.r, "reconcile_summary",
                          "does not tie: 2 customers differ (ours 3,220.00, "
                          "billing 3,020.00, difference +200.00)"));
    assert_true(notes_say(x.r, "reconcile_summary", "exits with status 3"));
    close_run(&x);
}

static void test_no_ledger_and_first_month(void **state)
{
    (void)state;
    run x;
    open_run(&x, 2025, 3, NULL);
    assert_null(csm_report_find_table(x.r, "billing"));
    assert_true(
        notes_say(x.r, "reconcile_billing", "No billing ledger was given."));
    assert_true(notes_say(x.r, "reconcile_summary",
                          "No billing ledger was given (--ledger FILE)"));
    assert_true(notes_say(x.r, "reconcile_definitions", "SUMIF"));
    close_run(&x);

    /* January, the first loaded month: the opening balance, nothing
     * moved; closing 1000 + 500 + 800 + 600 + 110 + 250 + 300 = 3560. */
    open_run(&x, 2025, 1, NULL);
    const csm_table *t = table(x.r, "summary");
    want_money(at(t, "Opening", "amount"), 356000);
    want_money(at(t, "New", "amount"), 0);
    want_money(at(t, "Closing", "amount"), 356000);
    want_money(at(t, "Tie-out", "amount"), 0);
    want_text(at(t, "Opening", "source"),
              "first loaded month: the opening balance");
    assert_int_equal(table(x.r, "ledger")->n_rows, 0);
    assert_true(notes_say(x.r, "reconcile_ledger",
                          "2025-01 is the first loaded month"));
    close_run(&x);
}

/* ========================================================= end to end */

static int run_recon(const char *data, const char *month, const char *ledger,
                     const char *out, char **err)
{
    char *d = tu_path(data);
    char *l = ledger ? tu_path(ledger) : NULL;
    const char *args[] = {"report",   "reconcile",
                          "--data",   d,
                          "--month",  month,
                          "--out",    out,
                          "--format", "pdf,xlsx,csv,json",
                          "--quiet",  l ? "--ledger" : NULL,
                          l,          NULL};
    int rc = tu_run(args, NULL, err);
    free(d);
    free(l);
    return rc;
}

/* The cell dcol columns right of the cell reading label holds formula
 * with the cached value. */
static void expect_formula_at(const xr_book *b, size_t n, const char *label,
                              int dcol, const char *formula, double cached)
{
    char ref[16], at[24];
    assert_true(xr_find(b, n, label, ref));
    xr_offset(ref, dcol, 0, at);
    xr_cell c = xr_get(b, n, at);
    if (!c.formula || strcmp(c.formula, formula) != 0 || !c.value ||
        fabs(atof(c.value) - cached) > 1e-9) {
        fprintf(stderr, "%s %s: formula \"%s\" cached %s; want \"%s\" %.10g\n",
                label, at, c.formula ? c.formula : "-", c.value ? c.value : "-",
                formula, cached);
        fail();
    }
    xr_cell_free(&c);
}

static void expect_formula(const xr_book *b, size_t n, const char *label,
                           const char *formula, double cached)
{
    expect_formula_at(b, n, label, 1, formula, cached);
}

static bool files_equal(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *x = tu_read(a, &na), *y = tu_read(b, &nb);
    bool eq = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return eq;
}

static void test_workbook_ties(void **state)
{
    (void)state;
    setenv("SOURCE_DATE_EPOCH", EPOCH, 1);
    char *dir = tu_tempdir("recon-ties");
    char *err = NULL;
    assert_int_equal(run_recon("fixtures/reconcile", "2025-03",
                               "fixtures/reconcile/billing-ties.csv", dir,
                               &err),
                     0);
    free(err);
    char *xlsx = csm_xasprintf("%s/reconcile-2025-03.xlsx", dir);
    xr_book b;
    assert_true(xr_open(&b, xlsx));
    size_t s = xr_sheet(&b, "Summary");
    assert_true(s == 1);
    assert_true(xr_sheet(&b, "Movement ledger") == 2);
    /* The ledger sheet: title, subtitle, blank, block title, caption,
     * header on row 6, the seven customers on rows 7..13, the total on
     * 14 (outside the SUMIF ranges). */
#define L "'Movement ledger'!"
    expect_formula(&b, s, "New", "SUMIF(" L "E7:E13,\"new\"," L "F7:F13)", 400);
    expect_formula(&b, s, "Reactivation",
                   "SUMIF(" L "E7:E13,\"reactivation\"," L "F7:F13)", 600);
    expect_formula(&b, s, "Expansion",
                   "SUMIF(" L "E7:E13,\"expansion\"," L "F7:F13)", 250);
    expect_formula(&b, s, "Contraction",
                   "SUMIF(" L "E7:E13,\"contraction\"," L "F7:F13)", -200);
    expect_formula(&b, s, "Churn", "SUMIF(" L "E7:E13,\"churn\"," L "F7:F13)",
                   -800);
    expect_formula(&b, s, "FX", "SUM(" L "G7:G13)", 10);
#undef L
    char ref[16], open_ref[24], close_ref[24], snap_ref[24];
    assert_true(xr_find(&b, s, "Opening", ref));
    xr_offset(ref, 1, 0, open_ref);
    assert_true(xr_find(&b, s, "Snapshot total", ref));
    xr_offset(ref, 1, 0, snap_ref);
    assert_true(xr_find(&b, s, "Closing", ref));
    xr_offset(ref, 1, 0, close_ref);
    /* Closing sums the lines above (Opening..FX); the tie-out is closing
     * minus the snapshot total. */
    char *sum = csm_xasprintf("SUM(%s:", open_ref);
    xr_cell c = xr_get(&b, s, close_ref);
    assert_non_null(c.formula);
    assert_true(strncmp(c.formula, sum, strlen(sum)) == 0);
    assert_true(atof(c.value) == 3220);
    xr_cell_free(&c);
    free(sum);
    char *tie = csm_xasprintf("%s-%s", close_ref, snap_ref);
    expect_formula(&b, s, "Tie-out", tie, 0);
    free(tie);
    c = xr_get(&b, s, snap_ref);
    assert_null(c.formula);
    assert_true(atof(c.value) == 3220);
    xr_cell_free(&c);
    /* The ledger's totals row and a customer's signed movement. */
    size_t l = xr_sheet(&b, "Movement ledger");
    expect_formula_at(&b, l, "Total", 2, "SUM(C7:C13)", 2710);
    expect_formula_at(&b, l, "Total", 7, "SUM(H7:H13)", 260);
    assert_true(xr_number_near(&b, l, "A003", 5, 0) == -800);
    assert_non_null(strstr(b.sheet[l - 1], "<autoFilter ref=\"A6:H13\""));
    /* Text that looks like a formula stays text. */
    assert_true(xr_find(&b, l, "A004", ref));
    xr_offset(ref, 1, 0, open_ref);
    c = xr_get(&b, l, open_ref);
    assert_true(c.text && !c.formula);
    assert_string_equal(c.value, "=HYPERLINK(\"http://x.example\","
                                 "\"Dogwood\")");
    xr_cell_free(&c);
    /* The billing totals tie. */
    size_t bl = xr_sheet(&b, "Billing ledger");
    assert_true(bl > 0);
    assert_true(xr_number_near(&b, bl, "Difference", 1, 0) == 0);

    xr_close(&b);

    /* The CSV neutralises text a spreadsheet would run: a leading = or @
     * gets a quote mark; signed amounts stay numbers. */
    char *csvp = csm_xasprintf("%s/reconcile-2025-03.csv", dir);
    char *csv = tu_read(csvp, NULL);
    assert_non_null(csv);
    assert_non_null(strstr(
        csv, "\nA004,\"'=HYPERLINK(\"\"http://x.example\"\",\"\"Dogwood\"\")"
             "\",0.00,400.00,new,400.00,0.00,400.00\n"));
    assert_non_null(strstr(
        csv, "\nA008,\"'@Handle Ltd\",300.00,350.00,expansion,50.00,0.00,"
             "50.00\n"));
    assert_non_null(strstr(
        csv, "\nA003,Cedar GmbH,800.00,0.00,churn,-800.00,0.00,-800.00\n"));
    free(csv);
    free(csvp);

    /* Same input, same bytes. */
    char *dir2 = tu_tempdir("recon-ties2");
    assert_int_equal(run_recon("fixtures/reconcile", "2025-03",
                               "fixtures/reconcile/billing-ties.csv", dir2,
                               NULL),
                     0);
    static const char *const ext[] = {"xlsx", "pdf", "csv", "json"};
    for (int i = 0; i < 4; i++) {
        char *a = csm_xasprintf("%s/reconcile-2025-03.%s", dir, ext[i]);
        char *z = csm_xasprintf("%s/reconcile-2025-03.%s", dir2, ext[i]);
        if (!files_equal(a, z)) {
            fprintf(stderr, "%s differs between two runs\n", a);
            fail();
        }
        free(a);
        free(z);
    }
    tu_rmtree(dir2);
    free(dir2);
    free(xlsx);
    tu_rmtree(dir);
    free(dir);
}

static void test_workbook_differs(void **state)
{
    (void)state;
    setenv("SOURCE_DATE_EPOCH", EPOCH, 1);
    char *dir = tu_tempdir("recon-differs");
    char *err = NULL;
    assert_int_equal(run_recon("fixtures/reconcile", "2025-03",
                               "fixtures/reconcile/billing-differs.csv", dir,
                               &err),
                     3);
    assert_non_null(strstr(err, "2025-03 does not tie: 2 customers differ "
                                "from the billing ledger"));
    free(err);
    /* Every file is still written. */
    static const char *const ext[] = {"xlsx", "pdf", "csv", "json"};
    for (int i = 0; i < 4; i++) {
        char *p = csm_xasprintf("%s/reconcile-2025-03.%s", dir, ext[i]);
        char *s = tu_read(p, NULL);
        assert_non_null(s);
        free(s);
        free(p);
    }
    char *xlsx = csm_xasprintf("%s/reconcile-2025-03.xlsx", dir);
    xr_book b;
    assert_true(xr_open(&b, xlsx));
    size_t bl = xr_sheet(&b, "Billing ledger");
    assert_true(bl > 0);
    /* Exactly the changed (A001) and the missing (A007) customer. */
    char ref[16], at[24];
    static const char *const others[] = {"A002", "A003", "A004",
                                         "A005", "A006", "A008"};
    for (int i = 0; i < 6; i++)
        assert_false(xr_find(&b, bl, others[i], ref));
    assert_true(xr_number_near(&b, bl, "A001", 2, 0) == 1200);
    assert_true(xr_number_near(&b, bl, "A001", 3, 0) == 1250);
    assert_true(xr_number_near(&b, bl, "A001", 4, 0) == -50);
    assert_true(xr_number_near(&b, bl, "A007", 2, 0) == 250);
    assert_true(xr_number_near(&b, bl, "A007", 3, 0) == 0);
    assert_true(xr_number_near(&b, bl, "A007", 4, 0) == 250);
    assert_true(xr_find(&b, bl, "A007", ref));
    xr_offset(ref, 5, 0, at);
    xr_cell c = xr_get(&b, bl, at);
    assert_string_equal(c.value, "not in the billing ledger");
    xr_cell_free(&c);
    /* The A001 and A007 rows are consecutive, the totals row follows
     * with SUM formulas over exactly them. */
    assert_true(xr_find(&b, bl, "A001", ref));
    char first[24], last[24], tot[24];
    xr_offset(ref, 4, 0, first);
    xr_offset(ref, 4, 1, last);
    xr_offset(ref, 4, 2, tot);
    c = xr_get(&b, bl, tot);
    char *want = csm_xasprintf("SUM(%s:%s)", first, last);
    assert_non_null(c.formula);
    assert_string_equal(c.formula, want);
    assert_true(atof(c.value) == 200);
    free(want);
    xr_cell_free(&c);
    assert_true(xr_number_near(&b, bl, "Difference", 1, 0) == 200);
    xr_close(&b);
    free(xlsx);
    tu_rmtree(dir);
    free(dir);
}

/* The demo data ties out: exit 0, tie-out 0, closing = the JSON's. */
static void test_demo_ties(void **state)
{
    (void)state;
    setenv("SOURCE_DATE_EPOCH", EPOCH, 1);
    char *dir = tu_tempdir("recon-demo");
    char *err = NULL;
    assert_int_equal(run_recon("fixtures/demo", "2025-10", NULL, dir, &err), 0);
    free(err);
    char *jp = csm_xasprintf("%s/reconcile-2025-10.json", dir);
    size_t jl = 0;
    char *jt = tu_read(jp, &jl);
    assert_non_null(jt);
    csm_jval *root = NULL;
    csm_diags d = {0};
    assert_int_equal(csm_json_parse(jt, jl, "json", &root, &d), CSM_OK);
    const csm_jval *br = csm_jval_get(root, "bridge");
    assert_non_null(br);
    const csm_jval *last = &br->items[br->n - 1];
    assert_string_equal(csm_jval_get(last, "month")->text, "2025-10");
    double closing = atof(csm_jval_get(last, "closing")->text) / 100.0;
    double newv = atof(csm_jval_get(last, "new")->text) / 100.0;
    double churn = atof(csm_jval_get(last, "churn")->text) / 100.0;
    char *xlsx = csm_xasprintf("%s/reconcile-2025-10.xlsx", dir);
    xr_book b;
    assert_true(xr_open(&b, xlsx));
    size_t s = xr_sheet(&b, "Summary");
    assert_true(fabs(xr_number_near(&b, s, "Closing", 1, 0) - closing) < 1e-6);
    assert_true(fabs(xr_number_near(&b, s, "Snapshot total", 1, 0) - closing) <
                1e-6);
    assert_true(xr_number_near(&b, s, "Tie-out", 1, 0) == 0);
    assert_true(fabs(xr_number_near(&b, s, "New", 1, 0) - newv) < 1e-6);
    assert_true(fabs(xr_number_near(&b, s, "Churn", 1, 0) + churn) < 1e-6);
    xr_close(&b);
    /* The PDF says it ties. */
    char *cmd = csm_xasprintf("pdftotext '%s/reconcile-2025-10.pdf' - "
                              "2>/dev/null | tr '\\n' ' '",
                              dir);
    FILE *p = popen(cmd, "r");
    free(cmd);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    pclose(p);
    assert_non_null(strstr(buf, "Ties out"));
    assert_non_null(strstr(buf, "Movement ledger"));
    csm_jval_free(root);
    csm_diags_free(&d);
    free(jt);
    free(jp);
    free(xlsx);
    tu_rmtree(dir);
    free(dir);
}

/* ========================================================= LibreOffice */

/* Copies the workbook a run wrote to dir/<name>.xlsx (LibreOffice names
 * its CSV files after the workbook). */
static char *copy_book(const char *from, const char *dir, const char *name)
{
    size_t n = 0;
    char *data = tu_read(from, &n);
    assert_non_null(data);
    char *file = csm_xasprintf("%s.xlsx", name);
    tu_write(dir, file, data, n);
    free(file);
    free(data);
    return csm_xasprintf("%s/%s.xlsx", dir, name);
}

/* LibreOffice opens the workbooks of a tying and a differing run and of
 * a model whose cached "New" is deliberately wrong, recalculating every
 * formula: each formula of the runs computes its cached value, and the
 * wrong one shows the formula's 400.00, so the formulas are live. */
static void test_libreoffice(void **state)
{
    (void)state;
    setenv("SOURCE_DATE_EPOCH", EPOCH, 1);
    char *dir = tu_tempdir("recon-lo");
    char *sub = csm_xasprintf("%s/runs", dir);
    assert_int_equal(run_recon("fixtures/reconcile", "2025-03",
                               "fixtures/reconcile/billing-ties.csv", sub,
                               NULL),
                     0);
    char *out = csm_xasprintf("%s/reconcile-2025-03.xlsx", sub);
    char *ties = copy_book(out, dir, "ties");
    assert_int_equal(run_recon("fixtures/reconcile", "2025-03",
                               "fixtures/reconcile/billing-differs.csv", sub,
                               NULL),
                     3);
    char *differs = copy_book(out, dir, "differs");

    run x;
    open_run(&x, 2025, 3, "fixtures/reconcile/billing-differs.csv");
    csm_table *t = (csm_table *)table(x.r, "summary");
    for (size_t r = 0; r < t->n_rows; r++)
        if (strcmp(t->cells[r * t->n_columns].v.text, "New") == 0)
            t->cells[r * t->n_columns + 1].v.i = 99999; /* was 40000 */
    char *wrong = csm_xasprintf("%s/wrong.xlsx", dir);
    csm_style st;
    csm_style_defaults(&st);
    csm_render_options opt = {.style = &st};
    assert_int_equal(csm_render_xlsx(x.r, &opt, wrong, &x.d), CSM_OK);
    csm_style_free(&st);
    close_run(&x);

    char *lo = csm_xasprintf("%s/lo", dir);
    const char *books[3] = {ties, differs, wrong};
    if (xr_libreoffice(books, 3, lo)) {
        xr_book b;
        assert_true(xr_open(&b, ties));
        assert_true(xr_check_recalc(&b, lo, "ties") >= 14);
        xr_close(&b);
        assert_true(xr_open(&b, differs));
        assert_true(xr_check_recalc(&b, lo, "differs") >= 16);
        xr_close(&b);

        char *csvp = csm_xasprintf("%s/wrong-Summary.csv", lo);
        char *csv = tu_read(csvp, NULL);
        assert_non_null(csv);
        size_t row = xr_csv_row(csv, "New");
        assert_true(row > 0);
        char *v = xr_csv_cell(csv, row, 2);
        assert_string_equal(v, "400.00"); /* not the cached 999.99 */
        free(v);
        v = xr_csv_cell(csv, xr_csv_row(csv, "Closing"), 2);
        assert_string_equal(v, "3,220.00");
        free(v);
        v = xr_csv_cell(csv, xr_csv_row(csv, "Tie-out"), 2);
        assert_string_equal(v, "0.00");
        free(v);
        free(csv);
        free(csvp);
        csvp = csm_xasprintf("%s/wrong-Billing ledger.csv", lo);
        csv = tu_read(csvp, NULL);
        assert_non_null(csv);
        v = xr_csv_cell(csv, xr_csv_row(csv, "Total"), 5);
        assert_string_equal(v, "200.00");
        free(v);
        v = xr_csv_cell(csv, xr_csv_row(csv, "Difference"), 2);
        assert_string_equal(v, "200.00");
        free(v);
        free(csv);
        free(csvp);
    }
    free(lo);
    free(wrong);
    free(ties);
    free(differs);
    free(out);
    free(sub);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_formulas),
        cmocka_unit_test(test_billing_differs),
        cmocka_unit_test(test_no_ledger_and_first_month),
        cmocka_unit_test(test_workbook_ties),
        cmocka_unit_test(test_workbook_differs),
        cmocka_unit_test(test_demo_ties),
        cmocka_unit_test(test_libreoffice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
