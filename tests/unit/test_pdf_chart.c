/* Unit tests of the PDF layout geometry (render/pdf_chart.c) and of the
 * display text of values (render/format.c).  Every expected value is
 * derived by hand in the comment next to it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/format.h"
#include "csmetrics/pdf_chart.h"
#include "csmetrics/report_model.h"
#include "support/testutil.h"

#define EPS 1e-9

/* ------------------------------------------------------------ ticks */

static void ticks_are(double min, double max, size_t max_ticks, bool integer,
                      double lo, double hi, double step, size_t n)
{
    csm_pdf_ticks t;
    csm_pdf_nice_ticks(min, max, max_ticks, integer, &t);
    assert_double_equal(t.lo, lo, EPS);
    assert_double_equal(t.hi, hi, EPS);
    assert_double_equal(t.step, step, EPS);
    assert_int_equal(t.n, n);
}

static void test_nice_ticks(void **state)
{
    (void)state;
    /* raw step 100/5 = 20: 10 needs 11 ticks, 20 needs 0..100 = 6. */
    ticks_are(0, 100, 6, false, 0, 100, 20, 6);
    ticks_are(100, 0, 6, false, 0, 100, 20, 6); /* swapped */
    /* raw 246913: 1e5 -> 14 ticks, 2e5 -> 0..1.4e6 = 8, 5e5 -> 0..1.5e6
     * = 4. */
    ticks_are(0, 1234567, 6, false, 0, 1.5e6, 5e5, 4);
    /* raw 3100: 1000 -> -4..12 = 17, 2000 -> -2..6 = 9, 5000 -> -1..3 =
     * 5 ticks. */
    ticks_are(-3500, 12000, 6, false, -5000, 15000, 5000, 5);
    /* raw 0.012: 0.01 -> 91..97 = 7, 0.02 -> 45..49 = 5 ticks. */
    ticks_are(0.91, 0.97, 6, false, 0.90, 0.98, 0.02, 5);
    /* Zero width [5, 5] widens to [4.75, 5.25]; raw 0.1 -> 47..53 = 7;
     * 0.2 -> 23..27 = 5. */
    ticks_are(5, 5, 6, false, 4.6, 5.4, 0.2, 5);
    /* Negative only: raw 15; 10 -> -8..-2 = 7; 20 -> -4..-1 = 4. */
    ticks_are(-80, -20, 5, false, -80, -20, 20, 4);
    /* Negative zero width: [-2.1, -1.9]; raw 0.05: 0.01 too many, 0.02
     * -> -105..-95 = 11, 0.05 -> -42..-38 = 5. */
    ticks_are(-2, -2, 6, false, -2.1, -1.9, 0.05, 5);
    /* All zero: [0, 1], raw 0.2; 0.1 -> 11, 0.2 -> 6. */
    ticks_are(0, 0, 6, false, 0, 1, 0.2, 6);
    /* Counts never step below 1: [0, 1] with step 1. */
    ticks_are(0, 0, 6, true, 0, 1, 1, 2);
    ticks_are(0, 3, 8, true, 0, 3, 1, 4);
    /* Non-finite input falls back to [0, 1]. */
    ticks_are(NAN, 5, 6, false, 0, 1, 0.2, 6);
    /* max_ticks below 2 counts as 2: [0, 7] in one step of 10. */
    ticks_are(0, 7, 1, false, 0, 10, 10, 2);

    csm_pdf_ticks t;
    csm_pdf_nice_ticks(0.91, 0.97, 6, false, &t);
    assert_double_equal(csm_pdf_tick_value(&t, 1), 0.92, 1e-12);
    assert_double_equal(csm_pdf_tick_value(&t, 4), 0.98, 1e-12);
    csm_pdf_nice_ticks(-3500, 12000, 6, false, &t);
    double z = csm_pdf_tick_value(&t, 1);
    assert_true(z == 0 && !signbit(z)); /* never "-0" */
}

static void label_is(double min, double max, size_t max_ticks,
                     csm_axis_format f, size_t i, const char *want)
{
    csm_pdf_ticks t;
    csm_pdf_tick_style s;
    char buf[CSM_FMT_BUFSZ];
    csm_pdf_nice_ticks(min, max, max_ticks, f == CSM_AXIS_COUNT, &t);
    csm_pdf_tick_style_for(&t, f, &s);
    assert_string_equal(csm_pdf_tick_label(&s, csm_pdf_tick_value(&t, i), buf),
                        want);
}

