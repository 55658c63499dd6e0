/* chain.c - see chain.h. */
#include "chain.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Nettle's SHA-256 (GnuTLS's, already a dependency): it uses the CPU's SHA
 * instructions where there are some, five times libsodium's portable code
 * here, which matters at one link per operations line. */
_Static_assert(sizeof(struct sha256_ctx) <= sizeof(((otw_chain_rec *)0)->opaque),
               "otw_chain_rec too small for nettle's SHA-256 state");

static struct sha256_ctx *st(otw_chain_rec *r)
{
    return (struct sha256_ctx *)(void *)r->opaque;
}

void otw_chain_init(otw_chain *c)
{
    memset(c, 0, sizeof(*c));
}

void otw_chain_begin(const otw_chain *c, otw_chain_rec *r)
{
    sha256_init(st(r));
    sha256_update(st(r), OTW_CHAIN_LINK, c->head);
}

void otw_chain_rec_bytes(otw_chain_rec *r, const void *p, size_t n)
{
    sha256_update(st(r), n, p);
}

void otw_chain_rec_null(otw_chain_rec *r)
{
    sha256_update(st(r), 1, (const uint8_t *)"n");
}

void otw_chain_rec_int(otw_chain_rec *r, int64_t v)
{
    unsigned char b[9] = {'i'};
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++)
        b[1 + i] = (unsigned char)(u >> (56 - 8 * i));
    sha256_update(st(r), sizeof(b), b);
}

void otw_chain_rec_text(otw_chain_rec *r, const char *s, size_t n)
{
    unsigned char b[9] = {'t'};
    uint64_t u = n;
    for (int i = 0; i < 8; i++)
        b[1 + i] = (unsigned char)(u >> (56 - 8 * i));
    sha256_update(st(r), sizeof(b), b);
    sha256_update(st(r), n, (const uint8_t *)s);
}

void otw_chain_end(otw_chain *c, otw_chain_rec *r, uint8_t link[OTW_CHAIN_LINK])
{
    uint8_t out[OTW_CHAIN_LINK];
    sha256_digest(st(r), OTW_CHAIN_LINK, out);
    memcpy(c->head, out, OTW_CHAIN_LINK);
    c->n++;
    if (link)
        memcpy(link, out, OTW_CHAIN_LINK);
}

void otw_chain_append(otw_chain *c, const void *p, size_t n, uint8_t link[OTW_CHAIN_LINK])
{
    otw_chain_rec r;
    otw_chain_begin(c, &r);
    otw_chain_rec_bytes(&r, p, n);
    otw_chain_end(c, &r, link);
}

void otw_chain_hex(const uint8_t link[OTW_CHAIN_LINK], char out[OTW_CHAIN_HEX])
{
    static const char d[] = "0123456789abcdef";
    for (int i = 0; i < OTW_CHAIN_LINK; i++) {
        out[2 * i] = d[link[i] >> 4];
        out[2 * i + 1] = d[link[i] & 15];
    }
    out[2 * OTW_CHAIN_LINK] = '\0';
}

static int unhex(const char *s, uint8_t out[OTW_CHAIN_LINK])
{
    for (int i = 0; i < 2 * OTW_CHAIN_LINK; i++) {
        char ch = s[i];
        int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (v < 0)
            return -1;
        if (i % 2 == 0)
            out[i / 2] = (uint8_t)(v << 4);
        else
            out[i / 2] |= (uint8_t)v;
    }
    return 0;
}

void otw_chain_format(const otw_chain *c, char *out, size_t outsz)
{
    char hex[OTW_CHAIN_HEX];
    otw_chain_hex(c->head, hex);
    snprintf(out, outsz, "%" PRIu64 " %s", c->n, hex);
}

/* "N HEX" at s; *end after it. */
static int parse_head(const char *s, otw_chain *c, const char **end)
{
    char *e;
    errno = 0;
    unsigned long long n = strtoull(s, &e, 10);
    if (errno || e == s || *e != ' ' || strlen(e + 1) < 2 * OTW_CHAIN_LINK ||
        unhex(e + 1, c->head) != 0)
        return -1;
    c->n = n;
    *end = e + 1 + 2 * OTW_CHAIN_LINK;
    return 0;
}

