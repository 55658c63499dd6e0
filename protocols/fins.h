/* fins.h - Omron FINS over UDP and over TCP (FINS/TCP).
 *
 * References: OMRON FINS Commands Reference Manual (W227, CS/CJ series
 * "Communications Commands", sections 5-1 command list, 5-2 memory area
 * designations, 5-3 end codes), CS/CJ Ethernet Unit Operation Manual (W343,
 * section 6 FINS/TCP headers: "FINS" magic, length, command, error code).
 *
 * Pure: all state is the caller-owned fins_session; no globals, no allocation.
 */
#ifndef OTW_FINS_H
#define OTW_FINS_H

#include "dissector.h"
#include "facts.h"

#define FINS_HDR_LEN 10     /* ICF .. SID */
#define FINS_TCP_HDR_LEN 16 /* "FINS", length, command, error code */
#define FINS_MAX_FRAME 4096 /* FINS frames are at most 2012 bytes (+ slack) */
#define FINS_MAX_PENDING 28 /* requests in flight per flow */

typedef struct fins_pending {
    uint64_t ts_us;
    uint32_t address_start;
    uint32_t address_count;
    uint16_t command; /* MRC << 8 | SRC */
    uint8_t sid;
    uint8_t dna, da1, da2; /* destination of the request */
    uint8_t sna, sa1, sa2; /* source of the request = destination of the response */
    uint8_t op_class;      /* otw_op_class, can depend on the data (file names) */
    bool has_address;
    char object[14];
} fins_pending;

typedef struct fins_session {
    fins_pending pending[FINS_MAX_PENDING]; /* arrival order, [0] oldest */
    uint32_t n_pending;
    uint64_t n_requests;
    uint64_t n_responses;
    uint64_t n_unmatched_responses;
    uint64_t n_pending_evicted;
    uint64_t n_malformed;
} fins_session;

void fins_session_init(void *session);

/* FINS/TCP framing: 8 + the header's length field; NOT_MINE without the
 * "FINS" magic. */
long fins_frame_len(const uint8_t *buf, size_t len);

/* One FINS/TCP frame (starting with "FINS") or one UDP datagram (a bare
 * FINS frame). Responses match requests by SID and node addresses. */
otw_parse_status fins_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink);

void fins_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

/* "Memory Area Read", ... or "Unknown". */
const char *fins_command_name(uint16_t command);
/* "DM", "CIO", "E0", ... for a memory area code, NULL if unknown. */
const char *fins_area_name(uint8_t area);

extern const otw_dissector fins_dissector;

#endif
