/* render/xlsx.c - a report model laid out as an XLSX workbook.
 *
 * One worksheet per section, its blocks top to bottom, written with
 * libxlsxwriter.  Every number comes from the model and stays a number
 * (money in major units with the style's money format, rates as fractions
 * with a percent format, dates as Excel dates); neutral formulas become
 * live A1 formulas whose cached results are the model's values.  Nothing
 * here computes a metric.  docs/xlsx.md describes the layout.
 *
 * The work is done in two passes over the model: the layout pass decides
 * the sheet names and where every block and table lands (so a formula may
 * refer to a table on a later sheet) and measures column widths; the write
 * pass then writes every sheet strictly row by row, which libxlsxwriter's
 * constant-memory mode requires for large workbooks. */
#include "csmetrics/render.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "csmetrics/atomic_file.h"
#include "csmetrics/date.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/xalloc.h"
#include "csmetrics/xlsx_formula.h"

#define XLSX_MAX_ROWS 1048576u
#define XLSX_MAX_COLS 16384u
#define XLSX_STR_MAX 32767 /* characters in one cell */
#define XLSX_HF_MAX 255    /* characters in a print header or footer */
/* A table longer than this switches the workbook to constant memory. */
#define CONSTANT_MEMORY_ROWS 10000
/* Rows above the first block: section title, report line, blank. */
#define HEAD_ROWS 3
/* Rows a chart covers: 288 px at 20 px a row is 14.4 rows, plus room. */
#define CHART_ROWS 16
/* A header further down than this is not frozen: the frozen part would
 * fill the screen. */
#define FREEZE_MAX_ROW 20
#define WIDTH_MIN 8.0
#define WIDTH_MAX 60.0
#define MAX_NUMFMT 64
#define MAX_DECIMALS 6
#define N_TONES 8

typedef enum role {
    R_BODY = 0,
    R_TOTAL,       /* the first totals row: bold with a rule above */
    R_TOTAL_MORE,  /* further totals rows: bold */
    R_HEADER,      /* table header, text column */
    R_HEADER_NUM,  /* table header over numbers: right aligned */
    R_HEADER_AUX,  /* header of chart helper columns */
    R_SHEET_TITLE, /* the section title on row 1 */
    R_SHEET_SUB,   /* the report line under it */
    R_TITLE,       /* block titles */
    R_CAPTION,     /* block captions and legends */
    N_ROLES
} role;

/* One worksheet: its name, widths and where its blocks start. */
typedef struct xsheet {
    const csm_section *sec;
    char name[CSM_XLSX_SHEET_BUFSZ];
    lxw_worksheet *ws;
    double *width; /* characters, per column */
    uint32_t n_cols;
    uint32_t n_rows;
    uint32_t *start;    /* per block: its first row (title) */
    uint32_t *body;     /* per block: its header (or first content) row */
    long long freeze;   /* header row to freeze below, -1 for none */
    long long filter_b; /* block given the autofilter, -1 for none */
} xsheet;

typedef struct xctx {
    const csm_report *r;
    const csm_style *st;
    const char *path;
    csm_diags *diag;
    lxw_workbook *wb;
    xsheet *sheets;
    size_t n_sheets;
    csm_xlsx_place *places;
    size_t n_places;
    char *numfmt[MAX_NUMFMT]; /* [0] is General */
    size_t n_numfmt;
    lxw_format **fmt; /* [role][numfmt][tone][na] */
    char cur[16];     /* " (USD)", or "" without a currency */
    int dec;          /* currency decimals */
    bool failed;
    csm_error err;
} xctx;

/* ----------------------------------------------------------- failures */

static void fail_io(xctx *c, const char *what, const char *why)
{
    if (c->failed)
        return;
    c->failed = true;
    c->err = CSM_EIO;
    csm_loc loc = {.file = c->path, .offset = -1};
    csm_diags_add(c->diag, CSM_SEV_ERROR, "xlsx-write", &loc,
                  "cannot write the workbook (%s): %s", what, why);
}

#ifdef CSM_TESTING
long csm_xlsx_fail_at;
long csm_xlsx_calls;
#endif

/* Under test, turns the chosen status into a failure. */
static lxw_error seam(lxw_error e)
{
#ifdef CSM_TESTING
    if (++csm_xlsx_calls == csm_xlsx_fail_at)
        return LXW_ERROR_CREATING_TMPFILE;
#endif
    return e;
}

/* Every libxlsxwriter status goes through here. */
static bool lxw_ok(xctx *c, lxw_error e, const char *what)
{
    e = seam(e);
    if (e == LXW_NO_ERROR)
        return !c->failed;
    fail_io(c, what, lxw_strerror(e));
    return false;
}

/* ----------------------------------------------------------- text */

static size_t text_units(const char *s)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    long cp;
    for (size_t k; (k = csm_xlsx_utf8_next(p, &cp)) > 0; p += k)
        n++;
    return n;
}

/* Returns s when it can be written as is, else a repaired copy in *own:
 * bytes that are not UTF-8 become U+FFFD (XML must be valid, or Excel
 * offers a repair) and text beyond Excel's 32,767 characters is cut, with
 * a warning either way. */
static const char *safe_text(xctx *c, const char *s, char **own)
{
    *own = NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t chars = 0;
    bool bad = false;
    long cp;
    for (size_t k; (k = csm_xlsx_utf8_next(p, &cp)) > 0; p += k) {
        chars++;
        bad |= cp < 0;
    }
    if (!bad && chars <= XLSX_STR_MAX)
        return s;
    csm_strbuf b = {0};
    p = (const unsigned char *)s;
    chars = 0;
    for (size_t k; (k = csm_xlsx_utf8_next(p, &cp)) > 0 && chars < XLSX_STR_MAX;
         p += k, chars++) {
        if (cp < 0)
            csm_strbuf_puts(&b, "\xEF\xBF\xBD");
        else
            csm_strbuf_append(&b, (const char *)p, k);
    }
    csm_loc loc = {.file = c->path, .offset = -1};
    csm_diags_add(c->diag, CSM_SEV_WARNING, "xlsx-text", &loc,
                  "a text %s; written %s",
                  bad ? "is not valid UTF-8"
                      : "is longer than Excel's "
                        "32767 characters",
                  bad ? "with U+FFFD in place of the bad bytes"
                      : "cut to 32767 characters");
    *own = csm_strbuf_take(&b);
    return *own;
}

/* Display width of text in characters: wide (CJK) characters count two. */
static double text_width(const char *s)
{
    double w = 0;
    const unsigned char *p = (const unsigned char *)s;
    long cp;
    for (size_t k; (k = csm_xlsx_utf8_next(p, &cp)) > 0; p += k)
        w += cp >= 0x2E80 && cp < 0xFF60 ? 2 : 1;
    return w;
}

static bool has_currency(const xctx *c, const char *title)
{
    return c->r->currency[0] && strstr(title, c->r->currency) != NULL;
}

/* "MRR" -> "MRR (USD)": the currency goes into money headers, never into
 * the cells. */
static char *money_title(const xctx *c, const char *title)
{
    if (!c->cur[0] || has_currency(c, title))
        return csm_xstrdup(title);
    return csm_xasprintf("%s%s", title, c->cur);
}

/* ----------------------------------------------------------- formats */

static lxw_color_t rgb(csm_rgb c)
{
    return ((lxw_color_t)c.r << 16) | ((lxw_color_t)c.g << 8) | c.b;
}

static int intern_numfmt(xctx *c, const char *f)
{
    for (size_t i = 1; i < c->n_numfmt; i++)
        if (strcmp(c->numfmt[i], f) == 0)
            return (int)i;
    if (c->n_numfmt == MAX_NUMFMT)
        return 0; /* cannot happen with MAX_DECIMALS; General is safe */
    c->numfmt[c->n_numfmt] = csm_xstrdup(f);
    return (int)c->n_numfmt++;
}

static int clamp_dec(int d)
{
    return d < 0 ? 0 : d > MAX_DECIMALS ? MAX_DECIMALS : d;
}

/* Digits after the point in a format such as "0.0%". */
static int format_decimals(const char *f)
{
    const char *dot = strchr(f, '.');
    int n = 0;
    if (dot)
        while (dot[1 + n] == '0' || dot[1 + n] == '#')
            n++;
    return n;
}

static const char *zeros(int n)
{
    static const char z[] = "000000";
    return z + (MAX_DECIMALS - clamp_dec(n));
}

/* The number format of a cell kind.  A change column (MoM, YoY) shows its
 * sign: "+1.2%" and "-1.2%". */
