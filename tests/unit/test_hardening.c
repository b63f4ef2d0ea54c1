/* Unit tests of the fixes made while hardening (issue 6), one per bug, at
 * the level where each was fixed; the fuzz regressions
 * (test_fuzz_replay.c) and the corpus (test_bad_inputs.c) cover them again
 * end to end. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "csmetrics/atomic_file.h"
#include "csmetrics/config.h"
#include "csmetrics/csv_reader.h"
#include "csmetrics/diag.h"
#include "csmetrics/json_read.h"
#include "csmetrics/money.h"
#include "csmetrics/report_build.h"
#include "csmetrics/report_def.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/style.h"
#include "csmetrics/xalloc.h"
#include "support/proc.h"
#include "support/testutil.h"

/* ------------------------------------------------------------ money */

static void test_rate_never_negative(void **state)
{
    (void)state;
    csm_rate r = {7, 7};
    /* The long-scale path used to append digits to a head of -0. */
    assert_int_equal(csm_rate_parse("-0.0000000001", 13, &r), CSM_MONEY_RANGE);
    assert_int_equal(csm_rate_parse("-0.5", 4, &r), CSM_MONEY_RANGE);
    assert_int_equal(csm_rate_parse("-1.000000000001", 15, &r),
                     CSM_MONEY_RANGE);
    /* A large negative head overflowed a signed multiply. */
    assert_int_equal(csm_rate_parse("-200200220.2022200202", 21, &r),
                     CSM_MONEY_RANGE);
    assert_int_equal(csm_rate_parse("--1", 3, &r), CSM_MONEY_SYNTAX);
    assert_int_equal(csm_rate_parse("-", 1, &r), CSM_MONEY_SYNTAX);
    assert_int_equal(csm_rate_parse("-x", 2, &r), CSM_MONEY_SYNTAX);
    assert_int_equal(r.num, 7); /* untouched on failure */
    assert_int_equal(csm_rate_parse("0.0000000001", 12, &r), CSM_MONEY_OK);
    assert_int_equal(r.num, 1);
    assert_int_equal(r.scale, 10);
}

/* ------------------------------------------------------------ diag */

static void test_diagnostics_are_printable(void **state)
{
    (void)state;
    csm_diags d = {0};
    csm_loc loc = {
        .file = "snap\nshots/x.csv", .line = 3, .column = "m\tr", .offset = -1};
    csm_diags_add(&d, CSM_SEV_ERROR, "t", &loc, "\"%s\" is bad",
                  "\x1b[2J\r\xe9t\xc3\xa9\x7f");
    assert_int_equal(d.n, 1);
    assert_string_equal(d.items[0].file, "snap\\nshots/x.csv");
    assert_string_equal(d.items[0].column, "m\\tr");
    /* Escape sequence, CR and a Latin-1 byte escaped; UTF-8 kept. */
    assert_string_equal(d.items[0].message,
                        "\"\\x1B[2J\\r\\xE9t\xc3\xa9\\x7F\" is bad");
    csm_diags_free(&d);
}

/* ------------------------------------------------------------ json */

static csm_error jparse(const char *text, csm_diags *d)
{
    csm_jval *v = NULL;
    csm_error rc = csm_json_parse(text, strlen(text), "p.json", &v, d);
    csm_jval_free(v);
    return rc;
}

static void test_json_strings_are_utf8(void **state)
{
    (void)state;
    csm_diags d = {0};
    assert_int_equal(jparse("{\"a\\u0000b\": 1}", &d), CSM_EDATA);
    assert_non_null(strstr(d.items[0].message, "\\u0000 in a string"));
    assert_int_equal(jparse("[\"\\ud800\"]", &d), CSM_EDATA);
    assert_int_equal(jparse("[\"\\udc00x\"]", &d), CSM_EDATA);
    assert_int_equal(jparse("[\"caf\xe9\"]", &d), CSM_EDATA);
    assert_int_equal(d.n, 4);
    assert_non_null(strstr(d.items[3].message, "not valid UTF-8"));
    assert_int_equal(csm_diags_errors(&d), 4);
    csm_diags_free(&d);
    /* Valid: a pair, raw UTF-8, escapes. */
    csm_jval *v = NULL;
    const char *ok = "[\"\\ud83d\\ude00\", \"caf\xc3\xa9\", \"a\\n\"]";
    assert_int_equal(csm_json_parse(ok, strlen(ok), "p.json", &v, &d), CSM_OK);
    assert_string_equal(v->items[0].text, "\xf0\x9f\x98\x80");
    assert_string_equal(v->items[1].text, "caf\xc3\xa9");
    csm_jval_free(v);
    csm_diags_free(&d);
}

