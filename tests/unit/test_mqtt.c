/* test_mqtt.c - MQTT login dissector (protocols/mqtt.c): CONNECT of MQTT
 * 3.1 (MQIsdp), 3.1.1 and 5.0 (properties, will), CONNACK return codes,
 * anonymous logins, framing (Remaining Length), expiry, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "login_test.h"
#include "mqtt.h"

#define D (&mqtt_dissector)

/* MQTT 3.1 CONNECT of the public capture ndpi_mqtt.pcap: "MQIsdp", level 3,
 * flags 0xC2 (user, password, clean session), keep alive 20, client id
 * "cbaabcbabacbbbbbaaaaab", user and password "02D5050223D3". */
static const uint8_t connect31[] = {
    0x10, 0x40, 0x00, 0x06, 'M',  'Q',  'I', 's', 'd', 'p', 0x03, 0xc2, 0x00, 0x14, 0x00, 0x16, 'c',
    'b',  'a',  'a',  'b',  'c',  'b',  'a', 'b', 'a', 'c', 'b',  'b',  'b',  'b',  'b',  'a',  'a',
    'a',  'a',  'a',  'b',  0x00, 0x0c, '0', '2', 'D', '5', '0',  '5',  '0',  '2',  '2',  '3',  'D',
    '3',  0x00, 0x0c, '0',  '2',  'D',  '5', '0', '5', '0', '2',  '2',  '3',  'D',  '3'};
static const uint8_t connack_ok[] = {0x20, 0x02, 0x00, 0x00};
static const uint8_t connack_bad[] = {0x20, 0x02, 0x00, 0x04}; /* bad user name or password */

/* MQTT 5 CONNECT: level 5, flags 0xC6 (user, password, will QoS 0, will,
 * clean start), keep alive 60, properties (session expiry 0x11 = 10),
 * client id "c1", will properties (empty), will topic "t", will payload
 * "bye", user "admin", password "public". */
static const uint8_t connect5[] = {
    0x10, 0x2c, 0x00, 0x04, 'M', 'Q', 'T',  'T',  0x05, 0xc6, 0x00, 0x3c, 0x05, 0x11, 0x00, 0x00,
    0x00, 0x0a, 0x00, 0x02, 'c', '1', 0x00, 0x00, 0x01, 't',  0x00, 0x03, 'b',  'y',  'e',  0x00,
    0x05, 'a',  'd',  'm',  'i', 'n', 0x00, 0x06, 'p',  'u',  'b',  'l',  'i',  'c'};
static const uint8_t connack5_86[] = {0x20, 0x03, 0x00, 0x86, 0x00};

static void test_descriptor(void **state)
{
    (void)state;
    assert_int_equal(D->proto, OTW_PROTO_MQTT);
    assert_string_equal(D->name, "mqtt");
    assert_int_equal(D->tcp_ports[0], 1883);
    assert_true(D->session_size <= OTW_SESSION_MAX_BYTES);
    assert_int_equal(D->frame_len(connect31, sizeof(connect31)), (long)sizeof(connect31));
    assert_int_equal(D->frame_len(connect31, 1), OTW_FRAME_NEED_MORE);
    static const uint8_t zero[] = {0x00, 0x00};
    assert_int_equal(D->frame_len(zero, 2), OTW_FRAME_NOT_MINE);
    static const uint8_t five[] = {0x30, 0xff, 0xff, 0xff, 0xff, 0x7f}; /* 5-byte length */
    assert_int_equal(D->frame_len(five, sizeof(five)), OTW_FRAME_NOT_MINE);
    static const uint8_t two[] = {0x30, 0x80, 0x01}; /* Remaining Length 128 */
    assert_int_equal(D->frame_len(two, sizeof(two)), 131);
}

static void test_connect31(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    feed(D, s, OTW_DIR_TO_SERVER, connect31, sizeof(connect31), 1, &sink);
    assert_int_equal(r.n, 0);
    feed(D, s, OTW_DIR_TO_CLIENT, connack_ok, sizeof(connack_ok), 2, &sink);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.creds[0].method, "CONNECT");
    assert_string_equal(r.creds[0].user, "02D5050223D3");
    assert_string_equal(r.secrets[0], "02D5050223D3");
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_SUCCESS);
    assert_int_equal(r.creds[0].ts_us, 1);
    assert_no_secret(s, D->session_size, "02D5050223D3");
    feed(D, s, OTW_DIR_TO_SERVER, connect31, sizeof(connect31), 3, &sink);
    feed(D, s, OTW_DIR_TO_CLIENT, connack_bad, sizeof(connack_bad), 4, &sink);
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_FAILURE);
    free(s);
}

