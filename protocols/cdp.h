/* cdp.h - Cisco Discovery Protocol version 1 and 2.
 *
 * Stateless, link layer: 802.3 + LLC/SNAP with OUI 00-00-0C and PID 0x2000,
 * which the sensor passes as the "ethertype". The identity is the sender's.
 */
#ifndef OTW_CDP_H
#define OTW_CDP_H

#include "dissector.h"
#include "facts.h"

#define CDP_SNAP_PID 0x2000

otw_parse_status cdp_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                           uint64_t ts_us, const otw_sink *sink);

extern const otw_dissector cdp_dissector;

#endif
