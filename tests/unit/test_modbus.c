/* test_modbus.c - Modbus/TCP dissector, protocol registry and fact helpers.
 *
 * ADUs are crafted by hand after the MODBUS Application Protocol
 * Specification V1.1b3 and the Messaging on TCP/IP Implementation Guide.
 * The helpers below prepend the 7-byte MBAP header (transaction id,
 * protocol id 0, length = 1 + PDU length, unit id); PDU bytes are annotated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dissector.h"
#include "facts.h"
#include "modbus.h"
#include "sink_test.h"

SINK_FIXTURE(mb_session, mb_session_init, OTW_PROTO_MODBUS, NULL)

/* Builds MBAP + PDU and parses it. */
static otw_parse_status send_pdu(fixture *f, otw_dir dir, uint16_t trans, uint8_t unit,
                                 const uint8_t *pdu, size_t n, uint64_t ts)
{
    uint8_t adu[MB_MAX_ADU + 16];
    assert_true(n + 7 <= sizeof(adu));
    adu[0] = (uint8_t)(trans >> 8); /* transaction id */
    adu[1] = (uint8_t)trans;
    adu[2] = 0; /* protocol id 0 = Modbus */
    adu[3] = 0;
    adu[4] = (uint8_t)((n + 1) >> 8); /* length: unit id + PDU */
    adu[5] = (uint8_t)(n + 1);
    adu[6] = unit;
    memcpy(adu + 7, pdu, n);
    return mb_parse_adu(&f->s, dir, adu, n + 7, ts, &f->sink);
}

#define REQ(f, t, ...) send_pdu((f), OTW_DIR_TO_SERVER, (t), 1, BYTES(__VA_ARGS__), 1000)
#define RSP(f, t, ...) send_pdu((f), OTW_DIR_TO_CLIENT, (t), 1, BYTES(__VA_ARGS__), 2000)

/* ---------------------------------------------------------------- facts */

static void test_fact_names(void **state)
{
    (void)state;
    assert_string_equal(otw_proto_name(OTW_PROTO_MODBUS), "modbus");
    assert_string_equal(otw_proto_name(OTW_PROTO_NONE), "none");
    assert_string_equal(otw_proto_name((otw_proto)99), "none");
    const char *cls[] = {"read",     "write",          "program_download", "program_upload",
                         "control",  "firmware",       "configuration",    "diagnostic",
                         "identity", "authentication", "account",          "other"};
    for (int i = 0; i < OTW_CLASS__COUNT; i++)
        assert_string_equal(otw_class_name((otw_op_class)i), cls[i]);
    assert_string_equal(otw_class_name((otw_op_class)77), "other");
    assert_string_equal(otw_outcome_name(OTW_OUTCOME_OK), "ok");
    assert_string_equal(otw_outcome_name(OTW_OUTCOME_EXCEPTION), "exception");
    assert_string_equal(otw_outcome_name(OTW_OUTCOME_NO_RESPONSE), "no_response");
    assert_string_equal(otw_outcome_name(OTW_OUTCOME_ERROR), "error");
}

static void test_copy_wire_string(void **state)
{
    (void)state;
    char d[8];
    otw_copy_wire_string(d, sizeof(d), (const uint8_t *)"abc", 3);
    assert_string_equal(d, "abc");
    /* control bytes -> '?', truncation to dstsz-1 */
    otw_copy_wire_string(d, sizeof(d), (const uint8_t *)"a\tb\177cdefgh", 10);
    assert_string_equal(d, "a?b?cde");
    /* first NUL ends a padded field */
    otw_copy_wire_string(d, sizeof(d), (const uint8_t *)"ab\0\0\0", 5);
    assert_string_equal(d, "ab");
    /* valid UTF-8 kept ("é" = C3 A9), invalid byte and C1 control replaced */
    otw_copy_wire_string(d, sizeof(d), (const uint8_t *)"\xc3\xa9x\xff\xc2\x85", 6);
    assert_string_equal(d, "\xc3\xa9x???");
    /* a multibyte sequence that does not fit whole is dropped, not cut */
    char s4[4];
    otw_copy_wire_string(s4, sizeof(s4), (const uint8_t *)"ab\xc3\xa9", 4);
    assert_string_equal(s4, "ab");
    /* truncated sequence at the end of the source */
    otw_copy_wire_string(d, sizeof(d), (const uint8_t *)"a\xe2\x82", 3);
    assert_string_equal(d, "a??");
    otw_copy_wire_string(d, sizeof(d), NULL, 5);
    assert_string_equal(d, "");
    otw_copy_wire_string(d, 0, (const uint8_t *)"x", 1); /* no write, no crash */
    otw_copy_wire_string(d, 1, (const uint8_t *)"x", 1);
    assert_string_equal(d, "");
}

/* ------------------------------------------------------------- registry */

static void test_registry(void **state)
{
    (void)state;
    const otw_dissector *d = otw_dissector_for_port(true, 502);
    assert_ptr_equal(d, &mb_dissector);
    assert_null(otw_dissector_for_port(false, 502));
    assert_null(otw_dissector_for_port(true, 0));
    assert_null(otw_dissector_for_port(true, 7)); /* echo: nobody dissects it */
    check_industrial_dissector(&mb_dissector, OTW_PROTO_MODBUS);
    assert_null(otw_dissector_get(OTW_PROTO_NONE));
    assert_string_equal(d->name, "modbus");
    assert_int_equal(d->proto, OTW_PROTO_MODBUS);
    assert_int_equal(d->session_size, sizeof(mb_session));
    assert_ptr_equal(d->frame_len, mb_frame_len);
    assert_ptr_equal(d->parse, mb_parse_adu);
    assert_ptr_equal(d->expire, mb_expire);
    assert_non_null(d->session_init);
}

