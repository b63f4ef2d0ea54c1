#include "xlsxread.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "csmetrics/strbuf.h"
#include "csmetrics/xalloc.h"
#include "testutil.h"

char *xr_part(const char *xlsx, const char *part)
{
    char *cmd = csm_xasprintf("unzip -p '%s' '%s' 2>/dev/null", xlsx, part);
    FILE *p = popen(cmd, "r");
    free(cmd);
    if (!p)
        return NULL;
    csm_strbuf b = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        csm_strbuf_append(&b, buf, n);
    int rc = pclose(p);
    if (rc != 0 || b.len == 0) {
        csm_strbuf_free(&b);
        return NULL;
    }
    return csm_strbuf_take(&b);
}

/* XML text with the five entities decoded. */
static char *xml_text(const char *s, size_t n)
{
    static const struct {
        const char *ent, *ch;
    } ents[] = {{"&amp;", "&"},
                {"&lt;", "<"},
                {"&gt;", ">"},
                {"&quot;", "\""},
                {"&apos;", "'"}};
    csm_strbuf b = {0};
    for (size_t i = 0; i < n;) {
        bool done = false;
        for (size_t e = 0; e < 5 && !done; e++) {
            size_t el = strlen(ents[e].ent);
            if (i + el <= n && memcmp(s + i, ents[e].ent, el) == 0) {
                csm_strbuf_puts(&b, ents[e].ch);
                i += el;
                done = true;
            }
        }
        if (!done)
            csm_strbuf_putc(&b, s[i++]);
    }
    char *out = csm_strbuf_take(&b);
    return out ? out : csm_xstrdup("");
}

/* Value of attribute name in the tag starting at tag, or NULL. */
static char *attr(const char *tag, const char *name)
{
    const char *end = strchr(tag, '>');
    char *pat = csm_xasprintf(" %s=\"", name);
    const char *a = strstr(tag, pat);
    size_t pl = strlen(pat);
    free(pat);
    if (!a || (end && a > end))
        return NULL;
    a += pl;
    const char *q = strchr(a, '"');
    return xml_text(a, (size_t)(q - a));
}

/* Concatenated text of the <t> elements in [s, e). */
static char *t_text(const char *s, const char *e)
{
    csm_strbuf b = {0};
    for (const char *p = s; (p = strstr(p, "<t")) && p < e;) {
        if (p[2] != '>' && p[2] != ' ') {
            p += 2;
            continue;
        }
        const char *gt = strchr(p, '>');
        const char *close = strstr(gt, "</t>");
        char *txt = xml_text(gt + 1, (size_t)(close - gt - 1));
        csm_strbuf_puts(&b, txt);
        free(txt);
        p = close + 4;
    }
    char *out = csm_strbuf_take(&b);
    return out ? out : csm_xstrdup("");
}

bool xr_open(xr_book *b, const char *path)
{
    memset(b, 0, sizeof *b);
    b->path = csm_xstrdup(path);
    char *sst = xr_part(path, "xl/sharedStrings.xml");
    if (sst) {
        for (const char *p = sst; (p = strstr(p, "<si>")) != NULL;) {
            const char *e = strstr(p, "</si>");
            b->sst = csm_xreallocarray(b->sst, b->n_sst + 1, sizeof *b->sst);
            b->sst[b->n_sst++] = t_text(p, e);
            p = e;
        }
        free(sst);
    }
    b->styles = xr_part(path, "xl/styles.xml");
    char *wb = xr_part(path, "xl/workbook.xml");
    if (!wb)
        return false;
    const char *p = wb;
    while ((p = strstr(p, "<sheet ")) != NULL && b->n_sheets < XR_MAX_SHEETS) {
        char part[64];
        snprintf(part, sizeof part, "xl/worksheets/sheet%zu.xml",
                 b->n_sheets + 1);
        b->name[b->n_sheets] = attr(p, "name");
        b->sheet[b->n_sheets] = xr_part(path, part);
        if (!b->sheet[b->n_sheets]) {
            free(b->name[b->n_sheets]);
            break;
        }
        b->n_sheets++;
        p++;
    }
    free(wb);
    return b->n_sheets > 0;
}

void xr_close(xr_book *b)
{
    for (size_t i = 0; i < b->n_sst; i++)
        free(b->sst[i]);
    free(b->sst);
    for (size_t i = 0; i < b->n_sheets; i++) {
        free(b->sheet[i]);
        free(b->name[i]);
    }
    free(b->path);
    free(b->styles);
    memset(b, 0, sizeof *b);
}

