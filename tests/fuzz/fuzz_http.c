/* fuzz_http.c - libFuzzer target for the http login dissector (http.c): a
 * conversation of segments in both directions through the dissector's own
 * framing (see login_fuzz.h). */
#include "http.h"
#include "login_fuzz.h"

LOGIN_FUZZER(http_dissector)
