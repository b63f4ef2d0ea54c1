/* churn_reasons.h - why customers left, and where the record is missing.
 *
 * A churn is a churn movement of the MRR bridge: customer c active in month
 * M-1 and inactive in M, amount = the bridge's churn amount.  Each churn is
 * matched to one row of churn_reasons.csv for the same customer:
 *   1. a row dated in the churn month M, else
 *   2. a row dated d months off, d = 1..cfg->churn_reason_match_months,
 *      the month before (M-d) tried before the month after (M+d) - a
 *      cancellation is often logged when notice is given, the month before
 *      the MRR stops.
 * Churns are matched in month order, exact matches for every churn first;
 * a row is used by at most one churn.  Rows left over are listed: for a
 * customer that did not churn near that month ("no_churn"), or a second
 * row for a churn that already has one ("duplicate").
 *
 * Totals by reason and by category (controllable / uncontrollable /
 * unspecified) for the windows of 1, 3 and 12 months ending at the report
 * month; churns without a reason are counted apart and listed, with the
 * leftover rows, over the trailing 12 months ending at the report month.
 * docs/metrics/churn_reasons.md has the definitions and the JSON keys.
 */
#ifndef CSMETRICS_CHURN_REASONS_H
#define CSMETRICS_CHURN_REASONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/ratio.h"
#include "csmetrics/retention.h"

#define CSM_REASON_CATEGORIES 3 /* csm_reason_category values */

/* "unspecified", "controllable", "uncontrollable". */
const char *csm_reason_category_name(csm_reason_category c);

/* One churn movement and the reason row matched to it. */
typedef struct csm_churn_event {
    uint32_t customer;
    int month;   /* month index of the churn (>= 1) */
    int64_t mrr; /* bridge churn amount */
    long reason; /* index into ds->reasons, or -1 */
    int offset;  /* reason's month minus the churn month */
} csm_churn_event;

/* Churn of one (reason, category) pair in a window. */
typedef struct csm_reason_total {
    uint32_t reason; /* string index into ds->strings */
    csm_reason_category category;
    long logos;
    int64_t mrr;
    csm_ratio share_logos; /* of all churned logos of the window */
    csm_ratio share_mrr;   /* of all churned MRR of the window */
} csm_reason_total;

typedef struct csm_churn_window {
    int months;
    bool fits; /* false when the window reaches the opening month */
    csm_month from, to;
    long churned_logos;
    int64_t churned_mrr;
    long no_reason_logos; /* churns with no matched row */
    int64_t no_reason_mrr;
    long category_logos[CSM_REASON_CATEGORIES];
    int64_t category_mrr[CSM_REASON_CATEGORIES];
    csm_ratio category_share_logos[CSM_REASON_CATEGORIES];
    csm_ratio category_share_mrr[CSM_REASON_CATEGORIES];
    csm_reason_total *by_reason; /* largest MRR first, then logos, then
                                    reason text, then category */
    size_t n_by_reason;
} csm_churn_window;

typedef enum csm_reason_issue {
    CSM_REASON_NO_CHURN = 0, /* the customer did not churn near that month */
    CSM_REASON_DUPLICATE     /* its churn already has a reason row */
} csm_reason_issue;

/* A row of churn_reasons.csv that no churn used. */
typedef struct csm_unmatched_reason {
    size_t index; /* into ds->reasons */
    csm_reason_issue why;
} csm_unmatched_reason;

typedef struct csm_churn_reasons {
    bool has_reasons; /* churn_reasons.csv was present */
    int report_month; /* month index */
    int match_months; /* cfg->churn_reason_match_months */
    csm_churn_window current[CSM_RETENTION_WINDOWS];
    csm_churn_event *events; /* every churn of the loaded months, by month
                                then customer */
    size_t n_events;
    long matched_exact, matched_off; /* churns matched at offset 0 / not 0 */
    /* The lists cover months list_from..list_to: the trailing 12 months
     * ending at the report month, from the second loaded month at the
     * earliest.  Empty lists when the report month is the first month. */
    csm_month list_from, list_to;
    size_t *missing; /* indexes into events: churns without a reason */
    size_t n_missing;
    int64_t missing_mrr;
    csm_unmatched_reason *unmatched; /* rows dated inside the list months */
    size_t n_unmatched;
} csm_churn_reasons;

/* Matches every churn to its reason and totals the windows.  Adds a
 * warning "churn-reason-missing" per listed churn without a reason (one
 * warning in all when there is no churn_reasons.csv) and a warning
 * "churn-reason-unmatched" per listed leftover row.  On success returns
 * CSM_OK and sets *out (free with csm_churn_reasons_free).  On error
 * (CSM_EUSAGE: report_month out of range; CSM_EDATA: an MRR sum overflows)
 * returns the code with *out NULL. */
csm_error csm_churn_reasons_run(const csm_dataset *ds, const csm_config *cfg,
                                int report_month, csm_churn_reasons **out,
                                csm_diags *diag);

/* Frees a result; NULL is a no-op. */
void csm_churn_reasons_free(csm_churn_reasons *r);

#endif
