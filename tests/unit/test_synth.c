/* Unit tests of synth/: determinism, the files parse with the project's
 * reader and keep every promise the loader checks, the realism the reports
 * depend on is there, and failures leave nothing half-written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csmetrics/csv_reader.h"
#include "csmetrics/date.h"
#include "csmetrics/diag.h"
#include "csmetrics/money.h"
#include "csmetrics/strtab.h"
#include "csmetrics/synth.h"
#include "csmetrics/xalloc.h"

/* ------------------------------------------------------------ helpers */
static char *make_tmpdir(void)
{
    const char *base = getenv("CSM_TMP");
    if (!base || !*base)
        base = "/tmp";
    mkdir(base, 0777);
    char *t = csm_xasprintf("%s/synth-XXXXXX", base);
    assert_non_null(mkdtemp(t));
    return t;
}

/* Removes dir and everything below it (the generator makes two levels). */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = csm_xasprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(p);
        else
            unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(dir);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in dir (without "." and ".."); *n set to their count. */
static char **list_dir(const char *dir, size_t *n)
{
    char **names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        names = csm_xreallocarray(names, *n + 1, sizeof *names);
        names[(*n)++] = csm_xstrdup(e->d_name);
    }
    closedir(d);
    if (*n)
        qsort(names, *n, sizeof *names, cmp_str);
    return names;
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len + 65536 > cap) {
            cap = cap ? cap * 2 : 65536;
            buf = csm_xrealloc(buf, cap);
        }
        size_t got = fread(buf + *len, 1, cap - *len, f);
        *len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    return buf;
}

/* FNV-1a over every file's relative name and bytes, in sorted order. */
static uint64_t hash_tree(const char *dir)
{
    static const char *const top[] = {"churn_reasons.csv", "costs.csv",
                                      "fx.csv", "referrals.csv"};
    uint64_t h = 1469598103934665603u;
    char *snap = csm_xasprintf("%s/snapshots", dir);
    size_t n;
    char **names = list_dir(snap, &n);
    for (size_t i = 0; i < n + 4; i++) {
        char *p = i < 4 ? csm_xasprintf("%s/%s", dir, top[i])
                        : csm_xasprintf("%s/%s", snap, names[i - 4]);
        size_t len;
        char *data = read_all(p, &len);
        const char *name = strrchr(p, '/') + 1;
        h = (h ^ csm_hash_bytes(name, strlen(name))) * 1099511628211u;
        h = (h ^ csm_hash_bytes(data, len)) * 1099511628211u;
        free(data);
        free(p);
    }
    free_list(names, n);
    free(snap);
    return h;
}

static bool has_rule(const csm_diags *d, const char *rule)
{
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->items[i].rule, rule))
            return true;
    return false;
}

static csm_error generate(const char *dir, size_t customers, int months,
                          uint64_t seed, csm_month start)
{
    csm_synth_options opt = {
        .customers = customers, .months = months, .seed = seed, .start = start};
    csm_diags diag = {0};
    csm_error rc = csm_synth_run(&opt, dir, &diag);
    if (rc != CSM_OK)
        csm_diags_print(&diag, stderr, CSM_SEV_INFO, 20);
    csm_diags_free(&diag);
    return rc;
}

