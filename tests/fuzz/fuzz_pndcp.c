/* fuzz_pndcp.c - libFuzzer target for the PROFINET DCP dissector (pndcp.c).
 *
 * The input is a sequence of frames (the bytes after the Ethertype), each
 * preceded by a 2-byte length header (bits 0..10, capped at what is left),
 * the way the sensor hands link-layer payloads over: no session, always
 * OTW_DIR_TO_SERVER; the capture time is the frame's offset in the input.
 * Driver and sink checks: fuzz_harness.h.
 */
#include "fuzz_harness.h"
#include "pndcp.h"

static bool cut(const fuzz_target *t, const uint8_t *p, size_t left, size_t off, fuzz_step *st)
{
    if (!fuzz_cut_dgram_dir(t, p, left, off, st))
        return false;
    st->dir = OTW_DIR_TO_SERVER;
    st->ts = off + st->hdr;
    st->tick = 0;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const fuzz_target t = {.d = &pndcp_dissector, .cut = cut};
    /* A link-layer dissector: no session, no expiry, parse is pndcp_parse. */
    if (pndcp_dissector.session_size != 0 || pndcp_dissector.parse != pndcp_parse ||
        pndcp_dissector.expire != NULL)
        abort();
    return fuzz_run(&t, data, size);
}