static void test_json_long_array_is_linear(void **state)
{
    (void)state;
    /* 400,000 items: one realloc per item copied the array each time. */
    size_t n = 400000;
    csm_strbuf b = {0};
    csm_strbuf_putc(&b, '[');
    for (size_t i = 0; i < n; i++)
        csm_strbuf_puts(&b, i ? ",1" : "1");
    csm_strbuf_puts(&b, "]");
    csm_diags d = {0};
    csm_jval *v = NULL;
    clock_t t0 = clock();
    assert_int_equal(csm_json_parse(b.data, b.len, "big.json", &v, &d), CSM_OK);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_int_equal(v->n, n);
    assert_string_equal(v->items[n - 1].text, "1");
    printf("NOTE: 400,000-item JSON array read in %.2f s\n", secs);
    assert_true(secs < 10.0);
    csm_jval_free(v);
    csm_strbuf_free(&b);
}

/* ------------------------------------------------------------ text files */

static void test_text_files_must_be_utf8(void **state)
{
    (void)state;
    const char conf[] = "[general]\ncompany = Caf\xe9 GmbH\n";
    csm_config c;
    csm_config_defaults(&c);
    csm_diags d = {0};
    assert_int_equal(csm_config_parse(&c, "x.conf", conf, sizeof conf - 1, &d),
                     CSM_EUSAGE);
    assert_int_equal(d.items[0].line, 2);
    assert_non_null(strstr(d.items[0].message, "not valid UTF-8"));
    assert_string_equal(c.company, "Example Co");
    csm_diags_free(&d);

    const char style[] = "[text]\nfooter = page {page} \xff\n";
    csm_style st;
    csm_style_defaults(&st);
    assert_int_equal(
        csm_style_parse(&st, "x.style", style, sizeof style - 1, &d),
        CSM_EUSAGE);
    assert_int_equal(d.items[0].line, 2);
    csm_style_free(&st);
    csm_diags_free(&d);

    const char def[] = "report = board\n[section bridge]\ntitle = Br\xfc"
                       "cke\n";
    csm_report_def *rd = NULL;
    assert_int_equal(csm_report_def_parse("x.report", def, sizeof def - 1,
                                          csm_section_specs,
                                          csm_n_section_specs, &rd, &d),
                     CSM_EUSAGE);
    assert_null(rd);
    assert_int_equal(d.items[0].line, 3);
    csm_diags_free(&d);
}

/* ------------------------------------------------------------ csv */

static csm_error collect(void *ctx, const csm_csv_record *rec)
{
    csm_strbuf *b = ctx;
    csm_strbuf_printf(b, "%ld:", rec->line);
    for (size_t i = 0; i < rec->n_fields; i++)
        csm_strbuf_printf(b, "[%s]", rec->fields[i]);
    csm_strbuf_putc(b, '\n');
    return CSM_OK;
}

static char *read_blocks(const char *path, size_t block, csm_error *rc)
{
    csm_strbuf b = {0};
    csm_diags d = {0};
    csm_csv_options o = {.block_size = block};
    *rc = csm_csv_read_file(path, "f.csv", &o, collect, &b, &d);
    for (size_t i = 0; i < d.n; i++)
        csm_strbuf_printf(&b, "%ld: %s\n", d.items[i].line, d.items[i].message);
    csm_diags_free(&d);
    return csm_strbuf_take(&b);
}

