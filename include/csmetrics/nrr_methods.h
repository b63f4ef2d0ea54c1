/* nrr_methods.h - the movement-sum NRR beside the point-to-point NRR, the
 * exact decomposition of their difference, and the quick ratio.
 *
 * Vendors publish different "NRR"s from the same data.  For a window of w
 * months, M0 = R - w to R (w = 1, 3, 12, as retention.h), this module
 * gives:
 *
 *   point to point (the headline, retention.h):
 *       P2P = Σ_B MRR_R / Σ_B MRR_M0,  B = customers active in M0
 *   movement sum over the window's bridge months k = M0+1 .. R:
 *       MS  = Σ_k (opening_k + expansion_k + reactivation_k - contraction_k
 *                  - churn_k) / Σ_k opening_k
 *   window-start movement sum (shown for reference, not decomposed):
 *       WS  = (opening_{M0+1} + Σ_k (expansion_k + reactivation_k
 *                  - contraction_k - churn_k)) / opening_{M0+1}
 *
 * MS - P2P is split into five components that add up to it (up to double
 * rounding of the ratios; every sum behind them is an exact integer):
 * fx, churned_and_returned, returned_from_before, won_in_window and
 * monthly_openings.  docs/metrics/retention_methods.md derives the chain
 * of intermediate ratios that defines them.
 *
 * Quick ratio = (new + reactivation + expansion) / (contraction + churn)
 * per bridge month and over the trailing 12 bridge months.
 *
 * Every ratio with a zero denominator is undefined (JSON null).
 */
#ifndef CSMETRICS_NRR_METHODS_H
#define CSMETRICS_NRR_METHODS_H

#include <stdbool.h>
#include <stdint.h>

#include "csmetrics/bridge.h"
#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/ratio.h"
#include "csmetrics/retention.h"

/* The customers of a window fall in exactly one of these groups, decided
 * from the bridge's own classification of their movements in the window's
 * months (first rule that applies):
 *   RETURNED_BASE  active in M0, and a reactivation or new movement inside
 *                  the window (left and came back inside it);
 *   STEADY_BASE    active in M0, otherwise (kept, grew, shrank or left);
 *   WON            not active in M0, a new movement inside the window;
 *   RETURNED_OTHER not active in M0, a reactivation inside the window (left
 *                  before the window, came back inside it). */
typedef enum csm_nrr_group {
    CSM_NRR_STEADY_BASE = 0,
    CSM_NRR_RETURNED_BASE,
    CSM_NRR_RETURNED_OTHER,
    CSM_NRR_WON,
    CSM_NRR_GROUPS
} csm_nrr_group;

/* "steady_base", "returned_base", "returned_other", "won". */
const char *csm_nrr_group_name(csm_nrr_group g);

/* Exact integer sums over one group's customers.  base_mrr, end_mrr and
 * base_fx are 0 for the groups outside the base. */
typedef struct csm_nrr_group_sums {
    long logos;
    int64_t base_mrr;     /* Σ MRR_M0 */
    int64_t end_mrr;      /* Σ MRR_R */
    int64_t base_fx;      /* Σ of the bridge's per-customer fx, k in window */
    int64_t opening_sum;  /* Σ_k MRR_{k-1} where active in k-1 */
    int64_t retained_sum; /* Σ_k (MRR_k - fx_k - new_k): the customer's
                             share of the movement-sum numerator */
} csm_nrr_group_sums;

/* The components of MS - P2P; each is defined exactly when both MS and
 * P2P are. */
typedef struct csm_nrr_components {
    csm_ratio fx;
    csm_ratio churned_and_returned;
    csm_ratio returned_from_before;
    csm_ratio won_in_window;
    csm_ratio monthly_openings;
} csm_nrr_components;

typedef struct csm_nrr_window {
    bool fits;      /* false when M0 = R - window is before the first month;
                       every other field is then zero / undefined */
    int window;     /* months */
    csm_month from; /* M0 */
    csm_month to;   /* R */

    /* Point to point, reported amounts (equal to retention.h's figure). */
    long base_logos;
    int64_t base_mrr, end_mrr;
    csm_ratio p2p_nrr;

    /* Movement sum: the bridge lines summed over months M0+1 .. R. */
    int64_t opening_sum, expansion, reactivation, contraction, churn;
    int64_t retained_sum; /* opening_sum + expansion + reactivation
                             - contraction - churn */
    int64_t new_excluded; /* new business, left out of both methods */
    int64_t fx_excluded;  /* the fx line, left out of the movement sum */
    csm_ratio movement_nrr;

    /* Window-start movement sum: opening of month M0+1 only. */
    int64_t window_opening;
    csm_ratio window_start_nrr;

    csm_ratio difference; /* movement_nrr - p2p_nrr */
    csm_nrr_components components;
    csm_nrr_group_sums group[CSM_NRR_GROUPS];
} csm_nrr_window;

/* One bridge month of the quick ratio. */
typedef struct csm_quick_ratio_month {
    csm_month month;
    bool opening_balance; /* first loaded month: no movements, all null */
    int64_t gains;        /* new + reactivation + expansion */
    int64_t losses;       /* contraction + churn */
    csm_ratio quick_ratio;
    bool t12_fits;                 /* twelve bridge months end here */
    int64_t gains_t12, losses_t12; /* sums over the 12 months ending here */
    csm_ratio quick_ratio_t12;
} csm_quick_ratio_month;

typedef struct csm_nrr_methods {
    int report_month;                             /* month index */
    csm_nrr_window window[CSM_RETENTION_WINDOWS]; /* 1, 3, 12 months */
    csm_quick_ratio_month *quick; /* [n_months], index = month index */
    int n_months;
} csm_nrr_methods;

/* Computes the three windows ending at report_month (a month index) and
 * the quick ratio for every month, from the data set and its bridge (the
 * result of csm_bridge_run on the same ds and cfg).  On success returns
 * CSM_OK and sets *out to a new result the caller frees with
 * csm_nrr_methods_free().  On error sets *out to NULL and returns
 * CSM_EDATA (a sum overflows int64) or CSM_EMISMATCH (the per-customer
 * sums do not tie to the bridge lines: a bug), described in diag. */
csm_error csm_nrr_methods_run(const csm_dataset *ds, const csm_config *cfg,
                              const csm_bridge *bridge, int report_month,
                              csm_nrr_methods **out, csm_diags *diag);

/* Frees a result; NULL is a no-op. */
void csm_nrr_methods_free(csm_nrr_methods *r);

#endif
