/* test_keymap.c - unit tests for the fixed-capacity key map and the 128-bit
 * digest (sensor/util/keymap.c, contract in sensor/util/keymap.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "keymap.h"

static void key_of(uint32_t i, uint8_t key[16])
{
    memset(key, 0, 16);
    /* Keys that differ in one byte only: the worst case for a weak hash. */
    key[15] = (uint8_t)i;
    key[14] = (uint8_t)(i >> 8);
    key[3] = (uint8_t)(i >> 16);
}

static void test_put_get_update(void **state)
{
    (void)state;
    otw_keymap m;
    assert_int_equal(otw_keymap_init(&m, 4), 0);
    uint8_t k1[16], k2[16];
    key_of(1, k1);
    key_of(2, k2);
    assert_int_equal(otw_keymap_get(&m, k1), UINT32_MAX);
    assert_int_equal(otw_keymap_put(&m, k1, 10), 0);
    assert_int_equal(otw_keymap_put(&m, k2, 20), 0);
    assert_int_equal(otw_keymap_get(&m, k1), 10);
    assert_int_equal(otw_keymap_get(&m, k2), 20);
    assert_int_equal(m.used, 2);
    /* An update keeps the slot count. */
    assert_int_equal(otw_keymap_put(&m, k1, 11), 0);
    assert_int_equal(otw_keymap_get(&m, k1), 11);
    assert_int_equal(m.used, 2);
    /* The all-zero key is a key like any other. */
    uint8_t zero[16] = {0};
    assert_int_equal(otw_keymap_get(&m, zero), UINT32_MAX);
    assert_int_equal(otw_keymap_put(&m, zero, 0), 0);
    assert_int_equal(otw_keymap_get(&m, zero), 0);
    /* UINT32_MAX means "absent": it cannot be stored. */
    assert_int_equal(otw_keymap_put(&m, k2, UINT32_MAX), -1);
    assert_int_equal(otw_keymap_get(&m, k2), 20);
    otw_keymap_free(&m);
    assert_null(m.slots);
    otw_keymap_free(&m); /* idempotent */
}

static void test_capacity_and_full(void **state)
{
    (void)state;
    otw_keymap m;
    assert_int_equal(otw_keymap_init(&m, 100), 0);
    /* Room for at least n keys at <= 50% load. */
    assert_true(m.max_used >= 100);
    assert_true((m.mask + 1) >= 2 * m.max_used);
    size_t room = m.max_used;
    uint8_t k[16];
    for (uint32_t i = 0; i < room; i++) {
        key_of(i, k);
        assert_int_equal(otw_keymap_put(&m, k, i), 0);
    }
    key_of((uint32_t)room, k);
    assert_int_equal(otw_keymap_put(&m, k, 1), -1);
    assert_int_equal(otw_keymap_get(&m, k), UINT32_MAX);
    /* Updates of existing keys still work when full. */
    key_of(7, k);
    assert_int_equal(otw_keymap_put(&m, k, 777), 0);
    assert_int_equal(otw_keymap_get(&m, k), 777);
    for (uint32_t i = 0; i < room; i++) {
        key_of(i, k);
        assert_int_equal(otw_keymap_get(&m, k), i == 7 ? 777 : i);
    }
    otw_keymap_free(&m);
}

static void test_small_init(void **state)
{
    (void)state;
    otw_keymap m;
    assert_int_equal(otw_keymap_init(&m, 0), 0);
    assert_true(m.max_used >= 1);
    uint8_t k[16];
    key_of(1, k);
    assert_int_equal(otw_keymap_put(&m, k, 5), 0);
    assert_int_equal(otw_keymap_get(&m, k), 5);
    otw_keymap_free(&m);
}

static void test_collisions(void **state)
{
    (void)state;
    otw_keymap m;
    assert_int_equal(otw_keymap_init(&m, 8), 0); /* 16 slots */
    /* Find keys that all land on the same home slot, to exercise probing
     * and wrap-around at the end of the table. */
    uint8_t keys[8][16];
    int found = 0;
    size_t home = m.mask; /* last slot: probes wrap to 0 */
    for (uint32_t i = 0; found < 8 && i < 1000000; i++) {
        uint8_t k[16];
        key_of(i, k);
        if (((size_t)otw_hash16(k) & m.mask) == home)
            memcpy(keys[found++], k, 16);
    }
    assert_int_equal(found, 8);
    for (int i = 0; i < 8; i++)
        assert_int_equal(otw_keymap_put(&m, keys[i], (uint32_t)(100 + i)), 0);
    for (int i = 0; i < 8; i++)
        assert_int_equal(otw_keymap_get(&m, keys[i]), (uint32_t)(100 + i));
    /* A colliding key that is not there ends its probe at an empty slot. */
    for (uint32_t i = 1000000;; i++) {
        uint8_t k[16];
        key_of(i, k);
        if (((size_t)otw_hash16(k) & m.mask) == home) {
            assert_int_equal(otw_keymap_get(&m, k), UINT32_MAX);
            break;
        }
    }
    otw_keymap_free(&m);
}

