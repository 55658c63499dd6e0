/* store.c - SQLite state store; see store.h. */
#include "store.h"

#include "activity.h"
#include "chain.h"
#include "coverage.h"
#include "jsonw.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct otw_store {
    sqlite3 *db;
    const char *vlan_col;  /* "vlan", or "0" when reading a schema-1 state */
    otw_chain alert_chain; /* writer: the head as of the last checkpoint's writes */
    otw_store_hook hook;   /* more rows in the checkpoint's transaction */
    void *hook_ctx;
};

static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS protocols(key INTEGER PRIMARY KEY, name TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS assets("
    " id INTEGER PRIMARY KEY, mac TEXT, vendor TEXT, ips TEXT NOT NULL, ip_confirmed INTEGER,"
    " evidence INTEGER NOT NULL, protos_client TEXT NOT NULL, protos_server TEXT NOT NULL,"
    " id_source TEXT, id_vendor TEXT, id_product TEXT, id_product_code TEXT, id_model TEXT,"
    " id_revision TEXT, id_serial TEXT, id_name TEXT,"
    " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, packets INTEGER, bytes INTEGER,"
    " id_device_type TEXT, id_detail TEXT, id_vendor_id INTEGER, vlan INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS comms("
    " id INTEGER PRIMARY KEY, client TEXT NOT NULL, server TEXT NOT NULL, proto_key INTEGER,"
    " server_port INTEGER, transport INTEGER, first_seen INTEGER, last_seen INTEGER,"
    " flows INTEGER, packets INTEGER, bytes INTEGER, vlan INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS alerts("
    " id INTEGER PRIMARY KEY, type TEXT NOT NULL, severity TEXT NOT NULL, key TEXT,"
    " first_seen INTEGER, last_seen INTEGER, count INTEGER,"
    " src_ip TEXT, src_mac TEXT, src_port INTEGER, dst_ip TEXT, dst_mac TEXT, dst_port INTEGER,"
    " protocol TEXT, technique TEXT, message TEXT);"
    "CREATE TABLE IF NOT EXISTS acceptances("
    " id INTEGER PRIMARY KEY, alert_id INTEGER NOT NULL, accepted_at INTEGER NOT NULL,"
    " reason TEXT, applied INTEGER NOT NULL DEFAULT 0, type TEXT, summary TEXT);"
    /* Every write of an alert row, append-only and hash-chained (chain.h). */
    "CREATE TABLE IF NOT EXISTS alert_chain("
    " seq INTEGER PRIMARY KEY, alert_id INTEGER NOT NULL, count INTEGER, last_seen INTEGER,"
    " link BLOB NOT NULL);";

static void set_err(char *err, size_t errsz, const char *what, sqlite3 *db)
{
    if (err && errsz)
        snprintf(err, errsz, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    return v ? v : "";
}

static bool has_column(sqlite3 *db, const char *table, const char *column)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", table);
    sqlite3_stmt *st;
    bool found = false;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return false;
    while (!found && sqlite3_step(st) == SQLITE_ROW)
        found = strcmp(col_text(st, 1), column) == 0;
    sqlite3_finalize(st);
    return found;
}

/* Brings a schema-1 state up to date: assets and communications gain their
 * VLAN (0 for those recorded before). */
static int migrate(sqlite3 *db, char **msg)
{
    static const char *const tables[] = {"assets", "comms"};
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        if (has_column(db, tables[i], "vlan"))
            continue;
        char sql[96];
        snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN vlan INTEGER NOT NULL DEFAULT 0",
                 tables[i]);
        int rc = sqlite3_exec(db, sql, NULL, NULL, msg);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

/* --- the alert chain (chain.h) ---------------------------------------- */

#define ALERT_CHAIN_META "chain_alerts"
#define ALERT_CHAIN_TAG "otwatch alert v1"

/* One record of the alert chain: the event's sequence number, the alert
 * row's columns that do not change after it is raised, and the count and
 * last time the event recorded. The same query serves the writer (one
 * seq) and `verify` (all): what is hashed is what is stored, read back. */
#define ALERT_CHAIN_SELECT                                                                         \
    "SELECT e.seq, a.id, a.type, a.severity, a.key, a.first_seen, a.src_ip, a.src_mac,"            \
    " a.src_port, a.dst_ip, a.dst_mac, a.dst_port, a.protocol, a.technique, a.message,"            \
    " e.count, e.last_seen, e.link, e.alert_id FROM alert_chain e"                                 \
    " LEFT JOIN alerts a ON a.id = e.alert_id"
#define ALERT_CHAIN_COLS 17 /* hashed: columns 0..16 */

static void hash_alert_event(const otw_chain *c, sqlite3_stmt *st, otw_chain *out,
                             uint8_t link[OTW_CHAIN_LINK])
{
    otw_chain_rec r;
    *out = *c;
    otw_chain_begin(c, &r);
    otw_chain_rec_text(&r, ALERT_CHAIN_TAG, strlen(ALERT_CHAIN_TAG));
    for (int i = 0; i < ALERT_CHAIN_COLS; i++) {
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_NULL:
            otw_chain_rec_null(&r);
            break;
        case SQLITE_INTEGER:
            otw_chain_rec_int(&r, sqlite3_column_int64(st, i));
            break;
        default: { /* text (a real or a blob put there by hand: as its bytes) */
            const char *t = (const char *)sqlite3_column_text(st, i);
            otw_chain_rec_text(&r, t ? t : "", (size_t)sqlite3_column_bytes(st, i));
        }
        }
    }
    otw_chain_end(out, &r, link);
}

typedef struct chain_stmts {
    sqlite3_stmt *ins, *sel, *upd;
} chain_stmts;

static void chain_stmts_free(chain_stmts *c)
{
    sqlite3_finalize(c->ins);
    sqlite3_finalize(c->sel);
    sqlite3_finalize(c->upd);
}

static int chain_stmts_prepare(sqlite3 *db, chain_stmts *c)
{
    memset(c, 0, sizeof(*c));
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO alert_chain(alert_id, count, last_seen, link)"
                           " VALUES(?, ?, ?, zeroblob(32))",
                           -1, &c->ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, ALERT_CHAIN_SELECT " WHERE e.seq = ?", -1, &c->sel, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE alert_chain SET link = ? WHERE seq = ?", -1, &c->upd,
                           NULL) != SQLITE_OK) {
        chain_stmts_free(c);
        return -1;
    }
    return 0;
}

