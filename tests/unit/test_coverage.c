/* test_coverage.c - unit tests for the coverage record (sensor/core/coverage.c,
 * contract in sensor/core/coverage.h): minute buckets, gaps of files and of
 * live interfaces, drops and link down, the answer for a window, retention.
 * Every test works in a fresh mkdtemp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "coverage.h"
#include "store.h"

#define S 1000000ull
#define MIN (60 * S)
/* 2023-11-14 22:14:00 UTC, on a minute boundary. */
#define M (1700000040ull * S)

typedef struct fixture {
    char dir[64];
    otw_store *store;
    char err[256];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/otw-cov-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    f->store = otw_store_open(f->dir, false, f->err, sizeof(f->err));
    if (!f->store)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    otw_store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static sqlite3 *db(fixture *f)
{
    return otw_store_db(f->store);
}

static int64_t q1(fixture *f, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db(f), sql, -1, &st, NULL), SQLITE_OK);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

static void save(fixture *f, otw_coverage *c, uint64_t now)
{
    if (otw_coverage_save(c, f->store, now, f->err, sizeof(f->err)) != 0)
        fail_msg("save: %s", f->err);
}

static void answer(fixture *f, const char *src, uint64_t from, uint64_t to, otw_coverage_answer *a)
{
    if (otw_coverage_query(f->store, src, from, to, a, f->err, sizeof(f->err)) != 0)
        fail_msg("query: %s", f->err);
}

/* Packets fall into the minute that holds them; a file writes only the
 * minutes that had packets. */
static void test_minute_buckets(void **state)
{
    fixture *f = *state;
    otw_coverage *c = otw_coverage_new(300 * S, 0);
    assert_int_equal(otw_coverage_add_source(c, "a.pcap", OTW_COV_FILE, 0), 0);
    uint64_t ts[] = {M + 1 * S, M + 30 * S, M + 61 * S, M + 119 * S, M + 125 * S};
    for (size_t i = 0; i < 5; i++)
        assert_false(otw_coverage_packet(c, 0, ts[i]));
    otw_coverage_packet(c, 0, M + 2 * S); /* late (merged files): counts in the current minute */
    otw_coverage_stop(c, M + 125 * S);
    save(f, c, M + 125 * S);
    assert_int_equal(q1(f, "SELECT count(*) FROM coverage_minutes"), 3);
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT packets FROM coverage_minutes WHERE minute_us=%llu",
             (unsigned long long)M);
    assert_int_equal(q1(f, sql), 2);
    snprintf(sql, sizeof(sql), "SELECT packets FROM coverage_minutes WHERE minute_us=%llu",
             (unsigned long long)(M + MIN));
    assert_int_equal(q1(f, sql), 2);
    snprintf(sql, sizeof(sql), "SELECT packets FROM coverage_minutes WHERE minute_us=%llu",
             (unsigned long long)(M + 2 * MIN));
    assert_int_equal(q1(f, sql), 2);
    assert_int_equal(q1(f, "SELECT packets FROM coverage_sessions"), 6);
    assert_int_equal(q1(f, "SELECT closed FROM coverage_sessions"), 1);
    assert_int_equal(q1(f, "SELECT stop_us - start_us FROM coverage_sessions"), 124 * S);
    otw_coverage_answer a;
    answer(f, NULL, 0, 0, &a);
    assert_true(a.recorded);
    assert_true(a.continuous);
    assert_int_equal(a.n_gaps, 0);
    assert_int_equal(a.packets, 6);
    assert_int_equal(a.from_us, M + 1 * S);
    assert_int_equal(a.to_us, M + 125 * S);
    otw_coverage_answer_free(&a);
    otw_coverage_free(c);
}

/* A file's silence longer than the threshold is a gap; one of exactly the
 * threshold is not. */
