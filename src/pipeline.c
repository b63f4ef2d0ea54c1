/* The pipeline: owns stage outputs, runs stages in order. */
#include "csmetrics/pipeline.h"

#include <string.h>

csm_error csm_run_load(csm_run *run, const char *config_path,
                       const csm_load_options *lo)
{
    memset(run, 0, sizeof *run);
    csm_config_defaults(&run->cfg);
    if (config_path) {
        csm_error rc = csm_config_load(&run->cfg, config_path, &run->diags);
        if (rc != CSM_OK)
            return rc;
    }
    return csm_load_run(lo, &run->cfg, &run->ds, &run->diags);
}

int csm_run_month_index(csm_run *run, const char *what, const char *month)
{
    const csm_dataset *ds = run->ds;
    csm_month m;
    char a[CSM_DATE_BUFSZ], b[CSM_DATE_BUFSZ];
    if (csm_month_parse(month, strlen(month), &m) != CSM_DATE_OK) {
        csm_diags_add(&run->diags, CSM_SEV_ERROR, "usage", NULL,
                      "%s \"%s\" is not a month (expected YYYY-MM)", what,
                      month);
        return -1;
    }
    int idx = csm_dataset_month_index(ds, m);
    if (idx < 0)
        csm_diags_add(&run->diags, CSM_SEV_ERROR, "usage", NULL,
                      "%s %s is not in the data (expected %s..%s)", what, month,
                      csm_month_format(ds->first_month, a),
                      csm_month_format(ds->first_month + ds->n_months - 1, b));
    return idx;
}

csm_error csm_run_compute(csm_run *run, const char *month, const char *flagged)
{
    const csm_dataset *ds = run->ds;
    int idx = ds->n_months - 1;
    if (month && (idx = csm_run_month_index(run, "--month", month)) < 0)
        return CSM_EUSAGE;
    int flag = CSM_FLAG_MONTH_UNSET;
    if (flagged && (flag = csm_run_month_index(run, "--flagged", flagged)) < 0)
        return CSM_EUSAGE;
    run->report_month = idx;
    return csm_metrics_run_flagged(ds, &run->cfg, idx, flag, &run->metrics,
                                   &run->diags);
}

void csm_run_free(csm_run *run)
{
    csm_metrics_free(run->metrics);
    csm_dataset_free(run->ds);
    csm_diags_free(&run->diags);
    csm_config_free(&run->cfg);
    memset(run, 0, sizeof *run);
}
