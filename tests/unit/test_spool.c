/* test_spool.c - unit tests for the on-disk spool (sensor/output/spool.c): order,
 * commit, restart (the cursor survives, a torn last record is cut off), the
 * cap with the oldest segment dropped and counted, damaged records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"

#define SEG 4096
static char dir[64];
static char buf[OTW_SPOOL_BATCH * 1024];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/otw-spool-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static otw_spool *open_spool(uint64_t cap)
{
    char err[256] = "";
    otw_spool *sp = otw_spool_open(dir, cap, SEG, err, sizeof(err));
    if (!sp)
        fail_msg("open: %s", err);
    return sp;
}

static void put(otw_spool *sp, int i)
{
    char rec[128];
    int n = snprintf(rec, sizeof(rec), "record %06d padding padding padding padding padding", i);
    assert_int_equal(otw_spool_append(sp, rec, (size_t)n), 0);
}

/* Reads everything pending, checks it is first..first+n-1, commits it. */
static void expect_all(otw_spool *sp, int first, int n)
{
    int next = first;
    otw_spool_batch b = {.buf = buf, .cap = sizeof(buf)};
    while (otw_spool_read(sp, &b) > 0) {
        for (size_t i = 0; i < b.n; i++) {
            char want[128];
            int wl = snprintf(want, sizeof(want),
                              "record %06d padding padding padding padding padding", next++);
            assert_int_equal(b.len[i], (size_t)wl);
            assert_memory_equal(b.buf + b.off[i], want, (size_t)wl);
        }
        otw_spool_commit(sp, &b, b.n);
    }
    assert_int_equal(next, first + n);
    assert_int_equal(otw_spool_pending(sp), 0);
}

static int count_segments(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".seg") != NULL;
    closedir(d);
    return n;
}

static void test_order_and_commit(void **state)
{
    (void)state;
    otw_spool *sp = open_spool(1 << 20);
    for (int i = 0; i < 300; i++) /* several segments, several batches */
        put(sp, i);
    assert_int_equal(otw_spool_pending(sp), 300);
    assert_true(count_segments() > 3);

    /* A batch read but not committed is read again. */
    otw_spool_batch b = {.buf = buf, .cap = sizeof(buf)};
    assert_int_equal(otw_spool_read(sp, &b), OTW_SPOOL_BATCH);
    otw_spool_commit(sp, &b, 10); /* partly delivered */
    assert_int_equal(otw_spool_pending(sp), 290);
    expect_all(sp, 10, 290);
    otw_spool_stats st;
    otw_spool_get_stats(sp, &st);
    assert_int_equal(st.appended, 300);
    assert_int_equal(st.delivered, 300);
    assert_int_equal(st.dropped, 0);
    assert_int_equal(count_segments(), 1); /* delivered segments are gone */
    /* Nothing pending: read returns 0; appends go on. */
    assert_int_equal(otw_spool_read(sp, &b), 0);
    put(sp, 300);
    expect_all(sp, 300, 1);
    otw_spool_close(sp);
}

static void test_restart(void **state)
{
    (void)state;
    otw_spool *sp = open_spool(1 << 20);
    for (int i = 0; i < 200; i++)
        put(sp, i);
    otw_spool_batch b = {.buf = buf, .cap = sizeof(buf)};
    otw_spool_read(sp, &b);
    otw_spool_commit(sp, &b, b.n); /* 64 delivered */
    otw_spool_read(sp, &b);
    otw_spool_commit(sp, &b, 6); /* 70 delivered */
    otw_spool_close(sp);

    /* A crash mid-append leaves half a record at the end of the newest segment. */
    char newest[32] = "", path[600];
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".seg") && strlen(e->d_name) < sizeof(newest) &&
            strcmp(e->d_name, newest) > 0)
            memcpy(newest, e->d_name, strlen(e->d_name) + 1);
    closedir(d);
    snprintf(path, sizeof(path), "%s/%s", dir, newest);
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "\x40\x00\x00\x00\x01\x02\x03\x04half", 12), 12);
    close(fd);

    sp = open_spool(1 << 20);
    assert_int_equal(otw_spool_pending(sp), 130);
    put(sp, 200); /* after the cut tail, readable */
    expect_all(sp, 70, 131);
    otw_spool_close(sp);

    /* And after everything was delivered, a restart has nothing to send. */
    sp = open_spool(1 << 20);
    assert_int_equal(otw_spool_pending(sp), 0);
    otw_spool_close(sp);
}

