/* date.h - calendar days and months as integers.
 *
 * A csm_day counts days since 1970-01-01 (proleptic Gregorian).  A csm_month
 * counts months since year 0: year * 12 + (month - 1), so consecutive
 * months differ by one.  Parsing is strict ISO 8601 (YYYY-MM-DD, YYYY-MM)
 * with real calendar validation; years 1000..9999. */
#ifndef CSMETRICS_DATE_H
#define CSMETRICS_DATE_H

#include <stddef.h>
#include <stdint.h>

typedef int32_t csm_day;
typedef int32_t csm_month;

#define CSM_NO_DATE INT32_MIN
#define CSM_NO_MONTH INT32_MIN

typedef enum csm_date_status {
    CSM_DATE_OK = 0,
    CSM_DATE_EMPTY,
    CSM_DATE_SYNTAX, /* not YYYY-MM-DD */
    CSM_DATE_INVALID /* well formed but not a day of the calendar */
} csm_date_status;

/* Parses exactly "YYYY-MM-DD". */
csm_date_status csm_date_parse(const char *s, size_t len, csm_day *out);
/* Parses exactly "YYYY-MM". */
csm_date_status csm_month_parse(const char *s, size_t len, csm_month *out);
const char *csm_date_status_text(csm_date_status st);

csm_day csm_day_from_ymd(int y, int m, int d);
void csm_day_to_ymd(csm_day day, int *y, int *m, int *d);
csm_month csm_month_from_ym(int y, int m);
int csm_month_year(csm_month m);
int csm_month_mon(csm_month m); /* 1..12 */

csm_month csm_day_month(csm_day day);
csm_day csm_month_first_day(csm_month m);
csm_day csm_month_last_day(csm_month m);
int csm_days_in_month(int y, int m);

/* Formatting; buf must hold CSM_DATE_BUFSZ bytes.  CSM_NO_DATE and
 * CSM_NO_MONTH format as "". */
#define CSM_DATE_BUFSZ 16
char *csm_date_format(csm_day day, char *buf);
char *csm_month_format(csm_month m, char *buf);
/* "2025-Q1" */
char *csm_quarter_format(csm_month m, char *buf);

#endif
