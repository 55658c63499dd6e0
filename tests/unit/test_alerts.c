/* test_alerts.c - unit tests for the alert table and its JSON rendering
 * (sensor/core/alerts.c, contract in sensor/core/alerts.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alerts.h"

typedef struct seen {
    int calls;
    int64_t last_id;
    char last_type[32];
    uint64_t last_count;
} seen;

static void on_new(void *ctx, const otw_alert *a)
{
    seen *s = ctx;
    s->calls++;
    s->last_id = a->id;
    snprintf(s->last_type, sizeof(s->last_type), "%s", a->type);
    s->last_count = a->count;
}

static otw_endpoint ep(const char *ipstr, uint16_t port)
{
    otw_endpoint e;
    memset(&e, 0, sizeof(e));
    if (ipstr) {
        e.has_ip = true;
        assert_int_equal(otw_addr_parse(ipstr, &e.ip), 0);
    }
    e.port = port;
    return e;
}

static otw_alert mk(const char *type, const char *key, const char *src, const char *dst)
{
    otw_alert a;
    memset(&a, 0, sizeof(a));
    snprintf(a.type, sizeof(a.type), "%s", type);
    snprintf(a.key, sizeof(a.key), "%s", key);
    a.src = ep(src, 0);
    a.dst = ep(dst, 502);
    a.severity = OTW_SEV_MEDIUM;
    snprintf(a.protocol, sizeof(a.protocol), "modbus");
    snprintf(a.message, sizeof(a.message), "m");
    return a;
}

static void test_dedup_counts(void **state)
{
    (void)state;
    seen s = {0};
    otw_alerts *t = otw_alerts_new(16, on_new, &s);
    assert_non_null(t);
    otw_alert a = mk("MODBUS_WRITE", "unit=1", "10.0.0.1", "10.0.0.2");
    a.id = 999;     /* ignored: the table gives ids */
    a.count = 77;   /* ignored */
    a.first_us = 5; /* ignored */
    uint32_t i = otw_alerts_raise(t, &a, 1000, 1);
    assert_int_equal(i, 0);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.last_id, 1);
    assert_int_equal(s.last_count, 1);
    assert_string_equal(s.last_type, "MODBUS_WRITE");
    otw_alert *x = otw_alerts_at(t, i);
    assert_int_equal(x->id, 1);
    assert_int_equal(x->first_us, 1000);
    assert_int_equal(x->last_us, 1000);
    assert_int_equal(x->count, 1);
    assert_true(x->dirty);

    x->dirty = false;
    /* Repeats count, move last, never call the new-callback again. */
    a.severity = OTW_SEV_HIGH;
    snprintf(a.message, sizeof(a.message), "different text");
    assert_int_equal(otw_alerts_raise(t, &a, 3000, 4), 0);
    assert_int_equal(otw_alerts_raise(t, &a, 2000, 1), 0); /* out of order */
    assert_int_equal(s.calls, 1);
    x = otw_alerts_at(t, 0);
    assert_int_equal(x->count, 6);
    assert_int_equal(x->first_us, 1000);
    assert_int_equal(x->last_us, 3000);
    assert_true(x->dirty);
    assert_int_equal(x->severity, OTW_SEV_MEDIUM); /* the first raise's text stays */
    assert_string_equal(x->message, "m");
    assert_int_equal(otw_alerts_size(t), 1);

    /* Each of type, src, dst and key makes a distinct alert. */
    otw_alert b = mk("MODBUS_WRITE", "unit=2", "10.0.0.1", "10.0.0.2");
    assert_int_equal(otw_alerts_raise(t, &b, 1, 1), 1);
    b = mk("MODBUS_WRITE", "unit=1", "10.0.0.9", "10.0.0.2");
    assert_int_equal(otw_alerts_raise(t, &b, 1, 1), 2);
    b = mk("MODBUS_WRITE", "unit=1", "10.0.0.1", "10.0.0.9");
    assert_int_equal(otw_alerts_raise(t, &b, 1, 1), 3);
    b = mk("NEW_COMMUNICATION", "unit=1", "10.0.0.1", "10.0.0.2");
    assert_int_equal(otw_alerts_raise(t, &b, 1, 1), 4);
    /* ... and so do a port or a MAC of an endpoint. */
    b = mk("MODBUS_WRITE", "unit=1", "10.0.0.1", "10.0.0.2");
    b.dst.port = 503;
    assert_int_equal(otw_alerts_raise(t, &b, 1, 1), 5);
    b = mk("MODBUS_WRITE", "unit=1", "10.0.0.1", "10.0.0.2");
    b.src.has_mac = true;
    memcpy(b.src.mac, "\x00\x11\x22\x33\x44\x55", 6);
    assert_int_equal(otw_alerts_raise(t, &b, 1, 1), 6);
    /* The protocol, message and severity are not part of the key. */
    b = mk("MODBUS_WRITE", "unit=1", "10.0.0.1", "10.0.0.2");
    snprintf(b.protocol, sizeof(b.protocol), "other");
    assert_int_equal(otw_alerts_raise(t, &b, 1, 1), 0);

    assert_int_equal(s.calls, 7);
    /* Ids increase with creation order. */
    for (uint32_t k = 0; k < otw_alerts_size(t); k++)
        assert_int_equal(otw_alerts_at(t, k)->id, (int64_t)k + 1);
    assert_null(otw_alerts_at(t, otw_alerts_size(t)));
    otw_alerts_free(t);
    otw_alerts_free(NULL);
}

