/* reader.h - bounds-checked cursor over untrusted bytes.
 *
 * Every read from the wire goes through these getters. A read past the end
 * returns 0 and sets the sticky `truncated` flag, so a parser reads a whole
 * PDU and checks the flag once instead of testing every field.
 */
#ifndef OTW_READER_H
#define OTW_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct otw_reader {
    const uint8_t *base;
    size_t len;
    size_t off;
    bool truncated;
} otw_reader;

static inline otw_reader rd_init(const uint8_t *base, size_t len)
{
    otw_reader r = {base, len, 0, false};
    return r;
}

static inline size_t rd_left(const otw_reader *r)
{
    return r->off <= r->len ? r->len - r->off : 0;
}

static inline bool rd_need(otw_reader *r, size_t n)
{
    if (rd_left(r) < n) {
        r->truncated = true;
        r->off = r->len;
        return false;
    }
    return true;
}

static inline uint8_t rd_u8(otw_reader *r)
{
    if (!rd_need(r, 1))
        return 0;
    return r->base[r->off++];
}

static inline uint16_t rd_be16(otw_reader *r)
{
    if (!rd_need(r, 2))
        return 0;
    uint16_t v = (uint16_t)((r->base[r->off] << 8) | r->base[r->off + 1]);
    r->off += 2;
    return v;
}

static inline uint16_t rd_le16(otw_reader *r)
{
    if (!rd_need(r, 2))
        return 0;
    uint16_t v = (uint16_t)(r->base[r->off] | (r->base[r->off + 1] << 8));
    r->off += 2;
    return v;
}

static inline uint32_t rd_be32(otw_reader *r)
{
    if (!rd_need(r, 4))
        return 0;
    const uint8_t *p = r->base + r->off;
    r->off += 4;
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint32_t rd_le32(otw_reader *r)
{
    if (!rd_need(r, 4))
        return 0;
    const uint8_t *p = r->base + r->off;
    r->off += 4;
    return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

/* Returns a pointer to n bytes inside the buffer (no copy), or NULL. */
static inline const uint8_t *rd_bytes(otw_reader *r, size_t n)
{
    if (!rd_need(r, n))
        return NULL;
    const uint8_t *p = r->base + r->off;
    r->off += n;
    return p;
}

static inline void rd_skip(otw_reader *r, size_t n)
{
    (void)rd_bytes(r, n);
}

/* A sub-reader limited to the next n bytes (a declared PDU length); the
 * parent advances past them. Length fields can only shrink the view. */
static inline otw_reader rd_sub(otw_reader *r, size_t n)
{
    const uint8_t *p = rd_bytes(r, n);
    otw_reader s = {p, p ? n : 0, 0, p == NULL};
    return s;
}

#endif
