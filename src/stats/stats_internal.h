/* stats_internal.h - helpers shared by the files of src/stats only.
 *
 * Not installed and not included from outside src/stats: the public
 * interface is include/csmetrics/stats.h. */
#ifndef CSMETRICS_STATS_INTERNAL_H
#define CSMETRICS_STATS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "csmetrics/stats.h"

/* True when level is a confidence level this module accepts. */
bool csm_stats_level_ok(double level);

/* True when every x[0..n) is finite (n == 0 is true). */
bool csm_stats_all_finite(const double *x, size_t n);

/* Stores in *z the two-sided normal quantile qnorm((1 + level) / 2) and
 * returns true, or returns false when GSL gives a non-finite value. */
bool csm_stats_normal_z(double level, double *z);

/* Checks a survival data set against the rules of csm_surv_data: returns
 * CSM_OK, or CSM_EDATA for a non-finite time or entry >= exit. */
csm_error csm_surv_check(const csm_surv_data *d);

/* Called once per distinct exit time t, ascending.  The three arrays have
 * one entry per group: subjects at risk at t (entry < t <= exit), events
 * at t and censorings at t. */
typedef void (*csm_surv_visit)(void *ctx, double t, const size_t *n_risk,
                               const size_t *n_event, const size_t *n_censor);

/* Sweeps the distinct exit times of d (already checked) in ascending
 * order, counting per group; group may be NULL when k == 1, otherwise
 * group[i] < k for every i.  Calls visit for every distinct time. */
void csm_surv_sweep(const csm_surv_data *d, const size_t *group, size_t k,
                    csm_surv_visit visit, void *ctx);

#endif
