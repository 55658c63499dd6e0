/* decode.c - link, network and transport decoding into a packet view.
 *
 * Specs: IEEE 802.3 (Ethernet II / 802.3 length), IEEE 802.1Q/802.1ad (VLAN
 * tags, QinQ), tcpdump link-layer header types (LINKTYPE_LINUX_SLL, _SLL2,
 * _RAW, _IPV4, _IPV6, _NULL, _LOOP), RFC 826
 * (ARP), RFC 791 (IPv4), RFC 8200 (IPv6 and extension headers), RFC 6946
 * (atomic fragments), RFC 9293 (TCP), RFC 768 (UDP).
 *
 * Every read goes through otw_reader. Lengths from headers only shrink the
 * view. No allocation, no I/O on this path.
 */
#include "decode.h"

#include <string.h>

#include "reader.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_PPPOE_SESSION 0x8864
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ_OLD 0x9100

/* More tags than this is not a real network: stop instead of looping. */
#define MAX_VLAN_TAGS 8
/* Bound on the IPv6 extension header chain. */
#define MAX_IPV6_EXT 8

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_DSTOPTS_ 60

static void copy_mac(uint8_t dst[6], const uint8_t *src)
{
    memcpy(dst, src, 6);
}

/* TCP or UDP over the L4 view r (already limited to the IP payload).
 * cut: the IP view was shorter than the IP header declared. */
static otw_decode_result decode_l4(otw_reader *r, bool cut, otw_packet *out)
{
    if (out->ip_proto == IPPROTO_TCP_) {
        uint16_t sport = rd_be16(r);
        uint16_t dport = rd_be16(r);
        uint32_t seq = rd_be32(r);
        uint32_t ack = rd_be32(r);
        uint16_t off_flags = rd_be16(r);
        rd_skip(r, 6); /* window, checksum, urgent pointer */
        if (r->truncated)
            return cut ? OTW_DECODE_TRUNCATED : OTW_DECODE_MALFORMED;
        size_t doff = (size_t)(off_flags >> 12) * 4;
        if (doff < 20)
            return OTW_DECODE_MALFORMED;
        rd_skip(r, doff - 20); /* options */
        if (r->truncated)
            return cut ? OTW_DECODE_TRUNCATED : OTW_DECODE_MALFORMED;
        out->src_port = sport;
        out->dst_port = dport;
        out->tcp_seq = seq;
        out->tcp_ack = ack;
        out->tcp_flags = (uint8_t)(off_flags & 0xff);
        out->payload_len = (uint32_t)rd_left(r);
        out->payload = out->payload_len ? r->base + r->off : NULL;
        return OTW_DECODE_OK;
    }
    if (out->ip_proto == IPPROTO_UDP_) {
        uint16_t sport = rd_be16(r);
        uint16_t dport = rd_be16(r);
        uint16_t ulen = rd_be16(r);
        rd_skip(r, 2); /* checksum */
        if (r->truncated)
            return cut ? OTW_DECODE_TRUNCATED : OTW_DECODE_MALFORMED;
        if (ulen < 8)
            return OTW_DECODE_MALFORMED;
        out->src_port = sport;
        out->dst_port = dport;
        size_t want = (size_t)ulen - 8;
        size_t have = rd_left(r);
        if (want > have) {
            /* Snaplen (or a lying length): keep what is there. */
            out->l4_truncated = true;
            want = have;
        }
        out->payload_len = (uint32_t)want;
        out->payload = want ? r->base + r->off : NULL;
        return OTW_DECODE_OK;
    }
    return OTW_DECODE_OK; /* ICMP etc.: addresses only */
}

