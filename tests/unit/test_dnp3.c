/* test_dnp3.c - DNP3 dissector (dnp3.c).
 *
 * Frames are crafted after IEEE Std 1815-2012: the helpers build the link
 * header (0x05 0x64, length, control, destination, source, CRC) and split
 * the user data (transport header + application fragment) into 16-byte
 * blocks with their CRCs. The master has link address 1, the outstation 10.
 * Application bytes are annotated: control (FIR 0x80 FIN 0x40 CON 0x20 UNS
 * 0x10 | seq), function, [IIN1 IIN2], object headers (group, variation,
 * qualifier, range).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dissector.h"
#include "dnp3.h"
#include "facts.h"
#include "sink_test.h"

#define MASTER 1
#define OUTSTATION 10
#define CTRL_REQ 0xC4 /* DIR=1 PRM=1 unconfirmed user data */
#define CTRL_RSP 0x44 /* DIR=0 PRM=1 unconfirmed user data */

SINK_FIXTURE(dnp3_session, dnp3_session_init, OTW_PROTO_DNP3, NULL)

/* Link frame around `user` (transport header + application data). */
static size_t mk_frame(uint8_t *out, uint8_t ctrl, uint16_t dst, uint16_t src, const uint8_t *user,
                       size_t n)
{
    assert_true(n <= 250);
    out[0] = 0x05;
    out[1] = 0x64;
    out[2] = (uint8_t)(5 + n); /* control + addresses + user data */
    out[3] = ctrl;
    out[4] = (uint8_t)dst;
    out[5] = (uint8_t)(dst >> 8);
    out[6] = (uint8_t)src;
    out[7] = (uint8_t)(src >> 8);
    uint16_t c = dnp3_crc16(out, 8);
    out[8] = (uint8_t)c;
    out[9] = (uint8_t)(c >> 8);
    size_t o = 10;
    for (size_t i = 0; i < n; i += 16) {
        size_t b = n - i < 16 ? n - i : 16;
        memcpy(out + o, user + i, b);
        c = dnp3_crc16(user + i, b);
        out[o + b] = (uint8_t)c;
        out[o + b + 1] = (uint8_t)(c >> 8);
        o += b + 2;
    }
    return o;
}

static otw_parse_status send_user(fixture *f, otw_dir dir, uint8_t ctrl, uint16_t dst, uint16_t src,
                                  const uint8_t *user, size_t n, uint64_t ts)
{
    uint8_t frame[DNP3_MAX_FRAME];
    size_t len = mk_frame(frame, ctrl, dst, src, user, n);
    assert_int_equal(dnp3_frame_len(frame, len), (long)len);
    return dnp3_parse(&f->s, dir, frame, len, ts, &f->sink);
}

/* One-segment fragment: transport FIR|FIN, seq 0. */
static otw_parse_status send_app(fixture *f, bool request, const uint8_t *app, size_t n,
                                 uint64_t ts)
{
    uint8_t user[256];
    user[0] = 0xC0; /* transport FIN FIR seq 0 */
    memcpy(user + 1, app, n);
    if (request)
        return send_user(f, OTW_DIR_TO_SERVER, CTRL_REQ, OUTSTATION, MASTER, user, n + 1, ts);
    return send_user(f, OTW_DIR_TO_CLIENT, CTRL_RSP, MASTER, OUTSTATION, user, n + 1, ts);
}

#define REQ(f, ...) send_app((f), true, BYTES(__VA_ARGS__), 1000)
#define RSP(f, ...) send_app((f), false, BYTES(__VA_ARGS__), 2000)

/* ------------------------------------------------------------ link layer */

static void test_crc(void **state)
{
    (void)state;
    /* CRC-16/DNP check value */
    assert_int_equal(dnp3_crc16((const uint8_t *)"123456789", 9), 0xEA82);
    /* reset link states, dest 1, src 1024: header CRC E9 21 */
    const uint8_t hdr[] = {0x05, 0x64, 0x05, 0xC0, 0x01, 0x00, 0x00, 0x04};
    assert_int_equal(dnp3_crc16(hdr, sizeof(hdr)), 0x21E9);
}

static void test_frame_len(void **state)
{
    (void)state;
    uint8_t f[DNP3_MAX_FRAME];
    uint8_t user[250];
    memset(user, 0xC0, sizeof(user));
    assert_int_equal(dnp3_frame_len(NULL, 0), OTW_FRAME_NEED_MORE);
    assert_int_equal(dnp3_frame_len((const uint8_t[]){0x05}, 1), OTW_FRAME_NEED_MORE);
    assert_int_equal(dnp3_frame_len((const uint8_t[]){0x06}, 1), OTW_FRAME_NOT_MINE);
    assert_int_equal(dnp3_frame_len((const uint8_t[]){0x05, 0x65}, 2), OTW_FRAME_NOT_MINE);
    assert_int_equal(dnp3_frame_len((const uint8_t[]){0x05, 0x64}, 2), OTW_FRAME_NEED_MORE);
    /* length < 5 cannot hold control + addresses */
    assert_int_equal(dnp3_frame_len((const uint8_t[]){0x05, 0x64, 0x04}, 3), OTW_FRAME_NOT_MINE);
    assert_int_equal(dnp3_frame_len((const uint8_t[]){0x05, 0x64, 0x05, 0xC0}, 4),
                     OTW_FRAME_NEED_MORE);
    /* 0 user bytes: 10; 1: 13; 16: 28; 17: 31; 250: 10 + 250 + 32 = 292 */
    const size_t users[] = {0, 1, 16, 17, 250};
    const long lens[] = {10, 13, 28, 31, 292};
    for (size_t i = 0; i < 5; i++) {
        size_t n = mk_frame(f, CTRL_REQ, 1, 2, user, users[i]);
        assert_int_equal((long)n, lens[i]);
        assert_int_equal(dnp3_frame_len(f, n), lens[i]);
        assert_int_equal(dnp3_frame_len(f, 10), lens[i]); /* the header alone is enough */
    }
    /* header CRC wrong: the length byte is not trusted, 10 */
    mk_frame(f, CTRL_REQ, 1, 2, user, 100);
    f[8] ^= 1;
    assert_int_equal(dnp3_frame_len(f, 10), 10);
}

