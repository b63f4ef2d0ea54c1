/* The optional files beside the snapshots: fx.csv (read before the
 * snapshots, which need its rates), costs.csv, churn_reasons.csv and
 * referrals.csv (read after, since they refer to customers and months). */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csmetrics/sort.h"
#include "csmetrics/csv_reader.h"
#include "csmetrics/schema.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/xalloc.h"

typedef struct aux {
    csm_dataset *ds;
    const char *shown;
    const csm_column_spec *spec;
    size_t n_spec;
    csm_header_map map;
    bool have_header;
    size_t file;
    long rows;
    csm_diags *diag;
    csm_error (*row)(struct aux *a, const csm_csv_record *rec);
} aux;

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 5, 6)))
#endif
static void
aux_error(aux *a, const csm_csv_record *rec, size_t k, const char *rule,
          const char *fmt, ...)
{
    csm_loc loc = {.file = a->shown, .line = rec->line, .offset = rec->offset};
    if (k < a->n_spec && a->map.index[k] >= 0) {
        loc.column = a->spec[k].name;
        loc.field = a->map.index[k] + 1;
    }
    csm_strbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    csm_strbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    csm_diags_add(a->diag, CSM_SEV_ERROR, rule, &loc, "%s", csm_strbuf_str(&b));
    csm_strbuf_free(&b);
}

static csm_error aux_record(void *ctx, const csm_csv_record *rec)
{
    aux *a = ctx;
    if (!a->have_header) {
        a->have_header = true;
        if (!csm_header_map_build(a->spec, a->n_spec, rec, a->shown, &a->map,
                                  a->diag))
            return CSM_EDATA;
        return CSM_OK;
    }
    a->rows++;
    bool blank = true;
    for (size_t i = 0; i < rec->n_fields && blank; i++)
        blank = rec->lens[i] == 0;
    if (blank) {
        csm_loc loc = {
            .file = a->shown, .line = rec->line, .offset = rec->offset};
        csm_diags_add(a->diag, CSM_SEV_WARNING, "blank-row", &loc,
                      "row has only empty fields: skipped");
        a->ds->files[a->file].skipped++;
        return CSM_OK;
    }
    if (rec->n_fields > a->map.n_fields) {
        aux_error(a, rec, a->n_spec, "field-count",
                  "row has %zu fields, the header has %zu (expected at most "
                  "one field per column)",
                  rec->n_fields, a->map.n_fields);
        return CSM_OK;
    }
    return a->row(a, rec);
}

static csm_error aux_read(csm_dataset *ds, const char *path, const char *shown,
                          const csm_column_spec *spec, size_t n_spec,
                          csm_error (*row)(aux *, const csm_csv_record *),
                          csm_diags *diag)
{
    aux a = {.ds = ds,
             .shown = shown,
             .spec = spec,
             .n_spec = n_spec,
             .diag = diag,
             .row = row};
    a.file = csm_dataset_add_file(ds, shown, CSM_NO_MONTH);
    size_t before = csm_diags_errors(diag);
    csm_csv_options opt = {0};
    csm_error rc = csm_csv_read_file(path, shown, &opt, aux_record, &a, diag);
    ds->files[a.file].rows = a.rows;
    csm_header_map_free(&a.map);
    if (rc == CSM_OK && csm_diags_errors(diag) != before)
        rc = CSM_EDATA;
    return rc;
}

static bool field_month(aux *a, const csm_csv_record *rec, size_t k,
                        csm_month *out)
{
    size_t len;
    const char *s = csm_field(&a->map, rec, k, &len);
    csm_day d;
    if (csm_month_parse(s, len, out) == CSM_DATE_OK)
        return true;
    if (csm_date_parse(s, len, &d) == CSM_DATE_OK) {
        *out = csm_day_month(d);
        return true;
    }
    aux_error(a, rec, k, "month", "\"%.*s\" is not a month (expected YYYY-MM)",
              (int)(len > 40 ? 40 : len), s);
    return false;
}

