#include "csmetrics/timing.h"

#include <time.h>

double csm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void csm_timing_note(csm_diags *diag, const char *what, double since)
{
    csm_diags_add(diag, CSM_SEV_INFO, "timing", NULL, "%s took %.3f s", what,
                  csm_now() - since);
}
