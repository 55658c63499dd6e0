/* test_texttable.c - the CLI's aligned text tables (sensor/util/texttable.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "texttable.h"

static char *print_to_string(const otw_texttable *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(otw_tt_print(t, f), 0);
    fclose(f);
    return buf;
}

static void test_widths_from_content(void **state)
{
    (void)state;
    static const char *const heads[] = {">ID", "IP", "NAME"};
    otw_texttable t;
    otw_tt_init(&t, 3, heads);
    const char *r1[] = {"1", "10.0.0.1", "plc"};
    const char *r2[] = {"12", "fd00::1234:5678", NULL};
    otw_tt_row(&t, r1, NULL);
    otw_tt_row(&t, r2, "     evidence: x\n");
    char *s = print_to_string(&t);
    assert_string_equal(s, "ID  IP               NAME\n"
                           " 1  10.0.0.1         plc\n"
                           "12  fd00::1234:5678  -\n"
                           "     evidence: x\n");
    free(s);
    otw_tt_free(&t);
    assert_null(t.rows);
}

static void test_wide_characters(void **state)
{
    (void)state;
    assert_int_equal(otw_tt_width("abc"), 3);
    assert_int_equal(otw_tt_width("\xE7\xAC\xAC\xE4\xB8\x80\xE5\xB7\xA5\xE5\xA0\xB4"),
                     8);                               /* 第一工場 */
    assert_int_equal(otw_tt_width("\xEF\xBD\xB1"), 1); /* halfwidth katakana */
    assert_int_equal(otw_tt_width("caf\xC3\xA9"), 4);
    assert_int_equal(otw_tt_width("\xE7\xAC"), 1); /* truncated sequence: one column */
    static const char *const heads[] = {"ZONE", "N"};
    otw_texttable t;
    otw_tt_init(&t, 2, heads);
    const char *r1[] = {"\xE7\xAC\xAC\xE4\xB8\x80\xE5\xB7\xA5\xE5\xA0\xB4", "1"};
    const char *r2[] = {"office", "2"};
    otw_tt_row(&t, r1, NULL);
    otw_tt_row(&t, r2, NULL);
    char *s = print_to_string(&t);
    assert_string_equal(s, "ZONE      N\n"
                           "\xE7\xAC\xAC\xE4\xB8\x80\xE5\xB7\xA5\xE5\xA0\xB4  1\n"
                           "office    2\n");
    free(s);
    otw_tt_free(&t);
}

static void test_many_rows(void **state)
{
    (void)state;
    static const char *const heads[] = {">N"};
    otw_texttable t;
    otw_tt_init(&t, 1, heads);
    char n[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(n, sizeof(n), "%d", i);
        const char *r[] = {n};
        otw_tt_row(&t, r, NULL);
    }
    assert_int_equal(t.nrows, 1000);
    assert_int_equal(t.width[0], 3);
    assert_false(t.failed);
    otw_tt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_widths_from_content),
        cmocka_unit_test(test_wide_characters),
        cmocka_unit_test(test_many_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
