/* Tests of the PDF renderer (render/pdf.c, pdf_draw.c): a synthetic report
 * with every block kind is rendered on A4 and Letter, and the PDF is read
 * back with poppler's pdftotext and pdfinfo.  The rendered samples stay in
 * $CSM_TMP/pdf-samples (else /tmp/pdf-samples) for a person to look at:
 *   pdftoppm -png -r 60 board-a4.pdf page */
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

#include "csmetrics/format.h"
#include "csmetrics/render.h"
#include "csmetrics/report_model.h"
#include "csmetrics/style.h"
#include "csmetrics/xalloc.h"
#include "support/testutil.h"

#define UTF8_NAME "Zo\xC3\xAB \xC3\x85ngstr\xC3\xB6m & S\xC3\xB8n"
#define CJK_NAME                                                               \
    "\xE6\x9D\xB1\xE4\xBA\xAC\xE5\x95\x86\xE4\xBA\x8B" /* 東京商事 */
#define LONG_ROWS 150

/* ------------------------------------------------------------ model */

static void spark(csm_tile *t, double base, double slope)
{
    double v[13];
    bool d[13];
    for (int i = 0; i < 13; i++) {
        v[i] = base + slope * i + (i % 3) * slope * 0.5;
        d[i] = i != 4; /* a gap: the sparkline breaks */
    }
    csm_tile_spark(t, v, d, 13);
}

static void tiles(csm_section *s)
{
    csm_block *b = csm_section_tiles(s, NULL);
    csm_tile *t = csm_block_tile(b, "ARR");
    t->value = csm_cell_money(1481234567); /* 14,812,345.67 */
    t->mom = csm_cell_rate(csm_ratio_value(0.021));
    t->yoy = csm_cell_rate(csm_ratio_value(0.184));
    spark(t, 12e6, 2e5);
    t = csm_block_tile(b, "MRR");
    t->value = csm_cell_money(123436547);
    t->mom = csm_cell_money(2512345);
    t->yoy = csm_cell_money(-1934500);
    spark(t, 1e6, 1.5e4);
    t = csm_block_tile(b, "NRR (trailing 12 months)");
    t->value = csm_cell_rate(csm_ratio_value(1.0423));
    t->mom = csm_cell_rate(csm_ratio_value(0.012));
    t->yoy = csm_cell_rate(csm_ratio_value(-0.031));
    t->note = csm_xstrdup("Cohort method: customers active 12 months ago, "
                          "MRR now over MRR then");
    spark(t, 1.0, 0.003);
    t = csm_block_tile(b, "GRR (trailing 12 months)");
    t->value = csm_cell_rate(csm_ratio_value(0.912));
    t->mom = csm_cell_rate(csm_ratio_value(0.0004)); /* shows 0.0 pp: flat */
    t->yoy = csm_cell_rate(csm_ratio_value(0.007));
    spark(t, 0.9, 0.001);
    t = csm_block_tile(b, "Logo retention");
    t->value = csm_cell_rate(csm_ratio_value(0.873));
    t->mom = csm_cell_rate(csm_ratio_value(-0.004));
    t->yoy = csm_cell_na();
    spark(t, 0.88, -0.001);
    t = csm_block_tile(b, "Renewal rate");
    t->value = csm_cell_rate(csm_ratio_value(0.938));
    t->mom = csm_cell_rate(csm_ratio_value(0.02));
    t->yoy = csm_cell_rate(csm_ratio_value(0.05));
    t->note = csm_xstrdup("95% CI 91.2\xE2\x80\x93"
                          "96.0%, n = 412");
    spark(t, 0.9, 0.002);
    t = csm_block_tile(b, "Median time to first value");
    t->value = csm_cell_number(37, 0);
    t->mom = csm_cell_number(-3, 0);
    t->yoy = csm_cell_number(-11, 0);
    t->higher_is_better = false;
    t->note = csm_xstrdup("days; 95% CI 31\xE2\x80\x93"
                          "44");
    spark(t, 50, -1);
    t = csm_block_tile(b, "CRC:CAC");
    t->value = csm_cell_number(0.42, 2);
    t->mom = csm_cell_number(0.05, 2);
    t->yoy = csm_cell_number(-0.1, 2);
    t->higher_is_better = false;
    t = csm_block_tile(b, "Referral rate");
    t->value = csm_cell_na(); /* undefined: shows n/a */
    t->note = csm_xstrdup("No referrals file in the data folder");
}

static csm_block *months_chart(csm_section *s, const char *title,
                               csm_axis_format f)
{
    csm_block *b = csm_section_chart(s, title, f);
    const char *lab[13];
    char buf[13][16];
    for (int i = 0; i < 13; i++) {
        snprintf(buf[i], sizeof buf[i], "%04d-%02d", 2024 + (i + 2) / 12,
                 (i + 2) % 12 + 1);
        lab[i] = buf[i];
    }
    csm_chart_x(b, lab, NULL, 13);
    return b;
}

