/* api.c - see api.h and docs/web.md ("API"). */
#include "api.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "baseline.h"
#include "boundary.h"
#include "hex.h"
#include "jsonw.h"
#include "listing.h"
#include "log.h"
#include "novelty.h"
#include "snapshot.h"
#include "state_ops.h"
#include "store.h"
#include "zones.h"

#define ITEM_BUF 16384 /* one rendered asset, alert or row */

/* ---- request bodies: a flat JSON object of strings ---- */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static int hex4(const char *p, const char *end, unsigned *v)
{
    if (end - p < 4)
        return -1;
    *v = 0;
    for (int i = 0; i < 4; i++) {
        int h = otw_hex_value(p[i]);
        if (h < 0)
            return -1;
        *v = *v << 4 | (unsigned)h;
    }
    return 0;
}

/* Parses the string at *pp (after its opening quote) into out (NULL: skip).
 * Returns 0 and moves *pp past the closing quote, or -1. */
static int parse_str(const char **pp, const char *end, char *out, size_t outsz)
{
    const char *p = *pp;
    size_t n = 0;
    while (p < end && *p != '"') {
        unsigned cp;
        if ((unsigned char)*p < 0x20)
            return -1;
        if (*p != '\\') {
            cp = (unsigned char)*p++;
            if (out) {
                if (n + 1 >= outsz)
                    return -1;
                out[n++] = (char)cp;
            }
            continue;
        }
        if (++p >= end)
            return -1;
        char e = *p++;
        switch (e) {
        case '"':
            cp = '"';
            break;
        case '\\':
            cp = '\\';
            break;
        case '/':
            cp = '/';
            break;
        case 'b':
            cp = '\b';
            break;
        case 'f':
            cp = '\f';
            break;
        case 'n':
            cp = '\n';
            break;
        case 'r':
            cp = '\r';
            break;
        case 't':
            cp = '\t';
            break;
        case 'u':
            if (hex4(p, end, &cp) != 0)
                return -1;
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, end, &lo) != 0 ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return -1;
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return -1;
            }
            break;
        default:
            return -1;
        }
        if (cp == 0)
            return -1; /* no NUL inside C strings */
        if (!out)
            continue;
        char u[4];
        size_t k;
        if (cp < 0x80) {
            u[0] = (char)cp;
            k = 1;
        } else if (cp < 0x800) {
            u[0] = (char)(0xC0 | cp >> 6);
            u[1] = (char)(0x80 | (cp & 0x3F));
            k = 2;
        } else if (cp < 0x10000) {
            u[0] = (char)(0xE0 | cp >> 12);
            u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
            u[2] = (char)(0x80 | (cp & 0x3F));
            k = 3;
        } else {
            u[0] = (char)(0xF0 | cp >> 18);
            u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
            u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
            u[3] = (char)(0x80 | (cp & 0x3F));
            k = 4;
        }
        if (n + k >= outsz)
            return -1;
        memcpy(out + n, u, k);
        n += k;
    }
    if (p >= end)
        return -1;
    if (out)
        out[n] = '\0';
    *pp = p + 1;
    return 0;
}

int otw_web_json_get(const char *body, size_t len, const char *key, char *out, size_t outsz)
{
    if (!body || outsz == 0)
        return -1;
    const char *p = body, *end = body + len;
    p = skip_ws(p, end);
    if (p >= end || *p++ != '{')
        return -1;
    for (int guard = 0; guard < 64; guard++) {
        p = skip_ws(p, end);
        if (p < end && *p == '}')
            return -1;
        if (p >= end || *p++ != '"')
            return -1;
        char k[64];
        if (parse_str(&p, end, k, sizeof(k)) != 0)
            return -1;
        p = skip_ws(p, end);
        if (p >= end || *p++ != ':')
            return -1;
        p = skip_ws(p, end);
        if (p >= end)
            return -1;
        if (*p == '"') {
            p++;
            bool want = strcmp(k, key) == 0;
            if (parse_str(&p, end, want ? out : NULL, outsz) != 0)
                return -1;
            if (want)
                return 0;
        } else {
            /* numbers, true, false, null: not strings, skipped */
            while (p < end && *p != ',' && *p != '}')
                p++;
        }
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        return -1;
    }
    return -1;
}

void otw_web_error(FILE *out, const char *msg)
{
    char buf[1024];
    otw_jsonw w;
    jw_init(&w, buf, sizeof(buf));
    jw_obj_begin(&w);
    jw_key(&w, "error");
    jw_str(&w, msg);
    jw_obj_end(&w);
    fputs(jw_finish(&w) ? buf : "{\"error\":\"error\"}", out);
}

