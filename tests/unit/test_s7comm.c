/* test_s7comm.c - S7comm / S7comm-plus dissector (protocols/s7comm.c).
 *
 * PDUs are crafted by hand after RFC 1006 (TPKT: 03 00 + 16-bit length),
 * ISO 8073 class 0 (COTP DT: 02 f0 80 = LI 2, DT, EOT + TPDU number 0; CR
 * with TSAP parameters) and the S7comm layout (header 32 ROSCTR 0000 PDU-ref
 * param-len data-len [error class, error code]). The helpers below wrap an
 * S7 PDU in TPKT + COTP DT; S7 bytes are annotated where they are written.
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
#include "s7comm.h"
#include "sink_test.h"

#define TO_S OTW_DIR_TO_SERVER
#define TO_C OTW_DIR_TO_CLIENT
#define A(...) BYTES(__VA_ARGS__)
#define NIL NO_BYTES /* no parameter or data */

SINK_FIXTURE(s7_session, s7_session_init, OTW_PROTO_S7COMM, NULL)

/* Parses len bytes from an exact-size heap copy (ASan sees any overread). */
static otw_parse_status feed(fixture *f, otw_dir dir, const uint8_t *p, size_t len, uint64_t ts)
{
    return parse_copy(s7_parse, &f->s, dir, p, len, ts, &f->sink);
}

/* TPKT + COTP DT (EOT) around an S7 / S7comm-plus PDU. */
static size_t wrap_dt(uint8_t *out, size_t cap, const uint8_t *s7, size_t n)
{
    size_t tl = 7 + n;
    assert_true(tl <= cap && tl <= 0xffff);
    out[0] = 0x03; /* TPKT version 3 */
    out[1] = 0x00;
    out[2] = (uint8_t)(tl >> 8);
    out[3] = (uint8_t)tl;
    out[4] = 0x02; /* COTP LI */
    out[5] = 0xf0; /* DT */
    out[6] = 0x80; /* EOT, TPDU number 0 */
    memcpy(out + 7, s7, n);
    return tl;
}

/* S7 header (+ error class/code for ROSCTR 2/3) + parameter + data. */
static size_t s7_pdu(uint8_t *out, size_t cap, uint8_t rosctr, uint16_t ref, uint8_t ecls,
                     uint8_t ecod, const uint8_t *param, size_t plen, const uint8_t *data,
                     size_t dlen)
{
    size_t h = (rosctr == 2 || rosctr == 3) ? 12 : 10;
    assert_true(h + plen + dlen <= cap);
    out[0] = 0x32;
    out[1] = rosctr;
    out[2] = out[3] = 0; /* redundancy identification */
    out[4] = (uint8_t)(ref >> 8);
    out[5] = (uint8_t)ref;
    out[6] = (uint8_t)(plen >> 8);
    out[7] = (uint8_t)plen;
    out[8] = (uint8_t)(dlen >> 8);
    out[9] = (uint8_t)dlen;
    if (h == 12) {
        out[10] = ecls;
        out[11] = ecod;
    }
    if (plen)
        memcpy(out + h, param, plen);
    if (dlen)
        memcpy(out + h + plen, data, dlen);
    return h + plen + dlen;
}

static otw_parse_status send_s7(fixture *f, otw_dir dir, uint8_t rosctr, uint16_t ref, uint8_t ecls,
                                uint8_t ecod, const uint8_t *param, size_t plen,
                                const uint8_t *data, size_t dlen, uint64_t ts)
{
    static uint8_t s7[8192], tp[8200];
    size_t n = s7_pdu(s7, sizeof(s7), rosctr, ref, ecls, ecod, param, plen, data, dlen);
    size_t tl = wrap_dt(tp, sizeof(tp), s7, n);
    return feed(f, dir, tp, tl, ts);
}

/* Job (ROSCTR 1) to the server, Ack_Data (3) back. */
#define JOB(f, ref, ...) send_s7((f), TO_S, 1, (ref), 0, 0, __VA_ARGS__, 1000)
#define ACKD(f, ref, ...) send_s7((f), TO_C, 3, (ref), 0, 0, __VA_ARGS__, 2000)
#define UD(f, dir, ref, ...) send_s7((f), (dir), 7, (ref), 0, 0, __VA_ARGS__, 1500)

static const otw_op *last_op(fixture *f)
{
    assert_true(f->rec.n_ops > 0 && f->rec.n_ops <= SINK_MAX_OPS);
    return &f->rec.ops[f->rec.n_ops - 1];
}

/* ------------------------------------------------------------ registry */

static void test_registry(void **state)
{
    (void)state;
    const otw_dissector *d = otw_dissector_for_port(true, 102);
    assert_ptr_equal(d, &s7_dissector);
    check_industrial_dissector(&s7_dissector, OTW_PROTO_S7COMM);
    assert_string_equal(d->name, "s7comm");
    assert_string_equal(otw_proto_name(OTW_PROTO_S7COMM), "s7comm");
    assert_int_equal(d->session_size, sizeof(s7_session));
    assert_ptr_equal(d->frame_len, s7_frame_len);
    assert_ptr_equal(d->parse, s7_parse);
    assert_ptr_equal(d->expire, s7_expire);
    assert_null(otw_dissector_for_port(false, 102));
}

/* ------------------------------------------------------------- framing */

static void test_frame_len(void **state)
{
    (void)state;
    const uint8_t dt[] = {0x03, 0x00, 0x00, 0x07, 0x02, 0xf0, 0x00}; /* empty DT */
    assert_int_equal(s7_frame_len(dt, sizeof(dt)), 7);
    assert_int_equal(s7_frame_len(dt, 4), 7); /* the TPKT header is enough */
    assert_int_equal(s7_frame_len(dt, 3), OTW_FRAME_NEED_MORE);
    assert_int_equal(s7_frame_len(NULL, 0), OTW_FRAME_NEED_MORE);
    const uint8_t v2[] = {0x02, 0x00, 0x00, 0x07}; /* TPKT version 2 */
    assert_int_equal(s7_frame_len(v2, 4), OTW_FRAME_NOT_MINE);
    const uint8_t rsv[] = {0x03, 0x01, 0x00, 0x07}; /* reserved byte set */
    assert_int_equal(s7_frame_len(rsv, 4), OTW_FRAME_NOT_MINE);
    const uint8_t tiny[] = {0x03, 0x00, 0x00, 0x06}; /* shorter than TPKT + DT */
    assert_int_equal(s7_frame_len(tiny, 4), OTW_FRAME_NOT_MINE);
    const uint8_t big[] = {0x03, 0x00, 0xff, 0xff};
    assert_int_equal(s7_frame_len(big, 4), 65535);
    assert_int_equal(s7_frame_len((const uint8_t *)"GET / HTTP/1.1", 14), OTW_FRAME_NOT_MINE);
}

