/* The registry of report sections and the build driver. */
#include "csmetrics/report_build.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csmetrics/xalloc.h"
#include "sections.h"

static const csm_opt_spec bridge_opts[] = {
    {"months", CSM_OPT_INT, 2, 60, NULL, "13",
     "months of movements in the chart and table"},
};
static const csm_opt_spec retention_opts[] = {
    {"months", CSM_OPT_INT, 2, 120, NULL, "24", "months in the trend chart"},
};
static const csm_opt_spec dq_opts[] = {
    {"messages", CSM_OPT_INT, 0, 1000, NULL, "50",
     "warnings listed individually"},
};
static const csm_opt_spec at_risk_list_opts[] = {
    {"sort", CSM_OPT_WORD, 0, 0, "mrr|outcome|owner", "mrr",
     "row order: MRR at F (largest first), outcome (churned first) or "
     "owner"},
    {"page", CSM_OPT_WORD, 0, 0, "auto|portrait|landscape", "auto",
     "PDF page orientation; auto = landscape when the table is wide"},
};
static const csm_opt_spec at_risk_rolling_opts[] = {
    {"months", CSM_OPT_INT, 1, 240, NULL, "18",
     "latest completed flag months shown"},
};
static const csm_opt_spec renewals_opts[] = {
    {"months", CSM_OPT_INT, 2, 60, NULL, "13",
     "months in the renewal-rate chart and the monthly table"},
    {"quarters", CSM_OPT_INT, 1, 40, NULL, "8", "quarters in the table"},
};
static const csm_opt_spec cohorts_opts[] = {
    {"basis", CSM_OPT_WORD, 0, 0, "revenue|logo", "revenue",
     "retention of revenue (MRR) or of logos (customers)"},
    {"grouping", CSM_OPT_WORD, 0, 0, "quarter|month", "quarter",
     "cohorts by signup quarter or signup month"},
    {"cohorts", CSM_OPT_INT, 1, 240, NULL, "12", "most recent cohorts shown"},
    {"ages", CSM_OPT_INT, 1, 240, NULL, "36",
     "oldest age shown, in months since start"},
    {"step", CSM_OPT_INT, 1, 12, NULL, "3",
     "months between the heatmap's columns (0, step, 2 step, ...)"},
};
static const csm_opt_spec onboarding_opts[] = {
    {"days", CSM_OPT_INT, 30, 3650, NULL, "180",
     "days since contract start the curve shows"},
    {"quarters", CSM_OPT_INT, 1, 80, NULL, "12",
     "most recent signup quarters in the table"},
};
static const csm_opt_spec health_opts[] = {
    {"months", CSM_OPT_INT, 2, 60, NULL, "13", "months of band distribution"},
    {"top", CSM_OPT_INT, 0, 500, NULL, "15",
     "at-risk accounts listed, largest MRR first"},
};
static const csm_opt_spec economics_opts[] = {
    {"months", CSM_OPT_INT, 2, 60, NULL, "13", "months in the trend chart"},
};
static const csm_opt_spec churn_reasons_opts[] = {
    {"window", CSM_OPT_WORD, 0, 0, "1|3|12", "12",
     "months of churn the chart and tables cover"},
    {"missing", CSM_OPT_INT, 0, 1000, NULL, "50",
     "churns without a reason listed individually"},
};
static const csm_opt_spec referrals_opts[] = {
    {"months", CSM_OPT_INT, 2, 60, NULL, "13",
     "months in the referral-rate chart and table"},
};
static const csm_opt_spec restatements_opts[] = {
    {"rows", CSM_OPT_INT, 1, 20000, NULL, "100",
     "restated figures and customers listed"},
};

#define SPEC(id, reports, title, opts, doc)                                    \
    {                                                                          \
        id, reports, title, opts, sizeof opts / sizeof *opts, doc              \
    }
#define SPEC0(id, reports, title, doc)                                         \
    {                                                                          \
        id, reports, title, NULL, 0, doc                                       \
    }

