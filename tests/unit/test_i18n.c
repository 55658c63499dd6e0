/* test_i18n.c - every alert type has a title in both languages, and
 * durations read the same way in both (issue 15). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* cmocka needs the headers above first */
#include <cmocka.h>

#include "alert_types.h"
#include "duration.h"
#include "i18n.h"

static void test_every_type_has_titles(void **state)
{
    (void)state;
    for (int t = OTW_AT_UNKNOWN + 1; t < OTW_AT__COUNT; t++) {
        const char *en = otw_i18n_alert_type(OTW_LANG_EN, (otw_alert_type)t);
        const char *ja = otw_i18n_alert_type(OTW_LANG_JA, (otw_alert_type)t);
        if (!en || !ja)
            fail_msg("%s has no title", otw_alert_type_name((otw_alert_type)t));
        assert_true(strcmp(en, ja) != 0);
    }
    assert_string_equal(otw_i18n_alert_type(OTW_LANG_JA, OTW_AT_ACCOUNT_CHANGE),
                        "コントローラーのユーザーアカウント変更");
}

static void test_durations(void **state)
{
    (void)state;
    char buf[48];
    const uint64_t s = 1000000u;
    static const struct {
        uint64_t us;
        const char *en, *ja;
    } cases[] = {
        {(3 * 3600 + 2 * 60 + 40) * s, "3 h 2 min", "3時間2分"},
        {(47 * 3600 + 59 * 60) * s, "47 h 59 min", "47時間59分"},
        {(2 * 86400 + 3600) * s, "2 d 1 h", "2日1時間"},
        {(5 * 60) * s, "5 min", "5分"},
        {(61) * s, "1 min 1 s", "1分1秒"},
        {45 * s, "45 s", "45秒"},
        {999999, "999 ms", "999ミリ秒"},
        {0, "0 ms", "0ミリ秒"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_string_equal(otw_duration_text(cases[i].us, OTW_DURATION_EN, buf, sizeof(buf)),
                            cases[i].en);
        assert_string_equal(otw_duration_text(cases[i].us, OTW_DURATION_JA, buf, sizeof(buf)),
                            cases[i].ja);
    }
    /* Truncated, still terminated. */
    char small[4];
    assert_string_equal(otw_duration_text(45 * s, OTW_DURATION_EN, small, sizeof(small)), "45 ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_has_titles),
        cmocka_unit_test(test_durations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
