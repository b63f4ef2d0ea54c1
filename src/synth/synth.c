/* synth.c - the synthetic data generator behind `csmetrics synth`.
 *
 * This folder makes up data; it never reads a data set and knows nothing
 * about the metrics.  synth.c lays out the run (who signs up when), steps
 * every customer through every month with model.c, and streams the files:
 * one snapshot per month, then the small side files.  It holds one small
 * record per customer and no CSV text, so memory grows with customers
 * only.  Every file goes through csm_atomic_file; every write is checked.
 */
#include "csmetrics/synth.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csmetrics/atomic_file.h"
#include "csmetrics/money.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/xalloc.h"
#include "synth_internal.h"

/* 2022-07: with the default 40 months the demo ends in 2025-10. */
#define DEFAULT_START_YEAR 2022
#define DEFAULT_START_MONTH 7

/* Share of customers live before the first month, percent. */
#define BASE_PCT 35

/* Random stream purposes (names.c uses 7, model.c 1 and 2). */
enum { CS_STREAM = 3, REF_STREAM = 4, COST_STREAM = 5, FX_STREAM = 6 };

/* -------------------------------------------------------------- writer
 * A buffered writer over a csm_atomic_file.  Its own buffer, rather than
 * fprintf, because 100,000 customers x 60 months is millions of rows; and
 * because every flush is checked, a full disk stops the run at the first
 * failed write instead of after generating the rest. */
#define WBUF (1u << 16)

typedef struct writer {
    csm_atomic_file af;
    char *path; /* for diagnostics */
    char *buf;
    size_t len;
    int err; /* errno of the first failed write, 0 = none */
} writer;

/* Empties the buffer into the file.  After a failure the bytes are
 * dropped (the file is abandoned anyway) so that the buffer never
 * overflows. */
static void w_flush(writer *w)
{
    if (!w->err && w->len) {
        errno = 0;
        if (fwrite(w->buf, 1, w->len, w->af.fp) != w->len)
            w->err = errno ? errno : EIO;
    }
    w->len = 0;
}

