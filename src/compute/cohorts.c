/* Signup cohorts: month and quarter cohorts x months since start, logo and
 * revenue retention, early churn.  The rules are in cohorts.h and
 * docs/metrics/cohorts.md; this file only says why where it is not
 * obvious. */
#include "csmetrics/cohorts.h"

#include <stdlib.h>
#include <string.h>

#include "csmetrics/retention.h"
#include "csmetrics/xalloc.h"

/* What one customer contributes, worked out once for both grains. */
typedef struct member {
    size_t customer;
    csm_month signup;  /* absolute month */
    int start_idx;     /* first active month index >= signup, <= report;
                          -1 when it has not started */
    int64_t start_mrr; /* MRR in start_idx */
    bool early_observed;
    bool early_churned;
} member;

/* The first month of the cohort of month m at this grain.  csm_month is
 * year * 12 + (month - 1) and 12 is a multiple of 3, so m % 3 is the
 * position inside the calendar quarter. */
static csm_month cohort_key(csm_month m, csm_cohort_grain g)
{
    return g == CSM_COHORT_MONTH ? m : m - m % 3;
}

static int grain_len(csm_cohort_grain g)
{
    return g == CSM_COHORT_MONTH ? 1 : 3;
}

/* Index of the first month in [from, report] where c is active, or -1. */
static int first_active(const csm_dataset *ds, size_t c, int from, int report)
{
    for (int m = from < 0 ? 0 : from; m <= report; m++)
        if (ds->mrr[m][c] > 0)
            return m;
    return -1;
}

/* Early churn of one member.  The window is observed when it starts on
 * or after the first observed day (so a churn inside it cannot predate
 * the data) and ends by the report month's last day (so a churn inside it
 * would already show as an inactive month <= report: a churn day is the
 * last day of a month, and if it is <= start + days <= last day of the
 * report month, the inactive month after it is <= report). */
static void early_churn_of(const csm_dataset *ds, size_t c, int report,
                           csm_day first_day, int days, member *mb)
{
    int f = first_active(ds, c, 0, report);
    csm_day start = ds->contract_start[c];
    if (start == CSM_NO_DATE) {
        if (f < 0)
            return; /* cannot happen: such a customer has no cohort */
        start = csm_month_first_day(csm_dataset_month(ds, f));
    }
    csm_day end = csm_month_last_day(csm_dataset_month(ds, report));
    if ((first_day != CSM_NO_DATE && start < first_day) ||
        (int64_t)start + days > (int64_t)end)
        return;
    mb->early_observed = true;
    if (f < 0)
        return; /* never active: never churned (it is in never_active) */
    for (int m = f + 1; m <= report; m++) {
        if (ds->mrr[m][c] <= 0) {
            csm_day churn = csm_month_last_day(csm_dataset_month(ds, m - 1));
            mb->early_churned = (int64_t)churn - start <= days;
            return;
        }
    }
}

static bool add_money(int64_t *acc, int64_t v, bool *overflow)
{
    if (!csm_money_add(*acc, v, acc)) {
        *overflow = true;
        return false;
    }
    return true;
}

static int cmp_month(const void *x, const void *y)
{
    csm_month a = *(const csm_month *)x, b = *(const csm_month *)y;
    return (a > b) - (a < b);
}

static void init_row(csm_cohort_row *r, csm_month a, csm_cohort_grain g,
                     csm_month report_abs, csm_month obs_lo)
{
    memset(r, 0, sizeof *r);
    r->start = a;
    if (g == CSM_COHORT_MONTH)
        csm_month_format(a, r->label);
    else
        csm_quarter_format(a, r->label);
    csm_month b = a + grain_len(g) - 1;
    if (b > report_abs)
        b = report_abs;
    /* Age k is observed when [a + k, b + k] lies in [obs_lo, report]. */
    r->n_ages = (int)(report_abs - b + 1);
    r->left_truncated = obs_lo != CSM_NO_MONTH && a < obs_lo;
    r->first_observed_age = r->left_truncated ? (int)(obs_lo - a) : 0;
    if (r->first_observed_age > r->n_ages)
        r->first_observed_age = r->n_ages;
    size_t n = (size_t)r->n_ages;
    r->active = csm_xcalloc(n, sizeof *r->active);
    r->mrr = csm_xcalloc(n, sizeof *r->mrr);
    r->logo_retention = csm_xcalloc(n, sizeof *r->logo_retention);
    r->revenue_retention = csm_xcalloc(n, sizeof *r->revenue_retention);
    for (int k = 0; k < r->first_observed_age; k++)
        r->active[k] = -1;
}

