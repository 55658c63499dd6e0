/* cdp.c - CDP identity dissector.
 *
 * Spec: Cisco Discovery Protocol packet format as published by Cisco
 * (header: version 1/2, TTL, checksum; TLVs: 16-bit type, 16-bit length
 * that includes the 4-byte TLV header). TLVs used: 0x0001 Device ID,
 * 0x0002 Addresses, 0x0003 Port ID, 0x0004 Capabilities, 0x0005 Software
 * Version, 0x0006 Platform, 0x000A Native VLAN, 0x0016 Management
 * Addresses (same layout as 0x0002).
 *
 * Emitted (no operations): one identity about the sender: vendor "Cisco",
 * name = Device ID, model = Platform, product = first line of the software
 * version up to its first ',' ("Cisco IOS Software"), revision = its
 * "Version x" token, detail "caps=router,switch;port=Gi0/1;addr=10.0.0.1;
 * vlan=10", role hint network for router/bridge/switch/repeater, iot for a
 * VoIP phone, it_host for a host (in that order of precedence: phones also
 * set the host bit).
 * Choices: a TLV shorter than its header or running past the frame ends
 * the walk as MALFORMED (what came before is used); the checksum is not
 * verified (frames are often cut by the capture); version other than 1/2
 * is NOT_MINE.
 */
#include "cdp.h"

#include "idutil.h"
#include "reader.h"

#include <string.h>

enum {
    CDP_DEVICE_ID = 0x0001,
    CDP_ADDRESSES = 0x0002,
    CDP_PORT_ID = 0x0003,
    CDP_CAPABILITIES = 0x0004,
    CDP_SOFTWARE = 0x0005,
    CDP_PLATFORM = 0x0006,
    CDP_NATIVE_VLAN = 0x000A,
    CDP_MGMT_ADDRESSES = 0x0016,
};

#define CAP_ROUTER 0x01
#define CAP_TB_BRIDGE 0x02
#define CAP_SR_BRIDGE 0x04
#define CAP_SWITCH 0x08
#define CAP_HOST 0x10
#define CAP_REPEATER 0x40
#define CAP_PHONE 0x80

#define CDP_MAX_ADDRESSES 8 /* looked at per TLV */

static const char *const cap_names[] = {
    "router", "tb_bridge", "sr_bridge", "switch", "host", "igmp", "repeater", "phone", "managed",
};

static void caps_detail(otw_identity *id, uint32_t caps)
{
    char list[96];
    otw_idu_bit_names(list, sizeof(list), caps, cap_names,
                      sizeof(cap_names) / sizeof(cap_names[0]));
    otw_idu_kv(id->detail, sizeof(id->detail), "caps", list);
    if (caps & (CAP_ROUTER | CAP_TB_BRIDGE | CAP_SR_BRIDGE | CAP_SWITCH | CAP_REPEATER))
        id->role_hint = OTW_HINT_NETWORK;
    else if (caps & CAP_PHONE)
        id->role_hint = OTW_HINT_IOT;
    else if (caps & CAP_HOST)
        id->role_hint = OTW_HINT_IT_HOST;
}

/* Addresses: count (4), then per address: protocol type (1: NLPID, 2:
 * 802.2), protocol length, protocol, address length (2), address. Takes
 * the first IPv4 address (NLPID 0xCC). */
static bool first_ipv4(otw_reader *t, char *out, size_t outsz)
{
    uint32_t n = rd_be32(t);
    for (uint32_t i = 0; i < n && i < CDP_MAX_ADDRESSES && !t->truncated; i++) {
        uint8_t ptype = rd_u8(t);
        uint8_t plen = rd_u8(t);
        const uint8_t *proto = rd_bytes(t, plen);
        uint16_t alen = rd_be16(t);
        const uint8_t *addr = rd_bytes(t, alen);
        if (t->truncated)
            return false;
        if (out[0] == '\0' && ptype == 1 && plen == 1 && proto[0] == 0xCC && alen == 4)
            otw_idu_ipv4(out, outsz, addr);
    }
    return !t->truncated;
}

