/* Unit tests of the XLSX renderer (render/xlsx.c, render/xlsx_formula.c).
 *
 * The neutral-formula parser and the sheet-name rules are tested on their
 * own.  Then a synthetic report holding every block kind is rendered and
 * the workbook's XML parts are read back (unzip -p) to check cell values,
 * formulas and their cached results, number formats, fonts and fills,
 * frozen panes, autofilters, charts, the colour scale and the document
 * properties.  LibreOffice, when installed, opens the workbook with
 * recalculation forced and exports every sheet to CSV, so the translated
 * formulas are checked by a real spreadsheet.  Further tests: byte-identical
 * output, a 50,000-row table in constant-memory mode, unwritable folders
 * and formula errors in the model. */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "csmetrics/render.h"
#include "csmetrics/report_model.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/style.h"
#include "csmetrics/xalloc.h"
#include "csmetrics/xlsx_formula.h"
#include "support/testutil.h"
#include "support/xlsxread.h"

/* ============================================================ helpers */

static bool has_diag(const csm_diags *d, const char *needle)
{
    for (size_t i = 0; i < d->n; i++)
        if (strstr(d->items[i].message, needle))
            return true;
    return false;
}

static void dump_diags(const csm_diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(stderr, "diag: %s\n", d->items[i].message);
}

static bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Names in dir that contain needle. */
static int count_files(const char *dir, const char *needle)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, needle))
            n++;
    closedir(d);
    return n;
}

/* ============================================= the formula translator */

static csm_report *formula_model(void)
{
    csm_report *r = csm_report_new("test", "Formulas");
    r->currency_decimals = 2;
    csm_section *s = csm_report_section(r, "a", "A");
    csm_block *b = csm_section_table(s, NULL, "t");
    csm_table_column(b, "k", "Key", CSM_CELL_TEXT, 0);
    csm_table_column(b, "a", "Amount", CSM_CELL_MONEY, 0);
    csm_table_column(b, "n", "Count", CSM_CELL_INT, 0);
    const char *keys[] = {"k1", "k2", "k 3", "dup", "dup", "Total"};
    const int64_t amounts[] = {150, -25, 1000, 1, 2, 0};
    for (size_t i = 0; i < 6; i++) {
        csm_cell row[3] = {csm_cell_text(keys[i]), csm_cell_money(amounts[i]),
                           i == 1 ? csm_cell_text("x")
                                  : csm_cell_int((int64_t)i)};
        csm_table_row(b, row);
    }
    b->u.table.total_rows = 1;
    /* A table keyed by month. */
    csm_block *m = csm_section_table(s, NULL, "bymonth");
    csm_table_column(m, "month", "Month", CSM_CELL_MONTH, 0);
    csm_table_column(m, "v", "Value", CSM_CELL_INT, 0);
    csm_cell row[2] = {csm_cell_month(csm_month_from_ym(2025, 3)),
                       csm_cell_int(7)};
    csm_table_row(m, row);
    /* An empty table. */
    csm_block *e = csm_section_table(s, NULL, "empty");
    csm_table_column(e, "v", "Value", CSM_CELL_INT, 0);
    return r;
}

typedef struct fx {
    csm_report *r;
    csm_xlsx_place places[3];
    csm_xlsx_formula_env env;
} fx;

static void fx_init(fx *f, const char *sheet_t)
{
    f->r = formula_model();
    const csm_section *s = &f->r->sections[0];
    f->places[0] = (csm_xlsx_place){&s->blocks[0].u.table, sheet_t, 3, 0};
    f->places[1] = (csm_xlsx_place){&s->blocks[1].u.table, "Months", 0, 2};
    f->places[2] = (csm_xlsx_place){&s->blocks[2].u.table, "Other", 9, 0};
    f->env = (csm_xlsx_formula_env){f->places, 3, "Here", 2};
}

/* Translates src and checks the A1 text and the value. */
static void tr_ok(const fx *f, const char *src, const char *want, double val)
{
    csm_strbuf out = {0};
    char err[256];
    double v = -1;
    bool ok = false;
    csm_error rc = csm_xlsx_formula_translate(src, &f->env, &out, &v, &ok, err,
                                              sizeof err);
    if (rc != CSM_OK || strcmp(csm_strbuf_str(&out), want) != 0 ||
        fabs(v - val) > 1e-9) {
        fprintf(stderr, "%s -> rc %d \"%s\" = %g (%s); want \"%s\" = %g\n", src,
                rc, csm_strbuf_str(&out), v, err, want, val);
        fail();
    }
    assert_true(ok);
    csm_strbuf_free(&out);
}

static void tr_err(const fx *f, const char *src, const char *msg)
{
    csm_strbuf out = {0};
    csm_strbuf_puts(&out, "keep");
    char err[256];
    csm_error rc = csm_xlsx_formula_translate(src, &f->env, &out, NULL, NULL,
                                              err, sizeof err);
    if (rc != CSM_EUSAGE || !strstr(err, msg)) {
        fprintf(stderr, "%s -> rc %d err \"%s\"; want \"%s\"\n", src, rc, err,
                msg);
        fail();
    }
    /* The output is left as it was on error. */
    assert_string_equal(csm_strbuf_str(&out), "keep");
    csm_strbuf_free(&out);
}

static void test_formula_translate(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "Here");
    /* Data rows of t are sheet rows 4..8 (0-based header at 3): A1 rows
     * 5..9; the totals row (10) is left out of ranges. */
    tr_ok(&f, "SUM(t.a)", "SUM(B5:B9)", 1.50 - 0.25 + 10.00 + 0.01 + 0.02);
    tr_ok(&f, "sum( t.a )", "SUM(B5:B9)", 11.28);
    /* Text cells count as zero in SUM, as in Excel. */
    tr_ok(&f, "SUM(t.n)", "SUM(C5:C9)", 0 + 2 + 3 + 4);
    tr_ok(&f, "t.a[k2]", "B6", -0.25);
    tr_ok(&f, "t.a[ k 3 ]", "B7", 10.0);
    tr_ok(&f, "t.a[\"k 3\"]", "B7", 10.0);
    tr_ok(&f, "t.a[Total]", "B10", 0); /* totals rows can be named */
    tr_ok(&f, "t.a[k2] - (t.a[k1] + 3)", "B6-(B5+3)", -0.25 - 4.5);
    tr_ok(&f, "-SUM(t.a) + 12", "-SUM(B5:B9)+12", 12 - 11.28);
    tr_ok(&f, "+t.a[k1]", "B5", 1.5);
    tr_ok(&f, "--t.a[k1]", "--B5", 1.5);
    /* SUMIF is case-insensitive like Excel's, and its criterion is
     * escaped so it matches literally. */
    tr_ok(&f, "SUMIF(t.k, \"K1\", t.a)", "SUMIF(A5:A9,\"K1\",B5:B9)", 1.5);
    tr_ok(&f, "SUMIF(t.k, \"dup\", t.a)", "SUMIF(A5:A9,\"dup\",B5:B9)", 0.03);
    tr_ok(&f, "SUMIF(t.k, \"a*b?~\", t.a)", "SUMIF(A5:A9,\"a~*b~?~~\",B5:B9)",
          0);
    tr_ok(&f, "SUMIF(t.k, \">5\", t.a)", "SUMIF(A5:A9,\"=>5\",B5:B9)", 0);
    tr_ok(&f, "SUMIF(t.k, \"say \"\"hi\"\"\", t.a)",
          "SUMIF(A5:A9,\"say \"\"hi\"\"\",B5:B9)", 0);
    /* Other sheets are quoted, apostrophes doubled; months are keys. */
    tr_ok(&f, "bymonth.v[2025-03]", "'Months'!D2", 7);
    tr_ok(&f, "SUM(empty.v) + 1", "0+1", 1);
    fx g;
    fx_init(&g, "It's here");
    tr_ok(&g, "SUM(t.a)", "SUM('It''s here'!B5:B9)", 11.28);

    /* A single cell that is text: translated, but flagged. */
    csm_strbuf out = {0};
    char err[256];
    double v;
    bool ok = true;
    assert_int_equal(csm_xlsx_formula_translate("t.n[k2]", &f.env, &out, &v,
                                                &ok, err, sizeof err),
                     CSM_OK);
    assert_false(ok);
    csm_strbuf_free(&out);

    tr_err(&f, "SUM(nope.a)", "no table \"nope\"");
    tr_err(&f, "SUM(t.zz)", "table \"t\" has no column \"zz\"");
    tr_err(&f, "t.a[k9]", "table \"t\" has no row \"k9\"");
    tr_err(&f, "t.a[dup]", "more than one row \"dup\"");
    tr_err(&f, "SUM(t.a", "expected ')'");
    tr_err(&f, "t.a", "expected '['");
    tr_err(&f, "t.a[k1", "expected ']'");
    tr_err(&f, "AVERAGE(t.a)", "unknown function \"AVERAGE\"");
    tr_err(&f, "t.a[k1] +", "unexpected end");
    tr_err(&f, "", "empty formula");
    tr_err(&f, "t.a[k1] * 2", "unexpected '*'");
    tr_err(&f, "SUMIF(t.k, \"a\", bymonth.v)", "two different tables");
    tr_err(&f, "SUMIF(t.k, a, t.a)", "expected a \"quoted\" text");
    tr_err(&f, "SUMIF(t.k, \"a, t.a)", "unterminated text");
    tr_err(&f, "1234567890123456", "too long");
    tr_err(&f, "t-a[k1]", "expected '.'");
    tr_err(&f, "SUM(t.a) )", "unexpected ')'");
    csm_report_free(f.r);
    csm_report_free(g.r);
}

