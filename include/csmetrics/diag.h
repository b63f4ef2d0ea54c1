/* diag.h - collected diagnostics.
 *
 * Stages never print and never stop at the first problem: they add a
 * diagnostic that says where (file, line, column, byte offset), what was
 * found and what was expected, and carry on where that makes sense.  The
 * caller prints the collection once at the end.
 *
 * A zeroed csm_diags is valid and empty.  It keeps the first `keep`
 * diagnostics in full (CSM_DIAGS_KEEP when zero) and counts every one, per
 * rule and per severity, so nothing is lost from the totals.
 */
#ifndef CSMETRICS_DIAG_H
#define CSMETRICS_DIAG_H

#include <stdio.h>
#include <stddef.h>

#define CSM_DIAGS_KEEP 1000

typedef enum csm_severity {
    CSM_SEV_INFO = 0,
    CSM_SEV_WARNING = 1,
    CSM_SEV_ERROR = 2
} csm_severity;

/* Where a diagnostic points.  Any member may be empty: file NULL, line 0,
 * column NULL, field 0, offset -1. */
typedef struct csm_loc {
    const char *file;   /* path as the user would type it */
    long line;          /* 1-based physical line of the record */
    const char *column; /* header name of the column */
    int field;          /* 1-based field number in the record */
    long long offset;   /* byte offset of the record start in the file */
} csm_loc;

typedef struct csm_diag {
    csm_severity severity;
    const char *rule; /* stable identifier, static storage ("mrr-negative") */
    char *file;
    long line;
    char *column;
    int field;
    long long offset;
    char *message; /* what was found and what was expected */
} csm_diag;

typedef struct csm_rule_count {
    const char *rule;
    csm_severity severity;
    size_t count;
} csm_rule_count;

typedef struct csm_diags {
    csm_diag *items; /* first `keep` diagnostics, in the order added */
    size_t n, cap;
    size_t keep;
    size_t total[3]; /* per severity, including those not kept */
    csm_rule_count *rules;
    size_t n_rules, cap_rules;
} csm_diags;

/* Adds a diagnostic.  loc may be NULL.  The message is formatted like
 * printf; the strings are copied. */
void csm_diags_add(csm_diags *d, csm_severity sev, const char *rule,
                   const csm_loc *loc, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Moves every diagnostic and count of src to the end of dst; src is left
 * empty (and may be reused or freed). */
void csm_diags_merge(csm_diags *dst, csm_diags *src);

size_t csm_diags_errors(const csm_diags *d);
size_t csm_diags_warnings(const csm_diags *d);

/* Writes one diagnostic as a line:
 *   FILE:LINE: error: column "mrr" (field 3): MESSAGE */
void csm_diag_format(const csm_diag *g, FILE *out);

/* Prints the first max_lines kept diagnostics with severity >= min_sev,
 * then a line counting those not shown.  Returns the number printed. */
size_t csm_diags_print(const csm_diags *d, FILE *out, csm_severity min_sev,
                       size_t max_lines);

void csm_diags_free(csm_diags *d);

const char *csm_severity_name(csm_severity sev);

#endif
