/* Time to first value: customers become survival subjects (ttfv.h has the
 * rules), the stats module fits Kaplan-Meier curves overall, per signup
 * quarter and per segment, and tests segments against each other. */
#include "csmetrics/ttfv.h"

#include <stdlib.h>
#include <string.h>

#include "csmetrics/xalloc.h"

const int csm_ttfv_within_days[CSM_TTFV_WITHIN] = {30, 60, 90};

const char *csm_ttfv_status_name(csm_ttfv_status s)
{
    static const char *const names[CSM_TTFV_STATUSES] = {
        "in",           "no_contract_start", "not_yet_signed",
        "never_active", "value_before_data", "inconsistent_dates"};
    return (unsigned)s < CSM_TTFV_STATUSES ? names[s] : "unknown";
}

void csm_ttfv_subject_of(const csm_dataset *ds, int report_month, size_t c,
                         csm_ttfv_subject *out)
{
    memset(out, 0, sizeof *out);
    csm_day cs = ds->contract_start[c], fv = ds->first_value[c];
    csm_day end = csm_month_last_day(csm_dataset_month(ds, report_month));
    if (cs == CSM_NO_DATE) {
        out->status = CSM_TTFV_NO_START;
        return;
    }
    if (cs > end) {
        out->status = CSM_TTFV_NOT_SIGNED;
        return;
    }
    /* Validation rejects a row with first value before contract start,
     * but the loader keeps each date's earliest value over all rows, so
     * two rows can still combine into that order. */
    if (fv != CSM_NO_DATE && fv < cs) {
        out->status = CSM_TTFV_INCONSISTENT;
        return;
    }
    int last = -1;
    for (int m = report_month; m >= 0 && last < 0; m--)
        if (ds->mrr[m][c] > 0)
            last = m;
    if (last < 0) {
        out->status = CSM_TTFV_NEVER_ACTIVE;
        return;
    }
    csm_day first_day = csm_month_first_day(ds->first_month);
    csm_day obs = cs;
    if (cs < first_day) {
        obs = first_day;
        out->left_truncated = true;
    }
    if (fv != CSM_NO_DATE && fv < obs) {
        out->status = CSM_TTFV_VALUE_BEFORE_DATA;
        return;
    }
    bool churned = last < report_month;
    csm_day limit =
        churned ? csm_month_last_day(csm_dataset_month(ds, last)) : end;
    if (limit < obs) { /* churned before its contract started */
        out->status = CSM_TTFV_INCONSISTENT;
        return;
    }
    out->status = CSM_TTFV_IN;
    out->entry = (double)(obs - cs) - 0.5;
    if (fv != CSM_NO_DATE && fv <= limit) {
        out->exit = (double)(fv - cs);
        out->event = true;
    } else {
        out->exit = (double)(limit - cs);
        out->churned_before_value = churned;
    }
}

/* A group of subjects being summarised: indexes into the subject array. */
typedef struct group {
    int32_t key;       /* quarter (csm_month) or segment string index */
    const char *label; /* segment name, for sorting */
    size_t *idx;
    size_t n, cap;
} group;

/* Adds subject i to the group of key.  Groups are few (quarters,
 * segments), so a linear search is enough. */
static void group_add(group **gs, size_t *n, int32_t key, const char *label,
                      size_t i)
{
    size_t g = 0;
    while (g < *n && (*gs)[g].key != key)
        g++;
    if (g == *n) {
        *gs = csm_xreallocarray(*gs, *n + 1, sizeof **gs);
        memset(&(*gs)[g], 0, sizeof **gs);
        (*gs)[g].key = key;
        (*gs)[g].label = label;
        (*n)++;
    }
    group *gr = &(*gs)[g];
    if (gr->n == gr->cap) {
        gr->cap = gr->cap ? 2 * gr->cap : 8;
        gr->idx = csm_xreallocarray(gr->idx, gr->cap, sizeof *gr->idx);
    }
    gr->idx[gr->n++] = i;
}

static void within_of(const csm_km *km, int days, csm_ttfv_within_share *w)
{
    memset(w, 0, sizeof *w);
    w->days = days;
    csm_km_point p;
    csm_km_at(km, days, &p);
    if (p.defined) {
        w->share.defined = true;
        w->share.value = 1.0 - p.surv;
        if (p.upper.defined) {
            w->lo.defined = true;
            w->lo.value = 1.0 - p.upper.value;
        }
        if (p.lower.defined) {
            w->hi.defined = true;
            w->hi.value = 1.0 - p.lower.value;
        }
    } else if (km->n_steps > 0 && km->steps[km->n_steps - 1].surv == 0.0) {
        /* Everyone at risk reached first value: S stays 0 after the last
         * time, and survfit has no interval at S = 0. */
        w->share.defined = true;
        w->share.value = 1.0;
    }
}

