/* grow.c - see grow.h. */
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

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

#define HUGE_PAGE ((uintptr_t)2 << 20)

void *otw_alloc_table(size_t n, size_t elem)
{
    if (elem && n > SIZE_MAX / elem)
        return NULL;
    size_t bytes = n * elem;
    void *p = calloc(n ? n : 1, elem ? elem : 1);
    if (!p || bytes < 2 * HUGE_PAGE)
        return p;
    /* The whole 2 MB pages inside it: glibc gave it fresh from mmap, untouched. */
    uintptr_t from = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    uintptr_t to = ((uintptr_t)p + bytes) & ~(HUGE_PAGE - 1);
    if (to > from)
        (void)madvise((void *)from, to - from, MADV_HUGEPAGE); /* a hint: refused is fine */
    return p;
}
