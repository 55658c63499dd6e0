/* test_hartip.c - HART-IP dissector (protocols/hartip.c).
 *
 * Messages are crafted by hand after HCF_SPEC-85 (HART-IP header: version,
 * message type, message id, status, sequence number, byte count, all
 * big-endian) and HCF_SPEC-81 / -127 (token-passing PDU: delimiter, address,
 * command, byte count, [response code, device status], data, checksum =
 * XOR of every byte from the delimiter on). The helpers compute header byte
 * counts and checksums; PDU bytes are annotated where used.
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
#include "hartip.h"
#include "sink_test.h"

SINK_FIXTURE(hartip_session, hartip_session_init, OTW_PROTO_HARTIP, "hartip_malformed")

/* HART-IP message: header + body. */
static size_t msg(uint8_t *out, uint8_t type, uint8_t id, uint8_t status, uint16_t seq,
                  const uint8_t *body, size_t n)
{
    out[0] = 1; /* version */
    out[1] = type;
    out[2] = id;
    out[3] = status;
    out[4] = (uint8_t)(seq >> 8);
    out[5] = (uint8_t)seq;
    out[6] = (uint8_t)((n + 8) >> 8);
    out[7] = (uint8_t)(n + 8);
    if (n)
        memcpy(out + 8, body, n);
    return n + 8;
}

/* Token-passing PDU with a long address 26 4E 00 00 D2 (expanded device
 * type 0x264E, device id 0x0000D2): delimiter, address, command, byte
 * count, data, checksum. ack adds response code + device status. */
static size_t pdu(uint8_t *out, bool ack, uint8_t cmd, uint8_t rc, const uint8_t *data, size_t n)
{
    size_t at = 0;
    out[at++] = ack ? 0x86 : 0x82;
    const uint8_t addr[5] = {0x26, 0x4E, 0x00, 0x00, 0xD2};
    memcpy(out + at, addr, 5);
    at += 5;
    out[at++] = cmd;
    out[at++] = (uint8_t)(n + (ack ? 2 : 0));
    if (ack) {
        out[at++] = rc;
        out[at++] = 0x00; /* device status */
    }
    if (n)
        memcpy(out + at, data, n);
    at += n;
    uint8_t x = 0;
    for (size_t i = 0; i < at; i++)
        x ^= out[i];
    out[at++] = x;
    return at;
}

static otw_parse_status pass_through(fixture *f, bool reply, uint16_t seq, uint8_t cmd, uint8_t rc,
                                     const uint8_t *data, size_t n, uint64_t ts)
{
    uint8_t p[300], m[320];
    size_t pn = pdu(p, reply, cmd, rc, data, n);
    size_t mn = msg(m, reply ? HARTIP_TYPE_RESPONSE : HARTIP_TYPE_REQUEST, HARTIP_ID_PASS_THROUGH,
                    0, seq, p, pn);
    return hartip_parse(&f->s, reply ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER, m, mn, ts, &f->sink);
}

static void test_descriptor(void **state)
{
    (void)state;
    assert_ptr_equal(otw_dissector_for_port(true, 5094), &hartip_dissector);
    assert_ptr_equal(otw_dissector_for_port(false, 5094), &hartip_dissector);
    assert_ptr_equal(otw_dissector_for_port(false, 5095), &hartip_dissector);
    check_industrial_dissector(&hartip_dissector, OTW_PROTO_HARTIP);
    assert_string_equal(hartip_dissector.name, "hartip");
    assert_string_equal(otw_proto_name(OTW_PROTO_HARTIP), "hartip");
}

static void test_frame_len(void **state)
{
    (void)state;
    uint8_t m[32];
    size_t n = msg(m, HARTIP_TYPE_REQUEST, HARTIP_ID_KEEP_ALIVE, 0, 1, NULL, 0);
    assert_int_equal(hartip_frame_len(m, n), 8);
    assert_int_equal(hartip_frame_len(m, 7), OTW_FRAME_NEED_MORE);
    m[7] = 0x40; /* byte count 64: a longer message */
    assert_int_equal(hartip_frame_len(m, 8), 64);
    m[7] = 7; /* shorter than the header */
    assert_int_equal(hartip_frame_len(m, 8), OTW_FRAME_NOT_MINE);
    m[7] = 8;
    m[0] = 3; /* version 3 */
    assert_int_equal(hartip_frame_len(m, 8), OTW_FRAME_NOT_MINE);
    m[0] = 1;
    m[1] = 7; /* message type 7 */
    assert_int_equal(hartip_frame_len(m, 8), OTW_FRAME_NOT_MINE);
}

