/* activity.c - activity buckets and the operations index; see activity.h. */
#include "activity.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grow.h"

/* A bucket's counts, waiting for a checkpoint. comm is OTW_COMM_NONE for
 * an entry waiting for its flow (slot) to get a communication. */
typedef struct act_entry {
    uint64_t bucket_us, pkts, bytes;
    uint32_t comm, slot, flows;
} act_entry;

/* An operation, or (routine classes) the operations of one key in one
 * bucket: the first one's fields, how many, the last time and record, the
 * addresses they spanned. */
typedef struct op_entry {
    otw_op op;
    otw_endpoint client, server;
    int64_t record, last_record;
    uint64_t last_ts, bucket_us, addr_end;
    uint32_t count;
    bool written; /* by the last save; leaves at its commit */
} op_entry;

/* Reads, identity and diagnostic reads are what a plant does all day
 * (polling): one row per key and bucket. Every other class (write,
 * control, program, firmware, configuration, authentication, account,
 * other) is a row of its own. */
static bool routine(otw_op_class c)
{
    return c == OTW_CLASS_READ || c == OTW_CLASS_IDENTITY || c == OTW_CLASS_DIAGNOSTIC;
}

struct otw_activity {
    uint64_t bucket_us, retention_us, max_bytes;
    uint64_t routine_us; /* the period routine operations are folded over */
    act_entry *pending;  /* resolved: a communication each */
    uint32_t n, cap;
    act_entry *waiting; /* unresolved: a flow slot each */
    uint32_t n_waiting, cap_waiting;
    op_entry *ops;
    uint32_t n_ops, cap_ops;
    op_entry *agg;       /* routine operations, one per key and bucket */
    uint32_t *agg_slots; /* open addressing: agg index + 1, 0 = free */
    uint32_t n_agg, cap_agg, agg_mask;
    /* what the last save wrote, taken out at otw_activity_committed */
    uint32_t saved_n, saved_ops;
    bool saved;
    uint64_t saved_pruned, saved_ops_pruned, saved_waiting_dropped;
    uint64_t next_prune_us;
    /* meta bookkeeping: what of the counters the state already has */
    uint64_t meta_dropped, meta_dropped_pkts, meta_ops_dropped;
    uint64_t meta_pruned, meta_ops_pruned;
    bool bucket_said;
    otw_activity_stats st;
};

otw_activity *otw_activity_new(uint64_t bucket_us, uint64_t routine_us, uint64_t retention_us,
                               uint64_t max_bytes, uint32_t pending, uint32_t ops_pending)
{
    otw_activity *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->bucket_us = bucket_us ? bucket_us : 60000000u;
    a->routine_us = routine_us ? routine_us : a->bucket_us;
    a->retention_us = retention_us;
    a->max_bytes = max_bytes;
    a->cap = pending ? pending : OTW_ACT_PENDING;
    a->cap_waiting = a->cap / 4 ? a->cap / 4 : 1;
    a->cap_ops = ops_pending ? ops_pending : OTW_ACT_OPS_PENDING;
    a->pending = otw_alloc_table(a->cap, sizeof(act_entry));
    a->waiting = otw_alloc_table(a->cap_waiting, sizeof(act_entry));
    a->ops = otw_alloc_table(a->cap_ops, sizeof(op_entry));
    a->cap_agg = a->cap_ops / 2 ? a->cap_ops / 2 : 1;
    uint32_t slots = 1;
    while (slots < a->cap_agg * 2)
        slots <<= 1;
    a->agg_mask = slots - 1;
    a->agg = otw_alloc_table(a->cap_agg, sizeof(op_entry));
    a->agg_slots = calloc(slots, sizeof(uint32_t));
    if (!a->pending || !a->waiting || !a->ops || !a->agg || !a->agg_slots) {
        otw_activity_free(a);
        return NULL;
    }
    return a;
}

void otw_activity_free(otw_activity *a)
{
    if (!a)
        return;
    free(a->pending);
    free(a->waiting);
    free(a->ops);
    free(a->agg);
    free(a->agg_slots);
    free(a);
}

uint64_t otw_activity_bucket_us(const otw_activity *a)
{
    return a->bucket_us;
}

/* ---- recording -------------------------------------------------------- */

static void dropped(otw_activity *a, const act_entry *e)
{
    a->st.dropped_entries++;
    a->st.dropped_flows += e->flows;
    a->st.dropped_packets += e->pkts;
    a->st.dropped_bytes += e->bytes;
}

static void put(otw_activity *a, const act_entry *e)
{
    if (a->n) { /* the same communication and bucket as the last: one entry */
        act_entry *l = &a->pending[a->n - 1];
        if (l->comm == e->comm && l->bucket_us == e->bucket_us) {
            l->flows += e->flows;
            l->pkts += e->pkts;
            l->bytes += e->bytes;
            return;
        }
    }
    if (a->n >= a->cap) {
        dropped(a, e);
        return;
    }
    a->pending[a->n++] = *e;
}

