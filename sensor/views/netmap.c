/* netmap.c - the network map; see netmap.h. SVG 1.1 (W3C), DOT as in the
 * Graphviz language reference; text escaping per XML 1.0 section 2.4 and
 * HTML (the same five characters). */
#include "netmap.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grow.h"
#include "store.h"

/* ---------------------------------------------------------- text */

/* One code point from s (NUL-terminated); bad sequences give U+FFFD and
 * consume at least one byte, never past a NUL. */
static size_t u8_next(const unsigned char *s, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1Fu, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0Fu, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07u, min = 0x10000;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return i;
        }
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0xFFFD;
        return n;
    }
    *cp = v;
    return n;
}

/* Characters a report shows as they are: no controls (C0, DEL, C1), no
 * noncharacters (HTML parse errors, not XML characters). */
static bool cp_shown(uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
        return false;
    if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE)
        return false;
    return true;
}

static const char u8_replacement[] = "\xEF\xBF\xBD";

void otw_nm_xml(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        uint32_t cp;
        size_t n = u8_next(p, &cp);
        if (cp == 0xFFFD || !cp_shown(cp))
            fputs(u8_replacement, out);
        else if (cp == '&')
            fputs("&amp;", out);
        else if (cp == '<')
            fputs("&lt;", out);
        else if (cp == '>')
            fputs("&gt;", out);
        else if (cp == '"')
            fputs("&quot;", out);
        else if (cp == '\'')
            fputs("&#39;", out);
        else
            fwrite(p, 1, n, out);
        p += n;
    }
}

void otw_nm_dot(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        uint32_t cp;
        size_t n = u8_next(p, &cp);
        if (cp == 0xFFFD || !cp_shown(cp))
            fputs(u8_replacement, out);
        else if (cp == '"' || cp == '\\')
            fprintf(out, "\\%c", (char)cp);
        else
            fwrite(p, 1, n, out);
        p += n;
    }
}

