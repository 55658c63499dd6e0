/* dhcp.h - BOOTP/DHCP client identity (RFC 951, RFC 2131, RFC 2132).
 *
 * Stateless. Client messages (DISCOVER, REQUEST, INFORM) describe the client
 * hardware address: host name, vendor class, parameter request list, client
 * identifier. A server ACK binds the client hardware address to its address.
 */
#ifndef OTW_DHCP_H
#define OTW_DHCP_H

#include "dissector.h"
#include "facts.h"

#define DHCP_FIXED_LEN 236 /* op .. file, RFC 2131 figure 1 */

otw_parse_status dhcp_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink);

/* Role hint for a vendor class identifier (option 60), OTW_HINT_NONE when
 * the string is not a well-known marker. */
otw_role_hint dhcp_vendor_class_hint(const char *vendor_class);

extern const otw_dissector dhcp_dissector;

#endif
