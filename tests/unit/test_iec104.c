/* test_iec104.c - IEC 60870-5-104 dissector (iec104.c).
 *
 * APDUs are crafted after IEC 60870-5-104 clause 5 (0x68, length, 4 control
 * octets) and IEC 60870-5-101 clause 7 (ASDU: type, VSQ, COT, originator,
 * common address (2), IOA (3), elements). The helpers build I-frames around
 * an ASDU; ASDU bytes are annotated. The controlling station is the TCP
 * client (commands go TO_SERVER), the controlled station the server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dissector.h"
#include "facts.h"
#include "iec104.h"
#include "sink_test.h"

#define CA 3

typedef struct fixture {
    iec104_session s;
    recorder rec;
    otw_sink sink;
    uint16_t ns[2]; /* send sequence numbers per direction */
} fixture;

static int setup(void **state)
{
    static fixture f;
    memset(&f, 0, sizeof(f));
    iec104_session_init(&f.s);
    f.sink = rec_sink(&f.rec, OTW_PROTO_IEC104, NULL);
    f.sink.identity = NULL; /* IEC 104 reports no identity */
    *state = &f;
    return 0;
}

/* I-frame around an ASDU. */
static otw_parse_status send_asdu(fixture *f, otw_dir dir, const uint8_t *asdu, size_t n,
                                  uint64_t ts)
{
    uint8_t apdu[IEC104_MAX_APDU + 8];
    assert_true(n + 6 <= sizeof(apdu));
    uint16_t ns = f->ns[dir]++;
    apdu[0] = 0x68;
    apdu[1] = (uint8_t)(4 + n);
    apdu[2] = (uint8_t)(ns << 1); /* N(S), bit 0 = 0: I-format */
    apdu[3] = (uint8_t)(ns >> 7);
    apdu[4] = 0; /* N(R) */
    apdu[5] = 0;
    memcpy(apdu + 6, asdu, n);
    assert_int_equal(iec104_frame_len(apdu, n + 6), (long)(n + 6));
    return iec104_parse(&f->s, dir, apdu, n + 6, ts, &f->sink);
}

#define CMD(f, ...) send_asdu((f), OTW_DIR_TO_SERVER, BYTES(__VA_ARGS__), 1000)
#define MON(f, ...) send_asdu((f), OTW_DIR_TO_CLIENT, BYTES(__VA_ARGS__), 2000)

static otw_parse_status send_raw(fixture *f, otw_dir dir, const uint8_t *p, size_t n)
{
    return iec104_parse(&f->s, dir, p, n, 1, &f->sink);
}

#define RAW(f, ...) send_raw((f), OTW_DIR_TO_SERVER, BYTES(__VA_ARGS__))

/* ---------------------------------------------------------------- APCI */

static void test_frame_len(void **state)
{
    (void)state;
    assert_int_equal(iec104_frame_len(NULL, 0), OTW_FRAME_NEED_MORE);
    assert_int_equal(iec104_frame_len((const uint8_t[]){0x68}, 1), OTW_FRAME_NEED_MORE);
    assert_int_equal(iec104_frame_len((const uint8_t[]){0x69, 4}, 2), OTW_FRAME_NOT_MINE);
    assert_int_equal(iec104_frame_len((const uint8_t[]){0x68, 3}, 2), OTW_FRAME_NOT_MINE);
    assert_int_equal(iec104_frame_len((const uint8_t[]){0x68, 4}, 2), 6);
    assert_int_equal(iec104_frame_len((const uint8_t[]){0x68, 253}, 2), 255);
    assert_int_equal(iec104_frame_len((const uint8_t[]){0x68, 254}, 2), OTW_FRAME_NOT_MINE);
}

