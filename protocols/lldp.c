/* lldp.c - LLDP identity dissector.
 *
 * Specs: IEEE Std 802.1AB-2016 clause 8 (LLDPDU: 8.5 basic TLVs, figure 8-1
 * TLV header = 7-bit type + 9-bit length; 8.5.8 system capabilities, table
 * 8-4; 8.5.9 management address), ANSI/TIA-1057 section 10.2.6 (LLDP-MED
 * inventory TLVs, OUI 00-12-BB subtypes 5..10).
 *
 * Emitted (no operations): one identity about the sender: name = System
 * Name, product = System Description, revision = the version found in the
 * description (or the LLDP-MED firmware/software revision), vendor/model/
 * serial from LLDP-MED inventory, detail "caps=bridge,router;mgmt=10.0.0.1;
 * port=Gi0/1", role hint network for an enabled bridge, router, WLAN access
 * point or repeater, iot for a telephone. Other organizationally specific
 * TLVs (IEEE 802.1, 802.3, PROFINET, ...) are skipped.
 * Choices: the first TLV must be the Chassis ID (else MALFORMED, nothing
 * emitted); the walk stops at End of LLDPDU (frame padding and FCS follow);
 * a TLV running past the frame is MALFORMED but what came before is used.
 * The chassis MAC is not used as the sender's: the sensor takes the frame's
 * source MAC (has_mac stays false).
 */
#include "lldp.h"

#include "idutil.h"
#include "reader.h"

#include <string.h>

enum {
    TLV_END = 0,
    TLV_CHASSIS = 1,
    TLV_PORT = 2,
    TLV_TTL = 3,
    TLV_PORT_DESC = 4,
    TLV_SYS_NAME = 5,
    TLV_SYS_DESC = 6,
    TLV_SYS_CAPS = 7,
    TLV_MGMT_ADDR = 8,
    TLV_ORG = 127,
};

#define CAP_REPEATER 0x0002
#define CAP_BRIDGE 0x0004
#define CAP_WLAN_AP 0x0008
#define CAP_ROUTER 0x0010
#define CAP_TELEPHONE 0x0020

static const char *const cap_names[] = {
    "other",  "repeater", "bridge", "wlan_ap", "router", "telephone",
    "docsis", "station",  "cvlan",  "svlan",   "tpmr",
};

static void caps_detail(otw_identity *id, uint16_t caps)
{
    char list[96];
    otw_idu_bit_names(list, sizeof(list), caps, cap_names,
                      sizeof(cap_names) / sizeof(cap_names[0]));
    otw_idu_kv(id->detail, sizeof(id->detail), "caps", list);
    if (caps & (CAP_BRIDGE | CAP_ROUTER | CAP_WLAN_AP | CAP_REPEATER))
        id->role_hint = OTW_HINT_NETWORK;
    else if (caps & CAP_TELEPHONE)
        id->role_hint = OTW_HINT_IOT;
}

/* Management address TLV: address string length (subtype + address),
 * subtype (IANA address family: 1 IPv4, 2 IPv6), address, then interface
 * and OID fields, not used. */
static bool mgmt_addr(otw_reader *t, char *out, size_t outsz)
{
    uint8_t slen = rd_u8(t);
    uint8_t subtype = rd_u8(t);
    const uint8_t *addr = rd_bytes(t, slen > 0 ? slen - 1u : 0u);
    if (t->truncated || slen < 2 || slen > 32)
        return false;
    if (subtype == 1 && slen == 5)
        otw_idu_ipv4(out, outsz, addr);
    else if (subtype == 2 && slen == 17)
        otw_idu_hex(out, outsz, addr, 16, ':'); /* bytes, not RFC 5952 text */
    return true;
}

