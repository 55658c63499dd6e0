/* capture.c - see capture.h. */
#include "capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "decode.h"
#include "log.h"

/* ------------------------------------------------------------ files */

typedef struct file_src {
    pcap_t *h;
    const char *path;
    int dlt;
    struct pcap_pkthdr *hdr;
    const u_char *data;
    bool done;
    long size;
} file_src;

struct otw_files {
    file_src *src;
    int n;
    long total_size;
    uint64_t packets, bytes; /* fed to the sink (progress) */
};

static int set_filter(pcap_t *h, const char *filter, const char *what, char *err, size_t errsz)
{
    if (!filter || !filter[0])
        return 0;
    struct bpf_program prog;
    if (pcap_compile(h, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errsz, "bad filter \"%s\" for %s: %s", filter, what, pcap_geterr(h));
        return -1;
    }
    int rc = pcap_setfilter(h, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        snprintf(err, errsz, "cannot set filter on %s: %s", what, pcap_geterr(h));
        return -1;
    }
    return 0;
}

otw_files *otw_files_open(char *const *paths, int n, const char *filter, char *err, size_t errsz)
{
    otw_files *fs = calloc(1, sizeof(*fs));
    if (!fs || !(fs->src = calloc((size_t)n, sizeof(file_src)))) {
        free(fs);
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    fs->n = n;
    for (int i = 0; i < n; i++) {
        char perr[PCAP_ERRBUF_SIZE] = "";
        file_src *f = &fs->src[i];
        f->path = paths[i];
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            snprintf(err, errsz, "cannot open %s: %s", paths[i], strerror(errno));
            goto fail;
        }
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errsz, "%s is a directory, not a capture file", paths[i]);
            goto fail;
        }
        f->size = (long)st.st_size;
        fs->total_size += f->size;
        f->h = pcap_open_offline_with_tstamp_precision(paths[i], PCAP_TSTAMP_PRECISION_MICRO, perr);
        if (!f->h) {
            snprintf(err, errsz, "cannot read %s: %s", paths[i],
                     strstr(perr, "unknown file format") ? "not a pcap or pcapng capture" : perr);
            goto fail;
        }
        f->dlt = pcap_datalink(f->h);
        if (set_filter(f->h, filter, paths[i], err, errsz) != 0)
            goto fail;
    }
    return fs;
fail:
    otw_files_close(fs);
    return NULL;
}

void otw_files_close(otw_files *fs)
{
    if (!fs)
        return;
    for (int i = 0; i < fs->n; i++)
        if (fs->src[i].h)
            pcap_close(fs->src[i].h);
    free(fs->src);
    free(fs);
}

const char *otw_files_unsupported_links(const otw_files *fs, char *buf, size_t bufsz)
{
    size_t len = 0;
    if (bufsz)
        buf[0] = '\0';
    for (int i = 0; i < fs->n; i++) {
        int dlt = fs->src[i].dlt;
        if (otw_decode_link_supported(dlt))
            continue;
        bool listed = false;
        for (int k = 0; k < i; k++)
            listed = listed || fs->src[k].dlt == dlt;
        if (listed || len >= bufsz)
            continue;
        const char *name = pcap_datalink_val_to_name(dlt);
        int n = snprintf(buf + len, bufsz - len, "%s%s (DLT %d)", len ? ", " : "",
                         name ? name : "unknown", dlt);
        len = n > 0 ? len + (size_t)n : len;
    }
    return buf;
}

/* Advances one source; returns -1 on a hard read error. */
static int advance(file_src *f)
{
    int rc = pcap_next_ex(f->h, &f->hdr, &f->data);
    if (rc == 1)
        return 0;
    f->done = true;
    if (rc == PCAP_ERROR) {
        /* libpcap reports a cut-off last record as an error: keep what was
         * read, warn, and go on with the other files. */
        otw_warn("%s: %s (rest of file ignored)", f->path, pcap_geterr(f->h));
    }
    return 0;
}

