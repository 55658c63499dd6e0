/* test_enip.c - EtherNet/IP + CIP dissector (protocols/enip.c).
 *
 * PDUs are crafted by hand after the CIP Networks Library, Volume 2
 * (encapsulation, CPF, List Identity) and Volume 1 (message router,
 * Connection Manager, Multiple Service Packet, Identity object, EPATH).
 * Helpers below build the 24-byte encapsulation header (little-endian:
 * command, length, session handle, status, sender context, options) and the
 * SendRRData / SendUnitData bodies; CIP bytes are annotated where used.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissector.h"
#include "enip.h"
#include "facts.h"

#define SINK_MAX_OPS 256
#include "sink_test.h"

SINK_FIXTURE(enip_session, enip_session_init, OTW_PROTO_ENIP, "enip_malformed")

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

/* Encapsulation header + body. */
static size_t encap(uint8_t *out, uint16_t cmd, uint32_t session, uint32_t status, uint64_t ctx,
                    const uint8_t *body, size_t n)
{
    put16(out, cmd);
    put16(out + 2, (uint16_t)n);
    put32(out + 4, session);
    put32(out + 8, status);
    for (int i = 0; i < 8; i++)
        out[12 + i] = (uint8_t)(ctx >> (8 * i));
    put32(out + 20, 0); /* options */
    if (n)
        memcpy(out + 24, body, n);
    return 24 + n;
}

/* SendRRData body: interface handle 0, timeout 10, CPF: Null address item,
 * Unconnected data item (0x00B2) with the CIP message. */
static size_t rr_body(uint8_t *out, const uint8_t *cip, size_t n)
{
    put32(out, 0);
    put16(out + 4, 10);
    put16(out + 6, 2);      /* item count */
    put16(out + 8, 0x0000); /* Null address */
    put16(out + 10, 0);
    put16(out + 12, 0x00B2); /* Unconnected data */
    put16(out + 14, (uint16_t)n);
    memcpy(out + 16, cip, n);
    return 16 + n;
}

/* SendUnitData body: CPF: Connected address (connection id), Connected
 * data (sequence count + CIP message). */
static size_t ud_body(uint8_t *out, uint32_t conn, uint16_t seq, const uint8_t *cip, size_t n)
{
    put32(out, 0);
    put16(out + 4, 0);
    put16(out + 6, 2);
    put16(out + 8, 0x00A1);
    put16(out + 10, 4);
    put32(out + 12, conn);
    put16(out + 16, 0x00B1);
    put16(out + 18, (uint16_t)(n + 2));
    put16(out + 20, seq);
    memcpy(out + 22, cip, n);
    return 22 + n;
}

#define SESSION 0x11020100u

static otw_parse_status rr(fixture *f, otw_dir dir, uint64_t ctx, uint32_t status,
                           const uint8_t *cip, size_t n, uint64_t ts)
{
    static uint8_t body[4096], pdu[4200];
    size_t bn = rr_body(body, cip, n);
    size_t pn = encap(pdu, ENIP_CMD_SEND_RR_DATA, SESSION, status, ctx, body, bn);
    return enip_parse(&f->s, dir, pdu, pn, ts, &f->sink);
}

static otw_parse_status ud(fixture *f, otw_dir dir, uint16_t seq, const uint8_t *cip, size_t n,
                           uint64_t ts)
{
    static uint8_t body[4096], pdu[4200];
    size_t bn = ud_body(body, dir == OTW_DIR_TO_SERVER ? 0x00790b01 : 0x80fe0017, seq, cip, n);
    size_t pn = encap(pdu, ENIP_CMD_SEND_UNIT_DATA, SESSION, 0, 0, body, bn);
    return enip_parse(&f->s, dir, pdu, pn, ts, &f->sink);
}

/* Identity object attributes 1-7: vendor 1, device type 0x0E (PLC), product
 * code 54, revision 16.20, status 0x3060, serial 0x0051823F, name. */
#define IDENTITY_ATTRS                                                                             \
    0x01, 0x00, 0x0E, 0x00, 0x36, 0x00, 0x10, 0x14, 0x60, 0x30, 0x3F, 0x82, 0x51, 0x00, 0x14, '1', \
        '7', '5', '6', '-', 'L', '6', '1', '/', 'B', ' ', 'L', 'O', 'G', 'I', 'X', '5', '5', '6',  \
        '1'

/* ---------------------------------------------------------- descriptor */

static void test_descriptor(void **state)
{
    (void)state;
    assert_ptr_equal(otw_dissector_for_port(true, 44818), &enip_dissector);
    assert_ptr_equal(otw_dissector_for_port(false, 44818), &enip_dissector);
    assert_ptr_equal(otw_dissector_for_port(false, 2222), &enip_dissector);
    check_industrial_dissector(&enip_dissector, OTW_PROTO_ENIP);
    assert_string_equal(enip_dissector.name, "enip");
    assert_string_equal(otw_proto_name(OTW_PROTO_ENIP), "enip");
    assert_int_equal(enip_dissector.session_size, sizeof(enip_session));
    assert_non_null(enip_dissector.frame_len);
    assert_non_null(enip_dissector.expire);
}

