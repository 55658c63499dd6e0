/* boundary.c - `otwatch boundary`; see boundary.h. nftables syntax as in
 * nft(8) (Debian 12, nftables 1.0.6); CSV as RFC 4180. */
#include "boundary.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "csv.h"
#include "grow.h"
#include "inventory.h"
#include "jsonw.h"
#include "log.h"
#include "snapshot.h"
#include "zones.h"

typedef struct brow {
    otw_comm c;
    char proto[48];
    otw_placement pl;
    const otw_asset *src, *dst;
} brow;

typedef struct bctx {
    const otw_config *cfg;
    otw_snapshot snap;
    brow *rows; /* the communications that cross zones */
    size_t n_rows;
} bctx;

static const otw_asset *asset_of(const bctx *b, const otw_addr *ip)
{
    int32_t i = otw_snapshot_asset_by_ip(&b->snap, ip);
    return i >= 0 ? &b->snap.assets[i] : NULL;
}

static const char *asset_name(const otw_asset *a)
{
    if (!a || !a->has_identity)
        return "";
    const otw_identity *id = &a->identity;
    return id->name[0] ? id->name : id->model[0] ? id->model : id->product;
}

/* Places every stored communication; keeps those between zones. */
static int place_rows(bctx *b)
{
    b->rows = otw_alloc_array(b->snap.n_comms, sizeof(*b->rows));
    if (!b->rows)
        return -1;
    for (size_t i = 0; i < b->snap.n_comms; i++) {
        const otw_comm *c = &b->snap.comms[i];
        brow *r = &b->rows[b->n_rows];
        memset(r, 0, sizeof(*r));
        r->c = *c;
        otw_store_proto_name(b->snap.st, c->proto_key, r->proto, sizeof(r->proto));
        r->src = asset_of(b, &c->client);
        r->dst = asset_of(b, &c->server);
        otw_zones_place_comm(b->cfg, c, r->proto,
                             r->dst && otw_asset_role(r->dst) == OTW_ROLE_CONTROLLER, &r->pl);
        if (r->pl.verdict == OTW_PLACE_CONDUIT || r->pl.verdict == OTW_PLACE_VIOLATION)
            b->n_rows++; /* otherwise inside one zone */
    }
    return 0;
}

int otw_crossing_cmp(const otw_config *cfg, const otw_placement *pa, const otw_comm *a,
                     const char *proto_a, const otw_placement *pb, const otw_comm *b,
                     const char *proto_b)
{
    int d;
    if (pa->verdict != pb->verdict)
        return pa->verdict == OTW_PLACE_VIOLATION ? -1 : 1;
    if ((d = strcmp(otw_zone_name(cfg, pa->client_zone), otw_zone_name(cfg, pb->client_zone))) != 0)
        return d;
    if ((d = strcmp(otw_zone_name(cfg, pa->server_zone), otw_zone_name(cfg, pb->server_zone))) != 0)
        return d;
    if ((d = memcmp(a->client.b, b->client.b, 16)) != 0)
        return d;
    if ((d = memcmp(a->server.b, b->server.b, 16)) != 0)
        return d;
    if (a->transport != b->transport)
        return a->transport < b->transport ? -1 : 1;
    if (a->server_port != b->server_port)
        return a->server_port < b->server_port ? -1 : 1;
    return strcmp(proto_a, proto_b);
}

static int row_cmp(const void *x, const void *y, void *ctx)
{
    const brow *a = x, *b = y;
    return otw_crossing_cmp(ctx, &a->pl, &a->c, a->proto, &b->pl, &b->c, b->proto);
}

/* ---------------------------------------------------------- listing */

static const char *transport_name(uint8_t t)
{
    return t == 6 ? "tcp" : t == 17 ? "udp" : "ip";
}

static void direction_text(const otw_config *cfg, const brow *r, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s->%s", otw_zone_kind_name(otw_zone_kind_of(cfg, r->pl.client_zone)),
             otw_zone_kind_name(otw_zone_kind_of(cfg, r->pl.server_zone)));
}

/* The conduit that allowed it, or for a violation the rule whose scope
 * it fell in ("" = no conduit for it at all). */
