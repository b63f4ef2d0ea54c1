/* The at-risk cohort of a flag month and the rolling view over every flag
 * month (include/csmetrics/at_risk.h, docs/metrics/at_risk.md).
 *
 * One routine, follow(), evaluates every customer of a flag month; the
 * chosen flag month keeps the member rows and per-month figures, the
 * rolling view keeps only the summary.  Cost: n_months * n_customers * k
 * reads of MRR and band, a few hundred million at 100,000 customers over
 * 60 months, with no allocation per flag month. */
#include "csmetrics/at_risk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/xalloc.h"

const char *csm_at_risk_state_name(csm_at_risk_state s)
{
    static const char *const names[CSM_AR_STATES] = {"churned", "red", "yellow",
                                                     "green", "unscored"};
    return (unsigned)s < CSM_AR_STATES ? names[s] : "?";
}

const char *csm_at_risk_outcome_name(csm_at_risk_outcome o)
{
    static const char *const names[CSM_AR_OUTCOMES] = {
        "churned", "contracted", "recovered", "still_at_risk"};
    return (o >= 0 && o < CSM_AR_OUTCOMES) ? names[o] : NULL;
}

int csm_at_risk_default_flag(int report_month, int months)
{
    return report_month - months >= 0 ? report_month - months : 0;
}

static csm_at_risk_state state_of(const csm_dataset *ds, const csm_health *h,
                                  int m, size_t c)
{
    if (ds->mrr[m][c] <= 0)
        return CSM_AR_CHURNED;
    switch (csm_health_band(h, m, c)) {
    case CSM_BAND_RED:
        return CSM_AR_RED;
    case CSM_BAND_YELLOW:
        return CSM_AR_YELLOW;
    case CSM_BAND_GREEN:
        return CSM_AR_GREEN;
    default:
        return CSM_AR_UNSCORED;
    }
}

/* The churn reason of customer c that churned in calendar month churn,
 * looking at reasons dated from the flag month to E: the one whose month
 * is nearest the churn month, the first listed on a tie (files date a
 * reason by the churn month or by the last active month, both occur). */
static void find_reason(const csm_dataset *ds, size_t c, csm_month from,
                        csm_month to, csm_month churn, csm_at_risk_member *mem)
{
    long best = -1;
    for (size_t i = 0; i < ds->n_reasons; i++) {
        const csm_churn_reason *r = &ds->reasons[i];
        if (r->customer != c || r->month < from || r->month > to)
            continue;
        long d = r->month > churn ? r->month - churn : churn - r->month;
        if (best < 0 || d < best) {
            best = d;
            mem->reason = (int32_t)r->reason;
            mem->reason_category = r->category;
        }
    }
}

/* Fills the fields of a member that depend on months after F.  obs months
 * are observed (0..k); E = F + obs. */
static void track(const csm_dataset *ds, const csm_health *h, int F, int obs,
                  size_t c, csm_at_risk_member *mem)
{
    memset(mem->states, CSM_AR_NOT_OBSERVED, sizeof mem->states);
    mem->months_to_recovery = 0;
    mem->churned_within = false;
    for (int j = 1; j <= obs; j++) {
        csm_at_risk_state s = state_of(ds, h, F + j, c);
        mem->states[j - 1] = (uint8_t)s;
        if (s == CSM_AR_CHURNED)
            mem->churned_within = true;
        if (s == CSM_AR_GREEN && !mem->months_to_recovery)
            mem->months_to_recovery = j;
    }
    int E = F + obs;
    mem->mrr_now = ds->mrr[E][c];
    if (obs == 0)
        mem->outcome = CSM_AR_OUT_NONE;
    else if (mem->mrr_now <= 0)
        mem->outcome = CSM_AR_OUT_CHURNED;
    else if (mem->mrr_now < mem->mrr_flag)
        mem->outcome = CSM_AR_OUT_CONTRACTED;
    else if (csm_health_band(h, E, c) == CSM_BAND_GREEN)
        mem->outcome = CSM_AR_OUT_RECOVERED;
    else
        mem->outcome = CSM_AR_OUT_STILL_AT_RISK;
}

/* Counts of the green baseline and cohort churn before intervals. */
typedef struct churn_counts {
    size_t cohort_churned, green, green_churned;
} churn_counts;

/* Evaluates flag month F followed k months: fills s, and when r is not
 * NULL also r's member rows, per-month figures and recovery counts. */
