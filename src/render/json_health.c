/* JSON of the health and at-risk families.  Lays out what
 * src/compute/health.c and at_risk.c computed; computes nothing beyond
 * shares of counts it is given. */
#include "csmetrics/json_health.h"
#include "csmetrics/json_stats.h"

#include "csmetrics/at_risk.h"
#include "csmetrics/health.h"

static void value(csm_json *j, const char *key, csm_stats_value v)
{
    if (v.defined)
        csm_json_double(j, key, v.value);
    else
        csm_json_null(j, key);
}

/* ------------------------------------------------------------------ */
/* health                                                               */

static void band_tally(csm_json *j, const char *key, const csm_health_tally *t,
                       long logos, int64_t mrr)
{
    csm_json_object_inline(j, key);
    csm_json_int(j, "logos", t->logos);
    csm_json_int(j, "mrr", t->mrr);
    csm_json_ratio(j, "logo_share", csm_ratio_i64(t->logos, logos));
    csm_json_ratio(j, "mrr_share", csm_ratio_i64(t->mrr, mrr));
    csm_json_end(j);
}

static void health_month(csm_json *j, const char *key,
                         const csm_health_month *hm)
{
    long logos =
        hm->red.logos + hm->yellow.logos + hm->green.logos + hm->unscored.logos;
    int64_t mrr =
        hm->red.mrr + hm->yellow.mrr + hm->green.mrr + hm->unscored.mrr;
    csm_json_object(j, key);
    csm_json_month(j, "month", hm->month);
    csm_json_int(j, "active_logos", logos);
    csm_json_int(j, "active_mrr", mrr);
    band_tally(j, "green", &hm->green, logos, mrr);
    band_tally(j, "yellow", &hm->yellow, logos, mrr);
    band_tally(j, "red", &hm->red, logos, mrr);
    band_tally(j, "unscored", &hm->unscored, logos, mrr);
    csm_json_int(j, "supplied_scores", hm->supplied);
    csm_json_int(j, "computed_scores", hm->computed);
    csm_json_end(j);
}

static void check_row(csm_json *j, const char *key, const csm_health_check *c,
                      bool pooled)
{
    csm_json_object(j, key);
    if (pooled)
        csm_json_int(j, "months", c->months);
    else
        csm_json_month(j, "month", c->month);
    csm_json_int(j, pooled ? "customer_months" : "active", c->active);
    csm_json_int(j, "scored", c->scored);
    csm_json_object(j, "churn_by_band");
    csm_json_proportion(j, "green", "churned", &c->green);
    csm_json_proportion(j, "yellow", "churned", &c->yellow);
    csm_json_proportion(j, "red", "churned", &c->red);
    csm_json_proportion(j, "unscored", "churned", &c->unscored);
    csm_json_proportion(j, "all_scored", "churned", &c->all_scored);
    csm_json_end(j);
    csm_json_object_inline(j, "auc");
    if (c->auc.defined)
        csm_json_double(j, "value", c->auc.auc);
    else
        csm_json_null(j, "value");
    csm_json_int(j, "stayed", (int64_t)c->auc.n_pos);
    csm_json_int(j, "churned", (int64_t)c->auc.n_neg);
    csm_json_end(j);
    csm_json_object(j, "red_flag");
    csm_json_proportion(j, "precision", "red_and_churned", &c->red_precision);
    csm_json_proportion(j, "recall", "red_and_churned", &c->red_recall);
    csm_json_end(j);
    csm_json_end(j);
}

void csm_json_write_health(const csm_metrics *m, const csm_diags *d,
                           csm_json *j)
{
    (void)d;
    const csm_health *h = m->health;
    if (!h) {
        csm_json_null(j, "health");
        return;
    }
    csm_json_object(j, "health");
    csm_json_string(j, "scale", "0-100, higher is healthier");
    if (m->report_month >= 0 && m->report_month < h->n_months)
        health_month(j, "current", &h->months[m->report_month]);
    else
        csm_json_null(j, "current");
    csm_json_int(j, "scored_customer_months", h->scored_total);
    csm_json_int(j, "unscored_customer_months", h->unscored_total);
    csm_json_array(j, "series");
    for (int k = 0; k < h->n_months; k++)
        health_month(j, NULL, &h->months[k]);
    csm_json_end(j);
    csm_json_object(j, "score_check");
    csm_json_int(j, "horizon_months", h->check_horizon);
    csm_json_string(j, "churned_means",
                    "inactive in at least one of the next horizon_months "
                    "months");
    csm_json_string(j, "auc_means",
                    "probability that a customer who stayed scored higher "
                    "than one who churned (ties count half): 0.5 = no "
                    "information, above 0.5 = higher scores go with "
                    "staying, which is good");
    csm_json_array(j, "months");
    for (int k = 0; k < h->n_checks; k++)
        check_row(j, NULL, &h->checks[k], false);
    csm_json_end(j);
    check_row(j, "pooled", &h->pooled, true);
    csm_json_end(j);
    csm_json_end(j);
}

/* ------------------------------------------------------------------ */
/* at_risk                                                              */

