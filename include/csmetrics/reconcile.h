/* reconcile.h - the finance reconciliation of one month.
 *
 * The month's MRR bridge with the per-customer movement ledger behind it
 * (every customer that moved: previous MRR, MRR, category, movement, fx),
 * and, with a billing ledger (customer_id, mrr for the month, from the
 * billing system), every customer whose amounts differ or who is missing
 * on either side.  `ties` is false when anything does not tie; the report
 * is still produced so finance can see why, and the command exits 3.
 */
#ifndef CSMETRICS_RECONCILE_H
#define CSMETRICS_RECONCILE_H

#include <stdbool.h>
#include <stdint.h>

#include "csmetrics/bridge.h"
#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"

typedef struct csm_recon_diff {
    char *customer_id;
    char *name;
    int64_t ours;    /* MRR in the snapshots (before the past-due policy) */
    int64_t billing; /* MRR in the billing ledger */
    bool missing_ours, missing_billing;
} csm_recon_diff;

typedef struct csm_reconcile {
    int month; /* month index */
    csm_bridge_month bridge;
    csm_customer_move *moves; /* customers that moved, in id order */
    size_t n_moves;
    int64_t movement_sum[CSM_MOVE_COUNT]; /* Σ classified by kind */
    int64_t fx_sum;
    int64_t tie_out; /* opening + movements + fx - snapshot total */
    bool has_ledger;
    char *ledger_path;
    long ledger_rows;
    size_t ledger_customers, matched_customers;
    int64_t ours_total, billing_total; /* over every customer */
    csm_recon_diff *diffs;             /* in customer id order */
    size_t n_diffs;
    bool ties;
} csm_reconcile;

/* On success CSM_OK and *out (free with csm_reconcile_free), whether or not
 * it ties.  CSM_EDATA / CSM_EIO when the ledger file is wrong or cannot be
 * read (diagnostics name file, line and column). */
csm_error csm_reconcile_run(const csm_dataset *ds, const csm_config *cfg,
                            const csm_bridge *bridge, int month,
                            const char *ledger_path, csm_reconcile **out,
                            csm_diags *diag);
void csm_reconcile_free(csm_reconcile *r);

#endif
