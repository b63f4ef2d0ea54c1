/* Subscription periods (the dbt mrr-playbook shape): a period is active in
 * month M when start_date <= first day of M < end_date (blank end_date =
 * still open).  The file holds each customer's whole history, so the month
 * before the earliest start is loaded as an empty opening month and every
 * customer is new in its first active month. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/sort.h"
#include "csmetrics/csv_reader.h"
#include "csmetrics/schema.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/xalloc.h"

enum {
    P_CUSTOMER_ID,
    P_START,
    P_END,
    P_AMOUNT,
    P_SUBSCRIPTION_ID,
    P_CURRENCY,
    P_NAME,
    P_COUNT
};

static const csm_column_spec period_spec[P_COUNT] = {
    [P_CUSTOMER_ID] = {"customer_id", true},
    [P_START] = {"start_date", true},
    [P_END] = {"end_date", true},
    [P_AMOUNT] = {"monthly_amount", true},
    [P_SUBSCRIPTION_ID] = {"subscription_id", false},
    [P_CURRENCY] = {"currency", false},
    [P_NAME] = {"customer_name", false},
};

typedef struct period {
    uint32_t customer;
    uint32_t sub;       /* index into ctx.subs */
    csm_day start, end; /* end CSM_NO_DATE = open */
    int64_t amount;     /* native minor units */
    char currency[4];
    int decimals;
    long line;
} period;

typedef struct pctx {
    csm_builder *b;
    const char *shown;
    csm_header_map map;
    bool have_header;
    csm_strtab subs;
    period *p;
    size_t n, cap;
    long rows;
    csm_diags *diag;
} pctx;

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 5, 6)))
#endif
static void
perr(pctx *x, long line, size_t k, const char *rule, const char *fmt, ...)
{
    csm_loc loc = {.file = x->shown, .line = line, .offset = -1};
    if (k < P_COUNT && x->map.index && x->map.index[k] >= 0) {
        loc.column = period_spec[k].name;
        loc.field = x->map.index[k] + 1;
    }
    csm_strbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    csm_strbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    csm_diags_add(x->diag, CSM_SEV_ERROR, rule, &loc, "%s", csm_strbuf_str(&b));
    csm_strbuf_free(&b);
}

static bool pdate(pctx *x, const csm_csv_record *rec, size_t k, bool blank_ok,
                  csm_day *out)
{
    size_t len;
    const char *s = csm_field(&x->map, rec, k, &len);
    *out = CSM_NO_DATE;
    if (len == 0 && blank_ok)
        return true;
    csm_date_status st = csm_date_parse(s, len, out);
    if (st == CSM_DATE_OK)
        return true;
    perr(x, rec->line, k, "date", "\"%.*s\" %s (expected a date YYYY-MM-DD%s)",
         (int)(len > 40 ? 40 : len), s, csm_date_status_text(st),
         blank_ok ? ", or blank while the period is open" : "");
    return false;
}

