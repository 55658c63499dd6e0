/* test_novelty.c - unit tests for the novelty rules (baselines/novelty.c,
 * contract in baselines/novelty.h): NEW_ASSET, NEW_COMMUNICATION,
 * MODBUS_WRITE and MODBUS_EXCEPTIONS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "novelty.h"

typedef struct fixture {
    otw_config cfg;
    otw_alerts *alerts;
    otw_novelty *nov;
    int news;
} fixture;

/* What the baseline does with an op when it finds it new. */
static void novelty_op(otw_novelty *n, const otw_op *op, const otw_endpoint *cl,
                       const otw_endpoint *sv)
{
    otw_novelty_write(n, op, cl, sv);
    otw_novelty_exceptions(n, op, cl, sv);
}

/* The rules with the settings the sensor takes from f->cfg. */
static otw_novelty *novelty_from_cfg(fixture *f)
{
    otw_novelty_settings set = {.exception_burst_count = f->cfg.exception_burst_count,
                                .exception_burst_window_s = f->cfg.exception_burst_window_s};
    return otw_novelty_new(&set, otw_alerts_sink(f->alerts));
}

static void on_new(void *ctx, const otw_alert *a)
{
    (void)a;
    ((fixture *)ctx)->news++;
}

static int setup(void **state)
{
    static fixture f;
    memset(&f, 0, sizeof(f));
    otw_config_defaults(&f.cfg);
    f.alerts = otw_alerts_new(64, on_new, &f);
    f.nov = f.alerts ? novelty_from_cfg(&f) : NULL;
    if (!f.alerts || !f.nov)
        return -1;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    otw_novelty_free(f->nov);
    otw_alerts_free(f->alerts);
    return 0;
}

static otw_endpoint ep(const char *ipstr, uint16_t port, const char *mac)
{
    otw_endpoint e;
    memset(&e, 0, sizeof(e));
    if (ipstr) {
        e.has_ip = true;
        assert_int_equal(otw_addr_parse(ipstr, &e.ip), 0);
    }
    if (mac) {
        e.has_mac = true;
        assert_int_equal(otw_mac_parse(mac, e.mac), 0);
    }
    e.port = port;
    return e;
}

static otw_alert *only(fixture *f, const char *type)
{
    otw_alert *found = NULL;
    for (uint32_t i = 0; i < otw_alerts_size(f->alerts); i++) {
        otw_alert *a = otw_alerts_at(f->alerts, i);
        if (strcmp(a->type, type) == 0) {
            assert_null(found);
            found = a;
        }
    }
    assert_non_null(found);
    return found;
}

static int count_type(fixture *f, const char *type)
{
    int n = 0;
    for (uint32_t i = 0; i < otw_alerts_size(f->alerts); i++)
        n += strcmp(otw_alerts_at(f->alerts, i)->type, type) == 0;
    return n;
}

static void test_new_asset(void **state)
{
    fixture *f = *state;
    otw_asset a;
    memset(&a, 0, sizeof(a));
    a.has_mac = true;
    assert_int_equal(otw_mac_parse("00:80:f4:00:00:0a", a.mac), 0);
    a.n_ips = 1;
    assert_int_equal(otw_addr_parse("192.168.10.10", &a.ips[0]), 0);
    snprintf(a.vendor, sizeof(a.vendor), "TELEMECANIQUE ELECTRIQUE");
    otw_novelty_asset(f->nov, &a, 1000);
    otw_novelty_asset(f->nov, &a, 2000); /* e.g. announced again: counted, not new */
    assert_int_equal(f->news, 1);
    otw_alert *x = only(f, "NEW_ASSET");
    assert_int_equal(x->severity, OTW_SEV_MEDIUM);
    assert_string_equal(x->technique, "T0864");
    assert_int_equal(x->count, 2);
    assert_int_equal(x->first_us, 1000);
    assert_int_equal(x->last_us, 2000);
    assert_true(x->src.has_ip && x->src.has_mac);
    assert_false(x->dst.has_ip || x->dst.has_mac);
    assert_string_equal(x->message,
                        "New device 192.168.10.10 (MAC 00:80:f4:00:00:0a, TELEMECANIQUE "
                        "ELECTRIQUE)");

    /* MAC only, no vendor; IP only. Each a device of its own. */
    otw_asset m;
    memset(&m, 0, sizeof(m));
    m.has_mac = true;
    assert_int_equal(otw_mac_parse("02:00:00:00:00:01", m.mac), 0);
    otw_novelty_asset(f->nov, &m, 3000);
    otw_asset i;
    memset(&i, 0, sizeof(i));
    i.n_ips = 1;
    assert_int_equal(otw_addr_parse("fe80::5", &i.ips[0]), 0);
    otw_novelty_asset(f->nov, &i, 4000);
    assert_int_equal(f->news, 3);
    assert_int_equal(count_type(f, "NEW_ASSET"), 3);
    assert_string_equal(otw_alerts_at(f->alerts, 1)->message,
                        "New device 02:00:00:00:00:01 (MAC 02:00:00:00:00:01)");
    assert_string_equal(otw_alerts_at(f->alerts, 2)->message, "New device fe80::5");
}

