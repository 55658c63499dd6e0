/* test_baseline.c - learning then detection on normalized operations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* cmocka needs the headers above first */
#include <cmocka.h>
#include <sqlite3.h>

#include "baseline.h"
#include "duration.h"

#define S 1000000ull /* one second in microseconds */
#define T0 (1700000000ull * S)

typedef struct fx {
    otw_config cfg;
    otw_alerts *alerts;
    otw_novelty *nov;
    otw_baseline *bl;
    otw_endpoint hmi, plc, rogue;
} fx;

static void endpoint(otw_endpoint *e, const char *ip, uint16_t port)
{
    memset(e, 0, sizeof(*e));
    e->has_ip = true;
    assert_int_equal(otw_addr_parse(ip, &e->ip), 0);
    e->port = port;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    otw_config_defaults(&f->cfg);
    f->alerts = otw_alerts_new(1000, NULL, NULL);
    otw_novelty_settings ns = {.exception_burst_count = f->cfg.exception_burst_count,
                               .exception_burst_window_s = f->cfg.exception_burst_window_s};
    f->nov = otw_novelty_new(&ns, otw_alerts_sink(f->alerts));
    otw_bl_settings set;
    otw_bl_settings_defaults(&set);
    set.learn_for_us = 600 * S;
    f->bl = otw_baseline_new(&set, otw_alerts_sink(f->alerts), f->nov);
    endpoint(&f->hmi, "10.0.0.21", 40000);
    endpoint(&f->plc, "10.0.0.11", 502);
    endpoint(&f->rogue, "10.0.0.66", 40001);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    otw_baseline_free(f->bl);
    otw_novelty_free(f->nov);
    otw_alerts_free(f->alerts);
    free(f);
    return 0;
}

static otw_op mkop(uint64_t ts, uint16_t fc, otw_op_class cls, uint32_t start, uint32_t count)
{
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_MODBUS;
    op.ts_us = ts;
    op.response_ts_us = ts + 2000;
    op.has_unit = true;
    op.unit = 1;
    op.function = fc;
    op.function_name = "fn";
    op.op_class = cls;
    op.has_address = count > 0;
    op.address_start = start;
    op.address_count = count;
    op.request_seen = true;
    return op;
}

/* Polls holding registers 0..9 once a second (with 3 ms of jitter) and
 * writes register 5 every 60 s, from t0 for `secs` seconds. */
static void normal(fx *f, uint64_t t0, int secs)
{
    for (int i = 0; i < secs; i++) {
        uint64_t ts = t0 + (uint64_t)i * S + (uint64_t)((i * 7) % 4) * 1000;
        otw_op op = mkop(ts, 3, OTW_CLASS_READ, 0, 10);
        otw_baseline_op(f->bl, &op, &f->hmi, &f->plc, 0);
        if (i % 60 == 30) {
            otw_op w = mkop(ts + 500000, 6, OTW_CLASS_WRITE, 5, 1);
            otw_baseline_op(f->bl, &w, &f->hmi, &f->plc, 0);
        }
        otw_baseline_tick(f->bl, ts);
    }
}

static int count_type(fx *f, const char *type)
{
    int n = 0;
    for (uint32_t i = 0; i < otw_alerts_size(f->alerts); i++)
        n += strcmp(otw_alerts_at(f->alerts, i)->type, type) == 0;
    return n;
}

static const otw_alert *find_type(fx *f, const char *type)
{
    for (uint32_t i = 0; i < otw_alerts_size(f->alerts); i++)
        if (strcmp(otw_alerts_at(f->alerts, i)->type, type) == 0)
            return otw_alerts_at(f->alerts, i);
    return NULL;
}

