/* Builders of the reconciliation report: the month's bridge restated as
 * live formulas over the per-customer movement ledger, the ledger itself,
 * and the comparison with a billing ledger (reconcile.h).
 *
 * Everything comes from ctx->recon.  The summary's lines are SUMIF
 * formulas over the ledger table, so a spreadsheet proves the bridge from
 * the customer rows; each formula's cached value is the same sum taken
 * from the reconcile result (csm_reconcile.movement_sum), which is what
 * the PDF shows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/format.h"
#include "csmetrics/reconcile.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/xalloc.h"
#include "sections.h"

static const csm_reconcile *recon(csm_section *sec, const csm_build_ctx *ctx)
{
    if (ctx->recon)
        return ctx->recon;
    csm_notes_add(csm_section_notes(sec, NULL),
                  "The reconciliation runs with `csmetrics report "
                  "reconcile`; this run has none.");
    return NULL;
}

/* The ledger's category of a move: its movement, or "fx" for a customer
 * whose only change is the exchange rate (as in the CSV export). */
static const char *category(const csm_customer_move *mv)
{
    return mv->kind == CSM_MOVE_NONE ? "fx" : csm_movement_name(mv->kind);
}

/* The movement with its sign in the bridge: contraction and churn take
 * MRR away. */
static int64_t signed_move(const csm_customer_move *mv)
{
    return mv->kind == CSM_MOVE_CONTRACTION || mv->kind == CSM_MOVE_CHURN
               ? -mv->classified
               : mv->classified;
}

/* Closing as the summary's formula computes it: opening plus the signed
 * ledger sums (equal to the bridge's closing whenever the run ties). */
static int64_t closing_of(const csm_reconcile *r)
{
    return r->bridge.amount.opening + r->movement_sum[CSM_MOVE_NEW] +
           r->movement_sum[CSM_MOVE_REACTIVATION] +
           r->movement_sum[CSM_MOVE_EXPANSION] -
           r->movement_sum[CSM_MOVE_CONTRACTION] -
           r->movement_sum[CSM_MOVE_CHURN] + r->fx_sum;
}

/* ------------------------------------------------------------ summary */

