/* End-to-end tests of the csmetrics binary ($CSM_BIN, the sanitizer
 * build): the bad-input corpus of fixtures/bad with its exit codes and
 * messages, usage errors, and `import periods` giving back the same
 * metrics as the periods file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/xalloc.h"
#include "support/testutil.h"

static void expect_run(const char *const *args, int code, const char *in_err)
{
    char *out, *err;
    int rc = tu_run(args, &out, &err);
    if (rc != code || (in_err && !strstr(err, in_err))) {
        fprintf(stderr, "args:");
        for (size_t i = 0; args[i]; i++)
            fprintf(stderr, " %s", args[i]);
        fprintf(stderr, "\nexit %d (want %d)\nstderr:\n%s\nwanted: %s\n", rc,
                code, err, in_err ? in_err : "");
        fail();
    }
    free(out);
    free(err);
}

/* Each bad fixture: the message must name the file and line and say what
 * was found and what was expected. */
static const struct {
    const char *dir;
    const char *message;
} bad[] = {
    {"unterminated-quote",
     "snapshots/2024-01.csv:3: error: column \"customer_name\" (field 2): "
     "unterminated quoted field"},
    {"missing-column",
     "snapshots/2024-01.csv:1: error: required column \"mrr\" is missing"},
    {"negative-mrr", "snapshots/2024-01.csv:3: error: column \"mrr\" (field "
                     "3): \"-5.00\" is negative"},
    {"too-many-decimals",
     "snapshots/2024-01.csv:2: error: column \"mrr\" (field 3): \"12.345\" "
     "has more decimals than USD has (expected at most 2)"},
    {"bad-date", "snapshots/2024-01.csv:3: error: column \"term_end\" (field "
                 "4): \"2025-02-30\" is not a day of the calendar"},
    {"duplicate-subscription",
     "snapshots/2024-01.csv:4: error: column \"subscription_id\" (field 5): "
     "customer C1 has subscription S1 twice"},
    {"missing-month", "snapshots: error: snapshot for 2024-02 is missing "
                      "between 2024-01 and 2024-03"},
    {"empty-file", "snapshots/2024-01.csv: error: the file is empty"},
    {"header-only", "snapshots/2024-01.csv:1: error: the file has a header "
                    "but no data rows"},
    {"invalid-utf8", "snapshots/2024-01.csv:3: error: column "
                     "\"customer_name\" (field 2): invalid UTF-8 (byte 0xE9"},
    {"embedded-nul", "snapshots/2024-01.csv:3: error: NUL byte"},
    {"not-a-month", "snapshots/january.csv:1: error: file name is not a "
                    "month and there is no as_of column"},
};

static void test_bad_corpus(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *rel = csm_xasprintf("fixtures/bad/%s", bad[i].dir);
        char *dir = tu_path(rel);
        const char *v[] = {"validate", "--data", dir, NULL};
        expect_run(v, 1, bad[i].message);
        /* metrics refuses the same data with the same message, and prints
         * no JSON. */
        const char *m[] = {"metrics", "--data", dir, "--json", NULL};
        char *out, *err;
        assert_int_equal(tu_run(m, &out, &err), 1);
        assert_non_null(strstr(err, bad[i].message));
        assert_string_equal(out, "");
        free(out);
        free(err);
        free(dir);
        free(rel);
    }
}

