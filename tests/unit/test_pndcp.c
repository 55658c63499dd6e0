/* test_pndcp.c - PROFINET DCP dissector (protocols/pndcp.c).
 *
 * Frames are crafted after IEC 61158-6-10 (DCP): FrameID, then the DCP
 * header (ServiceID, ServiceType, Xid, ResponseDelay/reserved,
 * DCPDataLength) that the helper writes, then the blocks (Option,
 * Suboption, DCPBlockLength, BlockInfo/BlockQualifier, value, pad to even)
 * annotated where they are written. The parser gets the bytes after the
 * Ethertype, as the sensor gives them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dissector.h"
#include "facts.h"
#include "pndcp.h"
#include "sink_test.h"

typedef struct fixture {
    recorder rec;
    otw_sink sink;
} fixture;

static int setup(void **state)
{
    static fixture f; /* PN-DCP has no session */
    f.sink = rec_sink(&f.rec, OTW_PROTO_PNDCP, "pndcp_malformed");
    *state = &f;
    return 0;
}

/* FrameID + DCP header (DCPDataLength = n) + blocks. */
static otw_parse_status dcp(fixture *f, uint16_t frame_id, uint8_t service, uint8_t type,
                            uint32_t xid, const uint8_t *blocks, size_t n)
{
    uint8_t d[512];
    assert_true(n + 12 <= sizeof(d));
    d[0] = (uint8_t)(frame_id >> 8);
    d[1] = (uint8_t)frame_id;
    d[2] = service;
    d[3] = type;
    d[4] = (uint8_t)(xid >> 24);
    d[5] = (uint8_t)(xid >> 16);
    d[6] = (uint8_t)(xid >> 8);
    d[7] = (uint8_t)xid;
    d[8] = 0x00; /* ResponseDelay / reserved */
    d[9] = 0x01;
    d[10] = (uint8_t)(n >> 8);
    d[11] = (uint8_t)n;
    if (n)
        memcpy(d + 12, blocks, n);
    return pndcp_parse(NULL, OTW_DIR_TO_SERVER, d, n + 12, 42, &f->sink);
}

#define DCP(f, fid, svc, type, xid, ...) dcp((f), (fid), (svc), (type), (xid), BYTES(__VA_ARGS__))

/* Identify response of an IO controller "plc-01", Siemens S7-1500. */
/* clang-format off */
static const uint8_t ident_blocks[] = {
    /* 02 05 device options, BlockInfo 0, 2 option/suboption pairs */
    0x02, 0x05, 0x00, 0x06, 0x00, 0x00, 0x02, 0x01, 0x02, 0x02,
    /* 02 01 type of station "S7-1500" + pad */
    0x02, 0x01, 0x00, 0x09, 0x00, 0x00, 'S', '7', '-', '1', '5', '0', '0', 0x00,
    /* 02 02 name of station "plc-01" */
    0x02, 0x02, 0x00, 0x08, 0x00, 0x00, 'p', 'l', 'c', '-', '0', '1',
    /* 02 03 device id: vendor 0x002a, device 0x010e */
    0x02, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x2a, 0x01, 0x0e,
    /* 02 04 role 0x02 IO-Controller */
    0x02, 0x04, 0x00, 0x04, 0x00, 0x00, 0x02, 0x00,
    /* 01 02 IP parameter, BlockInfo 1 (IP set): 192.168.0.1 255.255.255.0 192.168.0.254 */
    0x01, 0x02, 0x00, 0x0e, 0x00, 0x01, 192, 168, 0, 1, 255, 255, 255, 0, 192, 168, 0, 254,
    /* 02 07 instance 0.100 */
    0x02, 0x07, 0x00, 0x04, 0x00, 0x00, 0x00, 0x64,
    /* 02 06 alias "p1.xy" + pad */
    0x02, 0x06, 0x00, 0x07, 0x00, 0x00, 'p', '1', '.', 'x', 'y', 0x00,
};
/* clang-format on */

static void test_registry(void **state)
{
    (void)state;
    assert_ptr_equal(otw_dissector_for_ethertype(0x8892), &pndcp_dissector);
    check_industrial_dissector(&pndcp_dissector, OTW_PROTO_PNDCP);
    assert_int_equal(pndcp_dissector.session_size, 0);
    assert_null(pndcp_dissector.frame_len);
    assert_null(pndcp_dissector.expire);
    assert_string_equal(pndcp_service_name(5), "Identify");
    assert_string_equal(pndcp_service_name(9), "Unknown");
}

