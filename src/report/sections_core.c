/* Builders of the headline, MRR bridge and retention sections. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/format.h"
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
    return csm_ratio_value(12.0 *
                           (double)ctx->m->bridge->months[k].amount.closing);
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

/* Logo renewal rate of the month. */
static csm_ratio s_renewal(const csm_build_ctx *ctx, int k)
{
    const csm_renewal_stats *s =
        ctx->m->renewals ? csm_renewals_month(ctx->m->renewals, k) : NULL;
    return s ? s->logo_rate : csm_ratio_undefined();
}

/* Median TTFV as of month k: the run's fit for the report month; for an
 * earlier month the same estimator as of that month (the data after it
 * unseen), so the month-on-month change compares like with like. */
static csm_ratio s_ttfv(const csm_build_ctx *ctx, int k)
{
    if (!in_range(ctx, k) || k > ctx->m->report_month)
        return csm_ratio_undefined();
    if (k == ctx->m->report_month) {
        const csm_ttfv *t = ctx->m->ttfv;
        return t && t->overall.median.median.defined
                   ? csm_ratio_value(t->overall.median.median.value)
                   : csm_ratio_undefined();
    }
    csm_ttfv *t = NULL;
    csm_diags d = {0};
    csm_ratio r = csm_ratio_undefined();
    if (csm_ttfv_run(ctx->ds, ctx->cfg, k, &t, &d) == CSM_OK &&
        t->overall.median.median.defined)
        r = csm_ratio_value(t->overall.median.median.value);
    csm_ttfv_free(t);
    csm_diags_free(&d);
    return r;
}

/* Days are whole, or half at a survfit midpoint: no ".0" on whole days. */
static int days_dec(double v)
{
    return v == floor(v) ? 0 : 1;
}

/* CRC:CAC over the trailing 12 months. */
static csm_ratio s_crc_cac(const csm_build_ctx *ctx, int k)
{
    const csm_economics *e = ctx->m->economics;
    if (!e || k < 0 || k >= e->n_series || !e->series[2][k].fits)
        return csm_ratio_undefined();
    return e->series[2][k].crc_to_cac;
}

static csm_ratio s_referral(const csm_build_ctx *ctx, int k)
{
    const csm_referrals *r = ctx->m->referrals;
    if (!r || k < 0 || k >= r->n_months)
        return csm_ratio_undefined();
    return r->months[k].rate;
}

static csm_ratio s_quick12(const csm_build_ctx *ctx, int k)
{
    const csm_nrr_methods *q = ctx->m->nrr_methods;
    if (!q || k < 0 || k >= q->n_months || !q->quick[k].t12_fits)
        return csm_ratio_undefined();
    return q->quick[k].quick_ratio_t12;
}

