/* The JSON document of a run: one section writer per top-level key, in a
 * table, so the key order is fixed and a family adds one row. */
#include <stdlib.h>
#include <string.h>

#include "csmetrics/json.h"
#include "csmetrics/restatements.h"
#include "csmetrics/json_renewals.h"
#include "csmetrics/json_health.h"
#include "csmetrics/json_economics.h"
#include "csmetrics/metrics.h"
#include "csmetrics/version.h"

static void w_header(const csm_metrics *m, const csm_diags *d, csm_json *j)
{
    (void)d;
    const csm_dataset *ds = m->ds;
    csm_json_string(j, "csmetrics_version", CSM_VERSION);
    csm_json_month(j, "month", csm_dataset_month(ds, m->report_month));
    csm_json_string(j, "currency", ds->currency);
    csm_json_int(j, "currency_decimals", ds->decimals);
    csm_json_string(j, "source",
                    ds->source == CSM_SOURCE_PERIODS ? "periods" : "snapshots");
    csm_json_int(j, "customers", (int64_t)ds->n_customers);
    csm_json_array_inline(j, "months");
    for (int k = 0; k < ds->n_months; k++)
        csm_json_month(j, NULL, csm_dataset_month(ds, k));
    csm_json_end(j);
}

static void bridge_fields(csm_json *j, const csm_bridge_amounts *a)
{
    csm_json_int(j, "opening", a->opening);
    csm_json_int(j, "new", a->new_);
    csm_json_int(j, "reactivation", a->reactivation);
    csm_json_int(j, "expansion", a->expansion);
    csm_json_int(j, "contraction", a->contraction);
    csm_json_int(j, "churn", a->churn);
    csm_json_int(j, "fx", a->fx);
    csm_json_int(j, "closing", a->closing);
}

static void w_bridge(const csm_metrics *m, const csm_diags *d, csm_json *j)
{
    (void)d;
    csm_json_array(j, "bridge");
    for (int k = 0; k < m->bridge->n_months; k++) {
        const csm_bridge_month *b = &m->bridge->months[k];
        csm_json_object(j, NULL);
        csm_json_month(j, "month", b->month);
        csm_json_bool(j, "opening_balance", b->opening_balance);
        bridge_fields(j, &b->amount);
        csm_bridge_amounts l = {b->logos.opening,      b->logos.new_,
                                b->logos.reactivation, b->logos.expansion,
                                b->logos.contraction,  b->logos.churn,
                                b->logos.fx,           b->logos.closing};
        csm_json_object_inline(j, "logos");
        bridge_fields(j, &l);
        csm_json_end(j);
        csm_json_end(j);
    }
    csm_json_end(j);
}

static void retention_obj(csm_json *j, const char *key, const csm_retention *r,
                          bool inline_obj)
{
    if (r->base_logos < 0) {
        csm_json_null(j, key);
        return;
    }
    if (inline_obj)
        csm_json_object_inline(j, key);
    else
        csm_json_object(j, key);
    csm_json_month(j, "from", r->from);
    csm_json_month(j, "to", r->to);
    csm_json_int(j, "base_logos", r->base_logos);
    csm_json_int(j, "retained_logos", r->retained_logos);
    csm_json_int(j, "base_mrr", r->base_mrr);
    csm_json_int(j, "retained_mrr_capped", r->capped_mrr);
    csm_json_int(j, "retained_mrr", r->end_mrr);
    csm_json_ratio(j, "logo_retention", r->logo_retention);
    csm_json_ratio(j, "grr", r->grr);
    csm_json_ratio(j, "nrr", r->nrr);
    csm_json_end(j);
}

static const char *const window_keys[CSM_RETENTION_WINDOWS] = {"m1", "m3",
                                                               "m12"};

