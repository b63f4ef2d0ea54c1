/* Config: one table lists every key, its type, range, default (set in
 * csm_config_defaults) and description; parsing, validation and the policy
 * echo all walk that table, so adding a setting is one row. */
#include "csmetrics/config.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csmetrics/csv_reader.h"
#include "csmetrics/money.h"
#include "csmetrics/xalloc.h"

typedef enum {
    T_INT,      /* integer in [lo, hi] */
    T_INT_NONE, /* integer in [lo, hi], or "none"/"off" stored as -1 */
    T_DOUBLE,   /* number in [lo, hi] */
    T_BOOL,     /* true/false/yes/no/1/0 */
    T_FX,       /* prior_month | period_end */
    T_CI,       /* log | log-log | plain */
    T_CURRENCY, /* ISO 4217 code */
    T_TEXT,     /* free text, at most 127 bytes */
    T_BANDS     /* comma list of red, yellow, green */
} key_type;

typedef struct key_def {
    const char *section;
    const char *name;
    key_type type;
    size_t offset;
    double lo, hi;
    const char *doc;
} key_def;

#define OFF(m) offsetof(csm_config, m)
#define HOFF(m) (offsetof(csm_config, health) + offsetof(csm_health_config, m))

static const key_def keys[] = {
    {"general", "currency", T_CURRENCY, OFF(currency), 0, 0,
     "reporting currency (ISO 4217); snapshot rows without a currency use it"},
    {"general", "company", T_TEXT, OFF(company), 0, 0,
     "company name shown in report headers and document properties"},
    {"policies", "reactivation_window_months", T_INT_NONE,
     OFF(reactivation_window_months), 1, 1200,
     "a return after more inactive months than this counts as new, not "
     "reactivation (none = no limit)"},
    {"policies", "past_due_churn_days", T_INT_NONE, OFF(past_due_churn_days), 0,
     100000,
     "a customer more than this many days past due counts as inactive "
     "(off = never)"},
    {"policies", "grace_months", T_INT, OFF(grace_months), 0, 24,
     "months after the renewal month in which a return still counts as "
     "renewed"},
    {"policies", "fx_policy", T_FX, OFF(fx_policy), 0, 0,
     "rate at which movements are classified: prior_month (constant "
     "currency at M-1) or period_end (at M)"},
    {"policies", "gross_margin", T_DOUBLE, OFF(gross_margin), 0.0, 1.0,
     "gross margin used by CAC payback and LTV"},
    {"policies", "ci_level", T_DOUBLE, OFF(ci_level), 0.5, 0.999,
     "confidence level of every interval"},
    {"policies", "ci_type", T_CI, OFF(ci_type), 0, 0,
     "Kaplan-Meier interval type: log (R survfit default), log-log or plain"},
    {"policies", "at_risk_months", T_INT, OFF(at_risk_months), 1, 24,
     "months an at-risk cohort is followed"},
    {"policies", "trend_points", T_INT, OFF(trend_points), 3, 120,
     "points in each least-squares trend"},
    {"policies", "early_churn_days", T_INT, OFF(early_churn_days), 1, 3650,
     "a churn within this many days of contract_start is early churn"},
    {"policies", "allow_thousands_separator", T_BOOL,
     OFF(allow_thousands_separator), 0, 0,
     "accept amounts written with ',' thousands separators (1,234.50)"},
    {"policies", "churn_reason_match_months", T_INT,
     OFF(churn_reason_match_months), 0, 3,
     "a churn reason dated up to this many months before or after the churn "
     "month still matches it (a reason in the churn month wins)"},
    {"health", "weight_usage", T_DOUBLE, HOFF(w_usage), 0, 1000,
     "weight of usage (active / licensed users)"},
    {"health", "weight_support", T_DOUBLE, HOFF(w_support), 0, 1000,
     "weight of support load (open tickets)"},
    {"health", "weight_nps", T_DOUBLE, HOFF(w_nps), 0, 1000, "weight of NPS"},
    {"health", "weight_payment", T_DOUBLE, HOFF(w_payment), 0, 1000,
     "weight of payment (days past due)"},
    {"health", "weight_engagement", T_DOUBLE, HOFF(w_engagement), 0, 1000,
     "weight of engagement (days since last engagement)"},
    {"health", "usage_low", T_DOUBLE, HOFF(usage_low), 0, 100,
     "usage ratio scoring 0"},
    {"health", "usage_high", T_DOUBLE, HOFF(usage_high), 0, 100,
     "usage ratio scoring 100"},
    {"health", "support_ok", T_DOUBLE, HOFF(support_ok), 0, 1e6,
     "open tickets scoring 100"},
    {"health", "support_max", T_DOUBLE, HOFF(support_max), 0, 1e6,
     "open tickets scoring 0"},
    {"health", "nps_low", T_DOUBLE, HOFF(nps_low), 0, 10, "NPS scoring 0"},
    {"health", "nps_high", T_DOUBLE, HOFF(nps_high), 0, 10, "NPS scoring 100"},
    {"health", "payment_ok_days", T_DOUBLE, HOFF(payment_ok_days), 0, 1e5,
     "days past due scoring 100"},
    {"health", "payment_max_days", T_DOUBLE, HOFF(payment_max_days), 0, 1e5,
     "days past due scoring 0"},
    {"health", "engagement_ok_days", T_DOUBLE, HOFF(engagement_ok_days), 0, 1e5,
     "days since last engagement scoring 100"},
    {"health", "engagement_max_days", T_DOUBLE, HOFF(engagement_max_days), 0,
     1e5, "days since last engagement scoring 0"},
    {"health", "champion_penalty", T_DOUBLE, HOFF(champion_penalty), 0, 100,
     "points subtracted when the champion left"},
    {"health", "green_min", T_DOUBLE, HOFF(green_min), 0, 100,
     "lowest score of the green band"},
    {"health", "yellow_min", T_DOUBLE, HOFF(yellow_min), 0, 100,
     "lowest score of the yellow band"},
    {"health", "lower_edge_inclusive", T_BOOL, HOFF(lower_inclusive), 0, 0,
     "true: a score equal to a band's lower edge is in that band"},
    {"health", "at_risk_bands", T_BANDS, HOFF(at_risk_bands), 0, 0,
     "bands that make up the at-risk cohort"},
};

