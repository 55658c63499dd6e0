/* keymap.c - see keymap.h. */
#include "keymap.h"
#include "grow.h"

#include <stdlib.h>
#include <string.h>

uint64_t otw_hash16(const uint8_t key[16])
{
    /* splitmix64 over the two halves: cheap, well mixed, no seed needed for
     * tables whose size is fixed and whose keys are not attacker-chosen
     * beyond addresses (the caps bound the damage of collisions). */
    uint64_t a, b;
    memcpy(&a, key, 8);
    memcpy(&b, key + 8, 8);
    uint64_t z = a ^ (b * 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

int otw_keymap_init(otw_keymap *m, size_t n)
{
    size_t cap = 16;
    while (cap < n * 2)
        cap <<= 1;
    /* Values hold value + 1 (0 = empty), so calloc's zero pages need no
     * initialisation pass and stay untouched until used. */
    m->slots = otw_alloc_table(cap, sizeof(otw_keyslot));
    if (!m->slots)
        return -1;
    m->mask = cap - 1;
    m->used = 0;
    m->max_used = cap / 2;
    return 0;
}

void otw_keymap_free(otw_keymap *m)
{
    free(m->slots);
    m->slots = NULL;
}

void otw_keymap_clear(otw_keymap *m)
{
    if (m->slots)
        memset(m->slots, 0, (m->mask + 1) * sizeof(otw_keyslot));
    m->used = 0;
}

uint32_t otw_keymap_get(const otw_keymap *m, const uint8_t key[16])
{
    size_t i = (size_t)otw_hash16(key) & m->mask;
    for (;;) {
        const otw_keyslot *s = &m->slots[i];
        if (s->val == 0)
            return UINT32_MAX;
        if (memcmp(s->key, key, 16) == 0)
            return s->val - 1;
        i = (i + 1) & m->mask;
    }
}

int otw_keymap_put(otw_keymap *m, const uint8_t key[16], uint32_t val)
{
    size_t i = (size_t)otw_hash16(key) & m->mask;
    for (;;) {
        otw_keyslot *s = &m->slots[i];
        if (s->val == 0) {
            if (m->used >= m->max_used || val == UINT32_MAX)
                return -1;
            memcpy(s->key, key, 16);
            s->val = val + 1;
            m->used++;
            return 0;
        }
        if (memcmp(s->key, key, 16) == 0) {
            if (val == UINT32_MAX)
                return -1;
            s->val = val + 1;
            return 0;
        }
        i = (i + 1) & m->mask;
    }
}

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void otw_digest128(const void *data, size_t len, uint8_t out[16])
{
    const uint8_t *p = data;
    uint64_t h1 = 0x243F6A8885A308D3ull ^ len, h2 = 0x13198A2E03707344ull ^ (len * 31);
    while (len > 0) {
        uint64_t w = 0;
        size_t n = len < 8 ? len : 8;
        memcpy(&w, p, n);
        h1 = mix64(h1 ^ w) * 0x9E3779B97F4A7C15ull;
        h2 = mix64(h2 + w + 0xA4093822299F31D0ull);
        p += n;
        len -= n;
    }
    h1 = mix64(h1 ^ h2);
    h2 = mix64(h2 ^ (h1 >> 7));
    memcpy(out, &h1, 8);
    memcpy(out + 8, &h2, 8);
}
