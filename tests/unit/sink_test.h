/* sink_test.h - helpers shared by the dissector unit tests: the recording
 * sink that checks every fact a dissector reports (otw_op, otw_identity,
 * anomalies; the contract of protocols/facts.h), the usual per-test
 * fixture, and the hostile-input drivers that parse exact-size heap copies
 * so ASan sees any read past the end. Used directly by the industrial
 * protocol tests (test_modbus.c, test_s7comm.c, ...) and through
 * ident_test.h and login_test.h. Include after <cmocka.h>.
 *
 * A test may define SINK_MAX_OPS / SINK_MAX_IDS (facts kept for inspection;
 * all are counted) before including this header.
 */
#ifndef OTW_SINK_TEST_H
#define OTW_SINK_TEST_H

#include <stdlib.h>
#include <string.h>

#include "dissector.h"
#include "facts.h"

#ifndef SINK_MAX_OPS
#define SINK_MAX_OPS 64
#endif
#ifndef SINK_MAX_IDS
#define SINK_MAX_IDS 8
#endif

typedef struct recorder {
    otw_op ops[SINK_MAX_OPS];
    size_t n_ops;
    otw_identity ids[SINK_MAX_IDS];
    size_t n_ids;
    size_t n_anomalies;
    const char *last_anomaly;
    otw_proto proto;     /* when set, every op must carry it */
    const char *anomaly; /* when set, the only anomaly name allowed */
} recorder;

/* A byte-array literal as (pointer, length) arguments, and as a struct. */
#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})
#define NO_BYTES NULL, 0
/* clang-format off */
#define B(...) {BYTES(__VA_ARGS__)}
#define NONE {NO_BYTES}
/* clang-format on */

typedef struct bytes {
    const uint8_t *p;
    size_t n;
} bytes;

/* ------------------------------------------------------------- checks */

#define assert_valid_status(st)                                                                    \
    assert_true((st) == OTW_PARSE_OK || (st) == OTW_PARSE_MALFORMED || (st) == OTW_PARSE_NOT_MINE)

static inline void check_str(const char *s, size_t cap)
{
    assert_non_null(s);
    assert_true(strnlen(s, cap) < cap); /* NUL-terminated inside its field */
}

static inline void check_op(const otw_op *op, otw_proto proto)
{
    assert_non_null(op->function_name);
    check_str(op->object, sizeof(op->object));
    assert_true((unsigned)op->op_class < OTW_CLASS__COUNT);
    if (proto != OTW_PROTO_NONE)
        assert_int_equal(op->protocol, proto);
}

static inline void check_identity(const otw_identity *id)
{
    assert_non_null(id->source);
    check_str(id->vendor, sizeof(id->vendor));
    check_str(id->product, sizeof(id->product));
    check_str(id->product_code, sizeof(id->product_code));
    check_str(id->model, sizeof(id->model));
    check_str(id->revision, sizeof(id->revision));
    check_str(id->serial, sizeof(id->serial));
    check_str(id->name, sizeof(id->name));
    check_str(id->device_type, sizeof(id->device_type));
    check_str(id->detail, sizeof(id->detail));
    assert_true((unsigned)id->role_hint <= OTW_HINT_IOT);
    assert_true(id->about == OTW_DIR_TO_SERVER || id->about == OTW_DIR_TO_CLIENT);
}

/* d is the registered dissector of proto, named after it, industrial, and
 * its session fits a sensor slot. */
static inline void check_industrial_dissector(const otw_dissector *d, otw_proto proto)
{
    assert_ptr_equal(otw_dissector_get(proto), d);
    assert_int_equal(d->proto, proto);
    assert_string_equal(d->name, otw_proto_name(proto));
    assert_true(d->industrial);
    assert_true(d->session_size <= OTW_SESSION_MAX_BYTES);
}

/* ------------------------------------------------------ recording sink */

static inline void rec_op(void *ctx, const otw_op *op)
{
    recorder *r = ctx;
    check_op(op, r->proto);
    if (r->n_ops < SINK_MAX_OPS)
        r->ops[r->n_ops] = *op;
    r->n_ops++;
}

static inline void rec_identity(void *ctx, const otw_identity *id)
{
    recorder *r = ctx;
    check_identity(id);
    if (r->n_ids < SINK_MAX_IDS)
        r->ids[r->n_ids] = *id;
    r->n_ids++;
}

static inline void rec_anomaly(void *ctx, const char *name)
{
    recorder *r = ctx;
    assert_non_null(name);
    if (r->anomaly)
        assert_string_equal(name, r->anomaly);
    r->n_anomalies++;
    r->last_anomaly = name;
}

/* Empties r and returns a sink recording into it; proto (unless
 * OTW_PROTO_NONE) and anomaly (unless NULL) are what every op and every
 * anomaly must be. */
