/* test_nbns.c - NetBIOS name service identity dissector (protocols/nbns.c).
 *
 * Packets crafted after RFC 1002 section 4.2 (header 4.2.1, registration
 * 4.2.2, positive query response 4.2.13, node status response 4.2.18)
 * with names first-level encoded per RFC 1001 section 14.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ident_test.h"
#include "nbns.h"

/* Encoded name: length 32, 16 bytes (name blank-padded + suffix) as
 * nibble + 'A', then the root label. */
static void nb_name(pkt *p, const char *name, uint8_t suffix)
{
    uint8_t raw[16];
    memset(raw, ' ', 15);
    memcpy(raw, name, strlen(name));
    raw[15] = suffix;
    put8(p, 32);
    for (int i = 0; i < 16; i++) {
        put8(p, 'A' + (raw[i] >> 4));
        put8(p, 'A' + (raw[i] & 15));
    }
    put8(p, 0);
}

static void header(pkt *p, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ar)
{
    memset(p, 0, sizeof(*p));
    put16(p, 0x1234); /* transaction id */
    put16(p, flags);
    put16(p, qd);
    put16(p, an);
    put16(p, 0);
    put16(p, ar);
}

static otw_parse_status run(const pkt *p, otw_dir dir)
{
    rec_reset();
    return nbns_dissector.parse(NULL, dir, p->b, p->n, 1000, &g_sink);
}

/* Name registration request (opcode 5, RD, B): question ENG-WS01<00>,
 * additional record = pointer to the question name, NB, TTL, NB_FLAGS 0
 * (unique, B-node), address 10.0.0.9. */
static void registration(pkt *p, const char *name, uint8_t suffix, uint16_t nbflags)
{
    header(p, (5u << 11) | 0x0110, 1, 0, 1);
    nb_name(p, name, suffix);
    put16(p, 0x0020); /* NB */
    put16(p, 0x0001); /* IN */
    put16(p, 0xC00C); /* pointer to the question name at offset 12 */
    put16(p, 0x0020);
    put16(p, 0x0001);
    put32(p, 300000); /* TTL */
    put16(p, 6);
    put16(p, nbflags);
    put8(p, 10);
    put8(p, 0);
    put8(p, 0);
    put8(p, 9);
}

static void test_registration(void **state)
{
    (void)state;
    pkt p;
    registration(&p, "ENG-WS01", 0x00, 0x0000);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ops, 0);
    assert_int_equal(g_rec.n_ids, 1);
    const otw_identity *id = &g_rec.ids[0];
    assert_int_equal(id->protocol, OTW_PROTO_NBNS);
    assert_string_equal(id->name, "ENG-WS01");
    assert_string_equal(id->device_type, "Workstation");
    assert_int_equal(id->role_hint, OTW_HINT_IT_HOST);
    assert_true(id->has_ip);
    assert_false(id->has_mac);
    static const uint8_t ip[4] = {10, 0, 0, 9};
    assert_memory_equal(id->ip + 12, ip, 4);
    assert_int_equal(id->about, OTW_DIR_TO_SERVER);

    /* <20> file server service */
    registration(&p, "FILES", 0x20, 0x0000);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_string_equal(g_rec.ids[0].device_type, "File Server");

    /* domain controllers group <1C>: no host name, no binding */
    registration(&p, "PLANT", 0x1C, 0x8000);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    assert_string_equal(g_rec.ids[0].name, "");
    assert_string_equal(g_rec.ids[0].device_type, "Domain Controller");
    assert_string_equal(g_rec.ids[0].detail, "domain=PLANT");
    assert_false(g_rec.ids[0].has_ip);

    /* workgroup <00> group */
    registration(&p, "WORKGROUP", 0x00, 0x8000);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_string_equal(g_rec.ids[0].detail, "workgroup=WORKGROUP");

    /* <03> messenger: nothing to say */
    registration(&p, "ENG-WS01", 0x03, 0x0000);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);
}

/* Name query (nothing), positive response (name bound to its address),
 * group response (nothing). */
static void test_query_response(void **state)
{
    (void)state;
    pkt p;
    header(&p, 0x0110, 1, 0, 0);
    nb_name(&p, "GURU", 0x00);
    put16(&p, 0x0020);
    put16(&p, 0x0001);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);

    header(&p, 0x8500, 0, 1, 0); /* response, AA, RD */
    nb_name(&p, "GURU", 0x00);
    put16(&p, 0x0020);
    put16(&p, 0x0001);
    put32(&p, 300000);
    put16(&p, 6);
    put16(&p, 0x0000);
    put32(&p, 0x0A000501); /* 10.0.5.1 */
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    assert_string_equal(g_rec.ids[0].name, "GURU");
    assert_true(g_rec.ids[0].has_ip);
    assert_int_equal(g_rec.ids[0].ip[15], 1);
    assert_string_equal(g_rec.ids[0].source, "nbns name response");

    p.b[p.n - 6] = 0x80; /* group */
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);

    /* negative response (rcode 3) */
    header(&p, 0x8503, 0, 0, 0);
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);
}

static void status_entry(pkt *p, const char *name, uint8_t suffix, uint16_t flags)
{
    uint8_t raw[16];
    memset(raw, ' ', 15);
    memcpy(raw, name, strlen(name));
    raw[15] = suffix;
    putmem(p, raw, 16);
    put16(p, flags);
}

