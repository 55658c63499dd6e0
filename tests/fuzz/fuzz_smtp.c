/* fuzz_smtp.c - libFuzzer target for the smtp login dissector (smtp.c): a
 * conversation of segments in both directions through the dissector's own
 * framing (fuzz_conversation in fuzz_harness.h). */
#include "fuzz_harness.h"
#include "smtp.h"

FUZZ_CONVERSATION(smtp_dissector)
