/* enforce.h - TCP resets for sessions that violate a zone rule with
 * `action: reset` (RFC 9293 section 3.10.7.4: an RST is accepted when its
 * sequence number is the next one expected, so both are taken from the
 * segment just seen).
 *
 * For a segment A -> B (seq S, ack K, L bytes of data, SYN/FIN count one):
 *   toward B, as if from A: seq S+L, ack K, RST+ACK;
 *   toward A, as if from B: seq K, ack S+L, RST+ACK (only when the segment
 *   carries an ACK: otherwise K means nothing).
 * Frames are Ethernet (with the segment's VLAN tags), built here into a
 * buffer and written with libnet (link layer, advanced mode) on
 * enforcement.interface. Only Ethernet captures can be answered.
 *
 * Safety: enforcement.enabled is the global switch; dry_run logs what would
 * be sent and sends nothing; offline reads never send (they behave as dry
 * run); a token bucket on capture time caps resets per second (one reset =
 * the two frames of one session); a flow is reset at most
 * OTW_ENFORCE_MAX_PER_FLOW times. Which sessions qualify (never inside one
 * zone, industrial protocols only when the rule names them) is zones.c's
 * verdict, the caller's input here.
 *
 * Every reset, sent or not, is one JSON line in the enforcement log
 * (enforcement.jsonl in the state directory): time, action ("reset",
 * "would_reset", "rate_limited", "failed"), the rule, zones, service,
 * endpoints and sequence numbers. The sensor also counts them in a
 * ZONE_RESET alert per pair and service.
 */
#ifndef OTW_ENFORCE_H
#define OTW_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "decode.h"

#define OTW_ENFORCE_MAX_PER_FLOW 3
#define OTW_ENFORCE_FRAME_MAX 80 /* Ethernet + 2 VLAN tags + IPv6 + TCP */

typedef struct otw_enforce otw_enforce;

typedef enum otw_enforce_result {
    OTW_ENFORCE_OFF = 0,      /* enforcement disabled: nothing done, nothing logged */
    OTW_ENFORCE_SENT,         /* both (or the one possible) frames written */
    OTW_ENFORCE_DRY_RUN,      /* logged as would_reset */
    OTW_ENFORCE_RATE_LIMITED, /* over max_resets_per_second: logged, not sent */
    OTW_ENFORCE_UNSUPPORTED,  /* not an Ethernet TCP segment (or an RST): nothing done */
    OTW_ENFORCE_FAILED        /* the write failed: logged */
} otw_enforce_result;

typedef struct otw_enforce_stats {
    uint64_t sent, would_reset, rate_limited, failed, frames;
} otw_enforce_stats;

/* Who and why, for the log line. */
typedef struct otw_enforce_info {
    const char *rule; /* conduit name */
    const char *client_zone, *server_zone;
    const char *service; /* "tcp/502 modbus" */
} otw_enforce_info;

/* Writes one frame; returns 0 or -1. Replaces libnet (tests). */
typedef int (*otw_enforce_send_fn)(void *ctx, const uint8_t *frame, size_t len);

/* log: where event lines go (may be NULL); not closed by otw_enforce_free. */
otw_enforce *otw_enforce_new(FILE *log);
void otw_enforce_free(otw_enforce *e);
/* Takes enabled, dry_run, interface and the rate from cfg. live: packets
 * come from an interface (else everything is dry run). Opens the injection
 * interface when it will be needed (live, enabled, not dry run); on failure
 * returns -1 + err and keeps the previous settings. */
int otw_enforce_configure(otw_enforce *e, const otw_config *cfg, bool live, char *err,
                          size_t errsz);
void otw_enforce_set_sender(otw_enforce *e, otw_enforce_send_fn fn, void *ctx);
bool otw_enforce_enabled(const otw_enforce *e);

/* Answers segment p (from an Ethernet frame, dlt) of a violating session
 * with resets toward both ends, within the rate limit. ts_us: capture time. */
otw_enforce_result otw_enforce_reset(otw_enforce *e, int dlt, const otw_packet *p,
                                     const otw_enforce_info *info, uint64_t ts_us);
const otw_enforce_stats *otw_enforce_get_stats(const otw_enforce *e);

/* Builds the RST toward the segment's receiver (toward_sender false) or its
 * sender (true) into buf. Returns the frame length, 0 if it cannot be built
 * (not TCP, no MACs, buffer too small, toward the sender without ACK). */
size_t otw_enforce_build_rst(const otw_packet *p, bool toward_sender, uint8_t *buf, size_t bufsz);

/* Opens the libnet handle for iface before privileges are dropped (`run`);
 * otw_enforce_configure uses it for that interface. 0 or -1 + err. */
int otw_enforce_preopen(const char *iface, char *err, size_t errsz);

#endif
