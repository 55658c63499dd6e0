/* iec104.h - IEC 60870-5-104 (telecontrol over TCP 2404).
 *
 * References: IEC 60870-5-104:2006 clause 5 (APCI: start 0x68, length,
 * I/S/U control fields) and clause 9 (ASDU field sizes for 104: 2-octet
 * cause of transmission, 2-octet common address, 3-octet IOA);
 * IEC 60870-5-101:2003 clause 7 (ASDU: type identification, variable
 * structure qualifier, cause of transmission, information elements and the
 * type table 7.3); IEC 60870-5-7 for the security type names.
 *
 * Pure: all state is the caller-owned iec104_session; no globals, no allocation.
 */
#ifndef OTW_IEC104_H
#define OTW_IEC104_H

#include "dissector.h"
#include "facts.h"

#define IEC104_START 0x68
#define IEC104_APCI_LEN 6     /* start, length, 4 control octets */
#define IEC104_MAX_APDU 255   /* 2 + length 253 */
#define IEC104_MAX_PENDING 32 /* commands in flight per flow */

/* Causes of transmission (IEC 60870-5-101 7.2.3). */
#define IEC104_COT_PER 1
#define IEC104_COT_SPONT 3
#define IEC104_COT_REQ 5
#define IEC104_COT_ACT 6
#define IEC104_COT_ACTCON 7
#define IEC104_COT_DEACT 8
#define IEC104_COT_DEACTCON 9
#define IEC104_COT_ACTTERM 10
#define IEC104_COT_INROGEN 20
#define IEC104_COT_UNKNOWN_TYPE 44
#define IEC104_COT_UNKNOWN_IOA 47

/* A command (or read) waiting for its confirmation. */
typedef struct iec104_pending {
    uint8_t type;
    uint8_t cause; /* 5 req, 6 act or 8 deact */
    uint8_t dir;   /* otw_dir of the request */
    uint8_t count; /* number of information objects */
    uint16_t ca;   /* common address */
    uint32_t ioa;  /* first information object address */
    uint64_t ts_us;
} iec104_pending;

typedef struct iec104_session {
    iec104_pending pending[IEC104_MAX_PENDING];
    uint32_t n_pending; /* oldest first */
    /* counters, for tests and stats */
    uint64_t n_i_frames;
    uint64_t n_s_frames;
    uint64_t n_u_frames;
    uint64_t n_startdt, n_stopdt, n_testfr; /* act and con */
    uint64_t n_monitor;   /* monitoring, file and other ASDUs: counted, not logged */
    uint64_t n_commands;  /* requests (act/deact, read req) */
    uint64_t n_responses; /* confirmations matched or not */
    uint64_t n_actterm;
    uint64_t n_unmatched_responses;
    uint64_t n_pending_evicted;
    uint64_t n_malformed;
} iec104_session;

void iec104_session_init(void *session);

/* 2 + length if the APCI is valid (0x68, 4 <= length <= 253), NEED_MORE
 * below 2 bytes, NOT_MINE otherwise. */
long iec104_frame_len(const uint8_t *buf, size_t len);

/* Parses one APDU. */
otw_parse_status iec104_parse(void *session, otw_dir dir, const uint8_t *apdu, size_t len,
                              uint64_t ts_us, const otw_sink *sink);

void iec104_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

/* "C_SC_NA_1 Single command", ... or "Unknown type". */
const char *iec104_type_name(uint8_t type);
/* "act", "actcon", "spont", "unknown IOA", ... or "unknown cause". */
const char *iec104_cause_name(uint8_t cause);

extern const otw_dissector iec104_dissector;

#endif
