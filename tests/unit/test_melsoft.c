/* test_melsoft.c - MELSOFT engineering protocol dissector (protocols/melsoft.c).
 *
 * The frames copy the layout of iti_melsoft_UDP_clean_2.pcap (GX Works3 <->
 * FX5U) and of the Nozomi Networks research (see melsoft.c), built by
 * melsoft_frame() of melsoft_test.h.
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
#include "melsoft.h"
#include "melsoft_test.h"
#include "sink_test.h"

SINK_FIXTURE(melsoft_session, melsoft_session_init, OTW_PROTO_MELSOFT, NULL)

static otw_parse_status parse(fixture *f, otw_dir dir, const uint8_t *p, size_t n, uint64_t ts)
{
    return parse_copy(melsoft_parse, &f->s, dir, p, n, ts, &f->sink);
}

static otw_parse_status req(fixture *f, uint16_t cmd, uint16_t ref, const uint8_t *d, size_t n)
{
    uint8_t buf[1024];
    size_t len = melsoft_frame(buf, false, 0, cmd, ref, d, n);
    return parse(f, OTW_DIR_TO_SERVER, buf, len, 1000);
}

static otw_parse_status rsp(fixture *f, uint16_t status, uint16_t cmd, uint16_t ref,
                            const uint8_t *d, size_t n)
{
    uint8_t buf[1024];
    size_t len = melsoft_frame(buf, true, status, cmd, ref, d, n);
    return parse(f, OTW_DIR_TO_CLIENT, buf, len, 2000);
}

/* UTF-16LE "$MELPRJ$\CPU.PRM" with its byte length (34, NUL included) */
#define PATH_CPU_PRM                                                                               \
    0x22, 0x00, '$', 0, 'M', 0, 'E', 0, 'L', 0, 'P', 0, 'R', 0, 'J', 0, '$', 0, '\\', 0, 'C', 0,   \
        'P', 0, 'U', 0, '.', 0, 'P', 0, 'R', 0, 'M', 0, 0, 0

static void test_registry(void **state)
{
    (void)state;
    assert_ptr_equal(otw_dissector_for_port(false, 5560), &melsoft_dissector);
    assert_ptr_equal(otw_dissector_for_port(true, 5007), &melsoft_dissector);
    check_industrial_dissector(&melsoft_dissector, OTW_PROTO_MELSOFT);
    assert_string_equal(melsoft_command_name(0x0131), "Username Login");
    assert_string_equal(melsoft_command_name(0x4242), "MELSOFT command");
    assert_string_equal(melsoft_command_name(0x5AFF), "Discovery");
    assert_int_equal(melsoft_command_class(0x4242), OTW_CLASS_OTHER);
}

static void test_frame_len(void **state)
{
    (void)state;
    uint8_t buf[128];
    size_t n = melsoft_frame(buf, false, 0, 0x0121, 1, (const uint8_t[]){0x00, 0x01}, 2);
    assert_int_equal(n, 53); /* as frame 5 of the capture */
    for (size_t i = 0; i < 21; i++)
        assert_int_equal(melsoft_frame_len(buf, i), OTW_FRAME_NEED_MORE);
    assert_int_equal(melsoft_frame_len(buf, 21), 53);
    assert_int_equal(melsoft_frame_len(buf, n), 53);
    /* Nozomi's TCP variant: D7 00 */
    buf[0] = 0xd7;
    buf[1] = 0x00;
    assert_int_equal(melsoft_frame_len(buf, n), 53);
    buf[1] = 0x02;
    assert_int_equal(melsoft_frame_len(buf, n), OTW_FRAME_NOT_MINE);
    buf[1] = 0x01;
    /* size too small and too big */
    buf[19] = 11;
    buf[20] = 0;
    assert_int_equal(melsoft_frame_len(buf, n), OTW_FRAME_NOT_MINE);
    buf[19] = 0x01;
    buf[20] = 0x20; /* 8193 */
    assert_int_equal(melsoft_frame_len(buf, n), OTW_FRAME_NOT_MINE);
    /* discovery is UDP only; other bytes are not MELSOFT */
    assert_int_equal(melsoft_frame_len((const uint8_t *)"\x5a\x00\x00\x01", 4), OTW_FRAME_NOT_MINE);
    assert_int_equal(melsoft_frame_len((const uint8_t *)"GET", 3), OTW_FRAME_NOT_MINE);
    assert_int_equal(melsoft_frame_len(NULL, 0), OTW_FRAME_NEED_MORE);
}

