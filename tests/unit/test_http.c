/* test_http.c - HTTP login dissector (protocols/http.c): Basic (RFC 7617,
 * a colon in the password), Digest user (RFC 7616), outcomes by status,
 * pipelining, interim 100, bodies, CONNECT tunnels, expiry, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http.h"
#include "login_test.h"

#define D (&http_dissector)

static void test_descriptor(void **state)
{
    (void)state;
    assert_int_equal(D->proto, OTW_PROTO_HTTP);
    assert_string_equal(D->name, "http");
    assert_int_equal(D->tcp_ports[0], 80);
    assert_int_equal(D->tcp_ports[1], 8080);
    assert_true(D->session_size <= OTW_SESSION_MAX_BYTES);
}

static void test_basic(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    /* "test:fail2" (the public capture ndpi_http_auth.pcap), refused */
    C2S("GET /password-ok.php HTTP/1.1\r\nHost: example\r\n"
        "Authorization: Basic dGVzdDpmYWlsMg==\r\n\r\n");
    assert_int_equal(r.n, 0);
    S2C("HTTP/1.1 401 Authorization Required\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\r\n");
    assert_int_equal(r.n, 1);
    assert_string_equal(r.creds[0].method, "Basic");
    assert_string_equal(r.creds[0].user, "test");
    assert_string_equal(r.secrets[0], "fail2");
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_FAILURE);
    /* "test:1:34": two blanks before the token, a colon in the password */
    C2S("GET / HTTP/1.1\r\nauthorization: Basic  dGVzdDoxOjM0\r\n\r\n");
    S2C("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n");
    S2C("hello");
    assert_int_equal(r.n, 2);
    assert_string_equal(r.creds[1].user, "test");
    assert_string_equal(r.secrets[1], "1:34");
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_SUCCESS);
    assert_no_secret(s, D->session_size, "1:34");
    free(s);
}

static void test_digest_and_others(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    C2S("GET /dir/index.html HTTP/1.1\r\nAuthorization: Digest username=\"Mufasa\", "
        "realm=\"testrealm@host.com\", nonce=\"dcd98b\", uri=\"/dir/index.html\", "
        "response=\"6629fae4\"\r\n\r\n");
    S2C("HTTP/1.1 302 Found\r\n\r\n");
    assert_int_equal(r.n, 1);
    assert_string_equal(r.creds[0].method, "Digest");
    assert_string_equal(r.creds[0].user, "Mufasa");
    assert_false(r.creds[0].has_secret);
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_SUCCESS);
    /* Bearer, NTLM: not cleartext; bad base64: ignored */
    C2S("GET / HTTP/1.1\r\nAuthorization: Bearer abc.def\r\n\r\n");
    C2S("GET / HTTP/1.1\r\nAuthorization: Basic !!!!\r\n\r\n");
    S2C("HTTP/1.1 200 OK\r\n\r\n");
    S2C("HTTP/1.1 200 OK\r\n\r\n");
    assert_int_equal(r.n, 1);
    /* Basic without a colon: a user, no secret */
    C2S("GET / HTTP/1.1\r\nAuthorization: Basic YWRtaW4=\r\n\r\n");
    S2C("HTTP/1.1 403 Forbidden\r\n\r\n");
    assert_int_equal(r.n, 2);
    assert_string_equal(r.creds[1].user, "admin");
    assert_false(r.creds[1].has_secret);
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_FAILURE);
    free(s);
}