static void test_link_only_frames(void **state)
{
    fixture *f = *state;
    uint8_t fr[16];
    /* reset link states (PRM=1 function 0), link status (PRM=0 function 11), ACK */
    const uint8_t ctrls[] = {0xC0, 0x0B, 0x00, 0xC9};
    for (size_t i = 0; i < sizeof(ctrls); i++) {
        size_t n = mk_frame(fr, ctrls[i], OUTSTATION, MASTER, NULL, 0);
        assert_int_equal(dnp3_parse(&f->s, OTW_DIR_TO_SERVER, fr, n, 1, &f->sink), OTW_PARSE_OK);
    }
    assert_int_equal(f->s.n_link_only, 4);
    assert_int_equal(f->rec.n_ops, 0);
    /* a link-only function carrying data is wrong */
    size_t n = mk_frame(fr, 0xC0, OUTSTATION, MASTER, (const uint8_t[]){0xC0, 0xC0, 0x01}, 3);
    assert_int_equal(dnp3_parse(&f->s, OTW_DIR_TO_SERVER, fr, n, 1, &f->sink), OTW_PARSE_MALFORMED);
    /* user data frame without a transport header */
    n = mk_frame(fr, CTRL_REQ, OUTSTATION, MASTER, NULL, 0);
    assert_int_equal(dnp3_parse(&f->s, OTW_DIR_TO_SERVER, fr, n, 1, &f->sink), OTW_PARSE_MALFORMED);
}

static void test_bad_crc(void **state)
{
    fixture *f = *state;
    uint8_t fr[DNP3_MAX_FRAME];
    /* read class 1: C0 01 3C 02 06 */
    const uint8_t user[] = {0xC0, 0xC0, 0x01, 0x3C, 0x02, 0x06};
    size_t n = mk_frame(fr, CTRL_REQ, OUTSTATION, MASTER, user, sizeof(user));
    fr[n - 1] ^= 0x80; /* data block CRC */
    assert_int_equal(dnp3_parse(&f->s, OTW_DIR_TO_SERVER, fr, n, 1, &f->sink), OTW_PARSE_MALFORMED);
    assert_string_equal(f->rec.last_anomaly, "dnp3_bad_crc");
    fr[n - 1] ^= 0x80;
    fr[12] ^= 0x01; /* a data byte under the CRC */
    assert_int_equal(dnp3_parse(&f->s, OTW_DIR_TO_SERVER, fr, n, 1, &f->sink), OTW_PARSE_MALFORMED);
    fr[12] ^= 0x01;
    fr[4] ^= 0x01; /* destination address under the header CRC */
    assert_int_equal(dnp3_parse(&f->s, OTW_DIR_TO_SERVER, fr, n, 1, &f->sink), OTW_PARSE_MALFORMED);
    assert_int_equal(f->s.n_bad_crc, 3);
    assert_int_equal(f->rec.n_ops, 0);
    assert_int_equal(f->s.n_pending, 0);
    /* restored: parses */
    fr[4] ^= 0x01;
    assert_int_equal(dnp3_parse(&f->s, OTW_DIR_TO_SERVER, fr, n, 1, &f->sink), OTW_PARSE_OK);
    assert_int_equal(f->s.n_pending, 1);
}

static void test_not_mine(void **state)
{
    fixture *f = *state;
    const uint8_t http[] = "GET / HTTP/1.1\r\n";
    assert_int_equal(dnp3_parse(&f->s, OTW_DIR_TO_SERVER, http, sizeof(http) - 1, 1, &f->sink),
                     OTW_PARSE_NOT_MINE);
    assert_int_equal(dnp3_parse(NULL, OTW_DIR_TO_SERVER, http, 4, 1, &f->sink), OTW_PARSE_NOT_MINE);
    assert_int_equal(dnp3_parse(&f->s, OTW_DIR_TO_SERVER, NULL, 0, 1, &f->sink),
                     OTW_PARSE_NOT_MINE);
}

/* ------------------------------------------------------------ requests */