static void w_put(writer *w, const char *s, size_t n)
{
    if (w->len + n > WBUF) {
        w_flush(w);
        while (n > WBUF) { /* longer than the buffer: write it through */
            if (!w->err && fwrite(s, 1, WBUF, w->af.fp) != WBUF)
                w->err = errno ? errno : EIO;
            s += WBUF;
            n -= WBUF;
        }
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void w_str(writer *w, const char *s)
{
    w_put(w, s, strlen(s));
}

static void w_chr(writer *w, char c)
{
    if (w->len == WBUF)
        w_flush(w);
    w->buf[w->len++] = c;
}

/* Unsigned decimal, zero-padded to width. */
static void w_uint(writer *w, uint64_t v, int width)
{
    char tmp[24];
    int i = 24;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (24 - i < width)
        tmp[--i] = '0';
    w_put(w, tmp + i, (size_t)(24 - i));
}

static void w_day(writer *w, csm_day d)
{
    char buf[CSM_DATE_BUFSZ];
    w_str(w, csm_date_format(d, buf));
}

static void w_month(writer *w, csm_month m)
{
    char buf[CSM_DATE_BUFSZ];
    w_str(w, csm_month_format(m, buf));
}

static void w_money(writer *w, int64_t amount, int decimals)
{
    char buf[CSM_MONEY_BUFSZ];
    w_str(w, csm_money_format(amount, decimals, buf));
}

static bool needs_quotes(const char *s)
{
    return strpbrk(s, ",\"\r\n") != NULL;
}

/* Appends s as one RFC 4180 field. */
static void csv_escape(csm_strbuf *b, const char *s)
{
    if (!needs_quotes(s)) {
        csm_strbuf_puts(b, s);
        return;
    }
    csm_strbuf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            csm_strbuf_putc(b, '"');
        csm_strbuf_putc(b, *s);
    }
    csm_strbuf_putc(b, '"');
}

static void w_field(writer *w, const char *s)
{
    if (!needs_quotes(s)) {
        w_str(w, s);
        return;
    }
    csm_strbuf b = {0};
    csv_escape(&b, s);
    w_put(w, b.data, b.len);
    csm_strbuf_free(&b);
}

static csm_error w_open(writer *w, const char *path, csm_diags *diag)
{
    memset(w, 0, sizeof *w);
    csm_error rc = csm_atomic_open(&w->af, path, diag);
    if (rc != CSM_OK)
        return rc;
    w->path = csm_xstrdup(path);
    w->buf = csm_xmalloc(WBUF);
    return CSM_OK;
}

static void w_release(writer *w)
{
    free(w->buf);
    free(w->path);
    w->buf = NULL;
    w->path = NULL;
}

/* Flushes and renames into place; on any failure removes the temporary,
 * adds a diagnostic and returns CSM_EIO. */
static csm_error w_close(writer *w, csm_diags *diag)
{
    w_flush(w);
    csm_error rc;
    if (w->err) {
        if (diag) {
            csm_loc loc = {.file = w->path, .offset = -1};
            csm_diags_add(diag, CSM_SEV_ERROR, "io", &loc, "cannot write: %s",
                          strerror(w->err));
        }
        csm_atomic_abort(&w->af);
        rc = CSM_EIO;
    } else {
        rc = csm_atomic_commit(&w->af, diag);
    }
    w_release(w);
    return rc;
}

/* ------------------------------------------------------------ the run */
typedef struct referral {
    uint32_t referrer, referred; /* referred = UINT32_MAX: did not sign */
    csm_day date;
} referral;

typedef struct churn {
    uint32_t customer;
    int32_t month; /* month index */
    int32_t reason;
} churn;

typedef struct run {
    const csm_synth_options *opt;
    csm_synth_world w;
    const char *out_dir;
    csm_diags *diag;
    int id_width; /* digits in customer ids: 6, or more for huge runs */
    char **names; /* [n] CSV-escaped names */
    uint32_t *prev_active, *cur_active;
    size_t n_prev, n_cur;
    int64_t *acq, *ret; /* [months] USD cents */
    int64_t *fx;        /* [months * 2] USD per EUR, GBP, micro-units */
    referral *refs;
    size_t n_refs, cap_refs;
    churn *churns;
    size_t n_churns, cap_churns;
    char **done; /* files completed by this run */
    size_t n_done;
} run;

/* Adds an error; takes ownership of msg (from csm_xasprintf). */
static void add_diag(csm_diags *diag, const char *rule, const char *file,
                     char *msg)
{
    if (diag) {
        csm_loc loc = {.file = file, .offset = -1};
        csm_diags_add(diag, CSM_SEV_ERROR, rule, &loc, "%s", msg);
    }
    free(msg);
}

static csm_error check_options(const csm_synth_options *opt,
                               const char *out_dir, csm_diags *diag)
{
    if (!out_dir || !*out_dir) {
        add_diag(diag, "synth-usage", NULL,
                 csm_xstrdup("no output folder given"));
        return CSM_EUSAGE;
    }
    if (opt->customers < 1 || opt->customers > CSM_SYNTH_MAX_CUSTOMERS) {
        add_diag(diag, "synth-usage", NULL,
                 csm_xasprintf("customers is %zu (expected 1 to %u)",
                               opt->customers, CSM_SYNTH_MAX_CUSTOMERS));
        return CSM_EUSAGE;
    }
    if (opt->months < 1 || opt->months > CSM_SYNTH_MAX_MONTHS) {
        add_diag(diag, "synth-usage", NULL,
                 csm_xasprintf("months is %d (expected 1 to %d)", opt->months,
                               CSM_SYNTH_MAX_MONTHS));
        return CSM_EUSAGE;
    }
    /* Contracts start up to three years before the first month and terms
     * run two years past the last: keep every date within 1900..9999. */
    csm_month s = opt->start;
    if (s != CSM_NO_MONTH && s != 0 &&
        (s < csm_month_from_ym(1904, 1) ||
         s > csm_month_from_ym(9990, 1) - opt->months)) {
        add_diag(diag, "synth-usage", NULL,
                 csm_xstrdup("start month out of range (expected 1904-01 "
                             "to 9990-01 minus the months)"));
        return CSM_EUSAGE;
    }
    return CSM_OK;
}

/* mkdir -p: creates path and its missing parents. */
static csm_error make_dirs(const char *path, csm_diags *diag)
{
    char *p = csm_xstrdup(path);
    csm_error rc = CSM_OK;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char keep = *s;
        *s = '\0';
        struct stat st;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            add_diag(
                diag, "io", p,
                csm_xasprintf("cannot create folder: %s", strerror(errno)));
            rc = CSM_EIO;
        } else if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
            add_diag(diag, "io", p,
                     csm_xstrdup("cannot create folder: a file of that "
                                 "name is in the way"));
            rc = CSM_EIO;
        }
        *s = keep;
        if (rc != CSM_OK || keep == '\0')
            break;
    }
    free(p);
    return rc;
}

