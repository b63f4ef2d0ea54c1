/* Builders of the headline, MRR bridge and retention sections. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/xalloc.h"
#include "sections.h"

static bool in_range(const csm_build_ctx *ctx, int k)
{
    return k >= 0 && k < ctx->ds->n_months;
}

static csm_ratio s_mrr(const csm_build_ctx *ctx, int k)
{
    if (!in_range(ctx, k))
        return csm_ratio_undefined();
    return csm_ratio_value((double)ctx->m->bridge->months[k].amount.closing);
}

static csm_ratio s_arr(const csm_build_ctx *ctx, int k)
{
    if (!in_range(ctx, k))
        return csm_ratio_undefined();
    /* ARR = 12 x MRR; exact in a double below 2^53 minor units. */
    return csm_ratio_value(
        12.0 * (double)ctx->m->bridge->months[k].amount.closing);
}

static csm_ratio s_logos(const csm_build_ctx *ctx, int k)
{
    if (!in_range(ctx, k))
        return csm_ratio_undefined();
    return csm_ratio_value((double)ctx->m->bridge->months[k].logos.closing);
}

static csm_ratio s_net_new(const csm_build_ctx *ctx, int k)
{
    if (!in_range(ctx, k) || ctx->m->bridge->months[k].opening_balance)
        return csm_ratio_undefined();
    const csm_bridge_amounts *a = &ctx->m->bridge->months[k].amount;
    return csm_ratio_value((double)(a->new_ + a->reactivation + a->expansion -
                                    a->contraction - a->churn));
}

static const csm_retention *ret12(const csm_build_ctx *ctx, int k)
{
    if (!in_range(ctx, k))
        return NULL;
    const csm_retention *r = &ctx->m->retention->series[2][k];
    return r->base_logos < 0 ? NULL : r;
}

static csm_ratio s_nrr12(const csm_build_ctx *ctx, int k)
{
    const csm_retention *r = ret12(ctx, k);
    return r ? r->nrr : csm_ratio_undefined();
}

static csm_ratio s_grr12(const csm_build_ctx *ctx, int k)
{
    const csm_retention *r = ret12(ctx, k);
    return r ? r->grr : csm_ratio_undefined();
}

static csm_ratio s_logo12(const csm_build_ctx *ctx, int k)
{
    const csm_retention *r = ret12(ctx, k);
    return r ? r->logo_retention : csm_ratio_undefined();
}

void csm_build_headline(csm_section *sec, const csm_def_section *def,
                        const csm_section_spec *spec,
                        const csm_build_ctx *ctx)
{
    (void)def;
    (void)spec;
    csm_block *b = csm_section_tiles(sec, NULL);
    csm_tile_from_series(b, "ARR", CSM_CELL_MONEY, s_arr, ctx, true);
    csm_tile_from_series(b, "MRR", CSM_CELL_MONEY, s_mrr, ctx, true);
    csm_tile *t = csm_tile_from_series(b, "NRR (12 months)", CSM_CELL_RATE,
                                       s_nrr12, ctx, true);
    const csm_retention *r = ret12(ctx, ctx->m->report_month);
    if (r)
        t->note = csm_xasprintf("base: %ld customers", r->base_logos);
    csm_tile_from_series(b, "GRR (12 months)", CSM_CELL_RATE, s_grr12, ctx,
                         true);
    csm_tile_from_series(b, "Logo retention (12 months)", CSM_CELL_RATE,
                         s_logo12, ctx, true);
    csm_tile_from_series(b, "Net new MRR", CSM_CELL_MONEY, s_net_new, ctx,
                         true);
    csm_tile_from_series(b, "Customers", CSM_CELL_INT, s_logos, ctx, true);
}