static void med_inventory(otw_identity *id, uint8_t subtype, const uint8_t *v, size_t n)
{
    switch (subtype) {
    case 6: /* firmware revision */
    case 7: /* software revision: used when no firmware revision came first */
        if (subtype == 6 || id->revision[0] == '\0')
            otw_copy_wire_string(id->revision, sizeof(id->revision), v, n);
        break;
    case 8:
        otw_copy_wire_string(id->serial, sizeof(id->serial), v, n);
        break;
    case 9:
        otw_copy_wire_string(id->vendor, sizeof(id->vendor), v, n);
        break;
    case 10:
        otw_copy_wire_string(id->model, sizeof(id->model), v, n);
        break;
    default:
        break; /* 5 hardware revision, 11 asset id */
    }
}

otw_parse_status lldp_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink)
{
    (void)session;
    (void)ts_us;
    otw_reader r = rd_init(pdu, pdu ? len : 0);
    otw_identity id;
    char sysdesc[256] = "";
    char port[64] = "", port_desc[64] = "", mgmt[48] = "";
    bool have_caps = false, ok = true, first = true, any = false;
    uint16_t caps = 0;

    memset(&id, 0, sizeof(id));
    id.protocol = OTW_PROTO_LLDP;
    id.about = dir;
    id.source = "lldp";
    while (rd_left(&r) > 0) {
        uint16_t hdr = rd_be16(&r);
        uint8_t type = (uint8_t)(hdr >> 9);
        uint16_t tlen = hdr & 0x1FF;
        otw_reader t = rd_sub(&r, tlen);
        if (r.truncated || (first && type != TLV_CHASSIS)) {
            ok = false;
            break;
        }
        first = false;
        if (type == TLV_END)
            break;
        const uint8_t *v = t.base;
        switch (type) {
        case TLV_PORT:
            if (tlen >= 2)
                otw_copy_wire_string(port, sizeof(port), v + 1, tlen - 1u);
            break;
        case TLV_PORT_DESC:
            otw_copy_wire_string(port_desc, sizeof(port_desc), v, tlen);
            break;
        case TLV_SYS_NAME:
            otw_copy_wire_string(id.name, sizeof(id.name), v, tlen);
            any = true;
            break;
        case TLV_SYS_DESC:
            otw_copy_wire_string(sysdesc, sizeof(sysdesc), v, tlen);
            otw_copy_wire_string(id.product, sizeof(id.product), v, tlen);
            any = true;
            break;
        case TLV_SYS_CAPS:
            (void)rd_be16(&t);  /* system capabilities */
            caps = rd_be16(&t); /* enabled capabilities */
            have_caps = !t.truncated;
            any = any || have_caps;
            break;
        case TLV_MGMT_ADDR:
            if (mgmt[0] == '\0' && !mgmt_addr(&t, mgmt, sizeof(mgmt)))
                ok = false;
            break;
        case TLV_ORG:
            /* OUI 00-12-BB = TIA (LLDP-MED); the rest is skipped. */
            if (tlen >= 4 && v[0] == 0x00 && v[1] == 0x12 && v[2] == 0xBB) {
                med_inventory(&id, v[3], v + 4, tlen - 4u);
                any = true;
            }
            break;
        default:
            break; /* chassis, TTL, reserved */
        }
    }

    if (ok || any) {
        if (have_caps)
            caps_detail(&id, caps);
        otw_idu_kv(id.detail, sizeof(id.detail), "mgmt", mgmt);
        otw_idu_kv(id.detail, sizeof(id.detail), "port", port_desc[0] ? port_desc : port);
        if (id.revision[0] == '\0')
            otw_idu_version(sysdesc, id.revision, sizeof(id.revision));
        if (any && sink != NULL && sink->identity != NULL)
            sink->identity(sink->ctx, &id);
    }
    return otw_idu_result(ok, "lldp_malformed", sink);
}

const otw_dissector lldp_dissector = {
    .proto = OTW_PROTO_LLDP,
    .name = "lldp",
    .tcp_ports = {0},
    .udp_ports = {0},
    .ethertypes = {LLDP_ETHERTYPE},
    .industrial = false,
    .session_size = 0,
    .parse = lldp_parse,
};
