/* Report definition files: a parser and a checker against the registered
 * section specs. */
#include "csmetrics/report_def.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csmetrics/csv_reader.h"
#include "csmetrics/strbuf.h"
#include "csmetrics/xalloc.h"

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static const csm_section_spec *find_spec(const csm_section_spec *specs,
                                         size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(specs[i].id, id) == 0)
            return &specs[i];
    return NULL;
}

static const csm_opt_spec *find_opt(const csm_section_spec *spec,
                                    const char *name)
{
    for (size_t i = 0; i < spec->n_options; i++)
        if (strcmp(spec->options[i].name, name) == 0)
            return &spec->options[i];
    return NULL;
}

static bool word_in(const char *words, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = words; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, w, n) == 0)
            return true;
        if (!bar)
            break;
        p = bar + 1;
    }
    return false;
}

/* Returns NULL when value suits the option, else what was expected. */
static const char *check_value(const csm_opt_spec *o, const char *v, char *buf,
                               size_t n)
{
    switch (o->type) {
    case CSM_OPT_INT: {
        char *end;
        errno = 0;
        long x = strtol(v, &end, 10);
        if (!*v || *end || errno || x < o->lo || x > o->hi) {
            snprintf(buf, n, "a whole number %ld..%ld", o->lo, o->hi);
            return buf;
        }
        return NULL;
    }
    case CSM_OPT_WORD:
        if (!word_in(o->words, v)) {
            snprintf(buf, n, "one of %s", o->words);
            return buf;
        }
        return NULL;
    case CSM_OPT_BOOL:
        if (strcmp(v, "true") && strcmp(v, "false"))
            return "true or false";
        return NULL;
    case CSM_OPT_TEXT:
        return strlen(v) > 200 ? "at most 200 bytes of text" : NULL;
    }
    return NULL;
}

void csm_report_def_free(csm_report_def *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_sections; i++) {
        csm_def_section *s = &d->sections[i];
        free(s->id);
        free(s->title);
        for (size_t k = 0; k < s->n_options; k++) {
            free(s->options[k].name);
            free(s->options[k].value);
        }
        free(s->options);
    }
    free(d->sections);
    free(d->path);
    free(d->report);
    free(d->title);
    free(d);
}