static int numfmt_for(xctx *c, csm_cell_kind kind, int decimals, bool change)
{
    char buf[160];
    const char *base;
    switch (kind) {
    case CSM_CELL_MONEY:
        base = c->st->money_format;
        break;
    case CSM_CELL_INT:
        base = c->st->int_format;
        break;
    case CSM_CELL_RATE:
        /* The style's format when it has the cell's precision. */
        if (format_decimals(c->st->rate_format) == clamp_dec(decimals)) {
            base = c->st->rate_format;
        } else {
            snprintf(buf, sizeof buf, "0%s%s%%", decimals > 0 ? "." : "",
                     zeros(decimals));
            base = buf;
        }
        break;
    case CSM_CELL_NUMBER:
        snprintf(buf, sizeof buf, "#,##0%s%s", decimals > 0 ? "." : "",
                 zeros(decimals));
        base = buf;
        break;
    case CSM_CELL_POINTS:
        snprintf(buf, sizeof buf, "+0%s%s\" pp\";-0%s%s\" pp\";0%s%s\" pp\"",
                 decimals > 0 ? "." : "", zeros(decimals),
                 decimals > 0 ? "." : "", zeros(decimals),
                 decimals > 0 ? "." : "", zeros(decimals));
        return intern_numfmt(c, buf);
    case CSM_CELL_DATE:
        return intern_numfmt(c, c->st->date_format);
    case CSM_CELL_MONTH:
        return intern_numfmt(c, "yyyy-mm");
    default:
        return 0;
    }
    if (!change || strchr(base, ';'))
        return intern_numfmt(c, base);
    char sig[3 * sizeof buf + 8];
    snprintf(sig, sizeof sig, "+%s;-%s;%s", base, base, base);
    return intern_numfmt(c, sig);
}

static lxw_format *fmt(xctx *c, role ro, int nf, csm_cell_tone tone, bool na)
{
    size_t t = (size_t)tone < N_TONES ? (size_t)tone : 0;
    size_t k = (((size_t)ro * MAX_NUMFMT + (size_t)nf) * N_TONES + t) * 2 +
               (na ? 1 : 0);
    if (c->fmt[k])
        return c->fmt[k];
    lxw_format *f = workbook_add_format(c->wb);
    if (!f) {
        lxw_ok(c, LXW_ERROR_MEMORY_MALLOC_FAILED, "add a cell format");
        return NULL;
    }
    const csm_style *st = c->st;
    if (nf > 0)
        format_set_num_format(f, c->numfmt[nf]);
    format_set_font_color(f, rgb(st->text));
    switch (ro) {
    case R_TOTAL:
        format_set_bold(f);
        format_set_top(f, LXW_BORDER_THIN);
        format_set_top_color(f, rgb(st->text));
        break;
    case R_TOTAL_MORE:
        format_set_bold(f);
        break;
    case R_HEADER:
    case R_HEADER_NUM:
    case R_HEADER_AUX:
        format_set_bold(f);
        format_set_pattern(f, LXW_PATTERN_SOLID);
        format_set_bg_color(f, rgb(st->header_fill));
        format_set_bottom(f, LXW_BORDER_THIN);
        format_set_bottom_color(f, rgb(st->grid));
        if (ro != R_HEADER)
            format_set_align(f, LXW_ALIGN_RIGHT);
        if (ro == R_HEADER_AUX) {
            format_set_italic(f);
            format_set_font_color(f, rgb(st->muted));
        }
        break;
    case R_SHEET_TITLE:
        format_set_bold(f);
        format_set_font_size(f, 14);
        format_set_font_color(f, rgb(st->primary));
        break;
    case R_SHEET_SUB:
        format_set_font_color(f, rgb(st->muted));
        break;
    case R_TITLE:
        format_set_bold(f);
        format_set_font_size(f, 12);
        format_set_font_color(f, rgb(st->primary));
        break;
    case R_CAPTION:
        format_set_italic(f);
        format_set_font_color(f, rgb(st->muted));
        break;
    default:
        break;
    }
    if (na) {
        format_set_font_color(f, rgb(st->muted));
        format_set_align(f, LXW_ALIGN_RIGHT);
    }
    switch ((csm_cell_tone)t) {
    case CSM_TONE_GOOD:
        format_set_font_color(f, rgb(st->good));
        break;
    case CSM_TONE_BAD:
        format_set_font_color(f, rgb(st->bad));
        break;
    case CSM_TONE_MUTED:
        format_set_font_color(f, rgb(st->muted));
        break;
    case CSM_TONE_STRONG:
        format_set_bold(f);
        break;
    case CSM_TONE_GREEN:
    case CSM_TONE_YELLOW:
    case CSM_TONE_RED: {
        csm_rgb band = t == CSM_TONE_GREEN    ? st->band_green
                       : t == CSM_TONE_YELLOW ? st->band_yellow
                                              : st->band_red;
        format_set_pattern(f, LXW_PATTERN_SOLID);
        format_set_bg_color(f, rgb(band));
        /* White reads best on the saturated green and red bands. */
        if (t != CSM_TONE_YELLOW)
            format_set_font_color(f, LXW_COLOR_WHITE);
        break;
    }
    default:
        break;
    }
    c->fmt[k] = f;
    return f;
}

/* ----------------------------------------------------------- cells */

static bool put_str(xctx *c, xsheet *sh, uint32_t row, uint32_t col,
                    const char *s, lxw_format *f)
{
    if (c->failed)
        return false;
    char *own;
    const char *t = safe_text(c, s ? s : "", &own);
    /* Always a string cell: customer text such as "=1+1" or "@x" must
     * never become a formula. */
    lxw_error e = worksheet_write_string(sh->ws, row, (lxw_col_t)col, t, f);
    free(own);
    return lxw_ok(c, e, "write a text cell");
}

static bool put_blank(xctx *c, xsheet *sh, uint32_t row, uint32_t col,
                      lxw_format *f)
{
    if (c->failed)
        return false;
    return lxw_ok(c, worksheet_write_blank(sh->ws, row, (lxw_col_t)col, f),
                  "write a blank cell");
}

static bool put_num(xctx *c, xsheet *sh, uint32_t row, uint32_t col, double v,
                    lxw_format *f)
{
    if (c->failed)
        return false;
    if (!isfinite(v))
        return put_str(c, sh, row, col, "n/a", fmt(c, R_BODY, 0, 0, true));
    return lxw_ok(c, worksheet_write_number(sh->ws, row, (lxw_col_t)col, v, f),
                  "write a number");
}

/* The tone of a MoM/YoY change the model left untoned: good when it moves
 * the way that is better. */
static csm_cell_tone change_tone(const csm_cell *cell, bool higher_is_better,
                                 int dec)
{
    double v;
    if (cell->tone != CSM_TONE_NONE || !csm_xlsx_cell_number(cell, dec, &v) ||
        v == 0)
        return cell->tone;
    return (v > 0) == higher_is_better ? CSM_TONE_GOOD : CSM_TONE_BAD;
}

/* Writes one model cell.  change: a MoM/YoY column (signed format). */
static bool put_cell(xctx *c, xsheet *sh, uint32_t row, uint32_t col,
                     const csm_cell *cell, role ro, bool change,
                     csm_cell_tone tone)
{
    if (c->failed)
        return false;
    double v;
    if (!csm_xlsx_cell_number(cell, c->dec, &v)) {
        char buf[CSM_DATE_BUFSZ];
        switch (cell->kind) {
        case CSM_CELL_TEXT:
            return put_str(c, sh, row, col, cell->v.text,
                           fmt(c, ro, 0, tone, false));
        case CSM_CELL_EMPTY:
            if (ro == R_BODY && tone == CSM_TONE_NONE)
                return true;
            return put_blank(c, sh, row, col, fmt(c, ro, 0, tone, false));
        case CSM_CELL_DATE:
            /* Before 1900-03-01 Excel has no right serial: show text. */
            return put_str(c, sh, row, col, csm_date_format(cell->v.day, buf),
                           fmt(c, ro, 0, tone, false));
        case CSM_CELL_MONTH:
            return put_str(c, sh, row, col,
                           csm_month_format(cell->v.month, buf),
                           fmt(c, ro, 0, tone, false));
        default:
            /* NA, and a non-finite number: never NaN or Inf in a cell. */
            return put_str(c, sh, row, col, "n/a", fmt(c, ro, 0, tone, true));
        }
    }
    lxw_format *f = fmt(
        c, ro, numfmt_for(c, cell->kind, cell->decimals, change), tone, false);
    if (!cell->formula)
        return put_num(c, sh, row, col, v, f);
    csm_strbuf a1 = {0};
    char err[512];
    csm_xlsx_formula_env env = {c->places, c->n_places, sh->name, c->dec};
    if (csm_xlsx_formula_translate(cell->formula, &env, &a1, NULL, NULL, err,
                                   sizeof err) != CSM_OK) {
        /* Checked before the workbook was begun; kept for safety. */
        csm_strbuf_free(&a1);
        c->failed = true;
        c->err = CSM_EUSAGE;
        csm_diags_add(c->diag, CSM_SEV_ERROR, "xlsx-formula", NULL, "%s", err);
        return false;
    }
    /* The model's value is the cached result: right without a recalc. */
    lxw_error e = worksheet_write_formula_num(sh->ws, row, (lxw_col_t)col,
                                              csm_strbuf_str(&a1), f, v);
    csm_strbuf_free(&a1);
    return lxw_ok(c, e, "write a formula");
}

/* ----------------------------------------------------------- layout */

/* How a chart block maps to one native chart type: the majority of its
 * series' styles (LINE and STEP are lines), ties going to the first
 * series' kind. */
typedef enum chart_kind { CK_LINE = 0, CK_COLUMN, CK_STACKED } chart_kind;

static chart_kind series_kind(csm_series_style s)
{
    return s == CSM_SERIES_BAR       ? CK_COLUMN
           : s == CSM_SERIES_STACKED ? CK_STACKED
                                     : CK_LINE;
}

