/* fuzz_dns.c - libFuzzer target for DNS answers (protocols/dns.c).
 *
 * Input: a sequence of datagrams, each a 2-byte big-endian length then that
 * many bytes (a length past the end takes what is left), as the sensor
 * hands whole UDP payloads (or TCP PDUs cut by frame_len) to parse(); each
 * also goes through frame_len(), which may never claim less than a length
 * prefix and a header. Directions alternate. Every datagram is copied into
 * an exact-size heap buffer so ASan reports any read past it. The sink
 * checks and reads every field; identities must carry an address.
 * Seeds: tests/fuzz/corpus/dns/ (same format).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissector.h"
#include "dns.h"
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
    if (op->function_name == NULL || op->protocol != OTW_PROTO_DNS ||
        (unsigned)op->op_class >= OTW_CLASS__COUNT || (unsigned)op->outcome > OTW_OUTCOME_ERROR)
        abort();
    if (!op->has_address && (op->address_start != 0 || op->address_count != 0))
        abort();
    check_str(c, op->function_name, 64);
    check_str(c, op->object, sizeof(op->object));
    c->acc += op->ts_us + op->response_ts_us + op->has_unit + op->unit + op->transaction +
              op->function + op->exception_code + op->request_seen;
}

static void on_identity(void *ctx, const otw_identity *id)
{
    fuzz_ctx *c = ctx;
    if (id->source == NULL || id->protocol != OTW_PROTO_DNS || !id->has_ip || id->name[0] == 0 ||
        (unsigned)id->role_hint > OTW_HINT_IOT)
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
    for (int i = 0; i < 16; i++)
        c->acc += id->ip[i];
    c->acc += id->about + id->has_mac + id->has_ip + id->mac[0] + id->mac[5];
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
    const otw_dissector *d = &dns_dissector;
    void *s = d->session_size ? malloc(d->session_size) : NULL;
    fuzz_ctx ctx = {0};
    otw_sink sink = {&ctx, on_op, on_identity, on_anomaly, NULL};
    otw_dir dir = OTW_DIR_TO_SERVER;
    uint64_t ts = 1;
    size_t off = 0;

    if (d->session_size && s == NULL)
        return 0;
    if (s)
        d->session_init(s);
    while (off + 2 <= size) {
        size_t n = ((size_t)data[off] << 8) | data[off + 1];
        off += 2;
        if (n > size - off)
            n = size - off;
        uint8_t *chunk = malloc(n ? n : 1);
        if (chunk == NULL)
            break;
        memcpy(chunk, data + off, n);
        long fl = d->frame_len(chunk, n);
        if (fl != OTW_FRAME_NEED_MORE && fl != OTW_FRAME_NOT_MINE && fl < 2 + 12)
            abort();
        otw_parse_status st = d->parse(s, dir, chunk, n, ts, &sink);
        if (st != OTW_PARSE_OK && st != OTW_PARSE_MALFORMED && st != OTW_PARSE_NOT_MINE)
            abort();
        free(chunk);
        ts += n ? data[off] : 1;
        if (d->expire && n && (data[off] & 0x0F) == 0x0F)
            d->expire(s, ts, data[off], &sink);
        dir = dir == OTW_DIR_TO_SERVER ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER;
        off += n;
    }
    if (d->expire)
        d->expire(s, ts, 0, &sink);
    free(s);
    volatile uint64_t keep = ctx.acc; /* the reads must not be optimized away */
    (void)keep;
    return 0;
}
