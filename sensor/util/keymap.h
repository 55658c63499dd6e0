/* keymap.h - fixed-capacity open-addressing map from 16-byte keys to
 * uint32 values. Allocated once; no deletion (values can be updated), which
 * is all the inventory, comms and alert tables need. */
#ifndef OTW_KEYMAP_H
#define OTW_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Key and value side by side: a lookup touches one slot, usually one
 * cache line, where two arrays cost two misses. */
typedef struct otw_keyslot {
    uint8_t key[16];
    uint32_t val; /* value + 1; 0 = empty slot */
} otw_keyslot;

typedef struct otw_keymap {
    otw_keyslot *slots;
    size_t mask;
    size_t used, max_used;
} otw_keymap;

/* Room for at least n keys at <= 50% load. Returns -1 on allocation failure. */
int otw_keymap_init(otw_keymap *m, size_t n);
void otw_keymap_free(otw_keymap *m);
/* Forgets every key, keeping the storage (no allocation). */
void otw_keymap_clear(otw_keymap *m);
/* Value for key or UINT32_MAX. */
uint32_t otw_keymap_get(const otw_keymap *m, const uint8_t key[16]);
/* Inserts or updates; returns -1 when full or val is UINT32_MAX. */
int otw_keymap_put(otw_keymap *m, const uint8_t key[16], uint32_t val);
uint64_t otw_hash16(const uint8_t key[16]);

/* 128-bit digest of arbitrary bytes, used as a keymap key for composite
 * keys (communications, alert dedup keys). Two independently seeded 64-bit
 * mixes: a collision is astronomically unlikely for the table sizes here. */
void otw_digest128(const void *data, size_t len, uint8_t out[16]);
#endif