static void test_cotp(void **state)
{
    fixture *f = *state;
    /* CR: TPKT len 22 | LI 0x11 CR 0xe0 | dst-ref 0000 src-ref 0007 class 00 |
     * c1 02 0100 (calling TSAP) | c2 02 0102 (called: PG, rack 0 slot 2) |
     * c0 01 0a (TPDU size 1024) */
    const uint8_t cr[] = {0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x00, 0x07, 0x00,
                          0xc1, 0x02, 0x01, 0x00, 0xc2, 0x02, 0x01, 0x02, 0xc0, 0x01, 0x0a};
    assert_int_equal(feed(f, TO_S, cr, sizeof(cr), 1), OTW_PARSE_OK);
    assert_true(f->s.has_slot);
    assert_int_equal(f->s.slot, 2);
    assert_int_equal(f->s.rack, 0);
    /* CC answering it (rack 1 slot 3 in the called TSAP: 0x23) */
    const uint8_t cc[] = {0x03, 0x00, 0x00, 0x16, 0x11, 0xd0, 0x00, 0x07, 0x00, 0x03, 0x00,
                          0xc0, 0x01, 0x0a, 0xc1, 0x02, 0x01, 0x00, 0xc2, 0x02, 0x01, 0x23};
    assert_int_equal(feed(f, TO_C, cc, sizeof(cc), 2), OTW_PARSE_OK);
    assert_int_equal(f->s.slot, 3);
    assert_int_equal(f->s.rack, 1);
    /* a Setup Communication then carries unit = slot */
    assert_int_equal(JOB(f, 0x0100, A(0xf0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xe0), NIL),
                     OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 0x0100, A(0xf0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0xf0), NIL),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_true(last_op(f)->has_unit);
    assert_int_equal(last_op(f)->unit, 3);
    assert_int_equal(last_op(f)->function, 0xf0);
    assert_string_equal(last_op(f)->function_name, "Setup Communication");
    assert_int_equal(last_op(f)->op_class, OTW_CLASS_OTHER);
    assert_int_equal(last_op(f)->outcome, OTW_OUTCOME_OK);
    assert_int_equal(last_op(f)->transaction, 0x0100);
    assert_int_equal(last_op(f)->ts_us, 1000);
    assert_int_equal(last_op(f)->response_ts_us, 2000);

    /* DR (disconnect request) and DC */
    const uint8_t dr[] = {0x03, 0x00, 0x00, 0x0b, 0x06, 0x80, 0x00, 0x07, 0x00, 0x03, 0x00};
    assert_int_equal(feed(f, TO_S, dr, sizeof(dr), 3), OTW_PARSE_OK);
    const uint8_t dc[] = {0x03, 0x00, 0x00, 0x0a, 0x05, 0xc0, 0x00, 0x03, 0x00, 0x07};
    assert_int_equal(feed(f, TO_C, dc, sizeof(dc), 3), OTW_PARSE_OK);
    /* empty DT (TIA Portal sends them between PDUs) */
    const uint8_t empty[] = {0x03, 0x00, 0x00, 0x07, 0x02, 0xf0, 0x00};
    assert_int_equal(feed(f, TO_S, empty, sizeof(empty), 4), OTW_PARSE_OK);
    /* unknown TPDU code 0x30 */
    const uint8_t unk[] = {0x03, 0x00, 0x00, 0x07, 0x02, 0x30, 0x00};
    assert_int_equal(feed(f, TO_S, unk, sizeof(unk), 4), OTW_PARSE_NOT_MINE);
    /* DT carrying an ISO session SPDU (MMS on port 102): not S7 */
    const uint8_t mms[] = {0x03, 0x00, 0x00, 0x0b, 0x02, 0xf0, 0x80, 0x0d, 0x02, 0x01, 0x00};
    assert_int_equal(feed(f, TO_S, mms, sizeof(mms), 4), OTW_PARSE_NOT_MINE);
    /* DT carrying a TLS record (S7comm-plus with TLS): accepted, opaque */
    const uint8_t tls[] = {0x03, 0x00, 0x00, 0x0c, 0x02, 0xf0, 0x80, 0x17, 0x03, 0x03, 0x00, 0x00};
    assert_int_equal(feed(f, TO_S, tls, sizeof(tls), 4), OTW_PARSE_OK);
    assert_int_equal(f->s.n_opaque, 1);
    /* DT without EOT carrying the start of an S7 PDU: not reassembled */
    const uint8_t seg[] = {0x03, 0x00, 0x00, 0x0a, 0x02, 0xf0, 0x00, 0x32, 0x01, 0x00};
    assert_int_equal(feed(f, TO_S, seg, sizeof(seg), 4), OTW_PARSE_OK);
    assert_string_equal(f->rec.last_anomaly, "s7comm_cotp_segmented");
    /* CR whose parameter overruns the LI */
    const uint8_t badcr[] = {0x03, 0x00, 0x00, 0x0e, 0x09, 0xe0, 0x00,
                             0x00, 0x00, 0x07, 0x00, 0xc2, 0x05, 0x01};
    assert_int_equal(feed(f, TO_S, badcr, sizeof(badcr), 5), OTW_PARSE_MALFORMED);
    /* LI beyond the TPKT */
    const uint8_t badli[] = {0x03, 0x00, 0x00, 0x08, 0x09, 0xf0, 0x80, 0x32};
    assert_int_equal(feed(f, TO_S, badli, sizeof(badli), 5), OTW_PARSE_MALFORMED);
    /* TPKT length disagreeing with the buffer */
    assert_int_equal(feed(f, TO_S, cr, sizeof(cr) - 1, 5), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.n_ops, 1);
}

static void test_cotp_tsap_string(void **state)
{
    fixture *f = *state;
    /* TIA Portal CR: called TSAP "SIMATIC-ROOT-HMI" gives no slot */
    const uint8_t cr[] = {0x03, 0x00, 0x00, 0x24, 0x1f, 0xe0, 0x00, 0x00, 0x01, 0x12, 0x00, 0xc1,
                          0x02, 0x06, 0x20, 0xc2, 0x10, 'S',  'I',  'M',  'A',  'T',  'I',  'C',
                          '-',  'R',  'O',  'O',  'T',  '-',  'H',  'M',  'I',  0xc0, 0x01, 0x0a};
    assert_int_equal(feed(f, TO_S, cr, sizeof(cr), 1), OTW_PARSE_OK);
    assert_false(f->s.has_slot);
    assert_int_equal(
        JOB(f, 1, A(0x29, 0, 0, 0, 0, 0, 0x09, 'P', '_', 'P', 'R', 'O', 'G', 'R', 'A', 'M'), NIL),
        OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 1, A(0x29), NIL), OTW_PARSE_OK);
    assert_false(last_op(f)->has_unit);
    assert_string_equal(last_op(f)->function_name, "PLC Stop");
    assert_int_equal(last_op(f)->op_class, OTW_CLASS_CONTROL);
}

/* ----------------------------------------------------- read/write var */

static void test_read_var(void **state)
{
    fixture *f = *state;
    /* Read Var, 1 item: 12 0a 10 | tsize 02 BYTE | length 0004 | DB 0001 |
     * area 84 (DB) | address 000010 (bit 16 = byte 2) */
    assert_int_equal(
        JOB(f, 0x0500,
            A(0x04, 0x01, 0x12, 0x0a, 0x10, 0x02, 0x00, 0x04, 0x00, 0x01, 0x84, 0x00, 0x00, 0x10),
            NIL),
        OTW_PARSE_OK);
    assert_int_equal(f->s.n_pending, 1);
    /* Ack_Data: 04 01 | item: ff 04 (BYTE/WORD, length in bits) 0020 + 4 bytes */
    assert_int_equal(ACKD(f, 0x0500, A(0x04, 0x01), A(0xff, 0x04, 0x00, 0x20, 1, 2, 3, 4)),
                     OTW_PARSE_OK);
    const otw_op *op = last_op(f);
    assert_int_equal(op->function, 0x04);
    assert_string_equal(op->function_name, "Read Var");
    assert_int_equal(op->op_class, OTW_CLASS_READ);
    assert_string_equal(op->object, "DB1");
    assert_true(op->has_address);
    assert_int_equal(op->address_start, 2);
    assert_int_equal(op->address_count, 4);
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);
    assert_true(op->request_seen);
    assert_int_equal(f->s.n_pending, 0);

    /* 3 items: M byte 0, Q bit 1.3 (tsize 01 BIT, address 0x0b), DB7 word;
     * answer: item 1 ok (1 byte + fill), item 2 0x0a (object does not exist),
     * item 3 ok */
    assert_int_equal(
        JOB(f, 0x0600,
            A(0x04, 0x03, 0x12, 0x0a, 0x10, 0x02, 0x00, 0x01, 0x00, 0x00, 0x83, 0x00, 0x00, 0x00,
              0x12, 0x0a, 0x10, 0x01, 0x00, 0x01, 0x00, 0x00, 0x82, 0x00, 0x00, 0x0b, 0x12, 0x0a,
              0x10, 0x04, 0x00, 0x01, 0x00, 0x07, 0x84, 0x00, 0x00, 0x00),
            NIL),
        OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 0x0600, A(0x04, 0x03),
                          A(0xff, 0x04, 0x00, 0x08, 0x55, 0x00, /* item 1 + fill byte */
                            0x0a, 0x00, 0x00, 0x00,             /* item 2: error */
                            0xff, 0x04, 0x00, 0x10, 0x12, 0x34)),
                     OTW_PARSE_OK);
    op = last_op(f);
    assert_string_equal(op->object, "M,Q,DB7");
    assert_false(op->has_address); /* several items: no single range */
    assert_int_equal(op->outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(op->exception_code, 0x0a);

    /* counters and timers: the address is the number (C 5, T 9) */
    assert_int_equal(
        JOB(f, 0x0700,
            A(0x04, 0x01, 0x12, 0x0a, 0x10, 0x1d, 0x00, 0x02, 0x00, 0x00, 0x1d, 0x00, 0x00, 0x09),
            NIL),
        OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 0x0700, A(0x04, 0x01), A(0xff, 0x09, 0x00, 0x04, 0, 0, 0, 0)),
                     OTW_PARSE_OK);
    op = last_op(f);
    assert_string_equal(op->object, "T");
    assert_int_equal(op->address_start, 9);
    assert_int_equal(op->address_count, 2);

    /* the answer lies about its items: 1 item announced, 8 bits + nothing */
    assert_int_equal(
        JOB(f, 0x0800,
            A(0x04, 0x01, 0x12, 0x0a, 0x10, 0x02, 0x00, 0x01, 0x00, 0x00, 0x81, 0x00, 0x00, 0x00),
            NIL),
        OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 0x0800, A(0x04, 0x01), A(0xff, 0x04, 0x00, 0x08)),
                     OTW_PARSE_MALFORMED);
    assert_int_equal(last_op(f)->outcome, OTW_OUTCOME_ERROR);
    assert_string_equal(last_op(f)->object, "I");
    assert_string_equal(f->rec.last_anomaly, "s7comm_malformed");
}