/* -------------------------------------------------------------- tests */
static void test_bad_options(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *out = csm_xasprintf("%s/out", dir);
    struct {
        size_t customers;
        int months;
        csm_month start;
    } bad[] = {
        {0, 12, CSM_NO_MONTH},
        {10, 0, CSM_NO_MONTH},
        {10, CSM_SYNTH_MAX_MONTHS + 1, CSM_NO_MONTH},
        {CSM_SYNTH_MAX_CUSTOMERS + 1, 12, CSM_NO_MONTH},
        {10, 12, csm_month_from_ym(1900, 1)}, /* contracts before 1900 */
        {10, 12, INT32_MAX - 5},              /* must not overflow */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        csm_synth_options opt = {.customers = bad[i].customers,
                                 .months = bad[i].months,
                                 .start = bad[i].start};
        csm_diags diag = {0};
        assert_int_equal(csm_synth_run(&opt, out, &diag), CSM_EUSAGE);
        assert_int_equal(csm_diags_errors(&diag), 1);
        csm_diags_free(&diag);
        /* A usage error writes nothing, not even the folder. */
        struct stat st;
        assert_int_not_equal(stat(out, &st), 0);
    }
    csm_synth_options opt = {.customers = 10, .months = 3};
    assert_int_equal(csm_synth_run(&opt, NULL, NULL), CSM_EUSAGE);
    assert_int_equal(csm_synth_run(&opt, "", NULL), CSM_EUSAGE);
    remove_tree(dir);
    free(out);
    free(dir);
}

static void count_progress(void *ctx, int done, int total)
{
    int *calls = ctx;
    assert_int_equal(done, ++*calls);
    assert_int_equal(total, 14);
}

static void test_deterministic(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *a = csm_xasprintf("%s/a", dir), *b = csm_xasprintf("%s/b/c", dir),
         *c = csm_xasprintf("%s/c", dir);
    int calls = 0;
    csm_synth_options opt = {.customers = 150,
                             .months = 14,
                             .seed = 7,
                             .progress = count_progress,
                             .progress_ctx = &calls};
    csm_diags diag = {0};
    assert_int_equal(csm_synth_run(&opt, a, &diag), CSM_OK);
    assert_int_equal(csm_diags_errors(&diag), 0);
    assert_int_equal(calls, 14);
    /* Zeroed start means 2022-07; one file per month, contiguous. */
    char *snap = csm_xasprintf("%s/snapshots", a);
    size_t n;
    char **names = list_dir(snap, &n);
    assert_int_equal(n, 14);
    assert_string_equal(names[0], "2022-07.csv");
    assert_string_equal(names[13], "2023-08.csv");
    free_list(names, n);
    free(snap);

    /* b also tests that missing parent folders are created. */
    assert_int_equal(generate(b, 150, 14, 7, CSM_NO_MONTH), CSM_OK);
    assert_int_equal(generate(c, 150, 14, 8, CSM_NO_MONTH), CSM_OK);
    uint64_t ha = hash_tree(a), hb = hash_tree(b), hc = hash_tree(c);
    assert_true(ha == hb);
    assert_true(ha != hc);
    /* Regenerating in place over the same months is allowed and gives
     * the same bytes again. */
    assert_int_equal(generate(a, 150, 14, 7, CSM_NO_MONTH), CSM_OK);
    assert_true(hash_tree(a) == ha);
    csm_diags_free(&diag);
    remove_tree(dir);
    free(a);
    free(b);
    free(c);
    free(dir);
}

/* ------------------------------------------- reading the data set back */
#define N_CUST 300
#define N_MONTHS 30

static const char *const header[] = {"customer_id",
                                     "customer_name",
                                     "subscription_id",
                                     "segment",
                                     "plan",
                                     "currency",
                                     "csm_owner",
                                     "contract_start",
                                     "term_end",
                                     "first_value_date",
                                     "mrr",
                                     "active_users",
                                     "licensed_users",
                                     "open_tickets",
                                     "nps",
                                     "days_past_due",
                                     "last_engagement",
                                     "champion_left",
                                     "health_score"};
#define N_COLS (sizeof header / sizeof *header)
enum {
    F_ID,
    F_NAME,
    F_SUB,
    F_SEG,
    F_PLAN,
    F_CUR,
    F_OWNER,
    F_START,
    F_TERM,
    F_FV,
    F_MRR,
    F_ACT,
    F_LIC,
    F_TICKETS,
    F_NPS,
    F_DPD,
    F_ENG,
    F_CHAMP,
    F_SCORE
};

