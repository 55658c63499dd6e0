/* hex.h - one hexadecimal digit's value, for the parsers of MAC addresses, of
 * the JSON string escapes the console receives and of the OUI registry. */
#ifndef OTW_HEX_H
#define OTW_HEX_H

/* 0..15, or -1 when c is not a hexadecimal digit. */
static inline int otw_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
