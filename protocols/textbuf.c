/* textbuf.c - bounded text builder; see textbuf.h. */
#include "textbuf.h"

#include "facts.h"

otw_tb otw_tb_init(char *p, size_t cap)
{
    otw_tb b = {p, cap, 0};
    if (cap)
        p[0] = '\0';
    return b;
}

void otw_tb_str(otw_tb *b, const char *s)
{
    while (*s && b->n + 1 < b->cap)
        b->p[b->n++] = *s++;
    if (b->cap)
        b->p[b->n] = '\0';
}

void otw_tb_sep(otw_tb *b, const char *sep)
{
    if (b->n)
        otw_tb_str(b, sep);
}

void otw_tb_num(otw_tb *b, uint32_t v, bool hex, size_t min_digits)
{
    char tmp[13];
    size_t i = sizeof(tmp) - 1;
    unsigned base = hex ? 16 : 10;
    tmp[i] = '\0';
    do {
        tmp[--i] = "0123456789abcdef"[v % base];
        v /= base;
    } while ((v || sizeof(tmp) - 1 - i < min_digits) && i > 0);
    otw_tb_str(b, tmp + i);
}

void otw_tb_u32(otw_tb *b, uint32_t v)
{
    otw_tb_num(b, v, false, 1);
}

void otw_tb_hex16(otw_tb *b, uint16_t v)
{
    otw_tb_str(b, "0x");
    otw_tb_num(b, v, true, 4);
}

void otw_tb_hex(otw_tb *b, const uint8_t *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n && b->n + 2 < b->cap; i++) {
        char t[3] = {hex[s[i] >> 4], hex[s[i] & 15], '\0'};
        otw_tb_str(b, t);
    }
}

void otw_tb_ipv4(otw_tb *b, const uint8_t ip[4])
{
    for (int i = 0; i < 4; i++) {
        if (i)
            otw_tb_str(b, ".");
        otw_tb_u32(b, ip[i]);
    }
}

void otw_tb_wire(otw_tb *b, const uint8_t *s, size_t n)
{
    char tmp[256];
    otw_copy_wire_string(tmp, sizeof(tmp), s, n);
    otw_tb_str(b, tmp);
}