static otw_comm mk_comm(const char *cl, const char *sv, uint16_t port, uint8_t transport)
{
    otw_comm c;
    memset(&c, 0, sizeof(c));
    assert_int_equal(otw_addr_parse(cl, &c.client), 0);
    assert_int_equal(otw_addr_parse(sv, &c.server), 0);
    c.server_port = port;
    c.transport = transport;
    c.proto_key = 1;
    return c;
}

static void test_new_communication(void **state)
{
    fixture *f = *state;
    otw_comm c = mk_comm("192.168.10.20", "192.168.10.10", 502, 6);
    otw_endpoint cl = ep("192.168.10.20", 40001, "00:1d:9c:00:00:14");
    otw_endpoint sv = ep("192.168.10.10", 502, "00:80:f4:00:00:0a");
    otw_novelty_comm(f->nov, &c, "modbus", &cl, &sv, OTW_COMM_INDUSTRIAL, 100);
    /* The same pair from another ephemeral port is the same pair. */
    cl.port = 40002;
    otw_novelty_comm(f->nov, &c, "modbus", &cl, &sv, OTW_COMM_INDUSTRIAL, 200);
    assert_int_equal(f->news, 1);
    otw_alert *x = only(f, "NEW_COMMUNICATION");
    assert_int_equal(x->count, 2);
    assert_int_equal(x->severity, OTW_SEV_HIGH);
    assert_string_equal(x->technique, "T0848");
    assert_string_equal(x->protocol, "modbus");
    assert_int_equal(x->src.port, 0);
    assert_int_equal(x->dst.port, 502);
    assert_true(x->src.has_mac);
    assert_string_equal(x->message,
                        "New communication 192.168.10.20 -> 192.168.10.10 tcp/502 (modbus)");

    /* Non-industrial: low, no technique; UDP; IPv6. */
    otw_comm d = mk_comm("fe80::1", "fe80::2", 53, 17);
    otw_endpoint dc = ep("fe80::1", 5353, NULL), ds = ep("fe80::2", 53, NULL);
    otw_novelty_comm(f->nov, &d, "DNS", &dc, &ds, OTW_COMM_OTHER, 300);
    assert_int_equal(f->news, 2);
    otw_alert *y = otw_alerts_at(f->alerts, 1);
    assert_string_equal(y->type, "NEW_COMMUNICATION");
    assert_int_equal(y->severity, OTW_SEV_LOW);
    assert_string_equal(y->technique, "");
    assert_string_equal(y->message, "New communication fe80::1 -> fe80::2 udp/53 (DNS)");
    /* Another server port is another communication. */
    otw_comm e = mk_comm("192.168.10.20", "192.168.10.10", 503, 6);
    otw_novelty_comm(f->nov, &e, "modbus", &cl, &sv, OTW_COMM_INDUSTRIAL, 400);
    assert_int_equal(count_type(f, "NEW_COMMUNICATION"), 3);
    /* A controller calling a plant device over SMB: lateral movement, high. */
    otw_comm g = mk_comm("192.168.10.10", "192.168.10.11", 445, 6);
    otw_endpoint gc = ep("192.168.10.10", 49200, NULL), gs = ep("192.168.10.11", 445, NULL);
    otw_novelty_comm(f->nov, &g, "SMBv23", &gc, &gs, OTW_COMM_FROM_CONTROLLER, 500);
    otw_alert *z = otw_alerts_at(f->alerts, otw_alerts_size(f->alerts) - 1);
    assert_int_equal(z->severity, OTW_SEV_HIGH);
    assert_string_equal(z->technique, "T0886");
    assert_non_null(strstr(z->message, "tcp/445 (SMBv23): a controller opening a connection"));
}

