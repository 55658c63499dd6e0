/* test_throttle.c - the console's login throttle (sensor/web/throttle.c):
 * per-client waits, no amnesty by eviction, a global budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "throttle.h"

#define S 1000000ull

static otw_throttle *fresh(void)
{
    otw_throttle *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    return t;
}

static void test_five_free_then_wait(void **state)
{
    (void)state;
    otw_throttle *t = fresh();
    unsigned retry = 0;
    uint64_t now = 1000 * S;
    for (int i = 0; i < OTW_THROTTLE_FREE - 1; i++) {
        otw_throttle_failure(t, "10.0.0.1", now);
        assert_true(otw_throttle_may_try(t, "10.0.0.1", now, &retry));
    }
    otw_throttle_failure(t, "10.0.0.1", now);
    assert_false(otw_throttle_may_try(t, "10.0.0.1", now, &retry));
    assert_int_equal(retry, 31);
    assert_true(otw_throttle_may_try(t, "10.0.0.2", now, &retry)); /* others unaffected */
    assert_true(otw_throttle_may_try(t, "10.0.0.1", now + 31 * S, &retry));
    otw_throttle_success(t, "10.0.0.1", now + 31 * S);
    otw_throttle_failure(t, "10.0.0.1", now + 32 * S);
    assert_true(otw_throttle_may_try(t, "10.0.0.1", now + 32 * S, &retry));
    free(t);
}

/* 129 failures from other addresses (slowly, inside the global budget) do
 * not evict a blocked client: it stays blocked. */
static void test_no_amnesty_by_eviction(void **state)
{
    (void)state;
    otw_throttle *t = fresh();
    unsigned retry = 0;
    uint64_t now = 1000 * S;
    for (int i = 0; i < OTW_THROTTLE_FREE + 4; i++)
        otw_throttle_failure(t, "10.9.9.9", now); /* waits 8 min */
    assert_false(otw_throttle_may_try(t, "10.9.9.9", now, &retry));
    for (int i = 0; i < OTW_THROTTLE_SLOTS + 1; i++) {
        char ip[32];
        snprintf(ip, sizeof(ip), "10.1.%d.%d", i / 250, i % 250 + 1);
        now += 3 * S;
        otw_throttle_failure(t, ip, now);
    }
    assert_true(now < 1000 * S + 480 * S);
    assert_false(otw_throttle_may_try(t, "10.9.9.9", now, &retry));
    free(t);
}

/* More failing clients than the table holds, all blocked: a new one is
 * not tracked, and the global budget stops it. */
static void test_global_budget(void **state)
{
    (void)state;
    otw_throttle *t = fresh();
    unsigned retry = 0;
    uint64_t now = 5000 * S;
    for (int i = 0; i < OTW_THROTTLE_GLOBAL_FAILURES; i++) {
        char ip[32];
        snprintf(ip, sizeof(ip), "10.2.0.%d", i + 1);
        assert_true(otw_throttle_may_try(t, ip, now, &retry));
        otw_throttle_failure(t, ip, now);
    }
    assert_false(otw_throttle_may_try(t, "10.3.0.1", now + 10 * S, &retry));
    assert_int_equal(retry, 51);
    assert_true(otw_throttle_may_try(t, "10.3.0.1", now + 60 * S, &retry));
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_five_free_then_wait),
        cmocka_unit_test(test_no_amnesty_by_eviction),
        cmocka_unit_test(test_global_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
