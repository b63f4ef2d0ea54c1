/* Snapshot folders: every snapshots/ *.csv file is parsed by a pool of
 * worker threads (one per core).  A worker turns one file into per-customer
 * aggregates with its own tables and diagnostics, then merges them into the
 * shared builder under one lock; parsing, the expensive part, runs fully in
 * parallel.  Diagnostics are merged in file-name order afterwards, so output
 * never depends on which worker finished first. */
#include "internal.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "csmetrics/sort.h"
#include "csmetrics/csv_reader.h"
#include "csmetrics/schema.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/validate.h"
#include "csmetrics/xalloc.h"

enum {
    S_CUSTOMER_ID,
    S_MRR,
    S_AS_OF,
    S_CUSTOMER_NAME,
    S_SUBSCRIPTION_ID,
    S_SEGMENT,
    S_PLAN,
    S_CURRENCY,
    S_CSM_OWNER,
    S_CONTRACT_START,
    S_TERM_END,
    S_FIRST_VALUE_DATE,
    S_ACTIVE_USERS,
    S_LICENSED_USERS,
    S_OPEN_TICKETS,
    S_NPS,
    S_DAYS_PAST_DUE,
    S_LAST_ENGAGEMENT,
    S_CHAMPION_LEFT,
    S_HEALTH_SCORE,
    S_COUNT
};

static const csm_column_spec snapshot_spec[S_COUNT] = {
    [S_CUSTOMER_ID] = {"customer_id", true},
    [S_MRR] = {"mrr", true},
    [S_AS_OF] = {"as_of", false},
    [S_CUSTOMER_NAME] = {"customer_name", false},
    [S_SUBSCRIPTION_ID] = {"subscription_id", false},
    [S_SEGMENT] = {"segment", false},
    [S_PLAN] = {"plan", false},
    [S_CURRENCY] = {"currency", false},
    [S_CSM_OWNER] = {"csm_owner", false},
    [S_CONTRACT_START] = {"contract_start", false},
    [S_TERM_END] = {"term_end", false},
    [S_FIRST_VALUE_DATE] = {"first_value_date", false},
    [S_ACTIVE_USERS] = {"active_users", false},
    [S_LICENSED_USERS] = {"licensed_users", false},
    [S_OPEN_TICKETS] = {"open_tickets", false},
    [S_NPS] = {"nps", false},
    [S_DAYS_PAST_DUE] = {"days_past_due", false},
    [S_LAST_ENGAGEMENT] = {"last_engagement", false},
    [S_CHAMPION_LEFT] = {"champion_left", false},
    [S_HEALTH_SCORE] = {"health_score", false},
};

/* Exchange rates copied out of the data set before the workers start, so
 * that workers never read tables the merge step may be changing. */
typedef struct fx_entry {
    char code[4];
    csm_month month;
    csm_rate rate;
} fx_entry;

typedef struct fx_index {
    fx_entry *e;
    size_t n;
} fx_index;

static int cmp_fx_entry(const void *x, const void *y)
{
    const fx_entry *a = x, *b = y;
    int r = strcmp(a->code, b->code);
    if (r)
        return r;
    return (a->month > b->month) - (a->month < b->month);
}

static void fx_index_build(fx_index *fx, const csm_dataset *ds)
{
    fx->n = ds->n_fx;
    fx->e = csm_xmalloc((fx->n ? fx->n : 1) * sizeof *fx->e);
    for (size_t i = 0; i < ds->n_fx; i++) {
        snprintf(fx->e[i].code, sizeof fx->e[i].code, "%s",
                 csm_strtab_get(&ds->strings, ds->fx[i].currency));
        fx->e[i].month = ds->fx[i].month;
        fx->e[i].rate = ds->fx[i].rate;
    }
    csm_qsort(fx->e, fx->n, sizeof *fx->e, cmp_fx_entry);
}

static const csm_rate *fx_lookup(const fx_index *fx, const char *code,
                                 csm_month m)
{
    fx_entry key;
    snprintf(key.code, sizeof key.code, "%s", code);
    key.month = m;
    const fx_entry *hit =
        csm_bsearch(&key, fx->e, fx->n, sizeof *fx->e, cmp_fx_entry);
    return hit ? &hit->rate : NULL;
}

/* One customer's rows of one month in one file, summed. */
typedef struct agg {
    csm_month month;
    uint32_t slot;    /* index into job->months */
    uint32_t key;     /* index into job->keys: month bytes + id */
    uint32_t rows;    /* rows summed into this record */
    uint32_t sub_len; /* first row's subscription id, in subarena */
    size_t sub_off;
    int64_t mrr, alt;
    int64_t sums[3]; /* active, licensed users, open tickets; -1 */
    int32_t attr[CSM_ATTR_COUNT];
    csm_day contract_start, first_value;
    uint32_t currency; /* job->strs index, or CSM_STRTAB_NONE */
    /* First non-empty customer_name, in job->names (length 0: none).
     * Names are copied, not interned: there is one per customer. */
    size_t name_off;
    uint32_t name_len;
} agg;

typedef struct month_sum {
    csm_month month;
    csm_block *block; /* set while merging */
    int64_t total;
    long rows;
} month_sum;