static void bridge(csm_section *s)
{
    csm_block *b = csm_section_waterfall(s, "MRR bridge, March 2025");
    csm_waterfall_step_add(b, "Opening MRR", CSM_STEP_START, 120000000);
    csm_waterfall_step_add(b, "New", CSM_STEP_UP, 4200000);
    csm_waterfall_step_add(b, "Reactivation", CSM_STEP_UP, 350000);
    csm_waterfall_step_add(b, "Expansion", CSM_STEP_UP, 2650000);
    csm_waterfall_step_add(b, "Contraction", CSM_STEP_DOWN, 1100000);
    csm_waterfall_step_add(b, "Churn", CSM_STEP_DOWN, 2400000);
    csm_waterfall_step_add(b, "FX", CSM_STEP_DELTA, -263453);
    csm_waterfall_step_add(b, "Closing MRR", CSM_STEP_TOTAL, 123436547);
    csm_block_caption(b, "Closing MRR ties out to the sum of the March "
                         "snapshot to the cent.");

    b = months_chart(s, "Monthly movements", CSM_AXIS_MONEY);
    b->u.chart.y_title = csm_xstrdup("MRR movement");
    double v[5][13];
    const char *names[5] = {"New", "Reactivation", "Expansion", "Contraction",
                            "Churn"};
    for (int i = 0; i < 13; i++) {
        v[0][i] = 30000 + 1000 * i;
        v[1][i] = 2000 + 300 * (i % 4);
        v[2][i] = 20000 + 500 * (i % 5);
        v[3][i] = -(8000 + 400 * (i % 3));
        v[4][i] = -(20000 + 900 * (i % 6));
    }
    for (int k = 0; k < 5; k++) {
        csm_series *se =
            csm_chart_series(b, names[k], CSM_SERIES_STACKED, v[k], NULL);
        se->palette = k;
    }
}

static void retention(csm_section *s)
{
    csm_block *b =
        months_chart(s, "Retention, trailing 12 months", CSM_AXIS_RATE);
    double nrr[13], grr[13], logo[13];
    bool d[13];
    for (int i = 0; i < 13; i++) {
        nrr[i] = 1.01 + 0.003 * i;
        grr[i] = 0.90 + 0.001 * (i % 4);
        logo[i] = 0.86 + 0.002 * i;
        d[i] = i != 6; /* undefined month: the line breaks */
    }
    csm_chart_series(b, "NRR", CSM_SERIES_LINE, nrr, d);
    csm_chart_series(b, "GRR", CSM_SERIES_LINE, grr, NULL);
    csm_chart_series(b, "Logo retention", CSM_SERIES_LINE, logo, NULL);
    csm_block_caption(b, "NRR improving: +0.3 pp a month (95% CI +0.1 to "
                         "+0.5). GRR flat. Logo retention improving.");

    b = csm_section_table(s, "NRR methods", "nrr_methods");
    csm_table_column(b, "method", "Method", CSM_CELL_TEXT, 3);
    csm_table_column(b, "nrr", "NRR", CSM_CELL_RATE, 1);
    csm_table_column(b, "note", "How it is computed", CSM_CELL_TEXT, 4);
    csm_cell r1[3] = {csm_cell_text("Cohort (headline)"),
                      csm_cell_rate(csm_ratio_value(1.0423)),
                      csm_cell_text("MRR now of customers active 12 months "
                                    "ago over their MRR then")};
    csm_table_row(b, r1);
    csm_cell r2[3] = {csm_cell_text("Movement sum"),
                      csm_cell_rate(csm_ratio_value(1.0611)),
                      csm_cell_text("(opening + expansion + reactivation - "
                                    "contraction - churn) / opening")};
    csm_table_row(b, r2);
    csm_cell r3[3] = {csm_cell_text("Difference"),
                      csm_cell_tone_set(csm_cell_rate(csm_ratio_value(0.0188)),
                                        CSM_TONE_STRONG),
                      csm_cell_text("returns inside the window, expansion of "
                                    "new customers, FX")};
    csm_table_row(b, r3);
    b->u.table.total_rows = 1;
}

static void renewals(csm_section *s)
{
    csm_block *b = csm_section_table(s, "Renewals by month", "renewals");
    csm_table_column(b, "month", "Month", CSM_CELL_MONTH, 0);
    csm_table_column(b, "up", "Up for renewal", CSM_CELL_INT, 0);
    csm_table_column(b, "renewed", "Renewed", CSM_CELL_INT, 0);
    csm_table_column(b, "churned", "Churned at renewal", CSM_CELL_INT, 0);
    csm_table_column(b, "up_mrr", "MRR up for renewal", CSM_CELL_MONEY, 0);
    csm_table_column(b, "rate", "Logo renewal rate", CSM_CELL_RATE, 0);
    csm_table_column(b, "ci", "95% interval", CSM_CELL_TEXT, 0);
    for (int i = 0; i < 12; i++) {
        csm_cell row[7] = {
            csm_cell_month(
                csm_month_from_ym(2024 + (i + 3) / 12, (i + 3) % 12 + 1)),
            csm_cell_int(40 + i),
            csm_cell_int(37 + i),
            csm_cell_tone_set(csm_cell_int(3), CSM_TONE_BAD),
            csm_cell_money(4512300 + 10000 * i),
            i == 5 ? csm_cell_na()
                   : csm_cell_rate(csm_ratio_value((37.0 + i) / (40 + i))),
            csm_cell_text("82.1\xE2\x80\x93"
                          "97.4%")};
        csm_table_row(b, row);
    }
    csm_cell tot[7] = {
        csm_cell_text("Total"),   csm_cell_int(546),
        csm_cell_int(510),        csm_cell_int(36),
        csm_cell_money(54807600), csm_cell_rate(csm_ratio_value(510.0 / 546)),
        csm_cell_text("")};
    csm_table_row(b, tot);
    b->u.table.total_rows = 1;

    b = months_chart(s, "Mid-term churn", CSM_AXIS_COUNT);
    double churn[13];
    for (int i = 0; i < 13; i++)
        churn[i] = 2 + i % 4;
    csm_chart_series(b, "Logos churned mid-term", CSM_SERIES_BAR, churn, NULL);
    b->u.chart.y_title = csm_xstrdup("Logos");
}

