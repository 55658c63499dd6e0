/* ssdp.h - Simple Service Discovery Protocol (UPnP Device Architecture 2.0,
 * section 1 "Discovery": HTTPU NOTIFY, M-SEARCH and search responses).
 *
 * Stateless, UDP 1900.
 */
#ifndef OTW_SSDP_H
#define OTW_SSDP_H

#include "dissector.h"
#include "facts.h"

#define SSDP_MAX_LINES 48 /* header lines looked at per message */

otw_parse_status ssdp_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink);

extern const otw_dissector ssdp_dissector;

#endif
