/* grow.h - room for one more element in a doubling array (the loaders of
 * the offline commands, configuration tables, spool segment lists), zeroed
 * arrays of n elements for the views, and the sensor's preallocated tables. */
#ifndef OTW_GROW_H
#define OTW_GROW_H

#include <stdbool.h>
#include <stddef.h>

/* items holds n elements of elem bytes in room for *cap. When n == *cap,
 * reallocates to twice the room (first_cap the first time) and updates
 * *cap. Returns the array to use from now on, or NULL when memory runs out
 * (items and *cap are then untouched and still valid). */
void *otw_grow(void *items, size_t n, size_t *cap, size_t elem, size_t first_cap);

/* n zeroed elements of elem bytes (room for one when n is 0, so NULL only
 * ever means out of memory); free() it. */
void *otw_alloc_array(size_t n, size_t elem);

/* n zeroed elements for a table allocated once at start and touched in
 * the packet path (flows, streams, keymaps, assets...); free() it. Large
 * ones are marked for transparent huge pages, so their first touches fault
 * 2 MB at a time instead of 4 KB: page faults had been a fifth of `read`'s
 * time. */
void *otw_alloc_table(size_t n, size_t elem);

/* Tests only: a test that defines this makes otw_grow and otw_alloc_array
 * fail whenever it returns true (proves that an allocation failure is an
 * error). Product builds leave it undefined (a weak reference, NULL). */
bool otw_alloc_fail_hook(void) __attribute__((weak));

#endif
