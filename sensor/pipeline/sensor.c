/* sensor.c - the packet pipeline; see sensor.h and docs/architecture.md.
 *
 * Per packet: decode, flow lookup, counters, nDPI while undecided, and the
 * industrial dissector through the TCP stream buffer. Everything slow (SQL,
 * alert text, syslog) happens only when something is new or at a
 * checkpoint, which runs on capture time. */
#include "sensor.h"
#include "grow.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "activity.h"
#include "baseline.h"
#include "coverage.h"
#include "creds.h"
#include "detect.h"
#include "dissector.h"
#include "duration.h"
#include "enforce.h"
#include "exposure.h"
#include "gateways.h"
#include "jsonw.h"
#include "log.h"
#include "protonames.h"
#include "roles.h"
#include "tornline.h"
#include "zones.h"

#define EXPIRE_EVERY_US 1000000u      /* flow expiry pass per second of capture time */
#define EXPIRE_MAX_VISITS 256         /* flows looked at per pass */
#define NOT_MINE_SEGMENTS 3           /* undecodable segments before the "not X" verdict */
#define OFFLINE_CHECKPOINT_WALL_S 2.0 /* offline reads: at most one checkpoint per 2 s */

struct otw_flow_ext {
    bool confirmed;          /* the dissector parsed a PDU on this flow */
    bool server_answered;    /* evidence for the server's role was recorded */
    bool admitted;           /* its ends were offered the asset reserve (exchange seen) */
    uint8_t not_mine;        /* consecutive undecodable segments */
    uint8_t not_mine_dir[2]; /* the same, per direction (midstream flows) */
    bool midstream;          /* TCP flow first seen without its SYN */
    bool group_server;       /* first packet went to a broadcast/multicast MAC */
    bool discovery;          /* a group request paired with its answer (flow.h) */
    bool group_noted;        /* group traffic shown to exposure (group_traffic) */
    uint8_t claim;           /* otw_claim: how the flow got its dissector */
    bool detect_done;        /* dynamic detection gave up on this flow */
    uint8_t probed[2];       /* payload packets probed per direction */
    /* refresh_ends(): the inventory's answers for the flow's addresses, valid
     * while ends_gen is otw_inventory_ip_gen() + 1 (0: never looked up). */
    uint64_t ends_gen;
    uint32_t ends[2];
    /* zones (zones.c): the flow's placement, kept for enforcement */
    uint8_t zone_verdict; /* otw_place, 0 = not placed */
    bool zone_reset;      /* violating TCP session whose rule says reset */
    uint8_t zone_resets;  /* reset events for this flow */
    int8_t zone_rule;     /* the conduit/rule behind the verdict, -1 none */
    uint8_t zone_client, zone_server;
    /* activity over time (activity.h): the current bucket, and what of the
     * flow's packets and bytes its communication has (it may get one late) */
    otw_act_flow act;
    uint64_t comm_pkts, comm_bytes;
};

struct otw_sensor {
    otw_config cfg;
    bool assets_under_pressure; /* TABLE_PRESSURE raised for the asset table */
    char state_dir[OTW_PATH_MAX];
    otw_oui *oui;
    otw_flow_table *flows;
    otw_flow_ext *ext;
    uint32_t flow_capacity;
    otw_stream_pool *streams;
    uint8_t *sessions;
    uint32_t n_sessions, n_session_free;
    uint32_t *session_free;
    otw_classifier *classifier;
    otw_inventory *inv;
    otw_roles *roles; /* roles from behaviour (roles.h) */
    otw_comms *comms;
    otw_alerts *alerts;
    otw_novelty *novelty;
    otw_baseline *baseline;
    otw_creds *creds;       /* cleartext logins (creds.h) */
    otw_exposure *exposure; /* shadow IoT, Internet exposure (exposure.h) */
    otw_gateways *gateways; /* MACs foreign addresses come through (gateways.h) */
    otw_store *store;
    otw_oplog *oplog;
    FILE *alerts_out;
    otw_syslog *syslog;
    otw_enforce *enforce; /* TCP resets for zone violations (enforce.h) */
    FILE *enforce_log;    /* enforcement.jsonl: one line per reset event */
    uint8_t tcp_port_proto[65536];
    uint8_t udp_port_proto[65536];
    otw_detect detect; /* claims on other ports (detect.h) */
    uint64_t now_us, next_expire_us, next_checkpoint_us, last_flush_us;
    bool live;                       /* checkpoints on capture time alone */
    double last_checkpoint_wall;     /* offline reads also wait for wall time */
    char ops_id[PATH_MAX + 16];      /* the operations log as the state names it (chain_ops_file) */
    otw_chain sent_alerts, sent_ops; /* the chain heads last sent to syslog */
    bool heads_sent;
    bool ops_chain_failed_said;
    /* what the dissector callbacks are about */
    otw_flow *cur_flow;       /* NULL for link-layer dissection */
    const otw_packet *cur_l2; /* the frame, for link-layer dissection */
    const otw_dissector *cur_dissector;
    otw_dir cur_dir;
    uint64_t cur_ts;
    otw_sink sink;
    otw_sensor_stats stats;
    bool finished;
    /* when it was watching (coverage.h), and the heartbeat (`run`) */
    otw_coverage *cov;
    otw_activity *act;  /* buckets per communication, the operations index */
    bool act_save_soon; /* its pending arrays are filling: checkpoint now */
    double act_forced_wall;
    char sources[512]; /* the interfaces, "eth1,eth2" */
    uint64_t started_us, hb_next_us, hb_last_us, hb_packets, hb_drops;
};

/* ---------------------------------------------------------------- names */

static const char *proto_key_name(void *ctx, uint16_t key)
{
    otw_sensor *s = ctx;
    if (key < 256)
        return otw_proto_name((otw_proto)key);
    return otw_classify_proto_name(s->classifier, (uint16_t)(key - 256));
}

static void flow_endpoints(const otw_flow *f, otw_endpoint *client, otw_endpoint *server)
{
    memset(client, 0, sizeof(*client));
    memset(server, 0, sizeof(*server));
    client->has_ip = server->has_ip = true;
    client->ip = f->client_ip;
    server->ip = f->server_ip;
    client->port = f->client_port;
    server->port = f->server_port;
    if (!otw_mac_is_zero(f->client_mac)) {
        client->has_mac = true;
        memcpy(client->mac, f->client_mac, 6);
    }
    if (!otw_mac_is_zero(f->server_mac)) {
        server->has_mac = true;
        memcpy(server->mac, f->server_mac, 6);
    }
    /* A broadcast or multicast end is nobody: the sender owns the traffic,
     * and an alert names it alone. */
    if (f->client_group)
        client->has_ip = false;
    if (f->server_group)
        server->has_ip = false;
}

/* ------------------------------------------------------ alerts, assets */

static void on_alert(void *ctx, const otw_alert *a)
{
    otw_sensor *s = ctx;
    s->stats.alerts_new++;
    char buf[2048];
    size_t n = otw_alert_json(a, buf, sizeof(buf) - 1);
    if (s->alerts_out && n) {
        buf[n++] = '\n';
        fwrite(buf, 1, n, s->alerts_out);
        /* Live, an alert must not wait for a checkpoint. Reading a file, the
         * checkpoints and the end flush: a test capture can raise tens of
         * thousands, and a write each would cost more than the analysis. */
        if (s->live)
            fflush(s->alerts_out);
    }
    if (s->syslog)
        otw_syslog_alert(s->syslog, a); /* formatted and spooled; a thread sends */
}

static void on_new_asset(void *ctx, uint32_t idx, uint64_t ts_us)
{
    otw_sensor *s = ctx;
    otw_asset *a = otw_inventory_at(s->inv, idx);
    if (a)
        otw_baseline_asset_new(s->baseline, a, ts_us);
    if (a && s->exposure)
        otw_exposure_asset(s->exposure, idx, ts_us);
}

/* A device's own name (identity name, model or product), else fallback. */
static const char *holder_name(const otw_asset *a, const char *fallback)
{
    const otw_identity *id = &a->identity;
    if (!a->has_identity)
        return fallback;
    return id->name[0]      ? id->name
           : id->model[0]   ? id->model
           : id->product[0] ? id->product
                            : fallback;
}

/* An address a device was using a moment ago is claimed by another MAC:
 * ARP spoofing, an adversary in the middle (T0830); high when the device
 * that lost it is a controller. A controller's address taken by a new MAC
 * after the controller went quiet is the same alert, worded for what it
 * may be: a replaced controller or a device impersonating it. Any other
 * quiet device simply handed its address over (a replaced printer). */
static void on_ip_claimed(void *ctx, const otw_addr *ip, uint32_t holder, uint32_t claimer,
                          bool holder_quiet, uint64_t ts_us)
{
    otw_sensor *s = ctx;
    const otw_asset *h = otw_inventory_at(s->inv, holder), *c = otw_inventory_at(s->inv, claimer);
    if (!h || !c || !h->has_mac || !c->has_mac)
        return;
    bool controller = otw_asset_role(h) == OTW_ROLE_CONTROLLER;
    if (holder_quiet && !controller)
        return;
    otw_endpoint src, dst;
    memset(&src, 0, sizeof(src));
    memset(&dst, 0, sizeof(dst));
    src.has_ip = dst.has_ip = true;
    src.ip = dst.ip = *ip;
    src.has_mac = dst.has_mac = true;
    memcpy(src.mac, c->mac, 6);
    memcpy(dst.mac, h->mac, 6);
    char ipt[64], hm[24], cm[24], also[80] = "";
    otw_addr_str(ip, ipt, sizeof(ipt));
    otw_mac_str(h->mac, hm, sizeof(hm));
    otw_mac_str(c->mac, cm, sizeof(cm));
    for (int i = 0; i < c->n_ips; i++) {
        if (memcmp(&c->ips[i], ip, sizeof(*ip)) != 0) {
            char other[64];
            snprintf(also, sizeof(also), " (which also uses %s)",
                     otw_addr_str(&c->ips[i], other, sizeof(other)));
            break;
        }
    }
    otw_alert a;
    otw_alert_init(&a, OTW_AT_ADVERSARY_IN_THE_MIDDLE, &src, &dst, NULL);
    a.severity = controller ? OTW_SEV_HIGH : OTW_SEV_MEDIUM;
    otw_alert_key(&a, "ip=%s", ipt);
    if (holder_quiet) {
        char quiet[48];
        otw_duration_text(ts_us > h->last_us ? ts_us - h->last_us : 0, OTW_DURATION_EN, quiet,
                          sizeof(quiet));
        const char *name = holder_name(h, "");
        otw_alert_message(&a,
                          "%s, the address of the controller%s%s (MAC %s, last seen %s before), "
                          "now answers from MAC %s%s: a replaced controller, or a device "
                          "impersonating it; check the controller on site",
                          ipt, name[0] ? " " : "", name, hm, quiet, cm, also);
    } else {
        otw_alert_message(&a,
                          "%s, in use by %s%s (MAC %s) a moment ago, is now claimed by MAC %s%s: "
                          "ARP spoofing puts a device in the middle of its traffic (or two "
                          "devices share one address)",
                          ipt, controller ? "the controller " : "", holder_name(h, ipt), hm, cm,
                          also);
    }
    otw_alerts_raise(s->alerts, &a, ts_us, 1);
}

/* The first other IPv4 address the asset holds confirmed (ARP, DHCP), or
 * NULL. IPv6 hosts keep several addresses at once (link-local, SLAAC,
 * temporary): only IPv4 tells a change. */
static const otw_addr *confirmed_v4_other(const otw_asset *a, const otw_addr *ip)
{
    for (int i = 0; i < a->n_ips; i++)
        if ((a->ip_confirmed & (1u << i)) && otw_addr_is_v4(&a->ips[i]) &&
            memcmp(&a->ips[i], ip, sizeof(*ip)) != 0)
            return &a->ips[i];
    return NULL;
}

static bool asset_holds(const otw_asset *a, const otw_addr *ip)
{
    for (int i = 0; i < a->n_ips; i++)
        if (memcmp(&a->ips[i], ip, sizeof(*ip)) == 0)
            return true;
    return false;
}

/* A confirmed (mac, ip) binding from ARP or a DHCP acknowledgement. A
 * device that held another IPv4 address and now takes a new one (DHCP
 * renumbering, a reconfigured PLC) is one ADDRESS_CHANGED, in detection:
 * low, medium for a controller (its HMI and historian lose it). Routers
 * and network gear carry many addresses and say nothing by it. */
