/* test_store.c - unit tests for the SQLite state store (sensor/core/store.c,
 * contract in sensor/core/store.h) and the listing commands that read it
 * (sensor/views/listing.c, contract in sensor/views/listing.h). Every test works in
 * a fresh mkdtemp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "listing.h"
#include "store.h"

/* ------------------------------------------------------------ fixture */

typedef struct fixture {
    char dir[64];
    otw_config cfg;
    otw_inventory *inv;
    otw_comms *comms;
    otw_alerts *alerts;
    otw_store *store;
    char err[512];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/otw-store-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    otw_config_defaults(&f->cfg);
    f->cfg.max_assets = 64;
    f->inv = otw_inventory_new(&f->cfg, NULL, NULL, NULL);
    f->comms = otw_comms_new(64);
    f->alerts = otw_alerts_new(64, NULL, NULL);
    if (!f->inv || !f->comms || !f->alerts)
        return -1;
    *state = f;
    return 0;
}

static void rm_state(const char *dir)
{
    const char *names[] = {"state.db", "state.db-wal", "state.db-shm", "state.db-journal"};
    char p[256];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
        unlink(p);
    }
}

static int teardown(void **state)
{
    fixture *f = *state;
    otw_store_close(f->store);
    otw_inventory_free(f->inv);
    otw_comms_free(f->comms);
    otw_alerts_free(f->alerts);
    rm_state(f->dir);
    rmdir(f->dir);
    free(f);
    return 0;
}

static otw_store *open_rw(fixture *f)
{
    otw_store *s = otw_store_open(f->dir, false, f->err, sizeof(f->err));
    if (!s)
        fail_msg("open %s: %s", f->dir, f->err);
    return s;
}

static const char *namer(void *ctx, uint16_t key)
{
    static char buf[32];
    (void)ctx;
    if (key == 1)
        return "modbus";
    snprintf(buf, sizeof(buf), "ndpi-%u", key >= 256 ? key - 256u : key);
    return buf;
}

static int checkpoint(fixture *f)
{
    return otw_store_checkpoint(f->store, f->inv, f->comms, f->alerts, namer, NULL, f->err,
                                sizeof(f->err));
}

static otw_addr ip(const char *s)
{
    otw_addr a;
    assert_int_equal(otw_addr_parse(s, &a), 0);
    return a;
}

static const uint8_t MAC_A[6] = {0x00, 0x80, 0xf4, 0x00, 0x00, 0x0a};
static const uint8_t MAC_B[6] = {0x00, 0x1d, 0x9c, 0x00, 0x00, 0x14};

/* A varied working set: assets with and without MAC, identity, IPv6;
 * communications over IPv4 and IPv6; alerts with full and empty fields. */
