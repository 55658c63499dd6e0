/* test_chain.c - unit tests for the evidence chains (sensor/core/chain.c,
 * contract in chain.h) and the alert chain of the store (store.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "chain.h"
#include "store.h"

/* Expected links from an independent SHA-256 (Python's hashlib):
 * sha256(32 zero bytes || "abc"), then sha256(that || "def"). */
static const char *const LINK1 = "365aa7d8f7f9402c4b9434502b4cc89ddb09fe50d7cd95b493b834c62d5a5370";
static const char *const LINK2 = "532f0131db1635cb105c9753e41e7908599aa4dd144658c92e50b60113ad993a";

static void test_links_are_sha256_of_previous_and_record(void **state)
{
    (void)state;
    otw_chain c;
    otw_chain_init(&c);
    uint8_t zero[OTW_CHAIN_LINK] = {0}, link[OTW_CHAIN_LINK];
    assert_int_equal(c.n, 0);
    assert_memory_equal(c.head, zero, OTW_CHAIN_LINK);
    char hex[OTW_CHAIN_HEX];
    otw_chain_append(&c, "abc", 3, link);
    otw_chain_hex(link, hex);
    assert_string_equal(hex, LINK1);
    otw_chain_append(&c, "def", 3, NULL);
    otw_chain_hex(c.head, hex);
    assert_string_equal(hex, LINK2);
    assert_int_equal(c.n, 2);
}

static void test_format_and_parse(void **state)
{
    (void)state;
    otw_chain c, back;
    otw_chain_init(&c);
    otw_chain_append(&c, "abc", 3, NULL);
    char v[160];
    otw_chain_format(&c, v, sizeof(v));
    assert_string_equal(v, "1 365aa7d8f7f9402c4b9434502b4cc89ddb09fe50d7cd95b493b834c62d5a5370");
    assert_int_equal(otw_chain_parse(v, &back), 0);
    assert_memory_equal(&back, &c, sizeof(c));
    assert_int_equal(otw_chain_parse("1 365a", &back), -1);
    assert_int_equal(
        otw_chain_parse("x 365aa7d8f7f9402c4b9434502b4cc89ddb09fe50d7cd95b493b834c62d5a5370",
                        &back),
        -1);
    strcat(v, " ");
    assert_int_equal(otw_chain_parse(v, &back), -1);
    otw_chain_anchor a = {.chain = c, .offset = 4711}, b;
    otw_chain_anchor_format(&a, v, sizeof(v));
    assert_int_equal(otw_chain_anchor_parse(v, &b), 0);
    assert_int_equal(b.offset, 4711);
    assert_memory_equal(&b.chain, &c, sizeof(c));
    assert_int_equal(otw_chain_anchor_parse(
                         "1 365aa7d8f7f9402c4b9434502b4cc89ddb09fe50d7cd95b493b834c62d5a5370", &b),
                     -1);
}

/* Tagged values: the same bytes split differently, or a null for an empty
 * text, are other records. */
static void test_tagged_values_are_unambiguous(void **state)
{
    (void)state;
    otw_chain a, b, c;
    otw_chain_init(&a);
    b = c = a;
    otw_chain_rec r;
    otw_chain_begin(&a, &r);
    otw_chain_rec_text(&r, "ab", 2);
    otw_chain_rec_text(&r, "c", 1);
    otw_chain_end(&a, &r, NULL);
    otw_chain_begin(&b, &r);
    otw_chain_rec_text(&r, "a", 1);
    otw_chain_rec_text(&r, "bc", 2);
    otw_chain_end(&b, &r, NULL);
    assert_memory_not_equal(a.head, b.head, OTW_CHAIN_LINK);
    otw_chain_begin(&c, &r);
    otw_chain_rec_null(&r);
    otw_chain_end(&c, &r, NULL);
    otw_chain_init(&b);
    otw_chain_begin(&b, &r);
    otw_chain_rec_text(&r, "", 0);
    otw_chain_end(&b, &r, NULL);
    assert_memory_not_equal(c.head, b.head, OTW_CHAIN_LINK);
    otw_chain_init(&b);
    otw_chain_begin(&b, &r);
    otw_chain_rec_int(&r, 1);
    otw_chain_end(&b, &r, NULL);
    otw_chain_init(&c);
    otw_chain_begin(&c, &r);
    otw_chain_rec_text(&r, "1", 1);
    otw_chain_end(&c, &r, NULL);
    assert_memory_not_equal(c.head, b.head, OTW_CHAIN_LINK);
}

static char dir[] = "/tmp/otw-chain-XXXXXX";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static uint64_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

