/* atomic_file.h - write a file completely or not at all.
 *
 * csm_atomic_open() creates a uniquely named temporary file in the target's
 * folder; csm_atomic_commit() flushes, fsyncs and renames it over the
 * target; csm_atomic_abort() removes it.  A run that dies between the two
 * leaves at most a hidden ".NAME.tmp-XXXXXX" file, never a truncated report
 * under the real name.  Every path that leaves a temporary behind is
 * registered so that a signal handler can remove it (csm_atomic_cleanup). */
#ifndef CSMETRICS_ATOMIC_FILE_H
#define CSMETRICS_ATOMIC_FILE_H

#include <stdio.h>

#include "csmetrics/diag.h"
#include "csmetrics/error.h"

typedef struct csm_atomic_file {
    char *path;     /* final name */
    char *tmp_path; /* temporary name, in the same folder */
    FILE *fp;       /* open for writing, binary */
} csm_atomic_file;

/* On success returns CSM_OK with f->fp open on a new temporary file.  On
 * error returns CSM_EIO with a diagnostic naming the folder and the reason;
 * nothing is left behind. */
csm_error csm_atomic_open(csm_atomic_file *f, const char *path,
                          csm_diags *diag);

/* Closes, syncs and renames the temporary over the final name.  On error
 * returns CSM_EIO, removes the temporary and adds a diagnostic. */
csm_error csm_atomic_commit(csm_atomic_file *f, csm_diags *diag);

/* Closes and removes the temporary.  Safe on an unopened (zeroed) file and
 * after commit. */
void csm_atomic_abort(csm_atomic_file *f);

/* Returns a temporary path for a library that writes the file itself
 * (libxlsxwriter, libharu): the caller writes there, then calls
 * csm_atomic_rename().  The temporary is registered for cleanup. */
char *csm_atomic_temp_path(const char *path);
/* Renames tmp over path (fsyncing tmp first); on error removes tmp.  Frees
 * tmp in both cases. */
csm_error csm_atomic_rename(char *tmp, const char *path, csm_diags *diag);
/* Removes tmp if it exists and frees it. */
void csm_atomic_discard(char *tmp);

/* Staging, for a command that writes several files: after
 * csm_atomic_stage_begin(), csm_atomic_commit and csm_atomic_rename keep
 * each finished temporary (still registered for the signal handler)
 * instead of renaming it.  csm_atomic_publish() then renames them all, in
 * the order they were finished (CSM_EIO with a diagnostic if one cannot be
 * renamed; the rest are removed), and csm_atomic_unstage() removes them
 * all; both end staging.  So a run that fails half-way leaves the folder as
 * it was.  Not thread-safe: one writer thread. */
void csm_atomic_stage_begin(void);
csm_error csm_atomic_publish(csm_diags *diag);
void csm_atomic_unstage(void);

/* Removes every registered temporary that is still pending.  Only uses
 * async-signal-safe calls, so a signal handler may call it. */
void csm_atomic_cleanup(void);

#endif