#define NKEYS (sizeof keys / sizeof *keys)

void csm_config_defaults(csm_config *c)
{
    memset(c, 0, sizeof *c);
    memcpy(c->currency, "USD", 4);
    snprintf(c->company, sizeof c->company, "%s", "Example Co");
    c->reactivation_window_months = -1;
    c->past_due_churn_days = -1;
    c->grace_months = 0;
    c->fx_policy = CSM_FX_PRIOR_MONTH;
    c->gross_margin = 0.80;
    c->ci_level = 0.95;
    c->ci_type = CSM_CI_LOG;
    c->at_risk_months = 6;
    c->trend_points = 12;
    c->early_churn_days = 90;
    c->allow_thousands_separator = false;
    c->churn_reason_match_months = 1;
    csm_health_config *h = &c->health;
    h->w_usage = 0.30;
    h->w_support = 0.15;
    h->w_nps = 0.20;
    h->w_payment = 0.20;
    h->w_engagement = 0.15;
    h->usage_low = 0.20;
    h->usage_high = 0.80;
    h->support_ok = 1;
    h->support_max = 10;
    h->nps_low = 3;
    h->nps_high = 9;
    h->payment_ok_days = 0;
    h->payment_max_days = 60;
    h->engagement_ok_days = 14;
    h->engagement_max_days = 90;
    h->champion_penalty = 20;
    h->green_min = 70;
    h->yellow_min = 40;
    h->lower_inclusive = true;
    h->at_risk_bands = CSM_BAND_RED | CSM_BAND_YELLOW;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static bool parse_long(const char *v, long *out)
{
    if (!*v)
        return false;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end)
        return false;
    *out = x;
    return true;
}

static bool parse_double(const char *v, double *out)
{
    if (!*v)
        return false;
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || *end || !isfinite(x))
        return false;
    *out = x;
    return true;
}

