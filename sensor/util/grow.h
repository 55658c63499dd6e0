/* grow.h - room for one more element in a doubling array (the loaders of
 * the offline commands, configuration tables, spool segment lists). */
#ifndef OTW_GROW_H
#define OTW_GROW_H

#include <stddef.h>

/* items holds n elements of elem bytes in room for *cap. When n == *cap,
 * reallocates to twice the room (first_cap the first time) and updates
 * *cap. Returns the array to use from now on, or NULL when memory runs out
 * (items and *cap are then untouched and still valid). */
void *otw_grow(void *items, size_t n, size_t *cap, size_t elem, size_t first_cap);

#endif
