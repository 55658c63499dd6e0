/* exposure.c - shadow IoT, Internet exposure and cloud IoT connections
 * (issue 6; see exposure.h).
 *
 * References: MITRE ATT&CK for ICS T0864 Transient Cyber Asset (its
 * detection, DET0744/AN1877: traffic from unknown or unexpected devices),
 * T0883 Internet Accessible Device, T0869 Standard Application Layer
 * Protocol (command and control over the usual protocols), T0822 External
 * Remote Services; IEC 62443-3-2 zones (sensor/core/zones.h); RFC 6890 special-
 * purpose address registries (what is not a public address).
 *
 * 1. IoT / consumer classification, with a class (camera, smart_device,
 *    voice_assistant, printer, wireless_ap, media, phone, iot_device) and a
 *    reason; a stronger reason replaces a weaker one (what the device does
 *    on the network > what it states about itself > its MAC's maker):
 *    - nDPI protocols of its communications: RTSP server (camera or video
 *      recorder), UBNTAC2 server (Ubiquiti radio), CAPWAP client (access
 *      point), AmazonAlexa / category VirtAssistant client, NestLogSink
 *      client, COAP server, IPP or BJNP server (printer), CiscoSkinny client
 *      (phone), Playstation/Xbox/Nintendo client (console); Tuya local
 *      protocol: "Tuya_LP" when nDPI names it, else (nDPI 4.2 has no Tuya
 *      dissector) UDP 6666/6667 that nDPI leaves unknown (the devices'
 *      broadcast discovery) and TCP 6668 left unknown (their local control
 *      port, the device is the server);
 *    - a consumer cloud of data/cloud_iot_vendors.tsv that it connects to;
 *    - role hints of the identity dissectors and classify.c (OTW_EV_IOT from
 *      DHCP, mDNS, SSDP, LLDP/CDP phones, User-Agent), with the class taken
 *      from the identity's device type or detail;
 *    - its own identity: DHCP vendor class (IP phones), host name (ESP_...,
 *      tasmota-..., shelly..., BRN.../NPI... printers, iPhone, Chromecast),
 *      User-Agent (ESP8266HTTPClient, Hikvision, Sonos, Alexa...);
 *    - the MAC's OUI vendor: camera makers (Hikvision, Dahua, Axis, EZVIZ,
 *      Uniview, Vivotek, Mobotix, Hanwha, Reolink, Amcrest, Wyze, Ring), IoT
 *      Wi-Fi modules and smart home makers (Espressif, Tuya, Bilian, Ogemray,
 *      Gaoshengda, Lumi, Philips Lighting/Signify, Nest, Xiaomi), media
 *      (Amazon, Sonos, Roku, Google), printers (Epson, Brother, Xerox,
 *      Lexmark, Ricoh, Kyocera), phones (Polycom, Yealink, Grandstream) and
 *      consumer/outdoor wireless (Ubiquiti, Cambium, TP-Link).
 *    SSDP, mDNS and MQTT alone classify nothing: Windows PCs search with
 *    SSDP and announce with mDNS, and SCADA and IIoT gateways speak MQTT.
 *    The evidence is OTW_EV_IOT on the asset; why is told in its identity
 *    detail as "iot=<class>:<reason>" (put back when a later identity
 *    replaces the detail).
 * 2. SHADOW_IOT (high, T0864), once per asset (also across restarts), when an asset
 *    classified IoT whose role is iot (controller, HMI, engineering or
 *    network evidence wins - except wireless access points, which are
 *    shadow devices even with their bridge capability) sits
 *    - zones configured: at an address in a control or ot zone; key
 *      "zone=<name>";
 *    - no zones: in the IPv4 /24 (IPv6 /64) of a controller (an asset whose
 *      role is controller, or the server of an industrial protocol);
 *      key "segment=<prefix>". A /24 is the usual size of a cell's L2
 *      segment; a passive sensor does not see the real broadcast domain.
 * 3. INTERNET_EXPOSURE (high) when an OT asset talks to a public address:
 *    inbound (the public address is the client) T0883, outbound T0869. OT
 *    asset: at an address in a control/ot zone, or the client or server of
 *    an industrial protocol, or role controller/HMI/engineering/historian.
 *    Public: the built-in zone "internet" (not local, in no zone) minus
 *    RFC 6890 special-purpose space (0/8, 100.64/10, 127/8, 169.254/16,
 *    multicast, 240/4, broadcast; ::, ::1, fe80::/10, ff00::/8, fc00::/7).
 *    One alert per (asset, remote address, service), counted per new
 *    communication; the remote name from DNS answers, TLS SNI or HTTP Host
 *    when one is known (cache of XN_CAP names, oldest evicted, counted). A
 *    public communication of an asset not known as OT yet is kept (ring of
 *    XP_CAP, oldest dropped, counted) and raised when the asset turns out
 *    to be OT (its first industrial communication or an OT role). The ring
 *    is rebuilt from the state's communications when the sensor starts, so
 *    a restart loses none (those of assets already OT were raised then).
 * 4. CLOUD_CONNECTION (medium, T0822: the vendor's cloud is a remote
 *    service into the device) when a local asset connects to a cloud IoT
 *    platform, by the remote name (data/cloud_iot_vendors.tsv, label-wise
 *    suffix patterns) or nDPI (AmazonAlexa, NestLogSink). One alert per
 *    (asset, remote address, platform).
 * Alerts dedupe like every other (alerts.h): repeats add to the count.
 * Nothing here runs per packet: once per communication, name or asset
 * change.
 */
#include "exposure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissector.h"
#include "idutil.h"
#include "keymap.h"
#include "zones.h"

/* data/cloud_iot_vendors.tsv, compiled by the build (cmake/vendor_table.cmake). */
extern const otw_vendor_name otw_cloud_iot_vendors[];
extern const size_t otw_cloud_iot_vendors_len;

#define XN_CAP 4096     /* names of remote addresses */
#define XN_BUCKETS 8192 /* power of two */
#define XN_NAME 96
#define XP_CAP 1024 /* public communications of assets not (yet) known as OT */
#define XS_CAP 256  /* controller segments (no zones) */
#define XC_MAX 64   /* cloud platform patterns */
#define XC_LABELS 8

