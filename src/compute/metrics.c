/* The registration table of metric families: adding a family is one row
 * here, one result pointer in csm_metrics and one writer in the JSON
 * renderer. */
#include "csmetrics/metrics.h"

#include "csmetrics/timing.h"

#include <stdlib.h>

#include "csmetrics/xalloc.h"

static csm_error run_bridge(csm_metrics *m, csm_diags *diag)
{
    return csm_bridge_run(m->ds, m->cfg, &m->bridge, diag);
}

static csm_error run_retention(csm_metrics *m, csm_diags *diag)
{
    return csm_retention_run(m->ds, m->cfg, m->report_month, &m->retention,
                             diag);
}

static csm_error run_nrr_methods(csm_metrics *m, csm_diags *diag)
{
    return csm_nrr_methods_run(m->ds, m->cfg, m->bridge, m->report_month,
                               &m->nrr_methods, diag);
}

static csm_error run_renewals(csm_metrics *m, csm_diags *diag)
{
    return csm_renewals_run(m->ds, m->cfg, m->report_month, &m->renewals, diag);
}

static csm_error run_cohorts(csm_metrics *m, csm_diags *diag)
{
    return csm_cohorts_run(m->ds, m->cfg, m->report_month, &m->cohorts, diag);
}

static csm_error run_ttfv(csm_metrics *m, csm_diags *diag)
{
    return csm_ttfv_run(m->ds, m->cfg, m->report_month, &m->ttfv, diag);
}

static csm_error run_health(csm_metrics *m, csm_diags *diag)
{
    return csm_health_run(m->ds, m->cfg, &m->health, diag);
}

static csm_error run_at_risk(csm_metrics *m, csm_diags *diag)
{
    if (m->flag_month == CSM_FLAG_MONTH_UNSET)
        m->flag_month =
            csm_at_risk_default_flag(m->report_month, m->cfg->at_risk_months);
    return csm_at_risk_run(m->ds, m->cfg, m->health, m->flag_month, 0,
                           &m->at_risk, diag);
}

static csm_error run_economics(csm_metrics *m, csm_diags *diag)
{
    return csm_economics_run(m->ds, m->cfg, m->bridge, m->report_month,
                             &m->economics, diag);
}

static csm_error run_referrals(csm_metrics *m, csm_diags *diag)
{
    return csm_referrals_run(m->ds, m->cfg, m->report_month, &m->referrals,
                             diag);
}

static csm_error run_churn_reasons(csm_metrics *m, csm_diags *diag)
{
    return csm_churn_reasons_run(m->ds, m->cfg, m->report_month,
                                 &m->churn_reasons, diag);
}

static csm_error run_trends(csm_metrics *m, csm_diags *diag)
{
    return csm_trends_run(m->ds, m->cfg, m->retention, m->renewals, m->ttfv,
                          m->report_month, &m->trends, diag);
}

static const struct {
    const char *name;
    csm_error (*run)(csm_metrics *m, csm_diags *diag);
} families[] = {
    {"bridge", run_bridge},
    {"retention", run_retention},
    {"nrr_methods", run_nrr_methods},
    {"renewals", run_renewals},
    {"cohorts", run_cohorts},
    {"ttfv", run_ttfv},
    {"health", run_health},
    {"at_risk", run_at_risk},
    {"unit_economics", run_economics},
    {"referrals", run_referrals},
    {"churn_reasons", run_churn_reasons},
    {"trends", run_trends},
};

csm_error csm_metrics_run(const csm_dataset *ds, const csm_config *cfg,
                          int report_month, csm_metrics **out, csm_diags *diag)
{
    return csm_metrics_run_flagged(ds, cfg, report_month, CSM_FLAG_MONTH_UNSET,
                                   out, diag);
}

csm_error csm_metrics_run_flagged(const csm_dataset *ds, const csm_config *cfg,
                                  int report_month, int flag_month,
                                  csm_metrics **out, csm_diags *diag)
{
    *out = NULL;
    csm_metrics *m = csm_xcalloc(1, sizeof *m);
    m->ds = ds;
    m->cfg = cfg;
    m->report_month = report_month;
    m->flag_month = flag_month;
    for (size_t i = 0; i < sizeof families / sizeof *families; i++) {
        double t0 = csm_now();
        csm_error rc = families[i].run(m, diag);
        csm_timing_note(diag, families[i].name, t0);
        if (rc != CSM_OK) {
            csm_metrics_free(m);
            return rc;
        }
    }
    *out = m;
    return CSM_OK;
}

void csm_metrics_free(csm_metrics *m)
{
    if (!m)
        return;
    csm_bridge_free(m->bridge);
    csm_retention_free(m->retention);
    csm_nrr_methods_free(m->nrr_methods);
    csm_renewals_free(m->renewals);
    csm_cohorts_free(m->cohorts);
    csm_ttfv_free(m->ttfv);
    csm_health_free(m->health);
    csm_at_risk_free(m->at_risk);
    csm_economics_free(m->economics);
    csm_referrals_free(m->referrals);
    csm_churn_reasons_free(m->churn_reasons);
    csm_trends_free(m->trends);
    free(m);
}
