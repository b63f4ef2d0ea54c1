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
    const char *e[] = {"metrics", "--data", basic, "--month", "2030-01",
                       NULL};
    expect_run(e, 2, "--month 2030-01 is not in the data (expected "
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
    const char *a[] = {"metrics", "--data", basic, "--json", "--threads", "1",
                       NULL};
    const char *b[] = {"metrics", "--data", basic, "--json", "--threads", "4",
                       NULL};
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_corpus),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_import_periods_roundtrip),
        cmocka_unit_test(test_json_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
