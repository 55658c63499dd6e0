/* test_slmp.c - MELSEC SLMP / MC protocol dissector (protocols/slmp.c).
 *
 * Frames are crafted by hand after the SLMP Reference Manual (SH-080956ENG).
 * The binary helpers add the 3E header: subheader 50 00 (request) or D0 00
 * (response), network 00, PC number, module I/O 03FF (FF 03), station 00,
 * data length (LE), then for requests the monitoring timer 0010 (10 00),
 * command and subcommand (LE); for responses the end code (LE). Data bytes
 * are annotated where they appear.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissector.h"
#include "facts.h"
#include "sink_test.h"
#include "slmp.h"

SINK_FIXTURE(slmp_session, slmp_session_init, OTW_PROTO_SLMP, NULL)

/* Parses a copy in an exact-size heap buffer so ASan sees any overread. */
static otw_parse_status parse(fixture *f, otw_dir dir, const uint8_t *p, size_t n, uint64_t ts)
{
    return parse_copy(slmp_parse, &f->s, dir, p, n, ts, &f->sink);
}

/* 3E frame (see above): header, length of what follows, then the head
 * bytes (request: timer, command, subcommand; response: end code) and
 * the data. */
static size_t frame3e(uint8_t *out, uint8_t subheader, const uint8_t *head, size_t hn,
                      const uint8_t *d, size_t n)
{
    const uint8_t h[] = {subheader, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00};
    memcpy(out, h, sizeof(h));
    out[7] = (uint8_t)(hn + n);
    out[8] = (uint8_t)((hn + n) >> 8);
    memcpy(out + 9, head, hn);
    if (n)
        memcpy(out + 9 + hn, d, n);
    return 9 + hn + n;
}

static size_t req3e(uint8_t *out, uint16_t cmd, uint16_t sub, const uint8_t *d, size_t n)
{
    const uint8_t head[] = {
        0x10, 0x00, (uint8_t)cmd, (uint8_t)(cmd >> 8), (uint8_t)sub, (uint8_t)(sub >> 8)};
    return frame3e(out, 0x50, head, sizeof(head), d, n);
}

static size_t rsp3e(uint8_t *out, uint16_t end, const uint8_t *d, size_t n)
{
    const uint8_t head[] = {(uint8_t)end, (uint8_t)(end >> 8)};
    return frame3e(out, 0xd0, head, sizeof(head), d, n);
}

static otw_parse_status send_req(fixture *f, uint16_t cmd, uint16_t sub, const uint8_t *d, size_t n)
{
    uint8_t buf[512];
    size_t len = req3e(buf, cmd, sub, d, n);
    return parse(f, OTW_DIR_TO_SERVER, buf, len, 1000);
}

static otw_parse_status send_rsp(fixture *f, uint16_t end, const uint8_t *d, size_t n)
{
    uint8_t buf[512];
    size_t len = rsp3e(buf, end, d, n);
    return parse(f, OTW_DIR_TO_CLIENT, buf, len, 2000);
}

/* ------------------------------------------------------------ registry */

static void test_registry(void **state)
{
    (void)state;
    assert_ptr_equal(otw_dissector_for_port(true, 5000), &slmp_dissector);
    assert_ptr_equal(otw_dissector_for_port(false, 5001), &slmp_dissector);
    check_industrial_dissector(&slmp_dissector, OTW_PROTO_SLMP);
    assert_string_equal(slmp_dissector.name, "slmp");
    assert_string_equal(otw_proto_name(OTW_PROTO_SLMP), slmp_dissector.name);
    assert_ptr_equal(slmp_dissector.frame_len, slmp_frame_len);
    assert_ptr_equal(slmp_dissector.parse, slmp_parse);
    assert_ptr_equal(slmp_dissector.expire, slmp_expire);
    assert_string_equal(slmp_device_name(0xA8), "D");
    assert_string_equal(slmp_device_name(0xB0), "ZR");
    assert_string_equal(slmp_device_name(0x9C), "X");
    assert_null(slmp_device_name(0x01));
    assert_string_equal(slmp_command_name(0x0401, 0x0001), "Read (bit units)");
    assert_string_equal(slmp_command_name(0x0401, 0x0002), "Read (word units)");
    assert_string_equal(slmp_command_name(0x9999, 0), "Unknown");
    assert_int_equal(slmp_command_class(0x9999), OTW_CLASS_OTHER);
}

/* ------------------------------------------------------------- framing */

