/* at_risk.h - the at-risk cohort of a flag month, followed k months.
 *
 * Flag month F (a month index): the cohort is every customer active in F
 * whose health band in F is in cfg->health.at_risk_bands (default red and
 * yellow).  Each member is followed through F+1..F+k (k =
 * cfg->at_risk_months unless given, default 6); in each month its state is
 * churned (inactive), red, yellow, green or unscored (active, no score).
 * Months after the last loaded month are not yet observed: their figures
 * are absent, never estimated.
 *
 * Outcome of a member, at E = F+k or the last loaded month if earlier, the
 * first rule that applies: churned (inactive at E), contracted (active, MRR
 * at E below its MRR at F), recovered (green at E), still at risk.
 * MRR at risk = Σ members' MRR at F.  MRR lost = Σ MRR at F of the churned
 * + Σ (MRR at F − MRR at E) of the contracted; expansion of other members
 * does not offset it (NRR shows the net).  docs/metrics/at_risk.md defines
 * every figure.
 */
#ifndef CSMETRICS_AT_RISK_H
#define CSMETRICS_AT_RISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/health.h"
#include "csmetrics/ratio.h"
#include "csmetrics/stats.h"

/* Longest follow-up (the config allows at_risk_months up to 24). */
#define CSM_AT_RISK_MAX_MONTHS 24

/* csm_metrics.flag_month before anyone sets it: use the default. */
#define CSM_FLAG_MONTH_UNSET (-1)

/* State of a member in a month after F. */
typedef enum csm_at_risk_state {
    CSM_AR_CHURNED = 0, /* inactive in that month */
    CSM_AR_RED,
    CSM_AR_YELLOW,
    CSM_AR_GREEN,    /* recovered */
    CSM_AR_UNSCORED, /* active without a score */
    CSM_AR_STATES
} csm_at_risk_state;

/* A month not yet loaded, in csm_at_risk_member.states. */
#define CSM_AR_NOT_OBSERVED 0xFF

typedef enum csm_at_risk_outcome {
    CSM_AR_OUT_CHURNED = 0,
    CSM_AR_OUT_CONTRACTED,
    CSM_AR_OUT_RECOVERED,
    CSM_AR_OUT_STILL_AT_RISK,
    CSM_AR_OUTCOMES,
    CSM_AR_OUT_NONE = -1 /* no month after F is loaded yet */
} csm_at_risk_outcome;

/* "churned", "red", "yellow", "green", "unscored". */
const char *csm_at_risk_state_name(csm_at_risk_state s);
/* "churned", "contracted", "recovered", "still_at_risk"; NULL for NONE. */
const char *csm_at_risk_outcome_name(csm_at_risk_outcome o);

/* Cohort figures in one month F+offset. */
typedef struct csm_at_risk_month {
    csm_month month;
    int offset;    /* 1..k */
    bool observed; /* loaded; when false every figure below is zero */
    long logos[CSM_AR_STATES];
    int64_t mrr[CSM_AR_STATES]; /* MRR in this month (0 for churned) */
    int64_t cohort_mrr;         /* Σ members' MRR in this month */
    int64_t capped_mrr;         /* Σ min(MRR this month, MRR at F) */
    csm_ratio nrr;              /* cohort_mrr / MRR at risk */
    csm_ratio grr;              /* capped_mrr / MRR at risk */
    long surviving;             /* members active in every month F+1..this */
    csm_ratio logo_survival;    /* surviving / cohort logos */
    long recovered_so_far;      /* members green in some month F+1..this */
    csm_ratio recovered_share;  /* recovered_so_far / cohort logos */
    /* The green baseline (customers active and green at F) measured the
     * same way: active in every month F+1..this, and its share. */
    long baseline_surviving;
    csm_ratio baseline_survival; /* baseline_surviving / summary.baseline */
} csm_at_risk_month;

