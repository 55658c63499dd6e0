/* listing.c - see listing.h. */
#include "listing.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "csv.h"
#include "grow.h"
#include "jsonw.h"
#include "log.h"
#include "snapshot.h"
#include "texttable.h"
#include "zones.h"

static void join_ips(const otw_asset *a, char *out, size_t outsz)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < a->n_ips && len + 48 < outsz; i++) {
        char b[64];
        len += (size_t)snprintf(out + len, outsz - len, "%s%s", i ? " " : "",
                                otw_addr_str(&a->ips[i], b, sizeof(b)));
    }
}

static void join_protos(otw_store *st, const uint16_t *keys, int n, const char *sep, char *out,
                        size_t outsz)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < n && len + 40 < outsz; i++) {
        char b[64];
        len += (size_t)snprintf(out + len, outsz - len, "%s%s", i ? sep : "",
                                otw_store_proto_name(st, keys[i], b, sizeof(b)));
    }
}

static void identity_text(const otw_asset *a, char *out, size_t outsz)
{
    out[0] = '\0';
    if (!a->has_identity)
        return;
    const otw_identity *id = &a->identity;
    const char *parts[] = {id->vendor, id->model[0] ? id->model : id->product, id->revision};
    size_t len = 0;
    for (size_t i = 0; i < 3 && len < outsz; i++)
        if (parts[i][0])
            len += (size_t)snprintf(out + len, outsz - len, "%s%s", len ? " " : "", parts[i]);
    if (id->name[0] && len < outsz)
        snprintf(out + len, outsz - len, "%s%s", len ? " / " : "", id->name);
}

static void evidence_json(otw_jsonw *w, uint32_t ev)
{
    jw_arr_begin(w);
    for (int i = 0; i < OTW_EV__COUNT; i++)
        if (ev & (1u << i))
            jw_str(w, otw_evidence_text((otw_evidence)i));
    jw_arr_end(w);
}

void otw_asset_json(otw_store *st, const otw_asset *a, otw_jsonw *w)
{
    char b[128];
    jw_obj_begin(w);
    jw_key(w, "id");
    jw_i64(w, a->store_id);
    jw_key(w, "mac");
    if (a->has_mac)
        jw_str(w, otw_mac_str(a->mac, b, sizeof(b)));
    else
        jw_null(w);
    jw_key(w, "ips");
    jw_arr_begin(w);
    for (int i = 0; i < a->n_ips; i++)
        jw_str(w, otw_addr_str(&a->ips[i], b, sizeof(b)));
    jw_arr_end(w);
    jw_key(w, "vendor");
    if (a->vendor[0])
        jw_str(w, a->vendor);
    else
        jw_null(w);
    jw_key(w, "vlan");
    if (a->vlan)
        jw_u64(w, a->vlan);
    else
        jw_null(w);
    jw_key(w, "role");
    jw_str(w, otw_role_name(otw_asset_role(a)));
    jw_key(w, "role_evidence");
    evidence_json(w, a->evidence);
    jw_key(w, "protocols");
    jw_obj_begin(w);
    jw_key(w, "client");
    jw_arr_begin(w);
    for (int i = 0; i < a->n_protos_client; i++)
        jw_str(w, otw_store_proto_name(st, a->protos_client[i], b, sizeof(b)));
    jw_arr_end(w);
    jw_key(w, "server");
    jw_arr_begin(w);
    for (int i = 0; i < a->n_protos_server; i++)
        jw_str(w, otw_store_proto_name(st, a->protos_server[i], b, sizeof(b)));
    jw_arr_end(w);
    jw_obj_end(w);
    jw_key(w, "identity");
    if (a->has_identity) {
        const otw_identity *id = &a->identity;
        jw_obj_begin(w);
        const char *fields[][2] = {{"vendor", id->vendor},
                                   {"product", id->product},
                                   {"product_code", id->product_code},
                                   {"model", id->model},
                                   {"revision", id->revision},
                                   {"serial", id->serial},
                                   {"name", id->name},
                                   {"device_type", id->device_type},
                                   {"detail", id->detail}};
        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
            jw_key(w, fields[i][0]);
            if (fields[i][1][0])
                jw_str(w, fields[i][1]);
            else
                jw_null(w);
        }
        jw_key(w, "vendor_id");
        if (id->has_vendor_id)
            jw_u64(w, id->vendor_id);
        else
            jw_null(w);
        jw_key(w, "source");
        jw_str(w, id->source ? id->source : "");
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_key(w, "first_seen");
    jw_ts(w, a->first_us);
    jw_key(w, "last_seen");
    jw_ts(w, a->last_us);
    jw_key(w, "packets");
    jw_u64(w, a->pkts);
    jw_key(w, "bytes");
    jw_u64(w, a->bytes);
    jw_obj_end(w);
}

