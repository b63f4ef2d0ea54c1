/* json_renewals.h - JSON section writers of the retention-methods and
 * renewals families, for the section table of src/render/metrics_json.c.
 *
 * Each writer adds its keys to the run's top-level object; key names and
 * types are documented in docs/metrics/retention_methods.md and
 * docs/metrics/renewals.md. */
#ifndef CSMETRICS_JSON_RENEWALS_H
#define CSMETRICS_JSON_RENEWALS_H

#include "csmetrics/diag.h"
#include "csmetrics/json.h"
#include "csmetrics/metrics.h"

/* Writes "retention_methods" (windows m1, m3, m12 ending at the report
 * month; null when a window does not fit) and "quick_ratio". */
void csm_json_write_retention_methods(const csm_metrics *m, const csm_diags *d,
                                      csm_json *j);

/* Writes "renewals" and "mid_term_churn". */
void csm_json_write_renewals(const csm_metrics *m, const csm_diags *d,
                             csm_json *j);

#endif