static void test_names(void **state)
{
    (void)state;
    char buf[CSM_XLSX_SHEET_BUFSZ];
    const char *none[1] = {NULL};
    csm_xlsx_sheet_name("Summary", none, 0, buf);
    assert_string_equal(buf, "Summary");
    csm_xlsx_sheet_name("Ledger: O'Brien/[x]*? detail rows of the month", none,
                        0, buf);
    assert_string_equal(buf, "Ledger O'Brien x detail rows of");
    csm_xlsx_sheet_name("'quoted'", none, 0, buf);
    assert_string_equal(buf, "quoted");
    csm_xlsx_sheet_name("  ", none, 0, buf);
    assert_string_equal(buf, "Sheet");
    csm_xlsx_sheet_name("history", none, 0, buf);
    assert_string_equal(buf, "History (sheet)");
    /* 31 characters, cut on a character boundary (é is two bytes). */
    csm_xlsx_sheet_name("ééééééééééééééééééééééééééééééééééé", none, 0, buf);
    assert_int_equal(strlen(buf), 62);
    /* A character outside the BMP counts two UTF-16 units. */
    csm_xlsx_sheet_name("\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
                        "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
                        "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
                        "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
                        "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
                        "\xF0\x9F\x98\x80",
                        none, 0, buf);
    assert_int_equal(strlen(buf), 15 * 4);
    /* Bad UTF-8 bytes become spaces, never part of a name. */
    csm_xlsx_sheet_name("a\xFF"
                        "b",
                        none, 0, buf);
    assert_string_equal(buf, "a b");
    /* Unique, ignoring case, within 31 characters. */
    const char *used[] = {"Summary", "summary (2)",
                          "Abcdefghijklmnopqrstuvwxyz01234"};
    csm_xlsx_sheet_name("SUMMARY", used, 2, buf);
    assert_string_equal(buf, "SUMMARY (3)");
    csm_xlsx_sheet_name("Abcdefghijklmnopqrstuvwxyz0123456789", used, 3, buf);
    assert_string_equal(buf, "Abcdefghijklmnopqrstuvwxyz0 (2)");

    char col[4];
    csm_xlsx_col_name(0, col);
    assert_string_equal(col, "A");
    csm_xlsx_col_name(25, col);
    assert_string_equal(col, "Z");
    csm_xlsx_col_name(26, col);
    assert_string_equal(col, "AA");
    csm_xlsx_col_name(701, col);
    assert_string_equal(col, "ZZ");
    csm_xlsx_col_name(16383, col);
    assert_string_equal(col, "XFD");
}

/* ======================================================= the test model */

/* The ledger: customers that moved, with amounts in cents.  Derived
 * figures used below: new = 500.00 + 250.00 = 750.00 (C-004 is "New":
 * SUMIF ignores case); expansion = 1000.00 + 50.00 = 1050.00; churn =
 * -300.00 - 400.00 = -700.00; all deltas = 1100.00; previous MRR =
 * 1800.00; MRR = 2900.00. */
static const struct {
    const char *id, *name, *category;
    int64_t prev, mrr;
} ledger_rows[] = {
    {"C-001", "Zo\xC3\xAB Caf\xC3\xA9 \xE6\x9D\xB1\xE4\xBA\xAC", "new", 0,
     50000},
    {"C-002", "=HYPERLINK(\"http://example.com\",\"x\")", "expansion", 100000,
     200000},
    {"C-003", "+44 Ltd", "churn", 30000, 0},
    {"C-004", "-minus corp", "New", 0, 25000},
    {"C-005", "@mention", "churn", 40000, 0},
    {"C-006", "Plain & <xml> \"q\"", "expansion", 10000, 15000},
};
#define N_LEDGER (sizeof ledger_rows / sizeof *ledger_rows)

static const char *ledger_title =
    "Ledger: O'Brien/[x]*? detail rows of the month";
static const char *ledger_sheet = "Ledger O'Brien x detail rows of";

static void add_ledger(csm_report *r, size_t extra_rows)
{
    csm_section *s = csm_report_section(r, "ledger", ledger_title);
    csm_block *b = csm_section_table(s, "Movement ledger", "ledger");
    b->u.table.detail = true;
    csm_table_column(b, "id", "Customer", CSM_CELL_TEXT, 0);
    csm_table_column(b, "name", "Name", CSM_CELL_TEXT, 0);
    csm_table_column(b, "prev", "Previous MRR", CSM_CELL_MONEY, 0);
    csm_table_column(b, "mrr", "MRR", CSM_CELL_MONEY, 0);
    csm_table_column(b, "category", "Category", CSM_CELL_TEXT, 0);
    csm_table_column(b, "delta", "Delta", CSM_CELL_MONEY, 0);
    int64_t sp = 0, sm = 0;
    for (size_t i = 0; i < N_LEDGER + extra_rows; i++) {
        char id[32];
        const char *name = "Filler customer", *cat = "other";
        int64_t prev = 100, mrr = 100;
        if (i < N_LEDGER) {
            snprintf(id, sizeof id, "%s", ledger_rows[i].id);
            name = ledger_rows[i].name;
            cat = ledger_rows[i].category;
            prev = ledger_rows[i].prev;
            mrr = ledger_rows[i].mrr;
        } else {
            /* Filler rows: each moves by +1 cent. */
            snprintf(id, sizeof id, "F-%06zu", i);
            mrr = prev + 1;
        }
        sp += prev;
        sm += mrr;
        csm_cell row[6] = {csm_cell_text(id),    csm_cell_text(name),
                           csm_cell_money(prev), csm_cell_money(mrr),
                           csm_cell_text(cat),   csm_cell_money(mrr - prev)};
        csm_table_row(b, row);
    }
    csm_cell total[6] = {
        csm_cell_text("Total"),
        csm_cell_empty(),
        csm_cell_with_formula(csm_cell_money(sp), "SUM(ledger.prev)"),
        csm_cell_with_formula(csm_cell_money(sm), "SUM(ledger.mrr)"),
        csm_cell_empty(),
        csm_cell_with_formula(csm_cell_money(sm - sp), "SUM(ledger.delta)")};
    csm_table_row(b, total);
    b->u.table.total_rows = 1;
}

