/* money.h - exact money: integer minor units, never floating point.
 *
 * Amounts are int64_t counts of the currency's minor unit (cents for USD,
 * yen for JPY, fils for KWD).  Parsing reads the decimal text digit by digit;
 * arithmetic is checked for overflow; conversion between currencies uses an
 * exact 128-bit intermediate and rounds half to even once, at the end.
 */
#ifndef CSMETRICS_MONEY_H
#define CSMETRICS_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a money string was refused. */
typedef enum csm_money_status {
    CSM_MONEY_OK = 0,
    CSM_MONEY_EMPTY,     /* nothing to parse */
    CSM_MONEY_SYNTAX,    /* not [-]digits[.digits] */
    CSM_MONEY_PRECISION, /* more decimals than the currency has */
    CSM_MONEY_RANGE      /* does not fit in int64 minor units */
} csm_money_status;

/* Parses s[0..len) as an amount with at most `decimals` decimal places
 * (0..9) into minor units.  Accepted: an optional '-', one or more digits,
 * optionally '.' and one or more digits.  No spaces, signs '+', exponents,
 * thousands separators or other characters.  On success stores the amount
 * in *out; on failure leaves *out unchanged. */
csm_money_status csm_money_parse(const char *s, size_t len, int decimals,
                                 int64_t *out);

/* Short explanation of a status ("has more decimals than the currency"). */
const char *csm_money_status_text(csm_money_status st);

/* Checked arithmetic: returns false (and leaves *out unchanged) on
 * overflow. */
bool csm_money_add(int64_t a, int64_t b, int64_t *out);
bool csm_money_sub(int64_t a, int64_t b, int64_t *out);

/* Writes amount as a plain decimal ("-1234.50") with `decimals` places.
 * buf must hold at least CSM_MONEY_BUFSZ bytes.  Returns buf. */
#define CSM_MONEY_BUFSZ 32
char *csm_money_format(int64_t amount, int decimals, char *buf);

/* Number of minor-unit decimals of an ISO 4217 code (2 for "USD", 0 for
 * "JPY", 3 for "KWD"), or -1 when the code is not a known currency. */
int csm_currency_decimals(const char *code);

/* An exchange rate, exactly as written: value = num / 10^scale. */
typedef struct csm_rate {
    int64_t num;
    int scale; /* 0..12 */
} csm_rate;

/* Parses a positive decimal rate with at most 12 decimals and 18 digits.
 * Returns CSM_MONEY_OK or why it was refused; zero or negative rates give
 * CSM_MONEY_RANGE. */
csm_money_status csm_rate_parse(const char *s, size_t len, csm_rate *out);

/* Converts `amount` minor units of a currency with from_dec decimals into
 * minor units of a currency with to_dec decimals at `rate` (target units
 * per one source unit), rounding half to even.  Returns false on overflow. */
bool csm_money_convert(int64_t amount, int from_dec, csm_rate rate, int to_dec,
                       int64_t *out);

/* round(a * b / d) with an exact 128-bit intermediate, rounding half to
 * even; d > 0 and below 2^62.  Returns false when the result does not fit in
 * int64. */
bool csm_muldiv_round(int64_t a, int64_t b, int64_t d, int64_t *out);

#endif
