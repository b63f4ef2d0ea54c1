/* ttfv.h - time to first value, a Kaplan-Meier estimate.
 *
 * The time is days from contract_start to first_value_date.  Everything
 * is as of the report month: its last day is the end of observation.
 *
 * Each customer with a contract_start becomes one subject (or is excluded
 * and counted, csm_ttfv_status):
 *   - observed from max(contract_start, first day of the first loaded
 *     month); a customer signed before the data enters late (left
 *     truncation) and one whose first value came before the data is not
 *     in the risk set at all;
 *   - event at first_value_date when it is at or before its censoring
 *     day, where the censoring day is the last day of its last active
 *     month if it churned (inactive in the report month), else the report
 *     month's last day;
 *   - otherwise censored at that day; a churned customer censored this way
 *     "churned before value".
 * In survival terms, with t = days since contract_start (whole days),
 * subject i is Surv(entry_i, exit_i, event_i) with
 *     entry_i = (first observed day - contract_start) - 1/2
 * that is, at risk from the first observed day on.  The half day is where
 * day-granular data meet Surv's (entry, exit] rule: a first value on the
 * contract day itself (t = 0), or on the first loaded day for a customer
 * signed earlier, is an observed event, and no event time lies between
 * d - 1/2 and d, so the fit is the one entering "at the start of day d"
 * would give.
 *
 * The fit is csm_km_fit (R survival::survfit), with the config's ci_type
 * and ci_level; summaries overall, per signup quarter (of contract_start)
 * and per segment (the first one the customer's rows name), and a log-rank
 * test between the named segments.  docs/metrics/ttfv.md has the rules
 * and an example.
 */
#ifndef CSMETRICS_TTFV_H
#define CSMETRICS_TTFV_H

#include <stdbool.h>
#include <stddef.h>

#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/date.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/json.h"
#include "csmetrics/stats.h"

typedef enum csm_ttfv_status {
    CSM_TTFV_IN = 0,            /* a subject of the fit */
    CSM_TTFV_NO_START,          /* no contract_start */
    CSM_TTFV_NOT_SIGNED,        /* contract_start after the report month */
    CSM_TTFV_NEVER_ACTIVE,      /* not active in any month up to the report */
    CSM_TTFV_VALUE_BEFORE_DATA, /* signed before the data, first value
                                   too: never at risk while observed */
    CSM_TTFV_INCONSISTENT,      /* first value before contract_start, or
                                   last active before contract_start */
    CSM_TTFV_STATUSES
} csm_ttfv_status;

/* "in", "no_contract_start", "not_yet_signed", "never_active",
 * "value_before_data", "inconsistent_dates". */
const char *csm_ttfv_status_name(csm_ttfv_status s);

/* One customer as a survival subject (meaningful when status is IN). */
typedef struct csm_ttfv_subject {
    csm_ttfv_status status;
    double entry;              /* days since contract_start, see above */
    double exit;               /* days: first value, or censoring */
    bool event;                /* exit is the first value */
    bool left_truncated;       /* signed before the first loaded month */
    bool churned_before_value; /* censored by its churn */
} csm_ttfv_subject;

/* Customer c of ds as a subject as of month index report_month.  Never
 * fails; fills *out. */
void csm_ttfv_subject_of(const csm_dataset *ds, int report_month, size_t c,
                         csm_ttfv_subject *out);

#define CSM_TTFV_WITHIN 3
extern const int csm_ttfv_within_days[CSM_TTFV_WITHIN]; /* 30, 60, 90 */

/* Share reaching first value within `days`: 1 - S(days), interval
 * [1 - upper, 1 - lower].  Undefined after the curve's last time, except
 * that a curve that has reached 0 stays 0 (share 1, interval undefined,
 * as survfit's interval at S = 0); undefined too before conditional_from
 * (nobody was watched yet). */
typedef struct csm_ttfv_within_share {
    int days;
    csm_stats_value share, lo, hi;
} csm_ttfv_within_share;

/* The estimate for one group of subjects. */
typedef struct csm_ttfv_summary {
    char *value;       /* group: "2024-Q1", a segment, "" = not given or
                          overall */
    csm_month quarter; /* first month of the quarter for by_quarter rows,
                          else CSM_NO_MONTH */
    size_t n;          /* subjects */
    size_t events;     /* reached first value while observed */
    size_t left_truncated;
    /* Defined when every subject entered late (all signed before the
     * data): then nobody is at risk before this day, and the curve is S(t)
     * given no first value before it - not comparable with a curve that
     * starts at day 0.  Its value is the smallest entry day. */
    csm_stats_value conditional_from;
    csm_km_median median; /* days; undefined when not reached */
    csm_ttfv_within_share within[CSM_TTFV_WITHIN];
    /* x = subjects that churned before first value, n = subjects: a crude
     * share (no survival weighting), with a Wilson interval. */
    csm_prop_ci churned_before_value;
} csm_ttfv_summary;

typedef struct csm_ttfv {
    int report_month; /* month index */
    double level;
    csm_km_ci_type ci_type;
    csm_ttfv_summary overall;
    /* The overall Kaplan-Meier curve (a step function with its band), for
     * charts; never NULL (no steps when nobody is in). */
    csm_km *curve;
    /* Chronological, quarters with subjects only: the median-by-quarter
     * series for trends. */
    csm_ttfv_summary *by_quarter;
    size_t n_quarters;
    /* By name, "" (not given) last. */
    csm_ttfv_summary *by_segment;
    size_t n_segments;
    /* Log-rank test between the named segments that have subjects (the
     * unnamed group is left out: it is not a segment); NULL when fewer
     * than two.  groups[i] of the test is by_segment[i]. */
    csm_logrank *segment_test;
    size_t excluded[CSM_TTFV_STATUSES]; /* [CSM_TTFV_IN] is unused (0) */
} csm_ttfv;

/* Fits time to first value as of month index report_month (0 <= it <
 * ds->n_months) with cfg's ci_type and ci_level.  On success returns
 * CSM_OK and sets *out to a new result the caller frees with
 * csm_ttfv_free().  On error sets *out to NULL, adds a diagnostic and
 * returns CSM_EUSAGE (report month out of range, level rejected) or
 * CSM_EDATA (the statistics module refused the data). */
csm_error csm_ttfv_run(const csm_dataset *ds, const csm_config *cfg,
                       int report_month, csm_ttfv **out, csm_diags *diag);

/* Frees a result; NULL is a no-op. */
void csm_ttfv_free(csm_ttfv *t);

/* Writes the "ttfv" member of the run's JSON object (keys in
 * docs/metrics/ttfv.md).  t may be NULL (written as null). */
void csm_ttfv_write_json(const csm_ttfv *t, csm_json *j);

#endif
