/* test_oplog.c - unit tests for the operations log (sensor/output/oplog.c,
 * contract in sensor/output/oplog.h; line format pinned by tests/golden). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "oplog.h"

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

static otw_op base_op(void)
{
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_MODBUS;
    op.ts_us = 1700000000006000ull;
    op.has_unit = true;
    op.unit = 1;
    op.transaction = 4;
    op.function = 6;
    op.function_name = "Write Single Register";
    op.op_class = OTW_CLASS_WRITE;
    op.request_seen = true;
    return op;
}

static void test_render_full(void **state)
{
    (void)state;
    otw_op op = base_op();
    op.has_address = true;
    op.address_start = 100;
    op.address_count = 1;
    op.response_ts_us = 1700000000007000ull;
    otw_endpoint c = ep("192.168.10.20", 40001, "00:1d:9c:00:00:14");
    otw_endpoint s = ep("192.168.10.10", 502, "00:80:f4:00:00:0a");
    char buf[1024];
    size_t n = otw_oplog_render(&op, &c, &s, buf, sizeof(buf));
    const char *want =
        "{\"ts\":\"2023-11-14T22:13:20.006000Z\",\"protocol\":\"modbus\","
        "\"client\":{\"ip\":\"192.168.10.20\",\"port\":40001,\"mac\":\"00:1d:9c:00:00:14\"},"
        "\"server\":{\"ip\":\"192.168.10.10\",\"port\":502,\"mac\":\"00:80:f4:00:00:0a\"},"
        "\"unit\":1,\"transaction\":4,\"function\":6,\"function_name\":\"Write Single Register\","
        "\"class\":\"write\",\"object\":null,\"address\":{\"start\":100,\"count\":1},\"outcome\":"
        "\"ok\","
        "\"exception\":null,\"response_ts\":\"2023-11-14T22:13:20.007000Z\","
        "\"request_seen\":true}";
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_render_exception(void **state)
{
    (void)state;
    otw_op op = base_op();
    op.function = 16;
    op.function_name = "Write Multiple Registers";
    op.has_address = true;
    op.address_start = 0;
    op.address_count = 123;
    op.outcome = OTW_OUTCOME_EXCEPTION;
    op.exception_code = 2;
    op.response_ts_us = 1700000000010000ull;
    otw_endpoint c = ep("fe80::1", 40001, NULL);
    otw_endpoint s = ep("fe80::2", 502, NULL);
    char buf[1024];
    assert_true(otw_oplog_render(&op, &c, &s, buf, sizeof(buf)) > 0);
    assert_string_equal(
        buf, "{\"ts\":\"2023-11-14T22:13:20.006000Z\",\"protocol\":\"modbus\","
             "\"client\":{\"ip\":\"fe80::1\",\"port\":40001,\"mac\":null},"
             "\"server\":{\"ip\":\"fe80::2\",\"port\":502,\"mac\":null},"
             "\"unit\":1,\"transaction\":4,\"function\":16,"
             "\"function_name\":\"Write Multiple Registers\",\"class\":\"write\","
             "\"object\":null,\"address\":{\"start\":0,\"count\":123},\"outcome\":\"exception\","
             "\"exception\":2,\"response_ts\":\"2023-11-14T22:13:20.010000Z\","
             "\"request_seen\":true}");
}

static void test_render_bare(void **state)
{
    (void)state;
    /* No address, no response, no unit, midstream (response only), no
     * function name, empty endpoints. */
    otw_op op = base_op();
    op.has_unit = false;
    op.function = 43;
    op.function_name = NULL;
    op.op_class = OTW_CLASS_IDENTITY;
    op.outcome = OTW_OUTCOME_NO_RESPONSE;
    op.exception_code = 7; /* only shown for exceptions */
    op.request_seen = false;
    op.transaction = 65535;
    otw_endpoint c = ep(NULL, 0, NULL);
    otw_endpoint s = ep(NULL, 0, "00:80:f4:00:00:0a");
    char buf[1024];
    size_t n = otw_oplog_render(&op, &c, &s, buf, sizeof(buf));
    const char *want =
        "{\"ts\":\"2023-11-14T22:13:20.006000Z\",\"protocol\":\"modbus\","
        "\"client\":{\"ip\":null,\"port\":0,\"mac\":null},"
        "\"server\":{\"ip\":null,\"port\":0,\"mac\":\"00:80:f4:00:00:0a\"},"
        "\"unit\":null,\"transaction\":65535,\"function\":43,"
        "\"function_name\":\"Unknown\",\"class\":\"identity\","
        "\"object\":null,\"address\":null,\"outcome\":\"no_response\",\"exception\":null,"
        "\"response_ts\":null,\"request_seen\":false}";
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));

    /* Too small: 0 and nothing past the buffer. */
    char small[64];
    memset(small, 'x', sizeof(small));
    assert_int_equal(otw_oplog_render(&op, &c, &s, small, 48), 0);
    for (size_t k = 48; k < sizeof(small); k++)
        assert_int_equal(small[k], 'x');
    assert_int_equal(otw_oplog_render(&op, &c, &s, buf, n), 0);
    assert_int_equal(otw_oplog_render(&op, &c, &s, buf, n + 1), n);
}