static chart_kind chart_kind_of(const csm_chart *ch)
{
    size_t count[3] = {0, 0, 0};
    for (size_t i = 0; i < ch->n_series; i++)
        count[series_kind(ch->series[i].style)]++;
    chart_kind best = ch->n_series ? series_kind(ch->series[0].style) : CK_LINE;
    for (int k = 0; k < 3; k++)
        if (count[k] > count[best])
            best = (chart_kind)k;
    return best;
}

static bool has_band(const csm_series *s)
{
    return s->lo && s->hi;
}

static uint32_t chart_cols(const csm_chart *ch)
{
    uint32_t n = 1;
    for (size_t i = 0; i < ch->n_series; i++)
        n += has_band(&ch->series[i]) ? 3 : 1;
    return n;
}

static bool chart_drawn(const csm_chart *ch)
{
    return ch->n_points > 0 && ch->n_series > 0;
}

/* The classic waterfall: each step's bar floats on an invisible base.
 * Fills base/total/up/down (minor units) per step; false when a level
 * goes below zero, where floating bars cannot be drawn that way. */
static bool waterfall_bars(const csm_waterfall *w, int64_t *base,
                           int64_t *total, int64_t *up, int64_t *down)
{
    int64_t level = 0;
    bool ok = true;
    for (size_t i = 0; i < w->n_steps; i++) {
        int64_t a = w->steps[i].amount, b = 0, t = 0, u = 0, d = 0;
        csm_step_kind k = w->steps[i].kind;
        if (k == CSM_STEP_DELTA) {
            /* A signed movement (fx) draws up or down by its sign. */
            k = a >= 0 ? CSM_STEP_UP : CSM_STEP_DOWN;
            a = a >= 0 ? a : -a;
        }
        switch (k) {
        case CSM_STEP_START:
        case CSM_STEP_TOTAL:
            t = a;
            level = a;
            break;
        case CSM_STEP_UP:
            b = level;
            u = a;
            level += a;
            break;
        default: /* DOWN: a positive amount drawn downwards */
            level -= a;
            b = level;
            d = a;
            break;
        }
        ok = ok && level >= 0 && b >= 0 && t >= 0 && u >= 0 && d >= 0;
        if (base) {
            base[i] = b;
            total[i] = t;
            up[i] = u;
            down[i] = d;
        }
    }
    return ok;
}

static int64_t step_signed(const csm_waterfall_step *s)
{
    return s->kind == CSM_STEP_DOWN ? -s->amount : s->amount;
}

/* Whether any tile of the block has a previous value, a change or a
 * sparkline.  A block of figures without history (a cohort's save rate)
 * is written as Metric, Value, Note: empty change columns would only
 * puzzle a reader. */
static bool tiles_history(const csm_block *b)
{
    for (size_t i = 0; i < b->u.tiles.n_tiles; i++) {
        const csm_tile *t = &b->u.tiles.tiles[i];
        const csm_cell *v[4] = {&t->previous, &t->mom, &t->year_ago, &t->yoy};
        if (t->n_spark)
            return true;
        for (int k = 0; k < 4; k++)
            if (v[k]->kind != CSM_CELL_EMPTY && v[k]->kind != CSM_CELL_NA)
                return true;
    }
    return false;
}

/* A heatmap with a column axis title has one row for it above the
 * column labels. */
static uint32_t heat_title_rows(const csm_heatmap *h)
{
    return h->col_title && *h->col_title ? 1 : 0;
}

static uint32_t block_cols(const csm_block *b)
{
    switch (b->kind) {
    case CSM_BLOCK_TABLE:
        return (uint32_t)b->u.table.n_columns;
    case CSM_BLOCK_TILES:
        return tiles_history(b) ? 7 : 3;
    case CSM_BLOCK_CHART:
        return chart_cols(&b->u.chart);
    case CSM_BLOCK_WATERFALL:
        return waterfall_bars(&b->u.waterfall, NULL, NULL, NULL, NULL) ? 6 : 2;
    case CSM_BLOCK_HEATMAP:
        return 1 + (uint32_t)b->u.heatmap.n_cols;
    case CSM_BLOCK_NOTES:
        return 1;
    }
    return 1;
}

/* Rows from the block's header (or first content) row to its end. */
static uint64_t block_rows(const csm_block *b)
{
    switch (b->kind) {
    case CSM_BLOCK_TABLE:
        return 1 + (uint64_t)b->u.table.n_rows;
    case CSM_BLOCK_TILES:
        return 1 + (uint64_t)b->u.tiles.n_tiles;
    case CSM_BLOCK_CHART:
        return 1 + (uint64_t)b->u.chart.n_points;
    case CSM_BLOCK_WATERFALL:
        return 1 + (uint64_t)b->u.waterfall.n_steps;
    case CSM_BLOCK_HEATMAP:
        return 1 + heat_title_rows(&b->u.heatmap) +
               (uint64_t)b->u.heatmap.n_rows + (b->u.heatmap.legend ? 1 : 0);
    case CSM_BLOCK_NOTES:
        return (uint64_t)b->u.notes.n_lines;
    }
    return 0;
}

static bool block_has_chart(const csm_block *b)
{
    return (b->kind == CSM_BLOCK_CHART && chart_drawn(&b->u.chart)) ||
           (b->kind == CSM_BLOCK_WATERFALL && b->u.waterfall.n_steps > 0);
}

static void widen(xsheet *sh, uint32_t col, double w)
{
    if (col >= sh->n_cols) {
        sh->width = csm_xreallocarray(sh->width, col + 1, sizeof *sh->width);
        for (uint32_t i = sh->n_cols; i <= col; i++)
            sh->width[i] = 0;
        sh->n_cols = col + 1;
    }
    if (w > sh->width[col])
        sh->width[col] = w;
}

/* Characters a number takes in its format, roughly: digits, thousands
 * separators, decimals, sign. */
static double number_width(double v, int decimals, bool percent)
{
    if (!isfinite(v))
        return 3;
    if (percent)
        v *= 100;
    double a = fabs(v);
    int digits = a >= 1 ? (int)floor(log10(a)) + 1 : 1;
    if (digits > 20)
        digits = 20;
    return digits + (digits - 1) / 3 + (decimals > 0 ? decimals + 1 : 0) + 1 +
           (percent ? 1 : 0);
}

static double cell_width(const xctx *c, const csm_cell *cell)
{
    switch (cell->kind) {
    case CSM_CELL_TEXT:
        return text_width(cell->v.text);
    case CSM_CELL_MONEY:
        return number_width((double)cell->v.i / pow(10, c->dec),
                            format_decimals(c->st->money_format), false);
    case CSM_CELL_INT:
        return number_width((double)cell->v.i, 0, false);
    case CSM_CELL_RATE:
        return number_width(cell->v.d, clamp_dec(cell->decimals), true);
    case CSM_CELL_NUMBER:
        return number_width(cell->v.d, clamp_dec(cell->decimals), false);
    case CSM_CELL_POINTS:
        return number_width(cell->v.d * 100.0, clamp_dec(cell->decimals),
                            false) +
               3;
    case CSM_CELL_DATE:
        return 10;
    case CSM_CELL_MONTH:
        return 7;
    case CSM_CELL_NA:
        return 3;
    case CSM_CELL_EMPTY:
        return 0;
    }
    return 0;
}

static void measure_table(xctx *c, xsheet *sh, const csm_table *t)
{
    for (size_t j = 0; j < t->n_columns; j++) {
        const csm_column *col = &t->columns[j];
        double w = text_width(col->title) + 1 + (t->detail ? 2 : 0);
        if (col->kind == CSM_CELL_MONEY && c->cur[0] &&
            !has_currency(c, col->title))
            w += (double)strlen(c->cur);
        widen(sh, (uint32_t)j, w);
        for (size_t i = 0; i < t->n_rows; i++)
            widen(sh, (uint32_t)j,
                  cell_width(c, &t->cells[i * t->n_columns + j]));
    }
}

static const char *const tile_headers[7] = {
    "Metric",     "Value", "Previous month", "MoM change", "Year ago",
    "YoY change", "Note"};