static void test_pipelining_interim_body(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    /* YWRtaW46YWRtaW4= is admin:admin; dXNlcjpwdw== is user:pw */
    C2S("POST /a HTTP/1.1\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\nContent-Length: 20\r\n"
        "\r\nAuthorization: Basic\r\n"); /* a body line is not a header */
    C2S("GET /b HTTP/1.1\r\n\r\n");
    C2S("GET /c HTTP/1.1\r\nAuthorization: Basic dXNlcjpwdw==\r\n\r\n");
    S2C("HTTP/1.1 100 Continue\r\n\r\n");
    assert_int_equal(r.n, 0);
    S2C("HTTP/1.1 500 Internal Server Error\r\n\r\n"); /* /a: unknown */
    S2C("HTTP/1.1 401 Unauthorized\r\n\r\n");          /* /b: no credentials */
    S2C("HTTP/1.1 404 Not Found\r\n\r\n");             /* /c: unknown */
    assert_int_equal(r.n, 2);
    assert_string_equal(r.secrets[0], "admin");
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_UNKNOWN);
    assert_string_equal(r.creds[1].user, "user");
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_UNKNOWN);
    free(s);
}

static void test_tunnel_and_expiry(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    C2S("CONNECT plc:443 HTTP/1.1\r\nAuthorization: Basic dXNlcjpwdw==\r\n\r\n");
    S2C("HTTP/1.1 200 Connection established\r\n\r\n");
    assert_int_equal(r.n, 1);
    /* the tunnel's bytes are not HTTP any more */
    C2S("GET / HTTP/1.1\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\n\r\n");
    S2C("HTTP/1.1 200 OK\r\n\r\n");
    assert_int_equal(r.n, 1);
    free(s);
    s = session_new(D);
    C2S("GET / HTTP/1.1\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\n\r\n");
    D->expire(s, ts + 1, 10, &sink);
    assert_int_equal(r.n, 1);
    D->expire(s, ts + 1000, 10, &sink);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_UNKNOWN);
    /* more pipelined requests than the session holds: the oldest ends unknown */
    for (int i = 0; i < HTTP_MAX_PENDING + 2; i++)
        C2S("GET / HTTP/1.1\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\n\r\n");
    assert_int_equal(r.n, 4);
    D->expire(s, ts, 0, &sink);
    assert_int_equal(r.n, 2 + HTTP_MAX_PENDING + 2);
    assert_no_secret(s, D->session_size, "admin");
    free(s);
}

static void test_not_http(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint8_t bin[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, '\n'};
    assert_int_equal(D->parse(s, OTW_DIR_TO_SERVER, bin, sizeof(bin), 1, &sink),
                     OTW_PARSE_NOT_MINE);
    /* lowercase methods or missing versions are not request lines */
    uint64_t ts = 0;
    C2S("get / HTTP/1.1\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\n\r\n");
    C2S("GET /\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\n\r\n");
    S2C("HTTP/1.1 200 OK\r\n\r\n");
    assert_int_equal(r.n, 0);
    free(s);
}

static void test_hostile(void **state)
{
    (void)state;
    static const char req[] = "GET / HTTP/1.1\r\nAuthorization: Digest username=\"";
    static const char rsp[] = "HTTP/1.1 401 x\r\n";
    static const char basic[] = "Authorization: Basic YWRtaW46YWRtaW4=\r\n";
    hostile(D, (const uint8_t *)req, sizeof(req) - 1, OTW_DIR_TO_SERVER);
    hostile(D, (const uint8_t *)rsp, sizeof(rsp) - 1, OTW_DIR_TO_CLIENT);
    hostile(D, (const uint8_t *)basic, sizeof(basic) - 1, OTW_DIR_TO_SERVER);
    /* an Authorization line cut at every length after a request line */
    for (size_t n = 0; n < sizeof(basic) - 1; n++) {
        lrec r;
        otw_sink sink = lrec_sink(&r);
        void *s = session_new(D);
        uint64_t ts = 0;
        C2S("GET / HTTP/1.1\r\n");
        uint8_t *copy = malloc(n + 1);
        memcpy(copy, basic, n);
        (void)D->parse(s, OTW_DIR_TO_SERVER, copy, n, 1, &sink);
        free(copy);
        D->expire(s, 2, 0, &sink);
        free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_digest_and_others), cmocka_unit_test(test_pipelining_interim_body),
        cmocka_unit_test(test_tunnel_and_expiry), cmocka_unit_test(test_not_http),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