static inline otw_sink rec_sink(recorder *r, otw_proto proto, const char *anomaly)
{
    memset(r, 0, sizeof(*r));
    r->proto = proto;
    r->anomaly = anomaly;
    otw_sink s = {r, rec_op, rec_identity, rec_anomaly, NULL};
    return s;
}

/* The fixture of a protocol test: the dissector session, a recorder and
 * the sink over it, and the cmocka setup() that gives each test a fresh
 * one (static: some sessions are too big for the cmocka stack). */
#define SINK_FIXTURE(session_type, session_init, proto, anomaly)                                   \
    typedef struct fixture {                                                                       \
        session_type s;                                                                            \
        recorder rec;                                                                              \
        otw_sink sink;                                                                             \
    } fixture;                                                                                     \
                                                                                                   \
    static int setup(void **state)                                                                 \
    {                                                                                              \
        static fixture f;                                                                          \
        memset(&f, 0, sizeof(f));                                                                  \
        session_init(&f.s);                                                                        \
        f.sink = rec_sink(&f.rec, (proto), (anomaly));                                             \
        *state = &f;                                                                               \
        return 0;                                                                                  \
    }

/* The fields of a test-table case that describe the op a request/response
 * pair must give (checked by assert_answered_op). */
#define OP_EXPECT_FIELDS                                                                           \
    const char *name;                                                                              \
    otw_op_class cls;                                                                              \
    const char *object;                                                                            \
    bool has_address;                                                                              \
    uint32_t start, count

/* op answers function fn as case c (with OP_EXPECT_FIELDS) expects: a
 * success, requested at ts 1000, answered at 2000. */
#define assert_answered_op(op, fn, c)                                                              \
    do {                                                                                           \
        assert_int_equal((op)->function, (fn));                                                    \
        assert_string_equal((op)->function_name, (c)->name);                                       \
        assert_int_equal((op)->op_class, (c)->cls);                                                \
        assert_string_equal((op)->object, (c)->object);                                            \
        assert_int_equal((op)->has_address, (c)->has_address);                                     \
        assert_int_equal((op)->address_start, (c)->start);                                         \
        assert_int_equal((op)->address_count, (c)->count);                                         \
        assert_int_equal((op)->outcome, OTW_OUTCOME_OK);                                           \
        assert_true((op)->request_seen);                                                           \
        assert_int_equal((op)->ts_us, 1000);                                                       \
        assert_int_equal((op)->response_ts_us, 2000);                                              \
    } while (0)

/* ---------------------------------------------------- hostile drivers */

typedef otw_parse_status (*parse_fn)(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                                     uint64_t ts_us, const otw_sink *sink);
typedef long (*frame_len_fn)(const uint8_t *buf, size_t len);

/* An exact-size heap copy of p[0..n) (1 byte when n is 0): free() it. */
static inline uint8_t *heap_copy(const void *p, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    if (n)
        memcpy(copy, p, n);
    return copy;
}

/* Parses p[0..n) from an exact-size heap copy. */
static inline otw_parse_status parse_copy(parse_fn parse, void *session, otw_dir dir,
                                          const uint8_t *p, size_t n, uint64_t ts,
                                          const otw_sink *sink)
{
    uint8_t *copy = heap_copy(p, n);
    otw_parse_status st = parse(session, dir, copy, n, ts, sink);
    free(copy);
    return st;
}

/* Every strict prefix of the whole PDU p[0..n) is refused (malformed or not
 * mine), and frame_len (unless NULL) wants more or names the whole PDU. */
static inline void every_prefix_refused(parse_fn parse, frame_len_fn frame_len, void *session,
                                        otw_dir dir, const uint8_t *p, size_t n,
                                        const otw_sink *sink)
{
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *copy = heap_copy(p, cut);
        otw_parse_status st = parse(session, dir, copy, cut, 1, sink);
        assert_true(st == OTW_PARSE_MALFORMED || st == OTW_PARSE_NOT_MINE);
        if (frame_len) {
            long fl = frame_len(copy, cut);
            assert_true(fl == OTW_FRAME_NEED_MORE || fl == (long)n);
        }
        free(copy);
    }
}

/* Every prefix of p[0..n) (the whole one too), its header made to agree
 * with the cut by patch(copy, cut): any status but no crash or overread. */
static inline void every_prefix_patched(parse_fn parse, void *session, otw_dir dir,
                                        const uint8_t *p, size_t n, const otw_sink *sink,
                                        void (*patch)(uint8_t *copy, size_t cut))
{
    for (size_t cut = 0; cut <= n; cut++) {
        uint8_t *copy = heap_copy(p, cut);
        patch(copy, cut);
        otw_parse_status st = parse(session, dir, copy, cut, 1, sink);
        assert_valid_status(st);
        free(copy);
    }
}

/* Fills buf with the test's deterministic pseudo-random bytes (an LCG
 * whose state *x the caller keeps). */
static inline void lcg_fill(uint32_t *x, uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        *x = *x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(*x >> 16);
    }
}

#endif
