/* tok.h - value -> name tables for protocol constants (header only).
 *
 * A protocol's command, service or property names are data, not code: a
 * table of {value, name} rows sorted by value and one lookup, where a long
 * switch would hide a typo or a duplicate among its returns.
 */
#ifndef OTW_TOK_H
#define OTW_TOK_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

typedef struct otw_tok {
    uint32_t value;
    const char *name;
} otw_tok;

/* The name of value in table (n rows, sorted by ascending value, no value
 * twice), or fallback when the table has no such row. Inline: it names an
 * operation for every request. */
static inline const char *otw_tok_lookup(const otw_tok *table, size_t n, uint32_t value,
                                         const char *fallback)
{
#ifndef NDEBUG
    /* Test builds prove every table they touch is sorted without repeats. */
    for (size_t i = 1; i < n; i++)
        assert(table[i - 1].value < table[i].value);
#endif
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (table[mid].value == value)
            return table[mid].name;
        if (table[mid].value < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return fallback;
}

#define OTW_TOK_NAME(table, value, fallback)                                                       \
    otw_tok_lookup((table), sizeof(table) / sizeof((table)[0]), (value), (fallback))

#endif
