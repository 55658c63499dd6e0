/* test_dhcp.c - BOOTP/DHCP identity dissector (protocols/dhcp.c).
 *
 * Messages crafted after RFC 2131 figure 1 (236-byte fixed header, magic
 * cookie 99.130.83.99) and RFC 2132 options.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dhcp.h"
#include "ident_test.h"

static const uint8_t MAC[6] = {0x00, 0x1d, 0x9c, 0x11, 0x22, 0x33};

/* Fixed header: op, htype 1 (Ethernet), hlen 6, ciaddr, yiaddr, chaddr. */
static void header(pkt *p, uint8_t op, const uint8_t ciaddr[4], const uint8_t yiaddr[4],
                   const uint8_t mac[6])
{
    static const uint8_t zero[4];
    memset(p, 0, sizeof(*p));
    put8(p, op);          /* 1 BOOTREQUEST, 2 BOOTREPLY */
    put8(p, 1);           /* htype Ethernet */
    put8(p, 6);           /* hlen */
    put8(p, 0);           /* hops */
    put32(p, 0x3903F326); /* xid */
    put16(p, 0);          /* secs */
    put16(p, 0x8000);     /* flags: broadcast */
    putmem(p, ciaddr ? ciaddr : zero, 4);
    putmem(p, yiaddr ? yiaddr : zero, 4);
    putmem(p, zero, 4); /* siaddr */
    putmem(p, zero, 4); /* giaddr */
    putmem(p, mac, 6);
    for (int i = 0; i < 10 + 64 + 128; i++) /* chaddr padding, sname, file */
        put8(p, 0);
    put32(p, 0x63825363); /* magic cookie */
}

static void opt(pkt *p, uint8_t code, const void *v, uint8_t n)
{
    put8(p, code);
    put8(p, n);
    putmem(p, v, n);
}

static void opt_str(pkt *p, uint8_t code, const char *s)
{
    opt(p, code, s, (uint8_t)strlen(s));
}

static void msg_type(pkt *p, uint8_t t)
{
    opt(p, 53, &t, 1);
}

static otw_parse_status run(const pkt *p, otw_dir dir)
{
    rec_reset();
    return dhcp_dissector.parse(NULL, dir, p->b, p->n, 1000, &g_sink);
}

/* DISCOVER from a Windows client: host name, vendor class, parameter list
 * and client identifier describe the client MAC. */
static void test_discover(void **state)
{
    (void)state;
    pkt p;
    static const uint8_t params[] = {1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252};
    static const uint8_t cid[] = {0x01, 0x00, 0x1d, 0x9c, 0x11, 0x22, 0x33};
    header(&p, 1, NULL, NULL, MAC);
    msg_type(&p, 1);               /* DHCPDISCOVER */
    opt(&p, 61, cid, sizeof(cid)); /* client id: htype 1 + MAC */
    opt_str(&p, 12, "ENG-WS01");
    opt_str(&p, 60, "MSFT 5.0");
    opt(&p, 55, params, sizeof(params));
    put8(&p, 255);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ops, 0);
    assert_int_equal(g_rec.n_ids, 1);
    const otw_identity *id = &g_rec.ids[0];
    assert_int_equal(id->protocol, OTW_PROTO_DHCP);
    assert_true(id->has_mac);
    assert_false(id->has_ip);
    assert_memory_equal(id->mac, MAC, 6);
    assert_string_equal(id->name, "ENG-WS01");
    assert_string_equal(id->detail, "vendor_class=MSFT 5.0;params=1,3,6,15,31,33,43,44,46,47,119,"
                                    "121,249,252;client_id=01:00:1d:9c:11:22:33");
    assert_int_equal(id->role_hint, OTW_HINT_IT_HOST);
    assert_string_equal(id->source, "dhcp client");
}

/* REQUEST in RENEWING state: ciaddr is the client's address (RFC 2131
 * table 5), so the identity binds it. */
