/* trends.h - is a headline series improving, flat or declining?
 *
 * For each headline series a straight line is fitted by least squares
 * (csm_stats_trend, equal to R lm + confint) through its last
 * cfg->trend_points defined points up to the report month:
 *
 *   nrr, grr, logo_retention  the trailing-12-month point-to-point
 *                             figures of retention.h (series[2]), one point
 *                             per month whose window fits and whose figure
 *                             is defined;
 *   renewal_rate              the monthly logo renewal rate
 *                             (csm_renewals_rate_series: months with nobody
 *                             up, or someone pending, have no point);
 *   ttfv_median               the Kaplan-Meier median time to first value
 *                             by signup quarter (ttfv.h by_quarter), in
 *                             days; a quarter whose median is not reached,
 *                             or whose curve is conditional (every member
 *                             signed before the data), has no point.
 *
 * x is the point's period counted from the first point used: months for
 * the monthly series, quarters for ttfv_median, so a missing period leaves
 * a gap in x rather than being closed up.  The slope is therefore a change
 * per month (a fraction: 0.004 = +0.4 points a month) or, for
 * ttfv_median, days per signup quarter.  Higher is better for every series
 * except ttfv_median.  The slope's interval is at cfg->ci_level from the t
 * distribution with n - 2 degrees of freedom; the verdict is flat when it
 * contains 0, else improving or declining.  With fewer than 3 points the
 * fit is undefined (JSON null) but the points and n are still given.
 * docs/metrics/trends.md has the definitions and the JSON keys.
 */
#ifndef CSMETRICS_TRENDS_H
#define CSMETRICS_TRENDS_H

#include <stdbool.h>
#include <stddef.h>

#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/date.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/json.h"
#include "csmetrics/renewals.h"
#include "csmetrics/retention.h"
#include "csmetrics/stats.h"
#include "csmetrics/ttfv.h"

typedef enum csm_trend_series {
    CSM_TREND_NRR = 0,
    CSM_TREND_GRR,
    CSM_TREND_LOGO_RETENTION,
    CSM_TREND_RENEWAL_RATE,
    CSM_TREND_TTFV_MEDIAN,
    CSM_TREND_SERIES
} csm_trend_series;

/* JSON key of a series: "nrr", "grr", "logo_retention", "renewal_rate",
 * "ttfv_median"; "?" out of range. */
const char *csm_trend_series_name(csm_trend_series s);

/* "improving", "flat", "declining". */
const char *csm_trend_verdict_name(csm_trend_verdict v);

/* One point of a fit. */
typedef struct csm_trend_point {
    csm_month period; /* the month, or the first month of the quarter */
    double x;         /* periods since the first point used */
    double y;         /* rate as a fraction, or days */
} csm_trend_point;

/* The trend of one series. */
typedef struct csm_series_trend {
    csm_trend_series series;
    bool quarterly;          /* x counts quarters (ttfv_median), else months */
    bool higher_is_better;   /* false for ttfv_median */
    size_t n;                /* points used, <= max_points */
    csm_trend_point *points; /* [n], oldest first */
    csm_trend fit;           /* fit.defined false when n < 3 */
} csm_series_trend;

typedef struct csm_trends {
    int report_month;  /* month index */
    size_t max_points; /* cfg->trend_points */
    double level;      /* cfg->ci_level */
    csm_series_trend series[CSM_TREND_SERIES];
} csm_trends;

/* Fits every series as of month index report_month from the run's
 * retention (csm_retention_run), renewals (csm_renewals_run) and TTFV
 * (csm_ttfv_run) results, borrowed; ren or ttfv may be NULL (those series
 * then have no points).  On success returns CSM_OK and sets *out to a new
 * result the caller frees with csm_trends_free().  On error sets *out to
 * NULL, adds a diagnostic (rule "trends") and returns CSM_EUSAGE
 * (report_month out of range, ci_level or trend_points refused) or
 * CSM_EDATA (the statistics module refused the points). */
csm_error csm_trends_run(const csm_dataset *ds, const csm_config *cfg,
                         const csm_retention_result *ret,
                         const csm_renewals *ren, const csm_ttfv *ttfv,
                         int report_month, csm_trends **out, csm_diags *diag);

/* Frees a result; NULL is a no-op. */
void csm_trends_free(csm_trends *t);

/* Writes the "trends" member of the run's JSON object (keys in
 * docs/metrics/trends.md).  t may be NULL (written as null). */
void csm_trends_write_json(const csm_trends *t, csm_json *j);

#endif
