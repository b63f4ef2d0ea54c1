/* csv_reader.h - streaming RFC 4180 reader on top of libcsv.
 *
 * Reads a file in fixed-size blocks and hands each record to a callback,
 * with the physical line and byte offset where the record starts.  Memory is
 * bounded by the longest record (max_record_bytes), never by the file.
 *
 * Checked here, once for every kind of CSV file: a UTF-8 byte order mark is
 * skipped at the start and refused anywhere else; NUL bytes and invalid
 * UTF-8 are errors naming line and field; quoting is strict (libcsv
 * CSV_STRICT | CSV_STRICT_FINI) and spaces are kept, so " 12" stays " 12".
 * LF and CRLF line ends are both accepted.  Lines holding nothing are
 * skipped by libcsv and never reach the callback.
 */
#ifndef CSMETRICS_CSV_READER_H
#define CSMETRICS_CSV_READER_H

#include <stddef.h>

#include "csmetrics/diag.h"
#include "csmetrics/error.h"

typedef struct csm_csv_record {
    size_t n_fields;
    char **fields;      /* NUL-terminated field texts, borrowed */
    const size_t *lens; /* their lengths */
    long line;          /* physical line where the record starts */
    long long offset;   /* byte offset of that line */
    long number;        /* 1-based record number; the header is 1 */
} csm_csv_record;

/* Called for each record.  Return CSM_OK to go on; any other value stops
 * the reading and becomes the reader's result. */
typedef csm_error (*csm_csv_record_fn)(void *ctx, const csm_csv_record *rec);

typedef struct csm_csv_options {
    size_t max_record_bytes; /* 0: 1 MiB */
    size_t block_size;       /* 0: 256 KiB */
} csm_csv_options;

/* Reads the file at path; diagnostics name it `name` (NULL: path).
 * Returns CSM_OK when every record was delivered; CSM_EIO when the file
 * cannot be opened or read (not a regular file, permission, ...);
 * CSM_EDATA on malformed CSV; or the callback's own error.  Each failure
 * adds one diagnostic.  An empty file is CSM_EDATA. */
csm_error csm_csv_read_file(const char *path, const char *name,
                            const csm_csv_options *opt, csm_csv_record_fn fn,
                            void *ctx, csm_diags *diag);

/* The same over a buffer in memory (for tests and fuzzing). */
csm_error csm_csv_read_buffer(const char *data, size_t len, const char *name,
                              const csm_csv_options *opt, csm_csv_record_fn fn,
                              void *ctx, csm_diags *diag);

/* Returns the byte index of the first invalid UTF-8 sequence in s[0..len),
 * or len when it is all valid UTF-8 (no overlongs, surrogates or code
 * points above U+10FFFF). */
size_t csm_utf8_invalid_at(const char *s, size_t len);

#endif
