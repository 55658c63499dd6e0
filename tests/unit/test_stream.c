/* test_stream.c - unit tests for sensor/packet/stream.c.
 *
 * Test framing: 0xAA, 16-bit big-endian body length, body. The consumer
 * takes whole PDUs and says NOT_MINE when a PDU does not start with 0xAA.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stream.h"

#define MAGIC 0xAA

typedef struct sink {
    bool skip_big; /* ask the stream to skip PDUs larger than OTW_STREAM_BUF */
    int calls;
    int pdus;
    size_t body_len[16];
    uint8_t body[16][64]; /* first bytes of each body */
    size_t last_len;      /* len given to the last call */
} sink;

static size_t consume_pdus(void *ctx, const uint8_t *data, size_t len, uint32_t *skip)
{
    sink *s = ctx;
    s->calls++;
    s->last_len = len;
    size_t off = 0;
    while (len - off >= 3) {
        if (data[off] != MAGIC)
            return (size_t)-1;
        size_t body = (size_t)data[off + 1] << 8 | data[off + 2];
        if (s->skip_big && 3 + body > OTW_STREAM_BUF && len - off < 3 + body) {
            *skip = (uint32_t)(3 + body - (len - off));
            return len;
        }
        if (len - off < 3 + body)
            break;
        if (s->pdus < 16) {
            s->body_len[s->pdus] = body;
            memcpy(s->body[s->pdus], data + off + 3, body < 64 ? body : 64);
        }
        s->pdus++;
        off += 3 + body;
    }
    return off;
}

static size_t consume_none(void *ctx, const uint8_t *data, size_t len, uint32_t *skip)
{
    (void)data;
    (void)skip;
    sink *s = ctx;
    s->calls++;
    s->last_len = len;
    return 0;
}

static size_t consume_all(void *ctx, const uint8_t *data, size_t len, uint32_t *skip)
{
    (void)data;
    (void)skip;
    sink *s = ctx;
    s->calls++;
    s->last_len = len;
    return len + 100; /* a buggy consumer: clamped */
}

/* One PDU with body bytes first, first+1, ... */
static size_t make_pdu(uint8_t *out, size_t body, uint8_t first)
{
    out[0] = MAGIC;
    out[1] = (uint8_t)(body >> 8);
    out[2] = (uint8_t)body;
    for (size_t i = 0; i < body; i++)
        out[3 + i] = (uint8_t)(first + i);
    return 3 + body;
}

typedef struct fixture {
    otw_stream_pool *pool;
    otw_stream *s;
    sink k;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->pool = otw_stream_pool_new(4 * sizeof(otw_stream));
    uint32_t idx = otw_stream_alloc(f->pool);
    f->s = otw_stream_at(f->pool, idx);
    *state = f;
    return f->pool && f->s ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    otw_stream_pool_free(f->pool);
    free(f);
    return 0;
}

static bool add(fixture *f, int d, uint32_t seq, const uint8_t *data, uint32_t len)
{
    return otw_stream_add(f->pool, f->s, d, seq, false, data, len, consume_pdus, &f->k);
}

static void test_split_three_segments(void **state)
{
    fixture *f = *state;
    uint8_t pdu[64];
    size_t n = make_pdu(pdu, 20, 1); /* 23 bytes */
    assert_true(otw_stream_add(f->pool, f->s, 0, 999, true, NULL, 0, consume_pdus, &f->k));
    assert_int_equal(f->k.calls, 0); /* zero-length: nothing to consume */
    assert_true(f->s->dir[0].seq_known);
    assert_int_equal(f->s->dir[0].next_seq, 1000);
    assert_true(add(f, 0, 1000, pdu, 2));
    assert_true(add(f, 0, 1002, pdu + 2, 10));
    assert_int_equal(f->k.pdus, 0);
    assert_int_equal(f->s->dir[0].used, 12);
    assert_true(add(f, 0, 1012, pdu + 12, (uint32_t)n - 12));
    assert_int_equal(f->k.calls, 3);
    assert_int_equal(f->k.pdus, 1);
    assert_int_equal(f->k.body_len[0], 20);
    assert_memory_equal(f->k.body[0], pdu + 3, 20);
    assert_int_equal(f->s->dir[0].used, 0);
    assert_int_equal(f->s->dir[0].next_seq, 1000 + n);
    /* The other direction is independent. */
    assert_false(f->s->dir[1].seq_known);
    const otw_stream_stats *st = otw_stream_get_stats(f->pool);
    assert_int_equal(st->segments, 3);
    assert_int_equal(st->bytes, n);
    assert_int_equal(st->gaps, 0);
}