static csm_report *build_model(size_t extra_rows)
{
    csm_report *r = csm_report_new("board", "Board pack");
    r->subtitle = csm_xstrdup("March 2025");
    r->company = csm_xstrdup("Acme & Co");
    memcpy(r->currency, "USD", 4);
    r->currency_decimals = 2;
    r->month = csm_month_from_ym(2025, 3);
    r->generated = csm_xstrdup("2025-04-02");
    r->generated_epoch = (long long)csm_day_from_ymd(2025, 4, 2) * 86400;

    /* ---- Summary: tiles and a table whose totals come from the ledger. */
    csm_section *s = csm_report_section(r, "summary", "Summary");
    csm_block *tb = csm_section_tiles(s, "Headline KPIs");
    csm_block_caption(tb, "Values at the end of the month");
    csm_tile *t = csm_block_tile(tb, "MRR");
    t->value = csm_cell_money(12345678);
    t->previous = csm_cell_money(12000000);
    t->mom = csm_cell_money(345678);
    t->year_ago = csm_cell_money(10000000);
    t->yoy = csm_cell_money(2345678);
    t->note = csm_xstrdup("up 2.9% on the month");
    t = csm_block_tile(tb, "NRR (12 months)");
    t->value = csm_cell_rate(csm_ratio_value(0.973));
    t->previous = csm_cell_rate(csm_ratio_value(0.981));
    t->mom = csm_cell_rate(csm_ratio_value(-0.008));
    t->note = csm_xstrdup("95% CI 91.2-96.0%, n = 412");
    t = csm_block_tile(tb, "Churned logos");
    t->higher_is_better = false;
    t->value = csm_cell_int(7);
    t->previous = csm_cell_int(5);
    t->mom = csm_cell_int(2);

    csm_block *mb = csm_section_table(s, "Movements", "movements");
    csm_table_column(mb, "key", "Movement", CSM_CELL_TEXT, 0);
    csm_table_column(mb, "amount", "Amount", CSM_CELL_MONEY, 0);
    csm_table_column(mb, "logos", "Logos", CSM_CELL_INT, 0);
    csm_table_column(mb, "share", "Share", CSM_CELL_RATE, 0);
    csm_table_column(mb, "since", "Since", CSM_CELL_DATE, 0);
    csm_table_column(mb, "month", "Month", CSM_CELL_MONTH, 0);
    csm_table_column(mb, "note", "Note", CSM_CELL_TEXT, 0);
    csm_day d = csm_day_from_ymd(2025, 3, 1);
    csm_month m = csm_month_from_ym(2025, 3);
    csm_cell r1[7] = {
        csm_cell_text("New"),
        csm_cell_with_formula(csm_cell_money(75000),
                              "SUMIF(ledger.category, \"new\", ledger.delta)"),
        csm_cell_int(2),
        csm_cell_rate(csm_ratio_value(0.25)),
        csm_cell_date(d),
        csm_cell_month(m),
        csm_cell_text("=SUM(A1)")};
    csm_table_row(mb, r1);
    csm_cell r2[7] = {
        csm_cell_text("Expansion"),
        csm_cell_with_formula(
            csm_cell_money(105000),
            "SUMIF(ledger.category, \"expansion\", ledger.delta)"),
        csm_cell_int(2),
        csm_cell_rate(csm_ratio_value(0.5)),
        csm_cell_date(csm_day_from_ymd(2024, 12, 31)),
        csm_cell_month(csm_month_from_ym(2024, 12)),
        csm_cell_tone_set(csm_cell_text("recovered"), CSM_TONE_GREEN)};
    csm_table_row(mb, r2);
    csm_cell r3[7] = {
        csm_cell_text("Churn"),
        csm_cell_tone_set(
            csm_cell_with_formula(
                csm_cell_money(-70000),
                "SUMIF(ledger.category, \"churn\", ledger.delta)"),
            CSM_TONE_BAD),
        csm_cell_int(2),
        csm_cell_rate(csm_ratio_value(0.25)),
        csm_cell_empty(),
        csm_cell_empty(),
        csm_cell_tone_set(csm_cell_text("churned"), CSM_TONE_RED)};
    csm_table_row(mb, r3);
    csm_cell r4[7] = {
        csm_cell_text("Largest"),
        csm_cell_with_formula(csm_cell_money(100000), "ledger.delta[C-002]"),
        csm_cell_int(1),
        csm_cell_number(3.25, 2),
        csm_cell_empty(),
        csm_cell_empty(),
        csm_cell_tone_set(csm_cell_text("pending"), CSM_TONE_MUTED)};
    csm_table_row(mb, r4);
    csm_cell r5[7] = {
        csm_cell_text("Undefined"),
        csm_cell_na(),
        csm_cell_na(),
        csm_cell_number(NAN, 1),
        csm_cell_empty(),
        csm_cell_empty(),
        csm_cell_tone_set(csm_cell_text("yellow"), CSM_TONE_YELLOW)};
    csm_table_row(mb, r5);
    csm_cell r6[7] = {
        csm_cell_text("Total"),
        csm_cell_with_formula(csm_cell_money(110000), "SUM(ledger.delta)"),
        csm_cell_with_formula(csm_cell_int(7), "SUM(movements.logos)"),
        csm_cell_rate(csm_ratio_value(INFINITY)),
        csm_cell_empty(),
        csm_cell_empty(),
        csm_cell_empty()};
    csm_table_row(mb, r6);
    csm_cell r7[7] = {
        csm_cell_text("Tie-out"),
        csm_cell_with_formula(
            csm_cell_money(0),
            "SUM(ledger.delta) - (movements.amount[New] + "
            "movements.amount[Expansion] + movements.amount[Churn])"),
        csm_cell_empty(),
        csm_cell_empty(),
        csm_cell_empty(),
        csm_cell_empty(),
        csm_cell_empty()};
    csm_table_row(mb, r7);
    mb->u.table.total_rows = 2;

    /* ---- The detail ledger on its own sheet. */
    add_ledger(r, extra_rows);

    /* ---- Charts of each style. */
    s = csm_report_section(r, "charts", "Charts");
    const char *months[] = {"2025-01", "2025-02", "2025-03",
                            "2025-04", "2025-05", "2025-06"};
    double nrr[] = {0.95, 0.97, 0.0, 1.01, 0.99, 1.02};
    bool nrr_def[] = {true, true, false, true, true, true};
    double lo[] = {0.9, 0.92, 0, 0.96, 0.94, 0.97};
    double hi[] = {1.0, 1.02, 0, 1.06, 1.04, 1.07};
    double grr[] = {0.9, 0.91, 0.92, 0.93, 0.94, 0.95};
    csm_block *cb = csm_section_chart(s, "Retention", CSM_AXIS_RATE);
    csm_block_caption(cb, "Point-to-point cohort method");
    csm_chart_x(cb, months, NULL, 6);
    csm_series *se = csm_chart_series(cb, "NRR", CSM_SERIES_LINE, nrr, nrr_def);
    csm_series_band(se, lo, hi, 6);
    csm_chart_series(cb, "GRR", CSM_SERIES_LINE, grr, NULL);
    cb->u.chart.y_title = csm_xstrdup("Rate");

    const char *days[] = {"0", "30", "60", "90"};
    double dx[] = {0, 30, 60, 90};
    double km[] = {1.0, 0.6, 0.4, 0.3};
    cb = csm_section_chart(s, "Time to first value", CSM_AXIS_RATE);
    csm_chart_x(cb, days, dx, 4);
    csm_chart_series(cb, "Without value", CSM_SERIES_STEP, km, NULL);
    cb->u.chart.x_title = csm_xstrdup("Days");

    double mrr[] = {1000.5, 1100, 1150, 1200, 1210, 1300};
    cb = csm_section_chart(s, "MRR by month", CSM_AXIS_MONEY);
    csm_chart_x(cb, months, NULL, 6);
    csm_chart_series(cb, "MRR", CSM_SERIES_BAR, mrr, NULL);

    double nw[] = {10, 20, 30, 40, 50, 60}, ex[] = {5, 5, 5, 5, 5, 5};
    cb = csm_section_chart(s, "New and expansion", CSM_AXIS_MONEY);
    csm_chart_x(cb, months, NULL, 6);
    csm_chart_series(cb, "New", CSM_SERIES_STACKED, nw, NULL);
    csm_chart_series(cb, "Expansion", CSM_SERIES_STACKED, ex, NULL)->palette =
        3;

    cb = csm_section_chart(s, "Mixed", CSM_AXIS_COUNT);
    csm_chart_x(cb, months, NULL, 6);
    csm_chart_series(cb, "Bars", CSM_SERIES_BAR, nw, NULL);
    csm_chart_series(cb, "Line 1", CSM_SERIES_LINE, ex, NULL);
    csm_chart_series(cb, "Line 2", CSM_SERIES_LINE, mrr, NULL);

    /* ---- The MRR bridge as a waterfall. */
    s = csm_report_section(r, "bridge", "MRR bridge");
    csm_block *wb = csm_section_waterfall(s, "Bridge February to March");
    csm_waterfall_step_add(wb, "Opening", CSM_STEP_START, 1000000);
    csm_waterfall_step_add(wb, "New", CSM_STEP_UP, 75000);
    csm_waterfall_step_add(wb, "Expansion", CSM_STEP_UP, 105000);
    csm_waterfall_step_add(wb, "Contraction", CSM_STEP_DOWN, 5000);
    csm_waterfall_step_add(wb, "Churn", CSM_STEP_DOWN, 70000);
    csm_waterfall_step_add(wb, "FX", CSM_STEP_DELTA, -1234);
    csm_waterfall_step_add(wb, "Closing", CSM_STEP_TOTAL, 1103766);

    /* ---- A cohort heatmap with unobserved cells. */
    s = csm_report_section(r, "cohorts", "Cohorts");
    const char *rows[] = {"2024-10", "2024-11", "2024-12"};
    const char *cols[] = {"0", "1", "2"};
    double hv[] = {1.0, 0.9, 0.8, 1.0, 0.95, 0, 1.0, 0, 0};
    bool hd[] = {true, true, true, true, true, false, true, false, false};
    csm_section_heatmap(s, "Revenue retention by cohort", rows, 3, cols, 3, hv,
                        hd, 0.5, 1.0,
                        "Revenue retention (MRR at age k / at age 0)");
    /* A second one with axis titles: a title band over the columns and
     * the row title in the corner. */
    const char *qrows[] = {"2024-Q4"};
    double qv[] = {1.0, 0.75};
    bool qd[] = {true, true};
    csm_block *qb = csm_section_heatmap(s, "Logo retention by quarter", qrows,
                                        1, cols, 2, qv, qd, 0.5, 1.0, NULL);
    csm_heatmap_titles(qb, "Signup quarter", "Months since start");

    /* ---- Notes. */
    s = csm_report_section(r, "definitions", "Definitions");
    csm_block *nb = csm_section_notes(s, "Policies");
    csm_notes_add(nb, "NRR = MRR of the base at the end / at the start");
    csm_notes_add(nb, "\xC3\x9C"
                      "ber stra\xC3\x9F"
                      "e \xE2\x9C\x93");
    csm_notes_add(nb, "=not a formula");

    /* ---- A second section with the same title. */
    s = csm_report_section(r, "summary2", "Summary");
    nb = csm_section_notes(s, NULL);
    csm_notes_add(nb, "Second summary");
    return r;
}

/* ============================================== reading the workbook */

