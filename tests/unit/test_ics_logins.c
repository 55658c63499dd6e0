/* test_ics_logins.c - credentials reported by the SNMP, MELSOFT and S7comm
 * dissectors (issue 6): SNMP communities (RFC 1157 / RFC 1901: every
 * request a login, judged by its response or its absence), MELSOFT
 * Username/Password Login status, the S7 PLC password (descrambled, held
 * only until the answer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "login_test.h"
#include "melsoft.h"
#include "melsoft_test.h"
#include "s7comm.h"
#include "snmp.h"

static size_t parse_hex(const char *h, uint8_t *out)
{
    size_t n = 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        sscanf(h, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void pdu(const otw_dissector *d, void *s, otw_dir dir, const char *hex, uint64_t ts,
                const otw_sink *sink)
{
    uint8_t buf[512];
    size_t n = parse_hex(hex, buf);
    assert_int_equal(parse_copy(d->parse, s, dir, buf, n, ts, sink), OTW_PARSE_OK);
}

/* v2c get-request, community "public", request-id r, sysName.0. */
static void snmp_get(char *out, const char *community_hex, uint8_t clen, uint8_t rid, bool rsp)
{
    /* 30 LL 02 01 01 04 CL community A0|A2 19 02 01 RID 02 01 00 02 01 00
     * 30 0e 30 0c 06 08 2b06010201010500 05 00 */
    snprintf(out, 256,
             "30%02x02010104%02x%s%s190201%02x0201000201003"
             "00e300c06082b06010201010500"
             "0500",
             (unsigned)(3 + 2 + clen + 27), clen, community_hex, rsp ? "a2" : "a0", rid);
}

static void test_snmp_community(void **state)
{
    (void)state;
    const otw_dissector *D = &snmp_dissector;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    char h[256];
    snmp_get(h, "7075626c6963", 6, 1, false); /* "public" */
    pdu(D, s, OTW_DIR_TO_SERVER, h, 10, &sink);
    assert_int_equal(r.n, 0); /* judged at the response */
    snmp_get(h, "7075626c6963", 6, 1, true);
    pdu(D, s, OTW_DIR_TO_CLIENT, h, 20, &sink);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.creds[0].protocol, OTW_PROTO_SNMP);
    assert_string_equal(r.creds[0].method, "community");
    assert_string_equal(r.creds[0].user, "");
    assert_string_equal(r.secrets[0], "public");
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_SUCCESS);
    assert_int_equal(r.creds[0].ts_us, 10); /* the request's time */
    /* a wrong community is dropped silently by the agent: after it answered
     * another request, an unanswered one is a failure without a secret */
    snmp_get(h, "677565737331", 6, 2, false); /* "guess1" */
    pdu(D, s, OTW_DIR_TO_SERVER, h, 30, &sink);
    snmp_expire(s, 100000000, 10, &sink);
    assert_int_equal(r.n, 2);
    assert_false(r.creds[1].has_secret);
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_FAILURE);
    /* the community is never kept in the session */
    assert_no_secret(s, D->session_size, "public");
    assert_no_secret(s, D->session_size, "guess1");
    free(s);
    /* one-way capture: unknown, not failure */
    s = session_new(D);
    snmp_get(h, "7075626c6963", 6, 3, false);
    pdu(D, s, OTW_DIR_TO_SERVER, h, 10, &sink);
    snmp_expire(s, 10, 0, &sink);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.creds[2].outcome, OTW_LOGIN_UNKNOWN);
    free(s);
}

static void test_snmp_capture_bytes(void **state)
{
    (void)state;
    /* zeek_snmpv1_set.pcap: v1 set-request with an empty community, and
     * its get-response */
    const otw_dissector *D = &snmp_dissector;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    pdu(D, s, OTW_DIR_TO_SERVER,
        "3028020100040"
        "0a32102047b086e69020100020100301330110608"
        "2b0601020101050004056d75736563",
        1, &sink);
    pdu(D, s, OTW_DIR_TO_CLIENT,
        "302302010004"
        "00a21c02047b086e690201000201003"
        "00e300c06082b060102010105000500",
        2, &sink);
    assert_int_equal(r.n, 1);
    assert_true(r.creds[0].has_secret);
    assert_int_equal(r.creds[0].secret_len, 0); /* blank community */
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_SUCCESS);
    free(s);
}

