/* enforce.c - TCP resets for violating sessions; see enforce.h (RFC 9293
 * 3.10.7.4 for RST acceptance, RFC 791 / RFC 8200 / RFC 9293 for the headers,
 * RFC 1071 for the checksum, IEEE 802.1Q for VLAN tags). */
#include "enforce.h"

#include <libnet.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

struct otw_enforce {
    FILE *log;
    bool enabled, dry_run, live;
    char iface[64];
    uint32_t rate; /* resets per second */
    double tokens; /* token bucket on capture time */
    uint64_t tokens_ts;
    libnet_t *net;            /* owned unless it is the pre-opened handle */
    otw_enforce_send_fn send; /* test hook */
    void *send_ctx;
    otw_enforce_stats stats;
};

/* The handle opened before privileges were dropped (one per process). */
static libnet_t *g_pre_net;
static char g_pre_iface[64];

int otw_enforce_preopen(const char *iface, char *err, size_t errsz)
{
    char e[LIBNET_ERRBUF_SIZE] = "";
    if (g_pre_net && strcmp(g_pre_iface, iface) == 0)
        return 0;
    libnet_t *l = libnet_init(LIBNET_LINK_ADV, iface, e);
    if (!l) {
        snprintf(err, errsz, "cannot open injection interface %s: %s", iface, e);
        return -1;
    }
    if (g_pre_net)
        libnet_destroy(g_pre_net);
    g_pre_net = l;
    snprintf(g_pre_iface, sizeof(g_pre_iface), "%s", iface);
    return 0;
}

otw_enforce *otw_enforce_new(FILE *log)
{
    otw_enforce *e = calloc(1, sizeof(*e));
    if (e)
        e->log = log;
    return e;
}

static void close_net(otw_enforce *e)
{
    if (e->net && e->net != g_pre_net)
        libnet_destroy(e->net);
    e->net = NULL;
}

void otw_enforce_free(otw_enforce *e)
{
    if (!e)
        return;
    close_net(e);
    free(e);
}

int otw_enforce_configure(otw_enforce *e, const otw_config *cfg, bool live, char *err, size_t errsz)
{
    bool need = live && cfg->enforce_enabled && !cfg->enforce_dry_run && !e->send;
    if (need && !(e->net && strcmp(e->iface, cfg->enforce_interface) == 0)) {
        libnet_t *l;
        if (g_pre_net && strcmp(g_pre_iface, cfg->enforce_interface) == 0) {
            l = g_pre_net;
        } else {
            char le[LIBNET_ERRBUF_SIZE] = "";
            l = libnet_init(LIBNET_LINK_ADV, cfg->enforce_interface, le);
            if (!l) {
                snprintf(err, errsz, "enforcement: cannot open injection interface %s: %s",
                         cfg->enforce_interface, le);
                return -1;
            }
        }
        close_net(e);
        e->net = l;
    }
    e->enabled = cfg->enforce_enabled;
    e->dry_run = cfg->enforce_dry_run;
    e->live = live;
    snprintf(e->iface, sizeof(e->iface), "%s", cfg->enforce_interface);
    if (e->rate != cfg->enforce_max_resets_per_s) {
        e->rate = cfg->enforce_max_resets_per_s;
        e->tokens = e->rate;
    }
    return 0;
}

void otw_enforce_set_sender(otw_enforce *e, otw_enforce_send_fn fn, void *ctx)
{
    e->send = fn;
    e->send_ctx = ctx;
}

bool otw_enforce_enabled(const otw_enforce *e)
{
    return e && e->enabled;
}

const otw_enforce_stats *otw_enforce_get_stats(const otw_enforce *e)
{
    return &e->stats;
}

/* ---------------------------------------------------------- frames */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

/* Sequence space the segment occupies: its data (the length the IP header
 * states, so a snaplen cut does not shorten it) plus SYN and FIN. */
static uint32_t segment_len(const otw_packet *p)
{
    uint32_t len = p->payload_len;
    if (p->l4_truncated && p->l3_start && p->payload && p->payload >= p->l3_start) {
        uint32_t before = (uint32_t)(p->payload - p->l3_start); /* IP + TCP headers */
        uint32_t total = 0;
        if (p->l3 == OTW_L3_IPV4 && p->l3_len >= 4)
            total = (uint32_t)(p->l3_start[2] << 8 | p->l3_start[3]);
        else if (p->l3 == OTW_L3_IPV6 && p->l3_len >= 6)
            total = 40u + (uint32_t)(p->l3_start[4] << 8 | p->l3_start[5]);
        if (total > before)
            len = total - before;
    }
    if (p->tcp_flags & OTW_TCP_SYN)
        len++;
    if (p->tcp_flags & OTW_TCP_FIN)
        len++;
    return len;
}