static void test_csv_tiny_blocks_and_cr(void **state)
{
    (void)state;
    char *dir = tu_tempdir("blocks");
    /* A BOM, a lone CR ending a record, a quoted LF, CRLF. */
    const char text[] = "\xef\xbb\xbf"
                        "a,b\rc,\"d\ne\"\r\nf,g\n";
    tu_write(dir, "f.csv", text, sizeof text - 1);
    char *path = csm_xasprintf("%s/f.csv", dir);
    csm_error rc;
    char *whole = read_blocks(path, 0, &rc);
    assert_int_equal(rc, CSM_OK);
    assert_string_equal(whole, "1:[a][b]\n1:[c][d\ne]\n3:[f][g]\n");
    /* Blocks below 4 bytes are raised to 4 before the buffer is allocated
     * (a 1-byte buffer used to receive 4-byte reads). */
    for (size_t block = 1; block <= 9; block++) {
        char *part = read_blocks(path, block, &rc);
        assert_int_equal(rc, CSM_OK);
        assert_string_equal(part, whole);
        free(part);
    }
    free(whole);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* After a record ended by a lone CR, the next one is bounded all the same
 * (it used to be counted only from a line start). */
static void test_csv_limit_after_cr(void **state)
{
    (void)state;
    csm_strbuf b = {0};
    csm_strbuf_puts(&b, "customer_id,mrr\rC1,");
    for (int i = 0; i < 5000; i++)
        csm_strbuf_puts(&b, "7777777777");
    csm_strbuf_puts(&b, "\n");
    for (size_t block = 1; block <= 4096; block *= 8) {
        csm_strbuf out = {0};
        csm_diags d = {0};
        csm_csv_options o = {.block_size = block, .max_record_bytes = 1000};
        assert_int_equal(
            csm_csv_read_buffer(b.data, b.len, "f.csv", &o, collect, &out, &d),
            CSM_EDATA);
        assert_string_equal(csm_strbuf_str(&out), "1:[customer_id][mrr]\n");
        assert_non_null(
            strstr(d.items[0].message, "record is longer than 1000 bytes"));
        csm_strbuf_free(&out);
        csm_diags_free(&d);
    }
    csm_strbuf_free(&b);
}

/* ------------------------------------------------------------ staging */

static void test_atomic_staging(void **state)
{
    (void)state;
    char *dir = tu_tempdir("stage");
    char *a = csm_xasprintf("%s/a.txt", dir),
         *b = csm_xasprintf("%s/b.txt", dir);
    tu_write(dir, "b.txt", "old", 3);
    csm_diags d = {0};

    /* Finished files stay hidden until publish. */
    csm_atomic_stage_begin();
    csm_atomic_file f;
    assert_int_equal(csm_atomic_open(&f, a, &d), CSM_OK);
    fputs("new a", f.fp);
    assert_int_equal(csm_atomic_commit(&f, &d), CSM_OK);
    char *tmp = csm_atomic_temp_path(b);
    assert_non_null(tmp);
    tu_write(dir, strrchr(tmp, '/') + 1, "new b", 5);
    assert_int_equal(csm_atomic_rename(tmp, b, &d), CSM_OK);
    assert_int_equal(access(a, F_OK), -1);
    char *text = tu_read(b, NULL);
    assert_string_equal(text, "old");
    free(text);
    assert_int_equal(tp_count_entries(dir, NULL), 3); /* b + 2 hidden */
    assert_int_equal(csm_atomic_publish(&d), CSM_OK);
    text = tu_read(a, NULL);
    assert_string_equal(text, "new a");
    free(text);
    text = tu_read(b, NULL);
    assert_string_equal(text, "new b");
    free(text);
    assert_int_equal(tp_count_entries(dir, NULL), 2);

    /* Unstaged: nothing changes, nothing is left. */
    csm_atomic_stage_begin();
    assert_int_equal(csm_atomic_open(&f, a, &d), CSM_OK);
    fputs("newer a", f.fp);
    assert_int_equal(csm_atomic_commit(&f, &d), CSM_OK);
    csm_atomic_unstage();
    text = tu_read(a, NULL);
    assert_string_equal(text, "new a");
    free(text);
    assert_int_equal(tp_count_entries(dir, NULL), 2);

    /* Staging off again: commit renames at once. */
    assert_int_equal(csm_atomic_open(&f, a, &d), CSM_OK);
    fputs("direct", f.fp);
    assert_int_equal(csm_atomic_commit(&f, &d), CSM_OK);
    text = tu_read(a, NULL);
    assert_string_equal(text, "direct");
    free(text);
    assert_int_equal(csm_diags_errors(&d), 0);
    csm_diags_free(&d);
    free(a);
    free(b);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_never_negative),
        cmocka_unit_test(test_diagnostics_are_printable),
        cmocka_unit_test(test_json_strings_are_utf8),
        cmocka_unit_test(test_json_long_array_is_linear),
        cmocka_unit_test(test_text_files_must_be_utf8),
        cmocka_unit_test(test_csv_tiny_blocks_and_cr),
        cmocka_unit_test(test_csv_limit_after_cr),
        cmocka_unit_test(test_atomic_staging),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