static otw_op write_op(uint32_t unit, uint64_t ts)
{
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_MODBUS;
    op.ts_us = ts;
    op.has_unit = true;
    op.unit = unit;
    op.function = 6;
    op.function_name = "Write Single Register";
    op.op_class = OTW_CLASS_WRITE;
    op.has_address = true;
    op.address_start = 100;
    op.address_count = 1;
    op.request_seen = true;
    return op;
}

static void test_modbus_write(void **state)
{
    fixture *f = *state;
    otw_endpoint cl = ep("192.168.10.20", 40001, NULL);
    otw_endpoint sv = ep("192.168.10.10", 502, NULL);
    otw_op op = write_op(1, 1000);
    novelty_op(f->nov, &op, &cl, &sv);
    assert_int_equal(f->news, 1);
    otw_alert *x = only(f, "MODBUS_WRITE");
    assert_int_equal(x->severity, OTW_SEV_MEDIUM);
    assert_string_equal(x->technique, "T0855");
    assert_string_equal(x->protocol, "modbus");
    assert_string_equal(x->key, "unit=1");
    assert_int_equal(x->src.port, 0);
    assert_int_equal(x->dst.port, 502);
    assert_string_equal(x->message, "192.168.10.20 writes to 192.168.10.10 unit 1: Write Single "
                                    "Register (function 6) at 100 count 1");
    /* More writes on the channel, from any client port: counted. */
    for (int k = 0; k < 4; k++) {
        op = write_op(1, 2000 + (uint64_t)k);
        op.function = 16;
        op.function_name = "Write Multiple Registers";
        op.has_address = false;
        cl.port = (uint16_t)(40002 + k);
        novelty_op(f->nov, &op, &cl, &sv);
    }
    assert_int_equal(f->news, 1);
    x = only(f, "MODBUS_WRITE");
    assert_int_equal(x->count, 5);
    assert_int_equal(x->first_us, 1000);
    assert_int_equal(x->last_us, 2003);

    /* Another unit, another server, another client: one alert each. */
    op = write_op(2, 3000);
    op.has_address = false;
    novelty_op(f->nov, &op, &cl, &sv);
    assert_string_equal(otw_alerts_at(f->alerts, 1)->message,
                        "192.168.10.20 writes to 192.168.10.10 unit 2: Write Single Register "
                        "(function 6)");
    otw_endpoint sv2 = ep("192.168.10.11", 502, NULL);
    op = write_op(1, 3000);
    novelty_op(f->nov, &op, &cl, &sv2);
    otw_endpoint cl2 = ep("192.168.10.21", 40001, NULL);
    novelty_op(f->nov, &op, &cl2, &sv);
    assert_int_equal(count_type(f, "MODBUS_WRITE"), 4);

    /* Not alerts: reads, writes seen only as responses, other protocols. */
    op = write_op(1, 4000);
    op.op_class = OTW_CLASS_READ;
    novelty_op(f->nov, &op, &cl, &sv);
    op = write_op(1, 4000);
    op.request_seen = false;
    novelty_op(f->nov, &op, &cl, &sv);
    op = write_op(1, 4000);
    op.protocol = OTW_PROTO_S7COMM;
    novelty_op(f->nov, &op, &cl, &sv);
    assert_int_equal(count_type(f, "MODBUS_WRITE"), 4);
    assert_int_equal(otw_alerts_at(f->alerts, 0)->count, 5);
    assert_int_equal(otw_alerts_size(f->alerts), 4);
}

static otw_op exc_op(uint64_t ts_s)
{
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_MODBUS;
    op.ts_us = ts_s * 1000000u;
    op.response_ts_us = op.ts_us + 500;
    op.has_unit = true;
    op.unit = 1;
    op.function = 3;
    op.function_name = "Read Holding Registers";
    op.op_class = OTW_CLASS_READ;
    op.outcome = OTW_OUTCOME_EXCEPTION;
    op.exception_code = 2;
    op.request_seen = true;
    return op;
}