/* Appends one event for the alert row id as it now stands. */
static int chain_alert(otw_store *s, chain_stmts *c, int64_t id, int64_t count, int64_t last_us)
{
    sqlite3_reset(c->ins);
    sqlite3_bind_int64(c->ins, 1, id);
    sqlite3_bind_int64(c->ins, 2, count);
    sqlite3_bind_int64(c->ins, 3, last_us);
    if (sqlite3_step(c->ins) != SQLITE_DONE)
        return -1;
    int64_t seq = sqlite3_last_insert_rowid(s->db);
    sqlite3_reset(c->sel);
    sqlite3_bind_int64(c->sel, 1, seq);
    if (sqlite3_step(c->sel) != SQLITE_ROW)
        return -1;
    uint8_t link[OTW_CHAIN_LINK];
    hash_alert_event(&s->alert_chain, c->sel, &s->alert_chain, link);
    sqlite3_reset(c->sel);
    sqlite3_reset(c->upd);
    sqlite3_bind_blob(c->upd, 1, link, sizeof(link), SQLITE_TRANSIENT);
    sqlite3_bind_int64(c->upd, 2, seq);
    return sqlite3_step(c->upd) == SQLITE_DONE ? 0 : -1;
}

static int save_alert_head(otw_store *s)
{
    char v[128];
    otw_chain_format(&s->alert_chain, v, sizeof(v));
    return otw_store_meta_set(s, ALERT_CHAIN_META, v);
}

/* The writer's head, from the state; a state without one (new, or written
 * before schema 3) has its stored alerts chained now, as they are. */
static int load_alert_chain(otw_store *s, char **msg)
{
    char v[128];
    otw_chain_init(&s->alert_chain);
    if (otw_store_meta_get(s, ALERT_CHAIN_META, v, sizeof(v)) == 0) {
        if (otw_chain_parse(v, &s->alert_chain) == 0)
            return SQLITE_OK;
        *msg = sqlite3_mprintf("the alert chain's head in the state is unreadable ('%s')", v);
        return SQLITE_CORRUPT;
    }
    chain_stmts c;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, msg);
    if (rc != SQLITE_OK)
        return rc;
    rc = chain_stmts_prepare(s->db, &c) == 0 &&
                 sqlite3_prepare_v2(s->db, "SELECT id, count, last_seen FROM alerts ORDER BY id",
                                    -1, &st, NULL) == SQLITE_OK
             ? SQLITE_OK
             : SQLITE_ERROR;
    /* Another table than the one written: stepping while inserting is safe. */
    while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        if (chain_alert(s, &c, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                        sqlite3_column_int64(st, 2)) != 0)
            rc = SQLITE_ERROR;
    sqlite3_finalize(st);
    chain_stmts_free(&c);
    if (rc == SQLITE_OK && save_alert_head(s) != 0)
        rc = SQLITE_ERROR;
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, msg);
    if (rc != SQLITE_OK) {
        if (!*msg)
            *msg = sqlite3_mprintf("chaining the stored alerts: %s", sqlite3_errmsg(s->db));
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        otw_chain_init(&s->alert_chain);
    }
    return rc;
}

/* Schema 4, its own step: the coverage tables (coverage.h), created in a
 * state from before them. Independent of the other steps' order. */
static int migrate_coverage(sqlite3 *db, char **msg)
{
    return otw_coverage_migrate(db, msg);
}

/* Schema 5, its own step: the activity buckets and the operations index
 * (activity.h). */
static int migrate_activity(sqlite3 *db, char **msg)
{
    return otw_activity_migrate(db, msg);
}