/* Workbooks are read with tests/unit/support/xlsxread.c. */
typedef xr_book wbk;
typedef xr_cell xcell;

static xcell cell(const wbk *w, size_t n, const char *ref)
{
    assert_true(n >= 1 && n <= w->n_sheets);
    return xr_get(w, n, ref);
}

static void xcell_free(xcell *c)
{
    xr_cell_free(c);
}

static char *attr(const char *tag, const char *name)
{
    return xr_attr(tag, name);
}

static void wbk_open(wbk *w, const char *path)
{
    assert_true(xr_open(w, path));
}

static void wbk_close(wbk *w)
{
    xr_close(w);
}

static bool is_text(const xcell *c)
{
    return c->text;
}

/* A text cell with this exact text and no formula. */
static void expect_text(const wbk *w, size_t n, const char *ref,
                        const char *text)
{
    xcell c = cell(w, n, ref);
    if (!c.found || !is_text(&c) || c.formula ||
        strcmp(c.value ? c.value : "", text) != 0) {
        fprintf(stderr,
                "sheet %zu %s: found %d type %s value \"%s\"; want "
                "text \"%s\"\n",
                n, ref, c.found, c.text ? "text" : "-", c.value ? c.value : "",
                text);
        fail();
    }
    xcell_free(&c);
}

static void expect_number(const wbk *w, size_t n, const char *ref, double v)
{
    xcell c = cell(w, n, ref);
    if (!c.found || is_text(&c) || !c.value || fabs(atof(c.value) - v) > 1e-9) {
        fprintf(stderr, "sheet %zu %s: found %d value %s; want %.10g\n", n, ref,
                c.found, c.value ? c.value : "-", v);
        fail();
    }
    xcell_free(&c);
}

/* A formula cell: its A1 text and its cached value. */
static void expect_formula(const wbk *w, size_t n, const char *ref,
                           const char *formula, double cached)
{
    xcell c = cell(w, n, ref);
    if (!c.found || !c.formula || strcmp(c.formula, formula) != 0 || !c.value ||
        fabs(atof(c.value) - cached) > 1e-9) {
        fprintf(stderr,
                "sheet %zu %s: formula \"%s\" cached %s; want \"%s\" "
                "cached %.10g\n",
                n, ref, c.formula ? c.formula : "-", c.value ? c.value : "-",
                formula, cached);
        fail();
    }
    xcell_free(&c);
}

static void expect_absent(const wbk *w, size_t n, const char *ref)
{
    xcell c = cell(w, n, ref);
    if (c.found && (c.value || c.formula)) {
        fprintf(stderr, "sheet %zu %s: want no value, found \"%s\"\n", n, ref,
                c.value ? c.value : "");
        fail();
    }
    xcell_free(&c);
}

/* The k-th (0-based) element <tag ...> inside <list ...>...</list>. */
static const char *nth_elem(const char *xml, const char *list, const char *tag,
                            size_t k)
{
    char *open = csm_xasprintf("<%s", list);
    const char *p = strstr(xml, open);
    free(open);
    assert_non_null(p);
    char *t = csm_xasprintf("<%s", tag);
    size_t tl = strlen(t);
    for (size_t i = 0;;) {
        p = strstr(p + 1, t);
        assert_non_null(p);
        if (p[tl] != ' ' && p[tl] != '>' && p[tl] != '/')
            continue;
        if (i++ == k)
            break;
    }
    free(t);
    return p;
}

/* What a cell's style says. */
typedef struct xstyle {
    char numfmt[128];
    bool bold, italic;
    char font_rgb[16];
    char fill_rgb[16];
    bool top_border;
} xstyle;

static void builtin_numfmt(int id, char *out, size_t n)
{
    static const struct {
        int id;
        const char *code;
    } b[] = {{0, "General"},  {1, "0"},  {2, "0.00"},   {3, "#,##0"},
             {4, "#,##0.00"}, {9, "0%"}, {10, "0.00%"}, {49, "@"}};
    for (size_t i = 0; i < sizeof b / sizeof *b; i++)
        if (b[i].id == id) {
            snprintf(out, n, "%s", b[i].code);
            return;
        }
    snprintf(out, n, "builtin %d", id);
}

static xstyle style_of(const wbk *w, int xf)
{
    xstyle s;
    memset(&s, 0, sizeof s);
    const char *x = nth_elem(w->styles, "cellXfs", "xf", (size_t)xf);
    char *a = attr(x, "numFmtId");
    int nf = atoi(a);
    free(a);
    if (nf >= 164) {
        char *pat = csm_xasprintf("<numFmt numFmtId=\"%d\"", nf);
        const char *p = strstr(w->styles, pat);
        free(pat);
        assert_non_null(p);
        char *code = attr(p, "formatCode");
        snprintf(s.numfmt, sizeof s.numfmt, "%s", code);
        free(code);
    } else {
        builtin_numfmt(nf, s.numfmt, sizeof s.numfmt);
    }
    a = attr(x, "fontId");
    const char *font = nth_elem(w->styles, "fonts", "font", (size_t)atoi(a));
    free(a);
    const char *fe = strstr(font, "</font>");
    const char *b = strstr(font, "<b/>"), *i = strstr(font, "<i/>");
    s.bold = b && b < fe;
    s.italic = i && i < fe;
    const char *col = strstr(font, "<color ");
    if (col && col < fe) {
        char *rgb = attr(col, "rgb");
        if (rgb)
            snprintf(s.font_rgb, sizeof s.font_rgb, "%s", rgb);
        free(rgb);
    }
    a = attr(x, "fillId");
    const char *fill = nth_elem(w->styles, "fills", "fill", (size_t)atoi(a));
    free(a);
    const char *fle = strstr(fill, "</fill>");
    const char *fg = strstr(fill, "<fgColor ");
    if (fg && fg < fle) {
        char *rgb = attr(fg, "rgb");
        if (rgb)
            snprintf(s.fill_rgb, sizeof s.fill_rgb, "%s", rgb);
        free(rgb);
    }
    a = attr(x, "borderId");
    const char *border =
        nth_elem(w->styles, "borders", "border", (size_t)atoi(a));
    free(a);
    const char *be = strstr(border, "</border>");
    const char *top = strstr(border, "<top style=");
    s.top_border = top && top < be;
    return s;
}

static xstyle cell_style(const wbk *w, size_t n, const char *ref)
{
    xcell c = cell(w, n, ref);
    assert_true(c.found);
    xstyle s = style_of(w, c.style);
    xcell_free(&c);
    return s;
}

static void expect_numfmt(const wbk *w, size_t n, const char *ref,
                          const char *code)
{
    xstyle s = cell_style(w, n, ref);
    if (strcmp(s.numfmt, code) != 0) {
        fprintf(stderr, "sheet %zu %s: number format \"%s\", want \"%s\"\n", n,
                ref, s.numfmt, code);
        fail();
    }
}

static char *render_to(const csm_report *r, const char *dir, const char *name)
{
    csm_style st;
    csm_style_defaults(&st);
    csm_render_options o = {.style = &st};
    char *path = csm_xasprintf("%s/%s", dir, name);
    csm_diags d = {0};
    csm_error rc = csm_render_xlsx(r, &o, path, &d);
    if (rc != CSM_OK || csm_diags_warnings(&d) != 0)
        dump_diags(&d);
    assert_int_equal(rc, CSM_OK);
    /* The model's cached values agree with its formulas. */
    assert_int_equal(csm_diags_warnings(&d), 0);
    csm_diags_free(&d);
    csm_style_free(&st);
    return path;
}

static csm_error render_diag(const csm_report *r, const char *path,
                             csm_diags *d)
{
    csm_style st;
    csm_style_defaults(&st);
    csm_render_options o = {.style = &st};
    csm_error rc = csm_render_xlsx(r, &o, path, d);
    csm_style_free(&st);
    return rc;
}

/* ================================================= the workbook's XML */

#define LEDGER_Q "'Ledger O''Brien x detail rows of'!"

