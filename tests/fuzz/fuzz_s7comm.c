/* fuzz_s7comm.c - libFuzzer target for the S7comm / S7comm-plus dissector
 * (s7comm.c).
 *
 * The input is cut into TPKTs the way the TCP stream layer would (via
 * s7_frame_len), falling back to a length taken from the input when the
 * bytes do not frame, so garbage reaches s7_parse too. Directions alternate
 * unless a chunk's 8th byte is odd (so pipelined requests and PLC-initiated
 * jobs happen); the clock moves by a chunk's last byte. An exception code
 * only comes with an exception outcome. Driver and sink checks:
 * fuzz_harness.h.
 */
#include "fuzz_harness.h"
#include "s7comm.h"

/* Pending requests and the SZL fragment carry stay in bounds; nothing is
 * pending after the final flush. */
static void check_session(const void *session, bool final)
{
    const s7_session *s = session;
    if (s->n_pending > S7_MAX_PENDING || s->szl.carry_len > S7_SZL_CARRY)
        abort();
    if (final && s->n_pending != 0)
        abort();
}

static bool cut(const fuzz_target *t, const uint8_t *p, size_t left, size_t off, fuzz_step *st)
{
    fuzz_cut_stream(t, p, left, off, st);
    fuzz_clock_byte(st, p[st->n - 1]);
    st->flip = !(st->n > 7 && (p[7] & 1));
    return true;
}

FUZZ_TARGET(.d = &s7_dissector, .cut = cut, .reframe = true, .check_session = check_session,
            .exception_code_needs_outcome = true)