static void test_tick_labels(void **state)
{
    (void)state;
    /* 0..1.5M step 0.5M: unit M, one decimal. */
    label_is(0, 1234567, 6, CSM_AXIS_MONEY, 0, "0");
    label_is(0, 1234567, 6, CSM_AXIS_MONEY, 1, "0.5M");
    label_is(0, 1234567, 6, CSM_AXIS_MONEY, 3, "1.5M");
    /* -5000..15000 step 5000: unit K, no decimals. */
    label_is(-3500, 12000, 6, CSM_AXIS_MONEY, 0, "-5K");
    label_is(-3500, 12000, 6, CSM_AXIS_MONEY, 4, "15K");
    /* Counts below 1000: plain. */
    label_is(0, 100, 6, CSM_AXIS_COUNT, 5, "100");
    /* Rates: 0.90..0.98 step 0.02 -> whole percents. */
    label_is(0.91, 0.97, 6, CSM_AXIS_RATE, 1, "92%");
    /* Step 0.005 -> one decimal: [0.92, 0.94] max 6 ticks: raw 0.004;
     * 0.001 too many, 0.002 -> 11, 0.005 -> 184..188 = 5 ticks. */
    label_is(0.92, 0.94, 6, CSM_AXIS_RATE, 1, "92.5%");
    label_is(-0.1, 0.1, 5, CSM_AXIS_RATE, 2, "0%");
    /* Number axis (days) 0..120 step 20. */
    label_is(0, 120, 7, CSM_AXIS_NUMBER, 6, "120");
}

static void test_scale_slot_stride(void **state)
{
    (void)state;
    csm_pdf_scale s = {0, 100, 10, 210};
    assert_double_equal(csm_pdf_scale_map(&s, 50), 110, EPS);
    assert_double_equal(csm_pdf_scale_map(&s, -10), 10, EPS);  /* clamped */
    assert_double_equal(csm_pdf_scale_map(&s, 200), 210, EPS); /* clamped */
    assert_double_equal(csm_pdf_scale_map(&s, NAN), 10, EPS);
    csm_pdf_scale flat = {5, 5, 10, 20};
    assert_double_equal(csm_pdf_scale_map(&flat, 5), 10, EPS);
    csm_pdf_scale down = {0, 1, 100, 0}; /* reversed range */
    assert_double_equal(csm_pdf_scale_map(&down, 0.25), 75, EPS);

    /* Slot 2 of 4 over [100, 500]: slots of 100, pad 25% -> 12.5 each
     * side: left 100 + 200 + 12.5, width 75. */
    double left, width;
    csm_pdf_slot(2, 4, 100, 400, 0.25, &left, &width);
    assert_double_equal(left, 312.5, EPS);
    assert_double_equal(width, 75, EPS);

    /* Labels 25 wide + gap 4 on 10-point slots: every 3rd (29/10 up). */
    assert_int_equal(csm_pdf_label_stride(10, 25, 4), 3);
    assert_int_equal(csm_pdf_label_stride(40, 25, 4), 1);
    assert_int_equal(csm_pdf_label_stride(0, 25, 4), 1);
    assert_int_equal(csm_pdf_label_stride(10, 16, 4), 2); /* exactly 20 */
}

/* ------------------------------------------------------------ charts */