static void measure_block(xctx *c, xsheet *sh, const csm_block *b)
{
    switch (b->kind) {
    case CSM_BLOCK_TABLE:
        measure_table(c, sh, &b->u.table);
        break;
    case CSM_BLOCK_TILES: {
        bool hist = tiles_history(b);
        uint32_t note_col = hist ? 6 : 2;
        for (uint32_t j = 0; j < 7; j++)
            if (hist || j < 2)
                widen(sh, j, text_width(tile_headers[j]) + 1);
        widen(sh, note_col, text_width(tile_headers[6]) + 1);
        for (size_t i = 0; i < b->u.tiles.n_tiles; i++) {
            const csm_tile *t = &b->u.tiles.tiles[i];
            widen(sh, 0, text_width(t->label) + (double)strlen(c->cur));
            const csm_cell *v[5] = {&t->value, &t->previous, &t->mom,
                                    &t->year_ago, &t->yoy};
            for (uint32_t j = 0; j < (hist ? 5u : 1u); j++)
                widen(sh, j + 1, cell_width(c, v[j]) + 1);
            if (t->note)
                widen(sh, note_col, text_width(t->note));
        }
        break;
    }
    case CSM_BLOCK_CHART: {
        const csm_chart *ch = &b->u.chart;
        widen(sh, 0, ch->x_title ? text_width(ch->x_title) + 1 : 0);
        for (size_t i = 0; i < ch->n_points; i++)
            widen(sh, 0, text_width(ch->x_labels[i]));
        uint32_t col = 1;
        for (size_t s = 0; s < ch->n_series; s++) {
            uint32_t n = has_band(&ch->series[s]) ? 3 : 1;
            for (uint32_t k = 0; k < n; k++)
                widen(sh, col + k,
                      text_width(ch->series[s].name) + 6 +
                          (double)strlen(c->cur));
            col += n;
        }
        break;
    }
    case CSM_BLOCK_WATERFALL: {
        const csm_waterfall *w = &b->u.waterfall;
        widen(sh, 0, 5);
        uint32_t nc = block_cols(b);
        for (uint32_t j = 1; j < nc; j++)
            widen(sh, j, 16);
        for (size_t i = 0; i < w->n_steps; i++) {
            widen(sh, 0, text_width(w->steps[i].label));
            widen(sh, 1,
                  number_width((double)w->steps[i].amount / pow(10, c->dec),
                               format_decimals(c->st->money_format), false) +
                      1);
        }
        break;
    }
    case CSM_BLOCK_HEATMAP: {
        const csm_heatmap *h = &b->u.heatmap;
        for (size_t i = 0; i < h->n_rows; i++)
            widen(sh, 0, text_width(h->row_labels[i]));
        if (h->row_title)
            widen(sh, 0, text_width(h->row_title) + 1);
        for (size_t j = 0; j < h->n_cols; j++)
            widen(sh, (uint32_t)j + 1, text_width(h->col_labels[j]) + 1);
        for (size_t j = 0; j < h->n_cols; j++)
            widen(sh, (uint32_t)j + 1,
                  number_width(1, format_decimals(c->st->rate_format), true));
        break;
    }
    case CSM_BLOCK_NOTES:
        break; /* long lines run on over the empty cells to their right */
    }
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 2, 3)))
#endif
static void
layout_fail(xctx *c, const char *fmt_, ...)
{
    if (c->failed)
        return;
    c->failed = true;
    c->err = CSM_EIO;
    csm_loc loc = {.file = c->path, .offset = -1};
    char msg[512];
    va_list ap;
    va_start(ap, fmt_);
    vsnprintf(msg, sizeof msg, fmt_, ap);
    va_end(ap);
    csm_diags_add(c->diag, CSM_SEV_ERROR, "xlsx-size", &loc, "%s", msg);
}

/* Decides sheet names, block rows, table places, widths, freeze rows and
 * autofilters.  Returns false (with a diagnostic) when a sheet would not
 * fit Excel's grid or a table id is used twice. */
static bool layout(xctx *c)
{
    const csm_report *r = c->r;
    size_t n = r->n_sections ? r->n_sections : 1;
    c->sheets = csm_xcalloc(n, sizeof *c->sheets);
    c->n_sheets = n;
    const char **used = csm_xcalloc(n, sizeof *used);
    size_t n_tables = 0;
    for (size_t s = 0; s < r->n_sections; s++)
        for (size_t b = 0; b < r->sections[s].n_blocks; b++)
            n_tables += r->sections[s].blocks[b].kind == CSM_BLOCK_TABLE;
    c->places = csm_xcalloc(n_tables ? n_tables : 1, sizeof *c->places);

    for (size_t s = 0; s < n; s++) {
        xsheet *sh = &c->sheets[s];
        sh->freeze = -1;
        sh->filter_b = -1;
        const csm_section *sec = r->n_sections ? &r->sections[s] : NULL;
        sh->sec = sec;
        const char *title =
            sec ? (sec->title && sec->title[0] ? sec->title : sec->id)
                : r->title;
        csm_xlsx_sheet_name(title, used, s, sh->name);
        used[s] = sh->name;
        widen(sh, 0, WIDTH_MIN);
        if (!sec)
            continue;
        sh->start =
            csm_xcalloc(sec->n_blocks ? sec->n_blocks : 1, sizeof *sh->start);
        sh->body =
            csm_xcalloc(sec->n_blocks ? sec->n_blocks : 1, sizeof *sh->body);
        uint64_t row = HEAD_ROWS;
        long long first_hdr = -1, detail_hdr = -1;
        for (size_t bi = 0; bi < sec->n_blocks; bi++) {
            const csm_block *b = &sec->blocks[bi];
            uint64_t start = row;
            row +=
                (uint64_t)(b->title ? 1 : 0) + (uint64_t)(b->caption ? 1 : 0);
            uint64_t body = row;
            uint64_t end = body + block_rows(b);
            if (block_has_chart(b) && end < start + CHART_ROWS)
                end = start + CHART_ROWS;
            if (end > XLSX_MAX_ROWS) {
                layout_fail(c,
                            "sheet \"%s\" needs more than %llu rows, the "
                            "most an XLSX sheet holds",
                            sh->name, (unsigned long long)XLSX_MAX_ROWS);
                break;
            }
            if (block_cols(b) + (block_has_chart(b) ? 10 : 0) > XLSX_MAX_COLS) {
                layout_fail(c,
                            "sheet \"%s\" needs more than %llu columns, the "
                            "most an XLSX sheet holds",
                            sh->name, (unsigned long long)XLSX_MAX_COLS);
                break;
            }
            sh->start[bi] = (uint32_t)start;
            sh->body[bi] = (uint32_t)body;
            /* Tables, tiles and heatmaps have a header worth freezing;
             * a chart's data table sits beside its chart. */
            if ((b->kind == CSM_BLOCK_TABLE || b->kind == CSM_BLOCK_TILES ||
                 b->kind == CSM_BLOCK_HEATMAP) &&
                first_hdr < 0)
                first_hdr =
                    (long long)body + (b->kind == CSM_BLOCK_HEATMAP
                                           ? heat_title_rows(&b->u.heatmap)
                                           : 0);
            if (b->kind == CSM_BLOCK_TABLE) {
                const csm_table *t = &b->u.table;
                for (size_t p = 0; p < c->n_places; p++) {
                    if (strcmp(c->places[p].table->id, t->id) == 0) {
                        c->failed = true;
                        c->err = CSM_EUSAGE;
                        csm_diags_add(c->diag, CSM_SEV_ERROR, "xlsx-formula",
                                      NULL,
                                      "table id \"%s\" is used twice in the "
                                      "report",
                                      t->id);
                    }
                }
                c->places[c->n_places++] =
                    (csm_xlsx_place){t, sh->name, (uint32_t)body, 0};
                if (t->detail && detail_hdr < 0) {
                    detail_hdr = (long long)body;
                    /* Excel allows one autofilter per sheet. */
                    sh->filter_b = (long long)bi;
                }
            }
            measure_block(c, sh, b);
            row = end + 1;
        }
        sh->n_rows = (uint32_t)(row < XLSX_MAX_ROWS ? row : XLSX_MAX_ROWS);
        long long fr = detail_hdr >= 0 ? detail_hdr : first_hdr;
        if (fr >= 0 && fr <= FREEZE_MAX_ROW)
            sh->freeze = fr;
        else if (first_hdr >= 0 && first_hdr <= FREEZE_MAX_ROW)
            sh->freeze = first_hdr;
    }
    free(used);
    return !c->failed;
}

/* Checks every formula before any file is touched: an unknown table,
 * column or row is a bug in the model and must not give a broken
 * workbook.  Also warns when a cached value is not what the formula
 * gives. */
static void check_formula(xctx *c, const xsheet *sh, const csm_cell *cell,
                          const char *where)
{
    csm_strbuf a1 = {0};
    char err[512];
    double v = 0, cached = 0;
    bool ok = false;
    csm_xlsx_formula_env env = {c->places, c->n_places, sh->name, c->dec};
    if (csm_xlsx_formula_translate(cell->formula, &env, &a1, &v, &ok, err,
                                   sizeof err) != CSM_OK) {
        c->failed = true;
        c->err = CSM_EUSAGE;
        csm_diags_add(c->diag, CSM_SEV_ERROR, "xlsx-formula", NULL, "%s: %s",
                      where, err);
    } else if (csm_xlsx_cell_number(cell, c->dec, &cached)) {
        double tol =
            cell->kind == CSM_CELL_MONEY ? 0.5 / pow(10, c->dec) : 1e-9;
        tol = fmax(tol, 1e-12 * fmax(fabs(v), fabs(cached)));
        if (!ok)
            csm_diags_add(c->diag, CSM_SEV_WARNING, "xlsx-formula-value", NULL,
                          "%s: formula \"%s\" refers to a cell that is not a "
                          "number; Excel will show #VALUE!",
                          where, cell->formula);
        else if (fabs(v - cached) > tol)
            csm_diags_add(c->diag, CSM_SEV_WARNING, "xlsx-formula-value", NULL,
                          "%s: formula \"%s\" gives %.10g but the model's "
                          "value is %.10g",
                          where, cell->formula, v, cached);
    }
    csm_strbuf_free(&a1);
}

