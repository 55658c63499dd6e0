/* snmp.h - SNMP v1 (RFC 1157), v2c (RFC 1901, RFC 3416 PDUs) and the
 * cleartext part of v3 (RFC 3412 section 6), in BER (ITU-T X.690).
 *
 * Requests are matched with responses by request-id in a per-flow session.
 * The community string is never copied anywhere: it reaches the sink's
 * credential callback as a pointer into the PDU (issue 6).
 */
#ifndef OTW_SNMP_H
#define OTW_SNMP_H

#include "dissector.h"
#include "facts.h"

#define SNMP_MAX_PENDING 16
#define SNMP_MAX_VARBINDS 64 /* looked at per PDU */

typedef struct snmp_pending {
    uint32_t request_id;
    uint8_t pdu_type;
    uint64_t ts_us;
    char object[48];    /* first varbind OID */
    bool has_community; /* v1/v2c request: a login attempt (the community itself is not kept) */
} snmp_pending;

typedef struct snmp_session {
    snmp_pending pending[SNMP_MAX_PENDING];
    uint32_t n_pending;  /* 0..n_pending-1 in arrival order */
    bool agent_answered; /* a v1/v2c response was seen: silence now means a refused community */
    uint64_t n_requests, n_responses, n_unmatched_responses, n_malformed, n_encrypted;
} snmp_session;

void snmp_session_init(void *session);
otw_parse_status snmp_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink);
void snmp_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

/* PDU type (context tag number 0..8) -> "get-request", ..., "Unknown". */
const char *snmp_pdu_name(uint8_t pdu_type);
/* BER OID content -> dotted text; false if malformed (arc > 32 bits,
 * unterminated arc, empty). */
bool snmp_oid_text(const uint8_t *oid, size_t n, char *out, size_t outsz);

extern const otw_dissector snmp_dissector;

#endif
