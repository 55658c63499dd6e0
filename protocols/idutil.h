/* idutil.h - small string helpers shared by the identity dissectors
 * (dhcp, lldp, cdp, nbns, mdns, ssdp, snmp).
 *
 * No printf on the packet path: numbers, addresses and OIDs are formatted by
 * hand. Every function is bounded by its destination size and always leaves
 * a NUL-terminated string; what does not fit is cut.
 */
#ifndef OTW_IDUTIL_H
#define OTW_IDUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissector.h"
#include "facts.h"

/* Appends src (a C string) to dst. */
void otw_idu_cat(char *dst, size_t dstsz, const char *src);
/* Appends "key=value" to a detail string, with ';' before it unless dst is
 * empty. An empty value appends nothing, nor does a key that would not
 * fit with at least one character of its value. */
void otw_idu_kv(char *dst, size_t dstsz, const char *key, const char *value);
/* Same with a wire string (cleaned by otw_copy_wire_string). */
void otw_idu_kv_wire(char *dst, size_t dstsz, const char *key, const uint8_t *src, size_t n);
/* Writes the names of the bits set in bits (bit b -> names[b], n names),
 * joined by ','. */
void otw_idu_bit_names(char *dst, size_t dstsz, uint32_t bits, const char *const *names, size_t n);
/* The end of a stateless parse: OTW_PARSE_OK, or the named anomaly (when
 * the sink takes anomalies) and OTW_PARSE_MALFORMED. */
otw_parse_status otw_idu_result(bool ok, const char *anomaly, const otw_sink *sink);
/* Decimal / dotted-quad / colon-hex formatters; write at most dstsz bytes. */
void otw_idu_u32(char *dst, size_t dstsz, uint32_t v);
void otw_idu_ipv4(char *dst, size_t dstsz, const uint8_t ip[4]);
void otw_idu_hex(char *dst, size_t dstsz, const uint8_t *src, size_t n, char sep);
/* Stores an IPv4 address as IPv4-mapped IPv6 (facts.h). */
void otw_idu_map_v4(uint8_t out[16], const uint8_t ip[4]);
/* Finds a firmware/software version in free text: the token after
 * "Version"/"version"/"Ver." or a word "v<digit>..."/"V<digit>...", e.g.
 * "Cisco IOS ..., Version 12.2(55)SE, RELEASE" -> "12.2(55)SE",
 * "SMCGS8P-Smart v3.20" -> "3.20". Returns false (out = "") if none. */
bool otw_idu_version(const char *text, char *out, size_t outsz);
/* strstr within a NUL-terminated string, ASCII case-insensitive. */
bool otw_idu_contains_ci(const char *hay, const char *needle);
bool otw_idu_prefix_ci(const char *s, const char *prefix);

/* Reads the DNS-encoded name (RFC 1035 4.1.4: labels, compression
 * pointers) at *off in msg (len bytes) into out as raw label bytes joined
 * by '.', NUL-terminated (outsz >= 1; a name longer than outsz-1 is cut).
 * *off moves past the name as stored in place. A pointer must point
 * before itself and at most OTW_IDU_MAX_HOPS are followed, so every name
 * read ends. Returns false on a bad label type, a pointer loop or forward
 * pointer, or running past msg. The raw bytes are hostile: clean them with
 * otw_copy_wire_string before they leave the dissector. */
#define OTW_IDU_MAX_HOPS 16
bool otw_idu_dns_name(const uint8_t *msg, size_t len, size_t *off, uint8_t *out, size_t outsz,
                      size_t *outlen);

#endif