static void cohorts(csm_section *s)
{
    enum { ROWS = 12, COLS = 13 };
    char rl[ROWS][16], cl[COLS][16];
    const char *rows[ROWS], *cols[COLS];
    double v[ROWS * COLS];
    bool d[ROWS * COLS];
    for (int r = 0; r < ROWS; r++) {
        snprintf(rl[r], sizeof rl[r], "%d-Q%d", 2022 + r / 4, r % 4 + 1);
        rows[r] = rl[r];
    }
    for (int c = 0; c < COLS; c++) {
        snprintf(cl[c], sizeof cl[c], "%d", c);
        cols[c] = cl[c];
    }
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++) {
            v[r * COLS + c] = 1.0 - 0.025 * c + 0.004 * r;
            d[r * COLS + c] = c <= (ROWS - 1 - r) + 1; /* young cohorts */
        }
    csm_block *b = csm_section_heatmap(
        s, "Revenue retention by signup quarter", rows, ROWS, cols, COLS, v, d,
        0.6, 1.1, "Revenue retention (MRR at age k / MRR at age 0)");
    csm_heatmap_titles(b, "Signup quarter", "Months since start");
    csm_block_caption(b, "Rows: signup quarter. Columns: months since "
                         "start.");
}

static void onboarding(csm_section *s)
{
    csm_block *b = csm_section_chart(s, "Time to first value", CSM_AXIS_RATE);
    enum { N = 12 };
    double x[N] = {0, 5, 9, 14, 21, 30, 38, 45, 60, 75, 90, 120};
    double y[N], lo[N], hi[N];
    char lab[N][16];
    const char *labels[N];
    for (int i = 0; i < N; i++) {
        y[i] = 1.0 - 0.07 * i;
        lo[i] = y[i] - 0.03 - 0.004 * i;
        hi[i] = y[i] + 0.03 + 0.004 * i;
        if (hi[i] > 1)
            hi[i] = 1;
        snprintf(lab[i], sizeof lab[i], "%g", x[i]);
        labels[i] = lab[i];
    }
    csm_chart_x(b, labels, x, N);
    csm_series *se = csm_chart_series(b, "Share without first value",
                                      CSM_SERIES_STEP, y, NULL);
    csm_series_band(se, lo, hi, N);
    b->u.chart.x_title = csm_xstrdup("Days since contract start");
    b->u.chart.y_title = csm_xstrdup("Share not yet at first value");
    b->u.chart.y_from_zero = true;
    csm_block_caption(b, "Kaplan-Meier estimate with 95% log intervals; "
                         "median 37 days.");
}

static void health(csm_section *s)
{
    csm_block *b = months_chart(s, "Health bands", CSM_AXIS_COUNT);
    double g[13], yl[13], r[13];
    for (int i = 0; i < 13; i++) {
        g[i] = 300 + i;
        yl[i] = 120 - i;
        r[i] = 60 + (i % 3);
    }
    csm_series *se;
    se = csm_chart_series(b, "Green", CSM_SERIES_STACKED, g, NULL);
    se->palette = 3;
    se = csm_chart_series(b, "Yellow", CSM_SERIES_STACKED, yl, NULL);
    se->palette = 2;
    se = csm_chart_series(b, "Red", CSM_SERIES_STACKED, r, NULL);
    se->palette = 4;
    b->u.chart.y_title = csm_xstrdup("Customers");

    b = csm_section_table(s, "At-risk accounts by MRR", "at_risk");
    b->u.table.detail = true;
    csm_table_column(b, "customer", "Customer", CSM_CELL_TEXT, 3);
    csm_table_column(b, "owner", "Owner", CSM_CELL_TEXT, 2);
    csm_table_column(b, "band", "Band", CSM_CELL_TEXT, 1);
    csm_table_column(b, "mrr", "MRR", CSM_CELL_MONEY, 1);
    csm_table_column(b, "renewal", "Next renewal", CSM_CELL_DATE, 1);
    csm_table_column(b, "weak", "Weakest components", CSM_CELL_TEXT, 3);
    for (int i = 0; i < LONG_ROWS; i++) {
        char name[96];
        if (i == 120)
            snprintf(name, sizeof name, "%s", UTF8_NAME);
        else if (i == 7)
            snprintf(name, sizeof name, "%s", CJK_NAME);
        else if (i == 9)
            snprintf(name, sizeof name, "%s",
                     "A customer with a very long legal name that cannot "
                     "possibly fit its column GmbH & Co. KG");
        else
            snprintf(name, sizeof name, "Customer %03d", i);
        csm_cell_tone tone = i % 3 == 0 ? CSM_TONE_RED : CSM_TONE_YELLOW;
        csm_cell row[6] = {
            csm_cell_text(name),
            csm_cell_text(i % 2 ? "Jana Nov\xC3\xA1kov\xC3\xA1" : "Sam Lee"),
            csm_cell_tone_set(csm_cell_text(i % 3 == 0 ? "red" : "yellow"),
                              tone),
            csm_cell_money(9000000 - 50000 * i),
            i % 5 == 0
                ? csm_cell_date(CSM_NO_DATE)
                : csm_cell_date(csm_day_from_ymd(2025, 4 + i % 6, 1 + i % 27)),
            csm_cell_text("usage, NPS, days past due")};
        csm_table_row(b, row);
    }
    csm_block_caption(b, "Customers in the red or yellow band, largest MRR "
                         "first.");
}