/* The flow's counts so far, as an entry. */
static void emit(otw_activity *a, otw_act_flow *af, uint32_t comm, uint32_t slot)
{
    if (!af->pkts && !af->flow)
        return;
    act_entry e = {.bucket_us = af->end_us - a->bucket_us,
                   .pkts = af->pkts,
                   .bytes = af->bytes,
                   .comm = comm,
                   .slot = slot,
                   .flows = af->flow};
    af->pkts = 0;
    af->bytes = 0;
    af->flow = 0;
    if (comm != OTW_COMM_NONE) {
        put(a, &e);
        return;
    }
    if (a->n_waiting) {
        act_entry *l = &a->waiting[a->n_waiting - 1];
        if (l->slot == slot && l->bucket_us == e.bucket_us) {
            l->flows += e.flows;
            l->pkts += e.pkts;
            l->bytes += e.bytes;
            return;
        }
    }
    if (a->n_waiting >= a->cap_waiting || af->unresolved == UINT16_MAX) {
        dropped(a, &e);
        return;
    }
    a->waiting[a->n_waiting++] = e;
    af->unresolved++;
}

void otw_act_flow_roll(otw_activity *a, otw_act_flow *af, uint32_t comm, uint32_t slot,
                       uint64_t ts_us)
{
    if (af->end_us)
        emit(a, af, comm, slot);
    af->end_us = ts_us - ts_us % a->bucket_us + a->bucket_us;
}

void otw_act_flow_flush(otw_activity *a, otw_act_flow *af, uint32_t comm, uint32_t slot)
{
    if (comm != OTW_COMM_NONE && af->end_us)
        emit(a, af, comm, slot);
}

/* Waiting entries of a flow: to comm, or dropped as no communication. */
static void resolve_slot(otw_activity *a, uint32_t slot, uint32_t comm)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < a->n_waiting; i++) {
        act_entry *e = &a->waiting[i];
        if (e->slot != slot) {
            a->waiting[k++] = *e;
            continue;
        }
        if (comm == OTW_COMM_NONE) {
            a->st.no_comm_packets += e->pkts;
            continue;
        }
        act_entry r = *e;
        r.comm = comm;
        put(a, &r);
    }
    a->n_waiting = k;
}

void otw_act_flow_end(otw_activity *a, otw_act_flow *af, uint32_t comm, uint32_t slot)
{
    if (af->end_us)
        emit(a, af, comm, slot);
    if (af->unresolved)
        resolve_slot(a, slot, comm);
    memset(af, 0, sizeof(*af));
}

/* Eight bytes at a time (a byte-wise FNV cost ~4% of read on the bench's
 * 309k operations); the table's keys are compared in full on a match. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        uint64_t w = 0;
        size_t k = n < 8 ? n : 8;
        memcpy(&w, b, k);
        h = (h ^ w ^ k) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
        b += k;
        n -= k;
    }
    return h;
}

static uint64_t end_hash(uint64_t h, const otw_endpoint *e)
{
    return e->has_ip ? mix(h, e->ip.b, 16) : e->has_mac ? mix(h, e->mac, 6) : mix(h, "-", 1);
}

static bool same_end(const otw_endpoint *x, const otw_endpoint *y)
{
    if (x->has_ip != y->has_ip || x->has_mac != y->has_mac)
        return false;
    return x->has_ip ? memcmp(x->ip.b, y->ip.b, 16) == 0
                     : !x->has_mac || memcmp(x->mac, y->mac, 6) == 0;
}

/* The key of a routine operation: both ends (addresses, not ports), the
 * protocol, unit, function, class, object, outcome and bucket. */
static uint64_t agg_hash(const otw_op *op, const otw_endpoint *c, const otw_endpoint *s,
                         uint64_t bucket)
{
    uint64_t h = 0xcbf29ce484222325ull;
    h = end_hash(end_hash(h, c), s);
    uint32_t v[6] = {
        op->protocol, op->has_unit ? op->unit + 1u : 0, op->function, op->op_class, op->outcome, 0};
    h = mix(h, v, sizeof(v));
    h = mix(h, op->object, strnlen(op->object, sizeof(op->object)));
    h = mix(h, &bucket, sizeof(bucket));
    h ^= h >> 32; /* the low bits pick the slot */
    return h * 0xBF58476D1CE4E5B9ull ^ (h >> 29);
}

static bool agg_same(const op_entry *e, const otw_op *op, const otw_endpoint *c,
                     const otw_endpoint *s, uint64_t bucket)
{
    const otw_op *o = &e->op;
    return e->bucket_us == bucket && o->protocol == op->protocol && o->has_unit == op->has_unit &&
           (!o->has_unit || o->unit == op->unit) && o->function == op->function &&
           o->op_class == op->op_class && o->outcome == op->outcome &&
           strncmp(o->object, op->object, sizeof(o->object)) == 0 && same_end(&e->client, c) &&
           same_end(&e->server, s);
}