static void test_read_class_data(void **state)
{
    fixture *f = *state;
    /* read seq 3: class 1 (g60v2), class 2 (g60v3), class 3 (g60v4), class 0 (g60v1), all */
    assert_int_equal(
        REQ(f, 0xC3, 0x01, 0x3C, 0x02, 0x06, 0x3C, 0x03, 0x06, 0x3C, 0x04, 0x06, 0x3C, 0x01, 0x06),
        OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 0);
    /* response seq 3, IIN 00 00, g30v1 (32-bit analog input) start 0 stop 1 */
    assert_int_equal(RSP(f, 0xC3, 0x81, 0x00, 0x00, 0x1E, 0x01, 0x00, 0x00, 0x01, 0x01, 0x0A, 0x00,
                         0x00, 0x00, 0x01, 0x14, 0x00, 0x00, 0x00),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    otw_op *op = &f->rec.ops[0];
    assert_int_equal(op->function, 1);
    assert_string_equal(op->function_name, "Read");
    assert_int_equal(op->op_class, OTW_CLASS_READ);
    assert_true(op->has_unit);
    assert_int_equal(op->unit, OUTSTATION);
    assert_string_equal(op->object, "g60v2");
    assert_false(op->has_address);
    assert_int_equal(op->transaction, 3);
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);
    assert_true(op->request_seen);
    assert_int_equal(op->ts_us, 1000);
    assert_int_equal(op->response_ts_us, 2000);
    assert_int_equal(f->s.n_pending, 0);
}

static void test_select_operate(void **state)
{
    fixture *f = *state;
    /* select seq 0: g12v1 CROB, qualifier 0x28 (2-byte index prefix, 2-byte count), count 1,
     * index 3, control code 0x03 latch on, count 1, on 100 ms, off 0, status 0 */
    const uint8_t crob[] = {0x0C, 0x01, 0x28, 0x01, 0x00, 0x03, 0x00, 0x03, 0x01,
                            0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    uint8_t app[2 + sizeof(crob)];
    memcpy(app + 2, crob, sizeof(crob));
    for (uint8_t fc = 3; fc <= 5; fc++) {
        app[0] = (uint8_t)(0xC0 | fc); /* seq = fc */
        app[1] = fc;                   /* select, operate, direct operate */
        assert_int_equal(send_app(f, true, app, sizeof(app), 10), OTW_PARSE_OK);
        uint8_t rsp[4 + sizeof(crob)] = {(uint8_t)(0xC0 | fc), 0x81, 0x00, 0x00};
        memcpy(rsp + 4, crob, sizeof(crob)); /* echo */
        assert_int_equal(send_app(f, false, rsp, sizeof(rsp), 20), OTW_PARSE_OK);
    }
    assert_int_equal(f->rec.n_ops, 3);
    const char *names[] = {"Select", "Operate", "Direct Operate"};
    for (int i = 0; i < 3; i++) {
        otw_op *op = &f->rec.ops[i];
        assert_int_equal(op->function, 3 + i);
        assert_string_equal(op->function_name, names[i]);
        assert_int_equal(op->op_class, OTW_CLASS_WRITE);
        assert_string_equal(op->object, "g12v1");
        assert_true(op->has_address);
        assert_int_equal(op->address_start, 3);
        assert_int_equal(op->address_count, 1);
        assert_int_equal(op->outcome, OTW_OUTCOME_OK);
    }
    /* direct operate no ack (6): no response by design, emitted at once */
    app[0] = 0xC9;
    app[1] = 6;
    assert_int_equal(send_app(f, true, app, sizeof(app), 30), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 4);
    assert_int_equal(f->rec.ops[3].function, 6);
    assert_int_equal(f->rec.ops[3].outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->rec.ops[3].response_ts_us, 0);
    assert_int_equal(f->s.n_pending, 0);
}

static void test_ranges(void **state)
{
    fixture *f = *state;
    /* read g1v2 qualifier 0x01: 2-byte start 5, stop 9 */
    REQ(f, 0xC0, 0x01, 0x01, 0x02, 0x01, 0x05, 0x00, 0x09, 0x00);
    /* read g30v1 qualifier 0x02: 4-byte start 0x10000 stop 0x10001 */
    REQ(f, 0xC1, 0x01, 0x1E, 0x01, 0x02, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00);
    /* read g20v1 qualifier 0x17: 1-byte count 2, 1-byte indexes 7, 9 */
    REQ(f, 0xC2, 0x01, 0x14, 0x01, 0x17, 0x02, 0x07, 0x09);
    /* write g50v1 time, qualifier 0x07 count 1, 6-byte time: no index */
    REQ(f, 0xC4, 0x02, 0x32, 0x01, 0x07, 0x01, 1, 2, 3, 4, 5, 6);
    dnp3_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->rec.n_ops, 4);
    assert_int_equal(f->rec.ops[0].address_start, 5);
    assert_int_equal(f->rec.ops[0].address_count, 5);
    assert_string_equal(f->rec.ops[0].object, "g1v2");
    assert_int_equal(f->rec.ops[1].address_start, 0x10000);
    assert_int_equal(f->rec.ops[1].address_count, 2);
    assert_string_equal(f->rec.ops[1].object, "g30v1");
    assert_int_equal(f->rec.ops[2].address_start, 7);
    assert_int_equal(f->rec.ops[2].address_count, 2);
    assert_false(f->rec.ops[3].has_address);
    assert_int_equal(f->rec.ops[3].op_class, OTW_CLASS_WRITE);
    assert_string_equal(f->rec.ops[3].object, "g50v1");
    for (int i = 0; i < 4; i++)
        assert_int_equal(f->rec.ops[i].outcome, OTW_OUTCOME_NO_RESPONSE);
    assert_int_equal(f->s.n_malformed, 0);

    /* inverted range and reserved qualifiers are malformed, still tracked */
    assert_int_equal(REQ(f, 0xC5, 0x01, 0x01, 0x02, 0x00, 0x09, 0x05), OTW_PARSE_MALFORMED);
    assert_int_equal(REQ(f, 0xC6, 0x01, 0x01, 0x02, 0x0A), OTW_PARSE_MALFORMED);
    assert_int_equal(REQ(f, 0xC7, 0x01, 0x01, 0x02, 0x70), OTW_PARSE_MALFORMED);
    assert_int_equal(REQ(f, 0xC8, 0x01, 0x01, 0x02, 0x86), OTW_PARSE_MALFORMED);
    assert_int_equal(REQ(f, 0xC9, 0x01, 0x01, 0x02), OTW_PARSE_MALFORMED); /* cut header */
    assert_int_equal(f->s.n_pending, 5);
    assert_int_equal(RSP(f, 0xC5, 0x81, 0x00, 0x04), OTW_PARSE_OK); /* parameter error */
    assert_int_equal(f->rec.ops[4].outcome, OTW_OUTCOME_EXCEPTION);
    assert_false(f->rec.ops[4].has_address);
    assert_int_equal(f->rec.ops[4].address_count, 0);
}