static void test_frame_len(void **state)
{
    (void)state;
    uint8_t pdu[64];
    size_t n = encap(pdu, ENIP_CMD_LIST_IDENTITY, 0, 0, 0, NULL, 0);
    assert_int_equal(n, 24);
    assert_int_equal(enip_frame_len(pdu, n), 24);
    assert_int_equal(enip_frame_len(pdu, 23), OTW_FRAME_NEED_MORE);
    assert_int_equal(enip_frame_len(pdu, 1), OTW_FRAME_NEED_MORE);
    assert_int_equal(enip_frame_len(NULL, 0), OTW_FRAME_NEED_MORE);
    put16(pdu + 2, 0xFFFF); /* length: the largest encapsulation PDU */
    assert_int_equal(enip_frame_len(pdu, 24), 24 + 0xFFFF);
    put16(pdu, 0x0001); /* not a command */
    assert_int_equal(enip_frame_len(pdu, 2), OTW_FRAME_NOT_MINE);
    put16(pdu, 0x6F00); /* big-endian SendRRData: not ENIP */
    assert_int_equal(enip_frame_len(pdu, 24), OTW_FRAME_NOT_MINE);
}

/* ------------------------------------------------- encapsulation ops */

static void test_list_identity(void **state)
{
    fixture *f = *state;
    uint8_t pdu[256];
    size_t n = encap(pdu, ENIP_CMD_LIST_IDENTITY, 0, 0, 0xC1DEBED1, NULL, 0);
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_SERVER, pdu, n, 100, &f->sink), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 0);
    /* Reply: item count 1, item 0x0C, length, encapsulation version 1,
     * sockaddr (big-endian) AF_INET 2, port 44818, 10.1.1.164, zero[8],
     * identity attributes, state 3. */
    const uint8_t item[] = {0x01, 0x00, 0x0C, 0x00, 0x00, 0x00, /* count, type, length (patched) */
                            0x01, 0x00, 0x00, 0x02, 0xAF, 0x12, 0x0A, 0x01, 0x01,           0xA4,
                            0,    0,    0,    0,    0,    0,    0,    0,    IDENTITY_ATTRS, 0x03};
    uint8_t body[128];
    memcpy(body, item, sizeof(item));
    put16(body + 4, (uint16_t)(sizeof(item) - 6));
    n = encap(pdu, ENIP_CMD_LIST_IDENTITY, 0, 0, 0xC1DEBED1, body, sizeof(item));
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_CLIENT, pdu, n, 200, &f->sink), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    const otw_op *op = &f->rec.ops[0];
    assert_int_equal(op->function, 0x163);
    assert_string_equal(op->function_name, "ListIdentity");
    assert_int_equal(op->op_class, OTW_CLASS_IDENTITY);
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);
    assert_true(op->request_seen);
    assert_int_equal(op->ts_us, 100);
    assert_int_equal(op->response_ts_us, 200);
    assert_int_equal(f->rec.n_ids, 1);
    const otw_identity *id = &f->rec.ids[0];
    assert_int_equal(id->about, OTW_DIR_TO_CLIENT);
    assert_true(id->has_vendor_id);
    assert_int_equal(id->vendor_id, 1);
    assert_string_equal(id->vendor, "Rockwell Automation/Allen-Bradley");
    assert_string_equal(id->device_type, "Programmable Logic Controller");
    assert_int_equal(id->role_hint, OTW_HINT_CONTROLLER);
    assert_string_equal(id->product_code, "54");
    assert_string_equal(id->revision, "16.20");
    assert_string_equal(id->serial, "0x0051823f");
    assert_string_equal(id->product, "1756-L61/B LOGIX5561");
    assert_string_equal(id->model, "1756-L61/B LOGIX5561");
    assert_string_equal(id->source, "enip list identity");
    assert_true(id->has_ip);
    const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 1, 1, 164};
    assert_memory_equal(id->ip, mapped, 16);
    assert_false(id->has_mac);

    /* Socket address 0.0.0.0: no IP claimed; unknown vendor: id kept. */
    memcpy(body, item, sizeof(item));
    put16(body + 4, (uint16_t)(sizeof(item) - 6));
    memset(body + 12, 0, 4);
    put16(body + 24, 9999); /* vendor */
    put16(body + 26, 0x77); /* device type */
    n = encap(pdu, ENIP_CMD_LIST_IDENTITY, 0, 0, 7, body, sizeof(item));
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_CLIENT, pdu, n, 300, &f->sink), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 2);
    assert_false(f->rec.ids[1].has_ip);
    assert_int_equal(f->rec.ids[1].vendor_id, 9999);
    assert_string_equal(f->rec.ids[1].vendor, "");
    assert_string_equal(f->rec.ids[1].device_type, "CIP device type 0x77");
    assert_false(f->rec.ops[1].request_seen);

    /* Item length shorter than the identity: malformed, outcome error. */
    put16(body + 4, 20);
    n = encap(pdu, ENIP_CMD_LIST_IDENTITY, 0, 0, 8, body, 26);
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_CLIENT, pdu, n, 400, &f->sink),
                     OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.ops[2].outcome, OTW_OUTCOME_ERROR);
    assert_int_equal(f->rec.n_anomalies, 1);
}