static void populate(fixture *f)
{
    otw_addr a4 = ip("192.168.10.10"), a6 = ip("2001:db8:0:1::10"), b6 = ip("fe80::1:2");
    uint32_t a = otw_inventory_arp(f->inv, MAC_A, &a4, 1700000000000001ull);
    assert_int_equal(a, 0);
    otw_inventory_arp(f->inv, MAC_A, &a6, 1700000000000002ull); /* confirmed, global v6 */
    otw_inventory_set_vlan(f->inv, a, MAC_A, 101);
    otw_asset *x = otw_inventory_at(f->inv, a);
    snprintf(x->vendor, sizeof(x->vendor), "Vendor \"quoted\", with comma");
    otw_inventory_add_proto(f->inv, a, 1, true);
    otw_inventory_add_proto(f->inv, a, OTW_PROTO_KEY_NDPI(7), true);
    otw_inventory_add_proto(f->inv, a, OTW_PROTO_KEY_NDPI(188), false);
    otw_inventory_add_evidence(f->inv, a, OTW_EV_INDUSTRIAL_SERVER);
    otw_inventory_add_evidence(f->inv, a, OTW_EV_DEVICE_IDENTITY);
    otw_inventory_count(f->inv, a, 1700000100000000ull, 1000, UINT64_MAX - 5);
    otw_identity id;
    memset(&id, 0, sizeof(id));
    id.source = "modbus 43/14";
    snprintf(id.vendor, sizeof(id.vendor), "Schneider Electric");
    snprintf(id.product, sizeof(id.product), "BMX P34 2020");
    snprintf(id.product_code, sizeof(id.product_code), "BMXP342020");
    snprintf(id.model, sizeof(id.model), "M340");
    snprintf(id.revision, sizeof(id.revision), "v2.70");
    snprintf(id.serial, sizeof(id.serial), "SN-\xc3\xa9-1");
    snprintf(id.name, sizeof(id.name), "PLC,1");
    otw_inventory_set_identity(f->inv, a, &id);

    uint32_t b = otw_inventory_ip(f->inv, NULL, &b6, 1700000000000003ull);
    assert_int_equal(b, 1);
    otw_inventory_add_proto(f->inv, b, 1, false);
    otw_inventory_add_evidence(f->inv, b, OTW_EV_INDUSTRIAL_CLIENT);
    otw_identity id2;
    memset(&id2, 0, sizeof(id2));
    id2.source = "dhcp client"; /* a source other than Modbus */
    snprintf(id2.name, sizeof(id2.name), "hmi-2");
    otw_inventory_set_identity(f->inv, b, &id2);

    uint32_t c = otw_inventory_l2(f->inv, MAC_B, 1700000000000004ull); /* MAC only */
    assert_int_equal(c, 2);

    bool created;
    otw_addr cl = ip("192.168.10.20");
    uint32_t k = otw_comms_get(f->comms, &cl, &a4, 1, 502, 6, 1700000000000005ull, &created);
    otw_comm *cm = otw_comms_at(f->comms, k);
    cm->flows = 3;
    cm->pkts = 300;
    cm->bytes = 30000;
    cm->last_us = 1700000000900000ull;
    cm->vlan = 30;
    otw_comms_get(f->comms, &b6, &a6, OTW_PROTO_KEY_NDPI(7), 443, 17, 1700000000000006ull,
                  &created);

    otw_alert al;
    memset(&al, 0, sizeof(al));
    snprintf(al.type, sizeof(al.type), "MODBUS_WRITE");
    al.severity = OTW_SEV_MEDIUM;
    snprintf(al.key, sizeof(al.key), "unit=1");
    al.src.has_ip = true;
    al.src.ip = cl;
    al.src.has_mac = true;
    memcpy(al.src.mac, MAC_B, 6);
    al.dst.has_ip = true;
    al.dst.ip = a6;
    al.dst.port = 502;
    snprintf(al.protocol, sizeof(al.protocol), "modbus");
    snprintf(al.technique, sizeof(al.technique), "T0855");
    snprintf(al.message, sizeof(al.message), "writes \"x\"\n\xff");
    otw_alerts_raise(f->alerts, &al, 1700000000000007ull, 1);
    otw_alerts_raise(f->alerts, &al, 1700000000000008ull, 4);
    memset(&al, 0, sizeof(al));
    snprintf(al.type, sizeof(al.type), "NEW_ASSET");
    al.severity = OTW_SEV_CRITICAL;
    al.src.has_mac = true;
    memcpy(al.src.mac, MAC_A, 6);
    otw_alerts_raise(f->alerts, &al, 1700000000000009ull, 1);
}

/* ------------------------------------------------------------ loading */

typedef struct loaded {
    otw_asset assets[16];
    int n_assets;
    otw_comm comms[16];
    int n_comms;
    otw_alert alerts[16];
    int n_alerts;
} loaded;

static int got_asset(void *ctx, const otw_asset *a)
{
    loaded *l = ctx;
    if (l->n_assets >= 16)
        return -1;
    l->assets[l->n_assets++] = *a;
    return 0;
}

static int got_comm(void *ctx, const otw_comm *c)
{
    loaded *l = ctx;
    if (l->n_comms >= 16)
        return -1;
    l->comms[l->n_comms++] = *c;
    return 0;
}

static int got_alert(void *ctx, const otw_alert *a)
{
    loaded *l = ctx;
    if (l->n_alerts >= 16)
        return -1;
    l->alerts[l->n_alerts++] = *a;
    return 0;
}

static void load_all(otw_store *s, loaded *l)
{
    memset(l, 0, sizeof(*l));
    assert_int_equal(otw_store_load_assets(s, got_asset, l), 0);
    assert_int_equal(otw_store_load_comms(s, got_comm, l), 0);
    assert_int_equal(otw_store_load_alerts(s, got_alert, l), 0);
}

/* Loads from a separate read-only connection: what a reader would see. */
static void load_fresh(fixture *f, loaded *l)
{
    char err[512];
    otw_store *s = otw_store_open(f->dir, true, err, sizeof(err));
    if (!s)
        fail_msg("read-only open: %s", err);
    load_all(s, l);
    otw_store_close(s);
}

static void same_asset(const otw_asset *got, const otw_asset *want)
{
    assert_int_equal(got->store_id, want->store_id);
    assert_int_equal(got->has_mac, want->has_mac);
    if (want->has_mac)
        assert_memory_equal(got->mac, want->mac, 6);
    assert_string_equal(got->vendor, want->vendor);
    assert_int_equal(got->vlan, want->vlan);
    assert_int_equal(got->n_ips, want->n_ips);
    for (int i = 0; i < want->n_ips; i++)
        assert_memory_equal(&got->ips[i], &want->ips[i], sizeof(otw_addr));
    assert_int_equal(got->ip_confirmed, want->ip_confirmed);
    assert_int_equal(got->first_us, want->first_us);
    assert_int_equal(got->last_us, want->last_us);
    assert_true(got->pkts == want->pkts);
    assert_true(got->bytes == want->bytes);
    assert_int_equal(got->n_protos_client, want->n_protos_client);
    assert_int_equal(got->n_protos_server, want->n_protos_server);
    assert_memory_equal(got->protos_client, want->protos_client,
                        want->n_protos_client * sizeof(uint16_t));
    assert_memory_equal(got->protos_server, want->protos_server,
                        want->n_protos_server * sizeof(uint16_t));
    assert_int_equal(got->evidence, want->evidence);
    assert_int_equal(got->has_identity, want->has_identity);
    if (want->has_identity) {
        const otw_identity *g = &got->identity, *w = &want->identity;
        assert_non_null(g->source);
        assert_string_equal(g->source, w->source);
        assert_string_equal(g->vendor, w->vendor);
        assert_string_equal(g->product, w->product);
        assert_string_equal(g->product_code, w->product_code);
        assert_string_equal(g->model, w->model);
        assert_string_equal(g->revision, w->revision);
        assert_string_equal(g->serial, w->serial);
        assert_string_equal(g->name, w->name);
    }
    assert_int_equal(got->merged_into, OTW_ASSET_NONE);
    assert_false(got->dirty);
    assert_false(got->is_new);
}