#define VLAN_COLUMN 3 /* in the assets table */

static const char *asset_zone(const otw_config *cfg, const otw_asset *a)
{
    return otw_zone_name(cfg, otw_asset_zone(cfg, a));
}

int otw_list_assets(const char *state_dir, const char *format, FILE *out)
{
    return otw_list_assets_zoned(NULL, state_dir, format, out);
}

/* What each assets format writes from. cfg is NULL without zones. */
typedef struct asset_list {
    const otw_config *cfg;
    otw_store *st;
    const otw_asset *items;
    size_t n;
    FILE *out;
} asset_list;

/* One asset's object; with zones, "zone" goes last: {..., "zone": "control"}. */
static void asset_json_line(const asset_list *l, size_t i, char *buf, size_t cap)
{
    otw_jsonw w;
    jw_init(&w, buf, cap);
    otw_asset_json(l->st, &l->items[i], &w);
    const char *obj = jw_finish(&w) ? buf : "{}";
    size_t n = strlen(obj);
    char zone[96];
    otw_jsonw zw;
    jw_init(&zw, zone, sizeof(zone));
    if (l->cfg)
        jw_str(&zw, asset_zone(l->cfg, &l->items[i]));
    if (l->cfg && n > 2 && jw_finish(&zw))
        fprintf(l->out, "%s\n  %.*s,\"zone\":%s}", i ? "," : "", (int)(n - 1), obj, zone);
    else
        fprintf(l->out, "%s\n  %s", i ? "," : "", obj);
}

/* Returns 0, or -1 when memory ran out (before anything is written). */
static int list_assets_json(const asset_list *l)
{
    size_t cap = 8192;
    char *buf = otw_alloc_array(cap, 1);
    if (!buf)
        return -1;
    fputs("[", l->out);
    for (size_t i = 0; i < l->n; i++)
        asset_json_line(l, i, buf, cap);
    fputs(l->n ? "\n]\n" : "]\n", l->out);
    free(buf);
    return 0;
}

static void asset_csv_row(const asset_list *l, const otw_asset *a)
{
    FILE *out = l->out;
    const otw_identity *id = a->has_identity ? &a->identity : NULL;
    char b[1024], t[32];
    snprintf(b, sizeof(b), "%lld", (long long)a->store_id);
    otw_csv_field(out, b, false);
    otw_csv_field(out, a->has_mac ? otw_mac_str(a->mac, b, sizeof(b)) : "", false);
    join_ips(a, b, sizeof(b));
    otw_csv_field(out, b, false);
    otw_csv_field(out, a->vendor, false);
    otw_csv_field(out, otw_role_name(otw_asset_role(a)), false);
    join_protos(l->st, a->protos_client, a->n_protos_client, " ", b, sizeof(b));
    otw_csv_field(out, b, false);
    join_protos(l->st, a->protos_server, a->n_protos_server, " ", b, sizeof(b));
    otw_csv_field(out, b, false);
    otw_csv_field(out, id ? id->vendor : "", false);
    otw_csv_field(out, id ? (id->model[0] ? id->model : id->product) : "", false);
    otw_csv_field(out, id ? id->revision : "", false);
    otw_csv_field(out, id ? id->name : "", false);
    otw_csv_field(out, otw_format_ts_seconds(a->first_us, t), false);
    otw_csv_field(out, otw_format_ts_seconds(a->last_us, t), false);
    snprintf(b, sizeof(b), "%llu", (unsigned long long)a->pkts);
    otw_csv_field(out, b, false);
    snprintf(b, sizeof(b), "%llu", (unsigned long long)a->bytes);
    otw_csv_field(out, b, false);
    snprintf(b, sizeof(b), "%u", a->vlan);
    otw_csv_field(out, a->vlan ? b : "", !l->cfg);
    if (l->cfg)
        otw_csv_field(out, asset_zone(l->cfg, a), true);
}