otw_store *otw_store_open(const char *dir, bool readonly, char *err, size_t errsz)
{
    /* SQLite's allocation statistics take a global mutex around every
     * allocation; nothing reads them. Only possible before SQLite starts:
     * later calls are refused, harmlessly. */
    static bool configured;
    if (!configured) {
        configured = true;
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    }
    char path[1024];
    if (snprintf(path, sizeof(path), "%s/%s", dir, OTW_STORE_FILE) >= (int)sizeof(path)) {
        snprintf(err, errsz, "state directory path too long");
        return NULL;
    }
    if (readonly) {
        struct stat st;
        if (stat(path, &st) != 0) {
            snprintf(err, errsz, "no state in %s (%s): run `otwatch read` or `otwatch run` first",
                     dir, strerror(errno));
            return NULL;
        }
    }
    otw_store *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    /* One thread uses a store (the console's server is single-threaded):
     * SQLite's own locking per call is not needed. */
    int flags = SQLITE_OPEN_NOMUTEX |
                (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        set_err(err, errsz, path, s->db);
        otw_store_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, 5000);
    if (!readonly) {
        char *msg = NULL;
        if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
                         &msg) != SQLITE_OK ||
            sqlite3_exec(s->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK ||
            migrate(s->db, &msg) != SQLITE_OK || migrate_coverage(s->db, &msg) != SQLITE_OK ||
            migrate_activity(s->db, &msg) != SQLITE_OK || load_alert_chain(s, &msg) != SQLITE_OK) {
            snprintf(err, errsz, "%s: %s", path, msg ? msg : "cannot initialise");
            sqlite3_free(msg);
            otw_store_close(s);
            return NULL;
        }
        char v[32];
        if (otw_store_meta_get(s, "schema_version", v, sizeof(v)) != 0 ||
            atoi(v) < OTW_STORE_SCHEMA_VERSION) {
            snprintf(v, sizeof(v), "%d", OTW_STORE_SCHEMA_VERSION);
            otw_store_meta_set(s, "schema_version", v);
        } else if (atoi(v) > OTW_STORE_SCHEMA_VERSION) {
            snprintf(err, errsz, "%s: schema version %s is newer than this otwatch (%d)", path, v,
                     OTW_STORE_SCHEMA_VERSION);
            otw_store_close(s);
            return NULL;
        }
    } else {
        /* A read-only reader must still see a valid database, and not
         * misread a newer layout. */
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key='schema_version'", -1, &st,
                               NULL) != SQLITE_OK) {
            set_err(err, errsz, path, s->db);
            sqlite3_finalize(st);
            otw_store_close(s);
            return NULL;
        }
        if (sqlite3_step(st) == SQLITE_ROW && atoi(col_text(st, 0)) > OTW_STORE_SCHEMA_VERSION) {
            snprintf(err, errsz, "%s: schema version %s is newer than this otwatch (%d)", path,
                     col_text(st, 0), OTW_STORE_SCHEMA_VERSION);
            sqlite3_finalize(st);
            otw_store_close(s);
            return NULL;
        }
        sqlite3_finalize(st);
    }
    /* A read-only schema 1 has none: read as untagged. */
    s->vlan_col =
        has_column(s->db, "comms", "vlan") && has_column(s->db, "assets", "vlan") ? "vlan" : "0";
    return s;
}

void otw_store_close(otw_store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}

int otw_store_meta_set(otw_store *s, const char *key, const char *value)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    return rc;
}

int otw_store_meta_get(otw_store *s, const char *key, char *buf, size_t bufsz)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key=?", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    int rc = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        snprintf(buf, bufsz, "%s", v ? v : "");
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

const char *otw_store_proto_name(otw_store *s, uint16_t key, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, "proto-%u", key);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT name FROM protocols WHERE key=?", -1, &st, NULL) !=
        SQLITE_OK)
        return buf;
    sqlite3_bind_int(st, 1, key);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (v)
            snprintf(buf, bufsz, "%s", v);
    }
    sqlite3_finalize(st);
    return buf;
}

/* --- small text encodings for lists ---------------------------------- */

static void keys_to_text(const uint16_t *keys, int n, char *out, size_t outsz)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < n && len + 8 < outsz; i++)
        len += (size_t)snprintf(out + len, outsz - len, "%s%u", i ? "," : "", keys[i]);
}

static uint8_t text_to_keys(const char *s, uint16_t *keys, int max)
{
    uint8_t n = 0;
    while (s && *s && n < max) {
        char *end;
        unsigned long v = strtoul(s, &end, 10);
        if (end == s)
            break;
        keys[n++] = (uint16_t)v;
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}

static void ips_to_text(const otw_asset *a, char *out, size_t outsz)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < a->n_ips && len + 48 < outsz; i++) {
        char b[64];
        len += (size_t)snprintf(out + len, outsz - len, "%s%s", i ? "," : "",
                                otw_addr_str(&a->ips[i], b, sizeof(b)));
    }
}

static void text_to_ips(const char *s, otw_asset *a)
{
    a->n_ips = 0;
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", s ? s : "");
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok && a->n_ips < OTW_ASSET_MAX_IPS;
         tok = strtok_r(NULL, ",", &save))
        if (otw_addr_parse(tok, &a->ips[a->n_ips]) == 0)
            a->n_ips++;
}