static void check_formulas(xctx *c)
{
    for (size_t s = 0; s < c->r->n_sections; s++) {
        const xsheet *sh = &c->sheets[s];
        const csm_section *sec = sh->sec;
        for (size_t bi = 0; bi < sec->n_blocks; bi++) {
            const csm_block *b = &sec->blocks[bi];
            char where[512];
            if (b->kind == CSM_BLOCK_TABLE) {
                const csm_table *t = &b->u.table;
                for (size_t i = 0; i < t->n_rows; i++)
                    for (size_t j = 0; j < t->n_columns; j++) {
                        const csm_cell *cell = &t->cells[i * t->n_columns + j];
                        if (!cell->formula)
                            continue;
                        snprintf(where, sizeof where,
                                 "section \"%s\", table \"%s\", row %zu, "
                                 "column \"%s\"",
                                 sec->id, t->id, i + 1, t->columns[j].id);
                        check_formula(c, sh, cell, where);
                    }
            } else if (b->kind == CSM_BLOCK_TILES) {
                for (size_t i = 0; i < b->u.tiles.n_tiles; i++) {
                    const csm_tile *t = &b->u.tiles.tiles[i];
                    const csm_cell *v[5] = {&t->value, &t->previous, &t->mom,
                                            &t->year_ago, &t->yoy};
                    for (int k = 0; k < 5; k++) {
                        if (!v[k]->formula)
                            continue;
                        snprintf(where, sizeof where,
                                 "section \"%s\", tile \"%s\"", sec->id,
                                 t->label);
                        check_formula(c, sh, v[k], where);
                    }
                }
            }
        }
    }
}

/* ----------------------------------------------------------- blocks */

static bool write_table(xctx *c, xsheet *sh, const csm_table *t, uint32_t hdr)
{
    for (size_t j = 0; j < t->n_columns; j++) {
        const csm_column *col = &t->columns[j];
        bool num = col->kind != CSM_CELL_TEXT && col->kind != CSM_CELL_EMPTY;
        char *title = col->kind == CSM_CELL_MONEY ? money_title(c, col->title)
                                                  : csm_xstrdup(col->title);
        bool ok = put_str(c, sh, hdr, (uint32_t)j, title,
                          fmt(c, num ? R_HEADER_NUM : R_HEADER, 0, 0, false));
        free(title);
        if (!ok)
            return false;
    }
    size_t first_total =
        t->n_rows - (t->total_rows < t->n_rows ? t->total_rows : t->n_rows);
    for (size_t i = 0; i < t->n_rows; i++) {
        role ro = i < first_total    ? R_BODY
                  : i == first_total ? R_TOTAL
                                     : R_TOTAL_MORE;
        for (size_t j = 0; j < t->n_columns; j++) {
            const csm_cell *cell = &t->cells[i * t->n_columns + j];
            if (!put_cell(c, sh, hdr + 1 + (uint32_t)i, (uint32_t)j, cell, ro,
                          false, cell->tone))
                return false;
        }
    }
    return true;
}

static bool table_filter(xctx *c, xsheet *sh, const csm_table *t, uint32_t hdr)
{
    if (t->n_columns == 0)
        return true;
    /* Totals rows stay out of the filter so sorting cannot move them. */
    size_t data =
        t->n_rows - (t->total_rows < t->n_rows ? t->total_rows : t->n_rows);
    return lxw_ok(c,
                  worksheet_autofilter(sh->ws, hdr, 0, hdr + (uint32_t)data,
                                       (lxw_col_t)(t->n_columns - 1)),
                  "set an autofilter");
}

static bool write_tiles(xctx *c, xsheet *sh, const csm_block *b, uint32_t hdr)
{
    bool hist = tiles_history(b);
    uint32_t note_col = hist ? 6 : 2;
    for (uint32_t j = 0; j < 7; j++) {
        if (!hist && j >= 2 && j < 6)
            continue;
        if (!put_str(c, sh, hdr, j == 6 ? note_col : j, tile_headers[j],
                     fmt(c, j == 0 || j == 6 ? R_HEADER : R_HEADER_NUM, 0, 0,
                         false)))
            return false;
    }
    for (size_t i = 0; i < b->u.tiles.n_tiles; i++) {
        const csm_tile *t = &b->u.tiles.tiles[i];
        uint32_t row = hdr + 1 + (uint32_t)i;
        char *label = t->value.kind == CSM_CELL_MONEY ? money_title(c, t->label)
                                                      : csm_xstrdup(t->label);
        bool ok = put_str(c, sh, row, 0, label, fmt(c, R_BODY, 0, 0, false));
        free(label);
        ok = ok &&
             put_cell(c, sh, row, 1, &t->value, R_BODY, false, t->value.tone);
        ok = ok &&
             (!hist ||
              (put_cell(c, sh, row, 2, &t->previous, R_BODY, false,
                        t->previous.tone) &&
               put_cell(c, sh, row, 3, &t->mom, R_BODY, true,
                        change_tone(&t->mom, t->higher_is_better, c->dec)) &&
               put_cell(c, sh, row, 4, &t->year_ago, R_BODY, false,
                        t->year_ago.tone) &&
               put_cell(c, sh, row, 5, &t->yoy, R_BODY, true,
                        change_tone(&t->yoy, t->higher_is_better, c->dec))));
        if (ok && t->note)
            ok = put_str(c, sh, row, note_col, t->note,
                         fmt(c, R_BODY, 0, CSM_TONE_MUTED, false));
        if (!ok)
            return false;
    }
    return true;
}

static lxw_chart_series *add_series(xctx *c, lxw_chart *chart, const xsheet *sh,
                                    uint32_t first, uint32_t last, uint32_t col)
{
    lxw_chart_series *s = chart_add_series(chart, NULL, NULL);
    if (!s) {
        lxw_ok(c, LXW_ERROR_MEMORY_MALLOC_FAILED, "add a chart series");
        return NULL;
    }
    chart_series_set_categories(s, sh->name, first, 0, last, 0);
    chart_series_set_values(s, sh->name, first, (lxw_col_t)col, last,
                            (lxw_col_t)col);
    return s;
}

static void style_series(lxw_chart_series *s, chart_kind k, lxw_color_t col,
                         size_t n_points, bool band)
{
    if (k == CK_LINE) {
        lxw_chart_line line = {.color = col, .width = band ? 0.75f : 2.25f};
        if (band)
            line.dash_type = LXW_CHART_LINE_DASH_DASH;
        chart_series_set_line(s, &line);
        /* Markers only where points are few enough to tell apart; a
         * one-point line would otherwise be invisible. */
        if (band || n_points > 24) {
            chart_series_set_marker_type(s, LXW_CHART_MARKER_NONE);
        } else {
            lxw_chart_fill fill = {.color = col};
            lxw_chart_line mline = {.color = col};
            chart_series_set_marker_type(s, LXW_CHART_MARKER_CIRCLE);
            chart_series_set_marker_size(s, 5);
            chart_series_set_marker_fill(s, &fill);
            chart_series_set_marker_line(s, &mline);
        }
    } else {
        lxw_chart_fill fill = {.color = col};
        chart_series_set_fill(s, &fill);
    }
}

static lxw_color_t series_colour(const xctx *c, const csm_series *s, size_t i)
{
    const csm_style *st = c->st;
    switch (s->tone) {
    case CSM_TONE_GOOD:
        return rgb(st->good);
    case CSM_TONE_BAD:
        return rgb(st->bad);
    case CSM_TONE_GREEN:
        return rgb(st->band_green);
    case CSM_TONE_YELLOW:
        return rgb(st->band_yellow);
    case CSM_TONE_RED:
        return rgb(st->band_red);
    case CSM_TONE_MUTED:
        return rgb(st->muted);
    default:
        break;
    }
    size_t k = s->palette >= 0 ? (size_t)s->palette : i;
    return rgb(st->series[k % CSM_STYLE_SERIES]);
}

static const char *axis_format(csm_axis_format f)
{
    switch (f) {
    case CSM_AXIS_MONEY:
    case CSM_AXIS_COUNT:
        return "#,##0";
    case CSM_AXIS_RATE:
        return "0%";
    default:
        return "General";
    }
}

static int axis_cell_numfmt(xctx *c, csm_axis_format f)
{
    switch (f) {
    case CSM_AXIS_MONEY:
        return intern_numfmt(c, c->st->money_format);
    case CSM_AXIS_RATE:
        return intern_numfmt(c, c->st->rate_format);
    case CSM_AXIS_COUNT:
        return intern_numfmt(c, c->st->int_format);
    default:
        return intern_numfmt(c, "#,##0.00");
    }
}

static void chart_frame(xctx *c, lxw_chart *chart, const csm_block *b,
                        size_t n_series)
{
    lxw_chart_font title_font = {
        .bold = LXW_TRUE, .size = 11, .color = rgb(c->st->primary)};
    if (b->title) {
        chart_title_set_name(chart, b->title);
        chart_title_set_name_font(chart, &title_font);
    } else {
        chart_title_off(chart);
    }
    chart_legend_set_position(chart, n_series > 1 ? LXW_CHART_LEGEND_BOTTOM
                                                  : LXW_CHART_LEGEND_NONE);
    lxw_chart_line grid = {.color = rgb(c->st->grid)};
    chart_axis_major_gridlines_set_visible(chart->y_axis, LXW_TRUE);
    chart_axis_major_gridlines_set_line(chart->y_axis, &grid);
    chart_show_blanks_as(chart, LXW_CHART_BLANKS_AS_GAP);
}

static bool insert_chart(xctx *c, xsheet *sh, uint32_t row, uint32_t col,
                         lxw_chart *chart, size_t n_points)
{
    lxw_chart_options o = {.x_offset = 8,
                           .y_offset = 4,
                           .x_scale = n_points > 24   ? 1.5
                                      : n_points > 12 ? 1.25
                                                      : 1,
                           .y_scale = 1};
    return lxw_ok(
        c, worksheet_insert_chart_opt(sh->ws, row, (lxw_col_t)col, chart, &o),
        "insert a chart");
}