static void outcomes(csm_json *j, const csm_at_risk_summary *s)
{
    if (s->observed == 0) {
        csm_json_null(j, "outcomes");
        return;
    }
    csm_json_object(j, "outcomes");
    csm_json_month(j, "as_of", s->as_of);
    csm_json_bool(j, "final", s->complete);
    for (int o = 0; o < CSM_AR_OUTCOMES; o++) {
        csm_json_object_inline(
            j, csm_at_risk_outcome_name((csm_at_risk_outcome)o));
        csm_json_int(j, "logos", s->outcome[o]);
        csm_json_int(j, "mrr_at_flag", s->outcome_mrr[o]);
        csm_json_ratio(j, "share", s->outcome_share[o]);
        csm_json_end(j);
    }
    csm_json_proportion(j, "save_rate", "saved", &s->save_rate);
    csm_json_int(j, "mrr_at_risk", s->mrr_at_risk);
    csm_json_int(j, "mrr_now", s->mrr_now);
    csm_json_int(j, "mrr_lost", s->mrr_lost);
    csm_json_ratio(j, "mrr_lost_share", s->mrr_lost_share);
    csm_json_end(j);
}

static void cohort_month(csm_json *j, const csm_at_risk_month *am)
{
    csm_json_object(j, NULL);
    csm_json_month(j, "month", am->month);
    csm_json_int(j, "offset", am->offset);
    csm_json_bool(j, "observed", am->observed);
    if (!am->observed) {
        csm_json_null(j, "states");
        csm_json_null(j, "cohort_mrr");
        csm_json_null(j, "nrr");
        csm_json_null(j, "grr");
        csm_json_null(j, "surviving");
        csm_json_null(j, "logo_survival");
        csm_json_null(j, "recovered_so_far");
        csm_json_null(j, "recovered_share");
        csm_json_null(j, "baseline_surviving");
        csm_json_null(j, "baseline_survival");
        csm_json_end(j);
        return;
    }
    csm_json_object(j, "states");
    for (int s = 0; s < CSM_AR_STATES; s++) {
        csm_json_object_inline(j, csm_at_risk_state_name((csm_at_risk_state)s));
        csm_json_int(j, "logos", am->logos[s]);
        csm_json_int(j, "mrr", am->mrr[s]);
        csm_json_end(j);
    }
    csm_json_end(j);
    csm_json_int(j, "cohort_mrr", am->cohort_mrr);
    csm_json_ratio(j, "nrr", am->nrr);
    csm_json_ratio(j, "grr", am->grr);
    csm_json_int(j, "surviving", am->surviving);
    csm_json_ratio(j, "logo_survival", am->logo_survival);
    csm_json_int(j, "recovered_so_far", am->recovered_so_far);
    csm_json_ratio(j, "recovered_share", am->recovered_share);
    csm_json_int(j, "baseline_surviving", am->baseline_surviving);
    csm_json_ratio(j, "baseline_survival", am->baseline_survival);
    csm_json_end(j);
}

static void opt_string(csm_json *j, const csm_dataset *ds, const char *key,
                       int32_t index)
{
    if (index == CSM_NA)
        csm_json_null(j, key);
    else
        csm_json_string(j, key, csm_ds_string(ds, index));
}

static const char *category_name(csm_reason_category c)
{
    switch (c) {
    case CSM_REASON_CONTROLLABLE:
        return "controllable";
    case CSM_REASON_UNCONTROLLABLE:
        return "uncontrollable";
    default:
        return NULL;
    }
}

static void member_row(csm_json *j, const csm_dataset *ds, int follow,
                       const csm_at_risk_member *mem)
{
    char b[CSM_DATE_BUFSZ];
    csm_json_object(j, NULL);
    csm_json_string(j, "id", csm_ds_customer_id(ds, mem->customer));
    csm_json_string(j, "name", ds->names[mem->customer]);
    opt_string(j, ds, "owner", mem->owner);
    opt_string(j, ds, "segment", mem->segment);
    csm_json_string(j, "band_at_flag", csm_health_band_name(mem->band));
    csm_json_double(j, "score_at_flag", mem->score);
    csm_json_bool(j, "score_supplied", mem->score_supplied);
    csm_json_int(j, "mrr_at_flag", mem->mrr_flag);
    csm_json_int(j, "mrr_now", mem->mrr_now);
    if (mem->renewal == CSM_NO_DATE)
        csm_json_null(j, "renewal_date");
    else
        csm_json_string(j, "renewal_date", csm_date_format(mem->renewal, b));
    csm_json_bool(j, "month_to_month", mem->renewal == CSM_NO_DATE);
    csm_json_bool(j, "renewal_in_window", mem->renewal_in_window);
    csm_json_array_inline(j, "weakest");
    for (int i = 0; i < mem->n_weakest; i++) {
        csm_json_object_inline(j, NULL);
        csm_json_string(j, "component",
                        csm_health_component_name(mem->weakest[i]));
        csm_json_double(j, "score", mem->weakest_score[i]);
        csm_json_end(j);
    }
    csm_json_end(j);
    csm_json_array_inline(j, "states");
    for (int k = 0; k < follow; k++) {
        if (mem->states[k] == CSM_AR_NOT_OBSERVED)
            csm_json_null(j, NULL);
        else
            csm_json_string(
                j, NULL,
                csm_at_risk_state_name((csm_at_risk_state)mem->states[k]));
    }
    csm_json_end(j);
    if (mem->months_to_recovery)
        csm_json_int(j, "months_to_recovery", mem->months_to_recovery);
    else
        csm_json_null(j, "months_to_recovery");
    const char *out = csm_at_risk_outcome_name(mem->outcome);
    if (out)
        csm_json_string(j, "outcome", out);
    else
        csm_json_null(j, "outcome");
    opt_string(j, ds, "churn_reason", mem->reason);
    const char *cat =
        mem->reason == CSM_NA ? NULL : category_name(mem->reason_category);
    if (cat)
        csm_json_string(j, "churn_reason_category", cat);
    else
        csm_json_null(j, "churn_reason_category");
    csm_json_end(j);
}