static void copy_col(char *dst, size_t dstsz, sqlite3_stmt *st, int i)
{
    snprintf(dst, dstsz, "%s", col_text(st, i));
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
    if (v && v[0])
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* --- loading -------------------------------------------------------- */

/* Identity sources are static strings in the dissectors; one read back must
 * outlive the row and the store (the inventory keeps it), so it is interned
 * for the life of the process in a small bounded pool. Single-threaded use,
 * as everything that loads the store. */
static const char *intern_source(const char *src)
{
    static char pool[64][48];
    static int n;
    for (int i = 0; i < n; i++)
        if (strcmp(pool[i], src) == 0)
            return pool[i];
    if (n >= (int)(sizeof(pool) / sizeof(pool[0])) || strlen(src) >= sizeof(pool[0]))
        return "stored";
    snprintf(pool[n], sizeof(pool[0]), "%s", src);
    return pool[n++];
}

int otw_store_load_assets(otw_store *s, int (*fn)(void *ctx, const otw_asset *a), void *ctx)
{
    sqlite3_stmt *st;
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT id, mac, vendor, ips, ip_confirmed, evidence, protos_client,"
             " protos_server, id_source, id_vendor, id_product, id_product_code,"
             " id_model, id_revision, id_serial, id_name, first_seen, last_seen,"
             " packets, bytes, id_device_type, id_detail, id_vendor_id, %s"
             " FROM assets ORDER BY id",
             s->vlan_col);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        otw_asset a;
        memset(&a, 0, sizeof(a));
        a.merged_into = OTW_ASSET_NONE;
        a.store_id = sqlite3_column_int64(st, 0);
        a.has_mac = otw_mac_parse(col_text(st, 1), a.mac) == 0;
        copy_col(a.vendor, sizeof(a.vendor), st, 2);
        text_to_ips(col_text(st, 3), &a);
        a.ip_confirmed = (uint8_t)sqlite3_column_int(st, 4);
        a.evidence = (uint32_t)sqlite3_column_int64(st, 5);
        a.n_protos_client = text_to_keys(col_text(st, 6), a.protos_client, OTW_ASSET_MAX_PROTOS);
        a.n_protos_server = text_to_keys(col_text(st, 7), a.protos_server, OTW_ASSET_MAX_PROTOS);
        if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
            a.has_identity = true;
            a.identity.source = intern_source(col_text(st, 8));
            copy_col(a.identity.vendor, sizeof(a.identity.vendor), st, 9);
            copy_col(a.identity.product, sizeof(a.identity.product), st, 10);
            copy_col(a.identity.product_code, sizeof(a.identity.product_code), st, 11);
            copy_col(a.identity.model, sizeof(a.identity.model), st, 12);
            copy_col(a.identity.revision, sizeof(a.identity.revision), st, 13);
            copy_col(a.identity.serial, sizeof(a.identity.serial), st, 14);
            copy_col(a.identity.name, sizeof(a.identity.name), st, 15);
            copy_col(a.identity.device_type, sizeof(a.identity.device_type), st, 20);
            copy_col(a.identity.detail, sizeof(a.identity.detail), st, 21);
            if (sqlite3_column_type(st, 22) != SQLITE_NULL) {
                a.identity.has_vendor_id = true;
                a.identity.vendor_id = (uint32_t)sqlite3_column_int64(st, 22);
            }
        }
        a.first_us = (uint64_t)sqlite3_column_int64(st, 16);
        a.last_us = (uint64_t)sqlite3_column_int64(st, 17);
        a.pkts = (uint64_t)sqlite3_column_int64(st, 18);
        a.bytes = (uint64_t)sqlite3_column_int64(st, 19);
        a.vlan = (uint16_t)(sqlite3_column_int(st, 23) & 0x0fff);
        rc = fn(ctx, &a);
    }
    sqlite3_finalize(st);
    return rc;
}

int otw_store_load_comms(otw_store *s, int (*fn)(void *ctx, const otw_comm *c), void *ctx)
{
    sqlite3_stmt *st;
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT id, client, server, proto_key, server_port, transport, first_seen,"
             " last_seen, flows, packets, bytes, %s FROM comms ORDER BY id",
             s->vlan_col);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        otw_comm c;
        memset(&c, 0, sizeof(c));
        c.store_id = sqlite3_column_int64(st, 0);
        if (otw_addr_parse(col_text(st, 1), &c.client) != 0 ||
            otw_addr_parse(col_text(st, 2), &c.server) != 0)
            continue;
        c.proto_key = (uint16_t)sqlite3_column_int(st, 3);
        c.server_port = (uint16_t)sqlite3_column_int(st, 4);
        c.transport = (uint8_t)sqlite3_column_int(st, 5);
        c.first_us = (uint64_t)sqlite3_column_int64(st, 6);
        c.last_us = (uint64_t)sqlite3_column_int64(st, 7);
        c.flows = (uint64_t)sqlite3_column_int64(st, 8);
        c.pkts = (uint64_t)sqlite3_column_int64(st, 9);
        c.bytes = (uint64_t)sqlite3_column_int64(st, 10);
        c.vlan = (uint16_t)(sqlite3_column_int(st, 11) & 0x0fff);
        rc = fn(ctx, &c);
    }
    sqlite3_finalize(st);
    return rc;
}

static void load_endpoint(sqlite3_stmt *st, int col, otw_endpoint *e)
{
    e->has_ip = otw_addr_parse(col_text(st, col), &e->ip) == 0;
    e->has_mac = otw_mac_parse(col_text(st, col + 1), e->mac) == 0;
    e->port = (uint16_t)sqlite3_column_int(st, col + 2);
}

int otw_store_load_alerts(otw_store *s, int (*fn)(void *ctx, const otw_alert *a), void *ctx)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, type, severity, key, first_seen, last_seen, count, src_ip,"
                           " src_mac, src_port, dst_ip, dst_mac, dst_port, protocol, technique,"
                           " message FROM alerts ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        otw_alert a;
        memset(&a, 0, sizeof(a));
        a.id = sqlite3_column_int64(st, 0);
        copy_col(a.type, sizeof(a.type), st, 1);
        a.kind = otw_alert_type_parse(a.type);
        int sev = otw_severity_parse(col_text(st, 2));
        a.severity = sev < 0 ? OTW_SEV_INFO : (otw_severity)sev;
        copy_col(a.key, sizeof(a.key), st, 3);
        a.first_us = (uint64_t)sqlite3_column_int64(st, 4);
        a.last_us = (uint64_t)sqlite3_column_int64(st, 5);
        a.count = (uint64_t)sqlite3_column_int64(st, 6);
        load_endpoint(st, 7, &a.src);
        load_endpoint(st, 10, &a.dst);
        copy_col(a.protocol, sizeof(a.protocol), st, 13);
        copy_col(a.technique, sizeof(a.technique), st, 14);
        copy_col(a.message, sizeof(a.message), st, 15);
        rc = fn(ctx, &a);
    }
    sqlite3_finalize(st);
    return rc;
}

/* --- checkpoint ----------------------------------------------------- */

