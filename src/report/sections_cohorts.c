/* Builders of the cohorts section (retention heatmap by signup cohort,
 * cohort sizes and early churn) and the onboarding section (time to first
 * value: the Kaplan-Meier curve, medians by signup quarter and segment,
 * early churn). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/format.h"
#include "csmetrics/xalloc.h"
#include "sections.h"

#define EN_DASH "\xE2\x80\x93"

/* ------------------------------------------------------------ cohorts */

/* Cohorts shown: those with members, not left-truncated (their size and
 * base are unknown, every rate undefined), started by the report month;
 * the last `max` of them.  Sets *first and returns how many. */
static size_t shown_cohorts(const csm_cohort_table *t, long max, size_t *first,
                            size_t *truncated)
{
    size_t n = 0, last = 0;
    *truncated = 0;
    for (size_t i = 0; i < t->n_rows; i++) {
        if (t->rows[i].left_truncated) {
            (*truncated)++;
            continue;
        }
        if (t->rows[i].logos > 0)
            last = i + 1;
    }
    /* Walk back from the last cohort with members. */
    size_t i = last;
    while (i > 0 && n < (size_t)max) {
        i--;
        if (t->rows[i].left_truncated)
            break;
        if (t->rows[i].logos > 0)
            n++;
    }
    *first = i;
    return n;
}