static otw_decode_result decode_ipv4(otw_reader *l2, otw_packet *out)
{
    const uint8_t *start = l2->base + l2->off;
    size_t avail = rd_left(l2);
    otw_reader r = rd_init(start, avail);
    uint8_t ver_ihl = rd_u8(&r);
    if (r.truncated)
        return OTW_DECODE_TRUNCATED;
    if ((ver_ihl >> 4) != 4)
        return OTW_DECODE_MALFORMED;
    size_t ihl = (size_t)(ver_ihl & 0x0f) * 4;
    if (ihl < 20)
        return OTW_DECODE_MALFORMED;
    rd_skip(&r, 1); /* DSCP/ECN */
    size_t total = rd_be16(&r);
    rd_skip(&r, 2); /* identification */
    uint16_t frag = rd_be16(&r);
    uint8_t ttl = rd_u8(&r);
    uint8_t proto = rd_u8(&r);
    rd_skip(&r, 2); /* checksum */
    const uint8_t *src = rd_bytes(&r, 4);
    const uint8_t *dst = rd_bytes(&r, 4);
    rd_skip(&r, ihl - 20); /* options */
    if (r.truncated)
        return OTW_DECODE_TRUNCATED;
    /* Total length 0 is what TSO/GSO packets look like when captured on the
     * sending host: the frame length is all we have. */
    if (total == 0)
        total = avail;
    if (total < ihl)
        return OTW_DECODE_MALFORMED;
    bool cut = false;
    if (total > avail) {
        cut = true;
        total = avail;
        out->l4_truncated = true;
    }
    /* total < avail: Ethernet padding (or trailer), cut off here. */
    out->l3 = OTW_L3_IPV4;
    otw_addr_from_v4(&out->src_ip, src);
    otw_addr_from_v4(&out->dst_ip, dst);
    out->l3_start = start;
    out->l3_len = (uint32_t)total;
    out->ip_proto = proto;
    out->ttl = ttl;
    if ((frag & 0x1fff) != 0 || (frag & 0x2000) != 0) {
        out->fragment = true;
        return OTW_DECODE_OK;
    }
    otw_reader l4 = rd_init(start + ihl, total - ihl);
    return decode_l4(&l4, cut, out);
}

static otw_decode_result decode_ipv6(otw_reader *l2, otw_packet *out)
{
    const uint8_t *start = l2->base + l2->off;
    size_t avail = rd_left(l2);
    otw_reader r = rd_init(start, avail);
    uint32_t vtf = rd_be32(&r);
    if (r.truncated)
        return OTW_DECODE_TRUNCATED;
    if ((vtf >> 28) != 6)
        return OTW_DECODE_MALFORMED;
    size_t plen = rd_be16(&r);
    uint8_t nh = rd_u8(&r);
    uint8_t hlim = rd_u8(&r);
    const uint8_t *src = rd_bytes(&r, 16);
    const uint8_t *dst = rd_bytes(&r, 16);
    if (r.truncated)
        return OTW_DECODE_TRUNCATED;
    size_t have = avail - 40;
    /* 0: a jumbogram or a GSO packet captured on the sender; use the frame. */
    if (plen == 0)
        plen = have;
    bool cut = false;
    if (plen > have) {
        cut = true;
        plen = have;
        out->l4_truncated = true;
    }
    out->l3 = OTW_L3_IPV6;
    memcpy(out->src_ip.b, src, 16);
    memcpy(out->dst_ip.b, dst, 16);
    out->l3_start = start;
    out->l3_len = (uint32_t)(40 + plen);
    out->ttl = hlim;
    out->ip_proto = nh;

    otw_reader p = rd_init(start + 40, plen);
    for (int i = 0;; i++) {
        if (nh != IPPROTO_HOPOPTS_ && nh != IPPROTO_ROUTING_ && nh != IPPROTO_DSTOPTS_ &&
            nh != IPPROTO_FRAGMENT_)
            break;
        if (i == MAX_IPV6_EXT)
            return OTW_DECODE_MALFORMED;
        uint8_t next = rd_u8(&p);
        if (nh == IPPROTO_FRAGMENT_) {
            rd_skip(&p, 1);
            uint16_t offm = rd_be16(&p);
            rd_skip(&p, 4); /* identification */
            if (p.truncated)
                return cut ? OTW_DECODE_TRUNCATED : OTW_DECODE_MALFORMED;
            out->ip_proto = next;
            /* An atomic fragment (offset 0, no M) is a whole packet (RFC 6946). */
            if ((offm & 0xfff8) != 0 || (offm & 1) != 0) {
                out->fragment = true;
                return OTW_DECODE_OK;
            }
        } else {
            size_t hlen = ((size_t)rd_u8(&p) + 1) * 8;
            rd_skip(&p, hlen - 2);
            if (p.truncated)
                return cut ? OTW_DECODE_TRUNCATED : OTW_DECODE_MALFORMED;
            out->ip_proto = next;
        }
        nh = next;
    }
    otw_reader l4 = rd_init(p.base + p.off, rd_left(&p));
    return decode_l4(&l4, cut, out);
}

