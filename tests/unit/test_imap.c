/* test_imap.c - IMAP login dissector (protocols/imap.c): LOGIN with atoms,
 * quoted strings (escapes) and literals (RFC 9051 4.3), AUTHENTICATE
 * PLAIN/LOGIN with and without SASL-IR, tagged OK/NO/BAD, untagged lines,
 * STARTTLS, expiry, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "imap.h"
#include "login_test.h"

#define D (&imap_dissector)

static void test_descriptor(void **state)
{
    (void)state;
    assert_int_equal(D->proto, OTW_PROTO_IMAP);
    assert_string_equal(D->name, "imap");
    assert_int_equal(D->tcp_ports[0], 143);
    assert_true(D->session_size <= OTW_SESSION_MAX_BYTES);
}

static void test_login_forms(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    S2C("* OK IMAP4rev1 Service Ready\r\n");
    C2S("a001 LOGIN SMITH SESAME\r\n");
    S2C("* CAPABILITY IMAP4rev1\r\n"); /* untagged: not the answer */
    assert_int_equal(r.n, 0);
    S2C("a001 OK LOGIN completed\r\n");
    assert_int_equal(r.n, 1);
    assert_string_equal(r.creds[0].method, "LOGIN");
    assert_string_equal(r.creds[0].user, "SMITH");
    assert_string_equal(r.secrets[0], "SESAME");
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_SUCCESS);
    C2S("a002 login \"john doe\" \"pa\\\"ss\\\\w\"\r\n");
    S2C("a002 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
    assert_int_equal(r.n, 2);
    assert_string_equal(r.creds[1].user, "john doe");
    assert_string_equal(r.secrets[1], "pa\"ss\\w");
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_FAILURE);
    /* literals: synchronizing for the user, non-synchronizing for the password */
    C2S("a003 LOGIN {4}\r\n");
    S2C("+ Ready for literal data\r\n");
    C2S("fred {8+}\r\n");
    C2S("p@ss wd\n\r\n"); /* 8 bytes: "p@ss wd\n", then the command's CRLF */
    S2C("a003 BAD invalid\r\n");
    assert_int_equal(r.n, 3);
    assert_string_equal(r.creds[2].user, "fred");
    assert_int_equal(r.creds[2].secret_len, 8);
    assert_memory_equal(r.secrets[2], "p@ss wd\n", 8);
    assert_int_equal(r.creds[2].outcome, OTW_LOGIN_FAILURE);
    /* another tag's answer does not judge the login */
    C2S("b1 LOGIN u p\r\n");
    S2C("b10 OK nope\r\n");
    S2C("c1 OK nope\r\n");
    assert_int_equal(r.n, 3);
    S2C("b1 OK yes\r\n");
    assert_int_equal(r.n, 4);
    assert_no_secret(s, D->session_size, "SESAME");
    assert_no_secret(s, D->session_size, "p@ss");
    free(s);
}

static void test_authenticate(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    C2S("A1 AUTHENTICATE PLAIN\r\n");
    S2C("+ \r\n");
    C2S("AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n");
    S2C("A1 OK Success\r\n");
    assert_int_equal(r.n, 1);
    assert_string_equal(r.creds[0].method, "AUTHENTICATE PLAIN");
    assert_string_equal(r.creds[0].user, "tim");
    assert_string_equal(r.secrets[0], "tanstaaftanstaaf");
    C2S("A2 AUTHENTICATE PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n"); /* SASL-IR */
    S2C("A2 NO bad\r\n");
    assert_int_equal(r.n, 2);
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_FAILURE);
    C2S("A3 AUTHENTICATE LOGIN\r\n");
    S2C("+ VXNlcm5hbWU6\r\n");
    C2S("Ym9i\r\n");
    S2C("+ UGFzc3dvcmQ6\r\n");
    C2S("aHVudGVyMg==\r\n");
    S2C("A3 OK\r\n");
    assert_int_equal(r.n, 3);
    assert_string_equal(r.creds[2].user, "bob");
    assert_string_equal(r.secrets[2], "hunter2");
    free(s);
}

static void test_starttls_and_expiry(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    C2S("x STARTTLS\r\n");
    S2C("x OK Begin TLS negotiation now\r\n");
    C2S("y LOGIN a b\r\n");
    S2C("y OK\r\n");
    assert_int_equal(r.n, 0);
    free(s);
    s = session_new(D);
    C2S("x STARTTLS\r\n");
    S2C("x NO not now\r\n"); /* refused: still cleartext */
    C2S("y LOGIN a b\r\n");
    D->expire(s, ts + 1, 10, &sink);
    assert_int_equal(r.n, 0);
    D->expire(s, ts + 100, 10, &sink);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_UNKNOWN);
    /* a LOGIN with one argument is not a login */
    C2S("z LOGIN alone\r\n");
    S2C("z BAD missing\r\n");
    assert_int_equal(r.n, 1);
    free(s);
}

static void test_hostile(void **state)
{
    (void)state;
    static const char a[] = "a1 LOGIN \"us\\\"er\" {12}\r\n";
    static const char b[] = "a1 AUTHENTICATE PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n";
    static const char c[] = "a1 OK done\r\n";
    hostile(D, (const uint8_t *)a, sizeof(a) - 1, OTW_DIR_TO_SERVER);
    hostile(D, (const uint8_t *)b, sizeof(b) - 1, OTW_DIR_TO_SERVER);
    hostile(D, (const uint8_t *)c, sizeof(c) - 1, OTW_DIR_TO_CLIENT);
    /* a huge literal announced: bounded, the rest of the flow goes on */
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    C2S("a LOGIN {99999999}\r\n");
    uint8_t *big = malloc(4000);
    memset(big, 'z', 4000);
    feed(D, s, OTW_DIR_TO_SERVER, big, 4000, ts, &sink);
    D->expire(s, ts + 100, 0, &sink);
    free(big);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),   cmocka_unit_test(test_login_forms),
        cmocka_unit_test(test_authenticate), cmocka_unit_test(test_starttls_and_expiry),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
