/* test_log.c - the logging facility (sensor/util/log.c): one prefix, levels,
 * and log lines that stay one line whatever the text carries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

/* What otw_log wrote on stderr while fn ran. */
static void capture_stderr(void (*fn)(void), char *out, size_t outsz)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(tmp), STDERR_FILENO);
    fn();
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, outsz - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
}

static void say_warning(void)
{
    otw_warn("%s: %s (rest of file ignored)", "a.pcap", "truncated dump file");
}

static void say_error(void)
{
    otw_error("cannot listen on %s", "127.0.0.1:1");
}

static void say_debug_and_info(void)
{
    otw_debug("not shown");
    otw_info("shown");
}

static void say_hostile(void)
{
    otw_warn("failed login for '%s'", "admin\n\x1b[2Jotwatch serve: forged");
}

static void prefix_and_levels(void **state)
{
    (void)state;
    char got[512];
    otw_log_set_prefix("otwatch read");
    capture_stderr(say_warning, got, sizeof(got));
    assert_string_equal(
        got, "otwatch read: warning: a.pcap: truncated dump file (rest of file ignored)\n");
    otw_log_set_prefix("otwatch serve");
    capture_stderr(say_error, got, sizeof(got));
    assert_string_equal(got, "otwatch serve: cannot listen on 127.0.0.1:1\n");
    capture_stderr(say_debug_and_info, got, sizeof(got));
    assert_string_equal(got, "otwatch serve: shown\n");
    otw_log_set_level(OTW_LOG_DEBUG);
    capture_stderr(say_debug_and_info, got, sizeof(got));
    assert_string_equal(got, "otwatch serve: debug: not shown\notwatch serve: shown\n");
    otw_log_set_level(OTW_LOG_INFO);
}

static void control_characters_neutralised(void **state)
{
    (void)state;
    char got[512];
    otw_log_set_prefix("otwatch serve");
    capture_stderr(say_hostile, got, sizeof(got));
    assert_string_equal(
        got,
        "otwatch serve: warning: failed login for 'admin\\x0a\\x1b[2Jotwatch serve: forged'\n");
    char safe[8];
    otw_log_safe("ab\ncd", safe, sizeof(safe)); /* cut whole, never mid-escape */
    assert_string_equal(safe, "ab\\x0ac");
    otw_log_safe("日本", safe, sizeof(safe)); /* UTF-8 passes through */
    assert_string_equal(safe, "日本");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prefix_and_levels),
        cmocka_unit_test(control_characters_neutralised),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