static void test_usage(void **state)
{
    (void)state;
    const char *a[] = {"frobnicate", NULL};
    expect_run(a, 2, "unknown command \"frobnicate\"");
    const char *b[] = {"metrics", "--json", NULL};
    expect_run(b, 2, "--data DIR is required");
    const char *c[] = {"metrics", "--data", "x", "--bogus", NULL};
    expect_run(c, 2, "unknown option \"--bogus\"");
    const char *d[] = {"metrics", "--data", NULL};
    expect_run(d, 2, "needs a value");
    char *basic = tu_path("fixtures/hand/basic");
    const char *e[] = {"metrics", "--data", basic, "--month", "2030-01", NULL};
    expect_run(e, 2,
               "--month 2030-01 is not in the data (expected "
               "2024-01..2024-05)");
    const char *f[] = {"metrics", "--data", basic, "--month", "May", NULL};
    expect_run(f, 2, "is not a month");
    const char *g[] = {"metrics", "--data", "/nonexistent/folder", NULL};
    expect_run(g, 4, "/nonexistent/folder: error: is not a folder");
    const char *h[] = {"--version", NULL};
    expect_run(h, 0, NULL);
    const char *i[] = {"metrics", "--help", NULL};
    expect_run(i, 0, NULL);
    free(basic);
}

/* The text of the JSON from the "bridge" key up to "policies": every
 * metric, without the header (which names the source) and data quality
 * (which lists files). */
static char *metric_part(const char *json)
{
    const char *a = strstr(json, "\"bridge\":");
    const char *b = strstr(json, "\"policies\":");
    assert_non_null(a);
    assert_non_null(b);
    return csm_xstrndup(a, (size_t)(b - a));
}

static void test_import_periods_roundtrip(void **state)
{
    (void)state;
    const char *src = "/work/shared/data/mrr-playbook";
    char *probe = csm_xasprintf("%s/subscriptions.csv", src);
    FILE *f = fopen(probe, "r");
    if (!f) {
        printf("SKIP: %s not present\n", probe);
        free(probe);
        return;
    }
    fclose(f);
    char *tmp = tu_tempdir("import");
    const char *imp[] = {"import", "periods", probe, "--out", tmp, NULL};
    expect_run(imp, 0, NULL);
    char *j1, *j2, *e1, *e2;
    const char *a[] = {"metrics", "--data", src, "--json", NULL};
    const char *b[] = {"metrics", "--data", tmp, "--json", NULL};
    assert_int_equal(tu_run(a, &j1, &e1), 0);
    assert_int_equal(tu_run(b, &j2, &e2), 0);
    char *p1 = metric_part(j1), *p2 = metric_part(j2);
    assert_string_equal(p1, p2);
    /* And the empty opening month survived as a month of zeros. */
    assert_non_null(strstr(j2, "\"months\": [\"2017-08\""));
    free(p1);
    free(p2);
    free(j1);
    free(j2);
    free(e1);
    free(e2);
    tu_rmtree(tmp);
    free(tmp);
    free(probe);
}

static void test_json_deterministic(void **state)
{
    (void)state;
    /* Same input, byte-identical output, whatever the thread count. */
    char *basic = tu_path("fixtures/hand/basic");
    const char *a[] = {"metrics",   "--data", basic, "--json",
                       "--threads", "1",      NULL};
    const char *b[] = {"metrics",   "--data", basic, "--json",
                       "--threads", "4",      NULL};
    char *j1, *j2;
    assert_int_equal(tu_run(a, &j1, NULL), 0);
    assert_int_equal(tu_run(b, &j2, NULL), 0);
    assert_string_equal(j1, j2);
    /* Spot checks of the document's shape (SPEC section 5). */
    assert_non_null(strstr(j1, "\"month\": \"2024-05\""));
    assert_non_null(strstr(j1, "\"currency\": \"USD\""));
    assert_non_null(strstr(j1, "\"m12\": null"));
    free(j1);
    free(j2);
    free(basic);
}

/* Restatements: the earlier run of another month gives none; a corrected
 * amount gives exactly the figures it moves, with the customer.
 * fixtures/hand/basic: A's April MRR 150.00 becomes 160.00 in a copy.  The
 * April bridge: A goes 150 (Mar) -> 160 (Apr), an expansion of 10.00
 * in April, and 160 -> 120 in May, a
 * contraction of 40.00 instead of 30.00; April closes at 620.00 instead of
 * 610.00, which is May's opening.  (A's April expansion was 0 before:
 * 150 -> 150.) */
