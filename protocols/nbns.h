/* nbns.h - NetBIOS Name Service (RFC 1001 sections 14-15, RFC 1002 section 4.2).
 *
 * Stateless, UDP 137. Registrations, positive name query responses and node
 * status responses name a Windows/SMB host.
 */
#ifndef OTW_NBNS_H
#define OTW_NBNS_H

#include "dissector.h"
#include "facts.h"

otw_parse_status nbns_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink);

/* First-level decoding (RFC 1001 14.1) of a 32-byte encoded name: name
 * (15 bytes, trailing blanks removed, cleaned, NUL-terminated) and suffix.
 * False if enc is not 32 bytes of 'A'..'P'. */
bool nbns_decode_name(const uint8_t *enc, size_t n, char name[16], uint8_t *suffix);

extern const otw_dissector nbns_dissector;

#endif