/* -------------------------------------------------------------- framing */

static void test_frame_len(void **state)
{
    (void)state;
    /* 00 01 trans | 00 00 proto | 00 06 length | 01 unit | 03 00 00 00 0a */
    const uint8_t ok[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x0a};
    assert_int_equal(mb_frame_len(ok, sizeof(ok)), 12);
    assert_int_equal(mb_frame_len(ok, 7), 12); /* header is enough */
    assert_int_equal(mb_frame_len(ok, 6), OTW_FRAME_NEED_MORE);
    assert_int_equal(mb_frame_len(ok, 0), OTW_FRAME_NEED_MORE);
    /* protocol id 1 */
    const uint8_t p1[] = {0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x01};
    assert_int_equal(mb_frame_len(p1, sizeof(p1)), OTW_FRAME_NOT_MINE);
    /* length 1 (unit id only, no function code) */
    const uint8_t l1[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x01};
    assert_int_equal(mb_frame_len(l1, sizeof(l1)), OTW_FRAME_NOT_MINE);
    /* length 255: PDU would exceed 253 bytes */
    const uint8_t l255[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0xff, 0x01};
    assert_int_equal(mb_frame_len(l255, sizeof(l255)), OTW_FRAME_NOT_MINE);
    /* length 254: the largest ADU, 260 bytes */
    const uint8_t l254[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0xfe, 0x01};
    assert_int_equal(mb_frame_len(l254, sizeof(l254)), MB_MAX_ADU);
}

static void test_not_mine(void **state)
{
    fixture *f = *state;
    /* protocol id 0x0001 */
    const uint8_t p1[] = {0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x01};
    assert_int_equal(mb_parse_adu(&f->s, OTW_DIR_TO_SERVER, p1, sizeof(p1), 1, &f->sink),
                     OTW_PARSE_NOT_MINE);
    /* HTTP on port 502: "GET / HTTP/1.1\r\n" -> proto id 0x2f20 */
    const uint8_t *http = (const uint8_t *)"GET / HTTP/1.1\r\n\r\n";
    assert_int_equal(mb_parse_adu(&f->s, OTW_DIR_TO_SERVER, http, 18, 1, &f->sink),
                     OTW_PARSE_NOT_MINE);
    /* too short for an MBAP header */
    assert_int_equal(mb_parse_adu(&f->s, OTW_DIR_TO_SERVER, p1, 5, 1, &f->sink),
                     OTW_PARSE_NOT_MINE);
    /* oversized: length 0x012c (300) > 254 */
    uint8_t big[7 + 299] = {0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x01, 0x03};
    assert_int_equal(mb_parse_adu(&f->s, OTW_DIR_TO_SERVER, big, sizeof(big), 1, &f->sink),
                     OTW_PARSE_NOT_MINE);
    /* random garbage */
    const uint8_t junk[] = {0xde, 0xad, 0xbe, 0xef, 0x13, 0x37, 0x42, 0x99, 0x00};
    assert_int_equal(mb_parse_adu(&f->s, OTW_DIR_TO_CLIENT, junk, sizeof(junk), 1, &f->sink),
                     OTW_PARSE_NOT_MINE);
    assert_int_equal(f->rec.n_ops, 0);
    assert_int_equal(f->s.n_pending, 0);
}

static void test_truncated(void **state)
{
    fixture *f = *state;
    /* MBAP says length 6 (unit + 5 PDU bytes) but only 4 PDU bytes follow */
    const uint8_t t[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00};
    assert_int_equal(mb_parse_adu(&f->s, OTW_DIR_TO_SERVER, t, sizeof(t), 1, &f->sink),
                     OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.n_anomalies, 1);
    assert_string_equal(f->rec.last_anomaly, "modbus_malformed");
    /* consistent MBAP, PDU too short for its function: 03 | start 00 00 (no quantity) */
    assert_int_equal(REQ(f, 2, 0x03, 0x00, 0x00), OTW_PARSE_MALFORMED);
    /* response truncated: 03 | byte count 4 | only 2 bytes */
    assert_int_equal(RSP(f, 2, 0x03, 0x04, 0x00, 0x01), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_ERROR);
    assert_false(f->rec.ops[0].has_address); /* malformed request: no address */
    /* function code 0 and a request with the exception bit */
    assert_int_equal(REQ(f, 3, 0x00), OTW_PARSE_MALFORMED);
    assert_int_equal(REQ(f, 4, 0x83, 0x02), OTW_PARSE_MALFORMED);
    assert_int_equal(f->s.n_malformed, 5);
}

/* ------------------------------------------------- every function code */

typedef struct pair_case {
    bytes req, rsp;
    uint16_t function;
    const char *name;
    otw_op_class cls;
    bool has_address;
    uint32_t start, count;
} pair_case;