static int cp_cols(uint32_t cp)
{
    /* East Asian wide and fullwidth blocks, roughly: enough for a label. */
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                   (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                   (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                   (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x20000
               ? 2
               : 1;
}

/* Display columns of a text (CJK count two), to size legends. */
static int text_cols(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int cols = 0;
    while (*p) {
        uint32_t cp;
        p += u8_next(p, &cp);
        cols += cp_cols(cp);
    }
    return cols;
}

void otw_nm_clip(const char *s, int max_cols, char *out, size_t outsz)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t len = 0;
    int cols = 0;
    if (!outsz)
        return;
    out[0] = '\0';
    while (*p) {
        uint32_t cp;
        size_t n = u8_next(p, &cp);
        const char *bytes = (const char *)p;
        size_t blen = n;
        if (cp == 0xFFFD || !cp_shown(cp)) {
            bytes = u8_replacement;
            blen = 3;
            cp = 0xFFFD;
        }
        int w = cp_cols(cp);
        p += n;
        bool last = *p == '\0';
        /* Room for this character, and for the ellipsis unless it is the last. */
        if (cols + w > max_cols - (last ? 0 : 1) || len + blen + (last ? 0 : 3) >= outsz) {
            if (cols + w <= max_cols && len + blen < outsz && last) {
                memcpy(out + len, bytes, blen);
                len += blen;
            } else if (len + 3 < outsz) {
                memcpy(out + len, "\xE2\x80\xA6", 3);
                len += 3;
            }
            break;
        }
        memcpy(out + len, bytes, blen);
        len += blen;
        cols += w;
    }
    out[len] = '\0';
}

/* ---------------------------------------------------------- model */

/* Every stored communication, placed with the current configuration. */
static int place_rows(otw_netmap *m)
{
    const otw_snapshot *snap = &m->snap;
    m->rows = otw_alloc_array(snap->n_comms, sizeof(*m->rows));
    if (!m->rows)
        return -1;
    for (size_t i = 0; i < snap->n_comms; i++) {
        const otw_comm *c = &snap->comms[i];
        otw_nm_row *r = &m->rows[m->n_rows++];
        r->c = *c;
        otw_store_proto_name(snap->st, c->proto_key, r->proto, sizeof(r->proto));
        r->src_asset = otw_snapshot_asset_by_ip(snap, &c->client);
        r->dst_asset = otw_snapshot_asset_by_ip(snap, &c->server);
        const otw_asset *dst = r->dst_asset >= 0 ? &m->assets[r->dst_asset] : NULL;
        otw_zones_place_comm(m->cfg, c, r->proto, dst && otw_asset_role(dst) == OTW_ROLE_CONTROLLER,
                             &r->pl);
        if (m->cfg->n_zones == 0) {
            /* Without zones placement says nothing, but the map still shows
             * where addresses are. */
            r->pl.client_zone = otw_zone_of(m->cfg, &c->client, 0);
            r->pl.server_zone = otw_zone_of(m->cfg, &c->server, 0);
        }
    }
    return 0;
}

/* Zones top to bottom by Purdue level, then as configured. */
static int zone_rank(const otw_config *cfg, uint8_t zone)
{
    static const int kind_rank[] = {
        [OTW_ZK_CONTROL] = 4, [OTW_ZK_OT] = 3,       [OTW_ZK_DMZ] = 2,
        [OTW_ZK_IT] = 1,      [OTW_ZK_INTERNET] = 0, [OTW_ZK_UNASSIGNED] = 5};
    otw_zone_kind k = otw_zone_kind_of(cfg, zone);
    int idx = zone == OTW_ZONE_INTERNET     ? 0
              : zone == OTW_ZONE_UNASSIGNED ? OTW_MAX_ZONES + 1
                                            : zone + 1;
    return kind_rank[(unsigned)k <= OTW_ZK_UNASSIGNED ? k : OTW_ZK_UNASSIGNED] * 256 + idx;
}

static int node_cmp(const void *x, const void *y, void *ctx)
{
    const otw_config *cfg = ctx;
    const otw_nm_node *a = x, *b = y;
    int ra = zone_rank(cfg, a->zone), rb = zone_rank(cfg, b->zone);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if ((a->n_more > 0) != (b->n_more > 0))
        return a->n_more ? 1 : -1;
    if ((a->asset >= 0) != (b->asset >= 0))
        return a->asset >= 0 ? -1 : 1;
    if (a->asset != b->asset)
        return a->asset < b->asset ? -1 : 1; /* assets in store order */
    return memcmp(a->ip.b, b->ip.b, 16);
}

/* Address nodes, busiest first, for the cap. */
static int addr_node_busy_cmp(const void *x, const void *y)
{
    const otw_nm_node *a = x, *b = y;
    if (a->pkts != b->pkts)
        return a->pkts > b->pkts ? -1 : 1;
    if (a->zone != b->zone)
        return a->zone < b->zone ? -1 : 1;
    return memcmp(a->ip.b, b->ip.b, 16);
}

static int addr_node_key_cmp(const void *x, const void *y)
{
    const otw_nm_node *a = x, *b = y;
    if (a->zone != b->zone)
        return a->zone < b->zone ? -1 : 1;
    return memcmp(a->ip.b, b->ip.b, 16);
}

/* An address that is not an asset, and its node (its own or the "more"
 * node of its zone), sorted by (zone, address) for lookups. */
typedef struct addr_ref {
    uint8_t zone;
    otw_addr ip;
    uint32_t node;
} addr_ref;

static int addr_ref_cmp(const void *x, const void *y)
{
    const addr_ref *a = x, *b = y;
    if (a->zone != b->zone)
        return a->zone < b->zone ? -1 : 1;
    return memcmp(a->ip.b, b->ip.b, 16);
}

static uint32_t find_addr_node(const addr_ref *refs, size_t n, uint8_t zone, const otw_addr *ip)
{
    addr_ref key = {zone, *ip, 0};
    const addr_ref *hit = n ? bsearch(&key, refs, n, sizeof(key), addr_ref_cmp) : NULL;
    return hit ? hit->node : OTW_NM_NONE;
}

static int append_addr(otw_nm_node **v, size_t *n, size_t *cap, uint8_t zone, const otw_addr *ip,
                       uint64_t pkts)
{
    otw_nm_node *p = otw_grow(*v, *n, cap, sizeof(*p), 64);
    if (!p)
        return -1;
    *v = p;
    otw_nm_node *x = &(*v)[(*n)++];
    memset(x, 0, sizeof(*x));
    x->zone = zone;
    x->asset = -1;
    x->has_ip = true;
    x->ip = *ip;
    x->pkts = pkts;
    return 0;
}

/* Row indexes by (client node, server node, protocol). */
static int row_node_cmp(const void *x, const void *y, void *ctx)
{
    const otw_nm_row *rows = ctx;
    const otw_nm_row *a = &rows[*(const uint32_t *)x];
    const otw_nm_row *b = &rows[*(const uint32_t *)y];
    if (a->src_node != b->src_node)
        return a->src_node < b->src_node ? -1 : 1;
    if (a->dst_node != b->dst_node)
        return a->dst_node < b->dst_node ? -1 : 1;
    int d = strcmp(a->proto, b->proto);
    if (d)
        return d;
    return *(const uint32_t *)x < *(const uint32_t *)y ? -1 : 1;
}

static int place_rank(otw_place p)
{
    return p == OTW_PLACE_VIOLATION  ? 3
           : p == OTW_PLACE_CONDUIT  ? 2
           : p == OTW_PLACE_INTERNAL ? 1
                                     : 0;
}

static int build_edges(otw_netmap *m)
{
    uint32_t *idx = otw_alloc_array(m->n_rows, sizeof(*idx));
    m->edges = otw_alloc_array(m->n_rows, sizeof(*m->edges));
    if (!idx || !m->edges) {
        free(idx);
        return -1;
    }
    for (size_t i = 0; i < m->n_rows; i++)
        idx[i] = (uint32_t)i;
    if (m->n_rows)
        qsort_r(idx, m->n_rows, sizeof(*idx), row_node_cmp, m->rows);
    for (size_t i = 0; i < m->n_rows; i++) {
        const otw_nm_row *r = &m->rows[idx[i]];
        if (r->src_node == OTW_NM_NONE || r->dst_node == OTW_NM_NONE || r->src_node == r->dst_node)
            continue;
        otw_nm_edge *e = m->n_edges ? &m->edges[m->n_edges - 1] : NULL;
        if (!e || e->from != r->src_node || e->to != r->dst_node) {
            e = &m->edges[m->n_edges++];
            e->from = r->src_node;
            e->to = r->dst_node;
            e->verdict = r->pl.verdict;
            e->severity = OTW_SEV_INFO;
        }
        if (place_rank(r->pl.verdict) > place_rank(e->verdict))
            e->verdict = r->pl.verdict;
        if (r->pl.verdict == OTW_PLACE_VIOLATION && r->pl.severity > e->severity)
            e->severity = r->pl.severity;
        e->pkts += r->c.pkts;
        /* Protocols once each, sorted (rows come sorted by name). */
        size_t len = strlen(e->protos);
        char name[48];
        snprintf(name, sizeof(name), "%s", r->proto[0] ? r->proto : "?");
        bool seen = false;
        for (const char *p = e->protos; *p;) {
            size_t n = strcspn(p, ",");
            if (n == strlen(name) && strncmp(p, name, n) == 0)
                seen = true;
            p += n;
            while (*p == ',' || *p == ' ')
                p++;
        }
        if (!seen && len + strlen(name) + 3 < sizeof(e->protos))
            snprintf(e->protos + len, sizeof(e->protos) - len, "%s%s", len ? ", " : "", name);
    }
    free(idx);
    return 0;
}

static int build_nodes(otw_netmap *m)
{
    const otw_config *cfg = m->cfg;
    /* Addresses that are not assets, with their packets. */
    otw_nm_node *addrs = NULL;
    size_t n_addrs = 0, cap_addrs = 0;
    for (size_t i = 0; i < m->n_rows; i++) {
        const otw_nm_row *r = &m->rows[i];
        if (r->src_asset < 0 &&
            append_addr(&addrs, &n_addrs, &cap_addrs, r->pl.client_zone, &r->c.client, r->c.pkts))
            goto fail;
        if (r->dst_asset < 0 &&
            append_addr(&addrs, &n_addrs, &cap_addrs, r->pl.server_zone, &r->c.server, r->c.pkts))
            goto fail;
    }
    if (n_addrs) {
        qsort(addrs, n_addrs, sizeof(*addrs), addr_node_key_cmp);
        size_t u = 0;
        for (size_t i = 0; i < n_addrs; i++) {
            if (u && addr_node_key_cmp(&addrs[u - 1], &addrs[i]) == 0)
                addrs[u - 1].pkts += addrs[i].pkts;
            else
                addrs[u++] = addrs[i];
        }
        n_addrs = u;
        qsort(addrs, n_addrs, sizeof(*addrs), addr_node_busy_cmp);
    }
    size_t kept = n_addrs < OTW_NM_MAX_ADDRESS_NODES ? n_addrs : OTW_NM_MAX_ADDRESS_NODES;
    /* One "more" node per zone for the rest. */
    uint32_t more[256] = {0};
    for (size_t i = kept; i < n_addrs; i++)
        more[addrs[i].zone]++;
    /* A zone's single leftover keeps its own node ("+1" would say less). */
    for (size_t i = kept; i < n_addrs; i++) {
        if (more[addrs[i].zone] != 1)
            continue;
        otw_nm_node t = addrs[i];
        memmove(&addrs[kept + 1], &addrs[kept], (i - kept) * sizeof(*addrs));
        addrs[kept++] = t;
        more[t.zone] = 0;
    }
    size_t n_more = 0;
    for (int z = 0; z < 256; z++)
        n_more += more[z] > 0;
    m->nodes = otw_alloc_array(m->n_assets + kept + n_more + 1, sizeof(*m->nodes));
    m->asset_zone = otw_alloc_array(m->n_assets + 1, 1);
    m->asset_node = otw_alloc_array(m->n_assets + 1, sizeof(*m->asset_node));
    if (!m->nodes || !m->asset_zone || !m->asset_node)
        goto fail;
    for (size_t i = 0; i < m->n_assets; i++) {
        const otw_asset *a = &m->assets[i];
        otw_nm_node *x = &m->nodes[m->n_nodes++];
        x->asset = (int32_t)i;
        x->has_ip = a->n_ips > 0;
        if (x->has_ip)
            x->ip = a->ips[0];
        x->zone = otw_asset_zone(cfg, a);
        m->asset_zone[i] = x->zone;
    }
    for (size_t i = 0; i < kept; i++)
        m->nodes[m->n_nodes++] = addrs[i];
    for (int z = 0; z < 256; z++) {
        if (!more[z])
            continue;
        otw_nm_node *x = &m->nodes[m->n_nodes++];
        x->zone = (uint8_t)z;
        x->asset = -1;
        x->n_more = more[z];
    }
    qsort_r(m->nodes, m->n_nodes, sizeof(*m->nodes), node_cmp, (void *)cfg);
    /* Lookups from communication ends to nodes. */
    addr_ref *refs = otw_alloc_array(n_addrs + 1, sizeof(*refs));
    if (!refs)
        goto fail;
    uint32_t more_node[256];
    for (int z = 0; z < 256; z++)
        more_node[z] = OTW_NM_NONE;
    size_t n_refs = 0;
    for (size_t i = 0; i < m->n_nodes; i++) {
        const otw_nm_node *x = &m->nodes[i];
        if (x->asset >= 0)
            m->asset_node[x->asset] = (uint32_t)i;
        else if (x->n_more)
            more_node[x->zone] = (uint32_t)i;
        else
            refs[n_refs++] = (addr_ref){x->zone, x->ip, (uint32_t)i};
    }
    for (size_t i = kept; i < n_addrs; i++)
        refs[n_refs++] = (addr_ref){addrs[i].zone, addrs[i].ip, more_node[addrs[i].zone]};
    qsort(refs, n_refs, sizeof(*refs), addr_ref_cmp);
    for (size_t i = 0; i < m->n_rows; i++) {
        otw_nm_row *r = &m->rows[i];
        r->src_node = r->src_asset >= 0
                          ? m->asset_node[r->src_asset]
                          : find_addr_node(refs, n_refs, r->pl.client_zone, &r->c.client);
        r->dst_node = r->dst_asset >= 0
                          ? m->asset_node[r->dst_asset]
                          : find_addr_node(refs, n_refs, r->pl.server_zone, &r->c.server);
    }
    free(refs);
    free(addrs);
    return 0;
fail:
    free(addrs);
    return -1;
}

/* ---------------------------------------------------------- layout */

static const struct {
    const char *color, *width;
    otw_msg text;
} legend[] = {{"#c62828", "3", OTW_M_LEGEND_CRITICAL},
              {"#ef6c00", "2", OTW_M_LEGEND_VIOLATION},
              {"#2e7d32", "1.6", OTW_M_LEGEND_CONDUIT},
              {"#78909c", "1", OTW_M_LEGEND_INTERNAL}};

/* Legend entries take a sample line and their text (about 7 px a column). */
static int legend_step(otw_lang lang, otw_msg text)
{
    return 34 + text_cols(otw_i18n(lang, text)) * 7 + 28;
}

/* The widest legend of both languages: the layout is the same in each. */
static int legend_width(void)
{
    int w = 0;
    for (int lang = OTW_LANG_EN; lang <= OTW_LANG_JA; lang++) {
        int x = 20;
        for (size_t i = 0; i < sizeof(legend) / sizeof(legend[0]); i++)
            x += legend_step((otw_lang)lang, legend[i].text);
        x += text_cols(otw_i18n((otw_lang)lang, OTW_M_LEGEND_ARROW)) * 7 + 20;
        if (x > w)
            w = x;
    }
    return w;
}

enum {
    NODE_W = 168,
    NODE_H = 54,
    NODE_GAP = 26,  /* across: room for the arrows between columns */
    NODE_VGAP = 28, /* room below a row for the arcs between its nodes */
    ARC_ROOM = 12,  /* ... and below the last row */
    ZONE_PAD = 14,
    ZONE_TITLE = 30,
    ZONE_GAP = 24,
    MARGIN = 20,
    LEGEND_H = 40,
};

static void layout(otw_netmap *m)
{
    const otw_config *cfg = m->cfg;
    /* Zones shown: every configured one, built-ins when not empty. */
    uint8_t shown[OTW_MAX_ZONES + 2];
    int n = 0;
    for (int z = 0; z < cfg->n_zones && z < OTW_MAX_ZONES; z++)
        shown[n++] = (uint8_t)z;
    for (size_t i = 0; i < m->n_nodes; i++) {
        uint8_t z = m->nodes[i].zone;
        if ((z == OTW_ZONE_INTERNET || z == OTW_ZONE_UNASSIGNED || z >= cfg->n_zones)) {
            bool have = false;
            for (int k = 0; k < n; k++)
                have |= shown[k] == z;
            if (!have && n < OTW_MAX_ZONES + 2)
                shown[n++] = z;
        }
    }
    /* Order by rank (insertion sort: at most 34). */
    for (int i = 1; i < n; i++)
        for (int k = i; k > 0 && zone_rank(cfg, shown[k]) < zone_rank(cfg, shown[k - 1]); k--) {
            uint8_t t = shown[k];
            shown[k] = shown[k - 1];
            shown[k - 1] = t;
        }
    m->n_zones = n;
    size_t next = 0;
    for (int i = 0; i < n; i++) {
        otw_nm_zone *z = &m->zones[i];
        memset(z, 0, sizeof(*z));
        z->zone = shown[i];
        z->first = (uint32_t)next;
        while (next < m->n_nodes && m->nodes[next].zone == z->zone)
            next++;
        z->n = (uint32_t)next - z->first;
        z->cols = z->n == 0 ? 1 : z->n < OTW_NM_MAX_COLS ? (int)z->n : OTW_NM_MAX_COLS;
        int rows = z->n == 0 ? 1 : (int)((z->n + (uint32_t)z->cols - 1) / (uint32_t)z->cols);
        z->w = 2 * ZONE_PAD + z->cols * NODE_W + (z->cols - 1) * NODE_GAP;
        z->h = ZONE_TITLE + 2 * ZONE_PAD + rows * NODE_H + (rows - 1) * NODE_VGAP + ARC_ROOM;
        if (z->n == 0)
            z->h = ZONE_TITLE + 2 * ZONE_PAD + NODE_H / 2;
    }
    /* Rows by kind, wrapping; zones in a line share its height. */
    int y = MARGIN + LEGEND_H, width = 640;
    int i = 0;
    while (i < n) {
        otw_zone_kind kind = otw_zone_kind_of(cfg, m->zones[i].zone);
        int start = i, x = MARGIN, h = 0;
        while (i < n && otw_zone_kind_of(cfg, m->zones[i].zone) == kind &&
               (i == start || x + m->zones[i].w <= OTW_NM_MAX_WIDTH)) {
            m->zones[i].x = x;
            m->zones[i].y = y;
            x += m->zones[i].w + ZONE_GAP;
            if (m->zones[i].h > h)
                h = m->zones[i].h;
            i++;
        }
        for (int k = start; k < i; k++)
            m->zones[k].h = h;
        if (x - ZONE_GAP + MARGIN > width)
            width = x - ZONE_GAP + MARGIN;
        y += h + ZONE_GAP;
    }
    m->width = width > legend_width() ? width : legend_width();
    m->height = y - ZONE_GAP + MARGIN;
    for (int k = 0; k < n; k++) {
        const otw_nm_zone *z = &m->zones[k];
        for (uint32_t j = 0; j < z->n; j++) {
            otw_nm_node *x = &m->nodes[z->first + j];
            int col = (int)(j % (uint32_t)z->cols), row = (int)(j / (uint32_t)z->cols);
            x->x = z->x + ZONE_PAD + col * (NODE_W + NODE_GAP);
            x->y = z->y + ZONE_TITLE + ZONE_PAD + row * (NODE_H + NODE_VGAP);
        }
    }
}

otw_netmap *otw_netmap_load(const otw_config *cfg, const char *state_dir, char *err, size_t errsz)
{
    otw_netmap *m = otw_alloc_array(1, sizeof(*m));
    if (!m) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    m->cfg = cfg;
    if (otw_snapshot_open(&m->snap, state_dir, OTW_SNAP_ASSETS | OTW_SNAP_COMMS | OTW_SNAP_ALERTS,
                          err, errsz) != 0) {
        free(m);
        return NULL;
    }
    m->store = m->snap.st;
    m->assets = m->snap.assets;
    m->n_assets = m->snap.n_assets;
    m->alerts = m->snap.alerts;
    m->n_alerts = m->snap.n_alerts;
    /* The SVG's label boxes too: drawing must not run out of memory. */
    m->labels = otw_alloc_array(OTW_NM_MAX_LABELS, sizeof(*m->labels));
    if (!m->labels || place_rows(m) != 0 || build_nodes(m) != 0 || build_edges(m) != 0) {
        snprintf(err, errsz, "out of memory");
        otw_netmap_free(m);
        return NULL;
    }
    layout(m);
    return m;
}

void otw_netmap_free(otw_netmap *m)
{
    if (!m)
        return;
    otw_snapshot_close(&m->snap);
    free(m->asset_zone);
    free(m->asset_node);
    free(m->rows);
    free(m->nodes);
    free(m->edges);
    free(m->labels);
    free(m);
}

const char *otw_netmap_proto_name(const otw_netmap *m, uint16_t key, char *buf, size_t bufsz)
{
    return otw_store_proto_name(m->store, key, buf, bufsz);
}

const char *otw_netmap_asset_name(const otw_asset *a)
{
    if (!a || !a->has_identity)
        return "";
    const otw_identity *id = &a->identity;
    return id->name[0] ? id->name : id->model[0] ? id->model : id->product;
}

/* ---------------------------------------------------------- styles */

static const char *zone_fill(otw_zone_kind k)
{
    static const char *const fill[] = {"#fff3e0", "#e8f5e9", "#fffde7",
                                       "#e3f2fd", "#fce4ec", "#f5f5f5"};
    return (unsigned)k <= OTW_ZK_UNASSIGNED ? fill[k] : fill[OTW_ZK_UNASSIGNED];
}

static const char *zone_stroke(otw_zone_kind k)
{
    static const char *const stroke[] = {"#e65100", "#2e7d32", "#9a7400",
                                         "#1565c0", "#ad1457", "#757575"};
    return (unsigned)k <= OTW_ZK_UNASSIGNED ? stroke[k] : stroke[OTW_ZK_UNASSIGNED];
}

static const char *role_fill(otw_role r)
{
    static const char *const fill[OTW_ROLE__COUNT] = {"#ffffff", "#ffcc80", "#90caf9", "#ce93d8",
                                                      "#80cbc4", "#b0bec5", "#e0e0e0", "#f48fb1"};
    return (unsigned)r < OTW_ROLE__COUNT ? fill[r] : fill[0];
}

typedef struct edge_style {
    const char *color, *marker;
    const char *width;
    const char *opacity;
} edge_style;

static edge_style style_of(const otw_nm_edge *e)
{
    if (e->verdict == OTW_PLACE_VIOLATION && e->severity >= OTW_SEV_HIGH)
        return (edge_style){"#c62828", "otw-a-crit", "3", "1"};
    if (e->verdict == OTW_PLACE_VIOLATION)
        return (edge_style){"#ef6c00", "otw-a-viol", "2", "1"};
    if (e->verdict == OTW_PLACE_CONDUIT)
        return (edge_style){"#2e7d32", "otw-a-cond", "1.6", "1"};
    return (edge_style){"#78909c", "otw-a-int", "1", "0.55"};
}

static void node_lines(const otw_netmap *m, const otw_nm_node *x, otw_lang lang, char l1[96],
                       char l2[96], char l3[96])
{
    char b[64];
    l1[0] = l2[0] = l3[0] = '\0';
    if (x->n_more) {
        snprintf(b, sizeof(b), "+%u", x->n_more);
        snprintf(l1, 96, "%s", b);
        otw_nm_clip(otw_i18n(lang, OTW_M_MAP_MORE_ADDRESSES), 26, l2, 96);
        return;
    }
    if (x->has_ip)
        otw_addr_str(&x->ip, b, sizeof(b));
    else if (x->asset >= 0 && m->assets[x->asset].has_mac)
        otw_mac_str(m->assets[x->asset].mac, b, sizeof(b));
    else
        snprintf(b, sizeof(b), "-");
    otw_nm_clip(b, 28, l1, 96);
    if (x->asset < 0)
        return;
    const otw_asset *a = &m->assets[x->asset];
    const char *name = otw_netmap_asset_name(a);
    otw_nm_clip(name[0] ? name : a->vendor, 26, l2, 96);
    otw_nm_clip(otw_i18n_role(lang, otw_asset_role(a)), 26, l3, 96);
}

/* Where the segment from the centre of box a towards the centre of box b
 * leaves box a (boxes NODE_W x NODE_H). */
static void box_exit(int ax, int ay, int bx, int by, int *ox, int *oy)
{
    double dx = bx - ax, dy = by - ay;
    double hw = NODE_W / 2.0 + 2, hh = NODE_H / 2.0 + 2;
    double t = 1.0;
    if (dx != 0 && hw / (dx < 0 ? -dx : dx) < t)
        t = hw / (dx < 0 ? -dx : dx);
    if (dy != 0 && hh / (dy < 0 ? -dy : dy) < t)
        t = hh / (dy < 0 ? -dy : dy);
    *ox = ax + (int)(dx * t + (dx * t < 0 ? -0.5 : 0.5));
    *oy = ay + (int)(dy * t + (dy * t < 0 ? -0.5 : 0.5));
}

/* ---------------------------------------------------------- SVG */

/* The root element, its title and the arrowheads the edges refer to. */
static void svg_open(const otw_netmap *m, otw_lang lang, bool standalone, FILE *out)
{
    if (standalone)
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"otw-map\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
            m->width, m->height, m->width, m->height);
    otw_nm_xml(out, otw_i18n(lang, OTW_M_MAP_TITLE));
    fputs("\" font-family=\"'Noto Sans CJK JP','Noto Sans JP','Hiragino Sans','Yu Gothic',"
          "Meiryo,'DejaVu Sans',sans-serif\" font-size=\"11\">\n",
          out);
    fputs("<title>", out);
    otw_nm_xml(out, otw_i18n(lang, OTW_M_MAP_TITLE));
    fputs("</title>\n<defs>\n", out);
    const struct {
        const char *id, *color;
    } markers[] = {{"otw-a-crit", "#c62828"},
                   {"otw-a-viol", "#ef6c00"},
                   {"otw-a-cond", "#2e7d32"},
                   {"otw-a-int", "#78909c"}};
    for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
        fprintf(out,
                "<marker id=\"%s\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
                "markerHeight=\"7\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path "
                "d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/></marker>\n",
                markers[i].id, markers[i].color);
    fputs("</defs>\n", out);
    fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", m->width,
            m->height);
}

