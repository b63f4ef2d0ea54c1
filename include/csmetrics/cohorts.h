/* cohorts.h - signup cohorts: retention by months since start.
 *
 * A customer's cohort is the month of its contract_start, or of its first
 * active month when contract_start is absent (csm_signup_month); the same
 * customers are also grouped by calendar quarter.  For each cohort the
 * matrix holds, per age k (months since the cohort month; age 0 is the
 * cohort month itself):
 *   logo retention    = members active at age k / members
 *   revenue retention = cohort MRR at age k / cohort MRR at age 0
 * where, at age 0, each member counts with its *start*: its first active
 * month at or after its cohort month (a customer billed from the month
 * after its contract is not lost at age 0), and at age k >= 1 with its
 * actual state in cohort month + k.  So the cohort MRR at age 0 (the
 * base) is the sum of the members' starting MRR, and revenue retention at
 * age 0 is 1 whenever it is defined.
 *
 * Everything is as of the report month: later months are not looked at,
 * so re-running an old month on more data gives the same figures.
 *
 * Observation.  A cell is observed when every month of the cohort, moved
 * on by k, lies between the first observed month and the report month.
 * When the first loaded month has active customers it is an opening
 * balance: customers that signed and left before it are not in the data
 * at all, so a cohort that starts before it is left-truncated - its size
 * and base are unknown.  Such a cohort keeps its counts at the ages it was
 * observed (earlier ages are unobserved, never 0), but its rates are
 * undefined and it never enters the all-cohorts row.  When the first
 * month has nobody active (subscription periods always start so) the
 * history is whole and nothing is truncated.
 *
 * The all-cohorts row at age k pools the cohorts that have members, are
 * not truncated and are observed at age k: logos and MRR are summed, which
 * weights each cohort's rate by its size (logos for logo retention, base
 * MRR for revenue retention).  An empty cohort never enters it.
 *
 * Early churn: among members whose first early_churn_days days after
 * their start day (contract_start, else the first day of the first active
 * month) lie inside the observed months, the share whose first churn
 * (end of the last active month before the first inactive month after
 * they became active) falls within early_churn_days of the start day; with
 * a Wilson interval at the config's ci_level.  docs/metrics/cohorts.md
 * works every rule through an example.
 */
#ifndef CSMETRICS_COHORTS_H
#define CSMETRICS_COHORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/date.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/json.h"
#include "csmetrics/ratio.h"
#include "csmetrics/stats.h"

typedef enum csm_cohort_grain {
    CSM_COHORT_MONTH = 0,
    CSM_COHORT_QUARTER,
    CSM_COHORT_GRAINS
} csm_cohort_grain;

/* One cohort (a month or a quarter of signups). */
typedef struct csm_cohort_row {
    csm_month start;            /* first month of the cohort */
    char label[CSM_DATE_BUFSZ]; /* "2024-03" or "2024-Q1" */
    long logos;                 /* members */
    long never_active;          /* members never active up to the report */
    /* Signed (in part) before the first observed month: size and base
     * unknown, rates undefined, not in the all-cohorts row. */
    bool left_truncated;
    int64_t base_mrr;       /* Σ starting MRR; 0 when left_truncated */
    int n_ages;             /* ages 0 .. n_ages-1 have a cell */
    int first_observed_age; /* 0 unless left_truncated */
    /* Per age, [n_ages].  Ages before first_observed_age are unobserved:
     * active -1, mrr 0, rates undefined. */
    long *active;
    int64_t *mrr;
    csm_ratio *logo_retention;
    csm_ratio *revenue_retention;
    csm_prop_ci early_churn; /* x = early churners, n = members whose
                                early window is observed */
} csm_cohort_row;

/* The all-cohorts row at one age. */
typedef struct csm_cohort_age {
    long cohorts; /* cohorts pooled at this age */
    long logos, active;
    int64_t base_mrr, mrr;
    csm_ratio logo_retention;    /* active / logos */
    csm_ratio revenue_retention; /* mrr / base_mrr */
} csm_cohort_age;

typedef struct csm_cohort_table {
    csm_cohort_row *rows; /* chronological */
    size_t n_rows;
    csm_cohort_age *all; /* [n_ages] */
    int n_ages;
} csm_cohort_table;

typedef struct csm_cohorts {
    int report_month; /* month index */
    int early_churn_days;
    double ci_level;
    csm_month first_observed; /* the opening-balance month: cohorts before
                                 it are truncated; CSM_NO_MONTH when the
                                 first month has nobody active */
    csm_cohort_table table[CSM_COHORT_GRAINS];
    long members;            /* customers placed in a cohort */
    csm_prop_ci early_churn; /* pooled over every member */
    /* Customers in no cohort: */
    long opening_no_start; /* snapshot opening balance without
                              contract_start: signup month unknown */
    long no_signup;        /* no contract_start, never active */
    long after_report;     /* signup month after the report month */
} csm_cohorts;

/* Builds both cohort tables as of month index report_month (0 <= it <
 * ds->n_months) with cfg's early_churn_days and ci_level.  On success
 * returns CSM_OK and sets *out to a new result the caller frees with
 * csm_cohorts_free().  On error sets *out to NULL, adds a diagnostic and
 * returns CSM_EUSAGE (report_month out of range, ci_level rejected) or
 * CSM_EDATA (a cohort MRR sum beyond int64). */
csm_error csm_cohorts_run(const csm_dataset *ds, const csm_config *cfg,
                          int report_month, csm_cohorts **out, csm_diags *diag);

/* Frees a result; NULL is a no-op. */
void csm_cohorts_free(csm_cohorts *c);

/* Writes the "cohorts" member of the run's JSON object (docs/json keys in
 * docs/metrics/cohorts.md).  c may be NULL (written as null). */
void csm_cohorts_write_json(const csm_cohorts *c, csm_json *j);

#endif