static void test_session(void **state)
{
    fixture *f = *state;
    uint8_t m[64];
    /* Session Initiate: primary host (1), inactivity close timer 30000 ms. */
    size_t n = msg(m, 0, HARTIP_ID_SESSION_INITIATE, 0, 2, BYTES(0x01, 0x00, 0x00, 0x75, 0x30));
    assert_int_equal(hartip_parse(&f->s, OTW_DIR_TO_SERVER, m, n, 10, &f->sink), OTW_PARSE_OK);
    n = msg(m, 1, HARTIP_ID_SESSION_INITIATE, 0, 2, BYTES(0x01, 0x00, 0x00, 0xEA, 0x60));
    assert_int_equal(hartip_parse(&f->s, OTW_DIR_TO_CLIENT, m, n, 20, &f->sink), OTW_PARSE_OK);
    /* Keep Alive: no op. */
    n = msg(m, 0, HARTIP_ID_KEEP_ALIVE, 0, 3, NULL, 0);
    assert_int_equal(hartip_parse(&f->s, OTW_DIR_TO_SERVER, m, n, 30, &f->sink), OTW_PARSE_OK);
    n = msg(m, 1, HARTIP_ID_KEEP_ALIVE, 0, 3, NULL, 0);
    assert_int_equal(hartip_parse(&f->s, OTW_DIR_TO_CLIENT, m, n, 31, &f->sink), OTW_PARSE_OK);
    /* Session Close, answered with a NAK (status 16). */
    n = msg(m, 0, HARTIP_ID_SESSION_CLOSE, 0, 4, NULL, 0);
    assert_int_equal(hartip_parse(&f->s, OTW_DIR_TO_SERVER, m, n, 40, &f->sink), OTW_PARSE_OK);
    n = msg(m, HARTIP_TYPE_NAK, HARTIP_ID_SESSION_CLOSE, 16, 4, NULL, 0);
    assert_int_equal(hartip_parse(&f->s, OTW_DIR_TO_CLIENT, m, n, 41, &f->sink), OTW_PARSE_OK);
    /* Publish (burst): counted, no op. */
    n = msg(m, HARTIP_TYPE_PUBLISH, HARTIP_ID_PASS_THROUGH, 0, 5,
            BYTES(0x81, 0x26, 0x4E, 0x00, 0x00, 0xD2, 0x01, 0x02, 0x00, 0x00, 0x00));
    assert_int_equal(hartip_parse(&f->s, OTW_DIR_TO_CLIENT, m, n, 50, &f->sink), OTW_PARSE_OK);
    assert_int_equal(f->s.n_published, 1);

    assert_int_equal(f->rec.n_ops, 2);
    assert_int_equal(f->rec.ops[0].function, 0xFF00);
    assert_string_equal(f->rec.ops[0].function_name, "Session Initiate");
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_OTHER);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->rec.ops[0].transaction, 2);
    assert_int_equal(f->rec.ops[0].response_ts_us, 20);
    assert_int_equal(f->rec.ops[1].function, 0xFF01);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[1].exception_code, 16);
    assert_int_equal(f->s.n_pending, 0);
}

/* Command 0 reply as in a HART 7 device: 254, expanded device type 0x264E,
 * 5 preambles, universal rev 7, device rev 4, software rev 1, hardware
 * rev 1 / signaling 6 (0x0E), flags 0x0C, device id 0000D2, 5 response
 * preambles, 2 device variables, change counter 2, extended status 0,
 * manufacturer 0x0026, private label 0x0026, profile 0x84. */
static const uint8_t cmd0_reply[] = {0xFE, 0x26, 0x4E, 0x05, 0x07, 0x04, 0x01, 0x0E,
                                     0x0C, 0x00, 0x00, 0xD2, 0x05, 0x02, 0x00, 0x02,
                                     0x00, 0x00, 0x26, 0x00, 0x26, 0x84};

