/* Health score, bands and the score check (include/csmetrics/health.h,
 * docs/metrics/health.md).
 *
 * Every customer-month is scored once, into two arrays of n_months *
 * n_customers (two bytes of score, one byte of band): 100,000 customers
 * over 60 months take 18 MB, against the data set's own ~50 MB of MRR.
 * Components are not stored; csm_health_components() recomputes them from
 * the data set when a report needs them (a few at-risk customers). */
#include "csmetrics/health.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/xalloc.h"

/* Kept scores run 0..10000 hundredths of a point. */
#define SCORE_STEPS 10001

const char *csm_health_component_name(csm_health_component k)
{
    static const char *const names[CSM_HC_COUNT] = {"usage", "support", "nps",
                                                    "payment", "engagement"};
    return (unsigned)k < CSM_HC_COUNT ? names[k] : "?";
}

const char *csm_health_band_name(int band)
{
    switch (band) {
    case CSM_BAND_RED:
        return "red";
    case CSM_BAND_YELLOW:
        return "yellow";
    case CSM_BAND_GREEN:
        return "green";
    default:
        return "none";
    }
}

/* 0 at or below lo, 100 at or above hi, the straight line between. */
static double rising(double x, double lo, double hi)
{
    if (x <= lo)
        return 0.0;
    if (x >= hi)
        return 100.0;
    return 100.0 * (x - lo) / (hi - lo);
}

/* 100 at or below ok, 0 at or above max, the straight line between. */
static double falling(double x, double ok, double max)
{
    if (x <= ok)
        return 100.0;
    if (x >= max)
        return 0.0;
    return 100.0 * (max - x) / (max - ok);
}

static void put(csm_health_parts *p, csm_health_component k, double weight,
                double input, double score)
{
    if (weight <= 0)
        return; /* a weight of 0 means the component is not used */
    p->present[k] = true;
    p->input[k] = input;
    p->score[k] = score;
}

void csm_health_components(const csm_dataset *ds, const csm_health_config *h,
                           int m, size_t c, csm_health_parts *out)
{
    memset(out, 0, sizeof *out);
    if (m < 0 || m >= ds->n_months || c >= ds->n_customers)
        return;
    int32_t active = csm_ds_attr(ds, m, CSM_ATTR_ACTIVE_USERS, c);
    int32_t licensed = csm_ds_attr(ds, m, CSM_ATTR_LICENSED_USERS, c);
    /* More active users than seats is full usage (the validator warns
     * "counted as 100%"), also against 0 seats; 0 of 0 says nothing. */
    if (active != CSM_NA && licensed != CSM_NA &&
        (licensed > 0 || active > 0)) {
        double r = licensed > 0 ? (double)active / (double)licensed : 1.0;
        if (r > 1.0)
            r = 1.0;
        put(out, CSM_HC_USAGE, h->w_usage, r,
            rising(r, h->usage_low, h->usage_high));
    }
    int32_t tickets = csm_ds_attr(ds, m, CSM_ATTR_OPEN_TICKETS, c);
    if (tickets != CSM_NA)
        put(out, CSM_HC_SUPPORT, h->w_support, tickets,
            falling(tickets, h->support_ok, h->support_max));
    int32_t nps = csm_ds_attr(ds, m, CSM_ATTR_NPS, c);
    if (nps != CSM_NA)
        put(out, CSM_HC_NPS, h->w_nps, nps,
            rising(nps, h->nps_low, h->nps_high));
    int32_t dpd = csm_ds_attr(ds, m, CSM_ATTR_DAYS_PAST_DUE, c);
    if (dpd != CSM_NA)
        put(out, CSM_HC_PAYMENT, h->w_payment, dpd,
            falling(dpd, h->payment_ok_days, h->payment_max_days));
    int32_t last = csm_ds_attr(ds, m, CSM_ATTR_LAST_ENGAGEMENT, c);
    if (last != CSM_NA) {
        csm_day end = csm_month_last_day(csm_dataset_month(ds, m));
        /* A date after the snapshot's month end (entered late) is taken as
         * engagement on the snapshot day itself. */
        double days = end > last ? (double)end - (double)last : 0.0;
        put(out, CSM_HC_ENGAGEMENT, h->w_engagement, days,
            falling(days, h->engagement_ok_days, h->engagement_max_days));
    }
    out->champion_left = csm_ds_attr(ds, m, CSM_ATTR_CHAMPION_LEFT, c) == 1;

    static const size_t woff[CSM_HC_COUNT] = {
        offsetof(csm_health_config, w_usage),
        offsetof(csm_health_config, w_support),
        offsetof(csm_health_config, w_nps),
        offsetof(csm_health_config, w_payment),
        offsetof(csm_health_config, w_engagement)};
    double wsum = 0, acc = 0;
    for (int k = 0; k < CSM_HC_COUNT; k++) {
        if (!out->present[k])
            continue;
        double w = *(const double *)(const void *)((const char *)h + woff[k]);
        wsum += w;
        acc += w * out->score[k];
    }
    if (wsum > 0) {
        /* Re-weighting: dividing by the weights present is the weighted
         * mean of the components that exist. */
        double s = acc / wsum;
        if (out->champion_left)
            s -= h->champion_penalty;
        out->computed = s < 0 ? 0 : s > 100 ? 100 : s;
        out->has_computed = true;
    }
    int32_t supplied = csm_ds_attr(ds, m, CSM_ATTR_HEALTH_SCORE, c);
    if (supplied != CSM_NA) {
        out->has_supplied = true;
        out->supplied = supplied;
    }
    out->has_score = out->has_supplied || out->has_computed;
    out->score_final =
        out->has_supplied ? (double)out->supplied : out->computed;
}

