/* Movement-sum NRR beside point-to-point NRR, the decomposition of their
 * difference, and the quick ratio (include/csmetrics/nrr_methods.h,
 * docs/metrics/retention_methods.md). */
#include "csmetrics/nrr_methods.h"

#include <stdlib.h>
#include <string.h>

#include "csmetrics/money.h"
#include "csmetrics/xalloc.h"

#define T12 12

const char *csm_nrr_group_name(csm_nrr_group g)
{
    static const char *const names[CSM_NRR_GROUPS] = {
        "steady_base", "returned_base", "returned_other", "won"};
    return (int)g >= 0 && g < CSM_NRR_GROUPS ? names[g] : "group";
}

/* Checked accumulation: on overflow *ok becomes false and *acc is left as
 * it was, so one flag check after a loop is enough. */
static void add(int64_t *acc, int64_t v, bool *ok)
{
    if (!csm_money_add(*acc, v, acc))
        *ok = false;
}

enum { F_NEW = 1, F_REACT = 2 };

/* Per-customer sums over one window's bridge months. */
typedef struct window_acc {
    int64_t *opening;  /* Σ_k MRR_{k-1} while active in k-1 */
    int64_t *retained; /* Σ_k (MRR_k - fx_k - new_k) */
    int64_t *fx;       /* Σ_k fx_k */
    int64_t *newmrr;   /* Σ_k new_k */
    uint8_t *flags;    /* F_NEW | F_REACT seen in the window */
} window_acc;

static void acc_init(window_acc *a, size_t n)
{
    size_t k = n ? n : 1;
    a->opening = csm_xcalloc(k, sizeof *a->opening);
    a->retained = csm_xcalloc(k, sizeof *a->retained);
    a->fx = csm_xcalloc(k, sizeof *a->fx);
    a->newmrr = csm_xcalloc(k, sizeof *a->newmrr);
    a->flags = csm_xcalloc(k, sizeof *a->flags);
}

static void acc_free(window_acc *a)
{
    free(a->opening);
    free(a->retained);
    free(a->fx);
    free(a->newmrr);
    free(a->flags);
}

/* Classifies every customer in months m0+1 .. m1 with the bridge's own
 * classifier and accumulates its share of the movement-sum numerator and
 * denominator.  A customer's share of month k's numerator, opening_k +
 * expansion_k + reactivation_k - contraction_k - churn_k, is its MRR in k
 * less its fx and less any new business: the bridge identity per customer
 * (current = previous + signed movement + fx) rearranged. */
static bool accumulate(const csm_dataset *ds, const csm_config *cfg, int m0,
                       int m1, window_acc *a)
{
    bool ok = true;
    csm_bridge_state st;
    csm_bridge_state_init(&st, ds);
    for (int k = 0; k <= m0; k++)
        csm_bridge_state_advance(&st, ds, k);
    for (int k = m0 + 1; k <= m1; k++) {
        for (size_t c = 0; c < ds->n_customers; c++) {
            if (ds->mrr[k][c] <= 0 && ds->mrr[k - 1][c] <= 0)
                continue;
            csm_customer_move mv =
                csm_bridge_classify(ds, cfg, &st, k, (uint32_t)c);
            int64_t n = mv.current - mv.fx;
            if (mv.kind == CSM_MOVE_NEW) {
                n -= mv.classified;
                add(&a->newmrr[c], mv.classified, &ok);
                a->flags[c] |= F_NEW;
            } else if (mv.kind == CSM_MOVE_REACTIVATION) {
                a->flags[c] |= F_REACT;
            }
            if (mv.previous > 0)
                add(&a->opening[c], mv.previous, &ok);
            add(&a->retained[c], n, &ok);
            add(&a->fx[c], mv.fx, &ok);
        }
        csm_bridge_state_advance(&st, ds, k);
    }
    csm_bridge_state_free(&st);
    return ok;
}

static csm_nrr_group group_of(bool base, uint8_t flags)
{
    if (base)
        return flags ? CSM_NRR_RETURNED_BASE : CSM_NRR_STEADY_BASE;
    return (flags & F_NEW) ? CSM_NRR_WON : CSM_NRR_RETURNED_OTHER;
}

/* The components of MS - P2P from the exact group sums (see the header):
 * every numerator is an integer over the common denominator O, so they add
 * up to the difference up to the rounding of four doubles. */
