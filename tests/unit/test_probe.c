/* test_probe.c - dynamic protocol detection: every dissector's probe
 * (protocols/dissector.h) on its own protocol's first bytes (positive), on
 * every other protocol's and common IT traffic's first bytes (negative),
 * and on random bytes (negative); the choice among probes
 * (sensor/pipeline/detect.c) and its configuration switch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "detect.h"
#include "dissector.h"

typedef struct sample {
    otw_proto proto; /* OTW_PROTO_NONE: no probe may claim it */
    otw_dir dir;
    bool opening;
    const char *what;
    const char *bytes; /* hex when hex, else text */
    bool hex;
} sample;

#define TEXT(p, d, o, w, t)                                                                        \
    {                                                                                              \
        OTW_PROTO_##p, OTW_DIR_##d, o, w, t, false                                                 \
    }
#define HEX(p, d, o, w, h)                                                                         \
    {                                                                                              \
        OTW_PROTO_##p, OTW_DIR_##d, o, w, h, true                                                  \
    }

static const sample samples[] = {
    /* Modbus/TCP (Messaging on TCP/IP V1.0b, Application Protocol V1.1b3) */
    HEX(MODBUS, TO_SERVER, true, "read holding registers", "0001 0000 0006 01 03 0064 0004"),
    HEX(MODBUS, TO_CLIENT, false, "its answer", "0001 0000 000b 01 03 08 0011002200330044"),
    HEX(MODBUS, TO_SERVER, true, "write multiple registers",
        "0007 0000 000b 11 10 0001 0002 04 000a0102"),
    HEX(MODBUS, TO_SERVER, true, "two reads in one segment",
        "0001 0000 0006 01 01 0000 0010 0002 0000 0006 01 02 0000 0008"),
    HEX(MODBUS, TO_CLIENT, false, "exception", "0005 0000 0003 01 83 02"),
    HEX(MODBUS, TO_SERVER, true, "device identification", "0009 0000 0005 ff 2b 0e 01 00"),
    /* S7comm (RFC 1006 TPKT, RFC 905 COTP, S7 PDU) */
    HEX(S7COMM, TO_SERVER, true, "COTP CR with TSAPs",
        "0300 0016 11 e0 0000 0001 00 c1020100 c2020102 c0010a"),
    HEX(S7COMM, TO_SERVER, false, "setup communication",
        "0300 0019 02f080 32 01 0000 0000 0008 0000 f000 0001 0001 01e0"),
    /* IEC 60870-5-104 */
    HEX(IEC104, TO_SERVER, true, "STARTDT act", "68 04 07 00 00 00"),
    HEX(IEC104, TO_SERVER, false, "interrogation", "68 0e 0000 0000 64 01 06 00 0100 000000 14"),
    /* DNP3 (IEEE 1815): link header with its CRC */
    HEX(DNP3, TO_SERVER, true, "read class 0", "0564 0bc4 0400 0300 e42b c0c1 013c 0106 a2a7"),
    /* EtherNet/IP (CIP Vol. 2): ListIdentity, RegisterSession */
    HEX(ENIP, TO_SERVER, true, "ListIdentity",
        "6300 0000 00000000 00000000 0000000000000000 00000000"),
    HEX(ENIP, TO_SERVER, true, "RegisterSession",
        "6500 0400 00000000 00000000 0000000000000000 00000000 0100 0000"),
    /* OPC UA binary Hello (OPC 10000-6 7.1.2.3) */
    HEX(OPCUA, TO_SERVER, true, "Hello",
        "48454c46 32000000 00000000 00000100 00000100 00000001 00000000 12000000"
        "6f70632e7463703a2f2f706c633a34383430"),
    /* Telnet (RFC 854/855) */
    HEX(TELNET, TO_CLIENT, true, "server negotiation", "fffd18 fffd20 fffd23 fffd27"),
    HEX(TELNET, TO_SERVER, true, "client negotiation", "fffb18 fffc01"),
    HEX(TELNET, TO_CLIENT, true, "negotiation then a banner", "fffb01 fffb03 0d0a4c6f67696e3a20"),
    HEX(TELNET, TO_CLIENT, true, "subnegotiation", "fffa1801fff0"),
    /* FTP (RFC 959) */
    TEXT(FTP, TO_CLIENT, true, "vsFTPd greeting", "220 (vsFTPd 3.0.3)\r\n"),
    TEXT(FTP, TO_CLIENT, true, "plain greeting", "220 PLC file server ready\r\n"),
    TEXT(FTP, TO_CLIENT, true, "multi-line greeting", "220-Welcome\r\n220 ready\r\n"),
    TEXT(FTP, TO_SERVER, false, "USER", "USER admin\r\n"),
    /* HTTP/1.x (RFC 9112) */
    TEXT(HTTP, TO_SERVER, true, "GET", "GET / HTTP/1.1\r\nHost: 10.0.0.1:8000\r\n\r\n"),
    TEXT(HTTP, TO_SERVER, true, "POST", "POST /login.cgi HTTP/1.0\r\n"),
    TEXT(HTTP, TO_CLIENT, false, "status line", "HTTP/1.1 401 Unauthorized\r\n"),
    /* SMTP, POP3, IMAP greetings, VNC, MQTT */
    TEXT(SMTP, TO_CLIENT, true, "ESMTP greeting", "220 mail.plant.local ESMTP Postfix\r\n"),
    TEXT(SMTP, TO_SERVER, false, "EHLO", "EHLO hmi.plant.local\r\n"),
    TEXT(POP3, TO_CLIENT, true, "POP3 greeting", "+OK POP3 server ready\r\n"),
    TEXT(IMAP, TO_CLIENT, true, "IMAP greeting", "* OK [CAPABILITY IMAP4rev1] ready\r\n"),
    TEXT(VNC, TO_CLIENT, true, "RFB version", "RFB 003.008\n"),
    HEX(MQTT, TO_SERVER, true, "CONNECT 3.1.1", "10 10 0004 4d515454 04 02 003c 0004 706c6331"),
    HEX(MQTT, TO_SERVER, true, "CONNECT 3.1", "10 12 0006 4d5149736470 03 02 003c 0004 706c6331"),
    /* Not ours: nothing may claim these. */
    HEX(NONE, TO_SERVER, true, "TLS ClientHello", "16 0301 00c8 01 0000c4 0303 5f1a2b3c"),
    TEXT(NONE, TO_CLIENT, true, "SSH banner", "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
    TEXT(NONE, TO_SERVER, true, "SSH client banner", "SSH-2.0-PuTTY_Release_0.78\r\n"),
    HEX(NONE, TO_SERVER, true, "RDP connection request (COTP CR, no TSAP)",
        "0300 002a 25 e0 0000 0000 00 436f6f6b69653a206d737473686173683d656e670d0a 0100 0800 "
        "03000000"),
    HEX(NONE, TO_SERVER, true, "SMB2 negotiate", "00000054 fe534d42 4000 0000 00000000 0000"),
    HEX(NONE, TO_SERVER, true, "DNS over TCP",
        "001d 1234 0100 0001 0000 0000 0000 03777777 06676f6f676c65 03636f6d 00 0001 0001"),
    TEXT(NONE, TO_CLIENT, false, "Redis +OK after a command", "+OK\r\n"),
    TEXT(NONE, TO_CLIENT, false, "220 answering a client (not a greeting)", "220 ok\r\n"),
    TEXT(NONE, TO_CLIENT, true, "an HTTP status line cannot open a flow", "HTTP/1.1 200 OK\r\n"),
    HEX(NONE, TO_SERVER, true, "MBAP-like header, wrong length",
        "0001 0000 0020 01 03 0000 0010 deadbeef 0102"),
    HEX(NONE, TO_SERVER, true, "Modbus read with quantity 0", "0001 0000 0006 01 03 0064 0000"),
    HEX(NONE, TO_SERVER, true, "IEC 104 start with a bad U-frame", "68 04 0f 00 00 00"),
    HEX(NONE, TO_SERVER, true, "DNP3 start with a bad CRC", "0564 0bc4 0400 0300 0000"),
    HEX(NONE, TO_SERVER, true, "zeros", "0000000000000000000000000000000000000000000000000000"),
    TEXT(NONE, TO_SERVER, true, "a lower-case request line", "get / http/1.1\r\n"),
};

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *h; h++) {
        int v;
        if (*h >= '0' && *h <= '9')
            v = *h - '0';
        else if (*h >= 'a' && *h <= 'f')
            v = *h - 'a' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            assert_true(n < cap);
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    assert_int_equal(hi, -1);
    return n;
}

