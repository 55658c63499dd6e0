/* fuzz_snmp.c - libFuzzer target for SNMP (protocols/snmp.c).
 *
 * Input: a sequence of datagrams, each a 2-byte big-endian length then that
 * many bytes (a length past the end takes what is left), as the sensor
 * hands whole UDP payloads / link-layer payloads to parse(). Directions
 * alternate. The session never holds more than SNMP_MAX_PENDING requests
 * and is empty after the final flush. Driver and sink checks:
 * fuzz_harness.h.
 * Seeds: tests/fuzz/corpus/snmp/ (same format).
 */
#include "fuzz_harness.h"
#include "snmp.h"

FUZZ_PENDING_CHECK(check_session, snmp_session, SNMP_MAX_PENDING)

FUZZ_TARGET(.d = &snmp_dissector, .cut = fuzz_cut_dgram, .check_session = check_session)
