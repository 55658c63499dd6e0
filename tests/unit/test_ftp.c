/* test_ftp.c - FTP login dissector (protocols/ftp.c): RFC 959 USER/PASS
 * sequences and reply codes, multi-line replies, AUTH TLS, midstream,
 * expiry, hostile input, no secret left in the session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ftp.h"
#include "login_test.h"

#define D (&ftp_dissector)

static void test_descriptor(void **state)
{
    (void)state;
    assert_int_equal(D->proto, OTW_PROTO_FTP);
    assert_string_equal(D->name, "ftp");
    assert_int_equal(D->tcp_ports[0], 21);
    assert_false(D->industrial);
    assert_true(D->session_size <= OTW_SESSION_MAX_BYTES);
    /* line framing: a line with its LF, NEED_MORE without one */
    assert_int_equal(D->frame_len((const uint8_t *)"USER a\r\nPASS", 12), 8);
    assert_int_equal(D->frame_len((const uint8_t *)"USER a", 6), OTW_FRAME_NEED_MORE);
}

static void test_success(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    S2C("220 (vsFTPd 3.0.3)\r\n");
    C2S("USER admin\r\n");
    S2C("331 Please specify the password.\r\n");
    assert_int_equal(r.n, 0);
    C2S("PASS s3cr3t pass\r\n"); /* the whole rest of the line is the password */
    assert_int_equal(r.n, 0);    /* held until the reply */
    S2C("230 Login successful.\r\n");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.creds[0].protocol, OTW_PROTO_FTP);
    assert_string_equal(r.creds[0].method, "USER/PASS");
    assert_string_equal(r.creds[0].user, "admin");
    assert_true(r.creds[0].has_secret);
    assert_string_equal(r.secrets[0], "s3cr3t pass");
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_SUCCESS);
    assert_no_secret(s, D->session_size, "s3cr3t");
    free(s);
}

static void test_failure_and_retry(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    C2S("USER bro\r\n");
    S2C("331 Password required for bro.\r\n");
    C2S("PASS 1\r\n");
    S2C("530 Login incorrect.\r\n");
    C2S("USER bro\r\n");
    S2C("331 Password required for bro.\r\n");
    C2S("PASS 2\r\n");
    S2C("530 Login incorrect.\r\n");
    assert_int_equal(r.n, 2);
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_FAILURE);
    assert_string_equal(r.secrets[1], "2");
    assert_string_equal(r.creds[1].user, "bro");
    assert_no_secret(s, D->session_size, "PASS");
    free(s);
}

static void test_user_refused(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    C2S("USER hello\r\n");
    S2C("530 This FTP server is anonymous only.\r\n");
    assert_int_equal(r.n, 1);
    assert_false(r.creds[0].has_secret);
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_FAILURE);
    /* USER answered by 230 at once: in without a password */
    C2S("USER guest\r\n");
    S2C("230 Logged in.\r\n");
    assert_int_equal(r.n, 2);
    assert_true(r.creds[1].secret_is_none);
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_SUCCESS);
    free(s);
}

static void test_multiline(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    S2C("220-Welcome\r\n230 looks like a code but is inside the banner? no: first line\r\n");
    C2S("USER u\r\n");
    S2C("331 ok\r\n");
    C2S("PASS p\r\n");
    /* multi-line 230: judged on the first line; the middle lines do not count */
    S2C("230-Welcome to the PLC\r\n 530 not a reply line\r\n230 Login successful.\r\n");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_SUCCESS);
    free(s);
}

static void test_auth_tls(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    C2S("AUTH TLS\r\n");
    S2C("234 Proceed with negotiation.\r\n");
    /* encrypted from here: even text-looking bytes are not read */
    C2S("USER x\r\n");
    C2S("PASS y\r\n");
    S2C("230 ok\r\n");
    assert_int_equal(r.n, 0);
    free(s);
    /* AUTH refused: still cleartext */
    s = session_new(D);
    C2S("AUTH TLS\r\n");
    S2C("530 Please login with USER and PASS.\r\n");
    C2S("USER x\r\nPASS y\r\n");
    S2C("230 ok\r\n");
    assert_int_equal(r.n, 1);
    free(s);
}

static void test_midstream_and_expiry(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    C2S("PASS onlythis\r\n"); /* capture started after USER */
    S2C("230 ok\r\n");
    assert_int_equal(r.n, 1);
    assert_string_equal(r.creds[0].user, "");
    assert_string_equal(r.secrets[0], "onlythis");
    /* no reply: expires as unknown after the timeout, not before */
    C2S("USER a\r\n");
    S2C("331 ok\r\n");
    C2S("PASS b\r\n");
    D->expire(s, ts + 5, 10, &sink);
    assert_int_equal(r.n, 1);
    D->expire(s, ts + 100, 10, &sink);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_UNKNOWN);
    assert_string_equal(r.secrets[1], "b");
    /* waiting for the user to type a password is not a timeout */
    C2S("USER c\r\n");
    S2C("331 ok\r\n");
    D->expire(s, ts + 100000000, 10, &sink);
    assert_int_equal(r.n, 2);
    D->expire(s, ts + 100000000, 0, &sink); /* flow end */
    assert_int_equal(r.n, 3);
    assert_false(r.creds[2].has_secret);
    free(s);
}

static void test_not_ftp(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    static const uint8_t tls[] = {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, '\n'};
    uint8_t *copy = malloc(sizeof(tls));
    memcpy(copy, tls, sizeof(tls));
    assert_int_equal(D->parse(s, OTW_DIR_TO_SERVER, copy, sizeof(tls), 1, &sink),
                     OTW_PARSE_NOT_MINE);
    free(copy);
    free(s);
}

static void test_hostile(void **state)
{
    (void)state;
    static const char c[] = "USER admin\r\n";
    static const char p[] = "PASS secret\r\n";
    static const char rep[] = "230-ok\r\n";
    hostile(D, (const uint8_t *)c, sizeof(c) - 1, OTW_DIR_TO_SERVER);
    hostile(D, (const uint8_t *)p, sizeof(p) - 1, OTW_DIR_TO_SERVER);
    hostile(D, (const uint8_t *)rep, sizeof(rep) - 1, OTW_DIR_TO_CLIENT);
    /* an overlong line is cut at CLT_MAX_LINE */
    uint8_t *big = malloc(CLT_MAX_LINE + 10);
    memset(big, 'A', CLT_MAX_LINE + 10);
    assert_int_equal(D->frame_len(big, CLT_MAX_LINE + 10), CLT_MAX_LINE);
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    memcpy(big, "PASS ", 5);
    assert_int_equal(D->parse(s, OTW_DIR_TO_SERVER, big, CLT_MAX_LINE, 1, &sink), OTW_PARSE_OK);
    uint8_t ok[] = "230 ok\r\n";
    assert_int_equal(D->parse(s, OTW_DIR_TO_CLIENT, ok, sizeof(ok) - 1, 2, &sink), OTW_PARSE_OK);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.creds[0].secret_len, CLT_SECRET_MAX); /* held cut */
    free(s);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_success),
        cmocka_unit_test(test_failure_and_retry),
        cmocka_unit_test(test_user_refused),
        cmocka_unit_test(test_multiline),
        cmocka_unit_test(test_auth_tls),
        cmocka_unit_test(test_midstream_and_expiry),
        cmocka_unit_test(test_not_ftp),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