static void test_three_pdus_one_segment(void **state)
{
    fixture *f = *state;
    uint8_t seg[256];
    size_t n = 0;
    n += make_pdu(seg + n, 4, 10);
    n += make_pdu(seg + n, 0, 0);
    n += make_pdu(seg + n, 7, 20);
    size_t half = make_pdu(seg + n, 30, 40);
    assert_true(add(f, 1, 5000, seg, (uint32_t)n));
    assert_int_equal(f->k.calls, 1);
    assert_int_equal(f->k.pdus, 3);
    assert_int_equal(f->k.body_len[0], 4);
    assert_int_equal(f->k.body_len[1], 0);
    assert_int_equal(f->k.body_len[2], 7);
    assert_int_equal(f->k.body[2][0], 20);
    assert_int_equal(f->s->dir[1].used, 0);

    /* One and a half PDUs: the half stays buffered (at the front). */
    size_t n2 = make_pdu(seg + n + half, 2, 99);
    uint32_t seq = 5000 + (uint32_t)n;
    assert_true(add(f, 1, seq, seg + n + half, (uint32_t)n2)); /* a whole one */
    seq += (uint32_t)n2;
    assert_true(add(f, 1, seq, seg + n, 10)); /* first 10 of the 33-byte PDU */
    assert_int_equal(f->k.pdus, 4);
    assert_int_equal(f->s->dir[1].used, 10);
    assert_memory_equal(f->s->dir[1].buf, seg + n, 10);
    seq += 10;
    assert_true(add(f, 1, seq, seg + n + 10, (uint32_t)half - 10));
    assert_int_equal(f->k.pdus, 5);
    assert_int_equal(f->k.body_len[4], 30);
    assert_int_equal(f->k.body[4][29], 40 + 29);
    assert_int_equal(f->s->dir[1].used, 0);
}

static void test_retransmission(void **state)
{
    fixture *f = *state;
    uint8_t pdu[64];
    size_t n = make_pdu(pdu, 9, 1);
    assert_true(add(f, 0, 100, pdu, (uint32_t)n));
    assert_int_equal(f->k.pdus, 1);
    int calls = f->k.calls;
    assert_true(add(f, 0, 100, pdu, (uint32_t)n)); /* the same segment again */
    assert_int_equal(f->k.pdus, 1);
    assert_int_equal(f->k.calls, calls);     /* nothing new: no call */
    assert_true(add(f, 0, 103, pdu + 3, 5)); /* an old middle part */
    const otw_stream_stats *st = otw_stream_get_stats(f->pool);
    assert_int_equal(st->retransmitted_bytes, n + 5);
    assert_int_equal(f->s->dir[0].next_seq, 100 + n);
}

static void test_partial_overlap(void **state)
{
    fixture *f = *state;
    uint8_t pdu[64];
    size_t n = make_pdu(pdu, 20, 50); /* 23 bytes */
    assert_true(add(f, 0, 7000, pdu, 8));
    /* Resent from byte 5 on: 3 old bytes, 15 new ones. */
    assert_true(add(f, 0, 7005, pdu + 5, (uint32_t)n - 5));
    assert_int_equal(f->k.pdus, 1);
    assert_memory_equal(f->k.body[0], pdu + 3, 20);
    const otw_stream_stats *st = otw_stream_get_stats(f->pool);
    assert_int_equal(st->retransmitted_bytes, 3);
    assert_int_equal(f->s->dir[0].used, 0);
}

