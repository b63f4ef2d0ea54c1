/* Referrals (see include/csmetrics/referrals.h and
 * docs/metrics/referrals.md): the referral rate per month with its Wilson
 * interval, and which referrals brought a customer in. */
#include "csmetrics/referrals.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/sort.h"
#include "csmetrics/xalloc.h"

const char *csm_referral_outcome_name(csm_referral_outcome o)
{
    static const char *const names[CSM_REFERRAL_OUTCOMES] = {
        "converted", "already_customer", "not_converted", "unidentified",
        "duplicate"};
    return (int)o >= 0 && o < CSM_REFERRAL_OUTCOMES ? names[o] : "";
}

/* Month index of a referral's date (may be outside 0..n_months-1). */
static int ref_month(const csm_dataset *ds, const csm_referral *r)
{
    return (int)(csm_day_month(r->date) - ds->first_month);
}

/* The outcome of referral r before duplicates are resolved; sets *month to
 * the month index of the start when it converts. */
static csm_referral_outcome first_start(const csm_dataset *ds,
                                        const csm_referral *r, int *month)
{
    *month = -1;
    if (r->referred == CSM_NO_CUSTOMER)
        return CSM_REFERRAL_UNIDENTIFIED;
    int rm = ref_month(ds, r);
    int k = rm < 0 ? 0 : rm;
    while (k < ds->n_months && !csm_ds_active(ds, k, r->referred))
        k++;
    if (k >= ds->n_months)
        return CSM_REFERRAL_NOT_CONVERTED;
    /* k is the first active month from the referral's month on.  Active in
     * k-1 can only mean k is the referral's month and the customer was
     * already active before it; the opening month shows no starts. */
    if (k == 0 || csm_ds_active(ds, k - 1, r->referred))
        return CSM_REFERRAL_ALREADY_CUSTOMER;
    *month = k;
    return CSM_REFERRAL_CONVERTED;
}

/* A candidate conversion with the keys that order it: customer, month,
 * date, file order. */
typedef struct cand {
    uint32_t referred;
    csm_day date;
    csm_referral_fate *f;
} cand;

static int cmp_cand(const void *x, const void *y)
{
    const cand *a = x, *b = y;
    if (a->referred != b->referred)
        return a->referred < b->referred ? -1 : 1;
    if (a->f->month != b->f->month)
        return a->f->month < b->f->month ? -1 : 1;
    if (a->date != b->date)
        return a->date < b->date ? -1 : 1;
    return (a->f->index > b->f->index) - (a->f->index < b->f->index);
}

