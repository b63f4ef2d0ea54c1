/* The PDF primitives drawn with libharu: text, shapes, charts, waterfall,
 * heatmap, table rows and KPI tiles.  Each draws at a place it is given;
 * where things go on the page is pdf.c's business, and the numbers behind
 * the geometry come from pdf_chart.c.  No NaN or infinity reaches a
 * libharu call: every value is checked with isfinite() (or mapped through
 * csm_pdf_scale_map, which clamps) before it becomes a coordinate. */
#include "pdf_draw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/format.h"
#include "csmetrics/xalloc.h"

/* libharu takes floats. */
#define R(v) ((HPDF_REAL)(v))

static const csm_rgb white = {255, 255, 255};

#define ARROW_UP "\xE2\x96\xB2"   /* U+25B2 */
#define ARROW_DOWN "\xE2\x96\xBC" /* U+25BC */
#define ELLIPSIS "\xE2\x80\xA6"   /* U+2026 */

bool csm_pdf_check(csm_pdf *p, HPDF_STATUS st, const char *what)
{
    if (st != HPDF_OK && !p->error) {
        p->error = st;
        p->detail = 0;
    }
    if (p->error && !p->what)
        p->what = what;
    return !p->error;
}

#define CK(p, call) csm_pdf_check((p), (call), #call)

/* ------------------------------------------------------------ text */

static bool needs_clean(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7F)
            return true;
    }
    return false;
}

double csm_pdf_width(csm_pdf *p, const char *s, size_t len, csm_pdf_weight w,
                     double size)
{
    if (p->error || len == 0)
        return 0;
    HPDF_TextWidth tw;
    if (needs_clean(s, len)) {
        char *part = csm_xstrndup(s, len);
        char *clean = csm_pdf_utf8_clean(part);
        tw = HPDF_Font_TextWidth(p->font[w], (const HPDF_BYTE *)clean,
                                 (HPDF_UINT)strlen(clean));
        free(clean);
        free(part);
    } else {
        tw = HPDF_Font_TextWidth(p->font[w], (const HPDF_BYTE *)s,
                                 (HPDF_UINT)len);
    }
    CK(p, HPDF_OK);
    return tw.width * size / 1000.0;
}

typedef struct measure_ctx {
    csm_pdf *p;
    csm_pdf_weight w;
    double size;
} measure_ctx;

static double measure(void *ctx, const char *s, size_t len)
{
    measure_ctx *m = ctx;
    return csm_pdf_width(m->p, s, len, m->w, m->size);
}

static void set_fill(csm_pdf *p, csm_rgb c)
{
    CK(p, HPDF_Page_SetRGBFill(p->page, R(c.r / 255.0), R(c.g / 255.0),
                               R(c.b / 255.0)));
}

static void set_stroke(csm_pdf *p, csm_rgb c)
{
    CK(p, HPDF_Page_SetRGBStroke(p->page, R(c.r / 255.0), R(c.g / 255.0),
                                 R(c.b / 255.0)));
}

void csm_pdf_text(csm_pdf *p, double x, double y, csm_pdf_align align,
                  const char *s, csm_pdf_weight w, double size, csm_rgb c)
{
    if (p->error || !s || !*s || !isfinite(x) || !isfinite(y))
        return;
    char *clean = needs_clean(s, strlen(s)) ? csm_pdf_utf8_clean(s) : NULL;
    const char *t = clean ? clean : s;
    if (align != CSM_PDF_LEFT) {
        double tw = csm_pdf_width(p, t, strlen(t), w, size);
        x -= align == CSM_PDF_CENTER ? tw / 2 : tw;
    }
    set_fill(p, c);
    CK(p, HPDF_Page_BeginText(p->page));
    CK(p, HPDF_Page_SetFontAndSize(p->page, p->font[w], R(size)));
    CK(p, HPDF_Page_TextOut(p->page, R(x), R(y), t));
    CK(p, HPDF_Page_EndText(p->page));
    free(clean);
}

double csm_pdf_text_fit(csm_pdf *p, double x, double y, double max_w,
                        csm_pdf_align align, const char *s, csm_pdf_weight w,
                        double size, csm_rgb c)
{
    if (p->error || !s || !*s)
        return 0;
    measure_ctx m = {p, w, size};
    bool ell;
    size_t n = csm_pdf_fit(s, max_w, measure, &m, &ell);
    if (!ell) {
        csm_pdf_text(p, x, y, align, s, w, size, c);
        return csm_pdf_width(p, s, strlen(s), w, size);
    }
    char *t = csm_xmalloc(n + 4);
    memcpy(t, s, n);
    memcpy(t + n, ELLIPSIS, 4);
    csm_pdf_text(p, x, y, align, t, w, size, c);
    double tw = csm_pdf_width(p, t, strlen(t), w, size);
    free(t);
    return tw;
}

size_t csm_pdf_wrap_line(csm_pdf *p, const char *s, double w, csm_pdf_weight wt,
                         double size, size_t *next)
{
    measure_ctx m = {p, wt, size};
    return csm_pdf_wrap(s, w, measure, &m, next);
}

size_t csm_pdf_paragraph(csm_pdf *p, double x, double y_top, double w,
                         const char *s, csm_pdf_weight wt, double size,
                         double leading, csm_rgb c, size_t max_lines, bool draw)
{
    if (!s)
        return 0;
    measure_ctx m = {p, wt, size};
    size_t lines = 0, pos = 0, len = strlen(s);
    double y = y_top - size;
    while (pos < len && !p->error) {
        size_t next;
        size_t n = csm_pdf_wrap(s + pos, w, measure, &m, &next);
        bool last = max_lines && lines + 1 == max_lines && pos + next < len;
        if (draw) {
            char *line = csm_xstrndup(s + pos, n);
            if (last) {
                /* Text remains: end the last line with an ellipsis. */
                char *more = csm_xasprintf("%s%s", line, " " ELLIPSIS);
                csm_pdf_text_fit(p, x, y, w, CSM_PDF_LEFT, more, wt, size, c);
                free(more);
            } else {
                csm_pdf_text(p, x, y, CSM_PDF_LEFT, line, wt, size, c);
            }
            free(line);
        }
        lines++;
        y -= leading;
        pos += next;
        if (last)
            break;
    }
    return lines;
}

/* ------------------------------------------------------------ shapes */

void csm_pdf_rect(csm_pdf *p, double x, double y, double w, double h,
                  csm_rgb fill)
{
    if (p->error || !isfinite(x) || !isfinite(y) || !isfinite(w) ||
        !isfinite(h) || w <= 0 || h <= 0)
        return;
    set_fill(p, fill);
    CK(p, HPDF_Page_Rectangle(p->page, R(x), R(y), R(w), R(h)));
    CK(p, HPDF_Page_Fill(p->page));
}

void csm_pdf_rect_stroke(csm_pdf *p, double x, double y, double w, double h,
                         double lw, csm_rgb c)
{
    if (p->error || !isfinite(x) || !isfinite(y) || !isfinite(w) ||
        !isfinite(h))
        return;
    set_stroke(p, c);
    CK(p, HPDF_Page_SetLineWidth(p->page, R(lw)));
    CK(p, HPDF_Page_Rectangle(p->page, R(x), R(y), R(w), R(h)));
    CK(p, HPDF_Page_Stroke(p->page));
}

void csm_pdf_line(csm_pdf *p, double x0, double y0, double x1, double y1,
                  double lw, csm_rgb c, bool dashed)
{
    if (p->error || !isfinite(x0) || !isfinite(y0) || !isfinite(x1) ||
        !isfinite(y1))
        return;
    static const HPDF_UINT16 dash[] = {2, 2};
    set_stroke(p, c);
    CK(p, HPDF_Page_SetLineWidth(p->page, R(lw)));
    if (dashed)
        CK(p, HPDF_Page_SetDash(p->page, dash, 2, 0));
    CK(p, HPDF_Page_MoveTo(p->page, R(x0), R(y0)));
    CK(p, HPDF_Page_LineTo(p->page, R(x1), R(y1)));
    CK(p, HPDF_Page_Stroke(p->page));
    if (dashed)
        CK(p, HPDF_Page_SetDash(p->page, NULL, 0, 0));
}

