/* Builders of the at-risk pack: the customers flagged red or yellow in a
 * flag month F, followed month by month for k months (at_risk.h,
 * docs/metrics/at_risk.md).
 *
 * Every figure comes from ctx->m->at_risk; these builders pick, order and
 * label, and compute nothing but the sums of member rows that the tables'
 * own formulas restate.  Months after the last loaded month are "not yet
 * observed": their cells are n/a, never zero, and the text says so. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/format.h"
#include "csmetrics/sort.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/xalloc.h"
#include "sections.h"

#define NOT_OBSERVED "not yet observed"

/* ------------------------------------------------------------ helpers */

/* The result, or NULL after adding a note that it is missing. */
static const csm_at_risk *result(csm_section *sec, const csm_build_ctx *ctx)
{
    if (ctx->m->at_risk)
        return ctx->m->at_risk;
    csm_notes_add(csm_section_notes(sec, NULL),
                  "The at-risk cohort was not computed in this run.");
    return NULL;
}

static char *month_text(csm_month m, char *buf)
{
    return csm_month_format(m, buf);
}

/* "red or yellow" from the band flags of the cohort. */
static void band_words(int bands, csm_strbuf *b)
{
    const char *names[3];
    int n = 0;
    if (bands & CSM_BAND_RED)
        names[n++] = "red";
    if (bands & CSM_BAND_YELLOW)
        names[n++] = "yellow";
    if (bands & CSM_BAND_GREEN)
        names[n++] = "green";
    for (int i = 0; i < n; i++)
        csm_strbuf_printf(b, "%s%s",
                          i == 0       ? ""
                          : i + 1 == n ? " or "
                                       : ", ",
                          names[i]);
}

static double scale_of(const csm_build_ctx *ctx)
{
    double s = 1.0;
    for (int d = 0; d < ctx->ds->decimals; d++)
        s *= 10.0;
    return s;
}

/* Major units for a chart axis (charts carry doubles). */
static double major(const csm_build_ctx *ctx, int64_t minor)
{
    return (double)minor / scale_of(ctx);
}

static const char *state_text(uint8_t st)
{
    if (st == CSM_AR_NOT_OBSERVED)
        return NOT_OBSERVED;
    if (st == CSM_AR_UNSCORED)
        return "no score"; /* as the tables and the chart legend say */
    return csm_at_risk_state_name((csm_at_risk_state)st);
}

static csm_cell_tone state_tone(uint8_t st)
{
    switch (st) {
    case CSM_AR_CHURNED:
        return CSM_TONE_BAD;
    case CSM_AR_RED:
        return CSM_TONE_RED;
    case CSM_AR_YELLOW:
        return CSM_TONE_YELLOW;
    case CSM_AR_GREEN:
        return CSM_TONE_GREEN;
    default:
        return CSM_TONE_MUTED; /* unscored, not yet observed */
    }
}

static csm_cell_tone band_tone(int band)
{
    switch (band & (CSM_BAND_RED | CSM_BAND_YELLOW | CSM_BAND_GREEN)) {
    case CSM_BAND_RED:
        return CSM_TONE_RED;
    case CSM_BAND_YELLOW:
        return CSM_TONE_YELLOW;
    case CSM_BAND_GREEN:
        return CSM_TONE_GREEN;
    default:
        return CSM_TONE_MUTED;
    }
}

/* Outcomes as people read them ("still at risk", not "still_at_risk"). */
static const char *const outcome_text[CSM_AR_OUTCOMES] = {
    "churned", "contracted", "recovered", "still at risk"};

static csm_cell outcome_cell(csm_at_risk_outcome o)
{
    if (o < 0 || o >= CSM_AR_OUTCOMES)
        return csm_cell_tone_set(csm_cell_text(NOT_OBSERVED), CSM_TONE_MUTED);
    csm_cell c = csm_cell_text(outcome_text[o]);
    if (o == CSM_AR_OUT_CHURNED)
        return csm_cell_tone_set(c, CSM_TONE_BAD);
    if (o == CSM_AR_OUT_RECOVERED)
        return csm_cell_tone_set(c, CSM_TONE_GOOD);
    return c;
}

static csm_cell muted_text(const char *s)
{
    return csm_cell_tone_set(csm_cell_text(s), CSM_TONE_MUTED);
}

/* A proportion as a rate cell (n/a when n = 0). */
static csm_cell prop_cell(const csm_prop_ci *p)
{
    return p->defined ? csm_cell_rate(csm_ratio_value(p->estimate))
                      : csm_cell_na();
}

static csm_cell prop_lo(const csm_prop_ci *p)
{
    return p->defined ? csm_cell_rate(csm_ratio_value(p->lo)) : csm_cell_na();
}

static csm_cell prop_hi(const csm_prop_ci *p)
{
    return p->defined ? csm_cell_rate(csm_ratio_value(p->hi)) : csm_cell_na();
}

/* "95% CI 30.0-90.3%, n = 6" (or "n = 0" alone). */
static void ci_text(csm_strbuf *b, const csm_prop_ci *p, double level)
{
    char lo[CSM_FMT_BUFSZ], hi[CSM_FMT_BUFSZ], lv[CSM_FMT_BUFSZ];
    if (!p->defined) {
        csm_strbuf_printf(b, "n = %zu", p->n);
        return;
    }
    csm_format_number(level * 100.0,
                      fabs(level * 100.0 - round(level * 100.0)) < 1e-9 ? 0 : 1,
                      0, lv);
    csm_format_rate(p->lo, 1, 0, lo);
    csm_format_rate(p->hi, 1, 0, hi);
    /* "30.0%" -> "30.0" before the dash: one percent sign per range. */
    size_t n = strlen(lo);
    if (n && lo[n - 1] == '%')
        lo[n - 1] = '\0';
    csm_strbuf_printf(b, "%s%% CI %s\xE2\x80\x93%s, n = %zu", lv, lo, hi, p->n);
}

/* A tile without history: the figure and a note, no change lines (the
 * history cells are left empty so a spreadsheet shows blanks, not n/a). */
static csm_tile *tile(csm_block *b, const char *label, csm_cell value,
                      bool higher_is_better, csm_strbuf *note)
{
    csm_tile *t = csm_block_tile(b, label);
    t->value = value;
    t->previous = t->year_ago = t->mom = t->yoy = csm_cell_empty();
    t->higher_is_better = higher_is_better;
    if (note && note->len)
        t->note = csm_xstrdup(csm_strbuf_str(note));
    if (note)
        csm_strbuf_free(note);
    return t;
}

/* "F+3" for offset 3, "F" for 0. */
static void offset_text(int j, char *buf, size_t n)
{
    if (j == 0)
        snprintf(buf, n, "F");
    else
        snprintf(buf, n, "F+%d", j);
}

/* x labels F..F+k as months, new strings. */
static char **month_labels(const csm_at_risk *r)
{
    char **l = csm_xcalloc((size_t)r->follow + 1, sizeof *l);
    char mb[CSM_DATE_BUFSZ];
    for (int j = 0; j <= r->follow; j++)
        l[j] = csm_xstrdup(month_text(r->summary.flag_month + j, mb));
    return l;
}