typedef struct job {
    /* inputs */
    char *path;
    char *shown;
    csm_month name_month; /* from the file name, or CSM_NO_MONTH */
    size_t file;
    const csm_config *cfg;
    const fx_index *fx;
    const char *currency; /* reporting */
    int decimals;
    /* outputs */
    csm_error rc;
    csm_diags diags;
    long rows, skipped;
    csm_strtab keys; /* month(4 bytes) + customer id */
    csm_strtab subs; /* month(4 bytes) + customer id + 0x1f + sub id */
    csm_strtab strs; /* names, segments, plans, owners, currencies */
    agg *aggs;
    size_t n_aggs, cap_aggs;
    month_sum *months;
    size_t n_months;
    char **unknown;
    size_t n_unknown;
    /* parse state */
    csm_header_map map;
    bool have_header;
    csm_strbuf kb;       /* key scratch, reused for every row */
    csm_strbuf subarena; /* first subscription id of each record */
    csm_strbuf names;    /* customer names of the records */
    char last_cur[4];    /* currency decimals cache */
    int last_dec;
    /* merge state (see job_merge_shared) */
    uint32_t *gstr; /* [strs.n] data set string of each local one */
    uint32_t *cust; /* [n_aggs] data set customer of each record */
} job;

static csm_loc row_loc(const job *j, const csm_csv_record *rec, size_t k)
{
    csm_loc loc = {.file = j->shown, .line = rec->line, .offset = rec->offset};
    if (k < S_COUNT && j->map.index && j->map.index[k] >= 0) {
        loc.column = snapshot_spec[k].name;
        loc.field = j->map.index[k] + 1;
    }
    return loc;
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 5, 6)))
#endif
static void
row_error(job *j, const csm_csv_record *rec, size_t k, const char *rule,
          const char *fmt, ...)
{
    csm_loc loc = row_loc(j, rec, k);
    csm_strbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    csm_strbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    csm_diags_add(&j->diags, CSM_SEV_ERROR, rule, &loc, "%s",
                  csm_strbuf_str(&b));
    csm_strbuf_free(&b);
}

/* Shows a field in a message: quoted, cut at 40 bytes. */
static const char *shown_value(const char *s, size_t len, char *buf, size_t n)
{
    size_t cut = len > 40 ? 40 : len;
    /* Do not cut inside a UTF-8 sequence. */
    while (cut < len && cut > 0 && ((unsigned char)s[cut] & 0xC0u) == 0x80u)
        cut--;
    snprintf(buf, n, "\"%.*s%s\"", (int)cut, s, cut < len ? "..." : "");
    return buf;
}

static bool parse_date_field(job *j, const csm_csv_record *rec, size_t k,
                             csm_day *out)
{
    size_t len;
    const char *s = csm_field(&j->map, rec, k, &len);
    *out = CSM_NO_DATE;
    if (!s || len == 0)
        return true;
    csm_date_status st = csm_date_parse(s, len, out);
    if (st == CSM_DATE_OK)
        return true;
    char v[64];
    /* Spreadsheets store a day as a serial number (45678 = 2025-01-21);
     * an unformatted date column exports as one. */
    bool serial = len <= 6;
    for (size_t i = 0; i < len && serial; i++)
        serial = s[i] >= '0' && s[i] <= '9';
    row_error(j, rec, k, "date",
              "%s %s (expected a date YYYY-MM-DD, e.g. 2025-01-31%s)",
              shown_value(s, len, v, sizeof v), csm_date_status_text(st),
              serial ? "; this looks like a spreadsheet serial day number: "
                       "format the column as a date before exporting"
                     : "");
    *out = CSM_NO_DATE;
    return false;
}

static bool parse_int_field(job *j, const csm_csv_record *rec, size_t k,
                            long long lo, long long hi, long long *out)
{
    size_t len;
    const char *s = csm_field(&j->map, rec, k, &len);
    *out = -1;
    if (!s || len == 0)
        return true;
    const char *why;
    if (csm_parse_int(s, len, lo, hi, out, &why))
        return true;
    char v[64];
    row_error(j, rec, k, "number", "%s %s (expected a whole number %lld..%lld)",
              shown_value(s, len, v, sizeof v), why, lo, hi);
    *out = -1;
    return false;
}

static uint32_t intern_opt(job *j, const csm_csv_record *rec, size_t k)
{
    size_t len;
    const char *s = csm_field(&j->map, rec, k, &len);
    if (!s || len == 0)
        return CSM_STRTAB_NONE;
    return csm_strtab_intern(&j->strs, s, len, NULL);
}

static uint32_t month_slot(job *j, csm_month m)
{
    for (size_t i = 0; i < j->n_months; i++)
        if (j->months[i].month == m)
            return (uint32_t)i;
    j->months =
        csm_xreallocarray(j->months, j->n_months + 1, sizeof *j->months);
    j->months[j->n_months] = (month_sum){m, NULL, 0, 0};
    return (uint32_t)j->n_months++;
}

static bool all_blank(const csm_csv_record *rec)
{
    for (size_t i = 0; i < rec->n_fields; i++)
        if (rec->lens[i])
            return false;
    return true;
}

static void key_bytes(csm_strbuf *b, csm_month m, const char *id, size_t len)
{
    csm_strbuf_clear(b);
    char mb[4];
    memcpy(mb, &m, 4);
    csm_strbuf_append(b, mb, 4);
    csm_strbuf_append(b, id, len);
}