static void test_u_and_s_frames(void **state)
{
    fixture *f = *state;
    /* STARTDT act/con, STOPDT act/con, TESTFR act/con */
    const uint8_t u[] = {0x07, 0x0B, 0x13, 0x23, 0x43, 0x83};
    for (size_t i = 0; i < sizeof(u); i++)
        assert_int_equal(RAW(f, 0x68, 0x04, u[i], 0x00, 0x00, 0x00), OTW_PARSE_OK);
    assert_int_equal(f->s.n_u_frames, 6);
    assert_int_equal(f->s.n_startdt, 2);
    assert_int_equal(f->s.n_stopdt, 2);
    assert_int_equal(f->s.n_testfr, 2);
    /* S-format, N(R) = 78 */
    assert_int_equal(RAW(f, 0x68, 0x04, 0x01, 0x00, 0x9C, 0x00), OTW_PARSE_OK);
    assert_int_equal(f->s.n_s_frames, 1);
    assert_int_equal(f->rec.n_ops, 0);
    /* two U functions at once, U with a non-zero octet, S with data or bad octets */
    assert_int_equal(RAW(f, 0x68, 0x04, 0x0F, 0x00, 0x00, 0x00), OTW_PARSE_MALFORMED);
    assert_int_equal(RAW(f, 0x68, 0x04, 0x07, 0x00, 0x01, 0x00), OTW_PARSE_MALFORMED);
    assert_int_equal(RAW(f, 0x68, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00), OTW_PARSE_MALFORMED);
    assert_int_equal(RAW(f, 0x68, 0x04, 0x01, 0x01, 0x00, 0x00), OTW_PARSE_MALFORMED);
    assert_int_equal(RAW(f, 0x68, 0x04, 0x05, 0x00, 0x00, 0x00), OTW_PARSE_MALFORMED);
    /* I-format without ASDU, or with bit 0 of the 3rd octet set */
    assert_int_equal(RAW(f, 0x68, 0x04, 0x00, 0x00, 0x00, 0x00), OTW_PARSE_MALFORMED);
    assert_int_equal(RAW(f, 0x68, 0x0A, 0x00, 0x00, 0x01, 0x00, 0x64, 0x01, 0x06, 0x00, 0x03, 0x00),
                     OTW_PARSE_MALFORMED);
    assert_string_equal(f->rec.last_anomaly, "iec104_malformed");
    /* length disagreeing with the buffer, not 104 at all */
    assert_int_equal(RAW(f, 0x68, 0x04, 0x07, 0x00, 0x00), OTW_PARSE_MALFORMED);
    assert_int_equal(RAW(f, 'G', 'E', 'T', ' ', '/', ' '), OTW_PARSE_NOT_MINE);
    assert_int_equal(iec104_parse(NULL, OTW_DIR_TO_SERVER, (const uint8_t[]){0x68, 4, 7, 0, 0, 0},
                                  6, 1, &f->sink),
                     OTW_PARSE_NOT_MINE);
}

/* ------------------------------------------------------------ commands */

