/* idutil.c - string helpers for the identity dissectors; see idutil.h. */
#include "idutil.h"

#include <string.h>

void otw_idu_cat(char *dst, size_t dstsz, const char *src)
{
    if (dst == NULL || dstsz == 0 || src == NULL)
        return;
    size_t o = strnlen(dst, dstsz - 1);
    while (*src && o + 1 < dstsz)
        dst[o++] = *src++;
    dst[o] = '\0';
}

void otw_idu_kv(char *dst, size_t dstsz, const char *key, const char *value)
{
    if (dst == NULL || dstsz == 0 || value == NULL || value[0] == '\0')
        return;
    /* no room for "key=" and one character of the value: nothing, rather
     * than a dangling key */
    if (strnlen(dst, dstsz) + (dst[0] != '\0') + strlen(key) + 2 >= dstsz)
        return;
    if (dst[0] != '\0')
        otw_idu_cat(dst, dstsz, ";");
    otw_idu_cat(dst, dstsz, key);
    otw_idu_cat(dst, dstsz, "=");
    otw_idu_cat(dst, dstsz, value);
}

void otw_idu_kv_wire(char *dst, size_t dstsz, const char *key, const uint8_t *src, size_t n)
{
    char tmp[128];
    otw_copy_wire_string(tmp, sizeof(tmp), src, n);
    otw_idu_kv(dst, dstsz, key, tmp);
}

void otw_idu_bit_names(char *dst, size_t dstsz, uint32_t bits, const char *const *names, size_t n)
{
    if (dst == NULL || dstsz == 0)
        return;
    dst[0] = '\0';
    for (size_t b = 0; b < n && b < 32; b++) {
        if (!(bits & (1u << b)))
            continue;
        if (dst[0])
            otw_idu_cat(dst, dstsz, ",");
        otw_idu_cat(dst, dstsz, names[b]);
    }
}

otw_parse_status otw_idu_result(bool ok, const char *anomaly, const otw_sink *sink)
{
    if (ok)
        return OTW_PARSE_OK;
    if (sink != NULL && sink->anomaly != NULL)
        sink->anomaly(sink->ctx, anomaly);
    return OTW_PARSE_MALFORMED;
}

void otw_idu_u32(char *dst, size_t dstsz, uint32_t v)
{
    char tmp[11];
    size_t n = 0;
    if (dst == NULL || dstsz == 0)
        return;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    size_t o = 0;
    while (n > 0 && o + 1 < dstsz)
        dst[o++] = tmp[--n];
    dst[o] = '\0';
}

void otw_idu_ipv4(char *dst, size_t dstsz, const uint8_t ip[4])
{
    char part[4];
    if (dst == NULL || dstsz == 0)
        return;
    dst[0] = '\0';
    for (int i = 0; i < 4; i++) {
        if (i > 0)
            otw_idu_cat(dst, dstsz, ".");
        otw_idu_u32(part, sizeof(part), ip[i]);
        otw_idu_cat(dst, dstsz, part);
    }
}

void otw_idu_hex(char *dst, size_t dstsz, const uint8_t *src, size_t n, char sep)
{
    static const char digits[] = "0123456789abcdef";
    size_t o = 0;
    if (dst == NULL || dstsz == 0)
        return;
    for (size_t i = 0; i < n && src != NULL; i++) {
        size_t need = (i > 0 && sep) ? 3 : 2;
        if (o + need + 1 > dstsz)
            break;
        if (i > 0 && sep)
            dst[o++] = sep;
        dst[o++] = digits[src[i] >> 4];
        dst[o++] = digits[src[i] & 15];
    }
    dst[o] = '\0';
}

void otw_idu_map_v4(uint8_t out[16], const uint8_t ip[4])
{
    memset(out, 0, 10);
    out[10] = 0xFF;
    out[11] = 0xFF;
    memcpy(out + 12, ip, 4);
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool otw_idu_prefix_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (*s == '\0' || lower(*s) != lower(*prefix))
            return false;
    return true;
}

