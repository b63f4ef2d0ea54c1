/* JSON writer number formatting and the JSON reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/json.h"
#include "csmetrics/json_read.h"

static void test_format_double(void **state)
{
    (void)state;
    char buf[32];
    /* Whole numbers are integers: early_churn_days = 90 once printed as
     * "9e+01" (a bug a reviewer caught). */
    assert_string_equal(csm_json_format_double(90.0, buf), "90");
    assert_string_equal(csm_json_format_double(-3.0, buf), "-3");
    assert_string_equal(csm_json_format_double(-0.0, buf), "0");
    assert_string_equal(csm_json_format_double(0.973, buf), "0.973");
    assert_string_equal(csm_json_format_double(0.1 + 0.2, buf),
                        "0.30000000000000004");
    assert_string_equal(csm_json_format_double(1.0 / 3.0, buf),
                        "0.3333333333333333");
    /* Shortest text that reads back exactly, for any value. */
    double vals[] = {1e-7, 123456.789, 2.5e20, 0.8, 1.0 / 7.0};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        csm_json_format_double(vals[i], buf);
        assert_true(strtod(buf, NULL) == vals[i]);
    }
}

static void test_writer(void **state)
{
    (void)state;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    csm_json j;
    csm_json_init(&j, f);
    csm_json_object(&j, NULL);
    csm_json_string(&j, "name", "Zoë \"Z\"\n\x01");
    csm_json_ratio(&j, "undefined", csm_ratio_undefined());
    csm_json_double(&j, "inf", 1.0 / 0.0);
    csm_json_array_inline(&j, "a");
    csm_json_int(&j, NULL, INT64_MIN);
    csm_json_bool(&j, NULL, true);
    csm_json_end(&j);
    csm_json_end(&j);
    assert_true(csm_json_finish(&j));
    fclose(f);
    assert_string_equal(out, "{\n  \"name\": \"Zoë \\\"Z\\\"\\n\\u0001\",\n"
                             "  \"undefined\": null,\n  \"inf\": null,\n"
                             "  \"a\": [-9223372036854775808, true]\n}\n");
    /* And it reads back. */
    csm_jval *v = NULL;
    csm_diags d = {0};
    assert_int_equal(csm_json_parse(out, len, "t", &v, &d), CSM_OK);
    assert_string_equal(csm_jval_get(v, "name")->text, "Zoë \"Z\"\n\x01");
    assert_int_equal(csm_jval_get(v, "undefined")->type, CSM_JNULL);
    assert_string_equal(csm_jval_get(v, "a")->items[0].text,
                        "-9223372036854775808");
    csm_jval_free(v);
    free(out);
    csm_diags_free(&d);
}

static void test_reader_errors(void **state)
{
    (void)state;
    const char *bad[] = {"{",   "[1,]",  "{\"a\" 1}",      "\"\\x\"",
                         "01x", "[1] 2", "{\"a\":\"\n\"}", "tru"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        csm_jval *v = NULL;
        csm_diags d = {0};
        assert_int_equal(
            csm_json_parse(bad[i], strlen(bad[i]), "x.json", &v, &d),
            CSM_EDATA);
        assert_null(v);
        assert_int_equal(csm_diags_errors(&d), 1);
        assert_string_equal(d.items[0].file, "x.json");
        csm_diags_free(&d);
    }
    /* Surrogate pairs decode to UTF-8. */
    csm_jval *v = NULL;
    csm_diags d = {0};
    const char *s = "[\"\\ud83d\\ude00\"]";
    assert_int_equal(csm_json_parse(s, strlen(s), "x", &v, &d), CSM_OK);
    assert_string_equal(v->items[0].text, "\xF0\x9F\x98\x80");
    csm_jval_free(v);
    /* Deep nesting is refused, not a stack overflow. */
    char deep[200];
    memset(deep, '[', sizeof deep - 1);
    deep[sizeof deep - 1] = '\0';
    assert_int_equal(csm_json_parse(deep, strlen(deep), "x", &v, &d),
                     CSM_EDATA);
    csm_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_double),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_reader_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
