/* Config parsing: defaults, the shipped template, and errors naming file
 * and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/config.h"
#include "support/testutil.h"

struct ctx {
    const char *text;
    int missing;
};

static void check_key(void *p, const char *section, const char *key,
                      const char *value, const char *doc)
{
    (void)section;
    (void)doc;
    struct ctx *c = p;
    char line[160];
    snprintf(line, sizeof line, "\n%s = %s\n", key, value);
    if (!strstr(c->text, line)) {
        fprintf(stderr, "template lacks \"%s = %s\"\n", key, value);
        c->missing++;
    }
}

static void test_template_equals_defaults(void **state)
{
    (void)state;
    /* templates/csmetrics.conf documents every default: loading it must
     * change nothing, and it must set every key (checked by comparing the
     * visited values with the defaults'). */
    csm_config def, tpl;
    csm_config_defaults(&def);
    csm_config_defaults(&tpl);
    /* Start tpl from different values so an omitted key would show. */
    tpl.grace_months = 7;
    tpl.gross_margin = 0.1;
    tpl.health.w_nps = 9;
    char *path = tu_path("templates/csmetrics.conf");
    csm_diags d = {0};
    assert_int_equal(csm_config_load(&tpl, path, &d), CSM_OK);
    assert_int_equal(tpl.grace_months, def.grace_months);
    assert_true(tpl.gross_margin == def.gross_margin);
    assert_true(tpl.health.w_nps == def.health.w_nps);
    /* Every key appears in the template, with the default's value. */
    char *text = tu_read(path, NULL);
    assert_non_null(text);
    struct ctx c = {text, 0};
    csm_config_visit(&def, check_key, &c);
    assert_int_equal(c.missing, 0);
    free(text);
    free(path);
    csm_diags_free(&d);
    csm_config_free(&tpl);
}

static void test_errors(void **state)
{
    (void)state;
    const char text[] = "[policies]\n"
                        "grace_months = 2\n"
                        "gross_margin = 1.5\n"
                        "bogus = 1\n"
                        "[nope]\n"
                        "x = 1\n"
                        "[policies]\n"
                        "fx_policy = spot\n"
                        "no equals sign\n";
    csm_config c;
    csm_config_defaults(&c);
    csm_diags d = {0};
    assert_int_equal(csm_config_parse(&c, "my.conf", text, strlen(text), &d),
                     CSM_EUSAGE);
    assert_int_equal(csm_diags_errors(&d), 5);
    assert_int_equal(c.grace_months, 2); /* good lines still apply */
    assert_string_equal(d.items[0].file, "my.conf");
    assert_int_equal(d.items[0].line, 3);
    assert_non_null(strstr(d.items[0].message, "gross_margin"));
    assert_int_equal(d.items[1].line, 4);
    assert_non_null(strstr(d.items[1].message, "unknown setting \"bogus\""));
    assert_int_equal(d.items[2].line, 5);
    assert_non_null(strstr(d.items[2].message, "unknown section [nope]"));
    assert_int_equal(d.items[3].line, 8);
    assert_non_null(strstr(d.items[3].message, "prior_month or period_end"));
    assert_int_equal(d.items[4].line, 9);
    csm_diags_free(&d);
}

static void test_values(void **state)
{
    (void)state;
    const char text[] = "# comment\n[general]\ncurrency = EUR\n"
                        "[policies]\nreactivation_window_months = 6 # six\n"
                        "past_due_churn_days = off\n"
                        "[health]\nat_risk_bands = red\n"
                        "lower_edge_inclusive = false\n";
    csm_config c;
    csm_config_defaults(&c);
    csm_diags d = {0};
    assert_int_equal(csm_config_parse(&c, "t", text, strlen(text), &d), CSM_OK);
    assert_string_equal(c.currency, "EUR");
    assert_int_equal(c.reactivation_window_months, 6);
    assert_int_equal(c.past_due_churn_days, -1);
    assert_int_equal(c.health.at_risk_bands, CSM_BAND_RED);
    assert_false(c.health.lower_inclusive);
    /* Inconsistent breakpoints are refused as a whole. */
    const char bad[] = "[health]\ngreen_min = 30\nyellow_min = 40\n";
    assert_int_equal(csm_config_parse(&c, "t", bad, strlen(bad), &d),
                     CSM_EUSAGE);
    assert_non_null(strstr(d.items[0].message, "yellow_min must be below"));
    csm_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_equals_defaults),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
