/* timing.h - where a run spends its time, for --verbose.
 *
 * Stages note the wall time of their phases as info diagnostics (rule
 * "timing"), which the CLI prints with --verbose and never writes into a
 * report, so outputs stay byte-identical. */
#ifndef CSMETRICS_TIMING_H
#define CSMETRICS_TIMING_H

#include "csmetrics/diag.h"

/* Monotonic seconds. */
double csm_now(void);
/* Adds "timing: WHAT took N.NNN s" (since `since`, from csm_now) as an
 * info diagnostic. */
void csm_timing_note(csm_diags *diag, const char *what, double since);

#endif