static void list_assets_csv(const asset_list *l)
{
    fprintf(l->out,
            "id,mac,ips,vendor,role,protocols_client,protocols_server,identity_vendor,"
            "identity_model,identity_revision,identity_name,first_seen,last_seen,packets,"
            "bytes,vlan%s\r\n",
            l->cfg ? ",zone" : "");
    for (size_t i = 0; i < l->n; i++)
        asset_csv_row(l, &l->items[i]);
}

/* The lines under an asset's row: one per piece of role evidence. */
static void evidence_lines(uint32_t evidence, char *why, size_t whysz)
{
    size_t wl = 0;
    why[0] = '\0';
    for (int e = 0; e < OTW_EV__COUNT && wl < whysz; e++)
        if (evidence & (1u << e))
            wl += (size_t)snprintf(why + wl, whysz - wl, "     evidence: %s\n",
                                   otw_evidence_text((otw_evidence)e));
}

/* Identity last: the longest, and free to run on. A VLAN column only where
 * some device was seen tagged. */
static const char *const asset_heads[] = {">ID",
                                          "MAC",
                                          "IP",
                                          ">VLAN",
                                          "VENDOR (OUI)",
                                          "ROLE",
                                          "PROTOCOLS (srv|cli)",
                                          "LAST SEEN (UTC)",
                                          ">PACKETS",
                                          "IDENTITY"};
#define N_ASSET_COLS (sizeof(asset_heads) / sizeof(asset_heads[0]))

static void asset_table_row(const asset_list *l, const otw_asset *a, bool any_vlan,
                            otw_texttable *tt)
{
    char mac[32] = "-", ips[512], ps[256], pc[256], protos[512], id[256], t[32];
    if (a->has_mac)
        otw_mac_str(a->mac, mac, sizeof(mac));
    join_ips(a, ips, sizeof(ips));
    join_protos(l->st, a->protos_server, a->n_protos_server, ",", ps, sizeof(ps));
    join_protos(l->st, a->protos_client, a->n_protos_client, ",", pc, sizeof(pc));
    snprintf(protos, sizeof(protos), "%s|%s", ps[0] ? ps : "-", pc[0] ? pc : "-");
    identity_text(a, id, sizeof(id));
    /* Vendor names are long; the table shows the first 24 bytes. */
    char vendor[25] = "-";
    if (a->vendor[0]) {
        memcpy(vendor, a->vendor, sizeof(vendor) - 1);
        vendor[sizeof(vendor) - 1] = '\0';
    }
    char no[24], pkts[24], why[1024];
    snprintf(no, sizeof(no), "%lld", (long long)a->store_id);
    snprintf(pkts, sizeof(pkts), "%llu", (unsigned long long)a->pkts);
    evidence_lines(a->evidence, why, sizeof(why));
    char vlan[8] = "-";
    if (a->vlan)
        snprintf(vlan, sizeof(vlan), "%u", a->vlan);
    const char *cells[N_ASSET_COLS] = {no,     mac,
                                       ips,    vlan,
                                       vendor, otw_role_name(otw_asset_role(a)),
                                       protos, otw_format_ts_seconds(a->last_us, t),
                                       pkts,   id};
    const char *row[N_ASSET_COLS];
    size_t n = 0;
    for (size_t c = 0; c < N_ASSET_COLS; c++)
        if (any_vlan || c != VLAN_COLUMN)
            row[n++] = cells[c];
    otw_tt_row(tt, row, why[0] ? why : NULL);
}

