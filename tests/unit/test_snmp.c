/* test_snmp.c - SNMP dissector (protocols/snmp.c): operations, identity,
 * secrecy of the community, and hostile BER.
 *
 * Messages built in BER (X.690) after RFC 1157 (v1 message, Trap-PDU),
 * RFC 3416 (v2 PDUs) and RFC 3412 (v3 message).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ident_test.h"
#include "snmp.h"

#define COMMUNITY "s3cr3t-comm"

/* OIDs as BER content */
static const uint8_t SYS_DESCR[] = {0x2B, 6, 1, 2, 1, 1, 1, 0};           /* 1.3.6.1.2.1.1.1.0 */
static const uint8_t SYS_OBJECTID[] = {0x2B, 6, 1, 2, 1, 1, 2, 0};        /* 1.3.6.1.2.1.1.2.0 */
static const uint8_t SYS_NAME[] = {0x2B, 6, 1, 2, 1, 1, 5, 0};            /* 1.3.6.1.2.1.1.5.0 */
static const uint8_t SYS_UPTIME[] = {0x2B, 6, 1, 2, 1, 1, 3, 0};          /* 1.3.6.1.2.1.1.3.0 */
static const uint8_t TRAP_OID[] = {0x2B, 6, 1, 6, 3, 1, 1, 4, 1, 0};      /* snmpTrapOID.0 */
static const uint8_t LINK_DOWN[] = {0x2B, 6, 1, 6, 3, 1, 1, 5, 3};        /* linkDown */
static const uint8_t CISCO_2960[] = {0x2B, 6, 1, 4, 1, 9, 1, 0x89, 0x38}; /* .9.1.1208 */

/* tag + definite length + content */
static void tlv(pkt *out, uint8_t tag, const void *v, size_t n)
{
    put8(out, tag);
    if (n < 0x80) {
        put8(out, (unsigned)n);
    } else if (n < 0x100) {
        put8(out, 0x81);
        put8(out, (unsigned)n);
    } else {
        put8(out, 0x82);
        put16(out, (unsigned)n);
    }
    putmem(out, v, n);
}

static void wrap(pkt *out, uint8_t tag, const pkt *in)
{
    tlv(out, tag, in->b, in->n);
}

static void ber_int(pkt *out, int64_t v)
{
    uint8_t b[5];
    int n = 1;
    while (n < 4 && (v >= (1LL << (8 * n - 1)) || v < -(1LL << (8 * n - 1))))
        n++;
    if (v >= (1LL << 31))
        n = 5;
    for (int i = 0; i < n; i++)
        b[i] = (uint8_t)((uint64_t)v >> (8 * (n - 1 - i)));
    tlv(out, 0x02, b, (size_t)n);
}

typedef struct vb {
    const uint8_t *oid;
    size_t oid_len;
    uint8_t vtag; /* 0x05 NULL, 0x04 string, 0x06 OID */
    const void *val;
    size_t val_len;
} vb;

static void varbinds(pkt *out, const vb *v, size_t n)
{
    pkt list = {.n = 0};
    for (size_t i = 0; i < n; i++) {
        pkt one = {.n = 0};
        tlv(&one, 0x06, v[i].oid, v[i].oid_len);
        tlv(&one, v[i].vtag, v[i].val, v[i].val_len);
        wrap(&list, 0x30, &one);
    }
    wrap(out, 0x30, &list);
}

/* v1/v2c message with a request/response-shaped PDU. */
static void message(pkt *out, int version, uint8_t pdu_type, uint32_t rid, int err, const vb *v,
                    size_t n)
{
    pkt pdu = {.n = 0}, msg = {.n = 0};
    ber_int(&pdu, rid);
    ber_int(&pdu, err);
    ber_int(&pdu, err ? 1 : 0);
    varbinds(&pdu, v, n);
    ber_int(&msg, version);
    tlv(&msg, 0x04, COMMUNITY, strlen(COMMUNITY));
    wrap(&msg, (uint8_t)(0xA0 + pdu_type), &pdu);
    memset(out, 0, sizeof(*out));
    wrap(out, 0x30, &msg);
}

