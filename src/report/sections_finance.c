/* Builders of the unit economics, churn reasons, referrals and
 * restatements sections. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/format.h"
#include "csmetrics/restatements.h"
#include "csmetrics/xalloc.h"
#include "sections.h"

/* ---------------------------------------------------------- economics */

/* Display names of the unit-economics figures, in csm_ue_metric order. */
static const char *const ue_names[CSM_UE_METRIC_COUNT] = {
    "Acquisition cost",
    "Retention cost",
    "CAC",
    "CRC",
    "CRC:CAC",
    "Average new-logo MRR",
    "CAC payback (months)",
    "ARPA",
    "Gross revenue churn (monthly)",
    "LTV",
    "LTV:CAC"};

static csm_cell ue_money(csm_ue_money m)
{
    return m.defined ? csm_cell_money(m.value) : csm_cell_na();
}

static csm_cell ue_cell(const csm_ue_window *w, csm_ue_metric k)
{
    if (!w->fits)
        return csm_cell_na();
    csm_cell c;
    switch (k) {
    case CSM_UE_ACQUISITION_COST:
        return ue_money(w->acquisition_cost);
    case CSM_UE_RETENTION_COST:
        return ue_money(w->retention_cost);
    case CSM_UE_CAC:
        return ue_money(w->cac);
    case CSM_UE_CRC:
        return ue_money(w->crc);
    case CSM_UE_CRC_TO_CAC:
        return csm_cell_number_ratio(w->crc_to_cac, 2);
    case CSM_UE_AVG_NEW_LOGO_MRR:
        return ue_money(w->avg_new_logo_mrr);
    case CSM_UE_CAC_PAYBACK:
        return csm_cell_number_ratio(w->cac_payback_months, 1);
    case CSM_UE_ARPA:
        return ue_money(w->arpa);
    case CSM_UE_CHURN_RATE:
        c = csm_cell_rate(w->gross_revenue_churn_rate);
        if (c.kind == CSM_CELL_RATE)
            c.decimals = 2;
        return c;
    case CSM_UE_LTV:
        return ue_money(w->ltv);
    case CSM_UE_LTV_TO_CAC:
        return csm_cell_number_ratio(w->ltv_to_cac, 1);
    default:
        return csm_cell_na();
    }
}

static void economics_chart(csm_section *sec, const csm_build_ctx *ctx,
                            const csm_economics *e, int first)
{
    int rm = ctx->m->report_month;
    size_t n = (size_t)(rm - first + 1);
    char **labels = csm_month_labels(ctx, first, n);
    double *y[2];
    bool *d[2];
    for (int s = 0; s < 2; s++) {
        y[s] = csm_xcalloc(n, sizeof *y[s]);
        d[s] = csm_xcalloc(n, sizeof *d[s]);
    }
    for (size_t i = 0; i < n; i++) {
        const csm_ue_window *w = &e->series[2][first + (int)i];
        csm_ue_money v[2] = {w->cac, w->crc};
        for (int s = 0; s < 2; s++) {
            d[s][i] = w->fits && v[s].defined;
            y[s][i] = d[s][i] ? csm_major(ctx, v[s].value) : 0;
        }
    }
    csm_block *c = csm_section_chart(sec, "CAC and CRC, trailing 12 months",
                                     CSM_AXIS_MONEY);
    csm_chart_x(c, (const char *const *)labels, NULL, n);
    csm_chart_series(c, "CAC (per new customer)", CSM_SERIES_LINE, y[0], d[0]);
    csm_chart_series(c, "CRC (per retained customer)", CSM_SERIES_LINE, y[1],
                     d[1]);
    c->u.chart.y_title = csm_xstrdup("Cost per customer");
    csm_block_caption(c, "Each point is the 12 months ending that month: "
                         "acquisition cost over new customers, retention "
                         "cost over the customers kept from 12 months "
                         "before. A month without 12 loaded months, or "
                         "without costs, has no point.");
    csm_labels_free(labels, n);
    for (int s = 0; s < 2; s++) {
        free(y[s]);
        free(d[s]);
    }
}

