/* Churn by renewable cohort and mid-term churn (include/csmetrics/
 * renewals.h, docs/metrics/renewals.md). */
#include "csmetrics/renewals.h"

#include <stdlib.h>
#include <string.h>

#include "csmetrics/money.h"
#include "csmetrics/sort.h"
#include "csmetrics/strtab.h"
#include "csmetrics/xalloc.h"

const char *csm_term_type_name(csm_term_type t)
{
    static const char *const names[CSM_TERM_TYPES] = {"monthly", "annual",
                                                      "multi_year", "unknown"};
    return (int)t >= 0 && t < CSM_TERM_TYPES ? names[t] : "unknown";
}

static int32_t term_end(const csm_dataset *ds, int m, size_t c)
{
    return csm_ds_attr(ds, m, CSM_ATTR_TERM_END, c);
}

csm_term_type csm_renewal_term_type(const csm_dataset *ds, size_t c, int m)
{
    int32_t t = term_end(ds, m, c);
    if (t == CSM_NA)
        return CSM_TERM_MONTHLY;
    /* f = first snapshot of the run that shows this same term_end. */
    int f = m;
    while (f > 0 && term_end(ds, f - 1, c) == t)
        f--;
    bool no_term_before = false;
    if (f > 0) {
        int32_t p = term_end(ds, f - 1, c);
        if (p != CSM_NA && p < t) {
            /* A renewal seen in the data: the new term starts the day
             * after the old one ends, so it lasts t - p days. */
            return (int64_t)t - p <= CSM_TERM_ANNUAL_MAX_DAYS
                       ? CSM_TERM_ANNUAL
                       : CSM_TERM_MULTI_YEAR;
        }
        /* Absent, or present without a term, at the end of month f-1: the
         * term began in month f at the earliest. */
        no_term_before = p == CSM_NA;
    }
    csm_month mf = csm_dataset_month(ds, f);
    csm_day hi = csm_month_last_day(mf); /* the term was on by then */
    csm_day lo = CSM_NO_DATE;            /* unbounded */
    if (no_term_before)
        lo = csm_month_first_day(mf);
    csm_day cs = ds->contract_start[c];
    if (cs != CSM_NO_DATE && (lo == CSM_NO_DATE || cs > lo))
        lo = cs; /* no term starts before the initial sale */
    if (lo != CSM_NO_DATE && lo > hi)
        lo = hi; /* contract_start after the snapshot showing the term:
                    the snapshot wins */
    if (lo != CSM_NO_DATE && (int64_t)t - lo + 1 <= CSM_TERM_ANNUAL_MAX_DAYS)
        return CSM_TERM_ANNUAL;
    if ((int64_t)t - hi + 1 > CSM_TERM_ANNUAL_MAX_DAYS)
        return CSM_TERM_MULTI_YEAR;
    return CSM_TERM_UNKNOWN;
}

/* Up for renewal in m: active in m-1 with no term_end there, or one that
 * falls inside month m. */
static bool is_up(const csm_dataset *ds, size_t c, int m)
{
    if (!csm_ds_active(ds, m - 1, c))
        return false;
    int32_t t = term_end(ds, m - 1, c);
    return t == CSM_NA || csm_day_month(t) == csm_dataset_month(ds, m);
}

csm_renewal_outcome csm_renewal_classify(const csm_dataset *ds, size_t c, int m,
                                         int grace_months, int *back)
{
    if (back)
        *back = -1;
    if (m < 1 || m >= ds->n_months || c >= ds->n_customers || !is_up(ds, c, m))
        return CSM_RENEWAL_NOT_UP;
    for (int k = m; k <= m + grace_months; k++) {
        if (k >= ds->n_months)
            return CSM_RENEWAL_PENDING; /* not decided inside the data */
        if (csm_ds_active(ds, k, c)) {
            if (back)
                *back = k;
            return CSM_RENEWAL_RENEWED;
        }
    }
    return CSM_RENEWAL_CHURNED;
}

/* ------------------------------------------------------------------ */
/* Accumulation                                                         */

static void add(int64_t *acc, int64_t v, bool *ok)
{
    if (!csm_money_add(*acc, v, acc))
        *ok = false;
}

/* One up-for-renewal customer into s.  prev = MRR_{M-1}, after = MRR in
 * the month it is active again (renewed only). */