/* True when name is "YYYY-MM.csv" for a month of the run. */
static bool ours(const char *name, csm_month start, int months)
{
    csm_month m;
    if (strlen(name) != 11 || strcmp(name + 7, ".csv") != 0 ||
        csm_month_parse(name, 7, &m) != CSM_DATE_OK)
        return false;
    return m >= start && m < start + months;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The loader reads every .csv in snapshots/: a leftover month from an
 * earlier, longer run would silently join the new data set.  Names are
 * reported sorted, so that the diagnostics do not depend on the order the
 * file system lists them in. */
static csm_error check_leftovers(const char *dir, csm_month start, int months,
                                 csm_diags *diag)
{
    DIR *d = opendir(dir);
    if (!d)
        return CSM_OK; /* created later; errors surface there */
    char **bad = NULL;
    size_t n_bad = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcasecmp(e->d_name + len - 4, ".csv") != 0 ||
            ours(e->d_name, start, months))
            continue;
        bad = csm_xreallocarray(bad, n_bad + 1, sizeof *bad);
        bad[n_bad++] = csm_xstrdup(e->d_name);
    }
    closedir(d);
    if (n_bad)
        qsort(bad, n_bad, sizeof *bad, cmp_str);
    for (size_t i = 0; i < n_bad; i++) {
        char *p = csm_xasprintf("%s/%s", dir, bad[i]);
        add_diag(diag, "synth-leftover", p,
                 csm_xasprintf("%s is not a month of this run and would be "
                               "loaded with its data; remove it or write "
                               "to another folder",
                               bad[i]));
        free(p);
        free(bad[i]);
    }
    free(bad);
    return n_bad ? CSM_EUSAGE : CSM_OK;
}

/* Month weights for signups: linear growth of 2% of the first month's
 * volume per month, times a B2B seasonality with quarter- and year-end
 * peaks and a summer dip (percent, January first). */
static const int64_t season[12] = {85, 95, 115, 95,  100, 115,
                                   90, 80, 110, 100, 105, 125};

static int64_t month_weight(const csm_synth_world *w, int m)
{
    return (1000 + 20 * (int64_t)m) * season[csm_month_mon(w->start + m) - 1];
}

/* Integer square root of v (floor). */
static uint64_t isqrt(uint64_t v)
{
    uint64_t r = 0, bit = UINT64_C(1) << 62;
    while (bit > v)
        bit >>= 2;
    while (bit) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return r;
}