static void test_frame_len(void **state)
{
    (void)state;
    /* 3E binary request: data length 0x0c -> 9 + 12 */
    const uint8_t r3[] = {0x50, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0x0c, 0x00};
    for (size_t i = 0; i < sizeof(r3); i++)
        assert_int_equal(slmp_frame_len(r3, i), OTW_FRAME_NEED_MORE);
    assert_int_equal(slmp_frame_len(r3, sizeof(r3)), 21);
    /* 4E binary response: serial 0x1234, length 2 -> 13 + 2 */
    const uint8_t r4[] = {0xd4, 0x00, 0x34, 0x12, 0x00, 0x00, 0x00,
                          0xff, 0xff, 0x03, 0x00, 0x02, 0x00};
    assert_int_equal(slmp_frame_len(r4, 12), OTW_FRAME_NEED_MORE);
    assert_int_equal(slmp_frame_len(r4, sizeof(r4)), 15);
    /* 4E with a non-zero reserved word */
    const uint8_t bad4[] = {0x54, 0x00, 0x34, 0x12, 0x01, 0x00, 0x00,
                            0xff, 0xff, 0x03, 0x00, 0x06, 0x00};
    assert_int_equal(slmp_frame_len(bad4, sizeof(bad4)), OTW_FRAME_NOT_MINE);
    /* ASCII 3E request "500000FF03FF00" + length "0018" -> 18 + 24 */
    const uint8_t *a3 = (const uint8_t *)"500000FF03FF000018";
    assert_int_equal(slmp_frame_len(a3, 17), OTW_FRAME_NEED_MORE);
    assert_int_equal(slmp_frame_len(a3, 18), 42);
    /* ASCII 4E response "D400" serial "0001" "0000" ... length "0004" -> 26 + 4 */
    const uint8_t *a4 = (const uint8_t *)"D40000010000"
                                         "00FF03FF000004";
    assert_int_equal(slmp_frame_len(a4, 25), OTW_FRAME_NEED_MORE);
    assert_int_equal(slmp_frame_len(a4, 26), 30);
    /* not SLMP: 1E frame (subheader 0x01), HTTP, bad second byte, bad hex */
    assert_int_equal(slmp_frame_len((const uint8_t *)"\x01\xff\x0a\x00", 4), OTW_FRAME_NOT_MINE);
    assert_int_equal(slmp_frame_len((const uint8_t *)"GET / HTTP/1.1", 14), OTW_FRAME_NOT_MINE);
    assert_int_equal(slmp_frame_len((const uint8_t *)"\x50\x01", 2), OTW_FRAME_NOT_MINE);
    assert_int_equal(slmp_frame_len((const uint8_t *)"50X0", 4), OTW_FRAME_NOT_MINE);
    assert_int_equal(slmp_frame_len((const uint8_t *)"500000FF03FF00001G", 18), OTW_FRAME_NOT_MINE);
    /* request data length below timer+command+subcommand, response below end code */
    const uint8_t short_req[] = {0x50, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0x05, 0x00};
    assert_int_equal(slmp_frame_len(short_req, sizeof(short_req)), OTW_FRAME_NOT_MINE);
    const uint8_t short_rsp[] = {0xd0, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0x01, 0x00};
    assert_int_equal(slmp_frame_len(short_rsp, sizeof(short_rsp)), OTW_FRAME_NOT_MINE);
    /* oversize: data length 0x2001 > SLMP_MAX_DATA */
    const uint8_t big[] = {0x50, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0x01, 0x20};
    assert_int_equal(slmp_frame_len(big, sizeof(big)), OTW_FRAME_NOT_MINE);
    /* the largest accepted */
    const uint8_t max[] = {0x50, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0x00, 0x20};
    assert_int_equal(slmp_frame_len(max, sizeof(max)), 9 + SLMP_MAX_DATA);
    assert_int_equal(slmp_frame_len(NULL, 0), OTW_FRAME_NEED_MORE);
}

/* -------------------------------------------- every command, binary 3E */

typedef struct pair_case {
    uint16_t cmd, sub;
    bytes req, rsp;
    OP_EXPECT_FIELDS;
} pair_case;