static int save_proto(sqlite3_stmt *st, uint16_t key, otw_proto_namer namer, void *ctx)
{
    const char *name = namer ? namer(ctx, key) : NULL;
    sqlite3_reset(st);
    sqlite3_bind_int(st, 1, key);
    sqlite3_bind_text(st, 2, name ? name : "unknown", -1, SQLITE_TRANSIENT);
    return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

static int save_assets(otw_store *s, otw_inventory *inv, sqlite3_stmt *proto_st,
                       otw_proto_namer namer, void *nctx)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(
            s->db,
            "INSERT OR REPLACE INTO assets(id, mac, vendor, ips, ip_confirmed, evidence,"
            " protos_client, protos_server, id_source, id_vendor, id_product, id_product_code,"
            " id_model, id_revision, id_serial, id_name, first_seen, last_seen, packets, bytes,"
            " id_device_type, id_detail, id_vendor_id, vlan)"
            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_stmt *del;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM assets WHERE id=?", -1, &del, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return -1;
    }
    int rc = 0;
    uint32_t n = otw_inventory_size(inv);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        otw_asset *a = otw_inventory_raw(inv, i);
        if (!a->dirty)
            continue;
        if (a->merged_into != OTW_ASSET_NONE) {
            if (a->store_id) {
                sqlite3_reset(del);
                sqlite3_bind_int64(del, 1, a->store_id);
                rc = sqlite3_step(del) == SQLITE_DONE ? 0 : -1;
                a->store_id = 0;
            }
            a->dirty = false;
            continue;
        }
        char mac[32] = "", ips[1024], pc[128], ps[128];
        if (a->has_mac)
            otw_mac_str(a->mac, mac, sizeof(mac));
        ips_to_text(a, ips, sizeof(ips));
        keys_to_text(a->protos_client, a->n_protos_client, pc, sizeof(pc));
        keys_to_text(a->protos_server, a->n_protos_server, ps, sizeof(ps));
        for (int k = 0; k < a->n_protos_client && rc == 0; k++)
            rc = save_proto(proto_st, a->protos_client[k], namer, nctx);
        for (int k = 0; k < a->n_protos_server && rc == 0; k++)
            rc = save_proto(proto_st, a->protos_server[k], namer, nctx);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (a->store_id)
            sqlite3_bind_int64(st, 1, a->store_id);
        bind_text_or_null(st, 2, mac);
        bind_text_or_null(st, 3, a->vendor);
        sqlite3_bind_text(st, 4, ips, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 5, a->ip_confirmed);
        sqlite3_bind_int64(st, 6, a->evidence);
        sqlite3_bind_text(st, 7, pc, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 8, ps, -1, SQLITE_TRANSIENT);
        if (a->has_identity) {
            const otw_identity *id = &a->identity;
            sqlite3_bind_text(st, 9, id->source ? id->source : "", -1, SQLITE_TRANSIENT);
            bind_text_or_null(st, 10, id->vendor);
            bind_text_or_null(st, 11, id->product);
            bind_text_or_null(st, 12, id->product_code);
            bind_text_or_null(st, 13, id->model);
            bind_text_or_null(st, 14, id->revision);
            bind_text_or_null(st, 15, id->serial);
            bind_text_or_null(st, 16, id->name);
            bind_text_or_null(st, 21, id->device_type);
            bind_text_or_null(st, 22, id->detail);
            if (id->has_vendor_id)
                sqlite3_bind_int64(st, 23, id->vendor_id);
        }
        sqlite3_bind_int64(st, 17, (sqlite3_int64)a->first_us);
        sqlite3_bind_int64(st, 18, (sqlite3_int64)a->last_us);
        sqlite3_bind_int64(st, 19, (sqlite3_int64)a->pkts);
        sqlite3_bind_int64(st, 20, (sqlite3_int64)a->bytes);
        sqlite3_bind_int(st, 24, a->vlan);
        if (rc == 0 && sqlite3_step(st) == SQLITE_DONE) {
            if (!a->store_id)
                a->store_id = sqlite3_last_insert_rowid(s->db);
            a->dirty = false;
        } else {
            rc = -1;
        }
    }
    sqlite3_finalize(st);
    sqlite3_finalize(del);
    return rc;
}