void csm_build_cohorts(csm_section *sec, const csm_def_section *def,
                       const csm_section_spec *spec, const csm_build_ctx *ctx)
{
    const csm_cohorts *co = ctx->m->cohorts;
    if (!co)
        return;
    bool revenue =
        strcmp(csm_def_option_text(def, spec, "basis"), "revenue") == 0;
    bool quarter =
        strcmp(csm_def_option_text(def, spec, "grouping"), "quarter") == 0;
    long max_rows = csm_def_option_int(def, spec, "cohorts");
    long max_age = csm_def_option_int(def, spec, "ages");
    long step = csm_def_option_int(def, spec, "step");
    const csm_cohort_table *t =
        &co->table[quarter ? CSM_COHORT_QUARTER : CSM_COHORT_MONTH];
    size_t first, truncated;
    size_t n = shown_cohorts(t, max_rows, &first, &truncated);
    /* Columns: ages 0, step, 2 step, ... up to the oldest observed age
     * and max_age. */
    int oldest = t->n_ages - 1 < (int)max_age ? t->n_ages - 1 : (int)max_age;
    int ages = oldest < 0 ? 1 : oldest / (int)step + 1;

    /* Rows: the cohorts with members in [first, ...), then all cohorts. */
    size_t nr = n + 1;
    char **rows = csm_xcalloc(nr, sizeof *rows);
    char **cols = csm_xcalloc((size_t)ages, sizeof *cols);
    double *v = csm_xcalloc(nr * (size_t)ages, sizeof *v);
    bool *d = csm_xcalloc(nr * (size_t)ages, sizeof *d);
    const csm_cohort_row **shown = csm_xcalloc(n ? n : 1, sizeof *shown);
    double lo = 1.0, hi = 1.0;
    size_t r = 0;
    for (size_t i = first; i < t->n_rows && r < n; i++) {
        const csm_cohort_row *row = &t->rows[i];
        if (row->left_truncated || row->logos == 0)
            continue;
        shown[r] = row;
        rows[r] = csm_xstrdup(row->label);
        for (int j = 0; j < ages; j++) {
            int k = j * (int)step;
            if (k >= row->n_ages)
                break;
            csm_ratio x =
                revenue ? row->revenue_retention[k] : row->logo_retention[k];
            if (!x.defined)
                continue;
            v[r * (size_t)ages + (size_t)j] = x.value;
            d[r * (size_t)ages + (size_t)j] = true;
            lo = fmin(lo, x.value);
            hi = fmax(hi, x.value);
        }
        r++;
    }
    rows[n] = csm_xstrdup("All cohorts");
    for (int j = 0; j < ages; j++) {
        int k = j * (int)step;
        if (k >= t->n_ages)
            break;
        csm_ratio x =
            revenue ? t->all[k].revenue_retention : t->all[k].logo_retention;
        if (!x.defined)
            continue;
        v[n * (size_t)ages + (size_t)j] = x.value;
        d[n * (size_t)ages + (size_t)j] = true;
        lo = fmin(lo, x.value);
        hi = fmax(hi, x.value);
    }
    for (int j = 0; j < ages; j++)
        cols[j] = csm_xasprintf("%d", j * (int)step);
    /* The colour scale in tenths around the data, never narrower than
     * 50%..100%, and topped at 150%: one small cohort that tripled must
     * not wash out every other cell (cells above take the top colour). */
    double smin = fmin(0.5, floor(lo * 10.0) / 10.0);
    double smax = fmin(1.5, fmax(1.0, ceil(hi * 10.0) / 10.0));
    char *title =
        csm_xasprintf("%s retention by signup %s", revenue ? "Revenue" : "Logo",
                      quarter ? "quarter" : "month");
    csm_block *h = csm_section_heatmap(
        sec, title, (const char *const *)rows, nr, (const char *const *)cols,
        (size_t)ages, v, d, smin, smax,
        revenue ? "Revenue retention: cohort MRR at age k / MRR at age 0"
                : "Logo retention: members active at age k / members");
    free(title);
    csm_heatmap_titles(h, quarter ? "Signup quarter" : "Signup month",
                       "Months since start");
    /* How many cohorts the all-cohorts cell at the oldest age shown
     * pools: few, and that cell is one cohort's story. */
    int last_age = (ages - 1) * (int)step;
    long pooled = last_age < t->n_ages ? t->all[last_age].cohorts : 0;
    char *cap = csm_xasprintf(
        "Age 0 is the %s of signup (contract start, else first active "
        "month). All cohorts: every observed cohort pooled at each age, "
        "weighted by %s; at age %d it pools %ld cohort%s.%s",
        quarter ? "first month of the quarter" : "month",
        revenue ? "starting MRR" : "members", last_age, pooled,
        pooled == 1 ? "" : "s",
        truncated ? " Cohorts that signed before the first loaded month "
                    "are left out: their size is unknown."
                  : "");
    csm_block_caption(h, cap);
    free(cap);
    csm_labels_free(rows, nr);
    csm_labels_free(cols, (size_t)ages);
    free(v);
    free(d);

    /* Sizes (the n behind each row) and early churn with its interval. */
    char id[64];
    snprintf(id, sizeof id, "cohorts_%s_%s", quarter ? "quarter" : "month",
             revenue ? "revenue" : "logo");
    char lv[CSM_FMT_BUFSZ];
    csm_level_text(co->ci_level, lv);
    char *etitle = csm_xasprintf("Cohort sizes and early churn (%d days)",
                                 co->early_churn_days);
    csm_block *et = csm_section_table(sec, etitle, id);
    free(etitle);
    char *clo = csm_xasprintf("%s CI low", lv);
    char *chi = csm_xasprintf("%s CI high", lv);
    csm_table_column(et, "cohort", quarter ? "Quarter" : "Month", CSM_CELL_TEXT,
                     0);
    csm_table_column(et, "customers", "Customers", CSM_CELL_INT, 0);
    csm_table_column(et, "base_mrr", "Starting MRR", CSM_CELL_MONEY, 0);
    csm_table_column(et, "observed", "Early window observed", CSM_CELL_INT, 0);
    csm_table_column(et, "churned", "Churned early", CSM_CELL_INT, 0);
    csm_table_column(et, "rate", "Early churn", CSM_CELL_RATE, 0);
    csm_table_column(et, "lo", clo, CSM_CELL_RATE, 0);
    csm_table_column(et, "hi", chi, CSM_CELL_RATE, 0);
    free(clo);
    free(chi);
    long members = 0;
    int64_t base = 0;
    for (size_t i = 0; i < n; i++) {
        const csm_cohort_row *row = shown[i];
        members += row->logos;
        base += row->base_mrr;
        csm_cell cells[8] = {
            csm_cell_text(row->label),
            csm_cell_int(row->logos),
            csm_cell_money(row->base_mrr),
            csm_cell_int((int64_t)row->early_churn.n),
            csm_cell_int((int64_t)row->early_churn.x),
            csm_cell_prop(&row->early_churn),
            csm_cell_prop_lo(&row->early_churn),
            csm_cell_prop_hi(&row->early_churn),
        };
        csm_table_row(et, cells);
    }
    const csm_prop_ci *pe = &co->early_churn;
    csm_cell tot[8] = {
        csm_cell_text("All cohorts"),
        csm_cell_int(co->members),
        csm_cell_empty(),
        csm_cell_int((int64_t)pe->n),
        csm_cell_int((int64_t)pe->x),
        csm_cell_prop(pe),
        csm_cell_prop_lo(pe),
        csm_cell_prop_hi(pe),
    };
    csm_table_row(et, tot);
    et->u.table.total_rows = 1;
    cap = csm_xasprintf(
        "Early churn: share of the customers whose first %d days are "
        "observed that left within them, with its %s Wilson interval. The "
        "All cohorts row pools every customer placed in a cohort (%ld), "
        "including those not shown above.",
        co->early_churn_days, lv, co->members);
    csm_block_caption(et, cap);
    free(cap);
    free(shown);
    (void)members;
    (void)base;
}

