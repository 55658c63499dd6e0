/* test_roles.c - unit tests for roles from behaviour (sensor/core/roles.c,
 * rules in sensor/core/roles.h, ranking in docs/architecture.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "inventory.h"
#include "roles.h"

typedef struct fixture {
    otw_config cfg;
    otw_inventory *inv;
    otw_roles *roles;
} fixture;

static fixture fx;

static void fx_new(void)
{
    memset(&fx, 0, sizeof(fx));
    otw_config_defaults(&fx.cfg);
    fx.cfg.max_assets = 64;
    fx.inv = otw_inventory_new(&fx.cfg, NULL, NULL, NULL);
    assert_non_null(fx.inv);
    fx.roles = otw_roles_new(fx.inv, 64);
    assert_non_null(fx.roles);
}

static void fx_free(void)
{
    otw_roles_free(fx.roles);
    otw_inventory_free(fx.inv);
}

static otw_addr ip4(uint8_t last)
{
    otw_addr a;
    uint8_t v4[4] = {10, 0, 0, last};
    otw_addr_from_v4(&a, v4);
    return a;
}

/* The asset of 10.0.0.LAST (created with an ARP). */
static uint32_t host(uint8_t last)
{
    uint8_t mac[6] = {0x00, 0x11, 0x22, 0x33, 0x44, last};
    otw_addr a = ip4(last);
    uint32_t idx = otw_inventory_arp(fx.inv, mac, &a, 1);
    assert_int_not_equal(idx, OTW_ASSET_NONE);
    return idx;
}

static otw_role role(uint32_t idx)
{
    return otw_asset_role(otw_inventory_at(fx.inv, idx));
}

static bool has(uint32_t idx, otw_evidence ev)
{
    return (otw_inventory_at(fx.inv, idx)->evidence & (1u << ev)) != 0;
}

static otw_op op_of(otw_proto p, otw_op_class c, uint16_t function, uint32_t start)
{
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = p;
    op.op_class = c;
    op.function = function;
    op.function_name = "";
    op.has_unit = true;
    op.unit = 1;
    op.has_address = true;
    op.address_start = start;
    op.address_count = 10;
    op.request_seen = true;
    op.ts_us = 1000;
    op.response_ts_us = 1001;
    return op;
}

/* One request of client (10.0.0.C) to server (10.0.0.S). */
static void req(uint8_t c, uint8_t s, otw_op op)
{
    otw_addr ca = ip4(c), sa = ip4(s);
    otw_roles_op(fx.roles, host(c), host(s), &ca, &sa, &op);
}

static void test_engineering_functions(void **state)
{
    (void)state;
    fx_new();
    /* Program transfer, in any protocol. */
    req(20, 10, op_of(OTW_PROTO_S7COMM, OTW_CLASS_PROGRAM_DOWNLOAD, 0x1a, 0));
    assert_int_equal(role(host(20)), OTW_ROLE_ENGINEERING);
    assert_true(has(host(20), OTW_EV_ENGINEERING));
    /* Modbus 43/14 device identification: identity reads. */
    req(21, 10, op_of(OTW_PROTO_MODBUS, OTW_CLASS_IDENTITY, 43, 0));
    assert_int_equal(role(host(21)), OTW_ROLE_ENGINEERING);
    assert_true(has(host(21), OTW_EV_ENG_IDENTITY));
    /* A controller login (S7 password) or a FINS configuration write. */
    req(22, 10, op_of(OTW_PROTO_S7COMM, OTW_CLASS_AUTHENTICATION, 0x0501, 0));
    req(23, 10, op_of(OTW_PROTO_FINS, OTW_CLASS_CONFIGURATION, 0x0702, 0));
    assert_true(has(host(22), OTW_EV_ENG_CONFIG) && has(host(23), OTW_EV_ENG_CONFIG));
    assert_int_equal(role(host(23)), OTW_ROLE_ENGINEERING);
    /* A DNP3 cold restart is engineering; a freeze is a master's routine. */
    req(24, 10, op_of(OTW_PROTO_DNP3, OTW_CLASS_CONTROL, 13, 0));
    req(25, 10, op_of(OTW_PROTO_DNP3, OTW_CLASS_CONTROL, 7, 0));
    assert_int_equal(role(host(24)), OTW_ROLE_ENGINEERING);
    assert_int_equal(otw_inventory_at(fx.inv, host(25))->evidence, 0);
    /* Time sync (IEC 104) and delay measurement (DNP3): SCADA routine. */
    req(26, 10, op_of(OTW_PROTO_IEC104, OTW_CLASS_CONFIGURATION, 103, 0));
    req(26, 10, op_of(OTW_PROTO_DNP3, OTW_CLASS_DIAGNOSTIC, 23, 0));
    assert_int_equal(otw_inventory_at(fx.inv, host(26))->evidence, 0);
    /* S7comm-plus Explore: HMIs browse tags with it. */
    req(27, 10, op_of(OTW_PROTO_S7COMM, OTW_CLASS_DIAGNOSTIC, 0x04bb, 0));
    assert_int_equal(otw_inventory_at(fx.inv, host(27))->evidence, 0);
    /* The server answered: no "no answer seen" evidence on it. */
    assert_false(has(host(10), OTW_EV_INDUSTRIAL_TARGET));
    fx_free();
}