/* clang-format off */
static const pair_case pairs[] = {
    /* 0401/0000 Read words: D100 (64 00 00 | A8), 3 points | 6 bytes */
    {0x0401, 0x0000, B(0x64, 0x00, 0x00, 0xa8, 0x03, 0x00), B(1, 0, 2, 0, 3, 0),
     "Read (word units)", OTW_CLASS_READ, "D", true, 100, 3},
    /* 0401/0001 Read bits: M0, 5 points | 3 bytes (4 bits a point) */
    {0x0401, 0x0001, B(0x00, 0x00, 0x00, 0x90, 0x05, 0x00), B(0x10, 0x01, 0x10),
     "Read (bit units)", OTW_CLASS_READ, "M", true, 0, 5},
    /* 0401/0002 Read words, iQ-R form: ZR 70000 (70 11 01 00 | B0 00), 1 point | 2 bytes */
    {0x0401, 0x0002, B(0x70, 0x11, 0x01, 0x00, 0xb0, 0x00, 0x01, 0x00), B(0x34, 0x12),
     "Read (word units)", OTW_CLASS_READ, "ZR", true, 70000, 1},
    /* 0401/0003 Read bits, iQ-R form: X 0x20, 2 points | 1 byte */
    {0x0401, 0x0003, B(0x20, 0x00, 0x00, 0x00, 0x9c, 0x00, 0x02, 0x00), B(0x11),
     "Read (bit units)", OTW_CLASS_READ, "X", true, 0x20, 2},
    /* 1401/0000 Write words: D200, 2 points, 0x0001 0x0002 | no data */
    {0x1401, 0x0000, B(0xc8, 0x00, 0x00, 0xa8, 0x02, 0x00, 0x01, 0x00, 0x02, 0x00), NONE,
     "Write (word units)", OTW_CLASS_WRITE, "D", true, 200, 2},
    /* 1401/0001 Write bits: Y 0x10, 3 points, ON OFF ON (10 10) */
    {0x1401, 0x0001, B(0x10, 0x00, 0x00, 0x9d, 0x03, 0x00, 0x10, 0x10), NONE,
     "Write (bit units)", OTW_CLASS_WRITE, "Y", true, 0x10, 3},
    /* 0403 Read Random: 2 word points, 1 dword point; D0, TN5, W 0x10 | 2*2 + 4 bytes */
    {0x0403, 0x0000, B(0x02, 0x01, 0x00, 0x00, 0x00, 0xa8, 0x05, 0x00, 0x00, 0xc2,
                       0x10, 0x00, 0x00, 0xb4),
     B(1, 0, 2, 0, 3, 0, 0, 0), "Read Random", OTW_CLASS_READ, "D", true, 0, 3},
    /* 1402/0000 Write Random words: 1 word point D10 = 5, 0 dword points */
    {0x1402, 0x0000, B(0x01, 0x00, 0x0a, 0x00, 0x00, 0xa8, 0x05, 0x00), NONE,
     "Write Random (word units)", OTW_CLASS_WRITE, "D", true, 10, 1},
    /* 1402/0001 Write Random bits: 2 points: M50 ON, M51 OFF */
    {0x1402, 0x0001, B(0x02, 0x32, 0x00, 0x00, 0x90, 0x01, 0x33, 0x00, 0x00, 0x90, 0x00), NONE,
     "Write Random (bit units)", OTW_CLASS_WRITE, "M", true, 50, 2},
    /* 0406 Read Block: 1 word block D0 x 4, 1 bit block M0 x 1 | 10 bytes */
    {0x0406, 0x0000, B(0x01, 0x01, 0x00, 0x00, 0x00, 0xa8, 0x04, 0x00, 0x00, 0x00, 0x00, 0x90,
                       0x01, 0x00),
     B(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), "Read Block", OTW_CLASS_READ, "D", true, 0, 4},
    /* 1406 Write Block: 1 word block W 0x100 x 1 = 0x0007 */
    {0x1406, 0x0000, B(0x01, 0x00, 0x00, 0x01, 0x00, 0xb4, 0x01, 0x00, 0x07, 0x00), NONE,
     "Write Block", OTW_CLASS_WRITE, "W", true, 0x100, 1},
    /* 0801 Entry Monitor Device: 1 word point SD0 */
    {0x0801, 0x0000, B(0x01, 0x00, 0x00, 0x00, 0x00, 0xa9), NONE,
     "Entry Monitor Device", OTW_CLASS_READ, "SD", true, 0, 1},
    /* 0802 Execute Monitor: no data | 2 bytes */
    {0x0802, 0x0000, NONE, B(0x00, 0x00), "Execute Monitor", OTW_CLASS_READ, "", false, 0, 0},
    /* 0613 Memory Read: address 0x00000078, 2 words | 4 bytes */
    {0x0613, 0x0000, B(0x78, 0x00, 0x00, 0x00, 0x02, 0x00), B(1, 2, 3, 4),
     "Memory Read", OTW_CLASS_READ, "buffer", true, 0x78, 2},
    /* 1613 Memory Write: address 0x78, 1 word = 0x0102 */
    {0x1613, 0x0000, B(0x78, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x01), NONE,
     "Memory Write", OTW_CLASS_WRITE, "buffer", true, 0x78, 1},
    /* 0601 Extend Unit Read: address 0x1000, 4 bytes, module 0x0003 | 4 bytes */
    {0x0601, 0x0000, B(0x00, 0x10, 0x00, 0x00, 0x04, 0x00, 0x03, 0x00), B(9, 8, 7, 6),
     "Extend Unit Read", OTW_CLASS_READ, "U003", true, 0x1000, 4},
    /* 1601 Extend Unit Write: address 0x1000, 2 bytes, module 0x03E0 (CPU 1), data */
    {0x1601, 0x0000, B(0x00, 0x10, 0x00, 0x00, 0x02, 0x00, 0xe0, 0x03, 0xaa, 0xbb), NONE,
     "Extend Unit Write", OTW_CLASS_WRITE, "U3E0", true, 0x1000, 2},
    /* 1001 Remote Run: mode 0001 (no force), clear mode 00, fixed 00 */
    {0x1001, 0x0000, B(0x01, 0x00, 0x00, 0x00), NONE, "Remote Run", OTW_CLASS_CONTROL, "",
     false, 0, 0},
    /* 1002 Remote Stop: fixed 0001 */
    {0x1002, 0x0000, B(0x01, 0x00), NONE, "Remote Stop", OTW_CLASS_CONTROL, "", false, 0, 0},
    /* 1003 Remote Pause: mode 0003 (forced) */
    {0x1003, 0x0000, B(0x03, 0x00), NONE, "Remote Pause", OTW_CLASS_CONTROL, "", false, 0, 0},
    /* 1005 Remote Latch Clear: fixed 0001 */
    {0x1005, 0x0000, B(0x01, 0x00), NONE, "Remote Latch Clear", OTW_CLASS_CONTROL, "", false, 0,
     0},
    /* 1006 Remote Reset: fixed 0001 (usually unanswered, the CPU restarts) */
    {0x1006, 0x0000, B(0x01, 0x00), NONE, "Remote Reset", OTW_CLASS_CONTROL, "", false, 0, 0},
    /* 1617 Clear Error */
    {0x1617, 0x0000, NONE, NONE, "Clear Error", OTW_CLASS_CONTROL, "", false, 0, 0},
    /* 0619 Self Test: loopback 5 bytes "ABCDE" | echo */
    {0x0619, 0x0000, B(0x05, 0x00, 'A', 'B', 'C', 'D', 'E'), B(0x05, 0x00, 'A', 'B', 'C', 'D', 'E'),
     "Self Test", OTW_CLASS_DIAGNOSTIC, "", false, 0, 0},
    /* 1630 Remote Password Unlock: length 4, "1234" */
    {0x1630, 0x0000, B(0x04, 0x00, '1', '2', '3', '4'), NONE, "Remote Password Unlock",
     OTW_CLASS_AUTHENTICATION, "", false, 0, 0},
    /* 1631 Remote Password Lock: length 4, "1234" */
    {0x1631, 0x0000, B(0x04, 0x00, '1', '2', '3', '4'), NONE, "Remote Password Lock",
     OTW_CLASS_AUTHENTICATION, "", false, 0, 0},
    /* 1828 Read File / 1829 Write File / 1827 Open / 182A Close / 1822 Delete: opaque data */
    {0x1828, 0x0000, B(0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00), B(0x00, 0x00),
     "Read File", OTW_CLASS_PROGRAM_UPLOAD, "", false, 0, 0},
    {0x1829, 0x0000, B(0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x55), B(0x01, 0x00),
     "Write File", OTW_CLASS_PROGRAM_DOWNLOAD, "", false, 0, 0},
    {0x1827, 0x0000, B(0x00, 0x00), B(0x00, 0x00), "Open File", OTW_CLASS_OTHER, "", false, 0, 0},
    {0x182A, 0x0000, B(0x00, 0x00), NONE, "Close File", OTW_CLASS_OTHER, "", false, 0, 0},
    {0x1822, 0x0000, B(0x00, 0x00), NONE, "Delete File", OTW_CLASS_PROGRAM_DOWNLOAD, "", false,
     0, 0},
    {0x1810, 0x0000, B(0x00, 0x00), NONE, "Read Directory/File", OTW_CLASS_READ, "", false, 0, 0},
    {0x1825, 0x0000, B(0x00, 0x00), NONE, "Change File State", OTW_CLASS_CONFIGURATION, "", false,
     0, 0},
    /* an undocumented command: opaque */
    {0x0E00, 0x0000, B(0x01), NONE, "Unknown", OTW_CLASS_OTHER, "", false, 0, 0},
};
/* clang-format on */

