/* fuzz_pop3.c - libFuzzer target for the pop3 login dissector (pop3.c): a
 * conversation of segments in both directions through the dissector's own
 * framing (fuzz_conversation in fuzz_harness.h). */
#include "fuzz_harness.h"
#include "pop3.h"

FUZZ_CONVERSATION(pop3_dissector)
