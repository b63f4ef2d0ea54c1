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

#include <gsl/gsl_sort.h>

#include "csmetrics/xalloc.h"
#include "stats_internal.h"

static uint64_t twice_u(const double *score, const bool *positive,
                        const size_t *order, size_t n)
{
    uint64_t u2 = 0, below = 0;
    size_t i = 0;
    while (i < n) {
        uint64_t p = 0, q = 0;
        size_t j = i;
        for (; j < n && score[order[j]] == score[order[i]]; j++) {
            if (positive[order[j]])
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
    size_t *order = csm_xcalloc(n, sizeof *order);
    gsl_sort_index(order, score, 1, n);
    uint64_t u2 = twice_u(score, positive, order, n);
    free(order);
    out->auc = (double)u2 / 2.0 / ((double)out->n_pos * (double)out->n_neg);
    out->defined = true;
    return CSM_OK;
}