static void test_restatements(void **state)
{
    (void)state;
    char *basic = tu_path("fixtures/hand/basic");
    char *tmp = tu_tempdir("restate");
    char *prev_apr = csm_xasprintf("%s/apr.json", tmp);
    char *prev_may = csm_xasprintf("%s/may.json", tmp);
    const char *a[] = {"metrics", "--data", basic, "--month",
                       "2024-04", "--json", NULL};
    const char *b[] = {"metrics", "--data", basic, "--json", NULL};
    char *ja, *jb;
    assert_int_equal(tu_run(a, &ja, NULL), 0);
    assert_int_equal(tu_run(b, &jb, NULL), 0);
    tu_write(tmp, "apr.json", ja, strlen(ja));
    tu_write(tmp, "may.json", jb, strlen(jb));
    /* Same data, earlier month: nothing is restated. */
    char *out = csm_xasprintf("%s/out1", tmp);
    const char *r1[] = {"report",     "board",  "--data",   basic,
                        "--previous", prev_apr, "--format", "json",
                        "--out",      out,      "--quiet",  NULL};
    assert_int_equal(tu_run(r1, NULL, NULL), 0);
    char *path = csm_xasprintf("%s/board-2024-05.json", out);
    char *j1 = tu_read(path, NULL);
    assert_non_null(j1);
    assert_non_null(strstr(j1, "\"figures_count\": 0"));
    /* A corrected April amount. */
    char *copy = csm_xasprintf("%s/data", tmp);
    char *cmd =
        csm_xasprintf("cp -r '%s' '%s' && sed -i "
                      "'s/^A,\"Acme, Inc.\",,SMB,150.00,/A,\"Acme, "
                      "Inc.\",,SMB,160.00,/' '%s/snapshots/2024-04.csv'",
                      basic, copy, copy);
    assert_int_equal(system(cmd), 0);
    char *out2 = csm_xasprintf("%s/out2", tmp);
    const char *r2[] = {"report",     "board",  "--data",          copy,
                        "--previous", prev_may, "--previous-data", basic,
                        "--format",   "json",   "--out",           out2,
                        "--quiet",    NULL};
    assert_int_equal(tu_run(r2, NULL, NULL), 0);
    char *path2 = csm_xasprintf("%s/board-2024-05.json", out2);
    char *j2 = tu_read(path2, NULL);
    assert_non_null(j2);
    assert_non_null(strstr(j2, "{\"month\": \"2024-04\", \"metric\": "
                               "\"bridge.expansion\", \"previous\": \"0\", "
                               "\"current\": \"1000\"}"));
    assert_non_null(strstr(j2, "{\"month\": \"2024-04\", \"metric\": "
                               "\"bridge.closing\", \"previous\": \"61000\", "
                               "\"current\": \"62000\"}"));
    assert_non_null(strstr(j2, "{\"month\": \"2024-05\", \"metric\": "
                               "\"bridge.contraction\", \"previous\": "
                               "\"3000\", \"current\": \"4000\"}"));
    assert_non_null(strstr(j2, "\"customers_count\": 1"));
    assert_non_null(strstr(j2, "{\"customer_id\": \"A\", \"month\": "
                               "\"2024-04\", \"change\": \"changed\", "
                               "\"previous_mrr\": 15000, \"mrr\": 16000}"));
    /* Figures of months before the change are not restated. */
    assert_null(strstr(j2, "\"month\": \"2024-03\", \"metric\": "
                           "\"bridge."));
    free(ja), free(jb), free(j1), free(j2);
    free(path), free(path2), free(out), free(out2), free(cmd), free(copy);
    free(prev_apr), free(prev_may);
    tu_rmtree(tmp);
    free(tmp);
    free(basic);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_corpus),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_import_periods_roundtrip),
        cmocka_unit_test(test_json_deterministic),
        cmocka_unit_test(test_restatements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