static int cmp_month(const void *x, const void *y)
{
    const csm_referral_fate *a = *(csm_referral_fate *const *)x;
    const csm_referral_fate *b = *(csm_referral_fate *const *)y;
    if (a->month != b->month)
        return a->month < b->month ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

/* Decides every referral's fate and, for credited conversions, the bridge
 * movement and amount of the start. */
static void decide_fates(const csm_dataset *ds, const csm_config *cfg,
                         csm_referrals *res)
{
    size_t n = ds->n_referrals;
    res->fates = csm_xcalloc(n ? n : 1, sizeof *res->fates);
    res->n_fates = n;
    cand *cands = csm_xcalloc(n ? n : 1, sizeof *cands);
    size_t n_cand = 0;
    for (size_t i = 0; i < n; i++) {
        csm_referral_fate *f = &res->fates[i];
        const csm_referral *r = &ds->referrals[i];
        f->index = i;
        f->kind = CSM_MOVE_NONE;
        f->outcome = first_start(ds, r, &f->month);
        if (f->outcome == CSM_REFERRAL_CONVERTED)
            cands[n_cand++] = (cand){r->referred, r->date, f};
    }
    /* One credited conversion per referred customer: the first in
     * cmp_cand's order. */
    csm_qsort(cands, n_cand, sizeof *cands, cmp_cand);
    csm_referral_fate **conv = csm_xcalloc(n ? n : 1, sizeof *conv);
    size_t kept = 0;
    for (size_t i = 0; i < n_cand; i++) {
        if (i > 0 && cands[i].referred == cands[i - 1].referred) {
            cands[i].f->outcome = CSM_REFERRAL_DUPLICATE;
            cands[i].f->month = -1;
            continue;
        }
        conv[kept++] = cands[i].f;
    }
    free(cands);
    /* The start's amount is the bridge's: classify it with the bridge's own
     * state, walking the months once. */
    csm_qsort(conv, kept, sizeof *conv, cmp_month);
    csm_bridge_state st;
    csm_bridge_state_init(&st, ds);
    size_t p = 0;
    for (int m = 0; m < ds->n_months; m++) {
        for (; p < kept && conv[p]->month == m; p++) {
            uint32_t c = ds->referrals[conv[p]->index].referred;
            csm_customer_move mv = csm_bridge_classify(ds, cfg, &st, m, c);
            conv[p]->kind = mv.kind;
            conv[p]->mrr = mv.classified;
        }
        csm_bridge_state_advance(&st, ds, m);
    }
    csm_bridge_state_free(&st);
    free(conv);
    for (size_t i = 0; i < n; i++)
        res->outcomes[res->fates[i].outcome]++;
}

/* Sums the referral counts and conversions per month; false on an MRR
 * overflow. */
static bool count_months(const csm_dataset *ds, csm_referrals *res)
{
    int nm = ds->n_months;
    for (size_t i = 0; i < ds->n_referrals; i++) {
        int rm = ref_month(ds, &ds->referrals[i]);
        /* A row dated in month rm is in the trailing windows of months
         * rm..rm+11. */
        for (int k = rm; k < rm + CSM_REFERRAL_WINDOW && k < nm; k++) {
            if (k < 0)
                continue;
            res->months[k].referrals_12m++;
            if (k == rm)
                res->months[k].referrals++;
        }
    }
    for (size_t i = 0; i < res->n_fates; i++) {
        const csm_referral_fate *f = &res->fates[i];
        if (f->outcome != CSM_REFERRAL_CONVERTED)
            continue;
        for (int k = f->month; k < f->month + CSM_REFERRAL_WINDOW && k < nm;
             k++) {
            csm_referral_month *rm = &res->months[k];
            if (k == f->month) {
                rm->converted_logos++;
                if (!csm_money_add(rm->converted_mrr, f->mrr,
                                   &rm->converted_mrr))
                    return false;
            }
            rm->converted_logos_12m++;
            if (!csm_money_add(rm->converted_mrr_12m, f->mrr,
                               &rm->converted_mrr_12m))
                return false;
        }
    }
    return true;
}

/* Order of referrals by month, to sweep them into the rate's window. */
static int cmp_ref_month(const void *x, const void *y)
{
    const csm_referral *a = *(const csm_referral *const *)x;
    const csm_referral *b = *(const csm_referral *const *)y;
    return (a->date > b->date) - (a->date < b->date);
}

/* Referral rate per month with its Wilson interval. */
static csm_error rates(const csm_dataset *ds, const csm_config *cfg,
                       csm_referrals *res)
{
    size_t nr = ds->n_referrals;
    const csm_referral **by_date = csm_xcalloc(nr ? nr : 1, sizeof *by_date);
    for (size_t i = 0; i < nr; i++)
        by_date[i] = &ds->referrals[i];
    csm_qsort(by_date, nr, sizeof *by_date, cmp_ref_month);
    /* last[c]: month index of c's latest referral dated in or before the
     * current month; INT_MIN / 2 (never inside a window) when none yet. */
    int *last =
        csm_xmalloc((ds->n_customers ? ds->n_customers : 1) * sizeof *last);
    for (size_t c = 0; c < ds->n_customers; c++)
        last[c] = INT_MIN / 2;
    size_t p = 0;
    csm_error rc = CSM_OK;
    for (int k = 0; k < ds->n_months && rc == CSM_OK; k++) {
        for (; p < nr && ref_month(ds, by_date[p]) <= k; p++) {
            int rm = ref_month(ds, by_date[p]);
            uint32_t c = by_date[p]->referrer;
            if (rm > last[c])
                last[c] = rm;
        }
        csm_referral_month *m = &res->months[k];
        for (size_t c = 0; c < ds->n_customers; c++) {
            if (!csm_ds_active(ds, k, c))
                continue;
            if (last[c] >= k - (CSM_REFERRAL_WINDOW - 1))
                m->referring_logos++;
        }
        if (m->active_logos > 0)
            rc = csm_stats_wilson((size_t)m->referring_logos,
                                  (size_t)m->active_logos, cfg->ci_level,
                                  &m->rate_ci);
        m->rate = csm_ratio_i64(m->referring_logos, m->active_logos);
    }
    free(last);
    free(by_date);
    return rc;
}

csm_error csm_referrals_run(const csm_dataset *ds, const csm_config *cfg,
                            int report_month, csm_referrals **out,
                            csm_diags *diag)
{
    *out = NULL;
    if (report_month < 0 || report_month >= ds->n_months)
        return CSM_EUSAGE;
    csm_referrals *r = csm_xcalloc(1, sizeof *r);
    r->has_referrals = ds->has_referrals;
    r->report_month = report_month;
    r->ci_level = cfg->ci_level;
    r->n_months = ds->n_months;
    r->months = csm_xcalloc((size_t)ds->n_months, sizeof *r->months);
    for (int k = 0; k < ds->n_months; k++) {
        r->months[k].month = csm_dataset_month(ds, k);
        for (size_t c = 0; c < ds->n_customers; c++)
            r->months[k].active_logos += csm_ds_active(ds, k, c);
    }
    if (!ds->has_referrals) {
        *out = r;
        return CSM_OK;
    }
    decide_fates(ds, cfg, r);
    if (!count_months(ds, r)) {
        csm_diags_add(diag, CSM_SEV_ERROR, "referrals-overflow", NULL,
                      "the MRR of referred customers exceeds the largest "
                      "amount that can be held exactly");
        csm_referrals_free(r);
        return CSM_EDATA;
    }
    csm_error rc = rates(ds, cfg, r);
    if (rc != CSM_OK) {
        csm_diags_add(diag, CSM_SEV_ERROR, "referrals-interval", NULL,
                      "cannot compute the referral rate's interval at "
                      "ci_level %g",
                      cfg->ci_level);
        csm_referrals_free(r);
        return rc;
    }
    *out = r;
    return CSM_OK;
}

void csm_referrals_free(csm_referrals *r)
{
    if (!r)
        return;
    free(r->months);
    free(r->fates);
    free(r);
}