typedef struct seen {
    csm_day contract_start;
    csm_day fv;      /* first value as first shown, CSM_NO_DATE */
    int fv_month;    /* month index it was first shown, -1 */
    int first_month; /* first month active, -1 */
    char currency[4];
    uint8_t rows[N_MONTHS];  /* rows in each month */
    int16_t usage[N_MONTHS]; /* active/licensed in permille, -1 */
} seen;

typedef struct check {
    seen cust[N_CUST];
    csm_month start;
    int month; /* month index of the file being read */
    csm_day month_last;
    char **keys; /* customer_id/subscription_id of this month */
    size_t n_keys;
    /* Counts over the whole set. */
    size_t names_quoted, names_newline, names_non_ascii;
    size_t rows, score_rows, nps_blank;
    size_t eur, gbp, usd;
    /* Side files. */
    int cost_rows, fx_rows;
    size_t reasons, referrals, referrals_converted;
    size_t dq_controllable, dq_uncontrollable;
} check;

static bool field_is(const csm_csv_record *r, size_t i, const char *s)
{
    return r->lens[i] == strlen(s) && !memcmp(r->fields[i], s, r->lens[i]);
}

static void expect_header(const csm_csv_record *r, const char *const *names,
                          size_t n)
{
    assert_int_equal(r->n_fields, n);
    for (size_t i = 0; i < n; i++)
        assert_true(field_is(r, i, names[i]));
}

static csm_day date_of(const csm_csv_record *r, size_t i)
{
    csm_day d = CSM_NO_DATE;
    assert_int_equal(csm_date_parse(r->fields[i], r->lens[i], &d), CSM_DATE_OK);
    return d;
}

static csm_day opt_date(const csm_csv_record *r, size_t i)
{
    return r->lens[i] == 0 ? CSM_NO_DATE : date_of(r, i);
}

/* Index of a customer id "C000123" (→ 122). */
static size_t cust_index(const csm_csv_record *r, size_t i)
{
    const char *s = r->fields[i];
    assert_int_equal(r->lens[i], 7);
    assert_int_equal(s[0], 'C');
    size_t v = 0;
    for (size_t k = 1; k < 7; k++) {
        assert_true(s[k] >= '0' && s[k] <= '9');
        v = v * 10 + (size_t)(s[k] - '0');
    }
    assert_true(v >= 1 && v <= N_CUST);
    return v - 1;
}

static long small_int(const csm_csv_record *r, size_t i, long lo, long hi)
{
    assert_true(r->lens[i] > 0 && r->lens[i] < 10);
    char *end;
    long v = strtol(r->fields[i], &end, 10);
    assert_true(*end == '\0' && r->fields[i][0] != '-' &&
                r->fields[i][0] != '+');
    assert_true(v >= lo && v <= hi);
    return v;
}

/* Exactly two decimals, positive, parsed without floating point. */
static int64_t amount(const csm_csv_record *r, size_t i)
{
    size_t n = r->lens[i];
    assert_true(n >= 4 && r->fields[i][n - 3] == '.');
    int64_t v = 0;
    assert_int_equal(csm_money_parse(r->fields[i], n, 2, &v), CSM_MONEY_OK);
    return v;
}

