/* The bad-input corpus of issue 6, through the binary ($CSM_BIN, the
 * sanitizer build): every case must fail with its exit code and a message
 * naming file, line and column where one applies, and a report command
 * run on it with --out must leave that (empty) folder empty.
 *
 * Small cases are fixtures in fixtures/bad/<case>/ (listed in `cases`
 * below); large ones are generated here at run time (a 10 MB field,
 * 100,000 columns, a 1 GB line) and so are the file-system ones (a
 * snapshot that is a folder, unreadable, a symbolic link loop; an output
 * folder that cannot be written; a full disk through RLIMIT_FSIZE).
 * Every fixtures/bad folder, those of issue 2 included, is also run through
 * `report board` to check that none leaves an output behind. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "csmetrics/xalloc.h"
#include "support/proc.h"
#include "support/testutil.h"

/* Fails the test, showing the run. */
static void show_fail(const char *what, const char *const *args,
                      const tp_result *r)
{
    fprintf(stderr, "%s\nargs:", what);
    for (size_t i = 0; args[i]; i++)
        fprintf(stderr, " %s", args[i]);
    fprintf(stderr, "\nexit %d\nstdout:\n%s\nstderr:\n%s\n", r->status, r->out,
            r->err);
    fail();
}

static void expect_empty(const char *dir)
{
    char *names;
    int n = tp_count_entries(dir, &names);
    if (n != 0) {
        fprintf(stderr, "output folder %s holds %d entries:\n%s", dir, n,
                names ? names : "");
        fail();
    }
    free(names);
}

/* Runs `report board --data DATA --out OUT` (OUT a fresh empty folder)
 * and `validate --data DATA`; both must exit with `code` and print
 * `message`, and OUT must stay empty. */
static void expect_refused(const char *data, int code, const char *message,
                           const tp_opts *o)
{
    char *out = tu_tempdir("out");
    const char *report[] = {"report",   "board",         "--data",
                            data,       "--out",         out,
                            "--format", "pdf,xlsx,json", NULL};
    const char *validate[] = {"validate", "--data", data, NULL};
    const char *const *runs[] = {report, validate};
    for (size_t i = 0; i < 2; i++) {
        tp_result r;
        tp_run(runs[i], o, &r);
        if (r.status != code)
            show_fail("wrong exit code", runs[i], &r);
        if (message && !strstr(r.err, message)) {
            fprintf(stderr, "wanted: %s\n", message);
            show_fail("message not found", runs[i], &r);
        }
        tp_free(&r);
    }
    expect_empty(out);
    tu_rmtree(out);
    free(out);
}

/* ------------------------------------------------------------ fixtures */