/* Fits the subjects sub[idx[0..n)] and fills s.  On success keeps the fit
 * in *keep when keep is not NULL (else frees it). */
static csm_error summarize(const csm_ttfv_subject *sub, const size_t *idx,
                           size_t n, const csm_km_options *opt,
                           csm_ttfv_summary *s, csm_km **keep)
{
    double *entry = csm_xcalloc(n ? n : 1, sizeof *entry);
    double *exit_ = csm_xcalloc(n ? n : 1, sizeof *exit_);
    bool *event = csm_xcalloc(n ? n : 1, sizeof *event);
    size_t churned = 0;
    double first_entry = 0.0;
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        const csm_ttfv_subject *x = &sub[idx[i]];
        if (i == 0 || x->entry < first_entry)
            first_entry = x->entry;
        entry[i] = x->entry;
        exit_[i] = x->exit;
        event[i] = x->event;
        s->events += x->event;
        s->left_truncated += x->left_truncated;
        churned += x->churned_before_value;
    }
    /* Entries are d - 1/2 for a first observed day d (ttfv.h). */
    if (n > 0 && first_entry > 0.0) {
        s->conditional_from.defined = true;
        s->conditional_from.value = first_entry + 0.5;
    }
    csm_surv_data data = {entry, exit_, event, n};
    csm_km *km = NULL;
    csm_error rc = csm_km_fit(&data, opt, &km);
    free(entry);
    free(exit_);
    free(event);
    if (rc != CSM_OK)
        return rc;
    csm_km_median_time(km, &s->median);
    for (int w = 0; w < CSM_TTFV_WITHIN; w++) {
        int d = csm_ttfv_within_days[w];
        within_of(km, d, &s->within[w]);
        /* Nobody was watched by day d: survfit's S = 1 there is the
         * starting value of a conditional curve, not an estimate. */
        if (s->conditional_from.defined && d < s->conditional_from.value) {
            memset(&s->within[w], 0, sizeof s->within[w]);
            s->within[w].days = d;
        }
    }
    rc = csm_stats_wilson(churned, n, opt->level, &s->churned_before_value);
    if (keep && rc == CSM_OK)
        *keep = km;
    else
        csm_km_free(km);
    return rc;
}

/* The segment a customer was sold into: the first one its rows name, up
 * to the report month. */
static int32_t segment_of(const csm_dataset *ds, int report, size_t c)
{
    for (int m = 0; m <= report; m++) {
        int32_t v = csm_ds_attr(ds, m, CSM_ATTR_SEGMENT, c);
        if (v != CSM_NA && v != 0)
            return v;
    }
    return 0;
}

static void free_groups(group *gs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(gs[i].idx);
    free(gs);
}

static csm_error summarize_groups(const csm_dataset *ds,
                                  const csm_ttfv_subject *sub, group *gs,
                                  size_t n, bool quarters,
                                  const csm_km_options *opt,
                                  csm_ttfv_summary **out)
{
    csm_ttfv_summary *s = csm_xcalloc(n ? n : 1, sizeof *s);
    *out = s;
    for (size_t g = 0; g < n; g++) {
        char b[CSM_DATE_BUFSZ];
        s[g].quarter = quarters ? gs[g].key : CSM_NO_MONTH;
        s[g].value = csm_xstrdup(quarters ? csm_quarter_format(gs[g].key, b)
                                          : csm_ds_string(ds, gs[g].key));
        csm_error rc = summarize(sub, gs[g].idx, gs[g].n, opt, &s[g], NULL);
        if (rc != CSM_OK)
            return rc;
    }
    return CSM_OK;
}

/* Log-rank between the named segments, which by_segment lists first. */
static csm_error segment_test(const csm_ttfv_subject *sub, const group *gs,
                              size_t n_groups, const csm_ttfv_summary *sums,
                              csm_logrank **out)
{
    *out = NULL;
    size_t k = 0, total = 0;
    while (k < n_groups && *sums[k].value)
        k++;
    if (k < 2)
        return CSM_OK;
    for (size_t g = 0; g < n_groups; g++)
        total += gs[g].n;
    double *entry = csm_xcalloc(total, sizeof *entry);
    double *exit_ = csm_xcalloc(total, sizeof *exit_);
    bool *event = csm_xcalloc(total, sizeof *event);
    size_t *grp = csm_xcalloc(total, sizeof *grp);
    size_t n = 0;
    for (size_t g = 0; g < k; g++) {
        for (size_t i = 0; i < gs[g].n; i++) {
            const csm_ttfv_subject *x = &sub[gs[g].idx[i]];
            entry[n] = x->entry;
            exit_[n] = x->exit;
            event[n] = x->event;
            grp[n++] = g;
        }
    }
    csm_surv_data data = {entry, exit_, event, n};
    csm_error rc = csm_stats_logrank(&data, grp, k, out);
    free(entry);
    free(exit_);
    free(event);
    free(grp);
    return rc;
}