/* Every request function code and its class. */
static void test_function_classes(void **state)
{
    fixture *f = *state;
    static const struct {
        uint8_t fc;
        otw_op_class cls;
    } want[] = {
        {1, OTW_CLASS_READ},
        {2, OTW_CLASS_WRITE},
        {3, OTW_CLASS_WRITE},
        {4, OTW_CLASS_WRITE},
        {5, OTW_CLASS_WRITE},
        {6, OTW_CLASS_WRITE},
        {7, OTW_CLASS_CONTROL},
        {8, OTW_CLASS_CONTROL},
        {9, OTW_CLASS_CONTROL},
        {10, OTW_CLASS_CONTROL},
        {11, OTW_CLASS_CONTROL},
        {12, OTW_CLASS_CONTROL},
        {13, OTW_CLASS_CONTROL},
        {14, OTW_CLASS_CONTROL},
        {15, OTW_CLASS_CONTROL},
        {16, OTW_CLASS_CONTROL},
        {17, OTW_CLASS_CONTROL},
        {18, OTW_CLASS_CONTROL},
        {19, OTW_CLASS_CONFIGURATION},
        {20, OTW_CLASS_CONFIGURATION},
        {21, OTW_CLASS_CONFIGURATION},
        {22, OTW_CLASS_CONFIGURATION},
        {23, OTW_CLASS_DIAGNOSTIC},
        {24, OTW_CLASS_DIAGNOSTIC},
        {25, OTW_CLASS_OTHER}, /* open file without a file command object */
        {26, OTW_CLASS_OTHER},
        {27, OTW_CLASS_OTHER},
        {28, OTW_CLASS_OTHER},
        {29, OTW_CLASS_OTHER},
        {30, OTW_CLASS_OTHER},
        {31, OTW_CLASS_CONFIGURATION},
        {32, OTW_CLASS_AUTHENTICATION},
        {33, OTW_CLASS_AUTHENTICATION},
        {40, OTW_CLASS_OTHER},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        f->rec.n_ops = 0;
        /* no objects: e.g. cold restart "C0 0D" */
        uint8_t app[2] = {(uint8_t)(0xC0 | (i & 0x0F)), want[i].fc};
        assert_int_equal(send_app(f, true, app, 2, 1), OTW_PARSE_OK);
        dnp3_expire(&f->s, 0, 0, &f->sink);
        assert_int_equal(f->rec.n_ops, 1);
        assert_int_equal(f->rec.ops[0].function, want[i].fc);
        assert_int_equal(f->rec.ops[0].op_class, want[i].cls);
        assert_string_equal(f->rec.ops[0].object, "");
    }
    assert_string_equal(dnp3_function_name(13), "Cold Restart");
    assert_string_equal(dnp3_function_name(31), "Activate Config");
    assert_string_equal(dnp3_function_name(33), "Authentication Request No Ack");
    assert_string_equal(dnp3_function_name(129), "Response");
    assert_string_equal(dnp3_function_name(130), "Unsolicited Response");
    assert_string_equal(dnp3_function_name(131), "Authentication Response");
    assert_string_equal(dnp3_function_name(34), "Unknown");
    assert_string_equal(dnp3_function_name(200), "Unknown");
    /* 128 and 132+ are no functions at all */
    assert_int_equal(REQ(f, 0xC0, 0x80), OTW_PARSE_MALFORMED);
    assert_int_equal(REQ(f, 0xC0, 0xFF), OTW_PARSE_MALFORMED);
}

