/* melsoft_test.h - the MELSOFT frame builder shared by test_melsoft.c and
 * test_ics_logins.c. The layout follows iti_melsoft_UDP_clean_2.pcap (GX
 * Works3 <-> FX5U) and the Nozomi Networks research (see melsoft.c): a
 * 21-byte header (57 01 ... request / D7 01 ... response, size LE at 0x13),
 * a command header (request 24 bytes: 1C 0A 16 14 + 20 zero bytes;
 * response 26 bytes: 9C 0A 18 14, status LE, 20 zero bytes), then the
 * command data: command (BE), packet reference (LE), 2 bytes, payload.
 */
#ifndef OTW_MELSOFT_TEST_H
#define OTW_MELSOFT_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Writes the frame into out (21 + 32 + n bytes at most) and returns its length. */
static inline size_t melsoft_frame(uint8_t *out, bool response, uint16_t status, uint16_t cmd,
                                   uint16_t ref, const uint8_t *d, size_t n)
{
    static const uint8_t req_hdr[19] = {0x57, 0x01, 0x00, 0x00, 0x00, 0x11, 0x11, 0x07, 0x00, 0x00,
                                        0xff, 0xff, 0x03, 0x00, 0x00, 0xfe, 0x03, 0x00, 0x00};
    static const uint8_t rsp_hdr[19] = {0xd7, 0x01, 0x00, 0x00, 0x00, 0x11, 0x11, 0x7f, 0x00, 0x00,
                                        0x00, 0xa8, 0x03, 0x00, 0xff, 0xff, 0x03, 0x00, 0x00};
    size_t chl = response ? 26 : 24;
    size_t body = chl + 6 + n;
    memcpy(out, response ? rsp_hdr : req_hdr, 19);
    out[19] = (uint8_t)body;
    out[20] = (uint8_t)(body >> 8);
    uint8_t *c = out + 21;
    memset(c, 0, chl);
    c[0] = response ? 0x9c : 0x1c;
    c[1] = 0x0a;
    c[2] = (uint8_t)(chl - 2);
    c[3] = 0x14;
    if (response) {
        c[4] = (uint8_t)status;
        c[5] = (uint8_t)(status >> 8);
    }
    uint8_t *d0 = c + chl;
    d0[0] = (uint8_t)(cmd >> 8);
    d0[1] = (uint8_t)cmd;
    d0[2] = (uint8_t)ref;
    d0[3] = (uint8_t)(ref >> 8);
    d0[4] = 0;
    d0[5] = 0;
    if (n)
        memcpy(d0 + 6, d, n);
    return 21 + body;
}

#endif