static void test_gap_resync(void **state)
{
    fixture *f = *state;
    uint8_t a[64], b[64];
    size_t na = make_pdu(a, 20, 1);
    size_t nb = make_pdu(b, 4, 77);
    assert_true(add(f, 0, 1, a, 10)); /* first part of a */
    assert_int_equal(f->s->dir[0].used, 10);
    /* The rest of a is lost; b starts further on. */
    uint32_t seq_b = 1 + (uint32_t)na + 100;
    assert_true(add(f, 0, seq_b, b, (uint32_t)nb - 2));
    const otw_stream_stats *st = otw_stream_get_stats(f->pool);
    assert_int_equal(st->gaps, 1);
    assert_true(f->s->dir[0].resync); /* no PDU since the gap yet */
    assert_int_equal(f->s->dir[0].used, nb - 2);
    assert_memory_equal(f->s->dir[0].buf, b, nb - 2);
    assert_true(add(f, 0, seq_b + (uint32_t)nb - 2, b + nb - 2, 2));
    assert_int_equal(f->k.pdus, 1);
    assert_int_equal(f->k.body[0][0], 77);
    assert_false(f->s->dir[0].resync);
    assert_int_equal(f->s->dir[0].next_seq, seq_b + nb);
}

static void test_midstream_start(void **state)
{
    fixture *f = *state;
    uint8_t pdu[64];
    size_t n = make_pdu(pdu, 6, 3);
    assert_false(f->s->dir[1].seq_known);
    assert_true(add(f, 1, 123456789, pdu, (uint32_t)n));
    assert_true(f->s->dir[1].seq_known);
    assert_int_equal(f->s->dir[1].next_seq, 123456789 + n);
    assert_int_equal(f->k.pdus, 1);
    assert_true(add(f, 1, 123456789 + (uint32_t)n, pdu, (uint32_t)n));
    assert_int_equal(f->k.pdus, 2);
    assert_int_equal(otw_stream_get_stats(f->pool)->gaps, 0);
}

static void test_wraparound(void **state)
{
    fixture *f = *state;
    uint8_t pdu[64];
    size_t n = make_pdu(pdu, 9, 1); /* 12 bytes */
    /* SYN at 2^32 - 16: data starts at 2^32 - 15 and crosses zero. */
    assert_true(otw_stream_add(f->pool, f->s, 0, 0xfffffff0u, true, NULL, 0, consume_pdus, &f->k));
    assert_int_equal(f->s->dir[0].next_seq, 0xfffffff1u);
    assert_true(add(f, 0, 0xfffffff1u, pdu, (uint32_t)n));
    assert_int_equal(f->s->dir[0].next_seq, 0xfffffffdu);
    assert_true(add(f, 0, 0xfffffffdu, pdu, 5)); /* crosses 2^32 */
    assert_int_equal(f->s->dir[0].next_seq, 2);
    assert_true(add(f, 0, 2, pdu + 5, (uint32_t)n - 5));
    assert_int_equal(f->k.pdus, 2);
    assert_int_equal(f->s->dir[0].next_seq, 9);
    /* A retransmission from before the wrap is old, not a gap. */
    assert_true(add(f, 0, 0xfffffffdu, pdu, (uint32_t)n));
    const otw_stream_stats *st = otw_stream_get_stats(f->pool);
    assert_int_equal(st->gaps, 0);
    assert_int_equal(st->retransmitted_bytes, n);
    /* Overlap across the wrap: 0xfffffffe..8 old, 9.. new. */
    uint8_t seg[64];
    memset(seg, 0xee, 11);
    size_t m = make_pdu(seg + 11, 2, 5);
    assert_true(add(f, 0, 0xfffffffeu, seg, (uint32_t)(11 + m)));
    assert_int_equal(st->retransmitted_bytes, n + 11);
    assert_int_equal(f->k.pdus, 3);
    /* SYN at 2^32 - 1: first data byte is 0. */
    assert_true(otw_stream_add(f->pool, f->s, 1, 0xffffffffu, true, NULL, 0, consume_pdus, &f->k));
    assert_int_equal(f->s->dir[1].next_seq, 0);
    /* A gap across the wrap. */
    assert_true(add(f, 1, 0xfffffff0u, pdu, 4)); /* behind: old */
    assert_int_equal(st->gaps, 0);
    assert_true(add(f, 1, 10, pdu, (uint32_t)n));
    assert_int_equal(st->gaps, 1);
    assert_int_equal(f->k.pdus, 4);
}

