/* test_decode.c - unit tests for sensor/packet/decode.c (crafted frames). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode.h"

/* A tiny frame builder: big-endian writes into a fixed buffer. */
typedef struct fb {
    uint8_t b[1600];
    size_t n;
} fb;

static void put8(fb *f, uint8_t v)
{
    assert_true(f->n < sizeof(f->b));
    f->b[f->n++] = v;
}

static void put16(fb *f, uint16_t v)
{
    put8(f, (uint8_t)(v >> 8));
    put8(f, (uint8_t)v);
}

static void put32(fb *f, uint32_t v)
{
    put16(f, (uint16_t)(v >> 16));
    put16(f, (uint16_t)v);
}

static void putn(fb *f, const void *p, size_t n)
{
    assert_true(f->n + n <= sizeof(f->b));
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

static void patch16(fb *f, size_t off, uint16_t v)
{
    f->b[off] = (uint8_t)(v >> 8);
    f->b[off + 1] = (uint8_t)v;
}

static const uint8_t MAC_A[6] = {0x00, 0x1b, 0x1b, 0x01, 0x02, 0x03};
static const uint8_t MAC_B[6] = {0x00, 0x0e, 0x8c, 0x0a, 0x0b, 0x0c};
static const uint8_t IP_A[4] = {192, 168, 1, 10};
static const uint8_t IP_B[4] = {192, 168, 1, 20};
static const uint8_t IP6_A[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t IP6_B[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static void eth(fb *f, uint16_t type)
{
    putn(f, MAC_B, 6); /* dst */
    putn(f, MAC_A, 6); /* src */
    put16(f, type);
}

/* IPv4 header with IHL words; returns the offset of the header (total
 * length is patched by ipv4_end). */
static size_t ipv4(fb *f, uint8_t ihl, uint16_t frag, uint8_t proto)
{
    size_t at = f->n;
    put8(f, (uint8_t)(0x40 | ihl));
    put8(f, 0);
    put16(f, 0); /* total, patched */
    put16(f, 0x1234);
    put16(f, frag);
    put8(f, 64);
    put8(f, proto);
    put16(f, 0);
    putn(f, IP_A, 4);
    putn(f, IP_B, 4);
    for (int i = 20; i < ihl * 4; i++)
        put8(f, 1); /* NOP options */
    return at;
}

static void ipv4_end(fb *f, size_t at)
{
    patch16(f, at + 2, (uint16_t)(f->n - at));
}

static void tcp(fb *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                uint8_t doff_words)
{
    put16(f, sport);
    put16(f, dport);
    put32(f, seq);
    put32(f, ack);
    put16(f, (uint16_t)(doff_words << 12 | flags));
    put16(f, 65535);
    put16(f, 0);
    put16(f, 0);
    for (int i = 20; i < doff_words * 4; i++)
        put8(f, 1);
}

static size_t udp(fb *f, uint16_t sport, uint16_t dport)
{
    size_t at = f->n;
    put16(f, sport);
    put16(f, dport);
    put16(f, 0); /* patched */
    put16(f, 0);
    return at;
}

static void udp_end(fb *f, size_t at)
{
    patch16(f, at + 4, (uint16_t)(f->n - at));
}

/* Decodes from an exact-size heap copy so ASan catches any over-read. */
static otw_decode_result dec(int dlt, const fb *f, size_t caplen, otw_packet *p)
{
    uint8_t *copy = malloc(caplen ? caplen : 1);
    assert_non_null(copy);
    memcpy(copy, f->b, caplen);
    otw_decode_result r = otw_decode(dlt, copy, (uint32_t)caplen, (uint32_t)f->n, 1000, p);
    /* Pointers into the copy must stay inside it. */
    if (p->payload && p->payload_len)
        assert_true(p->payload >= copy && p->payload + p->payload_len <= copy + caplen);
    if (p->l3_start)
        assert_true(p->l3_start >= copy && p->l3_start + p->l3_len <= copy + caplen);
    /* Rebase the pointers onto f so the caller can compare with f->b. */
    if (p->payload)
        p->payload = f->b + (p->payload - copy);
    if (p->l3_start)
        p->l3_start = f->b + (p->l3_start - copy);
    free(copy);
    return r;
}

static void check_prefixes(int dlt, const fb *f);
static void build_ipv6_ext(fb *f, bool with_vlan, int frag);

static void build_eth_ipv4_tcp(fb *f)
{
    memset(f, 0, sizeof(*f));
    eth(f, 0x0800);
    size_t ip = ipv4(f, 6, 0x4000, 6); /* DF, one option word */
    tcp(f, 49152, 502, 1000, 2000, OTW_TCP_PSH | OTW_TCP_ACK, 8);
    putn(f, "hello", 5);
    ipv4_end(f, ip);
}

static void test_eth_ipv4_tcp(void **state)
{
    (void)state;
    fb f;
    build_eth_ipv4_tcp(&f);
    otw_packet p;
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.ts_us, 1000);
    assert_int_equal(p.wire_len, f.n);
    assert_true(p.has_mac);
    assert_memory_equal(p.src_mac, MAC_A, 6);
    assert_memory_equal(p.dst_mac, MAC_B, 6);
    assert_int_equal(p.n_vlans, 0);
    assert_int_equal(p.ethertype, 0x0800);
    assert_int_equal(p.l3, OTW_L3_IPV4);
    assert_true(otw_addr_is_v4(&p.src_ip));
    assert_memory_equal(p.src_ip.b + 12, IP_A, 4);
    assert_memory_equal(p.dst_ip.b + 12, IP_B, 4);
    assert_ptr_equal(p.l3_start, f.b + 14);
    assert_int_equal(p.l3_len, 24 + 32 + 5);
    assert_int_equal(p.ip_proto, 6);
    assert_int_equal(p.ttl, 64);
    assert_false(p.fragment);
    assert_int_equal(p.src_port, 49152);
    assert_int_equal(p.dst_port, 502);
    assert_int_equal(p.tcp_seq, 1000);
    assert_int_equal(p.tcp_ack, 2000);
    assert_int_equal(p.tcp_flags, OTW_TCP_PSH | OTW_TCP_ACK);
    assert_int_equal(p.payload_len, 5);
    assert_memory_equal(p.payload, "hello", 5);
    assert_false(p.l4_truncated);
}

static void test_vlan(void **state)
{
    (void)state;
    fb f = {0};
    eth(&f, 0x8100);
    put16(&f, 0x6000 | 100); /* PCP 3, VID 100 */
    put16(&f, 0x0800);
    size_t ip = ipv4(&f, 5, 0, 17);
    size_t u = udp(&f, 47808, 47808);
    putn(&f, "\x81\x0b\x00\x08", 4);
    udp_end(&f, u);
    ipv4_end(&f, ip);
    otw_packet p;
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.n_vlans, 1);
    assert_int_equal(p.vlan[0], 100);
    assert_int_equal(p.ethertype, 0x0800);
    assert_int_equal(p.l3, OTW_L3_IPV4);
    assert_int_equal(p.ip_proto, 17);
    assert_int_equal(p.src_port, 47808);
    assert_int_equal(p.payload_len, 4);
    assert_ptr_equal(p.payload, f.b + 18 + 20 + 8);
}

static void test_qinq(void **state)
{
    (void)state;
    fb f = {0};
    eth(&f, 0x88a8);
    put16(&f, 10);
    put16(&f, 0x8100);
    put16(&f, 20);
    put16(&f, 0x0800);
    size_t ip = ipv4(&f, 5, 0, 6);
    tcp(&f, 1, 2, 0, 0, OTW_TCP_SYN, 5);
    ipv4_end(&f, ip);
    otw_packet p;
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.n_vlans, 2);
    assert_int_equal(p.vlan[0], 10);
    assert_int_equal(p.vlan[1], 20);
    assert_int_equal(p.tcp_flags, OTW_TCP_SYN);
    assert_int_equal(p.payload_len, 0);

    /* Three tags (old 0x9100 outer): third one skipped, IP still decoded. */
    fb g = {0};
    eth(&g, 0x9100);
    put16(&g, 1);
    put16(&g, 0x88a8);
    put16(&g, 2);
    put16(&g, 0x8100);
    put16(&g, 3);
    put16(&g, 0x0800);
    ip = ipv4(&g, 5, 0, 6);
    tcp(&g, 1, 2, 0, 0, OTW_TCP_SYN, 5);
    ipv4_end(&g, ip);
    assert_int_equal(dec(OTW_DLT_EN10MB, &g, g.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.n_vlans, 2);
    assert_int_equal(p.vlan[0], 1);
    assert_int_equal(p.vlan[1], 2);
    assert_int_equal(p.l3, OTW_L3_IPV4);
    assert_int_equal(p.dst_port, 2);

    /* An endless tag stack is bounded. */
    fb h = {0};
    eth(&h, 0x8100);
    for (int i = 0; i < 40; i++) {
        put16(&h, (uint16_t)i);
        put16(&h, 0x8100);
    }
    put16(&h, 0);
    put16(&h, 0x0800);
    assert_int_equal(dec(OTW_DLT_EN10MB, &h, h.n, &p), OTW_DECODE_MALFORMED);
}

static void build_sll(fb *f)
{
    memset(f, 0, sizeof(*f));
    put16(f, 0); /* packet type: to us */
    put16(f, 1); /* ARPHRD_ETHER */
    put16(f, 6); /* address length */
    putn(f, MAC_A, 6);
    put16(f, 0);      /* address padding */
    put16(f, 0x0800); /* protocol */
    size_t ip = ipv4(f, 5, 0, 17);
    size_t u = udp(f, 5000, 161);
    putn(f, "snmp", 4);
    udp_end(f, u);
    ipv4_end(f, ip);
}

static void build_sll2(fb *f)
{
    memset(f, 0, sizeof(*f));
    put16(f, 0x0800); /* protocol */
    put16(f, 0);      /* reserved */
    put32(f, 3);      /* ifindex */
    put16(f, 1);      /* ARPHRD_ETHER */
    put8(f, 4);       /* outgoing */
    put8(f, 6);       /* address length */
    putn(f, MAC_A, 6);
    put16(f, 0);
    size_t ip = ipv4(f, 5, 0, 6);
    tcp(f, 40000, 102, 7, 8, OTW_TCP_ACK, 5);
    putn(f, "\x03\x00\x00\x07", 4);
    ipv4_end(f, ip);
}

static void test_sll(void **state)
{
    (void)state;
    fb f;
    build_sll(&f);
    otw_packet p;
    assert_int_equal(dec(OTW_DLT_LINUX_SLL, &f, f.n, &p), OTW_DECODE_OK);
    assert_true(p.has_mac);
    assert_memory_equal(p.src_mac, MAC_A, 6);
    assert_true(otw_mac_is_zero(p.dst_mac));
    assert_int_equal(p.l3, OTW_L3_IPV4);
    assert_int_equal(p.dst_port, 161);
    assert_int_equal(p.payload_len, 4);
    assert_memory_equal(p.payload, "snmp", 4);

    /* No link-layer address: has_mac false. */
    f.b[5] = 0;
    assert_int_equal(dec(OTW_DLT_LINUX_SLL, &f, f.n, &p), OTW_DECODE_OK);
    assert_false(p.has_mac);
    assert_int_equal(p.dst_port, 161);
}

static void test_sll2(void **state)
{
    (void)state;
    fb f;
    build_sll2(&f);
    otw_packet p;
    assert_int_equal(dec(OTW_DLT_LINUX_SLL2, &f, f.n, &p), OTW_DECODE_OK);
    assert_true(p.has_mac);
    assert_memory_equal(p.src_mac, MAC_A, 6);
    assert_int_equal(p.ethertype, 0x0800);
    assert_int_equal(p.src_port, 40000);
    assert_int_equal(p.dst_port, 102);
    assert_int_equal(p.payload_len, 4);
}

static void test_raw_ip(void **state)
{
    (void)state;
    fb f = {0};
    size_t ip = ipv4(&f, 5, 0, 6);
    tcp(&f, 1234, 502, 1, 1, OTW_TCP_ACK, 5);
    putn(&f, "xy", 2);
    ipv4_end(&f, ip);
    otw_packet p;
    int dlts[] = {OTW_DLT_RAW, 12, 14};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(dec(dlts[i], &f, f.n, &p), OTW_DECODE_OK);
        assert_false(p.has_mac);
        assert_int_equal(p.l3, OTW_L3_IPV4);
        assert_int_equal(p.payload_len, 2);
    }
    /* BSD loopback: the family in either byte order. */
    fb g = {0};
    put32(&g, 0x02000000); /* AF_INET, little-endian host */
    putn(&g, f.b, f.n);
    assert_int_equal(dec(OTW_DLT_NULL, &g, g.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.l3, OTW_L3_IPV4);
    assert_int_equal(p.payload_len, 2);
    check_prefixes(OTW_DLT_NULL, &g);
    patch16(&g, 0, 0);
    patch16(&g, 2, 2); /* AF_INET, network order */
    assert_int_equal(dec(OTW_DLT_LOOP, &g, g.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.dst_port, 502);
    patch16(&g, 2, 7); /* not IP */
    assert_int_equal(dec(OTW_DLT_NULL, &g, g.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.l3, OTW_L3_OTHER);
    assert_int_equal(p.payload_len, f.n);
    /* Raw IPv6 (LINKTYPE_IPV6 and LINKTYPE_RAW). */
    fb h, h6 = {0};
    build_ipv6_ext(&h, false, -1);
    putn(&h6, h.b + 14, h.n - 14);
    assert_int_equal(dec(OTW_DLT_IPV6, &h6, h6.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.l3, OTW_L3_IPV6);
    assert_int_equal(p.dst_port, 4840);
    assert_int_equal(dec(OTW_DLT_RAW, &h6, h6.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.ethertype, 0x86dd);
    check_prefixes(OTW_DLT_RAW, &h6);

    f.b[0] = 0x55;
    assert_int_equal(dec(OTW_DLT_RAW, &f, f.n, &p), OTW_DECODE_MALFORMED);
    assert_int_equal(dec(147, &f, f.n, &p), OTW_DECODE_UNSUPPORTED_LINK);
}

/* IPv6 + hop-by-hop(8) + dest-opts(16) + routing(8) + [fragment] + TCP. */
static void build_ipv6_ext(fb *f, bool with_vlan, int frag)
{
    memset(f, 0, sizeof(*f));
    if (with_vlan) {
        eth(f, 0x8100);
        put16(f, 7);
        put16(f, 0x86dd);
    } else {
        eth(f, 0x86dd);
    }
    size_t ip = f->n;
    put32(f, 0x60000000);
    put16(f, 0); /* payload length, patched */
    put8(f, 0);  /* hop-by-hop */
    put8(f, 255);
    putn(f, IP6_A, 16);
    putn(f, IP6_B, 16);
    /* hop-by-hop: next dest-opts, len 0 (8 bytes), PadN */
    put8(f, 60);
    put8(f, 0);
    put8(f, 1);
    put8(f, 4);
    put32(f, 0);
    /* dest-opts: next routing, len 1 (16 bytes) */
    put8(f, 43);
    put8(f, 1);
    put8(f, 1);
    put8(f, 12);
    for (int i = 0; i < 12; i++)
        put8(f, 0);
    /* routing: next fragment or TCP, len 0 */
    put8(f, frag >= 0 ? 44 : 6);
    put8(f, 0);
    put8(f, 0);
    put8(f, 0);
    put32(f, 0);
    if (frag >= 0) {
        put8(f, 6);
        put8(f, 0);
        put16(f, (uint16_t)frag); /* offset << 3 | M */
        put32(f, 0xabcd);
    }
    tcp(f, 20000, 4840, 5, 6, OTW_TCP_ACK | OTW_TCP_PSH, 5);
    putn(f, "OPCUA", 5);
    patch16(f, ip + 4, (uint16_t)(f->n - ip - 40));
}

/* PPP (link types 9 and 50, with and without address/control, with a
 * compressed protocol field), PPPoE sessions (Ethernet 0x8864 and link
 * type 51), Cisco HDLC (104): IP inside is decoded, link control is not IP. */
static void test_ppp_family(void **state)
{
    (void)state;
    fb ip4 = {0};
    size_t at = ipv4(&ip4, 5, 0, 6);
    tcp(&ip4, 40000, 21, 1, 1, OTW_TCP_ACK, 5);
    putn(&ip4, "USER x", 6);
    ipv4_end(&ip4, at);
    otw_packet p;
    static const uint8_t heads[][4] = {{0xff, 0x03, 0x00, 0x21}, {0x00, 0x21}, {0x21}};
    static const size_t head_len[] = {4, 2, 1};
    for (size_t i = 0; i < 3; i++) {
        fb f = {0};
        putn(&f, heads[i], head_len[i]);
        putn(&f, ip4.b, ip4.n);
        for (int dlt = 0; dlt < 2; dlt++) {
            assert_int_equal(dec(dlt ? OTW_DLT_PPP_SERIAL : OTW_DLT_PPP, &f, f.n, &p),
                             OTW_DECODE_OK);
            assert_int_equal(p.l3, OTW_L3_IPV4);
            assert_int_equal(p.dst_port, 21);
            assert_int_equal(p.payload_len, 6);
        }
        check_prefixes(OTW_DLT_PPP, &f);
    }
    /* LCP (c021): link traffic, not IP, not an error */
    fb lcp = {0};
    put16(&lcp, 0xff03);
    put16(&lcp, 0xc021);
    put32(&lcp, 0x01010004);
    assert_int_equal(dec(OTW_DLT_PPP, &lcp, lcp.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.l3, OTW_L3_OTHER);
    /* PPPoE session in Ethernet and as its own link type */
    fb e = {0};
    eth(&e, 0x8864);
    size_t pppoe = e.n;
    put16(&e, 0x1100); /* version 1, type 1, code 0 (session data) */
    put16(&e, 0x0042); /* session id */
    put16(&e, (uint16_t)(ip4.n + 2));
    put16(&e, 0x0021);
    putn(&e, ip4.b, ip4.n);
    assert_int_equal(dec(OTW_DLT_EN10MB, &e, e.n, &p), OTW_DECODE_OK);
    assert_true(p.has_mac);
    assert_int_equal(p.l3, OTW_L3_IPV4);
    assert_int_equal(p.dst_port, 21);
    check_prefixes(OTW_DLT_EN10MB, &e);
    fb pe = {0};
    putn(&pe, e.b + pppoe, e.n - pppoe);
    assert_int_equal(dec(OTW_DLT_PPP_ETHER, &pe, pe.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.dst_port, 21);
    check_prefixes(OTW_DLT_PPP_ETHER, &pe);
    /* Cisco HDLC */
    fb h = {0};
    put16(&h, 0x0f00);
    put16(&h, 0x0800);
    putn(&h, ip4.b, ip4.n);
    assert_int_equal(dec(OTW_DLT_C_HDLC, &h, h.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.dst_port, 21);
    check_prefixes(OTW_DLT_C_HDLC, &h);
    assert_true(otw_decode_link_supported(OTW_DLT_PPP));
    assert_false(otw_decode_link_supported(105)); /* 802.11: not (yet) */
}

static void test_ipv6_ext(void **state)
{
    (void)state;
    fb f;
    otw_packet p;
    build_ipv6_ext(&f, false, -1);
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.l3, OTW_L3_IPV6);
    assert_false(otw_addr_is_v4(&p.src_ip));
    assert_memory_equal(p.src_ip.b, IP6_A, 16);
    assert_memory_equal(p.dst_ip.b, IP6_B, 16);
    assert_int_equal(p.ttl, 255);
    assert_int_equal(p.ip_proto, 6);
    assert_int_equal(p.l3_len, f.n - 14);
    assert_int_equal(p.src_port, 20000);
    assert_int_equal(p.dst_port, 4840);
    assert_int_equal(p.payload_len, 5);
    assert_memory_equal(p.payload, "OPCUA", 5);
    assert_false(p.fragment);

    /* Atomic fragment (offset 0, M clear): a whole packet. */
    build_ipv6_ext(&f, true, 0);
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.n_vlans, 1);
    assert_false(p.fragment);
    assert_int_equal(p.dst_port, 4840);

    /* First fragment (M set) and a later one: fragment, no L4. */
    int frags[] = {1, (100 << 3)};
    for (int i = 0; i < 2; i++) {
        build_ipv6_ext(&f, false, frags[i]);
        assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_OK);
        assert_true(p.fragment);
        assert_int_equal(p.ip_proto, 6);
        assert_int_equal(p.src_port, 0);
        assert_null(p.payload);
    }

    /* A chain of 20 dest-opts headers is bounded. */
    fb g = {0};
    eth(&g, 0x86dd);
    size_t ip = g.n;
    put32(&g, 0x60000000);
    put16(&g, 0);
    put8(&g, 60);
    put8(&g, 1);
    putn(&g, IP6_A, 16);
    putn(&g, IP6_B, 16);
    for (int i = 0; i < 20; i++) {
        put8(&g, 60);
        put8(&g, 0);
        put8(&g, 1);
        put8(&g, 4);
        put32(&g, 0);
    }
    patch16(&g, ip + 4, (uint16_t)(g.n - ip - 40));
    assert_int_equal(dec(OTW_DLT_EN10MB, &g, g.n, &p), OTW_DECODE_MALFORMED);
}

static void test_ipv4_fragments(void **state)
{
    (void)state;
    uint16_t frags[] = {0x2000 /* MF, offset 0 */, 0x0010 /* offset 16, last */, 0x2005};
    for (size_t i = 0; i < 3; i++) {
        fb f = {0};
        eth(&f, 0x0800);
        size_t ip = ipv4(&f, 5, frags[i], 17);
        size_t u = udp(&f, 1, 2);
        for (int k = 0; k < 30; k++)
            put8(&f, (uint8_t)k);
        udp_end(&f, u);
        ipv4_end(&f, ip);
        otw_packet p;
        assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_OK);
        assert_int_equal(p.l3, OTW_L3_IPV4);
        assert_true(p.fragment);
        assert_int_equal(p.ip_proto, 17);
        assert_int_equal(p.src_port, 0);
        assert_int_equal(p.dst_port, 0);
        assert_null(p.payload);
        assert_int_equal(p.l3_len, 20 + 8 + 30);
    }
}

static void build_arp(fb *f, uint16_t op, bool pad)
{
    memset(f, 0, sizeof(*f));
    eth(f, 0x0806);
    put16(f, 1);
    put16(f, 0x0800);
    put8(f, 6);
    put8(f, 4);
    put16(f, op);
    putn(f, MAC_A, 6);
    putn(f, IP_A, 4);
    if (op == 1)
        putn(f, "\0\0\0\0\0\0", 6);
    else
        putn(f, MAC_B, 6);
    putn(f, IP_B, 4);
    while (pad && f->n < 60)
        put8(f, 0);
}

static void test_arp(void **state)
{
    (void)state;
    fb f;
    otw_packet p;
    build_arp(&f, 1, true);
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.l3, OTW_L3_ARP);
    assert_int_equal(p.ethertype, 0x0806);
    assert_int_equal(p.arp.op, 1);
    assert_memory_equal(p.arp.sender_mac, MAC_A, 6);
    assert_memory_equal(p.arp.sender_ip.b + 12, IP_A, 4);
    assert_true(otw_addr_is_v4(&p.arp.target_ip));
    assert_true(otw_mac_is_zero(p.arp.target_mac));
    assert_memory_equal(p.arp.target_ip.b + 12, IP_B, 4);

    build_arp(&f, 2, false);
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.l3, OTW_L3_ARP);
    assert_int_equal(p.arp.op, 2);
    assert_memory_equal(p.arp.target_mac, MAC_B, 6);

    /* Not Ethernet/IPv4 ARP: left as OTHER. */
    f.b[14 + 1] = 6; /* htype 6 (IEEE 802) */
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.l3, OTW_L3_OTHER);
}

static void test_other_ethertype(void **state)
{
    (void)state;
    fb f = {0};
    eth(&f, 0x8892); /* PROFINET */
    put16(&f, 0xfefe);
    put8(&f, 5);
    put8(&f, 0);
    while (f.n < 60)
        put8(&f, 0);
    otw_packet p;
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.l3, OTW_L3_OTHER);
    assert_int_equal(p.ethertype, 0x8892);
    assert_ptr_equal(p.payload, f.b + 14);
    assert_int_equal(p.payload_len, 46);

    /* 802.3 length field: the LLC payload is cut to it. */
    fb g = {0};
    eth(&g, 3);
    putn(&g, "\x42\x42\x03", 3);
    while (g.n < 60)
        put8(&g, 0);
    assert_int_equal(dec(OTW_DLT_EN10MB, &g, g.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.l3, OTW_L3_OTHER);
    assert_int_equal(p.payload_len, 3);
}

static void test_padding_cut(void **state)
{
    (void)state;
    fb f = {0};
    eth(&f, 0x0800);
    size_t ip = ipv4(&f, 5, 0, 6);
    tcp(&f, 1024, 502, 1, 1, OTW_TCP_ACK, 5);
    putn(&f, "ab", 2);
    ipv4_end(&f, ip);
    while (f.n < 60)
        put8(&f, 0xee); /* Ethernet padding */
    otw_packet p;
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.l3_len, 42);
    assert_int_equal(p.payload_len, 2);
    assert_memory_equal(p.payload, "ab", 2);
    assert_false(p.l4_truncated);

    /* UDP length shrinks the view too. */
    fb g = {0};
    eth(&g, 0x0800);
    ip = ipv4(&g, 5, 0, 17);
    size_t u = udp(&g, 1, 2);
    putn(&g, "abcdef", 6);
    ipv4_end(&g, ip);
    patch16(&g, u + 4, 8 + 3);
    assert_int_equal(dec(OTW_DLT_EN10MB, &g, g.n, &p), OTW_DECODE_OK);
    assert_int_equal(p.payload_len, 3);

    /* Total length larger than the frame: clamped, marked truncated. */
    patch16(&f, 14 + 2, 1400);
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_OK);
    assert_true(p.l4_truncated);
    assert_int_equal(p.l3_len, 46);
}