typedef struct pair_case {
    uint16_t cmd;
    bytes req, rsp;
    OP_EXPECT_FIELDS;
} pair_case;

/* clang-format off */
static const pair_case pairs[] = {
    /* 0121 Open Initial: 00 01 | model name, model code (identity, see below) */
    {0x0121, B(0x00, 0x01), NONE, "Open Initial", OTW_CLASS_IDENTITY, "", false, 0, 0},
    /* 0131 Username Login: "admin" UTF-16LE in 40 bytes */
    {0x0131, B('a', 0, 'd', 0, 'm', 0, 'i', 0, 'n', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
               0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
     B(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16),
     "Username Login", OTW_CLASS_AUTHENTICATION, "admin", false, 0, 0},
    /* 0132 Password Login: token (16) + SHA-256 (32), opaque here */
    {0x0132, B(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16), NONE,
     "Password Login", OTW_CLASS_AUTHENTICATION, "", false, 0, 0},
    {0x0133, NONE, NONE, "Read User Information A", OTW_CLASS_READ, "", false, 0, 0},
    {0x0134, NONE, NONE, "Read User Information B", OTW_CLASS_READ, "", false, 0, 0},
    {0x0150, NONE, B(0x01), "Safety Run Mode Read", OTW_CLASS_READ, "", false, 0, 0},
    /* 0410 as in the capture: type 3F, address 0x1E8, 2 points | 4 bytes */
    {0x0410, B(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x3f, 0x00, 0xe8, 0x01, 0, 0, 0, 0, 0, 0, 0x02, 0x00),
     B(0x70, 0x00, 0x00, 0x00), "Read Memory", OTW_CLASS_READ, "type 0x3F", true, 0x1e8, 2},
    {0x1001, NONE, NONE, "Remote Run", OTW_CLASS_CONTROL, "", false, 0, 0},
    {0x1002, NONE, NONE, "Remote Stop", OTW_CLASS_CONTROL, "", false, 0, 0},
    {0x1003, NONE, NONE, "Remote Pause", OTW_CLASS_CONTROL, "", false, 0, 0},
    {0x1006, NONE, NONE, "Remote Reset", OTW_CLASS_CONTROL, "", false, 0, 0},
    {0x1120, B(0x01), NONE, "Safety Run Mode Change", OTW_CLASS_CONTROL, "", false, 0, 0},
    {0x1133, B(0x00, 0x00, 0x01, 0x00), NONE, "User Information Registration", OTW_CLASS_ACCOUNT, "", false, 0, 0},
    {0x1859, NONE, NONE, "File List Read", OTW_CLASS_READ, "", false, 0, 0},
    /* 185F File Information Read: 4 zero bytes, 0004, path | directory entry */
    {0x185F, B(0, 0, 0, 0, 0x04, 0x00, PATH_CPU_PRM),
     B('C', 'P', 'U', ' ', ' ', ' ', ' ', ' ', 'P', 'R', 'M', ' '),
     "File Information Read", OTW_CLASS_READ, "$MELPRJ$\\CPU.PRM", false, 0, 0},
    /* 1867 File Open: mode 0 (read) at 5, 0004, 0, path at 12 | handle 0002 */
    {0x1867, B(0, 0, 0, 0, 0, 0, 0x04, 0x00, 0, 0, 0, 0, PATH_CPU_PRM), B(0x02, 0x00),
     "File Open", OTW_CLASS_OTHER, "$MELPRJ$\\CPU.PRM", false, 0, 0},
    /* 1868 File Read: handle 2, offset 0, 0x030C bytes | length + data */
    {0x1868, B(0x02, 0x00, 0, 0, 0, 0, 0x0c, 0x03), B(0x0c, 0x03, 0x00),
     "File Read", OTW_CLASS_PROGRAM_UPLOAD, "handle 0x0002", true, 0, 0x30c},
    /* 1869 File Write: handle 0x92, offset 0x3C0, 2 bytes, data | length */
    {0x1869, B(0x92, 0x00, 0xc0, 0x03, 0, 0, 0x02, 0x00, 0xaa, 0xbb), B(0x02, 0x00),
     "File Write", OTW_CLASS_PROGRAM_DOWNLOAD, "handle 0x0092", true, 0x3c0, 2},
    {0x186A, B(0x02, 0x00, 0x00, 0x00), NONE, "File Close", OTW_CLASS_OTHER, "handle 0x0002",
     false, 0, 0},
    {0x1734, B(0, 0, 0, 0, 0x04, 0x00, 0x01, 0x00, 0, 0, 0x7d, 0x01, PATH_CPU_PRM), NONE,
     "Directory Read", OTW_CLASS_READ, "$MELPRJ$\\CPU.PRM", false, 0, 0},
    {0x187E, B(0x01, 0x00, 0x04, 0x00, 0x04, 0x00, PATH_CPU_PRM), B(0x04, 0x00),
     "MELSOFT command 0x187E", OTW_CLASS_OTHER, "$MELPRJ$\\CPU.PRM", false, 0, 0},
    {0x01A0, B(0x07, 0x15, 0x78, 0x33, 0xc1), B(0x85, 0x2d, 0x64, 0x48),
     "MELSOFT command 0x01A0", OTW_CLASS_OTHER, "", false, 0, 0},
    {0x0B2A, B(0x01), NONE, "MELSOFT command 0x0B2A", OTW_CLASS_OTHER, "", false, 0, 0},
    {0x4242, NONE, NONE, "MELSOFT command", OTW_CLASS_OTHER, "", false, 0, 0},
};
/* clang-format on */

static void test_command_pairs(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        const pair_case *c = &pairs[i];
        uint16_t ref = (uint16_t)(i + 1);
        f->rec.n_ops = 0;
        assert_int_equal(req(f, c->cmd, ref, c->req.p, c->req.n), OTW_PARSE_OK);
        assert_int_equal(f->rec.n_ops, 0);
        assert_int_equal(rsp(f, 0, c->cmd, ref, c->rsp.p, c->rsp.n), OTW_PARSE_OK);
        assert_int_equal(f->rec.n_ops, 1);
        const otw_op *op = &f->rec.ops[0];
        assert_answered_op(op, c->cmd, c);
        assert_int_equal(op->transaction, ref);
        assert_int_equal(f->s.n_pending, 0);
    }
    assert_int_equal(f->rec.n_anomalies, 0);
}

