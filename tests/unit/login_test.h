/* login_test.h - helpers shared by the cleartext login dissector unit tests
 * (test_telnet.c, test_ftp.c, test_http.c, test_mqtt.c, test_vnc.c,
 * test_pop3.c, test_imap.c, test_smtp.c, test_ics_logins.c), built on
 * sink_test.h: a sink that records credentials (the test keeps a copy of
 * each secret to compare it; the code under test must not), a
 * conversation driver feeding text lines or raw chunks through the
 * dissector's own framing, and the hostile-input drivers (every
 * truncation, garbage) over exact-size heap copies so ASan sees any read
 * past the end. Include after <cmocka.h>.
 */
#ifndef OTW_LOGIN_TEST_H
#define OTW_LOGIN_TEST_H

#include "sink_test.h"

#define LREC_MAX 64

typedef struct lrec {
    otw_credential creds[LREC_MAX];
    char secrets[LREC_MAX][256]; /* test-side copies of the secrets */
    size_t n;
    size_t n_ops, n_anomalies;
} lrec;

static inline void lrec_cred(void *ctx, const otw_credential *c)
{
    lrec *r = ctx;
    assert_non_null(c->method);
    assert_true(strnlen(c->user, sizeof(c->user)) < sizeof(c->user));
    assert_true((unsigned)c->outcome <= OTW_LOGIN_FAILURE);
    if (c->has_secret && c->secret_len > 0)
        assert_non_null(c->secret);
    if (!c->has_secret)
        assert_int_equal(c->secret_len, 0);
    if (r->n < LREC_MAX) {
        r->creds[r->n] = *c;
        r->creds[r->n].secret = NULL; /* valid during the call only */
        size_t n = c->secret_len < 255 ? c->secret_len : 255;
        if (c->has_secret && n)
            memcpy(r->secrets[r->n], c->secret, n);
        r->secrets[r->n][n] = '\0';
    }
    r->n++;
}

static inline void lrec_op(void *ctx, const otw_op *op)
{
    lrec *r = ctx;
    check_op(op, OTW_PROTO_NONE);
    r->n_ops++;
}

static inline void lrec_id(void *ctx, const otw_identity *id)
{
    (void)ctx;
    (void)id;
}

static inline void lrec_anomaly(void *ctx, const char *name)
{
    lrec *r = ctx;
    assert_non_null(name);
    r->n_anomalies++;
}

static inline otw_sink lrec_sink(lrec *r)
{
    memset(r, 0, sizeof(*r));
    otw_sink s = {r, lrec_op, lrec_id, lrec_anomaly, lrec_cred};
    return s;
}

/* A dissector session on the heap (the sensor carves slots from raw memory). */
static inline void *session_new(const otw_dissector *d)
{
    void *s = malloc(d->session_size ? d->session_size : 1);
    assert_non_null(s);
    memset(s, 0xA5, d->session_size); /* garbage first: session_init must set everything */
    d->session_init(s);
    return s;
}

/* Feeds bytes in one direction the way the sensor's stream layer does:
 * frame_len over the data, parse for each whole PDU (on an exact-size heap
 * copy). Returns the number of bytes left unframed. */
static inline size_t feed(const otw_dissector *d, void *s, otw_dir dir, const void *data,
                          size_t len, uint64_t ts, const otw_sink *sink)
{
    const uint8_t *p = data;
    size_t off = 0;
    while (off < len) {
        long n = d->frame_len(p + off, len - off);
        if (n <= 0 || (size_t)n > len - off)
            break;
        otw_parse_status st = parse_copy(d->parse, s, dir, p + off, (size_t)n, ts, sink);
        assert_valid_status(st);
        off += (size_t)n;
    }
    return len - off;
}

static inline size_t feed_str(const otw_dissector *d, void *s, otw_dir dir, const char *text,
                              uint64_t ts, const otw_sink *sink)
{
    return feed(d, s, dir, text, strlen(text), ts, sink);
}

#define C2S(text) feed_str(D, s, OTW_DIR_TO_SERVER, (text), ts += 1000, &sink)
#define S2C(text) feed_str(D, s, OTW_DIR_TO_CLIENT, (text), ts += 1000, &sink)

/* Frames and parses p[0..n) alone in a fresh session, from an exact-size
 * heap copy, then flushes the session. */
static inline void parse_alone(const otw_dissector *d, otw_dir dir, const uint8_t *p, size_t n,
                               const otw_sink *sink)
{
    void *s = session_new(d);
    uint8_t *copy = heap_copy(p, n);
    (void)d->frame_len(copy, n);
    (void)d->parse(s, dir, copy, n, 1, sink);
    if (d->expire)
        d->expire(s, 2, 0, sink);
    free(copy);
    free(s);
}

/* Every prefix of a conversation chunk, parsed alone in a fresh session,
 * and random garbage: no crash, no read past the end (ASan), credentials
 * well formed (lrec_cred). */
static inline void hostile(const otw_dissector *d, const uint8_t *pdu, size_t len, otw_dir dir)
{
    lrec r;
    otw_sink sink = lrec_sink(&r);
    for (size_t n = 0; n <= len; n++)
        parse_alone(d, dir, pdu, n, &sink);
    srand(7);
    for (int round = 0; round < 200; round++) {
        uint8_t g[300];
        size_t n = (size_t)(rand() % (int)sizeof(g));
        for (size_t i = 0; i < n; i++)
            g[i] = (uint8_t)rand();
        parse_alone(d, (round & 1) ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER, g, n, &sink);
    }
}

/* The session holds no trace of a secret (it was wiped at the outcome). */
static inline void assert_no_secret(const void *session, size_t size, const char *secret)
{
    size_t n = strlen(secret);
    const uint8_t *p = session;
    for (size_t i = 0; n && i + n <= size; i++)
        assert_false(memcmp(p + i, secret, n) == 0);
}

#endif