static void test_write_var(void **state)
{
    fixture *f = *state;
    /* Write Var M16 REAL (tsize 08), data: 00 07 (REAL) 0004 + value */
    assert_int_equal(
        JOB(f, 0x1800,
            A(0x05, 0x01, 0x12, 0x0a, 0x10, 0x08, 0x00, 0x01, 0x00, 0x00, 0x83, 0x00, 0x00, 0x80),
            A(0x00, 0x07, 0x00, 0x04, 0x79, 0xe9, 0xf6, 0x42)),
        OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 0x1800, A(0x05, 0x01), A(0xff)), OTW_PARSE_OK);
    const otw_op *op = last_op(f);
    assert_int_equal(op->function, 0x05);
    assert_int_equal(op->op_class, OTW_CLASS_WRITE);
    assert_string_equal(op->object, "M");
    assert_int_equal(op->address_start, 16);
    assert_int_equal(op->address_count, 1);
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);

    /* 2 items, the second refused: 0x05 address out of range */
    assert_int_equal(
        JOB(f, 0x1900,
            A(0x05, 0x02, 0x12, 0x0a, 0x10, 0x02, 0x00, 0x01, 0x00, 0x02, 0x84, 0x00, 0x00, 0x00,
              0x12, 0x0a, 0x10, 0x02, 0x00, 0x01, 0x00, 0x03, 0x84, 0x00, 0x00, 0x00),
            A(0x00, 0x04, 0x00, 0x08, 0x01, 0x00, 0x00, 0x04, 0x00, 0x08, 0x02)),
        OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 0x1900, A(0x05, 0x02), A(0xff, 0x05)), OTW_PARSE_OK);
    op = last_op(f);
    assert_string_equal(op->object, "DB2,DB3");
    assert_int_equal(op->outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(op->exception_code, 0x05);

    /* header error in an Ack: class 0x85 code 0x00 -> exception 0x8500 */
    assert_int_equal(
        JOB(f, 0x1a00,
            A(0x05, 0x01, 0x12, 0x0a, 0x10, 0x02, 0x00, 0x01, 0x00, 0x00, 0x82, 0x00, 0x00, 0x00),
            A(0x00, 0x04, 0x00, 0x08, 0x01)),
        OTW_PARSE_OK);
    assert_int_equal(send_s7(f, TO_C, 2, 0x1a00, 0x85, 0x00, NIL, NIL, 3000), OTW_PARSE_OK);
    op = last_op(f);
    assert_int_equal(op->outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(op->exception_code, 0x8500);
    assert_string_equal(op->object, "Q");

    /* malformed request: item spec 0x11, still tracked (no address) */
    assert_int_equal(JOB(f, 0x1b00, A(0x05, 0x01, 0x11, 0x0a, 0x10), NIL), OTW_PARSE_MALFORMED);
    assert_int_equal(ACKD(f, 0x1b00, A(0x05, 0x01), A(0xff)), OTW_PARSE_OK);
    assert_false(last_op(f)->has_address);
    assert_true(last_op(f)->request_seen);
    /* item count 0 */
    assert_int_equal(JOB(f, 0x1c00, A(0x04, 0x00), NIL), OTW_PARSE_MALFORMED);
}

static void test_object_limits(void **state)
{
    fixture *f = *state;
    /* 200 items, DB1..DB200: the object list ends with "..." */
    static uint8_t param[2 + 200 * 12];
    param[0] = 0x04;
    param[1] = 200;
    for (int i = 0; i < 200; i++) {
        uint8_t *it = param + 2 + 12 * i;
        const uint8_t item[] = {0x12, 0x0a, 0x10, 0x02, 0x00, 0x01, 0x00, (uint8_t)(i + 1),
                                0x84, 0x00, 0x00, 0x00};
        memcpy(it, item, sizeof(item));
    }
    assert_int_equal(send_s7(f, TO_S, 1, 0x2000, 0, 0, param, sizeof(param), NIL, 1), OTW_PARSE_OK);
    s7_expire(&f->s, 2, 0, &f->sink);
    const otw_op *op = last_op(f);
    assert_int_equal(op->outcome, OTW_OUTCOME_NO_RESPONSE);
    size_t n = strlen(op->object);
    assert_true(n < S7_OBJECT_LEN);
    assert_memory_equal(op->object, "DB1,DB2,", 8);
    assert_string_equal(op->object + n - 4, ",...");
    /* 255 items announced, 200 present */
    param[1] = 255;
    assert_int_equal(send_s7(f, TO_S, 1, 0x2100, 0, 0, param, sizeof(param), NIL, 1),
                     OTW_PARSE_MALFORMED);
}

/* ------------------------------------------------- block transfer, PI */

static void test_download(void **state)
{
    fixture *f = *state;
    /* Request Download from the PG: 1a 00 | 0100 | 00000000 | 09 "_0A00001P" |
     * 0d "1000500000400" (lengths) */
    assert_int_equal(
        JOB(f, 0x0e00,
            A(0x1a, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, '_', '0', 'A', '0', '0', '0',
              '0', '1', 'P', 0x0d, '1', '0', '0', '0', '5', '0', '0', '0', '0', '0', '4', '0', '0'),
            NIL),
        OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 0x0e00, A(0x1a), NIL), OTW_PARSE_OK);
    const otw_op *op = last_op(f);
    assert_string_equal(op->function_name, "Request Download");
    assert_int_equal(op->op_class, OTW_CLASS_PROGRAM_DOWNLOAD);
    assert_string_equal(op->object, "DB1");

    /* The PLC fetches the block: Download Block job travels to the client,
     * with its own PDU reference 0x0100; the PG answers with the data. */
    assert_int_equal(send_s7(f, TO_C, 1, 0x0100, 0, 0,
                             A(0x1b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, '_', '0', 'A',
                               '0', '0', '0', '0', '1', 'P'),
                             NIL, 3000),
                     OTW_PARSE_OK);
    /* the PG's Ack_Data with the data block answers it */
    assert_int_equal(
        send_s7(f, TO_S, 3, 0x0100, 0, 0, A(0x1b, 0x01), A(0x00, 0x04, 0xaa, 0xbb), 3500),
        OTW_PARSE_OK);
    op = last_op(f);
    assert_int_equal(op->function, 0x1b);
    assert_true(op->request_seen);
    assert_int_equal(op->ts_us, 3000);
    assert_int_equal(op->response_ts_us, 3500);
    assert_int_equal(op->op_class, OTW_CLASS_PROGRAM_DOWNLOAD);
    assert_string_equal(op->object, "DB1");
    /* Download Ended, also from the PLC */
    assert_int_equal(send_s7(f, TO_C, 1, 0x0700, 0, 0,
                             A(0x1c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, '_', '0', 'A',
                               '0', '0', '0', '0', '1', 'P'),
                             NIL, 4000),
                     OTW_PARSE_OK);
    assert_int_equal(send_s7(f, TO_S, 3, 0x0700, 0, 0, A(0x1c), NIL, 4100), OTW_PARSE_OK);
    assert_string_equal(last_op(f)->function_name, "Download Ended");

    /* PI service _INSE with 1 block "0A00001P": activates DB1 */
    assert_int_equal(JOB(f, 0x0f00,
                         A(0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x0a, 0x01, 0x00,
                           '0', 'A', '0', '0', '0', '0', '1', 'P', 0x05, '_', 'I', 'N', 'S', 'E'),
                         NIL),
                     OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 0x0f00, A(0x28), NIL), OTW_PARSE_OK);
    op = last_op(f);
    assert_string_equal(op->function_name, "PI Service _INSE (activate block)");
    assert_int_equal(op->function, 0x28);
    assert_int_equal(op->op_class, OTW_CLASS_PROGRAM_DOWNLOAD);
    assert_string_equal(op->object, "DB1");
    /* _DELE of OB1 and FC12 */
    assert_int_equal(JOB(f, 0x1000,
                         A(0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x12, 0x02, 0x00,
                           '0', '8', '0', '0', '0', '0', '1', 'B', '0', 'C', '0', '0', '0', '1',
                           '2', 'B', 0x05, '_', 'D', 'E', 'L', 'E'),
                         NIL),
                     OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 0x1000, A(0x28), NIL), OTW_PARSE_OK);
    op = last_op(f);
    assert_string_equal(op->function_name, "PI Service _DELE (delete block)");
    assert_int_equal(op->op_class, OTW_CLASS_PROGRAM_DOWNLOAD);
    assert_string_equal(op->object, "OB1,FC12");
    /* P_PROGRAM (cold restart "C ") -> control; _MODU, _GARB, NC service */
    assert_int_equal(JOB(f, 0x1100,
                         A(0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x02, 'C', ' ',
                           0x09, 'P', '_', 'P', 'R', 'O', 'G', 'R', 'A', 'M'),
                         NIL),
                     OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 0x1100, A(0x28), NIL), OTW_PARSE_OK);
    assert_string_equal(last_op(f)->function_name, "PI Service P_PROGRAM (start)");
    assert_int_equal(last_op(f)->op_class, OTW_CLASS_CONTROL);
    assert_int_equal(JOB(f, 0x1200,
                         A(0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x02, 'E', 'P',
                           0x05, '_', 'M', 'O', 'D', 'U'),
                         NIL),
                     OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 0x1200, A(0x28), NIL), OTW_PARSE_OK);
    assert_int_equal(last_op(f)->op_class, OTW_CLASS_PROGRAM_DOWNLOAD);
    assert_int_equal(JOB(f, 0x1300,
                         A(0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x05, '_',
                           'G', 'A', 'R', 'B'),
                         NIL),
                     OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 0x1300, A(0x28), NIL), OTW_PARSE_OK);
    assert_string_equal(last_op(f)->function_name, "PI Service _GARB (compress memory)");
    assert_int_equal(last_op(f)->op_class, OTW_CLASS_CONTROL);
    assert_int_equal(JOB(f, 0x1400,
                         A(0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x09, '_',
                           'N', '_', 'L', 'O', 'G', 'I', 'N', '_'),
                         NIL),
                     OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 0x1400, A(0x28), NIL), OTW_PARSE_OK);
    assert_string_equal(last_op(f)->function_name, "PI Service (NC)");
    assert_int_equal(last_op(f)->op_class, OTW_CLASS_OTHER);
    /* PI service whose name length runs past the parameter */
    assert_int_equal(JOB(f, 0x1500,
                         A(0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x09, '_'),
                         NIL),
                     OTW_PARSE_MALFORMED);
    assert_int_equal(f->s.n_malformed, 1);
}

