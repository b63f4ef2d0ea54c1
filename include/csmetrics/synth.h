/* synth.h - a deterministic, realistic synthetic data set.
 *
 * csm_synth_run() writes a complete csmetrics data folder (monthly
 * snapshots, costs, churn reasons, referrals, exchange rates) for a made-up
 * subscription business: an installed base that predates the first month,
 * new signups with growth and seasonality, three segments, three
 * currencies, monthly, annual and two-year terms, renewals and mid-term
 * churn driven by a hidden health, reactivations, expansion and
 * contraction, add-on subscriptions and health inputs that genuinely
 * predict churn.  docs/synth.md lists every parameter.
 *
 * The same options give byte-identical files on every run and platform:
 * the model uses its own PRNG and integer arithmetic only.  Memory grows
 * with the number of customers, not with months or bytes written; files
 * are streamed a month at a time.
 */
#ifndef CSMETRICS_SYNTH_H
#define CSMETRICS_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "csmetrics/date.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"

/* Largest accepted values; beyond them the run is a usage error. */
#define CSM_SYNTH_MAX_CUSTOMERS 9999999u
#define CSM_SYNTH_MAX_MONTHS 600

/* Called after each month's snapshot is written (done = 1..total), for a
 * progress display.  Must not fail. */
typedef void (*csm_synth_progress_fn)(void *ctx, int done, int total);

/* Valid when zeroed apart from customers and months. */
typedef struct csm_synth_options {
    /* Customers over the whole run, the installed base included
     * (1..CSM_SYNTH_MAX_CUSTOMERS).  About a third are live before the
     * first month; the rest sign up during the run. */
    size_t customers;
    int months;    /* snapshots to write, 1..CSM_SYNTH_MAX_MONTHS */
    uint64_t seed; /* any value; 0 is an ordinary seed */
    /* First snapshot month; CSM_NO_MONTH or 0 = 2022-07. */
    csm_month start;
    csm_synth_progress_fn progress; /* NULL: none */
    void *progress_ctx;
} csm_synth_options;

/* Generates a data set into out_dir, creating out_dir and
 * out_dir/snapshots when missing:
 *   snapshots/YYYY-MM.csv  one per month, a row per active subscription
 *   costs.csv              month,acquisition_cost,retention_cost (USD)
 *   churn_reasons.csv      customer_id,month,reason,category
 *   referrals.csv          referrer_id,referred_id,date
 *   fx.csv                 month,currency,rate (USD per EUR and per GBP)
 * Each file is written under a temporary name and renamed when complete.
 *
 * Returns CSM_OK when every file was written.  Returns CSM_EUSAGE, writing
 * nothing, when an option is out of range or when out_dir/snapshots already
 * holds a .csv file that this run would not overwrite (it would be loaded
 * with the new data and mix two data sets).  Returns CSM_EIO when a folder
 * or file cannot be created or written; the files this run had already
 * completed are then removed as well, so that a failed run never leaves a
 * data set that looks complete.  Every failure adds a diagnostic naming the
 * file and the reason to diag (which may be NULL). */
csm_error csm_synth_run(const csm_synth_options *opt, const char *out_dir,
                        csm_diags *diag);

#endif
