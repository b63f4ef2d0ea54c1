/* Tests of the board pack: the report model built from reports/board.report
 * on hand fixtures (expected values derived below or in the fixture
 * READMEs, intervals from R) and on fixtures/demo (every block against the
 * metrics it shows), and an end-to-end run of `csmetrics report board` on
 * the demo data: the PDF's text and the workbook's cells against the JSON
 * of the same run, and byte-identical repeats.
 *
 * Wilson intervals: R prop.test(x, n, correct = FALSE)$conf.int, with
 * options(digits = 17). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/report/sections.h"
#include "csmetrics/format.h"
#include "csmetrics/json_read.h"
#include "csmetrics/metrics.h"
#include "csmetrics/report_build.h"
#include "csmetrics/report_def.h"
#include "csmetrics/restatements.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/xalloc.h"
#include "support/testutil.h"
#include "support/xlsxread.h"

#define EPS 1e-12

/* ------------------------------------------------------------ model */

typedef struct board {
    csm_dataset *ds;
    csm_metrics *m;
    csm_diags diag;
    csm_config cfg;
    csm_report_def *def;
    csm_report *r;
} board;

/* Builds the board report of fixture `rel` as of the month `back` months
 * before its last, from reports/board.report (or from `def_text`). */
static void board_open_def(board *b, const char *rel, int back,
                           const char *def_text,
                           const csm_restatements *restated)
{
    memset(b, 0, sizeof *b);
    csm_config_defaults(&b->cfg);
    char *path = tu_path(rel);
    assert_int_equal(tu_load(path, &b->cfg, &b->ds, &b->diag), CSM_OK);
    free(path);
    assert_int_equal(csm_metrics_run(b->ds, &b->cfg, b->ds->n_months - 1 - back,
                                     &b->m, &b->diag),
                     CSM_OK);
    if (def_text) {
        assert_int_equal(
            csm_report_def_parse("test.report", def_text, strlen(def_text),
                                 csm_section_specs, csm_n_section_specs,
                                 &b->def, &b->diag),
            CSM_OK);
    } else {
        char *dp = tu_path("reports/board.report");
        assert_int_equal(csm_report_def_load(dp, csm_section_specs,
                                             csm_n_section_specs, &b->def,
                                             &b->diag),
                         CSM_OK);
        free(dp);
    }
    csm_build_ctx ctx = {.m = b->m,
                         .ds = b->ds,
                         .cfg = &b->cfg,
                         .diags = &b->diag,
                         .restated = restated,
                         .epoch = 1761955200};
    assert_int_equal(csm_report_build(b->def, &ctx, &b->r, &b->diag), CSM_OK);
}

static void board_open(board *b, const char *rel, int back)
{
    board_open_def(b, rel, back, NULL, NULL);
}

static void board_close(board *b)
{
    csm_report_free(b->r);
    csm_report_def_free(b->def);
    csm_metrics_free(b->m);
    csm_dataset_free(b->ds);
    csm_diags_free(&b->diag);
}

static const csm_section *section(const board *b, const char *id)
{
    for (size_t i = 0; i < b->r->n_sections; i++)
        if (strcmp(b->r->sections[i].id, id) == 0)
            return &b->r->sections[i];
    fail_msg("no section %s", id);
    return NULL;
}

/* The first block of section id whose title starts with `title`. */
static const csm_block *block(const board *b, const char *id, const char *title)
{
    const csm_section *s = section(b, id);
    for (size_t i = 0; i < s->n_blocks; i++)
        if (s->blocks[i].title &&
            strncmp(s->blocks[i].title, title, strlen(title)) == 0)
            return &s->blocks[i];
    fail_msg("section %s has no block \"%s\"", id, title);
    return NULL;
}

static bool has_block_kind(const board *b, const char *id, csm_block_kind k)
{
    const csm_section *s = section(b, id);
    for (size_t i = 0; i < s->n_blocks; i++)
        if (s->blocks[i].kind == k)
            return true;
    return false;
}

static const csm_table *table(const board *b, const char *id)
{
    const csm_table *t = csm_report_find_table(b->r, id);
    if (!t)
        fail_msg("no table %s", id);
    return t;
}

static size_t col(const csm_table *t, const char *id)
{
    for (size_t c = 0; c < t->n_columns; c++)
        if (strcmp(t->columns[c].id, id) == 0)
            return c;
    fail_msg("table %s has no column %s", t->id, id);
    return 0;
}

static long row_of(const csm_table *t, const char *key)
{
    for (size_t r = 0; r < t->n_rows; r++) {
        const csm_cell *c = &t->cells[r * t->n_columns];
        if (c->kind == CSM_CELL_TEXT && strcmp(c->v.text, key) == 0)
            return (long)r;
    }
    return -1;
}

static const csm_cell *at(const csm_table *t, const char *key, const char *cid)
{
    long r = row_of(t, key);
    if (r < 0)
        fail_msg("table %s has no row %s", t->id, key);
    return &t->cells[(size_t)r * t->n_columns + col(t, cid)];
}

static const csm_cell *at_row(const csm_table *t, size_t r, const char *cid)
{
    assert_true(r < t->n_rows);
    return &t->cells[r * t->n_columns + col(t, cid)];
}

static void near(double got, double want, double eps)
{
    if (!(fabs(got - want) <= eps))
        fail_msg("got %.17g, want %.17g", got, want);
}

static void is_money(const csm_cell *c, int64_t v)
{
    if (c->kind != CSM_CELL_MONEY || c->v.i != v)
        fail_msg("cell kind %d value %lld, want money %lld", c->kind,
                 (long long)c->v.i, (long long)v);
}

static void is_int(const csm_cell *c, int64_t v)
{
    if (c->kind != CSM_CELL_INT || c->v.i != v)
        fail_msg("cell kind %d value %lld, want count %lld", c->kind,
                 (long long)c->v.i, (long long)v);
}

static void is_rate(const csm_cell *c, double v)
{
    if (c->kind != CSM_CELL_RATE)
        fail_msg("cell kind %d, want a rate %.17g", c->kind, v);
    near(c->v.d, v, EPS);
}

static void is_number(const csm_cell *c, double v)
{
    if (c->kind != CSM_CELL_NUMBER)
        fail_msg("cell kind %d, want a number %.17g", c->kind, v);
    near(c->v.d, v, EPS);
}

static void is_na(const csm_cell *c)
{
    if (c->kind != CSM_CELL_NA)
        fail_msg("cell kind %d, want n/a", c->kind);
}

static void is_text(const csm_cell *c, const char *s)
{
    if (c->kind != CSM_CELL_TEXT || strcmp(c->v.text, s) != 0)
        fail_msg("cell kind %d \"%s\", want text \"%s\"", c->kind,
                 c->kind == CSM_CELL_TEXT ? c->v.text : "", s);
}

/* A rate cell, or n/a when the ratio is undefined. */
static void is_ratio(const csm_cell *c, csm_ratio r)
{
    if (r.defined)
        is_rate(c, r.value);
    else
        is_na(c);
}

static void is_ci(const csm_cell *lo, const csm_cell *hi, const csm_prop_ci *ci)
{
    if (!ci->defined) {
        is_na(lo);
        is_na(hi);
        return;
    }
    is_rate(lo, ci->lo);
    is_rate(hi, ci->hi);
}

static const csm_tile *tile(const board *b, const char *label)
{
    const csm_section *s = section(b, "headline");
    for (size_t i = 0; i < s->n_blocks; i++) {
        const csm_block *k = &s->blocks[i];
        if (k->kind != CSM_BLOCK_TILES)
            continue;
        for (size_t t = 0; t < k->u.tiles.n_tiles; t++)
            if (strcmp(k->u.tiles.tiles[t].label, label) == 0)
                return &k->u.tiles.tiles[t];
    }
    fail_msg("no tile %s", label);
    return NULL;
}

static void contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("\"%s\" not in \"%s\"", needle, hay ? hay : "(null)");
}

/* ------------------------------------------------------------ helpers */

