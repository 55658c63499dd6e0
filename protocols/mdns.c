/* mdns.c - mDNS / DNS-SD identity dissector.
 *
 * Specs: RFC 1035 section 4.1 (header, question, resource record; 4.1.4
 * compression), RFC 6762 (multicast DNS: section 18 header bits, 10.2
 * cache-flush bit in the class), RFC 6763 (DNS-SD: PTR service types, SRV,
 * TXT key=value strings 6.3, "_services._dns-sd._udp" enumeration 9),
 * RFC 2782 (SRV). Service names from the IANA service name registry.
 *
 * Only responses describe their sender (queries emit nothing). From one
 * response:
 * - one identity about the sender (about = dir): name = the host name of
 *   its A/AAAA records (".local" removed), else the SRV target, else the
 *   TXT fn= friendly name, else the service instance name; model = TXT
 *   model= / md= / usb_MDL=, product = TXT ty= / product=, vendor = TXT
 *   usb_MFG=; device_type and role hint from the advertised services;
 *   detail "services=_ipp,_http,...".
 * - one identity binding the first A record's address to its host name
 *   (has_ip): an mDNS response states "name X is at address Y", which is
 *   about the device at Y even when a sleep proxy answers for it. AAAA
 *   records name the host but bind nothing (link-local addresses would
 *   make extra assets).
 * Role hints, most specific first: printer (_ipp, _ipps, _printer,
 * _pdl-datastream), camera (_rtsp, _axis-video, _camera), HomeKit (_hap),
 * Google Cast (_googlecast) -> iot; then _workstation, _smb, or a
 * _device-info model of a Mac -> it_host; then AirPlay (_airplay, _raop)
 * or a _device-info model of an Apple TV/HomePod -> iot. (Macs also
 * advertise AirPlay, hence the order.)
 * Bounds: at most MDNS_MAX_RECORDS records, names through
 * otw_idu_dns_name (pointers must go backwards, at most 16 hops, 255
 * bytes). Choices: opcode != 0 is NOT_MINE; a record running past the
 * datagram is MALFORMED (what came before is still used).
 */
#include "mdns.h"

#include "idutil.h"
#include "reader.h"

#include <string.h>

#define DNS_QR 0x8000
enum { T_A = 1, T_PTR = 12, T_TXT = 16, T_AAAA = 28, T_SRV = 33 };

/* Service markers, by strength. */
enum {
    SVC_PRINTER = 1u << 0,
    SVC_CAMERA = 1u << 1,
    SVC_HOMEKIT = 1u << 2,
    SVC_GOOGLECAST = 1u << 3,
    SVC_WORKSTATION = 1u << 4,
    SVC_SMB = 1u << 5,
    SVC_AIRPLAY = 1u << 6,
    SVC_DEVINFO = 1u << 7,
};

static const struct {
    const char *label;
    unsigned flag;
} services[] = {
    {"_ipp", SVC_PRINTER},
    {"_ipps", SVC_PRINTER},
    {"_printer", SVC_PRINTER},
    {"_pdl-datastream", SVC_PRINTER},
    {"_rtsp", SVC_CAMERA},
    {"_axis-video", SVC_CAMERA},
    {"_camera", SVC_CAMERA},
    {"_hap", SVC_HOMEKIT},
    {"_googlecast", SVC_GOOGLECAST},
    {"_workstation", SVC_WORKSTATION},
    {"_smb", SVC_SMB},
    {"_airplay", SVC_AIRPLAY},
    {"_raop", SVC_AIRPLAY},
    {"_device-info", SVC_DEVINFO},
};

typedef struct mdns_state {
    otw_identity id; /* about the sender */
    char host[64];   /* from A/AAAA owner */
    char srv_host[64];
    char friendly[64]; /* TXT fn= */
    char instance[64];
    char services[96]; /* "_ipp,_http" */
    unsigned svc;
    bool have_a;
    uint8_t a_addr[4];
    char a_host[64];
} mdns_state;

/* "name.local" -> "name" (also "name.local."). */
static void strip_local(char *s)
{
    size_t n = strlen(s);
    if (n > 0 && s[n - 1] == '.')
        s[--n] = '\0';
    if (n > 6 && otw_idu_prefix_ci(s + n - 6, ".local"))
        s[n - 6] = '\0';
}

/* Clean copy of a raw name (at most up to the first n bytes). */
static void clean(char *dst, size_t dstsz, const uint8_t *raw, size_t n)
{
    otw_copy_wire_string(dst, dstsz, raw, n);
}

/* First label of a service type: "_ipp._tcp.local" -> "_ipp". Sub-types
 * "_printer._sub._http._tcp" give "_printer". */
static void note_service(mdns_state *st, const uint8_t *raw, size_t n)
{
    size_t k = 0;
    char label[40];
    while (k < n && raw[k] != '.')
        k++;
    if (k < 2 || raw[0] != '_')
        return;
    clean(label, sizeof(label), raw, k);
    for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
        if (strcmp(label, services[i].label) == 0)
            st->svc |= services[i].flag;
    /* each service once in the list */
    const char *p = st->services;
    size_t ll = strlen(label);
    while ((p = strstr(p, label)) != NULL) {
        if ((p == st->services || p[-1] == ',') && (p[ll] == ',' || p[ll] == '\0'))
            return;
        p += ll;
    }
    if (strlen(st->services) + ll + 2 > sizeof(st->services))
        return;
    if (st->services[0])
        otw_idu_cat(st->services, sizeof(st->services), ",");
    otw_idu_cat(st->services, sizeof(st->services), label);
}