static size_t sample_bytes(const sample *sm, uint8_t *out, size_t cap)
{
    if (sm->hex)
        return unhex(sm->bytes, out, cap);
    size_t n = strlen(sm->bytes);
    assert_true(n <= cap);
    memcpy(out, sm->bytes, n);
    return n;
}

/* Each sample is claimed by its own protocol's probe only. */
static void test_samples(void **state)
{
    (void)state;
    size_t n_dis;
    const otw_dissector *const *all = otw_dissectors(&n_dis);
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        const sample *sm = &samples[i];
        uint8_t buf[512];
        size_t len = sample_bytes(sm, buf, sizeof(buf));
        for (size_t k = 0; k < n_dis; k++) {
            if (!all[k] || !all[k]->probe)
                continue;
            int r = all[k]->probe(buf, len, sm->dir, sm->opening);
            bool own = all[k]->proto == sm->proto;
            if ((own && r == OTW_PROBE_NO) || (!own && r != OTW_PROBE_NO))
                fail_msg("%s probe on \"%s\" (%s): %d", all[k]->name, sm->what,
                         sm->proto ? otw_proto_name(sm->proto) : "none", r);
            /* every truncation of a claimed sample stays in bounds (ASan)
             * and a probe never claims an empty buffer */
            for (size_t cut = 0; own && cut < len; cut++)
                (void)all[k]->probe(buf, cut, sm->dir, sm->opening);
            assert_int_equal(all[k]->probe(buf, 0, sm->dir, sm->opening), OTW_PROBE_NO);
        }
    }
}