/* g70v3 file command, qualifier 0x5B, with the given operational mode. */
static void open_file(fixture *f, uint8_t seq, uint8_t mode)
{
    /* clang-format off */
    uint8_t app[] = {
        (uint8_t)(0xC0 | seq), 25, /* open file */
        0x46, 0x03, 0x5B, 0x01,   /* g70v3, 1-byte count 1, 2-byte size prefix */
        0x1C, 0x00,               /* object size 28 */
        0x1A, 0x00, 0x02, 0x00,   /* name offset 26, name size 2 */
        0, 0, 0, 0, 0, 0,         /* time of creation */
        0xFF, 0x01,               /* permissions */
        0, 0, 0, 0,               /* authentication key */
        0x00, 0x10, 0, 0,         /* file size */
        mode, 0x00,               /* operational mode */
        0x00, 0x04,               /* maximum block size */
        0x01, 0x00,               /* request id */
        'p', 'r',                 /* file name */
    };
    /* clang-format on */
    assert_int_equal(send_app(f, true, app, sizeof(app), 1), OTW_PARSE_OK);
}

static void test_file_operations(void **state)
{
    fixture *f = *state;
    open_file(f, 1, 1); /* read */
    open_file(f, 2, 2); /* write */
    open_file(f, 3, 3); /* append */
    open_file(f, 4, 0); /* null mode */
    /* write g70v5 file transport (qualifier 0x5B) and read g70v5 */
    REQ(f, 0xC5, 0x02, 0x46, 0x05, 0x5B, 0x01, 0x06, 0x00, 1, 0, 0, 0, 0, 0x80);
    REQ(f, 0xC6, 0x01, 0x46, 0x05, 0x06);
    dnp3_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->rec.n_ops, 6);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_PROGRAM_UPLOAD);
    assert_int_equal(f->rec.ops[1].op_class, OTW_CLASS_PROGRAM_DOWNLOAD);
    assert_int_equal(f->rec.ops[2].op_class, OTW_CLASS_PROGRAM_DOWNLOAD);
    assert_int_equal(f->rec.ops[3].op_class, OTW_CLASS_OTHER);
    assert_string_equal(f->rec.ops[3].object, "g70v3");
    assert_int_equal(f->rec.ops[4].op_class, OTW_CLASS_PROGRAM_DOWNLOAD);
    assert_int_equal(f->rec.ops[5].op_class, OTW_CLASS_PROGRAM_UPLOAD);
    assert_int_equal(f->s.n_malformed, 0);
}

/* ------------------------------------------------------------ responses */

static void test_iin_exceptions(void **state)
{
    fixture *f = *state;
    /* cold restart seq 0, answered with IIN2 0x01 no function code support */
    REQ(f, 0xC0, 0x0D);
    RSP(f, 0xC0, 0x81, 0x00, 0x01);
    /* read g99v1 seq 1, IIN1 0x80 device restart + IIN2 0x02 object unknown */
    REQ(f, 0xC1, 0x01, 0x63, 0x01, 0x06);
    RSP(f, 0xC1, 0x81, 0x80, 0x02);
    /* write seq 2 answered with IIN1 0x90 (restart, need time) and IIN2 0x08
     * event buffer overflow: not a rejection */
    REQ(f, 0xC2, 0x02, 0x50, 0x01, 0x00, 0x07, 0x07, 0x00);
    RSP(f, 0xC2, 0x81, 0x90, 0x08);
    assert_int_equal(f->rec.n_ops, 3);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[0].exception_code, 0x0001);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_CONTROL);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[1].exception_code, 0x8002);
    assert_string_equal(f->rec.ops[1].object, "g99v1");
    assert_int_equal(f->rec.ops[2].outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->rec.ops[2].exception_code, 0);
    assert_string_equal(f->rec.ops[2].object, "g80v1");
    /* a response too short for its IIN: outcome error */
    REQ(f, 0xC3, 0x01, 0x3C, 0x01, 0x06);
    assert_int_equal(RSP(f, 0xC3, 0x81, 0x00), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.ops[3].outcome, OTW_OUTCOME_ERROR);
}

static void test_unsolicited_and_confirm(void **state)
{
    fixture *f = *state;
    /* unsolicited response seq 5 (FIR FIN CON UNS): g2v1 binary input event, count 1 index 4 */
    assert_int_equal(RSP(f, 0xF5, 0x82, 0x00, 0x00, 0x02, 0x01, 0x17, 0x01, 0x04, 0x81),
                     OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    otw_op *op = &f->rec.ops[0];
    assert_int_equal(op->function, 130);
    assert_string_equal(op->function_name, "Unsolicited Response");
    assert_int_equal(op->op_class, OTW_CLASS_READ);
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);
    assert_true(op->request_seen);
    assert_int_equal(op->unit, OUTSTATION);
    assert_string_equal(op->object, "g2v1");
    assert_int_equal(op->address_start, 4);
    /* the master confirms (function 0, UNS): counted, not an op */
    assert_int_equal(REQ(f, 0xD5, 0x00), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->s.n_confirms, 1);
    assert_int_equal(f->s.n_pending, 0);
}