void csm_build_bridge(csm_section *sec, const csm_def_section *def,
                      const csm_section_spec *spec, const csm_build_ctx *ctx)
{
    const csm_bridge *br = ctx->m->bridge;
    int rm = ctx->m->report_month;
    const csm_bridge_month *bm = &br->months[rm];
    char mb[CSM_DATE_BUFSZ];
    csm_label_month(ctx, rm, mb);

    char *title = csm_xasprintf("MRR bridge, %s", mb);
    csm_block *w = csm_section_waterfall(sec, title);
    free(title);
    csm_waterfall_step_add(w, "Opening", CSM_STEP_START, bm->amount.opening);
    csm_waterfall_step_add(w, "New", CSM_STEP_UP, bm->amount.new_);
    csm_waterfall_step_add(w, "Reactivation", CSM_STEP_UP,
                           bm->amount.reactivation);
    csm_waterfall_step_add(w, "Expansion", CSM_STEP_UP, bm->amount.expansion);
    csm_waterfall_step_add(w, "Contraction", CSM_STEP_DOWN,
                           bm->amount.contraction);
    csm_waterfall_step_add(w, "Churn", CSM_STEP_DOWN, bm->amount.churn);
    if (ctx->ds->mrr_alt)
        csm_waterfall_step_add(w, "FX", CSM_STEP_DELTA, bm->amount.fx);
    csm_waterfall_step_add(w, "Closing", CSM_STEP_TOTAL, bm->amount.closing);
    if (bm->opening_balance)
        csm_block_caption(w, "First loaded month: the opening balance, no "
                             "movements.");

    long months = csm_def_option_int(def, spec, "months");
    int first = rm - (int)months + 1;
    if (first < 1)
        first = bm->opening_balance ? 0 : 1;
    if (first > rm)
        first = rm;
    size_t n = (size_t)(rm - first + 1);
    char **labels = csm_xcalloc(n, sizeof *labels);
    double *ys[5];
    for (int s = 0; s < 5; s++)
        ys[s] = csm_xcalloc(n, sizeof *ys[s]);
    for (size_t i = 0; i < n; i++) {
        const csm_bridge_amounts *a = &br->months[first + (int)i].amount;
        labels[i] = csm_xstrdup(csm_label_month(ctx, first + (int)i, mb));
        /* Major units for the chart; gains up, losses down. */
        double scale = 1.0;
        for (int d = 0; d < ctx->ds->decimals; d++)
            scale *= 10.0;
        ys[0][i] = (double)a->new_ / scale;
        ys[1][i] = (double)a->reactivation / scale;
        ys[2][i] = (double)a->expansion / scale;
        ys[3][i] = -(double)a->contraction / scale;
        ys[4][i] = -(double)a->churn / scale;
    }
    csm_block *c = csm_section_chart(sec, "Monthly movements",
                                     CSM_AXIS_MONEY);
    csm_chart_x(c, (const char *const *)labels, NULL, n);
    static const char *const names[5] = {"New", "Reactivation", "Expansion",
                                         "Contraction", "Churn"};
    static const int palette[5] = {0, 1, 3, 2, 5};
    for (int s = 0; s < 5; s++) {
        csm_series *se =
            csm_chart_series(c, names[s], CSM_SERIES_STACKED, ys[s], NULL);
        se->palette = palette[s];
        if (s == 4)
            se->tone = CSM_TONE_BAD; /* churn */
    }
    c->u.chart.y_from_zero = true;

    /* The table: every month shown, each closing a live formula of its
     * row, so a spreadsheet proves the identity month by month. */
    csm_block *t = csm_section_table(sec, "Bridge by month", "bridge");
    static const char *const cols[][2] = {
        {"month", "Month"},           {"opening", "Opening"},
        {"new", "New"},               {"reactivation", "Reactivation"},
        {"expansion", "Expansion"},   {"contraction", "Contraction"},
        {"churn", "Churn"},           {"fx", "FX"},
        {"closing", "Closing"},       {"logos", "Customers"},
        {"new_logos", "New logos"},   {"churned_logos", "Churned logos"}};
    for (size_t k = 0; k < sizeof cols / sizeof *cols; k++)
        csm_table_column(t, cols[k][0], cols[k][1],
                         k == 0    ? CSM_CELL_TEXT
                         : k >= 9 ? CSM_CELL_INT
                                  : CSM_CELL_MONEY,
                         0);
    for (int k = first; k <= rm; k++) {
        const csm_bridge_month *x = &br->months[k];
        csm_label_month(ctx, k, mb);
        char *f = csm_xasprintf(
            "bridge.opening[%s] + bridge.new[%s] + bridge.reactivation[%s] + "
            "bridge.expansion[%s] - bridge.contraction[%s] - bridge.churn[%s] "
            "+ bridge.fx[%s]",
            mb, mb, mb, mb, mb, mb, mb);
        csm_cell row[12] = {
            csm_cell_text(mb),
            csm_cell_money(x->amount.opening),
            csm_cell_money(x->amount.new_),
            csm_cell_money(x->amount.reactivation),
            csm_cell_money(x->amount.expansion),
            csm_cell_money(x->amount.contraction),
            csm_cell_money(x->amount.churn),
            csm_cell_money(x->amount.fx),
            csm_cell_tone_set(
                csm_cell_with_formula(csm_cell_money(x->amount.closing), f),
                CSM_TONE_STRONG),
            csm_cell_int(x->logos.closing),
            csm_cell_int(x->logos.new_ + x->logos.reactivation),
            csm_cell_int(x->logos.churn),
        };
        free(f);
        csm_table_row(t, row);
    }
    csm_block_caption(t, "Contraction and churn are shown as positive "
                         "amounts and subtracted; closing = opening + new + "
                         "reactivation + expansion - contraction - churn + "
                         "fx, and equals the month's snapshot total.");
    for (size_t i = 0; i < n; i++)
        free(labels[i]);
    free(labels);
    for (int s = 0; s < 5; s++)
        free(ys[s]);
}

