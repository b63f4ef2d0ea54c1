/* json.h - a small streaming JSON writer with stable output.
 *
 * Keys are written in the order the caller writes them; numbers are
 * formatted locale-independently (shortest text that reads back to the
 * same double); a non-finite double or an undefined ratio is written as
 * null.  Output is indented two spaces.  Write errors are sticky: check
 * csm_json_failed() (or ferror on the stream) at the end. */
#ifndef CSMETRICS_JSON_H
#define CSMETRICS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "csmetrics/date.h"
#include "csmetrics/ratio.h"

#define CSM_JSON_MAX_DEPTH 32

typedef struct csm_json {
    FILE *out;
    int depth;
    bool has_items[CSM_JSON_MAX_DEPTH];
    bool compact[CSM_JSON_MAX_DEPTH]; /* container written on one line */
    bool is_array[CSM_JSON_MAX_DEPTH];
    bool failed;
} csm_json;

void csm_json_init(csm_json *j, FILE *out);
/* key is NULL inside arrays and for the top-level value. */
void csm_json_object(csm_json *j, const char *key);
void csm_json_array(csm_json *j, const char *key);
/* Same, but the container and its contents go on one line. */
void csm_json_object_inline(csm_json *j, const char *key);
void csm_json_array_inline(csm_json *j, const char *key);
void csm_json_end(csm_json *j);
void csm_json_string(csm_json *j, const char *key, const char *v);
void csm_json_int(csm_json *j, const char *key, int64_t v);
void csm_json_double(csm_json *j, const char *key, double v);
void csm_json_ratio(csm_json *j, const char *key, csm_ratio r);
void csm_json_bool(csm_json *j, const char *key, bool v);
void csm_json_null(csm_json *j, const char *key);
/* A month as "YYYY-MM", or null for CSM_NO_MONTH. */
void csm_json_month(csm_json *j, const char *key, csm_month m);
/* An interval {"lo": .., "hi": ..} on one line, or null when !defined. */
void csm_json_interval(csm_json *j, const char *key, bool defined, double lo,
                       double hi);
/* Finishes the document with a newline; returns false on a write error. */
bool csm_json_finish(csm_json *j);

/* Shortest "%.Ng" text of v that reads back exactly; buf >= 32 bytes. */
char *csm_json_format_double(double v, char *buf);

#endif
