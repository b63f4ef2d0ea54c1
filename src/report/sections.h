/* Internal to report/: section builders and shared helpers. */
#ifndef CSM_REPORT_SECTIONS_H
#define CSM_REPORT_SECTIONS_H

#include "csmetrics/report_build.h"

typedef void (*csm_section_builder)(csm_section *sec,
                                    const csm_def_section *def,
                                    const csm_section_spec *spec,
                                    const csm_build_ctx *ctx);

/* A value of a monthly series at month index k (undefined when k is out of
 * range or the value is not defined). */
typedef csm_ratio (*csm_series_fn)(const csm_build_ctx *ctx, int k);

/* Adds a tile whose value, previous month, year ago, changes and 13-month
 * sparkline come from fn.  kind: CSM_CELL_MONEY (fn's value is minor
 * units; changes relative), CSM_CELL_RATE (changes in points),
 * CSM_CELL_INT or CSM_CELL_NUMBER (changes relative). */
csm_tile *csm_tile_from_series(csm_block *b, const char *label,
                               csm_cell_kind kind, csm_series_fn fn,
                               const csm_build_ctx *ctx, bool higher_better);

/* Month label "2025-03" of month index k. */
const char *csm_label_month(const csm_build_ctx *ctx, int k, char *buf);

/* Builders, one per section id. */
void csm_build_headline(csm_section *, const csm_def_section *,
                        const csm_section_spec *, const csm_build_ctx *);
void csm_build_bridge(csm_section *, const csm_def_section *,
                      const csm_section_spec *, const csm_build_ctx *);
void csm_build_retention(csm_section *, const csm_def_section *,
                         const csm_section_spec *, const csm_build_ctx *);
void csm_build_definitions(csm_section *, const csm_def_section *,
                           const csm_section_spec *, const csm_build_ctx *);
void csm_build_data_quality(csm_section *, const csm_def_section *,
                            const csm_section_spec *, const csm_build_ctx *);
void csm_build_at_risk_summary(csm_section *, const csm_def_section *,
                               const csm_section_spec *, const csm_build_ctx *);
void csm_build_at_risk_states(csm_section *, const csm_def_section *,
                              const csm_section_spec *, const csm_build_ctx *);
void csm_build_at_risk_mrr(csm_section *, const csm_def_section *,
                           const csm_section_spec *, const csm_build_ctx *);
void csm_build_at_risk_survival(csm_section *, const csm_def_section *,
                                const csm_section_spec *,
                                const csm_build_ctx *);
void csm_build_at_risk_customers(csm_section *, const csm_def_section *,
                                 const csm_section_spec *,
                                 const csm_build_ctx *);
void csm_build_at_risk_tracking(csm_section *, const csm_def_section *,
                                const csm_section_spec *,
                                const csm_build_ctx *);
void csm_build_at_risk_rolling(csm_section *, const csm_def_section *,
                               const csm_section_spec *, const csm_build_ctx *);
void csm_build_at_risk_definitions(csm_section *, const csm_def_section *,
                                   const csm_section_spec *,
                                   const csm_build_ctx *);
/* The at-risk pack's subtitle ("Flagged April 2025 · followed 6 months to
 * October 2025"): a new string, or NULL without an at-risk result. */
char *csm_at_risk_subtitle(const csm_build_ctx *ctx);
void csm_build_reconcile_summary(csm_section *, const csm_def_section *,
                                 const csm_section_spec *,
                                 const csm_build_ctx *);
void csm_build_reconcile_ledger(csm_section *, const csm_def_section *,
                                const csm_section_spec *,
                                const csm_build_ctx *);
void csm_build_reconcile_billing(csm_section *, const csm_def_section *,
                                 const csm_section_spec *,
                                 const csm_build_ctx *);
void csm_build_reconcile_definitions(csm_section *, const csm_def_section *,
                                     const csm_section_spec *,
                                     const csm_build_ctx *);

#endif