static void test_open_initial_identity(void **state)
{
    fixture *f = *state;
    /* response of the capture: "FX5U-32MT/ES" NUL padded to 16, code 4A29 (29 4A), 6 bytes */
    const uint8_t d[] = {'F', 'X', '5', 'U', '-',  '3',  '2',  'M',  'T', '/', 'E', 'S',
                         0,   0,   0,   0,   0x29, 0x4a, 0x00, 0x08, 0,   0,   0,   0};
    assert_int_equal(req(f, 0x0121, 1, (const uint8_t[]){0x00, 0x01}, 2), OTW_PARSE_OK);
    assert_int_equal(rsp(f, 0, 0x0121, 1, d, sizeof(d)), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 1);
    const otw_identity *id = &f->rec.ids[0];
    assert_string_equal(id->vendor, "Mitsubishi Electric");
    assert_string_equal(id->model, "FX5U-32MT/ES");
    assert_string_equal(id->product_code, "0x4A29");
    assert_int_equal(id->role_hint, OTW_HINT_CONTROLLER);
    assert_int_equal(id->about, OTW_DIR_TO_CLIENT);
    assert_string_equal(id->source, "melsoft 0x0121");
    /* a failed or short 0121: no identity */
    assert_int_equal(rsp(f, 0x4080, 0x0121, 2, d, sizeof(d)), OTW_PARSE_OK);
    assert_int_equal(rsp(f, 0, 0x0121, 3, d, 17), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 1);
}

