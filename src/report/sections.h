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

/* Helpers of the board sections (src/report/sections_text.c).  Text is
 * returned new (free it); numbers in it are written by format.c. */
/* "improving: +0.22 pp/month, 95% CI +0.10..+0.34, 12 points" (days per
 * quarter for the TTFV series); "no trend: 2 points, at least 3 needed". */
char *csm_trend_text(const csm_series_trend *t);
/* "95% CI 91.2–96.0%, n = 412 what" ("n = 0 what" when undefined). */
char *csm_prop_ci_text(const csm_prop_ci *ci, const char *what);
/* A confidence level as text: "95%". Returns buf (CSM_FMT_BUFSZ). */
char *csm_level_text(double level, char *buf);
/* A proportion's estimate, lower and upper limit as RATE cells (NA when
 * undefined). */
csm_cell csm_cell_prop(const csm_prop_ci *ci);
csm_cell csm_cell_prop_lo(const csm_prop_ci *ci);
csm_cell csm_cell_prop_hi(const csm_prop_ci *ci);
/* A statistic as a NUMBER (decimals) or RATE cell, NA when undefined. */
csm_cell csm_cell_stat(csm_stats_value v, int decimals);
csm_cell csm_cell_stat_rate(csm_stats_value v);
/* Minor units as major units, for money chart axes. */
double csm_major(const csm_build_ctx *ctx, int64_t minor);
/* First month index of a window of `months` months ending at the report
 * month, not before `lowest`. */
int csm_first_month(const csm_build_ctx *ctx, long months, int lowest);
/* n month labels from month index first (free with csm_labels_free). */
char **csm_month_labels(const csm_build_ctx *ctx, int first, size_t n);
void csm_labels_free(char **v, size_t n);

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
void csm_build_renewals(csm_section *, const csm_def_section *,
                        const csm_section_spec *, const csm_build_ctx *);
void csm_build_cohorts(csm_section *, const csm_def_section *,
                       const csm_section_spec *, const csm_build_ctx *);
void csm_build_onboarding(csm_section *, const csm_def_section *,
                          const csm_section_spec *, const csm_build_ctx *);
void csm_build_health(csm_section *, const csm_def_section *,
                      const csm_section_spec *, const csm_build_ctx *);
void csm_build_economics(csm_section *, const csm_def_section *,
                         const csm_section_spec *, const csm_build_ctx *);
void csm_build_churn_reasons(csm_section *, const csm_def_section *,
                             const csm_section_spec *, const csm_build_ctx *);
void csm_build_referrals(csm_section *, const csm_def_section *,
                         const csm_section_spec *, const csm_build_ctx *);
void csm_build_restatements(csm_section *, const csm_def_section *,
                            const csm_section_spec *, const csm_build_ctx *);

#endif
