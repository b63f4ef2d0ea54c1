#include "csmetrics/date.h"

#include <stdbool.h>
#include <stdio.h>

/* Days from civil and back: Howard Hinnant's algorithms ("chrono-Compatible
 * Low-Level Date Algorithms"), exact for the proleptic Gregorian calendar. */
csm_day csm_day_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (csm_day)(era * 146097 + doe - 719468);
}

void csm_day_to_ymd(csm_day day, int *y, int *m, int *d)
{
    int z = day + 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const int doe = z - era * 146097;
    const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int csm_days_in_month(int y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return len[m - 1] + (m == 2 && leap(y));
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

csm_date_status csm_month_parse(const char *s, size_t len, csm_month *out)
{
    if (len == 0)
        return CSM_DATE_EMPTY;
    if (len != 7 || s[4] != '-' || !digits(s, 4) || !digits(s + 5, 2))
        return CSM_DATE_SYNTAX;
    int y = num(s, 4), m = num(s + 5, 2);
    if (y < 1000 || m < 1 || m > 12)
        return CSM_DATE_INVALID;
    *out = csm_month_from_ym(y, m);
    return CSM_DATE_OK;
}

csm_date_status csm_date_parse(const char *s, size_t len, csm_day *out)
{
    if (len == 0)
        return CSM_DATE_EMPTY;
    if (len != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) ||
        !digits(s + 5, 2) || !digits(s + 8, 2))
        return CSM_DATE_SYNTAX;
    int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
    if (y < 1000 || m < 1 || m > 12 || d < 1 || d > csm_days_in_month(y, m))
        return CSM_DATE_INVALID;
    *out = csm_day_from_ymd(y, m, d);
    return CSM_DATE_OK;
}

const char *csm_date_status_text(csm_date_status st)
{
    switch (st) {
    case CSM_DATE_OK:
        return "ok";
    case CSM_DATE_EMPTY:
        return "is empty";
    case CSM_DATE_SYNTAX:
        return "is not a date";
    case CSM_DATE_INVALID:
        return "is not a day of the calendar";
    }
    return "is not a date";
}

csm_month csm_month_from_ym(int y, int m)
{
    return (csm_month)(y * 12 + (m - 1));
}

int csm_month_year(csm_month m)
{
    return m / 12;
}

int csm_month_mon(csm_month m)
{
    return m % 12 + 1;
}

csm_month csm_day_month(csm_day day)
{
    int y, m, d;
    csm_day_to_ymd(day, &y, &m, &d);
    return csm_month_from_ym(y, m);
}

csm_day csm_month_first_day(csm_month m)
{
    return csm_day_from_ymd(csm_month_year(m), csm_month_mon(m), 1);
}

csm_day csm_month_last_day(csm_month m)
{
    int y = csm_month_year(m), mo = csm_month_mon(m);
    return csm_day_from_ymd(y, mo, csm_days_in_month(y, mo));
}

char *csm_date_format(csm_day day, char *buf)
{
    if (day == CSM_NO_DATE) {
        buf[0] = '\0';
        return buf;
    }
    int y, m, d;
    csm_day_to_ymd(day, &y, &m, &d);
    snprintf(buf, CSM_DATE_BUFSZ, "%04d-%02d-%02d", y, m, d);
    return buf;
}

char *csm_month_format(csm_month m, char *buf)
{
    if (m == CSM_NO_MONTH) {
        buf[0] = '\0';
        return buf;
    }
    snprintf(buf, CSM_DATE_BUFSZ, "%04d-%02d", csm_month_year(m),
             csm_month_mon(m));
    return buf;
}

char *csm_quarter_format(csm_month m, char *buf)
{
    if (m == CSM_NO_MONTH) {
        buf[0] = '\0';
        return buf;
    }
    snprintf(buf, CSM_DATE_BUFSZ, "%04d-Q%d", csm_month_year(m),
             (csm_month_mon(m) - 1) / 3 + 1);
    return buf;
}
