/* texttable.h - aligned plain-text tables for the CLI listings: column
 * widths from the content (display columns: East Asian wide characters
 * count two), so long addresses, identities or names never shift the
 * columns after them. Rows are kept until printed (listings are bounded by
 * the store's caps). */
#ifndef OTW_TEXTTABLE_H
#define OTW_TEXTTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define OTW_TT_MAX_COLS 12

typedef struct otw_texttable {
    size_t ncols;
    const char *heads[OTW_TT_MAX_COLS];
    bool right[OTW_TT_MAX_COLS]; /* right-aligned (numbers) */
    size_t width[OTW_TT_MAX_COLS];
    char ***rows; /* each: ncols cells, then its trailer (or NULL) */
    size_t nrows, cap;
    bool failed; /* out of memory: print says so */
} otw_texttable;

/* heads: ncols names; a name starting with '>' right-aligns its column. */
void otw_tt_init(otw_texttable *t, size_t ncols, const char *const *heads);
/* One row of ncols cells (NULL = "-"); trailer: lines printed under it
 * as they are (NULL = none). */
void otw_tt_row(otw_texttable *t, const char *const *cells, const char *trailer);
/* Prints the header and the rows; the last column is not padded. Returns 0,
 * or -1 when a row could not be kept (a line says so). */
int otw_tt_print(const otw_texttable *t, FILE *out);
void otw_tt_free(otw_texttable *t);
/* Display columns of UTF-8 text (wide characters count two). */
size_t otw_tt_width(const char *s);

#endif