static void test_single_command_select_execute(void **state)
{
    fixture *f = *state;
    /* C_SC_NA_1 (45), VSQ 1, COT act (6), orig 0, CA 3, IOA 4500, SCO select|on (0x81) */
    assert_int_equal(CMD(f, 45, 0x01, 0x06, 0x00, CA, 0x00, 0x94, 0x11, 0x00, 0x81), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 0);
    /* actcon (7) */
    assert_int_equal(MON(f, 45, 0x01, 0x07, 0x00, CA, 0x00, 0x94, 0x11, 0x00, 0x81), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    /* execute: SCO on (0x01), actcon, actterm (10) */
    CMD(f, 45, 0x01, 0x06, 0x00, CA, 0x00, 0x94, 0x11, 0x00, 0x01);
    MON(f, 45, 0x01, 0x07, 0x00, CA, 0x00, 0x94, 0x11, 0x00, 0x01);
    assert_int_equal(MON(f, 45, 0x01, 0x0A, 0x00, CA, 0x00, 0x94, 0x11, 0x00, 0x01), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 2);
    assert_int_equal(f->s.n_actterm, 1);
    for (int i = 0; i < 2; i++) {
        otw_op *op = &f->rec.ops[i];
        assert_int_equal(op->function, 45);
        assert_string_equal(op->function_name, "C_SC_NA_1 Single command");
        assert_int_equal(op->op_class, OTW_CLASS_WRITE);
        assert_true(op->has_unit);
        assert_int_equal(op->unit, CA);
        assert_string_equal(op->object, "IOA 4500");
        assert_true(op->has_address);
        assert_int_equal(op->address_start, 4500);
        assert_int_equal(op->address_count, 1);
        assert_int_equal(op->outcome, OTW_OUTCOME_OK);
        assert_true(op->request_seen);
        assert_int_equal(op->ts_us, 1000);
        assert_int_equal(op->response_ts_us, 2000);
    }
    assert_int_equal(f->s.n_pending, 0);
}

/* Every control-direction type with the element size of its standard and
 * the class it gets. */
static void test_command_types(void **state)
{
    fixture *f = *state;
    static const struct {
        uint8_t type;
        uint8_t size;
        otw_op_class cls;
    } want[] = {
        {45, 1, OTW_CLASS_WRITE},          {46, 1, OTW_CLASS_WRITE},
        {47, 1, OTW_CLASS_WRITE},          {48, 3, OTW_CLASS_WRITE},
        {49, 3, OTW_CLASS_WRITE},          {50, 5, OTW_CLASS_WRITE},
        {51, 4, OTW_CLASS_WRITE},          {58, 8, OTW_CLASS_WRITE},
        {59, 8, OTW_CLASS_WRITE},          {60, 8, OTW_CLASS_WRITE},
        {61, 10, OTW_CLASS_WRITE},         {62, 10, OTW_CLASS_WRITE},
        {63, 12, OTW_CLASS_WRITE},         {64, 11, OTW_CLASS_WRITE},
        {100, 1, OTW_CLASS_READ},          {101, 1, OTW_CLASS_READ},
        {103, 7, OTW_CLASS_CONFIGURATION}, {104, 2, OTW_CLASS_DIAGNOSTIC},
        {105, 1, OTW_CLASS_CONTROL},       {106, 2, OTW_CLASS_DIAGNOSTIC},
        {107, 9, OTW_CLASS_DIAGNOSTIC},    {110, 3, OTW_CLASS_CONFIGURATION},
        {111, 3, OTW_CLASS_CONFIGURATION}, {112, 5, OTW_CLASS_CONFIGURATION},
        {113, 1, OTW_CLASS_CONFIGURATION},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        uint8_t asdu[32] = {want[i].type, 0x01, 0x06, 0x00, CA, 0x00, (uint8_t)i, 0x00, 0x00};
        size_t n = 9 + want[i].size;
        assert_int_equal(send_asdu(f, OTW_DIR_TO_SERVER, asdu, n, 10), OTW_PARSE_OK);
        asdu[2] = 0x07; /* actcon */
        assert_int_equal(send_asdu(f, OTW_DIR_TO_CLIENT, asdu, n, 20), OTW_PARSE_OK);
        assert_int_equal(f->rec.n_ops, i + 1);
        otw_op *op = &f->rec.ops[i];
        assert_int_equal(op->function, want[i].type);
        assert_int_equal(op->op_class, want[i].cls);
        assert_int_equal(op->address_start, i);
        assert_int_equal(op->outcome, OTW_OUTCOME_OK);
        /* one byte more or less is malformed */
        asdu[2] = 0x06;
        assert_int_equal(send_asdu(f, OTW_DIR_TO_SERVER, asdu, n + 1, 10), OTW_PARSE_MALFORMED);
        assert_int_equal(send_asdu(f, OTW_DIR_TO_SERVER, asdu, n - 1, 10), OTW_PARSE_MALFORMED);
    }
    assert_int_equal(f->s.n_pending, 0);
    assert_int_equal(f->s.n_malformed, 2 * sizeof(want) / sizeof(want[0]));
}

static void test_negative_confirmations(void **state)
{
    fixture *f = *state;
    /* double command IOA 4600 act, answered by actcon with P/N=1 (0x47) */
    CMD(f, 46, 0x01, 0x06, 0x00, CA, 0x00, 0xF8, 0x11, 0x00, 0x02);
    MON(f, 46, 0x01, 0x47, 0x00, CA, 0x00, 0xF8, 0x11, 0x00, 0x02);
    /* set point IOA 70000 act, answered with cause 47 unknown IOA (P/N=1) */
    CMD(f, 50, 0x01, 0x06, 0x00, CA, 0x00, 0x70, 0x11, 0x01, 0, 0, 0x80, 0x3F, 0x00);
    MON(f, 50, 0x01, 0x6F, 0x00, CA, 0x00, 0x70, 0x11, 0x01, 0, 0, 0x80, 0x3F, 0x00);
    /* a command for common address 9, answered with cause 46 unknown CA */
    CMD(f, 45, 0x01, 0x06, 0x00, 9, 0x00, 0x01, 0x00, 0x00, 0x01);
    MON(f, 45, 0x01, 0x2E, 0x00, 9, 0x00, 0x01, 0x00, 0x00, 0x01);
    assert_int_equal(f->rec.n_ops, 3);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[0].exception_code, 7);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[1].exception_code, 47);
    assert_int_equal(f->rec.ops[1].address_start, 70000);
    assert_string_equal(f->rec.ops[1].object, "IOA 70000");
    assert_int_equal(f->rec.ops[2].exception_code, 46);
    assert_int_equal(f->rec.ops[2].unit, 9);
    assert_int_equal(f->s.n_pending, 0);
}

