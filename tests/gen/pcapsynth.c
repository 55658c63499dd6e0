/* pcapsynth.c - synthetic captures for the benchmark and the memory-cap checks.
 *
 * References: RFC 791 (IPv4 header and checksum), RFC 826 (ARP), RFC 768
 * (UDP), RFC 9293 (TCP), RFC 1624 (incremental checksum update); pcap files
 * through libpcap.
 *
 *   pcapsynth scale IN.pcap OUT.pcap --min-packets N [--gap-ms MS] [--keep-macs]
 *       Concatenates copies of IN until OUT holds at least N packets. Copy k
 *       (k = 0, 1, ...) is shifted in time after copy k-1 (+ gap, default
 *       1000 ms) and has the third octet of every IPv4 address (IPv4 header,
 *       ARP sender/target) set to k & 255; from copy 256 on, k >> 8 is also
 *       added to the second octet, so every copy is a distinct set of devices.
 *       Unicast MAC addresses (Ethernet, ARP, SLL) get bytes 3-4 XORed with k
 *       (the OUI, hence the vendor, stays; --keep-macs leaves them alone) so a
 *       MAC-keyed inventory also sees distinct devices.
 *       IPv4 header checksums are recomputed; TCP/UDP headers and payloads are
 *       untouched except their checksums, updated for the new pseudo-header.
 *       Ethernet (with 802.1Q tags), Linux cooked (SLL) and raw IP links.
 *
 *   pcapsynth flood OUT.pcap --flows N
 *       N distinct flows of one packet each (alternately TCP SYN and UDP),
 *       Ethernet + IPv4, sources 10.x.y.z with varying ports, 10 us apart.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PS_FLOOD_MAX 100000000UL
#define PS_MIN_MAX 1000000000UL

typedef struct ps_pkt {
    struct pcap_pkthdr hdr;
    uint8_t *data;
} ps_pkt;

static uint16_t ps_get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static void ps_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)(v & 0xff);
}

/* Ones' complement sum of 16-bit big-endian words (odd tail padded). */
static uint32_t ps_sum(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += ps_get16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t ps_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* Rewrites one IPv4 address in place for copy k. */
static void ps_renumber(uint8_t *a, unsigned long k)
{
    a[1] = (uint8_t)(a[1] + (k >> 8));
    a[2] = (uint8_t)(k & 0xff);
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') over the changed words. */
static uint16_t ps_csum_adjust(uint16_t csum, const uint8_t *old8, const uint8_t *new8, size_t n)
{
    uint32_t sum = (uint16_t)~csum;
    for (size_t i = 0; i + 1 < n; i += 2) {
        sum += (uint16_t)~ps_get16(old8 + i);
        sum += ps_get16(new8 + i);
    }
    return (uint16_t)~ps_fold(sum);
}

static void ps_rewrite_ipv4(uint8_t *ip, size_t len, unsigned long k)
{
    if (len < 20 || (ip[0] >> 4) != 4)
        return;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    if (ihl < 20 || ihl > len)
        return;
    uint8_t old[8];
    memcpy(old, ip + 12, 8);
    ps_renumber(ip + 12, k);
    ps_renumber(ip + 16, k);
    ps_put16(ip + 10, 0);
    ps_put16(ip + 10, (uint16_t)~ps_fold(ps_sum(ip, ihl, 0)));

    /* L4 checksum covers the addresses (pseudo-header): first fragment only */
    uint16_t frag = ps_get16(ip + 6);
    if (frag & 0x1fff)
        return;
    uint8_t proto = ip[9];
    size_t l4 = ihl, csum_off;
    if (proto == 6)
        csum_off = 16;
    else if (proto == 17)
        csum_off = 6;
    else
        return;
    if (l4 + csum_off + 2 > len)
        return;
    uint16_t c = ps_get16(ip + l4 + csum_off);
    if (proto == 17 && c == 0)
        return; /* UDP without checksum */
    c = ps_csum_adjust(c, old, ip + 12, 8);
    if (proto == 17 && c == 0)
        c = 0xffff;
    ps_put16(ip + l4 + csum_off, c);
}

/* Copy k of a unicast MAC; group (multicast, broadcast) and zero MACs stay. */
static void ps_remac(uint8_t *mac, unsigned long k)
{
    static const uint8_t zero[6];
    if ((mac[0] & 1) || !memcmp(mac, zero, 6))
        return;
    mac[3] ^= (uint8_t)(k >> 8);
    mac[4] ^= (uint8_t)k;
}

static void ps_rewrite_arp(uint8_t *arp, size_t len, unsigned long k, bool macs)
{
    /* htype(2) ptype(2) hlen plen op(2) sha spa tha tpa */
    if (len < 8 || ps_get16(arp + 2) != 0x0800 || arp[5] != 4)
        return;
    size_t hl = arp[4];
    size_t spa = 8 + hl, tpa = 8 + 2 * hl + 4;
    if (tpa + 4 > len)
        return;
    ps_renumber(arp + spa, k);
    ps_renumber(arp + tpa, k);
    if (macs && hl == 6) {
        ps_remac(arp + 8, k);
        ps_remac(arp + 8 + hl + 4, k);
    }
}

static void ps_rewrite(int linktype, uint8_t *p, size_t len, unsigned long k, bool macs)
{
    size_t off;
    uint16_t type;
    if (linktype == DLT_EN10MB) {
        if (len < 14)
            return;
        if (macs) {
            ps_remac(p, k);
            ps_remac(p + 6, k);
        }
        off = 12;
        type = ps_get16(p + off);
        /* 802.1Q / 802.1ad tags, at most two */
        for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8); i++) {
            off += 4;
            if (off + 2 > len)
                return;
            type = ps_get16(p + off);
        }
        off += 2;
    } else if (linktype == DLT_LINUX_SLL) {
        if (len < 16)
            return;
        if (macs && ps_get16(p + 4) == 6)
            ps_remac(p + 6, k);
        type = ps_get16(p + 14);
        off = 16;
    } else if (linktype == DLT_RAW || linktype == DLT_IPV4) {
        type = 0x0800;
        off = 0;
    } else {
        return;
    }
    if (type == 0x0800)
        ps_rewrite_ipv4(p + off, len - off, k);
    else if (type == 0x0806)
        ps_rewrite_arp(p + off, len - off, k, macs);
}