static void test_command_pairs(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        const pair_case *c = &pairs[i];
        f->rec.n_ops = 0;
        f->rec.n_anomalies = 0;
        assert_int_equal(send_req(f, c->cmd, c->sub, c->req.p, c->req.n), OTW_PARSE_OK);
        assert_int_equal(f->rec.n_ops, 0);
        assert_int_equal(send_rsp(f, 0, c->rsp.p, c->rsp.n), OTW_PARSE_OK);
        assert_int_equal(f->rec.n_ops, 1);
        const otw_op *op = &f->rec.ops[0];
        assert_answered_op(op, c->cmd, c);
        assert_true(op->has_unit);
        assert_int_equal(op->unit, 0xff);
        assert_int_equal(f->rec.n_anomalies, 0);
        assert_int_equal(f->s.n_pending, 0);
    }
}

/* ------------------------------------------------- identity, exceptions */

static void test_read_type_name(void **state)
{
    fixture *f = *state;
    assert_int_equal(send_req(f, 0x0101, 0x0000, NULL, 0), OTW_PARSE_OK);
    /* "Q03UDVCPU" padded with spaces to 16, model code 0x0366 (66 03) */
    const uint8_t d[] = {'Q', '0', '3', 'U', 'D', 'V', 'C', 'P',  'U',
                         ' ', ' ', ' ', ' ', ' ', ' ', ' ', 0x66, 0x03};
    assert_int_equal(send_rsp(f, 0, d, sizeof(d)), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_IDENTITY);
    assert_int_equal(f->rec.n_ids, 1);
    const otw_identity *id = &f->rec.ids[0];
    assert_string_equal(id->vendor, "Mitsubishi Electric");
    assert_string_equal(id->model, "Q03UDVCPU");
    assert_string_equal(id->product_code, "0x0366");
    assert_string_equal(id->device_type, "PLC");
    assert_int_equal(id->role_hint, OTW_HINT_CONTROLLER);
    assert_int_equal(id->about, OTW_DIR_TO_CLIENT);
    assert_string_equal(id->source, "slmp 0101");
    /* a short type name response is an error, no identity */
    assert_int_equal(send_req(f, 0x0101, 0x0000, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(send_rsp(f, 0, d, 10), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_ERROR);
    assert_int_equal(f->rec.n_ids, 1);
    /* an error answer: no identity */
    assert_int_equal(send_req(f, 0x0101, 0x0000, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(send_rsp(f, 0xC059, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[2].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[2].exception_code, 0xC059);
    assert_int_equal(f->rec.n_ids, 1);
}

static void test_exception_with_error_info(void **state)
{
    fixture *f = *state;
    /* 1630 unlock with a wrong password: end code C201, error information
     * network 00, PC FF, I/O 03FF, station 00, command 1630, subcommand 0000 */
    const uint8_t pw[] = {0x04, 0x00, 'b', 'a', 'd', '!'};
    const uint8_t info[] = {0x00, 0xff, 0xff, 0x03, 0x00, 0x30, 0x16, 0x00, 0x00};
    assert_int_equal(send_req(f, 0x1630, 0, pw, sizeof(pw)), OTW_PARSE_OK);
    assert_int_equal(send_rsp(f, 0xC201, info, sizeof(info)), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_AUTHENTICATION);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[0].exception_code, 0xC201);
    /* error information naming another command than the request: error */
    const uint8_t wrong[] = {0x00, 0xff, 0xff, 0x03, 0x00, 0x01, 0x04, 0x00, 0x00};
    assert_int_equal(send_req(f, 0x1002, 0, (const uint8_t[]){0x01, 0x00}, 2), OTW_PARSE_OK);
    assert_int_equal(send_rsp(f, 0x4013, wrong, sizeof(wrong)), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_ERROR);
    /* an error answer without information is accepted */
    assert_int_equal(send_req(f, 0x1002, 0, (const uint8_t[]){0x01, 0x00}, 2), OTW_PARSE_OK);
    assert_int_equal(send_rsp(f, 0x4013, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[2].outcome, OTW_OUTCOME_EXCEPTION);
    /* an error answer with a broken information block */
    assert_int_equal(send_req(f, 0x1002, 0, (const uint8_t[]){0x01, 0x00}, 2), OTW_PARSE_OK);
    assert_int_equal(send_rsp(f, 0x4013, info, 4), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.ops[3].outcome, OTW_OUTCOME_ERROR);
}

static void test_unmatched_responses(void **state)
{
    fixture *f = *state;
    /* normal response without request: nothing says which command */
    assert_int_equal(send_rsp(f, 0, (const uint8_t[]){1, 2}, 2), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_false(f->rec.ops[0].request_seen);
    assert_string_equal(f->rec.ops[0].function_name, "Unknown");
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_OTHER);
    assert_false(f->rec.ops[0].has_unit);
    /* error response without request: its information names 1001 Remote Run */
    const uint8_t info[] = {0x00, 0xff, 0xff, 0x03, 0x00, 0x01, 0x10, 0x00, 0x00};
    assert_int_equal(send_rsp(f, 0x4030, info, sizeof(info)), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 2);
    assert_false(f->rec.ops[1].request_seen);
    assert_int_equal(f->rec.ops[1].function, 0x1001);
    assert_string_equal(f->rec.ops[1].function_name, "Remote Run");
    assert_int_equal(f->rec.ops[1].op_class, OTW_CLASS_CONTROL);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[1].exception_code, 0x4030);
    assert_int_equal(f->s.n_unmatched_responses, 2);
}

static void test_response_length_checked(void **state)
{
    fixture *f = *state;
    /* read D0 x 2 words answered with 3 bytes */
    const uint8_t rd[] = {0x00, 0x00, 0x00, 0xa8, 0x02, 0x00};
    assert_int_equal(send_req(f, 0x0401, 0, rd, sizeof(rd)), OTW_PARSE_OK);
    assert_int_equal(send_rsp(f, 0, (const uint8_t[]){1, 2, 3}, 3), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_ERROR);
    assert_string_equal(f->rec.last_anomaly, "slmp_malformed");
}

static void test_malformed_requests(void **state)
{
    fixture *f = *state;
    /* read with 0 points */
    const uint8_t z[] = {0x00, 0x00, 0x00, 0xa8, 0x00, 0x00};
    assert_int_equal(send_req(f, 0x0401, 0, z, sizeof(z)), OTW_PARSE_MALFORMED);
    /* read with trailing garbage */
    const uint8_t t[] = {0x00, 0x00, 0x00, 0xa8, 0x01, 0x00, 0xee};
    assert_int_equal(send_req(f, 0x0401, 0, t, sizeof(t)), OTW_PARSE_MALFORMED);
    /* write words: 2 points, 1 word of data */
    const uint8_t w[] = {0x00, 0x00, 0x00, 0xa8, 0x02, 0x00, 0x01, 0x00};
    assert_int_equal(send_req(f, 0x1401, 0, w, sizeof(w)), OTW_PARSE_MALFORMED);
    /* random read with 0 + 0 points */
    assert_int_equal(send_req(f, 0x0403, 0, (const uint8_t[]){0, 0}, 2), OTW_PARSE_MALFORMED);
    /* password length 9, 4 characters */
    assert_int_equal(send_req(f, 0x1630, 0, (const uint8_t[]){9, 0, 'a', 'b', 'c', 'd'}, 6),
                     OTW_PARSE_MALFORMED);
    /* remote run without its data */
    assert_int_equal(send_req(f, 0x1001, 0, NULL, 0), OTW_PARSE_MALFORMED);
    /* an unknown binary device code keeps the code as object */
    const uint8_t u[] = {0x00, 0x00, 0x00, 0x01, 0x01, 0x00};
    assert_int_equal(send_req(f, 0x0401, 0, u, sizeof(u)), OTW_PARSE_OK);
    assert_int_equal(f->s.n_malformed, 6);
    slmp_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->rec.n_ops, 7);
    for (size_t i = 0; i < 6; i++) {
        assert_false(f->rec.ops[i].has_address); /* malformed: no address */
        assert_int_equal(f->rec.ops[i].outcome, OTW_OUTCOME_NO_RESPONSE);
    }
    assert_string_equal(f->rec.ops[6].object, "0x01");
    /* the datagram/frame is longer than its data length says */
    uint8_t buf[64];
    size_t n = req3e(buf, 0x0401, 0, z, sizeof(z));
    buf[n++] = 0x00;
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, buf, n, 1), OTW_PARSE_MALFORMED);
}

/* ------------------------------------------------------ 4E and ASCII */

static void test_4e_serial_matching(void **state)
{
    fixture *f = *state;
    /* two 4E requests, serials 0x0101 and 0x0202, answered in reverse order */
    const uint8_t q1[] = {0x54, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x03, 0xff,
                          0x03, 0x00, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x04, 0x00,
                          0x00, 0x0a, 0x00, 0x00, 0xa8, 0x01, 0x00}; /* PC 03: read D10 x1 */
    const uint8_t q2[] = {0x54, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x03, 0xff,
                          0x03, 0x00, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x04, 0x00,
                          0x00, 0x14, 0x00, 0x00, 0xa8, 0x01, 0x00}; /* read D20 x1 */
    const uint8_t a2[] = {0xd4, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x03, 0xff,
                          0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x22, 0x00};
    const uint8_t a1[] = {0xd4, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x03, 0xff,
                          0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x11, 0x00};
    assert_int_equal(slmp_frame_len(q1, sizeof(q1)), (long)sizeof(q1));
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, q1, sizeof(q1), 10), OTW_PARSE_OK);
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, q2, sizeof(q2), 11), OTW_PARSE_OK);
    assert_int_equal(parse(f, OTW_DIR_TO_CLIENT, a2, sizeof(a2), 12), OTW_PARSE_OK);
    assert_int_equal(parse(f, OTW_DIR_TO_CLIENT, a1, sizeof(a1), 13), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 2);
    assert_int_equal(f->rec.ops[0].transaction, 0x0202);
    assert_int_equal(f->rec.ops[0].address_start, 20);
    assert_int_equal(f->rec.ops[1].transaction, 0x0101);
    assert_int_equal(f->rec.ops[1].address_start, 10);
    assert_int_equal(f->rec.ops[1].unit, 3);
    assert_int_equal(f->rec.ops[1].ts_us, 10);
    assert_int_equal(f->rec.ops[1].response_ts_us, 13);
    /* a repeated serial gives up the older request */
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, q1, sizeof(q1), 20), OTW_PARSE_OK);
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, q1, sizeof(q1), 21), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 3);
    assert_int_equal(f->rec.ops[2].outcome, OTW_OUTCOME_NO_RESPONSE);
    /* a 3E response does not match a 4E request */
    assert_int_equal(send_rsp(f, 0, (const uint8_t[]){0, 0}, 2), OTW_PARSE_OK);
    assert_false(f->rec.ops[3].request_seen);
    assert_int_equal(f->s.n_pending, 1);
}

