#include "csmetrics/retention.h"

#include "csmetrics/sort.h"

#include <stdlib.h>
#include <string.h>

#include "csmetrics/xalloc.h"

const int csm_retention_window_months[CSM_RETENTION_WINDOWS] = {1, 3, 12};

const char *csm_group_kind_name(csm_group_kind k)
{
    switch (k) {
    case CSM_GROUP_SEGMENT:
        return "segment";
    case CSM_GROUP_PLAN:
        return "plan";
    case CSM_GROUP_COHORT:
        return "signup_quarter";
    default:
        return "group";
    }
}

csm_month csm_signup_month(const csm_dataset *ds, size_t c)
{
    if (ds->contract_start[c] != CSM_NO_DATE)
        return csm_day_month(ds->contract_start[c]);
    for (int m = 0; m < ds->n_months; m++)
        if (ds->mrr[m][c] > 0)
            return csm_dataset_month(ds, m);
    return CSM_NO_MONTH;
}

/* Accumulates one customer of the base into r.  Amounts are bounded by the
 * loader's checked month totals, so these sums cannot overflow. */
static void add_member(csm_retention *r, int64_t m0, int64_t m1)
{
    r->base_logos++;
    r->base_mrr += m0;
    r->end_mrr += m1;
    r->capped_mrr += m1 < m0 ? m1 : m0;
    if (m1 > 0)
        r->retained_logos++;
}

static void finish(csm_retention *r)
{
    r->logo_retention = csm_ratio_i64(r->retained_logos, r->base_logos);
    r->grr = csm_ratio_i64(r->capped_mrr, r->base_mrr);
    r->nrr = csm_ratio_i64(r->end_mrr, r->base_mrr);
}

static csm_retention empty_window(const csm_dataset *ds, int m0, int m1)
{
    csm_retention r;
    memset(&r, 0, sizeof r);
    r.from = csm_dataset_month(ds, m0);
    r.to = csm_dataset_month(ds, m1);
    r.window = m1 - m0;
    return r;
}

csm_retention csm_retention_window(const csm_dataset *ds, int m0, int m1)
{
    csm_retention r = empty_window(ds, m0, m1);
    const int64_t *a = ds->mrr[m0], *b = ds->mrr[m1];
    for (size_t c = 0; c < ds->n_customers; c++)
        if (a[c] > 0)
            add_member(&r, a[c], b[c]);
    finish(&r);
    return r;
}

/* Group value of customer c as of month index m, as a string index into
 * values (interned). */
static uint32_t group_of(const csm_dataset *ds, csm_group_kind kind, int m,
                         size_t c, csm_strtab *values)
{
    const char *v = "";
    char buf[CSM_DATE_BUFSZ];
    if (kind == CSM_GROUP_SEGMENT)
        v = csm_ds_string(ds, csm_ds_attr(ds, m, CSM_ATTR_SEGMENT, c));
    else if (kind == CSM_GROUP_PLAN)
        v = csm_ds_string(ds, csm_ds_attr(ds, m, CSM_ATTR_PLAN, c));
    else
        v = csm_quarter_format(csm_signup_month(ds, c), buf);
    return csm_strtab_intern(values, v, strlen(v), NULL);
}

static int cmp_group(const void *x, const void *y)
{
    const csm_retention_group *a = x, *b = y;
    /* "" (not given) sorts last. */
    if (!*a->value || !*b->value)
        return (!*a->value) - (!*b->value);
    return strcmp(a->value, b->value);
}

static void run_groups(const csm_dataset *ds, int report,
                       csm_retention_result *res, csm_group_kind kind)
{
    csm_strtab values = {0};
    csm_retention_group *g = NULL;
    size_t n = 0;
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++) {
        int m0 = report - csm_retention_window_months[w];
        if (m0 < 0)
            continue;
        for (size_t c = 0; c < ds->n_customers; c++) {
            int64_t a = ds->mrr[m0][c];
            if (a <= 0)
                continue;
            uint32_t k = group_of(ds, kind, m0, c, &values);
            while (n <= k) {
                g = csm_xreallocarray(g, n + 1, sizeof *g);
                g[n].value = csm_xstrdup(csm_strtab_get(&values, (uint32_t)n));
                for (int x = 0; x < CSM_RETENTION_WINDOWS; x++) {
                    int x0 = report - csm_retention_window_months[x];
                    g[n].window[x] = empty_window(ds, x0 < 0 ? 0 : x0, report);
                    g[n].window[x].window = csm_retention_window_months[x];
                    if (x0 < 0)
                        g[n].window[x].base_logos = -1;
                }
                n++;
            }
            add_member(&g[k].window[w], a, ds->mrr[report][c]);
        }
    }
    for (size_t i = 0; i < n; i++)
        for (int w = 0; w < CSM_RETENTION_WINDOWS; w++)
            finish(&g[i].window[w]);
    csm_qsort(g, n, sizeof *g, cmp_group);
    csm_strtab_free(&values);
    res->groups[kind] = g;
    res->n_groups[kind] = n;
}

csm_error csm_retention_run(const csm_dataset *ds, const csm_config *cfg,
                            int report_month, csm_retention_result **out,
                            csm_diags *diag)
{
    (void)cfg;
    (void)diag;
    csm_retention_result *r = csm_xcalloc(1, sizeof *r);
    r->report_month = report_month;
    r->n_series = ds->n_months;
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++) {
        int len = csm_retention_window_months[w];
        r->series[w] = csm_xcalloc((size_t)(ds->n_months ? ds->n_months : 1),
                                   sizeof *r->series[w]);
        for (int k = 0; k < ds->n_months; k++) {
            if (k - len < 0) {
                r->series[w][k] = empty_window(ds, 0, k);
                r->series[w][k].window = len;
                r->series[w][k].base_logos = -1;
                continue;
            }
            r->series[w][k] = csm_retention_window(ds, k - len, k);
        }
        if (report_month - len >= 0) {
            r->current[w] = r->series[w][report_month];
        } else {
            r->current[w] = empty_window(ds, 0, report_month);
            r->current[w].window = len;
            r->current[w].base_logos = -1;
        }
    }
    for (int k = 0; k < CSM_GROUP_KINDS; k++)
        run_groups(ds, report_month, r, (csm_group_kind)k);
    *out = r;
    return CSM_OK;
}

void csm_retention_free(csm_retention_result *r)
{
    if (!r)
        return;
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++)
        free(r->series[w]);
    for (int k = 0; k < CSM_GROUP_KINDS; k++) {
        for (size_t i = 0; i < r->n_groups[k]; i++)
            free(r->groups[k][i].value);
        free(r->groups[k]);
    }
    free(r);
}