static csm_error follow(const csm_dataset *ds, const csm_config *cfg,
                        const csm_health *h, int F, int k, int bands,
                        csm_at_risk_summary *s, csm_at_risk *r)
{
    memset(s, 0, sizeof *s);
    int obs = ds->n_months - 1 - F;
    if (obs > k)
        obs = k;
    int E = F + obs;
    s->flag_month = csm_dataset_month(ds, F);
    s->flag_index = F;
    s->observed = obs;
    s->complete = obs == k;
    s->as_of = csm_dataset_month(ds, E);
    churn_counts cc = {0, 0, 0};
    size_t cap = 0;
    if (r) {
        for (int j = 1; j <= k; j++) {
            csm_at_risk_month *am = &r->months[j - 1];
            memset(am, 0, sizeof *am);
            am->month = s->flag_month + j;
            am->offset = j;
            am->observed = j <= obs;
        }
    }
    long surviving[CSM_AT_RISK_MAX_MONTHS] = {0};
    long recovered[CSM_AT_RISK_MAX_MONTHS] = {0};
    long baseline[CSM_AT_RISK_MAX_MONTHS] = {0};
    csm_day win_lo = csm_month_first_day(s->flag_month + 1);
    csm_day win_hi = csm_month_last_day(s->flag_month + k);
    for (size_t c = 0; c < ds->n_customers; c++) {
        int64_t mrr_f = ds->mrr[F][c];
        if (mrr_f <= 0)
            continue;
        s->active++;
        int band = csm_health_band(h, F, c);
        if (band == CSM_BAND_NONE) {
            s->unscored++;
            continue;
        }
        csm_at_risk_member mem;
        memset(&mem, 0, sizeof mem);
        mem.customer = (uint32_t)c;
        mem.mrr_flag = mrr_f;
        if (band == CSM_BAND_GREEN) {
            /* Baseline: the same churn measure over the same months. */
            track(ds, h, F, obs, c, &mem);
            cc.green++;
            cc.green_churned += mem.churned_within;
            /* Its survival curve, for the chosen flag month only. */
            bool up = true;
            for (int j = 1; r && j <= obs; j++) {
                up = up && mem.states[j - 1] != CSM_AR_CHURNED;
                baseline[j - 1] += up;
            }
        }
        if (!(band & bands))
            continue;
        if (band != CSM_BAND_GREEN)
            track(ds, h, F, obs, c, &mem);
        s->logos++;
        s->red += band == CSM_BAND_RED;
        s->yellow += band == CSM_BAND_YELLOW;
        s->green += band == CSM_BAND_GREEN;
        s->mrr_at_risk += mrr_f; /* bounded by the checked month total */
        s->mrr_now += mem.mrr_now;
        cc.cohort_churned += mem.churned_within;
        if (mem.outcome != CSM_AR_OUT_NONE) {
            s->outcome[mem.outcome]++;
            s->outcome_mrr[mem.outcome] += mrr_f;
            if (mem.outcome == CSM_AR_OUT_CHURNED)
                s->mrr_lost += mrr_f;
            else if (mem.outcome == CSM_AR_OUT_CONTRACTED)
                s->mrr_lost += mrr_f - mem.mrr_now;
        }
        if (!r)
            continue;

        /* Per-month figures and the member row of the chosen flag month. */
        bool alive = true, rec = false;
        for (int j = 1; j <= obs; j++) {
            csm_at_risk_month *am = &r->months[j - 1];
            csm_at_risk_state st = (csm_at_risk_state)mem.states[j - 1];
            int64_t now = ds->mrr[F + j][c];
            am->logos[st]++;
            am->mrr[st] += now > 0 ? now : 0;
            am->cohort_mrr += now > 0 ? now : 0;
            am->capped_mrr += now < mrr_f ? (now > 0 ? now : 0) : mrr_f;
            alive = alive && st != CSM_AR_CHURNED;
            rec = rec || st == CSM_AR_GREEN;
            surviving[j - 1] += alive;
            recovered[j - 1] += rec;
        }
        if (mem.months_to_recovery)
            r->recovered_at[mem.months_to_recovery - 1]++;
        mem.band = band;
        double sc = 0;
        csm_health_score(h, F, c, &sc);
        mem.score = sc;
        mem.score_supplied = csm_health_supplied(h, F, c);
        mem.owner = csm_ds_attr(ds, F, CSM_ATTR_OWNER, c);
        mem.segment = csm_ds_attr(ds, F, CSM_ATTR_SEGMENT, c);
        int32_t te = csm_ds_attr(ds, F, CSM_ATTR_TERM_END, c);
        mem.renewal = te == CSM_NA ? CSM_NO_DATE : te;
        mem.renewal_in_window = te == CSM_NA || (te >= win_lo && te <= win_hi);
        csm_health_parts parts;
        csm_health_components(ds, &cfg->health, F, c, &parts);
        mem.n_weakest = csm_health_weakest(&parts, 2, mem.weakest);
        /* Shown to 0.01 like the score itself. */
        for (int i = 0; i < mem.n_weakest; i++)
            mem.weakest_score[i] =
                (double)lround(parts.score[mem.weakest[i]] * 100.0) / 100.0;
        mem.reason = CSM_NA;
        if (mem.outcome == CSM_AR_OUT_CHURNED) {
            /* Churn month: the month after the last active one. */
            int last = E;
            while (last > F && ds->mrr[last][c] <= 0)
                last--;
            find_reason(ds, c, s->flag_month, s->as_of,
                        csm_dataset_month(ds, last + 1), &mem);
        }
        if (r->n_members == cap) {
            cap = cap ? cap * 2 : 64;
            r->members = csm_xreallocarray(r->members, cap, sizeof *r->members);
        }
        r->members[r->n_members++] = mem;
    }

    if (obs > 0) {
        for (int o = 0; o < CSM_AR_OUTCOMES; o++)
            s->outcome_share[o] = csm_ratio_i64(s->outcome[o], s->logos);
        s->mrr_lost_share = csm_ratio_i64(s->mrr_lost, s->mrr_at_risk);
    }
    s->baseline = (long)cc.green;
    double level = cfg->ci_level;
    csm_error rc = CSM_OK;
    if (obs > 0) {
        size_t n = (size_t)s->logos;
        rc = csm_stats_wilson(n - (size_t)s->outcome[CSM_AR_OUT_CHURNED], n,
                              level, &s->save_rate);
        if (rc == CSM_OK)
            rc =
                csm_stats_wilson(cc.cohort_churned, n, level, &s->cohort_churn);
        if (rc == CSM_OK)
            rc = csm_stats_wilson(cc.green_churned, cc.green, level,
                                  &s->green_churn);
    }
    if (r) {
        for (int j = 1; j <= obs; j++) {
            csm_at_risk_month *am = &r->months[j - 1];
            am->nrr = csm_ratio_i64(am->cohort_mrr, s->mrr_at_risk);
            am->grr = csm_ratio_i64(am->capped_mrr, s->mrr_at_risk);
            am->surviving = surviving[j - 1];
            am->logo_survival = csm_ratio_i64(am->surviving, s->logos);
            am->recovered_so_far = recovered[j - 1];
            am->recovered_share = csm_ratio_i64(am->recovered_so_far, s->logos);
            am->baseline_surviving = baseline[j - 1];
            am->baseline_survival =
                csm_ratio_i64(am->baseline_surviving, (int64_t)cc.green);
        }
    }
    return rc;
}