static void entry_of(op_entry *e, const otw_op *op, const otw_endpoint *client,
                     const otw_endpoint *server, int64_t record, uint64_t bucket)
{
    e->op = *op;
    e->client = *client;
    e->server = *server;
    e->record = e->last_record = record;
    e->last_ts = op->ts_us;
    e->bucket_us = bucket;
    e->addr_end = (uint64_t)op->address_start + op->address_count;
    e->count = 1;
    e->written = false;
}

/* Folds a routine operation into its key's entry; false when the table is
 * full (the operation then gets a row of its own). */
static bool aggregate(otw_activity *a, const otw_op *op, const otw_endpoint *client,
                      const otw_endpoint *server, int64_t record)
{
    uint64_t bucket = op->ts_us - op->ts_us % a->routine_us;
    uint64_t h = agg_hash(op, client, server, bucket);
    for (uint32_t i = (uint32_t)h & a->agg_mask;; i = (i + 1) & a->agg_mask) {
        uint32_t k = a->agg_slots[i];
        if (!k) {
            if (a->n_agg >= a->cap_agg)
                return false;
            a->agg_slots[i] = a->n_agg + 1;
            entry_of(&a->agg[a->n_agg++], op, client, server, record, bucket);
            return true;
        }
        op_entry *e = &a->agg[k - 1];
        if (!agg_same(e, op, client, server, bucket))
            continue;
        e->count++;
        if (op->ts_us > e->last_ts)
            e->last_ts = op->ts_us;
        if (record >= 0)
            e->last_record = record;
        if (op->has_address) {
            uint64_t end = (uint64_t)op->address_start + op->address_count;
            if (!e->op.has_address) {
                e->op.has_address = true;
                e->op.address_start = op->address_start;
                e->addr_end = end;
            } else {
                if (op->address_start < e->op.address_start)
                    e->op.address_start = op->address_start;
                if (end > e->addr_end)
                    e->addr_end = end;
            }
        }
        return true;
    }
}

bool otw_activity_op(otw_activity *a, const otw_op *op, const otw_endpoint *client,
                     const otw_endpoint *server, int64_t record)
{
    if (routine(op->op_class) && aggregate(a, op, client, server, record))
        return a->n_agg >= a->cap_agg / 4 * 3;
    if (a->n_ops >= a->cap_ops) {
        a->st.ops_dropped++;
        return true;
    }
    entry_of(&a->ops[a->n_ops++], op, client, server, record, op->ts_us - op->ts_us % a->bucket_us);
    return a->n_ops >= a->cap_ops / 4 * 3;
}

/* After a commit: the written aggregates leave, the slots are rebuilt. */
static void agg_compact(otw_activity *a)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < a->n_agg; i++)
        if (!a->agg[i].written)
            a->agg[k++] = a->agg[i];
    a->n_agg = k;
    memset(a->agg_slots, 0, ((size_t)a->agg_mask + 1) * sizeof(uint32_t));
    for (uint32_t n = 0; n < a->n_agg; n++) {
        const op_entry *e = &a->agg[n];
        uint64_t h = agg_hash(&e->op, &e->client, &e->server, e->bucket_us);
        uint32_t i = (uint32_t)h & a->agg_mask;
        while (a->agg_slots[i])
            i = (i + 1) & a->agg_mask;
        a->agg_slots[i] = n + 1;
    }
}

bool otw_activity_wants_save(const otw_activity *a)
{
    return a->n >= a->cap / 4 * 3 || a->n_waiting >= a->cap_waiting / 4 * 3;
}

/* ---- schema ----------------------------------------------------------- */

int otw_activity_migrate(void *sqlite_db, char **msg)
{
    return sqlite3_exec(
        sqlite_db,
        "CREATE TABLE IF NOT EXISTS activity("
        " comm_id INTEGER NOT NULL, bucket INTEGER NOT NULL, flows INTEGER NOT NULL,"
        " packets INTEGER NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY(comm_id, bucket));"
        "CREATE INDEX IF NOT EXISTS activity_bucket ON activity(bucket);"
        "CREATE TABLE IF NOT EXISTS ops("
        " id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, protocol TEXT NOT NULL,"
        " client_ip TEXT, client_port INTEGER, client_mac TEXT,"
        " server_ip TEXT, server_port INTEGER, server_mac TEXT, unit INTEGER,"
        " function INTEGER, function_name TEXT, class TEXT NOT NULL, object TEXT,"
        " address_start INTEGER, address_count INTEGER, outcome TEXT NOT NULL, exception INTEGER,"
        " response_ts INTEGER, record INTEGER, count INTEGER NOT NULL DEFAULT 1, last_ts INTEGER,"
        " last_record INTEGER);"
        "CREATE INDEX IF NOT EXISTS ops_ts ON ops(ts);"
        "CREATE INDEX IF NOT EXISTS ops_server_ts ON ops(server_ip, ts);"
        "CREATE INDEX IF NOT EXISTS ops_client_ts ON ops(client_ip, ts);"
        "CREATE INDEX IF NOT EXISTS ops_class_ts ON ops(class, ts);",
        NULL, NULL, msg);
}

