/* test_syslog.c - unit tests for the syslog sender (sensor/output/syslog_out.c): the
 * RFC 5424 and RFC 3164 formatters with hostile input, and loopback UDP/TCP
 * delivery through the spool: in order, exactly once, across a collector
 * that goes away and comes back, and across a sender restart; drops told
 * once by the next process that reaches the collector; a full spool disk
 * (tmpfs, when root) delays nothing and re-sends nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
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
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1;
    assert_true(fd >= 0);
    /* Listening again on the same port later (collector restarts). */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
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

static void test_format_3164_and_payload(void **state)
{
    (void)state;
    char out[512];
    setenv("TZ", "UTC", 1);
    tzset();
    /* Day space-padded, host without domain, TAG alphanumeric only. */
    size_t n = otw_syslog_format3164(out, sizeof(out), "plc-gw.example.org", "otw-test", 42, 3,
                                     1767600000000000ULL, "CEF:0|a|b", 9);
    assert_string_equal(out, "<131>Jan  5 08:00:00 plc-gw otwtest[42]: CEF:0|a|b");
    assert_int_equal(n, strlen(out));
    n = otw_syslog_format3164(out, sizeof(out), "", "", 0, 99, TS, "x", 1);
    assert_string_equal(out, "<135>Nov 23 16:01:10 - otwatch: x");
    assert_int_equal(otw_syslog_format3164(out, 20, "h", "t", 1, 3, TS, "x", 1), 0);

    /* RFC 5424 with a payload: no SD, no BOM, payload whole or nothing. */
    n = otw_syslog_format_payload(out, sizeof(out), "h", "otwatch", 7, 2, TS, "SCAN", "{\"a\":1}",
                                  7);
    assert_string_equal(out, "<130>1 2026-11-23T16:01:10.123456Z h otwatch 7 SCAN - {\"a\":1}");
    assert_int_equal(n, strlen(out));
    assert_int_equal(
        otw_syslog_format_payload(out, n, "h", "otwatch", 7, 2, TS, "SCAN", "{\"a\":1}", 7), 0);
}

/* ---- loopback through the spool ---- */

static char spool_dir[64];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(spool_dir, sizeof(spool_dir), "/tmp/otw-syslog-XXXXXX");
    assert_non_null(mkdtemp(spool_dir));
    return 0;
}

static int teardown_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", spool_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void recv_frame(int fd, char *buf, size_t bufsz, size_t *len)
{
    /* "LEN SP MSG": read the length, then exactly LEN bytes. */
    size_t got = 0, need = 0;
    for (;;) {
        assert_true(readable(fd, 5000));
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
        assert_true(readable(fd, 5000));
        ssize_t r = recv(fd, buf + got, need - got, 0);
        assert_true(r > 0);
        got += (size_t)r;
    }
    buf[need] = '\0';
    *len = need;
}

static void expect_frame(int fd, const char *want)
{
    char got[1024];
    size_t len;
    recv_frame(fd, got, sizeof(got), &len);
    assert_string_equal(got, want);
}

static void enqueue(otw_syslog *s, const char *m)
{
    assert_int_equal(otw_syslog_enqueue(s, m, strlen(m)), 0);
}

static void test_udp_loopback(void **state)
{
    (void)state;
    uint16_t port;
    int srv = listen_socket(SOCK_DGRAM, &port);
    otw_config c;
    char err[256], got[2048];
    config_for(&c, OTW_SYSLOG_UDP, port);
    otw_syslog *s = otw_syslog_open(&c, spool_dir, err, sizeof(err));
    assert_non_null(s);
    assert_string_equal(err, "");

    const char *msgs[] = {"<133>1 - h a 1 A - one", "<133>1 - h a 1 B - two"};
    for (int i = 0; i < 2; i++)
        enqueue(s, msgs[i]);
    for (int i = 0; i < 2; i++) {
        assert_true(readable(srv, 5000));
        ssize_t r = recv(srv, got, sizeof(got), 0);
        assert_int_equal(r, (ssize_t)strlen(msgs[i]));
        assert_memory_equal(got, msgs[i], (size_t)r);
    }
    assert_int_equal(otw_syslog_drain(s, 2000), 0);
    otw_syslog_stats st;
    otw_syslog_get_stats(s, &st);
    assert_int_equal(st.queued, 2);
    assert_int_equal(st.sent, 2);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.dropped, 0);
    close(srv);
    otw_syslog_close(s);
}