static void test_learn_then_quiet(void **state)
{
    fx *f = *state;
    normal(f, T0, 1800);
    assert_int_equal(otw_baseline_mode(f->bl), OTW_BL_DETECTING);
    assert_int_equal(otw_baseline_learn_start(f->bl), T0);
    assert_int_equal(otw_baseline_learn_until(f->bl), T0 + 600 * S);
    /* 20 minutes of the same normal after learning: no alert at all. */
    assert_int_equal(otw_alerts_size(f->alerts), 0);
    otw_bl_counts n;
    otw_baseline_counts(f->bl, &n);
    assert_int_equal(n.channels, 1);
    assert_int_equal(n.operations, 2);
    assert_int_equal(n.series_periodic, 1); /* the polls: writes have no rhythm model */
}

static void test_new_operation_and_range(void **state)
{
    fx *f = *state;
    normal(f, T0, 700);
    otw_op diag = mkop(T0 + 701 * S, 8, OTW_CLASS_DIAGNOSTIC, 0, 0);
    otw_baseline_op(f->bl, &diag, &f->hmi, &f->plc, 0);
    assert_int_equal(count_type(f, "NEW_OPERATION"), 1);
    otw_baseline_op(f->bl, &diag, &f->hmi, &f->plc, 0);
    assert_int_equal(count_type(f, "NEW_OPERATION"), 1); /* counted, not repeated */
    assert_int_equal(find_type(f, "NEW_OPERATION")->count, 2);
    /* Register 6 is within the tolerance of the learned 5..5; 90 is not. */
    otw_op w6 = mkop(T0 + 702 * S, 6, OTW_CLASS_WRITE, 6, 1);
    otw_baseline_op(f->bl, &w6, &f->hmi, &f->plc, 0);
    assert_int_equal(count_type(f, "WRITE_OUT_OF_RANGE"), 0);
    otw_op w90 = mkop(T0 + 703 * S, 6, OTW_CLASS_WRITE, 90, 1);
    otw_baseline_op(f->bl, &w90, &f->hmi, &f->plc, 0);
    const otw_alert *a = find_type(f, "WRITE_OUT_OF_RANGE");
    assert_non_null(a);
    assert_non_null(strstr(a->message, "expected 0-9 (fc 3), 5-5 (fc 6)"));
    assert_string_equal(a->technique, "T0836");
    /* Writes are learned on this channel: no MODBUS_WRITE. */
    assert_int_equal(count_type(f, "MODBUS_WRITE"), 0);
}

static void test_program_change_always(void **state)
{
    fx *f = *state;
    otw_op stop = mkop(T0 + 10 * S, 90, OTW_CLASS_CONTROL, 0, 0);
    otw_baseline_op(f->bl, &stop, &f->rogue, &f->plc, 0);
    assert_int_equal(otw_baseline_mode(f->bl), OTW_BL_LEARNING);
    const otw_alert *a = find_type(f, "CONTROL_COMMAND");
    assert_non_null(a);
    assert_int_equal(a->severity, OTW_SEV_CRITICAL);
    otw_op dl1 = mkop(T0 + 11 * S, 90, OTW_CLASS_PROGRAM_DOWNLOAD, 0, 0);
    otw_op dl2 = mkop(T0 + 12 * S, 91, OTW_CLASS_PROGRAM_DOWNLOAD, 0, 0);
    otw_baseline_op(f->bl, &dl1, &f->rogue, &f->plc, 0);
    otw_baseline_op(f->bl, &dl2, &f->rogue, &f->plc, 0);
    assert_int_equal(count_type(f, "PROGRAM_CHANGE"), 1); /* one transfer, one alert */
    a = find_type(f, "PROGRAM_CHANGE");
    assert_int_equal(a->count, 2);
    assert_string_equal(a->technique, "T0843");
    /* Accepted: this station may download to this device. */
    char err[128];
    assert_int_equal(otw_baseline_accept(f->bl, a, err, sizeof(err)), 0);
    otw_op dl3 = mkop(T0 + 13 * S, 90, OTW_CLASS_PROGRAM_DOWNLOAD, 0, 0);
    otw_baseline_op(f->bl, &dl3, &f->rogue, &f->plc, 0);
    assert_int_equal(find_type(f, "PROGRAM_CHANGE")->count, 2);
}

