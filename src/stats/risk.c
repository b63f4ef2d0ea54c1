/* Risk sets of survival data with delayed entry, shared by km.c and
 * logrank.c.
 *
 * Subject i is at risk at t when entry[i] < t <= exit[i] (R's counting
 * process Surv(entry, exit, event)).  Because entry < exit,
 *     at risk at t = #{entry < t} - #{exit < t},
 * so one pass over the exits and one over the entries, both sorted, give
 * every risk set in O(n log n).  Subjects censored at t have exit == t and
 * are still counted at t, which is survfit's rule for ties. */
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>

#include "csmetrics/xalloc.h"
#include "stats_internal.h"

csm_error csm_surv_check(const csm_surv_data *d)
{
    if (d->n > 0 && (d->exit == NULL || d->event == NULL))
        return CSM_EUSAGE;
    if (!csm_stats_all_finite(d->exit, d->n))
        return CSM_EDATA;
    if (d->entry == NULL)
        return CSM_OK;
    if (!csm_stats_all_finite(d->entry, d->n))
        return CSM_EDATA;
    for (size_t i = 0; i < d->n; i++)
        if (!(d->entry[i] < d->exit[i]))
            return CSM_EDATA;
    return CSM_OK;
}

/* Per-group counters of the sweep. */
typedef struct sweep {
    size_t k;
    size_t *entered; /* entry < t so far (or all, without entry) */
    size_t *left;    /* exit < t so far */
    size_t *risk;
    size_t *event;
    size_t *censor;
} sweep;

static size_t group_of(const size_t *group, size_t i)
{
    return group ? group[i] : 0;
}

static void sweep_init(sweep *s, const csm_surv_data *d, const size_t *group,
                       size_t k)
{
    s->k = k;
    s->entered = csm_xcalloc(k, sizeof *s->entered);
    s->left = csm_xcalloc(k, sizeof *s->left);
    s->risk = csm_xcalloc(k, sizeof *s->risk);
    s->event = csm_xcalloc(k, sizeof *s->event);
    s->censor = csm_xcalloc(k, sizeof *s->censor);
    if (d->entry == NULL)
        for (size_t i = 0; i < d->n; i++)
            s->entered[group_of(group, i)]++;
}

static void sweep_free(sweep *s)
{
    free(s->entered);
    free(s->left);
    free(s->risk);
    free(s->event);
    free(s->censor);
}

void csm_surv_sweep(const csm_surv_data *d, const size_t *group, size_t k,
                    csm_surv_visit visit, void *ctx)
{
    size_t n = d->n;
    if (n == 0)
        return;
    sweep s;
    sweep_init(&s, d, group, k);
    size_t *by_exit = csm_xcalloc(n, sizeof *by_exit);
    size_t *by_entry = NULL;
    gsl_sort_index(by_exit, d->exit, 1, n);
    if (d->entry) {
        by_entry = csm_xcalloc(n, sizeof *by_entry);
        gsl_sort_index(by_entry, d->entry, 1, n);
    }
    size_t ie = 0; /* next entry, in entry order, not yet counted */
    size_t i = 0;  /* first exit of the current time, in exit order */
    while (i < n) {
        double t = d->exit[by_exit[i]];
        for (; by_entry && ie < n && d->entry[by_entry[ie]] < t; ie++)
            s.entered[group_of(group, by_entry[ie])]++;
        memset(s.event, 0, k * sizeof *s.event);
        memset(s.censor, 0, k * sizeof *s.censor);
        size_t j = i;
        for (; j < n && d->exit[by_exit[j]] == t; j++) {
            size_t id = by_exit[j];
            if (d->event[id])
                s.event[group_of(group, id)]++;
            else
                s.censor[group_of(group, id)]++;
        }
        for (size_t g = 0; g < k; g++)
            s.risk[g] = s.entered[g] - s.left[g];
        visit(ctx, t, s.risk, s.event, s.censor);
        for (size_t g = 0; g < k; g++)
            s.left[g] += s.event[g] + s.censor[g];
        i = j;
    }
    free(by_exit);
    free(by_entry);
    sweep_free(&s);
}