/* ---- loading the store ---- */

/* The views' loader (snapshot.h); the handlers keep their short names. */
typedef otw_snapshot snapshot;

enum { LOAD_ASSETS = OTW_SNAP_ASSETS, LOAD_COMMS = OTW_SNAP_COMMS, LOAD_ALERTS = OTW_SNAP_ALERTS };

static void snap_close(snapshot *s)
{
    otw_snapshot_close(s);
}

/* 0, or -1 with the error written (the handler answers 500). */
static int snap_open(otw_web_ctx *c, snapshot *s, int what, FILE *out)
{
    char err[512];
    int rc = otw_snapshot_open(s, c->state_dir, (unsigned)what, err, sizeof(err));
    if (rc != 0) {
        /* The store's path stays on the server. */
        otw_web_error(out, rc == OTW_SNAP_UNREADABLE ? "cannot read the state store" : err);
        return -1;
    }
    return 0;
}

/* ---- helpers ---- */

static const char *zone_of(otw_web_ctx *c, const otw_addr *ip, uint16_t vlan)
{
    return otw_zone_label(c->cfg, otw_zone_of(c->cfg, ip, vlan));
}

static const char *asset_zone(otw_web_ctx *c, const otw_asset *a)
{
    return otw_zone_label(c->cfg, otw_asset_zone(c->cfg, a));
}

static bool asset_has_ip(const otw_asset *a, const otw_addr *ip)
{
    for (int i = 0; i < a->n_ips; i++)
        if (!memcmp(a->ips[i].b, ip->b, sizeof(ip->b)))
            return true;
    return false;
}

static int64_t asset_id_of(const snapshot *s, const otw_addr *ip)
{
    for (size_t i = 0; i < s->n_assets; i++)
        if (asset_has_ip(&s->assets[i], ip))
            return s->assets[i].store_id;
    return 0;
}

/* The display name: identity name, else first IP, else MAC. */
static const char *asset_label(const otw_asset *a, char *buf, size_t bufsz)
{
    if (a->has_identity && a->identity.name[0])
        snprintf(buf, bufsz, "%s", a->identity.name);
    else if (a->n_ips)
        otw_addr_str(&a->ips[0], buf, bufsz);
    else if (a->has_mac)
        otw_mac_str(a->mac, buf, bufsz);
    else
        snprintf(buf, bufsz, "#%lld", (long long)a->store_id);
    return buf;
}

/* otw_asset_json plus "zone" and "label": the same object, two more keys. */
static const char *asset_render(otw_web_ctx *c, snapshot *s, const otw_asset *a, char *buf,
                                size_t bufsz)
{
    otw_jsonw w;
    jw_init(&w, buf, bufsz - 256);
    otw_asset_json(s->st, a, &w);
    if (!jw_finish(&w))
        return NULL;
    size_t len = strlen(buf);
    char extra[256], lb[96];
    otw_jsonw x;
    jw_init(&x, extra, sizeof(extra));
    jw_obj_begin(&x);
    jw_key(&x, "zone");
    jw_str(&x, asset_zone(c, a));
    jw_key(&x, "label");
    jw_str(&x, asset_label(a, lb, sizeof(lb)));
    jw_obj_end(&x);
    if (!jw_finish(&x) || len < 2)
        return NULL;
    /* {...} + {"zone":..} -> {...,"zone":..} */
    snprintf(buf + len - 1, bufsz - len + 1, "%s%s", buf[len - 2] == '{' ? "" : ",", extra + 1);
    return buf;
}

static bool asset_has_proto(snapshot *s, const otw_asset *a, const char *proto)
{
    char b[64];
    for (int i = 0; i < a->n_protos_client; i++)
        if (!strcasecmp(otw_store_proto_name(s->st, a->protos_client[i], b, sizeof(b)), proto))
            return true;
    for (int i = 0; i < a->n_protos_server; i++)
        if (!strcasecmp(otw_store_proto_name(s->st, a->protos_server[i], b, sizeof(b)), proto))
            return true;
    return false;
}

static bool empty(const char *v)
{
    return !v || !v[0];
}

/* A sorted set of strings for the filter choices. */
typedef struct strset {
    char v[256][64];
    int n;
} strset;

