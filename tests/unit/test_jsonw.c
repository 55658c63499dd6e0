/* test_jsonw.c - unit tests for the JSON writer (sensor/util/jsonw.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jsonw.h"

static void test_object_and_array_commas(void **state)
{
    (void)state;
    char buf[256];
    otw_jsonw w;
    jw_init(&w, buf, sizeof(buf));
    jw_obj_begin(&w);
    jw_key(&w, "a");
    jw_u64(&w, 1);
    jw_key(&w, "b");
    jw_arr_begin(&w);
    jw_i64(&w, -2);
    jw_bool(&w, true);
    jw_null(&w);
    jw_obj_begin(&w);
    jw_obj_end(&w);
    jw_arr_begin(&w);
    jw_arr_end(&w);
    jw_str(&w, "x");
    jw_arr_end(&w);
    jw_key(&w, "c");
    jw_raw(&w, "{\"k\":[1,2]}");
    jw_key(&w, "d");
    jw_bool(&w, false);
    jw_obj_end(&w);
    const char *out = jw_finish(&w);
    assert_non_null(out);
    assert_string_equal(
        out, "{\"a\":1,\"b\":[-2,true,null,{},[],\"x\"],\"c\":{\"k\":[1,2]},\"d\":false}");
    assert_int_equal(w.len, strlen(out));
}

static void test_top_level_scalars(void **state)
{
    (void)state;
    char buf[64];
    otw_jsonw w;
    jw_init(&w, buf, sizeof(buf));
    jw_u64(&w, UINT64_MAX);
    assert_string_equal(jw_finish(&w), "18446744073709551615");
    jw_init(&w, buf, sizeof(buf));
    jw_i64(&w, INT64_MIN);
    assert_string_equal(jw_finish(&w), "-9223372036854775808");
    jw_init(&w, buf, sizeof(buf));
    jw_i64(&w, 0);
    assert_string_equal(jw_finish(&w), "0");
    jw_init(&w, buf, sizeof(buf));
    jw_str(&w, NULL);
    assert_string_equal(jw_finish(&w), "null");
    jw_init(&w, buf, sizeof(buf));
    jw_raw(&w, "");
    assert_string_equal(jw_finish(&w), "null");
}

static void test_escaping(void **state)
{
    (void)state;
    char buf[256];
    otw_jsonw w;
    jw_init(&w, buf, sizeof(buf));
    jw_arr_begin(&w);
    jw_str(&w, "q\"b\\s/\n\t\x01\x1f\x7f");
    jw_strn(&w, "a\0b", 3);
    jw_arr_end(&w);
    assert_string_equal(jw_finish(&w), "[\"q\\\"b\\\\s/\\u000a\\u0009\\u0001\\u001f\x7f\","
                                       "\"a\\u0000b\"]");
    /* Keys are escaped too. */
    jw_init(&w, buf, sizeof(buf));
    jw_obj_begin(&w);
    jw_key(&w, "k\"");
    jw_u64(&w, 5);
    jw_obj_end(&w);
    assert_string_equal(jw_finish(&w), "{\"k\\\"\":5}");
}

