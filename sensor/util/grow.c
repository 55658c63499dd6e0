/* grow.c - see grow.h. */
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>

static bool injected_failure(void)
{
    return otw_alloc_fail_hook && otw_alloc_fail_hook();
}

void *otw_grow(void *items, size_t n, size_t *cap, size_t elem, size_t first_cap)
{
    if (n < *cap)
        return items;
    size_t room = *cap ? *cap * 2 : first_cap;
    if (room <= *cap || elem == 0 || room > SIZE_MAX / elem || injected_failure())
        return NULL;
    void *p = realloc(items, room * elem);
    if (p)
        *cap = room;
    return p;
}

void *otw_alloc_array(size_t n, size_t elem)
{
    if (injected_failure())
        return NULL;
    return calloc(n ? n : 1, elem ? elem : 1);
}