static void test_chart_range_and_stack(void **state)
{
    (void)state;
    csm_report *r = csm_report_new("t", "t");
    csm_section *sec = csm_report_section(r, "s", "S");
    csm_block *b = csm_section_chart(sec, "c", CSM_AXIS_MONEY);
    const char *lab[3] = {"a", "b", "c"};
    csm_chart_x(b, lab, NULL, 3);
    double up[3] = {10, 20, 30}, down[3] = {-5, -40, NAN}, more[3] = {1, 2, 3};
    bool d[3] = {true, true, true};
    csm_chart_series(b, "up", CSM_SERIES_STACKED, up, d);
    csm_chart_series(b, "down", CSM_SERIES_STACKED, down, d);
    csm_chart_series(b, "more", CSM_SERIES_STACKED, more, d);
    double lo[3], hi[3];
    /* Point 1: up stacks 0..20, down goes 0..-40, more sits on up:
     * 20..22. */
    csm_pdf_stack_point(&b->u.chart, 1, lo, hi);
    assert_double_equal(lo[0], 0, EPS);
    assert_double_equal(hi[0], 20, EPS);
    assert_double_equal(lo[1], -40, EPS);
    assert_double_equal(hi[1], 0, EPS);
    assert_double_equal(lo[2], 20, EPS);
    assert_double_equal(hi[2], 22, EPS);
    /* Point 2: NaN is skipped (both ends 0). */
    csm_pdf_stack_point(&b->u.chart, 2, lo, hi);
    assert_double_equal(lo[1], 0, EPS);
    assert_double_equal(hi[1], 0, EPS);
    /* Range: positives up to 30 + 3 = 33, negatives down to -40. */
    double mn, mx;
    assert_true(csm_pdf_chart_range(&b->u.chart, &mn, &mx));
    assert_double_equal(mn, -40, EPS);
    assert_double_equal(mx, 33, EPS);

    /* A rate line with a band: range covers the band, not 0. */
    b = csm_section_chart(sec, "r", CSM_AXIS_RATE);
    csm_chart_x(b, lab, NULL, 3);
    double y[3] = {0.9, 0.95, 0.97}, blo[3] = {0.85, 0.9, 0.93},
           bhi[3] = {0.93, 0.99, 1.2};
    bool dd[3] = {true, true, false}; /* the 1.2 is not defined */
    csm_series *s = csm_chart_series(b, "x", CSM_SERIES_LINE, y, dd);
    csm_series_band(s, blo, bhi, 3);
    assert_true(csm_pdf_chart_range(&b->u.chart, &mn, &mx));
    assert_double_equal(mn, 0.85, EPS);
    assert_double_equal(mx, 0.99, EPS);
    b->u.chart.y_from_zero = true;
    assert_true(csm_pdf_chart_range(&b->u.chart, &mn, &mx));
    assert_double_equal(mn, 0, EPS);

    /* Nothing defined: [0, 1] and false. */
    b = csm_section_chart(sec, "e", CSM_AXIS_RATE);
    csm_chart_x(b, lab, NULL, 3);
    bool none[3] = {false, false, false};
    csm_chart_series(b, "x", CSM_SERIES_LINE, y, none);
    assert_false(csm_pdf_chart_range(&b->u.chart, &mn, &mx));
    assert_double_equal(mn, 0, EPS);
    assert_double_equal(mx, 1, EPS);
    csm_report_free(r);
}

static void test_waterfall(void **state)
{
    (void)state;
    /* Opening 1000, +200, -300, fx -50, closing 850:
     * bars [0,1000] [1000,1200] [900,1200] [850,900] [0,850]. */
    csm_waterfall_step st[5] = {{(char *)"o", CSM_STEP_START, 1000},
                                {(char *)"u", CSM_STEP_UP, 200},
                                {(char *)"d", CSM_STEP_DOWN, 300},
                                {(char *)"f", CSM_STEP_DELTA, -50},
                                {(char *)"c", CSM_STEP_TOTAL, 850}};
    csm_pdf_wf_bar b[5];
    int64_t mn, mx;
    assert_true(csm_pdf_waterfall(st, 5, b, &mn, &mx));
    int64_t want[5][3] = {{0, 1000, 1000},
                          {1000, 1200, 1200},
                          {900, 1200, 900},
                          {850, 900, 850},
                          {0, 850, 850}};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(b[i].lo, want[i][0]);
        assert_int_equal(b[i].hi, want[i][1]);
        assert_int_equal(b[i].running, want[i][2]);
    }
    assert_int_equal(mn, 0);
    assert_int_equal(mx, 1200);

    /* Falling below zero: 100 - 300 = -200; a positive delta. */
    csm_waterfall_step neg[3] = {{(char *)"o", CSM_STEP_START, 100},
                                 {(char *)"d", CSM_STEP_DOWN, 300},
                                 {(char *)"f", CSM_STEP_DELTA, 50}};
    assert_true(csm_pdf_waterfall(neg, 3, b, &mn, &mx));
    assert_int_equal(b[1].lo, -200);
    assert_int_equal(b[1].hi, 100);
    assert_int_equal(b[2].lo, -200);
    assert_int_equal(b[2].hi, -150);
    assert_int_equal(b[2].running, -150);
    assert_int_equal(mn, -200);
    assert_int_equal(mx, 100);

    csm_waterfall_step of[2] = {{(char *)"o", CSM_STEP_START, INT64_MAX},
                                {(char *)"u", CSM_STEP_UP, 1}};
    assert_false(csm_pdf_waterfall(of, 2, b, &mn, &mx));
}

/* ------------------------------------------------------------ tables */

