/* fuzz_imap.c - libFuzzer target for the imap login dissector (imap.c): a
 * conversation of segments in both directions through the dissector's own
 * framing (fuzz_conversation in fuzz_harness.h). */
#include "fuzz_harness.h"
#include "imap.h"

FUZZ_CONVERSATION(imap_dissector)