static void decompose(csm_nrr_window *w, bool *ok)
{
    const csm_nrr_group_sums *g = w->group;
    csm_nrr_components *c = &w->components;
    memset(c, 0, sizeof *c);
    if (!w->p2p_nrr.defined || !w->movement_nrr.defined)
        return;
    w->difference = csm_ratio_value(w->movement_nrr.value - w->p2p_nrr.value);
    int64_t O = w->window_opening, fx = 0, won = 0, back = 0, base_new = 0;
    for (int k = 0; k < CSM_NRR_GROUPS; k++)
        add(&fx, g[k].fx, ok);
    add(&won, g[CSM_NRR_WON].end_mrr, ok);
    add(&won, -g[CSM_NRR_WON].new_mrr, ok);
    add(&back, g[CSM_NRR_RETURNED_OTHER].end_mrr, ok);
    add(&back, -g[CSM_NRR_RETURNED_OTHER].new_mrr, ok);
    add(&base_new, g[CSM_NRR_STEADY_BASE].new_mrr, ok);
    add(&base_new, g[CSM_NRR_RETURNED_BASE].new_mrr, ok);
    c->fx = csm_ratio_i64(-fx, O);
    c->won_in_window = csm_ratio_i64(won, O);
    c->returned_from_before = csm_ratio_i64(back, O);
    c->churned_and_returned = csm_ratio_i64(-base_new, O);
}

static csm_error window_run(const csm_dataset *ds, const csm_config *cfg,
                            const csm_bridge *bridge, int report, int len,
                            csm_nrr_window *w, csm_diags *diag)
{
    memset(w, 0, sizeof *w);
    w->window = len;
    int m0 = report - len;
    if (m0 < 0 || report >= ds->n_months)
        return CSM_OK;
    w->fits = true;
    w->from = csm_dataset_month(ds, m0);
    w->to = csm_dataset_month(ds, report);
    bool ok = true;

    /* The movement sum, from the bridge lines. */
    for (int k = m0 + 1; k <= report; k++) {
        const csm_bridge_amounts *b = &bridge->months[k].amount;
        add(&w->opening_sum, b->opening, &ok);
        add(&w->expansion, b->expansion, &ok);
        add(&w->reactivation, b->reactivation, &ok);
        add(&w->contraction, b->contraction, &ok);
        add(&w->churn, b->churn, &ok);
        add(&w->new_excluded, b->new_, &ok);
        add(&w->fx_excluded, b->fx, &ok);
    }
    int64_t moves = w->expansion;
    add(&moves, w->reactivation, &ok);
    add(&moves, -w->contraction, &ok);
    add(&moves, -w->churn, &ok);
    w->retained_sum = w->opening_sum;
    add(&w->retained_sum, moves, &ok);
    w->window_opening = bridge->months[m0 + 1].amount.opening;
    int64_t ws_num = w->window_opening;
    add(&ws_num, moves, &ok);

    /* The same sums customer by customer, grouped. */
    window_acc a;
    acc_init(&a, ds->n_customers);
    if (!accumulate(ds, cfg, m0, report, &a))
        ok = false;
    for (size_t c = 0; c < ds->n_customers; c++) {
        bool base = ds->mrr[m0][c] > 0;
        if (!base && !a.flags[c])
            continue; /* inactive throughout the window */
        csm_nrr_group_sums *g = &w->group[group_of(base, a.flags[c])];
        g->logos++;
        if (base) {
            add(&g->base_mrr, ds->mrr[m0][c], &ok);
            add(&g->end_mrr, ds->mrr[report][c], &ok);
            w->base_logos++;
            add(&w->base_mrr, ds->mrr[m0][c], &ok);
            add(&w->end_mrr, ds->mrr[report][c], &ok);
        }
        if (!base)
            add(&g->end_mrr, ds->mrr[report][c], &ok);
        add(&g->fx, a.fx[c], &ok);
        add(&g->new_mrr, a.newmrr[c], &ok);
        add(&g->opening_sum, a.opening[c], &ok);
        add(&g->retained_sum, a.retained[c], &ok);
    }
    acc_free(&a);

    int64_t open_total = 0, kept_total = 0;
    for (int g = 0; g < CSM_NRR_GROUPS; g++) {
        add(&open_total, w->group[g].opening_sum, &ok);
        add(&kept_total, w->group[g].retained_sum, &ok);
    }
    if (!ok) {
        csm_diags_add(diag, CSM_SEV_ERROR, "mrr-overflow", NULL,
                      "a movement-sum NRR total exceeds the largest amount "
                      "that can be held exactly");
        return CSM_EDATA;
    }
    if (open_total != w->opening_sum || kept_total != w->retained_sum) {
        char mb[CSM_DATE_BUFSZ];
        csm_diags_add(diag, CSM_SEV_ERROR, "nrr-methods-identity", NULL,
                      "movement-sum NRR for the %d months to %s: customer "
                      "sums %lld / %lld do not tie to the bridge lines "
                      "%lld / %lld (this is a bug: please report it with "
                      "the data)",
                      len, csm_month_format(w->to, mb), (long long)kept_total,
                      (long long)open_total, (long long)w->retained_sum,
                      (long long)w->opening_sum);
        return CSM_EMISMATCH;
    }

    w->p2p_nrr = csm_ratio_i64(w->end_mrr, w->base_mrr);
    w->monthly_average_nrr = csm_ratio_i64(w->retained_sum, w->opening_sum);
    w->movement_nrr = csm_ratio_i64(ws_num, w->window_opening);
    decompose(w, &ok);
    if (!ok) {
        csm_diags_add(diag, CSM_SEV_ERROR, "mrr-overflow", NULL,
                      "a movement-sum NRR total exceeds the largest amount "
                      "that can be held exactly");
        return CSM_EDATA;
    }
    return CSM_OK;
}