size_t otw_enforce_build_rst(const otw_packet *p, bool toward_sender, uint8_t *buf, size_t bufsz)
{
    bool v4 = p->l3 == OTW_L3_IPV4;
    if (p->ip_proto != 6 || (p->l3 != OTW_L3_IPV4 && p->l3 != OTW_L3_IPV6) || !p->has_mac ||
        otw_mac_is_zero(p->src_mac) || otw_mac_is_zero(p->dst_mac))
        return 0;
    if (toward_sender && !(p->tcp_flags & OTW_TCP_ACK))
        return 0;
    size_t ip_len = v4 ? 20 : 40, need = 14 + 4u * p->n_vlans + ip_len + 20;
    if (need > bufsz || p->n_vlans > OTW_MAX_VLANS)
        return 0;
    const uint8_t *smac = toward_sender ? p->dst_mac : p->src_mac;
    const uint8_t *dmac = toward_sender ? p->src_mac : p->dst_mac;
    const otw_addr *sip = toward_sender ? &p->dst_ip : &p->src_ip;
    const otw_addr *dip = toward_sender ? &p->src_ip : &p->dst_ip;
    uint16_t sport = toward_sender ? p->dst_port : p->src_port;
    uint16_t dport = toward_sender ? p->src_port : p->dst_port;
    uint32_t next = p->tcp_seq + segment_len(p);
    uint32_t seq = toward_sender ? p->tcp_ack : next;
    uint32_t ack = toward_sender ? next : p->tcp_ack;
    uint8_t flags = OTW_TCP_RST | ((p->tcp_flags & OTW_TCP_ACK) || toward_sender ? OTW_TCP_ACK : 0);

    uint8_t *o = buf;
    memcpy(o, dmac, 6);
    memcpy(o + 6, smac, 6);
    o += 12;
    for (int i = 0; i < p->n_vlans; i++) { /* the decoder keeps ids, not TPIDs: 802.1Q */
        put16(o, 0x8100);
        put16(o + 2, p->vlan[i] & 0x0fff);
        o += 4;
    }
    put16(o, v4 ? 0x0800 : 0x86dd);
    o += 2;
    uint8_t *ip = o, *tcp = o + ip_len;
    memset(ip, 0, ip_len + 20);
    if (v4) {
        ip[0] = 0x45;
        put16(ip + 2, 40);
        put16(ip + 6, 0x4000); /* DF */
        ip[8] = 64;
        ip[9] = 6;
        memcpy(ip + 12, sip->b + 12, 4);
        memcpy(ip + 16, dip->b + 12, 4);
        put16(ip + 10, fold(sum16(0, ip, 20)));
    } else {
        ip[0] = 0x60;
        put16(ip + 4, 20);
        ip[6] = 6;
        ip[7] = 64;
        memcpy(ip + 8, sip->b, 16);
        memcpy(ip + 24, dip->b, 16);
    }
    put16(tcp, sport);
    put16(tcp + 2, dport);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    /* window 0, urgent 0 */
    uint32_t acc;
    if (v4) {
        acc = sum16(0, ip + 12, 8);
        acc += 6 + 20;
    } else {
        acc = sum16(0, ip + 8, 32);
        acc += 6 + 20;
    }
    acc = sum16(acc, tcp, 20);
    put16(tcp + 16, fold(acc));
    return need;
}

/* ---------------------------------------------------------- events */

