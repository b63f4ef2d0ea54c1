/* renewals.h - churn by renewable cohort, and mid-term churn.
 *
 * A customer is up for renewal in month M (a month index >= 1) when it is
 * active in M-1 and the term_end of snapshot M-1 falls inside month M, or
 * snapshot M-1 has no term_end for it (month to month).  The outcome:
 *   renewed    active in M, or in one of M+1 .. M+grace (grace_months);
 *   churned    inactive in M .. M+grace, all of them loaded;
 *   pending    inactive in M .. the last loaded month, and M+grace is past
 *              it: the answer is not in the data yet, so it is not guessed.
 * Customers not up for renewal never enter the denominators.  Per period
 * (month, calendar quarter, calendar year; overall, by segment as of M-1
 * and by term type):
 *   logo rate          renewed / up                  (+ Wilson interval)
 *   gross dollar rate  Σ renewed min(MRR_after, MRR_{M-1}) / Σ up MRR_{M-1}
 *   net dollar rate    Σ renewed MRR_after / Σ up MRR_{M-1}
 * where MRR_after is the MRR in the month the customer is first active
 * again (M itself unless renewed inside the grace months).  Each rate is
 * undefined when nobody is up, and also while any customer of the period
 * is pending.
 *
 * Mid-term churn: customers active in M-1, inactive in M (the bridge's
 * churn) that were not up for renewal in M; logos and their M-1 MRR.
 *
 * docs/metrics/renewals.md gives every rule with an example.
 */
#ifndef CSMETRICS_RENEWALS_H
#define CSMETRICS_RENEWALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/ratio.h"
#include "csmetrics/stats.h"

/* Longest term, in days from its first to its last day inclusive, that
 * counts as annual; anything longer is multi-year.  A year plus a month of
 * slack, for stub periods and co-terming. */
#define CSM_TERM_ANNUAL_MAX_DAYS 400

typedef enum csm_term_type {
    CSM_TERM_MONTHLY = 0, /* no term_end: month to month */
    CSM_TERM_ANNUAL,      /* term of at most CSM_TERM_ANNUAL_MAX_DAYS */
    CSM_TERM_MULTI_YEAR,  /* longer */
    CSM_TERM_UNKNOWN,     /* the data cannot tell annual from multi-year */
    CSM_TERM_TYPES
} csm_term_type;

/* "monthly", "annual", "multi_year", "unknown". */
const char *csm_term_type_name(csm_term_type t);

/* Type of the term that customer c has in snapshot index m (the term that
 * comes up for renewal after it).  The term runs from S to T = term_end
 * of snapshot m.  S is the day after the previous term_end when the
 * snapshots show term_end moving from an earlier date to T (a renewal
 * seen in the data).  Otherwise S is only bounded: no later than the last
 * day of the first snapshot f of the run of snapshots f..m that show T;
 * no earlier than contract_start, and no earlier than the first day of
 * month f when snapshot f-1 shows the customer without any term (absent
 * or month to month).  Annual when the longest possible term is at most
 * CSM_TERM_ANNUAL_MAX_DAYS, multi-year when the shortest possible term is
 * longer, unknown otherwise.  Never fails. */
csm_term_type csm_renewal_term_type(const csm_dataset *ds, size_t c, int m);

typedef enum csm_renewal_outcome {
    CSM_RENEWAL_NOT_UP = 0,
    CSM_RENEWAL_RENEWED,
    CSM_RENEWAL_CHURNED,
    CSM_RENEWAL_PENDING
} csm_renewal_outcome;

/* Outcome for customer c in month index m with grace_months grace.  When
 * renewed, *back (may be NULL) is the month index where it is active
 * again (m, or later inside the grace months); otherwise -1. */
csm_renewal_outcome csm_renewal_classify(const csm_dataset *ds, size_t c, int m,
                                         int grace_months, int *back);

/* Counts, amounts and rates of one period.  Amounts are reported MRR in
 * minor units, each month at its own rate (as the point-to-point
 * retention). */