void csm_build_economics(csm_section *sec, const csm_def_section *def,
                         const csm_section_spec *spec, const csm_build_ctx *ctx)
{
    const csm_economics *e = ctx->m->economics;
    if (!e)
        return;
    char mb1[CSM_DATE_BUFSZ], mb2[CSM_DATE_BUFSZ], mb3[CSM_DATE_BUFSZ],
        mb4[CSM_DATE_BUFSZ], mb5[CSM_DATE_BUFSZ];
    csm_block *t = csm_section_table(sec,
                                     "CAC, CRC, payback and lifetime "
                                     "value",
                                     "economics");
    csm_table_column(t, "measure", "Measure", CSM_CELL_TEXT, 0);
    static const char *const ids[3] = {"m1", "m3", "m12"};
    static const char *const wn[3] = {"Month", "3 months", "12 months"};
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++)
        csm_table_column(t, ids[w], wn[w], CSM_CELL_MONEY, 0);
    /* Inputs first (counts), then the figures in the family's order. */
    static const char *const count_names[2] = {"New customers",
                                               "Retained customers"};
    for (int k = 0; k < 2; k++) {
        csm_cell row[4] = {csm_cell_text(count_names[k])};
        for (int w = 0; w < CSM_RETENTION_WINDOWS; w++) {
            const csm_ue_window *x = &e->current[w];
            row[w + 1] = !x->fits ? csm_cell_na()
                         : k == 0 ? csm_cell_int(x->new_logos)
                                  : csm_cell_int(x->retained_logos);
        }
        csm_table_row(t, row);
    }
    for (int k = 0; k < CSM_UE_METRIC_COUNT; k++) {
        csm_cell row[4] = {csm_cell_text(ue_names[k])};
        for (int w = 0; w < CSM_RETENTION_WINDOWS; w++)
            row[w + 1] = ue_cell(&e->current[w], (csm_ue_metric)k);
        bool key = k == CSM_UE_CAC || k == CSM_UE_CRC ||
                   k == CSM_UE_CRC_TO_CAC || k == CSM_UE_LTV_TO_CAC;
        if (key)
            row[0] = csm_cell_tone_set(row[0], CSM_TONE_STRONG);
        csm_table_row(t, row);
    }
    char gm[CSM_FMT_BUFSZ];
    const csm_ue_window *w3 = &e->current[1], *w12 = &e->current[2];
    char *cap = csm_xasprintf(
        "Windows ending %s: the month, %s..%s and %s..%s. Amounts in %s. "
        "CAC = acquisition cost / new customers; CRC = retention cost / "
        "customers kept from the month before the window; payback = CAC / "
        "(average new-logo MRR x gross margin %s); LTV = ARPA x gross "
        "margin / monthly gross revenue churn.",
        csm_month_format(e->current[0].to, mb1),
        csm_month_format(w3->from, mb2), csm_month_format(w3->to, mb3),
        csm_month_format(w12->from, mb4), csm_month_format(w12->to, mb5),
        ctx->ds->currency, csm_format_rate(e->gross_margin, 0, 0, gm));
    csm_block_caption(t, cap);
    free(cap);

    /* Why a figure is n/a: one line per window and reason, naming the
     * figures it leaves undefined. */
    csm_block *nb = NULL;
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++) {
        const csm_ue_window *x = &e->current[w];
        for (int r = 1; r < CSM_UE_REASON_COUNT; r++) {
            char names[256] = "";
            size_t used = 0;
            for (int k = 0; k < CSM_UE_METRIC_COUNT; k++) {
                if ((int)x->why[k] != r)
                    continue;
                int wr = snprintf(names + used, sizeof names - used, "%s%s",
                                  used ? ", " : "", ue_names[k]);
                if (wr > 0 && (size_t)wr < sizeof names - used)
                    used += (size_t)wr;
            }
            if (!used)
                continue;
            char why[256];
            csm_ue_reason_text(x, (csm_ue_reason)r, why, sizeof why);
            if (!nb)
                nb = csm_section_notes(sec, "Why some figures are n/a");
            char *line = csm_xasprintf("%s (%s): %s.", names, wn[w], why);
            csm_notes_add(nb, line);
            free(line);
        }
    }
    int first =
        csm_first_month(ctx, csm_def_option_int(def, spec, "months"), 0);
    economics_chart(sec, ctx, e, first);
}