static void test_file_gap(void **state)
{
    fixture *f = *state;
    otw_coverage *c = otw_coverage_new(300 * S, 0);
    otw_coverage_add_source(c, "b.pcap", OTW_COV_FILE, 0);
    otw_coverage_packet(c, 0, M);
    otw_coverage_packet(c, 0, M + 10 * S);
    otw_coverage_packet(c, 0, M + 310 * S); /* 300 s: not a gap */
    otw_coverage_packet(c, 0, M + 611 * S); /* 301 s: a gap */
    otw_coverage_packet(c, 0, M + 620 * S);
    otw_coverage_stop(c, M + 620 * S);
    save(f, c, M + 620 * S);
    assert_int_equal(q1(f, "SELECT count(*) FROM coverage_gaps"), 1);
    assert_int_equal(q1(f, "SELECT start_us FROM coverage_gaps"), M + 310 * S);
    assert_int_equal(q1(f, "SELECT end_us FROM coverage_gaps"), M + 611 * S);
    otw_coverage_answer a;
    answer(f, NULL, 0, 0, &a);
    assert_false(a.continuous);
    assert_int_equal(a.n_gaps, 1);
    assert_int_equal(a.gaps[0].from_us, M + 310 * S);
    assert_int_equal(a.gaps[0].to_us, M + 611 * S);
    assert_int_equal(a.gaps[0].reason, OTW_COV_NO_PACKETS);
    assert_string_equal(a.gaps[0].source, "b.pcap");
    assert_int_equal(a.watched_us, 620 * S - 301 * S);
    otw_coverage_answer_free(&a);
    otw_coverage_free(c);

    /* The same file read again into the state: the same record, not twice. */
    c = otw_coverage_new(300 * S, 0);
    otw_coverage_add_source(c, "b.pcap", OTW_COV_FILE, 0);
    uint64_t again[] = {M, M + 10 * S, M + 310 * S, M + 611 * S, M + 620 * S};
    for (size_t i = 0; i < 5; i++)
        otw_coverage_packet(c, 0, again[i]);
    otw_coverage_stop(c, 0);
    save(f, c, M + 620 * S);
    assert_int_equal(q1(f, "SELECT count(*) FROM coverage_sessions"), 1);
    assert_int_equal(q1(f, "SELECT packets FROM coverage_sessions"), 5);
    assert_int_equal(q1(f, "SELECT sum(packets) FROM coverage_minutes"), 5);
    assert_int_equal(q1(f, "SELECT count(*) FROM coverage_gaps"), 1);
    otw_coverage_free(c);
}

/* Live: every minute without packets is a gap (merged while they follow
 * each other), drops come from the cumulative counter, a minute with the
 * link down says so. */
static void test_live(void **state)
{
    fixture *f = *state;
    otw_coverage *c = otw_coverage_new(300 * S, 0);
    otw_coverage_add_source(c, "eth1", OTW_COV_INTERFACE, M + 5 * S);
    otw_coverage_packet(c, 0, M + 6 * S);
    otw_coverage_source_stats(c, 0, 5, 1, M + 7 * S); /* dropped before: counted */
    for (uint64_t t = M + 8 * S; t < M + 3 * MIN; t += S)
        otw_coverage_tick(c, t);
    save(f, c, M + 3 * MIN - S); /* mid-run: the open gap is written as far as it goes */
    assert_int_equal(q1(f, "SELECT end_us FROM coverage_gaps"), M + 2 * MIN);
    assert_int_equal(q1(f, "SELECT closed FROM coverage_sessions"), 0);
    otw_coverage_packet(c, 0, M + 3 * MIN + S); /* minute 3 has packets: the gap ends */
    otw_coverage_source_stats(c, 0, 7, 1, M + 3 * MIN + 2 * S);
    otw_coverage_source_stats(c, 0, 7, 0, M + 4 * MIN + S); /* minute 4: link down */
    otw_coverage_tick(c, M + 5 * MIN);
    otw_coverage_source_stats(c, 0, 7, 1, M + 5 * MIN + S);
    otw_coverage_packet(c, 0, M + 5 * MIN + 2 * S);
    otw_coverage_stop(c, M + 5 * MIN + 30 * S);
    save(f, c, M + 5 * MIN + 30 * S);
    /* minutes 0..5 all written for an interface, the empty ones too */
    assert_int_equal(q1(f, "SELECT count(*) FROM coverage_minutes"), 6);
    assert_int_equal(q1(f, "SELECT sum(drops) FROM coverage_minutes"), 7);
    assert_int_equal(q1(f, "SELECT drops FROM coverage_sessions"), 7);
    assert_int_equal(q1(f, "SELECT closed FROM coverage_sessions"), 1);
    assert_int_equal(q1(f, "SELECT stop_us FROM coverage_sessions"), M + 5 * MIN + 30 * S);
    otw_coverage_answer a;
    answer(f, NULL, 0, 0, &a);
    assert_int_equal(a.from_us, M + 5 * S);
    assert_int_equal(a.n_gaps, 2);
    assert_int_equal(a.gaps[0].from_us, M + MIN);
    assert_int_equal(a.gaps[0].to_us, M + 3 * MIN);
    assert_int_equal(a.gaps[0].reason, OTW_COV_NO_PACKETS);
    assert_int_equal(a.gaps[1].from_us, M + 4 * MIN);
    assert_int_equal(a.gaps[1].to_us, M + 5 * MIN);
    assert_int_equal(a.gaps[1].reason, OTW_COV_LINK_DOWN);
    assert_int_equal(a.drops, 7);
    otw_coverage_answer_free(&a);
    otw_coverage_free(c);
}

