/* melsoft.h - MELSOFT, the engineering protocol between GX Works and MELSEC
 * CPUs (undocumented by the vendor).
 *
 * References: Nozomi Networks, "Safety is not Security: Exploring
 * Authentication and Authorization in Mitsubishi Electric MELSEC Safety
 * PLCs" (Black Hat MEA 2023) and its public Wireshark plug-in (frame layout:
 * 21-byte Ethernet header, command header, command data; command codes for
 * logins, user registration, remote control, file access); the capture
 * iti_melsoft_UDP_clean_2.pcap (GX Works3 <-> FX5U over UDP 5560) for the
 * UDP variant and the discovery frames. See melsoft.c for what is confirmed
 * and what is inferred.
 *
 * Pure: all state is the caller-owned melsoft_session; no globals, no allocation.
 */
#ifndef OTW_MELSOFT_H
#define OTW_MELSOFT_H

#include "dissector.h"
#include "facts.h"

#define MELSOFT_HDR_LEN 21     /* magic .. size field */
#define MELSOFT_MAX_BODY 8192  /* largest body (after the header) accepted */
#define MELSOFT_MAX_PENDING 20 /* requests in flight per flow */

typedef struct melsoft_pending {
    uint64_t ts_us;
    uint32_t address_start;
    uint32_t address_count;
    uint16_t function; /* command code, or 0x5A00 | type for discovery */
    uint16_t ref;      /* packet reference (sequence) of the command */
    bool has_address;
    char object[48];
} melsoft_pending;

typedef struct melsoft_session {
    melsoft_pending pending[MELSOFT_MAX_PENDING]; /* arrival order, [0] oldest */
    uint32_t n_pending;
    uint64_t n_requests;
    uint64_t n_responses;
    uint64_t n_unmatched_responses;
    uint64_t n_pending_evicted;
    uint64_t n_malformed;
} melsoft_session;

void melsoft_session_init(void *session);

/* TCP framing of command frames (0x57 request, 0xD7 response): 21 + the
 * little-endian size at offset 0x13. Discovery frames are UDP only. */
long melsoft_frame_len(const uint8_t *buf, size_t len);

otw_parse_status melsoft_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                               uint64_t ts_us, const otw_sink *sink);

void melsoft_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

/* Name of a command code ("Username Login"), "MELSOFT command" if unknown. */
const char *melsoft_command_name(uint16_t command);
otw_op_class melsoft_command_class(uint16_t command);

extern const otw_dissector melsoft_dissector;

#endif