/* The chart's data as a table: x labels, then one column per series
 * (and its interval ends). */
static bool write_chart(xctx *c, xsheet *sh, const csm_block *b, uint32_t hdr)
{
    const csm_chart *ch = &b->u.chart;
    bool money = ch->y_format == CSM_AXIS_MONEY;
    if (!put_str(c, sh, hdr, 0, ch->x_title ? ch->x_title : "",
                 fmt(c, R_HEADER, 0, 0, false)))
        return false;
    uint32_t col = 1;
    for (size_t s = 0; s < ch->n_series; s++) {
        const csm_series *se = &ch->series[s];
        char *name = money ? money_title(c, se->name) : csm_xstrdup(se->name);
        bool ok =
            put_str(c, sh, hdr, col++, name, fmt(c, R_HEADER_NUM, 0, 0, false));
        if (ok && has_band(se)) {
            char *lo = csm_xasprintf("%s low", name);
            char *hi = csm_xasprintf("%s high", name);
            ok = put_str(c, sh, hdr, col++, lo,
                         fmt(c, R_HEADER_NUM, 0, 0, false)) &&
                 put_str(c, sh, hdr, col++, hi,
                         fmt(c, R_HEADER_NUM, 0, 0, false));
            free(lo);
            free(hi);
        }
        free(name);
        if (!ok)
            return false;
    }
    lxw_format *vf =
        fmt(c, R_BODY, axis_cell_numfmt(c, ch->y_format), 0, false);
    for (size_t i = 0; i < ch->n_points; i++) {
        uint32_t row = hdr + 1 + (uint32_t)i;
        if (!put_str(c, sh, row, 0, ch->x_labels[i],
                     fmt(c, R_BODY, 0, 0, false)))
            return false;
        col = 1;
        for (size_t s = 0; s < ch->n_series; s++) {
            const csm_series *se = &ch->series[s];
            /* An undefined point stays blank: the chart shows a gap, where
             * text would be drawn as zero. */
            if (se->defined[i] && isfinite(se->y[i]) &&
                !put_num(c, sh, row, col, se->y[i], vf))
                return false;
            col++;
            if (has_band(se)) {
                if (se->defined[i] && isfinite(se->lo[i]) &&
                    !put_num(c, sh, row, col, se->lo[i], vf))
                    return false;
                if (se->defined[i] && isfinite(se->hi[i]) &&
                    !put_num(c, sh, row, col + 1, se->hi[i], vf))
                    return false;
                col += 2;
            }
        }
    }
    return true;
}

/* The native chart over the data table that write_chart fills in. */
static bool chart_object(xctx *c, xsheet *sh, const csm_block *b,
                         uint32_t start, uint32_t hdr)
{
    const csm_chart *ch = &b->u.chart;
    bool money = ch->y_format == CSM_AXIS_MONEY;
    uint32_t col;
    if (!chart_drawn(ch))
        return true;
    chart_kind k = chart_kind_of(ch);
    uint8_t type = k == CK_LINE     ? LXW_CHART_LINE
                   : k == CK_COLUMN ? LXW_CHART_COLUMN
                                    : LXW_CHART_COLUMN_STACKED;
    lxw_chart *chart = workbook_add_chart(c->wb, type);
    if (!chart)
        return lxw_ok(c, LXW_ERROR_MEMORY_MALLOC_FAILED, "add a chart");
    uint32_t first = hdr + 1, last = hdr + (uint32_t)ch->n_points;
    int16_t hidden[CSM_STYLE_SERIES * 8 + 1];
    size_t n_hidden = 0, n_chart = 0;
    col = 1;
    for (size_t s = 0; s < ch->n_series; s++) {
        const csm_series *se = &ch->series[s];
        lxw_color_t colour = series_colour(c, se, s);
        lxw_chart_series *cs = add_series(c, chart, sh, first, last, col);
        if (!cs)
            return false;
        chart_series_set_name(cs, se->name);
        style_series(cs, k, colour, ch->n_points, false);
        n_chart++;
        col++;
        if (has_band(se)) {
            /* Interval ends are drawn as thin dashed lines on line charts
             * and left to the table on column charts. */
            if (k == CK_LINE) {
                for (uint32_t e = 0; e < 2; e++) {
                    lxw_chart_series *bs =
                        add_series(c, chart, sh, first, last, col + e);
                    if (!bs)
                        return false;
                    style_series(bs, k, colour, ch->n_points, true);
                    if (n_hidden + 1 < sizeof hidden / sizeof *hidden)
                        hidden[n_hidden++] = (int16_t)n_chart;
                    n_chart++;
                }
            }
            col += 2;
        }
    }
    chart_frame(c, chart, b, ch->n_series);
    if (n_hidden) {
        hidden[n_hidden] = -1;
        if (!lxw_ok(c, chart_legend_delete_series(chart, hidden),
                    "hide interval lines from a legend"))
            return false;
    }
    chart_axis_set_num_format(chart->y_axis, axis_format(ch->y_format));
    if (ch->y_title) {
        char *t =
            money ? money_title(c, ch->y_title) : csm_xstrdup(ch->y_title);
        chart_axis_set_name(chart->y_axis, t);
        free(t);
    } else if (money && c->r->currency[0]) {
        chart_axis_set_name(chart->y_axis, c->r->currency);
    }
    if (ch->x_title)
        chart_axis_set_name(chart->x_axis, ch->x_title);
    if (ch->y_from_zero) {
        bool negative = false;
        for (size_t s = 0; s < ch->n_series; s++)
            for (size_t i = 0; i < ch->n_points; i++)
                negative |= ch->series[s].defined[i] && ch->series[s].y[i] < 0;
        if (!negative)
            chart_axis_set_min(chart->y_axis, 0);
    }
    return insert_chart(c, sh, start, chart_cols(ch) + 1, chart, ch->n_points);
}

/* The waterfall's chart: the classic stacked one (an invisible base under
 * total, increase and decrease bars) or, when a level goes below zero,
 * plain signed columns coloured one by one. */
static bool waterfall_chart(xctx *c, xsheet *sh, const csm_block *b,
                            uint32_t start, uint32_t hdr)
{
    const csm_waterfall *w = &b->u.waterfall;
    size_t n = w->n_steps;
    if (n == 0)
        return true;
    bool classic = waterfall_bars(w, NULL, NULL, NULL, NULL);
    lxw_chart *chart = workbook_add_chart(
        c->wb, classic ? LXW_CHART_COLUMN_STACKED : LXW_CHART_COLUMN);
    if (!chart)
        return lxw_ok(c, LXW_ERROR_MEMORY_MALLOC_FAILED, "add a chart");
    uint32_t first = hdr + 1, last = hdr + (uint32_t)n;
    const csm_style *st = c->st;
    if (classic) {
        lxw_color_t colours[4] = {0, rgb(st->primary), rgb(st->good),
                                  rgb(st->bad)};
        static const char *const names[4] = {"Base", "Total", "Increase",
                                             "Decrease"};
        for (uint32_t j = 0; j < 4; j++) {
            lxw_chart_series *s = add_series(c, chart, sh, first, last, 2 + j);
            if (!s)
                return false;
            chart_series_set_name(s, names[j]);
            lxw_chart_fill fill = {.color = colours[j], .none = j == 0};
            lxw_chart_line line = {.none = LXW_TRUE};
            chart_series_set_fill(s, &fill);
            chart_series_set_line(s, &line);
        }
        chart_set_series_gap(chart, 60);
        int16_t hide[] = {0, -1};
        if (!lxw_ok(c, chart_legend_delete_series(chart, hide),
                    "hide a chart series from the legend"))
            return false;
    } else {
        lxw_chart_series *s = add_series(c, chart, sh, first, last, 1);
        if (!s)
            return false;
        chart_series_set_name(s, "Amount");
        lxw_chart_fill *fills = csm_xcalloc(n, sizeof *fills);
        lxw_chart_point *pts = csm_xcalloc(n, sizeof *pts);
        lxw_chart_point **pp = csm_xcalloc(n + 1, sizeof *pp);
        for (size_t i = 0; i < n; i++) {
            const csm_waterfall_step *ws = &w->steps[i];
            bool level =
                ws->kind == CSM_STEP_START || ws->kind == CSM_STEP_TOTAL;
            fills[i].color = level                  ? rgb(st->primary)
                             : step_signed(ws) >= 0 ? rgb(st->good)
                                                    : rgb(st->bad);
            pts[i].fill = &fills[i];
            pp[i] = &pts[i];
        }
        lxw_error e = chart_series_set_points(s, pp);
        free(pp);
        free(pts);
        free(fills);
        if (!lxw_ok(c, e, "colour chart columns"))
            return false;
    }
    chart_frame(c, chart, b, 1);
    chart_axis_set_num_format(chart->y_axis, "#,##0");
    if (c->r->currency[0])
        chart_axis_set_name(chart->y_axis, c->r->currency);
    return insert_chart(c, sh, start, block_cols(b) + 1, chart, n);
}

/* The waterfall's steps as a table: Step, signed Amount and, for the
 * classic chart, its helper columns. */