/* One cohort member. */
typedef struct csm_at_risk_member {
    uint32_t customer; /* customer index */
    int band;          /* band at F (CSM_BAND_*) */
    double score;      /* score at F, 0..100 */
    bool score_supplied;
    int64_t mrr_flag; /* MRR at F */
    int64_t mrr_now;  /* MRR at E (= mrr_flag when nothing observed) */
    int32_t owner;    /* string index at F, CSM_NA when not given */
    int32_t segment;  /* likewise */
    csm_day renewal;  /* term_end at F; CSM_NO_DATE = month to month */
    /* The renewal falls in F+1..F+k: term_end in those months, or month to
     * month (which renews every month). */
    bool renewal_in_window;
    int n_weakest;                          /* 0..2 */
    csm_health_component weakest[2];        /* lowest component scores at F */
    double weakest_score[2];                /* to 0.01 */
    uint8_t states[CSM_AT_RISK_MAX_MONTHS]; /* [j-1]: csm_at_risk_state or
                                               CSM_AR_NOT_OBSERVED */
    int months_to_recovery; /* first j with state green; 0 = none yet */
    bool churned_within;    /* inactive in some observed month F+1..E */
    csm_at_risk_outcome outcome;
    int32_t reason; /* churn reason string index, CSM_NA = none or
                       not churned */
    csm_reason_category reason_category;
} csm_at_risk_member;

/* The outcome figures of one flag month's cohort. */
typedef struct csm_at_risk_summary {
    csm_month flag_month;
    int flag_index;
    int observed;            /* months after F that are loaded, 0..k */
    bool complete;           /* observed == k */
    csm_month as_of;         /* month E the outcomes are taken at */
    long active;             /* customers active in F */
    long unscored;           /* of them without a score (never in a cohort) */
    long logos;              /* cohort size */
    long red, yellow, green; /* cohort members by band at F */
    long baseline;           /* customers active and green at F */
    int64_t mrr_at_risk;     /* Σ MRR at F */
    /* Outcomes; all zero and every ratio undefined when observed == 0. */
    long outcome[CSM_AR_OUTCOMES];
    int64_t outcome_mrr[CSM_AR_OUTCOMES];     /* their MRR at F */
    csm_ratio outcome_share[CSM_AR_OUTCOMES]; /* of cohort logos */
    csm_prop_ci save_rate;    /* not churned of the cohort, Wilson */
    int64_t mrr_now;          /* Σ members' MRR at E */
    int64_t mrr_lost;         /* see the file comment */
    csm_ratio mrr_lost_share; /* mrr_lost / mrr_at_risk */
    /* Churn within the observed months (inactive in some month F+1..E) of
     * the cohort and, as a baseline, of the customers green at F. */
    csm_prop_ci cohort_churn;
    csm_prop_ci green_churn;
} csm_at_risk_summary;

typedef struct csm_at_risk {
    int follow; /* k */
    int bands;  /* CSM_BAND_* flags of the cohort */
    csm_at_risk_summary summary;
    csm_at_risk_month months[CSM_AT_RISK_MAX_MONTHS]; /* [0..follow) */
    /* Months to recovery: recovered_at[j-1] members first green in F+j. */
    long recovered_at[CSM_AT_RISK_MAX_MONTHS];
    long recovered;                  /* Σ recovered_at */
    csm_stats_value median_recovery; /* median months among the recovered;
                                        undefined when none recovered */
    csm_at_risk_member *members;     /* MRR at F descending, then customer */
    size_t n_members;
    /* Every flag month whose k months are all loaded, ascending. */
    csm_at_risk_summary *rolling;
    size_t n_rolling;
} csm_at_risk;

/* The flag month used when none is given: report_month − months if that
 * is a loaded month index (>= 0), else 0 (the earliest month). */
int csm_at_risk_default_flag(int report_month, int months);

/* Follows the at-risk cohort of flag month index flag_month for `months`
 * months (0 = cfg->at_risk_months), with bands from health (borrowed, from
 * csm_health_run on the same ds and cfg), and builds the rolling view.
 * On success returns CSM_OK and sets *out to a new result that the caller
 * frees with csm_at_risk_free().  On error returns CSM_EUSAGE (flag month
 * not loaded, months outside 1..CSM_AT_RISK_MAX_MONTHS) or CSM_EDATA (a
 * statistics failure), adds a diagnostic, sets *out to NULL and leaves
 * nothing allocated.
 *
 * To follow another flag month than a csm_metrics run chose (the
 * `report at-risk --flagged` path), call this with it and replace
 * csm_metrics.at_risk and .flag_month with the result. */
csm_error csm_at_risk_run(const csm_dataset *ds, const csm_config *cfg,
                          const csm_health *health, int flag_month, int months,
                          csm_at_risk **out, csm_diags *diag);

/* Frees a result; NULL is a no-op. */
void csm_at_risk_free(csm_at_risk *r);

#endif
