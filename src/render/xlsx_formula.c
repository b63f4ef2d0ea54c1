/* The XLSX renderer's neutral-formula translator and sheet-name rules.
 *
 * A model formula names tables and columns by id; only the renderer knows
 * where they landed.  This file parses the neutral syntax (grammar in
 * xlsx_formula.h) by recursive descent, emitting the A1 text as it goes and
 * evaluating the same expression over the model's values, so the renderer
 * can check the cached result it writes.  It writes no file. */
#include "csmetrics/xlsx_formula.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "csmetrics/date.h"

/* Excel serial day of 1970-01-01 (serials count from 1899-12-30 once past
 * Excel's fictitious 1900-02-29). */
#define SERIAL_1970 25569
/* Serial of 1900-03-01, the first day whose serial is right in Excel. */
#define SERIAL_MIN 61

static double pow10i(int n)
{
    double p = 1;
    for (int i = 0; i < n; i++)
        p *= 10;
    return p;
}

static bool day_serial(csm_day d, double *out)
{
    double s = (double)d + SERIAL_1970;
    if (s < SERIAL_MIN)
        return false;
    *out = s;
    return true;
}

bool csm_xlsx_cell_number(const csm_cell *c, int currency_decimals, double *out)
{
    switch (c->kind) {
    case CSM_CELL_MONEY:
        *out = (double)c->v.i / pow10i(currency_decimals);
        return true;
    case CSM_CELL_INT:
        *out = (double)c->v.i;
        return true;
    case CSM_CELL_RATE:
    case CSM_CELL_NUMBER:
        if (!isfinite(c->v.d))
            return false;
        *out = c->v.d;
        return true;
    case CSM_CELL_POINTS:
        /* Percentage points are written as points (1.2), formatted
         * "+1.2 pp", so the number never reads as a relative percent. */
        if (!isfinite(c->v.d))
            return false;
        *out = c->v.d * 100.0;
        return true;
    case CSM_CELL_DATE:
        return c->v.day != CSM_NO_DATE && day_serial(c->v.day, out);
    case CSM_CELL_MONTH:
        return c->v.month != CSM_NO_MONTH &&
               day_serial(csm_month_first_day(c->v.month), out);
    case CSM_CELL_EMPTY:
    case CSM_CELL_NA:
    case CSM_CELL_TEXT:
        break;
    }
    return false;
}

const char *csm_xlsx_row_key(const csm_table *t, size_t row, char *buf)
{
    buf[0] = '\0';
    if (t->n_columns == 0 || row >= t->n_rows)
        return buf;
    const csm_cell *c = &t->cells[row * t->n_columns];
    switch (c->kind) {
    case CSM_CELL_TEXT:
        return c->v.text;
    case CSM_CELL_MONTH:
        return csm_month_format(c->v.month, buf);
    case CSM_CELL_DATE:
        return csm_date_format(c->v.day, buf);
    case CSM_CELL_INT:
        snprintf(buf, CSM_XLSX_KEY_BUFSZ, "%lld", (long long)c->v.i);
        return buf;
    default:
        return buf;
    }
}

void csm_xlsx_col_name(uint32_t col, char *buf)
{
    /* Bijective base 26: A..Z, AA..ZZ, AAA..XFD. */
    char tmp[4];
    int n = 0;
    col++;
    while (col > 0 && n < 3) {
        col--;
        tmp[n++] = (char)('A' + col % 26);
        col /= 26;
    }
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
}

/* ------------------------------------------------------------ parser */

typedef struct parser {
    const char *src;
    const char *p;
    const csm_xlsx_formula_env *env;
    csm_strbuf out;
    bool failed;
    bool value_ok;
    char *err;
    size_t errsz;
} parser;

typedef struct colref {
    const csm_xlsx_place *pl;
    size_t col;
} colref;

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 2, 3)))
#endif
static void
fail(parser *ps, const char *fmt, ...)
{
    if (ps->failed)
        return;
    ps->failed = true;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(ps->err, ps->errsz, "formula \"%s\": %s (at character %zu)",
             ps->src, msg, (size_t)(ps->p - ps->src) + 1);
}

static void skip_space(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t')
        ps->p++;
}

