/* json_health.h - the "health" and "at_risk" sections of the metrics JSON
 * (src/render/json_health.c; keys in docs/metrics/health.md and
 * docs/metrics/at_risk.md).  Rows of the sections[] table in
 * src/render/metrics_json.c. */
#ifndef CSMETRICS_JSON_HEALTH_H
#define CSMETRICS_JSON_HEALTH_H

#include "csmetrics/diag.h"
#include "csmetrics/json.h"
#include "csmetrics/metrics.h"

/* Writes "health": band distribution per month and the score check; null
 * when m->health is NULL.  Write errors are sticky in j. */
void csm_json_write_health(const csm_metrics *m, const csm_diags *d,
                           csm_json *j);

/* Writes "at_risk": the cohort of m->flag_month and the rolling view; null
 * when m->at_risk is NULL.  Write errors are sticky in j. */
void csm_json_write_at_risk(const csm_metrics *m, const csm_diags *d,
                            csm_json *j);

#endif
