/* core/ - small, dependency-free building blocks shared by every stage:
 * errors, diagnostics, allocation, strings, money, dates, hashing and
 * atomic files.  Nothing here knows about customers or metrics. */
#include "csmetrics/error.h"

static const char *const messages[CSM_ERROR_COUNT] = {
    [CSM_OK] = "ok",
    [CSM_EDATA] = "data error",
    [CSM_EUSAGE] = "usage error",
    [CSM_EMISMATCH] = "reconciliation mismatch",
    [CSM_EIO] = "i/o error",
};

const char *csm_strerror(csm_error err)
{
    if ((int)err < 0 || err >= CSM_ERROR_COUNT || !messages[err])
        return "unknown error";
    return messages[err];
}
