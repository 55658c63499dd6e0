/* decode.h - link, network and transport decoding into a packet view.
 *
 * The view points into the captured frame (no copies). Every length read
 * from a header can only shrink the view (an IPv4 total length larger than
 * the frame is clamped; trailing Ethernet padding is cut off).
 */
#ifndef OTW_DECODE_H
#define OTW_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* DLT values we decode (pcap-linktype(7)). */
#define OTW_DLT_EN10MB 1
#define OTW_DLT_LINUX_SLL 113
#define OTW_DLT_LINUX_SLL2 276
#define OTW_DLT_RAW 101       /* raw IPv4/IPv6, also DLT_RAW=12/14 on some systems */
#define OTW_DLT_NULL 0        /* BSD loopback: 4-byte address family, host byte order */
#define OTW_DLT_LOOP 108      /* OpenBSD loopback: same, network byte order */
#define OTW_DLT_IPV4 228      /* raw IPv4 */
#define OTW_DLT_IPV6 229      /* raw IPv6 */
#define OTW_DLT_PPP 9         /* PPP, RFC 1661/1662 */
#define OTW_DLT_PPP_SERIAL 50 /* PPP in HDLC-like framing */
#define OTW_DLT_PPP_ETHER 51  /* PPPoE session payload, RFC 2516 */
#define OTW_DLT_C_HDLC 104    /* Cisco HDLC */

#define OTW_MAX_VLANS 2

typedef enum otw_l3 { OTW_L3_NONE = 0, OTW_L3_ARP, OTW_L3_IPV4, OTW_L3_IPV6, OTW_L3_OTHER } otw_l3;

typedef struct otw_arp {
    uint16_t op; /* 1 request, 2 reply */
    uint8_t sender_mac[6];
    otw_addr sender_ip;
    uint8_t target_mac[6];
    otw_addr target_ip;
} otw_arp;

typedef struct otw_packet {
    uint64_t ts_us;
    uint32_t wire_len; /* original length on the wire */
    bool has_mac;      /* false for SLL without ll address / raw IP */
    uint8_t src_mac[6];
    uint8_t dst_mac[6];
    uint8_t n_vlans;
    uint16_t vlan[OTW_MAX_VLANS]; /* outermost first */
    uint16_t ethertype;           /* after VLAN tags */
    otw_l3 l3;
    otw_arp arp; /* when l3 == ARP */
    otw_addr src_ip, dst_ip;
    const uint8_t *l3_start; /* IP header (what nDPI wants) */
    uint32_t l3_len;
    uint8_t ip_proto; /* 6 TCP, 17 UDP, ... */
    uint8_t ttl;
    bool fragment; /* IPv4/IPv6 fragment: L4 not decoded */
    uint16_t src_port, dst_port;
    uint8_t tcp_flags; /* TH_SYN etc. */
    uint32_t tcp_seq, tcp_ack;
    const uint8_t *payload; /* L4 payload (TCP/UDP), or L2 payload for other ethertypes */
    uint32_t payload_len;
    bool l4_truncated; /* snaplen cut the payload short */
} otw_packet;

#define OTW_TCP_FIN 0x01
#define OTW_TCP_SYN 0x02
#define OTW_TCP_RST 0x04
#define OTW_TCP_PSH 0x08
#define OTW_TCP_ACK 0x10

/* Why decoding stopped early; counted by the caller. */
typedef enum otw_decode_result {
    OTW_DECODE_OK = 0,    /* view filled as far as the packet goes */
    OTW_DECODE_TRUNCATED, /* a header was cut short */
    OTW_DECODE_UNSUPPORTED_LINK,
    OTW_DECODE_MALFORMED /* impossible header values */
} otw_decode_result;

/* Whether frames of this link type (DLT) can be decoded at all. */
bool otw_decode_link_supported(int dlt);

/* Decodes one frame. caplen bytes are present of wire_len. */
otw_decode_result otw_decode(int dlt, const uint8_t *frame, uint32_t caplen, uint32_t wire_len,
                             uint64_t ts_us, otw_packet *out);

#endif