int csm_health_band_of(const csm_health_config *h, double score)
{
    bool green =
        h->lower_inclusive ? score >= h->green_min : score > h->green_min;
    if (green)
        return CSM_BAND_GREEN;
    bool yellow =
        h->lower_inclusive ? score >= h->yellow_min : score > h->yellow_min;
    return yellow ? CSM_BAND_YELLOW : CSM_BAND_RED;
}

int csm_health_weakest(const csm_health_parts *p, int k,
                       csm_health_component *out)
{
    bool used[CSM_HC_COUNT] = {false};
    int n = 0;
    for (; n < k && n < CSM_HC_COUNT; n++) {
        int best = -1;
        for (int i = 0; i < CSM_HC_COUNT; i++)
            if (p->present[i] && !used[i] &&
                (best < 0 || p->score[i] < p->score[best]))
                best = i;
        if (best < 0)
            break;
        used[best] = true;
        out[n] = (csm_health_component)best;
    }
    return n;
}

/* ------------------------------------------------------------------ */
/* Scoring and distribution                                             */

static void tally(csm_health_tally *t, int64_t mrr)
{
    t->logos++;
    t->mrr += mrr; /* bounded by the loader's checked month total */
}

static void score_all(const csm_dataset *ds, const csm_health_config *hc,
                      csm_health *h)
{
    size_t nc = ds->n_customers;
    for (int m = 0; m < ds->n_months; m++) {
        csm_health_month *hm = &h->months[m];
        hm->month = csm_dataset_month(ds, m);
        for (size_t c = 0; c < nc; c++) {
            size_t at = (size_t)m * nc + c;
            csm_health_parts p;
            csm_health_components(ds, hc, m, c, &p);
            if (p.has_score) {
                /* Hundredths, half away from zero; the band is taken from
                 * the kept value so shown score and band agree. */
                long kept = lround(p.score_final * 100.0);
                h->score[at] = (uint16_t)kept;
                h->band[at] =
                    (uint8_t)(csm_health_band_of(hc, (double)kept / 100.0) |
                              (p.has_supplied ? CSM_HEALTH_SUPPLIED : 0));
            } else {
                h->score[at] = CSM_HEALTH_NO_SCORE;
                h->band[at] = CSM_BAND_NONE;
            }
            int64_t mrr = ds->mrr[m][c];
            if (mrr <= 0)
                continue;
            switch (h->band[at] & 0x7) {
            case CSM_BAND_RED:
                tally(&hm->red, mrr);
                break;
            case CSM_BAND_YELLOW:
                tally(&hm->yellow, mrr);
                break;
            case CSM_BAND_GREEN:
                tally(&hm->green, mrr);
                break;
            default:
                tally(&hm->unscored, mrr);
                break;
            }
            if (h->score[at] != CSM_HEALTH_NO_SCORE) {
                if (h->band[at] & CSM_HEALTH_SUPPLIED)
                    hm->supplied++;
                else
                    hm->computed++;
            }
        }
        h->unscored_total += hm->unscored.logos;
        h->scored_total += hm->supplied + hm->computed;
    }
}