static uint32_t bind_address(otw_sensor *s, const uint8_t mac[6], const otw_addr *ip,
                             uint64_t ts_us)
{
    uint32_t before = otw_inventory_find_mac(s->inv, mac);
    otw_addr old = {0};
    bool had_other = false;
    if (before != OTW_ASSET_NONE && otw_addr_is_v4(ip) && otw_addr_is_unicast(ip)) {
        const otw_asset *b = otw_inventory_at(s->inv, before);
        const otw_addr *o = b && !asset_holds(b, ip) ? confirmed_v4_other(b, ip) : NULL;
        if (o) {
            old = *o;
            had_other = true;
        }
    }
    uint32_t idx = otw_inventory_arp(s->inv, mac, ip, ts_us);
    if (!had_other || idx != before)
        return idx;
    const otw_asset *a = otw_inventory_at(s->inv, idx);
    if (!a || !asset_holds(a, ip) || (a->evidence & (1u << OTW_EV_ROUTER)))
        return idx;
    otw_role role = otw_asset_role(a);
    if (role == OTW_ROLE_NETWORK ||
        (s->baseline && otw_baseline_mode(s->baseline) != OTW_BL_DETECTING))
        return idx;
    otw_endpoint src;
    memset(&src, 0, sizeof(src));
    src.has_ip = true;
    src.ip = *ip;
    src.has_mac = true;
    memcpy(src.mac, mac, 6);
    char ipt[64], oldt[64], mt[24];
    otw_addr_str(ip, ipt, sizeof(ipt));
    otw_addr_str(&old, oldt, sizeof(oldt));
    otw_mac_str(mac, mt, sizeof(mt));
    bool controller = role == OTW_ROLE_CONTROLLER;
    otw_alert al;
    otw_alert_init(&al, OTW_AT_ADDRESS_CHANGED, &src, NULL, NULL);
    al.severity = controller ? OTW_SEV_MEDIUM : OTW_SEV_LOW;
    otw_alert_key(&al, "mac=%s ip=%s", mt, ipt);
    const char *name = holder_name(a, "");
    otw_alert_message(&al, "The %s%s%s (MAC %s) changed its address from %s to %s%s",
                      controller ? "controller" : "device", name[0] ? " " : "", name, mt, oldt, ipt,
                      controller ? ": clients that poll it at its old address lose it" : "");
    otw_alerts_raise(s->alerts, &al, ts_us, 1);
    return idx;
}

/* ------------------------------------------------------ zones */

static const char *ip_text(const otw_addr *a, char *buf, size_t bufsz)
{
    return otw_addr_str(a, buf, bufsz);
}

/* Places a flow once its protocol is known (zones.h): ZONE_VIOLATION and
 * REMOTE_ACCESS alerts, one per pair and service with a count of flows, and
 * the verdict on the flow for enforcement. raise: false on a reload. */
static void zone_place(otw_sensor *s, otw_flow *f, uint16_t key, bool raise)
{
    otw_flow_ext *x = &s->ext[otw_flow_index(s->flows, f)];
    x->zone_verdict = OTW_PLACE_NONE;
    x->zone_reset = false;
    if (s->cfg.n_zones == 0)
        return;
    const char *pname = proto_key_name(s, key);
    const otw_dissector *d =
        f->dissector && !f->not_dissectable ? otw_dissector_get((otw_proto)f->dissector) : NULL;
    const otw_dissector *kd = key < 256 ? otw_dissector_get((otw_proto)key) : NULL;
    otw_asset *srv =
        f->server_asset != OTW_ASSET_NONE ? otw_inventory_at(s->inv, f->server_asset) : NULL;
    otw_zone_query q = {
        .client = f->client_ip,
        .server = f->server_ip,
        .vlan = f->key.vlan,
        .transport = f->key.ip_proto,
        .server_port = f->server_port,
        .protocol = pname,
        .industrial = (d && d->industrial) || (kd && kd->industrial),
        .server_is_controller = srv && otw_asset_role(srv) == OTW_ROLE_CONTROLLER,
        .ts_us = f->last_us > f->first_us ? f->last_us : f->first_us,
    };
    /* A port our industrial dissector owns but nDPI names: cut it only when
     * the rule names the dissector's protocol. */
    if (d && d->industrial && key >= 256)
        q.protocol = otw_proto_name((otw_proto)f->dissector);
    otw_placement pl;
    otw_zones_place(&s->cfg, &q, &pl);
    q.protocol = pname;
    x->zone_verdict = (uint8_t)pl.verdict;
    x->zone_client = pl.client_zone;
    x->zone_server = pl.server_zone;
    x->zone_rule = (int8_t)(pl.verdict == OTW_PLACE_CONDUIT ? pl.conduit : pl.rule);
    x->zone_reset = pl.reset && otw_enforce_enabled(s->enforce);
    if (!raise)
        return;
    char svc[64], a[64], b[64];
    otw_service_text(f->key.ip_proto, f->server_port, pname, svc, sizeof(svc));
    /* People read the message: the zones' labels (keys keep the ids). */
    const char *cz = otw_zone_label(&s->cfg, pl.client_zone);
    const char *sz = otw_zone_label(&s->cfg, pl.server_zone);
    otw_endpoint client, server;
    flow_endpoints(f, &client, &server);
    client.port = 0; /* ephemeral: not part of the pair */
    otw_alert al;
    if (pl.verdict == OTW_PLACE_VIOLATION) {
        otw_alert_init(&al, OTW_AT_ZONE_VIOLATION, &client, &server, pname);
        al.severity = pl.severity;
        otw_alert_technique(&al, pl.technique);
        otw_alert_key(&al, "%s", svc);
        const char *why = "no conduit allows it";
        char whybuf[96];
        if (pl.rule != OTW_RULE_NONE) {
            snprintf(whybuf, sizeof(whybuf), "%s %s",
                     pl.outside_window ? "outside the time windows of conduit" : "denied by rule",
                     s->cfg.conduits[pl.rule].name);
            why = whybuf;
        }
        otw_alert_message(&al, "Zone violation %s %s -> %s %s %s: %s", cz,
                          ip_text(&f->client_ip, a, sizeof(a)), sz,
                          ip_text(&f->server_ip, b, sizeof(b)), svc, why);
        otw_alerts_raise(s->alerts, &al, f->first_us, 1);
    }
    if (pl.remote_access) {
        otw_alert_init(&al, OTW_AT_REMOTE_ACCESS, &client, &server, pname);
        al.severity = pl.remote_severity;
        otw_alert_technique(&al, pl.remote_technique);
        otw_alert_key(&al, "%s", svc);
        otw_alert_message(&al, "Remote access (%s%s) into OT zone %s: %s %s -> %s (%s)",
                          pl.remote_service, pl.remote_vpn ? " VPN" : "", sz, cz,
                          ip_text(&f->client_ip, a, sizeof(a)),
                          ip_text(&f->server_ip, b, sizeof(b)),
                          pl.verdict == OTW_PLACE_CONDUIT    ? s->cfg.conduits[pl.conduit].name
                          : pl.verdict == OTW_PLACE_INTERNAL ? "inside the zone"
                                                             : "violation");
        otw_alerts_raise(s->alerts, &al, f->first_us, 1);
    }
}

/* Answers a packet of a violating TCP session with resets (enforce.h);
 * every event is a line in the enforcement log and counts in ZONE_RESET. */
static void zone_enforce(otw_sensor *s, otw_flow *f, int dlt, const otw_packet *p)
{
    otw_flow_ext *x = &s->ext[otw_flow_index(s->flows, f)];
    if (x->zone_resets >= OTW_ENFORCE_MAX_PER_FLOW || (p->tcp_flags & OTW_TCP_RST))
        return;
    char svc[64];
    const char *pname = "Unknown";
    if (f->comm != OTW_FLOW_NONE)
        pname = proto_key_name(s, otw_comms_at(s->comms, f->comm)->proto_key);
    otw_service_text(f->key.ip_proto, f->server_port, pname, svc, sizeof(svc));
    const char *cz = otw_zone_name(&s->cfg, x->zone_client);
    const char *sz = otw_zone_name(&s->cfg, x->zone_server);
    otw_enforce_info info = {
        .rule = x->zone_rule >= 0 && x->zone_rule < s->cfg.n_conduits
                    ? s->cfg.conduits[x->zone_rule].name
                    : "",
        .client_zone = cz,
        .server_zone = sz,
        .service = svc,
    };
    otw_enforce_result r = otw_enforce_reset(s->enforce, dlt, p, &info, p->ts_us);
    if (r == OTW_ENFORCE_OFF || r == OTW_ENFORCE_UNSUPPORTED)
        return;
    if (r == OTW_ENFORCE_DRY_RUN)
        x->zone_resets = OTW_ENFORCE_MAX_PER_FLOW; /* one would-reset per session */
    else if (r != OTW_ENFORCE_RATE_LIMITED)        /* rate limited: the next packet may try again */
        x->zone_resets++;
    otw_endpoint client, server;
    flow_endpoints(f, &client, &server);
    client.port = 0;
    otw_alert al;
    otw_alert_init(&al, OTW_AT_ZONE_RESET, &client, &server, pname);
    static const char *const what[] = {[OTW_ENFORCE_SENT] = "reset",
                                       [OTW_ENFORCE_DRY_RUN] = "would reset (dry run)",
                                       [OTW_ENFORCE_RATE_LIMITED] = "rate limited",
                                       [OTW_ENFORCE_FAILED] = "reset failed"};
    otw_alert_key(&al, "%s %s", svc,
                  r == OTW_ENFORCE_SENT      ? "reset"
                  : r == OTW_ENFORCE_DRY_RUN ? "dry-run"
                                             : "not-sent");
    char a[64], b[64];
    otw_alert_message(&al, "TCP session %s %s -> %s %s %s: %s by rule %s", cz,
                      ip_text(&f->client_ip, a, sizeof(a)), sz,
                      ip_text(&f->server_ip, b, sizeof(b)), svc, what[r], info.rule);
    otw_alerts_raise(s->alerts, &al, p->ts_us, 1);
}

/* ------------------------------------------------------ communications */

/* A new communication's kind: industrial, or a controller calling a plant
 * device over TCP with anything else, or an HMI doing so to a controller,
 * HMI or engineering station (the Internet is exposure's). */
static otw_comm_kind comm_kind(otw_sensor *s, const otw_flow *f, const otw_dissector *d)
{
    if (d && d->industrial)
        return OTW_COMM_INDUSTRIAL;
    const otw_asset *client = otw_inventory_at(s->inv, f->client_asset);
    if (f->key.ip_proto != 6 || !client || f->server_asset == OTW_ASSET_NONE)
        return OTW_COMM_OTHER;
    otw_role role = otw_asset_role(client);
    if (role == OTW_ROLE_CONTROLLER)
        return OTW_COMM_FROM_CONTROLLER;
    const otw_asset *server = otw_inventory_at(s->inv, f->server_asset);
    otw_role to = server ? otw_asset_role(server) : OTW_ROLE_UNKNOWN;
    if (role == OTW_ROLE_HMI &&
        (to == OTW_ROLE_CONTROLLER || to == OTW_ROLE_HMI || to == OTW_ROLE_ENGINEERING))
        return OTW_COMM_FROM_HMI;
    return OTW_COMM_OTHER;
}

/* What a flow to a group tells of its sender (a Tuya discovery broadcast
 * makes a plug shadow IoT), once per flow: the device's own evidence, no
 * communication (the server end is nobody). */
static void group_traffic(otw_sensor *s, otw_flow *f, uint16_t key)
{
    otw_flow_ext *x = &s->ext[otw_flow_index(s->flows, f)];
    if (x->group_noted || f->client_group)
        return;
    x->group_noted = true;
    otw_comm c;
    memset(&c, 0, sizeof(c));
    c.client = f->client_ip;
    c.server = f->server_ip;
    c.proto_key = key;
    c.server_port = f->server_port;
    c.transport = f->key.ip_proto;
    c.vlan = f->key.vlan;
    c.first_us = c.last_us = f->first_us;
    otw_endpoint client, server;
    flow_endpoints(f, &client, &server);
    otw_exposure_comm(s->exposure, &c, proto_key_name(s, key),
                      key >= 256 ? otw_classify_category_name(s->classifier, f->ndpi_category) : "",
                      f->client_asset, OTW_ASSET_NONE, &client, &server, f->key.vlan, f->first_us);
}

