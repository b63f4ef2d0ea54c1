#include "csmetrics/restatements.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/json_read.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/xalloc.h"

/* Keys of the document that describe the run rather than report figures. */
static const char *const skipped_keys[] = {"csmetrics_version",
                                           "month",
                                           "currency",
                                           "currency_decimals",
                                           "source",
                                           "customers",
                                           "months",
                                           "data_quality",
                                           "restatements"};

static bool skipped(const char *key)
{
    for (size_t i = 0; i < sizeof skipped_keys / sizeof *skipped_keys; i++)
        if (strcmp(key, skipped_keys[i]) == 0)
            return true;
    return false;
}

/* The text a leaf is compared and shown by. */
static char *leaf_text(const csm_jval *v)
{
    switch (v->type) {
    case CSM_JNULL:
        return csm_xstrdup("null");
    case CSM_JBOOL:
        return csm_xstrdup(v->b ? "true" : "false");
    case CSM_JNUMBER:
    case CSM_JSTRING:
        return csm_xstrdup(v->text ? v->text : "");
    default:
        return csm_xstrdup(v->type == CSM_JARRAY ? "[...]" : "{...}");
    }
}

static const char *entry_month(const csm_jval *v)
{
    const csm_jval *m = csm_jval_get(v, "month");
    if (!m || m->type != CSM_JSTRING)
        m = csm_jval_get(v, "to");
    return m && m->type == CSM_JSTRING ? m->text : NULL;
}

/* How entries of an array are matched between runs: by month, else by a
 * group value or a customer id. */
static const char *entry_key(const csm_jval *v)
{
    const char *m = entry_month(v);
    if (m)
        return m;
    static const char *const keys[] = {"value", "customer_id", "reason",
                                       "segment", "rule"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const csm_jval *k = csm_jval_get(v, keys[i]);
        if (k && k->type == CSM_JSTRING)
            return k->text;
    }
    return NULL;
}

static void record(csm_restatements *r, const char *month, const char *path,
                   const csm_jval *a, const csm_jval *b)
{
    r->total_figures++;
    if (r->n_figures >= CSM_RESTATED_KEEP)
        return;
    r->figures =
        csm_xreallocarray(r->figures, r->n_figures + 1, sizeof *r->figures);
    r->figures[r->n_figures++] =
        (csm_restated_figure){csm_xstrdup(month ? month : ""),
                              csm_xstrdup(path), leaf_text(a), leaf_text(b)};
}

static bool same_leaf(const csm_jval *a, const csm_jval *b)
{
    if (a->type != b->type)
        return false;
    if (a->type == CSM_JBOOL)
        return a->b == b->b;
    if (a->type == CSM_JNUMBER || a->type == CSM_JSTRING)
        return strcmp(a->text, b->text) == 0;
    return true;
}

/* same_run_month: both runs report the same month, so figures that carry
 * no month of their own (the report month's TTFV, cohorts, ...) are the
 * same figures.  Otherwise only figures inside a month-keyed entry are
 * compared. */
static void compare(csm_restatements *r, const char *path, const char *month,
                    const csm_jval *a, const csm_jval *b, bool same_run_month)
{
    bool ca = a->type == CSM_JARRAY || a->type == CSM_JOBJECT;
    bool cb = b->type == CSM_JARRAY || b->type == CSM_JOBJECT;
    if (!ca || !cb || a->type != b->type) {
        if (!same_leaf(a, b) && (month || same_run_month))
            record(r, month, path, a, b);
        return;
    }
    if (a->type == CSM_JOBJECT) {
        const char *m = entry_month(a);
        if (m) {
            /* An entry is the same figure only for the same month:
             * retention.m1 "to" 2025-09 is not retention.m1 to 2025-10. */
            const char *mb = entry_month(b);
            if (!mb || strcmp(m, mb) != 0)
                return;
            month = m;
        }
        for (size_t i = 0; i < a->n; i++) {
            if (!*path && skipped(a->keys[i]))
                continue;
            const csm_jval *other = csm_jval_get(b, a->keys[i]);
            if (!other)
                continue; /* a figure no longer reported is not restated */
            char *sub = *path ? csm_xasprintf("%s.%s", path, a->keys[i])
                              : csm_xstrdup(a->keys[i]);
            compare(r, sub, month, &a->items[i], other, same_run_month);
            free(sub);
        }
        return;
    }
    /* Arrays of month entries are matched by month; others by position. */
    bool keyed =
        a->n > 0 && a->items[0].type == CSM_JOBJECT && entry_key(&a->items[0]);
    for (size_t i = 0; i < a->n; i++) {
        const csm_jval *other = NULL;
        if (keyed) {
            const char *m = a->items[i].type == CSM_JOBJECT
                                ? entry_key(&a->items[i])
                                : NULL;
            for (size_t k = 0; m && k < b->n && !other; k++) {
                const char *mk = b->items[k].type == CSM_JOBJECT
                                     ? entry_key(&b->items[k])
                                     : NULL;
                if (mk && strcmp(m, mk) == 0)
                    other = &b->items[k];
            }
        } else if (i < b->n && a->n == b->n) {
            other = &b->items[i];
        }
        if (!other)
            continue;
        compare(r, path, month, &a->items[i], other, same_run_month);
    }
}

