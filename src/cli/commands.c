/* The commands of csmetrics, one function and one table row each. */
#include "commands.h"
#include "report_cmd.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csmetrics/export.h"
#include "csmetrics/load.h"
#include "csmetrics/pipeline.h"
#include "csmetrics/synth.h"

static csm_error parse_threads(const csm_cli_opts *o, int *threads)
{
    *threads = 0;
    if (!o->threads)
        return CSM_OK;
    char *end;
    long t = strtol(o->threads, &end, 10);
    if (*end || t < 1 || t > 256) {
        fprintf(stderr, "csmetrics: --threads \"%s\" is not a number 1..256\n",
                o->threads);
        return CSM_EUSAGE;
    }
    *threads = (int)t;
    return CSM_OK;
}

csm_error csm_cmd_load(const csm_cli_opts *o, csm_run *run)
{
    memset(run, 0, sizeof *run);
    if (!o->data) {
        fputs("csmetrics: --data DIR is required (the folder with "
              "snapshots/ or subscriptions.csv)\n",
              stderr);
        return CSM_EUSAGE;
    }
    csm_load_options lo = {.data_dir = o->data};
    csm_error rc = parse_threads(o, &lo.threads);
    if (rc != CSM_OK)
        return rc;
    if (o->as_of) {
        if (csm_month_parse(o->as_of, strlen(o->as_of), &lo.as_of) !=
            CSM_DATE_OK) {
            fprintf(stderr,
                    "csmetrics: --as-of \"%s\" is not a month "
                    "(expected YYYY-MM)\n",
                    o->as_of);
            return CSM_EUSAGE;
        }
    }
    if (isatty(STDERR_FILENO) && !o->quiet)
        fprintf(stderr, "csmetrics: loading %s ...\r", o->data);
    rc = csm_run_load(run, o->config, &lo);
    if (isatty(STDERR_FILENO) && !o->quiet)
        fprintf(stderr, "%*s\r", (int)strlen(o->data) + 24, "");
    return rc;
}

