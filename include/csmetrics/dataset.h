/* dataset.h - the in-memory data set every stage after load reads.
 *
 * Columnar and dense: for each loaded month, one array per attribute indexed
 * by customer.  Memory is proportional to customers x months x attributes
 * present, never to CSV bytes.  The load stage builds it (csm_load_run) and
 * the pipeline owns it; every later stage borrows it as `const`.
 *
 * Customers are sorted by id (numeric ids numerically) once loading ends, so
 * customer order, and everything listed per customer, is deterministic.
 *
 * Amounts are int64 minor units of the reporting currency.  mrr[m][c] is
 * the customer's MRR in month m at month m's exchange rate, after the
 * past-due policy; a customer is active in m when it is > 0.
 */
#ifndef CSMETRICS_DATASET_H
#define CSMETRICS_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csmetrics/date.h"
#include "csmetrics/money.h"
#include "csmetrics/strtab.h"

/* Missing value of an int32 attribute. */
#define CSM_NA INT32_MIN

/* Per customer-month attributes, each stored as int32 (dates as csm_day,
 * strings as an index into csm_dataset.strings, booleans as 0/1). */
typedef enum csm_attr {
    CSM_ATTR_TERM_END = 0,    /* day the current term ends; NA = monthly */
    CSM_ATTR_LAST_ENGAGEMENT, /* day */
    CSM_ATTR_ACTIVE_USERS,    /* summed over subscriptions */
    CSM_ATTR_LICENSED_USERS,  /* summed over subscriptions */
    CSM_ATTR_OPEN_TICKETS,    /* summed over subscriptions */
    CSM_ATTR_NPS,             /* 0..10, lowest of the rows */
    CSM_ATTR_DAYS_PAST_DUE,   /* highest of the rows */
    CSM_ATTR_CHAMPION_LEFT,   /* 0/1, true if any row says so */
    CSM_ATTR_HEALTH_SCORE,    /* 0..100 supplied, lowest of the rows */
    CSM_ATTR_SEGMENT,         /* string index, first non-empty row */
    CSM_ATTR_PLAN,            /* string index */
    CSM_ATTR_OWNER,           /* string index (csm_owner) */
    CSM_ATTR_COUNT
} csm_attr;

typedef enum csm_source_kind {
    CSM_SOURCE_SNAPSHOTS = 0, /* first month is the opening balance */
    CSM_SOURCE_PERIODS = 1    /* first month is an empty opening month */
} csm_source_kind;

typedef enum csm_reason_category {
    CSM_REASON_UNSPECIFIED = 0,
    CSM_REASON_CONTROLLABLE = 1,
    CSM_REASON_UNCONTROLLABLE = 2
} csm_reason_category;

typedef struct csm_cost {
    csm_month month;
    int64_t acquisition; /* reporting currency minor units */
    int64_t retention;
} csm_cost;

typedef struct csm_churn_reason {
    uint32_t customer; /* customer index */
    csm_month month;
    uint32_t reason; /* string index */
    csm_reason_category category;
} csm_churn_reason;

typedef struct csm_referral {
    uint32_t referrer; /* customer index */
    uint32_t referred; /* customer index, or CSM_NO_CUSTOMER */
    csm_day date;
} csm_referral;

#define CSM_NO_CUSTOMER UINT32_MAX

typedef struct csm_fx_rate {
    csm_month month;
    uint32_t currency; /* string index of the ISO code */
    csm_rate rate;     /* reporting units per one unit of currency */
} csm_fx_rate;

/* One source file and what came of it, for data-quality reporting. */
typedef struct csm_source_file {
    char *path;      /* as the user would name it (DATA/...) */
    csm_month month; /* CSM_NO_MONTH for files that are not snapshots */
    long rows;       /* data records read */
    long skipped;    /* records skipped (blank), each also a warning */
} csm_source_file;

