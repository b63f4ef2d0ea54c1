/* validate/ - rules about what the data means, as opposed to how it is
 * written (the loaders check syntax).  Row rules run while a row's file and
 * line are known; data-set rules run on the finished data set.  Nothing
 * here changes data or stops early: it only adds diagnostics. */
#include "csmetrics/validate.h"

#include <stdio.h>
#include <string.h>

void csm_validate_row(const csm_row_facts *row, const csm_loc *loc,
                      csm_diags *diag)
{
    char a[CSM_DATE_BUFSZ], b[CSM_DATE_BUFSZ];
    if (row->contract_start != CSM_NO_DATE && row->term_end != CSM_NO_DATE &&
        row->term_end < row->contract_start) {
        csm_loc l = *loc;
        l.column = "term_end";
        l.field = 0;
        csm_diags_add(diag, CSM_SEV_ERROR, "term-before-start", &l,
                      "term_end %s is before contract_start %s (expected a "
                      "term that ends after it starts)",
                      csm_date_format(row->term_end, a),
                      csm_date_format(row->contract_start, b));
    }
    if (row->contract_start != CSM_NO_DATE && row->first_value != CSM_NO_DATE &&
        row->first_value < row->contract_start) {
        csm_loc l = *loc;
        l.column = "first_value_date";
        l.field = 0;
        csm_diags_add(diag, CSM_SEV_ERROR, "value-before-start", &l,
                      "first_value_date %s is before contract_start %s "
                      "(expected first value on or after the sale)",
                      csm_date_format(row->first_value, a),
                      csm_date_format(row->contract_start, b));
    }
    if (row->active_users >= 0 && row->licensed_users >= 0 &&
        row->active_users > row->licensed_users) {
        csm_loc l = *loc;
        l.column = "active_users";
        l.field = 0;
        csm_diags_add(diag, CSM_SEV_WARNING, "usage-over-licence", &l,
                      "active_users %lld exceeds licensed_users %lld "
                      "(usage is counted as 100%%)",
                      row->active_users, row->licensed_users);
    }
    if (row->month != CSM_NO_MONTH && row->last_engagement != CSM_NO_DATE &&
        row->last_engagement > csm_month_last_day(row->month)) {
        csm_loc l = *loc;
        l.column = "last_engagement";
        l.field = 0;
        csm_diags_add(diag, CSM_SEV_WARNING, "engagement-future", &l,
                      "last_engagement %s is after the snapshot's month "
                      "(counted as engaged at the month end)",
                      csm_date_format(row->last_engagement, a));
    }
}

static bool has_rate(const csm_dataset *ds, uint32_t cur, csm_month m)
{
    for (size_t i = 0; i < ds->n_fx; i++)
        if (ds->fx[i].currency == cur && ds->fx[i].month == m)
            return true;
    return false;
}

/* Path of the loaded file whose name ends in `name`, for messages. */
static const char *file_path(const csm_dataset *ds, const char *name)
{
    size_t k = strlen(name);
    for (size_t i = 0; i < ds->n_files; i++) {
        size_t n = strlen(ds->files[i].path);
        if (n >= k && strcmp(ds->files[i].path + n - k, name) == 0)
            return ds->files[i].path;
    }
    return name;
}

static const char *fx_path(const csm_dataset *ds)
{
    return file_path(ds, "fx.csv");
}

/* Every cost window sums a part of costs.csv: when each column's total
 * over all months fits in int64, no window can overflow. */
static void check_cost_totals(const csm_dataset *ds, csm_diags *diag)
{
    int64_t acq = 0, ret = 0;
    for (size_t i = 0; i < ds->n_costs; i++) {
        if (csm_money_add(acq, ds->costs[i].acquisition, &acq) &&
            csm_money_add(ret, ds->costs[i].retention, &ret))
            continue;
        char most[CSM_MONEY_BUFSZ];
        csm_loc loc = {.file = file_path(ds, "costs.csv"), .offset = -1};
        csm_diags_add(diag, CSM_SEV_ERROR, "cost-overflow", &loc,
                      "the acquisition or retention costs add up past the "
                      "largest amount that can be held exactly (expected a "
                      "total of at most %s %s over all months)",
                      csm_money_format(INT64_MAX, ds->decimals, most),
                      ds->currency);
        return;
    }
}

csm_error csm_validate_run(const csm_dataset *ds, const csm_config *cfg,
                           csm_diags *diag)
{
    (void)cfg;
    size_t before = csm_diags_errors(diag);
    check_cost_totals(ds, diag);
    /* Every month needs a rate for every foreign currency in use: movements
     * of month M are classified at a neighbouring month's rate, so a gap
     * anywhere in the range would silently mix rates. */
    for (size_t k = 0; k < ds->n_currencies; k++) {
        uint32_t cur = ds->currencies[k];
        for (int m = 0; m < ds->n_months; m++) {
            csm_month mon = csm_dataset_month(ds, m);
            if (has_rate(ds, cur, mon))
                continue;
            char mb[CSM_DATE_BUFSZ];
            csm_loc loc = {.file = fx_path(ds), .offset = -1};
            csm_diags_add(diag, CSM_SEV_ERROR, "fx-missing", &loc,
                          "no rate for %s in %s (expected a rate for every "
                          "loaded month, since %s amounts occur)",
                          csm_ds_string(ds, (int32_t)cur),
                          csm_month_format(mon, mb),
                          csm_ds_string(ds, (int32_t)cur));
        }
    }
    return csm_diags_errors(diag) == before ? CSM_OK : CSM_EDATA;
}