static void test_tcp_collector_away(void **state)
{
    (void)state;
    uint16_t port;
    int srv = listen_socket(SOCK_STREAM, &port);
    otw_config c;
    char err[256];
    config_for(&c, OTW_SYSLOG_TCP, port);
    otw_syslog *s = otw_syslog_open(&c, spool_dir, err, sizeof(err));
    assert_non_null(s);
    enqueue(s, "first");
    assert_true(readable(srv, 5000));
    int conn = accept(srv, NULL, NULL);
    assert_true(conn >= 0);
    enqueue(s, "second with ] and \"");
    enqueue(s, "third");
    expect_frame(conn, "first");
    expect_frame(conn, "second with ] and \"");
    expect_frame(conn, "third");
    assert_int_equal(otw_syslog_drain(s, 5000), 0);

    /* The collector drops the connection: the sender reconnects. */
    close(conn);
    usleep(50000);
    enqueue(s, "after reconnect");
    assert_true(readable(srv, 5000));
    conn = accept(srv, NULL, NULL);
    assert_true(conn >= 0);
    expect_frame(conn, "after reconnect");
    assert_int_equal(otw_syslog_drain(s, 5000), 0);

    /* Collector gone entirely: messages wait in the spool, in order. */
    close(conn);
    close(srv);
    usleep(50000);
    enqueue(s, "while away 1");
    enqueue(s, "while away 2");
    assert_int_equal(otw_syslog_drain(s, 3000), -1);
    otw_syslog_stats st;
    otw_syslog_get_stats(s, &st);
    assert_int_equal(st.pending, 2);
    assert_true(st.failed >= 1);

    /* It comes back on the same port: both arrive once, in order. */
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port)};
    srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    assert_int_equal(bind(srv, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(srv, 4), 0);
    assert_int_equal(otw_syslog_drain(s, 8000), 0);
    assert_true(readable(srv, 5000));
    conn = accept(srv, NULL, NULL);
    assert_true(conn >= 0);
    expect_frame(conn, "while away 1");
    expect_frame(conn, "while away 2");
    assert_false(readable(conn, 200)); /* nothing twice */
    otw_syslog_get_stats(s, &st);
    assert_int_equal(st.sent, 6);
    assert_int_equal(st.pending, 0);
    otw_syslog_close(s);
    close(conn);
    close(srv);
}

static void test_restart_delivers_spool_first(void **state)
{
    (void)state;
    uint16_t port;
    int srv = listen_socket(SOCK_STREAM, &port);
    close(srv); /* nobody listening yet */
    otw_config c;
    char err[256];
    config_for(&c, OTW_SYSLOG_TCP, port);
    otw_syslog *s = otw_syslog_open(&c, spool_dir, err, sizeof(err));
    assert_non_null(s);
    enqueue(s, "old 1");
    enqueue(s, "old 2");
    otw_syslog_close(s); /* gives up quickly: nothing to connect to */

    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port)};
    srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    assert_int_equal(bind(srv, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(srv, 4), 0);
    s = otw_syslog_open(&c, spool_dir, err, sizeof(err));
    assert_non_null(s);
    otw_syslog_stats st;
    otw_syslog_get_stats(s, &st);
    /* The earlier run's two: still spooled or already out (the sender may
     * deliver both before this line). */
    assert_true(st.pending + st.sent >= 2);
    enqueue(s, "new 1");
    assert_true(readable(srv, 5000));
    int conn = accept(srv, NULL, NULL);
    assert_true(conn >= 0);
    expect_frame(conn, "old 1");
    expect_frame(conn, "old 2");
    expect_frame(conn, "new 1");
    assert_int_equal(otw_syslog_drain(s, 5000), 0);
    otw_syslog_close(s);
    close(conn);
    close(srv);
}