static void svg_legend(otw_lang lang, FILE *out)
{
    fprintf(out, "<g class=\"legend\" font-size=\"12\">\n");
    int lx = MARGIN;
    for (size_t i = 0; i < sizeof(legend) / sizeof(legend[0]); i++) {
        fprintf(out,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                "stroke-width=\"%s\"/><text x=\"%d\" y=\"%d\">",
                lx, MARGIN + 8, lx + 28, MARGIN + 8, legend[i].color, legend[i].width, lx + 34,
                MARGIN + 12);
        otw_nm_xml(out, otw_i18n(lang, legend[i].text));
        fputs("</text>\n", out);
        lx += legend_step(lang, legend[i].text);
    }
    fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"#555555\">", lx, MARGIN + 12);
    otw_nm_xml(out, otw_i18n(lang, OTW_M_LEGEND_ARROW));
    fputs("</text>\n</g>\n", out);
}

/* A zone's box, its name, its level (or kind) and, when empty, a note. */
static void svg_zone(const otw_netmap *m, const otw_nm_zone *z, otw_lang lang, FILE *out)
{
    const otw_config *cfg = m->cfg;
    otw_zone_kind k = otw_zone_kind_of(cfg, z->zone);
    fprintf(out, "<g class=\"zone\" data-zone=\"");
    otw_nm_xml(out, otw_zone_name(cfg, z->zone));
    fprintf(out,
            "\">\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"8\" fill=\"%s\" "
            "stroke=\"%s\" stroke-width=\"1.5\"/>\n<text x=\"%d\" y=\"%d\" font-size=\"14\" "
            "font-weight=\"bold\" fill=\"%s\">",
            z->x, z->y, z->w, z->h, zone_fill(k), zone_stroke(k), z->x + ZONE_PAD, z->y + 21,
            zone_stroke(k));
    otw_nm_xml(out, otw_i18n_zone(lang, cfg, z->zone));
    fputs("</text>", out);
    char sub[160];
    if (z->zone < cfg->n_zones && cfg->zones[z->zone].level[0])
        snprintf(sub, sizeof(sub), "%s %s", otw_i18n(lang, OTW_M_COL_LEVEL),
                 cfg->zones[z->zone].level);
    else
        snprintf(sub, sizeof(sub), "%s", otw_i18n_zone_kind(lang, k));
    fprintf(out,
            "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#555555\" "
            "text-anchor=\"end\">",
            z->x + z->w - ZONE_PAD, z->y + 20);
    otw_nm_xml(out, sub);
    fputs("</text>\n", out);
    if (z->n == 0) {
        fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"#777777\">", z->x + ZONE_PAD,
                z->y + ZONE_TITLE + ZONE_PAD + 10);
        otw_nm_xml(out, otw_i18n(lang, OTW_M_MAP_EMPTY_ZONE));
        fputs("</text>\n", out);
    }
    fputs("</g>\n", out);
}

