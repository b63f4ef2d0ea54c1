/* Sample quantiles, R type 7 (R's default quantile()).
 *
 * For sorted x[0..n) and probability p, h = (n - 1) p; with j = floor(h),
 *     Q(p) = x[j] + (h - j) (x[j+1] - x[j])
 * (Hyndman and Fan 1996, definition 7), which is what
 * gsl_stats_quantile_from_sorted_data computes.  gsl_sort sorts in place,
 * so the caller's array is copied first and never modified. */
#include "csmetrics/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "csmetrics/xalloc.h"
#include "stats_internal.h"

csm_error csm_stats_quantiles(const double *x, size_t n, const double *p,
                              size_t np, csm_stats_value *out)
{
    memset(out, 0, np * sizeof *out);
    for (size_t j = 0; j < np; j++)
        if (!(p[j] >= 0.0 && p[j] <= 1.0))
            return CSM_EUSAGE;
    if (!csm_stats_all_finite(x, n))
        return CSM_EDATA;
    if (n == 0)
        return CSM_OK;
    double *s = csm_xreallocarray(NULL, n, sizeof *s);
    memcpy(s, x, n * sizeof *s);
    gsl_sort(s, 1, n);
    for (size_t j = 0; j < np; j++) {
        double q = gsl_stats_quantile_from_sorted_data(s, 1, n, p[j]);
        out[j].defined = isfinite(q);
        out[j].value = out[j].defined ? q : 0.0;
    }
    free(s);
    return CSM_OK;
}

csm_error csm_stats_quantile(const double *x, size_t n, double p,
                             csm_stats_value *out)
{
    return csm_stats_quantiles(x, n, &p, 1, out);
}

csm_error csm_stats_median(const double *x, size_t n, csm_stats_value *out)
{
    return csm_stats_quantile(x, n, 0.5, out);
}