static void test_utf8(void **state)
{
    (void)state;
    char buf[256];
    otw_jsonw w;
    /* Valid multi-byte sequences pass through: e-acute, euro, U+1F600. */
    jw_init(&w, buf, sizeof(buf));
    jw_str(&w, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    assert_string_equal(jw_finish(&w), "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"");

    struct {
        const char *in, *out;
    } cases[] = {
        {"\xFF", "\"\xEF\xBF\xBD\""},                                 /* never valid */
        {"a\x80z", "\"a\xEF\xBF\xBDz\""},                             /* stray continuation */
        {"\xC0\xAF", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},                 /* overlong '/' */
        {"\xED\xA0\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""}, /* surrogate */
        {"\xF4\x90\x80\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},
        {"\xE2\x82", "\"\xEF\xBF\xBD\""}, /* truncated: one FFFD */
        {"\xE2\x82z", "\"\xEF\xBF\xBDz\""},
        {"\xF0\x9F\x98", "\"\xEF\xBF\xBD\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        jw_init(&w, buf, sizeof(buf));
        jw_str(&w, cases[i].in);
        const char *out = jw_finish(&w);
        assert_non_null(out);
        assert_string_equal(out, cases[i].out);
    }
}

static void test_timestamps(void **state)
{
    (void)state;
    char ts[32];
    otw_format_ts(0, ts);
    assert_string_equal(ts, "1970-01-01T00:00:00.000000Z");
    otw_format_ts(1795449670123456ULL, ts);
    assert_string_equal(ts, "2026-11-23T16:01:10.123456Z");
    otw_format_ts(951782400000001ULL, ts); /* leap day of a 400-year leap year */
    assert_string_equal(ts, "2000-02-29T00:00:00.000001Z");
    otw_format_ts(4107542399999999ULL, ts); /* 2100 is not a leap year */
    assert_string_equal(ts, "2100-02-28T23:59:59.999999Z");
    otw_format_ts(4107542400000000ULL, ts);
    assert_string_equal(ts, "2100-03-01T00:00:00.000000Z");
    otw_format_ts(1709164800000000ULL, ts);
    assert_string_equal(ts, "2024-02-29T00:00:00.000000Z");
    otw_format_ts(UINT64_MAX, ts); /* clamped */
    assert_string_equal(ts, "9999-12-31T23:59:59.999999Z");
    assert_int_equal(strlen(ts), OTW_TS_LEN);

    char buf[64];
    otw_jsonw w;
    jw_init(&w, buf, sizeof(buf));
    jw_arr_begin(&w);
    jw_ts(&w, 1000000);
    jw_ts(&w, 86400000000ULL);
    jw_arr_end(&w);
    assert_string_equal(jw_finish(&w),
                        "[\"1970-01-01T00:00:01.000000Z\",\"1970-01-02T00:00:00.000000Z\"]");
}

/* Every prefix size of the buffer: never writes past cap, fails cleanly. */
static void test_overflow_never_writes_past_cap(void **state)
{
    (void)state;
    const char *expect = "{\"name\":\"\\u0001\xEF\xBF\xBD\",\"n\":[12345,-6],\"t\":true}";
    size_t full = strlen(expect);
    for (size_t cap = 0; cap <= full + 2; cap++) {
        char buf[128];
        memset(buf, 'Z', sizeof(buf));
        otw_jsonw w;
        jw_init(&w, cap ? buf : NULL, cap);
        jw_obj_begin(&w);
        jw_key(&w, "name");
        jw_str(&w, "\x01\xFF");
        jw_key(&w, "n");
        jw_arr_begin(&w);
        jw_u64(&w, 12345);
        jw_i64(&w, -6);
        jw_arr_end(&w);
        jw_key(&w, "t");
        jw_bool(&w, true);
        jw_obj_end(&w);
        const char *out = jw_finish(&w);
        for (size_t i = cap; i < sizeof(buf); i++)
            assert_int_equal(buf[i], 'Z');
        if (cap > full) {
            assert_non_null(out);
            assert_string_equal(out, expect);
        } else {
            assert_null(out);
            assert_true(w.overflow);
            assert_true(w.len < cap || cap == 0);
        }
    }
}

static void test_sticky_overflow(void **state)
{
    (void)state;
    char buf[8];
    otw_jsonw w;
    jw_init(&w, buf, sizeof(buf));
    jw_str(&w, "0123456789");
    assert_true(w.overflow);
    size_t len = w.len;
    jw_init(&w, buf, sizeof(buf)); /* re-init clears it */
    assert_false(w.overflow);
    jw_init(&w, buf, sizeof(buf));
    jw_str(&w, "0123456789");
    jw_u64(&w, 1); /* would fit, but overflow is sticky */
    assert_int_equal(w.len, len);
    assert_null(jw_finish(&w));
}

static void test_misuse(void **state)
{
    (void)state;
    char buf[256];
    otw_jsonw w;
    /* Unbalanced end. */
    jw_init(&w, buf, sizeof(buf));
    jw_obj_end(&w);
    assert_null(jw_finish(&w));
    /* Unclosed container. */
    jw_init(&w, buf, sizeof(buf));
    jw_arr_begin(&w);
    assert_null(jw_finish(&w));
    /* Nesting beyond the limit. */
    jw_init(&w, buf, sizeof(buf));
    for (int i = 0; i < OTW_JW_MAX_DEPTH; i++)
        jw_arr_begin(&w);
    assert_false(w.overflow);
    jw_arr_begin(&w);
    assert_true(w.overflow);
    /* Exactly the limit works. */
    jw_init(&w, buf, sizeof(buf));
    for (int i = 0; i < OTW_JW_MAX_DEPTH; i++)
        jw_arr_begin(&w);
    for (int i = 0; i < OTW_JW_MAX_DEPTH; i++)
        jw_arr_end(&w);
    assert_string_equal(jw_finish(&w), "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_object_and_array_commas),
        cmocka_unit_test(test_top_level_scalars),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_overflow_never_writes_past_cap),
        cmocka_unit_test(test_sticky_overflow),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