static void test_discovery(void **state)
{
    fixture *f = *state;
    /* 5A 00 00 01 | DA 00 00 01 14 00 + the client's IP twice */
    const uint8_t q1[] = {0x5a, 0x00, 0x00, 0x01};
    const uint8_t a1[] = {0xda, 0x00, 0x00, 0x01, 0x14, 0x00, 0xc0,
                          0xa8, 0x03, 0x65, 0xc0, 0xa8, 0x03, 0x65};
    /* 5A 00 00 FF | DA 00 00 FF + model code 4A29 + data */
    const uint8_t qf[] = {0x5a, 0x00, 0x00, 0xff};
    const uint8_t af[] = {0xda, 0x00, 0x00, 0xff, 0x29, 0x4a, 0x0c, 0x00, 0x00, 0x00,
                          0x00, 0x00, 0x00, 0x10, 0x02, 0x00, 0xf0, 0xa8, 0x32, 0xa3,
                          0x4d, 0x79, 0x87, 0x28, 0x00, 0x00, 0x10, 0x03};
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, q1, sizeof(q1), 1), OTW_PARSE_OK);
    assert_int_equal(parse(f, OTW_DIR_TO_CLIENT, a1, sizeof(a1), 2), OTW_PARSE_OK);
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, qf, sizeof(qf), 3), OTW_PARSE_OK);
    assert_int_equal(parse(f, OTW_DIR_TO_CLIENT, af, sizeof(af), 4), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 2);
    assert_int_equal(f->rec.ops[0].function, 0x5A01);
    assert_int_equal(f->rec.ops[1].function, 0x5AFF);
    assert_string_equal(f->rec.ops[1].function_name, "Discovery");
    assert_int_equal(f->rec.ops[1].op_class, OTW_CLASS_IDENTITY);
    assert_true(f->rec.ops[1].request_seen);
    assert_int_equal(f->rec.n_ids, 1);
    assert_string_equal(f->rec.ids[0].product_code, "0x4A29");
    assert_string_equal(f->rec.ids[0].model, "");
    assert_string_equal(f->rec.ids[0].vendor, "Mitsubishi Electric");
    /* malformed discovery */
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, (const uint8_t *)"\x5a\x01\x00\x01", 4, 5),
                     OTW_PARSE_NOT_MINE);
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, (const uint8_t *)"\x5a\x00\x00\x01\x00", 5, 5),
                     OTW_PARSE_MALFORMED);
    assert_int_equal(parse(f, OTW_DIR_TO_CLIENT, af, 5, 5), OTW_PARSE_OK); /* no identity */
    assert_int_equal(f->rec.n_ids, 1);
}

/* A user name brute force, as the broadcast direct connection shows it:
 * requests and responses in different flows (sessions). Every attempt is an
 * authentication op; the responses carry the outcome. */
static void test_login_attempts(void **state)
{
    fixture *f = *state;
    static fixture other;
    memset(&other, 0, sizeof(other));
    melsoft_session_init(&other.s);
    other.sink = f->sink;
    const char *users[] = {"root", "admin", "user1"};
    for (int i = 0; i < 3; i++) {
        uint8_t name[40] = {0};
        for (size_t k = 0; users[i][k]; k++)
            name[2 * k] = (uint8_t)users[i][k];
        assert_int_equal(req(f, 0x0131, (uint16_t)(10 + i), name, sizeof(name)), OTW_PARSE_OK);
        /* the answer arrives in another flow: wrong user name for the first two */
        uint16_t status = i < 2 ? 0x4408 : 0x0000;
        assert_int_equal(rsp(&other, status, 0x0131, (uint16_t)(10 + i), name, 16), OTW_PARSE_OK);
    }
    melsoft_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->rec.n_ops, 6);
    size_t req_ops = 0, fails = 0, oks = 0;
    for (size_t i = 0; i < f->rec.n_ops; i++) {
        const otw_op *op = &f->rec.ops[i];
        assert_int_equal(op->op_class, OTW_CLASS_AUTHENTICATION);
        if (op->request_seen) {
            assert_int_equal(op->outcome, OTW_OUTCOME_NO_RESPONSE);
            assert_string_equal(op->object, users[req_ops]);
            req_ops++;
        } else if (op->outcome == OTW_OUTCOME_EXCEPTION) {
            assert_int_equal(op->exception_code, 0x4408);
            fails++;
        } else {
            assert_int_equal(op->outcome, OTW_OUTCOME_OK);
            oks++;
        }
    }
    assert_int_equal(req_ops, 3);
    assert_int_equal(fails, 2);
    assert_int_equal(oks, 1);
    /* within one flow (TCP) the attempt and its answer are one op */
    f->rec.n_ops = 0;
    uint8_t name[40] = {'x', 0};
    assert_int_equal(req(f, 0x0131, 20, name, sizeof(name)), OTW_PARSE_OK);
    assert_int_equal(rsp(f, 0x4408, 0x0131, 20, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_true(f->rec.ops[0].request_seen);
    assert_string_equal(f->rec.ops[0].object, "x");
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[0].exception_code, 0x4408);
}