/* clang-format off */
static const pair_case pairs[] = {
    /* 01 Read Coils: start 0x0013, qty 19 | rsp byte count 3, 3 bytes of bits */
    {B(0x01, 0x00, 0x13, 0x00, 0x13), B(0x01, 0x03, 0xcd, 0x6b, 0x05), 1, "Read Coils",
     OTW_CLASS_READ, true, 0x13, 19},
    /* 02 Read Discrete Inputs: start 0x00c4, qty 22 | bc 3 */
    {B(0x02, 0x00, 0xc4, 0x00, 0x16), B(0x02, 0x03, 0xac, 0xdb, 0x35), 2, "Read Discrete Inputs",
     OTW_CLASS_READ, true, 0xc4, 22},
    /* 03 Read Holding Registers: start 0x006b, qty 3 | bc 6, 3 registers */
    {B(0x03, 0x00, 0x6b, 0x00, 0x03), B(0x03, 0x06, 0x02, 0x2b, 0x00, 0x00, 0x00, 0x64), 3,
     "Read Holding Registers", OTW_CLASS_READ, true, 0x6b, 3},
    /* 04 Read Input Registers: start 0x0008, qty 1 | bc 2, 1 register */
    {B(0x04, 0x00, 0x08, 0x00, 0x01), B(0x04, 0x02, 0x00, 0x0a), 4, "Read Input Registers",
     OTW_CLASS_READ, true, 8, 1},
    /* 05 Write Single Coil: address 0x00ac, value ON (FF00) | echo */
    {B(0x05, 0x00, 0xac, 0xff, 0x00), B(0x05, 0x00, 0xac, 0xff, 0x00), 5, "Write Single Coil",
     OTW_CLASS_WRITE, true, 0xac, 1},
    /* 06 Write Single Register: address 1, value 0x0003 | echo */
    {B(0x06, 0x00, 0x01, 0x00, 0x03), B(0x06, 0x00, 0x01, 0x00, 0x03), 6,
     "Write Single Register", OTW_CLASS_WRITE, true, 1, 1},
    /* 07 Read Exception Status: no data | output data 0x6d */
    {B(0x07), B(0x07, 0x6d), 7, "Read Exception Status", OTW_CLASS_DIAGNOSTIC, false, 0, 0},
    /* 08 Diagnostics, sub 0000 Return Query Data: data a5 37 | echo */
    {B(0x08, 0x00, 0x00, 0xa5, 0x37), B(0x08, 0x00, 0x00, 0xa5, 0x37), 8, "Diagnostics",
     OTW_CLASS_DIAGNOSTIC, false, 0, 0},
    /* 08 Diagnostics, sub 000b Return Bus Message Count: data 0000 | count 0x0123 */
    {B(0x08, 0x00, 0x0b, 0x00, 0x00), B(0x08, 0x00, 0x0b, 0x01, 0x23), 8, "Diagnostics",
     OTW_CLASS_DIAGNOSTIC, false, 0, 0},
    /* 11 Get Comm Event Counter | status FFFF, event count 0x0108 */
    {B(0x0b), B(0x0b, 0xff, 0xff, 0x01, 0x08), 11, "Get Comm Event Counter",
     OTW_CLASS_DIAGNOSTIC, false, 0, 0},
    /* 12 Get Comm Event Log | bc 8: status 0000, events 0108, messages 0121, 2 events */
    {B(0x0c), B(0x0c, 0x08, 0x00, 0x00, 0x01, 0x08, 0x01, 0x21, 0x20, 0x00), 12,
     "Get Comm Event Log", OTW_CLASS_DIAGNOSTIC, false, 0, 0},
    /* 15 Write Multiple Coils: start 0x0013, qty 10, bc 2, cd 01 | start, qty */
    {B(0x0f, 0x00, 0x13, 0x00, 0x0a, 0x02, 0xcd, 0x01), B(0x0f, 0x00, 0x13, 0x00, 0x0a), 15,
     "Write Multiple Coils", OTW_CLASS_WRITE, true, 0x13, 10},
    /* 16 Write Multiple Registers: start 1, qty 2, bc 4, 000a 0102 | start, qty */
    {B(0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0a, 0x01, 0x02),
     B(0x10, 0x00, 0x01, 0x00, 0x02), 16, "Write Multiple Registers", OTW_CLASS_WRITE, true, 1,
     2},
    /* 17 Report Server ID | bc 3: server id 0x2a, run indicator FF, 1 extra byte */
    {B(0x11), B(0x11, 0x03, 0x2a, 0xff, 0x01), 17, "Report Server ID", OTW_CLASS_DIAGNOSTIC,
     false, 0, 0},
    /* 20 Read File Record: bc 14, two sub-requests (ref 06, file 4, record 1, len 2) and
     * (ref 06, file 3, record 9, len 2) | data len 12: (5, 06, 4 bytes) x2 */
    {B(0x14, 0x0e, 0x06, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02, 0x06, 0x00, 0x03, 0x00, 0x09, 0x00,
       0x02),
     B(0x14, 0x0c, 0x05, 0x06, 0x0d, 0xfe, 0x00, 0x20, 0x05, 0x06, 0x33, 0xcd, 0x00, 0x40), 20,
     "Read File Record", OTW_CLASS_READ, true, 1, 2},
    /* 21 Write File Record: bc 13, ref 06, file 4, record 7, len 3, 3 registers | echo */
    {B(0x15, 0x0d, 0x06, 0x00, 0x04, 0x00, 0x07, 0x00, 0x03, 0x06, 0xaf, 0x04, 0xbe, 0x10, 0x0d),
     B(0x15, 0x0d, 0x06, 0x00, 0x04, 0x00, 0x07, 0x00, 0x03, 0x06, 0xaf, 0x04, 0xbe, 0x10, 0x0d),
     21, "Write File Record", OTW_CLASS_WRITE, true, 7, 3},
    /* 22 Mask Write Register: address 4, AND 00f2, OR 0025 | echo */
    {B(0x16, 0x00, 0x04, 0x00, 0xf2, 0x00, 0x25), B(0x16, 0x00, 0x04, 0x00, 0xf2, 0x00, 0x25), 22,
     "Mask Write Register", OTW_CLASS_WRITE, true, 4, 1},
    /* 23 Read/Write Multiple: read 3 @ 0x0003, write 3 @ 0x000e, bc 6, values
     * | bc 6 (3 read registers). Address = the WRITE range. */
    {B(0x17, 0x00, 0x03, 0x00, 0x03, 0x00, 0x0e, 0x00, 0x03, 0x06, 0x00, 0xff, 0x00, 0xff, 0x00,
       0xff),
     B(0x17, 0x06, 0x00, 0xfe, 0x0a, 0xcd, 0x00, 0x01), 23, "Read/Write Multiple Registers",
     OTW_CLASS_WRITE, true, 0x0e, 3},
    /* 24 Read FIFO Queue: pointer 0x04de | bc 6, FIFO count 2, 2 registers */
    {B(0x18, 0x04, 0xde), B(0x18, 0x00, 0x06, 0x00, 0x02, 0x01, 0xb8, 0x12, 0x84), 24,
     "Read FIFO Queue", OTW_CLASS_READ, true, 0x04de, 1},
    /* 43/13 CANopen General Reference: MEI 0d + opaque | MEI 0d + opaque */
    {B(0x2b, 0x0d, 0x00, 0x01, 0x02), B(0x2b, 0x0d, 0x00, 0x01, 0x02, 0x03), 43,
     "CANopen General Reference", OTW_CLASS_OTHER, false, 0, 0},
    /* 43/14 Read Device Identification: MEI 0e, code 01 basic, object 00
     * | MEI 0e, code 01, conformity 01, more 00, next 00, 1 object: 00 len 3 "ACM" */
    {B(0x2b, 0x0e, 0x01, 0x00), B(0x2b, 0x0e, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x03, 'A', 'C',
                                  'M'),
     43, "Read Device Identification", OTW_CLASS_IDENTITY, false, 0, 0},
    /* 90 Schneider UMAS: session 0, UMAS 0x02 Read ID | 0xFE = OK, data */
    {B(0x5a, 0x00, 0x02), B(0x5a, 0x00, 0xfe, 0x01), 90, "UMAS Read ID", OTW_CLASS_IDENTITY,
     false, 0, 0},
    /* UMAS 0x41 Stop PLC (session 0x12) | 0xFE = OK */
    {B(0x5a, 0x12, 0x41), B(0x5a, 0x12, 0xfe), 90, "UMAS Stop PLC", OTW_CLASS_CONTROL, false, 0, 0},
    /* UMAS 0x31 Upload Block (towards the PLC) | 0xFE */
    {B(0x5a, 0x12, 0x31, 0x01, 0x00), B(0x5a, 0x12, 0xfe), 90, "UMAS Upload Block (to PLC)",
     OTW_CLASS_PROGRAM_DOWNLOAD, false, 0, 0},
    /* UMAS unknown code 0x99 | opaque */
    {B(0x5a, 0x00, 0x99), B(0x5a, 0x00, 0xfe), 90, "UMAS (Schneider)", OTW_CLASS_OTHER, false, 0,
     0},
    /* 100 user-defined: opaque | opaque */
    {B(0x64, 0x01), B(0x64, 0x02), 100, "Unknown", OTW_CLASS_OTHER, false, 0, 0},
};
/* clang-format on */

