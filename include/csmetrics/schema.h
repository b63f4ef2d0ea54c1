/* schema.h - header mapping and field parsers shared by every CSV loader.
 *
 * Header names are matched case-insensitively after trimming spaces and
 * tabs, in any column order; unknown columns are collected (and ignored).
 * Field parsers are small pure functions: each returns true and stores the
 * value, or returns false and writes what was expected into a message.
 */
#ifndef CSMETRICS_SCHEMA_H
#define CSMETRICS_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csmetrics/csv_reader.h"
#include "csmetrics/diag.h"

typedef struct csm_column_spec {
    const char *name; /* lower case */
    bool required;
} csm_column_spec;

typedef struct csm_header_map {
    int *index; /* [n_spec] 0-based field index, or -1 when absent */
    size_t n_spec;
    char **unknown; /* names of columns not in the spec */
    size_t n_unknown;
    size_t n_fields; /* fields in the header */
} csm_header_map;

/* Widest header accepted.  Snapshot files have about twenty known
 * columns; a CRM export may add a few hundred.  Far more is a transposed
 * or corrupt file, and would cost time for nothing (unknown names are
 * listed and compared across files). */
#define CSM_MAX_COLUMNS 4096

/* Maps the header record onto spec.  On success returns true and fills map
 * (free with csm_header_map_free).  Returns false after adding an error for
 * a header wider than CSM_MAX_COLUMNS, every missing required column and
 * every column named twice. */
bool csm_header_map_build(const csm_column_spec *spec, size_t n_spec,
                          const csm_csv_record *header, const char *file,
                          csm_header_map *map, csm_diags *diag);
void csm_header_map_free(csm_header_map *map);

/* Field text of spec column k in rec, or NULL when the column is absent.
 * A record shorter than the header gives "" for missing trailing fields. */
const char *csm_field(const csm_header_map *map, const csm_csv_record *rec,
                      size_t k, size_t *len);

/* Parsers.  `why` receives a short reason like "is not a whole number". */
bool csm_parse_int(const char *s, size_t len, long long lo, long long hi,
                   long long *out, const char **why);
bool csm_parse_bool(const char *s, size_t len, bool *out, const char **why);
/* An identifier: non-empty, at most max bytes, no leading or trailing
 * white space, no control characters. */
bool csm_parse_id(const char *s, size_t len, size_t max, const char **why);

#endif