/* The verdict sentence of a trend, on hand-made fits. */
static void test_trend_text(void **state)
{
    (void)state;
    csm_trend_point pts[12] = {{0}};
    csm_series_trend t = {.series = CSM_TREND_NRR,
                          .higher_is_better = true,
                          .n = 12,
                          .points = pts};
    t.fit = (csm_trend){.defined = true,
                        .n = 12,
                        .level = 0.95,
                        .slope = 0.0022,
                        .slope_lo = 0.001,
                        .slope_hi = 0.0034,
                        .verdict = CSM_TREND_IMPROVING};
    char *s = csm_trend_text(&t);
    assert_string_equal(s, "improving: +0.22 pp/month, 95% CI +0.10..+0.34, "
                           "12 points");
    free(s);
    /* Median TTFV: days per quarter; 6.25 rounds half away from zero. */
    t.quarterly = true;
    t.n = 3;
    t.fit = (csm_trend){.defined = true,
                        .n = 3,
                        .level = 0.9,
                        .slope = 6.25,
                        .slope_lo = -2.92,
                        .slope_hi = 15.42,
                        .verdict = CSM_TREND_FLAT};
    s = csm_trend_text(&t);
    assert_string_equal(s, "flat: +6.3 days/quarter, 90% CI -2.9..+15.4, "
                           "3 points");
    free(s);
    t.n = 2;
    t.fit.defined = false;
    s = csm_trend_text(&t);
    assert_string_equal(s, "no trend: 2 points, at least 3 needed");
    free(s);
    t.n = 0;
    s = csm_trend_text(&t);
    assert_string_equal(s, "no trend: no points yet");
    free(s);

    char lv[CSM_FMT_BUFSZ];
    assert_string_equal(csm_level_text(0.975, lv), "97.5%");
    csm_prop_ci ci = {.defined = true,
                      .x = 5,
                      .n = 6,
                      .level = 0.95,
                      .estimate = 5.0 / 6,
                      .lo = 0.43649717781352998,
                      .hi = 0.96994663025169336};
    s = csm_prop_ci_text(&ci, "up");
    assert_string_equal(s, "95% CI 43.6%\xE2\x80\x93"
                           "97.0%, n = 6 up");
    free(s);
}

/* ------------------------------------------------- fixtures/hand/basic */

/* fixtures/hand/basic as of 2024-05 (README: MRR per customer).
 *   MRR May = A 120 + B 200 + D 80 + E 30 + G 40 + H 10 = 480.00; April
 *   = A 150 + D 80 + E 30 + F 300 + G 40 + H 10 = 610.00; 6 customers in
 *   both months.  Bridge May: reactivation B 200, contraction A 30, churn
 *   F 300 (0 MRR row); net new = 200 - 30 - 300 = -130.00.  April: new G
 *   40, contraction E 20: net new +20.00.
 *   Renewals May: April's snapshot has no term_end column, so everyone
 *   active in April is month to month and up: A D E F G H = 6; renewed
 *   (active in May) 5, F churned.  Up MRR = April's 610.00; renewed MRR
 *   capped at April's: A min(120, 150) + D 80 + E 30 + G 40 + H 10 =
 *   280.00, uncapped the same.  prop.test(5, 6): 0.4365 .. 0.9699. */
static void test_basic(void **state)
{
    (void)state;
    board b;
    board_open(&b, "fixtures/hand/basic", 0);

    /* Headline: twelve tiles, in the order of issue 5. */
    const csm_block *tb = &section(&b, "headline")->blocks[0];
    assert_int_equal(tb->kind, CSM_BLOCK_TILES);
    static const char *const labels[] = {"ARR",
                                         "MRR",
                                         "NRR (12 months)",
                                         "GRR (12 months)",
                                         "Logo retention (12 months)",
                                         "Renewal rate (logos)",
                                         "Median TTFV (days)",
                                         "CRC:CAC (12 months)",
                                         "Referral rate (12 months)",
                                         "Quick ratio (12 months)",
                                         "Net new MRR",
                                         "Customers"};
    assert_int_equal(tb->u.tiles.n_tiles, 12);
    for (size_t i = 0; i < 12; i++)
        assert_string_equal(tb->u.tiles.tiles[i].label, labels[i]);

    const csm_tile *t = tile(&b, "MRR");
    is_money(&t->value, 48000);
    is_money(&t->previous, 61000);
    is_na(&t->year_ago);
    is_rate(&t->mom, (48000.0 - 61000.0) / 61000.0);
    is_na(&t->yoy);
    assert_int_equal(t->n_spark, 13);
    assert_true(t->spark_defined[12] && t->spark[12] == 48000.0);
    assert_false(t->spark_defined[0]); /* 2023-05 is not loaded */
    is_money(&tile(&b, "ARR")->value, 12 * 48000);
    t = tile(&b, "Customers");
    is_int(&t->value, 6);
    is_rate(&t->mom, 0.0);
    t = tile(&b, "Net new MRR");
    is_money(&t->value, -13000);
    is_money(&t->previous, 2000);
    is_rate(&t->mom, (-13000.0 - 2000.0) / 2000.0);
    /* Five months: no 12-month window, no quick ratio, no costs, no
     * referrals file. */
    is_na(&tile(&b, "NRR (12 months)")->value);
    assert_null(tile(&b, "NRR (12 months)")->note);
    is_na(&tile(&b, "Quick ratio (12 months)")->value);
    is_na(&tile(&b, "CRC:CAC (12 months)")->value);
    is_na(&tile(&b, "Referral rate (12 months)")->value);
    assert_string_equal(tile(&b, "Referral rate (12 months)")->note,
                        "no referrals.csv given");
    /* basic has contract starts but no first value dates: the median is
     * not reached. */
    is_na(&tile(&b, "Median TTFV (days)")->value);
    contains(tile(&b, "Median TTFV (days)")->note, "not reached");
    t = tile(&b, "Renewal rate (logos)");
    is_rate(&t->value, 5.0 / 6.0);
    assert_string_equal(t->note, "95% CI 43.6%\xE2\x80\x93"
                                 "97.0%, n = 6 up for renewal");

    /* Bridge amounts and counts of May, each closing a live formula. */
    const csm_table *br = table(&b, "bridge");
    assert_int_equal(br->n_rows, 4); /* 2024-02 .. 2024-05 */
    is_money(at(br, "2024-05", "opening"), 61000);
    is_money(at(br, "2024-05", "new"), 0);
    is_money(at(br, "2024-05", "reactivation"), 20000);
    is_money(at(br, "2024-05", "expansion"), 0);
    is_money(at(br, "2024-05", "contraction"), 3000);
    is_money(at(br, "2024-05", "churn"), 30000);
    is_money(at(br, "2024-05", "fx"), 0);
    is_money(at(br, "2024-05", "closing"), 48000);
    assert_string_equal(
        at(br, "2024-05", "closing")->formula,
        "bridge.opening[2024-05] + bridge.new[2024-05] + "
        "bridge.reactivation[2024-05] + bridge.expansion[2024-05] - "
        "bridge.contraction[2024-05] - bridge.churn[2024-05] + "
        "bridge.fx[2024-05]");
    const csm_table *bl = table(&b, "bridge_logos");
    is_int(at(bl, "2024-05", "opening"), 6);
    is_int(at(bl, "2024-05", "new"), 0);
    is_int(at(bl, "2024-05", "reactivation"), 1);
    is_int(at(bl, "2024-05", "contraction"), 1);
    is_int(at(bl, "2024-05", "churn"), 1);
    is_int(at(bl, "2024-05", "closing"), 6);
    is_int(at(bl, "2024-04", "new"), 1); /* G */
    assert_non_null(at(bl, "2024-05", "closing")->formula);

    /* Quick ratio of May: gains B's reactivation 200.00, losses A's
     * contraction 30.00 + F's churn 300.00: 200 / 330; no 12 months. */
    const csm_table *qr = table(&b, "quick_ratio");
    is_money(at(qr, "2024-05", "gains"), 20000);
    is_money(at(qr, "2024-05", "losses"), 33000);
    is_number(at(qr, "2024-05", "quick_ratio"), 200.0 / 330.0);
    is_na(at(qr, "2024-05", "quick_ratio_t12"));
    is_na(at(qr, "2024-01", "gains")); /* the opening balance */

    /* Retention trends: no 12-month window, so no points and no fit. */
    const csm_table *rt = table(&b, "retention_trends");
    is_text(at(rt, "NRR", "verdict"), "too few points");
    is_na(at(rt, "NRR", "slope"));
    is_int(at(rt, "GRR", "points"), 0);

    /* Renewals of May (derivation above). */
    const csm_table *rm = table(&b, "renewals_month");
    is_int(at(rm, "2024-05", "up"), 6);
    is_int(at(rm, "2024-05", "renewed"), 5);
    is_int(at(rm, "2024-05", "churned"), 1);
    is_rate(at(rm, "2024-05", "logo_rate"), 5.0 / 6.0);
    near(at(rm, "2024-05", "lo")->v.d, 0.43649717781352998, 1e-12);
    near(at(rm, "2024-05", "hi")->v.d, 0.96994663025169336, 1e-12);
    is_rate(at(rm, "2024-05", "gross"), 28000.0 / 61000.0);
    is_rate(at(rm, "2024-05", "net"), 28000.0 / 61000.0);
    is_int(at(rm, "2024-05", "mid_term"), 0);

    /* Restatements without --previous: one line saying so. */
    const csm_section *rs = section(&b, "restatements");
    assert_int_equal(rs->n_blocks, 1);
    assert_int_equal(rs->blocks[0].kind, CSM_BLOCK_NOTES);
    contains(rs->blocks[0].u.notes.lines[0], "No earlier run was given");
    board_close(&b);
}

/* ---------------------------------------------- fixtures/hand/renewals */

