/* classify.h - general traffic classification with nDPI.
 *
 * nDPI sees the first packets of every flow until it decides or reaches
 * flows.ndpi_max_packets, then its per-flow state goes back to a fixed pool
 * (flows.ndpi_memory_mb). A flow that finds the pool empty is not
 * classified (counted). nDPI is the authority for general traffic only:
 * our own dissectors decide industrial protocols. */
#ifndef OTW_CLASSIFY_H
#define OTW_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "facts.h"
#include "flow.h"

typedef struct otw_classifier otw_classifier;

typedef struct otw_classify_stats {
    uint64_t classified, given_up, pool_exhausted, pool_slots;
} otw_classify_stats;

otw_classifier *otw_classifier_new(uint32_t memory_mb, uint32_t max_packets, char *err,
                                   size_t errsz);
void otw_classifier_free(otw_classifier *c);

/* Feeds one packet of an undecided flow. Returns true when the flow's
 * classification became final with this packet (f->ndpi_done set,
 * ndpi_master/app/category/risk filled, state released). */
bool otw_classify_packet(otw_classifier *c, otw_flow *f, const otw_packet *p);
/* Ends classification now (flow end): nDPI's best guess is kept. */
void otw_classify_finish(otw_classifier *c, otw_flow *f);

/* The nDPI id that names the flow: the application protocol if any, else
 * the master protocol; 0 = unknown. */
uint16_t otw_classify_proto(const otw_flow *f);
const char *otw_classify_proto_name(otw_classifier *c, uint16_t ndpi_id);
/* How many protocol ids nDPI knows (names for 0 .. n-1). */
uint32_t otw_classify_n_protos(otw_classifier *c);
/* Our dissector for what nDPI detected from the flow's bytes (not a port
 * guess: f->ndpi_detected), OTW_PROTO_NONE when nDPI names none of ours.
 * A hint only: the dissector decides (NOT_MINE still refutes it). */
otw_proto otw_classify_dissector(const otw_flow *f);
const char *otw_classify_category_name(otw_classifier *c, uint16_t category);
void otw_classify_get_stats(const otw_classifier *c, otw_classify_stats *out);

/* Identity nDPI learnt from a flow (nDPI 4.2 keeps no HTTP Server header):
 * client: HTTP/QUIC User-Agent -> detail "ua=...", role hint it_host for
 * desktop OS markers (Windows NT, Macintosh, X11) and iot for well-known
 * consumer device markers (checked first: smart TVs also say X11/Linux);
 * HTTP Host / TLS or QUIC SNI -> detail "host=" / "sni=" (what the client
 * talks to). SSH: the banner ("ssh=SSH-2.0-...") of the side whose packet
 * classified the flow (nDPI 4.2 keeps only the first banner it sees and
 * decides on it; which side sent it is known only at that moment).
 * Identities have protocol OTW_PROTO_NONE, about =
 * OTW_DIR_TO_SERVER for the client and OTW_DIR_TO_CLIENT for the server
 * (so a dissector sink attributes them to the flow's endpoints), no
 * has_mac/has_ip. Returns a bit mask: 1 = *client filled, 2 = *server
 * filled; 0 when the flow holds no nDPI state (already released). */
int otw_classify_identity(otw_classifier *c, const otw_flow *f, otw_identity *client,
                          otw_identity *server);

/* Called with what otw_classify_identity() found (NULL for an empty side)
 * when a flow's classification ends (otw_classify_packet deciding, or
 * otw_classify_finish), just before nDPI's flow state is released. Not
 * called when nothing was found. One callback per classifier; cb NULL
 * turns it off. The identities are valid during the call only. */
typedef void (*otw_classify_identity_cb)(void *ctx, otw_flow *f, const otw_identity *client,
                                         const otw_identity *server);
void otw_classifier_set_identity_cb(otw_classifier *c, otw_classify_identity_cb cb, void *ctx);

#endif
