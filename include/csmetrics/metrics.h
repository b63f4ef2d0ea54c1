/* metrics.h - every metric family computed for one run.
 *
 * csm_metrics_run() runs the families in the order of its registration
 * table (src/compute/metrics.c); a family may read the results of those
 * before it.  The struct owns every result; renderers borrow it. */
#ifndef CSMETRICS_METRICS_H
#define CSMETRICS_METRICS_H

#include <stdio.h>

#include "csmetrics/bridge.h"
#include "csmetrics/cohorts.h"
#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/nrr_methods.h"
#include "csmetrics/renewals.h"
#include "csmetrics/retention.h"
#include "csmetrics/ttfv.h"
#include "csmetrics/health.h"
#include "csmetrics/at_risk.h"
#include "csmetrics/economics.h"
#include "csmetrics/referrals.h"
#include "csmetrics/churn_reasons.h"
#include "csmetrics/trends.h"

struct csm_restatements;

typedef struct csm_metrics {
    const csm_dataset *ds; /* borrowed */
    const csm_config *cfg; /* borrowed */
    int report_month;      /* month index */
    csm_bridge *bridge;
    csm_retention_result *retention;
    csm_nrr_methods *nrr_methods;
    csm_renewals *renewals;
    csm_cohorts *cohorts;
    csm_ttfv *ttfv;
    csm_health *health;
    /* At-risk flag month index.  CSM_FLAG_MONTH_UNSET (the value
     * csm_metrics_run starts with) means the default of
     * csm_at_risk_default_flag: report month - at_risk_months, or the
     * earliest month; the at_risk family stores the month it used. */
    int flag_month;
    /* Set by the report command when --previous is given (borrowed, not
     * freed here); NULL otherwise, and the JSON key is null. */
    const struct csm_restatements *restatements;
    csm_at_risk *at_risk;
    csm_economics *economics;
    csm_referrals *referrals;
    csm_churn_reasons *churn_reasons;
    csm_trends *trends;
} csm_metrics;

/* On success returns CSM_OK and sets *out (free with csm_metrics_free).
 * On error returns the failing family's code with *out NULL. */
/* The same with the at-risk flag month given (a month index, or
 * CSM_FLAG_MONTH_UNSET for the default). */
csm_error csm_metrics_run_flagged(const csm_dataset *ds, const csm_config *cfg,
                                  int report_month, int flag_month,
                                  csm_metrics **out, csm_diags *diag);
csm_error csm_metrics_run(const csm_dataset *ds, const csm_config *cfg,
                          int report_month, csm_metrics **out, csm_diags *diag);
void csm_metrics_free(csm_metrics *m);

/* Writes the run's JSON document (SPEC.md section 5, docs/json.md) to out.
 * diag supplies the data-quality section.  Returns CSM_OK or CSM_EIO. */
csm_error csm_metrics_write_json(const csm_metrics *m, const csm_diags *diag,
                                 FILE *out);

#endif
