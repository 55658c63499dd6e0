/* mdns.h - Multicast DNS / DNS-Based Service Discovery (RFC 6762, RFC 6763)
 * over the DNS message format (RFC 1035 section 4.1).
 *
 * Stateless, UDP 5353. Only responses describe their sender.
 */
#ifndef OTW_MDNS_H
#define OTW_MDNS_H

#include "dissector.h"
#include "facts.h"

#define MDNS_MAX_RECORDS 64 /* records looked at per message */

otw_parse_status mdns_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink);

extern const otw_dissector mdns_dissector;

#endif
