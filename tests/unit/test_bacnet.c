/* test_bacnet.c - BACnet/IP dissector (protocols/bacnet.c).
 *
 * Datagrams are crafted by hand after ANSI/ASHRAE 135-2020: Annex J (BVLC:
 * 0x81, function, 2-octet length), clause 6.2 (NPDU: version 1, control),
 * clause 20 (APDU headers, tags), clause 21 (service productions). The
 * helper prepends the BVLC Original-Unicast-NPDU header; NPDU/APDU bytes are
 * annotated where they are written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bacnet.h"
#include "dissector.h"
#include "facts.h"
#include "sink_test.h"

SINK_FIXTURE(bn_session, bn_session_init, OTW_PROTO_BACNET, NULL)

/* BVLC function + length, then the NPDU/APDU bytes. */
static otw_parse_status send_bvlc(fixture *f, otw_dir dir, uint8_t function, const uint8_t *npdu,
                                  size_t n, uint64_t ts)
{
    uint8_t d[600];
    assert_true(n + 4 <= sizeof(d));
    d[0] = 0x81; /* BACnet/IP */
    d[1] = function;
    d[2] = (uint8_t)((n + 4) >> 8);
    d[3] = (uint8_t)(n + 4);
    if (n)
        memcpy(d + 4, npdu, n);
    return bn_parse(&f->s, dir, d, n + 4, ts, &f->sink);
}

#define UNI(f, dir, ts, ...) send_bvlc((f), (dir), 0x0a, BYTES(__VA_ARGS__), (ts))
#define C2S OTW_DIR_TO_SERVER
#define S2C OTW_DIR_TO_CLIENT

/* ------------------------------------------------------------- registry */

static void test_registry(void **state)
{
    (void)state;
    assert_ptr_equal(otw_dissector_for_port(false, 47808), &bacnet_dissector);
    assert_null(otw_dissector_for_port(true, 47808));
    check_industrial_dissector(&bacnet_dissector, OTW_PROTO_BACNET);
    assert_int_equal(bacnet_dissector.session_size, sizeof(bn_session));
    assert_ptr_equal(bacnet_dissector.parse, bn_parse);
    assert_ptr_equal(bacnet_dissector.expire, bn_expire);
    assert_string_equal(bn_confirmed_name(12), "readProperty");
    assert_string_equal(bn_confirmed_name(200), "Unknown");
    assert_string_equal(bn_unconfirmed_name(8), "who-Is");
    assert_string_equal(bn_network_msg_name(0x13), "Network-Number-Is");
    assert_string_equal(bn_network_msg_name(0x90), "Proprietary network message");
    assert_string_equal(bn_bvlc_name(0x05), "Register-Foreign-Device");
    assert_string_equal(bn_object_type_name(2), "analog-value");
    assert_null(bn_object_type_name(1000));
    assert_string_equal(bn_property_name(85), "present-value");
    assert_null(bn_property_name(9999));
}

/* ---------------------------------------------------- confirmed services */

static void test_read_property(void **state)
{
    fixture *f = *state;
    /* NPDU 01 04 (expecting reply) | APDU 00 confirmed, 05 max-APDU 1476, invoke 7,
     * service 12 readProperty | 0c 00800001 [0] analog-value,1 | 19 55 [1] present-value */
    assert_int_equal(UNI(f, C2S, 100, 0x01, 0x04, 0x00, 0x05, 0x07, 0x0c, 0x0c, 0x00, 0x80, 0x00,
                         0x01, 0x19, 0x55),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 0);
    assert_int_equal(f->s.n_pending, 1);
    /* 01 00 | 30 complex-ACK, invoke 7, service 12 | [0] analog-value,1 | [1] 85 |
     * 3e [3] open | 44 42c80000 REAL 100.0 | 3f [3] close */
    assert_int_equal(UNI(f, S2C, 200, 0x01, 0x00, 0x30, 0x07, 0x0c, 0x0c, 0x00, 0x80, 0x00, 0x01,
                         0x19, 0x55, 0x3e, 0x44, 0x42, 0xc8, 0x00, 0x00, 0x3f),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    const otw_op *op = &f->rec.ops[0];
    assert_int_equal(op->function, 12);
    assert_string_equal(op->function_name, "readProperty");
    assert_int_equal(op->op_class, OTW_CLASS_READ);
    assert_string_equal(op->object, "analog-value,1 present-value");
    assert_int_equal(op->transaction, 7);
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);
    assert_true(op->request_seen);
    assert_int_equal(op->ts_us, 100);
    assert_int_equal(op->response_ts_us, 200);
    assert_false(op->has_unit);
    assert_int_equal(f->rec.n_ids, 0); /* not a device object */
    assert_int_equal(f->s.n_pending, 0);
}