void csm_build_headline(csm_section *sec, const csm_def_section *def,
                        const csm_section_spec *spec, const csm_build_ctx *ctx)
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
    int rm = ctx->m->report_month;
    char b1[CSM_FMT_BUFSZ], b2[CSM_FMT_BUFSZ], lv[CSM_FMT_BUFSZ];

    t = csm_tile_from_series(b, "Renewal rate (logos)", CSM_CELL_RATE,
                             s_renewal, ctx, true);
    const csm_renewal_stats *rs =
        ctx->m->renewals ? csm_renewals_month(ctx->m->renewals, rm) : NULL;
    if (rs && rs->logo_rate_ci.defined)
        t->note = csm_prop_ci_text(&rs->logo_rate_ci, "up for renewal");
    else if (rs && rs->pending_logos)
        t->note = csm_xasprintf("%ld of %ld outcomes pending (grace months)",
                                rs->pending_logos, rs->up_logos);
    else if (rs)
        t->note = csm_xstrdup("nobody up for renewal this month");

    t = csm_tile_from_series(b, "Median TTFV (days)", CSM_CELL_NUMBER, s_ttfv,
                             ctx, false);
    /* Days are whole, or half at a survfit midpoint. */
    const csm_ttfv *tv = ctx->m->ttfv;
    csm_cell *dc[3] = {&t->value, &t->previous, &t->year_ago};
    for (int i = 0; i < 3; i++)
        if (dc[i]->kind == CSM_CELL_NUMBER)
            dc[i]->decimals = days_dec(dc[i]->v.d);
    if (tv && tv->overall.n == 0) {
        t->note = csm_xstrdup("nobody to measure: no contract start with "
                              "activity up to this month");
    } else if (tv && !tv->overall.median.median.defined) {
        t->note = csm_xasprintf("not reached: fewer than half have reached "
                                "first value, n = %zu",
                                tv->overall.n);
    } else if (tv) {
        const csm_km_median *md = &tv->overall.median;
        csm_level_text(tv->level, lv);
        /* "28-41 days"; an upper limit the band never reaches is said in
         * words, not glued to the unit. */
        const char *lo =
            md->lower.defined
                ? csm_format_number(md->lower.value, days_dec(md->lower.value),
                                    0, b1)
                : CSM_FMT_NA;
        if (md->upper.defined)
            t->note = csm_xasprintf(
                "%s CI %s\xE2\x80\x93%s days, n = %zu", lv, lo,
                csm_format_number(md->upper.value, days_dec(md->upper.value), 0,
                                  b2),
                tv->overall.n);
        else
            t->note = csm_xasprintf("%s CI from %s days, upper limit not "
                                    "reached, n = %zu",
                                    lv, lo, tv->overall.n);
    }

    t = csm_tile_from_series(b, "CRC:CAC (12 months)", CSM_CELL_NUMBER,
                             s_crc_cac, ctx, false);
    t->value.decimals = t->previous.decimals = t->year_ago.decimals = 2;
    const csm_economics *e = ctx->m->economics;
    if (e && e->series[2][rm].fits) {
        const csm_ue_window *w = &e->series[2][rm];
        if (w->crc_to_cac.defined) {
            t->note = csm_xasprintf(
                "CRC %s / CAC %s",
                csm_format_money(w->crc.value, ctx->ds->decimals, 0, b1),
                csm_format_money(w->cac.value, ctx->ds->decimals, 0, b2));
        } else {
            char why[160];
            t->note = csm_xstrdup(csm_ue_reason_text(
                w, w->why[CSM_UE_CRC_TO_CAC], why, sizeof why));
        }
    } else {
        t->note = csm_xstrdup("12 months of data are not loaded yet");
    }

    t = csm_tile_from_series(b, "Referral rate (12 months)", CSM_CELL_RATE,
                             s_referral, ctx, true);
    const csm_referrals *rf = ctx->m->referrals;
    if (rf && !rf->has_referrals)
        t->note = csm_xstrdup("no referrals.csv given");
    else if (rf && rm < rf->n_months)
        t->note = csm_prop_ci_text(&rf->months[rm].rate_ci, "active");

    t = csm_tile_from_series(b, "Quick ratio (12 months)", CSM_CELL_NUMBER,
                             s_quick12, ctx, true);
    const csm_nrr_methods *q = ctx->m->nrr_methods;
    if (q && q->quick[rm].t12_fits)
        t->note = csm_xasprintf(
            "gains %s / losses %s",
            csm_format_money(q->quick[rm].gains_t12, ctx->ds->decimals,
                             CSM_FMT_COMPACT, b1),
            csm_format_money(q->quick[rm].losses_t12, ctx->ds->decimals,
                             CSM_FMT_COMPACT, b2));

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
    csm_block *c = csm_section_chart(sec, "Monthly movements", CSM_AXIS_MONEY);
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
    csm_block_caption(c, "New, reactivation and expansion above the axis; "
                         "contraction and churn below it.");

    /* The table: every month shown, each closing a live formula of its
     * row, so a spreadsheet proves the identity month by month.  Amounts
     * and customer counts are two tables: twelve columns of money do not
     * fit a portrait page without cutting figures. */
    csm_block *t = csm_section_table(sec, "Bridge by month", "bridge");
    static const char *const cols[][2] = {{"month", "Month"},
                                          {"opening", "Opening"},
                                          {"new", "New"},
                                          {"reactivation", "Reactivation"},
                                          {"expansion", "Expansion"},
                                          {"contraction", "Contraction"},
                                          {"churn", "Churn"},
                                          {"fx", "FX"},
                                          {"closing", "Closing"}};
    for (size_t k = 0; k < sizeof cols / sizeof *cols; k++)
        csm_table_column(t, cols[k][0], cols[k][1],
                         k == 0 ? CSM_CELL_TEXT : CSM_CELL_MONEY, 0);
    for (int k = first; k <= rm; k++) {
        const csm_bridge_month *x = &br->months[k];
        csm_label_month(ctx, k, mb);
        char *f = csm_xasprintf(
            "bridge.opening[%s] + bridge.new[%s] + bridge.reactivation[%s] + "
            "bridge.expansion[%s] - bridge.contraction[%s] - bridge.churn[%s] "
            "+ bridge.fx[%s]",
            mb, mb, mb, mb, mb, mb, mb);
        csm_cell row[9] = {
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
        };
        free(f);
        csm_table_row(t, row);
    }
    char *cap = csm_xasprintf(
        "Amounts in %s. Contraction and churn are shown as positive amounts "
        "and subtracted; closing = opening + new + reactivation + expansion "
        "- contraction - churn + fx, and equals the month's snapshot total.",
        ctx->ds->currency);
    csm_block_caption(t, cap);
    free(cap);

    csm_block *lt =
        csm_section_table(sec, "Customers by month", "bridge_logos");
    static const char *const lcols[][2] = {{"month", "Month"},
                                           {"opening", "Opening"},
                                           {"new", "New"},
                                           {"reactivation", "Reactivated"},
                                           {"expansion", "Expanded"},
                                           {"contraction", "Contracted"},
                                           {"churn", "Churned"},
                                           {"closing", "Closing"}};
    for (size_t k = 0; k < sizeof lcols / sizeof *lcols; k++)
        csm_table_column(lt, lcols[k][0], lcols[k][1],
                         k == 0 ? CSM_CELL_TEXT : CSM_CELL_INT, 0);
    for (int k = first; k <= rm; k++) {
        const csm_bridge_month *x = &br->months[k];
        csm_label_month(ctx, k, mb);
        char *f = csm_xasprintf(
            "bridge_logos.opening[%s] + bridge_logos.new[%s] + "
            "bridge_logos.reactivation[%s] - bridge_logos.churn[%s]",
            mb, mb, mb, mb);
        csm_cell row[8] = {
            csm_cell_text(mb),
            csm_cell_int(x->logos.opening),
            csm_cell_int(x->logos.new_),
            csm_cell_int(x->logos.reactivation),
            csm_cell_int(x->logos.expansion),
            csm_cell_int(x->logos.contraction),
            csm_cell_int(x->logos.churn),
            csm_cell_tone_set(
                csm_cell_with_formula(csm_cell_int(x->logos.closing), f),
                CSM_TONE_STRONG),
        };
        free(f);
        csm_table_row(lt, row);
    }
    csm_block_caption(lt, "Customers in each movement; closing = opening + "
                          "new + reactivated - churned (expanded and "
                          "contracted customers stay).");
    for (size_t i = 0; i < n; i++)
        free(labels[i]);
    free(labels);
    for (int s = 0; s < 5; s++)
        free(ys[s]);
}