static void test_melsoft_logins(void **state)
{
    (void)state;
    const otw_dissector *D = &melsoft_dissector;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    uint8_t buf[200];
    uint8_t name[40] = {'a', 0, 'd', 0, 'm', 0, 'i', 0, 'n', 0};
    /* Username Login refused (status 0x4080), then accepted; Password Login */
    size_t n = melsoft_frame(buf, false, 0, 0x0131, 1, name, sizeof(name));
    assert_int_equal(D->parse(s, OTW_DIR_TO_SERVER, buf, n, 1, &sink), OTW_PARSE_OK);
    n = melsoft_frame(buf, true, 0x4080, 0x0131, 1, NULL, 0);
    assert_int_equal(D->parse(s, OTW_DIR_TO_CLIENT, buf, n, 2, &sink), OTW_PARSE_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.creds[0].method, "Username Login");
    assert_string_equal(r.creds[0].user, "admin");
    assert_false(r.creds[0].has_secret);
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_FAILURE);
    n = melsoft_frame(buf, false, 0, 0x0131, 2, name, sizeof(name));
    D->parse(s, OTW_DIR_TO_SERVER, buf, n, 3, &sink);
    n = melsoft_frame(buf, true, 0, 0x0131, 2, NULL, 0);
    D->parse(s, OTW_DIR_TO_CLIENT, buf, n, 4, &sink);
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_SUCCESS);
    static const uint8_t token[36] = {1, 2, 3};
    n = melsoft_frame(buf, false, 0, 0x0132, 3, token, sizeof(token));
    D->parse(s, OTW_DIR_TO_SERVER, buf, n, 5, &sink);
    D->expire(s, 100, 0, &sink); /* no answer */
    assert_int_equal(r.n, 3);
    assert_string_equal(r.creds[2].method, "Password Login");
    assert_int_equal(r.creds[2].outcome, OTW_LOGIN_UNKNOWN);
    free(s);
}

static void test_s7_password(void **state)
{
    (void)state;
    const otw_dissector *D = &s7_dissector;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    /* iti_step7_s300_AuthPassword.pcapng frames 3 and 4: PLC password
     * 21 3a 1b 1d 6e 68 1b 1d = "toor" padded with spaces, accepted */
    pdu(D, s, OTW_DIR_TO_SERVER,
        "0300002502f0803207000006000008000c0001120411450100ff090008213a1b1d6e681b1d", 1, &sink);
    assert_int_equal(r.n, 0);
    assert_true(((s7_session *)s)->pw_held);
    pdu(D, s, OTW_DIR_TO_CLIENT,
        "0300002102f080320700000600000c00040001120812850101000000000a000000", 2, &sink);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.creds[0].protocol, OTW_PROTO_S7COMM);
    assert_string_equal(r.creds[0].method, "PLC password");
    assert_string_equal(r.secrets[0], "toor");
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_SUCCESS);
    assert_false(((s7_session *)s)->pw_held);
    assert_no_secret(s, D->session_size, "toor");
    /* wrong password (parameter error 0xd602), then one never answered */
    pdu(D, s, OTW_DIR_TO_SERVER,
        "0300002502f0803207000007000008000c0001120411450100ff090008213a1b1d6e681b1d", 3, &sink);
    pdu(D, s, OTW_DIR_TO_CLIENT,
        "0300002102f080320700000700000c000400011208128501010000d6020a000000", 4, &sink);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_FAILURE);
    pdu(D, s, OTW_DIR_TO_SERVER,
        "0300002502f0803207000008000008000c0001120411450100ff090008213a1b1d6e681b1d", 5, &sink);
    D->expire(s, 6, 0, &sink);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.creds[2].outcome, OTW_LOGIN_UNKNOWN);
    assert_string_equal(r.secrets[2], "toor");
    assert_no_secret(s, D->session_size, "toor");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snmp_community),
        cmocka_unit_test(test_snmp_capture_bytes),
        cmocka_unit_test(test_melsoft_logins),
        cmocka_unit_test(test_s7_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
