/* test_flow.c - unit tests for sensor/packet/flow.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "facts.h"
#include "flow.h"

#define SEC 1000000ULL

static const uint8_t MAC_A[6] = {0x00, 0x1b, 0x1b, 0x01, 0x02, 0x03};
static const uint8_t MAC_B[6] = {0x00, 0x0e, 0x8c, 0x0a, 0x0b, 0x0c};

/* Records every on_end call. */
typedef struct ends {
    int n;
    uint16_t client_port[64];
    otw_flow_end why[64];
    bool in_use[64];
    uint64_t total;
} ends;

static void on_end(void *ctx, otw_flow *f, otw_flow_end why)
{
    ends *e = ctx;
    e->total++;
    if (e->n < 64) {
        e->client_port[e->n] = f->client_port;
        e->why[e->n] = why;
        e->in_use[e->n] = f->in_use;
        e->n++;
    }
}

static otw_packet pkt4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t proto,
                       uint8_t flags, uint64_t ts)
{
    otw_packet p;
    memset(&p, 0, sizeof(p));
    uint8_t s[4] = {(uint8_t)(src >> 24), (uint8_t)(src >> 16), (uint8_t)(src >> 8), (uint8_t)src};
    uint8_t d[4] = {(uint8_t)(dst >> 24), (uint8_t)(dst >> 16), (uint8_t)(dst >> 8), (uint8_t)dst};
    otw_addr_from_v4(&p.src_ip, s);
    otw_addr_from_v4(&p.dst_ip, d);
    p.l3 = OTW_L3_IPV4;
    p.ip_proto = proto;
    p.src_port = sport;
    p.dst_port = dport;
    p.tcp_flags = flags;
    p.ts_us = ts;
    return p;
}

static const uint32_t IP_A = 0xc0a8010a; /* 192.168.1.10 */
static const uint32_t IP_B = 0xc0a80114; /* 192.168.1.20 */

static bool dnp3_port(void *ctx, bool tcp, uint16_t port)
{
    (void)ctx;
    return tcp && port == 20000;
}

static void test_both_directions(void **state)
{
    (void)state;
    ends e = {0};
    otw_flow_table *t = otw_flow_table_new(1 << 20, on_end, &e);
    assert_non_null(t);
    otw_packet p = pkt4(IP_A, 40000, IP_B, 502, 6, OTW_TCP_ACK | OTW_TCP_PSH, 1 * SEC);
    p.has_mac = true;
    memcpy(p.src_mac, MAC_A, 6);
    memcpy(p.dst_mac, MAC_B, 6);
    int dir = -1;
    bool created = false;
    otw_flow *f = otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
    assert_non_null(f);
    assert_true(created);
    assert_int_equal(dir, OTW_DIR_TO_SERVER);
    assert_int_equal(f->client_port, 40000);
    assert_int_equal(f->server_port, 502);
    assert_memory_equal(f->client_ip.b, p.src_ip.b, 16);
    assert_memory_equal(f->server_ip.b, p.dst_ip.b, 16);
    assert_memory_equal(f->client_mac, MAC_A, 6);
    assert_memory_equal(f->server_mac, MAC_B, 6);
    assert_int_equal(f->first_us, 1 * SEC);
    assert_int_equal(f->pkts[0], 0); /* the caller counts */
    assert_null(f->ndpi);
    assert_int_equal(f->session, OTW_FLOW_NONE);
    assert_int_equal(f->streams, OTW_FLOW_NONE);
    assert_int_equal(f->client_asset, OTW_FLOW_NONE);
    assert_int_equal(f->server_asset, OTW_FLOW_NONE);
    assert_int_equal(f->comm, OTW_FLOW_NONE);
    assert_int_equal(f->dissector, 0);

    otw_packet r = pkt4(IP_B, 502, IP_A, 40000, 6, OTW_TCP_ACK, 2 * SEC);
    otw_flow *g = otw_flow_lookup(t, &r, &dir, &created, NULL, NULL);
    assert_ptr_equal(g, f);
    assert_false(created);
    assert_int_equal(dir, OTW_DIR_TO_CLIENT);
    p.ts_us = 3 * SEC;
    assert_ptr_equal(otw_flow_lookup(t, &p, &dir, &created, NULL, NULL), f);
    assert_int_equal(dir, OTW_DIR_TO_SERVER);

    /* Another VLAN, protocol or port is another flow. */
    otw_packet v = p;
    v.n_vlans = 1;
    v.vlan[0] = 5;
    assert_ptr_not_equal(otw_flow_lookup(t, &v, &dir, &created, NULL, NULL), f);
    assert_true(created);
    otw_packet u = p;
    u.ip_proto = 17;
    assert_ptr_not_equal(otw_flow_lookup(t, &u, &dir, &created, NULL, NULL), f);
    assert_true(created);

    uint32_t idx = otw_flow_index(t, f);
    assert_ptr_equal(otw_flow_at(t, idx), f);
    assert_null(otw_flow_at(t, UINT32_MAX));

    /* No IP: not the table's business. */
    otw_packet arp = {0};
    arp.l3 = OTW_L3_ARP;
    assert_null(otw_flow_lookup(t, &arp, &dir, &created, NULL, NULL));
    assert_false(created);

    otw_flow_stats st;
    otw_flow_get_stats(t, &st);
    assert_int_equal(st.created, 3);
    assert_int_equal(st.active, 3);
    assert_true(st.capacity >= 16);
    assert_int_equal(e.n, 0);
    otw_flow_table_free(t);
}

