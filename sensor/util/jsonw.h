/* jsonw.h - a small JSON writer (RFC 8259) into a caller buffer.
 *
 * Used once per operation on the packet path: no allocation, no printf, no
 * locale. Commas between object members and array elements are inserted
 * automatically. Errors are sticky: once the buffer is full (or the writer is
 * misused: nesting deeper than 16, unbalanced end) the overflow flag is set,
 * nothing more is written and jw_finish returns NULL. Nothing is ever written
 * at or past buf[cap]; one byte is always kept for the terminating NUL.
 */
#ifndef OTW_JSONW_H
#define OTW_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OTW_JW_MAX_DEPTH 16

typedef struct otw_jsonw {
    char *buf;
    size_t cap, len;
    bool overflow;
    int depth;
    bool first[OTW_JW_MAX_DEPTH]; /* per open container: next item needs no comma */
} otw_jsonw;

void jw_init(otw_jsonw *w, char *buf, size_t cap);
void jw_obj_begin(otw_jsonw *w);
void jw_obj_end(otw_jsonw *w);
void jw_arr_begin(otw_jsonw *w);
void jw_arr_end(otw_jsonw *w);
void jw_key(otw_jsonw *w, const char *k); /* object key, handles commas */
/* Escaped string: '"' and '\\' backslash-escaped, control characters as \u00XX,
 * invalid UTF-8 replaced by U+FFFD (one per maximal invalid subpart, as
 * Unicode 3.9 recommends). jw_str(w, NULL) writes null. */
void jw_str(otw_jsonw *w, const char *s);
void jw_strn(otw_jsonw *w, const char *s, size_t n); /* n bytes, NULs escaped */
void jw_u64(otw_jsonw *w, uint64_t v);
void jw_i64(otw_jsonw *w, int64_t v);
void jw_bool(otw_jsonw *w, bool v);
void jw_null(otw_jsonw *w);
void jw_raw(otw_jsonw *w, const char *json); /* pre-rendered JSON value, copied verbatim */
void jw_ts(otw_jsonw *w, uint64_t ts_us);    /* "2026-11-23T16:01:10.123456Z" */
/* NUL-terminates and returns buf; NULL on overflow or open containers. */
const char *jw_finish(otw_jsonw *w);

/* ISO 8601 / RFC 3339 UTC text with microseconds, always 27 characters
 * ("YYYY-MM-DDTHH:MM:SS.uuuuuuZ"), computed arithmetically (no gmtime, no
 * locale). Times after 9999-12-31T23:59:59.999999Z are clamped to it, so the
 * year always has the four digits RFC 3339 and RFC 5424 require. */
#define OTW_TS_LEN 27
void otw_format_ts(uint64_t ts_us, char out[32]);
/* The same to the second, for tables people read ("...T10:00:05Z"); returns out. */
const char *otw_format_ts_seconds(uint64_t ts_us, char out[32]);

/* Length (1..4) of the well-formed UTF-8 sequence at s (n bytes available),
 * or 0 if s does not start one; *bad then gets the length of the maximal
 * invalid subpart to replace with one U+FFFD (>= 1). Shared by the writers
 * that must emit valid UTF-8 (JSON, syslog). */
size_t otw_utf8_seq(const unsigned char *s, size_t n, size_t *bad);

#endif
