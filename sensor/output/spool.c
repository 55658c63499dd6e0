/* spool.c - bounded on-disk FIFO; see spool.h. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "grow.h"
#include "log.h"

#define HDR 8u
#define SEG_MIN (64u << 10)
#define SEG_MAX (4u << 20)
#define PATH_SZ 600
/* The cursor file: two fixed slots rewritten in place by turns (pwrite),
 * so saving it never needs a new disk block and a torn write leaves the
 * other slot, one save older. Slot: magic, seq, cursor segment and offset,
 * drops not yet announced, the end of the batch being sent (segment,
 * offset), CRC-32 of the first 56 bytes. */
#define SLOT 64u
#define SLOT_CRC 56u
static const char cursor_magic[8] = {'O', 'T', 'W', 'S', 'P', 'C', 'R', '1'};

typedef struct seginfo {
    uint64_t seq, size, nrec; /* size: bytes of whole records */
} seginfo;

struct otw_spool {
    pthread_mutex_t mu;
    char dir[512];
    uint64_t cap, seg_bytes;
    seginfo *segs; /* ascending seq; never empty: the last one takes appends */
    size_t nsegs, segcap;
    int wfd;
    int rfd;
    uint64_t rseq;
    otw_spool_pos cur;     /* first undelivered record */
    uint64_t cur_consumed; /* records of cur.seg before cur.off */
    uint64_t total;
    uint64_t gen; /* bumped when a drop moves the cursor */
    uint64_t appended, delivered, dropped;
    int cfd;               /* the cursor file, -1 if it could not be made */
    uint64_t cseq;         /* seq of the last slot written */
    uint64_t untold;       /* drops not announced yet, kept in the cursor file */
    bool cursor_ok;        /* the last save worked */
    uint64_t unsaved;      /* delivered since the last good save */
    otw_spool_pos sending; /* end of the batch last handed to the collector */
    uint64_t unsure;       /* at open: records an earlier run may have delivered */
    otw_spool_fault_fn fault;
    void *fault_ctx;
};