/* A request sent by the flow's "server" side (UDP 47808 both ways) pairs
 * with the answer going the other way. */
static void test_request_from_server_side(void **state)
{
    fixture *f = *state;
    /* writeProperty (15), invoke 3: [0] binary-output,2 [1] present-value(85)
     * [3] { 91 01 enumerated active } [4] priority 8 */
    assert_int_equal(UNI(f, S2C, 10, 0x01, 0x04, 0x00, 0x05, 0x03, 0x0f, 0x0c, 0x01, 0x00, 0x00,
                         0x02, 0x19, 0x55, 0x3e, 0x91, 0x01, 0x3f, 0x49, 0x08),
                     OTW_PARSE_OK);
    /* An unrelated answer with the same invoke id in the same direction does not match. */
    assert_int_equal(UNI(f, S2C, 15, 0x01, 0x00, 0x20, 0x03, 0x0f), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_false(f->rec.ops[0].request_seen);
    /* 20 simple-ACK, invoke 3, service 15 */
    assert_int_equal(UNI(f, C2S, 20, 0x01, 0x00, 0x20, 0x03, 0x0f), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 2);
    const otw_op *op = &f->rec.ops[1];
    assert_int_equal(op->op_class, OTW_CLASS_WRITE);
    assert_string_equal(op->object, "binary-output,2 present-value");
    assert_true(op->request_seen);
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);
}

static void test_error_reject_abort(void **state)
{
    fixture *f = *state;
    /* readProperty invoke 1 on device,4194303 vendor-name(121) */
    UNI(f, C2S, 1, 0x01, 0x04, 0x00, 0x05, 0x01, 0x0c, 0x0c, 0x02, 0x3f, 0xff, 0xff, 0x19, 0x79);
    /* 50 Error, invoke 1, service 12 | 91 02 class property | 91 20 code unknown-property */
    assert_int_equal(UNI(f, S2C, 2, 0x01, 0x00, 0x50, 0x01, 0x0c, 0x91, 0x02, 0x91, 0x20),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[0].exception_code, 0x0220);
    assert_string_equal(f->rec.ops[0].object, "device,4194303 vendor-name");

    /* invoke 2 -> 60 Reject, invoke 2, reason 9 unrecognized-service */
    UNI(f, C2S, 3, 0x01, 0x04, 0x00, 0x05, 0x02, 0x1f);
    assert_int_equal(UNI(f, S2C, 4, 0x01, 0x00, 0x60, 0x02, 0x09), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[1].exception_code, 0x1009);
    assert_int_equal(f->rec.ops[1].function, 31);

    /* invoke 4 -> 71 Abort from the server (SRV=1), reason 4 segmentation-not-supported */
    UNI(f, C2S, 5, 0x01, 0x04, 0x00, 0x05, 0x04, 0x0c, 0x0c, 0x02, 0x00, 0x00, 0x01, 0x19, 0x4c);
    assert_int_equal(UNI(f, S2C, 6, 0x01, 0x00, 0x71, 0x04, 0x04), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[2].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[2].exception_code, 0x2004);
    assert_string_equal(f->rec.ops[2].object, "device,1 object-list");

    /* invoke 5 -> 70 Abort by the requester itself (SRV=0), same direction */
    UNI(f, C2S, 7, 0x01, 0x04, 0x00, 0x05, 0x05, 0x0c, 0x0c, 0x02, 0x00, 0x00, 0x01, 0x19, 0x4c);
    assert_int_equal(UNI(f, C2S, 8, 0x01, 0x00, 0x70, 0x05, 0x00), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 4);
    assert_true(f->rec.ops[3].request_seen);
    assert_int_equal(f->rec.ops[3].exception_code, 0x2000);

    /* Error without request: request_seen false, function from the PDU */
    assert_int_equal(UNI(f, S2C, 9, 0x01, 0x00, 0x50, 0x09, 0x0f, 0x91, 0x02, 0x91, 0x28),
                     OTW_PARSE_OK);
    assert_false(f->rec.ops[4].request_seen);
    assert_int_equal(f->rec.ops[4].function, 15);
    assert_int_equal(f->rec.ops[4].exception_code, 0x0228);
    assert_int_equal(f->s.n_unmatched_responses, 1);
    /* createObject-Error: errorType wrapped in [0] { class, code }, [1] element */
    UNI(f, C2S, 10, 0x01, 0x04, 0x00, 0x05, 0x06, 0x0a, 0x0e, 0x09, 0x02, 0x0f);
    assert_int_equal(UNI(f, S2C, 11, 0x01, 0x00, 0x50, 0x06, 0x0a, 0x0e, 0x91, 0x05, 0x91, 0x19,
                         0x0f, 0x19, 0x00),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[5].op_class, OTW_CLASS_CONFIGURATION);
    assert_string_equal(f->rec.ops[5].object, "analog-value");
    assert_int_equal(f->rec.ops[5].exception_code, 0x0519);
    assert_int_equal(f->rec.n_anomalies, 0);
}