static int by_mrr_desc(const void *a, const void *b)
{
    const csm_at_risk_member *x = a, *y = b;
    if (x->mrr_flag != y->mrr_flag)
        return x->mrr_flag > y->mrr_flag ? -1 : 1;
    return x->customer < y->customer ? -1 : x->customer > y->customer;
}

static csm_error recovery_median(csm_at_risk *r)
{
    size_t n = (size_t)r->recovered;
    double *v = csm_xcalloc(n ? n : 1, sizeof *v);
    size_t i = 0;
    for (int j = 1; j <= r->follow; j++)
        for (long t = 0; t < r->recovered_at[j - 1]; t++)
            v[i++] = j;
    csm_error rc = csm_stats_median(v, n, &r->median_recovery);
    free(v);
    return rc;
}

csm_error csm_at_risk_run(const csm_dataset *ds, const csm_config *cfg,
                          const csm_health *health, int flag_month, int months,
                          csm_at_risk **out, csm_diags *diag)
{
    *out = NULL;
    int k = months ? months : cfg->at_risk_months;
    if (flag_month < 0 || flag_month >= ds->n_months || k < 1 ||
        k > CSM_AT_RISK_MAX_MONTHS) {
        char a[CSM_DATE_BUFSZ], b[CSM_DATE_BUFSZ];
        csm_diags_add(diag, CSM_SEV_ERROR, "at-risk-flag", NULL,
                      "at-risk flag month index %d, %d months (expected a "
                      "loaded month %s..%s and 1..%d months)",
                      flag_month, k, csm_month_format(ds->first_month, a),
                      csm_month_format(ds->first_month + ds->n_months - 1, b),
                      CSM_AT_RISK_MAX_MONTHS);
        return CSM_EUSAGE;
    }
    csm_at_risk *r = csm_xcalloc(1, sizeof *r);
    r->follow = k;
    r->bands = cfg->health.at_risk_bands;
    csm_error rc =
        follow(ds, cfg, health, flag_month, k, r->bands, &r->summary, r);
    for (int j = 0; j < k; j++)
        r->recovered += r->recovered_at[j];
    if (rc == CSM_OK)
        rc = recovery_median(r);
    if (r->n_members > 1)
        qsort(r->members, r->n_members, sizeof *r->members, by_mrr_desc);
    /* Rolling view: every flag month whose k months are loaded. */
    int last_flag = ds->n_months - 1 - k;
    if (rc == CSM_OK && last_flag >= 0) {
        r->rolling = csm_xcalloc((size_t)last_flag + 1, sizeof *r->rolling);
        for (int f = 0; f <= last_flag && rc == CSM_OK; f++)
            rc = follow(ds, cfg, health, f, k, r->bands,
                        &r->rolling[r->n_rolling++], NULL);
    }
    if (rc != CSM_OK) {
        csm_diags_add(diag, CSM_SEV_ERROR, "at-risk-stats", NULL,
                      "the at-risk cohort statistics failed: %s (expected a "
                      "ci_level in 0.5..0.999)",
                      csm_strerror(rc));
        csm_at_risk_free(r);
        return rc;
    }
    *out = r;
    return CSM_OK;
}

void csm_at_risk_free(csm_at_risk *r)
{
    if (!r)
        return;
    free(r->members);
    free(r->rolling);
    free(r);
}
