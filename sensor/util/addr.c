/* addr.c - IP and MAC address parsing and formatting. */
#include "addr.h"
#include "hex.h"

#include <arpa/inet.h>
#include <string.h>

const char *otw_addr_str(const otw_addr *a, char *buf, size_t bufsz)
{
    if (bufsz == 0)
        return buf;
    const char *s;
    if (otw_addr_is_v4(a) && bufsz >= 16) {
        /* Dotted quad by hand: inet_ntop formats IPv4 with sprintf, and this
         * runs for every logged operation. */
        char *p = buf;
        for (int i = 12; i < 16; i++) {
            unsigned v = a->b[i];
            if (v >= 100)
                *p++ = (char)('0' + v / 100);
            if (v >= 10)
                *p++ = (char)('0' + v / 10 % 10);
            *p++ = (char)('0' + v % 10);
            *p++ = i < 15 ? '.' : '\0';
        }
        return buf;
    }
    if (otw_addr_is_v4(a))
        s = inet_ntop(AF_INET, a->b + 12, buf, (socklen_t)bufsz);
    else
        s = inet_ntop(AF_INET6, a->b, buf, (socklen_t)bufsz);
    if (!s)
        buf[0] = '\0';
    return buf;
}

int otw_addr_parse(const char *s, otw_addr *out)
{
    uint8_t v4[4];
    if (!s)
        return -1;
    if (inet_pton(AF_INET, s, v4) == 1) {
        otw_addr_from_v4(out, v4);
        return 0;
    }
    if (inet_pton(AF_INET6, s, out->b) == 1)
        return 0;
    return -1;
}

const char *otw_mac_str(const uint8_t mac[6], char *buf, size_t bufsz)
{
    static const char hex[] = "0123456789abcdef";
    if (bufsz < 18) {
        if (bufsz)
            buf[0] = '\0';
        return buf;
    }
    for (int i = 0; i < 6; i++) {
        buf[i * 3] = hex[mac[i] >> 4];
        buf[i * 3 + 1] = hex[mac[i] & 0x0f];
        buf[i * 3 + 2] = i < 5 ? ':' : '\0';
    }
    return buf;
}

/* Accepts aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff, either case. */
int otw_mac_parse(const char *s, uint8_t mac[6])
{
    uint8_t tmp[6];
    if (!s || strlen(s) != 17)
        return -1;
    char sep = s[2];
    if (sep != ':' && sep != '-')
        return -1;
    for (int i = 0; i < 6; i++) {
        int hi = otw_hex_value(s[i * 3]);
        int lo = otw_hex_value(s[i * 3 + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        if (i < 5 && s[i * 3 + 2] != sep)
            return -1;
        tmp[i] = (uint8_t)(hi << 4 | lo);
    }
    memcpy(mac, tmp, 6);
    return 0;
}

bool otw_mac_is_zero(const uint8_t mac[6])
{
    return (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0;
}

bool otw_mac_is_multicast(const uint8_t mac[6])
{
    return (mac[0] & 0x01) != 0;
}

bool otw_addr_is_unicast(const otw_addr *a)
{
    if (otw_addr_is_v4(a)) {
        const uint8_t *v = a->b + 12;
        bool limited = v[0] == 255 && v[1] == 255 && v[2] == 255 && v[3] == 255;
        return v[0] != 0 && v[0] != 127 && (v[0] & 0xf0) != 0xe0 && !limited;
    }
    static const uint8_t zero[15];
    if (memcmp(a->b, zero, 15) == 0 && (a->b[15] == 0 || a->b[15] == 1))
        return false; /* :: and ::1 */
    return a->b[0] != 0xff;
}

bool otw_mac_is_broadcast(const uint8_t mac[6])
{
    static const uint8_t all[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    return memcmp(mac, all, 6) == 0;
}
