/* Confidence intervals for a binomial proportion x / n.
 *
 * Wilson: the score interval, the set of p whose score test
 * |x/n - p| / sqrt(p (1 - p) / n) <= z does not reject; solving the
 * quadratic in p gives
 *     (p^ + z^2/2n -/+ z sqrt(p^ (1 - p^) / n + z^2 / 4n^2)) / (1 + z^2/n).
 * Written as R's prop.test writes it (z22n = z^2 / 2n), including its
 * exact 0 and 1 at x = 0 and x = n, so the rounding matches too.
 *
 * Clopper-Pearson: the limits where the binomial tails equal alpha/2,
 * which are beta quantiles: lo = qbeta(alpha/2, x, n - x + 1),
 * hi = qbeta(1 - alpha/2, x + 1, n - x) (R binom.test).  GSL's
 * gsl_cdf_beta_Pinv returns NaN for some of these at level 0.999 (e.g.
 * x = 1, n = 1000), so the quantile is found by bisection on GSL's
 * regularised incomplete beta function, whose status is checked. */
#include "csmetrics/stats.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>

#include "stats_internal.h"

static csm_error check_args(size_t x, size_t n, double level, csm_prop_ci *out)
{
    memset(out, 0, sizeof *out);
    if (!csm_stats_level_ok(level))
        return CSM_EUSAGE;
    if (x > n)
        return CSM_EDATA;
    out->x = x;
    out->n = n;
    out->level = level;
    return CSM_OK;
}

csm_error csm_stats_wilson(size_t x, size_t n, double level, csm_prop_ci *out)
{
    csm_error err = check_args(x, n, level, out);
    if (err != CSM_OK || n == 0)
        return err;
    double z;
    if (!csm_stats_normal_z(level, &z))
        return CSM_EDATA;
    double nn = (double)n;
    double p = (double)x / nn;
    double z22n = z * z / (2.0 * nn);
    double root = z * sqrt(p * (1.0 - p) / nn + z22n / (2.0 * nn));
    double hi = p >= 1.0 ? 1.0 : (p + z22n + root) / (1.0 + 2.0 * z22n);
    double lo = p <= 0.0 ? 0.0 : (p + z22n - root) / (1.0 + 2.0 * z22n);
    out->estimate = p;
    out->lo = fmax(lo, 0.0);
    out->hi = fmin(hi, 1.0);
    out->defined = true;
    return CSM_OK;
}

/* Stores in *q the t in [0, 1] with I_t(a, b) = target, the regularised
 * incomplete beta function being increasing in t.  Bisection halves the
 * bracket until it cannot shrink (adjacent doubles), so the answer is as
 * exact as GSL's I_t itself.  Returns false when GSL reports an error. */
static bool beta_quantile(double target, double a, double b, double *q)
{
    double lo = 0.0, hi = 1.0;
    for (int iter = 0; iter < 2200; iter++) {
        double mid = lo + (hi - lo) / 2.0;
        if (mid <= lo || mid >= hi) {
            *q = mid;
            return true;
        }
        gsl_sf_result r;
        if (gsl_sf_beta_inc_e(a, b, mid, &r) != GSL_SUCCESS || !isfinite(r.val))
            return false;
        if (r.val < target)
            lo = mid;
        else
            hi = mid;
    }
    return false; /* not reached: 2200 halvings exhaust a double */
}

csm_error csm_stats_clopper_pearson(size_t x, size_t n, double level,
                                    csm_prop_ci *out)
{
    csm_error err = check_args(x, n, level, out);
    if (err != CSM_OK || n == 0)
        return err;
    double alpha = (1.0 - level) / 2.0;
    double xd = (double)x, nd = (double)n;
    double lo = 0.0, hi = 1.0;
    if (x > 0 && !beta_quantile(alpha, xd, nd - xd + 1.0, &lo))
        goto fail;
    if (x < n && !beta_quantile(1.0 - alpha, xd + 1.0, nd - xd, &hi))
        goto fail;
    out->estimate = xd / nd;
    out->lo = lo;
    out->hi = hi;
    out->defined = true;
    return CSM_OK;
fail:
    memset(out, 0, sizeof *out);
    return CSM_EDATA;
}