/* Lays out who signs up when and sets every customer up. */
static void build_world(run *R)
{
    csm_synth_world *w = &R->w;
    size_t n = w->n;
    csm_day first = csm_month_first_day(w->start);
    w->n_base = n * BASE_PCT / 100;
    if (w->n_base < 1)
        w->n_base = 1;
    w->cust = csm_xcalloc(n, sizeof *w->cust);

    /* The installed base: contract starts over the three years before the
     * first month, denser towards the present (density grows linearly, as
     * for a company whose sales grew), in id order. */
    for (size_t i = 0; i < w->n_base; i++) {
        csm_synth_rng r = syn_stream(w->seed, i, -1, CS_STREAM);
        uint64_t f = ((uint64_t)i * 1000000 + syn_below(&r, 1000000)) /
                     w->n_base;          /* 0..1e6 */
        uint64_t x = isqrt(f * 1000000); /* sqrt(f), 0..1e6 */
        csm_day back = 1 + (csm_day)(1094 * (1000000 - x) / 1000000);
        w->cust[i].contract_start = first - back;
        w->cust[i].signup = csm_day_month(first - back) - w->start;
    }

    /* Signups during the run, spread by month weight with cumulative
     * rounding (the counts add up exactly), days spread within the month
     * in id order. */
    size_t n_new = n - w->n_base, c = w->n_base;
    int64_t total = 0;
    for (int m = 0; m < w->months; m++)
        total += month_weight(w, m);
    int64_t cum = 0;
    for (int m = 0; m < w->months; m++) {
        int64_t lo = (int64_t)n_new * cum / total;
        cum += month_weight(w, m);
        int64_t k = (int64_t)n_new * cum / total - lo;
        csm_day mfirst = csm_month_first_day(w->start + m);
        int64_t dim = csm_month_last_day(w->start + m) - mfirst + 1;
        for (int64_t j = 0; j < k; j++, c++) {
            csm_synth_rng r = syn_stream(w->seed, c, m, CS_STREAM);
            int64_t off = (j * dim + syn_below(&r, (uint32_t)dim)) / k;
            w->cust[c].contract_start = mfirst + (csm_day)off;
            w->cust[c].signup = m;
        }
    }

    R->names = csm_xcalloc(n, sizeof *R->names);
    csm_strbuf raw = {0}, esc = {0};
    for (size_t i = 0; i < n; i++) {
        csm_synth_init_customer(w, i, csm_synth_curated_currency(i, n));
        csm_strbuf_clear(&raw);
        csm_strbuf_clear(&esc);
        csm_synth_name(w->seed, i, n, w->cust[i].currency, &raw);
        csv_escape(&esc, csm_strbuf_str(&raw));
        R->names[i] = csm_strbuf_take(&esc);
    }
    csm_strbuf_free(&raw);
    csm_strbuf_free(&esc);
}

/* Exchange rates as a mean-reverting random walk, in millionths of a USD:
 * EUR from 1.02 towards 1.085, GBP from 1.20 towards 1.265 (mid-2022
 * levels and their later range), about 1.5% monthly volatility. */
static void build_fx(run *R)
{
    static const int64_t from[2] = {1020000, 1200000};
    static const int64_t to[2] = {1085000, 1265000};
    int64_t r[2] = {from[0], from[1]};
    R->fx = csm_xcalloc((size_t)R->w.months * 2, sizeof *R->fx);
    for (int m = 0; m < R->w.months; m++) {
        csm_synth_rng g = syn_stream(R->w.seed, SYN_WHO_WORLD, m, FX_STREAM);
        for (int k = 0; k < 2; k++) {
            r[k] += (to[k] - r[k]) * 8 / 100 +
                    r[k] * syn_noise(&g, 45000) / 1000000;
            if (r[k] < from[k] * 7 / 10)
                r[k] = from[k] * 7 / 10;
            if (r[k] > from[k] * 14 / 10)
                r[k] = from[k] * 14 / 10;
            R->fx[m * 2 + k] = r[k];
        }
    }
}

static void push_referral(run *R, uint32_t referrer, uint32_t referred,
                          csm_day date)
{
    if (R->n_refs == R->cap_refs) {
        R->cap_refs = R->cap_refs ? R->cap_refs * 2 : 256;
        R->refs = csm_xreallocarray(R->refs, R->cap_refs, sizeof *R->refs);
    }
    R->refs[R->n_refs++] = (referral){referrer, referred, date};
}

/* A referred signup: the referrer is the healthiest of three customers
 * drawn from last month's active ones; the referral predates the sale by a
 * week to ten weeks. */
static void referred_signup(run *R, size_t c, int m)
{
    if (R->n_prev == 0)
        return;
    const csm_synth_customer *cu = &R->w.cust[c];
    csm_synth_rng r = syn_stream(R->w.seed, c, m, REF_STREAM);
    uint32_t best = R->prev_active[syn_below(&r, (uint32_t)R->n_prev)];
    for (int i = 0; i < 2; i++) {
        uint32_t k = R->prev_active[syn_below(&r, (uint32_t)R->n_prev)];
        if (R->w.cust[k].health > R->w.cust[best].health)
            best = k;
    }
    csm_day date = cu->contract_start - syn_range(&r, 7, 75);
    csm_day lo = csm_month_first_day(R->w.start);
    if (lo < R->w.cust[best].contract_start)
        lo = R->w.cust[best].contract_start;
    if (date < lo)
        date = lo;
    if (date > cu->contract_start)
        date = cu->contract_start;
    push_referral(R, best, (uint32_t)c, date);
}

/* Customer acquisition cost per new logo (USD cents, +-20%) and monthly
 * cost to serve per active customer (CSM time, onboarding, support). */