static void test_interrogation(void **state)
{
    fixture *f = *state;
    /* C_IC_NA_1 act, IOA 0, QOI 20 (station interrogation) */
    CMD(f, 100, 0x01, 0x06, 0x00, CA, 0x00, 0x00, 0x00, 0x00, 0x14);
    MON(f, 100, 0x01, 0x07, 0x00, CA, 0x00, 0x00, 0x00, 0x00, 0x14);
    /* M_SP_NA_1, SQ=1 2 objects from IOA 1, cause inrogen (20) */
    assert_int_equal(MON(f, 1, 0x82, 0x14, 0x00, CA, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00),
                     OTW_PARSE_OK);
    /* M_ME_NC_1, SQ=0 2 objects, inrogen */
    assert_int_equal(MON(f, 13, 0x02, 0x14, 0x00, CA, 0x00, 0x14, 0x05, 0x00, 0, 0, 0x20, 0x41,
                         0x00, 0x15, 0x05, 0x00, 0, 0, 0xA0, 0x41, 0x00),
                     OTW_PARSE_OK);
    /* actterm */
    MON(f, 100, 0x01, 0x0A, 0x00, CA, 0x00, 0x00, 0x00, 0x00, 0x14);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].function, 100);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_READ);
    assert_string_equal(f->rec.ops[0].object, "IOA 0");
    assert_int_equal(f->s.n_monitor, 2);
    /* SQ=1 with a wrong length */
    assert_int_equal(MON(f, 1, 0x82, 0x14, 0x00, CA, 0x00, 0x01, 0x00, 0x00, 0x01),
                     OTW_PARSE_MALFORMED);
}

