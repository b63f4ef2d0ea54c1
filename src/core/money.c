#include "csmetrics/money.h"

#include <stdio.h>
#include <string.h>

static const int64_t pow10_tab[19] = {
    1LL,
    10LL,
    100LL,
    1000LL,
    10000LL,
    100000LL,
    1000000LL,
    10000000LL,
    100000000LL,
    1000000000LL,
    10000000000LL,
    100000000000LL,
    1000000000000LL,
    10000000000000LL,
    100000000000000LL,
    1000000000000000LL,
    10000000000000000LL,
    100000000000000000LL,
    1000000000000000000LL,
};

csm_money_status csm_money_parse(const char *s, size_t len, int decimals,
                                 int64_t *out)
{
    if (len == 0)
        return CSM_MONEY_EMPTY;
    if (decimals < 0 || decimals > 9)
        return CSM_MONEY_SYNTAX;
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-') {
        neg = true;
        i = 1;
    }
    /* Accumulate as a negative number so that INT64_MIN's magnitude is not
     * needed; the range check is exact. */
    uint64_t mag = 0;
    const uint64_t limit = (uint64_t)INT64_MAX + (neg ? 1u : 0u);
    size_t int_digits = 0, frac_digits = 0;
    bool range = false;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, int_digits++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (mag > (limit - d) / 10)
            range = true;
        else
            mag = mag * 10 + d;
    }
    if (int_digits == 0)
        return CSM_MONEY_SYNTAX;
    if (i < len && s[i] == '.') {
        i++;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            unsigned d = (unsigned)(s[i] - '0');
            frac_digits++;
            if ((int)frac_digits > decimals) {
                if (d != 0)
                    goto precision;
                continue; /* trailing zeros beyond the precision are exact */
            }
            if (mag > (limit - d) / 10)
                range = true;
            else
                mag = mag * 10 + d;
        }
        if (frac_digits == 0)
            return CSM_MONEY_SYNTAX;
    }
    if (i != len)
        return CSM_MONEY_SYNTAX;
    for (size_t k = frac_digits; k < (size_t)decimals; k++) {
        if (mag > limit / 10)
            range = true;
        else
            mag *= 10;
    }
    if (range)
        return CSM_MONEY_RANGE;
    if (neg)
        *out = mag == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)mag;
    else
        *out = (int64_t)mag;
    return CSM_MONEY_OK;
precision:
    /* Finish checking the syntax so that "1.234x" is a syntax error. */
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
        ;
    return i == len ? CSM_MONEY_PRECISION : CSM_MONEY_SYNTAX;
}

const char *csm_money_status_text(csm_money_status st)
{
    switch (st) {
    case CSM_MONEY_OK:
        return "ok";
    case CSM_MONEY_EMPTY:
        return "is empty";
    case CSM_MONEY_SYNTAX:
        return "is not an amount";
    case CSM_MONEY_PRECISION:
        return "has more decimals than the currency has";
    case CSM_MONEY_RANGE:
        return "is too large";
    }
    return "is not an amount";
}

bool csm_money_add(int64_t a, int64_t b, int64_t *out)
{
    if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
        return false;
    *out = a + b;
    return true;
}

bool csm_money_sub(int64_t a, int64_t b, int64_t *out)
{
    if ((b < 0 && a > INT64_MAX + b) || (b > 0 && a < INT64_MIN + b))
        return false;
    *out = a - b;
    return true;
}

char *csm_money_format(int64_t amount, int decimals, char *buf)
{
    uint64_t mag =
        amount < 0 ? (uint64_t)0 - (uint64_t)amount : (uint64_t)amount;
    if (decimals <= 0 || decimals > 18) {
        snprintf(buf, CSM_MONEY_BUFSZ, "%s%llu", amount < 0 ? "-" : "",
                 (unsigned long long)mag);
        return buf;
    }
    uint64_t p = (uint64_t)pow10_tab[decimals];
    snprintf(buf, CSM_MONEY_BUFSZ, "%s%llu.%0*llu", amount < 0 ? "-" : "",
             (unsigned long long)(mag / p), decimals,
             (unsigned long long)(mag % p));
    return buf;
}

