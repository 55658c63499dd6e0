/* test_spool.c - unit tests for the on-disk spool (sensor/output/spool.c): order,
 * commit, restart (the cursor survives, a torn last record is cut off), the
 * cap with the oldest segment dropped and counted, damaged records, and each
 * failure mode: disk full (injected, and a real full tmpfs when root), cursor
 * writes failing, a torn cursor slot, a crash at every point of an append,
 * drops kept for the next process to announce. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
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

/* Unmounts what a failed test left mounted, then removes. */
static int teardown_umount(void **state)
{
    char mnt[128];
    snprintf(mnt, sizeof(mnt), "%s/fs", dir);
    umount2(mnt, MNT_DETACH);
    return teardown(state);
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

static int fail_with; /* errno the fault hook injects, 0: none */
static int fail_op;   /* ... for this operation */

static int fault(void *ctx, int op)
{
    (void)ctx;
    return op == fail_op ? fail_with : 0;
}

static void set_fault(otw_spool *sp, int op, int e)
{
    fail_op = op;
    fail_with = e;
    otw_spool_set_fault(sp, fault, NULL);
}

static otw_spool_stats stats(otw_spool *sp)
{
    otw_spool_stats st;
    otw_spool_get_stats(sp, &st);
    return st;
}

/* Reads one batch and commits its first n records; returns how many were read. */
static size_t deliver_n(otw_spool *sp, size_t n)
{
    otw_spool_batch b = {.buf = buf, .cap = sizeof(buf)};
    size_t got = otw_spool_read(sp, &b);
    otw_spool_commit(sp, &b, n < got ? n : got);
    return got;
}

static void test_disk_full_is_not_a_drop(void **state)
{
    (void)state;
    otw_spool *sp = open_spool(1 << 20);
    for (int i = 0; i < 5; i++)
        put(sp, i);
    /* ENOSPC and EDQUOT: not stored, not counted, the caller keeps it. */
    set_fault(sp, OTW_SPOOL_FAULT_APPEND, ENOSPC);
    assert_int_equal(otw_spool_append(sp, "x", 1), OTW_SPOOL_NOSPACE);
    fail_with = EDQUOT;
    assert_int_equal(otw_spool_append(sp, "x", 1), OTW_SPOOL_NOSPACE);
    otw_spool_stats st = stats(sp);
    assert_int_equal(st.dropped, 0);
    assert_int_equal(st.untold, 0);
    assert_int_equal(st.pending, 5);
    /* Any other error: refused for good, counted, to be announced. */
    fail_with = EIO;
    assert_int_equal(otw_spool_append(sp, "x", 1), -1);
    st = stats(sp);
    assert_int_equal(st.dropped, 1);
    assert_int_equal(st.untold, 1);
    /* Delivery and commits go on while appends fail. */
    fail_with = ENOSPC;
    expect_all(sp, 0, 5);
    otw_spool_set_fault(sp, NULL, NULL);
    put(sp, 5);
    expect_all(sp, 5, 1);
    otw_spool_close(sp);
}

/* A real full filesystem: a 256 KiB tmpfs (needs root; skipped otherwise). */
static void test_disk_full_tmpfs(void **state)
{
    (void)state;
    char mnt[128], sdir[160], filler[160];
    snprintf(mnt, sizeof(mnt), "%s/fs", dir);
    assert_int_equal(mkdir(mnt, 0700), 0);
    if (geteuid() != 0 || mount("tmpfs", mnt, "tmpfs", 0, "size=256k") != 0)
        skip();
    snprintf(sdir, sizeof(sdir), "%s/spool", mnt);
    char err[256] = "";
    otw_spool *sp = otw_spool_open(sdir, 64 << 20, 4u << 20, err, sizeof(err));
    assert_non_null(sp);
    int n = 0;
    for (; n < 10; n++)
        put(sp, n);
    /* Everything else fills the disk. */
    snprintf(filler, sizeof(filler), "%s/filler", mnt);
    int fd = open(filler, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    static char block[4096];
    while (write(fd, block, sizeof(block)) > 0) {
        /* until the filesystem is full */
    }
    close(fd);
    char rec[128];
    int l = snprintf(rec, sizeof(rec), "record %06d padding padding padding padding padding", n);
    while (otw_spool_append(sp, rec, (size_t)l) == 0 && n < 100000)
        l = snprintf(rec, sizeof(rec), "record %06d padding padding padding padding padding", ++n);
    assert_int_equal(otw_spool_append(sp, rec, (size_t)l), OTW_SPOOL_NOSPACE);
    assert_int_equal(stats(sp).dropped, 0);

    /* Commits are saved although nothing more fits: no re-send next time. */
    deliver_n(sp, 4);
    deliver_n(sp, 3);
    otw_spool_close(sp);
    sp = otw_spool_open(sdir, 64 << 20, 4u << 20, err, sizeof(err));
    assert_non_null(sp);
    assert_int_equal(otw_spool_pending(sp), n - 7);
    expect_all(sp, 7, n - 7);
    otw_spool_close(sp);
    sp = otw_spool_open(sdir, 64 << 20, 4u << 20, err, sizeof(err));
    assert_non_null(sp);
    assert_int_equal(otw_spool_pending(sp), 0);
    otw_spool_close(sp);
    char tmp[200];
    snprintf(tmp, sizeof(tmp), "%s/cursor.tmp", sdir);
    assert_int_equal(access(tmp, F_OK), -1); /* no leftover */
    assert_int_equal(umount(mnt), 0);
}

static void test_cursor_write_fails(void **state)
{
    (void)state;
    otw_spool *sp = open_spool(1 << 20);
    for (int i = 0; i < 10; i++)
        put(sp, i);
    set_fault(sp, OTW_SPOOL_FAULT_CURSOR, EIO);
    deliver_n(sp, 4);
    assert_false(otw_spool_cursor_ok(sp)); /* the caller stops delivering */
    otw_spool_stats st = stats(sp);
    assert_int_equal(st.unsaved, 4);
    assert_int_equal(st.pending, 6); /* this process does not send them again */
    otw_spool_close(sp);             /* says that the next start sends 4 again */
    sp = open_spool(1 << 20);
    assert_int_equal(otw_spool_pending(sp), 10);

    /* Failing, then working again: the later save covers the earlier commits. */
    set_fault(sp, OTW_SPOOL_FAULT_CURSOR, EIO);
    deliver_n(sp, 5);
    assert_false(otw_spool_cursor_ok(sp));
    otw_spool_set_fault(sp, NULL, NULL);
    assert_true(otw_spool_cursor_ok(sp));
    assert_int_equal(stats(sp).unsaved, 0);
    otw_spool_close(sp);
    sp = open_spool(1 << 20);
    assert_int_equal(otw_spool_pending(sp), 5);
    expect_all(sp, 5, 5);
    otw_spool_close(sp);
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void test_cursor_torn(void **state)
{
    (void)state;
    otw_spool *sp = open_spool(1 << 20);
    for (int i = 0; i < 10; i++)
        put(sp, i);
    deliver_n(sp, 3);
    deliver_n(sp, 2);
    otw_spool_close(sp);
    char path[128];
    unsigned char c[128];
    snprintf(path, sizeof(path), "%s/cursor", dir);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, c, sizeof(c), 0), 128); /* fixed size */
    /* A write torn in the newer slot: the older one (3 delivered) holds. */
    int newer = le64(c + 8) > le64(c + 64 + 8) ? 0 : 1;
    assert_int_equal(pwrite(fd, "torn", 4, newer * 64 + 20), 4);
    close(fd);
    sp = open_spool(1 << 20);
    assert_int_equal(otw_spool_pending(sp), 7);
    otw_spool_close(sp);
    /* Both slots gone: from the oldest record, and the file made anew. */
    fd = open(path, O_RDWR);
    assert_int_equal(pwrite(fd, "torn", 4, 20), 4);
    assert_int_equal(pwrite(fd, "torn", 4, 64 + 20), 4);
    close(fd);
    sp = open_spool(1 << 20);
    assert_int_equal(otw_spool_pending(sp), 10);
    deliver_n(sp, 1);
    otw_spool_close(sp);
    sp = open_spool(1 << 20);
    expect_all(sp, 1, 9);
    otw_spool_close(sp);
}

static void test_old_cursor_format(void **state)
{
    (void)state;
    otw_spool *sp = open_spool(1 << 20);
    for (int i = 0; i < 5; i++)
        put(sp, i);
    otw_spool_close(sp);
    /* An older version's text cursor, past the first two records. */
    char path[128], rec[128], text[128];
    int l = snprintf(rec, sizeof(rec), "record %06d padding padding padding padding padding", 0);
    snprintf(path, sizeof(path), "%s/cursor", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "1 %d\n", 2 * (8 + l));
    fclose(f);
    snprintf(text, sizeof(text), "%s/cursor.tmp", dir);
    fclose(fopen(text, "w")); /* the empty leftover a full disk left */
    sp = open_spool(1 << 20);
    assert_int_equal(otw_spool_pending(sp), 3);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 128);
    assert_int_equal(access(text, F_OK), -1);
    expect_all(sp, 2, 3);
    otw_spool_close(sp);
}