uint32_t otw_crc32(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= s[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void seg_path(const otw_spool *sp, uint64_t seq, char *out)
{
    snprintf(out, PATH_SZ, "%s/%016" PRIx64 ".seg", sp->dir, seq);
}

static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

/* Walks record headers from 0 while below upto: *end = the last whole
 * record's end, *nrec = records passed. */
static void scan(int fd, uint64_t size, uint64_t upto, uint64_t *end, uint64_t *nrec)
{
    uint64_t off = 0, n = 0;
    unsigned char h[HDR];
    while (off < upto && off + HDR <= size && pread_all(fd, h, HDR, off) == 0) {
        uint32_t len = get32(h);
        if (len == 0 || len > OTW_SPOOL_MAX_RECORD || off + HDR + len > size)
            break;
        off += HDR + len;
        n++;
    }
    *end = off;
    *nrec = n;
}

static void put64(unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static int injected(otw_spool *sp, int op)
{
    int e = sp->fault ? sp->fault(sp->fault_ctx, op) : 0;
    if (e)
        errno = e;
    return e;
}

static int make_cursor(otw_spool *sp);

static void fill_slot(const otw_spool *sp, uint64_t seq, unsigned char *s)
{
    memset(s, 0, SLOT);
    memcpy(s, cursor_magic, sizeof(cursor_magic));
    put64(s + 8, seq);
    put64(s + 16, sp->cur.seg);
    put64(s + 24, sp->cur.off);
    put64(s + 32, sp->untold);
    put64(s + 40, sp->sending.seg);
    put64(s + 48, sp->sending.off);
    put32(s + SLOT_CRC, otw_crc32(s, SLOT_CRC));
}

/* 0 and the slot's fields, or -1 if it is not a whole slot. */
static int parse_slot(const unsigned char *s, uint64_t *seq, otw_spool_pos *cur, uint64_t *untold,
                      otw_spool_pos *sending)
{
    if (memcmp(s, cursor_magic, sizeof(cursor_magic)) != 0 ||
        get32(s + SLOT_CRC) != otw_crc32(s, SLOT_CRC))
        return -1;
    *seq = get64(s + 8);
    *cur = (otw_spool_pos){get64(s + 16), get64(s + 24)};
    *untold = get64(s + 32);
    *sending = (otw_spool_pos){get64(s + 40), get64(s + 48)};
    return 0;
}

/* Writes the next slot in place. Says so once when saving starts failing
 * (what was delivered would be sent again by the next start) and once when
 * it works again. */
static int save_cursor(otw_spool *sp)
{
    unsigned char s[SLOT];
    uint64_t seq = sp->cseq + 1;
    fill_slot(sp, seq, s);
    ssize_t w = -1;
    if (!injected(sp, OTW_SPOOL_FAULT_CURSOR))
        w = sp->cfd < 0 ? (make_cursor(sp) == 0 ? (ssize_t)SLOT : -1)
                        : pwrite(sp->cfd, s, SLOT, (off_t)((seq & 1) * SLOT));
    if (w == (ssize_t)SLOT) {
        if (!sp->cursor_ok)
            otw_warn("spool: the cursor in %s is saved again", sp->dir);
        if (sp->cfd >= 0 && sp->cseq < seq)
            sp->cseq = seq;
        sp->cursor_ok = true;
        sp->unsaved = 0;
        return 0;
    }
    const char *why = w < 0 ? strerror(errno) : "short write";
    if (sp->cursor_ok && sp->unsaved)
        otw_error("spool: cannot save the cursor in %s: %s; %" PRIu64 " delivered message(s) "
                  "would be sent again by the next start; spooled ones wait until it is saved",
                  sp->dir, why, sp->unsaved);
    else if (sp->cursor_ok)
        otw_error("spool: cannot save the cursor in %s: %s; spooled messages wait until it is "
                  "saved",
                  sp->dir, why);
    sp->cursor_ok = false;
    return -1;
}

/* Reads dir/cursor: the newer whole slot, or the text "SEG OFF" of older
 * versions (then *cfd stays -1: the file is made anew). 0 if one was read. */
static int load_cursor(otw_spool *sp, int *cfd)
{
    char path[PATH_SZ];
    unsigned char b[2 * SLOT];
    snprintf(path, sizeof(path), "%s/cursor.tmp", sp->dir);
    unlink(path); /* older versions' leftover */
    snprintf(path, sizeof(path), "%s/cursor", sp->dir);
    *cfd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (*cfd < 0)
        return -1;
    ssize_t n = pread(*cfd, b, sizeof(b), 0);
    bool found = false;
    for (unsigned i = 0; n == (ssize_t)sizeof(b) && i < 2; i++) {
        uint64_t seq, untold;
        otw_spool_pos cur, sending;
        if (parse_slot(b + i * SLOT, &seq, &cur, &untold, &sending) == 0 &&
            (!found || seq > sp->cseq)) {
            sp->cseq = seq;
            sp->cur = cur;
            sp->untold = untold;
            sp->sending = sending;
            found = true;
        }
    }
    if (found)
        return 0;
    char text[64];
    size_t tl = n > 0 ? (size_t)n : 0;
    tl = tl < sizeof(text) - 1 ? tl : sizeof(text) - 1;
    memcpy(text, b, tl);
    text[tl] = '\0';
    close(*cfd);
    *cfd = -1;
    return sscanf(text, "%" SCNu64 " %" SCNu64, &sp->cur.seg, &sp->cur.off) == 2 ? 0 : -1;
}

/* Makes the cursor file (both slots) under a temporary name, then renames
 * it over the old one; the only time the cursor needs new disk space. */
static int make_cursor(otw_spool *sp)
{
    char tmp[PATH_SZ], path[PATH_SZ];
    unsigned char b[2 * SLOT];
    snprintf(tmp, sizeof(tmp), "%s/cursor.tmp", sp->dir);
    snprintf(path, sizeof(path), "%s/cursor", sp->dir);
    fill_slot(sp, sp->cseq + 2, b + ((sp->cseq + 2) & 1) * SLOT);
    fill_slot(sp, sp->cseq + 1, b + ((sp->cseq + 1) & 1) * SLOT);
    int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd >= 0 && (pwrite(fd, b, sizeof(b), 0) != (ssize_t)sizeof(b) || rename(tmp, path) != 0)) {
        int e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
        fd = -1;
    }
    if (fd < 0) {
        /* No room for a new file: an older version's cursor already holds
         * a block, rewritten in place (not atomic, done once). */
        int e = errno;
        struct stat st;
        fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_size == 0 ||
                        pwrite(fd, b, sizeof(b), 0) != (ssize_t)sizeof(b))) {
            close(fd);
            fd = -1;
        }
        if (fd < 0) {
            errno = e;
            return -1;
        }
    }
    sp->cfd = fd;
    sp->cseq += 2;
    return 0;
}

