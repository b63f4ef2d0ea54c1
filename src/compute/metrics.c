/* The registration table of metric families: adding a family is one row
 * here, one result pointer in csm_metrics and one writer in the JSON
 * renderer. */
#include "csmetrics/metrics.h"

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

static const struct {
    const char *name;
    csm_error (*run)(csm_metrics *m, csm_diags *diag);
} families[] = {
    {"bridge", run_bridge},
    {"retention", run_retention},
    {"unit_economics", run_economics},
    {"referrals", run_referrals},
    {"churn_reasons", run_churn_reasons},
};

csm_error csm_metrics_run(const csm_dataset *ds, const csm_config *cfg,
                          int report_month, csm_metrics **out,
                          csm_diags *diag)
{
    *out = NULL;
    csm_metrics *m = csm_xcalloc(1, sizeof *m);
    m->ds = ds;
    m->cfg = cfg;
    m->report_month = report_month;
    for (size_t i = 0; i < sizeof families / sizeof *families; i++) {
        csm_error rc = families[i].run(m, diag);
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
    csm_economics_free(m->economics);
    csm_referrals_free(m->referrals);
    csm_churn_reasons_free(m->churn_reasons);
    free(m);
}