static void test_3e_fifo(void **state)
{
    fixture *f = *state;
    const uint8_t d0[] = {0x00, 0x00, 0x00, 0xa8, 0x01, 0x00};
    const uint8_t m0[] = {0x00, 0x00, 0x00, 0x90, 0x01, 0x00};
    assert_int_equal(send_req(f, 0x0401, 0x0000, d0, sizeof(d0)), OTW_PARSE_OK);
    assert_int_equal(send_req(f, 0x0401, 0x0001, m0, sizeof(m0)), OTW_PARSE_OK);
    assert_int_equal(send_rsp(f, 0, (const uint8_t[]){1, 0}, 2), OTW_PARSE_OK); /* 1 word */
    assert_int_equal(send_rsp(f, 0, (const uint8_t[]){0x10}, 1), OTW_PARSE_OK); /* 1 bit */
    assert_int_equal(f->rec.n_ops, 2);
    assert_string_equal(f->rec.ops[0].object, "D");
    assert_string_equal(f->rec.ops[1].object, "M");
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_OK);
}

static otw_parse_status send_text(fixture *f, otw_dir dir, const char *s)
{
    return parse(f, dir, (const uint8_t *)s, strlen(s), dir == OTW_DIR_TO_SERVER ? 1000 : 2000);
}