static otw_decode_result decode_arp(otw_reader *l2, otw_packet *out)
{
    otw_reader r = rd_init(l2->base + l2->off, rd_left(l2));
    uint16_t htype = rd_be16(&r);
    uint16_t ptype = rd_be16(&r);
    uint8_t hlen = rd_u8(&r);
    uint8_t plen = rd_u8(&r);
    uint16_t op = rd_be16(&r);
    if (r.truncated)
        return OTW_DECODE_TRUNCATED;
    if (htype != 1 || ptype != ETH_P_IPV4 || hlen != 6 || plen != 4)
        return OTW_DECODE_OK; /* not Ethernet/IPv4 ARP: stays l3 OTHER */
    const uint8_t *sha = rd_bytes(&r, 6);
    const uint8_t *spa = rd_bytes(&r, 4);
    const uint8_t *tha = rd_bytes(&r, 6);
    const uint8_t *tpa = rd_bytes(&r, 4);
    if (r.truncated)
        return OTW_DECODE_TRUNCATED;
    out->l3 = OTW_L3_ARP;
    out->arp.op = op;
    copy_mac(out->arp.sender_mac, sha);
    otw_addr_from_v4(&out->arp.sender_ip, spa);
    copy_mac(out->arp.target_mac, tha);
    otw_addr_from_v4(&out->arp.target_ip, tpa);
    return OTW_DECODE_OK;
}

/* r is positioned after an ethertype field (Ethernet, SLL, SLL2). */
/* PPP (RFC 1661): an optional address/control pair ff 03 (RFC 1662), then a
 * protocol field of one byte when compressed (RFC 1661 6.5: odd first byte)
 * or two. IPv4 and IPv6 are decoded; LCP, IPCP, authentication and the
 * rest are link traffic of no interest here (decoded, not IP). */
static otw_decode_result decode_ppp(otw_reader *r, otw_packet *out)
{
    if (rd_left(r) >= 2 && r->base[r->off] == 0xff && r->base[r->off + 1] == 0x03)
        rd_skip(r, 2);
    if (rd_left(r) < 1)
        return OTW_DECODE_TRUNCATED;
    uint16_t proto = rd_u8(r);
    if (!(proto & 1)) {
        proto = (uint16_t)(proto << 8 | rd_u8(r));
        if (r->truncated)
            return OTW_DECODE_TRUNCATED;
    }
    if (proto == 0x0021) {
        out->ethertype = ETH_P_IPV4;
        return decode_ipv4(r, out);
    }
    if (proto == 0x0057) {
        out->ethertype = ETH_P_IPV6;
        return decode_ipv6(r, out);
    }
    out->l3 = OTW_L3_OTHER;
    out->payload = r->base + r->off;
    out->payload_len = (uint32_t)rd_left(r);
    return OTW_DECODE_OK;
}

/* A PPPoE session frame (RFC 2516 4): version/type, code, session id and
 * length, then PPP from its protocol field. */
static otw_decode_result decode_pppoe_session(otw_reader *r, otw_packet *out)
{
    rd_skip(r, 6);
    if (r->truncated)
        return OTW_DECODE_TRUNCATED;
    return decode_ppp(r, out);
}

static otw_decode_result decode_ethertype(otw_reader *r, uint16_t type, bool allow_8023,
                                          otw_packet *out)
{
    int tags = 0;
    while (type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ_OLD) {
        if (tags == MAX_VLAN_TAGS)
            return OTW_DECODE_MALFORMED;
        uint16_t tci = rd_be16(r);
        type = rd_be16(r);
        if (r->truncated)
            return OTW_DECODE_TRUNCATED;
        if (out->n_vlans < OTW_MAX_VLANS)
            out->vlan[out->n_vlans++] = tci & 0x0fff;
        tags++;
    }
    out->ethertype = type;
    out->payload = r->base + r->off;
    out->payload_len = (uint32_t)rd_left(r);
    if (allow_8023 && type <= 1500) {
        /* 802.3 length field (LLC follows): it can only shrink the view. */
        if (type < out->payload_len)
            out->payload_len = type;
        out->l3 = OTW_L3_OTHER;
        return OTW_DECODE_OK;
    }
    switch (type) {
    case ETH_P_IPV4:
    case ETH_P_IPV6: {
        const uint8_t *l2_payload = out->payload;
        uint32_t l2_len = out->payload_len;
        out->payload = NULL;
        out->payload_len = 0;
        otw_decode_result res = type == ETH_P_IPV4 ? decode_ipv4(r, out) : decode_ipv6(r, out);
        if (out->l3 == OTW_L3_NONE) {
            /* IP header unusable: keep the L2 payload for whoever wants it. */
            out->payload = l2_payload;
            out->payload_len = l2_len;
        }
        return res;
    }
    case ETH_P_ARP:
        out->l3 = OTW_L3_OTHER;
        return decode_arp(r, out);
    case ETH_P_PPPOE_SESSION:
        return decode_pppoe_session(r, out);
    default:
        out->l3 = OTW_L3_OTHER;
        return OTW_DECODE_OK;
    }
}

