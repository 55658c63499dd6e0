/* coverage.c - watch sessions, packets and drops per minute, gaps; see
 * coverage.h. */
#include "coverage.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PENDING_GAPS 1024
#define NEAR_FULL 64                         /* ask for a save this far from full */
#define MAX_EMPTY_ROWS 1440                  /* minute rows written for one idle stretch */
#define PRUNE_EVERY_US (600ull * 1000000ull) /* capture time between prune passes */

typedef struct cov_src {
    char name[128];
    otw_cov_kind kind;
    bool started, stopped;
    int64_t session_id; /* its row once saved */
    uint64_t start_us, until_us, last_pkt_us;
    uint64_t minute_us; /* the current bucket */
    uint64_t min_pkts, min_drops;
    bool min_link_down;
    bool have_drops, link_down;
    uint64_t drops_seen;
    uint64_t pkts, drops; /* session totals */
    /* live: the gap being extended minute by minute, upserted at saves */
    bool gap_open;
    uint64_t gap_start, gap_end;
    otw_cov_reason gap_reason;
} cov_src;

typedef struct cov_row {
    uint8_t src;
    bool link_down;
    uint64_t minute_us, pkts, drops;
} cov_row;

typedef struct cov_gaprec {
    uint8_t src;
    uint8_t reason;
    uint64_t start_us, end_us;
} cov_gaprec;

struct otw_coverage {
    uint64_t read_gap_us, retention_us, next_prune_us;
    cov_src src[OTW_COV_MAX_SOURCES];
    int n;
    cov_row rows[OTW_COV_PENDING];
    size_t n_rows;
    cov_gaprec gaps[PENDING_GAPS];
    size_t n_gaps;
    otw_coverage_stats stats;
};

static const char *const reason_names[] = {"not watching", "no packets", "link down"};

const char *otw_cov_reason_name(otw_cov_reason r)
{
    return (unsigned)r < 3 ? reason_names[r] : "unknown";
}

static otw_cov_reason reason_parse(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(s, reason_names[i]) == 0)
            return (otw_cov_reason)i;
    return OTW_COV_NO_PACKETS;
}

otw_coverage *otw_coverage_new(uint64_t read_gap_us, uint64_t retention_us)
{
    otw_coverage *c = calloc(1, sizeof(*c));
    if (c) {
        c->read_gap_us = read_gap_us ? read_gap_us : 300ull * 1000000ull;
        c->retention_us = retention_us;
    }
    return c;
}

void otw_coverage_free(otw_coverage *c)
{
    free(c);
}

int otw_coverage_add_source(otw_coverage *c, const char *name, otw_cov_kind kind, uint64_t now_us)
{
    if (c->n >= OTW_COV_MAX_SOURCES)
        return -1;
    cov_src *s = &c->src[c->n];
    memset(s, 0, sizeof(*s));
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->kind = kind;
    if (kind == OTW_COV_INTERFACE) {
        s->started = true;
        s->start_us = s->until_us = now_us;
        s->minute_us = now_us - now_us % OTW_COV_MINUTE_US;
    }
    return c->n++;
}

int otw_coverage_sources(const otw_coverage *c)
{
    return c->n;
}

static bool near_full(const otw_coverage *c)
{
    return c->n_rows + NEAR_FULL >= OTW_COV_PENDING || c->n_gaps + NEAR_FULL >= PENDING_GAPS;
}

static void push_row(otw_coverage *c, const cov_src *s)
{
    if (c->n_rows >= OTW_COV_PENDING) {
        c->stats.rows_lost++;
        return;
    }
    c->rows[c->n_rows++] = (cov_row){.src = (uint8_t)(s - c->src),
                                     .link_down = s->min_link_down,
                                     .minute_us = s->minute_us,
                                     .pkts = s->min_pkts,
                                     .drops = s->min_drops};
}

static void push_gap(otw_coverage *c, const cov_src *s, uint64_t from, uint64_t to,
                     otw_cov_reason why)
{
    if (c->n_gaps >= PENDING_GAPS) {
        c->stats.rows_lost++;
        return;
    }
    c->gaps[c->n_gaps++] =
        (cov_gaprec){.src = (uint8_t)(s - c->src), .reason = why, .start_us = from, .end_us = to};
}