static const char *rule_name(const otw_config *cfg, const brow *r)
{
    int i = r->pl.verdict == OTW_PLACE_CONDUIT ? r->pl.conduit : r->pl.rule;
    return i >= 0 && i < cfg->n_conduits ? cfg->conduits[i].name : "";
}

static void write_table(const bctx *b, FILE *out)
{
    const otw_config *cfg = b->cfg;
    fprintf(out, "%-9s %-11s %-15s %-14s %-11s %-15s %-14s %-20s %-19s %-20s %6s %8s  %s\n",
            "VERDICT", "SRC ZONE", "SOURCE", "SRC NAME", "DST ZONE", "DESTINATION", "DST NAME",
            "SERVICE", "DIRECTION", "LAST SEEN (UTC)", "FLOWS", "PACKETS", "CONDUIT / RULE");
    size_t n_viol = 0;
    for (size_t i = 0; i < b->n_rows; i++) {
        const brow *r = &b->rows[i];
        char a[64], d[64], svc[80], dir[32], t[32], why[96];
        otw_service_text(r->c.transport, r->c.server_port, r->proto, svc, sizeof(svc));
        direction_text(cfg, r, dir, sizeof(dir));
        if (r->pl.verdict == OTW_PLACE_VIOLATION) {
            n_viol++;
            snprintf(why, sizeof(why), "%s%s%s", otw_severity_name(r->pl.severity),
                     rule_name(cfg, r)[0] ? " " : "", rule_name(cfg, r));
        } else {
            snprintf(why, sizeof(why), "%s", rule_name(cfg, r));
        }
        const char *sn = asset_name(r->src), *dn = asset_name(r->dst);
        fprintf(out,
                "%-9s %-11s %-15s %-14.14s %-11s %-15s %-14.14s %-20s %-19s %-20s %6llu %8llu  "
                "%s%s%s\n",
                otw_place_name(r->pl.verdict), otw_zone_name(cfg, r->pl.client_zone),
                otw_addr_str(&r->c.client, a, sizeof(a)), sn[0] ? sn : "-",
                otw_zone_name(cfg, r->pl.server_zone), otw_addr_str(&r->c.server, d, sizeof(d)),
                dn[0] ? dn : "-", svc, dir, otw_format_ts_seconds(r->c.last_us, t),
                (unsigned long long)r->c.flows, (unsigned long long)r->c.pkts, why[0] ? why : "-",
                r->pl.remote_access ? " remote-access:" : "",
                r->pl.remote_access ? r->pl.remote_service : "");
    }
    fprintf(out, "%zu cross-zone communication%s, %zu violation%s\n", b->n_rows,
            b->n_rows == 1 ? "" : "s", n_viol, n_viol == 1 ? "" : "s");
}

static void write_csv(const bctx *b, FILE *out)
{
    const otw_config *cfg = b->cfg;
    fputs("verdict,src_zone,src_ip,src_name,dst_zone,dst_ip,dst_name,transport,server_port,"
          "protocol,direction,first_seen,last_seen,flows,packets,bytes,conduit,severity,"
          "remote_access,vlan\r\n",
          out);
    for (size_t i = 0; i < b->n_rows; i++) {
        const brow *r = &b->rows[i];
        char x[64], t[32];
        bool viol = r->pl.verdict == OTW_PLACE_VIOLATION;
        otw_csv_field(out, otw_place_name(r->pl.verdict), false);
        otw_csv_field(out, otw_zone_name(cfg, r->pl.client_zone), false);
        otw_csv_field(out, otw_addr_str(&r->c.client, x, sizeof(x)), false);
        otw_csv_field(out, asset_name(r->src), false);
        otw_csv_field(out, otw_zone_name(cfg, r->pl.server_zone), false);
        otw_csv_field(out, otw_addr_str(&r->c.server, x, sizeof(x)), false);
        otw_csv_field(out, asset_name(r->dst), false);
        otw_csv_field(out, transport_name(r->c.transport), false);
        snprintf(x, sizeof(x), "%u", r->c.server_port);
        otw_csv_field(out, x, false);
        otw_csv_field(out, r->proto, false);
        direction_text(cfg, r, x, sizeof(x));
        otw_csv_field(out, x, false);
        otw_csv_field(out, otw_format_ts_seconds(r->c.first_us, t), false);
        otw_csv_field(out, otw_format_ts_seconds(r->c.last_us, t), false);
        snprintf(x, sizeof(x), "%llu", (unsigned long long)r->c.flows);
        otw_csv_field(out, x, false);
        snprintf(x, sizeof(x), "%llu", (unsigned long long)r->c.pkts);
        otw_csv_field(out, x, false);
        snprintf(x, sizeof(x), "%llu", (unsigned long long)r->c.bytes);
        otw_csv_field(out, x, false);
        otw_csv_field(out, rule_name(cfg, r), false);
        otw_csv_field(out, viol ? otw_severity_name(r->pl.severity) : "", false);
        otw_csv_field(out, r->pl.remote_access ? r->pl.remote_service : "", false);
        snprintf(x, sizeof(x), "%u", r->c.vlan);
        otw_csv_field(out, r->c.vlan ? x : "", true);
    }
}

