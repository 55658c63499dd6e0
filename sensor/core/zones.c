/* zones.c - zone and conduit placement; see zones.h (IEC 62443-3-2 zones and
 * conduits, Purdue levels) and deploy/otwatch.yaml for the keys. */
#include "zones.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dissector.h"
#include "inventory.h"

static bool addr_is_group(const otw_addr *a)
{
    if (otw_addr_is_v4(a)) {
        const uint8_t *v4 = a->b + 12;
        return (v4[0] >= 224 && v4[0] <= 239) || /* multicast */
               (v4[0] == 255 && v4[1] == 255 && v4[2] == 255 && v4[3] == 255) ||
               (v4[0] | v4[1] | v4[2] | v4[3]) == 0;
    }
    return a->b[0] == 0xff; /* IPv6 multicast */
}

static bool addr_is_loopback(const otw_addr *a)
{
    static const uint8_t v6_loop[16] = {[15] = 1};
    if (otw_addr_is_v4(a))
        return a->b[12] == 127;
    return memcmp(a->b, v6_loop, 16) == 0;
}

uint8_t otw_zone_of(const otw_config *cfg, const otw_addr *a, uint16_t vlan)
{
    for (int z = 0; z < cfg->n_zones; z++) {
        const otw_zone_cfg *zc = &cfg->zones[z];
        for (int i = 0; i < zc->n_cidrs; i++)
            if (otw_cidr_contains(&zc->cidrs[i], a->b))
                return (uint8_t)z;
    }
    if (vlan) {
        for (int z = 0; z < cfg->n_zones; z++) {
            const otw_zone_cfg *zc = &cfg->zones[z];
            for (int i = 0; i < zc->n_vlans; i++)
                if (zc->vlans[i] == vlan)
                    return (uint8_t)z;
        }
    }
    if (otw_is_local(cfg, a) || addr_is_loopback(a))
        return OTW_ZONE_UNASSIGNED;
    return OTW_ZONE_INTERNET;
}

uint8_t otw_asset_zone(const otw_config *cfg, const otw_asset *a)
{
    return a->n_ips ? otw_zone_of(cfg, &a->ips[0], a->vlan) : OTW_ZONE_UNASSIGNED;
}

const char *otw_zone_name(const otw_config *cfg, uint8_t zone)
{
    if (zone == OTW_ZONE_INTERNET)
        return "internet";
    if (zone == OTW_ZONE_UNASSIGNED || zone >= cfg->n_zones)
        return "unassigned";
    return cfg->zones[zone].name;
}

const char *otw_zone_label(const otw_config *cfg, uint8_t zone)
{
    if (zone < cfg->n_zones && cfg->zones[zone].label[0])
        return cfg->zones[zone].label;
    return otw_zone_name(cfg, zone);
}

otw_zone_kind otw_zone_kind_of(const otw_config *cfg, uint8_t zone)
{
    if (zone == OTW_ZONE_INTERNET)
        return OTW_ZK_INTERNET;
    if (zone == OTW_ZONE_UNASSIGNED || zone >= cfg->n_zones)
        return OTW_ZK_UNASSIGNED;
    return (otw_zone_kind)cfg->zones[zone].kind;
}

const char *otw_zone_kind_name(otw_zone_kind k)
{
    static const char *const names[] = {"control", "ot", "dmz", "it", "internet", "unassigned"};
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unassigned";
}

bool otw_zone_is_ot(const otw_config *cfg, uint8_t zone)
{
    otw_zone_kind k = otw_zone_kind_of(cfg, zone);
    return k == OTW_ZK_CONTROL || k == OTW_ZK_OT;
}

const char *otw_place_name(otw_place p)
{
    switch (p) {
    case OTW_PLACE_INTERNAL:
        return "internal";
    case OTW_PLACE_CONDUIT:
        return "conduit";
    case OTW_PLACE_VIOLATION:
        return "violation";
    default:
        return "none";
    }
}

/* ---------------------------------------------------------- time windows */

