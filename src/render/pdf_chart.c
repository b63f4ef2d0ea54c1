/* Pure geometry of the PDF renderer (see pdf_chart.h).  No libharu here:
 * every decision is a function of numbers, so it is unit-tested. */
#include "csmetrics/pdf_chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/format.h"
#include "csmetrics/money.h"
#include "csmetrics/xalloc.h"

/* Tolerance of floor/ceil on value/step: 0.97 / 0.01 is 96.99999999999999
 * in binary and must count as 97. */
#define STEP_EPS 1e-9

void csm_pdf_nice_ticks(double min, double max, size_t max_ticks, bool integer,
                        csm_pdf_ticks *t)
{
    if (!isfinite(min) || !isfinite(max)) {
        min = 0;
        max = 1;
    }
    if (min > max) {
        double x = min;
        min = max;
        max = x;
    }
    if (max_ticks < 2)
        max_ticks = 2;
    if (min == max) {
        if (min == 0) {
            max = 1;
        } else {
            double d = fabs(min) * 0.05;
            min -= d;
            max += d;
        }
    }
    /* A step of at least range / (max_ticks - 1) is needed; start one
     * decade below it and walk up the 1-2-5 series until the multiples
     * of the step that cover [min, max] are few enough. */
    double raw = (max - min) / (double)(max_ticks - 1);
    int k = (int)floor(log10(raw));
    static const double mult[3] = {1, 2, 5};
    for (int m = 0;; m++) {
        double step = mult[m % 3] * pow(10.0, k + m / 3);
        if (integer && step < 1)
            continue;
        double lo_i = floor(min / step + STEP_EPS);
        double hi_i = ceil(max / step - STEP_EPS);
        if (hi_i - lo_i + 1 <= (double)max_ticks) {
            t->step = step;
            t->lo = lo_i * step;
            t->hi = hi_i * step;
            t->n = (size_t)(hi_i - lo_i) + 1;
            return;
        }
    }
}

double csm_pdf_tick_value(const csm_pdf_ticks *t, size_t i)
{
    double v = (round(t->lo / t->step) + (double)i) * t->step;
    return fabs(v) < t->step * STEP_EPS ? 0.0 : v;
}

/* Digits after the point needed to tell multiples of step apart. */
static int step_decimals(double step)
{
    if (!(step > 0) || step >= 1 - STEP_EPS)
        return 0;
    int d = (int)ceil(-log10(step) - STEP_EPS);
    return d > 9 ? 9 : d;
}

void csm_pdf_tick_style_for(const csm_pdf_ticks *t, csm_axis_format format,
                            csm_pdf_tick_style *out)
{
    static const struct {
        double unit;
        const char *suffix;
    } units[] = {{1, ""}, {1e3, "K"}, {1e6, "M"}, {1e9, "B"}, {1e12, "T"}};
    out->format = format;
    out->unit = 1;
    out->suffix = "";
    if (format == CSM_AXIS_RATE) {
        out->decimals = step_decimals(t->step * 100);
        return;
    }
    double top = fmax(fabs(t->lo), fabs(t->hi));
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (top >= units[i].unit) {
            out->unit = units[i].unit;
            out->suffix = units[i].suffix;
        }
    out->decimals = step_decimals(t->step / out->unit);
}

char *csm_pdf_tick_label(const csm_pdf_tick_style *s, double v, char *buf)
{
    /* Zero is "0" whatever the decimals: "0.0M" reads as a typo. */
    if (v == 0) {
        snprintf(buf, CSM_FMT_BUFSZ, "%s",
                 s->format == CSM_AXIS_RATE ? "0%" : "0");
        return buf;
    }
    if (s->format == CSM_AXIS_RATE)
        return csm_format_rate(v, s->decimals, 0, buf);
    csm_format_number(v / s->unit, s->decimals, 0, buf);
    if (strcmp(buf, "0") != 0 && strcmp(buf, CSM_FMT_NA) != 0)
        strncat(buf, s->suffix, CSM_FMT_BUFSZ - strlen(buf) - 1);
    return buf;
}

double csm_pdf_scale_map(const csm_pdf_scale *s, double v)
{
    if (!isfinite(v) || s->d1 == s->d0)
        return s->r0;
    double t = (v - s->d0) / (s->d1 - s->d0);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return s->r0 + t * (s->r1 - s->r0);
}

void csm_pdf_slot(size_t i, size_t n, double x0, double w, double pad,
                  double *left, double *width)
{
    if (n == 0)
        n = 1;
    pad = pad < 0 ? 0 : pad > 0.9 ? 0.9 : pad;
    double slot = w / (double)n;
    *left = x0 + (double)i * slot + slot * pad / 2;
    *width = slot * (1 - pad);
}