/* The nth (0-based) element <tag ...> inside the list element <list>. */
static const char *nth(const char *xml, const char *list, const char *tag,
                       long k)
{
    char *open = csm_xasprintf("<%s", list);
    const char *p = xml ? strstr(xml, open) : NULL;
    free(open);
    if (!p)
        return NULL;
    char *pat = csm_xasprintf("<%s", tag);
    size_t pl = strlen(pat);
    for (p = strstr(p, pat); p; p = strstr(p + 1, pat)) {
        if (p[pl] != ' ' && p[pl] != '>' && p[pl] != '/')
            continue;
        if (k-- == 0)
            break;
    }
    free(pat);
    return p;
}

char *xr_attr(const char *tag, const char *name)
{
    return attr(tag, name);
}

char *xr_numfmt(const xr_book *b, int style)
{
    const char *p = strstr(b->styles, "<cellXfs");
    assert_non_null(p);
    for (int i = 0; i <= style; i++) {
        p = strstr(p + 1, "<xf ");
        assert_non_null(p);
    }
    char *a = attr(p, "numFmtId");
    int nf = atoi(a ? a : "0");
    free(a);
    if (nf < 164)
        return csm_xasprintf("builtin %d", nf);
    char *pat = csm_xasprintf("<numFmt numFmtId=\"%d\"", nf);
    const char *q = strstr(b->styles, pat);
    free(pat);
    assert_non_null(q);
    return attr(q, "formatCode");
}

char *xr_fill(const xr_book *b, int style)
{
    const char *xf = nth(b->styles, "cellXfs", "xf", style);
    if (!xf)
        return NULL;
    char *id = attr(xf, "fillId");
    if (!id)
        return NULL;
    const char *fill = nth(b->styles, "fills", "fill", atol(id));
    free(id);
    if (!fill)
        return NULL;
    const char *end = strstr(fill, "</fill>");
    const char *fg = strstr(fill, "<fgColor");
    if (!fg || (end && fg > end) || !strstr(fill, "solid"))
        return NULL;
    return attr(fg, "rgb");
}

size_t xr_sheet(const xr_book *b, const char *name)
{
    for (size_t i = 0; i < b->n_sheets; i++)
        if (b->name[i] && strcmp(b->name[i], name) == 0)
            return i + 1;
    return 0;
}

/* Parses the cell element starting at p. */
static xr_cell parse_cell(const xr_book *b, const char *p)
{
    xr_cell c = {0};
    c.found = true;
    char *type = attr(p, "t");
    char *s = attr(p, "s");
    c.style = s ? atoi(s) : 0;
    free(s);
    const char *gt = strchr(p, '>');
    if (gt[-1] == '/') {
        free(type);
        return c;
    }
    const char *end = strstr(gt, "</c>");
    const char *f = strstr(gt, "<f>");
    if (f && f < end)
        c.formula = xml_text(f + 3, (size_t)(strstr(f, "</f>") - f - 3));
    const char *v = strstr(gt, "<v>");
    if (type && strcmp(type, "inlineStr") == 0) {
        c.text = true;
        c.value = t_text(gt, end);
    } else if (v && v < end) {
        char *raw = xml_text(v + 3, (size_t)(strstr(v, "</v>") - v - 3));
        if (type && strcmp(type, "s") == 0) {
            size_t k = (size_t)atol(raw);
            c.text = true;
            c.value = csm_xstrdup(k < b->n_sst ? b->sst[k] : "");
            free(raw);
        } else {
            c.text = type && strcmp(type, "str") == 0;
            c.value = raw;
        }
    }
    free(type);
    return c;
}

xr_cell xr_get(const xr_book *b, size_t n, const char *ref)
{
    xr_cell c = {0};
    if (n < 1 || n > b->n_sheets)
        return c;
    char *pat = csm_xasprintf("<c r=\"%s\"", ref);
    size_t pl = strlen(pat);
    const char *p = b->sheet[n - 1];
    while ((p = strstr(p, pat)) != NULL && p[pl] != ' ' && p[pl] != '>' &&
           p[pl] != '/')
        p += pl;
    free(pat);
    return p ? parse_cell(b, p) : c;
}

void xr_cell_free(xr_cell *c)
{
    free(c->value);
    free(c->formula);
    memset(c, 0, sizeof *c);
}