static bool parse_bool(const char *v, bool *out)
{
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1")) {
        *out = true;
        return true;
    }
    if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0")) {
        *out = false;
        return true;
    }
    return false;
}

static bool parse_bands(const char *v, int *out)
{
    int bands = 0;
    const char *p = v;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ',' && *e != ' ')
            e++;
        size_t n = (size_t)(e - p);
        if (n == 3 && !strncasecmp(p, "red", 3))
            bands |= CSM_BAND_RED;
        else if (n == 6 && !strncasecmp(p, "yellow", 6))
            bands |= CSM_BAND_YELLOW;
        else if (n == 5 && !strncasecmp(p, "green", 5))
            bands |= CSM_BAND_GREEN;
        else
            return false;
        p = e;
    }
    if (!bands)
        return false;
    *out = bands;
    return true;
}

/* Stores value v into the key; returns NULL or what was expected. */
static const char *set_key(csm_config *c, const key_def *k, const char *v)
{
    char *base = (char *)c + k->offset;
    long l;
    double d;
    bool b;
    switch (k->type) {
    case T_INT_NONE:
        if (!strcasecmp(v, "none") || !strcasecmp(v, "off")) {
            *(int *)(void *)base = -1;
            return NULL;
        }
        /* fall through */
    case T_INT:
        if (!parse_long(v, &l) || l < (long)k->lo || l > (long)k->hi)
            return k->type == T_INT_NONE ? "a whole number in range, or none"
                                         : "a whole number in range";
        *(int *)(void *)base = (int)l;
        return NULL;
    case T_DOUBLE:
        if (!parse_double(v, &d) || d < k->lo || d > k->hi)
            return "a number in range";
        *(double *)(void *)base = d;
        return NULL;
    case T_BOOL:
        if (!parse_bool(v, &b))
            return "true or false";
        *(bool *)(void *)base = b;
        return NULL;
    case T_FX:
        if (!strcmp(v, "prior_month"))
            *(csm_fx_policy *)(void *)base = CSM_FX_PRIOR_MONTH;
        else if (!strcmp(v, "period_end"))
            *(csm_fx_policy *)(void *)base = CSM_FX_PERIOD_END;
        else
            return "prior_month or period_end";
        return NULL;
    case T_CI:
        if (!strcmp(v, "log"))
            *(csm_ci_type *)(void *)base = CSM_CI_LOG;
        else if (!strcmp(v, "log-log"))
            *(csm_ci_type *)(void *)base = CSM_CI_LOGLOG;
        else if (!strcmp(v, "plain"))
            *(csm_ci_type *)(void *)base = CSM_CI_PLAIN;
        else
            return "log, log-log or plain";
        return NULL;
    case T_CURRENCY:
        if (csm_currency_decimals(v) < 0)
            return "an ISO 4217 currency code such as USD";
        memcpy(base, v, 4);
        return NULL;
    case T_TEXT:
        if (strlen(v) > 127)
            return "at most 127 bytes of text";
        snprintf(base, 128, "%s", v);
        return NULL;
    case T_BANDS:
        if (!parse_bands(v, (int *)(void *)base))
            return "a comma-separated list of red, yellow, green";
        return NULL;
    }
    return "a value";
}

static const char *check_ranges(const csm_config *c)
{
    const csm_health_config *h = &c->health;
    if (h->usage_low >= h->usage_high)
        return "health.usage_low must be below health.usage_high";
    if (h->support_ok >= h->support_max)
        return "health.support_ok must be below health.support_max";
    if (h->nps_low >= h->nps_high)
        return "health.nps_low must be below health.nps_high";
    if (h->payment_ok_days >= h->payment_max_days)
        return "health.payment_ok_days must be below health.payment_max_days";
    if (h->engagement_ok_days >= h->engagement_max_days)
        return "health.engagement_ok_days must be below "
               "health.engagement_max_days";
    if (h->yellow_min >= h->green_min)
        return "health.yellow_min must be below health.green_min";
    if (h->w_usage + h->w_support + h->w_nps + h->w_payment + h->w_engagement <=
        0)
        return "at least one health weight must be above zero";
    return NULL;
}