static int save_comms(otw_store *s, otw_comms *comms, sqlite3_stmt *proto_st, otw_proto_namer namer,
                      void *nctx)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO comms(id, client, server, proto_key,"
                           " server_port, transport, first_seen, last_seen, flows, packets,"
                           " bytes, vlan) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = 0;
    uint32_t n = otw_comms_size(comms);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        otw_comm *c = otw_comms_at(comms, i);
        if (!c->dirty)
            continue;
        char cl[64], sv[64];
        rc = save_proto(proto_st, c->proto_key, namer, nctx);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (c->store_id)
            sqlite3_bind_int64(st, 1, c->store_id);
        sqlite3_bind_text(st, 2, otw_addr_str(&c->client, cl, sizeof(cl)), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, otw_addr_str(&c->server, sv, sizeof(sv)), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 4, c->proto_key);
        sqlite3_bind_int(st, 5, c->server_port);
        sqlite3_bind_int(st, 6, c->transport);
        sqlite3_bind_int64(st, 7, (sqlite3_int64)c->first_us);
        sqlite3_bind_int64(st, 8, (sqlite3_int64)c->last_us);
        sqlite3_bind_int64(st, 9, (sqlite3_int64)c->flows);
        sqlite3_bind_int64(st, 10, (sqlite3_int64)c->pkts);
        sqlite3_bind_int64(st, 11, (sqlite3_int64)c->bytes);
        sqlite3_bind_int(st, 12, c->vlan);
        if (rc == 0 && sqlite3_step(st) == SQLITE_DONE) {
            if (!c->store_id)
                c->store_id = sqlite3_last_insert_rowid(s->db);
            c->dirty = false;
        } else {
            rc = -1;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

/* An endpoint's three columns, as text once: bound to the row and hashed
 * into its chain record from the same bytes. */
typedef struct endpoint_cols {
    char ip[64], mac[24];
    bool has_ip, has_mac;
    uint16_t port;
} endpoint_cols;

static void endpoint_cols_of(const otw_endpoint *e, endpoint_cols *c)
{
    c->has_ip = e->has_ip;
    c->has_mac = e->has_mac;
    c->port = e->port;
    if (e->has_ip)
        otw_addr_str(&e->ip, c->ip, sizeof(c->ip));
    if (e->has_mac)
        otw_mac_str(e->mac, c->mac, sizeof(c->mac));
}

static void bind_endpoint(sqlite3_stmt *st, int col, const endpoint_cols *c)
{
    if (c->has_ip)
        sqlite3_bind_text(st, col, c->ip, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, col);
    if (c->has_mac)
        sqlite3_bind_text(st, col + 1, c->mac, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, col + 1);
    if (c->port)
        sqlite3_bind_int(st, col + 2, c->port);
    else
        sqlite3_bind_null(st, col + 2);
}

static void rec_text(otw_chain_rec *r, const char *v)
{
    otw_chain_rec_text(r, v, strlen(v));
}

static void rec_text_or_null(otw_chain_rec *r, const char *v)
{
    if (v[0])
        rec_text(r, v);
    else
        otw_chain_rec_null(r);
}

static void rec_endpoint(otw_chain_rec *r, const endpoint_cols *c)
{
    if (c->has_ip)
        rec_text(r, c->ip);
    else
        otw_chain_rec_null(r);
    if (c->has_mac)
        rec_text(r, c->mac);
    else
        otw_chain_rec_null(r);
    if (c->port)
        otw_chain_rec_int(r, c->port);
    else
        otw_chain_rec_null(r);
}

/* The chain record of an alert row as this checkpoint writes it, hashed
 * from the values bound to the row (every column keeps the type it is
 * bound with: TEXT columns take text, INTEGER ones integers), in
 * ALERT_CHAIN_SELECT's order, which `verify` reads back: one INSERT per
 * write instead of insert, read back and update. */
static void hash_alert_row(const otw_chain *c, int64_t seq, const otw_alert *a,
                           const endpoint_cols *src, const endpoint_cols *dst, otw_chain *out,
                           uint8_t link[OTW_CHAIN_LINK])
{
    otw_chain_rec r;
    *out = *c;
    otw_chain_begin(c, &r);
    otw_chain_rec_text(&r, ALERT_CHAIN_TAG, strlen(ALERT_CHAIN_TAG));
    otw_chain_rec_int(&r, seq);
    otw_chain_rec_int(&r, a->id);
    rec_text(&r, a->type);
    rec_text(&r, otw_severity_name(a->severity));
    rec_text(&r, a->key);
    otw_chain_rec_int(&r, (int64_t)a->first_us);
    rec_endpoint(&r, src);
    rec_endpoint(&r, dst);
    rec_text_or_null(&r, a->protocol);
    rec_text_or_null(&r, a->technique);
    rec_text(&r, a->message);
    otw_chain_rec_int(&r, (int64_t)a->count);
    otw_chain_rec_int(&r, (int64_t)a->last_us);
    otw_chain_end(out, &r, link);
}

static int save_alerts(otw_store *s, otw_alerts *alerts)
{
    sqlite3_stmt *st = NULL, *ins = NULL, *last = NULL;
    int64_t seq = 0;
    int rc = sqlite3_prepare_v2(s->db,
                                "INSERT OR REPLACE INTO alerts(id, type, severity, key, first_seen,"
                                " last_seen, count, src_ip, src_mac, src_port, dst_ip, dst_mac,"
                                " dst_port, protocol, technique, message)"
                                " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                -1, &st, NULL) == SQLITE_OK &&
                     sqlite3_prepare_v2(s->db,
                                        "INSERT INTO alert_chain(seq, alert_id, count, last_seen,"
                                        " link) VALUES(?, ?, ?, ?, ?)",
                                        -1, &ins, NULL) == SQLITE_OK &&
                     sqlite3_prepare_v2(s->db, "SELECT coalesce(max(seq), 0) FROM alert_chain", -1,
                                        &last, NULL) == SQLITE_OK &&
                     sqlite3_step(last) == SQLITE_ROW
                 ? 0
                 : -1;
    if (rc == 0)
        seq = sqlite3_column_int64(last, 0);
    sqlite3_finalize(last);
    uint32_t n = otw_alerts_size(alerts);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        otw_alert *a = otw_alerts_at(alerts, i);
        if (!a->dirty)
            continue;
        endpoint_cols src, dst;
        endpoint_cols_of(&a->src, &src);
        endpoint_cols_of(&a->dst, &dst);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        sqlite3_bind_int64(st, 1, a->id);
        sqlite3_bind_text(st, 2, a->type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, otw_severity_name(a->severity), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, a->key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)a->first_us);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)a->last_us);
        sqlite3_bind_int64(st, 7, (sqlite3_int64)a->count);
        bind_endpoint(st, 8, &src);
        bind_endpoint(st, 11, &dst);
        bind_text_or_null(st, 14, a->protocol);
        bind_text_or_null(st, 15, a->technique);
        sqlite3_bind_text(st, 16, a->message, -1, SQLITE_STATIC);
        /* Each write of the row is one record of the alert chain. */
        uint8_t link[OTW_CHAIN_LINK];
        hash_alert_row(&s->alert_chain, seq + 1, a, &src, &dst, &s->alert_chain, link);
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, seq + 1);
        sqlite3_bind_int64(ins, 2, a->id);
        sqlite3_bind_int64(ins, 3, (int64_t)a->count);
        sqlite3_bind_int64(ins, 4, (int64_t)a->last_us);
        sqlite3_bind_blob(ins, 5, link, sizeof(link), SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_DONE && sqlite3_step(ins) == SQLITE_DONE) {
            a->dirty = false;
            seq++;
        } else {
            rc = -1;
        }
    }
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
    if (rc == 0)
        rc = save_alert_head(s);
    return rc;
}