static void add_member(csm_renewal_stats *s, csm_renewal_outcome o,
                       int64_t prev, int64_t after, bool *ok)
{
    s->up_logos++;
    add(&s->up_mrr, prev, ok);
    switch (o) {
    case CSM_RENEWAL_RENEWED:
        s->renewed_logos++;
        add(&s->renewed_mrr, after, ok);
        add(&s->renewed_mrr_capped, after < prev ? after : prev, ok);
        break;
    case CSM_RENEWAL_CHURNED:
        s->churned_logos++;
        add(&s->churned_mrr, prev, ok);
        break;
    default:
        s->pending_logos++;
        add(&s->pending_mrr, prev, ok);
        break;
    }
}

static void add_stats(csm_renewal_stats *to, const csm_renewal_stats *s,
                      bool *ok)
{
    to->months += s->months;
    to->up_logos += s->up_logos;
    to->renewed_logos += s->renewed_logos;
    to->churned_logos += s->churned_logos;
    to->pending_logos += s->pending_logos;
    add(&to->up_mrr, s->up_mrr, ok);
    add(&to->renewed_mrr_capped, s->renewed_mrr_capped, ok);
    add(&to->renewed_mrr, s->renewed_mrr, ok);
    add(&to->churned_mrr, s->churned_mrr, ok);
    add(&to->pending_mrr, s->pending_mrr, ok);
}

/* Rates from the counts.  While anyone is pending the rates would be
 * biased (the renewed are known at once, the lost only later), so they
 * stay undefined. */
static csm_error finish(csm_renewal_stats *s, int months_in_period,
                        double level)
{
    s->complete = s->months == months_in_period && s->pending_logos == 0;
    s->logo_rate = s->gross_dollar_rate = s->net_dollar_rate =
        csm_ratio_undefined();
    memset(&s->logo_rate_ci, 0, sizeof s->logo_rate_ci);
    if (s->up_logos == 0 || s->pending_logos > 0)
        return CSM_OK;
    s->logo_rate = csm_ratio_i64(s->renewed_logos, s->up_logos);
    s->gross_dollar_rate = csm_ratio_i64(s->renewed_mrr_capped, s->up_mrr);
    s->net_dollar_rate = csm_ratio_i64(s->renewed_mrr, s->up_mrr);
    return csm_stats_wilson((size_t)s->renewed_logos, (size_t)s->up_logos,
                            level, &s->logo_rate_ci);
}

/* Month-level stats of one breakdown, index = month index. */
typedef struct month_stats {
    csm_renewal_stats *s; /* [n_months] */
} month_stats;

static void month_stats_init(month_stats *ms, int n)
{
    ms->s = csm_xcalloc((size_t)(n ? n : 1), sizeof *ms->s);
    for (int k = 1; k < n; k++)
        ms->s[k].months = 1;
}

static csm_month period_start(csm_month m, csm_period_kind kind)
{
    int mon = csm_month_mon(m);
    if (kind == CSM_PERIOD_QUARTER)
        return m - (mon - 1) % 3;
    if (kind == CSM_PERIOD_YEAR)
        return m - (mon - 1);
    return m;
}

static const int period_len[CSM_PERIOD_KINDS] = {1, 3, 12};

/* Rolls month-level stats up into months, quarters and years. */
static csm_error build_table(const csm_dataset *ds, const month_stats *ms,
                             double level, csm_renewal_table *t, bool *ok)
{
    csm_error rc = CSM_OK;
    for (int kind = 0; kind < CSM_PERIOD_KINDS; kind++) {
        size_t n = 0;
        csm_renewal_period *p =
            csm_xcalloc((size_t)(ds->n_months ? ds->n_months : 1), sizeof *p);
        for (int k = 1; k < ds->n_months; k++) {
            csm_month start =
                period_start(csm_dataset_month(ds, k), (csm_period_kind)kind);
            if (n == 0 || p[n - 1].start != start) {
                p[n].start = start;
                n++;
            }
            add_stats(&p[n - 1].s, &ms->s[k], ok);
        }
        for (size_t i = 0; i < n && rc == CSM_OK; i++)
            rc = finish(&p[i].s, period_len[kind], level);
        t->period[kind] = p;
        t->n[kind] = n;
    }
    return rc;
}

static void table_free(csm_renewal_table *t)
{
    for (int k = 0; k < CSM_PERIOD_KINDS; k++) {
        free(t->period[k]);
        t->period[k] = NULL;
        t->n[k] = 0;
    }
}