/* Drawing order of an edge: internal 0 ... critical violation 3 (on top). */
static int edge_rank(const otw_nm_edge *e)
{
    return e->verdict == OTW_PLACE_VIOLATION ? (e->severity >= OTW_SEV_HIGH ? 3 : 2)
           : e->verdict == OTW_PLACE_CONDUIT ? 1
                                             : 0;
}

/* An edge's hover text: "a -> b: protocols (verdict[, severity])". */
static void svg_edge_title(const otw_nm_edge *e, const otw_nm_node *a, const otw_nm_node *b,
                           otw_lang lang, FILE *out)
{
    char ip[64];
    if (a->has_ip)
        otw_nm_xml(out, otw_addr_str(&a->ip, ip, sizeof(ip)));
    fputs(" \xE2\x86\x92 ", out);
    if (b->has_ip)
        otw_nm_xml(out, otw_addr_str(&b->ip, ip, sizeof(ip)));
    fputs(": ", out);
    otw_nm_xml(out, e->protos);
    fputs(" (", out);
    otw_nm_xml(out, otw_i18n_place(lang, e->verdict));
    if (e->verdict == OTW_PLACE_VIOLATION) {
        fputs(", ", out);
        otw_nm_xml(out, otw_i18n_severity(lang, e->severity));
    }
}

