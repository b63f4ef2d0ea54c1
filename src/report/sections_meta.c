/* Builders of the definitions and data-quality sections. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/xalloc.h"
#include "sections.h"

/* The policies table and, beside it, the notes that say what each one
 * means: a table cell cannot wrap, and a meaning cut short with "..." in
 * the PDF would not define anything. */
typedef struct policy_blocks {
    csm_block *table;
    char **lines; /* "name: meaning." of each policy */
    size_t n;
} policy_blocks;

static void add_policy(void *p, const char *section, const char *key,
                       const char *value, const char *doc)
{
    policy_blocks *pb = p;
    char name[96];
    snprintf(name, sizeof name, "%s.%s", section, key);
    csm_cell row[2] = {csm_cell_text(name), csm_cell_text(value)};
    csm_table_row(pb->table, row);
    pb->lines = csm_xreallocarray(pb->lines, pb->n + 1, sizeof *pb->lines);
    pb->lines[pb->n++] = csm_xasprintf("%s: %s.", name, doc);
}

void csm_build_definitions(csm_section *sec, const csm_def_section *def,
                           const csm_section_spec *spec,
                           const csm_build_ctx *ctx)
{
    (void)def;
    (void)spec;
    csm_block *t = csm_section_table(sec, "Policies in force", "policies");
    csm_table_column(t, "policy", "Policy", CSM_CELL_TEXT, 1.2);
    csm_table_column(t, "value", "Value", CSM_CELL_TEXT, 1);
    policy_blocks pb = {.table = t};
    csm_config_visit(ctx->cfg, add_policy, &pb);
    csm_block_caption(t, ctx->cfg->source
                             ? "Settings from the config file given with "
                               "--config; unset keys keep their defaults."
                             : "Default settings (no --config given).");
    csm_block *pm = csm_section_notes(sec, "What each policy means");
    for (size_t i = 0; i < pb.n; i++) {
        csm_notes_add(pm, pb.lines[i]);
        free(pb.lines[i]);
    }
    free(pb.lines);

    csm_block *n = csm_section_notes(sec, "Definitions");
    static const char *const lines[] = {
        ("Amounts are monthly recurring revenue (MRR) in the reporting "
         "currency, exact to the cent; a customer is active in a month when "
         "its MRR is above zero."),
        "MRR bridge: new = active for the first time; reactivation = active "
        "again after inactive months; expansion / contraction = change of an "
        "active customer; churn = MRR of a customer that became inactive; fx "
        "= the effect of exchange rates when movements are valued at "
        "constant currency.",
        "Retention (point-to-point): the customers active at the window's "
        "start, measured at its end. Logo retention = share still active; "
        "GRR = their MRR now, each capped at its starting MRR, over their "
        "starting MRR; NRR = the same without the cap.",
        "Movement-sum NRR: the window's opening MRR plus its expansion, "
        "reactivation, contraction and churn, over the opening; the "
        "retention section splits its difference from the point-to-point "
        "figure into four parts. Quick ratio = (new + reactivation + "
        "expansion) / (contraction + churn).",
        "Renewals: a customer is up for renewal in a month when its term "
        "ends in it, or it is month to month; renewed if active again in "
        "the month (or within the grace months). Logo rate = renewed / up, "
        "with a Wilson interval; gross dollar rate caps each renewal at its "
        "prior MRR, net does not. Churn of customers not up for renewal is "
        "mid-term churn.",
        "Cohorts: customers by month (or quarter) of contract start, else "
        "first active month; revenue retention = cohort MRR at age k / at "
        "age 0; early churn = share that left within early_churn_days of "
        "starting.",
        "Time to first value: days from contract start to the first value "
        "date, a Kaplan-Meier estimate (Greenwood variance) that censors "
        "customers who churned or are still waiting and lets customers "
        "signed before the data enter late; equal to R survival::survfit.",
        "Health: a 0-100 score from usage, support load, NPS, payment and "
        "engagement (weights and breakpoints above); bands green, yellow, "
        "red. The score check counts churn within the next six months by "
        "band.",
        "Unit economics: CAC = acquisition cost / new customers; CRC = "
        "retention cost / retained customers; payback = CAC / (average new "
        "MRR x gross margin); LTV = ARPA x gross margin / monthly gross "
        "revenue churn.",
        "Referral rate: share of active customers who referred at least once "
        "in the trailing 12 months. Churn reasons come from "
        "churn_reasons.csv, matched to each churn.",
        "Trends: a least-squares line through the last trend_points points "
        "of a series; improving or declining only when the slope's interval "
        "(t distribution, at ci_level) excludes zero, else flat.",
        "Intervals are two-sided at ci_level: Wilson for proportions, "
        "Kaplan-Meier (ci_type) for time to first value, t for trend "
        "slopes. Every rate is shown with its n.",
        "n/a marks a value that is not defined (for example a rate whose "
        "denominator is zero); it is never shown as zero.",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        csm_notes_add(n, lines[i]);
}

void csm_build_data_quality(csm_section *sec, const csm_def_section *def,
                            const csm_section_spec *spec,
                            const csm_build_ctx *ctx)
{
    const csm_dataset *ds = ctx->ds;
    const csm_diags *d = ctx->diags;
    csm_block *f = csm_section_table(sec, "Files read", "files");
    f->u.table.detail = ds->n_files > 20;
    csm_table_column(f, "file", "File", CSM_CELL_TEXT, 3);
    csm_table_column(f, "month", "Month", CSM_CELL_TEXT, 0);
    csm_table_column(f, "rows", "Rows", CSM_CELL_INT, 0);
    csm_table_column(f, "skipped", "Skipped", CSM_CELL_INT, 0);
    long rows = 0, skipped = 0;
    char mb[CSM_DATE_BUFSZ];
    for (size_t i = 0; i < ds->n_files; i++) {
        csm_cell row[4] = {
            csm_cell_text(ds->files[i].path),
            csm_cell_text(csm_month_format(ds->files[i].month, mb)),
            csm_cell_int(ds->files[i].rows),
            csm_cell_int(ds->files[i].skipped)};
        rows += ds->files[i].rows;
        skipped += ds->files[i].skipped;
        csm_table_row(f, row);
    }
    csm_cell total[4] = {
        csm_cell_tone_set(csm_cell_text("Total"), CSM_TONE_STRONG),
        csm_cell_empty(),
        csm_cell_with_formula(csm_cell_int(rows), "SUM(files.rows)"),
        csm_cell_with_formula(csm_cell_int(skipped), "SUM(files.skipped)")};
    csm_table_row(f, total);
    f->u.table.total_rows = 1;

    csm_block *r = csm_section_table(sec, "Findings by rule", "rules");
    csm_table_column(r, "rule", "Rule", CSM_CELL_TEXT, 0);
    csm_table_column(r, "severity", "Severity", CSM_CELL_TEXT, 0);
    csm_table_column(r, "count", "Count", CSM_CELL_INT, 0);
    for (size_t i = 0; i < d->n_rules; i++) {
        csm_cell row[3] = {
            csm_cell_text(d->rules[i].rule),
            csm_cell_tone_set(
                csm_cell_text(csm_severity_name(d->rules[i].severity)),
                d->rules[i].severity == CSM_SEV_WARNING ? CSM_TONE_YELLOW
                                                        : CSM_TONE_NONE),
            csm_cell_int((int64_t)d->rules[i].count)};
        csm_table_row(r, row);
    }
    if (!d->n_rules)
        csm_block_caption(r, "No findings: every row was read and used.");

    long max_msgs = csm_def_option_int(def, spec, "messages");
    csm_block *m = csm_section_table(sec, "Warnings", "warnings");
    m->u.table.detail = true;
    csm_table_column(m, "where", "Where", CSM_CELL_TEXT, 1.5);
    csm_table_column(m, "rule", "Rule", CSM_CELL_TEXT, 0.8);
    csm_table_column(m, "message", "Message", CSM_CELL_TEXT, 3);
    long shown = 0;
    for (size_t i = 0; i < d->n && shown < max_msgs; i++) {
        const csm_diag *g = &d->items[i];
        if (g->severity != CSM_SEV_WARNING)
            continue;
        char *where =
            g->line > 0
                ? csm_xasprintf("%s:%ld", g->file ? g->file : "", g->line)
                : csm_xstrdup(g->file ? g->file : "");
        csm_cell row[3] = {csm_cell_text(where), csm_cell_text(g->rule),
                           csm_cell_text(g->message)};
        free(where);
        csm_table_row(m, row);
        shown++;
    }
    size_t warnings = csm_diags_warnings(d);
    if ((size_t)shown < warnings) {
        char *cap = csm_xasprintf("%ld of %zu warnings listed; every one is "
                                  "counted above.",
                                  shown, warnings);
        csm_block_caption(m, cap);
        free(cap);
    }
    if (ds->n_unknown_columns) {
        csm_block *u = csm_section_notes(sec, "Columns ignored");
        for (size_t i = 0; i < ds->n_unknown_columns; i++)
            csm_notes_add(u, ds->unknown_columns[i]);
    }
}