static bool take_header(job *j, const csm_csv_record *rec)
{
    j->have_header = true;
    if (!csm_header_map_build(snapshot_spec, S_COUNT, rec, j->shown, &j->map,
                              &j->diags))
        return false;
    if (j->name_month == CSM_NO_MONTH && j->map.index[S_AS_OF] < 0) {
        csm_loc loc = {.file = j->shown, .line = rec->line, .offset = -1};
        csm_diags_add(&j->diags, CSM_SEV_ERROR, "file-name", &loc,
                      "file name is not a month and there is no as_of column "
                      "(expected a name like 2025-01.csv, or an as_of "
                      "column)");
        return false;
    }
    j->unknown = j->map.unknown;
    j->n_unknown = j->map.n_unknown;
    j->map.unknown = NULL;
    j->map.n_unknown = 0;
    return true;
}

static csm_error on_record(void *ctx, const csm_csv_record *rec)
{
    job *j = ctx;
    if (!j->have_header)
        return take_header(j, rec) ? CSM_OK : CSM_EDATA;
    j->rows++;
    if (all_blank(rec)) {
        csm_loc loc = {
            .file = j->shown, .line = rec->line, .offset = rec->offset};
        csm_diags_add(&j->diags, CSM_SEV_WARNING, "blank-row", &loc,
                      "row has only empty fields: skipped");
        j->skipped++;
        return CSM_OK;
    }
    if (rec->n_fields > j->map.n_fields) {
        row_error(j, rec, S_COUNT, "field-count",
                  "row has %zu fields, the header has %zu (expected at most "
                  "one field per column: is a comma unquoted?)",
                  rec->n_fields, j->map.n_fields);
        return CSM_OK;
    }
    size_t errors_before = csm_diags_errors(&j->diags);
    char v[64];
    size_t len;
    const char *why;

    const char *id = csm_field(&j->map, rec, S_CUSTOMER_ID, &len);
    size_t id_len = len;
    if (!csm_parse_id(id, id_len, 128, &why))
        row_error(j, rec, S_CUSTOMER_ID, "customer-id", "%s %s",
                  shown_value(id, id_len, v, sizeof v), why);

    /* Month: from the file name, or the as_of column (a date or a month). */
    csm_month month = j->name_month;
    const char *asof = csm_field(&j->map, rec, S_AS_OF, &len);
    if (asof) {
        csm_month am = CSM_NO_MONTH;
        csm_day ad;
        if (csm_date_parse(asof, len, &ad) == CSM_DATE_OK)
            am = csm_day_month(ad);
        else if (csm_month_parse(asof, len, &am) != CSM_DATE_OK)
            am = CSM_NO_MONTH;
        if (am == CSM_NO_MONTH) {
            row_error(j, rec, S_AS_OF, "as-of",
                      "%s is not a month (expected YYYY-MM or YYYY-MM-DD)",
                      shown_value(asof, len, v, sizeof v));
        } else if (month != CSM_NO_MONTH && am != month) {
            char a[CSM_DATE_BUFSZ], b[CSM_DATE_BUFSZ];
            row_error(j, rec, S_AS_OF, "as-of",
                      "as_of month %s differs from the file name's month %s "
                      "(expected the same month)",
                      csm_month_format(am, a), csm_month_format(month, b));
        } else {
            month = am;
        }
    }

    /* Currency and amount. */
    const char *cur = j->currency;
    int dec = j->decimals;
    char curbuf[4];
    const char *cs = csm_field(&j->map, rec, S_CURRENCY, &len);
    if (cs && len) {
        int d = -1;
        if (len == 3) {
            memcpy(curbuf, cs, 3);
            curbuf[3] = '\0';
            if (memcmp(curbuf, j->last_cur, 4) == 0) {
                d = j->last_dec;
            } else {
                d = csm_currency_decimals(curbuf);
                memcpy(j->last_cur, curbuf, 4);
                j->last_dec = d;
            }
        }
        if (d < 0) {
            row_error(j, rec, S_CURRENCY, "currency",
                      "%s is not an ISO 4217 currency code (expected e.g. "
                      "USD, EUR)",
                      shown_value(cs, len, v, sizeof v));
        } else {
            cur = curbuf;
            dec = d;
        }
    }
    const char *ms = csm_field(&j->map, rec, S_MRR, &len);
    int64_t native = 0;
    csm_money_status st = csm_money_parse(ms, len, dec, &native);
    if (st != CSM_MONEY_OK && j->cfg->allow_thousands_separator && len &&
        memchr(ms, ',', len)) {
        /* Documented option: "1,234.50" with groups of three digits. */
        char clean[64];
        size_t n = 0;
        bool ok = len < sizeof clean;
        const char *dot = memchr(ms, '.', len);
        size_t int_end = dot ? (size_t)(dot - ms) : len;
        size_t digits_since = 0;
        bool seen_comma = false;
        for (size_t i = 0; ok && i < len; i++) {
            if (ms[i] == ',' && i < int_end) {
                ok = digits_since > 0 && (!seen_comma || digits_since == 3) &&
                     digits_since <= 3;
                seen_comma = true;
                digits_since = 0;
                continue;
            }
            if (i < int_end && ms[i] >= '0' && ms[i] <= '9')
                digits_since++;
            clean[n++] = ms[i];
        }
        if (ok && seen_comma && digits_since == 3)
            st = csm_money_parse(clean, n, dec, &native);
    }
    if (st != CSM_MONEY_OK) {
        if (st == CSM_MONEY_PRECISION)
            row_error(j, rec, S_MRR, "mrr-precision",
                      "%s has more decimals than %s has (expected at most %d)",
                      shown_value(ms, len, v, sizeof v), cur, dec);
        else
            row_error(j, rec, S_MRR, "mrr-syntax",
                      "%s %s (expected an amount like 1234.56: digits, an "
                      "optional '.', no spaces, signs, exponents or "
                      "thousands separators)",
                      shown_value(ms, len, v, sizeof v),
                      csm_money_status_text(st));
    } else if (native < 0) {
        row_error(j, rec, S_MRR, "mrr-negative",
                  "%s is negative (expected an amount of zero or more; "
                  "credits belong in billing, not MRR)",
                  shown_value(ms, len, v, sizeof v));
    }

    /* Dates and counts. */
    csm_row_facts facts = {
        .month = month, .active_users = -1, .licensed_users = -1};
    parse_date_field(j, rec, S_CONTRACT_START, &facts.contract_start);
    parse_date_field(j, rec, S_TERM_END, &facts.term_end);
    parse_date_field(j, rec, S_FIRST_VALUE_DATE, &facts.first_value);
    parse_date_field(j, rec, S_LAST_ENGAGEMENT, &facts.last_engagement);
    long long tickets, nps, dpd, health;
    parse_int_field(j, rec, S_ACTIVE_USERS, 0, 100000000, &facts.active_users);
    parse_int_field(j, rec, S_LICENSED_USERS, 0, 100000000,
                    &facts.licensed_users);
    parse_int_field(j, rec, S_OPEN_TICKETS, 0, 1000000, &tickets);
    parse_int_field(j, rec, S_NPS, 0, 10, &nps);
    parse_int_field(j, rec, S_DAYS_PAST_DUE, 0, 100000, &dpd);
    parse_int_field(j, rec, S_HEALTH_SCORE, 0, 100, &health);
    int champion = -1;
    const char *chs = csm_field(&j->map, rec, S_CHAMPION_LEFT, &len);
    if (chs && len) {
        bool bv;
        if (csm_parse_bool(chs, len, &bv, &why))
            champion = bv ? 1 : 0;
        else
            row_error(j, rec, S_CHAMPION_LEFT, "boolean", "%s %s",
                      shown_value(chs, len, v, sizeof v), why);
    }
    const char *sub = csm_field(&j->map, rec, S_SUBSCRIPTION_ID, &len);
    size_t sub_len = sub ? len : 0;
    if (sub && sub_len && !csm_parse_id(sub, sub_len, 128, &why))
        row_error(j, rec, S_SUBSCRIPTION_ID, "subscription-id", "%s %s",
                  shown_value(sub, sub_len, v, sizeof v), why);

    if (csm_diags_errors(&j->diags) != errors_before || month == CSM_NO_MONTH)
        return CSM_OK;

    csm_loc loc = row_loc(j, rec, S_COUNT);
    csm_validate_row(&facts, &loc, &j->diags);
    if (csm_diags_errors(&j->diags) != errors_before)
        return CSM_OK;

    /* The customer's record of this month, and the duplicate check: the
     * same (customer, subscription) twice in a month is an error.  Most
     * customers have one row a month, so the subscription table is only
     * used from a customer's second row on. */
    csm_strbuf *kb = &j->kb;
    key_bytes(kb, month, id, id_len);
    int added;
    uint32_t k = csm_strtab_intern(&j->keys, kb->data, kb->len, &added);
    /* Keys and aggregates grow in step: key k is aggregate k. */
    if (added) {
        if (j->n_aggs == j->cap_aggs) {
            j->cap_aggs = j->cap_aggs ? j->cap_aggs * 2 : 1024;
            j->aggs = csm_xreallocarray(j->aggs, j->cap_aggs, sizeof *j->aggs);
        }
        agg *a = &j->aggs[j->n_aggs++];
        memset(a, 0, sizeof *a);
        a->month = month;
        a->slot = month_slot(j, month);
        a->key = k;
        a->sums[0] = a->sums[1] = a->sums[2] = -1;
        for (int i = 0; i < CSM_ATTR_COUNT; i++)
            a->attr[i] = CSM_NA;
        a->contract_start = a->first_value = CSM_NO_DATE;
        a->currency = CSM_STRTAB_NONE;
        a->sub_off = j->subarena.len;
        a->sub_len = (uint32_t)sub_len;
        csm_strbuf_append(&j->subarena, sub ? sub : "", sub_len);
    } else {
        agg *a = &j->aggs[k];
        if (a->rows == 1) {
            /* Second row: register the first row's subscription. */
            csm_strbuf_putc(kb, '\x1f');
            csm_strbuf_append(kb, j->subarena.data + a->sub_off, a->sub_len);
            csm_strtab_intern(&j->subs, kb->data, kb->len, NULL);
            key_bytes(kb, month, id, id_len);
        }
        csm_strbuf_putc(kb, '\x1f');
        csm_strbuf_append(kb, sub ? sub : "", sub_len);
        int fresh;
        csm_strtab_intern(&j->subs, kb->data, kb->len, &fresh);
        if (!fresh) {
            if (sub_len)
                row_error(j, rec, S_SUBSCRIPTION_ID, "duplicate-row",
                          "customer %.*s has subscription %.*s twice in this "
                          "month (expected each (customer_id, "
                          "subscription_id) once)",
                          (int)id_len, id, (int)sub_len, sub);
            else
                row_error(j, rec, S_CUSTOMER_ID, "duplicate-row",
                          "customer %.*s appears twice in this month "
                          "without distinct subscription_id values "
                          "(expected one row, or one per subscription_id)",
                          (int)id_len, id);
            return CSM_OK;
        }
    }
    j->aggs[k].rows++;

    /* Convert to the reporting currency, at this month's rate and at the
     * rate the fx policy classifies movements at. */
    int64_t amount = native, alt = native;
    if (strcmp(cur, j->currency) != 0) {
        const csm_rate *r = fx_lookup(j->fx, cur, month);
        char mb[CSM_DATE_BUFSZ];
        if (!r) {
            row_error(j, rec, S_CURRENCY, "fx-missing",
                      "no exchange rate for %s in %s (expected a row "
                      "\"%s,%s,RATE\" in fx.csv)",
                      cur, csm_month_format(month, mb), mb, cur);
            return CSM_OK;
        }
        if (!csm_money_convert(native, dec, *r, j->decimals, &amount)) {
            row_error(j, rec, S_MRR, "mrr-range",
                      "amount is too large once converted to %s", j->currency);
            return CSM_OK;
        }
        csm_month other =
            j->cfg->fx_policy == CSM_FX_PERIOD_END ? month + 1 : month - 1;
        const csm_rate *ro = fx_lookup(j->fx, cur, other);
        /* A missing neighbouring rate is reported by the data-set rules
         * when that month is loaded; otherwise it is never used. */
        if (!ro || !csm_money_convert(native, dec, *ro, j->decimals, &alt))
            alt = amount;
    } else {
        alt = amount;
    }

    /* Aggregate into the (month, customer) record. */
    agg *a = &j->aggs[k];
    month_sum *ms_slot = &j->months[a->slot];
    int64_t cust, cust_alt, total;
    bool cust_ok = csm_money_add(a->mrr, amount, &cust) &&
                   csm_money_add(a->alt, alt, &cust_alt);
    if (!cust_ok || !csm_money_add(ms_slot->total, amount, &total)) {
        char most[CSM_MONEY_BUFSZ];
        csm_money_format(INT64_MAX, j->decimals, most);
        if (!cust_ok)
            row_error(j, rec, S_MRR, "mrr-overflow",
                      "customer %.*s's rows this month add up past the "
                      "largest amount that can be held exactly (expected a "
                      "total of at most %s %s)",
                      (int)id_len, id, most, j->currency);
        else
            row_error(j, rec, S_MRR, "mrr-overflow",
                      "the month's total MRR passes the largest amount that "
                      "can be held exactly (expected a total of at most %s "
                      "%s)",
                      most, j->currency);
        return CSM_OK;
    }
    a->mrr = cust;
    a->alt = cust_alt;
    ms_slot->total = total;
    ms_slot->rows++;
    long long sums_in[3] = {facts.active_users, facts.licensed_users, tickets};
    for (int i = 0; i < 3; i++) {
        if (sums_in[i] < 0)
            continue;
        a->sums[i] = (a->sums[i] < 0 ? 0 : a->sums[i]) + sums_in[i];
        if (a->sums[i] > INT32_MAX)
            a->sums[i] = INT32_MAX;
    }
#define MIN_SET(field, val)                                                    \
    do {                                                                       \
        if ((val) != CSM_NA && ((field) == CSM_NA || (val) < (field)))         \
            (field) = (val);                                                   \
    } while (0)
#define MAX_SET(field, val)                                                    \
    do {                                                                       \
        if ((val) != CSM_NA && ((field) == CSM_NA || (val) > (field)))         \
            (field) = (val);                                                   \
    } while (0)
    MIN_SET(a->attr[CSM_ATTR_TERM_END], facts.term_end);
    MAX_SET(a->attr[CSM_ATTR_LAST_ENGAGEMENT], facts.last_engagement);
    if (nps >= 0)
        MIN_SET(a->attr[CSM_ATTR_NPS], (int32_t)nps);
    if (dpd >= 0)
        MAX_SET(a->attr[CSM_ATTR_DAYS_PAST_DUE], (int32_t)dpd);
    if (health >= 0)
        MIN_SET(a->attr[CSM_ATTR_HEALTH_SCORE], (int32_t)health);
    if (champion >= 0)
        MAX_SET(a->attr[CSM_ATTR_CHAMPION_LEFT], champion);
    MIN_SET(a->contract_start, facts.contract_start);
    MIN_SET(a->first_value, facts.first_value);
#undef MIN_SET
#undef MAX_SET
    static const struct {
        size_t col;
        csm_attr attr;
    } text_attrs[] = {{S_SEGMENT, CSM_ATTR_SEGMENT},
                      {S_PLAN, CSM_ATTR_PLAN},
                      {S_CSM_OWNER, CSM_ATTR_OWNER}};
    for (size_t i = 0; i < 3; i++) {
        if (a->attr[text_attrs[i].attr] != CSM_NA)
            continue;
        uint32_t s = intern_opt(j, rec, text_attrs[i].col);
        if (s != CSM_STRTAB_NONE)
            a->attr[text_attrs[i].attr] = (int32_t)s;
    }
    if (a->name_len == 0) {
        const char *nm = csm_field(&j->map, rec, S_CUSTOMER_NAME, &len);
        if (nm && len) {
            a->name_off = j->names.len;
            a->name_len = (uint32_t)len;
            csm_strbuf_append(&j->names, nm, len);
        }
    }
    if (a->currency == CSM_STRTAB_NONE)
        a->currency = csm_strtab_intern(&j->strs, cur, 3, NULL);
    return CSM_OK;
}

