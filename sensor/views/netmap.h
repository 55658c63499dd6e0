/* netmap.h - the network map: `otwatch map` and the map of `otwatch report`.
 *
 *   otwatch map [--format svg|dot] [--lang ja|en] [--state DIR] [--config FILE]
 *
 * The model is read from the store (read-only, beside a running sensor) and
 * placed with the CURRENT configuration, as `otwatch boundary` does
 * (zones.h: otw_zones_place on the last time seen, again on the first time
 * seen for a windowed conduit):
 *  - zones: every configured zone, and the built-in "internet" and
 *    "unassigned" when something is in them;
 *  - nodes: every asset, in the zone of its first IP address (MAC-only
 *    assets are unassigned), and the addresses that are not assets
 *    (Internet peers, multicast groups) in the zone placement gave them;
 *    beyond OTW_NM_MAX_ADDRESS_NODES such addresses (the busiest kept) the
 *    rest of a zone is one "more addresses" node;
 *  - edges: one per (client node, server node) with the protocols of its
 *    communications and the worst verdict (violation > conduit > internal);
 *    a violation of severity high or critical is a critical crossing.
 *
 * SVG layout (no Graphviz needed), deterministic, integer coordinates:
 * zones are boxes in rows by kind, top to bottom internet, IT, DMZ, OT,
 * control, unassigned (Purdue levels downwards), side by side within a row
 * and wrapping at OTW_NM_MAX_WIDTH; nodes sit in a grid of at most
 * OTW_NM_MAX_COLS columns inside their zone; edges are straight arrows from
 * the client's box edge to the server's, under the nodes, with the
 * protocols written on edges that cross zones. 500 assets in one zone make
 * a map about 1350 x 5000 pixels.
 *
 * DOT output: one cluster per zone, the same nodes and edges and colours,
 * for people who lay it out with Graphviz (dot -Tsvg).
 *
 * Every string from the store came from the wire: XML/HTML text is escaped
 * (& < > " '), invalid UTF-8 and control characters become U+FFFD, and DOT
 * strings escape quotes and backslashes. */
#ifndef OTW_NETMAP_H
#define OTW_NETMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alerts.h"
#include "comms.h"
#include "config.h"
#include "i18n.h"
#include "inventory.h"
#include "snapshot.h"
#include "zones.h"

#define OTW_NM_MAX_ADDRESS_NODES 48
#define OTW_NM_MAX_COLS 7
#define OTW_NM_MAX_WIDTH 1340
#define OTW_NM_MAX_LABELS 2048 /* protocol labels on one map */
#define OTW_NM_NONE UINT32_MAX

typedef struct otw_nm_node {
    uint8_t zone;
    int32_t asset; /* index into assets, -1 = an address that is not an asset */
    bool has_ip;
    otw_addr ip;     /* the asset's first IP, or the address */
    uint32_t n_more; /* > 0: the "more addresses" node of its zone */
    uint64_t pkts;   /* address nodes: packets of their communications */
    int x, y;        /* top-left corner, after layout */
} otw_nm_node;

typedef struct otw_nm_row {
    otw_comm c;
    char proto[48];
    otw_placement pl;
    int32_t src_asset, dst_asset; /* -1 = not an asset */
    uint32_t src_node, dst_node;
} otw_nm_row;

typedef struct otw_nm_edge {
    uint32_t from, to; /* client node, server node */
    otw_place verdict;
    otw_severity severity; /* of the worst violation */
    char protos[96];
    uint64_t pkts;
} otw_nm_edge;

typedef struct otw_nm_zone {
    uint8_t zone;      /* configured index, OTW_ZONE_INTERNET, OTW_ZONE_UNASSIGNED */
    uint32_t first, n; /* its nodes: nodes[first .. first+n-1] */
    int x, y, w, h, cols;
} otw_nm_zone;

/* Where a protocol label was written on the SVG (labels must not overlap). */
typedef struct otw_nm_label {
    int x0, y0, x1, y1;
    size_t edge;
} otw_nm_label;

typedef struct otw_netmap {
    const otw_config *cfg;
    otw_snapshot snap; /* the store's contents; assets and alerts below are its arrays */
    void *store;       /* otw_store, open until otw_netmap_free (protocol names) */
    otw_asset *assets;
    uint8_t *asset_zone;
    uint32_t *asset_node;
    size_t n_assets;
    otw_nm_row *rows; /* every stored communication, placed */
    size_t n_rows;
    otw_alert *alerts; /* in id order */
    size_t n_alerts;
    otw_nm_node *nodes;
    size_t n_nodes;
    otw_nm_edge *edges;
    size_t n_edges;
    otw_nm_zone zones[OTW_MAX_ZONES + 2];
    int n_zones;
    int width, height;
    otw_nm_label *labels; /* OTW_NM_MAX_LABELS, scratch for otw_netmap_svg */
} otw_netmap;

/* Reads the store in state_dir and places everything with cfg (kept by
 * pointer). NULL + err on failure. */
otw_netmap *otw_netmap_load(const otw_config *cfg, const char *state_dir, char *err, size_t errsz);
void otw_netmap_free(otw_netmap *m);

/* Protocol name of a key, as the store has it. */
const char *otw_netmap_proto_name(const otw_netmap *m, uint16_t key, char *buf, size_t bufsz);
/* Display name of an asset: identity name, model or product ("" if none). */
const char *otw_netmap_asset_name(const otw_asset *a);

/* The map as SVG. standalone: an XML document (otherwise an <svg> element
 * for inlining in HTML). */
void otw_netmap_svg(const otw_netmap *m, otw_lang lang, bool standalone, FILE *out);
void otw_netmap_dot(const otw_netmap *m, otw_lang lang, FILE *out);

/* Escaped text: XML/HTML (also for attribute values), DOT quoted strings. */
void otw_nm_xml(FILE *out, const char *s);
void otw_nm_dot(FILE *out, const char *s);
/* Valid UTF-8 of s cut to about max_cols display columns (CJK count two),
 * with an ellipsis when cut; invalid bytes and controls become U+FFFD. */
void otw_nm_clip(const char *s, int max_cols, char *out, size_t outsz);

/* The subcommand: argv[0] is "map". Returns the exit status. */

#endif