static void economics(csm_section *s)
{
    csm_block *b = csm_section_chart(s, "Churn reasons", CSM_AXIS_MONEY);
    const char *lab[6] = {
        "Price",      "Missing feature", "Went out of business",
        "Competitor", "Poor onboarding", "(no reason)"};
    double lost[6] = {42000, 31000, 12000, 9000, 7500, 3100};
    double logos[6] = {11, 7, 4, 3, 3, 2};
    csm_chart_x(b, lab, NULL, 6);
    csm_chart_series(b, "MRR lost", CSM_SERIES_BAR, lost, NULL);
    b->u.chart.y_title = csm_xstrdup("MRR lost");
    b = csm_section_chart(s, "Churned logos by reason", CSM_AXIS_COUNT);
    csm_chart_x(b, lab, NULL, 6);
    csm_chart_series(b, "Logos", CSM_SERIES_BAR, logos, NULL);
    double prev[6] = {9, 8, 2, 5, 1, 4};
    csm_chart_series(b, "Logos, prior year", CSM_SERIES_BAR, prev, NULL);
}

static void definitions(csm_section *s)
{
    csm_block *b = csm_section_notes(s, "Policies in force");
    csm_notes_add(b, "reactivation_window_months = none (a return after any "
                     "gap is a reactivation)");
    csm_notes_add(b, "grace_months = 0");
    csm_notes_add(b, "fx_policy = prior_month: movements are classified at "
                     "constant currency, both months at the prior month's "
                     "rate, and the remaining difference is shown as a "
                     "separate FX line so that the bridge still ties out "
                     "to the cent against the snapshot totals");
    csm_notes_add(b, "gross_margin = 0.80");
    csm_notes_add(b, "ci_level = 0.95, ci_type = log");
    b = csm_section_notes(s, "Data quality");
    csm_notes_add(b, "3 churned customers have no churn reason.");
}

static csm_report *make_report(void)
{
    csm_report *r = csm_report_new("board", "Board pack");
    r->subtitle = csm_xstrdup("March 2025");
    r->company = csm_xstrdup("Acme Analytics");
    memcpy(r->currency, "USD", 4);
    r->currency_decimals = 2;
    r->month = csm_month_from_ym(2025, 3);
    r->generated = csm_xstrdup("2025-04-02");
    r->generated_epoch = 1743588000; /* 2025-04-02T10:00:00Z */
    tiles(csm_report_section(r, "headline", "Headline"));
    bridge(csm_report_section(r, "bridge", "MRR bridge"));
    retention(csm_report_section(r, "retention", "Retention"));
    renewals(csm_report_section(r, "renewals", "Renewals"));
    cohorts(csm_report_section(r, "cohorts", "Cohorts"));
    onboarding(csm_report_section(r, "onboarding", "Onboarding"));
    health(csm_report_section(r, "health", "Health and at risk"));
    economics(csm_report_section(r, "economics",
                                 "Unit economics, churn reasons and "
                                 "referrals"));
    csm_report_section(r, "referrals", "Referrals"); /* no blocks */
    definitions(csm_report_section(r, "definitions", "Definitions"));
    return r;
}

/* The at-risk pack: states per month F..F+6, survival against the green
 * baseline, a wide customer table over several pages; plus the long
 * shapes a three-year data set gives (36 months, 37 ages). */