/* What a checkpoint changes in memory (store ids, dirty flags), kept to be
 * put back when its transaction is rolled back: the records it wrote must
 * stay dirty, and rows it inserted must not keep ids a later insert could
 * take. Assets, then comms, then alerts. */
typedef struct saved_rec {
    int64_t store_id;
    bool dirty;
} saved_rec;

static saved_rec *save_flags(otw_inventory *inv, otw_comms *comms, otw_alerts *alerts)
{
    size_t n = (inv ? otw_inventory_size(inv) : 0) + (comms ? otw_comms_size(comms) : 0) +
               (alerts ? otw_alerts_size(alerts) : 0);
    saved_rec *v = malloc((n ? n : 1) * sizeof(*v));
    size_t k = 0;
    for (uint32_t i = 0; v && inv && i < otw_inventory_size(inv); i++, k++) {
        const otw_asset *a = otw_inventory_raw(inv, i);
        v[k] = (saved_rec){a->store_id, a->dirty};
    }
    for (uint32_t i = 0; v && comms && i < otw_comms_size(comms); i++, k++) {
        const otw_comm *c = otw_comms_at(comms, i);
        v[k] = (saved_rec){c->store_id, c->dirty};
    }
    for (uint32_t i = 0; v && alerts && i < otw_alerts_size(alerts); i++, k++)
        v[k] = (saved_rec){0, otw_alerts_at(alerts, i)->dirty};
    return v;
}

static void restore_flags(const saved_rec *v, otw_inventory *inv, otw_comms *comms,
                          otw_alerts *alerts)
{
    size_t k = 0;
    for (uint32_t i = 0; inv && i < otw_inventory_size(inv); i++, k++) {
        otw_asset *a = otw_inventory_raw(inv, i);
        a->store_id = v[k].store_id;
        a->dirty = v[k].dirty;
    }
    for (uint32_t i = 0; comms && i < otw_comms_size(comms); i++, k++) {
        otw_comm *c = otw_comms_at(comms, i);
        c->store_id = v[k].store_id;
        c->dirty = v[k].dirty;
    }
    for (uint32_t i = 0; alerts && i < otw_alerts_size(alerts); i++, k++)
        otw_alerts_at(alerts, i)->dirty = v[k].dirty;
}

int otw_store_checkpoint(otw_store *s, otw_inventory *inv, otw_comms *comms, otw_alerts *alerts,
                         otw_proto_namer namer, void *namer_ctx, char *err, size_t errsz)
{
    saved_rec *saved = save_flags(inv, comms, alerts);
    otw_chain chain_before = s->alert_chain;
    if (!saved) {
        set_err(err, errsz, "store checkpoint", NULL);
        return -1;
    }
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        set_err(err, errsz, "store checkpoint", s->db);
        free(saved);
        return -1;
    }
    sqlite3_stmt *proto_st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO protocols(key, name) VALUES(?, ?)",
                                -1, &proto_st, NULL) == SQLITE_OK
                 ? 0
                 : -1;
    if (rc == 0 && inv)
        rc = save_assets(s, inv, proto_st, namer, namer_ctx);
    if (rc == 0 && comms)
        rc = save_comms(s, comms, proto_st, namer, namer_ctx);
    if (rc == 0 && alerts)
        rc = save_alerts(s, alerts);
    if (rc != 0) /* before the next finalize resets the message */
        set_err(err, errsz, "store checkpoint", s->db);
    else if (s->hook)
        rc = s->hook(s->hook_ctx, s, err, errsz);
    sqlite3_finalize(proto_st);
    if (rc == 0 && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
        free(saved);
        return 0;
    }
    if (rc == 0)
        set_err(err, errsz, "store checkpoint", s->db);
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    restore_flags(saved, inv, comms, alerts);
    s->alert_chain = chain_before; /* its records were rolled back with the rows */
    free(saved);
    return -1;
}

void otw_store_set_checkpoint_hook(otw_store *s, otw_store_hook fn, void *ctx)
{
    s->hook = fn;
    s->hook_ctx = ctx;
}

const otw_chain *otw_store_alert_chain(const otw_store *s)
{
    return &s->alert_chain;
}

static void bad_alert(otw_chain_check *res, int64_t seq, int64_t id, int64_t ts_us,
                      otw_chain_fault fault, const char *why)
{
    res->ok = false;
    res->fault = fault;
    res->bad_line = (uint64_t)seq;
    res->bad_id = id;
    res->bad_ts[0] = '\0';
    if (ts_us > 0) {
        otw_format_ts((uint64_t)ts_us, res->bad_ts);
        res->bad_ts[19] = 'Z';
        res->bad_ts[20] = '\0';
    }
    snprintf(res->why, sizeof(res->why), "%s", why);
}