static void chunk_is(const csm_pdf_chunk *c, size_t first, size_t count,
                     bool new_page)
{
    assert_int_equal(c->first, first);
    assert_int_equal(c->count, count);
    assert_int_equal(c->new_page, new_page);
}

static void test_paginate(void **state)
{
    (void)state;
    csm_pdf_chunk *c;
    /* 100 rows of 10 under a 20 header; 200 left here -> 18 rows; a page
     * of 700 holds (700 - 20) / 10 = 68: 18 + 68 + 14. */
    assert_int_equal(csm_pdf_paginate(100, 20, 10, 200, 700, 3, &c), 3);
    chunk_is(&c[0], 0, 18, false);
    chunk_is(&c[1], 18, 68, true);
    chunk_is(&c[2], 86, 14, true);
    free(c);
    /* Only 2 rows fit here (45 - 20 = 25): fewer than 3, start anew. */
    assert_int_equal(csm_pdf_paginate(20, 20, 10, 45, 700, 3, &c), 1);
    chunk_is(&c[0], 0, 20, true);
    free(c);
    /* 19 rows, 18 here: the lone last row takes 2 more with it. */
    assert_int_equal(csm_pdf_paginate(19, 20, 10, 200, 700, 3, &c), 2);
    chunk_is(&c[0], 0, 16, false);
    chunk_is(&c[1], 16, 3, true);
    free(c);
    /* 2 rows and room for 2: a short table needs only its own rows. */
    assert_int_equal(csm_pdf_paginate(2, 20, 10, 40, 700, 3, &c), 1);
    chunk_is(&c[0], 0, 2, false);
    free(c);
    /* No room at all (negative space) and exactly one full page. */
    assert_int_equal(csm_pdf_paginate(68, 20, 10, -5, 700, 3, &c), 1);
    chunk_is(&c[0], 0, 68, true);
    free(c);
    /* 200 rows, nothing here, 68 a page: 68 + 68 + 64. */
    assert_int_equal(csm_pdf_paginate(200, 20, 10, 0, 700, 3, &c), 3);
    chunk_is(&c[0], 0, 68, true);
    chunk_is(&c[1], 68, 68, true);
    chunk_is(&c[2], 136, 64, true);
    free(c);
    /* Empty table: one empty chunk, here when a header and a row fit. */
    assert_int_equal(csm_pdf_paginate(0, 20, 10, 100, 700, 3, &c), 1);
    chunk_is(&c[0], 0, 0, false);
    free(c);
    assert_int_equal(csm_pdf_paginate(0, 20, 10, 25, 700, 3, &c), 1);
    chunk_is(&c[0], 0, 0, true);
    free(c);
}

static void test_column_widths(void **state)
{
    (void)state;
    double out[3];
    double nat[3] = {50, 30, 40};
    bool shr[3] = {true, false, false};
    /* 30 spare shared equally. */
    assert_true(csm_pdf_column_widths(nat, NULL, shr, NULL, 3, 150, out));
    assert_double_equal(out[0], 60, EPS);
    assert_double_equal(out[1], 40, EPS);
    assert_double_equal(out[2], 50, EPS);
    /* By hints 2:0:1 -> +20, +0, +10. */
    double hint[3] = {2, 0, 1};
    assert_true(csm_pdf_column_widths(nat, NULL, shr, hint, 3, 150, out));
    assert_double_equal(out[0], 70, EPS);
    assert_double_equal(out[1], 30, EPS);
    assert_double_equal(out[2], 50, EPS);
    /* Too wide: text columns capped at a level L with
     * min(200, L) + min(100, L) + 60 = 250 -> L = 95. */
    double nat2[3] = {200, 100, 60};
    bool shr2[3] = {true, true, false};
    assert_false(csm_pdf_column_widths(nat2, NULL, shr2, NULL, 3, 250, out));
    assert_double_equal(out[0], 95, 1e-6);
    assert_double_equal(out[1], 95, 1e-6);
    assert_double_equal(out[2], 60, EPS);
    /* A short text column keeps its text: with 40 instead of 100 the cap
     * is 250 - 40 - 60 = 150. */
    double nat4[3] = {200, 40, 60};
    assert_false(csm_pdf_column_widths(nat4, NULL, shr2, NULL, 3, 250, out));
    assert_double_equal(out[0], 150, 1e-6);
    assert_double_equal(out[1], 40, 1e-6);
    /* In 200, without minimums 2L + 60 = 200 gives L = 70 for both; with
     * the second column held at 80 or more, L + 80 + 60 = 200: L = 60. */
    assert_false(csm_pdf_column_widths(nat2, NULL, shr2, NULL, 3, 200, out));
    assert_double_equal(out[1], 70, 1e-6);
    double min2[3] = {30, 80, 0};
    assert_false(csm_pdf_column_widths(nat2, min2, shr2, NULL, 3, 200, out));
    assert_double_equal(out[0], 60, 1e-6);
    assert_double_equal(out[1], 80, 1e-6);
    assert_double_equal(out[2], 60, EPS);
    /* 300 natural + a 28 minimum > 250: everything scales by 250 / 328. */
    double nat3[2] = {200, 300}, min3[2] = {28, 0};
    bool shr3[2] = {true, false};
    assert_false(csm_pdf_column_widths(nat3, min3, shr3, NULL, 2, 250, out));
    assert_double_equal(out[0], 28.0 * 250 / 328, 1e-9);
    assert_double_equal(out[1], 300.0 * 250 / 328, 1e-9);
}

