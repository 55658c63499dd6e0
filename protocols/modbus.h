/* modbus.h - Modbus/TCP (MBAP + Modbus application protocol).
 *
 * References: MODBUS Application Protocol Specification V1.1b3 (modbus.org),
 * MODBUS Messaging on TCP/IP Implementation Guide V1.0b.
 *
 * Pure: all state is the caller-owned mb_session; no globals, no allocation.
 */
#ifndef OTW_MODBUS_H
#define OTW_MODBUS_H

#include "dissector.h"
#include "facts.h"

#define MB_MBAP_LEN 7
#define MB_MAX_ADU 260    /* 7-byte MBAP + 253-byte PDU */
#define MB_MAX_PENDING 32 /* requests in flight per flow */

/* One request waiting for its response. The table is kept compact and in
 * arrival order (pending[0] is the oldest), so eviction and expiry are
 * deterministic. */
typedef struct mb_pending {
    uint16_t transaction;
    uint8_t unit;
    uint8_t function;
    uint8_t mei_type; /* for function 43 */
    bool has_address;
    uint16_t sub_function; /* for function 8 */
    /* What the response must carry, 0 = not checked: the byte count for
     * 1/2/3/4/23, the data length for 20, the whole PDU length for 21. */
    uint16_t expect_len;
    uint32_t address_start;
    uint32_t address_count;
    uint64_t ts_us;
} mb_pending;

typedef struct mb_session {
    mb_pending pending[MB_MAX_PENDING];
    uint32_t n_pending; /* entries 0..n_pending-1 are in use */
    /* counters, for tests and stats */
    uint64_t n_requests;
    uint64_t n_responses;
    uint64_t n_unmatched_responses;
    uint64_t n_pending_evicted;
    uint64_t n_malformed;
} mb_session;

void mb_session_init(void *session);

/* MBAP framing: total ADU length (7 + length - 1) if the header is valid
 * (protocol id 0, 2 <= length <= 254), OTW_FRAME_NEED_MORE if fewer than 7
 * bytes are available, OTW_FRAME_NOT_MINE otherwise. */
long mb_frame_len(const uint8_t *buf, size_t len);

/* Parses one complete ADU in direction dir. A request is remembered in the
 * session; a response (or exception) is matched by transaction id and the
 * combined op is emitted. Read Device Identification (43/14) responses also
 * emit an identity. A response without request emits an op with
 * request_seen=false. Returns NOT_MINE if the MBAP header is invalid,
 * MALFORMED if the PDU does not fit its function code. */
otw_parse_status mb_parse_adu(void *session, otw_dir dir, const uint8_t *adu, size_t len,
                              uint64_t ts_us, const otw_sink *sink);

/* Emits pending requests older than ts_us - timeout_us as NO_RESPONSE
 * (timeout_us == 0: all of them, e.g. at flow end). */
void mb_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

/* Name of a public function code ("Read Holding Registers"), or "Unknown". */
const char *mb_function_name(uint8_t function);
const char *mb_exception_name(uint8_t code);

extern const otw_dissector mb_dissector;

#endif