int otw_chain_parse(const char *s, otw_chain *c)
{
    const char *end;
    return parse_head(s, c, &end) == 0 && *end == '\0' ? 0 : -1;
}

void otw_chain_anchor_format(const otw_chain_anchor *a, char *out, size_t outsz)
{
    char head[100];
    otw_chain_format(&a->chain, head, sizeof(head));
    snprintf(out, outsz, "%s %" PRIu64, head, a->offset);
}

int otw_chain_anchor_parse(const char *s, otw_chain_anchor *a)
{
    const char *end;
    if (parse_head(s, &a->chain, &end) != 0 || *end != ' ')
        return -1;
    char *e;
    errno = 0;
    unsigned long long off = strtoull(end + 1, &e, 10);
    if (errno || e == end + 1 || *e)
        return -1;
    a->offset = off;
    return 0;
}

void otw_chain_sidecar_path(const char *path, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s.chain", path);
}

/* --- line files ---------------------------------------------------------- */

/* Reads whole lines of f from the current position; calls fn for each (text
 * without its newline, its offset). A last line without a newline is not a
 * record (a writer is in the middle of it). Stops when fn returns non-zero.
 * The line buffer grows as needed: called at start and by `verify`, never
 * on the packet path. */
typedef int (*line_fn)(void *ctx, const char *line, size_t len, uint64_t off);

static int each_line(FILE *f, uint64_t off, line_fn fn, void *ctx)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] != '\n')
            break;
        rc = fn(ctx, line, (size_t)n - 1, off);
        off += (uint64_t)n;
    }
    free(line);
    return rc < 0 ? -1 : 0;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

typedef struct catch_ctx {
    otw_chain_anchor *a;
    int fd;
    uint64_t added;
    int failed;
} catch_ctx;

static int catch_line(void *ctx, const char *line, size_t len, uint64_t off)
{
    catch_ctx *c = ctx;
    uint8_t link[OTW_CHAIN_LINK];
    otw_chain_append(&c->a->chain, line, len, link);
    c->a->offset = off + len + 1;
    c->added++;
    if (write_all(c->fd, link, sizeof(link)) != 0) {
        c->failed = errno ? errno : EIO;
        return -1;
    }
    return 0;
}

int otw_chain_catch_up(const char *path, otw_chain_anchor *a, uint64_t *added, bool *restarted,
                       char *err, size_t errsz)
{
    *added = 0;
    *restarted = false;
    struct stat sb;
    uint64_t size = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    if (a->offset > size) {
        *restarted = true;
        otw_chain_init(&a->chain);
        a->offset = 0;
    }
    char side[4096 + 8];
    otw_chain_sidecar_path(path, side, sizeof(side));
    int fd = open(side, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        snprintf(err, errsz, "%s: %s", side, strerror(errno));
        return -1;
    }
    /* The sidecar holds exactly the anchor's links; those after it are
     * written again from the lines themselves. */
    off_t keep = (off_t)(a->chain.n * OTW_CHAIN_LINK);
    if (fstat(fd, &sb) != 0 || (sb.st_size > keep && ftruncate(fd, keep) != 0) ||
        lseek(fd, 0, SEEK_END) < 0) {
        snprintf(err, errsz, "%s: %s", side, strerror(errno));
        close(fd);
        return -1;
    }
    if (sb.st_size < keep)
        *restarted = true; /* links missing: verify names the first line without one */
    FILE *f = fopen(path, "r");
    if (!f) {
        close(fd);
        if (errno == ENOENT)
            return 0;
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return -1;
    }
    catch_ctx c = {.a = a, .fd = fd};
    int rc =
        fseeko(f, (off_t)a->offset, SEEK_SET) == 0 ? each_line(f, a->offset, catch_line, &c) : -1;
    fclose(f);
    close(fd);
    *added = c.added;
    if (rc != 0) {
        snprintf(err, errsz, "%s: %s", c.failed ? side : path, strerror(c.failed ? c.failed : EIO));
        return -1;
    }
    return 0;
}