static void test_request_ciaddr(void **state)
{
    (void)state;
    pkt p;
    static const uint8_t ci[4] = {10, 1, 2, 3};
    header(&p, 1, ci, NULL, MAC);
    msg_type(&p, 3); /* DHCPREQUEST */
    opt_str(&p, 60, "udhcp 1.30.1");
    put8(&p, 255);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    assert_true(g_rec.ids[0].has_mac && g_rec.ids[0].has_ip);
    static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 1, 2, 3};
    assert_memory_equal(g_rec.ids[0].ip, mapped, 16);
    /* udhcp: no hint, the stack runs on too many kinds of devices */
    assert_int_equal(g_rec.ids[0].role_hint, OTW_HINT_NONE);
    assert_string_equal(g_rec.ids[0].detail, "vendor_class=udhcp 1.30.1");
}

/* ACK binds chaddr to yiaddr; OFFER and NAK bind nothing; server vendor
 * class (an echo) is ignored. */
static void test_server_messages(void **state)
{
    (void)state;
    pkt p;
    static const uint8_t yi[4] = {192, 168, 10, 77};
    header(&p, 2, NULL, yi, MAC);
    msg_type(&p, 5); /* DHCPACK */
    opt_str(&p, 60, "ArubaAP");
    put8(&p, 255);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    const otw_identity *id = &g_rec.ids[0];
    assert_true(id->has_mac && id->has_ip);
    assert_memory_equal(id->mac, MAC, 6);
    assert_int_equal(id->ip[10], 0xFF);
    assert_memory_equal(id->ip + 12, yi, 4);
    assert_int_equal(id->role_hint, OTW_HINT_NONE);
    assert_string_equal(id->detail, "");
    assert_string_equal(id->source, "dhcp ack");

    header(&p, 2, NULL, yi, MAC);
    msg_type(&p, 2); /* DHCPOFFER */
    put8(&p, 255);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);

    header(&p, 2, NULL, NULL, MAC);
    msg_type(&p, 6); /* DHCPNAK */
    put8(&p, 255);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);

    /* ACK to an INFORM: yiaddr 0, nothing to bind */
    header(&p, 2, NULL, NULL, MAC);
    msg_type(&p, 5);
    put8(&p, 255);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);
}

static void test_release_decline_nothing(void **state)
{
    (void)state;
    pkt p;
    for (uint8_t t = 4; t <= 7; t += 3) { /* DECLINE, RELEASE */
        header(&p, 1, NULL, NULL, MAC);
        msg_type(&p, t);
        put8(&p, 255);
        assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
        assert_int_equal(g_rec.n_ids, 0);
    }
}

static void test_vendor_class_hints(void **state)
{
    (void)state;
    assert_int_equal(dhcp_vendor_class_hint("MSFT 5.0"), OTW_HINT_IT_HOST);
    assert_int_equal(dhcp_vendor_class_hint("MSFT 98"), OTW_HINT_IT_HOST);
    assert_int_equal(dhcp_vendor_class_hint("Hewlett-Packard JetDirect"), OTW_HINT_IOT);
    assert_int_equal(dhcp_vendor_class_hint("Canon MF8500C"), OTW_HINT_IOT);
    assert_int_equal(dhcp_vendor_class_hint("ArubaAP"), OTW_HINT_NETWORK);
    assert_int_equal(dhcp_vendor_class_hint("Cisco AP c1240"), OTW_HINT_NETWORK);
    assert_int_equal(dhcp_vendor_class_hint("dhcpcd-8.1.2:Linux-5.10:armv7l:BCM2835"),
                     OTW_HINT_NONE);
    assert_int_equal(dhcp_vendor_class_hint("android-dhcp-11"), OTW_HINT_NONE);
    assert_int_equal(dhcp_vendor_class_hint("udhcp 1.30.1"), OTW_HINT_NONE);
    assert_int_equal(dhcp_vendor_class_hint("xMSFT"), OTW_HINT_NONE); /* prefix only */
    assert_int_equal(dhcp_vendor_class_hint(""), OTW_HINT_NONE);
    assert_int_equal(dhcp_vendor_class_hint(NULL), OTW_HINT_NONE);
}

/* Plain BOOTP (no cookie) request: identity of the MAC only; reply with
 * yiaddr binds. */
