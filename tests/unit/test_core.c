/* Unit tests of core/: errors, money, dates, string table, diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/date.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"
#include "csmetrics/money.h"
#include "csmetrics/strtab.h"

static void test_error_table(void **state)
{
    (void)state;
    /* Every code has its own message and equals its SPEC.md exit code. */
    assert_int_equal(CSM_OK, 0);
    assert_int_equal(CSM_EDATA, 1);
    assert_int_equal(CSM_EUSAGE, 2);
    assert_int_equal(CSM_EMISMATCH, 3);
    assert_int_equal(CSM_EIO, 4);
    assert_int_equal(CSM_ERROR_COUNT, 5);
    for (int i = 0; i < CSM_ERROR_COUNT; i++) {
        assert_string_not_equal(csm_strerror((csm_error)i), "unknown error");
        for (int k = 0; k < i; k++)
            assert_string_not_equal(csm_strerror((csm_error)i),
                                    csm_strerror((csm_error)k));
    }
    assert_string_equal(csm_strerror(CSM_ERROR_COUNT), "unknown error");
}

static int64_t parse_ok(const char *s, int dec)
{
    int64_t v = -777;
    assert_int_equal(csm_money_parse(s, strlen(s), dec, &v), CSM_MONEY_OK);
    return v;
}

static csm_money_status parse_st(const char *s, int dec)
{
    int64_t v = 0;
    return csm_money_parse(s, strlen(s), dec, &v);
}

static void test_money_parse(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("0", 2), 0);
    assert_int_equal(parse_ok("12", 2), 1200);
    assert_int_equal(parse_ok("12.5", 2), 1250);
    assert_int_equal(parse_ok("12.50", 2), 1250);
    assert_int_equal(parse_ok("12.500", 2), 1250); /* zeros are exact */
    assert_int_equal(parse_ok("-0.01", 2), -1);
    assert_int_equal(parse_ok("1234", 0), 1234);
    assert_int_equal(parse_ok("1.234", 3), 1234);
    /* INT64_MAX minor units: 92233720368547758.07 */
    assert_int_equal(parse_ok("92233720368547758.07", 2), INT64_MAX);
    assert_int_equal(parse_ok("-92233720368547758.08", 2), INT64_MIN);
    assert_int_equal(parse_st("92233720368547758.08", 2), CSM_MONEY_RANGE);
    assert_int_equal(parse_st("99999999999999999999999", 0), CSM_MONEY_RANGE);
    assert_int_equal(parse_st("", 2), CSM_MONEY_EMPTY);
    assert_int_equal(parse_st("12.345", 2), CSM_MONEY_PRECISION);
    assert_int_equal(parse_st("1.5", 0), CSM_MONEY_PRECISION);
    const char *bad[] = {"1e3",      "NaN",   "0x10", " 12", "12 ",
                         "1,234.50", "+12",   "12.",  ".5",  "-",
                         "--1",      "1.2.3", "12a",  "١٢",  "inf"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(parse_st(bad[i], 2), CSM_MONEY_SYNTAX);
    /* "1.23x": trailing garbage after too many decimals is still syntax. */
    assert_int_equal(parse_st("1.234x", 2), CSM_MONEY_SYNTAX);
}

static void test_money_arith(void **state)
{
    (void)state;
    int64_t r;
    assert_true(csm_money_add(1, 2, &r));
    assert_int_equal(r, 3);
    assert_false(csm_money_add(INT64_MAX, 1, &r));
    assert_false(csm_money_add(INT64_MIN, -1, &r));
    assert_true(csm_money_sub(INT64_MIN + 1, 1, &r));
    assert_false(csm_money_sub(INT64_MIN, 1, &r));
    assert_false(csm_money_sub(0, INT64_MIN, &r));
    char buf[CSM_MONEY_BUFSZ];
    assert_string_equal(csm_money_format(123456, 2, buf), "1234.56");
    assert_string_equal(csm_money_format(-5, 2, buf), "-0.05");
    assert_string_equal(csm_money_format(INT64_MIN, 2, buf),
                        "-92233720368547758.08");
    assert_string_equal(csm_money_format(42, 0, buf), "42");
}

