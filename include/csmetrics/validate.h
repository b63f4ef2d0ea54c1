/* validate.h - the validate stage: rules over rows and over the data set.
 *
 * Row rules are called by the loaders while the row's file and line are at
 * hand; data-set rules run once the data set is complete.  Both add
 * diagnostics and never stop early: the caller decides, from the error
 * count, whether the run goes on.
 */
#ifndef CSMETRICS_VALIDATE_H
#define CSMETRICS_VALIDATE_H

#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"

/* The dated and counted fields of one snapshot row (CSM_NO_DATE / -1 when
 * blank). */
typedef struct csm_row_facts {
    csm_month month;
    csm_day contract_start;
    csm_day term_end;
    csm_day first_value;
    csm_day last_engagement;
    long long active_users;
    long long licensed_users;
} csm_row_facts;

/* Cross-field rules of one snapshot row (term_end before contract_start,
 * first value before contract_start, ...).  loc names the row. */
void csm_validate_row(const csm_row_facts *row, const csm_loc *loc,
                      csm_diags *diag);

/* Rules over the whole data set: exchange rates complete for every loaded
 * month and currency in use, costs months inside the data range, ...
 * Returns CSM_OK, or CSM_EDATA when it added an error. */
csm_error csm_validate_run(const csm_dataset *ds, const csm_config *cfg,
                           csm_diags *diag);

#endif
