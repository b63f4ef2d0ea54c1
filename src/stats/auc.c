/* Area under the ROC curve of a score for a binary outcome.
 *
 * AUC = P(S_pos > S_neg) + P(S_pos = S_neg) / 2 over all positive-negative
 * pairs, which is the Mann-Whitney U of the positives divided by
 * n_pos * n_neg (R: wilcox.test(pos, neg)$statistic is that U, with tied
 * pairs counted as one half through mid-ranks).  Counting pairs in score
 * order: within a block of equal scores holding p positives and q
 * negatives, with `below` negatives of lower score seen so far,
 *     2U += 2 p below + p q,
 * an integer, so 2U is exact in 64 bits until n is in the billions. */
#include "csmetrics/stats.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/xalloc.h"
#include "stats_internal.h"

typedef struct scored {
    double score;
    bool positive;
} scored;

static int cmp_scored(const void *x, const void *y)
{
    double a = ((const scored *)x)->score, b = ((const scored *)y)->score;
    return (a > b) - (a < b);
}

/* The order within a block of equal scores does not matter: each block is
 * counted as a whole. */
static uint64_t twice_u(const scored *v, size_t n)
{
    uint64_t u2 = 0, below = 0;
    size_t i = 0;
    while (i < n) {
        uint64_t p = 0, q = 0;
        size_t j = i;
        for (; j < n && v[j].score == v[i].score; j++) {
            if (v[j].positive)
                p++;
            else
                q++;
        }
        u2 += 2 * p * below + p * q;
        below += q;
        i = j;
    }
    return u2;
}

csm_error csm_stats_auc(const double *score, const bool *positive, size_t n,
                        csm_auc *out)
{
    memset(out, 0, sizeof *out);
    if (!csm_stats_all_finite(score, n))
        return CSM_EDATA;
    for (size_t i = 0; i < n; i++) {
        if (positive[i])
            out->n_pos++;
        else
            out->n_neg++;
    }
    if (out->n_pos == 0 || out->n_neg == 0)
        return CSM_OK;
    /* qsort on (score, outcome) pairs: GSL's index sort is a heapsort and
     * the health score check calls this on ~10^5 scores a month. */
    scored *v = csm_xmalloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (scored){score[i], positive[i]};
    qsort(v, n, sizeof *v, cmp_scored);
    uint64_t u2 = twice_u(v, n);
    free(v);
    out->auc = (double)u2 / 2.0 / ((double)out->n_pos * (double)out->n_neg);
    out->defined = true;
    return CSM_OK;
}
