/* Churn reasons (see include/csmetrics/churn_reasons.h and
 * docs/metrics/churn_reasons.md): every bridge churn matched to a row of
 * churn_reasons.csv, totals per reason and category, and the gaps. */
#include "csmetrics/churn_reasons.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/bridge.h"
#include "csmetrics/sort.h"
#include "csmetrics/xalloc.h"

const char *csm_reason_category_name(csm_reason_category c)
{
    switch (c) {
    case CSM_REASON_CONTROLLABLE:
        return "controllable";
    case CSM_REASON_UNCONTROLLABLE:
        return "uncontrollable";
    default:
        return "unspecified";
    }
}

/* Every churn movement of months 1..n-1 with the bridge's amount, in month
 * then customer order. */
static void collect_events(const csm_dataset *ds, const csm_config *cfg,
                           csm_churn_reasons *res)
{
    size_t n = 0, cap = 0;
    csm_churn_event *v = NULL;
    csm_bridge_state st;
    csm_bridge_state_init(&st, ds);
    for (int m = 0; m < ds->n_months; m++) {
        for (size_t c = 0; m > 0 && c < ds->n_customers; c++) {
            if (!(ds->mrr[m - 1][c] > 0 && ds->mrr[m][c] <= 0))
                continue;
            csm_customer_move mv =
                csm_bridge_classify(ds, cfg, &st, m, (uint32_t)c);
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                v = csm_xreallocarray(v, cap, sizeof *v);
            }
            v[n++] = (csm_churn_event){(uint32_t)c, m, mv.classified, -1, 0};
        }
        csm_bridge_state_advance(&st, ds, m);
    }
    csm_bridge_state_free(&st);
    res->events = v;
    res->n_events = n;
}

/* Reason rows ordered by customer, month, file order, for lookups. */
typedef struct reason_index {
    const csm_dataset *ds;
    size_t *order; /* indexes into ds->reasons */
    bool *used;    /* by ds->reasons index */
} reason_index;

static int cmp_key(const csm_churn_reason *a, uint32_t c, csm_month m)
{
    if (a->customer != c)
        return a->customer < c ? -1 : 1;
    return (a->month > m) - (a->month < m);
}

/* Sorting reason indexes needs the rows; they are passed through a
 * pointer-pair array so that qsort's comparator needs no context. */
typedef struct keyed {
    const csm_churn_reason *row;
    size_t index;
} keyed;

static int cmp_keyed(const void *x, const void *y)
{
    const keyed *a = x, *b = y;
    int k = cmp_key(a->row, b->row->customer, b->row->month);
    if (k)
        return k;
    return (a->index > b->index) - (a->index < b->index);
}

static void index_build(reason_index *ix, const csm_dataset *ds)
{
    size_t n = ds->n_reasons;
    ix->ds = ds;
    ix->order = csm_xcalloc(n ? n : 1, sizeof *ix->order);
    ix->used = csm_xcalloc(n ? n : 1, sizeof *ix->used);
    keyed *k = csm_xcalloc(n ? n : 1, sizeof *k);
    for (size_t i = 0; i < n; i++)
        k[i] = (keyed){&ds->reasons[i], i};
    csm_qsort(k, n, sizeof *k, cmp_keyed);
    for (size_t i = 0; i < n; i++)
        ix->order[i] = k[i].index;
    free(k);
}

static void index_free(reason_index *ix)
{
    free(ix->order);
    free(ix->used);
}

/* The first unused row for customer c dated in month m, marked used;
 * -1 when there is none. */
static long take(reason_index *ix, uint32_t c, csm_month m)
{
    size_t lo = 0, hi = ix->ds->n_reasons;
    while (lo < hi) { /* lower bound of (c, m) */
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_key(&ix->ds->reasons[ix->order[mid]], c, m) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < ix->ds->n_reasons; i++) {
        size_t r = ix->order[i];
        if (cmp_key(&ix->ds->reasons[r], c, m) != 0)
            break;
        if (!ix->used[r]) {
            ix->used[r] = true;
            return (long)r;
        }
    }
    return -1;
}

/* Matches churns to rows: exact months for every churn first, then one
 * month off (before, then after), and so on up to max_off. */
static void match(const csm_dataset *ds, csm_churn_reasons *res,
                  reason_index *ix, int max_off)
{
    for (int d = 0; d <= max_off; d++) {
        for (size_t i = 0; i < res->n_events; i++) {
            csm_churn_event *e = &res->events[i];
            if (e->reason >= 0)
                continue;
            csm_month m = csm_dataset_month(ds, e->month);
            e->reason = take(ix, e->customer, m - d);
            e->offset = -d;
            if (e->reason < 0 && d > 0) {
                e->reason = take(ix, e->customer, m + d);
                e->offset = d;
            }
            if (e->reason < 0)
                e->offset = 0;
            else if (d == 0)
                res->matched_exact++;
            else
                res->matched_off++;
        }
    }
}