/* ISO 4217 codes whose minor unit is not 2 decimals; every other code in
 * `known` has 2.  Source: the ISO 4217 list (SIX Group), 2024 edition. */
static const struct {
    const char code[4];
    int decimals;
} exceptions[] = {
    {"BHD", 3}, {"BIF", 0}, {"CLF", 4}, {"CLP", 0}, {"DJF", 0}, {"GNF", 0},
    {"IQD", 3}, {"ISK", 0}, {"JOD", 3}, {"JPY", 0}, {"KMF", 0}, {"KRW", 0},
    {"KWD", 3}, {"LYD", 3}, {"OMR", 3}, {"PYG", 0}, {"RWF", 0}, {"TND", 3},
    {"UGX", 0}, {"UYI", 0}, {"UYW", 4}, {"VND", 0}, {"VUV", 0}, {"XAF", 0},
    {"XOF", 0}, {"XPF", 0},
};

static const char known[] =
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND "
    "BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU "
    "CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS "
    "GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY "
    "KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA "
    "MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD "
    "OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK "
    "SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD "
    "TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XOF "
    "XPF YER ZAR ZMW ZWL";

int csm_currency_decimals(const char *code)
{
    if (strlen(code) != 3)
        return -1;
    for (size_t i = 0; i + 3 <= sizeof known - 1; i += 4) {
        if (memcmp(known + i, code, 3) != 0)
            continue;
        for (size_t k = 0; k < sizeof exceptions / sizeof *exceptions; k++)
            if (memcmp(exceptions[k].code, code, 3) == 0)
                return exceptions[k].decimals;
        return 2;
    }
    return -1;
}

csm_money_status csm_rate_parse(const char *s, size_t len, csm_rate *out)
{
    if (len == 0)
        return CSM_MONEY_EMPTY;
    /* A rate is positive.  Refuse a sign here: the long-scale path below
     * appends digits to the head's value, which for "-0.0000000001" is 0
     * and would give +1e-10 (and overflows for a large negative head). */
    if (s[0] == '-') {
        csm_rate tmp;
        if (len > 1 && s[1] != '-' &&
            csm_rate_parse(s + 1, len - 1, &tmp) != CSM_MONEY_SYNTAX)
            return CSM_MONEY_RANGE;
        return CSM_MONEY_SYNTAX;
    }
    /* Count the decimals first so the digits can go through the exact
     * amount parser with that precision. */
    const char *dot = memchr(s, '.', len);
    int scale = dot ? (int)(len - (size_t)(dot - s) - 1) : 0;
    /* Trailing zeros carry no value: 1.50000000000000 is fine. */
    size_t n = len;
    while (dot && scale > 12 && n > 0 && s[n - 1] == '0') {
        n--;
        scale--;
    }
    if (scale > 12)
        return CSM_MONEY_PRECISION;
    if (scale > 9) {
        /* csm_money_parse handles up to 9 decimals: parse the part before
         * the last (scale - 9) digits, then append them by hand. */
        int64_t head;
        size_t tail = (size_t)(scale - 9);
        csm_money_status st = csm_money_parse(s, n - tail, 9, &head);
        if (st != CSM_MONEY_OK)
            return st;
        for (size_t i = n - tail; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return CSM_MONEY_SYNTAX;
            if (head > (INT64_MAX - 9) / 10)
                return CSM_MONEY_RANGE;
            head = head * 10 + (s[i] - '0');
        }
        if (head <= 0)
            return CSM_MONEY_RANGE;
        if (head > 999999999999999999LL)
            return CSM_MONEY_RANGE;
        *out = (csm_rate){head, scale};
        return CSM_MONEY_OK;
    }
    int64_t v;
    csm_money_status st = csm_money_parse(s, n, scale, &v);
    if (st != CSM_MONEY_OK)
        return st;
    if (v <= 0 || v > 999999999999999999LL)
        return CSM_MONEY_RANGE;
    *out = (csm_rate){v, scale};
    return CSM_MONEY_OK;
}

