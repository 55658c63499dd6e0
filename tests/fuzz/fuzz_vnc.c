/* fuzz_vnc.c - libFuzzer target for the vnc login dissector (vnc.c): a
 * conversation of segments in both directions through the dissector's own
 * framing (fuzz_conversation in fuzz_harness.h). */
#include "fuzz_harness.h"
#include "vnc.h"

FUZZ_CONVERSATION(vnc_dissector)