static void endpoint_json(otw_jsonw *w, const otw_config *cfg, const otw_addr *ip, uint8_t zone,
                          const otw_asset *a)
{
    char x[64];
    jw_obj_begin(w);
    jw_key(w, "ip");
    jw_str(w, otw_addr_str(ip, x, sizeof(x)));
    jw_key(w, "zone");
    jw_str(w, otw_zone_name(cfg, zone));
    jw_key(w, "zone_label");
    jw_str(w, otw_zone_label(cfg, zone));
    jw_key(w, "name");
    const char *n = asset_name(a);
    if (n[0])
        jw_str(w, n);
    else
        jw_null(w);
    jw_key(w, "asset_id");
    if (a)
        jw_i64(w, a->store_id);
    else
        jw_null(w);
    jw_obj_end(w);
}

static void write_json(const bctx *b, FILE *out)
{
    const otw_config *cfg = b->cfg;
    char buf[4096];
    fputs("[", out);
    for (size_t i = 0; i < b->n_rows; i++) {
        const brow *r = &b->rows[i];
        bool viol = r->pl.verdict == OTW_PLACE_VIOLATION;
        char x[64];
        otw_jsonw w;
        jw_init(&w, buf, sizeof(buf));
        jw_obj_begin(&w);
        jw_key(&w, "verdict");
        jw_str(&w, otw_place_name(r->pl.verdict));
        jw_key(&w, "src");
        endpoint_json(&w, cfg, &r->c.client, r->pl.client_zone, r->src);
        jw_key(&w, "dst");
        endpoint_json(&w, cfg, &r->c.server, r->pl.server_zone, r->dst);
        jw_key(&w, "transport");
        jw_str(&w, transport_name(r->c.transport));
        jw_key(&w, "server_port");
        jw_u64(&w, r->c.server_port);
        jw_key(&w, "protocol");
        jw_str(&w, r->proto);
        jw_key(&w, "direction");
        direction_text(cfg, r, x, sizeof(x));
        jw_str(&w, x);
        jw_key(&w, "first_seen");
        jw_ts(&w, r->c.first_us);
        jw_key(&w, "last_seen");
        jw_ts(&w, r->c.last_us);
        jw_key(&w, "flows");
        jw_u64(&w, r->c.flows);
        jw_key(&w, "packets");
        jw_u64(&w, r->c.pkts);
        jw_key(&w, "bytes");
        jw_u64(&w, r->c.bytes);
        jw_key(&w, "conduit");
        if (!viol)
            jw_str(&w, rule_name(cfg, r));
        else
            jw_null(&w);
        jw_key(&w, "rule");
        if (viol && rule_name(cfg, r)[0])
            jw_str(&w, rule_name(cfg, r));
        else
            jw_null(&w);
        jw_key(&w, "outside_window");
        jw_bool(&w, viol && r->pl.outside_window);
        jw_key(&w, "severity");
        if (viol)
            jw_str(&w, otw_severity_name(r->pl.severity));
        else
            jw_null(&w);
        jw_key(&w, "technique");
        if (viol)
            jw_str(&w, r->pl.technique);
        else
            jw_null(&w);
        jw_key(&w, "remote_access");
        if (r->pl.remote_access)
            jw_str(&w, r->pl.remote_service);
        else
            jw_null(&w);
        jw_key(&w, "vlan");
        if (r->c.vlan)
            jw_u64(&w, r->c.vlan);
        else
            jw_null(&w);
        jw_obj_end(&w);
        fprintf(out, "%s\n  %s", i ? "," : "", jw_finish(&w) ? buf : "{}");
    }
    fputs(b->n_rows ? "\n]\n" : "]\n", out);
}