static void test_no_callback_and_cap(void **state)
{
    (void)state;
    otw_alerts *t = otw_alerts_new(2, NULL, NULL);
    otw_alert a = mk("A", "", "10.0.0.1", NULL);
    assert_int_equal(otw_alerts_raise(t, &a, 1, 1), 0);
    a = mk("B", "", "10.0.0.1", NULL);
    assert_int_equal(otw_alerts_raise(t, &a, 1, 1), 1);
    a = mk("C", "", "10.0.0.1", NULL);
    assert_int_equal(otw_alerts_raise(t, &a, 1, 1), OTW_ALERT_NONE);
    assert_int_equal(otw_alerts_raise(t, &a, 1, 1), OTW_ALERT_NONE);
    assert_int_equal(otw_alerts_refused(t), 2);
    /* Existing alerts still count when full. */
    a = mk("A", "", "10.0.0.1", NULL);
    assert_int_equal(otw_alerts_raise(t, &a, 9, 1), 0);
    assert_int_equal(otw_alerts_at(t, 0)->count, 2);
    assert_int_equal(otw_alerts_refused(t), 2);
    otw_alerts_free(t);
}

static void test_load_keeps_ids(void **state)
{
    (void)state;
    seen s = {0};
    otw_alerts *t = otw_alerts_new(16, on_new, &s);
    otw_alert a = mk("NEW_ASSET", "", "10.0.0.1", NULL);
    a.id = 7;
    a.count = 3;
    a.first_us = 10;
    a.last_us = 20;
    a.dirty = true;
    assert_int_equal(otw_alerts_load(t, &a), 0);
    otw_alert b = mk("NEW_ASSET", "", "10.0.0.2", NULL);
    b.id = 12;
    b.count = 1;
    assert_int_equal(otw_alerts_load(t, &b), 1);
    otw_alert c = mk("NEW_ASSET", "", "10.0.0.3", NULL);
    c.id = 4; /* out of order: the next id follows the highest */
    assert_int_equal(otw_alerts_load(t, &c), 2);
    assert_int_equal(s.calls, 0); /* loading announces nothing */
    otw_alert *x = otw_alerts_at(t, 0);
    assert_int_equal(x->id, 7);
    assert_int_equal(x->count, 3);
    assert_int_equal(x->first_us, 10);
    assert_int_equal(x->last_us, 20);
    assert_false(x->dirty);
    assert_int_equal(otw_alerts_at(t, 2)->id, 4);

    /* A repeat of a loaded alert counts on it, silently. */
    assert_int_equal(otw_alerts_raise(t, &a, 30, 1), 0);
    assert_int_equal(s.calls, 0);
    x = otw_alerts_at(t, 0);
    assert_int_equal(x->count, 4);
    assert_int_equal(x->first_us, 10);
    assert_int_equal(x->last_us, 30);
    assert_int_equal(x->id, 7);
    assert_true(x->dirty);

    otw_alert d = mk("NEW_ASSET", "", "10.0.0.4", NULL);
    uint32_t i = otw_alerts_raise(t, &d, 40, 1);
    assert_int_equal(otw_alerts_at(t, i)->id, 13);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.last_id, 13);
    otw_alerts_free(t);
}

