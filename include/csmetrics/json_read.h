/* json_read.h - a small JSON reader (RFC 8259) for earlier runs' output.
 *
 * Builds a tree; numbers keep their source text so that integers (money in
 * minor units) compare exactly, whatever their size.  Depth is limited to
 * 64 and the input to what the caller hands in; errors give the line and
 * column.  The tree owns all its strings. */
#ifndef CSMETRICS_JSON_READ_H
#define CSMETRICS_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "csmetrics/diag.h"
#include "csmetrics/error.h"

typedef enum csm_jtype {
    CSM_JNULL = 0,
    CSM_JBOOL,
    CSM_JNUMBER,
    CSM_JSTRING,
    CSM_JARRAY,
    CSM_JOBJECT
} csm_jtype;

typedef struct csm_jval {
    csm_jtype type;
    bool b;
    char *text;             /* NUMBER: source text; STRING: decoded UTF-8 */
    double num;             /* NUMBER */
    struct csm_jval *items; /* ARRAY elements / OBJECT values */
    char **keys;            /* OBJECT keys, same order */
    size_t n;
} csm_jval;

/* Parses text; on success CSM_OK and *out (free with csm_jval_free).  On
 * error CSM_EDATA with a diagnostic naming `name`, line and column. */
csm_error csm_json_parse(const char *text, size_t len, const char *name,
                         csm_jval **out, csm_diags *diag);
void csm_jval_free(csm_jval *v);
/* Member of an object, or NULL. */
const csm_jval *csm_jval_get(const csm_jval *obj, const char *key);

#endif