static void test_function_pairs(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        const pair_case *c = &pairs[i];
        uint16_t trans = (uint16_t)(0x100 + i);
        memset(&f->rec, 0, sizeof(f->rec));
        assert_int_equal(send_pdu(f, OTW_DIR_TO_SERVER, trans, 7, c->req.p, c->req.n, 1000 + i),
                         OTW_PARSE_OK);
        assert_int_equal(f->rec.n_ops, 0);
        assert_int_equal(send_pdu(f, OTW_DIR_TO_CLIENT, trans, 7, c->rsp.p, c->rsp.n, 5000 + i),
                         OTW_PARSE_OK);
        assert_int_equal(f->rec.n_ops, 1);
        const otw_op *op = &f->rec.ops[0];
        assert_int_equal(op->protocol, OTW_PROTO_MODBUS);
        assert_int_equal(op->function, c->function);
        assert_string_equal(op->function_name, c->name);
        assert_int_equal(op->op_class, c->cls);
        assert_int_equal(op->has_address, c->has_address);
        if (c->has_address) {
            assert_int_equal(op->address_start, c->start);
            assert_int_equal(op->address_count, c->count);
        }
        assert_int_equal(op->outcome, OTW_OUTCOME_OK);
        assert_true(op->request_seen);
        assert_true(op->has_unit);
        assert_int_equal(op->unit, 7);
        assert_int_equal(op->transaction, trans);
        assert_int_equal(op->ts_us, 1000 + i);
        assert_int_equal(op->response_ts_us, 5000 + i);
        assert_int_equal(f->rec.n_anomalies, 0);
    }
    assert_int_equal(f->s.n_pending, 0);
    assert_int_equal(f->s.n_malformed, 0);
    assert_int_equal(f->s.n_unmatched_responses, 0);
}

/* ----------------------------------------------------------- exceptions */