static int push_seg(otw_spool *sp, uint64_t seq, uint64_t size, uint64_t nrec)
{
    seginfo *n = otw_grow(sp->segs, sp->nsegs, &sp->segcap, sizeof(*n), 16);
    if (!n)
        return -1;
    sp->segs = n;
    sp->segs[sp->nsegs++] = (seginfo){seq, size, nrec};
    return 0;
}

static void close_reader(otw_spool *sp)
{
    if (sp->rfd >= 0)
        close(sp->rfd);
    sp->rfd = -1;
}

static int reader_fd(otw_spool *sp, uint64_t seq)
{
    if (sp->rfd >= 0 && sp->rseq == seq)
        return sp->rfd;
    close_reader(sp);
    char path[PATH_SZ];
    seg_path(sp, seq, path);
    sp->rfd = open(path, O_RDONLY | O_CLOEXEC);
    sp->rseq = seq;
    return sp->rfd;
}

/* Deletes segs[0] (never the last one). */
static void remove_first(otw_spool *sp)
{
    char path[PATH_SZ];
    seg_path(sp, sp->segs[0].seq, path);
    if (sp->rfd >= 0 && sp->rseq == sp->segs[0].seq)
        close_reader(sp);
    unlink(path);
    sp->total -= sp->segs[0].size;
    memmove(sp->segs, sp->segs + 1, (sp->nsegs - 1) * sizeof(seginfo));
    sp->nsegs--;
}

static int rotate(otw_spool *sp)
{
    char path[PATH_SZ];
    uint64_t seq = sp->segs[sp->nsegs - 1].seq + 1;
    seg_path(sp, seq, path);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    if (push_seg(sp, seq, 0, 0) < 0) {
        close(fd);
        unlink(path);
        return -1;
    }
    if (sp->wfd >= 0)
        close(sp->wfd);
    sp->wfd = fd;
    return 0;
}

/* Drops the oldest segment with its undelivered records (spool full). */
static void drop_oldest(otw_spool *sp)
{
    seginfo *s = &sp->segs[0];
    bool has_cursor = sp->cur.seg == s->seq;
    uint64_t n = s->nrec - (has_cursor ? sp->cur_consumed : 0);
    sp->dropped += n;
    sp->untold += n;
    remove_first(sp);
    if (has_cursor) {
        sp->cur = (otw_spool_pos){sp->segs[0].seq, 0};
        sp->cur_consumed = 0;
        sp->gen++;
    }
    save_cursor(sp); /* the count to announce survives a restart */
}

static bool pos_after(otw_spool_pos a, otw_spool_pos b)
{
    return a.seg > b.seg || (a.seg == b.seg && a.off > b.off);
}