static void log_event(otw_enforce *e, const char *action, const otw_packet *p,
                      const otw_enforce_info *info, uint64_t ts_us, int frames)
{
    if (!e->log)
        return;
    char buf[1024], a[64];
    otw_jsonw w;
    jw_init(&w, buf, sizeof(buf));
    jw_obj_begin(&w);
    jw_key(&w, "ts");
    jw_ts(&w, ts_us);
    jw_key(&w, "action");
    jw_str(&w, action);
    jw_key(&w, "rule");
    jw_str(&w, info && info->rule ? info->rule : "");
    jw_key(&w, "service");
    jw_str(&w, info && info->service ? info->service : "");
    jw_key(&w, "src");
    jw_obj_begin(&w);
    jw_key(&w, "zone");
    jw_str(&w, info && info->client_zone ? info->client_zone : "");
    jw_obj_end(&w);
    jw_key(&w, "dst");
    jw_obj_begin(&w);
    jw_key(&w, "zone");
    jw_str(&w, info && info->server_zone ? info->server_zone : "");
    jw_obj_end(&w);
    jw_key(&w, "segment");
    jw_obj_begin(&w);
    jw_key(&w, "from");
    jw_str(&w, otw_addr_str(&p->src_ip, a, sizeof(a)));
    jw_key(&w, "from_port");
    jw_u64(&w, p->src_port);
    jw_key(&w, "to");
    jw_str(&w, otw_addr_str(&p->dst_ip, a, sizeof(a)));
    jw_key(&w, "to_port");
    jw_u64(&w, p->dst_port);
    jw_key(&w, "seq");
    jw_u64(&w, p->tcp_seq);
    jw_key(&w, "ack");
    jw_u64(&w, p->tcp_ack);
    jw_obj_end(&w);
    jw_key(&w, "interface");
    jw_str(&w, e->iface);
    jw_key(&w, "frames");
    jw_u64(&w, (uint64_t)frames);
    jw_obj_end(&w);
    if (jw_finish(&w)) {
        fputs(buf, e->log);
        fputc('\n', e->log);
        fflush(e->log); /* rare and rate limited: each event is on disk at once */
    }
}

static bool take_token(otw_enforce *e, uint64_t ts_us)
{
    if (ts_us > e->tokens_ts) {
        e->tokens += (double)(ts_us - e->tokens_ts) / 1e6 * e->rate;
        if (e->tokens > e->rate)
            e->tokens = e->rate;
    }
    e->tokens_ts = ts_us > e->tokens_ts ? ts_us : e->tokens_ts;
    if (e->tokens < 1.0)
        return false;
    e->tokens -= 1.0;
    return true;
}

static int write_frame(otw_enforce *e, const uint8_t *frame, size_t len)
{
    if (e->send)
        return e->send(e->send_ctx, frame, len);
    if (!e->net)
        return -1;
    return libnet_adv_write_link(e->net, (uint8_t *)frame, (uint32_t)len) == (int)len ? 0 : -1;
}

otw_enforce_result otw_enforce_reset(otw_enforce *e, int dlt, const otw_packet *p,
                                     const otw_enforce_info *info, uint64_t ts_us)
{
    if (!e || !e->enabled)
        return OTW_ENFORCE_OFF;
    if (dlt != OTW_DLT_EN10MB || p->ip_proto != 6 || (p->tcp_flags & OTW_TCP_RST))
        return OTW_ENFORCE_UNSUPPORTED;
    uint8_t f1[OTW_ENFORCE_FRAME_MAX], f2[OTW_ENFORCE_FRAME_MAX];
    size_t n1 = otw_enforce_build_rst(p, false, f1, sizeof(f1));
    size_t n2 = otw_enforce_build_rst(p, true, f2, sizeof(f2));
    if (!n1 && !n2)
        return OTW_ENFORCE_UNSUPPORTED;
    int frames = (n1 ? 1 : 0) + (n2 ? 1 : 0);
    if (!take_token(e, ts_us)) {
        e->stats.rate_limited++;
        log_event(e, "rate_limited", p, info, ts_us, 0);
        return OTW_ENFORCE_RATE_LIMITED;
    }
    if (e->dry_run || (!e->live && !e->send)) {
        e->stats.would_reset++;
        log_event(e, "would_reset", p, info, ts_us, frames);
        return OTW_ENFORCE_DRY_RUN;
    }
    int ok = 0;
    if (n1 && write_frame(e, f1, n1) == 0)
        ok++;
    if (n2 && write_frame(e, f2, n2) == 0)
        ok++;
    e->stats.frames += (uint64_t)ok;
    if (ok < frames) {
        e->stats.failed++;
        log_event(e, "failed", p, info, ts_us, ok);
        return OTW_ENFORCE_FAILED;
    }
    e->stats.sent++;
    log_event(e, "reset", p, info, ts_us, frames);
    return OTW_ENFORCE_SENT;
}