static void test_identity(void **state)
{
    fixture *f = *state;
    assert_int_equal(pass_through(f, false, 3, 0, 0, NULL, 0, 100), OTW_PARSE_OK);
    assert_int_equal(pass_through(f, true, 3, 0, 0, cmd0_reply, sizeof(cmd0_reply), 110),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    const otw_op *op = &f->rec.ops[0];
    assert_int_equal(op->function, 0);
    assert_string_equal(op->function_name, "Read Unique Identifier");
    assert_int_equal(op->op_class, OTW_CLASS_IDENTITY);
    assert_true(op->has_unit);
    assert_int_equal(op->unit, 0xD2);
    assert_string_equal(op->object, "device 0x0000d2");
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->rec.n_ids, 1);
    const otw_identity *id = &f->rec.ids[0];
    assert_int_equal(id->about, OTW_DIR_TO_CLIENT);
    assert_true(id->has_vendor_id);
    assert_int_equal(id->vendor_id, 0x26);
    assert_string_equal(id->vendor, "Rosemount");
    assert_string_equal(id->product_code, "0x264e");
    assert_string_equal(id->revision, "4.1");
    assert_string_equal(id->serial, "0000d2");
    assert_string_equal(id->detail, "HART universal revision 7, hardware revision 1");
    /* Long tag (command 20): 32 bytes, space padded. */
    uint8_t tag[32];
    memset(tag, ' ', sizeof(tag));
    memcpy(tag, "FT-101 inlet", 12);
    assert_int_equal(pass_through(f, false, 4, 20, 0, NULL, 0, 120), OTW_PARSE_OK);
    assert_int_equal(pass_through(f, true, 4, 20, 0, tag, sizeof(tag), 130), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 2);
    assert_string_equal(f->rec.ids[1].name, "FT-101 inlet");
    /* Command 13: packed ASCII tag "PT 7    " (8 chars in 6 bytes),
     * descriptor (12 bytes), date (3). P=0x10 T=0x14 ' '=0x20 7=0x37. */
    const uint8_t c13[] = {0x41, 0x48, 0x37, 0x82, 0x08, 0x20, 0, 0, 0, 0,  0,
                           0,    0,    0,    0,    0,    0,    0, 1, 1, 100};
    assert_int_equal(pass_through(f, false, 5, 13, 0, NULL, 0, 140), OTW_PARSE_OK);
    assert_int_equal(pass_through(f, true, 5, 13, 0, c13, sizeof(c13), 150), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 3);
    assert_string_equal(f->rec.ids[2].name, "PT 7");
    /* HART 5 style command 0: manufacturer in byte 1, device type byte 2. */
    const uint8_t h5[] = {0xFE, 0x11, 0x22, 0x05, 0x05, 0x02, 0x03, 0x08, 0x00, 0x01, 0x02, 0x03};
    assert_int_equal(pass_through(f, false, 6, 0, 0, NULL, 0, 160), OTW_PARSE_OK);
    assert_int_equal(pass_through(f, true, 6, 0, 0, h5, sizeof(h5), 170), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 4);
    assert_int_equal(f->rec.ids[3].vendor_id, 0x11);
    assert_string_equal(f->rec.ids[3].vendor, "Endress+Hauser");
    assert_string_equal(f->rec.ids[3].product_code, "0x0022");
    assert_string_equal(f->rec.ids[3].serial, "010203");
}

static void test_commands(void **state)
{
    fixture *f = *state;
    static const struct {
        uint8_t cmd;
        otw_op_class cls;
    } cases[] = {
        {1, OTW_CLASS_READ},           {2, OTW_CLASS_READ},           {3, OTW_CLASS_READ},
        {9, OTW_CLASS_READ},           {48, OTW_CLASS_READ},          {6, OTW_CLASS_CONFIGURATION},
        {17, OTW_CLASS_CONFIGURATION}, {18, OTW_CLASS_CONFIGURATION}, {19, OTW_CLASS_CONFIGURATION},
        {22, OTW_CLASS_CONFIGURATION}, {35, OTW_CLASS_CONFIGURATION}, {38, OTW_CLASS_CONTROL},
        {42, OTW_CLASS_CONTROL},       {40, OTW_CLASS_CONTROL},       {79, OTW_CLASS_WRITE},
        {41, OTW_CLASS_DIAGNOSTIC},    {11, OTW_CLASS_IDENTITY},      {150, OTW_CLASS_OTHER},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(pass_through(f, false, (uint16_t)(10 + i), cases[i].cmd, 0, NULL, 0, 1),
                         OTW_PARSE_OK);
        assert_int_equal(pass_through(f, true, (uint16_t)(10 + i), cases[i].cmd, 0, NULL, 0, 2),
                         OTW_PARSE_OK);
        assert_int_equal(f->rec.n_ops, i + 1);
        if (f->rec.ops[i].op_class != cases[i].cls)
            fail_msg("command %u: class %d", cases[i].cmd, f->rec.ops[i].op_class);
    }
    assert_string_equal(hartip_command_name(150), "Device Specific Command");
    assert_string_equal(hartip_command_name(42), "Perform Device Reset");
    /* Expanded command 31 carrying 0x0400. */
    size_t before = f->rec.n_ops;
    assert_int_equal(pass_through(f, false, 99, 31, 0, BYTES(0x04, 0x00), 1), OTW_PARSE_OK);
    assert_int_equal(pass_through(f, true, 99, 31, 0, BYTES(0x04, 0x00), 2), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[before].function, 0x0400);
    assert_int_equal(f->rec.ops[before].outcome, OTW_OUTCOME_OK);
}