static void test_render_outcomes(void **state)
{
    (void)state;
    otw_op op = base_op();
    otw_endpoint c = ep("10.0.0.1", 1, NULL), s = ep("10.0.0.2", 502, NULL);
    char buf[1024];
    op.outcome = OTW_OUTCOME_ERROR;
    op.exception_code = 3;
    assert_true(otw_oplog_render(&op, &c, &s, buf, sizeof(buf)) > 0);
    assert_non_null(strstr(buf, "\"outcome\":\"error\",\"exception\":null,"));
    /* A hostile function name is escaped. */
    op.function_name = "a\"b\\\n\xff";
    assert_true(otw_oplog_render(&op, &c, &s, buf, sizeof(buf)) > 0);
    assert_non_null(strstr(buf, "\"function_name\":\"a\\\"b\\\\\\u000a\xef\xbf\xbd\""));
}

static void test_write_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/otw-oplog-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/ops.jsonl", dir);
    char err[256] = "";
    otw_oplog *l = otw_oplog_open(path, NULL, err, sizeof(err));
    assert_non_null(l);
    otw_op op = base_op();
    otw_endpoint c = ep("10.0.0.1", 1, NULL), s = ep("10.0.0.2", 502, NULL);
    otw_oplog_write(l, &op, &c, &s);
    op.transaction = 5;
    otw_oplog_write(l, &op, &c, &s);
    assert_int_equal(otw_oplog_written(l), 2);
    assert_int_equal(otw_oplog_failed(l), 0);
    assert_int_equal(otw_oplog_flush(l), 0);
    otw_oplog_close(l);
    otw_oplog_close(NULL);

    /* Reopening appends. */
    l = otw_oplog_open(path, NULL, err, sizeof(err));
    assert_non_null(l);
    op.transaction = 6;
    otw_oplog_write(l, &op, &c, &s);
    otw_oplog_close(l);

    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[1024], want[1024];
    for (uint32_t t = 4; t <= 6; t++) {
        assert_non_null(fgets(line, sizeof(line), f));
        op.transaction = t;
        size_t n = otw_oplog_render(&op, &c, &s, want, sizeof(want));
        assert_true(n > 0);
        assert_int_equal(strlen(line), n + 1);
        assert_memory_equal(line, want, n);
        assert_int_equal(line[n], '\n');
    }
    assert_null(fgets(line, sizeof(line), f));
    fclose(f);
    unlink(path);
    rmdir(dir);
}

static void test_open_fails(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(otw_oplog_open("/nonexistent-dir-otw/ops.jsonl", NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent-dir-otw/ops.jsonl"));
    assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_full), cmocka_unit_test(test_render_exception),
        cmocka_unit_test(test_render_bare), cmocka_unit_test(test_render_outcomes),
        cmocka_unit_test(test_write_file),  cmocka_unit_test(test_open_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