/* ------------------------------------------------------ churn reasons */

void csm_build_churn_reasons(csm_section *sec, const csm_def_section *def,
                             const csm_section_spec *spec,
                             const csm_build_ctx *ctx)
{
    const csm_churn_reasons *cr = ctx->m->churn_reasons;
    const csm_dataset *ds = ctx->ds;
    if (!cr)
        return;
    const char *wopt = csm_def_option_text(def, spec, "window");
    int wi = strcmp(wopt, "1") == 0 ? 0 : strcmp(wopt, "3") == 0 ? 1 : 2;
    const csm_churn_window *w = &cr->current[wi];
    char mb1[CSM_DATE_BUFSZ], mb2[CSM_DATE_BUFSZ], b1[CSM_FMT_BUFSZ];
    if (!w->fits) {
        csm_block *nb = csm_section_notes(sec, NULL);
        char *line = csm_xasprintf("The %d-month window reaches back to the "
                                   "first loaded month (the opening "
                                   "balance, which has no churn).",
                                   w->months);
        csm_notes_add(nb, line);
        free(line);
        return;
    }
    char *span = w->months == 1
                     ? csm_xstrdup(csm_month_format(w->to, mb1))
                     : csm_xasprintf("%s..%s", csm_month_format(w->from, mb1),
                                     csm_month_format(w->to, mb2));
    if (!cr->has_reasons) {
        csm_block *nb = csm_section_notes(sec, NULL);
        char *line = csm_xasprintf(
            "No churn_reasons.csv given: the %ld customers who churned in %s "
            "(%s %s of MRR) have no recorded reason.",
            w->churned_logos, span,
            csm_format_money(w->churned_mrr, ds->decimals, 0, b1),
            ds->currency);
        csm_notes_add(nb, line);
        free(line);
        free(span);
        return;
    }

    /* The bar chart: churned MRR by reason, the largest few (their names
     * must be readable under the bars), the rest as one bar, and the
     * churns without a reason as their own bar. */
    enum { TOP_REASONS = 5 };
    size_t top =
        w->n_by_reason > TOP_REASONS + 1 ? TOP_REASONS : w->n_by_reason;
    bool other = top < w->n_by_reason;
    size_t nb_ = top + (other ? 1 : 0) + (w->no_reason_logos ? 1 : 0);
    if (nb_ > 0) {
        char **labels = csm_xcalloc(nb_, sizeof *labels);
        double *y = csm_xcalloc(nb_, sizeof *y);
        size_t k = 0;
        for (; k < top; k++) {
            labels[k] =
                csm_xstrdup(csm_ds_string(ds, (int32_t)w->by_reason[k].reason));
            y[k] = csm_major(ctx, w->by_reason[k].mrr);
        }
        if (other) {
            int64_t rest = 0;
            for (size_t i = top; i < w->n_by_reason; i++)
                rest += w->by_reason[i].mrr;
            labels[k] =
                csm_xasprintf("%zu other reasons", w->n_by_reason - top);
            y[k++] = csm_major(ctx, rest);
        }
        if (w->no_reason_logos) {
            labels[k] = csm_xstrdup("No reason recorded");
            y[k++] = csm_major(ctx, w->no_reason_mrr);
        }
        char *title = csm_xasprintf("Churned MRR by reason, %s", span);
        csm_block *c = csm_section_chart(sec, title, CSM_AXIS_MONEY);
        free(title);
        csm_chart_x(c, (const char *const *)labels, NULL, nb_);
        csm_series *se =
            csm_chart_series(c, "Churned MRR", CSM_SERIES_BAR, y, NULL);
        se->tone = CSM_TONE_BAD;
        c->u.chart.y_title = csm_xstrdup("MRR lost");
        csm_block_caption(c, "MRR each churned customer had in its last "
                             "active month, by the reason recorded for the "
                             "churn; the table below lists every reason.");
        csm_labels_free(labels, nb_);
        free(y);
    }

    csm_block *t = csm_section_table(sec, "By reason", "churn_by_reason");
    csm_table_column(t, "reason", "Reason", CSM_CELL_TEXT, 2);
    csm_table_column(t, "category", "Category", CSM_CELL_TEXT, 1);
    csm_table_column(t, "customers", "Customers", CSM_CELL_INT, 0);
    csm_table_column(t, "mrr", "MRR", CSM_CELL_MONEY, 0);
    csm_table_column(t, "share_logos", "Share of customers", CSM_CELL_RATE, 0);
    csm_table_column(t, "share_mrr", "Share of MRR", CSM_CELL_RATE, 0);
    for (size_t i = 0; i < w->n_by_reason; i++) {
        const csm_reason_total *x = &w->by_reason[i];
        csm_cell row[6] = {
            csm_cell_text(csm_ds_string(ds, (int32_t)x->reason)),
            csm_cell_text(csm_reason_category_name(x->category)),
            csm_cell_int(x->logos),
            csm_cell_money(x->mrr),
            csm_cell_rate(x->share_logos),
            csm_cell_rate(x->share_mrr),
        };
        csm_table_row(t, row);
    }
    if (w->no_reason_logos) {
        csm_cell row[6] = {
            csm_cell_tone_set(csm_cell_text("(no reason recorded)"),
                              CSM_TONE_MUTED),
            csm_cell_empty(),
            csm_cell_int(w->no_reason_logos),
            csm_cell_money(w->no_reason_mrr),
            csm_cell_rate(csm_ratio_i64(w->no_reason_logos, w->churned_logos)),
            csm_cell_rate(csm_ratio_i64(w->no_reason_mrr, w->churned_mrr)),
        };
        csm_table_row(t, row);
    }
    csm_cell tot[6] = {
        csm_cell_text("All churn"),
        csm_cell_empty(),
        csm_cell_with_formula(csm_cell_int(w->churned_logos),
                              "SUM(churn_by_reason.customers)"),
        csm_cell_with_formula(csm_cell_money(w->churned_mrr),
                              "SUM(churn_by_reason.mrr)"),
        csm_cell_rate(csm_ratio_i64(w->churned_logos, w->churned_logos)),
        csm_cell_rate(csm_ratio_i64(w->churned_mrr, w->churned_mrr)),
    };
    csm_table_row(t, tot);
    t->u.table.total_rows = 1;
    char *cap =
        csm_xasprintf("Churns in %s, matched to churn_reasons.csv "
                      "(a row dated in the churn month, or up to %d "
                      "month%s off).",
                      span, cr->match_months, cr->match_months == 1 ? "" : "s");
    csm_block_caption(t, cap);
    free(cap);

    csm_block *ct = csm_section_table(sec, "By category", "churn_by_category");
    csm_table_column(ct, "category", "Category", CSM_CELL_TEXT, 0);
    csm_table_column(ct, "customers", "Customers", CSM_CELL_INT, 0);
    csm_table_column(ct, "mrr", "MRR", CSM_CELL_MONEY, 0);
    csm_table_column(ct, "share_logos", "Share of customers", CSM_CELL_RATE, 0);
    csm_table_column(ct, "share_mrr", "Share of MRR", CSM_CELL_RATE, 0);
    static const csm_reason_category order[3] = {CSM_REASON_CONTROLLABLE,
                                                 CSM_REASON_UNCONTROLLABLE,
                                                 CSM_REASON_UNSPECIFIED};
    static const char *const cat_title[3] = {"Controllable", "Uncontrollable",
                                             "Not categorised"};
    for (int i = 0; i < 3; i++) {
        csm_reason_category k = order[i];
        csm_cell row[5] = {
            csm_cell_text(cat_title[i]),
            csm_cell_int(w->category_logos[k]),
            csm_cell_money(w->category_mrr[k]),
            csm_cell_rate(w->category_share_logos[k]),
            csm_cell_rate(w->category_share_mrr[k]),
        };
        csm_table_row(ct, row);
    }
    csm_cell nr[5] = {
        csm_cell_tone_set(csm_cell_text("No reason recorded"), CSM_TONE_MUTED),
        csm_cell_int(w->no_reason_logos),
        csm_cell_money(w->no_reason_mrr),
        csm_cell_rate(csm_ratio_i64(w->no_reason_logos, w->churned_logos)),
        csm_cell_rate(csm_ratio_i64(w->no_reason_mrr, w->churned_mrr)),
    };
    csm_table_row(ct, nr);
    csm_cell ctot[5] = {
        csm_cell_text("All churn"),
        csm_cell_with_formula(csm_cell_int(w->churned_logos),
                              "SUM(churn_by_category.customers)"),
        csm_cell_with_formula(csm_cell_money(w->churned_mrr),
                              "SUM(churn_by_category.mrr)"),
        csm_cell_rate(csm_ratio_i64(w->churned_logos, w->churned_logos)),
        csm_cell_rate(csm_ratio_i64(w->churned_mrr, w->churned_mrr)),
    };
    csm_table_row(ct, ctot);
    ct->u.table.total_rows = 1;
    csm_block_caption(ct, "Controllable: reasons the company could act on "
                          "(service, product, price); uncontrollable: "
                          "acquisitions, closures, budget cuts, as "
                          "churn_reasons.csv categorises them.");

    /* The data-quality gap: churns with no reason recorded. */
    long max_missing = csm_def_option_int(def, spec, "missing");
    char *gt = csm_xasprintf("Churns without a reason, %s..%s",
                             csm_month_format(cr->list_from, mb1),
                             csm_month_format(cr->list_to, mb2));
    csm_block *mt = csm_section_table(sec, gt, "churn_missing");
    free(gt);
    mt->u.table.detail = true;
    csm_table_column(mt, "customer", "Customer", CSM_CELL_TEXT, 0.8);
    csm_table_column(mt, "name", "Name", CSM_CELL_TEXT, 2);
    csm_table_column(mt, "month", "Churn month", CSM_CELL_TEXT, 0);
    csm_table_column(mt, "mrr", "MRR", CSM_CELL_MONEY, 0);
    size_t shown = 0;
    for (size_t i = 0; i < cr->n_missing && shown < (size_t)max_missing;
         i++, shown++) {
        const csm_churn_event *ev = &cr->events[cr->missing[i]];
        csm_cell row[4] = {
            csm_cell_text(csm_ds_customer_id(ds, ev->customer)),
            csm_cell_text(ds->names[ev->customer]),
            csm_cell_text(csm_label_month(ctx, ev->month, mb1)),
            csm_cell_money(ev->mrr),
        };
        csm_table_row(mt, row);
    }
    cap = cr->n_missing
              ? csm_xasprintf(
                    "%zu churn%s (%s %s of MRR) ha%s no row in "
                    "churn_reasons.csv: a gap in the record, listed so it "
                    "can be filled%s.",
                    cr->n_missing, cr->n_missing == 1 ? "" : "s",
                    csm_format_money(cr->missing_mrr, ds->decimals, 0, b1),
                    ds->currency, cr->n_missing == 1 ? "s" : "ve",
                    shown < cr->n_missing ? " (the first ones shown)" : "")
              : csm_xstrdup("Every churn in these months has a reason.");
    csm_block_caption(mt, cap);
    free(cap);
    free(span);
}

