/* fuzz_modbus.c - libFuzzer target for the Modbus/TCP dissector (modbus.c).
 *
 * The input is cut into ADUs the way the TCP stream layer would (via
 * mb_frame_len), falling back to a length taken from the input when the
 * bytes do not frame, so garbage reaches mb_parse_adu too. Directions
 * alternate. Driver and sink checks: fuzz_harness.h.
 */
#include "fuzz_harness.h"
#include "modbus.h"

FUZZ_PENDING_CHECK(check_session, mb_session, MB_MAX_PENDING)

FUZZ_TARGET(.d = &mb_dissector, .cut = fuzz_cut_stream, .reframe = true,
            .check_session = check_session)