static void close_gap(otw_coverage *c, cov_src *s)
{
    if (s->gap_open)
        push_gap(c, s, s->gap_start, s->gap_end, s->gap_reason);
    s->gap_open = false;
}

/* Live: [from, to) had no packets. */
static void extend_gap(otw_coverage *c, cov_src *s, uint64_t from, uint64_t to, otw_cov_reason why)
{
    if (to <= from)
        return;
    if (s->gap_open && s->gap_end == from && s->gap_reason == why) {
        s->gap_end = to;
        return;
    }
    close_gap(c, s);
    s->gap_open = true;
    s->gap_start = from;
    s->gap_end = to;
    s->gap_reason = why;
}

/* The current minute ends at end_us (its end, or earlier at a stop). */
static void finish_minute(otw_coverage *c, cov_src *s, uint64_t end_us)
{
    if (s->kind == OTW_COV_FILE) {
        if (s->min_pkts)
            push_row(c, s);
        return;
    }
    push_row(c, s);
    if (s->min_pkts == 0) {
        uint64_t from = s->minute_us > s->start_us ? s->minute_us : s->start_us;
        extend_gap(c, s, from, end_us, s->min_link_down ? OTW_COV_LINK_DOWN : OTW_COV_NO_PACKETS);
    } else {
        close_gap(c, s);
    }
}

static void new_minute(cov_src *s, uint64_t minute_us)
{
    s->minute_us = minute_us;
    s->min_pkts = s->min_drops = 0;
    s->min_link_down = s->link_down;
}

/* Live: finishes every minute that ended before t. */
static void advance_to(otw_coverage *c, cov_src *s, uint64_t t)
{
    if (t < s->minute_us + OTW_COV_MINUTE_US)
        return;
    uint64_t target = t - t % OTW_COV_MINUTE_US;
    if (target - s->minute_us > MAX_EMPTY_ROWS * OTW_COV_MINUTE_US) {
        /* A clock jump: one gap, no row per minute. */
        finish_minute(c, s, s->minute_us + OTW_COV_MINUTE_US);
        extend_gap(c, s, s->minute_us + OTW_COV_MINUTE_US, target, OTW_COV_NO_PACKETS);
        new_minute(s, target);
        return;
    }
    while (s->minute_us < target) {
        finish_minute(c, s, s->minute_us + OTW_COV_MINUTE_US);
        new_minute(s, s->minute_us + OTW_COV_MINUTE_US);
    }
}

static bool packet_slow(otw_coverage *c, cov_src *s, uint64_t ts)
{
    if (s->stopped)
        return false;
    if (!s->started) { /* a file's first packet */
        s->started = true;
        s->start_us = s->until_us = s->last_pkt_us = ts;
        new_minute(s, ts - ts % OTW_COV_MINUTE_US);
    } else if (ts > s->last_pkt_us) {
        if (s->kind == OTW_COV_FILE) {
            if (ts - s->last_pkt_us > c->read_gap_us)
                push_gap(c, s, s->last_pkt_us, ts, OTW_COV_NO_PACKETS);
            if (ts >= s->minute_us + OTW_COV_MINUTE_US) {
                finish_minute(c, s, s->minute_us + OTW_COV_MINUTE_US);
                new_minute(s, ts - ts % OTW_COV_MINUTE_US);
            }
        } else {
            advance_to(c, s, ts);
        }
        s->last_pkt_us = ts;
        if (ts > s->until_us)
            s->until_us = ts;
    }
    /* A late packet (ts before the current minute) counts in it. */
    s->min_pkts++;
    s->pkts++;
    c->stats.packets++;
    return near_full(c);
}

bool otw_coverage_packet(otw_coverage *c, int src, uint64_t ts_us)
{
    if ((unsigned)src >= (unsigned)c->n)
        return false;
    cov_src *s = &c->src[src];
    /* The common case: same minute, not after a silence. */
    if (s->started && ts_us >= s->minute_us && ts_us - s->minute_us < OTW_COV_MINUTE_US &&
        ts_us >= s->last_pkt_us && ts_us - s->last_pkt_us <= c->read_gap_us && !s->stopped) {
        s->last_pkt_us = ts_us;
        s->min_pkts++;
        s->pkts++;
        c->stats.packets++;
        return false;
    }
    return packet_slow(c, s, ts_us);
}

