/* report_def.h - report definitions: which sections a report holds, in
 * what order, with what titles and options.
 *
 * Read at run time from reports/<kind>.report (or --report FILE), so a user
 * can reorder, drop or retitle sections without recompiling.  Format:
 *
 *   # comment
 *   report = board                 which report this defines
 *   title = Board pack             the document title
 *
 *   [section bridge]               a section, by its id
 *   title = MRR bridge             its title
 *   months = 13                    an option the section accepts
 *
 * Section ids and their options are registered in src/report/build.c; an
 * unknown section, an unknown option or a bad value is an error naming the
 * file and line.  A section may appear more than once (e.g. two cohort
 * heatmaps with different options).
 */
#ifndef CSMETRICS_REPORT_DEF_H
#define CSMETRICS_REPORT_DEF_H

#include <stddef.h>

#include "csmetrics/diag.h"
#include "csmetrics/error.h"

typedef struct csm_def_option {
    char *name;
    char *value;
    long line;
} csm_def_option;

typedef struct csm_def_section {
    char *id;
    char *title;
    csm_def_option *options;
    size_t n_options;
    long line;
} csm_def_section;

typedef struct csm_report_def {
    char *path;   /* file it came from */
    char *report; /* "board", "at-risk", "reconcile" */
    char *title;
    csm_def_section *sections;
    size_t n_sections;
} csm_report_def;

/* Option specification of a section type (used to check a definition). */
typedef enum csm_opt_type {
    CSM_OPT_INT = 0, /* whole number in [lo, hi] */
    CSM_OPT_WORD,    /* one of the words in `words` ("revenue|logo") */
    CSM_OPT_BOOL,
    CSM_OPT_TEXT
} csm_opt_type;

typedef struct csm_opt_spec {
    const char *name;
    csm_opt_type type;
    long lo, hi;
    const char *words;
    const char *fallback; /* default value as text */
    const char *doc;
} csm_opt_spec;

typedef struct csm_section_spec {
    const char *id;
    const char *reports; /* " board at-risk " reports it may appear in */
    const char *default_title;
    const csm_opt_spec *options;
    size_t n_options;
    const char *doc;
} csm_section_spec;

/* Parses text (named `name` in messages) and checks it against the section
 * specs.  On success returns CSM_OK and sets *out (free with
 * csm_report_def_free).  On error returns CSM_EUSAGE with every problem in
 * diag and *out NULL. */
csm_error csm_report_def_parse(const char *name, const char *text, size_t len,
                               const csm_section_spec *specs, size_t n_specs,
                               csm_report_def **out, csm_diags *diag);
/* Reads and parses a file: CSM_EIO when it cannot be read. */
csm_error csm_report_def_load(const char *path, const csm_section_spec *specs,
                              size_t n_specs, csm_report_def **out,
                              csm_diags *diag);
void csm_report_def_free(csm_report_def *d);

/* The value of option `name` in section s, or the spec's fallback. */
const char *csm_def_option_text(const csm_def_section *s,
                                const csm_section_spec *spec, const char *name);
long csm_def_option_int(const csm_def_section *s, const csm_section_spec *spec,
                        const char *name);

#endif
