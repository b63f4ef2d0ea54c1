/* The "cohorts" member of the run's JSON document.  Matrix rows are
 * written as one-line arrays indexed by age, so a 40-month data set stays
 * a few tens of kilobytes; keys and types are in docs/metrics/cohorts.md. */
#include "csmetrics/cohorts.h"

#include "csmetrics/json_stats.h"

static void row(csm_json *j, const csm_cohort_row *r)
{
    bool rates = !r->left_truncated && r->logos > 0;
    csm_json_object(j, NULL);
    csm_json_string(j, "cohort", r->label);
    csm_json_int(j, "logos", r->logos);
    csm_json_int(j, "never_active", r->never_active);
    csm_json_bool(j, "left_truncated", r->left_truncated);
    csm_json_int(j, "first_observed_age", r->first_observed_age);
    if (r->left_truncated)
        csm_json_null(j, "base_mrr");
    else
        csm_json_int(j, "base_mrr", r->base_mrr);
    csm_json_array_inline(j, "active");
    for (int k = 0; k < r->n_ages; k++)
        if (r->active[k] < 0)
            csm_json_null(j, NULL);
        else
            csm_json_int(j, NULL, r->active[k]);
    csm_json_end(j);
    csm_json_array_inline(j, "mrr");
    for (int k = 0; k < r->n_ages; k++)
        if (r->active[k] < 0)
            csm_json_null(j, NULL);
        else
            csm_json_int(j, NULL, r->mrr[k]);
    csm_json_end(j);
    if (rates) {
        csm_json_array_inline(j, "logo_retention");
        for (int k = 0; k < r->n_ages; k++)
            csm_json_ratio(j, NULL, r->logo_retention[k]);
        csm_json_end(j);
        csm_json_array_inline(j, "revenue_retention");
        for (int k = 0; k < r->n_ages; k++)
            csm_json_ratio(j, NULL, r->revenue_retention[k]);
        csm_json_end(j);
    } else {
        csm_json_null(j, "logo_retention");
        csm_json_null(j, "revenue_retention");
    }
    csm_json_proportion(j, "early_churn", "churned", &r->early_churn);
    csm_json_end(j);
}

static void table(csm_json *j, const char *key, const csm_cohort_table *t)
{
    csm_json_object(j, key);
    csm_json_array(j, "rows");
    for (size_t i = 0; i < t->n_rows; i++)
        row(j, &t->rows[i]);
    csm_json_end(j);
    csm_json_object(j, "all");
    static const char *const counts[] = {"cohorts", "logos", "active",
                                         "base_mrr", "mrr"};
    for (size_t f = 0; f < sizeof counts / sizeof *counts; f++) {
        csm_json_array_inline(j, counts[f]);
        for (int k = 0; k < t->n_ages; k++) {
            const csm_cohort_age *a = &t->all[k];
            int64_t v = f == 0   ? a->cohorts
                        : f == 1 ? a->logos
                        : f == 2 ? a->active
                        : f == 3 ? a->base_mrr
                                 : a->mrr;
            csm_json_int(j, NULL, v);
        }
        csm_json_end(j);
    }
    csm_json_array_inline(j, "logo_retention");
    for (int k = 0; k < t->n_ages; k++)
        csm_json_ratio(j, NULL, t->all[k].logo_retention);
    csm_json_end(j);
    csm_json_array_inline(j, "revenue_retention");
    for (int k = 0; k < t->n_ages; k++)
        csm_json_ratio(j, NULL, t->all[k].revenue_retention);
    csm_json_end(j);
    csm_json_end(j);
    csm_json_end(j);
}

void csm_cohorts_write_json(const csm_cohorts *c, csm_json *j)
{
    if (!c) {
        csm_json_null(j, "cohorts");
        return;
    }
    csm_json_object(j, "cohorts");
    csm_json_int(j, "early_churn_days", c->early_churn_days);
    csm_json_double(j, "ci_level", c->ci_level);
    csm_json_month(j, "first_observed_month", c->first_observed);
    csm_json_int(j, "members", c->members);
    csm_json_object_inline(j, "not_in_a_cohort");
    csm_json_int(j, "opening_balance_no_start", c->opening_no_start);
    csm_json_int(j, "no_signup", c->no_signup);
    csm_json_int(j, "signed_after_report", c->after_report);
    csm_json_end(j);
    csm_json_proportion(j, "early_churn", "churned", &c->early_churn);
    table(j, "by_month", &c->table[CSM_COHORT_MONTH]);
    table(j, "by_quarter", &c->table[CSM_COHORT_QUARTER]);
    csm_json_end(j);
}
