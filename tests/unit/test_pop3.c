/* test_pop3.c - POP3 login dissector (protocols/pop3.c) and the shared
 * helpers (protocols/cleartext.c: base64, SASL PLAIN/LOGIN): USER/PASS,
 * APOP, AUTH PLAIN with and without an initial response, AUTH LOGIN, "*"
 * cancel, STLS, expiry, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "login_test.h"
#include "pop3.h"

#define D (&pop3_dissector)

static void test_base64(void **state)
{
    (void)state;
    uint8_t out[32];
    /* RFC 4648 section 10 test vectors */
    static const struct {
        const char *in, *out;
    } v[] = {{"", ""},
             {"Zg==", "f"},
             {"Zm8=", "fo"},
             {"Zm9v", "foo"},
             {"Zm9vYg==", "foob"},
             {"Zm9vYmE=", "fooba"},
             {"Zm9vYmFy", "foobar"},
             {"Zm9vYg", "foob"}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        long n = clt_b64_decode((const uint8_t *)v[i].in, strlen(v[i].in), out, sizeof(out));
        assert_int_equal(n, (long)strlen(v[i].out));
        assert_memory_equal(out, v[i].out, (size_t)n);
    }
    assert_int_equal(clt_b64_decode((const uint8_t *)"Zm9v!", 5, out, sizeof(out)), -1);
    assert_int_equal(clt_b64_decode((const uint8_t *)"Zg==Zg", 6, out, sizeof(out)), -1);
    assert_int_equal(clt_b64_decode((const uint8_t *)"Zm9vYmFy", 8, out, 3), -1);
}

static void test_descriptor(void **state)
{
    (void)state;
    assert_int_equal(D->proto, OTW_PROTO_POP3);
    assert_string_equal(D->name, "pop3");
    assert_int_equal(D->tcp_ports[0], 110);
    assert_true(D->session_size <= OTW_SESSION_MAX_BYTES);
}

static void test_user_pass(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    S2C("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n");
    C2S("USER mrose\r\n");
    S2C("+OK mrose is a real hoopy frood\r\n");
    C2S("PASS secret words\r\n");
    assert_int_equal(r.n, 0);
    S2C("+OK mrose's maildrop has 2 messages (320 octets)\r\n");
    assert_int_equal(r.n, 1);
    assert_string_equal(r.creds[0].user, "mrose");
    assert_string_equal(r.secrets[0], "secret words");
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_SUCCESS);
    C2S("USER nobody\r\n");
    S2C("-ERR sorry, no mailbox for nobody here\r\n");
    assert_int_equal(r.n, 2);
    assert_false(r.creds[1].has_secret);
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_FAILURE);
    C2S("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n");
    S2C("-ERR permission denied\r\n");
    assert_int_equal(r.n, 3);
    assert_string_equal(r.creds[2].method, "APOP");
    assert_false(r.creds[2].has_secret);
    assert_no_secret(s, D->session_size, "secret");
    free(s);
}

static void test_sasl(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    /* PLAIN with an initial response: "\0tim\0tanstaaftanstaaf" (RFC 4616) */
    C2S("AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n");
    S2C("+OK Maildrop locked and ready\r\n");
    assert_int_equal(r.n, 1);
    assert_string_equal(r.creds[0].method, "AUTH PLAIN");
    assert_string_equal(r.creds[0].user, "tim");
    assert_string_equal(r.secrets[0], "tanstaaftanstaaf");
    /* PLAIN after a continuation, with an authzid */
    C2S("AUTH PLAIN\r\n");
    S2C("+ \r\n");
    C2S("YWRtaW4AYWxpY2UAc2VjcmV0\r\n"); /* "admin\0alice\0secret" */
    S2C("-ERR authentication failed\r\n");
    assert_int_equal(r.n, 2);
    assert_string_equal(r.creds[1].user, "alice");
    assert_string_equal(r.secrets[1], "secret");
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_FAILURE);
    /* LOGIN: user, then password */
    C2S("AUTH LOGIN\r\n");
    S2C("+ VXNlcm5hbWU6\r\n");
    C2S("Ym9i\r\n"); /* bob */
    S2C("+ UGFzc3dvcmQ6\r\n");
    C2S("aHVudGVyMg==\r\n"); /* hunter2 */
    S2C("+OK\r\n");
    assert_int_equal(r.n, 3);
    assert_string_equal(r.creds[2].method, "AUTH LOGIN");
    assert_string_equal(r.creds[2].user, "bob");
    assert_string_equal(r.secrets[2], "hunter2");
    /* cancelled, and mechanisms without a cleartext secret */
    C2S("AUTH LOGIN\r\n");
    S2C("+ VXNlcm5hbWU6\r\n");
    C2S("*\r\n");
    S2C("-ERR cancelled\r\n");
    C2S("AUTH CRAM-MD5\r\n");
    S2C("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n");
    C2S("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n");
    S2C("+OK\r\n");
    assert_int_equal(r.n, 3);
    assert_no_secret(s, D->session_size, "hunter2");
    free(s);
}

static void test_stls_and_expiry(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    C2S("STLS\r\n");
    S2C("+OK Begin TLS negotiation\r\n");
    C2S("USER a\r\nPASS b\r\n");
    S2C("+OK\r\n+OK\r\n");
    assert_int_equal(r.n, 0);
    free(s);
    s = session_new(D);
    C2S("USER a\r\n");
    S2C("+OK\r\n");
    D->expire(s, ts + 1000000000, 10, &sink); /* the client's turn: no timeout */
    assert_int_equal(r.n, 0);
    C2S("PASS b\r\n");
    D->expire(s, ts + 1000000000, 10, &sink);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_UNKNOWN);
    free(s);
}

static void test_hostile(void **state)
{
    (void)state;
    static const char a[] = "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n";
    static const char b[] = "PASS x\r\n";
    static const char c[] = "-ERR x\r\n";
    hostile(D, (const uint8_t *)a, sizeof(a) - 1, OTW_DIR_TO_SERVER);
    hostile(D, (const uint8_t *)b, sizeof(b) - 1, OTW_DIR_TO_SERVER);
    hostile(D, (const uint8_t *)c, sizeof(c) - 1, OTW_DIR_TO_CLIENT);
    /* PLAIN messages cut at every length: no NULs, one NUL, ... */
    static const uint8_t m[] = "AHRpbQB0YW5zdGFhZnRhbnN0YWFm";
    for (size_t n = 0; n < sizeof(m) - 1; n++) {
        lrec r;
        otw_sink sink = lrec_sink(&r);
        void *s = session_new(D);
        uint64_t ts = 0;
        C2S("AUTH PLAIN\r\n");
        uint8_t line[64];
        memcpy(line, m, n);
        memcpy(line + n, "\r\n", 2);
        feed(D, s, OTW_DIR_TO_SERVER, line, n + 2, ts, &sink);
        S2C("+OK\r\n");
        free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64),          cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_user_pass),       cmocka_unit_test(test_sasl),
        cmocka_unit_test(test_stls_and_expiry), cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