/* The window answer: continuous inside, a gap named, time no session
 * covers is "not watching", and a time is watched when any source watched
 * it. */
static void test_window(void **state)
{
    fixture *f = *state;
    otw_coverage *c = otw_coverage_new(300 * S, 0);
    otw_coverage_add_source(c, "mon.pcap", OTW_COV_FILE, 0);
    otw_coverage_add_source(c, "tue.pcap", OTW_COV_FILE, 0);
    for (uint64_t t = M; t <= M + 60 * MIN; t += 10 * S)
        if (t < M + 20 * MIN || t >= M + 40 * MIN) /* mon.pcap: silent 20..40 */
            otw_coverage_packet(c, 0, t);
    for (uint64_t t = M + 90 * MIN; t <= M + 120 * MIN; t += 10 * S)
        otw_coverage_packet(c, 1, t);
    otw_coverage_stop(c, 0);
    save(f, c, M + 120 * MIN);
    otw_coverage_answer a;
    answer(f, NULL, M + MIN, M + 10 * MIN, &a);
    assert_true(a.continuous);
    assert_int_equal(a.watched_us, 9 * MIN);
    assert_int_equal(a.drops, 0);
    assert_int_equal(a.packets, 9 * 6);
    otw_coverage_answer_free(&a);

    answer(f, NULL, M + 10 * MIN, M + 100 * MIN, &a);
    assert_false(a.continuous);
    assert_int_equal(a.n_gaps, 2);
    assert_int_equal(a.gaps[0].reason, OTW_COV_NO_PACKETS);
    assert_int_equal(a.gaps[0].from_us, M + 20 * MIN - 10 * S);
    assert_int_equal(a.gaps[0].to_us, M + 40 * MIN);
    assert_int_equal(a.gaps[1].reason, OTW_COV_NOT_WATCHING);
    assert_int_equal(a.gaps[1].from_us, M + 60 * MIN);
    assert_int_equal(a.gaps[1].to_us, M + 90 * MIN);
    assert_string_equal(a.gaps[1].source, "");
    assert_int_equal(a.n_sessions, 2);
    otw_coverage_answer_free(&a);

    /* One source only: the other's time is not watching. */
    answer(f, "tue.pcap", M + 80 * MIN, M + 100 * MIN, &a);
    assert_int_equal(a.n_gaps, 1);
    assert_int_equal(a.gaps[0].reason, OTW_COV_NOT_WATCHING);
    assert_int_equal(a.gaps[0].to_us, M + 90 * MIN);
    otw_coverage_answer_free(&a);
    answer(f, "nothing.pcap", M, M + MIN, &a);
    assert_false(a.recorded);
    assert_false(a.continuous);
    assert_int_equal(a.n_gaps, 1);
    otw_coverage_answer_free(&a);
    otw_coverage_free(c);
}

/* Rows older than the retention (capture time) go at a save, counted in
 * meta.coverage_pruned; newer ones stay. */