static void test_currency(void **state)
{
    (void)state;
    assert_int_equal(csm_currency_decimals("USD"), 2);
    assert_int_equal(csm_currency_decimals("EUR"), 2);
    assert_int_equal(csm_currency_decimals("JPY"), 0);
    assert_int_equal(csm_currency_decimals("KWD"), 3);
    assert_int_equal(csm_currency_decimals("usd"), -1);
    assert_int_equal(csm_currency_decimals("XXX"), -1);
    assert_int_equal(csm_currency_decimals("US"), -1);
}

static void test_convert(void **state)
{
    (void)state;
    csm_rate r;
    assert_int_equal(csm_rate_parse("1.0845", 6, &r), CSM_MONEY_OK);
    assert_int_equal(r.num, 10845);
    assert_int_equal(r.scale, 4);
    int64_t out;
    /* EUR 100.00 at 1.0845 = USD 108.45 exactly. */
    assert_true(csm_money_convert(10000, 2, r, 2, &out));
    assert_int_equal(out, 10845);
    /* EUR 0.05 at 1.0845 = 0.054225 USD -> 5 cents (below half). */
    assert_true(csm_money_convert(5, 2, r, 2, &out));
    assert_int_equal(out, 5);
    /* Half to even: 0.125 -> 0.12, 0.135 -> 0.14 (rate 0.5: 25c -> 12.5c,
     * 27c -> 13.5c). */
    assert_int_equal(csm_rate_parse("0.5", 3, &r), CSM_MONEY_OK);
    assert_true(csm_money_convert(25, 2, r, 2, &out));
    assert_int_equal(out, 12);
    assert_true(csm_money_convert(27, 2, r, 2, &out));
    assert_int_equal(out, 14);
    assert_true(csm_money_convert(-27, 2, r, 2, &out));
    assert_int_equal(out, -14);
    /* JPY 1000 at 0.0067 USD/JPY = USD 6.70 = 670 cents. */
    assert_int_equal(csm_rate_parse("0.0067", 6, &r), CSM_MONEY_OK);
    assert_true(csm_money_convert(1000, 0, r, 2, &out));
    assert_int_equal(out, 670);
    /* USD 1.00 into JPY at 149.5: 149.5 yen -> 150 (half to even: 149.5
     * rounds to the even 150). */
    assert_int_equal(csm_rate_parse("149.5", 5, &r), CSM_MONEY_OK);
    assert_true(csm_money_convert(100, 2, r, 0, &out));
    assert_int_equal(out, 150);
    /* 12 decimals accepted, 13 refused unless trailing zeros. */
    assert_int_equal(csm_rate_parse("1.123456789012", 14, &r), CSM_MONEY_OK);
    assert_int_equal(r.num, 1123456789012LL);
    assert_int_equal(r.scale, 12);
    assert_int_equal(csm_rate_parse("1.1234567890123", 15, &r),
                     CSM_MONEY_PRECISION);
    assert_int_equal(csm_rate_parse("1.1000000000000", 15, &r), CSM_MONEY_OK);
    assert_int_equal(csm_rate_parse("0", 1, &r), CSM_MONEY_RANGE);
    assert_int_equal(csm_rate_parse("-1", 2, &r), CSM_MONEY_RANGE);
    /* Overflow of the converted amount is refused, not wrapped. */
    assert_int_equal(csm_rate_parse("1000", 4, &r), CSM_MONEY_OK);
    assert_false(csm_money_convert(INT64_MAX / 10, 2, r, 2, &out));
    /* muldiv: (2^62 * 3) / 3 exactly, through the 128-bit path. */
    assert_true(csm_muldiv_round(INT64_C(1) << 62, 3, 3, &out));
    assert_int_equal(out, INT64_C(1) << 62);
}

