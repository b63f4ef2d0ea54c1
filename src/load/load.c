/* csm_load_run: which files a data folder holds and in what order they are
 * read.  fx.csv first (snapshots need its rates), then snapshots or
 * periods, then the files that refer to customers and months. */
#include "csmetrics/load.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csmetrics/timing.h"
#include "csmetrics/validate.h"
#include "csmetrics/xalloc.h"
#include "internal.h"

/* True when path names something (even if unreadable: reading it will
 * then say why); *is_dir says whether it is a folder.  When it exists but
 * cannot be examined (a symbolic link loop, a folder without search
 * permission), *err (may be NULL) receives the errno, else 0. */
static bool exists_err(const char *path, bool *is_dir, int *err)
{
    struct stat st;
    *is_dir = false;
    if (err)
        *err = 0;
    if (stat(path, &st) == 0) {
        *is_dir = S_ISDIR(st.st_mode);
        return true;
    }
    if (errno == ENOENT || errno == ENOTDIR)
        return false;
    if (err)
        *err = errno;
    return true;
}

static bool exists(const char *path, bool *is_dir)
{
    return exists_err(path, is_dir, NULL);
}

static csm_error optional_file(csm_dataset *ds, const char *dir,
                               const char *file,
                               csm_error (*fn)(csm_dataset *, const char *,
                                               const char *, csm_diags *),
                               csm_diags *diag)
{
    char *path = csm_xasprintf("%s/%s", dir, file);
    bool is_dir = false;
    csm_error rc = CSM_OK;
    if (exists(path, &is_dir))
        rc = fn(ds, path, path, diag);
    free(path);
    return rc;
}

static csm_error worst(csm_error a, csm_error b)
{
    if (a == CSM_EIO || b == CSM_EIO)
        return CSM_EIO;
    return a != CSM_OK ? a : b;
}

/* `import periods FILE`: one periods file, plus fx.csv beside it. */
static csm_error load_periods_file(const csm_load_options *opt,
                                   const csm_config *cfg, csm_dataset **out,
                                   csm_diags *diag)
{
    const char *path = opt->periods_file;
    const char *slash = strrchr(path, '/');
    char *dir =
        slash ? csm_xstrndup(path, (size_t)(slash - path)) : csm_xstrdup(".");
    csm_dataset *ds =
        csm_dataset_new(cfg->currency, csm_currency_decimals(cfg->currency));
    csm_error rc = optional_file(ds, dir, "fx.csv", csm_load_fx, diag);
    free(dir);
    csm_builder b;
    csm_builder_init(&b, ds, cfg);
    if (rc == CSM_OK)
        rc = csm_load_periods(&b, path, path, opt->as_of, diag);
    if (rc == CSM_OK)
        rc = csm_builder_finish(&b, diag);
    csm_builder_free(&b);
    if (rc == CSM_OK)
        rc = csm_validate_run(ds, cfg, diag);
    if (rc != CSM_OK) {
        csm_dataset_free(ds);
        return rc;
    }
    *out = ds;
    return CSM_OK;
}