/* Records from the cursor to the end of the batch that was being sent. */
static uint64_t count_unsure(const otw_spool *sp)
{
    uint64_t n = 0;
    for (size_t i = 0; i < sp->nsegs; i++) {
        const seginfo *s = &sp->segs[i];
        if (s->seq < sp->cur.seg || s->seq > sp->sending.seg)
            continue;
        uint64_t before = s->seq == sp->cur.seg ? sp->cur_consumed : 0, upto = s->nrec;
        if (s->seq == sp->sending.seg) {
            char path[PATH_SZ];
            uint64_t end;
            seg_path(sp, s->seq, path);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            upto = 0;
            if (fd >= 0) {
                scan(fd, s->size, sp->sending.off, &end, &upto);
                close(fd);
            }
        }
        n += upto > before ? upto - before : 0;
    }
    return n;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Segment sequence numbers in dir, sorted. */
static int list_segments(const char *dir, uint64_t **out, size_t *n)
{
    DIR *d = opendir(dir);
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        if (strlen(nm) != 20 || strcmp(nm + 16, ".seg") != 0 ||
            strspn(nm, "0123456789abcdef") != 16)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            uint64_t *nw = realloc(*out, cap * sizeof(uint64_t));
            if (!nw) {
                closedir(d);
                return -1;
            }
            *out = nw;
        }
        (*out)[(*n)++] = strtoull(nm, NULL, 16);
    }
    closedir(d);
    if (*n)
        qsort(*out, *n, sizeof(uint64_t), cmp_u64);
    return 0;
}

otw_spool *otw_spool_open(const char *dir, uint64_t cap_bytes, uint64_t seg_bytes, char *err,
                          size_t errsz)
{
    otw_spool *sp = calloc(1, sizeof(*sp));
    uint64_t *seqs = NULL;
    size_t nseq = 0;
    char path[PATH_SZ];
    if (!sp) {
        snprintf(err, errsz, "spool: out of memory");
        return NULL;
    }
    sp->wfd = sp->rfd = sp->cfd = -1;
    sp->cursor_ok = true;
    pthread_mutex_init(&sp->mu, NULL);
    snprintf(sp->dir, sizeof(sp->dir), "%s", dir);
    if (seg_bytes == 0) {
        seg_bytes = cap_bytes / 16;
        seg_bytes = seg_bytes < SEG_MIN ? SEG_MIN : seg_bytes > SEG_MAX ? SEG_MAX : seg_bytes;
    }
    sp->seg_bytes = seg_bytes;
    sp->cap = cap_bytes < 2 * seg_bytes ? 2 * seg_bytes : cap_bytes;
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        snprintf(err, errsz, "spool: cannot create %s: %s", dir, strerror(errno));
        goto fail;
    }
    if (list_segments(dir, &seqs, &nseq) != 0) {
        snprintf(err, errsz, "spool: cannot read %s: %s", dir, strerror(errno));
        goto fail;
    }
    /* The cursor; missing or unreadable: from the oldest record. */
    bool have_cursor = load_cursor(sp, &sp->cfd) == 0;
    for (size_t i = 0; i < nseq; i++) {
        seg_path(sp, seqs[i], path);
        if (have_cursor && seqs[i] < sp->cur.seg) {
            unlink(path); /* delivered before the last stop */
            continue;
        }
        int fd = open(path, O_RDWR | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            snprintf(err, errsz, "spool: cannot open %s: %s", path, strerror(errno));
            if (fd >= 0)
                close(fd);
            goto fail;
        }
        uint64_t end, nrec;
        scan(fd, (uint64_t)st.st_size, UINT64_MAX, &end, &nrec);
        if (i == nseq - 1 && end < (uint64_t)st.st_size && ftruncate(fd, (off_t)end) != 0) {
            snprintf(err, errsz, "spool: cannot repair %s: %s", path, strerror(errno));
            close(fd);
            goto fail;
        }
        if (seqs[i] == sp->cur.seg) {
            /* Count what was delivered from this segment, on a record boundary. */
            uint64_t at, k;
            scan(fd, end, sp->cur.off, &at, &k);
            sp->cur.off = at;
            sp->cur_consumed = k;
        }
        close(fd);
        if (push_seg(sp, seqs[i], end, nrec) < 0) {
            snprintf(err, errsz, "spool: out of memory");
            goto fail;
        }
        sp->total += end;
    }
    if (sp->nsegs == 0) {
        uint64_t seq = have_cursor && sp->cur.seg ? sp->cur.seg : 1;
        seg_path(sp, seq, path);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (fd < 0 || push_seg(sp, seq, 0, 0) < 0) {
            snprintf(err, errsz, "spool: cannot create %s: %s", path, strerror(errno));
            if (fd >= 0)
                close(fd);
            goto fail;
        }
        close(fd);
    }
    if (!have_cursor || sp->cur.seg < sp->segs[0].seq ||
        sp->cur.seg > sp->segs[sp->nsegs - 1].seq) {
        sp->cur = (otw_spool_pos){sp->segs[0].seq, 0};
        sp->cur_consumed = 0;
    } else {
        /* A cursor segment that vanished: start at the next one. */
        size_t i = 0;
        while (sp->segs[i].seq < sp->cur.seg)
            i++;
        if (sp->segs[i].seq != sp->cur.seg) {
            sp->cur = (otw_spool_pos){sp->segs[i].seq, 0};
            sp->cur_consumed = 0;
        }
    }
    /* Killed while a batch was out: it goes again, and the collector may
     * already have it. Said, since those ids then arrive twice. */
    if (have_cursor && pos_after(sp->sending, sp->cur) && (sp->unsure = count_unsure(sp)) > 0)
        otw_warn("spool: %" PRIu64 " message(s) in %s were being sent when the last run stopped, "
                 "without acknowledgement: they are sent again and the collector may get them "
                 "twice (same alert ids)",
                 sp->unsure, dir);
    seg_path(sp, sp->segs[sp->nsegs - 1].seq, path);
    sp->wfd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (sp->wfd < 0) {
        snprintf(err, errsz, "spool: cannot open %s: %s", path, strerror(errno));
        goto fail;
    }
    free(seqs);
    save_cursor(sp); /* makes the file if needed; failing, delivery waits */
    return sp;