static void test_exception_burst(void **state)
{
    fixture *f = *state;
    f->cfg.exception_burst_count = 3;
    f->cfg.exception_burst_window_s = 10;
    otw_novelty_free(f->nov);
    f->nov = novelty_from_cfg(f);
    otw_endpoint cl = ep("192.168.10.20", 40001, NULL);
    otw_endpoint sv = ep("192.168.10.10", 502, NULL);
    otw_op op;
    /* Below the threshold within the window: nothing. */
    op = exc_op(100);
    novelty_op(f->nov, &op, &cl, &sv);
    op = exc_op(101);
    novelty_op(f->nov, &op, &cl, &sv);
    assert_int_equal(otw_alerts_size(f->alerts), 0);
    /* The third one within 10 s: one alert carrying the three. */
    op = exc_op(105);
    novelty_op(f->nov, &op, &cl, &sv);
    assert_int_equal(f->news, 1);
    otw_alert *x = only(f, "MODBUS_EXCEPTIONS");
    assert_int_equal(x->count, 3);
    assert_int_equal(x->severity, OTW_SEV_MEDIUM);
    assert_string_equal(x->technique, "T0846");
    assert_string_equal(x->protocol, "modbus");
    assert_int_equal(x->first_us, 105 * 1000000ull + 500); /* the response time */
    /* From the server to the client. */
    assert_memory_equal(&x->src.ip, &sv.ip, sizeof(sv.ip));
    assert_int_equal(x->src.port, 502);
    assert_memory_equal(&x->dst.ip, &cl.ip, sizeof(cl.ip));
    assert_int_equal(x->dst.port, 0);
    assert_string_equal(x->message, "Burst of exception responses from 192.168.10.10 to "
                                    "192.168.10.20 (>= 3 within 10 s; last: Read Holding "
                                    "Registers)");
    /* More in the same burst add one each. */
    op = exc_op(106);
    novelty_op(f->nov, &op, &cl, &sv);
    assert_int_equal(x->count, 4);
    /* After the window a new count starts: two are not a burst... */
    op = exc_op(120);
    novelty_op(f->nov, &op, &cl, &sv);
    op = exc_op(121);
    novelty_op(f->nov, &op, &cl, &sv);
    assert_int_equal(x->count, 4);
    /* ... three are, and count on the same alert. */
    op = exc_op(129);
    novelty_op(f->nov, &op, &cl, &sv);
    assert_int_equal(x->count, 7);
    assert_int_equal(x->last_us, 129 * 1000000ull + 500);
    assert_int_equal(f->news, 1);

    /* Spread wider than the window: never a burst. */
    otw_endpoint cl2 = ep("192.168.10.21", 40001, NULL);
    for (uint64_t t = 200; t < 260; t += 6) {
        op = exc_op(t);
        novelty_op(f->nov, &op, &cl2, &sv);
    }
    assert_int_equal(count_type(f, "MODBUS_EXCEPTIONS"), 1);
    /* Another pair counts on its own; exceptions also count without a
     * seen request (and a request-time only op uses its own time). */
    for (uint64_t t = 300; t < 303; t++) {
        op = exc_op(t);
        op.request_seen = false;
        op.response_ts_us = 0;
        novelty_op(f->nov, &op, &cl2, &sv);
    }
    assert_int_equal(count_type(f, "MODBUS_EXCEPTIONS"), 2);
    assert_int_equal(otw_alerts_at(f->alerts, 1)->first_us, 302 * 1000000ull);
    /* A non-exception outcome never counts. */
    otw_endpoint cl3 = ep("192.168.10.22", 40001, NULL);
    for (uint64_t t = 400; t < 410; t++) {
        op = exc_op(t);
        op.outcome = t % 2 ? OTW_OUTCOME_NO_RESPONSE : OTW_OUTCOME_ERROR;
        novelty_op(f->nov, &op, &cl3, &sv);
    }
    assert_int_equal(count_type(f, "MODBUS_EXCEPTIONS"), 2);
}

static void test_exception_defaults(void **state)
{
    fixture *f = *state;
    /* Defaults: 5 within 60 s. */
    assert_int_equal(f->cfg.exception_burst_count, 5);
    assert_int_equal(f->cfg.exception_burst_window_s, 60);
    otw_endpoint cl = ep("10.0.0.1", 1, NULL), sv = ep("10.0.0.2", 502, NULL);
    otw_op op;
    for (uint64_t t = 0; t < 4; t++) {
        op = exc_op(1000 + t * 19);
        novelty_op(f->nov, &op, &cl, &sv);
    }
    assert_int_equal(otw_alerts_size(f->alerts), 0);
    op = exc_op(1059);
    novelty_op(f->nov, &op, &cl, &sv);
    assert_int_equal(otw_alerts_size(f->alerts), 1);
    assert_int_equal(otw_alerts_at(f->alerts, 0)->count, 5);
    assert_string_equal(otw_alerts_at(f->alerts, 0)->message,
                        "Burst of exception responses from 10.0.0.2 to 10.0.0.1 (>= 5 within "
                        "60 s; last: Read Holding Registers)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_asset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_communication, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modbus_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exception_burst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exception_defaults, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
