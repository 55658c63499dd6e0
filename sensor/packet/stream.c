/* stream.c - per-direction in-order TCP payload buffering.
 *
 * Spec: sensor/packet/stream.h; sequence arithmetic modulo 2^32 as in RFC 9293
 * section 3.4. A fixed pool of otw_stream (one 2 x OTW_STREAM_BUF slot per
 * flow an industrial dissector owns), a stack of free indexes, no allocation
 * after otw_stream_pool_new.
 *
 * When nothing is buffered the segment is handed to the consumer in place
 * and only an unconsumed tail is copied, so the usual one-PDU-per-segment
 * traffic costs no copy.
 */
#include "stream.h"
#include "grow.h"

#include <stdlib.h>
#include <string.h>

struct otw_stream_pool {
    otw_stream *streams;
    uint32_t count;
    uint32_t *free_stack;
    uint32_t n_free;
    uint8_t *in_use;
    otw_stream_stats stats;
};

otw_stream_pool *otw_stream_pool_new(size_t memory_bytes)
{
    size_t count = memory_bytes / sizeof(otw_stream);
    if (count < 1)
        count = 1;
    if (count > UINT32_MAX - 1)
        count = UINT32_MAX - 1; /* UINT32_MAX means "none" */
    otw_stream_pool *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    /* calloc: untouched pages stay unmapped until a stream is first used. */
    p->streams = otw_alloc_table(count, sizeof(otw_stream));
    p->free_stack = malloc(count * sizeof(uint32_t));
    p->in_use = calloc(count, 1);
    if (!p->streams || !p->free_stack || !p->in_use) {
        otw_stream_pool_free(p);
        return NULL;
    }
    p->count = (uint32_t)count;
    /* Lowest index on top, so allocation order is predictable. */
    for (uint32_t i = 0; i < p->count; i++)
        p->free_stack[i] = p->count - 1 - i;
    p->n_free = p->count;
    return p;
}

void otw_stream_pool_free(otw_stream_pool *p)
{
    if (!p)
        return;
    free(p->streams);
    free(p->free_stack);
    free(p->in_use);
    free(p);
}

static void dir_reset(otw_stream_dir *sd)
{
    sd->seq_known = false;
    sd->next_seq = 0;
    sd->used = 0;
    sd->skip = 0;
    sd->resync = false;
}

uint32_t otw_stream_alloc(otw_stream_pool *p)
{
    if (p->n_free == 0) {
        p->stats.pool_exhausted++;
        return UINT32_MAX;
    }
    uint32_t idx = p->free_stack[--p->n_free];
    p->in_use[idx] = 1;
    dir_reset(&p->streams[idx].dir[0]);
    dir_reset(&p->streams[idx].dir[1]);
    return idx;
}

void otw_stream_release(otw_stream_pool *p, uint32_t idx)
{
    if (idx >= p->count || !p->in_use[idx])
        return; /* double release or UINT32_MAX: harmless */
    p->in_use[idx] = 0;
    p->free_stack[p->n_free++] = idx;
}

otw_stream *otw_stream_at(otw_stream_pool *p, uint32_t idx)
{
    return idx < p->count ? &p->streams[idx] : NULL;
}

const otw_stream_stats *otw_stream_get_stats(const otw_stream_pool *p)
{
    return &p->stats;
}

/* Calls consume on data (len bytes) and returns how much it took, clamped
 * to len; (size_t)-1 passes through. A skip request counts only with all of
 * len taken (nothing may stay buffered in front of the skipped bytes). */
static size_t call_consume(otw_stream_dir *sd, otw_stream_consume_fn consume, void *ctx,
                           const uint8_t *data, size_t len)
{
    uint32_t skip = 0;
    size_t c = consume(ctx, data, len, &skip);
    if (c != (size_t)-1 && c > len)
        c = len;
    if (c == len && skip)
        sd->skip = skip;
    return c;
}

bool otw_stream_add(otw_stream_pool *p, otw_stream *s, int d, uint32_t seq, bool syn,
                    const uint8_t *payload, uint32_t len, otw_stream_consume_fn consume, void *ctx)
{
    if (d != 0 && d != 1)
        return true;
    otw_stream_dir *sd = &s->dir[d];

    if (syn) {
        /* SYN occupies one sequence number; a (new) SYN restarts the direction. */
        seq += 1;
        sd->seq_known = true;
        sd->next_seq = seq;
        sd->used = 0;
        sd->skip = 0;
        sd->resync = false;
    }
    if (len == 0 || !payload)
        return true;
    p->stats.segments++;
    p->stats.bytes += len;

    if (!sd->seq_known) {
        /* Midstream start: the first data segment is our origin. */
        sd->seq_known = true;
        sd->next_seq = seq;
    }

    uint32_t ahead = seq - sd->next_seq; /* modulo 2^32 */
    if (ahead != 0 && ahead < 0x80000000u) {
        /* Gap: bytes were lost; restart framing at this segment. */
        p->stats.gaps++;
        sd->used = 0;
        sd->skip = 0;
        sd->resync = true;
        sd->next_seq = seq;
    } else if (ahead != 0) {
        /* Behind: retransmission or overlap, keep only the new tail. */
        uint32_t old = sd->next_seq - seq;
        if (old >= len) {
            p->stats.retransmitted_bytes += len;
            return true;
        }
        p->stats.retransmitted_bytes += old;
        payload += old;
        len -= old;
    }
    sd->next_seq += len;

    if (sd->skip) {
        uint32_t k = sd->skip < len ? sd->skip : len;
        sd->skip -= k;
        p->stats.skipped_bytes += k;
        payload += k;
        len -= k;
        if (len == 0)
            return true;
    }

    bool overflow = false;
    if (sd->used > 0 && (size_t)sd->used + len > OTW_STREAM_BUF) {
        /* The PDU being assembled is larger than we reassemble. */
        overflow = true;
        p->stats.overflows++;
        sd->used = 0;
        sd->resync = true;
    }

    size_t c;
    if (sd->used == 0) {
        c = call_consume(sd, consume, ctx, payload, len);
        if (c == (size_t)-1)
            return false;
        size_t rest = len - c;
        if (rest > OTW_STREAM_BUF) {
            /* Does not fit alone: drop it, framing restarts at the next segment. */
            if (!overflow)
                p->stats.overflows++;
            sd->resync = true;
            return true;
        }
        memcpy(sd->buf, payload + c, rest);
        sd->used = (uint32_t)rest;
    } else {
        memcpy(sd->buf + sd->used, payload, len);
        sd->used += len;
        c = call_consume(sd, consume, ctx, sd->buf, sd->used);
        if (c == (size_t)-1) {
            sd->used = 0;
            return false;
        }
        if (c > 0) {
            memmove(sd->buf, sd->buf + c, sd->used - c);
            sd->used -= (uint32_t)c;
        }
    }
    if (c > 0)
        sd->resync = false;
    return true;
}
