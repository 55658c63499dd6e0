/* coverage.h - when the sensor was watching, and what it saw of each
 * source (a live interface or a capture file): watch sessions (start,
 * stop), packets and kernel drops per minute, link down, and gaps with no
 * packets. Answers "watched continuously from T1 to T2 with N drops" or
 * names each gap (issue 17, item 2).
 *
 * Recording costs a compare and an increment per packet: the current
 * minute of each source is counted in memory, a finished minute goes to a
 * fixed pending array (allocated once), and the pending rows are written at
 * checkpoints (otw_coverage_save). A gap is
 *   - live (`run`): a minute bucket with no packets while watching (its
 *     reason "link down" when the interface's link was down in it);
 *   - a capture file (`read`): a stretch of capture time longer than
 *     coverage.read_gap (5 min) with no packets: the file did not watch then;
 *   - either: time no session covers ("not watching": the sensor was not
 *     running, or the files do not cover it), found when answering.
 * Rows older than coverage.retention (90 days of capture time) are pruned
 * at checkpoints and the pruned rows counted (meta.coverage_pruned). */
#ifndef OTW_COVERAGE_H
#define OTW_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define OTW_COV_MINUTE_US 60000000ull
#define OTW_COV_MAX_SOURCES 16
#define OTW_COV_PENDING 4096 /* finished minutes waiting for a checkpoint */

typedef enum otw_cov_kind { OTW_COV_INTERFACE, OTW_COV_FILE } otw_cov_kind;

typedef enum otw_cov_reason {
    OTW_COV_NOT_WATCHING, /* no session covers the time */
    OTW_COV_NO_PACKETS,
    OTW_COV_LINK_DOWN,
} otw_cov_reason;

const char *otw_cov_reason_name(otw_cov_reason r);

typedef struct otw_coverage otw_coverage;

/* read_gap_us: a file's silence longer than this is a gap (read only).
 * retention_us: rows older than this (capture time) are pruned; 0 keeps all. */
otw_coverage *otw_coverage_new(uint64_t read_gap_us, uint64_t retention_us);
void otw_coverage_free(otw_coverage *c);

/* Declares a source; its index is the capture's source index. A live
 * interface is watched from now_us; a file from its first packet. -1 when
 * there are too many. */
int otw_coverage_add_source(otw_coverage *c, const char *name, otw_cov_kind kind, uint64_t now_us);
int otw_coverage_sources(const otw_coverage *c);

/* One packet from source src at ts_us: the per-packet cost. Returns true
 * when the pending rows are nearly full and a save should come soon. */
bool otw_coverage_packet(otw_coverage *c, int src, uint64_t ts_us);
/* Live: time passes with no packets (finishes minutes that had none). */
void otw_coverage_tick(otw_coverage *c, uint64_t now_us);
/* Live: the interface's cumulative kernel drop counter and link state
 * (link_up < 0: unknown), read about once a second. */
void otw_coverage_source_stats(otw_coverage *c, int src, uint64_t drops_total, int link_up,
                               uint64_t now_us);
/* The end of watching (clean stop): sessions closed at now_us (live) or at
 * the last packet (files); the current minutes finished. */
void otw_coverage_stop(otw_coverage *c, uint64_t now_us);
/* Writes sessions, pending minutes and gaps in one transaction, then
 * prunes what is older than the retention before now_us. Pending rows stay
 * on failure. 0 or -1 + err. */
int otw_coverage_save(otw_coverage *c, otw_store *st, uint64_t now_us, char *err, size_t errsz);

typedef struct otw_coverage_stats {
    uint64_t packets, drops; /* counted by this process, all sources */
    uint64_t rows_written;   /* minute rows */
    uint64_t rows_lost;      /* pending array full (no save in time) */
    uint64_t pruned;         /* rows pruned by this process */
} otw_coverage_stats;
void otw_coverage_get_stats(const otw_coverage *c, otw_coverage_stats *st);

/* Creates the coverage tables if missing (a writer's migration step). */
int otw_coverage_migrate(void *sqlite_db, char **msg);

/* ---- the answer for a window ------------------------------------- */

typedef struct otw_cov_gap {
    uint64_t from_us, to_us;
    otw_cov_reason reason;
    char source[128]; /* the source whose gap it is; "" for not watching */
} otw_cov_gap;

typedef struct otw_cov_session {
    char source[128];
    otw_cov_kind kind;
    uint64_t start_us, stop_us;
    bool closed; /* stopped cleanly; else stop_us is its last checkpoint */
    uint64_t packets, drops;
} otw_cov_session;

typedef struct otw_coverage_answer {
    uint64_t from_us, to_us; /* the window */
    bool recorded;           /* the state has any coverage at all */
    bool continuous;         /* watched all of the window, no gap */
    uint64_t watched_us;     /* covered time within the window */
    uint64_t packets, drops; /* minute buckets starting within the window */
    otw_cov_gap *gaps;
    size_t n_gaps;
    otw_cov_session *sessions; /* overlapping the window, by start */
    size_t n_sessions;
    uint64_t pruned;            /* rows pruned over the state's life */
    uint64_t retention_from_us; /* oldest minute kept (0 = none) */
} otw_coverage_answer;

/* The coverage of [from_us, to_us) in the store (read-only is fine);
 * source: only that source, NULL for all (a time is watched when some
 * source watched it and was not in a gap then). from_us/to_us 0: from the
 * first session's start / to the last one's stop (to_us = from_us when
 * nothing was recorded after from_us). 0, or -1 + err. Free with
 * otw_coverage_answer_free. */
int otw_coverage_query(otw_store *st, const char *source, uint64_t from_us, uint64_t to_us,
                       otw_coverage_answer *out, char *err, size_t errsz);
void otw_coverage_answer_free(otw_coverage_answer *a);

#endif