static void test_malformed(void **state)
{
    (void)state;
    fb f;
    otw_packet p;
    build_eth_ipv4_tcp(&f);
    f.b[14] = 0x44; /* IHL 4 */
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_MALFORMED);
    f.b[14] = 0x4f; /* IHL 15: 60 bytes, more than the total length */
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_MALFORMED);
    f.b[14] = 0x56; /* version 5 */
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_MALFORMED);

    build_eth_ipv4_tcp(&f);
    patch16(&f, 14 + 2, 10); /* total length < header length */
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_MALFORMED);

    build_eth_ipv4_tcp(&f);
    f.b[14 + 24 + 12] = 0x40; /* TCP data offset 4 words */
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_MALFORMED);
    f.b[14 + 24 + 12] = 0xf0; /* data offset past the IP payload (frame complete) */
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n, &p), OTW_DECODE_MALFORMED);

    fb g = {0};
    eth(&g, 0x0800);
    size_t ip = ipv4(&g, 5, 0, 17);
    size_t u = udp(&g, 1, 2);
    ipv4_end(&g, ip);
    patch16(&g, u + 4, 7);
    assert_int_equal(dec(OTW_DLT_EN10MB, &g, g.n, &p), OTW_DECODE_MALFORMED);
}

/* Every prefix of a valid frame decodes without reading past it. */
static void check_prefixes(int dlt, const fb *f)
{
    otw_packet p;
    for (size_t len = 0; len <= f->n; len++) {
        otw_decode_result r = dec(dlt, f, len, &p);
        assert_true(r == OTW_DECODE_OK || r == OTW_DECODE_TRUNCATED);
        if (len == f->n)
            assert_int_equal(r, OTW_DECODE_OK);
    }
}