static void test_ascii(void **state)
{
    fixture *f = *state;
    /* 3E ASCII read words: D*001234, 5 points; 24 characters after the length */
    assert_int_equal(send_text(f, OTW_DIR_TO_SERVER,
                               "500000FF03FF00"
                               "0018"
                               "0010"
                               "0401"
                               "0000"
                               "D*"
                               "001234"
                               "0005"),
                     OTW_PARSE_OK);
    /* response: end code 0000 + 5 words of 4 characters = 24 */
    assert_int_equal(send_text(f, OTW_DIR_TO_CLIENT,
                               "D00000FF03FF00"
                               "0018"
                               "0000"
                               "00010002000300040005"),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_string_equal(f->rec.ops[0].object, "D");
    assert_int_equal(f->rec.ops[0].address_start, 1234);
    assert_int_equal(f->rec.ops[0].address_count, 5);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_OK);
    /* bit read of X*0001A0 (hexadecimal numbering), 3 points: 1 character a point */
    assert_int_equal(send_text(f, OTW_DIR_TO_SERVER,
                               "500000FF03FF00"
                               "0018"
                               "0010"
                               "0401"
                               "0001"
                               "X*"
                               "0001A0"
                               "0003"),
                     OTW_PARSE_OK);
    assert_int_equal(send_text(f, OTW_DIR_TO_CLIENT,
                               "D00000FF03FF00"
                               "0007"
                               "0000"
                               "101"),
                     OTW_PARSE_OK);
    assert_string_equal(f->rec.ops[1].object, "X");
    assert_int_equal(f->rec.ops[1].address_start, 0x1A0);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_OK);
    /* iQ-R ASCII form (subcommand 0002): "ZR**" + 10 digits */
    assert_int_equal(send_text(f, OTW_DIR_TO_SERVER,
                               "500000FF03FF00"
                               "001E"
                               "0010"
                               "0401"
                               "0002"
                               "ZR**"
                               "0000070000"
                               "0001"),
                     OTW_PARSE_OK);
    assert_int_equal(send_text(f, OTW_DIR_TO_CLIENT,
                               "D00000FF03FF00"
                               "0008"
                               "0000"
                               "1234"),
                     OTW_PARSE_OK);
    assert_string_equal(f->rec.ops[2].object, "ZR");
    assert_int_equal(f->rec.ops[2].address_start, 70000);
    /* iQ-R spelling of a retentive timer: STN* */
    assert_int_equal(send_text(f, OTW_DIR_TO_SERVER,
                               "500000FF03FF00"
                               "001E"
                               "0010"
                               "0401"
                               "0002"
                               "STN*"
                               "0000000010"
                               "0001"),
                     OTW_PARSE_OK);
    assert_int_equal(f->s.pending[0].object[0], 'S');
    assert_string_equal(f->s.pending[0].object, "SN");
    /* unknown device text: malformed */
    assert_int_equal(send_text(f, OTW_DIR_TO_SERVER,
                               "500000FF03FF00"
                               "0018"
                               "0010"
                               "0401"
                               "0000"
                               "Q*"
                               "000000"
                               "0001"),
                     OTW_PARSE_MALFORMED);
    /* decimal device with a hex digit: malformed */
    assert_int_equal(send_text(f, OTW_DIR_TO_SERVER,
                               "500000FF03FF00"
                               "0018"
                               "0010"
                               "0401"
                               "0000"
                               "D*"
                               "00000A"
                               "0001"),
                     OTW_PARSE_MALFORMED);
    /* non-hex command */
    assert_int_equal(send_text(f, OTW_DIR_TO_SERVER,
                               "500000FF03FF00"
                               "0018"
                               "0010"
                               "04G1"
                               "0000"
                               "D*"
                               "000000"
                               "0001"),
                     OTW_PARSE_MALFORMED);
    slmp_expire(&f->s, 0, 0, &f->sink);
    f->rec.n_ops = 0;
    /* 4E ASCII read type name, serial 0x00AB; response "L02CPU" + code 0541 */
    assert_int_equal(send_text(f, OTW_DIR_TO_SERVER,
                               "5400"
                               "00AB"
                               "0000"
                               "00FF03FF00"
                               "000C"
                               "0010"
                               "0101"
                               "0000"),
                     OTW_PARSE_OK);
    assert_int_equal(send_text(f, OTW_DIR_TO_CLIENT,
                               "D400"
                               "00AB"
                               "0000"
                               "00FF03FF00"
                               "0018"
                               "0000"
                               "L02CPU          "
                               "0541"),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].transaction, 0xAB);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_IDENTITY);
    assert_int_equal(f->rec.n_ids, 1);
    assert_string_equal(f->rec.ids[0].model, "L02CPU");
    assert_string_equal(f->rec.ids[0].product_code, "0x0541");
    /* ASCII remote stop, answered with end code C059 and error information */
    assert_int_equal(send_text(f, OTW_DIR_TO_SERVER,
                               "500000FF03FF00"
                               "0010"
                               "0010"
                               "1002"
                               "0000"
                               "0001"),
                     OTW_PARSE_OK);
    assert_int_equal(send_text(f, OTW_DIR_TO_CLIENT,
                               "D00000FF03FF00"
                               "0016"
                               "C059"
                               "00FF03FF00"
                               "1002"
                               "0000"),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[1].op_class, OTW_CLASS_CONTROL);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[1].exception_code, 0xC059);
    /* a binary response does not answer an ASCII request */
    assert_int_equal(send_text(f, OTW_DIR_TO_SERVER,
                               "500000FF03FF00"
                               "0010"
                               "0010"
                               "1002"
                               "0000"
                               "0001"),
                     OTW_PARSE_OK);
    assert_int_equal(send_rsp(f, 0, NULL, 0), OTW_PARSE_OK);
    assert_false(f->rec.ops[2].request_seen);
    assert_int_equal(f->s.n_pending, 1);
}

