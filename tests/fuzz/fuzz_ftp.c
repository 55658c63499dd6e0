/* fuzz_ftp.c - libFuzzer target for the ftp login dissector (ftp.c): a
 * conversation of segments in both directions through the dissector's own
 * framing (fuzz_conversation in fuzz_harness.h). */
#include "ftp.h"
#include "fuzz_harness.h"

FUZZ_CONVERSATION(ftp_dissector)
