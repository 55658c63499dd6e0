/* fuzz_enip.c - libFuzzer target for the EtherNet/IP + CIP dissector (enip.c).
 *
 * The input is cut into PDUs the way the TCP stream layer would (via
 * enip_frame_len), falling back to a length taken from the input when the
 * bytes do not frame, so garbage reaches enip_parse too. Directions
 * alternate. Driver and sink checks: fuzz_harness.h.
 */
#include "enip.h"
#include "fuzz_harness.h"

/* Pending PDUs, their CIP slots and the tag-name arena stay in bounds and
 * are all released by the final flush. */
static void check_session(const void *session, bool final)
{
    const enip_session *s = session;
    if (s->n_pending > ENIP_MAX_PENDING || s->n_slots > ENIP_MAX_SLOTS ||
        s->names_used > ENIP_NAME_ARENA)
        abort();
    if (final && (s->n_pending != 0 || s->n_slots != 0 || s->names_used != 0))
        abort();
}

FUZZ_TARGET(.d = &enip_dissector, .cut = fuzz_cut_stream, .reframe = true,
            .check_session = check_session)
