/* facts.c - names of the normalized fact enums and the wire-string copier.
 *
 * See facts.h. Names are stable identifiers used in logs, the database and
 * reports: never rename one without migrating its consumers.
 */
#include "facts.h"

const char *otw_proto_name(otw_proto p)
{
#define OTW_PROTO_NAME(id, name, dissector, config) [OTW_PROTO_##id] = name,
    static const char *const names[OTW_PROTO__COUNT] = {OTW_PROTOCOLS(OTW_PROTO_NAME)};
#undef OTW_PROTO_NAME
    if ((unsigned)p >= OTW_PROTO__COUNT || !names[p])
        return "none";
    return names[p];
}

const char *otw_class_name(otw_op_class c)
{
    static const char *const names[OTW_CLASS__COUNT] = {
        [OTW_CLASS_READ] = "read",
        [OTW_CLASS_WRITE] = "write",
        [OTW_CLASS_PROGRAM_DOWNLOAD] = "program_download",
        [OTW_CLASS_PROGRAM_UPLOAD] = "program_upload",
        [OTW_CLASS_CONTROL] = "control",
        [OTW_CLASS_FIRMWARE] = "firmware",
        [OTW_CLASS_CONFIGURATION] = "configuration",
        [OTW_CLASS_DIAGNOSTIC] = "diagnostic",
        [OTW_CLASS_IDENTITY] = "identity",
        [OTW_CLASS_AUTHENTICATION] = "authentication",
        [OTW_CLASS_ACCOUNT] = "account",
        [OTW_CLASS_OTHER] = "other",
    };
    /* Enum values may come from corrupted data: check the range. */
    if ((unsigned)c < OTW_CLASS__COUNT)
        return names[c];
    return "other";
}

const char *otw_outcome_name(otw_outcome o)
{
    switch (o) {
    case OTW_OUTCOME_OK:
        return "ok";
    case OTW_OUTCOME_EXCEPTION:
        return "exception";
    case OTW_OUTCOME_NO_RESPONSE:
        return "no_response";
    case OTW_OUTCOME_ERROR:
        return "error";
    }
    return "error";
}

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), 0 if
 * invalid, overlong, a surrogate or beyond U+10FFFF (RFC 3629). */
static size_t utf8_seq_len(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the 2nd byte */

    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    /* U+0080..U+009F are C1 control characters. */
    if (c == 0xC2 && s[1] <= 0x9F)
        return 0;
    return len;
}

/* Wire strings are often NUL-padded fixed fields: the first NUL ends the
 * string. Other control bytes and invalid UTF-8 become '?', and a UTF-8
 * sequence that would not fit whole is dropped rather than cut. */
void otw_copy_wire_string(char *dst, size_t dstsz, const uint8_t *src, size_t srclen)
{
    size_t o = 0;

    if (dst == NULL || dstsz == 0)
        return;
    if (src == NULL)
        srclen = 0;
    for (size_t i = 0; i < srclen && o + 1 < dstsz;) {
        uint8_t c = src[i];
        if (c == 0)
            break;
        if (c >= 0x20 && c < 0x7F) {
            dst[o++] = (char)c;
            i++;
            continue;
        }
        size_t n = c >= 0x80 ? utf8_seq_len(src + i, srclen - i) : 0;
        if (n == 0) {
            dst[o++] = '?';
            i++;
            continue;
        }
        if (o + n >= dstsz)
            break;
        for (size_t k = 0; k < n; k++)
            dst[o++] = (char)src[i + k];
        i += n;
    }
    dst[o] = '\0';
}

const char *otw_vendor_lookup(const otw_vendor_name *table, size_t n, uint32_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (table[mid].id == id)
            return table[mid].name;
        if (table[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
