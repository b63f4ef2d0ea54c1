/* `csmetrics report board | at-risk | reconcile`: load, compute, compare
 * with an earlier run, build the report model from the report definition,
 * and render each requested format into --out. */
#include "report_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csmetrics/atomic_file.h"
#include "csmetrics/csv_writer.h"
#include "csmetrics/reconcile.h"
#include "csmetrics/render.h"
#include "csmetrics/report_build.h"
#include "csmetrics/restatements.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/style.h"
#include "csmetrics/xalloc.h"
#include "commands.h"
#include "resources.h"

typedef struct formats {
    bool pdf, xlsx, json, csv;
} formats;

static csm_error parse_formats(const char *kind, const char *list, formats *f)
{
    memset(f, 0, sizeof *f);
    if (!list) {
        bool recon = strcmp(kind, "reconcile") == 0;
        f->xlsx = true;
        f->pdf = !recon;
        f->csv = recon;
        return CSM_OK;
    }
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 3 && !strncmp(p, "pdf", 3))
            f->pdf = true;
        else if (n == 4 && !strncmp(p, "xlsx", 4))
            f->xlsx = true;
        else if (n == 4 && !strncmp(p, "json", 4))
            f->json = true;
        else if (n == 3 && !strncmp(p, "csv", 3))
            f->csv = true;
        else {
            fprintf(stderr,
                    "csmetrics report: --format \"%.*s\" is not a "
                    "format (expected pdf, xlsx, json or csv)\n",
                    (int)n, p);
            return CSM_EUSAGE;
        }
        p += n + (e ? 1 : 0);
    }
    return CSM_OK;
}

static csm_error make_out_dir(const char *dir, csm_diags *diag)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return CSM_OK;
        errno = ENOTDIR;
    } else if (mkdir(dir, 0777) == 0) {
        return CSM_OK;
    }
    csm_loc loc = {.file = dir, .offset = -1};
    csm_diags_add(diag, CSM_SEV_ERROR, "io", &loc,
                  "cannot use as the output folder: %s", strerror(errno));
    return CSM_EIO;
}

/* The metrics JSON in memory (for restatements) or into a file. */
static char *json_text(const csm_run *run, size_t *len)
{
    char *buf = NULL;
    *len = 0;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        return NULL;
    csm_metrics_write_json(run->metrics, &run->diags, f);
    fclose(f);
    return buf;
}

static csm_error write_json(const csm_run *run, const char *path,
                            csm_diags *diag)
{
    csm_atomic_file f;
    csm_error rc = csm_atomic_open(&f, path, diag);
    if (rc != CSM_OK)
        return rc;
    rc = csm_metrics_write_json(run->metrics, &run->diags, f.fp);
    if (rc != CSM_OK) {
        csm_atomic_abort(&f);
        csm_loc loc = {.file = path, .offset = -1};
        csm_diags_add(diag, CSM_SEV_ERROR, "io", &loc, "cannot write");
        return CSM_EIO;
    }
    return csm_atomic_commit(&f, diag);
}

/* The per-customer movement ledger as CSV for finance, neutralised
 * against formula injection. */
static csm_error write_ledger_csv(const csm_dataset *ds, const csm_reconcile *r,
                                  const char *path, csm_diags *diag)
{
    csm_atomic_file f;
    csm_error rc = csm_atomic_open(&f, path, diag);
    if (rc != CSM_OK)
        return rc;
    static const char *const head[] = {
        "customer_id", "customer_name", "previous_mrr", "mrr",
        "category",    "movement",      "fx",           "delta"};
    bool ok = csm_csv_write_row(f.fp, head, 8, true);
    for (size_t i = 0; i < r->n_moves && ok; i++) {
        const csm_customer_move *mv = &r->moves[i];
        char prev[CSM_MONEY_BUFSZ], cur[CSM_MONEY_BUFSZ], move[CSM_MONEY_BUFSZ],
            fx[CSM_MONEY_BUFSZ], delta[CSM_MONEY_BUFSZ];
        int64_t signed_move =
            mv->kind == CSM_MOVE_CONTRACTION || mv->kind == CSM_MOVE_CHURN
                ? -mv->classified
                : mv->classified;
        const char *row[8] = {
            csm_ds_customer_id(ds, mv->customer),
            ds->names[mv->customer],
            csm_money_format(mv->previous, ds->decimals, prev),
            csm_money_format(mv->current, ds->decimals, cur),
            mv->kind == CSM_MOVE_NONE ? "fx" : csm_movement_name(mv->kind),
            csm_money_format(signed_move, ds->decimals, move),
            csm_money_format(mv->fx, ds->decimals, fx),
            csm_money_format(mv->current - mv->previous, ds->decimals, delta)};
        ok = csm_csv_write_row(f.fp, row, 8, true);
    }
    if (!ok) {
        csm_atomic_abort(&f);
        csm_loc loc = {.file = path, .offset = -1};
        csm_diags_add(diag, CSM_SEV_ERROR, "io", &loc, "cannot write: %s",
                      strerror(errno));
        return CSM_EIO;
    }
    return csm_atomic_commit(&f, diag);
}

