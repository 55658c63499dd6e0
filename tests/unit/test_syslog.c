/* test_syslog.c - unit tests for the RFC 5424 syslog sender (sensor/syslog_out.c):
 * the pure formatter with hostile input, and loopback UDP/TCP delivery. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "syslog_out.h"

#define TS 1795449670123456ULL /* 2026-11-23T16:01:10.123456Z */
#define BOM "\xEF\xBB\xBF"

static void test_format_basic(void **state)
{
    (void)state;
    char out[1024];
    const char *sd[] = {"ip", "10.0.0.5", "mac", "00:0e:8c:01:02:03", NULL};
    size_t n = otw_syslog_format(out, sizeof(out), "sensor1", "otwatch", 4242, 4, TS, "NEW_ASSET",
                                 sd, "new asset 10.0.0.5");
    assert_string_equal(out, "<132>1 2026-11-23T16:01:10.123456Z sensor1 otwatch 4242 NEW_ASSET "
                             "[otwatch@32473 ip=\"10.0.0.5\" mac=\"00:0e:8c:01:02:03\"] " BOM
                             "new asset 10.0.0.5");
    assert_int_equal(n, strlen(out));

    /* Nil values everywhere. */
    n = otw_syslog_format(out, sizeof(out), NULL, "", 0, 0, 0, NULL, NULL, NULL);
    assert_string_equal(out, "<128>1 - - - - - -");
    assert_int_equal(n, strlen(out));
    const char *empty[] = {NULL};
    otw_syslog_format(out, sizeof(out), "h", "a", 1, 7, TS, "M", empty, "");
    assert_string_equal(out, "<135>1 2026-11-23T16:01:10.123456Z h a 1 M -");
    /* Severity clamped. */
    otw_syslog_format(out, sizeof(out), "h", "a", 1, 99, 0, "M", NULL, NULL);
    assert_string_equal(out, "<135>1 - h a 1 M -");
    otw_syslog_format(out, sizeof(out), "h", "a", 1, -5, 0, "M", NULL, NULL);
    assert_string_equal(out, "<128>1 - h a 1 M -");
}

