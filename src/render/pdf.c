/* The PDF renderer: a report model laid out as a board pack with libharu.
 *
 * This file owns the document: fonts, pages, the running header and the
 * "page X of Y" footer, the cover treatment of the first section, and the
 * flow of blocks down the page (a block that does not fit moves to the
 * next page; tables and heatmaps split across pages with their header
 * row repeated).  pdf_draw.c draws each primitive, pdf_chart.c computes
 * the geometry.  Nothing here computes a metric: every value and label
 * comes from the model.
 *
 * Failure handling: libharu reports errors through the handler given to
 * HPDF_New, which records the first one and returns (no setjmp/longjmp);
 * every call's status is checked as well.  Any failure ends the render
 * with CSM_EIO, a diagnostic, and no file: the document is written to a
 * temporary name in the target folder and renamed over the target only
 * when complete.
 *
 * Determinism: no clock is read.  The creation and modification dates and
 * the {generated} text come from report->generated_epoch / generated;
 * libharu 2.3 writes no document ID unless encryption is on, and names
 * its font subsets from a counter, so two renders of the same model are
 * byte-identical (tested). */
#include "csmetrics/render.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csmetrics/atomic_file.h"
#include "csmetrics/format.h"
#include "csmetrics/pdf_chart.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/xalloc.h"
#include "pdf_draw.h"

#define R(v) ((HPDF_REAL)(v))
#define CK(p, call) csm_pdf_check((p), (call), #call)

/* Vertical rhythm, in points. */
#define BLOCK_GAP 16.0
#define HEADER_BAND 16.0 /* running header inside the top of the page */
#define FOOTER_BAND 18.0
#define COVER_H 92.0

static const csm_rgb white = {255, 255, 255};

/* ------------------------------------------------------------ errors */

static void on_error(HPDF_STATUS error_no, HPDF_STATUS detail_no,
                     void *user_data)
{
    csm_pdf *p = user_data;
    if (!p->error) {
        p->error = error_no;
        p->detail = detail_no;
    }
}

static const char *error_text(HPDF_STATUS e)
{
    switch (e) {
    case HPDF_FAILD_TO_ALLOC_MEM:
        return "out of memory";
    case HPDF_FILE_IO_ERROR:
        return "cannot write the file";
    case HPDF_FILE_OPEN_ERROR:
        return "cannot open the file";
    case HPDF_INVALID_FONTDEF_DATA:
    case HPDF_TTF_INVALID_CMAP:
    case HPDF_TTF_INVALID_FOMAT:
    case HPDF_TTF_MISSING_TABLE:
        return "not a usable TrueType font";
    case HPDF_TTF_CANNOT_EMBEDDING_FONT:
        return "the font's licence forbids embedding";
    case HPDF_PAGE_INVALID_GMODE:
    case HPDF_INVALID_OPERATION:
    case HPDF_INVALID_PARAMETER:
        return "invalid drawing operation (a bug in csmetrics)";
    default:
        return "library error";
    }
}

static void lib_diag(csm_diags *diag, const char *path, const csm_pdf *p,
                     const char *stage)
{
    csm_loc loc = {.file = path, .offset = -1};
    csm_diags_add(diag, CSM_SEV_ERROR, "pdf", &loc,
                  "cannot write the PDF: libharu error 0x%04X (%s, detail "
                  "%u) while %s%s%s",
                  (unsigned)p->error, error_text(p->error), (unsigned)p->detail,
                  stage, p->what ? " in " : "", p->what ? p->what : "");
}

/* ------------------------------------------------------------ fonts */

static bool readable(const char *path, int *err)
{
    FILE *f = path && *path ? fopen(path, "rb") : NULL;
    if (!f) {
        *err = path && *path ? errno : ENOENT;
        return false;
    }
    fclose(f);
    return true;
}

/* Checks the style's fonts before any file is created: a missing font is
 * the most likely failure, and deserves a message saying what to do. */