static void assign_comm(otw_sensor *s, otw_flow *f, uint16_t key)
{
    /* Traffic to a group is its sender's (inventory counters), never a
     * communication: a broadcast is no server, nor a zone or an Internet
     * peer. Answered, the flow was paired and has real ends. */
    if (f->comm != OTW_FLOW_NONE)
        return;
    if (f->client_group || f->server_group) {
        group_traffic(s, f, key);
        return;
    }
    bool created = false;
    uint32_t idx = OTW_COMM_NONE;
    /* A TCP session picked up midstream (a capture or a restart of the
     * sensor in the middle of it) that nothing could name belongs to the
     * named communication on the same ends and port, not to a new
     * "unknown" one. One that started in sight and is unknown stays apart:
     * a different protocol on a known port is news. */
    if (key == OTW_COMM_PROTO_UNKNOWN && s->ext[otw_flow_index(s->flows, f)].midstream) {
        idx = otw_comms_find_service(s->comms, &f->client_ip, &f->server_ip, f->server_port,
                                     f->key.ip_proto);
        if (idx != OTW_COMM_NONE)
            key = otw_comms_at(s->comms, idx)->proto_key;
    }
    if (idx == OTW_COMM_NONE)
        idx = otw_comms_get(s->comms, &f->client_ip, &f->server_ip, key, f->server_port,
                            f->key.ip_proto, f->first_us, &created);
    f->comm = idx;
    if (idx == OTW_COMM_NONE)
        return;
    otw_comm *c = otw_comms_at(s->comms, idx);
    c->flows++;
    c->dirty = true;
    if (!c->vlan)
        c->vlan = f->key.vlan;
    if (f->first_us < c->first_us)
        c->first_us = f->first_us;
    otw_inventory_add_proto(s->inv, f->client_asset, key, false);
    otw_inventory_add_proto(s->inv, f->server_asset, key, true);
    if (created) {
        otw_endpoint client, server;
        flow_endpoints(f, &client, &server);
        const otw_dissector *d = key < 256 ? otw_dissector_get((otw_proto)key) : NULL;
        /* Name, service and address discovery (NetBIOS, SSDP, DHCP...)
         * answered by a device is inventory evidence, not a communication
         * anyone opened: no NEW_COMMUNICATION. An industrial one (MELSOFT
         * direct connection) is a master's session like any other. */
        if (!s->ext[otw_flow_index(s->flows, f)].discovery || (d && d->industrial))
            otw_baseline_comm_new(s->baseline, c, proto_key_name(s, key), &client, &server,
                                  comm_kind(s, f, d), f->first_us);
        otw_exposure_comm(
            s->exposure, c, proto_key_name(s, key),
            key >= 256 ? otw_classify_category_name(s->classifier, f->ndpi_category) : "",
            f->client_asset, f->server_asset, &client, &server, f->key.vlan, f->first_us);
    }
    zone_place(s, f, key, true);
}

/* The name a flow's communication gets from nDPI. When our dissector
 * rejected the flow, nDPI naming the same protocol can only be its port
 * guess, which our dissector has just refuted: the flow is unknown. */
static uint16_t ndpi_comm_key(otw_sensor *s, const otw_flow *f)
{
    uint16_t id = otw_classify_proto(f);
    if (f->not_dissectable && f->dissector && id &&
        strcasecmp(otw_classify_proto_name(s->classifier, id),
                   otw_proto_name((otw_proto)f->dissector)) == 0)
        id = 0;
    return OTW_PROTO_KEY_NDPI(id);
}

/* Adds what the flow carried since the last flush to its assets and, once
 * it has one, to its communication: all of the flow's packets, also those
 * from before it got one (as its activity buckets have them). */
static void flush_counters(otw_sensor *s, otw_flow *f)
{
    uint64_t dp = 0, db = 0;
    for (int d = 0; d < 2; d++) {
        dp += f->pkts[d] - f->pkts_flushed[d];
        db += f->bytes[d] - f->bytes_flushed[d];
        f->pkts_flushed[d] = f->pkts[d];
        f->bytes_flushed[d] = f->bytes[d];
    }
    otw_comm *c = f->comm != OTW_FLOW_NONE ? otw_comms_at(s->comms, f->comm) : NULL;
    if (c) {
        otw_flow_ext *x = &s->ext[otw_flow_index(s->flows, f)];
        uint64_t tp = f->pkts[0] + f->pkts[1], tb = f->bytes[0] + f->bytes[1];
        if (tp != x->comm_pkts) {
            c->pkts += tp - x->comm_pkts;
            c->bytes += tb - x->comm_bytes;
            x->comm_pkts = tp;
            x->comm_bytes = tb;
            if (f->last_us > c->last_us)
                c->last_us = f->last_us;
            c->dirty = true;
        }
    }
    if (!dp)
        return;
    otw_inventory_count(s->inv, f->client_asset, f->last_us, dp, db);
    if (f->server_asset != f->client_asset)
        otw_inventory_count(s->inv, f->server_asset, f->last_us, dp, db);
}

/* ------------------------------------------------------ dissector sink */

/* An end of a confirmed industrial exchange is a plant device, whatever
 * its address range (otw_inventory_ip_plant), unless its frames come
 * through a gateway: a MAC that carried other foreign addresses or belongs
 * to a device with another address. A group address (broadcast or
 * multicast frame) never is. */
static uint32_t admit_plant_end(otw_sensor *s, const otw_flow *f, const uint8_t mac[6],
                                const otw_addr *ip)
{
    bool has_mac = !otw_mac_is_zero(mac);
    if (otw_mac_is_broadcast(mac) || !otw_addr_is_unicast(ip) ||
        (has_mac &&
         (otw_gateways_is(s->gateways, mac) || otw_inventory_mac_holds_other(s->inv, mac, ip))))
        return OTW_ASSET_NONE;
    uint32_t idx = otw_inventory_ip_plant(s->inv, has_mac ? mac : NULL, ip,
                                          s->cur_ts ? s->cur_ts : f->first_us);
    otw_inventory_set_vlan(s->inv, idx, mac, f->key.vlan);
    return idx;
}

static void admit_plant_ends(otw_sensor *s, otw_flow *f)
{
    if (f->client_asset == OTW_ASSET_NONE)
        f->client_asset = admit_plant_end(s, f, f->client_mac, &f->client_ip);
    if (f->server_asset == OTW_ASSET_NONE && !s->ext[otw_flow_index(s->flows, f)].group_server)
        f->server_asset = admit_plant_end(s, f, f->server_mac, &f->server_ip);
}

/* A foreign end (outside the local networks, no asset) of a new flow: its
 * MAC may be a gateway's (gateways.h). */
static void note_foreign_end(otw_sensor *s, uint32_t asset, const uint8_t mac[6],
                             const otw_addr *ip)
{
    if (asset == OTW_ASSET_NONE && !otw_mac_is_zero(mac) && !otw_mac_is_multicast(mac) &&
        otw_addr_is_unicast(ip) && !otw_is_local(&s->cfg, ip))
        otw_gateways_note(s->gateways, mac, ip);
}

static void confirm(otw_sensor *s, otw_flow *f)
{
    otw_flow_ext *x = &s->ext[otw_flow_index(s->flows, f)];
    x->not_mine = 0;
    x->not_mine_dir[0] = x->not_mine_dir[1] = 0;
    if (x->confirmed)
        return;
    x->confirmed = true;
    if (x->claim == OTW_CLAIM_NDPI || x->claim == OTW_CLAIM_PROBE)
        otw_detect_learn(&s->detect, &f->server_ip, f->server_port, f->key.ip_proto == 6,
                         (otw_proto)f->dissector);
    const otw_dissector *d = otw_dissector_get((otw_proto)f->dissector);
    if (d && d->industrial)
        admit_plant_ends(s, f);
    assign_comm(s, f, (uint16_t)f->dissector);
    if (d && d->industrial)
        otw_inventory_add_evidence(s->inv, f->client_asset, OTW_EV_INDUSTRIAL_CLIENT);
}

/* Endpoints of what is being dissected: the flow's, or for a link-layer
 * frame its source (as client) and destination MAC. */
static void current_endpoints(otw_sensor *s, otw_endpoint *client, otw_endpoint *server)
{
    if (s->cur_flow) {
        flow_endpoints(s->cur_flow, client, server);
        return;
    }
    memset(client, 0, sizeof(*client));
    memset(server, 0, sizeof(*server));
    client->has_mac = server->has_mac = true;
    memcpy(client->mac, s->cur_l2->src_mac, 6);
    memcpy(server->mac, s->cur_l2->dst_mac, 6);
}

/* The flow's ends as the inventory holds them now: a MAC found to be a
 * router since the flow began has had its addresses split off into devices
 * of their own, and what the flow proves belongs to those. */
static void refresh_ends(otw_sensor *s, otw_flow *f)
{
    /* Looked up again only when the inventory's addresses changed: a poll's
     * operations mostly follow one another on an unchanged inventory. */
    otw_flow_ext *x = &s->ext[otw_flow_index(s->flows, f)];
    uint64_t gen = otw_inventory_ip_gen(s->inv) + 1;
    if (x->ends_gen != gen) {
        x->ends[0] = otw_inventory_find_ip(s->inv, &f->client_ip);
        x->ends[1] = otw_inventory_find_ip(s->inv, &f->server_ip);
        x->ends_gen = gen;
    }
#ifndef NDEBUG
    /* Debug builds check that nothing else changes the answers. */
    if (x->ends[0] != otw_inventory_find_ip(s->inv, &f->client_ip) ||
        x->ends[1] != otw_inventory_find_ip(s->inv, &f->server_ip))
        abort();
#endif
    uint32_t c = x->ends[0], v = x->ends[1];
    if (c != OTW_ASSET_NONE)
        f->client_asset = c;
    if (v != OTW_ASSET_NONE)
        f->server_asset = v;
}

static void sink_op(void *ctx, const otw_op *op)
{
    otw_sensor *s = ctx;
    otw_flow *f = s->cur_flow;
    s->stats.ops++;
    const otw_dissector *d = otw_dissector_get(op->protocol);
    bool industrial = d && d->industrial;
    if (f) {
        refresh_ends(s, f);
        confirm(s, f);
        otw_flow_ext *x = &s->ext[otw_flow_index(s->flows, f)];
        if (op->response_ts_us && !x->server_answered) {
            x->server_answered = true;
            if (industrial)
                otw_inventory_add_evidence(s->inv, f->server_asset, OTW_EV_INDUSTRIAL_SERVER);
        }
        if (industrial)
            otw_roles_op(s->roles, f->client_asset, f->server_asset, &f->client_ip, &f->server_ip,
                         op);
    } else if (s->cur_l2 && op->request_seen && industrial) {
        /* Link layer (PROFINET DCP Set of a name or an address, reset): the
         * sender is the station. */
        otw_roles_op(s->roles, otw_inventory_l2(s->inv, s->cur_l2->src_mac, op->ts_us),
                     OTW_ASSET_NONE, NULL, NULL, op);
    }
    otw_endpoint client, server;
    current_endpoints(s, &client, &server);
    int64_t record = s->oplog ? (int64_t)otw_oplog_next_record(s->oplog) : -1;
    if (s->oplog)
        otw_oplog_write(s->oplog, op, &client, &server);
    if (otw_activity_op(s->act, op, &client, &server, record))
        s->act_save_soon = true;
    otw_baseline_op(s->baseline, op, &client, &server, f ? f->server_asset : OTW_ASSET_NONE);
}

static const otw_evidence hint_evidence[] = {
    [OTW_HINT_NONE] = OTW_EV__COUNT,
    [OTW_HINT_CONTROLLER] = OTW_EV_DEVICE_IDENTITY,
    [OTW_HINT_HMI] = OTW_EV_INDUSTRIAL_CLIENT,
    [OTW_HINT_ENGINEERING] = OTW_EV_ENGINEERING,
    [OTW_HINT_NETWORK] = OTW_EV_NETWORK_DEVICE,
    [OTW_HINT_IT_HOST] = OTW_EV_IT_HOST,
    [OTW_HINT_IOT] = OTW_EV_IOT,
};

