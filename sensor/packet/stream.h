/* stream.h - per-direction in-order TCP payload buffering for flows an
 * industrial dissector owns.
 *
 * Buffers come from a fixed pool (count from the configured memory cap); a
 * flow that cannot get one is counted and dissected segment by segment.
 * Handles: PDUs split over segments, several PDUs per segment (the caller
 * loops on frame_len), retransmissions and overlaps (old bytes dropped),
 * gaps (counted; buffered bytes discarded and framing resynchronised at the
 * next segment), midstream starts (the first segment seen sets the
 * expected sequence number), PDUs larger than the buffer (the consumer
 * asks for the rest to be skipped, so framing resumes right after them).
 */
#ifndef OTW_STREAM_H
#define OTW_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OTW_STREAM_BUF 4096 /* bytes per direction; the largest PDU we reassemble */

typedef struct otw_stream_dir {
    bool seq_known;
    uint32_t next_seq;
    uint32_t used; /* bytes held in buf */
    uint32_t skip; /* bytes still to drop: the rest of an oversized PDU */
    bool resync;   /* after a gap: drop bytes until a segment boundary */
                   /* (set on gap/overflow; cleared once consume makes progress,
                    * so a consumer may be lenient while it is set) */
    uint8_t buf[OTW_STREAM_BUF];
} otw_stream_dir;

typedef struct otw_stream {
    otw_stream_dir dir[2];
} otw_stream;

typedef struct otw_stream_stats {
    uint64_t segments, bytes, retransmitted_bytes, gaps, overflows, pool_exhausted;
    uint64_t skipped_bytes; /* of oversized PDUs, skipped on the consumer's word */
} otw_stream_stats;

typedef struct otw_stream_pool otw_stream_pool;

otw_stream_pool *otw_stream_pool_new(size_t memory_bytes);
void otw_stream_pool_free(otw_stream_pool *p);
/* Returns an index or UINT32_MAX when exhausted (counted). */
uint32_t otw_stream_alloc(otw_stream_pool *p);
void otw_stream_release(otw_stream_pool *p, uint32_t idx);
otw_stream *otw_stream_at(otw_stream_pool *p, uint32_t idx);
const otw_stream_stats *otw_stream_get_stats(const otw_stream_pool *p);

/* Consumer of in-order bytes: given the contiguous buffered bytes, returns
 * how many it consumed (whole PDUs). Called once per segment. A consumer
 * that returns less than len leaves the rest buffered for the next segment.
 * Returning (size_t)-1 means "not my protocol": the buffer is dropped.
 * *skip is 0 on entry; a consumer that took all of len and knows that the
 * PDU it ends in goes on for N more bytes than it was given (a trusted
 * header announcing more than OTW_STREAM_BUF) sets *skip = N: those bytes
 * are dropped as they arrive and the next PDU is framed right after them. */
typedef size_t (*otw_stream_consume_fn)(void *ctx, const uint8_t *data, size_t len, uint32_t *skip);

/* Adds one TCP segment (seq, payload) in direction d, then calls consume on
 * the in-order bytes. syn: the segment carries SYN (seq+1 is the first data
 * byte). Returns false if consume said NOT_MINE. */
bool otw_stream_add(otw_stream_pool *p, otw_stream *s, int d, uint32_t seq, bool syn,
                    const uint8_t *payload, uint32_t len, otw_stream_consume_fn consume, void *ctx);

#endif