static void job_parse(job *j)
{
    csm_csv_options opt = {0};
    j->rc = csm_csv_read_file(j->path, j->shown, &opt, on_record, j, &j->diags);
    if (j->rc == CSM_OK && j->have_header && j->rows == 0) {
        csm_loc loc = {.file = j->shown, .line = 1, .offset = 0};
        csm_diags_add(&j->diags, CSM_SEV_ERROR, "header-only", &loc,
                      "the file has a header but no data rows (expected one "
                      "row per customer active that month; a month with no "
                      "customers needs rows with mrr 0)");
        j->rc = CSM_EDATA;
    }
    if (j->rc == CSM_OK && csm_diags_errors(&j->diags))
        j->rc = CSM_EDATA;
}

/* Maps a job-local string into the data set's strings (builder locked),
 * through a per-file cache so each distinct string is looked up once. */
static uint32_t global_string(csm_builder *b, uint32_t *cache, const job *j,
                              uint32_t local)
{
    if (cache[local] != CSM_STRTAB_NONE)
        return cache[local];
    const char *s = csm_strtab_get(&j->strs, local);
    cache[local] = csm_strtab_intern(&b->ds->strings, s, strlen(s), NULL);
    return cache[local];
}

static void note_currency(csm_builder *b, uint32_t gs)
{
    csm_dataset *ds = b->ds;
    if (strcmp(csm_strtab_get(&ds->strings, gs), ds->currency) == 0)
        return;
    b->multi_currency = true;
    for (size_t i = 0; i < ds->n_currencies; i++)
        if (ds->currencies[i] == gs)
            return;
    ds->currencies = csm_xreallocarray(ds->currencies, ds->n_currencies + 1,
                                       sizeof *ds->currencies);
    ds->currencies[ds->n_currencies++] = gs;
}