bool xr_find(const xr_book *b, size_t n, const char *text, char *ref)
{
    if (n < 1 || n > b->n_sheets)
        return false;
    for (const char *p = b->sheet[n - 1]; (p = strstr(p, "<c r=\"")) != NULL;
         p += 6) {
        xr_cell c = parse_cell(b, p);
        bool hit = c.text && c.value && strcmp(c.value, text) == 0;
        xr_cell_free(&c);
        if (hit) {
            const char *q = p + 6, *e = strchr(q, '"');
            size_t len = (size_t)(e - q);
            memcpy(ref, q, len < 15 ? len : 15);
            ref[len < 15 ? len : 15] = '\0';
            return true;
        }
    }
    return false;
}

void xr_offset(const char *ref, int dcol, int drow, char *out)
{
    long col = 0;
    const char *p = ref;
    while (*p >= 'A' && *p <= 'Z')
        col = col * 26 + (*p++ - 'A' + 1);
    long row = atol(p) + drow;
    col += dcol;
    char letters[8];
    int n = 0;
    while (col > 0 && n < 7) {
        col--;
        letters[n++] = (char)('A' + col % 26);
        col /= 26;
    }
    for (int i = 0; i < n; i++)
        out[i] = letters[n - 1 - i];
    snprintf(out + n, 16, "%ld", row);
}

double xr_number_near(const xr_book *b, size_t n, const char *label, int dcol,
                      int drow)
{
    char ref[16], at[24];
    if (!xr_find(b, n, label, ref)) {
        fprintf(stderr, "%s sheet %zu: no cell \"%s\"\n", b->path, n, label);
        fail();
    }
    xr_offset(ref, dcol, drow, at);
    xr_cell c = xr_get(b, n, at);
    if (!c.found || c.text || !c.value) {
        fprintf(stderr, "%s sheet %zu %s (near \"%s\"): not a number\n",
                b->path, n, at, label);
        fail();
    }
    double v = atof(c.value);
    xr_cell_free(&c);
    return v;
}

