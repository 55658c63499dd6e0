/* slmp.h - MELSEC SLMP / MC protocol, QnA-compatible 3E and 4E frames.
 *
 * References: SLMP Reference Manual (Mitsubishi Electric SH-080956ENG),
 * sections "Message Format" (3E/4E, binary and ASCII), "Commands" (Device,
 * Remote Control, Remote Password, Type Name, Memory, Extend Unit, File)
 * and "End code"; MELSEC Communication Protocol Reference Manual
 * (SH-080008) for the same frames on Q/L series (MC protocol).
 *
 * Pure: all state is the caller-owned slmp_session; no globals, no allocation.
 */
#ifndef OTW_SLMP_H
#define OTW_SLMP_H

#include "dissector.h"
#include "facts.h"

#define SLMP_MAX_PENDING 24 /* requests in flight per flow */
#define SLMP_MAX_DATA 8192  /* largest request/response data length accepted */

/* Frame kinds (bit set). */
#define SLMP_FRAME_4E 0x01    /* 4E: serial number after the subheader */
#define SLMP_FRAME_ASCII 0x02 /* ASCII code instead of binary */

typedef struct slmp_pending {
    uint64_t ts_us;
    uint32_t address_start;
    uint32_t address_count;
    uint32_t expect_len; /* response data length the request implies, 0 = unchecked */
    uint16_t command;
    uint16_t subcommand;
    uint16_t serial; /* 4E serial number */
    uint8_t pc;      /* request destination station (PC) number */
    uint8_t frame;   /* SLMP_FRAME_* */
    bool has_address;
    char object[8]; /* device name: "D", "M", "ZR", ... */
} slmp_pending;

typedef struct slmp_session {
    slmp_pending pending[SLMP_MAX_PENDING]; /* arrival order, [0] oldest */
    uint32_t n_pending;
    uint64_t n_requests;
    uint64_t n_responses;
    uint64_t n_unmatched_responses;
    uint64_t n_pending_evicted;
    uint64_t n_malformed;
} slmp_session;

void slmp_session_init(void *session);

/* Length of the frame starting at buf: 3E/4E binary or ASCII, request or
 * response; OTW_FRAME_NEED_MORE while the header is incomplete,
 * OTW_FRAME_NOT_MINE when buf cannot start an SLMP frame. */
long slmp_frame_len(const uint8_t *buf, size_t len);

/* Parses one frame (TCP) or datagram (UDP). Requests wait in the session;
 * 4E responses match by serial number, 3E responses by arrival order. */
otw_parse_status slmp_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink);

void slmp_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

/* "Read", "Remote Run", ... or "Unknown". */
const char *slmp_command_name(uint16_t command, uint16_t subcommand);
otw_op_class slmp_command_class(uint16_t command);
/* Device name of a binary device code ("D" for 0xA8), NULL if unknown. */
const char *slmp_device_name(uint16_t code);

extern const otw_dissector slmp_dissector;

#endif