void csm_build_retention(csm_section *sec, const csm_def_section *def,
                         const csm_section_spec *spec,
                         const csm_build_ctx *ctx)
{
    const csm_retention_result *r = ctx->m->retention;
    int rm = ctx->m->report_month;
    long months = csm_def_option_int(def, spec, "months");
    int first = rm - (int)months + 1;
    if (first < 0)
        first = 0;
    size_t n = (size_t)(rm - first + 1);
    char mb[CSM_DATE_BUFSZ];
    char **labels = csm_xcalloc(n, sizeof *labels);
    double *y[3];
    bool *d[3];
    for (int s = 0; s < 3; s++) {
        y[s] = csm_xcalloc(n, sizeof *y[s]);
        d[s] = csm_xcalloc(n, sizeof *d[s]);
    }
    for (size_t i = 0; i < n; i++) {
        int k = first + (int)i;
        labels[i] = csm_xstrdup(csm_label_month(ctx, k, mb));
        const csm_retention *x = &r->series[2][k];
        csm_ratio v[3] = {x->nrr, x->grr, x->logo_retention};
        for (int s = 0; s < 3; s++) {
            d[s][i] = x->base_logos >= 0 && v[s].defined;
            y[s][i] = d[s][i] ? v[s].value : 0.0;
        }
    }
    csm_block *c = csm_section_chart(sec, "Trailing 12-month retention",
                                     CSM_AXIS_RATE);
    csm_chart_x(c, (const char *const *)labels, NULL, n);
    static const char *const names[3] = {"NRR", "GRR", "Logo retention"};
    for (int s = 0; s < 3; s++)
        csm_chart_series(c, names[s], CSM_SERIES_LINE, y[s], d[s]);
    csm_block_caption(c, "Point-to-point: customers active 12 months "
                         "earlier, measured now; customers won since never "
                         "enter.");
    for (size_t i = 0; i < n; i++)
        free(labels[i]);
    free(labels);
    for (int s = 0; s < 3; s++) {
        free(y[s]);
        free(d[s]);
    }

    csm_block *t = csm_section_table(sec, "Retention windows to the report "
                                          "month",
                                     "retention");
    csm_table_column(t, "window", "Window", CSM_CELL_TEXT, 0);
    csm_table_column(t, "from", "From", CSM_CELL_TEXT, 0);
    csm_table_column(t, "base_logos", "Base customers", CSM_CELL_INT, 0);
    csm_table_column(t, "retained_logos", "Retained", CSM_CELL_INT, 0);
    csm_table_column(t, "base_mrr", "Base MRR", CSM_CELL_MONEY, 0);
    csm_table_column(t, "logo_retention", "Logo retention", CSM_CELL_RATE, 0);
    csm_table_column(t, "grr", "GRR", CSM_CELL_RATE, 0);
    csm_table_column(t, "nrr", "NRR", CSM_CELL_RATE, 0);
    static const char *const wn[3] = {"1 month", "3 months", "12 months"};
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++) {
        const csm_retention *x = &r->current[w];
        bool fits = x->base_logos >= 0;
        csm_cell row[8] = {
            csm_cell_text(wn[w]),
            fits ? csm_cell_text(csm_month_format(x->from, mb))
                 : csm_cell_na(),
            fits ? csm_cell_int(x->base_logos) : csm_cell_na(),
            fits ? csm_cell_int(x->retained_logos) : csm_cell_na(),
            fits ? csm_cell_money(x->base_mrr) : csm_cell_na(),
            fits ? csm_cell_rate(x->logo_retention) : csm_cell_na(),
            fits ? csm_cell_rate(x->grr) : csm_cell_na(),
            fits ? csm_cell_rate(x->nrr) : csm_cell_na(),
        };
        csm_table_row(t, row);
    }

    static const char *const gtitle[CSM_GROUP_KINDS] = {
        "12-month retention by segment", "12-month retention by plan",
        "12-month retention by signup quarter"};
    for (int g = 0; g < CSM_GROUP_KINDS; g++) {
        if (!r->n_groups[g])
            continue;
        char id[40];
        snprintf(id, sizeof id, "retention_%s",
                 csm_group_kind_name((csm_group_kind)g));
        csm_block *gt = csm_section_table(sec, gtitle[g], id);
        csm_table_column(gt, "group", csm_group_kind_name((csm_group_kind)g),
                         CSM_CELL_TEXT, 0);
        csm_table_column(gt, "base_logos", "Base customers", CSM_CELL_INT, 0);
        csm_table_column(gt, "base_mrr", "Base MRR", CSM_CELL_MONEY, 0);
        csm_table_column(gt, "logo_retention", "Logo retention",
                         CSM_CELL_RATE, 0);
        csm_table_column(gt, "grr", "GRR", CSM_CELL_RATE, 0);
        csm_table_column(gt, "nrr", "NRR", CSM_CELL_RATE, 0);
        for (size_t i = 0; i < r->n_groups[g]; i++) {
            const csm_retention_group *grp = &r->groups[g][i];
            const csm_retention *x = &grp->window[2];
            bool fits = x->base_logos >= 0;
            csm_cell row[6] = {
                csm_cell_text(*grp->value ? grp->value : "(not given)"),
                fits ? csm_cell_int(x->base_logos) : csm_cell_na(),
                fits ? csm_cell_money(x->base_mrr) : csm_cell_na(),
                fits ? csm_cell_rate(x->logo_retention) : csm_cell_na(),
                fits ? csm_cell_rate(x->grr) : csm_cell_na(),
                fits ? csm_cell_rate(x->nrr) : csm_cell_na(),
            };
            csm_table_row(gt, row);
        }
        if (r->current[2].base_logos < 0)
            csm_block_caption(gt, "The 12-month window does not fit in the "
                                  "loaded months.");
    }
}
