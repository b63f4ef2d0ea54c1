/* The display text of numbers and cells (see format.h for the rules).
 *
 * Doubles never go through printf's "%f": it rounds the exact binary value
 * (0.9725 is 0.97249999999999992 in binary, so "%.1f" of 97.25 gives 97.2)
 * and its decimal point follows LC_NUMERIC.  Instead the value is written
 * with 15 significant digits ("%.14e", whose digits do not depend on the
 * locale), and the decimal digit string is rounded half away from zero,
 * which is what a spreadsheet shows for the same value. */
#include "csmetrics/format.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest digit string we build: 60 digits is far beyond any value a
 * report shows (money is at most 19 digits). */
#define MAX_DIGITS 60

/* Sets out to the decimal digits of round(|v| * 10^dec), at least "0",
 * and *neg to the sign of v.  Returns false for NaN, infinities and values
 * too large to write out. */
static bool round_digits(double v, int dec, char *out, bool *neg)
{
    if (!isfinite(v))
        return false;
    char e[48];
    snprintf(e, sizeof e, "%.14e", v);
    const char *p = e;
    *neg = false;
    if (*p == '-') {
        *neg = true;
        p++;
    }
    char d[32];
    int nd = 0;
    while (*p && *p != 'e' && *p != 'E') {
        if (*p >= '0' && *p <= '9' && nd < (int)sizeof d - 1)
            d[nd++] = *p;
        p++;
    }
    if (!*p || nd == 0)
        return false;
    int exp = atoi(p + 1);
    /* Digit k weighs 10^(exp - k); scaled by 10^dec the first `keep`
     * digits are the integer part of |v| * 10^dec. */
    int keep = exp + dec + 1;
    if (keep > MAX_DIGITS)
        return false;
    char r[MAX_DIGITS + 2];
    int nr = 0;
    if (keep <= 0) {
        r[nr++] = (keep == 0 && d[0] >= '5') ? '1' : '0';
    } else {
        for (int k = 0; k < keep; k++)
            r[nr++] = k < nd ? d[k] : '0';
        if (keep < nd && d[keep] >= '5') {
            int k = nr - 1;
            while (k >= 0 && r[k] == '9')
                r[k--] = '0';
            if (k >= 0) {
                r[k]++;
            } else {
                memmove(r + 1, r, (size_t)nr);
                r[0] = '1';
                nr++;
            }
        }
    }
    r[nr] = '\0';
    int z = 0;
    while (z < nr - 1 && r[z] == '0')
        z++;
    memmove(out, r + z, (size_t)(nr - z + 1));
    if (strcmp(out, "0") == 0)
        *neg = false;
    return true;
}

