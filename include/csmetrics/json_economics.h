/* json_economics.h - the JSON sections of the unit economics, referrals
 * and churn reasons families (src/render/json_economics.c).
 *
 * Each writes one top-level key of the run's document (docs/metrics/
 * unit_economics.md, referrals.md, churn_reasons.md list the keys) from the
 * results in m; the section writers of csm_metrics_write_json call them.
 * They compute nothing; write errors are sticky in j. */
#ifndef CSMETRICS_JSON_ECONOMICS_H
#define CSMETRICS_JSON_ECONOMICS_H

#include "csmetrics/diag.h"
#include "csmetrics/json.h"
#include "csmetrics/metrics.h"

/* "unit_economics": windows, series and notes for the undefined values. */
void csm_json_write_unit_economics(const csm_metrics *m, const csm_diags *d,
                                   csm_json *j);
/* "referrals": rate per month with its interval, conversions. */
void csm_json_write_referrals(const csm_metrics *m, const csm_diags *d,
                              csm_json *j);
/* "churn_reasons": totals per window, churns without a reason, leftover
 * reason rows. */
void csm_json_write_churn_reasons(const csm_metrics *m, const csm_diags *d,
                                  csm_json *j);

#endif