static void same_endpoint(const otw_endpoint *g, const otw_endpoint *w)
{
    assert_int_equal(g->has_ip, w->has_ip);
    assert_int_equal(g->has_mac, w->has_mac);
    if (w->has_ip)
        assert_memory_equal(&g->ip, &w->ip, sizeof(otw_addr));
    if (w->has_mac)
        assert_memory_equal(g->mac, w->mac, 6);
    assert_int_equal(g->port, w->port);
}

/* The store holds exactly the live (not merged-away) assets, the comms and
 * the alerts of the fixture, field by field. */
static void check_matches(fixture *f, const loaded *l)
{
    int live = 0;
    for (uint32_t i = 0; i < otw_inventory_size(f->inv); i++) {
        const otw_asset *a = otw_inventory_raw(f->inv, i);
        if (a->merged_into != OTW_ASSET_NONE)
            continue;
        assert_true(a->store_id > 0);
        int found = 0;
        for (int k = 0; k < l->n_assets; k++)
            if (l->assets[k].store_id == a->store_id) {
                same_asset(&l->assets[k], a);
                found++;
            }
        assert_int_equal(found, 1);
        live++;
    }
    assert_int_equal(l->n_assets, live);

    assert_int_equal((uint32_t)l->n_comms, otw_comms_size(f->comms));
    for (int k = 0; k < l->n_comms; k++) {
        const otw_comm *w = otw_comms_at(f->comms, (uint32_t)k), *g = &l->comms[k];
        assert_true(w->store_id > 0);
        assert_int_equal(g->store_id, w->store_id);
        assert_memory_equal(&g->client, &w->client, sizeof(otw_addr));
        assert_memory_equal(&g->server, &w->server, sizeof(otw_addr));
        assert_int_equal(g->proto_key, w->proto_key);
        assert_int_equal(g->server_port, w->server_port);
        assert_int_equal(g->transport, w->transport);
        assert_int_equal(g->first_us, w->first_us);
        assert_int_equal(g->last_us, w->last_us);
        assert_int_equal(g->flows, w->flows);
        assert_int_equal(g->pkts, w->pkts);
        assert_int_equal(g->bytes, w->bytes);
        assert_int_equal(g->vlan, w->vlan); /* communication */
        assert_false(g->dirty);
    }

    assert_int_equal((uint32_t)l->n_alerts, otw_alerts_size(f->alerts));
    for (int k = 0; k < l->n_alerts; k++) {
        const otw_alert *w = otw_alerts_at(f->alerts, (uint32_t)k), *g = &l->alerts[k];
        assert_int_equal(g->id, w->id);
        assert_string_equal(g->type, w->type);
        assert_int_equal(g->severity, w->severity);
        assert_string_equal(g->key, w->key);
        assert_int_equal(g->first_us, w->first_us);
        assert_int_equal(g->last_us, w->last_us);
        assert_int_equal(g->count, w->count);
        same_endpoint(&g->src, &w->src);
        same_endpoint(&g->dst, &w->dst);
        assert_string_equal(g->protocol, w->protocol);
        assert_string_equal(g->technique, w->technique);
        assert_string_equal(g->message, w->message);
        assert_false(g->dirty);
    }
}

static void assert_nothing_dirty(fixture *f)
{
    for (uint32_t i = 0; i < otw_inventory_size(f->inv); i++)
        assert_false(otw_inventory_raw(f->inv, i)->dirty);
    for (uint32_t i = 0; i < otw_comms_size(f->comms); i++)
        assert_false(otw_comms_at(f->comms, i)->dirty);
    for (uint32_t i = 0; i < otw_alerts_size(f->alerts); i++)
        assert_false(otw_alerts_at(f->alerts, i)->dirty);
}

static int count_rows(fixture *f, const char *table)
{
    char path[256], sql[128];
    snprintf(path, sizeof(path), "%s/state.db", f->dir);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void exec_sql(fixture *f, const char *sql)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/state.db", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                     SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
    sqlite3_close(db);
}

