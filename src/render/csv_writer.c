#include "csmetrics/csv_writer.h"

#include <string.h>

bool csm_csv_write_field(FILE *out, const char *s, bool neutralise)
{
    size_t n = strlen(s);
    bool risky = neutralise && n &&
                 (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
                  s[0] == '\t' || s[0] == '\r');
    /* A number such as -12.50 is data, not a formula: leave it alone. */
    if (risky && (s[0] == '-' || s[0] == '+')) {
        bool numeric = n > 1;
        for (size_t i = 1; i < n && numeric; i++)
            numeric = (s[i] >= '0' && s[i] <= '9') || s[i] == '.';
        risky = !numeric;
    }
    bool quote = risky || strpbrk(s, ",\"\r\n") != NULL ||
                 (n && (s[0] == ' ' || s[n - 1] == ' '));
    int ok = 1;
    if (quote)
        ok &= fputc('"', out) != EOF;
    if (risky)
        ok &= fputc('\'', out) != EOF;
    if (quote) {
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                ok &= fputc('"', out) != EOF;
            ok &= fputc(*p, out) != EOF;
        }
        ok &= fputc('"', out) != EOF;
    } else if (n) {
        ok &= fwrite(s, 1, n, out) == n;
    }
    return ok;
}

bool csm_csv_write_row(FILE *out, const char *const *fields, size_t n,
                       bool neutralise)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        if (i)
            ok = ok && fputc(',', out) != EOF;
        ok = ok && csm_csv_write_field(out, fields[i], neutralise);
    }
    return ok && fputc('\n', out) != EOF;
}