static void w_retention(const csm_metrics *m, const csm_diags *d, csm_json *j)
{
    (void)d;
    const csm_retention_result *r = m->retention;
    csm_json_object(j, "retention");
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++)
        retention_obj(j, window_keys[w], &r->current[w], false);
    csm_json_end(j);
    csm_json_object(j, "retention_series");
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++) {
        csm_json_array(j, window_keys[w]);
        for (int k = 0; k < r->n_series; k++)
            if (r->series[w][k].base_logos >= 0)
                retention_obj(j, NULL, &r->series[w][k], true);
        csm_json_end(j);
    }
    csm_json_end(j);
    csm_json_object(j, "retention_by");
    for (int g = 0; g < CSM_GROUP_KINDS; g++) {
        csm_json_array(j, csm_group_kind_name((csm_group_kind)g));
        for (size_t i = 0; i < r->n_groups[g]; i++) {
            const csm_retention_group *grp = &r->groups[g][i];
            csm_json_object(j, NULL);
            csm_json_string(j, "value", grp->value);
            for (int w = 0; w < CSM_RETENTION_WINDOWS; w++)
                retention_obj(j, window_keys[w], &grp->window[w], true);
            csm_json_end(j);
        }
        csm_json_end(j);
    }
    csm_json_end(j);
}

/* Policies are echoed with their JSON types: numbers as numbers, booleans
 * as booleans, anything else ("none", "off", "prior_month") as text. */
static void policy_value(void *ctx, const char *section, const char *key,
                         const char *value, const char *doc)
{
    (void)doc;
    csm_json *j = ctx;
    char full[96];
    snprintf(full, sizeof full, "%s%s%s",
             strcmp(section, "policies") ? section : "",
             strcmp(section, "policies") ? "." : "", key);
    char *end;
    double v = strtod(value, &end);
    if (*value && !*end)
        csm_json_double(j, full, v);
    else if (!strcmp(value, "true") || !strcmp(value, "false"))
        csm_json_bool(j, full, value[0] == 't');
    else
        csm_json_string(j, full, value);
}

static void w_policies(const csm_metrics *m, const csm_diags *d, csm_json *j)
{
    (void)d;
    csm_json_object(j, "policies");
    csm_config_visit(m->cfg, policy_value, j);
    if (m->cfg->source)
        csm_json_string(j, "config_file", m->cfg->source);
    else
        csm_json_null(j, "config_file");
    csm_json_end(j);
}

static void w_data_quality(const csm_metrics *m, const csm_diags *d,
                           csm_json *j)
{
    const csm_dataset *ds = m->ds;
    csm_json_object(j, "data_quality");
    csm_json_int(j, "errors", (int64_t)csm_diags_errors(d));
    csm_json_int(j, "warnings", (int64_t)csm_diags_warnings(d));
    long rows = 0, skipped = 0;
    for (size_t i = 0; i < ds->n_files; i++) {
        rows += ds->files[i].rows;
        skipped += ds->files[i].skipped;
    }
    csm_json_int(j, "rows_read", rows);
    csm_json_int(j, "rows_skipped", skipped);
    csm_json_array(j, "by_rule");
    for (size_t i = 0; i < d->n_rules; i++) {
        csm_json_object_inline(j, NULL);
        csm_json_string(j, "rule", d->rules[i].rule);
        csm_json_string(j, "severity", csm_severity_name(d->rules[i].severity));
        csm_json_int(j, "count", (int64_t)d->rules[i].count);
        csm_json_end(j);
    }
    csm_json_end(j);
    csm_json_array(j, "files");
    for (size_t i = 0; i < ds->n_files; i++) {
        csm_json_object_inline(j, NULL);
        csm_json_string(j, "path", ds->files[i].path);
        csm_json_month(j, "month", ds->files[i].month);
        csm_json_int(j, "rows", ds->files[i].rows);
        csm_json_int(j, "skipped", ds->files[i].skipped);
        csm_json_end(j);
    }
    csm_json_end(j);
    csm_json_array_inline(j, "unknown_columns");
    for (size_t i = 0; i < ds->n_unknown_columns; i++)
        csm_json_string(j, NULL, ds->unknown_columns[i]);
    csm_json_end(j);
    csm_json_array(j, "past_due_excluded");
    for (int k = 0; k < ds->n_months; k++) {
        if (!ds->month_excluded[k])
            continue;
        csm_json_object_inline(j, NULL);
        csm_json_month(j, "month", csm_dataset_month(ds, k));
        csm_json_int(j, "mrr", ds->month_excluded[k]);
        csm_json_end(j);
    }
    csm_json_end(j);
    csm_json_array(j, "messages");
    size_t shown = 0;
    for (size_t i = 0; i < d->n && shown < 200; i++) {
        const csm_diag *g = &d->items[i];
        if (g->severity < CSM_SEV_WARNING)
            continue;
        csm_json_object_inline(j, NULL);
        csm_json_string(j, "severity", csm_severity_name(g->severity));
        csm_json_string(j, "rule", g->rule);
        if (g->file)
            csm_json_string(j, "file", g->file);
        else
            csm_json_null(j, "file");
        if (g->line > 0)
            csm_json_int(j, "line", g->line);
        else
            csm_json_null(j, "line");
        if (g->column)
            csm_json_string(j, "column", g->column);
        else
            csm_json_null(j, "column");
        csm_json_string(j, "message", g->message);
        csm_json_end(j);
        shown++;
    }
    csm_json_end(j);
    csm_json_end(j);
}

