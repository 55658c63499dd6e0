/* capture.h - packet sources: capture files (pcap and pcapng, several in
 * timestamp order) and live interfaces (libpcap, immediate mode). */
#ifndef OTW_CAPTURE_H
#define OTW_CAPTURE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>
#include <stdio.h>

#include "config.h"

/* Where captured frames go (the pipeline, in practice): the capture layer
 * knows nothing of what is done with them. */
typedef struct otw_frame_sink {
    void *ctx;
    /* src: the source's index (the file or interface, in the order given). */
    void (*frame)(void *ctx, int src, int dlt, const uint8_t *frame, uint32_t caplen,
                  uint32_t wire_len, uint64_t ts_us);
    /* Time passes on an idle network (live only); may be NULL. */
    void (*tick)(void *ctx, uint64_t now_us);
    /* Live only, about once a second per interface: the kernel's drops
     * since it was opened (pcap_stats: dropped + interface dropped) and its
     * link (1 up, 0 down, -1 unknown); may be NULL. */
    void (*source_stats)(void *ctx, int src, uint64_t drops_total, int link_up, uint64_t now_us);
} otw_frame_sink;

typedef struct otw_files otw_files;

/* Opens every file (and compiles the filter) before anything is read, so a
 * bad file fails the command without touching the state. */
otw_files *otw_files_open(char *const *paths, int n, const char *filter, char *err, size_t errsz);
/* Feeds all packets in timestamp order. progress: print progress on stderr.
 * Returns 0, or -1 with err for a read error (a truncated last record is
 * only a warning, printed on stderr). */
int otw_files_run(otw_files *fs, const otw_frame_sink *sink, bool progress,
                  volatile sig_atomic_t *stop, char *err, size_t errsz);
/* The link types among the files that cannot be decoded, as
 * "PPP (DLT 9)" joined with ", "; "" when every file's can. */
const char *otw_files_unsupported_links(const otw_files *fs, char *buf, size_t bufsz);
void otw_files_close(otw_files *fs);
int otw_files_count(const otw_files *fs);
const char *otw_files_path(const otw_files *fs, int i);

typedef struct otw_live otw_live;

/* Opens the interfaces (comma-separated list) in immediate mode with the
 * configured buffer; needs CAP_NET_RAW. */
otw_live *otw_live_open(const char *ifaces, const otw_config *cfg, const char *filter, char *err,
                        size_t errsz);
/* Captures until *stop; prints kernel drop counters at the end. */
int otw_live_run(otw_live *l, const otw_frame_sink *sink, volatile sig_atomic_t *stop, char *err,
                 size_t errsz);
void otw_live_print_stats(otw_live *l, FILE *f);
void otw_live_close(otw_live *l);
int otw_live_count(const otw_live *l);
const char *otw_live_name(const otw_live *l, int i);

#endif
