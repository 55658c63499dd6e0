/* addr.h - IP and MAC addresses: the one representation every layer shares,
 * with parsing and formatting. */
#ifndef OTW_ADDR_H
#define OTW_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* An IP address, IPv4 stored as IPv4-mapped IPv6 (::ffff:a.b.c.d). */
typedef struct otw_addr {
    uint8_t b[16];
} otw_addr;

/* Inline: both run for every packet, from other layers' files. */
static inline bool otw_addr_is_v4(const otw_addr *a)
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a->b, prefix, sizeof(prefix)) == 0;
}

static inline void otw_addr_from_v4(otw_addr *a, const uint8_t v4[4])
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memcpy(a->b, prefix, sizeof(prefix));
    memcpy(a->b + 12, v4, 4);
}
/* An address one device can hold: not multicast, limited broadcast,
 * unspecified or loopback. (A subnet's broadcast address cannot be told
 * without its mask: the frame's destination MAC tells it.) */
bool otw_addr_is_unicast(const otw_addr *a);
/* A broadcast or multicast address: IPv4 224/4 (multicast) and
 * 255.255.255.255, IPv6 ff00::/8. A subnet broadcast needs the
 * frame's destination MAC to be told. Inline: runs on new flows. */
static inline bool otw_addr_is_group(const otw_addr *a)
{
    if (!otw_addr_is_v4(a))
        return a->b[0] == 0xff;
    /* 224/4 multicast, 255.255.255.255; 240/4 is reserved but unicast in
     * form (anonymised captures map devices there) */
    const uint8_t *v = a->b + 12;
    return (v[0] & 0xf0) == 0xe0 || (v[0] == 255 && v[1] == 255 && v[2] == 255 && v[3] == 255);
}
/* Formats into buf (>= 46 bytes): dotted quad for IPv4, RFC 5952 for IPv6. */
const char *otw_addr_str(const otw_addr *a, char *buf, size_t bufsz);
int otw_addr_parse(const char *s, otw_addr *out);                       /* 0 ok, -1 invalid */
const char *otw_mac_str(const uint8_t mac[6], char *buf, size_t bufsz); /* "aa:bb:..", >= 18 */
int otw_mac_parse(const char *s, uint8_t mac[6]);
bool otw_mac_is_zero(const uint8_t mac[6]);
bool otw_mac_is_multicast(const uint8_t mac[6]); /* includes broadcast */
bool otw_mac_is_broadcast(const uint8_t mac[6]); /* ff:ff:ff:ff:ff:ff */

#endif
