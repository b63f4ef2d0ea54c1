/* stats.h - pure statistics on arrays, computed with GSL.
 *
 * Nothing here knows about customers, months or CSV: callers pass plain
 * arrays of doubles and flags and get plain results back.  Every result
 * matches a named R function to 1e-9 relative or better (docs/stats.md says
 * which, and tests/unit/test_stats.c holds the R commands).
 *
 * No NaN or Inf ever leaves this module.  A value that does not exist for
 * the data given (a proportion of nothing, a median the curve never
 * reaches) has `defined == false` and a value of 0; a malformed input is a
 * csm_error.
 *
 * Common error rules, so each contract below need not repeat them:
 *   - CSM_EUSAGE: a confidence level outside [CSM_STATS_LEVEL_MIN,
 *     CSM_STATS_LEVEL_MAX] (it comes from the config's ci_level), a
 *     probability outside [0, 1], or a group index out of range.
 *   - CSM_EDATA: a NaN or infinite input, x > n, an entry time not before
 *     its exit time, or a GSL numerical failure on these inputs.
 * On error the output is zeroed (every `defined` false) and nothing is left
 * allocated.
 */
#ifndef CSMETRICS_STATS_H
#define CSMETRICS_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "csmetrics/error.h"

#define CSM_STATS_LEVEL_MIN 0.5
#define CSM_STATS_LEVEL_MAX 0.999
#define CSM_STATS_DEFAULT_LEVEL 0.95

/* Turns GSL's abort-on-error handler off so that every GSL failure comes
 * back as a status this module checks.  main() calls it once, before any
 * other csm_stats_ or csm_km_ function. */
void csm_stats_init(void);

/* A number that may not exist: value is 0 when defined is false. */
typedef struct csm_stats_value {
    bool defined;
    double value;
} csm_stats_value;

/* ------------------------------------------------------------------ */
/* Proportions                                                          */

/* x successes out of n with a two-sided interval at `level`.  defined is
 * false (and estimate, lo, hi are 0) when n == 0. */
typedef struct csm_prop_ci {
    bool defined;
    size_t x;
    size_t n;
    double level;
    double estimate; /* x / n */
    double lo;
    double hi;
} csm_prop_ci;

/* Wilson score interval without continuity correction; equals R
 * prop.test(x, n, conf.level = level, correct = FALSE)$conf.int.
 * Returns CSM_OK and fills *out, or an error per the common rules. */
csm_error csm_stats_wilson(size_t x, size_t n, double level, csm_prop_ci *out);

/* Clopper-Pearson ("exact") interval; equals R
 * binom.test(x, n, conf.level = level)$conf.int.
 * Returns CSM_OK and fills *out, or an error per the common rules. */
csm_error csm_stats_clopper_pearson(size_t x, size_t n, double level,
                                    csm_prop_ci *out);

/* ------------------------------------------------------------------ */
/* Survival data                                                        */

/* n subjects, borrowed arrays.  Subject i is at risk at time t when
 * entry[i] < t <= exit[i]; event[i] says whether exit[i] is an event (true)
 * or a censoring (false).  entry == NULL means no delayed entry (R's
 * Surv(exit, event)); otherwise entry[i] < exit[i] is required (R's
 * Surv(entry, exit, event)).  Times are finite doubles, e.g. days. */
typedef struct csm_surv_data {
    const double *entry;
    const double *exit;
    const bool *event;
    size_t n;
} csm_surv_data;

/* ------------------------------------------------------------------ */
/* Kaplan-Meier                                                         */

/* Confidence interval type for S(t), as survfit's conf.type. */
typedef enum csm_km_ci_type {
    CSM_KM_CI_LOG = 0, /* "log", survfit's default */
    CSM_KM_CI_LOGLOG,  /* "log-log" */
    CSM_KM_CI_PLAIN    /* "plain", clipped to [0, 1] */
} csm_km_ci_type;

/* Valid when zeroed: log intervals at 95%. */
typedef struct csm_km_options {
    csm_km_ci_type ci_type;
    double level; /* 0 means CSM_STATS_DEFAULT_LEVEL */
} csm_km_options;

/* One row of the step function, at a distinct exit time (an event time
 * or a censoring-only time, as the rows of a survfit object). */
typedef struct csm_km_step {
    double time;
    size_t n_risk;   /* entry < time <= exit */
    size_t n_event;  /* events at time */
    size_t n_censor; /* censorings at time; they are in n_risk */
    double surv;     /* S(time), after this row's events */
    /* Greenwood standard error of -log S (survfit's std.err); undefined
     * from the row where every subject at risk has the event (S = 0). */
    csm_stats_value std_err;
    /* Interval for S(time); undefined where survfit gives NA: S = 0, and
     * for log-log also S = 1. */
    csm_stats_value lower;
    csm_stats_value upper;
} csm_km_step;

typedef struct csm_km {
    size_t n;        /* subjects */
    size_t n_events; /* total events */
    csm_km_ci_type ci_type;
    double level;
    size_t n_steps;
    csm_km_step *steps; /* ascending time */
} csm_km;

/* Kaplan-Meier estimate of S(t) with left truncation, equal to R
 * survival::survfit(Surv(entry, exit, event) ~ 1, conf.type = ...,
 * conf.int = level).  opt may be NULL (defaults).  n == 0 gives a fit with
 * no steps.  On success returns CSM_OK and sets *out to a new fit that the
 * caller frees with csm_km_free(); on error returns the code per the
 * common rules and sets *out to NULL. */
csm_error csm_km_fit(const csm_surv_data *data, const csm_km_options *opt,
                     csm_km **out);

/* Frees a fit; NULL is a no-op. */
void csm_km_free(csm_km *km);

