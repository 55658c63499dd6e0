/* tok.h - value -> name tables for protocol constants.
 *
 * A protocol's command, service or property names are data, not code: a
 * table of {value, name} rows sorted by value and one lookup, where a long
 * switch would hide a typo or a duplicate among its returns.
 */
#ifndef OTW_TOK_H
#define OTW_TOK_H

#include <stddef.h>
#include <stdint.h>

typedef struct otw_tok {
    uint32_t value;
    const char *name;
} otw_tok;

/* The name of value in table (n rows, sorted by ascending value, no value
 * twice), or fallback when the table has no such row. */
const char *otw_tok_lookup(const otw_tok *table, size_t n, uint32_t value, const char *fallback);

#define OTW_TOK_NAME(table, value, fallback)                                                       \
    otw_tok_lookup((table), sizeof(table) / sizeof((table)[0]), (value), (fallback))

#endif