static void test_overflow(void **state)
{
    fixture *f = *state;
    static uint8_t big[6000];
    memset(big, 0x11, sizeof(big));
    uint32_t seq = 1;
    for (int i = 0; i < 4; i++) {
        assert_true(otw_stream_add(f->pool, f->s, 0, seq, false, big, 1000, consume_none, &f->k));
        seq += 1000;
    }
    assert_int_equal(f->s->dir[0].used, 4000);
    const otw_stream_stats *st = otw_stream_get_stats(f->pool);
    assert_int_equal(st->overflows, 0);
    /* 5000 > OTW_STREAM_BUF: buffered bytes dropped, the segment kept. */
    assert_true(otw_stream_add(f->pool, f->s, 0, seq, false, big, 1000, consume_none, &f->k));
    seq += 1000;
    assert_int_equal(st->overflows, 1);
    assert_int_equal(f->s->dir[0].used, 1000);
    assert_true(f->s->dir[0].resync);
    /* A segment larger than the buffer alone: dropped too, resync. */
    assert_true(otw_stream_add(f->pool, f->s, 0, seq, false, big, 5000, consume_none, &f->k));
    seq += 5000;
    assert_int_equal(st->overflows, 2);
    assert_int_equal(f->s->dir[0].used, 0);
    assert_true(f->s->dir[0].resync);
    assert_int_equal(f->s->dir[0].next_seq, seq);
    /* With nothing buffered, a big segment the consumer takes whole is fine. */
    assert_true(otw_stream_add(f->pool, f->s, 0, seq, false, big, 6000, consume_all, &f->k));
    assert_int_equal(f->k.last_len, 6000);
    assert_int_equal(st->overflows, 2);
    assert_int_equal(f->s->dir[0].used, 0);
    assert_false(f->s->dir[0].resync);
    seq += 6000;
    /* A consumer claiming more than it got is clamped. */
    assert_true(otw_stream_add(f->pool, f->s, 0, seq, false, big, 10, consume_all, &f->k));
    assert_int_equal(f->s->dir[0].used, 0);
    /* Exactly OTW_STREAM_BUF fits. */
    seq += 10;
    assert_true(otw_stream_add(f->pool, f->s, 0, seq, false, big, 96, consume_none, &f->k));
    seq += 96;
    assert_true(otw_stream_add(f->pool, f->s, 0, seq, false, big, 4000, consume_none, &f->k));
    assert_int_equal(f->s->dir[0].used, OTW_STREAM_BUF);
    assert_int_equal(st->overflows, 2);
}

/* A PDU larger than the buffer, its header trusted by the consumer: the
 * rest is skipped as it arrives and the PDUs after it frame as usual, also
 * one that shares the segment with its tail. */
