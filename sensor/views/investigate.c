/* investigate.c - gathers the answer of `otwatch investigate` (see
 * investigate.h) from the state: coverage, crossings from the activity
 * buckets, operations from the ops index, alerts, chain heads; and words
 * its conclusion. */
#include "investigate.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity.h"
#include "grow.h"
#include "snapshot.h"
#include "timetext.h"
#include "zones.h"

#define HOUR_US (3600ull * 1000000u)

/* Which side a zone is on. */
typedef struct sides {
    bool source[256], target[256];
} sides;

/* The zone index a name or label names, or -1 (built-ins included). */
static int zone_named(const otw_config *cfg, const char *n)
{
    if (strcmp(n, "internet") == 0)
        return OTW_ZONE_INTERNET;
    if (strcmp(n, "unassigned") == 0)
        return OTW_ZONE_UNASSIGNED;
    for (int z = 0; z < cfg->n_zones; z++)
        if (strcmp(cfg->zones[z].name, n) == 0 || strcmp(otw_zone_label(cfg, (uint8_t)z), n) == 0)
            return z;
    return -1;
}

static void list_add(char *buf, size_t bufsz, const char *item, otw_lang lang)
{
    size_t n = strlen(buf);
    snprintf(buf + n, bufsz - n, "%s%s", n ? (lang == OTW_LANG_JA ? "、" : ", ") : "", item);
}

static int choose_sides(const otw_config *cfg, const otw_inv_query *q, otw_investigation *inv,
                        sides *sd, char *err, size_t errsz)
{
    memset(sd, 0, sizeof(*sd));
    inv->have_zones = cfg->n_zones > 0;
    if (!inv->have_zones)
        return 0;
    for (int i = 0; i < q->n_zones; i++) {
        int z = zone_named(cfg, q->zones[i]);
        if (z < 0) {
            snprintf(err, errsz, "no zone named '%s' in the configuration", q->zones[i]);
            return -1;
        }
        sd->source[z] = true;
    }
    if (q->n_zones == 0 && !q->host) { /* default: the IT side and what is no one's */
        for (int z = 0; z < cfg->n_zones; z++)
            sd->source[z] = cfg->zones[z].kind == OTW_ZK_IT;
        sd->source[OTW_ZONE_UNASSIGNED] = sd->source[OTW_ZONE_INTERNET] = true;
    }
    for (int z = 0; z < cfg->n_zones; z++) {
        uint8_t k = cfg->zones[z].kind;
        sd->target[z] = (k == OTW_ZK_CONTROL || k == OTW_ZK_OT) && !sd->source[z];
        if (sd->target[z] && ++inv->n_targets)
            list_add(inv->targets, sizeof(inv->targets), otw_i18n_zone(q->lang, cfg, (uint8_t)z),
                     q->lang);
    }
    if (!q->host) {
        for (int z = 0; z < 256; z++)
            if (sd->source[z] && ++inv->n_sources)
                list_add(inv->sources, sizeof(inv->sources),
                         otw_i18n_zone(q->lang, cfg, (uint8_t)z), q->lang);
    }
    return 0;
}

/* OT devices (never a source when judging by role). */
static bool ot_role(otw_role r)
{
    return r == OTW_ROLE_CONTROLLER || r == OTW_ROLE_HMI || r == OTW_ROLE_ENGINEERING ||
           r == OTW_ROLE_HISTORIAN;
}

static const char *asset_label(const otw_asset *a)
{
    if (!a || !a->has_identity)
        return "";
    const otw_identity *id = &a->identity;
    return id->name[0] ? id->name : id->model[0] ? id->model : id->product;
}

typedef struct gather {
    otw_investigation *inv;
    const otw_config *cfg;
    otw_snapshot *snap;
    uint16_t vlan; /* of the communication being read (VLAN-defined zones) */
    sides sd;
    size_t cap;
    bool oom;
} gather;

static const otw_asset *asset_of(const gather *g, const char *ip_text, otw_addr *ip)
{
    if (otw_addr_parse(ip_text, ip) != 0)
        return NULL;
    int32_t i = otw_snapshot_asset_by_ip(g->snap, ip);
    return i >= 0 ? &g->snap->assets[i] : NULL;
}