/* Durable ids: a block is reserved before its first id is handed out, ids
 * start past what the previous process reserved, a refused stored alert
 * still owns its id, and a failed reservation numbers the alert anyway. */
typedef struct reserver {
    int calls, fail;
    int64_t limit;
} reserver;

static int reserve(void *ctx, int64_t limit)
{
    reserver *r = ctx;
    r->calls++;
    if (r->fail)
        return -1;
    r->limit = limit;
    return 0;
}

static void test_durable_ids(void **state)
{
    (void)state;
    reserver r = {0};
    otw_alerts *t = otw_alerts_new(2, NULL, NULL);
    otw_alert a = mk("A", "", "10.0.0.1", NULL);
    a.id = 30;
    otw_alerts_load(t, &a);
    otw_alert b = mk("B", "", "10.0.0.1", NULL);
    b.id = 31;
    otw_alerts_load(t, &b);
    otw_alert c = mk("C", "", "10.0.0.1", NULL);
    c.id = 50; /* no room: still owns its id */
    assert_int_equal(otw_alerts_load(t, &c), OTW_ALERT_NONE);
    assert_int_equal(otw_alerts_next_id(t), 51);
    otw_alerts_free(t);

    t = otw_alerts_new(8, NULL, NULL);
    otw_alerts_load(t, &a);
    otw_alerts_set_id_reserve(t, 1000, reserve, &r); /* the killed run reserved up to 1000 */
    assert_int_equal(r.calls, 0);
    otw_alert d = mk("D", "", "10.0.0.2", NULL);
    uint32_t i = otw_alerts_raise(t, &d, 1, 1);
    assert_int_equal(otw_alerts_at(t, i)->id, 1000);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.limit, 1000 + OTW_ALERT_ID_BLOCK);
    otw_alert e = mk("E", "", "10.0.0.2", NULL);
    i = otw_alerts_raise(t, &e, 1, 1);
    assert_int_equal(otw_alerts_at(t, i)->id, 1001);
    assert_int_equal(r.calls, 1); /* inside the block: no write */
    otw_alerts_free(t);

    r = (reserver){.fail = 1};
    t = otw_alerts_new(8, NULL, NULL);
    otw_alerts_set_id_reserve(t, 5, reserve, &r);
    i = otw_alerts_raise(t, &d, 1, 1);
    assert_int_not_equal(i, OTW_ALERT_NONE);
    assert_int_equal(otw_alerts_at(t, i)->id, 5);
    i = otw_alerts_raise(t, &e, 1, 1);
    assert_int_equal(otw_alerts_at(t, i)->id, 6);
    assert_int_equal(otw_alerts_id_reserve_failures(t), 2);
    otw_alerts_free(t);
}

/* The table degrades by value: low alerts stop at 80 %, medium at 95 %,
 * high and critical fill it; the first refusal raises one TABLE_PRESSURE. */
