#include "csmetrics/schema.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csmetrics/xalloc.h"

static void trimmed(const char *s, size_t len, size_t *start, size_t *n)
{
    size_t a = 0, b = len;
    while (a < b && (s[a] == ' ' || s[a] == '\t'))
        a++;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
        b--;
    *start = a;
    *n = b - a;
}

bool csm_header_map_build(const csm_column_spec *spec, size_t n_spec,
                          const csm_csv_record *header, const char *file,
                          csm_header_map *map, csm_diags *diag)
{
    memset(map, 0, sizeof *map);
    if (header->n_fields > CSM_MAX_COLUMNS) {
        csm_loc loc = {
            .file = file, .line = header->line, .offset = header->offset};
        csm_diags_add(diag, CSM_SEV_ERROR, "header-width", &loc,
                      "the header has %zu columns (expected at most %d: is "
                      "the file transposed, or not a CSV export?)",
                      header->n_fields, CSM_MAX_COLUMNS);
        return false;
    }
    map->n_spec = n_spec;
    map->n_fields = header->n_fields;
    map->index = csm_xmalloc(n_spec * sizeof *map->index);
    for (size_t k = 0; k < n_spec; k++)
        map->index[k] = -1;
    bool ok = true;
    size_t cap_unknown = 0;
    for (size_t f = 0; f < header->n_fields; f++) {
        size_t a, n;
        trimmed(header->fields[f], header->lens[f], &a, &n);
        const char *name = header->fields[f] + a;
        size_t k = 0;
        for (; k < n_spec; k++)
            if (strlen(spec[k].name) == n &&
                strncasecmp(spec[k].name, name, n) == 0)
                break;
        if (k == n_spec) {
            if (map->n_unknown == cap_unknown) {
                cap_unknown = cap_unknown ? cap_unknown * 2 : 8;
                map->unknown = csm_xreallocarray(map->unknown, cap_unknown,
                                                 sizeof *map->unknown);
            }
            map->unknown[map->n_unknown++] = csm_xstrndup(name, n);
            continue;
        }
        if (map->index[k] >= 0) {
            csm_loc loc = {.file = file,
                           .line = header->line,
                           .column = spec[k].name,
                           .field = (int)f + 1,
                           .offset = header->offset};
            csm_diags_add(diag, CSM_SEV_ERROR, "header-duplicate", &loc,
                          "column named twice (also field %d; expected each "
                          "column once)",
                          map->index[k] + 1);
            ok = false;
            continue;
        }
        map->index[k] = (int)f;
    }
    for (size_t k = 0; k < n_spec; k++) {
        if (spec[k].required && map->index[k] < 0) {
            csm_loc loc = {
                .file = file, .line = header->line, .offset = header->offset};
            csm_diags_add(diag, CSM_SEV_ERROR, "header-missing", &loc,
                          "required column \"%s\" is missing (the header "
                          "has %zu column%s)",
                          spec[k].name, header->n_fields,
                          header->n_fields == 1 ? "" : "s");
            ok = false;
        }
    }
    if (!ok)
        csm_header_map_free(map);
    return ok;
}

void csm_header_map_free(csm_header_map *map)
{
    free(map->index);
    for (size_t i = 0; i < map->n_unknown; i++)
        free(map->unknown[i]);
    free(map->unknown);
    memset(map, 0, sizeof *map);
}

const char *csm_field(const csm_header_map *map, const csm_csv_record *rec,
                      size_t k, size_t *len)
{
    int i = map->index[k];
    if (i < 0)
        return NULL;
    if ((size_t)i >= rec->n_fields) {
        *len = 0;
        return "";
    }
    *len = rec->lens[i];
    return rec->fields[i];
}

bool csm_parse_int(const char *s, size_t len, long long lo, long long hi,
                   long long *out, const char **why)
{
    size_t i = 0;
    bool neg = false;
    if (len && s[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == len) {
        *why = "is not a whole number";
        return false;
    }
    long long v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            *why = "is not a whole number";
            return false;
        }
        if (i - (neg ? 1u : 0u) >= 18) { /* 18 digits cannot overflow */
            *why = "is out of range";
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    if (neg)
        v = -v;
    if (v < lo || v > hi) {
        *why = "is out of range";
        return false;
    }
    *out = v;
    return true;
}

bool csm_parse_bool(const char *s, size_t len, bool *out, const char **why)
{
    static const char *const yes[] = {"1", "true", "yes", "y"};
    static const char *const no[] = {"0", "false", "no", "n"};
    for (size_t i = 0; i < 4; i++) {
        if (strlen(yes[i]) == len && strncasecmp(s, yes[i], len) == 0) {
            *out = true;
            return true;
        }
        if (strlen(no[i]) == len && strncasecmp(s, no[i], len) == 0) {
            *out = false;
            return true;
        }
    }
    *why = "is not a boolean (expected 0/1 or true/false)";
    return false;
}

bool csm_parse_id(const char *s, size_t len, size_t max, const char **why)
{
    if (len == 0) {
        *why = "is empty (expected an identifier)";
        return false;
    }
    if (len > max) {
        *why = "is longer than 128 bytes (expected a short identifier)";
        return false;
    }
    if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' ||
        s[len - 1] == '\t') {
        *why = "has leading or trailing spaces (expected the identifier "
               "alone)";
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            *why = "contains a control character (expected printable "
                   "text)";
            return false;
        }
    }
    return true;
}
