/* Unit economics (see include/csmetrics/economics.h and
 * docs/metrics/unit_economics.md).  Counts and amounts come from the MRR
 * bridge and from point-to-point retention, so CAC's new logos are the
 * bridge's new logos and CRC's retained logos are retention's. */
#include "csmetrics/economics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/xalloc.h"

const char *csm_ue_metric_name(csm_ue_metric m)
{
    static const char *const names[CSM_UE_METRIC_COUNT] = {
        "acquisition_cost",
        "retention_cost",
        "cac",
        "crc",
        "crc_to_cac",
        "avg_new_logo_mrr",
        "cac_payback_months",
        "arpa",
        "gross_revenue_churn_rate",
        "ltv",
        "ltv_to_cac",
    };
    return (int)m >= 0 && m < CSM_UE_METRIC_COUNT ? names[m] : "";
}

const char *csm_ue_reason_name(csm_ue_reason r)
{
    static const char *const names[CSM_UE_REASON_COUNT] = {
        "",
        "window_not_loaded",
        "no_costs_file",
        "costs_missing",
        "no_new_logos",
        "no_retained_logos",
        "zero_cac",
        "zero_gross_margin",
        "no_active_logos",
        "no_opening_mrr",
        "no_revenue_churn",
        "too_large",
    };
    return (int)r >= 0 && r < CSM_UE_REASON_COUNT ? names[r] : "";
}

char *csm_ue_reason_text(const csm_ue_window *w, csm_ue_reason r, char *buf,
                         size_t n)
{
    char a[CSM_DATE_BUFSZ];
    size_t len;
    buf[0] = '\0';
    switch (r) {
    case CSM_UE_DEFINED:
        break;
    case CSM_UE_WINDOW_NOT_LOADED:
        snprintf(buf, n,
                 "the %d-month window needs its base month %s (the month "
                 "before it) loaded",
                 w->months, csm_month_format(w->base, a));
        break;
    case CSM_UE_NO_COSTS_FILE:
        snprintf(buf, n, "there is no costs.csv");
        break;
    case CSM_UE_COSTS_MISSING:
        snprintf(buf, n, "costs.csv has no row for");
        for (int i = 0; i < w->n_missing_costs; i++) {
            len = strlen(buf);
            snprintf(buf + len, n - len, "%s %s", i ? "," : "",
                     csm_month_format(w->missing_costs[i], a));
        }
        break;
    case CSM_UE_NO_NEW_LOGOS:
        snprintf(buf, n, "no new logos in the window");
        break;
    case CSM_UE_NO_RETAINED_LOGOS:
        snprintf(buf, n,
                 "no customer active in %s is still active at the end "
                 "(%ld in the base)",
                 csm_month_format(w->base, a), w->base_logos);
        break;
    case CSM_UE_ZERO_CAC:
        snprintf(buf, n, "CAC is 0 (no acquisition cost in the window)");
        break;
    case CSM_UE_ZERO_MARGIN:
        snprintf(buf, n, "the gross margin is 0, so CAC is never paid back");
        break;
    case CSM_UE_NO_ACTIVE_LOGOS:
        snprintf(buf, n, "no customer is active in any month of the window");
        break;
    case CSM_UE_NO_OPENING_MRR:
        snprintf(buf, n, "there is no opening MRR in any month of the window");
        break;
    case CSM_UE_NO_REVENUE_CHURN:
        snprintf(buf, n,
                 "no churned or contracted MRR in the window: the lifetime "
                 "is unbounded");
        break;
    case CSM_UE_TOO_LARGE:
        snprintf(buf, n, "the value does not fit in a 64-bit amount");
        break;
    default:
        break;
    }
    return buf;
}

/* Sums b into *acc; false on overflow. */
static bool add(int64_t *acc, int64_t b)
{
    return csm_money_add(*acc, b, acc);
}

/* money / count, rounded half to even (exact 128-bit intermediate). */
static csm_ue_money per(int64_t money, long count)
{
    csm_ue_money r = {0, false};
    if (count > 0 && csm_muldiv_round(money, 1, count, &r.value))
        r.defined = true;
    return r;
}