typedef enum iot_class {
    IOT_NONE = 0,
    IOT_CAMERA,
    IOT_SMART,
    IOT_VOICE,
    IOT_PRINTER,
    IOT_WIRELESS,
    IOT_MEDIA,
    IOT_PHONE,
    IOT_DEVICE,
    IOT__COUNT
} iot_class;

static const char *const class_names[IOT__COUNT] = {
    "",      "camera", "smart_device", "voice_assistant", "printer", "wireless_ap",
    "media", "phone",  "iot_device"};

/* Per asset (inventory index). */
enum {
    XF_IOT = 1u << 0,    /* classified here (class in iot[]) */
    XF_SHADOW = 1u << 1, /* SHADOW_IOT raised (here or in the state) */
    XF_OT = 1u << 2,     /* client or server of an industrial protocol */
    XF_SEG = 1u << 3,    /* its segment is a controller segment */
    XF_OWN_EV = 1u << 4, /* OTW_EV_IOT was set here, not by a role hint */
};

typedef struct xname {
    otw_addr ip;
    uint32_t next; /* bucket chain, UINT32_MAX = end */
    bool used;
    char name[XN_NAME];
} xname;

typedef struct xpending {
    bool used;
    bool inbound;
    bool replayed; /* rebuilt from a communication of the state */
    uint8_t transport;
    uint16_t port;
    uint32_t asset;
    otw_addr local, remote;
    uint64_t ts_us;
    char proto[32];
} xpending;

typedef struct xcloud {
    char labels[XC_LABELS][64]; /* right to left */
    uint8_t n_labels;
    iot_class cls;        /* IOT_NONE: a general platform */
    const char *platform; /* points into the table string copy */
    char text[160];       /* platform name storage */
} xcloud;

struct otw_exposure {
    const otw_config *cfg;
    otw_alerts *alerts;
    otw_inventory *inv;
    uint32_t cap;
    uint8_t *flags, *iot, *by;
    uint16_t *vlan;
    char (*why)[32];
    /* names */
    xname *names;
    uint32_t *buckets;
    uint32_t name_head;
    uint64_t names_evicted;
    /* pending */
    xpending *pending;
    uint32_t pend_head;
    uint64_t pending_dropped;
    /* Loading the state: an asset found OT now was OT when its public
     * communications were first seen, so they were raised then. */
    bool replaying;
    /* controller segments */
    otw_addr segs[XS_CAP];
    uint32_t n_segs;
    uint64_t segs_refused;
    /* cloud patterns */
    xcloud *clouds;
    uint32_t n_clouds;
    /* OUI vendor -> class, direct mapped: a plant has few vendors and every
     * new communication asks again for both ends */
    struct {
        uint64_t hash; /* 0 = empty */
        uint8_t cls;
    } oui_memo[256];
};

/* ------------------------------------------------------------ helpers */

static bool is_v4(const otw_addr *a)
{
    return otw_addr_is_v4(a);
}

/* RFC 6890 special-purpose space: never "the Internet". */
static bool special_address(const otw_addr *a)
{
    const uint8_t *b = a->b;
    if (is_v4(a)) {
        const uint8_t *v = b + 12;
        return v[0] == 0 || v[0] == 127 || v[0] >= 224 || (v[0] == 169 && v[1] == 254) ||
               (v[0] == 100 && (v[1] & 0xC0) == 64);
    }
    static const uint8_t zero[16];
    if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1))
        return true;
    return b[0] == 0xff || (b[0] == 0xfe && (b[1] & 0xC0) == 0x80) || (b[0] & 0xFE) == 0xfc;
}

/* A plant device on a public range (an asset: it proved it, inventory.h)
 * is no Internet address. */
static bool is_public(const otw_exposure *x, const otw_addr *a, uint16_t vlan)
{
    return otw_zone_of(x->cfg, a, vlan) == OTW_ZONE_INTERNET && !special_address(a) &&
           otw_inventory_find_ip(x->inv, a) == OTW_ASSET_NONE;
}

static uint32_t index_of(otw_exposure *x, uint32_t idx)
{
    otw_asset *a = otw_inventory_at(x->inv, idx);
    otw_asset *base = otw_inventory_raw(x->inv, 0);
    if (a == NULL || base == NULL)
        return OTW_ASSET_NONE;
    uint32_t r = (uint32_t)(a - base);
    return r < x->cap ? r : OTW_ASSET_NONE;
}

static void ip_text(const otw_addr *a, char *buf, size_t n)
{
    otw_addr_str(a, buf, n);
}