static void test_control_and_files(void **state)
{
    fixture *f = *state;
    /* reinitializeDevice (20): [0] 0 coldstart, [1] password "abc" (UTF-8) */
    UNI(f, C2S, 1, 0x01, 0x04, 0x00, 0x05, 0x10, 0x14, 0x09, 0x00, 0x1c, 0x00, 'a', 'b', 'c');
    /* deviceCommunicationControl (17): [0] 60 minutes, [1] 1 disable */
    UNI(f, C2S, 2, 0x01, 0x04, 0x00, 0x05, 0x11, 0x11, 0x09, 0x3c, 0x19, 0x01);
    /* atomicWriteFile (7): c4 02800003 file,3 | 0e [0] open | 31 00 start 0 |
     * 65 03 'x' 'y' 'z' octet string 3 | 0f [0] close */
    UNI(f, C2S, 3, 0x01, 0x04, 0x00, 0x05, 0x12, 0x07, 0xc4, 0x02, 0x80, 0x00, 0x03, 0x0e, 0x31,
        0x00, 0x63, 'x', 'y', 'z', 0x0f);
    /* atomicReadFile (6): file,3 | [0] { start 16, count 512 (22 0200) } */
    UNI(f, C2S, 4, 0x01, 0x04, 0x00, 0x05, 0x13, 0x06, 0xc4, 0x02, 0x80, 0x00, 0x03, 0x0e, 0x31,
        0x10, 0x22, 0x02, 0x00, 0x0f);
    /* deleteObject (11): c4 00800005 analog-value,5 */
    UNI(f, C2S, 5, 0x01, 0x04, 0x00, 0x05, 0x14, 0x0b, 0xc4, 0x00, 0x80, 0x00, 0x05);
    /* confirmedPrivateTransfer (18): [0] vendor 5, [1] service 7 */
    UNI(f, C2S, 6, 0x01, 0x04, 0x00, 0x05, 0x15, 0x12, 0x09, 0x05, 0x19, 0x07);
    /* subscribeCOV (5): [0] process 1, [1] analog-input,0 */
    UNI(f, C2S, 7, 0x01, 0x04, 0x00, 0x05, 0x16, 0x05, 0x09, 0x01, 0x1c, 0x00, 0x00, 0x00, 0x00);
    assert_int_equal(f->s.n_pending, 7);
    assert_int_equal(f->rec.n_anomalies, 0);
    for (uint8_t inv = 0x10; inv <= 0x16; inv++) {
        uint8_t svc[] = {20, 17, 7, 6, 11, 18, 5};
        assert_int_equal(UNI(f, S2C, 10 + inv, 0x01, 0x00, 0x20, inv, svc[inv - 0x10]),
                         OTW_PARSE_OK);
    }
    assert_int_equal(f->rec.n_ops, 7);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_CONTROL);
    assert_string_equal(f->rec.ops[0].object, "coldstart");
    assert_int_equal(f->rec.ops[1].op_class, OTW_CLASS_CONTROL);
    assert_string_equal(f->rec.ops[1].object, "disable");
    assert_int_equal(f->rec.ops[2].op_class, OTW_CLASS_PROGRAM_DOWNLOAD);
    assert_string_equal(f->rec.ops[2].object, "file,3");
    assert_true(f->rec.ops[2].has_address);
    assert_int_equal(f->rec.ops[2].address_start, 0);
    assert_int_equal(f->rec.ops[2].address_count, 3);
    assert_int_equal(f->rec.ops[3].op_class, OTW_CLASS_PROGRAM_UPLOAD);
    assert_int_equal(f->rec.ops[3].address_start, 16);
    assert_int_equal(f->rec.ops[3].address_count, 512);
    assert_int_equal(f->rec.ops[4].op_class, OTW_CLASS_CONFIGURATION);
    assert_string_equal(f->rec.ops[4].object, "analog-value,5");
    assert_string_equal(f->rec.ops[5].object, "vendor 5 service 7");
    assert_int_equal(f->rec.ops[5].op_class, OTW_CLASS_OTHER);
    assert_int_equal(f->rec.ops[6].op_class, OTW_CLASS_READ);
    assert_string_equal(f->rec.ops[6].object, "analog-input,0");
}

