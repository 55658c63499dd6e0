/* fuzz_http.c - libFuzzer target for the http login dissector (http.c): a
 * conversation of segments in both directions through the dissector's own
 * framing (fuzz_conversation in fuzz_harness.h). */
#include "fuzz_harness.h"
#include "http.h"

FUZZ_CONVERSATION(http_dissector)