/* ---------------------------------------------------------- onboarding */

static char *days_text(double v, char *buf)
{
    return csm_format_number(v, v == floor(v) ? 0 : 1, 0, buf);
}

/* The overall curve as the share that reached first value, 1 - S(t),
 * with the band [1 - upper, 1 - lower], up to max_days. */
static void km_chart(csm_section *sec, const csm_ttfv *tv, long max_days,
                     const char *lv)
{
    const csm_km *km = tv->curve;
    size_t cap = km->n_steps + 2, n = 0;
    double *x = csm_xcalloc(cap, sizeof *x), *y = csm_xcalloc(cap, sizeof *y),
           *lo = csm_xcalloc(cap, sizeof *lo),
           *hi = csm_xcalloc(cap, sizeof *hi);
    bool *d = csm_xcalloc(cap, sizeof *d);
    char **labels = csm_xcalloc(cap, sizeof *labels);
    char b[CSM_FMT_BUFSZ];
    /* Day 0: nobody yet (survfit's starting row). */
    x[n] = 0;
    y[n] = 0;
    lo[n] = hi[n] = 0;
    d[n] = true;
    labels[n++] = csm_xstrdup("0");
    bool cut = false;
    for (size_t i = 0; i < km->n_steps; i++) {
        const csm_km_step *s = &km->steps[i];
        if (s->time > (double)max_days) {
            cut = true;
            break;
        }
        if (s->time <= 0 && n == 1) {
            /* A step at day 0 replaces the starting row. */
            n = 0;
            free(labels[0]);
        }
        x[n] = s->time;
        y[n] = 1.0 - s->surv;
        lo[n] = s->upper.defined ? 1.0 - s->upper.value : NAN;
        hi[n] = s->lower.defined ? 1.0 - s->lower.value : NAN;
        d[n] = true;
        labels[n++] = csm_xstrdup(days_text(s->time, b));
    }
    if (cut && n > 0) {
        /* Hold the last level to the edge of the chart. */
        x[n] = (double)max_days;
        y[n] = y[n - 1];
        lo[n] = lo[n - 1];
        hi[n] = hi[n - 1];
        d[n] = true;
        labels[n] = csm_xstrdup(days_text((double)max_days, b));
        n++;
    }
    csm_block *c = csm_section_chart(sec, "Time to first value", CSM_AXIS_RATE);
    csm_chart_x(c, (const char *const *)labels, x, n);
    csm_series *se =
        csm_chart_series(c, "Reached first value", CSM_SERIES_STEP, y, d);
    csm_series_band(se, lo, hi, n);
    c->u.chart.y_from_zero = true;
    c->u.chart.x_title = csm_xstrdup("Days since contract start");
    c->u.chart.y_title = csm_xstrdup("Share of customers with first value");
    const csm_ttfv_summary *o = &tv->overall;
    char m1[CSM_FMT_BUFSZ], m2[CSM_FMT_BUFSZ], m3[CSM_FMT_BUFSZ];
    char *med = o->median.median.defined
                    ? csm_xasprintf("median %s days (%s CI %s" EN_DASH "%s)",
                                    days_text(o->median.median.value, m1), lv,
                                    o->median.lower.defined
                                        ? days_text(o->median.lower.value, m2)
                                        : CSM_FMT_NA,
                                    o->median.upper.defined
                                        ? days_text(o->median.upper.value, m3)
                                        : "not reached")
                    : csm_xstrdup("median not reached");
    char *capt = csm_xasprintf(
        "Kaplan-Meier estimate (Greenwood, %s band) over %zu customers, %zu "
        "of whom reached first value while observed; customers who churned "
        "or are still waiting are censored, and those signed before the "
        "first loaded month enter late. Overall %s.",
        lv, o->n, o->events, med);
    csm_block_caption(c, capt);
    free(capt);
    free(med);
    csm_labels_free(labels, n);
    free(x);
    free(y);
    free(lo);
    free(hi);
    free(d);
}