static uint64_t ts_of(const struct pcap_pkthdr *h)
{
    return (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long consumed_bytes(otw_files *fs)
{
    long done = 0;
    for (int i = 0; i < fs->n; i++) {
        file_src *f = &fs->src[i];
        if (f->done) {
            done += f->size;
            continue;
        }
        FILE *fp = pcap_file(f->h);
        long pos = fp ? ftell(fp) : -1;
        if (pos > 0)
            done += pos;
    }
    return done;
}

static void print_progress(otw_files *fs, double started, bool final)
{
    double el = now_s() - started;
    double pct =
        fs->total_size > 0 ? 100.0 * (double)consumed_bytes(fs) / (double)fs->total_size : 100.0;
    fprintf(stderr, "\r%llu packets, %.1f MB, %5.1f%%, %.0f packets/s   %s",
            (unsigned long long)fs->packets, (double)fs->bytes / 1e6, final ? 100.0 : pct,
            el > 0 ? (double)fs->packets / el : 0.0, final ? "\n" : "");
}

int otw_files_run(otw_files *fs, const otw_frame_sink *sink, bool progress,
                  volatile sig_atomic_t *stop, char *err, size_t errsz)
{
    (void)err;
    (void)errsz;
    for (int i = 0; i < fs->n; i++)
        advance(&fs->src[i]);
    double started = now_s(), last = started;
    uint32_t since_check = 0;
    for (;;) {
        /* Merge: the source whose next packet is oldest (few files: a scan). */
        file_src *best = NULL;
        for (int i = 0; i < fs->n; i++) {
            file_src *f = &fs->src[i];
            if (!f->done && (!best || ts_of(f->hdr) < ts_of(best->hdr)))
                best = f;
        }
        if (!best || (stop && *stop))
            break;
        sink->frame(sink->ctx, (int)(best - fs->src), best->dlt, best->data, best->hdr->caplen,
                    best->hdr->len, ts_of(best->hdr));
        fs->packets++;
        fs->bytes += best->hdr->len;
        advance(best);
        if (progress && ++since_check >= 8192) {
            since_check = 0;
            double t = now_s();
            if (t - last >= 0.5) {
                last = t;
                print_progress(fs, started, false);
            }
        }
    }
    if (progress)
        print_progress(fs, started, true);
    return 0;
}

/* ------------------------------------------------------------- live */

#define LIVE_MAX 8

#define STATS_EVERY_US 1000000u /* pcap_stats and link state per interface */

struct otw_live {
    pcap_t *h[LIVE_MAX];
    char name[LIVE_MAX][64];
    int dlt[LIVE_MAX];
    int n;
    /* pcap_stats' 32-bit counters, followed into 64 bits */
    unsigned last_drop[LIVE_MAX], last_ifdrop[LIVE_MAX];
    uint64_t drops[LIVE_MAX];
};

typedef struct live_ctx {
    const otw_frame_sink *sink;
    int src, dlt;
} live_ctx;

static void live_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    const live_ctx *c = (const live_ctx *)user;
    c->sink->frame(c->sink->ctx, c->src, c->dlt, data, h->caplen, h->len, ts_of(h));
}

otw_live *otw_live_open(const char *ifaces, const otw_config *cfg, const char *filter, char *err,
                        size_t errsz)
{
    otw_live *l = calloc(1, sizeof(*l));
    if (!l) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    char list[512];
    snprintf(list, sizeof(list), "%s", ifaces);
    char *save = NULL;
    for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        if (l->n >= LIVE_MAX) {
            snprintf(err, errsz, "too many interfaces (at most %d)", LIVE_MAX);
            goto fail;
        }
        char perr[PCAP_ERRBUF_SIZE] = "";
        pcap_t *h = pcap_create(name, perr);
        if (!h) {
            snprintf(err, errsz, "cannot open interface %s: %s", name, perr);
            goto fail;
        }
        l->h[l->n] = h;
        snprintf(l->name[l->n], sizeof(l->name[0]), "%s", name);
        l->n++;
        pcap_set_snaplen(h, (int)cfg->snaplen);
        pcap_set_promisc(h, 1);
        /* Not immediate: libpcap uses TPACKET_V3 blocks, delivered when full
         * or after the timeout, so a busy link costs one wake-up per block,
         * not per packet (immediate mode woke the sensor ~once per packet and
         * the kernel dropped from ~65k packets/s). */
        pcap_set_immediate_mode(h, cfg->capture_immediate ? 1 : 0);
        if (!cfg->capture_immediate)
            pcap_set_timeout(h, (int)cfg->capture_timeout_ms);
        pcap_set_buffer_size(h, (int)(cfg->capture_buffer_mb << 20));
        pcap_set_tstamp_precision(h, PCAP_TSTAMP_PRECISION_MICRO);
        int rc = pcap_activate(h);
        if (rc < 0) {
            if (rc == PCAP_ERROR_PERM_DENIED)
                snprintf(err, errsz,
                         "no permission to capture on %s (run as root or give the binary "
                         "CAP_NET_RAW)",
                         name);
            else if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
                snprintf(err, errsz, "no such interface: %s", name);
            else
                snprintf(err, errsz, "cannot capture on %s: %s", name, pcap_geterr(h));
            goto fail;
        }
        if (rc > 0)
            otw_warn("%s: %s", name, pcap_geterr(h));
        l->dlt[l->n - 1] = pcap_datalink(h);
        if (set_filter(h, filter, name, err, errsz) != 0)
            goto fail;
        if (pcap_setnonblock(h, 1, perr) != 0) {
            snprintf(err, errsz, "cannot set %s non-blocking: %s", name, perr);
            goto fail;
        }
    }
    if (l->n == 0) {
        snprintf(err, errsz, "no interface given");
        goto fail;
    }
    return l;
fail:
    otw_live_close(l);
    return NULL;
}

