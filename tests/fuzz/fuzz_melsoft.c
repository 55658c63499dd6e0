/* fuzz_melsoft.c - libFuzzer target for the MELSOFT engineering protocol dissector (melsoft.c).
 *
 * The input is cut into PDUs the way the TCP stream layer would (via
 * melsoft_frame_len), falling back to a length taken from the input when
 * the bytes do not frame (up to 128 bytes), so garbage and UDP-style
 * datagrams reach melsoft_parse too. Directions alternate. An exception
 * code only comes with an exception outcome. Driver and sink checks:
 * fuzz_harness.h.
 */
#include "fuzz_harness.h"
#include "melsoft.h"

FUZZ_PENDING_CHECK(check_session, melsoft_session, MELSOFT_MAX_PENDING)

FUZZ_TARGET(.d = &melsoft_dissector, .cut = fuzz_cut_stream, .garbage_max = 128, .reframe = true,
            .check_session = check_session, .exception_code_needs_outcome = true)