static const int64_t cac[SYN_SEGMENTS] = {150000, 900000, 4500000};
static const int64_t serve[SYN_SEGMENTS] = {3500, 18000, 90000};

static void w_customer_id(writer *f, const run *R, size_t c)
{
    w_chr(f, 'C');
    w_uint(f, (uint64_t)c + 1, R->id_width);
}

static void write_row(writer *f, const run *R, size_t c,
                      const csm_synth_customer *cu, const csm_synth_view *v,
                      int slot, csm_day last)
{
    const csm_synth_sub *s = &cu->subs[slot];
    bool per_seat = s->plan < SYN_MAIN_PLANS;
    w_customer_id(f, R, c);
    w_chr(f, ',');
    w_str(f, R->names[c]);
    w_str(f, ",S");
    w_uint(f, (uint64_t)c + 1, R->id_width);
    w_chr(f, '-');
    w_uint(f, s->seq, 2);
    w_chr(f, ',');
    w_str(f, csm_synth_segment_names[cu->segment]);
    w_chr(f, ',');
    w_str(f, csm_synth_plan_names[s->plan]);
    w_chr(f, ',');
    w_str(f, csm_synth_currency_codes[cu->currency]);
    w_chr(f, ',');
    w_field(f, csm_synth_owner_names[cu->owner]);
    w_chr(f, ',');
    w_day(f, cu->contract_start);
    w_chr(f, ',');
    w_day(f, cu->term_end);
    w_chr(f, ',');
    /* First value shows from the month it happened, never before. */
    w_day(f, cu->first_value <= last ? cu->first_value : CSM_NO_DATE);
    w_chr(f, ',');
    w_money(f, csm_synth_sub_mrr(s), 2);
    w_chr(f, ',');
    if (per_seat) { /* add-ons are not licensed per user: users stay blank */
        w_uint(f, v->active_users[slot], 0);
        w_chr(f, ',');
        w_uint(f, s->seats, 0);
        w_chr(f, ',');
        w_uint(f, (uint64_t)v->tickets, 0);
    } else {
        w_str(f, ",,");
    }
    w_chr(f, ',');
    if (cu->nps != SYN_NO_NPS)
        w_uint(f, cu->nps, 0);
    w_chr(f, ',');
    w_uint(f, cu->dpd, 0);
    w_chr(f, ',');
    w_day(f, cu->last_engagement);
    w_chr(f, ',');
    w_chr(f, cu->champion ? '1' : '0');
    w_chr(f, ',');
    if (v->health_score >= 0)
        w_uint(f, (uint64_t)v->health_score, 0);
    w_chr(f, '\n');
}

static const char snapshot_header[] =
    "customer_id,customer_name,subscription_id,segment,plan,currency,"
    "csm_owner,contract_start,term_end,first_value_date,mrr,active_users,"
    "licensed_users,open_tickets,nps,days_past_due,last_engagement,"
    "champion_left,health_score\n";

static void remember(run *R, const char *path)
{
    R->done = csm_xreallocarray(R->done, R->n_done + 1, sizeof *R->done);
    R->done[R->n_done++] = csm_xstrdup(path);
}