void otw_coverage_tick(otw_coverage *c, uint64_t now_us)
{
    for (int i = 0; i < c->n; i++) {
        cov_src *s = &c->src[i];
        if (s->kind != OTW_COV_INTERFACE || s->stopped)
            continue;
        advance_to(c, s, now_us);
        if (now_us > s->until_us)
            s->until_us = now_us;
    }
}

void otw_coverage_source_stats(otw_coverage *c, int src, uint64_t drops_total, int link_up,
                               uint64_t now_us)
{
    if ((unsigned)src >= (unsigned)c->n)
        return;
    cov_src *s = &c->src[src];
    if (s->kind != OTW_COV_INTERFACE || s->stopped)
        return;
    advance_to(c, s, now_us);
    uint64_t delta = !s->have_drops                 ? drops_total
                     : drops_total >= s->drops_seen ? drops_total - s->drops_seen
                                                    : 0;
    s->have_drops = true;
    s->drops_seen = drops_total;
    s->min_drops += delta;
    s->drops += delta;
    c->stats.drops += delta;
    if (link_up == 0) {
        s->link_down = true;
        s->min_link_down = true;
    } else if (link_up > 0) {
        s->link_down = false;
    }
}

void otw_coverage_stop(otw_coverage *c, uint64_t now_us)
{
    for (int i = 0; i < c->n; i++) {
        cov_src *s = &c->src[i];
        if (!s->started || s->stopped)
            continue;
        if (s->kind == OTW_COV_INTERFACE) {
            advance_to(c, s, now_us);
            if (now_us > s->until_us)
                s->until_us = now_us;
            if (now_us > s->minute_us)
                finish_minute(c, s, now_us);
        } else {
            finish_minute(c, s, s->last_pkt_us);
            s->until_us = s->last_pkt_us;
        }
        close_gap(c, s);
        s->stopped = true;
    }
}

void otw_coverage_get_stats(const otw_coverage *c, otw_coverage_stats *st)
{
    *st = c->stats;
}

/* ---- the store ----------------------------------------------------- */

/* Its own step, separate from the other tables: a state made before
 * coverage gets the tables on its next writer's open. */
static const char *const coverage_schema_sql =
    "CREATE TABLE IF NOT EXISTS coverage_sessions("
    " id INTEGER PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL,"
    " start_us INTEGER NOT NULL, stop_us INTEGER NOT NULL, closed INTEGER NOT NULL DEFAULT 0,"
    " packets INTEGER NOT NULL DEFAULT 0, drops INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS coverage_sessions_t ON coverage_sessions(start_us);"
    "CREATE TABLE IF NOT EXISTS coverage_minutes("
    " source TEXT NOT NULL, minute_us INTEGER NOT NULL, packets INTEGER NOT NULL,"
    " drops INTEGER NOT NULL, link_down INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY(source, minute_us)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS coverage_minutes_t ON coverage_minutes(minute_us);"
    "CREATE TABLE IF NOT EXISTS coverage_gaps("
    " source TEXT NOT NULL, start_us INTEGER NOT NULL, end_us INTEGER NOT NULL,"
    " reason TEXT NOT NULL, PRIMARY KEY(source, start_us)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS coverage_gaps_t ON coverage_gaps(end_us);";

int otw_coverage_migrate(void *db, char **msg)
{
    return sqlite3_exec(db, coverage_schema_sql, NULL, NULL, msg);
}