/* ---- the checkpoint --------------------------------------------------- */

static void fail(char *err, size_t errsz, const char *what, sqlite3 *db)
{
    if (err && errsz)
        snprintf(err, errsz, "%s: %s", what, sqlite3_errmsg(db));
}

static uint64_t meta_u64(sqlite3 *db, const char *key)
{
    sqlite3_stmt *st;
    uint64_t v = 0;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key=?", -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = (uint64_t)strtoull((const char *)sqlite3_column_text(st, 0), NULL, 10);
    sqlite3_finalize(st);
    return v;
}

/* meta key += delta (when delta). */
static int meta_add(sqlite3 *db, const char *key, uint64_t delta)
{
    if (!delta)
        return 0;
    char v[32];
    snprintf(v, sizeof(v), "%llu", (unsigned long long)(meta_u64(db, key) + delta));
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, v, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    return rc;
}

static int by_comm_bucket(const void *x, const void *y)
{
    const act_entry *a = x, *b = y;
    if (a->comm != b->comm)
        return a->comm < b->comm ? -1 : 1;
    return a->bucket_us < b->bucket_us ? -1 : a->bucket_us > b->bucket_us;
}

/* One entry per communication and bucket: the flows of a communication
 * flushed at a checkpoint come apart in the array; one upsert each. */
static void merge_entries(otw_activity *a)
{
    if (a->n < 2)
        return;
    qsort(a->pending, a->n, sizeof(act_entry), by_comm_bucket);
    uint32_t k = 0;
    for (uint32_t i = 1; i < a->n; i++) {
        act_entry *l = &a->pending[k], *e = &a->pending[i];
        if (l->comm == e->comm && l->bucket_us == e->bucket_us) {
            l->flows += e->flows;
            l->pkts += e->pkts;
            l->bytes += e->bytes;
        } else {
            a->pending[++k] = *e;
        }
    }
    a->n = k + 1;
}

static int save_entries(otw_activity *a, sqlite3 *db, otw_comms *comms)
{
    merge_entries(a);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO activity(comm_id, bucket, flows, packets, bytes)"
                           " VALUES(?,?,?,?,?) ON CONFLICT(comm_id, bucket) DO UPDATE SET"
                           " flows = flows + excluded.flows, packets = packets + excluded.packets,"
                           " bytes = bytes + excluded.bytes",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = 0;
    for (uint32_t i = 0; i < a->n && rc == 0; i++) {
        const act_entry *e = &a->pending[i];
        const otw_comm *c = otw_comms_at(comms, e->comm);
        if (!c || !c->store_id)
            continue; /* never: comms are saved first */
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, c->store_id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)e->bucket_us);
        sqlite3_bind_int64(st, 3, e->flows);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)e->pkts);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)e->bytes);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    return rc;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v, bool has)
{
    if (has)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void bind_endpoint(sqlite3_stmt *st, int col, const otw_endpoint *e)
{
    char buf[64];
    bind_text_or_null(st, col, e->has_ip ? otw_addr_str(&e->ip, buf, sizeof(buf)) : NULL,
                      e->has_ip);
    sqlite3_bind_int(st, col + 1, e->port);
    bind_text_or_null(st, col + 2, e->has_mac ? otw_mac_str(e->mac, buf, sizeof(buf)) : NULL,
                      e->has_mac);
}

/* Rows for arr[0..n): all of them, or (due_before) the aggregates of
 * buckets that ended by then; each written one is marked. */
static int save_op_rows(otw_activity *a, sqlite3 *db, op_entry *arr, uint32_t n, bool all,
                        uint64_t due_before)
{
    if (!n)
        return 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(
            db,
            "INSERT INTO ops(ts, protocol, client_ip, client_port, client_mac, server_ip,"
            " server_port, server_mac, unit, function, function_name, class, object, address_start,"
            " address_count, outcome, exception, response_ts, record, count, last_ts,"
            " last_record) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        op_entry *e = &arr[i];
        e->written = false;
        if (!all && e->bucket_us + a->routine_us > due_before)
            continue;
        const otw_op *op = &e->op;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)op->ts_us);
        sqlite3_bind_text(st, 2, otw_proto_name(op->protocol), -1, SQLITE_STATIC);
        bind_endpoint(st, 3, &e->client);
        bind_endpoint(st, 6, &e->server);
        if (op->has_unit)
            sqlite3_bind_int64(st, 9, op->unit);
        sqlite3_bind_int(st, 10, op->function);
        sqlite3_bind_text(st, 11, op->function_name ? op->function_name : "Unknown", -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(st, 12, otw_class_name(op->op_class), -1, SQLITE_STATIC);
        bind_text_or_null(st, 13, op->object, op->object[0] != 0);
        if (op->has_address) {
            sqlite3_bind_int64(st, 14, op->address_start);
            sqlite3_bind_int64(st, 15, (sqlite3_int64)(e->addr_end - op->address_start));
        }
        sqlite3_bind_text(st, 16, otw_outcome_name(op->outcome), -1, SQLITE_STATIC);
        if (op->outcome == OTW_OUTCOME_EXCEPTION)
            sqlite3_bind_int(st, 17, op->exception_code);
        if (op->response_ts_us)
            sqlite3_bind_int64(st, 18, (sqlite3_int64)op->response_ts_us);
        if (e->record >= 0)
            sqlite3_bind_int64(st, 19, e->record);
        sqlite3_bind_int64(st, 20, e->count);
        sqlite3_bind_int64(st, 21, (sqlite3_int64)e->last_ts);
        if (e->last_record >= 0)
            sqlite3_bind_int64(st, 22, e->last_record);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        e->written = rc == 0;
    }
    sqlite3_finalize(st);
    return rc;
}

