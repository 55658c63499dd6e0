/* chain.h - hash chains over the evidence: alerts, operations (and, once it
 * exists, coverage).
 *
 * Each stream is a chain of records: link(i) = SHA-256(link(i-1) || bytes(i)),
 * link(0) being 32 zero bytes, so editing, removing or inserting any record
 * changes every link after it, and the head (the last link with the number
 * of records) stands for the whole stream. SHA-256 is nettle's
 * (GnuTLS brings it; hardware SHA instructions where present).
 *
 * Streams (docs/architecture.md "Evidence that holds"):
 *   alerts - state.db: every write of an alert row at a checkpoint is one
 *            record of table alert_chain (store.c), its bytes the row's
 *            columns as stored, tagged (otw_chain_rec_*);
 *   ops    - the operations log: every line (without its newline) is one
 *            record; the link of line i is the i-th 32 bytes of the sidecar
 *            FILE.chain (oplog.c writes both on its writer thread);
 *   coverage - not built yet: OTW_CHAIN_COVERAGE names its stream, its
 *            records would be chained like the alerts' (a table with a link
 *            per row) and its head stored and sent with the others.
 *
 * Nothing here allocates after init; a record is hashed in a caller's
 * otw_chain_rec on the stack. */
#ifndef OTW_CHAIN_H
#define OTW_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OTW_CHAIN_LINK 32
#define OTW_CHAIN_HEX (2 * OTW_CHAIN_LINK + 1)

/* Stream names, as stored (meta chain_NAME) and sent to syslog. */
#define OTW_CHAIN_ALERTS "alerts"
#define OTW_CHAIN_OPS "ops"
#define OTW_CHAIN_COVERAGE "coverage" /* hook: no records yet */

/* A chain's head: how many records, and the last link. */
typedef struct otw_chain {
    uint64_t n;
    uint8_t head[OTW_CHAIN_LINK];
} otw_chain;

/* One record being hashed: begin, feed, end. Opaque (nettle's state). */
typedef struct otw_chain_rec {
    _Alignas(16) unsigned char opaque[128];
} otw_chain_rec;

/* An empty chain (n 0, head all zero bytes). */
void otw_chain_init(otw_chain *c);
/* Starts the record that follows c's head. */
void otw_chain_begin(const otw_chain *c, otw_chain_rec *r);
/* Raw bytes (the ops stream: a line as written). */
void otw_chain_rec_bytes(otw_chain_rec *r, const void *p, size_t n);
/* Tagged values (a row's columns): unambiguous whatever the text holds. */
void otw_chain_rec_null(otw_chain_rec *r);
void otw_chain_rec_int(otw_chain_rec *r, int64_t v);
void otw_chain_rec_text(otw_chain_rec *r, const char *s, size_t n);
/* Ends the record: link = its hash; c's head becomes it, n + 1. */
void otw_chain_end(otw_chain *c, otw_chain_rec *r, uint8_t link[OTW_CHAIN_LINK]);
/* begin + bytes + end. */
void otw_chain_append(otw_chain *c, const void *p, size_t n, uint8_t link[OTW_CHAIN_LINK]);

void otw_chain_hex(const uint8_t link[OTW_CHAIN_LINK], char out[OTW_CHAIN_HEX]);
/* "N HEX" (as kept in the state's meta) <-> head; parse: 0 or -1. */
void otw_chain_format(const otw_chain *c, char *out, size_t outsz);
int otw_chain_parse(const char *s, otw_chain *c);

/* --- a line file and its sidecar of links (the operations log) ---------- */

/* Where a line file's chain stood when last recorded: its head and the
 * file's length then. Kept in the state (meta chain_ops: "N HEX OFFSET"). */
typedef struct otw_chain_anchor {
    otw_chain chain;
    uint64_t offset;
} otw_chain_anchor;

void otw_chain_anchor_format(const otw_chain_anchor *a, char *out, size_t outsz);
int otw_chain_anchor_parse(const char *s, otw_chain_anchor *a);

/* The sidecar of a line file: path + ".chain". */
void otw_chain_sidecar_path(const char *path, char *out, size_t outsz);

/* Brings the chain of the line file path up to its end before a writer
 * appends: from the anchor (NULL: from the first line), the lines written
 * after it (by a run killed before its next checkpoint) are chained and
 * their links written to the sidecar, which is first cut back to the
 * anchor's records. A file shorter than the anchor (replaced, truncated)
 * is chained again from its first line, with *restarted set. *a gets the
 * head at the file's end; *added the records chained. 0, or -1 + err. */
int otw_chain_catch_up(const char *path, otw_chain_anchor *a, uint64_t *added, bool *restarted,
                       char *err, size_t errsz);

/* What did not match (the views word it in each language). */
typedef enum otw_chain_fault {
    OTW_CF_NONE = 0,
    OTW_CF_LINK,           /* the record does not hash to its link: edited, inserted, removed */
    OTW_CF_NO_LINK,        /* a line the chain file has no link for, before the recorded head */
    OTW_CF_HEAD,           /* the chain does not end at the head recorded (rewritten, cut) */
    OTW_CF_SHORT,          /* fewer records than the state recorded (removed at the end) */
    OTW_CF_ROW_MISSING,    /* a record's alert row is gone */
    OTW_CF_ROW_EDITED,     /* an alert row's count or last time is not its last record's */
    OTW_CF_ROW_UNCHAINED,  /* an alert row no record has (inserted afterwards) */
    OTW_CF_HEAD_UNREADABLE /* the head recorded in the state cannot be read */
} otw_chain_fault;

/* Verification of a line file against its sidecar and, if given, the
 * anchor the state recorded. */
typedef struct otw_chain_check {
    bool ok;
    uint64_t checked;      /* records recomputed */
    otw_chain head;        /* recomputed head over the checked records */
    uint64_t bad_line;     /* first line (1-based) or record (seq) that does not match, 0 if none */
    int64_t bad_id;        /* the alert it is about (alerts stream), 0 if none */
    uint64_t bad_off;      /* its byte offset */
    char bad_ts[40];       /* its "ts" field, if it has one */
    otw_chain_fault fault; /* what did not match */
    char why[160];         /* the same in English, with figures */
} otw_chain_check;

/* Recomputes every line's link and compares it with the sidecar's; a line
 * with no link in the sidecar (the sensor has not written it yet) ends the
 * check. With anchor: the file must reach it and the link of its last
 * record must be its head. 0 (see res->ok), or -1 + err when the file
 * cannot be read. */
int otw_chain_check_file(const char *path, const otw_chain_anchor *anchor, otw_chain_check *res,
                         char *err, size_t errsz);

#endif