static void svg_edge(const otw_netmap *m, const otw_nm_edge *e, otw_lang lang, FILE *out)
{
    const otw_nm_node *a = &m->nodes[e->from], *b = &m->nodes[e->to];
    int ax = a->x + NODE_W / 2, ay = a->y + NODE_H / 2;
    int bx = b->x + NODE_W / 2, by = b->y + NODE_H / 2;
    edge_style s = style_of(e);
    int span = (ax > bx ? ax - bx : bx - ax) / (NODE_W + NODE_GAP);
    bool arc = ay == by && span > 1;
    if (arc) {
        /* Same row with devices between: a straight line would run
         * under them and read as their link. An arc below the row,
         * bottom centre to bottom centre, deeper for longer spans and
         * for right-to-left (the two directions of a pair apart). */
        int depth = 2 * (8 + 4 * (span - 2 < 3 ? span - 2 : 3) + (ax > bx ? 5 : 0));
        int y0 = a->y + NODE_H + 2;
        fprintf(out,
                "<path d=\"M%d,%d Q%d,%d %d,%d\" stroke=\"%s\" stroke-width=\"%s\" "
                "stroke-opacity=\"%s\" marker-end=\"url(#%s)\"><title>",
                ax, y0, (ax + bx) / 2, y0 + depth, bx, y0, s.color, s.width, s.opacity, s.marker);
    } else {
        int x1, y1, x2, y2;
        box_exit(ax, ay, bx, by, &x1, &y1);
        box_exit(bx, by, ax, ay, &x2, &y2);
        fprintf(out,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                "stroke-width=\"%s\" stroke-opacity=\"%s\" marker-end=\"url(#%s)\">"
                "<title>",
                x1, y1, x2, y2, s.color, s.width, s.opacity, s.marker);
    }
    svg_edge_title(e, a, b, lang, out);
    fputs(arc ? ")</title></path>\n" : ")</title></line>\n", out);
}

