/* config.h - policies and settings, read from an INI-style file.
 *
 * Every choice on which vendors differ is a key here with a documented
 * default (templates/csmetrics.conf documents each line).  A csm_config is
 * a plain value: stages receive it as `const csm_config *` and never change
 * it; there is no global configuration.
 *
 * File format: "[section]" lines, "key = value" lines, '#' or ';' comments,
 * blank lines.  Keys are looked up as section.key.  An unknown section or
 * key, a value of the wrong type or out of range is an error naming the file
 * and line.
 */
#ifndef CSMETRICS_CONFIG_H
#define CSMETRICS_CONFIG_H

#include <stdbool.h>

#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/strbuf.h"

typedef enum csm_fx_policy {
    CSM_FX_PRIOR_MONTH = 0, /* constant currency at M-1's rate */
    CSM_FX_PERIOD_END = 1   /* constant currency at M's rate */
} csm_fx_policy;

typedef enum csm_ci_type {
    CSM_CI_LOG = 0, /* survival's default conf.type = "log" */
    CSM_CI_LOGLOG = 1,
    CSM_CI_PLAIN = 2
} csm_ci_type;

/* Health bands as bit flags, for the at-risk set. */
enum { CSM_BAND_RED = 1, CSM_BAND_YELLOW = 2, CSM_BAND_GREEN = 4 };

typedef struct csm_health_config {
    /* Component weights (>= 0); a missing component drops out and the rest
     * are re-weighted. */
    double w_usage, w_support, w_nps, w_payment, w_engagement;
    /* usage = active/licensed users: score 0 at or below usage_low, 100 at
     * or above usage_high, linear between. */
    double usage_low, usage_high;
    /* open tickets: 100 at support_ok or fewer, 0 at support_max or more. */
    double support_ok, support_max;
    /* NPS 0..10: 0 at nps_low or below, 100 at nps_high or above. */
    double nps_low, nps_high;
    /* days past due: 100 at payment_ok_days or fewer, 0 at payment_max_days
     * or more. */
    double payment_ok_days, payment_max_days;
    /* days since last engagement (to the snapshot's month end). */
    double engagement_ok_days, engagement_max_days;
    /* points subtracted when champion_left is true (score floors at 0). */
    double champion_penalty;
    /* Bands: green when score >= green_min (or > when !lower_inclusive),
     * yellow likewise for yellow_min, else red. */
    double green_min, yellow_min;
    bool lower_inclusive;
    /* Bands that make up the at-risk cohort (CSM_BAND_* flags). */
    int at_risk_bands;
} csm_health_config;

typedef struct csm_config {
    char currency[4];  /* reporting currency, ISO 4217 */
    char company[128]; /* for report headers and document properties */
    /* Policies. -1 means "no limit" / "off". */
    int reactivation_window_months;
    int past_due_churn_days;
    int grace_months;
    csm_fx_policy fx_policy;
    double gross_margin;
    double ci_level;
    csm_ci_type ci_type;
    int at_risk_months;   /* length of the at-risk follow-up, default 6 */
    int trend_points;     /* points in a trend fit, default 12 */
    int early_churn_days; /* default 90 */
    bool allow_thousands_separator; /* "1,234.50" as an amount */
    int churn_reason_match_months;  /* reason dated this many months off the
                                       churn still matches, default 1 */
    csm_health_config health;
    char *source; /* file the settings came from, or NULL for defaults */
} csm_config;

/* Fills c with the documented defaults. */
void csm_config_defaults(csm_config *c);

/* Reads path over the values already in c (call csm_config_defaults
 * first).  On success returns CSM_OK.  On error returns CSM_EUSAGE (bad
 * content, every problem listed in diag) or CSM_EIO (unreadable). */
csm_error csm_config_load(csm_config *c, const char *path, csm_diags *diag);

/* Parses text as if read from a file called name (for tests and fuzzing). */
csm_error csm_config_parse(csm_config *c, const char *name, const char *text,
                           size_t len, csm_diags *diag);

/* Calls fn for every setting in documented order with its section, key, its
 * current value as text and a one-line description. */
typedef void (*csm_config_visit_fn)(void *ctx, const char *section,
                                    const char *key, const char *value,
                                    const char *doc);
void csm_config_visit(const csm_config *c, csm_config_visit_fn fn, void *ctx);

/* Releases what csm_config_load allocated; c stays usable as defaults. */
void csm_config_free(csm_config *c);

#endif