/* Returns 0, or nonzero when memory ran out: a table with rows missing is
 * no listing, so nothing is written then. */
static int list_assets_table(const asset_list *l)
{
    bool any_vlan = false;
    for (size_t i = 0; i < l->n && !any_vlan; i++)
        any_vlan = l->items[i].vlan != 0;
    const char *shown[N_ASSET_COLS];
    size_t n_cols = 0;
    for (size_t c = 0; c < N_ASSET_COLS; c++)
        if (any_vlan || c != VLAN_COLUMN)
            shown[n_cols++] = asset_heads[c];
    otw_texttable tt;
    otw_tt_init(&tt, n_cols, shown);
    for (size_t i = 0; i < l->n; i++)
        asset_table_row(l, &l->items[i], any_vlan, &tt);
    int rc = tt.failed ? -1 : otw_tt_print(&tt, l->out);
    otw_tt_free(&tt);
    if (rc == 0)
        fprintf(l->out, "%zu asset%s\n", l->n, l->n == 1 ? "" : "s");
    return rc;
}

int otw_list_assets_zoned(const otw_config *cfg, const char *state_dir, const char *format,
                          FILE *out)
{
    if (cfg && cfg->n_zones == 0)
        cfg = NULL; /* without zones the listing stays as it was */
    char err[512];
    otw_snapshot snap;
    if (otw_snapshot_open(&snap, state_dir, OTW_SNAP_ASSETS, err, sizeof(err)) != 0) {
        otw_error("%s", err);
        return 1;
    }
    asset_list l = {cfg, snap.st, snap.assets, snap.n_assets, out};
    int rc = 0;
    if (strcmp(format, "json") == 0)
        rc = list_assets_json(&l);
    else if (strcmp(format, "csv") == 0)
        list_assets_csv(&l);
    else
        rc = list_assets_table(&l);
    otw_snapshot_close(&snap);
    if (rc != 0) {
        otw_error("out of memory");
        return 1;
    }
    return 0;
}

static const char *endpoint_text(const otw_endpoint *e, char *out, size_t outsz)
{
    char ip[64] = "", mac[32] = "";
    if (e->has_ip)
        otw_addr_str(&e->ip, ip, sizeof(ip));
    else if (e->has_mac)
        otw_mac_str(e->mac, mac, sizeof(mac));
    if (e->port && ip[0] && !otw_addr_is_v4(&e->ip))
        snprintf(out, outsz, "[%s]:%u", ip, e->port); /* RFC 5952 section 6 */
    else if (e->port)
        snprintf(out, outsz, "%s:%u", ip[0] ? ip : mac, e->port);
    else
        snprintf(out, outsz, "%s", ip[0] ? ip : mac[0] ? mac : "-");
    return out;
}

/* types: comma-separated names, compared without case. */
static bool type_listed(const char *types, const char *type)
{
    size_t n = strlen(type);
    for (const char *p = types; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncasecmp(p, type, n) == 0)
            return true;
        p += len + (end ? 1 : 0);
    }
    return false;
}

static bool alert_selected(const otw_alert *a, const otw_alert_filter *f)
{
    if (!f)
        return true;
    if (f->min_severity >= 0 && (int)a->severity < f->min_severity)
        return false;
    if (f->types && !type_listed(f->types, a->type))
        return false;
    return !f->since_us || a->last_us >= f->since_us;
}