static void test_read_command(void **state)
{
    fixture *f = *state;
    /* C_RD_NA_1, cause req (5), IOA 1300, no element */
    assert_int_equal(CMD(f, 102, 0x01, 0x05, 0x00, CA, 0x00, 0x14, 0x05, 0x00), OTW_PARSE_OK);
    /* spontaneous data for the same IOA is not the answer */
    MON(f, 13, 0x01, 0x03, 0x00, CA, 0x00, 0x14, 0x05, 0x00, 0, 0, 0x20, 0x41, 0x00);
    assert_int_equal(f->rec.n_ops, 0);
    /* answer: M_ME_NC_1 cause req */
    MON(f, 13, 0x01, 0x05, 0x00, CA, 0x00, 0x14, 0x05, 0x00, 0, 0, 0x20, 0x41, 0x00);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].function, 102);
    assert_string_equal(f->rec.ops[0].function_name, "C_RD_NA_1 Read command");
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_READ);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_OK);
    /* read of an unknown IOA: negative 102 with cause 47 */
    CMD(f, 102, 0x01, 0x05, 0x00, CA, 0x00, 0x99, 0x00, 0x00);
    MON(f, 102, 0x01, 0x6F, 0x00, CA, 0x00, 0x99, 0x00, 0x00);
    assert_int_equal(f->rec.n_ops, 2);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[1].exception_code, 47);
    /* data with cause req answering nothing: counted only */
    MON(f, 13, 0x01, 0x05, 0x00, CA, 0x00, 0x14, 0x05, 0x00, 0, 0, 0x20, 0x41, 0x00);
    assert_int_equal(f->rec.n_ops, 2);
}

static void test_deactivation_and_actterm(void **state)
{
    fixture *f = *state;
    /* regulating step command act, then deact; deactcon; the act gets actterm only */
    CMD(f, 47, 0x01, 0x06, 0x00, CA, 0x00, 0x10, 0x00, 0x00, 0x02);
    CMD(f, 47, 0x01, 0x08, 0x00, CA, 0x00, 0x10, 0x00, 0x00, 0x02);
    MON(f, 47, 0x01, 0x09, 0x00, CA, 0x00, 0x10, 0x00, 0x00, 0x02);
    assert_int_equal(f->rec.n_ops, 1); /* the deactivation */
    assert_int_equal(f->rec.ops[0].ts_us, 1000);
    MON(f, 47, 0x01, 0x0A, 0x00, CA, 0x00, 0x10, 0x00, 0x00, 0x02);
    assert_int_equal(f->rec.n_ops, 2); /* the activation, closed by actterm */
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->s.n_pending, 0);
}

static void test_unmatched_and_monitoring(void **state)
{
    fixture *f = *state;
    /* actcon without a command: request_seen false */
    MON(f, 45, 0x01, 0x07, 0x00, CA, 0x00, 0x94, 0x11, 0x00, 0x01);
    assert_int_equal(f->rec.n_ops, 1);
    assert_false(f->rec.ops[0].request_seen);
    assert_int_equal(f->rec.ops[0].function, 45);
    assert_int_equal(f->rec.ops[0].ts_us, 2000);
    /* actterm without a command: counted only */
    MON(f, 45, 0x01, 0x0A, 0x00, CA, 0x00, 0x94, 0x11, 0x00, 0x01);
    assert_int_equal(f->rec.n_ops, 1);
    /* a confirmation from the same side as the command does not match it */
    CMD(f, 45, 0x01, 0x06, 0x00, CA, 0x00, 0x01, 0x00, 0x00, 0x01);
    CMD(f, 45, 0x01, 0x07, 0x00, CA, 0x00, 0x01, 0x00, 0x00, 0x01);
    assert_int_equal(f->s.n_pending, 1);
    assert_int_equal(f->rec.n_ops, 2); /* that actcon matched nothing */
    assert_false(f->rec.ops[1].request_seen);
    /* monitoring: M_SP_TB_1 spont, M_EI_NA_1 init, file ready, all counted */
    MON(f, 30, 0x01, 0x03, 0x00, CA, 0x00, 0x02, 0x00, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7);
    MON(f, 70, 0x01, 0x04, 0x00, CA, 0x00, 0x00, 0x00, 0x00, 0x00);
    MON(f, 120, 0x01, 0x0D, 0x00, CA, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x10, 0x00, 0x00);
    /* periodic M_ME_NA_1 in the test (T) bit, 0 objects (no information) */
    assert_int_equal(MON(f, 9, 0x00, 0x81, 0x00, CA, 0x00), OTW_PARSE_OK);
    assert_int_equal(f->s.n_monitor, 4);
    assert_int_equal(f->rec.n_ops, 2);
}