static bool write_waterfall(xctx *c, xsheet *sh, const csm_block *b,
                            uint32_t hdr)
{
    const csm_waterfall *w = &b->u.waterfall;
    size_t n = w->n_steps;
    int64_t *bars = csm_xcalloc(4 * (n ? n : 1), sizeof *bars);
    int64_t *base = bars, *total = bars + n, *up = bars + 2 * n,
            *down = bars + 3 * n;
    bool classic = waterfall_bars(w, base, total, up, down);
    bool ok = false;
    double div = pow(10, c->dec);
    int mf = numfmt_for(c, CSM_CELL_MONEY, 0, false);
    int sf = numfmt_for(c, CSM_CELL_MONEY, 0, true);
    char *amount = money_title(c, "Amount");
    static const char *const aux[4] = {"Chart: base", "Chart: total",
                                       "Chart: increase", "Chart: decrease"};
    if (!put_str(c, sh, hdr, 0, "Step", fmt(c, R_HEADER, 0, 0, false)) ||
        !put_str(c, sh, hdr, 1, amount, fmt(c, R_HEADER_NUM, 0, 0, false)))
        goto done;
    for (uint32_t j = 0; classic && j < 4; j++)
        if (!put_str(c, sh, hdr, 2 + j, aux[j],
                     fmt(c, R_HEADER_AUX, 0, 0, false)))
            goto done;
    for (size_t i = 0; i < n; i++) {
        const csm_waterfall_step *st = &w->steps[i];
        uint32_t row = hdr + 1 + (uint32_t)i;
        bool level = st->kind == CSM_STEP_START || st->kind == CSM_STEP_TOTAL;
        csm_cell_tone tone = level                  ? CSM_TONE_STRONG
                             : step_signed(st) >= 0 ? CSM_TONE_GOOD
                                                    : CSM_TONE_BAD;
        /* Movements carry their sign so the column reads as a bridge:
         * opening, +new, -churn, closing. */
        if (!put_str(c, sh, row, 0, st->label,
                     fmt(c, R_BODY, 0, level ? CSM_TONE_STRONG : 0, false)) ||
            !put_num(c, sh, row, 1, (double)step_signed(st) / div,
                     fmt(c, R_BODY, level ? mf : sf, tone, false)))
            goto done;
        if (classic) {
            int64_t v[4] = {base[i], total[i], up[i], down[i]};
            for (uint32_t j = 0; j < 4; j++)
                if (v[j] != 0 &&
                    !put_num(c, sh, row, 2 + j, (double)v[j] / div,
                             fmt(c, R_BODY, mf, CSM_TONE_MUTED, false)))
                    goto done;
        }
    }
    ok = true;
done:
    free(amount);
    free(bars);
    return ok && !c->failed;
}

/* The heatmap's colour scale from heat_low to heat_high; blank
 * (unobserved) cells take no colour. */
static bool heatmap_scale(xctx *c, xsheet *sh, const csm_heatmap *h,
                          uint32_t hdr)
{
    hdr += heat_title_rows(h);
    if (h->n_rows && h->n_cols) {
        bool fixed = isfinite(h->scale_min) && isfinite(h->scale_max) &&
                     h->scale_min < h->scale_max;
        lxw_conditional_format cf = {
            .type = LXW_CONDITIONAL_2_COLOR_SCALE,
            .min_rule_type = fixed ? LXW_CONDITIONAL_RULE_TYPE_NUMBER
                                   : LXW_CONDITIONAL_RULE_TYPE_MINIMUM,
            .min_value = fixed ? h->scale_min : 0,
            .min_color = rgb(c->st->heat_low),
            .max_rule_type = fixed ? LXW_CONDITIONAL_RULE_TYPE_NUMBER
                                   : LXW_CONDITIONAL_RULE_TYPE_MAXIMUM,
            .max_value = fixed ? h->scale_max : 0,
            .max_color = rgb(c->st->heat_high)};
        if (!lxw_ok(c,
                    worksheet_conditional_format_range(
                        sh->ws, hdr + 1, 1, hdr + (uint32_t)h->n_rows,
                        (lxw_col_t)h->n_cols, &cf),
                    "add a colour scale"))
            return false;
    }
    return true;
}

static bool write_heatmap(xctx *c, xsheet *sh, const csm_block *b, uint32_t hdr)
{
    const csm_heatmap *h = &b->u.heatmap;
    if (heat_title_rows(h)) {
        /* The column axis title on a header band over the columns. */
        for (uint32_t j = 0; j <= (uint32_t)h->n_cols; j++) {
            lxw_format *hf = fmt(c, R_HEADER, 0, 0, false);
            if (!(j == 1 ? put_str(c, sh, hdr, j, h->col_title, hf)
                         : put_blank(c, sh, hdr, j, hf)))
                return false;
        }
        hdr++;
    }
    /* The corner cell names the rows. */
    if (!(h->row_title && *h->row_title
              ? put_str(c, sh, hdr, 0, h->row_title,
                        fmt(c, R_HEADER, 0, 0, false))
              : put_blank(c, sh, hdr, 0, fmt(c, R_HEADER, 0, 0, false))))
        return false;
    for (size_t j = 0; j < h->n_cols; j++)
        if (!put_str(c, sh, hdr, 1 + (uint32_t)j, h->col_labels[j],
                     fmt(c, R_HEADER_NUM, 0, 0, false)))
            return false;
    lxw_format *vf =
        fmt(c, R_BODY, intern_numfmt(c, c->st->rate_format), 0, false);
    for (size_t i = 0; i < h->n_rows; i++) {
        uint32_t row = hdr + 1 + (uint32_t)i;
        if (!put_str(c, sh, row, 0, h->row_labels[i],
                     fmt(c, R_BODY, 0, 0, false)))
            return false;
        for (size_t j = 0; j < h->n_cols; j++) {
            double v = h->values[i * h->n_cols + j];
            /* Unobserved cells stay blank, so the colour scale skips them. */
            if (h->defined[i * h->n_cols + j] && isfinite(v) &&
                !put_num(c, sh, row, 1 + (uint32_t)j, v, vf))
                return false;
        }
    }
    if (h->legend)
        return put_str(c, sh, hdr + 1 + (uint32_t)h->n_rows, 0, h->legend,
                       fmt(c, R_CAPTION, 0, 0, false));
    return true;
}

/* Objects over a block's cells (chart, filter, colour scale) are added
 * before its first cell: in constant-memory mode libxlsxwriter refuses
 * anything placed on a row it has already flushed. */
static bool block_objects(xctx *c, xsheet *sh, size_t bi)
{
    const csm_block *b = &sh->sec->blocks[bi];
    switch (b->kind) {
    case CSM_BLOCK_TABLE:
        return sh->filter_b != (long long)bi ||
               table_filter(c, sh, &b->u.table, sh->body[bi]);
    case CSM_BLOCK_CHART:
        return chart_object(c, sh, b, sh->start[bi], sh->body[bi]);
    case CSM_BLOCK_WATERFALL:
        return waterfall_chart(c, sh, b, sh->start[bi], sh->body[bi]);
    case CSM_BLOCK_HEATMAP:
        return heatmap_scale(c, sh, &b->u.heatmap, sh->body[bi]);
    default:
        return true;
    }
}

static bool write_block(xctx *c, xsheet *sh, size_t bi)
{
    const csm_block *b = &sh->sec->blocks[bi];
    uint32_t row = sh->start[bi], hdr = sh->body[bi];
    if (!block_objects(c, sh, bi))
        return false;
    if (b->title &&
        !put_str(c, sh, row++, 0, b->title, fmt(c, R_TITLE, 0, 0, false)))
        return false;
    if (b->caption &&
        !put_str(c, sh, row, 0, b->caption, fmt(c, R_CAPTION, 0, 0, false)))
        return false;
    switch (b->kind) {
    case CSM_BLOCK_TABLE:
        return write_table(c, sh, &b->u.table, hdr);
    case CSM_BLOCK_TILES:
        return write_tiles(c, sh, b, hdr);
    case CSM_BLOCK_CHART:
        return write_chart(c, sh, b, hdr);
    case CSM_BLOCK_WATERFALL:
        return write_waterfall(c, sh, b, hdr);
    case CSM_BLOCK_HEATMAP:
        return write_heatmap(c, sh, b, hdr);
    case CSM_BLOCK_NOTES:
        for (size_t i = 0; i < b->u.notes.n_lines; i++)
            if (!put_str(c, sh, hdr + (uint32_t)i, 0, b->u.notes.lines[i],
                         fmt(c, R_BODY, 0, 0, false)))
                return false;
        return true;
    }
    return true;
}

/* ----------------------------------------------------------- sheets */

static const char *company_of(const xctx *c)
{
    return c->st->company[0] ? c->st->company
           : c->r->company   ? c->r->company
                             : "";
}

/* The style's header/footer template in Excel's syntax: & is doubled,
 * {page} and {pages} become &P and &N. */
