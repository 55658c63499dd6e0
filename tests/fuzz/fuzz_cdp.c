/* fuzz_cdp.c - libFuzzer target for CDP (protocols/cdp.c).
 *
 * Input: a sequence of datagrams, each a 2-byte big-endian length then that
 * many bytes (a length past the end takes what is left), as the sensor
 * hands whole UDP payloads / link-layer payloads to parse(). Directions
 * alternate. Driver and sink checks: fuzz_harness.h.
 * Seeds: tests/fuzz/corpus/cdp/ (same format).
 */
#include "cdp.h"
#include "fuzz_harness.h"

FUZZ_TARGET(.d = &cdp_dissector, .cut = fuzz_cut_dgram)
