/* fuzz_dns.c - libFuzzer target for DNS answers (protocols/dns.c).
 *
 * Input: a sequence of datagrams, each a 2-byte big-endian length then that
 * many bytes (a length past the end takes what is left), as the sensor
 * hands whole UDP payloads (or TCP PDUs cut by frame_len) to parse(); each
 * also goes through frame_len(), which may never claim less than a length
 * prefix and a header. Directions alternate. Identities must carry an
 * address and a name. Driver and sink checks: fuzz_harness.h.
 * Seeds: tests/fuzz/corpus/dns/ (same format).
 */
#include "dns.h"
#include "fuzz_harness.h"

static void fixup(uint8_t *chunk, size_t n, fuzz_step *st)
{
    long fl = dns_dissector.frame_len(chunk, n);
    (void)st;
    if (fl != OTW_FRAME_NEED_MORE && fl != OTW_FRAME_NOT_MINE && fl < 2 + 12)
        abort();
}

static void check_identity(const otw_identity *id)
{
    if (!id->has_ip || id->name[0] == 0)
        abort();
}

FUZZ_TARGET(.d = &dns_dissector, .cut = fuzz_cut_dgram, .fixup = fixup,
            .check_identity = check_identity)