static void sink_identity(void *ctx, const otw_identity *id)
{
    otw_sensor *s = ctx;
    otw_flow *f = s->cur_flow;
    s->stats.identities++;
    uint32_t asset = OTW_ASSET_NONE;
    uint64_t ts = s->cur_ts;
    if (id->has_mac && id->has_ip) {
        otw_addr ip;
        memcpy(ip.b, id->ip, 16);
        /* A confirmed binding; a DHCP acknowledgement also tells a change. */
        asset = id->protocol == OTW_PROTO_DHCP ? bind_address(s, id->mac, &ip, ts)
                                               : otw_inventory_arp(s->inv, id->mac, &ip, ts);
    } else if (id->has_mac) {
        asset = otw_inventory_l2(s->inv, id->mac, ts);
    } else if (id->has_ip) {
        otw_addr ip;
        memcpy(ip.b, id->ip, 16);
        /* A DNS answer names an address; it does not show a device exists. */
        asset = id->protocol == OTW_PROTO_DNS ? otw_inventory_find_ip(s->inv, &ip)
                                              : otw_inventory_ip(s->inv, NULL, &ip, ts);
    } else if (f) {
        /* The sender of a PDU travelling to the client is the server. */
        asset = id->about == OTW_DIR_TO_CLIENT ? f->server_asset : f->client_asset;
    } else if (s->cur_l2) {
        asset = otw_inventory_l2(s->inv, s->cur_l2->src_mac, ts);
    }
    if (asset == OTW_ASSET_NONE) {
        /* A remote address's name (DNS): for exposure alerts. */
        if (id->has_ip && id->name[0]) {
            otw_addr ip;
            memcpy(ip.b, id->ip, 16);
            otw_exposure_name(s->exposure, &ip, id->name, ts);
        }
        return;
    }
    bool changed = otw_inventory_set_identity(s->inv, asset, id);
    if ((unsigned)id->role_hint < sizeof(hint_evidence) / sizeof(hint_evidence[0]) &&
        hint_evidence[id->role_hint] != OTW_EV__COUNT) {
        otw_asset *a = otw_inventory_at(s->inv, asset);
        uint32_t bit = 1u << hint_evidence[id->role_hint];
        changed |= a && !(a->evidence & bit);
        otw_inventory_add_evidence(s->inv, asset, hint_evidence[id->role_hint]);
    }
    /* Classification is redone only when the device told something new (a
     * PLC repeats its 43/14 identity on every poll of it). */
    if (changed)
        otw_exposure_asset(s->exposure, asset, ts);
}

/* What nDPI learnt about a flow's ends (User-Agent, SNI, SSH banner), just
 * before its state is released: identities of the client and server. */
static void on_ndpi_identity(void *ctx, otw_flow *f, const otw_identity *client,
                             const otw_identity *server)
{
    otw_sensor *s = ctx;
    otw_flow *saved_flow = s->cur_flow;
    const otw_packet *saved_l2 = s->cur_l2;
    uint64_t saved_ts = s->cur_ts;
    s->cur_flow = f; /* about = TO_SERVER: the client; TO_CLIENT: the server */
    s->cur_l2 = NULL;
    s->cur_ts = f->last_us;
    if (client)
        sink_identity(s, client);
    if (server)
        sink_identity(s, server);
    /* What the client asked for (TLS SNI, HTTP Host) names the server. */
    const char *n = client ? strstr(client->detail, "sni=") : NULL;
    if (!n && client)
        n = strstr(client->detail, "host=");
    if (n) {
        char name[96];
        n = strchr(n, '=') + 1;
        size_t len = strcspn(n, "; ");
        if (len >= sizeof(name))
            len = sizeof(name) - 1;
        memcpy(name, n, len);
        name[len] = '\0';
        otw_exposure_name(s->exposure, &f->server_ip, name, f->last_us);
    }
    s->cur_flow = saved_flow;
    s->cur_l2 = saved_l2;
    s->cur_ts = saved_ts;
}

static void sink_credential(void *ctx, const otw_credential *cred)
{
    otw_sensor *s = ctx;
    otw_endpoint client, server;
    current_endpoints(s, &client, &server);
    otw_creds_observe(s->creds, cred, &client, &server, s->cur_flow ? s->cur_flow->key.vlan : 0);
}

static void sink_anomaly(void *ctx, const char *name)
{
    otw_sensor *s = ctx;
    (void)name;
    s->stats.anomalies++;
}

static void release_dissection(otw_sensor *s, otw_flow *f)
{
    if (f->session != OTW_FLOW_NONE) {
        s->session_free[s->n_session_free++] = f->session;
        f->session = OTW_FLOW_NONE;
    }
    if (f->streams != OTW_FLOW_NONE) {
        otw_stream_release(s->streams, f->streams);
        f->streams = OTW_FLOW_NONE;
    }
}

/* The flow's dissector session, or NULL for stateless dissectors. */
static void *session_of(otw_sensor *s, const otw_flow *f)
{
    if (f->session == OTW_FLOW_NONE)
        return NULL;
    return s->sessions + (size_t)f->session * OTW_SESSION_MAX_BYTES;
}

/* Flushes what the dissector still holds (unanswered requests). */
static void dissector_flush(otw_sensor *s, otw_flow *f)
{
    if (f->session == OTW_FLOW_NONE)
        return;
    const otw_dissector *d = otw_dissector_get((otw_proto)f->dissector);
    if (d && d->expire) {
        s->cur_flow = f;
        s->cur_l2 = NULL;
        d->expire(session_of(s, f), s->now_us, 0, &s->sink);
    }
}

/* One more undecodable segment on an unconfirmed flow: is that enough for
 * the "not X" verdict? A probe saw the start of what it claimed: no
 * midstream excuse, one is enough. A flow picked up midstream (a capture
 * that starts or restarts while it runs) may begin inside a large PDU,
 * whose remaining segments all look undecodable in that direction: it
 * needs the evidence from both directions, or many more segments. */
#define NOT_MINE_MIDSTREAM_SEGMENTS 48
static bool not_mine_enough(otw_flow_ext *x, int dir)
{
    if (x->confirmed)
        return false;
    if (x->not_mine < UINT8_MAX)
        x->not_mine++;
    if (x->not_mine_dir[dir & 1] < UINT8_MAX)
        x->not_mine_dir[dir & 1]++;
    if (x->claim == OTW_CLAIM_PROBE)
        return true;
    if (!x->midstream)
        return x->not_mine >= NOT_MINE_SEGMENTS;
    return (x->not_mine_dir[0] >= NOT_MINE_SEGMENTS && x->not_mine_dir[1] >= NOT_MINE_SEGMENTS) ||
           x->not_mine >= NOT_MINE_MIDSTREAM_SEGMENTS;
}

static void not_mine_verdict(otw_sensor *s, otw_flow *f)
{
    dissector_flush(s, f);
    release_dissection(s, f);
    f->not_dissectable = true;
    if (s->ext[otw_flow_index(s->flows, f)].claim != OTW_CLAIM_PORT) {
        /* A claim on a hint that did not hold costs nothing: no alert. */
        s->stats.claims_refuted++;
        return;
    }
    s->stats.not_mine_flows++;
    const otw_dissector *d = otw_dissector_get((otw_proto)f->dissector);
    otw_endpoint client, server;
    flow_endpoints(f, &client, &server);
    client.port = 0;
    otw_alert al; /* T0885 Commonly Used Port */
    otw_alert_init(&al, OTW_AT_PROTOCOL_MISMATCH, &client, &server, d ? d->name : "?");
    otw_alert_key(&al, "expected=%s", d ? d->name : "?");
    char a[64], b[64];
    otw_alert_message(
        &al, "Traffic %s -> %s %s/%u is not %s although the port is %s's",
        otw_addr_str(&f->client_ip, a, sizeof(a)), otw_addr_str(&f->server_ip, b, sizeof(b)),
        f->key.ip_proto == 6 ? "tcp" : "udp", f->server_port, d ? d->name : "?", d ? d->name : "?");
    otw_alerts_raise(s->alerts, &al, s->cur_ts, 1);
}

/* Stream consumer: parses every whole PDU in data. */
static size_t consume(void *ctx, const uint8_t *data, size_t len, uint32_t *skip)
{
    otw_sensor *s = ctx;
    otw_flow *f = s->cur_flow;
    const otw_dissector *d = s->cur_dissector;
    otw_flow_ext *x = &s->ext[otw_flow_index(s->flows, f)];
    size_t off = 0;
    while (off < len) {
        long n = d->frame_len(data + off, len - off);
        if (n == OTW_FRAME_NEED_MORE)
            break;
        if (n > 0 && (size_t)n > len - off && (size_t)n > OTW_STREAM_BUF && x->confirmed && skip) {
            /* Larger than we reassemble, on a flow whose framing has held
             * so far: trust the header and skip the PDU (its request ends
             * without an answer), framing resumes right after it. A PDU
             * that arrived whole in one segment is parsed below. */
            s->stats.oversized_pdus++;
            if (d->oversized)
                d->oversized(session_of(s, f), s->cur_dir, data + off, len - off, (size_t)n,
                             s->cur_ts, &s->sink);
            *skip = (uint32_t)((size_t)n - (len - off) > UINT32_MAX ? UINT32_MAX
                                                                    : (size_t)n - (len - off));
            return len;
        }
        if (n < 0 || ((size_t)n > OTW_STREAM_BUF && (size_t)n > len - off)) {
            if (n > 0)
                s->stats.oversized_pdus++;
            /* Not a PDU boundary: drop what is buffered and resynchronise at
             * the next segment. An unconfirmed flow gets a verdict after a
             * few such segments (midstream starts can begin mid-PDU). */
            if (not_mine_enough(x, s->cur_dir))
                return (size_t)-1;
            if (x->confirmed)
                s->stats.malformed_pdus++;
            return len;
        }
        if ((size_t)n > len - off)
            break;
        s->stats.dissected_pdus++;
        otw_parse_status r =
            d->parse(session_of(s, f), s->cur_dir, data + off, (size_t)n, s->cur_ts, &s->sink);
        if (r == OTW_PARSE_NOT_MINE) {
            if (not_mine_enough(x, s->cur_dir))
                return (size_t)-1;
            return len;
        }
        if (r == OTW_PARSE_MALFORMED)
            s->stats.malformed_pdus++;
        else
            confirm(s, f);
        off += (size_t)n;
    }
    return off;
}

static void dissect(otw_sensor *s, otw_flow *f, int dir, const otw_packet *p)
{
    const otw_dissector *d = otw_dissector_get((otw_proto)f->dissector);
    if (!d) {
        f->not_dissectable = true;
        return;
    }
    if (f->session == OTW_FLOW_NONE && d->session_size) {
        /* The last quarter of the pool is kept for industrial protocols: a
         * busy office network's HTTP must not starve the control traffic. */
        if (s->n_session_free == 0 || (!d->industrial && s->n_session_free < s->n_sessions / 4)) {
            s->stats.sessions_exhausted++;
            f->not_dissectable = true;
            return;
        }
        f->session = s->session_free[--s->n_session_free];
        d->session_init(session_of(s, f));
    }
    s->cur_flow = f;
    s->cur_l2 = NULL;
    s->cur_dissector = d;
    s->cur_dir = (otw_dir)dir;
    s->cur_ts = p->ts_us;
    if (d->expire && f->session != OTW_FLOW_NONE)
        d->expire(session_of(s, f), p->ts_us, (uint64_t)s->cfg.request_timeout_s * 1000000u,
                  &s->sink);
    if (p->ip_proto == 17) {
        s->stats.dissected_pdus++;
        otw_parse_status r = d->parse(session_of(s, f), (otw_dir)dir, p->payload, p->payload_len,
                                      p->ts_us, &s->sink);
        if (r == OTW_PARSE_OK)
            confirm(s, f);
        else if (r == OTW_PARSE_MALFORMED)
            s->stats.malformed_pdus++;
        else if (not_mine_enough(&s->ext[otw_flow_index(s->flows, f)], dir))
            not_mine_verdict(s, f);
        return;
    }
    if (f->streams == OTW_FLOW_NONE)
        f->streams = otw_stream_alloc(s->streams);
    bool ok;
    if (f->streams == OTW_FLOW_NONE) {
        /* No buffer left: PDUs that fit in one segment still parse. */
        ok = consume(s, p->payload, p->payload_len, NULL) != (size_t)-1;
    } else {
        otw_stream *st = otw_stream_at(s->streams, f->streams);
        ok = otw_stream_add(s->streams, st, dir, p->tcp_seq, (p->tcp_flags & OTW_TCP_SYN) != 0,
                            p->payload, p->payload_len, consume, s);
    }
    if (!ok)
        not_mine_verdict(s, f);
}

/* Link-layer protocols (PROFINET DCP, LLDP, CDP over SNAP): no flow, no
 * session; the frame's source is the sender. */
