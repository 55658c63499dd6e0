/* dns.h - DNS responses as names of addresses (RFC 1035 section 4, RFC 3596
 * AAAA, RFC 7766 DNS over TCP), for the exposure module (sensor/analysis/exposure.h).
 *
 * Stateless, UDP and TCP 53. Only responses emit: one identity per A/AAAA
 * answer (has_ip = the answered address, name = the question name). */
#ifndef OTW_DNS_H
#define OTW_DNS_H

#include "dissector.h"
#include "facts.h"

#define DNS_MAX_RECORDS 64 /* answer records looked at per message */
#define DNS_MAX_ADDRS 16   /* identities emitted per message */

otw_parse_status dns_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                           uint64_t ts_us, const otw_sink *sink);
/* TCP framing (RFC 1035 4.2.2, RFC 7766 8): a 2-byte length, then the message. */
long dns_frame_len(const uint8_t *buf, size_t len);

extern const otw_dissector dns_dissector;

#endif