const csm_section_spec csm_section_specs[] = {
    SPEC0("headline", " board ", "Headline",
          "KPI tiles with month-on-month and year-on-year change"),
    SPEC("bridge", " board reconcile ", "MRR bridge", bridge_opts,
         "waterfall of the month and monthly movements"),
    SPEC("retention", " board ", "Retention", retention_opts,
         "NRR, GRR and logo retention over 1, 3 and 12 months"),
    SPEC0("definitions", " board at-risk reconcile ", "Definitions",
          "every policy in force"),
    SPEC("data_quality", " board at-risk reconcile ", "Data quality", dq_opts,
         "files read, rows skipped, warnings"),
    SPEC0("at_risk_summary", " at-risk ", "Cohort summary",
          "size, MRR at risk, save rate, MRR lost, recovery, green baseline"),
    SPEC0("at_risk_states", " at-risk ", "States by month",
          "customers and MRR per state, F to F+k"),
    SPEC0("at_risk_mrr", " at-risk ", "MRR kept and lost",
          "cohort MRR kept, lost and expanded; NRR and GRR against F"),
    SPEC0("at_risk_survival", " at-risk ", "Survival",
          "logo survival against the green baseline, months to recovery"),
    SPEC("at_risk_customers", " at-risk ", "Customers", at_risk_list_opts,
         "one row per flagged customer"),
    SPEC("at_risk_tracking", " at-risk ", "Tracking grid", at_risk_list_opts,
         "state of every flagged customer in every month"),
    SPEC("at_risk_rolling", " at-risk ", "Rolling view", at_risk_rolling_opts,
         "outcomes of every completed flag month"),
    SPEC0("at_risk_definitions", " at-risk ", "Definitions",
          "every policy in force and the at-risk terms"),
    SPEC0("reconcile_summary", " reconcile ", "Summary",
          "the bridge as live formulas over the ledger, with its tie-out"),
    SPEC0("reconcile_ledger", " reconcile ", "Movement ledger",
          "every customer that moved, with its category and amounts"),
    SPEC0("reconcile_billing", " reconcile ", "Billing ledger",
          "customers that differ from the --ledger file, with totals"),
    SPEC0("reconcile_definitions", " reconcile ", "Definitions",
          "every policy in force and the reconciliation terms"),
    SPEC("renewals", " board ", "Renewals", renewals_opts,
         "renewal rate with intervals by month, quarter, segment and term"),
    SPEC("cohorts", " board ", "Cohorts", cohorts_opts,
         "retention heatmap by signup cohort, early churn"),
    SPEC("onboarding", " board ", "Onboarding", onboarding_opts,
         "time to first value (Kaplan-Meier), early churn"),
    SPEC("health", " board ", "Health", health_opts,
         "band distribution, score check, top at-risk accounts"),
    SPEC("economics", " board ", "Unit economics", economics_opts,
         "CAC, CRC, payback and LTV for 1, 3 and 12 months"),
    SPEC("churn_reasons", " board ", "Churn reasons", churn_reasons_opts,
         "churned MRR by reason and category, churns without a reason"),
    SPEC("referrals", " board ", "Referrals", referrals_opts,
         "referral rate with intervals, referred customers"),
    SPEC("restatements", " board reconcile ", "Restatements", restatements_opts,
         "figures changed since an earlier run"),
};
const size_t csm_n_section_specs =
    sizeof csm_section_specs / sizeof *csm_section_specs;

/* Builders in the same order as the specs. */
static const csm_section_builder builders[] = {
    csm_build_headline,
    csm_build_bridge,
    csm_build_retention,
    csm_build_definitions,
    csm_build_data_quality,
    csm_build_at_risk_summary,
    csm_build_at_risk_states,
    csm_build_at_risk_mrr,
    csm_build_at_risk_survival,
    csm_build_at_risk_customers,
    csm_build_at_risk_tracking,
    csm_build_at_risk_rolling,
    csm_build_at_risk_definitions,
    csm_build_reconcile_summary,
    csm_build_reconcile_ledger,
    csm_build_reconcile_billing,
    csm_build_reconcile_definitions,
    csm_build_renewals,
    csm_build_cohorts,
    csm_build_onboarding,
    csm_build_health,
    csm_build_economics,
    csm_build_churn_reasons,
    csm_build_referrals,
    csm_build_restatements,
};

_Static_assert(sizeof builders / sizeof *builders ==
                   sizeof csm_section_specs / sizeof *csm_section_specs,
               "one builder per section spec");

csm_error csm_build_epoch(long long *out, csm_diags *diag)
{
    const char *s = getenv("SOURCE_DATE_EPOCH");
    if (s && *s) {
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (*end || errno || v < 0 || v > 253402300799LL) {
            csm_diags_add(diag, CSM_SEV_ERROR, "usage", NULL,
                          "SOURCE_DATE_EPOCH=\"%s\" is not a number of "
                          "seconds since 1970",
                          s);
            return CSM_EUSAGE;
        }
        *out = v;
        return CSM_OK;
    }
    *out = (long long)time(NULL);
    return CSM_OK;
}

