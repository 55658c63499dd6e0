/* test_alert_types.c - unit tests for the alert type table and the alert
 * constructor (sensor/core/alert_types.c and alerts.c, contracts in
 * sensor/core/alert_types.h and alerts.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alert_types.h"
#include "alerts.h"

static void test_names_round_trip(void **state)
{
    (void)state;
    for (int t = OTW_AT_UNKNOWN + 1; t < OTW_AT__COUNT; t++) {
        const char *name = otw_alert_type_name((otw_alert_type)t);
        assert_non_null(name);
        assert_true(name[0] != '\0');
        assert_true(strlen(name) < sizeof(((otw_alert *)0)->type));
        assert_int_equal(otw_alert_type_parse(name), t);
    }
}

static void test_names_unique(void **state)
{
    (void)state;
    for (int a = 0; a < OTW_AT__COUNT; a++)
        for (int b = a + 1; b < OTW_AT__COUNT; b++)
            assert_string_not_equal(otw_alert_type_name((otw_alert_type)a),
                                    otw_alert_type_name((otw_alert_type)b));
}

static void test_every_row_complete(void **state)
{
    (void)state;
    for (int t = OTW_AT_UNKNOWN + 1; t < OTW_AT__COUNT; t++) {
        int sev = otw_alert_type_severity((otw_alert_type)t);
        assert_in_range(sev, OTW_SEV_INFO, OTW_SEV_CRITICAL);
        const char *key = otw_alert_type_msgkey((otw_alert_type)t);
        assert_non_null(key);
        assert_int_equal(strncmp(key, "alert.", 6), 0);
        assert_true(strlen(key) > 6);
        const char *tech = otw_alert_type_technique((otw_alert_type)t);
        assert_non_null(tech);
        /* "" or an ATT&CK for ICS id: T0 and three digits */
        assert_true(tech[0] == '\0' || (strlen(tech) == 5 && strncmp(tech, "T0", 2) == 0));
    }
}

static void test_known_types(void **state)
{
    (void)state;
    assert_string_equal(otw_alert_type_name(OTW_AT_NEW_ASSET), "NEW_ASSET");
    assert_int_equal(otw_alert_type_severity(OTW_AT_NEW_ASSET), OTW_SEV_MEDIUM);
    assert_string_equal(otw_alert_type_technique(OTW_AT_NEW_ASSET), "T0864");
    assert_string_equal(otw_alert_type_msgkey(OTW_AT_NEW_ASSET), "alert.new_asset");
    assert_int_equal(otw_alert_type_severity(OTW_AT_DEFAULT_CREDENTIALS), OTW_SEV_CRITICAL);
    assert_string_equal(otw_alert_type_technique(OTW_AT_DEFAULT_CREDENTIALS), "T0812");
    assert_int_equal(otw_alert_type_severity(OTW_AT_PROTOCOL_MISMATCH), OTW_SEV_LOW);
    assert_string_equal(otw_alert_type_technique(OTW_AT_PROTOCOL_MISMATCH), "T0885");
    assert_int_equal(otw_alert_type_severity(OTW_AT_PROGRAM_CHANGE), OTW_SEV_CRITICAL);
    assert_string_equal(otw_alert_type_technique(OTW_AT_PROGRAM_CHANGE), "T0843");
    assert_string_equal(otw_alert_type_technique(OTW_AT_TIMING_DEVIATION), "");
    assert_string_equal(otw_alert_type_name(OTW_AT_ZONE_VIOLATION), "ZONE_VIOLATION");
}

/* Stored names: per-protocol exception bursts are one type; names this
 * version does not know stay OTW_AT_UNKNOWN. */
