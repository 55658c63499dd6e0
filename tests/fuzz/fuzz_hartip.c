/* fuzz_hartip.c - libFuzzer target for the HART-IP dissector (hartip.c).
 *
 * The input is cut into PDUs the way the TCP stream layer would (via
 * hartip_frame_len), falling back to a length taken from the input when the
 * bytes do not frame, so garbage reaches hartip_parse too. Directions
 * alternate. Driver and sink checks: fuzz_harness.h.
 */
#include "fuzz_harness.h"
#include "hartip.h"

FUZZ_PENDING_CHECK(check_session, hartip_session, HARTIP_MAX_PENDING)

FUZZ_TARGET(.d = &hartip_dissector, .cut = fuzz_cut_stream, .reframe = true,
            .check_session = check_session)