static const char *const month_names[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

csm_error csm_report_build(const csm_report_def *def, const csm_build_ctx *ctx,
                           csm_report **out, csm_diags *diag)
{
    (void)diag;
    const csm_dataset *ds = ctx->ds;
    csm_report *r = csm_report_new(def->report, def->title);
    csm_month month = csm_dataset_month(ds, ctx->m->report_month);
    r->month = month;
    r->subtitle = csm_xasprintf("%s %d", month_names[csm_month_mon(month) - 1],
                                csm_month_year(month));
    if (strcmp(def->report, "at-risk") == 0 && ctx->m->at_risk) {
        /* The at-risk pack is about its flag month, not the last month. */
        free(r->subtitle);
        r->subtitle = csm_at_risk_subtitle(ctx);
    }
    r->company = csm_xstrdup(ctx->company ? ctx->company : ctx->cfg->company);
    memcpy(r->currency, ds->currency, 4);
    r->currency_decimals = ds->decimals;
    r->generated_epoch = ctx->epoch;
    csm_day day = (csm_day)(ctx->epoch / 86400);
    char buf[CSM_DATE_BUFSZ];
    r->generated = csm_xstrdup(csm_date_format(day, buf));
    for (size_t i = 0; i < def->n_sections; i++) {
        const csm_def_section *d = &def->sections[i];
        for (size_t k = 0; k < csm_n_section_specs; k++) {
            if (strcmp(csm_section_specs[k].id, d->id) != 0)
                continue;
            csm_section *s = csm_report_section(r, d->id, d->title);
            builders[k](s, d, &csm_section_specs[k], ctx);
            break;
        }
    }
    *out = r;
    return CSM_OK;
}

const char *csm_label_month(const csm_build_ctx *ctx, int k, char *buf)
{
    return csm_month_format(csm_dataset_month(ctx->ds, k), buf);
}

/* fn carries whole numbers exactly in a double below 2^53.  Past that
 * (an ARR of 12 x an MRR near the int64 limit) the double is not the exact
 * figure, and past 2^63 converting it is undefined: such a tile is n/a,
 * never a rounded amount. */
static csm_cell whole_cell(csm_cell_kind kind, csm_ratio r)
{
    if (!r.defined || !(fabs(r.value) <= 9007199254740992.0))
        return csm_cell_na();
    return kind == CSM_CELL_MONEY ? csm_cell_money((int64_t)r.value)
                                  : csm_cell_int((int64_t)r.value);
}

csm_tile *csm_tile_from_series(csm_block *b, const char *label,
                               csm_cell_kind kind, csm_series_fn fn,
                               const csm_build_ctx *ctx, bool higher_better)
{
    int rm = ctx->m->report_month;
    csm_tile *t = csm_block_tile(b, label);
    t->higher_is_better = higher_better;
    csm_ratio now = fn(ctx, rm), prev = fn(ctx, rm - 1), ago = fn(ctx, rm - 12);
    csm_cell (*make)(csm_ratio) = NULL;
    switch (kind) {
    case CSM_CELL_MONEY:
    case CSM_CELL_INT:
        break;
    case CSM_CELL_RATE:
        make = csm_cell_rate;
        break;
    default:
        break;
    }
    if (make) {
        t->value = make(now);
        t->previous = make(prev);
        t->year_ago = make(ago);
    } else if (kind == CSM_CELL_MONEY || kind == CSM_CELL_INT) {
        t->value = whole_cell(kind, now);
        t->previous = whole_cell(kind, prev);
        t->year_ago = whole_cell(kind, ago);
    } else {
        t->value = csm_cell_number_ratio(now, 1);
        t->previous = csm_cell_number_ratio(prev, 1);
        t->year_ago = csm_cell_number_ratio(ago, 1);
    }
    /* Rates change in points; amounts and counts relative to the base. */
    csm_ratio mom = csm_ratio_undefined(), yoy = csm_ratio_undefined();
    if (kind == CSM_CELL_RATE) {
        if (now.defined && prev.defined)
            mom = csm_ratio_value(now.value - prev.value);
        if (now.defined && ago.defined)
            yoy = csm_ratio_value(now.value - ago.value);
        t->mom = csm_cell_points(mom);
        t->yoy = csm_cell_points(yoy);
    } else {
        if (now.defined && prev.defined && prev.value != 0)
            mom = csm_ratio_value((now.value - prev.value) / prev.value);
        if (now.defined && ago.defined && ago.value != 0)
            yoy = csm_ratio_value((now.value - ago.value) / ago.value);
        t->mom = csm_cell_rate(mom);
        t->yoy = csm_cell_rate(yoy);
    }
    double v[13];
    bool def[13];
    for (int i = 0; i < 13; i++) {
        csm_ratio x = fn(ctx, rm - 12 + i);
        v[i] = x.defined ? x.value : 0.0;
        def[i] = x.defined;
    }
    csm_tile_spark(t, v, def, 13);
    return t;
}