static void rolling_row(csm_json *j, const csm_at_risk_summary *s)
{
    csm_json_object_inline(j, NULL);
    csm_json_month(j, "flag_month", s->flag_month);
    csm_json_int(j, "active_at_flag", s->active);
    csm_json_int(j, "unscored_at_flag", s->unscored);
    csm_json_int(j, "logos", s->logos);
    csm_json_int(j, "red", s->red);
    csm_json_int(j, "yellow", s->yellow);
    csm_json_int(j, "mrr_at_risk", s->mrr_at_risk);
    for (int o = 0; o < CSM_AR_OUTCOMES; o++)
        csm_json_int(j, csm_at_risk_outcome_name((csm_at_risk_outcome)o),
                     s->outcome[o]);
    csm_json_object_inline(j, "shares");
    for (int o = 0; o < CSM_AR_OUTCOMES; o++)
        csm_json_ratio(j, csm_at_risk_outcome_name((csm_at_risk_outcome)o),
                       s->outcome_share[o]);
    csm_json_end(j);
    csm_json_proportion(j, "save_rate", "saved", &s->save_rate);
    csm_json_int(j, "mrr_lost", s->mrr_lost);
    csm_json_ratio(j, "mrr_lost_share", s->mrr_lost_share);
    csm_json_proportion(j, "cohort_churn", "churned", &s->cohort_churn);
    csm_json_proportion(j, "green_churn", "churned", &s->green_churn);
    csm_json_end(j);
}

void csm_json_write_at_risk(const csm_metrics *m, const csm_diags *d,
                            csm_json *j)
{
    (void)d;
    const csm_at_risk *r = m->at_risk;
    if (!r) {
        csm_json_null(j, "at_risk");
        return;
    }
    const csm_at_risk_summary *s = &r->summary;
    csm_json_object(j, "at_risk");
    csm_json_month(j, "flag_month", s->flag_month);
    csm_json_int(j, "follow_months", r->follow);
    csm_json_int(j, "observed_months", s->observed);
    csm_json_bool(j, "complete", s->complete);
    csm_json_array_inline(j, "bands");
    for (int b = CSM_BAND_RED; b <= CSM_BAND_GREEN; b <<= 1)
        if (r->bands & b)
            csm_json_string(j, NULL, csm_health_band_name(b));
    csm_json_end(j);
    csm_json_int(j, "active_at_flag", s->active);
    csm_json_int(j, "unscored_at_flag", s->unscored);
    csm_json_int(j, "green_at_flag", s->baseline);
    csm_json_object_inline(j, "cohort");
    csm_json_int(j, "logos", s->logos);
    csm_json_int(j, "red", s->red);
    csm_json_int(j, "yellow", s->yellow);
    csm_json_int(j, "green", s->green);
    csm_json_int(j, "mrr_at_risk", s->mrr_at_risk);
    csm_json_end(j);
    csm_json_array(j, "months");
    for (int k = 0; k < r->follow; k++)
        cohort_month(j, &r->months[k]);
    csm_json_end(j);
    outcomes(j, s);
    csm_json_object(j, "churn_within");
    csm_json_int(j, "months", s->observed);
    csm_json_proportion(j, "cohort", "churned", &s->cohort_churn);
    csm_json_proportion(j, "green_baseline", "churned", &s->green_churn);
    csm_json_end(j);
    csm_json_object(j, "recovery");
    csm_json_int(j, "recovered", r->recovered);
    csm_json_array_inline(j, "first_green_at_month");
    for (int k = 0; k < r->follow; k++) {
        if (k < s->observed)
            csm_json_int(j, NULL, r->recovered_at[k]);
        else
            csm_json_null(j, NULL);
    }
    csm_json_end(j);
    value(j, "median_months", r->median_recovery);
    csm_json_end(j);
    csm_json_array(j, "customers");
    for (size_t i = 0; i < r->n_members; i++)
        member_row(j, m->ds, r->follow, &r->members[i]);
    csm_json_end(j);
    csm_json_array(j, "rolling");
    for (size_t i = 0; i < r->n_rolling; i++)
        rolling_row(j, &r->rolling[i]);
    csm_json_end(j);
    csm_json_end(j);
}