static void test_session_commands(void **state)
{
    fixture *f = *state;
    uint8_t pdu[64];
    /* RegisterSession: protocol version 1, options 0. */
    size_t n = encap(pdu, ENIP_CMD_REGISTER_SESSION, 0, 0, 1, BYTES(0x01, 0x00, 0x00, 0x00));
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_SERVER, pdu, n, 1, &f->sink), OTW_PARSE_OK);
    n = encap(pdu, ENIP_CMD_REGISTER_SESSION, 0, 0, 1, BYTES(0x01, 0x00, 0x00, 0x00));
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_CLIENT, pdu, n, 2, &f->sink), OTW_PARSE_OK);
    /* ListServices answered with status 0x0001 (invalid command). */
    n = encap(pdu, ENIP_CMD_LIST_SERVICES, 0, 0, 2, NULL, 0);
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_SERVER, pdu, n, 3, &f->sink), OTW_PARSE_OK);
    n = encap(pdu, ENIP_CMD_LIST_SERVICES, 0, 1, 2, NULL, 0);
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_CLIENT, pdu, n, 4, &f->sink), OTW_PARSE_OK);
    /* NOP and UnRegisterSession: no reply expected, no op. */
    n = encap(pdu, ENIP_CMD_NOP, 0, 0, 3, BYTES(0xAA, 0xBB));
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_SERVER, pdu, n, 5, &f->sink), OTW_PARSE_OK);
    n = encap(pdu, ENIP_CMD_UNREGISTER_SESSION, SESSION, 0, 4, NULL, 0);
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_SERVER, pdu, n, 6, &f->sink), OTW_PARSE_OK);
    /* ListInterfaces never answered. */
    n = encap(pdu, ENIP_CMD_LIST_INTERFACES, 0, 0, 5, NULL, 0);
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_SERVER, pdu, n, 7, &f->sink), OTW_PARSE_OK);
    enip_expire(&f->s, 8, 0, &f->sink);

    assert_int_equal(f->rec.n_ops, 3);
    assert_int_equal(f->rec.ops[0].function, 0x165);
    assert_string_equal(f->rec.ops[0].function_name, "RegisterSession");
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_OTHER);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->rec.ops[1].function, 0x104);
    assert_int_equal(f->rec.ops[1].op_class, OTW_CLASS_DIAGNOSTIC);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[1].exception_code, 1);
    assert_int_equal(f->rec.ops[2].function, 0x164);
    assert_int_equal(f->rec.ops[2].outcome, OTW_OUTCOME_NO_RESPONSE);
    assert_int_equal(f->s.n_pending, 0);
}

/* ------------------------------------------------------------ CIP ops */

/* Unconnected Send (0x52, path class 6 instance 1) around Get_Attributes_All
 * on Identity instance 1, routed to backplane port 1, slot 0. */
static const uint8_t ucs_identity[] = {
    0x52, 0x02, 0x20, 0x06, 0x24, 0x01, /* UCS, path 2 words: class 6, instance 1 */
    0x07, 0xF9,                         /* priority/tick, timeout ticks */
    0x06, 0x00,                         /* embedded request size 6 */
    0x01, 0x02, 0x20, 0x01, 0x24, 0x01, /* Get_Attributes_All, class 1, instance 1 */
    0x01, 0x00,                         /* route path 1 word, reserved */
    0x01, 0x00};                        /* port 1 (backplane), link address 0 */

