/* dnp3.h - DNP3 (IEEE 1815) over TCP/UDP 20000.
 *
 * References: IEEE Std 1815-2012, clause 9 (data link layer: frame format,
 * CRC), clause 8 (transport function), clauses 4 and 10-12 (application
 * layer: fragment header, function codes, IIN, object headers and
 * qualifiers), clause 11 / Annex A (object groups, g0 device attributes,
 * g70 file-control objects).
 *
 * Pure: all state is the caller-owned dnp3_session; no globals, no allocation.
 */
#ifndef OTW_DNP3_H
#define OTW_DNP3_H

#include "dissector.h"
#include "facts.h"

#define DNP3_HDR_LEN 10        /* start(2) length control dest(2) src(2) crc(2) */
#define DNP3_MAX_FRAME 292     /* length 255: 10 + 250 user bytes + 16 block CRCs */
#define DNP3_MAX_FRAGMENT 2048 /* application fragment limit (IEEE 1815 default) */
/* Bytes of each application fragment kept for decoding: the headers decoded
 * (application header, first object header, g0 attributes, g70 file
 * command) always sit in the first transport segment; the rest of the
 * fragment is only counted against DNP3_MAX_FRAGMENT. */
#define DNP3_KEEP 250
#define DNP3_MAX_PENDING 16

/* Transport-layer reassembly of one direction of the flow. */
typedef struct dnp3_reasm {
    bool active;
    uint8_t next_seq;
    uint16_t src, dst;
    uint16_t total; /* fragment bytes received so far */
    uint16_t kept;  /* bytes in buf (<= DNP3_KEEP) */
    uint64_t ts_us; /* time of the first segment */
    uint8_t buf[DNP3_KEEP];
} dnp3_reasm;

/* One request waiting for its response, keyed by (master, outstation, seq). */
typedef struct dnp3_pending {
    uint16_t master, outstation;
    uint8_t seq;
    uint8_t function;
    uint8_t op_class; /* otw_op_class */
    bool has_address;
    uint32_t address_start;
    uint32_t address_count;
    char object[12]; /* "g12v1" */
    uint64_t ts_us;
} dnp3_pending;

typedef struct dnp3_session {
    dnp3_reasm reasm[2]; /* indexed by otw_dir */
    dnp3_pending pending[DNP3_MAX_PENDING];
    uint32_t n_pending; /* entries 0..n_pending-1, oldest first */
    /* counters, for tests and stats */
    uint64_t n_frames;
    uint64_t n_link_only; /* link frames without user data (reset, status, ack) */
    uint64_t n_bad_crc;
    uint64_t n_fragments;
    uint64_t n_requests;
    uint64_t n_confirms;
    uint64_t n_responses;
    uint64_t n_unsolicited;
    uint64_t n_continuations; /* response fragments after the first (FIR=0) */
    uint64_t n_unmatched_responses;
    uint64_t n_transport_drops;
    uint64_t n_pending_evicted;
    uint64_t n_malformed;
} dnp3_session;

void dnp3_session_init(void *session);

/* DNP3 CRC (polynomial 0x3D65 reflected, complemented) of n bytes; it is
 * transmitted low byte first. */
uint16_t dnp3_crc16(const uint8_t *p, size_t n);

/* Link frame length from the header: 10 + user data + one CRC per 16-byte
 * block; NEED_MORE below 10 bytes, NOT_MINE without 0x05 0x64 or with a
 * length byte < 5. A header whose CRC is wrong gives 10 (the header alone:
 * its length byte cannot be trusted, parse reports it). */
long dnp3_frame_len(const uint8_t *buf, size_t len);

/* Parses one link frame (TCP) or every frame of a datagram (UDP). */
otw_parse_status dnp3_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink);

void dnp3_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

/* "Read", "Direct Operate", ... or "Unknown". */
const char *dnp3_function_name(uint8_t function);

extern const otw_dissector dnp3_dissector;

#endif