/* "Cisco IOS Software, C3750 Software (...), Version 12.2(55)SE, ..." ->
 * "Cisco IOS Software": up to the first ',' or line end. */
static void software_product(char *dst, size_t dstsz, const uint8_t *v, size_t n)
{
    size_t k = 0;
    while (k < n && v[k] != ',' && v[k] != '\n' && v[k] != '\r')
        k++;
    otw_copy_wire_string(dst, dstsz, v, k);
    /* trailing blanks */
    size_t l = strlen(dst);
    while (l > 0 && dst[l - 1] == ' ')
        dst[--l] = '\0';
}

otw_parse_status cdp_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                           uint64_t ts_us, const otw_sink *sink)
{
    (void)session;
    (void)ts_us;
    otw_reader r = rd_init(pdu, pdu ? len : 0);
    uint8_t version = rd_u8(&r);
    rd_skip(&r, 3); /* TTL, checksum */
    if (r.truncated || (version != 1 && version != 2))
        return OTW_PARSE_NOT_MINE;

    otw_identity id;
    char sw[256] = "", port[64] = "", addr[24] = "", vlan[8] = "";
    bool ok = true, any = false, have_caps = false;
    uint32_t caps = 0;

    memset(&id, 0, sizeof(id));
    id.protocol = OTW_PROTO_CDP;
    id.about = dir;
    id.source = "cdp";
    while (rd_left(&r) >= 4) {
        uint16_t type = rd_be16(&r);
        uint16_t tlen = rd_be16(&r);
        if (tlen < 4) {
            ok = false;
            break;
        }
        otw_reader t = rd_sub(&r, tlen - 4u);
        if (r.truncated) {
            ok = false;
            break;
        }
        const uint8_t *v = t.base;
        size_t n = t.len;
        switch (type) {
        case CDP_DEVICE_ID:
            otw_copy_wire_string(id.name, sizeof(id.name), v, n);
            any = true;
            break;
        case CDP_ADDRESSES:
        case CDP_MGMT_ADDRESSES:
            if (!first_ipv4(&t, addr, sizeof(addr)))
                ok = false;
            break;
        case CDP_PORT_ID:
            otw_copy_wire_string(port, sizeof(port), v, n);
            break;
        case CDP_CAPABILITIES:
            caps = rd_be32(&t);
            have_caps = !t.truncated;
            any = any || have_caps;
            break;
        case CDP_SOFTWARE:
            otw_copy_wire_string(sw, sizeof(sw), v, n);
            software_product(id.product, sizeof(id.product), v, n);
            any = true;
            break;
        case CDP_PLATFORM:
            otw_copy_wire_string(id.model, sizeof(id.model), v, n);
            any = true;
            break;
        case CDP_NATIVE_VLAN: {
            uint16_t vid = rd_be16(&t);
            if (!t.truncated)
                otw_idu_u32(vlan, sizeof(vlan), vid);
            break;
        }
        default:
            break;
        }
    }
    if (rd_left(&r) > 0)
        ok = false; /* 1..3 stray bytes: not a TLV */

    if (any) {
        otw_idu_cat(id.vendor, sizeof(id.vendor), "Cisco");
        otw_idu_version(sw, id.revision, sizeof(id.revision));
        if (have_caps)
            caps_detail(&id, caps);
        otw_idu_kv(id.detail, sizeof(id.detail), "port", port);
        otw_idu_kv(id.detail, sizeof(id.detail), "addr", addr);
        otw_idu_kv(id.detail, sizeof(id.detail), "vlan", vlan);
        if (sink != NULL && sink->identity != NULL)
            sink->identity(sink->ctx, &id);
    }
    return otw_idu_result(ok, "cdp_malformed", sink);
}

const otw_dissector cdp_dissector = {
    .proto = OTW_PROTO_CDP,
    .name = "cdp",
    .tcp_ports = {0},
    .udp_ports = {0},
    .ethertypes = {CDP_SNAP_PID},
    .industrial = false,
    .session_size = 0,
    .parse = cdp_parse,
};