static void test_exceptions(void **state)
{
    fixture *f = *state;
    static const struct {
        uint8_t fc, code;
        const char *name;
    } cases[] = {
        {0x01, 1, "Illegal Function"},
        {0x03, 2, "Illegal Data Address"},
        {0x10, 3, "Illegal Data Value"},
        {0x06, 4, "Server Device Failure"},
        {0x08, 5, "Acknowledge"},
        {0x05, 6, "Server Device Busy"},
        {0x14, 8, "Memory Parity Error"},
        {0x04, 10, "Gateway Path Unavailable"},
        {0x02, 11, "Gateway Target Device Failed To Respond"},
    };
    /* requests: read holding registers etc. with valid data */
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&f->rec, 0, sizeof(f->rec));
        uint8_t req[16];
        size_t n;
        switch (cases[i].fc) {
        case 0x10: /* 10 | start 0, qty 1, bc 2, 0001 */
            memcpy(req, (const uint8_t[]){0x10, 0, 0, 0, 1, 2, 0, 1}, n = 8);
            break;
        case 0x05: /* 05 | address 0, OFF */
            memcpy(req, (const uint8_t[]){0x05, 0, 0, 0, 0}, n = 5);
            break;
        case 0x14: /* 14 | bc 7, ref 06, file 1, record 0, len 1 */
            memcpy(req, (const uint8_t[]){0x14, 7, 6, 0, 1, 0, 0, 0, 1}, n = 9);
            break;
        default: /* fc | start 0, qty/value/data 0001 */
            memcpy(req, (const uint8_t[]){cases[i].fc, 0, 0, 0, 1}, n = 5);
            break;
        }
        assert_int_equal(send_pdu(f, OTW_DIR_TO_SERVER, 9, 1, req, n, 10), OTW_PARSE_OK);
        /* exception: function | 0x80, exception code */
        const uint8_t ex[] = {(uint8_t)(cases[i].fc | 0x80), cases[i].code};
        assert_int_equal(send_pdu(f, OTW_DIR_TO_CLIENT, 9, 1, ex, 2, 20), OTW_PARSE_OK);
        assert_int_equal(f->rec.n_ops, 1);
        assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_EXCEPTION);
        assert_int_equal(f->rec.ops[0].exception_code, cases[i].code);
        assert_int_equal(f->rec.ops[0].function, cases[i].fc);
        assert_true(f->rec.ops[0].request_seen);
        assert_string_equal(mb_exception_name(cases[i].code), cases[i].name);
    }
    assert_string_equal(mb_exception_name(7), "Unknown");
    assert_string_equal(mb_exception_name(0), "Unknown");

    /* exception with a trailing byte: malformed -> error */
    memset(&f->rec, 0, sizeof(f->rec));
    assert_int_equal(REQ(f, 11, 0x03, 0x00, 0x00, 0x00, 0x01), OTW_PARSE_OK);
    assert_int_equal(RSP(f, 11, 0x83, 0x02, 0x00), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_ERROR);

    /* an invalid function 0 request may be rejected with 0x80 */
    memset(&f->rec, 0, sizeof(f->rec));
    assert_int_equal(REQ(f, 13, 0x00), OTW_PARSE_MALFORMED);
    assert_int_equal(RSP(f, 13, 0x80, 0x01), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_EXCEPTION);
    /* but 0x80 answering nothing is not an exception of any function */
    assert_int_equal(RSP(f, 14, 0x80, 0x01), OTW_PARSE_MALFORMED);

    /* 43 exception (0xAB) to a device id request keeps the identity class */
    memset(&f->rec, 0, sizeof(f->rec));
    assert_int_equal(REQ(f, 12, 0x2b, 0x0e, 0x01, 0x00), OTW_PARSE_OK);
    assert_int_equal(RSP(f, 12, 0xab, 0x01), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_IDENTITY);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[0].exception_code, 1);
}

/* ------------------------------------------------------------- identity */

static void test_device_identification(void **state)
{
    fixture *f = *state;
    /* clang-format off */
    /* 2b MEI | 0e Read Device ID | 03 extended | 00 from object 0 */
    assert_int_equal(REQ(f, 0x42, 0x2b, 0x0e, 0x03, 0x00), OTW_PARSE_OK);
    assert_int_equal(RSP(f, 0x42,
                         0x2b, 0x0e, /* MEI type 14 */
                         0x03,       /* read device id code: extended */
                         0x83,       /* conformity: extended + individual access */
                         0x00,       /* more follows: no */
                         0x00,       /* next object id */
                         0x08,       /* number of objects */
                         0x00, 0x04, 'A', 'c', 'm', 'e',            /* VendorName */
                         0x01, 0x03, 'P', '-', '1',                 /* ProductCode */
                         0x02, 0x04, 'V', '2', '.', '1',            /* MajorMinorRevision */
                         0x03, 0x03, 'w', 'w', 'w',                 /* VendorUrl (ignored) */
                         0x04, 0x03, 'P', 'L', 'C',                 /* ProductName */
                         0x05, 0x02, 'M', '\x01',                   /* ModelName, control byte */
                         0x06, 0x04, 'l', 'i', 'n', 'e',            /* UserApplicationName */
                         0x80, 0x02, 'x', 'y'),                     /* private object */
                     OTW_PARSE_OK);
    /* clang-format on */
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_IDENTITY);
    assert_int_equal(f->rec.n_ids, 1);
    const otw_identity *id = &f->rec.ids[0];
    assert_int_equal(id->protocol, OTW_PROTO_MODBUS);
    assert_int_equal(id->about, OTW_DIR_TO_CLIENT);
    assert_string_equal(id->source, "modbus 43/14");
    assert_string_equal(id->vendor, "Acme");
    assert_string_equal(id->product_code, "P-1");
    assert_string_equal(id->revision, "V2.1");
    assert_string_equal(id->product, "PLC");
    assert_string_equal(id->model, "M?");
    assert_string_equal(id->name, "line");
    assert_string_equal(id->serial, "");

    /* object length running past the PDU: malformed, no identity */
    memset(&f->rec, 0, sizeof(f->rec));
    assert_int_equal(REQ(f, 0x43, 0x2b, 0x0e, 0x01, 0x00), OTW_PARSE_OK);
    assert_int_equal(RSP(f, 0x43, 0x2b, 0x0e, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x09, 'A',
                         'c'), /* VendorName, len 9 but 2 bytes */
                     OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.n_ids, 0);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_ERROR);

    /* number of objects larger than present */
    memset(&f->rec, 0, sizeof(f->rec));
    assert_int_equal(RSP(f, 0x44, 0x2b, 0x0e, 0x01, 0x01, 0x00, 0x00, 0x02, 0x00, 0x01, 'A'),
                     OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.n_ids, 0);

    /* bad conformity level 0x07 */
    memset(&f->rec, 0, sizeof(f->rec));
    assert_int_equal(RSP(f, 0x45, 0x2b, 0x0e, 0x01, 0x07, 0x00, 0x00, 0x01, 0x00, 0x01, 'A'),
                     OTW_PARSE_MALFORMED);

    /* unmatched identity response still yields the identity */
    memset(&f->rec, 0, sizeof(f->rec));
    assert_int_equal(
        RSP(f, 0x46, 0x2b, 0x0e, 0x04, 0x81, 0x00, 0x00, 0x01, 0x04, 0x03, 'X', 'Y', 'Z'),
        OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 1);
    assert_string_equal(f->rec.ids[0].product, "XYZ");
    assert_int_equal(f->rec.ids[0].role_hint, OTW_HINT_CONTROLLER);
    assert_false(f->rec.ops[0].request_seen);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_IDENTITY);
    assert_string_equal(f->rec.ops[0].function_name, "Read Device Identification");
}

