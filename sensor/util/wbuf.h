/* wbuf.h - a bounded text buffer for formatting one message.
 *
 * Writes past the end are refused as a whole and mark the buffer full, so a
 * formatter checks once, at the end, whether the message fit: a message is
 * never sent cut in the middle of a field. One byte of cap is kept for the
 * terminating NUL the caller writes at len.
 */
#ifndef OTW_WBUF_H
#define OTW_WBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct otw_wbuf {
    char *p;
    size_t cap, len;
    bool full;
} otw_wbuf;

void otw_wbuf_put(otw_wbuf *b, const void *s, size_t n);
void otw_wbuf_puts(otw_wbuf *b, const char *s);
void otw_wbuf_putc(otw_wbuf *b, char c);
/* Decimal, without printf (formatting happens on the alert path). */
void otw_wbuf_putu(otw_wbuf *b, uint64_t v);

#endif
