/* load.h - the load stage: a data folder in, a csm_dataset out.
 *
 * Reads DATA/snapshots/ *.csv (in parallel, one worker per core) or
 * DATA/subscriptions.csv (periods), then the optional fx.csv, costs.csv,
 * churn_reasons.csv and referrals.csv.  Checks syntax and row-level rules
 * as it reads (calling the validate stage's row rules) and collects every
 * problem in diag.
 */
#ifndef CSMETRICS_LOAD_H
#define CSMETRICS_LOAD_H

#include <stdbool.h>

#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"

typedef struct csm_load_options {
    const char *data_dir;
    csm_month as_of; /* periods: last month to load; 0 = from the data */
    int threads;     /* 0: one per online core */
    /* When set, load this subscription-periods file instead of a data
     * folder (fx.csv is still read from its folder when present); for
     * `csmetrics import periods`. */
    const char *periods_file;
} csm_load_options;

/* On success returns CSM_OK and sets *out to a new data set the caller
 * frees with csm_dataset_free().  On error returns CSM_EDATA (the data is
 * wrong: every problem found is in diag) or CSM_EIO (a file or folder could
 * not be read), sets *out to NULL and leaves nothing allocated.  Warnings
 * do not fail the load. */
csm_error csm_load_run(const csm_load_options *opt, const csm_config *cfg,
                       csm_dataset **out, csm_diags *diag);

/* Loads one snapshot CSV held in memory as month `month` (CSM_NO_MONTH: it
 * must have an as_of column) into a fresh data set; for tests and fuzzing.
 * Same contract as csm_load_run. */
csm_error csm_load_snapshot_buffer(const char *data, size_t len,
                                   const char *name, csm_month month,
                                   const csm_config *cfg, csm_dataset **out,
                                   csm_diags *diag);

#endif