void csm_build_reconcile_summary(csm_section *sec, const csm_def_section *def,
                                 const csm_section_spec *spec,
                                 const csm_build_ctx *ctx)
{
    (void)def;
    (void)spec;
    const csm_reconcile *r = recon(sec, ctx);
    if (!r)
        return;
    int dec = ctx->ds->decimals;
    char mb[CSM_DATE_BUFSZ], pb[CSM_DATE_BUFSZ];
    char a[CSM_FMT_BUFSZ], b[CSM_FMT_BUFSZ], c[CSM_FMT_BUFSZ];
    csm_month_format(r->bridge.month, mb);
    csm_month_format(r->bridge.month - 1, pb);
    int64_t closing = closing_of(r);

    /* The verdict first, in words. */
    csm_block *n = csm_section_notes(sec, "Result");
    csm_strbuf s = {0};
    if (r->tie_out == 0)
        csm_strbuf_printf(&s,
                          "Ties out: opening + movements + fx = closing %s, "
                          "equal to the %s snapshot total to the cent "
                          "(tie-out %s).",
                          csm_format_money(closing, dec, 0, a), mb,
                          csm_format_money(0, dec, 0, b));
    else
        csm_strbuf_printf(&s,
                          "DOES NOT TIE: closing %s differs from the %s "
                          "snapshot total %s by %s.",
                          csm_format_money(closing, dec, 0, a), mb,
                          csm_format_money(r->bridge.snapshot_total, dec, 0, b),
                          csm_format_money(r->tie_out, dec, CSM_FMT_SIGN, c));
    csm_notes_add(n, csm_strbuf_str(&s));
    csm_strbuf_free(&s);
    if (!r->has_ledger)
        csm_strbuf_puts(&s, "No billing ledger was given (--ledger FILE): "
                            "the month is checked against its own snapshot "
                            "rows only.");
    else if (r->n_diffs == 0)
        csm_strbuf_printf(&s,
                          "Billing ledger %s: %zu customers, every amount "
                          "matches (total %s).",
                          r->ledger_path, r->ledger_customers,
                          csm_format_money(r->billing_total, dec, 0, a));
    else
        csm_strbuf_printf(
            &s,
            "Billing ledger %s does not tie: %zu customer%s differ%s "
            "(ours %s, billing %s, difference %s); see the billing ledger "
            "section.",
            r->ledger_path, r->n_diffs, r->n_diffs == 1 ? "" : "s",
            r->n_diffs == 1 ? "s" : "",
            csm_format_money(r->ours_total, dec, 0, a),
            csm_format_money(r->billing_total, dec, 0, b),
            csm_format_money(r->ours_total - r->billing_total, dec,
                             CSM_FMT_SIGN, c));
    csm_notes_add(n, csm_strbuf_str(&s));
    csm_strbuf_free(&s);
    if (!r->ties)
        csm_notes_add(n, "The command exits with status 3; the report is "
                         "written so that finance can see why.");

    /* The bridge as formulas over the ledger. */
    csm_block *t =
        csm_section_table(sec, "Bridge from the movement ledger", "summary");
    csm_table_column(t, "line", "Line", CSM_CELL_TEXT, 0);
    csm_table_column(t, "amount", "Amount", CSM_CELL_MONEY, 0);
    csm_table_column(t, "customers", "Customers", CSM_CELL_INT, 0);
    csm_table_column(t, "source", "Source", CSM_CELL_TEXT, 2);
    long count[CSM_MOVE_COUNT] = {0}, fx_count = 0;
    for (size_t i = 0; i < r->n_moves; i++) {
        count[r->moves[i].kind]++;
        fx_count += r->moves[i].fx != 0;
    }
    const csm_bridge_month *bm = &r->bridge;
    char *src = bm->opening_balance
                    ? csm_xasprintf("first loaded month: the opening balance")
                    : csm_xasprintf("closing of %s", pb);
    csm_cell open[4] = {csm_cell_text("Opening"),
                        csm_cell_money(bm->amount.opening),
                        csm_cell_int(bm->logos.opening), csm_cell_text(src)};
    free(src);
    csm_table_row(t, open);
    static const struct {
        const char *label;
        csm_movement kind;
    } lines[] = {{"New", CSM_MOVE_NEW},
                 {"Reactivation", CSM_MOVE_REACTIVATION},
                 {"Expansion", CSM_MOVE_EXPANSION},
                 {"Contraction", CSM_MOVE_CONTRACTION},
                 {"Churn", CSM_MOVE_CHURN}};
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        csm_movement k = lines[i].kind;
        const char *name = csm_movement_name(k);
        int64_t v = k == CSM_MOVE_CONTRACTION || k == CSM_MOVE_CHURN
                        ? -r->movement_sum[k]
                        : r->movement_sum[k];
        char *f = csm_xasprintf(
            "SUMIF(ledger.category, \"%s\", ledger.movement)", name);
        char *from = csm_xasprintf("ledger: movement of category %s", name);
        csm_cell row[4] = {csm_cell_text(lines[i].label),
                           csm_cell_with_formula(csm_cell_money(v), f),
                           csm_cell_int(count[k]), csm_cell_text(from)};
        free(f);
        free(from);
        csm_table_row(t, row);
    }
    csm_cell fx[4] = {
        csm_cell_text("FX"),
        csm_cell_with_formula(csm_cell_money(r->fx_sum), "SUM(ledger.fx)"),
        csm_cell_int(fx_count), csm_cell_text("ledger: fx of every customer")};
    csm_table_row(t, fx);
    csm_cell close[4] = {
        csm_cell_text("Closing"),
        csm_cell_with_formula(csm_cell_money(closing), "SUM(summary.amount)"),
        csm_cell_int(bm->logos.closing),
        csm_cell_text("the sum of the lines above")};
    csm_table_row(t, close);
    char *snap = csm_xasprintf("the %s snapshot rows, summed as loaded", mb);
    csm_cell total[4] = {csm_cell_text("Snapshot total"),
                         csm_cell_money(bm->snapshot_total), csm_cell_empty(),
                         csm_cell_text(snap)};
    free(snap);
    csm_table_row(t, total);
    csm_cell tie[4] = {
        csm_cell_text("Tie-out"),
        csm_cell_tone_set(
            csm_cell_with_formula(csm_cell_money(r->tie_out),
                                  "summary.amount[Closing] - "
                                  "summary.amount[Snapshot total]"),
            r->tie_out == 0 ? CSM_TONE_GOOD : CSM_TONE_BAD),
        csm_cell_empty(), csm_cell_text("closing - snapshot total: must be 0")};
    csm_table_row(t, tie);
    t->u.table.total_rows = 3;
    char *cap = csm_xasprintf(
        "%s to %s. Each movement line sums the movement ledger by category "
        "(signed: contraction and churn are negative); customers = ledger "
        "rows of that category.",
        pb, mb);
    csm_block_caption(t, cap);
    free(cap);

    char *title = csm_xasprintf("MRR bridge, %s", mb);
    csm_block *w = csm_section_waterfall(sec, title);
    free(title);
    csm_waterfall_step_add(w, "Opening", CSM_STEP_START, bm->amount.opening);
    csm_waterfall_step_add(w, "New", CSM_STEP_UP,
                           r->movement_sum[CSM_MOVE_NEW]);
    csm_waterfall_step_add(w, "Reactivation", CSM_STEP_UP,
                           r->movement_sum[CSM_MOVE_REACTIVATION]);
    csm_waterfall_step_add(w, "Expansion", CSM_STEP_UP,
                           r->movement_sum[CSM_MOVE_EXPANSION]);
    csm_waterfall_step_add(w, "Contraction", CSM_STEP_DOWN,
                           r->movement_sum[CSM_MOVE_CONTRACTION]);
    csm_waterfall_step_add(w, "Churn", CSM_STEP_DOWN,
                           r->movement_sum[CSM_MOVE_CHURN]);
    if (ctx->ds->mrr_alt || r->fx_sum != 0)
        csm_waterfall_step_add(w, "FX", CSM_STEP_DELTA, r->fx_sum);
    csm_waterfall_step_add(w, "Closing", CSM_STEP_TOTAL, closing);
    if (bm->opening_balance)
        csm_block_caption(w, "First loaded month: the opening balance, no "
                             "movements.");
}

