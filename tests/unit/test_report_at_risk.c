/* The at-risk pack (src/report/sections_at_risk.c, reports/at-risk.report).
 *
 * Builder tests on the hand fixture fixtures/hand/at_risk (its README and
 * tests/unit/test_at_risk.c derive every figure; the grid is repeated
 * here), then end-to-end runs on the demo data that compare the PDF text
 * and the workbook cells with the run's JSON.
 *
 * Hand fixture, flag month March 2024 (F), followed to September (MRR in
 * major units; states c churned, r red, y yellow, g green, u no score):
 *
 *          MRR at F   band F   Apr May Jun Jul Aug Sep   MRR Sep  outcome
 *   P3     3000       red 30    r   r   y   y   y   g    2500     contracted
 *   P2     2000       yel 50    y   g   g   y   g   g    2000     recovered
 *   P5     1500       yel 45    y   y   c   c   g   g    1500     recovered
 *   P1     1000       red 20    r   c   c   c   c   c       0     churned
 *   P6      800       red 10    r   r   r   u   r   c       0     churned
 *   P4      500       yel 60    y   y   y   y   y   y     600     still at risk
 *
 * MRR at risk 8800 (red 1000 + 3000 + 800 = 4800, yellow 2000 + 500 +
 * 1500 = 4000).  Green in March: G1, G2, G3 (G2 gone from July). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/format.h"
#include "csmetrics/json_read.h"
#include "csmetrics/metrics.h"
#include "csmetrics/report_build.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/xalloc.h"
#include "support/testutil.h"
#include "support/xlsxread.h"

#define EPOCH "1761955200" /* 2025-11-01 */

/* ============================================================ builders */

typedef struct run {
    csm_config cfg;
    csm_dataset *ds;
    csm_metrics *m;
    csm_report_def *def;
    csm_report *r;
    csm_diags d;
} run;

/* Builds the pack for flag month y-mo of the hand fixture (report month
 * September 2024), from reports/at-risk.report or from def_text. */
static void open_run(run *x, int y, int mo, const char *def_text)
{
    memset(x, 0, sizeof *x);
    csm_config_defaults(&x->cfg);
    char *dir = tu_path("fixtures/hand/at_risk");
    assert_int_equal(tu_load(dir, &x->cfg, &x->ds, &x->d), CSM_OK);
    free(dir);
    int flag = csm_dataset_month_index(x->ds, csm_month_from_ym(y, mo));
    assert_true(flag >= 0);
    assert_int_equal(
        csm_metrics_run_flagged(x->ds, &x->cfg, 8, flag, &x->m, &x->d), CSM_OK);
    if (def_text) {
        assert_int_equal(
            csm_report_def_parse("test.report", def_text, strlen(def_text),
                                 csm_section_specs, csm_n_section_specs,
                                 &x->def, &x->d),
            CSM_OK);
    } else {
        char *p = tu_path("reports/at-risk.report");
        assert_int_equal(csm_report_def_load(p, csm_section_specs,
                                             csm_n_section_specs, &x->def,
                                             &x->d),
                         CSM_OK);
        free(p);
    }
    csm_build_ctx ctx = {.m = x->m,
                         .ds = x->ds,
                         .cfg = &x->cfg,
                         .diags = &x->d,
                         .epoch = 1761955200};
    assert_int_equal(csm_report_build(x->def, &ctx, &x->r, &x->d), CSM_OK);
}

static void close_run(run *x)
{
    csm_report_free(x->r);
    csm_report_def_free(x->def);
    csm_metrics_free(x->m);
    csm_dataset_free(x->ds);
    csm_diags_free(&x->d);
}