static void test_bad_asdus(void **state)
{
    fixture *f = *state;
    /* type 0, cause 0, header cut, IOA cut */
    assert_int_equal(CMD(f, 0, 0x01, 0x06, 0x00, CA, 0x00, 0x01, 0x00, 0x00, 0x01),
                     OTW_PARSE_MALFORMED);
    assert_int_equal(CMD(f, 45, 0x01, 0x00, 0x00, CA, 0x00, 0x01, 0x00, 0x00, 0x01),
                     OTW_PARSE_MALFORMED);
    assert_int_equal(CMD(f, 45, 0x01, 0x06, 0x00, CA), OTW_PARSE_MALFORMED);
    assert_int_equal(CMD(f, 45, 0x01, 0x06, 0x00, CA, 0x00, 0x01), OTW_PARSE_MALFORMED);
    /* unknown type 200: accepted with an anomaly, not logged */
    assert_int_equal(CMD(f, 200, 0x01, 0x03, 0x00, CA, 0x00, 0x01, 0x00, 0x00, 0x01), OTW_PARSE_OK);
    assert_string_equal(f->rec.last_anomaly, "iec104_unknown_type");
    /* unknown type 55 in the command range: a request of class write */
    assert_int_equal(CMD(f, 55, 0x01, 0x06, 0x00, CA, 0x00, 0x01, 0x00, 0x00, 0x01, 0x02),
                     OTW_PARSE_OK);
    assert_int_equal(f->s.n_pending, 1);
    /* a segment (variable size) shorter than its fixed part */
    assert_int_equal(MON(f, 125, 0x01, 0x0D, 0x00, CA, 0x00, 0x01, 0x00, 0x00, 0x01),
                     OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.n_ops, 0);
}

/* ----------------------------------------------------- robustness, state */

static void test_truncated_everywhere(void **state)
{
    fixture *f = *state;
    const uint8_t apdu[] = {0x68, 0x15, 0x28, 0x00, 0x9C, 0x00,     /* APCI N(S)=20 N(R)=78 */
                            58,   0x01, 0x06, 0x00, CA,   0x00,     /* C_SC_TA_1 act CA 3 */
                            0x95, 0x11, 0x00, 0x01,                 /* IOA 4501, SCO */
                            1,    2,    3,    4,    5,    6,    7}; /* CP56Time2a */
    assert_int_equal(sizeof(apdu), 23);
    every_prefix_refused(iec104_parse, iec104_frame_len, &f->s, OTW_DIR_TO_SERVER, apdu,
                         sizeof(apdu), &f->sink);
    assert_int_equal(f->s.n_pending, 0);
    assert_int_equal(iec104_parse(&f->s, OTW_DIR_TO_SERVER, apdu, sizeof(apdu), 1, &f->sink),
                     OTW_PARSE_OK);
    assert_int_equal(f->s.n_pending, 1);
}

static void test_garbage(void **state)
{
    fixture *f = *state;
    uint8_t buf[300];
    uint32_t x = 777;
    memset(buf, 0, sizeof(buf));
    for (int round = 0; round < 3000; round++) {
        size_t n = 1 + (x % 255);
        lcg_fill(&x, buf, n);
        if (round & 1) { /* a valid APCI header, random content */
            buf[0] = 0x68;
            buf[1] = (uint8_t)(n < 6 ? 4 : n - 2);
            buf[2] &= 0xFE;
            buf[4] &= 0xFE;
            if (n < 6)
                n = 6;
        }
        otw_parse_status st =
            iec104_parse(&f->s, (otw_dir)((round >> 1) & 1), buf, n, (uint64_t)round, &f->sink);
        assert_valid_status(st);
        assert_true(f->s.n_pending <= IEC104_MAX_PENDING);
    }
    iec104_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
}

