/* test_classify_identity.c - identity from nDPI's flow state
 * (otw_classify_identity and the identity callback in sensor/packet/classify.c).
 *
 * Raw IPv4/TCP packets (DLT 228) are decoded with otw_decode and fed to a
 * real nDPI 4.2 classifier: an HTTP request (RFC 9112 request line, Host
 * and User-Agent headers), a TLS 1.2 ClientHello with server_name (RFC 8446
 * 4.1.2, RFC 6066 section 3) and SSH identification strings (RFC 4253 4.2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "classify.h"
#include "decode.h"
#include "flow.h"

typedef struct cb_rec {
    int calls;
    bool has_client, has_server;
    otw_identity client, server;
    otw_flow *flow;
} cb_rec;

static void on_identity(void *ctx, otw_flow *f, const otw_identity *client,
                        const otw_identity *server)
{
    cb_rec *r = ctx;
    r->calls++;
    r->flow = f;
    r->has_client = client != NULL;
    r->has_server = server != NULL;
    if (client)
        r->client = *client;
    if (server)
        r->server = *server;
    assert_non_null(f->ndpi); /* still there: called before the release */
}

/* IPv4 + TCP (no options) + payload; checksums left 0 (nDPI ignores them). */
static size_t frame(uint8_t *b, bool from_client, uint8_t flags, uint32_t seq, uint32_t ack,
                    uint16_t sport, uint16_t dport, const void *payload, size_t n)
{
    static const uint8_t cli[4] = {10, 0, 0, 10}, srv[4] = {10, 0, 0, 20};
    size_t total = 40 + n;
    memset(b, 0, 40);
    b[0] = 0x45;
    b[2] = (uint8_t)(total >> 8);
    b[3] = (uint8_t)total;
    b[8] = 64;
    b[9] = 6;
    memcpy(b + 12, from_client ? cli : srv, 4);
    memcpy(b + 16, from_client ? srv : cli, 4);
    uint16_t sp = from_client ? sport : dport, dp = from_client ? dport : sport;
    b[20] = (uint8_t)(sp >> 8);
    b[21] = (uint8_t)sp;
    b[22] = (uint8_t)(dp >> 8);
    b[23] = (uint8_t)dp;
    for (int i = 0; i < 4; i++) {
        b[24 + i] = (uint8_t)(seq >> (24 - 8 * i));
        b[28 + i] = (uint8_t)(ack >> (24 - 8 * i));
    }
    b[32] = 0x50; /* data offset 5 */
    b[33] = flags;
    b[34] = 0xFF;
    b[35] = 0xFF;
    if (n)
        memcpy(b + 40, payload, n);
    return total;
}

typedef struct conv {
    otw_classifier *c;
    otw_flow f;
    uint32_t cseq, sseq;
    uint64_t ts;
    uint16_t sport, dport;
} conv;

static bool send(conv *cv, bool from_client, uint8_t flags, const void *payload, size_t n)
{
    uint8_t b[2048];
    otw_packet p;
    size_t len = frame(b, from_client, flags, from_client ? cv->cseq : cv->sseq,
                       from_client ? cv->sseq : cv->cseq, cv->sport, cv->dport, payload, n);
    assert_int_equal(otw_decode(OTW_DLT_IPV4, b, (uint32_t)len, (uint32_t)len, cv->ts, &p),
                     OTW_DECODE_OK);
    cv->ts += 1000;
    uint32_t adv = (uint32_t)n + ((flags & (OTW_TCP_SYN | OTW_TCP_FIN)) ? 1u : 0u);
    if (from_client)
        cv->cseq += adv;
    else
        cv->sseq += adv;
    return otw_classify_packet(cv->c, &cv->f, &p);
}

static void start(conv *cv, uint16_t dport)
{
    char err[128];
    memset(cv, 0, sizeof(*cv));
    cv->c = otw_classifier_new(16, 32, err, sizeof(err));
    assert_non_null(cv->c);
    cv->cseq = 1000;
    cv->sseq = 5000;
    cv->ts = 1600000000000000ull;
    cv->sport = 40000;
    cv->dport = dport;
    /* as the flow table would orient it */
    static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 0, 0, 10};
    memcpy(cv->f.client_ip.b, mapped, 16);
    cv->f.client_port = 40000;
    send(cv, true, OTW_TCP_SYN, NULL, 0);
    send(cv, false, OTW_TCP_SYN | OTW_TCP_ACK, NULL, 0);
    send(cv, true, OTW_TCP_ACK, NULL, 0);
}