void csm_pdf_dot(csm_pdf *p, double x, double y, double r, csm_rgb c)
{
    if (p->error || !isfinite(x) || !isfinite(y))
        return;
    set_fill(p, c);
    CK(p, HPDF_Page_Circle(p->page, R(x), R(y), R(r)));
    CK(p, HPDF_Page_Fill(p->page));
}

csm_rgb csm_pdf_series_colour(const csm_style *st, const csm_series *s,
                              size_t i)
{
    size_t k = s && s->palette >= 0 ? (size_t)s->palette : i;
    csm_rgb base = st->series[k % CSM_STYLE_SERIES];
    return s && s->tone != CSM_TONE_NONE
               ? csm_pdf_tone_colour(st, s->tone, base)
               : base;
}

csm_rgb csm_pdf_tone_colour(const csm_style *st, csm_cell_tone t, csm_rgb dflt)
{
    switch (t) {
    case CSM_TONE_GOOD:
        return st->good;
    case CSM_TONE_BAD:
        return st->bad;
    case CSM_TONE_GREEN:
        return st->band_green;
    case CSM_TONE_YELLOW:
        return st->band_yellow;
    case CSM_TONE_RED:
        return st->band_red;
    case CSM_TONE_MUTED:
        return st->muted;
    default:
        return dflt;
    }
}

/* ------------------------------------------------------------ legends */

typedef enum { LEG_BAR, LEG_LINE, LEG_BAND } leg_kind;

typedef struct leg_item {
    char *name; /* owned */
    csm_rgb colour;
    leg_kind kind;
} leg_item;

#define LEG_SWATCH 12.0
#define LEG_GAP 12.0

static double small_size(const csm_pdf *p)
{
    return p->body - 1.5;
}

/* Lays out and (when draw) draws legend items from y_top down; returns
 * its height. */
static double legend(csm_pdf *p, const leg_item *it, size_t n, double x,
                     double y_top, double w, bool draw)
{
    if (n == 0)
        return 0;
    double fs = small_size(p), row_h = fs + 5;
    double *iw = csm_xmalloc(n * sizeof *iw), *ix = csm_xmalloc(n * sizeof *ix);
    size_t *ir = csm_xmalloc(n * sizeof *ir);
    for (size_t i = 0; i < n; i++) {
        double tw = csm_pdf_width(p, it[i].name, strlen(it[i].name),
                                  CSM_PDF_REGULAR, fs);
        /* One point of slack: the fit test must not shorten a name
         * measured to this very width. */
        iw[i] = fmin(LEG_SWATCH + 3 + tw + 1, w);
    }
    size_t rows = csm_pdf_legend_rows(iw, n, w, LEG_GAP, ix, ir);
    for (size_t i = 0; draw && i < n; i++) {
        double lx = x + ix[i], base = y_top - (double)ir[i] * row_h - fs;
        double mid = base + fs * 0.3;
        if (it[i].kind == LEG_LINE) {
            csm_pdf_line(p, lx, mid, lx + LEG_SWATCH, mid, 1.6, it[i].colour,
                         false);
        } else {
            csm_pdf_rect(p, lx + 1, mid - 3.5, LEG_SWATCH - 2, 7, it[i].colour);
        }
        csm_pdf_text_fit(p, lx + LEG_SWATCH + 3, base, iw[i] - LEG_SWATCH - 3,
                         CSM_PDF_LEFT, it[i].name, CSM_PDF_REGULAR, fs,
                         p->style->text);
    }
    free(iw);
    free(ix);
    free(ir);
    return (double)rows * row_h;
}

static void legend_free(leg_item *it, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(it[i].name);
    free(it);
}

static csm_rgb band_colour(csm_rgb c)
{
    return csm_pdf_lerp(white, c, 0.22);
}

/* ------------------------------------------------------------ axes */

/* The y axis: ticks, gridlines and labels; returns the scale.  The
 * labels sit left of px0. */
static void y_axis(csm_pdf *p, const csm_pdf_ticks *t,
                   const csm_pdf_tick_style *ts, double px0, double px1,
                   double bottom, double top, csm_pdf_scale *sc)
{
    double fs = small_size(p);
    *sc = (csm_pdf_scale){t->lo, t->hi, bottom, top};
    for (size_t i = 0; i < t->n; i++) {
        double v = csm_pdf_tick_value(t, i);
        double yy = csm_pdf_scale_map(sc, v);
        char buf[CSM_FMT_BUFSZ];
        csm_pdf_tick_label(ts, v, buf);
        if (v != 0 || t->lo == 0)
            csm_pdf_line(p, px0, yy, px1, yy, 0.4, p->style->grid, false);
        csm_pdf_text(p, px0 - 4, yy - fs * 0.35, CSM_PDF_RIGHT, buf,
                     CSM_PDF_REGULAR, fs, p->style->muted);
    }
    /* The zero line (or the floor of the axis) is drawn stronger. */
    double base = t->lo < 0 && t->hi > 0 ? 0 : t->lo;
    double yb = csm_pdf_scale_map(sc, base);
    csm_pdf_line(p, px0, yb, px1, yb, 0.7, p->style->muted, false);
}

static double label_width(csm_pdf *p, const csm_pdf_ticks *t,
                          const csm_pdf_tick_style *ts)
{
    double fs = small_size(p), w = 0;
    for (size_t i = 0; i < t->n; i++) {
        char buf[CSM_FMT_BUFSZ];
        csm_pdf_tick_label(ts, csm_pdf_tick_value(t, i), buf);
        w = fmax(w, csm_pdf_width(p, buf, strlen(buf), CSM_PDF_REGULAR, fs));
    }
    return w;
}

static size_t clamp_ticks(double len, double per, size_t lo, size_t hi)
{
    double n = floor(len / per) + 1;
    if (!(n >= (double)lo))
        return lo;
    return n > (double)hi ? hi : (size_t)n;
}

/* The y-axis title: the model's, with the currency for money axes. */
static char *y_title(const csm_pdf *p, const char *title, csm_axis_format f)
{
    const char *cur = p->report->currency;
    if (f == CSM_AXIS_MONEY && cur[0]) {
        if (!title || !*title)
            return csm_xstrdup(cur);
        if (!strstr(title, cur))
            return csm_xasprintf("%s (%s)", title, cur);
    }
    return title && *title ? csm_xstrdup(title) : NULL;
}

/* Width at 1 pt of the narrowest two-line layout of s (best split at a
 * space). */
static double two_line_width(csm_pdf *p, const char *s, csm_pdf_weight w)
{
    size_t len = strlen(s);
    double best = csm_pdf_width(p, s, len, w, 1);
    for (size_t i = 0; i < len; i++) {
        if (s[i] != ' ')
            continue;
        double a = csm_pdf_width(p, s, i, w, 1);
        double b = csm_pdf_width(p, s + i + 1, len - i - 1, w, 1);
        best = fmin(best, fmax(a, b));
    }
    return best;
}

/* How category labels are set under slots of width slot: every label on
 * one line; every label on up to two lines (names like "Missing
 * feature"); or, for long series such as months, every stride-th label.
 * Categories that are not a sequence are never skipped. */
typedef struct cat_layout {
    size_t lines, stride;
} cat_layout;

