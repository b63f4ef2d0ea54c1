/* Builder of the health section: the band distribution over time, the
 * check of whether the score predicts churn, and the largest accounts at
 * risk in the report month with their owners. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/format.h"
#include "csmetrics/sort.h"
#include "csmetrics/xalloc.h"
#include "sections.h"

static void band_chart(csm_section *sec, const csm_build_ctx *ctx,
                       const csm_health *h, int first)
{
    int rm = ctx->m->report_month;
    size_t n = (size_t)(rm - first + 1);
    char **labels = csm_month_labels(ctx, first, n);
    double *y[4];
    bool any_unscored = false;
    for (int s = 0; s < 4; s++)
        y[s] = csm_xcalloc(n, sizeof *y[s]);
    for (size_t i = 0; i < n; i++) {
        const csm_health_month *hm = &h->months[first + (int)i];
        y[0][i] = (double)hm->red.logos;
        y[1][i] = (double)hm->yellow.logos;
        y[2][i] = (double)hm->green.logos;
        y[3][i] = (double)hm->unscored.logos;
        any_unscored = any_unscored || hm->unscored.logos > 0;
    }
    csm_block *c =
        csm_section_chart(sec, "Health bands over time", CSM_AXIS_COUNT);
    csm_chart_x(c, (const char *const *)labels, NULL, n);
    static const char *const names[4] = {"Red", "Yellow", "Green", "No score"};
    static const csm_cell_tone tones[4] = {CSM_TONE_RED, CSM_TONE_YELLOW,
                                           CSM_TONE_GREEN, CSM_TONE_MUTED};
    for (int s = 0; s < (any_unscored ? 4 : 3); s++) {
        csm_series *se =
            csm_chart_series(c, names[s], CSM_SERIES_STACKED, y[s], NULL);
        se->tone = tones[s];
    }
    c->u.chart.y_title = csm_xstrdup("Active customers by band");
    c->u.chart.y_from_zero = true;
    const csm_health_config *hc = &ctx->cfg->health;
    char g[CSM_FMT_BUFSZ], yl[CSM_FMT_BUFSZ];
    char *cap = csm_xasprintf(
        "Score 0-100 (weighted usage, support, NPS, payment, engagement; a "
        "supplied health_score wins). Green: %s %s or more, yellow: %s or "
        "more, red: below.",
        hc->lower_inclusive ? "score" : "score above",
        csm_format_number(hc->green_min, 0, 0, g),
        csm_format_number(hc->yellow_min, 0, 0, yl));
    if (!hc->lower_inclusive) {
        free(cap);
        cap = csm_xasprintf(
            "Score 0-100 (weighted usage, support, NPS, payment, engagement; "
            "a supplied health_score wins). Green: above %s, yellow: above "
            "%s, red: the rest.",
            csm_format_number(hc->green_min, 0, 0, g),
            csm_format_number(hc->yellow_min, 0, 0, yl));
    }
    csm_block_caption(c, cap);
    free(cap);
    csm_labels_free(labels, n);
    for (int s = 0; s < 4; s++)
        free(y[s]);
}

static void band_table(csm_section *sec, const csm_build_ctx *ctx,
                       const csm_health *h)
{
    int rm = ctx->m->report_month;
    const csm_health_month *hm = &h->months[rm];
    char mb[CSM_DATE_BUFSZ];
    char *title = csm_xasprintf("Bands in %s", csm_label_month(ctx, rm, mb));
    csm_block *t = csm_section_table(sec, title, "health_bands");
    free(title);
    csm_table_column(t, "band", "Band", CSM_CELL_TEXT, 0);
    csm_table_column(t, "customers", "Customers", CSM_CELL_INT, 0);
    csm_table_column(t, "share", "Share of customers", CSM_CELL_RATE, 0);
    csm_table_column(t, "mrr", "MRR", CSM_CELL_MONEY, 0);
    csm_table_column(t, "mrr_share", "Share of MRR", CSM_CELL_RATE, 0);
    const csm_health_tally *tl[4] = {&hm->green, &hm->yellow, &hm->red,
                                     &hm->unscored};
    static const char *const names[4] = {"Green", "Yellow", "Red", "No score"};
    static const csm_cell_tone tones[4] = {CSM_TONE_GREEN, CSM_TONE_YELLOW,
                                           CSM_TONE_RED, CSM_TONE_NONE};
    long logos = 0;
    int64_t mrr = 0;
    for (int i = 0; i < 4; i++) {
        logos += tl[i]->logos;
        mrr += tl[i]->mrr;
    }
    for (int i = 0; i < 4; i++) {
        if (i == 3 && tl[i]->logos == 0)
            continue;
        csm_cell row[5] = {
            csm_cell_tone_set(csm_cell_text(names[i]), tones[i]),
            csm_cell_int(tl[i]->logos),
            csm_cell_rate(csm_ratio_i64(tl[i]->logos, logos)),
            csm_cell_money(tl[i]->mrr),
            csm_cell_rate(csm_ratio_i64(tl[i]->mrr, mrr)),
        };
        csm_table_row(t, row);
    }
    csm_cell tot[5] = {
        csm_cell_text("Active customers"),
        csm_cell_with_formula(csm_cell_int(logos),
                              "SUM(health_bands.customers)"),
        csm_cell_rate(csm_ratio_i64(logos, logos)),
        csm_cell_with_formula(csm_cell_money(mrr), "SUM(health_bands.mrr)"),
        csm_cell_rate(csm_ratio_i64(mrr, mrr)),
    };
    csm_table_row(t, tot);
    t->u.table.total_rows = 1;
    if (hm->supplied > 0) {
        char *cap = csm_xasprintf("%ld of the scores were supplied in the "
                                  "data (health_score), %ld computed.",
                                  hm->supplied, hm->computed);
        csm_block_caption(t, cap);
        free(cap);
    }
}

static void check_blocks(csm_section *sec, const csm_build_ctx *ctx,
                         const csm_health *h)
{
    const csm_health_check *p = &h->pooled;
    char lv[CSM_FMT_BUFSZ], mb1[CSM_DATE_BUFSZ], mb2[CSM_DATE_BUFSZ];
    csm_level_text(ctx->cfg->ci_level, lv);
    char *title = csm_xasprintf("Does the score predict churn? Churn within "
                                "%d months by band",
                                h->check_horizon);
    csm_block *t = csm_section_table(sec, title, "health_check");
    free(title);
    char *clo = csm_xasprintf("%s CI low", lv);
    char *chi = csm_xasprintf("%s CI high", lv);
    csm_table_column(t, "band", "Band", CSM_CELL_TEXT, 0);
    csm_table_column(t, "n", "Customer-months", CSM_CELL_INT, 0);
    csm_table_column(t, "churned", "Churned", CSM_CELL_INT, 0);
    csm_table_column(t, "rate", "Churn rate", CSM_CELL_RATE, 0);
    csm_table_column(t, "lo", clo, CSM_CELL_RATE, 0);
    csm_table_column(t, "hi", chi, CSM_CELL_RATE, 0);
    free(clo);
    free(chi);
    const csm_prop_ci *band[5] = {&p->green, &p->yellow, &p->red, &p->unscored,
                                  &p->all_scored};
    static const char *const names[5] = {"Green", "Yellow", "Red", "No score",
                                         "All scored"};
    static const csm_cell_tone tones[5] = {CSM_TONE_GREEN, CSM_TONE_YELLOW,
                                           CSM_TONE_RED, CSM_TONE_NONE,
                                           CSM_TONE_STRONG};
    for (int i = 0; i < 5; i++) {
        if (i == 3 && band[i]->n == 0)
            continue;
        csm_cell row[6] = {
            csm_cell_tone_set(csm_cell_text(names[i]), tones[i]),
            csm_cell_int((int64_t)band[i]->n),
            csm_cell_int((int64_t)band[i]->x),
            csm_cell_prop(band[i]),
            csm_cell_prop_lo(band[i]),
            csm_cell_prop_hi(band[i]),
        };
        csm_table_row(t, row);
    }
    t->u.table.total_rows = 1;
    char *cap;
    if (h->n_checks > 0)
        cap = csm_xasprintf(
            "Customers active in each month from %s to %s (the months whose "
            "next %d months are loaded), pooled: churned = inactive in at "
            "least one of those months. A useful score has red churning "
            "clearly more than green, intervals apart.",
            csm_month_format(h->checks[0].month, mb1),
            csm_month_format(h->checks[h->n_checks - 1].month, mb2),
            h->check_horizon);
    else
        cap = csm_xasprintf("No month has its next %d months loaded yet: "
                            "the score cannot be checked.",
                            h->check_horizon);
    csm_block_caption(t, cap);
    free(cap);

    csm_block *nb = csm_section_notes(sec, "What the check says");
    char b1[CSM_FMT_BUFSZ], b2[CSM_FMT_BUFSZ], b3[CSM_FMT_BUFSZ],
        b4[CSM_FMT_BUFSZ];
    char *line;
    if (p->auc.defined)
        line = csm_xasprintf(
            "AUC %s (%s stayed, %s churned): a customer who stayed scored "
            "higher than one who churned %s of the time; 0.5 means the score "
            "tells nothing, 1.0 that it ranks perfectly.",
            csm_format_number(p->auc.auc, 2, 0, b1),
            csm_format_int((int64_t)p->auc.n_pos, 0, b3),
            csm_format_int((int64_t)p->auc.n_neg, 0, b4),
            csm_format_rate(p->auc.auc, 0, 0, b2));
    else
        line = csm_xstrdup("AUC not defined: nobody, or everybody, churned "
                           "in the checked months.");
    csm_notes_add(nb, line);
    free(line);
    char *pr = csm_prop_ci_text(&p->red_precision, "red");
    char *rc = csm_prop_ci_text(&p->red_recall, "churned");
    line = csm_xasprintf(
        "Red as a churn flag: precision %s (%s) - of the red, the share that "
        "churned; recall %s (%s) - of those who churned, the share that was "
        "red first.",
        p->red_precision.defined
            ? csm_format_rate(p->red_precision.estimate, 1, 0, b1)
            : CSM_FMT_NA,
        pr,
        p->red_recall.defined
            ? csm_format_rate(p->red_recall.estimate, 1, 0, b3)
            : CSM_FMT_NA,
        rc);
    csm_notes_add(nb, line);
    free(line);
    free(pr);
    free(rc);
}

typedef struct risky {
    size_t c;
    int64_t mrr;
} risky;

/* Largest MRR first; ties by customer index, which is id order (the
 * data set sorts customers by id). */
