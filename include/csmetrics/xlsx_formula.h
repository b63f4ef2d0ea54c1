/* xlsx_formula.h - the XLSX renderer's translation of neutral formulas.
 *
 * Report model cells may carry a formula in a neutral syntax that names
 * tables and columns by id (see report_model.h).  The XLSX renderer decides
 * where every table lands (sheet, row, column) and then turns each formula
 * into an Excel A1 formula over those cells, with a small hand-written
 * recursive-descent parser:
 *
 *   expr    := unary (('+' | '-') unary)*
 *   unary   := ('+' | '-') unary | primary
 *   primary := INTEGER | '(' expr ')' | SUM '(' col ')'
 *            | SUMIF '(' col ',' STRING ',' col ')' | col '[' key ']'
 *   col     := IDENT '.' IDENT          table id . column id
 *   key     := "quoted" | characters up to ']' (trimmed)
 *   IDENT   := [A-Za-z_][A-Za-z0-9_]*   STRING := "..." ("" is a quote)
 *
 * Function names are case-insensitive; spaces between tokens are ignored.
 * SUM and SUMIF cover a column's data rows without its totals rows (so a
 * totals row may sum its own table); `t.col[key]` is the one row, totals
 * included, whose first cell shows exactly `key`.
 *
 * This header exists so the parser and the sheet-name rules can be tested
 * on their own; only the XLSX renderer uses it.
 */
#ifndef CSMETRICS_XLSX_FORMULA_H
#define CSMETRICS_XLSX_FORMULA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csmetrics/error.h"
#include "csmetrics/report_model.h"
#include "csmetrics/strbuf.h"

/* Where a table was written: its header row is header_row, its data rows
 * follow it, its first column is first_col (all 0-based). */
typedef struct csm_xlsx_place {
    const csm_table *table;
    const char *sheet; /* worksheet name, unquoted */
    uint32_t header_row;
    uint16_t first_col;
} csm_xlsx_place;

/* What a translated formula needs to know. */
typedef struct csm_xlsx_formula_env {
    const csm_xlsx_place *places; /* every table of the report */
    size_t n_places;
    const char *sheet;     /* the sheet the formula cell is on */
    int currency_decimals; /* MONEY cells hold minor units */
} csm_xlsx_formula_env;

/* Translates the neutral formula src.  On success returns CSM_OK, appends
 * the A1 formula (without a leading '=') to out and sets *value to what the
 * formula gives over the model's own values, as Excel would compute it
 * (text and blank cells count as zero in SUM and SUMIF); *value_ok is false
 * when a single referenced cell is text or "n/a" (Excel would show
 * #VALUE!).  On a syntax error or an unknown table, column or row key
 * returns CSM_EUSAGE, leaves out as it was and writes a one-line message
 * into err (errsz bytes, always terminated). */
csm_error csm_xlsx_formula_translate(const char *src,
                                     const csm_xlsx_formula_env *env,
                                     csm_strbuf *out, double *value,
                                     bool *value_ok, char *err, size_t errsz);

/* The key of a table row as t.col[key] matches it: the text its first
 * cell shows (text, YYYY-MM, YYYY-MM-DD or an integer).  buf holds
 * CSM_XLSX_KEY_BUFSZ bytes; text cells return their own string. */
#define CSM_XLSX_KEY_BUFSZ 32
const char *csm_xlsx_row_key(const csm_table *t, size_t row, char *buf);

/* The number a cell is written as: MONEY in major units (minor units /
 * 10^currency_decimals), INT as is, RATE and NUMBER when finite, DATE and
 * MONTH (its first day) as Excel serial days from 1900-03-01 on.  Returns
 * false for cells written as text ("n/a", customer text, a non-finite
 * number, a date Excel cannot show) or left blank (EMPTY). */
bool csm_xlsx_cell_number(const csm_cell *c, int currency_decimals,
                          double *out);

/* Excel's sheet name limit, in UTF-16 units. */
#define CSM_XLSX_SHEET_MAX 31
/* Room for a sheet name: 31 characters of up to 4 UTF-8 bytes. */
#define CSM_XLSX_SHEET_BUFSZ 128

/* Makes a valid sheet name from a section title into out
 * (CSM_XLSX_SHEET_BUFSZ bytes): the characters [ ] : * ? / \ and control
 * characters become spaces, spaces are squeezed and trimmed, leading and
 * trailing apostrophes are dropped, the name is cut to 31 characters on a
 * character boundary, "History" (reserved by Excel) and the empty name are
 * replaced, and a name equal (ignoring ASCII case) to one of used[0..n) gets
 * " (2)", " (3)", ... within the limit. */
void csm_xlsx_sheet_name(const char *title, const char *const *used,
                         size_t n_used, char *out);

/* Decodes one UTF-8 character at s: returns its length in bytes (0 at the
 * terminating NUL) and sets *cp to the code point, or to -1 for a byte
 * that does not start a valid, shortest-form sequence (length 1). */
size_t csm_xlsx_utf8_next(const unsigned char *s, long *cp);

/* Writes the A1 name of column col ("A", "AB") into buf (4 bytes). */
void csm_xlsx_col_name(uint32_t col, char *buf);

#ifdef CSM_TESTING
/* Test seam of the renderer: when csm_xlsx_fail_at is n > 0, the n-th
 * libxlsxwriter status it checks (workbook_close is the last) is taken as
 * a failure; csm_xlsx_calls counts the statuses of the last render. */
extern long csm_xlsx_fail_at;
extern long csm_xlsx_calls;
#endif

#endif
