/* The fuzzing entry points (see fuzz_entry.h).  Each one feeds the bytes to
 * a parser exactly as csmetrics does and then checks what the parser
 * promises, so the fuzzer finds wrong answers as well as crashes:
 *
 * - a return code agrees with the diagnostics (an error has at least one
 *   error diagnostic, success has none) and *out is set only on success;
 * - diagnostics are printable: valid UTF-8, no control characters (a
 *   message quotes the bad value and goes to a terminal);
 * - loaded money adds up: the month total equals the sum of the customers;
 * - accepted values read back: an amount, a date, a config, a report
 *   definition or a JSON tree written back out parses to the same thing;
 * - the CSV reader gives the same records whatever the block size.
 *
 * Leaks are found by ASan's leak checker (libFuzzer and make check). */
#include "fuzz_entry.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csmetrics/config.h"
#include "csmetrics/csv_reader.h"
#include "csmetrics/date.h"
#include "csmetrics/json_read.h"
#include "csmetrics/load.h"
#include "csmetrics/metrics.h"
#include "csmetrics/money.h"
#include "csmetrics/report_build.h"
#include "csmetrics/report_def.h"
#include "csmetrics/stats.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/style.h"
#include "csmetrics/xalloc.h"

const csm_fuzz_target csm_fuzz_targets[] = {
    {"snapshot", csm_fuzz_snapshot},     {"csv", csm_fuzz_csv},
    {"money", csm_fuzz_money},           {"date", csm_fuzz_date},
    {"report_def", csm_fuzz_report_def}, {"style", csm_fuzz_style},
    {"config", csm_fuzz_config},         {"json", csm_fuzz_json},
    {"folder", csm_fuzz_folder},
};
const size_t csm_fuzz_n_targets =
    sizeof csm_fuzz_targets / sizeof *csm_fuzz_targets;

void csm_fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz contract broken: %s\n", what);
    fflush(stderr);
    abort();
}

static void check(bool ok, const char *what)
{
    if (!ok)
        csm_fuzz_fail(what);
}

static bool contains(const uint8_t *data, size_t size, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(data + i, word, n) == 0)
            return true;
    return false;
}

/* Every kept diagnostic is one printable line. */
static void check_diags(const csm_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        const csm_diag *g = &d->items[i];
        check(g->message != NULL, "diagnostic without a message");
        const char *parts[] = {g->message, g->file, g->column};
        for (size_t p = 0; p < 3; p++) {
            const char *s = parts[p];
            if (!s)
                continue;
            size_t n = strlen(s);
            check(csm_utf8_invalid_at(s, n) == n,
                  "diagnostic is not valid UTF-8");
            for (size_t k = 0; k < n; k++)
                check((unsigned char)s[k] >= 0x20 && s[k] != 0x7f,
                      "diagnostic holds a control character");
        }
    }
}

static void check_result(csm_error rc, const void *out, const csm_diags *d,
                         csm_error fail_code)
{
    check(rc == CSM_OK || rc == fail_code, "unexpected return code");
    check((rc == CSM_OK) == (out != NULL), "*out set on failure or not set "
                                           "on success");
    if (rc == CSM_OK)
        check(csm_diags_errors(d) == 0, "success with error diagnostics");
    else
        check(csm_diags_errors(d) > 0, "failure without a diagnostic");
    check_diags(d);
}

/* ------------------------------------------------------------ snapshot */

static void check_dataset(const csm_dataset *ds)
{
    check(ds->n_months == 1, "one snapshot gave several months");
    check(ds->ids.n == ds->n_customers, "customer table out of step");
    int64_t sum = 0;
    for (size_t c = 0; c < ds->n_customers; c++) {
        int64_t v = ds->mrr[0][c];
        check(v >= 0, "negative MRR loaded");
        if (ds->mrr_excluded)
            v += ds->mrr_excluded[0][c];
        check(csm_money_add(sum, v, &sum), "customer MRR overflows");
        const char *nm = ds->names[c] ? ds->names[c] : "";
        check(csm_utf8_invalid_at(nm, strlen(nm)) == strlen(nm),
              "customer name is not UTF-8");
    }
    check(sum == ds->month_total[0],
          "month total differs from the sum of its customers");
}