/* A crash at every byte of an append: the torn record is cut off, nothing
 * before it lost, and appends go on after it. */
static void test_crash_mid_append(void **state)
{
    (void)state;
    char rec[128], path[600];
    int l = snprintf(rec, sizeof(rec), "record %06d padding padding padding padding padding", 99);
    unsigned char whole[8 + 128];
    whole[0] = (unsigned char)l;
    whole[1] = whole[2] = whole[3] = 0;
    uint32_t crc = otw_crc32(rec, (size_t)l);
    for (int k = 0; k < 4; k++)
        whole[4 + k] = (unsigned char)(crc >> (8 * k));
    memcpy(whole + 8, rec, (size_t)l);
    snprintf(path, sizeof(path), "%s/%016x.seg", dir, 1);
    for (int cut = 1; cut < 8 + l; cut += cut < 12 ? 1 : 9) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -f '%s'/*", dir); /* each cut from a new spool */
        assert_int_equal(system(cmd), 0);
        otw_spool *sp = open_spool(1 << 20);
        for (int i = 0; i < 3; i++)
            put(sp, i);
        otw_spool_close(sp);
        int fd = open(path, O_WRONLY | O_APPEND);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, whole, (size_t)cut), cut);
        close(fd);
        sp = open_spool(1 << 20);
        assert_int_equal(otw_spool_pending(sp), 3);
        put(sp, 3);
        expect_all(sp, 0, 4);
        assert_int_equal(stats(sp).dropped, 0);
        otw_spool_close(sp);
    }
}

