/* test_fins.c - Omron FINS dissector (protocols/fins.c), UDP and FINS/TCP.
 *
 * Frames are crafted by hand after the FINS Commands Reference Manual
 * (W227/W342 section 5) and the Ethernet Unit manual (W343 section 6,
 * FINS/TCP). The helpers build the 10-byte FINS header for a request from
 * node 0x14 (SA1) to node 0x0A (DA1), both on the local network (0) and
 * unit 0 (CPU): ICF 80 (command, response required), RSV 00, GCT 02,
 * DNA DA1 DA2, SNA SA1 SA2, SID; the response swaps the addresses and has
 * ICF C0 and the end code after the command code.
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
#include "fins.h"
#include "sink_test.h"

SINK_FIXTURE(fins_session, fins_session_init, OTW_PROTO_FINS, NULL)

static otw_parse_status parse(fixture *f, otw_dir dir, const uint8_t *p, size_t n, uint64_t ts)
{
    return parse_copy(fins_parse, &f->s, dir, p, n, ts, &f->sink);
}

static size_t build(uint8_t *out, bool response, uint8_t sid, uint16_t cmd, uint16_t end,
                    const uint8_t *d, size_t n)
{
    size_t k = 0;
    out[k++] = response ? 0xc0 : 0x80; /* ICF */
    out[k++] = 0x00;                   /* RSV */
    out[k++] = 0x02;                   /* GCT */
    out[k++] = 0x00;                   /* DNA */
    out[k++] = response ? 0x14 : 0x0a; /* DA1 */
    out[k++] = 0x00;                   /* DA2 */
    out[k++] = 0x00;                   /* SNA */
    out[k++] = response ? 0x0a : 0x14; /* SA1 */
    out[k++] = 0x00;                   /* SA2 */
    out[k++] = sid;
    out[k++] = (uint8_t)(cmd >> 8); /* MRC */
    out[k++] = (uint8_t)cmd;        /* SRC */
    if (response) {
        out[k++] = (uint8_t)(end >> 8); /* MRES */
        out[k++] = (uint8_t)end;        /* SRES */
    }
    if (n)
        memcpy(out + k, d, n);
    return k + n;
}

static otw_parse_status req(fixture *f, uint8_t sid, uint16_t cmd, const uint8_t *d, size_t n)
{
    uint8_t buf[600];
    size_t len = build(buf, false, sid, cmd, 0, d, n);
    return parse(f, OTW_DIR_TO_SERVER, buf, len, 1000);
}

static otw_parse_status rsp(fixture *f, uint8_t sid, uint16_t cmd, uint16_t end, const uint8_t *d,
                            size_t n)
{
    uint8_t buf[600];
    size_t len = build(buf, true, sid, cmd, end, d, n);
    return parse(f, OTW_DIR_TO_CLIENT, buf, len, 2000);
}

static void test_registry(void **state)
{
    (void)state;
    assert_ptr_equal(otw_dissector_for_port(true, 9600), &fins_dissector);
    assert_ptr_equal(otw_dissector_for_port(false, 9600), &fins_dissector);
    check_industrial_dissector(&fins_dissector, OTW_PROTO_FINS);
    assert_string_equal(fins_area_name(0x82), "DM");
    assert_string_equal(fins_area_name(0xB0), "CIO");
    assert_string_equal(fins_area_name(0x30), "CIO");
    assert_string_equal(fins_area_name(0xA3), "E3");
    assert_string_equal(fins_area_name(0x2C), "EC");
    assert_null(fins_area_name(0xFF));
    assert_string_equal(fins_command_name(0x0401), "Run");
    assert_string_equal(fins_command_name(0x7777), "Unknown");
}