static void http_ua(const char *ua, cb_rec *r)
{
    conv cv;
    start(&cv, 80);
    memset(r, 0, sizeof(*r));
    otw_classifier_set_identity_cb(cv.c, on_identity, r);
    char req[512];
    size_t n = (size_t)snprintf(req, sizeof(req),
                                "GET /index.html HTTP/1.1\r\nHost: intranet.plant.local\r\n"
                                "User-Agent: %s\r\nAccept: */*\r\n\r\n",
                                ua);
    bool done = send(&cv, true, OTW_TCP_PSH | OTW_TCP_ACK, req, n);
    const char rsp[] = "HTTP/1.1 200 OK\r\nServer: Apache/2.4.41 (Ubuntu)\r\n"
                       "Content-Length: 0\r\n\r\n";
    if (!done)
        send(&cv, false, OTW_TCP_PSH | OTW_TCP_ACK, rsp, sizeof(rsp) - 1);
    otw_classify_finish(cv.c, &cv.f);
    assert_null(cv.f.ndpi);
    /* after the release there is nothing left to read */
    otw_identity a, b;
    assert_int_equal(otw_classify_identity(cv.c, &cv.f, &a, &b), 0);
    otw_classifier_free(cv.c);
}

static void test_http_user_agent(void **state)
{
    (void)state;
    cb_rec r;
    http_ua("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/96.0.4664.110 Safari/537.36",
            &r);
    assert_int_equal(r.calls, 1);
    assert_true(r.has_client);
    assert_false(r.has_server); /* nDPI 4.2 keeps no Server header */
    assert_int_equal(r.client.about, OTW_DIR_TO_SERVER);
    assert_int_equal(r.client.protocol, OTW_PROTO_NONE);
    assert_string_equal(r.client.source, "http user-agent");
    assert_int_equal(r.client.role_hint, OTW_HINT_IT_HOST);
    assert_non_null(strstr(r.client.detail, "ua=Mozilla/5.0 (Windows NT 10.0; Win64; x64)"));
    assert_true(strlen(r.client.detail) < sizeof(r.client.detail));

    http_ua("Mozilla/5.0 (SMART-TV; Linux; Tizen 5.0) AppleWebKit/537.36 SamsungBrowser/2.2", &r);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.client.role_hint, OTW_HINT_IOT); /* device marker before Linux/X11 */

    http_ua("Mozilla/5.0 (X11; Linux x86_64; rv:95.0) Gecko/20100101 Firefox/95.0", &r);
    assert_int_equal(r.client.role_hint, OTW_HINT_IT_HOST);
    assert_non_null(strstr(r.client.detail, "host=intranet.plant.local"));

    http_ua("curl/7.74.0", &r);
    assert_int_equal(r.client.role_hint, OTW_HINT_NONE);
    assert_string_equal(r.client.detail, "ua=curl/7.74.0;host=intranet.plant.local");
}

static void put16(uint8_t *b, size_t *n, unsigned v)
{
    b[(*n)++] = (uint8_t)(v >> 8);
    b[(*n)++] = (uint8_t)v;
}