static void test_spool_full(void **state)
{
    (void)state;
    uint16_t port;
    int srv = listen_socket(SOCK_STREAM, &port);
    close(srv); /* the collector is down */
    otw_config c;
    char err[256], msg[1100];
    config_for(&c, OTW_SYSLOG_TCP, port);
    c.syslog_spool_mb = 1;
    otw_syslog *s = otw_syslog_open(&c, spool_dir, err, sizeof(err));
    assert_non_null(s);
    memset(msg, 'x', sizeof(msg));
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(msg, sizeof(msg), "message %04d ", i);
        msg[n] = 'x';
        assert_int_equal(otw_syslog_enqueue(s, msg, 1000), 0);
    }
    assert_int_equal(otw_syslog_drain(s, 3000), -1); /* a connect attempt fails */
    otw_syslog_stats st;
    otw_syslog_get_stats(s, &st);
    assert_true(st.dropped > 1500);
    /* Nothing is announced to a collector that cannot be reached. */
    assert_int_equal(st.dropped + st.pending, 3000);

    /* The collector returns: the newest messages, in order, then one notice
     * counting every drop. Appending the notice to the full spool may drop
     * the oldest message once more. */
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port)};
    srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    assert_int_equal(bind(srv, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(srv, 4), 0);
    otw_syslog_drain(s, 0); /* nudge: retry now */
    assert_true(readable(srv, 5000));
    int conn = accept(srv, NULL, NULL);
    assert_true(conn >= 0);
    char got[2048];
    size_t len;
    int first = (int)(3000 - st.pending), next = -1;
    for (;;) {
        recv_frame(conn, got, sizeof(got), &len);
        if (len != 1000)
            break; /* the notice */
        int i = -1;
        assert_int_equal(sscanf(got, "message %d ", &i), 1);
        if (next < 0) {
            assert_true(i == first || i == first + 1);
            next = i;
        }
        assert_int_equal(i, next);
        next++;
    }
    assert_int_equal(next, 3000);
    assert_non_null(strstr(got, " SYSLOG_SPOOL_DROPPED [otwatch@32473 "));
    assert_non_null(
        strstr(got, " alert message(s) were dropped from the syslog spool (full at 1 MB)"));
    char count[64];
    snprintf(count, sizeof(count), "count=\"%d\"", first);
    assert_non_null(strstr(got, count)); /* all of them, in one notice */
    assert_int_equal(otw_syslog_drain(s, 5000), 0);
    otw_syslog_close(s);
    close(conn);
    close(srv);
}

/* A collector listening again on port. */
static int relisten(uint16_t port)
{
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port)};
    int srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    assert_int_equal(bind(srv, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(srv, 4), 0);
    return srv;
}

static int accept_one(int srv)
{
    assert_true(readable(srv, 5000));
    int conn = accept(srv, NULL, NULL);
    assert_true(conn >= 0);
    return conn;
}

/* Message i: "message NNNN " padded with 'x' to 1000 bytes. */
static void enqueue_n(otw_syslog *s, int i)
{
    char msg[1000];
    memset(msg, 'x', sizeof(msg));
    int n = snprintf(msg, sizeof(msg), "message %04d ", i);
    msg[n] = 'x';
    assert_int_equal(otw_syslog_enqueue(s, msg, sizeof(msg)), 0);
}

static void expect_n(int conn, int i)
{
    char got[2048];
    size_t len;
    int k = -1;
    recv_frame(conn, got, sizeof(got), &len);
    assert_int_equal(len, 1000);
    assert_int_equal(sscanf(got, "message %d ", &k), 1);
    assert_int_equal(k, i);
}

static void expect_notice(int conn, int count)
{
    char got[2048], want[64];
    size_t len;
    recv_frame(conn, got, sizeof(got), &len);
    assert_non_null(strstr(got, " SYSLOG_SPOOL_DROPPED [otwatch@32473 "));
    snprintf(want, sizeof(want), "count=\"%d\"", count);
    assert_non_null(strstr(got, want));
}

