/* JSON of the renewals family: "renewals" and "mid_term_churn"
 * (docs/metrics/renewals.md). */
#include "csmetrics/json_renewals.h"

#include <stdio.h>

#include "csmetrics/renewals.h"

/* Label of a period: "2024-05", "2024-Q2" or "2024". */
static const char *period_label(csm_month start, csm_period_kind kind,
                                char *buf)
{
    if (kind == CSM_PERIOD_QUARTER)
        return csm_quarter_format(start, buf);
    if (kind == CSM_PERIOD_YEAR) {
        snprintf(buf, CSM_DATE_BUFSZ, "%04d", csm_month_year(start));
        return buf;
    }
    return csm_month_format(start, buf);
}

static const char *const period_key[CSM_PERIOD_KINDS] = {"month", "quarter",
                                                         "year"};
static const char *const period_list[CSM_PERIOD_KINDS] = {"months", "quarters",
                                                          "years"};

static void stats_obj(csm_json *j, const char *key, csm_month start,
                      csm_period_kind kind, const csm_renewal_stats *s)
{
    char b[CSM_DATE_BUFSZ];
    csm_json_object_inline(j, key);
    csm_json_string(j, period_key[kind], period_label(start, kind, b));
    csm_json_int(j, "up_logos", s->up_logos);
    csm_json_int(j, "renewed_logos", s->renewed_logos);
    csm_json_int(j, "churned_logos", s->churned_logos);
    csm_json_int(j, "up_mrr", s->up_mrr);
    csm_json_int(j, "renewed_mrr_capped", s->renewed_mrr_capped);
    csm_json_int(j, "renewed_mrr", s->renewed_mrr);
    csm_json_ratio(j, "logo_rate", s->logo_rate);
    csm_json_interval(j, "logo_rate_ci", s->logo_rate_ci.defined,
                      s->logo_rate_ci.lo, s->logo_rate_ci.hi);
    csm_json_ratio(j, "gross_dollar_rate", s->gross_dollar_rate);
    csm_json_ratio(j, "net_dollar_rate", s->net_dollar_rate);
    csm_json_int(j, "pending_logos", s->pending_logos);
    csm_json_int(j, "churned_mrr", s->churned_mrr);
    csm_json_int(j, "pending_mrr", s->pending_mrr);
    if (kind != CSM_PERIOD_MONTH)
        csm_json_int(j, "months", s->months);
    csm_json_bool(j, "complete", s->complete);
    csm_json_end(j);
}

static void table_lists(csm_json *j, const csm_renewal_table *t)
{
    for (int k = 0; k < CSM_PERIOD_KINDS; k++) {
        csm_json_array(j, period_list[k]);
        for (size_t i = 0; i < t->n[k]; i++)
            stats_obj(j, NULL, t->period[k][i].start, (csm_period_kind)k,
                      &t->period[k][i].s);
        csm_json_end(j);
    }
}

static void groups(csm_json *j, const char *key, const csm_renewal_group *g,
                   size_t n)
{
    csm_json_array(j, key);
    for (size_t i = 0; i < n; i++) {
        csm_json_object(j, NULL);
        csm_json_string(j, "value", g[i].value);
        table_lists(j, &g[i].t);
        csm_json_end(j);
    }
    csm_json_end(j);
}

static void mid_obj(csm_json *j, const char *key, csm_period_kind kind,
                    const csm_mid_term_period *p)
{
    char b[CSM_DATE_BUFSZ];
    csm_json_object_inline(j, key);
    csm_json_string(j, period_key[kind], period_label(p->start, kind, b));
    csm_json_int(j, "logos", p->logos);
    csm_json_int(j, "mrr", p->mrr);
    if (kind != CSM_PERIOD_MONTH)
        csm_json_int(j, "months", p->months);
    csm_json_end(j);
}

void csm_json_write_renewals(const csm_metrics *m, const csm_diags *d,
                             csm_json *j)
{
    (void)d;
    const csm_renewals *r = m->renewals;
    const csm_dataset *ds = m->ds;
    csm_json_object(j, "renewals");
    csm_json_int(j, "grace_months", r->grace_months);
    csm_json_double(j, "ci_level", r->ci_level);
    const csm_renewal_stats *cur = csm_renewals_month(r, r->report_month);
    if (cur)
        stats_obj(j, "current", csm_dataset_month(ds, r->report_month),
                  CSM_PERIOD_MONTH, cur);
    else
        csm_json_null(j, "current");
    table_lists(j, &r->all);
    groups(j, "by_segment", r->by_segment, r->n_segments);
    groups(j, "by_term_type", r->by_term, CSM_TERM_TYPES);
    csm_json_int(j, "stale_term_end", r->stale_term_end);
    csm_json_end(j);

    csm_json_object(j, "mid_term_churn");
    int rm = r->report_month;
    if (rm >= 1 && (size_t)(rm - 1) < r->n_mid_term[CSM_PERIOD_MONTH])
        mid_obj(j, "current", CSM_PERIOD_MONTH,
                &r->mid_term[CSM_PERIOD_MONTH][rm - 1]);
    else
        csm_json_null(j, "current");
    for (int k = 0; k < CSM_PERIOD_KINDS; k++) {
        csm_json_array(j, period_list[k]);
        for (size_t i = 0; i < r->n_mid_term[k]; i++)
            mid_obj(j, NULL, (csm_period_kind)k, &r->mid_term[k][i]);
        csm_json_end(j);
    }
    csm_json_end(j);
}