csm_error csm_config_parse(csm_config *c, const char *name, const char *text,
                           size_t len, csm_diags *diag)
{
    size_t errors_before = csm_diags_errors(diag);
    char section[64] = "";
    long lineno = 0;
    size_t pos = 0;
    char *line = NULL;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        free(line);
        line = csm_xstrndup(text + pos, n);
        pos += n + (nl ? 1 : 0);
        lineno++;
        csm_loc loc = {.file = name, .line = lineno, .offset = -1};
        if (memchr(text + pos - n - (nl ? 1 : 0), '\0', n)) {
            csm_diags_add(diag, CSM_SEV_ERROR, "config-syntax", &loc,
                          "line contains a NUL byte (expected text)");
            continue;
        }
        /* Values reach report headers and XLSX properties: UTF-8 only. */
        if (csm_utf8_invalid_at(line, n) < n) {
            csm_diags_add(diag, CSM_SEV_ERROR, "config-syntax", &loc,
                          "line is not valid UTF-8 (expected UTF-8 text)");
            continue;
        }
        char *s = trim(line);
        if (lineno == 1 && (unsigned char)s[0] == 0xEF &&
            (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF)
            s = trim(s + 3);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (!end || end[1] != '\0') {
                csm_diags_add(diag, CSM_SEV_ERROR, "config-syntax", &loc,
                              "\"%s\" is not a section header (expected "
                              "[name])",
                              s);
                continue;
            }
            *end = '\0';
            char *sec = trim(s + 1);
            bool known = false;
            for (size_t i = 0; i < NKEYS; i++)
                known = known || !strcmp(keys[i].section, sec);
            if (!known) {
                csm_diags_add(diag, CSM_SEV_ERROR, "config-section", &loc,
                              "unknown section [%s] (expected general, "
                              "policies or health)",
                              sec);
                section[0] = '\0';
                snprintf(section, sizeof section, "%s", "?");
                continue;
            }
            snprintf(section, sizeof section, "%s", sec);
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            csm_diags_add(diag, CSM_SEV_ERROR, "config-syntax", &loc,
                          "\"%s\" is not a setting (expected key = value)", s);
            continue;
        }
        *eq = '\0';
        char *key = trim(s), *val = trim(eq + 1);
        /* An inline comment needs a space before '#'. */
        char *hash = strstr(val, " #");
        if (hash) {
            *hash = '\0';
            val = trim(val);
        }
        if (!strcmp(section, "?"))
            continue; /* already reported the unknown section */
        if (!section[0]) {
            csm_diags_add(diag, CSM_SEV_ERROR, "config-syntax", &loc,
                          "setting \"%s\" before any [section]", key);
            continue;
        }
        const key_def *k = NULL;
        for (size_t i = 0; i < NKEYS && !k; i++)
            if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, key))
                k = &keys[i];
        if (!k) {
            csm_diags_add(diag, CSM_SEV_ERROR, "config-key", &loc,
                          "unknown setting \"%s\" in [%s]", key, section);
            continue;
        }
        const char *want = set_key(c, k, val);
        if (want) {
            if (k->type == T_INT || k->type == T_INT_NONE ||
                k->type == T_DOUBLE)
                csm_diags_add(diag, CSM_SEV_ERROR, "config-value", &loc,
                              "%s.%s = \"%s\" (expected %s %g..%g)", section,
                              key, val, want, k->lo, k->hi);
            else
                csm_diags_add(diag, CSM_SEV_ERROR, "config-value", &loc,
                              "%s.%s = \"%s\" (expected %s)", section, key, val,
                              want);
        }
    }
    free(line);
    if (csm_diags_errors(diag) == errors_before) {
        const char *bad = check_ranges(c);
        if (bad) {
            csm_loc loc = {.file = name, .offset = -1};
            csm_diags_add(diag, CSM_SEV_ERROR, "config-value", &loc, "%s", bad);
        }
    }
    return csm_diags_errors(diag) == errors_before ? CSM_OK : CSM_EUSAGE;
}