static csm_error period_record(void *ctx, const csm_csv_record *rec)
{
    pctx *x = ctx;
    if (!x->have_header) {
        x->have_header = true;
        return csm_header_map_build(period_spec, P_COUNT, rec, x->shown,
                                    &x->map, x->diag)
                   ? CSM_OK
                   : CSM_EDATA;
    }
    x->rows++;
    if (rec->n_fields > x->map.n_fields) {
        perr(x, rec->line, P_COUNT, "field-count",
             "row has %zu fields, the header has %zu", rec->n_fields,
             x->map.n_fields);
        return CSM_OK;
    }
    size_t errors = csm_diags_errors(x->diag);
    size_t len;
    const char *why;
    const char *id = csm_field(&x->map, rec, P_CUSTOMER_ID, &len);
    size_t id_len = len;
    if (!csm_parse_id(id, id_len, 128, &why))
        perr(x, rec->line, P_CUSTOMER_ID, "customer-id", "\"%.*s\" %s",
             (int)(id_len > 40 ? 40 : id_len), id, why);
    period p = {.line = rec->line};
    pdate(x, rec, P_START, false, &p.start);
    pdate(x, rec, P_END, true, &p.end);
    const csm_dataset *ds = x->b->ds;
    memcpy(p.currency, ds->currency, 4);
    p.decimals = ds->decimals;
    const char *cs = csm_field(&x->map, rec, P_CURRENCY, &len);
    if (cs && len) {
        char code[4] = "";
        if (len == 3) {
            memcpy(code, cs, 3);
            code[3] = '\0';
        }
        int d = len == 3 ? csm_currency_decimals(code) : -1;
        if (d < 0)
            perr(x, rec->line, P_CURRENCY, "currency",
                 "\"%.*s\" is not an ISO 4217 currency code",
                 (int)(len > 40 ? 40 : len), cs);
        else {
            memcpy(p.currency, code, 4);
            p.decimals = d;
        }
    }
    const char *am = csm_field(&x->map, rec, P_AMOUNT, &len);
    csm_money_status st = csm_money_parse(am, len, p.decimals, &p.amount);
    if (st != CSM_MONEY_OK || p.amount < 0)
        perr(x, rec->line, P_AMOUNT,
             st == CSM_MONEY_PRECISION ? "mrr-precision" : "mrr-syntax",
             "\"%.*s\" %s (expected an amount of zero or more with at most "
             "%d decimals)",
             (int)(len > 40 ? 40 : len), am,
             st == CSM_MONEY_OK ? "is negative" : csm_money_status_text(st),
             p.decimals);
    if (p.start != CSM_NO_DATE && p.end != CSM_NO_DATE && p.end <= p.start)
        perr(x, rec->line, P_END, "period-order",
             "end_date is not after start_date (expected start_date < "
             "end_date; end_date is exclusive)");
    const char *sub = csm_field(&x->map, rec, P_SUBSCRIPTION_ID, &len);
    size_t sub_len = sub ? len : 0;
    if (csm_diags_errors(x->diag) != errors)
        return CSM_OK;
    p.customer = csm_builder_customer(x->b, id, id_len);
    p.sub = csm_strtab_intern(&x->subs, sub ? sub : "", sub_len, NULL);
    csm_dataset *mds = x->b->ds;
    if (mds->contract_start[p.customer] == CSM_NO_DATE ||
        p.start < mds->contract_start[p.customer])
        mds->contract_start[p.customer] = p.start;
    const char *nm = csm_field(&x->map, rec, P_NAME, &len);
    if (nm && len && !mds->names[p.customer])
        mds->names[p.customer] = csm_xstrndup(nm, len);
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 256;
        x->p = csm_xreallocarray(x->p, x->cap, sizeof *x->p);
    }
    x->p[x->n++] = p;
    return CSM_OK;
}

