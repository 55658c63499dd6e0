/* test_lldp.c - LLDP identity dissector (protocols/lldp.c) and the shared
 * version finder (protocols/idutil.c).
 *
 * LLDPDUs crafted after IEEE 802.1AB-2016 clause 8.5: TLV header = 7-bit
 * type + 9-bit length; LLDP-MED inventory after ANSI/TIA-1057 10.2.6.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ident_test.h"
#include "idutil.h"
#include "lldp.h"

static void tlv(pkt *p, unsigned type, const void *v, unsigned n)
{
    put16(p, (type << 9) | n);
    putmem(p, v, n);
}

static void tlv_str(pkt *p, unsigned type, const char *s)
{
    tlv(p, type, s, (unsigned)strlen(s));
}

/* Chassis id (subtype 4 MAC), port id (subtype 7 local "1"), TTL 120. */
static void mandatory(pkt *p)
{
    static const uint8_t chassis[] = {4, 0x00, 0x22, 0x2d, 0x81, 0xdb, 0x10};
    static const uint8_t port[] = {7, '1'};
    static const uint8_t ttl[] = {0, 120};
    memset(p, 0, sizeof(*p));
    tlv(p, 1, chassis, sizeof(chassis));
    tlv(p, 2, port, sizeof(port));
    tlv(p, 3, ttl, sizeof(ttl));
}

static otw_parse_status run(const pkt *p)
{
    rec_reset();
    return lldp_dissector.parse(NULL, OTW_DIR_TO_SERVER, p->b, p->n, 1000, &g_sink);
}

/* A managed switch: name, description with firmware, bridge capability,
 * IPv4 management address; then End TLV and Ethernet padding. */
static void test_switch(void **state)
{
    (void)state;
    pkt p;
    mandatory(&p);
    tlv_str(&p, 4, "Port #1");
    tlv_str(&p, 5, "SMCGS8P-Smart");
    tlv_str(&p, 6, "SMCGS8P-Smart - SMCGS8P-Smart v3.20");
    static const uint8_t caps[] = {0x00, 0x04, 0x00, 0x04}; /* bridge / bridge enabled */
    tlv(&p, 7, caps, sizeof(caps));
    /* addr len 5, IPv4, 192.168.2.10, ifIndex 1, OID len 0 */
    static const uint8_t mgmt[] = {5, 1, 192, 168, 2, 10, 2, 0, 0, 0, 1, 0};
    tlv(&p, 8, mgmt, sizeof(mgmt));
    /* IEEE 802.1 port VLAN id (skipped) */
    static const uint8_t org[] = {0x00, 0x80, 0xC2, 0x01, 0x00, 0x01};
    tlv(&p, 127, org, sizeof(org));
    tlv(&p, 0, NULL, 0); /* End */
    put16(&p, 0xdead);   /* padding / FCS after End */
    assert_int_equal(run(&p), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ops, 0);
    assert_int_equal(g_rec.n_ids, 1);
    const otw_identity *id = &g_rec.ids[0];
    assert_int_equal(id->protocol, OTW_PROTO_LLDP);
    assert_false(id->has_mac);
    assert_false(id->has_ip);
    assert_string_equal(id->name, "SMCGS8P-Smart");
    assert_string_equal(id->product, "SMCGS8P-Smart - SMCGS8P-Smart v3.20");
    assert_string_equal(id->revision, "3.20");
    assert_string_equal(id->detail, "caps=bridge;mgmt=192.168.2.10;port=Port #1");
    assert_int_equal(id->role_hint, OTW_HINT_NETWORK);
    assert_int_equal(id->about, OTW_DIR_TO_SERVER);
}

/* An IP phone with LLDP-MED inventory: vendor, model, serial, firmware. */
static void test_phone_med(void **state)
{
    (void)state;
    pkt p;
    mandatory(&p);
    tlv_str(&p, 5, "SEP001122334455");
    static const uint8_t caps[] = {0x00, 0x24, 0x00, 0x20}; /* bridge+phone / phone enabled */
    tlv(&p, 7, caps, sizeof(caps));
    uint8_t med[64];
    const struct {
        uint8_t sub;
        const char *v;
    } inv[] = {{5, "HW 2"},        {6, "sip88xx.12-8"},        {7, "12.8.1"},
               {8, "FCH1234ABCD"}, {9, "Cisco Systems, Inc."}, {10, "CP-8841"}};
    for (size_t i = 0; i < sizeof(inv) / sizeof(inv[0]); i++) {
        med[0] = 0x00;
        med[1] = 0x12;
        med[2] = 0xBB;
        med[3] = inv[i].sub;
        memcpy(med + 4, inv[i].v, strlen(inv[i].v));
        tlv(&p, 127, med, 4 + (unsigned)strlen(inv[i].v));
    }
    assert_int_equal(run(&p), OTW_PARSE_OK); /* no End TLV: the frame end is fine */
    assert_int_equal(g_rec.n_ids, 1);
    const otw_identity *id = &g_rec.ids[0];
    assert_string_equal(id->vendor, "Cisco Systems, Inc.");
    assert_string_equal(id->model, "CP-8841");
    assert_string_equal(id->serial, "FCH1234ABCD");
    assert_string_equal(id->revision, "sip88xx.12-8"); /* firmware wins over software */
    assert_string_equal(id->detail, "caps=telephone;port=1");
    assert_int_equal(id->role_hint, OTW_HINT_IOT);
}

