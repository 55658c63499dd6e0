/* pndcp.h - PROFINET DCP (Discovery and basic Configuration Protocol),
 * Ethertype 0x8892.
 *
 * Reference: IEC 61158-6-10 (PROFINET IO application layer protocol), the
 * DCP clauses: FrameID values for DCP (0xFEFC Hello, 0xFEFD Get/Set, 0xFEFE
 * Identify multicast request, 0xFEFF Identify response), the DCP header
 * (ServiceID, ServiceType, Xid, ResponseDelay, DCPDataLength) and the DCP
 * blocks (Option, Suboption, DCPBlockLength, BlockInfo / BlockQualifier).
 * Also the PROFINET IO specification (PI order no. 2.712) which carries the
 * same text.
 *
 * Link-layer and stateless (session_size 0): requests and responses are
 * separate ops (a response is request_seen=false with response_ts = its own
 * time); the sender of a frame is its source MAC.
 */
#ifndef OTW_PNDCP_H
#define OTW_PNDCP_H

#include "dissector.h"
#include "facts.h"

#define PNDCP_ETHERTYPE 0x8892

#define PNDCP_FRAME_HELLO 0xFEFC
#define PNDCP_FRAME_GETSET 0xFEFD
#define PNDCP_FRAME_IDENT_REQ 0xFEFE
#define PNDCP_FRAME_IDENT_RSP 0xFEFF

#define PNDCP_SVC_GET 3
#define PNDCP_SVC_SET 4
#define PNDCP_SVC_IDENTIFY 5
#define PNDCP_SVC_HELLO 6

/* One frame after the Ethertype (FrameID first). Non-DCP PROFINET frames
 * (RT cyclic data, alarms, PTCP) are NOT_MINE without an anomaly; a DCP
 * frame whose header or blocks do not fit is MALFORMED. */
otw_parse_status pndcp_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                             uint64_t ts_us, const otw_sink *sink);

const char *pndcp_service_name(uint8_t service);

extern const otw_dissector pndcp_dissector;

#endif