static void test_upload(void **state)
{
    fixture *f = *state;
    /* Start Upload "_0800001A" (OB1, active file system) */
    assert_int_equal(JOB(f, 0x0800,
                         A(0x1d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, '_', '0', '8', '0',
                           '0', '0', '0', '1', 'A'),
                         NIL),
                     OTW_PARSE_OK);
    /* answer: 1d 00 0100 upload id 00000007 | length string */
    assert_int_equal(ACKD(f, 0x0800,
                          A(0x1d, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07, 0x07, '0', '0', '0',
                            '0', '2', '6', '4'),
                          NIL),
                     OTW_PARSE_OK);
    const otw_op *op = last_op(f);
    assert_string_equal(op->function_name, "Start Upload");
    assert_int_equal(op->op_class, OTW_CLASS_PROGRAM_UPLOAD);
    assert_string_equal(op->object, "OB1");
    /* Upload (id 7) and End Upload */
    assert_int_equal(JOB(f, 0x0900, A(0x1e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07), NIL),
                     OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 0x0900, A(0x1e, 0x00), A(0x00, 0x04, 0x70, 0x70)), OTW_PARSE_OK);
    assert_int_equal(last_op(f)->op_class, OTW_CLASS_PROGRAM_UPLOAD);
    assert_int_equal(JOB(f, 0x0a00, A(0x1f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07), NIL),
                     OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 0x0a00, A(0x1f), NIL), OTW_PARSE_OK);
    assert_string_equal(last_op(f)->function_name, "End Upload");
    /* Start Upload refused by the header: Ack class 0xd2 code 0x0c */
    assert_int_equal(JOB(f, 0x0b00,
                         A(0x1d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, '_', '0', 'E', '0',
                           '0', '0', '1', '0', 'A'),
                         NIL),
                     OTW_PARSE_OK);
    assert_int_equal(send_s7(f, TO_C, 2, 0x0b00, 0xd2, 0x0c, NIL, NIL, 2000), OTW_PARSE_OK);
    op = last_op(f);
    assert_string_equal(op->object, "FB10");
    assert_int_equal(op->outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(op->exception_code, 0xd20c);
    /* an Ack_Data naming another function: error */
    assert_int_equal(JOB(f, 0x0c00, A(0x1f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07), NIL),
                     OTW_PARSE_OK);
    assert_int_equal(ACKD(f, 0x0c00, A(0x1e), NIL), OTW_PARSE_MALFORMED);
    assert_int_equal(last_op(f)->outcome, OTW_OUTCOME_ERROR);
    /* truncated block parameter (file name length 9, 3 bytes) */
    assert_int_equal(
        JOB(f, 0x0d00, A(0x1d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, '_', '0', '8'), NIL),
        OTW_PARSE_MALFORMED);
}

/* ------------------------------------------------------------ userdata */

/* Userdata parameter of a request: 000112 | 04 | 11 | 4G | sub | seq */
#define UD_REQ(group, sub) 0x00, 0x01, 0x12, 0x04, 0x11, (uint8_t)(0x40 | (group)), (sub), 0x00
/* ... of a response: 000112 | 08 | 12 | 8G | sub | seq | dur | last | err */
#define UD_RSP(group, sub, dur, last, e1, e2)                                                      \
    0x00, 0x01, 0x12, 0x08, 0x12, (uint8_t)(0x80 | (group)), (sub), 0x01, (dur), (last), (e1), (e2)

