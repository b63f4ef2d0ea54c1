/* pdf_chart.h - the geometry of the PDF board pack, without libharu.
 *
 * Everything the PDF renderer decides before it draws - axis ticks, value
 * to page scales, bar slots, waterfall running totals, stacked bar
 * segments, table pagination, column widths, tile grids, legend rows,
 * heatmap colours, text shortening and wrapping - is a pure function here,
 * so it is unit-tested with hand-derived numbers (tests/unit/
 * test_pdf_chart.c) and reused by every chart.  Nothing here allocates
 * except csm_pdf_paginate and csm_pdf_utf8_clean, whose results the caller
 * frees.  Lengths are PDF points; y grows upwards as on a PDF page.
 */
#ifndef CSMETRICS_PDF_CHART_H
#define CSMETRICS_PDF_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csmetrics/report_model.h"
#include "csmetrics/style.h"

/* ------------------------------------------------------------ axes */

/* Axis ticks lo, lo + step, ..., hi: n values, all multiples of step. */
typedef struct csm_pdf_ticks {
    double lo, hi, step;
    size_t n;
} csm_pdf_ticks;

/* Chooses the smallest step of the 1-2-5 series (..., 0.1, 0.2, 0.5, 1,
 * 2, 5, 10, ...) whose multiples cover [min, max] with at most max_ticks
 * ticks (at least 2 are always allowed).  min > max are swapped.  A zero-
 * width range [v, v] is widened to v +- 5% of |v| (0 -> [0, 1]).
 * Non-finite input gives [0, 1].  integer: steps below 1 are not used
 * (counts). */
void csm_pdf_nice_ticks(double min, double max, size_t max_ticks, bool integer,
                        csm_pdf_ticks *t);

/* Tick i, computed as (lo/step + i) * step and snapped to 0 so that no
 * label reads "-0". */
double csm_pdf_tick_value(const csm_pdf_ticks *t, size_t i);

/* How the labels of one axis are written: every label of an axis uses the
 * same unit and number of decimals, chosen from the largest tick and the
 * step, so "0, 0.5M, 1M, 1.5M" and not "0, 500K, 1M, 1.5M". */
typedef struct csm_pdf_tick_style {
    csm_axis_format format;
    double unit;        /* 1, 1e3, 1e6, 1e9, 1e12 (money, count, number) */
    const char *suffix; /* "", "K", "M", "B", "T" */
    int decimals;       /* digits after the point in the label */
} csm_pdf_tick_style;

void csm_pdf_tick_style_for(const csm_pdf_ticks *t, csm_axis_format format,
                            csm_pdf_tick_style *out);
/* Writes the label of value v (buf: CSM_FMT_BUFSZ bytes); returns buf.
 * Money/count/number: "1.5M", "250K", "12"; rate: "92%", "92.5%". */
char *csm_pdf_tick_label(const csm_pdf_tick_style *s, double v, char *buf);

/* A linear map from data [d0, d1] to page [r0, r1]; values outside the
 * domain are clamped to it, non-finite values map to r0. */
typedef struct csm_pdf_scale {
    double d0, d1, r0, r1;
} csm_pdf_scale;

double csm_pdf_scale_map(const csm_pdf_scale *s, double v);

/* Slot i of n equal category slots across [x0, x0 + w]; the bar inside
 * leaves pad (fraction of the slot, 0..0.9) empty, half on each side. */
void csm_pdf_slot(size_t i, size_t n, double x0, double w, double pad,
                  double *left, double *width);

/* Smallest k >= 1 such that labelling every k-th category keeps labels of
 * width label_w at least gap apart on slots of width slot_w. */
size_t csm_pdf_label_stride(double slot_w, double label_w, double gap);

/* The value range a chart must show: every defined finite y (stacked
 * series summed per point, positives and negatives apart), every band
 * end, and 0 when the chart has bars or y_from_zero.  Returns false (and
 * [0, 1]) when there is no finite value. */
bool csm_pdf_chart_range(const csm_chart *c, double *min, double *max);

/* Stacked segments of the STACKED series at point i: seg_lo/seg_hi[s] for
 * series s (both 0 for non-stacked, undefined or non-finite values).
 * Positive values stack upwards from 0 in series order, negative values
 * downwards, so movements read as a bridge. */
void csm_pdf_stack_point(const csm_chart *c, size_t i, double *seg_lo,
                         double *seg_hi);

/* ------------------------------------------------------- waterfall */

typedef struct csm_pdf_wf_bar {
    int64_t lo, hi;  /* bar extent in minor units */
    int64_t running; /* running total after this step */
} csm_pdf_wf_bar;

/* Bars of a waterfall: START and TOTAL stand on 0 (their own amount);
 * UP rises from the running total, DOWN (a positive amount) falls from it,
 * DELTA moves it by its signed amount.  *min and *max cover every bar and
 * 0.
 * Returns false on int64 overflow (nothing then is drawn). */
