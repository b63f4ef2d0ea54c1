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
 * the last loaded month) with the at-risk cohort flagged in `flagged`
 * ("YYYY-MM", or NULL for the default).  CSM_EUSAGE when a month is not
 * loaded or not a month. */
csm_error csm_run_compute(csm_run *run, const char *month, const char *flagged);

/* Month index of "YYYY-MM" in the run's data, or -1 with a usage
 * diagnostic naming the option (`what`, e.g. "--month"). */
int csm_run_month_index(csm_run *run, const char *what, const char *month);

void csm_run_free(csm_run *run);

#endif