/* ------------------------------------------------------------ ledger */

void csm_build_reconcile_ledger(csm_section *sec, const csm_def_section *def,
                                const csm_section_spec *spec,
                                const csm_build_ctx *ctx)
{
    (void)def;
    (void)spec;
    const csm_reconcile *r = recon(sec, ctx);
    if (!r)
        return;
    const csm_dataset *ds = ctx->ds;
    char mb[CSM_DATE_BUFSZ], pb[CSM_DATE_BUFSZ];
    csm_month_format(r->bridge.month, mb);
    csm_month_format(r->bridge.month - 1, pb);
    csm_block *t =
        csm_section_table(sec, "Every customer that moved", "ledger");
    t->u.table.detail = true;
    csm_table_column(t, "customer_id", "Customer ID", CSM_CELL_TEXT, 0.8);
    csm_table_column(t, "name", "Name", CSM_CELL_TEXT, 2);
    csm_table_column(t, "previous", "Previous MRR", CSM_CELL_MONEY, 0);
    csm_table_column(t, "mrr", "MRR", CSM_CELL_MONEY, 0);
    csm_table_column(t, "category", "Category", CSM_CELL_TEXT, 0);
    csm_table_column(t, "movement", "Movement", CSM_CELL_MONEY, 0);
    csm_table_column(t, "fx", "FX", CSM_CELL_MONEY, 0);
    csm_table_column(t, "delta", "Delta", CSM_CELL_MONEY, 0);
    int64_t prev = 0, cur = 0, move = 0, fx = 0;
    for (size_t i = 0; i < r->n_moves; i++) {
        const csm_customer_move *mv = &r->moves[i];
        int64_t sm = signed_move(mv);
        csm_cell_tone tone = sm < 0   ? CSM_TONE_BAD
                             : sm > 0 ? CSM_TONE_GOOD
                                      : CSM_TONE_NONE;
        csm_cell row[8] = {csm_cell_text(csm_ds_customer_id(ds, mv->customer)),
                           csm_cell_text(ds->names[mv->customer]),
                           csm_cell_money(mv->previous),
                           csm_cell_money(mv->current),
                           csm_cell_text(category(mv)),
                           csm_cell_tone_set(csm_cell_money(sm), tone),
                           csm_cell_money(mv->fx),
                           csm_cell_money(mv->current - mv->previous)};
        csm_table_row(t, row);
        prev += mv->previous;
        cur += mv->current;
        move += sm;
        fx += mv->fx;
    }
    if (r->n_moves) {
        csm_cell tot[8] = {
            csm_cell_text("Total"),
            csm_cell_empty(),
            csm_cell_with_formula(csm_cell_money(prev), "SUM(ledger.previous)"),
            csm_cell_with_formula(csm_cell_money(cur), "SUM(ledger.mrr)"),
            csm_cell_empty(),
            csm_cell_with_formula(csm_cell_money(move), "SUM(ledger.movement)"),
            csm_cell_with_formula(csm_cell_money(fx), "SUM(ledger.fx)"),
            csm_cell_with_formula(csm_cell_money(cur - prev),
                                  "SUM(ledger.delta)")};
        csm_table_row(t, tot);
        t->u.table.total_rows = 1;
    }
    char *cap =
        r->bridge.opening_balance
            ? csm_xasprintf("%s is the first loaded month: the opening "
                            "balance, so no customer moved.",
                            mb)
            : csm_xasprintf(
                  "One row per customer whose MRR changed from %s to %s, in "
                  "customer order. Movement is signed (contraction and churn "
                  "negative) and valued at constant currency; fx is the rest "
                  "of the change, so delta = MRR - previous MRR = movement + "
                  "fx.",
                  pb, mb);
    csm_block_caption(t, cap);
    free(cap);
}