/* The operations (all) and the aggregates (all, or those due by now_us). */
static int save_ops(otw_activity *a, sqlite3 *db, bool all_agg, uint64_t now_us)
{
    return save_op_rows(a, db, a->ops, a->n_ops, true, 0) == 0 &&
                   save_op_rows(a, db, a->agg, a->n_agg, all_agg, now_us) == 0
               ? 0
               : -1;
}

static uint64_t agg_written(const otw_activity *a, uint64_t *ops)
{
    uint64_t rows = 0;
    for (uint32_t i = 0; i < a->n_agg; i++)
        if (a->agg[i].written) {
            rows++;
            *ops += a->agg[i].count;
        }
    return rows;
}

static int64_t scalar(sqlite3 *db, const char *sql, bool *null)
{
    sqlite3_stmt *st;
    int64_t v = 0;
    *null = true;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        v = sqlite3_column_int64(st, 0);
        *null = false;
    }
    sqlite3_finalize(st);
    return v;
}

static int delete_before(sqlite3 *db, const char *table, const char *col, uint64_t before_us,
                         uint64_t *count)
{
    char sql[96];
    snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE %s < ?", table, col);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)before_us);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    if (rc == 0)
        *count += (uint64_t)sqlite3_changes(db);
    sqlite3_finalize(st);
    return rc;
}

/* Estimated bytes of a row, with its share of the indexes. */
#define ACT_ROW_BYTES 88u
#define OPS_ROW_BYTES 256u

/* Rows of a rowid table, estimated from its rowid span (cheap on any size:
 * rows are appended and pruned oldest first). */
/* Rows of a table: an upper bound from its rowid span (cheap at any size),
 * or (exact) counted. Rows are not pruned in rowid order (folded operations
 * are written after the ones around them), so once the bound is over the
 * cap the pruning counts. */
static uint64_t est_rows(sqlite3 *db, const char *table, bool exact)
{
    char sql[96];
    bool null;
    snprintf(sql, sizeof(sql),
             exact ? "SELECT count(*) FROM %s" : "SELECT max(rowid) - min(rowid) + 1 FROM %s",
             table);
    int64_t v = scalar(db, sql, &null);
    return null || v < 0 ? 0 : (uint64_t)v;
}

static int prune(otw_activity *a, sqlite3 *db, uint64_t now_us, uint64_t *pruned,
                 uint64_t *ops_pruned)
{
    if (a->retention_us && now_us > a->retention_us) {
        uint64_t before = now_us - a->retention_us;
        if (delete_before(db, "activity", "bucket", before, pruned) != 0 ||
            delete_before(db, "ops", "ts", before, ops_pruned) != 0)
            return -1;
    }
    /* Over the cap: the oldest go, both tables from the same time, in steps. */
    for (int round = 0; a->max_bytes && round < 16; round++) {
        uint64_t size = est_rows(db, "activity", false) * ACT_ROW_BYTES +
                        est_rows(db, "ops", false) * OPS_ROW_BYTES;
        if (size > a->max_bytes)
            size = est_rows(db, "activity", true) * ACT_ROW_BYTES +
                   est_rows(db, "ops", true) * OPS_ROW_BYTES;
        if (size <= a->max_bytes)
            break;
        bool na, no, xa, xo;
        int64_t oa = scalar(db, "SELECT min(bucket) FROM activity", &na);
        int64_t oo = scalar(db, "SELECT min(ts) FROM ops", &no);
        int64_t ea = scalar(db, "SELECT max(bucket) FROM activity", &xa);
        int64_t eo = scalar(db, "SELECT max(ts) FROM ops", &xo);
        if (na && no)
            break;
        int64_t oldest = na ? oo : no ? oa : (oa < oo ? oa : oo);
        int64_t newest = xa ? eo : xo ? ea : (ea > eo ? ea : eo);
        /* the share over the cap of the time held, at least an hour */
        double over = (double)(size - a->max_bytes) / (double)size;
        int64_t step = (int64_t)((double)(newest - oldest) * over) + 1;
        if (step < 3600ll * 1000000)
            step = 3600ll * 1000000;
        if (delete_before(db, "activity", "bucket", (uint64_t)(oldest + step), pruned) != 0 ||
            delete_before(db, "ops", "ts", (uint64_t)(oldest + step), ops_pruned) != 0)
            return -1;
    }
    return 0;
}