static int cmp_period(const void *a, const void *b)
{
    const period *x = a, *y = b;
    if (x->customer != y->customer)
        return x->customer < y->customer ? -1 : 1;
    if (x->sub != y->sub)
        return x->sub < y->sub ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

/* First month a period is active in: start_date <= first day of M. */
static csm_month first_active(csm_day start)
{
    csm_month m = csm_day_month(start);
    return csm_month_first_day(m) == start ? m : m + 1;
}

/* Last month it is active in: first day of M < end_date. */
static csm_month last_active(csm_day end)
{
    return csm_day_month(end - 1);
}

static void check_overlaps(pctx *x)
{
    csm_qsort(x->p, x->n, sizeof *x->p, cmp_period);
    for (size_t i = 1; i < x->n; i++) {
        const period *a = &x->p[i - 1], *b = &x->p[i];
        if (a->customer != b->customer || a->sub != b->sub)
            continue;
        if (a->end == CSM_NO_DATE || a->end > b->start) {
            const char *sub = csm_strtab_get(&x->subs, b->sub);
            perr(x, b->line, P_START, "period-overlap",
                 "customer %s%s%s has a period overlapping the one on line "
                 "%ld (expected periods of one subscription not to overlap)",
                 csm_ds_customer_id(x->b->ds, b->customer),
                 *sub ? ", subscription " : "", sub, a->line);
        }
    }
}

csm_error csm_load_periods(csm_builder *b, const char *path, const char *name,
                           csm_month as_of, csm_diags *diag)
{
    csm_dataset *ds = b->ds;
    ds->source = CSM_SOURCE_PERIODS;
    pctx x = {.b = b, .shown = name, .diag = diag};
    size_t file = csm_dataset_add_file(ds, name, CSM_NO_MONTH);
    size_t before = csm_diags_errors(diag);
    csm_csv_options opt = {0};
    csm_error rc = csm_csv_read_file(path, name, &opt, period_record, &x, diag);
    ds->files[file].rows = x.rows;
    if (rc == CSM_OK && x.rows == 0) {
        csm_loc loc = {.file = name, .line = 1, .offset = 0};
        csm_diags_add(diag, CSM_SEV_ERROR, "header-only", &loc,
                      "the file has a header but no periods");
        rc = CSM_EDATA;
    }
    if (rc == CSM_OK)
        check_overlaps(&x);
    if (rc == CSM_OK && csm_diags_errors(diag) != before)
        rc = CSM_EDATA;
    if (rc != CSM_OK)
        goto done;

    csm_day earliest = x.p[0].start;
    csm_month last = CSM_NO_MONTH;
    for (size_t i = 0; i < x.n; i++) {
        if (x.p[i].start < earliest)
            earliest = x.p[i].start;
        csm_month ms = csm_day_month(x.p[i].start);
        if (last == CSM_NO_MONTH || ms > last)
            last = ms;
        if (x.p[i].end != CSM_NO_DATE && csm_day_month(x.p[i].end) > last)
            last = csm_day_month(x.p[i].end);
    }
    csm_month first = csm_day_month(earliest) - 1;
    if (as_of != CSM_NO_MONTH && as_of != 0) {
        if (as_of <= first) {
            char a[CSM_DATE_BUFSZ], f[CSM_DATE_BUFSZ];
            csm_loc loc = {.file = name, .offset = -1};
            csm_diags_add(diag, CSM_SEV_ERROR, "as-of", &loc,
                          "--as-of %s is before the first period (expected "
                          "a month after %s)",
                          csm_month_format(as_of, a),
                          csm_month_format(first, f));
            rc = CSM_EDATA;
            goto done;
        }
        last = as_of;
    }
    if (last - first > 1200) {
        csm_loc loc = {.file = name, .offset = -1};
        csm_diags_add(diag, CSM_SEV_ERROR, "period-span", &loc,
                      "the periods span more than 100 years (expected "
                      "dates of a real business)");
        rc = CSM_EDATA;
        goto done;
    }
    for (csm_month m = first; m <= last; m++) {
        csm_block *blk = csm_builder_block(b, m, file, NULL);
        (void)blk;
    }
    ds->files[file].month = CSM_NO_MONTH;
    /* Resolve rates single-threaded: nothing else runs during periods. */
    for (size_t i = 0; i < x.n && rc == CSM_OK; i++) {
        const period *p = &x.p[i];
        csm_month fa = first_active(p->start);
        csm_month la = p->end == CSM_NO_DATE ? last : last_active(p->end);
        if (fa < first)
            fa = first;
        if (la > last)
            la = last;
        bool foreign = strcmp(p->currency, ds->currency) != 0;
        if (foreign) {
            uint32_t gs = csm_strtab_intern(&ds->strings, p->currency, 3, NULL);
            bool known = false;
            for (size_t k = 0; k < ds->n_currencies; k++)
                known = known || ds->currencies[k] == gs;
            if (!known) {
                ds->currencies =
                    csm_xreallocarray(ds->currencies, ds->n_currencies + 1,
                                      sizeof *ds->currencies);
                ds->currencies[ds->n_currencies++] = gs;
            }
            b->multi_currency = true;
            ds->currency_of[p->customer] = gs;
        }
        for (csm_month m = fa; m <= la; m++) {
            csm_block *blk = csm_builder_block(b, m, file, NULL);
            int64_t amount = p->amount, alt = p->amount;
            if (foreign) {
                const csm_rate *r = csm_fx_find(ds, p->currency, m);
                char mb[CSM_DATE_BUFSZ];
                if (!r) {
                    perr(&x, p->line, P_CURRENCY, "fx-missing",
                         "no exchange rate for %s in %s (expected a row in "
                         "fx.csv)",
                         p->currency, csm_month_format(m, mb));
                    rc = CSM_EDATA;
                    break;
                }
                if (!csm_money_convert(p->amount, p->decimals, *r, ds->decimals,
                                       &amount)) {
                    perr(&x, p->line, P_AMOUNT, "mrr-range",
                         "amount too large once converted");
                    rc = CSM_EDATA;
                    break;
                }
                csm_month other =
                    b->cfg->fx_policy == CSM_FX_PERIOD_END ? m + 1 : m - 1;
                const csm_rate *ro = csm_fx_find(ds, p->currency, other);
                if (!ro || !csm_money_convert(p->amount, p->decimals, *ro,
                                              ds->decimals, &alt))
                    alt = amount;
            }
            int64_t *bm = csm_block_mrr(blk, p->customer);
            int64_t *ba = csm_block_alt(blk, p->customer);
            if (!csm_money_add(*bm, amount, bm) ||
                !csm_money_add(*ba, alt, ba) ||
                !csm_money_add(blk->total, amount, &blk->total)) {
                perr(&x, p->line, P_AMOUNT, "mrr-overflow",
                     "the month's total MRR exceeds what can be held "
                     "exactly");
                rc = CSM_EDATA;
                break;
            }
            csm_block_present(blk, p->customer);
            blk->rows++;
        }
    }
done:
    csm_header_map_free(&x.map);
    csm_strtab_free(&x.subs);
    free(x.p);
    return rc;
}