static int cmp_group_segment(const void *x, const void *y)
{
    const group *a = x, *b = y;
    if (!*a->label || !*b->label) /* "" (not given) sorts last */
        return (!*a->label) - (!*b->label);
    return strcmp(a->label, b->label);
}

static int cmp_group_key(const void *x, const void *y)
{
    const group *a = x, *b = y;
    return (a->key > b->key) - (a->key < b->key);
}

static csm_km_ci_type km_type(csm_ci_type t)
{
    switch (t) {
    case CSM_CI_LOGLOG:
        return CSM_KM_CI_LOGLOG;
    case CSM_CI_PLAIN:
        return CSM_KM_CI_PLAIN;
    case CSM_CI_LOG:
    default:
        return CSM_KM_CI_LOG;
    }
}

static void free_summaries(csm_ttfv_summary *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i].value);
    free(s);
}

csm_error csm_ttfv_run(const csm_dataset *ds, const csm_config *cfg,
                       int report_month, csm_ttfv **out, csm_diags *diag)
{
    *out = NULL;
    if (report_month < 0 || report_month >= ds->n_months) {
        csm_diags_add(diag, CSM_SEV_ERROR, "usage", NULL,
                      "ttfv: report month index %d is outside the %d loaded "
                      "months",
                      report_month, ds->n_months);
        return CSM_EUSAGE;
    }
    csm_ttfv *t = csm_xcalloc(1, sizeof *t);
    t->report_month = report_month;
    t->level = cfg->ci_level;
    t->ci_type = km_type(cfg->ci_type);
    csm_km_options opt = {.ci_type = t->ci_type, .level = t->level};

    size_t nc = ds->n_customers;
    csm_ttfv_subject *sub = csm_xcalloc(nc ? nc : 1, sizeof *sub);
    size_t *in = csm_xcalloc(nc ? nc : 1, sizeof *in);
    size_t n_in = 0;
    group *quarters = NULL, *segments = NULL;
    size_t n_quarters = 0, n_segments = 0;
    for (size_t c = 0; c < nc; c++) {
        csm_ttfv_subject_of(ds, report_month, c, &sub[c]);
        if (sub[c].status != CSM_TTFV_IN) {
            t->excluded[sub[c].status]++;
            continue;
        }
        in[n_in++] = c;
        csm_month m = csm_day_month(ds->contract_start[c]);
        group_add(&quarters, &n_quarters, m - m % 3, "", c);
        int32_t seg = segment_of(ds, report_month, c);
        group_add(&segments, &n_segments, seg, csm_ds_string(ds, seg), c);
    }
    /* Summaries follow the groups' order: by_quarter in calendar order,
     * by_segment by name with the named ones first, as segment_test
     * expects. */
    if (n_quarters)
        qsort(quarters, n_quarters, sizeof *quarters, cmp_group_key);
    if (n_segments)
        qsort(segments, n_segments, sizeof *segments, cmp_group_segment);

    t->overall.value = csm_xstrdup("");
    t->overall.quarter = CSM_NO_MONTH;
    csm_error rc = summarize(sub, in, n_in, &opt, &t->overall, &t->curve);
    if (rc == CSM_OK) {
        t->n_quarters = n_quarters;
        rc = summarize_groups(ds, sub, quarters, n_quarters, true, &opt,
                              &t->by_quarter);
    }
    if (rc == CSM_OK) {
        t->n_segments = n_segments;
        rc = summarize_groups(ds, sub, segments, n_segments, false, &opt,
                              &t->by_segment);
    }
    if (rc == CSM_OK)
        rc = segment_test(sub, segments, n_segments, t->by_segment,
                          &t->segment_test);
    free_groups(quarters, n_quarters);
    free_groups(segments, n_segments);
    free(sub);
    free(in);
    if (rc != CSM_OK) {
        csm_diags_add(diag, CSM_SEV_ERROR, "ttfv-fit", NULL,
                      "time to first value: the survival fit failed (%s) at "
                      "ci_level %g (expected a level in [%g, %g] and whole "
                      "day times)",
                      csm_strerror(rc), cfg->ci_level, CSM_STATS_LEVEL_MIN,
                      CSM_STATS_LEVEL_MAX);
        csm_ttfv_free(t);
        return rc;
    }
    *out = t;
    return CSM_OK;
}

void csm_ttfv_free(csm_ttfv *t)
{
    if (!t)
        return;
    free(t->overall.value);
    csm_km_free(t->curve);
    free_summaries(t->by_quarter, t->n_quarters);
    free_summaries(t->by_segment, t->n_segments);
    csm_logrank_free(t->segment_test);
    free(t);
}