int otw_activity_save(otw_activity *a, otw_store *store, otw_comms *comms, otw_act_comm_of comm_of,
                      void *ctx, uint64_t now_us, bool force_prune, char *err, size_t errsz)
{
    sqlite3 *db = otw_store_db(store);
    /* Waiting entries whose flow has a communication now. */
    if (comm_of && a->n_waiting) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < a->n_waiting; i++) {
            act_entry e = a->waiting[i];
            uint32_t c = comm_of(ctx, e.slot);
            if (c == OTW_COMM_NONE) {
                a->waiting[k++] = e;
                continue;
            }
            e.comm = c;
            put(a, &e);
        }
        a->n_waiting = k;
    }
    a->saved = false;
    if (save_entries(a, db, comms) != 0) {
        fail(err, errsz, "activity", db);
        return -1;
    }
    if (save_ops(a, db, force_prune, now_us) != 0) {
        fail(err, errsz, "operations index", db);
        return -1;
    }
    uint64_t pruned = 0, ops_pruned = 0;
    if (force_prune || now_us >= a->next_prune_us) {
        if (prune(a, db, now_us, &pruned, &ops_pruned) != 0) {
            fail(err, errsz, "activity pruning", db);
            return -1;
        }
    }
    char bucket[32];
    char routine[32];
    snprintf(bucket, sizeof(bucket), "%llu", (unsigned long long)a->bucket_us);
    snprintf(routine, sizeof(routine), "%llu", (unsigned long long)a->routine_us);
    if (meta_add(db, "activity_dropped", a->st.dropped_entries - a->meta_dropped) != 0 ||
        meta_add(db, "activity_dropped_packets", a->st.dropped_packets - a->meta_dropped_pkts) !=
            0 ||
        meta_add(db, "ops_dropped", a->st.ops_dropped - a->meta_ops_dropped) != 0 ||
        meta_add(db, "activity_pruned", pruned) != 0 ||
        meta_add(db, "ops_pruned", ops_pruned) != 0 ||
        (!a->bucket_said && (otw_store_meta_set(store, "activity_bucket_us", bucket) != 0 ||
                             otw_store_meta_set(store, "ops_routine_us", routine) != 0))) {
        fail(err, errsz, "activity counters", db);
        return -1;
    }
    a->saved = true;
    a->saved_n = a->n;
    a->saved_ops = a->n_ops;
    a->saved_pruned = pruned;
    a->saved_ops_pruned = ops_pruned;
    if (force_prune || now_us >= a->next_prune_us)
        a->next_prune_us = now_us + OTW_ACT_PRUNE_EVERY_US;
    return 0;
}

int otw_activity_save_ops(otw_activity *a, otw_store *store, char *err, size_t errsz)
{
    sqlite3 *db = otw_store_db(store);
    if (!a->n_ops && !a->n_agg)
        return 0;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        fail(err, errsz, "operations index", db);
        return -1;
    }
    if (save_ops(a, db, true, 0) != 0 ||
        meta_add(db, "ops_dropped", a->st.ops_dropped - a->meta_ops_dropped) != 0) {
        fail(err, errsz, "operations index", db);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fail(err, errsz, "operations index", db);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    a->st.ops_written += a->n_ops;
    a->st.ops_rows += a->n_ops + agg_written(a, &a->st.ops_written);
    a->n_ops = 0;
    agg_compact(a);
    a->meta_ops_dropped = a->st.ops_dropped;
    return 0;
}

void otw_activity_committed(otw_activity *a)
{
    if (!a->saved)
        return;
    a->saved = false;
    a->st.entries_written += a->saved_n;
    a->st.ops_written += a->saved_ops;
    a->st.ops_rows += a->saved_ops + agg_written(a, &a->st.ops_written);
    agg_compact(a);
    a->st.pruned_rows += a->saved_pruned;
    a->st.ops_pruned += a->saved_ops_pruned;
    /* nothing runs between the save and its commit: all of it was written */
    a->n = 0;
    a->n_ops = 0;
    a->meta_dropped = a->st.dropped_entries;
    a->meta_dropped_pkts = a->st.dropped_packets;
    a->meta_ops_dropped = a->st.ops_dropped;
    a->bucket_said = true;
}