static void test_format_hostile(void **state)
{
    (void)state;
    char out[2048];
    /* Header fields: spaces, controls, non-ASCII, overlong. */
    const char *sd[] = {"na me=\"]x",
                        "q\"uo\\te]\n\x01\xff end",
                        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                        "v",
                        "",
                        "empty-name",
                        NULL};
    otw_syslog_format(out, sizeof(out), "host name\n", "app]x", 7, 3, TS,
                      "MSG ID\xc3\xa9-0123456789012345678901234567890123456789", sd,
                      "line1\nline2\r\t\xe2\x82\xac \xc0\xaf end");
    assert_string_equal(out, "<131>1 2026-11-23T16:01:10.123456Z host_name_ app]x 7 "
                             "MSG_ID__-01234567890123456789012 "
                             "[otwatch@32473 na_me___x=\"q\\\"uo\\\\te\\]  \xEF\xBF\xBD end\" "
                             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\"v\" _=\"empty-name\"] " BOM
                             "line1 line2  \xe2\x82\xac \xEF\xBF\xBD\xEF\xBF\xBD end");

    /* Odd number of SD strings: the last name gets an empty value. */
    const char *odd[] = {"a", "1", "b", NULL};
    otw_syslog_format(out, sizeof(out), "h", "a", 1, 6, 0, "M", odd, NULL);
    assert_string_equal(out, "<134>1 - h a 1 M [otwatch@32473 a=\"1\" b=\"\"]");

    /* Hostname and app name limits (255 and 48). */
    char longname[400];
    memset(longname, 'h', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    size_t n = otw_syslog_format(out, sizeof(out), longname, longname, 1, 6, 0, "M", NULL, NULL);
    assert_int_equal(n, strlen("<134>1 - ") + 255 + 1 + 48 + strlen(" 1 M -"));
}

static void test_format_truncation(void **state)
{
    (void)state;
    char out[128], ref[256];
    const char *sd[] = {"k", "v", NULL};
    const char *msg = "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
                      "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac";
    size_t full = otw_syslog_format(ref, sizeof(ref), "h", "a", 1, 6, TS, "M", sd, msg);
    size_t hdr = otw_syslog_format(ref, sizeof(ref), "h", "a", 1, 6, TS, "M", sd, NULL);
    assert_true(full > hdr);
    otw_syslog_format(ref, sizeof(ref), "h", "a", 1, 6, TS, "M", sd, msg);
    for (size_t cap = 1; cap <= full + 1 && cap <= sizeof(out); cap++) {
        memset(out, 'Z', sizeof(out));
        size_t n = otw_syslog_format(out, cap, "h", "a", 1, 6, TS, "M", sd, msg);
        for (size_t i = cap; i < sizeof(out); i++)
            assert_int_equal(out[i], 'Z');
        if (cap <= hdr) {
            assert_int_equal(n, 0); /* header + SD do not fit */
            continue;
        }
        assert_true(n < cap);
        assert_int_equal(strlen(out), n);
        assert_memory_equal(out, ref, n); /* a prefix of the full message ... */
        if (n > hdr + 4)
            assert_int_equal((n - hdr - 4) % 3, 0); /* ... cut between characters */
    }
    assert_int_equal(otw_syslog_format(out, 0, "h", "a", 1, 6, TS, "M", sd, msg), 0);
}

/* ---- loopback ---- */

static int listen_socket(int type, uint16_t *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    if (type == SOCK_STREAM)
        assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static bool readable(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, ms) == 1;
}

static void config_for(otw_config *c, otw_syslog_transport t, uint16_t port)
{
    otw_config_defaults(c);
    c->syslog_enabled = true;
    c->syslog_transport = t;
    c->syslog_port = port;
    snprintf(c->syslog_app_name, sizeof(c->syslog_app_name), "otw-test");
}

/* Expected message as the sender formats it (its hostname and pid). */
static size_t expected(char *out, size_t outsz, int sev, const char *msgid, const char *const *sd,
                       const char *msg)
{
    char host[256] = "";
    gethostname(host, sizeof(host) - 1);
    return otw_syslog_format(out, outsz, host, "otw-test", (int)getpid(), sev, TS, msgid, sd, msg);
}

static void test_udp_loopback(void **state)
{
    (void)state;
    uint16_t port;
    int srv = listen_socket(SOCK_DGRAM, &port);
    otw_config c;
    char err[256], want[1024], got[2048];
    config_for(&c, OTW_SYSLOG_UDP, port);
    otw_syslog *s = otw_syslog_open(&c, err, sizeof(err));
    assert_non_null(s);
    assert_string_equal(err, "");

    const char *sd[] = {"ip", "192.168.1.10", NULL};
    assert_int_equal(otw_syslog_send(s, 5, TS, "NEW_ASSET", sd, "new asset"), 0);
    assert_true(readable(srv, 2000));
    ssize_t r = recv(srv, got, sizeof(got), 0);
    size_t n = expected(want, sizeof(want), 5, "NEW_ASSET", sd, "new asset");
    assert_int_equal(r, (ssize_t)n);
    assert_memory_equal(got, want, n);
    assert_memory_equal(got, "<133>1 2026-11-23T16:01:10.123456Z ", 35);

    uint64_t sent, failed;
    otw_syslog_stats(s, &sent, &failed);
    assert_int_equal(sent, 1);
    assert_int_equal(failed, 0);

    /* Collector gone: the ICMP refusal fails the next send at most once
     * per datagram and never blocks. */
    close(srv);
    for (int i = 0; i < 3; i++)
        otw_syslog_send(s, 5, TS, "X", NULL, "y");
    otw_syslog_stats(s, &sent, &failed);
    assert_int_equal(sent + failed, 4);
    otw_syslog_close(s);
}

static void recv_frame(int fd, char *buf, size_t bufsz, size_t *len)
{
    /* "LEN SP MSG": read the length, then exactly LEN bytes. */
    size_t got = 0, need = 0;
    for (;;) {
        assert_true(readable(fd, 2000));
        assert_true(got < bufsz);
        ssize_t r = recv(fd, buf + got, 1, 0);
        assert_int_equal(r, 1);
        if (buf[got] == ' ')
            break;
        assert_true(buf[got] >= '0' && buf[got] <= '9');
        need = need * 10 + (size_t)(buf[got] - '0');
        got++;
    }
    assert_true(got > 0 && need > 0 && need < bufsz);
    got = 0;
    while (got < need) {
        assert_true(readable(fd, 2000));
        ssize_t r = recv(fd, buf + got, need - got, 0);
        assert_true(r > 0);
        got += (size_t)r;
    }
    *len = need;
}

static void test_tcp_loopback(void **state)
{
    (void)state;
    uint16_t port;
    int srv = listen_socket(SOCK_STREAM, &port);
    otw_config c;
    char err[256], want[1024], got[2048];
    size_t len;
    config_for(&c, OTW_SYSLOG_TCP, port);
    otw_syslog *s = otw_syslog_open(&c, err, sizeof(err));
    assert_non_null(s);
    assert_string_equal(err, "");
    int conn = accept(srv, NULL, NULL);
    assert_true(conn >= 0);

    const char *sd[] = {"unit", "1", "fc", "6", NULL};
    const char *msgs[] = {"first", "second with ] and \"", "third\nline"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(otw_syslog_send(s, 4, TS, "MODBUS_WRITE", sd, msgs[i]), 0);
    for (int i = 0; i < 3; i++) {
        recv_frame(conn, got, sizeof(got), &len);
        size_t n = expected(want, sizeof(want), 4, "MODBUS_WRITE", sd, msgs[i]);
        assert_int_equal(len, n);
        assert_memory_equal(got, want, n);
    }

    /* The collector drops the connection: the next send reconnects. */
    close(conn);
    usleep(20000);
    assert_int_equal(otw_syslog_send(s, 4, TS, "AGAIN", NULL, "after reconnect"), 0);
    assert_true(readable(srv, 2000));
    conn = accept(srv, NULL, NULL);
    assert_true(conn >= 0);
    recv_frame(conn, got, sizeof(got), &len);
    size_t n = expected(want, sizeof(want), 4, "AGAIN", NULL, "after reconnect");
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);

    /* Collector gone entirely: the send fails and is counted. */
    close(conn);
    close(srv);
    usleep(20000);
    assert_int_equal(otw_syslog_send(s, 4, TS, "LOST", NULL, "x"), -1);
    uint64_t sent, failed;
    otw_syslog_stats(s, &sent, &failed);
    assert_int_equal(sent, 4);
    assert_int_equal(failed, 1);
    otw_syslog_close(s);
}

static void test_open_errors(void **state)
{
    (void)state;
    otw_config c;
    char err[256];
    uint16_t port;
    /* Nothing listening on TCP: opens with a warning, sends fail. */
    int srv = listen_socket(SOCK_STREAM, &port);
    close(srv);
    config_for(&c, OTW_SYSLOG_TCP, port);
    otw_syslog *s = otw_syslog_open(&c, err, sizeof(err));
    assert_non_null(s);
    assert_non_null(strstr(err, "cannot connect to 127.0.0.1:"));
    assert_int_equal(otw_syslog_send(s, 3, TS, "X", NULL, NULL), -1);
    otw_syslog_close(s);

    config_for(&c, OTW_SYSLOG_UDP, 514);
    snprintf(c.syslog_host, sizeof(c.syslog_host), "no such host.invalid");
    assert_null(otw_syslog_open(&c, err, sizeof(err)));
    assert_non_null(strstr(err, "cannot resolve no such host.invalid"));
    otw_syslog_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_basic),      cmocka_unit_test(test_format_hostile),
        cmocka_unit_test(test_format_truncation), cmocka_unit_test(test_udp_loopback),
        cmocka_unit_test(test_tcp_loopback),      cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