static cat_layout category_layout(csm_pdf *p, char *const *labels, size_t n,
                                  double slot)
{
    double fs = small_size(p), one = 0, two = 0;
    for (size_t i = 0; i < n; i++) {
        one = fmax(one, csm_pdf_width(p, labels[i], strlen(labels[i]),
                                      CSM_PDF_REGULAR, fs));
        two = fmax(two, two_line_width(p, labels[i], CSM_PDF_REGULAR) * fs);
    }
    cat_layout l = {1, 1};
    if (one + 4 <= slot)
        return l;
    if (two + 4 <= slot || n <= 16) {
        l.lines = 2;
        return l;
    }
    l.stride = csm_pdf_label_stride(slot, one, 4);
    return l;
}

/* Draws label s centred at cx, first baseline y, in up to `lines` lines
 * of width room. */
static void category_label(csm_pdf *p, const char *s, double cx, double y,
                           double room, size_t lines, csm_rgb c)
{
    double fs = small_size(p);
    if (lines < 2) {
        csm_pdf_text_fit(p, cx, y, room, CSM_PDF_CENTER, s, CSM_PDF_REGULAR, fs,
                         c);
        return;
    }
    size_t next;
    size_t l1 = csm_pdf_wrap_line(p, s, room, CSM_PDF_REGULAR, fs, &next);
    char *first = csm_xstrndup(s, l1);
    csm_pdf_text_fit(p, cx, y, room, CSM_PDF_CENTER, first, CSM_PDF_REGULAR, fs,
                     c);
    if (s[next])
        csm_pdf_text_fit(p, cx, y - fs - 2, room, CSM_PDF_CENTER, s + next,
                         CSM_PDF_REGULAR, fs, c);
    free(first);
}

/* Categorical x labels under slots, as category_layout says. */
static void x_categories(csm_pdf *p, char *const *labels, size_t n, double px0,
                         double pw, double y, cat_layout l, csm_rgb c)
{
    if (n == 0)
        return;
    double slot = pw / (double)n;
    double room = slot * (double)l.stride - 3;
    /* Count the stride back from the last category, so the latest month
     * is always named. */
    for (size_t i = 0; i < n; i++)
        if ((n - 1 - i) % l.stride == 0)
            category_label(p, labels[i], px0 + ((double)i + 0.5) * slot, y,
                           room, l.lines, c);
}

/* ------------------------------------------------------------ charts */

static bool usable(const csm_series *s, size_t i)
{
    return s->defined[i] && isfinite(s->y[i]);
}

static bool band_at(const csm_series *s, size_t i)
{
    return s->lo && s->hi && s->defined[i] && isfinite(s->lo[i]) &&
           isfinite(s->hi[i]);
}

static bool has_bars(const csm_chart *c)
{
    for (size_t s = 0; s < c->n_series; s++)
        if (c->series[s].style == CSM_SERIES_BAR ||
            c->series[s].style == CSM_SERIES_STACKED)
            return true;
    return false;
}

typedef struct chart_frame {
    const csm_chart *c;
    bool numeric_x;
    csm_pdf_scale xs, ys;
    double px0, pw;
} chart_frame;

/* x of point i, or NAN when it has no usable x. */
static double point_x(const chart_frame *f, size_t i)
{
    if (f->numeric_x) {
        double v = f->c->x_values[i];
        return isfinite(v) ? csm_pdf_scale_map(&f->xs, v) : NAN;
    }
    return f->px0 + ((double)i + 0.5) * f->pw / (double)f->c->n_points;
}

static void draw_bands(csm_pdf *p, const chart_frame *f, const csm_series *s,
                       csm_rgb col)
{
    const csm_chart *c = f->c;
    csm_rgb bc = band_colour(col);
    for (size_t i = 0; i + 1 < c->n_points && !p->error; i++) {
        double x0 = point_x(f, i), x1 = point_x(f, i + 1);
        if (!band_at(s, i) || !isfinite(x0) || !isfinite(x1))
            continue;
        double lo0 = csm_pdf_scale_map(&f->ys, s->lo[i]);
        double hi0 = csm_pdf_scale_map(&f->ys, s->hi[i]);
        if (s->style == CSM_SERIES_STEP) {
            /* A Kaplan-Meier band is constant until the next time. */
            csm_pdf_rect(p, x0, fmin(lo0, hi0), x1 - x0, fabs(hi0 - lo0), bc);
            continue;
        }
        if (!band_at(s, i + 1))
            continue;
        double lo1 = csm_pdf_scale_map(&f->ys, s->lo[i + 1]);
        double hi1 = csm_pdf_scale_map(&f->ys, s->hi[i + 1]);
        set_fill(p, bc);
        CK(p, HPDF_Page_MoveTo(p->page, R(x0), R(lo0)));
        CK(p, HPDF_Page_LineTo(p->page, R(x1), R(lo1)));
        CK(p, HPDF_Page_LineTo(p->page, R(x1), R(hi1)));
        CK(p, HPDF_Page_LineTo(p->page, R(x0), R(hi0)));
        CK(p, HPDF_Page_ClosePath(p->page));
        CK(p, HPDF_Page_Fill(p->page));
    }
}

/* A line or step line, broken wherever a point is undefined. */
static void draw_line(csm_pdf *p, const chart_frame *f, const csm_series *s,
                      csm_rgb col)
{
    const csm_chart *c = f->c;
    bool pen = false, step = s->style == CSM_SERIES_STEP;
    double prev_y = 0;
    set_stroke(p, col);
    CK(p, HPDF_Page_SetLineWidth(p->page, R(step ? 1.4 : 1.6)));
    CK(p, HPDF_Page_SetLineJoin(p->page, HPDF_ROUND_JOIN));
    for (size_t i = 0; i < c->n_points && !p->error; i++) {
        double x = point_x(f, i);
        if (!usable(s, i) || !isfinite(x)) {
            if (pen)
                CK(p, HPDF_Page_Stroke(p->page));
            pen = false;
            continue;
        }
        double y = csm_pdf_scale_map(&f->ys, s->y[i]);
        if (!pen) {
            CK(p, HPDF_Page_MoveTo(p->page, R(x), R(y)));
        } else {
            if (step)
                CK(p, HPDF_Page_LineTo(p->page, R(x), R(prev_y)));
            CK(p, HPDF_Page_LineTo(p->page, R(x), R(y)));
        }
        pen = true;
        prev_y = y;
    }
    if (pen)
        CK(p, HPDF_Page_Stroke(p->page));
    CK(p, HPDF_Page_SetLineJoin(p->page, HPDF_MITER_JOIN));
    /* Points: every point of a short line; isolated points always, or a
     * point between two gaps would vanish. */
    for (size_t i = 0; i < c->n_points && !p->error; i++) {
        if (!usable(s, i))
            continue;
        bool alone = (i == 0 || !usable(s, i - 1)) &&
                     (i + 1 == c->n_points || !usable(s, i + 1));
        if (alone || (!step && c->n_points <= 24))
            csm_pdf_dot(p, point_x(f, i), csm_pdf_scale_map(&f->ys, s->y[i]),
                        alone ? 2.2 : 1.8, col);
    }
}