/* Fills the costs of the window; returns false on overflow. */
static bool window_costs(const csm_dataset *ds, int first, int m1,
                         csm_ue_window *w, int64_t *acq, int64_t *ret)
{
    *acq = 0;
    *ret = 0;
    /* Without costs.csv no month is "missing": the whole table is. */
    for (int k = first; k <= m1 && ds->has_costs; k++) {
        csm_month mk = csm_dataset_month(ds, k);
        /* The loader sorted the rows by month and refused duplicates; a
         * linear search keeps this obvious (at most a few hundred rows). */
        const csm_cost *c = NULL;
        for (size_t i = 0; i < ds->n_costs && !c; i++)
            if (ds->costs[i].month == mk)
                c = &ds->costs[i];
        if (!c) {
            w->missing_costs[w->n_missing_costs++] = mk;
            continue;
        }
        w->cost_months++;
        if (!add(acq, c->acquisition) || !add(ret, c->retention))
            return false;
    }
    return true;
}

/* Records reason r for metric m unless one is already recorded. */
static void why(csm_ue_window *w, csm_ue_metric m, csm_ue_reason r)
{
    if (w->why[m] == CSM_UE_DEFINED)
        w->why[m] = r;
}

csm_error csm_economics_window(const csm_dataset *ds, const csm_config *cfg,
                               const csm_bridge *bridge, int m1, int months,
                               csm_ue_window *out, csm_diags *diag)
{
    memset(out, 0, sizeof *out);
    if (months < 1 || months > CSM_UE_MAX_WINDOW || m1 < 0 ||
        m1 >= ds->n_months || m1 >= bridge->n_months)
        return CSM_EUSAGE;
    csm_ue_window *w = out;
    int first = m1 - months + 1;
    w->months = months;
    w->to = csm_dataset_month(ds, m1);
    w->from = w->to - months + 1;
    w->base = w->from - 1;
    /* The bridge's first month is an opening balance without movements,
     * so a window needs its base month M0 loaded. */
    w->fits = first - 1 >= 0;
    if (!w->fits) {
        for (int m = 0; m < CSM_UE_METRIC_COUNT; m++)
            w->why[m] = CSM_UE_WINDOW_NOT_LOADED;
        return CSM_OK;
    }

    int64_t acq = 0, ret = 0;
    if (!window_costs(ds, first, m1, w, &acq, &ret))
        goto overflow;
    for (int k = first; k <= m1; k++) {
        const csm_bridge_month *b = &bridge->months[k];
        w->new_logos += b->logos.new_;
        w->reactivated_logos += b->logos.reactivation;
        w->logo_months += b->logos.closing;
        if (!add(&w->new_mrr, b->amount.new_) ||
            !add(&w->mrr_months, b->amount.closing) ||
            !add(&w->opening_mrr, b->amount.opening) ||
            !add(&w->lost_mrr, b->amount.churn) ||
            !add(&w->lost_mrr, b->amount.contraction))
            goto overflow;
    }
    csm_retention r = csm_retention_window(ds, first - 1, m1);
    w->base_logos = r.base_logos;
    w->retained_logos = r.retained_logos;

    /* Reasons, in the order the header documents: costs, counts,
     * amounts. */
    csm_ue_reason cost_why = !ds->has_costs       ? CSM_UE_NO_COSTS_FILE
                             : w->n_missing_costs ? CSM_UE_COSTS_MISSING
                                                  : CSM_UE_DEFINED;
    if (cost_why == CSM_UE_DEFINED) {
        w->acquisition_cost = (csm_ue_money){acq, true};
        w->retention_cost = (csm_ue_money){ret, true};
    }
    why(w, CSM_UE_ACQUISITION_COST, cost_why);
    why(w, CSM_UE_RETENTION_COST, cost_why);

    /* CAC and CRC: money over a count, rounded half to even. */
    why(w, CSM_UE_CAC, cost_why);
    if (w->new_logos == 0)
        why(w, CSM_UE_CAC, CSM_UE_NO_NEW_LOGOS);
    if (w->why[CSM_UE_CAC] == CSM_UE_DEFINED)
        w->cac = per(acq, w->new_logos);
    why(w, CSM_UE_CRC, cost_why);
    if (w->retained_logos == 0)
        why(w, CSM_UE_CRC, CSM_UE_NO_RETAINED_LOGOS);
    if (w->why[CSM_UE_CRC] == CSM_UE_DEFINED)
        w->crc = per(ret, w->retained_logos);

    /* CRC:CAC from the unrounded quotients:
     *   (ret / retained) / (acq / new) = ret * new / (acq * retained). */
    why(w, CSM_UE_CRC_TO_CAC, w->why[CSM_UE_CRC]);
    why(w, CSM_UE_CRC_TO_CAC, w->why[CSM_UE_CAC]);
    if (w->why[CSM_UE_CAC] == CSM_UE_DEFINED && acq == 0)
        why(w, CSM_UE_CRC_TO_CAC, CSM_UE_ZERO_CAC);
    if (w->why[CSM_UE_CRC_TO_CAC] == CSM_UE_DEFINED)
        w->crc_to_cac = csm_ratio_value(
            (double)((long double)ret * (long double)w->new_logos /
                     ((long double)acq * (long double)w->retained_logos)));

    /* Average new-logo MRR and payback.  Payback
     *   = CAC / (new MRR / new logos * margin)
     *   = (acq / new) / (new_mrr / new * margin) = acq / (new_mrr * margin),
     * so it is computed without either rounded quotient.  new_mrr > 0
     * whenever new logos > 0 (a new customer has MRR > 0). */
    if (w->new_logos == 0)
        why(w, CSM_UE_AVG_NEW_LOGO_MRR, CSM_UE_NO_NEW_LOGOS);
    else
        w->avg_new_logo_mrr = per(w->new_mrr, w->new_logos);
    why(w, CSM_UE_CAC_PAYBACK, w->why[CSM_UE_CAC]);
    if (cfg->gross_margin <= 0.0)
        why(w, CSM_UE_CAC_PAYBACK, CSM_UE_ZERO_MARGIN);
    if (w->why[CSM_UE_CAC_PAYBACK] == CSM_UE_DEFINED)
        w->cac_payback_months = csm_ratio_value(
            (double)((long double)acq /
                     ((long double)w->new_mrr * cfg->gross_margin)));

    /* ARPA: MRR per active customer-month over the window. */
    if (w->logo_months == 0)
        why(w, CSM_UE_ARPA, CSM_UE_NO_ACTIVE_LOGOS);
    else
        w->arpa = per(w->mrr_months, w->logo_months);

    /* Monthly gross revenue churn: the opening-weighted mean of the monthly
     * rates (churn + contraction) / opening, which is the pooled ratio. */
    if (w->opening_mrr == 0)
        why(w, CSM_UE_CHURN_RATE, CSM_UE_NO_OPENING_MRR);
    else
        w->gross_revenue_churn_rate =
            csm_ratio_i64(w->lost_mrr, w->opening_mrr);

    /* LTV = ARPA * margin / rate
     *     = (mrr_months / logo_months) * margin * opening / lost,
     * computed in long double from the exact sums and rounded half to even
     * (nearbyint in the default rounding mode) once. */
    long double ltv = 0;
    why(w, CSM_UE_LTV, w->why[CSM_UE_ARPA]);
    why(w, CSM_UE_LTV, w->why[CSM_UE_CHURN_RATE]);
    if (w->lost_mrr == 0)
        why(w, CSM_UE_LTV, CSM_UE_NO_REVENUE_CHURN);
    if (w->why[CSM_UE_LTV] == CSM_UE_DEFINED) {
        ltv = (long double)w->mrr_months * (long double)w->opening_mrr *
              cfg->gross_margin /
              ((long double)w->logo_months * (long double)w->lost_mrr);
        long double rounded = nearbyintl(ltv);
        if (!(rounded < 9223372036854775807.0L))
            why(w, CSM_UE_LTV, CSM_UE_TOO_LARGE);
        else
            w->ltv = (csm_ue_money){(int64_t)rounded, true};
    }
    why(w, CSM_UE_LTV_TO_CAC, w->why[CSM_UE_LTV]);
    why(w, CSM_UE_LTV_TO_CAC, w->why[CSM_UE_CAC]);
    if (w->why[CSM_UE_CAC] == CSM_UE_DEFINED && acq == 0)
        why(w, CSM_UE_LTV_TO_CAC, CSM_UE_ZERO_CAC);
    /* LTV / (acq / new) = LTV * new / acq, from the unrounded LTV. */
    if (w->why[CSM_UE_LTV_TO_CAC] == CSM_UE_DEFINED)
        w->ltv_to_cac = csm_ratio_value(
            (double)(ltv * (long double)w->new_logos / (long double)acq));
    return CSM_OK;

overflow:
    if (diag) {
        char a[CSM_DATE_BUFSZ], b[CSM_DATE_BUFSZ];
        csm_diags_add(diag, CSM_SEV_ERROR, "economics-overflow", NULL,
                      "unit economics for %s..%s: a cost or MRR sum exceeds "
                      "the largest amount that can be held exactly",
                      csm_month_format(w->from, a), csm_month_format(w->to, b));
    }
    return CSM_EDATA;
}

