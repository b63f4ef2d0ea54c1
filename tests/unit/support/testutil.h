/* Helpers shared by the unit tests. */
#ifndef CSM_TESTUTIL_H
#define CSM_TESTUTIL_H

#include <math.h>
#include <stddef.h>

#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"

/* cmocka 1.1 has no assert_double_equal; include this header after
 * <cmocka.h>. */
#ifndef assert_double_equal
#define assert_double_equal(a, b, eps)                                         \
    assert_true(fabs((double)(a) - (double)(b)) <= (eps))
#endif

/* Path of a file in the source tree ($CSM_ROOT, else "."); static buffer
 * per call site is not needed: returns a new string to free. */
char *tu_path(const char *rel);
/* A fresh empty folder under $CSM_TMP (else /tmp); returns a new string. */
char *tu_tempdir(const char *tag);
/* Writes len bytes to dir/name, creating dir/ subfolders in name. */
void tu_write(const char *dir, const char *name, const char *data, size_t len);
/* Removes a folder tree. */
void tu_rmtree(const char *dir);
/* Loads a data folder with default config (or cfg); asserts nothing. */
csm_error tu_load(const char *dir, const csm_config *cfg, csm_dataset **ds,
                  csm_diags *diag);
/* Runs the csmetrics binary ($CSM_BIN) with argv (NULL-terminated, without
 * the program name).  Captures stdout and stderr into new strings. Returns
 * the exit status (or -1). */
int tu_run(const char *const *args, char **out, char **err);
/* Reads a whole file into a new string (NULL when missing). */
char *tu_read(const char *path, size_t *len);
/* Money of customer id in month YYYY-MM. */
long long tu_mrr(const csm_dataset *ds, const char *id, const char *month);

#endif