static void test_orientation(void **state)
{
    (void)state;
    otw_flow_table *t = otw_flow_table_new(0, NULL, NULL);
    int dir;
    bool created;

    /* SYN: its sender is the client, even from a low port. */
    otw_packet p = pkt4(IP_A, 502, IP_B, 40000, 6, OTW_TCP_SYN, 1);
    otw_flow *f = otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
    assert_int_equal(dir, OTW_DIR_TO_SERVER);
    assert_int_equal(f->client_port, 502);
    assert_int_equal(f->server_port, 40000);
    assert_true(f->tcp_state & OTW_FLOW_TCP_SYN);

    /* SYN+ACK seen first: its receiver is the client. */
    p = pkt4(IP_A, 41000, IP_B, 1234, 6, OTW_TCP_SYN | OTW_TCP_ACK, 1);
    f = otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
    assert_int_equal(dir, OTW_DIR_TO_CLIENT);
    assert_int_equal(f->client_port, 1234);
    assert_memory_equal(f->client_ip.b, p.dst_ip.b, 16);
    assert_int_equal(f->server_port, 41000);
    assert_true(f->tcp_state & OTW_FLOW_TCP_SYNACK);

    /* Server port hint, midstream, packet from the server. */
    p = pkt4(IP_A, 20000, IP_B, 30000, 6, OTW_TCP_ACK, 1);
    f = otw_flow_lookup(t, &p, &dir, &created, dnp3_port, NULL);
    assert_int_equal(dir, OTW_DIR_TO_CLIENT);
    assert_int_equal(f->server_port, 20000);
    /* ... and to the server. */
    p = pkt4(IP_A, 1025, IP_B, 20000, 6, OTW_TCP_ACK, 1);
    f = otw_flow_lookup(t, &p, &dir, &created, dnp3_port, NULL);
    assert_int_equal(dir, OTW_DIR_TO_SERVER);
    assert_int_equal(f->server_port, 20000);
    /* The hint wins over a lower port below 1024. */
    p = pkt4(IP_A, 20000, IP_B, 80, 6, OTW_TCP_ACK, 1);
    f = otw_flow_lookup(t, &p, &dir, &created, dnp3_port, NULL);
    assert_int_equal(f->server_port, 20000);

    /* Lower port below 1024 is the server (UDP). */
    p = pkt4(IP_A, 161, IP_B, 33000, 17, 0, 1);
    f = otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
    assert_int_equal(dir, OTW_DIR_TO_CLIENT);
    assert_int_equal(f->server_port, 161);

    /* Nothing to go by: the first sender is the client. */
    p = pkt4(IP_B, 50000, IP_A, 40000, 17, 0, 1);
    f = otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
    assert_int_equal(dir, OTW_DIR_TO_SERVER);
    assert_int_equal(f->client_port, 50000);
    p = pkt4(IP_A, 47808, IP_B, 47808, 17, 0, 1);
    f = otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
    assert_int_equal(dir, OTW_DIR_TO_SERVER);
    assert_memory_equal(f->client_ip.b, p.src_ip.b, 16);
    p = pkt4(IP_B, 47808, IP_A, 47808, 17, 0, 1);
    assert_ptr_equal(otw_flow_lookup(t, &p, &dir, &created, NULL, NULL), f);
    assert_int_equal(dir, OTW_DIR_TO_CLIENT);

    /* TCP midstream between two unregistered ports: the ephemeral one is
     * the client's (a server's FIN to 52476 from 8554 starts the flow). */
    p = pkt4(IP_B, 8554, IP_A, 52476, 6, OTW_TCP_ACK | OTW_TCP_FIN, 1);
    f = otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
    assert_int_equal(dir, OTW_DIR_TO_CLIENT);
    assert_int_equal(f->server_port, 8554);
    p = pkt4(IP_B, 40000, IP_A, 20000, 6, OTW_TCP_ACK, 1); /* Linux range */
    f = otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
    assert_int_equal(dir, OTW_DIR_TO_SERVER);
    assert_int_equal(f->server_port, 20000);
    /* ... not for UDP, whose exchange starts with its request. */
    p = pkt4(IP_B, 40000, IP_A, 50001, 17, 0, 1);
    f = otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
    assert_int_equal(dir, OTW_DIR_TO_SERVER);
    assert_int_equal(f->server_port, 50001);

    /* ICMP: ports 0. */
    p = pkt4(IP_B, 0, IP_A, 0, 1, 0, 1);
    f = otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
    assert_true(created);
    assert_int_equal(dir, OTW_DIR_TO_SERVER);
    otw_flow_table_free(t);
}