static void test_dates(void **state)
{
    (void)state;
    csm_day d;
    assert_int_equal(csm_date_parse("1970-01-01", 10, &d), CSM_DATE_OK);
    assert_int_equal(d, 0);
    assert_int_equal(csm_date_parse("2000-03-01", 10, &d), CSM_DATE_OK);
    /* 30 years incl. 7 leap days (72,76,80,84,88,92,96) = 10957 days to
     * 2000-01-01, + 31 (Jan) + 29 (Feb, 2000 is leap) = 11017. */
    assert_int_equal(d, 11017);
    assert_int_equal(csm_date_parse("2024-02-29", 10, &d), CSM_DATE_OK);
    assert_int_equal(csm_date_parse("2025-02-29", 10, &d), CSM_DATE_INVALID);
    assert_int_equal(csm_date_parse("2025-02-30", 10, &d), CSM_DATE_INVALID);
    assert_int_equal(csm_date_parse("1900-02-29", 10, &d), CSM_DATE_INVALID);
    assert_int_equal(csm_date_parse("2025-13-01", 10, &d), CSM_DATE_INVALID);
    assert_int_equal(csm_date_parse("2025-1-5", 8, &d), CSM_DATE_SYNTAX);
    assert_int_equal(csm_date_parse("2025/01/05", 10, &d), CSM_DATE_SYNTAX);
    assert_int_equal(csm_date_parse("45658", 5, &d), CSM_DATE_SYNTAX);
    assert_int_equal(csm_date_parse("", 0, &d), CSM_DATE_EMPTY);
    /* Round trip over a span of days, through every month end. */
    for (csm_day x = -1000; x < 30000; x += 7) {
        int y, m, dd;
        csm_day_to_ymd(x, &y, &m, &dd);
        assert_int_equal(csm_day_from_ymd(y, m, dd), x);
    }
    csm_month mo;
    assert_int_equal(csm_month_parse("2024-03", 7, &mo), CSM_DATE_OK);
    assert_int_equal(csm_month_year(mo), 2024);
    assert_int_equal(csm_month_mon(mo), 3);
    assert_int_equal(csm_month_parse("2024-13", 7, &mo), CSM_DATE_INVALID);
    char buf[CSM_DATE_BUFSZ];
    assert_string_equal(csm_month_format(mo, buf), "2024-03");
    assert_string_equal(csm_date_format(csm_month_last_day(mo), buf),
                        "2024-03-31");
    assert_string_equal(csm_quarter_format(mo, buf), "2024-Q1");
    assert_int_equal(csm_month_from_ym(2024, 1) - csm_month_from_ym(2023, 12),
                     1);
}

static void test_strtab(void **state)
{
    (void)state;
    csm_strtab t = {0};
    char key[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "C%05d", i);
        assert_int_equal(csm_strtab_intern(&t, key, (size_t)n, NULL), i);
    }
    int added = 1;
    assert_int_equal(csm_strtab_intern(&t, "C01234", 6, &added), 1234);
    assert_false(added);
    assert_int_equal(csm_strtab_find(&t, "C04999", 6), 4999);
    assert_int_equal(csm_strtab_find(&t, "nope", 4), CSM_STRTAB_NONE);
    assert_string_equal(csm_strtab_get(&t, 42), "C00042");
    csm_strtab_free(&t);
}

static void test_diags(void **state)
{
    (void)state;
    csm_diags d = {.keep = 3};
    csm_loc loc = {.file = "snapshots/2024-03.csv",
                   .line = 118,
                   .column = "mrr",
                   .field = 3,
                   .offset = -1};
    for (int i = 0; i < 5; i++)
        csm_diags_add(&d, CSM_SEV_ERROR, "mrr-syntax", &loc, "bad %d", i);
    csm_diags_add(&d, CSM_SEV_WARNING, "blank-row", NULL, "w");
    assert_int_equal(csm_diags_errors(&d), 5);
    assert_int_equal(csm_diags_warnings(&d), 1);
    assert_int_equal(d.n, 3); /* capped, but counted */
    assert_int_equal(d.n_rules, 2);
    csm_diags other = {0};
    csm_diags_add(&other, CSM_SEV_ERROR, "mrr-syntax", &loc, "x");
    csm_diags_merge(&d, &other);
    assert_int_equal(csm_diags_errors(&d), 6);
    assert_int_equal(other.n, 0);
    assert_int_equal(d.rules[0].count, 6);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    csm_diag_format(&d.items[0], f);
    fclose(f);
    assert_string_equal(buf, "snapshots/2024-03.csv:118: error: column \"mrr\" "
                             "(field 3): bad 0\n");
    free(buf);
    csm_diags_free(&d);
    csm_diags_free(&other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_table), cmocka_unit_test(test_money_parse),
        cmocka_unit_test(test_money_arith), cmocka_unit_test(test_currency),
        cmocka_unit_test(test_convert),     cmocka_unit_test(test_dates),
        cmocka_unit_test(test_strtab),      cmocka_unit_test(test_diags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