static void set_err(char *err, size_t errsz, const char *what, sqlite3 *db)
{
    if (err && errsz)
        snprintf(err, errsz, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

/* The session of the same file read before (same name and first packet),
 * or 0. */
static int64_t earlier_file_session(sqlite3 *db, const cov_src *s)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT id FROM coverage_sessions WHERE source=? AND kind='file'"
                           " AND start_us=? ORDER BY id LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, s->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)s->start_us);
    int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return id;
}

static int save_sessions(otw_coverage *c, sqlite3 *db, int64_t *ids)
{
    sqlite3_stmt *ins = NULL, *upd = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO coverage_sessions(source, kind, start_us, stop_us, closed,"
                           " packets, drops) VALUES(?,?,?,?,?,?,?)",
                           -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "UPDATE coverage_sessions SET stop_us=?, closed=?, packets=?, drops=?"
                           " WHERE id=?",
                           -1, &upd, NULL) != SQLITE_OK)
        goto out;
    for (int i = 0; i < c->n; i++) {
        const cov_src *s = &c->src[i];
        ids[i] = s->session_id;
        if (!s->started)
            continue;
        if (!ids[i] && s->kind == OTW_COV_FILE)
            ids[i] = earlier_file_session(db, s);
        uint64_t until = s->until_us > s->start_us ? s->until_us : s->start_us;
        sqlite3_stmt *st = ids[i] ? upd : ins;
        sqlite3_reset(st);
        if (ids[i]) {
            sqlite3_bind_int64(st, 1, (sqlite3_int64)until);
            sqlite3_bind_int(st, 2, s->stopped);
            sqlite3_bind_int64(st, 3, (sqlite3_int64)s->pkts);
            sqlite3_bind_int64(st, 4, (sqlite3_int64)s->drops);
            sqlite3_bind_int64(st, 5, ids[i]);
        } else {
            sqlite3_bind_text(st, 1, s->name, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, s->kind == OTW_COV_FILE ? "file" : "interface", -1,
                              SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, (sqlite3_int64)s->start_us);
            sqlite3_bind_int64(st, 4, (sqlite3_int64)until);
            sqlite3_bind_int(st, 5, s->stopped);
            sqlite3_bind_int64(st, 6, (sqlite3_int64)s->pkts);
            sqlite3_bind_int64(st, 7, (sqlite3_int64)s->drops);
        }
        if (sqlite3_step(st) != SQLITE_DONE)
            goto out;
        if (!ids[i])
            ids[i] = sqlite3_last_insert_rowid(db);
    }
    rc = 0;
out:
    sqlite3_finalize(ins);
    sqlite3_finalize(upd);
    return rc;
}

/* An interface's minute can come in two parts (a restart within it): they
 * add up. A file's minute comes whole: reading the same file again gives
 * the same row, not twice the packets. */
static int save_rows(otw_coverage *c, sqlite3 *db)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(
            db,
            "INSERT INTO coverage_minutes(source, minute_us, packets, drops,"
            " link_down) VALUES(?1,?2,?3,?4,?5) ON CONFLICT(source, minute_us) DO"
            " UPDATE SET packets = CASE WHEN ?6 THEN excluded.packets"
            " ELSE packets + excluded.packets END,"
            " drops = CASE WHEN ?6 THEN excluded.drops ELSE drops + excluded.drops END,"
            " link_down = max(link_down, excluded.link_down)",
            -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < c->n_rows && rc == 0; i++) {
        const cov_row *r = &c->rows[i];
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, c->src[r->src].name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)r->minute_us);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)r->pkts);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)r->drops);
        sqlite3_bind_int(st, 5, r->link_down);
        sqlite3_bind_int(st, 6, c->src[r->src].kind == OTW_COV_FILE);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    return rc;
}

static int put_gap(sqlite3_stmt *st, const char *source, uint64_t from, uint64_t to,
                   otw_cov_reason why)
{
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)from);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)to);
    sqlite3_bind_text(st, 4, otw_cov_reason_name(why), -1, SQLITE_STATIC);
    return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

static int save_gaps(otw_coverage *c, sqlite3 *db)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO coverage_gaps(source, start_us, end_us, reason)"
                           " VALUES(?,?,?,?) ON CONFLICT(source, start_us) DO UPDATE"
                           " SET end_us = max(end_us, excluded.end_us)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < c->n_gaps && rc == 0; i++) {
        const cov_gaprec *g = &c->gaps[i];
        rc = put_gap(st, c->src[g->src].name, g->start_us, g->end_us, (otw_cov_reason)g->reason);
    }
    /* Gaps still growing: written as far as they go, extended later. */
    for (int i = 0; i < c->n && rc == 0; i++) {
        const cov_src *s = &c->src[i];
        if (s->gap_open)
            rc = put_gap(st, s->name, s->gap_start, s->gap_end, s->gap_reason);
    }
    sqlite3_finalize(st);
    return rc;
}

