/* The report style: one table of keys, like the config file's. */
#include "csmetrics/style.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/csv_reader.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/xalloc.h"

typedef enum { K_COLOR, K_TEXT, K_NUMBER, K_PAPER } kind;

typedef struct key_def {
    const char *section, *name;
    kind type;
    size_t offset, size;
    double lo, hi;
} key_def;

#define C(sec, name, m)                                                        \
    {                                                                          \
        sec, name, K_COLOR, offsetof(csm_style, m), 0, 0, 0                    \
    }
#define T(sec, name, m)                                                        \
    {                                                                          \
        sec, name, K_TEXT, offsetof(csm_style, m),                             \
            sizeof(((csm_style *)0)->m), 0, 0                                  \
    }
#define N(sec, name, m, lo, hi)                                                \
    {                                                                          \
        sec, name, K_NUMBER, offsetof(csm_style, m), 0, lo, hi                 \
    }

static const key_def keys[] = {
    C("palette", "primary", primary),
    C("palette", "text", text),
    C("palette", "muted", muted),
    C("palette", "grid", grid),
    C("palette", "header_fill", header_fill),
    C("palette", "good", good),
    C("palette", "bad", bad),
    C("palette", "band_green", band_green),
    C("palette", "band_yellow", band_yellow),
    C("palette", "band_red", band_red),
    C("palette", "heat_low", heat_low),
    C("palette", "heat_high", heat_high),
    C("palette", "series1", series[0]),
    C("palette", "series2", series[1]),
    C("palette", "series3", series[2]),
    C("palette", "series4", series[3]),
    C("palette", "series5", series[4]),
    C("palette", "series6", series[5]),
    T("fonts", "regular", font_regular),
    T("fonts", "bold", font_bold),
    N("fonts", "body_size", body_size, 5, 20),
    N("fonts", "title_size", title_size, 8, 40),
    T("numbers", "money", money_format),
    T("numbers", "integer", int_format),
    T("numbers", "rate", rate_format),
    T("numbers", "date", date_format),
    {"page", "paper", K_PAPER, offsetof(csm_style, paper),
     sizeof(((csm_style *)0)->paper), 0, 0},
    N("page", "margin_mm", margin_mm, 5, 40),
    T("text", "header", header),
    T("text", "footer", footer),
    T("text", "company", company),
};
#undef C
#undef T
#undef N

#define NKEYS (sizeof keys / sizeof *keys)

static csm_rgb rgb(unsigned v)
{
    csm_rgb c = {(unsigned char)(v >> 16), (unsigned char)(v >> 8),
                 (unsigned char)v};
    return c;
}