static int verify_alerts(otw_store *s, otw_chain_check *res, otw_chain *recorded, char *err,
                         size_t errsz)
{
    memset(res, 0, sizeof(*res));
    res->ok = true;
    otw_chain_init(&res->head);
    otw_chain_init(recorded);
    char v[128];
    if (otw_store_meta_get(s, ALERT_CHAIN_META, v, sizeof(v)) != 0) {
        snprintf(err, errsz,
                 "this state has no evidence chain yet (written by an otwatch before schema 3, "
                 "which added it): "
                 "`otwatch read` or `otwatch run` on it starts one");
        return -1;
    }
    if (otw_chain_parse(v, recorded) != 0) {
        bad_alert(res, 0, 0, 0, OTW_CF_HEAD_UNREADABLE,
                  "the head recorded in the state is unreadable");
        return 0;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, ALERT_CHAIN_SELECT " ORDER BY e.seq", -1, &st, NULL) !=
        SQLITE_OK) {
        set_err(err, errsz, "reading the alert chain", s->db);
        return -1;
    }
    while (res->ok && sqlite3_step(st) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        int64_t id = sqlite3_column_int64(st, 18);
        uint8_t link[OTW_CHAIN_LINK];
        hash_alert_event(&res->head, st, &res->head, link);
        if (sqlite3_column_type(st, 1) == SQLITE_NULL)
            bad_alert(res, seq, id, sqlite3_column_int64(st, 16), OTW_CF_ROW_MISSING,
                      "its alert row is missing");
        else if (sqlite3_column_bytes(st, 17) != OTW_CHAIN_LINK ||
                 memcmp(sqlite3_column_blob(st, 17), link, OTW_CHAIN_LINK) != 0)
            bad_alert(res, seq, id, sqlite3_column_int64(st, 5), OTW_CF_LINK,
                      "does not match its link (the alert row or its record was edited)");
        else
            res->checked++;
    }
    sqlite3_finalize(st);
    if (!res->ok)
        return 0;
    /* Each alert row must stand as its last record left it. */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT a.id, a.first_seen, e.seq FROM alerts a LEFT JOIN"
                           " (SELECT alert_id, count, last_seen, max(seq) AS seq FROM alert_chain"
                           " GROUP BY alert_id) e ON e.alert_id = a.id"
                           " WHERE e.seq IS NULL OR e.count IS NOT a.count"
                           " OR e.last_seen IS NOT a.last_seen ORDER BY a.id LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK) {
        set_err(err, errsz, "reading the alerts", s->db);
        return -1;
    }
    if (sqlite3_step(st) == SQLITE_ROW)
        bad_alert(res, sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 0),
                  sqlite3_column_int64(st, 1),
                  sqlite3_column_type(st, 2) == SQLITE_NULL ? OTW_CF_ROW_UNCHAINED
                                                            : OTW_CF_ROW_EDITED,
                  sqlite3_column_type(st, 2) == SQLITE_NULL
                      ? "is not in the chain (inserted afterwards)"
                      : "has a count or last time its last record does not have (edited)");
    sqlite3_finalize(st);
    if (res->ok &&
        (res->head.n != recorded->n || memcmp(res->head.head, recorded->head, OTW_CHAIN_LINK) != 0))
        bad_alert(res, (int64_t)res->head.n, 0, 0,
                  res->head.n < recorded->n ? OTW_CF_SHORT : OTW_CF_HEAD,
                  "the chain does not end at the head recorded at the last checkpoint (records "
                  "removed or rewritten)");
    return 0;
}

int otw_store_verify_alerts(otw_store *s, otw_chain_check *res, otw_chain *recorded, char *err,
                            size_t errsz)
{
    /* One snapshot (WAL): a sensor's checkpoint meanwhile is not half seen. */
    bool txn = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    int rc = verify_alerts(s, res, recorded, err, errsz);
    if (txn)
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    return rc;
}

void *otw_store_db(otw_store *s)
{
    return s->db;
}

int otw_store_add_acceptance(otw_store *s, int64_t alert_id, int64_t accepted_at,
                             const char *reason, char *err, size_t errsz)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO acceptances(alert_id, accepted_at, reason, type, summary)"
                           " SELECT id, ?, ?, type, message FROM alerts WHERE id = ?",
                           -1, &st, NULL) != SQLITE_OK) {
        set_err(err, errsz, "recording the acceptance", s->db);
        return -1;
    }
    sqlite3_bind_int64(st, 1, accepted_at);
    bind_text_or_null(st, 2, reason);
    sqlite3_bind_int64(st, 3, alert_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        set_err(err, errsz, "recording the acceptance", s->db);
        return -1;
    }
    if (sqlite3_changes(s->db) != 1) {
        snprintf(err, errsz, "no alert with id %lld", (long long)alert_id);
        return -1;
    }
    return 0;
}

int otw_store_pending_acceptances(otw_store *s, int64_t *ids, int64_t *alert_ids, int max)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, alert_id FROM acceptances WHERE applied = 0 ORDER BY id"
                           " LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int(st, 1, max);
    int n = 0;
    while (n < max && sqlite3_step(st) == SQLITE_ROW) {
        ids[n] = sqlite3_column_int64(st, 0);
        alert_ids[n] = sqlite3_column_int64(st, 1);
        n++;
    }
    sqlite3_finalize(st);
    return n;
}

void otw_store_acceptance_applied(otw_store *s, int64_t id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "UPDATE acceptances SET applied = 1 WHERE id = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

int otw_store_list_acceptances(otw_store *s, FILE *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, alert_id, accepted_at, reason, applied, type, summary"
                           " FROM acceptances ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        char ts[32];
        otw_format_ts((uint64_t)sqlite3_column_int64(st, 2), ts);
        ts[19] = 'Z';
        ts[20] = '\0';
        fprintf(out, "  #%lld alert %lld %s at %s%s: %s (reason: %s)\n",
                (long long)sqlite3_column_int64(st, 0), (long long)sqlite3_column_int64(st, 1),
                col_text(st, 5), ts, sqlite3_column_int(st, 4) ? "" : " (pending)", col_text(st, 6),
                sqlite3_column_type(st, 3) == SQLITE_NULL ? "-" : col_text(st, 3));
        n++;
    }
    sqlite3_finalize(st);
    return n;
}
