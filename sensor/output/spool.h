/* spool.h - bounded on-disk FIFO of messages for a collector that may be down.
 *
 * A directory of append-only segment files (NNNN.seg, 16 hex digits, each
 * record: u32 length, u32 CRC-32, bytes; little endian) and a "cursor" file
 * naming the first undelivered record. Appends go to the newest segment; a
 * reader takes records from the cursor in order and commits them once
 * delivered, and whole delivered segments are deleted. When an append would
 * exceed the cap, the oldest segment is deleted and its undelivered records
 * are counted as dropped. A torn last record (crash mid-write) is cut off at
 * open; what was committed survives a restart, so delivery is at least once.
 *
 * The cursor file is 128 bytes made once (the only time it needs disk
 * space): two checksummed slots rewritten in place by turns, so a full disk
 * cannot stop commits and a torn write leaves the older slot. It also keeps
 * the count of dropped records not yet announced ("untold"), so whichever
 * process next reaches the collector announces them, once. A disk full is
 * not a drop: the append says OTW_SPOOL_NOSPACE and the caller keeps the
 * record. A cursor that cannot be saved is said (log) once, with what the
 * next start would send again; the caller should not deliver meanwhile
 * (otw_spool_cursor_ok). The end of each batch is saved before it is sent
 * (otw_spool_sending), so a run killed before the commit is followed by
 * one that says how many records go a second time. On a copy-on-write filesystem (btrfs) an
 * in-place write may still need space.
 *
 * Thread-safe: one appender thread and one reader thread may run at once.
 */
#ifndef OTW_SPOOL_H
#define OTW_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OTW_SPOOL_MAX_RECORD 65536 /* bytes of one record's payload */
#define OTW_SPOOL_BATCH 64         /* records in one read */
#define OTW_SPOOL_NOSPACE (-2)     /* append: the disk is full, nothing stored or counted */

typedef struct otw_spool otw_spool;

typedef struct otw_spool_pos {
    uint64_t seg, off;
} otw_spool_pos;

/* Records read from the cursor, not yet committed. */
typedef struct otw_spool_batch {
    char *buf;                                         /* caller's buffer ... */
    size_t cap;                                        /* ... and its size */
    size_t n;                                          /* records read */
    size_t off[OTW_SPOOL_BATCH], len[OTW_SPOOL_BATCH]; /* each record in buf */
    otw_spool_pos start;                               /* the cursor when read */
    otw_spool_pos after[OTW_SPOOL_BATCH];              /* the position after each record */
    uint64_t gen;                                      /* drop generation when read */
} otw_spool_batch;

typedef struct otw_spool_stats {
    uint64_t appended;  /* records appended by this process */
    uint64_t delivered; /* records committed by this process */
    uint64_t dropped;   /* undelivered records deleted (full, corrupt, too big) */
    uint64_t pending;   /* records waiting, including those of earlier runs */
    uint64_t bytes;     /* size of all segments */
    uint32_t segments;
    uint64_t untold;  /* dropped, not announced yet (also by earlier runs) */
    uint64_t unsaved; /* delivered, but the cursor could not be saved since */
    uint64_t unsure;  /* at open: were being sent when the last run stopped */
} otw_spool_stats;

/* Tests: called before each cursor write or append; a nonzero errno makes
 * it fail with that errno. */
enum { OTW_SPOOL_FAULT_APPEND = 1, OTW_SPOOL_FAULT_CURSOR = 2 };
typedef int (*otw_spool_fault_fn)(void *ctx, int op);

/* Opens (creating) the spool in dir. cap_bytes bounds all segments together;
 * seg_bytes is one segment's size (0 = cap/16, between 64 KiB and 4 MiB).
 * NULL + err on failure (directory not writable...). */
otw_spool *otw_spool_open(const char *dir, uint64_t cap_bytes, uint64_t seg_bytes, char *err,
                          size_t errsz);
/* Appends one record (1..OTW_SPOOL_MAX_RECORD bytes), dropping the oldest
 * segment(s) when the cap would be exceeded. 0; OTW_SPOOL_NOSPACE when the
 * disk is full (ENOSPC, EDQUOT: not stored, not counted, the caller keeps
 * it); -1 refused (too big, I/O error: counted as dropped). */
int otw_spool_append(otw_spool *sp, const void *rec, size_t len);
/* Reads up to OTW_SPOOL_BATCH records from the cursor into b->buf (b->buf
 * and b->cap set by the caller). Returns b->n (0: nothing pending). */
size_t otw_spool_read(otw_spool *sp, otw_spool_batch *b);
/* b is about to be sent: its end is saved first, so that if the process
 * dies before the commit the next open can say that those records may
 * reach the collector twice. 0, or -1 (the cursor cannot be saved: do not
 * send). */
int otw_spool_sending(otw_spool *sp, const otw_spool_batch *b);
/* The first n_done records of b were delivered: moves the cursor past them,
 * saves it, deletes delivered segments. Records dropped meanwhile stay
 * counted as dropped. */
void otw_spool_commit(otw_spool *sp, const otw_spool_batch *b, size_t n_done);
uint64_t otw_spool_pending(otw_spool *sp);
/* Dropped records not announced yet, by this process or earlier ones. */
uint64_t otw_spool_untold(otw_spool *sp);
/* n of them were announced to the collector: saved at once. */
void otw_spool_told(otw_spool *sp, uint64_t n);
/* n records were lost before reaching the spool: counted and to announce. */
void otw_spool_add_dropped(otw_spool *sp, uint64_t n);
/* true when the cursor is saved (tries again if the last save failed):
 * records delivered while it is not would be sent again by the next start. */
bool otw_spool_cursor_ok(otw_spool *sp);
void otw_spool_set_fault(otw_spool *sp, otw_spool_fault_fn fn, void *ctx);
void otw_spool_get_stats(otw_spool *sp, otw_spool_stats *st);
void otw_spool_close(otw_spool *sp);

/* CRC-32 (IEEE 802.3, the zlib one) of n bytes. */
uint32_t otw_crc32(const void *p, size_t n);

#endif
