/* test_telnet.c - Telnet login dissector (protocols/telnet.c): option
 * negotiation skipped (RFC 854/855), line mode and character-at-a-time
 * input with echo and editing, verdicts from the server's text, prompts
 * asked again, password-only devices, su/enable after login, expiry,
 * hostile input, nothing left in the session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "login_test.h"
#include "telnet.h"

#define D (&telnet_dissector)

static void test_descriptor(void **state)
{
    (void)state;
    assert_int_equal(D->proto, OTW_PROTO_TELNET);
    assert_string_equal(D->name, "telnet");
    assert_int_equal(D->tcp_ports[0], 23);
    assert_true(D->session_size <= OTW_SESSION_MAX_BYTES);
    assert_int_equal(D->frame_len((const uint8_t *)"abc", 3), 3); /* byte stream */
}

/* The OpenBSD session of the public capture ndpi_telnet.pcap, condensed:
 * options, "login: ", a line, options, "Password:", a line, "Last login". */
static void test_line_mode_success(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    /* IAC DO TERMINAL-TYPE, IAC SB TERMINAL-TYPE SEND IAC SE */
    static const uint8_t opt[] = {0xff, 0xfd, 0x18, 0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0};
    feed(D, s, OTW_DIR_TO_CLIENT, opt, sizeof(opt), ts, &sink);
    /* IAC SB TERMINAL-TYPE IS "xterm" IAC SE from the client */
    static const uint8_t tt[] = {0xff, 0xfa, 0x18, 0x00, 'x', 't', 'e', 'r', 'm', 0xff, 0xf0};
    feed(D, s, OTW_DIR_TO_SERVER, tt, sizeof(tt), ts, &sink);
    S2C("\r\nOpenBSD/i386 (oof) (ttyp2)\r\n\r\n");
    S2C("login: ");
    C2S("fake\r\n");
    static const uint8_t echo[] = {0xff, 0xfb, 0x01}; /* IAC WILL ECHO */
    feed(D, s, OTW_DIR_TO_CLIENT, echo, sizeof(echo), ts, &sink);
    S2C("Password:");
    C2S("user\r\n");
    assert_int_equal(r.n, 0);
    S2C("\r\n");
    assert_int_equal(r.n, 0); /* an empty line decides nothing */
    S2C("Last login: Sat Nov 27 20:11:43 on ttyp2 from bam.zing.org\r\n");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.creds[0].protocol, OTW_PROTO_TELNET);
    assert_string_equal(r.creds[0].user, "fake");
    assert_string_equal(r.secrets[0], "user");
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_SUCCESS);
    /* shell traffic afterwards is not a login */
    S2C("$ ");
    C2S("ls\r\n");
    S2C("a b c\r\n$ ");
    assert_int_equal(r.n, 1);
    assert_no_secret(s, D->session_size, "user\r");
    free(s);
}

/* Character at a time with server echo, a typo erased with backspace,
 * CR NUL line end, a refused password, then the shell prompt. */
static void test_char_mode(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    S2C("Username: ");
    const char *typed = "admx\x7fin";
    for (const char *p = typed; *p; p++) {
        feed(D, s, OTW_DIR_TO_SERVER, p, 1, ts += 10, &sink);
        if (*p != 0x7f)
            feed(D, s, OTW_DIR_TO_CLIENT, p, 1, ts += 10, &sink); /* echo */
        else
            S2C("\b \b");
    }
    static const uint8_t crnul[] = {'\r', 0};
    feed(D, s, OTW_DIR_TO_SERVER, crnul, 2, ts, &sink);
    S2C("\r\n");
    S2C("Password: ");
    const char *pw = "wrong";
    for (const char *p = pw; *p; p++)
        feed(D, s, OTW_DIR_TO_SERVER, p, 1, ts += 10, &sink); /* no echo */
    C2S("\r");
    S2C("\r\n% Authentication failed\r\n\r\nUsername: ");
    assert_int_equal(r.n, 1);
    assert_string_equal(r.creds[0].user, "admin");
    assert_string_equal(r.secrets[0], "wrong");
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_FAILURE);
    C2S("admin\r\n");
    S2C("admin\r\nPassword: ");
    C2S("admin\r\n");
    S2C("\r\nswitch01#");
    assert_int_equal(r.n, 2);
    assert_string_equal(r.secrets[1], "admin");
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_SUCCESS);
    free(s);
}

