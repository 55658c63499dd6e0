/* test_mdns.c - mDNS / DNS-SD identity dissector (protocols/mdns.c) and
 * the DNS name reader (otw_idu_dns_name in protocols/idutil.c).
 *
 * Messages crafted after RFC 1035 4.1 (header, RRs, compression 4.1.4),
 * RFC 6762 (response flags 0x8400, cache-flush bit) and RFC 6763 (PTR/SRV/
 * TXT service records).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ident_test.h"
#include "idutil.h"
#include "mdns.h"

static void header(pkt *p, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ar)
{
    memset(p, 0, sizeof(*p));
    put16(p, 0);
    put16(p, flags);
    put16(p, qd);
    put16(p, an);
    put16(p, 0);
    put16(p, ar);
}

/* "a.b.c" as labels + root. */
static void name(pkt *p, const char *dotted)
{
    const char *s = dotted;
    while (*s) {
        const char *e = strchr(s, '.');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        put8(p, (unsigned)n);
        putmem(p, s, n);
        s += n;
        if (*s == '.')
            s++;
    }
    put8(p, 0);
}

/* RR header after the owner name; returns where RDLENGTH is. */
static size_t rr(pkt *p, uint16_t type)
{
    put16(p, type);
    put16(p, 0x8001); /* IN + cache flush */
    put32(p, 4500);
    size_t at = p->n;
    put16(p, 0);
    return at;
}

static void rdlen_fix(pkt *p, size_t at)
{
    size_t n = p->n - at - 2;
    p->b[at] = (uint8_t)(n >> 8);
    p->b[at + 1] = (uint8_t)n;
}

static void txt(pkt *p, const char *s)
{
    put8(p, (unsigned)strlen(s));
    putstr(p, s);
}

static otw_parse_status run(const pkt *p, otw_dir dir)
{
    rec_reset();
    return mdns_dissector.parse(NULL, dir, p->b, p->n, 1000, &g_sink);
}

/* A network printer announcing itself: PTR _ipp._tcp -> instance, SRV ->
 * host, TXT with ty/usb_MFG/usb_MDL, A record. */
static void printer(pkt *p)
{
    header(p, 0x8400, 0, 3, 1);
    size_t ipp = p->n;
    name(p, "_ipp._tcp.local");
    size_t at = rr(p, 12); /* PTR */
    size_t inst = p->n;
    put8(p, 14);
    putstr(p, "Office Printer");
    put16(p, 0xC000 | (unsigned)ipp); /* -> "_ipp._tcp.local" */
    rdlen_fix(p, at);

    put16(p, 0xC000 | (unsigned)inst); /* owner "Office Printer._ipp._tcp.local" */
    at = rr(p, 33);                    /* SRV */
    put16(p, 0);
    put16(p, 0);
    put16(p, 631);
    size_t host = p->n;
    name(p, "NPI7A2B3C.local");
    rdlen_fix(p, at);

    put16(p, 0xC000 | (unsigned)inst);
    at = rr(p, 16); /* TXT */
    txt(p, "txtvers=1");
    txt(p, "ty=HP LaserJet 400 M401dne");
    txt(p, "product=(HP LaserJet 400 M401dne)");
    txt(p, "usb_MFG=Hewlett-Packard");
    txt(p, "usb_MDL=HP LaserJet 400 M401dne");
    txt(p, "Color=F");
    txt(p, "duplex");
    rdlen_fix(p, at);

    put16(p, 0xC000 | (unsigned)host); /* additional: A */
    at = rr(p, 1);
    put32(p, 0xC0A8010A); /* 192.168.1.10 */
    rdlen_fix(p, at);
}

static void test_printer(void **state)
{
    (void)state;
    pkt p;
    printer(&p);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ops, 0);
    assert_int_equal(g_rec.n_ids, 2);
    const otw_identity *id = &g_rec.ids[0];
    assert_int_equal(id->protocol, OTW_PROTO_MDNS);
    assert_false(id->has_ip);
    assert_string_equal(id->name, "NPI7A2B3C");
    assert_string_equal(id->vendor, "Hewlett-Packard");
    assert_string_equal(id->model, "HP LaserJet 400 M401dne");
    assert_string_equal(id->product, "HP LaserJet 400 M401dne");
    assert_string_equal(id->device_type, "Printer");
    assert_string_equal(id->detail, "services=_ipp");
    assert_int_equal(id->role_hint, OTW_HINT_IOT);
    const otw_identity *b = &g_rec.ids[1];
    assert_true(b->has_ip);
    assert_string_equal(b->name, "NPI7A2B3C");
    static const uint8_t ip[4] = {192, 168, 1, 10};
    assert_memory_equal(b->ip + 12, ip, 4);
    assert_int_equal(b->role_hint, OTW_HINT_NONE);
}