void otw_activity_get_stats(const otw_activity *a, otw_activity_stats *st)
{
    *st = a->st;
    st->pending = a->n + a->n_waiting;
    st->ops_pending = a->n_ops + a->n_agg;
    st->waiting = a->n_waiting;
}

/* ---- queries ---------------------------------------------------------- */

static bool has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st;
    bool found = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", -1, &st,
                           NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

static const char *text(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    return v ? v : "";
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

int otw_activity_each(otw_store *store, uint64_t from_us, uint64_t to_us,
                      const otw_activity_filter *filter,
                      int (*fn)(void *ctx, const otw_activity_row *r), void *ctx, char *err,
                      size_t errsz)
{
    sqlite3 *db = otw_store_db(store);
    if (!has_table(db, "activity"))
        return 0;
    otw_activity_filter none = {0};
    if (!filter)
        filter = &none;
    uint64_t blen = meta_u64(db, "activity_bucket_us");
    if (!blen)
        blen = 60000000u;
    uint64_t per = filter->per_us;
    /* A bucket [b, b + blen) overlaps the window when b > from - blen. */
    uint64_t lo = from_us >= blen ? from_us - blen + 1 : 0;
    uint64_t hi = to_us ? to_us : (uint64_t)INT64_MAX;
    sqlite3_stmt *st;
    /* One communication: its rows by the primary key (comm_id, bucket), not
     * every row of the window. */
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "SELECT a.comm_id, c.client, c.server, c.proto_key, coalesce(p.name, ''),"
             " c.server_port, c.transport, CASE WHEN ?1 > 0 THEN a.bucket - a.bucket %% ?1"
             " ELSE a.bucket END AS slot, sum(a.flows), sum(a.packets), sum(a.bytes)"
             " FROM activity a JOIN comms c ON c.id = a.comm_id"
             " LEFT JOIN protocols p ON p.key = c.proto_key"
             " WHERE %sa.bucket >= ?2 AND a.bucket < ?3 AND (?4 IS NULL OR c.client = ?4)"
             " AND (?5 IS NULL OR c.server = ?5) AND (?6 IS NULL OR c.client = ?6 OR c.server = ?6)"
             " GROUP BY slot, a.comm_id ORDER BY slot, a.comm_id",
             filter->comm_id > 0 ? "a.comm_id = ?7 AND " : "");
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fail(err, errsz, "activity query", db);
        return -1;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)per);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)lo);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)hi);
    bind_opt(st, 4, filter->client);
    bind_opt(st, 5, filter->server);
    bind_opt(st, 6, filter->host);
    if (filter->comm_id > 0)
        sqlite3_bind_int64(st, 7, filter->comm_id);
    int rc = 0, step;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        otw_activity_row r = {
            .comm_id = sqlite3_column_int64(st, 0),
            .client = text(st, 1),
            .server = text(st, 2),
            .proto_key = (uint16_t)sqlite3_column_int(st, 3),
            .protocol = text(st, 4),
            .server_port = (uint16_t)sqlite3_column_int(st, 5),
            .transport = (uint8_t)sqlite3_column_int(st, 6),
            .start_us = (uint64_t)sqlite3_column_int64(st, 7),
            .flows = (uint64_t)sqlite3_column_int64(st, 8),
            .pkts = (uint64_t)sqlite3_column_int64(st, 9),
            .bytes = (uint64_t)sqlite3_column_int64(st, 10),
        };
        rc = fn(ctx, &r);
    }
    if (rc == 0 && step != SQLITE_DONE) {
        fail(err, errsz, "activity query", db);
        rc = -1;
    }
    sqlite3_finalize(st);
    return rc;
}

int otw_class_set_parse(const char *list, uint32_t *set, const char **bad)
{
    *set = 0;
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int found = -1;
        for (int c = 0; c < OTW_CLASS__COUNT && found < 0; c++) {
            const char *name = otw_class_name((otw_op_class)c);
            if (strlen(name) == len && strncasecmp(name, p, len) == 0)
                found = c;
        }
        if (found < 0 && len) {
            if (bad)
                *bad = p;
            return -1;
        }
        if (found >= 0)
            *set |= OTW_CLASS_BIT(found);
        p += len + (end ? 1 : 0);
    }
    return 0;
}