/* Median, within 30/60/90 days and churned before value, all customers. */
static void overall_table(csm_section *sec, const csm_ttfv *tv, const char *lv)
{
    const csm_ttfv_summary *o = &tv->overall;
    csm_block *t = csm_section_table(sec,
                                     "Time to first value, all "
                                     "customers",
                                     "ttfv_overall");
    char *clo = csm_xasprintf("%s CI low", lv);
    char *chi = csm_xasprintf("%s CI high", lv);
    csm_table_column(t, "measure", "Measure", CSM_CELL_TEXT, 0);
    csm_table_column(t, "value", "Value", CSM_CELL_NUMBER, 0);
    csm_table_column(t, "lo", clo, CSM_CELL_NUMBER, 0);
    csm_table_column(t, "hi", chi, CSM_CELL_NUMBER, 0);
    csm_table_column(t, "n", "Customers", CSM_CELL_INT, 0);
    free(clo);
    free(chi);
    const csm_km_median *md = &o->median;
    csm_cell r0[5] = {
        csm_cell_text("Median (days)"),
        csm_cell_stat(md->median,
                      md->median.value == floor(md->median.value) ? 0 : 1),
        csm_cell_stat(md->lower,
                      md->lower.value == floor(md->lower.value) ? 0 : 1),
        csm_cell_stat(md->upper,
                      md->upper.value == floor(md->upper.value) ? 0 : 1),
        csm_cell_int((int64_t)o->n)};
    csm_table_row(t, r0);
    for (int w = 0; w < CSM_TTFV_WITHIN; w++) {
        const csm_ttfv_within_share *s = &o->within[w];
        char *label = csm_xasprintf("Reached within %d days", s->days);
        csm_cell row[5] = {csm_cell_text(label), csm_cell_stat_rate(s->share),
                           csm_cell_stat_rate(s->lo), csm_cell_stat_rate(s->hi),
                           csm_cell_int((int64_t)o->n)};
        free(label);
        csm_table_row(t, row);
    }
    const csm_prop_ci *cb = &o->churned_before_value;
    csm_cell rc[5] = {csm_cell_text("Churned before first value"),
                      csm_cell_prop(cb), csm_cell_prop_lo(cb),
                      csm_cell_prop_hi(cb), csm_cell_int((int64_t)o->n)};
    csm_table_row(t, rc);
    char *cap = csm_xasprintf(
        "Shares within d days are 1 - S(d) from the curve, with its %s "
        "interval. Churned before first value: %zu of %zu customers, a "
        "plain share (Wilson interval). Customers left out: %zu whose first "
        "value came before the data, %zu without a contract start.",
        lv, cb->x, o->n, tv->excluded[CSM_TTFV_VALUE_BEFORE_DATA],
        tv->excluded[CSM_TTFV_NO_START]);
    csm_block_caption(t, cap);
    free(cap);
}