static int ps_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || v > max)
        return -1;
    *out = v;
    return 0;
}

static int ps_scale(const char *in_path, const char *out_path, unsigned long min_packets,
                    unsigned long gap_ms, bool macs)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *in = pcap_open_offline_with_tstamp_precision(in_path, PCAP_TSTAMP_PRECISION_MICRO, err);
    if (!in) {
        fprintf(stderr, "pcapsynth: %s\n", err);
        return 1;
    }
    int linktype = pcap_datalink(in);
    int snaplen = pcap_snapshot(in);
    if (linktype != DLT_EN10MB && linktype != DLT_LINUX_SLL && linktype != DLT_RAW &&
        linktype != DLT_IPV4)
        fprintf(stderr, "pcapsynth: link type %d not renumbered, copies are identical\n", linktype);

    ps_pkt *pkts = NULL;
    size_t n = 0, cap = 0;
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            ps_pkt *np = realloc(pkts, cap * sizeof(*pkts));
            if (!np) {
                perror("pcapsynth");
                return 1;
            }
            pkts = np;
        }
        pkts[n].hdr = *h;
        pkts[n].data = malloc(h->caplen ? h->caplen : 1);
        if (!pkts[n].data) {
            perror("pcapsynth");
            return 1;
        }
        memcpy(pkts[n].data, data, h->caplen);
        n++;
    }
    if (rc == -1)
        fprintf(stderr, "pcapsynth: %s: %s (using the %zu packets read)\n", in_path,
                pcap_geterr(in), n);
    pcap_close(in);
    if (n == 0) {
        fprintf(stderr, "pcapsynth: %s holds no packets\n", in_path);
        free(pkts);
        return 1;
    }

    /* copy k starts at first + k * (span + gap) */
    int64_t first = INT64_MAX, last = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        int64_t t = (int64_t)pkts[i].hdr.ts.tv_sec * 1000000 + pkts[i].hdr.ts.tv_usec;
        first = t < first ? t : first;
        last = t > last ? t : last;
    }
    int64_t period = last - first + (int64_t)gap_ms * 1000;
    if (period <= 0)
        period = 1;

    pcap_t *dead =
        pcap_open_dead_with_tstamp_precision(linktype, snaplen, PCAP_TSTAMP_PRECISION_MICRO);
    pcap_dumper_t *out = dead ? pcap_dump_open(dead, out_path) : NULL;
    if (!out) {
        fprintf(stderr, "pcapsynth: %s: %s\n", out_path, dead ? pcap_geterr(dead) : "pcap");
        return 1;
    }
    uint8_t *buf = malloc(65536 + 1);
    if (!buf) {
        perror("pcapsynth");
        return 1;
    }
    unsigned long written = 0, copies = 0;
    for (unsigned long k = 0; written < min_packets || k == 0; k++) {
        for (size_t i = 0; i < n; i++) {
            struct pcap_pkthdr oh = pkts[i].hdr;
            size_t cl = oh.caplen > 65536 ? 65536 : oh.caplen;
            oh.caplen = (bpf_u_int32)cl;
            int64_t t = (int64_t)oh.ts.tv_sec * 1000000 + oh.ts.tv_usec + (int64_t)k * period;
            oh.ts.tv_sec = (time_t)(t / 1000000);
            oh.ts.tv_usec = (suseconds_t)(t % 1000000);
            memcpy(buf, pkts[i].data, cl);
            ps_rewrite(linktype, buf, cl, k, macs);
            pcap_dump((u_char *)out, &oh, buf);
            written++;
        }
        copies++;
    }
    int bad = pcap_dump_flush(out);
    pcap_dump_close(out);
    pcap_close(dead);
    free(buf);
    for (size_t i = 0; i < n; i++)
        free(pkts[i].data);
    free(pkts);
    if (bad) {
        fprintf(stderr, "pcapsynth: %s: write error\n", out_path);
        return 1;
    }
    fprintf(stderr, "pcapsynth: wrote %lu packets (%lu copies of %zu) to %s\n", written, copies, n,
            out_path);
    return 0;
}

