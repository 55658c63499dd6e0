/* test_csv.c - one CSV field (sensor/util/csv.c): RFC 4180 quoting and
 * spreadsheet formulas written as text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"

static void expect_field(const char *in, bool last, const char *want)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    otw_csv_field(m, in, last);
    fclose(m);
    assert_string_equal(buf, want);
    free(buf);
}

static void test_plain_and_quoted(void **state)
{
    (void)state;
    expect_field("plc-1", false, "plc-1,");
    expect_field("", true, "\r\n");
    expect_field("a,b", false, "\"a,b\",");
    expect_field("say \"hi\"", true, "\"say \"\"hi\"\"\"\r\n");
    expect_field("two\nlines", false, "\"two\nlines\",");
    expect_field("-", false, "-,"); /* a placeholder stays */
}

static void test_formulas_are_text(void **state)
{
    (void)state;
    expect_field("=HYPERLINK(\"http://x\")", false, "\"'=HYPERLINK(\"\"http://x\"\")\",");
    expect_field("@SUM(A1:A9)", false, "'@SUM(A1:A9),");
    expect_field("+1+2", false, "'+1+2,");
    expect_field("-2+3", false, "'-2+3,");
    expect_field("\tcmd", false, "'\tcmd,");
    expect_field("=1,2", true, "\"'=1,2\"\r\n");
    expect_field("a=b", false, "a=b,"); /* only the first character counts */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_quoted),
        cmocka_unit_test(test_formulas_are_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