static void test_pressure_by_severity(void **state)
{
    (void)state;
    otw_alerts *t = otw_alerts_new(100, NULL, NULL);
    char key[16];
    uint32_t i;
    for (i = 0; i < 80; i++) {
        otw_alert a = mk("NEW_COMMUNICATION", "", "10.0.0.1", NULL);
        snprintf(key, sizeof(key), "low%u", i);
        snprintf(a.key, sizeof(a.key), "%s", key);
        a.severity = OTW_SEV_LOW;
        assert_int_not_equal(otw_alerts_raise(t, &a, 1, 1), OTW_ALERT_NONE);
    }
    otw_alert low = mk("NEW_COMMUNICATION", "one too many", "10.0.0.1", NULL);
    low.severity = OTW_SEV_LOW;
    assert_int_equal(otw_alerts_raise(t, &low, 2, 1), OTW_ALERT_NONE);
    assert_int_equal(otw_alerts_size(t), 81); /* + TABLE_PRESSURE */
    const otw_alert *p = otw_alerts_at(t, 80);
    assert_string_equal(p->type, "TABLE_PRESSURE");
    assert_int_equal(p->severity, OTW_SEV_HIGH);
    assert_string_equal(p->key, "table=alerts");
    for (i = 0; i < 20; i++) {
        otw_alert m = mk("MODBUS_WRITE", "", "10.0.0.2", NULL);
        snprintf(m.key, sizeof(m.key), "m%u", i);
        uint32_t idx = otw_alerts_raise(t, &m, 3, 1);
        assert_true(i < 14 ? idx != OTW_ALERT_NONE : idx == OTW_ALERT_NONE); /* 95 */
    }
    for (i = 0; i < 10; i++) {
        otw_alert c = mk("CONTROL_COMMAND", "", "10.0.0.3", NULL);
        snprintf(c.key, sizeof(c.key), "c%u", i);
        c.severity = OTW_SEV_CRITICAL;
        uint32_t idx = otw_alerts_raise(t, &c, 4, 1);
        assert_true(i < 5 ? idx != OTW_ALERT_NONE : idx == OTW_ALERT_NONE); /* 100 */
    }
    int pressure = 0;
    for (i = 0; i < otw_alerts_size(t); i++)
        pressure += strcmp(otw_alerts_at(t, i)->type, "TABLE_PRESSURE") == 0;
    assert_int_equal(pressure, 1);
    otw_alerts_free(t);
}

static void test_severity_names(void **state)
{
    (void)state;
    const char *names[] = {"info", "low", "medium", "high", "critical"};
    const int syslog[] = {6, 5, 4, 3, 2};
    for (int i = 0; i <= OTW_SEV_CRITICAL; i++) {
        assert_string_equal(otw_severity_name((otw_severity)i), names[i]);
        assert_int_equal(otw_severity_parse(names[i]), i);
        assert_int_equal(otw_severity_syslog((otw_severity)i), syslog[i]);
    }
    assert_int_equal(otw_severity_parse("HIGH"), -1);
    assert_int_equal(otw_severity_parse(""), -1);
    assert_string_equal(otw_severity_name((otw_severity)99), "info");
    assert_int_equal(otw_severity_syslog((otw_severity)99), 6);
}

static void test_json_exact(void **state)
{
    (void)state;
    otw_alert a;
    memset(&a, 0, sizeof(a));
    a.id = 3;
    snprintf(a.type, sizeof(a.type), "MODBUS_WRITE");
    a.severity = OTW_SEV_MEDIUM;
    snprintf(a.key, sizeof(a.key), "unit=1");
    a.first_us = 1700000000000000ull;
    a.last_us = 1700000001500000ull;
    a.count = 2;
    a.src = ep("192.168.10.20", 0);
    a.src.has_mac = true;
    memcpy(a.src.mac, "\x00\x1d\x9c\x00\x00\x14", 6);
    a.dst = ep("fe80::1", 502);
    snprintf(a.protocol, sizeof(a.protocol), "modbus");
    snprintf(a.technique, sizeof(a.technique), "T0855");
    snprintf(a.message, sizeof(a.message), "writes");
    char buf[1024];
    size_t n = otw_alert_json(&a, buf, sizeof(buf));
    assert_string_equal(
        buf,
        "{\"id\":3,\"type\":\"MODBUS_WRITE\",\"severity\":\"medium\","
        "\"ts\":\"2023-11-14T22:13:20.000000Z\",\"first_seen\":\"2023-11-14T22:13:20.000000Z\","
        "\"last_seen\":\"2023-11-14T22:13:21.500000Z\",\"count\":2,"
        "\"src\":{\"ip\":\"192.168.10.20\",\"mac\":\"00:1d:9c:00:00:14\",\"port\":null},"
        "\"dst\":{\"ip\":\"fe80::1\",\"mac\":null,\"port\":502},\"protocol\":\"modbus\","
        "\"key\":\"unit=1\",\"technique\":\"T0855\",\"message\":\"writes\"}");
    assert_int_equal(n, strlen(buf));

    /* Empty protocol and technique are null; an endpoint may be empty. */
    a.protocol[0] = '\0';
    a.technique[0] = '\0';
    a.key[0] = '\0';
    memset(&a.dst, 0, sizeof(a.dst));
    n = otw_alert_json(&a, buf, sizeof(buf));
    assert_non_null(strstr(buf, "\"dst\":{\"ip\":null,\"mac\":null,\"port\":null}"));
    assert_non_null(strstr(buf, "\"protocol\":null,\"key\":\"\",\"technique\":null,"));

    /* Too small a buffer: 0, and nothing past its end. */
    char small[40];
    memset(small, 'x', sizeof(small));
    assert_int_equal(otw_alert_json(&a, small, 32), 0);
    for (size_t k = 32; k < sizeof(small); k++)
        assert_int_equal(small[k], 'x');
    assert_int_equal(otw_alert_json(&a, buf, n), 0);
    assert_int_equal(otw_alert_json(&a, buf, n + 1), n);
}