static snmp_session S;

static otw_parse_status feed(const pkt *p, otw_dir dir, uint64_t ts)
{
    return snmp_dissector.parse(&S, dir, p->b, p->n, ts, &g_sink);
}

static int setup(void **state)
{
    (void)state;
    snmp_dissector.session_init(&S);
    rec_reset();
    return 0;
}

static bool mem_has(const void *hay, size_t n, const char *needle)
{
    return memmem(hay, n, needle, strlen(needle)) != NULL;
}

/* The community never reaches any output. */
static void assert_no_community(void)
{
    for (size_t i = 0; i < g_rec.n_ops && i < REC_MAX; i++)
        assert_false(mem_has(&g_rec.ops[i], sizeof(g_rec.ops[i]), "s3cr3t"));
    for (size_t i = 0; i < g_rec.n_ids && i < REC_MAX; i++)
        assert_false(mem_has(&g_rec.ids[i], sizeof(g_rec.ids[i]), "s3cr3t"));
}

/* get sysDescr/sysObjectID/sysName, response with values: one read op
 * and the agent's identity. */
static void test_get_identity(void **state)
{
    (void)state;
    static const uint8_t null[1];
    const vb req[] = {{SYS_DESCR, sizeof(SYS_DESCR), 0x05, null, 0},
                      {SYS_OBJECTID, sizeof(SYS_OBJECTID), 0x05, null, 0},
                      {SYS_NAME, sizeof(SYS_NAME), 0x05, null, 0}};
    const char *descr = "Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version "
                        "12.2(50)SE5, RELEASE SOFTWARE (fc1)";
    const vb rsp[] = {{SYS_DESCR, sizeof(SYS_DESCR), 0x04, descr, strlen(descr)},
                      {SYS_OBJECTID, sizeof(SYS_OBJECTID), 0x06, CISCO_2960, sizeof(CISCO_2960)},
                      {SYS_NAME, sizeof(SYS_NAME), 0x04, "sw-cell-3", 9}};
    pkt p;
    message(&p, 1, 0, 0x12345678, 0, req, 3);
    assert_int_equal(feed(&p, OTW_DIR_TO_SERVER, 1000), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ops, 0); /* pending */
    assert_int_equal(S.n_pending, 1);
    message(&p, 1, 2, 0x12345678, 0, rsp, 3);
    assert_int_equal(feed(&p, OTW_DIR_TO_CLIENT, 1500), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ops, 1);
    const otw_op *op = &g_rec.ops[0];
    assert_int_equal(op->protocol, OTW_PROTO_SNMP);
    assert_int_equal(op->function, 0);
    assert_string_equal(op->function_name, "get-request");
    assert_int_equal(op->op_class, OTW_CLASS_READ);
    assert_string_equal(op->object, "1.3.6.1.2.1.1.1.0");
    assert_int_equal(op->transaction, 0x12345678);
    assert_int_equal(op->ts_us, 1000);
    assert_int_equal(op->response_ts_us, 1500);
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);
    assert_true(op->request_seen);
    assert_false(op->has_unit || op->has_address);

    assert_int_equal(g_rec.n_ids, 1);
    const otw_identity *id = &g_rec.ids[0];
    assert_int_equal(id->protocol, OTW_PROTO_SNMP);
    assert_int_equal(id->about, OTW_DIR_TO_CLIENT);
    assert_string_equal(id->name, "sw-cell-3");
    assert_string_equal(id->vendor, "Cisco");
    assert_string_equal(id->revision, "12.2(50)SE5");
    assert_memory_equal(id->product, descr, sizeof(id->product) - 1);
    assert_memory_equal(id->detail, "oid=1.3.6.1.4.1.9.1.1208;descr=Cisco IOS Software", 49);
    assert_no_community();
}

