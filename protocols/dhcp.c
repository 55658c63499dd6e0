/* dhcp.c - BOOTP/DHCP identity dissector.
 *
 * Specs: RFC 951 (BOOTP), RFC 2131 section 2 (message format, figure 1;
 * table 5 for ciaddr), RFC 2132 (options: 12 Host Name 3.14, 50 Requested
 * IP 9.1, 53 Message Type 9.6, 55 Parameter Request List 9.8, 60 Vendor
 * Class Identifier 9.13, 61 Client Identifier 9.14), RFC 1497 magic cookie.
 *
 * What is emitted (no operations: DHCP is not an industrial protocol):
 * - DISCOVER, REQUEST, INFORM (and a plain BOOTP request): an identity
 *   about the client hardware address (has_mac, Ethernet only): name =
 *   option 12, detail = "vendor_class=...;params=1,3,6;client_id=01:..."
 *   and a role hint from the vendor class. A REQUEST or INFORM with a
 *   non-zero ciaddr also binds that address (RFC 2131 table 5: ciaddr is
 *   the client's own address in BOUND/RENEWING/REBINDING and INFORM).
 * - ACK (and a plain BOOTP reply) with a non-zero yiaddr: has_mac + has_ip,
 *   which binds the client MAC to its assigned address. An OFFER is only a
 *   proposal and binds nothing; option 60 in server messages echoes the
 *   client's class and is ignored.
 * Choices: the option overload of sname/file (option 52) is not followed;
 * a datagram shorter than the fixed header or with op not 1/2 is NOT_MINE;
 * an option running past the end is MALFORMED (what was read before is
 * still used).
 */
#include "dhcp.h"

#include "idutil.h"
#include "reader.h"

#include <string.h>

#define DHCP_COOKIE 0x63825363u

enum {
    DHCPDISCOVER = 1,
    DHCPOFFER = 2,
    DHCPREQUEST = 3,
    DHCPDECLINE = 4,
    DHCPACK = 5,
    DHCPNAK = 6,
    DHCPRELEASE = 7,
    DHCPINFORM = 8,
};

/* Vendor class markers whose meaning is well known. dhcpcd (Linux,
 * Raspberry Pi, Android), udhcp (BusyBox) and android-dhcp get NO hint: the
 * same stacks run office PCs, phones, embedded controllers and gateways. */
static const struct {
    const char *marker;
    bool prefix; /* else substring */
    otw_role_hint hint;
} vendor_classes[] = {
    {"MSFT", true, OTW_HINT_IT_HOST},     /* "MSFT 5.0" Windows 2000+, "MSFT 98" */
    {"JetDirect", false, OTW_HINT_IOT},   /* "Hewlett-Packard JetDirect" print servers */
    {"Canon", true, OTW_HINT_IOT},        /* Canon printers */
    {"ArubaAP", true, OTW_HINT_NETWORK},  /* Aruba access points */
    {"Cisco AP", true, OTW_HINT_NETWORK}, /* "Cisco AP c1240" access points */
};

otw_role_hint dhcp_vendor_class_hint(const char *vc)
{
    if (vc == NULL)
        return OTW_HINT_NONE;
    for (size_t i = 0; i < sizeof(vendor_classes) / sizeof(vendor_classes[0]); i++) {
        const char *m = vendor_classes[i].marker;
        bool hit =
            vendor_classes[i].prefix ? strncmp(vc, m, strlen(m)) == 0 : strstr(vc, m) != NULL;
        if (hit)
            return vendor_classes[i].hint;
    }
    return OTW_HINT_NONE;
}

typedef struct dhcp_opts {
    uint8_t msg_type; /* 0 = none (BOOTP) */
    const uint8_t *hostname, *vendor_class, *params, *client_id;
    uint8_t hostname_len, vendor_class_len, params_len, client_id_len;
} dhcp_opts;

/* Walks the options; false if one runs past the end. Each step consumes at
 * least one byte, so the walk is bounded by the datagram size. */
static bool parse_options(otw_reader *r, dhcp_opts *o)
{
    while (rd_left(r) > 0) {
        uint8_t code = rd_u8(r);
        if (code == 0)
            continue; /* Pad */
        if (code == 255)
            return true; /* End */
        uint8_t n = rd_u8(r);
        const uint8_t *v = rd_bytes(r, n);
        if (v == NULL)
            return false;
        switch (code) {
        case 12:
            o->hostname = v;
            o->hostname_len = n;
            break;
        case 53:
            if (n >= 1)
                o->msg_type = v[0];
            break;
        case 55:
            o->params = v;
            o->params_len = n;
            break;
        case 60:
            o->vendor_class = v;
            o->vendor_class_len = n;
            break;
        case 61:
            o->client_id = v;
            o->client_id_len = n;
            break;
        default:
            break;
        }
    }
    return true; /* no End option: tolerated */
}