static void test_unconnected_identity(void **state)
{
    fixture *f = *state;
    assert_int_equal(rr(f, OTW_DIR_TO_SERVER, 0x11, 0, ucs_identity, sizeof(ucs_identity), 10),
                     OTW_PARSE_OK);
    assert_int_equal(f->s.n_slots, 1);
    /* The reply is the embedded service's: 0x81, status 0, attributes. */
    const uint8_t reply[] = {0x81, 0x00, 0x00, 0x00, IDENTITY_ATTRS};
    assert_int_equal(rr(f, OTW_DIR_TO_CLIENT, 0x11, 0, reply, sizeof(reply), 20), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    const otw_op *op = &f->rec.ops[0];
    assert_int_equal(op->function, 0x01);
    assert_string_equal(op->function_name, "Get_Attributes_All");
    assert_string_equal(op->object, "class 0x01 instance 1");
    assert_int_equal(op->op_class, OTW_CLASS_IDENTITY);
    assert_true(op->has_unit);
    assert_int_equal(op->unit, 0);
    assert_int_equal(op->transaction, 0x11);
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->rec.n_ids, 1);
    assert_string_equal(f->rec.ids[0].source, "enip identity object");
    assert_string_equal(f->rec.ids[0].model, "1756-L61/B LOGIX5561");
    assert_false(f->rec.ids[0].has_ip);
    assert_int_equal(f->s.n_pending, 0);
    assert_int_equal(f->s.n_slots, 0);

    /* The Unconnected Send fails at the router: 0xD2, status 0x01
     * (connection failure), 1 word extended status 0x0204 (timeout). */
    assert_int_equal(rr(f, OTW_DIR_TO_SERVER, 0x12, 0, ucs_identity, sizeof(ucs_identity), 30),
                     OTW_PARSE_OK);
    assert_int_equal(
        rr(f, OTW_DIR_TO_CLIENT, 0x12, 0, BYTES(0xD2, 0x00, 0x01, 0x01, 0x04, 0x02), 40),
        OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 2);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[1].exception_code, 1);
    assert_int_equal(f->rec.n_ids, 1);

    /* Encapsulation status 0x0064 (invalid session handle), no data. */
    assert_int_equal(rr(f, OTW_DIR_TO_SERVER, 0x13, 0, ucs_identity, sizeof(ucs_identity), 50),
                     OTW_PARSE_OK);
    uint8_t pdu[64];
    size_t n = encap(pdu, ENIP_CMD_SEND_RR_DATA, SESSION, 0x64, 0x13, NULL, 0);
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_CLIENT, pdu, n, 60, &f->sink), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[2].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[2].exception_code, 0x64);
}

/* SendUnitData, Multiple Service Packet with: Read Tag "Motor.Speed[2]"
 * 1 element, Write Tag "Setpoint" DINT 1 element, Get_Attribute_Single
 * class 1 instance 1 attribute 7. */