static void dissect_l2(otw_sensor *s, const otw_packet *p)
{
    uint16_t type = p->ethertype;
    const uint8_t *data = p->payload;
    uint32_t len = p->payload_len;
    if (!data)
        return;
    if (type <= 1500) {
        /* 802.3 + LLC/SNAP (AA AA 03, OUI, PID): the PID names the protocol. */
        if (len < 8 || data[0] != 0xAA || data[1] != 0xAA || data[2] != 0x03)
            return;
        type = (uint16_t)((data[6] << 8) | data[7]);
        data += 8;
        len -= 8;
    }
    const otw_dissector *d = otw_dissector_for_ethertype(type);
    if (!d || d->session_size)
        return;
    s->cur_flow = NULL;
    s->cur_l2 = p;
    s->cur_dissector = d;
    s->cur_dir = OTW_DIR_TO_SERVER;
    s->cur_ts = p->ts_us;
    s->stats.dissected_pdus++;
    if (d->parse(NULL, OTW_DIR_TO_SERVER, data, len, p->ts_us, &s->sink) == OTW_PARSE_MALFORMED)
        s->stats.malformed_pdus++;
    s->cur_l2 = NULL;
}

/* ------------------------------------------------------ flow lifecycle */

static bool is_server_port(void *ctx, bool tcp, uint16_t port)
{
    otw_sensor *s = ctx;
    return tcp ? s->tcp_port_proto[port] != 0 : s->udp_port_proto[port] != 0;
}

/* Once, when the asset table first keeps a new address out of its reserve:
 * the sign of a flood of (spoofed) sources. */
static void asset_pressure(otw_sensor *s, uint64_t ts_us)
{
    if (s->assets_under_pressure || !otw_inventory_refused_unproven(s->inv))
        return;
    s->assets_under_pressure = true;
    otw_alert a;
    otw_alert_init(&a, OTW_AT_TABLE_PRESSURE, NULL, NULL, NULL);
    otw_alert_key(&a, "table=assets");
    otw_alert_message(&a,
                      "The sensor's asset table is 90%% full (%u of %u): a new address now "
                      "becomes an asset only once it answers or announces itself (ARP, "
                      "link-layer frames), so a flood of spoofed sources cannot take the room "
                      "a real device needs. Look for the flood's source",
                      otw_inventory_size(s->inv), s->cfg.max_assets);
    otw_alerts_raise(s->alerts, &a, ts_us, 1);
}

/* An exchange proves both ends exist: an answer, and the client speaking
 * again after it (a spoofed source gets the SYN-ACK but never completes
 * the handshake). An end the reserve kept out on the first packet becomes
 * an asset now. */
static void admit_answered(otw_sensor *s, otw_flow *f, uint64_t ts_us)
{
    otw_flow_ext *x = &s->ext[otw_flow_index(s->flows, f)];
    if (x->admitted)
        return;
    x->admitted = true;
    if (f->client_asset == OTW_ASSET_NONE)
        f->client_asset = otw_inventory_ip_proven(
            s->inv, otw_mac_is_zero(f->client_mac) ? NULL : f->client_mac, &f->client_ip, ts_us);
    if (f->server_asset == OTW_ASSET_NONE)
        f->server_asset = otw_inventory_ip_proven(
            s->inv, otw_mac_is_zero(f->server_mac) ? NULL : f->server_mac, &f->server_ip, ts_us);
}

/* A flow of an industrial dissector: every attempt counts for host scans,
 * answered or not. */
static void industrial_flow(otw_sensor *s, const otw_flow *f)
{
    const otw_dissector *d = otw_dissector_get((otw_proto)f->dissector);
    if (d && d->industrial) {
        otw_endpoint client, server;
        flow_endpoints(f, &client, &server);
        otw_baseline_industrial_flow(s->baseline, &client, &server, (otw_proto)f->dissector,
                                     f->first_us);
    }
}

static void on_flow_new(otw_sensor *s, otw_flow *f, const otw_packet *p, int dir)
{
    otw_flow_ext *x = &s->ext[otw_flow_index(s->flows, f)];
    memset(x, 0, sizeof(*x));
    x->act.flow = 1;
    x->midstream = p->ip_proto == 6 && !(p->tcp_flags & OTW_TCP_SYN);
    if (f->key.ip_proto == 6)
        f->dissector = s->tcp_port_proto[f->server_port];
    else if (f->key.ip_proto == 17)
        f->dissector = s->udp_port_proto[f->server_port];
    (void)p;
    (void)dir;
    /* A packet to a broadcast or multicast MAC or address goes to no
     * device (10.20.0.255, 239.x, ff02::1:2): not an asset (flow.c). */
    /* A DHCP server's reply goes to the address it is handing out: the DHCP
     * dissector binds that to the client's MAC (bind_address); taken from
     * the header it would be a device of its own behind a "router". A
     * client's own request from its address is the client's, as always. */
    bool dhcp_client = f->key.ip_proto == 17 && f->client_port == 68 && f->server_port == 67 &&
                       dir == OTW_DIR_TO_CLIENT;
    f->client_asset =
        f->client_group ? OTW_ASSET_NONE
        : dhcp_client
            ? otw_inventory_find_ip(s->inv, &f->client_ip)
            : otw_inventory_ip(s->inv, otw_mac_is_zero(f->client_mac) ? NULL : f->client_mac,
                               &f->client_ip, f->first_us);
    x->group_server = f->server_group;
    f->server_asset =
        f->server_group
            ? OTW_ASSET_NONE
            : otw_inventory_ip(s->inv, otw_mac_is_zero(f->server_mac) ? NULL : f->server_mac,
                               &f->server_ip, f->first_us);
    asset_pressure(s, f->first_us);
    note_foreign_end(s, f->client_asset, f->client_mac, &f->client_ip);
    note_foreign_end(s, f->server_asset, f->server_mac, &f->server_ip);
    otw_inventory_set_vlan(s->inv, f->client_asset, f->client_mac, f->key.vlan);
    otw_inventory_set_vlan(s->inv, f->server_asset, f->server_mac, f->key.vlan);
    if (f->dissector) {
        x->claim = OTW_CLAIM_PORT;
        industrial_flow(s, f);
    } else if (f->key.ip_proto == 6 || f->key.ip_proto == 17) {
        /* A service a claim was confirmed on before: claimed at once, so a
         * flow picked up midstream is dissected like the first one was. */
        otw_proto known =
            otw_detect_known(&s->detect, &f->server_ip, f->server_port, f->key.ip_proto == 6);
        if (known != OTW_PROTO_NONE) {
            x->claim = OTW_CLAIM_KNOWN;
            x->detect_done = true;
            f->dissector = (uint8_t)known;
            s->stats.claimed_as_known++;
            industrial_flow(s, f);
        }
    }
}

/* A group request's answer came (flow.c rekeyed the flow to the answering
 * device): the server is that device from now on. */
static void on_flow_paired(otw_sensor *s, otw_flow *f, uint64_t ts_us)
{
    otw_flow_ext *x = &s->ext[otw_flow_index(s->flows, f)];
    x->group_server = false;
    x->discovery = true;
    x->ends_gen = 0; /* another server address: refresh_ends() looks it up */
    f->server_asset = otw_inventory_ip(
        s->inv, otw_mac_is_zero(f->server_mac) ? NULL : f->server_mac, &f->server_ip, ts_us);
    asset_pressure(s, ts_us);
    note_foreign_end(s, f->server_asset, f->server_mac, &f->server_ip);
    otw_inventory_set_vlan(s->inv, f->server_asset, f->server_mac, f->key.vlan);
    if (f->dissector && s->ext[otw_flow_index(s->flows, f)].confirmed) {
        const otw_dissector *d = otw_dissector_get((otw_proto)f->dissector);
        if (d && d->industrial)
            admit_plant_ends(s, f);
    }
}

/* Dynamic detection (detect.h) on a flow no port names, at a packet with
 * payload: nDPI's verdict once it has one, else the probes on the first
 * OTW_DETECT_PROBE_PACKETS payloads of each side. The claim takes effect
 * at once, so this packet is the first the dissector parses (its stream
 * starts here). */
static void detect_claim(otw_sensor *s, otw_flow *f, int dir, const otw_packet *p)
{
    otw_flow_ext *x = &s->ext[otw_flow_index(s->flows, f)];
    bool tcp = p->ip_proto == 6;
    if (x->detect_done)
        return;
    otw_proto proto;
    otw_claim how;
    if (f->ndpi_detected) {
        /* nDPI named the flow: one of ours or something else, never probed. */
        x->detect_done = true;
        proto = otw_classify_dissector(f);
        how = OTW_CLAIM_NDPI;
    } else {
        if (x->probed[0] >= OTW_DETECT_PROBE_PACKETS && x->probed[1] >= OTW_DETECT_PROBE_PACKETS) {
            x->detect_done = true;
            return;
        }
        if (x->probed[dir] >= OTW_DETECT_PROBE_PACKETS)
            return;
        x->probed[dir]++;
        proto = otw_detect_probe(&s->detect, tcp, p->payload, p->payload_len, (otw_dir)dir,
                                 x->probed[!dir] == 0);
        how = OTW_CLAIM_PROBE;
    }
    if (!otw_detect_allowed(&s->detect, tcp, proto))
        return;
    /* The protocol's own port on the client side: the flow's orientation is
     * reversed (a capture that starts midstream), requests would be read
     * as answers. No claim. */
    if ((tcp ? s->tcp_port_proto : s->udp_port_proto)[f->client_port] == (uint8_t)proto) {
        x->detect_done = true;
        return;
    }
    x->detect_done = true;
    x->claim = (uint8_t)how;
    f->dissector = (uint8_t)proto;
    if (how == OTW_CLAIM_NDPI)
        s->stats.claimed_by_ndpi++;
    else
        s->stats.claimed_by_probe++;
    industrial_flow(s, f);
}

static void refused(otw_sensor *s, const otw_flow *f)
{
    otw_endpoint client, server;
    flow_endpoints(f, &client, &server);
    otw_baseline_refused(s->baseline, &client, &server, f->last_us);
}

static void on_flow_end(void *ctx, otw_flow *f, otw_flow_end why)
{
    otw_sensor *s = ctx;
    (void)why;
    dissector_flush(s, f);
    release_dissection(s, f);
    if (!f->ndpi_done || f->ndpi)
        otw_classify_finish(s->classifier, f);
    /* A flow on an industrial port that ended before any payload (a
     * reconnect, SYNs to a silent PLC) takes the port's protocol: nothing
     * contradicts it, and nDPI would only guess the same from the port.
     * A dynamic claim is a hint only: unconfirmed, nDPI names the flow. A
     * connection refused (a reset answering the SYN) was no communication:
     * the baseline counted it for port scans. */
    const otw_flow_ext *x = &s->ext[otw_flow_index(s->flows, f)];
    bool owned =
        f->dissector && !f->not_dissectable && (x->claim == OTW_CLAIM_PORT || x->confirmed);
    bool refused =
        (f->tcp_state & (OTW_FLOW_TCP_SYN | OTW_FLOW_TCP_SYNACK | OTW_FLOW_TCP_RST_SERVER)) ==
        (OTW_FLOW_TCP_SYN | OTW_FLOW_TCP_RST_SERVER);
    if (f->comm == OTW_FLOW_NONE && !refused)
        assign_comm(s, f, owned ? (uint16_t)f->dissector : ndpi_comm_key(s, f));
    flush_counters(s, f);
    uint32_t slot = otw_flow_index(s->flows, f);
    otw_act_flow_end(s->act, &s->ext[slot].act, f->comm, slot);
}

/* ------------------------------------------------------ housekeeping */

/* Only flows active since the last checkpoint can have news: they are at
 * the recent end of the LRU list. */
static void checkpoint_flush_flows(otw_sensor *s)
{
    for (otw_flow *f = otw_flow_newest(s->flows); f; f = otw_flow_older(s->flows, f)) {
        if (f->last_us < s->last_flush_us)
            break;
        flush_counters(s, f);
        uint32_t slot = otw_flow_index(s->flows, f);
        otw_act_flow_flush(s->act, &s->ext[slot].act, f->comm, slot);
    }
    s->last_flush_us = s->now_us;
}

/* Acceptances recorded by `otwatch baseline accept` (possibly while this
 * sensor runs) and not applied yet. */
static void apply_acceptances(otw_sensor *s)
{
    int64_t ids[64], alert_ids[64];
    int n = otw_store_pending_acceptances(s->store, ids, alert_ids, 64);
    for (int i = 0; i < n; i++) {
        char e[160];
        for (uint32_t k = 0; k < otw_alerts_size(s->alerts); k++) {
            otw_alert *a = otw_alerts_at(s->alerts, k);
            if (a->id == alert_ids[i]) {
                otw_baseline_accept(s->baseline, a, e, sizeof(e));
                break;
            }
        }
        otw_store_acceptance_applied(s->store, ids[i]);
    }
}