static void test_parse_stored_names(void **state)
{
    (void)state;
    assert_int_equal(otw_alert_type_parse("MODBUS_EXCEPTIONS"), OTW_AT_PROTOCOL_EXCEPTIONS);
    assert_int_equal(otw_alert_type_parse("S7COMM_EXCEPTIONS"), OTW_AT_PROTOCOL_EXCEPTIONS);
    assert_int_equal(otw_alert_type_parse("_EXCEPTIONS"), OTW_AT_UNKNOWN);
    assert_int_equal(otw_alert_type_parse("NO_SUCH_TYPE"), OTW_AT_UNKNOWN);
    assert_int_equal(otw_alert_type_parse(""), OTW_AT_UNKNOWN);
    assert_int_equal(otw_alert_type_parse("new_asset"), OTW_AT_UNKNOWN);
    assert_string_equal(otw_alert_type_name((otw_alert_type)OTW_AT__COUNT), "UNKNOWN");
}

static void test_constructor(void **state)
{
    (void)state;
    otw_endpoint src = {.has_ip = true, .port = 40000}, dst = {.has_ip = true, .port = 502};
    otw_alert a;
    memset(&a, 0x5a, sizeof(a));
    otw_alert_init(&a, OTW_AT_NEW_OPERATION, &src, &dst, "modbus");
    assert_int_equal(a.kind, OTW_AT_NEW_OPERATION);
    assert_string_equal(a.type, "NEW_OPERATION");
    assert_int_equal(a.severity, OTW_SEV_HIGH);
    assert_string_equal(a.technique, "T0855");
    assert_string_equal(a.protocol, "modbus");
    assert_int_equal(a.src.port, 40000);
    assert_int_equal(a.dst.port, 502);
    assert_string_equal(a.key, "");
    assert_string_equal(a.message, "");
    assert_int_equal(a.id, 0);
    assert_int_equal(a.count, 0);
    otw_alert_key(&a, "unit=%u", 1u);
    otw_alert_message(&a, "%s writes", "10.0.0.1");
    otw_alert_technique(&a, NULL);
    assert_string_equal(a.key, "unit=1");
    assert_string_equal(a.message, "10.0.0.1 writes");
    assert_string_equal(a.technique, "");

    otw_alert_init(&a, OTW_AT_PROTOCOL_EXCEPTIONS, NULL, NULL, "s7comm");
    assert_string_equal(a.type, "S7COMM_EXCEPTIONS");
    assert_string_equal(a.protocol, "s7comm");
    assert_false(a.src.has_ip);

    otw_alert_init(&a, OTW_AT_SYSLOG_SPOOL_DROPPED, NULL, NULL, NULL);
    assert_string_equal(a.type, "SYSLOG_SPOOL_DROPPED");
    assert_string_equal(a.protocol, "");
    assert_string_equal(a.technique, "");
}

/* The sink raises into the table; an alert built by name gets its kind. */
static void test_sink(void **state)
{
    (void)state;
    otw_alerts *t = otw_alerts_new(4, NULL, NULL);
    assert_non_null(t);
    otw_alert_sink sink = otw_alerts_sink(t);
    otw_alert a;
    otw_alert_init(&a, OTW_AT_SCAN, NULL, NULL, NULL);
    assert_int_equal(otw_alert_sink_raise(&sink, &a, 10, 1), 0);
    assert_int_equal(otw_alert_sink_raise(&sink, &a, 20, 2), 0);
    assert_int_equal(otw_alerts_at(t, 0)->count, 3);
    memset(&a, 0, sizeof(a));
    snprintf(a.type, sizeof(a.type), "DEVICE_SILENT");
    assert_int_equal(otw_alerts_raise(t, &a, 30, 1), 1);
    assert_int_equal(otw_alerts_at(t, 1)->kind, OTW_AT_DEVICE_SILENT);
    otw_alerts_free(t);
    otw_alert_sink none = {0};
    assert_int_equal(otw_alert_sink_raise(&none, &a, 30, 1), OTW_ALERT_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_names_unique),
        cmocka_unit_test(test_every_row_complete),
        cmocka_unit_test(test_known_types),
        cmocka_unit_test(test_parse_stored_names),
        cmocka_unit_test(test_constructor),
        cmocka_unit_test(test_sink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
