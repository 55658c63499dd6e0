/* opcua.h - OPC UA binary (UA TCP + UA Secure Conversation), TCP 4840.
 *
 * References: IEC 62541-6 / OPC 10000-6 "OPC Unified Architecture Part 6:
 * Mappings" (5.2 binary encoding of built-in types: String, ByteString,
 * NodeId/ExpandedNodeId, LocalizedText, ExtensionObject, DiagnosticInfo;
 * 6.7 UA Secure Conversation: message/security/sequence headers, chunks;
 * 7.1 UA Connection Protocol: HEL, ACK, ERR), OPC 10000-4 "Part 4: Services"
 * (7.28/7.29 Request/ResponseHeader, service parameters) and the NodeIds of
 * the DefaultBinary encodings (OPC 10000-6 Annex A / NodeIds.csv).
 *
 * Pure: all state is the caller-owned ua_session; no globals, no allocation.
 *
 * otw_op.function is the numeric NodeId of the request's DefaultBinary
 * encoding (ReadRequest = 631, ...; OpenSecureChannel = 446,
 * CloseSecureChannel = 452), 0 for a MSG on a secured channel (function name
 * "encrypted MSG") and 1 for a transport ERR message.
 */
#ifndef OTW_OPCUA_H
#define OTW_OPCUA_H

#include "dissector.h"
#include "facts.h"

#define UA_PORT 4840
#define UA_HEADER_LEN 8
#define UA_MAX_PENDING 20 /* requests in flight per connection */

#define UA_FN_ENCRYPTED 0
#define UA_FN_ERR 1

#define UA_POLICY_UNKNOWN 0
#define UA_POLICY_NONE 1
#define UA_POLICY_SECURED 2

typedef struct ua_pending {
    uint64_t ts_us;
    uint32_t request_id;
    uint16_t function;
    uint8_t dir; /* otw_dir of the request */
    char object[48];
} ua_pending;

typedef struct ua_session {
    ua_pending pending[UA_MAX_PENDING];
    uint32_t n_pending;
    uint8_t policy; /* UA_POLICY_*, from the client's OpenSecureChannel */
    /* EndpointUrl of the last Hello, reported when the server acknowledges it. */
    char hello_url[120];
    /* A multi-chunk message in progress per direction (its request id). */
    bool cont_active[2];
    uint32_t cont_request_id[2];
    /* counters, for tests and stats */
    uint64_t n_requests;
    uint64_t n_responses;
    uint64_t n_unmatched_responses;
    uint64_t n_pending_evicted;
    uint64_t n_malformed;
    uint64_t n_chunks; /* continuation chunks, not operations */
} ua_session;

void ua_session_init(void *session);

/* UA TCP framing: MessageSize from the 8-byte header when the message type
 * (HEL ACK ERR RHE OPN MSG CLO) and chunk type (F C A) are valid,
 * OTW_FRAME_NEED_MORE with fewer than 8 bytes, OTW_FRAME_NOT_MINE otherwise. */
long ua_frame_len(const uint8_t *buf, size_t len);

/* One whole message chunk. Requests (OPN, MSG, CLO from either side, told by
 * the service type id) are remembered and matched by request id; the
 * response's ServiceResult gives the outcome. CreateSession request and
 * response and GetEndpoints responses give identities (client and server
 * application descriptions); a HEL's endpoint URL acknowledged by ACK gives
 * the server's endpoint. */
otw_parse_status ua_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                          uint64_t ts_us, const otw_sink *sink);

void ua_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);
void ua_oversized(void *session, otw_dir dir, const uint8_t *head, size_t head_len, size_t pdu_len,
                  uint64_t ts_us, const otw_sink *sink);

/* Name of a request/response type id ("ReadRequest"), NULL if not a service. */
const char *ua_service_name(uint32_t type_id);

extern const otw_dissector opcua_dissector;

#endif
