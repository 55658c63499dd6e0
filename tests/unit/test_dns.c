/* test_dns.c - DNS answers as address names (protocols/dns.c).
 *
 * Messages crafted after RFC 1035 4.1 (header flags 0x8180 = response,
 * recursion desired and available, NOERROR; question; answer RRs; 4.1.4
 * compression pointers 0xC00C to the question name), RFC 3596 (AAAA) and
 * RFC 7766 8 (TCP length prefix).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dns.h"
#include "ident_test.h"

static void header(pkt *p, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
    memset(p, 0, sizeof(*p));
    put16(p, 0x1234); /* id */
    put16(p, flags);
    put16(p, qd);
    put16(p, an);
    put16(p, ns);
    put16(p, ar);
}

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

static void question(pkt *p, const char *qname, uint16_t qtype)
{
    name(p, qname);
    put16(p, qtype);
    put16(p, 1); /* IN */
}

/* An answer whose owner is a pointer to the question (offset 12). */
static void answer(pkt *p, uint16_t type, const uint8_t *rd, uint16_t rdlen)
{
    put16(p, 0xC00C);
    put16(p, type);
    put16(p, 1);
    put32(p, 300);
    put16(p, rdlen);
    putmem(p, rd, rdlen);
}

static otw_parse_status run(const pkt *p, otw_dir dir)
{
    rec_reset();
    return dns_dissector.parse(NULL, dir, p->b, p->n, 1000, &g_sink);
}

static const uint8_t v4a[4] = {52, 28, 10, 7};
static const uint8_t v4b[4] = {18, 194, 4, 9};
static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};

/* "a1.iot.eu-west-1.amazonaws.com" A? -> two A records and one AAAA. */
static void two_a_one_aaaa(pkt *p)
{
    header(p, 0x8180, 1, 3, 0, 0);
    question(p, "A1.IoT.eu-west-1.AmazonAWS.com", 1);
    answer(p, 1, v4a, 4);
    answer(p, 1, v4b, 4);
    answer(p, 28, v6, 16);
}

static void assert_v4(const otw_identity *id, const uint8_t v4[4])
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    assert_true(id->has_ip);
    assert_false(id->has_mac);
    assert_memory_equal(id->ip, prefix, 12);
    assert_memory_equal(id->ip + 12, v4, 4);
}

static void test_answers(void **state)
{
    (void)state;
    pkt p;
    two_a_one_aaaa(&p);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 3);
    assert_int_equal(g_rec.n_ops, 0);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(g_rec.ids[i].protocol, OTW_PROTO_DNS);
        assert_string_equal(g_rec.ids[i].source, "dns answer");
        /* the question name, lower-cased (RFC 4343) */
        assert_string_equal(g_rec.ids[i].name, "a1.iot.eu-west-1.amazonaws.com");
        assert_int_equal(g_rec.ids[i].role_hint, OTW_HINT_NONE);
    }
    assert_v4(&g_rec.ids[0], v4a);
    assert_v4(&g_rec.ids[1], v4b);
    assert_memory_equal(g_rec.ids[2].ip, v6, 16);
}

/* A query carries no answer: nothing. */
static void test_query(void **state)
{
    (void)state;
    pkt p;
    header(&p, 0x0100, 1, 0, 0, 0);
    question(&p, "m1.tuyaus.com", 1);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);
    /* a "query" that carries answer records anyway: still nothing */
    header(&p, 0x0100, 1, 1, 0, 0);
    question(&p, "m1.tuyaus.com", 1);
    answer(&p, 1, v4a, 4);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);
}

/* CNAME chain: the address is named after the question, not the CNAME
 * target; records of other types and classes, authority and additional
 * sections name nothing. */
static void test_cname_chain(void **state)
{
    (void)state;
    pkt p;
    header(&p, 0x8180, 1, 3, 0, 1);
    question(&p, "a2.hik-connect.com", 1);
    /* CNAME a2.hik-connect.com -> edge.cdn.example (pointer to the question for its owner) */
    put16(&p, 0xC00C);
    put16(&p, 5);
    put16(&p, 1);
    put32(&p, 60);
    size_t at = p.n;
    put16(&p, 0);
    size_t target = p.n;
    name(&p, "edge.cdn.example");
    size_t rdl = p.n - at - 2;
    p.b[at] = (uint8_t)(rdl >> 8);
    p.b[at + 1] = (uint8_t)rdl;
    /* A of the CNAME target, owner = pointer to the target */
    put16(&p, 0xC000 | (unsigned)target);
    put16(&p, 1);
    put16(&p, 1);
    put32(&p, 60);
    put16(&p, 4);
    putmem(&p, v4b, 4);
    /* class CH A record: not an Internet address */
    put16(&p, 0xC00C);
    put16(&p, 1);
    put16(&p, 3);
    put32(&p, 60);
    put16(&p, 4);
    putmem(&p, v4a, 4);
    /* additional: A for something else */
    name(&p, "ns1.example");
    put16(&p, 1);
    put16(&p, 1);
    put32(&p, 60);
    put16(&p, 4);
    putmem(&p, v4a, 4);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    assert_string_equal(g_rec.ids[0].name, "a2.hik-connect.com");
    assert_v4(&g_rec.ids[0], v4b);
}

