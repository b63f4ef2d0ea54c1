/* referrals.h - who refers, and what referrals bring in.
 *
 * From referrals.csv (referrer_id, referred_id, date) and the monthly
 * states:
 *
 *   referral rate in M = x / n, where n = customers active in M and x = those
 *   of them with at least one referral dated in the 12 months ending at M's
 *   last day (months M-11..M), with a Wilson interval at cfg->ci_level.
 *
 *   A referral converts when its referred customer starts in the referral's
 *   month or later: the first month k >= the referral's month in which the
 *   customer is active is a start (inactive in k-1, k after the opening
 *   month).  Its new MRR is the bridge amount of that start (new or
 *   reactivation) in month k.  A customer active at the end of the month
 *   before the referral (or in the opening month) was already a customer.
 *   A referred customer converts at most once: several referrals of one
 *   customer credit the earliest conversion, then the earliest date, then
 *   the first row in the file.
 *
 * docs/metrics/referrals.md has the definitions and the JSON keys.
 */
#ifndef CSMETRICS_REFERRALS_H
#define CSMETRICS_REFERRALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csmetrics/bridge.h"
#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/ratio.h"
#include "csmetrics/stats.h"

/* Months in the referral-rate window (M-11..M). */
#define CSM_REFERRAL_WINDOW 12

typedef enum csm_referral_outcome {
    CSM_REFERRAL_CONVERTED = 0,    /* the referred customer started after */
    CSM_REFERRAL_ALREADY_CUSTOMER, /* active before the referral's month */
    CSM_REFERRAL_NOT_CONVERTED,    /* not active since the referral */
    CSM_REFERRAL_UNIDENTIFIED,     /* referred_id blank */
    CSM_REFERRAL_DUPLICATE,        /* converts, but another referral of the
                                      same customer is credited */
    CSM_REFERRAL_OUTCOMES
} csm_referral_outcome;

/* "converted", "already_customer", ... */
const char *csm_referral_outcome_name(csm_referral_outcome o);

/* What became of one row of referrals.csv. */
typedef struct csm_referral_fate {
    size_t index; /* into ds->referrals (file order) */
    csm_referral_outcome outcome;
    int month;         /* conversion month index, or -1 */
    csm_movement kind; /* CSM_MOVE_NEW or _REACTIVATION */
    int64_t mrr;       /* bridge amount of the start, or 0 */
} csm_referral_fate;

typedef struct csm_referral_month {
    csm_month month;
    long active_logos;    /* n */
    long referring_logos; /* x: active and referred in months M-11..M */
    csm_ratio rate;       /* x / n; undefined when n == 0 or no file */
    csm_prop_ci rate_ci;  /* Wilson at ci_level; defined as rate is */
    long referrals;       /* rows dated in the month (any referrer) */
    long referrals_12m;   /* rows dated in months M-11..M */
    long converted_logos; /* credited conversions in the month */
    int64_t converted_mrr;
    long converted_logos_12m; /* the same over months M-11..M */
    int64_t converted_mrr_12m;
} csm_referral_month;

typedef struct csm_referrals {
    bool has_referrals; /* referrals.csv was present */
    int report_month;   /* month index */
    double ci_level;
    csm_referral_month *months; /* one per loaded month */
    int n_months;
    csm_referral_fate *fates; /* one per referral, in file order */
    size_t n_fates;
    long outcomes[CSM_REFERRAL_OUTCOMES]; /* fates per outcome */
} csm_referrals;

/* On success returns CSM_OK and sets *out to a new result (free with
 * csm_referrals_free).  Without referrals.csv every rate is undefined (not
 * 0: nobody recorded referrals) and has_referrals is false.  On error
 * (CSM_EUSAGE: report_month out of range or a ci_level the stats module
 * refuses; CSM_EDATA: an MRR sum overflows) returns the code with *out NULL. */
csm_error csm_referrals_run(const csm_dataset *ds, const csm_config *cfg,
                            int report_month, csm_referrals **out,
                            csm_diags *diag);

/* Frees a result; NULL is a no-op. */
void csm_referrals_free(csm_referrals *r);

#endif