static csm_error check_fonts(const csm_style *st, csm_diags *diag)
{
    const char *keys[2] = {"regular", "bold"};
    const char *paths[2] = {st->font_regular, st->font_bold};
    csm_error rc = CSM_OK;
    for (int i = 0; i < 2; i++) {
        int err = 0;
        if (readable(paths[i], &err))
            continue;
        csm_loc loc = {.file = paths[i][0] ? paths[i] : NULL, .offset = -1};
        csm_diags_add(
            diag, CSM_SEV_ERROR, "pdf-font", &loc,
            "cannot read the %s font \"%s\" ([fonts] %s in %s): %s; install "
            "fonts-dejavu-core (sudo apt-get install fonts-dejavu-core) or "
            "point [fonts] %s at a TrueType (.ttf) file",
            keys[i], paths[i], keys[i],
            st->source ? st->source : "the built-in style", strerror(err),
            keys[i]);
        rc = CSM_EIO;
    }
    return rc;
}

static bool load_fonts(csm_pdf *p, csm_diags *diag)
{
    const csm_style *st = p->style;
    const char *paths[2] = {st->font_regular, st->font_bold};
    const char *names[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        if (i == 1 && strcmp(paths[0], paths[1]) == 0) {
            names[1] = names[0];
        } else {
            names[i] = HPDF_LoadTTFontFromFile(p->doc, paths[i], HPDF_TRUE);
        }
        if (names[i])
            p->font[i] = HPDF_GetFont(p->doc, names[i], "UTF-8");
        if (!names[i] || !p->font[i]) {
            csm_loc loc = {.file = paths[i], .offset = -1};
            csm_diags_add(diag, CSM_SEV_ERROR, "pdf-font", &loc,
                          "cannot use \"%s\" as the %s font: libharu error "
                          "0x%04X (%s); [fonts] needs TrueType (.ttf) files",
                          paths[i], i ? "bold" : "regular", (unsigned)p->error,
                          error_text(p->error));
            if (!p->error)
                p->error = HPDF_INVALID_FONTDEF_DATA;
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------ pages */

static const char *company(const csm_pdf *p)
{
    if (p->style->company[0])
        return p->style->company;
    return p->report->company ? p->report->company : "";
}

static const char *generated(const csm_pdf *p, char *buf)
{
    if (p->report->generated && *p->report->generated)
        return p->report->generated;
    time_t t = (time_t)p->report->generated_epoch;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return "";
    snprintf(buf, CSM_FMT_BUFSZ, "%04d-%02d-%02d", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday);
    return buf;
}

/* Removes the empty fields a template leaves when a value is missing:
 * "{company} · {title}" with no company must not start with " · ". */
static char *tidy(char *s)
{
    static const char sep[] = "\xC2\xB7"; /* U+00B7 middle dot */
    csm_strbuf b = {0};
    const char *p = s;
    bool first = true;
    while (*p) {
        const char *q = strstr(p, sep);
        size_t n = q ? (size_t)(q - p) : strlen(p);
        size_t a = 0, e = n;
        while (a < e && p[a] == ' ')
            a++;
        while (e > a && p[e - 1] == ' ')
            e--;
        if (e > a) {
            if (!first)
                csm_strbuf_puts(&b, " \xC2\xB7 ");
            csm_strbuf_append(&b, p + a, e - a);
            first = false;
        }
        p += n;
        if (q)
            p += strlen(sep);
    }
    free(s);
    return csm_strbuf_take(&b);
}

static char *expand(const csm_pdf *p, const char *tmpl, size_t page,
                    size_t pages)
{
    char month[CSM_DATE_BUFSZ], gen[CSM_FMT_BUFSZ], pg[24], pgs[24];
    csm_month_format(p->report->month, month);
    snprintf(pg, sizeof pg, "%zu", page);
    snprintf(pgs, sizeof pgs, "%zu", pages);
    const char *vars[] = {
        "company",   company(p),
        "title",     p->report->title ? p->report->title : "",
        "subtitle",  p->report->subtitle ? p->report->subtitle : "",
        "month",     month,
        "generated", generated(p, gen),
        "page",      pg,
        "pages",     pgs,
        NULL,        NULL};
    return tidy(csm_style_expand(tmpl, vars));
}

/* The content box of the current orientation. */
static void content_box(csm_pdf *p)
{
    double m = p->style->margin_mm * 72.0 / 25.4;
    p->left = m;
    p->right = p->page_w - m;
    p->top = p->page_h - m - HEADER_BAND;
    p->bottom = m + FOOTER_BAND;
}

/* Portrait or landscape for the pages added from now on (a section may
 * ask for landscape: a wide customer list). */
static void orient(csm_pdf *p, bool landscape)
{
    if (p->landscape == landscape)
        return;
    double t = p->page_w;
    p->page_w = p->page_h;
    p->page_h = t;
    p->landscape = landscape;
    content_box(p);
}

static void new_page(csm_pdf *p)
{
    if (p->error)
        return;
    HPDF_Page page = HPDF_AddPage(p->doc);
    if (!page) {
        csm_pdf_check(p, HPDF_FAILD_TO_ALLOC_MEM, "HPDF_AddPage");
        return;
    }
    p->page = page;
    CK(p, HPDF_Page_SetWidth(page, R(p->page_w)));
    CK(p, HPDF_Page_SetHeight(page, R(p->page_h)));
    if (p->n_pages == p->cap_pages) {
        p->cap_pages = p->cap_pages ? p->cap_pages * 2 : 16;
        p->pages = csm_xreallocarray(p->pages, p->cap_pages, sizeof *p->pages);
        p->wide = csm_xreallocarray(p->wide, p->cap_pages, sizeof *p->wide);
    }
    p->wide[p->n_pages] = p->landscape;
    p->pages[p->n_pages++] = page;
    p->y = p->top;
}

/* The running header and the footer of every page, drawn once the page
 * count is known so that {page} and {pages} work in both templates. */
static void furniture(csm_pdf *p)
{
    double fs = p->body - 1.5;
    double m = p->style->margin_mm * 72.0 / 25.4;
    for (size_t i = 0; i < p->n_pages && !p->error; i++) {
        p->page = p->pages[i];
        orient(p, p->wide[i]);
        char *h = expand(p, p->style->header, i + 1, p->n_pages);
        csm_pdf_text_fit(p, p->left, p->page_h - m, p->right - p->left,
                         CSM_PDF_LEFT, h, CSM_PDF_REGULAR, fs, p->style->muted);
        free(h);
        csm_pdf_line(p, p->left, p->page_h - m - 5, p->right, p->page_h - m - 5,
                     0.5, p->style->grid, false);
        csm_pdf_line(p, p->left, m + 10, p->right, m + 10, 0.5, p->style->grid,
                     false);
        char *f = expand(p, p->style->footer, i + 1, p->n_pages);
        csm_pdf_text_fit(p, p->left, m, p->right - p->left, CSM_PDF_LEFT, f,
                         CSM_PDF_REGULAR, fs, p->style->muted);
        free(f);
    }
}

static double avail(const csm_pdf *p)
{
    return p->y - p->bottom;
}

static bool fresh(const csm_pdf *p)
{
    return p->y >= p->top - 0.01;
}

/* Moves to a new page unless h fits below the cursor (or the page is
 * still empty: a block taller than a page is drawn anyway). */
static void ensure(csm_pdf *p, double h)
{
    if (h > avail(p) + 0.01 && !fresh(p))
        new_page(p);
}

static double width(const csm_pdf *p)
{
    return p->right - p->left;
}

/* ------------------------------------------------------------ headings */

static void cover(csm_pdf *p)
{
    const csm_report *r = p->report;
    const csm_style *st = p->style;
    double x = p->left, w = width(p), top = p->y;
    csm_pdf_rect(p, x, top - COVER_H, w, COVER_H, st->primary);
    double pad = 16;
    double ts = st->title_size * 1.6;
    csm_pdf_text_fit(p, x + pad, top - pad - ts * 0.8, w - 2 * pad,
                     CSM_PDF_LEFT, r->title ? r->title : "", CSM_PDF_BOLD, ts,
                     white);
    double y = top - pad - ts * 0.8 - st->title_size - 6;
    if (r->subtitle && *r->subtitle)
        csm_pdf_text_fit(p, x + pad, y, w - 2 * pad, CSM_PDF_LEFT, r->subtitle,
                         CSM_PDF_REGULAR, st->title_size * 0.85, white);
    char month[CSM_DATE_BUFSZ], gen[CSM_FMT_BUFSZ];
    csm_month_format(r->month, month);
    csm_strbuf b = {0};
    csm_strbuf_puts(&b, company(p));
    if (month[0])
        csm_strbuf_printf(&b, " \xC2\xB7 Reporting month %s", month);
    if (r->currency[0])
        csm_strbuf_printf(&b, " \xC2\xB7 Amounts in %s", r->currency);
    csm_strbuf_printf(&b, " \xC2\xB7 Generated %s", generated(p, gen));
    char *meta = tidy(csm_strbuf_take(&b));
    csm_pdf_text_fit(p, x + pad, top - COVER_H + 13, w - 2 * pad, CSM_PDF_LEFT,
                     meta, CSM_PDF_REGULAR, p->body,
                     csm_pdf_lerp(st->primary, white, 0.8));
    free(meta);
    p->y = top - COVER_H - 18;
}

static void section_title(csm_pdf *p, const csm_section *s)
{
    double ts = p->style->title_size;
    csm_pdf_text_fit(p, p->left, p->y - ts, width(p), CSM_PDF_LEFT,
                     s->title ? s->title : "", CSM_PDF_BOLD, ts,
                     p->style->primary);
    csm_pdf_line(p, p->left, p->y - ts - 6, p->right, p->y - ts - 6, 1.2,
                 p->style->primary, false);
    p->y -= ts + 6 + 14;
}

static double block_title_h(const csm_pdf *p, const csm_block *b)
{
    return b->title && *b->title ? (p->body + 2) + 7 : 0;
}

static void block_title(csm_pdf *p, const csm_block *b, bool continued)
{
    if (!b->title || !*b->title)
        return;
    double fs = p->body + 2;
    if (continued) {
        char *t = csm_xasprintf("%s (continued)", b->title);
        csm_pdf_text_fit(p, p->left, p->y - fs, width(p), CSM_PDF_LEFT, t,
                         CSM_PDF_BOLD, fs, p->style->text);
        free(t);
    } else {
        csm_pdf_text_fit(p, p->left, p->y - fs, width(p), CSM_PDF_LEFT,
                         b->title, CSM_PDF_BOLD, fs, p->style->text);
    }
    p->y -= fs + 7;
}

static double caption_size(const csm_pdf *p)
{
    return p->body - 0.5;
}

static double caption_h(csm_pdf *p, const csm_block *b)
{
    if (!b->caption || !*b->caption)
        return 0;
    double fs = caption_size(p);
    size_t n =
        csm_pdf_paragraph(p, p->left, 0, width(p), b->caption, CSM_PDF_REGULAR,
                          fs, fs * 1.3, p->style->muted, 0, false);
    return (double)n * fs * 1.3 + 6;
}

static void caption(csm_pdf *p, const csm_block *b)
{
    double h = caption_h(p, b);
    if (h == 0)
        return;
    ensure(p, h);
    double fs = caption_size(p);
    csm_pdf_paragraph(p, p->left, p->y - 5, width(p), b->caption,
                      CSM_PDF_REGULAR, fs, fs * 1.3, p->style->muted, 0, true);
    p->y -= h;
}

/* ------------------------------------------------------------ blocks */

/* Height of tile row r: its tallest tile. */
static double tile_row_h(const csm_block *b, size_t r, size_t per_row)
{
    double h = 0;
    for (size_t i = r * per_row;
         i < b->u.tiles.n_tiles && i < (r + 1) * per_row; i++)
        h = fmax(h, csm_pdf_tile_height(&b->u.tiles.tiles[i]));
    return h;
}

static void tiles_block(csm_pdf *p, const csm_block *b)
{
    size_t n = b->u.tiles.n_tiles;
    size_t per_row = n == 4 ? 2 : 3;
    size_t rows = (n + per_row - 1) / per_row;
    ensure(p, block_title_h(p, b) + tile_row_h(b, 0, per_row) +
                  (rows <= 1 ? caption_h(p, b) : 0));
    block_title(p, b, false);
    for (size_t r = 0; r < rows && !p->error; r++) {
        double h = tile_row_h(b, r, per_row);
        ensure(p, h + (r + 1 == rows ? caption_h(p, b) : 0));
        for (size_t i = r * per_row; i < n && i < (r + 1) * per_row; i++) {
            double x, cw;
            size_t row;
            csm_pdf_grid(i, per_row, p->left, width(p), CSM_PDF_TILE_GAP, &x,
                         &cw, &row);
            csm_pdf_draw_tile(p, &b->u.tiles.tiles[i], x, p->y, cw, h);
        }
        p->y -= h + (r + 1 < rows ? CSM_PDF_TILE_GAP : 2);
    }
}

static void chart_block(csm_pdf *p, const csm_block *b)
{
    ensure(p, block_title_h(p, b) + CSM_PDF_CHART_H + caption_h(p, b));
    block_title(p, b, false);
    if (b->kind == CSM_BLOCK_WATERFALL)
        csm_pdf_draw_waterfall(p, &b->u.waterfall, p->left, p->y, width(p),
                               CSM_PDF_CHART_H);
    else
        csm_pdf_draw_chart(p, &b->u.chart, p->left, p->y, width(p),
                           CSM_PDF_CHART_H);
    p->y -= CSM_PDF_CHART_H;
}

/* Space a continuation page loses to the "(continued)" title. */
static double continued_h(const csm_pdf *p, const csm_block *b)
{
    return block_title_h(p, b);
}

static void table_block(csm_pdf *p, const csm_block *b)
{
    const csm_table *t = &b->u.table;
    csm_pdf_table_geom g;
    csm_pdf_table_geom_init(p, t, width(p), &g);
    double cap = caption_h(p, b);
    if (t->n_rows == 0) {
        ensure(p, block_title_h(p, b) + g.header_h + g.row_h + cap);
        block_title(p, b, false);
        csm_pdf_draw_table_rows(p, t, &g, 0, 0, p->left, p->y);
        csm_pdf_text(
            p, p->left + g.pad, p->y - g.header_h - g.row_h / 2 - g.font * 0.35,
            CSM_PDF_LEFT, "No rows", CSM_PDF_REGULAR, g.font, p->style->muted);
        p->y -= g.header_h + g.row_h;
        csm_pdf_table_geom_free(&g);
        return;
    }
    /* A table of up to half a page is not split when a new page would
     * hold it whole.  Otherwise keep the title with the first rows, and
     * reserve the caption on every page so it never lands alone on a
     * page of its own. */
    double title = block_title_h(p, b);
    double whole = title + g.header_h + (double)t->n_rows * g.row_h + cap;
    if (whole <= (p->top - p->bottom) / 2)
        ensure(p, whole);
    double first = avail(p) - title - cap;
    double page = p->top - p->bottom - continued_h(p, b) - cap;
    csm_pdf_chunk *chunks;
    size_t nc = csm_pdf_paginate(t->n_rows, g.header_h, g.row_h, first, page, 3,
                                 &chunks);
    for (size_t i = 0; i < nc && !p->error; i++) {
        if (chunks[i].new_page && !(i == 0 && fresh(p)))
            new_page(p);
        block_title(p, b, i > 0);
        csm_pdf_draw_table_rows(p, t, &g, chunks[i].first, chunks[i].count,
                                p->left, p->y);
        p->y -= g.header_h + (double)chunks[i].count * g.row_h;
    }
    free(chunks);
    csm_pdf_table_geom_free(&g);
}

static void heatmap_block(csm_pdf *p, const csm_block *b)
{
    const csm_heatmap *h = &b->u.heatmap;
    csm_pdf_heat_geom g;
    csm_pdf_heatmap_geom(p, h, width(p), &g);
    double cap = caption_h(p, b), tail = g.legend_h + cap;
    double title = block_title_h(p, b);
    /* A heatmap reads as one picture: split it only when it is taller
     * than a page. */
    double whole = title + g.header_h + (double)h->n_rows * g.cell_h + tail;
    if (whole <= p->top - p->bottom)
        ensure(p, whole);
    csm_pdf_chunk *chunks;
    size_t nc = csm_pdf_paginate(
        h->n_rows, g.header_h, g.cell_h, avail(p) - title - tail,
        p->top - p->bottom - continued_h(p, b) - tail, 3, &chunks);
    for (size_t i = 0; i < nc && !p->error; i++) {
        if (chunks[i].new_page && !(i == 0 && fresh(p)))
            new_page(p);
        block_title(p, b, i > 0);
        csm_pdf_draw_heatmap_rows(p, h, &g, chunks[i].first, chunks[i].count,
                                  p->left, p->y);
        p->y -= g.header_h + (double)chunks[i].count * g.cell_h;
    }
    free(chunks);
    csm_pdf_draw_heat_legend(p, h, &g, p->left, p->y, width(p));
    p->y -= g.legend_h;
}

/* Notes: one bullet per line, wrapped with a hanging indent; a long list
 * continues on the next page line by line. */
static void notes_block(csm_pdf *p, const csm_block *b)
{
    double fs = p->body, lead = fs * 1.45, indent = fs * 1.2;
    size_t n = b->u.notes.n_lines;
    ensure(p, block_title_h(p, b) + lead * (n < 3 ? (double)(n ? n : 1) : 3));
    block_title(p, b, false);
    for (size_t i = 0; i < n && !p->error; i++) {
        const char *s = b->u.notes.lines[i];
        size_t len = strlen(s), pos = 0;
        bool first = true;
        if (len == 0) {
            /* An empty line is a gap, not an empty bullet. */
            p->y -= lead / 2;
            continue;
        }
        /* Keep a bullet's lines together: a new page for it when it does
         * not fit the rest of this one (a bullet longer than a page still
         * flows line by line). */
        size_t lines = 0;
        for (size_t q = 0, nx; q < len && lines < 64; q += nx) {
            csm_pdf_wrap_line(p, s + q, width(p) - indent, CSM_PDF_REGULAR, fs,
                              &nx);
            lines++;
            if (nx == 0)
                break;
        }
        if ((double)lines * lead <= p->top - p->bottom)
            ensure(p, (double)lines * lead);
        while ((pos < len || first) && !p->error) {
            size_t next;
            size_t ln = csm_pdf_wrap_line(p, s + pos, width(p) - indent,
                                          CSM_PDF_REGULAR, fs, &next);
            ensure(p, lead);
            double base = p->y - fs;
            if (first)
                csm_pdf_text(p, p->left + 2, base, CSM_PDF_LEFT, "\xE2\x80\xA2",
                             CSM_PDF_REGULAR, fs, p->style->primary);
            char *line = csm_xstrndup(s + pos, ln);
            csm_pdf_text(p, p->left + indent, base, CSM_PDF_LEFT, line,
                         CSM_PDF_REGULAR, fs, p->style->text);
            free(line);
            p->y -= lead;
            pos += next;
            first = false;
            if (next == 0)
                break;
        }
        p->y -= 1.5;
    }
}

static void block(csm_pdf *p, const csm_block *b)
{
    switch (b->kind) {
    case CSM_BLOCK_TILES:
        tiles_block(p, b);
        break;
    case CSM_BLOCK_TABLE:
        table_block(p, b);
        break;
    case CSM_BLOCK_CHART:
    case CSM_BLOCK_WATERFALL:
        chart_block(p, b);
        break;
    case CSM_BLOCK_HEATMAP:
        heatmap_block(p, b);
        break;
    case CSM_BLOCK_NOTES:
        notes_block(p, b);
        break;
    }
    caption(p, b);
    p->y -= BLOCK_GAP;
}

static void sections(csm_pdf *p)
{
    const csm_report *r = p->report;
    HPDF_Encoder utf8 = HPDF_GetEncoder(p->doc, "UTF-8");
    CK(p, utf8 ? HPDF_OK : HPDF_INVALID_ENCODER);
    orient(p, r->n_sections > 0 && r->sections[0].landscape);
    new_page(p);
    cover(p);
    for (size_t s = 0; s < r->n_sections && !p->error; s++) {
        const csm_section *sec = &r->sections[s];
        if (s > 0) {
            orient(p, sec->landscape);
            new_page(p);
        }
        /* A bookmark per section, so a reader can jump to it. */
        HPDF_Outline o = HPDF_CreateOutline(p->doc, NULL,
                                            sec->title ? sec->title : "", utf8);
        HPDF_Destination d = o ? HPDF_Page_CreateDestination(p->page) : NULL;
        if (!o || !d)
            CK(p, HPDF_INVALID_OUTLINE);
        else
            CK(p, HPDF_Outline_SetDestination(o, d));
        section_title(p, sec);
        if (sec->n_blocks == 0) {
            csm_pdf_text(p, p->left, p->y - p->body, CSM_PDF_LEFT,
                         "No data for this section.", CSM_PDF_REGULAR, p->body,
                         p->style->muted);
            p->y -= p->body * 2;
        }
        for (size_t i = 0; i < sec->n_blocks && !p->error; i++)
            block(p, &sec->blocks[i]);
    }
    furniture(p);
}

/* Document properties: title, author, dates from the report. */
static void info(csm_pdf *p)
{
    const csm_report *r = p->report;
    CK(p, HPDF_SetCurrentEncoder(p->doc, "UTF-8"));
    char *title = r->subtitle && *r->subtitle
                      ? csm_xasprintf("%s \xE2\x80\x93 %s",
                                      r->title ? r->title : "", r->subtitle)
                      : csm_xstrdup(r->title ? r->title : "");
    char *clean = csm_pdf_utf8_clean(title);
    CK(p, HPDF_SetInfoAttr(p->doc, HPDF_INFO_TITLE, clean));
    free(clean);
    free(title);
    if (company(p)[0]) {
        clean = csm_pdf_utf8_clean(company(p));
        CK(p, HPDF_SetInfoAttr(p->doc, HPDF_INFO_AUTHOR, clean));
        free(clean);
    }
    CK(p, HPDF_SetInfoAttr(p->doc, HPDF_INFO_CREATOR, "csmetrics"));
    if (r->kind)
        CK(p, HPDF_SetInfoAttr(p->doc, HPDF_INFO_SUBJECT, r->kind));
    time_t t = (time_t)r->generated_epoch;
    struct tm tm;
    if (gmtime_r(&t, &tm) && tm.tm_year + 1900 >= 1 &&
        tm.tm_year + 1900 <= 9999) {
        HPDF_Date d = {.year = tm.tm_year + 1900,
                       .month = tm.tm_mon + 1,
                       .day = tm.tm_mday,
                       .hour = tm.tm_hour,
                       .minutes = tm.tm_min,
                       .seconds = tm.tm_sec > 59 ? 59 : tm.tm_sec,
                       .ind = 'Z'};
        CK(p, HPDF_SetInfoDateAttr(p->doc, HPDF_INFO_CREATION_DATE, d));
        CK(p, HPDF_SetInfoDateAttr(p->doc, HPDF_INFO_MOD_DATE, d));
    }
}

static bool paper(const char *name, double *w, double *h)
{
    if (name && strcmp(name, "Letter") == 0) {
        *w = 612;
        *h = 792;
        return true;
    }
    if (!name || strcmp(name, "A4") == 0) {
        *w = 595.276;
        *h = 841.89;
        return true;
    }
    return false;
}

/* Writes the document through csm_atomic_file.  HPDF_SaveToFile ignores
 * the error of its last write (the fclose that flushes the tail), so on a
 * full disk it left a truncated PDF that was then renamed as complete; the
 * document goes to libharu's memory stream instead and every write of it
 * is checked here. */
static csm_error save(csm_pdf *p, const char *path, csm_diags *diag)
{
    if (!CK(p, HPDF_SaveToStream(p->doc))) {
        lib_diag(diag, path, p, "writing the file");
        return CSM_EIO;
    }
    HPDF_ResetStream(p->doc);
    csm_atomic_file f;
    csm_error rc = csm_atomic_open(&f, path, diag);
    if (rc != CSM_OK)
        return rc;
    enum { CHUNK = 1 << 16 };
    HPDF_BYTE *buf = csm_xmalloc(CHUNK);
    for (;;) {
        HPDF_UINT32 n = CHUNK;
        HPDF_STATUS st = HPDF_ReadFromStream(p->doc, buf, &n);
        if (st != HPDF_OK && st != HPDF_STREAM_EOF) {
            CK(p, st);
            lib_diag(diag, path, p, "writing the file");
            rc = CSM_EIO;
            break;
        }
        if (n && fwrite(buf, 1, n, f.fp) != n) {
            csm_loc loc = {.file = path, .offset = -1};
            csm_diags_add(diag, CSM_SEV_ERROR, "io", &loc, "cannot write: %s",
                          strerror(errno));
            rc = CSM_EIO;
            break;
        }
        if (st == HPDF_STREAM_EOF)
            break;
    }
    free(buf);
    if (rc != CSM_OK) {
        csm_atomic_abort(&f);
        return rc;
    }
    return csm_atomic_commit(&f, diag);
}

csm_error csm_render_pdf(const csm_report *r, const csm_render_options *opt,
                         const char *path, csm_diags *diag)
{
    csm_loc loc = {.file = path, .offset = -1};
    if (!r || !opt || !opt->style || !path) {
        csm_diags_add(diag, CSM_SEV_ERROR, "pdf", &loc,
                      "no report, style or path to render");
        return CSM_EIO;
    }
    const csm_style *st = opt->style;
    csm_pdf p = {.report = r, .style = st, .body = st->body_size};
    const char *pn = opt->paper ? opt->paper : st->paper;
    if (!paper(pn[0] ? pn : NULL, &p.page_w, &p.page_h)) {
        csm_diags_add(diag, CSM_SEV_ERROR, "pdf", &loc,
                      "unknown paper \"%s\" (expected A4 or Letter)", pn);
        return CSM_EIO;
    }
    if (check_fonts(st, diag) != CSM_OK)
        return CSM_EIO;
    if (!(p.body >= 5 && p.body <= 20))
        p.body = 9;
    content_box(&p);

    p.doc = HPDF_New(on_error, &p);
    if (!p.doc) {
        csm_diags_add(diag, CSM_SEV_ERROR, "pdf", &loc,
                      "cannot start a PDF document (out of memory)");
        return CSM_EIO;
    }
    csm_error rc = CSM_OK;
    const char *stage = "setting the document up";
    CK(&p, HPDF_SetCompressionMode(p.doc, HPDF_COMP_ALL));
    CK(&p, HPDF_UseUTFEncodings(p.doc));
    if (!p.error && !load_fonts(&p, diag)) {
        HPDF_Free(p.doc);
        free(p.pages);
        free(p.wide);
        return CSM_EIO;
    }
    if (!p.error) {
        stage = "laying the report out";
        info(&p);
        sections(&p);
        CK(&p, HPDF_SetPageMode(p.doc, HPDF_PAGE_MODE_USE_OUTLINE));
    }
    if (p.error) {
        lib_diag(diag, path, &p, stage);
        rc = CSM_EIO;
    }
    if (rc == CSM_OK)
        rc = save(&p, path, diag);
    HPDF_Free(p.doc);
    free(p.pages);
    free(p.wide);
    return rc;
}
