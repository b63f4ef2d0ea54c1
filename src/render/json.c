/* render/ - output formats.  Renderers lay out results they are given;
 * they compute no metric. */
#include "csmetrics/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void csm_json_init(csm_json *j, FILE *out)
{
    memset(j, 0, sizeof *j);
    j->out = out;
}

static void put(csm_json *j, const char *s)
{
    if (fputs(s, j->out) == EOF)
        j->failed = true;
}

static void put_string(csm_json *j, const char *s)
{
    put(j, "\"");
    const char *run = s;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (p > run &&
            fwrite(run, 1, (size_t)(p - run), j->out) != (size_t)(p - run))
            j->failed = true;
        char esc[8];
        switch (c) {
        case '"':
            put(j, "\\\"");
            break;
        case '\\':
            put(j, "\\\\");
            break;
        case '\n':
            put(j, "\\n");
            break;
        case '\r':
            put(j, "\\r");
            break;
        case '\t':
            put(j, "\\t");
            break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put(j, esc);
        }
        run = p + 1;
    }
    put(j, run);
    put(j, "\"");
}

static bool in_compact(const csm_json *j)
{
    return j->depth > 0 && j->compact[j->depth - 1];
}

static void item(csm_json *j, const char *key)
{
    if (j->depth > 0) {
        if (j->has_items[j->depth - 1])
            put(j, in_compact(j) ? ", " : ",");
        j->has_items[j->depth - 1] = true;
        if (in_compact(j)) {
            /* one line: "a, b" */
        } else {
            put(j, "\n");
            for (int i = 0; i < j->depth; i++)
                put(j, "  ");
        }
    }
    if (key) {
        put_string(j, key);
        put(j, ": ");
    }
}

static void open_container(csm_json *j, const char *key, const char *brace,
                           bool compact)
{
    item(j, key);
    put(j, brace);
    if (j->depth < CSM_JSON_MAX_DEPTH)
        j->is_array[j->depth] = brace[0] == '[';
    if (j->depth >= CSM_JSON_MAX_DEPTH) {
        j->failed = true;
        return;
    }
    j->has_items[j->depth] = false;
    j->compact[j->depth] = compact || in_compact(j);
    j->depth++;
}

void csm_json_object(csm_json *j, const char *key)
{
    open_container(j, key, "{", false);
}

void csm_json_array(csm_json *j, const char *key)
{
    open_container(j, key, "[", false);
}

void csm_json_object_inline(csm_json *j, const char *key)
{
    open_container(j, key, "{", true);
}

void csm_json_array_inline(csm_json *j, const char *key)
{
    open_container(j, key, "[", true);
}

void csm_json_end(csm_json *j)
{
    if (j->depth == 0) {
        j->failed = true;
        return;
    }
    j->depth--;
    bool had = j->has_items[j->depth];
    bool compact = j->compact[j->depth];
    if (had && !compact) {
        put(j, "\n");
        for (int i = 0; i < j->depth; i++)
            put(j, "  ");
    }
    put(j, j->is_array[j->depth] ? "]" : "}");
}

char *csm_json_format_double(double v, char *buf)
{
    if (v == 0.0)
        v = 0.0; /* no "-0" */
    /* Whole numbers as integers ("90", not "9e+01"). */
    /* Range first: converting a double outside long long's range (or a
     * NaN) is undefined behaviour. */
    if (v > -1e15 && v < 1e15 && v == (double)(long long)v) {
        snprintf(buf, 32, "%lld", (long long)v);
        return buf;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

void csm_json_string(csm_json *j, const char *key, const char *v)
{
    item(j, key);
    put_string(j, v ? v : "");
}

void csm_json_int(csm_json *j, const char *key, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    item(j, key);
    put(j, buf);
}

void csm_json_double(csm_json *j, const char *key, double v)
{
    if (!isfinite(v)) {
        csm_json_null(j, key);
        return;
    }
    char buf[32];
    item(j, key);
    put(j, csm_json_format_double(v, buf));
}

void csm_json_ratio(csm_json *j, const char *key, csm_ratio r)
{
    if (!r.defined)
        csm_json_null(j, key);
    else
        csm_json_double(j, key, r.value);
}

void csm_json_bool(csm_json *j, const char *key, bool v)
{
    item(j, key);
    put(j, v ? "true" : "false");
}

void csm_json_null(csm_json *j, const char *key)
{
    item(j, key);
    put(j, "null");
}

bool csm_json_finish(csm_json *j)
{
    if (j->depth != 0)
        j->failed = true;
    put(j, "\n");
    if (fflush(j->out) != 0 || ferror(j->out))
        j->failed = true;
    return !j->failed;
}

void csm_json_month(csm_json *j, const char *key, csm_month m)
{
    char b[CSM_DATE_BUFSZ];
    if (m == CSM_NO_MONTH)
        csm_json_null(j, key);
    else
        csm_json_string(j, key, csm_month_format(m, b));
}

void csm_json_interval(csm_json *j, const char *key, bool defined, double lo,
                       double hi)
{
    if (!defined) {
        csm_json_null(j, key);
        return;
    }
    csm_json_object_inline(j, key);
    csm_json_double(j, "lo", lo);
    csm_json_double(j, "hi", hi);
    csm_json_end(j);
}