static const struct {
    const char *dir;
    int code;
    const char *message;
} cases[] = {
    {"bom-in-middle", 1,
     "snapshots/2024-01.csv:3: error: column \"customer_id\" (field 1): byte "
     "order mark inside the file"},
    {"mixed-encoding", 1,
     "snapshots/2024-01.csv:3: error: column \"customer_name\" (field 2): "
     "invalid UTF-8 (byte 0xE9 at position 4"},
    {"mrr-exponent", 1,
     "snapshots/2024-01.csv:3: error: column \"mrr\" (field 3): \"1e3\" is "
     "not an amount (expected an amount like 1234.56"},
    {"mrr-nan", 1,
     "snapshots/2024-01.csv:2: error: column \"mrr\" (field 3): \"NaN\" is "
     "not an amount"},
    {"mrr-hex", 1,
     "snapshots/2024-01.csv:4: error: column \"mrr\" (field 3): \"0x10\" is "
     "not an amount"},
    {"mrr-leading-space", 1,
     "snapshots/2024-01.csv:2: error: column \"mrr\" (field 3): \" 12\" is "
     "not an amount"},
    {"mrr-trailing-space", 1,
     "snapshots/2024-01.csv:2: error: column \"mrr\" (field 3): \"12 \" is "
     "not an amount"},
    {"mrr-thousands", 1,
     "snapshots/2024-01.csv:3: error: column \"mrr\" (field 3): \"1,234.50\" "
     "is not an amount"},
    {"date-unpadded", 1,
     "snapshots/2024-01.csv:3: error: column \"contract_start\" (field 3): "
     "\"2025-1-5\" is not a date (expected a date YYYY-MM-DD"},
    {"date-slashes", 1,
     "snapshots/2024-01.csv:2: error: column \"term_end\" (field 3): "
     "\"2025/01/05\" is not a date"},
    {"date-excel-serial", 1,
     "snapshots/2024-01.csv:2: error: column \"contract_start\" (field 3): "
     "\"45678\" is not a date (expected a date YYYY-MM-DD, e.g. 2025-01-31; "
     "this looks like a spreadsheet serial day number"},
    {"term-before-start", 1,
     "snapshots/2024-01.csv:3: error: column \"term_end\": term_end "
     "2024-03-31 is before contract_start 2024-05-01"},
    {"costs-out-of-range", 1,
     "costs.csv:4: error: column \"month\" (field 1): month 2023-12 is "
     "outside the loaded data (expected 2024-01..2024-03)"},
    {"fx-missing-month", 1,
     "snapshots/2024-02.csv:3: error: column \"currency\" (field 4): no "
     "exchange rate for EUR in 2024-02 (expected a row \"2024-02,EUR,RATE\" "
     "in fx.csv)"},
    {"referral-unknown-customer", 1,
     "referrals.csv:3: error: column \"referrer_id\" (field 1): customer "
     "\"C9\" is in no snapshot"},
    /* Money never wraps: 2 x 46116860184273879.04 passes INT64_MAX cents. */
    {"overflow-month-total", 1,
     "snapshots/2024-01.csv:3: error: column \"mrr\" (field 2): the month's "
     "total MRR passes the largest amount that can be held exactly "
     "(expected a total of at most 92233720368547758.07 USD)"},
    {"overflow-customer-subscriptions", 1,
     "snapshots/2024-01.csv:3: error: column \"mrr\" (field 3): customer "
     "C1's rows this month add up past the largest amount"},
    {"overflow-costs-total", 1,
     "costs.csv: error: the acquisition or retention costs add up past the "
     "largest amount that can be held exactly (expected a total of at most "
     "92233720368547758.07 USD over all months)"},
};

static void test_fixture_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *rel = csm_xasprintf("fixtures/bad/%s", cases[i].dir);
        char *dir = tu_path(rel);
        expect_refused(dir, cases[i].code, cases[i].message, NULL);
        free(dir);
        free(rel);
    }
}

/* Every folder of fixtures/bad, issue 2's included, is refused by the
 * report command without leaving a file. */
static void test_no_output_from_any_bad_fixture(void **state)
{
    (void)state;
    char *root = tu_path("fixtures/bad");
    DIR *d = opendir(root);
    assert_non_null(d);
    struct dirent *e;
    size_t n = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *dir = csm_xasprintf("%s/%s", root, e->d_name);
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
            expect_refused(dir, 1, "error:", NULL);
            n++;
        }
        free(dir);
    }
    closedir(d);
    free(root);
    assert_true(n >= 12 + sizeof cases / sizeof *cases);
}

/* "1,234.50" is refused by default (above) and read as 1234.50 with the
 * documented option. */
static void test_thousands_option(void **state)
{
    (void)state;
    char *dir = tu_path("fixtures/bad/mrr-thousands");
    char *conf = tu_path("fixtures/bad/mrr-thousands/allow-thousands.conf");
    const char *m[] = {"metrics", "--data", dir, "--config",
                       conf,      "--json", NULL};
    tp_result r;
    tp_run(m, NULL, &r);
    if (r.status != 0)
        show_fail("thousands option refused", m, &r);
    /* 10.00 + 1,234.50 = 1244.50: the only month's closing, in cents. */
    assert_non_null(strstr(r.out, "\"closing\": 124450"));
    assert_non_null(strstr(r.out, "\"allow_thousands_separator\": true"));
    tp_free(&r);
    char *out = tu_tempdir("out");
    const char *b[] = {"report", "board", "--data", dir, "--config",
                       conf,     "--out", out,      NULL};
    tp_run(b, NULL, &r);
    if (r.status != 0)
        show_fail("thousands option: report failed", b, &r);
    assert_int_equal(tp_count_entries(out, NULL), 2);
    tp_free(&r);
    tu_rmtree(out);
    free(out);
    free(conf);
    free(dir);
}