/* Whether a communication goes from the source side into the target side. */
static bool crosses(const gather *g, const char *client, const char *server, uint16_t vlan)
{
    const otw_investigation *inv = g->inv;
    otw_addr cip, sip;
    const otw_asset *ca = asset_of(g, client, &cip), *sa = asset_of(g, server, &sip);
    if (inv->have_zones) {
        bool from = inv->q.host ? strcmp(inv->q.host, client) == 0
                                : g->sd.source[otw_zone_of(g->cfg, &cip, vlan)];
        return from && g->sd.target[otw_zone_of(g->cfg, &sip, vlan)];
    }
    bool from =
        inv->q.host ? strcmp(inv->q.host, client) == 0 : !(ca && ot_role(otw_asset_role(ca)));
    return from && sa && otw_asset_role(sa) == OTW_ROLE_CONTROLLER;
}

/* One communication's traffic in one hour (it crosses: crosses()). */
static int on_activity(void *ctx, const otw_activity_row *r)
{
    gather *g = ctx;
    otw_investigation *inv = g->inv;
    otw_addr cip, sip;
    const otw_asset *ca = asset_of(g, r->client, &cip), *sa = asset_of(g, r->server, &sip);
    uint8_t cz = otw_zone_of(g->cfg, &cip, g->vlan), sz = otw_zone_of(g->cfg, &sip, g->vlan);
    /* Rows come by hour then communication: find this one's entry. */
    otw_inv_crossing *c = NULL;
    for (size_t i = 0; i < inv->n_crossings; i++) {
        otw_inv_crossing *x = &inv->crossings[i];
        if (strcmp(x->client, r->client) == 0 && strcmp(x->server, r->server) == 0 &&
            x->server_port == r->server_port && x->transport == r->transport &&
            strcmp(x->protocol, r->protocol ? r->protocol : "") == 0) {
            c = x;
            break;
        }
    }
    if (!c) {
        otw_inv_crossing *v = otw_grow(inv->crossings, inv->n_crossings, &g->cap, sizeof(*v), 16);
        if (!v) {
            g->oom = true;
            return 1;
        }
        inv->crossings = v;
        c = &v[inv->n_crossings++];
        memset(c, 0, sizeof(*c));
        snprintf(c->client, sizeof(c->client), "%s", r->client);
        snprintf(c->server, sizeof(c->server), "%s", r->server);
        snprintf(c->client_name, sizeof(c->client_name), "%s", asset_label(ca));
        snprintf(c->server_name, sizeof(c->server_name), "%s", asset_label(sa));
        snprintf(c->client_zone, sizeof(c->client_zone), "%s",
                 otw_i18n_zone(inv->q.lang, g->cfg, cz));
        snprintf(c->server_zone, sizeof(c->server_zone), "%s",
                 otw_i18n_zone(inv->q.lang, g->cfg, sz));
        snprintf(c->protocol, sizeof(c->protocol), "%s", r->protocol ? r->protocol : "");
        c->server_port = r->server_port;
        c->transport = r->transport;
        c->first_us = r->start_us;
    }
    if (c->n_hours == 0 ||
        c->hours[c->n_hours < OTW_INV_MAX_HOURS ? c->n_hours - 1 : OTW_INV_MAX_HOURS - 1] !=
            r->start_us) {
        if (c->n_hours < OTW_INV_MAX_HOURS)
            c->hours[c->n_hours] = r->start_us;
        c->n_hours++;
    }
    c->last_us = r->start_us;
    c->flows += r->flows;
    c->pkts += r->pkts;
    c->bytes += r->bytes;
    return 0;
}

static int by_first_hour(const void *x, const void *y)
{
    const otw_inv_crossing *a = x, *b = y;
    if (a->first_us != b->first_us)
        return a->first_us < b->first_us ? -1 : 1;
    int d = strcmp(a->client, b->client);
    return d ? d : strcmp(a->server, b->server);
}