/* Merging a parsed file is two steps.  job_merge_shared (builder locked)
 * claims the file's month blocks, maps its strings and customer ids to the
 * data set's and updates the per-customer facts every file shares;
 * job_merge_blocks (no lock) then writes the month columns, which belong to
 * this file alone (a month in two files is refused by the first step).
 * Most of the work, and of the page faults, is in the second step, so the
 * workers no longer queue for it. */
static void job_merge_shared(csm_builder *b, job *j)
{
    csm_dataset *ds = b->ds;
    for (size_t i = 0; i < j->n_months; i++) {
        size_t clash = SIZE_MAX;
        csm_block *blk =
            csm_builder_block(b, j->months[i].month, j->file, &clash);
        if (clash != SIZE_MAX) {
            char mb[CSM_DATE_BUFSZ];
            csm_loc loc = {.file = j->shown, .offset = -1};
            csm_diags_add(&j->diags, CSM_SEV_ERROR, "month-twice", &loc,
                          "month %s is also in %s (expected each month in "
                          "one file)",
                          csm_month_format(j->months[i].month, mb),
                          ds->files[clash].path);
            j->rc = CSM_EDATA;
            return;
        }
        /* Each month has one file, so these are this file's rows. */
        blk->total = j->months[i].total;
        blk->rows = j->months[i].rows;
        j->months[i].block = blk;
    }
    j->gstr = csm_xmalloc((j->strs.n ? j->strs.n : 1) * sizeof *j->gstr);
    for (uint32_t i = 0; i < j->strs.n; i++)
        j->gstr[i] = CSM_STRTAB_NONE;
    j->cust = csm_xmalloc((j->n_aggs ? j->n_aggs : 1) * sizeof *j->cust);
    for (size_t i = 0; i < j->n_aggs; i++) {
        const agg *a = &j->aggs[i];
        const char *key = csm_strtab_get(&j->keys, a->key);
        size_t klen = j->keys.lens[a->key];
        uint32_t c = csm_builder_customer(b, key + 4, klen - 4);
        j->cust[i] = c;
        for (int at = CSM_ATTR_SEGMENT; at <= CSM_ATTR_OWNER; at++)
            if (a->attr[at] != CSM_NA)
                global_string(b, j->gstr, j, (uint32_t)a->attr[at]);
        if (a->contract_start != CSM_NO_DATE &&
            (ds->contract_start[c] == CSM_NO_DATE ||
             a->contract_start < ds->contract_start[c]))
            ds->contract_start[c] = a->contract_start;
        if (a->first_value != CSM_NO_DATE &&
            (ds->first_value[c] == CSM_NO_DATE ||
             a->first_value < ds->first_value[c]))
            ds->first_value[c] = a->first_value;
        /* Name and currency: the latest month's value wins.  Names rarely
         * change, so compare before copying. */
        if (a->name_len &&
            (b->name_month[c] == CSM_NO_MONTH || a->month > b->name_month[c])) {
            const char *nm = j->names.data + a->name_off;
            if (!ds->names[c] || strlen(ds->names[c]) != a->name_len ||
                memcmp(ds->names[c], nm, a->name_len) != 0) {
                free(ds->names[c]);
                ds->names[c] = csm_xstrndup(nm, a->name_len);
            }
            b->name_month[c] = a->month;
        }
        if (a->currency != CSM_STRTAB_NONE) {
            uint32_t gs = global_string(b, j->gstr, j, a->currency);
            note_currency(b, gs);
            if (b->currency_month[c] == CSM_NO_MONTH ||
                a->month > b->currency_month[c]) {
                ds->currency_of[c] = gs;
                b->currency_month[c] = a->month;
            }
        }
    }
    ds->files[j->file].rows = j->rows;
    ds->files[j->file].skipped = j->skipped;
}

