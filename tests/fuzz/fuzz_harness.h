/* fuzz_harness.h - what every libFuzzer target in tests/fuzz/ shares: the
 * sink that checks the facts contract (protocols/facts.h) on every op,
 * identity, anomaly and credential a dissector emits and aborts on a broken
 * invariant, and two drivers that feed the input to the dissector
 * (protocols/dissector.h) the way the sensor would:
 *
 * - fuzz_run(): the input is cut into PDUs, one after the other, by a cut
 *   function (fuzz_cut_stream: frame_len or a fallback length taken from
 *   the input; fuzz_cut_dgram and fuzz_cut_dgram_dir: a 2-byte header
 *   before each datagram). Every PDU is parsed from an exact-size heap
 *   copy so ASan reports any read past it (one larger than the sensor's
 *   stream buffer goes, as its head, to the dissector's oversized hook); the clock moves, expire
 * runs now and then and once at the end, and the target's session invariants are checked after
 * every PDU and after the final flush.
 * - fuzz_conversation(): the cleartext login dissectors; each step's first
 *   byte picks the direction (bit 0) and the segment size (the rest), and
 *   segments go through a two-direction stream buffer framed by frame_len,
 *   as the sensor's stream layer does (NOT_MINE or an oversized length
 *   drops the buffer).
 * Both first give the input (after its first byte: direction, opening) to
 * the dissector's probe, when it has one (fuzz_probe).
 *
 * A target file is mostly its protocol-specific invariants: it fills a
 * fuzz_target and ends with FUZZ_TARGET(...) or FUZZ_CONVERSATION(...).
 */
#ifndef OTW_FUZZ_HARNESS_H
#define OTW_FUZZ_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissector.h"
#include "facts.h"

#define FUZZ_STREAM_BUF 4096 /* the sensor's OTW_STREAM_BUF */

/* What a cut decides for the next PDU. fuzz_run presets dir (the running
 * direction), flip (true) and ts (the running clock); the rest is zero. */
typedef struct fuzz_step {
    size_t hdr;       /* harness header bytes before the PDU, not parsed */
    size_t n;         /* PDU length, at most what is left after hdr */
    otw_dir dir;      /* direction the PDU is parsed in */
    bool flip;        /* the next PDU goes the other way */
    uint64_t ts;      /* capture time given to parse */
    uint64_t tick;    /* the clock moves by this after the PDU */
    bool expire;      /* then expire runs ... */
    uint64_t timeout; /* ... with this timeout */
} fuzz_step;

typedef struct fuzz_target fuzz_target;

struct fuzz_target {
    const otw_dissector *d; /* session, frame_len, parse and expire come from here */
    /* fuzz_run: where the next PDU is (p = data + off, left bytes); false ends the input. */
    bool (*cut)(const fuzz_target *t, const uint8_t *p, size_t left, size_t off, fuzz_step *st);
    size_t garbage_max; /* fuzz_cut_stream: fallback lengths are 1..this (0: 64) */
    bool reframe;       /* frame_len also runs on the exact-size copy (ASan sees its reads) */
    /* Runs on the copy before parse: may rewrite it (checksums) or set st->dir. */
    void (*fixup)(uint8_t *chunk, size_t n, fuzz_step *st);
    /* Session bounds after every PDU; final: after the flush at the end too. */
    void (*check_session)(const void *session, bool final);
    /* Protocol-specific invariants of what the sink is given. */
    size_t function_name_max;          /* strlen(function_name) < this (0: 64) */
    bool exception_code_needs_outcome; /* exception_code != 0 only with outcome EXCEPTION */
    void (*check_op)(const otw_op *op);
    void (*check_identity)(const otw_identity *id);
};

typedef struct fuzz_ctx {
    const fuzz_target *t;
    uint64_t acc; /* keeps the field reads alive */
} fuzz_ctx;

/* A NUL-terminated string of fewer than cap bytes; reads every byte. */
static inline void fuzz_check_str(fuzz_ctx *c, const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n == cap)
        abort(); /* not NUL-terminated */
    for (size_t i = 0; i < n; i++)
        c->acc += (uint8_t)s[i];
}