size_t csm_pdf_label_stride(double slot_w, double label_w, double gap)
{
    if (!(slot_w > 0))
        return 1;
    double k = ceil((label_w + gap) / slot_w - STEP_EPS);
    return k < 1 ? 1 : (size_t)k;
}

static bool usable(const csm_series *s, size_t i)
{
    return s->defined[i] && isfinite(s->y[i]);
}

void csm_pdf_stack_point(const csm_chart *c, size_t i, double *seg_lo,
                         double *seg_hi)
{
    double pos = 0, neg = 0;
    for (size_t s = 0; s < c->n_series; s++) {
        const csm_series *se = &c->series[s];
        seg_lo[s] = seg_hi[s] = 0;
        if (se->style != CSM_SERIES_STACKED || !usable(se, i))
            continue;
        double y = se->y[i];
        if (y >= 0) {
            seg_lo[s] = pos;
            pos += y;
            seg_hi[s] = pos;
        } else {
            seg_hi[s] = neg;
            neg += y;
            seg_lo[s] = neg;
        }
    }
}

bool csm_pdf_chart_range(const csm_chart *c, double *min, double *max)
{
    double lo = INFINITY, hi = -INFINITY;
    bool bars = false;
    for (size_t s = 0; s < c->n_series; s++) {
        const csm_series *se = &c->series[s];
        if (se->style == CSM_SERIES_BAR || se->style == CSM_SERIES_STACKED)
            bars = true;
        if (se->style == CSM_SERIES_STACKED)
            continue;
        for (size_t i = 0; i < c->n_points; i++) {
            if (usable(se, i)) {
                lo = fmin(lo, se->y[i]);
                hi = fmax(hi, se->y[i]);
            }
            if (se->lo && se->hi && se->defined[i] && isfinite(se->lo[i]) &&
                isfinite(se->hi[i])) {
                lo = fmin(lo, fmin(se->lo[i], se->hi[i]));
                hi = fmax(hi, fmax(se->lo[i], se->hi[i]));
            }
        }
    }
    for (size_t i = 0; i < c->n_points; i++) {
        double pos = 0, neg = 0;
        bool any = false;
        for (size_t s = 0; s < c->n_series; s++) {
            const csm_series *se = &c->series[s];
            if (se->style != CSM_SERIES_STACKED || !usable(se, i))
                continue;
            any = true;
            if (se->y[i] >= 0)
                pos += se->y[i];
            else
                neg += se->y[i];
        }
        if (any) {
            lo = fmin(lo, neg);
            hi = fmax(hi, pos);
        }
    }
    bool found = lo <= hi;
    if (!found) {
        *min = 0;
        *max = 1;
        return false;
    }
    if (bars || c->y_from_zero) {
        lo = fmin(lo, 0);
        hi = fmax(hi, 0);
    }
    *min = lo;
    *max = hi;
    return true;
}

bool csm_pdf_waterfall(const csm_waterfall_step *steps, size_t n,
                       csm_pdf_wf_bar *out, int64_t *min, int64_t *max)
{
    int64_t run = 0, lo_all = 0, hi_all = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t a = steps[i].amount, lo, hi, next;
        switch (steps[i].kind) {
        case CSM_STEP_START:
        case CSM_STEP_TOTAL:
            lo = a < 0 ? a : 0;
            hi = a < 0 ? 0 : a;
            next = a;
            break;
        case CSM_STEP_UP:
            if (!csm_money_add(run, a, &next))
                return false;
            lo = run < next ? run : next;
            hi = run < next ? next : run;
            break;
        case CSM_STEP_DOWN:
            if (!csm_money_sub(run, a, &next))
                return false;
            lo = run < next ? run : next;
            hi = run < next ? next : run;
            break;
        case CSM_STEP_DELTA:
        default:
            if (!csm_money_add(run, a, &next))
                return false;
            lo = run < next ? run : next;
            hi = run < next ? next : run;
            break;
        }
        run = next;
        out[i] = (csm_pdf_wf_bar){lo, hi, run};
        lo_all = lo < lo_all ? lo : lo_all;
        hi_all = hi > hi_all ? hi : hi_all;
    }
    *min = lo_all;
    *max = hi_all;
    return true;
}