static void test_unmatched_response(void **state)
{
    fixture *f = *state;
    assert_int_equal(RSP(f, 0xC7, 0x81, 0x00, 0x00), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_false(f->rec.ops[0].request_seen);
    assert_int_equal(f->rec.ops[0].function, 129);
    assert_int_equal(f->rec.ops[0].op_class, OTW_CLASS_OTHER);
    assert_int_equal(f->rec.ops[0].ts_us, 2000);
    assert_int_equal(f->s.n_unmatched_responses, 1);
    /* a response to another master does not match our request */
    REQ(f, 0xC1, 0x01, 0x3C, 0x01, 0x06);
    uint8_t user[] = {0xC0, 0xC1, 0x81, 0x00, 0x00};
    send_user(f, OTW_DIR_TO_CLIENT, CTRL_RSP, 2, OUTSTATION, user, sizeof(user), 3);
    assert_int_equal(f->s.n_pending, 1);
    assert_false(f->rec.ops[1].request_seen);
}

static void test_device_attributes(void **state)
{
    fixture *f = *state;
    /* read g0v254 (all attributes), qualifier 0x06 */
    REQ(f, 0xC2, 0x01, 0x00, 0xFE, 0x06);
    /* response: g0v252 manufacturer "Acme", g0v250 product "RTU-500", g0v242 software
     * version "2.1.0", g0v248 serial "SN42", g0v240 max tx fragment (UINT, ignored).
     * Each: group 0, variation, qualifier 0x00 start 0 stop 0, data type 1 (VSTR),
     * length, bytes. */
    /* clang-format off */
    assert_int_equal(RSP(f, 0xC2, 0x81, 0x00, 0x00,
                         0x00, 0xFC, 0x00, 0x00, 0x00, 0x01, 0x04, 'A', 'c', 'm', 'e',
                         0x00, 0xFA, 0x00, 0x00, 0x00, 0x01, 0x07, 'R', 'T', 'U', '-', '5', '0', '0',
                         0x00, 0xF2, 0x00, 0x00, 0x00, 0x01, 0x05, '2', '.', '1', '.', '0',
                         0x00, 0xF8, 0x00, 0x00, 0x00, 0x01, 0x04, 'S', 'N', '4', '2',
                         0x00, 0xF0, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x08),
                     OTW_PARSE_OK);
    /* clang-format on */
    assert_int_equal(f->rec.n_ops, 1);
    assert_string_equal(f->rec.ops[0].object, "g0v254");
    assert_int_equal(f->rec.n_ids, 1);
    otw_identity *id = &f->rec.ids[0];
    assert_int_equal(id->protocol, OTW_PROTO_DNP3);
    assert_int_equal(id->about, OTW_DIR_TO_CLIENT);
    assert_string_equal(id->vendor, "Acme");
    assert_string_equal(id->product, "RTU-500");
    assert_string_equal(id->model, "RTU-500");
    assert_string_equal(id->revision, "2.1.0");
    assert_string_equal(id->serial, "SN42");
    assert_int_equal(id->role_hint, OTW_HINT_CONTROLLER);
    /* a cut attribute keeps what came before */
    REQ(f, 0xC3, 0x01, 0x00, 0xFE, 0x06);
    RSP(f, 0xC3, 0x81, 0x00, 0x00, 0x00, 0xFC, 0x00, 0x00, 0x00, 0x01, 0x04, 'A', 'B', 'C', 'D',
        0x00, 0xFA, 0x00, 0x00, 0x00, 0x01, 0x20, 'X');
    assert_int_equal(f->rec.n_ids, 2);
    assert_string_equal(f->rec.ids[1].vendor, "ABCD");
    assert_string_equal(f->rec.ids[1].product, "");
    /* no string attribute: no identity */
    REQ(f, 0xC4, 0x01, 0x3C, 0x01, 0x06);
    RSP(f, 0xC4, 0x81, 0x00, 0x00, 0x1E, 0x01, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0);
    assert_int_equal(f->rec.n_ids, 2);
}

/* ------------------------------------------------------------ transport */

static void test_reassembly(void **state)
{
    fixture *f = *state;
    /* request: read g30v1 index 0..1 split over two link frames */
    uint8_t seg1[] = {0x40 | 7, 0xC8, 0x01, 0x1E};       /* FIR seq 7 */
    uint8_t seg2[] = {0x80 | 8, 0x01, 0x00, 0x00, 0x01}; /* FIN seq 8 */
    assert_int_equal(
        send_user(f, OTW_DIR_TO_SERVER, CTRL_REQ, OUTSTATION, MASTER, seg1, sizeof(seg1), 100),
        OTW_PARSE_OK);
    assert_int_equal(f->s.n_fragments, 0);
    assert_int_equal(
        send_user(f, OTW_DIR_TO_SERVER, CTRL_REQ, OUTSTATION, MASTER, seg2, sizeof(seg2), 150),
        OTW_PARSE_OK);
    assert_int_equal(f->s.n_pending, 1);
    assert_int_equal(f->s.pending[0].ts_us, 100); /* the first segment's time */
    assert_int_equal(f->s.pending[0].address_count, 2);

    /* response of 600 bytes: FIR, middle, FIN segments of 249/249/102 bytes */
    uint8_t big[600];
    memset(big, 0, sizeof(big));
    big[0] = 0xC8; /* FIR FIN seq 8 */
    big[1] = 0x81;
    big[4] = 0x1E; /* g30v1 qualifier 0x01 start 0 stop 1 */
    big[5] = 0x01;
    big[6] = 0x01;
    big[9] = 0x01;
    uint8_t seg[250];
    size_t off = 0;
    uint8_t tseq = 62;
    while (off < sizeof(big)) {
        size_t n = sizeof(big) - off < 249 ? sizeof(big) - off : 249;
        seg[0] =
            (uint8_t)((tseq & 0x3F) | (off == 0 ? 0x40 : 0) | (off + n == sizeof(big) ? 0x80 : 0));
        memcpy(seg + 1, big + off, n);
        assert_int_equal(
            send_user(f, OTW_DIR_TO_CLIENT, CTRL_RSP, MASTER, OUTSTATION, seg, n + 1, 200),
            OTW_PARSE_OK);
        assert_int_equal(f->rec.n_ops, off + n == sizeof(big) ? 1 : 0);
        off += n;
        tseq++; /* wraps 63 -> 0 */
    }
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->rec.ops[0].function, 1);
    assert_int_equal(f->rec.ops[0].response_ts_us, 200);
    assert_int_equal(f->s.n_transport_drops, 0);

    /* a later response fragment (application FIR=0) is a continuation */
    assert_int_equal(RSP(f, 0x49, 0x81, 0x00, 0x00), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->s.n_continuations, 1);
}