/* Writes snapshot m, stepping every customer who has signed up. */
static csm_error write_month(run *R, int m, size_t signed_up)
{
    csm_synth_world *w = &R->w;
    csm_month month = w->start + m;
    csm_day last = csm_month_last_day(month);
    char mbuf[CSM_DATE_BUFSZ];
    char *path = csm_xasprintf("%s/snapshots/%s.csv", R->out_dir,
                               csm_month_format(month, mbuf));
    writer f;
    csm_error rc = w_open(&f, path, R->diag);
    if (rc != CSM_OK) {
        free(path);
        return rc;
    }
    w_str(&f, snapshot_header);

    csm_synth_rng g = syn_stream(w->seed, SYN_WHO_WORLD, m, COST_STREAM);
    int64_t serve_cost = 0;
    R->n_cur = 0;
    for (size_t c = 0; c < signed_up && !f.err; c++) {
        csm_synth_view v;
        csm_synth_step(w, c, m, &v);
        csm_synth_customer *cu = &w->cust[c];
        if (v.events & SYN_EV_CHURNED) {
            if (R->n_churns == R->cap_churns) {
                R->cap_churns = R->cap_churns ? R->cap_churns * 2 : 256;
                R->churns = csm_xreallocarray(R->churns, R->cap_churns,
                                              sizeof *R->churns);
            }
            R->churns[R->n_churns++] =
                (churn){(uint32_t)c, m, (int32_t)v.reason};
        }
        if (!v.active)
            continue;
        if (v.events & SYN_EV_NEW) {
            csm_synth_rng r = syn_stream(w->seed, c, m, COST_STREAM);
            R->acq[m] += cac[cu->segment] * syn_range(&r, 80, 120) / 100;
            if (cu->referred)
                referred_signup(R, c, m);
        }
        if (v.events & SYN_EV_REFERRAL)
            push_referral(R, (uint32_t)c, UINT32_MAX, v.referral_day);
        serve_cost += serve[cu->segment];
        R->cur_active[R->n_cur++] = (uint32_t)c;
        for (int s = 0; s < SYN_MAX_SUBS; s++)
            if (cu->subs[s].used)
                write_row(&f, R, c, cu, &v, s, last);
    }
    /* Fixed programme spend of $300 per expected monthly signup, so that
     * a month without signups still costs something. */
    int64_t expected = (int64_t)(w->n - w->n_base) / w->months;
    R->acq[m] += 30000 * expected;
    R->ret[m] = serve_cost * syn_range(&g, 95, 105) / 100;

    uint32_t *t = R->prev_active;
    R->prev_active = R->cur_active;
    R->cur_active = t;
    R->n_prev = R->n_cur;

    rc = w_close(&f, R->diag);
    if (rc == CSM_OK)
        remember(R, path);
    free(path);
    return rc;
}

static int cmp_churn(const void *a, const void *b)
{
    const churn *x = a, *y = b;
    if (x->month != y->month)
        return x->month < y->month ? -1 : 1;
    return x->customer < y->customer ? -1 : x->customer > y->customer;
}

static int cmp_referral(const void *a, const void *b)
{
    const referral *x = a, *y = b;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    if (x->referrer != y->referrer)
        return x->referrer < y->referrer ? -1 : 1;
    return x->referred < y->referred ? -1 : x->referred > y->referred;
}

/* Opens out_dir/name, lets fill write the body, closes it. */
static csm_error write_file(run *R, const char *name,
                            void (*fill)(run *, writer *))
{
    char *path = csm_xasprintf("%s/%s", R->out_dir, name);
    writer f;
    csm_error rc = w_open(&f, path, R->diag);
    if (rc == CSM_OK) {
        fill(R, &f);
        rc = w_close(&f, R->diag);
        if (rc == CSM_OK)
            remember(R, path);
    }
    free(path);
    return rc;
}

static void fill_costs(run *R, writer *f)
{
    w_str(f, "month,acquisition_cost,retention_cost\n");
    for (int m = 0; m < R->w.months; m++) {
        w_month(f, R->w.start + m);
        w_chr(f, ',');
        w_money(f, R->acq[m], 2);
        w_chr(f, ',');
        w_money(f, R->ret[m], 2);
        w_chr(f, '\n');
    }
}

static void fill_fx(run *R, writer *f)
{
    w_str(f, "month,currency,rate\n");
    for (int m = 0; m < R->w.months; m++) {
        for (int k = 0; k < 2; k++) {
            int64_t r = R->fx[m * 2 + k];
            w_month(f, R->w.start + m);
            w_str(f, k == 0 ? ",EUR," : ",GBP,");
            w_uint(f, (uint64_t)(r / 1000000), 0);
            w_chr(f, '.');
            w_uint(f, (uint64_t)(r % 1000000), 6);
            w_chr(f, '\n');
        }
    }
}

static void fill_churn(run *R, writer *f)
{
    if (R->n_churns)
        qsort(R->churns, R->n_churns, sizeof *R->churns, cmp_churn);
    w_str(f, "customer_id,month,reason,category\n");
    for (size_t i = 0; i < R->n_churns; i++) {
        const churn *ch = &R->churns[i];
        if (ch->reason < 0)
            continue; /* left without telling us: the data-quality gap */
        const csm_synth_reason *why = &csm_synth_reasons[ch->reason];
        w_customer_id(f, R, ch->customer);
        w_chr(f, ',');
        w_month(f, R->w.start + ch->month);
        w_chr(f, ',');
        w_field(f, why->text);
        w_str(f, why->controllable ? ",controllable\n" : ",uncontrollable\n");
    }
}