/* One warning per reason that leaves figures of window w undefined,
 * naming the figures. */
static void warn_window(const csm_ue_window *w, csm_diags *diag)
{
    for (int r = 1; r < CSM_UE_REASON_COUNT; r++) {
        char names[256] = "", text[256], a[CSM_DATE_BUFSZ], b[CSM_DATE_BUFSZ];
        for (int m = 0; m < CSM_UE_METRIC_COUNT; m++) {
            if ((int)w->why[m] != r)
                continue;
            size_t len = strlen(names);
            snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "",
                     csm_ue_metric_name((csm_ue_metric)m));
        }
        if (!names[0])
            continue;
        csm_diags_add(
            diag, CSM_SEV_WARNING, "unit-economics-undefined", NULL,
            "unit economics, %d-month window %s..%s: %s not "
            "defined: %s",
            w->months, csm_month_format(w->from, a), csm_month_format(w->to, b),
            names, csm_ue_reason_text(w, (csm_ue_reason)r, text, sizeof text));
    }
}

csm_error csm_economics_run(const csm_dataset *ds, const csm_config *cfg,
                            const csm_bridge *bridge, int report_month,
                            csm_economics **out, csm_diags *diag)
{
    *out = NULL;
    if (report_month < 0 || report_month >= ds->n_months)
        return CSM_EUSAGE;
    csm_economics *e = csm_xcalloc(1, sizeof *e);
    e->report_month = report_month;
    e->has_costs = ds->has_costs;
    e->gross_margin = cfg->gross_margin;
    e->n_series = ds->n_months;
    csm_error rc = CSM_OK;
    for (int w = 0; w < CSM_RETENTION_WINDOWS && rc == CSM_OK; w++) {
        int len = csm_retention_window_months[w];
        rc = csm_economics_window(ds, cfg, bridge, report_month, len,
                                  &e->current[w], diag);
        e->series[w] = csm_xcalloc((size_t)e->n_series, sizeof **e->series);
        for (int k = 0; k < e->n_series && rc == CSM_OK; k++)
            rc = csm_economics_window(ds, cfg, bridge, k, len, &e->series[w][k],
                                      diag);
    }
    if (rc != CSM_OK) {
        csm_economics_free(e);
        return rc;
    }
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++)
        warn_window(&e->current[w], diag);
    *out = e;
    return CSM_OK;
}

void csm_economics_free(csm_economics *e)
{
    if (!e)
        return;
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++)
        free(e->series[w]);
    free(e);
}
