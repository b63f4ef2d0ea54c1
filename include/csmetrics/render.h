/* render.h - the output formats of a report model.
 *
 * Each renderer lays a csm_report out in one format and writes it to path
 * atomically (a temporary file in the same folder, renamed when complete;
 * removed on any failure).  Renderers compute nothing: every value and
 * label comes from the model; the style says how it looks.  Output is
 * byte-identical for the same model and style (dates come from
 * report->generated_epoch, which follows SOURCE_DATE_EPOCH).
 *
 * Renderers are registered in a table (csm_renderers) by format name, so
 * adding a format is one row and one file.
 */
#ifndef CSMETRICS_RENDER_H
#define CSMETRICS_RENDER_H

#include <stddef.h>

#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/report_model.h"
#include "csmetrics/style.h"

typedef struct csm_render_options {
    const csm_style *style; /* required */
    const char *paper;      /* "A4"/"Letter" overriding the style, or NULL */
} csm_render_options;

/* On success returns CSM_OK with the file complete at path.  On error
 * returns CSM_EIO (cannot write, font missing, library failure) with a
 * diagnostic, and no file at path (an earlier file there is untouched). */
typedef csm_error (*csm_render_fn)(const csm_report *r,
                                   const csm_render_options *opt,
                                   const char *path, csm_diags *diag);

csm_error csm_render_xlsx(const csm_report *r, const csm_render_options *opt,
                          const char *path, csm_diags *diag);
csm_error csm_render_pdf(const csm_report *r, const csm_render_options *opt,
                         const char *path, csm_diags *diag);

typedef struct csm_renderer {
    const char *format;    /* "pdf", "xlsx" */
    const char *extension; /* ".pdf" */
    csm_render_fn render;
} csm_renderer;

extern const csm_renderer csm_renderers[];
extern const size_t csm_n_renderers;

#endif