static csm_error load_style(const csm_cli_opts *o, csm_style *st,
                            csm_diags *diag)
{
    csm_style_defaults(st);
    char *def = csm_find_resource("templates/default.style");
    csm_error rc = CSM_OK;
    if (def)
        rc = csm_style_load(st, def, diag);
    free(def);
    if (rc == CSM_OK && o->style)
        rc = csm_style_load(st, o->style, diag);
    if (rc == CSM_OK && o->paper && strcmp(o->paper, "A4") != 0 &&
        strcmp(o->paper, "Letter") != 0) {
        csm_diags_add(diag, CSM_SEV_ERROR, "usage", NULL,
                      "--paper \"%s\" (expected A4 or Letter)", o->paper);
        rc = CSM_EUSAGE;
    }
    return rc;
}

static csm_error load_definition(const csm_cli_opts *o, const char *kind,
                                 csm_report_def **def, csm_diags *diag)
{
    char *path = NULL;
    if (o->report) {
        path = csm_xstrdup(o->report);
    } else {
        char *rel = csm_xasprintf("reports/%s.report", kind);
        path = csm_find_resource(rel);
        free(rel);
        if (!path) {
            csm_diags_add(diag, CSM_SEV_ERROR, "io", NULL,
                          "cannot find reports/%s.report (install csmetrics, "
                          "set CSM_DATADIR, or pass --report FILE)",
                          kind);
            return CSM_EIO;
        }
    }
    csm_error rc = csm_report_def_load(path, csm_section_specs,
                                       csm_n_section_specs, def, diag);
    free(path);
    if (rc == CSM_OK && strcmp((*def)->report, kind) != 0) {
        csm_diags_add(diag, CSM_SEV_ERROR, "usage", NULL,
                      "%s defines a %s report, not %s", (*def)->path,
                      (*def)->report, kind);
        rc = CSM_EUSAGE;
    }
    return rc;
}