static void quarter_blocks(csm_section *sec, const csm_build_ctx *ctx,
                           const csm_ttfv *tv, long max_q, const char *lv)
{
    size_t first =
        tv->n_quarters > (size_t)max_q ? tv->n_quarters - (size_t)max_q : 0;
    size_t n = tv->n_quarters - first;
    char mb[CSM_DATE_BUFSZ], b[CSM_FMT_BUFSZ];
    if (n > 0) {
        char **labels = csm_xcalloc(n, sizeof *labels);
        double *y = csm_xcalloc(n, sizeof *y), *lo = csm_xcalloc(n, sizeof *lo),
               *hi = csm_xcalloc(n, sizeof *hi);
        bool *d = csm_xcalloc(n, sizeof *d);
        for (size_t i = 0; i < n; i++) {
            const csm_ttfv_summary *q = &tv->by_quarter[first + i];
            labels[i] = csm_xstrdup(csm_quarter_format(q->quarter, mb));
            d[i] = q->median.median.defined && !q->conditional_from.defined;
            y[i] = d[i] ? q->median.median.value : 0;
            lo[i] =
                d[i] && q->median.lower.defined ? q->median.lower.value : NAN;
            hi[i] =
                d[i] && q->median.upper.defined ? q->median.upper.value : NAN;
        }
        csm_block *c = csm_section_chart(sec, "Median TTFV by signup quarter",
                                         CSM_AXIS_NUMBER);
        csm_chart_x(c, (const char *const *)labels, NULL, n);
        csm_series *se =
            csm_chart_series(c, "Median days", CSM_SERIES_LINE, y, d);
        csm_series_band(se, lo, hi, n);
        c->u.chart.y_title = csm_xstrdup("Days to first value");
        c->u.chart.y_from_zero = true;
        const csm_trends *tr = ctx->m->trends;
        char *tt = tr ? csm_trend_text(&tr->series[CSM_TREND_TTFV_MEDIAN])
                      : csm_xstrdup("n/a");
        char *cap = csm_xasprintf(
            "Fewer days is better. The band is the median's %s interval "
            "(open where its limit is not reached). Trend %s.",
            lv, tt);
        csm_block_caption(c, cap);
        free(cap);
        free(tt);
        csm_labels_free(labels, n);
        free(y);
        free(lo);
        free(hi);
        free(d);
    }

    csm_block *t = csm_section_table(sec, "By signup quarter", "ttfv_quarters");
    char *clo = csm_xasprintf("Median %s CI low", lv);
    char *chi = csm_xasprintf("Median %s CI high", lv);
    csm_table_column(t, "quarter", "Quarter", CSM_CELL_TEXT, 0);
    csm_table_column(t, "n", "Customers", CSM_CELL_INT, 0);
    csm_table_column(t, "events", "Reached value", CSM_CELL_INT, 0);
    csm_table_column(t, "median", "Median (days)", CSM_CELL_NUMBER, 0);
    csm_table_column(t, "lo", clo, CSM_CELL_NUMBER, 0);
    csm_table_column(t, "hi", chi, CSM_CELL_NUMBER, 0);
    csm_table_column(t, "within_30", "Within 30 days", CSM_CELL_RATE, 0);
    csm_table_column(t, "within_90", "Within 90 days", CSM_CELL_RATE, 0);
    csm_table_column(t, "churned_before", "Churned before value", CSM_CELL_RATE,
                     0);
    free(clo);
    free(chi);
    bool conditional = false;
    for (size_t i = first; i < tv->n_quarters; i++) {
        const csm_ttfv_summary *q = &tv->by_quarter[i];
        const csm_km_median *md = &q->median;
        bool cond = q->conditional_from.defined;
        conditional = conditional || cond;
        char *label =
            cond ? csm_xasprintf("%s *", csm_quarter_format(q->quarter, mb))
                 : csm_xstrdup(csm_quarter_format(q->quarter, mb));
        csm_cell row[9] = {
            csm_cell_tone_set(csm_cell_text(label),
                              cond ? CSM_TONE_MUTED : CSM_TONE_NONE),
            csm_cell_int((int64_t)q->n),
            csm_cell_int((int64_t)q->events),
            csm_cell_stat(md->median,
                          md->median.value == floor(md->median.value) ? 0 : 1),
            csm_cell_stat(md->lower,
                          md->lower.value == floor(md->lower.value) ? 0 : 1),
            csm_cell_stat(md->upper,
                          md->upper.value == floor(md->upper.value) ? 0 : 1),
            csm_cell_stat_rate(q->within[0].share),
            csm_cell_stat_rate(q->within[CSM_TTFV_WITHIN - 1].share),
            csm_cell_prop(&q->churned_before_value),
        };
        free(label);
        csm_table_row(t, row);
    }
    char *cap = csm_xasprintf(
        "n/a: the median is not reached yet (fewer than half have reached "
        "first value), or nobody was observed that early.%s",
        conditional ? " * Everyone in the quarter signed before the first "
                      "loaded month: its figures are conditional on not "
                      "having reached value by then, and it has no point "
                      "in the trend."
                    : "");
    csm_block_caption(t, cap);
    free(cap);
    (void)b;
}