static void test_frame_len(void **state)
{
    (void)state;
    /* "FINS", length 0x0000000C (command + error code + 4 bytes) */
    const uint8_t h[] = {'F', 'I', 'N', 'S', 0x00, 0x00, 0x00, 0x0c};
    for (size_t i = 0; i < sizeof(h); i++)
        assert_int_equal(fins_frame_len(h, i), OTW_FRAME_NEED_MORE);
    assert_int_equal(fins_frame_len(h, sizeof(h)), 20);
    assert_int_equal(fins_frame_len((const uint8_t *)"FINX", 4), OTW_FRAME_NOT_MINE);
    assert_int_equal(fins_frame_len((const uint8_t *)"G", 1), OTW_FRAME_NOT_MINE);
    /* length below command + error code, and oversized */
    const uint8_t small[] = {'F', 'I', 'N', 'S', 0x00, 0x00, 0x00, 0x07};
    assert_int_equal(fins_frame_len(small, sizeof(small)), OTW_FRAME_NOT_MINE);
    const uint8_t big[] = {'F', 'I', 'N', 'S', 0x00, 0x01, 0x00, 0x00};
    assert_int_equal(fins_frame_len(big, sizeof(big)), OTW_FRAME_NOT_MINE);
    const uint8_t max[] = {'F', 'I', 'N', 'S', 0x00, 0x00, 0x10, 0x00};
    assert_int_equal(fins_frame_len(max, sizeof(max)), 8 + FINS_MAX_FRAME);
    assert_int_equal(fins_frame_len(NULL, 0), OTW_FRAME_NEED_MORE);
}

typedef struct pair_case {
    uint16_t cmd;
    bytes req, rsp;
    OP_EXPECT_FIELDS;
} pair_case;