/* ------------------------------------------------------------ generated */

static void write_file(const char *path, const char *head, size_t fill, char c,
                       const char *tail)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(head, f);
    char buf[65536];
    memset(buf, c, sizeof buf);
    while (fill > 0) {
        size_t n = fill < sizeof buf ? fill : sizeof buf;
        assert_int_equal(fwrite(buf, 1, n, f), n);
        fill -= n;
    }
    fputs(tail, f);
    assert_int_equal(fclose(f), 0);
}

static char *snap_dir(const char *tag, char **data)
{
    *data = tu_tempdir(tag);
    char *snaps = csm_xasprintf("%s/snapshots", *data);
    mkdir(snaps, 0777);
    return snaps;
}

static void test_ten_megabyte_field(void **state)
{
    (void)state;
    char *data, *snaps = snap_dir("field", &data);
    char *f = csm_xasprintf("%s/2024-01.csv", snaps);
    write_file(f, "customer_id,customer_name,mrr\nC1,Acme,10.00\nC2,\"",
               10u << 20, 'x', "\",20.00\n");
    expect_refused(data, 1,
                   "snapshots/2024-01.csv:3: error: record is longer than "
                   "1048576 bytes",
                   NULL);
    free(f);
    free(snaps);
    tu_rmtree(data);
    free(data);
}

static void test_hundred_thousand_columns(void **state)
{
    (void)state;
    char *data, *snaps = snap_dir("wide", &data);
    char *f = csm_xasprintf("%s/2024-01.csv", snaps);
    FILE *fp = fopen(f, "wb");
    assert_non_null(fp);
    fputs("customer_id,mrr", fp);
    for (int i = 3; i <= 100000; i++)
        fprintf(fp, ",x%d", i);
    fputs("\nC1,10.00", fp);
    for (int i = 3; i <= 100000; i++)
        fputc(',', fp);
    fputc('\n', fp);
    assert_int_equal(fclose(fp), 0);
    expect_refused(data, 1,
                   "snapshots/2024-01.csv:1: error: the header has 100000 "
                   "columns (expected at most 4096",
                   NULL);
    free(f);
    free(snaps);
    tu_rmtree(data);
    free(data);
}

/* A 1 GB line without a newline.  The first 64 MB are written; the rest
 * of the gigabyte is a hole (ftruncate), which reads as NUL bytes: a
 * reader that went on past its record limit would report a NUL byte (or
 * run out of memory) instead of the long record, so the message below and
 * the memory figure together show the reader stopped early.  Writing the
 * whole gigabyte would cost seconds of disk time on every `make check`. */
static void gigabyte_line(const char *head, const char *message)
{
    char *data, *snaps = snap_dir("gigaline", &data);
    char *f = csm_xasprintf("%s/2024-01.csv", snaps);
    write_file(f, head, 64u << 20, '7', "");
    assert_int_equal(truncate(f, (off_t)strlen(head) + (1LL << 30)), 0);

    /* Peak memory against a run on a one-row file. */
    char *small_data, *small_snaps = snap_dir("smallline", &small_data);
    char *sf = csm_xasprintf("%s/2024-01.csv", small_snaps);
    write_file(sf, "customer_id,mrr\nC1,10.00\n", 0, ' ', "");
    const char *sv[] = {"validate", "--data", small_data, NULL};
    tp_result small;
    tp_run(sv, NULL, &small);
    assert_int_equal(small.status, 0);

    const char *v[] = {"validate", "--data", data, NULL};
    tp_result r;
    tp_run(v, NULL, &r);
    if (r.status != 1 || !strstr(r.err, message))
        show_fail("1 GB line", v, &r);
    long grown = r.max_rss_kb - small.max_rss_kb;
    printf("NOTE: 1 GB line: peak RSS %ld KB (one-row file %ld KB)\n",
           r.max_rss_kb, small.max_rss_kb);
    /* The record limit is 1 MiB and a block 256 KiB: a few MB at most
     * (libcsv's field buffer and our record arena), whatever the file. */
    assert_true(grown < 16 * 1024);
    tp_free(&r);
    tp_free(&small);
    expect_refused(data, 1, message, NULL);

    free(sf);
    free(small_snaps);
    tu_rmtree(small_data);
    free(small_data);
    free(f);
    free(snaps);
    tu_rmtree(data);
    free(data);
}

