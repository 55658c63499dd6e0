/* fuzz_iec104.c - libFuzzer target for the IEC 60870-5-104 dissector (iec104.c).
 *
 * The input is cut into APDUs the way the TCP stream layer would (via
 * iec104_frame_len), falling back to a length taken from the input when the
 * bytes do not frame, so garbage reaches iec104_parse too. Directions
 * alternate. Every chunk is copied into an exact-size heap buffer so ASan
 * reports any read past it. The sink reads every field it is given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissector.h"
#include "facts.h"
#include "iec104.h"

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
    if (op->function_name == NULL || op->protocol != OTW_PROTO_IEC104 ||
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
    if (id->source == NULL || id->protocol != OTW_PROTO_IEC104)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The sensor carves sessions from raw slots: emulate with the heap. */
    iec104_session *s = malloc(iec104_dissector.session_size);
    fuzz_ctx ctx = {0};
    otw_sink sink = {&ctx, on_op, on_identity, on_anomaly, NULL};
    otw_dir dir = OTW_DIR_TO_SERVER;
    uint64_t ts = 1;
    size_t off = 0;

    if (s == NULL)
        return 0;
    iec104_dissector.session_init(s);
    while (off < size) {
        const uint8_t *p = data + off;
        size_t left = size - off;
        long fl = iec104_frame_len(p, left);
        size_t n;
        if (fl > 0 && (size_t)fl <= left)
            n = (size_t)fl;
        else
            n = 1 + p[0] % (left < 64 ? left : 64); /* garbage or truncated tail */
        if (n > left)
            n = left;

        uint8_t *chunk = malloc(n);
        if (chunk == NULL)
            break;
        memcpy(chunk, p, n);
        (void)iec104_frame_len(chunk, n);
        otw_parse_status st = iec104_parse(s, dir, chunk, n, ts, &sink);
        if (st != OTW_PARSE_OK && st != OTW_PARSE_MALFORMED && st != OTW_PARSE_NOT_MINE)
            abort();
        free(chunk);

        if (s->n_pending > IEC104_MAX_PENDING)
            abort();
        /* Time moves by the first byte; expire now and then. */
        ts += p[0];
        if ((p[0] & 0x0F) == 0x0F)
            iec104_expire(s, ts, p[0], &sink);
        dir = dir == OTW_DIR_TO_SERVER ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER;
        off += n;
    }
    iec104_expire(s, ts, 0, &sink);
    if (s->n_pending != 0)
        abort();
    free(s);
    volatile uint64_t keep = ctx.acc; /* the reads must not be optimized away */
    (void)keep;
    return 0;
}