/* ------------------------------------------------------------ identity */

static void test_who_is_i_am(void **state)
{
    fixture *f = *state;
    /* who-Is broadcast: 01 20 ffff 00 ff (DNET global, hop 255) | 10 08 | [0] 100 [1] 200 */
    assert_int_equal(send_bvlc(f, C2S, 0x0b,
                               (const uint8_t[]){0x01, 0x20, 0xff, 0xff, 0x00, 0xff, 0x10, 0x08,
                                                 0x09, 0x64, 0x19, 0xc8},
                               12, 1),
                     OTW_PARSE_OK);
    const otw_op *op = &f->rec.ops[0];
    assert_int_equal(op->function, BN_FN_UNCONFIRMED | 8);
    assert_string_equal(op->function_name, "who-Is");
    assert_int_equal(op->op_class, OTW_CLASS_DIAGNOSTIC);
    assert_true(op->has_address);
    assert_int_equal(op->address_start, 100);
    assert_int_equal(op->address_count, 101);
    assert_true(op->has_unit);
    assert_int_equal(op->unit, 0xFFFF);
    /* i-Am: 10 00 | c4 02000065 device,101 | 22 05c4 max APDU 1476 | 91 00 segmented-both |
     * 21 05 vendor 5 */
    assert_int_equal(send_bvlc(f, S2C, 0x0b,
                               (const uint8_t[]){0x01, 0x00, 0x10, 0x00, 0xc4, 0x02, 0x00, 0x00,
                                                 0x65, 0x22, 0x05, 0xc4, 0x91, 0x00, 0x21, 0x05},
                               16, 2),
                     OTW_PARSE_OK);
    op = &f->rec.ops[1];
    assert_string_equal(op->function_name, "i-Am");
    assert_int_equal(op->op_class, OTW_CLASS_IDENTITY);
    assert_string_equal(op->object, "device,101");
    assert_int_equal(f->rec.n_ids, 1);
    const otw_identity *id = &f->rec.ids[0];
    assert_int_equal(id->protocol, OTW_PROTO_BACNET);
    assert_int_equal(id->about, S2C);
    assert_false(id->has_ip);
    assert_true(id->has_vendor_id);
    assert_int_equal(id->vendor_id, 5);
    assert_string_equal(id->vendor, "Johnson Controls, Inc.");
    assert_int_equal(id->role_hint, OTW_HINT_CONTROLLER);
    assert_string_equal(id->detail, "device,101 max-apdu 1476 segmentation both");
    /* unknown vendor id: id kept, no name */
    send_bvlc(f, S2C, 0x0b,
              (const uint8_t[]){0x01, 0x00, 0x10, 0x00, 0xc4, 0x02, 0x00, 0x00, 0x66, 0x21, 0x80,
                                0x91, 0x03, 0x22, 0x7f, 0xff},
              16, 3);
    assert_int_equal(f->rec.ids[1].vendor_id, 0x7fff);
    assert_string_equal(f->rec.ids[1].vendor, "");
}

/* I-Am forwarded by a BBMD names the original device's address; one routed
 * from a remote network (SNET) is not attributed. */
static void test_forwarded_and_routed(void **state)
{
    fixture *f = *state;
    /* 04 Forwarded-NPDU | c0a8010a bac0 (192.168.1.10:47808) | NPDU 01 00 | i-Am device,7 vendor 8
     */
    assert_int_equal(send_bvlc(f, S2C, 0x04,
                               (const uint8_t[]){0xc0, 0xa8, 0x01, 0x0a, 0xba, 0xc0, 0x01,
                                                 0x00, 0x10, 0x00, 0xc4, 0x02, 0x00, 0x00,
                                                 0x07, 0x21, 0x32, 0x91, 0x03, 0x21, 0x08},
                               21, 1),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 1);
    assert_true(f->rec.ids[0].has_ip);
    const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 1, 10};
    assert_memory_equal(f->rec.ids[0].ip, mapped, 16);
    assert_string_equal(f->rec.ids[0].vendor, "Delta Controls");
    /* 01 08 | SNET 0005 SLEN 1 SADR 0x21 | i-Am device,33 */
    assert_int_equal(UNI(f, S2C, 2, 0x01, 0x08, 0x00, 0x05, 0x01, 0x21, 0x10, 0x00, 0xc4, 0x02,
                         0x00, 0x00, 0x21, 0x21, 0x32, 0x91, 0x03, 0x21, 0x08),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 2);
    assert_string_equal(f->rec.ops[1].object, "device,33");
    assert_int_equal(f->rec.n_ids, 1);
}