/* The last 12 months by segment and by term type, summed by the builder
 * from the monthly figures (fixtures/hand/renewals/README.md, grace 0,
 * report month 2024-06; months Feb..Jun):
 *   Feb up M1 M2, both renew.  Mar up M1 M2 A1 (term to 03-31), all renew.
 *   Apr up M1 M2 A2 (04-30): M1 renews, M2 and A2 churn.  May up M1.
 *   Jun up M1, A3 (06-30), U1 (06-14): A3 churns.  S1's term_end is stale
 *   (never up).
 *   SMB        M1 5 up 5 renewed, M2 3 up 2, U1 1 up 1  -> 9 up, 8 renewed
 *              up MRR 5x100 + 3x50 + 80 = 730.00; renewed capped 500 +
 *              100 + min(90, 80) = 680.00; uncapped 500 + 100 + 90 = 690.00
 *   Enterprise A1 (1000 -> 1200) renews, A2 (500) churns -> 2 up, 1
 *              renewed; up 1500.00, capped 1000.00, uncapped 1200.00
 *   Mid-Market A3 (300) churns -> 1 up, 0 renewed; 300.00, 0, 0
 *   All        12 up, 9 renewed; 2530.00, 1680.00, 1890.00
 *   Term: monthly M1 M2 -> 8 up, 7 renewed; annual A1 A2 A3 -> 3 up, 1;
 *   unknown U1 -> 1 up, 1 (a contract too old to tell).
 *   Mid-term churn: S1 in Mar (70.00), X1 in May (200.00): 2, 270.00.
 * Wilson (R): 8/9 0.5650..0.9801, 1/2 0.0945..0.9055, 0/1 0..0.7935,
 * 9/12 0.4677..0.9111, 7/8 0.5291..0.9776, 1/3 0.0615..0.7923, 1/1
 * 0.2065..1, 2/3 0.2077..0.9385. */
static void test_renewals(void **state)
{
    (void)state;
    board b;
    board_open(&b, "fixtures/hand/renewals", 0);
    const csm_table *sg = table(&b, "renewals_segment");
    struct {
        const char *key;
        long up, renewed, churned;
        int64_t up_mrr, capped, renewed_mrr;
        double lo, hi;
    } want[] = {
        {"Enterprise", 2, 1, 1, 150000, 100000, 120000, 0.094531205734230739,
         0.90546879426576921},
        {"Mid-Market", 1, 0, 1, 30000, 0, 0, 0, 0.79345068562276255},
        {"SMB", 9, 8, 1, 73000, 68000, 69000, 0.5650002944233441,
         0.98010911236145504},
        {"All", 12, 9, 3, 253000, 168000, 189000, 0.46769466506643442,
         0.91105833160594518},
    };
    assert_int_equal(sg->n_rows, 4);
    assert_int_equal(sg->total_rows, 1);
    for (size_t i = 0; i < 4; i++) {
        is_text(at_row(sg, i, "group"), want[i].key);
        is_int(at(sg, want[i].key, "up"), want[i].up);
        is_int(at(sg, want[i].key, "renewed"), want[i].renewed);
        is_int(at(sg, want[i].key, "churned"), want[i].churned);
        is_rate(at(sg, want[i].key, "logo_rate"),
                (double)want[i].renewed / (double)want[i].up);
        near(at(sg, want[i].key, "lo")->v.d, want[i].lo, 1e-12);
        near(at(sg, want[i].key, "hi")->v.d, want[i].hi, 1e-12);
        is_rate(at(sg, want[i].key, "gross"),
                (double)want[i].capped / (double)want[i].up_mrr);
        is_rate(at(sg, want[i].key, "net"),
                (double)want[i].renewed_mrr / (double)want[i].up_mrr);
        is_money(at(sg, want[i].key, "up_mrr"), want[i].up_mrr);
    }
    const csm_table *tt = table(&b, "renewals_term");
    assert_int_equal(tt->n_rows, 4); /* no multi-year: left out */
    is_int(at(tt, "Monthly", "up"), 8);
    is_int(at(tt, "Monthly", "renewed"), 7);
    near(at(tt, "Monthly", "lo")->v.d, 0.52911181778714644, 1e-12);
    near(at(tt, "Monthly", "hi")->v.d, 0.97758250854994333, 1e-12);
    is_int(at(tt, "Annual", "up"), 3);
    is_int(at(tt, "Annual", "renewed"), 1);
    near(at(tt, "Annual", "lo")->v.d, 0.061491944720396291, 1e-12);
    is_int(at(tt, "Unknown", "up"), 1);
    near(at(tt, "Unknown", "lo")->v.d, 0.2065493143772375, 1e-12);
    is_int(at(tt, "All", "up"), 12);
    assert_int_equal(row_of(tt, "Multi-year"), -1);

    /* The monthly table against the family, and the mid-term line. */
    const csm_table *mt = table(&b, "renewals_month");
    assert_int_equal(mt->n_rows, 5); /* 2024-02 .. 2024-06 */
    is_int(at(mt, "2024-04", "up"), 3);
    is_int(at(mt, "2024-04", "churned"), 2);
    is_int(at(mt, "2024-05", "mid_term"), 1);
    is_money(at(mt, "2024-05", "mid_term_mrr"), 20000);
    is_int(at(mt, "2024-03", "mid_term"), 1);
    is_money(at(mt, "2024-03", "mid_term_mrr"), 7000);
    const csm_block *mb = block(&b, "renewals", "Renewals by month");
    contains(mb->caption, "- 2 in the last 12 months (270.00 USD of MRR)");
    /* June: 2 of 3 renewed. */
    is_rate(at(mt, "2024-06", "logo_rate"), 2.0 / 3.0);
    near(at(mt, "2024-06", "lo")->v.d, 0.20765960080204782, 1e-12);
    const csm_tile *t = tile(&b, "Renewal rate (logos)");
    is_rate(&t->value, 2.0 / 3.0);
    assert_string_equal(t->note, "95% CI 20.8%\xE2\x80\x93"
                                 "93.9%, n = 3 up for renewal");
    /* Quarters: Q1 has two renewal months (Feb, Mar): 5 up, 5 renewed;
     * Q2: Apr 3 + May 1 + Jun 3 = 7 up, 1 + 1 + 2 = 4 renewed. */
    const csm_table *qt = table(&b, "renewals_quarter");
    is_int(at(qt, "2024-Q1", "months"), 2);
    is_int(at(qt, "2024-Q1", "up"), 5);
    is_int(at(qt, "2024-Q2", "up"), 7);
    is_int(at(qt, "2024-Q2", "renewed"), 4);
    /* The stale term end is reported. */
    const csm_block *nb = block(&b, "renewals", "Data quality");
    contains(nb->u.notes.lines[0], "customer-months show a term end");

    /* The chart: the logo rate with its band, n/a-free months only. */
    const csm_block *ch = block(&b, "renewals", "Renewal rate by month");
    const csm_series *se = &ch->u.chart.series[0];
    assert_non_null(se->lo);
    assert_int_equal(ch->u.chart.n_points, 5);
    near(se->y[4], 2.0 / 3.0, EPS);
    near(se->lo[4], 0.20765960080204782, 1e-12);
    near(se->hi[4], 0.93850805527960379, 1e-12);
    board_close(&b);
}

/* ------------------------------------------------ fixtures/hand/health */

/* fixtures/hand/health as of 2024-01 (its README gives every score).
 *   Bands: green A F H M (100 + 600 + 800 + 1300 = 2800.00), yellow B C D
 *   I J K (200 + 300 + 400 + 900 + 1000 + 1100 = 3900.00), red E L
 *   (500 + 1200 = 1700.00), no score G (700.00); 13 customers, 9100.00.
 *   At risk (red or yellow), largest MRR first: L 1200 red 23.08 (usage
 *   0, NPS 0), K 1100 yellow 66.67 (support 0, usage 100), J 1000 yellow
 *   40 (payment 40), I 900 yellow 40 supplied (no components), E 500 red
 *   0 (payment 0), D 400 yellow 58.33 (usage 75, NPS 83), C 300 yellow
 *   62.5 (NPS 50, payment 75), B 200 yellow 52.5 (usage 50 and NPS 50:
 *   ties in component order); 5600.00 of 9100.00 MRR = 61.5%. */