/* The trend fits behind the verdicts, as numbers. */
static void retention_trends(csm_section *sec, const csm_build_ctx *ctx)
{
    const csm_trends *tr = ctx->m->trends;
    if (!tr)
        return;
    char lv[CSM_FMT_BUFSZ];
    csm_level_text(tr->level, lv);
    csm_block *t = csm_section_table(sec, "Trends of the 12-month figures",
                                     "retention_trends");
    char *lo = csm_xasprintf("Slope %s CI low", lv);
    char *hi = csm_xasprintf("Slope %s CI high", lv);
    csm_table_column(t, "series", "Series", CSM_CELL_TEXT, 0);
    csm_table_column(t, "verdict", "Verdict", CSM_CELL_TEXT, 0);
    csm_table_column(t, "slope", "Slope per month", CSM_CELL_POINTS, 0);
    csm_table_column(t, "lo", lo, CSM_CELL_POINTS, 0);
    csm_table_column(t, "hi", hi, CSM_CELL_POINTS, 0);
    csm_table_column(t, "p_value", "p-value", CSM_CELL_NUMBER, 0);
    csm_table_column(t, "points", "Points", CSM_CELL_INT, 0);
    csm_table_column(t, "from", "From", CSM_CELL_TEXT, 0);
    csm_table_column(t, "to", "To", CSM_CELL_TEXT, 0);
    free(lo);
    free(hi);
    static const csm_trend_series ts[3] = {CSM_TREND_NRR, CSM_TREND_GRR,
                                           CSM_TREND_LOGO_RETENTION};
    static const char *const names[3] = {"NRR", "GRR", "Logo retention"};
    char b1[CSM_DATE_BUFSZ], b2[CSM_DATE_BUFSZ];
    for (int s = 0; s < 3; s++) {
        const csm_series_trend *x = &tr->series[ts[s]];
        const csm_trend *f = &x->fit;
        csm_cell_tone tone = !f->defined ? CSM_TONE_MUTED
                             : f->verdict == CSM_TREND_IMPROVING ? CSM_TONE_GOOD
                             : f->verdict == CSM_TREND_DECLINING
                                 ? CSM_TONE_BAD
                                 : CSM_TONE_NONE;
        csm_cell row[9] = {
            csm_cell_text(names[s]),
            csm_cell_tone_set(
                csm_cell_text(f->defined ? csm_trend_verdict_name(f->verdict)
                                         : "too few points"),
                tone),
            f->defined ? csm_cell_points(csm_ratio_value(f->slope))
                       : csm_cell_na(),
            f->defined ? csm_cell_points(csm_ratio_value(f->slope_lo))
                       : csm_cell_na(),
            f->defined ? csm_cell_points(csm_ratio_value(f->slope_hi))
                       : csm_cell_na(),
            f->p_value.defined ? csm_cell_number(f->p_value.value, 3)
                               : csm_cell_na(),
            csm_cell_int((int64_t)x->n),
            x->n ? csm_cell_text(csm_month_format(x->points[0].period, b1))
                 : csm_cell_na(),
            x->n ? csm_cell_text(
                       csm_month_format(x->points[x->n - 1].period, b2))
                 : csm_cell_na(),
        };
        for (int k = 2; k <= 4; k++)
            if (row[k].kind == CSM_CELL_POINTS)
                row[k].decimals = 2;
        csm_table_row(t, row);
    }
    char *cap = csm_xasprintf(
        "Least-squares line through the last %zu defined monthly points "
        "(trend_points); the verdict is flat when the slope's %s interval "
        "(t distribution) contains zero. Consecutive 12-month windows "
        "overlap, so read a verdict as the direction of the figure, not a "
        "forecast.",
        tr->max_points, lv);
    csm_block_caption(t, cap);
    free(cap);
}

