/* texttable.c - see texttable.h. */
#include "texttable.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

void otw_tt_init(otw_texttable *t, size_t ncols, const char *const *heads)
{
    memset(t, 0, sizeof(*t));
    t->ncols = ncols < OTW_TT_MAX_COLS ? ncols : OTW_TT_MAX_COLS;
    for (size_t c = 0; c < t->ncols; c++) {
        t->right[c] = heads[c][0] == '>';
        t->heads[c] = heads[c] + t->right[c];
        t->width[c] = otw_tt_width(t->heads[c]);
    }
}

/* East Asian Wide and Fullwidth ranges (UAX #11), the ones names use. */
static bool wide(uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
           (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
           (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

size_t otw_tt_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp = *p;
        int more = cp >= 0xF0 ? 3 : cp >= 0xE0 ? 2 : cp >= 0xC0 ? 1 : 0;
        if (more)
            cp &= 0x3Fu >> more;
        p++;
        for (; more && (*p & 0xC0) == 0x80; more--, p++)
            cp = cp << 6 | (*p & 0x3Fu);
        w += wide(cp) ? 2 : 1;
    }
    return w;
}

static char *dup_cell(const char *s)
{
    return strdup(s && s[0] ? s : "-");
}

void otw_tt_row(otw_texttable *t, const char *const *cells, const char *trailer)
{
    char ***rows = otw_grow(t->rows, t->nrows, &t->cap, sizeof(*rows), 64);
    char **row = rows ? calloc(t->ncols + 1, sizeof(*row)) : NULL;
    if (rows)
        t->rows = rows;
    bool ok = row != NULL;
    for (size_t c = 0; ok && c < t->ncols; c++)
        ok = (row[c] = dup_cell(cells[c])) != NULL;
    if (ok && trailer)
        ok = (row[t->ncols] = strdup(trailer)) != NULL;
    if (!ok) {
        for (size_t c = 0; row && c <= t->ncols; c++)
            free(row[c]);
        free(row);
        t->failed = true;
        return;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        size_t w = otw_tt_width(row[c]);
        if (w > t->width[c])
            t->width[c] = w;
    }
    t->rows[t->nrows++] = row;
}

static void cell(FILE *out, const char *s, size_t width, bool right, bool last)
{
    size_t pad = width - otw_tt_width(s);
    if (right)
        fprintf(out, "%*s", (int)pad, "");
    fputs(s, out);
    if (!right && !last)
        fprintf(out, "%*s", (int)pad, "");
}

int otw_tt_print(const otw_texttable *t, FILE *out)
{
    for (size_t c = 0; c < t->ncols; c++) {
        cell(out, t->heads[c], t->width[c], t->right[c], c + 1 == t->ncols);
        fputs(c + 1 == t->ncols ? "\n" : "  ", out);
    }
    for (size_t r = 0; r < t->nrows; r++) {
        char **row = t->rows[r];
        for (size_t c = 0; c < t->ncols; c++) {
            cell(out, row[c], t->width[c], t->right[c], c + 1 == t->ncols);
            fputs(c + 1 == t->ncols ? "\n" : "  ", out);
        }
        if (row[t->ncols])
            fputs(row[t->ncols], out);
    }
    if (t->failed) {
        fputs("(out of memory: some rows are not shown)\n", out);
        return -1;
    }
    return 0;
}

void otw_tt_free(otw_texttable *t)
{
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c <= t->ncols; c++)
            free(t->rows[r][c]);
        free(t->rows[r]);
    }
    free(t->rows);
    t->rows = NULL;
    t->nrows = t->cap = 0;
}