static void test_health(void **state)
{
    (void)state;
    board b;
    board_open(&b, "fixtures/hand/health", 7);
    const csm_table *bt = table(&b, "health_bands");
    is_int(at(bt, "Green", "customers"), 4);
    is_money(at(bt, "Green", "mrr"), 280000);
    is_int(at(bt, "Yellow", "customers"), 6);
    is_money(at(bt, "Yellow", "mrr"), 390000);
    is_int(at(bt, "Red", "customers"), 2);
    is_money(at(bt, "Red", "mrr"), 170000);
    is_int(at(bt, "No score", "customers"), 1);
    is_rate(at(bt, "Red", "share"), 2.0 / 13.0);
    is_rate(at(bt, "Red", "mrr_share"), 1700.0 / 9100.0);
    is_int(at(bt, "Active customers", "customers"), 13);
    is_money(at(bt, "Active customers", "mrr"), 910000);
    assert_string_equal(at(bt, "Active customers", "customers")->formula,
                        "SUM(health_bands.customers)");
    assert_int_equal(at(bt, "Red", "band")->tone, CSM_TONE_RED);

    const csm_table *ar = table(&b, "health_at_risk");
    static const struct {
        const char *id;
        int64_t mrr;
        const char *band;
        double score;
        const char *weak;
    } want[] = {
        {"L", 120000, "red", 23.1, "usage 0, nps 0"},
        {"K", 110000, "yellow", 66.7, "support 0, usage 100"},
        {"J", 100000, "yellow", 40.0, "payment 40"},
        {"I", 90000, "yellow", 40.0, "(score supplied)"},
        {"E", 50000, "red", 0.0, "payment 0"},
        {"D", 40000, "yellow", 58.3, "usage 75, nps 83"},
        {"C", 30000, "yellow", 62.5, "nps 50, payment 75"},
        {"B", 20000, "yellow", 52.5, "usage 50, nps 50"},
    };
    assert_int_equal(ar->n_rows, 8);
    for (size_t i = 0; i < 8; i++) {
        is_text(at_row(ar, i, "customer"), want[i].id);
        is_money(at_row(ar, i, "mrr"), want[i].mrr);
        is_text(at_row(ar, i, "band"), want[i].band);
        const csm_cell *sc = at_row(ar, i, "score");
        assert_int_equal(sc->kind, CSM_CELL_NUMBER);
        assert_int_equal(sc->decimals, 1);
        char buf[CSM_FMT_BUFSZ];
        char w1[CSM_FMT_BUFSZ];
        assert_string_equal(csm_format_cell(sc, 2, 0, buf),
                            csm_format_number(want[i].score, 1, 0, w1));
        is_text(at_row(ar, i, "weakest"), want[i].weak);
    }
    contains(block(&b, "health", "Largest accounts at risk")->caption,
             "8 active customers are red or yellow, with 5,600.00 USD of "
             "MRR (61.5% of all MRR)");

    /* The score check shows the family's pooled figures
     * (tests/unit/test_health.c derives them). */
    const csm_health_check *p = &b.m->health->pooled;
    const csm_table *ck = table(&b, "health_check");
    is_int(at(ck, "Red", "n"), (int64_t)p->red.n);
    is_int(at(ck, "Red", "churned"), (int64_t)p->red.x);
    is_rate(at(ck, "Red", "rate"), p->red.estimate);
    is_ci(at(ck, "Green", "lo"), at(ck, "Green", "hi"), &p->green);
    is_int(at(ck, "All scored", "n"), (int64_t)p->all_scored.n);
    const csm_block *nb = block(&b, "health", "What the check says");
    char a[CSM_FMT_BUFSZ];
    char *auc =
        csm_xasprintf("AUC %s (", csm_format_number(p->auc.auc, 2, 0, a));
    contains(nb->u.notes.lines[0], auc);
    free(auc);
    contains(nb->u.notes.lines[1], "Red as a churn flag: precision");

    /* Band chart: stacked, in band tones, counts of the month. */
    const csm_block *ch = block(&b, "health", "Health bands over time");
    assert_int_equal(ch->u.chart.n_points, 1);
    assert_int_equal(ch->u.chart.n_series, 4);
    assert_int_equal(ch->u.chart.series[0].tone, CSM_TONE_RED);
    assert_int_equal(ch->u.chart.series[1].tone, CSM_TONE_YELLOW);
    assert_int_equal(ch->u.chart.series[2].tone, CSM_TONE_GREEN);
    assert_int_equal(ch->u.chart.series[0].style, CSM_SERIES_STACKED);
    near(ch->u.chart.series[0].y[0], 2, 0);
    near(ch->u.chart.series[1].y[0], 6, 0);
    near(ch->u.chart.series[2].y[0], 4, 0);
    near(ch->u.chart.series[3].y[0], 1, 0);
    board_close(&b);
}

/* --------------------------------------------- fixtures/hand/economics */

/* fixtures/hand/economics as of 2024-05 (its README).
 *   Churn in the 12 months 2023-06..2024-05: H 2023-07 10.00 "Went out of
 *   business" (no category), B 2024-02 200.00 "Price" (controllable), C
 *   2024-04 30.00 (no reason row), F 2024-05 300.00 "Budget cut"
 *   (uncontrollable, its row dated a month early): 4 customers, 540.00.
 *   Referral rate in May: active A D E G H I = 6; referring in the 12
 *   months A (rows 2, 3, 5, 7) and D (rows 4, 6) = 2; prop.test(2, 6):
 *   0.0968 .. 0.7000.  Converted in May: H's reactivation 10.00; in 12
 *   months E 60.00 (2023-10), G 40.00 (2024-03), H: 3, 110.00.  All seven
 *   rows: 3 converted, 1 already a customer, 1 not converted, 1 not
 *   named, 1 duplicate.  The half-cent roundings: m1 CRC 150.00 (60002 /
 *   4 = 15000.5 to even), m3 CAC 1,700.02 (340003 / 2 = 170001.5). */
static void test_finance(void **state)
{
    (void)state;
    board b;
    board_open(&b, "fixtures/hand/economics", 0);
    const csm_table *rt = table(&b, "churn_by_reason");
    assert_int_equal(rt->n_rows, 5);
    is_text(at_row(rt, 0, "reason"), "Budget cut");
    is_text(at_row(rt, 0, "category"), "uncontrollable");
    is_money(at_row(rt, 0, "mrr"), 30000);
    is_text(at_row(rt, 1, "reason"), "Price");
    is_money(at_row(rt, 1, "mrr"), 20000);
    is_text(at_row(rt, 2, "reason"), "Went out of business");
    is_text(at_row(rt, 2, "category"), "unspecified");
    is_money(at(rt, "(no reason recorded)", "mrr"), 3000);
    is_rate(at(rt, "(no reason recorded)", "share_mrr"), 3000.0 / 54000.0);
    is_rate(at(rt, "Budget cut", "share_mrr"), 30000.0 / 54000.0);
    is_rate(at(rt, "Budget cut", "share_logos"), 0.25);
    is_int(at(rt, "All churn", "customers"), 4);
    is_money(at(rt, "All churn", "mrr"), 54000);
    assert_string_equal(at(rt, "All churn", "mrr")->formula,
                        "SUM(churn_by_reason.mrr)");
    const csm_table *ct = table(&b, "churn_by_category");
    is_money(at(ct, "Controllable", "mrr"), 20000);
    is_money(at(ct, "Uncontrollable", "mrr"), 30000);
    is_money(at(ct, "Not categorised", "mrr"), 1000);
    is_money(at(ct, "No reason recorded", "mrr"), 3000);
    is_int(at(ct, "All churn", "customers"), 4);
    const csm_table *mt = table(&b, "churn_missing");
    assert_int_equal(mt->n_rows, 1);
    is_text(at_row(mt, 0, "customer"), "C");
    is_text(at_row(mt, 0, "month"), "2024-04");
    is_money(at_row(mt, 0, "mrr"), 3000);
    assert_true(mt->detail);
    /* The bars: three reasons and the gap, in major units. */
    const csm_block *bc = block(&b, "churn_reasons", "Churned MRR by reason");
    assert_int_equal(bc->u.chart.n_points, 4);
    assert_string_equal(bc->u.chart.x_labels[0], "Budget cut");
    assert_string_equal(bc->u.chart.x_labels[3], "No reason recorded");
    near(bc->u.chart.series[0].y[0], 300.0, EPS);
    near(bc->u.chart.series[0].y[3], 30.0, EPS);

    const csm_table *rf = table(&b, "referrals_month");
    is_int(at(rf, "2024-05", "active"), 6);
    is_int(at(rf, "2024-05", "referring"), 2);
    is_rate(at(rf, "2024-05", "rate"), 2.0 / 6.0);
    near(at(rf, "2024-05", "lo")->v.d, 0.096771411105780455, 1e-12);
    near(at(rf, "2024-05", "hi")->v.d, 0.700006684861608, 1e-12);
    is_int(at(rf, "2024-05", "converted"), 1);
    is_money(at(rf, "2024-05", "converted_mrr"), 1000);
    contains(block(&b, "referrals", "Referrals by month")->caption,
             "3 referred customers started, bringing 110.00 USD");
    const csm_table *ro = table(&b, "referral_outcomes");
    is_int(at(ro, "Became a customer", "referrals"), 3);
    is_int(at(ro, "Already a customer", "referrals"), 1);
    is_int(at(ro, "Not (yet) a customer", "referrals"), 1);
    is_int(at(ro, "Referred customer not named", "referrals"), 1);
    is_int(at(ro, "Credited to an earlier referral", "referrals"), 1);
    is_int(at(ro, "All rows of referrals.csv", "referrals"), 7);
    const csm_tile *t = tile(&b, "Referral rate (12 months)");
    is_rate(&t->value, 2.0 / 6.0);
    assert_string_equal(t->note, "95% CI 9.7%\xE2\x80\x93"
                                 "70.0%, n = 6 active");

    /* Unit economics: every cell is the family's figure of its window. */
    const csm_table *ue = table(&b, "economics");
    const csm_economics *e = b.m->economics;
    is_money(at(ue, "CRC", "m1"), 15000);
    is_money(at(ue, "CAC", "m3"), 170002);
    static const char *const wid[3] = {"m1", "m3", "m12"};
    for (int w = 0; w < 3; w++) {
        const csm_ue_window *x = &e->current[w];
        is_int(at(ue, "New customers", wid[w]), x->new_logos);
        is_int(at(ue, "Retained customers", wid[w]), x->retained_logos);
        const csm_cell *c = at(ue, "CAC", wid[w]);
        if (x->cac.defined)
            is_money(c, x->cac.value);
        else
            is_na(c);
        c = at(ue, "CRC:CAC", wid[w]);
        if (x->crc_to_cac.defined)
            is_number(c, x->crc_to_cac.value);
        else
            is_na(c);
        c = at(ue, "LTV", wid[w]);
        if (x->ltv.defined)
            is_money(c, x->ltv.value);
        else
            is_na(c);
        is_ratio(at(ue, "Gross revenue churn (monthly)", wid[w]),
                 x->gross_revenue_churn_rate);
    }
    /* Every undefined figure has its reason in the notes. */
    for (int w = 0; w < 3; w++)
        for (int k = 0; k < CSM_UE_METRIC_COUNT; k++)
            if (e->current[w].why[k] != CSM_UE_DEFINED) {
                const csm_block *nb =
                    block(&b, "economics", "Why some figures are n/a");
                char why[256];
                csm_ue_reason_text(&e->current[w], e->current[w].why[k], why,
                                   sizeof why);
                bool found = false;
                for (size_t i = 0; i < nb->u.notes.n_lines; i++)
                    found = found || strstr(nb->u.notes.lines[i], why);
                assert_true(found);
            }
    const csm_tile *cc = tile(&b, "CRC:CAC (12 months)");
    if (e->current[2].crc_to_cac.defined) {
        is_number(&cc->value, e->current[2].crc_to_cac.value);
        assert_int_equal(cc->value.decimals, 2);
    } else {
        is_na(&cc->value);
    }
    board_close(&b);
}