static int cmp_group(const void *x, const void *y)
{
    const csm_renewal_group *a = x, *b = y;
    /* "" (not given) sorts last. */
    if (!*a->value || !*b->value)
        return (!*a->value) - (!*b->value);
    return strcmp(a->value, b->value);
}

typedef struct work {
    month_stats all;
    month_stats term[CSM_TERM_TYPES];
    month_stats *seg; /* [n_seg], slot = index in seg_names */
    size_t n_seg;
    csm_strtab seg_names;
    csm_mid_term_period *mid; /* [n_months] */
} work;

static void work_free(work *w)
{
    free(w->all.s);
    for (int t = 0; t < CSM_TERM_TYPES; t++)
        free(w->term[t].s);
    for (size_t i = 0; i < w->n_seg; i++)
        free(w->seg[i].s);
    free(w->seg);
    csm_strtab_free(&w->seg_names);
    free(w->mid);
}

static month_stats *segment_slot(work *w, const csm_dataset *ds, int m,
                                 size_t c)
{
    const char *v = csm_ds_string(ds, csm_ds_attr(ds, m, CSM_ATTR_SEGMENT, c));
    uint32_t k = csm_strtab_intern(&w->seg_names, v, strlen(v), NULL);
    while (w->n_seg <= k) {
        w->seg = csm_xreallocarray(w->seg, w->n_seg + 1, sizeof *w->seg);
        month_stats_init(&w->seg[w->n_seg], ds->n_months);
        w->n_seg++;
    }
    return &w->seg[k];
}

/* Rolls mid-term churn up like build_table. */
static void build_mid(const csm_dataset *ds, const csm_mid_term_period *mid,
                      csm_renewals *r, bool *ok)
{
    for (int kind = 0; kind < CSM_PERIOD_KINDS; kind++) {
        size_t n = 0;
        csm_mid_term_period *p =
            csm_xcalloc((size_t)(ds->n_months ? ds->n_months : 1), sizeof *p);
        for (int k = 1; k < ds->n_months; k++) {
            csm_month start =
                period_start(csm_dataset_month(ds, k), (csm_period_kind)kind);
            if (n == 0 || p[n - 1].start != start) {
                p[n].start = start;
                n++;
            }
            p[n - 1].months++;
            p[n - 1].logos += mid[k].logos;
            add(&p[n - 1].mrr, mid[k].mrr, ok);
        }
        r->mid_term[kind] = p;
        r->n_mid_term[kind] = n;
    }
}