bool xr_libreoffice(const char *const *xlsx, size_t n, const char *outdir)
{
    if (system("command -v soffice >/dev/null 2>&1") != 0) {
        printf("SKIP: LibreOffice (soffice) is not installed; %s%s was not "
               "recalculated in a spreadsheet\n",
               n ? xlsx[0] : "", n > 1 ? " (and others)" : "");
        return false;
    }
    /* A private profile that recalculates every formula on load, so the
     * CSV shows what LibreOffice computes, not the cached values. */
    static const char xcu[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<oor:items xmlns:oor=\"http://openoffice.org/2001/registry\" "
        "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
        "<item oor:path=\"/org.openoffice.Office.Calc/Formula/Load\">"
        "<prop oor:name=\"OOXMLRecalcMode\" oor:op=\"fuse\">"
        "<value>0</value></prop></item>\n"
        "</oor:items>\n";
    mkdir(outdir, 0777);
    tu_write(outdir, "profile/user/registrymodifications.xcu", xcu,
             sizeof xcu - 1);
    char *abs = realpath(outdir, NULL);
    assert_non_null(abs);
    csm_strbuf files = {0};
    for (size_t i = 0; i < n; i++) {
        char *src = realpath(xlsx[i], NULL);
        assert_non_null(src);
        csm_strbuf_printf(&files, " '%s'", src);
        free(src);
    }
    /* Token 12 = -1: every sheet to its own CSV; token 9: as shown. */
    char *cmd = csm_xasprintf(
        "timeout 300 soffice -env:UserInstallation=file://%s/profile "
        "--headless --norestore --convert-to 'csv:Text - txt - csv "
        "(StarCalc):44,34,76,1,,0,false,true,true,false,false,-1' --outdir "
        "'%s'%s >'%s/lo.log' 2>&1",
        abs, abs, csm_strbuf_str(&files), abs);
    csm_strbuf_free(&files);
    int rc = system(cmd);
    free(cmd);
    if (rc != 0) {
        char *logp = csm_xasprintf("%s/lo.log", abs);
        char *log = tu_read(logp, NULL);
        fprintf(stderr, "soffice failed (%d): %s\n", rc, log ? log : "");
        free(log);
        free(logp);
        fail();
    }
    free(abs);
    return true;
}

/* Reads one CSV record (RFC 4180: quoted fields may hold commas, quotes
 * and newlines) starting at *pp; advances *pp past it.  Returns the
 * field count (at most max) with new strings in out. */
static size_t csv_record(const char **pp, char **out, size_t max)
{
    size_t n = 0;
    const char *p = *pp;
    for (;;) {
        csm_strbuf f = {0};
        if (*p == '"') {
            p++;
            while (*p) {
                if (*p == '"' && p[1] == '"') {
                    csm_strbuf_putc(&f, '"');
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    csm_strbuf_putc(&f, *p++);
                }
            }
        }
        while (*p && *p != ',' && *p != '\n' && *p != '\r')
            csm_strbuf_putc(&f, *p++);
        char *s = csm_strbuf_take(&f);
        if (n < max)
            out[n++] = s ? s : csm_xstrdup("");
        else
            free(s);
        if (*p != ',')
            break;
        p++;
    }
    if (*p == '\r')
        p++;
    if (*p == '\n')
        p++;
    *pp = p;
    return n;
}

char *xr_csv_cell(const char *csv, size_t row, size_t col)
{
    const char *p = csv;
    char *f[64];
    char *out = NULL;
    for (size_t r = 1; *p && r <= row; r++) {
        size_t n = csv_record(&p, f, 64);
        for (size_t i = 0; i < n; i++) {
            if (r == row && i + 1 == col)
                out = f[i];
            else
                free(f[i]);
        }
    }
    return out ? out : csm_xstrdup("");
}

size_t xr_csv_row(const char *csv, const char *text)
{
    const char *p = csv;
    char *f[64];
    for (size_t row = 1; *p; row++) {
        size_t n = csv_record(&p, f, 64);
        bool hit = n > 0 && strcmp(f[0], text) == 0;
        for (size_t i = 0; i < n; i++)
            free(f[i]);
        if (hit)
            return row;
    }
    return 0;
}

/* "1,234.50" -> 1234.5, "12.5%" -> 0.125, "-3" -> -3; false when the
 * text is not a number.  *dec: digits after the point as shown. */
static bool shown_number(const char *s, double *v, int *dec, bool *pct)
{
    csm_strbuf b = {0};
    *dec = 0;
    *pct = false;
    bool point = false, digit = false;
    for (const char *p = s; *p; p++) {
        if (*p == ',')
            continue;
        if (*p == '%') {
            *pct = true;
            continue;
        }
        if (*p == '.')
            point = true;
        else if (*p >= '0' && *p <= '9') {
            digit = true;
            *dec += point;
        } else if (*p != '-' && *p != '+') {
            csm_strbuf_free(&b);
            return false;
        }
        csm_strbuf_putc(&b, *p);
    }
    *v = digit ? atof(csm_strbuf_str(&b)) : 0;
    if (*pct)
        *v /= 100.0;
    csm_strbuf_free(&b);
    return digit;
}

size_t xr_check_recalc(const xr_book *b, const char *csvdir, const char *stem)
{
    size_t checked = 0;
    for (size_t n = 1; n <= b->n_sheets; n++) {
        char *path =
            csm_xasprintf("%s/%s-%s.csv", csvdir, stem, b->name[n - 1]);
        char *csv = tu_read(path, NULL);
        if (!csv) {
            fprintf(stderr, "LibreOffice wrote no %s\n", path);
            fail();
        }
        for (const char *p = b->sheet[n - 1];
             (p = strstr(p, "<c r=\"")) != NULL; p += 6) {
            xr_cell c = parse_cell(b, p);
            if (!c.formula || c.text || !c.value) {
                xr_cell_free(&c);
                continue;
            }
            const char *q = p + 6;
            long col = 0;
            while (*q >= 'A' && *q <= 'Z')
                col = col * 26 + (*q++ - 'A' + 1);
            long row = atol(q);
            char *shown = xr_csv_cell(csv, (size_t)row, (size_t)col);
            double v = 0, cached = atof(c.value);
            int dec = 0;
            bool pct = false;
            if (!shown_number(shown, &v, &dec, &pct)) {
                fprintf(stderr,
                        "%s R%ldC%ld: LibreOffice shows \"%s\" for "
                        "%s\n",
                        path, row, col, shown, c.formula);
                fail();
            }
            double tol = 0.5;
            for (int i = 0; i < dec + (pct ? 2 : 0); i++)
                tol /= 10.0;
            if (fabs(v - cached) > tol + 1e-12) {
                fprintf(stderr,
                        "%s R%ldC%ld: %s cached %s, LibreOffice "
                        "computes \"%s\"\n",
                        path, row, col, c.formula, c.value, shown);
                fail();
            }
            free(shown);
            xr_cell_free(&c);
            checked++;
        }
        free(csv);
        free(path);
    }
    return checked;
}
