/* Builder of the renewals section: the logo renewal rate with its
 * interval month by month and by quarter, mid-term churn beside it, and
 * the trailing twelve months by segment and by term type. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/format.h"
#include "csmetrics/xalloc.h"
#include "sections.h"

/* Sums of a group's monthly entries over a run of months.  The family
 * gives months, quarters and calendar years; a board looks at the last
 * twelve months, whose counts and amounts are sums of the months'. */
typedef struct renewal_sum {
    long up, renewed, churned, pending;
    int64_t up_mrr, capped, renewed_mrr;
} renewal_sum;

static void sum_months(const csm_renewal_table *t, int from, int to,
                       renewal_sum *s)
{
    memset(s, 0, sizeof *s);
    for (int m = from; m <= to; m++) {
        if (m < 1 || (size_t)(m - 1) >= t->n[CSM_PERIOD_MONTH])
            continue;
        const csm_renewal_stats *x = &t->period[CSM_PERIOD_MONTH][m - 1].s;
        s->up += x->up_logos;
        s->renewed += x->renewed_logos;
        s->churned += x->churned_logos;
        s->pending += x->pending_logos;
        /* The family refused the run when any of its sums overflowed, and
         * these are sums of a subset of the same amounts. */
        s->up_mrr += x->up_mrr;
        s->capped += x->renewed_mrr_capped;
        s->renewed_mrr += x->renewed_mrr;
    }
}

/* A row of counts and rates: the rates follow the family's rule (undefined
 * when nobody is up or anybody is pending), the interval is Wilson at the
 * run's level, as the family's own. */
static void sum_row(csm_block *b, const char *label, const renewal_sum *s,
                    double level, bool strong)
{
    bool def = s->up > 0 && s->pending == 0;
    csm_prop_ci ci = {0};
    if (def && csm_stats_wilson((size_t)s->renewed, (size_t)s->up, level,
                                &ci) != CSM_OK)
        def = false;
    csm_cell row[10] = {
        csm_cell_text(label),
        csm_cell_int(s->up),
        csm_cell_int(s->renewed),
        csm_cell_int(s->churned),
        def ? csm_cell_rate(csm_ratio_i64(s->renewed, s->up)) : csm_cell_na(),
        def ? csm_cell_prop_lo(&ci) : csm_cell_na(),
        def ? csm_cell_prop_hi(&ci) : csm_cell_na(),
        def ? csm_cell_rate(csm_ratio_i64(s->capped, s->up_mrr))
            : csm_cell_na(),
        def ? csm_cell_rate(csm_ratio_i64(s->renewed_mrr, s->up_mrr))
            : csm_cell_na(),
        csm_cell_money(s->up_mrr),
    };
    if (strong)
        row[0] = csm_cell_tone_set(row[0], CSM_TONE_STRONG);
    csm_table_row(b, row);
}

static csm_block *sum_table(csm_section *sec, const char *title, const char *id,
                            const char *key_title, const char *lv)
{
    csm_block *b = csm_section_table(sec, title, id);
    char *lo = csm_xasprintf("%s CI low", lv);
    char *hi = csm_xasprintf("%s CI high", lv);
    csm_table_column(b, "group", key_title, CSM_CELL_TEXT, 0);
    csm_table_column(b, "up", "Up", CSM_CELL_INT, 0);
    csm_table_column(b, "renewed", "Renewed", CSM_CELL_INT, 0);
    csm_table_column(b, "churned", "Churned", CSM_CELL_INT, 0);
    csm_table_column(b, "logo_rate", "Logo rate", CSM_CELL_RATE, 0);
    csm_table_column(b, "lo", lo, CSM_CELL_RATE, 0);
    csm_table_column(b, "hi", hi, CSM_CELL_RATE, 0);
    csm_table_column(b, "gross", "Gross $ rate", CSM_CELL_RATE, 0);
    csm_table_column(b, "net", "Net $ rate", CSM_CELL_RATE, 0);
    csm_table_column(b, "up_mrr", "MRR up", CSM_CELL_MONEY, 0);
    free(lo);
    free(hi);
    return b;
}

/* Mid-term churn entry of month index m, or NULL. */
static const csm_mid_term_period *mid_month(const csm_renewals *r,
                                            const csm_dataset *ds, int m)
{
    csm_month want = csm_dataset_month(ds, m);
    for (size_t i = 0; i < r->n_mid_term[CSM_PERIOD_MONTH]; i++)
        if (r->mid_term[CSM_PERIOD_MONTH][i].start == want)
            return &r->mid_term[CSM_PERIOD_MONTH][i];
    return NULL;
}