static void test_mac_fill_and_tcp_state(void **state)
{
    (void)state;
    otw_flow_table *t = otw_flow_table_new(0, NULL, NULL);
    int dir;
    bool created;
    /* Cooked capture: only the sender's MAC is known. */
    otw_packet p = pkt4(IP_A, 40000, IP_B, 502, 6, OTW_TCP_ACK, 1);
    p.has_mac = true;
    memcpy(p.src_mac, MAC_A, 6);
    otw_flow *f = otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
    assert_memory_equal(f->client_mac, MAC_A, 6);
    assert_true(otw_mac_is_zero(f->server_mac));
    otw_packet r = pkt4(IP_B, 502, IP_A, 40000, 6, OTW_TCP_ACK | OTW_TCP_FIN, 2);
    r.has_mac = true;
    memcpy(r.src_mac, MAC_B, 6);
    assert_ptr_equal(otw_flow_lookup(t, &r, &dir, &created, NULL, NULL), f);
    assert_memory_equal(f->server_mac, MAC_B, 6);
    assert_memory_equal(f->client_mac, MAC_A, 6);
    assert_int_equal(f->tcp_state & (OTW_FLOW_TCP_FIN_CLIENT | OTW_FLOW_TCP_FIN_SERVER),
                     OTW_FLOW_TCP_FIN_SERVER);
    assert_false(otw_flow_tcp_closed(f));
    p.tcp_flags = OTW_TCP_FIN | OTW_TCP_ACK;
    otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
    assert_true(otw_flow_tcp_closed(f));

    /* A multicast destination MAC is never a server MAC. */
    otw_packet m = pkt4(IP_A, 47808, 0xffffffff, 47808, 17, 0, 1);
    m.has_mac = true;
    memcpy(m.src_mac, MAC_A, 6);
    memset(m.dst_mac, 0xff, 6);
    f = otw_flow_lookup(t, &m, &dir, &created, NULL, NULL);
    assert_true(otw_mac_is_zero(f->server_mac));

    /* RST from either side closes. */
    p = pkt4(IP_A, 40001, IP_B, 502, 6, OTW_TCP_RST, 1);
    f = otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
    assert_true(f->tcp_state & OTW_FLOW_TCP_RST_CLIENT);
    assert_true(otw_flow_tcp_closed(f));
    otw_flow_table_free(t);
}

static otw_flow *new_flow(otw_flow_table *t, uint16_t cport, uint8_t proto, uint64_t ts)
{
    int dir;
    bool created;
    otw_packet p = pkt4(IP_A, cport, IP_B, 502, proto, proto == 6 ? OTW_TCP_ACK : 0, ts);
    otw_flow *f = otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
    assert_true(created);
    otw_flow_touch(t, f, ts);
    return f;
}

