#include "csmetrics/json_stats.h"

void csm_json_proportion(csm_json *j, const char *key, const char *xkey,
                         const csm_prop_ci *p)
{
    csm_json_object_inline(j, key);
    csm_json_int(j, "n", (int64_t)p->n);
    csm_json_int(j, xkey, (int64_t)p->x);
    if (p->defined) {
        csm_json_double(j, "rate", p->estimate);
        csm_json_interval(j, "ci", true, p->lo, p->hi);
    } else {
        csm_json_null(j, "rate");
        csm_json_null(j, "ci");
    }
    csm_json_end(j);
}