static inline void fuzz_on_op(void *ctx, const otw_op *op)
{
    fuzz_ctx *c = ctx;
    const fuzz_target *t = c->t;
    if (op->function_name == NULL || op->protocol != t->d->proto ||
        (unsigned)op->op_class >= OTW_CLASS__COUNT || (unsigned)op->outcome > OTW_OUTCOME_ERROR)
        abort();
    if (!op->has_address && (op->address_start != 0 || op->address_count != 0))
        abort();
    if (t->exception_code_needs_outcome && op->outcome != OTW_OUTCOME_EXCEPTION &&
        op->exception_code != 0)
        abort();
    if (t->check_op)
        t->check_op(op);
    fuzz_check_str(c, op->function_name, t->function_name_max ? t->function_name_max : 64);
    fuzz_check_str(c, op->object, sizeof(op->object));
    fuzz_check_str(c, otw_class_name(op->op_class), 32);
    fuzz_check_str(c, otw_outcome_name(op->outcome), 32);
    c->acc += op->ts_us + op->response_ts_us + op->has_unit + op->unit + op->transaction +
              op->function + op->has_address + op->address_start + op->address_count +
              op->exception_code + op->request_seen;
}

static inline void fuzz_on_identity(void *ctx, const otw_identity *id)
{
    fuzz_ctx *c = ctx;
    if (id->source == NULL || id->protocol != c->t->d->proto ||
        (unsigned)id->role_hint > OTW_HINT_IOT)
        abort();
    if (c->t->check_identity)
        c->t->check_identity(id);
    fuzz_check_str(c, id->source, 64);
    fuzz_check_str(c, id->vendor, sizeof(id->vendor));
    fuzz_check_str(c, id->product, sizeof(id->product));
    fuzz_check_str(c, id->product_code, sizeof(id->product_code));
    fuzz_check_str(c, id->model, sizeof(id->model));
    fuzz_check_str(c, id->revision, sizeof(id->revision));
    fuzz_check_str(c, id->serial, sizeof(id->serial));
    fuzz_check_str(c, id->name, sizeof(id->name));
    fuzz_check_str(c, id->device_type, sizeof(id->device_type));
    fuzz_check_str(c, id->detail, sizeof(id->detail));
    for (size_t i = 0; i < sizeof(id->ip); i++)
        c->acc += id->ip[i];
    for (size_t i = 0; i < sizeof(id->mac); i++)
        c->acc += id->mac[i];
    c->acc +=
        id->about + id->has_mac + id->has_ip + id->role_hint + id->has_vendor_id + id->vendor_id;
}

static inline void fuzz_on_anomaly(void *ctx, const char *name)
{
    fuzz_ctx *c = ctx;
    if (name == NULL)
        abort();
    fuzz_check_str(c, name, 64);
}

/* Reads every byte of every credential (the secret only lives during the call). */
static inline void fuzz_on_credential(void *ctx, const otw_credential *cr)
{
    fuzz_ctx *c = ctx;
    if (cr->protocol != c->t->d->proto || cr->method == NULL ||
        (unsigned)cr->outcome > OTW_LOGIN_FAILURE)
        abort();
    if (strnlen(cr->user, sizeof(cr->user)) >= sizeof(cr->user))
        abort();
    if (!cr->has_secret && (cr->secret_len != 0 || cr->secret != NULL))
        abort();
    if (cr->has_secret && cr->secret_len > 0 && cr->secret == NULL)
        abort();
    for (size_t i = 0; cr->has_secret && i < cr->secret_len; i++)
        c->acc += cr->secret[i];
    for (const char *p = cr->method; *p; p++)
        c->acc += (uint8_t)*p;
    for (const char *p = cr->user; *p; p++)
        c->acc += (uint8_t)*p;
    c->acc += cr->ts_us + cr->secret_is_none + cr->about;
}

static inline void fuzz_keep(const fuzz_ctx *c)
{
    volatile uint64_t keep = c->acc; /* the reads must not be optimized away */
    (void)keep;
}

static inline otw_dir fuzz_other_dir(otw_dir dir)
{
    return dir == OTW_DIR_TO_SERVER ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER;
}

/* The clock moves by b; expire (timeout b) when b's low nibble is all ones. */
static inline void fuzz_clock_byte(fuzz_step *st, uint8_t b)
{
    st->tick = b;
    st->expire = (b & 0x0F) == 0x0F;
    st->timeout = b;
}

/* The TCP stream layer's cut: frame_len when the bytes frame, else a
 * length from the first byte (garbage, a datagram or a truncated tail);
 * the clock moves by the first byte; directions alternate. */
static inline bool fuzz_cut_stream(const fuzz_target *t, const uint8_t *p, size_t left, size_t off,
                                   fuzz_step *st)
{
    size_t max = t->garbage_max ? t->garbage_max : 64;
    long fl = t->d->frame_len(p, left);
    (void)off;
    if (fl > 0 && (size_t)fl <= left)
        st->n = (size_t)fl;
    else
        st->n = 1 + p[0] % (left < max ? left : max);
    if (st->n > left)
        st->n = left;
    fuzz_clock_byte(st, p[0]);
    return true;
}

