/* economics.h - unit economics: what it costs to win and to keep a
 * customer, and what a customer is worth.
 *
 * Inputs are the costs table (costs.csv: acquisition and retention spend
 * per month, reporting minor units) and the MRR bridge.  For a window of
 * `months` months ending at month index m1 (first month f = m1 - months + 1,
 * base month M0 = f - 1):
 *
 *   CAC        = acquisition cost of the window / new logos of the window
 *   CRC        = retention cost of the window / retained logos
 *                (customers active in M0 still active in m1)
 *   CRC:CAC    = CRC / CAC
 *   avg new-logo MRR = new MRR of the window / new logos
 *   CAC payback (months) = CAC / (avg new-logo MRR x gross margin)
 *   ARPA       = sum over the window's months of closing MRR
 *                / sum of closing logos (MRR per active customer-month)
 *   gross revenue churn rate (monthly) = sum of (churn + contraction)
 *                / sum of opening MRR, over the window's months
 *   LTV        = ARPA x gross margin / gross revenue churn rate
 *   LTV:CAC    = LTV / CAC
 *
 * New logos are the bridge's new movements only: a reactivation is a
 * returning customer, not one that acquisition spend won (it is counted
 * beside, for the reader).  docs/metrics/unit_economics.md has the full
 * definitions, rounding and the reasons a value can be undefined.
 *
 * Every value that cannot be computed is undefined (JSON null) and carries
 * a reason (csm_ue_reason); it is never 0 or infinity.
 */
#ifndef CSMETRICS_ECONOMICS_H
#define CSMETRICS_ECONOMICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csmetrics/bridge.h"
#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/ratio.h"
#include "csmetrics/retention.h"

/* Longest window, in months (the trailing twelve months). */
#define CSM_UE_MAX_WINDOW 12

/* An amount in reporting minor units that may be undefined. */
typedef struct csm_ue_money {
    int64_t value; /* 0 when !defined */
    bool defined;
} csm_ue_money;

/* The figures of a window, in the order of their JSON keys. */
typedef enum csm_ue_metric {
    CSM_UE_ACQUISITION_COST = 0,
    CSM_UE_RETENTION_COST,
    CSM_UE_CAC,
    CSM_UE_CRC,
    CSM_UE_CRC_TO_CAC,
    CSM_UE_AVG_NEW_LOGO_MRR,
    CSM_UE_CAC_PAYBACK,
    CSM_UE_ARPA,
    CSM_UE_CHURN_RATE,
    CSM_UE_LTV,
    CSM_UE_LTV_TO_CAC,
    CSM_UE_METRIC_COUNT
} csm_ue_metric;

/* Why a figure is undefined.  For each figure the first reason that
 * applies is recorded, checked in this order: window, costs, counts,
 * amounts. */
typedef enum csm_ue_reason {
    CSM_UE_DEFINED = 0,
    CSM_UE_WINDOW_NOT_LOADED, /* window starts before the 2nd loaded month */
    CSM_UE_NO_COSTS_FILE,     /* there is no costs.csv */
    CSM_UE_COSTS_MISSING,     /* a month of the window has no costs row */
    CSM_UE_NO_NEW_LOGOS,      /* no new logos in the window */
    CSM_UE_NO_RETAINED_LOGOS, /* no base customer still active at the end */
    CSM_UE_ZERO_CAC,          /* CAC is 0: a ratio over it is not defined */
    CSM_UE_ZERO_MARGIN,       /* gross margin 0: payback never happens */
    CSM_UE_NO_ACTIVE_LOGOS,   /* no active customer in any month */
    CSM_UE_NO_OPENING_MRR,    /* no opening MRR in any month */
    CSM_UE_NO_REVENUE_CHURN,  /* churn + contraction is 0: LTV unbounded */
    CSM_UE_TOO_LARGE,         /* LTV does not fit in int64 minor units */
    CSM_UE_REASON_COUNT
} csm_ue_reason;

