/* fuzz_dnp3.c - libFuzzer target for the DNP3 dissector (dnp3.c).
 *
 * The input is cut into link frames the way the TCP stream layer would (via
 * dnp3_frame_len), falling back to a length taken from the input when the
 * bytes do not frame, so garbage reaches dnp3_parse too (which also takes
 * several frames at once, as from a UDP datagram). Directions follow bit 7
 * of the frame's control byte when it frames (DIR), else alternate. CRCs
 * make random frames rare: a mode byte lets the harness fix them (below).
 * Function names may be up to 95 characters. Driver and sink checks:
 * fuzz_harness.h.
 */
#include "dnp3.h"
#include "fuzz_harness.h"

static bool fix; /* this input's mode: rewrite CRCs */

/* Length of the frame at p if its header CRC were right, else 0. */
static size_t nominal_len(const uint8_t *p, size_t left)
{
    if (left < 10 || p[0] != 0x05 || p[1] != 0x64 || p[2] < 5)
        return 0;
    size_t user = (size_t)p[2] - 5;
    return 10 + user + 2 * ((user + 15) / 16);
}

/* Rewrites every CRC of the (possibly cut) frame in buf. */
static void fix_crcs(uint8_t *buf, size_t n)
{
    if (n < 10)
        return;
    uint16_t c = dnp3_crc16(buf, 8);
    buf[8] = (uint8_t)c;
    buf[9] = (uint8_t)(c >> 8);
    for (size_t o = 10; o + 2 < n; o += 18) {
        size_t b = n - o - 2 < 16 ? n - o - 2 : 16;
        c = dnp3_crc16(buf + o, b);
        buf[o + b] = (uint8_t)c;
        buf[o + b + 1] = (uint8_t)(c >> 8);
    }
}

/* In fix mode a frame header is taken at its word, whatever its CRC. */
static bool cut(const fuzz_target *t, const uint8_t *p, size_t left, size_t off, fuzz_step *st)
{
    size_t nominal = nominal_len(p, left);
    if (!fix || nominal == 0)
        return fuzz_cut_stream(t, p, left, off, st);
    st->n = nominal < left ? nominal : left;
    fuzz_clock_byte(st, p[0]);
    return true;
}

static void fixup(uint8_t *chunk, size_t n, fuzz_step *st)
{
    if (fix && nominal_len(chunk, n) > 0)
        fix_crcs(chunk, n);
    if (n > 3 && chunk[0] == 0x05)
        st->dir = (chunk[3] & 0x80) ? OTW_DIR_TO_SERVER : OTW_DIR_TO_CLIENT; /* DIR bit */
}

FUZZ_PENDING_CHECK(check_session, dnp3_session, DNP3_MAX_PENDING)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first input byte is a mode: bit 0 set = the harness rewrites the
 * CRCs of every frame, so that mutations reach the transport and
 * application layers; clear = CRCs as given (bad-CRC paths). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const fuzz_target t = {.d = &dnp3_dissector,
                                  .cut = cut,
                                  .reframe = true,
                                  .fixup = fixup,
                                  .check_session = check_session,
                                  .function_name_max = 96};
    if (size == 0)
        return fuzz_run(&t, data, 0);
    fix = data[0] & 1;
    return fuzz_run(&t, data + 1, size - 1);
}