/* The evidence chains (chain.h) at a checkpoint: the operations log's
 * head, over what its writer has written (it was just flushed), goes to the
 * state; both heads go to syslog when one moved. */
#define OPS_CHAIN_META "chain_ops"
#define OPS_CHAIN_FILE_META "chain_ops_file"

static void checkpoint_chains(otw_sensor *s)
{
    otw_chain_anchor ops;
    memset(&ops, 0, sizeof(ops));
    if (s->oplog) {
        char v[160];
        uint64_t failed;
        otw_oplog_anchor(s->oplog, &ops, &failed);
        if (failed && !s->ops_chain_failed_said) {
            s->ops_chain_failed_said = true;
            otw_warn("%s.chain: links could not be written (disk full?): `otwatch verify` will "
                     "name the first operation without one",
                     s->ops_id);
        }
        otw_chain_anchor_format(&ops, v, sizeof(v));
        if (otw_store_meta_set(s->store, OPS_CHAIN_META, v) != 0 ||
            otw_store_meta_set(s->store, OPS_CHAIN_FILE_META, s->ops_id) != 0)
            s->stats.checkpoint_failures++;
    }
    const otw_chain *al = otw_store_alert_chain(s->store);
    if (!s->syslog || !s->cfg.syslog_chain_heads ||
        (s->heads_sent && memcmp(al, &s->sent_alerts, sizeof(*al)) == 0 &&
         memcmp(&ops.chain, &s->sent_ops, sizeof(ops.chain)) == 0))
        return;
    char an[24], on[24], ah[OTW_CHAIN_HEX], oh[OTW_CHAIN_HEX], msg[320];
    snprintf(an, sizeof(an), "%llu", (unsigned long long)al->n);
    snprintf(on, sizeof(on), "%llu", (unsigned long long)ops.chain.n);
    otw_chain_hex(al->head, ah);
    otw_chain_hex(ops.chain.head, oh);
    const char *sd[] = {"alerts_records", an, "alerts_head", ah, "ops_records", on,
                        "ops_head",       oh, NULL};
    snprintf(msg, sizeof(msg),
             "evidence chain heads: alerts %s records, head %s; operations %s records, head %s", an,
             ah, on, oh);
    if (otw_syslog_chain_heads(s->syslog, s->now_us, sd, msg) == 0) {
        s->sent_alerts = *al;
        s->sent_ops = ops.chain;
        s->heads_sent = true;
    }
}

int otw_sensor_checkpoint(otw_sensor *s, char *err, size_t errsz)
{
    checkpoint_flush_flows(s);
    if (s->oplog)
        otw_oplog_flush(s->oplog);
    if (s->alerts_out)
        fflush(s->alerts_out);
    s->stats.checkpoints++;
    char e[256];
    apply_acceptances(s);
    s->act_save_soon = false;
    int stored = otw_store_checkpoint(s->store, s->inv, s->comms, s->alerts, proto_key_name, s, e,
                                      sizeof(e));
    if (stored == 0)
        otw_activity_committed(s->act);
    if (stored != 0 || otw_baseline_save(s->baseline, otw_store_db(s->store), e, sizeof(e)) != 0 ||
        otw_coverage_save(s->cov, s->store, s->now_us, e, sizeof(e)) != 0) {
        s->stats.checkpoint_failures++;
        if (err)
            snprintf(err, errsz, "%s", e);
        return -1;
    }
    checkpoint_chains(s);
    return 0;
}

/* The activity's waiting entries: the communication their flow has now. */
static uint32_t act_comm_of(void *ctx, uint32_t slot)
{
    otw_sensor *s = ctx;
    otw_flow *f = otw_flow_at(s->flows, slot);
    if (!f || f->comm == OTW_FLOW_NONE)
        return OTW_COMM_NONE;
    if (s->ext[slot].act.unresolved)
        s->ext[slot].act.unresolved--;
    return f->comm;
}