static csm_error on_snapshot(void *ctx, const csm_csv_record *r)
{
    check *k = ctx;
    if (r->number == 1) {
        expect_header(r, header, N_COLS);
        return CSM_OK;
    }
    assert_int_equal(r->n_fields, N_COLS);
    k->rows++;
    size_t c = cust_index(r, F_ID);
    seen *s = &k->cust[c];
    int m = k->month;

    /* No (customer, subscription) twice in a month. */
    k->keys = csm_xreallocarray(k->keys, k->n_keys + 1, sizeof *k->keys);
    k->keys[k->n_keys++] =
        csm_xasprintf("%s/%s", r->fields[F_ID], r->fields[F_SUB]);

    /* The customer's fixed facts never change. */
    csm_day cs = date_of(r, F_START);
    assert_true(cs <= k->month_last);
    if (s->first_month < 0) {
        s->first_month = m;
        s->contract_start = cs;
        assert_true(r->lens[F_CUR] == 3);
        memcpy(s->currency, r->fields[F_CUR], 4);
        if (field_is(r, F_CUR, "EUR"))
            k->eur++;
        else if (field_is(r, F_CUR, "GBP"))
            k->gbp++;
        else if (field_is(r, F_CUR, "USD"))
            k->usd++;
        else
            fail_msg("unexpected currency %s", r->fields[F_CUR]);
        /* Names: valid UTF-8 (the reader checks too), some that only
         * survive with quoting, some beyond ASCII. */
        const char *name = r->fields[F_NAME];
        size_t len = r->lens[F_NAME];
        assert_true(len > 0);
        assert_int_equal(csm_utf8_invalid_at(name, len), len);
        if (strpbrk(name, ",\"\n"))
            k->names_quoted++;
        if (strchr(name, '\n'))
            k->names_newline++;
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)name[i] >= 0x80) {
                k->names_non_ascii++;
                break;
            }
    } else {
        assert_int_equal(s->contract_start, cs);
        assert_string_equal(s->currency, r->fields[F_CUR]);
    }

    csm_day te = opt_date(r, F_TERM);
    if (te != CSM_NO_DATE) {
        assert_true(te >= cs);
        assert_true(te > k->month_last); /* a term in force */
    }
    /* First value: on or after the sale, shown from the month it happened
     * and in every later row, never before. */
    csm_day fv = opt_date(r, F_FV);
    if (fv != CSM_NO_DATE) {
        assert_true(fv >= cs);
        assert_true(fv <= k->month_last);
        if (s->fv_month < 0) {
            s->fv = fv;
            s->fv_month = m;
            /* Shown late only when it predates the customer's first row. */
            if (csm_day_month(fv) < k->start + m)
                assert_int_equal(s->first_month, m);
        }
        assert_int_equal(s->fv, fv);
    } else {
        assert_true(s->fv_month < 0);
    }
    csm_day eng = date_of(r, F_ENG);
    assert_true(eng >= cs && eng <= k->month_last);

    assert_true(amount(r, F_MRR) > 0);
    if (r->lens[F_LIC]) {
        long lic = small_int(r, F_LIC, 1, 1000000);
        long act = small_int(r, F_ACT, 0, lic);
        small_int(r, F_TICKETS, 0, 1000);
        s->usage[m] = (int16_t)(act * 1000 / lic);
    } else {
        assert_int_equal(r->lens[F_ACT], 0);
    }
    if (r->lens[F_NPS])
        small_int(r, F_NPS, 0, 10);
    else
        k->nps_blank++;
    small_int(r, F_DPD, 0, 10000);
    assert_true(field_is(r, F_CHAMP, "0") || field_is(r, F_CHAMP, "1"));
    if (r->lens[F_SCORE]) {
        small_int(r, F_SCORE, 0, 100);
        k->score_rows++;
    }
    s->rows[m]++;
    return CSM_OK;
}

static const char *const cost_header[] = {"month", "acquisition_cost",
                                          "retention_cost"};
static csm_error on_costs(void *ctx, const csm_csv_record *r)
{
    check *k = ctx;
    if (r->number == 1) {
        expect_header(r, cost_header, 3);
        return CSM_OK;
    }
    csm_month m;
    assert_int_equal(csm_month_parse(r->fields[0], r->lens[0], &m),
                     CSM_DATE_OK);
    /* Every month, in order. */
    assert_int_equal(m, k->start + k->cost_rows);
    assert_true(amount(r, 1) > 0);
    assert_true(amount(r, 2) > 0);
    k->cost_rows++;
    return CSM_OK;
}