/* ------------------------------------------------------------ billing */

void csm_build_reconcile_billing(csm_section *sec, const csm_def_section *def,
                                 const csm_section_spec *spec,
                                 const csm_build_ctx *ctx)
{
    (void)def;
    (void)spec;
    const csm_reconcile *r = recon(sec, ctx);
    if (!r)
        return;
    char mb[CSM_DATE_BUFSZ];
    csm_month_format(r->bridge.month, mb);
    if (!r->has_ledger) {
        csm_block *n = csm_section_notes(sec, NULL);
        char *s = csm_xasprintf(
            "No billing ledger was given. Run with --ledger FILE (columns "
            "customer_id and mrr for %s, optionally currency) to compare "
            "every customer's MRR with the billing system.",
            mb);
        csm_notes_add(n, s);
        free(s);
        return;
    }
    int64_t diff = r->ours_total - r->billing_total;
    csm_block *t = csm_section_table(sec, "Totals", "billing_totals");
    csm_table_column(t, "line", "Line", CSM_CELL_TEXT, 0);
    csm_table_column(t, "amount", "Amount", CSM_CELL_MONEY, 0);
    csm_table_column(t, "customers", "Customers", CSM_CELL_INT, 0);
    csm_cell r1[3] = {csm_cell_text("Snapshots"), csm_cell_money(r->ours_total),
                      csm_cell_empty()};
    csm_table_row(t, r1);
    csm_cell r2[3] = {csm_cell_text("Billing ledger"),
                      csm_cell_money(r->billing_total),
                      csm_cell_int((int64_t)r->ledger_customers)};
    csm_table_row(t, r2);
    csm_cell r3[3] = {
        csm_cell_text("Difference"),
        csm_cell_tone_set(
            csm_cell_with_formula(csm_cell_money(diff),
                                  "billing_totals.amount[Snapshots] - "
                                  "billing_totals.amount[Billing ledger]"),
            diff == 0 ? CSM_TONE_NONE : CSM_TONE_BAD),
        csm_cell_int((int64_t)r->n_diffs)};
    csm_table_row(t, r3);
    t->u.table.total_rows = 1;
    char *cap = csm_xasprintf(
        "%s: %ld rows, %zu customers, %zu of them in the snapshots. "
        "Snapshots = every customer's %s MRR before the past-due policy; "
        "customers in the difference row = customers listed below.",
        r->ledger_path, r->ledger_rows, r->ledger_customers,
        r->matched_customers, mb);
    csm_block_caption(t, cap);
    free(cap);

    csm_block *d =
        csm_section_table(sec, "Customers that do not tie", "billing");
    d->u.table.detail = true;
    csm_table_column(d, "customer_id", "Customer ID", CSM_CELL_TEXT, 0.8);
    csm_table_column(d, "name", "Name", CSM_CELL_TEXT, 2);
    csm_table_column(d, "ours", "Snapshots", CSM_CELL_MONEY, 0);
    csm_table_column(d, "billing", "Billing", CSM_CELL_MONEY, 0);
    csm_table_column(d, "difference", "Difference", CSM_CELL_MONEY, 0);
    csm_table_column(d, "status", "Status", CSM_CELL_TEXT, 1.2);
    int64_t ours = 0, bill = 0;
    for (size_t i = 0; i < r->n_diffs; i++) {
        const csm_recon_diff *x = &r->diffs[i];
        const char *status = x->missing_ours      ? "not in the snapshots"
                             : x->missing_billing ? "not in the billing ledger"
                                                  : "amounts differ";
        csm_cell row[6] = {
            csm_cell_text(x->customer_id),
            csm_cell_text(x->name),
            csm_cell_tone_set(csm_cell_money(x->ours),
                              x->missing_ours ? CSM_TONE_MUTED : CSM_TONE_NONE),
            csm_cell_tone_set(csm_cell_money(x->billing), x->missing_billing
                                                              ? CSM_TONE_MUTED
                                                              : CSM_TONE_NONE),
            csm_cell_tone_set(csm_cell_money(x->ours - x->billing),
                              CSM_TONE_BAD),
            csm_cell_text(status)};
        csm_table_row(d, row);
        ours += x->ours;
        bill += x->billing;
    }
    if (r->n_diffs) {
        csm_cell tot[6] = {
            csm_cell_text("Total"),
            csm_cell_empty(),
            csm_cell_with_formula(csm_cell_money(ours), "SUM(billing.ours)"),
            csm_cell_with_formula(csm_cell_money(bill), "SUM(billing.billing)"),
            csm_cell_with_formula(csm_cell_money(ours - bill),
                                  "SUM(billing.difference)"),
            csm_cell_empty()};
        csm_table_row(d, tot);
        d->u.table.total_rows = 1;
        csm_block_caption(d, "Every customer whose amounts differ or who is "
                             "missing on either side; difference = snapshots "
                             "- billing, and its total is the difference of "
                             "the totals above.");
    } else {
        csm_block_caption(d, "None: every customer ties to the cent.");
    }
}

