/* test_investigate.c - the conclusion of `otwatch investigate` in both
 * languages (investigate.h): nothing reached and nothing changed; a
 * crossing and a change outside the routine named; routine changes listed
 * without making the verdict; a window not fully watched said so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* cmocka needs the headers above first */
#include <cmocka.h>

#include "investigate.h"

#define T0 1795964400000000ull /* 2026-11-30 00:00 JST */
#define WEEK (7ull * 86400 * 1000000)

static void base(otw_investigation *inv, otw_lang lang)
{
    memset(inv, 0, sizeof(*inv));
    inv->q.from_us = T0;
    inv->q.to_us = T0 + WEEK;
    inv->q.tz_minutes = 540;
    inv->q.lang = lang;
    inv->have_zones = true;
    strcpy(inv->sources, "office");
    strcpy(inv->targets, lang == OTW_LANG_JA ? "scada、line1" : "scada, line1");
    inv->n_sources = 1;
    inv->n_targets = 2;
    inv->cov.recorded = inv->cov.continuous = true;
    inv->cov.watched_us = WEEK;
}

static void expect(const otw_investigation *inv, const char *want)
{
    char c[2400];
    otw_inv_conclusion(inv, c, sizeof(c));
    if (strcmp(c, want) != 0)
        fail_msg("got:  %s\nwant: %s", c, want);
}

static void test_nothing(void **state)
{
    (void)state;
    otw_investigation inv;
    base(&inv, OTW_LANG_EN);
    expect(&inv, "Between 2026-11-30 00:00 and 2026-12-07 00:00 JST (sensor watching 100.0% of the "
                 "time, 0 packets dropped) no communication from zone office reached zones scada, "
                 "line1, and no controller was written, stopped or reprogrammed.");
    base(&inv, OTW_LANG_JA);
    expect(&inv, "2026-11-30 00:00 から 2026-12-07 00:00 まで（JST）: センサーは期間の 100.0% "
                 "を監視し、取りこぼしたパケットは 0 件でした。office から scada、line1 "
                 "に届いた通信はありませんでした。コントローラーへの書き込み・停止・プログラム"
                 "変更はありませんでした。");
}

static void test_crossing_and_change(void **state)
{
    (void)state;
    otw_investigation inv;
    base(&inv, OTW_LANG_EN);
    otw_inv_crossing x = {
        .client = "192.168.1.50", .server = "10.20.2.20", .protocol = "RDP", .server_port = 3389};
    otw_inv_opgroup o = {.client = "10.20.2.20",
                         .server = "10.20.1.10",
                         .function = "Write Single Register",
                         .first_us = T0 + 58 * 3600 * 1000000ull + 35 * 60 * 1000000ull,
                         .count = 1,
                         .changes = true,
                         .unexpected = true};
    inv.crossings = &x;
    inv.n_crossings = 1;
    inv.ops = &o;
    inv.n_ops = 1;
    inv.n_op_changes = inv.n_unexpected = 1;
    inv.n_controllers_changed = inv.n_controllers_unexpected = 1;
    inv.first_unexpected = &o;
    expect(&inv, "Between 2026-11-30 00:00 and 2026-12-07 00:00 JST (sensor watching 100.0% of the "
                 "time, 0 packets dropped) 1 communication from zone office reached zones scada, "
                 "line1 (first: 192.168.1.50 -> 10.20.2.20 RDP/3389), and 1 operation outside the "
                 "learned routine changed 1 controller (first: 2026-12-02 10:35 10.20.2.20 -> "
                 "10.20.1.10 Write Single Register).");
    inv.q.lang = OTW_LANG_JA;
    strcpy(inv.targets, "scada、line1");
    expect(&inv, "2026-11-30 00:00 から 2026-12-07 00:00 まで（JST）: センサーは期間の 100.0% "
                 "を監視し、取りこぼしたパケットは 0 件でした。office から scada、line1 "
                 "への通信が 1 件ありました（最初は 192.168.1.50 → 10.20.2.20 RDP/3389）。"
                 "通常と異なる変更操作がコントローラー 1 台に 1 回ありました（最初は "
                 "2026-12-02 10:35 10.20.2.20 → 10.20.1.10 Write Single Register）。");
}

static void test_routine_and_gaps(void **state)
{
    (void)state;
    otw_investigation inv;
    base(&inv, OTW_LANG_EN);
    inv.n_op_changes = 12; /* an HMI's setpoint writes: no alert names them */
    inv.cov.continuous = false;
    inv.cov.watched_us = WEEK / 2;
    inv.cov.drops = 1;
    expect(&inv,
           "Between 2026-11-30 00:00 and 2026-12-07 00:00 JST (sensor watching 50.0% of the "
           "time, 1 packet dropped) no communication from zone office reached zones scada, "
           "line1, and no controller was written, stopped or reprogrammed outside its learned "
           "routine (12 routine operations listed). The sensor did not watch all of the "
           "window: see the coverage gaps.");
    inv.q.tz_minutes = 60;
    inv.q.host = "192.168.1.50";
    strcpy(inv.sources, "192.168.1.50");
    expect(&inv, "Between 2026-11-29 16:00 and 2026-12-06 16:00 UTC+01:00 (sensor watching 50.0% "
                 "of the time, 1 packet dropped) no communication from 192.168.1.50 reached zones "
                 "scada, line1, and no controller was written, stopped or reprogrammed outside its "
                 "learned routine (12 routine operations listed). The sensor did not watch all of "
                 "the window: see the coverage gaps.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing),
        cmocka_unit_test(test_crossing_and_change),
        cmocka_unit_test(test_routine_and_gaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