/* -------------------------------------------------------------- tests */

static void test_open_creates_schema(void **state)
{
    fixture *f = *state;
    f->store = open_rw(f);
    char path[256];
    snprintf(path, sizeof(path), "%s/state.db", f->dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    char v[32];
    assert_int_equal(otw_store_meta_get(f->store, "schema_version", v, sizeof(v)), 0);
    assert_string_equal(v, "5");
    assert_int_equal(otw_store_meta_get(f->store, "nope", v, sizeof(v)), -1);
    assert_int_equal(otw_store_meta_set(f->store, "k", "v1"), 0);
    assert_int_equal(otw_store_meta_set(f->store, "k", "v2"), 0);
    assert_int_equal(otw_store_meta_get(f->store, "k", v, sizeof(v)), 0);
    assert_string_equal(v, "v2");
    /* Truncated into a small buffer, still terminated. */
    char small[2];
    assert_int_equal(otw_store_meta_get(f->store, "k", small, sizeof(small)), 0);
    assert_string_equal(small, "v");
    char name[32];
    assert_string_equal(otw_store_proto_name(f->store, 5, name, sizeof(name)), "proto-5");
    const char *tables[] = {"assets", "comms", "alerts", "protocols", "meta"};
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
        assert_true(count_rows(f, tables[i]) >= 0);
    /* An empty store loads as empty. */
    loaded l;
    load_all(f->store, &l);
    assert_int_equal(l.n_assets + l.n_comms + l.n_alerts, 0);
    /* Reopening an existing store keeps it. */
    otw_store_close(f->store);
    f->store = open_rw(f);
    assert_int_equal(otw_store_meta_get(f->store, "k", v, sizeof(v)), 0);
    assert_string_equal(v, "v2");
}

static void test_readonly_missing(void **state)
{
    fixture *f = *state;
    char err[512] = "";
    assert_null(otw_store_open(f->dir, true, err, sizeof(err)));
    assert_non_null(strstr(err, "no state in"));
    assert_non_null(strstr(err, f->dir));
    /* Nothing was created by the failed read-only open. */
    char path[256];
    snprintf(path, sizeof(path), "%s/state.db", f->dir);
    struct stat st;
    assert_int_equal(stat(path, &st), -1);
    /* The listing commands fail cleanly too. */
    char *out = NULL;
    size_t outlen = 0;
    FILE *o = open_memstream(&out, &outlen);
    assert_int_equal(otw_list_assets(f->dir, "table", o), 1);
    assert_int_equal(otw_list_alerts(f->dir, "json", o), 1);
    fclose(o);
    assert_int_equal(outlen, 0);
    free(out);
    /* A read-write open in a directory that does not exist fails with the path. */
    char missing[128];
    snprintf(missing, sizeof(missing), "%s/no/such/dir", f->dir);
    err[0] = '\0';
    assert_null(otw_store_open(missing, false, err, sizeof(err)));
    assert_non_null(strstr(err, missing));
    /* A file that is not an otwatch store is refused read-only. */
    exec_sql(f, "CREATE TABLE other(x)"); /* creates state.db without our schema */
    err[0] = '\0';
    assert_null(otw_store_open(f->dir, true, err, sizeof(err)));
    assert_true(err[0] != '\0');
}

static void test_newer_schema_refused(void **state)
{
    fixture *f = *state;
    f->store = open_rw(f);
    char v[16];
    snprintf(v, sizeof(v), "%d", OTW_STORE_SCHEMA_VERSION + 1);
    assert_int_equal(otw_store_meta_set(f->store, "schema_version", v), 0);
    otw_store_close(f->store);
    f->store = NULL;
    char err[512] = "";
    assert_null(otw_store_open(f->dir, false, err, sizeof(err)));
    assert_non_null(strstr(err, "newer"));
    assert_non_null(strstr(err, v));
    /* Readers must not misread a newer layout either. */
    err[0] = '\0';
    assert_null(otw_store_open(f->dir, true, err, sizeof(err)));
    assert_non_null(strstr(err, "newer"));
    /* The refused store was left as it was. */
    exec_sql(f, "UPDATE meta SET value='1' WHERE key='schema_version'");
    f->store = open_rw(f);
    otw_store_close(f->store);
    f->store = otw_store_open(f->dir, true, err, sizeof(err));
    assert_non_null(f->store);
}

/* A state written by schema 1 (communications without their VLAN): a
 * reader loads it as is, a writer adds the column and moves it to 2, and
 * nothing recorded before is lost. */
static void test_schema1_migrates(void **state)
{
    fixture *f = *state;
    exec_sql(
        f, "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
           "INSERT INTO meta VALUES('schema_version', '1');"
           "CREATE TABLE comms(id INTEGER PRIMARY KEY, client TEXT NOT NULL,"
           " server TEXT NOT NULL, proto_key INTEGER, server_port INTEGER,"
           " transport INTEGER, first_seen INTEGER, last_seen INTEGER, flows INTEGER,"
           " packets INTEGER, bytes INTEGER);"
           "INSERT INTO comms VALUES(1, '10.0.0.1', '10.0.0.2', 1, 502, 6, 5, 9, 2, 20, 2000);"
           "CREATE TABLE assets(id INTEGER PRIMARY KEY, mac TEXT, vendor TEXT, ips TEXT NOT NULL,"
           " ip_confirmed INTEGER, evidence INTEGER NOT NULL, protos_client TEXT NOT NULL,"
           " protos_server TEXT NOT NULL, id_source TEXT, id_vendor TEXT, id_product TEXT,"
           " id_product_code TEXT, id_model TEXT, id_revision TEXT, id_serial TEXT,"
           " id_name TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
           " packets INTEGER, bytes INTEGER, id_device_type TEXT, id_detail TEXT,"
           " id_vendor_id INTEGER);"
           "INSERT INTO assets(id, mac, ips, evidence, protos_client, protos_server,"
           " first_seen, last_seen) VALUES(1, '00:80:f4:00:00:0a', '10.0.0.2', 0, '', '', 5, 9);");
    char err[512], v[16];
    otw_store *ro = otw_store_open(f->dir, true, err, sizeof(err));
    if (!ro)
        fail_msg("read-only open of schema 1: %s", err);
    loaded l;
    memset(&l, 0, sizeof(l));
    assert_int_equal(otw_store_load_comms(ro, got_comm, &l), 0);
    assert_int_equal(l.n_comms, 1);
    assert_int_equal(l.comms[0].vlan, 0);
    assert_int_equal(l.comms[0].bytes, 2000);
    assert_int_equal(otw_store_load_assets(ro, got_asset, &l), 0);
    assert_int_equal(l.n_assets, 1);
    assert_int_equal(l.assets[0].vlan, 0);
    assert_int_equal(otw_store_meta_get(ro, "schema_version", v, sizeof(v)), 0);
    assert_string_equal(v, "1"); /* a reader changes nothing */
    otw_store_close(ro);

    f->store = open_rw(f);
    assert_int_equal(otw_store_meta_get(f->store, "schema_version", v, sizeof(v)), 0);
    assert_string_equal(v, "5");
    memset(&l, 0, sizeof(l));
    assert_int_equal(otw_store_load_comms(f->store, got_comm, &l), 0);
    assert_int_equal(l.n_comms, 1);
    assert_int_equal(l.comms[0].flows, 2);
    otw_comms_load(f->comms, &l.comms[0]);
    otw_comm *c = otw_comms_at(f->comms, 0);
    c->vlan = 30;
    c->dirty = true;
    if (checkpoint(f) != 0)
        fail_msg("checkpoint: %s", f->err);
    memset(&l, 0, sizeof(l));
    assert_int_equal(otw_store_load_comms(f->store, got_comm, &l), 0);
    assert_int_equal(l.n_comms, 1);
    assert_int_equal(l.comms[0].vlan, 30);
    assert_int_equal(l.comms[0].pkts, 20);
    memset(&l, 0, sizeof(l));
    assert_int_equal(otw_store_load_assets(f->store, got_asset, &l), 0);
    assert_int_equal(l.n_assets, 1);
    assert_int_equal(l.assets[0].first_us, 5);
    /* Opening again does not migrate twice. */
    otw_store_close(f->store);
    f->store = open_rw(f);
}

static void test_checkpoint_roundtrip(void **state)
{
    fixture *f = *state;
    f->store = open_rw(f);
    populate(f);
    if (checkpoint(f) != 0)
        fail_msg("checkpoint: %s", f->err);
    assert_nothing_dirty(f);
    /* Store ids are assigned and distinct. */
    assert_true(otw_inventory_raw(f->inv, 0)->store_id > 0);
    assert_true(otw_inventory_raw(f->inv, 1)->store_id != otw_inventory_raw(f->inv, 0)->store_id);
    loaded l;
    load_all(f->store, &l);
    check_matches(f, &l);
    load_fresh(f, &l);
    check_matches(f, &l);
    /* The IPv6 addresses came back as such. */
    char b[64];
    assert_string_equal(otw_addr_str(&l.assets[0].ips[1], b, sizeof(b)), "2001:db8:0:1::10");
    assert_string_equal(otw_addr_str(&l.assets[1].ips[0], b, sizeof(b)), "fe80::1:2");
    /* Protocol names were stored with their keys. */
    assert_string_equal(otw_store_proto_name(f->store, 1, b, sizeof(b)), "modbus");
    assert_string_equal(otw_store_proto_name(f->store, OTW_PROTO_KEY_NDPI(188), b, sizeof(b)),
                        "ndpi-188");

    /* A second checkpoint with nothing dirty writes nothing: a row changed
     * behind the store's back stays as it is. */
    exec_sql(f, "UPDATE assets SET packets=4242");
    assert_int_equal(checkpoint(f), 0);
    load_all(f->store, &l);
    for (int k = 0; k < l.n_assets; k++)
        assert_int_equal(l.assets[k].pkts, 4242);
    /* Only the dirty asset is rewritten. */
    otw_inventory_count(f->inv, 1, 1700000200000000ull, 2, 20);
    assert_true(otw_inventory_raw(f->inv, 1)->dirty);
    assert_int_equal(checkpoint(f), 0);
    assert_nothing_dirty(f);
    load_all(f->store, &l);
    for (int k = 0; k < l.n_assets; k++) {
        if (l.assets[k].store_id == otw_inventory_raw(f->inv, 1)->store_id)
            same_asset(&l.assets[k], otw_inventory_raw(f->inv, 1));
        else
            assert_int_equal(l.assets[k].pkts, 4242);
    }
    assert_int_equal(count_rows(f, "assets"), 3);

    /* A restart: a new working set loaded from the store, changed and
     * checkpointed, updates rows in place (no duplicates). */
    otw_inventory *inv2 = otw_inventory_new(&f->cfg, NULL, NULL, NULL);
    otw_comms *comms2 = otw_comms_new(64);
    otw_alerts *alerts2 = otw_alerts_new(64, NULL, NULL);
    for (int k = 0; k < l.n_assets; k++)
        otw_inventory_load(inv2, &l.assets[k]);
    for (int k = 0; k < l.n_comms; k++)
        otw_comms_load(comms2, &l.comms[k]);
    for (int k = 0; k < l.n_alerts; k++)
        otw_alerts_load(alerts2, &l.alerts[k]);
    otw_inventory_free(f->inv);
    otw_comms_free(f->comms);
    otw_alerts_free(f->alerts);
    f->inv = inv2;
    f->comms = comms2;
    f->alerts = alerts2;
    otw_inventory_count(f->inv, 0, 1700000300000000ull, 1, 1);
    otw_inventory_count(f->inv, 1, 1700000300000000ull, 1, 1); /* the "dhcp client" one */
    otw_comms_at(f->comms, 0)->flows++;
    otw_comms_at(f->comms, 0)->dirty = true;
    otw_alert again = *otw_alerts_at(f->alerts, 0);
    otw_alerts_raise(f->alerts, &again, 1700000300000000ull, 1);
    assert_int_equal(checkpoint(f), 0);
    assert_int_equal(count_rows(f, "assets"), 3);
    assert_int_equal(count_rows(f, "comms"), 2);
    assert_int_equal(count_rows(f, "alerts"), 2);
    load_fresh(f, &l);
    check_matches(f, &l);
    /* The identity source survived a restart and a rewrite. */
    for (int k = 0; k < l.n_assets; k++)
        if (l.assets[k].identity.name[0] && strcmp(l.assets[k].identity.name, "hmi-2") == 0)
            assert_string_equal(l.assets[k].identity.source, "dhcp client");
}

static void test_merged_deleted(void **state)
{
    fixture *f = *state;
    f->store = open_rw(f);
    otw_addr x = ip("10.0.0.2");
    assert_int_equal(otw_inventory_l2(f->inv, MAC_B, 100), 0);
    assert_int_equal(otw_inventory_ip(f->inv, NULL, &x, 200), 1);
    assert_int_equal(checkpoint(f), 0);
    assert_int_equal(count_rows(f, "assets"), 2);
    int64_t gone = otw_inventory_raw(f->inv, 1)->store_id;
    assert_true(gone > 0);
    /* The ARP shows both are one device: the IP-only row goes. */
    assert_int_equal(otw_inventory_arp(f->inv, MAC_B, &x, 300), 0);
    assert_int_equal(checkpoint(f), 0);
    assert_nothing_dirty(f);
    assert_int_equal(count_rows(f, "assets"), 1);
    assert_int_equal(otw_inventory_raw(f->inv, 1)->store_id, 0);
    loaded l;
    load_fresh(f, &l);
    assert_int_equal(l.n_assets, 1);
    assert_true(l.assets[0].store_id != gone);
    check_matches(f, &l);
    /* A merge of assets never stored leaves no row either. */
    otw_addr y = ip("10.0.0.3");
    static const uint8_t MAC_C[6] = {0x02, 0, 0, 0, 0, 3};
    assert_int_equal(otw_inventory_l2(f->inv, MAC_C, 400), 2);
    assert_int_equal(otw_inventory_ip(f->inv, NULL, &y, 400), 3);
    assert_int_equal(otw_inventory_arp(f->inv, MAC_C, &y, 500), 2);
    assert_int_equal(checkpoint(f), 0);
    assert_int_equal(count_rows(f, "assets"), 2);
    load_fresh(f, &l);
    check_matches(f, &l);
}

static void test_failed_checkpoint_keeps_state(void **state)
{
    fixture *f = *state;
    f->store = open_rw(f);
    populate(f);
    assert_int_equal(checkpoint(f), 0);
    loaded before;

    otw_addr x = ip("10.0.0.60");
    uint32_t ipo = otw_inventory_ip(f->inv, NULL, &x, 1700000400000000ull);
    assert_int_equal(checkpoint(f), 0);
    assert_true(otw_inventory_raw(f->inv, ipo)->store_id > 0);
    load_fresh(f, &before);

    /* Changes of every kind: a new asset, a changed one, a merge, a new
     * comm, a counted alert and a new one. */
    otw_addr n1 = ip("10.0.0.50");
    uint32_t na = otw_inventory_ip(f->inv, NULL, &n1, 1700000400000000ull);
    otw_inventory_add_proto(f->inv, na, 1, false);
    otw_inventory_count(f->inv, 0, 1700000400000000ull, 5, 5);
    otw_addr a4 = ip("192.168.10.10");
    otw_inventory_arp(f->inv, MAC_B, &x, 1700000500000000ull); /* merges ipo into MAC_B */
    assert_int_equal(otw_inventory_raw(f->inv, ipo)->merged_into, 2);
    otw_addr n2 = ip("10.0.0.51");
    uint32_t nb = otw_inventory_ip(f->inv, NULL, &n2, 1700000500000000ull);
    otw_inventory_add_proto(f->inv, nb, 1, true);
    bool created;
    otw_comms_get(f->comms, &n1, &a4, 1, 502, 6, 1700000500000000ull, &created);
    otw_alert al = *otw_alerts_at(f->alerts, 0);
    otw_alerts_raise(f->alerts, &al, 1700000500000000ull, 1);
    snprintf(al.type, sizeof(al.type), "NEW_ONE");
    otw_alerts_raise(f->alerts, &al, 1700000500000000ull, 1);

    /* Make the last step of the checkpoint fail: assets and comms are
     * already written in the transaction by then. */
    exec_sql(f, "CREATE TRIGGER fail_alerts BEFORE INSERT ON alerts"
                " BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
    f->err[0] = '\0';
    assert_int_equal(checkpoint(f), -1);
    if (!strstr(f->err, "injected failure"))
        fail_msg("err: %s", f->err);
    loaded after;
    load_fresh(f, &after);
    assert_int_equal(after.n_assets, before.n_assets);
    assert_int_equal(after.n_comms, before.n_comms);
    assert_int_equal(after.n_alerts, before.n_alerts);
    for (int k = 0; k < before.n_assets; k++) {
        assert_int_equal(after.assets[k].store_id, before.assets[k].store_id);
        same_asset(&after.assets[k], &before.assets[k]);
    }
    for (int k = 0; k < before.n_alerts; k++)
        assert_int_equal(after.alerts[k].count, before.alerts[k].count);
    /* Nothing was forgotten in memory: the next checkpoint writes it all. */
    assert_true(otw_inventory_raw(f->inv, na)->dirty);
    assert_true(otw_inventory_raw(f->inv, nb)->dirty);
    assert_true(otw_inventory_raw(f->inv, 0)->dirty);
    assert_true(otw_inventory_raw(f->inv, ipo)->dirty);
    assert_true(otw_inventory_raw(f->inv, ipo)->store_id > 0);
    assert_true(otw_alerts_at(f->alerts, 0)->dirty);
    exec_sql(f, "DROP TRIGGER fail_alerts");
    if (checkpoint(f) != 0)
        fail_msg("checkpoint: %s", f->err);
    assert_nothing_dirty(f);
    load_fresh(f, &after);
    check_matches(f, &after);
    assert_int_equal(count_rows(f, "assets"), before.n_assets + 1); /* +2 new, -1 merged */
}

/* The namer runs inside the checkpoint transaction: dying there is a crash
 * in the middle of a checkpoint. */
static int crash_after;

static const char *crashing_namer(void *ctx, uint16_t key)
{
    if (--crash_after <= 0)
        _exit(42);
    return namer(ctx, key);
}

static void test_crash_mid_checkpoint(void **state)
{
    fixture *f = *state;
    f->store = open_rw(f);
    populate(f);
    assert_int_equal(checkpoint(f), 0);
    otw_store_close(f->store);
    f->store = NULL;
    loaded before;
    load_fresh(f, &before);

    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Child: no cmocka here, just a crash with a half-written
         * transaction (several rows already inserted). */
        char err[512];
        otw_store *s = otw_store_open(f->dir, false, err, sizeof(err));
        if (!s)
            _exit(2);
        for (int k = 0; k < 8; k++) {
            char b[32];
            snprintf(b, sizeof(b), "10.0.1.%d", k);
            otw_addr a;
            otw_addr_parse(b, &a);
            uint32_t i = otw_inventory_ip(f->inv, NULL, &a, 1700000600000000ull);
            otw_inventory_add_proto(f->inv, i, 1, false);
        }
        otw_inventory_count(f->inv, 0, 1700000600000000ull, 9, 9);
        crash_after = 6;
        otw_store_checkpoint(s, f->inv, f->comms, f->alerts, crashing_namer, NULL, err,
                             sizeof(err));
        _exit(3); /* not reached */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 42);

    /* The previous state is intact, for a reader and a writer. */
    loaded after;
    load_fresh(f, &after);
    assert_int_equal(after.n_assets, before.n_assets);
    for (int k = 0; k < before.n_assets; k++)
        same_asset(&after.assets[k], &before.assets[k]);
    assert_int_equal(after.n_comms, before.n_comms);
    assert_int_equal(after.n_alerts, before.n_alerts);
    f->store = open_rw(f);
    load_all(f->store, &after);
    check_matches(f, &after);
    otw_inventory_count(f->inv, 0, 1700000700000000ull, 1, 1);
    assert_int_equal(checkpoint(f), 0);
    load_fresh(f, &after);
    check_matches(f, &after);
}

/* ----------------------------------------------------------- listings */

static char *capture(int (*fn)(const char *, const char *, FILE *), const char *dir,
                     const char *format, int *rc)
{
    char *out = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&out, &len);
    assert_non_null(o);
    *rc = fn(dir, format, o);
    fclose(o);
    return out;
}