/* Finding: drops made while the collector was down were never told when the
 * process that made them ended first. Now the next process tells them, once. */
static void test_drops_told_by_next_process(void **state)
{
    (void)state;
    uint16_t port;
    int srv = listen_socket(SOCK_STREAM, &port);
    close(srv); /* the collector is down */
    otw_config c;
    char err[256];
    config_for(&c, OTW_SYSLOG_TCP, port);
    c.syslog_spool_mb = 1;
    otw_syslog *s = otw_syslog_open(&c, spool_dir, err, sizeof(err));
    assert_non_null(s);
    for (int i = 0; i < 3000; i++)
        enqueue_n(s, i);
    otw_syslog_stats st;
    otw_syslog_get_stats(s, &st);
    assert_true(st.dropped > 1500);
    otw_syslog_close(s);

    /* The next process finds the collector: the survivors, then the notice. */
    srv = relisten(port);
    s = otw_syslog_open(&c, spool_dir, err, sizeof(err));
    assert_non_null(s);
    int conn = accept_one(srv);
    char got[2048];
    size_t len;
    recv_frame(conn, got, sizeof(got), &len);
    int first = -1;
    assert_int_equal(sscanf(got, "message %d ", &first), 1);
    assert_int_equal(first, (int)st.dropped); /* the oldest went */
    for (int i = first + 1; i < 3000; i++)
        expect_n(conn, i);
    expect_notice(conn, first);
    assert_int_equal(otw_syslog_drain(s, 5000), 0);
    assert_false(readable(conn, 300));
    otw_syslog_close(s);
    close(conn);

    /* And the one after does not tell them again. */
    for (int k = 0; k < 2; k++) {
        s = otw_syslog_open(&c, spool_dir, err, sizeof(err));
        assert_non_null(s);
        enqueue_n(s, 5000 + k);
        conn = accept_one(srv);
        expect_n(conn, 5000 + k);
        assert_int_equal(otw_syslog_drain(s, 5000), 0);
        assert_false(readable(conn, 300));
        otw_syslog_close(s);
        close(conn);
    }
    close(srv);
}

static void fill_disk(const char *mnt)
{
    char path[200];
    static char block[4096];
    snprintf(path, sizeof(path), "%s/filler", mnt);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    assert_true(fd >= 0);
    while (write(fd, block, sizeof(block)) > 0) {
        /* until the filesystem is full */
    }
    close(fd);
}

static int teardown_umount(void **state)
{
    char mnt[128];
    snprintf(mnt, sizeof(mnt), "%s/fs", spool_dir);
    umount2(mnt, MNT_DETACH);
    return teardown_dir(state);
}

/* Finding: with the spool's disk full, every later run sent the same
 * messages again (the cursor could not be saved), dropped its own alerts
 * and never told the drop. A 256 KiB tmpfs (root only, skipped otherwise). */