/* ---------------------------------------------------------- exports */

/* The allowed rows, one per (source, destination, transport, port): rows
 * are sorted so equal ones are neighbours (protocol comes last). */
static bool same_rule(const brow *a, const brow *b)
{
    return memcmp(a->c.client.b, b->c.client.b, 16) == 0 &&
           memcmp(a->c.server.b, b->c.server.b, 16) == 0 && a->c.transport == b->c.transport &&
           a->c.server_port == b->c.server_port;
}

/* nft comments: printable, no quotes or backslashes. */
static void safe_text(const char *in, char *out, size_t outsz)
{
    size_t n = 0;
    for (; *in && n + 1 < outsz; in++) {
        char ch = *in;
        out[n++] = (ch >= 32 && ch < 127 && ch != '"' && ch != '\\' && ch != ';') ? ch : '_';
    }
    out[n] = '\0';
}

/* nft identifiers: zone names are letters, digits, '_' and '-'; '-' becomes '_'. */
static void set_name(const char *zone, bool v6, char *out, size_t outsz)
{
    snprintf(out, outsz, "zone_%s_%s", zone, v6 ? "v6" : "v4");
    for (char *p = out; *p; p++)
        if (*p == '-')
            *p = '_';
}

static bool zone_has(const otw_zone_cfg *z, bool v6)
{
    for (int i = 0; i < z->n_cidrs; i++) {
        const uint8_t *a = z->cidrs[i].addr;
        bool is4 = z->cidrs[i].prefix >= 96 && a[10] == 0xff && a[11] == 0xff &&
                   !memcmp(a, "\0\0\0\0\0\0\0\0\0\0", 10);
        if (is4 != v6)
            return true;
    }
    return false;
}

static void cidr_text(const otw_cidr *c, char *out, size_t outsz)
{
    otw_addr a;
    char x[64];
    memcpy(a.b, c->addr, 16);
    bool v4 = otw_addr_is_v4(&a) && c->prefix >= 96;
    snprintf(out, outsz, "%s/%u", otw_addr_str(&a, x, sizeof(x)), v4 ? c->prefix - 96 : c->prefix);
}

/* A conduit's time window as nft matches: "meta day { ... } meta hour
 * "HH:MM"-"HH:MM" " (nft(8): day and hour in the local time of the host that
 * loads the rules). A window past midnight is two pieces: its opening days
 * to the end of the day, then the next days from midnight. piece 0 or 1;
 * false when the piece is empty. */
static bool nft_window(const otw_time_window *w, int piece, char *out, size_t outsz)
{
    static const char *const days[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                        "Friday", "Saturday", "Sunday"};
    bool wraps = w->end_min <= w->start_min;
    if (piece == 1 && (!wraps || w->end_min == 0))
        return false;
    uint8_t mask = w->days;
    if (piece == 1)
        mask = (uint8_t)(((mask << 1) | (mask >> 6)) & 0x7f); /* the next day */
    size_t n = (size_t)snprintf(out, outsz, "meta day { ");
    bool first = true;
    for (int d = 0; d < 7 && n < outsz; d++) {
        if (mask & (1u << d)) {
            n += (size_t)snprintf(out + n, outsz - n, "%s\"%s\"", first ? "" : ", ", days[d]);
            first = false;
        }
    }
    unsigned from = piece == 1 ? 0 : w->start_min;
    if (n < outsz) {
        if ((piece == 0 && wraps) || w->end_min >= 24 * 60) /* nft has no 24:00 */
            snprintf(out + n, outsz - n, " } meta hour \"%02u:%02u\"-\"23:59:59\" ", from / 60,
                     from % 60);
        else
            snprintf(out + n, outsz - n, " } meta hour \"%02u:%02u\"-\"%02u:%02u\" ", from / 60,
                     from % 60, w->end_min / 60u, w->end_min % 60u);
    }
    return true;
}