csm_error csm_config_load(csm_config *c, const char *path, csm_diags *diag)
{
    FILE *fp = fopen(path, "rb");
    csm_loc loc = {.file = path, .offset = -1};
    if (!fp) {
        csm_diags_add(diag, CSM_SEV_ERROR, "io", &loc,
                      "cannot read the config file: %s", strerror(errno));
        return CSM_EIO;
    }
    csm_strbuf b = {0};
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
        if (b.len + n > (1u << 20)) {
            fclose(fp);
            csm_strbuf_free(&b);
            csm_diags_add(diag, CSM_SEV_ERROR, "config-syntax", &loc,
                          "config file is larger than 1 MiB (expected a "
                          "short settings file)");
            return CSM_EUSAGE;
        }
        csm_strbuf_append(&b, buf, n);
    }
    int err = ferror(fp);
    fclose(fp);
    if (err) {
        csm_strbuf_free(&b);
        csm_diags_add(diag, CSM_SEV_ERROR, "io", &loc,
                      "cannot read the config file");
        return CSM_EIO;
    }
    csm_error rc = csm_config_parse(c, path, csm_strbuf_str(&b), b.len, diag);
    csm_strbuf_free(&b);
    if (rc == CSM_OK) {
        free(c->source);
        c->source = csm_xstrdup(path);
    }
    return rc;
}

static void format_value(const csm_config *c, const key_def *k, char *buf,
                         size_t n)
{
    const char *base = (const char *)c + k->offset;
    switch (k->type) {
    case T_INT:
        snprintf(buf, n, "%d", *(const int *)(const void *)base);
        break;
    case T_INT_NONE: {
        int v = *(const int *)(const void *)base;
        if (v < 0)
            snprintf(buf, n, "%s", strstr(k->name, "days") ? "off" : "none");
        else
            snprintf(buf, n, "%d", v);
        break;
    }
    case T_DOUBLE: {
        /* The shortest text that reads back as the same double: the echo
         * shows what is used ("0.15", not "0.1499999..."), and a weight
         * given with more digits than %g's six is not shown rounded. */
        double d = *(const double *)(const void *)base;
        for (int prec = 6; prec <= 17; prec++) {
            snprintf(buf, n, "%.*g", prec, d);
            if (strtod(buf, NULL) == d)
                break;
        }
        break;
    }
    case T_BOOL:
        snprintf(buf, n, "%s",
                 *(const bool *)(const void *)base ? "true" : "false");
        break;
    case T_FX:
        snprintf(buf, n, "%s",
                 *(const csm_fx_policy *)(const void *)base == CSM_FX_PERIOD_END
                     ? "period_end"
                     : "prior_month");
        break;
    case T_CI: {
        csm_ci_type t = *(const csm_ci_type *)(const void *)base;
        snprintf(buf, n, "%s",
                 t == CSM_CI_LOGLOG  ? "log-log"
                 : t == CSM_CI_PLAIN ? "plain"
                                     : "log");
        break;
    }
    case T_CURRENCY:
    case T_TEXT:
        snprintf(buf, n, "%s", base);
        break;
    case T_BANDS: {
        int v = *(const int *)(const void *)base;
        snprintf(buf, n, "%s%s%s%s%s", (v & CSM_BAND_RED) ? "red" : "",
                 (v & CSM_BAND_RED) && (v & (CSM_BAND_YELLOW | CSM_BAND_GREEN))
                     ? ","
                     : "",
                 (v & CSM_BAND_YELLOW) ? "yellow" : "",
                 (v & CSM_BAND_YELLOW) && (v & CSM_BAND_GREEN) ? "," : "",
                 (v & CSM_BAND_GREEN) ? "green" : "");
        break;
    }
    }
}

void csm_config_visit(const csm_config *c, csm_config_visit_fn fn, void *ctx)
{
    char buf[160];
    for (size_t i = 0; i < NKEYS; i++) {
        format_value(c, &keys[i], buf, sizeof buf);
        fn(ctx, keys[i].section, keys[i].name, buf, keys[i].doc);
    }
}

void csm_config_free(csm_config *c)
{
    free(c->source);
    c->source = NULL;
}