static void test_identify(void **state)
{
    fixture *f = *state;
    /* Identify request, All selector (FF FF, length 0) */
    assert_int_equal(DCP(f, 0xFEFE, 5, 0, 0x01000001, 0xff, 0xff, 0x00, 0x00), OTW_PARSE_OK);
    /* Identify request filtered by name of station "pn-io" (+ pad) */
    assert_int_equal(
        DCP(f, 0xFEFE, 5, 0, 0x01000002, 0x02, 0x02, 0x00, 0x05, 'p', 'n', '-', 'i', 'o', 0x00),
        OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 2);
    assert_int_equal(f->rec.ops[0].function, 5);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_DIAGNOSTIC);
    assert_string_equal(f->rec.ops[0].object, "all");
    assert_int_equal(f->rec.ops[0].transaction, 0x01000001);
    assert_true(f->rec.ops[0].request_seen);
    assert_int_equal(f->rec.ops[0].response_ts_us, 0);
    assert_string_equal(f->rec.ops[1].object, "name=pn-io");
    assert_int_equal(f->rec.n_ids, 0);

    assert_int_equal(dcp(f, 0xFEFF, 5, 1, 0x01000001, ident_blocks, sizeof(ident_blocks)),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 3);
    const otw_op *op = &f->rec.ops[2];
    assert_false(op->request_seen);
    assert_int_equal(op->response_ts_us, 42);
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);
    assert_string_equal(op->object, "name+ip");
    assert_int_equal(f->rec.n_ids, 1);
    const otw_identity *id = &f->rec.ids[0];
    assert_int_equal(id->protocol, OTW_PROTO_PNDCP);
    assert_false(id->has_mac);
    assert_false(id->has_ip);
    assert_string_equal(id->name, "plc-01");
    assert_string_equal(id->product, "S7-1500");
    assert_true(id->has_vendor_id);
    assert_int_equal(id->vendor_id, 0x2a);
    assert_string_equal(id->vendor, "Siemens AG");
    assert_string_equal(id->product_code, "0x010e");
    assert_string_equal(id->device_type, "IO-Controller");
    assert_int_equal(id->role_hint, OTW_HINT_CONTROLLER);
    assert_string_equal(id->detail,
                        "ip 192.168.0.1 mask 255.255.255.0 gw 192.168.0.254; instance 0.100; "
                        "alias p1.xy");
    assert_string_equal(id->source, "profinet_dcp identify");
    assert_int_equal(f->rec.n_anomalies, 0);
}

