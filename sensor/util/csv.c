/* csv.c - see csv.h. */
#include "csv.h"

#include <string.h>

/* A lone "-" is a placeholder, not a formula. */
static bool formula_like(const char *s)
{
    return s[0] && strchr("=+-@\t\r", s[0]) && !(s[0] == '-' && s[1] == '\0');
}

void otw_csv_field(FILE *out, const char *s, bool last)
{
    bool quote = strpbrk(s, ",\"\n\r") != NULL;
    if (quote)
        fputc('"', out);
    if (formula_like(s))
        fputc('\'', out);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    if (quote)
        fputc('"', out);
    fputs(last ? "\r\n" : ",", out);
}