/* The NRR methods side by side, and the four parts of their
 * difference (docs/metrics/retention_methods.md). */
static void nrr_methods_tables(csm_section *sec, const csm_build_ctx *ctx)
{
    const csm_nrr_methods *nm = ctx->m->nrr_methods;
    if (!nm)
        return;
    static const char *const wn[3] = {"1 month", "3 months", "12 months"};
    char mb[CSM_DATE_BUFSZ];
    csm_block *t = csm_section_table(sec, "NRR by method", "nrr_methods");
    csm_table_column(t, "window", "Window", CSM_CELL_TEXT, 0);
    csm_table_column(t, "from", "From", CSM_CELL_TEXT, 0);
    csm_table_column(t, "p2p", "Point to point", CSM_CELL_RATE, 0);
    csm_table_column(t, "movement", "Movement sum", CSM_CELL_RATE, 0);
    csm_table_column(t, "average", "Monthly average", CSM_CELL_RATE, 0);
    csm_table_column(t, "difference", "Movement sum - point to point",
                     CSM_CELL_POINTS, 0);
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++) {
        const csm_nrr_window *x = &nm->window[w];
        csm_cell row[6] = {
            csm_cell_text(wn[w]),
            x->fits ? csm_cell_text(csm_month_format(x->from, mb))
                    : csm_cell_na(),
            x->fits ? csm_cell_rate(x->p2p_nrr) : csm_cell_na(),
            x->fits ? csm_cell_rate(x->movement_nrr) : csm_cell_na(),
            x->fits ? csm_cell_rate(x->monthly_average_nrr) : csm_cell_na(),
            x->fits ? csm_cell_points(x->difference) : csm_cell_na(),
        };
        if (row[5].kind == CSM_CELL_POINTS)
            row[5].decimals = 2;
        csm_table_row(t, row);
    }
    csm_block_caption(
        t, "Point to point (the headline): the base's MRR at the end over "
           "its MRR at the start. Movement sum (what billing tools publish): "
           "the start plus the window's expansion, reactivation, contraction "
           "and churn, over the start. Monthly average: the months' retained "
           "MRR over their openings.");

    csm_block *d =
        csm_section_table(sec, "Why the methods differ", "nrr_difference");
    csm_table_column(d, "window", "Window", CSM_CELL_TEXT, 0);
    csm_table_column(d, "fx", "FX", CSM_CELL_POINTS, 0);
    csm_table_column(d, "churned_and_returned", "Churned and returned",
                     CSM_CELL_POINTS, 0);
    csm_table_column(d, "returned_from_before", "Returned from before",
                     CSM_CELL_POINTS, 0);
    csm_table_column(d, "won_in_window", "Won in the window", CSM_CELL_POINTS,
                     0);
    csm_table_column(d, "total", "Total difference", CSM_CELL_POINTS, 0);
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++) {
        const csm_nrr_window *x = &nm->window[w];
        const csm_nrr_components *k = &x->components;
        csm_cell row[6] = {
            csm_cell_text(wn[w]),
            x->fits ? csm_cell_points(k->fx) : csm_cell_na(),
            x->fits ? csm_cell_points(k->churned_and_returned) : csm_cell_na(),
            x->fits ? csm_cell_points(k->returned_from_before) : csm_cell_na(),
            x->fits ? csm_cell_points(k->won_in_window) : csm_cell_na(),
            x->fits ? csm_cell_tone_set(csm_cell_points(x->difference),
                                        CSM_TONE_STRONG)
                    : csm_cell_na(),
        };
        for (int c = 1; c < 6; c++)
            if (row[c].kind == CSM_CELL_POINTS)
                row[c].decimals = 2;
        csm_table_row(d, row);
    }
    csm_block_caption(
        d, "The four parts add up to the difference exactly. FX: the "
           "movement sum is at constant currency. Churned and returned: base "
           "customers who left and came back as new business. Returned from "
           "before: customers inactive at the start who came back. Won in "
           "the window: what customers won inside it gained or lost after "
           "joining.");
}