static void test_set(void **state)
{
    fixture *f = *state;
    /* Set request: 05 01 start transaction | 02 02 name "plc-02" qualifier 1 (permanent) |
     * 05 02 stop transaction */
    assert_int_equal(DCP(f, 0xFEFD, 4, 0, 7, 0x05, 0x01, 0x00, 0x02, 0x00, 0x00, 0x02, 0x02, 0x00,
                         0x08, 0x00, 0x01, 'p', 'l', 'c', '-', '0', '2', 0x05, 0x02, 0x00, 0x02,
                         0x00, 0x00),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_CONFIGURATION);
    assert_string_equal(f->rec.ops[0].object, "name=plc-02");
    assert_string_equal(f->rec.ops[0].function_name, "Set");
    /* Set request IP 192.168.0.10/24 gw 192.168.0.1, temporary (qualifier 0) */
    assert_int_equal(DCP(f, 0xFEFD, 4, 0, 8, 0x01, 0x02, 0x00, 0x0e, 0x00, 0x00, 192, 168, 0, 10,
                         255, 255, 255, 0, 192, 168, 0, 1),
                     OTW_PARSE_OK);
    assert_string_equal(f->rec.ops[1].object, "ip=192.168.0.10");
    /* Set response: 05 04 len 3 | answers 01 02 | BlockError 0 | pad */
    assert_int_equal(DCP(f, 0xFEFD, 4, 1, 8, 0x05, 0x04, 0x00, 0x03, 0x01, 0x02, 0x00, 0x00),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[2].outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->rec.ops[2].op_class, OTW_CLASS_OTHER); /* the request is the change */
    assert_string_equal(f->rec.ops[2].object, "ip");
    assert_false(f->rec.ops[2].request_seen);
    /* Set response with BlockError 3 "suboption not set" */
    assert_int_equal(DCP(f, 0xFEFD, 4, 1, 7, 0x05, 0x04, 0x00, 0x03, 0x02, 0x02, 0x03, 0x00),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[3].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[3].exception_code, 3);
    /* Set: reset to factory (05 06, qualifier 0x0002) -> control */
    assert_int_equal(DCP(f, 0xFEFD, 4, 0, 9, 0x05, 0x06, 0x00, 0x02, 0x00, 0x02), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[4].op_class, OTW_CLASS_CONTROL);
    assert_string_equal(f->rec.ops[4].object, "reset-to-factory");
    /* Set: signal (05 03, qualifier 0, value 0x0100 flash once) -> diagnostic */
    assert_int_equal(DCP(f, 0xFEFD, 4, 0, 10, 0x05, 0x03, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[5].op_class, OTW_CLASS_DIAGNOSTIC);
    assert_string_equal(f->rec.ops[5].object, "signal");
    /* Set response for the signal: 05 04 len 3 | answers 05 03 | BlockError 0 */
    assert_int_equal(DCP(f, 0xFEFD, 4, 1, 10, 0x05, 0x04, 0x00, 0x03, 0x05, 0x03, 0x00, 0x00),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[6].op_class, OTW_CLASS_OTHER);
    assert_string_equal(f->rec.ops[6].object, "signal");
    /* Response "request not supported" (ServiceType 5) */
    assert_int_equal(dcp(f, 0xFEFD, 4, 5, 10, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[7].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[7].exception_code, 5);
    assert_int_equal(f->rec.n_ids, 0);
    assert_int_equal(f->rec.n_anomalies, 0);
}

static void test_get_and_hello(void **state)
{
    fixture *f = *state;
    /* Get request: name of station, IP parameter */
    assert_int_equal(DCP(f, 0xFEFD, 3, 0, 11, 0x02, 0x02, 0x01, 0x02), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_READ);
    assert_string_equal(f->rec.ops[0].object, "name+ip");
    /* Get response: name of station "io-7" */
    assert_int_equal(
        DCP(f, 0xFEFD, 3, 1, 11, 0x02, 0x02, 0x00, 0x06, 0x00, 0x00, 'i', 'o', '-', '7'),
        OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 1);
    assert_string_equal(f->rec.ids[0].name, "io-7");
    assert_string_equal(f->rec.ids[0].source, "profinet_dcp get");
    /* Hello: name "io-8", device id Phoenix Contact 0x00b0 / 0x0001, role IO-Device */
    assert_int_equal(DCP(f, 0xFEFC, 6, 0, 12, 0x02, 0x02, 0x00, 0x06, 0x00, 0x00, 'i', 'o', '-',
                         '8', 0x02, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0xb0, 0x00, 0x01, 0x02,
                         0x04, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[2].op_class, OTW_CLASS_IDENTITY);
    assert_true(f->rec.ops[2].request_seen);
    assert_int_equal(f->rec.n_ids, 2);
    assert_string_equal(f->rec.ids[1].vendor, "Phoenix Contact GmbH & Co. KG");
    assert_string_equal(f->rec.ids[1].device_type, "IO-Device");
    assert_int_equal(f->rec.ids[1].role_hint, OTW_HINT_CONTROLLER);
    assert_string_equal(f->rec.ids[1].source, "profinet_dcp hello");
    /* unknown vendor id: kept as id */
    assert_int_equal(
        DCP(f, 0xFEFF, 5, 1, 13, 0x02, 0x03, 0x00, 0x06, 0x00, 0x00, 0xfe, 0xdc, 0x00, 0x01),
        OTW_PARSE_OK);
    assert_int_equal(f->rec.ids[2].vendor_id, 0xfedc);
    assert_string_equal(f->rec.ids[2].vendor, "");
}

static void test_not_dcp(void **state)
{
    fixture *f = *state;
    /* RT class 1 cyclic data (FrameID 0x8000), alarm (0xFE01), PTCP (0xFF40) */
    const uint8_t rt[] = {0x80, 0x00, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x35, 0x00};
    const uint8_t alarm[] = {0xfe, 0x01, 0x00, 0x00};
    const uint8_t ptcp[] = {0xff, 0x40, 0x00, 0x00};
    assert_int_equal(pndcp_parse(NULL, OTW_DIR_TO_SERVER, rt, sizeof(rt), 1, &f->sink),
                     OTW_PARSE_NOT_MINE);
    assert_int_equal(pndcp_parse(NULL, OTW_DIR_TO_SERVER, alarm, sizeof(alarm), 1, &f->sink),
                     OTW_PARSE_NOT_MINE);
    assert_int_equal(pndcp_parse(NULL, OTW_DIR_TO_SERVER, ptcp, sizeof(ptcp), 1, &f->sink),
                     OTW_PARSE_NOT_MINE);
    assert_int_equal(pndcp_parse(NULL, OTW_DIR_TO_SERVER, rt, 1, 1, &f->sink), OTW_PARSE_NOT_MINE);
    assert_int_equal(pndcp_parse(NULL, OTW_DIR_TO_SERVER, NULL, 0, 1, &f->sink),
                     OTW_PARSE_NOT_MINE);
    assert_int_equal(f->rec.n_ops, 0);
    assert_int_equal(f->rec.n_anomalies, 0);
}

static void test_malformed(void **state)
{
    fixture *f = *state;
    /* Identify FrameID carrying a Get */
    assert_int_equal(DCP(f, 0xFEFE, 3, 0, 1, 0x02, 0x02), OTW_PARSE_MALFORMED);
    /* Get/Set FrameID carrying service 9 */
    assert_int_equal(dcp(f, 0xFEFD, 9, 0, 1, NULL, 0), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.n_ops, 0);
    /* DCPDataLength larger than the frame */
    const uint8_t big[] = {0xfe, 0xfe, 0x05, 0x00, 0, 0, 0, 1, 0, 0, 0x01, 0x00, 0xff, 0xff};
    assert_int_equal(pndcp_parse(NULL, OTW_DIR_TO_SERVER, big, sizeof(big), 1, &f->sink),
                     OTW_PARSE_MALFORMED);
    /* Identify response whose block claims more than the data: op with error, no identity */
    assert_int_equal(DCP(f, 0xFEFF, 5, 1, 2, 0x02, 0x02, 0x00, 0x20, 0x00, 0x00, 'x'),
                     OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_ERROR);
    assert_int_equal(f->rec.n_ids, 0);
    /* Device ID block too short */
    assert_int_equal(DCP(f, 0xFEFF, 5, 1, 3, 0x02, 0x03, 0x00, 0x03, 0x00, 0x00, 0x01, 0x00),
                     OTW_PARSE_MALFORMED);
    /* Get request with an odd option list */
    assert_int_equal(DCP(f, 0xFEFD, 3, 0, 4, 0x02), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.n_anomalies, 6);
    /* Ethernet padding after the DCP data is ignored */
    const uint8_t padded[] = {0xfe, 0xfe, 0x05, 0x00, 0, 0, 0, 5, 0, 0, 0x00, 0x04,
                              0xff, 0xff, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0,    0};
    assert_int_equal(pndcp_parse(NULL, OTW_DIR_TO_SERVER, padded, sizeof(padded), 1, &f->sink),
                     OTW_PARSE_OK);
}

static void test_truncation(void **state)
{
    fixture *f = *state;
    uint8_t frame[12 + sizeof(ident_blocks)];
    const uint8_t head[] = {0xfe, 0xff, 0x05, 0x01, 0, 0, 0, 1, 0, 0, 0, sizeof(ident_blocks)};
    memcpy(frame, head, sizeof(head));
    memcpy(frame + 12, ident_blocks, sizeof(ident_blocks));
    for (size_t cut = 0; cut <= sizeof(frame); cut++) {
        uint8_t buf[sizeof(frame)];
        memcpy(buf, frame, cut);
        /* as sent: the declared length overruns; consistent: data length = what is left */
        for (int consistent = 0; consistent < 2; consistent++) {
            if (consistent && cut >= 12)
                buf[11] = (uint8_t)(cut - 12);
            otw_parse_status st = pndcp_parse(NULL, OTW_DIR_TO_SERVER, buf, cut, 1, &f->sink);
            assert_true(st == OTW_PARSE_OK || st == OTW_PARSE_MALFORMED ||
                        st == OTW_PARSE_NOT_MINE);
            if (cut < sizeof(frame) && !consistent && cut >= 2)
                assert_int_equal(st, OTW_PARSE_MALFORMED);
        }
    }
    /* NULL sink is tolerated */
    assert_int_equal(pndcp_parse(NULL, OTW_DIR_TO_SERVER, frame, sizeof(frame), 1, NULL),
                     OTW_PARSE_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_registry, setup),
        cmocka_unit_test_setup(test_identify, setup),
        cmocka_unit_test_setup(test_set, setup),
        cmocka_unit_test_setup(test_get_and_hello, setup),
        cmocka_unit_test_setup(test_not_dcp, setup),
        cmocka_unit_test_setup(test_malformed, setup),
        cmocka_unit_test_setup(test_truncation, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
