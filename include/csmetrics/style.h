/* style.h - how reports look: palette, fonts, number formats, paper,
 * header and footer text.  Read from templates/default.style (or --style
 * FILE) by both renderers; INI format like the config file, with errors
 * naming file and line. */
#ifndef CSMETRICS_STYLE_H
#define CSMETRICS_STYLE_H

#include "csmetrics/diag.h"
#include "csmetrics/error.h"

typedef struct csm_rgb {
    unsigned char r, g, b;
} csm_rgb;

#define CSM_STYLE_SERIES 6

typedef struct csm_style {
    /* [palette] */
    csm_rgb primary; /* titles, headline bars */
    csm_rgb text;
    csm_rgb muted;       /* captions, axes, not-yet-observed */
    csm_rgb grid;        /* gridlines, table rules */
    csm_rgb header_fill; /* table header background */
    csm_rgb good, bad;   /* positive / negative changes and movements */
    csm_rgb band_green, band_yellow, band_red;
    csm_rgb heat_low, heat_high; /* heatmap scale ends */
    csm_rgb series[CSM_STYLE_SERIES];
    /* [fonts] TrueType files (UTF-8 text needs an embedded font) */
    char font_regular[512];
    char font_bold[512];
    double body_size, title_size; /* points */
    /* [numbers] spreadsheet number formats (Excel syntax) */
    char money_format[64]; /* "#,##0.00" */
    char int_format[32];   /* "#,##0" */
    char rate_format[32];  /* "0.0%" */
    char date_format[32];  /* "yyyy-mm-dd" */
    /* [page] */
    char paper[16]; /* "A4" or "Letter" */
    double margin_mm;
    /* [text] {company} {title} {subtitle} {month} {generated} {page}
     * {pages} are replaced. */
    char header[256];
    char footer[256];
    char company[128]; /* when set, overrides the config's company */
    char *source;      /* file read, or NULL for the defaults */
} csm_style;

void csm_style_defaults(csm_style *s);
/* Reads path over the values in s.  CSM_OK, CSM_EUSAGE (errors in diag,
 * each with file and line) or CSM_EIO. */
csm_error csm_style_load(csm_style *s, const char *path, csm_diags *diag);
csm_error csm_style_parse(csm_style *s, const char *name, const char *text,
                          size_t len, csm_diags *diag);
void csm_style_free(csm_style *s);

/* Replaces {placeholders} of a header/footer template; vars is a
 * NULL-terminated list of name, value pairs.  Returns a new string. */
char *csm_style_expand(const char *tmpl, const char *const *vars);

#endif