static void test_workbook_parts(void **state)
{
    (void)state;
    char *dir = tu_tempdir("xlsx");
    csm_report *r = build_model(0);
    char *path = render_to(r, dir, "board.xlsx");
    wbk w;
    wbk_open(&w, path);
    assert_int_equal(w.n_sheets, 7);

    /* Sheet names: cleaned, cut to 31 characters, unique. */
    char *wbxml = xr_part(path, "xl/workbook.xml");
    const char *names[] = {"Summary", ledger_sheet,  "Charts",     "MRR bridge",
                           "Cohorts", "Definitions", "Summary (2)"};
    const char *p = wbxml;
    for (size_t i = 0; i < 7; i++) {
        p = strstr(p, "<sheet ");
        assert_non_null(p);
        char *nm = attr(p, "name");
        assert_string_equal(nm, names[i]);
        free(nm);
        p++;
    }
    free(wbxml);

    /* ---- Summary: the heading and the tiles (header on row 6). */
    expect_text(&w, 1, "A1", "Summary");
    expect_text(&w, 1, "A2",
                "Board pack \xC2\xB7 March 2025 \xC2\xB7 "
                "Acme & Co \xC2\xB7 generated 2025-04-02");
    expect_text(&w, 1, "A4", "Headline KPIs");
    xstyle st = cell_style(&w, 1, "A4");
    assert_true(st.bold);
    assert_string_equal(st.font_rgb, "FF1F3A5F"); /* primary */
    expect_text(&w, 1, "A5", "Values at the end of the month");
    st = cell_style(&w, 1, "A5");
    assert_true(st.italic);
    const char *tile_hdr[] = {"Metric",     "Value",    "Previous month",
                              "MoM change", "Year ago", "YoY change",
                              "Note"};
    for (int j = 0; j < 7; j++) {
        char ref[8];
        snprintf(ref, sizeof ref, "%c6", 'A' + j);
        expect_text(&w, 1, ref, tile_hdr[j]);
    }
    st = cell_style(&w, 1, "B6");
    assert_true(st.bold);
    assert_string_equal(st.fill_rgb, "FFE8EEF5"); /* header_fill */
    /* Money: major units, money format, currency in the label. */
    expect_text(&w, 1, "A7", "MRR (USD)");
    expect_number(&w, 1, "B7", 123456.78);
    expect_numfmt(&w, 1, "B7", "#,##0.00");
    expect_number(&w, 1, "D7", 3456.78);
    expect_numfmt(&w, 1, "D7", "+#,##0.00;-#,##0.00;#,##0.00");
    assert_string_equal(cell_style(&w, 1, "D7").font_rgb, "FF2E7D32");
    expect_text(&w, 1, "G7", "up 2.9% on the month");
    /* A rate: 0.973 with the percent format; n/a greyed. */
    expect_number(&w, 1, "B8", 0.973);
    expect_numfmt(&w, 1, "B8", "0.0%");
    expect_number(&w, 1, "D8", -0.008);
    assert_string_equal(cell_style(&w, 1, "D8").font_rgb, "FFC62828");
    expect_text(&w, 1, "E8", "n/a");
    assert_string_equal(cell_style(&w, 1, "E8").font_rgb, "FF7A7A7A");
    /* Lower is better: two more churned logos is bad. */
    expect_number(&w, 1, "D9", 2);
    expect_numfmt(&w, 1, "D9", "+#,##0;-#,##0;#,##0");
    assert_string_equal(cell_style(&w, 1, "D9").font_rgb, "FFC62828");

    /* ---- Summary: the movements table (title row 11, header row 12). */
    expect_text(&w, 1, "A11", "Movements");
    expect_text(&w, 1, "B12", "Amount (USD)");
    expect_text(&w, 1, "A13", "New");
    expect_formula(&w, 1, "B13",
                   "SUMIF(" LEDGER_Q "E6:E11,\"new\"," LEDGER_Q "F6:F11)", 750);
    expect_numfmt(&w, 1, "B13", "#,##0.00");
    expect_formula(&w, 1, "B14",
                   "SUMIF(" LEDGER_Q "E6:E11,\"expansion\"," LEDGER_Q "F6:F11)",
                   1050);
    expect_formula(&w, 1, "B15",
                   "SUMIF(" LEDGER_Q "E6:E11,\"churn\"," LEDGER_Q "F6:F11)",
                   -700);
    assert_string_equal(cell_style(&w, 1, "B15").font_rgb, "FFC62828");
    expect_formula(&w, 1, "B16", LEDGER_Q "F7", 1000);
    expect_number(&w, 1, "C13", 2);
    expect_numfmt(&w, 1, "C13", "#,##0");
    expect_number(&w, 1, "D13", 0.25);
    expect_numfmt(&w, 1, "D13", "0.0%");
    /* Dates are Excel serials: 2025-03-01 is 45717. */
    expect_number(&w, 1, "E13", 45717);
    expect_numfmt(&w, 1, "E13", "yyyy-mm-dd");
    expect_number(&w, 1, "E14", 45657); /* 2024-12-31 */
    expect_number(&w, 1, "F13", 45717); /* month 2025-03: its first day */
    expect_numfmt(&w, 1, "F13", "yyyy-mm");
    expect_number(&w, 1, "F14", 45627); /* 2024-12-01 */
    expect_number(&w, 1, "D16", 3.25);
    expect_numfmt(&w, 1, "D16", "#,##0.00");
    /* Customer text that looks like a formula stays text. */
    expect_text(&w, 1, "G13", "=SUM(A1)");
    /* Tones: band fills, muted text. */
    assert_string_equal(cell_style(&w, 1, "G14").fill_rgb, "FF43A047");
    assert_string_equal(cell_style(&w, 1, "G14").font_rgb, "FFFFFFFF");
    assert_string_equal(cell_style(&w, 1, "G15").fill_rgb, "FFE53935");
    assert_string_equal(cell_style(&w, 1, "G16").font_rgb, "FF7A7A7A");
    assert_string_equal(cell_style(&w, 1, "G17").fill_rgb, "FFF9A825");
    /* Undefined and NaN are "n/a", never a number. */
    expect_text(&w, 1, "B17", "n/a");
    expect_text(&w, 1, "C17", "n/a");
    expect_text(&w, 1, "D17", "n/a");
    /* Totals rows: bold with a rule above; SUM over another sheet and
     * over this table's own data rows; infinity is n/a. */
    expect_formula(&w, 1, "B18", "SUM(" LEDGER_Q "F6:F11)", 1100);
    st = cell_style(&w, 1, "B18");
    assert_true(st.bold);
    assert_true(st.top_border);
    assert_true(cell_style(&w, 1, "A18").bold);
    expect_formula(&w, 1, "C18", "SUM(C13:C17)", 7);
    expect_text(&w, 1, "D18", "n/a");
    expect_formula(&w, 1, "B19", "SUM(" LEDGER_Q "F6:F11)-(B13+B14+B15)", 0);
    /* One rule, above the first totals row only. */
    assert_true(cell_style(&w, 1, "B19").bold);
    assert_false(cell_style(&w, 1, "B19").top_border);
    assert_false(cell_style(&w, 1, "B17").top_border);
    /* The first table's header is frozen: the pane starts on row 7. */
    assert_non_null(strstr(w.sheet[0], "topLeftCell=\"A7\""));
    assert_null(strstr(w.sheet[0], "<autoFilter"));

    /* ---- The ledger: a detail table with filter and frozen header. */
    expect_text(&w, 2, "A4", "Movement ledger");
    expect_text(&w, 2, "C5", "Previous MRR (USD)");
    expect_text(&w, 2, "F5", "Delta (USD)");
    for (size_t i = 0; i < N_LEDGER; i++) {
        char ref[8];
        snprintf(ref, sizeof ref, "B%zu", 6 + i);
        expect_text(&w, 2, ref, ledger_rows[i].name);
    }
    expect_number(&w, 2, "F6", 500);
    expect_number(&w, 2, "F8", -300);
    expect_formula(&w, 2, "C12", "SUM(C6:C11)", 1800);
    expect_formula(&w, 2, "D12", "SUM(D6:D11)", 2900);
    expect_formula(&w, 2, "F12", "SUM(F6:F11)", 1100);
    assert_non_null(strstr(w.sheet[1], "<autoFilter ref=\"A5:F11\"/>"));
    assert_non_null(strstr(w.sheet[1], "topLeftCell=\"A6\""));
    assert_non_null(strstr(w.sheet[1], "ySplit=\"5\""));
    /* Fitted widths: the long name column is wider than a date column. */
    assert_non_null(strstr(w.sheet[1], "<cols>"));
    /* The print header follows the style, & doubled for Excel. */
    assert_non_null(strstr(w.sheet[1], "<oddHeader>Acme &amp;&amp; Co "));
    assert_non_null(strstr(w.sheet[1], "page &amp;P of &amp;N</oddFooter>"));

    /* ---- Charts: data tables and one native chart each. */
    expect_text(&w, 3, "A4", "Retention");
    expect_text(&w, 3, "A5", "Point-to-point cohort method");
    expect_text(&w, 3, "B6", "NRR");
    expect_text(&w, 3, "C6", "NRR low");
    expect_text(&w, 3, "D6", "NRR high");
    expect_text(&w, 3, "E6", "GRR");
    expect_text(&w, 3, "A7", "2025-01");
    expect_number(&w, 3, "B7", 0.95);
    expect_numfmt(&w, 3, "B7", "0.0%");
    expect_absent(&w, 3, "B9"); /* undefined point: a gap */
    expect_number(&w, 3, "E9", 0.92);
    assert_non_null(strstr(w.sheet[2], "<drawing r:id="));
    /* Block 2 starts after the chart's rows: 4 + 16 + 1 = row 21. */
    expect_text(&w, 3, "A21", "Time to first value");
    expect_text(&w, 3, "A22", "Days");
    char *c1 = xr_part(path, "xl/charts/chart1.xml");
    char *c2 = xr_part(path, "xl/charts/chart2.xml");
    char *c3 = xr_part(path, "xl/charts/chart3.xml");
    char *c4 = xr_part(path, "xl/charts/chart4.xml");
    char *c5 = xr_part(path, "xl/charts/chart5.xml");
    char *c6 = xr_part(path, "xl/charts/chart6.xml");
    assert_non_null(c1);
    assert_non_null(strstr(c1, "<c:lineChart>"));
    assert_non_null(strstr(c1, "formatCode=\"0%\""));
    assert_non_null(strstr(c1, "<a:srgbClr val=\"1F3A5F\"/>"));
    assert_non_null(strstr(c1, "<c:f>Charts!$B$7:$B$12</c:f>"));
    assert_non_null(strstr(c1, "<c:f>Charts!$A$7:$A$12</c:f>"));
    assert_non_null(strstr(c1, "<c:legendEntry>")); /* band lines hidden */
    assert_non_null(strstr(c2, "<c:lineChart>"));   /* STEP: a line */
    assert_non_null(strstr(c3, "<c:barChart>"));
    assert_non_null(strstr(c3, "<c:barDir val=\"col\"/>"));
    assert_non_null(strstr(c3, "<c:grouping val=\"clustered\"/>"));
    assert_non_null(strstr(c3, "formatCode=\"#,##0\""));
    assert_non_null(strstr(c3, "<c:v>USD</c:v>") ? c3 : strstr(c3, "USD"));
    assert_non_null(strstr(c4, "<c:grouping val=\"stacked\"/>"));
    assert_non_null(strstr(c4, "<a:srgbClr val=\"7CB342\"/>")); /* palette 3 */
    assert_non_null(strstr(c5, "<c:lineChart>")); /* 2 lines beat 1 bar */
    assert_null(strstr(c5, "<c:barChart>"));
    /* The waterfall: stacked, invisible base. */
    assert_non_null(c6);
    assert_non_null(strstr(c6, "<c:grouping val=\"stacked\"/>"));
    assert_non_null(strstr(c6, "<a:noFill/>"));
    free(c1);
    free(c2);
    free(c3);
    free(c4);
    free(c5);
    free(c6);

    /* ---- The waterfall table: signed movements, helper columns. */
    expect_text(&w, 4, "A5", "Step");
    expect_text(&w, 4, "B5", "Amount (USD)");
    expect_text(&w, 4, "C5", "Chart: base");
    expect_text(&w, 4, "A6", "Opening");
    expect_number(&w, 4, "B6", 10000);
    expect_numfmt(&w, 4, "B6", "#,##0.00");
    expect_number(&w, 4, "B7", 750);
    expect_numfmt(&w, 4, "B7", "+#,##0.00;-#,##0.00;#,##0.00");
    expect_number(&w, 4, "B10", -700);
    expect_number(&w, 4, "B11", -12.34);
    expect_number(&w, 4, "B12", 11037.66);
    /* Base of Churn: 10000 + 750 + 1050 - 50 - 700 = 11050. */
    expect_number(&w, 4, "C10", 11050);
    expect_number(&w, 4, "F10", 700);
    expect_number(&w, 4, "D12", 11037.66);

    /* ---- The heatmap: rates, blanks, a colour scale, the legend. */
    expect_text(&w, 5, "A4", "Revenue retention by cohort");
    expect_text(&w, 5, "B5", "0");
    expect_text(&w, 5, "A6", "2024-10");
    expect_number(&w, 5, "C6", 0.9);
    expect_numfmt(&w, 5, "C6", "0.0%");
    expect_absent(&w, 5, "D7");
    expect_absent(&w, 5, "C8");
    expect_text(&w, 5, "A9", "Revenue retention (MRR at age k / at age 0)");
    const char *cf =
        strstr(w.sheet[4], "<conditionalFormatting sqref=\"B6:D8\">");
    assert_non_null(cf);
    assert_non_null(strstr(cf, "<colorScale><cfvo type=\"num\" val=\"0.5\"/>"
                               "<cfvo type=\"num\" val=\"1\"/>"
                               "<color rgb=\"FFFDE0DD\"/>"
                               "<color rgb=\"FF1B7837\"/></colorScale>"));
    /* The titled heatmap: block at row 11 (the first ends with its legend
     * on row 9 and a blank row 10), title band on 12, labels on 13, the
     * cohort on 14; the colour scale covers the values only. */
    expect_text(&w, 5, "A11", "Logo retention by quarter");
    expect_text(&w, 5, "B12", "Months since start");
    expect_text(&w, 5, "A13", "Signup quarter");
    expect_text(&w, 5, "B13", "0");
    expect_text(&w, 5, "A14", "2024-Q4");
    expect_number(&w, 5, "C14", 0.75);
    expect_numfmt(&w, 5, "C14", "0.0%");
    assert_non_null(
        strstr(w.sheet[4], "<conditionalFormatting sqref=\"B14:C14\">"));

    /* ---- Notes: one line a row, text kept as text. */
    expect_text(&w, 6, "A4", "Policies");
    expect_text(&w, 6, "A5", "NRR = MRR of the base at the end / at the start");
    expect_text(&w, 6, "A6",
                "\xC3\x9C"
                "ber stra\xC3\x9F"
                "e \xE2\x9C\x93");
    expect_text(&w, 6, "A7", "=not a formula");
    expect_text(&w, 7, "A4", "Second summary");

    /* No formula anywhere except the translated ones: count <f>. */
    size_t nf = 0;
    for (size_t i = 0; i < w.n_sheets; i++)
        for (const char *q = w.sheet[i]; (q = strstr(q, "<f>")); q++)
            nf++;
    assert_int_equal(nf, 7 + 3);

    /* ---- Document properties. */
    char *core = xr_part(path, "docProps/core.xml");
    assert_non_null(strstr(core, "<dc:title>Board pack</dc:title>"));
    assert_non_null(strstr(core, "<dc:subject>March 2025</dc:subject>"));
    assert_non_null(strstr(core, ">2025-04-02T00:00:00Z</dcterms:created>"));
    free(core);
    char *app = xr_part(path, "docProps/app.xml");
    assert_non_null(strstr(app, "<Company>Acme &amp; Co</Company>"));
    free(app);
    /* Not in constant-memory mode: strings are shared. */
    assert_null(strstr(w.sheet[1], "inlineStr"));

    wbk_close(&w);
    /* CSM_XLSX_KEEP=DIR keeps a copy of the workbook to look at. */
    const char *keep = getenv("CSM_XLSX_KEEP");
    if (keep && keep[0]) {
        char *cmd = csm_xasprintf("cp '%s' '%s/board.xlsx'", path, keep);
        if (system(cmd) != 0)
            fprintf(stderr, "could not copy the workbook to %s\n", keep);
        free(cmd);
    }
    free(path);
    csm_report_free(r);
    tu_rmtree(dir);
    free(dir);
}