static void test_json_hostile_strings(void **state)
{
    (void)state;
    otw_alert a;
    memset(&a, 0, sizeof(a));
    a.id = 1;
    snprintf(a.type, sizeof(a.type), "T\"Y\\P");
    snprintf(a.key, sizeof(a.key), "k\x01\x1f\x7f");
    snprintf(a.protocol, sizeof(a.protocol), "caf\xc3\xa9");
    /* quote, backslash, newline, tab, ESC, NUL-free C0 set, UTF-8 kept
     * (2, 3 and 4 bytes), invalid UTF-8 (lone continuation, truncated
     * sequence, overlong, surrogate, 0xff) replaced by U+FFFD. */
    snprintf(a.message, sizeof(a.message),
             "a\"b\\c\nd\te\x1b[31m \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 "
             "|\x80|\xe2\x82|\xc0\xaf|\xed\xa0\x80|\xff|");
    char buf[1024];
    assert_true(otw_alert_json(&a, buf, sizeof(buf)) > 0);
    assert_non_null(strstr(buf, "\"type\":\"T\\\"Y\\\\P\""));
    assert_non_null(strstr(buf, "\"key\":\"k\\u0001\\u001f\x7f\""));
    assert_non_null(strstr(buf, "\"protocol\":\"caf\xc3\xa9\""));
    const char *want = "\"message\":\"a\\\"b\\\\c\\u000ad\\u0009e\\u001b[31m "
                       "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 "
                       "|\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|"
                       "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd|\"}";
    assert_non_null(strstr(buf, want));
    /* No raw control byte made it out. */
    for (const char *p = buf; *p; p++)
        assert_true((unsigned char)*p >= 0x20);

    /* A field filled to the brim with characters that need escaping
     * still renders (or cleanly fails), never past the buffer. */
    memset(a.message, '"', sizeof(a.message) - 1);
    a.message[sizeof(a.message) - 1] = '\0';
    memset(a.key, '\x01', sizeof(a.key) - 1);
    a.key[sizeof(a.key) - 1] = '\0';
    size_t n = otw_alert_json(&a, buf, sizeof(buf));
    assert_int_equal(n, 0);
    char big[4096];
    n = otw_alert_json(&a, big, sizeof(big));
    assert_true(n > 0);
    assert_int_equal(n, strlen(big));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dedup_counts),         cmocka_unit_test(test_no_callback_and_cap),
        cmocka_unit_test(test_load_keeps_ids),       cmocka_unit_test(test_durable_ids),
        cmocka_unit_test(test_pressure_by_severity), cmocka_unit_test(test_severity_names),
        cmocka_unit_test(test_json_exact),           cmocka_unit_test(test_json_hostile_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
