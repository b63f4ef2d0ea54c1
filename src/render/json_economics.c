/* JSON sections unit_economics, referrals and churn_reasons.  The keys
 * are documented in docs/metrics/{unit_economics,referrals,churn_reasons}.md;
 * money is integer minor units, rates are fractions, undefined is null. */
#include "csmetrics/json_economics.h"

#include "csmetrics/churn_reasons.h"
#include "csmetrics/economics.h"
#include "csmetrics/referrals.h"

/* Items shown in a capped list; the list's count says how many exist. */
#define LIST_MAX 100

static const char *const window_keys[CSM_RETENTION_WINDOWS] = {"m1", "m3",
                                                               "m12"};

static void money(csm_json *j, const char *key, csm_ue_money v)
{
    if (v.defined)
        csm_json_int(j, key, v.value);
    else
        csm_json_null(j, key);
}

static void reason(csm_json *j, const char *key, csm_ue_reason r)
{
    if (r == CSM_UE_DEFINED)
        csm_json_null(j, key);
    else
        csm_json_string(j, key, csm_ue_reason_name(r));
}

/* ------------------------------------------------------ unit_economics */

static void ue_window(csm_json *j, const char *key, const csm_ue_window *w)
{
    if (!w->fits) {
        csm_json_null(j, key);
        return;
    }
    csm_json_object(j, key);
    csm_json_month(j, "from", w->from);
    csm_json_month(j, "to", w->to);
    csm_json_month(j, "base_month", w->base);
    csm_json_int(j, "months", w->months);
    money(j, "acquisition_cost", w->acquisition_cost);
    money(j, "retention_cost", w->retention_cost);
    csm_json_int(j, "cost_months", w->cost_months);
    csm_json_array_inline(j, "missing_cost_months");
    for (int i = 0; i < w->n_missing_costs; i++)
        csm_json_month(j, NULL, w->missing_costs[i]);
    csm_json_end(j);
    csm_json_int(j, "new_logos", w->new_logos);
    csm_json_int(j, "reactivated_logos", w->reactivated_logos);
    csm_json_int(j, "new_mrr", w->new_mrr);
    csm_json_int(j, "base_logos", w->base_logos);
    csm_json_int(j, "retained_logos", w->retained_logos);
    money(j, "cac", w->cac);
    money(j, "crc", w->crc);
    csm_json_ratio(j, "crc_to_cac", w->crc_to_cac);
    money(j, "avg_new_logo_mrr", w->avg_new_logo_mrr);
    csm_json_ratio(j, "cac_payback_months", w->cac_payback_months);
    csm_json_int(j, "closing_mrr_sum", w->mrr_months);
    csm_json_int(j, "closing_logos_sum", w->logo_months);
    money(j, "arpa", w->arpa);
    csm_json_int(j, "opening_mrr_sum", w->opening_mrr);
    csm_json_int(j, "churn_contraction_sum", w->lost_mrr);
    csm_json_ratio(j, "gross_revenue_churn_rate", w->gross_revenue_churn_rate);
    money(j, "ltv", w->ltv);
    csm_json_ratio(j, "ltv_to_cac", w->ltv_to_cac);
    csm_json_end(j);
}

static void ue_series_item(csm_json *j, const csm_ue_window *w)
{
    csm_json_object_inline(j, NULL);
    csm_json_month(j, "month", w->to);
    csm_json_int(j, "new_logos", w->new_logos);
    csm_json_int(j, "retained_logos", w->retained_logos);
    money(j, "acquisition_cost", w->acquisition_cost);
    money(j, "retention_cost", w->retention_cost);
    money(j, "cac", w->cac);
    money(j, "crc", w->crc);
    reason(j, "cac_reason", w->why[CSM_UE_CAC]);
    reason(j, "crc_reason", w->why[CSM_UE_CRC]);
    csm_json_end(j);
}

static void ue_note(csm_json *j, const char *window, const char *metric,
                    const csm_ue_window *w, csm_ue_reason r)
{
    char text[256];
    csm_json_object_inline(j, NULL);
    csm_json_string(j, "window", window);
    csm_json_string(j, "metric", metric);
    csm_json_string(j, "reason", csm_ue_reason_name(r));
    csm_json_string(j, "message", csm_ue_reason_text(w, r, text, sizeof text));
    csm_json_end(j);
}