/* ---------------------------------------------------------- referrals */

static const char *const outcome_title[CSM_REFERRAL_OUTCOMES] = {
    "Became a customer", "Already a customer", "Not (yet) a customer",
    "Referred customer not named", "Credited to an earlier referral"};

void csm_build_referrals(csm_section *sec, const csm_def_section *def,
                         const csm_section_spec *spec, const csm_build_ctx *ctx)
{
    const csm_referrals *r = ctx->m->referrals;
    const csm_dataset *ds = ctx->ds;
    if (!r)
        return;
    if (!r->has_referrals) {
        csm_block *nb = csm_section_notes(sec, NULL);
        csm_notes_add(nb, "No referrals.csv given: the referral rate is not "
                          "defined (nobody recorded referrals; it is not 0).");
        return;
    }
    int rm = ctx->m->report_month;
    char lv[CSM_FMT_BUFSZ], mb[CSM_DATE_BUFSZ], b1[CSM_FMT_BUFSZ];
    csm_level_text(r->ci_level, lv);
    int first =
        csm_first_month(ctx, csm_def_option_int(def, spec, "months"), 0);
    size_t n = (size_t)(rm - first + 1);
    char **labels = csm_month_labels(ctx, first, n);
    double *y = csm_xcalloc(n, sizeof *y), *lo = csm_xcalloc(n, sizeof *lo),
           *hi = csm_xcalloc(n, sizeof *hi);
    bool *d = csm_xcalloc(n, sizeof *d);
    for (size_t i = 0; i < n; i++) {
        const csm_referral_month *x = &r->months[first + (int)i];
        d[i] = x->rate.defined;
        y[i] = d[i] ? x->rate.value : 0;
        lo[i] = x->rate_ci.defined ? x->rate_ci.lo : NAN;
        hi[i] = x->rate_ci.defined ? x->rate_ci.hi : NAN;
    }
    csm_block *c = csm_section_chart(sec, "Referral rate", CSM_AXIS_RATE);
    csm_chart_x(c, (const char *const *)labels, NULL, n);
    csm_series *se =
        csm_chart_series(c, "Referral rate", CSM_SERIES_LINE, y, d);
    csm_series_band(se, lo, hi, n);
    c->u.chart.y_from_zero = true;
    c->u.chart.y_title =
        csm_xstrdup("Active customers who referred in 12 months");
    char *cap = csm_xasprintf(
        "Share of the customers active in the month who referred at least "
        "once in the 12 months to its end, with its %s Wilson interval.",
        lv);
    csm_block_caption(c, cap);
    free(cap);
    csm_labels_free(labels, n);
    free(y);
    free(lo);
    free(hi);
    free(d);

    csm_block *t =
        csm_section_table(sec, "Referrals by month", "referrals_month");
    char *clo = csm_xasprintf("%s CI low", lv);
    char *chi = csm_xasprintf("%s CI high", lv);
    csm_table_column(t, "month", "Month", CSM_CELL_TEXT, 0);
    csm_table_column(t, "active", "Active", CSM_CELL_INT, 0);
    csm_table_column(t, "referring", "Referring", CSM_CELL_INT, 0);
    csm_table_column(t, "rate", "Referral rate", CSM_CELL_RATE, 0);
    csm_table_column(t, "lo", clo, CSM_CELL_RATE, 0);
    csm_table_column(t, "hi", chi, CSM_CELL_RATE, 0);
    csm_table_column(t, "referrals", "Referrals", CSM_CELL_INT, 0);
    csm_table_column(t, "converted", "Became customers", CSM_CELL_INT, 0);
    csm_table_column(t, "converted_mrr", "Their new MRR", CSM_CELL_MONEY, 0);
    free(clo);
    free(chi);
    for (int k = first; k <= rm; k++) {
        const csm_referral_month *x = &r->months[k];
        csm_cell row[9] = {
            csm_cell_text(csm_label_month(ctx, k, mb)),
            csm_cell_int(x->active_logos),
            csm_cell_int(x->referring_logos),
            csm_cell_rate(x->rate),
            csm_cell_prop_lo(&x->rate_ci),
            csm_cell_prop_hi(&x->rate_ci),
            csm_cell_int(x->referrals),
            csm_cell_int(x->converted_logos),
            csm_cell_money(x->converted_mrr),
        };
        csm_table_row(t, row);
    }
    const csm_referral_month *cur = &r->months[rm];
    cap = csm_xasprintf(
        "Last 12 months: %ld referrals; %ld referred customers started, "
        "bringing %s %s of new MRR (their MRR in the month they started).",
        cur->referrals_12m, cur->converted_logos_12m,
        csm_format_money(cur->converted_mrr_12m, ds->decimals, 0, b1),
        ds->currency);
    csm_block_caption(t, cap);
    free(cap);

    csm_block *ot = csm_section_table(sec, "What became of the referrals",
                                      "referral_outcomes");
    csm_table_column(ot, "outcome", "Outcome", CSM_CELL_TEXT, 0);
    csm_table_column(ot, "referrals", "Referrals", CSM_CELL_INT, 0);
    long total = 0;
    for (int k = 0; k < CSM_REFERRAL_OUTCOMES; k++) {
        csm_cell row[2] = {csm_cell_text(outcome_title[k]),
                           csm_cell_int(r->outcomes[k])};
        total += r->outcomes[k];
        csm_table_row(ot, row);
    }
    csm_cell tot[2] = {
        csm_cell_text("All rows of referrals.csv"),
        csm_cell_with_formula(csm_cell_int(total),
                              "SUM(referral_outcomes.referrals)")};
    csm_table_row(ot, tot);
    ot->u.table.total_rows = 1;
    csm_block_caption(ot, "Every referral in the file, whatever its date: a "
                          "referral converts when the referred customer "
                          "starts in its month or later; several referrals "
                          "of one customer credit the earliest.");
}