static void test_timing_and_silence(void **state)
{
    fx *f = *state;
    normal(f, T0, 700);
    /* Polling five times as fast. */
    for (int i = 0; i < 20; i++) {
        otw_op op = mkop(T0 + 700 * S + (uint64_t)i * 200000, 3, OTW_CLASS_READ, 0, 10);
        otw_baseline_op(f->bl, &op, &f->hmi, &f->plc, 0);
    }
    const otw_alert *a = find_type(f, "TIMING_DEVIATION");
    assert_non_null(a);
    assert_non_null(strstr(a->message, "every 200 ms, expected 999 ms"));
    /* Then the PLC stops answering while being asked. */
    uint64_t t = T0 + 710 * S;
    for (int i = 0; i < 60; i++) {
        otw_op op = mkop(t + (uint64_t)i * S, 3, OTW_CLASS_READ, 0, 10);
        op.response_ts_us = 0;
        op.outcome = OTW_OUTCOME_NO_RESPONSE;
        otw_baseline_op(f->bl, &op, &f->hmi, &f->plc, 0);
        otw_baseline_tick(f->bl, t + (uint64_t)i * S);
    }
    a = find_type(f, "DEVICE_SILENT");
    assert_non_null(a);
    /* Oldest unanswered request at 710 s; learned longest silence ~1 s:
     * limit 11 s. */
    assert_true(a->first_us >= T0 + 721 * S && a->first_us <= T0 + 723 * S);
    assert_non_null(strstr(a->message, "requests unanswered for 1"));
    assert_non_null(strstr(a->message, " s; its longest silence while learning was "));
}

static void test_unit_scan(void **state)
{
    fx *f = *state;
    normal(f, T0, 700);
    for (uint32_t u = 1; u <= 20; u++) {
        otw_op op = mkop(T0 + 701 * S + u * 100000, 3, OTW_CLASS_READ, 0, 1);
        op.unit = u;
        otw_baseline_op(f->bl, &op, &f->rogue, &f->plc, 0);
    }
    const otw_alert *a = find_type(f, "SCAN");
    assert_non_null(a);
    assert_string_equal(a->key, "unit ids");
    assert_string_equal(a->technique, "T0846");
}

/* A client sweeping function codes on a learned channel: once it counts as
 * a scan, an unknown write function with an address range is part of the
 * scan (SCAN), not a range check on a function never learned (that read a
 * NULL entry and crashed). */
static void test_function_scan_with_writes(void **state)
{
    fx *f = *state;
    normal(f, T0, 700);
    for (uint16_t fc = 1; fc <= 40; fc++) {
        if (fc == 3 || fc == 6)
            continue; /* learned: their own checks apply */
        otw_op op =
            mkop(T0 + 701 * S + fc * 100000, fc, fc % 2 ? OTW_CLASS_WRITE : OTW_CLASS_READ, 100, 4);
        otw_baseline_op(f->bl, &op, &f->hmi, &f->plc, 0);
    }
    assert_non_null(find_type(f, "SCAN"));
    assert_int_equal(count_type(f, "WRITE_OUT_OF_RANGE"), 0);
}

/* A restart: the model saved to a fresh store and loaded into a new one
 * whose channel table holds max_channels (0: the default). */