static bool add_member(const csm_dataset *ds, csm_cohort_row *r,
                       const member *mb, bool *overflow)
{
    r->logos++;
    if (mb->start_idx < 0)
        r->never_active++;
    if (!r->left_truncated && !add_money(&r->base_mrr, mb->start_mrr, overflow))
        return false;
    for (int k = r->first_observed_age; k < r->n_ages; k++) {
        int64_t v;
        if (k == 0) /* age 0 is the member's start (see cohorts.h) */
            v = mb->start_mrr;
        else
            v = csm_ds_mrr(ds, csm_dataset_month_index(ds, mb->signup + k),
                           mb->customer);
        if (v > 0)
            r->active[k]++;
        if (!add_money(&r->mrr[k], v, overflow))
            return false;
    }
    return true;
}

static void free_table(csm_cohort_table *t)
{
    for (size_t i = 0; i < t->n_rows; i++) {
        free(t->rows[i].active);
        free(t->rows[i].mrr);
        free(t->rows[i].logo_retention);
        free(t->rows[i].revenue_retention);
    }
    free(t->rows);
    free(t->all);
    memset(t, 0, sizeof *t);
}

/* Pools the rows into the all-cohorts row; false on overflow. */
static bool pool(csm_cohort_table *t, bool *overflow)
{
    int n = 0;
    for (size_t i = 0; i < t->n_rows; i++)
        if (!t->rows[i].left_truncated && t->rows[i].logos > 0 &&
            t->rows[i].n_ages > n)
            n = t->rows[i].n_ages;
    t->n_ages = n;
    t->all = csm_xcalloc(n ? (size_t)n : 1, sizeof *t->all);
    for (int k = 0; k < n; k++) {
        csm_cohort_age *a = &t->all[k];
        for (size_t i = 0; i < t->n_rows; i++) {
            const csm_cohort_row *r = &t->rows[i];
            if (r->left_truncated || r->logos == 0 || k >= r->n_ages)
                continue;
            a->cohorts++;
            a->logos += r->logos;
            a->active += r->active[k];
            if (!add_money(&a->base_mrr, r->base_mrr, overflow) ||
                !add_money(&a->mrr, r->mrr[k], overflow))
                return false;
        }
        a->logo_retention = csm_ratio_i64(a->active, a->logos);
        a->revenue_retention = csm_ratio_i64(a->mrr, a->base_mrr);
    }
    return true;
}

static csm_error build_table(const csm_dataset *ds, const member *mbs,
                             size_t n_mbs, csm_cohort_grain g,
                             csm_month report_abs, csm_month obs_lo,
                             double level, csm_cohort_table *t, csm_diags *diag)
{
    memset(t, 0, sizeof *t);
    int len = grain_len(g);
    /* Every cohort from the first loaded month's to the report month's,
     * empty ones included (a month without signups is a fact worth a
     * row), plus the earlier cohorts that have members. */
    csm_month lo = cohort_key(ds->first_month, g);
    csm_month hi = cohort_key(report_abs, g);
    csm_month *pre = csm_xcalloc(n_mbs ? n_mbs : 1, sizeof *pre);
    size_t n_pre = 0;
    for (size_t i = 0; i < n_mbs; i++) {
        csm_month k = cohort_key(mbs[i].signup, g);
        if (k < lo)
            pre[n_pre++] = k;
    }
    if (n_pre)
        qsort(pre, n_pre, sizeof *pre, cmp_month);
    size_t u = 0;
    for (size_t i = 0; i < n_pre; i++)
        if (u == 0 || pre[u - 1] != pre[i])
            pre[u++] = pre[i];
    n_pre = u;
    size_t n_range = (size_t)((hi - lo) / len + 1);
    t->n_rows = n_pre + n_range;
    t->rows = csm_xcalloc(t->n_rows, sizeof *t->rows);
    for (size_t i = 0; i < n_pre; i++)
        init_row(&t->rows[i], pre[i], g, report_abs, obs_lo);
    for (size_t i = 0; i < n_range; i++)
        init_row(&t->rows[n_pre + i], lo + (csm_month)i * len, g, report_abs,
                 obs_lo);

    bool overflow = false;
    size_t *early_x = csm_xcalloc(t->n_rows, sizeof *early_x);
    size_t *early_n = csm_xcalloc(t->n_rows, sizeof *early_n);
    for (size_t i = 0; i < n_mbs && !overflow; i++) {
        csm_month k = cohort_key(mbs[i].signup, g);
        size_t row;
        if (k >= lo) {
            row = n_pre + (size_t)((k - lo) / len);
        } else {
            const csm_month *p =
                bsearch(&k, pre, n_pre, sizeof *pre, cmp_month);
            row = (size_t)(p - pre);
        }
        if (!add_member(ds, &t->rows[row], &mbs[i], &overflow))
            break;
        early_n[row] += mbs[i].early_observed;
        early_x[row] += mbs[i].early_churned;
    }
    free(pre);
    csm_error rc = CSM_OK;
    for (size_t i = 0; i < t->n_rows && !overflow && rc == CSM_OK; i++) {
        csm_cohort_row *r = &t->rows[i];
        for (int k = r->first_observed_age; k < r->n_ages; k++) {
            if (r->left_truncated || r->logos == 0)
                break; /* rates stay undefined */
            r->logo_retention[k] = csm_ratio_i64(r->active[k], r->logos);
            r->revenue_retention[k] = csm_ratio_i64(r->mrr[k], r->base_mrr);
        }
        rc = csm_stats_wilson(early_x[i], early_n[i], level, &r->early_churn);
    }
    free(early_x);
    free(early_n);
    if (!overflow && rc == CSM_OK && !pool(t, &overflow))
        overflow = true;
    if (overflow) {
        csm_diags_add(diag, CSM_SEV_ERROR, "cohort-overflow", NULL,
                      "a %s cohort's MRR sum exceeds the largest amount "
                      "(expected amounts below 9.2e18 minor units)",
                      g == CSM_COHORT_MONTH ? "month" : "quarter");
        rc = CSM_EDATA;
    } else if (rc != CSM_OK) {
        csm_diags_add(diag, CSM_SEV_ERROR, "cohort-interval", NULL,
                      "early churn interval failed at ci_level %g "
                      "(expected a level in [%g, %g])",
                      level, CSM_STATS_LEVEL_MIN, CSM_STATS_LEVEL_MAX);
    }
    if (rc != CSM_OK)
        free_table(t);
    return rc;
}