static int cmp_total(const void *x, const void *y, const csm_dataset *ds)
{
    const csm_reason_total *a = x, *b = y;
    if (a->mrr != b->mrr)
        return a->mrr > b->mrr ? -1 : 1;
    if (a->logos != b->logos)
        return a->logos > b->logos ? -1 : 1;
    int s = strcmp(csm_ds_string(ds, (int32_t)a->reason),
                   csm_ds_string(ds, (int32_t)b->reason));
    if (s)
        return s;
    return (a->category > b->category) - (a->category < b->category);
}

/* Insertion sort: a window has a handful of reasons, and this keeps the
 * comparator's access to the string table without a global. */
static void sort_totals(csm_reason_total *t, size_t n, const csm_dataset *ds)
{
    for (size_t i = 1; i < n; i++) {
        csm_reason_total x = t[i];
        size_t j = i;
        while (j > 0 && cmp_total(&t[j - 1], &x, ds) > 0) {
            t[j] = t[j - 1];
            j--;
        }
        t[j] = x;
    }
}

/* Totals of the window of len months ending at month index r; false on
 * an MRR overflow. */
static bool total_window(const csm_dataset *ds, const csm_churn_reasons *res,
                         int r, int len, csm_churn_window *w)
{
    memset(w, 0, sizeof *w);
    int first = r - len + 1;
    w->months = len;
    w->to = csm_dataset_month(ds, r);
    w->from = w->to - len + 1;
    /* Month index 0 is an opening balance: it has no churn movements, so
     * a window reaching it would under-count. */
    w->fits = first >= 1;
    if (!w->fits)
        return true;
    size_t cap = 0;
    for (size_t i = 0; i < res->n_events; i++) {
        const csm_churn_event *e = &res->events[i];
        if (e->month < first || e->month > r)
            continue;
        w->churned_logos++;
        if (!csm_money_add(w->churned_mrr, e->mrr, &w->churned_mrr))
            return false;
        if (e->reason < 0) {
            w->no_reason_logos++;
            if (!csm_money_add(w->no_reason_mrr, e->mrr, &w->no_reason_mrr))
                return false;
            continue;
        }
        const csm_churn_reason *row = &ds->reasons[e->reason];
        w->category_logos[row->category]++;
        if (!csm_money_add(w->category_mrr[row->category], e->mrr,
                           &w->category_mrr[row->category]))
            return false;
        size_t k = 0;
        while (k < w->n_by_reason &&
               !(w->by_reason[k].reason == row->reason &&
                 w->by_reason[k].category == row->category))
            k++;
        if (k == w->n_by_reason) {
            if (k == cap) {
                cap = cap ? cap * 2 : 8;
                w->by_reason =
                    csm_xreallocarray(w->by_reason, cap, sizeof *w->by_reason);
            }
            w->by_reason[k] = (csm_reason_total){.reason = row->reason,
                                                 .category = row->category};
            w->n_by_reason++;
        }
        w->by_reason[k].logos++;
        if (!csm_money_add(w->by_reason[k].mrr, e->mrr, &w->by_reason[k].mrr))
            return false;
    }
    for (size_t k = 0; k < w->n_by_reason; k++) {
        w->by_reason[k].share_logos =
            csm_ratio_i64(w->by_reason[k].logos, w->churned_logos);
        w->by_reason[k].share_mrr =
            csm_ratio_i64(w->by_reason[k].mrr, w->churned_mrr);
    }
    for (int c = 0; c < CSM_REASON_CATEGORIES; c++) {
        w->category_share_logos[c] =
            csm_ratio_i64(w->category_logos[c], w->churned_logos);
        w->category_share_mrr[c] =
            csm_ratio_i64(w->category_mrr[c], w->churned_mrr);
    }
    sort_totals(w->by_reason, w->n_by_reason, ds);
    return true;
}

/* Churns of customer c (events sorted by customer then month) within
 * max_off months of month index m? */
static bool churn_near(const csm_churn_event *const *by_cust, size_t n,
                       uint32_t c, int m, int max_off)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (by_cust[mid]->customer < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n && by_cust[i]->customer == c; i++) {
        int d = by_cust[i]->month - m;
        if (d >= -max_off && d <= max_off)
            return true;
    }
    return false;
}

static int cmp_event_cust(const void *x, const void *y)
{
    const csm_churn_event *a = *(const csm_churn_event *const *)x;
    const csm_churn_event *b = *(const csm_churn_event *const *)y;
    if (a->customer != b->customer)
        return a->customer < b->customer ? -1 : 1;
    return (a->month > b->month) - (a->month < b->month);
}

/* Lists the churns without a reason and the leftover rows of the list
 * months, with their warnings. */