csm_error csm_report_def_parse(const char *name, const char *text, size_t len,
                               const csm_section_spec *specs, size_t n_specs,
                               csm_report_def **out, csm_diags *diag)
{
    *out = NULL;
    size_t before = csm_diags_errors(diag);
    csm_report_def *d = csm_xcalloc(1, sizeof *d);
    d->path = csm_xstrdup(name);
    csm_def_section *cur = NULL;
    const csm_section_spec *cur_spec = NULL;
    bool skip = false; /* inside an unknown section */
    long lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        bool nul = memchr(text + pos, '\0', n) != NULL;
        char *line = csm_xstrndup(text + pos, n);
        pos += n + (nl ? 1 : 0);
        lineno++;
        csm_loc loc = {.file = name, .line = lineno, .offset = -1};
        char *l = trim(line);
        if (nul) {
            csm_diags_add(diag, CSM_SEV_ERROR, "report-syntax", &loc,
                          "line contains a NUL byte (expected text)");
        } else if (csm_utf8_invalid_at(line, n) < n) {
            /* Titles are drawn with a UTF-8 font and written to XLSX. */
            csm_diags_add(diag, CSM_SEV_ERROR, "report-syntax", &loc,
                          "line is not valid UTF-8 (expected UTF-8 text)");
        } else if (!*l || *l == '#') {
            /* comment */
        } else if (*l == '[') {
            char *end = strchr(l, ']');
            char *word = l + 1;
            if (!end || end[1] || strncmp(word, "section ", 8) != 0) {
                csm_diags_add(diag, CSM_SEV_ERROR, "report-syntax", &loc,
                              "\"%s\" is not a section header (expected "
                              "[section ID])",
                              l);
                skip = true;
                cur = NULL;
            } else {
                *end = '\0';
                char *id = trim(word + 8);
                const csm_section_spec *spec = find_spec(specs, n_specs, id);
                if (!spec) {
                    csm_strbuf known = {0};
                    for (size_t i = 0; i < n_specs; i++)
                        if (!d->report || strstr(specs[i].reports, d->report))
                            csm_strbuf_printf(&known, "%s%s",
                                              known.len ? ", " : "",
                                              specs[i].id);
                    csm_diags_add(diag, CSM_SEV_ERROR, "report-section", &loc,
                                  "unknown section \"%s\" (expected one of: "
                                  "%s)",
                                  id, csm_strbuf_str(&known));
                    csm_strbuf_free(&known);
                    skip = true;
                    cur = NULL;
                } else {
                    char key[80];
                    snprintf(key, sizeof key, " %s ",
                             d->report ? d->report : "");
                    if (d->report && !strstr(spec->reports, key))
                        csm_diags_add(diag, CSM_SEV_ERROR, "report-section",
                                      &loc,
                                      "section \"%s\" does not belong in a "
                                      "%s report (it fits:%s)",
                                      id, d->report, spec->reports);
                    d->sections = csm_xreallocarray(
                        d->sections, d->n_sections + 1, sizeof *d->sections);
                    cur = &d->sections[d->n_sections++];
                    memset(cur, 0, sizeof *cur);
                    cur->id = csm_xstrdup(id);
                    cur->title = csm_xstrdup(spec->default_title);
                    cur->line = lineno;
                    cur_spec = spec;
                    skip = false;
                }
            }
        } else {
            char *eq = strchr(l, '=');
            if (!eq) {
                csm_diags_add(diag, CSM_SEV_ERROR, "report-syntax", &loc,
                              "\"%s\" is not a setting (expected name = "
                              "value)",
                              l);
            } else if (!skip) {
                *eq = '\0';
                char *key = trim(l), *val = trim(eq + 1);
                if (!cur) {
                    if (!strcmp(key, "report")) {
                        free(d->report);
                        d->report = csm_xstrdup(val);
                    } else if (!strcmp(key, "title")) {
                        free(d->title);
                        d->title = csm_xstrdup(val);
                    } else {
                        csm_diags_add(diag, CSM_SEV_ERROR, "report-option",
                                      &loc,
                                      "unknown setting \"%s\" before the "
                                      "first section (expected report or "
                                      "title)",
                                      key);
                    }
                } else if (!strcmp(key, "title")) {
                    free(cur->title);
                    cur->title = csm_xstrdup(val);
                } else {
                    const csm_opt_spec *o = find_opt(cur_spec, key);
                    char buf[160];
                    const char *want =
                        o ? check_value(o, val, buf, sizeof buf) : NULL;
                    if (!o) {
                        csm_strbuf known = {0};
                        csm_strbuf_puts(&known, "title");
                        for (size_t i = 0; i < cur_spec->n_options; i++)
                            csm_strbuf_printf(&known, ", %s",
                                              cur_spec->options[i].name);
                        csm_diags_add(diag, CSM_SEV_ERROR, "report-option",
                                      &loc,
                                      "section \"%s\" has no option \"%s\" "
                                      "(expected %s)",
                                      cur->id, key, csm_strbuf_str(&known));
                        csm_strbuf_free(&known);
                    } else if (want) {
                        csm_diags_add(diag, CSM_SEV_ERROR, "report-option",
                                      &loc, "%s = \"%s\" (expected %s)", key,
                                      val, want);
                    } else {
                        cur->options =
                            csm_xreallocarray(cur->options, cur->n_options + 1,
                                              sizeof *cur->options);
                        cur->options[cur->n_options++] = (csm_def_option){
                            csm_xstrdup(key), csm_xstrdup(val), lineno};
                    }
                }
            }
        }
        free(line);
    }
    if (!d->report) {
        csm_loc loc = {.file = name, .offset = -1};
        csm_diags_add(diag, CSM_SEV_ERROR, "report-syntax", &loc,
                      "no \"report = KIND\" line (expected board, at-risk or "
                      "reconcile)");
    }
    if (!d->title)
        d->title = csm_xstrdup(d->report ? d->report : "Report");
    if (d->n_sections == 0) {
        csm_loc loc = {.file = name, .offset = -1};
        csm_diags_add(diag, CSM_SEV_ERROR, "report-syntax", &loc,
                      "no sections (expected at least one [section ID])");
    }
    if (csm_diags_errors(diag) != before) {
        csm_report_def_free(d);
        return CSM_EUSAGE;
    }
    *out = d;
    return CSM_OK;
}

csm_error csm_report_def_load(const char *path, const csm_section_spec *specs,
                              size_t n_specs, csm_report_def **out,
                              csm_diags *diag)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        csm_loc loc = {.file = path, .offset = -1};
        csm_diags_add(diag, CSM_SEV_ERROR, "io", &loc,
                      "cannot read the report definition: %s", strerror(errno));
        return CSM_EIO;
    }
    csm_strbuf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0 && b.len < (1u << 20))
        csm_strbuf_append(&b, buf, n);
    fclose(fp);
    csm_error rc = csm_report_def_parse(path, csm_strbuf_str(&b), b.len, specs,
                                        n_specs, out, diag);
    csm_strbuf_free(&b);
    return rc;
}

static const csm_def_option *option(const csm_def_section *s, const char *name)
{
    for (size_t i = 0; i < s->n_options; i++)
        if (!strcmp(s->options[i].name, name))
            return &s->options[i];
    return NULL;
}

const char *csm_def_option_text(const csm_def_section *s,
                                const csm_section_spec *spec, const char *name)
{
    const csm_def_option *o = option(s, name);
    if (o)
        return o->value;
    const csm_opt_spec *os = find_opt(spec, name);
    return os && os->fallback ? os->fallback : "";
}

long csm_def_option_int(const csm_def_section *s, const csm_section_spec *spec,
                        const char *name)
{
    return strtol(csm_def_option_text(s, spec, name), NULL, 10);
}