static void test_gigabyte_line(void **state)
{
    (void)state;
    gigabyte_line("customer_id,mrr\nC1,",
                  "snapshots/2024-01.csv:2: error: record is longer than "
                  "1048576 bytes");
    /* A lone CR ends the header (libcsv's row end): the long record that
     * follows starts in mid-line and must be bounded all the same. */
    gigabyte_line("customer_id,mrr\rC1,",
                  "snapshots/2024-01.csv:1: error: record is longer than "
                  "1048576 bytes");
}

/* ------------------------------------------------------------ file system */

/* Three good months; the caller then breaks 2024-02. */
static char *three_months(const char *tag)
{
    char *data = tu_tempdir(tag);
    for (int m = 1; m <= 3; m++) {
        char name[64];
        snprintf(name, sizeof name, "snapshots/2024-%02d.csv", m);
        const char *body = "customer_id,customer_name,mrr\nC1,Acme,10.00\n"
                           "C2,Bolt,20.00\n";
        tu_write(data, name, body, strlen(body));
    }
    return data;
}

static void test_snapshot_is_a_folder(void **state)
{
    (void)state;
    char *data = three_months("isdir");
    char *p = csm_xasprintf("%s/snapshots/2024-02.csv", data);
    assert_int_equal(unlink(p), 0);
    assert_int_equal(mkdir(p, 0777), 0);
    expect_refused(data, 4,
                   "snapshots/2024-02.csv: error: is a directory (expected a "
                   "regular CSV file)",
                   NULL);
    free(p);
    tu_rmtree(data);
    free(data);
}

static void test_symlink_loops(void **state)
{
    (void)state;
    char *data = three_months("loop");
    char *p = csm_xasprintf("%s/snapshots/2024-02.csv", data);
    assert_int_equal(unlink(p), 0);
    assert_int_equal(symlink("2024-02.csv", p), 0);
    expect_refused(data, 4,
                   "snapshots/2024-02.csv: error: cannot open: Too many "
                   "levels of symbolic links",
                   NULL);
    /* The snapshot folder itself a loop. */
    char *snaps = csm_xasprintf("%s/snapshots", data);
    tu_rmtree(snaps);
    assert_int_equal(symlink("snapshots", snaps), 0);
    expect_refused(data, 4,
                   "snapshots: error: cannot be read: Too many levels of "
                   "symbolic links (expected a folder of YYYY-MM.csv files)",
                   NULL);
    free(snaps);
    free(p);
    tu_rmtree(data);
    free(data);
}

/* Unprivileged runs need the binary and the test folders within reach of
 * user nobody; prints a SKIP line and returns false otherwise. */
static bool can_run_unprivileged(const char *what, const char *dir)
{
    const char *bin = getenv("CSM_BIN");
    if (!tp_can_drop_root()) {
        printf("SKIP: %s: running as root without setpriv\n", what);
        return false;
    }
    if (!tp_nobody_can(bin ? bin : "build/san/csmetrics", X_OK) ||
        !tp_nobody_can(dir, R_OK | X_OK)) {
        printf("SKIP: %s: user nobody cannot reach %s\n", what, dir);
        return false;
    }
    return true;
}

static void test_snapshot_unreadable(void **state)
{
    (void)state;
    char *data = three_months("unreadable");
    char *p = csm_xasprintf("%s/snapshots/2024-02.csv", data);
    if (can_run_unprivileged("unreadable snapshot", data)) {
        assert_int_equal(chmod(p, 0), 0);
        tp_opts o = {.as_nobody = true};
        expect_refused(data, 4,
                       "snapshots/2024-02.csv: error: cannot open: "
                       "Permission denied (expected a readable CSV file)",
                       &o);
    }
    free(p);
    tu_rmtree(data);
    free(data);
}