void csm_json_write_unit_economics(const csm_metrics *m, const csm_diags *d,
                                   csm_json *j)
{
    (void)d;
    const csm_economics *e = m->economics;
    csm_json_object(j, "unit_economics");
    csm_json_bool(j, "has_costs", e->has_costs);
    csm_json_double(j, "gross_margin", e->gross_margin);
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++)
        ue_window(j, window_keys[w], &e->current[w]);
    csm_json_object(j, "series");
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++) {
        csm_json_array(j, window_keys[w]);
        for (int k = 0; k < e->n_series; k++)
            if (e->series[w][k].fits)
                ue_series_item(j, &e->series[w][k]);
        csm_json_end(j);
    }
    csm_json_end(j);
    /* Every null of the windows above, with its reason. */
    csm_json_array(j, "notes");
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++) {
        const csm_ue_window *uw = &e->current[w];
        if (!uw->fits) {
            ue_note(j, window_keys[w], "window", uw, CSM_UE_WINDOW_NOT_LOADED);
            continue;
        }
        for (int k = 0; k < CSM_UE_METRIC_COUNT; k++)
            if (uw->why[k] != CSM_UE_DEFINED)
                ue_note(j, window_keys[w], csm_ue_metric_name((csm_ue_metric)k),
                        uw, uw->why[k]);
    }
    csm_json_end(j);
    csm_json_end(j);
}

/* ----------------------------------------------------------- referrals */

static void ref_month(csm_json *j, const char *key,
                      const csm_referral_month *rm, bool inline_obj)
{
    if (inline_obj)
        csm_json_object_inline(j, key);
    else
        csm_json_object(j, key);
    csm_json_month(j, "month", rm->month);
    csm_json_int(j, "active_logos", rm->active_logos);
    csm_json_int(j, "referring_logos", rm->referring_logos);
    csm_json_ratio(j, "rate", rm->rate);
    csm_json_interval(j, "rate_ci", rm->rate_ci.defined, rm->rate_ci.lo,
                      rm->rate_ci.hi);
    csm_json_int(j, "referrals", rm->referrals);
    csm_json_int(j, "referrals_12m", rm->referrals_12m);
    csm_json_int(j, "converted_logos", rm->converted_logos);
    csm_json_int(j, "converted_mrr", rm->converted_mrr);
    csm_json_int(j, "converted_logos_12m", rm->converted_logos_12m);
    csm_json_int(j, "converted_mrr_12m", rm->converted_mrr_12m);
    csm_json_end(j);
}

void csm_json_write_referrals(const csm_metrics *m, const csm_diags *d,
                              csm_json *j)
{
    (void)d;
    const csm_referrals *r = m->referrals;
    const csm_dataset *ds = m->ds;
    csm_json_object(j, "referrals");
    csm_json_bool(j, "has_referrals", r->has_referrals);
    csm_json_int(j, "window_months", CSM_REFERRAL_WINDOW);
    csm_json_double(j, "ci_level", r->ci_level);
    if (!r->has_referrals) {
        csm_json_null(j, "current");
        csm_json_array(j, "series");
        csm_json_end(j);
        csm_json_null(j, "outcomes");
        csm_json_int(j, "conversions_count", 0);
        csm_json_array(j, "conversions");
        csm_json_end(j);
        csm_json_array(j, "notes");
        csm_json_string(j, NULL,
                        "there is no referrals.csv: referral rates and "
                        "conversions are not defined");
        csm_json_end(j);
        csm_json_end(j);
        return;
    }
    ref_month(j, "current", &r->months[r->report_month], false);
    csm_json_array(j, "series");
    for (int k = 0; k < r->n_months; k++)
        ref_month(j, NULL, &r->months[k], true);
    csm_json_end(j);
    csm_json_object_inline(j, "outcomes");
    for (int o = 0; o < CSM_REFERRAL_OUTCOMES; o++)
        csm_json_int(j, csm_referral_outcome_name((csm_referral_outcome)o),
                     r->outcomes[o]);
    csm_json_end(j);
    /* Credited conversions of the trailing 12 months, in file order. */
    int lo = r->report_month - (CSM_REFERRAL_WINDOW - 1);
    long count = 0;
    for (size_t i = 0; i < r->n_fates; i++) {
        const csm_referral_fate *f = &r->fates[i];
        count += f->outcome == CSM_REFERRAL_CONVERTED && f->month >= lo &&
                 f->month <= r->report_month;
    }
    csm_json_int(j, "conversions_count", count);
    csm_json_array(j, "conversions");
    long shown = 0;
    for (size_t i = 0; i < r->n_fates && shown < LIST_MAX; i++) {
        const csm_referral_fate *f = &r->fates[i];
        if (f->outcome != CSM_REFERRAL_CONVERTED || f->month < lo ||
            f->month > r->report_month)
            continue;
        const csm_referral *ref = &ds->referrals[f->index];
        char db[CSM_DATE_BUFSZ];
        csm_json_object_inline(j, NULL);
        csm_json_string(j, "referrer", csm_ds_customer_id(ds, ref->referrer));
        csm_json_string(j, "referred", csm_ds_customer_id(ds, ref->referred));
        csm_json_string(j, "date", csm_date_format(ref->date, db));
        csm_json_month(j, "month", csm_dataset_month(ds, f->month));
        csm_json_string(j, "movement", csm_movement_name(f->kind));
        csm_json_int(j, "mrr", f->mrr);
        csm_json_end(j);
        shown++;
    }
    csm_json_end(j);
    csm_json_array(j, "notes");
    csm_json_end(j);
    csm_json_end(j);
}

/* ------------------------------------------------------- churn_reasons */