static void draw_bars(csm_pdf *p, const chart_frame *f)
{
    const csm_chart *c = f->c;
    size_t nb = 0, ns = c->n_series;
    bool stacked = false;
    for (size_t s = 0; s < ns; s++) {
        nb += c->series[s].style == CSM_SERIES_BAR;
        stacked = stacked || c->series[s].style == CSM_SERIES_STACKED;
    }
    size_t groups = nb + (stacked ? 1 : 0);
    if (groups == 0)
        return;
    double *lo = csm_xmalloc((ns ? ns : 1) * sizeof *lo);
    double *hi = csm_xmalloc((ns ? ns : 1) * sizeof *hi);
    double zero = csm_pdf_scale_map(&f->ys, 0);
    for (size_t i = 0; i < c->n_points && !p->error; i++) {
        double left, width;
        csm_pdf_slot(i, c->n_points, f->px0, f->pw, 0.3, &left, &width);
        /* Few categories: bars no wider than a thumb, centred. */
        double cap = 34.0 * (double)groups;
        if (width > cap) {
            left += (width - cap) / 2;
            width = cap;
        }
        double bw = width / (double)groups;
        size_t g = 0;
        for (size_t s = 0; s < ns; s++) {
            const csm_series *se = &c->series[s];
            if (se->style != CSM_SERIES_BAR)
                continue;
            if (usable(se, i)) {
                double y = csm_pdf_scale_map(&f->ys, se->y[i]);
                csm_pdf_rect(p, left + (double)g * bw + 0.3, fmin(y, zero),
                             bw - 0.6, fabs(y - zero),
                             csm_pdf_series_colour(p->style, se, s));
            }
            g++;
        }
        if (!stacked)
            continue;
        csm_pdf_stack_point(c, i, lo, hi);
        for (size_t s = 0; s < ns; s++) {
            if (c->series[s].style != CSM_SERIES_STACKED || lo[s] == hi[s])
                continue;
            double y0 = csm_pdf_scale_map(&f->ys, lo[s]);
            double y1 = csm_pdf_scale_map(&f->ys, hi[s]);
            csm_pdf_rect(p, left + (double)g * bw + 0.3, y0, bw - 0.6, y1 - y0,
                         csm_pdf_series_colour(p->style, &c->series[s], s));
        }
    }
    free(lo);
    free(hi);
}

static leg_item *chart_legend(const csm_pdf *p, const csm_chart *c, size_t *n)
{
    leg_item *it = csm_xcalloc(2 * c->n_series + 1, sizeof *it);
    size_t k = 0, bands = 0;
    for (size_t s = 0; s < c->n_series; s++)
        bands += c->series[s].lo && c->series[s].hi;
    for (size_t s = 0; s < c->n_series; s++) {
        const csm_series *se = &c->series[s];
        csm_rgb col = csm_pdf_series_colour(p->style, se, s);
        bool line =
            se->style == CSM_SERIES_LINE || se->style == CSM_SERIES_STEP;
        it[k++] = (leg_item){csm_xstrdup(se->name ? se->name : ""), col,
                             line ? LEG_LINE : LEG_BAR};
        if (se->lo && se->hi)
            it[k++] = (leg_item){
                bands > 1 ? csm_xasprintf("%s: confidence band", se->name)
                          : csm_xstrdup("Confidence band"),
                band_colour(col), LEG_BAND};
    }
    *n = k;
    return it;
}

void csm_pdf_draw_chart(csm_pdf *p, const csm_chart *c, double x, double y_top,
                        double w, double h)
{
    if (p->error)
        return;
    const csm_style *st = p->style;
    double fs = small_size(p);
    size_t n_leg;
    leg_item *leg = chart_legend(p, c, &n_leg);
    double y = y_top - legend(p, leg, n_leg, x, y_top, w, true);
    legend_free(leg, n_leg);
    if (n_leg)
        y -= 4;
    char *yt = y_title(p, c->y_title, c->y_format);
    if (yt) {
        csm_pdf_text_fit(p, x, y - fs, w, CSM_PDF_LEFT, yt, CSM_PDF_REGULAR, fs,
                         st->muted);
        y -= fs + 5;
        free(yt);
    }
    double bottom = y_top - h;
    if (c->x_title && *c->x_title) {
        csm_pdf_text_fit(p, x + w / 2, bottom + 1, w, CSM_PDF_CENTER,
                         c->x_title, CSM_PDF_REGULAR, fs, st->muted);
        bottom += fs + 5;
    }
    /* Category labels may need two lines; decide on the slot width the
     * plot will roughly have. */
    cat_layout cl = {1, 1};
    if (c->n_points > 0 && !(c->x_values && !has_bars(c)))
        cl = category_layout(p, c->x_labels, c->n_points,
                             (w - 40) / (double)c->n_points);
    double plot_bottom = bottom + (double)cl.lines * (fs + 2) + 4;
    double plot_top = y - fs * 0.5;
    if (c->n_points == 0 || c->n_series == 0) {
        csm_pdf_text(p, x + w / 2, (plot_bottom + plot_top) / 2, CSM_PDF_CENTER,
                     "No data", CSM_PDF_REGULAR, p->body, st->muted);
        return;
    }

    double lo, hi;
    csm_pdf_chart_range(c, &lo, &hi);
    csm_pdf_ticks yt_ticks;
    csm_pdf_nice_ticks(lo, hi, clamp_ticks(plot_top - plot_bottom, 28, 3, 8),
                       c->y_format == CSM_AXIS_COUNT, &yt_ticks);
    csm_pdf_tick_style ys_style;
    csm_pdf_tick_style_for(&yt_ticks, c->y_format, &ys_style);

    chart_frame f = {.c = c};
    f.numeric_x = c->x_values && !has_bars(c);
    double xmin = INFINITY, xmax = -INFINITY;
    if (f.numeric_x) {
        for (size_t i = 0; i < c->n_points; i++)
            if (isfinite(c->x_values[i])) {
                xmin = fmin(xmin, c->x_values[i]);
                xmax = fmax(xmax, c->x_values[i]);
            }
        if (xmin > xmax)
            f.numeric_x = false;
        else if (xmin > 0)
            xmin = 0;
    }
    f.px0 = x + label_width(p, &yt_ticks, &ys_style) + 6;
    double px1 = x + w - 4;
    csm_pdf_ticks xt = {0};
    csm_pdf_tick_style xs_style = {0};
    if (f.numeric_x) {
        csm_pdf_nice_ticks(xmin, xmax, clamp_ticks(px1 - f.px0, 55, 3, 11),
                           false, &xt);
        csm_pdf_tick_style_for(&xt, CSM_AXIS_NUMBER, &xs_style);
        char buf[CSM_FMT_BUFSZ];
        csm_pdf_tick_label(&xs_style, xt.hi, buf);
        px1 -= csm_pdf_width(p, buf, strlen(buf), CSM_PDF_REGULAR, fs) / 2;
    }
    f.pw = px1 - f.px0;
    y_axis(p, &yt_ticks, &ys_style, f.px0, px1, plot_bottom, plot_top, &f.ys);
    if (f.numeric_x) {
        f.xs = (csm_pdf_scale){xt.lo, xt.hi, f.px0, px1};
        for (size_t i = 0; i < xt.n; i++) {
            double v = csm_pdf_tick_value(&xt, i);
            double xx = csm_pdf_scale_map(&f.xs, v);
            char buf[CSM_FMT_BUFSZ];
            csm_pdf_line(p, xx, plot_bottom, xx, plot_bottom - 3, 0.6,
                         st->muted, false);
            csm_pdf_text(p, xx, plot_bottom - fs - 3, CSM_PDF_CENTER,
                         csm_pdf_tick_label(&xs_style, v, buf), CSM_PDF_REGULAR,
                         fs, st->muted);
        }
    } else {
        x_categories(p, c->x_labels, c->n_points, f.px0, f.pw,
                     plot_bottom - fs - 3, cl, st->muted);
    }
    draw_bars(p, &f);
    for (size_t s = 0; s < c->n_series; s++)
        if (c->series[s].lo && c->series[s].hi)
            draw_bands(p, &f, &c->series[s],
                       csm_pdf_series_colour(st, &c->series[s], s));
    for (size_t s = 0; s < c->n_series; s++) {
        const csm_series *se = &c->series[s];
        if (se->style == CSM_SERIES_LINE || se->style == CSM_SERIES_STEP)
            draw_line(p, &f, se, csm_pdf_series_colour(st, se, s));
    }
}

/* ------------------------------------------------------------ waterfall */

static double major(const csm_pdf *p, int64_t minor)
{
    double scale = 1;
    for (int i = 0; i < p->report->currency_decimals && i < 9; i++)
        scale *= 10;
    return (double)minor / scale;
}