static void job_merge_blocks(job *j)
{
    bool too_many = false;
    for (size_t i = 0; i < j->n_aggs; i++) {
        const agg *a = &j->aggs[i];
        uint32_t c = j->cust[i];
        csm_block *blk = j->months[a->slot].block;
        *csm_block_mrr(blk, c) = a->mrr;
        *csm_block_alt(blk, c) = a->alt;
        csm_block_present(blk, c);
        for (int at = 0; at < CSM_ATTR_COUNT; at++) {
            int32_t val = a->attr[at];
            if (at == CSM_ATTR_ACTIVE_USERS)
                val = a->sums[0] < 0 ? CSM_NA : (int32_t)a->sums[0];
            else if (at == CSM_ATTR_LICENSED_USERS)
                val = a->sums[1] < 0 ? CSM_NA : (int32_t)a->sums[1];
            else if (at == CSM_ATTR_OPEN_TICKETS)
                val = a->sums[2] < 0 ? CSM_NA : (int32_t)a->sums[2];
            if (val == CSM_NA)
                continue;
            if (at == CSM_ATTR_SEGMENT || at == CSM_ATTR_PLAN ||
                at == CSM_ATTR_OWNER) {
                /* Mapped by job_merge_shared. */
                uint32_t g = j->gstr[(uint32_t)val];
                /* Stored in 16 bits; UINT16_MAX means missing. */
                if (g >= UINT16_MAX) {
                    too_many = true;
                    continue;
                }
                val = (int32_t)g;
            }
            csm_block_attr(blk, (csm_attr)at, c, val);
        }
    }
    if (too_many) {
        csm_loc loc = {.file = j->shown, .offset = -1};
        csm_diags_add(&j->diags, CSM_SEV_ERROR, "too-many-values", &loc,
                      "more than 65,534 distinct segment, plan, owner and "
                      "currency values in the data (expected labels, not "
                      "identifiers)");
        j->rc = CSM_EDATA;
    }
}

