/* Kaplan-Meier with left truncation, as R survival::survfit computes it.
 *
 * At each distinct exit time t with n subjects at risk and d events,
 *     S(t) = S(t-) * (n - d) / n,
 *     var(-log S(t)) = sum over event times <= t of d / (n (n - d))
 * (Greenwood's formula on the log scale, survfit's std.err).  Once n == d
 * the variance is infinite and S is 0: both are then reported as
 * undefined, never as Inf.
 *
 * Intervals at level 1 - a, z = qnorm(1 - a/2), se = std.err (survival
 * package, survfit_confint):
 *     log:     exp(log S -/+ z se), upper clipped to 1; none when S = 0.
 *     log-log: exp(-exp(log(-log S) -/+ z se / log S)); none when S is
 *              0 or 1.
 *     plain:   S -/+ z se S, clipped to [0, 1].
 *
 * The median follows print.survfit (survmean's minmin): the first time
 * the curve is <= 0.5 + tol; if it is within tol of 0.5 there and drops
 * later, the midpoint between that time and the drop; tol =
 * sqrt(DBL_EPSILON).  The interval is the same rule on the bands. */
#include "csmetrics/stats.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/xalloc.h"
#include "stats_internal.h"

/* State carried through the risk-set sweep. */
typedef struct builder {
    csm_km *km;
    double z;
    double surv;
    double varhaz;
    bool var_infinite;
} builder;

static csm_stats_value value(double v)
{
    csm_stats_value r = {isfinite(v), isfinite(v) ? v : 0.0};
    return r;
}

static const csm_stats_value undefined = {false, 0.0};

/* Sets the interval of S = s with se = std.err of -log S, following
 * survfit_confint with logse = TRUE. */
static void interval(csm_km_ci_type type, double z, double s,
                     csm_stats_value se, csm_stats_value *lo,
                     csm_stats_value *hi)
{
    *lo = *hi = undefined;
    if (!se.defined)
        return;
    double w = z * se.value;
    switch (type) {
    case CSM_KM_CI_LOG:
        if (s == 0.0)
            return;
        *lo = value(exp(log(s) - w));
        *hi = value(fmin(exp(log(s) + w), 1.0));
        break;
    case CSM_KM_CI_LOGLOG: {
        if (s == 0.0 || s == 1.0)
            return;
        double w2 = w / log(s);
        double ll = log(-log(s));
        *lo = value(exp(-exp(ll - w2)));
        *hi = value(exp(-exp(ll + w2)));
        break;
    }
    case CSM_KM_CI_PLAIN:
        *lo = value(fmax(s - w * s, 0.0));
        *hi = value(fmin(s + w * s, 1.0));
        break;
    }
    if (!lo->defined || !hi->defined)
        *lo = *hi = undefined;
}

static void add_step(void *ctx, double t, const size_t *n_risk,
                     const size_t *n_event, const size_t *n_censor)
{
    builder *b = ctx;
    csm_km *km = b->km;
    size_t n = n_risk[0], d = n_event[0];
    if (d > 0) {
        /* Multiplying by (n - d) / n rather than subtracting keeps S
         * exactly 0 once every subject at risk has had the event. */
        b->surv *= (double)(n - d) / (double)n;
        if (n == d)
            b->var_infinite = true;
        else
            b->varhaz += (double)d / ((double)n * (double)(n - d));
        km->n_events += d;
    }
    csm_km_step *st = &km->steps[km->n_steps++];
    st->time = t;
    st->n_risk = n;
    st->n_event = d;
    st->n_censor = n_censor[0];
    st->surv = b->surv;
    st->std_err = b->var_infinite ? undefined : value(sqrt(b->varhaz));
    interval(km->ci_type, b->z, st->surv, st->std_err, &st->lower, &st->upper);
}

