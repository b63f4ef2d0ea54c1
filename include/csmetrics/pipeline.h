/* pipeline.h - load -> validate -> compute, owned in one place.
 *
 * A csm_run owns every stage output and frees them in reverse order
 * (csm_run_free).  Commands build on it; stages never free each other's
 * data. */
#ifndef CSMETRICS_PIPELINE_H
#define CSMETRICS_PIPELINE_H

#include <stdbool.h>

#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/load.h"
#include "csmetrics/metrics.h"

typedef struct csm_run {
    csm_config cfg;
    csm_diags diags;
    csm_dataset *ds;
    int report_month; /* month index, set by csm_run_compute */
    csm_metrics *metrics;
} csm_run;

/* Reads the config (config_path may be NULL: defaults) and loads the data.
 * Returns CSM_OK, or the first stage's error with its diagnostics in
 * run->diags.  Call csm_run_free in every case. */
csm_error csm_run_load(csm_run *run, const char *config_path,
                       const csm_load_options *lo);

/* Computes every metric for report month `month` ("YYYY-MM", or NULL for
 * the last loaded month).  CSM_EUSAGE when the month is not loaded. */
csm_error csm_run_compute(csm_run *run, const char *month);

void csm_run_free(csm_run *run);

#endif