/* ======================================================== LibreOffice */

/* Splits one CSV line (RFC 4180, no embedded newlines here) into fields. */
static size_t csv_fields(const char *line, char **out, size_t max)
{
    size_t n = 0;
    const char *p = line;
    while (n < max) {
        csm_strbuf f = {0};
        if (*p == '"') {
            p++;
            while (*p) {
                if (*p == '"' && p[1] == '"') {
                    csm_strbuf_putc(&f, '"');
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    csm_strbuf_putc(&f, *p++);
                }
            }
        } else {
            while (*p && *p != ',' && *p != '\n' && *p != '\r')
                csm_strbuf_putc(&f, *p++);
        }
        char *s = csm_strbuf_take(&f);
        out[n++] = s ? s : csm_xstrdup("");
        if (*p != ',')
            break;
        p++;
    }
    return n;
}

/* Cell (row, col), 1-based, of a CSV file, as a new string ("" if none). */
static char *csv_cell(const char *csv, size_t row, size_t col)
{
    const char *p = csv;
    for (size_t r = 1; r < row && p; r++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p || !*p)
        return csm_xstrdup("");
    char *f[64];
    size_t n = csv_fields(p, f, 64);
    char *out = NULL;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 == col)
            out = f[i];
        else
            free(f[i]);
    }
    return out ? out : csm_xstrdup("");
}

static void lo_expect(const char *csv, const char *sheet, size_t row,
                      size_t col, const char *want)
{
    char *got = csv_cell(csv, row, col);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "LibreOffice %s R%zuC%zu: \"%s\", want \"%s\"\n", sheet,
                row, col, got, want);
        fail();
    }
    free(got);
}

static bool have_soffice(void)
{
    return system("command -v soffice >/dev/null 2>&1") == 0;
}