static void test_skip_oversized(void **state)
{
    fixture *f = *state;
    f->k.skip_big = true;
    static uint8_t big[3 + 10000];
    size_t nbig = make_pdu(big, 10000, 0);
    uint8_t small[16];
    size_t nsmall = make_pdu(small, 5, 0x40);
    const otw_stream_stats *st = otw_stream_get_stats(f->pool);
    uint32_t seq = 1;
    size_t off = 0;
    while (nbig - off > 1400) {
        assert_true(add(f, 0, seq, big + off, 1400));
        seq += 1400;
        off += 1400;
    }
    /* The tail and a whole small PDU in one segment. */
    uint8_t seg[1400 + 16];
    memcpy(seg, big + off, nbig - off);
    memcpy(seg + (nbig - off), small, nsmall);
    assert_true(add(f, 0, seq, seg, (uint32_t)(nbig - off + nsmall)));
    seq += (uint32_t)(nbig - off + nsmall);
    assert_int_equal(f->k.pdus, 1);
    assert_int_equal(f->k.body_len[0], 5);
    assert_int_equal(f->k.body[0][0], 0x40);
    assert_int_equal(st->skipped_bytes, nbig - 1400);
    assert_int_equal(st->overflows, 0);
    assert_int_equal(f->s->dir[0].skip, 0);
    assert_true(add(f, 0, seq, small, (uint32_t)nsmall));
    seq += (uint32_t)nsmall;
    assert_int_equal(f->k.pdus, 2);
    /* A gap while skipping: framing restarts at the segment after it. */
    assert_true(add(f, 0, seq, big, 1400));
    seq += 1400;
    assert_true(f->s->dir[0].skip > 0);
    assert_true(add(f, 0, seq + 100, small, (uint32_t)nsmall));
    assert_int_equal(f->s->dir[0].skip, 0);
    assert_int_equal(f->k.pdus, 3);
}

static void test_not_mine(void **state)
{
    fixture *f = *state;
    uint8_t pdu[64];
    size_t n = make_pdu(pdu, 20, 1);
    assert_true(add(f, 0, 1, pdu, 10));
    assert_int_equal(f->s->dir[0].used, 10);
    uint8_t junk[8] = {0xff, 1, 2, 3, 4, 5, 6, 7};
    /* Completes the PDU, then junk: NOT_MINE. */
    uint8_t seg[64];
    memcpy(seg, pdu + 10, n - 10);
    memcpy(seg + n - 10, junk, sizeof(junk));
    assert_false(add(f, 0, 11, seg, (uint32_t)(n - 10 + sizeof(junk))));
    assert_int_equal(f->s->dir[0].used, 0);
    /* Straight junk with nothing buffered. */
    assert_false(add(f, 1, 1, junk, sizeof(junk)));
    assert_int_equal(f->s->dir[1].used, 0);
}

static void test_pool(void **state)
{
    (void)state;
    otw_stream_pool *p = otw_stream_pool_new(2 * sizeof(otw_stream) + 100);
    uint32_t a = otw_stream_alloc(p);
    uint32_t b = otw_stream_alloc(p);
    assert_int_not_equal(a, UINT32_MAX);
    assert_int_not_equal(b, UINT32_MAX);
    assert_int_not_equal(a, b);
    assert_int_equal(otw_stream_alloc(p), UINT32_MAX);
    assert_int_equal(otw_stream_get_stats(p)->pool_exhausted, 1);
    assert_null(otw_stream_at(p, UINT32_MAX));
    assert_null(otw_stream_at(p, 2));

    /* A released stream comes back clean. */
    otw_stream *s = otw_stream_at(p, a);
    s->dir[0].seq_known = true;
    s->dir[0].used = 7;
    otw_stream_release(p, a);
    otw_stream_release(p, a);          /* double release: ignored */
    otw_stream_release(p, UINT32_MAX); /* none: ignored */
    uint32_t c = otw_stream_alloc(p);
    assert_int_equal(c, a);
    assert_false(otw_stream_at(p, c)->dir[0].seq_known);
    assert_int_equal(otw_stream_at(p, c)->dir[0].used, 0);
    assert_int_equal(otw_stream_alloc(p), UINT32_MAX);
    assert_int_equal(otw_stream_get_stats(p)->pool_exhausted, 2);
    otw_stream_pool_free(p);

    /* A budget below one stream still gives one. */
    p = otw_stream_pool_new(0);
    assert_int_not_equal(otw_stream_alloc(p), UINT32_MAX);
    assert_int_equal(otw_stream_alloc(p), UINT32_MAX);
    otw_stream_pool_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_split_three_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_three_pdus_one_segment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retransmission, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gap_resync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_midstream_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wraparound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skip_oversized, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_mine, setup, teardown),
        cmocka_unit_test(test_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
