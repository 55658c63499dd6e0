/* bacnet.h - BACnet/IP (BVLC + NPDU + APDU), UDP 47808.
 *
 * Reference: ANSI/ASHRAE Standard 135-2020, "BACnet - A Data Communication
 * Protocol for Building Automation and Control Networks": Annex J (BACnet/IP,
 * BVLL), clause 6 (network layer, NPDU), clause 20 (APDU encoding, tags),
 * clause 21 (service productions), clauses 13-17 (services), clause 12
 * (object types and properties), clause 18 (error classes and codes).
 *
 * Pure: all state is the caller-owned bn_session; no globals, no allocation.
 *
 * otw_op.function numbering (the BACnet code spaces overlap, so each layer
 * has its own range):
 *   0x000 | service   confirmed service (readProperty = 12, ...)
 *   0x100 | service   unconfirmed service (who-Is = 0x108, i-Am = 0x100, ...)
 *   0x200 | type      network layer message (Who-Is-Router-To-Network = 0x200, ...)
 *   0x300 | function  BVLC control function (Read-BDT = 0x302, Register-FD = 0x305, ...)
 */
#ifndef OTW_BACNET_H
#define OTW_BACNET_H

#include "dissector.h"
#include "facts.h"

#define BN_PORT 47808
#define BN_MAX_PENDING 16 /* confirmed requests and BVLC requests in flight per flow */

#define BN_FN_UNCONFIRMED 0x100
#define BN_FN_NETWORK 0x200
#define BN_FN_BVLC 0x300

/* One confirmed request (or BVLC request) waiting for its answer. Kept
 * compact and in arrival order (pending[0] is the oldest). */
typedef struct bn_pending {
    uint64_t ts_us;
    uint32_t address_start, address_count;
    uint32_t dnet;
    uint16_t function;
    uint8_t invoke;
    uint8_t dir; /* otw_dir of the request */
    bool has_address;
    bool has_dnet;
    char object[48];
} bn_pending;

typedef struct bn_session {
    bn_pending pending[BN_MAX_PENDING];
    uint32_t n_pending;
    /* counters, for tests and stats */
    uint64_t n_requests;
    uint64_t n_responses;
    uint64_t n_unmatched_responses;
    uint64_t n_pending_evicted;
    uint64_t n_malformed;
    uint64_t n_segments; /* segments after the first and segment ACKs: not operations */
} bn_session;

void bn_session_init(void *session);

/* One UDP datagram (BVLC header first). Confirmed requests are remembered and
 * matched by invoke id with the answer travelling the other way (simple/
 * complex ACK, error, reject, abort), whichever side of the flow sent the
 * request. Unconfirmed services, network layer messages and BVLC control
 * functions give one op each (BVLC requests are matched with their Result /
 * Ack). I-Am and readProperty(-Multiple) answers about a device object give
 * identities. Returns NOT_MINE when the BVLC header is not BACnet/IP,
 * MALFORMED when the content does not fit its declared structure. */
otw_parse_status bn_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                          uint64_t ts_us, const otw_sink *sink);

/* Emits pending requests older than ts_us - timeout_us as NO_RESPONSE
 * (timeout_us == 0: all of them). */
void bn_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

/* Names (static strings; "Unknown" when not standard). */
const char *bn_confirmed_name(uint8_t service);
const char *bn_unconfirmed_name(uint8_t service);
const char *bn_network_msg_name(uint8_t type);
const char *bn_bvlc_name(uint8_t function);
const char *bn_object_type_name(uint16_t type);  /* NULL when not standard */
const char *bn_property_name(uint32_t property); /* NULL when not in the table */

extern const otw_dissector bacnet_dissector;

#endif