/* ------------------------------------------------------ fixtures/demo */

/* Every block of the demo's board against the metrics it shows. */
static void test_demo_blocks(void **state)
{
    (void)state;
    board b;
    board_open(&b, "fixtures/demo", 0);
    const csm_metrics *m = b.m;
    int rm = m->report_month;
    char mb[CSM_DATE_BUFSZ];

    /* Sections in the order of board.report. */
    static const char *const order[] = {
        "headline",      "bridge",     "retention",    "renewals",
        "cohorts",       "onboarding", "health",       "economics",
        "churn_reasons", "referrals",  "restatements", "definitions",
        "data_quality"};
    assert_int_equal(b.r->n_sections, 13);
    for (size_t i = 0; i < 13; i++) {
        assert_string_equal(b.r->sections[i].id, order[i]);
        assert_true(b.r->sections[i].n_blocks > 0);
    }

    /* Headline tiles against the families. */
    is_ratio(&tile(&b, "NRR (12 months)")->value, m->retention->current[2].nrr);
    is_ratio(&tile(&b, "GRR (12 months)")->value, m->retention->current[2].grr);
    is_ratio(&tile(&b, "Logo retention (12 months)")->value,
             m->retention->current[2].logo_retention);
    is_ratio(&tile(&b, "Renewal rate (logos)")->value,
             csm_renewals_month(m->renewals, rm)->logo_rate);
    is_ratio(&tile(&b, "Referral rate (12 months)")->value,
             m->referrals->months[rm].rate);
    is_number(&tile(&b, "Quick ratio (12 months)")->value,
              m->nrr_methods->quick[rm].quick_ratio_t12.value);
    is_number(&tile(&b, "CRC:CAC (12 months)")->value,
              m->economics->current[2].crc_to_cac.value);
    const csm_tile *tv = tile(&b, "Median TTFV (days)");
    is_number(&tv->value, m->ttfv->overall.median.median.value);
    /* The previous month's median is the same estimator as of 2025-09. */
    csm_ttfv *prev = NULL;
    csm_diags d = {0};
    assert_int_equal(csm_ttfv_run(b.ds, &b.cfg, rm - 1, &prev, &d), CSM_OK);
    is_number(&tv->previous, prev->overall.median.median.value);
    csm_ttfv_free(prev);
    csm_diags_free(&d);
    assert_false(tv->higher_is_better);
    contains(tile(&b, "Median TTFV (days)")->note, "95% CI ");

    /* Retention: the trends table and the caption's verdicts. */
    const csm_table *rt = table(&b, "retention_trends");
    const csm_series_trend *nt = &m->trends->series[CSM_TREND_NRR];
    is_text(at(rt, "NRR", "verdict"), csm_trend_verdict_name(nt->fit.verdict));
    near(at(rt, "NRR", "slope")->v.d, nt->fit.slope, EPS);
    near(at(rt, "NRR", "lo")->v.d, nt->fit.slope_lo, EPS);
    near(at(rt, "NRR", "hi")->v.d, nt->fit.slope_hi, EPS);
    is_int(at(rt, "NRR", "points"), (int64_t)nt->n);
    char *tt = csm_trend_text(nt);
    contains(block(&b, "retention", "Trailing 12-month retention")->caption,
             tt);
    free(tt);
    const csm_table *nm = table(&b, "nrr_methods");
    const csm_table *nd = table(&b, "nrr_difference");
    static const char *const wn[3] = {"1 month", "3 months", "12 months"};
    for (int w = 0; w < 3; w++) {
        const csm_nrr_window *x = &m->nrr_methods->window[w];
        is_ratio(at(nm, wn[w], "p2p"), x->p2p_nrr);
        is_ratio(at(nm, wn[w], "movement"), x->movement_nrr);
        is_ratio(at(nm, wn[w], "average"), x->monthly_average_nrr);
        near(at(nm, wn[w], "difference")->v.d, x->difference.value, EPS);
        near(at(nd, wn[w], "fx")->v.d, x->components.fx.value, EPS);
        near(at(nd, wn[w], "won_in_window")->v.d,
             x->components.won_in_window.value, EPS);
        /* The four parts add up to the difference. */
        double sum = at(nd, wn[w], "fx")->v.d +
                     at(nd, wn[w], "churned_and_returned")->v.d +
                     at(nd, wn[w], "returned_from_before")->v.d +
                     at(nd, wn[w], "won_in_window")->v.d;
        near(sum, at(nd, wn[w], "total")->v.d, 1e-12);
    }

    const csm_table *qr = table(&b, "quick_ratio");
    assert_int_equal(qr->n_rows, 13);
    for (int k = rm - 12; k <= rm; k++) {
        const csm_quick_ratio_month *x = &m->nrr_methods->quick[k];
        csm_label_month(&(csm_build_ctx){.ds = b.ds}, k, mb);
        is_money(at(qr, mb, "gains"), x->gains);
        is_money(at(qr, mb, "losses"), x->losses);
        is_money(at(qr, mb, "gains_t12"), x->gains_t12);
        is_number(at(qr, mb, "quick_ratio_t12"), x->quick_ratio_t12.value);
        if (x->quick_ratio.defined)
            is_number(at(qr, mb, "quick_ratio"), x->quick_ratio.value);
        else
            is_na(at(qr, mb, "quick_ratio"));
    }

    /* Renewals: each month against the family; the 12-month "All" row
     * against a sum of the months made here. */
    const csm_table *rmt = table(&b, "renewals_month");
    assert_int_equal(rmt->n_rows, 13);
    long up = 0, renewed = 0;
    for (int k = rm - 12; k <= rm; k++) {
        const csm_renewal_stats *s = csm_renewals_month(m->renewals, k);
        csm_label_month(&(csm_build_ctx){.ds = b.ds}, k, mb);
        is_int(at(rmt, mb, "up"), s->up_logos);
        is_int(at(rmt, mb, "renewed"), s->renewed_logos);
        is_ratio(at(rmt, mb, "logo_rate"), s->logo_rate);
        is_ci(at(rmt, mb, "lo"), at(rmt, mb, "hi"), &s->logo_rate_ci);
        is_ratio(at(rmt, mb, "gross"), s->gross_dollar_rate);
        is_ratio(at(rmt, mb, "net"), s->net_dollar_rate);
        if (k > rm - 12) {
            up += s->up_logos;
            renewed += s->renewed_logos;
        }
    }
    is_int(at(table(&b, "renewals_segment"), "All", "up"), up);
    is_int(at(table(&b, "renewals_term"), "All", "renewed"), renewed);

    /* Cohorts: the heatmap's cells are the quarter table's revenue
     * retention at ages 0, 3, 6, ..., 36, its last row the pooled row. */
    const csm_block *hm = block(&b, "cohorts", "Revenue retention by signup");
    const csm_heatmap *h = &hm->u.heatmap;
    const csm_cohort_table *ct = &m->cohorts->table[CSM_COHORT_QUARTER];
    assert_string_equal(h->row_title, "Signup quarter");
    assert_string_equal(h->col_title, "Months since start");
    assert_non_null(h->legend);
    assert_int_equal(h->n_cols, 13);
    assert_string_equal(h->col_labels[12], "36");
    assert_int_equal(h->n_rows, 13);
    assert_string_equal(h->row_labels[12], "All cohorts");
    for (size_t r = 0; r + 1 < h->n_rows; r++) {
        const csm_cohort_row *row = NULL;
        for (size_t i = 0; i < ct->n_rows; i++)
            if (strcmp(ct->rows[i].label, h->row_labels[r]) == 0)
                row = &ct->rows[i];
        assert_non_null(row);
        assert_false(row->left_truncated);
        for (size_t j = 0; j < h->n_cols; j++) {
            int k = (int)j * 3;
            bool def = k < row->n_ages && row->revenue_retention[k].defined;
            assert_int_equal(h->defined[r * h->n_cols + j], def);
            if (def)
                near(h->values[r * h->n_cols + j],
                     row->revenue_retention[k].value, EPS);
        }
    }
    for (size_t j = 0; j < h->n_cols; j++)
        near(h->values[12 * h->n_cols + j],
             ct->all[j * 3].revenue_retention.value, EPS);
    /* The newest cohort shown is the report month's quarter. */
    assert_string_equal(h->row_labels[11], "2025-Q4");
    const csm_table *cs = table(&b, "cohorts_quarter_revenue");
    for (size_t r = 0; r + 1 < h->n_rows; r++) {
        const csm_cohort_row *row = NULL;
        for (size_t i = 0; i < ct->n_rows; i++)
            if (strcmp(ct->rows[i].label, h->row_labels[r]) == 0)
                row = &ct->rows[i];
        is_int(at(cs, row->label, "customers"), row->logos);
        is_money(at(cs, row->label, "base_mrr"), row->base_mrr);
        is_int(at(cs, row->label, "observed"), (int64_t)row->early_churn.n);
        is_ci(at(cs, row->label, "lo"), at(cs, row->label, "hi"),
              &row->early_churn);
    }
    is_int(at(cs, "All cohorts", "churned"),
           (int64_t)m->cohorts->early_churn.x);

    /* Onboarding: the curve is 1 - S(t) of the fit, day 0 first. */
    const csm_block *km = block(&b, "onboarding", "Time to first value");
    const csm_chart *kc = &km->u.chart;
    assert_int_equal(kc->series[0].style, CSM_SERIES_STEP);
    assert_non_null(kc->x_values);
    assert_non_null(kc->series[0].lo);
    near(kc->x_values[0], 0, 0);
    size_t p = 1;
    for (size_t i = 0; i < m->ttfv->curve->n_steps; i++) {
        const csm_km_step *s = &m->ttfv->curve->steps[i];
        if (s->time > 180)
            break;
        near(kc->x_values[p], s->time, 0);
        near(kc->series[0].y[p], 1.0 - s->surv, EPS);
        if (s->upper.defined)
            near(kc->series[0].lo[p], 1.0 - s->upper.value, EPS);
        p++;
    }
    near(kc->x_values[kc->n_points - 1], 180, 0);
    const csm_table *ot = table(&b, "ttfv_overall");
    const csm_ttfv_summary *o = &m->ttfv->overall;
    is_number(at(ot, "Median (days)", "value"), o->median.median.value);
    is_number(at(ot, "Median (days)", "lo"), o->median.lower.value);
    is_rate(at(ot, "Reached within 30 days", "value"),
            o->within[0].share.value);
    is_rate(at(ot, "Reached within 90 days", "hi"), o->within[2].hi.value);
    is_rate(at(ot, "Churned before first value", "value"),
            o->churned_before_value.estimate);
    is_int(at(ot, "Median (days)", "n"), (int64_t)o->n);
    const csm_table *qt = table(&b, "ttfv_quarters");
    assert_int_equal(qt->n_rows, 12);
    for (size_t i = 0; i < 12; i++) {
        const csm_ttfv_summary *q =
            &m->ttfv->by_quarter[m->ttfv->n_quarters - 12 + i];
        char key[32];
        snprintf(key, sizeof key, "%s%s", csm_quarter_format(q->quarter, mb),
                 q->conditional_from.defined ? " *" : "");
        is_int(at(qt, key, "n"), (int64_t)q->n);
        is_int(at(qt, key, "events"), (int64_t)q->events);
        if (q->median.median.defined)
            is_number(at(qt, key, "median"), q->median.median.value);
        else
            is_na(at(qt, key, "median"));
    }
    const csm_table *sgt = table(&b, "ttfv_segments");
    assert_int_equal(sgt->n_rows, m->ttfv->n_segments);
    const csm_logrank *lr = m->ttfv->segment_test;
    assert_non_null(lr);
    near(at(sgt, "Enterprise", "expected")->v.d, lr->expected[0], EPS);
    char c1[CSM_FMT_BUFSZ];
    char *chi = csm_xasprintf("chi-square %s on %zu df",
                              csm_format_number(lr->chisq, 2, 0, c1), lr->df);
    contains(block(&b, "onboarding", "By segment")->caption, chi);
    free(chi);

    /* Health: this month's bands; the at-risk list, found here again from
     * the data set: every customer in an at-risk band, largest MRR first,
     * the first 15. */
    const csm_health_month *hmo = &m->health->months[rm];
    const csm_table *bt = table(&b, "health_bands");
    is_int(at(bt, "Green", "customers"), hmo->green.logos);
    is_money(at(bt, "Yellow", "mrr"), hmo->yellow.mrr);
    is_int(at(bt, "Red", "customers"), hmo->red.logos);
    const csm_table *ar = table(&b, "health_at_risk");
    assert_int_equal(ar->n_rows, 15);
    int64_t last = INT64_MAX;
    size_t n_risk = 0;
    for (size_t c = 0; c < b.ds->n_customers; c++)
        n_risk +=
            csm_ds_active(b.ds, rm, c) && (csm_health_band(m->health, rm, c) &
                                           (CSM_BAND_RED | CSM_BAND_YELLOW));
    for (size_t r = 0; r < ar->n_rows; r++) {
        const char *id = at_row(ar, r, "customer")->v.text;
        uint32_t c = csm_ds_find_customer(b.ds, id);
        assert_true(c != CSM_NO_CUSTOMER);
        int64_t mrr = csm_ds_mrr(b.ds, rm, c);
        is_money(at_row(ar, r, "mrr"), mrr);
        assert_true(mrr <= last);
        last = mrr;
        int band = csm_health_band(m->health, rm, c);
        assert_true(band == CSM_BAND_RED || band == CSM_BAND_YELLOW);
        is_text(at_row(ar, r, "name"), b.ds->names[c]);
        int32_t ow = csm_ds_attr(b.ds, rm, CSM_ATTR_OWNER, c);
        is_text(at_row(ar, r, "owner"),
                ow == CSM_NA ? "" : csm_ds_string(b.ds, ow));
    }
    /* Nobody left out is larger than the last one listed. */
    size_t larger = 0;
    for (size_t c = 0; c < b.ds->n_customers; c++)
        larger += csm_ds_active(b.ds, rm, c) &&
                  (csm_health_band(m->health, rm, c) &
                   (CSM_BAND_RED | CSM_BAND_YELLOW)) &&
                  csm_ds_mrr(b.ds, rm, c) > last;
    assert_true(larger <= 14);
    char *cnt = csm_xasprintf("%zu active customers are red or yellow", n_risk);
    contains(block(&b, "health", "Largest accounts at risk")->caption, cnt);
    free(cnt);

    /* Referrals: each month against the family, band on the chart. */
    const csm_table *rf = table(&b, "referrals_month");
    for (int k = rm - 12; k <= rm; k++) {
        const csm_referral_month *x = &m->referrals->months[k];
        csm_label_month(&(csm_build_ctx){.ds = b.ds}, k, mb);
        is_int(at(rf, mb, "active"), x->active_logos);
        is_int(at(rf, mb, "referring"), x->referring_logos);
        is_ratio(at(rf, mb, "rate"), x->rate);
        is_ci(at(rf, mb, "lo"), at(rf, mb, "hi"), &x->rate_ci);
    }
    assert_non_null(
        block(&b, "referrals", "Referral rate")->u.chart.series[0].lo);

    /* Churn reasons: the demo has more reasons than bars. */
    const csm_block *bc = block(&b, "churn_reasons", "Churned MRR by reason");
    const csm_churn_window *cw = &m->churn_reasons->current[2];
    assert_int_equal(bc->u.chart.n_points, 5 + 1 + 1);
    double rest = 0;
    for (size_t i = 5; i < cw->n_by_reason; i++)
        rest += (double)cw->by_reason[i].mrr / 100.0;
    near(bc->u.chart.series[0].y[5], rest, 1e-9);
    is_int(at(table(&b, "churn_by_reason"), "All churn", "customers"),
           cw->churned_logos);

    /* Definitions: every policy has a row and a meaning. */
    const csm_table *pt = table(&b, "policies");
    const csm_block *pm = block(&b, "definitions", "What each policy means");
    assert_int_equal(pm->u.notes.n_lines, pt->n_rows);
    is_text(at(pt, "policies.trend_points", "value"), "12");
    board_close(&b);
}

