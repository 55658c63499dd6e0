/* fuzz_nbns.c - libFuzzer target for the NetBIOS name service (protocols/nbns.c).
 *
 * Input: a sequence of datagrams, each a 2-byte big-endian length then that
 * many bytes (a length past the end takes what is left), as the sensor
 * hands whole UDP payloads / link-layer payloads to parse(). Directions
 * alternate. Driver and sink checks: fuzz_harness.h.
 * Seeds: tests/fuzz/corpus/nbns/ (same format).
 */
#include "fuzz_harness.h"
#include "nbns.h"

FUZZ_TARGET(.d = &nbns_dissector, .cut = fuzz_cut_dgram)
