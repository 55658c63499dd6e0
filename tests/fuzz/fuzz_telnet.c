/* fuzz_telnet.c - libFuzzer target for the telnet login dissector (telnet.c): a
 * conversation of segments in both directions through the dissector's own
 * framing (see login_fuzz.h). */
#include "telnet.h"
#include "login_fuzz.h"

LOGIN_FUZZER(telnet_dissector)