/* A blocked name (0.0.0.0, ::), NXDOMAIN, a wrong RDLENGTH: nothing. */
static void test_no_address(void **state)
{
    (void)state;
    pkt p;
    static const uint8_t zero[16] = {0};
    header(&p, 0x8180, 1, 2, 0, 0);
    question(&p, "ads.example", 1);
    answer(&p, 1, zero, 4);
    answer(&p, 28, zero, 16);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);

    header(&p, 0x8183, 1, 0, 1, 0); /* NXDOMAIN with an SOA */
    question(&p, "nothing.example", 1);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);

    header(&p, 0x8180, 1, 2, 0, 0);
    question(&p, "odd.example", 1);
    answer(&p, 1, v6, 16);  /* A with 16 bytes */
    answer(&p, 28, v4a, 4); /* AAAA with 4 bytes */
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);

    header(&p, 0x8180, 1, 1, 0, 0); /* root name: no name to give */
    put8(&p, 0);
    put16(&p, 1);
    put16(&p, 1);
    answer(&p, 1, v4a, 4);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);
}

/* TCP: the same message behind its 2-byte length; frame_len cuts it. */
static void test_tcp(void **state)
{
    (void)state;
    pkt m, p;
    two_a_one_aaaa(&m);
    memset(&p, 0, sizeof(p));
    put16(&p, (unsigned)m.n);
    putmem(&p, m.b, m.n);
    assert_int_equal(dns_dissector.frame_len(p.b, 1), OTW_FRAME_NEED_MORE);
    assert_int_equal(dns_dissector.frame_len(p.b, 2), (long)p.n);
    assert_int_equal(dns_dissector.frame_len(p.b, p.n), (long)p.n);
    static const uint8_t tiny[2] = {0, 5};
    assert_int_equal(dns_dissector.frame_len(tiny, 2), OTW_FRAME_NOT_MINE);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 3);
    assert_string_equal(g_rec.ids[0].name, "a1.iot.eu-west-1.amazonaws.com");
    assert_int_equal(dns_dissector.tcp_ports[0], 53);
    assert_int_equal(dns_dissector.udp_ports[0], 53);
    assert_false(dns_dissector.industrial);
}

/* A UDP message whose id happens to equal its length - 2 still parses. */
static void test_udp_id_like_length(void **state)
{
    (void)state;
    pkt p;
    two_a_one_aaaa(&p);
    p.b[0] = (uint8_t)((p.n - 2) >> 8);
    p.b[1] = (uint8_t)(p.n - 2);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 3);
}

/* Long names keep their rightmost labels. */
static void test_long_name(void **state)
{
    (void)state;
    pkt p;
    const char *q = "abcdefghij0123456789.abcdefghij0123456789.device-1234567890."
                    "eu-west-1.iot.example.com";
    header(&p, 0x8180, 1, 1, 0, 0);
    question(&p, q, 1);
    answer(&p, 1, v4a, 4);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    assert_string_equal(g_rec.ids[0].name, "*.device-1234567890.eu-west-1.iot.example.com");
    assert_true(strlen(g_rec.ids[0].name) < sizeof(g_rec.ids[0].name));

    /* one 63-byte label + ".com": only the domain fits */
    char big[80];
    memset(big, 'x', 63);
    memcpy(big + 63, ".com", 5);
    header(&p, 0x8180, 1, 1, 0, 0);
    question(&p, big, 1);
    answer(&p, 1, v4a, 4);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    assert_string_equal(g_rec.ids[0].name, "*.com");
    /* a single 63-byte label (the longest there is) fits whole */
    char one[70];
    memset(one, 'y', 63);
    one[0] = 'a';
    one[62] = 'z';
    one[63] = '\0';
    header(&p, 0x8180, 1, 1, 0, 0);
    question(&p, one, 1);
    answer(&p, 1, v4a, 4);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    assert_string_equal(g_rec.ids[0].name, one);

    /* control bytes in a label are cleaned */
    header(&p, 0x8180, 1, 1, 0, 0);
    put8(&p, 3);
    putmem(&p, "a\x01z", 3);
    put8(&p, 0);
    put16(&p, 1);
    put16(&p, 1);
    answer(&p, 1, v4a, 4);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    assert_string_equal(g_rec.ids[0].name, "a?z");
}