static void segment_table(csm_section *sec, const csm_ttfv *tv, const char *lv)
{
    if (tv->n_segments == 0)
        return;
    const csm_logrank *lr = tv->segment_test;
    csm_block *t = csm_section_table(sec, "By segment", "ttfv_segments");
    char *clo = csm_xasprintf("Median %s CI low", lv);
    char *chi = csm_xasprintf("Median %s CI high", lv);
    csm_table_column(t, "segment", "Segment", CSM_CELL_TEXT, 0);
    csm_table_column(t, "n", "Customers", CSM_CELL_INT, 0);
    csm_table_column(t, "events", "Reached value", CSM_CELL_INT, 0);
    csm_table_column(t, "median", "Median (days)", CSM_CELL_NUMBER, 0);
    csm_table_column(t, "lo", clo, CSM_CELL_NUMBER, 0);
    csm_table_column(t, "hi", chi, CSM_CELL_NUMBER, 0);
    csm_table_column(t, "within_30", "Within 30 days", CSM_CELL_RATE, 0);
    csm_table_column(t, "observed", "Observed", CSM_CELL_NUMBER, 0);
    csm_table_column(t, "expected", "Expected", CSM_CELL_NUMBER, 0);
    free(clo);
    free(chi);
    for (size_t i = 0; i < tv->n_segments; i++) {
        const csm_ttfv_summary *s = &tv->by_segment[i];
        const csm_km_median *md = &s->median;
        bool in_test = lr && i < lr->k;
        csm_cell row[9] = {
            csm_cell_text(*s->value ? s->value : "(no segment)"),
            csm_cell_int((int64_t)s->n),
            csm_cell_int((int64_t)s->events),
            csm_cell_stat(md->median,
                          md->median.value == floor(md->median.value) ? 0 : 1),
            csm_cell_stat(md->lower,
                          md->lower.value == floor(md->lower.value) ? 0 : 1),
            csm_cell_stat(md->upper,
                          md->upper.value == floor(md->upper.value) ? 0 : 1),
            csm_cell_stat_rate(s->within[0].share),
            in_test ? csm_cell_number(lr->observed[i], 0) : csm_cell_na(),
            in_test ? csm_cell_number(lr->expected[i], 1) : csm_cell_na(),
        };
        csm_table_row(t, row);
    }
    char *cap;
    if (lr && lr->defined) {
        char c1[CSM_FMT_BUFSZ], c2[CSM_FMT_BUFSZ];
        double alpha = 1.0 - tv->level;
        cap = csm_xasprintf(
            "Log-rank test of equal time to first value across the named "
            "segments: chi-square %s on %zu df, p = %s - %s. Observed and "
            "expected: first values per segment, and the number expected "
            "if every segment had the same curve.",
            csm_format_number(lr->chisq, 2, 0, c1), lr->df,
            csm_format_number(lr->p_value, 3, 0, c2),
            lr->p_value < alpha ? "the segments differ"
                                : "no evidence that the segments differ");
    } else {
        cap = csm_xstrdup("No log-rank test: fewer than two named segments "
                          "expect first values.");
    }
    csm_block_caption(t, cap);
    free(cap);
}

