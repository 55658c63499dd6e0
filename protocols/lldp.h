/* lldp.h - Link Layer Discovery Protocol (IEEE 802.1AB-2016, clause 8),
 * with the LLDP-MED inventory TLVs (ANSI/TIA-1057, section 10.2.6).
 *
 * Stateless, link layer (Ethertype 0x88CC): the identity is the sender's
 * (the frame's source MAC, chosen by the sensor).
 */
#ifndef OTW_LLDP_H
#define OTW_LLDP_H

#include "dissector.h"
#include "facts.h"

#define LLDP_ETHERTYPE 0x88CC

otw_parse_status lldp_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink);

extern const otw_dissector lldp_dissector;

#endif