static void test_grid_legend_colour(void **state)
{
    (void)state;
    /* Cell 4 of 3 a row over 320 with gaps of 10: width (320 - 20) / 3 =
     * 100, row 1, column 1 -> x = 10 + 110. */
    double x, cw;
    size_t row;
    csm_pdf_grid(4, 3, 10, 320, 10, &x, &cw, &row);
    assert_double_equal(cw, 100, EPS);
    assert_int_equal(row, 1);
    assert_double_equal(x, 120, EPS);

    /* Widths 50 60 70 40 in 130 with gap 10: 50|60 fit (60 + 60 = 120),
     * 70 wraps, 40 joins it at 80. */
    double w[4] = {50, 60, 70, 40}, lx[4];
    size_t lr[4];
    assert_int_equal(csm_pdf_legend_rows(w, 4, 130, 10, lx, lr), 2);
    assert_double_equal(lx[1], 60, EPS);
    assert_int_equal(lr[1], 0);
    assert_double_equal(lx[2], 0, EPS);
    assert_int_equal(lr[2], 1);
    assert_double_equal(lx[3], 80, EPS);
    assert_int_equal(lr[3], 1);
    assert_int_equal(csm_pdf_legend_rows(w, 0, 130, 10, lx, lr), 0);

    /* Half way from black to (255, 100, 10): 127.5 -> 128, 50, 5. */
    csm_rgb a = {0, 0, 0}, b = {255, 100, 10};
    csm_rgb m = csm_pdf_lerp(a, b, 0.5);
    assert_int_equal(m.r, 128);
    assert_int_equal(m.g, 50);
    assert_int_equal(m.b, 5);
    m = csm_pdf_lerp(a, b, NAN);
    assert_int_equal(m.r, 0);
    m = csm_pdf_lerp(a, b, 7);
    assert_int_equal(m.g, 100);
    assert_double_equal(csm_pdf_heat_t(0.85, 0.6, 1.1), 0.5, EPS);
    assert_double_equal(csm_pdf_heat_t(0.1, 0.6, 1.1), 0, EPS);
    assert_double_equal(csm_pdf_heat_t(2, 0.6, 1.1), 1, EPS);
    assert_double_equal(csm_pdf_heat_t(NAN, 0.6, 1.1), 0, EPS);
    assert_double_equal(csm_pdf_heat_t(0.7, 1, 1), 0, EPS);
    /* The default heat_high #1B7837 and primary #1F3A5F take white text;
     * heat_low #FDE0DD does not. */
    assert_true(csm_pdf_is_dark((csm_rgb){0x1B, 0x78, 0x37}));
    assert_true(csm_pdf_is_dark((csm_rgb){0x1F, 0x3A, 0x5F}));
    assert_false(csm_pdf_is_dark((csm_rgb){0xFD, 0xE0, 0xDD}));
    assert_false(csm_pdf_is_dark((csm_rgb){255, 255, 255}));
}

/* ------------------------------------------------------------ text */

/* One unit per character (code point): easy to count by hand. */
static double per_char(void *ctx, const char *s, size_t len)
{
    (void)ctx;
    double w = 0;
    for (size_t i = 0; i < len;) {
        size_t n;
        csm_pdf_utf8_next(s + i, len - i, &n);
        i += n;
        w += 1;
    }
    return w;
}