static char *read_all(const char *path, size_t *len, csm_diags *diag)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        csm_loc loc = {.file = path, .offset = -1};
        csm_diags_add(diag, CSM_SEV_ERROR, "io", &loc,
                      "cannot read the earlier run's JSON: %s",
                      strerror(errno));
        return NULL;
    }
    csm_strbuf b = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        csm_strbuf_append(&b, buf, n);
    fclose(f);
    *len = b.len;
    return csm_strbuf_take(&b);
}

static void add_customer(csm_restatements *r, const char *id, csm_month m,
                         int64_t before, int64_t after)
{
    r->total_customers++;
    if (r->n_customers >= CSM_RESTATED_KEEP)
        return;
    r->customers = csm_xreallocarray(r->customers, r->n_customers + 1,
                                     sizeof *r->customers);
    r->customers[r->n_customers++] =
        (csm_restated_customer){csm_xstrdup(id), m, before, after,
                                before == 0  ? "added"
                                : after == 0 ? "removed"
                                             : "changed"};
}

static void compare_data(csm_restatements *r, const csm_dataset *prev,
                         const csm_dataset *cur)
{
    csm_month first = prev->first_month > cur->first_month ? prev->first_month
                                                           : cur->first_month;
    csm_month lp = prev->first_month + prev->n_months - 1;
    csm_month lc = cur->first_month + cur->n_months - 1;
    csm_month last = lp < lc ? lp : lc;
    for (csm_month m = first; m <= last; m++) {
        int mp = csm_dataset_month_index(prev, m);
        int mc = csm_dataset_month_index(cur, m);
        /* Current customers, in id order ... */
        for (size_t c = 0; c < cur->n_customers; c++) {
            uint32_t p = csm_ds_find_customer(prev, csm_ds_customer_id(cur, c));
            int64_t before = p == CSM_NO_CUSTOMER ? 0 : prev->mrr[mp][p];
            int64_t after = cur->mrr[mc][c];
            if (before != after)
                add_customer(r, csm_ds_customer_id(cur, c), m, before, after);
        }
        /* ... then customers the current data no longer has. */
        for (size_t p = 0; p < prev->n_customers; p++) {
            const char *id = csm_ds_customer_id(prev, p);
            if (csm_ds_find_customer(cur, id) == CSM_NO_CUSTOMER &&
                prev->mrr[mp][p] != 0)
                add_customer(r, id, m, prev->mrr[mp][p], 0);
        }
    }
}

csm_error csm_restatements_run(const char *prev_path, const char *current,
                               size_t current_len, const csm_dataset *cur_ds,
                               const char *prev_data_path,
                               const csm_dataset *prev_ds,
                               csm_restatements **out, csm_diags *diag)
{
    *out = NULL;
    size_t len = 0;
    char *text = read_all(prev_path, &len, diag);
    if (!text)
        return CSM_EIO;
    csm_jval *a = NULL, *b = NULL;
    csm_error rc = csm_json_parse(text, len, prev_path, &a, diag);
    free(text);
    if (rc != CSM_OK)
        return CSM_EDATA;
    if (a->type != CSM_JOBJECT || !csm_jval_get(a, "csmetrics_version")) {
        csm_loc loc = {.file = prev_path, .offset = -1};
        csm_diags_add(diag, CSM_SEV_ERROR, "previous", &loc,
                      "is not the JSON of a csmetrics run (expected the "
                      "output of 'metrics --json' or 'report --format "
                      "json')");
        csm_jval_free(a);
        return CSM_EDATA;
    }
    rc = csm_json_parse(current, current_len, "(current run)", &b, diag);
    if (rc != CSM_OK) {
        csm_jval_free(a);
        return rc;
    }
    csm_restatements *r = csm_xcalloc(1, sizeof *r);
    r->previous_path = csm_xstrdup(prev_path);
    const csm_jval *ma = csm_jval_get(a, "month"),
                   *mb = csm_jval_get(b, "month");
    bool same = ma && mb && ma->type == CSM_JSTRING &&
                mb->type == CSM_JSTRING && strcmp(ma->text, mb->text) == 0;
    compare(r, "", NULL, a, b, same);
    csm_jval_free(a);
    csm_jval_free(b);
    if (prev_ds && cur_ds) {
        r->previous_data = csm_xstrdup(prev_data_path ? prev_data_path : "");
        compare_data(r, prev_ds, cur_ds);
    }
    *out = r;
    return CSM_OK;
}

void csm_restatements_free(csm_restatements *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_figures; i++) {
        free(r->figures[i].month);
        free(r->figures[i].metric);
        free(r->figures[i].previous);
        free(r->figures[i].current);
    }
    free(r->figures);
    for (size_t i = 0; i < r->n_customers; i++)
        free(r->customers[i].customer_id);
    free(r->customers);
    free(r->previous_path);
    free(r->previous_data);
    free(r);
}