/* Whether a protocol label at me would cover one already written, or (on
 * a busy map) repeat a fan-out's: one end, the same protocols. */
static bool label_covered(const otw_netmap *m, const otw_nm_label *me, size_t n_boxes,
                          size_t n_cross)
{
    const otw_nm_label *boxes = m->labels;
    const otw_nm_edge *e = &m->edges[me->edge];
    bool covered = n_boxes == OTW_NM_MAX_LABELS;
    for (size_t k = 0; k < n_boxes && !covered; k++) {
        const otw_nm_edge *o = &m->edges[boxes[k].edge];
        covered = (me->x0 < boxes[k].x1 && boxes[k].x0 < me->x1 && me->y0 < boxes[k].y1 &&
                   boxes[k].y0 < me->y1) ||
                  (n_cross > 24 && (o->from == e->from || o->to == e->to) &&
                   !strcmp(o->protos, e->protos));
    }
    return covered;
}

/* Protocols on edges that cross zones, 40% of the way from the client
 * (so the two directions of a pair do not overlap); a label that would
 * cover one already written is left out (the line's title has it). */
static void svg_edge_labels(const otw_netmap *m, FILE *out)
{
    otw_nm_label *boxes = m->labels;
    size_t n_boxes = 0, n_cross = 0;
    for (size_t i = 0; i < m->n_edges; i++)
        n_cross += m->nodes[m->edges[i].from].zone != m->nodes[m->edges[i].to].zone;
    for (size_t i = 0; i < m->n_edges; i++) {
        const otw_nm_edge *e = &m->edges[i];
        const otw_nm_node *a = &m->nodes[e->from], *b = &m->nodes[e->to];
        if (a->zone == b->zone)
            continue;
        int ax = a->x + NODE_W / 2, ay = a->y + NODE_H / 2;
        int bx = b->x + NODE_W / 2, by = b->y + NODE_H / 2;
        int tx = ax + (bx - ax) * 2 / 5, ty = ay + (by - ay) * 2 / 5;
        char label[96];
        otw_nm_clip(e->protos, 24, label, sizeof(label));
        int half = text_cols(label) * 7 / 2 + 4;
        otw_nm_label me = {tx - half, ty - 8, tx + half, ty + 8, i};
        if (label_covered(m, &me, n_boxes, n_cross))
            continue;
        boxes[n_boxes++] = me;
        fprintf(out,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\" stroke=\"#ffffff\" "
                "stroke-width=\"3\" paint-order=\"stroke\" font-size=\"11\">",
                tx, ty + 4, style_of(e).color);
        otw_nm_xml(out, label);
        fputs("</text>\n", out);
    }
}