csm_error csm_load_run(const csm_load_options *opt, const csm_config *cfg,
                       csm_dataset **out, csm_diags *diag)
{
    *out = NULL;
    if (opt->periods_file)
        return load_periods_file(opt, cfg, out, diag);
    /* "data/" and "data" name the same folder; keep messages tidy. */
    char *dir_buf = csm_xstrdup(opt->data_dir);
    size_t dl = strlen(dir_buf);
    while (dl > 1 && dir_buf[dl - 1] == '/')
        dir_buf[--dl] = '\0';
    const char *dir = dir_buf;
    csm_loc dloc = {.file = dir, .offset = -1};
    bool is_dir = false;
    int dir_err = 0;
    if (!exists_err(dir, &is_dir, &dir_err) || !is_dir) {
        csm_diags_add(diag, CSM_SEV_ERROR, "io", &dloc,
                      "%s%s (expected a data folder holding snapshots/ or "
                      "subscriptions.csv)",
                      dir_err ? "cannot be read: " : "is not a folder",
                      dir_err ? strerror(dir_err) : "");
        free(dir_buf);
        return CSM_EIO;
    }
    csm_dataset *ds =
        csm_dataset_new(cfg->currency, csm_currency_decimals(cfg->currency));
    csm_error rc = optional_file(ds, dir, "fx.csv", csm_load_fx, diag);

    char *snap = csm_xasprintf("%s/snapshots", dir);
    char *periods = csm_xasprintf("%s/subscriptions.csv", dir);
    bool snap_dir = false, periods_dir = false;
    int snap_err = 0;
    bool have_snap = exists_err(snap, &snap_dir, &snap_err);
    bool have_periods = exists(periods, &periods_dir);
    csm_builder b;
    csm_builder_init(&b, ds, cfg);
    if (have_snap && have_periods) {
        csm_diags_add(diag, CSM_SEV_ERROR, "source", &dloc,
                      "holds both snapshots/ and subscriptions.csv "
                      "(expected one of them)");
        rc = worst(rc, CSM_EDATA);
    } else if (have_snap) {
        if (!snap_dir) {
            csm_loc loc = {.file = snap, .offset = -1};
            csm_diags_add(diag, CSM_SEV_ERROR, "io", &loc,
                          "%s%s (expected a folder of YYYY-MM.csv files)",
                          snap_err ? "cannot be read: " : "is not a folder",
                          snap_err ? strerror(snap_err) : "");
            rc = worst(rc, CSM_EIO);
        } else if (rc == CSM_OK) {
            double t0 = csm_now();
            rc = csm_load_snapshots(&b, snap, snap, opt->threads, diag);
            csm_timing_note(diag, "parse and merge snapshot files", t0);
        }
    } else if (have_periods) {
        if (rc == CSM_OK)
            rc = csm_load_periods(&b, periods, periods, opt->as_of, diag);
    } else {
        csm_diags_add(diag, CSM_SEV_ERROR, "source", &dloc,
                      "holds neither snapshots/ nor subscriptions.csv "
                      "(expected monthly snapshots or subscription "
                      "periods)");
        rc = worst(rc, CSM_EDATA);
    }
    free(snap);
    free(periods);
    double t1 = csm_now();
    if (rc == CSM_OK)
        rc = csm_builder_finish(&b, diag);
    csm_builder_free(&b);
    csm_timing_note(diag, "sort customers and gather columns", t1);
    if (rc == CSM_OK) {
        rc = worst(rc,
                   optional_file(ds, dir, "costs.csv", csm_load_costs, diag));
        rc = worst(rc, optional_file(ds, dir, "churn_reasons.csv",
                                     csm_load_reasons, diag));
        rc = worst(rc, optional_file(ds, dir, "referrals.csv",
                                     csm_load_referrals, diag));
    }
    if (rc == CSM_OK)
        rc = csm_validate_run(ds, cfg, diag);
    if (rc == CSM_OK && csm_diags_errors(diag))
        rc = CSM_EDATA;
    free(dir_buf);
    if (rc != CSM_OK) {
        csm_dataset_free(ds);
        return rc;
    }
    *out = ds;
    return CSM_OK;
}

csm_error csm_load_snapshot_buffer(const char *data, size_t len,
                                   const char *name, csm_month month,
                                   const csm_config *cfg, csm_dataset **out,
                                   csm_diags *diag)
{
    *out = NULL;
    csm_dataset *ds =
        csm_dataset_new(cfg->currency, csm_currency_decimals(cfg->currency));
    csm_builder b;
    csm_builder_init(&b, ds, cfg);
    csm_error rc = csm_load_snapshot_mem(&b, data, len, name, month, diag);
    if (rc == CSM_OK)
        rc = csm_builder_finish(&b, diag);
    csm_builder_free(&b);
    if (rc == CSM_OK)
        rc = csm_validate_run(ds, cfg, diag);
    if (rc != CSM_OK) {
        csm_dataset_free(ds);
        return rc;
    }
    *out = ds;
    return CSM_OK;
}