static void test_idle_expiry(void **state)
{
    (void)state;
    ends e = {0};
    otw_flow_table *t = otw_flow_table_new(0, on_end, &e);
    otw_flow *fin = new_flow(t, 1001, 6, 100 * SEC);
    fin->tcp_state |= OTW_FLOW_TCP_FIN_CLIENT | OTW_FLOW_TCP_FIN_SERVER;
    otw_flow *rst = new_flow(t, 1002, 6, 100 * SEC);
    rst->tcp_state |= OTW_FLOW_TCP_RST_SERVER;
    new_flow(t, 1003, 17, 100 * SEC);
    new_flow(t, 1004, 6, 100 * SEC);
    /* A touch moves 1005 behind everything. */
    otw_flow *late = new_flow(t, 1005, 6, 100 * SEC);
    otw_flow_touch(t, late, 150 * SEC);

    otw_flow_expire(t, 110 * SEC, 300, 60, 10, 64); /* exactly 10 s: not yet */
    assert_int_equal(e.n, 0);
    otw_flow_expire(t, 111 * SEC, 300, 60, 10, 64);
    assert_int_equal(e.n, 2);
    assert_int_equal(e.client_port[0], 1001);
    assert_int_equal(e.client_port[1], 1002);
    assert_int_equal(e.why[0], OTW_FLOW_END_IDLE);
    assert_true(e.in_use[0]); /* on_end sees the flow before its slot is freed */
    otw_flow_expire(t, 161 * SEC, 300, 60, 10, 64);
    assert_int_equal(e.n, 3);
    assert_int_equal(e.client_port[2], 1003);
    otw_flow_expire(t, 401 * SEC, 300, 60, 10, 64);
    assert_int_equal(e.n, 4);
    assert_int_equal(e.client_port[3], 1004);
    otw_flow_stats st;
    otw_flow_get_stats(t, &st);
    assert_int_equal(st.expired, 4);
    assert_int_equal(st.active, 1);
    otw_flow_expire(t, 451 * SEC, 300, 60, 10, 64);
    assert_int_equal(e.n, 5);
    assert_int_equal(e.client_port[4], 1005);

    /* max_visits bounds the work per call. */
    for (uint16_t i = 0; i < 5; i++)
        new_flow(t, (uint16_t)(2000 + i), 17, 500 * SEC);
    otw_flow_expire(t, 600 * SEC, 300, 60, 10, 2);
    assert_int_equal(e.n, 7);
    otw_flow_expire(t, 600 * SEC, 300, 60, 10, 100);
    assert_int_equal(e.n, 10);
    otw_flow_get_stats(t, &st);
    assert_int_equal(st.active, 0);
    assert_int_equal(st.expired, 10);
    otw_flow_table_free(t);
}

static void test_eviction(void **state)
{
    (void)state;
    ends e = {0};
    otw_flow_table *t = otw_flow_table_new(0, on_end, &e);
    otw_flow_stats st;
    otw_flow_get_stats(t, &st);
    assert_int_equal(st.capacity, 16);
    otw_flow *first = NULL;
    for (uint16_t i = 0; i < 16; i++) {
        otw_flow *f = new_flow(t, (uint16_t)(3000 + i), 6, (uint64_t)(i + 1) * SEC);
        if (i == 0)
            first = f;
    }
    /* 3000 is active again: 3001 is now the least recently active. */
    otw_flow_touch(t, first, 100 * SEC);
    new_flow(t, 4000, 6, 101 * SEC);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.why[0], OTW_FLOW_END_EVICTED);
    assert_int_equal(e.client_port[0], 3001);
    otw_flow_get_stats(t, &st);
    assert_int_equal(st.evicted, 1);
    assert_int_equal(st.created, 17);
    assert_int_equal(st.active, 16);

    /* 3000 survived, 3001 is gone (a new lookup creates it again). */
    int dir;
    bool created;
    otw_packet p = pkt4(IP_B, 502, IP_A, 3000, 6, OTW_TCP_ACK, 102 * SEC);
    assert_ptr_equal(otw_flow_lookup(t, &p, &dir, &created, NULL, NULL), first);
    assert_false(created);
    p = pkt4(IP_A, 3001, IP_B, 502, 6, OTW_TCP_ACK, 102 * SEC);
    otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
    assert_true(created);
    assert_int_equal(e.client_port[1], 3002);
    otw_flow_table_free(t);
}