/* Owner "Instance._ipp._tcp.local" of SRV/TXT: its service type counts. */
static void instance_service(mdns_state *st, const uint8_t *owner, size_t owner_len)
{
    for (size_t k = 0; k + 1 < owner_len; k++)
        if (owner[k] == '.' && owner[k + 1] == '_') {
            note_service(st, owner + k + 1, owner_len - k - 1);
            return;
        }
}

static bool key_is(const uint8_t *s, size_t klen, const char *key)
{
    size_t n = strlen(key);
    if (klen != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t a = s[i], b = (uint8_t)key[i];
        if (a >= 'A' && a <= 'Z')
            a = (uint8_t)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (uint8_t)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

static void set_if_empty(char *dst, size_t dstsz, const uint8_t *v, size_t n)
{
    if (dst[0] == '\0')
        otw_copy_wire_string(dst, dstsz, v, n);
}

/* TXT RDATA: length-prefixed strings "key=value" (RFC 6763 6.3). */
static void txt_record(mdns_state *st, const uint8_t *rd, size_t n)
{
    otw_identity *id = &st->id;
    size_t off = 0;
    while (off < n) {
        size_t l = rd[off++];
        if (l > n - off)
            l = n - off; /* a cut string: take what is there */
        const uint8_t *s = rd + off;
        off += l;
        size_t k = 0;
        while (k < l && s[k] != '=')
            k++;
        if (k == l)
            continue; /* boolean attribute */
        const uint8_t *v = s + k + 1;
        size_t vl = l - k - 1;
        if (key_is(s, k, "model") || key_is(s, k, "md") || key_is(s, k, "usb_MDL")) {
            set_if_empty(id->model, sizeof(id->model), v, vl);
        } else if (key_is(s, k, "ty")) {
            set_if_empty(id->product, sizeof(id->product), v, vl);
        } else if (key_is(s, k, "product")) {
            /* IPP: "product=(HP LaserJet 400)" */
            if (vl >= 2 && v[0] == '(' && v[vl - 1] == ')') {
                v++;
                vl -= 2;
            }
            set_if_empty(id->product, sizeof(id->product), v, vl);
        } else if (key_is(s, k, "usb_MFG")) {
            set_if_empty(id->vendor, sizeof(id->vendor), v, vl);
        } else if (key_is(s, k, "fn")) {
            set_if_empty(st->friendly, sizeof(st->friendly), v, vl);
        }
    }
}

static void finish_role(mdns_state *st)
{
    otw_identity *id = &st->id;
    const char *type = NULL;
    unsigned s = st->svc;
    bool mac = false, appletv = false;
    if (s & SVC_DEVINFO) {
        mac = otw_idu_prefix_ci(id->model, "Mac") || otw_idu_prefix_ci(id->model, "iMac");
        appletv = otw_idu_prefix_ci(id->model, "AppleTV") ||
                  otw_idu_prefix_ci(id->model, "AudioAccessory");
    }
    if (s & SVC_PRINTER) {
        id->role_hint = OTW_HINT_IOT;
        type = "Printer";
    } else if (s & SVC_CAMERA) {
        id->role_hint = OTW_HINT_IOT;
        type = "Camera";
    } else if (s & SVC_HOMEKIT) {
        id->role_hint = OTW_HINT_IOT;
        type = "HomeKit Accessory";
    } else if (s & SVC_GOOGLECAST) {
        id->role_hint = OTW_HINT_IOT;
        type = "Google Cast";
    } else if ((s & (SVC_WORKSTATION | SVC_SMB)) || mac) {
        id->role_hint = OTW_HINT_IT_HOST;
        type = "Workstation";
    } else if ((s & SVC_AIRPLAY) || appletv) {
        id->role_hint = OTW_HINT_IOT;
        type = "AirPlay Receiver";
    }
    if (type != NULL)
        otw_idu_cat(id->device_type, sizeof(id->device_type), type);
}

static void record(mdns_state *st, const uint8_t *msg, size_t len, uint16_t type,
                   const uint8_t *owner, size_t owner_len, size_t rd_off, uint16_t rdlen)
{
    uint8_t raw[256];
    size_t n = 0, off = rd_off;
    const uint8_t *rd = msg + rd_off;

    switch (type) {
    case T_A:
    case T_AAAA:
        if (st->host[0] == '\0') {
            clean(st->host, sizeof(st->host), owner, owner_len);
            strip_local(st->host);
        }
        if (type == T_A && rdlen == 4 && !st->have_a) {
            st->have_a = true;
            memcpy(st->a_addr, rd, 4);
            clean(st->a_host, sizeof(st->a_host), owner, owner_len);
            strip_local(st->a_host);
        }
        break;
    case T_PTR:
        if (!otw_idu_dns_name(msg, len, &off, raw, sizeof(raw), &n))
            break;
        if (otw_idu_prefix_ci((const char *)owner, "_services._dns-sd._udp")) {
            note_service(st, raw, n); /* enumeration: the target is a type */
        } else if (owner_len > 0 && owner[0] == '_') {
            note_service(st, owner, owner_len);
            /* target "Instance Name._ipp._tcp.local": the first label */
            if (st->instance[0] == '\0' && n > 0 && raw[0] != '_') {
                size_t k = 0;
                while (k < n && raw[k] != '.')
                    k++;
                clean(st->instance, sizeof(st->instance), raw, k);
            }
        }
        break;
    case T_SRV:
        off += 6; /* priority, weight, port */
        if (rdlen > 6 && otw_idu_dns_name(msg, len, &off, raw, sizeof(raw), &n) &&
            st->srv_host[0] == '\0') {
            clean(st->srv_host, sizeof(st->srv_host), raw, n);
            strip_local(st->srv_host);
        }
        instance_service(st, owner, owner_len);
        break;
    case T_TXT:
        /* "host._device-info._tcp.local" exists only as a TXT record */
        instance_service(st, owner, owner_len);
        txt_record(st, rd, rdlen);
        break;
    default:
        break;
    }
}

otw_parse_status mdns_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink)
{
    (void)session;
    (void)ts_us;
    otw_reader r = rd_init(pdu, pdu ? len : 0);
    (void)rd_be16(&r); /* id: 0 in multicast */
    uint16_t flags = rd_be16(&r);
    uint32_t qd = rd_be16(&r);
    uint32_t rrs = (uint32_t)rd_be16(&r) + rd_be16(&r) + rd_be16(&r);
    if (r.truncated || ((flags >> 11) & 0x0F) != 0)
        return OTW_PARSE_NOT_MINE;

    bool response = (flags & DNS_QR) != 0;
    bool ok = true;
    size_t off = r.off;
    uint32_t budget = MDNS_MAX_RECORDS;
    uint8_t owner[256];
    size_t owner_len = 0;

    for (uint32_t i = 0; i < qd && budget > 0 && ok; i++, budget--) {
        ok = otw_idu_dns_name(pdu, len, &off, owner, sizeof(owner), &owner_len) && off + 4 <= len;
        off += 4; /* type, class */
    }
    if (!response) {
        if (ok)
            return OTW_PARSE_OK;
        if (sink != NULL && sink->anomaly != NULL)
            sink->anomaly(sink->ctx, "mdns_malformed");
        return OTW_PARSE_MALFORMED;
    }

    static const mdns_state zero;
    mdns_state st = zero;
    for (uint32_t i = 0; i < rrs && budget > 0 && ok; i++, budget--) {
        if (!otw_idu_dns_name(pdu, len, &off, owner, sizeof(owner), &owner_len)) {
            ok = false;
            break;
        }
        otw_reader rr = rd_init(pdu, len);
        rr.off = off;
        uint16_t type = rd_be16(&rr);
        (void)rd_be16(&rr); /* class (+ cache-flush bit) */
        (void)rd_be32(&rr); /* TTL */
        uint16_t rdlen = rd_be16(&rr);
        size_t rd_off = rr.off;
        rd_skip(&rr, rdlen);
        if (rr.truncated) {
            ok = false;
            break;
        }
        off = rr.off;
        record(&st, pdu, len, type, owner, owner_len, rd_off, rdlen);
    }

    otw_identity *id = &st.id;
    id->protocol = OTW_PROTO_MDNS;
    id->about = dir;
    id->source = "mdns";
    const char *name = st.host[0]       ? st.host
                       : st.srv_host[0] ? st.srv_host
                       : st.friendly[0] ? st.friendly
                                        : st.instance;
    otw_idu_cat(id->name, sizeof(id->name), name);
    finish_role(&st);
    otw_idu_kv(id->detail, sizeof(id->detail), "services", st.services);
    if (sink != NULL && sink->identity != NULL) {
        if (id->name[0] || id->model[0] || id->product[0] || id->vendor[0] || id->detail[0])
            sink->identity(sink->ctx, id);
        if (st.have_a && st.a_host[0] &&
            (st.a_addr[0] | st.a_addr[1] | st.a_addr[2] | st.a_addr[3]) != 0) {
            otw_identity b;
            memset(&b, 0, sizeof(b));
            b.protocol = OTW_PROTO_MDNS;
            b.about = dir;
            b.source = "mdns address";
            b.has_ip = true;
            otw_idu_map_v4(b.ip, st.a_addr);
            otw_idu_cat(b.name, sizeof(b.name), st.a_host);
            sink->identity(sink->ctx, &b);
        }
    }
    return otw_idu_result(ok, "mdns_malformed", sink);
}

const otw_dissector mdns_dissector = {
    .proto = OTW_PROTO_MDNS,
    .name = "mdns",
    .tcp_ports = {0},
    .udp_ports = {5353},
    .industrial = false,
    .session_size = 0,
    .parse = mdns_parse,
};
