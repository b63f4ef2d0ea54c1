/* The billing ledger of `report reconcile --ledger FILE`: customer_id and
 * mrr for one month, as the billing system has them (optional currency,
 * converted at the month's fx rate).  Several rows of one customer (invoice
 * lines) are summed. */
#include "csmetrics/ledger.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/csv_reader.h"
#include "csmetrics/schema.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/strtab.h"
#include "csmetrics/xalloc.h"
#include "internal.h"

enum { L_CUSTOMER, L_MRR, L_CURRENCY, L_COUNT };
static const csm_column_spec ledger_spec[L_COUNT] = {
    {"customer_id", true}, {"mrr", true}, {"currency", false}};

typedef struct lctx {
    const csm_dataset *ds;
    csm_month month;
    const char *name;
    csm_header_map map;
    bool have_header;
    csm_strtab ids;
    csm_ledger *out;
    csm_diags *diag;
} lctx;

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 4, 5)))
#endif
static void
lerr(lctx *x, const csm_csv_record *rec, size_t k, const char *fmt, ...)
{
    csm_loc loc = {.file = x->name, .line = rec->line, .offset = rec->offset};
    if (k < L_COUNT && x->map.index[k] >= 0) {
        loc.column = ledger_spec[k].name;
        loc.field = x->map.index[k] + 1;
    }
    csm_strbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    csm_strbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    csm_diags_add(x->diag, CSM_SEV_ERROR, "ledger", &loc, "%s",
                  csm_strbuf_str(&b));
    csm_strbuf_free(&b);
}

static csm_error on_row(void *ctx, const csm_csv_record *rec)
{
    lctx *x = ctx;
    if (!x->have_header) {
        x->have_header = true;
        return csm_header_map_build(ledger_spec, L_COUNT, rec, x->name, &x->map,
                                    x->diag)
                   ? CSM_OK
                   : CSM_EDATA;
    }
    x->out->rows++;
    size_t len;
    const char *why;
    const char *id = csm_field(&x->map, rec, L_CUSTOMER, &len);
    size_t id_len = len;
    if (!csm_parse_id(id, id_len, 128, &why)) {
        lerr(x, rec, L_CUSTOMER, "\"%.*s\" %s",
             (int)(id_len > 40 ? 40 : id_len), id, why);
        return CSM_OK;
    }
    const csm_dataset *ds = x->ds;
    char cur[4];
    memcpy(cur, ds->currency, 4);
    int dec = ds->decimals;
    const char *cs = csm_field(&x->map, rec, L_CURRENCY, &len);
    if (cs && len) {
        char code[4] = "";
        if (len == 3) {
            memcpy(code, cs, 3);
            code[3] = '\0';
        }
        dec = len == 3 ? csm_currency_decimals(code) : -1;
        if (dec < 0) {
            lerr(x, rec, L_CURRENCY, "\"%.*s\" is not an ISO 4217 code",
                 (int)(len > 40 ? 40 : len), cs);
            return CSM_OK;
        }
        memcpy(cur, code, 4);
    }
    const char *ms = csm_field(&x->map, rec, L_MRR, &len);
    int64_t amount;
    csm_money_status st = csm_money_parse(ms, len, dec, &amount);
    if (st != CSM_MONEY_OK || amount < 0) {
        lerr(x, rec, L_MRR,
             "\"%.*s\" %s (expected an amount of zero or more with at most %d "
             "decimals)",
             (int)(len > 40 ? 40 : len), ms,
             st == CSM_MONEY_OK ? "is negative" : csm_money_status_text(st),
             dec);
        return CSM_OK;
    }
    if (strcmp(cur, ds->currency) != 0) {
        const csm_rate *r = csm_fx_find(ds, cur, x->month);
        char mb[CSM_DATE_BUFSZ];
        if (!r) {
            lerr(x, rec, L_CURRENCY,
                 "no exchange rate for %s in %s (expected a row in fx.csv)",
                 cur, csm_month_format(x->month, mb));
            return CSM_OK;
        }
        if (!csm_money_convert(amount, dec, *r, ds->decimals, &amount)) {
            lerr(x, rec, L_MRR, "amount too large once converted");
            return CSM_OK;
        }
    }
    int added;
    uint32_t k = csm_strtab_intern(&x->ids, id, id_len, &added);
    if (added) {
        x->out->entries = csm_xreallocarray(x->out->entries, x->out->n + 1,
                                            sizeof *x->out->entries);
        x->out->entries[x->out->n++] =
            (csm_ledger_entry){csm_xstrndup(id, id_len), 0, rec->line};
    }
    csm_ledger_entry *e = &x->out->entries[k];
    if (!csm_money_add(e->amount, amount, &e->amount) ||
        !csm_money_add(x->out->total, amount, &x->out->total))
        lerr(x, rec, L_MRR,
             "the ledger total exceeds what can be held "
             "exactly");
    return CSM_OK;
}

csm_error csm_ledger_load(const char *path, const csm_dataset *ds,
                          csm_month month, csm_ledger **out, csm_diags *diag)
{
    *out = NULL;
    lctx x = {.ds = ds, .month = month, .name = path, .diag = diag};
    x.out = csm_xcalloc(1, sizeof *x.out);
    size_t before = csm_diags_errors(diag);
    csm_csv_options opt = {0};
    csm_error rc = csm_csv_read_file(path, path, &opt, on_row, &x, diag);
    csm_header_map_free(&x.map);
    csm_strtab_free(&x.ids);
    if (rc == CSM_OK && csm_diags_errors(diag) != before)
        rc = CSM_EDATA;
    if (rc != CSM_OK) {
        csm_ledger_free(x.out);
        return rc;
    }
    *out = x.out;
    return CSM_OK;
}

void csm_ledger_free(csm_ledger *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->entries[i].customer_id);
    free(l->entries);
    free(l);
}