static void test_truncated_prefixes(void **state)
{
    (void)state;
    fb f;
    build_eth_ipv4_tcp(&f);
    check_prefixes(OTW_DLT_EN10MB, &f);
    build_ipv6_ext(&f, true, -1);
    check_prefixes(OTW_DLT_EN10MB, &f);
    build_ipv6_ext(&f, false, 1);
    check_prefixes(OTW_DLT_EN10MB, &f);
    build_sll(&f);
    check_prefixes(OTW_DLT_LINUX_SLL, &f);
    build_sll2(&f);
    check_prefixes(OTW_DLT_LINUX_SLL2, &f);
    build_arp(&f, 2, true);
    check_prefixes(OTW_DLT_EN10MB, &f);

    /* A prefix that ends inside the TCP header is TRUNCATED, inside the
     * payload OK with l4_truncated. */
    build_eth_ipv4_tcp(&f);
    otw_packet p;
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, 14 + 24 + 10, &p), OTW_DECODE_TRUNCATED);
    assert_int_equal(p.l3, OTW_L3_IPV4);
    assert_int_equal(dec(OTW_DLT_EN10MB, &f, f.n - 2, &p), OTW_DECODE_OK);
    assert_true(p.l4_truncated);
    assert_int_equal(p.payload_len, 3);
}