fail:
    free(seqs);
    otw_spool_close(sp);
    return NULL;
}

int otw_spool_append(otw_spool *sp, const void *rec, size_t len)
{
    unsigned char h[HDR];
    int rc = -1;
    pthread_mutex_lock(&sp->mu);
    if (len == 0 || len > OTW_SPOOL_MAX_RECORD || HDR + len > sp->seg_bytes)
        goto out;
    seginfo *last = &sp->segs[sp->nsegs - 1];
    if (last->size > 0 && last->size + HDR + len > sp->seg_bytes && rotate(sp) != 0)
        goto nospace;
    while (sp->total + HDR + len > sp->cap) {
        if (sp->nsegs == 1 && rotate(sp) != 0)
            goto nospace;
        drop_oldest(sp);
    }
    last = &sp->segs[sp->nsegs - 1];
    put32(h, (uint32_t)len);
    put32(h + 4, otw_crc32(rec, len));
    struct iovec iov[2] = {{h, HDR}, {(void *)rec, len}};
    ssize_t w = -1;
    if (!injected(sp, OTW_SPOOL_FAULT_APPEND)) {
        do
            w = writev(sp->wfd, iov, 2);
        while (w < 0 && errno == EINTR);
    }
    if (w != (ssize_t)(HDR + len)) {
        int e = w < 0 ? errno : ENOSPC; /* a short write: the disk filled up */
        if (w > 0 && ftruncate(sp->wfd, (off_t)last->size) != 0)
            rotate(sp); /* a torn record stays behind: start a clean segment */
        if (e == ENOSPC || e == EDQUOT)
            rc = OTW_SPOOL_NOSPACE;
        goto out;
    }
    last->size += HDR + len;
    last->nrec++;
    sp->total += HDR + len;
    sp->appended++;
    rc = 0;
    goto out;
nospace:
    if (errno == ENOSPC || errno == EDQUOT)
        rc = OTW_SPOOL_NOSPACE;
out:
    if (rc == -1) { /* refused for good: counted and announced */
        sp->dropped++;
        sp->untold++;
        save_cursor(sp);
    }
    pthread_mutex_unlock(&sp->mu);
    return rc;
}