/* Bounded copy, always NUL-terminated (cut when too long). */
static void xcpy(char *dst, size_t dstsz, const char *src)
{
    size_t n = strnlen(src, dstsz - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool has_word_ci(const char *hay, const char *needle)
{
    return hay != NULL && hay[0] && otw_idu_contains_ci(hay, needle);
}

/* Value of key in a "k=v;k2=v2" detail, into out. */
static bool detail_value(const char *detail, const char *key, char *out, size_t outsz)
{
    size_t kl = strlen(key);
    const char *p = detail;
    out[0] = '\0';
    while (p && *p) {
        if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
            p += kl + 1;
            size_t n = strcspn(p, ";");
            if (n >= outsz)
                n = outsz - 1;
            memcpy(out, p, n);
            out[n] = '\0';
            return true;
        }
        p = strchr(p, ';');
        if (p)
            p++;
    }
    return false;
}

/* ------------------------------------------------------------ names */

static uint32_t name_bucket(const otw_addr *ip)
{
    return (uint32_t)(otw_hash16(ip->b) & (XN_BUCKETS - 1));
}

static xname *name_find(otw_exposure *x, const otw_addr *ip)
{
    for (uint32_t i = x->buckets[name_bucket(ip)], hops = 0; i != UINT32_MAX && hops < XN_CAP;
         i = x->names[i].next, hops++)
        if (memcmp(&x->names[i].ip, ip, sizeof(*ip)) == 0)
            return &x->names[i];
    return NULL;
}

static void name_unlink(otw_exposure *x, uint32_t slot)
{
    uint32_t *p = &x->buckets[name_bucket(&x->names[slot].ip)];
    for (uint32_t hops = 0; *p != UINT32_MAX && hops < XN_CAP; hops++) {
        if (*p == slot) {
            *p = x->names[slot].next;
            return;
        }
        p = &x->names[*p].next;
    }
}

static const char *name_of(otw_exposure *x, const otw_addr *ip)
{
    xname *n = name_find(x, ip);
    return n ? n->name : NULL;
}

/* ------------------------------------------------------------ cloud table */

static size_t split_labels(const char *name, char labels[][64], size_t max)
{
    /* right to left */
    size_t n = 0, len = strlen(name);
    while (len > 0 && name[len - 1] == '.')
        len--;
    size_t end = len;
    while (end > 0 && n < max) {
        size_t start = end;
        while (start > 0 && name[start - 1] != '.')
            start--;
        size_t l = end - start;
        if (l >= 64)
            l = 63;
        memcpy(labels[n], name + start, l);
        labels[n][l] = '\0';
        n++;
        if (start == 0)
            break;
        end = start - 1;
    }
    return n;
}

static iot_class class_by_name(const char *s)
{
    for (int c = 1; c < IOT__COUNT; c++)
        if (strcmp(s, class_names[c]) == 0)
            return (iot_class)c;
    return IOT_NONE;
}

/* "pattern\tplatform\tclass\tsource" rows of the compiled table. */
static void load_clouds(otw_exposure *x)
{
    for (size_t i = 0; i < otw_cloud_iot_vendors_len && x->n_clouds < XC_MAX; i++) {
        const char *row = otw_cloud_iot_vendors[i].name;
        const char *t1 = row ? strchr(row, '\t') : NULL;
        const char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (t2 == NULL)
            continue;
        xcloud *c = &x->clouds[x->n_clouds];
        char pattern[160];
        size_t pl = (size_t)(t1 - row);
        if (pl == 0 || pl >= sizeof(pattern))
            continue;
        memcpy(pattern, row, pl);
        pattern[pl] = '\0';
        size_t nl = (size_t)(t2 - t1 - 1);
        if (nl >= sizeof(c->text))
            nl = sizeof(c->text) - 1;
        memcpy(c->text, t1 + 1, nl);
        c->text[nl] = '\0';
        char cls[32];
        const char *t3 = strchr(t2 + 1, '\t');
        size_t cl = t3 ? (size_t)(t3 - t2 - 1) : strlen(t2 + 1);
        if (cl >= sizeof(cls))
            cl = sizeof(cls) - 1;
        memcpy(cls, t2 + 1, cl);
        cls[cl] = '\0';
        c->cls = class_by_name(cls);
        c->platform = c->text;
        c->n_labels = (uint8_t)split_labels(pattern, c->labels, XC_LABELS);
        if (c->n_labels > 0)
            x->n_clouds++;
    }
}

/* The platform whose pattern the name ends with (most labels first: the
 * table is short, so a linear walk keeping the longest match). */
static const xcloud *cloud_of_name(const otw_exposure *x, const char *name)
{
    if (name == NULL || name[0] == '\0')
        return NULL;
    char labels[XC_LABELS + 1][64];
    size_t n = split_labels(name, labels, XC_LABELS + 1);
    const xcloud *best = NULL;
    for (uint32_t i = 0; i < x->n_clouds; i++) {
        const xcloud *c = &x->clouds[i];
        if (c->n_labels > n)
            continue;
        bool ok = true;
        for (size_t k = 0; k < c->n_labels && ok; k++)
            ok = strcmp(c->labels[k], "*") == 0 || strcasecmp(c->labels[k], labels[k]) == 0;
        if (ok && (best == NULL || c->n_labels > best->n_labels))
            best = c;
    }
    return best;
}

/* ------------------------------------------------------------ alerts */

static void endpoint_of(otw_endpoint *e, const otw_asset *a, const otw_addr *ip)
{
    memset(e, 0, sizeof(*e));
    if (ip) {
        e->has_ip = true;
        e->ip = *ip;
    }
    if (a && a->has_mac) {
        e->has_mac = true;
        memcpy(e->mac, a->mac, 6);
    }
}

/* technique: the type's own unless the direction decides it. */
static void xraise(otw_exposure *x, otw_alert_type kind, const char *technique, const char *key,
                   const otw_endpoint *src, const otw_endpoint *dst, const char *proto,
                   const char *message, uint64_t ts_us)
{
    otw_alert al;
    otw_alert_init(&al, kind, src, dst, proto);
    if (technique)
        otw_alert_technique(&al, technique);
    xcpy(al.key, sizeof(al.key), key);
    xcpy(al.message, sizeof(al.message), message);
    otw_alerts_raise(x->alerts, &al, ts_us, 1);
}
/* "camera: rtsp server, Hangzhou Hikvision ..." */
static void device_text(otw_exposure *x, uint32_t i, const otw_asset *a, char *out, size_t n)
{
    snprintf(out, n, "%s: %s%s%s", class_names[x->iot[i]], x->why[i], a->vendor[0] ? ", " : "",
             a->vendor);
}

/* ------------------------------------------------------------ shadow IoT */

static void segment_of(const otw_addr *ip, otw_addr *seg)
{
    *seg = *ip;
    if (is_v4(ip))
        seg->b[15] = 0;
    else
        memset(seg->b + 8, 0, 8);
}

static bool segment_known(const otw_exposure *x, const otw_addr *seg)
{
    for (uint32_t i = 0; i < x->n_segs; i++)
        if (memcmp(&x->segs[i], seg, sizeof(*seg)) == 0)
            return true;
    return false;
}

static void segment_text(const otw_addr *seg, char *out, size_t n)
{
    char ip[48];
    ip_text(seg, ip, sizeof(ip));
    snprintf(out, n, "%.46s/%d", ip, is_v4(seg) ? 24 : 64);
}

static bool shadow_role(const otw_exposure *x, uint32_t i, const otw_asset *a)
{
    otw_role r = otw_asset_role(a);
    return r == OTW_ROLE_IOT || (r == OTW_ROLE_NETWORK && x->iot[i] == IOT_WIRELESS);
}

static void check_shadow(otw_exposure *x, uint32_t i, uint64_t ts_us)
{
    otw_asset *a = otw_inventory_at(x->inv, i);
    if (a == NULL || !(x->flags[i] & XF_IOT) || (x->flags[i] & XF_SHADOW) || !shadow_role(x, i, a))
        return;
    for (int k = 0; k < a->n_ips; k++) {
        const otw_addr *ip = &a->ips[k];
        char key[96], where[160], dev[160], ipt[64];
        if (x->cfg->n_zones > 0) {
            uint8_t z = otw_zone_of(x->cfg, ip, x->vlan[i]);
            if (!otw_zone_is_ot(x->cfg, z))
                continue;
            const char *zn = otw_zone_name(x->cfg, z);
            snprintf(key, sizeof(key), "zone=%s", zn);
            const char *lv = z < x->cfg->n_zones ? x->cfg->zones[z].level : "";
            snprintf(where, sizeof(where), "OT zone %s (%s%s%.15s)", zn,
                     otw_zone_kind_name(otw_zone_kind_of(x->cfg, z)), lv[0] ? ", level " : "", lv);
        } else {
            otw_addr seg;
            segment_of(ip, &seg);
            if (!segment_known(x, &seg))
                continue;
            char st[64];
            segment_text(&seg, st, sizeof(st));
            snprintf(key, sizeof(key), "segment=%s", st);
            snprintf(where, sizeof(where), "segment %s of controllers", st);
        }
        ip_text(ip, ipt, sizeof(ipt));
        device_text(x, i, a, dev, sizeof(dev));
        char msg[320];
        snprintf(msg, sizeof(msg), "IoT/consumer device %.45s (%.120s) in %.120s", ipt, dev, where);
        otw_endpoint src;
        endpoint_of(&src, a, ip);
        xraise(x, OTW_AT_SHADOW_IOT, NULL, key, &src, NULL, "", msg, ts_us);
        x->flags[i] |= XF_SHADOW;
        return;
    }
}

/* A controller's segment (no zones): IoT devices already in it are shadow. */
/* check: look again at the IoT devices the new segment makes shadow IoT
 * (not when replaying the state, which raises nothing). */
static void add_controller_segment(otw_exposure *x, uint32_t i, bool check, uint64_t ts_us)
{
    otw_asset *a = otw_inventory_at(x->inv, i);
    if (a == NULL || (x->flags[i] & XF_SEG) || a->n_ips == 0)
        return;
    x->flags[i] |= XF_SEG;
    bool added = false;
    for (int k = 0; k < a->n_ips; k++) {
        otw_addr seg;
        segment_of(&a->ips[k], &seg);
        if (segment_known(x, &seg))
            continue;
        if (x->n_segs >= XS_CAP) {
            x->segs_refused++;
            continue;
        }
        x->segs[x->n_segs++] = seg;
        added = true;
    }
    if (!added || !check || x->cfg->n_zones > 0)
        return;
    uint32_t n = otw_inventory_size(x->inv);
    for (uint32_t k = 0; k < n && k < x->cap; k++)
        if ((x->flags[k] & (XF_IOT | XF_SHADOW)) == XF_IOT)
            check_shadow(x, k, ts_us);
}

/* ------------------------------------------------------------ classification */

/* Puts "iot=<class>:<why>" into the asset's identity detail (again after
 * a later identity replaced it). */
static void annotate(otw_exposure *x, uint32_t i)
{
    otw_asset *a = otw_inventory_at(x->inv, i);
    if (a == NULL)
        return;
    otw_identity id;
    if (a->has_identity) {
        id = a->identity;
    } else {
        memset(&id, 0, sizeof(id));
        id.protocol = OTW_PROTO_NONE;
        id.about = OTW_DIR_TO_SERVER;
        id.source = "exposure";
    }
    /* drop an earlier "iot=" (a weaker reason), keep the rest */
    char *d = id.detail;
    for (char *p = d; p && *p;) {
        if (strncmp(p, "iot=", 4) == 0) {
            char *end = strchr(p, ';');
            if (end == NULL) {
                *(p > d ? p - 1 : p) = '\0';
                break;
            }
            memmove(p, end + 1, strlen(end + 1) + 1);
            continue;
        }
        p = strchr(p, ';');
        if (p)
            p++;
    }
    char v[64];
    snprintf(v, sizeof(v), "%s:%s", class_names[x->iot[i]], x->why[i]);
    if (strlen(d) + 5 + strlen(v) >= sizeof(id.detail))
        xcpy(v, sizeof(v), class_names[x->iot[i]]); /* no room for the reason: the class */
    otw_idu_kv(d, sizeof(id.detail), "iot", v);
    if (!a->has_identity || strcmp(d, a->identity.detail) != 0)
        otw_inventory_set_identity(x->inv, i, &id);
}

/* How much a reason says: the MAC's maker least, what the device does on
 * the network most. A stronger reason replaces a weaker one. */
enum { BY_OUI = 1, BY_STATED = 2, BY_TRAFFIC = 3 };

static void classify(otw_exposure *x, uint32_t i, iot_class cls, const char *why, uint8_t by,
                     uint64_t ts_us)
{
    if (i >= x->cap || cls == IOT_NONE || ((x->flags[i] & XF_IOT) && by <= x->by[i]))
        return;
    otw_asset *a = otw_inventory_at(x->inv, i);
    if (a && !(a->evidence & (1u << OTW_EV_IOT)))
        x->flags[i] |= XF_OWN_EV;
    x->flags[i] |= XF_IOT;
    x->iot[i] = (uint8_t)cls;
    x->by[i] = by;
    xcpy(x->why[i], sizeof(x->why[i]), why);
    otw_inventory_add_evidence(x->inv, i, OTW_EV_IOT);
    annotate(x, i);
    check_shadow(x, i, ts_us);
}

typedef struct marker {
    const char *text;
    iot_class cls;
} marker;

/* OUI organisation names (IEEE MA-L registry, substring, no case). */
static const marker oui_markers[] = {
    {"Hikvision", IOT_CAMERA},
    {"Dahua", IOT_CAMERA},
    {"Axis Communications", IOT_CAMERA},
    {"Ezviz", IOT_CAMERA},
    {"Uniview", IOT_CAMERA},
    {"Vivotek", IOT_CAMERA},
    {"Mobotix", IOT_CAMERA},
    {"Hanwha Techwin", IOT_CAMERA},
    {"Reolink", IOT_CAMERA},
    {"Amcrest", IOT_CAMERA},
    {"Wyze", IOT_CAMERA},
    {"Ring LLC", IOT_CAMERA},
    {"Espressif", IOT_SMART},
    {"Tuya Smart", IOT_SMART},
    {"Shenzhen Bilian", IOT_SMART},
    {"Ogemray", IOT_SMART},
    {"Gaoshengda", IOT_SMART},
    {"Lumi United", IOT_SMART},
    {"Philips Lighting", IOT_SMART},
    {"Signify", IOT_SMART},
    {"Nest Labs", IOT_SMART},
    {"Xiaomi", IOT_SMART},
    {"Amazon Technologies", IOT_MEDIA},
    {"Sonos", IOT_MEDIA},
    {"Roku", IOT_MEDIA},
    {"Google", IOT_MEDIA},
    {"Seiko Epson", IOT_PRINTER},
    {"Brother Industries", IOT_PRINTER},
    {"Xerox", IOT_PRINTER},
    {"Lexmark", IOT_PRINTER},
    {"Ricoh", IOT_PRINTER},
    {"Kyocera", IOT_PRINTER},
    {"Polycom", IOT_PHONE},
    {"Yealink", IOT_PHONE},
    {"Grandstream", IOT_PHONE},
    {"Ubiquiti", IOT_WIRELESS},
    {"Cambium Networks", IOT_WIRELESS},
    {"TP-Link", IOT_WIRELESS},
};

/* DHCP option 60 (substring, no case). */
static const marker vendor_class_markers[] = {
    {"IP Phone", IOT_PHONE}, /* "Cisco Systems, Inc. IP Phone CP-7945G" */
    {"Polycom", IOT_PHONE},  {"yealink", IOT_PHONE}, {"Grandstream", IOT_PHONE},
    {"avaya", IOT_PHONE},    {"Mitel", IOT_PHONE},   {"snom", IOT_PHONE},
};

/* Host names (DHCP option 12, mDNS, NetBIOS; prefix, no case): firmware
 * defaults. */
static const marker host_markers[] = {
    {"ESP_", IOT_SMART},                                  /* ESP8266 Arduino core */
    {"ESP-", IOT_SMART},        {"espressif", IOT_SMART}, /* ESP-IDF default */
    {"tasmota", IOT_SMART},     {"shelly", IOT_SMART},      {"Chromecast", IOT_MEDIA},
    {"Google-Home", IOT_VOICE}, {"Google-Nest", IOT_VOICE}, {"LGwebOSTV", IOT_MEDIA},
    {"BRN", IOT_PRINTER}, /* Brother wired default BRN<mac> */
    {"BRW", IOT_PRINTER}, /* Brother wireless default BRW<mac> */
    {"NPI", IOT_PRINTER}, /* HP JetDirect default NPI<mac> */
    {"iPhone", IOT_PHONE},      {"iPad", IOT_PHONE},        {"Galaxy-", IOT_PHONE},
};

/* User-Agent markers classify.c does not already hint (substring, no case). */
static const marker ua_markers[] = {
    {"ESP8266HTTPClient", IOT_SMART},
    {"ESP32HTTPClient", IOT_SMART},
    {"Hikvision", IOT_CAMERA},
    {"Dahua", IOT_CAMERA},
    {"Sonos", IOT_MEDIA},
    {"Alexa", IOT_VOICE},
};

/* Identity device types (ssdp, mdns, ...), substring, no case. */
static const marker type_markers[] = {
    {"Camera", IOT_CAMERA},        {"Printer", IOT_PRINTER}, {"MediaRenderer", IOT_MEDIA},
    {"Google Cast", IOT_MEDIA},    {"AirPlay", IOT_MEDIA},   {"dial", IOT_MEDIA},
    {"HomeKit", IOT_SMART},        {"Light", IOT_SMART},     {"HVAC", IOT_SMART},
    {"AccessPoint", IOT_WIRELESS}, {"Phone", IOT_PHONE},
};

static iot_class match_ci(const marker *m, size_t n, const char *s, bool prefix)
{
    if (s == NULL || s[0] == '\0')
        return IOT_NONE;
    for (size_t k = 0; k < n; k++)
        if (prefix ? otw_idu_prefix_ci(s, m[k].text) : otw_idu_contains_ci(s, m[k].text))
            return m[k].cls;
    return IOT_NONE;
}

#define MATCH(tab, s, prefix) match_ci(tab, sizeof(tab) / sizeof(tab[0]), s, prefix)

static iot_class oui_class(otw_exposure *x, const char *vendor)
{
    if (vendor[0] == '\0')
        return IOT_NONE;
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (const char *p = vendor; *p; p++)
        h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
    h |= 1; /* never 0, the empty mark */
    size_t slot = (size_t)(h >> 56);
    if (x->oui_memo[slot].hash != h) {
        x->oui_memo[slot].hash = h;
        x->oui_memo[slot].cls = (uint8_t)MATCH(oui_markers, vendor, false);
    }
    return (iot_class)x->oui_memo[slot].cls;
}

/* From what the asset states and its MAC. */
static void classify_asset(otw_exposure *x, uint32_t i, uint64_t ts_us)
{
    otw_asset *a = otw_inventory_at(x->inv, i);
    if (a == NULL || ((x->flags[i] & XF_IOT) && x->by[i] >= BY_STATED))
        return;
    const otw_identity *id = a->has_identity ? &a->identity : NULL;
    bool hinted = (a->evidence & (1u << OTW_EV_IOT)) != 0;
    char v[128];
    iot_class c = IOT_NONE;
    const char *why = NULL;
    if (id && hinted) {
        /* an IoT role hint (ours from the OUI, or a dissector's): the class
         * from what the device says it is */
        if ((c = MATCH(type_markers, id->device_type, false)) == IOT_NONE &&
            has_word_ci(id->detail, "phone"))
            c = IOT_PHONE; /* LLDP "telephone", CDP "phone" capability */
        why = id->source ? id->source : "role hint";
    }
    if (c == IOT_NONE && id) {
        if (detail_value(id->detail, "vendor_class", v, sizeof(v)) &&
            (c = MATCH(vendor_class_markers, v, false)) != IOT_NONE)
            why = "dhcp vendor class";
        else if ((c = MATCH(host_markers, id->name, true)) != IOT_NONE)
            why = "host name";
        else if (detail_value(id->detail, "ua", v, sizeof(v)) &&
                 (c = MATCH(ua_markers, v, false)) != IOT_NONE)
            why = "user-agent";
    }
    if (c == IOT_NONE && hinted && !(x->flags[i] & XF_OWN_EV)) {
        c = IOT_DEVICE; /* someone else's hint, no class to tell */
        why = id && id->source ? id->source : "role hint";
    }
    if (c != IOT_NONE) {
        classify(x, i, c, why, BY_STATED, ts_us);
        return;
    }
    if ((c = oui_class(x, a->vendor)) != IOT_NONE)
        classify(x, i, c, "oui", BY_OUI, ts_us);
}

/* From the nDPI protocol of a communication: the class of the client or
 * the server, *server set for the latter. */
static iot_class class_of_comm(const otw_comm *c, const char *proto, const char *category,
                               bool *server, const char **why)
{
    static const struct {
        const char *proto;
        bool server;
        iot_class cls;
        const char *why;
    } rules[] = {
        {"RTSP", true, IOT_CAMERA, "rtsp server"},
        {"UBNTAC2", true, IOT_WIRELESS, "ubnt discovery"},
        {"CAPWAP", false, IOT_WIRELESS, "capwap client"},
        {"AmazonAlexa", false, IOT_VOICE, "alexa client"},
        {"NestLogSink", false, IOT_SMART, "nest client"},
        {"COAP", true, IOT_DEVICE, "coap server"},
        {"IPP", true, IOT_PRINTER, "ipp server"},
        {"BJNP", true, IOT_PRINTER, "bjnp server"},
        {"CiscoSkinny", false, IOT_PHONE, "skinny client"},
        {"Playstation", false, IOT_MEDIA, "console"},
        {"Xbox", false, IOT_MEDIA, "console"},
        {"Nintendo", false, IOT_MEDIA, "console"},
    };
    *server = false;
    *why = "";
    for (size_t k = 0; k < sizeof(rules) / sizeof(rules[0]); k++) {
        if (strcasecmp(proto, rules[k].proto) == 0) {
            *server = rules[k].server;
            *why = rules[k].why;
            return rules[k].cls;
        }
    }
    if (otw_idu_contains_ci(proto, "tuya")) {
        *server = c->transport == 6;
        *why = "tuya local protocol";
        return IOT_SMART;
    }
    bool unknown = proto[0] == '\0' || strcasecmp(proto, "Unknown") == 0;
    if (unknown && c->transport == 17 && (c->server_port == 6666 || c->server_port == 6667)) {
        *why = "tuya discovery udp/6666-6667";
        return IOT_SMART;
    }
    if (unknown && c->transport == 6 && c->server_port == 6668) {
        *server = true;
        *why = "tuya control tcp/6668";
        return IOT_SMART;
    }
    if (category && strcasecmp(category, "VirtAssistant") == 0) {
        *why = "virtual assistant";
        return IOT_VOICE;
    }
    return IOT_NONE;
}

/* ------------------------------------------------------------ OT and exposure */

static bool ot_role(const otw_asset *a)
{
    otw_role r = otw_asset_role(a);
    return r == OTW_ROLE_CONTROLLER || r == OTW_ROLE_HMI || r == OTW_ROLE_ENGINEERING ||
           r == OTW_ROLE_HISTORIAN;
}

static bool is_ot(otw_exposure *x, uint32_t i, const otw_addr *ip, uint16_t vlan)
{
    if (x->cfg->n_zones > 0 && otw_zone_is_ot(x->cfg, otw_zone_of(x->cfg, ip, vlan)))
        return true;
    otw_asset *a = otw_inventory_at(x->inv, i);
    return (x->flags[i] & XF_OT) || (a && ot_role(a));
}

static void raise_exposure(otw_exposure *x, const xpending *p)
{
    otw_asset *a = otw_inventory_at(x->inv, p->asset);
    char lt[64], rt[64], svc[64], msg[320], rname[XN_NAME + 4] = "";
    ip_text(&p->local, lt, sizeof(lt));
    ip_text(&p->remote, rt, sizeof(rt));
    otw_service_text(p->transport, p->port, p->proto, svc, sizeof(svc));
    const char *n = name_of(x, &p->remote);
    if (n)
        snprintf(rname, sizeof(rname), " (%s)", n);
    const char *role = a ? otw_role_name(otw_asset_role(a)) : "unknown";
    otw_endpoint local, remote;
    endpoint_of(&local, a, &p->local);
    endpoint_of(&remote, NULL, &p->remote);
    if (p->inbound) {
        local.port = p->port;
        snprintf(msg, sizeof(msg),
                 "Internet address %.45s%.99s reaches OT asset %.45s (%.12s) on %.60s", rt, rname,
                 lt, role, svc);
        xraise(x, OTW_AT_INTERNET_EXPOSURE, "T0883", svc, &remote, &local, p->proto, msg, p->ts_us);
    } else {
        remote.port = p->port;
        snprintf(msg, sizeof(msg),
                 "OT asset %.45s (%.12s) connects to Internet address %.45s%.99s on %.60s", lt,
                 role, rt, rname, svc);
        xraise(x, OTW_AT_INTERNET_EXPOSURE, "T0869", svc, &local, &remote, p->proto, msg, p->ts_us);
    }
}

/* The asset is OT now: what it did with public addresses before. While
 * the state loads, what it did was raised by the process that saw it. */
static void flush_pending(otw_exposure *x, uint32_t i)
{
    for (uint32_t k = 0; k < XP_CAP; k++) {
        xpending *p = &x->pending[k];
        if (p->used && p->asset == i) {
            if (!(x->replaying && p->replayed))
                raise_exposure(x, p);
            p->used = false;
        }
    }
}

static void mark_ot(otw_exposure *x, uint32_t i)
{
    if (i >= x->cap || (x->flags[i] & XF_OT))
        return;
    x->flags[i] |= XF_OT;
    flush_pending(x, i);
}

static void exposure_check(otw_exposure *x, uint32_t i, const otw_comm *c, bool inbound,
                           const char *proto, uint16_t vlan, uint64_t ts_us)
{
    xpending p;
    memset(&p, 0, sizeof(p));
    p.used = true;
    p.inbound = inbound;
    p.replayed = x->replaying;
    p.transport = c->transport;
    p.port = c->server_port;
    p.asset = i;
    p.local = inbound ? c->server : c->client;
    p.remote = inbound ? c->client : c->server;
    p.ts_us = ts_us;
    xcpy(p.proto, sizeof(p.proto), proto);
    if (is_ot(x, i, &p.local, vlan)) {
        if (!x->replaying)
            raise_exposure(x, &p);
        return;
    }
    xpending *slot = &x->pending[x->pend_head];
    if (slot->used)
        x->pending_dropped++;
    *slot = p;
    x->pend_head = (x->pend_head + 1) % XP_CAP;
}

static void cloud_check(otw_exposure *x, uint32_t i, const otw_comm *c, const char *proto,
                        uint64_t ts_us)
{
    const char *n = name_of(x, &c->server);
    const xcloud *cl = cloud_of_name(x, n);
    const char *platform = cl ? cl->platform : NULL;
    iot_class cls = cl ? cl->cls : IOT_NONE;
    if (platform == NULL && strcasecmp(proto, "AmazonAlexa") == 0) {
        platform = "Amazon Alexa";
        cls = IOT_VOICE;
    } else if (platform == NULL && strcasecmp(proto, "NestLogSink") == 0) {
        platform = "Google Nest";
        cls = IOT_SMART;
    }
    if (platform == NULL)
        return;
    if (cls != IOT_NONE) {
        char why[32];
        snprintf(why, sizeof(why), "cloud %s", platform);
        classify(x, i, cls, why, BY_TRAFFIC, ts_us);
    }
    otw_asset *a = otw_inventory_at(x->inv, i);
    char lt[64], rt[64], key[96], msg[320];
    ip_text(&c->client, lt, sizeof(lt));
    ip_text(&c->server, rt, sizeof(rt));
    snprintf(key, sizeof(key), "platform=%s", platform);
    char svc[64];
    otw_service_text(c->transport, c->server_port, proto, svc, sizeof(svc));
    snprintf(
        msg, sizeof(msg),
        "Device %.40s (%.12s) connects to the cloud IoT platform %.40s at %.40s%s%.80s%s on %.40s",
        lt, a ? otw_role_name(otw_asset_role(a)) : "unknown", platform, rt, n ? " (" : "",
        n ? n : "", n ? ")" : "", svc);
    otw_endpoint src, dst;
    endpoint_of(&src, a, &c->client);
    endpoint_of(&dst, NULL, &c->server);
    xraise(x, OTW_AT_CLOUD_CONNECTION, NULL, key, &src, &dst, proto, msg, ts_us);
}

/* ------------------------------------------------------------ API */

otw_exposure *otw_exposure_new(const otw_config *cfg, otw_alerts *alerts, otw_inventory *inv,
                               char *err, size_t errsz)
{
    otw_exposure *x = calloc(1, sizeof(*x));
    if (x == NULL)
        goto fail;
    x->cfg = cfg;
    x->alerts = alerts;
    x->inv = inv;
    x->cap = cfg->max_assets ? cfg->max_assets : 1;
    x->flags = calloc(x->cap, 1);
    x->iot = calloc(x->cap, 1);
    x->by = calloc(x->cap, 1);
    x->vlan = calloc(x->cap, sizeof(uint16_t));
    x->why = calloc(x->cap, sizeof(x->why[0]));
    x->names = calloc(XN_CAP, sizeof(xname));
    x->buckets = malloc(XN_BUCKETS * sizeof(uint32_t));
    x->pending = calloc(XP_CAP, sizeof(xpending));
    x->clouds = calloc(XC_MAX, sizeof(xcloud));
    if (!x->flags || !x->iot || !x->by || !x->vlan || !x->why || !x->names || !x->buckets ||
        !x->pending || !x->clouds)
        goto fail;
    memset(x->buckets, 0xFF, XN_BUCKETS * sizeof(uint32_t));
    load_clouds(x);
    return x;
fail:
    otw_exposure_free(x);
    if (err && errsz)
        snprintf(err, errsz, "exposure: out of memory");
    return NULL;
}

void otw_exposure_free(otw_exposure *x)
{
    if (x == NULL)
        return;
    free(x->flags);
    free(x->iot);
    free(x->by);
    free(x->vlan);
    free(x->why);
    free(x->names);
    free(x->buckets);
    free(x->pending);
    free(x->clouds);
    free(x);
}

void otw_exposure_name(otw_exposure *x, const otw_addr *ip, const char *name, uint64_t ts_us)
{
    (void)ts_us;
    if (x == NULL || ip == NULL || name == NULL || name[0] == '\0')
        return;
    xname *e = name_find(x, ip);
    if (e == NULL) {
        uint32_t slot = x->name_head;
        e = &x->names[slot];
        if (e->used) {
            name_unlink(x, slot);
            x->names_evicted++;
        }
        e->used = true;
        e->ip = *ip;
        uint32_t b = name_bucket(ip);
        e->next = x->buckets[b];
        x->buckets[b] = slot;
        x->name_head = (x->name_head + 1) % XN_CAP;
    }
    /* the latest name wins: a client's SNI after the DNS answer it used */
    size_t n = strnlen(name, XN_NAME - 1);
    memcpy(e->name, name, n);
    e->name[n] = '\0';
    for (char *p = e->name; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
}

static bool industrial_comm(const otw_comm *c)
{
    const otw_dissector *d = c->proto_key < 256 ? otw_dissector_get((otw_proto)c->proto_key) : NULL;
    return d && d->industrial;
}

void otw_exposure_known_comm(otw_exposure *x, const otw_comm *c, const char *proto_name,
                             uint32_t client_asset, uint32_t server_asset)
{
    if (x == NULL || c == NULL)
        return;
    x->replaying = true; /* until otw_exposure_state_loaded */
    uint32_t ci = client_asset != OTW_ASSET_NONE ? index_of(x, client_asset) : OTW_ASSET_NONE;
    uint32_t si = server_asset != OTW_ASSET_NONE ? index_of(x, server_asset) : OTW_ASSET_NONE;
    if (industrial_comm(c)) {
        if (ci != OTW_ASSET_NONE)
            mark_ot(x, ci);
        if (si != OTW_ASSET_NONE) {
            mark_ot(x, si);
            add_controller_segment(x, si, false, c->last_us);
        }
    }
    /* A public communication of an asset not known as OT waits again, as it
     * did in the process that saw it: the asset may turn OT in this one. */
    bool client_pub = is_public(x, &c->client, c->vlan);
    bool server_pub = is_public(x, &c->server, c->vlan);
    const char *proto = proto_name ? proto_name : "";
    if (server_pub && !client_pub && ci != OTW_ASSET_NONE)
        exposure_check(x, ci, c, false, proto, c->vlan, c->first_us);
    else if (client_pub && !server_pub && si != OTW_ASSET_NONE)
        exposure_check(x, si, c, true, proto, c->vlan, c->first_us);
}

void otw_exposure_known_alert(otw_exposure *x, const otw_alert *a)
{
    if (x == NULL || a == NULL || a->kind != OTW_AT_SHADOW_IOT || !a->src.has_ip)
        return;
    uint32_t asset = otw_inventory_find_ip(x->inv, &a->src.ip);
    uint32_t i = asset != OTW_ASSET_NONE ? index_of(x, asset) : OTW_ASSET_NONE;
    if (i != OTW_ASSET_NONE)
        x->flags[i] |= XF_SHADOW;
}

void otw_exposure_state_loaded(otw_exposure *x)
{
    if (x == NULL || !x->replaying)
        return;
    for (uint32_t i = 0; i < x->cap; i++) {
        otw_asset *a = otw_inventory_at(x->inv, i);
        if (a && ot_role(a))
            mark_ot(x, i); /* drops its replayed communications */
    }
    x->replaying = false;
}

void otw_exposure_comm(otw_exposure *x, const otw_comm *c, const char *proto_name,
                       const char *category, uint32_t client_asset, uint32_t server_asset,
                       const otw_endpoint *client, const otw_endpoint *server, uint16_t vlan,
                       uint64_t ts_us)
{
    (void)client;
    (void)server;
    if (x == NULL || c == NULL)
        return;
    const char *proto = proto_name ? proto_name : "";
    uint32_t ci = client_asset != OTW_ASSET_NONE ? index_of(x, client_asset) : OTW_ASSET_NONE;
    uint32_t si = server_asset != OTW_ASSET_NONE ? index_of(x, server_asset) : OTW_ASSET_NONE;
    if (ci != OTW_ASSET_NONE)
        x->vlan[ci] = vlan;
    if (si != OTW_ASSET_NONE)
        x->vlan[si] = vlan;

    /* industrial protocol: both ends are OT, the server a controller */
    if (industrial_comm(c)) {
        if (ci != OTW_ASSET_NONE)
            mark_ot(x, ci);
        if (si != OTW_ASSET_NONE) {
            mark_ot(x, si);
            add_controller_segment(x, si, true, ts_us);
        }
    }

    bool on_server = false;
    const char *why = "";
    iot_class cls = class_of_comm(c, proto, category, &on_server, &why);
    uint32_t who = on_server ? si : ci;
    if (cls != IOT_NONE && who != OTW_ASSET_NONE)
        classify(x, who, cls, why, BY_TRAFFIC, ts_us);
    if (ci != OTW_ASSET_NONE) {
        classify_asset(x, ci, ts_us);
        check_shadow(x, ci, ts_us);
    }
    if (si != OTW_ASSET_NONE) {
        classify_asset(x, si, ts_us);
        check_shadow(x, si, ts_us);
    }

    bool client_pub = is_public(x, &c->client, vlan);
    bool server_pub = is_public(x, &c->server, vlan);
    if (server_pub && !client_pub && ci != OTW_ASSET_NONE) {
        cloud_check(x, ci, c, proto, ts_us);
        exposure_check(x, ci, c, false, proto, vlan, ts_us);
    } else if (client_pub && !server_pub && si != OTW_ASSET_NONE) {
        exposure_check(x, si, c, true, proto, vlan, ts_us);
    }
}

void otw_exposure_asset(otw_exposure *x, uint32_t asset, uint64_t ts_us)
{
    if (x == NULL)
        return;
    uint32_t i = index_of(x, asset);
    if (i == OTW_ASSET_NONE)
        return;
    otw_asset *a = otw_inventory_at(x->inv, i);
    if (a == NULL)
        return;
    classify_asset(x, i, ts_us);
    if (x->flags[i] & XF_IOT)
        annotate(x, i);
    if (ot_role(a))
        mark_ot(x, i);
    if (otw_asset_role(a) == OTW_ROLE_CONTROLLER)
        add_controller_segment(x, i, true, ts_us);
    check_shadow(x, i, ts_us);
}