/* The quick ratio over the trailing 12 months, month by month. */
static void quick_ratio_chart(csm_section *sec, const csm_build_ctx *ctx,
                              int first)
{
    const csm_nrr_methods *nm = ctx->m->nrr_methods;
    if (!nm)
        return;
    int rm = ctx->m->report_month;
    size_t n = (size_t)(rm - first + 1);
    char **labels = csm_month_labels(ctx, first, n);
    double *y = csm_xcalloc(n, sizeof *y);
    bool *d = csm_xcalloc(n, sizeof *d);
    for (size_t i = 0; i < n; i++) {
        const csm_quick_ratio_month *q = &nm->quick[first + (int)i];
        d[i] = q->t12_fits && q->quick_ratio_t12.defined;
        y[i] = d[i] ? q->quick_ratio_t12.value : 0;
    }
    csm_block *c = csm_section_chart(sec, "Quick ratio, trailing 12 months",
                                     CSM_AXIS_NUMBER);
    csm_chart_x(c, (const char *const *)labels, NULL, n);
    csm_chart_series(c, "Quick ratio (12 months)", CSM_SERIES_LINE, y, d);
    c->u.chart.y_title = csm_xstrdup("Gains per unit of losses");
    c->u.chart.y_from_zero = true;
    const csm_quick_ratio_month *q = &nm->quick[rm];
    char b1[CSM_FMT_BUFSZ], b2[CSM_FMT_BUFSZ], b3[CSM_FMT_BUFSZ];
    char *cap = csm_xasprintf(
        "Quick ratio = (new + reactivation + expansion) / (contraction + "
        "churn) over the 12 bridge months to each month; above 1 the base "
        "grows faster than it leaks. Now %s: gains %s, losses %s (%s).",
        q->t12_fits ? csm_format_number(q->quick_ratio_t12.value, 1, 0, b1)
                    : CSM_FMT_NA,
        csm_format_money(q->gains_t12, ctx->ds->decimals, 0, b2),
        csm_format_money(q->losses_t12, ctx->ds->decimals, 0, b3),
        ctx->ds->currency);
    if (!q->t12_fits || !q->quick_ratio_t12.defined) {
        free(cap);
        cap = csm_xstrdup("Quick ratio = (new + reactivation + expansion) / "
                          "(contraction + churn) over 12 bridge months; not "
                          "defined yet for the report month (fewer than 12 "
                          "bridge months, or no losses).");
    }
    csm_block_caption(c, cap);
    free(cap);
    csm_labels_free(labels, n);
    free(y);
    free(d);

    /* The last 13 months in figures: each month's own ratio (volatile: a
     * month with little churn gives a large one) beside the 12 months'. */
    csm_block *t =
        csm_section_table(sec, "Quick ratio by month", "quick_ratio");
    csm_table_column(t, "month", "Month", CSM_CELL_TEXT, 0);
    csm_table_column(t, "gains", "Gains", CSM_CELL_MONEY, 0);
    csm_table_column(t, "losses", "Losses", CSM_CELL_MONEY, 0);
    csm_table_column(t, "quick_ratio", "Quick ratio", CSM_CELL_NUMBER, 0);
    csm_table_column(t, "gains_t12", "Gains, 12 months", CSM_CELL_MONEY, 0);
    csm_table_column(t, "losses_t12", "Losses, 12 months", CSM_CELL_MONEY, 0);
    csm_table_column(t, "quick_ratio_t12", "Quick ratio, 12 months",
                     CSM_CELL_NUMBER, 0);
    char mb[CSM_DATE_BUFSZ];
    for (int k = csm_first_month(ctx, 13, 0); k <= rm; k++) {
        const csm_quick_ratio_month *x = &nm->quick[k];
        bool mv = !x->opening_balance;
        csm_cell row[7] = {
            csm_cell_text(csm_label_month(ctx, k, mb)),
            mv ? csm_cell_money(x->gains) : csm_cell_na(),
            mv ? csm_cell_money(x->losses) : csm_cell_na(),
            mv ? csm_cell_number_ratio(x->quick_ratio, 1) : csm_cell_na(),
            x->t12_fits ? csm_cell_money(x->gains_t12) : csm_cell_na(),
            x->t12_fits ? csm_cell_money(x->losses_t12) : csm_cell_na(),
            x->t12_fits ? csm_cell_number_ratio(x->quick_ratio_t12, 1)
                        : csm_cell_na(),
        };
        csm_table_row(t, row);
    }
    csm_block_caption(t, "Gains = new + reactivation + expansion; losses = "
                         "contraction + churn. n/a: no losses (the ratio "
                         "is unbounded), or fewer than 12 bridge months.");
}