/* Whether row i opens an nft rule: allowed, and not the same rule as the
 * row before (rows are sorted so equal ones are neighbours). */
static bool starts_rule(const bctx *b, size_t i)
{
    return b->rows[i].pl.verdict == OTW_PLACE_CONDUIT &&
           !(i && b->rows[i - 1].pl.verdict == OTW_PLACE_CONDUIT &&
             same_rule(&b->rows[i - 1], &b->rows[i]));
}

static void nft_header(size_t n_allowed, FILE *out)
{
    fprintf(out,
            "#!/usr/sbin/nft -f\n"
            "# otwatch boundary export: the observed allowed set between zones (%zu rules),\n"
            "# the stored communications placed with the current zones and conduits.\n"
            "# Review before use: `nft -c -f FILE` checks it, `nft -f FILE` loads it.\n"
            "# Conduits with time windows give one rule per window (meta day/hour): nft\n"
            "# reads those in the local time of the host that loads the file; each rule's\n"
            "# comment gives the offset its conduit's windows are written in.\n"
            "table inet otwatch_boundary\n"
            "delete table inet otwatch_boundary\n"
            "table inet otwatch_boundary {\n",
            n_allowed);
}

/* A zone's addresses of one family as a named interval set. */
static void nft_zone_set(const otw_zone_cfg *zc, bool v6, FILE *out)
{
    char name[64], c[64];
    set_name(zc->name, v6, name, sizeof(name));
    fprintf(out, "\tset %s {\n\t\ttype %s\n\t\tflags interval\n\t\telements = { ", name,
            v6 ? "ipv6_addr" : "ipv4_addr");
    bool first = true;
    for (int i = 0; i < zc->n_cidrs; i++) {
        otw_addr a;
        memcpy(a.b, zc->cidrs[i].addr, 16);
        if ((otw_addr_is_v4(&a) && zc->cidrs[i].prefix >= 96) == v6)
            continue;
        cidr_text(&zc->cidrs[i], c, sizeof(c));
        fprintf(out, "%s%s", first ? "" : ", ", c);
        first = false;
    }
    fprintf(out, " }\n\t\tcomment \"zone %s, level %s\"\n\t}\n", zc->name,
            zc->level[0] ? zc->level : otw_zone_kind_name((otw_zone_kind)zc->kind));
}

/* One accept line; match is "" or a time window's "meta day ... " part. */
static void nft_accept_line(const brow *r, const char *match, const char *comment, const char *when,
                            FILE *out)
{
    char a[64], d[64];
    const char *fam = otw_addr_is_v4(&r->c.client) ? "ip" : "ip6";
    fprintf(out, "\t\t%s saddr %s %s daddr %s ", fam, otw_addr_str(&r->c.client, a, sizeof(a)), fam,
            otw_addr_str(&r->c.server, d, sizeof(d)));
    if (r->c.transport == 6 || r->c.transport == 17)
        fprintf(out, "%s dport %u ", transport_name(r->c.transport), r->c.server_port);
    else
        fprintf(out, "meta l4proto %u ", r->c.transport);
    fprintf(out, "%saccept comment \"%s%s\"\n", match, comment, when);
}

/* An allowed row's rules: without windows one, with one per window piece. */
static void nft_allow(const otw_config *cfg, const brow *r, FILE *out)
{
    char comment[128], p[64];
    safe_text(r->proto, p, sizeof(p));
    snprintf(comment, sizeof(comment), "conduit %s: %s -> %s %s", rule_name(cfg, r),
             otw_zone_name(cfg, r->pl.client_zone), otw_zone_name(cfg, r->pl.server_zone), p);
    const otw_conduit_cfg *k = r->pl.conduit >= 0 && r->pl.conduit < cfg->n_conduits
                                   ? &cfg->conduits[r->pl.conduit]
                                   : NULL;
    int n_windows = k ? k->n_windows : 0;
    char when[160] = "";
    if (n_windows) {
        int off = k->utc_offset_min < 0 ? -k->utc_offset_min : k->utc_offset_min;
        snprintf(when, sizeof(when), ", windows in UTC%c%02d:%02d",
                 k->utc_offset_min < 0 ? '-' : '+', off / 60, off % 60);
    }
    if (!n_windows) {
        nft_accept_line(r, "", comment, when, out);
        return;
    }
    for (int w = 0; w < n_windows; w++) {
        for (int piece = 0; piece < 2; piece++) {
            char match[160] = "";
            if (nft_window(&k->windows[w], piece, match, sizeof(match)))
                nft_accept_line(r, match, comment, when, out);
        }
    }
}