static csm_report *make_at_risk(void)
{
    csm_report *r = csm_report_new("at-risk", "At-risk cohort");
    r->subtitle = csm_xstrdup("Flagged September 2024, followed to March 2025");
    r->company = csm_xstrdup("Acme Analytics");
    memcpy(r->currency, "EUR", 4);
    r->currency_decimals = 2;
    r->month = csm_month_from_ym(2024, 9);
    r->generated_epoch = 1743588000;
    csm_section *s = csm_report_section(r, "summary", "Cohort summary");
    csm_block *b = csm_section_tiles(s, NULL);
    const char *labels[4] = {"Flagged customers", "Save rate", "MRR at risk",
                             "MRR lost"};
    for (int i = 0; i < 4; i++) {
        csm_tile *t = csm_block_tile(b, labels[i]);
        t->value = i == 0   ? csm_cell_int(84)
                   : i == 1 ? csm_cell_rate(csm_ratio_value(0.774))
                   : i == 2 ? csm_cell_money(31245000)
                            : csm_cell_money(6120050);
        t->higher_is_better = i == 1;
    }
    b = csm_section_chart(s, "States by month", CSM_AXIS_COUNT);
    const char *m[7] = {"F", "F+1", "F+2", "F+3", "F+4", "F+5", "F+6"};
    csm_chart_x(b, m, NULL, 7);
    double green[7] = {0, 10, 18, 25, 30, 33, 36};
    double yellow[7] = {50, 40, 33, 27, 22, 20, 18};
    double red[7] = {34, 30, 25, 20, 18, 16, 11};
    double churned[7] = {0, 4, 8, 12, 14, 15, 19};
    const char *names[4] = {"Recovered (green)", "Yellow", "Red", "Churned"};
    double *vals[4] = {green, yellow, red, churned};
    int pal[4] = {3, 2, 4, 5};
    for (int k = 0; k < 4; k++)
        csm_chart_series(b, names[k], CSM_SERIES_STACKED, vals[k], NULL)
            ->palette = pal[k];
    b->u.chart.y_title = csm_xstrdup("Customers");
    b = csm_section_chart(s, "Logo survival against the green baseline",
                          CSM_AXIS_RATE);
    double x[7] = {0, 1, 2, 3, 4, 5, 6};
    csm_chart_x(b, m, x, 7);
    double cs[7] = {1, .95, .9, .86, .83, .82, .77};
    double bs[7] = {1, .99, .985, .98, .975, .97, .965};
    double lo[7], hi[7];
    for (int i = 0; i < 7; i++) {
        lo[i] = cs[i] - 0.02 * i;
        hi[i] = cs[i] + 0.015 * i > 1 ? 1 : cs[i] + 0.015 * i;
    }
    csm_series_band(
        csm_chart_series(b, "At-risk cohort", CSM_SERIES_STEP, cs, NULL), lo,
        hi, 7);
    csm_chart_series(b, "Green customers of F", CSM_SERIES_STEP, bs, NULL);
    b->u.chart.x_title = csm_xstrdup("Months since flagged");
    b->u.chart.y_from_zero = false;

    s = csm_report_section(r, "customers", "Customers");
    b = csm_section_table(s, "Every flagged customer", "members");
    b->u.table.detail = true;
    const char *cols[10] = {"Customer", "Owner",       "Segment", "MRR at F",
                            "MRR now",  "Change",      "Outcome", "Renewal",
                            "Weakest",  "Churn reason"};
    csm_cell_kind kinds[10] = {CSM_CELL_TEXT,  CSM_CELL_TEXT,  CSM_CELL_TEXT,
                               CSM_CELL_MONEY, CSM_CELL_MONEY, CSM_CELL_RATE,
                               CSM_CELL_TEXT,  CSM_CELL_DATE,  CSM_CELL_TEXT,
                               CSM_CELL_TEXT};
    for (int c = 0; c < 10; c++)
        csm_table_column(b, cols[c], cols[c], kinds[c], 0);
    for (int i = 0; i < 84; i++) {
        char name[64];
        snprintf(name, sizeof name, "Member %02d Holdings Ltd", i);
        bool churned_now = i % 5 == 0;
        csm_cell row[10] = {
            csm_cell_text(name),
            csm_cell_text("Jana Nov\xC3\xA1kov\xC3\xA1"),
            csm_cell_text(i % 2 ? "Enterprise" : "Mid-market"),
            csm_cell_money(1250000 + 1000 * i),
            csm_cell_money(churned_now ? 0 : 1200000 + 900 * i),
            churned_now ? csm_cell_tone_set(csm_cell_rate(csm_ratio_value(-1)),
                                            CSM_TONE_BAD)
                        : csm_cell_rate(csm_ratio_value(-0.04 + 0.001 * i)),
            csm_cell_tone_set(
                csm_cell_text(churned_now ? "churned" : "recovered"),
                churned_now ? CSM_TONE_BAD : CSM_TONE_GOOD),
            csm_cell_date(csm_day_from_ymd(2025, 1 + i % 12, 1)),
            csm_cell_text("usage, support load"),
            churned_now ? csm_cell_text("Price") : csm_cell_empty()};
        csm_table_row(b, row);
    }

    s = csm_report_section(r, "history", "Three years");
    b = csm_section_chart(s, "MRR, 36 months", CSM_AXIS_MONEY);
    const char *ml[36];
    char mb[36][16];
    double mrr[36];
    for (int i = 0; i < 36; i++) {
        snprintf(mb[i], sizeof mb[i], "%04d-%02d", 2022 + i / 12, i % 12 + 1);
        ml[i] = mb[i];
        mrr[i] = 800000 + 12000.0 * i;
    }
    csm_chart_x(b, ml, NULL, 36);
    csm_chart_series(b, "MRR", CSM_SERIES_LINE, mrr, NULL);
    enum { RR = 36, CC = 37 };
    char rl[RR][16], cl[CC][16];
    const char *rows[RR], *cc[CC];
    double hv[RR * CC];
    bool hd[RR * CC];
    for (int i = 0; i < RR; i++) {
        snprintf(rl[i], sizeof rl[i], "%04d-%02d", 2022 + i / 12, i % 12 + 1);
        rows[i] = rl[i];
    }
    for (int c = 0; c < CC; c++) {
        snprintf(cl[c], sizeof cl[c], "%d", c);
        cc[c] = cl[c];
    }
    for (int i = 0; i < RR; i++)
        for (int c = 0; c < CC; c++) {
            hv[i * CC + c] = 1.0 - 0.01 * c;
            hd[i * CC + c] = c < CC - i;
        }
    csm_section_heatmap(s, "Logo retention by signup month", rows, RR, cc, CC,
                        hv, hd, 0.5, 1.0, "Logo retention");
    return r;
}

/* ------------------------------------------------------------ helpers */

static char *samples_dir(void)
{
    const char *base = getenv("CSM_TMP");
    char *dir = csm_xasprintf("%s/pdf-samples", base ? base : "/tmp");
    mkdir(base ? base : "/tmp", 0777);
    mkdir(dir, 0777);
    return dir;
}

static char *run(const char *cmd)
{
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    size_t cap = 1 << 16, len = 0;
    char *buf = csm_xmalloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 1024) {
            cap *= 2;
            buf = csm_xrealloc(buf, cap);
        }
    }
    buf[len] = '\0';
    assert_int_equal(pclose(f), 0);
    return buf;
}

static char *pdftext(const char *path, int page)
{
    char *cmd = page > 0 ? csm_xasprintf("pdftotext -layout -f %d -l %d "
                                         "'%s' - 2>/dev/null",
                                         page, page, path)
                         : csm_xasprintf("pdftotext -layout '%s' - "
                                         "2>/dev/null",
                                         path);
    char *out = run(cmd);
    free(cmd);
    return out;
}