typedef struct check_ctx {
    otw_chain_check *res;
    FILE *side;
    const otw_chain_anchor *anchor; /* records to check at least, and their head */
} check_ctx;

static void line_ts(const char *line, size_t len, char *out, size_t outsz)
{
    out[0] = '\0';
    const char *k = memmem(line, len, "\"ts\":\"", 6);
    if (!k)
        return;
    k += 6;
    const char *e = memchr(k, '"', len - (size_t)(k - line));
    if (e && (size_t)(e - k) < outsz) {
        memcpy(out, k, (size_t)(e - k));
        out[e - k] = '\0';
    }
}

static int check_line(void *ctx, const char *line, size_t len, uint64_t off)
{
    check_ctx *c = ctx;
    otw_chain_check *res = c->res;
    uint8_t want[OTW_CHAIN_LINK], got[OTW_CHAIN_LINK];
    if (fread(want, 1, sizeof(want), c->side) != sizeof(want)) {
        if (!c->anchor || res->checked >= c->anchor->chain.n)
            return 1; /* written after the last record the state anchored, not chained yet */
        res->ok = false;
        res->bad_line = res->checked + 1;
        res->bad_off = off;
        line_ts(line, len, res->bad_ts, sizeof(res->bad_ts));
        res->fault = OTW_CF_NO_LINK;
        snprintf(res->why, sizeof(res->why), "has no link in the chain file");
        return 1;
    }
    otw_chain_append(&res->head, line, len, got);
    if (memcmp(want, got, sizeof(got)) != 0) {
        res->ok = false;
        res->bad_line = res->head.n;
        res->bad_off = off;
        line_ts(line, len, res->bad_ts, sizeof(res->bad_ts));
        res->fault = OTW_CF_LINK;
        snprintf(res->why, sizeof(res->why),
                 "does not match its link (edited, inserted or removed)");
        return 1;
    }
    res->checked++;
    if (c->anchor && res->head.n == c->anchor->chain.n &&
        memcmp(res->head.head, c->anchor->chain.head, OTW_CHAIN_LINK) != 0) {
        res->ok = false;
        res->bad_line = res->head.n;
        res->bad_off = off;
        line_ts(line, len, res->bad_ts, sizeof(res->bad_ts));
        res->fault = OTW_CF_HEAD;
        snprintf(
            res->why, sizeof(res->why),
            "ends a chain whose head is not the one the state recorded (chain file rewritten)");
        return 1;
    }
    return 0;
}

int otw_chain_check_file(const char *path, const otw_chain_anchor *anchor, otw_chain_check *res,
                         char *err, size_t errsz)
{
    memset(res, 0, sizeof(*res));
    res->ok = true;
    otw_chain_init(&res->head);
    FILE *f = fopen(path, "r");
    if (!f && errno == ENOENT && (!anchor || anchor->chain.n == 0))
        return 0; /* no operations log and none recorded */
    if (!f) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return -1;
    }
    char side[4096 + 8];
    otw_chain_sidecar_path(path, side, sizeof(side));
    FILE *sf = fopen(side, "r");
    if (!sf && errno != ENOENT) {
        snprintf(err, errsz, "%s: %s", side, strerror(errno));
        fclose(f);
        return -1;
    }
    if (!sf)
        sf = fopen("/dev/null", "r");
    check_ctx c = {.res = res, .side = sf, .anchor = anchor};
    int rc = sf ? each_line(f, 0, check_line, &c) : -1;
    fclose(f);
    if (sf)
        fclose(sf);
    if (rc != 0) {
        snprintf(err, errsz, "%s: cannot be read", path);
        return -1;
    }
    if (res->ok && anchor && res->checked < anchor->chain.n) {
        res->ok = false;
        res->bad_line = res->checked + 1;
        res->fault = OTW_CF_SHORT;
        snprintf(res->why, sizeof(res->why),
                 "is missing: the state recorded %" PRIu64 " records, the file has %" PRIu64,
                 anchor->chain.n, res->checked);
    }
    return 0;
}