typedef struct csm_ue_window {
    int months;         /* 1, 3 or 12 */
    bool fits;          /* false: the window is not loaded (M0 < index 0);
                           every figure is then undefined */
    csm_month from, to; /* first and last month of the window */
    csm_month base;     /* M0, the month before `from` */

    /* Inputs, summed over the window's months. */
    int cost_months;                            /* months with a costs row */
    csm_month missing_costs[CSM_UE_MAX_WINDOW]; /* months without one */
    int n_missing_costs;
    long new_logos, reactivated_logos;
    int64_t new_mrr;     /* bridge new amount */
    long base_logos;     /* active in M0 */
    long retained_logos; /* of those, active in `to` */
    int64_t mrr_months;  /* sum of closing MRR */
    long logo_months;    /* sum of closing logos */
    int64_t opening_mrr; /* sum of opening MRR */
    int64_t lost_mrr;    /* sum of churn + contraction */

    /* Results.  Money is rounded half to even from the exact quotient;
     * ratios are computed from unrounded values. */
    csm_ue_money acquisition_cost, retention_cost;
    csm_ue_money cac, crc, avg_new_logo_mrr, arpa, ltv;
    csm_ratio crc_to_cac, cac_payback_months, gross_revenue_churn_rate,
        ltv_to_cac;
    csm_ue_reason why[CSM_UE_METRIC_COUNT]; /* CSM_UE_DEFINED if defined */
} csm_ue_window;

typedef struct csm_economics {
    int report_month; /* month index */
    bool has_costs;   /* costs.csv was present */
    double gross_margin;
    /* Windows of csm_retention_window_months[w] months ending at the
     * report month. */
    csm_ue_window current[CSM_RETENTION_WINDOWS];
    /* series[w][k]: the same window ending at month index k, for every
     * loaded month (fits is false where the window is not loaded). */
    csm_ue_window *series[CSM_RETENTION_WINDOWS];
    int n_series; /* = n_months */
} csm_economics;

/* JSON key of a figure ("cac", "crc_to_cac", ...). */
const char *csm_ue_metric_name(csm_ue_metric m);
/* Stable identifier of a reason ("no_new_logos"); "" for CSM_UE_DEFINED. */
const char *csm_ue_reason_name(csm_ue_reason r);

/* Writes a sentence explaining reason r for window w into buf (n bytes,
 * always terminated), e.g. "no costs row for 2024-04 in costs.csv".
 * Returns buf. */
char *csm_ue_reason_text(const csm_ue_window *w, csm_ue_reason r, char *buf,
                         size_t n);

/* Computes the window of `months` months (1..CSM_UE_MAX_WINDOW) ending at
 * month index m1 into *out.  bridge is the run's bridge (csm_bridge_run on
 * the same ds and cfg).  A window that is not loaded is CSM_OK with
 * out->fits false.  Returns CSM_OK, CSM_EUSAGE for months or m1 out of
 * range, or CSM_EDATA when a cost or MRR sum overflows int64 (an error
 * diagnostic "economics-overflow" is added to diag, when not NULL). */
csm_error csm_economics_window(const csm_dataset *ds, const csm_config *cfg,
                               const csm_bridge *bridge, int m1, int months,
                               csm_ue_window *out, csm_diags *diag);

/* Computes the three windows for report_month and their monthly series.
 * Adds one warning "unit-economics-undefined" to diag per window of the
 * report month and per reason that leaves a figure undefined.  On success
 * returns CSM_OK and sets *out to a new result (free with
 * csm_economics_free).  On error returns the code of csm_economics_window
 * with *out NULL and nothing allocated. */
csm_error csm_economics_run(const csm_dataset *ds, const csm_config *cfg,
                            const csm_bridge *bridge, int report_month,
                            csm_economics **out, csm_diags *diag);

/* Frees a result; NULL is a no-op. */
void csm_economics_free(csm_economics *e);

#endif