static bool in_range(const csm_dataset *ds, csm_month m)
{
    return csm_dataset_month_index(ds, m) >= 0;
}

static void range_text(const csm_dataset *ds, char *buf, size_t n)
{
    char a[CSM_DATE_BUFSZ], b[CSM_DATE_BUFSZ];
    snprintf(buf, n, "%s..%s", csm_month_format(ds->first_month, a),
             csm_month_format(ds->first_month + ds->n_months - 1, b));
}

/* ---------------------------------------------------------------- fx */
enum { FX_MONTH, FX_CURRENCY, FX_RATE, FX_COUNT };
static const csm_column_spec fx_spec[FX_COUNT] = {
    {"month", true}, {"currency", true}, {"rate", true}};

static csm_error fx_row(aux *a, const csm_csv_record *rec)
{
    csm_dataset *ds = a->ds;
    csm_month m;
    bool ok = field_month(a, rec, FX_MONTH, &m);
    size_t len;
    const char *cur = csm_field(&a->map, rec, FX_CURRENCY, &len);
    char code[4] = "";
    if (len == 3) {
        memcpy(code, cur, 3);
        code[3] = '\0';
    }
    if (len != 3 || csm_currency_decimals(code) < 0) {
        aux_error(a, rec, FX_CURRENCY, "currency",
                  "\"%.*s\" is not an ISO 4217 currency code (expected e.g. "
                  "EUR)",
                  (int)(len > 40 ? 40 : len), cur);
        ok = false;
    }
    const char *rs = csm_field(&a->map, rec, FX_RATE, &len);
    csm_rate rate;
    csm_money_status st = csm_rate_parse(rs, len, &rate);
    if (st != CSM_MONEY_OK) {
        aux_error(a, rec, FX_RATE, "fx-rate",
                  "\"%.*s\" %s (expected a positive decimal rate with at "
                  "most 12 decimals, reporting currency per unit)",
                  (int)(len > 40 ? 40 : len), rs,
                  st == CSM_MONEY_RANGE ? "is not positive or too large"
                                        : csm_money_status_text(st));
        ok = false;
    }
    if (!ok)
        return CSM_OK;
    if (strcmp(code, ds->currency) == 0) {
        if (rate.num != 1 || rate.scale != 0) {
            /* 1.000 is fine; anything else contradicts the definition. */
            int64_t one = 1;
            for (int i = 0; i < rate.scale; i++)
                one *= 10;
            if (rate.num != one)
                aux_error(a, rec, FX_RATE, "fx-rate",
                          "the reporting currency %s must have rate 1", code);
        }
        return CSM_OK;
    }
    uint32_t ci = csm_strtab_intern(&ds->strings, code, 3, NULL);
    for (size_t i = 0; i < ds->n_fx; i++) {
        if (ds->fx[i].month == m && ds->fx[i].currency == ci) {
            char mb[CSM_DATE_BUFSZ];
            aux_error(a, rec, FX_MONTH, "fx-duplicate",
                      "a second rate for %s in %s (expected one per month "
                      "and currency)",
                      code, csm_month_format(m, mb));
            return CSM_OK;
        }
    }
    ds->fx = csm_xreallocarray(ds->fx, ds->n_fx + 1, sizeof *ds->fx);
    ds->fx[ds->n_fx++] = (csm_fx_rate){m, ci, rate};
    return CSM_OK;
}

csm_error csm_load_fx(csm_dataset *ds, const char *path, const char *name,
                      csm_diags *diag)
{
    csm_error rc = aux_read(ds, path, name, fx_spec, FX_COUNT, fx_row, diag);
    csm_fx_sort(ds);
    ds->has_fx = true;
    return rc;
}

/* ---------------------------------------------------------------- costs */
enum { CO_MONTH, CO_ACQ, CO_RET, CO_COUNT };
static const csm_column_spec cost_spec[CO_COUNT] = {
    {"month", true}, {"acquisition_cost", true}, {"retention_cost", true}};