static void test_cap_drops_oldest(void **state)
{
    (void)state;
    /* 16 KiB cap, 4 KiB segments: about 200 records fit. */
    otw_spool *sp = open_spool(16384);
    for (int i = 0; i < 1000; i++)
        put(sp, i);
    otw_spool_stats st;
    otw_spool_get_stats(sp, &st);
    assert_true(st.bytes <= 16384);
    assert_true(st.segments <= 4);
    assert_int_equal(st.appended, 1000);
    assert_int_equal(st.dropped + st.pending, 1000); /* every record accounted for */
    assert_true(st.dropped > 700);
    /* What is left is the newest, in order, ending with the last one. */
    int first = (int)st.dropped;
    expect_all(sp, first, 1000 - first);

    /* Drops while a batch is out: the commit keeps the drop. */
    for (int i = 0; i < 100; i++)
        put(sp, i);
    otw_spool_batch b = {.buf = buf, .cap = sizeof(buf)};
    otw_spool_read(sp, &b);
    for (int i = 100; i < 1000; i++)
        put(sp, i);
    otw_spool_commit(sp, &b, b.n);
    otw_spool_get_stats(sp, &st);
    assert_true(st.bytes <= 16384);
    first = 1000 - (int)st.pending;
    expect_all(sp, first, 1000 - first);

    /* Too big for a segment: refused and counted. */
    static char big[SEG];
    memset(big, 'x', sizeof(big));
    uint64_t before = st.dropped;
    assert_int_equal(otw_spool_append(sp, big, sizeof(big)), -1);
    assert_int_equal(otw_spool_append(sp, big, 0), -1);
    otw_spool_get_stats(sp, &st);
    assert_int_equal(st.dropped, before + 2);
    otw_spool_close(sp);
}

static void test_damaged_record(void **state)
{
    (void)state;
    otw_spool *sp = open_spool(1 << 20);
    for (int i = 0; i < 3; i++)
        put(sp, i);
    otw_spool_close(sp);
    /* Flip a payload byte of the second record: the CRC catches it, that
     * record is skipped (counted as dropped), the third one is delivered. */
    char path[128];
    snprintf(path, sizeof(path), "%s/%016x.seg", dir, 1);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    char rec1[128];
    int l = snprintf(rec1, sizeof(rec1), "record %06d padding padding padding padding padding", 0);
    assert_int_equal(pwrite(fd, "X", 1, 8 + l + 8 + 3), 1);
    close(fd);
    sp = open_spool(1 << 20);
    otw_spool_batch b = {.buf = buf, .cap = sizeof(buf)};
    assert_int_equal(otw_spool_read(sp, &b), 1);
    assert_memory_equal(b.buf, rec1, (size_t)l);
    otw_spool_commit(sp, &b, 1);
    assert_int_equal(otw_spool_read(sp, &b), 1);
    char rec3[128];
    l = snprintf(rec3, sizeof(rec3), "record %06d padding padding padding padding padding", 2);
    assert_memory_equal(b.buf, rec3, (size_t)l);
    otw_spool_commit(sp, &b, 1);
    assert_int_equal(otw_spool_read(sp, &b), 0);
    otw_spool_stats st;
    otw_spool_get_stats(sp, &st);
    assert_int_equal(st.dropped, 1);
    put(sp, 7);
    expect_all(sp, 7, 1);
    otw_spool_close(sp);
}

static void test_open_errors(void **state)
{
    (void)state;
    char err[256];
    assert_null(otw_spool_open("/proc/otw-no-such/spool", 1 << 20, 0, err, sizeof(err)));
    assert_non_null(strstr(err, "cannot create /proc/otw-no-such/spool"));
    assert_int_equal(otw_crc32("123456789", 9), 0xCBF43926u); /* the check value */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_and_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_drops_oldest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_record, setup, teardown),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