static void test_tls_sni(void **state)
{
    (void)state;
    const char *sni = "updates.vendor.example";
    uint8_t ext[128], hs[512], rec[600];
    size_t e = 0, h = 0, r = 0, sl = strlen(sni);
    put16(ext, &e, 0x0000); /* server_name */
    put16(ext, &e, (unsigned)(sl + 5));
    put16(ext, &e, (unsigned)(sl + 3)); /* server name list */
    ext[e++] = 0;                       /* host_name */
    put16(ext, &e, (unsigned)sl);
    memcpy(ext + e, sni, sl);
    e += sl;
    put16(ext, &e, 0x000d); /* signature_algorithms */
    put16(ext, &e, 4);
    put16(ext, &e, 2);
    put16(ext, &e, 0x0401);
    hs[h++] = 0x01; /* ClientHello */
    size_t hlen_at = h;
    h += 3;
    put16(hs, &h, 0x0303);
    for (int i = 0; i < 32; i++)
        hs[h++] = (uint8_t)i; /* random */
    hs[h++] = 0;              /* session id */
    put16(hs, &h, 4);
    put16(hs, &h, 0xc02f);
    put16(hs, &h, 0x009c);
    hs[h++] = 1;
    hs[h++] = 0; /* null compression */
    put16(hs, &h, (unsigned)e);
    memcpy(hs + h, ext, e);
    h += e;
    size_t body = h - 4;
    hs[hlen_at] = (uint8_t)(body >> 16);
    hs[hlen_at + 1] = (uint8_t)(body >> 8);
    hs[hlen_at + 2] = (uint8_t)body;
    rec[r++] = 0x16;
    put16(rec, &r, 0x0301);
    put16(rec, &r, (unsigned)h);
    memcpy(rec + r, hs, h);
    r += h;

    conv cv;
    cb_rec got;
    memset(&got, 0, sizeof(got));
    start(&cv, 443);
    otw_classifier_set_identity_cb(cv.c, on_identity, &got);
    send(&cv, true, OTW_TCP_PSH | OTW_TCP_ACK, rec, r);
    otw_classify_finish(cv.c, &cv.f);
    assert_int_equal(got.calls, 1);
    assert_true(got.has_client);
    assert_string_equal(got.client.detail, "sni=updates.vendor.example");
    assert_string_equal(got.client.source, "tls sni");
    assert_int_equal(got.client.role_hint, OTW_HINT_NONE);
    otw_classifier_free(cv.c);
}

static void test_ssh_banners(void **state)
{
    (void)state;
    conv cv;
    cb_rec got;
    memset(&got, 0, sizeof(got));
    start(&cv, 22);
    otw_classifier_set_identity_cb(cv.c, on_identity, &got);
    const char c[] = "SSH-2.0-OpenSSH_8.4p1 Debian-5\r\n";
    const char s[] = "SSH-2.0-dropbear_2020.81\r\n";
    send(&cv, false, OTW_TCP_PSH | OTW_TCP_ACK, s, sizeof(s) - 1);
    send(&cv, true, OTW_TCP_PSH | OTW_TCP_ACK, c, sizeof(c) - 1);
    otw_classify_finish(cv.c, &cv.f);
    assert_int_equal(got.calls, 1);
    /* the server spoke first: its banner decided the flow */
    assert_false(got.has_client);
    assert_true(got.has_server);
    assert_string_equal(got.server.detail, "ssh=SSH-2.0-dropbear_2020.81");
    assert_string_equal(got.server.source, "ssh banner");
    assert_int_equal(got.server.about, OTW_DIR_TO_CLIENT);
    otw_classifier_free(cv.c);

    /* the client first */
    memset(&got, 0, sizeof(got));
    start(&cv, 22);
    otw_classifier_set_identity_cb(cv.c, on_identity, &got);
    send(&cv, true, OTW_TCP_PSH | OTW_TCP_ACK, c, sizeof(c) - 1);
    otw_classify_finish(cv.c, &cv.f);
    assert_int_equal(got.calls, 1);
    assert_true(got.has_client);
    assert_false(got.has_server);
    assert_string_equal(got.client.detail, "ssh=SSH-2.0-OpenSSH_8.4p1 Debian-5");
    otw_classifier_free(cv.c);
}

/* Nothing learnt: no call. No callback registered: nothing breaks. */
static void test_nothing(void **state)
{
    (void)state;
    conv cv;
    cb_rec got;
    memset(&got, 0, sizeof(got));
    start(&cv, 5555);
    otw_classifier_set_identity_cb(cv.c, on_identity, &got);
    const char junk[] = "\x01\x02\x03hello";
    send(&cv, true, OTW_TCP_PSH | OTW_TCP_ACK, junk, sizeof(junk) - 1);
    otw_classify_finish(cv.c, &cv.f);
    assert_int_equal(got.calls, 0);
    otw_classifier_free(cv.c);

    start(&cv, 80);
    const char req[] = "GET / HTTP/1.1\r\nUser-Agent: x\r\n\r\n";
    send(&cv, true, OTW_TCP_PSH | OTW_TCP_ACK, req, sizeof(req) - 1);
    otw_classify_finish(cv.c, &cv.f);
    otw_classifier_free(cv.c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_user_agent),
        cmocka_unit_test(test_tls_sni),
        cmocka_unit_test(test_ssh_banners),
        cmocka_unit_test(test_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
