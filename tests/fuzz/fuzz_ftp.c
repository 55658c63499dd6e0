/* fuzz_ftp.c - libFuzzer target for the ftp login dissector (ftp.c): a
 * conversation of segments in both directions through the dissector's own
 * framing (see login_fuzz.h). */
#include "ftp.h"
#include "login_fuzz.h"

LOGIN_FUZZER(ftp_dissector)