static char *print_text(const xctx *c, const char *tmpl)
{
    csm_strbuf esc = {0};
    for (const char *p = tmpl; *p; p++) {
        if (*p == '&')
            csm_strbuf_putc(&esc, '&');
        csm_strbuf_putc(&esc, *p);
    }
    char month[CSM_DATE_BUFSZ];
    csm_month_format(c->r->month, month);
    const char *raw[] = {company_of(c), c->r->title ? c->r->title : "",
                         c->r->subtitle ? c->r->subtitle : "", month,
                         c->r->generated ? c->r->generated : ""};
    char *vals[5];
    for (int i = 0; i < 5; i++) {
        csm_strbuf v = {0};
        for (const char *p = raw[i]; *p; p++) {
            if (*p == '&')
                csm_strbuf_putc(&v, '&');
            csm_strbuf_putc(&v, *p);
        }
        vals[i] = csm_strbuf_take(&v);
        if (!vals[i])
            vals[i] = csm_xstrdup("");
    }
    const char *const vars[] = {"company",   vals[0], "title", vals[1],
                                "subtitle",  vals[2], "month", vals[3],
                                "generated", vals[4], "page",  "&P",
                                "pages",     "&N",    NULL};
    char *out = csm_style_expand(csm_strbuf_str(&esc), vars);
    for (int i = 0; i < 5; i++)
        free(vals[i]);
    csm_strbuf_free(&esc);
    return out;
}

static bool sheet_setup(xctx *c, xsheet *sh, const csm_render_options *opt)
{
    lxw_worksheet *ws = sh->ws;
    for (uint32_t j = 0; j < sh->n_cols; j++) {
        double w = sh->width[j] + 2;
        w = w < WIDTH_MIN ? WIDTH_MIN : w > WIDTH_MAX ? WIDTH_MAX : w;
        if (!lxw_ok(
                c,
                worksheet_set_column(ws, (lxw_col_t)j, (lxw_col_t)j, w, NULL),
                "set a column width"))
            return false;
    }
    const char *paper = opt->paper && opt->paper[0] ? opt->paper : c->st->paper;
    worksheet_set_paper(ws, strcmp(paper, "Letter") == 0 ? 1 : 9);
    worksheet_fit_to_pages(ws, 1, 0);
    if (sh->n_cols > 7)
        worksheet_set_landscape(ws);
    const char *tmpl[2] = {c->st->header, c->st->footer};
    for (int i = 0; i < 2; i++) {
        if (!tmpl[i][0])
            continue;
        char *t = print_text(c, tmpl[i]);
        char *own;
        const char *s = safe_text(c, t, &own);
        /* Excel refuses longer headers; the sheet is still usable. */
        if (text_units(s) <= XLSX_HF_MAX) {
            lxw_error e = i == 0 ? worksheet_set_header(ws, s)
                                 : worksheet_set_footer(ws, s);
            if (!lxw_ok(c, e, "set the print header or footer")) {
                free(own);
                free(t);
                return false;
            }
        }
        free(own);
        free(t);
    }
    return true;
}

static bool write_sheet(xctx *c, xsheet *sh, const csm_render_options *opt)
{
    char *own;
    const char *name = safe_text(c, sh->name, &own);
    sh->ws = workbook_add_worksheet(c->wb, name);
    free(own);
    if (!sh->ws) {
        fail_io(c, "add a worksheet", sh->name);
        return false;
    }
    if (!sheet_setup(c, sh, opt))
        return false;
    const csm_report *r = c->r;
    const char *title = sh->sec ? sh->sec->title : r->title;
    csm_strbuf line = {0};
    const char *parts[4] = {r->title, r->subtitle, company_of(c), NULL};
    char gen[96] = "";
    if (r->generated && r->generated[0])
        snprintf(gen, sizeof gen, "generated %s", r->generated);
    parts[3] = gen;
    for (int i = 0; i < 4; i++) {
        if (!parts[i] || !parts[i][0])
            continue;
        if (line.len)
            csm_strbuf_puts(&line, " \xC2\xB7 ");
        csm_strbuf_puts(&line, parts[i]);
    }
    bool ok = put_str(c, sh, 0, 0, title ? title : "",
                      fmt(c, R_SHEET_TITLE, 0, 0, false)) &&
              put_str(c, sh, 1, 0, csm_strbuf_str(&line),
                      fmt(c, R_SHEET_SUB, 0, 0, false));
    csm_strbuf_free(&line);
    for (size_t bi = 0; ok && sh->sec && bi < sh->sec->n_blocks; bi++)
        ok = write_block(c, sh, bi);
    if (ok && sh->freeze >= 0)
        worksheet_freeze_panes(sh->ws, (lxw_row_t)sh->freeze + 1, 0);
    return ok && !c->failed;
}

static bool needs_constant_memory(const csm_report *r)
{
    for (size_t s = 0; s < r->n_sections; s++)
        for (size_t b = 0; b < r->sections[s].n_blocks; b++) {
            const csm_block *blk = &r->sections[s].blocks[b];
            if (blk->kind == CSM_BLOCK_TABLE &&
                blk->u.table.n_rows > CONSTANT_MEMORY_ROWS)
                return true;
        }
    return false;
}

static void set_properties(xctx *c)
{
    const csm_report *r = c->r;
    char *title = csm_xstrdup(r->title ? r->title : "");
    char *subject = csm_xstrdup(r->subtitle ? r->subtitle : "");
    char *company = csm_xstrdup(company_of(c));
    char *kind = csm_xstrdup(r->kind ? r->kind : "");
    char *author = csm_xstrdup("csmetrics");
    /* libxlsxwriter takes 0 to mean "now", which would make the file
     * differ from run to run; the epoch itself becomes one second. */
    lxw_doc_properties p = {
        .title = title,
        .subject = subject,
        .company = company,
        .category = kind,
        .author = author,
        .created = (time_t)(r->generated_epoch > 0 ? r->generated_epoch : 1)};
    lxw_ok(c, workbook_set_properties(c->wb, &p), "set document properties");
    free(title);
    free(subject);
    free(company);
    free(kind);
    free(author);
}

static void ctx_free(xctx *c)
{
    for (size_t s = 0; s < c->n_sheets; s++) {
        free(c->sheets[s].width);
        free(c->sheets[s].start);
        free(c->sheets[s].body);
    }
    free(c->sheets);
    free(c->places);
    for (size_t i = 1; i < c->n_numfmt; i++)
        free(c->numfmt[i]);
    free(c->fmt);
}

csm_error csm_render_xlsx(const csm_report *r, const csm_render_options *opt,
                          const char *path, csm_diags *diag)
{
    if (!r || !opt || !opt->style || !path) {
        csm_diags_add(diag, CSM_SEV_ERROR, "xlsx-write", NULL,
                      "XLSX renderer called without a report, style or "
                      "path");
        return CSM_EUSAGE;
    }
    xctx c = {.r = r, .st = opt->style, .path = path, .diag = diag};
#ifdef CSM_TESTING
    csm_xlsx_calls = 0;
#endif
    c.dec = r->currency_decimals < 0   ? 0
            : r->currency_decimals > 9 ? 9
                                       : r->currency_decimals;
    if (r->currency[0])
        snprintf(c.cur, sizeof c.cur, " (%.3s)", r->currency);
    c.numfmt[0] = NULL;
    c.n_numfmt = 1;
    c.fmt =
        csm_xcalloc((size_t)N_ROLES * MAX_NUMFMT * N_TONES * 2, sizeof *c.fmt);

    /* Everything that can be wrong with the model is found before a file
     * is created. */
    if (layout(&c))
        check_formulas(&c);
    if (c.failed) {
        ctx_free(&c);
        return c.err;
    }

    char *tmp = csm_atomic_temp_path(path);
    if (!tmp) {
        int e = errno;
        csm_loc loc = {.file = path, .offset = -1};
        csm_diags_add(diag, CSM_SEV_ERROR, "xlsx-write", &loc,
                      "cannot create a file in its folder: %s", strerror(e));
        ctx_free(&c);
        return CSM_EIO;
    }
    /* libxlsxwriter keeps sheets in temporary files while it works; honour
     * TMPDIR for them like other tools do. */
    const char *tmpdir = getenv("TMPDIR");
    char *tmpdir_copy = tmpdir && tmpdir[0] ? csm_xstrdup(tmpdir) : NULL;
    lxw_workbook_options wo = {
        .constant_memory = needs_constant_memory(r) ? LXW_TRUE : LXW_FALSE,
        .tmpdir = tmpdir_copy};
    c.wb = workbook_new_opt(tmp, &wo);
    if (!c.wb) {
        fail_io(&c, "start the workbook",
                "out of memory or no room for temporary files");
        free(tmpdir_copy);
        csm_atomic_discard(tmp);
        ctx_free(&c);
        return CSM_EIO;
    }
    set_properties(&c);
    for (size_t s = 0; s < c.n_sheets && !c.failed; s++)
        write_sheet(&c, &c.sheets[s], opt);
    if (!c.failed && c.n_sheets)
        worksheet_activate(c.sheets[0].ws);

    if (c.failed) {
        /* Nothing was written to tmp yet: libxlsxwriter writes the file
         * only in workbook_close. */
        lxw_workbook_free(c.wb);
        free(tmpdir_copy);
        csm_atomic_discard(tmp);
        ctx_free(&c);
        return c.err;
    }
    lxw_error e = seam(workbook_close(c.wb));
    c.wb = NULL;
    free(tmpdir_copy);
    if (e != LXW_NO_ERROR) {
        fail_io(&c, "close", lxw_strerror(e));
        csm_atomic_discard(tmp);
        ctx_free(&c);
        return CSM_EIO;
    }
    ctx_free(&c);
    return csm_atomic_rename(tmp, path, diag);
}