static void cr_window(csm_json *j, const char *key, const csm_dataset *ds,
                      const csm_churn_window *w)
{
    if (!w->fits) {
        csm_json_null(j, key);
        return;
    }
    csm_json_object(j, key);
    csm_json_month(j, "from", w->from);
    csm_json_month(j, "to", w->to);
    csm_json_int(j, "churned_logos", w->churned_logos);
    csm_json_int(j, "churned_mrr", w->churned_mrr);
    csm_json_int(j, "no_reason_logos", w->no_reason_logos);
    csm_json_int(j, "no_reason_mrr", w->no_reason_mrr);
    csm_json_array(j, "by_category");
    static const csm_reason_category order[CSM_REASON_CATEGORIES] = {
        CSM_REASON_CONTROLLABLE, CSM_REASON_UNCONTROLLABLE,
        CSM_REASON_UNSPECIFIED};
    for (int i = 0; i < CSM_REASON_CATEGORIES; i++) {
        csm_reason_category c = order[i];
        csm_json_object_inline(j, NULL);
        csm_json_string(j, "category", csm_reason_category_name(c));
        csm_json_int(j, "logos", w->category_logos[c]);
        csm_json_int(j, "mrr", w->category_mrr[c]);
        csm_json_ratio(j, "share_logos", w->category_share_logos[c]);
        csm_json_ratio(j, "share_mrr", w->category_share_mrr[c]);
        csm_json_end(j);
    }
    csm_json_end(j);
    csm_json_array(j, "by_reason");
    for (size_t i = 0; i < w->n_by_reason; i++) {
        const csm_reason_total *t = &w->by_reason[i];
        csm_json_object_inline(j, NULL);
        csm_json_string(j, "reason", csm_ds_string(ds, (int32_t)t->reason));
        csm_json_string(j, "category", csm_reason_category_name(t->category));
        csm_json_int(j, "logos", t->logos);
        csm_json_int(j, "mrr", t->mrr);
        csm_json_ratio(j, "share_logos", t->share_logos);
        csm_json_ratio(j, "share_mrr", t->share_mrr);
        csm_json_end(j);
    }
    csm_json_end(j);
    csm_json_end(j);
}

void csm_json_write_churn_reasons(const csm_metrics *m, const csm_diags *d,
                                  csm_json *j)
{
    (void)d;
    const csm_churn_reasons *r = m->churn_reasons;
    const csm_dataset *ds = m->ds;
    char mb[CSM_DATE_BUFSZ];
    csm_json_object(j, "churn_reasons");
    csm_json_bool(j, "has_reasons", r->has_reasons);
    csm_json_int(j, "match_months", r->match_months);
    csm_json_int(j, "matched_exact", r->matched_exact);
    csm_json_int(j, "matched_off", r->matched_off);
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++)
        cr_window(j, window_keys[w], ds, &r->current[w]);

    csm_json_object(j, "missing");
    csm_json_month(j, "from", r->list_from);
    csm_json_month(j, "to", r->list_to);
    csm_json_int(j, "count", (int64_t)r->n_missing);
    csm_json_int(j, "mrr", r->missing_mrr);
    csm_json_array(j, "items");
    for (size_t i = 0; i < r->n_missing && i < LIST_MAX; i++) {
        const csm_churn_event *e = &r->events[r->missing[i]];
        csm_json_object_inline(j, NULL);
        csm_json_string(j, "customer", csm_ds_customer_id(ds, e->customer));
        csm_json_string(j, "month",
                        csm_month_format(csm_dataset_month(ds, e->month), mb));
        csm_json_int(j, "mrr", e->mrr);
        csm_json_end(j);
    }
    csm_json_end(j);
    csm_json_end(j);

    csm_json_object(j, "unmatched");
    csm_json_month(j, "from", r->list_from);
    csm_json_month(j, "to", r->list_to);
    csm_json_int(j, "count", (int64_t)r->n_unmatched);
    csm_json_array(j, "items");
    for (size_t i = 0; i < r->n_unmatched && i < LIST_MAX; i++) {
        const csm_churn_reason *row = &ds->reasons[r->unmatched[i].index];
        csm_json_object_inline(j, NULL);
        csm_json_string(j, "customer", csm_ds_customer_id(ds, row->customer));
        csm_json_string(j, "month", csm_month_format(row->month, mb));
        csm_json_string(j, "reason", csm_ds_string(ds, (int32_t)row->reason));
        csm_json_string(j, "category", csm_reason_category_name(row->category));
        csm_json_string(j, "why",
                        r->unmatched[i].why == CSM_REASON_DUPLICATE
                            ? "duplicate"
                            : "no_churn");
        csm_json_end(j);
    }
    csm_json_end(j);
    csm_json_end(j);

    csm_json_array(j, "notes");
    if (!r->has_reasons)
        csm_json_string(j, NULL,
                        "there is no churn_reasons.csv: every churn is "
                        "counted without a reason");
    csm_json_end(j);
    csm_json_end(j);
}