bool csm_pdf_waterfall(const csm_waterfall_step *steps, size_t n,
                       csm_pdf_wf_bar *out, int64_t *min, int64_t *max);

/* ------------------------------------------------------------ tables */

/* One page's share of a table: rows [first, first + count), drawn under a
 * repeated header row.  new_page: starts on a fresh page. */
typedef struct csm_pdf_chunk {
    size_t first, count;
    bool new_page;
} csm_pdf_chunk;

/* Splits n_rows rows of height row_h over pages.  The first chunk goes in
 * first_avail (the space left on the current page) when that holds the
 * header and at least min_rows rows (or all rows when fewer), otherwise
 * it starts a new page; later chunks fill page_avail each.  A last chunk
 * of fewer than min_rows rows takes rows from the one before it so no
 * page carries a lone orphan row.  Returns the number of chunks (>= 1;
 * one empty chunk for 0 rows) in a new array *out the caller frees. */
size_t csm_pdf_paginate(size_t n_rows, double header_h, double row_h,
                        double first_avail, double page_avail, size_t min_rows,
                        csm_pdf_chunk **out);

/* Column widths for a table of n columns in avail points.  natural[i] is
 * the widest text of column i plus padding; shrinkable[i] says its text
 * may be shortened (text columns; numbers and dates never are), but never
 * below minimum[i] (NULL: no minimum).  Spare width is shared out in
 * proportion to hint[i] (relative hints; NULL or all 0 = equally).  When
 * the columns do not fit, the shrinkable ones are capped at a common
 * width, so the widest are cut first and short ones keep their text; if
 * even the minimums do not fit, every column is scaled.  Returns true
 * when every column got at least its natural width. */
bool csm_pdf_column_widths(const double *natural, const double *minimum,
                           const bool *shrinkable, const double *hint, size_t n,
                           double avail, double *out);

/* ------------------------------------------------------- grids, legends */

/* Cell i of a grid of per_row equal cells across [x0, x0 + w] with gap
 * between cells: its left edge, width and row number. */
void csm_pdf_grid(size_t i, size_t per_row, double x0, double w, double gap,
                  double *x, double *cw, size_t *row);

/* Flows legend items of widths item_w into rows of avail points with gap
 * between items.  x[i] is the item's offset in its row, row[i] its row.
 * Returns the number of rows (0 for no items). */
size_t csm_pdf_legend_rows(const double *item_w, size_t n, double avail,
                           double gap, double *x, size_t *row);

/* ------------------------------------------------------------ colour */

/* a + (b - a) * t per channel, t clamped to [0, 1] (NaN -> 0). */
csm_rgb csm_pdf_lerp(csm_rgb a, csm_rgb b, double t);
/* Position of v on the scale [lo, hi], clamped to [0, 1]; 0 when the
 * scale is empty or v is not finite. */
double csm_pdf_heat_t(double v, double lo, double hi);
/* True when white text reads better than dark text on c (relative
 * luminance below 0.45). */
bool csm_pdf_is_dark(csm_rgb c);

/* ------------------------------------------------------------ text */

/* Width in points of s[0..len) in the caller's font. */
typedef double (*csm_pdf_measure_fn)(void *ctx, const char *s, size_t len);

/* Length in bytes of the longest prefix of s (cut between UTF-8
 * characters) that fits max_w.  When all of s fits, returns strlen(s) and
 * *ellipsis = false; otherwise the prefix leaves room for "…" (U+2026) and
 * *ellipsis = true, and trailing spaces are dropped from the prefix. */
size_t csm_pdf_fit(const char *s, double max_w, csm_pdf_measure_fn m, void *ctx,
                   bool *ellipsis);

/* The first line of s wrapped to max_w: returns its length in bytes and
 * sets *next to the offset where the next line starts (spaces at the
 * break skipped; strlen(s) at the end).  Lines break at spaces and after
 * '-' or '/'; a word longer than a line is cut between characters.  A
 * '\n' always ends a line.  Always makes progress. */
size_t csm_pdf_wrap(const char *s, double max_w, csm_pdf_measure_fn m,
                    void *ctx, size_t *next);

/* Decodes the UTF-8 character at s (len bytes left): its code point and
 * byte length (1..4).  An invalid or truncated sequence, an overlong form
 * or a surrogate is one byte decoding to U+FFFD. */
uint32_t csm_pdf_utf8_next(const char *s, size_t len, size_t *n);

/* A copy of s that is safe to draw: invalid UTF-8 and characters outside
 * the Basic Multilingual Plane (which libharu's UTF-8 encoder drops)
 * become U+FFFD, control characters become spaces.  Caller frees. */
char *csm_pdf_utf8_clean(const char *s);

#endif