/* Options: logo retention by signup month every month, a one-month churn
 * window, fewer renewal months. */
static void test_options(void **state)
{
    (void)state;
    static const char def[] = "report = board\n"
                              "title = Test\n"
                              "[section cohorts]\n"
                              "basis = logo\n"
                              "grouping = month\n"
                              "cohorts = 4\n"
                              "ages = 5\n"
                              "step = 1\n"
                              "[section churn_reasons]\n"
                              "window = 1\n"
                              "[section renewals]\n"
                              "months = 3\n";
    board b;
    board_open_def(&b, "fixtures/demo", 0, def, NULL);
    const csm_block *hm =
        block(&b, "cohorts", "Logo retention by signup month");
    const csm_heatmap *h = &hm->u.heatmap;
    assert_string_equal(h->row_title, "Signup month");
    assert_int_equal(h->n_cols, 6);
    assert_int_equal(h->n_rows, 5);
    const csm_cohort_table *ct = &b.m->cohorts->table[CSM_COHORT_MONTH];
    const csm_cohort_row *row = NULL;
    for (size_t i = 0; i < ct->n_rows; i++)
        if (strcmp(ct->rows[i].label, h->row_labels[0]) == 0)
            row = &ct->rows[i];
    assert_non_null(row);
    for (int k = 0; k < 6 && k < row->n_ages; k++)
        if (row->logo_retention[k].defined)
            near(h->values[k], row->logo_retention[k].value, EPS);
    assert_non_null(table(&b, "cohorts_month_logo"));
    contains(block(&b, "churn_reasons", "Churned MRR by reason")->title,
             "2025-10");
    assert_int_equal(table(&b, "renewals_month")->n_rows, 3);
    board_close(&b);
}

