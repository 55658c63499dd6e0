/* test_protonames.c - conduit protocol names checked against the sensor's
 * and nDPI's names, with the closest known name suggested. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "protonames.h"

static otw_classifier *g_cl;

static int setup(void **state)
{
    (void)state;
    char err[256];
    g_cl = otw_classifier_new(16, 32, err, sizeof(err));
    return g_cl ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    otw_classifier_free(g_cl);
    return 0;
}

/* The error for one conduit naming protocol p ("" when accepted). */
static const char *check(const char *p)
{
    static otw_config cfg;
    static char err[512];
    memset(&cfg, 0, sizeof(cfg));
    cfg.n_conduits = 1;
    strcpy(cfg.conduits[0].name, "eng");
    cfg.conduits[0].n_protocols = 2;
    strcpy(cfg.conduits[0].protocols[0], "modbus");
    snprintf(cfg.conduits[0].protocols[1], sizeof(cfg.conduits[0].protocols[1]), "%s", p);
    err[0] = '\0';
    int rc = otw_check_protocol_names(&cfg, g_cl, err, sizeof(err));
    assert_int_equal(rc, err[0] ? -1 : 0);
    return err;
}

static void test_known_names(void **state)
{
    (void)state;
    /* Ours and nDPI's, in any case. */
    static const char *const ok[] = {"modbus", "S7COMM", "enip", "slmp", "melsoft", "fins",
                                     "SSH",    "rdp",    "HTTP", "TLS",  "SMBv23"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        assert_string_equal(check(ok[i]), "");
}

static void test_suggestions(void **state)
{
    (void)state;
    assert_non_null(strstr(check("modbus-tcp"), "conduit eng: unknown protocol \"modbus-tcp\"; "
                                                "did you mean \"modbus\"?"));
    assert_non_null(strstr(check("Modbus/TCP"), "did you mean \"modbus\"?"));
    assert_non_null(strstr(check("s7"), "did you mean \"s7comm\"?"));
    assert_non_null(strstr(check("Telent"), "did you mean \"telnet\"?"));
    assert_non_null(strstr(check("melsec"), "did you mean \"slmp\"?"));
    assert_non_null(strstr(check("CIP"), "did you mean \"enip\"?"));
    /* Nothing close: no guess. */
    const char *e = check("frobnicator");
    assert_non_null(strstr(e, "unknown protocol \"frobnicator\""));
    assert_null(strstr(e, "did you mean"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_names),
        cmocka_unit_test(test_suggestions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
