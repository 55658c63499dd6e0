/* test_cli_when.c - otw_parse_when: --since and friends read durations
 * back from now and local or offset date-times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli.h"

#define S 1000000ull
static const uint64_t now = 1765000000ull * S; /* 2025-12-06T05:46:40Z */

static uint64_t when(const char *s, int tz)
{
    uint64_t us = 42;
    assert_int_equal(otw_parse_when(s, tz, now, &us), 0);
    return us;
}

static void test_durations(void **state)
{
    (void)state;
    assert_int_equal(when("24h", 0), now - 86400 * S);
    assert_int_equal(when("90s", 540), now - 90 * S); /* no time zone in a duration */
    assert_int_equal(when("7d", 0), now - 7 * 86400 * S);
    uint64_t us;
    assert_int_equal(otw_parse_when("3000000000d", 0, now, &us), -1); /* overflows */
}

static void test_dates(void **state)
{
    (void)state;
    assert_int_equal(when("2025-12-01", 0), 1764547200ull * S);
    assert_int_equal(when("2025-12-01T09:00", 0), (1764547200ull + 9 * 3600) * S);
    /* 09:00 in Japan is 00:00 UTC, named or by --tz */
    assert_int_equal(when("2025-12-01T09:00", 540), 1764547200ull * S);
    assert_int_equal(when("2025-12-01 09:00:00+09:00", 0), 1764547200ull * S);
    assert_int_equal(when("2025-12-01T00:00Z", 540), 1764547200ull * S);
    assert_int_equal(when("2025-12-01T00:00:30-00:30", 0), (1764547200ull + 1830) * S);
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"",
                                      "yesterday",
                                      "2025-13-01",
                                      "2025-02-29",
                                      "2025-12-01T25:00",
                                      "2025-12-01T09",
                                      "2025-12-01x",
                                      "1969-12-31",
                                      "2025-12-01T09:00+9",
                                      "12h30"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t us = 7;
        assert_int_equal(otw_parse_when(bad[i], 0, now, &us), -1);
        assert_int_equal(us, 7);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