static void test_many_keys(void **state)
{
    (void)state;
    otw_keymap m;
    const uint32_t n = 50000;
    assert_int_equal(otw_keymap_init(&m, n), 0);
    uint8_t k[16];
    for (uint32_t i = 0; i < n; i++) {
        key_of(i, k);
        assert_int_equal(otw_keymap_put(&m, k, i * 3), 0);
    }
    assert_int_equal(m.used, n);
    for (uint32_t i = 0; i < n; i++) {
        key_of(i, k);
        assert_int_equal(otw_keymap_get(&m, k), i * 3);
    }
    for (uint32_t i = n; i < n + 1000; i++) {
        key_of(i, k);
        assert_int_equal(otw_keymap_get(&m, k), UINT32_MAX);
    }
    otw_keymap_free(&m);
}

static void test_hash_spreads(void **state)
{
    (void)state;
    /* Sequential keys must not pile up in a few slots. */
    enum { SLOTS = 1024, N = 512 };
    uint16_t hits[SLOTS] = {0};
    uint8_t k[16];
    for (uint32_t i = 0; i < N; i++) {
        key_of(i, k);
        hits[otw_hash16(k) & (SLOTS - 1)]++;
    }
    int max = 0;
    for (int i = 0; i < SLOTS; i++)
        if (hits[i] > max)
            max = hits[i];
    assert_true(max <= 6);
}

static void test_digest_stable(void **state)
{
    (void)state;
    uint8_t a[16], b[16], c[16];
    const char *s = "NEW_COMMUNICATION 10.0.0.1 -> 10.0.0.2";
    otw_digest128(s, strlen(s), a);
    otw_digest128(s, strlen(s), b);
    assert_memory_equal(a, b, 16);
    /* A copy at another (unaligned) address gives the same digest. */
    char buf[64];
    memcpy(buf + 1, s, strlen(s));
    otw_digest128(buf + 1, strlen(s), c);
    assert_memory_equal(a, c, 16);

    /* Pinned vectors (little-endian hosts): keys are only kept in memory,
     * but a change of the mix should be deliberate, not an accident. */
    static const uint8_t abc_digest[16] = {0xc8, 0x59, 0xbe, 0x29, 0x5e, 0xfe, 0x55, 0x79,
                                           0x51, 0xbf, 0xf6, 0x79, 0xc1, 0x6f, 0xce, 0xda};
    otw_digest128("abc", 3, a);
    assert_memory_equal(a, abc_digest, 16);
    const uint8_t k[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    assert_true(otw_hash16(k) == 0xe1f2c466aba81159ull);
}

static void test_digest_distinguishes(void **state)
{
    (void)state;
    uint8_t a[16], b[16];
    /* Length is part of the digest: trailing zero bytes matter. */
    const uint8_t z[9] = {0};
    otw_digest128(z, 8, a);
    otw_digest128(z, 9, b);
    assert_memory_not_equal(a, b, 16);
    otw_digest128(z, 0, a);
    otw_digest128(z, 1, b);
    assert_memory_not_equal(a, b, 16);
    otw_digest128(NULL, 0, b); /* empty input needs no data */
    otw_digest128(z, 0, a);
    assert_memory_equal(a, b, 16);
    /* One bit anywhere changes the digest, both halves of it. */
    uint8_t raw[37] = {0};
    uint8_t base[16];
    otw_digest128(raw, sizeof(raw), base);
    for (size_t i = 0; i < sizeof(raw); i++) {
        raw[i] ^= 1;
        otw_digest128(raw, sizeof(raw), a);
        assert_memory_not_equal(a, base, 8);
        assert_memory_not_equal(a + 8, base + 8, 8);
        raw[i] ^= 1;
    }
    /* Swapped 8-byte words give different digests (order matters). */
    uint8_t w1[16], w2[16];
    for (int i = 0; i < 8; i++) {
        w1[i] = w2[i + 8] = (uint8_t)i;
        w1[i + 8] = w2[i] = (uint8_t)(0x80 + i);
    }
    otw_digest128(w1, 16, a);
    otw_digest128(w2, 16, b);
    assert_memory_not_equal(a, b, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_update), cmocka_unit_test(test_capacity_and_full),
        cmocka_unit_test(test_small_init),     cmocka_unit_test(test_collisions),
        cmocka_unit_test(test_many_keys),      cmocka_unit_test(test_hash_spreads),
        cmocka_unit_test(test_digest_stable),  cmocka_unit_test(test_digest_distinguishes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
