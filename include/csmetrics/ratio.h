/* ratio.h - a rate that may be undefined.
 *
 * Every ratio in csmetrics is computed from integers (amounts in minor
 * units, counts) and becomes a double only here, at the last step.  A zero
 * denominator gives an undefined ratio, which reports show as null / "n/a",
 * never as 0, NaN or infinity. */
#ifndef CSMETRICS_RATIO_H
#define CSMETRICS_RATIO_H

#include <stdbool.h>
#include <stdint.h>

typedef struct csm_ratio {
    double value; /* meaningful only when defined */
    bool defined;
} csm_ratio;

static inline csm_ratio csm_ratio_i64(int64_t num, int64_t den)
{
    csm_ratio r = {0.0, false};
    if (den != 0) {
        r.value = (double)num / (double)den;
        r.defined = true;
    }
    return r;
}

static inline csm_ratio csm_ratio_undefined(void)
{
    csm_ratio r = {0.0, false};
    return r;
}

static inline csm_ratio csm_ratio_value(double v)
{
    csm_ratio r = {v, true};
    return r;
}

#endif