typedef struct csm_dataset {
    csm_source_kind source;
    char currency[4]; /* reporting currency */
    int decimals;     /* its minor-unit digits */

    csm_month first_month; /* month index 0 */
    int n_months;

    size_t n_customers;
    csm_strtab ids;          /* customer ids, index = customer */
    char **names;            /* [n_customers], "" when never given */
    csm_day *contract_start; /* [n_customers], CSM_NO_DATE when absent */
    csm_day *first_value;    /* [n_customers], CSM_NO_DATE when absent */
    uint32_t *currency_of;   /* [n_customers] string index, last seen */

    int64_t **mrr; /* [n_months][n_customers] */
    /* Non-NULL only when a non-reporting currency occurs: mrr_alt[m][c] is
     * month m's amounts converted at the classification rate of the
     * fx_policy: month m-1's rate (prior_month) for m >= 1, or month m+1's
     * rate (period_end) for m < n_months-1; elsewhere equal to mrr. */
    int64_t **mrr_alt;
    uint8_t **present; /* [n_months][n_customers] 1 = had rows */
    /* Non-NULL only when the past-due policy made someone inactive:
     * mrr_excluded[m][c] is the MRR it removed (billed, but not counted). */
    int64_t **mrr_excluded;
    /* [n_months] arrays of n_customers elements of csm_attr_width[a]
     * bytes, or NULL when no file had the column.  Read them with
     * csm_ds_attr(). */
    void **attr[CSM_ATTR_COUNT];

    int64_t *month_total;    /* Σ of snapshot rows, at month's rate */
    int64_t *month_excluded; /* part of month_total the past-due policy
                                made inactive */
    long *month_rows;        /* data rows per month */

    csm_strtab strings; /* segments, plans, owners, currencies,
                           reasons; index 0 is "" */

    csm_cost *costs;
    size_t n_costs;
    csm_churn_reason *reasons;
    size_t n_reasons;
    csm_referral *referrals;
    size_t n_referrals;
    csm_fx_rate *fx;
    size_t n_fx;
    uint32_t *currencies; /* non-reporting currencies that occur in the
                             data (string indexes, sorted) */
    size_t n_currencies;

    csm_source_file *files;
    size_t n_files;
    bool has_costs, has_reasons, has_referrals, has_fx;
    char **unknown_columns; /* names ignored, for --verbose */
    size_t n_unknown_columns;

    /* When set, the month rows of mrr, mrr_alt, present and attr point
     * into these large allocations (one per column) instead of being
     * allocated one by one; csm_dataset_free frees the slabs. */
    void **slabs;
    size_t *slab_bytes; /* csm_huge_alloc sizes */
    size_t n_slabs;
} csm_dataset;

/* Month index of month m, or -1 when not loaded. */
int csm_dataset_month_index(const csm_dataset *ds, csm_month m);
csm_month csm_dataset_month(const csm_dataset *ds, int index);

/* MRR of customer c in month index m (0 outside the loaded range). */
static inline int64_t csm_ds_mrr(const csm_dataset *ds, int m, size_t c)
{
    return (m < 0 || m >= ds->n_months) ? 0 : ds->mrr[m][c];
}

static inline bool csm_ds_active(const csm_dataset *ds, int m, size_t c)
{
    return csm_ds_mrr(ds, m, c) > 0;
}

/* Bytes each attribute takes per customer-month: 1 (int8, missing =
 * INT8_MIN: nps, champion_left, health_score), 2 (uint16 string index,
 * missing = UINT16_MAX: segment, plan, owner) or 4 (int32, missing =
 * CSM_NA).  Narrow types keep 100,000 customers x 60 months small. */
extern const uint8_t csm_attr_width[CSM_ATTR_COUNT];

/* Attribute a of customer c in month index m, or CSM_NA. */
static inline int32_t csm_ds_attr(const csm_dataset *ds, int m, csm_attr a,
                                  size_t c)
{
    if (m < 0 || m >= ds->n_months || !ds->attr[a])
        return CSM_NA;
    const void *col = ds->attr[a][m];
    switch (csm_attr_width[a]) {
    case 1: {
        int8_t v = ((const int8_t *)col)[c];
        return v == INT8_MIN ? CSM_NA : v;
    }
    case 2: {
        uint16_t v = ((const uint16_t *)col)[c];
        return v == UINT16_MAX ? CSM_NA : (int32_t)v;
    }
    default:
        return ((const int32_t *)col)[c];
    }
}

/* String of an attribute stored as a string index ("" when missing). */
const char *csm_ds_string(const csm_dataset *ds, int32_t index);

const char *csm_ds_customer_id(const csm_dataset *ds, size_t c);
/* Index of customer id, or CSM_NO_CUSTOMER. */
uint32_t csm_ds_find_customer(const csm_dataset *ds, const char *id);

/* A new empty data set (no months, no customers) in currency cur. */
csm_dataset *csm_dataset_new(const char *cur, int decimals);
void csm_dataset_free(csm_dataset *ds);

/* Compares two customer ids as the data set orders them: both all-digit ids
 * by number, otherwise bytewise. */
int csm_customer_id_cmp(const char *a, const char *b);

#endif