static void fill_referrals(run *R, writer *f)
{
    if (R->n_refs)
        qsort(R->refs, R->n_refs, sizeof *R->refs, cmp_referral);
    w_str(f, "referrer_id,referred_id,date\n");
    for (size_t i = 0; i < R->n_refs; i++) {
        const referral *x = &R->refs[i];
        w_customer_id(f, R, x->referrer);
        w_chr(f, ',');
        if (x->referred != UINT32_MAX)
            w_customer_id(f, R, x->referred);
        w_chr(f, ',');
        w_day(f, x->date);
        w_chr(f, '\n');
    }
}

static void free_run(run *R)
{
    if (R->names)
        for (size_t i = 0; i < R->w.n; i++)
            free(R->names[i]);
    free(R->names);
    free(R->w.cust);
    free(R->prev_active);
    free(R->cur_active);
    free(R->acq);
    free(R->ret);
    free(R->fx);
    free(R->refs);
    free(R->churns);
    for (size_t i = 0; i < R->n_done; i++)
        free(R->done[i]);
    free(R->done);
}

static csm_error generate(run *R)
{
    csm_synth_world *w = &R->w;
    build_world(R);
    build_fx(R);
    R->prev_active = csm_xcalloc(w->n, sizeof *R->prev_active);
    R->cur_active = csm_xcalloc(w->n, sizeof *R->cur_active);
    R->acq = csm_xcalloc((size_t)w->months, sizeof *R->acq);
    R->ret = csm_xcalloc((size_t)w->months, sizeof *R->ret);
    /* Referrers for signups in the first month come from the base. */
    for (size_t c = 0; c < w->n_base; c++)
        R->prev_active[R->n_prev++] = (uint32_t)c;

    size_t signed_up = w->n_base;
    for (int m = 0; m < w->months; m++) {
        while (signed_up < w->n && w->cust[signed_up].signup <= m)
            signed_up++;
        csm_error rc = write_month(R, m, signed_up);
        if (rc != CSM_OK)
            return rc;
        if (R->opt->progress)
            R->opt->progress(R->opt->progress_ctx, m + 1, w->months);
    }
    csm_error rc = write_file(R, "costs.csv", fill_costs);
    if (rc == CSM_OK)
        rc = write_file(R, "churn_reasons.csv", fill_churn);
    if (rc == CSM_OK)
        rc = write_file(R, "referrals.csv", fill_referrals);
    if (rc == CSM_OK)
        rc = write_file(R, "fx.csv", fill_fx);
    return rc;
}

csm_error csm_synth_run(const csm_synth_options *opt, const char *out_dir,
                        csm_diags *diag)
{
    csm_error rc = check_options(opt, out_dir, diag);
    if (rc != CSM_OK)
        return rc;
    csm_month start = opt->start;
    if (start == CSM_NO_MONTH || start == 0)
        start = csm_month_from_ym(DEFAULT_START_YEAR, DEFAULT_START_MONTH);

    char *snap = csm_xasprintf("%s/snapshots", out_dir);
    rc = check_leftovers(snap, start, opt->months, diag);
    if (rc == CSM_OK)
        rc = make_dirs(snap, diag);
    free(snap);
    if (rc != CSM_OK)
        return rc;

    run R = {0};
    R.opt = opt;
    R.out_dir = out_dir;
    R.diag = diag;
    R.w.seed = opt->seed;
    R.w.months = opt->months;
    R.w.start = start;
    R.w.n = opt->customers;
    R.id_width = 6;
    for (size_t lim = 1000000; lim <= opt->customers && R.id_width < 9;
         lim *= 10)
        R.id_width++;

    rc = generate(&R);
    if (rc != CSM_OK) {
        /* A half-written data set that loads cleanly would be worse than
         * none: remove what this run completed. */
        for (size_t i = 0; i < R.n_done; i++)
            unlink(R.done[i]);
        if (R.n_done)
            add_diag(diag, "synth-incomplete", out_dir,
                     csm_xasprintf("generation failed; removed the %zu "
                                   "file(s) this run had completed",
                                   R.n_done));
    }
    free_run(&R);
    return rc;
}