static bool accept(parser *ps, char c)
{
    skip_space(ps);
    if (*ps->p == c) {
        ps->p++;
        return true;
    }
    return false;
}

static void expect(parser *ps, char c)
{
    if (!accept(ps, c))
        fail(ps, "expected '%c'", c);
}

static bool ident_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool ident_char(char c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

/* Reads an identifier into buf; false (and a failure) when there is none
 * or it does not fit. */
static bool ident(parser *ps, char *buf, size_t bufsz)
{
    skip_space(ps);
    if (!ident_start(*ps->p)) {
        fail(ps, "expected a table or column id");
        return false;
    }
    size_t n = 0;
    while (ident_char(ps->p[n]))
        n++;
    if (n >= bufsz) {
        fail(ps, "id too long");
        return false;
    }
    memcpy(buf, ps->p, n);
    buf[n] = '\0';
    ps->p += n;
    return true;
}

static const csm_xlsx_place *find_place(parser *ps, const char *id)
{
    for (size_t i = 0; i < ps->env->n_places; i++)
        if (strcmp(ps->env->places[i].table->id, id) == 0)
            return &ps->env->places[i];
    return NULL;
}

/* col := IDENT '.' IDENT */
static bool column_ref(parser *ps, colref *out)
{
    char tab[128], col[128];
    const char *at = ps->p;
    if (!ident(ps, tab, sizeof tab))
        return false;
    if (*ps->p != '.') {
        fail(ps, "expected '.' between table and column ids");
        return false;
    }
    ps->p++;
    if (!ident(ps, col, sizeof col))
        return false;
    const csm_xlsx_place *pl = find_place(ps, tab);
    if (!pl) {
        ps->p = at;
        fail(ps, "no table \"%s\" in the report", tab);
        return false;
    }
    for (size_t c = 0; c < pl->table->n_columns; c++) {
        if (strcmp(pl->table->columns[c].id, col) == 0) {
            out->pl = pl;
            out->col = c;
            return true;
        }
    }
    ps->p = at;
    fail(ps, "table \"%s\" has no column \"%s\"", tab, col);
    return false;
}

/* Appends 'Sheet name'! when the reference is on another sheet. */
static void put_sheet(parser *ps, const csm_xlsx_place *pl)
{
    if (ps->env->sheet && strcmp(ps->env->sheet, pl->sheet) == 0)
        return;
    csm_strbuf_putc(&ps->out, '\'');
    for (const char *s = pl->sheet; *s; s++) {
        if (*s == '\'')
            csm_strbuf_putc(&ps->out, '\'');
        csm_strbuf_putc(&ps->out, *s);
    }
    csm_strbuf_puts(&ps->out, "'!");
}

static void put_cell(parser *ps, uint32_t row, uint32_t col)
{
    char name[4];
    csm_xlsx_col_name(col, name);
    csm_strbuf_printf(&ps->out, "%s%lu", name, (unsigned long)row + 1);
}

static size_t data_rows(const csm_table *t)
{
    return t->total_rows < t->n_rows ? t->n_rows - t->total_rows : 0;
}

/* Appends the range of a column's data rows (it must have some). */
static void put_range(parser *ps, const colref *c)
{
    uint32_t col = c->pl->first_col + (uint32_t)c->col;
    uint32_t first = c->pl->header_row + 1;
    uint32_t last = first + (uint32_t)data_rows(c->pl->table) - 1;
    put_sheet(ps, c->pl);
    put_cell(ps, first, col);
    csm_strbuf_putc(&ps->out, ':');
    put_cell(ps, last, col);
}

static const csm_cell *cell_at(const colref *c, size_t row)
{
    return &c->pl->table->cells[row * c->pl->table->n_columns + c->col];
}

/* Excel's SUM and SUMIF skip text and blanks. */
static double cell_sum_value(parser *ps, const csm_cell *cell)
{
    double v;
    return csm_xlsx_cell_number(cell, ps->env->currency_decimals, &v) ? v : 0;
}

static bool ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

/* STRING := '"' ... '"' with "" for a quote; into a new buffer. */
static bool string_lit(parser *ps, csm_strbuf *s)
{
    skip_space(ps);
    if (*ps->p != '"') {
        fail(ps, "expected a \"quoted\" text");
        return false;
    }
    ps->p++;
    for (;;) {
        if (*ps->p == '\0') {
            fail(ps, "unterminated text");
            return false;
        }
        if (*ps->p == '"') {
            if (ps->p[1] != '"') {
                ps->p++;
                return true;
            }
            ps->p++;
        }
        csm_strbuf_putc(s, *ps->p++);
    }
}

static double sum_fn(parser *ps)
{
    colref c;
    expect(ps, '(');
    if (ps->failed || !column_ref(ps, &c))
        return 0;
    expect(ps, ')');
    if (ps->failed)
        return 0;
    size_t n = data_rows(c.pl->table);
    double sum = 0;
    for (size_t r = 0; r < n; r++)
        sum += cell_sum_value(ps, cell_at(&c, r));
    if (n == 0) {
        /* An empty range cannot be written in A1; its sum is zero. */
        csm_strbuf_putc(&ps->out, '0');
        return 0;
    }
    csm_strbuf_puts(&ps->out, "SUM(");
    put_range(ps, &c);
    csm_strbuf_putc(&ps->out, ')');
    return sum;
}

static double sumif_fn(parser *ps)
{
    colref key, val;
    csm_strbuf crit = {0};
    double sum = 0;
    expect(ps, '(');
    if (ps->failed || !column_ref(ps, &key))
        goto done;
    expect(ps, ',');
    if (ps->failed || !string_lit(ps, &crit))
        goto done;
    expect(ps, ',');
    if (ps->failed || !column_ref(ps, &val))
        goto done;
    if (key.pl != val.pl) {
        fail(ps, "SUMIF over two different tables");
        goto done;
    }
    expect(ps, ')');
    if (ps->failed)
        goto done;
    const char *text = csm_strbuf_str(&crit);
    size_t n = data_rows(key.pl->table);
    for (size_t r = 0; r < n; r++) {
        const csm_cell *k = cell_at(&key, r);
        /* SUMIF compares text without regard to case. */
        if (k->kind == CSM_CELL_TEXT && ascii_ieq(k->v.text, text))
            sum += cell_sum_value(ps, cell_at(&val, r));
    }
    if (n == 0) {
        csm_strbuf_putc(&ps->out, '0');
        goto done;
    }
    csm_strbuf_puts(&ps->out, "SUMIF(");
    put_range(ps, &key);
    csm_strbuf_puts(&ps->out, ",\"");
    /* The criterion must match the text literally: a leading = < > would
     * make it a comparison and * ? ~ are wildcards, so escape them; a
     * quote is doubled inside the formula string. */
    if (text[0] == '=' || text[0] == '<' || text[0] == '>')
        csm_strbuf_putc(&ps->out, '=');
    for (const char *s = text; *s; s++) {
        if (*s == '*' || *s == '?' || *s == '~')
            csm_strbuf_putc(&ps->out, '~');
        if (*s == '"')
            csm_strbuf_putc(&ps->out, '"');
        csm_strbuf_putc(&ps->out, *s);
    }
    csm_strbuf_puts(&ps->out, "\",");
    put_range(ps, &val);
    csm_strbuf_putc(&ps->out, ')');
done:
    csm_strbuf_free(&crit);
    return sum;
}

/* col '[' key ']' after col has been read. */
static double row_ref(parser *ps, const colref *c)
{
    csm_strbuf key = {0};
    double v = 0;
    skip_space(ps);
    if (*ps->p == '"') {
        if (!string_lit(ps, &key))
            goto done;
        expect(ps, ']');
    } else {
        const char *end = strchr(ps->p, ']');
        if (!end) {
            fail(ps, "expected ']'");
            goto done;
        }
        const char *b = ps->p, *e = end;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        csm_strbuf_append(&key, b, (size_t)(e - b));
        ps->p = end + 1;
    }
    if (ps->failed)
        goto done;
    const csm_table *t = c->pl->table;
    const char *want = csm_strbuf_str(&key);
    size_t found = 0, row = 0;
    char buf[CSM_XLSX_KEY_BUFSZ];
    for (size_t r = 0; r < t->n_rows; r++) {
        if (strcmp(csm_xlsx_row_key(t, r, buf), want) == 0) {
            if (found++ == 0)
                row = r;
        }
    }
    if (found != 1) {
        fail(ps, "table \"%s\" has %s row \"%s\"", t->id,
             found ? "more than one" : "no", want);
        goto done;
    }
    put_sheet(ps, c->pl);
    put_cell(ps, c->pl->header_row + 1 + (uint32_t)row,
             c->pl->first_col + (uint32_t)c->col);
    if (!csm_xlsx_cell_number(cell_at(c, row), ps->env->currency_decimals,
                              &v)) {
        /* A blank cell is zero in arithmetic; text gives #VALUE!. */
        if (cell_at(c, row)->kind != CSM_CELL_EMPTY)
            ps->value_ok = false;
        v = 0;
    }
done:
    csm_strbuf_free(&key);
    return v;
}

static double expr(parser *ps, int depth);

static double primary(parser *ps, int depth)
{
    skip_space(ps);
    char ch = *ps->p;
    if (ch >= '0' && ch <= '9') {
        /* Integers beyond 15 digits would lose precision in Excel. */
        long long v = 0;
        int digits = 0;
        while (*ps->p >= '0' && *ps->p <= '9') {
            if (++digits > 15) {
                fail(ps, "integer constant too long");
                return 0;
            }
            v = v * 10 + (*ps->p++ - '0');
        }
        csm_strbuf_printf(&ps->out, "%lld", v);
        return (double)v;
    }
    if (ch == '(') {
        ps->p++;
        csm_strbuf_putc(&ps->out, '(');
        double v = expr(ps, depth + 1);
        expect(ps, ')');
        csm_strbuf_putc(&ps->out, ')');
        return v;
    }
    if (!ident_start(ch)) {
        if (ch)
            fail(ps, "unexpected '%c'", ch);
        else
            fail(ps, "unexpected end of formula");
        return 0;
    }
    /* A function name is an identifier followed by '('. */
    size_t n = 0;
    while (ident_char(ps->p[n]))
        n++;
    const char *after = ps->p + n;
    while (*after == ' ' || *after == '\t')
        after++;
    if (*after == '(') {
        char name[16];
        if (n >= sizeof name) {
            fail(ps, "unknown function");
            return 0;
        }
        memcpy(name, ps->p, n);
        name[n] = '\0';
        if (ascii_ieq(name, "SUM")) {
            ps->p += n;
            return sum_fn(ps);
        }
        if (ascii_ieq(name, "SUMIF")) {
            ps->p += n;
            return sumif_fn(ps);
        }
        fail(ps, "unknown function \"%s\" (SUM and SUMIF are known)", name);
        return 0;
    }
    colref c;
    if (!column_ref(ps, &c))
        return 0;
    if (!accept(ps, '[')) {
        fail(ps, "expected '[' and a row key after %s.%s (or SUM(...))",
             c.pl->table->id, c.pl->table->columns[c.col].id);
        return 0;
    }
    return row_ref(ps, &c);
}

static double unary(parser *ps, int depth)
{
    if (depth > 64) {
        fail(ps, "nested too deeply");
        return 0;
    }
    if (accept(ps, '-')) {
        csm_strbuf_putc(&ps->out, '-');
        return -unary(ps, depth + 1);
    }
    if (accept(ps, '+'))
        return unary(ps, depth + 1);
    return primary(ps, depth);
}

static double expr(parser *ps, int depth)
{
    if (depth > 64) {
        fail(ps, "nested too deeply");
        return 0;
    }
    double v = unary(ps, depth);
    while (!ps->failed) {
        if (accept(ps, '+')) {
            csm_strbuf_putc(&ps->out, '+');
            v += unary(ps, depth);
        } else if (accept(ps, '-')) {
            csm_strbuf_putc(&ps->out, '-');
            v -= unary(ps, depth);
        } else {
            break;
        }
    }
    return v;
}

csm_error csm_xlsx_formula_translate(const char *src,
                                     const csm_xlsx_formula_env *env,
                                     csm_strbuf *out, double *value,
                                     bool *value_ok, char *err, size_t errsz)
{
    char dummy[1];
    parser ps = {.src = src ? src : "",
                 .env = env,
                 .value_ok = true,
                 .err = errsz ? err : dummy,
                 .errsz = errsz ? errsz : sizeof dummy};
    ps.p = ps.src;
    ps.err[0] = '\0';
    skip_space(&ps);
    if (*ps.p == '\0') {
        fail(&ps, "empty formula");
        return CSM_EUSAGE;
    }
    double v = expr(&ps, 0);
    skip_space(&ps);
    if (!ps.failed && *ps.p != '\0')
        fail(&ps, "unexpected '%c'", *ps.p);
    if (ps.failed) {
        csm_strbuf_free(&ps.out);
        return CSM_EUSAGE;
    }
    csm_strbuf_append(out, ps.out.data, ps.out.len);
    csm_strbuf_free(&ps.out);
    if (value)
        *value = v;
    if (value_ok)
        *value_ok = ps.value_ok && isfinite(v);
    return CSM_OK;
}

/* -------------------------------------------------------- sheet names */

size_t csm_xlsx_utf8_next(const unsigned char *s, long *cp)
{
    if (!s[0])
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || s[0] > 0xF4) {
        *cp = -1;
        return 1;
    }
    long v = s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = -1;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    static const long min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = -1;
        return 1;
    }
    *cp = v;
    return n;
}