static void test_szl_0011(void **state)
{
    fixture *f = *state;
    /* Read SZL 0x0011 index 0: data ff 09 0004 | 0011 0000 */
    assert_int_equal(
        UD(f, TO_S, 0x0100, A(UD_REQ(4, 0x01)), A(0xff, 0x09, 0x00, 0x04, 0x00, 0x11, 0x00, 0x00)),
        OTW_PARSE_OK);
    /* answer: ff 09 len | SZL 0011 0000 | record length 001c | 3 records:
     * index 1 "6ES7 315-2EH14-0AB0 " 00c0 0003 0001, index 6 (hardware),
     * index 7 firmware: 20 blanks, 00c0, 'V' 03, 02 07 -> V3.2.7 */
    static const uint8_t data[] = {
        0xff, 0x09, 0x00, 0x5c, 0x00, 0x11, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x03,
        /* index 1 */
        0x00, 0x01, '6', 'E', 'S', '7', ' ', '3', '1', '5', '-', '2', 'E', 'H', '1', '4', '-', '0',
        'A', 'B', '0', ' ', 0x00, 0xc0, 0x00, 0x03, 0x00, 0x01,
        /* index 6 */
        0x00, 0x06, '6', 'E', 'S', '7', ' ', '3', '1', '5', '-', '2', 'E', 'H', '1', '4', '-', '0',
        'A', 'B', '0', ' ', 0x00, 0xc0, 0x00, 0x03, 0x00, 0x01,
        /* index 7 */
        0x00, 0x07, ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
        ' ', ' ', ' ', ' ', 0x00, 0xc0, 'V', 0x03, 0x02, 0x07};
    assert_int_equal(
        UD(f, TO_C, 0x0100, A(UD_RSP(4, 0x01, 0x00, 0x00, 0x00, 0x00)), data, sizeof(data)),
        OTW_PARSE_OK);
    const otw_op *op = last_op(f);
    assert_int_equal(op->function, 0x7401);
    assert_string_equal(op->function_name, "Read SZL");
    assert_int_equal(op->op_class, OTW_CLASS_IDENTITY);
    assert_string_equal(op->object, "SZL 0x0011 index 0x0000");
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->rec.n_ids, 1);
    const otw_identity *id = &f->rec.ids[0];
    assert_int_equal(id->protocol, OTW_PROTO_S7COMM);
    assert_int_equal(id->about, TO_C);
    assert_string_equal(id->source, "s7comm szl 0x0011");
    assert_string_equal(id->vendor, "Siemens");
    assert_string_equal(id->model, "6ES7 315-2EH14-0AB0");
    assert_string_equal(id->product_code, "6ES7 315-2EH14-0AB0");
    assert_string_equal(id->revision, "V3.2.7");
    assert_string_equal(id->device_type, "PLC");
    assert_int_equal(id->role_hint, OTW_HINT_CONTROLLER);

    /* another SZL (0x0424, CPU mode) is diagnostic and gives no identity */
    assert_int_equal(
        UD(f, TO_S, 0x0200, A(UD_REQ(4, 0x01)), A(0xff, 0x09, 0x00, 0x04, 0x04, 0x24, 0x00, 0x00)),
        OTW_PARSE_OK);
    assert_int_equal(
        UD(f, TO_C, 0x0200, A(UD_RSP(4, 0x01, 0x00, 0x00, 0x00, 0x00)),
           A(0xff, 0x09, 0x00, 0x0c, 0x04, 0x24, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x51, 0x44)),
        OTW_PARSE_OK);
    assert_int_equal(last_op(f)->op_class, OTW_CLASS_DIAGNOSTIC);
    assert_int_equal(f->rec.n_ids, 1);
    /* SZL not available: param error 0xd402 -> exception */
    assert_int_equal(
        UD(f, TO_S, 0x0300, A(UD_REQ(4, 0x01)), A(0xff, 0x09, 0x00, 0x04, 0x0c, 0x91, 0x7f, 0xff)),
        OTW_PARSE_OK);
    assert_int_equal(
        UD(f, TO_C, 0x0300, A(UD_RSP(4, 0x01, 0x00, 0x00, 0xd4, 0x02)), A(0x0a, 0x00, 0x00, 0x00)),
        OTW_PARSE_OK);
    assert_int_equal(last_op(f)->outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(last_op(f)->exception_code, 0xd402);
    /* no param error but return code 0x0a without data: a failed SZL read */
    assert_int_equal(
        UD(f, TO_S, 0x0400, A(UD_REQ(4, 0x01)), A(0xff, 0x09, 0x00, 0x04, 0x0c, 0x91, 0x7f, 0xff)),
        OTW_PARSE_OK);
    assert_int_equal(
        UD(f, TO_C, 0x0400, A(UD_RSP(4, 0x01, 0x00, 0x00, 0x00, 0x00)), A(0x0a, 0x00, 0x00, 0x00)),
        OTW_PARSE_OK);
    assert_int_equal(last_op(f)->outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(last_op(f)->exception_code, 0x0a);
}

/* 0x001C record: index + 32 bytes of text padded with NULs. */
static void rec_1c(uint8_t *p, uint16_t index, const char *text)
{
    memset(p, 0, 34);
    p[0] = (uint8_t)(index >> 8);
    p[1] = (uint8_t)index;
    memcpy(p + 2, text, strlen(text));
}

static void test_szl_001c_fragmented(void **state)
{
    fixture *f = *state;
    uint8_t recs[5 * 34];
    rec_1c(recs + 0 * 34, 1, "S7300/ET200M station_1");
    rec_1c(recs + 1 * 34, 2, "PLC_1");
    rec_1c(recs + 2 * 34, 5, "S C-B1U393142011");
    rec_1c(recs + 3 * 34, 7, "CPU 315-2 PN/DP");
    rec_1c(recs + 4 * 34, 8, "MMC 4A1AC019");
    /* fragment 1: SZL header + 2 records + 10 bytes of the third */
    uint8_t d1[4 + 8 + 78];
    const uint8_t h1[] = {0xff, 0x09, 0x00, 8 + 78, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x22, 0x00, 0x05};
    memcpy(d1, h1, sizeof(h1));
    memcpy(d1 + 12, recs, 78);
    /* fragment 2: the rest, without SZL header */
    uint8_t d2[4 + 170 - 78];
    const uint8_t h2[] = {0xff, 0x09, 0x00, 170 - 78};
    memcpy(d2, h2, 4);
    memcpy(d2 + 4, recs + 78, 170 - 78);

    assert_int_equal(
        UD(f, TO_S, 0x0500, A(UD_REQ(4, 0x01)), A(0xff, 0x09, 0x00, 0x04, 0x00, 0x1c, 0x00, 0x00)),
        OTW_PARSE_OK);
    /* answer, data unit reference 0xd5, more follows */
    assert_int_equal(
        UD(f, TO_C, 0x0500, A(UD_RSP(4, 0x01, 0xd5, 0x01, 0x00, 0x00)), d1, sizeof(d1)),
        OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 1); /* name + module name so far */
    assert_string_equal(f->rec.ids[0].name, "S7300/ET200M station_1");
    assert_string_equal(f->rec.ids[0].detail, "module name PLC_1");
    assert_string_equal(f->rec.ids[0].source, "s7comm szl 0x001c");
    assert_true(f->s.szl.active);
    /* follow-up request: 8-byte parameter (method 0x12, dur d5), data 0a 00 0000 */
    assert_int_equal(UD(f, TO_S, 0x0600,
                        A(0x00, 0x01, 0x12, 0x08, 0x12, 0x44, 0x01, 0x01, 0xd5, 0x00, 0x00, 0x00),
                        A(0x0a, 0x00, 0x00, 0x00)),
                     OTW_PARSE_OK);
    assert_int_equal(
        UD(f, TO_C, 0x0600, A(UD_RSP(4, 0x01, 0xd5, 0x00, 0x00, 0x00)), d2, sizeof(d2)),
        OTW_PARSE_OK);
    assert_false(f->s.szl.active);
    assert_int_equal(f->rec.n_ids, 2);
    const otw_identity *id = &f->rec.ids[1];
    assert_string_equal(id->serial, "S C-B1U393142011");
    assert_string_equal(id->product, "CPU 315-2 PN/DP");
    assert_string_equal(id->detail, "module name PLC_1"); /* kept across fragments */
    assert_string_equal(id->vendor, "Siemens");
    assert_string_equal(id->model, "");
    /* two ops, both identity class; the follow-up names the list */
    assert_int_equal(f->rec.n_ops, 2);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_IDENTITY);
    assert_int_equal(f->rec.ops[1].op_class, OTW_CLASS_IDENTITY);
    assert_string_equal(f->rec.ops[1].object, "SZL 0x001c next fragment");

    /* a continuation whose data unit reference does not match is ignored */
    f->s.szl.active = true;
    f->s.szl.dur = 0x10;
    assert_int_equal(UD(f, TO_S, 0x0700,
                        A(0x00, 0x01, 0x12, 0x08, 0x12, 0x44, 0x01, 0x01, 0x11, 0x00, 0x00, 0x00),
                        A(0x0a, 0x00, 0x00, 0x00)),
                     OTW_PARSE_OK);
    assert_int_equal(
        UD(f, TO_C, 0x0700, A(UD_RSP(4, 0x01, 0x11, 0x00, 0x00, 0x00)), d2, sizeof(d2)),
        OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 2);
}

