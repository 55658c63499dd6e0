/* fuzz_dnp3.c - libFuzzer target for the DNP3 dissector (dnp3.c).
 *
 * The input is cut into link frames the way the TCP stream layer would (via
 * dnp3_frame_len), falling back to a length taken from the input when the
 * bytes do not frame, so garbage reaches dnp3_parse too (which also takes
 * several frames at once, as from a UDP datagram). Directions follow bit 7
 * of the frame's control byte when it frames (DIR), else alternate. CRCs
 * make random frames rare: a mode byte lets the harness fix them (below).
 * Every chunk is copied into an
 * exact-size heap buffer so ASan reports any read past it. The sink reads
 * every field it is given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissector.h"
#include "dnp3.h"
#include "facts.h"

typedef struct fuzz_ctx {
    uint64_t acc; /* keeps the field reads alive */
} fuzz_ctx;

static void check_str(fuzz_ctx *c, const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n == cap)
        abort(); /* not NUL-terminated */
    for (size_t i = 0; i < n; i++)
        c->acc += (uint8_t)s[i];
}

static void on_op(void *ctx, const otw_op *op)
{
    fuzz_ctx *c = ctx;
    if (op->function_name == NULL || op->protocol != OTW_PROTO_DNP3 ||
        (unsigned)op->op_class >= OTW_CLASS__COUNT || (unsigned)op->outcome > OTW_OUTCOME_ERROR)
        abort();
    if (!op->has_address && (op->address_start != 0 || op->address_count != 0))
        abort();
    check_str(c, op->function_name, 96);
    check_str(c, op->object, sizeof(op->object));
    check_str(c, otw_class_name(op->op_class), 32);
    check_str(c, otw_outcome_name(op->outcome), 32);
    c->acc += op->ts_us + op->response_ts_us + op->has_unit + op->unit + op->transaction +
              op->function + op->has_address + op->address_start + op->address_count +
              op->exception_code + op->request_seen;
}

static void on_identity(void *ctx, const otw_identity *id)
{
    fuzz_ctx *c = ctx;
    if (id->source == NULL || id->protocol != OTW_PROTO_DNP3)
        abort();
    check_str(c, id->source, 64);
    check_str(c, id->vendor, sizeof(id->vendor));
    check_str(c, id->product, sizeof(id->product));
    check_str(c, id->product_code, sizeof(id->product_code));
    check_str(c, id->model, sizeof(id->model));
    check_str(c, id->revision, sizeof(id->revision));
    check_str(c, id->serial, sizeof(id->serial));
    check_str(c, id->name, sizeof(id->name));
    check_str(c, id->device_type, sizeof(id->device_type));
    check_str(c, id->detail, sizeof(id->detail));
    c->acc += id->about;
}

static void on_anomaly(void *ctx, const char *name)
{
    fuzz_ctx *c = ctx;
    if (name == NULL)
        abort();
    check_str(c, name, 64);
}

/* Length of the frame at p if its header CRC were right, else 0. */
static size_t nominal_len(const uint8_t *p, size_t left)
{
    if (left < 10 || p[0] != 0x05 || p[1] != 0x64 || p[2] < 5)
        return 0;
    size_t user = (size_t)p[2] - 5;
    return 10 + user + 2 * ((user + 15) / 16);
}

/* Rewrites every CRC of the (possibly cut) frame in buf. */
static void fix_crcs(uint8_t *buf, size_t n)
{
    if (n < 10)
        return;
    uint16_t c = dnp3_crc16(buf, 8);
    buf[8] = (uint8_t)c;
    buf[9] = (uint8_t)(c >> 8);
    for (size_t o = 10; o + 2 < n; o += 18) {
        size_t b = n - o - 2 < 16 ? n - o - 2 : 16;
        c = dnp3_crc16(buf + o, b);
        buf[o + b] = (uint8_t)c;
        buf[o + b + 1] = (uint8_t)(c >> 8);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first input byte is a mode: bit 0 set = the harness rewrites the
 * CRCs of every frame, so that mutations reach the transport and
 * application layers; clear = CRCs as given (bad-CRC paths). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The sensor carves sessions from raw slots: emulate with the heap. */
    dnp3_session *s = malloc(dnp3_dissector.session_size);
    fuzz_ctx ctx = {0};
    otw_sink sink = {&ctx, on_op, on_identity, on_anomaly, NULL};
    otw_dir dir = OTW_DIR_TO_SERVER;
    uint64_t ts = 1;
    size_t off = 1;
    bool fix = size > 0 && (data[0] & 1);

    if (s == NULL)
        return 0;
    dnp3_dissector.session_init(s);
    while (off < size) {
        const uint8_t *p = data + off;
        size_t left = size - off;
        long fl = dnp3_frame_len(p, left);
        size_t nominal = nominal_len(p, left);
        size_t n;
        if (fix && nominal > 0)
            n = nominal;
        else if (fl > 0 && (size_t)fl <= left)
            n = (size_t)fl;
        else
            n = 1 + p[0] % (left < 64 ? left : 64); /* garbage or truncated tail */
        if (n > left)
            n = left;

        uint8_t *chunk = malloc(n);
        if (chunk == NULL)
            break;
        memcpy(chunk, p, n);
        if (fix && nominal > 0)
            fix_crcs(chunk, n);
        (void)dnp3_frame_len(chunk, n);
        if (n > 3 && chunk[0] == 0x05)
            dir = (chunk[3] & 0x80) ? OTW_DIR_TO_SERVER : OTW_DIR_TO_CLIENT; /* DIR bit */
        otw_parse_status st = dnp3_parse(s, dir, chunk, n, ts, &sink);
        if (st != OTW_PARSE_OK && st != OTW_PARSE_MALFORMED && st != OTW_PARSE_NOT_MINE)
            abort();
        free(chunk);

        if (s->n_pending > DNP3_MAX_PENDING)
            abort();
        /* Time moves by the first byte; expire now and then. */
        ts += p[0];
        if ((p[0] & 0x0F) == 0x0F)
            dnp3_expire(s, ts, p[0], &sink);
        dir = dir == OTW_DIR_TO_SERVER ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER;
        off += n;
    }
    dnp3_expire(s, ts, 0, &sink);
    if (s->n_pending != 0)
        abort();
    free(s);
    volatile uint64_t keep = ctx.acc; /* the reads must not be optimized away */
    (void)keep;
    return 0;
}