/* "1,234,567.89" for people; JSON and files never group digits. */
static char *grouped(int64_t v, int dec, char *buf, size_t n)
{
    char raw[CSM_MONEY_BUFSZ];
    csm_money_format(v, dec, raw);
    const char *digits = raw[0] == '-' ? raw + 1 : raw;
    const char *dot = strchr(digits, '.');
    size_t int_len = dot ? (size_t)(dot - digits) : strlen(digits);
    size_t k = 0;
    if (raw[0] == '-' && k + 1 < n)
        buf[k++] = '-';
    for (size_t i = 0; i < int_len && k + 2 < n; i++) {
        if (i && (int_len - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    if (dot)
        for (const char *p = dot; *p && k + 1 < n; p++)
            buf[k++] = *p;
    buf[k] = '\0';
    return buf;
}

static void pct(FILE *out, csm_ratio r)
{
    if (r.defined)
        fprintf(out, " %8.1f%%", r.value * 100.0);
    else
        fprintf(out, " %9s", "n/a");
}

static void print_summary(const csm_run *run, FILE *out)
{
    const csm_dataset *ds = run->ds;
    const csm_metrics *m = run->metrics;
    const csm_bridge_month *b = &m->bridge->months[m->report_month];
    char mb[CSM_DATE_BUFSZ], a[CSM_DATE_BUFSZ], z[CSM_DATE_BUFSZ];
    char v[48];
    fprintf(out, "csmetrics - %s (%s), %zu customers, months %s..%s\n\n",
            csm_month_format(b->month, mb), ds->currency, ds->n_customers,
            csm_month_format(ds->first_month, a),
            csm_month_format(ds->first_month + ds->n_months - 1, z));
    fprintf(out, "MRR bridge %s%s\n", mb,
            b->opening_balance ? " (opening balance)" : "");
    const struct {
        const char *label;
        int64_t amount;
        long logos;
        int sign;
    } lines[] = {
        {"opening", b->amount.opening, b->logos.opening, 0},
        {"new", b->amount.new_, b->logos.new_, 1},
        {"reactivation", b->amount.reactivation, b->logos.reactivation, 1},
        {"expansion", b->amount.expansion, b->logos.expansion, 1},
        {"contraction", b->amount.contraction, b->logos.contraction, -1},
        {"churn", b->amount.churn, b->logos.churn, -1},
        {"fx", b->amount.fx, b->logos.fx, 0},
        {"closing", b->amount.closing, b->logos.closing, 0},
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        if (i == 6 && !ds->mrr_alt)
            continue;
        int64_t shown = lines[i].sign < 0 ? -lines[i].amount : lines[i].amount;
        fprintf(out, "  %-13s %20s  %6ld logos\n", lines[i].label,
                grouped(shown, ds->decimals, v, sizeof v), lines[i].logos);
    }
    fprintf(out, "\nRetention to %s       1 month  3 months 12 months\n", mb);
    const char *labels[3] = {"logo retention", "GRR", "NRR"};
    for (int r = 0; r < 3; r++) {
        fprintf(out, "  %-24s", labels[r]);
        for (int w = 0; w < CSM_RETENTION_WINDOWS; w++) {
            const csm_retention *x = &m->retention->current[w];
            csm_ratio q = x->base_logos < 0 ? csm_ratio_undefined()
                          : r == 0          ? x->logo_retention
                          : r == 1          ? x->grr
                                            : x->nrr;
            pct(out, q);
        }
        fputc('\n', out);
    }
    fprintf(out, "\n'--json' prints every figure; 'csmetrics report board' "
                 "renders the board pack.\n");
}

static int cmd_metrics(const csm_cli_opts *o)
{
    csm_run run;
    csm_error rc = csm_cmd_load(o, &run);
    if (rc == CSM_OK)
        rc = csm_run_compute(&run, o->month, NULL);
    if (rc == CSM_OK) {
        if (o->json)
            rc = csm_metrics_write_json(run.metrics, &run.diags, stdout);
        else
            print_summary(&run, stdout);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fputs("csmetrics: cannot write the output\n", stderr);
            rc = CSM_EIO;
        }
    }
    csm_cli_print_diags(&run.diags, o);
    csm_run_free(&run);
    return (int)rc;
}

static int cmd_validate(const csm_cli_opts *o)
{
    csm_run run;
    csm_error rc = csm_cmd_load(o, &run);
    csm_cli_print_diags(&run.diags, o);
    if (rc == CSM_OK) {
        const csm_dataset *ds = run.ds;
        long rows = 0, skipped = 0;
        for (size_t i = 0; i < ds->n_files; i++) {
            rows += ds->files[i].rows;
            skipped += ds->files[i].skipped;
        }
        char a[CSM_DATE_BUFSZ], z[CSM_DATE_BUFSZ];
        printf("ok: %s: %d months (%s..%s), %zu customers, %zu files, %ld "
               "rows, %ld skipped, %zu warnings\n",
               o->data, ds->n_months, csm_month_format(ds->first_month, a),
               csm_month_format(ds->first_month + ds->n_months - 1, z),
               ds->n_customers, ds->n_files, rows, skipped,
               csm_diags_warnings(&run.diags));
        if (o->verbose && ds->n_unknown_columns) {
            printf("ignored columns:");
            for (size_t i = 0; i < ds->n_unknown_columns; i++)
                printf(" %s", ds->unknown_columns[i]);
            printf("\n");
        }
    } else if (rc != CSM_EUSAGE) {
        printf("failed: %s: %zu errors (exit %d, %s)\n", o->data ? o->data : "",
               csm_diags_errors(&run.diags), rc, csm_strerror((csm_error)rc));
    }
    csm_run_free(&run);
    return (int)rc;
}

static int cmd_import_periods(const csm_cli_opts *o)
{
    if (o->n_args != 1 || !o->out) {
        fputs("csmetrics import periods: expected FILE and --out DIR\n",
              stderr);
        return CSM_EUSAGE;
    }
    csm_run run;
    memset(&run, 0, sizeof run);
    csm_load_options lo = {.periods_file = o->args[0]};
    if (o->as_of &&
        csm_month_parse(o->as_of, strlen(o->as_of), &lo.as_of) != CSM_DATE_OK) {
        fprintf(stderr, "csmetrics: --as-of \"%s\" is not a month\n", o->as_of);
        return CSM_EUSAGE;
    }
    csm_error rc = csm_run_load(&run, o->config, &lo);
    if (rc == CSM_OK)
        rc = csm_export_snapshots(run.ds, o->out, &run.diags);
    csm_cli_print_diags(&run.diags, o);
    if (rc == CSM_OK && !o->quiet)
        printf("wrote %d snapshot files for %zu customers to %s/snapshots\n",
               run.ds->n_months, run.ds->n_customers, o->out);
    csm_run_free(&run);
    return (int)rc;
}

static void synth_progress(void *ctx, int done, int total)
{
    (void)ctx;
    fprintf(stderr, "\rcsmetrics synth: month %d of %d", done, total);
    if (done == total)
        fputc('\n', stderr);
}

static csm_error parse_count(const char *opt, const char *v,
                             unsigned long long max, unsigned long long *out)
{
    char *end;
    if (!v || !*v || *v == '-') {
        fprintf(stderr, "csmetrics synth: %s needs a whole number\n", opt);
        return CSM_EUSAGE;
    }
    unsigned long long x = strtoull(v, &end, 10);
    if (*end || x > max) {
        fprintf(stderr,
                "csmetrics synth: %s \"%s\" is not a whole number "
                "up to %llu\n",
                opt, v, max);
        return CSM_EUSAGE;
    }
    *out = x;
    return CSM_OK;
}

static int cmd_synth(const csm_cli_opts *o)
{
    if (!o->out || !o->customers || !o->months) {
        fputs("csmetrics synth: expected --customers N --months M --out "
              "DIR\n",
              stderr);
        return CSM_EUSAGE;
    }
    unsigned long long customers, months, seed = 0;
    csm_error rc = parse_count("--customers", o->customers,
                               CSM_SYNTH_MAX_CUSTOMERS, &customers);
    if (rc == CSM_OK)
        rc = parse_count("--months", o->months, CSM_SYNTH_MAX_MONTHS, &months);
    if (rc == CSM_OK && o->seed)
        rc = parse_count("--seed", o->seed, UINT64_MAX, &seed);
    if (rc != CSM_OK)
        return (int)rc;
    csm_synth_options so = {
        .customers = (size_t)customers, .months = (int)months, .seed = seed};
    if (o->start &&
        csm_month_parse(o->start, strlen(o->start), &so.start) != CSM_DATE_OK) {
        fprintf(stderr,
                "csmetrics synth: --start \"%s\" is not a month "
                "(expected YYYY-MM)\n",
                o->start);
        return CSM_EUSAGE;
    }
    if (isatty(STDERR_FILENO) && !o->quiet)
        so.progress = synth_progress;
    csm_diags d = {0};
    rc = csm_synth_run(&so, o->out, &d);
    csm_cli_print_diags(&d, o);
    csm_diags_free(&d);
    if (rc == CSM_OK && !o->quiet)
        printf("wrote %llu customers over %llu months to %s\n", customers,
               months, o->out);
    return (int)rc;
}

static int cmd_board(const csm_cli_opts *o)
{
    return csm_cmd_report(o, "board");
}

static int cmd_at_risk(const csm_cli_opts *o)
{
    return csm_cmd_report(o, "at-risk");
}

static int cmd_reconcile(const csm_cli_opts *o)
{
    return csm_cmd_report(o, "reconcile");
}

#define REPORT_OPTS                                                            \
    " data month out format previous previous-data paper threads as-of "

const csm_command csm_commands[] = {
    {"report", "board", "report board",
     "--data DIR [--month YYYY-MM] [--out DIR] [--format pdf,xlsx,json]",
     "the monthly board pack (PDF + XLSX)", REPORT_OPTS,
     "Writes board-YYYY-MM.pdf and board-YYYY-MM.xlsx (and .json with\n"
     "--format json) for the report month into --out (default: here).\n\n"
     "  --month YYYY-MM       report month (default: the last loaded)\n"
     "  --format LIST         any of pdf, xlsx, json (default pdf,xlsx)\n"
     "  --paper A4|Letter     paper size of the PDF\n"
     "  --report FILE         report definition (default "
     "reports/board.report)\n"
     "  --style FILE          look (default templates/default.style)\n"
     "  --previous FILE       JSON of an earlier run: list restatements\n"
     "  --previous-data DIR   the earlier data folder: list changed "
     "customers\n",
     cmd_board},
    {"report", "at-risk", "report at-risk",
     "--data DIR --flagged YYYY-MM [--months 6] [--out DIR]",
     "the six-month at-risk cohort pack", REPORT_OPTS " flagged months ",
     "Follows the customers flagged at risk in --flagged for --months months\n"
     "(default at_risk_months, 6) and writes at-risk-YYYY-MM.pdf and .xlsx.\n",
     cmd_at_risk},
    {"report", "reconcile", "report reconcile",
     "--data DIR --month YYYY-MM [--ledger FILE] [--out DIR]",
     "the month's MRR bridge tied out to the cent", REPORT_OPTS " ledger ",
     "Writes reconcile-YYYY-MM.xlsx (bridge with live formulas over the\n"
     "per-customer movement ledger) and reconcile-YYYY-MM.csv (the ledger).\n"
     "With --ledger FILE (customer_id,mrr from billing) every customer whose\n"
     "amount differs or who is missing on either side is listed.  Exit 3\n"
     "when anything does not tie; the report is still written.\n",
     cmd_reconcile},
    {"metrics", NULL, "metrics", "--data DIR [--month YYYY-MM] [--json]",
     "print the MRR bridge and retention (all metrics with --json)",
     " data month json threads as-of ",
     "Loads DIR (snapshots/ or subscriptions.csv), computes every metric for\n"
     "the report month (default: the last loaded month) and prints a\n"
     "summary, or with --json the full JSON document (docs/json.md).\n\n"
     "  --data DIR        data folder\n"
     "  --month YYYY-MM   report month\n"
     "  --json            print JSON on standard output\n"
     "  --as-of YYYY-MM   last month of a periods file (default: its data)\n"
     "  --threads N       loader threads (default: one per core)\n"
     "  --config FILE     policies (templates/csmetrics.conf documents "
     "them)\n",
     cmd_metrics},
    {"validate", NULL, "validate", "--data DIR",
     "check a data folder and list every problem", " data threads as-of ",
     "Loads and checks DIR, prints every error (the first 50) and, with\n"
     "--verbose, every warning, then a one-line summary.  Exit 0 when the\n"
     "data is usable, 1 when it has errors, 4 when files cannot be read.\n",
     cmd_validate},
    {"import", "periods", "import periods", "FILE --out DIR [--as-of YYYY-MM]",
     "turn a subscription-periods file into monthly snapshots", " out as-of ",
     "Reads a periods file (customer_id,start_date,end_date,monthly_amount\n"
     "[,subscription_id,currency]) and writes DIR/snapshots/YYYY-MM.csv, one\n"
     "per month, which load back to the same metrics.\n",
     cmd_import_periods},
    {"synth", NULL, "synth",
     "--customers N --months M [--seed S] [--start YYYY-MM] --out DIR",
     "generate a realistic, deterministic data set",
     " customers months seed start out ",
     "Writes DIR/snapshots/YYYY-MM.csv, costs.csv, churn_reasons.csv,\n"
     "referrals.csv and fx.csv for N customers over M months (default start\n"
     "2022-07).  The same options always give the same bytes.  docs/synth.md\n"
     "describes what is modelled.\n",
     cmd_synth},
};

const size_t csm_n_commands = sizeof csm_commands / sizeof *csm_commands;