void csm_pdf_draw_waterfall(csm_pdf *p, const csm_waterfall *wf, double x,
                            double y_top, double w, double h)
{
    if (p->error)
        return;
    const csm_style *st = p->style;
    double fs = small_size(p);
    size_t n = wf->n_steps;
    csm_pdf_wf_bar *bars = csm_xcalloc(n ? n : 1, sizeof *bars);
    int64_t mn, mx;
    if (n == 0 || !csm_pdf_waterfall(wf->steps, n, bars, &mn, &mx)) {
        csm_pdf_text(p, x + w / 2, y_top - h / 2, CSM_PDF_CENTER,
                     n ? "Amounts too large to draw" : "No data",
                     CSM_PDF_REGULAR, p->body, st->muted);
        free(bars);
        return;
    }
    leg_item leg[3] = {{csm_xstrdup("Opening / closing"), st->primary, LEG_BAR},
                       {csm_xstrdup("Increase"), st->good, LEG_BAR},
                       {csm_xstrdup("Decrease"), st->bad, LEG_BAR}};
    double y = y_top - legend(p, leg, 3, x, y_top, w, true) - 4;
    for (int i = 0; i < 3; i++)
        free(leg[i].name);
    /* A bridge's movements are small next to its opening and closing
     * bars: drawn from zero they would be slivers.  When every level the
     * chart must show lies well above zero, the axis starts near the
     * lowest one instead, the opening and closing bars are drawn cut (a
     * white notch near their foot) and the axis title says so. */
    int64_t zmin = INT64_MAX;
    for (size_t i = 0; i < n; i++) {
        bool base = wf->steps[i].kind == CSM_STEP_START ||
                    wf->steps[i].kind == CSM_STEP_TOTAL;
        int64_t lv = base ? bars[i].hi : bars[i].lo;
        zmin = lv < zmin ? lv : zmin;
    }
    double dlo = major(p, mn), dhi = major(p, mx);
    bool cut = false;
    if (mn >= 0 && zmin > 0) {
        double z = major(p, zmin), spread = dhi - z;
        if (spread < 0.4 * dhi) {
            dlo = fmax(0, z - fmax(spread * 0.35, dhi * 0.01));
            cut = dlo > 0;
        }
    }
    char *yt = y_title(p, NULL, CSM_AXIS_MONEY);
    if (cut) {
        char *t2 = csm_xasprintf("%s; the axis does not start at zero", yt);
        free(yt);
        yt = t2;
    }
    csm_pdf_text_fit(p, x, y - fs, w, CSM_PDF_LEFT, yt, CSM_PDF_REGULAR, fs,
                     st->muted);
    free(yt);
    y -= fs + 5;
    /* Two lines of step labels under the bars, value labels above. */
    double plot_bottom = y_top - h + 2 * (fs + 2) + 4;
    double plot_top = y - fs - 6;
    csm_pdf_ticks t;
    csm_pdf_nice_ticks(dlo, dhi, clamp_ticks(plot_top - plot_bottom, 28, 3, 8),
                       false, &t);
    if (cut && t.lo < 0) {
        t.n -= (size_t)llround(-t.lo / t.step);
        t.lo = 0;
    }
    cut = cut && t.lo > 0;
    csm_pdf_tick_style ts;
    csm_pdf_tick_style_for(&t, CSM_AXIS_MONEY, &ts);
    double px0 = x + label_width(p, &t, &ts) + 6, px1 = x + w - 4;
    csm_pdf_scale ys;
    y_axis(p, &t, &ts, px0, px1, plot_bottom, plot_top, &ys);
    double slot = (px1 - px0) / (double)n;
    for (size_t i = 0; i < n && !p->error; i++) {
        const csm_waterfall_step *s = &wf->steps[i];
        double left, bw;
        csm_pdf_slot(i, n, px0, px1 - px0, 0.28, &left, &bw);
        double y0 = csm_pdf_scale_map(&ys, major(p, bars[i].lo));
        double y1 = csm_pdf_scale_map(&ys, major(p, bars[i].hi));
        csm_rgb col = st->primary;
        unsigned flags = CSM_FMT_COMPACT | CSM_FMT_SIGN;
        int64_t shown = s->amount;
        if (s->kind == CSM_STEP_UP) {
            col = st->good;
        } else if (s->kind == CSM_STEP_DOWN) {
            col = st->bad;
            shown = -s->amount;
        } else if (s->kind == CSM_STEP_DELTA) {
            col = s->amount < 0 ? st->bad : st->good;
        } else {
            flags = CSM_FMT_COMPACT;
        }
        /* A zero movement still shows as a hairline on its level. */
        csm_pdf_rect(p, left, y0, bw, fmax(y1 - y0, 0.8), col);
        if (cut && (s->kind == CSM_STEP_START || s->kind == CSM_STEP_TOTAL) &&
            y1 - y0 > 14)
            csm_pdf_rect(p, left - 0.5, y0 + 5, bw + 1, 2.5, white);
        if (i + 1 < n && wf->steps[i + 1].kind != CSM_STEP_START) {
            double yr = csm_pdf_scale_map(&ys, major(p, bars[i].running));
            csm_pdf_line(p, left + bw, yr, left + slot, yr, 0.5, st->muted,
                         true);
        }
        char buf[CSM_FMT_BUFSZ];
        csm_format_money(shown, p->report->currency_decimals, flags, buf);
        csm_pdf_text_fit(p, left + bw / 2, fmax(y0, y1) + 3, slot - 2,
                         CSM_PDF_CENTER, buf, CSM_PDF_BOLD, fs, st->text);
        /* The step's label, wrapped to two lines under its slot. */
        category_label(p, s->label ? s->label : "", left + bw / 2,
                       plot_bottom - fs - 3, slot - 3, 2, st->text);
    }
    free(bars);
}

/* ------------------------------------------------------------ heatmap */

void csm_pdf_heatmap_geom(csm_pdf *p, const csm_heatmap *h, double w,
                          csm_pdf_heat_geom *g)
{
    double fs = small_size(p), widest = 0, colw = 0;
    for (size_t r = 0; r < h->n_rows; r++)
        widest = fmax(widest, csm_pdf_width(p, h->row_labels[r],
                                            strlen(h->row_labels[r]),
                                            CSM_PDF_REGULAR, fs));
    for (size_t c = 0; c < h->n_cols; c++)
        colw = fmax(colw,
                    csm_pdf_width(p, h->col_labels[c], strlen(h->col_labels[c]),
                                  CSM_PDF_REGULAR, fs));
    /* The row axis title sits in the corner above the row labels. */
    if (h->row_title && *h->row_title)
        widest =
            fmax(widest, csm_pdf_width(p, h->row_title, strlen(h->row_title),
                                       CSM_PDF_BOLD, fs));
    g->label_w = fmin(widest + 8, w * 0.3);
    size_t nc = h->n_cols ? h->n_cols : 1;
    g->cell_w = fmin((w - g->label_w) / (double)nc, 56);
    g->cell_h = g->cell_w >= 22 ? 15 : 13;
    g->header_h = fs + 6;
    /* The column axis title takes a line above the column labels. */
    g->title_h = h->col_title && *h->col_title ? fs + 5 : 0;
    g->width = w;
    g->header_h += g->title_h;
    g->legend_h = 2 * (fs + 5) + 8;
    g->stride = csm_pdf_label_stride(g->cell_w, colw, 5);
    /* Values are printed when "100%" fits the cell at 5.5 pt or more. */
    g->font = 0;
    for (double s = fs - 0.5; s >= 5.5; s -= 0.5)
        if (csm_pdf_width(p, "100%", 4, CSM_PDF_REGULAR, s) + 3 <= g->cell_w &&
            s + 3 <= g->cell_h) {
            g->font = s;
            break;
        }
}

