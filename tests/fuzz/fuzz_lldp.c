/* fuzz_lldp.c - libFuzzer target for LLDP (protocols/lldp.c).
 *
 * Input: a sequence of datagrams, each a 2-byte big-endian length then that
 * many bytes (a length past the end takes what is left), as the sensor
 * hands whole UDP payloads / link-layer payloads to parse(). Directions
 * alternate. Driver and sink checks: fuzz_harness.h.
 * Seeds: tests/fuzz/corpus/lldp/ (same format).
 */
#include "fuzz_harness.h"
#include "lldp.h"

FUZZ_TARGET(.d = &lldp_dissector, .cut = fuzz_cut_dgram)
