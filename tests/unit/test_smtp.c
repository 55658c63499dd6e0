/* test_smtp.c - SMTP login dissector (protocols/smtp.c): AUTH PLAIN/LOGIN
 * (RFC 4954) with 334 continuations and 235/535 results, multi-line
 * replies, the DATA section skipped, STARTTLS, expiry, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "login_test.h"
#include "smtp.h"

#define D (&smtp_dissector)

static void test_descriptor(void **state)
{
    (void)state;
    assert_int_equal(D->proto, OTW_PROTO_SMTP);
    assert_string_equal(D->name, "smtp");
    assert_int_equal(D->tcp_ports[0], 25);
    assert_int_equal(D->tcp_ports[1], 587);
    assert_true(D->session_size <= OTW_SESSION_MAX_BYTES);
}

static void test_auth(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    S2C("220 mail.example ESMTP\r\n");
    C2S("EHLO plc\r\n");
    S2C("250-mail.example\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n");
    C2S("AUTH PLAIN AHRlc3QAdGVzdHBhc3M=\r\n"); /* "\0test\0testpass" */
    S2C("535-5.7.8 Authentication credentials invalid\r\n");
    assert_int_equal(r.n, 0); /* judged on the last line */
    S2C("535 5.7.8 really\r\n");
    assert_int_equal(r.n, 1);
    assert_string_equal(r.creds[0].method, "AUTH PLAIN");
    assert_string_equal(r.creds[0].user, "test");
    assert_string_equal(r.secrets[0], "testpass");
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_FAILURE);
    C2S("AUTH LOGIN\r\n");
    S2C("334 VXNlcm5hbWU6\r\n");
    C2S("dGVzdA==\r\n");
    S2C("334 UGFzc3dvcmQ6\r\n");
    C2S("dGVzdHBhc3M=\r\n");
    S2C("235 2.7.0 Authentication successful\r\n");
    assert_int_equal(r.n, 2);
    assert_string_equal(r.creds[1].method, "AUTH LOGIN");
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_SUCCESS);
    /* the message text is not read: "AUTH" lines in a body are mail */
    C2S("MAIL FROM:<a@b>\r\n");
    S2C("250 ok\r\n");
    C2S("DATA\r\n");
    S2C("354 go ahead\r\n");
    C2S("AUTH PLAIN AHRlc3QAdGVzdHBhc3M=\r\n.\r\n");
    S2C("250 queued\r\n");
    assert_int_equal(r.n, 2);
    assert_no_secret(s, D->session_size, "testpass");
    free(s);
}

static void test_starttls_and_expiry(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    C2S("STARTTLS\r\n");
    S2C("220 2.0.0 Ready to start TLS\r\n");
    C2S("AUTH PLAIN AHRlc3QAdGVzdHBhc3M=\r\n");
    S2C("235 ok\r\n");
    assert_int_equal(r.n, 0);
    free(s);
    s = session_new(D);
    C2S("AUTH PLAIN AHRlc3QAdGVzdHBhc3M=\r\n");
    D->expire(s, ts + 100, 10, &sink);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_UNKNOWN);
    free(s);
}

static void test_hostile(void **state)
{
    (void)state;
    static const char a[] = "AUTH LOGIN dGVzdA==\r\n";
    static const char b[] = "334-x\r\n";
    hostile(D, (const uint8_t *)a, sizeof(a) - 1, OTW_DIR_TO_SERVER);
    hostile(D, (const uint8_t *)b, sizeof(b) - 1, OTW_DIR_TO_CLIENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_starttls_and_expiry),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