void csm_pdf_draw_heatmap_rows(csm_pdf *p, const csm_heatmap *h,
                               const csm_pdf_heat_geom *g, size_t first,
                               size_t count, double x, double y_top)
{
    const csm_style *st = p->style;
    double fs = small_size(p);
    double cx = x + g->label_w;
    if (g->title_h > 0) {
        /* Column axis title, centred over the cells (repeated with the
         * header on a continuation page). */
        double cells_w = g->cell_w * (double)h->n_cols;
        double tw = csm_pdf_width(p, h->col_title, strlen(h->col_title),
                                  CSM_PDF_BOLD, fs);
        if (tw <= cells_w)
            csm_pdf_text(p, cx + cells_w / 2, y_top - fs - 1, CSM_PDF_CENTER,
                         h->col_title, CSM_PDF_BOLD, fs, st->text);
        else /* few columns: from the first cell on, to the right */
            csm_pdf_text_fit(p, cx, y_top - fs - 1, g->width - g->label_w,
                             CSM_PDF_LEFT, h->col_title, CSM_PDF_BOLD, fs,
                             st->text);
    }
    double label_y = y_top - g->title_h - fs - 1;
    if (h->row_title && *h->row_title)
        csm_pdf_text_fit(p, x, label_y, g->label_w - 4, CSM_PDF_LEFT,
                         h->row_title, CSM_PDF_BOLD, fs, st->text);
    for (size_t c = 0; c < h->n_cols; c++)
        if (c % g->stride == 0)
            csm_pdf_text_fit(p, cx + ((double)c + 0.5) * g->cell_w, label_y,
                             g->cell_w * (double)g->stride - 2, CSM_PDF_CENTER,
                             h->col_labels[c], CSM_PDF_REGULAR, fs, st->muted);
    double y = y_top - g->header_h;
    for (size_t r = first; r < first + count && !p->error; r++) {
        csm_pdf_text_fit(p, x, y - g->cell_h / 2 - fs * 0.35, g->label_w - 6,
                         CSM_PDF_LEFT, h->row_labels[r], CSM_PDF_REGULAR, fs,
                         st->text);
        for (size_t c = 0; c < h->n_cols; c++) {
            size_t k = r * h->n_cols + c;
            double v = h->values[k];
            if (!h->defined[k] || !isfinite(v))
                continue;
            csm_rgb fill =
                csm_pdf_lerp(st->heat_low, st->heat_high,
                             csm_pdf_heat_t(v, h->scale_min, h->scale_max));
            double x0 = cx + (double)c * g->cell_w;
            csm_pdf_rect(p, x0 + 0.4, y - g->cell_h + 0.4, g->cell_w - 0.8,
                         g->cell_h - 0.8, fill);
            if (g->font > 0) {
                char buf[CSM_FMT_BUFSZ];
                csm_format_rate(v, 0, 0, buf);
                csm_pdf_text_fit(
                    p, x0 + g->cell_w / 2, y - g->cell_h / 2 - g->font * 0.35,
                    g->cell_w - 2, CSM_PDF_CENTER, buf, CSM_PDF_REGULAR,
                    g->font, csm_pdf_is_dark(fill) ? white : st->text);
            }
        }
        y -= g->cell_h;
    }
}

void csm_pdf_draw_heat_legend(csm_pdf *p, const csm_heatmap *h,
                              const csm_pdf_heat_geom *g, double x,
                              double y_top, double w)
{
    const csm_style *st = p->style;
    double fs = small_size(p);
    double bar_w = fmin(150, w * 0.35), y = y_top - 4;
    const int steps = 30;
    for (int i = 0; i < steps; i++) {
        double t = (i + 0.5) / steps;
        csm_pdf_rect(p, x + bar_w * i / steps, y - 8, bar_w / steps + 0.3, 8,
                     csm_pdf_lerp(st->heat_low, st->heat_high, t));
    }
    char lo[CSM_FMT_BUFSZ], hi[CSM_FMT_BUFSZ];
    csm_format_rate(h->scale_min, 0, 0, lo);
    csm_format_rate(h->scale_max, 0, 0, hi);
    double ly = y - 8 - fs - 2;
    csm_pdf_text(p, x, ly, CSM_PDF_LEFT, lo, CSM_PDF_REGULAR, fs, st->muted);
    csm_pdf_text(p, x + bar_w, ly, CSM_PDF_RIGHT, hi, CSM_PDF_REGULAR, fs,
                 st->muted);
    double tx = x + bar_w + 10;
    if (h->legend)
        csm_pdf_text_fit(p, tx, y - 7, x + w - tx, CSM_PDF_LEFT, h->legend,
                         CSM_PDF_REGULAR, fs, st->text);
    csm_pdf_rect_stroke(p, tx, ly - 1, 10, 7, 0.5, st->grid);
    csm_pdf_text_fit(p, tx + 14, ly, x + w - tx - 14, CSM_PDF_LEFT,
                     "Blank: not observed yet", CSM_PDF_REGULAR, fs, st->muted);
    (void)g;
}

/* ------------------------------------------------------------ tables */

static bool numeric_kind(csm_cell_kind k)
{
    return k == CSM_CELL_MONEY || k == CSM_CELL_INT || k == CSM_CELL_RATE ||
           k == CSM_CELL_NUMBER || k == CSM_CELL_POINTS;
}

static bool dot_tone(csm_cell_tone t)
{
    return t == CSM_TONE_GREEN || t == CSM_TONE_YELLOW || t == CSM_TONE_RED;
}

/* Width at 1 pt of the narrowest two-line layout of a header: the best
 * split at a space. */