/* Datagrams, each a 2-byte big-endian length then that many bytes (a
 * length past the end takes what is left); the clock moves by the
 * datagram's first byte (1 when empty); directions alternate. */
static inline bool fuzz_cut_dgram(const fuzz_target *t, const uint8_t *p, size_t left, size_t off,
                                  fuzz_step *st)
{
    (void)t;
    (void)off;
    if (left < 2)
        return false;
    st->hdr = 2;
    st->n = ((size_t)p[0] << 8) | p[1];
    if (st->n > left - 2)
        st->n = left - 2;
    fuzz_clock_byte(st, st->n ? p[2] : 1);
    return true;
}

/* Datagrams, each after a 2-byte big-endian header: bit 15 the direction,
 * bits 0..10 the length (capped at what is left); the clock moves by the
 * header's low 7 bits, expire (timeout: its low byte) when its low nibble
 * is all ones. */
static inline bool fuzz_cut_dgram_dir(const fuzz_target *t, const uint8_t *p, size_t left,
                                      size_t off, fuzz_step *st)
{
    (void)t;
    (void)off;
    if (left < 2)
        return false;
    uint16_t h = (uint16_t)(p[0] << 8 | p[1]);
    st->hdr = 2;
    st->n = h & 0x07FF;
    if (st->n > left - 2)
        st->n = left - 2;
    st->dir = (h & 0x8000) ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER;
    st->flip = false;
    st->tick = h & 0x7F;
    st->expire = (h & 0x0F) == 0x0F;
    st->timeout = h & 0xFF;
    return true;
}

/* Parses st->n bytes at p from an exact-size heap copy; false when out of memory. */
static inline bool fuzz_parse_copy(const fuzz_target *t, void *s, fuzz_step *st, const uint8_t *p,
                                   const otw_sink *sink)
{
    uint8_t *chunk = malloc(st->n ? st->n : 1);
    if (chunk == NULL)
        return false;
    memcpy(chunk, p, st->n);
    if (t->fixup)
        t->fixup(chunk, st->n, st);
    if (t->reframe)
        (void)t->d->frame_len(chunk, st->n);
    otw_parse_status ps = t->d->parse(s, st->dir, chunk, st->n, st->ts, sink);
    if (ps != OTW_PARSE_OK && ps != OTW_PARSE_MALFORMED && ps != OTW_PARSE_NOT_MINE)
        abort();
    free(chunk);
    return true;
}

/* The sensor carves sessions from raw slots: emulate with the heap (NULL
 * when the dissector keeps none). */
static inline bool fuzz_session_new(const otw_dissector *d, void **s)
{
    *s = d->session_size ? malloc(d->session_size) : NULL;
    return d->session_size == 0 || *s != NULL;
}

/* The flush at flow end, the final session check, the free. */
static inline void fuzz_session_end(const fuzz_target *t, void *s, uint64_t ts,
                                    const otw_sink *sink)
{
    if (t->d->expire)
        t->d->expire(s, ts, 0, sink);
    if (t->check_session)
        t->check_session(s, true);
    free(s);
}

/* The dissector's probe (dynamic detection) on the input's first bytes,
 * as the sensor gives it a flow's first payload: an exact-size copy so
 * ASan sees any read past it; the answer must be a probe result. */
static inline void fuzz_probe(const otw_dissector *d, const uint8_t *data, size_t size)
{
    if (d->probe == NULL || size == 0)
        return;
    size_t n = size < 2 * FUZZ_STREAM_BUF ? size - 1 : 2 * FUZZ_STREAM_BUF;
    uint8_t *copy = malloc(n ? n : 1);
    if (copy == NULL)
        return;
    memcpy(copy, data + 1, n);
    otw_dir dir = (data[0] & 1) ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER;
    int r = d->probe(copy, n, dir, (data[0] & 2) != 0);
    free(copy);
    if (r != OTW_PROBE_NO && r != OTW_PROBE_WEAK && r != OTW_PROBE_STRONG)
        abort();
}

