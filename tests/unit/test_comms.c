/* test_comms.c - unit tests for the communications table (sensor/core/comms.c,
 * contract in sensor/core/comms.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "comms.h"

static otw_addr ip(const char *s)
{
    otw_addr a;
    assert_int_equal(otw_addr_parse(s, &a), 0);
    return a;
}

static void test_create_and_find(void **state)
{
    (void)state;
    otw_comms *c = otw_comms_new(8);
    assert_non_null(c);
    otw_addr cl = ip("10.0.0.1"), sv = ip("10.0.0.2");
    bool created = false;
    uint32_t i = otw_comms_get(c, &cl, &sv, 1, 502, 6, 1000, &created);
    assert_int_equal(i, 0);
    assert_true(created);
    otw_comm *x = otw_comms_at(c, i);
    assert_non_null(x);
    assert_memory_equal(&x->client, &cl, sizeof(cl));
    assert_memory_equal(&x->server, &sv, sizeof(sv));
    assert_int_equal(x->proto_key, 1);
    assert_int_equal(x->server_port, 502);
    assert_int_equal(x->transport, 6);
    assert_int_equal(x->first_us, 1000);
    assert_int_equal(x->last_us, 1000);
    assert_int_equal(x->flows, 0);
    assert_int_equal(x->store_id, 0);
    assert_true(x->dirty);

    /* Same five values: found, not created, times untouched. */
    created = true;
    assert_int_equal(otw_comms_get(c, &cl, &sv, 1, 502, 6, 5000, &created), 0);
    assert_false(created);
    assert_int_equal(otw_comms_at(c, 0)->first_us, 1000);
    assert_int_equal(otw_comms_size(c), 1);

    /* Each element of the key makes a record of its own. */
    otw_addr other = ip("10.0.0.3");
    assert_int_equal(otw_comms_get(c, &sv, &cl, 1, 502, 6, 1, &created), 1); /* reversed */
    assert_true(created);
    assert_int_equal(otw_comms_get(c, &cl, &other, 1, 502, 6, 1, &created), 2);
    assert_int_equal(otw_comms_get(c, &cl, &sv, 2, 502, 6, 1, &created), 3);
    assert_int_equal(otw_comms_get(c, &cl, &sv, 1, 503, 6, 1, &created), 4);
    assert_int_equal(otw_comms_get(c, &cl, &sv, 1, 502, 17, 1, &created), 5);
    assert_true(created);
    assert_int_equal(otw_comms_size(c), 6);
    assert_null(otw_comms_at(c, 6));
    assert_null(otw_comms_at(c, OTW_COMM_NONE));
    assert_int_equal(otw_comms_refused(c), 0);
    otw_comms_free(c);
    otw_comms_free(NULL);
}

static void test_ipv6(void **state)
{
    (void)state;
    otw_comms *c = otw_comms_new(4);
    otw_addr cl = ip("fe80::1"), sv = ip("fe80::2"), sv4 = ip("0.0.0.2");
    bool created;
    assert_int_equal(otw_comms_get(c, &cl, &sv, 300, 4840, 6, 1, &created), 0);
    assert_int_equal(otw_comms_get(c, &cl, &sv4, 300, 4840, 6, 1, &created), 1);
    assert_true(created);
    assert_int_equal(otw_comms_get(c, &cl, &sv, 300, 4840, 6, 2, &created), 0);
    assert_false(created);
    otw_comms_free(c);
}

static void test_cap(void **state)
{
    (void)state;
    otw_comms *c = otw_comms_new(3);
    otw_addr cl = ip("10.0.0.1"), sv = ip("10.0.0.2");
    bool created;
    for (uint16_t p = 1; p <= 3; p++)
        assert_int_equal(otw_comms_get(c, &cl, &sv, 1, p, 6, 1, &created), p - 1);
    created = true;
    assert_int_equal(otw_comms_get(c, &cl, &sv, 1, 4, 6, 1, &created), OTW_COMM_NONE);
    assert_false(created);
    assert_int_equal(otw_comms_get(c, &cl, &sv, 1, 5, 6, 1, &created), OTW_COMM_NONE);
    assert_int_equal(otw_comms_refused(c), 2);
    assert_int_equal(otw_comms_size(c), 3);
    /* Known records are still found when the table is full. */
    assert_int_equal(otw_comms_get(c, &cl, &sv, 1, 2, 6, 1, &created), 1);
    assert_false(created);
    assert_int_equal(otw_comms_refused(c), 2);
    otw_comms_free(c);

    /* A capacity of 0 still makes a usable table of one. */
    c = otw_comms_new(0);
    assert_non_null(c);
    assert_int_equal(otw_comms_get(c, &cl, &sv, 1, 1, 6, 1, &created), 0);
    assert_int_equal(otw_comms_get(c, &cl, &sv, 1, 2, 6, 1, &created), OTW_COMM_NONE);
    otw_comms_free(c);
}

static void test_load(void **state)
{
    (void)state;
    otw_comms *c = otw_comms_new(4);
    otw_comm src = {0};
    src.store_id = 42;
    src.client = ip("192.168.1.5");
    src.server = ip("192.168.1.10");
    src.proto_key = 1;
    src.server_port = 502;
    src.transport = 6;
    src.first_us = 100;
    src.last_us = 200;
    src.flows = 3;
    src.pkts = 30;
    src.bytes = 3000;
    src.dirty = true;
    uint32_t i = otw_comms_load(c, &src);
    assert_int_equal(i, 0);
    otw_comm *x = otw_comms_at(c, i);
    assert_int_equal(x->store_id, 42);
    assert_int_equal(x->flows, 3);
    assert_int_equal(x->pkts, 30);
    assert_int_equal(x->bytes, 3000);
    assert_int_equal(x->first_us, 100);
    assert_int_equal(x->last_us, 200);
    assert_false(x->dirty); /* loaded = what the store has */
    /* The loaded record is what a new flow of the same pair finds. */
    bool created = true;
    assert_int_equal(otw_comms_get(c, &src.client, &src.server, 1, 502, 6, 300, &created), 0);
    assert_false(created);
    otw_comms_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_find),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
