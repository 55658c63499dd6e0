/* login_fuzz.h - libFuzzer harness shared by the cleartext login
 * dissectors (fuzz_telnet.c, fuzz_ftp.c, fuzz_http.c, fuzz_mqtt.c,
 * fuzz_vnc.c, fuzz_pop3.c, fuzz_imap.c, fuzz_smtp.c).
 *
 * The input is a conversation: each step's first byte picks the direction
 * (bit 0) and the segment size (the rest); the segment goes through a
 * small two-direction stream buffer framed by the dissector's frame_len,
 * exactly as the sensor's stream layer does (NOT_MINE or an oversized
 * length drops the buffer). Every PDU is parsed from an exact-size heap
 * copy so ASan reports any read past it; time moves and expire runs now
 * and then. The sink reads every byte of every credential it is given.
 */
#ifndef OTW_LOGIN_FUZZ_H
#define OTW_LOGIN_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissector.h"
#include "facts.h"

#define LF_BUF 4096 /* the sensor's OTW_STREAM_BUF */

typedef struct lf_ctx {
    otw_proto proto;
    uint64_t acc;
} lf_ctx;

static void lf_cred(void *ctx, const otw_credential *c)
{
    lf_ctx *x = ctx;
    if (c->protocol != x->proto || c->method == NULL || (unsigned)c->outcome > OTW_LOGIN_FAILURE)
        abort();
    if (strnlen(c->user, sizeof(c->user)) >= sizeof(c->user))
        abort();
    if (!c->has_secret && (c->secret_len != 0 || c->secret != NULL))
        abort();
    if (c->has_secret && c->secret_len > 0 && c->secret == NULL)
        abort();
    for (size_t i = 0; c->has_secret && i < c->secret_len; i++)
        x->acc += c->secret[i];
    for (const char *p = c->method; *p; p++)
        x->acc += (uint8_t)*p;
    for (const char *p = c->user; *p; p++)
        x->acc += (uint8_t)*p;
    x->acc += c->ts_us + c->secret_is_none + c->about;
}

static void lf_op(void *ctx, const otw_op *op)
{
    lf_ctx *x = ctx;
    if (op->function_name == NULL)
        abort();
    x->acc += op->function;
}

static void lf_id(void *ctx, const otw_identity *id)
{
    lf_ctx *x = ctx;
    x->acc += id->about;
}

static void lf_anomaly(void *ctx, const char *name)
{
    lf_ctx *x = ctx;
    if (name == NULL)
        abort();
    x->acc += (uint8_t)name[0];
}

static void lf_parse(const otw_dissector *d, void *s, otw_dir dir, const uint8_t *p, size_t n,
                     uint64_t ts, const otw_sink *sink)
{
    uint8_t *copy = malloc(n ? n : 1);
    if (copy == NULL)
        abort();
    memcpy(copy, p, n);
    otw_parse_status st = d->parse(s, dir, copy, n, ts, sink);
    if (st != OTW_PARSE_OK && st != OTW_PARSE_MALFORMED && st != OTW_PARSE_NOT_MINE)
        abort();
    free(copy);
}

static int lf_run(const otw_dissector *d, const uint8_t *data, size_t size)
{
    static uint8_t buf[2][LF_BUF];
    size_t used[2] = {0, 0};
    lf_ctx ctx = {d->proto, 0};
    otw_sink sink = {&ctx, lf_op, lf_id, lf_anomaly, lf_cred};
    void *s = malloc(d->session_size);
    uint64_t ts = 1;
    size_t off = 0;
    if (s == NULL)
        return 0;
    memset(s, 0x5A, d->session_size);
    d->session_init(s);
    while (off < size) {
        uint8_t ctl = data[off++];
        int k = ctl & 1;
        otw_dir dir = k ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER;
        size_t n = 1 + (ctl >> 1);
        if (n > size - off)
            n = size - off;
        if (n > LF_BUF - used[k])
            used[k] = 0; /* overflow: the stream drops and resynchronises */
        memcpy(buf[k] + used[k], data + off, n);
        used[k] += n;
        off += n;
        size_t pos = 0;
        while (pos < used[k]) {
            long fl = d->frame_len(buf[k] + pos, used[k] - pos);
            if (fl == OTW_FRAME_NEED_MORE)
                break;
            if (fl < 0 || (size_t)fl > LF_BUF) {
                pos = used[k]; /* not a PDU boundary: drop */
                break;
            }
            if ((size_t)fl > used[k] - pos)
                break;
            lf_parse(d, s, dir, buf[k] + pos, (size_t)fl, ts, &sink);
            pos += (size_t)fl;
        }
        memmove(buf[k], buf[k] + pos, used[k] - pos);
        used[k] -= pos;
        ts += 1 + (ctl & 0x0F) * 1000000u;
        if (d->expire && (ctl & 0x30) == 0x30)
            d->expire(s, ts, 5000000, &sink);
    }
    if (d->expire)
        d->expire(s, ts, 0, &sink);
    free(s);
    volatile uint64_t keep = ctx.acc;
    (void)keep;
    return 0;
}

#define LOGIN_FUZZER(dissector)                                                                    \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                                  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                                   \
    {                                                                                              \
        return lf_run(&(dissector), data, size);                                                   \
    }

#endif