static void test_disk_full_collector_back(void **state)
{
    (void)state;
    char mnt[128], sdir[160], err[256];
    snprintf(mnt, sizeof(mnt), "%s/fs", spool_dir);
    assert_int_equal(mkdir(mnt, 0700), 0);
    if (geteuid() != 0 || mount("tmpfs", mnt, "tmpfs", 0, "size=256k") != 0)
        skip();
    snprintf(sdir, sizeof(sdir), "%s/spool", mnt);
    uint16_t port;
    int srv = listen_socket(SOCK_STREAM, &port);
    close(srv); /* the collector is down */
    otw_config c;
    config_for(&c, OTW_SYSLOG_TCP, port);
    otw_syslog *s = otw_syslog_open(&c, sdir, err, sizeof(err));
    assert_non_null(s);
    for (int i = 0; i < 20; i++)
        enqueue_n(s, i);
    fill_disk(mnt);
    for (int i = 20; i < 40; i++) /* no room: kept in memory, not dropped */
        enqueue_n(s, i);
    otw_syslog_stats st;
    otw_syslog_get_stats(s, &st);
    assert_int_equal(st.dropped, 0);
    assert_int_equal(st.pending, 40);

    /* The collector is back: all of them, once, in order. */
    srv = relisten(port);
    otw_syslog_drain(s, 0); /* nudge: retry now */
    int conn = accept_one(srv);
    for (int i = 0; i < 40; i++)
        expect_n(conn, i);
    assert_int_equal(otw_syslog_drain(s, 5000), 0);
    assert_false(readable(conn, 300)); /* no notice: nothing was lost */
    otw_syslog_get_stats(s, &st);
    assert_int_equal(st.sent, 40);
    assert_int_equal(st.dropped, 0);
    otw_syslog_close(s);
    close(conn);

    /* The next run, the disk still full: nothing again, its own alerts sent. */
    for (int k = 0; k < 2; k++) {
        s = otw_syslog_open(&c, sdir, err, sizeof(err));
        assert_non_null(s);
        for (int i = 0; i < 5; i++)
            enqueue_n(s, 40 + 5 * k + i);
        conn = accept_one(srv);
        for (int i = 0; i < 5; i++)
            expect_n(conn, 40 + 5 * k + i);
        assert_int_equal(otw_syslog_drain(s, 5000), 0);
        assert_false(readable(conn, 300));
        otw_syslog_close(s);
        close(conn);
    }

    /* Collector down and disk full: what could not be kept is lost, and the
     * next run that reaches the collector says so, once. */
    close(srv);
    s = otw_syslog_open(&c, sdir, err, sizeof(err));
    assert_non_null(s);
    for (int i = 0; i < 3; i++)
        enqueue_n(s, 100 + i);
    otw_syslog_close(s);
    srv = relisten(port);
    for (int k = 0; k < 2; k++) {
        s = otw_syslog_open(&c, sdir, err, sizeof(err));
        assert_non_null(s);
        if (k == 0) {
            conn = accept_one(srv);
            expect_notice(conn, 3);
        } else {
            enqueue_n(s, 200);
            conn = accept_one(srv);
            expect_n(conn, 200);
        }
        assert_int_equal(otw_syslog_drain(s, 5000), 0);
        assert_false(readable(conn, 300));
        otw_syslog_close(s);
        close(conn);
    }
    close(srv);
    assert_int_equal(umount(mnt), 0);
}

static void test_open_errors(void **state)
{
    (void)state;
    otw_config c;
    char err[256];
    config_for(&c, OTW_SYSLOG_UDP, 514);
    snprintf(c.syslog_host, sizeof(c.syslog_host), "no such host.invalid");
    assert_null(otw_syslog_open(&c, spool_dir, err, sizeof(err)));
    assert_non_null(strstr(err, "cannot resolve no such host.invalid"));

    config_for(&c, OTW_SYSLOG_TLS, 6514);
    assert_null(otw_syslog_open(&c, spool_dir, err, sizeof(err)));
    assert_non_null(strstr(err, "tls_ca_file"));
    snprintf(c.syslog_tls_ca_file, sizeof(c.syslog_tls_ca_file), "/nonexistent/ca.pem");
    assert_null(otw_syslog_open(&c, spool_dir, err, sizeof(err)));
    assert_non_null(strstr(err, "no CA certificate read from /nonexistent/ca.pem"));
    snprintf(c.syslog_tls_cert_file, sizeof(c.syslog_tls_cert_file), "/x.pem");
    assert_null(otw_syslog_open(&c, spool_dir, err, sizeof(err)));
    assert_non_null(strstr(err, "go together"));

    config_for(&c, OTW_SYSLOG_UDP, 514);
    assert_null(otw_syslog_open(&c, "/proc/no/spool", err, sizeof(err)));
    assert_non_null(strstr(err, "spool"));
    otw_syslog_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_basic),
        cmocka_unit_test(test_format_hostile),
        cmocka_unit_test(test_format_truncation),
        cmocka_unit_test(test_format_3164_and_payload),
        cmocka_unit_test_setup_teardown(test_udp_loopback, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_tcp_collector_away, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_restart_delivers_spool_first, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_spool_full, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_drops_told_by_next_process, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_disk_full_collector_back, setup_dir, teardown_umount),
        cmocka_unit_test_setup_teardown(test_open_errors, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