static bool nonzero4(const uint8_t *p)
{
    return (p[0] | p[1] | p[2] | p[3]) != 0;
}

static void client_identity(otw_identity *id, const dhcp_opts *o)
{
    char vc[64];
    otw_copy_wire_string(id->name, sizeof(id->name), o->hostname, o->hostname_len);
    otw_copy_wire_string(vc, sizeof(vc), o->vendor_class, o->vendor_class_len);
    otw_idu_kv(id->detail, sizeof(id->detail), "vendor_class", vc);
    if (o->params_len > 0) {
        char list[96] = "";
        char num[4];
        for (size_t i = 0; i < o->params_len; i++) {
            otw_idu_u32(num, sizeof(num), o->params[i]);
            if (strlen(list) + strlen(num) + 2 >= sizeof(list))
                break; /* cut at a whole number */
            if (i > 0)
                otw_idu_cat(list, sizeof(list), ",");
            otw_idu_cat(list, sizeof(list), num);
        }
        otw_idu_kv(id->detail, sizeof(id->detail), "params", list);
    }
    if (o->client_id_len > 0) {
        char hex[3 * 20];
        otw_idu_hex(hex, sizeof(hex), o->client_id, o->client_id_len, ':');
        otw_idu_kv(id->detail, sizeof(id->detail), "client_id", hex);
    }
    id->role_hint = dhcp_vendor_class_hint(vc);
}

otw_parse_status dhcp_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink)
{
    (void)session;
    (void)ts_us;
    otw_reader r = rd_init(pdu, pdu ? len : 0);
    uint8_t op = rd_u8(&r);
    uint8_t htype = rd_u8(&r);
    uint8_t hlen = rd_u8(&r);
    rd_skip(&r, 1 + 4 + 2 + 2); /* hops, xid, secs, flags */
    const uint8_t *ciaddr = rd_bytes(&r, 4);
    const uint8_t *yiaddr = rd_bytes(&r, 4);
    rd_skip(&r, 8); /* siaddr, giaddr */
    const uint8_t *chaddr = rd_bytes(&r, 16);
    rd_skip(&r, 64 + 128); /* sname, file */
    if (r.truncated || (op != 1 && op != 2) || hlen > 16)
        return OTW_PARSE_NOT_MINE;

    dhcp_opts o;
    memset(&o, 0, sizeof(o));
    bool ok = true;
    if (rd_left(&r) >= 4) {
        if (rd_be32(&r) == DHCP_COOKIE)
            ok = parse_options(&r, &o);
        /* else: BOOTP vendor area, not decoded */
    }

    otw_identity id;
    memset(&id, 0, sizeof(id));
    id.protocol = OTW_PROTO_DHCP;
    id.about = dir;
    /* Only an Ethernet unicast hardware address names a device. */
    bool ethernet = htype == 1 && hlen == 6 && (chaddr[0] & 1) == 0 &&
                    (chaddr[0] | chaddr[1] | chaddr[2] | chaddr[3] | chaddr[4] | chaddr[5]) != 0;
    bool emit = false;
    if (op == 1 && (o.msg_type == DHCPDISCOVER || o.msg_type == DHCPREQUEST ||
                    o.msg_type == DHCPINFORM || o.msg_type == 0)) {
        id.source = "dhcp client";
        client_identity(&id, &o);
        if ((o.msg_type == DHCPREQUEST || o.msg_type == DHCPINFORM) && nonzero4(ciaddr)) {
            id.has_ip = true;
            otw_idu_map_v4(id.ip, ciaddr);
        }
        emit = ethernet;
    } else if (op == 2 && (o.msg_type == DHCPACK || o.msg_type == 0) && nonzero4(yiaddr)) {
        id.source = "dhcp ack";
        id.has_ip = true;
        otw_idu_map_v4(id.ip, yiaddr);
        /* A host name in the ACK is the one the server gives the client. */
        otw_copy_wire_string(id.name, sizeof(id.name), o.hostname, o.hostname_len);
        emit = ethernet;
    }
    if (emit) {
        id.has_mac = true;
        memcpy(id.mac, chaddr, 6);
        if (sink != NULL && sink->identity != NULL)
            sink->identity(sink->ctx, &id);
    }
    return otw_idu_result(ok, "dhcp_malformed", sink);
}

const otw_dissector dhcp_dissector = {
    .proto = OTW_PROTO_DHCP,
    .name = "dhcp",
    .tcp_ports = {0},
    .udp_ports = {67, 68},
    .industrial = false,
    .session_size = 0,
    .session_init = NULL,
    .frame_len = NULL,
    .parse = dhcp_parse,
    .expire = NULL,
};