static void rate_chart(csm_section *sec, const csm_build_ctx *ctx,
                       const csm_renewals *r, int first, const char *lv)
{
    int rm = ctx->m->report_month;
    size_t n = (size_t)(rm - first + 1);
    char **labels = csm_month_labels(ctx, first, n);
    double *y = csm_xcalloc(n, sizeof *y), *lo = csm_xcalloc(n, sizeof *lo),
           *hi = csm_xcalloc(n, sizeof *hi), *g = csm_xcalloc(n, sizeof *g);
    bool *d = csm_xcalloc(n, sizeof *d), *gd = csm_xcalloc(n, sizeof *gd);
    for (size_t i = 0; i < n; i++) {
        const csm_renewal_stats *s = csm_renewals_month(r, first + (int)i);
        d[i] = s && s->logo_rate.defined;
        y[i] = d[i] ? s->logo_rate.value : 0;
        lo[i] = d[i] && s->logo_rate_ci.defined ? s->logo_rate_ci.lo : NAN;
        hi[i] = d[i] && s->logo_rate_ci.defined ? s->logo_rate_ci.hi : NAN;
        gd[i] = s && s->gross_dollar_rate.defined;
        g[i] = gd[i] ? s->gross_dollar_rate.value : 0;
    }
    csm_block *c =
        csm_section_chart(sec, "Renewal rate by month", CSM_AXIS_RATE);
    csm_chart_x(c, (const char *const *)labels, NULL, n);
    csm_series *se =
        csm_chart_series(c, "Logo renewal rate", CSM_SERIES_LINE, y, d);
    csm_series_band(se, lo, hi, n);
    csm_chart_series(c, "Gross dollar renewal rate", CSM_SERIES_LINE, g, gd);
    c->u.chart.y_title = csm_xstrdup("Renewed of those up for renewal");
    const csm_trends *tr = ctx->m->trends;
    char *tt = tr ? csm_trend_text(&tr->series[CSM_TREND_RENEWAL_RATE])
                  : csm_xstrdup("n/a");
    char *cap = csm_xasprintf(
        "The band is the logo rate's %s Wilson interval; a month with nobody "
        "up (or an outcome still pending) has no point. Logo renewal rate "
        "trend %s.",
        lv, tt);
    csm_block_caption(c, cap);
    free(cap);
    free(tt);
    csm_labels_free(labels, n);
    free(y);
    free(lo);
    free(hi);
    free(g);
    free(d);
    free(gd);
}

