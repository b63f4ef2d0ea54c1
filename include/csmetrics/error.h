/* error.h - the one error type of csmetrics.
 *
 * Every value equals the process exit code SPEC.md gives for it, so that
 * main() can return the error of the stage that failed unchanged.  The
 * string table in error.c has exactly CSM_ERROR_COUNT entries; a unit test
 * checks the two stay in step.
 */
#ifndef CSMETRICS_ERROR_H
#define CSMETRICS_ERROR_H

typedef enum csm_error {
    CSM_OK = 0,        /* success */
    CSM_EDATA = 1,     /* the input data is wrong (diagnostics say where) */
    CSM_EUSAGE = 2,    /* the command line or a definition file is wrong */
    CSM_EMISMATCH = 3, /* a reconciliation does not tie out */
    CSM_EIO = 4,       /* a file could not be read or written */
    CSM_ERROR_COUNT
} csm_error;

/* Returns a short, static, lower-case description of err ("data error").
 * Values outside the enum give "unknown error". */
const char *csm_strerror(csm_error err);

#endif