/* Restatements: a table of figures and of changed customers. */
static void test_restatements(void **state)
{
    (void)state;
    /* The strings are the struct's own (it frees nothing here). */
    char m1[] = "2025-09", m2[] = "", k1[] = "bridge.churn",
         k2[] = "policies.gross_margin", p1[] = "1000", c1[] = "1200",
         p2[] = "0.8", c2[] = "0.75", id[] = "C000001", path[] = "prev.json",
         olddir[] = "old/";
    csm_restated_figure figs[2] = {{m1, k1, p1, c1}, {m2, k2, p2, c2}};
    csm_restated_customer cus[1] = {
        {id, csm_month_from_ym(2025, 9), 10000, 12000, "changed"}};
    csm_restatements rs = {.previous_path = path,
                           .previous_data = olddir,
                           .figures = figs,
                           .n_figures = 2,
                           .total_figures = 2,
                           .customers = cus,
                           .n_customers = 1,
                           .total_customers = 1};
    board b;
    board_open_def(&b, "fixtures/hand/basic", 0,
                   "report = board\n[section restatements]\n", &rs);
    const csm_table *t = table(&b, "restated_figures");
    assert_int_equal(t->n_rows, 2);
    is_text(at(t, "2025-09", "metric"), "bridge.churn");
    /* Typed from the metric's name: bridge.churn is money (minor units),
     * an unknown leaf stays as the JSON text. */
    is_money(at(t, "2025-09", "before"), 1000);
    is_money(at(t, "2025-09", "after"), 1200);
    is_text(at(t, "(run)", "metric"), "policies.gross_margin");
    is_text(at(t, "(run)", "before"), "0.8");
    contains(block(&b, "restatements", "Restated figures")->caption,
             "2 figures reported by the earlier run (prev.json) differ now");
    const csm_table *c = table(&b, "restated_customers");
    is_money(at(c, "C000001", "before"), 10000);
    is_money(at(c, "C000001", "after"), 12000);
    is_text(at(c, "C000001", "month"), "2025-09");
    is_text(at(c, "C000001", "change"), "changed");
    board_close(&b);

    /* Without --previous-data: the figures, and a note for customers. */
    rs.previous_data = NULL;
    board_open_def(&b, "fixtures/hand/basic", 0,
                   "report = board\n[section restatements]\n", &rs);
    assert_true(has_block_kind(&b, "restatements", CSM_BLOCK_NOTES));
    assert_null(csm_report_find_table(b.r, "restated_customers"));
    board_close(&b);
}

/* Sections on data that lacks what they show say so, never crash. */
static void test_degenerate(void **state)
{
    (void)state;
    board b;
    /* The first loaded month: no bridge movements, no renewals. */
    board_open(&b, "fixtures/hand/basic", 4);
    contains(section(&b, "renewals")->blocks[0].u.notes.lines[0],
             "first loaded month has no renewals");
    is_na(&tile(&b, "Net new MRR")->value);
    /* basic has no health inputs. */
    assert_int_equal(section(&b, "health")->blocks[0].kind, CSM_BLOCK_NOTES);
    /* ... no costs: every economics figure n/a with its reason. */
    is_na(at(table(&b, "economics"), "CAC", "m1"));
    assert_true(has_block_kind(&b, "economics", CSM_BLOCK_NOTES));
    board_close(&b);
}

/* ------------------------------------------------------ end to end */

static char *run_cmd(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    csm_strbuf b = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        csm_strbuf_append(&b, buf, n);
    pclose(p);
    char *s = csm_strbuf_take(&b);
    return s ? s : csm_xstrdup("");
}

static const csm_jval *jget(const csm_jval *v, const char *path)
{
    /* "a.b.c" through objects. */
    char *copy = csm_xstrdup(path);
    const csm_jval *cur = v;
    for (char *tok = strtok(copy, "."); tok && cur; tok = strtok(NULL, "."))
        cur = csm_jval_get(cur, tok);
    free(copy);
    if (!cur)
        fail_msg("JSON has no %s", path);
    return cur;
}

static int64_t jint(const csm_jval *v, const char *path)
{
    const csm_jval *x = jget(v, path);
    assert_int_equal(x->type, CSM_JNUMBER);
    return strtoll(x->text, NULL, 10);
}

static double jnum(const csm_jval *v, const char *path)
{
    const csm_jval *x = jget(v, path);
    assert_int_equal(x->type, CSM_JNUMBER);
    return x->num;
}

/* The row (1-based) of the first cell in column A of sheet n holding
 * text, or 0. */
static int row_with(const xr_book *w, size_t n, const char *text)
{
    for (int r = 1; r < 2000; r++) {
        char ref[16];
        snprintf(ref, sizeof ref, "A%d", r);
        xr_cell c = xr_get(w, n, ref);
        bool hit = c.found && c.text && strcmp(c.value, text) == 0;
        xr_cell_free(&c);
        if (hit)
            return r;
    }
    return 0;
}

static void x_number(const xr_book *w, size_t n, const char *ref, double v,
                     const char *numfmt)
{
    xr_cell c = xr_get(w, n, ref);
    if (!c.found || c.text || !c.value || fabs(atof(c.value) - v) > 1e-9)
        fail_msg("sheet %zu %s: %s, want %.10g", n, ref,
                 c.value ? c.value : "(none)", v);
    if (numfmt) {
        char *f = xr_numfmt(w, c.style);
        if (strcmp(f, numfmt) != 0)
            fail_msg("sheet %zu %s: format %s, want %s", n, ref, f, numfmt);
        free(f);
    }
    xr_cell_free(&c);
}

static void x_text(const xr_book *w, size_t n, const char *ref, const char *s)
{
    xr_cell c = xr_get(w, n, ref);
    if (!c.found || !c.text || strcmp(c.value, s) != 0)
        fail_msg("sheet %zu %s: \"%s\", want \"%s\"", n, ref,
                 c.value ? c.value : "(none)", s);
    xr_cell_free(&c);
}

static char *file_bytes(const char *path, size_t *len)
{
    char *s = tu_read(path, len);
    assert_non_null(s);
    return s;
}