/* The JSON document of a run must read back with our own reader. */
static void check_metrics(const csm_dataset *ds, const csm_config *cfg)
{
    csm_diags d = {0};
    csm_metrics *m = NULL;
    csm_error rc = csm_metrics_run(ds, cfg, 0, &m, &d);
    check_result(rc, m, &d, rc == CSM_OK ? CSM_OK : rc);
    if (m) {
        char *text = NULL;
        size_t len = 0;
        FILE *fp = open_memstream(&text, &len);
        check(fp != NULL, "open_memstream");
        check(csm_metrics_write_json(m, &d, fp) == CSM_OK,
              "metrics JSON not written");
        fclose(fp);
        check(csm_utf8_invalid_at(text, len) == len,
              "metrics JSON is not UTF-8");
        csm_diags jd = {0};
        csm_jval *v = NULL;
        check(csm_json_parse(text, len, "metrics.json", &v, &jd) == CSM_OK,
              "metrics JSON does not parse");
        csm_jval_free(v);
        csm_diags_free(&jd);
        free(text);
        csm_metrics_free(m);
    }
    csm_diags_free(&d);
}

static bool has_rule(const csm_diags *d, const char *rule)
{
    for (size_t i = 0; i < d->n_rules; i++)
        if (strcmp(d->rules[i].rule, rule) == 0)
            return true;
    return false;
}

static bool load_once(const uint8_t *data, size_t size, csm_month month,
                      bool thousands)
{
    csm_config cfg;
    csm_config_defaults(&cfg);
    cfg.allow_thousands_separator = thousands;
    csm_diags d = {0};
    csm_dataset *ds = NULL;
    csm_error rc =
        csm_load_snapshot_buffer((const char *)data, size,
                                 "snapshots/2024-01.csv", month, &cfg, &ds, &d);
    check_result(rc, ds, &d, CSM_EDATA);
    if (ds) {
        check_dataset(ds);
        check_metrics(ds, &cfg);
        csm_dataset_free(ds);
    }
    bool retry = !thousands && has_rule(&d, "mrr-syntax");
    csm_diags_free(&d);
    return retry;
}

int csm_fuzz_snapshot(const uint8_t *data, size_t size)
{
    /* The library policies main() sets (GSL reports, never aborts). */
    static bool init;
    if (!init) {
        csm_stats_init();
        init = true;
    }
    csm_month jan = csm_month_from_ym(2024, 1);
    /* The documented thousands option changes how amounts read: try it
     * whenever an amount was refused without it. */
    if (load_once(data, size, jan, false))
        load_once(data, size, jan, true);
    if (contains(data, size, "as_of"))
        load_once(data, size, CSM_NO_MONTH, false);
    return 0;
}

/* ------------------------------------------------------------ folder */

/* Files a fuzzed data folder may hold, by the byte that names them. */
static const struct {
    char key;
    const char *name;
} folder_files[] = {
    {'0', "snapshots/2024-01.csv"},
    {'1', "snapshots/2024-02.csv"},
    {'2', "snapshots/2024-03.csv"},
    {'3', "snapshots/2024-04.csv"},
    {'4', "snapshots/2024-05.csv"},
    {'5', "snapshots/2024-06.csv"},
    {'6', "snapshots/2024-07.csv"},
    {'7', "snapshots/2024-08.csv"},
    {'8', "snapshots/2024-09.csv"},
    {'9', "snapshots/2024-10.csv"},
    {'X', "snapshots/export.csv"},
    {'S', "subscriptions.csv"},
    {'F', "fx.csv"},
    {'C', "costs.csv"},
    {'R', "churn_reasons.csv"},
    {'P', "referrals.csv"},
};
#define N_FOLDER_FILES (sizeof folder_files / sizeof *folder_files)

static char folder_dir[256];