/* Default between zones: not allowed. */
static void nft_default_drops(const otw_config *cfg, FILE *out)
{
    for (int x = 0; x < cfg->n_zones; x++) {
        for (int y = 0; y < cfg->n_zones; y++) {
            for (int v6 = 0; v6 < 2 && x != y; v6++) {
                if (!zone_has(&cfg->zones[x], v6) || !zone_has(&cfg->zones[y], v6))
                    continue;
                char sx[64], sy[64];
                set_name(cfg->zones[x].name, v6, sx, sizeof(sx));
                set_name(cfg->zones[y].name, v6, sy, sizeof(sy));
                fprintf(out,
                        "\t\t%s saddr @%s %s daddr @%s counter drop comment \"%s -> %s: "
                        "no conduit\"\n",
                        v6 ? "ip6" : "ip", sx, v6 ? "ip6" : "ip", sy, cfg->zones[x].name,
                        cfg->zones[y].name);
            }
        }
    }
}

static void write_nft(const bctx *b, const char *state_dir, FILE *out)
{
    const otw_config *cfg = b->cfg;
    size_t n_allowed = 0;
    for (size_t i = 0; i < b->n_rows; i++)
        n_allowed += starts_rule(b, i);
    (void)state_dir; /* not in the output: the same state gives the same file anywhere */
    nft_header(n_allowed, out);
    for (int z = 0; z < cfg->n_zones; z++)
        for (int v6 = 0; v6 < 2; v6++)
            if (zone_has(&cfg->zones[z], v6))
                nft_zone_set(&cfg->zones[z], v6, out);
    fprintf(out, "\tchain forward {\n"
                 "\t\ttype filter hook forward priority filter; policy accept;\n"
                 "\t\tct state established,related accept\n");
    for (size_t i = 0; i < b->n_rows; i++)
        if (starts_rule(b, i))
            nft_allow(cfg, &b->rows[i], out);
    nft_default_drops(cfg, out);
    fprintf(out, "\t}\n}\n");
}

/* A conduit's windows as written in the configuration: "Mon-Fri 08:00-17:00;
 * Sat 22:00-02:00 (UTC+09:00)"; "" when it is always open. */
