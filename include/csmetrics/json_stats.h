/* json_stats.h - JSON shapes of the statistics results, shared by every
 * family's writer so that a proportion looks the same everywhere. */
#ifndef CSMETRICS_JSON_STATS_H
#define CSMETRICS_JSON_STATS_H

#include "csmetrics/json.h"
#include "csmetrics/stats.h"

/* {"n": N, <xkey>: X, "rate": R, "ci": {"lo", "hi"}} on one line; rate and
 * ci are null when the proportion is not defined (n = 0). */
void csm_json_proportion(csm_json *j, const char *key, const char *xkey,
                         const csm_prop_ci *p);

#endif