void csm_build_retention(csm_section *sec, const csm_def_section *def,
                         const csm_section_spec *spec, const csm_build_ctx *ctx)
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
    csm_block *c =
        csm_section_chart(sec, "Trailing 12-month retention", CSM_AXIS_RATE);
    csm_chart_x(c, (const char *const *)labels, NULL, n);
    static const char *const names[3] = {"NRR", "GRR", "Logo retention"};
    for (int s = 0; s < 3; s++)
        csm_chart_series(c, names[s], CSM_SERIES_LINE, y[s], d[s]);
    /* The verdicts in the caption: what a reader takes from the lines. */
    {
        const csm_trends *tr = ctx->m->trends;
        static const csm_trend_series ts[3] = {CSM_TREND_NRR, CSM_TREND_GRR,
                                               CSM_TREND_LOGO_RETENTION};
        char *v[3] = {NULL, NULL, NULL};
        for (int s = 0; s < 3 && tr; s++)
            v[s] = csm_trend_text(&tr->series[ts[s]]);
        char *cap = csm_xasprintf(
            "Point-to-point: customers active 12 months earlier, measured "
            "now; customers won since never enter. Trends (least squares "
            "over the last points): NRR %s; GRR %s; logo retention %s.",
            v[0] ? v[0] : "n/a", v[1] ? v[1] : "n/a", v[2] ? v[2] : "n/a");
        csm_block_caption(c, cap);
        free(cap);
        for (int s = 0; s < 3; s++)
            free(v[s]);
    }
    for (size_t i = 0; i < n; i++)
        free(labels[i]);
    free(labels);
    for (int s = 0; s < 3; s++) {
        free(y[s]);
        free(d[s]);
    }

    csm_block *t = csm_section_table(sec,
                                     "Retention windows to the report "
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
            fits ? csm_cell_text(csm_month_format(x->from, mb)) : csm_cell_na(),
            fits ? csm_cell_int(x->base_logos) : csm_cell_na(),
            fits ? csm_cell_int(x->retained_logos) : csm_cell_na(),
            fits ? csm_cell_money(x->base_mrr) : csm_cell_na(),
            fits ? csm_cell_rate(x->logo_retention) : csm_cell_na(),
            fits ? csm_cell_rate(x->grr) : csm_cell_na(),
            fits ? csm_cell_rate(x->nrr) : csm_cell_na(),
        };
        csm_table_row(t, row);
    }

    retention_trends(sec, ctx);
    nrr_methods_tables(sec, ctx);
    quick_ratio_chart(sec, ctx, first);

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
        static const char *const gname[CSM_GROUP_KINDS] = {"Segment", "Plan",
                                                           "Signup quarter"};
        csm_table_column(gt, "group", gname[g], CSM_CELL_TEXT, 0);
        csm_table_column(gt, "base_logos", "Base customers", CSM_CELL_INT, 0);
        csm_table_column(gt, "base_mrr", "Base MRR", CSM_CELL_MONEY, 0);
        csm_table_column(gt, "logo_retention", "Logo retention", CSM_CELL_RATE,
                         0);
        csm_table_column(gt, "grr", "GRR", CSM_CELL_RATE, 0);
        csm_table_column(gt, "nrr", "NRR", CSM_CELL_RATE, 0);
        size_t empty = 0;
        for (size_t i = 0; i < r->n_groups[g]; i++) {
            const csm_retention_group *grp = &r->groups[g][i];
            const csm_retention *x = &grp->window[2];
            bool fits = x->base_logos >= 0;
            /* A group nobody of the base belongs to (a signup quarter
             * after the window's start) has nothing to show. */
            if (fits && x->base_logos == 0) {
                empty++;
                continue;
            }
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
        if (r->current[2].base_logos < 0) {
            csm_block_caption(gt, "The 12-month window does not fit in the "
                                  "loaded months.");
        } else if (empty) {
            char *cap = csm_xasprintf(
                "%zu %s without customers in the base (active 12 months "
                "before the report month) %s left out.",
                empty, g == CSM_GROUP_COHORT ? "signup quarters" : "groups",
                empty == 1 ? "is" : "are");
            csm_block_caption(gt, cap);
            free(cap);
        }
    }
}