/* clang-format off */
static const pair_case pairs[] = {
    /* 0101 Memory Area Read: DM (82) word 100 (0064) bit 00, 2 items | 4 bytes */
    {0x0101, B(0x82, 0x00, 0x64, 0x00, 0x00, 0x02), B(0x00, 0x01, 0x00, 0x02),
     "Memory Area Read", OTW_CLASS_READ, "DM", true, 100, 2},
    /* 0101 bit read: CIO bit (30) word 10 bit 03, 1 item | 1 byte */
    {0x0101, B(0x30, 0x00, 0x0a, 0x03, 0x00, 0x01), B(0x01),
     "Memory Area Read", OTW_CLASS_READ, "CIO", true, 10, 1},
    /* 0101 EM bank 2 (A2) word 0 | 2 bytes */
    {0x0101, B(0xa2, 0x00, 0x00, 0x00, 0x00, 0x01), B(0x12, 0x34),
     "Memory Area Read", OTW_CLASS_READ, "E2", true, 0, 1},
    /* 0101 counter PV (89) 0x8005 = counter 5 | 2 bytes */
    {0x0101, B(0x89, 0x80, 0x05, 0x00, 0x00, 0x01), B(0x00, 0x07),
     "Memory Area Read", OTW_CLASS_READ, "CNT", true, 5, 1},
    /* 0101 timer PV (89) 0x0003 = timer 3 */
    {0x0101, B(0x89, 0x00, 0x03, 0x00, 0x00, 0x01), B(0x00, 0x07),
     "Memory Area Read", OTW_CLASS_READ, "TIM", true, 3, 1},
    /* 0102 Memory Area Write: HR (B2) word 5, 1 item, 0x1234 */
    {0x0102, B(0xb2, 0x00, 0x05, 0x00, 0x00, 0x01, 0x12, 0x34), NONE,
     "Memory Area Write", OTW_CLASS_WRITE, "HR", true, 5, 1},
    /* 0103 Memory Area Fill: WR (B1) word 0, 10 items, with 0x0000 */
    {0x0103, B(0xb1, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00), NONE,
     "Memory Area Fill", OTW_CLASS_WRITE, "WR", true, 0, 10},
    /* 0104 Multiple Memory Area Read: DM 0 and CIO 1 | 82 data, B0 data */
    {0x0104, B(0x82, 0x00, 0x00, 0x00, 0xb0, 0x00, 0x01, 0x00),
     B(0x82, 0x00, 0x01, 0xb0, 0x00, 0x02), "Multiple Memory Area Read", OTW_CLASS_READ, "DM",
     true, 0, 2},
    /* 0105 Memory Area Transfer: DM 0 -> AR (B3) 10, 4 items */
    {0x0105, B(0x82, 0x00, 0x00, 0x00, 0xb3, 0x00, 0x0a, 0x00, 0x00, 0x04), NONE,
     "Memory Area Transfer", OTW_CLASS_WRITE, "AR", true, 10, 4},
    /* 0201 Parameter Area Read: area 8010, word 0, 2 words | area, word, count, data */
    {0x0201, B(0x80, 0x10, 0x00, 0x00, 0x00, 0x02),
     B(0x80, 0x10, 0x00, 0x00, 0x80, 0x02, 0x00, 0x00, 0x00, 0x00),
     "Parameter Area Read", OTW_CLASS_READ, "param 8010", true, 0, 2},
    /* 0202 Parameter Area Write: area 8010, word 0, 1 word + last flag, data */
    {0x0202, B(0x80, 0x10, 0x00, 0x00, 0x80, 0x01, 0x00, 0x00), NONE,
     "Parameter Area Write", OTW_CLASS_CONFIGURATION, "param 8010", true, 0, 1},
    /* 0203 Parameter Area Clear */
    {0x0203, B(0x80, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00), NONE,
     "Parameter Area Clear", OTW_CLASS_CONFIGURATION, "param 8010", true, 0, 1},
    /* 0306 Program Area Read: program FFFF, word 0, 0x0200 bytes | data */
    {0x0306, B(0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00),
     B(0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x82, 0x00, 0x01, 0x02),
     "Program Area Read", OTW_CLASS_PROGRAM_UPLOAD, "program", true, 0, 0x200},
    /* 0307 Program Area Write: program FFFF, word 0x100, 2 bytes + data */
    {0x0307, B(0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x80, 0x02, 0xaa, 0xbb), NONE,
     "Program Area Write", OTW_CLASS_PROGRAM_DOWNLOAD, "program", true, 0x100, 2},
    /* 0308 Program Area Clear: program FFFF, clear code 00 */
    {0x0308, B(0xff, 0xff, 0x00), NONE, "Program Area Clear", OTW_CLASS_PROGRAM_DOWNLOAD, "",
     false, 0, 0},
    /* 0401 RUN: program FFFF, mode 04 (RUN) */
    {0x0401, B(0xff, 0xff, 0x04), NONE, "Run", OTW_CLASS_CONTROL, "", false, 0, 0},
    /* 0402 STOP */
    {0x0402, NONE, NONE, "Stop", OTW_CLASS_CONTROL, "", false, 0, 0},
    /* 0502 Connection Data Read: unit 00, 1 item | 1 item, unit 00, model */
    {0x0502, B(0x00, 0x01), B(0x01, 0x00, 'C', 'J', '1', 'W', '-', 'E', 'T', 'N', '2', '1', 0, 0,
                             0, 0, 0, 0, 0, 0, 0, 0),
     "Connection Data Read", OTW_CLASS_IDENTITY, "", false, 0, 0},
    /* 0601 Controller Status Read | status, mode, ... */
    {0x0601, NONE, B(0x01, 0x04, 0x00, 0x00, 0x00, 0x00), "Controller Status Read",
     OTW_CLASS_DIAGNOSTIC, "", false, 0, 0},
    /* 0620 Cycle Time Read: 01 = read */
    {0x0620, B(0x01), B(0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1), "Cycle Time Read",
     OTW_CLASS_DIAGNOSTIC, "", false, 0, 0},
    /* 0701 Clock Read | yy mm dd hh mm ss day */
    {0x0701, NONE, B(0x24, 0x01, 0x02, 0x03, 0x04, 0x05, 0x02), "Clock Read", OTW_CLASS_READ, "",
     false, 0, 0},
    /* 0702 Clock Write */
    {0x0702, B(0x24, 0x01, 0x02, 0x03, 0x04, 0x05, 0x02), NONE, "Clock Write",
     OTW_CLASS_CONFIGURATION, "", false, 0, 0},
    /* 0920 Message Read/Clear */
    {0x0920, B(0x00, 0x01), NONE, "Message Read/Clear", OTW_CLASS_DIAGNOSTIC, "", false, 0, 0},
    /* 0C01 Access Right Acquire: program FFFF */
    {0x0C01, B(0xff, 0xff), NONE, "Access Right Acquire", OTW_CLASS_AUTHENTICATION, "", false, 0,
     0},
    {0x0C02, B(0xff, 0xff), NONE, "Access Right Forced Acquire", OTW_CLASS_AUTHENTICATION, "",
     false, 0, 0},
    {0x0C03, B(0xff, 0xff), NONE, "Access Right Release", OTW_CLASS_AUTHENTICATION, "", false, 0,
     0},
    /* 2101 Error Clear: FFFF all */
    {0x2101, B(0xff, 0xff), NONE, "Error Clear", OTW_CLASS_CONTROL, "", false, 0, 0},
    /* 2102 Error Log Read: record 0, 1 record */
    {0x2102, B(0x00, 0x00, 0x00, 0x01), NONE, "Error Log Read", OTW_CLASS_DIAGNOSTIC, "", false, 0,
     0},
    {0x2103, NONE, NONE, "Error Log Clear", OTW_CLASS_CONTROL, "", false, 0, 0},
    /* 2201 File Name Read: disk 8000, first file 0, 1 file, path length 0 */
    {0x2201, B(0x80, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00), NONE, "File Name Read",
     OTW_CLASS_READ, "", false, 0, 0},
    /* 2202 Single File Read of a program file: disk 8000, "PROG    .OBJ", position 0,
     * 0x100 bytes, path length 0 */
    {0x2202, B(0x80, 0x00, 'P', 'R', 'O', 'G', ' ', ' ', ' ', ' ', '.', 'O', 'B', 'J',
               0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00),
     NONE, "Single File Read", OTW_CLASS_PROGRAM_UPLOAD, "PROG.OBJ", true, 0, 0x100},
    /* 2202 of a data file: read */
    {0x2202, B(0x80, 0x00, 'D', 'A', 'T', 'A', ' ', ' ', ' ', ' ', '.', 'I', 'O', 'M',
               0x00, 0x00, 0x00, 0x10, 0x00, 0x20, 0x00, 0x00),
     NONE, "Single File Read", OTW_CLASS_READ, "DATA.IOM", true, 0x10, 0x20},
    /* 2203 Single File Write of a parameter file: disk 8000, parameter 0000, "PARAM   .STD",
     * position 0, 2 bytes, path length 0, data */
    {0x2203, B(0x80, 0x00, 0x00, 0x00, 'P', 'A', 'R', 'A', 'M', ' ', ' ', ' ', '.', 'S', 'T', 'D',
               0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x12, 0x34),
     NONE, "Single File Write", OTW_CLASS_PROGRAM_DOWNLOAD, "PARAM.STD", true, 0, 2},
    /* 2204 File Memory Format */
    {0x2204, B(0x80, 0x00), NONE, "File Memory Format", OTW_CLASS_CONFIGURATION, "", false, 0, 0},
    /* 2205 File Delete */
    {0x2205, B(0x80, 0x00, 0x00, 0x01), NONE, "File Delete", OTW_CLASS_PROGRAM_DOWNLOAD, "", false,
     0, 0},
    /* 220C Program Area File Transfer, 01 = file -> program area */
    {0x220C, B(0x01, 0xff, 0xff), NONE, "Program Area File Transfer", OTW_CLASS_PROGRAM_DOWNLOAD,
     "", false, 0, 0},
    {0x220C, B(0x00, 0xff, 0xff), NONE, "Program Area File Transfer", OTW_CLASS_PROGRAM_UPLOAD,
     "", false, 0, 0},
    {0x220B, B(0x01), NONE, "Parameter Area File Transfer", OTW_CLASS_CONFIGURATION, "", false, 0,
     0},
    {0x220A, B(0x01), NONE, "Memory Area File Transfer", OTW_CLASS_WRITE, "", false, 0, 0},
    /* 2301 Forced Set/Reset: 1 bit, spec 0001 (force ON), CIO bit 30 word 0 bit 5 */
    {0x2301, B(0x00, 0x01, 0x00, 0x01, 0x30, 0x00, 0x00, 0x05), NONE, "Forced Set/Reset",
     OTW_CLASS_WRITE, "CIO", true, 0, 1},
    {0x2302, NONE, NONE, "Forced Set/Reset Cancel", OTW_CLASS_WRITE, "", false, 0, 0},
    /* 0801 Internode Echo Test */
    {0x0801, B('p', 'i', 'n', 'g'), B('p', 'i', 'n', 'g'), "Internode Echo Test",
     OTW_CLASS_DIAGNOSTIC, "", false, 0, 0},
    /* an unknown command */
    {0x3401, B(0x00), NONE, "Unknown", OTW_CLASS_OTHER, "", false, 0, 0},
};
/* clang-format on */