static void test_response_only_says_nothing(void **state)
{
    (void)state;
    fx_new();
    otw_op op = op_of(OTW_PROTO_S7COMM, OTW_CLASS_PROGRAM_DOWNLOAD, 0x1a, 0);
    op.request_seen = false; /* capture started mid-exchange */
    req(20, 10, op);
    assert_int_equal(otw_inventory_at(fx.inv, host(20))->evidence, 0);
    fx_free();
}

static void test_cyclic_reads_and_writes(void **state)
{
    (void)state;
    fx_new();
    otw_op poll = op_of(OTW_PROTO_MODBUS, OTW_CLASS_READ, 3, 0);
    req(30, 10, poll);
    req(30, 10, poll);
    assert_false(has(host(30), OTW_EV_CYCLIC_READS));
    req(30, 10, poll); /* the third time: polling */
    assert_true(has(host(30), OTW_EV_CYCLIC_READS));
    req(30, 10, op_of(OTW_PROTO_MODBUS, OTW_CLASS_WRITE, 6, 5));
    assert_true(has(host(30), OTW_EV_WRITES));
    assert_int_equal(role(host(30)), OTW_ROLE_HMI);
    /* Different addresses each time are no polling. */
    for (uint32_t a = 0; a < 5; a++)
        req(31, 10, op_of(OTW_PROTO_MODBUS, OTW_CLASS_READ, 3, a * 10));
    assert_false(has(host(31), OTW_EV_CYCLIC_READS));
    /* An engineering station that also polls stays engineering. */
    req(32, 10, op_of(OTW_PROTO_MODBUS, OTW_CLASS_IDENTITY, 43, 0));
    for (int i = 0; i < 5; i++)
        req(32, 10, poll);
    assert_true(has(host(32), OTW_EV_CYCLIC_READS));
    assert_int_equal(role(host(32)), OTW_ROLE_ENGINEERING);
    fx_free();
}