static void test_station_no_hint(void **state)
{
    (void)state;
    pkt p;
    mandatory(&p);
    tlv_str(&p, 5, "plc-7");
    static const uint8_t caps[] = {0x00, 0x80, 0x00, 0x80}; /* station only */
    tlv(&p, 7, caps, sizeof(caps));
    assert_int_equal(run(&p), OTW_PARSE_OK);
    assert_int_equal(g_rec.ids[0].role_hint, OTW_HINT_NONE);
    assert_string_equal(g_rec.ids[0].detail, "caps=station;port=1");
}

/* Only mandatory TLVs: nothing about the device, no identity. */
static void test_mandatory_only(void **state)
{
    (void)state;
    pkt p;
    mandatory(&p);
    tlv(&p, 0, NULL, 0);
    assert_int_equal(run(&p), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);
}

static void test_malformed(void **state)
{
    (void)state;
    pkt p;
    /* first TLV is not the chassis id */
    memset(&p, 0, sizeof(p));
    tlv_str(&p, 5, "x");
    assert_int_equal(run(&p), OTW_PARSE_MALFORMED);
    assert_int_equal(g_rec.n_ids, 0);
    assert_string_equal(g_rec.last_anomaly, "lldp_malformed");

    /* system description claims 511 bytes: what came before is used */
    mandatory(&p);
    tlv_str(&p, 5, "sw-core");
    put16(&p, (6u << 9) | 511u);
    putstr(&p, "short");
    assert_int_equal(run(&p), OTW_PARSE_MALFORMED);
    assert_int_equal(g_rec.n_ids, 1);
    assert_string_equal(g_rec.ids[0].name, "sw-core");

    /* management address with an address string length of 40 */
    mandatory(&p);
    tlv_str(&p, 5, "sw");
    static const uint8_t bad[] = {40, 1, 1, 2, 3, 4};
    tlv(&p, 8, bad, sizeof(bad));
    assert_int_equal(run(&p), OTW_PARSE_MALFORMED);

    /* one stray byte after the TLVs */
    mandatory(&p);
    put8(&p, 0x0A);
    assert_int_equal(run(&p), OTW_PARSE_MALFORMED);
    assert_int_equal(lldp_dissector.parse(NULL, OTW_DIR_TO_SERVER, NULL, 0, 0, &g_sink),
                     OTW_PARSE_OK);
}

static void test_version_finder(void **state)
{
    (void)state;
    char v[32];
    assert_true(otw_idu_version("Cisco IOS Software, C3750 Software (C3750-IPSERVICESK9-M), "
                                "Version 12.2(55)SE, RELEASE SOFTWARE (fc2)",
                                v, sizeof(v)));
    assert_string_equal(v, "12.2(55)SE");
    assert_true(otw_idu_version("SMCGS8P-Smart v3.20", v, sizeof(v)));
    assert_string_equal(v, "3.20");
    assert_true(otw_idu_version("Linux 4.9 (Version 2.1.0)", v, sizeof(v)));
    assert_string_equal(v, "2.1.0");
    assert_true(otw_idu_version("firmware version: 1.02.", v, sizeof(v)));
    assert_string_equal(v, "1.02");
    assert_false(otw_idu_version("v2 only", v, sizeof(v)));        /* needs a dot */
    assert_false(otw_idu_version("conversion 5.1", v, sizeof(v))); /* not a word start */
    assert_false(otw_idu_version("", v, sizeof(v)));
    assert_false(otw_idu_version(NULL, v, sizeof(v)));
    char small[4];
    assert_true(otw_idu_version("Version 123456", small, sizeof(small)));
    assert_string_equal(small, "123");
}

static void test_truncation_and_garbage(void **state)
{
    (void)state;
    pkt p;
    mandatory(&p);
    tlv_str(&p, 5, "name");
    tlv_str(&p, 6, "desc v1.0");
    static const uint8_t caps[] = {0x00, 0x14, 0x00, 0x10};
    tlv(&p, 7, caps, sizeof(caps));
    static const uint8_t mgmt[] = {5, 1, 10, 0, 0, 1, 2, 0, 0, 0, 1, 0};
    tlv(&p, 8, mgmt, sizeof(mgmt));
    static const uint8_t med[] = {0x00, 0x12, 0xBB, 10, 'M'};
    tlv(&p, 127, med, sizeof(med));
    tlv(&p, 0, NULL, 0);
    every_truncation(&lldp_dissector, p.b, p.n);
    garbage(&lldp_dissector, p.b, p.n, 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_switch),
        cmocka_unit_test(test_phone_med),
        cmocka_unit_test(test_station_no_hint),
        cmocka_unit_test(test_mandatory_only),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_version_finder),
        cmocka_unit_test(test_truncation_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
