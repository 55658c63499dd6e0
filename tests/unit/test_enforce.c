/* test_enforce.c - unit tests for TCP reset construction, rate limiting and
 * dry run (sensor/analysis/enforce.c), without sending: frames go to a test hook. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "enforce.h"

/* A TCP segment 10.1.1.5:40000 -> 10.2.2.9:502, seq 1000, ack 5000, ACK+PSH,
 * 12 bytes of data, optionally VLAN 42 tagged, or over IPv6. */
static size_t make_segment(uint8_t *f, bool vlan, bool v6, uint8_t flags)
{
    static const uint8_t dst[6] = {0x00, 0x80, 0xf4, 0x00, 0x00, 0x0b};
    static const uint8_t src[6] = {0x00, 0x14, 0x22, 0x00, 0x00, 0x05};
    size_t o = 0;
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    o = 12;
    if (vlan) {
        f[o++] = 0x81, f[o++] = 0x00, f[o++] = 0x00, f[o++] = 42;
    }
    f[o++] = v6 ? 0x86 : 0x08;
    f[o++] = v6 ? 0xdd : 0x00;
    uint8_t *ip = f + o;
    size_t iph = v6 ? 40 : 20;
    memset(ip, 0, iph);
    if (v6) {
        ip[0] = 0x60;
        ip[5] = 32;
        ip[6] = 6;
        ip[7] = 64;
        ip[8] = 0xfd, ip[23] = 5;
        ip[24] = 0xfd, ip[39] = 9;
    } else {
        ip[0] = 0x45;
        ip[3] = 20 + 32;
        ip[8] = 64;
        ip[9] = 6;
        ip[12] = 10, ip[13] = 1, ip[14] = 1, ip[15] = 5;
        ip[16] = 10, ip[17] = 2, ip[18] = 2, ip[19] = 9;
    }
    o += iph;
    uint8_t *t = f + o;
    memset(t, 0, 20);
    t[0] = 40000 >> 8, t[1] = 40000 & 0xff;
    t[2] = 502 >> 8, t[3] = 502 & 0xff;
    t[6] = 1000 >> 8, t[7] = 1000 & 0xff;
    t[10] = 5000 >> 8, t[11] = 5000 & 0xff;
    t[12] = 5 << 4;
    t[13] = flags;
    t[14] = 0xff;
    o += 20;
    memcpy(f + o, "\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x02", 12);
    return o + 12;
}

static void decode(const uint8_t *f, size_t n, otw_packet *p)
{
    assert_int_equal(otw_decode(OTW_DLT_EN10MB, f, (uint32_t)n, (uint32_t)n, 1, p), OTW_DECODE_OK);
}

static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)acc;
}

/* Checksums of a built frame verify (sum over header + pseudo header = 0xffff). */
static void check_sums(const otw_packet *r)
{
    const uint8_t *ip = r->l3_start;
    const uint8_t *tcp = r->l3 == OTW_L3_IPV4 ? ip + 20 : ip + 40;
    uint32_t acc;
    if (r->l3 == OTW_L3_IPV4) {
        assert_int_equal(fold(sum16(0, ip, 20)), 0xffff);
        acc = sum16(0, ip + 12, 8);
    } else {
        acc = sum16(0, ip + 8, 32);
    }
    acc += 6 + 20;
    assert_int_equal(fold(sum16(acc, tcp, 20)), 0xffff);
}

