/* fuzz_bacnet.c - libFuzzer target for the BACnet/IP dissector (bacnet.c).
 *
 * The input is a sequence of datagrams, each preceded by a 2-byte header:
 * bit 15 = direction, bits 0..10 = length (capped at what is left), the way
 * the sensor hands UDP payloads over. Every datagram is copied into an
 * exact-size heap buffer so ASan reports any read past it. The sink reads
 * every field it is given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bacnet.h"
#include "dissector.h"
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
    if (op->function_name == NULL || op->protocol != OTW_PROTO_BACNET ||
        (unsigned)op->op_class >= OTW_CLASS__COUNT || (unsigned)op->outcome > OTW_OUTCOME_ERROR)
        abort();
    if (!op->has_address && (op->address_start != 0 || op->address_count != 0))
        abort();
    check_str(c, op->function_name, 64);
    check_str(c, op->object, sizeof(op->object));
    c->acc += op->ts_us + op->response_ts_us + op->has_unit + op->unit + op->transaction +
              op->function + op->address_start + op->address_count + op->exception_code +
              op->request_seen;
}

static void on_identity(void *ctx, const otw_identity *id)
{
    fuzz_ctx *c = ctx;
    if (id->source == NULL || id->protocol != OTW_PROTO_BACNET)
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
    c->acc += id->about + id->vendor_id + id->has_ip + id->ip[15];
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
    bn_session *s = malloc(bacnet_dissector.session_size);
    fuzz_ctx ctx = {0};
    otw_sink sink = {&ctx, on_op, on_identity, on_anomaly, NULL};
    uint64_t ts = 1;
    size_t off = 0;

    if (s == NULL)
        return 0;
    bacnet_dissector.session_init(s);
    while (off + 2 <= size) {
        uint16_t h = (uint16_t)(data[off] << 8 | data[off + 1]);
        off += 2;
        otw_dir dir = (h & 0x8000) ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER;
        size_t n = h & 0x07FF;
        if (n > size - off)
            n = size - off;
        uint8_t *chunk = malloc(n ? n : 1);
        if (chunk == NULL)
            break;
        memcpy(chunk, data + off, n);
        otw_parse_status st = bn_parse(s, dir, chunk, n, ts, &sink);
        if (st != OTW_PARSE_OK && st != OTW_PARSE_MALFORMED && st != OTW_PARSE_NOT_MINE)
            abort();
        free(chunk);
        if (s->n_pending > BN_MAX_PENDING)
            abort();
        ts += h & 0x7F;
        if ((h & 0x0F) == 0x0F)
            bn_expire(s, ts, h & 0xFF, &sink);
        off += n;
    }
    bn_expire(s, ts, 0, &sink);
    if (s->n_pending != 0)
        abort();
    free(s);
    volatile uint64_t keep = ctx.acc;
    (void)keep;
    return 0;
}