/* 128-bit unsigned arithmetic in two 64-bit halves, portable C11. */
typedef struct u128 {
    uint64_t hi, lo;
} u128;

static u128 mul64(uint64_t a, uint64_t b)
{
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32;
    uint64_t b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    u128 r;
    r.lo = (mid << 32) | (p00 & 0xffffffffu);
    r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    return r;
}

/* q = n / d, *rem = n % d, for d < 2^62 (so the shifted remainder never
 * exceeds 64 bits). */
static u128 divmod(u128 n, uint64_t d, uint64_t *rem)
{
    u128 q = {0, 0};
    uint64_t r = 0;
    for (int bit = 127; bit >= 0; bit--) {
        uint64_t b = bit >= 64 ? (n.hi >> (bit - 64)) & 1u : (n.lo >> bit) & 1u;
        r = (r << 1) | b;
        if (r >= d) {
            r -= d;
            if (bit >= 64)
                q.hi |= (uint64_t)1 << (bit - 64);
            else
                q.lo |= (uint64_t)1 << bit;
        }
    }
    *rem = r;
    return q;
}

static bool to_int64(u128 mag, bool neg, int64_t *out)
{
    if (mag.hi != 0)
        return false;
    if (neg) {
        if (mag.lo > (uint64_t)INT64_MAX + 1u)
            return false;
        *out =
            mag.lo == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)mag.lo;
    } else {
        if (mag.lo > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)mag.lo;
    }
    return true;
}

static uint64_t mag64(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

bool csm_muldiv_round(int64_t a, int64_t b, int64_t d, int64_t *out)
{
    if (d <= 0 || (uint64_t)d >= ((uint64_t)1 << 62))
        return false;
    bool neg = (a < 0) != (b < 0);
    uint64_t ma = mag64(a), mb = mag64(b);
    /* Fast path: the product fits in 63 bits (almost every conversion). */
    if (mb == 0 || ma <= (uint64_t)INT64_MAX / mb) {
        uint64_t prod = ma * mb, q = prod / (uint64_t)d,
                 rem = prod % (uint64_t)d;
        uint64_t twice = rem * 2;
        if (twice > (uint64_t)d || (twice == (uint64_t)d && (q & 1u)))
            q++;
        *out = neg ? -(int64_t)q : (int64_t)q;
        return true;
    }
    u128 p = mul64(ma, mb);
    uint64_t rem;
    u128 q = divmod(p, (uint64_t)d, &rem);
    /* Round half to even on the magnitude; symmetric for negatives. */
    uint64_t twice = rem * 2; /* rem < 2^62, no overflow */
    if (twice > (uint64_t)d || (twice == (uint64_t)d && (q.lo & 1u))) {
        q.lo++;
        if (q.lo == 0)
            q.hi++;
    }
    return to_int64(q, neg && (q.hi || q.lo), out);
}

bool csm_money_convert(int64_t amount, int from_dec, csm_rate rate, int to_dec,
                       int64_t *out)
{
    /* value = amount / 10^from * num / 10^scale, expressed in 10^-to units:
     * amount * num * 10^(to - from - scale). */
    int e = to_dec - from_dec - rate.scale;
    if (e >= 0) {
        if (e > 18)
            return false;
        int64_t t;
        if (!csm_muldiv_round(amount, rate.num, 1, &t))
            return false;
        return csm_muldiv_round(t, pow10_tab[e], 1, out);
    }
    if (-e > 18)
        return false;
    return csm_muldiv_round(amount, rate.num, pow10_tab[-e], out);
}