static void job_release_tables(job *j)
{
    free(j->gstr);
    j->gstr = NULL;
    free(j->cust);
    j->cust = NULL;
    csm_strtab_free(&j->keys);
    csm_strtab_free(&j->subs);
    csm_strtab_free(&j->strs);
    free(j->aggs);
    j->aggs = NULL;
    j->n_aggs = j->cap_aggs = 0;
    free(j->months);
    j->months = NULL;
    j->n_months = 0;
    csm_header_map_free(&j->map);
    csm_strbuf_free(&j->kb);
    csm_strbuf_free(&j->subarena);
    csm_strbuf_free(&j->names);
}

typedef struct pool {
    csm_builder *b;
    job *jobs;
    size_t n_jobs;
    size_t next;
    pthread_mutex_t next_lock;
} pool;

static void run_job(pool *p, job *j)
{
    job_parse(j);
    if (j->rc == CSM_OK) {
        pthread_mutex_lock(&p->b->lock);
        job_merge_shared(p->b, j);
        pthread_mutex_unlock(&p->b->lock);
        if (j->rc == CSM_OK)
            job_merge_blocks(j);
    }
    job_release_tables(j);
}

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->next_lock);
        size_t i = p->next++;
        pthread_mutex_unlock(&p->next_lock);
        if (i >= p->n_jobs)
            return NULL;
        run_job(p, &p->jobs[i]);
    }
}

static bool month_name(const char *name, csm_month *m)
{
    size_t n = strlen(name);
    if (n != 11 || strcasecmp(name + 7, ".csv") != 0)
        return false;
    return csm_month_parse(name, 7, m) == CSM_DATE_OK;
}

static int cmp_name(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static bool has_csv_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".csv") == 0;
}

static void job_init(job *j, csm_builder *b, const fx_index *fx)
{
    j->cfg = b->cfg;
    j->fx = fx;
    j->currency = b->ds->currency;
    j->decimals = b->ds->decimals;
    j->rc = CSM_OK;
}

static void collect_unknown(csm_dataset *ds, job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < jobs[i].n_unknown; k++) {
            char *u = jobs[i].unknown[k];
            bool seen = false;
            for (size_t s = 0; s < ds->n_unknown_columns && !seen; s++)
                seen = strcasecmp(ds->unknown_columns[s], u) == 0;
            if (seen) {
                free(u);
                continue;
            }
            ds->unknown_columns = csm_xreallocarray(
                ds->unknown_columns, ds->n_unknown_columns + 1,
                sizeof *ds->unknown_columns);
            ds->unknown_columns[ds->n_unknown_columns++] = u;
        }
        free(jobs[i].unknown);
        jobs[i].unknown = NULL;
        jobs[i].n_unknown = 0;
    }
}