static csm_error read_options(const csm_km_options *opt, csm_km_ci_type *type,
                              double *level)
{
    csm_km_options zero = {CSM_KM_CI_LOG, 0.0};
    if (opt == NULL)
        opt = &zero;
    *type = opt->ci_type;
    *level = opt->level == 0.0 ? CSM_STATS_DEFAULT_LEVEL : opt->level;
    if (*type != CSM_KM_CI_LOG && *type != CSM_KM_CI_LOGLOG &&
        *type != CSM_KM_CI_PLAIN)
        return CSM_EUSAGE;
    return csm_stats_level_ok(*level) ? CSM_OK : CSM_EUSAGE;
}

csm_error csm_km_fit(const csm_surv_data *data, const csm_km_options *opt,
                     csm_km **out)
{
    *out = NULL;
    csm_km_ci_type type;
    double level, z;
    csm_error err = read_options(opt, &type, &level);
    if (err == CSM_OK)
        err = csm_surv_check(data);
    if (err != CSM_OK)
        return err;
    if (!csm_stats_normal_z(level, &z))
        return CSM_EDATA;
    csm_km *km = csm_xcalloc(1, sizeof *km);
    km->n = data->n;
    km->ci_type = type;
    km->level = level;
    /* At most one row per subject. */
    km->steps = csm_xcalloc(data->n, sizeof *km->steps);
    builder b = {km, z, 1.0, 0.0, false};
    csm_surv_sweep(data, NULL, 1, add_step, &b);
    *out = km;
    return CSM_OK;
}

void csm_km_free(csm_km *km)
{
    if (km == NULL)
        return;
    free(km->steps);
    free(km);
}

/* Index of the last row with time <= t, or n_steps when there is none. */
static size_t row_at(const csm_km *km, double t)
{
    size_t lo = 0, hi = km->n_steps; /* rows [lo, hi) are candidates */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (km->steps[mid].time <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? km->n_steps : lo - 1;
}

void csm_km_at(const csm_km *km, double t, csm_km_point *out)
{
    memset(out, 0, sizeof *out);
    out->time = t;
    if (km->n_steps == 0 || !(t <= km->steps[km->n_steps - 1].time))
        return;
    out->defined = true;
    size_t r = row_at(km, t);
    if (r == km->n_steps) {
        /* Before the first row: survfit0's starting row. */
        out->surv = 1.0;
        out->std_err = value(0.0);
        out->lower = value(1.0);
        out->upper = value(1.0);
        return;
    }
    const csm_km_step *st = &km->steps[r];
    out->surv = st->surv;
    out->std_err = st->std_err;
    out->lower = st->lower;
    out->upper = st->upper;
}

/* Which curve of a row minmin looks at. */
typedef enum curve { CURVE_SURV, CURVE_LOWER, CURVE_UPPER } curve;

static csm_stats_value curve_at(const csm_km_step *st, curve c)
{
    switch (c) {
    case CURVE_LOWER:
        return st->lower;
    case CURVE_UPPER:
        return st->upper;
    case CURVE_SURV:
        break;
    }
    return value(st->surv);
}

/* survmean's minmin(y, x): the first time y <= 0.5 (within tol), with the
 * midpoint rule when y sits at 0.5 and later drops below it. */
static csm_stats_value first_half(const csm_km *km, curve c)
{
    const double tol = sqrt(DBL_EPSILON);
    size_t n = km->n_steps, k = 0;
    for (; k < n; k++) {
        csm_stats_value y = curve_at(&km->steps[k], c);
        if (y.defined && y.value < 0.5 + tol)
            break;
    }
    if (k == n)
        return undefined;
    double yk = curve_at(&km->steps[k], c).value;
    double xk = km->steps[k].time;
    if (fabs(yk - 0.5) >= tol)
        return value(xk);
    for (size_t j = k + 1; j < n; j++) {
        csm_stats_value y = curve_at(&km->steps[j], c);
        if (y.defined && y.value < yk)
            return value((xk + km->steps[j].time) / 2.0);
    }
    return value(xk);
}

void csm_km_median_time(const csm_km *km, csm_km_median *out)
{
    out->median = first_half(km, CURVE_SURV);
    out->lower = first_half(km, CURVE_LOWER);
    out->upper = first_half(km, CURVE_UPPER);
}