static uint64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The interface's drops since it was opened (kernel and interface), the
 * 32-bit counters of pcap_stats followed across their wrap. */
static uint64_t live_drops(otw_live *l, int i)
{
    struct pcap_stat ps;
    if (pcap_stats(l->h[i], &ps) == 0) {
        l->drops[i] +=
            (unsigned)(ps.ps_drop - l->last_drop[i]) + (unsigned)(ps.ps_ifdrop - l->last_ifdrop[i]);
        l->last_drop[i] = ps.ps_drop;
        l->last_ifdrop[i] = ps.ps_ifdrop;
    }
    return l->drops[i];
}

/* 1 up, 0 down, -1 unknown: the kernel's operational state of the link
 * (/sys/class/net/NAME/operstate; "unknown" for loopback and some drivers). */
static int link_state(const char *name)
{
    char path[128], buf[32] = "";
    if (strchr(name, '/') ||
        snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", name) >= (int)sizeof(path))
        return -1;
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    bool got = fgets(buf, sizeof(buf), f) != NULL;
    fclose(f);
    if (!got)
        return -1;
    if (strncmp(buf, "up", 2) == 0)
        return 1;
    if (strncmp(buf, "down", 4) == 0 || strncmp(buf, "lowerlayerdown", 14) == 0)
        return 0;
    return -1;
}

int otw_live_run(otw_live *l, const otw_frame_sink *sink, volatile sig_atomic_t *stop, char *err,
                 size_t errsz)
{
    uint64_t last_stats = 0;
    struct pollfd pfd[LIVE_MAX];
    for (int i = 0; i < l->n; i++) {
        pfd[i].fd = pcap_get_selectable_fd(l->h[i]);
        pfd[i].events = POLLIN;
    }
    while (!*stop) {
        int rc = poll(pfd, (nfds_t)l->n, 200);
        if (rc < 0 && errno != EINTR) {
            snprintf(err, errsz, "poll: %s", strerror(errno));
            return -1;
        }
        for (int i = 0; i < l->n; i++) {
            live_ctx ctx = {.sink = sink, .src = i, .dlt = l->dlt[i]};
            int n = pcap_dispatch(l->h[i], 512, live_cb, (u_char *)&ctx);
            if (n == PCAP_ERROR) {
                snprintf(err, errsz, "capture on %s failed: %s", l->name[i], pcap_geterr(l->h[i]));
                return -1;
            }
        }
        /* Time passes on an idle network too (expiry, checkpoints). */
        uint64_t now = wall_us();
        if (sink->tick)
            sink->tick(sink->ctx, now);
        if (sink->source_stats && now - last_stats >= STATS_EVERY_US) {
            last_stats = now;
            for (int i = 0; i < l->n; i++)
                sink->source_stats(sink->ctx, i, live_drops(l, i), link_state(l->name[i]), now);
        }
    }
    return 0;
}

void otw_live_print_stats(otw_live *l, FILE *f)
{
    for (int i = 0; i < l->n; i++) {
        struct pcap_stat ps;
        if (pcap_stats(l->h[i], &ps) == 0)
            fprintf(f, "interface=%s received=%u kernel_dropped=%u interface_dropped=%u\n",
                    l->name[i], ps.ps_recv, ps.ps_drop, ps.ps_ifdrop);
    }
}

int otw_live_count(const otw_live *l)
{
    return l->n;
}

const char *otw_live_name(const otw_live *l, int i)
{
    return i >= 0 && i < l->n ? l->name[i] : "";
}

int otw_files_count(const otw_files *fs)
{
    return fs->n;
}

const char *otw_files_path(const otw_files *fs, int i)
{
    return i >= 0 && i < fs->n ? fs->src[i].path : "";
}

void otw_live_close(otw_live *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->n; i++)
        if (l->h[i])
            pcap_close(l->h[i]);
    free(l);
}