static bool field_amount(aux *a, const csm_csv_record *rec, size_t k,
                         int64_t *out)
{
    size_t len;
    const char *s = csm_field(&a->map, rec, k, &len);
    csm_money_status st = csm_money_parse(s, len, a->ds->decimals, out);
    if (st == CSM_MONEY_OK && *out >= 0)
        return true;
    aux_error(a, rec, k,
              st == CSM_MONEY_PRECISION ? "amount-precision" : "amount-syntax",
              "\"%.*s\" %s (expected an amount of zero or more in %s, like "
              "1234.56)",
              (int)(len > 40 ? 40 : len), s,
              st == CSM_MONEY_OK ? "is negative" : csm_money_status_text(st),
              a->ds->currency);
    return false;
}

static csm_error cost_row(aux *a, const csm_csv_record *rec)
{
    csm_dataset *ds = a->ds;
    csm_month m;
    int64_t acq = 0, ret = 0;
    bool ok = field_month(a, rec, CO_MONTH, &m);
    ok = field_amount(a, rec, CO_ACQ, &acq) && ok;
    ok = field_amount(a, rec, CO_RET, &ret) && ok;
    if (!ok)
        return CSM_OK;
    char mb[CSM_DATE_BUFSZ], range[40];
    if (!in_range(ds, m)) {
        range_text(ds, range, sizeof range);
        aux_error(a, rec, CO_MONTH, "month-range",
                  "month %s is outside the loaded data (expected %s)",
                  csm_month_format(m, mb), range);
        return CSM_OK;
    }
    for (size_t i = 0; i < ds->n_costs; i++) {
        if (ds->costs[i].month == m) {
            aux_error(a, rec, CO_MONTH, "cost-duplicate",
                      "a second row for %s (expected one row per month)",
                      csm_month_format(m, mb));
            return CSM_OK;
        }
    }
    ds->costs =
        csm_xreallocarray(ds->costs, ds->n_costs + 1, sizeof *ds->costs);
    ds->costs[ds->n_costs++] = (csm_cost){m, acq, ret};
    return CSM_OK;
}

static int cmp_cost(const void *x, const void *y)
{
    const csm_cost *a = x, *b = y;
    return (a->month > b->month) - (a->month < b->month);
}

csm_error csm_load_costs(csm_dataset *ds, const char *path, const char *name,
                         csm_diags *diag)
{
    csm_error rc =
        aux_read(ds, path, name, cost_spec, CO_COUNT, cost_row, diag);
    csm_qsort(ds->costs, ds->n_costs, sizeof *ds->costs, cmp_cost);
    ds->has_costs = true;
    return rc;
}

/* ---------------------------------------------------------------- reasons */
enum { CR_CUSTOMER, CR_MONTH, CR_REASON, CR_CATEGORY, CR_COUNT };
static const csm_column_spec reason_spec[CR_COUNT] = {{"customer_id", true},
                                                      {"month", true},
                                                      {"reason", true},
                                                      {"category", false}};

static uint32_t field_customer(aux *a, const csm_csv_record *rec, size_t k,
                               bool blank_ok)
{
    size_t len;
    const char *s = csm_field(&a->map, rec, k, &len);
    if (!s || (blank_ok && len == 0))
        return CSM_NO_CUSTOMER;
    uint32_t c = csm_strtab_find(&a->ds->ids, s, len);
    if (c == CSM_STRTAB_NONE) {
        aux_error(a, rec, k, "unknown-customer",
                  "customer \"%.*s\" is in no snapshot (expected a "
                  "customer_id from the snapshots)",
                  (int)(len > 60 ? 60 : len), s);
        return CSM_NO_CUSTOMER - 1;
    }
    return c;
}

