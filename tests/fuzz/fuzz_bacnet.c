/* fuzz_bacnet.c - libFuzzer target for the BACnet/IP dissector (bacnet.c).
 *
 * The input is a sequence of datagrams, each preceded by a 2-byte header:
 * bit 15 = direction, bits 0..10 = length (capped at what is left), the way
 * the sensor hands UDP payloads over. Driver and sink checks:
 * fuzz_harness.h.
 */
#include "bacnet.h"
#include "fuzz_harness.h"

FUZZ_PENDING_CHECK(check_session, bn_session, BN_MAX_PENDING)

FUZZ_TARGET(.d = &bacnet_dissector, .cut = fuzz_cut_dgram_dir, .check_session = check_session)
