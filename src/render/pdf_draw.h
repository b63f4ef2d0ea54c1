/* pdf_draw.h - private to src/render/pdf*.c: the drawing context and the
 * primitives drawn with libharu.
 *
 * pdf.c owns the document, the pages and the flow of blocks down the page;
 * pdf_draw.c draws one thing at a given place (text, a chart, a table
 * chunk, a tile); pdf_chart.c decides the geometry.  Every libharu call
 * goes through csm_pdf_check(): the first failure is recorded in the
 * context and every primitive does nothing once one is recorded, so a
 * failed render stops drawing and pdf.c turns it into CSM_EIO. */
#ifndef CSM_RENDER_PDF_DRAW_H
#define CSM_RENDER_PDF_DRAW_H

#include <hpdf.h>
#include <stdbool.h>
#include <stddef.h>

#include "csmetrics/pdf_chart.h"
#include "csmetrics/report_model.h"
#include "csmetrics/style.h"

typedef enum csm_pdf_weight {
    CSM_PDF_REGULAR = 0,
    CSM_PDF_BOLD = 1
} csm_pdf_weight;

typedef enum csm_pdf_align {
    CSM_PDF_LEFT = 0,
    CSM_PDF_CENTER,
    CSM_PDF_RIGHT
} csm_pdf_align;

typedef struct csm_pdf {
    HPDF_Doc doc;
    /* The first libharu failure: its error and detail codes, and what we
     * were doing.  0 / NULL while all is well. */
    HPDF_STATUS error, detail;
    const char *what;
    const csm_report *report;
    const csm_style *style;
    HPDF_Font font[2]; /* indexed by csm_pdf_weight, UTF-8 encoded */
    HPDF_Page page;    /* current page */
    HPDF_Page *pages;
    bool *wide; /* [n_pages]: the page is landscape */
    size_t n_pages, cap_pages;
    double page_w, page_h; /* of the pages being added now */
    bool landscape;        /* page_w and page_h are the paper's swapped */
    double left, right, top, bottom; /* the content box */
    double y;                        /* top of the free space on page */
    double body;                     /* body text size, points */
} csm_pdf;

/* Records st (when it is a failure and the first one) with what; returns
 * true while no failure has been recorded. */
bool csm_pdf_check(csm_pdf *p, HPDF_STATUS st, const char *what);

/* ------------------------------------------------------------ text */

/* Width in points of s[0..len) (UTF-8; invalid bytes measured as U+FFFD). */
double csm_pdf_width(csm_pdf *p, const char *s, size_t len, csm_pdf_weight w,
                     double size);
/* Draws s with its baseline at y: x is the left edge, centre or right
 * edge as align says.  Text is cleaned first (csm_pdf_utf8_clean). */
void csm_pdf_text(csm_pdf *p, double x, double y, csm_pdf_align align,
                  const char *s, csm_pdf_weight w, double size, csm_rgb c);
/* Like csm_pdf_text but shortened with "…" to max_w (x as for align).
 * Returns the width drawn. */
double csm_pdf_text_fit(csm_pdf *p, double x, double y, double max_w,
                        csm_pdf_align align, const char *s, csm_pdf_weight w,
                        double size, csm_rgb c);
/* Wraps s to width w, lines `leading` apart, first baseline at
 * y_top - size; at most max_lines lines (0 = no limit; the last shown
 * line gets "…" when text remains).  Draws only when draw is true.
 * Returns the number of lines. */
size_t csm_pdf_paragraph(csm_pdf *p, double x, double y_top, double w,
                         const char *s, csm_pdf_weight wt, double size,
                         double leading, csm_rgb c, size_t max_lines,
                         bool draw);

/* The first line of s wrapped to w (see csm_pdf_wrap). */
size_t csm_pdf_wrap_line(csm_pdf *p, const char *s, double w, csm_pdf_weight wt,
                         double size, size_t *next);

/* ------------------------------------------------------------ shapes */

void csm_pdf_rect(csm_pdf *p, double x, double y, double w, double h,
                  csm_rgb fill);
void csm_pdf_rect_stroke(csm_pdf *p, double x, double y, double w, double h,
                         double lw, csm_rgb c);
void csm_pdf_line(csm_pdf *p, double x0, double y0, double x1, double y1,
                  double lw, csm_rgb c, bool dashed);
void csm_pdf_dot(csm_pdf *p, double x, double y, double r, csm_rgb c);
/* Colour s of the style's series palette for series index i. */
csm_rgb csm_pdf_series_colour(const csm_style *st, const csm_series *s,
                              size_t i);
csm_rgb csm_pdf_tone_colour(const csm_style *st, csm_cell_tone t, csm_rgb dflt);

/* ------------------------------------------------------------ blocks */

/* Heights the flow in pdf.c plans with. */
#define CSM_PDF_TILE_H 98.0
#define CSM_PDF_TILE_GAP 8.0
#define CSM_PDF_CHART_H 215.0

/* A chart (lines, steps with bands, bars, stacked bars) with its legend,
 * axes and titles inside the box [x, x + w] x [y_top - h, y_top]. */
void csm_pdf_draw_chart(csm_pdf *p, const csm_chart *c, double x, double y_top,
                        double w, double h);
/* A waterfall in the same kind of box. */
void csm_pdf_draw_waterfall(csm_pdf *p, const csm_waterfall *wf, double x,
                            double y_top, double w, double h);
/* Height a tile needs: CSM_PDF_TILE_H, less for a figure without changes
 * or sparkline. */
double csm_pdf_tile_height(const csm_tile *t);
/* One KPI tile in the box [x, x + w] x [y_top - h, y_top]. */
void csm_pdf_draw_tile(csm_pdf *p, const csm_tile *t, double x, double y_top,
                       double w, double h);

/* Heatmap geometry for width w. */
typedef struct csm_pdf_heat_geom {
    double label_w, cell_w, cell_h, header_h, legend_h, font;
    double title_h; /* line of the column axis title (in header_h), or 0 */
    double width;   /* the width the geometry was made for */
    size_t stride;  /* label every stride-th column */
} csm_pdf_heat_geom;
void csm_pdf_heatmap_geom(csm_pdf *p, const csm_heatmap *h, double w,
                          csm_pdf_heat_geom *g);
/* Column header and rows [first, first + count) from y_top down. */
void csm_pdf_draw_heatmap_rows(csm_pdf *p, const csm_heatmap *h,
                               const csm_pdf_heat_geom *g, size_t first,
                               size_t count, double x, double y_top);
/* The colour legend (g->legend_h high) from y_top down. */
void csm_pdf_draw_heat_legend(csm_pdf *p, const csm_heatmap *h,
                              const csm_pdf_heat_geom *g, double x,
                              double y_top, double w);

/* Table geometry for width w: font size, column widths, row heights. */
typedef struct csm_pdf_table_geom {
    double font, row_h, header_h, pad;
    double *col_w; /* [n_columns], owned; free with csm_pdf_table_geom_free */
    size_t header_lines;
} csm_pdf_table_geom;
void csm_pdf_table_geom_init(csm_pdf *p, const csm_table *t, double w,
                             csm_pdf_table_geom *g);
void csm_pdf_table_geom_free(csm_pdf_table_geom *g);
/* The header row and rows [first, first + count) from y_top down. */
void csm_pdf_draw_table_rows(csm_pdf *p, const csm_table *t,
                             const csm_pdf_table_geom *g, size_t first,
                             size_t count, double x, double y_top);

#endif