static int pdf_pages(const char *info)
{
    const char *p = strstr(info, "Pages:");
    assert_non_null(p);
    return atoi(p + 6);
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static size_t files_in(const char *dir)
{
    char *cmd = csm_xasprintf("ls -A '%s' | wc -l", dir);
    char *out = run(cmd);
    size_t n = (size_t)atoi(out);
    free(out);
    free(cmd);
    return n;
}

static csm_error render(const csm_report *r, const csm_style *st,
                        const char *paper, const char *path, csm_diags *diag)
{
    csm_render_options opt = {.style = st, .paper = paper};
    return csm_render_pdf(r, &opt, path, diag);
}

/* The tile values exactly as format.c writes them. */
static void assert_tiles_extractable(const csm_report *r, const char *text)
{
    const csm_block *b = &r->sections[0].blocks[0];
    for (size_t i = 0; i < b->u.tiles.n_tiles; i++) {
        char buf[CSM_FMT_BUFSZ];
        const char *v = csm_format_cell(&b->u.tiles.tiles[i].value,
                                        r->currency_decimals, 0, buf);
        if (!strstr(text, v))
            fail_msg("tile value \"%s\" not in the PDF text", v);
        if (!strstr(text, b->u.tiles.tiles[i].label))
            fail_msg("tile label \"%s\" not in the PDF text",
                     b->u.tiles.tiles[i].label);
    }
}

/* ------------------------------------------------------------ tests */

static void check_paper(const char *paper, const char *size_text)
{
    csm_style st;
    csm_style_defaults(&st);
    csm_report *r = make_report();
    char *dir = samples_dir();
    char *path = csm_xasprintf("%s/board-%s.pdf", dir, paper);
    csm_diags diag = {0};
    unlink(path);
    csm_error rc = render(r, &st, paper, path, &diag);
    if (rc != CSM_OK)
        csm_diags_print(&diag, stderr, CSM_SEV_INFO, 20);
    assert_int_equal(rc, CSM_OK);
    assert_int_equal(csm_diags_errors(&diag), 0);

    char *text = pdftext(path, 0);
    for (size_t s = 0; s < r->n_sections; s++)
        if (!strstr(text, r->sections[s].title))
            fail_msg("section title \"%s\" not in the PDF text",
                     r->sections[s].title);
    assert_tiles_extractable(r, text);
    assert_non_null(strstr(text, "n/a"));
    assert_non_null(strstr(text, UTF8_NAME));
    assert_non_null(strstr(text, CJK_NAME)); /* text layer intact */
    assert_non_null(strstr(text, "Acme Analytics"));
    assert_non_null(strstr(text, "Reporting month 2025-03"));
    /* Waterfall value labels and table money as format.c writes them. */
    assert_non_null(strstr(text, "1.20M"));
    assert_non_null(strstr(text, "+42.0K"));
    assert_non_null(strstr(text, "548,076.00"));
    assert_non_null(strstr(text, "Revenue retention (MRR at age k"));
    /* The heatmap's axis titles (corner and over the columns). */
    assert_non_null(strstr(text, "Signup quarter"));
    assert_non_null(strstr(text, "Months since start"));

    char *cmd = csm_xasprintf("pdfinfo '%s' 2>/dev/null", path);
    char *info = run(cmd);
    int pages = pdf_pages(info);
    /* 10 sections, one a page at least; the 150-row table adds 2-4. */
    assert_true(pages >= 12 && pages <= 20);
    if (!strstr(info, size_text))
        fail_msg("pdfinfo page size is not \"%s\":\n%s", size_text, info);
    assert_non_null(strstr(info, "Title:           Board pack"));
    assert_non_null(strstr(info, "CreationDate:    Wed Apr  2 10:00:00 2025"));
    char *footer = csm_xasprintf("page %d of %d", pages, pages);
    assert_non_null(strstr(text, footer));
    free(footer);

    /* The UTF-8 name sits on row 120 of the long table: find its page,
     * which must be a continuation page with the header row repeated. */
    int found = 0;
    for (int pg = 2; pg <= pages && !found; pg++) {
        char *t = pdftext(path, pg);
        if (strstr(t, UTF8_NAME)) {
            found = pg;
            assert_non_null(strstr(t, "At-risk accounts by MRR (continued)"));
            assert_non_null(strstr(t, "Weakest components"));
            assert_non_null(strstr(t, "renewal"));
            assert_non_null(strstr(t, "Acme Analytics"));       /* header */
            assert_non_null(strstr(t, "Generated 2025-04-02")); /* footer */
        }
        free(t);
    }
    assert_true(found > 0);
    char *t1 = pdftext(path, found - 1);
    assert_non_null(strstr(t1, "Weakest components"));
    free(t1);

    free(info);
    free(cmd);
    free(text);
    free(path);
    free(dir);
    csm_diags_free(&diag);
    csm_report_free(r);
}

static void test_a4(void **state)
{
    (void)state;
    check_paper("A4", "595.276 x 841.89 pts (A4)");
}

static void test_letter(void **state)
{
    (void)state;
    check_paper("Letter", "612 x 792 pts (letter)");
}

static void test_style_paper(void **state)
{
    (void)state;
    /* Without opt->paper the style's paper is used. */
    csm_style st;
    csm_style_defaults(&st);
    snprintf(st.paper, sizeof st.paper, "%s", "Letter");
    /* Page numbers work in the header too; an empty company leaves no
     * stray separator. */
    snprintf(st.header, sizeof st.header, "%s",
             "{company} \xC2\xB7 {title} \xC2\xB7 sheet {page}/{pages}");
    csm_report *r = make_report();
    free(r->company);
    r->company = NULL;
    char *dir = tu_tempdir("pdf-paper");
    char *path = csm_xasprintf("%s/x.pdf", dir);
    csm_diags diag = {0};
    assert_int_equal(render(r, &st, NULL, path, &diag), CSM_OK);
    char *cmd = csm_xasprintf("pdfinfo '%s' 2>/dev/null", path);
    char *info = run(cmd);
    assert_non_null(strstr(info, "612 x 792 pts (letter)"));
    char *page2 = pdftext(path, 2);
    char *want =
        csm_xasprintf("Board pack \xC2\xB7 sheet 2/%d", pdf_pages(info));
    assert_non_null(strstr(page2, want));
    free(want);
    free(page2);
    free(info);
    free(cmd);
    free(path);
    tu_rmtree(dir);
    free(dir);
    csm_diags_free(&diag);
    csm_report_free(r);
}

static void test_deterministic(void **state)
{
    (void)state;
    csm_style st;
    csm_style_defaults(&st);
    csm_report *r = make_report();
    char *dir = tu_tempdir("pdf-det");
    char *a = csm_xasprintf("%s/a.pdf", dir);
    char *b = csm_xasprintf("%s/b.pdf", dir);
    csm_diags diag = {0};
    assert_int_equal(render(r, &st, "A4", a, &diag), CSM_OK);
    assert_int_equal(render(r, &st, "A4", b, &diag), CSM_OK);
    size_t la, lb;
    char *da = tu_read(a, &la), *db = tu_read(b, &lb);
    assert_non_null(da);
    assert_non_null(db);
    assert_int_equal(la, lb);
    assert_memory_equal(da, db, la);
    /* Only what the report says changes the bytes: a new generation time
     * changes the creation date. */
    r->generated_epoch += 86400;
    assert_int_equal(render(r, &st, "A4", b, &diag), CSM_OK);
    free(db);
    db = tu_read(b, &lb);
    assert_true(la != lb || memcmp(da, db, la) != 0);
    free(da);
    free(db);
    free(a);
    free(b);
    tu_rmtree(dir);
    free(dir);
    csm_diags_free(&diag);
    csm_report_free(r);
}

static bool diag_has(const csm_diags *d, const char *needle)
{
    for (size_t i = 0; i < d->n; i++)
        if (strstr(d->items[i].message, needle))
            return true;
    return false;
}

static void test_missing_font(void **state)
{
    (void)state;
    csm_style st;
    csm_style_defaults(&st);
    snprintf(st.font_bold, sizeof st.font_bold, "%s",
             "/nonexistent/fonts/NoSuchFont-Bold.ttf");
    csm_report *r = make_report();
    char *dir = tu_tempdir("pdf-font");
    char *path = csm_xasprintf("%s/board.pdf", dir);
    csm_diags diag = {0};
    assert_int_equal(render(r, &st, NULL, path, &diag), CSM_EIO);
    assert_false(exists(path));
    assert_int_equal(files_in(dir), 0); /* no temporary left either */
    assert_true(diag_has(&diag, "/nonexistent/fonts/NoSuchFont-Bold.ttf"));
    assert_true(diag_has(&diag, "fonts-dejavu-core"));

    /* An earlier file at the path is left as it was. */
    tu_write(dir, "board.pdf", "old", 3);
    assert_int_equal(render(r, &st, NULL, path, &diag), CSM_EIO);
    size_t len;
    char *old = tu_read(path, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(old, "old", 3);
    free(old);

    /* A file that is not a TrueType font fails inside libharu: the error
     * handler turns it into CSM_EIO and nothing is written. */
    tu_write(dir, "bad.ttf", "this is not a font", 18);
    char *bad = csm_xasprintf("%s/bad.ttf", dir);
    csm_style_defaults(&st);
    snprintf(st.font_regular, sizeof st.font_regular, "%s", bad);
    csm_diags d2 = {0};
    assert_int_equal(render(r, &st, NULL, path, &d2), CSM_EIO);
    assert_true(diag_has(&d2, "bad.ttf"));
    old = tu_read(path, &len);
    assert_int_equal(len, 3);
    free(old);
    assert_int_equal(files_in(dir), 2); /* board.pdf and bad.ttf */
    free(bad);
    csm_diags_free(&d2);
    free(path);
    tu_rmtree(dir);
    free(dir);
    csm_diags_free(&diag);
    csm_report_free(r);
}

static void test_unwritable(void **state)
{
    (void)state;
    csm_style st;
    csm_style_defaults(&st);
    csm_report *r = make_report();
    csm_diags diag = {0};
    /* A folder that does not exist, and a "folder" that is a file (root
     * can write into read-only folders, so that is no test). */
    assert_int_equal(render(r, &st, NULL, "/nonexistent-dir/board.pdf", &diag),
                     CSM_EIO);
    assert_true(diag_has(&diag, "cannot create a file"));
    char *dir = tu_tempdir("pdf-unwritable");
    tu_write(dir, "plain", "x", 1);
    char *path = csm_xasprintf("%s/plain/board.pdf", dir);
    assert_int_equal(render(r, &st, NULL, path, &diag), CSM_EIO);
    free(path);
    tu_rmtree(dir);
    free(dir);
    csm_diags_free(&diag);
    csm_report_free(r);
}

static void test_degenerate(void **state)
{
    (void)state;
    /* Empty report, empty blocks, NaN and infinities in every numeric
     * slot, invalid UTF-8, huge amounts: renders, never crashes. */
    csm_style st;
    csm_style_defaults(&st);
    char *dir = samples_dir();
    char *path = csm_xasprintf("%s/degenerate.pdf", dir);
    csm_diags diag = {0};

    csm_report *r = csm_report_new("board", "Empty");
    assert_int_equal(render(r, &st, NULL, path, &diag), CSM_OK);
    csm_report_free(r);

    r = csm_report_new("board", "Bad \xFF\xFE text \xF0\x9F\x98\x80 here");
    r->currency_decimals = 2;
    csm_section *s = csm_report_section(r, "x", "Degenerate \x01 blocks");
    csm_block *b = csm_section_tiles(s, "Tiles");
    csm_tile *t = csm_block_tile(b, "NaN tile");
    t->value = csm_cell_number(NAN, 1);
    t->mom = csm_cell_rate(csm_ratio_value(INFINITY));
    double sp[3] = {NAN, INFINITY, 1};
    csm_tile_spark(t, sp, NULL, 3);
    t = csm_block_tile(b, "Huge");
    t->value = csm_cell_money(INT64_MIN);
    t->mom = csm_cell_money(INT64_MAX);
    csm_tile_spark(t, sp, NULL, 0);
    b = csm_section_chart(s, "No points", CSM_AXIS_MONEY);
    b = csm_section_chart(s, "All NaN", CSM_AXIS_RATE);
    const char *lab[3] = {"a", "b", "c"};
    double yv[3] = {NAN, INFINITY, -INFINITY};
    csm_chart_x(b, lab, yv, 3); /* non-finite x values too */
    csm_series *se = csm_chart_series(b, "s", CSM_SERIES_STEP, yv, NULL);
    csm_series_band(se, yv, yv, 3);
    csm_chart_series(b, "t", CSM_SERIES_STACKED, yv, NULL);
    b = csm_section_chart(s, "Flat", CSM_AXIS_COUNT);
    double flat[3] = {0, 0, 0};
    csm_chart_x(b, lab, NULL, 3);
    csm_chart_series(b, "zero", CSM_SERIES_LINE, flat, NULL);
    b = csm_section_waterfall(s, "Empty waterfall");
    b = csm_section_waterfall(s, "Overflowing waterfall");
    csm_waterfall_step_add(b, "a", CSM_STEP_START, INT64_MAX);
    csm_waterfall_step_add(b, "b", CSM_STEP_UP, INT64_MAX);
    b = csm_section_table(s, "No rows", "empty");
    csm_table_column(b, "a", "A", CSM_CELL_TEXT, 0);
    b = csm_section_table(s, "No columns", "nocols");
    double hv[2] = {NAN, 0.5};
    bool hd[2] = {true, true};
    const char *hr[1] = {"r"}, *hc[2] = {"0", "1"};
    csm_section_heatmap(s, "NaN heat", hr, 1, hc, 2, hv, hd, 1, 1, NULL);
    csm_section_heatmap(s, "Empty heat", NULL, 0, NULL, 0, NULL, NULL, 0, 1,
                        NULL);
    b = csm_section_notes(s, NULL);
    csm_notes_add(b, "");
    csm_notes_add(b, "Averyveryveryveryveryveryveryveryveryveryveryveryvery"
                     "veryveryveryveryveryveryveryveryveryveryveryveryvery"
                     "veryveryveryveryverylongwordwithoutanyspaces");
    assert_int_equal(render(r, &st, "Letter", path, &diag), CSM_OK);
    if (csm_diags_errors(&diag))
        csm_diags_print(&diag, stderr, CSM_SEV_INFO, 20);
    assert_int_equal(csm_diags_errors(&diag), 0);
    char *text = pdftext(path, 0);
    assert_non_null(strstr(text, "n/a"));
    assert_non_null(strstr(text, "Degenerate"));
    free(text);
    csm_report_free(r);
    free(path);
    free(dir);
    csm_diags_free(&diag);
}

static void test_at_risk(void **state)
{
    (void)state;
    csm_style st;
    csm_style_defaults(&st);
    csm_report *r = make_at_risk();
    char *dir = samples_dir();
    char *path = csm_xasprintf("%s/at-risk-A4.pdf", dir);
    csm_diags diag = {0};
    assert_int_equal(render(r, &st, "A4", path, &diag), CSM_OK);
    char *text = pdftext(path, 0);
    assert_non_null(strstr(text, "Cohort summary"));
    assert_non_null(strstr(text, "312,450.00"));
    assert_non_null(strstr(text, "77.4%"));
    assert_non_null(strstr(text, "Member 83"));
    assert_non_null(strstr(text, "Every flagged customer (continued)"));
    assert_non_null(strstr(text, "Logo retention by signup month"));
    /* The last month of a 36-month axis is always labelled. */
    assert_non_null(strstr(text, "2024-12"));
    free(text);
    free(path);
    free(dir);
    csm_diags_free(&diag);
    csm_report_free(r);
}

static void test_options(void **state)
{
    (void)state;
    csm_style st;
    csm_style_defaults(&st);
    csm_report *r = make_report();
    csm_diags diag = {0};
    char *dir = tu_tempdir("pdf-opt");
    char *path = csm_xasprintf("%s/x.pdf", dir);
    assert_int_equal(render(r, &st, "A5", path, &diag), CSM_EIO);
    assert_true(diag_has(&diag, "A4 or Letter"));
    assert_false(exists(path));
    assert_int_equal(csm_render_pdf(r, NULL, path, &diag), CSM_EIO);
    free(path);
    tu_rmtree(dir);
    free(dir);
    csm_diags_free(&diag);
    csm_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a4),
        cmocka_unit_test(test_letter),
        cmocka_unit_test(test_style_paper),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_missing_font),
        cmocka_unit_test(test_unwritable),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_at_risk),
        cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