static void test_connect5(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    /* CONNECT and CONNACK coalesced with a PINGREQ in one segment */
    uint8_t buf[sizeof(connect5) + 2];
    memcpy(buf, connect5, sizeof(connect5));
    buf[sizeof(connect5)] = 0xc0;
    buf[sizeof(connect5) + 1] = 0x00;
    assert_int_equal(feed(D, s, OTW_DIR_TO_SERVER, buf, sizeof(buf), 1, &sink), 0);
    feed(D, s, OTW_DIR_TO_CLIENT, connack5_86, sizeof(connack5_86), 2, &sink);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.creds[0].user, "admin");
    assert_string_equal(r.secrets[0], "public");
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_FAILURE);
    free(s);
}

static void test_anonymous_and_unknown(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    /* 3.1.1, flags 0x02 (clean session only), client id "x" */
    static const uint8_t anon[] = {0x10, 0x0d, 0x00, 0x04, 'M',  'Q',  'T', 'T',
                                   0x04, 0x02, 0x00, 0x3c, 0x00, 0x01, 'x'};
    feed(D, s, OTW_DIR_TO_SERVER, anon, sizeof(anon), 1, &sink);
    static const uint8_t unavailable[] = {0x20, 0x02, 0x00, 0x03};
    feed(D, s, OTW_DIR_TO_CLIENT, unavailable, sizeof(unavailable), 2, &sink);
    assert_int_equal(r.n, 1);
    assert_true(r.creds[0].secret_is_none);
    assert_false(r.creds[0].has_secret);
    assert_int_equal(r.creds[0].outcome, OTW_LOGIN_UNKNOWN); /* not about credentials */
    /* no CONNACK: expired as unknown */
    feed(D, s, OTW_DIR_TO_SERVER, connect31, sizeof(connect31), 10, &sink);
    D->expire(s, 15, 10, &sink);
    assert_int_equal(r.n, 1);
    D->expire(s, 100, 10, &sink);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.creds[1].outcome, OTW_LOGIN_UNKNOWN);
    /* a CONNACK without a CONNECT seen: nothing */
    feed(D, s, OTW_DIR_TO_CLIENT, connack_ok, sizeof(connack_ok), 101, &sink);
    assert_int_equal(r.n, 2);
    free(s);
}

static void test_malformed(void **state)
{
    (void)state;
    lrec r;
    otw_sink sink = lrec_sink(&r);
    void *s = session_new(D);
    /* password flag set, password missing */
    static const uint8_t cut[] = {0x10, 0x0d, 0x00, 0x04, 'M',  'Q',  'T', 'T',
                                  0x04, 0x42, 0x00, 0x3c, 0x00, 0x01, 'x'};
    uint8_t *copy = malloc(sizeof(cut));
    memcpy(copy, cut, sizeof(cut));
    assert_int_equal(D->parse(s, OTW_DIR_TO_SERVER, copy, sizeof(cut), 1, &sink),
                     OTW_PARSE_MALFORMED);
    /* another protocol name */
    copy[4] = 'X';
    assert_int_equal(D->parse(s, OTW_DIR_TO_SERVER, copy, sizeof(cut), 1, &sink),
                     OTW_PARSE_NOT_MINE);
    free(copy);
    assert_int_equal(r.n, 0);
    assert_true(r.n_anomalies >= 1);
    free(s);
}

static void test_hostile(void **state)
{
    (void)state;
    hostile(D, connect31, sizeof(connect31), OTW_DIR_TO_SERVER);
    hostile(D, connect5, sizeof(connect5), OTW_DIR_TO_SERVER);
    hostile(D, connack5_86, sizeof(connack5_86), OTW_DIR_TO_CLIENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor), cmocka_unit_test(test_connect31),
        cmocka_unit_test(test_connect5),   cmocka_unit_test(test_anonymous_and_unknown),
        cmocka_unit_test(test_malformed),  cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