/* ------------------------------------------------------------ definitions */

void csm_build_reconcile_definitions(csm_section *sec,
                                     const csm_def_section *def,
                                     const csm_section_spec *spec,
                                     const csm_build_ctx *ctx)
{
    csm_build_definitions(sec, def, spec, ctx);
    csm_block *n = csm_section_notes(sec, "Reconciliation");
    static const char *const lines[] = {
        "Movement ledger: every customer whose MRR changed from the previous "
        "month, with its category (new, reactivation, expansion, "
        "contraction, churn, or fx when only the exchange rate moved it), "
        "its signed movement at constant currency, and fx, the rest of the "
        "change: delta = MRR - previous MRR = movement + fx.",
        "Summary: each movement line is the ledger summed by category (live "
        "SUMIF formulas in the workbook); closing = the sum of the lines "
        "above; the tie-out = closing - the month's snapshot total (its rows "
        "summed independently when loaded) and must be 0.",
        "Billing ledger (--ledger FILE): customer_id and mrr for the month, "
        "optionally currency (converted at the month's rate); rows of one "
        "customer are summed. It is compared with each customer's snapshot "
        "MRR before the past-due policy, and every customer whose amounts "
        "differ or who has MRR on one side only is listed.",
        "When the tie-out is not 0 or any customer differs, the command "
        "exits with status 3 after writing the report; the CSV export of the "
        "ledger guards text that a spreadsheet would run as a formula.",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        csm_notes_add(n, lines[i]);
}