/* Writes the unsigned magnitude m as decimal digits. */
static void u64_digits(uint64_t m, char *out)
{
    char t[24];
    int n = 0;
    do {
        t[n++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m);
    for (int i = 0; i < n; i++)
        out[i] = t[n - 1 - i];
    out[n] = '\0';
}

static uint64_t magnitude(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* Lays out sign, grouped integer part, '.', dec fraction digits and a
 * suffix from the digit string of round(|v| * 10^dec). */
static char *layout(char *buf, bool neg, const char *digits, int dec,
                    unsigned flags, const char *suffix)
{
    size_t nd = strlen(digits);
    char padded[MAX_DIGITS + 16];
    /* At least one integer digit: "5" with 2 decimals is "0.05". */
    if (nd <= (size_t)dec) {
        size_t pad = (size_t)dec + 1 - nd;
        memset(padded, '0', pad);
        memcpy(padded + pad, digits, nd + 1);
        digits = padded;
        nd += pad;
    }
    bool zero = strspn(digits, "0") == nd;
    size_t n_int = nd - (size_t)dec;
    char *o = buf;
    if (neg && !zero)
        *o++ = '-';
    else if ((flags & CSM_FMT_SIGN) && !zero)
        *o++ = '+';
    for (size_t i = 0; i < n_int; i++) {
        if (i > 0 && (n_int - i) % 3 == 0)
            *o++ = ',';
        *o++ = digits[i];
    }
    if (dec > 0) {
        *o++ = '.';
        memcpy(o, digits + n_int, (size_t)dec);
        o += dec;
    }
    *o = '\0';
    if (suffix) {
        size_t room = CSM_FMT_BUFSZ - (size_t)(o - buf) - 1;
        snprintf(o, room + 1, "%s", suffix);
    }
    return buf;
}

static char *na(char *buf)
{
    snprintf(buf, CSM_FMT_BUFSZ, "%s", CSM_FMT_NA);
    return buf;
}

static int clamp_dec(int d)
{
    return d < 0 ? 0 : d > 9 ? 9 : d;
}

char *csm_format_compact(double v, unsigned flags, char *buf)
{
    static const struct {
        double unit;
        const char *suffix;
    } units[] = {{1, ""}, {1e3, "K"}, {1e6, "M"}, {1e9, "B"}, {1e12, "T"}};
    const size_t n_units = sizeof units / sizeof *units;
    if (!isfinite(v))
        return na(buf);
    if (v == 0.0)
        return layout(buf, false, "0", 0, 0, NULL);
    double a = fabs(v);
    size_t u = 0;
    while (u + 1 < n_units && a >= units[u + 1].unit)
        u++;
    for (;;) {
        double s = a / units[u].unit;
        int dec = s < 10 ? 2 : s < 100 ? 1 : 0;
        char digits[MAX_DIGITS + 2];
        bool neg;
        if (!round_digits(v < 0 ? -s : s, dec, digits, &neg))
            return na(buf);
        /* 999.6K rounds to "1000K": show it as 1.00M instead. */
        if (strlen(digits) > (size_t)dec + 3 && u + 1 < n_units) {
            u++;
            continue;
        }
        return layout(buf, neg, digits, dec, flags, units[u].suffix);
    }
}

char *csm_format_money(int64_t minor, int decimals, unsigned flags, char *buf)
{
    int dec = clamp_dec(decimals);
    uint64_t scale = 1;
    for (int i = 0; i < dec; i++)
        scale *= 10;
    if (flags & CSM_FMT_COMPACT)
        return csm_format_compact((double)minor / (double)scale, flags, buf);
    uint64_t m = magnitude(minor);
    char digits[32];
    if (flags & CSM_FMT_WHOLE) {
        uint64_t q = m / scale, r = m % scale;
        if (dec > 0 && r >= scale - r) /* r / scale >= 0.5 */
            q++;
        u64_digits(q, digits);
        return layout(buf, minor < 0, digits, 0, flags, NULL);
    }
    u64_digits(m, digits);
    return layout(buf, minor < 0, digits, dec, flags, NULL);
}

char *csm_format_int(int64_t n, unsigned flags, char *buf)
{
    if (flags & CSM_FMT_COMPACT)
        return csm_format_compact((double)n, flags, buf);
    char digits[32];
    u64_digits(magnitude(n), digits);
    return layout(buf, n < 0, digits, 0, flags, NULL);
}

char *csm_format_rate(double fraction, int decimals, unsigned flags, char *buf)
{
    int dec = clamp_dec(decimals);
    char digits[MAX_DIGITS + 2];
    bool neg;
    /* round(fraction * 10^(dec+2)) are the digits of the percent with dec
     * decimals: no multiplication by 100 in binary. */
    if (!round_digits(fraction, dec + 2, digits, &neg))
        return na(buf);
    return layout(buf, neg, digits, dec, flags,
                  (flags & CSM_FMT_POINTS) ? " pp" : "%");
}

char *csm_format_number(double v, int decimals, unsigned flags, char *buf)
{
    if (flags & CSM_FMT_COMPACT)
        return csm_format_compact(v, flags, buf);
    int dec = clamp_dec(decimals);
    char digits[MAX_DIGITS + 2];
    bool neg;
    if (!round_digits(v, dec, digits, &neg))
        return na(buf);
    return layout(buf, neg, digits, dec, flags, NULL);
}

char *csm_format_month_name(csm_month m, char *buf)
{
    static const char *const names[12] = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December"};
    if (m == CSM_NO_MONTH) {
        buf[0] = '\0';
        return buf;
    }
    snprintf(buf, CSM_FMT_BUFSZ, "%s %04d", names[csm_month_mon(m) - 1],
             csm_month_year(m));
    return buf;
}

const char *csm_format_cell(const csm_cell *c, int money_decimals,
                            unsigned flags, char *buf)
{
    switch (c->kind) {
    case CSM_CELL_EMPTY:
        buf[0] = '\0';
        return buf;
    case CSM_CELL_NA:
        return na(buf);
    case CSM_CELL_TEXT:
        return c->v.text ? c->v.text : "";
    case CSM_CELL_MONEY:
        return csm_format_money(c->v.i, money_decimals, flags, buf);
    case CSM_CELL_INT:
        return csm_format_int(c->v.i, flags, buf);
    case CSM_CELL_RATE:
        return csm_format_rate(c->v.d, c->decimals, flags, buf);
    case CSM_CELL_POINTS:
        return csm_format_rate(c->v.d, c->decimals, flags | CSM_FMT_POINTS,
                               buf);
    case CSM_CELL_NUMBER:
        return csm_format_number(c->v.d, c->decimals, flags, buf);
    case CSM_CELL_DATE:
        if (c->v.day == CSM_NO_DATE) {
            buf[0] = '\0';
            return buf;
        }
        return csm_date_format(c->v.day, buf);
    case CSM_CELL_MONTH:
        if (c->v.month == CSM_NO_MONTH) {
            buf[0] = '\0';
            return buf;
        }
        return csm_month_format(c->v.month, buf);
    }
    return na(buf);
}

int csm_format_cell_sign(const csm_cell *c, int money_decimals, unsigned flags)
{
    switch (c->kind) {
    case CSM_CELL_MONEY:
    case CSM_CELL_INT:
    case CSM_CELL_RATE:
    case CSM_CELL_POINTS:
    case CSM_CELL_NUMBER:
        break;
    default:
        return 0;
    }
    char buf[CSM_FMT_BUFSZ];
    const char *s = csm_format_cell(c, money_decimals, flags, buf);
    if (strcmp(s, CSM_FMT_NA) == 0)
        return 0;
    if (!strpbrk(s, "123456789"))
        return 0;
    return s[0] == '-' ? -1 : 1;
}