/* `csmetrics report board` on fixtures/demo through the binary. */
static void test_end_to_end(void **state)
{
    (void)state;
    char *dir = tu_tempdir("board-e2e");
    char *out1 = csm_xasprintf("%s/one", dir),
         *out2 = csm_xasprintf("%s/two", dir);
    char *data = tu_path("fixtures/demo");
    setenv("SOURCE_DATE_EPOCH", "1761955200", 1);
    for (int i = 0; i < 2; i++) {
        const char *args[] = {"report",   "board",         "--data",
                              data,       "--out",         i ? out2 : out1,
                              "--format", "pdf,xlsx,json", NULL};
        char *so, *se;
        int rc = tu_run(args, &so, &se);
        if (rc != 0)
            fail_msg("exit %d: %s", rc, se);
        free(so);
        free(se);
    }
    unsetenv("SOURCE_DATE_EPOCH");

    /* Byte-identical repeats. */
    static const char *const files[] = {"board-2025-10.pdf",
                                        "board-2025-10.xlsx"};
    for (size_t i = 0; i < 2; i++) {
        char *a = csm_xasprintf("%s/%s", out1, files[i]);
        char *b2 = csm_xasprintf("%s/%s", out2, files[i]);
        size_t la, lb;
        char *x = file_bytes(a, &la), *y = file_bytes(b2, &lb);
        assert_true(la > 1000);
        assert_int_equal(la, lb);
        assert_memory_equal(x, y, la);
        free(x);
        free(y);
        free(a);
        free(b2);
    }

    char *jpath = csm_xasprintf("%s/board-2025-10.json", out1);
    size_t jlen;
    char *jtext = file_bytes(jpath, &jlen);
    csm_jval *j = NULL;
    csm_diags d = {0};
    assert_int_equal(csm_json_parse(jtext, jlen, "json", &j, &d), CSM_OK);

    /* The headline figures as the JSON has them, formatted as format.c
     * formats the tiles. */
    const csm_jval *br = jget(j, "bridge");
    const csm_jval *last = &br->items[br->n - 1];
    int64_t closing = jint(last, "closing");
    int64_t net_new = jint(last, "new") + jint(last, "reactivation") +
                      jint(last, "expansion") - jint(last, "contraction") -
                      jint(last, "churn");
    int64_t logos = jint(last, "logos.closing");
    double ttfv = jnum(j, "ttfv.median_days");
    struct {
        const char *label;
        char text[CSM_FMT_BUFSZ];
        double v; /* for the workbook */
        const char *numfmt;
    } kpi[12];
    size_t nk = 0;
#define KPI(lab, fn, val, fmt_)                                                \
    do {                                                                       \
        kpi[nk].label = lab;                                                   \
        fn;                                                                    \
        kpi[nk].v = (val);                                                     \
        kpi[nk].numfmt = fmt_;                                                 \
        nk++;                                                                  \
    } while (0)
    KPI("ARR (USD)", csm_format_money(12 * closing, 2, 0, kpi[nk].text),
        (double)(12 * closing) / 100.0, "#,##0.00");
    KPI("MRR (USD)", csm_format_money(closing, 2, 0, kpi[nk].text),
        (double)closing / 100.0, "#,##0.00");
    double v;
    v = jnum(j, "retention.m12.nrr");
    KPI("NRR (12 months)", csm_format_rate(v, 1, 0, kpi[nk].text), v, "0.0%");
    v = jnum(j, "retention.m12.grr");
    KPI("GRR (12 months)", csm_format_rate(v, 1, 0, kpi[nk].text), v, "0.0%");
    v = jnum(j, "retention.m12.logo_retention");
    KPI("Logo retention (12 months)", csm_format_rate(v, 1, 0, kpi[nk].text), v,
        "0.0%");
    assert_string_equal(jget(j, "renewals.current.month")->text, "2025-10");
    v = jnum(j, "renewals.current.logo_rate");
    KPI("Renewal rate (logos)", csm_format_rate(v, 1, 0, kpi[nk].text), v,
        "0.0%");
    KPI("Median TTFV (days)",
        csm_format_number(ttfv, ttfv == floor(ttfv) ? 0 : 1, 0, kpi[nk].text),
        ttfv, ttfv == floor(ttfv) ? "#,##0" : "#,##0.0");
    v = jnum(j, "unit_economics.m12.crc_to_cac");
    KPI("CRC:CAC (12 months)", csm_format_number(v, 2, 0, kpi[nk].text), v,
        "#,##0.00");
    v = jnum(j, "referrals.current.rate");
    KPI("Referral rate (12 months)", csm_format_rate(v, 1, 0, kpi[nk].text), v,
        "0.0%");
    v = jnum(j, "quick_ratio.quick_ratio_t12");
    KPI("Quick ratio (12 months)", csm_format_number(v, 1, 0, kpi[nk].text), v,
        "#,##0.0");
    KPI("Net new MRR (USD)", csm_format_money(net_new, 2, 0, kpi[nk].text),
        (double)net_new / 100.0, "#,##0.00");
    KPI("Customers", csm_format_int(logos, 0, kpi[nk].text), (double)logos,
        "#,##0");
#undef KPI

    /* The PDF: every section title, every KPI, a UTF-8 customer name. */
    char *pdf = csm_xasprintf("%s/board-2025-10.pdf", out1);
    char *cmd = csm_xasprintf("pdftotext -layout '%s' - 2>/dev/null", pdf);
    char *text = run_cmd(cmd);
    free(cmd);
    char *dp = tu_path("reports/board.report");
    csm_report_def *def = NULL;
    assert_int_equal(csm_report_def_load(dp, csm_section_specs,
                                         csm_n_section_specs, &def, &d),
                     CSM_OK);
    free(dp);
    assert_int_equal(def->n_sections, 13);
    for (size_t i = 0; i < def->n_sections; i++)
        contains(text, def->sections[i].title);
    for (size_t i = 0; i < nk; i++)
        contains(text, kpi[i].text);
    /* A name with non-ASCII letters from the demo data: the churn without
     * a reason in 2025-08 (customer C000428). */
    static const char utf8_name[] = "Fontaine H\xC3\xB4tellerie SAS";
    contains(text, utf8_name);
    char *snap = tu_path("fixtures/demo/snapshots/2025-07.csv");
    char *snap_text = tu_read(snap, NULL);
    contains(snap_text, utf8_name);
    free(snap_text);
    free(snap);
    cmd = csm_xasprintf("pdfinfo '%s' 2>/dev/null", pdf);
    char *info = run_cmd(cmd);
    free(cmd);
    const char *pg = strstr(info, "Pages:");
    assert_non_null(pg);
    int pages = atoi(pg + 6);
    /* 13 sections, one page each at least; tables and charts add about
     * ten; a large jump means something overflowed. */
    assert_true(pages >= 18 && pages <= 32);
    char *footer = csm_xasprintf("page %d of %d", pages, pages);
    contains(text, footer);
    free(footer);
    free(info);

    /* The workbook: the summary sheet's tiles and the bridge sheet's
     * last month, cells and formats against the JSON. */
    char *xlsx = csm_xasprintf("%s/board-2025-10.xlsx", out1);
    xr_book w;
    assert_true(xr_open(&w, xlsx));
    assert_int_equal(w.n_sheets, 13);
    int hr = row_with(&w, 1, "Metric");
    assert_true(hr > 0);
    for (size_t i = 0; i < nk; i++) {
        char ref[16];
        snprintf(ref, sizeof ref, "A%d", hr + 1 + (int)i);
        x_text(&w, 1, ref, kpi[i].label);
        snprintf(ref, sizeof ref, "B%d", hr + 1 + (int)i);
        x_number(&w, 1, ref, kpi[i].v, kpi[i].numfmt);
    }
    int bt = row_with(&w, 2, "Bridge by month");
    assert_true(bt > 0);
    /* Title, caption, header, then 13 months: the last is the report
     * month. */
    int lr = bt + 2 + 13;
    char ref[16];
    snprintf(ref, sizeof ref, "A%d", lr);
    x_text(&w, 2, ref, "2025-10");
    static const char *const keys[] = {
        "opening",     "new",   "reactivation", "expansion",
        "contraction", "churn", "fx",           "closing"};
    for (size_t k = 0; k < 8; k++) {
        snprintf(ref, sizeof ref, "%c%d", (char)('B' + k), lr);
        x_number(&w, 2, ref, (double)jint(last, keys[k]) / 100.0, "#,##0.00");
    }
    snprintf(ref, sizeof ref, "I%d", lr);
    xr_cell cc = xr_get(&w, 2, ref);
    char *want_f = csm_xasprintf("B%d+C%d+D%d+E%d-F%d-G%d+H%d", lr, lr, lr, lr,
                                 lr, lr, lr);
    assert_non_null(cc.formula);
    assert_string_equal(cc.formula, want_f);
    free(want_f);
    xr_cell_free(&cc);
    int ct = row_with(&w, 2, "Customers by month");
    assert_true(ct > 0);
    snprintf(ref, sizeof ref, "H%d", ct + 2 + 13);
    x_number(&w, 2, ref, (double)logos, "#,##0");
    /* The UTF-8 name is a cell of the workbook too. */
    bool found = false;
    for (size_t i = 0; i < w.n_sst && !found; i++)
        found = strcmp(w.sst[i], utf8_name) == 0;
    assert_true(found);
    xr_close(&w);

    free(xlsx);
    free(pdf);
    free(text);
    csm_report_def_free(def);
    csm_jval_free(j);
    csm_diags_free(&d);
    free(jtext);
    free(jpath);
    free(data);
    tu_rmtree(dir);
    free(dir);
    free(out1);
    free(out2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trend_text), cmocka_unit_test(test_basic),
        cmocka_unit_test(test_renewals),   cmocka_unit_test(test_health),
        cmocka_unit_test(test_finance),    cmocka_unit_test(test_demo_blocks),
        cmocka_unit_test(test_options),    cmocka_unit_test(test_restatements),
        cmocka_unit_test(test_degenerate), cmocka_unit_test(test_end_to_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