/* set -> write; an error-status answer is an exception with its code. */
static void test_set_exception(void **state)
{
    (void)state;
    const vb set[] = {{SYS_NAME, sizeof(SYS_NAME), 0x04, "evil", 4}};
    pkt p;
    message(&p, 0, 3, 77, 0, set, 1);
    assert_int_equal(feed(&p, OTW_DIR_TO_SERVER, 10), OTW_PARSE_OK);
    message(&p, 0, 2, 77, 4, set, 1); /* readOnly(4) */
    assert_int_equal(feed(&p, OTW_DIR_TO_CLIENT, 20), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ops, 1);
    assert_string_equal(g_rec.ops[0].function_name, "set-request");
    assert_int_equal(g_rec.ops[0].op_class, OTW_CLASS_WRITE);
    assert_int_equal(g_rec.ops[0].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(g_rec.ops[0].exception_code, 4);
    /* the refused value echoed by the answer is not the agent's name */
    assert_int_equal(g_rec.n_ids, 0);
    message(&p, 0, 3, 78, 0, set, 1);
    feed(&p, OTW_DIR_TO_SERVER, 30);
    message(&p, 0, 2, 78, 0, set, 1); /* accepted: the echo is the new name */
    feed(&p, OTW_DIR_TO_CLIENT, 40);
    assert_int_equal(g_rec.n_ids, 1);
    assert_string_equal(g_rec.ids[0].name, "evil");
    assert_no_community();
}

/* getnext, getbulk, inform; responses out of order; unmatched response;
 * retry with the same id; expiry. */
static void test_matching(void **state)
{
    (void)state;
    static const uint8_t null[1];
    const vb one[] = {{SYS_UPTIME, sizeof(SYS_UPTIME), 0x05, null, 0}};
    pkt p;
    message(&p, 1, 1, 1, 0, one, 1); /* getnext */
    feed(&p, OTW_DIR_TO_SERVER, 1);
    message(&p, 1, 5, 2, 0, one, 1); /* getbulk (non-repeaters 0, max-rep 0) */
    feed(&p, OTW_DIR_TO_SERVER, 2);
    message(&p, 1, 6, 3, 0, one, 1); /* inform */
    feed(&p, OTW_DIR_TO_SERVER, 3);
    message(&p, 1, 2, 2, 0, one, 1);
    feed(&p, OTW_DIR_TO_CLIENT, 4);
    assert_int_equal(g_rec.n_ops, 1);
    assert_string_equal(g_rec.ops[0].function_name, "getbulk-request");
    assert_int_equal(g_rec.ops[0].op_class, OTW_CLASS_READ);
    message(&p, 1, 2, 99, 0, one, 1); /* nobody asked */
    feed(&p, OTW_DIR_TO_CLIENT, 5);
    assert_int_equal(g_rec.n_ops, 2);
    assert_false(g_rec.ops[1].request_seen);
    assert_int_equal(g_rec.ops[1].function, 2);
    assert_int_equal(g_rec.ops[1].op_class, OTW_CLASS_OTHER);
    message(&p, 1, 1, 1, 0, one, 1); /* retry of getnext 1 */
    feed(&p, OTW_DIR_TO_SERVER, 6);
    assert_int_equal(g_rec.n_ops, 3);
    assert_int_equal(g_rec.ops[2].outcome, OTW_OUTCOME_NO_RESPONSE);
    assert_int_equal(g_rec.ops[2].ts_us, 1);
    snmp_expire(&S, 100, 50, &g_sink); /* inform 3 and getnext 1 are older than 50 */
    assert_int_equal(g_rec.n_ops, 5);
    assert_string_equal(g_rec.ops[3].function_name, "inform-request");
    assert_int_equal(g_rec.ops[3].op_class, OTW_CLASS_OTHER);
    assert_int_equal(S.n_pending, 0);
    /* table full: the oldest is given up */
    for (uint32_t i = 0; i < SNMP_MAX_PENDING + 1; i++) {
        message(&p, 1, 0, 1000 + i, 0, one, 1);
        feed(&p, OTW_DIR_TO_SERVER, 200 + i);
    }
    assert_int_equal(S.n_pending, SNMP_MAX_PENDING);
    assert_int_equal(g_rec.n_ops, 6);
    assert_int_equal(g_rec.ops[5].transaction, 1000);
    snmp_expire(&S, 0, 0, &g_sink);
    assert_int_equal(S.n_pending, 0);
    assert_int_equal(g_rec.n_ops, 6 + SNMP_MAX_PENDING);
}

/* v1 Trap-PDU and v2 trap: emitted at once, object = the trap's OID. */
static void test_traps(void **state)
{
    (void)state;
    pkt pdu = {.n = 0}, msg = {.n = 0}, p;
    static const uint8_t ent[] = {0x2B, 6, 1, 4, 1, 9, 1, 1};
    static const uint8_t addr[] = {10, 0, 0, 1};
    static const uint8_t tt[] = {0x01, 0x00};
    tlv(&pdu, 0x06, ent, sizeof(ent));
    tlv(&pdu, 0x40, addr, 4); /* agent-addr */
    ber_int(&pdu, 2);         /* linkDown */
    ber_int(&pdu, 0);
    tlv(&pdu, 0x43, tt, 2); /* time-stamp */
    varbinds(&pdu, NULL, 0);
    ber_int(&msg, 0);
    tlv(&msg, 0x04, COMMUNITY, strlen(COMMUNITY));
    wrap(&msg, 0xA4, &pdu);
    memset(&p, 0, sizeof(p));
    wrap(&p, 0x30, &msg);
    assert_int_equal(feed(&p, OTW_DIR_TO_SERVER, 5), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ops, 1);
    assert_string_equal(g_rec.ops[0].function_name, "trap");
    assert_string_equal(g_rec.ops[0].object, "1.3.6.1.4.1.9.1.1");
    assert_int_equal(g_rec.ops[0].op_class, OTW_CLASS_OTHER);
    assert_int_equal(g_rec.ops[0].outcome, OTW_OUTCOME_OK);
    assert_int_equal(g_rec.ops[0].response_ts_us, 0);

    static const uint8_t ticks[] = {0x12, 0x34};
    const vb v2[] = {{SYS_UPTIME, sizeof(SYS_UPTIME), 0x43, ticks, 2},
                     {TRAP_OID, sizeof(TRAP_OID), 0x06, LINK_DOWN, sizeof(LINK_DOWN)}};
    message(&p, 1, 7, 42, 0, v2, 2);
    assert_int_equal(feed(&p, OTW_DIR_TO_SERVER, 6), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ops, 2);
    assert_string_equal(g_rec.ops[1].function_name, "snmpV2-trap");
    assert_string_equal(g_rec.ops[1].object, "1.3.6.1.6.3.1.1.5.3");
    assert_int_equal(S.n_pending, 0);
    assert_no_community();
}

/* v3: cleartext scoped PDU (discovery get answered by a report) and an
 * encrypted PDU (counted only). */
static void v3(pkt *out, uint8_t pdu_type, uint32_t rid, bool encrypted)
{
    static const uint8_t null[1];
    pkt global = {.n = 0}, msg = {.n = 0}, scoped = {.n = 0}, pdu = {.n = 0};
    ber_int(&global, 0x1234);                           /* msgID */
    ber_int(&global, 65507);                            /* msgMaxSize */
    tlv(&global, 0x04, encrypted ? "\x07" : "\x04", 1); /* flags: reportable (+auth+priv) */
    ber_int(&global, 3);                                /* USM */
    ber_int(&msg, 3);
    wrap(&msg, 0x30, &global);
    tlv(&msg, 0x04, "\x30\x0e\x04\x00\x02\x01\x00\x02\x01\x00\x04\x06s3cr3t", 16);
    if (encrypted) {
        tlv(&msg, 0x04, "\x8a\x13\x00\x42garbage", 11);
    } else {
        const vb one[] = {{SYS_NAME, sizeof(SYS_NAME), 0x05, null, 0}};
        ber_int(&pdu, rid);
        ber_int(&pdu, 0);
        ber_int(&pdu, 0);
        varbinds(&pdu, one, 1);
        tlv(&scoped, 0x04, NULL, 0); /* contextEngineID */
        tlv(&scoped, 0x04, NULL, 0); /* contextName */
        wrap(&scoped, (uint8_t)(0xA0 + pdu_type), &pdu);
        wrap(&msg, 0x30, &scoped);
    }
    memset(out, 0, sizeof(*out));
    wrap(out, 0x30, &msg);
}

static void test_v3(void **state)
{
    (void)state;
    pkt p;
    v3(&p, 0, 555, false);
    assert_int_equal(feed(&p, OTW_DIR_TO_SERVER, 1), OTW_PARSE_OK);
    v3(&p, 8, 555, false); /* report */
    assert_int_equal(feed(&p, OTW_DIR_TO_CLIENT, 2), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ops, 1);
    assert_string_equal(g_rec.ops[0].function_name, "get-request");
    assert_int_equal(g_rec.ops[0].outcome, OTW_OUTCOME_EXCEPTION);
    v3(&p, 0, 0, true);
    assert_int_equal(feed(&p, OTW_DIR_TO_SERVER, 3), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ops, 1);
    assert_int_equal(S.n_encrypted, 1);
    assert_no_community();
}

/* Hostile BER: length bombs, indefinite lengths, high tags, huge ints. */
static void test_ber_bombs(void **state)
{
    (void)state;
    const struct {
        const char *what;
        uint8_t b[24];
        size_t n;
        otw_parse_status want;
    } cases[] = {
        {"4-byte length 0xFFFFFFFF",
         {0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0x01, 0x00},
         9,
         OTW_PARSE_NOT_MINE},
        {"8-byte length form",
         {0x30, 0x88, 0, 0, 0, 0, 0, 0, 0, 5, 0x02, 0x01, 0x00},
         13,
         OTW_PARSE_NOT_MINE},
        {"indefinite length", {0x30, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00}, 7, OTW_PARSE_NOT_MINE},
        {"high tag number", {0x3F, 0x01, 0x00}, 3, OTW_PARSE_NOT_MINE},
        {"version 9-byte integer",
         {0x30, 0x0B, 0x02, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 1},
         13,
         OTW_PARSE_NOT_MINE},
        {"version 2 (not SNMP v1/v2c/v3)", {0x30, 0x03, 0x02, 0x01, 0x02}, 5, OTW_PARSE_NOT_MINE},
        {"community longer than the message",
         {0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x7F, 0x41},
         8,
         OTW_PARSE_MALFORMED},
        {"PDU with a 2-byte length past the end",
         {0x30, 0x09, 0x02, 0x01, 0x01, 0x04, 0x00, 0xA0, 0x82, 0xFF, 0xFF},
         11,
         OTW_PARSE_MALFORMED},
        {"PDU tag 0xA9",
         {0x30, 0x07, 0x02, 0x01, 0x01, 0x04, 0x00, 0xA9, 0x00},
         9,
         OTW_PARSE_MALFORMED},
        {"request id of 0 bytes",
         {0x30, 0x0D, 0x02, 0x01, 0x01, 0x04, 0x00, 0xA0, 0x06, 0x02, 0x00, 0x02, 0x01, 0x00, 0x02,
          0x01},
         16,
         OTW_PARSE_MALFORMED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snmp_dissector.session_init(&S);
        rec_reset();
        uint8_t *copy = malloc(cases[i].n);
        memcpy(copy, cases[i].b, cases[i].n);
        otw_parse_status st =
            snmp_dissector.parse(&S, OTW_DIR_TO_SERVER, copy, cases[i].n, 1, &g_sink);
        free(copy);
        if (st != cases[i].want)
            fail_msg("%s: status %d, want %d", cases[i].what, st, cases[i].want);
        assert_int_equal(g_rec.n_ops, 0);
        assert_int_equal(S.n_pending, 0);
    }
    /* varbind list broken after a good header: the request is still
     * tracked, the PDU is MALFORMED */
    pkt pdu = {.n = 0}, msg = {.n = 0}, p;
    ber_int(&pdu, 5);
    ber_int(&pdu, 0);
    ber_int(&pdu, 0);
    static const uint8_t bad_list[] = {0x30, 0x05, 0x30, 0x7F, 0x06, 0x01, 0x2B};
    putmem(&pdu, bad_list, sizeof(bad_list));
    ber_int(&msg, 1);
    tlv(&msg, 0x04, COMMUNITY, strlen(COMMUNITY));
    wrap(&msg, 0xA3, &pdu);
    memset(&p, 0, sizeof(p));
    wrap(&p, 0x30, &msg);
    snmp_dissector.session_init(&S);
    rec_reset();
    assert_int_equal(feed(&p, OTW_DIR_TO_SERVER, 1), OTW_PARSE_MALFORMED);
    assert_int_equal(S.n_pending, 1);
    assert_string_equal(g_rec.last_anomaly, "snmp_malformed");
    /* 140 varbinds: only SNMP_MAX_VARBINDS are walked, no error */
    pkt big = {.n = 0}, list = {.n = 0};
    static const uint8_t one_vb[] = {0x30, 0x0C, 0x06, 0x08, 0x2B, 6, 1, 2, 1, 1, 3, 0, 0x05, 0x00};
    for (int i = 0; i < 140; i++)
        putmem(&list, one_vb, sizeof(one_vb));
    pdu.n = 0;
    ber_int(&pdu, 6);
    ber_int(&pdu, 0);
    ber_int(&pdu, 0);
    wrap(&pdu, 0x30, &list);
    msg.n = 0;
    ber_int(&msg, 1);
    tlv(&msg, 0x04, "x", 1);
    wrap(&msg, 0xA0, &pdu);
    wrap(&big, 0x30, &msg);
    assert_int_equal(feed(&big, OTW_DIR_TO_SERVER, 1), OTW_PARSE_OK);
}

static void test_oid_text(void **state)
{
    (void)state;
    char out[64];
    assert_true(snmp_oid_text(CISCO_2960, sizeof(CISCO_2960), out, sizeof(out)));
    assert_string_equal(out, "1.3.6.1.4.1.9.1.1208");
    static const uint8_t joint[] = {0x88, 0x37, 0x03}; /* 2.999.3 */
    assert_true(snmp_oid_text(joint, sizeof(joint), out, sizeof(out)));
    assert_string_equal(out, "2.999.3");
    static const uint8_t open_arc[] = {0x2B, 0x86};
    assert_false(snmp_oid_text(open_arc, sizeof(open_arc), out, sizeof(out)));
    static const uint8_t huge[] = {0x2B, 0x90, 0x80, 0x80, 0x80, 0x80, 0x00}; /* > 32 bits */
    assert_false(snmp_oid_text(huge, sizeof(huge), out, sizeof(out)));
    assert_false(snmp_oid_text(NULL, 0, out, sizeof(out)));
    char small[6];
    assert_true(snmp_oid_text(CISCO_2960, sizeof(CISCO_2960), small, sizeof(small)));
    assert_string_equal(small, "1.3.6");
    assert_string_equal(snmp_pdu_name(9), "Unknown");
}

static void test_truncation_and_garbage(void **state)
{
    (void)state;
    const char *descr = "Linux edge 5.10 #1 SMP";
    const vb rsp[] = {{SYS_DESCR, sizeof(SYS_DESCR), 0x04, descr, strlen(descr)},
                      {SYS_OBJECTID, sizeof(SYS_OBJECTID), 0x06, CISCO_2960, sizeof(CISCO_2960)},
                      {SYS_NAME, sizeof(SYS_NAME), 0x04, "edge", 4}};
    pkt p;
    message(&p, 1, 2, 0x01020304, 0, rsp, 3);
    every_truncation(&snmp_dissector, p.b, p.n);
    garbage(&snmp_dissector, p.b, p.n, 4000);
    v3(&p, 0, 9, false);
    every_truncation(&snmp_dissector, p.b, p.n);
    garbage(&snmp_dissector, p.b, p.n, 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_get_identity, setup),
        cmocka_unit_test_setup(test_set_exception, setup),
        cmocka_unit_test_setup(test_matching, setup),
        cmocka_unit_test_setup(test_traps, setup),
        cmocka_unit_test_setup(test_v3, setup),
        cmocka_unit_test_setup(test_ber_bombs, setup),
        cmocka_unit_test(test_oid_text),
        cmocka_unit_test(test_truncation_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
