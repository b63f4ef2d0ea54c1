/* report_build.h - from computed metrics to the report model.
 *
 * Every section id a report definition may name is registered here with
 * its options (csm_section_specs) and a builder (src/report/build.c and
 * src/report/sections_*.c).  Builders read results and write model blocks;
 * they never read files or format text for a particular output format.
 */
#ifndef CSMETRICS_REPORT_BUILD_H
#define CSMETRICS_REPORT_BUILD_H

#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/metrics.h"
#include "csmetrics/report_def.h"
#include "csmetrics/report_model.h"

struct csm_reconcile;
struct csm_restatements;

typedef struct csm_build_ctx {
    const csm_metrics *m;
    const csm_dataset *ds;
    const csm_config *cfg;
    const csm_diags *diags;                  /* for the data-quality section */
    const struct csm_reconcile *recon;       /* reconcile run, or NULL */
    const struct csm_restatements *restated; /* --previous, or NULL */
    const char *company;                     /* style override or config */
    long long epoch;                         /* generation time, seconds */
} csm_build_ctx;

extern const csm_section_spec csm_section_specs[];
extern const size_t csm_n_section_specs;

/* Builds the report a definition describes.  On success returns CSM_OK and
 * sets *out (free with csm_report_free). */
csm_error csm_report_build(const csm_report_def *def, const csm_build_ctx *ctx,
                           csm_report **out, csm_diags *diag);

/* Seconds since the epoch for "generated" dates: SOURCE_DATE_EPOCH when
 * set and valid (CSM_EUSAGE otherwise), else the current time. */
csm_error csm_build_epoch(long long *out, csm_diags *diag);

#endif
