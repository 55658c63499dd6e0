/* fuzz_imap.c - libFuzzer target for the imap login dissector (imap.c): a
 * conversation of segments in both directions through the dissector's own
 * framing (see login_fuzz.h). */
#include "imap.h"
#include "login_fuzz.h"

LOGIN_FUZZER(imap_dissector)