static void folder_cleanup(void)
{
    char path[512];
    for (size_t i = 0; i < N_FOLDER_FILES; i++) {
        snprintf(path, sizeof path, "%s/%s", folder_dir, folder_files[i].name);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/snapshots", folder_dir);
    rmdir(path);
    rmdir(folder_dir);
}

static const char *folder_root(void)
{
    char *root = folder_dir;
    if (!root[0]) {
        const char *base = getenv("CSM_FUZZ_TMP");
        if (!base)
            base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(root, sizeof folder_dir, "%s/csm-fuzz-%ld", base,
                 (long)getpid());
        mkdir(root, 0700);
        atexit(folder_cleanup);
    }
    return root;
}

/* The board definition with every section the specs allow in it. */
static csm_report_def *board_def(void)
{
    static csm_report_def *def;
    if (!def) {
        csm_strbuf b = {0};
        csm_strbuf_puts(&b, "report = board\n");
        for (size_t i = 0; i < csm_n_section_specs; i++)
            if (strstr(csm_section_specs[i].reports, " board "))
                csm_strbuf_printf(&b, "[section %s]\n",
                                  csm_section_specs[i].id);
        csm_diags d = {0};
        if (csm_report_def_parse("board", b.data, b.len, csm_section_specs,
                                 csm_n_section_specs, &def, &d) != CSM_OK)
            csm_fuzz_fail("folder: the built-in board definition");
        csm_diags_free(&d);
        csm_strbuf_free(&b);
    }
    return def;
}

static void check_folder_dataset(const csm_dataset *ds)
{
    for (int m = 0; m < ds->n_months; m++) {
        int64_t sum = 0;
        for (size_t c = 0; c < ds->n_customers; c++) {
            int64_t v = ds->mrr[m][c];
            check(v >= 0, "folder: negative MRR loaded");
            if (ds->mrr_excluded)
                v += ds->mrr_excluded[m][c];
            check(csm_money_add(sum, v, &sum), "folder: MRR overflows");
        }
        check(sum == ds->month_total[m],
              "folder: a month total differs from its customers' sum");
    }
}

/* A whole data folder: the input is a series of files, each introduced by
 * a line "@K" where K picks its name in folder_files ("@0" the January
 * snapshot, "@F" fx.csv, ...).  The folder is loaded with csm_load_run,
 * every metric is computed for the last month, the JSON written and read
 * back, and the board's report model built: the multi-month paths (bridge,
 * renewals, cohorts, at-risk, economics with costs) the single snapshot
 * cannot reach. */
int csm_fuzz_folder(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        csm_stats_init();
        init = true;
    }
    const char *root = folder_root();
    char path[512];
    snprintf(path, sizeof path, "%s/snapshots", root);
    mkdir(path, 0700);
    for (size_t i = 0; i < N_FOLDER_FILES; i++) {
        snprintf(path, sizeof path, "%s/%s", root, folder_files[i].name);
        unlink(path);
    }
    bool any_snapshot = false;
    const char *s = (const char *)data, *end = s + size;
    const char *p = s;
    while (p < end) {
        /* A file starts at "@K\n" at the start of the input or of a line. */
        if (p[0] != '@' || p + 2 >= end || p[2] != '\n' ||
            (p != s && p[-1] != '\n')) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            p = nl ? nl + 1 : end;
            continue;
        }
        const char *name = NULL;
        for (size_t i = 0; i < N_FOLDER_FILES && !name; i++)
            if (folder_files[i].key == p[1])
                name = folder_files[i].name;
        const char *body = p + 3, *q = body;
        while (q < end && !(q[0] == '@' && q[-1] == '\n'))
            q++;
        if (name) {
            snprintf(path, sizeof path, "%s/%s", root, name);
            FILE *f = fopen(path, "wb");
            check(f != NULL, "folder: cannot write a file");
            /* The line before the next "@" ends this file. */
            size_t n = (size_t)(q - body);
            if (q < end && n)
                n--;
            fwrite(body, 1, n, f);
            fclose(f);
            any_snapshot = any_snapshot || strchr(name, '/') ||
                           strcmp(name, "subscriptions.csv") == 0;
        }
        p = q;
    }
    if (!any_snapshot)
        return 0;

    csm_config cfg;
    csm_config_defaults(&cfg);
    csm_diags d = {0};
    csm_dataset *ds = NULL;
    csm_load_options lo = {.data_dir = root, .threads = 1};
    csm_error rc = csm_load_run(&lo, &cfg, &ds, &d);
    check(rc == CSM_OK || rc == CSM_EDATA, "folder: unexpected load code");
    check((rc == CSM_OK) == (ds != NULL), "folder: *out and code disagree");
    check(rc == CSM_OK ? csm_diags_errors(&d) == 0 : csm_diags_errors(&d) > 0,
          "folder: load code and diagnostics disagree");
    check_diags(&d);
    if (ds) {
        check_folder_dataset(ds);
        csm_metrics *m = NULL;
        rc = csm_metrics_run(ds, &cfg, ds->n_months - 1, &m, &d);
        check(rc == CSM_OK || rc == CSM_EDATA,
              "folder: unexpected metrics code");
        check((rc == CSM_OK) == (m != NULL),
              "folder: metrics *out and code disagree");
        if (rc != CSM_OK)
            check(csm_diags_errors(&d) > 0,
                  "folder: metrics failed without a diagnostic");
        check_diags(&d);
        if (m) {
            char *text = NULL;
            size_t len = 0;
            FILE *fp = open_memstream(&text, &len);
            check(fp && csm_metrics_write_json(m, &d, fp) == CSM_OK,
                  "folder: metrics JSON not written");
            fclose(fp);
            csm_diags jd = {0};
            csm_jval *v = NULL;
            check(csm_json_parse(text, len, "metrics.json", &v, &jd) == CSM_OK,
                  "folder: metrics JSON does not parse");
            csm_jval_free(v);
            csm_diags_free(&jd);
            free(text);
            csm_build_ctx ctx = {.m = m,
                                 .ds = ds,
                                 .cfg = &cfg,
                                 .diags = &d,
                                 .epoch = 1700000000};
            csm_report *model = NULL;
            csm_diags bd = {0};
            rc = csm_report_build(board_def(), &ctx, &model, &bd);
            check((rc == CSM_OK) == (model != NULL),
                  "folder: report *out and code disagree");
            check_diags(&bd);
            csm_report_free(model);
            csm_diags_free(&bd);
            csm_metrics_free(m);
        }
        csm_dataset_free(ds);
    }
    csm_diags_free(&d);
    return 0;
}