/* ----------------------------------------------------- limits, counts */

static void expect_malformed_request(fixture *f, const uint8_t *pdu, size_t n)
{
    size_t before = f->rec.n_anomalies;
    assert_int_equal(send_pdu(f, OTW_DIR_TO_SERVER, 0x77, 1, pdu, n, 1), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.n_anomalies, before + 1);
}

#define BAD_REQ(f, ...) expect_malformed_request((f), BYTES(__VA_ARGS__))

static void test_quantity_limits(void **state)
{
    fixture *f = *state;
    BAD_REQ(f, 0x01, 0x00, 0x00, 0x00, 0x00);             /* read coils qty 0 */
    BAD_REQ(f, 0x01, 0x00, 0x00, 0x07, 0xd1);             /* read coils qty 2001 */
    BAD_REQ(f, 0x02, 0x00, 0x00, 0x07, 0xd1);             /* discrete inputs qty 2001 */
    BAD_REQ(f, 0x03, 0x00, 0x00, 0x00, 0x7e);             /* holding qty 126 */
    BAD_REQ(f, 0x04, 0x00, 0x00, 0x00, 0x00);             /* input qty 0 */
    BAD_REQ(f, 0x05, 0x00, 0x01, 0x12, 0x34);             /* coil value not 0000/FF00 */
    BAD_REQ(f, 0x06, 0x00, 0x01, 0x00);                   /* write register: 3 bytes */
    BAD_REQ(f, 0x07, 0x00);                               /* 07 takes no data */
    BAD_REQ(f, 0x08, 0x00, 0x0a, 0x00);                   /* diag sub 10: 1 data byte */
    BAD_REQ(f, 0x0f, 0x00, 0x00, 0x07, 0xb1, 0xf7);       /* write coils qty 1969 */
    BAD_REQ(f, 0x10, 0x00, 0x00, 0x00, 0x7c, 0xf8);       /* write registers qty 124 */
    BAD_REQ(f, 0x14, 0x07, 0x05, 0, 1, 0, 0, 0, 1);       /* read file: ref type 5 */
    BAD_REQ(f, 0x14, 0x07, 0x06, 0, 1, 0x27, 0x10, 0, 1); /* read file: record 10000 */
    BAD_REQ(f, 0x15, 0x09, 0x06, 0, 1, 0, 0, 0, 2, 0, 1); /* write file: data short */
    BAD_REQ(f, 0x16, 0x00, 0x04, 0x00, 0xf2, 0x00);       /* mask write: 5 bytes */
    /* 23: read qty 126 */
    BAD_REQ(f, 0x17, 0, 0, 0, 0x7e, 0, 0, 0, 1, 2, 0, 0);
    /* 23: write qty 0, bc 0 */
    BAD_REQ(f, 0x17, 0, 0, 0, 1, 0, 0, 0, 0, 0);
    /* 23: write qty 122, bc 244 (cannot fit a 253-byte PDU anyway) */
    {
        uint8_t p[10 + 240] = {0x17, 0, 0, 0, 1, 0, 0, 0, 0x7a, 0xf4};
        expect_malformed_request(f, p, sizeof(p));
    }
    BAD_REQ(f, 0x18, 0x00);             /* FIFO: 1 byte */
    BAD_REQ(f, 0x2b, 0x0e, 0x05, 0x00); /* device id code 5 */
    BAD_REQ(f, 0x2b, 0x0e, 0x01);       /* device id: object id missing */
    BAD_REQ(f, 0x2b);                   /* MEI type missing */

    /* the largest legal quantities pass */
    assert_int_equal(REQ(f, 1, 0x01, 0x00, 0x00, 0x07, 0xd0), OTW_PARSE_OK); /* 2000 */
    assert_int_equal(REQ(f, 2, 0x03, 0xff, 0xff, 0x00, 0x7d), OTW_PARSE_OK); /* 125 */
    {
        uint8_t p[6 + 246] = {0x10, 0, 0, 0, 0x7b, 0xf6}; /* 123 registers */
        assert_int_equal(send_pdu(f, OTW_DIR_TO_SERVER, 3, 1, p, sizeof(p), 1), OTW_PARSE_OK);
        uint8_t c[6 + 246] = {0x0f, 0, 0, 0x07, 0xb0, 0xf6}; /* 1968 coils */
        assert_int_equal(send_pdu(f, OTW_DIR_TO_SERVER, 4, 1, c, sizeof(c), 1), OTW_PARSE_OK);
    }
}