void csm_style_defaults(csm_style *s)
{
    memset(s, 0, sizeof *s);
    s->primary = rgb(0x1F3A5F);
    s->text = rgb(0x222222);
    s->muted = rgb(0x7A7A7A);
    s->grid = rgb(0xD9D9D9);
    s->header_fill = rgb(0xE8EEF5);
    s->good = rgb(0x2E7D32);
    s->bad = rgb(0xC62828);
    s->band_green = rgb(0x43A047);
    s->band_yellow = rgb(0xF9A825);
    s->band_red = rgb(0xE53935);
    s->heat_low = rgb(0xFDE0DD);
    s->heat_high = rgb(0x1B7837);
    static const unsigned series[CSM_STYLE_SERIES] = {
        0x1F3A5F, 0x4E9AD6, 0xE07B39, 0x7CB342, 0x8E6BBF, 0x9E9E9E};
    for (int i = 0; i < CSM_STYLE_SERIES; i++)
        s->series[i] = rgb(series[i]);
    snprintf(s->font_regular, sizeof s->font_regular, "%s",
             "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    snprintf(s->font_bold, sizeof s->font_bold, "%s",
             "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf");
    s->body_size = 9;
    s->title_size = 16;
    snprintf(s->money_format, sizeof s->money_format, "%s", "#,##0.00");
    snprintf(s->int_format, sizeof s->int_format, "%s", "#,##0");
    snprintf(s->rate_format, sizeof s->rate_format, "%s", "0.0%");
    snprintf(s->date_format, sizeof s->date_format, "%s", "yyyy-mm-dd");
    snprintf(s->paper, sizeof s->paper, "%s", "A4");
    s->margin_mm = 15;
    snprintf(s->header, sizeof s->header, "%s",
             "{company} \xc2\xb7 {title} \xc2\xb7 {subtitle}");
    snprintf(s->footer, sizeof s->footer, "%s",
             "Generated {generated} by csmetrics \xc2\xb7 page {page} of "
             "{pages}");
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static const char *set(csm_style *s, const key_def *k, const char *v)
{
    char *base = (char *)s + k->offset;
    switch (k->type) {
    case K_COLOR: {
        if (strlen(v) != 7 || v[0] != '#')
            return "a colour like #1F3A5F";
        unsigned x = 0;
        for (int i = 1; i < 7; i++) {
            int h = hexval(v[i]);
            if (h < 0)
                return "a colour like #1F3A5F";
            x = x * 16 + (unsigned)h;
        }
        *(csm_rgb *)(void *)base = rgb(x);
        return NULL;
    }
    case K_TEXT:
        if (strlen(v) >= k->size)
            return "shorter text";
        memcpy(base, v, strlen(v) + 1);
        return NULL;
    case K_NUMBER: {
        char *end;
        errno = 0;
        double d = strtod(v, &end);
        if (!*v || *end || errno || !isfinite(d) || d < k->lo || d > k->hi)
            return "a number in range";
        *(double *)(void *)base = d;
        return NULL;
    }
    case K_PAPER:
        if (strcmp(v, "A4") != 0 && strcmp(v, "Letter") != 0)
            return "A4 or Letter";
        memcpy(base, v, strlen(v) + 1);
        return NULL;
    }
    return "a value";
}

csm_error csm_style_parse(csm_style *s, const char *name, const char *text,
                          size_t len, csm_diags *diag)
{
    size_t before = csm_diags_errors(diag);
    char section[32] = "";
    long lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        char *line = csm_xstrndup(text + pos, n);
        bool has_nul = memchr(text + pos, '\0', n) != NULL;
        pos += n + (nl ? 1 : 0);
        lineno++;
        csm_loc loc = {.file = name, .line = lineno, .offset = -1};
        char *l = trim(line);
        if (has_nul) {
            csm_diags_add(diag, CSM_SEV_ERROR, "style-syntax", &loc,
                          "line contains a NUL byte");
        } else if (csm_utf8_invalid_at(line, n) < n) {
            /* Header and footer text are drawn with a UTF-8 font. */
            csm_diags_add(diag, CSM_SEV_ERROR, "style-syntax", &loc,
                          "line is not valid UTF-8 (expected UTF-8 text)");
        } else if (!*l || *l == '#' || *l == ';') {
            /* blank or comment */
        } else if (*l == '[') {
            char *end = strchr(l, ']');
            bool known = false;
            if (end && !end[1]) {
                *end = '\0';
                for (size_t i = 0; i < NKEYS; i++)
                    known = known || !strcmp(keys[i].section, l + 1);
            }
            if (!known) {
                csm_diags_add(diag, CSM_SEV_ERROR, "style-section", &loc,
                              "unknown section \"%s\" (expected [palette], "
                              "[fonts], [numbers], [page] or [text])",
                              l);
                snprintf(section, sizeof section, "%s", "?");
            } else {
                snprintf(section, sizeof section, "%s", l + 1);
            }
        } else {
            char *eq = strchr(l, '=');
            if (!eq) {
                csm_diags_add(diag, CSM_SEV_ERROR, "style-syntax", &loc,
                              "\"%s\" is not a setting (expected key = "
                              "value)",
                              l);
            } else if (strcmp(section, "?") != 0) {
                *eq = '\0';
                char *key = trim(l), *val = trim(eq + 1);
                const key_def *k = NULL;
                for (size_t i = 0; i < NKEYS && !k; i++)
                    if (!strcmp(keys[i].section, section) &&
                        !strcmp(keys[i].name, key))
                        k = &keys[i];
                const char *want = k ? set(s, k, val) : NULL;
                if (!k)
                    csm_diags_add(diag, CSM_SEV_ERROR, "style-key", &loc,
                                  "unknown setting \"%s\" in [%s]", key,
                                  section);
                else if (want)
                    csm_diags_add(diag, CSM_SEV_ERROR, "style-value", &loc,
                                  "%s = \"%s\" (expected %s)", key, val, want);
            }
        }
        free(line);
    }
    return csm_diags_errors(diag) == before ? CSM_OK : CSM_EUSAGE;
}

csm_error csm_style_load(csm_style *s, const char *path, csm_diags *diag)
{
    csm_loc loc = {.file = path, .offset = -1};
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        csm_diags_add(diag, CSM_SEV_ERROR, "io", &loc,
                      "cannot read the style file: %s", strerror(errno));
        return CSM_EIO;
    }
    csm_strbuf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0 && b.len < (1u << 20))
        csm_strbuf_append(&b, buf, n);
    fclose(fp);
    csm_error rc = csm_style_parse(s, path, csm_strbuf_str(&b), b.len, diag);
    csm_strbuf_free(&b);
    if (rc == CSM_OK) {
        free(s->source);
        s->source = csm_xstrdup(path);
    }
    return rc;
}

void csm_style_free(csm_style *s)
{
    free(s->source);
    s->source = NULL;
}

char *csm_style_expand(const char *tmpl, const char *const *vars)
{
    csm_strbuf b = {0};
    for (const char *p = tmpl; *p;) {
        if (*p == '{') {
            const char *end = strchr(p, '}');
            bool done = false;
            for (size_t i = 0; end && vars[i] && !done; i += 2) {
                size_t n = strlen(vars[i]);
                if ((size_t)(end - p - 1) == n &&
                    strncmp(p + 1, vars[i], n) == 0) {
                    csm_strbuf_puts(&b, vars[i + 1] ? vars[i + 1] : "");
                    p = end + 1;
                    done = true;
                }
            }
            if (done)
                continue;
        }
        csm_strbuf_putc(&b, *p++);
    }
    return csm_strbuf_take(&b);
}
