/* A straight-line trend y = a + b x by ordinary least squares.
 *
 * gsl_fit_linear gives a, b and the covariance of (a, b) with the residual
 * variance s^2 = RSS / (n - 2), so se(b) = sqrt(cov11) = s / sqrt(Sxx),
 * Sxx = sum (x - mean x)^2.  Under the usual normal-error model
 * (b - beta) / se(b) follows Student's t with n - 2 degrees of freedom,
 * which gives the interval b -/+ t(1 - (1 - level)/2; n - 2) se(b) and the
 * two-sided p-value 2 P(T > |b / se(b)|), as R's summary.lm and confint
 * do.  With n < 3 there is no residual degree of freedom, and with all x
 * equal there is no slope: both are undefined. */
#include "csmetrics/stats.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>

#include "stats_internal.h"

static bool x_varies(const double *x, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (x[i] != x[0])
            return true;
    return false;
}

static csm_trend_verdict verdict(const csm_trend *t, bool higher_is_better)
{
    if (t->slope_lo <= 0.0 && t->slope_hi >= 0.0)
        return CSM_TREND_FLAT;
    bool rising = t->slope > 0.0;
    return rising == higher_is_better ? CSM_TREND_IMPROVING
                                      : CSM_TREND_DECLINING;
}

/* Fills the p-value of t = slope / se on df degrees of freedom. */
static csm_stats_value p_value(double slope, double se, double df)
{
    csm_stats_value r = {false, 0.0};
    if (!(se > 0.0))
        return r;
    double q = gsl_cdf_tdist_Q(fabs(slope / se), df);
    if (isfinite(q)) {
        r.defined = true;
        r.value = 2.0 * q;
    }
    return r;
}

csm_error csm_stats_trend(const double *x, const double *y, size_t n,
                          double level, bool higher_is_better, csm_trend *out)
{
    memset(out, 0, sizeof *out);
    if (!csm_stats_level_ok(level))
        return CSM_EUSAGE;
    if (!csm_stats_all_finite(x, n) || !csm_stats_all_finite(y, n))
        return CSM_EDATA;
    out->n = n;
    out->level = level;
    if (n < 3 || !x_varies(x, n))
        return CSM_OK;
    double a, b, c00, c01, c11, rss;
    if (gsl_fit_linear(x, 1, y, 1, n, &a, &b, &c00, &c01, &c11, &rss) !=
        GSL_SUCCESS)
        goto fail;
    double df = (double)(n - 2);
    double tq = gsl_cdf_tdist_Pinv(1.0 - (1.0 - level) / 2.0, df);
    double se = sqrt(c11);
    if (!isfinite(a) || !isfinite(b) || !isfinite(se) || !isfinite(tq))
        goto fail;
    out->intercept = a;
    out->slope = b;
    out->slope_se = se;
    out->slope_lo = b - tq * se;
    out->slope_hi = b + tq * se;
    out->p_value = p_value(b, se, df);
    out->verdict = verdict(out, higher_is_better);
    out->defined = true;
    return CSM_OK;
fail:
    memset(out, 0, sizeof *out);
    return CSM_EDATA;
}