/* Edges under the nodes: internal first, the worst last (on top). */
static void svg_edges(const otw_netmap *m, otw_lang lang, FILE *out)
{
    fputs("<g class=\"edges\" fill=\"none\">\n", out);
    for (int pass = 0; pass < 4; pass++)
        for (size_t i = 0; i < m->n_edges; i++)
            if (edge_rank(&m->edges[i]) == pass)
                svg_edge(m, &m->edges[i], lang, out);
    svg_edge_labels(m, out);
    fputs("</g>\n", out);
}

/* A device's box: address, name and role; dashed when no asset is known. */
static void svg_node(const otw_netmap *m, const otw_nm_node *x, otw_lang lang, FILE *out)
{
    char l1[96], l2[96], l3[96];
    node_lines(m, x, lang, l1, l2, l3);
    const char *fill = x->asset >= 0 ? role_fill(otw_asset_role(&m->assets[x->asset])) : "#fafafa";
    fprintf(out,
            "<g class=\"node\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"5\" "
            "fill=\"%s\" stroke=\"#37474f\" stroke-width=\"1\"%s/>",
            x->x, x->y, NODE_W, NODE_H, fill, x->asset >= 0 ? "" : " stroke-dasharray=\"4 3\"");
    fprintf(out, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\" font-size=\"12\">", x->x + 8,
            x->y + 16);
    otw_nm_xml(out, l1);
    fputs("</text>", out);
    if (l2[0]) {
        fprintf(out, "<text x=\"%d\" y=\"%d\">", x->x + 8, x->y + 31);
        otw_nm_xml(out, l2);
        fputs("</text>", out);
    }
    if (l3[0]) {
        fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"#37474f\" font-style=\"italic\">", x->x + 8,
                x->y + 46);
        otw_nm_xml(out, l3);
        fputs("</text>", out);
    }
    fputs("</g>\n", out);
}