static void test_command_pairs(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        const pair_case *c = &pairs[i];
        uint8_t sid = (uint8_t)(i + 1);
        f->rec.n_ops = 0;
        f->rec.n_anomalies = 0;
        assert_int_equal(req(f, sid, c->cmd, c->req.p, c->req.n), OTW_PARSE_OK);
        assert_int_equal(f->rec.n_ops, 0);
        assert_int_equal(rsp(f, sid, c->cmd, 0x0000, c->rsp.p, c->rsp.n), OTW_PARSE_OK);
        assert_int_equal(f->rec.n_ops, 1);
        const otw_op *op = &f->rec.ops[0];
        assert_answered_op(op, c->cmd, c);
        assert_true(op->has_unit);
        assert_int_equal(op->unit, 0x0a);
        assert_int_equal(op->transaction, sid);
        assert_int_equal(f->rec.n_anomalies, 0);
        assert_int_equal(f->s.n_pending, 0);
    }
}

/* Controller Data Read response of a CP1L (as in the public capture):
 * model "CP1L-EL20DR-D" NUL + spaces to 20, version "01.00" NUL padded
 * to 20, then system data. */
static const uint8_t cdr[] = {'C', 'P', '1', 'L', '-', 'E', 'L', '2', '0', 'D', 'R', '-',
                              'D', 0,   0,   0,   ' ', ' ', ' ', ' ', '0', '1', '.', '0',
                              '0', 0,   0,   0,   0,   0,   '0', '1', '.', '0', '6', 0,
                              0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0};