static const char *const fx_header[] = {"month", "currency", "rate"};
static csm_error on_fx(void *ctx, const csm_csv_record *r)
{
    check *k = ctx;
    if (r->number == 1) {
        expect_header(r, fx_header, 3);
        return CSM_OK;
    }
    csm_month m;
    assert_int_equal(csm_month_parse(r->fields[0], r->lens[0], &m),
                     CSM_DATE_OK);
    assert_int_equal(m, k->start + k->fx_rows / 2);
    assert_true(field_is(r, 1, k->fx_rows % 2 ? "GBP" : "EUR"));
    csm_rate rate;
    assert_int_equal(csm_rate_parse(r->fields[2], r->lens[2], &rate),
                     CSM_MONEY_OK);
    assert_true(rate.scale <= 6);
    /* USD per unit: EUR and GBP both trade above parity in the model's
     * range, below 2. */
    assert_true(rate.num >= 600000 && rate.num <= 2000000);
    k->fx_rows++;
    return CSM_OK;
}

static bool active(const check *k, size_t c, int m)
{
    return m >= 0 && m < N_MONTHS && k->cust[c].rows[m] > 0;
}

static const char *const reason_header[] = {"customer_id", "month", "reason",
                                            "category"};
static csm_error on_reason(void *ctx, const csm_csv_record *r)
{
    check *k = ctx;
    if (r->number == 1) {
        expect_header(r, reason_header, 4);
        return CSM_OK;
    }
    size_t c = cust_index(r, 0);
    csm_month m;
    assert_int_equal(csm_month_parse(r->fields[1], r->lens[1], &m),
                     CSM_DATE_OK);
    int i = m - k->start;
    /* The first month the customer is no longer active. */
    assert_true(active(k, c, i - 1));
    assert_false(active(k, c, i));
    assert_true(r->lens[2] > 0);
    if (field_is(r, 3, "controllable"))
        k->dq_controllable++;
    else if (field_is(r, 3, "uncontrollable"))
        k->dq_uncontrollable++;
    else
        fail_msg("bad category %s", r->fields[3]);
    k->reasons++;
    return CSM_OK;
}

static const char *const referral_header[] = {"referrer_id", "referred_id",
                                              "date"};
static csm_error on_referral(void *ctx, const csm_csv_record *r)
{
    check *k = ctx;
    if (r->number == 1) {
        expect_header(r, referral_header, 3);
        return CSM_OK;
    }
    size_t from = cust_index(r, 0);
    assert_true(k->cust[from].first_month >= 0);
    csm_day d = date_of(r, 2);
    assert_true(d >= k->cust[from].contract_start);
    if (r->lens[1]) {
        size_t to = cust_index(r, 1);
        assert_true(to != from);
        /* A referral that converted came before the sale. */
        assert_true(k->cust[to].first_month >= 0);
        assert_true(d <= k->cust[to].contract_start);
        k->referrals_converted++;
    }
    k->referrals++;
    return CSM_OK;
}

static void read_csv(const char *path, csm_csv_record_fn fn, check *k)
{
    csm_diags diag = {0};
    csm_error rc = csm_csv_read_file(path, NULL, NULL, fn, k, &diag);
    if (rc != CSM_OK)
        csm_diags_print(&diag, stderr, CSM_SEV_INFO, 10);
    assert_int_equal(rc, CSM_OK);
    csm_diags_free(&diag);
}

static void read_side(const char *dir, const char *name, csm_csv_record_fn fn,
                      check *k)
{
    char *p = csm_xasprintf("%s/%s", dir, name);
    read_csv(p, fn, k);
    free(p);
}