static void test_flush_all(void **state)
{
    (void)state;
    ends e = {0};
    otw_flow_table *t = otw_flow_table_new(0, on_end, &e);
    otw_flow *f[5];
    for (uint16_t i = 0; i < 5; i++)
        f[i] = new_flow(t, (uint16_t)(5000 + i), 17, 1);
    int order[5] = {3, 0, 4, 1, 2};
    for (int i = 0; i < 5; i++)
        otw_flow_touch(t, f[order[i]], (uint64_t)(10 + i));
    otw_flow_flush_all(t);
    assert_int_equal(e.n, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(e.why[i], OTW_FLOW_END_SHUTDOWN);
        assert_int_equal(e.client_port[i], 5000 + order[i]);
    }
    otw_flow_stats st;
    otw_flow_get_stats(t, &st);
    assert_int_equal(st.active, 0);
    assert_null(otw_flow_at(t, 0));
    /* The table is usable again. */
    new_flow(t, 5000, 17, 20);
    otw_flow_get_stats(t, &st);
    assert_int_equal(st.active, 1);
    otw_flow_flush_all(t);
    assert_int_equal(e.n, 6);
    otw_flow_table_free(t);
}

static void test_many_flows_small_table(void **state)
{
    (void)state;
    ends e = {0};
    otw_flow_table *t = otw_flow_table_new(64 * (sizeof(otw_flow) + 4), on_end, &e);
    otw_flow_stats st;
    otw_flow_get_stats(t, &st);
    assert_int_equal(st.capacity, 64);
    int dir;
    bool created;
    for (uint32_t i = 0; i < 100000; i++) {
        uint64_t ts = (uint64_t)i * 1000;
        otw_packet p = pkt4(0x0a000000 | (i >> 8), (uint16_t)(1024 + (i & 0xff)), 0x0a640001, 502,
                            6, OTW_TCP_SYN, ts);
        otw_flow *f = otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
        assert_true(created);
        otw_flow_touch(t, f, ts);
        /* The reply finds the same flow. */
        otw_packet r = pkt4(0x0a640001, 502, 0x0a000000 | (i >> 8), (uint16_t)(1024 + (i & 0xff)),
                            6, OTW_TCP_SYN | OTW_TCP_ACK, ts);
        assert_ptr_equal(otw_flow_lookup(t, &r, &dir, &created, NULL, NULL), f);
        assert_int_equal(dir, OTW_DIR_TO_CLIENT);
        if (i % 97 == 0)
            otw_flow_expire(t, ts, 300, 60, 10, 8);
        otw_flow_get_stats(t, &st);
        assert_true(st.active <= st.capacity);
    }
    otw_flow_get_stats(t, &st);
    assert_int_equal(st.created, 100000);
    assert_int_equal(st.evicted + st.expired + st.active, 100000);
    assert_int_equal(st.active, 64);
    otw_flow_flush_all(t);
    assert_int_equal(e.total, 100000);
    otw_flow_table_free(t);
}

static void test_ipv6_flow(void **state)
{
    (void)state;
    otw_flow_table *t = otw_flow_table_new(0, NULL, NULL);
    otw_packet p = {0};
    p.l3 = OTW_L3_IPV6;
    p.ip_proto = 6;
    assert_int_equal(otw_addr_parse("fe80::1", &p.src_ip), 0);
    assert_int_equal(otw_addr_parse("fe80::2", &p.dst_ip), 0);
    p.src_port = 60000;
    p.dst_port = 4840;
    int dir;
    bool created;
    otw_flow *f = otw_flow_lookup(t, &p, &dir, &created, NULL, NULL);
    assert_true(created);
    otw_packet r = p;
    r.src_ip = p.dst_ip;
    r.dst_ip = p.src_ip;
    r.src_port = 4840;
    r.dst_port = 60000;
    assert_ptr_equal(otw_flow_lookup(t, &r, &dir, &created, NULL, NULL), f);
    assert_int_equal(dir, OTW_DIR_TO_CLIENT);
    otw_flow_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_directions),
        cmocka_unit_test(test_orientation),
        cmocka_unit_test(test_mac_fill_and_tcp_state),
        cmocka_unit_test(test_idle_expiry),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_flush_all),
        cmocka_unit_test(test_many_flows_small_table),
        cmocka_unit_test(test_ipv6_flow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