static size_t seg_index(const otw_spool *sp, uint64_t seq)
{
    size_t i = 0;
    while (i + 1 < sp->nsegs && sp->segs[i].seq < seq)
        i++;
    return i;
}

size_t otw_spool_read(otw_spool *sp, otw_spool_batch *b)
{
    size_t used = 0;
    unsigned char h[HDR];
    pthread_mutex_lock(&sp->mu);
    b->n = 0;
    b->start = sp->cur;
    b->gen = sp->gen;
    otw_spool_pos pos = sp->cur;
    while (b->n < OTW_SPOOL_BATCH) {
        size_t i = seg_index(sp, pos.seg);
        const seginfo *s = &sp->segs[i];
        if (s->seq != pos.seg)
            pos = (otw_spool_pos){s->seq, 0};
        if (pos.off >= s->size) {
            if (i + 1 == sp->nsegs)
                break;
            pos = (otw_spool_pos){sp->segs[i + 1].seq, 0};
            continue;
        }
        int fd = reader_fd(sp, s->seq);
        if (fd < 0 || pread_all(fd, h, HDR, pos.off) != 0)
            break; /* I/O trouble: try again later */
        uint32_t len = get32(h);
        bool bad_hdr = len == 0 || len > OTW_SPOOL_MAX_RECORD || pos.off + HDR + len > s->size;
        if (!bad_hdr && used + len > b->cap)
            break;
        if (!bad_hdr && pread_all(fd, b->buf + used, len, pos.off + HDR) != 0)
            break;
        if (bad_hdr || otw_crc32(b->buf + used, len) != get32(h + 4)) {
            /* Damaged on disk: skipped at the cursor and counted as dropped;
             * a bad CRC costs its record, a bad header the segment's rest. */
            if (b->n > 0)
                break;
            if (pos.seg != sp->cur.seg)
                sp->cur_consumed = 0; /* the cursor's segment was finished */
            uint64_t skipped = bad_hdr ? s->nrec - sp->cur_consumed : 1;
            sp->dropped += skipped;
            sp->untold += skipped;
            sp->cur_consumed += skipped;
            pos.off = bad_hdr ? s->size : pos.off + HDR + len;
            sp->cur = pos;
            b->start = pos;
            save_cursor(sp);
            continue;
        }
        b->off[b->n] = used;
        b->len[b->n] = len;
        used += len;
        pos.off += HDR + len;
        b->after[b->n++] = pos;
    }
    pthread_mutex_unlock(&sp->mu);
    return b->n;
}

void otw_spool_commit(otw_spool *sp, const otw_spool_batch *b, size_t n_done)
{
    pthread_mutex_lock(&sp->mu);
    if (n_done > b->n)
        n_done = b->n;
    for (size_t i = 0; i < n_done; i++) {
        if (!pos_after(b->after[i], sp->cur))
            continue; /* dropped meanwhile (counted), or already committed */
        if (b->after[i].seg != sp->cur.seg) {
            sp->cur.seg = b->after[i].seg;
            sp->cur_consumed = 0;
        }
        sp->cur.off = b->after[i].off;
        sp->cur_consumed++;
        sp->delivered++;
        sp->unsaved++;
    }
    /* Delivered segments go; so does a finished one that is not the last. */
    while (sp->nsegs > 1 && (sp->segs[0].seq < sp->cur.seg ||
                             (sp->segs[0].seq == sp->cur.seg && sp->cur.off >= sp->segs[0].size))) {
        if (sp->segs[0].seq == sp->cur.seg) {
            sp->cur = (otw_spool_pos){sp->segs[1].seq, 0};
            sp->cur_consumed = 0;
        }
        remove_first(sp);
    }
    save_cursor(sp);
    pthread_mutex_unlock(&sp->mu);
}