static const csm_section *section(const csm_report *r, const char *id)
{
    for (size_t i = 0; i < r->n_sections; i++)
        if (strcmp(r->sections[i].id, id) == 0)
            return &r->sections[i];
    fprintf(stderr, "no section %s\n", id);
    fail();
    return NULL;
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

/* The cell of column col_id in the row whose first cell reads key. */
static const csm_cell *at(const csm_table *t, const char *key,
                          const char *col_id)
{
    size_t c = 0;
    while (c < t->n_columns && strcmp(t->columns[c].id, col_id) != 0)
        c++;
    if (c == t->n_columns) {
        fprintf(stderr, "table %s: no column %s\n", t->id, col_id);
        fail();
    }
    for (size_t r = 0; r < t->n_rows; r++) {
        const csm_cell *k = &t->cells[r * t->n_columns];
        if (k->kind == CSM_CELL_TEXT && strcmp(k->v.text, key) == 0)
            return &t->cells[r * t->n_columns + c];
    }
    fprintf(stderr, "table %s: no row %s\n", t->id, key);
    fail();
    return NULL;
}

/* Cell (row, column id) by position. */
static const csm_cell *cell_rc(const csm_table *t, size_t row,
                               const char *col_id)
{
    for (size_t c = 0; c < t->n_columns; c++)
        if (strcmp(t->columns[c].id, col_id) == 0) {
            assert_true(row < t->n_rows);
            return &t->cells[row * t->n_columns + c];
        }
    fail();
    return NULL;
}

static void want_int(const csm_cell *c, long v)
{
    assert_int_equal(c->kind, CSM_CELL_INT);
    assert_int_equal(c->v.i, v);
}

static void want_money(const csm_cell *c, long long minor)
{
    assert_int_equal(c->kind, CSM_CELL_MONEY);
    assert_int_equal(c->v.i, minor);
}

static void want_rate(const csm_cell *c, double v)
{
    assert_int_equal(c->kind, CSM_CELL_RATE);
    if (fabs(c->v.d - v) > 1e-12) {
        fprintf(stderr, "rate %.17g, want %.17g\n", c->v.d, v);
        fail();
    }
}

static void want_text(const csm_cell *c, const char *s)
{
    if (c->kind != CSM_CELL_TEXT || strcmp(c->v.text, s) != 0) {
        fprintf(stderr, "cell kind %d \"%s\", want text \"%s\"\n", c->kind,
                c->kind == CSM_CELL_TEXT ? c->v.text : "", s);
        fail();
    }
}

static void want_na(const csm_cell *c)
{
    assert_int_equal(c->kind, CSM_CELL_NA);
}

static void want_formula(const csm_cell *c, const char *f)
{
    assert_non_null(c->formula);
    assert_string_equal(c->formula, f);
}

static const csm_tile *tile(const csm_report *r, const char *label)
{
    const csm_section *s = section(r, "at_risk_summary");
    for (size_t b = 0; b < s->n_blocks; b++) {
        if (s->blocks[b].kind != CSM_BLOCK_TILES)
            continue;
        for (size_t i = 0; i < s->blocks[b].u.tiles.n_tiles; i++)
            if (strcmp(s->blocks[b].u.tiles.tiles[i].label, label) == 0)
                return &s->blocks[b].u.tiles.tiles[i];
    }
    fprintf(stderr, "no tile %s\n", label);
    fail();
    return NULL;
}

/* Some text of the section (notes, captions, tile notes) contains s. */
static bool says(const csm_section *sec, const char *s)
{
    for (size_t b = 0; b < sec->n_blocks; b++) {
        const csm_block *k = &sec->blocks[b];
        if (k->caption && strstr(k->caption, s))
            return true;
        if (k->kind == CSM_BLOCK_NOTES)
            for (size_t i = 0; i < k->u.notes.n_lines; i++)
                if (strstr(k->u.notes.lines[i], s))
                    return true;
        if (k->kind == CSM_BLOCK_TILES)
            for (size_t i = 0; i < k->u.tiles.n_tiles; i++)
                if (k->u.tiles.tiles[i].note &&
                    strstr(k->u.tiles.tiles[i].note, s))
                    return true;
    }
    return false;
}

static const csm_block *block_of(const csm_section *s, csm_block_kind k,
                                 size_t nth)
{
    for (size_t b = 0; b < s->n_blocks; b++)
        if (s->blocks[b].kind == k && nth-- == 0)
            return &s->blocks[b];
    fail();
    return NULL;
}

/* Wilson intervals: R 4.2.2 prop.test(x, n, correct = FALSE)$conf.int. */
#define LO_4_6 0.29999331513839206
#define HI_4_6 0.90322858889421964
#define LO_3_6 0.18761630648265057
#define HI_3_6 0.81238369351734940
#define LO_1_3 0.061491944720396291
#define HI_1_3 0.792340399197952294

static void test_summary(void **state)
{
    (void)state;
    run x;
    open_run(&x, 2024, 3, NULL);
    const csm_report *r = x.r;
    /* The pack is about March, followed to September. */
    assert_string_equal(r->subtitle, "Flagged March 2024 \xC2\xB7 followed 6 "
                                     "months to September 2024");
    /* Tiles: 6 flagged (red P1 P3 P6, yellow P2 P4 P5) of the 10 active
     * (U1 has no score); MRR at risk 8800; lost = churned P1 1000 + P6 800
     * + P3's contraction 500 = 2300, 2300 / 8800 = 26.1%; save rate 4 of
     * 6; recovered P2, P5 = 2 of 6 at Sep, and P3 was green in Sep too
     * (ever green: P2, P5, P3 = 3); median months to recovery of 2, 5, 6
     * = 5; churn within: P1, P5, P6 = 3 of 6, baseline G2 = 1 of 3; MRR
     * now 2000 + 2500 + 600 + 1500 = 6600, NRR 6600 / 8800 = 75.0%, GRR
     * (P4 capped at 500) 6500 / 8800 = 73.9%. */
    const csm_tile *t = tile(r, "Flagged customers");
    want_int(&t->value, 6);
    assert_string_equal(t->note, "red 3, yellow 3; of 10 active in 2024-03 "
                                 "(1 without a score)");
    assert_int_equal(t->mom.kind, CSM_CELL_EMPTY);
    want_money(&tile(r, "MRR at risk")->value, 880000);
    t = tile(r, "MRR lost");
    want_money(&t->value, 230000);
    assert_string_equal(t->note, "26.1% of MRR at risk, by 2024-09: churned "
                                 "1,800.00, contraction 500.00");
    t = tile(r, "Save rate");
    want_rate(&t->value, 4.0 / 6.0);
    assert_string_equal(t->note, "95% CI 30.0\xE2\x80\x93"
                                 "90.3%, n = 6; not churned at 2024-09");
    t = tile(r, "Recovered");
    want_rate(&t->value, 2.0 / 6.0);
    assert_string_equal(t->note, "2 of 6 green at 2024-09; 3 were green in "
                                 "some month");
    t = tile(r, "Months to recovery");
    assert_int_equal(t->value.kind, CSM_CELL_NUMBER);
    assert_true(t->value.v.d == 5.0 && t->value.decimals == 0);
    t = tile(r, "Churn of the flagged");
    want_rate(&t->value, 0.5);
    assert_string_equal(t->note, "95% CI 18.8\xE2\x80\x93"
                                 "81.2%, n = 6; inactive in some month "
                                 "2024-04..2024-09");
    t = tile(r, "Green baseline churn");
    want_rate(&t->value, 1.0 / 3.0);
    assert_string_equal(t->note, "95% CI 6.1\xE2\x80\x93"
                                 "79.2%, n = 3; the 3 customers green in "
                                 "2024-03");
    t = tile(r, "MRR now");
    want_money(&t->value, 660000);
    assert_string_equal(t->note, "at 2024-09: cohort NRR 75.0%, GRR 73.9% "
                                 "against 2024-03");

    /* Outcomes: recovered P2 2000 + P5 1500, still at risk P4 500,
     * contracted P3 3000, churned P1 1000 + P6 800; totals as formulas. */
    const csm_table *o = table(r, "outcomes");
    want_int(at(o, "recovered", "customers"), 2);
    want_rate(at(o, "recovered", "share"), 2.0 / 6.0);
    want_money(at(o, "recovered", "mrr_flag"), 350000);
    want_int(at(o, "still at risk", "customers"), 1);
    want_money(at(o, "still at risk", "mrr_flag"), 50000);
    want_int(at(o, "contracted", "customers"), 1);
    want_money(at(o, "contracted", "mrr_flag"), 300000);
    want_int(at(o, "churned", "customers"), 2);
    want_money(at(o, "churned", "mrr_flag"), 180000);
    assert_int_equal(at(o, "churned", "outcome")[0].tone, CSM_TONE_BAD);
    want_int(at(o, "All flagged", "customers"), 6);
    want_formula(at(o, "All flagged", "customers"), "SUM(outcomes.customers)");
    want_money(at(o, "All flagged", "mrr_flag"), 880000);
    want_formula(at(o, "All flagged", "mrr_flag"), "SUM(outcomes.mrr_flag)");
    assert_int_equal(o->total_rows, 1);

    /* Churn against the baseline, with the intervals as numbers. */
    const csm_table *b = table(r, "baseline");
    const char *fl = "Flagged (red or yellow) in 2024-03";
    want_int(at(b, fl, "customers"), 6);
    want_int(at(b, fl, "churned"), 3);
    want_rate(at(b, fl, "rate"), 0.5);
    want_rate(at(b, fl, "lo"), LO_3_6);
    want_rate(at(b, fl, "hi"), HI_3_6);
    const char *gr = "Green in 2024-03 (baseline)";
    want_int(at(b, gr, "customers"), 3);
    want_int(at(b, gr, "churned"), 1);
    want_rate(at(b, gr, "lo"), LO_1_3);
    want_rate(at(b, gr, "hi"), HI_1_3);
    /* Complete: no follow-up warning. */
    assert_false(says(section(r, "at_risk_summary"), "Partly observed"));
    close_run(&x);
}

static void test_states_mrr_survival(void **state)
{
    (void)state;
    run x;
    open_run(&x, 2024, 3, NULL);
    const csm_report *r = x.r;
    /* Counts per state (grid in the file comment); F = March holds the
     * bands at F. */
    static const struct {
        const char *month;
        long c, red, yel, grn, u;
    } want[] = {{"2024-03", 0, 3, 3, 0, 0}, {"2024-04", 0, 3, 3, 0, 0},
                {"2024-05", 1, 2, 2, 1, 0}, {"2024-06", 2, 1, 2, 1, 0},
                {"2024-07", 2, 0, 3, 0, 1}, {"2024-08", 1, 1, 2, 2, 0},
                {"2024-09", 2, 0, 1, 3, 0}};
    const csm_table *t = table(r, "states");
    assert_int_equal(t->n_rows, 7);
    for (size_t i = 0; i < 7; i++) {
        const char *m = want[i].month;
        want_int(at(t, m, "churned"), want[i].c);
        want_int(at(t, m, "red"), want[i].red);
        want_int(at(t, m, "yellow"), want[i].yel);
        want_int(at(t, m, "green"), want[i].grn);
        want_int(at(t, m, "unscored"), want[i].u);
        want_int(at(t, m, "total"), 6);
    }
    want_formula(at(t, "2024-05", "total"),
                 "states.churned[2024-05] + states.red[2024-05] + "
                 "states.yellow[2024-05] + states.green[2024-05] + "
                 "states.unscored[2024-05]");
    want_text(at(t, "2024-03", "since"), "F");
    want_text(at(t, "2024-09", "since"), "F+6");
    /* MRR by state: F red 4800, yellow 4000; Sep yellow P4 600, green P2
     * 2000 + P3 2500 + P5 1500 = 6000; cohort 6600. */
    t = table(r, "states_mrr");
    want_money(at(t, "2024-03", "red"), 480000);
    want_money(at(t, "2024-03", "yellow"), 400000);
    want_money(at(t, "2024-03", "total"), 880000);
    want_money(at(t, "2024-09", "yellow"), 60000);
    want_money(at(t, "2024-09", "green"), 600000);
    want_money(at(t, "2024-09", "total"), 660000);
    /* Jul: P6 active without a score, 800. */
    want_money(at(t, "2024-07", "unscored"), 80000);

    /* The stacked bar: churned in the bad tone, bands in theirs; no
     * "not yet observed" series when every month is observed. */
    const csm_chart *c =
        &block_of(section(r, "at_risk_states"), CSM_BLOCK_CHART, 0)->u.chart;
    assert_int_equal(c->n_points, 7);
    assert_int_equal(c->n_series, 5); /* churned red yellow no-score green */
    assert_int_equal(c->series[0].tone, CSM_TONE_BAD);
    assert_int_equal(c->series[1].tone, CSM_TONE_RED);
    assert_int_equal(c->series[2].tone, CSM_TONE_YELLOW);
    assert_int_equal(c->series[4].tone, CSM_TONE_GREEN);
    assert_true(c->series[4].y[6] == 3.0 && c->series[0].y[6] == 2.0);

    /* MRR kept and lost: kept = sum of min(MRR, MRR at F).  Sep: P2 2000
     * + P3 2500 + P4 500 (600 capped) + P5 1500 = 6500, lost 8800 - 6500
     * = 2300 (the summary's MRR lost), expansion P4's 100; May: P1 gone,
     * kept 7800, lost 1000. */
    t = table(r, "mrr");
    want_money(at(t, "2024-09", "kept"), 650000);
    want_money(at(t, "2024-09", "lost"), 230000);
    want_money(at(t, "2024-09", "expansion"), 10000);
    want_money(at(t, "2024-09", "cohort"), 660000);
    want_formula(at(t, "2024-09", "cohort"),
                 "mrr.kept[2024-09] + mrr.expansion[2024-09]");
    want_rate(at(t, "2024-09", "nrr"), 0.75);
    want_rate(at(t, "2024-09", "grr"), 6500.0 / 8800.0);
    want_money(at(t, "2024-05", "kept"), 780000);
    want_money(at(t, "2024-05", "lost"), 100000);
    want_rate(at(t, "2024-03", "nrr"), 1.0);

    /* Survival: flagged 6 5 4 4 4 3, green 3 3 3 2 2 2; first green May
     * P2, Aug P5, Sep P3; green so far 0 1 1 1 2 3. */
    t = table(r, "survival");
    static const long surv[] = {6, 6, 5, 4, 4, 4, 3},
                      base[] = {3, 3, 3, 3, 2, 2, 2},
                      rec[] = {0, 0, 1, 1, 1, 2, 3};
    static const char *const off[] = {"F",   "F+1", "F+2", "F+3",
                                      "F+4", "F+5", "F+6"};
    for (size_t i = 0; i < 7; i++) {
        want_int(at(t, off[i], "surviving"), surv[i]);
        want_rate(at(t, off[i], "survival"), (double)surv[i] / 6.0);
        want_int(at(t, off[i], "base_surviving"), base[i]);
        want_rate(at(t, off[i], "base_survival"), (double)base[i] / 3.0);
        want_int(at(t, off[i], "recovered"), rec[i]);
    }
    want_int(at(t, "F+2", "first_green"), 1);
    want_int(at(t, "F+3", "first_green"), 0);
    want_int(at(t, "F+6", "first_green"), 1);
    c = &block_of(section(r, "at_risk_survival"), CSM_BLOCK_CHART, 0)->u.chart;
    assert_int_equal(c->n_series, 2);
    assert_int_equal(c->series[0].style, CSM_SERIES_STEP);
    assert_non_null(c->x_values);
    assert_true(c->x_values[6] == 6.0);
    assert_true(fabs(c->series[1].y[4] - 2.0 / 3.0) < 1e-12);
    assert_int_equal(c->series[1].tone, CSM_TONE_GREEN);
    close_run(&x);
}

static void test_customers_and_grid(void **state)
{
    (void)state;
    run x;
    open_run(&x, 2024, 3, NULL);
    const csm_report *r = x.r;
    const csm_table *t = table(r, "members");
    assert_true(t->detail);
    /* MRR at F, largest first, then the totals row. */
    static const char *const ids[] = {"P3", "P2", "P5", "P1", "P6", "P4"};
    assert_int_equal(t->n_rows, 7);
    for (size_t i = 0; i < 6; i++)
        want_text(cell_rc(t, i, "id"), ids[i]);
    /* P1: alice, SMB, term end 2024-06-30 (inside Apr..Sep), usage 2/10 =
     * 0.2 scores 0 (usage_low 0.2), NPS 6 scores (6 - 3) / (9 - 3) = 50,
     * payment 0 days scores 100; churned in May with reason "price". */
    want_text(at(t, "P1", "name"), "Pine Ltd");
    want_text(at(t, "P1", "owner"), "alice");
    want_text(at(t, "P1", "segment"), "SMB");
    want_money(at(t, "P1", "mrr_flag"), 100000);
    want_money(at(t, "P1", "mrr_now"), 0);
    assert_int_equal(at(t, "P1", "renewal")->kind, CSM_CELL_DATE);
    assert_int_equal(at(t, "P1", "renewal")->v.day,
                     csm_day_from_ymd(2024, 6, 30));
    want_text(at(t, "P1", "in_window"), "yes");
    want_text(at(t, "P1", "weakest"), "usage 0, nps 50");
    want_text(at(t, "P1", "reason"), "price");
    want_text(at(t, "P1", "outcome"), "churned");
    assert_int_equal(at(t, "P1", "outcome")->tone, CSM_TONE_BAD);
    /* P3: term ended in F (2024-03-31): not in the window; NPS 5 scores
     * 33.33, shown as 33; contracted to 2500. */
    want_text(at(t, "P3", "in_window"), "no");
    want_text(at(t, "P3", "weakest"), "nps 33");
    want_money(at(t, "P3", "mrr_now"), 250000);
    want_text(at(t, "P3", "outcome"), "contracted");
    /* P4 month to month: renews every month; P6 term 2024-10-01 is after
     * the window; P6 churned without a reason on file. */
    want_text(at(t, "P4", "renewal"), "monthly");
    want_text(at(t, "P4", "in_window"), "yes");
    want_text(at(t, "P4", "outcome"), "still at risk");
    want_text(at(t, "P6", "in_window"), "no");
    assert_int_equal(at(t, "P6", "reason")->kind, CSM_CELL_EMPTY);
    want_text(at(t, "P6", "weakest"), "(score supplied)");
    want_text(at(t, "P5", "outcome"), "recovered");
    want_money(at(t, "Total", "mrr_flag"), 880000);
    want_formula(at(t, "Total", "mrr_flag"), "SUM(members.mrr_flag)");
    want_money(at(t, "Total", "mrr_now"), 660000);
    /* Eleven columns: landscape pages in the PDF. */
    assert_true(section(r, "at_risk_customers")->landscape);

    /* The grid: band at F, then the state month by month, tones as
     * bands; P5 churned in Jun and Jul and came back green. */
    t = table(r, "tracking");
    assert_true(t->detail);
    assert_int_equal(t->n_columns, 10); /* id, name, F, 6 months, outcome */
    assert_string_equal(t->columns[2].title, "2024-03 (F)");
    static const char *const p5[] = {"yellow",  "yellow", "yellow", "churned",
                                     "churned", "green",  "green"};
    for (int j = 0; j <= 6; j++) {
        char id[16];
        snprintf(id, sizeof id, "m%d", j);
        want_text(at(t, "P5", id), p5[j]);
    }
    assert_int_equal(at(t, "P5", "m3")->tone, CSM_TONE_BAD);
    assert_int_equal(at(t, "P5", "m5")->tone, CSM_TONE_GREEN);
    assert_int_equal(at(t, "P5", "m1")->tone, CSM_TONE_YELLOW);
    want_text(at(t, "P6", "m4"), "no score");
    assert_int_equal(at(t, "P6", "m0")->tone, CSM_TONE_RED);
    want_text(at(t, "P6", "outcome"), "churned");
    /* Ten columns fit a portrait page. */
    assert_false(section(r, "at_risk_tracking")->landscape);
    close_run(&x);
}

static void test_sort_options(void **state)
{
    (void)state;
    static const char def[] =
        "report = at-risk\ntitle = T\n"
        "[section at_risk_customers]\nsort = outcome\npage = portrait\n"
        "[section at_risk_tracking]\nsort = owner\n";
    run x;
    open_run(&x, 2024, 3, def);
    /* Churned first (P1 1000, P6 800), contracted P3, still at risk P4,
     * recovered P2 2000, P5 1500. */
    const csm_table *t = table(x.r, "members");
    static const char *const by_outcome[] = {"P1", "P6", "P3",
                                             "P4", "P2", "P5"};
    for (size_t i = 0; i < 6; i++)
        want_text(cell_rc(t, i, "id"), by_outcome[i]);
    assert_false(x.r->sections[0].landscape);
    /* Owners A..Z: alice (P3 3000, P1 1000), bob (P2), then no owner by
     * MRR: P5, P6, P4. */
    t = table(x.r, "tracking");
    static const char *const by_owner[] = {"P3", "P1", "P2", "P5", "P6", "P4"};
    for (size_t i = 0; i < 6; i++)
        want_text(cell_rc(t, i, "id"), by_owner[i]);
    close_run(&x);
}

static void test_rolling(void **state)
{
    (void)state;
    run x;
    open_run(&x, 2024, 3, NULL);
    /* Nine months, six followed: flag months Jan, Feb, Mar.  Jan has no
     * flagged customer (n/a, never 0); Feb a cohort of one (P1, churned:
     * save rate 0 of 1); Mar as above, shown strong. */
    const csm_table *t = table(x.r, "rolling");
    assert_int_equal(t->n_rows, 3);
    want_int(at(t, "2024-01", "flagged"), 0);
    want_na(at(t, "2024-01", "churned"));
    want_na(at(t, "2024-01", "save_rate"));
    want_rate(at(t, "2024-01", "green_churn"), 0.0);
    want_int(at(t, "2024-02", "flagged"), 1);
    want_rate(at(t, "2024-02", "churned"), 1.0);
    want_rate(at(t, "2024-02", "save_rate"), 0.0);
    want_rate(at(t, "2024-03", "save_rate"), 4.0 / 6.0);
    want_rate(at(t, "2024-03", "save_lo"), LO_4_6);
    want_rate(at(t, "2024-03", "save_hi"), HI_4_6);
    want_rate(at(t, "2024-03", "mrr_lost"), 2300.0 / 8800.0);
    want_money(at(t, "2024-03", "mrr_at_risk"), 880000);
    assert_int_equal(cell_rc(t, 2, "flag_month")->tone, CSM_TONE_STRONG);
    assert_int_equal(cell_rc(t, 1, "flag_month")->tone, CSM_TONE_NONE);
    const csm_chart *c =
        &block_of(section(x.r, "at_risk_rolling"), CSM_BLOCK_CHART, 0)->u.chart;
    assert_int_equal(c->n_points, 3);
    assert_false(c->series[0].defined[0]); /* Jan: no bar */
    assert_true(c->series[0].tone == CSM_TONE_BAD && c->series[0].y[1] == 1.0);
    close_run(&x);

    /* The months option keeps the latest flag months. */
    static const char def[] = "report = at-risk\ntitle = T\n"
                              "[section at_risk_rolling]\nmonths = 2\n";
    open_run(&x, 2024, 3, def);
    t = table(x.r, "rolling");
    assert_int_equal(t->n_rows, 2);
    want_text(cell_rc(t, 0, "flag_month"), "2024-02");
    assert_true(says(&x.r->sections[0], "Only the latest flag months"));
    close_run(&x);
}

/* Flag June: Jul, Aug, Sep observed, Oct..Dec not. */
static void test_partly_observed(void **state)
{
    (void)state;
    run x;
    open_run(&x, 2024, 6, NULL);
    const csm_report *r = x.r;
    assert_string_equal(r->subtitle, "Flagged June 2024 \xC2\xB7 3 of 6 months "
                                     "observed (to September 2024)");
    const csm_section *s = section(r, "at_risk_summary");
    assert_true(says(s, "Partly observed: 3 of 6 months after 2024-06 are "
                        "loaded (to 2024-09)"));
    /* Cohort P3 40, P4 60, P6 10: MRR at risk 3000 + 500 + 800. */
    want_int(&tile(r, "Flagged customers")->value, 3);
    want_money(&tile(r, "MRR at risk")->value, 430000);
    const csm_table *t = table(r, "states");
    assert_int_equal(t->n_rows, 7);
    for (int m = 10; m <= 12; m++) {
        char key[24];
        snprintf(key, sizeof key, "2024-%02d", m);
        want_na(at(t, key, "churned"));
        want_na(at(t, key, "total"));
        want_text(at(t, key, "note"), "not yet observed");
        assert_int_equal(at(t, key, "note")->tone, CSM_TONE_MUTED);
    }
    want_int(at(t, "2024-09", "churned"), 1);
    /* The bar chart shows the unobserved months as one muted bar of the
     * whole cohort. */
    const csm_chart *c =
        &block_of(section(r, "at_risk_states"), CSM_BLOCK_CHART, 0)->u.chart;
    const csm_series *last = &c->series[c->n_series - 1];
    assert_string_equal(last->name, "Not yet observed");
    assert_int_equal(last->tone, CSM_TONE_MUTED);
    assert_true(last->y[4] == 3.0 && last->y[3] == 0.0);
    t = table(r, "mrr");
    want_na(at(t, "2024-11", "nrr"));
    want_text(at(t, "2024-11", "note"), "not yet observed");
    t = table(r, "tracking");
    /* P6: Jul no score, Aug red, Sep churned, then not yet observed. */
    want_text(at(t, "P6", "m1"), "no score");
    want_text(at(t, "P6", "m3"), "churned");
    want_text(at(t, "P6", "m4"), "not yet observed");
    assert_int_equal(at(t, "P6", "m4")->tone, CSM_TONE_MUTED);
    t = table(r, "survival");
    want_na(at(t, "F+4", "survival"));
    close_run(&x);
}

/* Flag January: nobody red or yellow (only G1 scored, green). */
static void test_empty_cohort(void **state)
{
    (void)state;
    run x;
    open_run(&x, 2024, 1, NULL);
    const csm_report *r = x.r;
    const csm_section *s = section(r, "at_risk_summary");
    want_int(&tile(r, "Flagged customers")->value, 0);
    assert_string_equal(tile(r, "Flagged customers")->note,
                        "red 0, yellow 0; of 11 active in 2024-01 (10 "
                        "without a score)");
    want_na(&tile(r, "Save rate")->value);
    assert_string_equal(tile(r, "Save rate")->note, "no customer flagged");
    assert_string_equal(tile(r, "MRR now")->note, "no customer flagged");
    want_na(&tile(r, "Recovered")->value);
    want_na(&tile(r, "Months to recovery")->value);
    want_na(&tile(r, "Churn of the flagged")->value);
    assert_true(says(s, "No customer was flagged at risk in 2024-01: none of "
                        "the 11 customers active then had a red or yellow "
                        "band (10 had no score)."));
    assert_null(csm_report_find_table(r, "outcomes"));
    /* The baseline still is G1, still active: 0 of 1. */
    want_rate(at(table(r, "baseline"), "Green in 2024-01 (baseline)", "rate"),
              0.0);
    want_na(
        at(table(r, "baseline"), "Flagged (red or yellow) in 2024-01", "rate"));
    /* The per-month sections say so instead of drawing empty charts. */
    const char *ids[] = {"at_risk_states", "at_risk_mrr", "at_risk_survival"};
    for (int i = 0; i < 3; i++) {
        s = section(r, ids[i]);
        assert_int_equal(s->n_blocks, 1);
        assert_true(says(s, "No customer was flagged in 2024-01"));
    }
    assert_int_equal(table(r, "members")->n_rows, 0);
    assert_int_equal(table(r, "tracking")->n_rows, 0);
    close_run(&x);
}

/* Flag September, the last month: P4 flagged, nothing observed. */
static void test_nothing_observed(void **state)
{
    (void)state;
    run x;
    open_run(&x, 2024, 9, NULL);
    const csm_report *r = x.r;
    assert_string_equal(r->subtitle,
                        "Flagged September 2024 \xC2\xB7 no month observed "
                        "yet");
    want_int(&tile(r, "Flagged customers")->value, 1);
    want_na(&tile(r, "MRR lost")->value);
    want_na(&tile(r, "Save rate")->value);
    want_na(&tile(r, "MRR now")->value);
    assert_string_equal(tile(r, "Save rate")->note, "no month observed yet");
    assert_string_equal(tile(r, "Green baseline churn")->note,
                        "no month observed yet; the 5 customers green in "
                        "2024-09");
    assert_null(csm_report_find_table(r, "outcomes"));
    assert_true(says(section(r, "at_risk_summary"),
                     "No month after 2024-09 is loaded yet"));
    want_text(at(table(r, "members"), "P4", "outcome"), "not yet observed");
    want_text(at(table(r, "tracking"), "P4", "m6"), "not yet observed");
    close_run(&x);
}

static void test_definitions(void **state)
{
    (void)state;
    run x;
    open_run(&x, 2024, 3, NULL);
    const csm_section *s = section(x.r, "at_risk_definitions");
    assert_non_null(csm_report_find_table(x.r, "policies"));
    assert_true(says(s, "health band in F is red or yellow"));
    assert_true(says(s, "Save rate = members not churned at E"));
    close_run(&x);
}

/* ========================================================= end to end */

static char *run_pack(const char *flagged, const char *out, int *rc)
{
    char *data = tu_path("fixtures/demo");
    const char *args[] = {"report",    "at-risk",       "--data",  data,
                          "--flagged", flagged,         "--out",   out,
                          "--format",  "pdf,xlsx,json", "--quiet", NULL};
    char *err = NULL;
    *rc = tu_run(args, NULL, &err);
    free(data);
    return err;
}

static char *shell(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    csm_strbuf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        csm_strbuf_append(&b, buf, n);
    pclose(p);
    char *s = csm_strbuf_take(&b);
    return s ? s : csm_xstrdup("");
}

static const csm_jval *jget(const csm_jval *v, const char *key)
{
    const csm_jval *x = csm_jval_get(v, key);
    if (!x) {
        fprintf(stderr, "JSON: no key %s\n", key);
        fail();
    }
    return x;
}

/* The same text with runs of spaces collapsed (pdftotext -layout). */
static char *squeeze(const char *s)
{
    csm_strbuf b = {0};
    for (; *s; s++)
        if (!(*s == ' ' && b.len && b.data[b.len - 1] == ' '))
            csm_strbuf_putc(&b, *s);
    char *o = csm_strbuf_take(&b);
    return o ? o : csm_xstrdup("");
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

static void test_end_to_end(void **state)
{
    (void)state;
    setenv("SOURCE_DATE_EPOCH", EPOCH, 1);
    char *dir = tu_tempdir("atrisk-e2e");
    int rc;
    free(run_pack("2025-04", dir, &rc));
    assert_int_equal(rc, 0);
    char *pdf = csm_xasprintf("%s/at-risk-2025-04.pdf", dir);
    char *xlsx = csm_xasprintf("%s/at-risk-2025-04.xlsx", dir);
    char *jpath = csm_xasprintf("%s/at-risk-2025-04.json", dir);
    size_t jlen = 0;
    char *jtext = tu_read(jpath, &jlen);
    assert_non_null(jtext);
    csm_jval *root = NULL;
    csm_diags d = {0};
    assert_int_equal(csm_json_parse(jtext, jlen, "json", &root, &d), CSM_OK);
    const csm_jval *ar = jget(root, "at_risk");
    assert_string_equal(jget(ar, "flag_month")->text, "2025-04");
    const csm_jval *cohort = jget(ar, "cohort");
    long logos = atol(jget(cohort, "logos")->text);
    long long at_risk = atoll(jget(cohort, "mrr_at_risk")->text);
    const csm_jval *outc = jget(ar, "outcomes");
    const csm_jval *save = jget(outc, "save_rate");
    double save_rate = jget(save, "rate")->num;
    long long lost = atoll(jget(outc, "mrr_lost")->text);
    assert_true(logos > 20);

    /* PDF: every section title, the tile values as the JSON has them, a
     * member's name with its outcome on one line. */
    char *cmd = csm_xasprintf("pdftotext -layout '%s' - 2>/dev/null", pdf);
    char *raw = shell(cmd);
    free(cmd);
    char *text = squeeze(raw);
    free(raw);
    static const char *const titles[] = {
        "Cohort summary",
        "States by month",
        "MRR kept and lost",
        "Survival vs green baseline",
        "Customers",
        "Tracking grid",
        "Rolling view",
        "Definitions",
        "Data quality",
        "Flagged April 2025 \xC2\xB7 followed 6 months to October 2025"};
    for (size_t i = 0; i < sizeof titles / sizeof *titles; i++)
        if (!strstr(text, titles[i])) {
            fprintf(stderr, "PDF lacks \"%s\"\n", titles[i]);
            fail();
        }
    char buf[CSM_FMT_BUFSZ];
    assert_non_null(strstr(text, csm_format_money(at_risk, 2, 0, buf)));
    assert_non_null(strstr(text, csm_format_money(lost, 2, 0, buf)));
    assert_non_null(strstr(text, csm_format_rate(save_rate, 1, 0, buf)));
    /* The customer list's totals row, in full (bold, never cut). */
    long long now = atoll(jget(outc, "mrr_now")->text);
    char b2[CSM_FMT_BUFSZ];
    char *tot =
        csm_xasprintf(" Total %s %s\n", csm_format_money(at_risk, 2, 0, buf),
                      csm_format_money(now, 2, 0, b2));
    assert_non_null(strstr(text, tot));
    free(tot);
    /* The first churned member with a short ASCII name: its row reads
     * "<id> <name> ... churned". */
    const csm_jval *cust = jget(ar, "customers");
    assert_int_equal((long)cust->n, logos);
    const char *id = NULL, *name = NULL;
    for (size_t i = 0; i < cust->n && !id; i++) {
        const csm_jval *c = &cust->items[i];
        const char *nm = jget(c, "name")->text;
        bool ascii = true;
        for (const char *p = nm; *p; p++)
            ascii = ascii && (unsigned char)*p < 0x80;
        if (jget(c, "outcome")->type == CSM_JSTRING &&
            strcmp(jget(c, "outcome")->text, "churned") == 0 && ascii &&
            strlen(nm) <= 18) {
            id = jget(c, "id")->text;
            name = nm;
        }
    }
    assert_non_null(id);
    char *needle = csm_xasprintf("\n%s %s ", id, name);
    const char *row = strstr(text, needle);
    if (!row) {
        fprintf(stderr, "PDF: no row \"%s\"\n", needle + 1);
        fail();
    }
    const char *eol = strchr(row + 1, '\n');
    char *line = csm_xstrndup(row + 1, (size_t)(eol - row - 1));
    assert_non_null(strstr(line, " churned"));
    free(line);
    free(needle);

    /* Page count: cover and summary, states, MRR (two pages), survival,
     * the customer list over landscape pages, the grid, rolling,
     * definitions, data quality. */
    cmd = csm_xasprintf("pdfinfo '%s' 2>/dev/null | sed -n "
                        "'s/^Pages: *//p'",
                        pdf);
    char *pages_s = shell(cmd);
    free(cmd);
    long pages = atol(pages_s);
    free(pages_s);
    assert_true(pages >= 12 && pages <= 30);
    /* The customer pages are landscape (A4 842 x 595), the others not. */
    cmd = csm_xasprintf("pdfinfo -f 1 -l %ld '%s' 2>/dev/null | grep -c "
                        "'size: *841.89 x 595.276'",
                        pages, pdf);
    char *land = shell(cmd);
    free(cmd);
    long n_land = atol(land);
    free(land);
    assert_true(n_land >= (logos + 29) / 30 && n_land < pages / 2);

    /* The workbook: tiles as Metric/Value/Note, the outcome totals as
     * formulas with cached values, the customer list with an autofilter,
     * the grid with the JSON's states. */
    xr_book b;
    assert_true(xr_open(&b, xlsx));
    size_t sum = xr_sheet(&b, "Cohort summary");
    assert_true(sum > 0);
    assert_true(xr_number_near(&b, sum, "Flagged customers", 1, 0) ==
                (double)logos);
    assert_true(fabs(xr_number_near(&b, sum, "MRR at risk (USD)", 1, 0) -
                     (double)at_risk / 100) < 1e-9);
    assert_true(fabs(xr_number_near(&b, sum, "Save rate", 1, 0) - save_rate) <
                1e-4);
    char ref[16], at_ref[24];
    assert_true(xr_find(&b, sum, "Note", ref));
    assert_true(ref[0] == 'C'); /* no empty change columns */
    assert_true(xr_find(&b, sum, "All flagged", ref));
    xr_offset(ref, 1, 0, at_ref);
    xr_cell c = xr_get(&b, sum, at_ref);
    assert_non_null(c.formula);
    assert_true(strncmp(c.formula, "SUM(B", 5) == 0);
    assert_true(atof(c.value) == (double)logos);
    xr_cell_free(&c);
    size_t cs = xr_sheet(&b, "Customers");
    assert_true(cs > 0);
    assert_non_null(strstr(b.sheet[cs - 1], "<autoFilter ref=\"A6:K"));
    assert_true(xr_find(&b, cs, id, ref));
    xr_offset(ref, 10, 0, at_ref);
    c = xr_get(&b, cs, at_ref);
    assert_true(c.text && strcmp(c.value, "churned") == 0);
    xr_cell_free(&c);
    size_t tg = xr_sheet(&b, "Tracking grid");
    const csm_jval *first = &cust->items[0];
    const csm_jval *states = jget(first, "states");
    assert_true(xr_find(&b, tg, jget(first, "id")->text, ref));
    for (size_t j = 0; j < states->n; j++) {
        xr_offset(ref, 3 + (int)j, 0, at_ref);
        c = xr_get(&b, tg, at_ref);
        const char *want = states->items[j].text;
        if (strcmp(want, "unscored") == 0)
            want = "no score";
        assert_true(c.text && strcmp(c.value, want) == 0);
        /* The band tone is the cell's fill (default style colours). */
        static const struct {
            const char *state, *rgb;
        } fills[] = {
            {"green", "FF43A047"}, {"yellow", "FFF9A825"}, {"red", "FFE53935"}};
        for (size_t k = 0; k < 3; k++) {
            if (strcmp(want, fills[k].state) != 0)
                continue;
            char *rgb = xr_fill(&b, c.style);
            assert_non_null(rgb);
            assert_string_equal(rgb, fills[k].rgb);
            free(rgb);
        }
        xr_cell_free(&c);
    }
    assert_true(xr_find(&b, tg, "churned", ref));
    c = xr_get(&b, tg, ref);
    char *nofill = xr_fill(&b, c.style);
    assert_null(nofill); /* churned: the bad font colour, no fill */
    xr_cell_free(&c);
    xr_close(&b);

    /* Same input, same bytes. */
    char *dir2 = tu_tempdir("atrisk-e2e2");
    free(run_pack("2025-04", dir2, &rc));
    assert_int_equal(rc, 0);
    char *pdf2 = csm_xasprintf("%s/at-risk-2025-04.pdf", dir2);
    char *xlsx2 = csm_xasprintf("%s/at-risk-2025-04.xlsx", dir2);
    assert_true(files_equal(pdf, pdf2));
    assert_true(files_equal(xlsx, xlsx2));

    /* LibreOffice recomputes every formula to its cached value. */
    char *lo = csm_xasprintf("%s/lo", dir);
    const char *books[1] = {xlsx};
    if (xr_libreoffice(books, 1, lo)) {
        assert_true(xr_open(&b, xlsx));
        assert_true(xr_check_recalc(&b, lo, "at-risk-2025-04") >= 10);
        xr_close(&b);
    }
    free(lo);

    csm_jval_free(root);
    csm_diags_free(&d);
    free(text);
    free(jtext);
    free(jpath);
    free(pdf);
    free(xlsx);
    free(pdf2);
    free(xlsx2);
    tu_rmtree(dir);
    tu_rmtree(dir2);
    free(dir);
    free(dir2);
}

/* A flag month three months before the end: the pack says which months
 * are not yet observed. */
static void test_end_to_end_partial(void **state)
{
    (void)state;
    setenv("SOURCE_DATE_EPOCH", EPOCH, 1);
    char *dir = tu_tempdir("atrisk-partial");
    int rc;
    free(run_pack("2025-07", dir, &rc));
    assert_int_equal(rc, 0);
    char *cmd = csm_xasprintf(
        "pdftotext -layout '%s/at-risk-2025-07.pdf' - 2>/dev/null", dir);
    char *raw = shell(cmd);
    free(cmd);
    char *text = squeeze(raw);
    free(raw);
    assert_non_null(strstr(text, "Flagged July 2025 \xC2\xB7 3 of 6 months "
                                 "observed (to October 2025)"));
    assert_non_null(strstr(text, "Partly observed"));
    assert_non_null(strstr(text, "2025-11 F+4 n/a"));
    assert_non_null(strstr(text, "not yet observed"));
    free(text);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_states_mrr_survival),
        cmocka_unit_test(test_customers_and_grid),
        cmocka_unit_test(test_sort_options),
        cmocka_unit_test(test_rolling),
        cmocka_unit_test(test_partly_observed),
        cmocka_unit_test(test_empty_cohort),
        cmocka_unit_test(test_nothing_observed),
        cmocka_unit_test(test_definitions),
        cmocka_unit_test(test_end_to_end),
        cmocka_unit_test(test_end_to_end_partial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