static void test_byte_count_mismatch(void **state)
{
    fixture *f = *state;
    /* 16: qty 2 but byte count 3 */
    BAD_REQ(f, 0x10, 0x00, 0x01, 0x00, 0x02, 0x03, 0x00, 0x0a, 0x01);
    /* 16: byte count 4 but 2 value bytes */
    BAD_REQ(f, 0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0a);
    /* 15: qty 10 needs 2 bytes, bc 1 */
    BAD_REQ(f, 0x0f, 0x00, 0x13, 0x00, 0x0a, 0x01, 0xcd);
    /* 23: write qty 1, bc 4 */
    BAD_REQ(f, 0x17, 0, 0, 0, 1, 0, 0, 0, 1, 4, 0, 0, 0, 0);
    /* 20: bc not a multiple of 7 */
    BAD_REQ(f, 0x14, 0x08, 0x06, 0, 1, 0, 0, 0, 1, 0);

    /* responses: 03 for 3 registers answered with 2 */
    memset(&f->rec, 0, sizeof(f->rec));
    assert_int_equal(REQ(f, 0x20, 0x03, 0x00, 0x00, 0x00, 0x03), OTW_PARSE_OK);
    assert_int_equal(RSP(f, 0x20, 0x03, 0x04, 0, 1, 0, 2), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_ERROR);
    assert_true(f->rec.ops[0].request_seen);
    assert_int_equal(f->rec.ops[0].address_count, 3);
    /* 01 for 19 coils answered with 2 bytes */
    assert_int_equal(REQ(f, 0x21, 0x01, 0x00, 0x13, 0x00, 0x13), OTW_PARSE_OK);
    assert_int_equal(RSP(f, 0x21, 0x01, 0x02, 0xcd, 0x6b), OTW_PARSE_MALFORMED);
    /* byte count disagrees with the bytes present */
    assert_int_equal(RSP(f, 0x22, 0x03, 0x04, 0, 1), OTW_PARSE_MALFORMED);
    /* 16 response echoing another range */
    assert_int_equal(REQ(f, 0x23, 0x10, 0x00, 0x01, 0x00, 0x01, 0x02, 0x00, 0x0a), OTW_PARSE_OK);
    assert_int_equal(RSP(f, 0x23, 0x10, 0x00, 0x02, 0x00, 0x01), OTW_PARSE_MALFORMED);
    /* FIFO: bc 6 but count 3 */
    assert_int_equal(RSP(f, 0x24, 0x18, 0x00, 0x06, 0x00, 0x03, 0, 0, 0, 0), OTW_PARSE_MALFORMED);
    /* FIFO: count 32 */
    {
        uint8_t p[5 + 64] = {0x18, 0x00, 0x42, 0x00, 0x20};
        assert_int_equal(send_pdu(f, OTW_DIR_TO_CLIENT, 0x25, 1, p, sizeof(p), 1),
                         OTW_PARSE_MALFORMED);
    }
    /* response to another function than the request's */
    memset(&f->rec, 0, sizeof(f->rec));
    assert_int_equal(REQ(f, 0x26, 0x03, 0x00, 0x00, 0x00, 0x01), OTW_PARSE_OK);
    assert_int_equal(RSP(f, 0x26, 0x04, 0x02, 0x00, 0x01), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.ops[0].function, 3);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_ERROR);
    assert_int_equal(f->s.n_pending, 1); /* only the last malformed request 0x77 */
}

static void test_malformed_request_still_paired(void **state)
{
    fixture *f = *state;
    /* read holding registers qty 200: the server answers Illegal Data Value */
    assert_int_equal(REQ(f, 5, 0x03, 0x00, 0x00, 0x00, 0xc8), OTW_PARSE_MALFORMED);
    assert_int_equal(RSP(f, 5, 0x83, 0x03), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_true(f->rec.ops[0].request_seen);
    assert_false(f->rec.ops[0].has_address);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[0].exception_code, 3);
    assert_int_equal(f->s.n_unmatched_responses, 0);
}

/* ------------------------------------------------------------- matching */

static void test_unmatched_response(void **state)
{
    fixture *f = *state;
    /* 03 | bc 2, one register; no request seen (capture started midstream) */
    assert_int_equal(RSP(f, 0x99, 0x03, 0x02, 0x00, 0x2a), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    const otw_op *op = &f->rec.ops[0];
    assert_false(op->request_seen);
    assert_int_equal(op->function, 3);
    assert_int_equal(op->op_class, OTW_CLASS_READ);
    assert_false(op->has_address);
    assert_int_equal(op->unit, 1);
    assert_int_equal(op->transaction, 0x99);
    assert_int_equal(op->ts_us, 2000);
    assert_int_equal(op->response_ts_us, 2000);
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->s.n_unmatched_responses, 1);

    /* unmatched exception: function from the exception code */
    assert_int_equal(RSP(f, 0x9a, 0x90, 0x04), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[1].function, 16);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[1].exception_code, 4);
    assert_int_equal(f->s.n_unmatched_responses, 2);

    /* same transaction, other unit: not a match */
    assert_int_equal(send_pdu(f, OTW_DIR_TO_SERVER, 0x50, 2,
                              (const uint8_t[]){0x03, 0x00, 0x00, 0x00, 0x01}, 5, 10),
                     OTW_PARSE_OK);
    assert_int_equal(RSP(f, 0x50, 0x03, 0x02, 0x00, 0x01), OTW_PARSE_OK);
    assert_false(f->rec.ops[2].request_seen);
    assert_int_equal(f->s.n_pending, 1);
    assert_int_equal(f->s.n_unmatched_responses, 3);
}