static void test_utf8(void **state)
{
    (void)state;
    size_t n;
    assert_int_equal(csm_pdf_utf8_next("\xC3\xA9", 2, &n), 0xE9);
    assert_int_equal(n, 2);
    assert_int_equal(csm_pdf_utf8_next("\xE2\x96\xB2", 3, &n), 0x25B2);
    assert_int_equal(n, 3);
    assert_int_equal(csm_pdf_utf8_next("\xF0\x9F\x98\x80", 4, &n), 0x1F600);
    assert_int_equal(n, 4);
    assert_int_equal(csm_pdf_utf8_next("\xC3", 1, &n), 0xFFFD); /* cut */
    assert_int_equal(n, 1);
    assert_int_equal(csm_pdf_utf8_next("\xC0\x80", 2, &n), 0xFFFD);
    assert_int_equal(csm_pdf_utf8_next("\xED\xA0\x80", 3, &n), 0xFFFD);
    assert_int_equal(csm_pdf_utf8_next("\xE2\x28\xA1", 3, &n), 0xFFFD);
    char *c = csm_pdf_utf8_clean("a\tb\xFF\xF0\x9F\x98\x80\xC3\xA9");
    assert_string_equal(c, "a b\xEF\xBF\xBD\xEF\xBF\xBD\xC3\xA9");
    free(c);
}

static void test_fit_and_wrap(void **state)
{
    (void)state;
    bool ell;
    assert_int_equal(csm_pdf_fit("Hello world", 20, per_char, NULL, &ell), 11);
    assert_false(ell);
    /* A box sized to the text and scaled keeps it despite rounding (a
     * hundredth of a point of slack), but not a visibly narrower one. */
    assert_int_equal(
        csm_pdf_fit("Hello world", 11 - 1e-9, per_char, NULL, &ell), 11);
    assert_false(ell);
    csm_pdf_fit("Hello world", 10.98, per_char, NULL, &ell);
    assert_true(ell);
    /* Width 6 leaves 5 for text and 1 for the ellipsis: "Hello". */
    assert_int_equal(csm_pdf_fit("Hello world", 6, per_char, NULL, &ell), 5);
    assert_true(ell);
    /* Width 7 would keep "Hello " - the trailing space is dropped. */
    assert_int_equal(csm_pdf_fit("Hello world", 7, per_char, NULL, &ell), 5);
    /* Never cuts inside a character: "Zoë " is 4 characters, 5 bytes;
     * without the space 4 bytes. */
    assert_int_equal(csm_pdf_fit("Zo\xC3\xAB \xC3\x85ngstr\xC3\xB6m", 5,
                                 per_char, NULL, &ell),
                     4);
    assert_int_equal(csm_pdf_fit("abc", 0.5, per_char, NULL, &ell), 0);
    assert_true(ell);
    /* A box sized to its text may come out a rounding error narrower
     * (width at 1 pt times the size versus width at the size): the text
     * still fits whole; a real shortfall does not. */
    assert_int_equal(csm_pdf_fit("Hello", 5 - 1e-12, per_char, NULL, &ell), 5);
    assert_false(ell);
    assert_int_equal(csm_pdf_fit("Hello", 5 - 1e-3, per_char, NULL, &ell), 3);
    assert_true(ell);

    size_t next;
    const char *s = "the quick brown fox";
    /* A line exactly as wide as its text, give or take rounding, is not
     * broken inside the word. */
    assert_int_equal(csm_pdf_wrap("Skipped", 7 - 1e-9, per_char, NULL, &next),
                     7);
    assert_int_equal(next, 7);
    /* "the quick " is 10; "b" would be the 11th: break at the space. */
    assert_int_equal(csm_pdf_wrap(s, 10, per_char, NULL, &next), 9);
    assert_int_equal(next, 10);
    assert_int_equal(csm_pdf_wrap(s + 10, 10, per_char, NULL, &next), 9);
    assert_int_equal(next, 9);
    /* The same allowance when wrapping: a word exactly as wide as the
     * line, give or take rounding, stays whole. */
    assert_int_equal(csm_pdf_wrap("abcd", 4 - 1e-12, per_char, NULL, &next), 4);
    /* One long word is cut between characters. */
    assert_int_equal(csm_pdf_wrap("abcdefghij", 4, per_char, NULL, &next), 4);
    assert_int_equal(next, 4);
    /* Break after a hyphen. */
    assert_int_equal(csm_pdf_wrap("well-known thing", 6, per_char, NULL, &next),
                     5);
    assert_int_equal(next, 5);
    assert_int_equal(csm_pdf_wrap("ab\ncd", 10, per_char, NULL, &next), 2);
    assert_int_equal(next, 3);
    /* Progress even when nothing fits. */
    assert_int_equal(csm_pdf_wrap("xyz", 0, per_char, NULL, &next), 1);
    assert_int_equal(next, 1);
}