static void check_pair(bool vlan, bool v6)
{
    uint8_t seg[128], out[OTW_ENFORCE_FRAME_MAX];
    size_t n = make_segment(seg, vlan, v6, OTW_TCP_ACK | OTW_TCP_PSH);
    otw_packet p, r;
    decode(seg, n, &p);
    assert_int_equal(p.payload_len, 12);

    /* Toward the receiver, as if from the sender. */
    size_t m = otw_enforce_build_rst(&p, false, out, sizeof(out));
    assert_int_equal(m, 14 + (vlan ? 4 : 0) + (v6 ? 40 : 20) + 20);
    decode(out, m, &r);
    assert_memory_equal(r.src_mac, p.src_mac, 6);
    assert_memory_equal(r.dst_mac, p.dst_mac, 6);
    assert_memory_equal(r.src_ip.b, p.src_ip.b, 16);
    assert_memory_equal(r.dst_ip.b, p.dst_ip.b, 16);
    assert_int_equal(r.src_port, 40000);
    assert_int_equal(r.dst_port, 502);
    assert_int_equal(r.tcp_seq, 1012); /* next byte the receiver expects */
    assert_int_equal(r.tcp_ack, 5000);
    assert_int_equal(r.tcp_flags, OTW_TCP_RST | OTW_TCP_ACK);
    assert_int_equal(r.payload_len, 0);
    assert_int_equal(r.n_vlans, vlan ? 1 : 0);
    if (vlan)
        assert_int_equal(r.vlan[0], 42);
    check_sums(&r);

    /* Toward the sender, as if from the receiver. */
    m = otw_enforce_build_rst(&p, true, out, sizeof(out));
    assert_true(m > 0);
    decode(out, m, &r);
    assert_memory_equal(r.src_mac, p.dst_mac, 6);
    assert_memory_equal(r.dst_mac, p.src_mac, 6);
    assert_memory_equal(r.src_ip.b, p.dst_ip.b, 16);
    assert_int_equal(r.src_port, 502);
    assert_int_equal(r.dst_port, 40000);
    assert_int_equal(r.tcp_seq, 5000); /* what the sender acknowledged */
    assert_int_equal(r.tcp_ack, 1012);
    assert_int_equal(r.tcp_flags, OTW_TCP_RST | OTW_TCP_ACK);
    check_sums(&r);
}

static void test_build(void **state)
{
    (void)state;
    check_pair(false, false);
    check_pair(true, false);
    check_pair(false, true);
}

static void test_build_refuses(void **state)
{
    (void)state;
    uint8_t seg[128], out[OTW_ENFORCE_FRAME_MAX];
    otw_packet p;
    /* A bare SYN: the receiver's RST is possible (seq + 1), the sender's is not. */
    size_t n = make_segment(seg, false, false, OTW_TCP_SYN);
    decode(seg, n, &p);
    assert_int_equal(otw_enforce_build_rst(&p, true, out, sizeof(out)), 0);
    size_t m = otw_enforce_build_rst(&p, false, out, sizeof(out));
    assert_true(m > 0);
    otw_packet r;
    decode(out, m, &r);
    assert_int_equal(r.tcp_seq, 1000 + 12 + 1);
    assert_int_equal(r.tcp_flags, OTW_TCP_RST);
    /* Too small a buffer, not TCP. */
    n = make_segment(seg, false, false, OTW_TCP_ACK);
    decode(seg, n, &p);
    assert_int_equal(otw_enforce_build_rst(&p, false, out, 40), 0);
    p.ip_proto = 17;
    assert_int_equal(otw_enforce_build_rst(&p, false, out, sizeof(out)), 0);
}

typedef struct sink {
    int frames;
    int fail;
} sink;

static int count_send(void *ctx, const uint8_t *frame, size_t len)
{
    sink *s = ctx;
    (void)frame;
    assert_true(len >= 54);
    s->frames++;
    return s->fail ? -1 : 0;
}

static otw_enforce *make(FILE *log, bool enabled, bool dry, uint32_t rate, sink *s)
{
    otw_config *c = malloc(sizeof(*c));
    assert_non_null(c);
    otw_config_defaults(c);
    c->enforce_enabled = enabled;
    c->enforce_dry_run = dry;
    snprintf(c->enforce_interface, sizeof(c->enforce_interface), "test0");
    c->enforce_max_resets_per_s = rate;
    otw_enforce *e = otw_enforce_new(log);
    assert_non_null(e);
    otw_enforce_set_sender(e, count_send, s);
    char err[256];
    assert_int_equal(otw_enforce_configure(e, c, true, err, sizeof(err)), 0);
    free(c);
    return e;
}

static const otw_enforce_info info = {"it-to-ot", "office", "cell", "tcp/502 modbus"};