/* ------------------------------------------------------------------ */
/* Score check                                                          */

/* Counts of one check row before intervals are attached. */
typedef struct counts {
    size_t n[4], x[4];  /* by band slot: red, yellow, green, unscored */
    size_t red_churned; /* red and churned */
    size_t churned;     /* scored and churned */
    size_t scored;
    size_t active;
} counts;

static int slot_of(int band)
{
    switch (band) {
    case CSM_BAND_RED:
        return 0;
    case CSM_BAND_YELLOW:
        return 1;
    case CSM_BAND_GREEN:
        return 2;
    default:
        return 3;
    }
}

/* Churned within the horizon: inactive in at least one month after m. */
static bool churns_within(const csm_dataset *ds, int m, size_t c, int months)
{
    for (int k = m + 1; k <= m + months; k++)
        if (ds->mrr[k][c] <= 0)
            return true;
    return false;
}

static csm_error finish_check(const counts *ct, double level,
                              csm_health_check *r)
{
    csm_prop_ci *band[4] = {&r->red, &r->yellow, &r->green, &r->unscored};
    csm_error rc = CSM_OK;
    for (int i = 0; i < 4 && rc == CSM_OK; i++)
        rc = csm_stats_wilson(ct->x[i], ct->n[i], level, band[i]);
    if (rc == CSM_OK)
        rc = csm_stats_wilson(ct->churned, ct->scored, level, &r->all_scored);
    if (rc == CSM_OK)
        rc = csm_stats_wilson(ct->red_churned, ct->n[0], level,
                              &r->red_precision);
    if (rc == CSM_OK)
        rc = csm_stats_wilson(ct->red_churned, ct->churned, level,
                              &r->red_recall);
    r->active = (long)ct->active;
    r->scored = (long)ct->scored;
    return rc;
}

/* AUC from per-score counts of positives (stayed) and negatives (churned):
 * the same pair count as csm_stats_auc (2U = Σ_s 2 p_s below_s + p_s q_s,
 * below_s = negatives scoring under s), done on the 10001 possible kept
 * scores instead of sorted arrays, so pooling millions of customer-months
 * needs 160 KB instead of a copy of them all.  test_health checks it equals
 * csm_stats_auc. */
static void auc_from_counts(const uint64_t *pos, const uint64_t *neg,
                            csm_auc *out)
{
    memset(out, 0, sizeof *out);
    uint64_t u2 = 0, below = 0;
    for (size_t s = 0; s < SCORE_STEPS; s++) {
        u2 += 2 * pos[s] * below + pos[s] * neg[s];
        below += neg[s];
        out->n_pos += pos[s];
        out->n_neg += neg[s];
    }
    if (out->n_pos == 0 || out->n_neg == 0)
        return;
    out->auc = (double)u2 / 2.0 / ((double)out->n_pos * (double)out->n_neg);
    out->defined = true;
}