static size_t ps_build_flow(uint8_t *p, unsigned long i)
{
    bool udp = i & 1;
    uint8_t src[4] = {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
    uint8_t dst[4] = {10, 255, (uint8_t)(i % 7), (uint8_t)(1 + i % 13)};
    /* src port also varies so more than 2^24 flows stay distinct */
    uint16_t sport = (uint16_t)(1024 + (i >> 24) * 1000 + i % 1000);
    static const uint16_t tcp_ports[] = {502, 80, 443, 102, 44818, 20000};
    static const uint16_t udp_ports[] = {53, 123, 161, 47808, 2222, 34964};
    uint16_t dport = udp ? udp_ports[(i >> 1) % 6] : tcp_ports[(i >> 1) % 6];

    /* Ethernet: locally administered MACs derived from the addresses */
    uint8_t dmac[6] = {0x02, 0x00, dst[0], dst[1], dst[2], dst[3]};
    uint8_t smac[6] = {0x02, 0x01, src[0], src[1], src[2], src[3]};
    memcpy(p, dmac, 6);
    memcpy(p + 6, smac, 6);
    ps_put16(p + 12, 0x0800);

    uint8_t *ip = p + 14;
    size_t l4len = udp ? 8 + 8 : 20;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    ps_put16(ip + 2, (uint16_t)(20 + l4len));
    ps_put16(ip + 4, (uint16_t)(i & 0xffff));
    ps_put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = udp ? 17 : 6;
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    ps_put16(ip + 10, (uint16_t)~ps_fold(ps_sum(ip, 20, 0)));

    uint8_t *l4 = ip + 20;
    memset(l4, 0, l4len);
    ps_put16(l4, sport);
    ps_put16(l4 + 2, dport);
    size_t csum_off;
    if (udp) {
        ps_put16(l4 + 4, (uint16_t)l4len);
        memcpy(l4 + 8, "otwflood", 8);
        csum_off = 6;
    } else {
        ps_put16(l4 + 4, (uint16_t)(i >> 16)); /* sequence number */
        ps_put16(l4 + 6, (uint16_t)i);
        l4[12] = 5 << 4; /* data offset */
        l4[13] = 0x02;   /* SYN */
        ps_put16(l4 + 14, 64240);
        csum_off = 16;
    }
    uint8_t pseudo[12];
    memcpy(pseudo, src, 4);
    memcpy(pseudo + 4, dst, 4);
    pseudo[8] = 0;
    pseudo[9] = ip[9];
    ps_put16(pseudo + 10, (uint16_t)l4len);
    uint16_t c = (uint16_t)~ps_fold(ps_sum(l4, l4len, ps_sum(pseudo, 12, 0)));
    if (udp && c == 0)
        c = 0xffff;
    ps_put16(l4 + csum_off, c);
    return 14 + 20 + l4len;
}

static int ps_flood(const char *out_path, unsigned long flows)
{
    pcap_t *dead =
        pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_MICRO);
    pcap_dumper_t *out = dead ? pcap_dump_open(dead, out_path) : NULL;
    if (!out) {
        fprintf(stderr, "pcapsynth: %s: %s\n", out_path, dead ? pcap_geterr(dead) : "pcap");
        return 1;
    }
    uint8_t pkt[128];
    const int64_t t0 = 1700000000LL * 1000000;
    for (unsigned long i = 0; i < flows; i++) {
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof(h));
        size_t len = ps_build_flow(pkt, i);
        int64_t t = t0 + (int64_t)i * 10;
        h.ts.tv_sec = (time_t)(t / 1000000);
        h.ts.tv_usec = (suseconds_t)(t % 1000000);
        h.caplen = h.len = (bpf_u_int32)len;
        pcap_dump((u_char *)out, &h, pkt);
    }
    int bad = pcap_dump_flush(out);
    pcap_dump_close(out);
    pcap_close(dead);
    if (bad) {
        fprintf(stderr, "pcapsynth: %s: write error\n", out_path);
        return 1;
    }
    fprintf(stderr, "pcapsynth: wrote %lu flows to %s\n", flows, out_path);
    return 0;
}