static void test_historian(void **state)
{
    (void)state;
    fx_new();
    /* Reads from three controllers, twice each: a historian at the third. */
    for (int round = 0; round < 2; round++)
        for (uint8_t plc = 10; plc < 12; plc++)
            req(40, plc, op_of(OTW_PROTO_MODBUS, OTW_CLASS_READ, 4, 0));
    assert_false(has(host(40), OTW_EV_HISTORIAN));
    req(40, 12, op_of(OTW_PROTO_MODBUS, OTW_CLASS_READ, 4, 0));
    assert_true(has(host(40), OTW_EV_HISTORIAN));
    assert_int_equal(role(host(40)), OTW_ROLE_HISTORIAN);
    /* Its first write makes it an HMI, for good. */
    req(40, 12, op_of(OTW_PROTO_MODBUS, OTW_CLASS_WRITE, 6, 0));
    assert_false(has(host(40), OTW_EV_HISTORIAN));
    assert_int_equal(role(host(40)), OTW_ROLE_HMI);
    req(40, 13, op_of(OTW_PROTO_MODBUS, OTW_CLASS_READ, 4, 0));
    assert_int_equal(role(host(40)), OTW_ROLE_HMI);
    /* A client that wrote first never becomes one. */
    req(41, 10, op_of(OTW_PROTO_MODBUS, OTW_CLASS_WRITE, 6, 0));
    for (uint8_t plc = 10; plc < 14; plc++)
        req(41, plc, op_of(OTW_PROTO_MODBUS, OTW_CLASS_READ, 4, 0));
    assert_int_equal(role(host(41)), OTW_ROLE_HMI);
    fx_free();
}

/* A restart: the pairs come back from the stored communications, so the
 * third controller read after it makes the historian as in one run. */
static void test_historian_after_restart(void **state)
{
    (void)state;
    fx_new();
    uint32_t h = host(50);
    (void)host(10);
    (void)host(11);
    otw_addr c = ip4(50), s1 = ip4(10), s2 = ip4(11);
    otw_roles_pair(fx.roles, &c, &s1);
    otw_roles_pair(fx.roles, &c, &s2);
    otw_roles_pair(fx.roles, &c, &s2); /* a second protocol to the same one */
    assert_false(has(h, OTW_EV_HISTORIAN));
    req(50, 12, op_of(OTW_PROTO_S7COMM, OTW_CLASS_READ, 4, 0));
    assert_int_equal(role(h), OTW_ROLE_HISTORIAN);
    fx_free();
}

static void test_unanswered_target(void **state)
{
    (void)state;
    fx_new();
    otw_op stop = op_of(OTW_PROTO_ENIP, OTW_CLASS_CONTROL, 0x07, 0);
    stop.response_ts_us = 0; /* never answered */
    req(60, 70, stop);
    assert_true(has(host(70), OTW_EV_INDUSTRIAL_TARGET));
    assert_int_equal(role(host(70)), OTW_ROLE_CONTROLLER);
    assert_int_equal(role(host(60)), OTW_ROLE_ENGINEERING);
    /* Answered later: the answer is the evidence, not the silence. */
    req(60, 70, op_of(OTW_PROTO_ENIP, OTW_CLASS_READ, 0x0e, 0));
    assert_false(has(host(70), OTW_EV_INDUSTRIAL_TARGET));
    fx_free();
}

/* Link-layer operations (PROFINET DCP): no server, no IPs. */
static void test_link_layer(void **state)
{
    (void)state;
    fx_new();
    uint8_t mac[6] = {0x00, 0x1b, 0x1b, 0, 0, 1};
    uint32_t pg = otw_inventory_l2(fx.inv, mac, 1);
    otw_op set = op_of(OTW_PROTO_PNDCP, OTW_CLASS_CONFIGURATION, 4, 0);
    otw_op ident = op_of(OTW_PROTO_PNDCP, OTW_CLASS_IDENTITY, 5, 0);
    otw_roles_op(fx.roles, pg, OTW_ASSET_NONE, NULL, NULL, &ident);
    assert_int_equal(otw_inventory_at(fx.inv, pg)->evidence, 0); /* IO controllers do it too */
    otw_roles_op(fx.roles, pg, OTW_ASSET_NONE, NULL, NULL, &set);
    assert_int_equal(role(pg), OTW_ROLE_ENGINEERING);
    fx_free();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engineering_functions),
        cmocka_unit_test(test_response_only_says_nothing),
        cmocka_unit_test(test_cyclic_reads_and_writes),
        cmocka_unit_test(test_historian),
        cmocka_unit_test(test_historian_after_restart),
        cmocka_unit_test(test_unanswered_target),
        cmocka_unit_test(test_link_layer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