/* S at an arbitrary time t, as R summary(fit, times = t).  defined is
 * false when t is after the last row's time (the curve is unknown there)
 * or the fit has no rows.  Before the first row, S = 1 with std_err 0 and
 * interval [1, 1] (survfit0's starting row). */
typedef struct csm_km_point {
    bool defined;
    double time;
    double surv;
    csm_stats_value std_err; /* of -log S, as in csm_km_step */
    csm_stats_value lower;
    csm_stats_value upper;
} csm_km_point;

/* Fills *out with S(t); never fails.  The share that had the event by t
 * is 1 - surv, with interval [1 - upper, 1 - lower]. */
void csm_km_at(const csm_km *km, double t, csm_km_point *out);

/* The median survival time and its interval, as R print.survfit (the
 * median, 0.95LCL and 0.95UCL columns of summary(fit)$table).  median:
 * the first time S <= 0.5; when S equals 0.5 (within sqrt(DBL_EPSILON))
 * on a flat stretch, the midpoint between that time and the time of the
 * next drop.  lower / upper: the same rule applied to the lower / upper
 * band.  Each is undefined when its curve never reaches 0.5. */
typedef struct csm_km_median {
    csm_stats_value median;
    csm_stats_value lower;
    csm_stats_value upper;
} csm_km_median;

/* Fills *out; never fails. */
void csm_km_median_time(const csm_km *km, csm_km_median *out);

/* ------------------------------------------------------------------ */
/* Log-rank test                                                        */

typedef struct csm_logrank {
    bool defined; /* false when fewer than two groups expect events, or
                     the variance matrix is singular */
    size_t k;     /* groups as given */
    size_t df;    /* groups with expected > 0, minus one */
    double chisq;
    double p_value;   /* upper tail of chi-square(df) */
    double *observed; /* k events per group */
    double *expected; /* k expected events per group under equality */
    size_t *n;        /* k subjects per group */
} csm_logrank;

/* Log-rank test of equal survival in k groups, group[i] in [0, k), with
 * delayed entry, using the hypergeometric variance of R survdiff.  Equals
 * R survdiff(Surv(exit, event) ~ g)$chisq without entry, and the score
 * test of coxph(Surv(entry, exit, event) ~ factor(g), ties = "exact") with
 * entry (also ties = "breslow" when no two events share a time).  On
 * success returns CSM_OK and sets *out to a new result that the caller
 * frees with csm_logrank_free(); on error returns the code per the common
 * rules and sets *out to NULL. */
csm_error csm_stats_logrank(const csm_surv_data *data, const size_t *group,
                            size_t k, csm_logrank **out);

/* Frees a result; NULL is a no-op. */
void csm_logrank_free(csm_logrank *lr);

/* ------------------------------------------------------------------ */
/* Linear trend                                                         */

typedef enum csm_trend_verdict {
    CSM_TREND_FLAT = 0, /* the slope's interval contains 0 */
    CSM_TREND_IMPROVING,
    CSM_TREND_DECLINING
} csm_trend_verdict;

typedef struct csm_trend {
    bool defined; /* false when n < 3 or x has zero variance */
    size_t n;
    double level;
    double intercept;
    double slope;
    double slope_se; /* >= 0; 0 only for an exact fit */
    double slope_lo; /* slope -/+ t(1-(1-level)/2, n-2) * slope_se */
    double slope_hi;
    csm_stats_value p_value; /* two-sided, H0: slope = 0; undefined when
                                slope_se == 0 */
    csm_trend_verdict verdict;
} csm_trend;

/* Least squares y = intercept + slope * x over n points; equals R
 * lm(y ~ x) (coefficients, Std. Error, Pr(>|t|)) and confint(fit, level).
 * The verdict is flat when [slope_lo, slope_hi] contains 0; otherwise a
 * positive slope is improving when higher_is_better and declining when
 * not, and a negative slope the reverse.  Returns CSM_OK and fills *out,
 * or an error per the common rules. */
csm_error csm_stats_trend(const double *x, const double *y, size_t n,
                          double level, bool higher_is_better, csm_trend *out);

/* ------------------------------------------------------------------ */
/* AUC                                                                  */

typedef struct csm_auc {
    bool defined; /* false when either class is empty */
    size_t n_pos;
    size_t n_neg;
    /* P(score of a positive > score of a negative) + P(tie) / 2, the
     * Mann-Whitney U / (n_pos * n_neg).  0.5 means no information; above
     * 0.5 a higher score goes with the positive class. */
    double auc;
} csm_auc;

/* AUC of score[] as a predictor of positive[]; equals R
 * wilcox.test(score[positive], score[!positive])$statistic /
 * (n_pos * n_neg).  To ask "does a higher score mean less churn?", pass
 * positive = the customer stayed: AUC > 0.5 then says yes.  (Passing
 * positive = churned gives exactly 1 - that AUC.)  Returns CSM_OK and
 * fills *out, or an error per the common rules. */
csm_error csm_stats_auc(const double *score, const bool *positive, size_t n,
                        csm_auc *out);

/* ------------------------------------------------------------------ */
/* Quantiles                                                            */

/* The p-quantiles of x[0..n) for each of p[0..np), R type 7 (R's default
 * quantile()).  x is not modified.  out[j] is undefined when n == 0.
 * Returns CSM_OK and fills out[0..np), or an error per the common rules. */
csm_error csm_stats_quantiles(const double *x, size_t n, const double *p,
                              size_t np, csm_stats_value *out);

/* One quantile; same rules as csm_stats_quantiles. */
csm_error csm_stats_quantile(const double *x, size_t n, double p,
                             csm_stats_value *out);

/* The median (quantile 0.5); equals R median(x). */
csm_error csm_stats_median(const double *x, size_t n, csm_stats_value *out);

#endif