static void test_userdata_misc(void **state)
{
    fixture *f = *state;
    /* PLC password (group 5): 8 scrambled bytes; answered with 0a 00 0000 */
    assert_int_equal(UD(f, TO_S, 0x0600, A(UD_REQ(5, 0x01)),
                        A(0xff, 0x09, 0x00, 0x08, 0x21, 0x3a, 0x1b, 0x1d, 0x6e, 0x68, 0x1b, 0x1d)),
                     OTW_PARSE_OK);
    assert_int_equal(
        UD(f, TO_C, 0x0600, A(UD_RSP(5, 0x01, 0x00, 0x00, 0x00, 0x00)), A(0x0a, 0x00, 0x00, 0x00)),
        OTW_PARSE_OK);
    const otw_op *op = last_op(f);
    assert_int_equal(op->function, 0x7501);
    assert_string_equal(op->function_name, "PLC password");
    assert_int_equal(op->op_class, OTW_CLASS_AUTHENTICATION);
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);
    /* wrong password: parameter error 0xd602 */
    assert_int_equal(
        UD(f, TO_S, 0x0700, A(UD_REQ(5, 0x01)), A(0xff, 0x09, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8)),
        OTW_PARSE_OK);
    assert_int_equal(
        UD(f, TO_C, 0x0700, A(UD_RSP(5, 0x01, 0x00, 0x00, 0xd6, 0x02)), A(0x0a, 0x00, 0x00, 0x00)),
        OTW_PARSE_OK);
    assert_int_equal(last_op(f)->outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(last_op(f)->exception_code, 0xd602);
    /* block functions: list blocks of type "08" -> OB; block info "0A00001B" -> DB1 */
    assert_int_equal(UD(f, TO_S, 0x0800, A(UD_REQ(3, 0x02)), A(0xff, 0x09, 0x00, 0x02, '0', '8')),
                     OTW_PARSE_OK);
    assert_int_equal(UD(f, TO_C, 0x0800, A(UD_RSP(3, 0x02, 0x00, 0x00, 0x00, 0x00)),
                        A(0xff, 0x09, 0x00, 0x04, 0x00, 0x01, 0x22, 0x03)),
                     OTW_PARSE_OK);
    op = last_op(f);
    assert_string_equal(op->function_name, "List blocks of type");
    assert_string_equal(op->object, "OB");
    assert_int_equal(op->op_class, OTW_CLASS_DIAGNOSTIC);
    assert_int_equal(UD(f, TO_S, 0x0900, A(UD_REQ(3, 0x03)),
                        A(0xff, 0x09, 0x00, 0x08, '0', 'A', '0', '0', '0', '0', '1', 'B')),
                     OTW_PARSE_OK);
    assert_int_equal(
        UD(f, TO_C, 0x0900, A(UD_RSP(3, 0x03, 0x00, 0x00, 0xd2, 0x09)), A(0x0a, 0x00, 0x00, 0x00)),
        OTW_PARSE_OK);
    op = last_op(f);
    assert_string_equal(op->object, "DB1");
    assert_int_equal(op->exception_code, 0xd209);
    /* time: read clock diagnostic, set clock configuration (empty answer ok) */
    assert_int_equal(
        UD(f, TO_S, 0x0a00, A(UD_REQ(7, 0x02)),
           A(0xff, 0x09, 0x00, 0x0a, 0x00, 0x19, 0x16, 0x02, 0x08, 0x23, 0x08, 0x10, 0x00, 0x02)),
        OTW_PARSE_OK);
    assert_int_equal(
        UD(f, TO_C, 0x0a00, A(UD_RSP(7, 0x02, 0x00, 0x00, 0x00, 0x00)), A(0x0a, 0x00, 0x00, 0x00)),
        OTW_PARSE_OK);
    assert_int_equal(last_op(f)->op_class, OTW_CLASS_CONFIGURATION);
    assert_int_equal(last_op(f)->outcome, OTW_OUTCOME_OK);
    assert_string_equal(s7_userdata_function_name(7, 1), "Read clock");
    /* a response naming another function than its request: error */
    assert_int_equal(UD(f, TO_S, 0x0b00, A(UD_REQ(7, 0x01)), A(0x0a, 0x00, 0x00, 0x00)),
                     OTW_PARSE_OK);
    assert_int_equal(
        UD(f, TO_C, 0x0b00, A(UD_RSP(4, 0x01, 0x00, 0x00, 0x00, 0x00)), A(0xff, 0x09, 0x00, 0x00)),
        OTW_PARSE_MALFORMED);
    assert_int_equal(last_op(f)->outcome, OTW_OUTCOME_ERROR);
    assert_int_equal(last_op(f)->function, 0x7701);
    /* type 3 (neither request, response nor push) */
    assert_int_equal(UD(f, TO_S, 0x0c00, A(0x00, 0x01, 0x12, 0x04, 0x11, 0x34, 0x01, 0x00), NIL),
                     OTW_PARSE_MALFORMED);
    /* truncated userdata parameter */
    assert_int_equal(UD(f, TO_S, 0x0d00, A(0x00, 0x01, 0x12, 0x04), NIL), OTW_PARSE_MALFORMED);
}

static void test_push(void **state)
{
    fixture *f = *state;
    /* mode transition push from the PLC: head 010010 (announces 16), method 00,
     * type/group 00, current mode 00 (STOP), seq 0 */
    assert_int_equal(UD(f, TO_C, 0, A(0x01, 0x00, 0x10, 0x10, 0x00, 0x00, 0x00, 0x00), NIL),
                     OTW_PARSE_OK);
    const otw_op *op = last_op(f);
    assert_string_equal(op->function_name, "Mode transition: STOP");
    assert_int_equal(op->function, 0x7000);
    assert_int_equal(op->op_class, OTW_CLASS_DIAGNOSTIC);
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);
    assert_true(op->request_seen);
    assert_int_equal(op->response_ts_us, 0);
    assert_int_equal(f->s.n_pending, 0);
    /* diagnostic message push (group 4 subfunction 3) */
    assert_int_equal(UD(f, TO_C, 0, A(0x00, 0x01, 0x12, 0x04, 0x11, 0x04, 0x03, 0x00),
                        A(0xff, 0x09, 0x00, 0x04, 0x43, 0x04, 0xff, 0x84)),
                     OTW_PARSE_OK);
    assert_string_equal(last_op(f)->function_name, "Diagnostic message");
    assert_int_equal(f->rec.n_ops, 2);
    /* cyclic data push (group 2): counted, no op */
    assert_int_equal(UD(f, TO_C, 0, A(0x00, 0x01, 0x12, 0x04, 0x11, 0x02, 0x01, 0x00),
                        A(0xff, 0x09, 0x00, 0x02, 0x00, 0x00)),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 2);
    assert_int_equal(f->s.n_notifications, 1);
}

/* ------------------------------------------------------- pending table */

static void test_matching(void **state)
{
    fixture *f = *state;
    /* a response without request */
    assert_int_equal(ACKD(f, 0x4242, A(0x04, 0x01), A(0xff, 0x04, 0x00, 0x08, 0x01)), OTW_PARSE_OK);
    const otw_op *op = last_op(f);
    assert_false(op->request_seen);
    assert_int_equal(op->function, 0x04);
    assert_string_equal(op->function_name, "Read Var");
    assert_int_equal(op->ts_us, 2000);
    assert_int_equal(f->s.n_unmatched_responses, 1);
    /* a userdata response without request */
    assert_int_equal(
        UD(f, TO_C, 0x4343, A(UD_RSP(4, 0x01, 0x00, 0x00, 0x00, 0x00)), A(0xff, 0x09, 0x00, 0x00)),
        OTW_PARSE_OK);
    assert_false(last_op(f)->request_seen);
    assert_int_equal(last_op(f)->function, 0x7401);
    /* the same reference reused while pending: the older one is given up */
    assert_int_equal(JOB(f, 0x0001, A(0xf0, 0, 0, 1, 0, 1, 3, 0xc0), NIL), OTW_PARSE_OK);
    assert_int_equal(JOB(f, 0x0001, A(0xf0, 0, 0, 1, 0, 1, 3, 0xc0), NIL), OTW_PARSE_OK);
    assert_int_equal(last_op(f)->outcome, OTW_OUTCOME_NO_RESPONSE);
    assert_int_equal(f->s.n_pending, 1);
    /* table full: the oldest is evicted */
    for (uint16_t i = 0; i < S7_MAX_PENDING; i++)
        assert_int_equal(send_s7(f, TO_S, 1, (uint16_t)(0x100 + i), 0, 0,
                                 A(0xf0, 0, 0, 1, 0, 1, 3, 0xc0), NIL, 5000 + i),
                         OTW_PARSE_OK);
    assert_int_equal(f->s.n_pending, S7_MAX_PENDING);
    assert_int_equal(f->s.n_pending_evicted, 1);
    assert_int_equal(last_op(f)->transaction, 0x0001);
    /* expiry by age, then everything */
    size_t before = f->rec.n_ops;
    s7_expire(&f->s, 5000 + 10 + 100, 100, &f->sink); /* older than ts 5010 */
    assert_int_equal(f->rec.n_ops - before, 10);
    assert_int_equal(f->s.n_pending, S7_MAX_PENDING - 10);
    s7_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
    assert_int_equal(last_op(f)->outcome, OTW_OUTCOME_NO_RESPONSE);
    s7_expire(NULL, 0, 0, &f->sink);
    /* a corrupted count never walks past the table */
    f->s.n_pending = 1000;
    s7_expire(&f->s, 0, 0, NULL);
    assert_int_equal(f->s.n_pending, 0);
}