/* A new prompt after the password is a refusal; password-only devices;
 * enable/su after the login. */
static void test_prompts_again(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    S2C("\r\nUser Access Verification\r\n\r\nPassword: ");
    C2S("cisco\r\n");
    S2C("\r\nPassword: "); /* asked again: the first was wrong */
    assert_int_equal(r.n, 1);
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_FAILURE);
    assert_string_equal(r.creds[0].user, "");
    C2S("cisco123\r\n");
    S2C("\r\nrouter>");
    assert_int_equal(r.n, 2);
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_SUCCESS);
    C2S("enable\r\n");
    S2C("enable\r\nPassword: ");
    C2S("class\r\n");
    S2C("\r\nrouter#");
    assert_int_equal(r.n, 3);
    assert_string_equal(r.secrets[2], "class");
    assert_int_equal(r.creds[2].outcome, OTW_LOGIN_SUCCESS);
    /* login: asked again right after the password = refused */
    S2C("\r\nlogin: ");
    C2S("root\r\n");
    S2C("Password:");
    C2S("toor\r\n");
    S2C("\r\nlogin: ");
    assert_int_equal(r.n, 4);
    assert_int_equal(r.creds[3].outcome, OTW_LOGIN_FAILURE);
    free(s);
}

static void test_no_password(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    S2C("login: ");
    C2S("guest\r\n");
    S2C("\r\nBusyBox v1.30 built-in shell\r\n# ");
    assert_int_equal(r.n, 1);
    assert_true(r.creds[0].secret_is_none);
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_SUCCESS);
    free(s);
}

static void test_editing_and_cancel(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    S2C("login: ");
    C2S("garbage\x15root\r\n"); /* ^U erases the line */
    S2C("Password: ");
    C2S("abc\x03"); /* ^C: given up */
    S2C("\r\nlogin: ");
    assert_int_equal(r.n, 0);
    C2S("root\r\n");
    S2C("Password: ");
    C2S("pw\r\n");
    D->expire(s, ts + 1, 10, &sink); /* not yet */
    assert_int_equal(r.n, 0);
    D->expire(s, ts + 100, 10, &sink);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.creds[0].user, "root");
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_UNKNOWN);
    assert_no_secret(s, D->session_size, "pw\r");
    free(s);
}

static void test_iac_escape(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint64_t ts = 0;
    S2C("Password: ");
    /* IAC IAC is a data byte 255 inside the password; IAC NOP is nothing */
    static const uint8_t pw[] = {'a', 0xff, 0xff, 'b', 0xff, 0xf1, 'c', '\r', '\n'};
    feed(D, s, OTW_DIR_TO_SERVER, pw, sizeof(pw), ts, &sink);
    S2C("Login incorrect\r\n");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.creds[0].secret_len, 4);
    assert_memory_equal(r.secrets[0],
                        "a\xff"
                        "bc",
                        4);
    free(s);
}

static void test_hostile(void **state)
{
    (void)state;
    static const uint8_t srv[] = {0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0, 'l',  'o', 'g',
                                  'i',  'n',  ':',  ' ',  0xff, 0xfb, 0x01, 'P', 'a',
                                  's',  's',  'w',  'o',  'r',  'd',  ':',  0xff};
    hostile(D, srv, sizeof(srv), OTW_DIR_TO_CLIENT);
    hostile(D, srv, sizeof(srv), OTW_DIR_TO_SERVER);
    /* a very long server line and a long password stay bounded */
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint8_t *big = malloc(5000);
    memset(big, 'x', 5000);
    feed(D, s, OTW_DIR_TO_CLIENT, big, 5000, 1, &sink);
    feed(D, s, OTW_DIR_TO_CLIENT, "Password: ", 10, 2, &sink);
    feed(D, s, OTW_DIR_TO_SERVER, big, 5000, 3, &sink);
    feed(D, s, OTW_DIR_TO_SERVER, "\r\n", 2, 4, &sink);
    feed(D, s, OTW_DIR_TO_CLIENT, "Login incorrect\r\n", 17, 5, &sink);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.creds[0].secret_len, CLT_SECRET_MAX);
    free(big);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),  cmocka_unit_test(test_line_mode_success),
        cmocka_unit_test(test_char_mode),   cmocka_unit_test(test_prompts_again),
        cmocka_unit_test(test_no_password), cmocka_unit_test(test_editing_and_cancel),
        cmocka_unit_test(test_iac_escape),  cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