static csm_error run_checks(const csm_dataset *ds, double level, csm_health *h)
{
    int horizon = h->check_horizon;
    int eligible = ds->n_months - horizon;
    if (eligible < 0)
        eligible = 0;
    h->checks =
        csm_xcalloc((size_t)(eligible ? eligible : 1), sizeof *h->checks);
    size_t nc = ds->n_customers;
    /* Per-score counts, pooled and of the month: the month's AUC comes
     * from its counts too (no sort of the month's scores). */
    uint64_t *pos = csm_xcalloc(SCORE_STEPS, sizeof *pos);
    uint64_t *neg = csm_xcalloc(SCORE_STEPS, sizeof *neg);
    uint64_t *mpos = csm_xcalloc(SCORE_STEPS, sizeof *mpos);
    uint64_t *mneg = csm_xcalloc(SCORE_STEPS, sizeof *mneg);
    counts all;
    memset(&all, 0, sizeof all);
    csm_error rc = CSM_OK;
    for (int m = 0; m < eligible && rc == CSM_OK; m++) {
        counts ct;
        memset(&ct, 0, sizeof ct);
        memset(mpos, 0, SCORE_STEPS * sizeof *mpos);
        memset(mneg, 0, SCORE_STEPS * sizeof *mneg);
        for (size_t c = 0; c < nc; c++) {
            if (ds->mrr[m][c] <= 0)
                continue;
            bool churned = churns_within(ds, m, c, horizon);
            int slot = slot_of(csm_health_band(h, m, c));
            ct.active++;
            ct.n[slot]++;
            ct.x[slot] += churned;
            if (slot == 3)
                continue;
            ct.scored++;
            ct.churned += churned;
            ct.red_churned += churned && slot == 0;
            uint16_t s = h->score[(size_t)m * nc + c];
            if (churned)
                mneg[s]++;
            else
                mpos[s]++;
        }
        for (size_t s = 0; s < SCORE_STEPS; s++) {
            pos[s] += mpos[s];
            neg[s] += mneg[s];
        }
        csm_health_check *r = &h->checks[h->n_checks++];
        r->month = csm_dataset_month(ds, m);
        r->months = 1;
        rc = finish_check(&ct, level, r);
        auc_from_counts(mpos, mneg, &r->auc);
        for (int i = 0; i < 4; i++) {
            all.n[i] += ct.n[i];
            all.x[i] += ct.x[i];
        }
        all.red_churned += ct.red_churned;
        all.churned += ct.churned;
        all.scored += ct.scored;
        all.active += ct.active;
    }
    h->pooled.month = CSM_NO_MONTH;
    h->pooled.months = h->n_checks;
    if (rc == CSM_OK)
        rc = finish_check(&all, level, &h->pooled);
    auc_from_counts(pos, neg, &h->pooled.auc);
    free(pos);
    free(neg);
    free(mpos);
    free(mneg);
    return rc;
}

csm_error csm_health_run(const csm_dataset *ds, const csm_config *cfg,
                         csm_health **out, csm_diags *diag)
{
    *out = NULL;
    csm_health *h = csm_xcalloc(1, sizeof *h);
    h->n_months = ds->n_months;
    h->n_customers = ds->n_customers;
    h->check_horizon = CSM_HEALTH_CHECK_MONTHS;
    size_t cells = (size_t)ds->n_months * ds->n_customers;
    /* csm_xcalloc checks count * size for overflow. */
    h->score = csm_xcalloc(cells ? cells : 1, sizeof *h->score);
    h->band = csm_xcalloc(cells ? cells : 1, sizeof *h->band);
    h->months = csm_xcalloc(ds->n_months > 0 ? (size_t)ds->n_months : 1,
                            sizeof *h->months);
    score_all(ds, &cfg->health, h);
    csm_error rc = run_checks(ds, cfg->ci_level, h);
    if (rc != CSM_OK) {
        csm_diags_add(diag, CSM_SEV_ERROR, "health-stats", NULL,
                      "the health score check failed: %s (expected a "
                      "ci_level in 0.5..0.999 and finite scores)",
                      csm_strerror(rc));
        csm_health_free(h);
        return rc;
    }
    *out = h;
    return CSM_OK;
}

void csm_health_free(csm_health *h)
{
    if (!h)
        return;
    free(h->score);
    free(h->band);
    free(h->months);
    free(h->checks);
    free(h);
}