static void test_device_properties(void **state)
{
    fixture *f = *state;
    /* readProperty model-name of device,500; answer in UCS-2 (charset 4): "MS-1" */
    UNI(f, C2S, 1, 0x01, 0x04, 0x00, 0x05, 0x01, 0x0c, 0x0c, 0x02, 0x00, 0x01, 0xf4, 0x19, 0x46);
    /* 30 01 0c | [0] device,500 | [1] 70 | 3e | 75 09 04 00'M' 00'S' 00'-' 00'1' | 3f */
    assert_int_equal(UNI(f, S2C, 2, 0x01, 0x00, 0x30, 0x01, 0x0c, 0x0c, 0x02, 0x00, 0x01, 0xf4,
                         0x19, 0x46, 0x3e, 0x75, 0x09, 0x04, 0x00, 'M', 0x00, 'S', 0x00, '-', 0x00,
                         '1', 0x3f),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 1);
    assert_string_equal(f->rec.ids[0].model, "MS-1");
    assert_string_equal(f->rec.ids[0].source, "bacnet readProperty");
    assert_int_equal(f->rec.ids[0].about, S2C);

    /* readPropertyMultiple (14) device,500 { vendor-name, firmware-revision, serial, name,
     * vendor-id } */
    UNI(f, C2S, 3, 0x01, 0x04, 0x00, 0x05, 0x02, 0x0e, 0x0c, 0x02, 0x00, 0x01, 0xf4, 0x1e, 0x09,
        0x79, 0x09, 0x2c, 0x1f);
    /* 30 02 0e | [0] device,500 | 1e [1] open |
     *   29 79 [2] vendor-name | 4e [4] { 75 04 00 'A' 'c' 'm' } 4f |
     *   29 2c [2] firmware-revision | 4e { 75 06 05 '1' '.' '2' 0xe9 (é in 8859-1) '!' } 4f |
     *   2a 01 74 [2] serial-number (372) | 4e { 74 00 'S' 'N' '9' } 4f |
     *   29 4d [2] object-name | 5e [5] { 91 02 91 20 } 5f  (error: skipped) |
     *   29 78 [2] vendor-identifier | 4e { 21 0a } 4f |
     *   29 4b [2] object-identifier | 4e { c4 020001f4 } 4f |
     * 1f */
    assert_int_equal(UNI(f, S2C, 4, 0x01, 0x00, 0x30, 0x02, 0x0e, 0x0c, 0x02, 0x00, 0x01, 0xf4,
                         0x1e, 0x29, 0x79, 0x4e, 0x74, 0x00, 'A', 'c', 'm', 0x4f, 0x29, 0x2c, 0x4e,
                         0x75, 0x06, 0x05, '1', '.', '2', 0xe9, '!', 0x4f, 0x2a, 0x01, 0x74, 0x4e,
                         0x74, 0x00, 'S', 'N', '9', 0x4f, 0x29, 0x4d, 0x5e, 0x91, 0x02, 0x91, 0x20,
                         0x5f, 0x29, 0x78, 0x4e, 0x21, 0x0a, 0x4f, 0x29, 0x4b, 0x4e, 0xc4, 0x02,
                         0x00, 0x01, 0xf4, 0x4f, 0x1f),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 2);
    assert_string_equal(f->rec.ops[1].object, "device,500 vendor-name");
    assert_int_equal(f->rec.n_ids, 2);
    const otw_identity *id = &f->rec.ids[1];
    assert_string_equal(id->vendor, "Acm"); /* vendor-name wins over the table */
    assert_string_equal(id->revision, "1.2\xc3\xa9!");
    assert_string_equal(id->serial, "SN9");
    assert_int_equal(id->vendor_id, 10);
    assert_string_equal(id->detail, "device,500");
    assert_string_equal(id->source, "bacnet readPropertyMultiple");
    assert_int_equal(f->rec.n_anomalies, 0);
}

/* ---------------------------------------------- network layer and BVLC */