static void test_dataset(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    csm_month start = csm_month_from_ym(2021, 11);
    assert_int_equal(generate(dir, N_CUST, N_MONTHS, 11, start), CSM_OK);

    check *k = csm_xcalloc(1, sizeof *k);
    k->start = start;
    for (size_t c = 0; c < N_CUST; c++) {
        k->cust[c].fv_month = -1;
        k->cust[c].first_month = -1;
        for (int m = 0; m < N_MONTHS; m++)
            k->cust[c].usage[m] = -1;
    }
    for (int m = 0; m < N_MONTHS; m++) {
        char buf[CSM_DATE_BUFSZ];
        char *p = csm_xasprintf("%s/snapshots/%s.csv", dir,
                                csm_month_format(start + m, buf));
        k->month = m;
        k->month_last = csm_month_last_day(start + m);
        read_csv(p, on_snapshot, k);
        qsort(k->keys, k->n_keys, sizeof *k->keys, cmp_str);
        for (size_t i = 0; i + 1 < k->n_keys; i++)
            assert_string_not_equal(k->keys[i], k->keys[i + 1]);
        free_list(k->keys, k->n_keys);
        k->keys = NULL;
        k->n_keys = 0;
        free(p);
    }
    read_side(dir, "costs.csv", on_costs, k);
    read_side(dir, "fx.csv", on_fx, k);
    read_side(dir, "churn_reasons.csv", on_reason, k);
    read_side(dir, "referrals.csv", on_referral, k);
    assert_int_equal(k->cost_rows, N_MONTHS);
    assert_int_equal(k->fx_rows, 2 * N_MONTHS);

    /* Every customer appears; there is an installed base, growth,
     * reactivation, several subscriptions, churn before first value. */
    size_t base = 0, reactivated = 0, multi = 0, churns = 0, before_value = 0;
    size_t left_truncated = 0;
    for (size_t c = 0; c < N_CUST; c++) {
        const seen *s = &k->cust[c];
        assert_true(s->first_month >= 0);
        if (s->contract_start < csm_month_first_day(start)) {
            base++;
            assert_int_equal(s->first_month, 0);
            /* Left truncation needs sales long before the first month. */
            if (s->contract_start < csm_month_first_day(start - 24))
                left_truncated++;
        }
        bool gone = false, again = false, ever_multi = false;
        for (int m = 0; m < N_MONTHS; m++) {
            if (s->rows[m] > 1)
                ever_multi = true;
            if (m > s->first_month && !active(k, c, m) && active(k, c, m - 1)) {
                churns++;
                gone = true;
                if (s->fv_month < 0)
                    before_value++;
            }
            if (gone && active(k, c, m))
                again = true;
        }
        reactivated += again;
        multi += ever_multi;
    }
    assert_true(base > N_CUST / 5 && base < N_CUST / 2);
    assert_true(left_truncated > 0);
    assert_true(reactivated >= 1);
    assert_true(multi > N_CUST / 10 && multi < N_CUST * 3 / 10);
    assert_true(before_value >= 1);
    /* Currencies near 75 / 17 / 8 percent. */
    assert_true(k->eur > N_CUST / 10 && k->eur < N_CUST / 4);
    assert_true(k->gbp >= 5 && k->gbp < N_CUST / 7);
    assert_true(k->usd > N_CUST * 6 / 10);
    assert_true(k->names_quoted >= 10);
    assert_true(k->names_newline >= 1);
    assert_true(k->names_non_ascii >= 10);
    /* About 85% of churns carry a reason; some do not. */
    assert_true(k->reasons < churns);
    assert_true(k->reasons * 100 >= churns * 70);
    assert_true(k->dq_controllable > 0 && k->dq_uncontrollable > 0);
    assert_true(k->referrals_converted > 0 &&
                k->referrals_converted < k->referrals);
    /* Supplied scores on about 3% of rows; NPS sometimes blank. */
    assert_true(k->score_rows * 100 > k->rows &&
                k->score_rows * 100 < k->rows * 6);
    assert_true(k->nps_blank > 0 && k->nps_blank < k->rows / 2);

    /* The health inputs predict churn: customers using under 45% of their
     * seats leave within six months at least twice as often as those
     * using 75% or more. */
    size_t low = 0, low_churn = 0, high = 0, high_churn = 0;
    for (size_t c = 0; c < N_CUST; c++) {
        for (int m = 0; m + 6 < N_MONTHS; m++) {
            int u = k->cust[c].usage[m];
            if (u < 0)
                continue;
            bool churned = false;
            for (int j = m + 1; j <= m + 6; j++)
                churned |= !active(k, c, j);
            if (u < 450) {
                low++;
                low_churn += churned;
            } else if (u >= 750) {
                high++;
                high_churn += churned;
            }
        }
    }
    assert_true(low > 100 && high > 100);
    assert_true(low_churn * high > 2 * high_churn * low);

    free(k);
    remove_tree(dir);
    free(dir);
}