/* At most DNS_MAX_ADDRS identities; at most DNS_MAX_RECORDS records read. */
static void test_limits(void **state)
{
    (void)state;
    pkt p;
    header(&p, 0x8180, 1, 40, 0, 0);
    question(&p, "many.example", 1);
    for (int i = 0; i < 40; i++) {
        uint8_t a[4] = {198, 51, 100, (uint8_t)(i + 1)};
        answer(&p, 1, a, 4);
    }
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, DNS_MAX_ADDRS);

    /* an answer count far above what is there: malformed after the real ones */
    header(&p, 0x8180, 1, 0xFFFF, 0, 0);
    question(&p, "many.example", 1);
    answer(&p, 1, v4a, 4);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_MALFORMED);
    assert_int_equal(g_rec.n_ids, 1);
    assert_int_equal(g_rec.n_anomalies, 1);
    assert_string_equal(g_rec.last_anomaly, "dns_malformed");
}

/* Compression loops, forward pointers and reserved label types end. */
static void test_bad_names(void **state)
{
    (void)state;
    pkt p;
    /* question name is a pointer to itself */
    header(&p, 0x8180, 1, 1, 0, 0);
    put16(&p, 0xC00C);
    put16(&p, 1);
    put16(&p, 1);
    answer(&p, 1, v4a, 4);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_MALFORMED);
    assert_int_equal(g_rec.n_ids, 0);
    /* answer owner points forward */
    header(&p, 0x8180, 1, 1, 0, 0);
    question(&p, "loop.example", 1);
    put16(&p, 0xC000 | 0x3FFF);
    put16(&p, 1);
    put16(&p, 1);
    put32(&p, 1);
    put16(&p, 4);
    putmem(&p, v4a, 4);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_MALFORMED);
    assert_int_equal(g_rec.n_ids, 0);
    /* 0x40 extended label type */
    header(&p, 0x8180, 1, 1, 0, 0);
    put8(&p, 0x41);
    put8(&p, 'x');
    put8(&p, 0);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_MALFORMED);
}

static void test_not_mine(void **state)
{
    (void)state;
    pkt p;
    static const uint8_t short_msg[5] = {1, 2, 3, 4, 5};
    rec_reset();
    assert_int_equal(dns_dissector.parse(NULL, OTW_DIR_TO_CLIENT, short_msg, 5, 1, &g_sink),
                     OTW_PARSE_NOT_MINE);
    assert_int_equal(dns_dissector.parse(NULL, OTW_DIR_TO_CLIENT, NULL, 0, 1, &g_sink),
                     OTW_PARSE_NOT_MINE);
    header(&p, 0x8180 | (7u << 11), 1, 1, 0, 0); /* opcode 7: reserved */
    question(&p, "x.example", 1);
    answer(&p, 1, v4a, 4);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_NOT_MINE);
    assert_int_equal(g_rec.n_ids, 0);
}

/* A NULL sink or sink without callbacks is fine. */
static void test_null_sink(void **state)
{
    (void)state;
    pkt p;
    two_a_one_aaaa(&p);
    otw_sink empty = {NULL, NULL, NULL, NULL, NULL};
    assert_int_equal(dns_parse(NULL, OTW_DIR_TO_CLIENT, p.b, p.n, 1, NULL), OTW_PARSE_OK);
    assert_int_equal(dns_parse(NULL, OTW_DIR_TO_CLIENT, p.b, p.n, 1, &empty), OTW_PARSE_OK);
}

static void test_hostile(void **state)
{
    (void)state;
    pkt p;
    two_a_one_aaaa(&p);
    every_truncation(&dns_dissector, p.b, p.n);
    garbage(&dns_dissector, p.b, p.n, 4000);
    pkt t;
    memset(&t, 0, sizeof(t));
    put16(&t, (unsigned)p.n);
    putmem(&t, p.b, p.n);
    every_truncation(&dns_dissector, t.b, t.n);
    garbage(&dns_dissector, t.b, t.n, 4000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers),     cmocka_unit_test(test_query),
        cmocka_unit_test(test_cname_chain), cmocka_unit_test(test_no_address),
        cmocka_unit_test(test_tcp),         cmocka_unit_test(test_udp_id_like_length),
        cmocka_unit_test(test_long_name),   cmocka_unit_test(test_limits),
        cmocka_unit_test(test_bad_names),   cmocka_unit_test(test_not_mine),
        cmocka_unit_test(test_null_sink),   cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
