/* bridge.h - the MRR bridge, month M-1 to M, per SPEC.md.
 *
 * Each customer's change is one movement: new, reactivation, expansion,
 * contraction or churn (or none).  Amounts are classified at constant
 * currency (the config's fx_policy) and the remaining difference is the fx
 * line, so that for every month
 *   closing = opening + new + reactivation + expansion - contraction
 *             - churn + fx
 * and closing equals the month's snapshot rows summed independently by the
 * loader.  csm_bridge_run checks both identities (amounts and logos) and
 * fails the run with CSM_EMISMATCH if either ever differs.
 */
#ifndef CSMETRICS_BRIDGE_H
#define CSMETRICS_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"

typedef enum csm_movement {
    CSM_MOVE_NONE = 0, /* inactive in both months, or active and flat */
    CSM_MOVE_NEW,
    CSM_MOVE_REACTIVATION,
    CSM_MOVE_EXPANSION,
    CSM_MOVE_CONTRACTION,
    CSM_MOVE_CHURN,
    CSM_MOVE_COUNT
} csm_movement;

/* "new", "reactivation", ... ("none" for CSM_MOVE_NONE). */
const char *csm_movement_name(csm_movement m);

/* The amounts of one bridge line set: money in reporting minor units. */
typedef struct csm_bridge_amounts {
    int64_t opening, new_, reactivation, expansion, contraction, churn, fx,
        closing;
} csm_bridge_amounts;

typedef struct csm_bridge_logos {
    long opening, new_, reactivation, expansion, contraction, churn, fx,
        closing;
} csm_bridge_logos;

typedef struct csm_bridge_month {
    csm_month month;
    bool opening_balance; /* first loaded month: no movements */
    csm_bridge_amounts amount;
    csm_bridge_logos logos;
    int64_t snapshot_total; /* Σ of the month's rows after policies */
} csm_bridge_month;

typedef struct csm_bridge {
    csm_bridge_month *months; /* one per loaded month, in order */
    int n_months;
} csm_bridge;

/* One customer's movement in a month. */
typedef struct csm_customer_move {
    uint32_t customer;
    csm_movement kind;
    int64_t previous;   /* MRR in M-1 at M-1's rate */
    int64_t current;    /* MRR in M at M's rate */
    int64_t classified; /* the movement's amount (>= 0), constant currency */
    int64_t fx;         /* current - previous - signed movement */
} csm_customer_move;

/* Per-customer state carried from month to month while classifying. */
typedef struct csm_bridge_state {
    int *last_active; /* [n_customers] month index, -1 = never */
} csm_bridge_state;

void csm_bridge_state_init(csm_bridge_state *st, const csm_dataset *ds);
void csm_bridge_state_free(csm_bridge_state *st);
/* Classifies customer c in month index m (>= 1) given the state after
 * months < m; does not advance the state. */
csm_customer_move csm_bridge_classify(const csm_dataset *ds,
                                      const csm_config *cfg,
                                      const csm_bridge_state *st, int m,
                                      uint32_t c);
/* Records month m's activity in the state (call once per month, in
 * order). */
void csm_bridge_state_advance(csm_bridge_state *st, const csm_dataset *ds,
                              int m);

/* On success returns CSM_OK and sets *out (free with csm_bridge_free).
 * On error returns CSM_EMISMATCH (an identity does not hold: a bug or a
 * loader fault, described in diag) or CSM_EDATA (a sum overflows), with
 * *out NULL. */
csm_error csm_bridge_run(const csm_dataset *ds, const csm_config *cfg,
                         csm_bridge **out, csm_diags *diag);
void csm_bridge_free(csm_bridge *b);

/* The movements of every customer that moved in month index m (>= 1), in
 * customer order.  Returns the count; *out is a new array the caller
 * frees. */
size_t csm_bridge_ledger(const csm_dataset *ds, const csm_config *cfg, int m,
                         csm_customer_move **out);

#endif
