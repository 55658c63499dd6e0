/* jsonw.c - JSON writer (RFC 8259) into a caller buffer, see jsonw.h.
 *
 * UTF-8 validation follows Unicode 15 table 3-7 (well-formed byte sequences);
 * dates use the proleptic Gregorian calendar (days-from-civil arithmetic).
 */
#include "jsonw.h"

#include <string.h>

/* 9999-12-31T23:59:59.999999Z, the last instant with a four-digit year. */
#define TS_MAX_US 253402300799999999ULL

void jw_init(otw_jsonw *w, char *buf, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->cap = cap;
    if (buf == NULL || cap == 0)
        w->overflow = true;
}

/* Appends n bytes, keeping one byte free for the final NUL. */
static void put(otw_jsonw *w, const char *s, size_t n)
{
    if (w->overflow)
        return;
    if (n >= w->cap - w->len) {
        w->overflow = true;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void putc1(otw_jsonw *w, char c)
{
    put(w, &c, 1);
}

/* Before any value or key: a comma unless it is the first item of its
 * container. After a key, first[] is set again so the value gets none. */
static void sep(otw_jsonw *w)
{
    if (w->depth <= 0)
        return;
    if (!w->first[w->depth - 1])
        putc1(w, ',');
    w->first[w->depth - 1] = false;
}

static void open_container(otw_jsonw *w, char c)
{
    sep(w);
    if (w->depth >= OTW_JW_MAX_DEPTH) {
        w->overflow = true;
        return;
    }
    putc1(w, c);
    w->first[w->depth++] = true;
}

static void close_container(otw_jsonw *w, char c)
{
    if (w->depth <= 0) {
        w->overflow = true;
        return;
    }
    w->depth--;
    putc1(w, c);
}

void jw_obj_begin(otw_jsonw *w)
{
    open_container(w, '{');
}

void jw_obj_end(otw_jsonw *w)
{
    close_container(w, '}');
}

void jw_arr_begin(otw_jsonw *w)
{
    open_container(w, '[');
}

void jw_arr_end(otw_jsonw *w)
{
    close_container(w, ']');
}

size_t otw_utf8_seq(const unsigned char *s, size_t n, size_t *bad)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        *bad = 1;
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        unsigned char min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xBF;
        if (i >= n || s[i] < min || s[i] > max) {
            *bad = i;
            return 0;
        }
    }
    return len;
}

static void put_escaped(otw_jsonw *w, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    putc1(w, '"');
    while (i < n && !w->overflow) {
        /* Copy the longest run that needs no escaping in one go. */
        size_t run = i;
        while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' && s[run] != '\\')
            run++;
        if (run > i) {
            put(w, (const char *)s + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(w, e, 2);
            i++;
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(w, e, 6);
            i++;
        } else {
            size_t bad = 0, len = otw_utf8_seq(s + i, n - i, &bad);
            if (len) {
                put(w, (const char *)s + i, len);
                i += len;
            } else {
                put(w, "\xEF\xBF\xBD", 3);
                i += bad;
            }
        }
    }
    putc1(w, '"');
}

void jw_key(otw_jsonw *w, const char *k)
{
    sep(w);
    put_escaped(w, k ? k : "", k ? strlen(k) : 0);
    putc1(w, ':');
    if (w->depth > 0)
        w->first[w->depth - 1] = true;
}

void jw_str(otw_jsonw *w, const char *s)
{
    if (s == NULL) {
        jw_null(w);
        return;
    }
    sep(w);
    put_escaped(w, s, strlen(s));
}

void jw_strn(otw_jsonw *w, const char *s, size_t n)
{
    sep(w);
    put_escaped(w, s, s ? n : 0);
}

/* Writes the decimal digits of v right-aligned ending at end; returns start. */
static char *u64_digits(uint64_t v, char *end)
{
    char *p = end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return p;
}

void jw_u64(otw_jsonw *w, uint64_t v)
{
    char tmp[20];
    char *p = u64_digits(v, tmp + sizeof(tmp));
    sep(w);
    put(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

void jw_i64(otw_jsonw *w, int64_t v)
{
    char tmp[21];
    /* Negate in unsigned arithmetic so INT64_MIN is fine. */
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char *p = u64_digits(mag, tmp + sizeof(tmp));
    if (v < 0)
        *--p = '-';
    sep(w);
    put(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

void jw_bool(otw_jsonw *w, bool v)
{
    sep(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void jw_null(otw_jsonw *w)
{
    sep(w);
    put(w, "null", 4);
}

void jw_raw(otw_jsonw *w, const char *json)
{
    if (json == NULL || *json == '\0') {
        jw_null(w); /* an empty value would make the document invalid */
        return;
    }
    sep(w);
    put(w, json, strlen(json));
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

void otw_format_ts(uint64_t ts_us, char out[32])
{
    if (ts_us > TS_MAX_US)
        ts_us = TS_MAX_US;
    uint64_t secs = ts_us / 1000000;
    unsigned us = (unsigned)(ts_us % 1000000);
    uint64_t days = secs / 86400;
    unsigned sod = (unsigned)(secs % 86400);

    /* civil_from_days (H. Hinnant), days since 1970-01-01, never negative here. */
    uint64_t z = days + 719468;
    uint64_t era = z / 146097;
    uint64_t doe = z - era * 146097;
    uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    uint64_t mp = (5 * doy + 2) / 153;
    unsigned d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    unsigned m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    unsigned y = (unsigned)(yoe + era * 400 + (m <= 2));

    put2(out, y / 100);
    put2(out + 2, y % 100);
    out[4] = '-';
    put2(out + 5, m);
    out[7] = '-';
    put2(out + 8, d);
    out[10] = 'T';
    put2(out + 11, sod / 3600);
    out[13] = ':';
    put2(out + 14, sod / 60 % 60);
    out[16] = ':';
    put2(out + 17, sod % 60);
    out[19] = '.';
    put2(out + 20, us / 10000);
    put2(out + 22, us / 100 % 100);
    put2(out + 24, us % 100);
    out[26] = 'Z';
    out[27] = '\0';
}

const char *otw_format_ts_seconds(uint64_t ts_us, char out[32])
{
    otw_format_ts(ts_us - ts_us % 1000000u, out);
    char *dot = strchr(out, '.');
    if (dot) {
        dot[0] = 'Z';
        dot[1] = '\0';
    }
    return out;
}

void jw_ts(otw_jsonw *w, uint64_t ts_us)
{
    char ts[32];
    otw_format_ts(ts_us, ts);
    sep(w);
    putc1(w, '"');
    put(w, ts, OTW_TS_LEN);
    putc1(w, '"');
}

const char *jw_finish(otw_jsonw *w)
{
    if (w->depth != 0)
        w->overflow = true;
    if (w->overflow) {
        if (w->buf && w->cap)
            w->buf[w->len < w->cap ? w->len : w->cap - 1] = '\0';
        return NULL;
    }
    w->buf[w->len] = '\0';
    return w->buf;
}
