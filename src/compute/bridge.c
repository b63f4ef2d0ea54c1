/* compute/ - the metrics: each family reads the data set (and earlier
 * families' results) and produces plain result structs.  Compute never
 * reads files and never formats output. */
#include "csmetrics/bridge.h"

#include <stdlib.h>
#include <string.h>

#include "csmetrics/xalloc.h"

const char *csm_movement_name(csm_movement m)
{
    static const char *const names[CSM_MOVE_COUNT] = {
        "none", "new", "reactivation", "expansion", "contraction", "churn"};
    return (int)m >= 0 && m < CSM_MOVE_COUNT ? names[m] : "none";
}

void csm_bridge_state_init(csm_bridge_state *st, const csm_dataset *ds)
{
    size_t n = ds->n_customers ? ds->n_customers : 1;
    st->last_active = csm_xmalloc(n * sizeof *st->last_active);
    for (size_t c = 0; c < ds->n_customers; c++)
        st->last_active[c] = -1;
}

void csm_bridge_state_free(csm_bridge_state *st)
{
    free(st->last_active);
    st->last_active = NULL;
}

void csm_bridge_state_advance(csm_bridge_state *st, const csm_dataset *ds,
                              int m)
{
    const int64_t *cur = ds->mrr[m];
    for (size_t c = 0; c < ds->n_customers; c++)
        if (cur[c] > 0)
            st->last_active[c] = m;
}

csm_customer_move csm_bridge_classify(const csm_dataset *ds,
                                      const csm_config *cfg,
                                      const csm_bridge_state *st, int m,
                                      uint32_t c)
{
    csm_customer_move mv = {.customer = c, .kind = CSM_MOVE_NONE};
    mv.previous = ds->mrr[m - 1][c];
    mv.current = ds->mrr[m][c];
    /* Constant currency: both months valued at one month's rates.  With a
     * single currency mrr_alt is NULL and both are the plain amounts. */
    int64_t prev_cc = mv.previous, cur_cc = mv.current;
    if (ds->mrr_alt) {
        if (cfg->fx_policy == CSM_FX_PERIOD_END)
            prev_cc = ds->mrr_alt[m - 1][c];
        else
            cur_cc = ds->mrr_alt[m][c];
    }
    /* Activity is decided on each month's own amounts (SPEC: active when
     * MRR > 0); the movement's size uses the constant-currency pair. */
    bool was = mv.previous > 0, is = mv.current > 0;
    int64_t signed_move = 0;
    if (is && !was) {
        int last = st->last_active[c];
        int window = cfg->reactivation_window_months;
        bool returning = last >= 0 && (window < 0 || m - last - 1 <= window);
        mv.kind = returning ? CSM_MOVE_REACTIVATION : CSM_MOVE_NEW;
        mv.classified = cur_cc;
        signed_move = cur_cc;
        /* Inactive in M-1 means nothing to revalue: prev_cc is 0. */
        prev_cc = 0;
    } else if (was && !is) {
        mv.kind = CSM_MOVE_CHURN;
        mv.classified = prev_cc;
        signed_move = -prev_cc;
        cur_cc = 0;
    } else if (was && is) {
        if (cur_cc > prev_cc) {
            mv.kind = CSM_MOVE_EXPANSION;
            mv.classified = cur_cc - prev_cc;
        } else if (cur_cc < prev_cc) {
            mv.kind = CSM_MOVE_CONTRACTION;
            mv.classified = prev_cc - cur_cc;
        }
        signed_move = cur_cc - prev_cc;
    }
    /* Amounts are at most 2^63 / 2 in practice only if checked; the loader
     * bounded every month total, so each customer's amounts and their
     * differences fit. */
    mv.fx = (mv.current - mv.previous) - signed_move;
    return mv;
}

#define ADD(dst, v)                                                            \
    do {                                                                       \
        if (!csm_money_add((dst), (v), &(dst)))                                \
            goto overflow;                                                     \
    } while (0)