size_t csm_pdf_paginate(size_t n_rows, double header_h, double row_h,
                        double first_avail, double page_avail, size_t min_rows,
                        csm_pdf_chunk **out)
{
    if (min_rows < 1)
        min_rows = 1;
    if (!(row_h > 0))
        row_h = 1;
    double per = floor((page_avail - header_h) / row_h + STEP_EPS);
    size_t per_page = per < 1 ? 1 : (size_t)per;
    double ff = floor((first_avail - header_h) / row_h + STEP_EPS);
    size_t first_fit = ff < 0 ? 0 : (size_t)ff;
    size_t need = n_rows < min_rows ? n_rows : min_rows;
    csm_pdf_chunk *c = csm_xcalloc(n_rows / per_page + 2, sizeof *c);
    size_t n = 0, pos = 0;
    if (n_rows == 0) {
        c[0] = (csm_pdf_chunk){0, 0, first_avail < header_h + row_h};
        *out = c;
        return 1;
    }
    if (first_fit >= need && first_fit > 0) {
        size_t k = first_fit < n_rows ? first_fit : n_rows;
        c[n++] = (csm_pdf_chunk){0, k, false};
        pos = k;
    }
    while (pos < n_rows) {
        size_t k = n_rows - pos < per_page ? n_rows - pos : per_page;
        c[n++] = (csm_pdf_chunk){pos, k, true};
        pos += k;
    }
    if (n >= 2 && c[n - 1].count < min_rows) {
        size_t move = min_rows - c[n - 1].count;
        csm_pdf_chunk *prev = &c[n - 2];
        if (prev->count > move && prev->count - move >= min_rows) {
            prev->count -= move;
            c[n - 1].first -= move;
            c[n - 1].count += move;
        }
    }
    *out = c;
    return n;
}

static double capped(const double *natural, const double *minimum,
                     const bool *shrinkable, size_t i, double level)
{
    if (!shrinkable[i])
        return natural[i];
    double lo = minimum ? fmin(minimum[i], natural[i]) : 0;
    return fmax(lo, fmin(natural[i], level));
}

static double capped_total(const double *natural, const double *minimum,
                           const bool *shrinkable, size_t n, double level)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += capped(natural, minimum, shrinkable, i, level);
    return sum;
}

bool csm_pdf_column_widths(const double *natural, const double *minimum,
                           const bool *shrinkable, const double *hint, size_t n,
                           double avail, double *out)
{
    double sum = 0, hints = 0, widest = 0;
    for (size_t i = 0; i < n; i++) {
        sum += natural[i];
        if (hint && hint[i] > 0)
            hints += hint[i];
        widest = fmax(widest, natural[i]);
    }
    if (sum <= avail) {
        double extra = avail - sum;
        for (size_t i = 0; i < n; i++) {
            double w = hints > 0 ? (hint[i] > 0 ? hint[i] / hints : 0)
                                 : 1.0 / (double)n;
            out[i] = natural[i] + extra * w;
        }
        return true;
    }
    /* The total falls as the cap falls; find the cap that fills avail by
     * bisection. */
    if (capped_total(natural, minimum, shrinkable, n, 0) <= avail) {
        double lo = 0, hi = widest;
        for (int it = 0; it < 100; it++) {
            double mid = (lo + hi) / 2;
            if (capped_total(natural, minimum, shrinkable, n, mid) > avail)
                hi = mid;
            else
                lo = mid;
        }
        for (size_t i = 0; i < n; i++)
            out[i] = capped(natural, minimum, shrinkable, i, lo);
        return false;
    }
    double total = capped_total(natural, minimum, shrinkable, n, 0);
    for (size_t i = 0; i < n; i++) {
        out[i] = capped(natural, minimum, shrinkable, i, 0);
        out[i] = total > 0 ? out[i] * avail / total : avail / (double)n;
    }
    return false;
}

void csm_pdf_grid(size_t i, size_t per_row, double x0, double w, double gap,
                  double *x, double *cw, size_t *row)
{
    if (per_row == 0)
        per_row = 1;
    *cw = (w - gap * (double)(per_row - 1)) / (double)per_row;
    *row = i / per_row;
    *x = x0 + (double)(i % per_row) * (*cw + gap);
}

size_t csm_pdf_legend_rows(const double *item_w, size_t n, double avail,
                           double gap, double *x, size_t *row)
{
    if (n == 0)
        return 0;
    double cur = 0;
    size_t r = 0;
    for (size_t i = 0; i < n; i++) {
        if (cur > 0 && cur + item_w[i] > avail) {
            r++;
            cur = 0;
        }
        x[i] = cur;
        row[i] = r;
        cur += item_w[i] + gap;
    }
    return r + 1;
}

