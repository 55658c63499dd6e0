/* hartip.h - HART-IP (HART over UDP and TCP, port 5094).
 *
 * References: FieldComm Group HCF_SPEC-85 "HART-IP Specification" (message
 * header, message types and ids, session initiate), HCF_SPEC-81 "Data Link
 * Layer" (token-passing PDU: delimiter, address, command, byte count,
 * response code, device status, checksum), HCF_SPEC-127 "Universal Command
 * Specification" and HCF_SPEC-151 "Common Practice Command Specification"
 * (command numbers, command 0 reply layout), HCF_SPEC-99 "Command Summary".
 *
 * What becomes an otw_op:
 * - every token-passing PDU request (message id 3): function = the HART
 *   command number (the 16-bit expanded number for command 31), unit = the
 *   polling address (short frame) or the 24-bit device id (long frame);
 * - Session Initiate, Session Close and Read Audit Log requests:
 *   function = HARTIP_FUNC_MSG | message id (0xFF00, 0xFF01, 0xFF80).
 * Keep Alive is housekeeping and no op; publish (burst) messages are
 * counted in the session (n_published), nothing emitted.
 * Requests and replies pair by sequence number.
 *
 * Pure: all state is the caller-owned hartip_session; no globals, no allocation.
 */
#ifndef OTW_HARTIP_H
#define OTW_HARTIP_H

#include "dissector.h"
#include "facts.h"

#define HARTIP_HDR_LEN 8
#define HARTIP_FUNC_MSG 0xFF00 /* otw_op.function of message-level ops */
#define HARTIP_MAX_PENDING 16

/* Message types and ids (HCF_SPEC-85). */
#define HARTIP_TYPE_REQUEST 0
#define HARTIP_TYPE_RESPONSE 1
#define HARTIP_TYPE_PUBLISH 2
#define HARTIP_TYPE_ERROR 3
#define HARTIP_TYPE_NAK 15
#define HARTIP_ID_SESSION_INITIATE 0
#define HARTIP_ID_SESSION_CLOSE 1
#define HARTIP_ID_KEEP_ALIVE 2
#define HARTIP_ID_PASS_THROUGH 3
#define HARTIP_ID_READ_AUDIT_LOG 128

typedef struct hartip_pending {
    uint64_t ts_us;
    uint32_t unit;
    uint16_t sequence;
    uint16_t function;
    uint8_t message_id;
    bool has_unit;
    bool long_addr; /* unit is a device id, not a polling address */
    uint8_t pad[5];
} hartip_pending;

typedef struct hartip_session {
    hartip_pending pending[HARTIP_MAX_PENDING];
    uint32_t n_pending;
    /* counters, for tests and stats */
    uint32_t n_requests;
    uint32_t n_responses;
    uint32_t n_unmatched_responses;
    uint32_t n_pending_evicted;
    uint32_t n_malformed;
    uint32_t n_published;
} hartip_session;

void hartip_session_init(void *session);

/* TCP framing: the header's byte count (the whole message), NEED_MORE
 * below 8 bytes, NOT_MINE for a header that cannot be HART-IP. */
long hartip_frame_len(const uint8_t *buf, size_t len);

otw_parse_status hartip_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                              uint64_t ts_us, const otw_sink *sink);

void hartip_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

/* "Read Unique Identifier", ... or "Device Specific Command" / "Unknown". */
const char *hartip_command_name(uint16_t command);
otw_op_class hartip_command_class(uint16_t command);

extern const otw_dissector hartip_dissector;

#endif