static void test_line_file_catch_up_and_check(void **state)
{
    (void)state;
    char path[128], side[160], err[256];
    snprintf(path, sizeof(path), "%s/ops.jsonl", dir);
    otw_chain_sidecar_path(path, side, sizeof(side));
    write_file(path, "{\"ts\":\"T1\"}\n{\"ts\":\"T2\"}\n{\"ts\":\"T3\"}\n{\"ts\":\"torn");
    otw_chain_anchor a;
    otw_chain_init(&a.chain);
    a.offset = 0;
    uint64_t added;
    bool restarted;
    assert_int_equal(otw_chain_catch_up(path, &a, &added, &restarted, err, sizeof(err)), 0);
    assert_int_equal(added, 3); /* the torn line is not a record */
    assert_false(restarted);
    assert_int_equal(a.chain.n, 3);
    assert_int_equal(a.offset, 36);
    assert_int_equal(file_size(side), 3 * OTW_CHAIN_LINK);

    otw_chain_check res;
    assert_int_equal(otw_chain_check_file(path, &a, &res, err, sizeof(err)), 0);
    assert_true(res.ok);
    assert_int_equal(res.checked, 3);
    assert_memory_equal(res.head.head, a.chain.head, OTW_CHAIN_LINK);

    /* From the anchor, only what follows is chained; a fourth line. */
    write_file(path, "{\"ts\":\"T1\"}\n{\"ts\":\"T2\"}\n{\"ts\":\"T3\"}\n{\"ts\":\"T4\"}\n");
    otw_chain_anchor b = a;
    assert_int_equal(otw_chain_catch_up(path, &b, &added, &restarted, err, sizeof(err)), 0);
    assert_int_equal(added, 1);
    assert_int_equal(b.chain.n, 4);
    assert_int_equal(file_size(side), 4 * OTW_CHAIN_LINK);
    assert_int_equal(otw_chain_check_file(path, &b, &res, err, sizeof(err)), 0);
    assert_true(res.ok);
    assert_int_equal(res.checked, 4);

    /* One line edited: named, with its time. */
    write_file(path, "{\"ts\":\"T1\"}\n{\"ts\":\"TX\"}\n{\"ts\":\"T3\"}\n{\"ts\":\"T4\"}\n");
    assert_int_equal(otw_chain_check_file(path, &b, &res, err, sizeof(err)), 0);
    assert_false(res.ok);
    assert_int_equal(res.bad_line, 2);
    assert_int_equal(res.bad_off, 12);
    assert_string_equal(res.bad_ts, "TX");
    assert_int_equal(res.fault, OTW_CF_LINK);

    /* The last line removed: fewer records than the state recorded. */
    write_file(path, "{\"ts\":\"T1\"}\n{\"ts\":\"T2\"}\n{\"ts\":\"T3\"}\n");
    assert_int_equal(otw_chain_check_file(path, &b, &res, err, sizeof(err)), 0);
    assert_false(res.ok);
    assert_int_equal(res.fault, OTW_CF_SHORT);

    /* A sidecar rewritten to match an edit still ends at another head. */
    write_file(path, "{\"ts\":\"T1\"}\n{\"ts\":\"TX\"}\n{\"ts\":\"T3\"}\n{\"ts\":\"T4\"}\n");
    otw_chain_anchor fresh;
    otw_chain_init(&fresh.chain);
    fresh.offset = 0;
    assert_int_equal(otw_chain_catch_up(path, &fresh, &added, &restarted, err, sizeof(err)), 0);
    assert_int_equal(otw_chain_check_file(path, &b, &res, err, sizeof(err)), 0);
    assert_false(res.ok);
    assert_int_equal(res.fault, OTW_CF_HEAD);
    assert_int_equal(res.bad_line, 4);

    /* A file shorter than its anchor is chained again from its start. */
    write_file(path, "{\"ts\":\"T1\"}\n");
    assert_int_equal(otw_chain_catch_up(path, &b, &added, &restarted, err, sizeof(err)), 0);
    assert_true(restarted);
    assert_int_equal(b.chain.n, 1);
    assert_int_equal(file_size(side), OTW_CHAIN_LINK);
    unlink(path);
    unlink(side);
}

static otw_endpoint ep(const char *ip)
{
    otw_endpoint e;
    memset(&e, 0, sizeof(e));
    e.has_ip = true;
    assert_int_equal(otw_addr_parse(ip, &e.ip), 0);
    return e;
}

static int exec(const char *db, const char *sql)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    int rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
    sqlite3_close(h);
    return rc;
}

static void verify(otw_chain_check *res)
{
    char err[256];
    otw_chain recorded;
    otw_store *ro = otw_store_open(dir, true, err, sizeof(err));
    assert_non_null(ro);
    assert_int_equal(otw_store_verify_alerts(ro, res, &recorded, err, sizeof(err)), 0);
    otw_store_close(ro);
}

/* Every write of an alert row is a record; edits of rows or records, and a
 * restart, are seen as they should be. */
