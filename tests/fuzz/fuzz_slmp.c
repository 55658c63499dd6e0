/* fuzz_slmp.c - libFuzzer target for the MELSEC SLMP / MC protocol dissector (slmp.c).
 *
 * The input is cut into PDUs the way the TCP stream layer would (via
 * slmp_frame_len), falling back to a length taken from the input when the
 * bytes do not frame (up to 128 bytes), so garbage and UDP-style datagrams
 * reach slmp_parse too. Directions alternate. An exception code only comes
 * with an exception outcome. Driver and sink checks: fuzz_harness.h.
 */
#include "fuzz_harness.h"
#include "slmp.h"

FUZZ_PENDING_CHECK(check_session, slmp_session, SLMP_MAX_PENDING)

FUZZ_TARGET(.d = &slmp_dissector, .cut = fuzz_cut_stream, .garbage_max = 128, .reframe = true,
            .check_session = check_session, .exception_code_needs_outcome = true)