/* ------------------------------------------------------- restatements */

/* The kind of a restated figure, from the last name of its JSON path:
 * amounts are integer minor units, rates fractions, counts whole numbers
 * (docs/json.md).  Anything else is shown as the JSON has it. */
static csm_cell_kind restated_kind(const char *metric)
{
    const char *leaf = strrchr(metric, '.');
    leaf = leaf ? leaf + 1 : metric;
    static const char *const money[] = {"opening",
                                        "new",
                                        "reactivation",
                                        "expansion",
                                        "contraction",
                                        "churn",
                                        "fx",
                                        "closing",
                                        "gains",
                                        "losses",
                                        "cac",
                                        "crc",
                                        "ltv",
                                        "arpa",
                                        "acquisition_cost",
                                        "retention_cost",
                                        "new_excluded",
                                        "fx_excluded",
                                        "opening_sum",
                                        "retained_sum"};
    static const char *const rates[] = {"nrr",
                                        "grr",
                                        "logo_retention",
                                        "quick_ratio",
                                        "quick_ratio_t12",
                                        "auc",
                                        "precision",
                                        "recall",
                                        "lo",
                                        "hi",
                                        "difference",
                                        "churned_and_returned",
                                        "returned_from_before",
                                        "won_in_window"};
    bool in_logos = strstr(metric, ".logos.") != NULL;
    for (size_t i = 0; i < sizeof money / sizeof *money; i++)
        if (!strcmp(leaf, money[i]))
            return in_logos ? CSM_CELL_INT : CSM_CELL_MONEY;
    size_t n = strlen(leaf);
    if (strstr(leaf, "mrr") && !strstr(leaf, "rate"))
        return CSM_CELL_MONEY;
    for (size_t i = 0; i < sizeof rates / sizeof *rates; i++)
        if (!strcmp(leaf, rates[i]))
            return CSM_CELL_RATE;
    if ((n > 5 && !strcmp(leaf + n - 5, "_rate")) || !strcmp(leaf, "rate") ||
        !strncmp(leaf, "share", 5) || !strncmp(leaf, "within_", 7))
        return CSM_CELL_RATE;
    if ((n > 6 && !strcmp(leaf + n - 6, "_logos")) || !strcmp(leaf, "logos") ||
        !strcmp(leaf, "n") || !strcmp(leaf, "events"))
        return CSM_CELL_INT;
    return CSM_CELL_TEXT;
}