/* Node status response: the sender's name table and unit id. */
static void test_node_status(void **state)
{
    (void)state;
    pkt p;
    header(&p, 0x8400, 0, 1, 0);
    nb_name(&p, "*", 0x00); /* wildcard, as queried */
    put16(&p, 0x0021);      /* NBSTAT */
    put16(&p, 0x0001);
    put32(&p, 0);
    size_t len_at = p.n;
    put16(&p, 0); /* RDLENGTH, filled below */
    put8(&p, 4);
    status_entry(&p, "GUNNAR", 0x20, 0x0400);
    status_entry(&p, "VIGILANT_GROUP", 0x00, 0x8400);
    status_entry(&p, "GUNNAR", 0x00, 0x0400);
    status_entry(&p, "VIGILANT_GROUP", 0x1E, 0x8400);
    static const uint8_t unit[6] = {0x00, 0x1c, 0xc4, 0x10, 0x79, 0x0f};
    putmem(&p, unit, 6);
    for (int i = 0; i < 40; i++)
        put8(&p, 0); /* rest of the statistics */
    size_t rdlen = p.n - len_at - 2;
    p.b[len_at] = (uint8_t)(rdlen >> 8);
    p.b[len_at + 1] = (uint8_t)rdlen;
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    const otw_identity *id = &g_rec.ids[0];
    assert_string_equal(id->name, "GUNNAR");
    assert_string_equal(id->device_type, "File Server");
    assert_string_equal(id->detail, "workgroup=VIGILANT_GROUP;mac=00:1c:c4:10:79:0f");
    assert_false(id->has_ip);
    assert_int_equal(id->about, OTW_DIR_TO_CLIENT);
    assert_int_equal(id->role_hint, OTW_HINT_IT_HOST);

    /* name count larger than the data: MALFORMED, what was read is kept */
    p.b[len_at + 2] = 200;
    assert_int_equal(run(&p, OTW_DIR_TO_CLIENT), OTW_PARSE_MALFORMED);
    assert_string_equal(g_rec.last_anomaly, "nbns_malformed");
}

static void test_not_mine_and_loops(void **state)
{
    (void)state;
    pkt p;
    header(&p, 3u << 11, 1, 0, 0); /* opcode 3: not NBNS */
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_NOT_MINE);
    header(&p, 0, 50, 0, 0); /* 50 questions */
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_NOT_MINE);
    assert_int_equal(nbns_dissector.parse(NULL, OTW_DIR_TO_SERVER, p.b, 11, 0, &g_sink),
                     OTW_PARSE_NOT_MINE);
    /* question name = pointer to itself */
    header(&p, 0x0110, 1, 0, 0);
    put16(&p, 0xC00C);
    put32(&p, 0x00200001);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_MALFORMED);
    /* additional record pointing forward past itself */
    registration(&p, "X", 0, 0);
    p.b[12 + 34 + 4] = 0xC0;
    p.b[12 + 34 + 5] = 0xFF;
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_MALFORMED);
    assert_int_equal(g_rec.n_ids, 0);
    /* a name that is not NetBIOS-encoded: fine, nothing named */
    header(&p, (5u << 11), 1, 0, 1);
    put8(&p, 3);
    putstr(&p, "abc");
    put8(&p, 0);
    put32(&p, 0x00200001);
    put16(&p, 0xC00C);
    put16(&p, 0x0020);
    put16(&p, 0x0001);
    put32(&p, 1);
    put16(&p, 6);
    put16(&p, 0);
    put32(&p, 0x0A000001);
    assert_int_equal(run(&p, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);
}

static void test_decode_name(void **state)
{
    (void)state;
    char name[16];
    uint8_t suffix = 0;
    /* "FEEFEMEP..." = "PLC" */
    uint8_t enc[33];
    uint8_t raw[16] = "PLC\x01           ";
    raw[15] = 0x20;
    for (int i = 0; i < 16; i++) {
        enc[2 * i] = (uint8_t)('A' + (raw[i] >> 4));
        enc[2 * i + 1] = (uint8_t)('A' + (raw[i] & 15));
    }
    assert_true(nbns_decode_name(enc, 32, name, &suffix));
    assert_string_equal(name, "PLC?"); /* control byte cleaned */
    assert_int_equal(suffix, 0x20);
    enc[5] = 'Q';
    assert_false(nbns_decode_name(enc, 32, name, &suffix));
    assert_false(nbns_decode_name(enc, 31, name, &suffix));
    enc[5] = 'A';
    enc[32] = 'x';
    assert_false(nbns_decode_name(enc, 33, name, &suffix)); /* not followed by a scope dot */
}

static void test_truncation_and_garbage(void **state)
{
    (void)state;
    pkt p;
    registration(&p, "HMI-02", 0x00, 0x0000);
    every_truncation(&nbns_dissector, p.b, p.n);
    garbage(&nbns_dissector, p.b, p.n, 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registration), cmocka_unit_test(test_query_response),
        cmocka_unit_test(test_node_status),  cmocka_unit_test(test_not_mine_and_loops),
        cmocka_unit_test(test_decode_name),  cmocka_unit_test(test_truncation_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