static void w_cohorts(const csm_metrics *m, const csm_diags *d, csm_json *j)
{
    (void)d;
    csm_cohorts_write_json(m->cohorts, j);
}

static void w_ttfv(const csm_metrics *m, const csm_diags *d, csm_json *j)
{
    (void)d;
    csm_ttfv_write_json(m->ttfv, j);
}

static void w_trends(const csm_metrics *m, const csm_diags *d, csm_json *j)
{
    (void)d;
    csm_trends_write_json(m->trends, j);
}

static void w_restatements(const csm_metrics *m, const csm_diags *d,
                           csm_json *j)
{
    (void)d;
    const csm_restatements *r = m->restatements;
    if (!r) {
        csm_json_null(j, "restatements");
        return;
    }
    csm_json_object(j, "restatements");
    csm_json_string(j, "previous", r->previous_path);
    if (r->previous_data)
        csm_json_string(j, "previous_data", r->previous_data);
    else
        csm_json_null(j, "previous_data");
    csm_json_int(j, "figures_count", (int64_t)r->total_figures);
    csm_json_array(j, "figures");
    for (size_t i = 0; i < r->n_figures; i++) {
        const csm_restated_figure *f = &r->figures[i];
        csm_json_object_inline(j, NULL);
        csm_json_string(j, "month", f->month);
        csm_json_string(j, "metric", f->metric);
        csm_json_string(j, "previous", f->previous);
        csm_json_string(j, "current", f->current);
        csm_json_end(j);
    }
    csm_json_end(j);
    csm_json_int(j, "customers_count", (int64_t)r->total_customers);
    csm_json_array(j, "customers");
    char mb[CSM_DATE_BUFSZ];
    for (size_t i = 0; i < r->n_customers; i++) {
        const csm_restated_customer *c = &r->customers[i];
        csm_json_object_inline(j, NULL);
        csm_json_string(j, "customer_id", c->customer_id);
        csm_json_string(j, "month", csm_month_format(c->month, mb));
        csm_json_string(j, "change", c->change);
        csm_json_int(j, "previous_mrr", c->previous);
        csm_json_int(j, "mrr", c->current);
        csm_json_end(j);
    }
    csm_json_end(j);
    csm_json_end(j);
}

static const struct {
    void (*write)(const csm_metrics *m, const csm_diags *d, csm_json *j);
} sections[] = {
    {w_header},
    {w_bridge},
    {w_retention},
    {csm_json_write_retention_methods},
    {csm_json_write_renewals},
    {w_cohorts},
    {w_ttfv},
    {csm_json_write_health},
    {csm_json_write_at_risk},
    {csm_json_write_unit_economics},
    {csm_json_write_referrals},
    {csm_json_write_churn_reasons},
    {w_restatements},
    {w_trends},
    {w_policies},
    {w_data_quality},
};

csm_error csm_metrics_write_json(const csm_metrics *m, const csm_diags *diag,
                                 FILE *out)
{
    csm_json j;
    csm_json_init(&j, out);
    csm_json_object(&j, NULL);
    for (size_t i = 0; i < sizeof sections / sizeof *sections; i++)
        sections[i].write(m, diag, &j);
    csm_json_end(&j);
    return csm_json_finish(&j) ? CSM_OK : CSM_EIO;
}