/* In the store's checkpoint transaction, after the communications. */
static int act_save(void *ctx, otw_store *st, char *err, size_t errsz)
{
    otw_sensor *s = ctx;
    return otw_activity_save(s->act, st, s->comms, act_comm_of, s, s->now_us, s->finished, err,
                             errsz);
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void state_path(const otw_sensor *s, const char *name, char *out, size_t outsz);

/* The enforcer and its log (enforcement.jsonl), opened once enforcement is
 * enabled; then (re)configured from s->cfg. 0 or -1 + err. */
static int enforce_setup(otw_sensor *s, const otw_config *cfg, char *err, size_t errsz)
{
    if (!cfg->enforce_enabled && !s->enforce)
        return 0;
    if (!s->enforce_log) {
        char path[OTW_PATH_MAX * 2];
        state_path(s, "enforcement.jsonl", path, sizeof(path));
        s->enforce_log = fopen(path, "a");
        if (!s->enforce_log) {
            snprintf(err, errsz, "cannot open enforcement log %s: %s", path, strerror(errno));
            return -1;
        }
    }
    if (!s->enforce)
        s->enforce = otw_enforce_new(s->enforce_log);
    if (!s->enforce) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    return otw_enforce_configure(s->enforce, cfg, s->live, err, errsz);
}

void otw_sensor_set_live(otw_sensor *s, bool live)
{
    s->live = live;
    char err[256];
    if (s->enforce && otw_enforce_configure(s->enforce, &s->cfg, live, err, sizeof(err)) != 0)
        otw_warn("%s: resets will fail", err);
}

int otw_sensor_reload(otw_sensor *s, const otw_config *cfg, char *err, size_t errsz)
{
    /* What can fail first: conduit protocol names, the injection interface. */
    if (otw_check_protocol_names(cfg, s->classifier, err, errsz) != 0 ||
        enforce_setup(s, cfg, err, errsz) != 0)
        return -1;
    /* Zones, conduits, enforcement and alert settings; the rest (memory,
     * interfaces, outputs) needs a restart. */
    memcpy(s->cfg.zones, cfg->zones, sizeof(cfg->zones));
    s->cfg.n_zones = cfg->n_zones;
    memcpy(s->cfg.conduits, cfg->conduits, sizeof(cfg->conduits));
    s->cfg.n_conduits = cfg->n_conduits;
    s->cfg.enforce_enabled = cfg->enforce_enabled;
    s->cfg.enforce_dry_run = cfg->enforce_dry_run;
    memcpy(s->cfg.enforce_interface, cfg->enforce_interface, sizeof(cfg->enforce_interface));
    s->cfg.enforce_max_resets_per_s = cfg->enforce_max_resets_per_s;
    s->cfg.exception_burst_count = cfg->exception_burst_count;
    s->cfg.exception_burst_window_s = cfg->exception_burst_window_s;
    /* Sessions already placed follow the new rules from their next packet. */
    for (otw_flow *f = otw_flow_newest(s->flows); f; f = otw_flow_older(s->flows, f)) {
        if (f->comm != OTW_FLOW_NONE)
            zone_place(s, f, otw_comms_at(s->comms, f->comm)->proto_key, false);
    }
    return 0;
}

void otw_sensor_learn(otw_sensor *s, uint64_t for_us)
{
    otw_baseline_learn(s->baseline, 0, for_us);
}

/* `run`: every outputs.syslog.heartbeat, what was seen since the last one
 * goes to the collector (never spooled: syslog_out.h). */
static void heartbeat(otw_sensor *s)
{
    if (!s->live || !s->syslog || !s->cfg.syslog_heartbeat_s || !s->started_us)
        return;
    uint64_t every = (uint64_t)s->cfg.syslog_heartbeat_s * 1000000u;
    if (!s->hb_next_us)
        s->hb_next_us = s->started_us + every;
    if (s->now_us < s->hb_next_us)
        return;
    otw_coverage_stats cs;
    otw_coverage_get_stats(s->cov, &cs);
    otw_syslog_heartbeat_info hb = {.ts_us = s->now_us,
                                    .packets = s->stats.packets - s->hb_packets,
                                    .drops = cs.drops - s->hb_drops,
                                    .interval_s = (s->now_us - s->hb_last_us) / 1000000u,
                                    .uptime_s = (s->now_us - s->started_us) / 1000000u,
                                    .interfaces = s->sources};
    otw_syslog_heartbeat(s->syslog, &hb);
    s->hb_packets = s->stats.packets;
    s->hb_drops = cs.drops;
    s->hb_last_us = s->now_us;
    s->hb_next_us = s->now_us + every;
}

static void housekeeping(otw_sensor *s)
{
    if (s->now_us >= s->next_expire_us) {
        if (s->live) {
            otw_coverage_tick(s->cov, s->now_us);
            heartbeat(s);
        }
        otw_baseline_tick(s->baseline, s->now_us);
        otw_creds_tick(s->creds, s->now_us);
        otw_flow_expire(s->flows, s->now_us, s->cfg.tcp_timeout_s, s->cfg.udp_timeout_s,
                        s->cfg.closed_timeout_s, EXPIRE_MAX_VISITS);
        s->next_expire_us = s->now_us + EXPIRE_EVERY_US;
    }
    if (s->now_us >= s->next_checkpoint_us) {
        /* Live, a checkpoint every interval of (capture = wall) time bounds
         * what a crash can lose. Offline, hours of capture pass in seconds:
         * a checkpoint also waits for wall time, so a big file is not
         * thousands of transactions (the result is the same either way). */
        double wall = wall_seconds();
        if (s->next_checkpoint_us &&
            (s->live || wall - s->last_checkpoint_wall >= OFFLINE_CHECKPOINT_WALL_S)) {
            otw_sensor_checkpoint(s, NULL, 0);
            s->last_checkpoint_wall = wall;
        }
        s->next_checkpoint_us = s->now_us + (uint64_t)s->cfg.checkpoint_s * 1000000u;
    }
    /* The activity's pending arrays are filling faster than the checkpoints
     * empty them (a big file read in seconds): one now, whatever the wall
     * time, rather than counts dropped. */
    if (s->act_save_soon || otw_activity_wants_save(s->act)) {
        double wall = wall_seconds(); /* a failing store is not retried every packet */
        if (wall - s->act_forced_wall >= 0.2) {
            s->act_forced_wall = wall;
            otw_sensor_checkpoint(s, NULL, 0);
        }
    }
}

void otw_sensor_tick(otw_sensor *s, uint64_t now_us)
{
    if (now_us > s->now_us)
        s->now_us = now_us;
    housekeeping(s);
}

/* ------------------------------------------------------ the packet path */

void otw_sensor_packet(otw_sensor *s, int dlt, const uint8_t *frame, uint32_t caplen,
                       uint32_t wire_len, uint64_t ts_us)
{
    s->stats.packets++;
    s->stats.bytes += wire_len;
    /* The clock only moves forward: a late packet does not rewind expiry. */
    if (ts_us > s->now_us)
        s->now_us = ts_us;
    if (s->now_us >= s->next_expire_us || s->now_us >= s->next_checkpoint_us || s->act_save_soon)
        housekeeping(s);

    otw_packet p;
    otw_decode_result r = otw_decode(dlt, frame, caplen, wire_len, ts_us, &p);
    switch (r) {
    case OTW_DECODE_OK:
        break;
    case OTW_DECODE_TRUNCATED:
        s->stats.decode_truncated++;
        break;
    case OTW_DECODE_UNSUPPORTED_LINK:
        s->stats.decode_unsupported_link++;
        return;
    case OTW_DECODE_MALFORMED:
        s->stats.decode_malformed++;
        break;
    }
    switch (p.l3) {
    case OTW_L3_ARP:
        s->stats.arp++;
        if (r == OTW_DECODE_OK && (p.arp.op == 1 || p.arp.op == 2))
            bind_address(s, p.arp.sender_mac, &p.arp.sender_ip, ts_us);
        return;
    case OTW_L3_OTHER:
        s->stats.non_ip++;
        if (p.has_mac) {
            otw_inventory_l2(s->inv, p.src_mac, ts_us);
            dissect_l2(s, &p);
        }
        return;
    case OTW_L3_IPV4:
        s->stats.ipv4++;
        break;
    case OTW_L3_IPV6:
        s->stats.ipv6++;
        break;
    default:
        return;
    }
    if (p.fragment) {
        s->stats.fragments++;
        return;
    }
    if (r != OTW_DECODE_OK && r != OTW_DECODE_TRUNCATED)
        return;
    if (p.ip_proto == 6)
        s->stats.tcp++;
    else if (p.ip_proto == 17)
        s->stats.udp++;
    else
        s->stats.other_l4++;

    int dir = 0;
    bool created = false;
    otw_flow *f = otw_flow_lookup(s->flows, &p, &dir, &created, is_server_port, s);
    if (!f)
        return;
    if (created)
        on_flow_new(s, f, &p, dir);
    else if (f->paired && s->ext[otw_flow_index(s->flows, f)].group_server)
        on_flow_paired(s, f, ts_us);
    if (dir == OTW_DIR_TO_CLIENT && f->pkts[dir] == 0 && p.ip_proto == 6 &&
        (p.tcp_flags & OTW_TCP_RST) && (f->tcp_state & OTW_FLOW_TCP_SYN) &&
        !(f->tcp_state & OTW_FLOW_TCP_SYNACK))
        refused(s, f); /* a reset answering a SYN: nothing listens there */
    f->pkts[dir]++;
    f->bytes[dir] += wire_len;
    uint32_t slot = otw_flow_index(s->flows, f);
    otw_act_flow_packet(s->act, &s->ext[slot].act, f->comm, slot, ts_us, wire_len);
    otw_flow_touch(s->flows, f, ts_us);
    if (s->assets_under_pressure && f->pkts[OTW_DIR_TO_SERVER] >= 2 &&
        f->pkts[OTW_DIR_TO_CLIENT] >= 1)
        admit_answered(s, f, ts_us);

    bool named = !f->ndpi_done && otw_classify_packet(s->classifier, f, &p);
    bool payload = p.payload_len && p.payload && (p.ip_proto == 6 || p.ip_proto == 17);
    if (!f->dissector && payload && s->detect.enabled)
        detect_claim(s, f, dir, &p);
    /* A flow our dissector owns takes its name from the dissector once
     * confirmed; everything else is named by nDPI now. */
    if (named && (!f->dissector || f->not_dissectable))
        assign_comm(s, f, ndpi_comm_key(s, f));
    if (f->dissector && !f->not_dissectable && p.payload_len && p.payload &&
        (p.ip_proto == 6 || p.ip_proto == 17))
        dissect(s, f, dir, &p);
    if (f->not_dissectable && f->ndpi_done && f->comm == OTW_FLOW_NONE)
        assign_comm(s, f, ndpi_comm_key(s, f));
    if (p.ip_proto == 6 && s->ext[otw_flow_index(s->flows, f)].zone_reset)
        zone_enforce(s, f, dlt, &p);
}

/* ------------------------------------------------------ open / close */

static int load_asset(void *ctx, const otw_asset *a)
{
    otw_sensor *s = ctx;
    otw_inventory_load(s->inv, a);
    return 0;
}

static int load_comm(void *ctx, const otw_comm *c)
{
    otw_sensor *s = ctx;
    otw_comms_load(s->comms, c);
    /* An industrial or login protocol on a port not configured for it was
     * claimed dynamically and confirmed: its service is known. */
    bool tcp = c->transport == 6;
    if (c->proto_key > OTW_PROTO_NONE && c->proto_key < OTW_PROTO__COUNT &&
        (tcp || c->transport == 17) &&
        (tcp ? s->tcp_port_proto : s->udp_port_proto)[c->server_port] != c->proto_key)
        otw_detect_learn(&s->detect, &c->server, c->server_port, tcp, (otw_proto)c->proto_key);
    const otw_dissector *d = c->proto_key < 256 ? otw_dissector_get((otw_proto)c->proto_key) : NULL;
    if (d && d->industrial)
        otw_roles_pair(s->roles, &c->client, &c->server);
    otw_exposure_known_comm(s->exposure, c, proto_key_name(s, c->proto_key),
                            otw_inventory_find_ip(s->inv, &c->client),
                            otw_inventory_find_ip(s->inv, &c->server));
    return 0;
}

static int load_alert(void *ctx, const otw_alert *a)
{
    otw_sensor *s = ctx;
    otw_alerts_load(s->alerts, a);
    otw_exposure_known_alert(s->exposure, a);
    return 0;
}

/* Server ports of every dissector, as configured (the defaults are the
 * dissectors' own lists). */
static void build_port_map(otw_sensor *s, const otw_config *cfg)
{
    for (int p = 1; p < OTW_PROTO__COUNT; p++) {
        if (!otw_dissector_get((otw_proto)p))
            continue;
        for (int k = 0; k < OTW_MAX_PORTS && cfg->tcp_ports[p][k]; k++)
            s->tcp_port_proto[cfg->tcp_ports[p][k]] = (uint8_t)p;
        for (int k = 0; k < OTW_MAX_PORTS && cfg->udp_ports[p][k]; k++)
            s->udp_port_proto[cfg->udp_ports[p][k]] = (uint8_t)p;
    }
}

static int mkdir_p(const char *dir)
{
    char buf[OTW_PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0750) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    if (mkdir(buf, 0750) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static void state_path(const otw_sensor *s, const char *name, char *out, size_t outsz)
{
    if (name[0] == '/')
        snprintf(out, outsz, "%s", name);
    else
        snprintf(out, outsz, "%s/%s", s->state_dir, name);
}

/* An append-only file a killed run left mid-line is cut back to its last
 * whole line before this run appends (said once, with what was cut). */
static int cut_torn_line(const char *path, char *err, size_t errsz)
{
    uint64_t removed;
    if (otw_cut_torn_line(path, &removed, err, errsz) != 0)
        return -1;
    if (removed)
        otw_warn("%s: removed a torn last line (%llu bytes) left by an interrupted run", path,
                 (unsigned long long)removed);
    return 0;
}

/* Alert ids are reserved in the store's meta table, in blocks, before they
 * are handed out: a run killed before its checkpoint has sent ids the store
 * does not hold, and the next run must not send them again. */
#define ALERT_ID_META "alert_id_reserved"

static int reserve_alert_ids(void *ctx, int64_t limit)
{
    otw_sensor *s = ctx;
    char v[24];
    snprintf(v, sizeof(v), "%lld", (long long)limit);
    return limit < OTW_ALERT_ID_MAX ? otw_store_meta_set(s->store, ALERT_ID_META, v) : -1;
}

static int64_t reserved_alert_ids(otw_sensor *s)
{
    char v[32], *end;
    if (otw_store_meta_get(s->store, ALERT_ID_META, v, sizeof(v)) != 0)
        return 0; /* a state from before reservations: the store's ids are all there is */
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < 0 || n >= OTW_ALERT_ID_MAX) {
        otw_warn("state.db: the reserved alert id '%s' is not a number; numbering continues "
                 "after the highest stored id",
                 v);
        return 0;
    }
    return n;
}

otw_sensor *otw_sensor_open(const otw_config *cfg, const char *state_dir,
                            const char *ops_log_override, char *err, size_t errsz)
{
    otw_sensor *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    snprintf(s->state_dir, sizeof(s->state_dir), "%s", state_dir);
    if (mkdir_p(state_dir) != 0) {
        snprintf(err, errsz, "cannot create state directory %s: %s", state_dir, strerror(errno));
        goto fail;
    }
    build_port_map(s, cfg);
    otw_detect_init(&s->detect, cfg);
    char e[256];
    s->oui = otw_oui_load(OTW_OUI_DIR, e, sizeof(e));
    if (!s->oui) {
        snprintf(err, errsz, "%s (install the Debian package ieee-data)", e);
        goto fail;
    }
    s->flows = otw_flow_table_new((size_t)cfg->flow_memory_mb << 20, on_flow_end, s);
    if (!s->flows) {
        snprintf(err, errsz, "cannot allocate the flow table (%u MB)", cfg->flow_memory_mb);
        goto fail;
    }
    otw_flow_stats fs;
    otw_flow_get_stats(s->flows, &fs);
    s->flow_capacity = (uint32_t)fs.capacity;
    s->ext = otw_alloc_table(s->flow_capacity, sizeof(otw_flow_ext));
    size_t per_flow = sizeof(otw_stream) + OTW_SESSION_MAX_BYTES + sizeof(uint32_t);
    size_t n_sess = ((size_t)cfg->stream_memory_mb << 20) / per_flow;
    if (n_sess < 4)
        n_sess = 4;
    s->n_sessions = (uint32_t)n_sess;
    s->sessions = otw_alloc_table(n_sess, OTW_SESSION_MAX_BYTES);
    s->session_free = malloc(n_sess * sizeof(uint32_t));
    s->streams = otw_stream_pool_new(n_sess * sizeof(otw_stream));
    if (!s->ext || !s->sessions || !s->session_free || !s->streams) {
        snprintf(err, errsz, "cannot allocate stream buffers (%u MB)", cfg->stream_memory_mb);
        goto fail;
    }
    for (uint32_t i = 0; i < s->n_sessions; i++)
        s->session_free[i] = s->n_sessions - 1 - i;
    s->n_session_free = s->n_sessions;
    s->classifier = otw_classifier_new(cfg->ndpi_memory_mb, cfg->ndpi_max_packets, err, errsz);
    if (!s->classifier || otw_check_protocol_names(cfg, s->classifier, err, errsz) != 0)
        goto fail;
    s->alerts = otw_alerts_new(s->cfg.max_alerts, on_alert, s);
    s->comms = otw_comms_new(cfg->max_assets * 4u);
    s->inv = otw_inventory_new(&s->cfg, s->oui, on_new_asset, s);
    if (s->inv)
        otw_inventory_on_ip_claimed(s->inv, on_ip_claimed);
    otw_classifier_set_identity_cb(s->classifier, on_ndpi_identity, s);
    s->roles = s->inv ? otw_roles_new(s->inv, cfg->max_assets) : NULL;
    if (!s->alerts || !s->comms || !s->inv || !s->roles) {
        snprintf(err, errsz, "out of memory for inventory tables");
        goto fail;
    }
    otw_novelty_settings ns = {.exception_burst_count = cfg->exception_burst_count,
                               .exception_burst_window_s = cfg->exception_burst_window_s};
    s->novelty = otw_novelty_new(&ns, otw_alerts_sink(s->alerts));
    otw_bl_settings bs;
    otw_bl_settings_defaults(&bs);
    bs.learn_for_us = (uint64_t)cfg->baseline_learn_for_s * 1000000u;
    bs.device_learn_for_us = (uint64_t)cfg->baseline_device_learn_for_s * 1000000u;
    bs.scan_units = cfg->baseline_scan_units;
    bs.scan_functions = cfg->baseline_scan_functions;
    bs.scan_hosts = cfg->baseline_scan_hosts;
    bs.scan_addresses = cfg->baseline_scan_addresses;
    bs.scan_bad_addresses = cfg->baseline_scan_bad_addresses;
    bs.scan_refused = cfg->baseline_scan_refused;
    bs.scan_window_us = (uint64_t)cfg->baseline_scan_window_s * 1000000u;
    bs.max_channels = cfg->baseline_max_channels;
    bs.max_controllers = cfg->baseline_max_controllers;
    s->baseline = s->novelty ? otw_baseline_new(&bs, otw_alerts_sink(s->alerts), s->novelty) : NULL;
    s->store = otw_store_open(state_dir, false, err, errsz);
    if (!s->novelty || !s->baseline || !s->store)
        goto fail;
    if (otw_baseline_load(s->baseline, otw_store_db(s->store), err, errsz) != 0)
        goto fail;
    s->creds = otw_creds_new(&s->cfg, s->alerts, err, errsz);
    s->exposure = s->creds ? otw_exposure_new(&s->cfg, s->alerts, s->inv, err, errsz) : NULL;
    if (!s->creds || !s->exposure)
        goto fail;
    s->gateways = otw_gateways_new();
    s->cov = otw_coverage_new((uint64_t)cfg->coverage_read_gap_s * 1000000u,
                              (uint64_t)cfg->coverage_retention_s * 1000000u);
    s->act = otw_activity_new((uint64_t)cfg->activity_bucket_s * 1000000u,
                              (uint64_t)cfg->activity_retention_s * 1000000u,
                              (uint64_t)cfg->activity_max_mb << 20, 0, 0);
    if (!s->gateways || !s->cov || !s->act) {
        snprintf(err, errsz, "out of memory");
        goto fail;
    }
    otw_store_set_checkpoint_hook(s->store, act_save, s);
    if (otw_store_load_assets(s->store, load_asset, s) != 0 ||
        otw_store_load_comms(s->store, load_comm, s) != 0 ||
        otw_store_load_alerts(s->store, load_alert, s) != 0) {
        snprintf(err, errsz, "cannot load the state in %s/%s", state_dir, OTW_STORE_FILE);
        goto fail;
    }
    otw_exposure_state_loaded(s->exposure);
    apply_acceptances(s);
    otw_alerts_set_id_reserve(s->alerts, reserved_alert_ids(s), reserve_alert_ids, s);
    char path[OTW_PATH_MAX * 2];
    if (s->cfg.alerts_file[0]) {
        state_path(s, s->cfg.alerts_file, path, sizeof(path));
        if (cut_torn_line(path, err, errsz) != 0)
            goto fail;
        s->alerts_out = fopen(path, "a");
        if (!s->alerts_out) {
            snprintf(err, errsz, "cannot open alert file %s: %s", path, strerror(errno));
            goto fail;
        }
        setvbuf(s->alerts_out, NULL, _IOFBF, 1 << 16);
    }
    const char *ops = ops_log_override ? ops_log_override : s->cfg.ops_log;
    if (ops && ops[0]) {
        state_path(s, ops, path, sizeof(path));
        if (cut_torn_line(path, err, errsz) != 0)
            goto fail;
        /* Its chain goes on from where the state last saw it, if that was
         * this file: named relative to the state directory (the
         * configuration's ops_log), else by its absolute path. */
        char rp[PATH_MAX];
        if (!ops_log_override && ops[0] != '/')
            snprintf(s->ops_id, sizeof(s->ops_id), "%s", ops);
        else
            snprintf(s->ops_id, sizeof(s->ops_id), "%s", realpath(path, rp) ? rp : path);
        char v[160], f[sizeof(s->ops_id)];
        otw_chain_anchor anchor;
        bool have = otw_store_meta_get(s->store, OPS_CHAIN_FILE_META, f, sizeof(f)) == 0 &&
                    strcmp(f, s->ops_id) == 0 &&
                    otw_store_meta_get(s->store, OPS_CHAIN_META, v, sizeof(v)) == 0 &&
                    otw_chain_anchor_parse(v, &anchor) == 0;
        s->oplog = otw_oplog_open(path, have ? &anchor : NULL, err, errsz);
        if (!s->oplog)
            goto fail;
    }
    if (s->cfg.syslog_enabled) {
        state_path(s, "spool", path, sizeof(path)); /* undelivered alerts, across restarts */
        s->syslog = otw_syslog_open(&s->cfg, path, err, errsz);
        if (!s->syslog)
            goto fail;
    }
    if (enforce_setup(s, &s->cfg, err, errsz) != 0)
        goto fail;
    s->sink.ctx = s;
    s->sink.op = sink_op;
    s->sink.identity = sink_identity;
    s->sink.anomaly = sink_anomaly;
    s->sink.credential = sink_credential;
    return s;
fail:
    otw_sensor_close(s);
    return NULL;
}

int otw_sensor_add_source(otw_sensor *s, const char *name, bool interface, uint64_t now_us)
{
    int i =
        otw_coverage_add_source(s->cov, name, interface ? OTW_COV_INTERFACE : OTW_COV_FILE, now_us);
    if (i >= 0 && interface) {
        size_t len = strlen(s->sources);
        snprintf(s->sources + len, sizeof(s->sources) - len, "%s%s", len ? "," : "", name);
        if (!s->started_us)
            s->started_us = s->hb_last_us = now_us;
        if (now_us > s->now_us)
            s->now_us = now_us;
    }
    return i;
}

int otw_sensor_finish(otw_sensor *s, char *err, size_t errsz)
{
    otw_coverage_stop(s->cov, s->now_us);
    otw_flow_flush_all(s->flows);
    s->finished = true;
    return otw_sensor_checkpoint(s, err, errsz);
}

void otw_sensor_close(otw_sensor *s)
{
    if (!s)
        return;
    otw_flow_table_free(s->flows);
    otw_stream_pool_free(s->streams);
    otw_classifier_free(s->classifier);
    otw_exposure_free(s->exposure);
    otw_gateways_free(s->gateways);
    otw_coverage_free(s->cov);
    if (s->store)
        otw_store_set_checkpoint_hook(s->store, NULL, NULL);
    otw_activity_free(s->act);
    otw_creds_free(s->creds);
    otw_baseline_free(s->baseline);
    otw_novelty_free(s->novelty);
    otw_roles_free(s->roles);
    otw_inventory_free(s->inv);
    otw_comms_free(s->comms);
    /* A clean stop gives back the ids reserved but not used: the next run
     * goes on from here instead of a block further. */
    if (s->store && s->alerts)
        reserve_alert_ids(s, otw_alerts_next_id(s->alerts));
    otw_alerts_free(s->alerts);
    otw_store_close(s->store);
    otw_oplog_close(s->oplog);
    if (s->alerts_out)
        fclose(s->alerts_out);
    otw_syslog_close(s->syslog);
    otw_enforce_free(s->enforce);
    if (s->enforce_log)
        fclose(s->enforce_log);
    otw_oui_free(s->oui);
    free(s->ext);
    free(s->sessions);
    free(s->session_free);
    free(s);
}

const otw_sensor_stats *otw_sensor_get_stats(const otw_sensor *s)
{
    return &s->stats;
}

otw_inventory *otw_sensor_inventory(otw_sensor *s)
{
    return s->inv;
}

otw_alerts *otw_sensor_alerts(otw_sensor *s)
{
    return s->alerts;
}

void otw_sensor_print_stats(otw_sensor *s, FILE *f)
{
    const otw_sensor_stats *st = &s->stats;
    otw_flow_stats fs;
    otw_flow_get_stats(s->flows, &fs);
    otw_classify_stats cs;
    otw_classify_get_stats(s->classifier, &cs);
    const otw_stream_stats *ss = otw_stream_get_stats(s->streams);
    fprintf(f,
            "packets=%llu bytes=%llu ipv4=%llu ipv6=%llu arp=%llu non_ip=%llu tcp=%llu udp=%llu "
            "fragments=%llu truncated=%llu malformed=%llu unsupported_link=%llu\n",
            (unsigned long long)st->packets, (unsigned long long)st->bytes,
            (unsigned long long)st->ipv4, (unsigned long long)st->ipv6, (unsigned long long)st->arp,
            (unsigned long long)st->non_ip, (unsigned long long)st->tcp,
            (unsigned long long)st->udp, (unsigned long long)st->fragments,
            (unsigned long long)st->decode_truncated, (unsigned long long)st->decode_malformed,
            (unsigned long long)st->decode_unsupported_link);
    fprintf(f,
            "flows_created=%llu flows_expired=%llu flows_evicted=%llu flows_active=%llu "
            "flow_capacity=%llu ndpi_classified=%llu ndpi_given_up=%llu "
            "ndpi_pool_exhausted=%llu\n",
            (unsigned long long)fs.created, (unsigned long long)fs.expired,
            (unsigned long long)fs.evicted, (unsigned long long)fs.active,
            (unsigned long long)fs.capacity, (unsigned long long)cs.classified,
            (unsigned long long)cs.given_up, (unsigned long long)cs.pool_exhausted);
    fprintf(f,
            "stream_segments=%llu stream_gaps=%llu stream_retransmitted_bytes=%llu "
            "stream_overflows=%llu stream_skipped_bytes=%llu stream_pool_exhausted=%llu "
            "sessions_exhausted=%llu\n",
            (unsigned long long)ss->segments, (unsigned long long)ss->gaps,
            (unsigned long long)ss->retransmitted_bytes, (unsigned long long)ss->overflows,
            (unsigned long long)ss->skipped_bytes, (unsigned long long)ss->pool_exhausted,
            (unsigned long long)st->sessions_exhausted);
    fprintf(f,
            "pdus=%llu ops=%llu identities=%llu malformed_pdus=%llu oversized_pdus=%llu "
            "not_mine_flows=%llu claimed_by_ndpi=%llu claimed_by_probe=%llu claimed_as_known=%llu "
            "claims_refuted=%llu known_services=%u known_services_refused=%llu "
            "assets=%u assets_refused=%llu comms=%u comms_refused=%llu "
            "alerts_new=%llu alerts_refused=%llu checkpoints=%llu checkpoint_failures=%llu\n",
            (unsigned long long)st->dissected_pdus, (unsigned long long)st->ops,
            (unsigned long long)st->identities, (unsigned long long)st->malformed_pdus,
            (unsigned long long)st->oversized_pdus, (unsigned long long)st->not_mine_flows,
            (unsigned long long)st->claimed_by_ndpi, (unsigned long long)st->claimed_by_probe,
            (unsigned long long)st->claimed_as_known, (unsigned long long)st->claims_refuted,
            s->detect.n_known, (unsigned long long)s->detect.known_refused,
            otw_inventory_size(s->inv), (unsigned long long)otw_inventory_refused(s->inv),
            otw_comms_size(s->comms), (unsigned long long)otw_comms_refused(s->comms),
            (unsigned long long)st->alerts_new, (unsigned long long)otw_alerts_refused(s->alerts),
            (unsigned long long)st->checkpoints, (unsigned long long)st->checkpoint_failures);
    otw_bl_counts bc;
    otw_baseline_counts(s->baseline, &bc);
    fprintf(f,
            "baseline_channels=%u baseline_channels_max=%u baseline_channel_ops_refused=%llu "
            "baseline_controllers=%u\n",
            bc.channels, bc.channels_max, (unsigned long long)bc.channels_refused, bc.controllers);
    if (s->syslog) {
        otw_syslog_stats ys;
        otw_syslog_get_stats(s->syslog, &ys);
        fprintf(f,
                "syslog_queued=%llu syslog_sent=%llu syslog_failed=%llu syslog_dropped=%llu "
                "syslog_pending=%llu syslog_connects=%llu\n",
                (unsigned long long)ys.queued, (unsigned long long)ys.sent,
                (unsigned long long)ys.failed, (unsigned long long)ys.dropped,
                (unsigned long long)ys.pending, (unsigned long long)ys.connects);
        if (s->live && s->cfg.syslog_heartbeat_s)
            fprintf(f, "syslog_heartbeats_sent=%llu syslog_heartbeats_dropped=%llu\n",
                    (unsigned long long)ys.heartbeats_sent,
                    (unsigned long long)ys.heartbeats_dropped);
    }
    otw_coverage_stats cv;
    otw_coverage_get_stats(s->cov, &cv);
    fprintf(f,
            "coverage_sources=%d coverage_packets=%llu coverage_drops=%llu coverage_rows=%llu "
            "coverage_rows_lost=%llu coverage_pruned=%llu\n",
            otw_coverage_sources(s->cov), (unsigned long long)cv.packets,
            (unsigned long long)cv.drops, (unsigned long long)cv.rows_written,
            (unsigned long long)cv.rows_lost, (unsigned long long)cv.pruned);
    otw_activity_stats as;
    otw_activity_get_stats(s->act, &as);
    fprintf(f,
            "activity_entries=%llu activity_pending=%llu activity_waiting=%llu "
            "activity_dropped_entries=%llu activity_dropped_flows=%llu "
            "activity_dropped_packets=%llu activity_dropped_bytes=%llu "
            "activity_no_comm_packets=%llu activity_pruned=%llu ops_indexed=%llu ops_dropped=%llu "
            "ops_pruned=%llu\n",
            (unsigned long long)as.entries_written, (unsigned long long)as.pending,
            (unsigned long long)as.waiting, (unsigned long long)as.dropped_entries,
            (unsigned long long)as.dropped_flows, (unsigned long long)as.dropped_packets,
            (unsigned long long)as.dropped_bytes, (unsigned long long)as.no_comm_packets,
            (unsigned long long)as.pruned_rows, (unsigned long long)as.ops_written,
            (unsigned long long)as.ops_dropped, (unsigned long long)as.ops_pruned);
}

static void sink_frame(void *ctx, int src, int dlt, const uint8_t *frame, uint32_t caplen,
                       uint32_t wire_len, uint64_t ts_us)
{
    otw_sensor *s = ctx;
    /* Counted into its minute; the rows are written at checkpoints, or now
     * when hours of a file filled the pending ones between two. */
    if (otw_coverage_packet(s->cov, src, ts_us)) {
        char e[256];
        if (otw_coverage_save(s->cov, s->store, s->now_us, e, sizeof(e)) != 0)
            s->stats.checkpoint_failures++;
    }
    otw_sensor_packet(s, dlt, frame, caplen, wire_len, ts_us);
}

static void sink_tick(void *ctx, uint64_t now_us)
{
    otw_sensor_tick(ctx, now_us);
}

static void sink_source_stats(void *ctx, int src, uint64_t drops_total, int link_up,
                              uint64_t now_us)
{
    otw_sensor *s = ctx;
    otw_coverage_source_stats(s->cov, src, drops_total, link_up, now_us);
}

otw_frame_sink otw_sensor_frame_sink(otw_sensor *s)
{
    return (otw_frame_sink){
        .ctx = s, .frame = sink_frame, .tick = sink_tick, .source_stats = sink_source_stats};
}