bool otw_idu_contains_ci(const char *hay, const char *needle)
{
    if (hay == NULL || needle == NULL)
        return false;
    for (; *hay; hay++)
        if (otw_idu_prefix_ci(hay, needle))
            return true;
    return false;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Copies a version token (digits, letters, '.', '(', ')', '-', '_') that
 * starts with a digit; a trailing '.' or '-' is not part of it. */
static bool take_token(const char *p, char *out, size_t outsz)
{
    size_t o = 0;
    if (!is_digit(*p))
        return false;
    while ((is_alnum(*p) || *p == '.' || *p == '(' || *p == ')' || *p == '-' || *p == '_') &&
           o + 1 < outsz)
        out[o++] = *p++;
    for (;;) {
        int depth = 0;
        for (size_t i = 0; i < o; i++)
            depth += out[i] == '(' ? 1 : out[i] == ')' ? -1 : 0;
        if (o > 0 && (out[o - 1] == '.' || out[o - 1] == '-' || (out[o - 1] == ')' && depth < 0)))
            o--; /* "(Version 1.2)": the ')' is the text's */
        else
            break;
    }
    out[o] = '\0';
    return o > 0;
}

bool otw_idu_version(const char *text, char *out, size_t outsz)
{
    if (out == NULL || outsz == 0)
        return false;
    out[0] = '\0';
    if (text == NULL)
        return false;
    /* "Version x" first: it is the explicit form. */
    for (const char *p = text; *p; p++) {
        if (p != text && is_alnum(p[-1]))
            continue;
        const char *q = NULL;
        if (otw_idu_prefix_ci(p, "version"))
            q = p + 7;
        else if (otw_idu_prefix_ci(p, "ver."))
            q = p + 4;
        if (q == NULL)
            continue;
        while (*q == ' ' || *q == ':')
            q++;
        if (take_token(q, out, outsz))
            return true;
    }
    /* Then a word "v1.2" / "V1.2" (needs a dot: "v2" alone is too vague). */
    for (const char *p = text; *p; p++) {
        if ((*p != 'v' && *p != 'V') || (p != text && is_alnum(p[-1])) || !is_digit(p[1]))
            continue;
        if (take_token(p + 1, out, outsz) && strchr(out, '.') != NULL)
            return true;
        out[0] = '\0';
    }
    return false;
}

bool otw_idu_dns_name(const uint8_t *msg, size_t len, size_t *off, uint8_t *out, size_t outsz,
                      size_t *outlen)
{
    size_t pos = *off, o = 0, hops = 0;
    bool jumped = false;

    if (out == NULL || outsz == 0)
        return false;
    out[0] = '\0';
    if (outlen != NULL)
        *outlen = 0;
    /* Every label consumes at least one byte of msg and the name may not
     * exceed 255 bytes on the wire (RFC 1035 2.3.4): bounded. */
    for (size_t steps = 0; steps < 256; steps++) {
        if (pos >= len)
            return false;
        uint8_t l = msg[pos];
        if ((l & 0xC0) == 0xC0) {
            if (pos + 1 >= len || ++hops > OTW_IDU_MAX_HOPS)
                return false;
            size_t target = ((size_t)(l & 0x3F) << 8) | msg[pos + 1];
            if (target >= pos)
                return false; /* forward or self pointer: a loop in disguise */
            if (!jumped)
                *off = pos + 2;
            jumped = true;
            pos = target;
            continue;
        }
        if ((l & 0xC0) != 0)
            return false; /* 0x40/0x80: extended/reserved label types */
        if (l == 0) {
            if (!jumped)
                *off = pos + 1;
            out[o] = '\0';
            if (outlen != NULL)
                *outlen = o;
            return true;
        }
        if (pos + 1 + l > len)
            return false;
        if (o > 0 && o + 1 < outsz)
            out[o++] = '.';
        for (size_t i = 0; i < l && o + 1 < outsz; i++)
            out[o++] = msg[pos + 1 + i];
        pos += 1u + l;
    }
    return false;
}
