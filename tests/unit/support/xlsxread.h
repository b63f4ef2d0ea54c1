/* A small reader of the workbooks csmetrics writes, for end-to-end tests:
 * the XML parts are read with `unzip -p`, cells are looked up by
 * reference or by their text, and LibreOffice (when installed) converts
 * every sheet to CSV after recalculating every formula.
 *
 * It reads what libxlsxwriter writes (sheets xl/worksheets/sheetN.xml in
 * workbook order, shared or inline strings), not arbitrary workbooks. */
#ifndef CSM_XLSXREAD_H
#define CSM_XLSXREAD_H

#include <stdbool.h>
#include <stddef.h>

#define XR_MAX_SHEETS 32

typedef struct xr_book {
    char *path;
    char **sst; /* shared strings, decoded */
    size_t n_sst;
    char *sheet[XR_MAX_SHEETS]; /* worksheet XML */
    char *name[XR_MAX_SHEETS];  /* sheet names from workbook.xml */
    size_t n_sheets;
    char *styles; /* xl/styles.xml */
} xr_book;

typedef struct xr_cell {
    bool found;
    bool text;     /* a string cell */
    char *value;   /* the text, or the number as written (<v>) */
    char *formula; /* <f> text, or NULL */
    int style;     /* s attribute */
} xr_cell;

/* Reads the workbook; false when it cannot be read.  Free with
 * xr_close. */
bool xr_open(xr_book *b, const char *path);
void xr_close(xr_book *b);
/* A part of the zip (e.g. "xl/styles.xml"), or NULL.  New string. */
char *xr_part(const char *xlsx, const char *part);
/* 1-based sheet number of the sheet named name, or 0. */
size_t xr_sheet(const xr_book *b, const char *name);
/* The cell ref ("B7") of sheet n (1-based).  Free with xr_cell_free. */
xr_cell xr_get(const xr_book *b, size_t n, const char *ref);
void xr_cell_free(xr_cell *c);
/* The reference of the first cell of sheet n (in row order) whose text is
 * exactly text, written to ref (at least 16 bytes); false if none. */
bool xr_find(const xr_book *b, size_t n, const char *text, char *ref);
/* ref moved by dcol columns and drow rows ("B7" +1,+2 -> "C9"). */
void xr_offset(const char *ref, int dcol, int drow, char *out);
/* The number in the cell at ref + (dcol, drow) next to the cell whose
 * text is label; asserts that it exists and is a number. */
double xr_number_near(const xr_book *b, size_t n, const char *label, int dcol,
                      int drow);

/* The value of attribute name in the XML tag starting at tag (entities
 * decoded), or NULL: a new string. */
char *xr_attr(const char *tag, const char *name);

/* The number format code of cell style s ("#,##0.00"), or "builtin N"
 * for Excel's built-in format N: a new string. */
char *xr_numfmt(const xr_book *b, int style);

/* The solid fill colour ("FF43A047") of cell style s, or NULL: a new
 * string. */
char *xr_fill(const xr_book *b, int style);

/* LibreOffice: converts every sheet of each of the n workbooks to CSV
 * files in outdir ("<stem>-<sheet>.csv"), recalculating every formula on
 * load (a private profile under outdir) and writing cells as shown; one
 * soffice start for all of them.  Returns false and prints a "SKIP:" line
 * when soffice is not installed; fails the test when it is installed but
 * the conversion fails. */
bool xr_libreoffice(const char *const *xlsx, size_t n, const char *outdir);
/* Checks every formula cell of every sheet of b against the CSV files
 * xr_libreoffice wrote for it into csvdir ("<stem>-<sheet>.csv"): the
 * number LibreOffice shows after recalculating equals the cached value
 * (to the digits shown).  Fails the test otherwise; returns the number of
 * formulas checked. */
size_t xr_check_recalc(const xr_book *b, const char *csvdir, const char *stem);
/* Cell (row, col), 1-based, of a CSV file: a new string ("" if none). */
char *xr_csv_cell(const char *csv, size_t row, size_t col);
/* 1-based row of the first CSV line whose first field is text, or 0. */
size_t xr_csv_row(const char *csv, const char *text);

#endif