static void set_add(strset *t, const char *s)
{
    if (!s || !s[0])
        return;
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->v[i], s))
            return;
    if (t->n < 256) {
        size_t n = strnlen(s, sizeof(t->v[0]) - 1); /* longer values are cut */
        memcpy(t->v[t->n], s, n);
        t->v[t->n++][n] = '\0';
    }
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void set_json(FILE *out, strset *t)
{
    qsort(t->v, (size_t)t->n, sizeof(t->v[0]), str_cmp);
    fputc('[', out);
    for (int i = 0; i < t->n; i++) {
        char b[160];
        otw_jsonw w;
        jw_init(&w, b, sizeof(b));
        jw_str(&w, t->v[i]);
        fprintf(out, "%s%s", i ? "," : "", jw_finish(&w) ? b : "\"\"");
    }
    fputc(']', out);
}

/* ---- acceptances (the store's record) ---- */

/* 0 none, 1 pending, 2 applied */
static int acceptance_state(snapshot *s, int64_t alert_id)
{
    sqlite3 *db = otw_store_db(s->st);
    sqlite3_stmt *q;
    int r = 0;
    if (sqlite3_prepare_v2(db, "SELECT max(applied) FROM acceptances WHERE alert_id = ?1", -1, &q,
                           NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(q, 1, alert_id);
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
        r = sqlite3_column_int(q, 0) ? 2 : 1;
    sqlite3_finalize(q);
    return r;
}

static void alert_render(otw_web_ctx *c, snapshot *s, const otw_alert *a, FILE *out)
{
    char buf[4096];
    size_t n = otw_alert_json(a, buf, sizeof(buf));
    if (!n || n < 2) {
        fputs("{}", out);
        return;
    }
    char who[OTW_AUTH_NAME_MAX] = "";
    bool acked = otw_auth_acked(c->auth, a->id, who, sizeof(who)) == 0;
    int acc = acceptance_state(s, a->id);
    char extra[512];
    otw_jsonw w;
    jw_init(&w, extra, sizeof(extra));
    jw_obj_begin(&w);
    jw_key(&w, "acknowledged_by");
    if (acked)
        jw_str(&w, who);
    else
        jw_null(&w);
    jw_key(&w, "accepted");
    jw_str(&w, acc == 2 ? "applied" : acc == 1 ? "pending" : "no");
    jw_key(&w, "src_asset");
    jw_i64(&w, a->src.has_ip ? asset_id_of(s, &a->src.ip) : 0);
    jw_key(&w, "dst_asset");
    jw_i64(&w, a->dst.has_ip ? asset_id_of(s, &a->dst.ip) : 0);
    jw_obj_end(&w);
    buf[n - 1] = '\0'; /* drop the closing brace */
    fprintf(out, "%s,%s", buf, jw_finish(&w) ? extra + 1 : "\"x\":null}");
}

static void comm_render(otw_web_ctx *c, snapshot *s, const otw_comm *m, FILE *out)
{
    char buf[2048], b[64];
    otw_jsonw w;
    jw_init(&w, buf, sizeof(buf));
    jw_obj_begin(&w);
    jw_key(&w, "id");
    jw_i64(&w, m->store_id);
    jw_key(&w, "client");
    jw_str(&w, otw_addr_str(&m->client, b, sizeof(b)));
    jw_key(&w, "client_asset");
    jw_i64(&w, asset_id_of(s, &m->client));
    jw_key(&w, "client_zone");
    jw_str(&w, zone_of(c, &m->client, m->vlan));
    jw_key(&w, "server");
    jw_str(&w, otw_addr_str(&m->server, b, sizeof(b)));
    jw_key(&w, "server_asset");
    jw_i64(&w, asset_id_of(s, &m->server));
    jw_key(&w, "server_zone");
    jw_str(&w, zone_of(c, &m->server, m->vlan));
    jw_key(&w, "protocol");
    jw_str(&w, otw_store_proto_name(s->st, m->proto_key, b, sizeof(b)));
    jw_key(&w, "transport");
    jw_str(&w, m->transport == 6 ? "tcp" : m->transport == 17 ? "udp" : "other");
    jw_key(&w, "server_port");
    jw_u64(&w, m->server_port);
    jw_key(&w, "first_seen");
    jw_ts(&w, m->first_us);
    jw_key(&w, "last_seen");
    jw_ts(&w, m->last_us);
    jw_key(&w, "flows");
    jw_u64(&w, m->flows);
    jw_key(&w, "packets");
    jw_u64(&w, m->pkts);
    jw_key(&w, "bytes");
    jw_u64(&w, m->bytes);
    jw_obj_end(&w);
    fputs(jw_finish(&w) ? buf : "{}", out);
}

/* ---- endpoints ---- */

static int get_assets(otw_web_ctx *c, otw_web_arg_fn arg, void *actx, FILE *out)
{
    snapshot s;
    if (snap_open(c, &s, LOAD_ASSETS, out) != 0)
        return 500;
    const char *q = arg(actx, "q"), *zone = arg(actx, "zone"), *role = arg(actx, "role"),
               *vendor = arg(actx, "vendor"), *proto = arg(actx, "protocol");
    char *buf = malloc(ITEM_BUF);
    strset *f = calloc(4, sizeof(strset));
    if (!buf || !f) {
        free(buf);
        free(f);
        snap_close(&s);
        otw_web_error(out, "out of memory");
        return 500;
    }
    fputs("{\"assets\":[", out);
    size_t shown = 0;
    for (size_t i = 0; i < s.n_assets; i++) {
        const otw_asset *a = &s.assets[i];
        char b[64];
        set_add(&f[0], asset_zone(c, a));
        set_add(&f[1], otw_role_name(otw_asset_role(a)));
        set_add(&f[2], a->vendor);
        if (a->has_identity)
            set_add(&f[2], a->identity.vendor);
        for (int k = 0; k < a->n_protos_client; k++)
            set_add(&f[3], otw_store_proto_name(s.st, a->protos_client[k], b, sizeof(b)));
        for (int k = 0; k < a->n_protos_server; k++)
            set_add(&f[3], otw_store_proto_name(s.st, a->protos_server[k], b, sizeof(b)));
        if (!empty(zone) && strcmp(asset_zone(c, a), zone) != 0)
            continue;
        if (!empty(role) && strcmp(otw_role_name(otw_asset_role(a)), role) != 0)
            continue;
        if (!empty(vendor) && !strcasestr(a->vendor, vendor) &&
            !(a->has_identity && strcasestr(a->identity.vendor, vendor)))
            continue;
        if (!empty(proto) && !asset_has_proto(&s, a, proto))
            continue;
        const char *js = asset_render(c, &s, a, buf, ITEM_BUF);
        if (!js)
            continue;
        /* Search: any text of the rendered asset (addresses, names, vendors...). */
        if (!empty(q) && !strcasestr(js, q))
            continue;
        fprintf(out, "%s%s", shown ? "," : "", js);
        shown++;
    }
    fprintf(out, "],\"total\":%zu,\"shown\":%zu,\"facets\":{\"zones\":", s.n_assets, shown);
    set_json(out, &f[0]);
    fputs(",\"roles\":", out);
    set_json(out, &f[1]);
    fputs(",\"vendors\":", out);
    set_json(out, &f[2]);
    fputs(",\"protocols\":", out);
    set_json(out, &f[3]);
    fputs("}}", out);
    free(f);
    free(buf);
    snap_close(&s);
    return 200;
}

static bool alert_touches(const otw_alert *al, const otw_asset *a)
{
    if (al->src.has_ip && asset_has_ip(a, &al->src.ip))
        return true;
    if (al->dst.has_ip && asset_has_ip(a, &al->dst.ip))
        return true;
    if (a->has_mac && al->src.has_mac && !al->src.has_ip && !memcmp(al->src.mac, a->mac, 6))
        return true;
    return false;
}

static int get_asset(otw_web_ctx *c, int64_t id, FILE *out)
{
    snapshot s;
    if (snap_open(c, &s, LOAD_ASSETS | LOAD_COMMS | LOAD_ALERTS, out) != 0)
        return 500;
    const otw_asset *a = NULL;
    for (size_t i = 0; i < s.n_assets && !a; i++)
        if (s.assets[i].store_id == id)
            a = &s.assets[i];
    char *buf = malloc(ITEM_BUF);
    if (!a || !buf) {
        free(buf);
        snap_close(&s);
        otw_web_error(out, a ? "out of memory" : "no such asset");
        return a ? 500 : 404;
    }
    const char *js = asset_render(c, &s, a, buf, ITEM_BUF);
    fprintf(out, "{\"asset\":%s,\"comms\":[", js ? js : "{}");
    int n = 0;
    for (size_t i = 0; i < s.n_comms; i++) {
        const otw_comm *m = &s.comms[i];
        if (!asset_has_ip(a, &m->client) && !asset_has_ip(a, &m->server))
            continue;
        if (n++)
            fputc(',', out);
        comm_render(c, &s, m, out);
    }
    fputs("],\"alerts\":[", out);
    n = 0;
    for (size_t i = 0; i < s.n_alerts; i++) {
        if (!alert_touches(&s.alerts[i], a))
            continue;
        if (n++)
            fputc(',', out);
        alert_render(c, &s, &s.alerts[i], out);
    }
    fputs("]}", out);
    free(buf);
    snap_close(&s);
    return 200;
}

typedef struct edge {
    int64_t src, dst;
    char proto[32];
    uint16_t port;
    uint64_t pkts, bytes;
} edge;

static int edge_cmp(const void *x, const void *y)
{
    const edge *a = x, *b = y;
    if (a->src != b->src)
        return a->src < b->src ? -1 : 1;
    if (a->dst != b->dst)
        return a->dst < b->dst ? -1 : 1;
    return strcmp(a->proto, b->proto);
}

static int get_map(otw_web_ctx *c, FILE *out)
{
    snapshot s;
    if (snap_open(c, &s, LOAD_ASSETS | LOAD_COMMS, out) != 0)
        return 500;
    fputs("{\"zones\":[", out);
    strset *zs = calloc(1, sizeof(*zs));
    edge *e = calloc(s.n_comms ? s.n_comms : 1, sizeof(*e));
    if (!zs || !e) {
        free(zs);
        free(e);
        snap_close(&s);
        return 500;
    }
    for (size_t i = 0; i < s.n_assets; i++)
        set_add(zs, asset_zone(c, &s.assets[i]));
    qsort(zs->v, (size_t)zs->n, sizeof(zs->v[0]), str_cmp);
    for (int i = 0; i < zs->n; i++) {
        char b[256];
        otw_jsonw w;
        jw_init(&w, b, sizeof(b));
        jw_obj_begin(&w);
        jw_key(&w, "name");
        jw_str(&w, zs->v[i]);
        jw_key(&w, "kind");
        const char *kind = "unassigned";
        for (int z = 0; z < c->cfg->n_zones; z++)
            if (!strcmp(otw_zone_label(c->cfg, (uint8_t)z), zs->v[i]))
                kind = otw_zone_kind_name((otw_zone_kind)c->cfg->zones[z].kind);
        if (!strcmp(zs->v[i], "internet"))
            kind = "internet";
        jw_str(&w, kind);
        jw_obj_end(&w);
        fprintf(out, "%s%s", i ? "," : "", jw_finish(&w) ? b : "{}");
    }
    fputs("],\"nodes\":[", out);
    for (size_t i = 0; i < s.n_assets; i++) {
        const otw_asset *a = &s.assets[i];
        char b[1024], lb[96], ip[64] = "";
        if (a->n_ips)
            otw_addr_str(&a->ips[0], ip, sizeof(ip));
        otw_jsonw w;
        jw_init(&w, b, sizeof(b));
        jw_obj_begin(&w);
        jw_key(&w, "id");
        jw_i64(&w, a->store_id);
        jw_key(&w, "label");
        jw_str(&w, asset_label(a, lb, sizeof(lb)));
        jw_key(&w, "ip");
        jw_str(&w, ip);
        jw_key(&w, "zone");
        jw_str(&w, asset_zone(c, a));
        jw_key(&w, "role");
        jw_str(&w, otw_role_name(otw_asset_role(a)));
        jw_key(&w, "vendor");
        jw_str(&w, a->vendor);
        jw_obj_end(&w);
        fprintf(out, "%s%s", i ? "," : "", jw_finish(&w) ? b : "{}");
    }
    fputs("],\"edges\":[", out);
    size_t ne = 0;
    for (size_t i = 0; i < s.n_comms; i++) {
        const otw_comm *m = &s.comms[i];
        edge *x = &e[ne];
        x->src = asset_id_of(&s, &m->client);
        x->dst = asset_id_of(&s, &m->server);
        if (!x->src || !x->dst)
            continue;
        otw_store_proto_name(s.st, m->proto_key, x->proto, sizeof(x->proto));
        x->port = m->server_port;
        x->pkts = m->pkts;
        x->bytes = m->bytes;
        ne++;
    }
    if (ne)
        qsort(e, ne, sizeof(*e), edge_cmp);
    int shown = 0;
    for (size_t i = 0; i < ne;) {
        edge sum = e[i];
        size_t j = i + 1;
        for (; j < ne && edge_cmp(&e[j], &sum) == 0; j++) {
            sum.pkts += e[j].pkts;
            sum.bytes += e[j].bytes;
        }
        char b[256];
        otw_jsonw w;
        jw_init(&w, b, sizeof(b));
        jw_obj_begin(&w);
        jw_key(&w, "source");
        jw_i64(&w, sum.src);
        jw_key(&w, "target");
        jw_i64(&w, sum.dst);
        jw_key(&w, "protocol");
        jw_str(&w, sum.proto);
        jw_key(&w, "port");
        jw_u64(&w, sum.port);
        jw_key(&w, "packets");
        jw_u64(&w, sum.pkts);
        jw_key(&w, "bytes");
        jw_u64(&w, sum.bytes);
        jw_obj_end(&w);
        fprintf(out, "%s%s", shown++ ? "," : "", jw_finish(&w) ? b : "{}");
        i = j;
    }
    fputs("]}", out);
    free(zs);
    free(e);
    snap_close(&s);
    return 200;
}

static int get_comms(otw_web_ctx *c, FILE *out)
{
    snapshot s;
    if (snap_open(c, &s, LOAD_ASSETS | LOAD_COMMS, out) != 0)
        return 500;
    fputs("{\"comms\":[", out);
    for (size_t i = 0; i < s.n_comms; i++) {
        if (i)
            fputc(',', out);
        comm_render(c, &s, &s.comms[i], out);
    }
    fprintf(out, "],\"total\":%zu}", s.n_comms);
    snap_close(&s);
    return 200;
}

static int get_alerts(otw_web_ctx *c, otw_web_arg_fn arg, void *actx, FILE *out)
{
    snapshot s;
    if (snap_open(c, &s, LOAD_ASSETS | LOAD_ALERTS, out) != 0)
        return 500;
    const char *sev = arg(actx, "severity"), *type = arg(actx, "type"), *q = arg(actx, "q"),
               *state = arg(actx, "state");
    const char *lim = arg(actx, "limit");
    /* Bounded answers: the newest 1000 by default, 100000 at most. */
    long limit = empty(lim) ? 1000 : strtol(lim, NULL, 10);
    if (limit < 1 || limit > 100000)
        limit = 100000;
    int min_sev = empty(sev) ? 0 : otw_severity_parse(sev);
    if (min_sev < 0) {
        snap_close(&s);
        otw_web_error(out, "unknown severity (info, low, medium, high, critical)");
        return 400;
    }
    strset *types = calloc(1, sizeof(*types));
    if (!types) {
        snap_close(&s);
        return 500;
    }
    fputs("{\"alerts\":[", out);
    size_t shown = 0, matched = 0;
    /* Newest first: what an operator looks at. */
    for (size_t k = s.n_alerts; k-- > 0;) {
        const otw_alert *a = &s.alerts[k];
        set_add(types, a->type);
        if ((int)a->severity < min_sev)
            continue;
        if (!empty(type) && strcmp(a->type, type) != 0)
            continue;
        if (!empty(q) && !strcasestr(a->message, q) && !strcasestr(a->type, q) &&
            !strcasestr(a->protocol, q))
            continue;
        if (!empty(state) && strcmp(state, "all") != 0) {
            char who[OTW_AUTH_NAME_MAX];
            bool acked = otw_auth_acked(c->auth, a->id, who, sizeof(who)) == 0;
            if ((!strcmp(state, "open") && acked) || (!strcmp(state, "acknowledged") && !acked))
                continue;
        }
        if ((long)shown >= limit) {
            matched++;
            continue;
        }
        if (shown++)
            fputc(',', out);
        alert_render(c, &s, a, out);
        matched++;
    }
    fprintf(out, "],\"total\":%zu,\"matched\":%zu,\"shown\":%zu,\"types\":", s.n_alerts, matched,
            shown);
    set_json(out, types);
    fputc('}', out);
    free(types);
    snap_close(&s);
    return 200;
}

static bool alert_exists(otw_web_ctx *c, int64_t id, FILE *out, int *status)
{
    snapshot s;
    if (snap_open(c, &s, LOAD_ALERTS, out) != 0) {
        *status = 500;
        return false;
    }
    bool found = false;
    for (size_t i = 0; i < s.n_alerts && !found; i++)
        found = s.alerts[i].id == id;
    snap_close(&s);
    if (!found) {
        otw_web_error(out, "no such alert");
        *status = 404;
    }
    return found;
}

static uint64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int post_ack(otw_web_ctx *c, int64_t id, otw_web_session *ses, FILE *out)
{
    int status;
    if (!alert_exists(c, id, out, &status))
        return status;
    if (otw_auth_ack(c->auth, id, ses->user, wall_us()) != 0) {
        otw_web_error(out, "cannot record the acknowledgement");
        return 500;
    }
    fprintf(out, "{\"acknowledged\":%lld}", (long long)id);
    return 200;
}

static int post_accept(otw_web_ctx *c, int64_t id, const char *body, size_t len, FILE *out)
{
    char reason[512];
    if (otw_web_json_get(body, len, "reason", reason, sizeof(reason)) != 0 || !reason[0]) {
        otw_web_error(out, "a reason (1-500 characters) is required");
        return 400;
    }
    int status;
    if (!alert_exists(c, id, out, &status))
        return status;
    /* Records it, and applies it at once unless a sensor owns the state
     * (that sensor applies it at its checkpoint). */
    char err[512];
    otw_accept_result res;
    if (otw_state_accept(c->cfg, c->state_dir, id, reason, &res, err, sizeof(err)) != 0) {
        otw_error("accepting alert %lld: %s", (long long)id, err);
        otw_web_error(out, "the acceptance failed (see the server's log)");
        return 500;
    }
    snapshot s;
    int st = 0;
    if (snap_open(c, &s, 0, out) == 0) {
        st = acceptance_state(&s, id);
        snap_close(&s);
    }
    fprintf(out, "{\"accepted\":%lld,\"state\":\"%s\"}", (long long)id,
            st == 2 ? "applied" : "pending");
    return 200;
}

static int get_boundary(otw_web_ctx *c, FILE *out)
{
    if (c->cfg->n_zones == 0) { /* nothing to check against: the page says so */
        fputs("{\"zones\":0,\"rows\":[]}", out);
        return 200;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return 500;
    int rc = otw_boundary_write(c->cfg, c->state_dir, "json", m);
    fclose(m);
    if (rc != 0) {
        free(buf);
        otw_web_error(out, "cannot read the boundary (see the server's log)");
        return 500;
    }
    fprintf(out, "{\"zones\":%d,\"rows\":", c->cfg->n_zones);
    fwrite(buf, 1, len, out);
    fputc('}', out);
    free(buf);
    return 200;
}

static int load_alert_cb(void *ctx, const otw_alert *a)
{
    otw_alerts_load(ctx, a);
    return 0;
}

static int get_baseline(otw_web_ctx *c, FILE *out)
{
    snapshot s;
    if (snap_open(c, &s, LOAD_ASSETS, out) != 0)
        return 500;
    otw_bl_settings set;
    otw_bl_settings_defaults(&set);
    set.max_channels = c->cfg->baseline_max_channels;
    set.max_controllers = c->cfg->baseline_max_controllers;
    otw_alerts *alerts = otw_alerts_new(c->cfg->max_alerts, NULL, NULL);
    otw_novelty_settings ns = {.exception_burst_count = c->cfg->exception_burst_count,
                               .exception_burst_window_s = c->cfg->exception_burst_window_s};
    otw_novelty *nov = alerts ? otw_novelty_new(&ns, otw_alerts_sink(alerts)) : NULL;
    otw_baseline *bl = nov ? otw_baseline_new(&set, otw_alerts_sink(alerts), nov) : NULL;
    char err[512] = "out of memory";
    int status = 200;
    if (!bl || otw_store_load_alerts(s.st, load_alert_cb, alerts) != 0 ||
        otw_baseline_load(bl, otw_store_db(s.st), err, sizeof(err)) != 0) {
        otw_web_error(out, err);
        status = 500;
        goto done;
    }
    otw_bl_counts n;
    otw_baseline_counts(bl, &n);
    uint64_t start = otw_baseline_learn_start(bl), until = otw_baseline_learn_until(bl), now = 0;
    for (size_t i = 0; i < s.n_assets; i++)
        if (s.assets[i].last_us > now)
            now = s.assets[i].last_us; /* capture time, which learning runs on */
    bool learning = otw_baseline_mode(bl) == OTW_BL_LEARNING;
    double progress = 1.0;
    if (learning)
        progress =
            until > start && now > start ? (double)(now - start) / (double)(until - start) : 0.0;
    if (progress > 1.0)
        progress = 1.0;
    char b[1024];
    otw_jsonw w;
    jw_init(&w, b, sizeof(b));
    jw_obj_begin(&w);
    jw_key(&w, "mode");
    jw_str(&w, learning ? "learning" : "detecting");
    jw_key(&w, "learning_since");
    if (start)
        jw_ts(&w, start);
    else
        jw_null(&w);
    jw_key(&w, "learning_until");
    if (until)
        jw_ts(&w, until);
    else
        jw_null(&w);
    jw_key(&w, "capture_time");
    if (now)
        jw_ts(&w, now);
    else
        jw_null(&w);
    jw_key(&w, "progress_percent");
    jw_u64(&w, (uint64_t)(progress * 100.0 + 0.5));
    jw_key(&w, "channels");
    jw_u64(&w, n.channels);
    jw_key(&w, "channels_learned");
    jw_u64(&w, n.channels_known);
    jw_key(&w, "channels_max");
    jw_u64(&w, n.channels_max);
    jw_key(&w, "operations");
    jw_u64(&w, n.operations);
    jw_key(&w, "periodic_series");
    jw_u64(&w, n.series_periodic);
    jw_key(&w, "controllers");
    jw_u64(&w, n.controllers);
    jw_obj_end(&w);
    if (!jw_finish(&w)) {
        status = 500;
        goto done;
    }
    b[strlen(b) - 1] = '\0';
    fprintf(out, "%s,\"acceptances\":[", b);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(otw_store_db(s.st),
                           "SELECT id, alert_id, accepted_at, reason, applied, type, summary"
                           " FROM acceptances ORDER BY id DESC",
                           -1, &q, NULL) == SQLITE_OK) {
        int k = 0;
        while (sqlite3_step(q) == SQLITE_ROW && k < 1000) {
            jw_init(&w, b, sizeof(b));
            jw_obj_begin(&w);
            jw_key(&w, "id");
            jw_i64(&w, sqlite3_column_int64(q, 0));
            jw_key(&w, "alert_id");
            jw_i64(&w, sqlite3_column_int64(q, 1));
            jw_key(&w, "accepted_at");
            jw_ts(&w, (uint64_t)sqlite3_column_int64(q, 2));
            jw_key(&w, "reason");
            jw_str(&w, (const char *)sqlite3_column_text(q, 3));
            jw_key(&w, "applied");
            jw_bool(&w, sqlite3_column_int(q, 4) != 0);
            jw_key(&w, "type");
            jw_str(&w, (const char *)sqlite3_column_text(q, 5));
            jw_key(&w, "summary");
            jw_str(&w, (const char *)sqlite3_column_text(q, 6));
            jw_obj_end(&w);
            if (jw_finish(&w))
                fprintf(out, "%s%s", k++ ? "," : "", b);
        }
        sqlite3_finalize(q);
    }
    fputs("]}", out);
done:
    otw_baseline_free(bl);
    otw_novelty_free(nov);
    otw_alerts_free(alerts);
    snap_close(&s);
    return status;
}

/* "/api/alerts/12/ack" -> 12, rest "ack". */
static int64_t path_id(const char *p, const char **rest)
{
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p || v <= 0 || (*end && *end != '/'))
        return 0;
    *rest = *end ? end + 1 : end;
    return v;
}

int otw_api_handle(otw_web_ctx *c, const char *method, const char *path, otw_web_arg_fn arg,
                   void *arg_ctx, const char *body, size_t body_len, otw_web_session *s, FILE *out)
{
    bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
    const char *rest = "";
    if (get && !strcmp(path, "/api/assets"))
        return get_assets(c, arg, arg_ctx, out);
    if (get && !strncmp(path, "/api/assets/", 12)) {
        int64_t id = path_id(path + 12, &rest);
        if (id && !*rest)
            return get_asset(c, id, out);
    }
    if (get && !strcmp(path, "/api/comms"))
        return get_comms(c, out);
    if (get && !strcmp(path, "/api/map"))
        return get_map(c, out);
    if (get && !strcmp(path, "/api/alerts"))
        return get_alerts(c, arg, arg_ctx, out);
    if (get && !strcmp(path, "/api/boundary"))
        return get_boundary(c, out);
    if (get && !strcmp(path, "/api/baseline"))
        return get_baseline(c, out);
    if (post && !strncmp(path, "/api/alerts/", 12)) {
        int64_t id = path_id(path + 12, &rest);
        if (id && (!strcmp(rest, "ack") || !strcmp(rest, "accept"))) {
            if (s->role != OTW_WEB_ADMIN) {
                otw_web_error(out, "viewers cannot change anything");
                return 403;
            }
            return !strcmp(rest, "ack") ? post_ack(c, id, s, out)
                                        : post_accept(c, id, body, body_len, out);
        }
    }
    otw_web_error(out, "no such API");
    return 404;
}
