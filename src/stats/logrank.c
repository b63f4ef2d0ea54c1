/* The log-rank test of equal survival in k groups, with delayed entry.
 *
 * At each distinct event time with n at risk (n_g in group g) and d events
 * (d_g), under equal hazards the d events fall on the groups as a
 * multivariate hypergeometric draw:
 *     E[d_g]          = d n_g / n,
 *     Cov(d_g, d_h)   = d (n - d) / (n (n - 1)) * n_g (delta_gh - n_h / n).
 * Summing over times gives O - E and V; the statistic is
 *     chisq = (O - E)' V^- (O - E)
 * on the groups with E > 0 minus one (V has rank k - 1), which R survdiff
 * computes by dropping the first such group and solving.  Here V is
 * positive definite once singular rows are dropped, so a Cholesky
 * factorisation solves it; a failed factorisation means the test is not
 * defined.  The risk sets honour delayed entry (risk.c), which survdiff
 * itself does not support: with entry the statistic is the score test of
 * coxph(Surv(entry, exit, event) ~ factor(g), ties = "exact"). */
#include "csmetrics/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "csmetrics/xalloc.h"
#include "stats_internal.h"

typedef struct acc {
    size_t k;
    double *obs;
    double *exp;
    double *var; /* k x k, row major */
} acc;

static void add_time(void *ctx, double t, const size_t *n_risk,
                     const size_t *n_event, const size_t *n_censor)
{
    (void)t;
    (void)n_censor;
    acc *a = ctx;
    size_t k = a->k, nsum = 0, dsum = 0;
    for (size_t g = 0; g < k; g++) {
        nsum += n_risk[g];
        dsum += n_event[g];
    }
    if (dsum == 0)
        return;
    double n = (double)nsum, d = (double)dsum;
    for (size_t g = 0; g < k; g++) {
        a->obs[g] += (double)n_event[g];
        a->exp[g] += d * (double)n_risk[g] / n;
    }
    if (nsum < 2)
        return;
    double kt = d * (n - d) / (n * (n - 1.0));
    for (size_t g = 0; g < k; g++) {
        double ng = (double)n_risk[g];
        a->var[g * k + g] += kt * ng;
        for (size_t h = 0; h < k; h++)
            a->var[g * k + h] -= kt * ng * (double)n_risk[h] / n;
    }
}

/* Solves for chisq on the groups with E > 0 except the first of them.
 * Returns false when the test is not defined. */
static bool chisq(const acc *a, size_t *df, double *stat)
{
    size_t k = a->k, m = 0;
    size_t *keep = csm_xcalloc(k, sizeof *keep);
    for (size_t g = 0; g < k; g++)
        if (a->exp[g] > 0.0)
            keep[m++] = g;
    *df = m > 0 ? m - 1 : 0;
    bool ok = false;
    if (m >= 2) {
        size_t r = m - 1;
        double *v = csm_xcalloc(r * r, sizeof *v);
        double *u = csm_xcalloc(r, sizeof *u);
        double *x = csm_xcalloc(r, sizeof *x);
        for (size_t i = 0; i < r; i++) {
            size_t gi = keep[i + 1];
            u[i] = a->obs[gi] - a->exp[gi];
            for (size_t j = 0; j < r; j++)
                v[i * r + j] = a->var[gi * k + keep[j + 1]];
        }
        gsl_matrix_view vm = gsl_matrix_view_array(v, r, r);
        gsl_vector_view uv = gsl_vector_view_array(u, r);
        gsl_vector_view xv = gsl_vector_view_array(x, r);
        if (gsl_linalg_cholesky_decomp1(&vm.matrix) == GSL_SUCCESS &&
            gsl_linalg_cholesky_solve(&vm.matrix, &uv.vector, &xv.vector) ==
                GSL_SUCCESS) {
            double s = 0.0;
            for (size_t i = 0; i < r; i++)
                s += u[i] * x[i];
            *stat = s;
            ok = isfinite(s) && s >= 0.0;
        }
        free(v);
        free(u);
        free(x);
    }
    free(keep);
    return ok;
}

static csm_error check_groups(const csm_surv_data *d, const size_t *group,
                              size_t k)
{
    if (d->n > 0 && (group == NULL || k == 0))
        return CSM_EUSAGE;
    /* The k x k variance matrix must be addressable. */
    if (k > 0 && k > SIZE_MAX / k / sizeof(double))
        return CSM_EUSAGE;
    for (size_t i = 0; i < d->n; i++)
        if (group[i] >= k)
            return CSM_EUSAGE;
    return csm_surv_check(d);
}

csm_error csm_stats_logrank(const csm_surv_data *data, const size_t *group,
                            size_t k, csm_logrank **out)
{
    *out = NULL;
    csm_error err = check_groups(data, group, k);
    if (err != CSM_OK)
        return err;
    csm_logrank *lr = csm_xcalloc(1, sizeof *lr);
    lr->k = k;
    lr->observed = csm_xcalloc(k, sizeof *lr->observed);
    lr->expected = csm_xcalloc(k, sizeof *lr->expected);
    lr->n = csm_xcalloc(k, sizeof *lr->n);
    for (size_t i = 0; i < data->n; i++)
        lr->n[group[i]]++;
    acc a = {k, lr->observed, lr->expected, NULL};
    a.var = csm_xcalloc(k * k, sizeof *a.var);
    if (k > 0)
        csm_surv_sweep(data, group, k, add_time, &a);
    double stat = 0.0;
    if (chisq(&a, &lr->df, &stat)) {
        double p = gsl_cdf_chisq_Q(stat, (double)lr->df);
        if (isfinite(p)) {
            lr->defined = true;
            lr->chisq = stat;
            lr->p_value = p;
        }
    }
    free(a.var);
    *out = lr;
    return CSM_OK;
}

void csm_logrank_free(csm_logrank *lr)
{
    if (lr == NULL)
        return;
    free(lr->observed);
    free(lr->expected);
    free(lr->n);
    free(lr);
}