static void test_duplicate_transaction(void **state)
{
    fixture *f = *state;
    assert_int_equal(send_pdu(f, OTW_DIR_TO_SERVER, 7, 1,
                              (const uint8_t[]){0x03, 0x00, 0x10, 0x00, 0x01}, 5, 100),
                     OTW_PARSE_OK);
    assert_int_equal(send_pdu(f, OTW_DIR_TO_SERVER, 7, 1,
                              (const uint8_t[]){0x06, 0x00, 0x20, 0x00, 0x05}, 5, 200),
                     OTW_PARSE_OK);
    /* the first one is given up */
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].function, 3);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_NO_RESPONSE);
    assert_int_equal(f->rec.ops[0].ts_us, 100);
    assert_int_equal(f->rec.ops[0].response_ts_us, 0);
    assert_int_equal(f->s.n_pending, 1);
    /* the response pairs with the second */
    assert_int_equal(RSP(f, 7, 0x06, 0x00, 0x20, 0x00, 0x05), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[1].function, 6);
    assert_int_equal(f->rec.ops[1].address_start, 0x20);
    assert_int_equal(f->rec.ops[1].ts_us, 200);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_OK);
}

static void test_pending_overflow(void **state)
{
    fixture *f = *state;
    for (uint16_t t = 0; t < MB_MAX_PENDING + 3; t++) {
        /* 04 | start t, qty 1 */
        const uint8_t pdu[] = {0x04, 0x00, (uint8_t)t, 0x00, 0x01};
        assert_int_equal(send_pdu(f, OTW_DIR_TO_SERVER, t, 1, pdu, sizeof(pdu), 10u + t),
                         OTW_PARSE_OK);
    }
    assert_int_equal(f->s.n_pending, MB_MAX_PENDING);
    assert_int_equal(f->s.n_pending_evicted, 3);
    assert_int_equal(f->rec.n_ops, 3);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(f->rec.ops[i].transaction, i); /* oldest first */
        assert_int_equal(f->rec.ops[i].outcome, OTW_OUTCOME_NO_RESPONSE);
    }
    /* an evicted request's late response is unmatched */
    assert_int_equal(RSP(f, 0, 0x04, 0x02, 0x00, 0x00), OTW_PARSE_OK);
    assert_false(f->rec.ops[3].request_seen);
    /* a kept one still matches */
    assert_int_equal(RSP(f, MB_MAX_PENDING, 0x04, 0x02, 0x00, 0x00), OTW_PARSE_OK);
    assert_true(f->rec.ops[4].request_seen);
    assert_int_equal(f->rec.ops[4].address_start, MB_MAX_PENDING);
    assert_int_equal(f->s.n_pending, MB_MAX_PENDING - 1);
}

static void test_expire(void **state)
{
    fixture *f = *state;
    const uint8_t pdu[] = {0x03, 0x00, 0x00, 0x00, 0x01};
    send_pdu(f, OTW_DIR_TO_SERVER, 1, 1, pdu, sizeof(pdu), 1000);
    send_pdu(f, OTW_DIR_TO_SERVER, 2, 1, pdu, sizeof(pdu), 5000);
    send_pdu(f, OTW_DIR_TO_SERVER, 3, 1, pdu, sizeof(pdu), 2000);
    send_pdu(f, OTW_DIR_TO_SERVER, 4, 1, pdu, sizeof(pdu), 9000);
    /* now 10000, timeout 6000: pending older than 4000 go (1 and 3, in arrival order) */
    mb_expire(&f->s, 10000, 6000, &f->sink);
    assert_int_equal(f->rec.n_ops, 2);
    assert_int_equal(f->rec.ops[0].transaction, 1);
    assert_int_equal(f->rec.ops[1].transaction, 3);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_NO_RESPONSE);
    assert_int_equal(f->s.n_pending, 2);
    /* exactly at the limit stays */
    mb_expire(&f->s, 11000, 6000, &f->sink);
    assert_int_equal(f->rec.n_ops, 2);
    /* clock before the requests: nothing */
    mb_expire(&f->s, 100, 50, &f->sink);
    assert_int_equal(f->rec.n_ops, 2);
    /* flow end */
    mb_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->rec.n_ops, 4);
    assert_int_equal(f->rec.ops[2].transaction, 2);
    assert_int_equal(f->rec.ops[3].transaction, 4);
    assert_int_equal(f->s.n_pending, 0);
    /* NULL sink members are tolerated */
    otw_sink empty = {0};
    send_pdu(f, OTW_DIR_TO_SERVER, 5, 1, pdu, sizeof(pdu), 1);
    mb_expire(&f->s, 0, 0, &empty);
    mb_expire(&f->s, 0, 0, NULL);
    assert_int_equal(mb_parse_adu(&f->s, OTW_DIR_TO_CLIENT,
                                  (const uint8_t[]){0, 1, 0, 0, 0, 2, 1, 0x83}, 8, 1, NULL),
                     OTW_PARSE_MALFORMED);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(mb_function_name(3), "Read Holding Registers");
    assert_string_equal(mb_function_name(43), "Encapsulated Interface Transport");
    assert_string_equal(mb_function_name(90), "UMAS (Schneider)");
    assert_string_equal(mb_function_name(9), "Unknown");
    assert_string_equal(mb_function_name(0x83), "Unknown");
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fact_names),
        T(test_copy_wire_string),
        T(test_registry),
        T(test_frame_len),
        T(test_not_mine),
        T(test_truncated),
        T(test_function_pairs),
        T(test_exceptions),
        T(test_device_identification),
        T(test_quantity_limits),
        T(test_byte_count_mismatch),
        T(test_malformed_request_still_paired),
        T(test_unmatched_response),
        T(test_duplicate_transaction),
        T(test_pending_overflow),
        T(test_expire),
        T(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