static void test_store_alert_chain(void **state)
{
    (void)state;
    char err[256], db[128];
    snprintf(db, sizeof(db), "%s/%s", dir, OTW_STORE_FILE);
    otw_store *s = otw_store_open(dir, false, err, sizeof(err));
    assert_non_null(s);
    assert_int_equal(otw_store_alert_chain(s)->n, 0);
    otw_alerts *t = otw_alerts_new(16, NULL, NULL);
    otw_endpoint a = ep("10.0.0.1"), b = ep("10.0.0.2");
    otw_alert x;
    otw_alert_init(&x, OTW_AT_MODBUS_WRITE, &a, &b, "modbus");
    otw_alert_message(&x, "a write");
    otw_alerts_raise(t, &x, 1000000, 1);
    otw_alert_init(&x, OTW_AT_NEW_ASSET, &a, NULL, NULL);
    otw_alert_message(&x, "a device");
    otw_alerts_raise(t, &x, 2000000, 1);
    assert_int_equal(otw_store_checkpoint(s, NULL, NULL, t, NULL, NULL, err, sizeof(err)), 0);
    assert_int_equal(otw_store_alert_chain(s)->n, 2);
    otw_alert_init(&x, OTW_AT_MODBUS_WRITE, &a, &b, "modbus");
    otw_alert_message(&x, "a write");
    otw_alerts_raise(t, &x, 3000000, 4); /* the same alert, counted */
    assert_int_equal(otw_store_checkpoint(s, NULL, NULL, t, NULL, NULL, err, sizeof(err)), 0);
    assert_int_equal(otw_store_alert_chain(s)->n, 3);
    otw_chain head = *otw_store_alert_chain(s);
    otw_store_close(s);
    otw_alerts_free(t);

    otw_chain_check res;
    verify(&res);
    assert_true(res.ok);
    assert_int_equal(res.checked, 3);
    assert_memory_equal(&res.head, &head, sizeof(head));

    /* A restart goes on from the recorded head. */
    s = otw_store_open(dir, false, err, sizeof(err));
    assert_non_null(s);
    assert_memory_equal(otw_store_alert_chain(s), &head, sizeof(head));
    otw_store_close(s);

    assert_int_equal(exec(db, "UPDATE alerts SET message='nothing' WHERE id=2"), SQLITE_OK);
    verify(&res);
    assert_false(res.ok);
    assert_int_equal(res.bad_id, 2);
    assert_int_equal(res.bad_line, 2);
    assert_int_equal(res.fault, OTW_CF_LINK);
    assert_int_equal(exec(db, "UPDATE alerts SET message='a device' WHERE id=2"), SQLITE_OK);
    verify(&res);
    assert_true(res.ok);

    assert_int_equal(exec(db, "UPDATE alerts SET count=1 WHERE id=1"), SQLITE_OK);
    verify(&res);
    assert_false(res.ok);
    assert_int_equal(res.bad_id, 1);
    assert_int_equal(res.fault, OTW_CF_ROW_EDITED);
    assert_int_equal(exec(db, "UPDATE alerts SET count=5 WHERE id=1"), SQLITE_OK);

    assert_int_equal(exec(db, "UPDATE alert_chain SET count=1 WHERE seq=3"), SQLITE_OK);
    verify(&res);
    assert_false(res.ok);
    assert_int_equal(res.bad_line, 3);
    assert_int_equal(exec(db, "UPDATE alert_chain SET count=5 WHERE seq=3"), SQLITE_OK);

    assert_int_equal(exec(db, "DELETE FROM alert_chain WHERE seq=3;"
                              "UPDATE alerts SET count=1, last_seen=1000000 WHERE id=1"),
                     SQLITE_OK);
    verify(&res);
    assert_false(res.ok);
    assert_int_equal(res.fault, OTW_CF_SHORT);
}

/* A state written before the chains (schema 2): its stored alerts are
 * chained, as they are, when a writer first opens it. */
static void test_older_state_sealed_on_open(void **state)
{
    (void)state;
    char err[256], db[128];
    snprintf(db, sizeof(db), "%s/%s", dir, OTW_STORE_FILE);
    unlink(db);
    otw_store *s = otw_store_open(dir, false, err, sizeof(err));
    assert_non_null(s);
    otw_store_close(s);
    assert_int_equal(exec(db, "DROP TABLE alert_chain; DELETE FROM meta WHERE key='chain_alerts';"
                              "UPDATE meta SET value='2' WHERE key='schema_version';"
                              "INSERT INTO alerts(id, type, severity, key, first_seen, last_seen,"
                              " count, message) VALUES(7, 'NEW_ASSET', 'medium', '', 5, 9, 3, 'x'),"
                              " (9, 'SCAN', 'high', 'k', 6, 6, 1, 'y')"),
                     SQLITE_OK);
    otw_store *ro = otw_store_open(dir, true, err, sizeof(err));
    assert_non_null(ro);
    otw_chain_check res;
    otw_chain recorded;
    assert_int_equal(otw_store_verify_alerts(ro, &res, &recorded, err, sizeof(err)), -1);
    otw_store_close(ro);
    s = otw_store_open(dir, false, err, sizeof(err));
    assert_non_null(s);
    assert_int_equal(otw_store_alert_chain(s)->n, 2);
    otw_store_close(s);
    verify(&res);
    assert_true(res.ok);
    assert_int_equal(res.checked, 2);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_links_are_sha256_of_previous_and_record),
        cmocka_unit_test(test_format_and_parse),
        cmocka_unit_test(test_tagged_values_are_unambiguous),
        cmocka_unit_test(test_line_file_catch_up_and_check),
        cmocka_unit_test(test_store_alert_chain),
        cmocka_unit_test(test_older_state_sealed_on_open),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