bool otw_conduit_open(const otw_conduit_cfg *k, uint64_t ts_us)
{
    if (!k->n_windows)
        return true;
    int64_t local = (int64_t)(ts_us / 1000000u) + (int64_t)k->utc_offset_min * 60;
    int64_t days = local / 86400, secs = local % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    unsigned minute = (unsigned)(secs / 60);
    /* 1970-01-01 was a Thursday: Monday = 0 makes it 3. */
    unsigned wd = (unsigned)(((days + 3) % 7 + 7) % 7), prev = (wd + 6) % 7;
    for (int i = 0; i < k->n_windows; i++) {
        const otw_time_window *w = &k->windows[i];
        if (w->start_min < w->end_min) {
            if ((w->days & (1u << wd)) && minute >= w->start_min && minute < w->end_min)
                return true;
        } else { /* runs past midnight: belongs to the day it opens */
            if ((w->days & (1u << wd)) && minute >= w->start_min)
                return true;
            if ((w->days & (1u << prev)) && minute < w->end_min)
                return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------- conduits */

static bool names_protocol(const otw_conduit_cfg *k, const char *protocol)
{
    if (!protocol)
        return false;
    for (int i = 0; i < k->n_protocols; i++)
        if (strcasecmp(k->protocols[i], protocol) == 0)
            return true;
    return false;
}

static bool has_port(const otw_conduit_cfg *k, uint8_t transport, uint16_t port)
{
    for (int i = 0; i < k->n_ports; i++) {
        const otw_port_range *r = &k->ports[i];
        if ((r->transport == 0 || r->transport == transport) && port >= r->lo && port <= r->hi)
            return true;
    }
    return false;
}

bool otw_conduit_scope(const otw_conduit_cfg *k, uint8_t client_zone, uint8_t server_zone,
                       const otw_zone_query *q)
{
    bool dir = (k->from == client_zone && k->to == server_zone) ||
               (k->both_ways && k->from == server_zone && k->to == client_zone);
    if (!dir)
        return false;
    if (k->n_protocols && !names_protocol(k, q->protocol))
        return false;
    if (k->n_ports && !has_port(k, q->transport, q->server_port))
        return false;
    return true;
}

/* ---------------------------------------------------------- severities */

static const uint8_t severity_matrix[6][6] = {
    /*               control           ot                dmz              it
                     internet          unassigned */
    [OTW_ZK_CONTROL] = {OTW_SEV_MEDIUM, OTW_SEV_LOW, OTW_SEV_MEDIUM, OTW_SEV_HIGH, OTW_SEV_HIGH,
                        OTW_SEV_MEDIUM},
    [OTW_ZK_OT] = {OTW_SEV_HIGH, OTW_SEV_MEDIUM, OTW_SEV_LOW, OTW_SEV_MEDIUM, OTW_SEV_HIGH,
                   OTW_SEV_MEDIUM},
    [OTW_ZK_DMZ] = {OTW_SEV_HIGH, OTW_SEV_MEDIUM, OTW_SEV_LOW, OTW_SEV_LOW, OTW_SEV_MEDIUM,
                    OTW_SEV_LOW},
    [OTW_ZK_IT] = {OTW_SEV_CRITICAL, OTW_SEV_HIGH, OTW_SEV_MEDIUM, OTW_SEV_LOW, OTW_SEV_LOW,
                   OTW_SEV_LOW},
    [OTW_ZK_INTERNET] = {OTW_SEV_CRITICAL, OTW_SEV_CRITICAL, OTW_SEV_HIGH, OTW_SEV_MEDIUM,
                         OTW_SEV_LOW, OTW_SEV_MEDIUM},
    [OTW_ZK_UNASSIGNED] = {OTW_SEV_HIGH, OTW_SEV_MEDIUM, OTW_SEV_MEDIUM, OTW_SEV_LOW, OTW_SEV_LOW,
                           OTW_SEV_LOW},
};

static otw_severity violation_severity(const otw_config *cfg, uint8_t cz, uint8_t sz,
                                       const otw_zone_query *q)
{
    otw_zone_kind ck = otw_zone_kind_of(cfg, cz), sk = otw_zone_kind_of(cfg, sz);
    otw_severity sev = (otw_severity)severity_matrix[ck][sk];
    if (q->server_is_controller && (ck == OTW_ZK_IT || ck == OTW_ZK_INTERNET))
        sev = OTW_SEV_CRITICAL;
    if (sz < cfg->n_zones && cfg->zones[sz].criticality == OTW_SEV_CRITICAL && sev < OTW_SEV_HIGH)
        sev = OTW_SEV_HIGH;
    return sev;
}

static const char *violation_technique(const otw_config *cfg, uint8_t cz, uint8_t sz)
{
    if (cz == OTW_ZONE_INTERNET && otw_zone_is_ot(cfg, sz))
        return "T0883"; /* Internet Accessible Device */
    if (sz == OTW_ZONE_INTERNET && otw_zone_is_ot(cfg, cz))
        return "T0869"; /* Standard Application Layer Protocol (command and control) */
    return "T0886";     /* Remote Services */
}

/* ---------------------------------------------------------- remote access */

typedef struct remote_service {
    const char *name; /* nDPI 4.2 protocol name */
    bool vpn;
    uint8_t transport; /* port fallback: 0 = tcp and udp */
    uint16_t lo, hi;
} remote_service;

static const remote_service remote_services[] = {
    {"RDP", false, 0, 3389, 3389},
    {"VNC", false, 6, 5900, 5903},
    {"SSH", false, 6, 22, 22},
    {"Telnet", false, 6, 23, 23},
    {"TeamViewer", false, 0, 5938, 5938},
    {"AnyDesk", false, 6, 7070, 7070},
    {"Citrix", false, 6, 1494, 1494},
    {"OpenVPN", true, 0, 1194, 1194},
    {"IPsec", true, 17, 500, 500},
    {"IPsec", true, 17, 4500, 4500},
    {"WireGuard", true, 17, 51820, 51820},
    {"PPTP", true, 6, 1723, 1723},
    {"L2TP", true, 17, 1701, 1701},
    {"CiscoVPN", true, 0, 10000, 10000},
    {"FortiClient", true, 0, 0, 0}, /* by name only */
};

const char *otw_remote_access_service(const char *protocol, uint8_t transport, uint16_t port,
                                      bool *vpn)
{
    size_t n = sizeof(remote_services) / sizeof(remote_services[0]);
    *vpn = false;
    bool unknown = !protocol || !protocol[0] || strcasecmp(protocol, "Unknown") == 0;
    for (size_t i = 0; i < n; i++) {
        const remote_service *r = &remote_services[i];
        bool hit = unknown ? (r->lo && (r->transport == 0 || r->transport == transport) &&
                              port >= r->lo && port <= r->hi)
                           : strcasecmp(protocol, r->name) == 0;
        if (hit) {
            *vpn = r->vpn;
            return r->name;
        }
    }
    return NULL;
}

void otw_service_text(uint8_t transport, uint16_t port, const char *protocol, char *out,
                      size_t outsz)
{
    const char *t = transport == 6 ? "tcp" : transport == 17 ? "udp" : "ip";
    snprintf(out, outsz, "%s/%u %s", t, port, protocol && protocol[0] ? protocol : "Unknown");
}

/* ---------------------------------------------------------- placement */

void otw_zones_place(const otw_config *cfg, const otw_zone_query *q, otw_placement *out)
{
    memset(out, 0, sizeof(*out));
    out->conduit = out->rule = OTW_RULE_NONE;
    if (cfg->n_zones == 0)
        return;
    /* A broadcast or multicast address is no place: it is on the segment of
     * the end that talks to it (a reply sent to 255.255.255.255 makes the
     * broadcast the "client" of the replying device's port). */
    bool client_group = addr_is_group(&q->client), server_group = addr_is_group(&q->server);
    uint8_t cz = otw_zone_of(cfg, &q->client, q->vlan);
    uint8_t sz = otw_zone_of(cfg, &q->server, q->vlan);
    if (server_group && !client_group)
        sz = cz;
    else if (client_group && !server_group)
        cz = sz;
    out->client_zone = cz;
    out->server_zone = sz;

    if (cz == sz) {
        out->verdict = OTW_PLACE_INTERNAL;
    } else {
        for (int i = 0; i < cfg->n_conduits; i++) {
            const otw_conduit_cfg *k = &cfg->conduits[i];
            if (k->allow && otw_conduit_scope(k, cz, sz, q) && otw_conduit_open(k, q->ts_us)) {
                out->verdict = OTW_PLACE_CONDUIT;
                out->conduit = i;
                break;
            }
        }
    }
    if (out->verdict == OTW_PLACE_NONE) {
        out->verdict = OTW_PLACE_VIOLATION;
        for (int i = 0; i < cfg->n_conduits; i++) {
            /* Allowed conduits in scope here have closed windows. */
            if (otw_conduit_scope(&cfg->conduits[i], cz, sz, q)) {
                out->rule = i;
                out->outside_window = cfg->conduits[i].allow;
                break;
            }
        }
        out->severity = violation_severity(cfg, cz, sz, q);
        out->technique = violation_technique(cfg, cz, sz);
        if (out->rule != OTW_RULE_NONE) {
            const otw_conduit_cfg *k = &cfg->conduits[out->rule];
            /* Industrial sessions are only cut when the rule names their protocol. */
            out->reset =
                k->reset && q->transport == 6 && (!q->industrial || names_protocol(k, q->protocol));
        }
    }

    bool vpn;
    const char *svc = otw_remote_access_service(q->protocol, q->transport, q->server_port, &vpn);
    if (svc && otw_zone_is_ot(cfg, sz) && (cz != sz || vpn)) {
        out->remote_access = true;
        out->remote_service = svc;
        out->remote_vpn = vpn;
        out->remote_technique = vpn || cz == OTW_ZONE_INTERNET ? "T0822" : "T0886";
        if (cz == OTW_ZONE_INTERNET)
            out->remote_severity = OTW_SEV_CRITICAL;
        else if (out->verdict == OTW_PLACE_VIOLATION)
            out->remote_severity = OTW_SEV_HIGH;
        else
            out->remote_severity = OTW_SEV_MEDIUM;
    }
}

static bool industrial_key(uint16_t proto_key)
{
    const otw_dissector *d = proto_key < 256 ? otw_dissector_get((otw_proto)proto_key) : NULL;
    return d && d->industrial;
}

void otw_zones_place_comm(const otw_config *cfg, const otw_comm *c, const char *protocol,
                          bool server_is_controller, otw_placement *out)
{
    otw_zone_query q = {
        .client = c->client,
        .server = c->server,
        .vlan = c->vlan,
        .transport = c->transport,
        .server_port = c->server_port,
        .protocol = protocol,
        .industrial = industrial_key(c->proto_key),
        .server_is_controller = server_is_controller,
        .ts_us = c->last_us,
    };
    otw_zones_place(cfg, &q, out);
    if (out->verdict == OTW_PLACE_CONDUIT && cfg->conduits[out->conduit].n_windows &&
        !otw_conduit_open(&cfg->conduits[out->conduit], c->first_us)) {
        q.ts_us = c->first_us;
        otw_zones_place(cfg, &q, out);
    }
}