static uint64_t pending_locked(const otw_spool *sp)
{
    uint64_t n = 0;
    for (size_t i = 0; i < sp->nsegs; i++)
        n += sp->segs[i].nrec;
    return n - sp->cur_consumed;
}

uint64_t otw_spool_pending(otw_spool *sp)
{
    pthread_mutex_lock(&sp->mu);
    uint64_t n = pending_locked(sp);
    pthread_mutex_unlock(&sp->mu);
    return n;
}

void otw_spool_get_stats(otw_spool *sp, otw_spool_stats *st)
{
    pthread_mutex_lock(&sp->mu);
    st->appended = sp->appended;
    st->delivered = sp->delivered;
    st->dropped = sp->dropped;
    st->pending = pending_locked(sp);
    st->bytes = sp->total;
    st->segments = (uint32_t)sp->nsegs;
    st->untold = sp->untold;
    st->unsaved = sp->cursor_ok ? 0 : sp->unsaved;
    st->unsure = sp->unsure;
    pthread_mutex_unlock(&sp->mu);
}

int otw_spool_sending(otw_spool *sp, const otw_spool_batch *b)
{
    if (b->n == 0)
        return 0;
    pthread_mutex_lock(&sp->mu);
    sp->sending = b->after[b->n - 1];
    int rc = save_cursor(sp);
    pthread_mutex_unlock(&sp->mu);
    return rc;
}

uint64_t otw_spool_untold(otw_spool *sp)
{
    pthread_mutex_lock(&sp->mu);
    uint64_t n = sp->untold;
    pthread_mutex_unlock(&sp->mu);
    return n;
}

void otw_spool_told(otw_spool *sp, uint64_t n)
{
    pthread_mutex_lock(&sp->mu);
    sp->untold -= n < sp->untold ? n : sp->untold;
    if (save_cursor(sp) != 0)
        otw_error("spool: %" PRIu64 " dropped message(s) were announced but that could not be "
                  "saved in %s: the next start may announce them again",
                  n, sp->dir);
    pthread_mutex_unlock(&sp->mu);
}

void otw_spool_add_dropped(otw_spool *sp, uint64_t n)
{
    pthread_mutex_lock(&sp->mu);
    sp->dropped += n;
    sp->untold += n;
    save_cursor(sp);
    pthread_mutex_unlock(&sp->mu);
}

bool otw_spool_cursor_ok(otw_spool *sp)
{
    pthread_mutex_lock(&sp->mu);
    bool ok = sp->cursor_ok || save_cursor(sp) == 0;
    pthread_mutex_unlock(&sp->mu);
    return ok;
}

void otw_spool_set_fault(otw_spool *sp, otw_spool_fault_fn fn, void *ctx)
{
    pthread_mutex_lock(&sp->mu);
    sp->fault = fn;
    sp->fault_ctx = ctx;
    pthread_mutex_unlock(&sp->mu);
}

void otw_spool_close(otw_spool *sp)
{
    if (!sp)
        return;
    if (!sp->cursor_ok && save_cursor(sp) != 0 && sp->unsaved)
        otw_error("spool: the cursor in %s could not be saved: the next start sends %" PRIu64
                  " delivered message(s) again",
                  sp->dir, sp->unsaved);
    if (sp->cfd >= 0)
        close(sp->cfd);
    if (sp->wfd >= 0)
        close(sp->wfd);
    close_reader(sp);
    pthread_mutex_destroy(&sp->mu);
    free(sp->segs);
    free(sp);
}