static inline int fuzz_run(const fuzz_target *t, const uint8_t *data, size_t size)
{
    fuzz_ctx ctx = {t, 0};
    otw_sink sink = {&ctx, fuzz_on_op, fuzz_on_identity, fuzz_on_anomaly, NULL};
    otw_dir dir = OTW_DIR_TO_SERVER;
    uint64_t ts = 1;
    size_t off = 0;
    void *s;

    fuzz_probe(t->d, data, size);
    if (!fuzz_session_new(t->d, &s))
        return 0;
    if (s)
        t->d->session_init(s);
    while (off < size) {
        fuzz_step st = {.dir = dir, .flip = true, .ts = ts};
        if (!t->cut(t, data + off, size - off, off, &st))
            break;
        const uint8_t *pdu = data + off + st.hdr;
        size_t avail = size - off - st.hdr;
        long fl = t->d->oversized && avail ? t->d->frame_len(pdu, avail) : 0;
        if (fl > (long)FUZZ_STREAM_BUF) {
            /* Larger than the stream buffer: the sensor hands the head over
             * (an exact-size copy here) and skips the PDU. */
            size_t head = avail < FUZZ_STREAM_BUF ? avail : FUZZ_STREAM_BUF;
            uint8_t *copy = malloc(head);
            if (copy == NULL)
                break;
            memcpy(copy, pdu, head);
            t->d->oversized(s, st.dir, copy, head, (size_t)fl, st.ts, &sink);
            free(copy);
            st.n = avail < (size_t)fl ? avail : (size_t)fl;
        } else if (!fuzz_parse_copy(t, s, &st, pdu, &sink)) {
            break;
        }
        if (t->check_session)
            t->check_session(s, false);
        ts = st.ts + st.tick;
        if (t->d->expire && st.expire)
            t->d->expire(s, ts, st.timeout, &sink);
        dir = st.flip ? fuzz_other_dir(st.dir) : st.dir;
        off += st.hdr + st.n;
    }
    fuzz_session_end(t, s, ts, &sink);
    fuzz_keep(&ctx);
    return 0;
}

static inline int fuzz_conversation(const fuzz_target *t, const uint8_t *data, size_t size)
{
    static uint8_t buf[2][FUZZ_STREAM_BUF];
    size_t used[2] = {0, 0};
    fuzz_ctx ctx = {t, 0};
    otw_sink sink = {&ctx, fuzz_on_op, fuzz_on_identity, fuzz_on_anomaly, fuzz_on_credential};
    const otw_dissector *d = t->d;
    uint64_t ts = 1;
    size_t off = 0;
    void *s;

    fuzz_probe(d, data, size);
    if (!fuzz_session_new(d, &s) || s == NULL)
        return 0;
    memset(s, 0x5A, d->session_size); /* session_init must set what it relies on */
    d->session_init(s);
    while (off < size) {
        uint8_t ctl = data[off++];
        int k = ctl & 1;
        size_t n = 1 + (ctl >> 1);
        if (n > size - off)
            n = size - off;
        if (n > FUZZ_STREAM_BUF - used[k])
            used[k] = 0; /* overflow: the stream drops and resynchronises */
        memcpy(buf[k] + used[k], data + off, n);
        used[k] += n;
        off += n;
        size_t pos = 0;
        while (pos < used[k]) {
            long fl = d->frame_len(buf[k] + pos, used[k] - pos);
            if (fl == OTW_FRAME_NEED_MORE)
                break;
            if (fl < 0 || (size_t)fl > FUZZ_STREAM_BUF) {
                pos = used[k]; /* not a PDU boundary: drop */
                break;
            }
            if ((size_t)fl > used[k] - pos)
                break;
            fuzz_step st = {.n = (size_t)fl, .ts = ts};
            st.dir = k ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER;
            if (!fuzz_parse_copy(t, s, &st, buf[k] + pos, &sink))
                abort();
            pos += (size_t)fl;
        }
        memmove(buf[k], buf[k] + pos, used[k] - pos);
        used[k] -= pos;
        ts += 1 + (ctl & 0x0F) * 1000000u;
        if (d->expire && (ctl & 0x30) == 0x30)
            d->expire(s, ts, 5000000, &sink);
    }
    fuzz_session_end(t, s, ts, &sink);
    fuzz_keep(&ctx);
    return 0;
}

/* Session bound shared by most targets: never more than max requests
 * pending, none after the final flush. */
#define FUZZ_PENDING_CHECK(fn, type, max)                                                          \
    static void fn(const void *session, bool final)                                                \
    {                                                                                              \
        const type *s_ = session;                                                                  \
        if (s_->n_pending > (max) || (final && s_->n_pending != 0))                                \
            abort();                                                                               \
    }

/* The entry point: fuzz_run over a fuzz_target given by its fields. */
#define FUZZ_TARGET(...)                                                                           \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                                  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                                   \
    {                                                                                              \
        static const fuzz_target t_ = {__VA_ARGS__};                                               \
        return fuzz_run(&t_, data, size);                                                          \
    }

/* The entry point of a login dissector's target: fuzz_conversation. */
#define FUZZ_CONVERSATION(dissector)                                                               \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                                  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                                   \
    {                                                                                              \
        static const fuzz_target t_ = {.d = &(dissector)};                                         \
        return fuzz_conversation(&t_, data, size);                                                 \
    }

#endif
