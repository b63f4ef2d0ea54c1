#include "csmetrics/export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csmetrics/atomic_file.h"
#include "csmetrics/csv_writer.h"
#include "csmetrics/xalloc.h"

static csm_error make_dir(const char *path, csm_diags *diag)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return CSM_OK;
        errno = ENOTDIR;
    }
    csm_loc loc = {.file = path, .offset = -1};
    csm_diags_add(diag, CSM_SEV_ERROR, "io", &loc,
                  "cannot create the folder: %s", strerror(errno));
    return CSM_EIO;
}

static bool write_month(const csm_dataset *ds, int m, FILE *out)
{
    static const char *const header[] = {"customer_id", "customer_name",
                                         "contract_start", "mrr"};
    bool ok = csm_csv_write_row(out, header, 4, false);
    bool any = false;
    for (size_t c = 0; c < ds->n_customers; c++)
        any = any || ds->mrr[m][c] > 0;
    for (size_t c = 0; c < ds->n_customers && ok; c++) {
        if (any && ds->mrr[m][c] <= 0)
            continue;
        char date[CSM_DATE_BUFSZ], amount[CSM_MONEY_BUFSZ];
        const char *row[4] = {
            csm_ds_customer_id(ds, c), ds->names[c],
            csm_date_format(ds->contract_start[c], date),
            csm_money_format(ds->mrr[m][c], ds->decimals, amount)};
        ok = csm_csv_write_row(out, row, 4, false);
    }
    return ok;
}

csm_error csm_export_snapshots(const csm_dataset *ds, const char *out_dir,
                               csm_diags *diag)
{
    csm_error rc = make_dir(out_dir, diag);
    char *snap = csm_xasprintf("%s/snapshots", out_dir);
    if (rc == CSM_OK)
        rc = make_dir(snap, diag);
    for (int m = 0; m < ds->n_months && rc == CSM_OK; m++) {
        char mb[CSM_DATE_BUFSZ];
        char *path = csm_xasprintf(
            "%s/%s.csv", snap, csm_month_format(csm_dataset_month(ds, m), mb));
        csm_atomic_file f;
        rc = csm_atomic_open(&f, path, diag);
        if (rc == CSM_OK) {
            if (write_month(ds, m, f.fp)) {
                rc = csm_atomic_commit(&f, diag);
            } else {
                csm_atomic_abort(&f);
                csm_loc loc = {.file = path, .offset = -1};
                csm_diags_add(diag, CSM_SEV_ERROR, "io", &loc,
                              "cannot write: %s", strerror(errno));
                rc = CSM_EIO;
            }
        }
        free(path);
    }
    free(snap);
    return rc;
}
