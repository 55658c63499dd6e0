/* tok.c - binary search over a sorted value -> name table (see tok.h). */
#include "tok.h"

#include <assert.h>

const char *otw_tok_lookup(const otw_tok *table, size_t n, uint32_t value, const char *fallback)
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
