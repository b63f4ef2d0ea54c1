/* csv_writer.h - RFC 4180 output.
 *
 * Fields are quoted only when they must be (comma, quote, CR, LF, or
 * leading/trailing space).  For exports meant for spreadsheets,
 * `neutralise` prefixes text that starts with = + - @ (or a tab or CR) with
 * a single quote, so a spreadsheet never runs it as a formula (OWASP "CSV
 * injection").  Data files csmetrics itself reads back are written without
 * neutralising, so values round-trip exactly. */
#ifndef CSMETRICS_CSV_WRITER_H
#define CSMETRICS_CSV_WRITER_H

#include <stdbool.h>
#include <stdio.h>

/* Writes one field (no separator).  Returns false on a write error. */
bool csm_csv_write_field(FILE *out, const char *s, bool neutralise);

/* Writes fields separated by commas and ends the line with "\n". */
bool csm_csv_write_row(FILE *out, const char *const *fields, size_t n,
                       bool neutralise);

#endif
