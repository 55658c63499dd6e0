/* grow.c - see grow.h. */
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>

void *otw_grow(void *items, size_t n, size_t *cap, size_t elem, size_t first_cap)
{
    if (n < *cap)
        return items;
    size_t room = *cap ? *cap * 2 : first_cap;
    if (room <= *cap || elem == 0 || room > SIZE_MAX / elem)
        return NULL;
    void *p = realloc(items, room * elem);
    if (p)
        *cap = room;
    return p;
}