/* ------------------------------------------------------------ format */

static void money_is(int64_t v, int dec, unsigned flags, const char *want)
{
    char buf[CSM_FMT_BUFSZ];
    assert_string_equal(csm_format_money(v, dec, flags, buf), want);
}

static void rate_is(double v, int dec, unsigned flags, const char *want)
{
    char buf[CSM_FMT_BUFSZ];
    assert_string_equal(csm_format_rate(v, dec, flags, buf), want);
}

static void number_is(double v, int dec, unsigned flags, const char *want)
{
    char buf[CSM_FMT_BUFSZ];
    assert_string_equal(csm_format_number(v, dec, flags, buf), want);
}

static void test_format_money(void **state)
{
    (void)state;
    money_is(123456789, 2, 0, "1,234,567.89");
    money_is(-5, 2, 0, "-0.05");
    money_is(0, 2, 0, "0.00");
    money_is(0, 2, CSM_FMT_SIGN, "0.00");
    money_is(250, 2, CSM_FMT_SIGN, "+2.50");
    money_is(100, 0, 0, "100");           /* JPY */
    money_is(1234567, 3, 0, "1,234.567"); /* KWD */
    money_is(INT64_MIN, 2, 0, "-92,233,720,368,547,758.08");
    money_is(INT64_MAX, 0, 0, "9,223,372,036,854,775,807");
    /* Whole units, half away from zero: 1,234,567.89 -> 1,234,568. */
    money_is(123456789, 2, CSM_FMT_WHOLE, "1,234,568");
    money_is(150, 2, CSM_FMT_WHOLE, "2");
    money_is(-150, 2, CSM_FMT_WHOLE, "-2");
    money_is(149, 2, CSM_FMT_WHOLE, "1");
    money_is(1234, 0, CSM_FMT_WHOLE, "1,234");
    /* Compact: 3 significant digits. */
    money_is(123456789, 2, CSM_FMT_COMPACT, "1.23M");
    money_is(4200000, 2, CSM_FMT_COMPACT | CSM_FMT_SIGN, "+42.0K");
    money_is(-263453, 2, CSM_FMT_COMPACT, "-2.63K");
    /* 999,500.00 is 999.5K -> rounds to 1000K -> shown as 1.00M. */
    money_is(99950000, 2, CSM_FMT_COMPACT, "1.00M");
    money_is(95000, 2, CSM_FMT_COMPACT, "950");
    money_is(0, 2, CSM_FMT_COMPACT, "0");
    char buf[CSM_FMT_BUFSZ];
    assert_string_equal(csm_format_compact(1.5e12, 0, buf), "1.50T");
    assert_string_equal(csm_format_compact(12.5, 0, buf), "12.5");
    assert_string_equal(csm_format_compact(NAN, 0, buf), "n/a");
    assert_string_equal(csm_format_int(12345, 0, buf), "12,345");
    assert_string_equal(csm_format_int(-1000, 0, buf), "-1,000");
    assert_string_equal(csm_format_int(999, 0, buf), "999");
    assert_string_equal(csm_format_int(0, 0, buf), "0");
    assert_string_equal(csm_format_int(45600, CSM_FMT_COMPACT, buf), "45.6K");
}

static void test_format_rates_numbers(void **state)
{
    (void)state;
    rate_is(0.973, 1, 0, "97.3%");
    /* 0.9725 is 0.97249999999999992 in binary; at 15 digits it is 0.9725
     * and rounds half away from zero to 97.3, as a spreadsheet shows. */
    rate_is(0.9725, 1, 0, "97.3%");
    rate_is(0.97249, 1, 0, "97.2%");
    rate_is(1.0423, 1, 0, "104.2%");
    rate_is(-0.00004, 1, 0, "0.0%"); /* no "-0.0%" */
    rate_is(0.012, 1, CSM_FMT_POINTS | CSM_FMT_SIGN, "+1.2 pp");
    rate_is(-0.031, 1, CSM_FMT_POINTS | CSM_FMT_SIGN, "-3.1 pp");
    rate_is(0.5, 0, 0, "50%");
    rate_is(0.005, 0, 0, "1%"); /* 0.5% rounds half away: 1% */
    rate_is(NAN, 1, 0, "n/a");
    rate_is(INFINITY, 1, 0, "n/a");
    number_is(1234.5, 1, 0, "1,234.5");
    number_is(0.125, 2, 0, "0.13");
    number_is(-0.125, 2, 0, "-0.13");
    number_is(37, 0, 0, "37");
    number_is(2.5, 0, 0, "3");
    number_is(1e20, 0, 0, "100,000,000,000,000,000,000");
    number_is(1e300, 0, 0, "n/a"); /* too long to write out */
    number_is(-INFINITY, 0, 0, "n/a");
    number_is(3.14159, -4, 0, "3"); /* decimals clamped to 0..9 */
    char buf[CSM_FMT_BUFSZ];
    assert_string_equal(csm_format_month_name(csm_month_from_ym(2025, 3), buf),
                        "March 2025");
    assert_string_equal(csm_format_month_name(CSM_NO_MONTH, buf), "");
}