static void alerts_csv(const otw_alert *items, size_t n, const otw_alert_filter *f, FILE *out)
{
    static const char *const heads[] = {"id",       "first_seen", "last_seen", "severity",
                                        "type",     "technique",  "source",    "destination",
                                        "protocol", "count",      "key",       "message"};
    for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
        otw_csv_field(out, heads[i], i + 1 == sizeof(heads) / sizeof(heads[0]));
    for (size_t i = 0; i < n; i++) {
        const otw_alert *a = &items[i];
        if (!alert_selected(a, f))
            continue;
        char no[24], t1[32], t2[32], src[80], dst[80], count[24];
        snprintf(no, sizeof(no), "%lld", (long long)a->id);
        snprintf(count, sizeof(count), "%llu", (unsigned long long)a->count);
        const char *row[] = {no,
                             otw_format_ts_seconds(a->first_us, t1),
                             otw_format_ts_seconds(a->last_us, t2),
                             otw_severity_name(a->severity),
                             a->type,
                             a->technique,
                             endpoint_text(&a->src, src, sizeof(src)),
                             endpoint_text(&a->dst, dst, sizeof(dst)),
                             a->protocol,
                             count,
                             a->key,
                             a->message};
        for (size_t c = 0; c < sizeof(row) / sizeof(row[0]); c++)
            otw_csv_field(out, row[c], c + 1 == sizeof(row) / sizeof(row[0]));
    }
}

int otw_list_alerts(const char *state_dir, const char *format, FILE *out)
{
    return otw_list_alerts_filtered(state_dir, format, NULL, out);
}

int otw_list_alerts_filtered(const char *state_dir, const char *format,
                             const otw_alert_filter *filter, FILE *out)
{
    char err[512];
    otw_snapshot snap;
    if (otw_snapshot_open(&snap, state_dir, OTW_SNAP_ALERTS, err, sizeof(err)) != 0) {
        otw_error("%s", err);
        return 1;
    }
    struct {
        const otw_alert *items;
        size_t n;
    } l = {snap.alerts, snap.n_alerts};
    int rc = 0;
    if (strcmp(format, "json") == 0) {
        char buf[2048];
        fputs("[", out);
        size_t shown = 0;
        for (size_t i = 0; i < l.n; i++) {
            if (!alert_selected(&l.items[i], filter))
                continue;
            size_t n = otw_alert_json(&l.items[i], buf, sizeof(buf));
            fprintf(out, "%s\n  %s", shown++ ? "," : "", n ? buf : "{}");
        }
        fputs(shown ? "\n]\n" : "]\n", out);
    } else if (strcmp(format, "csv") == 0) {
        alerts_csv(l.items, l.n, filter, out);
    } else {
        static const char *const heads[] = {">ID",    "LAST SEEN (UTC)", "SEVERITY", "TYPE",
                                            "SOURCE", "DESTINATION",     ">COUNT",   "MESSAGE"};
        otw_texttable tt;
        otw_tt_init(&tt, sizeof(heads) / sizeof(heads[0]), heads);
        size_t shown = 0;
        for (size_t i = 0; i < l.n; i++) {
            const otw_alert *a = &l.items[i];
            if (!alert_selected(a, filter))
                continue;
            shown++;
            char no[24], t[32], src[80], dst[80], count[24];
            snprintf(no, sizeof(no), "%lld", (long long)a->id);
            snprintf(count, sizeof(count), "%llu", (unsigned long long)a->count);
            const char *row[] = {no,
                                 otw_format_ts_seconds(a->last_us, t),
                                 otw_severity_name(a->severity),
                                 a->type,
                                 endpoint_text(&a->src, src, sizeof(src)),
                                 endpoint_text(&a->dst, dst, sizeof(dst)),
                                 count,
                                 a->message};
            otw_tt_row(&tt, row, NULL);
        }
        /* A table with rows missing is no listing: nothing, and an error. */
        rc = tt.failed ? -1 : otw_tt_print(&tt, out);
        otw_tt_free(&tt);
        if (rc == 0) {
            if (filter && shown != l.n)
                fprintf(out, "%zu of %zu alert%s\n", shown, l.n, l.n == 1 ? "" : "s");
            else
                fprintf(out, "%zu alert%s\n", l.n, l.n == 1 ? "" : "s");
        }
    }
    otw_snapshot_close(&snap);
    if (rc != 0) {
        otw_error("out of memory");
        return 1;
    }
    return 0;
}