static void test_libreoffice(void **state)
{
    (void)state;
    if (!have_soffice()) {
        printf("SKIP: LibreOffice (soffice) is not installed; the workbook "
               "was not opened in a spreadsheet\n");
        return;
    }
    char *dir = tu_tempdir("xlsx-lo");
    csm_report *r = build_model(0);
    char *path = render_to(r, dir, "board.xlsx");
    /* The same report with a wrong cached total: if LibreOffice really
     * recalculates, it shows the formula's 1,100.00, not 1,100.01. */
    csm_table *mv = &r->sections[0].blocks[1].u.table;
    mv->cells[5 * mv->n_columns + 1].v.i = 110001;
    char *wrong = csm_xasprintf("%s/wrong.xlsx", dir);
    csm_diags d = {0};
    assert_int_equal(render_diag(r, wrong, &d), CSM_OK);
    csm_diags_free(&d);

    /* A private profile that recalculates every formula on load, so the
     * CSV shows what LibreOffice computes from our formulas, not the
     * cached values we wrote. */
    char *prof = csm_xasprintf("%s/profile/user", dir);
    static const char xcu[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<oor:items xmlns:oor=\"http://openoffice.org/2001/registry\" "
        "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
        "<item oor:path=\"/org.openoffice.Office.Calc/Formula/Load\">"
        "<prop oor:name=\"OOXMLRecalcMode\" oor:op=\"fuse\">"
        "<value>0</value></prop></item>\n"
        "</oor:items>\n";
    tu_write(dir, "profile/user/registrymodifications.xcu", xcu,
             sizeof xcu - 1);
    /* Token 12 = -1: every sheet to its own CSV (LibreOffice 7.2+);
     * token 9 true: cells as shown, so number formats are checked too. */
    /* The profile must be an absolute file URL. */
    char *abs = realpath(dir, NULL);
    assert_non_null(abs);
    char *cmd = csm_xasprintf(
        "cd '%s' && timeout 300 soffice "
        "-env:UserInstallation=file://%s/profile --headless --norestore "
        "--convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,"
        "true,true,false,false,-1' --outdir '%s/csv' board.xlsx wrong.xlsx "
        ">'%s/lo.log' 2>&1",
        abs, abs, abs, abs);
    free(abs);
    int rc = system(cmd);
    free(cmd);
    char *sum_path = csm_xasprintf("%s/csv/board-Summary.csv", dir);
    char *led_path = csm_xasprintf("%s/csv/board-%s.csv", dir, ledger_sheet);
    char *wf_path = csm_xasprintf("%s/csv/board-MRR bridge.csv", dir);
    char *nt_path = csm_xasprintf("%s/csv/board-Definitions.csv", dir);
    char *hm_path = csm_xasprintf("%s/csv/board-Cohorts.csv", dir);
    char *wr_path = csm_xasprintf("%s/csv/wrong-Summary.csv", dir);
    char *sum = tu_read(sum_path, NULL);
    if (rc != 0 || !sum) {
        char *logp = csm_xasprintf("%s/lo.log", dir);
        char *log = tu_read(logp, NULL);
        fprintf(stderr, "soffice failed (%d): %s\n", rc, log ? log : "");
        free(log);
        free(logp);
        fail();
    }
    char *led = tu_read(led_path, NULL);
    char *wf = tu_read(wf_path, NULL);
    char *nt = tu_read(nt_path, NULL);
    char *hm = tu_read(hm_path, NULL);
    char *wr = tu_read(wr_path, NULL);
    assert_non_null(led);
    assert_non_null(wf);
    assert_non_null(nt);
    assert_non_null(hm);
    assert_non_null(wr);

    /* Recalculation happened: the wrong cache was replaced. */
    lo_expect(wr, "wrong Summary", 18, 2, "1,100.00");
    /* Recomputed formulas equal the model's values (derivations at
     * ledger_rows). */
    lo_expect(sum, "Summary", 13, 1, "New");
    lo_expect(sum, "Summary", 13, 2, "750.00");
    lo_expect(sum, "Summary", 14, 2, "1,050.00");
    lo_expect(sum, "Summary", 15, 2, "-700.00");
    lo_expect(sum, "Summary", 16, 2, "1,000.00");
    lo_expect(sum, "Summary", 18, 2, "1,100.00");
    lo_expect(sum, "Summary", 18, 3, "7");
    lo_expect(sum, "Summary", 19, 2, "0.00");
    lo_expect(led, "Ledger", 12, 3, "1,800.00");
    lo_expect(led, "Ledger", 12, 4, "2,900.00");
    lo_expect(led, "Ledger", 12, 6, "1,100.00");
    /* Formats: money, signed changes, percent, dates, months, n/a. */
    lo_expect(sum, "Summary", 7, 1, "MRR (USD)");
    lo_expect(sum, "Summary", 7, 2, "123,456.78");
    lo_expect(sum, "Summary", 7, 4, "+3,456.78");
    lo_expect(sum, "Summary", 8, 2, "97.3%");
    lo_expect(sum, "Summary", 8, 4, "-0.8%");
    lo_expect(sum, "Summary", 8, 5, "n/a");
    lo_expect(sum, "Summary", 9, 4, "+2");
    lo_expect(sum, "Summary", 13, 4, "25.0%");
    lo_expect(sum, "Summary", 13, 5, "2025-03-01");
    lo_expect(sum, "Summary", 13, 6, "2025-03");
    lo_expect(sum, "Summary", 16, 4, "3.25");
    lo_expect(sum, "Summary", 17, 4, "n/a");
    /* Text stays text, whatever it looks like. */
    lo_expect(sum, "Summary", 13, 7, "=SUM(A1)");
    for (size_t i = 0; i < N_LEDGER; i++)
        lo_expect(led, "Ledger", 6 + i, 2, ledger_rows[i].name);
    lo_expect(nt, "Definitions", 7, 1, "=not a formula");
    /* The bridge and the heatmap. */
    lo_expect(wf, "MRR bridge", 7, 2, "+750.00");
    lo_expect(wf, "MRR bridge", 10, 2, "-700.00");
    lo_expect(wf, "MRR bridge", 12, 2, "11,037.66");
    lo_expect(hm, "Cohorts", 6, 3, "90.0%");
    lo_expect(hm, "Cohorts", 7, 4, "");
    lo_expect(hm, "Cohorts", 9, 1,
              "Revenue retention (MRR at age k / at age 0)");

    free(sum);
    free(led);
    free(wf);
    free(nt);
    free(hm);
    free(wr);
    free(sum_path);
    free(led_path);
    free(wf_path);
    free(nt_path);
    free(hm_path);
    free(wr_path);
    free(prof);
    free(wrong);
    free(path);
    csm_report_free(r);
    tu_rmtree(dir);
    free(dir);
}

/* ======================================================= determinism */

static void test_deterministic(void **state)
{
    (void)state;
    char *dir = tu_tempdir("xlsx-det");
    csm_report *r = build_model(0);
    char *a = render_to(r, dir, "a.xlsx");
    /* Long enough for any clock in the output to tick. */
    sleep(1);
    char *b = render_to(r, dir, "b.xlsx");
    size_t la, lb;
    char *da = tu_read(a, &la), *db = tu_read(b, &lb);
    assert_non_null(da);
    assert_int_equal(la, lb);
    assert_memory_equal(da, db, la);
    free(da);
    free(db);
    free(a);
    free(b);
    csm_report_free(r);
    tu_rmtree(dir);
    free(dir);
}

/* =================================================== constant memory */

static void test_constant_memory(void **state)
{
    (void)state;
    char *dir = tu_tempdir("xlsx-big");
    /* 50,000 filler rows, each +1 cent: the delta total grows by 500.00. */
    size_t extra = 50000 - N_LEDGER;
    csm_report *r = build_model(extra);
    /* The summary's totals are model values: fix them for the big ledger. */
    csm_table *mv = &r->sections[0].blocks[1].u.table;
    mv->cells[5 * mv->n_columns + 1].v.i = 110000 + (int64_t)extra;
    mv->cells[6 * mv->n_columns + 1].v.i = (int64_t)extra;
    char *path = render_to(r, dir, "big.xlsx");
    char *again = render_to(r, dir, "big2.xlsx");
    wbk w;
    wbk_open(&w, path);
    /* Constant memory writes strings inline. */
    assert_non_null(strstr(w.sheet[1], "t=\"inlineStr\""));
    /* Rows in order to the end: the last data row and the totals row. */
    expect_text(&w, 2, "A50005", "F-049999");
    expect_number(&w, 2, "F50005", 0.01);
    expect_formula(&w, 2, "F50006", "SUM(F6:F50005)",
                   1100 + 0.01 * (double)extra);
    expect_formula(&w, 1, "B18", "SUM(" LEDGER_Q "F6:F50005)",
                   1100 + 0.01 * (double)extra);
    expect_formula(&w, 1, "B13",
                   "SUMIF(" LEDGER_Q "E6:E50005,\"new\"," LEDGER_Q "F6:F50005)",
                   750);
    expect_text(&w, 2, "B7", ledger_rows[1].name);
    assert_non_null(strstr(w.sheet[1], "<autoFilter ref=\"A5:F50005\"/>"));
    /* Charts, the heatmap and tiles are still there. */
    expect_number(&w, 1, "B7", 123456.78);
    assert_non_null(strstr(w.sheet[4], "<colorScale>"));
    wbk_close(&w);
    /* Deterministic in this mode too. */
    size_t la, lb;
    char *da = tu_read(path, &la), *db = tu_read(again, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(da, db, la);
    free(da);
    free(db);
    free(again);
    free(path);
    csm_report_free(r);
    tu_rmtree(dir);
    free(dir);
}

/* ====================================================== failures */

static void test_unwritable(void **state)
{
    (void)state;
    char *dir = tu_tempdir("xlsx-io");
    csm_report *r = build_model(0);

    /* A folder that does not exist. */
    char *path = csm_xasprintf("%s/missing/board.xlsx", dir);
    csm_diags d = {0};
    assert_int_equal(render_diag(r, path, &d), CSM_EIO);
    assert_true(has_diag(&d, "cannot create a file in its folder"));
    assert_string_equal(d.items[0].file, path);
    assert_false(file_exists(path));
    csm_diags_free(&d);
    free(path);

    /* A read-only folder (only meaningful when not root). */
    char *ro = csm_xasprintf("%s/ro", dir);
    mkdir(ro, 0555);
    path = csm_xasprintf("%s/board.xlsx", ro);
    if (geteuid() != 0) {
        memset(&d, 0, sizeof d);
        assert_int_equal(render_diag(r, path, &d), CSM_EIO);
        assert_true(has_diag(&d, "Permission denied"));
        assert_false(file_exists(path));
        assert_int_equal(count_files(ro, "tmp"), 0);
        csm_diags_free(&d);
    } else {
        printf("NOTE: running as root: the read-only folder case is "
               "covered by the rename failure below\n");
    }
    chmod(ro, 0755);
    free(path);
    free(ro);

    /* The rename fails (a folder holds the name): CSM_EIO, the folder is
     * untouched and no temporary is left. */
    path = csm_xasprintf("%s/taken.xlsx", dir);
    mkdir(path, 0755);
    char *inside = csm_xasprintf("%s/keep", path);
    tu_write(path, "keep", "x", 1);
    memset(&d, 0, sizeof d);
    assert_int_equal(render_diag(r, path, &d), CSM_EIO);
    assert_true(has_diag(&d, "cannot write"));
    assert_true(file_exists(inside));
    assert_int_equal(count_files(dir, ".tmp-"), 0);
    csm_diags_free(&d);
    free(inside);
    free(path);

    /* libxlsxwriter fails: at the first call, half way, and in
     * workbook_close (the test seam turns the n-th status into an error).
     * CSM_EIO names the file and the library's reason, no temporary is
     * left and an earlier report at the path stays as it was. */
    path = csm_xasprintf("%s/board.xlsx", dir);
    char *ok_path = csm_xasprintf("%s/ok.xlsx", dir);
    memset(&d, 0, sizeof d);
    assert_int_equal(render_diag(r, ok_path, &d), CSM_OK);
    csm_diags_free(&d);
    long calls = csm_xlsx_calls;
    assert_true(calls > 100);
    const long at[] = {1, calls / 2, calls};
    for (size_t i = 0; i < 3; i++) {
        tu_write(dir, "board.xlsx", "old report", 10);
        memset(&d, 0, sizeof d);
        csm_xlsx_fail_at = at[i];
        csm_error rc = render_diag(r, path, &d);
        csm_xlsx_fail_at = 0;
        assert_int_equal(rc, CSM_EIO);
        if (!has_diag(&d, "cannot write the workbook") ||
            !has_diag(&d, "when creating a tmpfile") ||
            strcmp(d.items[0].file, path) != 0) {
            dump_diags(&d);
            fail();
        }
        size_t len;
        char *old = tu_read(path, &len);
        assert_int_equal(len, 10);
        assert_memory_equal(old, "old report", 10);
        free(old);
        assert_int_equal(count_files(dir, ".tmp-"), 0);
        csm_diags_free(&d);
    }
    free(ok_path);
    free(path);

    csm_report_free(r);
    tu_rmtree(dir);
    free(dir);
}

static void test_bad_formula(void **state)
{
    (void)state;
    char *dir = tu_tempdir("xlsx-bad");
    char *path = csm_xasprintf("%s/board.xlsx", dir);
    /* An earlier report at the path stays as it was. */
    tu_write(dir, "board.xlsx", "old report", 10);
    const char *bad[][2] = {
        {"SUM(nope.delta)", "no table \"nope\""},
        {"SUM(ledger.nope)", "table \"ledger\" has no column \"nope\""},
        {"ledger.delta[C-999]", "has no row \"C-999\""},
        {"SUM(ledger.delta", "expected ')'"},
    };
    for (size_t i = 0; i < 4; i++) {
        csm_report *r = build_model(0);
        csm_table *mv = &r->sections[0].blocks[1].u.table;
        csm_cell *c = &mv->cells[5 * mv->n_columns + 1];
        *c = csm_cell_with_formula(*c, bad[i][0]);
        csm_diags d = {0};
        assert_int_equal(render_diag(r, path, &d), CSM_EUSAGE);
        if (!has_diag(&d, bad[i][1]) ||
            !has_diag(&d, "section \"summary\", table \"movements\", row 6, "
                          "column \"amount\"")) {
            dump_diags(&d);
            fail();
        }
        size_t len;
        char *old = tu_read(path, &len);
        assert_int_equal(len, 10);
        assert_memory_equal(old, "old report", 10);
        free(old);
        assert_int_equal(count_files(dir, ".tmp-"), 0);
        csm_diags_free(&d);
        csm_report_free(r);
    }
    /* A wrong cached value is a warning, and the file is written. */
    csm_report *r = build_model(0);
    csm_table *mv = &r->sections[0].blocks[1].u.table;
    mv->cells[5 * mv->n_columns + 1].v.i = 110001;
    csm_diags d = {0};
    assert_int_equal(render_diag(r, path, &d), CSM_OK);
    assert_true(has_diag(&d, "gives 1100 but the model's value is 1100.01"));
    csm_diags_free(&d);
    csm_report_free(r);
    /* Two tables with one id. */
    r = build_model(0);
    csm_section *s = &r->sections[5];
    csm_block *b = csm_section_table(s, NULL, "ledger");
    csm_table_column(b, "x", "X", CSM_CELL_INT, 0);
    memset(&d, 0, sizeof d);
    assert_int_equal(render_diag(r, path, &d), CSM_EUSAGE);
    assert_true(has_diag(&d, "table id \"ledger\" is used twice"));
    csm_diags_free(&d);
    csm_report_free(r);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* An empty report still makes a valid workbook; the renderer table
 * lists xlsx. */
static void test_empty_and_table(void **state)
{
    (void)state;
    char *dir = tu_tempdir("xlsx-empty");
    csm_report *r = csm_report_new("board", "Empty");
    char *path = render_to(r, dir, "empty.xlsx");
    wbk w;
    wbk_open(&w, path);
    assert_int_equal(w.n_sheets, 1);
    expect_text(&w, 1, "A1", "Empty");
    wbk_close(&w);
    free(path);
    csm_report_free(r);
    bool found = false;
    for (size_t i = 0; i < csm_n_renderers; i++)
        if (strcmp(csm_renderers[i].format, "xlsx") == 0) {
            found = true;
            assert_string_equal(csm_renderers[i].extension, ".xlsx");
            assert_ptr_equal(csm_renderers[i].render, csm_render_xlsx);
        }
    assert_true(found);
    tu_rmtree(dir);
    free(dir);
}

/* Text the XML cannot carry as is: bytes that are not UTF-8 become
 * U+FFFD, text beyond Excel's 32,767 characters is cut, both with a
 * warning; control characters are escaped by libxlsxwriter. */
static void test_text_repair(void **state)
{
    (void)state;
    char *dir = tu_tempdir("xlsx-text");
    csm_report *r = csm_report_new("board", "Text");
    csm_section *s = csm_report_section(r, "t", "Text");
    csm_block *b = csm_section_table(s, NULL, "t");
    csm_table_column(b, "v", "Value", CSM_CELL_TEXT, 0);
    char *longtext = csm_xmalloc(40001);
    memset(longtext, 'x', 40000);
    longtext[40000] = '\0';
    csm_cell rows[3] = {csm_cell_text("bad \xC3\x28 byte"),
                        csm_cell_text(longtext), csm_cell_text("bell\x07")};
    for (int i = 0; i < 3; i++)
        csm_table_row(b, &rows[i]);
    free(longtext);
    char *path = csm_xasprintf("%s/text.xlsx", dir);
    csm_diags d = {0};
    assert_int_equal(render_diag(r, path, &d), CSM_OK);
    assert_int_equal(csm_diags_warnings(&d), 2);
    assert_true(has_diag(&d, "is not valid UTF-8"));
    assert_true(has_diag(&d, "cut to 32767 characters"));
    csm_diags_free(&d);
    wbk w;
    wbk_open(&w, path);
    expect_text(&w, 1, "A5", "bad \xEF\xBF\xBD( byte");
    xcell c = cell(&w, 1, "A6");
    assert_int_equal(strlen(c.value), 32767);
    xcell_free(&c);
    wbk_close(&w);
    char *sst = xr_part(path, "xl/sharedStrings.xml");
    assert_non_null(strstr(sst, "bell_x0007_"));
    free(sst);
    free(path);
    csm_report_free(r);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formula_translate),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_workbook_parts),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_constant_memory),
        cmocka_unit_test(test_unwritable),
        cmocka_unit_test(test_bad_formula),
        cmocka_unit_test(test_empty_and_table),
        cmocka_unit_test(test_text_repair),
        cmocka_unit_test(test_libreoffice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