static void test_msp_tags(void **state)
{
    fixture *f = *state;
    const uint8_t msp[] = {0x0A, 0x02, 0x20, 0x02, 0x24, 0x01, /* MSP to the Message Router */
                           0x03, 0x00,                         /* 3 services */
                           0x08, 0x00, 0x24, 0x00, 0x3E, 0x00, /* offsets 8, 36, 62 */
                           /* Read Tag, path 9 words: 0x91 len 5 "Motor" pad, 0x91 len 5 "Speed"
                            * pad, member 0x28 2; element count 1 */
                           0x4C, 0x09, 0x91, 0x05, 'M', 'o', 't', 'o', 'r', 0x00, 0x91, 0x05, 'S',
                           'p', 'e', 'e', 'd', 0x00, 0x28, 0x02, 0x01, 0x00,
                           /* padding so the next offset is 36 */
                           0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                           /* Write Tag "Setpoint": 0x91 len 8, type 0xC4 DINT, 1 element, value */
                           0x4D, 0x05, 0x91, 0x08, 'S', 'e', 't', 'p', 'o', 'i', 'n', 't', 0xC4,
                           0x00, 0x01, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                           0x00,
                           /* Get_Attribute_Single class 1 instance 1 attribute 7 */
                           0x0E, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x07};
    assert_int_equal(sizeof(msp), 76);
    assert_int_equal(ud(f, OTW_DIR_TO_SERVER, 0x0087, msp, sizeof(msp), 100), OTW_PARSE_OK);
    assert_int_equal(f->s.n_slots, 3);
    assert_int_equal(f->rec.n_ops, 0);
    /* Reply: 0x8A, status 0x1E (embedded service error), 3 replies:
     * 0xCC ok + DINT value, 0xCD status 0x05 (path destination unknown),
     * 0x8E ok + string. */
    const uint8_t reply[] = {0x8A, 0x00, 0x1E, 0x00, 0x03, 0x00, 0x08, 0x00, 0x12, 0x00, 0x16,
                             0x00, 0xCC, 0x00, 0x00, 0x00, 0xC4, 0x00, 0x01, 0x00, 0x00, 0x00,
                             0xCD, 0x00, 0x05, 0x00, 0x8E, 0x00, 0x00, 0x00, 0x02, 'P',  'L'};
    assert_int_equal(ud(f, OTW_DIR_TO_CLIENT, 0x0087, reply, sizeof(reply), 150), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 3);
    const otw_op *rd = &f->rec.ops[0], *wr = &f->rec.ops[1], *ga = &f->rec.ops[2];
    assert_string_equal(rd->function_name, "Read Tag");
    assert_int_equal(rd->function, 0x4C);
    assert_string_equal(rd->object, "Motor.Speed[2]");
    assert_int_equal(rd->op_class, OTW_CLASS_READ);
    assert_true(rd->has_address);
    assert_int_equal(rd->address_start, 2);
    assert_int_equal(rd->address_count, 1);
    assert_int_equal(rd->outcome, OTW_OUTCOME_OK);
    assert_int_equal(rd->transaction, 0x87);
    assert_false(rd->has_unit);
    assert_string_equal(wr->function_name, "Write Tag");
    assert_string_equal(wr->object, "Setpoint");
    assert_int_equal(wr->op_class, OTW_CLASS_WRITE);
    assert_int_equal(wr->outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(wr->exception_code, 5);
    assert_string_equal(ga->function_name, "Get_Attribute_Single");
    assert_string_equal(ga->object, "class 0x01 instance 1 attribute 7");
    assert_int_equal(ga->op_class, OTW_CLASS_READ);
    assert_int_equal(ga->outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->s.n_slots, 0);
    assert_int_equal(f->s.names_used, 0);

    /* An MSP reply whose count disagrees: error for the missing one. */
    assert_int_equal(ud(f, OTW_DIR_TO_SERVER, 0x0088, msp, sizeof(msp), 200), OTW_PARSE_OK);
    const uint8_t short_reply[] = {0x8A, 0x00, 0x00, 0x00, 0x01, 0x00, 0x04, 0x00, 0xCC,
                                   0x00, 0x00, 0x00, 0xC4, 0x00, 0x01, 0x00, 0x00, 0x00};
    assert_int_equal(ud(f, OTW_DIR_TO_CLIENT, 0x0088, short_reply, sizeof(short_reply), 250),
                     OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.n_ops, 6);
    assert_int_equal(f->rec.ops[3].outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->rec.ops[4].outcome, OTW_OUTCOME_ERROR);
    assert_int_equal(f->rec.ops[5].outcome, OTW_OUTCOME_ERROR);
}

typedef struct class_case {
    const char *what;
    uint8_t cip[16];
    size_t n;
    otw_op_class cls;
    const char *name;
    const char *object;
} class_case;

static void test_classification(void **state)
{
    fixture *f = *state;
    static const class_case cases[] = {
        {"Logix Stop (program mode)",
         {0x07, 0x02, 0x20, 0x8E, 0x24, 0x01},
         6,
         OTW_CLASS_CONTROL,
         "Stop",
         "class 0x8e instance 1"},
        {"Logix Start (run mode)",
         {0x06, 0x02, 0x20, 0x8E, 0x24, 0x01},
         6,
         OTW_CLASS_CONTROL,
         "Start",
         "class 0x8e instance 1"},
        {"Identity Reset type 1",
         {0x05, 0x02, 0x20, 0x01, 0x24, 0x01, 0x01},
         7,
         OTW_CLASS_CONTROL,
         "Reset",
         "class 0x01 instance 1"},
        {"Create on Logix program object",
         {0x08, 0x03, 0x20, 0x68, 0x25, 0x00, 0x20, 0x24},
         8,
         OTW_CLASS_PROGRAM_DOWNLOAD,
         "Create",
         "class 0x68 instance 9248"},
        {"Create on Assembly",
         {0x08, 0x02, 0x20, 0x04, 0x24, 0x00},
         6,
         OTW_CLASS_CONFIGURATION,
         "Create",
         "class 0x04 instance 0"},
        {"Set_Attribute_Single on TCP/IP config",
         {0x10, 0x03, 0x20, 0xF5, 0x24, 0x01, 0x30, 0x05, 0x01},
         9,
         OTW_CLASS_CONFIGURATION,
         "Set_Attribute_Single",
         "class 0xf5 instance 1 attribute 5"},
        {"Set_Attribute_Single on Assembly data",
         {0x10, 0x03, 0x20, 0x04, 0x24, 0x64, 0x30, 0x03, 0x01},
         9,
         OTW_CLASS_WRITE,
         "Set_Attribute_Single",
         "class 0x04 instance 100 attribute 3"},
        {"File Upload_Transfer, program file",
         {0x4F, 0x02, 0x20, 0x37, 0x24, 0x01, 0x00},
         7,
         OTW_CLASS_PROGRAM_UPLOAD,
         "Upload_Transfer",
         "class 0x37 instance 1"},
        {"File Initiate_Upload, EDS file",
         {0x4B, 0x02, 0x20, 0x37, 0x24, 0xC8, 0xFF},
         7,
         OTW_CLASS_READ,
         "Initiate_Upload",
         "class 0x37 instance 200"},
        {"File Download_Transfer",
         {0x50, 0x02, 0x20, 0x37, 0x24, 0x01, 0x00, 0x01},
         8,
         OTW_CLASS_PROGRAM_DOWNLOAD,
         "Download_Transfer",
         "class 0x37 instance 1"},
        {"Logix routine content",
         {0x50, 0x03, 0x20, 0x6A, 0x25, 0x00, 0xFA, 0x1B},
         8,
         OTW_CLASS_PROGRAM_DOWNLOAD,
         "Object Specific Service",
         "class 0x6a instance 7162"},
        {"Forward Close",
         {0x4E, 0x02, 0x20, 0x06, 0x24, 0x01, 0x0A, 0x0E},
         8,
         OTW_CLASS_OTHER,
         "Forward_Close",
         "class 0x06 instance 1"},
        {"Get_Connection_Owner",
         {0x5A, 0x02, 0x20, 0x06, 0x24, 0x01},
         6,
         OTW_CLASS_DIAGNOSTIC,
         "Get_Connection_Owner",
         "class 0x06 instance 1"},
        {"Read Tag on a Logix data table",
         {0x4C, 0x02, 0x20, 0x72, 0x24, 0x00, 0x01, 0x00},
         8,
         OTW_CLASS_READ,
         "Read Tag",
         "class 0x72 instance 0"},
        {"16-bit class and instance",
         {0x0E, 0x04, 0x21, 0x00, 0x1A, 0x03, 0x25, 0x00, 0x34, 0x12},
         10,
         OTW_CLASS_READ,
         "Get_Attribute_Single",
         "class 0x31a instance 4660"},
        {"PCCC change mode (0F 80)",
         {0x4B, 0x02, 0x20, 0x67, 0x24, 0x01, 0x07, 0x01, 0x00, 0x01, 0x02, 0x03, 0x04, 0x0F, 0x00},
         15,
         OTW_CLASS_OTHER,
         "Execute_PCCC",
         "class 0x67 instance 1"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const class_case *c = &cases[i];
        size_t before = f->rec.n_ops;
        assert_int_equal(rr(f, OTW_DIR_TO_SERVER, 1000 + i, 0, c->cip, c->n, 1), OTW_PARSE_OK);
        enip_expire(&f->s, 2, 0, &f->sink);
        assert_int_equal(f->rec.n_ops, before + 1);
        const otw_op *op = &f->rec.ops[before];
        if (op->op_class != c->cls || strcmp(op->function_name, c->name) != 0 ||
            strcmp(op->object, c->object) != 0)
            fail_msg("%s: got %d %s '%s'", c->what, op->op_class, op->function_name, op->object);
        assert_int_equal(op->outcome, OTW_OUTCOME_NO_RESPONSE);
    }
    /* PCCC: requestor id (7 bytes), CMD 0F, STS, TNS, FNC 80 change mode. */
    const uint8_t pccc[] = {0x4B, 0x02, 0x20, 0x67, 0x24, 0x01, 0x07, 0x01, 0x00, 0x01,
                            0x02, 0x03, 0x04, 0x0F, 0x00, 0x01, 0x00, 0x80, 0x01};
    size_t before = f->rec.n_ops;
    assert_int_equal(rr(f, OTW_DIR_TO_SERVER, 5000, 0, pccc, sizeof(pccc), 1), OTW_PARSE_OK);
    enip_expire(&f->s, 2, 0, &f->sink);
    assert_int_equal(f->rec.ops[before].op_class, OTW_CLASS_CONTROL);
}

static void test_unmatched_and_mismatch(void **state)
{
    fixture *f = *state;
    /* A reply with no request (capture started midstream). */
    assert_int_equal(
        ud(f, OTW_DIR_TO_CLIENT, 9, BYTES(0xCC, 0x00, 0x00, 0x00, 0xC1, 0x00, 0x01), 5),
        OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_false(f->rec.ops[0].request_seen);
    assert_int_equal(f->rec.ops[0].function, 0x4C);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->s.n_unmatched_responses, 1);
    /* A reply for another service than asked: error. */
    assert_int_equal(ud(f, OTW_DIR_TO_SERVER, 10, BYTES(0x07, 0x02, 0x20, 0x8E, 0x24, 0x01), 6),
                     OTW_PARSE_OK);
    assert_int_equal(ud(f, OTW_DIR_TO_CLIENT, 10, BYTES(0x86, 0x00, 0x00, 0x00), 7),
                     OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_ERROR);
    /* Same sequence count reused before the reply: the older is given up. */
    assert_int_equal(ud(f, OTW_DIR_TO_SERVER, 11, BYTES(0x07, 0x02, 0x20, 0x8E, 0x24, 0x01), 8),
                     OTW_PARSE_OK);
    assert_int_equal(ud(f, OTW_DIR_TO_SERVER, 11, BYTES(0x06, 0x02, 0x20, 0x8E, 0x24, 0x01), 9),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[2].outcome, OTW_OUTCOME_NO_RESPONSE);
    assert_int_equal(f->rec.ops[2].function, 0x07);
    assert_int_equal(ud(f, OTW_DIR_TO_CLIENT, 11, BYTES(0x86, 0x00, 0x00, 0x00), 10), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[3].function, 0x06);
    assert_int_equal(f->rec.ops[3].outcome, OTW_OUTCOME_OK);
    /* Timed expiry keeps the young. */
    assert_int_equal(ud(f, OTW_DIR_TO_SERVER, 12, BYTES(0x01, 0x02, 0x20, 0x01, 0x24, 0x01), 100),
                     OTW_PARSE_OK);
    enip_expire(&f->s, 150, 100, &f->sink);
    assert_int_equal(f->s.n_pending, 1);
    enip_expire(&f->s, 250, 100, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
    assert_int_equal(f->rec.ops[4].outcome, OTW_OUTCOME_NO_RESPONSE);
}

static void test_io_and_garbage(void **state)
{
    fixture *f = *state;
    /* UDP 2222 class 1 I/O: 2 items, sequenced address (conn id, seq),
     * connected data (16-bit sequence + run/idle header + data). */
    const uint8_t io[] = {0x02, 0x00, 0x02, 0x80, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x00,
                          0x00, 0x00, 0xB1, 0x00, 0x06, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00};
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_SERVER, io, sizeof(io), 1, &f->sink),
                     OTW_PARSE_OK);
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_CLIENT, io, sizeof(io), 1, &f->sink),
                     OTW_PARSE_OK);
    assert_int_equal(f->s.n_io_datagrams, 2);
    assert_int_equal(f->rec.n_ops, 0);
    assert_int_equal(f->rec.n_anomalies, 0);
    /* Not ENIP at all. */
    assert_int_equal(
        enip_parse(&f->s, OTW_DIR_TO_SERVER, BYTES('G', 'E', 'T', ' ', '/'), 1, &f->sink),
        OTW_PARSE_NOT_MINE);
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_SERVER, io, 0, 1, &f->sink), OTW_PARSE_NOT_MINE);
    /* Known command, length disagreeing with the datagram: malformed. */
    uint8_t pdu[64] = {0};
    size_t n = encap(pdu, ENIP_CMD_LIST_IDENTITY, 0, 0, 0, NULL, 0);
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_SERVER, pdu, n + 3, 1, &f->sink),
                     OTW_PARSE_MALFORMED);
    /* SendRRData without a data item. */
    n = encap(pdu, ENIP_CMD_SEND_RR_DATA, SESSION, 0, 0,
              BYTES(0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00));
    assert_int_equal(enip_parse(&f->s, OTW_DIR_TO_SERVER, pdu, n, 1, &f->sink),
                     OTW_PARSE_MALFORMED);
    /* A bad EPATH segment (reserved type 0xE0) still counts one request. */
    assert_int_equal(rr(f, OTW_DIR_TO_SERVER, 1, 0, BYTES(0x0E, 0x01, 0xE0, 0x00), 1),
                     OTW_PARSE_MALFORMED);
    enip_expire(&f->s, 2, 0, &f->sink);
    assert_int_equal(f->rec.n_ops, 1);
    assert_string_equal(f->rec.ops[0].object, "");
    assert_int_equal(f->rec.n_anomalies, 3);
}