static void test_list_commands(void **state)
{
    fixture *f = *state;
    f->store = open_rw(f);
    int rc;
    /* An empty store lists nothing, validly. */
    char *s = capture(otw_list_assets, f->dir, "json", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(s, "[]\n");
    free(s);
    s = capture(otw_list_alerts, f->dir, "table", &rc);
    assert_non_null(strstr(s, "\n0 alerts\n"));
    free(s);

    populate(f);
    assert_int_equal(checkpoint(f), 0);

    s = capture(otw_list_assets, f->dir, "json", &rc);
    assert_int_equal(rc, 0);
    assert_true(s[0] == '[');
    assert_non_null(strstr(s, "\"mac\":\"00:80:f4:00:00:0a\",\"ips\":[\"192.168.10.10\","
                              "\"2001:db8:0:1::10\"],\"vendor\":\"Vendor \\\"quoted\\\", with "
                              "comma\",\"vlan\":101,\"role\":\"controller\""));
    assert_non_null(strstr(s, "\"protocols\":{\"client\":[\"ndpi-188\"],\"server\":"
                              "[\"modbus\",\"ndpi-7\"]}"));
    assert_non_null(strstr(s, "\"serial\":\"SN-\xc3\xa9-1\",\"name\":\"PLC,1\","
                              "\"device_type\":null,\"detail\":null,\"vendor_id\":null,"
                              "\"source\":\"modbus 43/14\"}"));
    assert_non_null(strstr(s, "\"bytes\":18446744073709551610}"));
    assert_non_null(strstr(s, "\"mac\":null,\"ips\":[\"fe80::1:2\"],\"vendor\":null,"
                              "\"vlan\":null,\"role\":\"hmi\""));
    assert_non_null(strstr(s, "\"identity\":null"));
    assert_true(strcmp(s + strlen(s) - 3, "\n]\n") == 0);
    free(s);

    s = capture(otw_list_assets, f->dir, "csv", &rc);
    assert_int_equal(rc, 0);
    assert_true(strncmp(s, "id,mac,ips,vendor,role,", 23) == 0);
    assert_non_null(strstr(s, ",00:80:f4:00:00:0a,192.168.10.10 2001:db8:0:1::10,"
                              "\"Vendor \"\"quoted\"\", with comma\",controller,ndpi-188,"
                              "modbus ndpi-7,Schneider Electric,M340,v2.70,\"PLC,1\","
                              "2023-11-14T22:13:20Z,2023-11-14T22:15:00Z,1000,"
                              "18446744073709551610,101\r\n"));
    free(s);

    s = capture(otw_list_assets, f->dir, "table", &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(s, "\n3 assets\n"));
    /* A VLAN column, since one device was seen tagged. */
    assert_non_null(strstr(s, "VLAN"));
    assert_non_null(strstr(s, " 101 "));
    assert_non_null(strstr(s, "     evidence: answers industrial protocol requests (server)\n"));
    free(s);

    s = capture(otw_list_alerts, f->dir, "json", &rc);
    assert_int_equal(rc, 0);
    const char *w = strstr(s, "\"id\":1,\"type\":\"MODBUS_WRITE\"");
    const char *n = strstr(s, "\"id\":2,\"type\":\"NEW_ASSET\"");
    assert_non_null(w);
    assert_non_null(n);
    assert_true(w < n); /* id order */
    assert_non_null(strstr(s, "\"count\":5,"));
    assert_non_null(strstr(s, "\"message\":\"writes \\\"x\\\"\\u000a\xef\xbf\xbd\""));
    free(s);

    s = capture(otw_list_alerts, f->dir, "table", &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(s, "\n2 alerts\n"));
    assert_non_null(strstr(s, "192.168.10.20"));
    /* An IPv6 address with a port is bracketed (RFC 5952, section 6). */
    assert_non_null(strstr(s, " [2001:db8:0:1::10]:502 "));
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema1_migrates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merged_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_checkpoint_keeps_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_mid_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_commands, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
