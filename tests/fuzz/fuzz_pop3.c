/* fuzz_pop3.c - libFuzzer target for the pop3 login dissector (pop3.c): a
 * conversation of segments in both directions through the dissector's own
 * framing (see login_fuzz.h). */
#include "pop3.h"
#include "login_fuzz.h"

LOGIN_FUZZER(pop3_dissector)
