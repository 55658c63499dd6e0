/* s7comm.h - Siemens S7 communication (S7comm, protocol id 0x32) and
 * S7comm-plus (protocol id 0x72) over ISO-on-TCP.
 *
 * References: RFC 1006 (ISO transport on top of TCP, TPKT), ISO 8073 /
 * ITU-T X.224 (COTP class 0: CR, CC, DR, DC, DT, ER), Siemens "System Software
 * for S7-300/400 System and Standard Functions" (SZL lists 0x0011, 0x001C),
 * and the public descriptions of the S7comm and S7comm-plus PDU layouts in
 * the Wireshark S7comm dissector documentation (header, ROSCTR, parameter
 * and data parts, userdata groups, block transfer, PI services).
 *
 * Pure: all state is the caller-owned s7_session; no globals, no allocation.
 */
#ifndef OTW_S7COMM_H
#define OTW_S7COMM_H

#include "dissector.h"
#include "facts.h"

#define S7_TPKT_LEN 4
#define S7_MAX_PENDING 24 /* requests in flight per flow (S7comm-plus pipelines ~20) */
#define S7_OBJECT_LEN 32  /* object text kept per pending request */
#define S7_SZL_CARRY 64   /* one SZL record split between two userdata fragments */

/* otw_op.function for userdata: 0x7000 | function group << 8 | subfunction
 * (7 = the userdata ROSCTR), e.g. 0x7401 Read SZL, 0x7501 PLC password.
 * Job functions keep their one-byte code (0x04 Read Var, 0xf0 Setup...);
 * S7comm-plus functions their 16-bit code (0x04ca CreateObject...). */
#define S7_UD_FUNCTION(group, sub) ((uint16_t)(0x7000u | ((unsigned)(group)&0x0Fu) << 8 | (sub)))

enum s7_kind { S7_KIND_JOB = 1, S7_KIND_USERDATA, S7_KIND_PLUS };

/* One request waiting for its response, in arrival order. */
typedef struct s7_pending {
    uint64_t ts_us;
    uint32_t address_start;
    uint32_t address_count;
    const char *function_name; /* static */
    uint16_t ref;              /* S7comm PDU reference / S7comm-plus sequence number */
    uint16_t function;
    uint16_t szl_id; /* Read SZL request: the list asked for */
    uint8_t kind;    /* enum s7_kind */
    uint8_t dir;     /* direction the request travelled */
    uint8_t op_class;
    bool has_address;
    bool szl_followup; /* Read SZL request for the next fragment */
    char object[S7_OBJECT_LEN];
} s7_pending;

/* A Read SZL answer of a tracked list (0x..11, 0x..1C) split over several
 * userdata fragments: records are parsed as they come, a record cut by a
 * fragment boundary waits in carry. */
typedef struct s7_szl_state {
    bool active;
    uint8_t dur; /* data unit reference of the fragmented answer */
    uint16_t szl_id;
    uint16_t rec_len; /* length of one record */
    uint8_t carry_len;
    uint8_t carry[S7_SZL_CARRY];
    /* 0x001C module name and plant id, kept so that every fragment's
     * identity carries the whole detail text */
    char module[33];
    char plant[33];
} s7_szl_state;

typedef struct s7_session {
    s7_pending pending[S7_MAX_PENDING];
    uint32_t n_pending;
    s7_szl_state szl;
    bool has_slot; /* from the COTP CR/CC TSAPs */
    uint8_t rack, slot;
    bool plus_cont[2]; /* per direction: an S7comm-plus PDU continues */
    /* counters, for tests and stats */
    uint32_t n_requests;
    uint32_t n_responses;
    uint32_t n_unmatched_responses;
    uint32_t n_pending_evicted;
    uint32_t n_malformed;
    uint32_t n_notifications; /* cyclic pushes, S7comm-plus notifications */
    uint32_t n_opaque;        /* TLS records, COTP segments, other unparsed payloads */
    /* PLC password of the pending request pw_ref, held only until its answer
     * (issue 6: reported as a credential, then wiped) */
    bool pw_held;
    uint8_t pw_len;
    uint16_t pw_ref;
    uint8_t pw[8];
} s7_session;

void s7_session_init(void *session);

/* TPKT framing: the TPKT length (>= 7) when buf starts with version 3,
 * reserved 0; OTW_FRAME_NEED_MORE below 4 bytes; OTW_FRAME_NOT_MINE else. */
long s7_frame_len(const uint8_t *buf, size_t len);

/* Parses one TPKT (COTP + S7comm / S7comm-plus) in direction dir. */
otw_parse_status s7_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                          uint64_t ts_us, const otw_sink *sink);

/* Emits pending requests older than ts_us - timeout_us as NO_RESPONSE
 * (timeout_us == 0: all of them). */
void s7_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

/* Names (static strings, "Unknown" when unknown). */
const char *s7_job_function_name(uint8_t function);
const char *s7_userdata_function_name(uint8_t group, uint8_t subfunction);
const char *s7_plus_function_name(uint16_t function);
/* Area mnemonic of an S7ANY item ("M", "I", "Q", "DB", ...), NULL if unknown. */
const char *s7_area_name(uint8_t area);

extern const otw_dissector s7_dissector;

#endif