/* Early churn by signup quarter (from the cohorts family), as a line with
 * its interval: did onboarding lose fewer customers lately? */
static void early_churn_chart(csm_section *sec, const csm_build_ctx *ctx,
                              long max_q, const char *lv)
{
    const csm_cohorts *co = ctx->m->cohorts;
    if (!co)
        return;
    const csm_cohort_table *t = &co->table[CSM_COHORT_QUARTER];
    size_t first = t->n_rows > (size_t)max_q ? t->n_rows - (size_t)max_q : 0;
    size_t n = t->n_rows - first;
    if (n == 0)
        return;
    char **labels = csm_xcalloc(n, sizeof *labels);
    double *y = csm_xcalloc(n, sizeof *y), *lo = csm_xcalloc(n, sizeof *lo),
           *hi = csm_xcalloc(n, sizeof *hi);
    bool *d = csm_xcalloc(n, sizeof *d);
    for (size_t i = 0; i < n; i++) {
        const csm_cohort_row *r = &t->rows[first + i];
        labels[i] = csm_xstrdup(r->label);
        d[i] = r->early_churn.defined;
        y[i] = d[i] ? r->early_churn.estimate : 0;
        lo[i] = d[i] ? r->early_churn.lo : NAN;
        hi[i] = d[i] ? r->early_churn.hi : NAN;
    }
    char *title = csm_xasprintf("Early churn by signup quarter (%d days)",
                                co->early_churn_days);
    csm_block *c = csm_section_chart(sec, title, CSM_AXIS_RATE);
    free(title);
    csm_chart_x(c, (const char *const *)labels, NULL, n);
    csm_series *se = csm_chart_series(c, "Early churn", CSM_SERIES_LINE, y, d);
    csm_series_band(se, lo, hi, n);
    se->tone = CSM_TONE_BAD;
    c->u.chart.y_from_zero = true;
    c->u.chart.y_title =
        csm_xstrdup("Share that left soon after contract start");
    char *pooled = csm_prop_ci_text(&co->early_churn, "customers observed");
    char b1[CSM_FMT_BUFSZ];
    char *cap = csm_xasprintf(
        "Customers whose first %d days are observed, by signup quarter, "
        "with the %s Wilson interval; a quarter with nobody observed that "
        "long has no point. All cohorts: %s (%s).",
        co->early_churn_days, lv,
        co->early_churn.defined
            ? csm_format_rate(co->early_churn.estimate, 1, 0, b1)
            : CSM_FMT_NA,
        pooled);
    csm_block_caption(c, cap);
    free(cap);
    free(pooled);
    csm_labels_free(labels, n);
    free(y);
    free(lo);
    free(hi);
    free(d);
}

void csm_build_onboarding(csm_section *sec, const csm_def_section *def,
                          const csm_section_spec *spec,
                          const csm_build_ctx *ctx)
{
    const csm_ttfv *tv = ctx->m->ttfv;
    if (!tv)
        return;
    char lv[CSM_FMT_BUFSZ];
    csm_level_text(tv->level, lv);
    long days = csm_def_option_int(def, spec, "days");
    long quarters = csm_def_option_int(def, spec, "quarters");
    if (tv->overall.n == 0) {
        csm_block *nb = csm_section_notes(sec, NULL);
        csm_notes_add(nb, "No customer has a contract start and a first "
                          "value date to measure: time to first value is "
                          "not defined.");
    } else {
        km_chart(sec, tv, days, lv);
        overall_table(sec, tv, lv);
        quarter_blocks(sec, ctx, tv, quarters, lv);
        segment_table(sec, tv, lv);
    }
    early_churn_chart(sec, ctx, quarters, lv);
}
