/* enip.h - EtherNet/IP encapsulation and CIP explicit messaging.
 *
 * References: The CIP Networks Library, Volume 2 "EtherNet/IP Adaptation of
 * CIP" (ODVA), chapter 2 (encapsulation header, commands, Common Packet
 * Format, List Identity); Volume 1 "Common Industrial Protocol" (ODVA),
 * chapter 2 (message router request/response), chapter 3 (Connection
 * Manager: Unconnected Send, Forward Open/Close), chapter 4 and appendix A
 * (common services, Multiple Service Packet), chapter 5 (Identity and File
 * objects), appendix C (EPATH segments). Logix tag services after Rockwell
 * Automation publication 1756-PM020 "Logix 5000 Data Access".
 *
 * What becomes an otw_op:
 * - every CIP request carried by SendRRData (unconnected) or SendUnitData
 *   (connected, class 3): function = the CIP service code (0x00-0x7F).
 *   Unconnected Send (0x52 to the Connection Manager) and Multiple Service
 *   Packet (0x0A) are unwrapped: each embedded service is its own op, the
 *   wrappers are not ops;
 * - the encapsulation commands that expect a reply: ListIdentity,
 *   ListServices, ListInterfaces, RegisterSession, with function =
 *   ENIP_FUNC_ENCAP | command (0x163, 0x104, 0x164, 0x165) so they can never
 *   be mistaken for a CIP service code. NOP and UnRegisterSession have no
 *   reply and are not ops.
 * UDP port 2222 (class 0/1 implicit I/O, a bare Common Packet Format) is
 * recognised and counted in the session (n_io_datagrams), nothing emitted.
 *
 * Pure: all state is the caller-owned enip_session; no globals, no allocation.
 */
#ifndef OTW_ENIP_H
#define OTW_ENIP_H

#include "dissector.h"
#include "facts.h"

#define ENIP_HDR_LEN 24
#define ENIP_FUNC_ENCAP 0x100 /* otw_op.function of encapsulation-level ops */

/* Encapsulation commands (Vol 2, table 2-3.2). */
#define ENIP_CMD_NOP 0x0000
#define ENIP_CMD_LIST_SERVICES 0x0004
#define ENIP_CMD_LIST_IDENTITY 0x0063
#define ENIP_CMD_LIST_INTERFACES 0x0064
#define ENIP_CMD_REGISTER_SESSION 0x0065
#define ENIP_CMD_UNREGISTER_SESSION 0x0066
#define ENIP_CMD_SEND_RR_DATA 0x006F
#define ENIP_CMD_SEND_UNIT_DATA 0x0070
#define ENIP_CMD_INDICATE_STATUS 0x0072
#define ENIP_CMD_CANCEL 0x0073

#define ENIP_MAX_PENDING 10 /* encapsulation PDUs waiting for their reply */
#define ENIP_MAX_SLOTS 96   /* CIP requests in those PDUs (MSP entries count one each) */
#define ENIP_NAME_ARENA 512 /* bytes of tag names kept for those requests */
#define ENIP_NAME_MAX 47    /* longest tag name kept (otw_op.object - 1) */

/* One CIP request waiting for its reply (12 bytes: HMIs pipeline many). */
typedef struct enip_slot {
    uint16_t instance_lo; /* instance, or the element index of a tag */
    uint16_t instance_hi;
    uint16_t cls;
    uint16_t attribute; /* or the element count of a tag service */
    uint8_t name_len;   /* tag name: the next name_len bytes of the arena */
    uint8_t service;
    uint8_t op_class;
    uint8_t flags;
} enip_slot;

/* One encapsulation PDU waiting for its reply; its CIP requests are
 * slots[first_slot .. first_slot + n_slots - 1]. Slots keep their tag
 * names in the arena in slot order (a slot's name starts where the names
 * of the slots before it end), so the pending list, the slots and the
 * arena are all in arrival order. */
typedef struct enip_pending {
    uint64_t ts_us;
    uint64_t key;     /* sender context, or the CIP sequence count (SendUnitData) */
    uint32_t session; /* session handle */
    uint16_t command;
    uint8_t wrap; /* how the reply is laid out */
    uint8_t first_slot;
    uint8_t n_slots;
    uint8_t unit; /* backplane slot of an Unconnected Send route */
} enip_pending;

typedef struct enip_session {
    enip_pending pending[ENIP_MAX_PENDING];
    enip_slot slots[ENIP_MAX_SLOTS];
    char names[ENIP_NAME_ARENA];
    uint32_t n_pending;
    uint32_t n_slots;
    uint32_t names_used;
    /* counters, for tests and stats */
    uint32_t n_requests; /* encapsulation requests */
    uint32_t n_responses;
    uint32_t n_unmatched_responses;
    uint32_t n_pending_evicted;
    uint32_t n_malformed;
    uint32_t n_io_datagrams; /* UDP 2222 implicit I/O */
    uint32_t n_overflow;     /* CIP requests given up or names not kept for lack of room */
} enip_session;

void enip_session_init(void *session);

/* Encapsulation framing: 24 + length for a known command, NEED_MORE below
 * 24 bytes (or 2 when the command is already unknown: NOT_MINE). */
long enip_frame_len(const uint8_t *buf, size_t len);

/* One encapsulation PDU (TCP) or UDP datagram (44818: encapsulation, 2222:
 * implicit I/O). Requests are remembered, replies matched by session
 * handle + sender context (SendRRData, List*, RegisterSession) or by the
 * CIP sequence count (SendUnitData). */
otw_parse_status enip_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink);

/* Emits pending requests older than ts_us - timeout_us as NO_RESPONSE
 * (timeout_us == 0: all of them). */
void enip_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

/* Names for reports and tests ("Programmable Logic Controller"), NULL if
 * not a known CIP device profile; the service name ("Read Tag") given the
 * class it was sent to (0xFFFF: unknown) and whether the path was symbolic. */
const char *enip_device_type_name(uint16_t device_type);
const char *enip_service_name(uint8_t service, uint16_t cls, bool symbolic);

extern const otw_dissector enip_dissector;

#endif
