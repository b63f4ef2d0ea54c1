/* src/stats - pure statistics on arrays, on top of GSL.
 *
 * What this folder is for: confidence intervals for proportions,
 * Kaplan-Meier with left truncation, the log-rank test, linear trends,
 * AUC and quantiles, each equal to a named R function (docs/stats.md).
 *
 * What it must not do: know about customers, months, money or CSV; print
 * anything; return NaN or Inf (undefined values carry `defined = false`);
 * keep state.  The only global is GSL's error handler, set once by
 * csm_stats_init() from main().
 *
 * This file holds that policy and the small helpers the other files
 * share. */
#include "csmetrics/stats.h"

#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>

#include "stats_internal.h"

void csm_stats_init(void)
{
    /* GSL's default handler aborts the process; with it off, every GSL
     * function returns its status (or a NaN value) and we check it. */
    gsl_set_error_handler_off();
}

bool csm_stats_level_ok(double level)
{
    /* Written so that a NaN level fails both comparisons. */
    return level >= CSM_STATS_LEVEL_MIN && level <= CSM_STATS_LEVEL_MAX;
}

bool csm_stats_all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return false;
    return true;
}

bool csm_stats_normal_z(double level, double *z)
{
    double v = gsl_cdf_ugaussian_Pinv((1.0 + level) / 2.0);
    if (!isfinite(v))
        return false;
    *z = v;
    return true;
}