/* ------------------------------------------------------ robustness */

static void test_truncated_everywhere(void **state)
{
    fixture *f = *state;
    uint8_t frames[6][128];
    size_t lens[6];
    const uint8_t rd[] = {0x64, 0x00, 0x00, 0xa8, 0x03, 0x00};
    const uint8_t rnd[] = {0x01, 0x00, 0x00, 0x00, 0x00, 0xa8};
    const uint8_t name[] = {'Q', '0', '3', 'U', 'D', 'V', 'C', 'P',  'U',
                            ' ', ' ', ' ', ' ', ' ', ' ', ' ', 0x66, 0x03};
    lens[0] = req3e(frames[0], 0x0401, 0, rd, sizeof(rd));
    lens[1] = req3e(frames[1], 0x0403, 0, rnd, sizeof(rnd));
    lens[2] = rsp3e(frames[2], 0, name, sizeof(name));
    lens[3] = rsp3e(frames[3], 0xC059, (const uint8_t[]){0, 0xff, 0xff, 3, 0, 1, 4, 0, 0}, 9);
    memcpy(frames[4], "500000FF03FF000018001004010000D*0012340005", 42);
    lens[4] = 42;
    memcpy(frames[5],
           "D40000AB000000FF03FF000018"
           "0000L02CPU          0541",
           50);
    lens[5] = 50;
    for (size_t k = 0; k < 6; k++) {
        otw_dir dir = (k == 2 || k == 3 || k == 5) ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER;
        every_prefix_refused(slmp_parse, slmp_frame_len, &f->s, dir, frames[k], lens[k], &f->sink);
        /* the whole frame parses */
        assert_int_not_equal(parse(f, dir, frames[k], lens[k], 1), OTW_PARSE_NOT_MINE);
    }
    slmp_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
}