static void test_truncated_and_garbage(void **state)
{
    fixture *f = *state;
    uint8_t buf[200];
    const uint8_t d[] = {'F', 'X', '5', 'U', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x29, 0x4a};
    size_t n = melsoft_frame(buf, true, 0, 0x0121, 1, d, sizeof(d));
    every_prefix_refused(melsoft_parse, melsoft_frame_len, &f->s, OTW_DIR_TO_CLIENT, buf, n,
                         &f->sink);
    /* a command header that claims more than the frame has */
    n = melsoft_frame(buf, false, 0, 0x0121, 1, NULL, 0);
    buf[23] = 0xf0;
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, buf, n, 1), OTW_PARSE_MALFORMED);
    buf[23] = 0x02; /* command header of 4 bytes: too small */
    assert_int_equal(parse(f, OTW_DIR_TO_SERVER, buf, n, 1), OTW_PARSE_MALFORMED);
    /* 0410 and file commands with short payloads: op without address */
    assert_int_equal(req(f, 0x0410, 7, (const uint8_t[]){0, 1, 2}, 3), OTW_PARSE_OK);
    assert_int_equal(req(f, 0x1868, 8, (const uint8_t[]){2, 0}, 2), OTW_PARSE_OK);
    assert_int_equal(req(f, 0x1867, 9,
                         (const uint8_t[]){0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 'a', 0},
                         16),
                     OTW_PARSE_OK); /* path length beyond the payload */
    melsoft_expire(&f->s, 0, 0, &f->sink);
    for (size_t i = 0; i < f->rec.n_ops && i < SINK_MAX_OPS; i++) {
        assert_false(f->rec.ops[i].has_address);
        assert_string_equal(f->rec.ops[i].object, "");
    }
    uint32_t x = 99;
    for (int round = 0; round < 3000; round++) {
        size_t len = (size_t)(round % 120) + 1;
        lcg_fill(&x, buf, len);
        if (round % 3 == 1 && len >= 21) { /* a valid-looking header */
            static const uint8_t m[] = {0x57, 0xd7, 0x5a, 0xda};
            buf[0] = m[(x >> 8) & 3];
            buf[1] = (uint8_t)((x >> 12) & 1);
            buf[19] = (uint8_t)(len - 21);
            buf[20] = 0;
        }
        otw_parse_status st = parse(f, (round & 1) ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER, buf,
                                    len, (uint64_t)round);
        assert_valid_status(st);
        (void)melsoft_frame_len(buf, len);
        assert_true(f->s.n_pending <= MELSOFT_MAX_PENDING);
    }
    melsoft_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
    assert_int_equal(melsoft_parse(NULL, OTW_DIR_TO_SERVER, buf, 30, 0, &f->sink),
                     OTW_PARSE_NOT_MINE);
}

static void test_pending_limit_and_expire(void **state)
{
    fixture *f = *state;
    uint8_t buf[128];
    for (int i = 0; i < MELSOFT_MAX_PENDING; i++) {
        size_t n = melsoft_frame(buf, false, 0, 0x0410, (uint16_t)i, NULL, 0);
        assert_int_equal(parse(f, OTW_DIR_TO_SERVER, buf, n, (uint64_t)i), OTW_PARSE_OK);
    }
    assert_int_equal(f->s.n_pending, MELSOFT_MAX_PENDING);
    assert_int_equal(req(f, 0x0410, 500, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].transaction, 0);
    assert_int_equal(f->s.n_pending_evicted, 1);
    /* the same command and reference again gives up the older one */
    assert_int_equal(req(f, 0x0410, 500, NULL, 0), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 2);
    melsoft_expire(&f->s, 20, 10, &f->sink); /* references 1..9 */
    assert_int_equal(f->rec.n_ops, 11);
    melsoft_expire(&f->s, 0, 0, &f->sink);
    assert_int_equal(f->rec.n_ops, 2 + MELSOFT_MAX_PENDING);
    f->s.n_pending = 9999;
    melsoft_expire(&f->s, 0, 0, NULL);
    assert_int_equal(f->s.n_pending, 0);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_registry),
        T(test_frame_len),
        T(test_command_pairs),
        T(test_open_initial_identity),
        T(test_discovery),
        T(test_login_attempts),
        T(test_truncated_and_garbage),
        T(test_pending_limit_and_expire),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