void csm_build_renewals(csm_section *sec, const csm_def_section *def,
                        const csm_section_spec *spec, const csm_build_ctx *ctx)
{
    const csm_renewals *r = ctx->m->renewals;
    const csm_dataset *ds = ctx->ds;
    int rm = ctx->m->report_month;
    if (!r || rm < 1) {
        csm_block *nb = csm_section_notes(sec, NULL);
        csm_notes_add(nb, "Renewals need a month before the report month: "
                          "the first loaded month has no renewals.");
        return;
    }
    char lv[CSM_FMT_BUFSZ], mb[CSM_DATE_BUFSZ], b1[CSM_FMT_BUFSZ];
    csm_level_text(r->ci_level, lv);
    int first =
        csm_first_month(ctx, csm_def_option_int(def, spec, "months"), 1);
    rate_chart(sec, ctx, r, first, lv);

    /* Per month, with mid-term churn beside: the churn of customers that
     * were not up for renewal. */
    bool grace = r->grace_months > 0;
    csm_block *t =
        csm_section_table(sec, "Renewals by month", "renewals_month");
    char *clo = csm_xasprintf("%s CI low", lv);
    char *chi = csm_xasprintf("%s CI high", lv);
    csm_table_column(t, "month", "Month", CSM_CELL_TEXT, 0);
    csm_table_column(t, "up", "Up", CSM_CELL_INT, 0);
    csm_table_column(t, "renewed", "Renewed", CSM_CELL_INT, 0);
    csm_table_column(t, "churned", "Churned", CSM_CELL_INT, 0);
    if (grace)
        csm_table_column(t, "pending", "Pending", CSM_CELL_INT, 0);
    csm_table_column(t, "logo_rate", "Logo rate", CSM_CELL_RATE, 0);
    csm_table_column(t, "lo", clo, CSM_CELL_RATE, 0);
    csm_table_column(t, "hi", chi, CSM_CELL_RATE, 0);
    csm_table_column(t, "gross", "Gross $ rate", CSM_CELL_RATE, 0);
    csm_table_column(t, "net", "Net $ rate", CSM_CELL_RATE, 0);
    csm_table_column(t, "mid_term", "Mid-term churn", CSM_CELL_INT, 0);
    csm_table_column(t, "mid_term_mrr", "Mid-term MRR", CSM_CELL_MONEY, 0);
    free(clo);
    free(chi);
    long mid_logos = 0;
    int64_t mid_mrr = 0;
    for (int m = first; m <= rm; m++) {
        const csm_renewal_stats *s = csm_renewals_month(r, m);
        const csm_mid_term_period *mt = mid_month(r, ds, m);
        if (!s)
            continue;
        csm_cell row[12];
        size_t k = 0;
        row[k++] = csm_cell_text(csm_label_month(ctx, m, mb));
        row[k++] = csm_cell_int(s->up_logos);
        row[k++] = csm_cell_int(s->renewed_logos);
        row[k++] = csm_cell_int(s->churned_logos);
        if (grace)
            row[k++] = csm_cell_int(s->pending_logos);
        row[k++] = csm_cell_rate(s->logo_rate);
        row[k++] = csm_cell_prop_lo(&s->logo_rate_ci);
        row[k++] = csm_cell_prop_hi(&s->logo_rate_ci);
        row[k++] = csm_cell_rate(s->gross_dollar_rate);
        row[k++] = csm_cell_rate(s->net_dollar_rate);
        row[k++] = mt ? csm_cell_int(mt->logos) : csm_cell_na();
        row[k++] = mt ? csm_cell_money(mt->mrr) : csm_cell_na();
        csm_table_row(t, row);
    }
    for (int m = rm - 11 < 1 ? 1 : rm - 11; m <= rm; m++) {
        const csm_mid_term_period *mt = mid_month(r, ds, m);
        if (mt) {
            mid_logos += mt->logos;
            mid_mrr += mt->mrr;
        }
    }
    char *cap = csm_xasprintf(
        "Up: customers whose term ends in the month, or month to month. "
        "Gross $ rate caps each renewal at its prior MRR; net $ rate does "
        "not. Mid-term churn: customers who left without being up for "
        "renewal - %ld in the last 12 months (%s %s of MRR).",
        mid_logos, csm_format_money(mid_mrr, ds->decimals, 0, b1),
        ds->currency);
    csm_block_caption(t, cap);
    free(cap);

    /* By calendar quarter, the last `quarters` that have started. */
    long nq = csm_def_option_int(def, spec, "quarters");
    csm_month rmon = csm_dataset_month(ds, rm);
    size_t qn = r->all.n[CSM_PERIOD_QUARTER], q_last = 0;
    while (q_last < qn &&
           r->all.period[CSM_PERIOD_QUARTER][q_last].start <= rmon)
        q_last++;
    size_t q_first = q_last > (size_t)nq ? q_last - (size_t)nq : 0;
    csm_block *qt =
        csm_section_table(sec, "Renewals by quarter", "renewals_quarter");
    clo = csm_xasprintf("%s CI low", lv);
    chi = csm_xasprintf("%s CI high", lv);
    csm_table_column(qt, "quarter", "Quarter", CSM_CELL_TEXT, 0);
    csm_table_column(qt, "months", "Months", CSM_CELL_INT, 0);
    csm_table_column(qt, "up", "Up", CSM_CELL_INT, 0);
    csm_table_column(qt, "renewed", "Renewed", CSM_CELL_INT, 0);
    csm_table_column(qt, "churned", "Churned", CSM_CELL_INT, 0);
    csm_table_column(qt, "logo_rate", "Logo rate", CSM_CELL_RATE, 0);
    csm_table_column(qt, "lo", clo, CSM_CELL_RATE, 0);
    csm_table_column(qt, "hi", chi, CSM_CELL_RATE, 0);
    csm_table_column(qt, "gross", "Gross $ rate", CSM_CELL_RATE, 0);
    csm_table_column(qt, "net", "Net $ rate", CSM_CELL_RATE, 0);
    csm_table_column(qt, "mid_term", "Mid-term churn", CSM_CELL_INT, 0);
    free(clo);
    free(chi);
    bool partial = false;
    for (size_t i = q_first; i < q_last; i++) {
        const csm_renewal_period *p = &r->all.period[CSM_PERIOD_QUARTER][i];
        const csm_mid_term_period *mt = NULL;
        for (size_t k = 0; k < r->n_mid_term[CSM_PERIOD_QUARTER]; k++)
            if (r->mid_term[CSM_PERIOD_QUARTER][k].start == p->start)
                mt = &r->mid_term[CSM_PERIOD_QUARTER][k];
        partial = partial || !p->s.complete;
        csm_cell row[11] = {
            csm_cell_tone_set(csm_cell_text(csm_quarter_format(p->start, mb)),
                              p->s.complete ? CSM_TONE_NONE : CSM_TONE_MUTED),
            csm_cell_int(p->s.months),
            csm_cell_int(p->s.up_logos),
            csm_cell_int(p->s.renewed_logos),
            csm_cell_int(p->s.churned_logos),
            csm_cell_rate(p->s.logo_rate),
            csm_cell_prop_lo(&p->s.logo_rate_ci),
            csm_cell_prop_hi(&p->s.logo_rate_ci),
            csm_cell_rate(p->s.gross_dollar_rate),
            csm_cell_rate(p->s.net_dollar_rate),
            mt ? csm_cell_int(mt->logos) : csm_cell_na(),
        };
        csm_table_row(qt, row);
    }
    if (partial)
        csm_block_caption(qt, "A quarter in grey is not complete: fewer "
                              "than three of its months are loaded renewal "
                              "months, or an outcome is pending.");

    /* The trailing twelve months by segment and by term type, and all. */
    int from = rm - 11 < 1 ? 1 : rm - 11;
    char fb[CSM_DATE_BUFSZ], tb[CSM_DATE_BUFSZ];
    csm_label_month(ctx, from, fb);
    csm_label_month(ctx, rm, tb);
    renewal_sum all;
    sum_months(&r->all, from, rm, &all);

    csm_block *sg = sum_table(sec, "Renewals by segment, last 12 months",
                              "renewals_segment", "Segment", lv);
    for (size_t i = 0; i < r->n_segments; i++) {
        renewal_sum s;
        sum_months(&r->by_segment[i].t, from, rm, &s);
        if (s.up == 0)
            continue;
        sum_row(sg,
                *r->by_segment[i].value ? r->by_segment[i].value
                                        : "(no segment)",
                &s, r->ci_level, false);
    }
    sum_row(sg, "All", &all, r->ci_level, true);
    sg->u.table.total_rows = 1;
    cap = csm_xasprintf("Renewal months %s to %s; segment as of the month "
                        "before the renewal. Rates with their %s Wilson "
                        "interval; n/a while an outcome is pending.",
                        fb, tb, lv);
    csm_block_caption(sg, cap);
    free(cap);

    csm_block *tt = sum_table(sec, "Renewals by term type, last 12 months",
                              "renewals_term", "Term", lv);
    static const char *const term_title[CSM_TERM_TYPES] = {
        "Monthly", "Annual", "Multi-year", "Unknown"};
    for (int k = 0; k < CSM_TERM_TYPES; k++) {
        renewal_sum s;
        sum_months(&r->by_term[k].t, from, rm, &s);
        if (s.up == 0)
            continue;
        sum_row(tt, term_title[k], &s, r->ci_level, false);
    }
    sum_row(tt, "All", &all, r->ci_level, true);
    tt->u.table.total_rows = 1;
    cap = csm_xasprintf("Monthly: no term end (renews every month); annual: "
                        "a term of up to %d days; multi-year: longer; "
                        "unknown: the snapshots cannot tell which.",
                        CSM_TERM_ANNUAL_MAX_DAYS);
    csm_block_caption(tt, cap);
    free(cap);

    if (r->stale_term_end > 0) {
        csm_block *nb = csm_section_notes(sec, "Data quality");
        char *line = csm_xasprintf(
            "%ld customer-months show a term end that had already passed; "
            "such customers are not up for renewal until it is updated, and "
            "their churn counts as mid-term.",
            r->stale_term_end);
        csm_notes_add(nb, line);
        free(line);
    }
}