/* --------------------------------------------------------- S7comm-plus */

/* S7comm-plus PDU: 72 version len | body | trailer 72 version 0000 */
static otw_parse_status send_plus(fixture *f, otw_dir dir, uint8_t version, const uint8_t *body,
                                  size_t n, bool trailer)
{
    uint8_t pdu[1024], tp[1100];
    assert_true(n + 8 <= sizeof(pdu));
    pdu[0] = 0x72;
    pdu[1] = version;
    pdu[2] = (uint8_t)(n >> 8);
    pdu[3] = (uint8_t)n;
    memcpy(pdu + 4, body, n);
    size_t len = 4 + n;
    if (trailer) {
        const uint8_t t[] = {0x72, version, 0x00, 0x00};
        memcpy(pdu + len, t, 4);
        len += 4;
    }
    size_t tl = wrap_dt(tp, sizeof(tp), pdu, len);
    return feed(f, dir, tp, tl, dir == TO_S ? 100 : 200);
}

static void test_plus(void **state)
{
    fixture *f = *state;
    /* V1 CreateObject request: 31 | 0000 | 04ca | 0000 | seq 0001 | session 00000120 | flags 36 */
    assert_int_equal(send_plus(f, TO_S, 1,
                               A(0x31, 0x00, 0x00, 0x04, 0xca, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
                                 0x01, 0x20, 0x36, 0x00, 0x00),
                               true),
                     OTW_PARSE_OK);
    /* response: 32 | 0000 | 04ca | 0000 | 0001 | flags 36 | ... attribute 823f
     * WSTRING (00 15) length 0x1b "1;6ES7 214-1HE30-0XB0 ;V2.2" */
    static const uint8_t rsp[] = {0x32, 0x00, 0x00, 0x04, 0xca, 0x00, 0x00, 0x00, 0x01, 0x36, 0x11,
                                  0x82, 0x3f, 0x00, 0x15, 0x1b, '1',  ';',  '6',  'E',  'S',  '7',
                                  ' ',  '2',  '1',  '4',  '-',  '1',  'H',  'E',  '3',  '0',  '-',
                                  '0',  'X',  'B',  '0',  ' ',  ';',  'V',  '2',  '.',  '2',  0x00};
    assert_int_equal(send_plus(f, TO_C, 1, rsp, sizeof(rsp), true), OTW_PARSE_OK);
    const otw_op *op = last_op(f);
    assert_int_equal(op->function, 0x04ca);
    assert_string_equal(op->function_name, "S7comm-plus CreateObject");
    assert_int_equal(op->op_class, OTW_CLASS_OTHER);
    assert_int_equal(op->transaction, 1);
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->rec.n_ids, 1);
    assert_string_equal(f->rec.ids[0].model, "6ES7 214-1HE30-0XB0");
    assert_string_equal(f->rec.ids[0].product_code, "6ES7 214-1HE30-0XB0");
    assert_string_equal(f->rec.ids[0].revision, "V2.2");
    assert_string_equal(f->rec.ids[0].vendor, "Siemens");
    assert_string_equal(f->rec.ids[0].source, "s7comm-plus createobject");
    assert_int_equal(f->rec.ids[0].about, TO_C);

    /* V2 SetMultiVariables (write) / GetMultiVariables (read), pipelined */
    assert_int_equal(send_plus(f, TO_S, 2,
                               A(0x31, 0x00, 0x00, 0x05, 0x42, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
                                 0x03, 0xbe, 0x34, 0x00),
                               true),
                     OTW_PARSE_OK);
    assert_int_equal(send_plus(f, TO_S, 2,
                               A(0x31, 0x00, 0x00, 0x05, 0x4c, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
                                 0x03, 0xbe, 0x34, 0x00),
                               true),
                     OTW_PARSE_OK);
    assert_int_equal(send_plus(f, TO_C, 2,
                               A(0x32, 0x00, 0x00, 0x05, 0x4c, 0x00, 0x00, 0x00, 0x03, 0x34, 0x00),
                               true),
                     OTW_PARSE_OK);
    assert_string_equal(last_op(f)->function_name, "S7comm-plus GetMultiVariables");
    assert_int_equal(last_op(f)->op_class, OTW_CLASS_READ);
    assert_int_equal(send_plus(f, TO_C, 2,
                               A(0x32, 0x00, 0x00, 0x05, 0x42, 0x00, 0x00, 0x00, 0x02, 0x34, 0x00),
                               true),
                     OTW_PARSE_OK);
    assert_string_equal(last_op(f)->function_name, "S7comm-plus SetMultiVariables");
    assert_int_equal(last_op(f)->op_class, OTW_CLASS_WRITE);
    assert_true(last_op(f)->request_seen);

    /* V3 with integrity: 20 + 32-byte digest, then an Explore request */
    uint8_t v3[1 + 32 + 15];
    v3[0] = 0x20;
    memset(v3 + 1, 0xa5, 32);
    const uint8_t ex[] = {0x31, 0x00, 0x00, 0x04, 0xbb, 0x00, 0x00, 0x00,
                          0x04, 0x00, 0x00, 0x03, 0xbe, 0x34, 0x00};
    memcpy(v3 + 33, ex, sizeof(ex));
    assert_int_equal(send_plus(f, TO_S, 3, v3, sizeof(v3), true), OTW_PARSE_OK);
    s7_expire(&f->s, 0, 0, &f->sink);
    assert_string_equal(last_op(f)->function_name, "S7comm-plus Explore");
    assert_int_equal(last_op(f)->op_class, OTW_CLASS_DIAGNOSTIC);
    assert_int_equal(last_op(f)->outcome, OTW_OUTCOME_NO_RESPONSE);

    /* a fragmented request: first part without trailer, then a continuation
     * whose data happens to start with 0x31 - not a new request */
    size_t n = f->rec.n_ops;
    assert_int_equal(send_plus(f, TO_S, 2,
                               A(0x31, 0x00, 0x00, 0x05, 0x42, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00,
                                 0x03, 0xbe, 0x34, 0x00),
                               false),
                     OTW_PARSE_OK);
    assert_int_equal(
        send_plus(f, TO_S, 2, A(0x31, 0x00, 0x00, 0x05, 0x4c, 0x00, 0x00, 0x00, 0x06, 0x00), true),
        OTW_PARSE_OK);
    assert_int_equal(f->s.n_pending, 1);
    s7_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->rec.n_ops, n + 1);
    assert_int_equal(last_op(f)->function, 0x0542);

    /* notification, unknown opcode, unknown version, system event: no op */
    n = f->rec.n_ops;
    assert_int_equal(
        send_plus(f, TO_C, 2, A(0x33, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00), true),
        OTW_PARSE_OK);
    assert_int_equal(
        send_plus(f, TO_C, 2, A(0x99, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00), true),
        OTW_PARSE_OK);
    assert_int_equal(send_plus(f, TO_C, 0x07, A(0xde, 0xad), true), OTW_PARSE_OK);
    assert_int_equal(send_plus(f, TO_C, 0xfe, A(0x01, 0x02, 0x03), true), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, n);
    assert_int_equal(f->s.n_notifications, 1);
    /* response function differing from its request: error */
    assert_int_equal(send_plus(f, TO_S, 2,
                               A(0x31, 0x00, 0x00, 0x04, 0xd4, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00,
                                 0x03, 0xbe, 0x34, 0x00),
                               true),
                     OTW_PARSE_OK);
    assert_int_equal(send_plus(f, TO_C, 2,
                               A(0x32, 0x00, 0x00, 0x04, 0xca, 0x00, 0x00, 0x00, 0x09, 0x34, 0x00),
                               true),
                     OTW_PARSE_MALFORMED);
    assert_int_equal(last_op(f)->outcome, OTW_OUTCOME_ERROR);
    assert_string_equal(last_op(f)->function_name, "S7comm-plus DeleteObject");
    /* header length beyond the PDU */
    const uint8_t bad[] = {0x03, 0x00, 0x00, 0x0d, 0x02, 0xf0, 0x80,
                           0x72, 0x02, 0x00, 0x40, 0x31, 0x00};
    assert_int_equal(feed(f, TO_S, bad, sizeof(bad), 1), OTW_PARSE_MALFORMED);
    /* a too short body */
    assert_int_equal(send_plus(f, TO_S, 2, A(0x31, 0x00, 0x00), true), OTW_PARSE_MALFORMED);
    assert_string_equal(s7_plus_function_name(0x1234), "S7comm-plus Unknown");
}