static void test_format_cell(void **state)
{
    (void)state;
    char buf[CSM_FMT_BUFSZ];
    csm_cell c = csm_cell_empty();
    assert_string_equal(csm_format_cell(&c, 2, 0, buf), "");
    c = csm_cell_na();
    assert_string_equal(csm_format_cell(&c, 2, 0, buf), "n/a");
    c = csm_cell_text("Zo\xC3\xAB");
    assert_ptr_equal(csm_format_cell(&c, 2, 0, buf), c.v.text);
    free(c.v.text);
    c = csm_cell_money(123456789);
    assert_string_equal(csm_format_cell(&c, 2, 0, buf), "1,234,567.89");
    c = csm_cell_int(1234);
    assert_string_equal(csm_format_cell(&c, 2, 0, buf), "1,234");
    c = csm_cell_rate(csm_ratio_value(0.973));
    assert_string_equal(csm_format_cell(&c, 2, 0, buf), "97.3%");
    c = csm_cell_rate(csm_ratio_undefined());
    assert_string_equal(csm_format_cell(&c, 2, 0, buf), "n/a");
    c = csm_cell_number(3.21, 1);
    assert_string_equal(csm_format_cell(&c, 2, 0, buf), "3.2");
    c = csm_cell_number(NAN, 1);
    assert_string_equal(csm_format_cell(&c, 2, 0, buf), "n/a");
    c = csm_cell_date(csm_day_from_ymd(2025, 3, 31));
    assert_string_equal(csm_format_cell(&c, 2, 0, buf), "2025-03-31");
    c = csm_cell_month(csm_month_from_ym(2025, 3));
    assert_string_equal(csm_format_cell(&c, 2, 0, buf), "2025-03");

    /* Display sign: 0.04 pp shows as 0.0 pp, which is flat. */
    c = csm_cell_rate(csm_ratio_value(0.0004));
    assert_int_equal(csm_format_cell_sign(&c, 2, CSM_FMT_POINTS), 0);
    c = csm_cell_rate(csm_ratio_value(-0.004));
    assert_int_equal(csm_format_cell_sign(&c, 2, CSM_FMT_POINTS), -1);
    c = csm_cell_money(0);
    assert_int_equal(csm_format_cell_sign(&c, 2, 0), 0);
    c = csm_cell_money(1);
    assert_int_equal(csm_format_cell_sign(&c, 2, 0), 1);
    c = csm_cell_money(1); /* 0.01 compact is "0.01": still up */
    assert_int_equal(csm_format_cell_sign(&c, 2, CSM_FMT_COMPACT), 1);
    c = csm_cell_int(3);
    assert_int_equal(csm_format_cell_sign(&c, 2, 0), 1);
    c = csm_cell_na();
    assert_int_equal(csm_format_cell_sign(&c, 2, 0), 0);
    c = csm_cell_month(csm_month_from_ym(2025, 3));
    assert_int_equal(csm_format_cell_sign(&c, 2, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nice_ticks),
        cmocka_unit_test(test_tick_labels),
        cmocka_unit_test(test_scale_slot_stride),
        cmocka_unit_test(test_chart_range_and_stack),
        cmocka_unit_test(test_waterfall),
        cmocka_unit_test(test_paginate),
        cmocka_unit_test(test_column_widths),
        cmocka_unit_test(test_grid_legend_colour),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_fit_and_wrap),
        cmocka_unit_test(test_format_money),
        cmocka_unit_test(test_format_rates_numbers),
        cmocka_unit_test(test_format_cell),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