csm_error csm_bridge_run(const csm_dataset *ds, const csm_config *cfg,
                         csm_bridge **out, csm_diags *diag)
{
    *out = NULL;
    csm_bridge *b = csm_xcalloc(1, sizeof *b);
    b->n_months = ds->n_months;
    b->months = csm_xcalloc((size_t)(ds->n_months ? ds->n_months : 1),
                            sizeof *b->months);
    csm_bridge_state st;
    csm_bridge_state_init(&st, ds);
    csm_error rc = CSM_OK;
    for (int m = 0; m < ds->n_months; m++) {
        csm_bridge_month *bm = &b->months[m];
        bm->month = csm_dataset_month(ds, m);
        if (!csm_money_sub(ds->month_total[m], ds->month_excluded[m],
                           &bm->snapshot_total))
            goto overflow;
        if (m == 0) {
            bm->opening_balance = true;
            for (size_t c = 0; c < ds->n_customers; c++) {
                if (ds->mrr[0][c] > 0) {
                    ADD(bm->amount.closing, ds->mrr[0][c]);
                    bm->logos.closing++;
                }
            }
            bm->amount.opening = bm->amount.closing;
            bm->logos.opening = bm->logos.closing;
        } else {
            const csm_bridge_month *pm = &b->months[m - 1];
            bm->amount.opening = pm->amount.closing;
            bm->logos.opening = pm->logos.closing;
            csm_bridge_amounts *a = &bm->amount;
            csm_bridge_logos *l = &bm->logos;
            for (size_t c = 0; c < ds->n_customers; c++) {
                if (ds->mrr[m][c] <= 0 && ds->mrr[m - 1][c] <= 0)
                    continue;
                csm_customer_move mv =
                    csm_bridge_classify(ds, cfg, &st, m, (uint32_t)c);
                switch (mv.kind) {
                case CSM_MOVE_NEW:
                    ADD(a->new_, mv.classified);
                    l->new_++;
                    break;
                case CSM_MOVE_REACTIVATION:
                    ADD(a->reactivation, mv.classified);
                    l->reactivation++;
                    break;
                case CSM_MOVE_EXPANSION:
                    ADD(a->expansion, mv.classified);
                    l->expansion++;
                    break;
                case CSM_MOVE_CONTRACTION:
                    ADD(a->contraction, mv.classified);
                    l->contraction++;
                    break;
                case CSM_MOVE_CHURN:
                    ADD(a->churn, mv.classified);
                    l->churn++;
                    break;
                default:
                    break;
                }
                if (mv.fx != 0) {
                    ADD(a->fx, mv.fx);
                    l->fx++;
                }
            }
            int64_t closing = a->opening;
            ADD(closing, a->new_);
            ADD(closing, a->reactivation);
            ADD(closing, a->expansion);
            ADD(closing, -a->contraction);
            ADD(closing, -a->churn);
            ADD(closing, a->fx);
            a->closing = closing;
            l->closing = l->opening + l->new_ + l->reactivation - l->churn;
        }
        /* The two independent checks: the bridge's closing against the
         * loader's row-level sum, and the logo count against a recount. */
        long active = 0;
        for (size_t c = 0; c < ds->n_customers; c++)
            active += ds->mrr[m][c] > 0;
        if (bm->amount.closing != bm->snapshot_total ||
            bm->logos.closing != active) {
            char mb[CSM_DATE_BUFSZ], x[CSM_MONEY_BUFSZ], y[CSM_MONEY_BUFSZ];
            csm_diags_add(diag, CSM_SEV_ERROR, "bridge-identity", NULL,
                          "MRR bridge for %s does not tie: closing %s vs "
                          "snapshot total %s, %ld vs %ld active customers "
                          "(this is a bug: please report it with the data)",
                          csm_month_format(bm->month, mb),
                          csm_money_format(bm->amount.closing, ds->decimals, x),
                          csm_money_format(bm->snapshot_total, ds->decimals, y),
                          bm->logos.closing, active);
            rc = CSM_EMISMATCH;
        }
        csm_bridge_state_advance(&st, ds, m);
    }
    csm_bridge_state_free(&st);
    if (rc != CSM_OK) {
        csm_bridge_free(b);
        return rc;
    }
    *out = b;
    return CSM_OK;
overflow:
    csm_bridge_state_free(&st);
    csm_bridge_free(b);
    csm_diags_add(diag, CSM_SEV_ERROR, "mrr-overflow", NULL,
                  "a bridge total exceeds the largest amount that can be "
                  "held exactly");
    return CSM_EDATA;
}

void csm_bridge_free(csm_bridge *b)
{
    if (!b)
        return;
    free(b->months);
    free(b);
}

size_t csm_bridge_ledger(const csm_dataset *ds, const csm_config *cfg, int m,
                         csm_customer_move **out)
{
    *out = NULL;
    if (m < 1 || m >= ds->n_months)
        return 0;
    csm_bridge_state st;
    csm_bridge_state_init(&st, ds);
    for (int k = 0; k < m; k++)
        csm_bridge_state_advance(&st, ds, k);
    size_t n = 0, cap = 0;
    csm_customer_move *v = NULL;
    for (size_t c = 0; c < ds->n_customers; c++) {
        if (ds->mrr[m][c] <= 0 && ds->mrr[m - 1][c] <= 0)
            continue;
        csm_customer_move mv =
            csm_bridge_classify(ds, cfg, &st, m, (uint32_t)c);
        if (mv.kind == CSM_MOVE_NONE && mv.fx == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            v = csm_xreallocarray(v, cap, sizeof *v);
        }
        v[n++] = mv;
    }
    csm_bridge_state_free(&st);
    *out = v;
    return n;
}
