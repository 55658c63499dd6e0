/* fuzz_vnc.c - libFuzzer target for the vnc login dissector (vnc.c): a
 * conversation of segments in both directions through the dissector's own
 * framing (see login_fuzz.h). */
#include "vnc.h"
#include "login_fuzz.h"

LOGIN_FUZZER(vnc_dissector)