/* Queries describe nothing. */
static void test_query(void **state)
{
    (void)state;
    pkt p;
    header(&p, 0x0000, 1, 0, 0);
    name(&p, "_googlecast._tcp.local");
    put16(&p, 12);
    put16(&p, 1);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);
}

/* One PTR per service type + optional _device-info TXT. */
static void services(pkt *p, const char *const *types, size_t n, const char *devinfo_model)
{
    header(p, 0x8400, 0, (uint16_t)(n + (devinfo_model ? 1 : 0)), 0);
    for (size_t i = 0; i < n; i++) {
        char owner[64];
        strcpy(owner, types[i]);
        strcat(owner, "._tcp.local");
        name(p, owner);
        size_t at = rr(p, 12);
        name(p, "box.local");
        rdlen_fix(p, at);
    }
    if (devinfo_model) {
        name(p, "box._device-info._tcp.local");
        size_t at = rr(p, 16);
        char kv[64] = "model=";
        strcat(kv, devinfo_model);
        txt(p, kv);
        rdlen_fix(p, at);
    }
}

static void test_roles(void **state)
{
    (void)state;
    pkt p;
    const struct {
        const char *types[3];
        size_t n;
        const char *model;
        otw_role_hint hint;
        const char *type;
    } cases[] = {
        {{"_googlecast"}, 1, NULL, OTW_HINT_IOT, "Google Cast"},
        {{"_hap"}, 1, NULL, OTW_HINT_IOT, "HomeKit Accessory"},
        {{"_axis-video", "_http"}, 2, NULL, OTW_HINT_IOT, "Camera"},
        {{"_pdl-datastream", "_smb"}, 2, NULL, OTW_HINT_IOT, "Printer"},
        {{"_smb"}, 1, NULL, OTW_HINT_IT_HOST, "Workstation"},
        {{"_airplay", "_raop"}, 2, "MacBookPro16,1", OTW_HINT_IT_HOST, "Workstation"},
        {{"_airplay", "_raop"}, 2, "AppleTV5,3", OTW_HINT_IOT, "AirPlay Receiver"},
        {{"_airplay"}, 1, NULL, OTW_HINT_IOT, "AirPlay Receiver"},
        {{"_http"}, 1, NULL, OTW_HINT_NONE, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        services(&p, cases[i].types, cases[i].n, cases[i].model);
        assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
        assert_int_equal(g_rec.n_ids, 1);
        assert_int_equal(g_rec.ids[0].role_hint, cases[i].hint);
        assert_string_equal(g_rec.ids[0].device_type, cases[i].type);
        assert_string_equal(g_rec.ids[0].name, "box"); /* instance name of the PTR target */
    }
    /* the _device-info model lands in model */
    const char *none[] = {"_companion-link"};
    services(&p, none, 1, "MacBookPro16,1");
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_string_equal(g_rec.ids[0].model, "MacBookPro16,1");
    assert_string_equal(g_rec.ids[0].detail, "services=_companion-link,_device-info");
}

/* Service enumeration (_services._dns-sd._udp PTR -> type) and a Google
 * Cast TXT (md=, fn=) with no host record: the friendly name is used. */
static void test_enumeration_and_friendly(void **state)
{
    (void)state;
    pkt p;
    header(&p, 0x8400, 0, 2, 0);
    name(&p, "_services._dns-sd._udp.local");
    size_t at = rr(&p, 12);
    name(&p, "_googlecast._tcp.local");
    rdlen_fix(&p, at);
    name(&p, "Chromecast-1a2b._googlecast._tcp.local");
    at = rr(&p, 16);
    txt(&p, "md=Chromecast Ultra");
    txt(&p, "fn=Meeting Room TV");
    rdlen_fix(&p, at);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    assert_string_equal(g_rec.ids[0].name, "Meeting Room TV");
    assert_string_equal(g_rec.ids[0].model, "Chromecast Ultra");
    assert_int_equal(g_rec.ids[0].role_hint, OTW_HINT_IOT);
    assert_int_equal(g_rec.ids[0].about, OTW_DIR_TO_CLIENT);
}

/* Compression loops and bombs: every one must end (and be MALFORMED). */
static void test_compression_loops(void **state)
{
    (void)state;
    pkt p;
    /* answer owner = pointer to itself */
    header(&p, 0x8400, 0, 1, 0);
    put16(&p, 0xC00C);
    rr(&p, 1);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_MALFORMED);
    assert_string_equal(g_rec.last_anomaly, "mdns_malformed");
    /* two pointers pointing at each other (the first points forward) */
    header(&p, 0x8400, 0, 1, 0);
    put16(&p, 0xC00E);
    put16(&p, 0xC00C);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_MALFORMED);
    /* label then a pointer back to that label: a loop through a backward
     * pointer, ended by the hop limit */
    header(&p, 0x8400, 0, 1, 0);
    put8(&p, 1);
    put8(&p, 'a');
    put16(&p, 0xC00C);
    rr(&p, 1);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_MALFORMED);
    /* reserved label types 0x40 / 0x80 */
    header(&p, 0x8400, 0, 1, 0);
    put8(&p, 0x41);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_MALFORMED);
    /* 65535 answers claimed, 2 present: bounded, what was read is used */
    header(&p, 0x8400, 0, 0xFFFF, 0xFFFF);
    name(&p, "cam1.local");
    size_t at = rr(&p, 1);
    put32(&p, 0x0A000002);
    rdlen_fix(&p, at);
    put16(&p, 0xC00C);
    at = rr(&p, 28);
    for (int i = 0; i < 16; i++)
        put8(&p, 0);
    rdlen_fix(&p, at);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_MALFORMED);
    assert_int_equal(g_rec.n_ids, 2);
    assert_string_equal(g_rec.ids[0].name, "cam1");
    /* opcode 1: not mDNS */
    header(&p, 0x8800, 0, 0, 0);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_NOT_MINE);
    assert_int_equal(mdns_dissector.parse(NULL, OTW_DIR_TO_SERVER, NULL, 0, 0, &g_sink),
                     OTW_PARSE_NOT_MINE);
}

