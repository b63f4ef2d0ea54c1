/* The output formats, by name: adding a format is one row here and one
 * file in src/render/. */
#include "csmetrics/render.h"

const csm_renderer csm_renderers[] = {
    {"xlsx", ".xlsx", csm_render_xlsx},
    {"pdf", ".pdf", csm_render_pdf},
};
const size_t csm_n_renderers = sizeof csm_renderers / sizeof *csm_renderers;