static void test_network_and_bvlc(void **state)
{
    fixture *f = *state;
    /* 01 80 network message | 00 Who-Is-Router-To-Network | 0005 network 5 */
    assert_int_equal(UNI(f, C2S, 1, 0x01, 0x80, 0x00, 0x00, 0x05), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[0].function, BN_FN_NETWORK | 0);
    assert_string_equal(f->rec.ops[0].object, "network 5");
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_DIAGNOSTIC);
    /* 01 80 | 06 Initialize-Routing-Table | 00 ports */
    assert_int_equal(UNI(f, C2S, 2, 0x01, 0x80, 0x06, 0x00), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[1].op_class, OTW_CLASS_CONFIGURATION);
    /* proprietary 0x80 + vendor id 0x0005 */
    assert_int_equal(UNI(f, C2S, 3, 0x01, 0x80, 0x80, 0x00, 0x05, 0xaa), OTW_PARSE_OK);
    assert_string_equal(f->rec.ops[2].function_name, "Proprietary network message");

    /* 02 Read-BDT -> 00 Result 0020 (Read-BDT NAK) */
    assert_int_equal(send_bvlc(f, C2S, 0x02, NULL, 0, 10), OTW_PARSE_OK);
    assert_int_equal(send_bvlc(f, S2C, 0x00, (const uint8_t[]){0x00, 0x20}, 2, 11), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 4);
    assert_int_equal(f->rec.ops[3].function, BN_FN_BVLC | 2);
    assert_int_equal(f->rec.ops[3].op_class, OTW_CLASS_READ);
    assert_int_equal(f->rec.ops[3].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[3].exception_code, 0x20);
    /* 05 Register-Foreign-Device ttl 60 -> Result 0030 NAK */
    assert_int_equal(send_bvlc(f, C2S, 0x05, (const uint8_t[]){0x00, 0x3c}, 2, 12), OTW_PARSE_OK);
    assert_int_equal(send_bvlc(f, S2C, 0x00, (const uint8_t[]){0x00, 0x30}, 2, 13), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[4].op_class, OTW_CLASS_CONFIGURATION);
    assert_string_equal(f->rec.ops[4].object, "ttl 60");
    assert_int_equal(f->rec.ops[4].exception_code, 0x30);
    /* 01 Write-BDT, one entry -> Result 0000 */
    assert_int_equal(send_bvlc(f, C2S, 0x01,
                               (const uint8_t[]){10, 0, 0, 1, 0xba, 0xc0, 255, 255, 255, 255}, 10,
                               14),
                     OTW_PARSE_OK);
    assert_int_equal(send_bvlc(f, S2C, 0x00, (const uint8_t[]){0x00, 0x00}, 2, 15), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[5].outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->rec.ops[5].address_count, 1);
    /* 06 Read-FDT -> 07 Read-FDT-Ack (no entries) */
    send_bvlc(f, C2S, 0x06, NULL, 0, 16);
    assert_int_equal(send_bvlc(f, S2C, 0x07, NULL, 0, 17), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[6].function, BN_FN_BVLC | 6);
    assert_int_equal(f->rec.ops[6].response_ts_us, 17);
    /* 08 Delete-FDT-Entry 10.0.0.9:47808, never answered -> expire */
    send_bvlc(f, C2S, 0x08, (const uint8_t[]){10, 0, 0, 9, 0xba, 0xc0}, 6, 18);
    bn_expire(&f->s, 19, 0, &f->sink);
    assert_int_equal(f->rec.ops[7].outcome, OTW_OUTCOME_NO_RESPONSE);
    assert_string_equal(f->rec.ops[7].object, "10.0.0.9:47808");
    /* A Result nobody asked for */
    send_bvlc(f, S2C, 0x00, (const uint8_t[]){0x00, 0x60}, 2, 20);
    assert_false(f->rec.ops[8].request_seen);
    assert_int_equal(f->rec.ops[8].function, BN_FN_BVLC | 9);
    /* Secure-BVLL: opaque op */
    assert_int_equal(send_bvlc(f, C2S, 0x0c, (const uint8_t[]){1, 2, 3}, 3, 21), OTW_PARSE_OK);
    assert_string_equal(f->rec.ops[9].function_name, "Secure-BVLL");
    assert_int_equal(f->rec.n_anomalies, 0);
}

/* ------------------------------------------------------- segmentation */