static otw_baseline *restarted(fx *f, sqlite3 **db, uint32_t max_channels)
{
    assert_int_equal(sqlite3_open(":memory:", db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(*db, "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT)", NULL, NULL, NULL),
        SQLITE_OK);
    char err[256];
    assert_int_equal(otw_baseline_save(f->bl, *db, err, sizeof(err)), 0);
    otw_bl_settings set;
    otw_bl_settings_defaults(&set);
    if (max_channels)
        set.max_channels = max_channels;
    otw_baseline *b2 = otw_baseline_new(&set, otw_alerts_sink(f->alerts), f->nov);
    assert_int_equal(otw_baseline_load(b2, *db, err, sizeof(err)), 0);
    return b2;
}

/* The channel table holds what the settings say: beyond it a channel is
 * refused and counted. A saved model larger than the loading process's
 * table loads whole. */
static void test_table_sizes(void **state)
{
    fx *f = *state;
    otw_bl_settings set;
    otw_bl_settings_defaults(&set);
    set.learn_for_us = 600 * S;
    set.max_channels = 40;
    otw_baseline_free(f->bl);
    f->bl = otw_baseline_new(&set, otw_alerts_sink(f->alerts), f->nov);
    for (int i = 0; i < 50; i++) {
        char ip[32];
        snprintf(ip, sizeof(ip), "10.0.1.%d", i + 1);
        otw_endpoint hmi;
        endpoint(&hmi, ip, 40000);
        otw_op op = mkop(T0 + (uint64_t)i * S, 3, OTW_CLASS_READ, 0, 10);
        otw_baseline_op(f->bl, &op, &hmi, &f->plc, 0);
    }
    otw_bl_counts n;
    otw_baseline_counts(f->bl, &n);
    assert_int_equal(n.channels, 40);
    assert_int_equal(n.channels_max, 40);
    assert_int_equal(n.channels_refused, 10);

    sqlite3 *db;
    otw_baseline *b2 = restarted(f, &db, 16);
    otw_baseline_counts(b2, &n);
    assert_int_equal(n.channels, 40);
    assert_int_equal(n.channels_max, 40);
    otw_baseline_free(b2);
    sqlite3_close(db);
}

static void test_persist_and_roundtrip(void **state)
{
    fx *f = *state;
    normal(f, T0, 300); /* still learning */
    sqlite3 *db;
    otw_baseline *b2 = restarted(f, &db, 0);
    char err[256];
    /* The restarted model is still learning, with the same window... */
    assert_int_equal(otw_baseline_mode(b2), OTW_BL_LEARNING);
    assert_int_equal(otw_baseline_learn_until(b2), T0 + 600 * S);
    /* ...and ends it with the samples it had. */
    otw_baseline_tick(b2, T0 + 601 * S);
    otw_bl_counts n;
    otw_baseline_counts(b2, &n);
    assert_int_equal(n.series_periodic, 1);
    /* Export, import, export: the same text. */
    char *t1 = NULL, *t2 = NULL;
    size_t l1 = 0, l2 = 0;
    FILE *m = open_memstream(&t1, &l1);
    otw_baseline_export(b2, m);
    fclose(m);
    char path[] = "/tmp/otw-bl-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, t1, l1), (ssize_t)l1);
    close(fd);
    assert_int_equal(otw_baseline_import(f->bl, path, err, sizeof(err)), 0);
    m = open_memstream(&t2, &l2);
    otw_baseline_export(f->bl, m);
    fclose(m);
    assert_string_equal(t1, t2);
    /* A bad file changes nothing and names its line. */
    FILE *bad = fopen(path, "w");
    fputs("version: 1\nmode: detecting\nchannels:\n  - client: 10.0.0.1\n    server: x\n", bad);
    fclose(bad);
    assert_int_equal(otw_baseline_import(f->bl, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ":5:"));
    free(t2);
    t2 = NULL;
    m = open_memstream(&t2, &l2);
    otw_baseline_export(f->bl, m);
    fclose(m);
    assert_string_equal(t1, t2);
    unlink(path);
    free(t1);
    free(t2);
    otw_baseline_free(b2);
    sqlite3_close(db);
}

/* A controller asked and not answered when the state is saved still goes
 * silent after a restart: the loaded model's pending requests are found
 * again (the tick looks only at controllers asked since their last answer). */
static void test_silence_across_restart(void **state)
{
    fx *f = *state;
    normal(f, T0, 700);
    uint64_t t = T0 + 701 * S;
    for (int i = 0; i < 2; i++) {
        otw_op op = mkop(t + (uint64_t)i * S, 3, OTW_CLASS_READ, 0, 10);
        op.response_ts_us = 0;
        op.outcome = OTW_OUTCOME_NO_RESPONSE;
        otw_baseline_op(f->bl, &op, &f->hmi, &f->plc, 0);
    }
    sqlite3 *db;
    otw_baseline *b2 = restarted(f, &db, 0);
    /* No operation after the restart: ticks alone find it. */
    for (int i = 1; i <= 30; i++)
        otw_baseline_tick(b2, t + (uint64_t)i * S);
    const otw_alert *a = find_type(f, "DEVICE_SILENT");
    assert_non_null(a);
    /* Oldest unanswered request at 701 s, longest silence ~1 s: limit 11 s,
     * first tick after. */
    assert_true(a->first_us >= T0 + 712 * S && a->first_us <= T0 + 714 * S);
    otw_baseline_free(b2);
    sqlite3_close(db);
}

/* Detecting from the start: each new controller learns its own silence for
 * device_learn_for, then is watched even if it is never polled again
 * before it goes quiet. */
static void test_own_window_then_silence(void **state)
{
    fx *f = *state;
    otw_baseline_detect(f->bl);
    uint64_t learn = 0;
    {
        otw_bl_settings set;
        otw_bl_settings_defaults(&set);
        learn = set.device_learn_for_us;
    }
    uint64_t end = T0 + learn + 5 * S;
    uint64_t t = T0;
    for (; t < end; t += S) {
        otw_op op = mkop(t, 3, OTW_CLASS_READ, 0, 10);
        otw_baseline_op(f->bl, &op, &f->hmi, &f->plc, 0);
        otw_baseline_tick(f->bl, t);
    }
    for (int i = 0; i < 2; i++) {
        otw_op lost = mkop(t + (uint64_t)i * 100000, 3, OTW_CLASS_READ, 0, 10);
        lost.response_ts_us = 0;
        lost.outcome = OTW_OUTCOME_NO_RESPONSE;
        otw_baseline_op(f->bl, &lost, &f->hmi, &f->plc, 0);
    }
    assert_null(find_type(f, "DEVICE_SILENT"));
    for (int i = 1; i <= 30; i++)
        otw_baseline_tick(f->bl, t + (uint64_t)i * S);
    const otw_alert *a = find_type(f, "DEVICE_SILENT");
    assert_non_null(a);
    assert_true(a->first_us >= t + 10 * S && a->first_us <= t + 13 * S);
}

/* The false alarm: the HMI reads coils 0-3 every cycle and wrote
 * coil 3 while learning; the operator later switches coil 0 (inside what
 * it reads): no alert, the address folds into the channel. Coil 50 is
 * outside everything it reads and writes: one WRITE_OUT_OF_RANGE. */
static void coils(fx *f, uint64_t t0, int secs)
{
    for (int i = 0; i < secs; i++) {
        uint64_t ts = t0 + (uint64_t)i * S;
        otw_op op = mkop(ts, 1, OTW_CLASS_READ, 0, 4);
        otw_baseline_op(f->bl, &op, &f->hmi, &f->plc, 0);
        if (i == 100) {
            otw_op w = mkop(ts + 300000, 5, OTW_CLASS_WRITE, 3, 1);
            otw_baseline_op(f->bl, &w, &f->hmi, &f->plc, 0);
        }
        otw_baseline_tick(f->bl, ts);
    }
}

static void test_write_inside_read_space(void **state)
{
    fx *f = *state;
    coils(f, T0, 700);
    otw_op w0 = mkop(T0 + 701 * S, 5, OTW_CLASS_WRITE, 0, 1);
    otw_baseline_op(f->bl, &w0, &f->hmi, &f->plc, 0);
    assert_int_equal(otw_alerts_size(f->alerts), 0);
    /* Holding registers are another table: register 0 is not coil 0. */
    otw_op w50 = mkop(T0 + 702 * S, 5, OTW_CLASS_WRITE, 50, 1);
    otw_baseline_op(f->bl, &w50, &f->hmi, &f->plc, 0);
    assert_int_equal(otw_alerts_size(f->alerts), 1);
    const otw_alert *a = find_type(f, "WRITE_OUT_OF_RANGE");
    assert_non_null(a);
    assert_non_null(strstr(a->message, "expected 0-3 (fc 1), 0-3 (fc 5)"));
}

/* A new write function inside what the master reads: one alert, low, the
 * others (MODBUS_WRITE) named in it; outside: NEW_OPERATION high, still
 * one alert for the message. */
static void test_one_alert_per_message(void **state)
{
    fx *f = *state;
    normal(f, T0, 700); /* reads 0-9 (fc 3), writes 5 (fc 6) */
    otw_op w16 = mkop(T0 + 701 * S, 16, OTW_CLASS_WRITE, 2, 3);
    otw_baseline_op(f->bl, &w16, &f->hmi, &f->plc, 0);
    assert_int_equal(otw_alerts_size(f->alerts), 1);
    const otw_alert *a = find_type(f, "NEW_OPERATION");
    assert_non_null(a);
    assert_int_equal(a->severity, OTW_SEV_LOW);
    assert_non_null(strstr(a->message, "| also MODBUS_WRITE: "));
    /* Learned: the same write again is nothing new. */
    otw_op again = mkop(T0 + 702 * S, 16, OTW_CLASS_WRITE, 4, 2);
    otw_baseline_op(f->bl, &again, &f->hmi, &f->plc, 0);
    assert_int_equal(otw_alerts_size(f->alerts), 1);
    assert_int_equal(a->count, 1);
    /* Mask write (fc 22) far outside: high, one alert. */
    otw_op w22 = mkop(T0 + 703 * S, 22, OTW_CLASS_WRITE, 900, 1);
    otw_baseline_op(f->bl, &w22, &f->hmi, &f->plc, 0);
    assert_int_equal(otw_alerts_size(f->alerts), 2);
    assert_int_equal(count_type(f, "MODBUS_WRITE"), 0);
    assert_int_equal(otw_alerts_at(f->alerts, 1)->severity, OTW_SEV_HIGH);
}

/* Operator writes have no rhythm model: two writes 24.5 s apart then one
 * 2 s later are no TIMING_DEVIATION. A bursty master (8 polls 100 ms
 * apart, then 5 s) learns the range of its statistic. */
static void test_timing_writes_and_bursts(void **state)
{
    fx *f = *state;
    uint64_t t = T0;
    for (int cycle = 0; cycle < 200; cycle++) {
        for (int i = 0; i < 8; i++) {
            otw_op op = mkop(t, 3, OTW_CLASS_READ, 0, 10);
            otw_baseline_op(f->bl, &op, &f->hmi, &f->plc, 0);
            t += 100000;
        }
        t += 5 * S;
        if (cycle % 9 == 4) {
            otw_op w = mkop(t - 2 * S, 6, OTW_CLASS_WRITE, 5, 1);
            otw_baseline_op(f->bl, &w, &f->hmi, &f->plc, 0);
        }
        otw_baseline_tick(f->bl, t);
    }
    assert_int_equal(otw_baseline_mode(f->bl), OTW_BL_DETECTING);
    uint64_t w1 = t + 500000, w2 = w1 + 24500000, w3 = w2 + 2 * S;
    for (int cycle = 0; cycle < 100; cycle++) {
        for (int i = 0; i < 8; i++) {
            otw_op op = mkop(t, 3, OTW_CLASS_READ, 0, 10);
            otw_baseline_op(f->bl, &op, &f->hmi, &f->plc, 0);
            t += 100000;
        }
        t += 5 * S;
        uint64_t ws[3] = {w1, w2, w3};
        for (int k = 0; k < 3; k++)
            if (ws[k] >= t - 5 * S && ws[k] < t) {
                otw_op w = mkop(ws[k], 6, OTW_CLASS_WRITE, 5, 1);
                otw_baseline_op(f->bl, &w, &f->hmi, &f->plc, 0);
            }
        otw_baseline_tick(f->bl, t);
    }
    assert_int_equal(count_type(f, "TIMING_DEVIATION"), 0);
    assert_int_equal(otw_alerts_size(f->alerts), 0);
}

/* A client's own pause: 84 s without a request, then one request whose
 * answer was lost, then answers again: no DEVICE_SILENT. */
static void test_client_pause_not_silent(void **state)
{
    fx *f = *state;
    normal(f, T0, 700);
    uint64_t t = T0 + 784 * S;
    otw_op lost = mkop(t, 3, OTW_CLASS_READ, 0, 10);
    lost.response_ts_us = 0;
    lost.outcome = OTW_OUTCOME_NO_RESPONSE;
    otw_baseline_op(f->bl, &lost, &f->hmi, &f->plc, 0);
    for (int i = 0; i < 5; i++)
        otw_baseline_tick(f->bl, t + (uint64_t)i * S);
    normal(f, t + 5 * S, 60);
    assert_null(find_type(f, "DEVICE_SILENT"));
}

/* Nothing learned about a controller's silences (one answer while
 * learning): the message says so instead of "0 ms", and gives the time as
 * people read it. */
static void test_silent_message(void **state)
{
    fx *f = *state;
    otw_op one = mkop(T0, 3, OTW_CLASS_READ, 0, 10);
    otw_baseline_op(f->bl, &one, &f->hmi, &f->plc, 0);
    otw_baseline_tick(f->bl, T0 + 601 * S);
    uint64_t t = T0 + 3 * 3600 * S;
    for (int i = 0; i < 800; i++) {
        otw_op op = mkop(t + (uint64_t)i * S, 3, OTW_CLASS_READ, 0, 10);
        op.response_ts_us = 0;
        op.outcome = OTW_OUTCOME_NO_RESPONSE;
        otw_baseline_op(f->bl, &op, &f->hmi, &f->plc, 0);
        otw_baseline_tick(f->bl, t + (uint64_t)i * S);
    }
    const otw_alert *a = find_type(f, "DEVICE_SILENT");
    assert_non_null(a);
    assert_non_null(strstr(a->message, "requests unanswered for 11 s; no silence"));
    assert_null(strstr(a->message, "0 ms"));
    char buf[48];
    assert_string_equal(
        otw_duration_text((3 * 3600 + 2 * 60 + 5) * S, OTW_DURATION_EN, buf, sizeof(buf)),
        "3 h 2 min");
    assert_string_equal(
        otw_duration_text((3 * 3600 + 2 * 60) * S, OTW_DURATION_JA, buf, sizeof(buf)), "3時間2分");
    assert_string_equal(otw_duration_text(850000, OTW_DURATION_EN, buf, sizeof(buf)), "850 ms");
    assert_string_equal(otw_duration_text(3 * 86400 * S + 5 * S, OTW_DURATION_EN, buf, sizeof(buf)),
                        "3 d");
    assert_string_equal(otw_duration_text(45 * S, OTW_DURATION_JA, buf, sizeof(buf)), "45秒");
}

/* An address sweep: one SCAN, however many addresses and function codes;
 * illegal-address answers to distinct addresses are the sweep's too (no
 * MODBUS_EXCEPTIONS beside it). A known master reading past its ranges
 * likewise. */
static void test_address_sweep(void **state)
{
    fx *f = *state;
    normal(f, T0, 700);
    for (uint32_t a = 0; a < 400; a++) {
        otw_op op = mkop(T0 + 701 * S + a * 20000, (uint16_t)(1 + a % 4), OTW_CLASS_READ, a, 1);
        if (a >= 100) {
            op.outcome = OTW_OUTCOME_EXCEPTION;
            op.exception_code = 2;
        }
        otw_baseline_op(f->bl, &op, &f->rogue, &f->plc, 0);
    }
    assert_int_equal(count_type(f, "SCAN"), 1);
    assert_string_equal(find_type(f, "SCAN")->key, "addresses");
    assert_int_equal(count_type(f, "MODBUS_EXCEPTIONS"), 0);
    assert_int_equal(otw_alerts_size(f->alerts), 1);
    for (uint32_t a = 0; a < 300; a++) {
        otw_op op = mkop(T0 + 720 * S + a * 20000, 3, OTW_CLASS_READ, 100 + a, 1);
        otw_baseline_op(f->bl, &op, &f->hmi, &f->plc, 0);
    }
    assert_int_equal(count_type(f, "SCAN"), 2);
    assert_int_equal(otw_alerts_size(f->alerts), 2);
}

/* Connection attempts refused (RST to a SYN) on many ports: one SCAN. */
static void test_refused_scan(void **state)
{
    fx *f = *state;
    normal(f, T0, 700);
    for (uint16_t port = 1; port <= 100; port++) {
        otw_endpoint sv = f->plc;
        sv.port = port;
        otw_baseline_refused(f->bl, &f->rogue, &sv, T0 + 701 * S + port * 1000);
    }
    assert_int_equal(count_type(f, "SCAN"), 1);
    assert_non_null(strstr(find_type(f, "SCAN")->key, "refused"));
    assert_true(find_type(f, "SCAN")->count > 80);
}

/* A user added on a controller: ACCOUNT_CHANGE, not CONTROL_COMMAND, and
 * not a NEW_OPERATION beside it. */
static void test_account_change(void **state)
{
    fx *f = *state;
    normal(f, T0, 700);
    otw_op reg = mkop(T0 + 701 * S, 0x1133, OTW_CLASS_ACCOUNT, 0, 0);
    reg.protocol = OTW_PROTO_MELSOFT;
    reg.has_unit = false;
    otw_baseline_op(f->bl, &reg, &f->hmi, &f->plc, 0);
    assert_int_equal(otw_alerts_size(f->alerts), 1);
    const otw_alert *a = find_type(f, "ACCOUNT_CHANGE");
    assert_non_null(a);
    assert_int_equal(a->severity, OTW_SEV_HIGH);
    assert_string_equal(a->technique, "T0859");
}

/* Writes from a master the device did not have are critical. */
static void test_new_master_write(void **state)
{
    fx *f = *state;
    normal(f, T0, 700);
    otw_op w = mkop(T0 + 701 * S, 6, OTW_CLASS_WRITE, 5, 1);
    otw_baseline_op(f->bl, &w, &f->rogue, &f->plc, 0);
    const otw_alert *a = find_type(f, "MODBUS_WRITE");
    assert_non_null(a);
    assert_int_equal(a->severity, OTW_SEV_CRITICAL);
    /* The known HMI writing on a new unit is no new master. */
    otw_op u2 = mkop(T0 + 702 * S, 6, OTW_CLASS_WRITE, 5, 1);
    u2.unit = 2;
    otw_baseline_op(f->bl, &u2, &f->hmi, &f->plc, 0);
    assert_int_equal(count_type(f, "MODBUS_WRITE"), 2);
    assert_int_equal(otw_alerts_at(f->alerts, 1)->severity, OTW_SEV_MEDIUM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_learn_then_quiet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_operation_and_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_program_change_always, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timing_and_silence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unit_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_function_scan_with_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persist_and_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silence_across_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_own_window_then_silence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_inside_read_space, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_alert_per_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timing_writes_and_bursts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_pause_not_silent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_address_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_account_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_master_write, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