static void free_labels(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

char *csm_at_risk_subtitle(const csm_build_ctx *ctx)
{
    const csm_at_risk *r = ctx->m->at_risk;
    if (!r)
        return NULL;
    const csm_at_risk_summary *s = &r->summary;
    char f[CSM_FMT_BUFSZ], e[CSM_FMT_BUFSZ];
    csm_format_month_name(s->flag_month, f);
    csm_format_month_name(s->as_of, e);
    if (s->observed == 0)
        return csm_xasprintf("Flagged %s \xC2\xB7 no month observed yet", f);
    if (s->complete)
        return csm_xasprintf("Flagged %s \xC2\xB7 followed %d months to %s", f,
                             r->follow, e);
    return csm_xasprintf("Flagged %s \xC2\xB7 %d of %d months observed (to %s)",
                         f, s->observed, r->follow, e);
}

/* One sentence on how far the follow-up goes. */
static void coverage(csm_strbuf *b, const csm_at_risk *r)
{
    const csm_at_risk_summary *s = &r->summary;
    char f[CSM_DATE_BUFSZ], e[CSM_DATE_BUFSZ], l[CSM_DATE_BUFSZ];
    month_text(s->flag_month, f);
    month_text(s->as_of, e);
    month_text(s->flag_month + r->follow, l);
    if (s->observed == 0)
        csm_strbuf_printf(b,
                          "No month after %s is loaded yet: outcomes, save "
                          "rate and MRR lost are not known (n/a).",
                          f);
    else if (!s->complete)
        csm_strbuf_printf(b,
                          "Partly observed: %d of %d months after %s are "
                          "loaded (to %s). Outcomes are taken at %s and will "
                          "change as months arrive; the months to %s are "
                          "shown as not yet observed.",
                          s->observed, r->follow, f, e, e, l);
    else
        csm_strbuf_printf(b,
                          "Followed %d months, %s to %s, every month "
                          "observed; outcomes are taken at %s.",
                          r->follow, f, e, e);
}

/* ------------------------------------------------------------ summary */

void csm_build_at_risk_summary(csm_section *sec, const csm_def_section *def,
                               const csm_section_spec *spec,
                               const csm_build_ctx *ctx)
{
    (void)def;
    (void)spec;
    const csm_at_risk *r = result(sec, ctx);
    if (!r)
        return;
    const csm_at_risk_summary *s = &r->summary;
    double level = ctx->cfg->ci_level;
    int dec = ctx->ds->decimals;
    bool obs = s->observed > 0;
    char fb[CSM_DATE_BUFSZ], eb[CSM_DATE_BUFSZ], nb[CSM_DATE_BUFSZ];
    char v1[CSM_FMT_BUFSZ], v2[CSM_FMT_BUFSZ], v3[CSM_FMT_BUFSZ];
    month_text(s->flag_month, fb);
    month_text(s->as_of, eb);
    month_text(s->flag_month + 1, nb);

    csm_strbuf n = {0};
    /* A follow-up that is not complete is said first: every figure below
     * is provisional. */
    if (!s->complete && s->logos > 0) {
        csm_block *nt = csm_section_notes(
            sec, s->observed ? "Partly observed" : "Not observed yet");
        coverage(&n, r);
        csm_notes_add(nt, csm_strbuf_str(&n));
        csm_strbuf_free(&n);
    }
    csm_block *b = csm_section_tiles(sec, NULL);
    const struct {
        int band;
        const char *name;
        long count;
    } by_band[3] = {{CSM_BAND_RED, "red", s->red},
                    {CSM_BAND_YELLOW, "yellow", s->yellow},
                    {CSM_BAND_GREEN, "green", s->green}};
    for (int i = 0; i < 3; i++)
        if (r->bands & by_band[i].band)
            csm_strbuf_printf(&n, "%s%s %ld", n.len ? ", " : "",
                              by_band[i].name, by_band[i].count);
    csm_strbuf_printf(&n, "; of %ld active in %s (%ld without a score)",
                      s->active, fb, s->unscored);
    tile(b, "Flagged customers", csm_cell_int(s->logos), false, &n);

    csm_strbuf_printf(&n, "MRR in %s of the flagged customers", fb);
    tile(b, "MRR at risk", csm_cell_money(s->mrr_at_risk), false, &n);

    if (obs && s->mrr_lost_share.defined) {
        csm_format_rate(s->mrr_lost_share.value, 1, 0, v1);
        csm_strbuf_printf(
            &n,
            "%s of MRR at risk, by %s: churned %s, "
            "contraction %s",
            v1, eb,
            csm_format_money(s->outcome_mrr[CSM_AR_OUT_CHURNED], dec, 0, v2),
            csm_format_money(s->mrr_lost - s->outcome_mrr[CSM_AR_OUT_CHURNED],
                             dec, 0, v3));
    } else {
        csm_strbuf_puts(&n, obs ? "no MRR at risk" : "no month observed yet");
    }
    tile(b, "MRR lost", obs ? csm_cell_money(s->mrr_lost) : csm_cell_na(),
         false, &n);

    bool none = s->logos == 0;
    if (none)
        csm_strbuf_puts(&n, "no customer flagged");
    else if (!obs)
        csm_strbuf_puts(&n, "no month observed yet");
    else
        ci_text(&n, &s->save_rate, level);
    if (obs && !none)
        csm_strbuf_printf(&n, "; not churned at %s", eb);
    tile(b, "Save rate", prop_cell(&s->save_rate), true, &n);

    csm_ratio rec = s->outcome_share[CSM_AR_OUT_RECOVERED];
    if (none)
        csm_strbuf_puts(&n, "no customer flagged");
    else if (obs)
        csm_strbuf_printf(&n,
                          "%ld of %ld green at %s; %ld were green in some "
                          "month",
                          s->outcome[CSM_AR_OUT_RECOVERED], s->logos, eb,
                          r->recovered);
    else
        csm_strbuf_puts(&n, "no month observed yet");
    tile(b, "Recovered", obs ? csm_cell_rate(rec) : csm_cell_na(), true, &n);

    csm_cell med = csm_cell_na();
    if (r->median_recovery.defined) {
        double v = r->median_recovery.value;
        med = csm_cell_number(v, fabs(v - round(v)) < 1e-9 ? 0 : 1);
        csm_strbuf_printf(&n,
                          "median months from F to the first green month, "
                          "over the %ld that turned green",
                          r->recovered);
    } else {
        csm_strbuf_puts(&n, none  ? "no customer flagged"
                            : obs ? "nobody turned green yet"
                                  : "no month observed yet");
    }
    tile(b, "Months to recovery", med, false, &n);

    if (none)
        csm_strbuf_puts(&n, "no customer flagged");
    else if (!obs)
        csm_strbuf_puts(&n, "no month observed yet");
    else
        ci_text(&n, &s->cohort_churn, level);
    if (obs && !none)
        csm_strbuf_printf(&n, "; inactive in some month %s..%s", nb, eb);
    tile(b, "Churn of the flagged", prop_cell(&s->cohort_churn), false, &n);

    if (obs)
        ci_text(&n, &s->green_churn, level);
    else
        csm_strbuf_puts(&n, "no month observed yet");
    csm_strbuf_printf(&n, "; the %ld customers green in %s", s->baseline, fb);
    tile(b, "Green baseline churn", prop_cell(&s->green_churn), false, &n);

    if (none) {
        csm_strbuf_puts(&n, "no customer flagged");
    } else if (obs) {
        const csm_at_risk_month *am = &r->months[s->observed - 1];
        csm_strbuf_printf(
            &n, "at %s: cohort NRR %s, GRR %s against %s", eb,
            am->nrr.defined ? csm_format_rate(am->nrr.value, 1, 0, v1)
                            : CSM_FMT_NA,
            am->grr.defined ? csm_format_rate(am->grr.value, 1, 0, v2)
                            : CSM_FMT_NA,
            fb);
    } else {
        csm_strbuf_puts(&n, "no month observed yet");
    }
    tile(b, "MRR now", obs ? csm_cell_money(s->mrr_now) : csm_cell_na(), true,
         &n);

    csm_strbuf cap = {0};
    csm_strbuf_printf(&cap, "Customers active in %s with a ", fb);
    band_words(r->bands, &cap);
    csm_strbuf_puts(&cap, " health band.");
    if (s->complete || s->logos == 0) {
        csm_strbuf_putc(&cap, ' ');
        coverage(&cap, r);
    }
    csm_block_caption(b, csm_strbuf_str(&cap));
    csm_strbuf_free(&cap);

    if (s->logos == 0) {
        csm_block *nt = csm_section_notes(sec, "No customer flagged");
        csm_strbuf_printf(&n,
                          "No customer was flagged at risk in %s: none of the "
                          "%ld customers active then had a ",
                          fb, s->active);
        band_words(r->bands, &n);
        csm_strbuf_printf(&n,
                          " band (%ld had no score). The cohort is empty, so "
                          "every rate is n/a and there is nothing to follow.",
                          s->unscored);
        csm_notes_add(nt, csm_strbuf_str(&n));
        csm_strbuf_free(&n);
    }

    /* Outcomes with their MRR, and the totals as formulas. */
    if (obs && s->logos > 0) {
        csm_block *t = csm_section_table(sec,
                                         "Outcome at the last observed "
                                         "month",
                                         "outcomes");
        csm_table_column(t, "outcome", "Outcome", CSM_CELL_TEXT, 0);
        csm_table_column(t, "customers", "Customers", CSM_CELL_INT, 0);
        csm_table_column(t, "share", "Share of flagged", CSM_CELL_RATE, 0);
        csm_table_column(t, "mrr_flag", "MRR at F", CSM_CELL_MONEY, 0);
        static const csm_at_risk_outcome order[CSM_AR_OUTCOMES] = {
            CSM_AR_OUT_RECOVERED, CSM_AR_OUT_STILL_AT_RISK,
            CSM_AR_OUT_CONTRACTED, CSM_AR_OUT_CHURNED};
        double share = 0;
        for (int i = 0; i < CSM_AR_OUTCOMES; i++) {
            csm_at_risk_outcome o = order[i];
            csm_cell row[4] = {outcome_cell(o), csm_cell_int(s->outcome[o]),
                               csm_cell_rate(s->outcome_share[o]),
                               csm_cell_money(s->outcome_mrr[o])};
            share += s->outcome_share[o].value;
            csm_table_row(t, row);
        }
        csm_cell tot[4] = {
            csm_cell_tone_set(csm_cell_text("All flagged"), CSM_TONE_STRONG),
            csm_cell_with_formula(csm_cell_int(s->logos),
                                  "SUM(outcomes.customers)"),
            csm_cell_with_formula(csm_cell_rate(csm_ratio_value(share)),
                                  "SUM(outcomes.share)"),
            csm_cell_with_formula(csm_cell_money(s->mrr_at_risk),
                                  "SUM(outcomes.mrr_flag)")};
        csm_table_row(t, tot);
        t->u.table.total_rows = 1;
        csm_strbuf_printf(&n,
                          "At %s, first rule that applies: churned "
                          "(inactive), contracted (MRR below its MRR at F), "
                          "recovered (green), still at risk. Save rate = "
                          "everything but churned.",
                          eb);
        csm_block_caption(t, csm_strbuf_str(&n));
        csm_strbuf_free(&n);
    }

    /* Churn within the follow-up against the green baseline. */
    csm_block *t =
        csm_section_table(sec, "Churn against the green baseline", "baseline");
    csm_table_column(t, "group", "Group", CSM_CELL_TEXT, 1.6);
    csm_table_column(t, "customers", "Customers", CSM_CELL_INT, 0);
    csm_table_column(t, "churned", "Churned", CSM_CELL_INT, 0);
    csm_table_column(t, "rate", "Churn rate", CSM_CELL_RATE, 0);
    csm_table_column(t, "lo", "Interval low", CSM_CELL_RATE, 0);
    csm_table_column(t, "hi", "Interval high", CSM_CELL_RATE, 0);
    csm_strbuf_puts(&n, "Flagged (");
    band_words(r->bands, &n);
    csm_strbuf_printf(&n, ") in %s", fb);
    csm_cell r1[6] = {csm_cell_text(csm_strbuf_str(&n)),
                      csm_cell_int(s->logos),
                      obs ? csm_cell_int((int64_t)s->cohort_churn.x)
                          : csm_cell_na(),
                      prop_cell(&s->cohort_churn),
                      prop_lo(&s->cohort_churn),
                      prop_hi(&s->cohort_churn)};
    csm_table_row(t, r1);
    csm_strbuf_free(&n);
    csm_strbuf_printf(&n, "Green in %s (baseline)", fb);
    csm_cell r2[6] = {csm_cell_text(csm_strbuf_str(&n)),
                      csm_cell_int(s->baseline),
                      obs ? csm_cell_int((int64_t)s->green_churn.x)
                          : csm_cell_na(),
                      prop_cell(&s->green_churn),
                      prop_lo(&s->green_churn),
                      prop_hi(&s->green_churn)};
    csm_table_row(t, r2);
    csm_strbuf_free(&n);
    char lv[CSM_FMT_BUFSZ];
    csm_format_number(level * 100.0, 0, 0, lv);
    if (obs)
        csm_strbuf_printf(
            &n,
            "Churned = inactive in at least one month %s..%s; "
            "%s%% Wilson intervals. If the flagged customers "
            "churn no more than the green ones, either the programme works "
            "or the flag tells little (see the health score "
            "check).",
            nb, eb, lv);
    else
        csm_strbuf_printf(&n, "No month after %s is loaded yet.", fb);
    csm_block_caption(t, csm_strbuf_str(&n));
    csm_strbuf_free(&n);
}

/* ------------------------------------------------------------ states */

/* Members flagged with a band (MRR at F), from the member rows. */
static int64_t band_mrr(const csm_at_risk *r, int band)
{
    int64_t v = 0;
    for (size_t i = 0; i < r->n_members; i++)
        if ((r->members[i].band & band) != 0)
            v += r->members[i].mrr_flag;
    return v;
}

static void empty_note(csm_section *sec, const csm_at_risk *r)
{
    char fb[CSM_DATE_BUFSZ];
    char *s = csm_xasprintf("No customer was flagged in %s: nothing to "
                            "follow.",
                            month_text(r->summary.flag_month, fb));
    csm_notes_add(csm_section_notes(sec, NULL), s);
    free(s);
}

void csm_build_at_risk_states(csm_section *sec, const csm_def_section *def,
                              const csm_section_spec *spec,
                              const csm_build_ctx *ctx)
{
    (void)def;
    (void)spec;
    const csm_at_risk *r = result(sec, ctx);
    if (!r)
        return;
    const csm_at_risk_summary *s = &r->summary;
    if (s->logos == 0) {
        empty_note(sec, r);
        return;
    }
    size_t np = (size_t)r->follow + 1;
    char **labels = month_labels(r);
    char fb[CSM_DATE_BUFSZ];
    month_text(s->flag_month, fb);

    /* Stacked bar: churned at the bottom, then red, yellow, unscored and
     * green (recovered) on top; months not yet observed as one muted bar
     * of the whole cohort. */
    enum { S_CHURNED, S_RED, S_YELLOW, S_UNSCORED, S_GREEN, S_NOT, S_N };
    double *y[S_N];
    for (int k = 0; k < S_N; k++)
        y[k] = csm_xcalloc(np, sizeof *y[k]);
    y[S_RED][0] = (double)s->red;
    y[S_YELLOW][0] = (double)s->yellow;
    y[S_GREEN][0] = (double)s->green;
    bool any_unscored = false, any_not = false;
    for (int j = 1; j <= r->follow; j++) {
        const csm_at_risk_month *am = &r->months[j - 1];
        if (!am->observed) {
            y[S_NOT][j] = (double)s->logos;
            any_not = true;
            continue;
        }
        y[S_CHURNED][j] = (double)am->logos[CSM_AR_CHURNED];
        y[S_RED][j] = (double)am->logos[CSM_AR_RED];
        y[S_YELLOW][j] = (double)am->logos[CSM_AR_YELLOW];
        y[S_UNSCORED][j] = (double)am->logos[CSM_AR_UNSCORED];
        y[S_GREEN][j] = (double)am->logos[CSM_AR_GREEN];
        any_unscored = any_unscored || am->logos[CSM_AR_UNSCORED] > 0;
    }
    char *title = csm_xasprintf("Flagged customers by state, %s (F) to %s", fb,
                                labels[np - 1]);
    csm_block *c = csm_section_chart(sec, title, CSM_AXIS_COUNT);
    free(title);
    csm_chart_x(c, (const char *const *)labels, NULL, np);
    static const char *const names[S_N] = {"Churned",
                                           "Red",
                                           "Yellow",
                                           "No score (active)",
                                           "Green (recovered)",
                                           "Not yet observed"};
    static const csm_cell_tone tones[S_N] = {CSM_TONE_BAD,    CSM_TONE_RED,
                                             CSM_TONE_YELLOW, CSM_TONE_NONE,
                                             CSM_TONE_GREEN,  CSM_TONE_MUTED};
    for (int k = 0; k < S_N; k++) {
        if ((k == S_UNSCORED && !any_unscored) || (k == S_NOT && !any_not))
            continue;
        csm_series *se =
            csm_chart_series(c, names[k], CSM_SERIES_STACKED, y[k], NULL);
        se->tone = tones[k];
        if (k == S_UNSCORED)
            se->palette = 1;
    }
    c->u.chart.y_title = csm_xstrdup("Customers");
    c->u.chart.x_title = csm_xasprintf("Month (F = %s, the flag month)", fb);
    c->u.chart.y_from_zero = true;
    csm_block_caption(c, "Every flagged customer in every month: the bars "
                         "keep the cohort's size, so green growing at the "
                         "expense of red and yellow is the programme "
                         "working.");
    for (int k = 0; k < S_N; k++)
        free(y[k]);

    /* The counts, each row's total a formula over the row. */
    static const char *const ids[CSM_AR_STATES] = {"churned", "red", "yellow",
                                                   "green", "unscored"};
    static const char *const heads[CSM_AR_STATES] = {"Churned", "Red", "Yellow",
                                                     "Green", "No score"};
    for (int pass = 0; pass < 2; pass++) {
        bool money = pass == 1;
        csm_block *t = csm_section_table(
            sec, money ? "MRR by state" : "Customers by state",
            money ? "states_mrr" : "states");
        csm_table_column(t, "month", "Month", CSM_CELL_TEXT, 0);
        csm_table_column(t, "since", "Since F", CSM_CELL_TEXT, 0);
        for (int k = money ? 1 : 0; k < CSM_AR_STATES; k++)
            csm_table_column(t, ids[k], heads[k],
                             money ? CSM_CELL_MONEY : CSM_CELL_INT, 0);
        csm_table_column(t, "total", money ? "Cohort MRR" : "All flagged",
                         money ? CSM_CELL_MONEY : CSM_CELL_INT, 0);
        csm_table_column(t, "note", "Note", CSM_CELL_TEXT, 0);
        size_t ncol = money ? 8 : 9;
        csm_cell row[9];
        for (int j = 0; j <= r->follow; j++) {
            const csm_at_risk_month *am = j ? &r->months[j - 1] : NULL;
            char ob[16];
            offset_text(j, ob, sizeof ob);
            size_t k = 0;
            row[k++] = csm_cell_text(labels[j]);
            row[k++] = csm_cell_text(ob);
            bool seen = !am || am->observed;
            int64_t v[CSM_AR_STATES] = {0};
            int64_t total = 0;
            if (!am) {
                v[CSM_AR_RED] = money ? band_mrr(r, CSM_BAND_RED) : s->red;
                v[CSM_AR_YELLOW] =
                    money ? band_mrr(r, CSM_BAND_YELLOW) : s->yellow;
                v[CSM_AR_GREEN] =
                    money ? band_mrr(r, CSM_BAND_GREEN) : s->green;
                total = money ? s->mrr_at_risk : s->logos;
            } else if (seen) {
                for (int st = 0; st < CSM_AR_STATES; st++)
                    v[st] = money ? am->mrr[st] : am->logos[st];
                total = money ? am->cohort_mrr : s->logos;
            }
            csm_strbuf f = {0};
            for (int st = money ? 1 : 0; st < CSM_AR_STATES; st++) {
                row[k++] = !seen   ? csm_cell_na()
                           : money ? csm_cell_money(v[st])
                                   : csm_cell_int(v[st]);
                csm_strbuf_printf(&f, "%s%s.%s[%s]", f.len ? " + " : "",
                                  money ? "states_mrr" : "states", ids[st],
                                  labels[j]);
            }
            row[k++] =
                !seen ? csm_cell_na()
                      : csm_cell_tone_set(
                            csm_cell_with_formula(money ? csm_cell_money(total)
                                                        : csm_cell_int(total),
                                                  csm_strbuf_str(&f)),
                            CSM_TONE_STRONG);
            csm_strbuf_free(&f);
            row[k++] = !am    ? csm_cell_text("flag month")
                       : seen ? csm_cell_empty()
                              : muted_text(NOT_OBSERVED);
            (void)ncol;
            csm_table_row(t, row);
        }
        csm_block_caption(
            t, money ? "MRR of each state in that month (churned customers "
                       "have none); the row total is the cohort's MRR."
                     : "At F every member is red or yellow by definition; "
                       "afterwards each is in exactly one state, so every "
                       "observed row adds up to the cohort.");
    }
    free_labels(labels, np);
}

/* ------------------------------------------------------------ MRR */

void csm_build_at_risk_mrr(csm_section *sec, const csm_def_section *def,
                           const csm_section_spec *spec,
                           const csm_build_ctx *ctx)
{
    (void)def;
    (void)spec;
    const csm_at_risk *r = result(sec, ctx);
    if (!r)
        return;
    const csm_at_risk_summary *s = &r->summary;
    if (s->logos == 0) {
        empty_note(sec, r);
        return;
    }
    size_t np = (size_t)r->follow + 1;
    char **labels = month_labels(r);
    char fb[CSM_DATE_BUFSZ];
    month_text(s->flag_month, fb);
    /* Per month: kept = sum of min(MRR, MRR at F) (GRR's numerator), lost
     * = MRR at risk - kept, expansion = cohort MRR - kept. */
    int64_t *kept = csm_xcalloc(np, sizeof *kept);
    int64_t *cohort = csm_xcalloc(np, sizeof *cohort);
    bool *seen = csm_xcalloc(np, sizeof *seen);
    kept[0] = cohort[0] = s->mrr_at_risk;
    seen[0] = true;
    for (int j = 1; j <= r->follow; j++) {
        const csm_at_risk_month *am = &r->months[j - 1];
        seen[j] = am->observed;
        kept[j] = am->capped_mrr;
        cohort[j] = am->cohort_mrr;
    }
    /* The rates first: NRR and GRR against F read at a glance; then the
     * amounts behind them, lost below the axis and expansion above. */
    double *yn = csm_xcalloc(np, sizeof *yn), *yg = csm_xcalloc(np, sizeof *yg);
    for (int j = 0; j <= r->follow; j++) {
        csm_ratio nv = j ? r->months[j - 1].nrr : csm_ratio_i64(1, 1);
        csm_ratio gv = j ? r->months[j - 1].grr : csm_ratio_i64(1, 1);
        yn[j] = nv.defined ? nv.value : 0;
        yg[j] = gv.defined ? gv.value : 0;
    }
    char *title = csm_xasprintf("Cohort NRR and GRR against %s", fb);
    csm_block *c = csm_section_chart(sec, title, CSM_AXIS_RATE);
    free(title);
    csm_chart_x(c, (const char *const *)labels, NULL, np);
    csm_chart_series(c, "NRR", CSM_SERIES_LINE, yn, seen)->palette = 0;
    csm_chart_series(c, "GRR", CSM_SERIES_LINE, yg, seen)->palette = 2;
    c->u.chart.y_title = csm_xasprintf("Share of the MRR at risk in %s", fb);
    c->u.chart.x_title = csm_xasprintf("Month (F = %s)", fb);
    c->u.chart.y_from_zero = false;
    free(yn);
    free(yg);

    double *yl = csm_xcalloc(np, sizeof *yl), *ye = csm_xcalloc(np, sizeof *ye);
    for (size_t j = 0; j < np; j++) {
        yl[j] = -major(ctx, s->mrr_at_risk - kept[j]);
        ye[j] = major(ctx, cohort[j] - kept[j]);
    }
    /* No captions on the two charts: their titles and axes say what they
     * show, and the section then fits one page with its table. */
    c = csm_section_chart(sec,
                          "MRR lost (below the axis) and expansion against F",
                          CSM_AXIS_MONEY);
    csm_chart_x(c, (const char *const *)labels, NULL, np);
    csm_chart_series(c, "Lost (churn and contraction)", CSM_SERIES_STACKED, yl,
                     seen)
        ->tone = CSM_TONE_BAD;
    csm_chart_series(c, "Expansion", CSM_SERIES_STACKED, ye, seen)->tone =
        CSM_TONE_GOOD;
    c->u.chart.y_title = csm_xstrdup("MRR against F");
    c->u.chart.x_title = csm_xasprintf("Month (F = %s)", fb);
    c->u.chart.y_from_zero = true;
    free(yl);
    free(ye);

    csm_block *t = csm_section_table(sec, "Cohort MRR against F", "mrr");
    csm_table_column(t, "month", "Month", CSM_CELL_TEXT, 0);
    csm_table_column(t, "kept", "Kept", CSM_CELL_MONEY, 0);
    csm_table_column(t, "lost", "Lost", CSM_CELL_MONEY, 0);
    csm_table_column(t, "expansion", "Expansion", CSM_CELL_MONEY, 0);
    csm_table_column(t, "cohort", "Cohort MRR", CSM_CELL_MONEY, 0);
    csm_table_column(t, "nrr", "NRR", CSM_CELL_RATE, 0);
    csm_table_column(t, "grr", "GRR", CSM_CELL_RATE, 0);
    csm_table_column(t, "note", "Note", CSM_CELL_TEXT, 0);
    for (int j = 0; j <= r->follow; j++) {
        const csm_at_risk_month *am = j ? &r->months[j - 1] : NULL;
        csm_cell row[8];
        row[0] = csm_cell_text(labels[j]);
        if (!seen[j]) {
            for (int k = 1; k < 7; k++)
                row[k] = csm_cell_na();
            row[7] = muted_text(NOT_OBSERVED);
        } else {
            char *f = csm_xasprintf("mrr.kept[%s] + mrr.expansion[%s]",
                                    labels[j], labels[j]);
            row[1] = csm_cell_money(kept[j]);
            row[2] = csm_cell_tone_set(
                csm_cell_money(s->mrr_at_risk - kept[j]),
                kept[j] < s->mrr_at_risk ? CSM_TONE_BAD : CSM_TONE_NONE);
            row[3] = csm_cell_money(cohort[j] - kept[j]);
            row[4] = csm_cell_tone_set(
                csm_cell_with_formula(csm_cell_money(cohort[j]), f),
                CSM_TONE_STRONG);
            free(f);
            row[5] = am ? csm_cell_rate(am->nrr)
                        : csm_cell_rate(csm_ratio_i64(1, 1));
            row[6] = am ? csm_cell_rate(am->grr)
                        : csm_cell_rate(csm_ratio_i64(1, 1));
            row[7] = am ? csm_cell_empty() : csm_cell_text("flag month (F)");
        }
        csm_table_row(t, row);
    }
    char v[CSM_FMT_BUFSZ];
    char *cap = csm_xasprintf(
        "GRR = kept (each member capped at its MRR at F) / MRR at risk of "
        "%s; NRR = cohort MRR / MRR at risk.",
        csm_format_money(s->mrr_at_risk, ctx->ds->decimals, 0, v));
    csm_block_caption(t, cap);
    free(cap);
    free(kept);
    free(cohort);
    free(seen);
    free_labels(labels, np);
}

/* ------------------------------------------------------------ survival */

void csm_build_at_risk_survival(csm_section *sec, const csm_def_section *def,
                                const csm_section_spec *spec,
                                const csm_build_ctx *ctx)
{
    (void)def;
    (void)spec;
    const csm_at_risk *r = result(sec, ctx);
    if (!r)
        return;
    const csm_at_risk_summary *s = &r->summary;
    if (s->logos == 0) {
        empty_note(sec, r);
        return;
    }
    size_t np = (size_t)r->follow + 1;
    char fb[CSM_DATE_BUFSZ];
    month_text(s->flag_month, fb);
    char **labels = csm_xcalloc(np, sizeof *labels);
    double *x = csm_xcalloc(np, sizeof *x);
    double *yc = csm_xcalloc(np, sizeof *yc), *yb = csm_xcalloc(np, sizeof *yb);
    bool *dc = csm_xcalloc(np, sizeof *dc), *db = csm_xcalloc(np, sizeof *db);
    for (size_t j = 0; j < np; j++) {
        char ob[16];
        offset_text((int)j, ob, sizeof ob);
        labels[j] = csm_xstrdup(ob);
        x[j] = (double)j;
        csm_ratio c = csm_ratio_i64(s->logos, s->logos);
        csm_ratio g = csm_ratio_i64(s->baseline, s->baseline);
        if (j > 0) {
            c = r->months[j - 1].logo_survival;
            g = r->months[j - 1].baseline_survival;
        }
        dc[j] = c.defined;
        yc[j] = c.defined ? c.value : 0;
        db[j] = g.defined;
        yb[j] = g.defined ? g.value : 0;
    }
    csm_block *c = csm_section_chart(sec,
                                     "Logo survival against the green "
                                     "baseline",
                                     CSM_AXIS_RATE);
    csm_chart_x(c, (const char *const *)labels, x, np);
    csm_series *se =
        csm_chart_series(c, "Flagged customers", CSM_SERIES_STEP, yc, dc);
    se->palette = 0;
    if (s->baseline > 0) {
        char *nm = csm_xasprintf("Green in %s (baseline)", fb);
        se = csm_chart_series(c, nm, CSM_SERIES_STEP, yb, db);
        se->tone = CSM_TONE_GREEN;
        free(nm);
    }
    c->u.chart.y_title = csm_xstrdup("Share active in every month since F");
    c->u.chart.x_title = csm_xasprintf("Months since flagged (F = %s)", fb);
    /* Survival stays near the top: zoom in, the axis labels say where. */
    c->u.chart.y_from_zero = false;
    csm_block_caption(c, "A customer that churned and came back no longer "
                         "counts as surviving. The gap between the lines is "
                         "the churn the at-risk flag foretold.");
    free(x);
    free(yc);
    free(yb);
    free(dc);
    free(db);

    csm_block *t =
        csm_section_table(sec, "Survival and recovery by month", "survival");
    csm_table_column(t, "since", "Since F", CSM_CELL_TEXT, 0);
    csm_table_column(t, "month", "Month", CSM_CELL_TEXT, 0);
    csm_table_column(t, "surviving", "Flagged still active", CSM_CELL_INT, 0);
    csm_table_column(t, "survival", "Logo survival", CSM_CELL_RATE, 0);
    csm_table_column(t, "base_surviving", "Green still active", CSM_CELL_INT,
                     0);
    csm_table_column(t, "base_survival", "Baseline survival", CSM_CELL_RATE, 0);
    csm_table_column(t, "first_green", "First green", CSM_CELL_INT, 0);
    csm_table_column(t, "recovered", "Green so far", CSM_CELL_INT, 0);
    csm_table_column(t, "recovered_share", "Share green so far", CSM_CELL_RATE,
                     0);
    char mb[CSM_DATE_BUFSZ];
    for (int j = 0; j <= r->follow; j++) {
        const csm_at_risk_month *am = j ? &r->months[j - 1] : NULL;
        csm_cell row[9];
        row[0] = csm_cell_text(labels[j]);
        month_text(s->flag_month + j, mb);
        row[1] = am && !am->observed ? muted_text(mb) : csm_cell_text(mb);
        if (!am) {
            row[2] = csm_cell_int(s->logos);
            row[3] = csm_cell_rate(csm_ratio_i64(s->logos, s->logos));
            row[4] = csm_cell_int(s->baseline);
            row[5] = csm_cell_rate(csm_ratio_i64(s->baseline, s->baseline));
            row[6] = csm_cell_empty();
            row[7] = csm_cell_int(0);
            row[8] = csm_cell_rate(csm_ratio_i64(0, s->logos));
        } else if (!am->observed) {
            for (int k = 2; k < 9; k++)
                row[k] = csm_cell_na();
        } else {
            row[2] = csm_cell_int(am->surviving);
            row[3] = csm_cell_rate(am->logo_survival);
            row[4] = csm_cell_int(am->baseline_surviving);
            row[5] = csm_cell_rate(am->baseline_survival);
            row[6] = csm_cell_int(r->recovered_at[j - 1]);
            row[7] = csm_cell_int(am->recovered_so_far);
            row[8] = csm_cell_rate(am->recovered_share);
        }
        csm_table_row(t, row);
    }
    csm_strbuf cap = {0};
    csm_strbuf_printf(&cap,
                      "%ld flagged and %ld green customers in %s. First "
                      "green = members green for the first time that month "
                      "(months to recovery)",
                      s->logos, s->baseline, fb);
    if (r->median_recovery.defined) {
        char v[CSM_FMT_BUFSZ];
        double m = r->median_recovery.value;
        csm_strbuf_printf(
            &cap,
            "; median %s months over the %ld that "
            "turned green.",
            csm_format_number(m, fabs(m - round(m)) < 1e-9 ? 0 : 1, 0, v),
            r->recovered);
    } else {
        csm_strbuf_puts(&cap, "; nobody turned green in the observed "
                              "months, so there is no median.");
    }
    if (!s->complete)
        csm_strbuf_puts(&cap, " Greyed months are not yet observed (n/a).");
    csm_block_caption(t, csm_strbuf_str(&cap));
    csm_strbuf_free(&cap);
    free_labels(labels, np);
}

/* ------------------------------------------------------------ customers */

typedef enum { SORT_MRR = 0, SORT_OUTCOME, SORT_OWNER } sort_by;

typedef struct member_key {
    sort_by by;
    const char *owner; /* "" when none */
    int rank;          /* outcome: churned first, recovered last */
    int64_t mrr;
    uint32_t customer;
    size_t index;
} member_key;

static int outcome_rank(csm_at_risk_outcome o)
{
    switch (o) {
    case CSM_AR_OUT_CHURNED:
        return 0;
    case CSM_AR_OUT_CONTRACTED:
        return 1;
    case CSM_AR_OUT_STILL_AT_RISK:
        return 2;
    case CSM_AR_OUT_RECOVERED:
        return 3;
    default:
        return 4;
    }
}

static int cmp_member(const void *a, const void *b)
{
    const member_key *x = a, *y = b;
    if (x->by == SORT_OUTCOME && x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->by == SORT_OWNER) {
        /* Owners A..Z, customers without one last. */
        bool xe = !*x->owner, ye = !*y->owner;
        if (xe != ye)
            return xe ? 1 : -1;
        int c = strcmp(x->owner, y->owner);
        if (c)
            return c;
    }
    if (x->mrr != y->mrr)
        return x->mrr > y->mrr ? -1 : 1;
    return x->customer < y->customer ? -1 : x->customer > y->customer;
}

/* The member rows in the order the section's `sort` option asks for:
 * returns a new array of indexes into r->members. */
static size_t *member_order(const csm_at_risk *r, const csm_build_ctx *ctx,
                            const csm_def_section *def,
                            const csm_section_spec *spec)
{
    const char *by = csm_def_option_text(def, spec, "sort");
    sort_by mode = SORT_MRR;
    if (by && strcmp(by, "outcome") == 0)
        mode = SORT_OUTCOME;
    else if (by && strcmp(by, "owner") == 0)
        mode = SORT_OWNER;
    size_t n = r->n_members;
    member_key *k = csm_xcalloc(n ? n : 1, sizeof *k);
    for (size_t i = 0; i < n; i++) {
        const csm_at_risk_member *m = &r->members[i];
        k[i] = (member_key){
            mode,
            m->owner == CSM_NA ? "" : csm_ds_string(ctx->ds, m->owner),
            outcome_rank(m->outcome),
            m->mrr_flag,
            m->customer,
            i};
    }
    csm_qsort(k, n, sizeof *k, cmp_member);
    size_t *order = csm_xcalloc(n ? n : 1, sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = k[i].index;
    free(k);
    return order;
}

/* The section's `page` option: landscape when asked, or on auto when the
 * table has more than `wide` columns. */
static bool landscape(const csm_def_section *def, const csm_section_spec *spec,
                      size_t columns, size_t wide)
{
    const char *v = csm_def_option_text(def, spec, "page");
    if (v && strcmp(v, "portrait") == 0)
        return false;
    if (v && strcmp(v, "landscape") == 0)
        return true;
    return columns > wide;
}

static csm_cell opt_string(const csm_build_ctx *ctx, int32_t index)
{
    if (index == CSM_NA)
        return csm_cell_empty();
    return csm_cell_text(csm_ds_string(ctx->ds, index));
}

/* "usage 20, nps 50": the two weakest components at F. */
static csm_cell weakest_cell(const csm_at_risk_member *m)
{
    if (m->n_weakest == 0)
        return muted_text(m->score_supplied ? "(score supplied)" : "");
    csm_strbuf b = {0};
    for (int i = 0; i < m->n_weakest; i++) {
        char v[CSM_FMT_BUFSZ];
        double x = m->weakest_score[i];
        /* Whole points: the list must stay short enough to read. */
        csm_strbuf_printf(&b, "%s%s %s", i ? ", " : "",
                          csm_health_component_name(m->weakest[i]),
                          csm_format_number(x, 0, 0, v));
    }
    csm_cell c = csm_cell_text(csm_strbuf_str(&b));
    csm_strbuf_free(&b);
    return c;
}

void csm_build_at_risk_customers(csm_section *sec, const csm_def_section *def,
                                 const csm_section_spec *spec,
                                 const csm_build_ctx *ctx)
{
    const csm_at_risk *r = result(sec, ctx);
    if (!r)
        return;
    const csm_at_risk_summary *s = &r->summary;
    const csm_dataset *ds = ctx->ds;
    char fb[CSM_DATE_BUFSZ], eb[CSM_DATE_BUFSZ], nb[CSM_DATE_BUFSZ],
        lb[CSM_DATE_BUFSZ];
    month_text(s->flag_month, fb);
    month_text(s->as_of, eb);
    month_text(s->flag_month + 1, nb);
    month_text(s->flag_month + r->follow, lb);
    csm_block *t = csm_section_table(sec, "Every flagged customer", "members");
    t->u.table.detail = true;
    /* Eleven columns need the width of a landscape page to stay legible. */
    sec->landscape = landscape(def, spec, 11, 9);
    csm_table_column(t, "id", "Customer ID", CSM_CELL_TEXT, 0.8);
    csm_table_column(t, "name", "Name", CSM_CELL_TEXT, 1.6);
    csm_table_column(t, "owner", "Owner", CSM_CELL_TEXT, 0.8);
    csm_table_column(t, "segment", "Segment", CSM_CELL_TEXT, 0.7);
    csm_table_column(t, "mrr_flag", "MRR at F", CSM_CELL_MONEY, 0);
    csm_table_column(t, "mrr_now", "MRR now", CSM_CELL_MONEY, 0);
    csm_table_column(t, "renewal", "Next renewal", CSM_CELL_DATE, 0);
    csm_table_column(t, "in_window", "Renews in window", CSM_CELL_TEXT, 0);
    csm_table_column(t, "weakest", "Weakest at F", CSM_CELL_TEXT, 1.2);
    csm_table_column(t, "reason", "Churn reason", CSM_CELL_TEXT, 1);
    csm_table_column(t, "outcome", "Outcome", CSM_CELL_TEXT, 0.8);
    size_t *order = member_order(r, ctx, def, spec);
    for (size_t i = 0; i < r->n_members; i++) {
        const csm_at_risk_member *m = &r->members[order[i]];
        csm_cell row[11] = {
            csm_cell_text(csm_ds_customer_id(ds, m->customer)),
            csm_cell_text(ds->names[m->customer]),
            opt_string(ctx, m->owner),
            opt_string(ctx, m->segment),
            csm_cell_money(m->mrr_flag),
            csm_cell_tone_set(csm_cell_money(m->mrr_now),
                              m->mrr_now < m->mrr_flag && s->observed
                                  ? CSM_TONE_BAD
                                  : CSM_TONE_NONE),
            m->renewal == CSM_NO_DATE ? csm_cell_text("monthly")
                                      : csm_cell_date(m->renewal),
            csm_cell_text(m->renewal_in_window ? "yes" : "no"),
            weakest_cell(m),
            opt_string(ctx, m->reason),
            outcome_cell(m->outcome)};
        csm_table_row(t, row);
    }
    free(order);
    if (r->n_members) {
        csm_cell tot[11] = {
            csm_cell_tone_set(csm_cell_text("Total"), CSM_TONE_STRONG),
            csm_cell_empty(),
            csm_cell_empty(),
            csm_cell_empty(),
            csm_cell_with_formula(csm_cell_money(s->mrr_at_risk),
                                  "SUM(members.mrr_flag)"),
            csm_cell_with_formula(csm_cell_money(s->mrr_now),
                                  "SUM(members.mrr_now)"),
            csm_cell_empty(),
            csm_cell_empty(),
            csm_cell_empty(),
            csm_cell_empty(),
            csm_cell_empty()};
        csm_table_row(t, tot);
        t->u.table.total_rows = 1;
    }
    char *cap = csm_xasprintf(
        "F = %s; now = %s, the last observed month. Next renewal = the term "
        "end in F's snapshot; it renews in the window when it falls in "
        "%s..%s (monthly = month to month, which always does). Weakest = the "
        "two lowest health component scores at F (0-100, whole points). Churn "
        "reason from "
        "churn_reasons.csv, for churned customers.",
        fb, eb, nb, lb);
    csm_block_caption(t, cap);
    free(cap);
}

void csm_build_at_risk_tracking(csm_section *sec, const csm_def_section *def,
                                const csm_section_spec *spec,
                                const csm_build_ctx *ctx)
{
    const csm_at_risk *r = result(sec, ctx);
    if (!r)
        return;
    const csm_at_risk_summary *s = &r->summary;
    const csm_dataset *ds = ctx->ds;
    char mb[CSM_DATE_BUFSZ];
    csm_block *t = csm_section_table(sec,
                                     "State of every flagged customer "
                                     "by month",
                                     "tracking");
    t->u.table.detail = true;
    csm_table_column(t, "id", "Customer ID", CSM_CELL_TEXT, 0.8);
    csm_table_column(t, "name", "Name", CSM_CELL_TEXT, 1.6);
    for (int j = 0; j <= r->follow; j++) {
        char id[16], *title;
        snprintf(id, sizeof id, "m%d", j);
        month_text(s->flag_month + j, mb);
        title = j == 0 ? csm_xasprintf("%s (F)", mb) : csm_xstrdup(mb);
        csm_table_column(t, id, title, CSM_CELL_TEXT, 0);
        free(title);
    }
    csm_table_column(t, "outcome", "Outcome", CSM_CELL_TEXT, 0.8);
    size_t nc = (size_t)r->follow + 4;
    sec->landscape = landscape(def, spec, nc, 11);
    csm_cell *row = csm_xcalloc(nc, sizeof *row);
    size_t *order = member_order(r, ctx, def, spec);
    for (size_t i = 0; i < r->n_members; i++) {
        const csm_at_risk_member *m = &r->members[order[i]];
        size_t k = 0;
        row[k++] = csm_cell_text(csm_ds_customer_id(ds, m->customer));
        row[k++] = csm_cell_text(ds->names[m->customer]);
        row[k++] = csm_cell_tone_set(
            csm_cell_text(csm_health_band_name(m->band)), band_tone(m->band));
        for (int j = 0; j < r->follow; j++)
            row[k++] =
                csm_cell_tone_set(csm_cell_text(state_text(m->states[j])),
                                  state_tone(m->states[j]));
        row[k++] = outcome_cell(m->outcome);
        csm_table_row(t, row);
    }
    free(order);
    free(row);
    char *cap = csm_xasprintf(
        "One row per flagged customer, one column per month from F = %s: "
        "the health band while active, churned while inactive, no score "
        "when active without one%s.",
        month_text(s->flag_month, mb),
        s->complete ? ""
                    : ", and not yet observed after the last loaded "
                      "month");
    csm_block_caption(t, cap);
    free(cap);
}

/* ------------------------------------------------------------ rolling */

void csm_build_at_risk_rolling(csm_section *sec, const csm_def_section *def,
                               const csm_section_spec *spec,
                               const csm_build_ctx *ctx)
{
    const csm_at_risk *r = result(sec, ctx);
    if (!r)
        return;
    long months = csm_def_option_int(def, spec, "months");
    if (r->n_rolling == 0) {
        char *s = csm_xasprintf(
            "No flag month has all %d following months loaded yet: the "
            "rolling view needs at least %d loaded months.",
            r->follow, r->follow + 1);
        csm_notes_add(csm_section_notes(sec, NULL), s);
        free(s);
        return;
    }
    size_t first =
        r->n_rolling > (size_t)months ? r->n_rolling - (size_t)months : 0;
    size_t n = r->n_rolling - first;
    char mb[CSM_DATE_BUFSZ];
    char **labels = csm_xcalloc(n, sizeof *labels);
    double *y[CSM_AR_OUTCOMES];
    bool *d = csm_xcalloc(n, sizeof *d);
    for (int o = 0; o < CSM_AR_OUTCOMES; o++)
        y[o] = csm_xcalloc(n, sizeof *y[o]);
    for (size_t i = 0; i < n; i++) {
        const csm_at_risk_summary *q = &r->rolling[first + i];
        labels[i] = csm_xstrdup(month_text(q->flag_month, mb));
        d[i] = q->logos > 0;
        for (int o = 0; o < CSM_AR_OUTCOMES; o++)
            y[o][i] =
                q->outcome_share[o].defined ? q->outcome_share[o].value : 0;
    }
    char *title =
        csm_xasprintf("Outcome %d months after each flag month", r->follow);
    csm_block *c = csm_section_chart(sec, title, CSM_AXIS_RATE);
    free(title);
    csm_chart_x(c, (const char *const *)labels, NULL, n);
    static const csm_at_risk_outcome order[CSM_AR_OUTCOMES] = {
        CSM_AR_OUT_CHURNED, CSM_AR_OUT_CONTRACTED, CSM_AR_OUT_STILL_AT_RISK,
        CSM_AR_OUT_RECOVERED};
    static const char *const names[CSM_AR_OUTCOMES] = {
        "Churned", "Contracted", "Recovered", "Still at risk"};
    for (int i = 0; i < CSM_AR_OUTCOMES; i++) {
        csm_at_risk_outcome o = order[i];
        csm_series *se =
            csm_chart_series(c, names[o], CSM_SERIES_STACKED, y[o], d);
        se->tone = o == CSM_AR_OUT_CHURNED         ? CSM_TONE_BAD
                   : o == CSM_AR_OUT_RECOVERED     ? CSM_TONE_GREEN
                   : o == CSM_AR_OUT_STILL_AT_RISK ? CSM_TONE_YELLOW
                                                   : CSM_TONE_NONE;
        if (o == CSM_AR_OUT_CONTRACTED)
            se->palette = 2;
    }
    c->u.chart.y_title = csm_xstrdup("Share of the flagged customers");
    c->u.chart.x_title = csm_xstrdup("Flag month");
    c->u.chart.y_from_zero = true;
    csm_block_caption(c, "Each bar is one flag month's cohort when its "
                         "follow-up ended; a month without flagged customers "
                         "has no bar. A shrinking churned share is the "
                         "at-risk programme getting better.");
    for (int o = 0; o < CSM_AR_OUTCOMES; o++)
        free(y[o]);
    free(d);

    csm_block *t =
        csm_section_table(sec, "Every completed flag month", "rolling");
    t->u.table.detail = n > 24;
    csm_table_column(t, "flag_month", "Flag month", CSM_CELL_TEXT, 0);
    csm_table_column(t, "flagged", "Flagged", CSM_CELL_INT, 0);
    csm_table_column(t, "mrr_at_risk", "MRR at risk", CSM_CELL_MONEY, 0);
    csm_table_column(t, "churned", "Churned", CSM_CELL_RATE, 0);
    csm_table_column(t, "contracted", "Contracted", CSM_CELL_RATE, 0);
    csm_table_column(t, "recovered", "Recovered", CSM_CELL_RATE, 0);
    csm_table_column(t, "still_at_risk", "Still at risk", CSM_CELL_RATE, 0);
    csm_table_column(t, "save_rate", "Save rate", CSM_CELL_RATE, 0);
    csm_table_column(t, "save_lo", "Save low", CSM_CELL_RATE, 0);
    csm_table_column(t, "save_hi", "Save high", CSM_CELL_RATE, 0);
    csm_table_column(t, "mrr_lost", "MRR lost share", CSM_CELL_RATE, 0);
    csm_table_column(t, "green_churn", "Green churn", CSM_CELL_RATE, 0);
    for (size_t i = 0; i < n; i++) {
        const csm_at_risk_summary *q = &r->rolling[first + i];
        bool current = q->flag_month == r->summary.flag_month;
        csm_cell row[12] = {
            csm_cell_tone_set(csm_cell_text(labels[i]),
                              current ? CSM_TONE_STRONG : CSM_TONE_NONE),
            csm_cell_int(q->logos),
            csm_cell_money(q->mrr_at_risk),
            csm_cell_rate(q->outcome_share[CSM_AR_OUT_CHURNED]),
            csm_cell_rate(q->outcome_share[CSM_AR_OUT_CONTRACTED]),
            csm_cell_rate(q->outcome_share[CSM_AR_OUT_RECOVERED]),
            csm_cell_rate(q->outcome_share[CSM_AR_OUT_STILL_AT_RISK]),
            prop_cell(&q->save_rate),
            prop_lo(&q->save_rate),
            prop_hi(&q->save_rate),
            csm_cell_rate(q->mrr_lost_share),
            prop_cell(&q->green_churn)};
        csm_table_row(t, row);
    }
    char lv[CSM_FMT_BUFSZ];
    csm_format_number(ctx->cfg->ci_level * 100.0, 0, 0, lv);
    char *cap = csm_xasprintf(
        "Shares of each flag month's flagged customers %d months later "
        "(outcome rules as in the summary); save rate with its %s%% Wilson "
        "interval; green churn = churn of that month's green customers, the "
        "baseline.%s",
        r->follow, lv,
        first ? " Only the latest flag months are shown (report option "
                "months)."
              : "");
    csm_block_caption(t, cap);
    free(cap);
    free_labels(labels, n);
}

/* ------------------------------------------------------------ definitions */

void csm_build_at_risk_definitions(csm_section *sec, const csm_def_section *def,
                                   const csm_section_spec *spec,
                                   const csm_build_ctx *ctx)
{
    csm_build_definitions(sec, def, spec, ctx);
    const csm_at_risk *r = ctx->m->at_risk;
    int k = r ? r->follow : ctx->cfg->at_risk_months;
    csm_block *n = csm_section_notes(sec, "At-risk cohort");
    csm_strbuf b = {0};
    csm_strbuf_puts(&b, "Flag month F: the cohort is every customer active in "
                        "F whose health band in F is ");
    band_words(r ? r->bands : ctx->cfg->health.at_risk_bands, &b);
    csm_strbuf_puts(&b, " ([health] at_risk_bands). Customers without a score "
                        "are never flagged.");
    csm_notes_add(n, csm_strbuf_str(&b));
    csm_strbuf_free(&b);
    csm_strbuf_printf(&b,
                      "Each of the %d months after F a member is churned "
                      "(no MRR), red, yellow, green (recovered) or has no "
                      "score (active without one). Months after the last "
                      "loaded month are not yet observed: nothing is "
                      "estimated for them.",
                      k);
    csm_notes_add(n, csm_strbuf_str(&b));
    csm_strbuf_free(&b);
    static const char *const lines[] = {
        "Outcome at E, the last observed month (F+k when complete), first "
        "rule that applies: churned (inactive at E), contracted (active, MRR "
        "below its MRR at F), recovered (green at E), still at risk "
        "(otherwise). A member that left and came back is judged at E.",
        "Save rate = members not churned at E / members, with a Wilson "
        "interval. MRR at risk = the members' MRR at F. MRR lost = MRR at F "
        "of the churned + the contraction of the contracted; expansion of "
        "other members does not offset it (NRR shows the net).",
        "Cohort NRR = the members' MRR in a month / MRR at risk; GRR caps "
        "each member at its MRR at F. Kept = the capped MRR, lost = MRR at "
        "risk - kept.",
        "Logo survival = members active in every month since F. The green "
        "baseline = the customers green in F, followed the same way; churn "
        "within the follow-up = inactive in at least one observed month.",
        "Months to recovery = months from F to a member's first green month; "
        "the median is over the members that turned green.",
        "Rolling view: every earlier flag month whose k following months are "
        "all loaded, with the same rules, so the trend of the at-risk "
        "programme shows.",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        csm_notes_add(n, lines[i]);
}