/* Classes that change a controller, and those that only expose it. */
static bool class_changes(const char *c)
{
    return !strcmp(c, "write") || !strcmp(c, "control") || !strcmp(c, "program_download") ||
           !strcmp(c, "firmware") || !strcmp(c, "configuration") || !strcmp(c, "account");
}

static bool failed_outcome(const char *o)
{
    return o && o[0] && strcmp(o, "ok") != 0 && strcmp(o, "no_response") != 0;
}

typedef struct opgather {
    gather *g;
    size_t cap;
    char changed[64][64]; /* controllers changed (for the count) */
    size_t n_changed;
} opgather;

static int on_op(void *ctx, const otw_op_row *r)
{
    opgather *og = ctx;
    gather *g = og->g;
    otw_investigation *inv = g->inv;
    const char *fn = r->function_name && r->function_name[0] ? r->function_name : "";
    otw_inv_opgroup *o = NULL;
    for (size_t i = 0; i < inv->n_ops; i++) {
        otw_inv_opgroup *x = &inv->ops[i];
        if (!strcmp(x->client, r->client_ip) && !strcmp(x->server, r->server_ip) &&
            !strcmp(x->op_class, r->op_class) && !strcmp(x->function, fn) &&
            !strcmp(x->protocol, r->protocol)) {
            o = x;
            break;
        }
    }
    if (!o) {
        otw_inv_opgroup *v = otw_grow(inv->ops, inv->n_ops, &og->cap, sizeof(*v), 16);
        if (!v) {
            g->oom = true;
            return 1;
        }
        inv->ops = v;
        o = &v[inv->n_ops++];
        memset(o, 0, sizeof(*o));
        otw_addr ip;
        snprintf(o->client, sizeof(o->client), "%s", r->client_ip);
        snprintf(o->server, sizeof(o->server), "%s", r->server_ip);
        snprintf(o->client_name, sizeof(o->client_name), "%s",
                 asset_label(asset_of(g, r->client_ip, &ip)));
        snprintf(o->server_name, sizeof(o->server_name), "%s",
                 asset_label(asset_of(g, r->server_ip, &ip)));
        snprintf(o->protocol, sizeof(o->protocol), "%s", r->protocol);
        snprintf(o->op_class, sizeof(o->op_class), "%s", r->op_class);
        snprintf(o->function, sizeof(o->function), "%s", fn);
        o->first_us = r->ts_us;
        o->first_record = r->record;
        o->changes = class_changes(r->op_class);
    }
    /* A row stands for count operations (routine ones are folded). */
    uint64_t n = r->count ? r->count : 1;
    o->last_us = r->last_ts_us > r->ts_us ? r->last_ts_us : r->ts_us;
    o->count += n;
    if (failed_outcome(r->outcome))
        o->failed += n;
    if (o->changes) {
        inv->n_op_changes += n;
        bool seen = false;
        for (size_t i = 0; i < og->n_changed && !seen; i++)
            seen = strcmp(og->changed[i], r->server_ip) == 0;
        if (!seen && og->n_changed < 64)
            snprintf(og->changed[og->n_changed++], 64, "%s", r->server_ip);
        if (!seen)
            inv->n_controllers_changed++;
    } else {
        inv->n_op_reads += n;
    }
    return 0;
}

static bool active_in(const otw_alert *a, uint64_t from, uint64_t to)
{
    return a->first_us < to && a->last_us >= from;
}