static int64_t meta_int(otw_store *st, const char *key)
{
    char v[32];
    return otw_store_meta_get(st, key, v, sizeof(v)) == 0 ? strtoll(v, NULL, 10) : 0;
}

static int prune(otw_coverage *c, otw_store *st, uint64_t now_us)
{
    if (!c->retention_us || now_us <= c->retention_us)
        return 0;
    uint64_t cutoff = now_us - c->retention_us;
    sqlite3 *db = otw_store_db(st);
    static const char *const sql[] = {
        "DELETE FROM coverage_minutes WHERE minute_us + 60000000 <= ?",
        "DELETE FROM coverage_gaps WHERE end_us <= ?",
        "DELETE FROM coverage_sessions WHERE stop_us <= ? AND closed = 1",
    };
    int64_t n = 0;
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(db, sql[i], -1, &q, NULL) != SQLITE_OK)
            return -1;
        sqlite3_bind_int64(q, 1, (sqlite3_int64)cutoff);
        int rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc != SQLITE_DONE)
            return -1;
        n += sqlite3_changes(db);
    }
    if (n > 0) {
        char v[32];
        snprintf(v, sizeof(v), "%lld", (long long)(meta_int(st, "coverage_pruned") + n));
        if (otw_store_meta_set(st, "coverage_pruned", v) != 0)
            return -1;
        snprintf(v, sizeof(v), "%llu", (unsigned long long)cutoff);
        if (otw_store_meta_set(st, "coverage_kept_from", v) != 0)
            return -1;
        c->stats.pruned += (uint64_t)n;
    }
    return 0;
}

int otw_coverage_save(otw_coverage *c, otw_store *st, uint64_t now_us, char *err, size_t errsz)
{
    sqlite3 *db = otw_store_db(st);
    int64_t ids[OTW_COV_MAX_SOURCES];
    uint64_t pruned_before = c->stats.pruned;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        set_err(err, errsz, "coverage", db);
        return -1;
    }
    bool all_stopped = true;
    for (int i = 0; i < c->n; i++)
        all_stopped = all_stopped && (c->src[i].stopped || !c->src[i].started);
    int rc =
        save_sessions(c, db, ids) == 0 && save_rows(c, db) == 0 && save_gaps(c, db) == 0 ? 0 : -1;
    if (rc == 0 && (now_us >= c->next_prune_us || all_stopped)) {
        rc = prune(c, st, now_us);
        if (rc == 0)
            c->next_prune_us = now_us + PRUNE_EVERY_US;
    }
    if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
        for (int i = 0; i < c->n; i++)
            c->src[i].session_id = ids[i];
        c->stats.rows_written += c->n_rows;
        c->n_rows = 0;
        c->n_gaps = 0;
        return 0;
    }
    set_err(err, errsz, "coverage", db);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    c->stats.pruned = pruned_before;
    return -1;
}

/* ---- the answer ---------------------------------------------------- */