/* ------------------------------------------------------------ csv */

typedef struct rec_log {
    csm_strbuf b;
    long stop_after; /* return CSM_EDATA at this record (0: never) */
} rec_log;

static csm_error log_record(void *ctx, const csm_csv_record *rec)
{
    rec_log *l = ctx;
    csm_strbuf_printf(&l->b, "#%ld line %ld off %lld n %zu:", rec->number,
                      rec->line, rec->offset, rec->n_fields);
    for (size_t i = 0; i < rec->n_fields; i++) {
        check(rec->fields[i][rec->lens[i]] == '\0', "field not terminated");
        check(strlen(rec->fields[i]) == rec->lens[i], "field holds a NUL byte");
        csm_strbuf_printf(&l->b, " %zu:", rec->lens[i]);
        csm_strbuf_append(&l->b, rec->fields[i], rec->lens[i]);
    }
    csm_strbuf_putc(&l->b, '\n');
    if (l->stop_after && rec->number == l->stop_after)
        return CSM_EDATA;
    return CSM_OK;
}

static char *read_with(const uint8_t *data, size_t size, size_t block,
                       size_t max_record, long stop_after)
{
    rec_log l = {.stop_after = stop_after};
    csm_diags d = {0};
    csm_csv_options opt = {.block_size = block, .max_record_bytes = max_record};
    csm_error rc = csm_csv_read_buffer((const char *)data, size, "f.csv", &opt,
                                       log_record, &l, &d);
    check(rc == CSM_OK || rc == CSM_EDATA, "reader: unexpected code");
    check((rc == CSM_OK) == (csm_diags_errors(&d) == 0) || stop_after,
          "reader: code and diagnostics disagree");
    check_diags(&d);
    csm_strbuf_printf(&l.b, "rc %d\n", (int)rc);
    for (size_t i = 0; i < d.n; i++)
        csm_strbuf_printf(&l.b, "%s:%ld:%d: %s\n", d.items[i].rule,
                          d.items[i].line, d.items[i].field,
                          d.items[i].message);
    csm_diags_free(&d);
    return csm_strbuf_take(&l.b);
}

