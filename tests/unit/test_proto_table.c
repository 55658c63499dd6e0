/* test_proto_table.c - the one protocol table (protocols/proto_table.h) and
 * the value -> name lookup (protocols/tok.h) the dissectors' names use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "dissector.h"
#include "enip.h"
#include "hartip.h"
#include "modbus.h"
#include "s7comm.h"
#include "slmp.h"
#include "tok.h"

static const otw_tok rows[] = {{1, "one"}, {5, "five"}, {9, "nine"}, {0xFF00, "high"}};

static void test_tok_lookup(void **state)
{
    (void)state;
    assert_string_equal(OTW_TOK_NAME(rows, 1, "?"), "one");
    assert_string_equal(OTW_TOK_NAME(rows, 5, "?"), "five");
    assert_string_equal(OTW_TOK_NAME(rows, 9, "?"), "nine");
    assert_string_equal(OTW_TOK_NAME(rows, 0xFF00, "?"), "high");
    assert_string_equal(OTW_TOK_NAME(rows, 0, "?"), "?");
    assert_string_equal(OTW_TOK_NAME(rows, 6, "?"), "?");
    assert_null(OTW_TOK_NAME(rows, 0xFFFFFFFFu, NULL));
    assert_string_equal(otw_tok_lookup(rows, 0, 1, "empty"), "empty");
}

/* Every row of proto_table.h has a name, a linked dissector whose descriptor
 * agrees with the row, and (PORTS rows) a protocols.NAME section. */
#define EXPECT_ROW(id, name, dissector, config) {OTW_PROTO_##id, name, #config},
static const struct {
    otw_proto proto;
    const char *name;
    const char *config;
} table[] = {OTW_PROTOCOLS(EXPECT_ROW)};
#undef EXPECT_ROW

static void test_every_protocol_named_registered_configurable(void **state)
{
    (void)state;
    size_t n_rows = sizeof(table) / sizeof(table[0]);
    assert_int_equal(n_rows, OTW_PROTO__COUNT - 1);
    size_t n;
    const otw_dissector *const *all = otw_dissectors(&n);
    assert_int_equal(n, n_rows);
    char dir[] = "/tmp/otw-test-proto-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/c.yaml", dir);
    for (size_t i = 0; i < n_rows; i++) {
        assert_int_equal(table[i].proto, (otw_proto)(i + 1));
        assert_string_equal(otw_proto_name(table[i].proto), table[i].name);
        const otw_dissector *d = otw_dissector_get(table[i].proto);
        assert_non_null(d);
        assert_ptr_equal(all[i], d);
        assert_string_equal(d->name, table[i].name);
        /* a PORTS row's ports are set under protocols.NAME, a LINK row's
         * section does not exist */
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "protocols:\n  %s:\n    tcp_ports: [40001]\n", table[i].name);
        fclose(f);
        otw_config c;
        char err[256] = "";
        int rc = otw_config_load(&c, path, err, sizeof(err));
        if (strcmp(table[i].config, "PORTS") == 0) {
            assert_int_equal(rc, 0);
            assert_int_equal(c.tcp_ports[table[i].proto][0], 40001);
        } else {
            assert_int_equal(rc, -1);
        }
    }
    unlink(path);
    rmdir(dir);
    assert_string_equal(otw_proto_name(OTW_PROTO_NONE), "none");
    assert_string_equal(otw_proto_name(OTW_PROTO__COUNT), "none");
}

/* The names that moved from switches to tables, one row and one miss each. */
static void test_dissector_names_from_tables(void **state)
{
    (void)state;
    assert_string_equal(mb_function_name(3), "Read Holding Registers");
    assert_string_equal(mb_function_name(200), "Unknown");
    assert_string_equal(hartip_command_name(0), "Read Unique Identifier");
    assert_string_equal(hartip_command_name(130), "Device Specific Command");
    assert_string_equal(hartip_command_name(0xFF00 | 7), "Unknown Message");
    assert_string_equal(enip_service_name(0x0E, 0x01, false), "Get_Attribute_Single");
    assert_string_equal(enip_service_name(0x54, 0x06, false), "Forward_Open");
    assert_string_equal(enip_service_name(0x4B, 0x67, false), "Execute_PCCC");
    assert_string_equal(enip_service_name(0x4C, 0x6B, false), "Read Tag");
    assert_string_equal(enip_service_name(0x60, 0x01, false), "Object Specific Service");
    assert_string_equal(s7_userdata_function_name(4, 0x01), "Read SZL");
    assert_string_equal(s7_userdata_function_name(4, 0x7F), "CPU function");
    assert_string_equal(s7_userdata_function_name(15, 0x01), "NC programming");
    assert_string_equal(s7_userdata_function_name(9, 0x01), "Unknown");
    assert_string_equal(slmp_command_name(0x0401, 0x0001), "Read (bit units)");
    assert_string_equal(slmp_command_name(0x0401, 0x0000), "Read (word units)");
    assert_string_equal(slmp_command_name(0xFFFF, 0), "Unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tok_lookup),
        cmocka_unit_test(test_every_protocol_named_registered_configurable),
        cmocka_unit_test(test_dissector_names_from_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