static void test_controller_identity(void **state)
{
    fixture *f = *state;
    assert_int_equal(req(f, 7, 0x0501, (const uint8_t[]){0x00}, 1), OTW_PARSE_OK);
    assert_int_equal(rsp(f, 7, 0x0501, 0x0000, cdr, sizeof(cdr)), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_IDENTITY);
    assert_int_equal(f->rec.n_ids, 1);
    const otw_identity *id = &f->rec.ids[0];
    assert_string_equal(id->vendor, "OMRON");
    assert_string_equal(id->model, "CP1L-EL20DR-D");
    assert_string_equal(id->revision, "01.00");
    assert_string_equal(id->device_type, "PLC");
    assert_string_equal(id->detail, "FINS node 0x0A");
    assert_int_equal(id->role_hint, OTW_HINT_CONTROLLER);
    assert_int_equal(id->about, OTW_DIR_TO_CLIENT);
    /* only the model (20 bytes): identity without revision */
    assert_int_equal(req(f, 8, 0x0501, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(rsp(f, 8, 0x0501, 0x0000, cdr, 20), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 2);
    assert_string_equal(f->rec.ids[1].revision, "");
    /* too short for a model, or an error: no identity */
    assert_int_equal(req(f, 9, 0x0501, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(rsp(f, 9, 0x0501, 0x0000, cdr, 10), OTW_PARSE_OK);
    assert_int_equal(req(f, 10, 0x0501, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(rsp(f, 10, 0x0501, 0x0401, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 2);
    assert_int_equal(f->rec.ops[3].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[3].exception_code, 0x0401);
}

static void test_end_codes(void **state)
{
    fixture *f = *state;
    const uint8_t rd[] = {0x82, 0x00, 0x00, 0x00, 0x00, 0x01};
    /* 1103 address range error */
    assert_int_equal(req(f, 1, 0x0101, rd, sizeof(rd)), OTW_PARSE_OK);
    assert_int_equal(rsp(f, 1, 0x0101, 0x1103, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[0].exception_code, 0x1103);
    /* normal completion with the relay error flag and non-fatal CPU error flag */
    assert_int_equal(req(f, 2, 0x0101, rd, sizeof(rd)), OTW_PARSE_OK);
    assert_int_equal(rsp(f, 2, 0x0101, 0x8040, (const uint8_t[]){0, 1}, 2), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_OK);
    /* 2102 with the fatal error flag: code 0x2102 after masking 0xC0 */
    assert_int_equal(req(f, 3, 0x0401, (const uint8_t[]){0xff, 0xff, 0x04}, 3), OTW_PARSE_OK);
    assert_int_equal(rsp(f, 3, 0x0401, 0x21C2, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[2].exception_code, 0x2102);
    /* a response naming another command than its request: error */
    assert_int_equal(req(f, 4, 0x0101, rd, sizeof(rd)), OTW_PARSE_OK);
    assert_int_equal(rsp(f, 4, 0x0102, 0x0000, NULL, 0), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.ops[3].outcome, OTW_OUTCOME_ERROR);
    /* a response without end code: error */
    assert_int_equal(req(f, 5, 0x0101, rd, sizeof(rd)), OTW_PARSE_OK);
    uint8_t buf[32];
    size_t n = build(buf, true, 5, 0x0101, 0, NULL, 0);
    assert_int_equal(parse(f, OTW_DIR_TO_CLIENT, buf, n - 2, 3), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.ops[4].outcome, OTW_OUTCOME_ERROR);
    assert_string_equal(f->rec.last_anomaly, "fins_malformed");
}

static void test_unmatched_and_no_reply(void **state)
{
    fixture *f = *state;
    /* a response alone: unit = its source node, request_seen false */
    assert_int_equal(rsp(f, 9, 0x0401, 0x0000, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_false(f->rec.ops[0].request_seen);
    assert_int_equal(f->rec.ops[0].unit, 0x0a);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_CONTROL);
    /* a response from the right node but another SID */
    assert_int_equal(req(f, 1, 0x0402, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(rsp(f, 2, 0x0402, 0x0000, NULL, 0), OTW_PARSE_OK);
    assert_false(f->rec.ops[1].request_seen);
    assert_int_equal(f->s.n_pending, 1);
    /* ICF 81: no response required -> emitted at once */
    uint8_t buf[32];
    size_t n = build(buf, false, 3, 0x0402, 0, NULL, 0);
    buf[0] = 0x81;
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, buf, n, 5), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 3);
    assert_int_equal(f->rec.ops[2].outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->rec.ops[2].response_ts_us, 0);
    assert_int_equal(f->s.n_pending, 1);
    /* a repeated SID from the same node gives up the older request */
    assert_int_equal(req(f, 1, 0x0402, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[3].outcome, OTW_OUTCOME_NO_RESPONSE);
    assert_int_equal(f->s.n_pending, 1);
}

static void test_fins_tcp(void **state)
{
    fixture *f = *state;
    /* node address data send, client -> server: client node 0 (auto) */
    const uint8_t na_c[] = {'F', 'I', 'N', 'S', 0, 0, 0, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    /* server -> client: client node 0xFB, server node 0xC8 */
    const uint8_t na_s[] = {'F', 'I', 'N', 'S', 0, 0, 0, 0x10, 0, 0, 0, 1,
                            0,   0,   0,   0,   0, 0, 0, 0xfb, 0, 0, 0, 0xc8};
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, na_c, sizeof(na_c), 1), OTW_PARSE_OK);
    assert_int_equal(parse(f, OTW_DIR_TO_CLIENT, na_s, sizeof(na_s), 2), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 0);
    /* frame send: 0501 to node C8 from node 0 unit EF, SID 05 (as in the public capture) */
    const uint8_t q[] = {'F',  'I',  'N',  'S',  0,    0,    0,    0x15, 0,    0,
                         0,    2,    0,    0,    0,    0,    0x80, 0x00, 0x02, 0x00,
                         0xc8, 0x00, 0x00, 0x00, 0xef, 0x05, 0x05, 0x01, 0x00};
    assert_int_equal(fins_frame_len(q, sizeof(q)), (long)sizeof(q));
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, q, sizeof(q), 3), OTW_PARSE_OK);
    /* response to node FB (the assigned client node) unit EF */
    uint8_t a[16 + 14 + sizeof(cdr)] = {'F',  'I',  'N',  'S',  0,    0,    0,    0,    0,    0,
                                        0,    2,    0,    0,    0,    0,    0xc0, 0x00, 0x02, 0x00,
                                        0xfb, 0xef, 0x00, 0xc8, 0x00, 0x05, 0x05, 0x01, 0x00, 0x00};
    memcpy(a + 30, cdr, sizeof(cdr));
    a[7] = (uint8_t)(sizeof(a) - 8);
    assert_int_equal(parse(f, OTW_DIR_TO_CLIENT, a, sizeof(a), 4), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_true(f->rec.ops[0].request_seen);
    assert_int_equal(f->rec.ops[0].unit, 0xc8);
    assert_int_equal(f->rec.ops[0].transaction, 5);
    assert_int_equal(f->rec.n_ids, 1);
    assert_string_equal(f->rec.ids[0].detail, "FINS node 0xC8");
    /* FINS/TCP length disagreeing with the segment: malformed */
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, q, sizeof(q) - 1, 5), OTW_PARSE_MALFORMED);
    /* frame send with a broken FINS header (ICF reserved bits): malformed */
    uint8_t bad[sizeof(q)];
    memcpy(bad, q, sizeof(q));
    bad[16] = 0x86;
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, bad, sizeof(bad), 6), OTW_PARSE_MALFORMED);
    /* frame send too short for a FINS header */
    const uint8_t tiny[] = {'F', 'I', 'N', 'S', 0, 0, 0, 0x0a, 0, 0, 0, 2, 0, 0, 0, 0, 0x80, 0};
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, tiny, sizeof(tiny), 7), OTW_PARSE_MALFORMED);
    /* error notification with an error code: anomaly, no op */
    const uint8_t err[] = {'F', 'I', 'N', 'S', 0, 0, 0, 0x08, 0, 0, 0, 3, 0, 0, 0, 1};
    f->rec.n_anomalies = 0;
    assert_int_equal(parse(f, OTW_DIR_TO_CLIENT, err, sizeof(err), 8), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_anomalies, 1);
    assert_string_equal(f->rec.last_anomaly, "fins_tcp_error");
    /* unknown FINS/TCP command */
    const uint8_t unk[] = {'F', 'I', 'N', 'S', 0, 0, 0, 0x08, 0, 0, 0, 9, 0, 0, 0, 0};
    assert_int_equal(parse(f, OTW_DIR_TO_CLIENT, unk, sizeof(unk), 9), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.n_ops, 1);
}

static void test_not_mine_and_truncated(void **state)
{
    fixture *f = *state;
    /* bad ICF reserved bits, RSV != 0, too short */
    uint8_t buf[64];
    size_t n = build(buf, false, 1, 0x0101, 0, (const uint8_t[]){0x82, 0, 0, 0, 0, 1}, 6);
    buf[0] = 0x82;
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, buf, n, 1), OTW_PARSE_NOT_MINE);
    buf[0] = 0x80;
    buf[1] = 0x01;
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, buf, n, 1), OTW_PARSE_NOT_MINE);
    buf[1] = 0x00;
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, (const uint8_t *)"HELLO", 5, 1),
                     OTW_PARSE_NOT_MINE);
    /* every prefix of a request, a response and a FINS/TCP frame */
    uint8_t r[64];
    size_t rn = build(r, true, 2, 0x0501, 0, cdr, sizeof(cdr));
    for (size_t k = 0; k <= n; k++) {
        otw_parse_status st = parse(f, OTW_DIR_TO_SERVER, buf, k, 1);
        assert_true(st == OTW_PARSE_NOT_MINE || st == OTW_PARSE_MALFORMED || k >= 12);
    }
    for (size_t k = 0; k <= rn; k++)
        (void)parse(f, OTW_DIR_TO_CLIENT, r, k, 1);
    const uint8_t q[] = {'F',  'I',  'N',  'S',  0,    0,    0,    0x15, 0,    0,
                         0,    2,    0,    0,    0,    0,    0x80, 0x00, 0x02, 0x00,
                         0xc8, 0x00, 0x00, 0x00, 0xef, 0x05, 0x05, 0x01, 0x00};
    every_prefix_refused(fins_parse, fins_frame_len, &f->s, OTW_DIR_TO_SERVER, q, sizeof(q),
                         &f->sink);
    /* malformed requests keep no address */
    assert_int_equal(req(f, 50, 0x0101, (const uint8_t[]){0x82, 0x00}, 2), OTW_PARSE_MALFORMED);
    assert_int_equal(req(f, 51, 0x0101, (const uint8_t[]){0x82, 0, 0, 0, 0, 0}, 6),
                     OTW_PARSE_MALFORMED); /* 0 items */
    assert_int_equal(req(f, 52, 0x0104, (const uint8_t[]){0x82, 0, 0}, 3), OTW_PARSE_MALFORMED);
    assert_int_equal(req(f, 53, 0x2301, (const uint8_t[]){0, 2, 0, 1, 0x30, 0, 0, 5}, 8),
                     OTW_PARSE_MALFORMED); /* 2 bits announced, 1 given */
    assert_int_equal(req(f, 54, 0x0101, (const uint8_t[]){0x7e, 0, 1, 0, 0, 1}, 6),
                     OTW_PARSE_OK); /* unknown area code */
    f->rec.n_ops = 0;
    fins_expire(&f->s, 0, 0, &f->sink);
    size_t last = f->rec.n_ops - 1;
    assert_string_equal(f->rec.ops[last].object, "area 0x7E");
    for (size_t i = 0; i < last; i++)
        if (f->rec.ops[i].transaction >= 50)
            assert_false(f->rec.ops[i].has_address);
    assert_int_equal(fins_parse(NULL, OTW_DIR_TO_SERVER, buf, n, 1, &f->sink), OTW_PARSE_NOT_MINE);
    assert_int_equal(fins_parse(&f->s, OTW_DIR_TO_SERVER, NULL, 0, 1, &f->sink),
                     OTW_PARSE_NOT_MINE);
}