static csm_error run_jobs(csm_builder *b, job *jobs, size_t n, int threads,
                          csm_diags *diag)
{
    pool p = {.b = b, .jobs = jobs, .n_jobs = n, .next = 0};
    pthread_mutex_init(&p.next_lock, NULL);
    size_t nt = threads > 0 ? (size_t)threads : 1;
    if (nt > n)
        nt = n;
    pthread_t *tids = csm_xcalloc(nt, sizeof *tids);
    size_t started = 0;
    for (size_t t = 1; t < nt; t++) {
        if (pthread_create(&tids[t], NULL, worker, &p) != 0)
            break; /* fewer threads is still correct */
        started = t;
    }
    worker(&p);
    for (size_t t = 1; t <= started; t++)
        pthread_join(tids[t], NULL);
    free(tids);
    pthread_mutex_destroy(&p.next_lock);
    csm_error rc = CSM_OK;
    for (size_t i = 0; i < n; i++) {
        csm_diags_merge(diag, &jobs[i].diags);
        if (jobs[i].rc != CSM_OK && (rc == CSM_OK || jobs[i].rc == CSM_EIO))
            rc = jobs[i].rc;
    }
    collect_unknown(b->ds, jobs, n);
    return rc;
}

static void jobs_free(job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        job_release_tables(&jobs[i]);
        csm_diags_free(&jobs[i].diags);
        for (size_t k = 0; k < jobs[i].n_unknown; k++)
            free(jobs[i].unknown[k]);
        free(jobs[i].unknown);
        free(jobs[i].path);
        free(jobs[i].shown);
    }
    free(jobs);
}

csm_error csm_load_snapshots(csm_builder *b, const char *dir,
                             const char *shown_dir, int threads,
                             csm_diags *diag)
{
    csm_loc dloc = {.file = shown_dir, .offset = -1};
    DIR *d = opendir(dir);
    if (!d) {
        csm_diags_add(diag, CSM_SEV_ERROR, "io", &dloc,
                      "cannot read the snapshot folder: %s", strerror(errno));
        return CSM_EIO;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        names = csm_xreallocarray(names, n + 1, sizeof *names);
        names[n++] = csm_xstrdup(e->d_name);
    }
    closedir(d);
    csm_qsort(names, n, sizeof *names, cmp_name);
    fx_index fx;
    fx_index_build(&fx, b->ds);
    job *jobs = csm_xcalloc(n ? n : 1, sizeof *jobs);
    size_t nj = 0;
    for (size_t i = 0; i < n; i++) {
        char *shown = csm_xasprintf("%s/%s", shown_dir, names[i]);
        if (!has_csv_suffix(names[i])) {
            csm_loc loc = {.file = shown, .offset = -1};
            csm_diags_add(diag, CSM_SEV_WARNING, "not-csv", &loc,
                          "ignored: not a .csv file");
            free(shown);
            continue;
        }
        job *j = &jobs[nj++];
        job_init(j, b, &fx);
        j->path = csm_xasprintf("%s/%s", dir, names[i]);
        j->shown = shown;
        if (!month_name(names[i], &j->name_month))
            j->name_month = CSM_NO_MONTH;
        j->file = csm_dataset_add_file(b->ds, shown, j->name_month);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    csm_error rc;
    if (nj == 0) {
        csm_diags_add(diag, CSM_SEV_ERROR, "no-months", &dloc,
                      "no .csv files in the snapshot folder (expected "
                      "files named YYYY-MM.csv)");
        rc = CSM_EDATA;
    } else {
        if (threads <= 0) {
            long cores = sysconf(_SC_NPROCESSORS_ONLN);
            threads = cores > 0 ? (int)cores : 1;
        }
        rc = run_jobs(b, jobs, nj, threads, diag);
    }
    jobs_free(jobs, nj);
    free(fx.e);
    return rc;
}

csm_error csm_load_snapshot_mem(csm_builder *b, const char *data, size_t len,
                                const char *name, csm_month month,
                                csm_diags *diag)
{
    fx_index fx;
    fx_index_build(&fx, b->ds);
    job j;
    memset(&j, 0, sizeof j);
    job_init(&j, b, &fx);
    j.shown = csm_xstrdup(name);
    j.name_month = month;
    j.file = csm_dataset_add_file(b->ds, name, month);
    csm_csv_options opt = {0};
    j.rc = csm_csv_read_buffer(data, len, name, &opt, on_record, &j, &j.diags);
    if (j.rc == CSM_OK && j.have_header && j.rows == 0) {
        csm_loc loc = {.file = name, .line = 1, .offset = 0};
        csm_diags_add(&j.diags, CSM_SEV_ERROR, "header-only", &loc,
                      "the file has a header but no data rows");
        j.rc = CSM_EDATA;
    }
    if (j.rc == CSM_OK && csm_diags_errors(&j.diags))
        j.rc = CSM_EDATA;
    if (j.rc == CSM_OK)
        job_merge_shared(b, &j);
    if (j.rc == CSM_OK)
        job_merge_blocks(&j);
    job_release_tables(&j);
    csm_diags_merge(diag, &j.diags);
    csm_error rc = j.rc;
    collect_unknown(b->ds, &j, 1);
    free(j.shown);
    free(fx.e);
    return rc;
}
