/* fuzz_fins.c - libFuzzer target for the Omron FINS (UDP and FINS/TCP) dissector (fins.c).
 *
 * The input is cut into PDUs the way the TCP stream layer would (via
 * fins_frame_len), falling back to a length taken from the input when the
 * bytes do not frame (up to 128 bytes), so garbage and UDP-style datagrams
 * reach fins_parse too. Directions alternate. An exception code only comes
 * with an exception outcome. Driver and sink checks: fuzz_harness.h.
 */
#include "fins.h"
#include "fuzz_harness.h"

FUZZ_PENDING_CHECK(check_session, fins_session, FINS_MAX_PENDING)

FUZZ_TARGET(.d = &fins_dissector, .cut = fuzz_cut_stream, .garbage_max = 128, .reframe = true,
            .check_session = check_session, .exception_code_needs_outcome = true)