static void ps_usage(void)
{
    fputs("usage:\n"
          "  pcapsynth scale IN.pcap OUT.pcap --min-packets N [--gap-ms MS] [--keep-macs]\n"
          "  pcapsynth flood OUT.pcap --flows N\n",
          stderr);
}

int main(int argc, char **argv)
{
    if (argc >= 5 && !strcmp(argv[1], "scale")) {
        unsigned long min = 0, gap = 1000;
        bool have_min = false, macs = true;
        for (int i = 4; i < argc; i++) {
            if (i + 1 < argc && !strcmp(argv[i], "--min-packets") &&
                !ps_parse_ulong(argv[i + 1], PS_MIN_MAX, &min)) {
                have_min = true;
                i++;
            } else if (!strcmp(argv[i], "--keep-macs")) {
                macs = false;
            } else if (i + 1 < argc && !strcmp(argv[i], "--gap-ms") &&
                       !ps_parse_ulong(argv[i + 1], 86400000UL, &gap)) {
                i++;
            } else {
                ps_usage();
                return 2;
            }
        }
        if (!have_min) {
            ps_usage();
            return 2;
        }
        return ps_scale(argv[2], argv[3], min, gap, macs);
    }
    if (argc == 5 && !strcmp(argv[1], "flood") && !strcmp(argv[3], "--flows")) {
        unsigned long flows;
        if (ps_parse_ulong(argv[4], PS_FLOOD_MAX, &flows)) {
            ps_usage();
            return 2;
        }
        return ps_flood(argv[2], flows);
    }
    ps_usage();
    return 2;
}