static bool quick_run(const csm_dataset *ds, const csm_bridge *bridge,
                      csm_quick_ratio_month *q)
{
    bool ok = true;
    for (int k = 0; k < ds->n_months; k++) {
        const csm_bridge_month *bm = &bridge->months[k];
        csm_quick_ratio_month *p = &q[k];
        memset(p, 0, sizeof *p);
        p->month = bm->month;
        p->opening_balance = bm->opening_balance;
        if (!bm->opening_balance) {
            p->gains = bm->amount.new_;
            add(&p->gains, bm->amount.reactivation, &ok);
            add(&p->gains, bm->amount.expansion, &ok);
            p->losses = bm->amount.contraction;
            add(&p->losses, bm->amount.churn, &ok);
            p->quick_ratio = csm_ratio_i64(p->gains, p->losses);
        }
        /* Twelve bridge months end at k when month k-12 is loaded (the
         * same window as the 12-month retention). */
        if (k - T12 >= 0) {
            p->t12_fits = true;
            for (int i = k - T12 + 1; i <= k; i++) {
                add(&p->gains_t12, q[i].gains, &ok);
                add(&p->losses_t12, q[i].losses, &ok);
            }
            p->quick_ratio_t12 = csm_ratio_i64(p->gains_t12, p->losses_t12);
        }
    }
    return ok;
}

csm_error csm_nrr_methods_run(const csm_dataset *ds, const csm_config *cfg,
                              const csm_bridge *bridge, int report_month,
                              csm_nrr_methods **out, csm_diags *diag)
{
    *out = NULL;
    csm_nrr_methods *r = csm_xcalloc(1, sizeof *r);
    r->report_month = report_month;
    r->n_months = ds->n_months;
    for (int w = 0; w < CSM_RETENTION_WINDOWS; w++) {
        csm_error rc =
            window_run(ds, cfg, bridge, report_month,
                       csm_retention_window_months[w], &r->window[w], diag);
        if (rc != CSM_OK) {
            csm_nrr_methods_free(r);
            return rc;
        }
    }
    r->quick = csm_xcalloc((size_t)(ds->n_months ? ds->n_months : 1),
                           sizeof *r->quick);
    if (!quick_run(ds, bridge, r->quick)) {
        csm_nrr_methods_free(r);
        csm_diags_add(diag, CSM_SEV_ERROR, "mrr-overflow", NULL,
                      "a quick-ratio total exceeds the largest amount that "
                      "can be held exactly");
        return CSM_EDATA;
    }
    *out = r;
    return CSM_OK;
}

void csm_nrr_methods_free(csm_nrr_methods *r)
{
    if (!r)
        return;
    free(r->quick);
    free(r);
}
