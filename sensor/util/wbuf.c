/* wbuf.c - a bounded text buffer (see wbuf.h). */
#include "wbuf.h"

#include <string.h>

void otw_wbuf_put(otw_wbuf *b, const void *s, size_t n)
{
    if (b->full)
        return;
    if (n >= b->cap - b->len) {
        b->full = true;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

void otw_wbuf_puts(otw_wbuf *b, const char *s)
{
    otw_wbuf_put(b, s, strlen(s));
}

void otw_wbuf_putc(otw_wbuf *b, char c)
{
    otw_wbuf_put(b, &c, 1);
}

void otw_wbuf_putu(otw_wbuf *b, uint64_t v)
{
    char tmp[20], *p = tmp + sizeof(tmp);
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    otw_wbuf_put(b, p, (size_t)(tmp + sizeof(tmp) - p));
}
