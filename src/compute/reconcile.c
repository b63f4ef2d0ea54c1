/* The finance reconciliation of one month: the bridge, the per-customer
 * movement ledger behind it, and the comparison with a billing ledger. */
#include "csmetrics/reconcile.h"

#include <stdlib.h>
#include <string.h>

#include "csmetrics/ledger.h"
#include "csmetrics/xalloc.h"

static int64_t billed(const csm_dataset *ds, int m, size_t c)
{
    /* What the billing system should show: the snapshot MRR before the
     * past-due policy made anyone inactive. */
    int64_t v = ds->mrr[m][c];
    if (ds->mrr_excluded && ds->mrr_excluded[m])
        v += ds->mrr_excluded[m][c];
    return v;
}

static void add_diff(csm_reconcile *r, const char *id, const char *name,
                     int64_t ours, int64_t bill, bool no_ours, bool no_bill)
{
    r->diffs = csm_xreallocarray(r->diffs, r->n_diffs + 1, sizeof *r->diffs);
    r->diffs[r->n_diffs++] = (csm_recon_diff){
        csm_xstrdup(id), csm_xstrdup(name ? name : ""), ours, bill, no_ours,
        no_bill};
}

static int cmp_diff(const void *x, const void *y)
{
    const csm_recon_diff *a = x, *b = y;
    return csm_customer_id_cmp(a->customer_id, b->customer_id);
}

static csm_error compare_ledger(const csm_dataset *ds, int m,
                                const csm_ledger *l, csm_reconcile *r,
                                csm_diags *diag)
{
    uint8_t *seen = csm_xcalloc(ds->n_customers ? ds->n_customers : 1, 1);
    bool ok = true;
    for (size_t i = 0; i < l->n; i++) {
        const csm_ledger_entry *e = &l->entries[i];
        uint32_t c = csm_ds_find_customer(ds, e->customer_id);
        if (c == CSM_NO_CUSTOMER) {
            if (e->amount != 0)
                add_diff(r, e->customer_id, "", 0, e->amount, true, false);
            continue;
        }
        seen[c] = 1;
        r->matched_customers++;
        int64_t ours = billed(ds, m, c);
        bool absent = !ds->present[m][c] && ours == 0;
        if (ours != e->amount)
            add_diff(r, e->customer_id, ds->names[c], ours, e->amount, absent,
                     false);
    }
    for (size_t c = 0; c < ds->n_customers; c++) {
        int64_t ours = billed(ds, m, c);
        ok = ok && csm_money_add(r->ours_total, ours, &r->ours_total);
        if (!seen[c] && ours != 0)
            add_diff(r, csm_ds_customer_id(ds, c), ds->names[c], ours, 0, false,
                     true);
    }
    free(seen);
    r->billing_total = l->total;
    r->ledger_rows = l->rows;
    r->ledger_customers = l->n;
    if (r->n_diffs > 1)
        qsort(r->diffs, r->n_diffs, sizeof *r->diffs, cmp_diff);
    if (!ok) {
        csm_diags_add(diag, CSM_SEV_ERROR, "mrr-overflow", NULL,
                      "the month's MRR total exceeds what can be held "
                      "exactly");
        return CSM_EDATA;
    }
    return CSM_OK;
}

csm_error csm_reconcile_run(const csm_dataset *ds, const csm_config *cfg,
                            const csm_bridge *bridge, int month,
                            const char *ledger_path, csm_reconcile **out,
                            csm_diags *diag)
{
    *out = NULL;
    csm_reconcile *r = csm_xcalloc(1, sizeof *r);
    r->month = month;
    r->bridge = bridge->months[month];
    if (month >= 1)
        r->n_moves = csm_bridge_ledger(ds, cfg, month, &r->moves);
    for (size_t i = 0; i < r->n_moves; i++) {
        r->movement_sum[r->moves[i].kind] += r->moves[i].classified;
        r->fx_sum += r->moves[i].fx;
    }
    /* The tie-out: opening + movements + fx against the loader's own sum
     * of the month's rows.  Amounts are bounded by the loader's checked
     * totals, so this arithmetic cannot overflow. */
    const csm_bridge_amounts *a = &r->bridge.amount;
    r->tie_out = a->opening + r->movement_sum[CSM_MOVE_NEW] +
                 r->movement_sum[CSM_MOVE_REACTIVATION] +
                 r->movement_sum[CSM_MOVE_EXPANSION] -
                 r->movement_sum[CSM_MOVE_CONTRACTION] -
                 r->movement_sum[CSM_MOVE_CHURN] + r->fx_sum -
                 r->bridge.snapshot_total;
    if (month == 0)
        r->tie_out = a->closing - r->bridge.snapshot_total;
    csm_error rc = CSM_OK;
    if (ledger_path) {
        r->has_ledger = true;
        r->ledger_path = csm_xstrdup(ledger_path);
        csm_ledger *l = NULL;
        rc = csm_ledger_load(ledger_path, ds, csm_dataset_month(ds, month), &l,
                             diag);
        if (rc == CSM_OK)
            rc = compare_ledger(ds, month, l, r, diag);
        csm_ledger_free(l);
    }
    if (rc != CSM_OK) {
        csm_reconcile_free(r);
        return rc;
    }
    r->ties = r->tie_out == 0 && r->n_diffs == 0;
    *out = r;
    return CSM_OK;
}

void csm_reconcile_free(csm_reconcile *r)
{
    if (!r)
        return;
    free(r->moves);
    for (size_t i = 0; i < r->n_diffs; i++) {
        free(r->diffs[i].customer_id);
        free(r->diffs[i].name);
    }
    free(r->diffs);
    free(r->ledger_path);
    free(r);
}