/* Several processes in turn: drops are kept until announced, whoever
 * announces them, and once told they stay told. */
static void test_drops_across_processes(void **state)
{
    (void)state;
    otw_spool *sp = open_spool(16384);
    for (int i = 0; i < 1000; i++)
        put(sp, i);
    otw_spool_stats a = stats(sp);
    assert_true(a.dropped > 700);
    assert_int_equal(a.untold, a.dropped);
    otw_spool_close(sp);

    sp = open_spool(16384); /* the next process */
    otw_spool_stats b = stats(sp);
    assert_int_equal(b.dropped, 0); /* this process's count */
    assert_int_equal(b.untold, a.dropped);
    assert_int_equal(b.pending, a.pending);
    for (int i = 1000; i < 1500; i++)
        put(sp, i);
    b = stats(sp);
    assert_int_equal(b.untold, a.dropped + b.dropped);
    otw_spool_close(sp);

    sp = open_spool(16384); /* reaches the collector: survivors, then the notice */
    uint64_t untold = otw_spool_untold(sp);
    assert_int_equal(untold, a.dropped + b.dropped);
    int first = 1500 - (int)stats(sp).pending;
    expect_all(sp, first, 1500 - first);
    otw_spool_told(sp, untold);
    assert_int_equal(otw_spool_untold(sp), 0);
    otw_spool_close(sp);

    for (int k = 0; k < 3; k++) {
        sp = open_spool(16384);
        assert_int_equal(otw_spool_untold(sp), 0); /* told once */
        assert_int_equal(otw_spool_pending(sp), 0);
        put(sp, k);
        otw_spool_close(sp);
        sp = open_spool(16384);
        expect_all(sp, k, 1);
        otw_spool_close(sp);
    }
}

/* Killed between sending a batch and its commit: the next run sends it
 * again and says how many the collector may get twice. */
static void test_killed_while_sending(void **state)
{
    (void)state;
    otw_spool *sp = open_spool(1 << 20);
    for (int i = 0; i < 100; i++)
        put(sp, i);
    otw_spool_batch b = {.buf = buf, .cap = sizeof(buf)};
    assert_int_equal(otw_spool_read(sp, &b), OTW_SPOOL_BATCH);
    assert_int_equal(otw_spool_sending(sp, &b), 0);
    otw_spool_commit(sp, &b, 10); /* 10 acknowledged, 54 written without */
    otw_spool_close(sp);
    sp = open_spool(1 << 20);
    otw_spool_stats st = stats(sp);
    assert_int_equal(st.unsure, OTW_SPOOL_BATCH - 10);
    assert_int_equal(st.pending, 90);
    /* A batch over two segments, all of it unacknowledged. */
    assert_int_equal(otw_spool_read(sp, &b), OTW_SPOOL_BATCH);
    assert_true(b.after[b.n - 1].seg > b.start.seg);
    assert_int_equal(otw_spool_sending(sp, &b), 0);
    otw_spool_close(sp);
    sp = open_spool(1 << 20);
    assert_int_equal(stats(sp).unsure, OTW_SPOOL_BATCH);
    expect_all(sp, 10, 90);
    otw_spool_close(sp);
    sp = open_spool(1 << 20); /* all committed: nothing unsure */
    assert_int_equal(stats(sp).unsure, 0);
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
        cmocka_unit_test_setup_teardown(test_disk_full_is_not_a_drop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_full_tmpfs, setup, teardown_umount),
        cmocka_unit_test_setup_teardown(test_cursor_write_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_torn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_cursor_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_mid_append, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drops_across_processes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_while_sending, setup, teardown),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