static otw_decode_result decode_raw_ip(otw_reader *r, otw_packet *out)
{
    if (rd_left(r) < 1)
        return OTW_DECODE_TRUNCATED;
    uint8_t v = r->base[r->off] >> 4;
    if (v == 4) {
        out->ethertype = ETH_P_IPV4;
        return decode_ipv4(r, out);
    }
    if (v == 6) {
        out->ethertype = ETH_P_IPV6;
        return decode_ipv6(r, out);
    }
    return OTW_DECODE_MALFORMED;
}

otw_decode_result otw_decode(int dlt, const uint8_t *frame, uint32_t caplen, uint32_t wire_len,
                             uint64_t ts_us, otw_packet *out)
{
    memset(out, 0, sizeof(*out));
    out->ts_us = ts_us;
    out->wire_len = wire_len;
    otw_reader r = rd_init(frame, frame ? caplen : 0);

    switch (dlt) {
    case OTW_DLT_EN10MB: {
        const uint8_t *dst = rd_bytes(&r, 6);
        const uint8_t *src = rd_bytes(&r, 6);
        uint16_t type = rd_be16(&r);
        if (r.truncated)
            return OTW_DECODE_TRUNCATED;
        out->has_mac = true;
        copy_mac(out->dst_mac, dst);
        copy_mac(out->src_mac, src);
        return decode_ethertype(&r, type, true, out);
    }
    case OTW_DLT_LINUX_SLL: {
        /* packet type, ARPHRD type, address length, address[8], protocol */
        rd_skip(&r, 2);
        uint16_t hatype = rd_be16(&r);
        uint16_t alen = rd_be16(&r);
        const uint8_t *addr = rd_bytes(&r, 8);
        uint16_t proto = rd_be16(&r);
        if (r.truncated)
            return OTW_DECODE_TRUNCATED;
        /* Only the sender's address is known; 1 = ARPHRD_ETHER. */
        if (hatype == 1 && alen == 6) {
            out->has_mac = true;
            copy_mac(out->src_mac, addr);
        }
        /* protocol < 0x0600 are Linux pseudo types (802.3, 802.2 LLC, ...). */
        return decode_ethertype(&r, proto, false, out);
    }
    case OTW_DLT_LINUX_SLL2: {
        /* protocol, reserved, ifindex, ARPHRD type, packet type, addr len, addr[8] */
        uint16_t proto = rd_be16(&r);
        rd_skip(&r, 6);
        uint16_t hatype = rd_be16(&r);
        rd_skip(&r, 1);
        uint8_t alen = rd_u8(&r);
        const uint8_t *addr = rd_bytes(&r, 8);
        if (r.truncated)
            return OTW_DECODE_TRUNCATED;
        if (hatype == 1 && alen == 6) {
            out->has_mac = true;
            copy_mac(out->src_mac, addr);
        }
        return decode_ethertype(&r, proto, false, out);
    }
    case OTW_DLT_RAW:
    case 12: /* DLT_RAW on most BSDs */
    case 14: /* DLT_RAW on OpenBSD */
    case OTW_DLT_IPV4:
    case OTW_DLT_IPV6:
        return decode_raw_ip(&r, out);
    case OTW_DLT_PPP:
    case OTW_DLT_PPP_SERIAL:
        return decode_ppp(&r, out);
    case OTW_DLT_PPP_ETHER:
        return decode_pppoe_session(&r, out);
    case OTW_DLT_C_HDLC: {
        /* Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control 0,
         * then an Ethertype. */
        rd_skip(&r, 2);
        uint16_t type = rd_be16(&r);
        if (r.truncated)
            return OTW_DECODE_TRUNCATED;
        return decode_ethertype(&r, type, false, out);
    }
    case OTW_DLT_NULL:
    case OTW_DLT_LOOP: {
        /* The family's byte order is the capturing host's: accept both. */
        uint32_t fam = rd_le32(&r);
        if (r.truncated)
            return OTW_DECODE_TRUNCATED;
        if (fam > 0xffff)
            fam = __builtin_bswap32(fam);
        /* AF_INET is 2 everywhere; AF_INET6 is 10, 24, 28 or 30 by OS. */
        if (fam == 2 || fam == 10 || fam == 24 || fam == 28 || fam == 30)
            return decode_raw_ip(&r, out);
        out->l3 = OTW_L3_OTHER;
        out->payload = r.base + r.off;
        out->payload_len = (uint32_t)rd_left(&r);
        return OTW_DECODE_OK;
    }
    default:
        return OTW_DECODE_UNSUPPORTED_LINK;
    }
}

bool otw_decode_link_supported(int dlt)
{
    /* An empty frame: the link switch answers "unsupported" before it
     * reads a byte, so the list of link types stays in one place. */
    otw_packet p;
    return otw_decode(dlt, NULL, 0, 0, 0, &p) != OTW_DECODE_UNSUPPORTED_LINK;
}
