/* textbuf.h - a bounded text builder for the dissectors.
 *
 * Dissectors must not printf on the per-packet path, yet they build object
 * names and identity details ("analog-value,1 present-value", "ns=2;s=X",
 * "0x0a01"). otw_tb appends to a caller's fixed buffer: every call keeps
 * it NUL-terminated and what does not fit is cut, never overflowed.
 *
 * Pure: no globals, no allocation, no I/O.
 */
#ifndef OTW_TEXTBUF_H
#define OTW_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct otw_tb {
    char *p;
    size_t cap, n; /* n < cap whenever cap > 0 */
} otw_tb;

/* Starts an empty text in p (cap bytes, NUL included; cap 0 writes nothing). */
otw_tb otw_tb_init(char *p, size_t cap);
/* Appends a C string. */
void otw_tb_str(otw_tb *b, const char *s);
/* Appends a separator, only when the text is not empty. */
void otw_tb_sep(otw_tb *b, const char *sep);
/* Appends v in decimal. */
void otw_tb_u32(otw_tb *b, uint32_t v);
/* Appends v in decimal or lowercase hex, zero-padded to min_digits. */
void otw_tb_num(otw_tb *b, uint32_t v, bool hex, size_t min_digits);
/* Appends "0x" and v as 4 lowercase hex digits. */
void otw_tb_hex16(otw_tb *b, uint16_t v);
/* Appends bytes as lowercase hex pairs, only whole pairs. */
void otw_tb_hex(otw_tb *b, const uint8_t *s, size_t n);
/* Appends a dotted-quad IPv4 address. */
void otw_tb_ipv4(otw_tb *b, const uint8_t ip[4]);
/* Appends a wire string cleaned by otw_copy_wire_string (at most 255
 * characters of it). */
void otw_tb_wire(otw_tb *b, const uint8_t *s, size_t n);

#endif