static void test_output_folder_not_writable(void **state)
{
    (void)state;
    char *data = tu_path("fixtures/hand/basic");
    /* A plain file where the folder should be: refused as root too. */
    char *tmp = tu_tempdir("notdir");
    char *file = csm_xasprintf("%s/report", tmp);
    tu_write(tmp, "report", "x", 1);
    const char *a[] = {"report", "board", "--data", data, "--out", file, NULL};
    tp_result r;
    tp_run(a, NULL, &r);
    if (r.status != 4 ||
        !strstr(r.err, "error: cannot use as the output folder: Not a "
                       "directory"))
        show_fail("--out names a file", a, &r);
    tp_free(&r);

    /* A folder without write permission, as an unprivileged user. */
    char *ro = tu_tempdir("readonly");
    if (can_run_unprivileged("read-only output folder", ro)) {
        assert_int_equal(chmod(ro, 0555), 0);
        const char *b[] = {"report", "board", "--data", data,
                           "--out",  ro,      NULL};
        tp_opts o = {.as_nobody = true};
        tp_run(b, &o, &r);
        if (r.status != 4 ||
            !strstr(r.err, "error: cannot create a file in its folder: "
                           "Permission denied"))
            show_fail("read-only --out", b, &r);
        tp_free(&r);
        expect_empty(ro);
        chmod(ro, 0755);
    }
    tu_rmtree(ro);
    free(ro);
    free(file);
    tu_rmtree(tmp);
    free(tmp);
    free(data);
}

/* Size of the largest file in dir. */
static long long largest_file(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    long long most = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *p = csm_xasprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > most)
            most = st.st_size;
        free(p);
    }
    closedir(d);
    return most;
}

/* A full disk: every write past the limit fails with EFBIG.  Whatever
 * file hits it (the workbook, the PDF or the JSON, and the workbook's own
 * temporaries), the run fails with an I/O error naming the file, and the
 * folder holds nothing: no report, no temporary, not even the files that
 * were complete before the one that failed. */
static void test_full_disk(void **state)
{
    (void)state;
    char *data = tu_path("fixtures/hand/basic");
    /* With room enough the run writes all three; the largest sets the
     * limits tried below (from a few KB to just under it). */
    char *out = tu_tempdir("room");
    const char *a[] = {"report", "board",    "--data",        data, "--out",
                       out,      "--format", "pdf,xlsx,json", NULL};
    tp_result r;
    tp_run(a, NULL, &r);
    if (r.status != 0)
        show_fail("report with room", a, &r);
    assert_int_equal(tp_count_entries(out, NULL), 3);
    long long most = largest_file(out);
    tp_free(&r);
    tu_rmtree(out);
    free(out);

    static const double share[] = {0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 0.99};
    for (size_t i = 0; i < sizeof share / sizeof *share; i++) {
        /* At least 2 KB: stderr goes to a file under the same limit. */
        long long limit = (long long)((double)most * share[i]);
        if (limit < 2048)
            limit = 2048;
        out = tu_tempdir("full");
        const char *b[] = {"report", "board",    "--data",        data, "--out",
                           out,      "--format", "pdf,xlsx,json", NULL};
        tp_opts o = {.fsize_limit = limit};
        tp_run(b, &o, &r);
        char *where = csm_xasprintf("%s/board-2024-05.", out);
        if (r.status != 4 || !strstr(r.err, where) ||
            !strstr(r.err, "error:")) {
            fprintf(stderr, "file size limit %lld of %lld\n", limit, most);
            show_fail("full disk", b, &r);
        }
        expect_empty(out);
        tp_free(&r);
        free(where);
        tu_rmtree(out);
        free(out);
    }
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_cases),
        cmocka_unit_test(test_no_output_from_any_bad_fixture),
        cmocka_unit_test(test_thousands_option),
        cmocka_unit_test(test_ten_megabyte_field),
        cmocka_unit_test(test_hundred_thousand_columns),
        cmocka_unit_test(test_gigabyte_line),
        cmocka_unit_test(test_snapshot_is_a_folder),
        cmocka_unit_test(test_symlink_loops),
        cmocka_unit_test(test_snapshot_unreadable),
        cmocka_unit_test(test_output_folder_not_writable),
        cmocka_unit_test(test_full_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