int csm_fuzz_csv(const uint8_t *data, size_t size)
{
    /* Small records limit so the "record too long" path is reachable. */
    static const size_t limits[] = {0, 300};
    static const size_t blocks[] = {1, 2, 3, 5, 64};
    for (size_t li = 0; li < 2; li++) {
        char *whole = read_with(data, size, size + 1, limits[li], 0);
        for (size_t bi = 0; bi < sizeof blocks / sizeof *blocks; bi++) {
            char *part = read_with(data, size, blocks[bi], limits[li], 0);
            if (strcmp(whole, part) != 0) {
                fprintf(stderr,
                        "block %zu limit %zu:\n--- whole\n%s--- "
                        "part\n%s",
                        blocks[bi], limits[li], whole, part);
                csm_fuzz_fail("CSV records depend on the block size");
            }
            free(part);
        }
        free(whole);
    }
    /* A callback that stops the reading half-way leaves nothing behind. */
    free(read_with(data, size, 7, 0, 2));
    return 0;
}

/* ------------------------------------------------------------ money */

typedef __int128 i128;

/* Reference decimal reader: [-]digits[.digits], value * 10^scale in a
 * 128-bit integer; false on bad syntax or more than 24 significant digits
 * (so that 10^12 more still fits). */
static bool ref_decimal(const char *s, size_t len, int scale, i128 *out,
                        int *frac_out)
{
    size_t i = 0;
    bool neg = len && s[0] == '-';
    i = neg ? 1 : 0;
    i128 v = 0;
    int digits = 0, frac = 0;
    bool dot = false;
    size_t int_digits = 0;
    for (; i < len; i++) {
        if (s[i] == '.' && !dot) {
            dot = true;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (dot)
            frac++;
        else
            int_digits++;
        if (dot && frac > scale) {
            if (s[i] != '0')
                return false;
            continue;
        }
        if (v != 0 || s[i] != '0')
            digits++;
        if (digits > 24)
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (int_digits == 0 || (dot && frac == 0))
        return false;
    for (int k = frac < scale ? frac : scale; k < scale; k++)
        v *= 10;
    *out = neg ? -v : v;
    *frac_out = frac;
    return true;
}

static i128 pow10_128(int e)
{
    i128 p = 1;
    while (e-- > 0)
        p *= 10;
    return p;
}

/* round(n / d) half to even, d > 0. */
static i128 div_round_even(i128 n, i128 d)
{
    bool neg = n < 0;
    i128 m = neg ? -n : n;
    i128 q = m / d, r = m % d;
    if (2 * r > d || (2 * r == d && (q & 1)))
        q++;
    return neg ? -q : q;
}

int csm_fuzz_money(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int dec = data[0] % 10;
    int to_dec = (data[0] / 10) % 4;
    const char *s = (const char *)data + 1;
    size_t len = size - 1;

    int64_t v = 0;
    csm_money_status st = csm_money_parse(s, len, dec, &v);
    /* The amount converted below: the parsed one, else any amount. */
    int64_t amount = st == CSM_MONEY_OK ? v : (int64_t)data[0] * 1000003 - 77;
    i128 ref;
    int frac = 0;
    bool ref_ok = ref_decimal(s, len, dec, &ref, &frac);
    if (st == CSM_MONEY_OK) {
        check(ref_ok, "money: accepted text the reference refuses");
        check(ref == (i128)v, "money: value differs from the reference");
        char buf[CSM_MONEY_BUFSZ];
        int64_t back = 0;
        csm_money_format(v, dec, buf);
        check(csm_money_parse(buf, strlen(buf), dec, &back) == CSM_MONEY_OK &&
                  back == v,
              "money: formatted amount does not read back");
    } else if (ref_ok) {
        check(st == CSM_MONEY_RANGE,
              "money: refused a valid amount for a reason other than range");
        check(ref > INT64_MAX || ref < INT64_MIN,
              "money: range error on an amount that fits");
    }

    csm_rate r;
    st = csm_rate_parse(s, len, &r);
    if (st == CSM_MONEY_OK) {
        check(r.num > 0 && r.scale >= 0 && r.scale <= 12,
              "rate: out of its documented range");
        i128 rv;
        int rf;
        check(ref_decimal(s, len, 12, &rv, &rf), "rate: reference refuses");
        check(rv > 0, "rate: accepted a rate that is not positive");
        check(rv == (i128)r.num * pow10_128(12 - r.scale),
              "rate: value differs from the reference");

        /* Conversion against the 128-bit reference. */
        int e = to_dec - dec - r.scale;
        int64_t got = 0;
        bool ok = csm_money_convert(amount, dec, r, to_dec, &got);
        i128 prod = (i128)amount * r.num, want;
        bool fits;
        if (e >= 0) {
            i128 p = pow10_128(e);
            i128 lim = ((i128)1 << 120) / p;
            fits = prod <= lim && prod >= -lim;
            want = fits ? prod * p : 0;
        } else {
            want = div_round_even(prod, pow10_128(-e));
            fits = true;
        }
        fits = fits && want <= INT64_MAX && want >= INT64_MIN;
        if (e > 18 || e < -18)
            fits = false;
        check(ok == fits, "convert: overflow verdict differs");
        if (ok)
            check((i128)got == want, "convert: value differs");
    }
    return 0;
}

/* ------------------------------------------------------------ date */

int csm_fuzz_date(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    csm_day day;
    char buf[CSM_DATE_BUFSZ];
    if (csm_date_parse(s, size, &day) == CSM_DATE_OK) {
        csm_date_format(day, buf);
        check(size == 10 && memcmp(buf, s, 10) == 0,
              "date: formatted day differs from the text");
        int y, m, d;
        csm_day_to_ymd(day, &y, &m, &d);
        check(csm_day_from_ymd(y, m, d) == day, "date: ymd round trip");
        check(d >= 1 && d <= csm_days_in_month(y, m), "date: bad day");
        check(csm_month_first_day(csm_day_month(day)) <= day &&
                  day <= csm_month_last_day(csm_day_month(day)),
              "date: day outside its month");
    }
    csm_month mo;
    if (csm_month_parse(s, size, &mo) == CSM_DATE_OK) {
        csm_month_format(mo, buf);
        check(size == 7 && memcmp(buf, s, 7) == 0,
              "month: formatted month differs from the text");
        check(csm_month_from_ym(csm_month_year(mo), csm_month_mon(mo)) == mo,
              "month: ym round trip");
    }
    return 0;
}

/* ------------------------------------------------------------ report_def */

static char *def_text(const csm_report_def *d)
{
    csm_strbuf b = {0};
    csm_strbuf_printf(&b, "report = %s\ntitle = %s\n", d->report, d->title);
    for (size_t i = 0; i < d->n_sections; i++) {
        const csm_def_section *s = &d->sections[i];
        csm_strbuf_printf(&b, "[section %s]\ntitle = %s\n", s->id, s->title);
        for (size_t k = 0; k < s->n_options; k++)
            csm_strbuf_printf(&b, "%s = %s\n", s->options[k].name,
                              s->options[k].value);
    }
    return csm_strbuf_take(&b);
}

int csm_fuzz_report_def(const uint8_t *data, size_t size)
{
    csm_diags d = {0};
    csm_report_def *def = NULL;
    csm_error rc =
        csm_report_def_parse("fuzz.report", (const char *)data, size,
                             csm_section_specs, csm_n_section_specs, &def, &d);
    check_result(rc, def, &d, CSM_EUSAGE);
    if (def) {
        /* Every option the builders will read has a value. */
        for (size_t i = 0; i < def->n_sections; i++) {
            const csm_def_section *s = &def->sections[i];
            const csm_section_spec *spec = NULL;
            for (size_t k = 0; k < csm_n_section_specs && !spec; k++)
                if (strcmp(csm_section_specs[k].id, s->id) == 0)
                    spec = &csm_section_specs[k];
            check(spec != NULL, "report: section without a spec");
            for (size_t k = 0; k < spec->n_options; k++) {
                const csm_opt_spec *o = &spec->options[k];
                const char *v = csm_def_option_text(s, spec, o->name);
                check(v != NULL, "report: option without a value");
                if (o->type == CSM_OPT_INT) {
                    long x = csm_def_option_int(s, spec, o->name);
                    check(x >= o->lo && x <= o->hi,
                          "report: option out of its range");
                }
            }
        }
        /* Written back out, the definition reads back the same. */
        char *t1 = def_text(def);
        csm_diags d2 = {0};
        csm_report_def *again = NULL;
        check(csm_report_def_parse("again.report", t1, strlen(t1),
                                   csm_section_specs, csm_n_section_specs,
                                   &again, &d2) == CSM_OK,
              "report: definition does not read back");
        char *t2 = def_text(again);
        check(strcmp(t1, t2) == 0, "report: definition changes on reading");
        free(t1);
        free(t2);
        csm_report_def_free(again);
        csm_diags_free(&d2);
        csm_report_def_free(def);
    }
    csm_diags_free(&d);
    return 0;
}

/* ------------------------------------------------------------ style */

int csm_fuzz_style(const uint8_t *data, size_t size)
{
    csm_style s;
    csm_style_defaults(&s);
    csm_diags d = {0};
    csm_error rc =
        csm_style_parse(&s, "fuzz.style", (const char *)data, size, &d);
    check_result(rc, rc == CSM_OK ? &s : NULL, &d, CSM_EUSAGE);
    const char *texts[] = {s.font_regular, s.font_bold,   s.money_format,
                           s.int_format,   s.rate_format, s.date_format,
                           s.paper,        s.header,      s.footer,
                           s.company};
    const size_t sizes[] = {sizeof s.font_regular, sizeof s.font_bold,
                            sizeof s.money_format, sizeof s.int_format,
                            sizeof s.rate_format,  sizeof s.date_format,
                            sizeof s.paper,        sizeof s.header,
                            sizeof s.footer,       sizeof s.company};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        check(memchr(texts[i], '\0', sizes[i]) != NULL,
              "style: text not terminated");
    check(s.body_size >= 5 && s.body_size <= 20 && s.margin_mm >= 5 &&
              s.margin_mm <= 40,
          "style: number out of range");
    const char *vars[] = {"company", "Acme {page}", "title", "Board", "page",
                          "3",       "pages",       NULL,    NULL};
    char *h = csm_style_expand(s.header, vars);
    char *f = csm_style_expand(s.footer, vars);
    free(h);
    free(f);
    csm_style_free(&s);
    csm_diags_free(&d);
    return 0;
}

/* ------------------------------------------------------------ config */

static void config_line(void *ctx, const char *section, const char *key,
                        const char *value, const char *doc)
{
    (void)doc;
    csm_strbuf *b = ctx;
    csm_strbuf_printf(b, "[%s]\n%s = %s\n", section, key, value);
}

int csm_fuzz_config(const uint8_t *data, size_t size)
{
    csm_config c;
    csm_config_defaults(&c);
    csm_diags d = {0};
    csm_error rc =
        csm_config_parse(&c, "fuzz.conf", (const char *)data, size, &d);
    check_result(rc, rc == CSM_OK ? &c : NULL, &d, CSM_EUSAGE);
    if (rc == CSM_OK) {
        check(csm_currency_decimals(c.currency) >= 0,
              "config: unknown currency accepted");
        /* The policy echo, read back, is the same configuration. */
        csm_strbuf b = {0};
        csm_config_visit(&c, config_line, &b);
        csm_config c2;
        csm_config_defaults(&c2);
        csm_diags d2 = {0};
        check(csm_config_parse(&c2, "echo.conf", b.data, b.len, &d2) == CSM_OK,
              "config: the policy echo does not read back");
        /* Compare every byte but the text buffers' tails after their NUL,
         * which an earlier longer value may have left behind. */
        c2.source = c.source;
        size_t n1 = strlen(c.company), n2 = strlen(c2.company);
        memset(c.company + n1, 0, sizeof c.company - n1);
        memset(c2.company + n2, 0, sizeof c2.company - n2);
        check(memcmp(&c, &c2, sizeof c) == 0,
              "config: the policy echo reads back different settings");
        csm_diags_free(&d2);
        csm_strbuf_free(&b);
    }
    csm_config_free(&c);
    csm_diags_free(&d);
    return 0;
}

/* ------------------------------------------------------------ json */

static void jwrite(csm_strbuf *b, const csm_jval *v);

static void jstring(csm_strbuf *b, const char *s)
{
    csm_strbuf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            csm_strbuf_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            csm_strbuf_printf(b, "\\u%04x", *p);
        else
            csm_strbuf_putc(b, (char)*p);
    }
    csm_strbuf_putc(b, '"');
}

static void jwrite(csm_strbuf *b, const csm_jval *v)
{
    switch (v->type) {
    case CSM_JNULL:
        csm_strbuf_puts(b, "null");
        break;
    case CSM_JBOOL:
        csm_strbuf_puts(b, v->b ? "true" : "false");
        break;
    case CSM_JNUMBER:
        csm_strbuf_puts(b, v->text);
        break;
    case CSM_JSTRING:
        jstring(b, v->text);
        break;
    case CSM_JARRAY:
    case CSM_JOBJECT:
        csm_strbuf_putc(b, v->type == CSM_JARRAY ? '[' : '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                csm_strbuf_putc(b, ',');
            if (v->type == CSM_JOBJECT) {
                jstring(b, v->keys[i]);
                csm_strbuf_putc(b, ':');
            }
            jwrite(b, &v->items[i]);
        }
        csm_strbuf_putc(b, v->type == CSM_JARRAY ? ']' : '}');
        break;
    }
}

static void jcheck(const csm_jval *v)
{
    if (v->type == CSM_JSTRING) {
        size_t n = strlen(v->text);
        check(csm_utf8_invalid_at(v->text, n) == n,
              "json: string is not valid UTF-8");
    }
    if (v->type == CSM_JNUMBER)
        check(v->text && v->text[0], "json: number without text");
    for (size_t i = 0; i < v->n; i++) {
        if (v->type == CSM_JOBJECT) {
            size_t n = strlen(v->keys[i]);
            check(csm_utf8_invalid_at(v->keys[i], n) == n,
                  "json: key is not valid UTF-8");
        }
        jcheck(&v->items[i]);
    }
}

int csm_fuzz_json(const uint8_t *data, size_t size)
{
    csm_diags d = {0};
    csm_jval *v = NULL;
    csm_error rc =
        csm_json_parse((const char *)data, size, "previous.json", &v, &d);
    check_result(rc, v, &d, CSM_EDATA);
    if (v) {
        jcheck(v);
        csm_strbuf b = {0};
        jwrite(&b, v);
        csm_diags d2 = {0};
        csm_jval *w = NULL;
        check(csm_json_parse(b.data, b.len, "again.json", &w, &d2) == CSM_OK,
              "json: tree written back does not parse");
        csm_strbuf c = {0};
        jwrite(&c, w);
        check(b.len == c.len && memcmp(b.data, c.data, b.len) == 0,
              "json: tree changes on reading");
        csm_strbuf_free(&b);
        csm_strbuf_free(&c);
        csm_jval_free(w);
        csm_diags_free(&d2);
        csm_jval_free(v);
    }
    csm_diags_free(&d);
    return 0;
}