static void test_errors(void **state)
{
    fixture *f = *state;
    /* Response code 7 (in write protect mode): exception 7. */
    assert_int_equal(pass_through(f, false, 1, 18, 0, BYTES(1, 2, 3), 1), OTW_PARSE_OK);
    assert_int_equal(pass_through(f, true, 1, 18, 7, NULL, 0, 2), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[0].exception_code, 7);
    /* Reply for another command: error. */
    assert_int_equal(pass_through(f, false, 2, 1, 0, NULL, 0, 3), OTW_PARSE_OK);
    assert_int_equal(pass_through(f, true, 2, 2, 0, NULL, 0, 4), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_ERROR);
    /* Bad checksum in a request: malformed but tracked. */
    uint8_t p[32], m[48];
    size_t pn = pdu(p, false, 1, 0, NULL, 0);
    p[pn - 1] ^= 0xFF;
    size_t mn = msg(m, 0, HARTIP_ID_PASS_THROUGH, 0, 3, p, pn);
    assert_int_equal(hartip_parse(&f->s, OTW_DIR_TO_SERVER, m, mn, 5, &f->sink),
                     OTW_PARSE_MALFORMED);
    assert_int_equal(f->s.n_pending, 1);
    /* Error message type (3) with status 5 for it. */
    mn = msg(m, HARTIP_TYPE_ERROR, HARTIP_ID_PASS_THROUGH, 5, 3, NULL, 0);
    assert_int_equal(hartip_parse(&f->s, OTW_DIR_TO_CLIENT, m, mn, 6, &f->sink), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[2].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[2].exception_code, 5);
    assert_int_equal(f->rec.ops[2].function, 1);
    /* A reply with no request (midstream). */
    assert_int_equal(pass_through(f, true, 40, 3, 0, BYTES(1, 2, 3, 4), 7), OTW_PARSE_OK);
    assert_false(f->rec.ops[3].request_seen);
    assert_int_equal(f->rec.ops[3].function, 3);
    /* Byte count disagreeing with the datagram; garbage; too short. */
    mn = msg(m, 0, HARTIP_ID_KEEP_ALIVE, 0, 9, NULL, 0);
    assert_int_equal(hartip_parse(&f->s, OTW_DIR_TO_SERVER, m, mn + 2, 8, &f->sink),
                     OTW_PARSE_MALFORMED);
    assert_int_equal(
        hartip_parse(&f->s, OTW_DIR_TO_SERVER, (const uint8_t *)"GET / HTTP/1.0", 14, 8, &f->sink),
        OTW_PARSE_NOT_MINE);
    assert_int_equal(hartip_parse(&f->s, OTW_DIR_TO_SERVER, m, 5, 8, &f->sink), OTW_PARSE_NOT_MINE);
    /* Unanswered request, expiry, reuse of a sequence number. */
    assert_int_equal(pass_through(f, false, 50, 1, 0, NULL, 0, 100), OTW_PARSE_OK);
    assert_int_equal(pass_through(f, false, 50, 2, 0, NULL, 0, 101), OTW_PARSE_OK);
    size_t before = f->rec.n_ops;
    assert_int_equal(f->rec.ops[before - 1].outcome, OTW_OUTCOME_NO_RESPONSE);
    assert_int_equal(f->rec.ops[before - 1].function, 1);
    hartip_expire(&f->s, 150, 100, &f->sink);
    assert_int_equal(f->s.n_pending, 1);
    hartip_expire(&f->s, 150, 0, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
    assert_int_equal(f->rec.ops[before].function, 2);
}

/* Keeps the byte count consistent with the cut. */
static void patch_length(uint8_t *copy, size_t cut)
{
    if (cut >= 8) {
        copy[6] = (uint8_t)(cut >> 8);
        copy[7] = (uint8_t)cut;
    }
}

static void test_truncation_and_limits(void **state)
{
    fixture *f = *state;
    uint8_t p[64], m[80];
    size_t pn = pdu(p, true, 0, 0, cmd0_reply, sizeof(cmd0_reply));
    size_t mn = msg(m, 1, HARTIP_ID_PASS_THROUGH, 0, 1, p, pn);
    every_prefix_patched(hartip_parse, &f->s, OTW_DIR_TO_CLIENT, m, mn, &f->sink, patch_length);
    /* More requests in flight than the table holds. */
    for (uint16_t q = 0; q < HARTIP_MAX_PENDING + 3; q++)
        assert_int_equal(pass_through(f, false, (uint16_t)(1000 + q), 1, 0, NULL, 0, 10),
                         OTW_PARSE_OK);
    assert_int_equal(f->s.n_pending, HARTIP_MAX_PENDING);
    assert_int_equal(f->s.n_pending_evicted, 3);
    hartip_expire(&f->s, 11, 0, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_frame_len),
        cmocka_unit_test_setup(test_session, setup),
        cmocka_unit_test_setup(test_identity, setup),
        cmocka_unit_test_setup(test_commands, setup),
        cmocka_unit_test_setup(test_errors, setup),
        cmocka_unit_test_setup(test_truncation_and_limits, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