static void test_transport_errors(void **state)
{
    fixture *f = *state;
    /* middle segment without FIR (midstream start) */
    uint8_t mid[] = {0x05, 0x01, 0x02};
    assert_int_equal(
        send_user(f, OTW_DIR_TO_SERVER, CTRL_REQ, OUTSTATION, MASTER, mid, sizeof(mid), 1),
        OTW_PARSE_OK);
    assert_string_equal(f->rec.last_anomaly, "dnp3_transport_sequence");
    /* FIR seq 1, then seq 3 (segment 2 lost): dropped, no op */
    uint8_t a[] = {0x41, 0xC0, 0x01};
    uint8_t b[] = {0x83, 0x3C, 0x01, 0x06};
    send_user(f, OTW_DIR_TO_SERVER, CTRL_REQ, OUTSTATION, MASTER, a, sizeof(a), 1);
    send_user(f, OTW_DIR_TO_SERVER, CTRL_REQ, OUTSTATION, MASTER, b, sizeof(b), 1);
    /* FIR then FIR again: the first is abandoned */
    send_user(f, OTW_DIR_TO_SERVER, CTRL_REQ, OUTSTATION, MASTER, a, sizeof(a), 1);
    uint8_t c[] = {0xC2, 0xC0, 0x0D}; /* FIR FIN: cold restart */
    send_user(f, OTW_DIR_TO_SERVER, CTRL_REQ, OUTSTATION, MASTER, c, sizeof(c), 1);
    assert_int_equal(f->s.n_transport_drops, 3);
    assert_int_equal(f->s.n_pending, 1);
    /* a segment from another source does not continue our fragment */
    send_user(f, OTW_DIR_TO_SERVER, CTRL_REQ, OUTSTATION, MASTER, a, sizeof(a), 1);
    uint8_t d[] = {0x82, 0x3C, 0x01, 0x06};
    send_user(f, OTW_DIR_TO_SERVER, CTRL_REQ, OUTSTATION, 77, d, sizeof(d), 1);
    assert_int_equal(f->s.n_transport_drops, 4);
    assert_int_equal(f->s.n_pending, 1);
    /* empty application fragment */
    uint8_t e[] = {0xC0};
    assert_int_equal(send_user(f, OTW_DIR_TO_SERVER, CTRL_REQ, OUTSTATION, MASTER, e, 1, 1),
                     OTW_PARSE_MALFORMED);
}

static void test_fragment_overflow(void **state)
{
    fixture *f = *state;
    uint8_t seg[250];
    memset(seg, 0, sizeof(seg));
    otw_parse_status st = OTW_PARSE_OK;
    /* 9 segments of 249 bytes = 2241 > 2048 */
    for (int i = 0; i < 9; i++) {
        seg[0] = (uint8_t)(i == 0 ? 0x40 : i);
        seg[1] = 0xC0;
        seg[2] = 0x81;
        st = send_user(f, OTW_DIR_TO_CLIENT, CTRL_RSP, MASTER, OUTSTATION, seg, sizeof(seg), 1);
        if (st != OTW_PARSE_OK)
            break;
    }
    assert_int_equal(st, OTW_PARSE_MALFORMED);
    assert_string_equal(f->rec.last_anomaly, "dnp3_fragment_overflow");
    assert_false(f->s.reasm[OTW_DIR_TO_CLIENT].active);
    /* exactly 2048 is fine: 8 x 249 + 56 */
    for (int i = 0; i < 9; i++) {
        size_t n = i < 8 ? 249 : 56;
        seg[0] = (uint8_t)((i == 0 ? 0x40 : 0) | (i == 8 ? 0x80 : 0) | i);
        seg[1] = 0xC0;
        seg[2] = 0x81;
        st = send_user(f, OTW_DIR_TO_CLIENT, CTRL_RSP, MASTER, OUTSTATION, seg, n + 1, 1);
        assert_int_equal(st, OTW_PARSE_OK);
    }
    assert_int_equal(f->rec.n_ops, 1);
    assert_false(f->rec.ops[0].request_seen);
}