csm_rgb csm_pdf_lerp(csm_rgb a, csm_rgb b, double t)
{
    if (!(t > 0))
        t = 0;
    if (t > 1)
        t = 1;
    csm_rgb c;
    c.r = (unsigned char)floor(a.r + (b.r - a.r) * t + 0.5);
    c.g = (unsigned char)floor(a.g + (b.g - a.g) * t + 0.5);
    c.b = (unsigned char)floor(a.b + (b.b - a.b) * t + 0.5);
    return c;
}

double csm_pdf_heat_t(double v, double lo, double hi)
{
    if (!isfinite(v) || !isfinite(lo) || !isfinite(hi) || hi <= lo)
        return 0;
    double t = (v - lo) / (hi - lo);
    return t < 0 ? 0 : t > 1 ? 1 : t;
}

static double linear(unsigned char c)
{
    double s = c / 255.0;
    return s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4);
}

bool csm_pdf_is_dark(csm_rgb c)
{
    /* WCAG relative luminance.  White and #222222 (the body text) give
     * the same contrast ratio at L = 0.21: below that, white reads
     * better. */
    double l =
        0.2126 * linear(c.r) + 0.7152 * linear(c.g) + 0.0722 * linear(c.b);
    return l < 0.21;
}

uint32_t csm_pdf_utf8_next(const char *s, size_t len, size_t *n)
{
    const unsigned char *u = (const unsigned char *)s;
    *n = 1;
    if (len == 0)
        return 0xFFFD;
    unsigned char c = u[0];
    if (c < 0x80)
        return c;
    size_t need;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1Fu;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0Fu;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07u;
        min = 0x10000;
    } else {
        return 0xFFFD;
    }
    if (len < need + 1)
        return 0xFFFD;
    for (size_t k = 1; k <= need; k++) {
        if ((u[k] & 0xC0) != 0x80)
            return 0xFFFD;
        cp = (cp << 6) | (u[k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0xFFFD;
    *n = need + 1;
    return cp;
}

char *csm_pdf_utf8_clean(const char *s)
{
    size_t len = strlen(s);
    /* Each input byte becomes at most 3 output bytes (U+FFFD). */
    char *out = csm_xmalloc(len * 3 + 1);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n;
        uint32_t cp = csm_pdf_utf8_next(s + i, len - i, &n);
        if (cp < 0x20 || cp == 0x7F) {
            out[o++] = ' ';
        } else if (cp > 0xFFFF || (cp == 0xFFFD && n == 1)) {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
        } else {
            memcpy(out + o, s + i, n);
            o += n;
        }
        i += n;
    }
    out[o] = '\0';
    return out;
}

size_t csm_pdf_fit(const char *s, double max_w, csm_pdf_measure_fn m, void *ctx,
                   bool *ellipsis)
{
    size_t len = strlen(s);
    *ellipsis = false;
    /* A millionth of a point of slack: a column sized to its widest text
     * at 1 pt and scaled must not lose that text to rounding. */
    if (m(ctx, s, len) <= max_w + 1e-6)
        return len;
    *ellipsis = true;
    double room = max_w - m(ctx, "\xE2\x80\xA6", 3);
    size_t best = 0;
    for (size_t i = 0; i < len;) {
        size_t n;
        csm_pdf_utf8_next(s + i, len - i, &n);
        if (m(ctx, s, i + n) > room)
            break;
        i += n;
        best = i;
    }
    while (best > 0 && s[best - 1] == ' ')
        best--;
    return best;
}

size_t csm_pdf_wrap(const char *s, double max_w, csm_pdf_measure_fn m,
                    void *ctx, size_t *next)
{
    size_t len = strlen(s);
    size_t brk = 0, brk_next = 0; /* last break opportunity */
    size_t i = 0;
    while (i < len) {
        if (s[i] == '\n') {
            *next = i + 1;
            return i;
        }
        size_t n;
        csm_pdf_utf8_next(s + i, len - i, &n);
        /* The same rounding slack as csm_pdf_fit. */
        if (s[i] != ' ' && i > 0 && m(ctx, s, i + n) > max_w + 1e-6) {
            if (brk > 0) {
                *next = brk_next;
                return brk;
            }
            /* One word longer than the line: cut it here. */
            *next = i;
            return i;
        }
        if (s[i] == ' ') {
            size_t j = i;
            while (j < len && s[j] == ' ')
                j++;
            if (i > 0) {
                brk = i;
                brk_next = j;
            }
            i = j;
            continue;
        }
        if ((s[i] == '-' || s[i] == '/') && i + 1 < len && s[i + 1] != ' ') {
            brk = i + 1;
            brk_next = i + 1;
        }
        i += n;
    }
    *next = len;
    /* No trailing spaces on the last line. */
    while (len > 0 && s[len - 1] == ' ')
        len--;
    return len;
}