/* ------------------------------------------------ truncation, garbage */

/* Every prefix of a valid TPKT, both as is (TPKT length disagrees) and with
 * the TPKT length rewritten to the prefix (inner layers truncated). */
static void truncate_all(fixture *f, otw_dir dir, const uint8_t *p, size_t n)
{
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    for (size_t k = 0; k < n; k++) {
        otw_parse_status st = feed(f, dir, p, k, 1);
        assert_true(k < 4 ? st == OTW_PARSE_NOT_MINE : st == OTW_PARSE_MALFORMED);
        memcpy(buf, p, k);
        if (k >= 4) {
            buf[2] = (uint8_t)(k >> 8);
            buf[3] = (uint8_t)k;
        }
        st = feed(f, dir, buf, k, 1);
        assert_valid_status(st);
        s7_expire(&f->s, 0, 0, &f->sink);
    }
    free(buf);
}

static void test_truncated_everywhere(void **state)
{
    fixture *f = *state;
    static uint8_t s7[512], tp[520];
    size_t n, tl;

    /* read var request, 2 items */
    n = s7_pdu(s7, sizeof(s7), 1, 1, 0, 0,
               A(0x04, 0x02, 0x12, 0x0a, 0x10, 0x02, 0x00, 0x04, 0x00, 0x01, 0x84, 0x00, 0x00, 0x10,
                 0x12, 0x0a, 0x10, 0x02, 0x00, 0x04, 0x00, 0x01, 0x83, 0x00, 0x00, 0x10),
               NIL);
    tl = wrap_dt(tp, sizeof(tp), s7, n);
    truncate_all(f, TO_S, tp, tl);
    /* read var answer */
    n = s7_pdu(s7, sizeof(s7), 3, 1, 0, 0, A(0x04, 0x02),
               A(0xff, 0x04, 0x00, 0x08, 0x01, 0x00, 0xff, 0x04, 0x00, 0x10, 0x01, 0x02));
    tl = wrap_dt(tp, sizeof(tp), s7, n);
    truncate_all(f, TO_C, tp, tl);
    /* PI service, download request */
    n = s7_pdu(s7, sizeof(s7), 1, 2, 0, 0,
               A(0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x0a, 0x01, 0x00, '0', 'A',
                 '0', '0', '0', '0', '1', 'P', 0x05, '_', 'I', 'N', 'S', 'E'),
               NIL);
    tl = wrap_dt(tp, sizeof(tp), s7, n);
    truncate_all(f, TO_S, tp, tl);
    /* SZL answer with identity records */
    uint8_t d[4 + 8 + 2 * 34];
    const uint8_t h[] = {0xff, 0x09, 0x00, 8 + 68, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x22, 0x00, 0x02};
    memcpy(d, h, sizeof(h));
    rec_1c(d + 12, 1, "station");
    rec_1c(d + 46, 5, "serial");
    n = s7_pdu(s7, sizeof(s7), 7, 3, 0, 0, A(UD_RSP(4, 0x01, 0x00, 0x00, 0x00, 0x00)), d,
               sizeof(d));
    tl = wrap_dt(tp, sizeof(tp), s7, n);
    truncate_all(f, TO_C, tp, tl);
    /* COTP CR */
    const uint8_t cr[] = {0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x00, 0x07, 0x00,
                          0xc1, 0x02, 0x01, 0x00, 0xc2, 0x02, 0x01, 0x02, 0xc0, 0x01, 0x0a};
    truncate_all(f, TO_S, cr, sizeof(cr));
    /* S7comm-plus V3 request */
    uint8_t plus[4 + 33 + 15 + 4] = {0x72, 0x03, 0x00, 33 + 15, 0x20};
    const uint8_t ex[] = {0x31, 0x00, 0x00, 0x04, 0xbb, 0x00, 0x00, 0x00,
                          0x04, 0x00, 0x00, 0x03, 0xbe, 0x34, 0x00};
    memcpy(plus + 37, ex, sizeof(ex));
    memcpy(plus + 52, (const uint8_t[]){0x72, 0x03, 0x00, 0x00}, 4);
    tl = wrap_dt(tp, sizeof(tp), plus, sizeof(plus));
    truncate_all(f, TO_S, tp, tl);
    assert_true(f->s.n_pending <= S7_MAX_PENDING);
}

static void test_garbage(void **state)
{
    fixture *f = *state;
    /* deterministic pseudo-random bodies behind a valid TPKT + DT + 0x32/0x72 */
    uint32_t x = 12345;
    static uint8_t buf[300];
    for (int round = 0; round < 3000; round++) {
        size_t n = 8 + (size_t)(round % 280);
        lcg_fill(&x, buf, n);
        buf[0] = 0x03;
        buf[1] = 0x00;
        buf[2] = (uint8_t)(n >> 8);
        buf[3] = (uint8_t)n;
        if (round % 4 != 0) {
            buf[4] = 0x02;
            buf[5] = 0xf0;
            buf[6] = 0x80;
            buf[7] = (round % 4 == 3) ? 0x72 : 0x32;
        }
        otw_parse_status st = feed(f, (otw_dir)(round & 1), buf, n, (uint64_t)round);
        assert_valid_status(st);
        assert_true(f->s.n_pending <= S7_MAX_PENDING);
    }
    s7_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
    /* no session / no sink */
    const uint8_t dt[] = {0x03, 0x00, 0x00, 0x07, 0x02, 0xf0, 0x00};
    assert_int_equal(s7_parse(NULL, TO_S, dt, sizeof(dt), 1, &f->sink), OTW_PARSE_NOT_MINE);
    assert_int_equal(JOB(f, 1, A(0x04, 0x00), NIL), OTW_PARSE_MALFORMED);
    assert_int_equal(s7_parse(&f->s, TO_S, dt, sizeof(dt), 1, NULL), OTW_PARSE_OK);
    /* S7 header with ROSCTR 9 and with lengths beyond the PDU */
    assert_int_equal(send_s7(f, TO_S, 9, 1, 0, 0, NIL, NIL, 1), OTW_PARSE_MALFORMED);
    const uint8_t over[] = {0x03, 0x00, 0x00, 0x11, 0x02, 0xf0, 0x80, 0x32, 0x01,
                            0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x00};
    assert_int_equal(feed(f, TO_S, over, sizeof(over), 1), OTW_PARSE_MALFORMED);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(s7_job_function_name(0xf0), "Setup Communication");
    assert_string_equal(s7_job_function_name(0x77), "Unknown");
    assert_string_equal(s7_area_name(0x83), "M");
    assert_string_equal(s7_area_name(0x81), "I");
    assert_string_equal(s7_area_name(0x82), "Q");
    assert_null(s7_area_name(0x42));
    assert_string_equal(s7_userdata_function_name(0, 2), "Mode transition: RUN");
    assert_string_equal(s7_userdata_function_name(4, 0x01), "Read SZL");
    assert_string_equal(s7_userdata_function_name(5, 0x01), "PLC password");
    assert_string_equal(s7_userdata_function_name(9, 0x01), "Unknown");
    assert_int_equal(S7_UD_FUNCTION(4, 1), 0x7401);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_registry),
        T(test_frame_len),
        T(test_cotp),
        T(test_cotp_tsap_string),
        T(test_read_var),
        T(test_write_var),
        T(test_object_limits),
        T(test_download),
        T(test_upload),
        T(test_szl_0011),
        T(test_szl_001c_fragmented),
        T(test_userdata_misc),
        T(test_push),
        T(test_matching),
        T(test_plus),
        T(test_truncated_everywhere),
        T(test_garbage),
        T(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
