/* fuzz_opcua.c - libFuzzer target for the OPC UA binary dissector (opcua.c).
 *
 * The input is cut into messages the way the TCP stream layer would (via
 * ua_frame_len), falling back to a length taken from the input when the
 * bytes do not frame, so garbage reaches ua_parse too. Directions alternate
 * unless the first byte of a chunk has bit 6 set. Driver and sink checks:
 * fuzz_harness.h.
 */
#include "fuzz_harness.h"
#include "opcua.h"

FUZZ_PENDING_CHECK(check_session, ua_session, UA_MAX_PENDING)

static bool cut(const fuzz_target *t, const uint8_t *p, size_t left, size_t off, fuzz_step *st)
{
    fuzz_cut_stream(t, p, left, off, st);
    st->flip = !(p[0] & 0x40);
    return true;
}

FUZZ_TARGET(.d = &opcua_dissector, .cut = cut, .reframe = true, .check_session = check_session)
