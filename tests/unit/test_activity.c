/* test_activity.c - unit tests for activity over time (sensor/core/activity.c,
 * contract in sensor/core/activity.h): buckets per flow and communication,
 * entries waiting for a flow's communication, a full array counted, the
 * operations index and its filters, retention and the size cap, a
 * rolled-back checkpoint, and the migration of a schema-4 state. Every test
 * works in a fresh mkdtemp directory. */
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

#include "activity.h"
#include "comms.h"
#include "store.h"

#define S 1000000ull
#define MIN (60 * S)
/* 2023-11-14 22:14:00 UTC, on a minute boundary. */
#define T0 (1700000040ull * S)

typedef struct fixture {
    char dir[64];
    otw_store *store;
    otw_comms *comms;
    otw_activity *act;
    uint32_t slot_comm[8]; /* comm_of: the communication of each flow slot */
    char err[256];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/otw-act-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    f->store = otw_store_open(f->dir, false, f->err, sizeof(f->err));
    f->comms = otw_comms_new(16);
    f->act = otw_activity_new(MIN, MIN, 0, 0, 0, 0);
    if (!f->store || !f->comms || !f->act)
        return -1;
    for (int i = 0; i < 8; i++)
        f->slot_comm[i] = OTW_COMM_NONE;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    otw_store_close(f->store);
    otw_comms_free(f->comms);
    otw_activity_free(f->act);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static uint32_t comm_of(void *ctx, uint32_t slot)
{
    fixture *f = ctx;
    return slot < 8 ? f->slot_comm[slot] : OTW_COMM_NONE;
}

/* A communication 10.0.0.<client> -> 10.0.0.<server>:502 with a store id. */
static uint32_t comm(fixture *f, int client, int server, int64_t store_id)
{
    otw_addr c, v;
    char a[32], b[32];
    snprintf(a, sizeof(a), "10.0.0.%d", client);
    snprintf(b, sizeof(b), "10.0.0.%d", server);
    otw_addr_parse(a, &c);
    otw_addr_parse(b, &v);
    bool created;
    uint32_t idx = otw_comms_get(f->comms, &c, &v, 1, 502, 6, T0, &created);
    otw_comms_at(f->comms, idx)->store_id = store_id;
    sqlite3_stmt *st;
    sqlite3_prepare_v2(otw_store_db(f->store),
                       "INSERT OR REPLACE INTO comms(id, client, server, proto_key, server_port,"
                       " transport) VALUES(?, ?, ?, 1, 502, 6)",
                       -1, &st, NULL);
    sqlite3_bind_int64(st, 1, store_id);
    sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, b, -1, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    return idx;
}

/* One checkpoint: a transaction, the save, the commit. */
static void save(fixture *f, uint64_t now_us, bool force)
{
    sqlite3 *db = otw_store_db(f->store);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    if (otw_activity_save(f->act, f->store, f->comms, comm_of, f, now_us, force, f->err,
                          sizeof(f->err)) != 0)
        fail_msg("save: %s", f->err);
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    otw_activity_committed(f->act);
}

static int64_t q1(fixture *f, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(otw_store_db(f->store), sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(otw_store_db(f->store)));
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

typedef struct rows {
    otw_activity_row r[32];
    char client[32][48], server[32][48];
    int n;
} rows;

static int got_row(void *ctx, const otw_activity_row *r)
{
    rows *x = ctx;
    if (x->n < 32) {
        x->r[x->n] = *r;
        snprintf(x->client[x->n], 48, "%s", r->client);
        snprintf(x->server[x->n], 48, "%s", r->server);
        x->n++;
    }
    return 0;
}

/* A flow of 3 packets in minute 0 and 2 in minute 2, one of 1 packet in
 * minute 2 on the same communication: per bucket, per hour, and the sums. */
static void test_buckets(void **state)
{
    fixture *f = *state;
    uint32_t c = comm(f, 1, 2, 7);
    otw_act_flow a = {.flow = 1}, b = {.flow = 1};
    otw_act_flow_packet(f->act, &a, c, 0, T0 + 1 * S, 100);
    otw_act_flow_packet(f->act, &a, c, 0, T0 + 2 * S, 100);
    otw_act_flow_flush(f->act, &a, c, 0); /* a checkpoint in the middle */
    otw_act_flow_packet(f->act, &a, c, 0, T0 + 59 * S, 100);
    otw_act_flow_packet(f->act, &a, c, 0, T0 + 2 * MIN, 50);
    otw_act_flow_packet(f->act, &b, c, 1, T0 + 2 * MIN + 5 * S, 60);
    otw_act_flow_packet(f->act, &a, c, 0, T0 + 2 * MIN + 10 * S, 50);
    otw_act_flow_end(f->act, &a, c, 0);
    otw_act_flow_end(f->act, &b, c, 1);
    save(f, T0 + 3 * MIN, false);
    rows x = {0};
    assert_int_equal(otw_activity_each(f->store, 0, 0, NULL, got_row, &x, f->err, sizeof(f->err)),
                     0);
    assert_int_equal(x.n, 2);
    assert_int_equal(x.r[0].start_us, T0);
    assert_int_equal(x.r[0].flows, 1);
    assert_int_equal(x.r[0].pkts, 3);
    assert_int_equal(x.r[0].bytes, 300);
    assert_int_equal(x.r[1].start_us, T0 + 2 * MIN);
    assert_int_equal(x.r[1].flows, 1); /* b started there; a did not */
    assert_int_equal(x.r[1].pkts, 3);
    assert_int_equal(x.r[1].bytes, 160);
    assert_string_equal(x.client[0], "10.0.0.1");
    assert_string_equal(x.server[0], "10.0.0.2");
    assert_int_equal(x.r[0].server_port, 502);
    /* per hour: one row with everything */
    otw_activity_filter per_hour = {.per_us = 3600 * S};
    memset(&x, 0, sizeof(x));
    otw_activity_each(f->store, 0, 0, &per_hour, got_row, &x, f->err, sizeof(f->err));
    assert_int_equal(x.n, 1);
    assert_int_equal(x.r[0].start_us, T0 - T0 % (3600 * S));
    assert_int_equal(x.r[0].flows, 2);
    assert_int_equal(x.r[0].pkts, 6);
    assert_int_equal(x.r[0].bytes, 460);
    /* a window that holds only minute 2; one that ends inside minute 0
     * still sees the bucket overlapping it */
    memset(&x, 0, sizeof(x));
    otw_activity_each(f->store, T0 + 90 * S, T0 + 10 * MIN, NULL, got_row, &x, f->err,
                      sizeof(f->err));
    assert_int_equal(x.n, 1);
    assert_int_equal(x.r[0].start_us, T0 + 2 * MIN);
    memset(&x, 0, sizeof(x));
    otw_activity_each(f->store, T0 + 30 * S, T0 + 31 * S, NULL, got_row, &x, f->err,
                      sizeof(f->err));
    assert_int_equal(x.n, 1);
    assert_int_equal(x.r[0].start_us, T0);
    /* filters */
    otw_activity_filter other = {.host = "10.0.0.9"}, mine = {.server = "10.0.0.2"};
    memset(&x, 0, sizeof(x));
    otw_activity_each(f->store, 0, 0, &other, got_row, &x, f->err, sizeof(f->err));
    assert_int_equal(x.n, 0);
    otw_activity_each(f->store, 0, 0, &mine, got_row, &x, f->err, sizeof(f->err));
    assert_int_equal(x.n, 2);
    /* one communication by its store id (7), or another one's (8: none) */
    otw_activity_filter by_id = {.comm_id = 7}, no_id = {.comm_id = 8};
    memset(&x, 0, sizeof(x));
    otw_activity_each(f->store, 0, 0, &by_id, got_row, &x, f->err, sizeof(f->err));
    assert_int_equal(x.n, 2);
    assert_int_equal(x.r[0].comm_id, 7);
    memset(&x, 0, sizeof(x));
    otw_activity_each(f->store, 0, 0, &no_id, got_row, &x, f->err, sizeof(f->err));
    assert_int_equal(x.n, 0);
    /* a second checkpoint adds to the same rows (upsert) */
    otw_act_flow d = {.flow = 1};
    otw_act_flow_packet(f->act, &d, c, 2, T0 + 10 * S, 40);
    otw_act_flow_end(f->act, &d, c, 2);
    save(f, T0 + 4 * MIN, false);
    assert_int_equal(q1(f, "SELECT packets FROM activity WHERE comm_id = 7 AND bucket = "
                           "1700000040000000"),
                     4);
    assert_int_equal(q1(f, "SELECT flows FROM activity WHERE comm_id = 7 AND bucket = "
                           "1700000040000000"),
                     2);
    otw_activity_stats st;
    otw_activity_get_stats(f->act, &st);
    assert_int_equal(st.dropped_entries, 0);
    assert_int_equal(st.pending, 0);
}

/* A flow without a communication: its entries wait; they go to the
 * communication it gets (at a checkpoint or its end), or are dropped as no
 * communication when it ends without one. */
static void test_waiting(void **state)
{
    fixture *f = *state;
    uint32_t c = comm(f, 1, 2, 3);
    otw_act_flow a = {.flow = 1}, b = {.flow = 1};
    otw_act_flow_packet(f->act, &a, OTW_COMM_NONE, 0, T0, 10);
    otw_act_flow_packet(f->act, &a, OTW_COMM_NONE, 0, T0 + MIN, 10); /* minute 0 waits */
    otw_act_flow_packet(f->act, &b, OTW_COMM_NONE, 1, T0, 5);
    otw_act_flow_packet(f->act, &b, OTW_COMM_NONE, 1, T0 + MIN, 5);
    otw_act_flow_flush(f->act, &a, OTW_COMM_NONE, 0); /* nothing: no communication */
    save(f, T0 + MIN + S, false);
    assert_int_equal(q1(f, "SELECT count(*) FROM activity"), 0);
    otw_activity_stats st;
    otw_activity_get_stats(f->act, &st);
    assert_int_equal(st.waiting, 2);
    /* a gets its communication: the next checkpoint resolves minute 0 */
    f->slot_comm[0] = c;
    save(f, T0 + MIN + 2 * S, false);
    assert_int_equal(q1(f, "SELECT packets FROM activity WHERE bucket = 1700000040000000"), 1);
    otw_act_flow_end(f->act, &a, c, 0);
    otw_act_flow_end(f->act, &b, OTW_COMM_NONE, 1); /* never had one */
    save(f, T0 + 2 * MIN, false);
    assert_int_equal(q1(f, "SELECT sum(packets) FROM activity"), 2);
    assert_int_equal(q1(f, "SELECT sum(flows) FROM activity"), 1);
    otw_activity_get_stats(f->act, &st);
    assert_int_equal(st.waiting, 0);
    assert_int_equal(st.no_comm_packets, 2);
}

/* A full array drops what does not fit and counts it, in the stats and in
 * meta; it asks for a save at 3/4. */
static void test_full_counted(void **state)
{
    fixture *f = *state;
    otw_activity_free(f->act);
    f->act = otw_activity_new(MIN, MIN, 0, 0, 4, 4);
    uint32_t c[6];
    for (int i = 0; i < 6; i++)
        c[i] = comm(f, 10 + i, 2, 100 + i);
    for (int i = 0; i < 6; i++) {
        otw_act_flow a = {.flow = 1};
        otw_act_flow_packet(f->act, &a, c[i], 0, T0, 100);
        otw_act_flow_end(f->act, &a, c[i], 0);
        if (i == 2)
            assert_true(otw_activity_wants_save(f->act));
    }
    otw_activity_stats st;
    otw_activity_get_stats(f->act, &st);
    assert_int_equal(st.dropped_entries, 2);
    assert_int_equal(st.dropped_flows, 2);
    assert_int_equal(st.dropped_packets, 2);
    assert_int_equal(st.dropped_bytes, 200);
    otw_op op = {.protocol = OTW_PROTO_MODBUS,
                 .ts_us = T0,
                 .function_name = "x",
                 .op_class = OTW_CLASS_WRITE};
    otw_endpoint cl = {0}, sv = {0};
    for (int i = 0; i < 5; i++)
        otw_activity_op(f->act, &op, &cl, &sv, i);
    save(f, T0 + MIN, false);
    assert_int_equal(q1(f, "SELECT count(*) FROM activity"), 4);
    assert_int_equal(q1(f, "SELECT count(*) FROM ops"), 4);
    otw_activity_meta m;
    otw_activity_meta_get(f->store, &m);
    assert_int_equal(m.dropped_entries, 2);
    assert_int_equal(m.dropped_packets, 2);
    assert_int_equal(m.ops_dropped, 1);
    /* counted into meta once, not again at the next checkpoint */
    save(f, T0 + 2 * MIN, false);
    otw_activity_meta_get(f->store, &m);
    assert_int_equal(m.dropped_entries, 2);
}

static void endpoint(otw_endpoint *e, const char *ip, uint16_t port)
{
    memset(e, 0, sizeof(*e));
    e->has_ip = otw_addr_parse(ip, &e->ip) == 0;
    e->port = port;
}

typedef struct ops_seen {
    int n;
    int64_t records[16];
    char cls[16][24];
} ops_seen;

static int got_op(void *ctx, const otw_op_row *r)
{
    ops_seen *x = ctx;
    if (x->n < 16) {
        x->records[x->n] = r->record;
        snprintf(x->cls[x->n], 24, "%s", r->op_class);
        x->n++;
    }
    return 0;
}

/* Operations: indexed with their record; filtered by window, controller,
 * client and class, in time order. */
static void test_ops_index(void **state)
{
    fixture *f = *state;
    otw_endpoint hmi, eng, plc1, plc2;
    endpoint(&hmi, "10.0.0.21", 40000);
    endpoint(&eng, "10.0.0.31", 40001);
    endpoint(&plc1, "10.0.0.11", 502);
    endpoint(&plc2, "10.0.0.12", 502);
    otw_op op = {.protocol = OTW_PROTO_MODBUS, .function_name = "Read Holding Registers"};
    struct {
        uint64_t ts;
        otw_endpoint *c, *s;
        otw_op_class cls;
    } in[] = {
        {T0 + 5 * S, &hmi, &plc1, OTW_CLASS_READ},   {T0 + 1 * S, &hmi, &plc2, OTW_CLASS_READ},
        {T0 + 9 * S, &eng, &plc1, OTW_CLASS_WRITE},  {T0 + 20 * S, &eng, &plc2, OTW_CLASS_CONTROL},
        {T0 + 30 * S, &hmi, &plc1, OTW_CLASS_WRITE},
    };
    for (int i = 0; i < 5; i++) {
        op.ts_us = in[i].ts;
        op.op_class = in[i].cls;
        op.has_address = true;
        op.address_start = 40;
        op.address_count = 2;
        otw_activity_op(f->act, &op, in[i].c, in[i].s, 100 + i);
    }
    save(f, T0 + MIN, false);
    ops_seen x = {0};
    assert_int_equal(
        otw_ops_each(f->store, 0, 0, NULL, NULL, OTW_CLASS_ALL, got_op, &x, f->err, sizeof(f->err)),
        0);
    assert_int_equal(x.n, 5);
    assert_int_equal(x.records[0], 101); /* time order */
    assert_int_equal(x.records[4], 104);
    memset(&x, 0, sizeof(x));
    otw_ops_each(f->store, 0, 0, "10.0.0.11", NULL, OTW_CLASS_ALL, got_op, &x, f->err,
                 sizeof(f->err));
    assert_int_equal(x.n, 3);
    memset(&x, 0, sizeof(x));
    uint32_t set;
    assert_int_equal(otw_class_set_parse("write,Control", &set, NULL), 0);
    otw_ops_each(f->store, 0, 0, NULL, "10.0.0.31", set, got_op, &x, f->err, sizeof(f->err));
    assert_int_equal(x.n, 2);
    assert_string_equal(x.cls[0], "write");
    assert_string_equal(x.cls[1], "control");
    memset(&x, 0, sizeof(x));
    otw_ops_each(f->store, T0 + 9 * S, T0 + 30 * S, NULL, NULL, OTW_CLASS_ALL, got_op, &x, f->err,
                 sizeof(f->err));
    assert_int_equal(x.n, 2); /* [from, to) */
    const char *bad = NULL;
    assert_int_equal(otw_class_set_parse("write,erase", &set, &bad), -1);
    assert_string_equal(bad, "erase");
    /* the indexes the queries use are there */
    assert_int_equal(q1(f, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN"
                           " ('ops_ts', 'ops_server_ts', 'ops_client_ts', 'ops_class_ts',"
                           " 'activity_bucket')"),
                     5);
}

/* Routine operations (reads) are one row per key and bucket, written once
 * the bucket is over (or forced): count, first and last time and record,
 * the addresses spanned. A write is a row of its own. */
static void test_ops_aggregated(void **state)
{
    fixture *f = *state;
    otw_endpoint hmi, plc;
    endpoint(&hmi, "10.0.0.21", 40000);
    endpoint(&plc, "10.0.0.11", 502);
    otw_op op = {.protocol = OTW_PROTO_MODBUS,
                 .function = 3,
                 .function_name = "Read Holding Registers",
                 .op_class = OTW_CLASS_READ,
                 .has_unit = true,
                 .unit = 1,
                 .has_address = true,
                 .address_count = 10};
    for (int i = 0; i < 60; i++) {
        op.ts_us = T0 + (uint64_t)i * S;
        op.address_start = i == 30 ? 100 : 0; /* one read elsewhere */
        hmi.port = (uint16_t)(40000 + i % 2); /* ports do not split the key */
        otw_activity_op(f->act, &op, &hmi, &plc, 1000 + i);
    }
    op.ts_us = T0 + 30 * S;
    op.op_class = OTW_CLASS_WRITE;
    op.function = 6;
    otw_activity_op(f->act, &op, &hmi, &plc, 2000);
    op.ts_us = T0 + MIN + S; /* the next minute: a key of its own */
    op.op_class = OTW_CLASS_READ;
    op.function = 3;
    otw_activity_op(f->act, &op, &hmi, &plc, 2001);
    save(f, T0 + MIN + 2 * S, false); /* minute 0 is over, minute 1 is not */
    assert_int_equal(q1(f, "SELECT count(*) FROM ops"), 2);
    assert_int_equal(q1(f, "SELECT count FROM ops WHERE class = 'read'"), 60);
    assert_int_equal(q1(f, "SELECT record FROM ops WHERE class = 'read'"), 1000);
    assert_int_equal(q1(f, "SELECT last_record FROM ops WHERE class = 'read'"), 1059);
    assert_int_equal(q1(f, "SELECT last_ts FROM ops WHERE class = 'read'"), T0 + 59 * S);
    assert_int_equal(q1(f, "SELECT address_start + address_count FROM ops WHERE class = 'read'"),
                     110);
    assert_int_equal(q1(f, "SELECT count FROM ops WHERE class = 'write'"), 1);
    otw_activity_stats st;
    otw_activity_get_stats(f->act, &st);
    assert_int_equal(st.ops_written, 61);
    assert_int_equal(st.ops_rows, 2);
    assert_int_equal(st.ops_pending, 1);
    save(f, T0 + MIN + 3 * S, true); /* the end: written whatever the bucket */
    assert_int_equal(q1(f, "SELECT count(*) FROM ops"), 3);
    ops_seen x = {0};
    otw_ops_each(f->store, 0, 0, "10.0.0.11", "10.0.0.21", OTW_CLASS_BIT(OTW_CLASS_READ), got_op,
                 &x, f->err, sizeof(f->err));
    assert_int_equal(x.n, 2);
}

/* Retention by capture time (at most every 10 minutes, or forced), and the
 * size cap: pruned rows counted in meta. */
static void test_retention(void **state)
{
    fixture *f = *state;
    otw_activity_free(f->act);
    f->act = otw_activity_new(MIN, MIN, 60 * MIN, 0, 0, 0);
    uint32_t c = comm(f, 1, 2, 5);
    otw_op op = {.protocol = OTW_PROTO_MODBUS, .function_name = "x"};
    otw_endpoint cl, sv;
    endpoint(&cl, "10.0.0.1", 1);
    endpoint(&sv, "10.0.0.2", 502);
    for (int m = 0; m < 180; m += 10) {
        otw_act_flow a = {.flow = 1};
        otw_act_flow_packet(f->act, &a, c, 0, T0 + (uint64_t)m * MIN, 10);
        otw_act_flow_end(f->act, &a, c, 0);
        op.ts_us = T0 + (uint64_t)m * MIN;
        otw_activity_op(f->act, &op, &cl, &sv, m);
    }
    save(f, T0 + 180 * MIN, false);
    /* kept: buckets from 120 minutes on (180 - 60) */
    assert_int_equal(q1(f, "SELECT count(*) FROM activity"), 6);
    assert_int_equal(q1(f, "SELECT count(*) FROM ops"), 6);
    otw_activity_meta m;
    otw_activity_meta_get(f->store, &m);
    assert_int_equal(m.pruned_rows, 12);
    assert_int_equal(m.ops_pruned, 12);
    assert_int_equal(m.oldest_bucket_us, T0 + 120 * MIN);
    otw_activity_stats st;
    otw_activity_get_stats(f->act, &st);
    assert_int_equal(st.pruned_rows, 12);
    /* not again within 10 minutes, unless forced */
    save(f, T0 + 185 * MIN, false);
    assert_int_equal(q1(f, "SELECT count(*) FROM activity"), 6);
    save(f, T0 + 185 * MIN, true);
    assert_int_equal(q1(f, "SELECT count(*) FROM activity"), 5);

    /* A size cap of 1 byte: everything older than the newest hour goes. */
    otw_activity_free(f->act);
    f->act = otw_activity_new(MIN, MIN, 0, 1, 0, 0);
    save(f, T0 + 200 * MIN, true);
    otw_activity_meta_get(f->store, &m);
    assert_true(m.pruned_rows > 12);
    assert_true(q1(f, "SELECT count(*) FROM activity") < 5);
}

/* A checkpoint rolled back keeps what it would have written: the next one
 * writes it, once. */
static void test_rollback_keeps(void **state)
{
    fixture *f = *state;
    uint32_t c = comm(f, 1, 2, 9);
    otw_act_flow a = {.flow = 1};
    otw_act_flow_packet(f->act, &a, c, 0, T0, 10);
    otw_act_flow_end(f->act, &a, c, 0);
    sqlite3 *db = otw_store_db(f->store);
    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    assert_int_equal(otw_activity_save(f->act, f->store, f->comms, comm_of, f, T0 + MIN, false,
                                       f->err, sizeof(f->err)),
                     0);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    assert_int_equal(q1(f, "SELECT count(*) FROM activity"), 0);
    save(f, T0 + MIN, false);
    assert_int_equal(q1(f, "SELECT packets FROM activity"), 1);
    assert_int_equal(q1(f, "SELECT flows FROM activity"), 1);
}

/* A schema-4 state (before activity): a reader finds nothing and changes
 * nothing; a writer adds the tables and moves it to 5. */
static void test_schema4_migrates(void **state)
{
    fixture *f = *state;
    otw_store_close(f->store);
    f->store = NULL;
    char path[128];
    snprintf(path, sizeof(path), "%s/state.db", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE activity; DROP TABLE ops;"
                                  " UPDATE meta SET value = '4' WHERE key = 'schema_version';"
                                  " INSERT INTO comms(id, client, server) VALUES(1, 'a', 'b');",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    char err[256], v[16];
    otw_store *ro = otw_store_open(f->dir, true, err, sizeof(err));
    assert_non_null(ro);
    rows x = {0};
    assert_int_equal(otw_activity_each(ro, 0, 0, NULL, got_row, &x, err, sizeof(err)), 0);
    assert_int_equal(x.n, 0);
    ops_seen o = {0};
    assert_int_equal(
        otw_ops_each(ro, 0, 0, NULL, NULL, OTW_CLASS_ALL, got_op, &o, err, sizeof(err)), 0);
    assert_int_equal(o.n, 0);
    assert_int_equal(otw_store_meta_get(ro, "schema_version", v, sizeof(v)), 0);
    assert_string_equal(v, "4");
    otw_store_close(ro);
    f->store = otw_store_open(f->dir, false, f->err, sizeof(f->err));
    assert_non_null(f->store);
    assert_int_equal(otw_store_meta_get(f->store, "schema_version", v, sizeof(v)), 0);
    assert_string_equal(v, "5");
    assert_int_equal(q1(f, "SELECT count(*) FROM sqlite_master WHERE name IN ('activity', 'ops')"),
                     2);
    assert_int_equal(q1(f, "SELECT count(*) FROM comms"), 1); /* nothing lost */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_buckets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ops_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ops_aggregated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_keeps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema4_migrates, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
