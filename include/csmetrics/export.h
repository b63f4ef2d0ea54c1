/* export.h - writing a data set back out as a snapshot folder.
 *
 * `csmetrics import periods` loads a subscription-periods file and writes
 * one snapshots/YYYY-MM.csv per loaded month, in the reporting currency,
 * such that loading the folder gives the same metrics: every active
 * customer has a row; a month without active customers (the empty opening
 * month of a periods file) lists every customer with mrr 0, so the file is
 * not header-only and the month stays in the data. */
#ifndef CSMETRICS_EXPORT_H
#define CSMETRICS_EXPORT_H

#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"

/* Creates out_dir/snapshots (and out_dir) as needed and writes every month
 * atomically.  Returns CSM_OK or CSM_EIO with a diagnostic. */
csm_error csm_export_snapshots(const csm_dataset *ds, const char *out_dir,
                               csm_diags *diag);

#endif
