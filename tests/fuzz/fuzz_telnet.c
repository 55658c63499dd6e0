/* fuzz_telnet.c - libFuzzer target for the telnet login dissector (telnet.c): a
 * conversation of segments in both directions through the dissector's own
 * framing (fuzz_conversation in fuzz_harness.h). */
#include "fuzz_harness.h"
#include "telnet.h"

FUZZ_CONVERSATION(telnet_dissector)