static void test_garbage(void **state)
{
    fixture *f = *state;
    uint8_t buf[200];
    uint32_t x = 777;
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)(round % 80) + 1;
        lcg_fill(&x, buf, n);
        if (round % 3 == 1 && n > 2) { /* a FINS-looking header */
            buf[0] = (round & 4) ? 0xc0 : 0x80;
            buf[1] = 0;
        }
        if (round % 3 == 2 && n > 8) {
            memcpy(buf, "FINS", 4);
            buf[4] = buf[5] = buf[6] = 0;
            buf[7] = (uint8_t)(n - 8);
        }
        otw_parse_status st =
            parse(f, (round & 1) ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER, buf, n, (uint64_t)round);
        assert_valid_status(st);
        (void)fins_frame_len(buf, n);
        assert_true(f->s.n_pending <= FINS_MAX_PENDING);
    }
    fins_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
}

static void test_pending_limit_and_expire(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < FINS_MAX_PENDING; i++) {
        uint8_t buf[32];
        size_t n = build(buf, false, (uint8_t)i, 0x0402, 0, NULL, 0);
        assert_int_equal(parse(f, OTW_DIR_TO_SERVER, buf, n, (uint64_t)i), OTW_PARSE_OK);
    }
    assert_int_equal(f->s.n_pending, FINS_MAX_PENDING);
    assert_int_equal(req(f, 200, 0x0402, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].transaction, 0);
    assert_int_equal(f->s.n_pending_evicted, 1);
    fins_expire(&f->s, 20, 10, &f->sink); /* SIDs 1..9 */
    assert_int_equal(f->rec.n_ops, 10);
    fins_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->rec.n_ops, 1 + FINS_MAX_PENDING);
    assert_int_equal(f->s.n_pending, 0);
    f->s.n_pending = 5000;
    fins_expire(&f->s, 0, 0, NULL);
    assert_int_equal(f->s.n_pending, 0);
    otw_sink empty = {0};
    assert_int_equal(fins_parse(&f->s, OTW_DIR_TO_CLIENT, cdr, 12, 1, &empty), OTW_PARSE_NOT_MINE);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_registry),      T(test_frame_len),
        T(test_command_pairs), T(test_controller_identity),
        T(test_end_codes),     T(test_unmatched_and_no_reply),
        T(test_fins_tcp),      T(test_not_mine_and_truncated),
        T(test_garbage),       T(test_pending_limit_and_expire),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