/* The protocols the issue names all have a probe. */
static void test_coverage(void **state)
{
    (void)state;
    const otw_proto must[] = {OTW_PROTO_MODBUS, OTW_PROTO_S7COMM, OTW_PROTO_IEC104, OTW_PROTO_DNP3,
                              OTW_PROTO_ENIP,   OTW_PROTO_OPCUA,  OTW_PROTO_TELNET, OTW_PROTO_FTP,
                              OTW_PROTO_HTTP,   OTW_PROTO_SMTP,   OTW_PROTO_POP3,   OTW_PROTO_IMAP,
                              OTW_PROTO_VNC,    OTW_PROTO_MQTT};
    for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
        const otw_dissector *d = otw_dissector_get(must[i]);
        assert_non_null(d);
        assert_non_null(d->probe);
    }
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Random bytes of every length up to 300 (and random bytes behind a text
 * protocol's first letters): no probe claims them. */
static void test_random(void **state)
{
    (void)state;
    size_t n_dis;
    const otw_dissector *const *all = otw_dissectors(&n_dis);
    uint8_t buf[300];
    for (int round = 0; round < 20000; round++) {
        size_t len = 1 + next_random() % sizeof(buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)next_random();
        if (round % 4 == 1 && len >= 16)
            memcpy(buf, "\xff\xfb\x01", 3); /* Telnet's first bytes, then noise */
        for (size_t k = 0; k < n_dis; k++) {
            if (!all[k] || !all[k]->probe)
                continue;
            for (int v = 0; v < 4; v++) {
                int r =
                    all[k]->probe(buf, len, (v & 1) ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER, v & 2);
                if (r != OTW_PROBE_NO)
                    fail_msg("%s probe claimed %zu random bytes (round %d)", all[k]->name, len,
                             round);
            }
        }
    }
}

/* The highest confidence wins: an SMTP greeting is SMTP's, not FTP's; a
 * greeting naming neither is FTP's (weak). */
static void test_choice(void **state)
{
    (void)state;
    otw_config cfg;
    otw_config_defaults(&cfg);
    otw_detect d;
    otw_detect_init(&d, &cfg);
    const char *smtp = "220 mx ESMTP ready\r\n", *ftp = "220 ready\r\n";
    assert_int_equal(
        otw_detect_probe(&d, true, (const uint8_t *)smtp, strlen(smtp), OTW_DIR_TO_CLIENT, true),
        OTW_PROTO_SMTP);
    assert_int_equal(
        otw_detect_probe(&d, true, (const uint8_t *)ftp, strlen(ftp), OTW_DIR_TO_CLIENT, true),
        OTW_PROTO_FTP);
    /* UDP: Modbus has no UDP port by default, so it is never claimed there */
    const uint8_t mb[] = {0, 1, 0, 0, 0, 6, 1, 3, 0, 0x64, 0, 4};
    assert_int_equal(otw_detect_probe(&d, true, mb, sizeof(mb), OTW_DIR_TO_SERVER, true),
                     OTW_PROTO_MODBUS);
    assert_int_equal(otw_detect_probe(&d, false, mb, sizeof(mb), OTW_DIR_TO_SERVER, true),
                     OTW_PROTO_NONE);
    assert_false(otw_detect_allowed(&d, false, OTW_PROTO_MODBUS));
    assert_true(otw_detect_allowed(&d, true, OTW_PROTO_HTTP));
    /* protocols.http.tcp_ports: [] turns HTTP off on TCP, claims included */
    cfg.tcp_ports[OTW_PROTO_HTTP][0] = 0;
    otw_detect_init(&d, &cfg);
    assert_false(otw_detect_allowed(&d, true, OTW_PROTO_HTTP));
    /* protocols.dynamic_detection: false turns every claim off */
    cfg.dynamic_detection = false;
    otw_detect_init(&d, &cfg);
    assert_false(otw_detect_allowed(&d, true, OTW_PROTO_MODBUS));
    assert_int_equal(otw_detect_probe(&d, true, mb, sizeof(mb), OTW_DIR_TO_SERVER, true),
                     OTW_PROTO_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_coverage),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_choice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