static int cmp_risky(const void *a, const void *b)
{
    const risky *x = a, *y = b;
    if (x->mrr != y->mrr)
        return x->mrr > y->mrr ? -1 : 1;
    return (x->c > y->c) - (x->c < y->c);
}

/* The largest accounts in an at-risk band in the report month. */
static void at_risk_table(csm_section *sec, const csm_build_ctx *ctx,
                          const csm_health *h, long top)
{
    const csm_dataset *ds = ctx->ds;
    const csm_health_config *hc = &ctx->cfg->health;
    int rm = ctx->m->report_month;
    risky *v = csm_xcalloc(ds->n_customers ? ds->n_customers : 1, sizeof *v);
    size_t n = 0;
    int64_t risk_mrr = 0, all_mrr = 0;
    for (size_t c = 0; c < ds->n_customers; c++) {
        if (!csm_ds_active(ds, rm, c))
            continue;
        all_mrr += csm_ds_mrr(ds, rm, c);
        int band = csm_health_band(h, rm, c);
        if (band == CSM_BAND_NONE || !(band & hc->at_risk_bands))
            continue;
        v[n++] = (risky){c, csm_ds_mrr(ds, rm, c)};
        risk_mrr += csm_ds_mrr(ds, rm, c);
    }
    csm_qsort(v, n, sizeof *v, cmp_risky);
    char mb[CSM_DATE_BUFSZ];
    char *title = csm_xasprintf("Largest accounts at risk, %s",
                                csm_label_month(ctx, rm, mb));
    csm_block *t = csm_section_table(sec, title, "health_at_risk");
    free(title);
    t->u.table.detail = true;
    csm_table_column(t, "customer", "Customer", CSM_CELL_TEXT, 0.8);
    csm_table_column(t, "name", "Name", CSM_CELL_TEXT, 2);
    csm_table_column(t, "owner", "Owner", CSM_CELL_TEXT, 1);
    csm_table_column(t, "segment", "Segment", CSM_CELL_TEXT, 0.8);
    csm_table_column(t, "mrr", "MRR", CSM_CELL_MONEY, 0);
    csm_table_column(t, "band", "Band", CSM_CELL_TEXT, 0);
    csm_table_column(t, "score", "Score", CSM_CELL_NUMBER, 0);
    csm_table_column(t, "weakest", "Weakest components", CSM_CELL_TEXT, 1.6);
    size_t shown = n < (size_t)top ? n : (size_t)top;
    for (size_t i = 0; i < shown; i++) {
        size_t c = v[i].c;
        int band = csm_health_band(h, rm, c);
        double score = 0;
        bool has = csm_health_score(h, rm, c, &score);
        csm_health_parts parts;
        csm_health_components(ds, hc, rm, c, &parts);
        csm_health_component wk[2];
        int nw = csm_health_weakest(&parts, 2, wk);
        char weak[128] = "";
        size_t used = 0;
        for (int k = 0; k < nw; k++) {
            char b[CSM_FMT_BUFSZ];
            int wr = snprintf(weak + used, sizeof weak - used, "%s%s %s",
                              k ? ", " : "", csm_health_component_name(wk[k]),
                              csm_format_number(parts.score[wk[k]], 0, 0, b));
            if (wr > 0 && (size_t)wr < sizeof weak - used)
                used += (size_t)wr;
        }
        if (nw == 0)
            snprintf(weak, sizeof weak, "%s",
                     csm_health_supplied(h, rm, c) ? "(score supplied)" : "");
        int32_t owner = csm_ds_attr(ds, rm, CSM_ATTR_OWNER, c);
        int32_t seg = csm_ds_attr(ds, rm, CSM_ATTR_SEGMENT, c);
        /* One decimal, unless rounding would show a score on the other
         * side of a band edge (69.96 is yellow, "70.0" would read green). */
        int dec = 1;
        if (has && csm_health_band_of(hc, round(score * 10.0) / 10.0) != band)
            dec = 2;
        csm_cell_tone tone = band == CSM_BAND_RED      ? CSM_TONE_RED
                             : band == CSM_BAND_YELLOW ? CSM_TONE_YELLOW
                                                       : CSM_TONE_GREEN;
        csm_cell row[8] = {
            csm_cell_text(csm_ds_customer_id(ds, c)),
            csm_cell_text(ds->names[c]),
            csm_cell_text(owner == CSM_NA ? "" : csm_ds_string(ds, owner)),
            csm_cell_text(seg == CSM_NA ? "" : csm_ds_string(ds, seg)),
            csm_cell_money(v[i].mrr),
            csm_cell_tone_set(csm_cell_text(csm_health_band_name(band)), tone),
            has ? csm_cell_number(score, dec) : csm_cell_na(),
            csm_cell_text(weak),
        };
        csm_table_row(t, row);
    }
    char b1[CSM_FMT_BUFSZ], b2[CSM_FMT_BUFSZ];
    char bands[32] = "";
    if (hc->at_risk_bands & CSM_BAND_RED)
        strcat(bands, "red");
    if (hc->at_risk_bands & CSM_BAND_YELLOW)
        strcat(bands, *bands ? " or yellow" : "yellow");
    if (hc->at_risk_bands & CSM_BAND_GREEN)
        strcat(bands, *bands ? " or green" : "green");
    char *cap = csm_xasprintf(
        "%zu active customers are %s, with %s %s of MRR (%s of all MRR); the "
        "%zu largest are listed. Weakest components: the two lowest "
        "component scores (0-100) behind the score.",
        n, bands, csm_format_money(risk_mrr, ds->decimals, 0, b1), ds->currency,
        csm_format_rate(csm_ratio_i64(risk_mrr, all_mrr).value, 1, 0, b2),
        shown);
    csm_block_caption(t, cap);
    free(cap);
    free(v);
}

void csm_build_health(csm_section *sec, const csm_def_section *def,
                      const csm_section_spec *spec, const csm_build_ctx *ctx)
{
    const csm_health *h = ctx->m->health;
    if (!h)
        return;
    if (h->scored_total == 0) {
        csm_block *nb = csm_section_notes(sec, NULL);
        csm_notes_add(nb, "No customer has a health score: the data has no "
                          "usage, support, NPS, payment or engagement "
                          "columns, and no health_score.");
        return;
    }
    int first =
        csm_first_month(ctx, csm_def_option_int(def, spec, "months"), 0);
    band_chart(sec, ctx, h, first);
    band_table(sec, ctx, h);
    check_blocks(sec, ctx, h);
    long top = csm_def_option_int(def, spec, "top");
    if (top > 0)
        at_risk_table(sec, ctx, h, top);
}