/* Copies s into out, keeping at most max UTF-16 units, on a character
 * boundary; s is valid UTF-8 here. */
static void cut_units(const char *s, size_t max, char *out, size_t outsz)
{
    size_t units = 0, o = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (;;) {
        long cp;
        size_t n = csm_xlsx_utf8_next(p, &cp);
        if (n == 0)
            break;
        size_t u = cp >= 0x10000 ? 2 : 1;
        if (units + u > max || o + n >= outsz)
            break;
        memcpy(out + o, p, n);
        o += n;
        units += u;
        p += n;
    }
    out[o] = '\0';
}

static bool name_used(const char *name, const char *const *used, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ascii_ieq(name, used[i]))
            return true;
    return false;
}

void csm_xlsx_sheet_name(const char *title, const char *const *used,
                         size_t n_used, char *out)
{
    /* Clean: forbidden and invalid characters become spaces, runs of
     * spaces collapse. */
    char clean[CSM_XLSX_SHEET_BUFSZ * 4];
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)(title ? title : "");
    bool space = true; /* drops leading spaces */
    for (;;) {
        long cp;
        size_t n = csm_xlsx_utf8_next(p, &cp);
        if (n == 0 || o + 5 >= sizeof clean)
            break;
        /* strchr would match a code point's low byte: ASCII only. */
        bool bad = cp < 0x20 || cp == 0x7F ||
                   (cp < 0x80 && strchr("[]:*?/\\", (int)cp) != NULL);
        if (cp < 0 || bad || cp == ' ') {
            if (!space)
                clean[o++] = ' ';
            space = true;
        } else {
            memcpy(clean + o, p, n);
            o += n;
            space = false;
        }
        p += n;
    }
    clean[o] = '\0';
    /* Excel refuses a name that starts or ends with an apostrophe. */
    char *start = clean;
    while (*start == '\'' || *start == ' ')
        start++;
    char base[CSM_XLSX_SHEET_BUFSZ];
    cut_units(start, CSM_XLSX_SHEET_MAX, base, sizeof base);
    for (size_t n = strlen(base);
         n && (base[n - 1] == ' ' || base[n - 1] == '\'');)
        base[--n] = '\0';
    if (base[0] == '\0')
        snprintf(base, sizeof base, "Sheet");
    if (ascii_ieq(base, "History"))
        snprintf(base, sizeof base, "History (sheet)");
    if (!name_used(base, used, n_used)) {
        snprintf(out, CSM_XLSX_SHEET_BUFSZ, "%s", base);
        return;
    }
    for (unsigned k = 2;; k++) {
        char suffix[16], cut[CSM_XLSX_SHEET_BUFSZ - 16];
        snprintf(suffix, sizeof suffix, " (%u)", k);
        cut_units(base, CSM_XLSX_SHEET_MAX - strlen(suffix), cut, sizeof cut);
        for (size_t n = strlen(cut); n && cut[n - 1] == ' ';)
            cut[--n] = '\0';
        snprintf(out, CSM_XLSX_SHEET_BUFSZ, "%s%s", cut, suffix);
        if (!name_used(out, used, n_used))
            return;
    }
}