static void schedule_text(const otw_conduit_cfg *k, char *out, size_t outsz)
{
    static const char *const days[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    size_t n = 0;
    out[0] = '\0';
    for (int w = 0; k && w < k->n_windows && n < outsz; w++) {
        const otw_time_window *x = &k->windows[w];
        n += (size_t)snprintf(out + n, outsz - n, "%s", w ? "; " : "");
        if (x->days == 0x7f) {
            n += (size_t)snprintf(out + n, outsz - n, "daily");
        } else {
            /* runs of days: Mon-Fri, Sat,Sun */
            bool first = true;
            for (int d = 0; d < 7 && n < outsz; d++) {
                if (!(x->days & (1u << d)))
                    continue;
                int e = d;
                while (e + 1 < 7 && (x->days & (1u << (e + 1))))
                    e++;
                n += (size_t)snprintf(out + n, outsz - n, "%s%s", first ? "" : ",", days[d]);
                if (e > d)
                    n += (size_t)snprintf(out + n, outsz - n, "%s%s", e > d + 1 ? "-" : ",",
                                          days[e]);
                first = false;
                d = e;
            }
        }
        if (n < outsz)
            n += (size_t)snprintf(out + n, outsz - n, " %02u:%02u-%02u:%02u", x->start_min / 60u,
                                  x->start_min % 60u, x->end_min / 60u, x->end_min % 60u);
    }
    if (k && k->n_windows && n < outsz) {
        int off = k->utc_offset_min < 0 ? -k->utc_offset_min : k->utc_offset_min;
        snprintf(out + n, outsz - n, " (UTC%c%02d:%02d)", k->utc_offset_min < 0 ? '-' : '+',
                 off / 60, off % 60);
    }
}

static void write_acl(const bctx *b, FILE *out)
{
    const otw_config *cfg = b->cfg;
    fputs("rule,action,src_zone,src_ip,dst_zone,dst_ip,transport,dst_port,protocol,direction,"
          "conduit,first_seen,last_seen,flows,schedule\r\n",
          out);
    int n = 0;
    for (size_t i = 0; i < b->n_rows; i++) {
        const brow *r = &b->rows[i];
        if (r->pl.verdict != OTW_PLACE_CONDUIT)
            continue;
        /* Rows of one rule (protocol names aside) merge: first/last widen, flows add. */
        uint64_t first = r->c.first_us, last = r->c.last_us, flows = r->c.flows;
        size_t j = i + 1;
        for (; j < b->n_rows && b->rows[j].pl.verdict == OTW_PLACE_CONDUIT &&
               same_rule(r, &b->rows[j]);
             j++) {
            if (b->rows[j].c.first_us < first)
                first = b->rows[j].c.first_us;
            if (b->rows[j].c.last_us > last)
                last = b->rows[j].c.last_us;
            flows += b->rows[j].c.flows;
        }
        char x[64], t[32];
        snprintf(x, sizeof(x), "%d", ++n);
        otw_csv_field(out, x, false);
        otw_csv_field(out, "permit", false);
        otw_csv_field(out, otw_zone_name(cfg, r->pl.client_zone), false);
        otw_csv_field(out, otw_addr_str(&r->c.client, x, sizeof(x)), false);
        otw_csv_field(out, otw_zone_name(cfg, r->pl.server_zone), false);
        otw_csv_field(out, otw_addr_str(&r->c.server, x, sizeof(x)), false);
        otw_csv_field(out, transport_name(r->c.transport), false);
        snprintf(x, sizeof(x), "%u", r->c.server_port);
        otw_csv_field(out, x, false);
        otw_csv_field(out, r->proto, false);
        direction_text(cfg, r, x, sizeof(x));
        otw_csv_field(out, x, false);
        otw_csv_field(out, rule_name(cfg, r), false);
        otw_csv_field(out, otw_format_ts_seconds(first, t), false);
        otw_csv_field(out, otw_format_ts_seconds(last, t), false);
        snprintf(x, sizeof(x), "%llu", (unsigned long long)flows);
        otw_csv_field(out, x, false);
        char sched[320];
        schedule_text(r->pl.conduit >= 0 && r->pl.conduit < cfg->n_conduits
                          ? &cfg->conduits[r->pl.conduit]
                          : NULL,
                      sched, sizeof(sched));
        otw_csv_field(out, sched, true);
        i = j - 1;
    }
    fprintf(out, "%d,deny,*,any,*,any,any,,,,default between zones,,,,\r\n", n + 1);
}

/* ---------------------------------------------------------- command */

int otw_boundary_write(const otw_config *cfg, const char *state_dir, const char *format, FILE *out)
{
    char err[512];
    if (cfg->n_zones == 0) {
        otw_error("no zones configured (add zones: and conduits: to the configuration, see "
                  "deploy/otwatch.yaml)");
        return 1;
    }
    bctx b;
    memset(&b, 0, sizeof(b));
    b.cfg = cfg;
    if (otw_snapshot_open(&b.snap, state_dir, OTW_SNAP_ASSETS | OTW_SNAP_COMMS, err, sizeof(err)) !=
        0) {
        otw_error("%s", err);
        return 1;
    }
    if (place_rows(&b) != 0) {
        otw_error("out of memory");
        otw_snapshot_close(&b.snap);
        return 1;
    }
    if (b.n_rows)
        qsort_r(b.rows, b.n_rows, sizeof(*b.rows), row_cmp, (void *)cfg);
    if (strcmp(format, "json") == 0)
        write_json(&b, out);
    else if (strcmp(format, "csv") == 0)
        write_csv(&b, out);
    else if (strcmp(format, "nft") == 0)
        write_nft(&b, state_dir, out);
    else if (strcmp(format, "acl-csv") == 0)
        write_acl(&b, out);
    else
        write_table(&b, out);
    free(b.rows);
    otw_snapshot_close(&b.snap);
    return 0;
}
