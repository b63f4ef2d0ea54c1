/* health.h - customer health score, bands, and a check of the score.
 *
 * Per customer and month a score from 0 (worst) to 100 (best): the weighted
 * mean of the components whose inputs are present in that month's snapshot,
 * each component mapped linearly between two breakpoints of the config
 * (csm_health_config):
 *   usage      = active_users / licensed_users, capped at 1
 *                0 at usage_low or below, 100 at usage_high or above
 *   support    = open_tickets: 100 at support_ok or fewer, 0 at support_max
 *   nps        = 0..10: 0 at nps_low or below, 100 at nps_high or above
 *   payment    = days_past_due: 100 at payment_ok_days, 0 at payment_max_days
 *   engagement = days from last_engagement to the month's last day (a date
 *                after it counts as 0 days): 100 at engagement_ok_days, 0 at
 *                engagement_max_days
 * A component without its input, or with weight 0, drops out and the others
 * are re-weighted (divided by the sum of the weights present).  When
 * champion_left is 1, champion_penalty points are subtracted (floor 0).  A
 * supplied health_score replaces the computed score as it is (no penalty).
 * With no component and no supplied score there is no score and no band.
 *
 * Scores are kept in hundredths of a point (round half away from zero), two
 * bytes per customer-month, and the band is taken from that kept value, so
 * the score a report shows and its band always agree.  Band: green when
 * score >= green_min (> when lower_edge_inclusive is false), else yellow when
 * score >= yellow_min (likewise), else red.
 *
 * The score check asks whether the score predicts churn: for each month m
 * whose next CSM_HEALTH_CHECK_MONTHS months are loaded, the customers active
 * in m are split by band and their churn within those months is counted
 * (churned = inactive in at least one of m+1..m+6), with Wilson intervals,
 * the AUC of the score, and the precision and recall of "red" as a churn
 * flag; and the same pooled over every eligible month.
 * docs/metrics/health.md defines every figure.
 */
#ifndef CSMETRICS_HEALTH_H
#define CSMETRICS_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/stats.h"

/* Months ahead in which the score check looks for churn (SPEC: six). */
#define CSM_HEALTH_CHECK_MONTHS 6

/* Kept score of a customer-month without a score. */
#define CSM_HEALTH_NO_SCORE UINT16_MAX

/* Band of a customer-month without a score; otherwise one of the
 * CSM_BAND_RED / CSM_BAND_YELLOW / CSM_BAND_GREEN flags of config.h. */
#define CSM_BAND_NONE 0

typedef enum csm_health_component {
    CSM_HC_USAGE = 0,
    CSM_HC_SUPPORT,
    CSM_HC_NPS,
    CSM_HC_PAYMENT,
    CSM_HC_ENGAGEMENT,
    CSM_HC_COUNT
} csm_health_component;

/* "usage", "support", "nps", "payment", "engagement"; "?" out of range. */
const char *csm_health_component_name(csm_health_component k);

/* "red", "yellow", "green", or "none" for CSM_BAND_NONE / anything else. */
const char *csm_health_band_name(int band);

/* Everything that makes up one customer-month's score. */
typedef struct csm_health_parts {
    bool present[CSM_HC_COUNT]; /* input given and weight > 0 */
    double input[CSM_HC_COUNT]; /* usage ratio (capped), tickets, NPS, days
                                   past due, days since engagement */
    double score[CSM_HC_COUNT]; /* 0..100 where present */
    bool champion_left;
    bool has_computed; /* at least one component present */
    double computed;   /* weighted mean minus penalty, unrounded */
    bool has_supplied;
    int supplied;       /* health_score column, 0..100 */
    bool has_score;     /* has_supplied || has_computed */
    double score_final; /* supplied if given, else computed; unrounded */
} csm_health_parts;

/* Fills *out with the components of customer c in month index m from the
 * data set's attributes and the weights and breakpoints of h.  Never fails;
 * a month or customer out of range gives an out with nothing present. */
void csm_health_components(const csm_dataset *ds, const csm_health_config *h,
                           int m, size_t c, csm_health_parts *out);

/* Band of a score (0..100) under h's edges: one of CSM_BAND_*. */
int csm_health_band_of(const csm_health_config *h, double score);

/* The k (<= CSM_HC_COUNT) lowest-scoring present components of p, lowest
 * first, ties in component order.  Writes them to out[] and returns how
 * many were written (fewer than k when fewer are present). */
int csm_health_weakest(const csm_health_parts *p, int k,
                       csm_health_component *out);

