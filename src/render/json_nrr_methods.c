/* JSON of the retention-methods family: "retention_methods" and
 * "quick_ratio" (docs/metrics/retention_methods.md). */
#include "csmetrics/json_renewals.h"

#include "csmetrics/nrr_methods.h"

static void window_obj(csm_json *j, const char *key, const csm_nrr_window *w)
{
    if (!w->fits) {
        csm_json_null(j, key);
        return;
    }
    csm_json_object(j, key);
    csm_json_month(j, "from", w->from);
    csm_json_month(j, "to", w->to);
    csm_json_int(j, "months", w->window);

    csm_json_object_inline(j, "point_to_point");
    csm_json_int(j, "base_logos", w->base_logos);
    csm_json_int(j, "base_mrr", w->base_mrr);
    csm_json_int(j, "end_mrr", w->end_mrr);
    csm_json_ratio(j, "nrr", w->p2p_nrr);
    csm_json_end(j);

    csm_json_object_inline(j, "movement_sum");
    csm_json_int(j, "opening", w->window_opening);
    csm_json_int(j, "expansion", w->expansion);
    csm_json_int(j, "reactivation", w->reactivation);
    csm_json_int(j, "contraction", w->contraction);
    csm_json_int(j, "churn", w->churn);
    csm_json_int(j, "new_excluded", w->new_excluded);
    csm_json_int(j, "fx_excluded", w->fx_excluded);
    csm_json_ratio(j, "nrr", w->movement_nrr);
    csm_json_end(j);

    csm_json_object_inline(j, "monthly_average");
    csm_json_int(j, "opening_sum", w->opening_sum);
    csm_json_int(j, "retained_sum", w->retained_sum);
    csm_json_ratio(j, "nrr", w->monthly_average_nrr);
    csm_json_end(j);

    csm_json_ratio(j, "difference", w->difference);
    const csm_nrr_components *c = &w->components;
    csm_json_object_inline(j, "components");
    csm_json_ratio(j, "fx", c->fx);
    csm_json_ratio(j, "churned_and_returned", c->churned_and_returned);
    csm_json_ratio(j, "returned_from_before", c->returned_from_before);
    csm_json_ratio(j, "won_in_window", c->won_in_window);
    csm_json_end(j);

    csm_json_object(j, "customers");
    for (int g = 0; g < CSM_NRR_GROUPS; g++) {
        const csm_nrr_group_sums *s = &w->group[g];
        csm_json_object_inline(j, csm_nrr_group_name((csm_nrr_group)g));
        csm_json_int(j, "logos", s->logos);
        csm_json_int(j, "base_mrr", s->base_mrr);
        csm_json_int(j, "end_mrr", s->end_mrr);
        csm_json_int(j, "fx", s->fx);
        csm_json_int(j, "new", s->new_mrr);
        csm_json_int(j, "opening_sum", s->opening_sum);
        csm_json_int(j, "retained_sum", s->retained_sum);
        csm_json_end(j);
    }
    csm_json_end(j);
    csm_json_end(j);
}

static void quick_fields(csm_json *j, const csm_quick_ratio_month *q)
{
    csm_json_month(j, "month", q->month);
    if (q->opening_balance) {
        csm_json_null(j, "gains");
        csm_json_null(j, "losses");
    } else {
        csm_json_int(j, "gains", q->gains);
        csm_json_int(j, "losses", q->losses);
    }
    csm_json_ratio(j, "quick_ratio", q->quick_ratio);
    if (q->t12_fits) {
        csm_json_int(j, "gains_t12", q->gains_t12);
        csm_json_int(j, "losses_t12", q->losses_t12);
    } else {
        csm_json_null(j, "gains_t12");
        csm_json_null(j, "losses_t12");
    }
    csm_json_ratio(j, "quick_ratio_t12", q->quick_ratio_t12);
}

void csm_json_write_retention_methods(const csm_metrics *m, const csm_diags *d,
                                      csm_json *j)
{
    (void)d;
    static const char *const keys[CSM_RETENTION_WINDOWS] = {"m1", "m3", "m12"};
    const csm_nrr_methods *r = m->nrr_methods;
    csm_json_object(j, "retention_methods");
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++)
        window_obj(j, keys[w], &r->window[w]);
    csm_json_end(j);

    csm_json_object(j, "quick_ratio");
    if (r->report_month >= 0 && r->report_month < r->n_months)
        quick_fields(j, &r->quick[r->report_month]);
    csm_json_array(j, "series");
    for (int k = 0; k < r->n_months; k++) {
        csm_json_object_inline(j, NULL);
        quick_fields(j, &r->quick[k]);
        csm_json_end(j);
    }
    csm_json_end(j);
    csm_json_end(j);
}