static void test_pending_limit_and_expire(void **state)
{
    fixture *f = *state;
    /* 33 single commands on IOAs 0..32: the first is given up */
    for (uint8_t i = 0; i <= IEC104_MAX_PENDING; i++) {
        const uint8_t asdu[] = {45, 0x01, 0x06, 0x00, CA, 0x00, i, 0x00, 0x00, 0x01};
        send_asdu(f, OTW_DIR_TO_SERVER, asdu, sizeof(asdu), i);
    }
    assert_int_equal(f->s.n_pending, IEC104_MAX_PENDING);
    assert_int_equal(f->s.n_pending_evicted, 1);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].address_start, 0);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_NO_RESPONSE);
    /* the same command again on IOA 32: the older one is unanswered */
    const uint8_t again[] = {45, 0x01, 0x06, 0x00, CA, 0x00, 32, 0x00, 0x00, 0x01};
    send_asdu(f, OTW_DIR_TO_SERVER, again, sizeof(again), 100);
    assert_int_equal(f->rec.n_ops, 2);
    assert_int_equal(f->rec.ops[1].address_start, 32);
    /* expire at t=20, timeout 10: IOAs 1..9 */
    iec104_expire(&f->s, 20, 10, &f->sink);
    assert_int_equal(f->rec.n_ops, 2 + 9);
    iec104_expire(&f->s, 20, 0, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
    assert_int_equal(f->rec.n_ops, 2 + 32);
    iec104_expire(NULL, 0, 0, &f->sink);
    f->s.n_pending = 999;
    iec104_expire(&f->s, 0, 0, NULL);
    assert_int_equal(f->s.n_pending, 0);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(iec104_type_name(1), "M_SP_NA_1 Single-point information");
    assert_string_equal(iec104_type_name(100), "C_IC_NA_1 Interrogation command");
    assert_string_equal(iec104_type_name(127), "F_SC_NB_1 Query log, request archive file");
    assert_string_equal(iec104_type_name(22), "Unknown type");
    assert_string_equal(iec104_type_name(0), "Unknown type");
    assert_string_equal(iec104_type_name(255), "Unknown type");
    assert_string_equal(iec104_cause_name(1), "per/cyc");
    assert_string_equal(iec104_cause_name(3), "spont");
    assert_string_equal(iec104_cause_name(6), "act");
    assert_string_equal(iec104_cause_name(7), "actcon");
    assert_string_equal(iec104_cause_name(10), "actterm");
    assert_string_equal(iec104_cause_name(20), "inrogen");
    assert_string_equal(iec104_cause_name(25), "inro");
    assert_string_equal(iec104_cause_name(40), "reqco");
    assert_string_equal(iec104_cause_name(44), "unknown type");
    assert_string_equal(iec104_cause_name(47), "unknown IOA");
    assert_string_equal(iec104_cause_name(0), "unknown cause");
    assert_string_equal(iec104_cause_name(63), "unknown cause");
}

static void test_descriptor(void **state)
{
    (void)state;
    const otw_dissector *d = otw_dissector_for_port(true, 2404);
    assert_ptr_equal(d, &iec104_dissector);
    check_industrial_dissector(&iec104_dissector, OTW_PROTO_IEC104);
    assert_non_null(d->expire);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_frame_len),
        T(test_u_and_s_frames),
        T(test_single_command_select_execute),
        T(test_command_types),
        T(test_negative_confirmations),
        T(test_interrogation),
        T(test_read_command),
        T(test_deactivation_and_actterm),
        T(test_unmatched_and_monitoring),
        T(test_bad_asdus),
        T(test_truncated_everywhere),
        T(test_garbage),
        T(test_pending_limit_and_expire),
        T(test_names),
        T(test_descriptor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