csm_error csm_cohorts_run(const csm_dataset *ds, const csm_config *cfg,
                          int report_month, csm_cohorts **out, csm_diags *diag)
{
    *out = NULL;
    if (report_month < 0 || report_month >= ds->n_months) {
        csm_diags_add(diag, CSM_SEV_ERROR, "usage", NULL,
                      "cohorts: report month index %d is outside the %d "
                      "loaded months",
                      report_month, ds->n_months);
        return CSM_EUSAGE;
    }
    csm_cohorts *res = csm_xcalloc(1, sizeof *res);
    res->report_month = report_month;
    res->early_churn_days = cfg->early_churn_days;
    res->ci_level = cfg->ci_level;
    /* A first month with active customers is an opening balance: those
     * who signed and left before it are missing.  A first month with
     * nobody active (always so for subscription periods, whose opening
     * month precedes every start) hides no one: the history is whole.
     * Deciding on the data, not on ds->source, keeps a periods file and
     * its `import periods` snapshots giving the same figures. */
    bool opening = false;
    for (size_t c = 0; c < ds->n_customers && !opening; c++)
        opening = ds->mrr[0][c] > 0;
    res->first_observed = opening ? ds->first_month : CSM_NO_MONTH;
    csm_day first_day = res->first_observed == CSM_NO_MONTH
                            ? CSM_NO_DATE
                            : csm_month_first_day(res->first_observed);
    csm_month report_abs = csm_dataset_month(ds, report_month);

    member *mbs =
        csm_xcalloc(ds->n_customers ? ds->n_customers : 1, sizeof *mbs);
    size_t n = 0;
    size_t early_x = 0, early_n = 0;
    for (size_t c = 0; c < ds->n_customers; c++) {
        csm_month s = csm_signup_month(ds, c);
        if (s == CSM_NO_MONTH) {
            res->no_signup++;
            continue;
        }
        if (s > report_abs) {
            res->after_report++;
            continue;
        }
        /* Without contract_start the signup month is the first active
         * month; in the opening balance that only says "some time before
         * the data", so such customers have no known cohort. */
        if (ds->contract_start[c] == CSM_NO_DATE && opening &&
            s == ds->first_month) {
            res->opening_no_start++;
            continue;
        }
        member *mb = &mbs[n++];
        mb->customer = c;
        mb->signup = s;
        mb->start_idx =
            first_active(ds, c, (int)(s - ds->first_month), report_month);
        mb->start_mrr = mb->start_idx < 0 ? 0 : ds->mrr[mb->start_idx][c];
        early_churn_of(ds, c, report_month, first_day, cfg->early_churn_days,
                       mb);
        early_n += mb->early_observed;
        early_x += mb->early_churned;
    }
    res->members = (long)n;

    csm_error rc =
        csm_stats_wilson(early_x, early_n, cfg->ci_level, &res->early_churn);
    if (rc != CSM_OK)
        csm_diags_add(diag, CSM_SEV_ERROR, "cohort-interval", NULL,
                      "early churn interval failed at ci_level %g "
                      "(expected a level in [%g, %g])",
                      cfg->ci_level, CSM_STATS_LEVEL_MIN, CSM_STATS_LEVEL_MAX);
    for (int g = 0; g < CSM_COHORT_GRAINS && rc == CSM_OK; g++)
        rc = build_table(ds, mbs, n, (csm_cohort_grain)g, report_abs,
                         res->first_observed, cfg->ci_level, &res->table[g],
                         diag);
    free(mbs);
    if (rc != CSM_OK) {
        csm_cohorts_free(res);
        return rc;
    }
    *out = res;
    return CSM_OK;
}

void csm_cohorts_free(csm_cohorts *c)
{
    if (!c)
        return;
    for (int g = 0; g < CSM_COHORT_GRAINS; g++)
        free_table(&c->table[g]);
    free(c);
}