/* The header's length is patched so the prefix is self-consistent. */
static void patch_length(uint8_t *copy, size_t cut)
{
    if (cut >= 24)
        put16(copy + 2, (uint16_t)(cut - 24));
}

/* Every prefix of valid PDUs, as datagrams: never a crash, never a read
 * past the end (ASan), never a pending leak. */
static void test_truncation(void **state)
{
    fixture *f = *state;
    uint8_t body[256], pdu[300];
    size_t bn = rr_body(body, ucs_identity, sizeof(ucs_identity));
    size_t pn = encap(pdu, ENIP_CMD_SEND_RR_DATA, SESSION, 0, 1, body, bn);
    const uint8_t reply[] = {0x81, 0x00, 0x00, 0x00, IDENTITY_ATTRS};
    uint8_t rbody[256], rpdu[300];
    size_t rbn = rr_body(rbody, reply, sizeof(reply));
    size_t rpn = encap(rpdu, ENIP_CMD_SEND_RR_DATA, SESSION, 0, 1, rbody, rbn);
    every_prefix_patched(enip_parse, &f->s, OTW_DIR_TO_SERVER, pdu, pn, &f->sink, patch_length);
    every_prefix_patched(enip_parse, &f->s, OTW_DIR_TO_CLIENT, rpdu, rpn, &f->sink, patch_length);
    enip_expire(&f->s, 2, 0, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
    assert_int_equal(f->s.n_slots, 0);
    assert_int_equal(f->s.names_used, 0);
}

/* More requests in flight than the session holds. */
static void test_limits(void **state)
{
    fixture *f = *state;
    /* An MSP of 120 Read Tags "T" (more than ENIP_MAX_SLOTS). */
    static uint8_t msp[8 + 2 * 120 + 120 * 8];
    size_t at = 0;
    msp[at++] = 0x0A;
    msp[at++] = 0x02;
    msp[at++] = 0x20;
    msp[at++] = 0x02;
    msp[at++] = 0x24;
    msp[at++] = 0x01;
    put16(msp + at, 120);
    size_t base = at;
    at += 2 + 2 * 120;
    for (int i = 0; i < 120; i++) {
        put16(msp + base + 2 + 2 * i, (uint16_t)(at - base));
        const uint8_t rt[] = {0x4C, 0x02, 0x91, 0x01, 'T', 0x00, 0x01, 0x00};
        memcpy(msp + at, rt, sizeof(rt));
        at += sizeof(rt);
    }
    assert_int_equal(ud(f, OTW_DIR_TO_SERVER, 1, msp, at, 1), OTW_PARSE_OK);
    assert_int_equal(f->s.n_slots, ENIP_MAX_SLOTS);
    assert_int_equal(f->rec.n_ops, 120 - ENIP_MAX_SLOTS); /* given up at once */
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_NO_RESPONSE);
    assert_string_equal(f->rec.ops[0].object, "T");
    /* The next request evicts the whole first PDU. */
    assert_int_equal(ud(f, OTW_DIR_TO_SERVER, 2, BYTES(0x0E, 0x02, 0x20, 0x01, 0x24, 0x01), 2),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 120);
    assert_int_equal(f->s.n_pending, 1);
    assert_int_equal(f->s.n_slots, 1);
    assert_int_equal(f->s.names_used, 0);
    /* More PDUs than ENIP_MAX_PENDING. */
    for (uint16_t q = 3; q < 3 + ENIP_MAX_PENDING + 2; q++)
        assert_int_equal(
            ud(f, OTW_DIR_TO_SERVER, q, BYTES(0x4C, 0x02, 0x91, 0x01, 'A', 0x00, 0x01, 0x00), 3),
            OTW_PARSE_OK);
    assert_int_equal(f->s.n_pending, ENIP_MAX_PENDING);
    assert_true(f->s.n_pending_evicted >= 3);
    /* Later replies still match their own requests. */
    size_t before = f->rec.n_ops;
    assert_int_equal(ud(f, OTW_DIR_TO_CLIENT, 3 + ENIP_MAX_PENDING + 1,
                        BYTES(0xCC, 0x00, 0x00, 0x00, 0xC1, 0x00, 0x01), 4),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, before + 1);
    assert_true(f->rec.ops[before].request_seen);
    assert_string_equal(f->rec.ops[before].object, "A");
    enip_expire(&f->s, 5, 0, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
    assert_int_equal(f->s.names_used, 0);
    /* Names do not fit: the ops keep no object but still pair up. */
    static uint8_t big[8 + 2 * 40 + 40 * 52];
    at = 0;
    memcpy(big, (const uint8_t[]){0x0A, 0x02, 0x20, 0x02, 0x24, 0x01}, 6);
    at = 6;
    put16(big + at, 40);
    base = at;
    at += 2 + 2 * 40;
    for (int i = 0; i < 40; i++) {
        put16(big + base + 2 + 2 * i, (uint16_t)(at - base));
        big[at++] = 0x4C;
        big[at++] = 24; /* path: 0x91, 46, 46 chars */
        big[at++] = 0x91;
        big[at++] = 46;
        memset(big + at, 'x', 46);
        at += 46;
        big[at++] = 0x01;
        big[at++] = 0x00;
    }
    assert_int_equal(ud(f, OTW_DIR_TO_SERVER, 77, big, at, 6), OTW_PARSE_OK);
    assert_true(f->s.names_used <= ENIP_NAME_ARENA);
    enip_expire(&f->s, 7, 0, &f->sink);
    assert_int_equal(f->s.names_used, 0);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(enip_device_type_name(0x0C), "Communications Adapter");
    assert_null(enip_device_type_name(0x7777));
    assert_string_equal(enip_service_name(0x52, 0x06, false), "Unconnected_Send");
    assert_string_equal(enip_service_name(0x52, 0xFFFF, true), "Read Tag Fragmented");
    assert_string_equal(enip_service_name(0xCC, 0x6B, false), "Read Tag");
    assert_string_equal(enip_service_name(0x4E, 0x06, false), "Forward_Close");
    assert_string_equal(enip_service_name(0x4E, 0xFFFF, true), "Read Modify Write Tag");
    assert_string_equal(enip_service_name(0x5B, 0x06, false), "Large_Forward_Open");
    assert_string_equal(enip_service_name(0x60, 0x01, false), "Object Specific Service");
    assert_string_equal(enip_service_name(0x30, 0x01, false), "Unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_frame_len),
        cmocka_unit_test_setup(test_list_identity, setup),
        cmocka_unit_test_setup(test_session_commands, setup),
        cmocka_unit_test_setup(test_unconnected_identity, setup),
        cmocka_unit_test_setup(test_msp_tags, setup),
        cmocka_unit_test_setup(test_classification, setup),
        cmocka_unit_test_setup(test_unmatched_and_mismatch, setup),
        cmocka_unit_test_setup(test_io_and_garbage, setup),
        cmocka_unit_test_setup(test_truncation, setup),
        cmocka_unit_test_setup(test_limits, setup),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