static void test_dns_name_reader(void **state)
{
    (void)state;
    /* "ab.c" at 0, "x" + pointer to 0 at 6 */
    static const uint8_t msg[] = {2, 'a', 'b', 1, 'c', 0, 1, 'x', 0xC0, 0x00};
    uint8_t out[256];
    size_t off = 6, n = 0;
    assert_true(otw_idu_dns_name(msg, sizeof(msg), &off, out, sizeof(out), &n));
    assert_string_equal((char *)out, "x.ab.c");
    assert_int_equal(n, 6);
    assert_int_equal(off, 10); /* past the pointer */
    /* small output: cut, still terminated */
    uint8_t small[4];
    off = 6;
    assert_true(otw_idu_dns_name(msg, sizeof(msg), &off, small, sizeof(small), &n));
    assert_string_equal((char *)small, "x.a");
    /* running past the end */
    off = 0;
    assert_false(otw_idu_dns_name(msg, 4, &off, out, sizeof(out), &n));
    off = 8;
    assert_false(otw_idu_dns_name(msg, 9, &off, out, sizeof(out), &n)); /* half pointer */
    /* chains of backward pointers: 16 hops are followed, 17 are not */
    uint8_t chain[1 + 2 * 40];
    chain[0] = 0; /* root */
    for (int i = 0; i < 40; i++) {
        unsigned target = i == 0 ? 0 : 1 + 2 * (unsigned)(i - 1);
        chain[1 + 2 * i] = (uint8_t)(0xC0 | (target >> 8));
        chain[2 + 2 * i] = (uint8_t)target;
    }
    off = 1 + 2 * 15; /* 16th pointer: 16 hops to the root */
    assert_true(otw_idu_dns_name(chain, sizeof(chain), &off, out, sizeof(out), &n));
    assert_int_equal(n, 0);
    off = 1 + 2 * 16;
    assert_false(otw_idu_dns_name(chain, sizeof(chain), &off, out, sizeof(out), &n));
    off = 1 + 2 * 39;
    assert_false(otw_idu_dns_name(chain, sizeof(chain), &off, out, sizeof(out), &n));
}

static void test_truncation_and_garbage(void **state)
{
    (void)state;
    pkt p;
    printer(&p);
    every_truncation(&mdns_dissector, p.b, p.n);
    garbage(&mdns_dissector, p.b, p.n, 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_printer),
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_enumeration_and_friendly),
        cmocka_unit_test(test_compression_loops),
        cmocka_unit_test(test_dns_name_reader),
        cmocka_unit_test(test_truncation_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
