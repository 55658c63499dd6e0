/* fuzz_iec104.c - libFuzzer target for the IEC 60870-5-104 dissector (iec104.c).
 *
 * The input is cut into APDUs the way the TCP stream layer would (via
 * iec104_frame_len), falling back to a length taken from the input when the
 * bytes do not frame, so garbage reaches iec104_parse too. Directions
 * alternate. Function names may be up to 95 characters. Driver and sink
 * checks: fuzz_harness.h.
 */
#include "fuzz_harness.h"
#include "iec104.h"

FUZZ_PENDING_CHECK(check_session, iec104_session, IEC104_MAX_PENDING)

FUZZ_TARGET(.d = &iec104_dissector, .cut = fuzz_cut_stream, .reframe = true,
            .check_session = check_session, .function_name_max = 96)