/* Logos and MRR of one band (or of the unscored) in one month. */
typedef struct csm_health_tally {
    long logos;
    int64_t mrr;
} csm_health_tally;

/* Band distribution of the customers active in one month. */
typedef struct csm_health_month {
    csm_month month;
    csm_health_tally red, yellow, green, unscored;
    long supplied; /* scored customers whose score was supplied */
    long computed; /* scored customers whose score was computed */
} csm_health_month;

/* Score check of one month m, or pooled over the eligible months.  Each
 * csm_prop_ci is x churned of n customers (customer-months when pooled)
 * with a Wilson interval at ci_level; undefined when n == 0. */
typedef struct csm_health_check {
    csm_month month; /* CSM_NO_MONTH for the pooled row */
    int months;      /* months pooled (1 for a month row) */
    long active;     /* customers active in m */
    long scored;     /* of them with a score */
    csm_prop_ci red, yellow, green, unscored; /* churn rate by band */
    csm_prop_ci all_scored; /* churn rate of every scored customer */
    /* AUC of the score for "stayed" (positive) versus "churned": the
     * probability that a customer who stayed scored higher than one who
     * churned, ties counting half; 0.5 = no information, above 0.5 = a
     * higher score goes with staying (the score is useful).  Undefined when
     * nobody or everybody churned. */
    csm_auc auc;
    /* "red" as a churn flag over the scored customers:
     * precision = churned among red (x = red & churned, n = red),
     * recall = red among churned (x = red & churned, n = churned). */
    csm_prop_ci red_precision;
    csm_prop_ci red_recall;
} csm_health_check;

typedef struct csm_health {
    int n_months;
    size_t n_customers;
    /* score[m * n_customers + c]: hundredths of a point, 0..10000, or
     * CSM_HEALTH_NO_SCORE.  band[] likewise: CSM_BAND_* | CSM_HEALTH_SUPPLIED
     * when the score was supplied, or CSM_BAND_NONE. */
    uint16_t *score;
    uint8_t *band;
    csm_health_month *months; /* [n_months] */
    long unscored_total;      /* Σ months' unscored logos (active only) */
    long scored_total;        /* Σ months' scored logos */
    int check_horizon;        /* CSM_HEALTH_CHECK_MONTHS */
    csm_health_check *checks; /* one per eligible month, ascending */
    int n_checks;
    csm_health_check pooled; /* over every row of checks */
} csm_health;

/* Flag in csm_health.band: the score came from the health_score column. */
#define CSM_HEALTH_SUPPLIED 0x80

/* Score of customer c in month index m: true and *score in 0..100 (to
 * 0.01), or false when there is none (or m, c out of range). */
static inline bool csm_health_score(const csm_health *h, int m, size_t c,
                                    double *score)
{
    if (m < 0 || m >= h->n_months || c >= h->n_customers)
        return false;
    uint16_t s = h->score[(size_t)m * h->n_customers + c];
    if (s == CSM_HEALTH_NO_SCORE)
        return false;
    *score = (double)s / 100.0;
    return true;
}

/* Band of customer c in month index m: CSM_BAND_RED, _YELLOW, _GREEN, or
 * CSM_BAND_NONE when it has no score (or m, c out of range). */
static inline int csm_health_band(const csm_health *h, int m, size_t c)
{
    if (m < 0 || m >= h->n_months || c >= h->n_customers)
        return CSM_BAND_NONE;
    return h->band[(size_t)m * h->n_customers + c] & 0x7;
}

/* True when customer c's score in month index m was supplied. */
static inline bool csm_health_supplied(const csm_health *h, int m, size_t c)
{
    if (m < 0 || m >= h->n_months || c >= h->n_customers)
        return false;
    return (h->band[(size_t)m * h->n_customers + c] & CSM_HEALTH_SUPPLIED) != 0;
}

/* Scores every customer-month of ds, the band distribution of each month
 * and the score check, with cfg->health and cfg->ci_level.  On success
 * returns CSM_OK and sets *out to a new result the caller frees with
 * csm_health_free().  On error (CSM_EUSAGE for a bad ci_level, CSM_EDATA
 * for a statistics failure) returns the code, sets *out to NULL, adds a
 * diagnostic to diag and leaves nothing allocated. */
csm_error csm_health_run(const csm_dataset *ds, const csm_config *cfg,
                         csm_health **out, csm_diags *diag);

/* Frees a result; NULL is a no-op. */
void csm_health_free(csm_health *h);

#endif