static csm_error reason_row(aux *a, const csm_csv_record *rec)
{
    csm_dataset *ds = a->ds;
    uint32_t c = field_customer(a, rec, CR_CUSTOMER, false);
    csm_month m;
    bool ok = field_month(a, rec, CR_MONTH, &m) && c < ds->n_customers;
    size_t len;
    const char *reason = csm_field(&a->map, rec, CR_REASON, &len);
    size_t rlen = len;
    if (rlen == 0) {
        aux_error(a, rec, CR_REASON, "reason-empty",
                  "reason is empty (expected a short text)");
        ok = false;
    }
    csm_reason_category cat = CSM_REASON_UNSPECIFIED;
    const char *cs = csm_field(&a->map, rec, CR_CATEGORY, &len);
    if (cs && len) {
        if (len == 12 && strncasecmp(cs, "controllable", 12) == 0)
            cat = CSM_REASON_CONTROLLABLE;
        else if (len == 14 && strncasecmp(cs, "uncontrollable", 14) == 0)
            cat = CSM_REASON_UNCONTROLLABLE;
        else {
            aux_error(a, rec, CR_CATEGORY, "reason-category",
                      "\"%.*s\" is not a category (expected controllable or "
                      "uncontrollable)",
                      (int)(len > 40 ? 40 : len), cs);
            ok = false;
        }
    }
    if (!ok)
        return CSM_OK;
    if (!in_range(ds, m)) {
        char mb[CSM_DATE_BUFSZ], range[40];
        range_text(ds, range, sizeof range);
        aux_error(a, rec, CR_MONTH, "month-range",
                  "month %s is outside the loaded data (expected %s)",
                  csm_month_format(m, mb), range);
        return CSM_OK;
    }
    uint32_t r = csm_strtab_intern(&ds->strings, reason, rlen, NULL);
    ds->reasons =
        csm_xreallocarray(ds->reasons, ds->n_reasons + 1, sizeof *ds->reasons);
    ds->reasons[ds->n_reasons++] = (csm_churn_reason){c, m, r, cat};
    return CSM_OK;
}

csm_error csm_load_reasons(csm_dataset *ds, const char *path, const char *name,
                           csm_diags *diag)
{
    ds->has_reasons = true;
    return aux_read(ds, path, name, reason_spec, CR_COUNT, reason_row, diag);
}

/* ---------------------------------------------------------------- referrals */
enum { RF_REFERRER, RF_REFERRED, RF_DATE, RF_COUNT };
static const csm_column_spec referral_spec[RF_COUNT] = {
    {"referrer_id", true}, {"referred_id", true}, {"date", true}};

static csm_error referral_row(aux *a, const csm_csv_record *rec)
{
    csm_dataset *ds = a->ds;
    uint32_t from = field_customer(a, rec, RF_REFERRER, false);
    uint32_t to = field_customer(a, rec, RF_REFERRED, true);
    size_t len;
    const char *s = csm_field(&a->map, rec, RF_DATE, &len);
    csm_day d;
    csm_date_status st = csm_date_parse(s, len, &d);
    if (st != CSM_DATE_OK) {
        aux_error(a, rec, RF_DATE, "date",
                  "\"%.*s\" %s (expected a date YYYY-MM-DD)",
                  (int)(len > 40 ? 40 : len), s, csm_date_status_text(st));
        return CSM_OK;
    }
    if (from >= ds->n_customers ||
        (to != CSM_NO_CUSTOMER && to >= ds->n_customers))
        return CSM_OK;
    if (to == from) {
        aux_error(a, rec, RF_REFERRED, "referral-self",
                  "a customer cannot refer itself");
        return CSM_OK;
    }
    ds->referrals = csm_xreallocarray(ds->referrals, ds->n_referrals + 1,
                                      sizeof *ds->referrals);
    ds->referrals[ds->n_referrals++] = (csm_referral){from, to, d};
    return CSM_OK;
}

csm_error csm_load_referrals(csm_dataset *ds, const char *path,
                             const char *name, csm_diags *diag)
{
    ds->has_referrals = true;
    return aux_read(ds, path, name, referral_spec, RF_COUNT, referral_row,
                    diag);
}
