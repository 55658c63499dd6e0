/* boundary.h - `otwatch boundary`: every communication that crosses zones,
 * read from the store and placed with the CURRENT configuration (zones.h),
 * so a changed zone or conduit shows at once, without a new capture.
 *
 *   otwatch boundary [--config FILE] [--state DIR] [--format table|csv|json]
 *   otwatch boundary [--config FILE] [--state DIR] --export nft|acl-csv
 *
 * Listing: source and destination (address, zone, asset name), service
 * (transport, server port, protocol), direction (zone kinds, e.g.
 * "it->control"), first/last seen, flows, packets, bytes, verdict, the
 * conduit that allowed it or the rule and severity of a violation, and
 * remote access. Violations come first, then zone pair and addresses.
 * A conduit with time windows allows a communication only when its first
 * and its last time seen are both inside a window.
 *
 * Exports, the observed allowed set for a firewall change request:
 *  - nft: an nftables ruleset (table inet otwatch_boundary) for `nft -f`:
 *    established traffic, one accept per allowed (source, destination,
 *    transport, server port), then a drop for every ordered pair of zones
 *    with addresses; the forward chain's policy stays accept, so traffic
 *    outside the zones is left alone;
 *  - acl-csv: one "permit" row per allowed (source, destination, transport,
 *    port) with zones and conduit, then one "deny" row (default between
 *    zones).
 * Reads the store only (read-only), so it works beside a running sensor. */
#ifndef OTW_BOUNDARY_H
#define OTW_BOUNDARY_H

#include <stdio.h>

#include "comms.h"
#include "config.h"
#include "zones.h"

/* The subcommand: argv[0] is "boundary". Returns the exit status. */

/* The order of the boundary's rows (the report keeps it): violations
 * first, then by zone pair, client, server, transport, port and protocol. */
int otw_crossing_cmp(const otw_config *cfg, const otw_placement *pa, const otw_comm *a,
                     const char *proto_a, const otw_placement *pb, const otw_comm *b,
                     const char *proto_b);

/* The work behind it, for tests: format "table", "csv", "json", "nft" or
 * "acl-csv". Returns 0, or 1 with a message on stderr. */
int otw_boundary_write(const otw_config *cfg, const char *state_dir, const char *format, FILE *out);

#endif