static void test_rate_limit(void **state)
{
    (void)state;
    sink s = {0, 0};
    uint8_t seg[128];
    otw_packet p;
    decode(seg, make_segment(seg, false, false, OTW_TCP_ACK), &p);
    otw_enforce *e = make(NULL, true, false, 2, &s);
    uint64_t t = 1000000000u;
    int sent = 0, limited = 0;
    for (int i = 0; i < 5; i++) {
        otw_enforce_result r = otw_enforce_reset(e, OTW_DLT_EN10MB, &p, &info, t);
        sent += r == OTW_ENFORCE_SENT;
        limited += r == OTW_ENFORCE_RATE_LIMITED;
    }
    assert_int_equal(sent, 2); /* the bucket holds one second's worth */
    assert_int_equal(limited, 3);
    assert_int_equal(s.frames, 4); /* two frames per reset */
    /* Half a second refills one. */
    assert_int_equal(otw_enforce_reset(e, OTW_DLT_EN10MB, &p, &info, t + 500000), OTW_ENFORCE_SENT);
    assert_int_equal(otw_enforce_reset(e, OTW_DLT_EN10MB, &p, &info, t + 500000),
                     OTW_ENFORCE_RATE_LIMITED);
    const otw_enforce_stats *st = otw_enforce_get_stats(e);
    assert_int_equal(st->sent, 3);
    assert_int_equal(st->rate_limited, 4);
    assert_int_equal(st->frames, 6);
    /* Failures are reported. */
    s.fail = 1;
    assert_int_equal(otw_enforce_reset(e, OTW_DLT_EN10MB, &p, &info, t + 5000000),
                     OTW_ENFORCE_FAILED);
    otw_enforce_free(e);
}

static void test_dry_run_and_switch(void **state)
{
    (void)state;
    sink s = {0, 0};
    uint8_t seg[128];
    otw_packet p;
    decode(seg, make_segment(seg, false, false, OTW_TCP_ACK), &p);
    char *buf = NULL;
    size_t len = 0;
    FILE *log = open_memstream(&buf, &len);
    assert_non_null(log);

    otw_enforce *e = make(log, true, true, 10, &s);
    assert_int_equal(otw_enforce_reset(e, OTW_DLT_EN10MB, &p, &info, 1000000), OTW_ENFORCE_DRY_RUN);
    assert_int_equal(s.frames, 0);
    fflush(log);
    assert_non_null(strstr(buf, "\"action\":\"would_reset\""));
    assert_non_null(strstr(buf, "\"rule\":\"it-to-ot\""));
    assert_non_null(strstr(buf, "\"seq\":1000"));
    assert_non_null(strstr(buf, "\"frames\":2"));
    otw_enforce_free(e);

    /* The global switch off: nothing done, nothing logged. */
    size_t before = len;
    e = make(log, false, false, 10, &s);
    assert_false(otw_enforce_enabled(e));
    assert_int_equal(otw_enforce_reset(e, OTW_DLT_EN10MB, &p, &info, 1000000), OTW_ENFORCE_OFF);
    fflush(log);
    assert_int_equal(len, before);
    assert_int_equal(s.frames, 0);
    otw_enforce_free(e);

    /* Sent resets are logged as such; RSTs and non-Ethernet links are never answered. */
    e = make(log, true, false, 10, &s);
    assert_int_equal(otw_enforce_reset(e, OTW_DLT_EN10MB, &p, &info, 1000000), OTW_ENFORCE_SENT);
    fflush(log);
    assert_non_null(strstr(buf + before, "\"action\":\"reset\""));
    assert_int_equal(otw_enforce_reset(e, OTW_DLT_LINUX_SLL, &p, &info, 2000000),
                     OTW_ENFORCE_UNSUPPORTED);
    p.tcp_flags |= OTW_TCP_RST;
    assert_int_equal(otw_enforce_reset(e, OTW_DLT_EN10MB, &p, &info, 2000000),
                     OTW_ENFORCE_UNSUPPORTED);
    otw_enforce_free(e);

    /* Offline (not live, no sender): dry run whatever the settings. */
    otw_config *c = malloc(sizeof(*c));
    assert_non_null(c);
    otw_config_defaults(c);
    c->enforce_enabled = true;
    snprintf(c->enforce_interface, sizeof(c->enforce_interface), "nonexistent0");
    e = otw_enforce_new(log);
    char err[256];
    assert_int_equal(otw_enforce_configure(e, c, false, err, sizeof(err)), 0);
    p.tcp_flags = OTW_TCP_ACK;
    assert_int_equal(otw_enforce_reset(e, OTW_DLT_EN10MB, &p, &info, 1000000), OTW_ENFORCE_DRY_RUN);
    otw_enforce_free(e);
    free(c);
    fclose(log);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_build_refuses),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_dry_run_and_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