static void test_bootp(void **state)
{
    (void)state;
    pkt p;
    header(&p, 1, NULL, NULL, MAC);
    p.n -= 4; /* no magic cookie, empty vendor area */
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    assert_true(g_rec.ids[0].has_mac);
    static const uint8_t yi[4] = {10, 0, 0, 9};
    header(&p, 2, NULL, yi, MAC);
    p.n -= 4;
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    assert_true(g_rec.ids[0].has_ip);
}

static void test_not_mine_and_malformed(void **state)
{
    (void)state;
    pkt p;
    header(&p, 3, NULL, NULL, MAC); /* op 3 */
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_NOT_MINE);
    header(&p, 1, NULL, NULL, MAC);
    assert_int_equal(
        dhcp_dissector.parse(NULL, OTW_DIR_TO_SERVER, p.b, DHCP_FIXED_LEN - 1, 0, &g_sink),
        OTW_PARSE_NOT_MINE);
    assert_int_equal(dhcp_dissector.parse(NULL, OTW_DIR_TO_SERVER, NULL, 0, 0, &g_sink),
                     OTW_PARSE_NOT_MINE);
    /* hlen 17: not a BOOTP header */
    header(&p, 1, NULL, NULL, MAC);
    p.b[2] = 17;
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_NOT_MINE);

    /* host name option claiming 200 bytes with 3 present: MALFORMED, the
     * options before it still count */
    header(&p, 1, NULL, NULL, MAC);
    msg_type(&p, 1);
    opt_str(&p, 60, "MSFT 5.0");
    put8(&p, 12);
    put8(&p, 200);
    putstr(&p, "abc");
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_MALFORMED);
    assert_int_equal(g_rec.n_anomalies, 1);
    assert_string_equal(g_rec.last_anomaly, "dhcp_malformed");
    assert_int_equal(g_rec.n_ids, 1);
    assert_string_equal(g_rec.ids[0].name, "");
    assert_int_equal(g_rec.ids[0].role_hint, OTW_HINT_IT_HOST);

    /* multicast or zero chaddr names no device */
    static const uint8_t mc[6] = {0x01, 0x00, 0x5e, 0, 0, 1}, zero[6] = {0};
    header(&p, 1, NULL, NULL, mc);
    msg_type(&p, 1);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);
    header(&p, 1, NULL, NULL, zero);
    msg_type(&p, 1);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);
}

/* Hostile strings: control bytes cleaned, long values cut. */
static void test_hostile_strings(void **state)
{
    (void)state;
    pkt p;
    uint8_t longname[255];
    memset(longname, 'A', sizeof(longname));
    longname[3] = '\n';
    uint8_t params[255];
    for (int i = 0; i < 255; i++)
        params[i] = (uint8_t)(i + 1);
    header(&p, 1, NULL, NULL, MAC);
    msg_type(&p, 8); /* DHCPINFORM */
    opt(&p, 12, longname, 255);
    opt(&p, 60, longname, 255);
    opt(&p, 55, params, 255);
    opt(&p, 61, params, 255);
    /* no End option: tolerated */
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    assert_int_equal(strlen(g_rec.ids[0].name), sizeof(g_rec.ids[0].name) - 1);
    assert_memory_equal(g_rec.ids[0].name, "AAA?AA", 6);
    assert_true(strlen(g_rec.ids[0].detail) < sizeof(g_rec.ids[0].detail));
}

static void test_truncation_and_garbage(void **state)
{
    (void)state;
    pkt p;
    static const uint8_t params[] = {1, 3, 6, 15};
    header(&p, 1, NULL, NULL, MAC);
    msg_type(&p, 3);
    opt_str(&p, 12, "host");
    opt_str(&p, 60, "MSFT 5.0");
    opt(&p, 55, params, sizeof(params));
    put8(&p, 255);
    every_truncation(&dhcp_dissector, p.b, p.n);
    garbage(&dhcp_dissector, p.b, p.n, 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discover),
        cmocka_unit_test(test_request_ciaddr),
        cmocka_unit_test(test_server_messages),
        cmocka_unit_test(test_release_decline_nothing),
        cmocka_unit_test(test_vendor_class_hints),
        cmocka_unit_test(test_bootp),
        cmocka_unit_test(test_not_mine_and_malformed),
        cmocka_unit_test(test_hostile_strings),
        cmocka_unit_test(test_truncation_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