static void test_retention(void **state)
{
    fixture *f = *state;
    otw_coverage *c = otw_coverage_new(300 * S, 3600 * S);
    otw_coverage_add_source(c, "old.pcap", OTW_COV_FILE, 0);
    otw_coverage_packet(c, 0, M);
    otw_coverage_packet(c, 0, M + 30 * MIN);
    otw_coverage_packet(c, 0, M + 120 * MIN);
    otw_coverage_stop(c, 0);
    save(f, c, M + 120 * MIN);
    /* cutoff M+60min: the minutes at M and M+30 and the gap M..M+30 go */
    assert_int_equal(q1(f, "SELECT count(*) FROM coverage_minutes"), 1);
    assert_int_equal(q1(f, "SELECT count(*) FROM coverage_gaps"), 1); /* M+30..M+120 stays */
    assert_int_equal(q1(f, "SELECT count(*) FROM coverage_sessions"), 1);
    otw_coverage_stats st;
    otw_coverage_get_stats(c, &st);
    assert_int_equal(st.pruned, 3);
    otw_coverage_answer a;
    answer(f, NULL, 0, 0, &a);
    assert_int_equal(a.pruned, 3);
    assert_int_equal(a.retention_from_us, M + 60 * MIN);
    otw_coverage_answer_free(&a);
    otw_coverage_free(c);

    /* A later session: the old one is pruned whole once it ends before the cutoff. */
    c = otw_coverage_new(300 * S, 3600 * S);
    otw_coverage_add_source(c, "new.pcap", OTW_COV_FILE, 0);
    otw_coverage_packet(c, 0, M + 300 * MIN);
    otw_coverage_stop(c, 0);
    save(f, c, M + 300 * MIN);
    assert_int_equal(q1(f, "SELECT count(*) FROM coverage_sessions"), 1);
    assert_int_equal(q1(f, "SELECT count(*) FROM coverage_minutes"), 1);
    assert_int_equal(q1(f, "SELECT CAST(value AS INTEGER) FROM meta WHERE key='coverage_pruned'"),
                     6);
    otw_coverage_free(c);
}

/* A state from before coverage, read-only: nothing recorded, no error. */
static void test_old_state(void **state)
{
    fixture *f = *state;
    assert_int_equal(sqlite3_exec(db(f),
                                  "DROP TABLE coverage_sessions; DROP TABLE coverage_minutes;"
                                  " DROP TABLE coverage_gaps;"
                                  " UPDATE meta SET value='2' WHERE key='schema_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    otw_store *ro = otw_store_open(f->dir, true, f->err, sizeof(f->err));
    assert_non_null(ro);
    otw_coverage_answer a;
    assert_int_equal(otw_coverage_query(ro, NULL, M, M + MIN, &a, f->err, sizeof(f->err)), 0);
    assert_false(a.recorded);
    otw_coverage_answer_free(&a);
    otw_store_close(ro);
    /* A writer's open migrates: the tables are back. */
    otw_store_close(f->store);
    f->store = otw_store_open(f->dir, false, f->err, sizeof(f->err));
    assert_non_null(f->store);
    assert_int_equal(q1(f, "SELECT count(*) FROM coverage_sessions"), 0);
    assert_int_equal(q1(f, "SELECT value FROM meta WHERE key='schema_version'"),
                     OTW_STORE_SCHEMA_VERSION);
}

/* Pending rows are bounded: a file with more minutes than fit asks for a
 * save before they are full, and nothing is lost when it gets it. */
static void test_pending_bound(void **state)
{
    fixture *f = *state;
    otw_coverage *c = otw_coverage_new(300 * S, 0);
    otw_coverage_add_source(c, "long.pcap", OTW_COV_FILE, 0);
    int saves = 0;
    for (uint64_t i = 0; i < 2 * OTW_COV_PENDING; i++) {
        if (otw_coverage_packet(c, 0, M + i * MIN)) {
            save(f, c, M + i * MIN);
            saves++;
        }
    }
    otw_coverage_stop(c, 0);
    save(f, c, M + 2 * OTW_COV_PENDING * MIN);
    assert_true(saves >= 2);
    otw_coverage_stats st;
    otw_coverage_get_stats(c, &st);
    assert_int_equal(st.rows_lost, 0);
    assert_int_equal(q1(f, "SELECT count(*) FROM coverage_minutes"), 2 * OTW_COV_PENDING);
    otw_coverage_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_minute_buckets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_bound, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
