/* test_vnc.c - VNC/RFB login dissector (protocols/vnc.c): RFB 3.3, 3.7 and
 * 3.8 handshakes (RFC 6143 section 7.1, 7.2.1, 7.2.2, appendix A), None and
 * VNC Authentication, SecurityResult, refusals, split and coalesced
 * messages, not RFB, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "login_test.h"
#include "vnc.h"

#define D (&vnc_dissector)

static const uint8_t v38[] = "RFB 003.008\n";
static const uint8_t v37[] = "RFB 003.007\n";
static const uint8_t v33[] = "RFB 003.003\n";
static const uint8_t chal[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t ok[4] = {0, 0, 0, 0};
static const uint8_t failed[4] = {0, 0, 0, 1};

#define SRV(b, n) feed(D, s, OTW_DIR_TO_CLIENT, (b), (n), ts += 10, &sink)
#define CLI(b, n) feed(D, s, OTW_DIR_TO_SERVER, (b), (n), ts += 10, &sink)

static void test_descriptor(void **state)
{
    (void)state;
    assert_int_equal(D->proto, OTW_PROTO_VNC);
    assert_string_equal(D->name, "vnc");
    assert_int_equal(D->tcp_ports[0], 5900);
    assert_int_equal(D->tcp_ports[1], 5901);
    assert_true(D->session_size <= OTW_SESSION_MAX_BYTES);
}

static void test_38_vnc_auth(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    static const uint8_t types[] = {2, 2, 1}; /* two types: VNC auth, None */
    static const uint8_t pick2[] = {2};
    SRV(v38, 12);
    CLI(v38, 12);
    SRV(types, sizeof(types));
    CLI(pick2, 1);
    SRV(chal, 16);
    CLI(chal, 16); /* the DES response */
    assert_int_equal(r.n, 0);
    /* SecurityResult failed + reason (3.8) */
    static const uint8_t fail_reason[] = {0, 0, 0, 1, 0, 0, 0, 4, 'n', 'o', 'p', 'e'};
    SRV(fail_reason, sizeof(fail_reason));
    assert_int_equal(r.n, 1);
    assert_string_equal(r.creds[0].method, "VNC auth");
    assert_false(r.creds[0].has_secret);
    assert_false(r.creds[0].secret_is_none);
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_FAILURE);
    /* afterwards nothing is read */
    SRV(ok, 4);
    assert_int_equal(r.n, 1);
    free(s);
}

static void test_38_none(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    static const uint8_t types[] = {1, 1};
    static const uint8_t pick1[] = {1};
    SRV(v38, 12);
    CLI(v38, 12);
    SRV(types, 2);
    CLI(pick1, 1);
    assert_int_equal(r.n, 0); /* 3.8 sends a SecurityResult for None */
    SRV(ok, 4);
    assert_int_equal(r.n, 1);
    assert_true(r.creds[0].secret_is_none);
    assert_string_equal(r.creds[0].method, "None");
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_SUCCESS);
    free(s);
}

static void test_37_and_33(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    /* 3.7 None: no SecurityResult, success at once */
    static const uint8_t types[] = {1, 1};
    static const uint8_t pick1[] = {1};
    SRV(v38, 12);
    CLI(v37, 12); /* the client picks the lower version */
    SRV(types, 2);
    CLI(pick1, 1);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_SUCCESS);
    free(s);
    /* 3.3: the server imposes VNC auth; version, type and challenge coalesced */
    s = session_new(D);
    uint8_t all[12 + 4 + 16];
    memcpy(all, v33, 12);
    static const uint8_t t2[] = {0, 0, 0, 2};
    memcpy(all + 12, t2, 4);
    memcpy(all + 16, chal, 16);
    SRV(all, 12);
    CLI(v33, 12);
    SRV(all + 12, 20);
    CLI(chal, 7); /* the response split in two */
    CLI(chal + 7, 9);
    SRV(ok, 2); /* SecurityResult split too */
    assert_int_equal(r.n, 1);
    SRV(ok + 2, 2);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.creds[1].method, "VNC auth");
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_SUCCESS);
    free(s);
    /* 3.3 None */
    s = session_new(D);
    static const uint8_t t1[] = {0, 0, 0, 1};
    SRV(v33, 12);
    CLI(v33, 12);
    SRV(t1, 4);
    assert_int_equal(r.n, 3);
    assert_true(r.creds[2].secret_is_none);
    free(s);
}

static void test_refusals(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    /* 3.8 count 0: connection failed with a reason, no login */
    static const uint8_t none[] = {0, 0, 0, 0, 2, 'n', 'o'};
    SRV(v38, 12);
    CLI(v38, 12);
    SRV(none, sizeof(none));
    assert_int_equal(r.n, 0);
    free(s);
    /* other security types (VeNCrypt 19) are not followed */
    s = session_new(D);
    static const uint8_t types[] = {1, 19};
    static const uint8_t pick[] = {19};
    SRV(v38, 12);
    CLI(v38, 12);
    SRV(types, 2);
    CLI(pick, 1);
    SRV(failed, 4);
    assert_int_equal(r.n, 0);
    free(s);
    /* VNC auth without an answer: unknown at the flow's end */
    s = session_new(D);
    static const uint8_t t2[] = {1, 2};
    static const uint8_t pick2[] = {2};
    SRV(v38, 12);
    CLI(v38, 12);
    SRV(t2, 2);
    CLI(pick2, 1);
    SRV(chal, 16);
    CLI(chal, 16);
    D->expire(s, ts, 0, &sink);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_UNKNOWN);
    free(s);
}

static void test_not_rfb(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint8_t http[] = "HTTP/1.1 200 OK\r\n";
    assert_int_equal(D->parse(s, OTW_DIR_TO_CLIENT, http, sizeof(http) - 1, 1, &sink),
                     OTW_PARSE_NOT_MINE);
    free(s);
}

static void test_hostile(void **state)
{
    (void)state;
    uint8_t srv[12 + 3 + 16 + 4];
    memcpy(srv, v38, 12);
    srv[12] = 2;
    srv[13] = 2;
    srv[14] = 1;
    memcpy(srv + 15, chal, 16);
    memcpy(srv + 31, failed, 4);
    hostile(D, srv, sizeof(srv), OTW_DIR_TO_CLIENT);
    hostile(D, srv, sizeof(srv), OTW_DIR_TO_SERVER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor), cmocka_unit_test(test_38_vnc_auth),
        cmocka_unit_test(test_38_none),    cmocka_unit_test(test_37_and_33),
        cmocka_unit_test(test_refusals),   cmocka_unit_test(test_not_rfb),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