static void test_segments(void **state)
{
    fixture *f = *state;
    /* readPropertyMultiple invoke 9 */
    UNI(f, C2S, 1, 0x01, 0x04, 0x02, 0x75, 0x09, 0x0e, 0x0c, 0x02, 0x00, 0x00, 0x01, 0x1e, 0x09,
        0x08, 0x1f);
    /* 3c complex-ACK segmented + more follows, invoke 9, seq 0, window 4, service 14, partial */
    assert_int_equal(UNI(f, S2C, 2, 0x01, 0x00, 0x3c, 0x09, 0x00, 0x04, 0x0e, 0x0c, 0x02, 0x00,
                         0x00, 0x01, 0x1e, 0x29, 0x4d, 0x4e),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_OK);
    /* 40 segment-ACK, invoke 9, seq 0, window 4 */
    assert_int_equal(UNI(f, C2S, 3, 0x01, 0x00, 0x40, 0x09, 0x00, 0x04), OTW_PARSE_OK);
    /* 38 last segment seq 1 */
    assert_int_equal(UNI(f, S2C, 4, 0x01, 0x00, 0x38, 0x09, 0x01, 0x04, 0x0e, 0x4f, 0x1f),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->s.n_segments, 2);
    assert_int_equal(f->s.n_unmatched_responses, 0);
}

/* ------------------------------------------------------------ limits */

static void test_pending_limits(void **state)
{
    fixture *f = *state;
    for (unsigned i = 0; i < BN_MAX_PENDING + 2; i++)
        UNI(f, C2S, 100 + i, 0x01, 0x04, 0x00, 0x05, (uint8_t)i, 0x0c, 0x0c, 0x00, 0x00, 0x00, 0x01,
            0x19, 0x55);
    assert_int_equal(f->s.n_pending, BN_MAX_PENDING);
    assert_int_equal(f->s.n_pending_evicted, 2);
    assert_int_equal(f->rec.n_ops, 2);
    assert_int_equal(f->rec.ops[0].transaction, 0);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_NO_RESPONSE);
    /* Reusing invoke 5 gives up the older request 5. */
    UNI(f, C2S, 200, 0x01, 0x04, 0x00, 0x05, 0x05, 0x0c, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x19, 0x55);
    assert_int_equal(f->rec.n_ops, 3);
    assert_int_equal(f->rec.ops[2].transaction, 5);
    assert_int_equal(f->rec.ops[2].ts_us, 105);
    /* Expiry by age: requests at 102..117 (+200); timeout 10 at t=115 takes 102..104 */
    bn_expire(&f->s, 115, 10, &f->sink);
    assert_int_equal(f->rec.n_ops, 6);
    bn_expire(&f->s, 1000, 0, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
    assert_int_equal(f->rec.n_ops, 3 + BN_MAX_PENDING);
    bn_expire(NULL, 1, 0, &f->sink);
}

/* ---------------------------------------------------- hostile input */

static void test_garbage(void **state)
{
    fixture *f = *state;
    const uint8_t not_bip[] = {0x45, 0x0a, 0x00, 0x06, 0x01, 0x00};
    assert_int_equal(bn_parse(&f->s, C2S, not_bip, sizeof(not_bip), 1, &f->sink),
                     OTW_PARSE_NOT_MINE);
    assert_int_equal(bn_parse(&f->s, C2S, not_bip, 0, 1, &f->sink), OTW_PARSE_NOT_MINE);
    assert_int_equal(bn_parse(NULL, C2S, not_bip, sizeof(not_bip), 1, &f->sink),
                     OTW_PARSE_NOT_MINE);
    /* BVLC length 8 on a 6-octet datagram */
    const uint8_t badlen[] = {0x81, 0x0a, 0x00, 0x08, 0x01, 0x00};
    assert_int_equal(bn_parse(&f->s, C2S, badlen, sizeof(badlen), 1, &f->sink),
                     OTW_PARSE_MALFORMED);
    /* unknown BVLC function 0x20 */
    const uint8_t badfn[] = {0x81, 0x20, 0x00, 0x04};
    assert_int_equal(bn_parse(&f->s, C2S, badfn, sizeof(badfn), 1, &f->sink), OTW_PARSE_NOT_MINE);
    /* NPDU version 2 */
    assert_int_equal(UNI(f, C2S, 1, 0x02, 0x00, 0x10, 0x08), OTW_PARSE_MALFORMED);
    /* readProperty whose object identifier is 3 octets: op kept, object dropped */
    assert_int_equal(
        UNI(f, C2S, 1, 0x01, 0x04, 0x00, 0x05, 0x01, 0x0c, 0x0b, 0x00, 0x00, 0x01, 0x19, 0x55),
        OTW_PARSE_MALFORMED);
    assert_int_equal(f->s.n_pending, 1);
    assert_string_equal(f->s.pending[0].object, "");
    /* simple ACK with trailing bytes: error outcome */
    assert_int_equal(UNI(f, S2C, 2, 0x01, 0x00, 0x20, 0x01, 0x0c, 0x00), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_ERROR);
    /* deeply nested opening tags in a readProperty ACK value */
    uint8_t deep[300];
    size_t n = 0;
    const uint8_t head[] = {0x01, 0x00, 0x30, 0x02, 0x0c, 0x0c, 0x02,
                            0x00, 0x00, 0x01, 0x19, 0x4d, 0x3e};
    memcpy(deep, head, sizeof(head));
    n = sizeof(head);
    while (n < sizeof(deep))
        deep[n++] = 0x0e; /* [0] opening, forever */
    assert_int_equal(send_bvlc(f, S2C, 0x0a, deep, n, 3), OTW_PARSE_MALFORMED);
    /* BACnet/IPv6 is recognised and left alone */
    const uint8_t v6[] = {0x82, 0x01, 0x00, 0x04};
    assert_int_equal(bn_parse(&f->s, C2S, v6, sizeof(v6), 1, &f->sink), OTW_PARSE_OK);
    assert_true(f->rec.n_anomalies >= 4);
}

