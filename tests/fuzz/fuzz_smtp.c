/* fuzz_smtp.c - libFuzzer target for the smtp login dissector (smtp.c): a
 * conversation of segments in both directions through the dissector's own
 * framing (see login_fuzz.h). */
#include "smtp.h"
#include "login_fuzz.h"

LOGIN_FUZZER(smtp_dissector)