static void test_udp_datagram(void **state)
{
    fixture *f = *state;
    uint8_t dg[64];
    /* two frames in one datagram: read request seq 1, then cold restart seq 2 */
    size_t n = mk_frame(dg, CTRL_REQ, OUTSTATION, MASTER,
                        (const uint8_t[]){0xC0, 0xC1, 0x01, 0x3C, 0x01, 0x06}, 6);
    n += mk_frame(dg + n, CTRL_REQ, OUTSTATION, MASTER, (const uint8_t[]){0xC1, 0xC2, 0x0D}, 3);
    assert_int_equal(dnp3_parse(&f->s, OTW_DIR_TO_SERVER, dg, n, 1, &f->sink), OTW_PARSE_OK);
    assert_int_equal(f->s.n_pending, 2);
    /* trailing garbage after a good frame */
    n = mk_frame(dg, CTRL_REQ, OUTSTATION, MASTER, (const uint8_t[]){0xC2, 0xC3, 0x0E}, 3);
    dg[n++] = 0x05;
    assert_int_equal(dnp3_parse(&f->s, OTW_DIR_TO_SERVER, dg, n, 1, &f->sink), OTW_PARSE_MALFORMED);
    assert_int_equal(f->s.n_pending, 3);
}

/* ----------------------------------------------------- robustness, state */

static void test_truncated_everywhere(void **state)
{
    fixture *f = *state;
    uint8_t fr[DNP3_MAX_FRAME];
    const uint8_t user[] = {0xC0, 0xC3, 0x01, 0x3C, 0x02, 0x06, 0x3C, 0x03, 0x06, 0x3C,
                            0x04, 0x06, 0x3C, 0x01, 0x06, 0x01, 0x02, 0x00, 0x00, 0x05};
    size_t n = mk_frame(fr, CTRL_REQ, OUTSTATION, MASTER, user, sizeof(user));
    every_prefix_refused(dnp3_parse, dnp3_frame_len, &f->s, OTW_DIR_TO_SERVER, fr, n, &f->sink);
    assert_int_equal(f->rec.n_ops, 0);
    assert_int_equal(f->s.n_pending, 0);
}

static void test_garbage(void **state)
{
    fixture *f = *state;
    uint8_t buf[300];
    uint32_t x = 12345;
    for (int round = 0; round < 2000; round++) {
        size_t n = 1 + (x % sizeof(buf));
        lcg_fill(&x, buf, n);
        if (round & 1) { /* a plausible header, random rest */
            buf[0] = 0x05;
            buf[1] = 0x64;
        }
        otw_parse_status st =
            dnp3_parse(&f->s, (otw_dir)(round & 1), buf, n, (uint64_t)round, &f->sink);
        assert_valid_status(st);
        assert_true(f->s.n_pending <= DNP3_MAX_PENDING);
    }
}

static void test_pending_limit_and_expire(void **state)
{
    fixture *f = *state;
    uint8_t user[] = {0xC0, 0xC0, 0x01, 0x3C, 0x01, 0x06};
    /* 16 outstations x seq 0, then a 17th: the oldest is given up */
    for (uint16_t o = 0; o < DNP3_MAX_PENDING + 1; o++)
        send_user(f, OTW_DIR_TO_SERVER, CTRL_REQ, (uint16_t)(100 + o), MASTER, user, sizeof(user),
                  o);
    assert_int_equal(f->s.n_pending, DNP3_MAX_PENDING);
    assert_int_equal(f->s.n_pending_evicted, 1);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].unit, 100);
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_NO_RESPONSE);
    /* the same (master, outstation, seq) again: the older one is unanswered */
    send_user(f, OTW_DIR_TO_SERVER, CTRL_REQ, 116, MASTER, user, sizeof(user), 50);
    assert_int_equal(f->rec.n_ops, 2);
    assert_int_equal(f->rec.ops[1].unit, 116);
    /* expire with a timeout: requests older than 10 us at t=20 */
    dnp3_expire(&f->s, 20, 10, &f->sink);
    assert_int_equal(f->rec.n_ops, 2 + 9); /* units 101..109 (ts 1..9) */
    dnp3_expire(&f->s, 20, 0, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
    assert_int_equal(f->rec.n_ops, 2 + 16);
    dnp3_expire(NULL, 0, 0, &f->sink);
    /* a corrupted count is clamped */
    f->s.n_pending = 1000;
    dnp3_expire(&f->s, 0, 0, NULL);
    assert_int_equal(f->s.n_pending, 0);
}

static void test_descriptor(void **state)
{
    (void)state;
    const otw_dissector *d = otw_dissector_for_port(true, 20000);
    assert_non_null(d);
    assert_ptr_equal(d, &dnp3_dissector);
    assert_ptr_equal(otw_dissector_for_port(false, 20000), &dnp3_dissector);
    check_industrial_dissector(&dnp3_dissector, OTW_PROTO_DNP3);
    assert_non_null(d->expire);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_crc),
        T(test_frame_len),
        T(test_link_only_frames),
        T(test_bad_crc),
        T(test_not_mine),
        T(test_read_class_data),
        T(test_select_operate),
        T(test_ranges),
        T(test_function_classes),
        T(test_file_operations),
        T(test_iin_exceptions),
        T(test_unsolicited_and_confirm),
        T(test_unmatched_response),
        T(test_device_attributes),
        T(test_reassembly),
        T(test_transport_errors),
        T(test_fragment_overflow),
        T(test_udp_datagram),
        T(test_truncated_everywhere),
        T(test_garbage),
        T(test_pending_limit_and_expire),
        T(test_descriptor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