/* Random bytes on every link type: no crash, no over-read (ASan). */
static void test_random_frames(void **state)
{
    (void)state;
    uint32_t x = 12345;
    int dlts[] = {OTW_DLT_EN10MB, OTW_DLT_LINUX_SLL, OTW_DLT_LINUX_SLL2, OTW_DLT_RAW};
    fb f;
    for (int iter = 0; iter < 20000; iter++) {
        memset(&f, 0, sizeof(f));
        x = x * 1103515245u + 12345u;
        int dlt = dlts[(x >> 16) % 4];
        build_eth_ipv4_tcp(&f);
        if (dlt != OTW_DLT_EN10MB) {
            build_ipv6_ext(&f, false, -1);
        }
        /* Flip a few bytes of a valid frame so parsing goes deep. */
        for (int k = 0; k < 4; k++) {
            x = x * 1103515245u + 12345u;
            f.b[(x >> 8) % f.n] = (uint8_t)(x >> 24);
        }
        x = x * 1103515245u + 12345u;
        size_t len = (x >> 8) % (f.n + 1);
        otw_packet p;
        (void)dec(dlt, &f, len, &p);
    }
}

static void test_addr_helpers(void **state)
{
    (void)state;
    otw_addr a;
    char buf[64];
    assert_int_equal(otw_addr_parse("10.1.2.3", &a), 0);
    assert_true(otw_addr_is_v4(&a));
    assert_string_equal(otw_addr_str(&a, buf, sizeof(buf)), "10.1.2.3");
    assert_int_equal(otw_addr_parse("2001:db8:0:0:0:0:0:1", &a), 0);
    assert_false(otw_addr_is_v4(&a));
    assert_string_equal(otw_addr_str(&a, buf, sizeof(buf)), "2001:db8::1");
    assert_int_equal(otw_addr_parse("::ffff:192.168.0.1", &a), 0);
    assert_true(otw_addr_is_v4(&a));
    assert_string_equal(otw_addr_str(&a, buf, sizeof(buf)), "192.168.0.1");
    assert_int_equal(otw_addr_parse("300.1.1.1", &a), -1);
    assert_int_equal(otw_addr_parse("", &a), -1);
    assert_int_equal(otw_addr_parse(NULL, &a), -1);
    otw_addr_from_v4(&a, IP_A);
    assert_string_equal(otw_addr_str(&a, buf, sizeof(buf)), "192.168.1.10");

    uint8_t mac[6];
    assert_string_equal(otw_mac_str(MAC_B, buf, sizeof(buf)), "00:0e:8c:0a:0b:0c");
    assert_int_equal(otw_mac_parse("00:0E:8c:0a:0b:0c", mac), 0);
    assert_memory_equal(mac, MAC_B, 6);
    assert_int_equal(otw_mac_parse("00-1b-1b-01-02-03", mac), 0);
    assert_memory_equal(mac, MAC_A, 6);
    assert_int_equal(otw_mac_parse("00:1b-1b:01:02:03", mac), -1);
    assert_int_equal(otw_mac_parse("00:1b:1b:01:02", mac), -1);
    assert_int_equal(otw_mac_parse("00:1b:1b:01:02:0g", mac), -1);
    assert_false(otw_mac_is_zero(mac));
    memset(mac, 0, 6);
    assert_true(otw_mac_is_zero(mac));
    assert_false(otw_mac_is_multicast(MAC_A));
    const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    const uint8_t pn[6] = {0x01, 0x0e, 0xcf, 0x00, 0x00, 0x00};
    assert_true(otw_mac_is_multicast(bc));
    assert_true(otw_mac_is_multicast(pn));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eth_ipv4_tcp),
        cmocka_unit_test(test_vlan),
        cmocka_unit_test(test_qinq),
        cmocka_unit_test(test_sll),
        cmocka_unit_test(test_sll2),
        cmocka_unit_test(test_raw_ip),
        cmocka_unit_test(test_ppp_family),
        cmocka_unit_test(test_ipv6_ext),
        cmocka_unit_test(test_ipv4_fragments),
        cmocka_unit_test(test_arp),
        cmocka_unit_test(test_other_ethertype),
        cmocka_unit_test(test_padding_cut),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_truncated_prefixes),
        cmocka_unit_test(test_random_frames),
        cmocka_unit_test(test_addr_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