static int by_severity_then_time(const void *x, const void *y)
{
    const otw_alert *a = &((const otw_inv_alert *)x)->a, *b = &((const otw_inv_alert *)y)->a;
    if (a->severity != b->severity)
        return a->severity > b->severity ? -1 : 1;
    if (a->first_us != b->first_us)
        return a->first_us < b->first_us ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int gather_alerts(gather *g)
{
    otw_investigation *inv = g->inv;
    size_t n = 0;
    for (size_t i = 0; i < g->snap->n_alerts; i++)
        n += active_in(&g->snap->alerts[i], inv->q.from_us, inv->q.to_us);
    inv->alerts = otw_alloc_array(n, sizeof(*inv->alerts));
    if (!inv->alerts)
        return -1;
    for (size_t i = 0; i < g->snap->n_alerts; i++) {
        const otw_alert *a = &g->snap->alerts[i];
        if (!active_in(a, inv->q.from_us, inv->q.to_us))
            continue;
        inv->alerts[inv->n_alerts++].a = *a;
        bool new_in = a->first_us >= inv->q.from_us && a->first_us < inv->q.to_us;
        if (new_in && a->kind == OTW_AT_NEW_ASSET)
            inv->n_new_devices++;
        if (new_in &&
            (a->kind == OTW_AT_ADDRESS_CHANGED || a->kind == OTW_AT_ADVERSARY_IN_THE_MIDDLE))
            inv->n_address_changes++;
    }
    qsort(inv->alerts, inv->n_alerts, sizeof(*inv->alerts), by_severity_then_time);
    return 0;
}

/* Alert types that name a change to a controller outside the routine. */
static bool change_alert(otw_alert_type k)
{
    return k == OTW_AT_MODBUS_WRITE || k == OTW_AT_PROGRAM_CHANGE || k == OTW_AT_CONTROL_COMMAND ||
           k == OTW_AT_ACCOUNT_CHANGE || k == OTW_AT_NEW_OPERATION ||
           k == OTW_AT_WRITE_OUT_OF_RANGE;
}

static bool endpoint_is(const otw_endpoint *e, const char *ip)
{
    char b[64];
    return e->has_ip && strcmp(otw_addr_str(&e->ip, b, sizeof(b)), ip) == 0;
}

static void mark_unexpected(otw_investigation *inv)
{
    char seen[64][64];
    size_t n_seen = 0;
    for (size_t i = 0; i < inv->n_ops; i++) {
        otw_inv_opgroup *o = &inv->ops[i];
        if (!o->changes)
            continue;
        for (size_t k = 0; k < inv->n_alerts && !o->unexpected; k++) {
            const otw_alert *a = &inv->alerts[k].a;
            o->unexpected = change_alert(a->kind) && endpoint_is(&a->src, o->client) &&
                            endpoint_is(&a->dst, o->server);
        }
        if (!o->unexpected)
            continue;
        inv->n_unexpected += o->count;
        if (!inv->first_unexpected || o->first_us < inv->first_unexpected->first_us)
            inv->first_unexpected = o;
        bool dup = false;
        for (size_t k = 0; k < n_seen && !dup; k++)
            dup = strcmp(seen[k], o->server) == 0;
        if (!dup) {
            inv->n_controllers_unexpected++;
            if (n_seen < 64)
                snprintf(seen[n_seen++], 64, "%s", o->server);
        }
    }
}

int otw_investigate(const otw_config *cfg, const char *state_dir, const otw_inv_query *q,
                    otw_investigation *out, char *err, size_t errsz)
{
    memset(out, 0, sizeof(*out));
    out->q = *q;
    gather g = {.inv = out, .cfg = cfg};
    if (choose_sides(cfg, q, out, &g.sd, err, errsz) != 0)
        return -1;
    if (q->host)
        snprintf(out->sources, sizeof(out->sources), "%s", q->host);
    otw_snapshot snap;
    if (otw_snapshot_open(&snap, state_dir, OTW_SNAP_ASSETS | OTW_SNAP_COMMS | OTW_SNAP_ALERTS, err,
                          errsz) != 0)
        return -1;
    g.snap = &snap;
    int rc = otw_coverage_query(snap.st, NULL, q->from_us, q->to_us, &out->cov, err, errsz);
    otw_activity_meta am;
    if (rc == 0 && otw_activity_meta_get(snap.st, &am) == 0) {
        out->activity_recorded = am.bucket_us != 0;
        out->activity_oldest_us = am.oldest_bucket_us;
    }
    /* Only the communications that cross are read, each by its key: over
     * 90 days the OT side's own polling is nearly every row. */
    for (size_t i = 0; rc == 0 && i < snap.n_comms; i++) {
        const otw_comm *c = &snap.comms[i];
        char ct[64], sv[64];
        otw_addr_str(&c->client, ct, sizeof(ct));
        otw_addr_str(&c->server, sv, sizeof(sv));
        if (c->first_us >= q->to_us || c->last_us < q->from_us || !crosses(&g, ct, sv, c->vlan))
            continue;
        otw_activity_filter f = {.per_us = HOUR_US, .comm_id = c->store_id};
        g.vlan = c->vlan;
        rc = otw_activity_each(snap.st, q->from_us, q->to_us, &f, on_activity, &g, err, errsz);
    }
    if (rc == 0 && out->n_crossings > 1) /* none: no array at all */
        qsort(out->crossings, out->n_crossings, sizeof(*out->crossings), by_first_hour);
    opgather og = {.g = &g};
    uint32_t classes =
        OTW_CLASS_ALL & ~(OTW_CLASS_BIT(OTW_CLASS_READ) | OTW_CLASS_BIT(OTW_CLASS_DIAGNOSTIC) |
                          OTW_CLASS_BIT(OTW_CLASS_IDENTITY) | OTW_CLASS_BIT(OTW_CLASS_OTHER));
    if (rc == 0)
        rc = otw_ops_each(snap.st, q->from_us, q->to_us, NULL, q->host, classes, on_op, &og, err,
                          errsz);
    if (rc == 0)
        rc = gather_alerts(&g);
    if (rc == 0)
        mark_unexpected(out);
    if (rc == 0 && g.oom)
        rc = -1;
    if (rc != 0 && !err[0])
        snprintf(err, errsz, "out of memory");
    if (rc == 0) {
        otw_store_meta_get(snap.st, "chain_alerts", out->chain_alerts, sizeof(out->chain_alerts));
        otw_store_meta_get(snap.st, "chain_ops", out->chain_ops, sizeof(out->chain_ops));
    }
    otw_snapshot_close(&snap);
    if (rc != 0)
        otw_investigation_free(out);
    return rc == 0 ? 0 : -1;
}

void otw_investigation_free(otw_investigation *inv)
{
    otw_coverage_answer_free(&inv->cov);
    free(inv->crossings);
    free(inv->ops);
    free(inv->alerts);
    inv->crossings = NULL;
    inv->ops = NULL;
    inv->alerts = NULL;
    inv->n_crossings = inv->n_ops = inv->n_alerts = 0;
}

/* ---- the conclusion ---------------------------------------------------- */

static void tz_text(int tz, char out[16])
{
    if (tz == 540) {
        snprintf(out, 16, "JST");
        return;
    }
    int a = tz < 0 ? -tz : tz;
    snprintf(out, 16, "UTC%c%02d:%02d", tz < 0 ? '-' : '+', a / 60, a % 60);
}

static const char *zone_word(const otw_investigation *inv, int n, bool by_zone)
{
    if (!inv->have_zones || !by_zone)
        return "";
    return n == 1 ? "zone " : "zones ";
}

void otw_inv_conclusion(const otw_investigation *inv, char *buf, size_t bufsz)
{
    const otw_inv_query *q = &inv->q;
    bool ja = q->lang == OTW_LANG_JA;
    char f[OTW_TIMETEXT_LEN], t[OTW_TIMETEXT_LEN], z[16];
    otw_time_text(q->from_us, q->tz_minutes, OTW_TT_MINUTE, f);
    otw_time_text(q->to_us, q->tz_minutes, OTW_TT_MINUTE, t);
    tz_text(q->tz_minutes, z);
    uint64_t len = q->to_us > q->from_us ? q->to_us - q->from_us : 0;
    double pct = len ? 100.0 * (double)inv->cov.watched_us / (double)len : 0.0;
    if (pct > 100.0)
        pct = 100.0;
    char watch[200];
    if (ja)
        snprintf(watch, sizeof(watch),
                 "センサーは期間の %.1f%% を監視し、取りこぼしたパケットは %llu 件でした。", pct,
                 (unsigned long long)inv->cov.drops);
    else
        snprintf(watch, sizeof(watch),
                 " (sensor watching %.1f%% of the time, %llu packet%s dropped)", pct,
                 (unsigned long long)inv->cov.drops, inv->cov.drops == 1 ? "" : "s");
    const char *src = inv->sources[0] ? inv->sources : (ja ? "OT 以外の機器" : "non-OT devices");
    const char *dst = inv->targets[0] ? inv->targets : (ja ? "コントローラー" : "the controllers");
    char reach[1600];
    if (inv->n_crossings == 0) {
        if (ja)
            snprintf(reach, sizeof(reach), "%s から %s に届いた通信はありませんでした。", src, dst);
        else
            snprintf(reach, sizeof(reach), "no communication from %s%s reached %s%s",
                     zone_word(inv, inv->n_sources, !q->host), src,
                     zone_word(inv, inv->n_targets, true), dst);
    } else {
        const otw_inv_crossing *c = &inv->crossings[0];
        if (ja)
            snprintf(reach, sizeof(reach),
                     "%s から %s への通信が %zu 件ありました（最初は %s → %s %s/%u）。", src, dst,
                     inv->n_crossings, c->client, c->server, c->protocol, c->server_port);
        else
            snprintf(reach, sizeof(reach),
                     "%zu communication%s from %s%s reached %s%s (first: %s -> %s %s/%u)",
                     inv->n_crossings, inv->n_crossings == 1 ? "" : "s",
                     zone_word(inv, inv->n_sources, !q->host), src,
                     zone_word(inv, inv->n_targets, true), dst, c->client, c->server, c->protocol,
                     c->server_port);
    }
    char ops[400];
    const otw_inv_opgroup *u = inv->first_unexpected;
    if (inv->n_unexpected == 0 && inv->n_op_changes == 0) {
        snprintf(ops, sizeof(ops), "%s",
                 ja ? "コントローラーへの書き込み・停止・プログラム変更はありませんでした"
                    : "no controller was written, stopped or reprogrammed");
    } else if (inv->n_unexpected == 0) {
        if (ja)
            snprintf(ops, sizeof(ops),
                     "コントローラーへの通常と異なる書き込み・停止・プログラム変更はありません"
                     "でした（通常業務の操作 %llu 回は一覧に記載）",
                     (unsigned long long)inv->n_op_changes);
        else
            snprintf(ops, sizeof(ops),
                     "no controller was written, stopped or reprogrammed outside its learned "
                     "routine (%llu routine operation%s listed)",
                     (unsigned long long)inv->n_op_changes, inv->n_op_changes == 1 ? "" : "s");
    } else {
        char when_u[OTW_TIMETEXT_LEN];
        otw_time_text(u->first_us, q->tz_minutes, OTW_TT_MINUTE, when_u);
        if (ja)
            snprintf(ops, sizeof(ops),
                     "通常と異なる変更操作がコントローラー %zu 台に %llu 回ありました（最初は %s "
                     "%s → %s %s）",
                     inv->n_controllers_unexpected, (unsigned long long)inv->n_unexpected, when_u,
                     u->client, u->server, u->function);
        else
            snprintf(ops, sizeof(ops),
                     "%llu operation%s outside the learned routine changed %zu controller%s "
                     "(first: %s %s -> %s %s)",
                     (unsigned long long)inv->n_unexpected, inv->n_unexpected == 1 ? "" : "s",
                     inv->n_controllers_unexpected, inv->n_controllers_unexpected == 1 ? "" : "s",
                     when_u, u->client, u->server, u->function);
    }
    const char *caveat = "";
    if (!inv->cov.continuous)
        caveat = ja ? "ただし監視できなかった時間帯があります（監視の記録を参照）。"
                    : " The sensor did not watch all of the window: see the coverage gaps.";
    if (ja)
        snprintf(buf, bufsz, "%s から %s まで（%s）: %s%s%s。%s", f, t, z, watch, reach, ops,
                 caveat);
    else
        snprintf(buf, bufsz, "Between %s and %s %s%s %s, and %s.%s", f, t, z, watch, reach, ops,
                 caveat);
}