static double header_min_width(csm_pdf *p, const char *s)
{
    size_t len = strlen(s);
    double best = csm_pdf_width(p, s, len, CSM_PDF_BOLD, 1);
    for (size_t i = 0; i < len; i++) {
        if (s[i] != ' ')
            continue;
        double a = csm_pdf_width(p, s, i, CSM_PDF_BOLD, 1);
        double b = csm_pdf_width(p, s + i + 1, len - i - 1, CSM_PDF_BOLD, 1);
        best = fmin(best, fmax(a, b));
    }
    return best;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Width at 1 pt of the longest word of s: a header is never broken
 * inside a word. */
static double longest_word(csm_pdf *p, const char *s, csm_pdf_weight w)
{
    double best = 0;
    while (*s) {
        size_t n = strcspn(s, " ");
        best = fmax(best, csm_pdf_width(p, s, n, w, 1));
        s += n;
        s += strspn(s, " ");
    }
    return best;
}

void csm_pdf_table_geom_init(csm_pdf *p, const csm_table *t, double w,
                             csm_pdf_table_geom *g)
{
    size_t nc = t->n_columns ? t->n_columns : 1;
    double *cell1 = csm_xcalloc(nc, sizeof *cell1); /* widest cell at 1 pt */
    double *head1 = csm_xcalloc(nc, sizeof *head1);
    double *min1 = csm_xcalloc(nc, sizeof *min1);
    double *want1 = csm_xcalloc(nc, sizeof *want1); /* asked for, at 1 pt */
    double *nat = csm_xcalloc(nc, sizeof *nat);
    double *mins = csm_xcalloc(nc, sizeof *mins);
    double *hint = csm_xcalloc(nc, sizeof *hint);
    bool *shrink = csm_xcalloc(nc, sizeof *shrink);
    double *widths = csm_xcalloc(t->n_rows ? t->n_rows : 1, sizeof *widths);
    g->col_w = csm_xcalloc(nc, sizeof *g->col_w);
    for (size_t c = 0; c < t->n_columns; c++) {
        const csm_column *col = &t->columns[c];
        const char *title = col->title ? col->title : "";
        head1[c] = header_min_width(p, title);
        /* Only text is shortened: numbers, dates and months never. */
        shrink[c] = col->kind == CSM_CELL_TEXT || col->kind == CSM_CELL_EMPTY;
        hint[c] = col->width > 0 ? col->width : 0;
        for (size_t r = 0; r < t->n_rows; r++) {
            const csm_cell *cell = &t->cells[r * t->n_columns + c];
            char buf[CSM_FMT_BUFSZ];
            const char *s =
                csm_format_cell(cell, p->report->currency_decimals, 0, buf);
            bool bold =
                cell->tone == CSM_TONE_STRONG || r + t->total_rows >= t->n_rows;
            double cw = csm_pdf_width(p, s, strlen(s),
                                      bold ? CSM_PDF_BOLD : CSM_PDF_REGULAR, 1);
            if (dot_tone(cell->tone))
                cw += 1.0; /* the band dot: about one em */
            cell1[c] = fmax(cell1[c], cw);
            widths[r] = cw;
            if (cell->kind != CSM_CELL_TEXT && cell->kind != CSM_CELL_EMPTY &&
                cell->kind != CSM_CELL_NA)
                shrink[c] = false;
        }
        /* One very long name must not shrink the whole table: a text
         * column asks for the width of its 90th-percentile cell, and the
         * few longer ones get an ellipsis. */
        want1[c] = cell1[c];
        if (shrink[c] && t->n_rows >= 10) {
            qsort(widths, t->n_rows, sizeof *widths, cmp_double);
            want1[c] = widths[(t->n_rows - 1) * 9 / 10];
        }
        /* A text column keeps at least its header's longest word and
         * about four characters of its text. */
        min1[c] =
            fmax(longest_word(p, title, CSM_PDF_BOLD), fmin(cell1[c], 4.0));
    }
    /* The largest font (body down to body - 2, by half points) at which
     * everything fits; failing that, the smallest, with text columns
     * shortened with an ellipsis. */
    for (double fs = p->body; fs >= p->body - 2 - 0.01; fs -= 0.5) {
        double pad = fs * 0.5;
        for (size_t c = 0; c < t->n_columns; c++) {
            nat[c] = fmax(want1[c], head1[c]) * fs + 2 * pad;
            mins[c] = min1[c] * fs + 2 * pad;
        }
        g->font = fs;
        g->pad = pad;
        if (csm_pdf_column_widths(nat, mins, shrink, hint, t->n_columns, w,
                                  g->col_w))
            break;
    }
    /* At that size, give the long texts all the room there is. */
    for (size_t c = 0; c < t->n_columns; c++)
        nat[c] = fmax(cell1[c], head1[c]) * g->font + 2 * g->pad;
    csm_pdf_column_widths(nat, mins, shrink, hint, t->n_columns, w, g->col_w);
    g->header_lines = 1;
    for (size_t c = 0; c < t->n_columns; c++) {
        const char *title = t->columns[c].title ? t->columns[c].title : "";
        /* Slack for rounding: widths were taken at 1 pt and scaled. */
        if (csm_pdf_width(p, title, strlen(title), CSM_PDF_BOLD, g->font) >
            g->col_w[c] - 2 * g->pad + 1e-6)
            g->header_lines = 2;
    }
    g->row_h = g->font * 1.85;
    g->header_h = (double)g->header_lines * g->font * 1.2 + g->font * 1.0;
    free(widths);
    free(cell1);
    free(head1);
    free(min1);
    free(want1);
    free(nat);
    free(mins);
    free(hint);
    free(shrink);
}

void csm_pdf_table_geom_free(csm_pdf_table_geom *g)
{
    free(g->col_w);
    g->col_w = NULL;
}

static void header_cell(csm_pdf *p, const char *title, double x, double w,
                        double y_top, const csm_pdf_table_geom *g,
                        csm_pdf_align al)
{
    double fs = g->font, inner = w - 2 * g->pad;
    double ax = al == CSM_PDF_RIGHT ? x + w - g->pad : x + g->pad;
    double base = y_top - g->font * 0.5 - fs;
    measure_ctx mc = {p, CSM_PDF_BOLD, fs};
    size_t next;
    size_t l1 = g->header_lines > 1
                    ? csm_pdf_wrap(title, inner, measure, &mc, &next)
                    : strlen(title);
    if (g->header_lines > 1 && title[next]) {
        char *first = csm_xstrndup(title, l1);
        csm_pdf_text_fit(p, ax, base, inner, al, first, CSM_PDF_BOLD, fs,
                         p->style->text);
        csm_pdf_text_fit(p, ax, base - fs * 1.2, inner, al, title + next,
                         CSM_PDF_BOLD, fs, p->style->text);
        free(first);
    } else {
        /* One line, at the bottom of a two-line header row. */
        csm_pdf_text_fit(p, ax, base - fs * 1.2 * (double)(g->header_lines - 1),
                         inner, al, title, CSM_PDF_BOLD, fs, p->style->text);
    }
}

void csm_pdf_draw_table_rows(csm_pdf *p, const csm_table *t,
                             const csm_pdf_table_geom *g, size_t first,
                             size_t count, double x, double y_top)
{
    const csm_style *st = p->style;
    double total_w = 0;
    for (size_t c = 0; c < t->n_columns; c++)
        total_w += g->col_w[c];
    csm_pdf_rect(p, x, y_top - g->header_h, total_w, g->header_h,
                 st->header_fill);
    double cx = x;
    for (size_t c = 0; c < t->n_columns; c++) {
        const csm_column *col = &t->columns[c];
        header_cell(p, col->title ? col->title : "", cx, g->col_w[c], y_top, g,
                    numeric_kind(col->kind) ? CSM_PDF_RIGHT : CSM_PDF_LEFT);
        cx += g->col_w[c];
    }
    double y = y_top - g->header_h;
    csm_pdf_line(p, x, y, x + total_w, y, 0.8, st->primary, false);
    csm_rgb zebra = csm_pdf_lerp(white, st->header_fill, 0.45);
    for (size_t r = first; r < first + count && !p->error; r++) {
        bool total = r + t->total_rows >= t->n_rows;
        if (!total && (r - first) % 2 == 1)
            csm_pdf_rect(p, x, y - g->row_h, total_w, g->row_h, zebra);
        if (total && r + t->total_rows == t->n_rows)
            csm_pdf_line(p, x, y, x + total_w, y, 0.8, st->primary, false);
        double base = y - g->row_h / 2 - g->font * 0.35;
        cx = x;
        for (size_t c = 0; c < t->n_columns; c++) {
            const csm_cell *cell = &t->cells[r * t->n_columns + c];
            char buf[CSM_FMT_BUFSZ];
            const char *s =
                csm_format_cell(cell, p->report->currency_decimals, 0, buf);
            bool right = numeric_kind(t->columns[c].kind) ||
                         numeric_kind(cell->kind) || cell->kind == CSM_CELL_NA;
            if (cell->kind == CSM_CELL_NA && !numeric_kind(t->columns[c].kind))
                right = false;
            csm_pdf_weight wt = (total || cell->tone == CSM_TONE_STRONG)
                                    ? CSM_PDF_BOLD
                                    : CSM_PDF_REGULAR;
            csm_rgb colr = st->text;
            if (cell->kind == CSM_CELL_NA)
                colr = st->muted;
            if (!dot_tone(cell->tone))
                colr = csm_pdf_tone_colour(st, cell->tone, colr);
            double inner = g->col_w[c] - 2 * g->pad, tx = cx + g->pad;
            if (dot_tone(cell->tone) && *s) {
                /* A band dot before the text: yellow text would not read. */
                double dx =
                    right ? cx + g->col_w[c] - g->pad -
                                csm_pdf_width(p, s, strlen(s), wt, g->font) -
                                g->font * 0.6
                          : tx + g->font * 0.3;
                csm_pdf_dot(p, dx, base + g->font * 0.33, g->font * 0.3,
                            csm_pdf_tone_colour(st, cell->tone, colr));
                if (!right) {
                    tx += g->font;
                    inner -= g->font;
                }
            }
            csm_pdf_text_fit(p, right ? cx + g->col_w[c] - g->pad : tx, base,
                             inner, right ? CSM_PDF_RIGHT : CSM_PDF_LEFT, s, wt,
                             g->font, colr);
            cx += g->col_w[c];
        }
        y -= g->row_h;
    }
    csm_pdf_line(p, x, y, x + total_w, y, 0.5, st->grid, false);
}

/* ------------------------------------------------------------ tiles */

static void sparkline(csm_pdf *p, const csm_tile *t, double x, double y,
                      double w, double h)
{
    double lo = INFINITY, hi = -INFINITY;
    size_t n = t->n_spark;
    for (size_t i = 0; i < n; i++)
        if (t->spark_defined[i] && isfinite(t->spark[i])) {
            lo = fmin(lo, t->spark[i]);
            hi = fmax(hi, t->spark[i]);
        }
    if (lo > hi || n == 0)
        return;
    if (lo == hi) {
        lo -= 1;
        hi += 1;
    }
    csm_pdf_scale sy = {lo, hi, y, y + h};
    csm_rgb col = p->style->primary;
    bool pen = false;
    size_t last = n;
    set_stroke(p, col);
    CK(p, HPDF_Page_SetLineWidth(p->page, 1.0));
    CK(p, HPDF_Page_SetLineJoin(p->page, HPDF_ROUND_JOIN));
    for (size_t i = 0; i < n && !p->error; i++) {
        double xx = n > 1 ? x + w * (double)i / (double)(n - 1) : x + w;
        if (!t->spark_defined[i] || !isfinite(t->spark[i])) {
            if (pen)
                CK(p, HPDF_Page_Stroke(p->page));
            pen = false;
            continue;
        }
        double yy = csm_pdf_scale_map(&sy, t->spark[i]);
        if (pen)
            CK(p, HPDF_Page_LineTo(p->page, R(xx), R(yy)));
        else
            CK(p, HPDF_Page_MoveTo(p->page, R(xx), R(yy)));
        pen = true;
        last = i;
    }
    if (pen)
        CK(p, HPDF_Page_Stroke(p->page));
    CK(p, HPDF_Page_SetLineJoin(p->page, HPDF_MITER_JOIN));
    if (last < n)
        csm_pdf_dot(p, n > 1 ? x + w * (double)last / (double)(n - 1) : x + w,
                    csm_pdf_scale_map(&sy, t->spark[last]), 1.7, col);
}

/* "▲ +1.2 pp" in the change's colour, then " MoM" muted. */
static void change_line(csm_pdf *p, const csm_tile *t, const csm_cell *chg,
                        const char *what, double x, double y, double w)
{
    const csm_style *st = p->style;
    double fs = small_size(p);
    int dec = p->report->currency_decimals;
    unsigned flags = CSM_FMT_SIGN;
    if (chg->kind == CSM_CELL_RATE && t->value.kind == CSM_CELL_RATE)
        flags |= CSM_FMT_POINTS;
    if (chg->kind == CSM_CELL_MONEY)
        flags |= CSM_FMT_COMPACT;
    char buf[CSM_FMT_BUFSZ];
    const char *v = csm_format_cell(chg, dec, flags, buf);
    int sign = csm_format_cell_sign(chg, dec, flags);
    csm_rgb col = st->muted;
    if (sign != 0)
        col = (sign > 0) == t->higher_is_better ? st->good : st->bad;
    col = csm_pdf_tone_colour(
        st,
        chg->tone == CSM_TONE_GOOD || chg->tone == CSM_TONE_BAD ? chg->tone
                                                                : CSM_TONE_NONE,
        col);
    char *txt;
    if (chg->kind == CSM_CELL_NA || chg->kind == CSM_CELL_EMPTY ||
        strcmp(v, CSM_FMT_NA) == 0)
        txt = csm_xstrdup(CSM_FMT_NA);
    else
        txt = csm_xasprintf("%s %s",
                            sign > 0   ? ARROW_UP
                            : sign < 0 ? ARROW_DOWN
                                       : "=",
                            v);
    double used =
        csm_pdf_text_fit(p, x, y, w, CSM_PDF_LEFT, txt, CSM_PDF_BOLD, fs, col);
    free(txt);
    if (used + 4 < w)
        csm_pdf_text_fit(p, x + used + 3, y, w - used - 3, CSM_PDF_LEFT, what,
                         CSM_PDF_REGULAR, fs, st->muted);
}

static bool undefined(const csm_cell *c)
{
    return c->kind == CSM_CELL_NA || c->kind == CSM_CELL_EMPTY;
}

/* A figure with no history at all (a cohort's save rate) shows no empty
 * change lines; one with some history shows "n/a" where a change is
 * missing. */
static bool has_history(const csm_tile *t)
{
    return !undefined(&t->mom) || !undefined(&t->yoy) || t->n_spark > 0;
}

double csm_pdf_tile_height(const csm_tile *t)
{
    if (has_history(t))
        return CSM_PDF_TILE_H;
    return t->note && *t->note ? 72 : 54;
}

void csm_pdf_draw_tile(csm_pdf *p, const csm_tile *t, double x, double y_top,
                       double w, double h)
{
    if (p->error)
        return;
    const csm_style *st = p->style;
    double pad = 9, fs = small_size(p), inner = w - 2 * pad;
    csm_pdf_rect(p, x, y_top - h, w, h, white);
    csm_pdf_rect_stroke(p, x, y_top - h, w, h, 0.6, st->grid);
    csm_pdf_rect(p, x, y_top - 2.5, w, 2.5, st->primary);
    csm_pdf_text_fit(p, x + pad, y_top - 17, inner, CSM_PDF_LEFT, t->label,
                     CSM_PDF_BOLD, fs, st->muted);

    /* The value, as large as fits. */
    char buf[CSM_FMT_BUFSZ];
    const char *v =
        csm_format_cell(&t->value, p->report->currency_decimals, 0, buf);
    bool money = t->value.kind == CSM_CELL_MONEY && p->report->currency[0];
    double cur_w = money ? csm_pdf_width(p, p->report->currency,
                                         strlen(p->report->currency),
                                         CSM_PDF_REGULAR, fs) +
                               3
                         : 0;
    double size = p->body * 2.1;
    while (size > p->body * 1.2 &&
           csm_pdf_width(p, v, strlen(v), CSM_PDF_BOLD, size) + cur_w > inner)
        size -= 0.5;
    csm_rgb vc = t->value.kind == CSM_CELL_NA ? st->muted : st->text;
    double vw = csm_pdf_text_fit(p, x + pad, y_top - 42, inner, CSM_PDF_LEFT, v,
                                 CSM_PDF_BOLD, size, vc);
    if (money && vw + cur_w <= inner)
        csm_pdf_text(p, x + pad + vw + 3, y_top - 42, CSM_PDF_LEFT,
                     p->report->currency, CSM_PDF_REGULAR, fs, st->muted);

    bool no_history = !has_history(t);
    double spark_w = fmin(w * 0.34, 70), left_w = inner - spark_w - 6;
    if (!no_history) {
        change_line(p, t, &t->mom, "MoM", x + pad, y_top - 58, left_w);
        change_line(p, t, &t->yoy, "YoY", x + pad, y_top - 71, left_w);
        sparkline(p, t, x + w - pad - spark_w, y_top - 73, spark_w, 20);
    }
    if (t->note && *t->note) {
        double nfs = p->body - 2.2;
        csm_pdf_paragraph(p, x + pad, no_history ? y_top - 52 : y_top - 78,
                          inner, t->note, CSM_PDF_REGULAR, nfs, nfs * 1.25,
                          st->muted, 2, true);
    }
}