typedef struct ivl {
    uint64_t a, b;
    const char *source; /* into the answer's sessions or gaps */
    otw_cov_reason reason;
} ivl;

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static bool table_exists(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", -1, &st,
                           NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

static const char *col(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    return v ? v : "";
}

/* Prepares head, a source condition when there is one, then tail; binds
 * the source after the n_before other parameters. */
static sqlite3_stmt *prep(sqlite3 *db, const char *head, const char *tail, const char *source,
                          int n_before)
{
    char sql[512];
    snprintf(sql, sizeof(sql), "%s%s%s", head, source ? " AND source = ?" : "", tail);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    if (source)
        sqlite3_bind_text(st, n_before + 1, source, -1, SQLITE_TRANSIENT);
    return st;
}

static int add_gap(otw_coverage_answer *out, size_t *cap, uint64_t a, uint64_t b,
                   otw_cov_reason why, const char *source)
{
    otw_cov_gap *last = out->n_gaps ? &out->gaps[out->n_gaps - 1] : NULL;
    if (last && last->to_us == a && last->reason == why && strcmp(last->source, source) == 0) {
        last->to_us = b;
        return 0;
    }
    if (out->n_gaps == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        otw_cov_gap *g = realloc(out->gaps, ncap * sizeof(*g));
        if (!g)
            return -1;
        out->gaps = g;
        *cap = ncap;
    }
    otw_cov_gap *g = &out->gaps[out->n_gaps++];
    g->from_us = a;
    g->to_us = b;
    g->reason = why;
    snprintf(g->source, sizeof(g->source), "%s", source);
    return 0;
}

int otw_coverage_query(otw_store *store, const char *source, uint64_t from_us, uint64_t to_us,
                       otw_coverage_answer *out, char *err, size_t errsz)
{
    memset(out, 0, sizeof(*out));
    sqlite3 *db = otw_store_db(store);
    if (!table_exists(db, "coverage_sessions")) {
        out->from_us = from_us;
        out->to_us = to_us;
        return 0; /* a state from before coverage: nothing recorded */
    }
    out->pruned = (uint64_t)meta_int(store, "coverage_pruned");
    out->retention_from_us = (uint64_t)meta_int(store, "coverage_kept_from");
    sqlite3_stmt *st;
    bool to_given = to_us != 0;
    if (!from_us || !to_us) {
        st = prep(db, "SELECT min(start_us), max(stop_us), count(*) FROM coverage_sessions WHERE 1",
                  "", source, 0);
        if (!st)
            goto fail;
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 2) > 0) {
            if (!from_us)
                from_us = (uint64_t)sqlite3_column_int64(st, 0);
            if (!to_us)
                to_us = (uint64_t)sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
    }
    if (!to_given && to_us < from_us)
        to_us = from_us; /* nothing recorded after from: an empty window */
    out->from_us = from_us;
    out->to_us = to_us;
    if (to_us < from_us) {
        snprintf(err, errsz, "the window ends before it starts");
        return -1;
    }
    /* Sessions that overlap the window. */
    size_t cap = 0;
    st = prep(db,
              "SELECT source, kind, start_us, stop_us, closed, packets, drops FROM"
              " coverage_sessions WHERE start_us <= ?1 AND stop_us >= ?2",
              " ORDER BY start_us, id", source, 2);
    if (!st)
        goto fail;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)to_us);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)from_us);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (out->n_sessions == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            otw_cov_session *v = realloc(out->sessions, ncap * sizeof(*v));
            if (!v) {
                sqlite3_finalize(st);
                goto oom;
            }
            out->sessions = v;
            cap = ncap;
        }
        otw_cov_session *s = &out->sessions[out->n_sessions++];
        memset(s, 0, sizeof(*s));
        snprintf(s->source, sizeof(s->source), "%s", col(st, 0));
        s->kind = strcmp(col(st, 1), "file") == 0 ? OTW_COV_FILE : OTW_COV_INTERFACE;
        s->start_us = (uint64_t)sqlite3_column_int64(st, 2);
        s->stop_us = (uint64_t)sqlite3_column_int64(st, 3);
        s->closed = sqlite3_column_int(st, 4) != 0;
        s->packets = (uint64_t)sqlite3_column_int64(st, 5);
        s->drops = (uint64_t)sqlite3_column_int64(st, 6);
    }
    sqlite3_finalize(st);
    /* The recorded gaps in the window. */
    ivl *gaps = NULL;
    size_t n_gaps = 0, gcap = 0;
    st = prep(db,
              "SELECT source, start_us, end_us, reason FROM coverage_gaps"
              " WHERE start_us < ?1 AND end_us > ?2",
              "", source, 2);
    if (!st)
        goto fail;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)to_us);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)from_us);
    bool oom = false;
    while (!oom && sqlite3_step(st) == SQLITE_ROW) {
        if (n_gaps == gcap) {
            size_t ncap = gcap ? gcap * 2 : 16;
            ivl *v = realloc(gaps, ncap * sizeof(*v));
            if (!v) {
                oom = true;
                break;
            }
            gaps = v;
            gcap = ncap;
        }
        /* The source name: one of the sessions' (same text). */
        const char *name = col(st, 0);
        const char *ref = NULL;
        for (size_t k = 0; k < out->n_sessions && !ref; k++)
            if (strcmp(out->sessions[k].source, name) == 0)
                ref = out->sessions[k].source;
        if (!ref)
            continue; /* no session of that source in the window */
        gaps[n_gaps++] = (ivl){.a = (uint64_t)sqlite3_column_int64(st, 1),
                               .b = (uint64_t)sqlite3_column_int64(st, 2),
                               .source = ref,
                               .reason = reason_parse(col(st, 3))};
    }
    sqlite3_finalize(st);
    /* Every boundary in the window; between two, nothing changes. */
    size_t n_pts = 0;
    uint64_t *pts = oom ? NULL : malloc((2 + 2 * out->n_sessions + 2 * n_gaps) * sizeof(*pts));
    if (!pts) {
        free(gaps);
        goto oom;
    }
    pts[n_pts++] = from_us;
    pts[n_pts++] = to_us;
    for (size_t k = 0; k < out->n_sessions; k++) {
        pts[n_pts++] = out->sessions[k].start_us;
        pts[n_pts++] = out->sessions[k].stop_us;
    }
    for (size_t k = 0; k < n_gaps; k++) {
        pts[n_pts++] = gaps[k].a;
        pts[n_pts++] = gaps[k].b;
    }
    qsort(pts, n_pts, sizeof(*pts), cmp_u64);
    size_t gap_cap = 0;
    for (size_t i = 0; i + 1 < n_pts; i++) {
        uint64_t a = pts[i], b = pts[i + 1];
        if (a == b || a < from_us || b > to_us)
            continue;
        /* Watched at a (and so up to b) when a session holds it and its
         * source had no gap then. */
        bool in_session = false, watched = false;
        otw_cov_reason why = OTW_COV_NOT_WATCHING;
        const char *whose = "";
        for (size_t k = 0; k < out->n_sessions && !watched; k++) {
            const otw_cov_session *s = &out->sessions[k];
            if (a < s->start_us || a >= s->stop_us)
                continue;
            in_session = true;
            const ivl *g = NULL;
            for (size_t j = 0; j < n_gaps && !g; j++)
                if (strcmp(gaps[j].source, s->source) == 0 && gaps[j].a <= a && a < gaps[j].b)
                    g = &gaps[j];
            if (!g) {
                watched = true;
            } else if (why == OTW_COV_NOT_WATCHING || g->reason == OTW_COV_LINK_DOWN) {
                why = g->reason;
                whose = g->source;
            }
        }
        if (watched) {
            out->watched_us += b - a;
            continue;
        }
        if (!in_session) {
            why = OTW_COV_NOT_WATCHING;
            whose = "";
        }
        if (add_gap(out, &gap_cap, a, b, why, whose) != 0) {
            free(pts);
            free(gaps);
            goto oom;
        }
    }
    free(pts);
    free(gaps);
    /* Packets and drops of the minutes in the window. */
    st = prep(db,
              "SELECT coalesce(sum(packets), 0), coalesce(sum(drops), 0) FROM coverage_minutes"
              " WHERE minute_us >= ?1 AND minute_us < ?2",
              "", source, 2);
    if (!st)
        goto fail;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)(from_us - from_us % OTW_COV_MINUTE_US));
    sqlite3_bind_int64(st, 2, (sqlite3_int64)to_us);
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->packets = (uint64_t)sqlite3_column_int64(st, 0);
        out->drops = (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    out->recorded = out->n_sessions > 0;
    out->continuous = out->recorded && out->n_gaps == 0 && to_us > from_us;
    return 0;
fail:
    set_err(err, errsz, "coverage", db);
    otw_coverage_answer_free(out);
    return -1;
oom:
    snprintf(err, errsz, "coverage: out of memory");
    otw_coverage_answer_free(out);
    return -1;
}

void otw_coverage_answer_free(otw_coverage_answer *a)
{
    free(a->gaps);
    free(a->sessions);
    a->gaps = NULL;
    a->sessions = NULL;
    a->n_gaps = a->n_sessions = 0;
}
