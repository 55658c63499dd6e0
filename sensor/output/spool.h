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
 * Thread-safe: one appender thread and one reader thread may run at once.
 */
#ifndef OTW_SPOOL_H
#define OTW_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OTW_SPOOL_MAX_RECORD 65536 /* bytes of one record's payload */
#define OTW_SPOOL_BATCH 64         /* records in one read */

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
} otw_spool_stats;

/* Opens (creating) the spool in dir. cap_bytes bounds all segments together;
 * seg_bytes is one segment's size (0 = cap/16, between 64 KiB and 4 MiB).
 * NULL + err on failure (directory not writable...). */
otw_spool *otw_spool_open(const char *dir, uint64_t cap_bytes, uint64_t seg_bytes, char *err,
                          size_t errsz);
/* Appends one record (1..OTW_SPOOL_MAX_RECORD bytes), dropping the oldest
 * segment(s) when the cap would be exceeded. 0, or -1 (counted as dropped). */
int otw_spool_append(otw_spool *sp, const void *rec, size_t len);
/* Reads up to OTW_SPOOL_BATCH records from the cursor into b->buf (b->buf
 * and b->cap set by the caller). Returns b->n (0: nothing pending). */
size_t otw_spool_read(otw_spool *sp, otw_spool_batch *b);
/* The first n_done records of b were delivered: moves the cursor past them,
 * saves it, deletes delivered segments. Records dropped meanwhile stay
 * counted as dropped. */
void otw_spool_commit(otw_spool *sp, const otw_spool_batch *b, size_t n_done);
uint64_t otw_spool_pending(otw_spool *sp);
void otw_spool_get_stats(otw_spool *sp, otw_spool_stats *st);
void otw_spool_close(otw_spool *sp);

/* CRC-32 (IEEE 802.3, the zlib one) of n bytes. */
uint32_t otw_crc32(const void *p, size_t n);

#endif
