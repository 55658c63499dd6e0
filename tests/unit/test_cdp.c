/* test_cdp.c - CDP identity dissector (protocols/cdp.c).
 *
 * PDUs crafted after Cisco's published CDP format: version, TTL, checksum,
 * then TLVs with a 16-bit type and a 16-bit length including the header.
 * The data starts after the SNAP header (the sensor strips AA AA 03
 * 00 00 0C 20 00).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cdp.h"
#include "ident_test.h"

static void tlv(pkt *p, unsigned type, const void *v, unsigned n)
{
    put16(p, type);
    put16(p, n + 4);
    putmem(p, v, n);
}

static void tlv_str(pkt *p, unsigned type, const char *s)
{
    tlv(p, type, s, (unsigned)strlen(s));
}

static void hdr(pkt *p, uint8_t version)
{
    memset(p, 0, sizeof(*p));
    put8(p, version);
    put8(p, 180); /* TTL */
    put16(p, 0);  /* checksum (not verified) */
}

static void caps(pkt *p, uint32_t c)
{
    uint8_t b[4] = {(uint8_t)(c >> 24), (uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c};
    tlv(p, 0x0004, b, 4);
}

static otw_parse_status run(const pkt *p)
{
    rec_reset();
    return cdp_dissector.parse(NULL, OTW_DIR_TO_SERVER, p->b, p->n, 1000, &g_sink);
}

/* The router of zeek's cdp-v1 trace, rebuilt by hand. */
static void test_router(void **state)
{
    (void)state;
    pkt p;
    hdr(&p, 1);
    tlv_str(&p, 0x0001, "R1");
    /* 1 address: NLPID (1), length 1, 0xCC = IP, address length 4 */
    static const uint8_t addrs[] = {0, 0, 0, 1, 1, 1, 0xCC, 0, 4, 192, 168, 10, 1};
    tlv(&p, 0x0002, addrs, sizeof(addrs));
    tlv_str(&p, 0x0003, "Ethernet0");
    caps(&p, 0x01); /* router */
    tlv_str(&p, 0x0005,
            "Cisco Internetwork Operating System Software \n"
            "IOS (tm) 1600 Software (C1600-NY-L), Version 11.2(12)P, RELEASE "
            "SOFTWARE (fc1)\nCopyright (c) 1986-1998 by cisco Systems, Inc.\n");
    tlv_str(&p, 0x0006, "cisco 1601");
    static const uint8_t vlan[] = {0x00, 0x0A};
    tlv(&p, 0x000A, vlan, 2);
    assert_int_equal(run(&p), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ops, 0);
    assert_int_equal(g_rec.n_ids, 1);
    const otw_identity *id = &g_rec.ids[0];
    assert_int_equal(id->protocol, OTW_PROTO_CDP);
    assert_string_equal(id->vendor, "Cisco");
    assert_string_equal(id->name, "R1");
    assert_string_equal(id->model, "cisco 1601");
    assert_string_equal(id->product, "Cisco Internetwork Operating System Software");
    assert_string_equal(id->revision, "11.2(12)P");
    assert_string_equal(id->detail, "caps=router;port=Ethernet0;addr=192.168.10.1;vlan=10");
    assert_int_equal(id->role_hint, OTW_HINT_NETWORK);
    assert_false(id->has_mac || id->has_ip);
}

/* Role precedence: switch -> network, phone(+host) -> iot, host -> it_host. */
static void test_roles(void **state)
{
    (void)state;
    pkt p;
    const struct {
        uint32_t caps;
        otw_role_hint hint;
        const char *detail;
    } cases[] = {
        {0x28, OTW_HINT_NETWORK, "caps=switch,igmp"},
        {0x90, OTW_HINT_IOT, "caps=host,phone"},
        {0x10, OTW_HINT_IT_HOST, "caps=host"},
        {0x100, OTW_HINT_NONE, "caps=managed"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        hdr(&p, 2);
        tlv_str(&p, 0x0001, "dev");
        caps(&p, cases[i].caps);
        assert_int_equal(run(&p), OTW_PARSE_OK);
        assert_int_equal(g_rec.n_ids, 1);
        assert_int_equal(g_rec.ids[0].role_hint, cases[i].hint);
        assert_string_equal(g_rec.ids[0].detail, cases[i].detail);
    }
    /* modern IOS: product up to the first comma */
    hdr(&p, 2);
    tlv_str(&p, 0x0005,
            "Cisco IOS Software, C3750 Software (C3750-IPSERVICESK9-M), Version "
            "12.2(55)SE, RELEASE SOFTWARE (fc2)");
    assert_int_equal(run(&p), OTW_PARSE_OK);
    assert_string_equal(g_rec.ids[0].product, "Cisco IOS Software");
    assert_string_equal(g_rec.ids[0].revision, "12.2(55)SE");
}

static void test_malformed(void **state)
{
    (void)state;
    pkt p;
    hdr(&p, 3);
    tlv_str(&p, 1, "x");
    assert_int_equal(run(&p), OTW_PARSE_NOT_MINE);
    hdr(&p, 2);
    tlv_str(&p, 1, "R2");
    put16(&p, 0x0006);
    put16(&p, 2); /* length below the TLV header */
    assert_int_equal(run(&p), OTW_PARSE_MALFORMED);
    assert_int_equal(g_rec.n_ids, 1); /* R2 before it still counts */
    assert_string_equal(g_rec.last_anomaly, "cdp_malformed");
    hdr(&p, 2);
    put16(&p, 0x0001);
    put16(&p, 400); /* past the frame */
    putstr(&p, "R3");
    assert_int_equal(run(&p), OTW_PARSE_MALFORMED);
    assert_int_equal(g_rec.n_ids, 0);
    /* address count 1000 with one address present */
    hdr(&p, 2);
    static const uint8_t addrs[] = {0, 0, 0x03, 0xE8, 1, 1, 0xCC, 0, 4, 10, 0, 0, 1};
    tlv(&p, 0x0002, addrs, sizeof(addrs));
    tlv_str(&p, 1, "R4");
    assert_int_equal(run(&p), OTW_PARSE_MALFORMED);
    /* two stray bytes */
    hdr(&p, 2);
    tlv_str(&p, 1, "R5");
    put16(&p, 0);
    assert_int_equal(run(&p), OTW_PARSE_MALFORMED);
    assert_int_equal(cdp_dissector.parse(NULL, OTW_DIR_TO_SERVER, NULL, 0, 0, &g_sink),
                     OTW_PARSE_NOT_MINE);
}

static void test_truncation_and_garbage(void **state)
{
    (void)state;
    pkt p;
    hdr(&p, 2);
    tlv_str(&p, 0x0001, "SW1");
    static const uint8_t addrs[] = {0, 0, 0,    2,    1, 1, 0xCC, 0, 4,    10,   0, 0, 2,
                                    2, 8, 0xAA, 0xAA, 3, 0, 0,    0, 0x86, 0xDD, 0, 1, 0};
    tlv(&p, 0x0002, addrs, sizeof(addrs));
    caps(&p, 0x29);
    tlv_str(&p, 0x0005, "Version 15.0(2)SE");
    tlv_str(&p, 0x0006, "WS-C2960");
    every_truncation(&cdp_dissector, p.b, p.n);
    garbage(&cdp_dissector, p.b, p.n, 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_router),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_truncation_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
