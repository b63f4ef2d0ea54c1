/* retention.h - point-to-point retention over a window M0 -> M1.
 *
 * Base B = customers active in M0.  Customers won after M0 never enter.
 *   logo retention = |B active in M1| / |B|
 *   GRR = Σ_B min(MRR_M1, MRR_M0) / Σ_B MRR_M0
 *   NRR = Σ_B MRR_M1 / Σ_B MRR_M0
 * Amounts are each month's reported MRR (at its own rate).  Windows of 1, 3
 * and 12 months, for the report month and as a series for every month the
 * window fits; overall and grouped by segment, plan and signup quarter
 * (each taken as of M0).
 */
#ifndef CSMETRICS_RETENTION_H
#define CSMETRICS_RETENTION_H

#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/ratio.h"

#define CSM_RETENTION_WINDOWS 3
extern const int
    csm_retention_window_months[CSM_RETENTION_WINDOWS]; /* 1,3,12 */

typedef struct csm_retention {
    csm_month from, to;
    int window; /* months */
    long base_logos, retained_logos;
    int64_t base_mrr;   /* Σ_B MRR_M0 */
    int64_t capped_mrr; /* Σ_B min(MRR_M1, MRR_M0) */
    int64_t end_mrr;    /* Σ_B MRR_M1 */
    csm_ratio logo_retention, grr, nrr;
} csm_retention;

typedef enum csm_group_kind {
    CSM_GROUP_SEGMENT = 0,
    CSM_GROUP_PLAN,
    CSM_GROUP_COHORT, /* signup quarter: contract_start, else first active */
    CSM_GROUP_KINDS
} csm_group_kind;

const char *csm_group_kind_name(csm_group_kind k); /* "segment", ... */

/* Retention of one group value ("Enterprise", "2024-Q1"). */
typedef struct csm_retention_group {
    char *value; /* "" = not given */
    csm_retention window[CSM_RETENTION_WINDOWS];
} csm_retention_group;

typedef struct csm_retention_result {
    int report_month;                             /* month index */
    csm_retention current[CSM_RETENTION_WINDOWS]; /* to = report month */
    /* series[w][k]: window w ending at month index k; entries whose window
     * does not fit (k < months) have base_logos = -1. */
    csm_retention *series[CSM_RETENTION_WINDOWS];
    int n_series; /* = n_months */
    csm_retention_group *groups[CSM_GROUP_KINDS];
    size_t n_groups[CSM_GROUP_KINDS];
} csm_retention_result;

/* Retention of the base active at month index m0, measured at m1. */
csm_retention csm_retention_window(const csm_dataset *ds, int m0, int m1);

/* On success returns CSM_OK and sets *out (free with
 * csm_retention_free).  report_month is a month index. */
csm_error csm_retention_run(const csm_dataset *ds, const csm_config *cfg,
                            int report_month, csm_retention_result **out,
                            csm_diags *diag);
void csm_retention_free(csm_retention_result *r);

/* Signup month of customer c: month of contract_start, else the first
 * month it is active, else CSM_NO_MONTH. */
csm_month csm_signup_month(const csm_dataset *ds, size_t c);

#endif