int otw_ops_each(otw_store *store, uint64_t from_us, uint64_t to_us, const char *controller_ip,
                 const char *client_ip, uint32_t classes, int (*fn)(void *ctx, const otw_op_row *r),
                 void *ctx, char *err, size_t errsz)
{
    sqlite3 *db = otw_store_db(store);
    if (!has_table(db, "ops"))
        return 0;
    /* The class set as a list the (class, ts) index can serve. */
    char in[512] = "";
    size_t len = 0;
    if ((classes & OTW_CLASS_ALL) != OTW_CLASS_ALL) {
        len += (size_t)snprintf(in, sizeof(in), " AND class IN (''");
        for (int c = 0; c < OTW_CLASS__COUNT; c++)
            if (classes & OTW_CLASS_BIT(c))
                len += (size_t)snprintf(in + len, sizeof(in) - len, ",'%s'",
                                        otw_class_name((otw_op_class)c));
        snprintf(in + len, sizeof(in) - len, ")");
    }
    char sql[1400];
    snprintf(sql, sizeof(sql),
             "SELECT id, ts, response_ts, protocol, coalesce(function_name, ''), class,"
             " coalesce(object, ''), outcome, coalesce(client_ip, ''), coalesce(server_ip, ''),"
             " coalesce(client_mac, ''), coalesce(server_mac, ''), client_port, server_port, unit,"
             " function, address_start, address_count, exception, record, count,"
             " coalesce(last_ts, ts), last_record FROM ops"
             " WHERE ts >= ?5 AND ts < ?2 AND coalesce(last_ts, ts) >= ?1%s%s%s"
             " ORDER BY ts, id",
             controller_ip ? " AND server_ip = ?3" : "", client_ip ? " AND client_ip = ?4" : "",
             in);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fail(err, errsz, "operations query", db);
        return -1;
    }
    /* An aggregated row spans at most a bucket: one that began up to a
     * bucket before from_us may reach into the window. */
    uint64_t blen = meta_u64(db, "ops_routine_us");
    if (!blen)
        blen = 3600000000u;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)from_us);
    sqlite3_bind_int64(st, 2, to_us ? (sqlite3_int64)to_us : INT64_MAX);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)(from_us > blen ? from_us - blen : 0));
    if (controller_ip)
        sqlite3_bind_text(st, 3, controller_ip, -1, SQLITE_STATIC);
    if (client_ip)
        sqlite3_bind_text(st, 4, client_ip, -1, SQLITE_STATIC);
    int rc = 0, step;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        otw_op_row r = {
            .id = sqlite3_column_int64(st, 0),
            .ts_us = (uint64_t)sqlite3_column_int64(st, 1),
            .response_ts_us = (uint64_t)sqlite3_column_int64(st, 2),
            .protocol = text(st, 3),
            .function_name = text(st, 4),
            .op_class = text(st, 5),
            .object = text(st, 6),
            .outcome = text(st, 7),
            .client_ip = text(st, 8),
            .server_ip = text(st, 9),
            .client_mac = text(st, 10),
            .server_mac = text(st, 11),
            .client_port = (uint16_t)sqlite3_column_int(st, 12),
            .server_port = (uint16_t)sqlite3_column_int(st, 13),
            .has_unit = sqlite3_column_type(st, 14) != SQLITE_NULL,
            .unit = (uint32_t)sqlite3_column_int64(st, 14),
            .function = (uint32_t)sqlite3_column_int64(st, 15),
            .has_address = sqlite3_column_type(st, 16) != SQLITE_NULL,
            .address_start = (uint32_t)sqlite3_column_int64(st, 16),
            .address_count = (uint32_t)sqlite3_column_int64(st, 17),
            .has_exception = sqlite3_column_type(st, 18) != SQLITE_NULL,
            .exception = (uint32_t)sqlite3_column_int64(st, 18),
            .record =
                sqlite3_column_type(st, 19) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 19),
            .count = (uint64_t)sqlite3_column_int64(st, 20),
            .last_ts_us = (uint64_t)sqlite3_column_int64(st, 21),
            .last_record =
                sqlite3_column_type(st, 22) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 22),
        };
        rc = fn(ctx, &r);
    }
    if (rc == 0 && step != SQLITE_DONE) {
        fail(err, errsz, "operations query", db);
        rc = -1;
    }
    sqlite3_finalize(st);
    return rc;
}

int otw_activity_meta_get(otw_store *store, otw_activity_meta *m)
{
    sqlite3 *db = otw_store_db(store);
    memset(m, 0, sizeof(*m));
    m->bucket_us = meta_u64(db, "activity_bucket_us");
    m->pruned_rows = meta_u64(db, "activity_pruned");
    m->ops_pruned = meta_u64(db, "ops_pruned");
    m->dropped_entries = meta_u64(db, "activity_dropped");
    m->dropped_packets = meta_u64(db, "activity_dropped_packets");
    m->ops_dropped = meta_u64(db, "ops_dropped");
    bool null;
    if (has_table(db, "activity"))
        m->oldest_bucket_us = (uint64_t)scalar(db, "SELECT min(bucket) FROM activity", &null);
    if (has_table(db, "ops"))
        m->oldest_op_us = (uint64_t)scalar(db, "SELECT min(ts) FROM ops", &null);
    return 0;
}