/* Every prefix of valid datagrams: never a crash, only the three results. */
static void test_truncation(void **state)
{
    fixture *f = *state;
    static const uint8_t pdus[][80] = {
        /* RPM ACK from test_device_properties (BVLC included) */
        {0x81, 0x0a, 0x00, 0x44, 0x01, 0x00, 0x30, 0x02, 0x0e, 0x0c, 0x02, 0x00, 0x01, 0xf4,
         0x1e, 0x29, 0x79, 0x4e, 0x74, 0x00, 'A',  'c',  'm',  0x4f, 0x29, 0x2c, 0x4e, 0x75,
         0x06, 0x05, '1',  '.',  '2',  0xe9, '!',  0x4f, 0x2a, 0x01, 0x74, 0x4e, 0x74, 0x00,
         'S',  'N',  '9',  0x4f, 0x29, 0x4d, 0x5e, 0x91, 0x02, 0x91, 0x20, 0x5f, 0x29, 0x78,
         0x4e, 0x21, 0x0a, 0x4f, 0x29, 0x4b, 0x4e, 0xc4, 0x02, 0x00, 0x01, 0xf4, 0x4f, 0x1f},
        /* forwarded I-Am */
        {0x81, 0x04, 0x00, 0x19, 0xc0, 0xa8, 0x01, 0x0a, 0xba, 0xc0, 0x01, 0x00, 0x10,
         0x00, 0xc4, 0x02, 0x00, 0x00, 0x07, 0x21, 0x32, 0x91, 0x03, 0x21, 0x08},
        /* atomicWriteFile request, routed: DNET 5 DLEN 1 DADR 7 hop 255 */
        {0x81, 0x0a, 0x00, 0x1b, 0x01, 0x24, 0x00, 0x05, 0x01, 0x07, 0xff, 0x00, 0x05, 0x12,
         0x07, 0xc4, 0x02, 0x80, 0x00, 0x03, 0x0e, 0x31, 0x00, 0x63, 'x',  'y',  'z',  0x0f},
    };
    static const size_t lens[] = {0x44, 0x19, 0x1b};
    for (size_t k = 0; k < 3; k++) {
        for (size_t cut = 0; cut <= lens[k]; cut++) {
            uint8_t buf[80];
            memcpy(buf, pdus[k], cut);
            if (cut >= 4) { /* keep the BVLC length consistent so the inner parsers run */
                buf[2] = (uint8_t)(cut >> 8);
                buf[3] = (uint8_t)cut;
            }
            otw_parse_status st = bn_parse(&f->s, (otw_dir)(cut & 1), buf, cut, cut, &f->sink);
            assert_true(st == OTW_PARSE_OK || st == OTW_PARSE_MALFORMED ||
                        st == OTW_PARSE_NOT_MINE);
            assert_true(f->s.n_pending <= BN_MAX_PENDING);
        }
    }
    bn_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_registry, setup),
        cmocka_unit_test_setup(test_read_property, setup),
        cmocka_unit_test_setup(test_request_from_server_side, setup),
        cmocka_unit_test_setup(test_error_reject_abort, setup),
        cmocka_unit_test_setup(test_control_and_files, setup),
        cmocka_unit_test_setup(test_who_is_i_am, setup),
        cmocka_unit_test_setup(test_forwarded_and_routed, setup),
        cmocka_unit_test_setup(test_device_properties, setup),
        cmocka_unit_test_setup(test_network_and_bvlc, setup),
        cmocka_unit_test_setup(test_segments, setup),
        cmocka_unit_test_setup(test_pending_limits, setup),
        cmocka_unit_test_setup(test_garbage, setup),
        cmocka_unit_test_setup(test_truncation, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