static void test_garbage(void **state)
{
    fixture *f = *state;
    uint8_t buf[300];
    uint32_t x = 12345;
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)(round % 60) + 1;
        lcg_fill(&x, buf, n);
        /* half of them get a valid-looking SLMP header */
        if (round & 1) {
            static const uint8_t sh[] = {0x50, 0xd0, 0x54, 0xd4};
            buf[0] = sh[(x >> 8) & 3];
            if (n > 1)
                buf[1] = 0;
        }
        otw_parse_status st =
            parse(f, (round & 2) ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER, buf, n, (uint64_t)round);
        assert_valid_status(st);
        (void)slmp_frame_len(buf, n);
        assert_true(f->s.n_pending <= SLMP_MAX_PENDING);
    }
    slmp_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
    assert_int_equal(slmp_parse(&f->s, OTW_DIR_TO_SERVER, NULL, 0, 0, &f->sink),
                     OTW_PARSE_NOT_MINE);
    assert_int_equal(slmp_parse(NULL, OTW_DIR_TO_SERVER, buf, 9, 0, &f->sink), OTW_PARSE_NOT_MINE);
}

static void test_pending_limit_and_expire(void **state)
{
    fixture *f = *state;
    const uint8_t rd[] = {0x00, 0x00, 0x00, 0xa8, 0x01, 0x00};
    uint8_t buf[64];
    size_t n = req3e(buf, 0x0401, 0, rd, sizeof(rd));
    for (int i = 0; i < SLMP_MAX_PENDING; i++)
        assert_int_equal(parse(f, OTW_DIR_TO_SERVER, buf, n, (uint64_t)i), OTW_PARSE_OK);
    assert_int_equal(f->s.n_pending, SLMP_MAX_PENDING);
    assert_int_equal(f->rec.n_ops, 0);
    /* one more evicts the oldest (ts 0) */
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, buf, n, 100), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].ts_us, 0);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_NO_RESPONSE);
    assert_int_equal(f->s.n_pending_evicted, 1);
    /* expire those older than 10 us at t=20: ts 1..9 */
    slmp_expire(&f->s, 20, 10, &f->sink);
    assert_int_equal(f->rec.n_ops, 10);
    slmp_expire(&f->s, 5, 10, &f->sink); /* clock behind: nothing */
    assert_int_equal(f->rec.n_ops, 10);
    slmp_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->rec.n_ops, 1 + SLMP_MAX_PENDING);
    assert_int_equal(f->s.n_pending, 0);
    /* a corrupted count is clamped */
    f->s.n_pending = 1000;
    slmp_expire(&f->s, 0, 0, NULL);
    assert_int_equal(f->s.n_pending, 0);
    /* NULL sink members */
    otw_sink empty = {0};
    assert_int_equal(slmp_parse(&f->s, OTW_DIR_TO_SERVER, buf, n, 1, &empty), OTW_PARSE_OK);
    slmp_expire(&f->s, 0, 0, &empty);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_registry),
        T(test_frame_len),
        T(test_command_pairs),
        T(test_read_type_name),
        T(test_exception_with_error_info),
        T(test_unmatched_responses),
        T(test_response_length_checked),
        T(test_malformed_requests),
        T(test_4e_serial_matching),
        T(test_3e_fifo),
        T(test_ascii),
        T(test_truncated_everywhere),
        T(test_garbage),
        T(test_pending_limit_and_expire),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
