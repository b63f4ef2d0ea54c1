/* format.h - the display text of numbers, dates and report cells.
 *
 * One place decides how a value reads to a person, so the PDF, the command
 * line and any later text output agree: money "1,234,567.89" with thousands
 * separators and the currency's decimals, counts "12,345", rates "97.3%",
 * undefined values "n/a", dates "2025-03-31", months "2025-03".  Compact
 * forms ("1.23M") are used only when a caller asks for them.
 *
 * Everything is locale-independent (the separators are always ',' and '.')
 * and deterministic.  Doubles are rounded the way a spreadsheet displays
 * them: the value is first taken to 15 significant digits (dropping binary
 * noise, so 0.9725 is 97.25 and not 97.249999...), then rounded half away
 * from zero.  A result that rounds to zero never shows a minus sign.  NaN
 * and infinities format as "n/a".
 *
 * Every function writes into a caller buffer of at least CSM_FMT_BUFSZ
 * bytes and returns it; none allocates.
 */
#ifndef CSMETRICS_FORMAT_H
#define CSMETRICS_FORMAT_H

#include <stdint.h>

#include "csmetrics/date.h"
#include "csmetrics/report_model.h"

#define CSM_FMT_BUFSZ 96

/* Text of an undefined value. */
#define CSM_FMT_NA "n/a"

/* Flags, combined with |. */
enum {
    CSM_FMT_PLAIN = 0,
    /* "+" before positive values: changes ("+1,200.00", "+1.2 pp"). */
    CSM_FMT_SIGN = 1u << 0,
    /* Three significant digits with a K/M/B/T suffix: "1.23M", "45.6K",
     * "950".  Money, counts and plain numbers; ignored for rates. */
    CSM_FMT_COMPACT = 1u << 1,
    /* Money in whole major units ("1,234,568"), rounded half away from
     * zero; the minor-unit digits are dropped. */
    CSM_FMT_WHOLE = 1u << 2,
    /* A rate that is a difference of two rates: percentage points,
     * "+1.2 pp" instead of "+1.2%". */
    CSM_FMT_POINTS = 1u << 3
};

/* minor: amount in minor units; decimals: the currency's minor-unit digits
 * (2 for USD, 0 for JPY, 3 for KWD; clamped to 0..9).  "-1,234.50". */
char *csm_format_money(int64_t minor, int decimals, unsigned flags, char *buf);

/* A count: "12,345". */
char *csm_format_int(int64_t n, unsigned flags, char *buf);

/* A fraction shown as a percent with `decimals` digits after the point:
 * 0.973 -> "97.3%"; with CSM_FMT_POINTS 0.012 -> "1.2 pp". */
char *csm_format_rate(double fraction, int decimals, unsigned flags, char *buf);

/* A plain number with grouping: 1234.5 (1 decimal) -> "1,234.5". */
char *csm_format_number(double v, int decimals, unsigned flags, char *buf);

/* Three significant digits with a K/M/B/T suffix ("1.23M", "-45.6K",
 * "950", "0.50"); 0 is "0".  CSM_FMT_SIGN adds "+" to positive values. */
char *csm_format_compact(double v, unsigned flags, char *buf);

/* "March 2025" (English month names); "" for CSM_NO_MONTH. */
char *csm_format_month_name(csm_month m, char *buf);

/* The canonical display text of a cell.  money_decimals is the report's
 * currency_decimals.  EMPTY gives "", NA (and any non-finite double)
 * "n/a", TEXT the cell's own text (returned without copying: valid while
 * the cell lives), MONEY/INT/RATE/NUMBER/DATE/MONTH as the functions above
 * with the cell's decimals.  flags apply where they make sense (SIGN,
 * COMPACT, WHOLE, POINTS). */
const char *csm_format_cell(const csm_cell *c, int money_decimals,
                            unsigned flags, char *buf);

/* The sign of a numeric cell as it is displayed (after rounding): -1, 0 or
 * +1.  0 for cells that are not numbers or not defined.  Used to choose an
 * arrow: a change that displays as "0.0 pp" is flat, not up. */
int csm_format_cell_sign(const csm_cell *c, int money_decimals, unsigned flags);

#endif