typedef struct csm_renewal_stats {
    int months;    /* renewal months of the period that are loaded */
    bool complete; /* every month of the period is a loaded renewal month
                      and nobody is pending */
    long up_logos, renewed_logos, churned_logos, pending_logos;
    int64_t up_mrr;             /* Σ up MRR_{M-1} */
    int64_t renewed_mrr_capped; /* Σ renewed min(MRR_after, MRR_{M-1}) */
    int64_t renewed_mrr;        /* Σ renewed MRR_after */
    int64_t churned_mrr;        /* Σ churned MRR_{M-1} */
    int64_t pending_mrr;        /* Σ pending MRR_{M-1} */
    csm_ratio logo_rate, gross_dollar_rate, net_dollar_rate;
    csm_prop_ci logo_rate_ci; /* Wilson; defined iff logo_rate is */
} csm_renewal_stats;

/* A period label: a month, a calendar quarter or a calendar year. */
typedef enum csm_period_kind {
    CSM_PERIOD_MONTH = 0,
    CSM_PERIOD_QUARTER,
    CSM_PERIOD_YEAR,
    CSM_PERIOD_KINDS
} csm_period_kind;

typedef struct csm_renewal_period {
    csm_month start; /* first calendar month of the period */
    csm_renewal_stats s;
} csm_renewal_period;

/* One breakdown: periods of each kind, ascending.  Month entries are
 * every loaded month from index 1 (index 0 has no prior month); quarters
 * and years are those that contain one of them. */
typedef struct csm_renewal_table {
    csm_renewal_period *period[CSM_PERIOD_KINDS];
    size_t n[CSM_PERIOD_KINDS];
} csm_renewal_table;

typedef struct csm_renewal_group {
    char *value; /* segment ("" = not given) or term type name */
    csm_renewal_table t;
} csm_renewal_group;

/* Mid-term churn of one period. */
typedef struct csm_mid_term_period {
    csm_month start;
    int months;
    long logos;
    int64_t mrr; /* Σ MRR_{M-1} */
} csm_mid_term_period;

typedef struct csm_renewals {
    int report_month; /* month index */
    int grace_months;
    double ci_level;
    csm_renewal_table all;
    csm_renewal_group *by_segment; /* sorted, "" last */
    size_t n_segments;
    csm_renewal_group by_term[CSM_TERM_TYPES]; /* in csm_term_type order */
    csm_mid_term_period *mid_term[CSM_PERIOD_KINDS];
    size_t n_mid_term[CSM_PERIOD_KINDS];
    /* Customer-months (M-1, c) with c active in M-1 and the term_end of
     * snapshot M-1 before the first day of M: a term already over that was
     * not updated.  Such a customer is not up for renewal until it is. */
    long stale_term_end;
} csm_renewals;

/* Computes renewals and mid-term churn for every month of ds, using
 * cfg->grace_months and cfg->ci_level.  On success returns CSM_OK and sets
 * *out to a new result the caller frees with csm_renewals_free(); a stale
 * term_end adds one warning to diag.  On error sets *out to NULL and
 * returns CSM_EUSAGE (ci_level outside the stats module's range) or
 * CSM_EDATA (a sum overflows int64), described in diag. */
csm_error csm_renewals_run(const csm_dataset *ds, const csm_config *cfg,
                           int report_month, csm_renewals **out,
                           csm_diags *diag);

/* Frees a result; NULL is a no-op. */
void csm_renewals_free(csm_renewals *r);

/* Overall stats of month index m, or NULL when m is 0 or out of range. */
const csm_renewal_stats *csm_renewals_month(const csm_renewals *r, int m);

/* The monthly logo renewal rate as points for a trend fit: the last `max`
 * months with index <= last whose rate is defined, oldest first; x[i] =
 * month index, y[i] = rate.  Months where nobody was up, or someone is
 * pending, are skipped (so x may have gaps).  Returns the number of
 * points written (<= max); x and y hold at least max doubles. */
size_t csm_renewals_rate_series(const csm_renewals *r, int last, size_t max,
                                double *x, double *y);

#endif