void otw_netmap_svg(const otw_netmap *m, otw_lang lang, bool standalone, FILE *out)
{
    svg_open(m, lang, standalone, out);
    svg_legend(lang, out);
    for (int i = 0; i < m->n_zones; i++)
        svg_zone(m, &m->zones[i], lang, out);
    svg_edges(m, lang, out);
    fputs("<g class=\"nodes\">\n", out);
    for (size_t i = 0; i < m->n_nodes; i++)
        svg_node(m, &m->nodes[i], lang, out);
    fputs("</g>\n</svg>\n", out);
}

/* ---------------------------------------------------------- DOT */

void otw_netmap_dot(const otw_netmap *m, otw_lang lang, FILE *out)
{
    const otw_config *cfg = m->cfg;
    fputs("digraph otwatch {\n"
          "  graph [rankdir=TB, newrank=true, fontname=\"Noto Sans CJK JP\", label=\"",
          out);
    otw_nm_dot(out, otw_i18n(lang, OTW_M_MAP_TITLE));
    fputs("\", labelloc=t];\n"
          "  node [shape=box, style=\"rounded,filled\", fontname=\"Noto Sans CJK JP\", "
          "fontsize=10];\n"
          "  edge [fontname=\"Noto Sans CJK JP\", fontsize=9];\n",
          out);
    for (int i = 0; i < m->n_zones; i++) {
        const otw_nm_zone *z = &m->zones[i];
        otw_zone_kind k = otw_zone_kind_of(cfg, z->zone);
        fprintf(out, "  subgraph cluster_%d {\n    label=\"", i);
        otw_nm_dot(out, otw_i18n_zone(lang, cfg, z->zone));
        fputs("\\n", out);
        if (z->zone < cfg->n_zones && cfg->zones[z->zone].level[0]) {
            otw_nm_dot(out, otw_i18n(lang, OTW_M_COL_LEVEL));
            fputs(" ", out);
            otw_nm_dot(out, cfg->zones[z->zone].level);
        } else {
            otw_nm_dot(out, otw_i18n_zone_kind(lang, k));
        }
        fprintf(out, "\";\n    style=\"rounded,filled\"; fillcolor=\"%s\"; color=\"%s\";\n",
                zone_fill(k), zone_stroke(k));
        if (z->n == 0)
            fprintf(out, "    z%d_empty [label=\"\", shape=point, style=invis];\n", i);
        for (uint32_t j = 0; j < z->n; j++) {
            uint32_t idx = z->first + j;
            const otw_nm_node *x = &m->nodes[idx];
            char l1[96], l2[96], l3[96];
            node_lines(m, x, lang, l1, l2, l3);
            fprintf(out, "    n%u [label=\"", idx);
            otw_nm_dot(out, l1);
            if (l2[0]) {
                fputs("\\n", out);
                otw_nm_dot(out, l2);
            }
            if (l3[0]) {
                fputs("\\n", out);
                otw_nm_dot(out, l3);
            }
            fprintf(out, "\", fillcolor=\"%s\"%s];\n",
                    x->asset >= 0 ? role_fill(otw_asset_role(&m->assets[x->asset])) : "#fafafa",
                    x->asset >= 0 ? "" : ", style=\"rounded,dashed,filled\"");
        }
        fputs("  }\n", out);
    }
    for (size_t i = 0; i < m->n_edges; i++) {
        const otw_nm_edge *e = &m->edges[i];
        edge_style s = style_of(e);
        fprintf(out, "  n%u -> n%u [label=\"", e->from, e->to);
        otw_nm_dot(out, e->protos);
        fprintf(out, "\", color=\"%s\", fontcolor=\"%s\", penwidth=%s", s.color, s.color, s.width);
        if (e->verdict == OTW_PLACE_VIOLATION) {
            fputs(", tooltip=\"", out);
            otw_nm_dot(out, otw_i18n_place(lang, e->verdict));
            fputs(" ", out);
            otw_nm_dot(out, otw_i18n_severity(lang, e->severity));
            fputs("\"", out);
        }
        if (e->verdict == OTW_PLACE_INTERNAL)
            fputs(", style=dashed", out);
        fputs("];\n", out);
    }
    fputs("}\n", out);
}
