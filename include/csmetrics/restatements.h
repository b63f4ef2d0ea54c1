/* restatements.h - what changed since an earlier run.
 *
 * Finance reports a month, then re-exports history with corrections.
 * Given the JSON of an earlier run (--previous FILE), every figure of a
 * month that was reported before and now differs is listed: month, metric
 * (a JSON path such as "bridge.churn"), previous value, current value.
 * Entries of arrays are matched by their "month" (or "to") key, so a figure
 * is compared only with the same month's figure; months or metrics the
 * earlier run did not have are new, not restated.  With the earlier data
 * folder (--previous-data DIR) the customers whose MRR changed in a month
 * both runs loaded are listed too: added, removed or changed.
 */
#ifndef CSMETRICS_RESTATEMENTS_H
#define CSMETRICS_RESTATEMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"

#define CSM_RESTATED_KEEP 20000

typedef struct csm_restated_figure {
    char *month;    /* "2025-02", or "" for run-level figures (policies) */
    char *metric;   /* "bridge.churn", "retention.m12.nrr" */
    char *previous; /* JSON text of the value ("12500", "0.97", "null") */
    char *current;
} csm_restated_figure;

typedef struct csm_restated_customer {
    char *customer_id;
    csm_month month;
    int64_t previous, current; /* MRR; 0 when absent */
    const char *change;        /* "added", "removed", "changed" */
} csm_restated_customer;

typedef struct csm_restatements {
    char *previous_path;
    char *previous_data; /* NULL without --previous-data */
    csm_restated_figure *figures;
    size_t n_figures, total_figures; /* kept / found */
    csm_restated_customer *customers;
    size_t n_customers, total_customers;
} csm_restatements;

/* Compares the earlier run's JSON (read from prev_path) with the current
 * run's JSON text, and when prev_ds is not NULL the two data sets.  On
 * success CSM_OK and *out (free with csm_restatements_free).  CSM_EIO when
 * the file cannot be read, CSM_EDATA when it is not JSON of a csmetrics
 * run. */
csm_error csm_restatements_run(const char *prev_path, const char *current,
                               size_t current_len, const csm_dataset *cur_ds,
                               const char *prev_data_path,
                               const csm_dataset *prev_ds,
                               csm_restatements **out, csm_diags *diag);
void csm_restatements_free(csm_restatements *r);

#endif