static void test_leftover_refused(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *snap = csm_xasprintf("%s/snapshots", dir);
    char *old = csm_xasprintf("%s/2019-01.csv", snap);
    assert_int_equal(mkdir(snap, 0777), 0);
    FILE *f = fopen(old, "w");
    assert_non_null(f);
    fputs("customer_id,mrr\nC1,1.00\n", f);
    fclose(f);

    csm_synth_options opt = {.customers = 20, .months = 3};
    csm_diags diag = {0};
    assert_int_equal(csm_synth_run(&opt, dir, &diag), CSM_EUSAGE);
    assert_true(has_rule(&diag, "synth-leftover"));
    csm_diags_free(&diag);
    size_t n;
    char **names = list_dir(snap, &n);
    assert_int_equal(n, 1); /* the old file, untouched, and nothing else */
    free_list(names, n);
    names = list_dir(dir, &n);
    assert_int_equal(n, 1);
    free_list(names, n);

    remove_tree(dir);
    free(old);
    free(snap);
    free(dir);
}

/* A full disk, simulated with a file-size limit: the run fails with
 * CSM_EIO naming the file, and leaves neither a partial file nor the
 * months it had already completed. */
static void test_write_failure(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *ok = csm_xasprintf("%s/ok", dir), *out = csm_xasprintf("%s/out", dir);
    /* A first, unlimited run tells the snapshot sizes; the limit goes
     * between the smallest and the largest, so that some months complete
     * before one cannot be written. */
    assert_int_equal(generate(ok, 1500, 24, 3, CSM_NO_MONTH), CSM_OK);
    char *snap_ok = csm_xasprintf("%s/snapshots", ok);
    size_t n;
    char **names = list_dir(snap_ok, &n);
    assert_int_equal(n, 24);
    off_t smallest = -1, largest = -1;
    for (size_t i = 0; i < n; i++) {
        char *p = csm_xasprintf("%s/%s", snap_ok, names[i]);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        if (smallest < 0 || st.st_size < smallest)
            smallest = st.st_size;
        if (st.st_size > largest)
            largest = st.st_size;
        free(p);
    }
    free_list(names, n);
    free(snap_ok);
    assert_true(smallest < largest);

    struct rlimit saved, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    lim = saved;
    lim.rlim_cur = (rlim_t)(smallest + largest) / 2;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);

    csm_synth_options opt = {.customers = 1500, .months = 24, .seed = 3};
    csm_diags diag = {0};
    csm_error rc = csm_synth_run(&opt, out, &diag);

    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, old_handler);

    assert_int_equal(rc, CSM_EIO);
    assert_true(has_rule(&diag, "io"));
    assert_true(has_rule(&diag, "synth-incomplete"));
    bool names_snapshot = false;
    for (size_t i = 0; i < diag.n; i++)
        if (diag.items[i].file && strstr(diag.items[i].file, "/snapshots/"))
            names_snapshot = true;
    assert_true(names_snapshot);
    csm_diags_free(&diag);

    char *snap = csm_xasprintf("%s/snapshots", out);
    names = list_dir(snap, &n);
    assert_int_equal(n, 0); /* no month, no temporary */
    free_list(names, n);
    names = list_dir(out, &n);
    assert_int_equal(n, 1); /* only the snapshots folder */
    free_list(names, n);
    free(snap);
    remove_tree(dir);
    free(ok);
    free(out);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_dataset),
        cmocka_unit_test(test_leftover_refused),
        cmocka_unit_test(test_write_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