static csm_cell restated_cell(csm_cell_kind kind, const char *json)
{
    char *end;
    if (!strcmp(json, "null"))
        return csm_cell_na();
    if (kind == CSM_CELL_MONEY || kind == CSM_CELL_INT) {
        long long v = strtoll(json, &end, 10);
        if (*json && !*end)
            return kind == CSM_CELL_MONEY ? csm_cell_money(v) : csm_cell_int(v);
    } else if (kind == CSM_CELL_RATE) {
        double v = strtod(json, &end);
        if (*json && !*end)
            return csm_cell_rate(csm_ratio_value(v));
    }
    return csm_cell_text(json);
}

void csm_build_restatements(csm_section *sec, const csm_def_section *def,
                            const csm_section_spec *spec,
                            const csm_build_ctx *ctx)
{
    const csm_restatements *rs = ctx->restated;
    if (!rs) {
        csm_block *nb = csm_section_notes(sec, NULL);
        csm_notes_add(nb, "No earlier run was given (--previous FILE with "
                          "the JSON of an earlier run): there is nothing to "
                          "compare, so no figure is shown as restated.");
        return;
    }
    long max_rows = csm_def_option_int(def, spec, "rows");
    csm_block *t =
        csm_section_table(sec, "Restated figures", "restated_figures");
    t->u.table.detail = true;
    csm_table_column(t, "month", "Month", CSM_CELL_TEXT, 0);
    csm_table_column(t, "metric", "Metric", CSM_CELL_TEXT, 3);
    csm_table_column(t, "before", "Before", CSM_CELL_TEXT, 1);
    csm_table_column(t, "after", "After", CSM_CELL_TEXT, 1);
    size_t shown = 0;
    for (size_t i = 0; i < rs->n_figures && shown < (size_t)max_rows;
         i++, shown++) {
        const csm_restated_figure *f = &rs->figures[i];
        csm_cell_kind kind = restated_kind(f->metric);
        csm_cell row[4] = {
            csm_cell_text(*f->month ? f->month : "(run)"),
            csm_cell_text(f->metric),
            restated_cell(kind, f->previous),
            restated_cell(kind, f->current),
        };
        csm_table_row(t, row);
    }
    char *cap = csm_xasprintf(
        "%zu figure%s reported by the earlier run (%s) differ%s now%s. "
        "Metrics are named by their JSON path (docs/json.md); amounts in "
        "the reporting currency, rates in percent.",
        rs->total_figures, rs->total_figures == 1 ? "" : "s", rs->previous_path,
        rs->total_figures == 1 ? "s" : "",
        shown < rs->total_figures
            ? "; the first ones are listed (--format json lists more)"
            : "");
    if (rs->total_figures == 0) {
        free(cap);
        cap = csm_xasprintf("Every figure the earlier run (%s) reported is "
                            "unchanged.",
                            rs->previous_path);
    }
    csm_block_caption(t, cap);
    free(cap);

    if (!rs->previous_data) {
        csm_block *nb = csm_section_notes(sec, NULL);
        csm_notes_add(nb, "Give --previous-data DIR (the earlier data folder) "
                          "to list the customers whose rows changed.");
        return;
    }
    csm_block *ct =
        csm_section_table(sec, "Changed customers", "restated_customers");
    ct->u.table.detail = true;
    csm_table_column(ct, "customer", "Customer", CSM_CELL_TEXT, 1);
    csm_table_column(ct, "month", "Month", CSM_CELL_TEXT, 0);
    csm_table_column(ct, "before", "MRR before", CSM_CELL_MONEY, 0);
    csm_table_column(ct, "after", "MRR after", CSM_CELL_MONEY, 0);
    csm_table_column(ct, "change", "Change", CSM_CELL_TEXT, 0);
    char mb[CSM_DATE_BUFSZ];
    shown = 0;
    for (size_t i = 0; i < rs->n_customers && shown < (size_t)max_rows;
         i++, shown++) {
        const csm_restated_customer *x = &rs->customers[i];
        csm_cell row[5] = {
            csm_cell_text(x->customer_id),
            csm_cell_text(csm_month_format(x->month, mb)),
            csm_cell_money(x->previous),
            csm_cell_money(x->current),
            csm_cell_text(x->change),
        };
        csm_table_row(ct, row);
    }
    cap = csm_xasprintf(
        "%zu customer-month%s changed between the data "
        "folders (%s before)%s.",
        rs->total_customers, rs->total_customers == 1 ? "" : "s",
        rs->previous_data,
        shown < rs->total_customers ? "; the first ones are listed" : "");
    csm_block_caption(ct, cap);
    free(cap);
}
