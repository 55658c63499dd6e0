/* ident_test.h - helpers shared by the identity dissector unit tests
 * (test_dhcp.c, test_lldp.c, test_cdp.c, test_nbns.c, test_mdns.c,
 * test_ssdp.c, test_snmp.c, test_dns.c): the recording sink of sink_test.h
 * as one global, a packet builder, and the hostile-input drivers (every
 * truncation, random garbage) that run a dissector over exact-size heap
 * copies so ASan sees any read past the end. Include after <cmocka.h>.
 */
#ifndef OTW_IDENT_TEST_H
#define OTW_IDENT_TEST_H

#define REC_MAX 32
#define SINK_MAX_OPS REC_MAX
#define SINK_MAX_IDS REC_MAX
#include "sink_test.h"

/* One recorder for the whole test, checking every fact (sink_test.h). */
static recorder g_rec;
static const otw_sink g_sink = {&g_rec, rec_op, rec_identity, rec_anomaly, NULL};

static inline void rec_reset(void)
{
    memset(&g_rec, 0, sizeof(g_rec));
}

/* ---------------------------------------------------------- builder */

typedef struct pkt {
    uint8_t b[2048];
    size_t n;
} pkt;

static inline void put8(pkt *p, unsigned v)
{
    assert_true(p->n < sizeof(p->b));
    p->b[p->n++] = (uint8_t)v;
}

static inline void put16(pkt *p, unsigned v)
{
    put8(p, v >> 8);
    put8(p, v);
}

static inline void put32(pkt *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p, v & 0xFFFF);
}

static inline void putmem(pkt *p, const void *m, size_t n)
{
    assert_true(p->n + n <= sizeof(p->b));
    if (n == 0)
        return;
    memcpy(p->b + p->n, m, n);
    p->n += n;
}

static inline void putstr(pkt *p, const char *s)
{
    putmem(p, s, strlen(s));
}

/* --------------------------------------------------- hostile drivers */

/* Parses data cut at every length 0..n (both directions), each from an
 * exact-size heap copy. The session (if any) is re-initialised each time. */
static inline void every_truncation(const otw_dissector *d, const uint8_t *data, size_t n)
{
    void *session = d->session_size ? malloc(d->session_size) : NULL;
    for (size_t len = 0; len <= n; len++) {
        for (int dir = 0; dir < 2; dir++) {
            if (session)
                d->session_init(session);
            rec_reset();
            otw_parse_status st =
                parse_copy(d->parse, session, (otw_dir)dir, data, len, 1000, &g_sink);
            assert_valid_status(st);
            if (d->expire)
                d->expire(session, 2000, 0, &g_sink);
        }
    }
    free(session);
}

/* Random bytes, and the given packet with random bytes flipped. */
static inline void garbage(const otw_dissector *d, const uint8_t *seed, size_t n, unsigned rounds)
{
    uint32_t x = 12345;
    void *session = d->session_size ? malloc(d->session_size) : NULL;
    if (session)
        d->session_init(session);
    for (unsigned i = 0; i < rounds; i++) {
        x = x * 1103515245u + 12345u;
        size_t len = (x >> 8) % (n + 64);
        uint8_t *buf = malloc(len ? len : 1);
        assert_non_null(buf);
        for (size_t k = 0; k < len; k++) {
            x = x * 1103515245u + 12345u;
            if (k < n && (i & 1))
                buf[k] = (x >> 24) % 8 == 0 ? (uint8_t)(x >> 16) : seed[k];
            else
                buf[k] = (uint8_t)(x >> 16);
        }
        rec_reset();
        otw_parse_status st = d->parse(session, (otw_dir)(i & 1), buf, len, i, &g_sink);
        assert_valid_status(st);
        free(buf);
    }
    if (d->expire)
        d->expire(session, rounds + 1, 0, &g_sink);
    free(session);
}

#endif
