/* Unit tests of the CSV reader (libcsv wrapper): RFC 4180 cases, line
 * numbers of records, and every kind of malformed input it must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/csv_reader.h"
#include "csmetrics/strbuf.h"

/* Collects records as "line:field|field|...\n". */
static csm_error collect(void *ctx, const csm_csv_record *rec)
{
    csm_strbuf *b = ctx;
    csm_strbuf_printf(b, "%ld:", rec->line);
    for (size_t i = 0; i < rec->n_fields; i++) {
        if (i)
            csm_strbuf_putc(b, '|');
        csm_strbuf_append(b, rec->fields[i], rec->lens[i]);
    }
    csm_strbuf_putc(b, '\n');
    return CSM_OK;
}

static csm_error read_str(const char *s, size_t len, csm_strbuf *b,
                          csm_diags *d, size_t block)
{
    csm_csv_options opt = {.block_size = block};
    return csm_csv_read_buffer(s, len, "t.csv", &opt, collect, b, d);
}

static void expect(const char *in, const char *want)
{
    /* Every case is also read in 1- and 3-byte blocks: records and line
     * numbers must not depend on where reads end. */
    size_t blocks[] = {0, 1, 3};
    for (size_t k = 0; k < 3; k++) {
        csm_strbuf b = {0};
        csm_diags d = {0};
        csm_error rc = read_str(in, strlen(in), &b, &d, blocks[k]);
        if (rc != CSM_OK && d.n)
            csm_diag_format(&d.items[0], stderr);
        assert_int_equal(rc, CSM_OK);
        assert_string_equal(csm_strbuf_str(&b), want);
        csm_strbuf_free(&b);
        csm_diags_free(&d);
    }
}

static void test_basic(void **state)
{
    (void)state;
    expect("a,b\n1,2\n", "1:a|b\n2:1|2\n");
    expect("a,b\r\n1,2\r\n", "1:a|b\n2:1|2\n");
    expect("a,b\n1,2", "1:a|b\n2:1|2\n"); /* no final newline */
    /* BOM skipped at the start only. */
    expect("\xEF\xBB\xBF"
           "a,b\n1,2\n",
           "1:a|b\n2:1|2\n");
    /* Quoted commas, doubled quotes, embedded newlines; the record after a
     * two-line field starts on line 4. */
    expect("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\nq,r\n",
           "1:a|b\n2:x,y|say \"hi\"\n3:two\nlines|z\n5:q|r\n");
    /* Spaces are data, never trimmed. */
    expect("a,b\n 12,12 \n", "1:a|b\n2: 12|12 \n");
    /* Blank lines are skipped and do not shift line numbers. */
    expect("a\n\n1\n\r\n2\n", "1:a\n3:1\n5:2\n");
    /* Empty fields. */
    expect("a,b,c\n,,\n", "1:a|b|c\n2:||\n");
    /* UTF-8 text passes. */
    expect("n\n株式会社\n", "1:n\n2:株式会社\n");
}

static csm_error fail_read(const char *in, size_t len, const char *want_msg,
                           long want_line)
{
    csm_strbuf b = {0};
    csm_diags d = {0};
    csm_error rc = read_str(in, len, &b, &d, 0);
    assert_int_not_equal(rc, CSM_OK);
    assert_true(d.n >= 1);
    if (!strstr(d.items[0].message, want_msg)) {
        fprintf(stderr, "message: %s\n", d.items[0].message);
        fail();
    }
    assert_int_equal(d.items[0].line, want_line);
    assert_string_equal(d.items[0].file, "t.csv");
    csm_strbuf_free(&b);
    csm_diags_free(&d);
    return rc;
}

static void test_errors(void **state)
{
    (void)state;
    const char unterminated[] = "a,b\n1,2\n\"open,3\n4,5\n";
    assert_int_equal(fail_read(unterminated, strlen(unterminated),
                               "unterminated quoted field", 3),
                     CSM_EDATA);
    const char stray[] = "a,b\n1,x\"y\n";
    fail_read(stray, strlen(stray), "malformed quoting", 2);
    const char after[] = "a,b\n\"x\"y,2\n";
    fail_read(after, strlen(after), "malformed quoting", 2);
    const char nul[] = "a,b\n1,2\n3,\0\n";
    fail_read(nul, sizeof nul - 1, "NUL byte", 3);
    const char latin1[] = "a,b\n1,caf\xE9\n";
    fail_read(latin1, strlen(latin1), "invalid UTF-8", 2);
    const char overlong[] = "a\n\xC0\xAF\n";
    fail_read(overlong, strlen(overlong), "invalid UTF-8", 2);
    const char bom_mid[] = "a,b\n1,2\n\xEF\xBB\xBF"
                           "3,4\n";
    fail_read(bom_mid, strlen(bom_mid), "byte order mark", 3);
    assert_int_equal(fail_read("", 0, "empty", 0), CSM_EDATA);
}

static void test_record_limit(void **state)
{
    (void)state;
    /* A 3 MiB line without a newline stops at the 1 MiB limit, reading
     * only what it must. */
    size_t n = 3u << 20;
    char *big = malloc(n);
    memset(big, 'x', n);
    memcpy(big, "a\n", 2);
    fail_read(big, n, "longer than", 2);
    free(big);
}

static csm_error stop_at_two(void *ctx, const csm_csv_record *rec)
{
    (void)ctx;
    return rec->number == 2 ? CSM_EUSAGE : CSM_OK;
}

static void test_callback_stops(void **state)
{
    (void)state;
    csm_diags d = {0};
    const char in[] = "a\n1\n2\n";
    assert_int_equal(csm_csv_read_buffer(in, strlen(in), "t.csv", NULL,
                                         stop_at_two, NULL, &d),
                     CSM_EUSAGE);
    csm_diags_free(&d);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_int_equal(csm_utf8_invalid_at("abc", 3), 3);
    assert_int_equal(csm_utf8_invalid_at("\xF0\x9F\x98\x80", 4), 4);
    assert_int_equal(csm_utf8_invalid_at("a\xED\xA0\x80", 4), 1); /* D800 */
    assert_int_equal(csm_utf8_invalid_at("\xF4\x90\x80\x80", 4), 0);
    assert_int_equal(csm_utf8_invalid_at("ab\xE2\x82", 4), 2); /* cut */
}

static void test_file_errors(void **state)
{
    (void)state;
    csm_diags d = {0};
    assert_int_equal(csm_csv_read_file("/nonexistent/x.csv", NULL, NULL,
                                       stop_at_two, NULL, &d),
                     CSM_EIO);
    assert_int_equal(csm_csv_read_file("/", NULL, NULL, stop_at_two, NULL, &d),
                     CSM_EIO);
    assert_non_null(strstr(d.items[1].message, "is a directory"));
    csm_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_record_limit),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
