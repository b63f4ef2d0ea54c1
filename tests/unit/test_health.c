/* Unit tests of the health score, bands and score check on the hand fixture
 * fixtures/hand/health (README there lists every row).  Each expected value
 * is derived in a comment from the default config:
 *   weights usage .30, support .15, nps .20, payment .20, engagement .15
 *   usage 0 at <= 0.20, 100 at >= 0.80      support 100 at <= 1, 0 at >= 10
 *   nps 0 at <= 3, 100 at >= 9              payment 100 at 0, 0 at >= 60 days
 *   engagement 100 at <= 14 days, 0 at >= 90   champion penalty 20
 *   green >= 70, yellow >= 40 (edges inclusive), else red.
 * Wilson intervals were printed by R 4.2.2:
 *   prop.test(x, n, correct = FALSE)$conf.int  (options(digits = 17))
 * and AUCs by wilcox.test(stayed, churned)$statistic / (n_stayed *
 * n_churned). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/health.h"
#include "csmetrics/metrics.h"
#include "support/testutil.h"

static void close_at(double got, double want, const char *what,
                     const char *file, int line)
{
    if (!(fabs(got - want) <= 1e-9 * (fabs(want) > 1 ? fabs(want) : 1))) {
        print_error("%s = %.17g, want %.17g\n", what, got, want);
        _fail(file, line);
    }
}
#define CLOSE(got, want) close_at((got), (want), #got, __FILE__, __LINE__)

/* A Wilson interval: x of n with R's limits; lo < 0 means undefined. */
static void prop_at(const csm_prop_ci *p, size_t x, size_t n, double lo,
                    double hi, const char *what, const char *file, int line)
{
    if (p->x != x || p->n != n) {
        print_error("%s = %zu/%zu, want %zu/%zu\n", what, p->x, p->n, x, n);
        _fail(file, line);
    }
    if (lo < 0) {
        if (p->defined) {
            print_error("%s is defined, want undefined (n = 0)\n", what);
            _fail(file, line);
        }
        return;
    }
    if (!p->defined) {
        print_error("%s undefined\n", what);
        _fail(file, line);
    }
    close_at(p->estimate, (double)x / (double)n, what, file, line);
    close_at(p->lo, lo, what, file, line);
    close_at(p->hi, hi, what, file, line);
}
#define PROP_(p, x, n, lo, hi)                                                 \
    prop_at(&(p), (x), (n), (lo), (hi), #p, __FILE__, __LINE__)
/* Expands the CI_ macros (two limits) before PROP_ counts its arguments. */
#define PROP(p, x, n, ...) PROP_(p, x, n, __VA_ARGS__)

/* R: prop.test(x, n, correct = FALSE)$conf.int */
#define CI_1_4 0.045587260809700589, 0.699358157417597992
#define CI_2_6 0.096771411105780455, 0.700006684861607997
#define CI_1_2 0.094531205734230739, 0.905468794265769206
#define CI_1_1 0.2065493143772375, 1.0
#define CI_4_12 0.13812009109121318, 0.60937791112720041
#define CI_3_3 0.43850296824495466, 1.0
#define CI_0_1 0.0, 0.79345068562276255
#define CI_5_11 0.21271271622459767, 0.71990846259067798
#define CI_3_5 0.23072428127601299, 0.88237922576735195
#define CI_2_8 0.071479212752109028, 0.590724569689831003
#define CI_3_10 0.10779126740630104, 0.60322185253885452
#define CI_4_5 0.37553462976252544, 0.96377589136756980
#define CI_9_23 0.22157622792477949, 0.59214477608618288
#define CI_4_9 0.18877852109766463, 0.73334870650450690
#define UNDEF -1.0, -1.0

typedef struct fx {
    csm_dataset *ds;
    csm_health *h;
    csm_config cfg;
} fx;

static void load(fx *f, const char *rel, const csm_config *cfg)
{
    memset(f, 0, sizeof *f);
    if (cfg)
        f->cfg = *cfg;
    else
        csm_config_defaults(&f->cfg);
    char *dir = tu_path(rel);
    csm_diags d = {0};
    assert_int_equal(tu_load(dir, &f->cfg, &f->ds, &d), CSM_OK);
    assert_int_equal(csm_health_run(f->ds, &f->cfg, &f->h, &d), CSM_OK);
    assert_int_equal(csm_diags_errors(&d), 0);
    csm_diags_free(&d);
    free(dir);
}

static void unload(fx *f)
{
    csm_health_free(f->h);
    csm_dataset_free(f->ds);
}

static size_t cust(const fx *f, const char *id)
{
    uint32_t c = csm_ds_find_customer(f->ds, id);
    assert_int_not_equal(c, CSM_NO_CUSTOMER);
    return c;
}

/* Kept score (to 0.01) and band of a customer in month index m. */
static void score_at(const fx *f, int m, const char *id, double want, int band,
                     const char *file, int line)
{
    double got = -1;
    if (!csm_health_score(f->h, m, cust(f, id), &got)) {
        print_error("%s has no score in month %d\n", id, m);
        _fail(file, line);
    }
    close_at(got, want, id, file, line);
    int b = csm_health_band(f->h, m, cust(f, id));
    if (b != band) {
        print_error("%s band %s, want %s\n", id, csm_health_band_name(b),
                    csm_health_band_name(band));
        _fail(file, line);
    }
}
#define SCORE(f, m, id, want, band)                                            \
    score_at((f), (m), (id), (want), (band), __FILE__, __LINE__)

static void test_components(void **state)
{
    (void)state;
    fx f;
    load(&f, "fixtures/hand/health", NULL);
    csm_health_parts p;
    const csm_health_config *hc = &f.cfg.health;

    /* A: 8/10 users = 0.80 -> 100; 0 tickets <= 1 -> 100; NPS 9 -> 100;
     * 0 days past due -> 100; engaged 2024-01-20, 11 days before Jan 31,
     * <= 14 -> 100.  Mean 100. */
    csm_health_components(f.ds, hc, 0, cust(&f, "A"), &p);
    for (int k = 0; k < CSM_HC_COUNT; k++) {
        assert_true(p.present[k]);
        CLOSE(p.score[k], 100);
    }
    CLOSE(p.input[CSM_HC_ENGAGEMENT], 11);
    SCORE(&f, 0, "A", 100, CSM_BAND_GREEN);

    /* B: usage 5/10 = 0.5 -> 100 (0.5 - 0.2) / 0.6 = 50; 4 tickets ->
     * 100 (10 - 4) / 9 = 66.667; NPS 6 -> 100 (6 - 3) / 6 = 50; 30 days
     * past due -> 100 (60 - 30) / 60 = 50; engaged 2023-12-10, 21 + 31 =
     * 52 days -> 100 (90 - 52) / 76 = 50.
     * Mean .30*50 + .15*66.667 + .20*50 + .20*50 + .15*50 = 15 + 10 + 10
     * + 10 + 7.5 = 52.5 -> yellow. */
    csm_health_components(f.ds, hc, 0, cust(&f, "B"), &p);
    CLOSE(p.score[CSM_HC_USAGE], 50);
    CLOSE(p.score[CSM_HC_SUPPORT], 200.0 / 3.0);
    CLOSE(p.score[CSM_HC_NPS], 50);
    CLOSE(p.score[CSM_HC_PAYMENT], 50);
    CLOSE(p.input[CSM_HC_ENGAGEMENT], 52);
    CLOSE(p.score[CSM_HC_ENGAGEMENT], 50);
    CLOSE(p.computed, 52.5);
    assert_false(p.champion_left); /* "false" */
    SCORE(&f, 0, "B", 52.5, CSM_BAND_YELLOW);
    /* Weakest two: usage 50 and NPS 50 tie with payment and engagement;
     * ties go in component order. */
    csm_health_component w[3];
    assert_int_equal(csm_health_weakest(&p, 2, w), 2);
    assert_int_equal(w[0], CSM_HC_USAGE);
    assert_int_equal(w[1], CSM_HC_NPS);

    /* C: NPS 6 -> 50 and 15 days past due -> 100 (60 - 15) / 60 = 75 only;
     * re-weighted (.2*50 + .2*75) / .4 = 62.5 -> yellow. */
    csm_health_components(f.ds, hc, 0, cust(&f, "C"), &p);
    assert_false(p.present[CSM_HC_USAGE]);
    assert_false(p.present[CSM_HC_SUPPORT]);
    assert_false(p.present[CSM_HC_ENGAGEMENT]);
    SCORE(&f, 0, "C", 62.5, CSM_BAND_YELLOW);

    /* D: 13/20 = 0.65 -> 75; NPS 8 -> 83.333; (.3*75 + .2*83.333) / .5 =
     * 78.333; champion left: - 20 = 58.333 -> kept 58.33, yellow. */
    csm_health_components(f.ds, hc, 0, cust(&f, "D"), &p);
    assert_true(p.champion_left);
    CLOSE(p.computed, 58.0 + 1.0 / 3.0);
    SCORE(&f, 0, "D", 58.33, CSM_BAND_YELLOW);

    /* E: 90 days past due >= 60 -> 0; champion (written "true"): 0 - 20
     * floors at 0 -> red. */
    SCORE(&f, 0, "E", 0, CSM_BAND_RED);

    /* F: 1/10 = 0.1 <= 0.2 -> 0 and 60 days -> 0 compute 0, but the
     * supplied 85 wins -> green; its weakest are usage 0, payment 0. */
    csm_health_components(f.ds, hc, 0, cust(&f, "F"), &p);
    assert_true(p.has_computed);
    CLOSE(p.computed, 0);
    assert_true(p.has_supplied);
    assert_int_equal(p.supplied, 85);
    SCORE(&f, 0, "F", 85, CSM_BAND_GREEN);
    assert_true(csm_health_supplied(f.h, 0, cust(&f, "F")));
    assert_false(csm_health_supplied(f.h, 0, cust(&f, "B")));
    assert_int_equal(csm_health_weakest(&p, 2, w), 2);
    assert_int_equal(w[0], CSM_HC_USAGE);
    assert_int_equal(w[1], CSM_HC_PAYMENT);

    /* G: only champion_left, which is a penalty, not a component: no
     * score, no band. */
    csm_health_components(f.ds, hc, 0, cust(&f, "G"), &p);
    assert_true(p.champion_left);
    assert_false(p.has_score);
    double s = -1;
    assert_false(csm_health_score(f.h, 0, cust(&f, "G"), &s));
    assert_int_equal(csm_health_band(f.h, 0, cust(&f, "G")), CSM_BAND_NONE);
    assert_int_equal(csm_health_weakest(&p, 2, w), 0);

    /* H, I: supplied exactly at the edges 70 and 40 (inclusive). */
    SCORE(&f, 0, "H", 70, CSM_BAND_GREEN);
    SCORE(&f, 0, "I", 40, CSM_BAND_YELLOW);
    /* J: 36 days past due -> 100 (60 - 36) / 60 = 40 exactly -> yellow. */
    SCORE(&f, 0, "J", 40, CSM_BAND_YELLOW);

    /* K: 12 active of 10 licensed is capped at 1 -> 100; 10 tickets -> 0;
     * (.3*100 + .15*0) / .45 = 66.667 -> 66.67 yellow. */
    csm_health_components(f.ds, hc, 0, cust(&f, "K"), &p);
    CLOSE(p.input[CSM_HC_USAGE], 1.0);
    SCORE(&f, 0, "K", 66.67, CSM_BAND_YELLOW);

    /* L: 2/10 = 0.2 -> 0; NPS 3 -> 0; engaged 2024-02-15, after the
     * month's end: 0 days -> 100; 15 / .65 = 23.077 -> 23.08 red. */
    csm_health_components(f.ds, hc, 0, cust(&f, "L"), &p);
    CLOSE(p.input[CSM_HC_ENGAGEMENT], 0);
    SCORE(&f, 0, "L", 23.08, CSM_BAND_RED);

    /* M: 5 active of 0 licensed is full usage, as the validator's warning
     * says (capped ratio 1 -> 100); NPS 9 -> 100; score 100. */
    csm_health_components(f.ds, hc, 0, cust(&f, "M"), &p);
    assert_true(p.present[CSM_HC_USAGE]);
    CLOSE(p.input[CSM_HC_USAGE], 1.0);
    CLOSE(p.score[CSM_HC_USAGE], 100);
    SCORE(&f, 0, "M", 100, CSM_BAND_GREEN);
    /* D in Feb: 0 active of 0 licensed says nothing: no usage component
     * (its supplied 80 is the score). */
    csm_health_components(f.ds, hc, 1, cust(&f, "D"), &p);
    assert_false(p.present[CSM_HC_USAGE]);
    assert_false(p.has_computed);
    SCORE(&f, 1, "D", 80, CSM_BAND_GREEN);

    /* Out of range: nothing, never a crash. */
    csm_health_components(f.ds, hc, 99, 0, &p);
    assert_false(p.has_score);
    assert_false(csm_health_score(f.h, -1, 0, &s));
    assert_int_equal(csm_health_band(f.h, 0, 9999), CSM_BAND_NONE);
    unload(&f);
}

static void test_config_changes(void **state)
{
    (void)state;
    csm_config cfg;
    csm_config_defaults(&cfg);
    cfg.health.lower_inclusive = false;
    cfg.health.w_usage = 0; /* usage drops out everywhere */
    fx f;
    load(&f, "fixtures/hand/health", &cfg);
    /* Edges exclusive: 70 is no longer green, 40 no longer yellow. */
    SCORE(&f, 0, "H", 70, CSM_BAND_YELLOW);
    SCORE(&f, 0, "I", 40, CSM_BAND_RED);
    SCORE(&f, 0, "J", 40, CSM_BAND_RED);
    /* B without usage: (.15*66.667 + .2*50 + .2*50 + .15*50) / .70 =
     * 37.5 / .7 = 53.571 -> 53.57. */
    SCORE(&f, 0, "B", 53.57, CSM_BAND_YELLOW);
    /* A weight-0 component is not present, so never among the weakest:
     * B's weakest become NPS and payment (both 50). */
    csm_health_parts p;
    csm_health_components(f.ds, &f.cfg.health, 0, cust(&f, "B"), &p);
    assert_false(p.present[CSM_HC_USAGE]);
    csm_health_component w[2];
    assert_int_equal(csm_health_weakest(&p, 2, w), 2);
    assert_int_equal(w[0], CSM_HC_NPS);
    assert_int_equal(w[1], CSM_HC_PAYMENT);
    /* M: NPS 100 alone once usage is dropped: still 100. */
    SCORE(&f, 0, "M", 100, CSM_BAND_GREEN);
    /* K: usage was one of two; support 0 alone -> 0, red. */
    SCORE(&f, 0, "K", 0, CSM_BAND_RED);
    unload(&f);

    /* csm_health_band_of at and around the edges. */
    csm_config_defaults(&cfg);
    assert_int_equal(csm_health_band_of(&cfg.health, 70), CSM_BAND_GREEN);
    assert_int_equal(csm_health_band_of(&cfg.health, 69.99), CSM_BAND_YELLOW);
    assert_int_equal(csm_health_band_of(&cfg.health, 40), CSM_BAND_YELLOW);
    assert_int_equal(csm_health_band_of(&cfg.health, 39.99), CSM_BAND_RED);
    cfg.health.lower_inclusive = false;
    assert_int_equal(csm_health_band_of(&cfg.health, 70.01), CSM_BAND_GREEN);
    assert_int_equal(csm_health_band_of(&cfg.health, 70), CSM_BAND_YELLOW);
    assert_int_equal(csm_health_band_of(&cfg.health, 40), CSM_BAND_RED);
}

static void tally_is(const csm_health_tally *t, long logos, int64_t mrr)
{
    assert_int_equal(t->logos, logos);
    assert_int_equal(t->mrr, mrr);
}

static void test_distribution(void **state)
{
    (void)state;
    fx f;
    load(&f, "fixtures/hand/health", NULL);
    const csm_health *h = f.h;
    /* Jan: green A 100 + F 600 + H 800 + M 1300 = 2800.00;
     * yellow B 200 + C 300 + D 400 + I 900 + J 1000 + K 1100 = 3900.00;
     * red E 500 + L 1200 = 1700.00; unscored G 700.00.
     * Supplied: F, H, I; computed: the other 9 scored. */
    tally_is(&h->months[0].green, 4, 280000);
    tally_is(&h->months[0].yellow, 6, 390000);
    tally_is(&h->months[0].red, 2, 170000);
    tally_is(&h->months[0].unscored, 1, 70000);
    assert_int_equal(h->months[0].supplied, 3);
    assert_int_equal(h->months[0].computed, 9);
    /* Feb (all supplied; G gone, M blank): green A 75, D 80, F 90, J 72 =
     * 100 + 400 + 600 + 1000 = 2100; yellow B 45, H 65, I 50, L 55 = 200 +
     * 800 + 900 + 1200 = 3100; red C 30, E 10, K 35 = 300 + 500 + 1100 =
     * 1900; unscored M 1300. */
    tally_is(&h->months[1].green, 4, 210000);
    tally_is(&h->months[1].yellow, 4, 310000);
    tally_is(&h->months[1].red, 3, 190000);
    tally_is(&h->months[1].unscored, 1, 130000);
    assert_int_equal(h->months[1].supplied, 11);
    assert_int_equal(h->months[1].computed, 0);
    /* May: A's row has mrr 0 and a score of 90; inactive customers are
     * never in the distribution.  Active: B D F H I J K L M = 9, all
     * unscored: 200+400+600+800+900+1000+1100+1200+1300 = 7500. */
    tally_is(&h->months[4].green, 0, 0);
    tally_is(&h->months[4].unscored, 9, 750000);
    SCORE(&f, 4, "A", 90, CSM_BAND_GREEN); /* scored all the same */
    /* Unscored active customer-months: Jan 1 (G) + Feb 1 (M) + Mar 11 +
     * Apr 10 + May 9 + Jun 10 + Jul 9 + Aug 8 = 59; scored 12 + 11 = 23. */
    assert_int_equal(h->unscored_total, 59);
    assert_int_equal(h->scored_total, 23);
    unload(&f);
}

static void test_score_check(void **state)
{
    (void)state;
    fx f;
    load(&f, "fixtures/hand/health", NULL);
    const csm_health *h = f.h;
    /* 8 months: Jan (window Feb..Jul) and Feb (Mar..Aug) have six months
     * after them. */
    assert_int_equal(h->check_horizon, 6);
    assert_int_equal(h->n_checks, 2);

    /* Jan.  Churned in Feb..Jul: A (gone May), B (Jul), C (Apr, back in
     * Jun: a churn all the same), E (Mar), G (Feb).  K leaves in Aug,
     * outside the window.
     * green A F H M: 1/4; yellow B C D I J K: 2/6; red E L: 1/2;
     * unscored G: 1/1; scored 12, churned 4 (A B C E).
     * red flag: precision 1 (E) of 2 red; recall 1 of 4 churned. */
    const csm_health_check *c = &h->checks[0];
    assert_int_equal(c->month, csm_month_from_ym(2024, 1));
    assert_int_equal(c->active, 13);
    assert_int_equal(c->scored, 12);
    PROP(c->green, 1, 4, CI_1_4);
    PROP(c->yellow, 2, 6, CI_2_6);
    PROP(c->red, 1, 2, CI_1_2);
    PROP(c->unscored, 1, 1, CI_1_1);
    PROP(c->all_scored, 4, 12, CI_4_12);
    PROP(c->red_precision, 1, 2, CI_1_2);
    PROP(c->red_recall, 1, 4, CI_1_4);
    /* AUC, positive = stayed.  Stayed D 58.33 F 85 H 70 I 40 J 40
     * K 66.67 L 23.08 M 100; churned A 100, B 52.5, C 62.5, E 0.
     * Pairs won by the stayed score: D 2 (52.5, 0), F 3, H 3, I 1, J 1,
     * K 3, L 1, M 3 + 0.5 (tie with A) = 17.5 of 8 * 4 = 32 -> 0.546875.
     * R: wilcox.test(c(58.33,85,70,40,40,66.67,23.08,100),
     *   c(100,52.5,62.5,0))$statistic / 32 = 0.546875. */
    assert_true(c->auc.defined);
    assert_int_equal(c->auc.n_pos, 8);
    assert_int_equal(c->auc.n_neg, 4);
    CLOSE(c->auc.auc, 0.546875);

    /* Feb.  Churned in Mar..Aug: A B C E K.  green A D F J: 1/4; yellow
     * B H I L: 1/4; red C E K: 3/3; unscored M: 0/1; scored 11, churned 5.
     * precision 3/3, recall 3/5.
     * AUC: stayed D 80 F 90 H 65 I 50 J 72 L 55, churned A 75 B 45 C 30
     * E 10 K 35: D 5, F 5, H 4, I 4, J 4, L 4 = 26 of 30 = 0.86667. */
    c = &h->checks[1];
    assert_int_equal(c->month, csm_month_from_ym(2024, 2));
    PROP(c->green, 1, 4, CI_1_4);
    PROP(c->yellow, 1, 4, CI_1_4);
    PROP(c->red, 3, 3, CI_3_3);
    PROP(c->unscored, 0, 1, CI_0_1);
    PROP(c->all_scored, 5, 11, CI_5_11);
    PROP(c->red_precision, 3, 3, CI_3_3);
    PROP(c->red_recall, 3, 5, CI_3_5);
    CLOSE(c->auc.auc, 26.0 / 30.0);

    /* Pooled customer-months: green 2/8, yellow 3/10, red 4/5, unscored
     * 1/2, scored 9/23; precision 4/5, recall 4/9.
     * AUC over the 14 stayed and 9 churned: within Jan 17.5, within Feb
     * 26, Jan stayed vs Feb churned 4+5+4+3+3+4+1+5 = 29, Feb stayed vs
     * Jan churned 3+3+3+1+3+2 = 15; 87.5 / 126 = 0.69444.
     * R: wilcox.test(c(jan stayed, feb stayed), c(jan churned, feb
     * churned))$statistic / 126 = 0.69444444444444442. */
    c = &h->pooled;
    assert_int_equal(c->months, 2);
    assert_int_equal(c->active, 25);
    assert_int_equal(c->scored, 23);
    PROP(c->green, 2, 8, CI_2_8);
    PROP(c->yellow, 3, 10, CI_3_10);
    PROP(c->red, 4, 5, CI_4_5);
    PROP(c->unscored, 1, 2, CI_1_2);
    PROP(c->all_scored, 9, 23, CI_9_23);
    PROP(c->red_precision, 4, 5, CI_4_5);
    PROP(c->red_recall, 4, 9, CI_4_9);
    assert_int_equal(c->auc.n_pos, 14);
    assert_int_equal(c->auc.n_neg, 9);
    CLOSE(c->auc.auc, 87.5 / 126.0);

    /* The pooled AUC is counted from score histograms; it must equal
     * csm_stats_auc on the same 23 customer-months. */
    double sc[] = {58.33, 85, 70, 40, 40, 66.67, 23.08, 100, 100, 52.5, 62.5, 0,
                   80,    90, 65, 50, 72, 55,    75,    45,  30,  10,   35};
    bool stayed[23];
    for (int i = 0; i < 23; i++)
        stayed[i] = i < 8 || (i >= 12 && i < 18);
    csm_auc ref;
    assert_int_equal(csm_stats_auc(sc, stayed, 23, &ref), CSM_OK);
    CLOSE(c->auc.auc, ref.auc);
    unload(&f);
}

static void test_no_inputs_short_data(void **state)
{
    (void)state;
    /* basic: 5 months, no health columns.  Nothing is scored, every active
     * customer-month is unscored (6+6+5+6+6 = 29), and no month has six
     * months after it: no check rows, pooled rates and AUC undefined. */
    fx f;
    load(&f, "fixtures/hand/basic", NULL);
    assert_int_equal(f.h->scored_total, 0);
    assert_int_equal(f.h->unscored_total, 29);
    assert_int_equal(f.h->n_checks, 0);
    assert_int_equal(f.h->pooled.months, 0);
    PROP(f.h->pooled.green, 0, 0, UNDEF);
    PROP(f.h->pooled.red_recall, 0, 0, UNDEF);
    assert_false(f.h->pooled.auc.defined);
    unload(&f);
}

static void test_bad_level(void **state)
{
    (void)state;
    /* A ci_level the config would refuse reaches the Wilson call: an error
     * with a diagnostic, nothing allocated. */
    csm_config cfg;
    csm_config_defaults(&cfg);
    char *dir = tu_path("fixtures/hand/health");
    csm_dataset *ds = NULL;
    csm_diags d = {0};
    assert_int_equal(tu_load(dir, &cfg, &ds, &d), CSM_OK);
    cfg.ci_level = 1.5;
    static csm_health dummy;
    csm_health *h = &dummy; /* must come back NULL */
    assert_int_equal(csm_health_run(ds, &cfg, &h, &d), CSM_EUSAGE);
    assert_null(h);
    assert_int_equal(csm_diags_errors(&d), 1);
    csm_diags_free(&d);
    csm_dataset_free(ds);
    free(dir);
}

static void test_json(void **state)
{
    (void)state;
    char *dir = tu_path("fixtures/hand/health");
    const char *args[] = {"metrics", "--data", dir, "--json", NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(tu_run(args, &out, &err), 0);
    assert_non_null(strstr(out, "\"health\": {"));
    assert_non_null(strstr(out, "\"score_check\": {"));
    assert_non_null(strstr(out, "\"auc_means\": "));
    /* The pooled AUC, 87.5 / 126. */
    assert_non_null(strstr(out, "\"value\": 0.6944444444444444"));
    /* 59 unscored active customer-months (test_distribution). */
    assert_non_null(strstr(out, "\"unscored_customer_months\": 59"));
    free(out);
    free(err);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_components),
        cmocka_unit_test(test_config_changes),
        cmocka_unit_test(test_distribution),
        cmocka_unit_test(test_score_check),
        cmocka_unit_test(test_no_inputs_short_data),
        cmocka_unit_test(test_bad_level),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