int csm_cmd_report(const csm_cli_opts *o, const char *kind)
{
    bool at_risk = strcmp(kind, "at-risk") == 0;
    bool recon = strcmp(kind, "reconcile") == 0;
    if (at_risk && !o->flagged) {
        fputs("csmetrics report at-risk: --flagged YYYY-MM is required\n",
              stderr);
        return CSM_EUSAGE;
    }
    if (recon && !o->month) {
        fputs("csmetrics report reconcile: --month YYYY-MM is required\n",
              stderr);
        return CSM_EUSAGE;
    }
    formats fm;
    csm_error rc = parse_formats(kind, o->format, &fm);
    if (rc != CSM_OK)
        return (int)rc;
    csm_run run;
    rc = csm_cmd_load(o, &run);
    if (rc == CSM_OK && o->months) {
        char *end;
        long k = strtol(o->months, &end, 10);
        if (*end || k < 1 || k > 24) {
            csm_diags_add(&run.diags, CSM_SEV_ERROR, "usage", NULL,
                          "--months \"%s\" (expected 1..24)", o->months);
            rc = CSM_EUSAGE;
        } else {
            run.cfg.at_risk_months = (int)k;
        }
    }
    if (rc == CSM_OK)
        rc = csm_run_compute(&run, o->month, o->flagged);
    csm_style style;
    csm_style_defaults(&style);
    csm_report_def *def = NULL;
    csm_restatements *rs = NULL;
    csm_reconcile *rec = NULL;
    csm_report *model = NULL;
    csm_run prev;
    memset(&prev, 0, sizeof prev);
    if (rc == CSM_OK)
        rc = load_style(o, &style, &run.diags);
    if (rc == CSM_OK)
        rc = load_definition(o, kind, &def, &run.diags);
    const char *out_dir = o->out ? o->out : ".";
    if (rc == CSM_OK)
        rc = make_out_dir(out_dir, &run.diags);
    if (rc == CSM_OK && recon)
        rc = csm_reconcile_run(run.ds, &run.cfg, run.metrics->bridge,
                               run.report_month, o->ledger, &rec, &run.diags);
    if (rc == CSM_OK && o->previous) {
        if (o->previous_data) {
            csm_load_options lo = {.data_dir = o->previous_data};
            rc = csm_run_load(&prev, o->config, &lo);
            csm_diags_merge(&run.diags, &prev.diags);
        }
        size_t len = 0;
        char *text = rc == CSM_OK ? json_text(&run, &len) : NULL;
        if (rc == CSM_OK)
            rc = csm_restatements_run(o->previous, text ? text : "", len,
                                      run.ds, o->previous_data, prev.ds, &rs,
                                      &run.diags);
        free(text);
        run.metrics->restatements = rs;
    }
    long long epoch = 0;
    if (rc == CSM_OK)
        rc = csm_build_epoch(&epoch, &run.diags);
    if (rc == CSM_OK) {
        csm_build_ctx ctx = {.m = run.metrics,
                             .ds = run.ds,
                             .cfg = &run.cfg,
                             .diags = &run.diags,
                             .recon = rec,
                             .restated = rs,
                             .company = style.company[0] ? style.company : NULL,
                             .epoch = epoch};
        rc = csm_report_build(def, &ctx, &model, &run.diags);
    }
    char mb[CSM_DATE_BUFSZ];
    if (rc == CSM_OK)
        csm_month_format(
            at_risk ? csm_dataset_month(run.ds, run.metrics->flag_month)
                    : csm_dataset_month(run.ds, run.report_month),
            mb);
    csm_render_options ropt = {.style = &style, .paper = o->paper};
    /* All or nothing: each file is finished under a temporary name and
     * the names are switched only when every file is complete, so a run
     * that fails half-way (a full disk, a bad font) leaves the folder as
     * it was, not a new PDF beside last month's workbook. */
    char **written = csm_xcalloc(csm_n_renderers + 2, sizeof *written);
    size_t n_written = 0;
    csm_atomic_stage_begin();
    for (size_t i = 0; i < csm_n_renderers && rc == CSM_OK; i++) {
        const csm_renderer *r = &csm_renderers[i];
        bool want = (!strcmp(r->format, "pdf") && fm.pdf) ||
                    (!strcmp(r->format, "xlsx") && fm.xlsx);
        if (!want)
            continue;
        char *path =
            csm_xasprintf("%s/%s-%s%s", out_dir, kind, mb, r->extension);
        rc = r->render(model, &ropt, path, &run.diags);
        written[n_written++] = path;
    }
    if (rc == CSM_OK && fm.json) {
        char *path = csm_xasprintf("%s/%s-%s.json", out_dir, kind, mb);
        rc = write_json(&run, path, &run.diags);
        written[n_written++] = path;
    }
    if (rc == CSM_OK && fm.csv && rec) {
        char *path = csm_xasprintf("%s/%s-%s.csv", out_dir, kind, mb);
        rc = write_ledger_csv(run.ds, rec, path, &run.diags);
        written[n_written++] = path;
    }
    if (rc == CSM_OK)
        rc = csm_atomic_publish(&run.diags);
    else
        csm_atomic_unstage();
    for (size_t i = 0; i < n_written; i++) {
        if (rc == CSM_OK && !o->quiet)
            printf("wrote %s\n", written[i]);
        free(written[i]);
    }
    free(written);
    if (rc == CSM_OK && rec && !rec->ties) {
        char b1[CSM_MONEY_BUFSZ], b2[CSM_MONEY_BUFSZ];
        fprintf(stderr,
                "csmetrics: %s does not tie: %zu customer%s differ%s from "
                "the billing ledger (ours %s, billing %s), bridge tie-out "
                "%lld; see the report\n",
                mb, rec->n_diffs, rec->n_diffs == 1 ? "" : "s",
                rec->n_diffs == 1 ? "s" : "",
                csm_money_format(rec->ours_total, run.ds->decimals, b1),
                csm_money_format(rec->billing_total, run.ds->decimals, b2),
                (long long)rec->tie_out);
        rc = CSM_EMISMATCH;
    }
    csm_cli_print_diags(&run.diags, o);
    csm_report_free(model);
    csm_reconcile_free(rec);
    csm_restatements_free(rs);
    csm_report_def_free(def);
    csm_style_free(&style);
    csm_run_free(&prev);
    csm_run_free(&run);
    return (int)rc;
}