static bool make_lists(const csm_dataset *ds, csm_churn_reasons *res,
                       const reason_index *ix, csm_diags *diag)
{
    int r = res->report_month;
    int first = r - 11 < 1 ? 1 : r - 11;
    res->list_to = csm_dataset_month(ds, r);
    res->list_from = csm_dataset_month(ds, first);
    if (first > r) {
        res->list_from = res->list_to;
        return true;
    }
    char mb[CSM_DATE_BUFSZ], amt[CSM_MONEY_BUFSZ];
    res->missing =
        csm_xcalloc(res->n_events ? res->n_events : 1, sizeof *res->missing);
    for (size_t i = 0; i < res->n_events; i++) {
        const csm_churn_event *e = &res->events[i];
        if (e->month < first || e->month > r || e->reason >= 0)
            continue;
        res->missing[res->n_missing++] = i;
        if (!csm_money_add(res->missing_mrr, e->mrr, &res->missing_mrr))
            return false;
        if (ds->has_reasons)
            csm_diags_add(diag, CSM_SEV_WARNING, "churn-reason-missing", NULL,
                          "customer %s churned in %s (MRR %s) and "
                          "churn_reasons.csv gives no reason for it",
                          csm_ds_customer_id(ds, e->customer),
                          csm_month_format(csm_dataset_month(ds, e->month), mb),
                          csm_money_format(e->mrr, ds->decimals, amt));
    }
    if (!ds->has_reasons && res->n_missing) {
        char a[CSM_DATE_BUFSZ], b[CSM_DATE_BUFSZ];
        csm_diags_add(diag, CSM_SEV_WARNING, "churn-reason-missing", NULL,
                      "there is no churn_reasons.csv: %zu churned customers "
                      "in %s..%s (MRR %s) have no reason",
                      res->n_missing, csm_month_format(res->list_from, a),
                      csm_month_format(res->list_to, b),
                      csm_money_format(res->missing_mrr, ds->decimals, amt));
    }
    const csm_churn_event **by_cust =
        csm_xcalloc(res->n_events ? res->n_events : 1, sizeof *by_cust);
    for (size_t i = 0; i < res->n_events; i++)
        by_cust[i] = &res->events[i];
    csm_qsort(by_cust, res->n_events, sizeof *by_cust, cmp_event_cust);
    res->unmatched =
        csm_xcalloc(ds->n_reasons ? ds->n_reasons : 1, sizeof *res->unmatched);
    for (size_t k = 0; k < ds->n_reasons; k++) {
        /* In file order, so the list reads like the file. */
        const csm_churn_reason *row = &ds->reasons[k];
        int m = csm_dataset_month_index(ds, row->month);
        if (ix->used[k] || m < first || m > r)
            continue;
        bool dup = churn_near(by_cust, res->n_events, row->customer, m,
                              res->match_months);
        res->unmatched[res->n_unmatched++] = (csm_unmatched_reason){
            k, dup ? CSM_REASON_DUPLICATE : CSM_REASON_NO_CHURN};
        csm_diags_add(
            diag, CSM_SEV_WARNING, "churn-reason-unmatched", NULL,
            dup ? "churn_reasons.csv gives a second reason \"%s\" for %s "
                  "in %s; the churn already has one"
                : "churn_reasons.csv gives reason \"%s\" for %s in %s, but "
                  "the customer did not churn then",
            csm_ds_string(ds, (int32_t)row->reason),
            csm_ds_customer_id(ds, row->customer),
            csm_month_format(row->month, mb));
    }
    free(by_cust);
    return true;
}

csm_error csm_churn_reasons_run(const csm_dataset *ds, const csm_config *cfg,
                                int report_month, csm_churn_reasons **out,
                                csm_diags *diag)
{
    *out = NULL;
    if (report_month < 0 || report_month >= ds->n_months)
        return CSM_EUSAGE;
    csm_churn_reasons *res = csm_xcalloc(1, sizeof *res);
    res->has_reasons = ds->has_reasons;
    res->report_month = report_month;
    res->match_months = cfg->churn_reason_match_months;
    collect_events(ds, cfg, res);
    reason_index ix;
    index_build(&ix, ds);
    match(ds, res, &ix, res->match_months);
    bool ok = true;
    for (int w = 0; w < CSM_RETENTION_WINDOWS && ok; w++)
        ok = total_window(ds, res, report_month, csm_retention_window_months[w],
                          &res->current[w]);
    if (ok)
        ok = make_lists(ds, res, &ix, diag);
    index_free(&ix);
    if (!ok) {
        csm_diags_add(diag, CSM_SEV_ERROR, "churn-reasons-overflow", NULL,
                      "a churned MRR sum exceeds the largest amount that can "
                      "be held exactly");
        csm_churn_reasons_free(res);
        return CSM_EDATA;
    }
    *out = res;
    return CSM_OK;
}

void csm_churn_reasons_free(csm_churn_reasons *r)
{
    if (!r)
        return;
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++)
        free(r->current[w].by_reason);
    free(r->events);
    free(r->missing);
    free(r->unmatched);
    free(r);
}