csm_error csm_renewals_run(const csm_dataset *ds, const csm_config *cfg,
                           int report_month, csm_renewals **out,
                           csm_diags *diag)
{
    *out = NULL;
    int n = ds->n_months;
    work w;
    memset(&w, 0, sizeof w);
    month_stats_init(&w.all, n);
    for (int t = 0; t < CSM_TERM_TYPES; t++)
        month_stats_init(&w.term[t], n);
    w.mid = csm_xcalloc((size_t)(n ? n : 1), sizeof *w.mid);
    csm_renewals *r = csm_xcalloc(1, sizeof *r);
    r->report_month = report_month;
    r->grace_months = cfg->grace_months;
    r->ci_level = cfg->ci_level;
    bool ok = true;
    long stale = 0;
    uint32_t stale_c = CSM_NO_CUSTOMER;
    int stale_m = -1;

    for (int m = 1; m < n; m++) {
        csm_day month_first = csm_month_first_day(csm_dataset_month(ds, m));
        for (size_t c = 0; c < ds->n_customers; c++) {
            int64_t prev = ds->mrr[m - 1][c];
            if (prev <= 0)
                continue;
            int back;
            csm_renewal_outcome o =
                csm_renewal_classify(ds, c, m, cfg->grace_months, &back);
            if (o == CSM_RENEWAL_NOT_UP) {
                int32_t t = term_end(ds, m - 1, c);
                if (t != CSM_NA && t < month_first) {
                    if (stale++ == 0) {
                        stale_c = (uint32_t)c;
                        stale_m = m - 1;
                    }
                }
                if (ds->mrr[m][c] <= 0) {
                    w.mid[m].logos++;
                    add(&w.mid[m].mrr, prev, &ok);
                }
                continue;
            }
            int64_t after = back >= 0 ? ds->mrr[back][c] : 0;
            csm_term_type tt = csm_renewal_term_type(ds, c, m - 1);
            add_member(&w.all.s[m], o, prev, after, &ok);
            add_member(&w.term[tt].s[m], o, prev, after, &ok);
            add_member(&segment_slot(&w, ds, m - 1, c)->s[m], o, prev, after,
                       &ok);
        }
    }

    csm_error rc = build_table(ds, &w.all, cfg->ci_level, &r->all, &ok);
    for (int t = 0; t < CSM_TERM_TYPES && rc == CSM_OK; t++) {
        r->by_term[t].value = csm_xstrdup(csm_term_type_name((csm_term_type)t));
        rc = build_table(ds, &w.term[t], cfg->ci_level, &r->by_term[t].t, &ok);
    }
    if (rc == CSM_OK) {
        r->by_segment =
            csm_xcalloc(w.n_seg ? w.n_seg : 1, sizeof *r->by_segment);
        r->n_segments = w.n_seg;
        for (size_t i = 0; i < w.n_seg && rc == CSM_OK; i++) {
            r->by_segment[i].value =
                csm_xstrdup(csm_strtab_get(&w.seg_names, (uint32_t)i));
            rc = build_table(ds, &w.seg[i], cfg->ci_level, &r->by_segment[i].t,
                             &ok);
        }
        csm_qsort(r->by_segment, r->n_segments, sizeof *r->by_segment,
                  cmp_group);
    }
    if (rc == CSM_OK)
        build_mid(ds, w.mid, r, &ok);
    work_free(&w);
    r->stale_term_end = stale;

    if (rc != CSM_OK) {
        csm_diags_add(diag, CSM_SEV_ERROR, "renewals-interval", NULL,
                      "renewal rate interval at ci_level %g failed (%s)",
                      cfg->ci_level, csm_strerror(rc));
        csm_renewals_free(r);
        return rc;
    }
    if (!ok) {
        csm_diags_add(diag, CSM_SEV_ERROR, "mrr-overflow", NULL,
                      "a renewal total exceeds the largest amount that can "
                      "be held exactly");
        csm_renewals_free(r);
        return CSM_EDATA;
    }
    if (stale > 0) {
        char mb[CSM_DATE_BUFSZ], db[CSM_DATE_BUFSZ];
        csm_diags_add(
            diag, CSM_SEV_WARNING, "stale-term-end", NULL,
            "%ld customer-month(s) show a term_end that had already passed "
            "(first: customer \"%s\" in %s, term_end %s); such a customer "
            "is not up for renewal until its term_end is updated, and a "
            "churn counts as mid-term churn",
            stale, csm_ds_customer_id(ds, stale_c),
            csm_month_format(csm_dataset_month(ds, stale_m), mb),
            csm_date_format(term_end(ds, stale_m, stale_c), db));
    }
    *out = r;
    return CSM_OK;
}

static void group_free(csm_renewal_group *g)
{
    free(g->value);
    table_free(&g->t);
}

void csm_renewals_free(csm_renewals *r)
{
    if (!r)
        return;
    table_free(&r->all);
    for (size_t i = 0; i < r->n_segments; i++)
        group_free(&r->by_segment[i]);
    free(r->by_segment);
    for (int t = 0; t < CSM_TERM_TYPES; t++)
        group_free(&r->by_term[t]);
    for (int k = 0; k < CSM_PERIOD_KINDS; k++)
        free(r->mid_term[k]);
    free(r);
}

const csm_renewal_stats *csm_renewals_month(const csm_renewals *r, int m)
{
    /* Month entries are month indexes 1 .. n-1, stored from 0. */
    if (!r || m < 1 || (size_t)(m - 1) >= r->all.n[CSM_PERIOD_MONTH])
        return NULL;
    return &r->all.period[CSM_PERIOD_MONTH][m - 1].s;
}

size_t csm_renewals_rate_series(const csm_renewals *r, int last, size_t max,
                                double *x, double *y)
{
    if (!r || max == 0)
        return 0;
    size_t n = 0;
    /* Walk back from last collecting defined points, then reverse. */
    for (int m = last; m >= 1 && n < max; m--) {
        const csm_renewal_stats *s = csm_renewals_month(r, m);
        if (s && s->logo_rate.defined) {
            x[n] = (double)m;
            y[n] = s->logo_rate.value;
            n++;
        }
    }
    for (size_t i = 0; i < n / 2; i++) {
        double tx = x[i], ty = y[i];
        x[i] = x[n - 1 - i];
        y[i] = y[n - 1 - i];
        x[n - 1 - i] = tx;
        y[n - 1 - i] = ty;
    }
    return n;
}
