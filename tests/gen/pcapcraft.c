/* pcapcraft.c - writes a pcap from a small text script, for captures made
 * from bytes crafted from a protocol specification (golden tests).
 *
 *   pcapcraft SPEC OUT.pcap
 *
 * SPEC, one directive per line ('#' starts a comment, blank lines ignored):
 *   time SECONDS[.USEC]          capture time of the next packet (default 1700000000)
 *   host NAME IP MAC             declares a device (IPv4 or IPv6, MAC aa:bb:cc:dd:ee:ff)
 *   arp NAME                     the host announces itself (gratuitous ARP reply)
 *   tcp CLIENT:PORT SERVER:PORT  opens a TCP conversation with a 3-way handshake and
 *                                makes it current
 *   tcp-midstream CLIENT:PORT SERVER:PORT   current conversation without handshake
 *   udp CLIENT:PORT SERVER:PORT  makes a UDP conversation current (no packet)
 *   c2s HEX                      one segment/datagram client -> server (spaces allowed in HEX)
 *   s2c HEX                      one segment/datagram server -> client
 *   eth NAME DSTMAC ETHERTYPE HEX  a link-layer frame from host NAME (ETHERTYPE hex, e.g. 8892;
 *                                "llc" sends 802.3 + LLC/SNAP with HEX starting at the LLC)
 *   c2s-at OFFSET HEX            a TCP segment at the client's next sequence number +
 *   s2c-at OFFSET HEX            OFFSET (negative: retransmission/overlap; positive: a gap)
 *   close                        FIN exchange on the current TCP conversation
 *   refused CLIENT:PORT SERVER:PORT  a connection attempt answered by a reset (SYN,
 *                                RST+ACK); leaves no current conversation
 *   switch CLIENT:PORT SERVER:PORT   makes an earlier conversation current again, with its
 *                                sequence numbers where they were (interleaved sessions)
 *   repeat N ... end             the lines between, N times (nested up to 8 deep)
 *   wait SECONDS                 advances the clock
 *   vlan ID                      802.1Q tag ID on the frames that follow (0: untagged again)
 *   link ethernet|ppp|pppoe      framing of the IP packets, before the first packet:
 *                                Ethernet (default); PPP in HDLC-like framing (RFC 1662,
 *                                link type 9: FF 03, protocol 0021/0057), no MACs and no
 *                                ARP; PPPoE session frames (RFC 2516, Ethernet 0x8864,
 *                                session 0x0001) on Ethernet
 * Every packet advances the clock by 1 ms. TCP sequence and acknowledgement
 * numbers follow the data; checksums are left zero (the sensor, like a SPAN
 * port with offload, does not rely on them). Output is deterministic.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HOSTS 64
#define MAX_FRAME 65536

typedef struct host {
    char name[128];
    bool v6;
    uint8_t ip[16];
    uint8_t mac[6];
} host;

typedef struct conv {
    bool tcp;
    const host *c, *s;
    uint16_t cport, sport;
    uint32_t cseq, sseq;
} conv;

static host hosts[MAX_HOSTS];
static int n_hosts;
static conv cur;
static bool have_conv;
#define MAX_CONVS 64
static conv convs[MAX_CONVS]; /* every conversation opened, as last left */
static int n_convs;

/* Keeps the current conversation's state for `switch`. */
static void save_conv(void)
{
    if (!have_conv)
        return;
    for (int i = 0; i < n_convs; i++)
        if (convs[i].c == cur.c && convs[i].s == cur.s && convs[i].cport == cur.cport &&
            convs[i].sport == cur.sport && convs[i].tcp == cur.tcp) {
            convs[i] = cur;
            return;
        }
    if (n_convs < MAX_CONVS)
        convs[n_convs++] = cur;
}
static uint64_t now_us = 1700000000ull * 1000000ull;
static uint16_t vlan_id; /* 0: untagged */
static pcap_dumper_t *dumper;
static pcap_t *dead;
static const char *out_path;
enum { LINK_ETHERNET, LINK_PPP, LINK_PPPOE };
static int link_kind = LINK_ETHERNET;
static int line_no;
static const char *spec_path;

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "pcapcraft: %s:%d: %s%s%s\n", spec_path, line_no, msg, arg ? ": " : "",
            arg ? arg : "");
    exit(1);
}

static const host *find_host(const char *name)
{
    for (int i = 0; i < n_hosts; i++)
        if (strcmp(hosts[i].name, name) == 0)
            return &hosts[i];
    die("unknown host", name);
    return NULL;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return 0;
}

static size_t parse_hex(const char *s, uint8_t *out, size_t max)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        if (isspace((unsigned char)*s))
            continue;
        if (!isxdigit((unsigned char)*s))
            die("bad hex digit in", s);
        int v = isdigit((unsigned char)*s) ? *s - '0' : tolower((unsigned char)*s) - 'a' + 10;
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= max)
                die("hex data too long", NULL);
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0)
        die("odd number of hex digits", NULL);
    return n;
}

/* The output opens at the first packet, once `link` has had its say. */
static void open_output(void)
{
    if (dumper)
        return;
    dead = pcap_open_dead(link_kind == LINK_PPP ? DLT_PPP : DLT_EN10MB, 65535);
    dumper = pcap_dump_open(dead, out_path);
    if (!dumper) {
        fprintf(stderr, "pcapcraft: %s\n", pcap_geterr(dead));
        exit(1);
    }
}

static void emit(const uint8_t *frame, size_t len)
{
    open_output();
    struct pcap_pkthdr h;
    h.ts.tv_sec = (time_t)(now_us / 1000000u);
    h.ts.tv_usec = (suseconds_t)(now_us % 1000000u);
    h.caplen = h.len = (bpf_u_int32)len;
    pcap_dump((u_char *)dumper, &h, frame);
    now_us += 1000;
}

static size_t put_eth(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    size_t off = 12;
    if (vlan_id) {
        f[12] = 0x81;
        f[13] = 0x00;
        f[14] = (uint8_t)(vlan_id >> 8);
        f[15] = (uint8_t)vlan_id;
        off = 16;
    }
    f[off] = (uint8_t)(type >> 8);
    f[off + 1] = (uint8_t)type;
    return off + 2;
}

static uint16_t ip4_checksum(const uint8_t *h)
{
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The link header of an IP packet (ethertype 0x0800 or 0x86DD) from src to
 * dst; *ppp_len is where a PPPoE length goes (0: none). */
static size_t put_ip_link(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type,
                          size_t *ppp_len)
{
    uint16_t ppp_proto = type == 0x0800 ? 0x0021 : 0x0057;
    *ppp_len = 0;
    if (link_kind == LINK_PPP) {
        f[0] = 0xff; /* all stations */
        f[1] = 0x03; /* unnumbered information */
        f[2] = (uint8_t)(ppp_proto >> 8);
        f[3] = (uint8_t)ppp_proto;
        return 4;
    }
    if (link_kind == LINK_ETHERNET)
        return put_eth(f, dst, src, type);
    size_t off = put_eth(f, dst, src, 0x8864);
    f[off] = 0x11;     /* version 1, type 1 */
    f[off + 1] = 0x00; /* session data */
    f[off + 2] = 0x00;
    f[off + 3] = 0x01; /* session id */
    *ppp_len = off + 4;
    f[off + 6] = (uint8_t)(ppp_proto >> 8);
    f[off + 7] = (uint8_t)ppp_proto;
    return off + 8;
}

/* One IP packet from a to b with an L4 header + payload already in l4. */
static void emit_ip(const host *a, const host *b, uint8_t proto, const uint8_t *l4, size_t l4len)
{
    static uint8_t f[MAX_FRAME + 128];
    size_t off, ppp_len;
    if (a->v6 != b->v6)
        die("mixed IPv4/IPv6 conversation", NULL);
    if (!a->v6) {
        off = put_ip_link(f, b->mac, a->mac, 0x0800, &ppp_len);
        uint8_t *ip = f + off;
        memset(ip, 0, 20);
        ip[0] = 0x45;
        ip[2] = (uint8_t)((20 + l4len) >> 8);
        ip[3] = (uint8_t)(20 + l4len);
        ip[6] = 0x40; /* DF */
        ip[8] = 64;
        ip[9] = proto;
        memcpy(ip + 12, a->ip + 12, 4);
        memcpy(ip + 16, b->ip + 12, 4);
        uint16_t ck = ip4_checksum(ip);
        ip[10] = (uint8_t)(ck >> 8);
        ip[11] = (uint8_t)ck;
        off += 20;
    } else {
        off = put_ip_link(f, b->mac, a->mac, 0x86DD, &ppp_len);
        uint8_t *ip = f + off;
        memset(ip, 0, 40);
        ip[0] = 0x60;
        ip[4] = (uint8_t)(l4len >> 8);
        ip[5] = (uint8_t)l4len;
        ip[6] = proto;
        ip[7] = 64;
        memcpy(ip + 8, a->ip, 16);
        memcpy(ip + 24, b->ip, 16);
        off += 40;
    }
    if (off + l4len > sizeof(f))
        die("packet too large", NULL);
    memcpy(f + off, l4, l4len);
    if (ppp_len) { /* PPPoE payload: the PPP protocol field and the packet */
        size_t n = off + l4len - (ppp_len + 2);
        f[ppp_len] = (uint8_t)(n >> 8);
        f[ppp_len + 1] = (uint8_t)n;
    }
    emit(f, off + l4len);
}

static void emit_tcp(bool from_client, uint8_t flags, const uint8_t *data, size_t len)
{
    static uint8_t seg[MAX_FRAME];
    const host *a = from_client ? cur.c : cur.s, *b = from_client ? cur.s : cur.c;
    uint16_t sp = from_client ? cur.cport : cur.sport, dp = from_client ? cur.sport : cur.cport;
    uint32_t seq = from_client ? cur.cseq : cur.sseq, ack = from_client ? cur.sseq : cur.cseq;
    memset(seg, 0, 20);
    seg[0] = (uint8_t)(sp >> 8);
    seg[1] = (uint8_t)sp;
    seg[2] = (uint8_t)(dp >> 8);
    seg[3] = (uint8_t)dp;
    for (int i = 0; i < 4; i++) {
        seg[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
        seg[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
    }
    seg[12] = 5 << 4;
    seg[13] = flags;
    seg[14] = 0xff;
    seg[15] = 0xff;
    if (len > sizeof(seg) - 20)
        die("segment too large", NULL);
    if (len)
        memcpy(seg + 20, data, len);
    emit_ip(a, b, 6, seg, 20 + len);
    uint32_t adv = (uint32_t)len + ((flags & 0x03) ? 1u : 0u); /* SYN and FIN count */
    if (from_client)
        cur.cseq += adv;
    else
        cur.sseq += adv;
}

static void emit_udp(bool from_client, const uint8_t *data, size_t len)
{
    static uint8_t dg[MAX_FRAME];
    const host *a = from_client ? cur.c : cur.s, *b = from_client ? cur.s : cur.c;
    uint16_t sp = from_client ? cur.cport : cur.sport, dp = from_client ? cur.sport : cur.cport;
    if (len > sizeof(dg) - 8)
        die("datagram too large", NULL);
    dg[0] = (uint8_t)(sp >> 8);
    dg[1] = (uint8_t)sp;
    dg[2] = (uint8_t)(dp >> 8);
    dg[3] = (uint8_t)dp;
    dg[4] = (uint8_t)((len + 8) >> 8);
    dg[5] = (uint8_t)(len + 8);
    dg[6] = dg[7] = 0;
    memcpy(dg + 8, data, len);
    emit_ip(a, b, 17, dg, len + 8);
}

static void parse_endpoint(const char *s, const host **h, uint16_t *port)
{
    char name[64];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof(name))
        die("want NAME:PORT, got", s);
    memcpy(name, s, (size_t)(colon - s));
    name[colon - s] = '\0';
    *h = find_host(name);
    long p = strtol(colon + 1, NULL, 10);
    if (p <= 0 || p > 65535)
        die("bad port", s);
    *port = (uint16_t)p;
}

static void open_conv(bool tcp, const char *a, const char *b, bool handshake)
{
    save_conv();
    memset(&cur, 0, sizeof(cur));
    cur.tcp = tcp;
    parse_endpoint(a, &cur.c, &cur.cport);
    parse_endpoint(b, &cur.s, &cur.sport);
    /* Deterministic initial sequence numbers derived from the ports. */
    cur.cseq = 0x10000000u + (uint32_t)cur.cport * 7919u;
    cur.sseq = 0x20000000u + (uint32_t)cur.sport * 104729u;
    have_conv = true;
    if (tcp && handshake) {
        emit_tcp(true, 0x02, NULL, 0);  /* SYN */
        emit_tcp(false, 0x12, NULL, 0); /* SYN+ACK */
        emit_tcp(true, 0x10, NULL, 0);  /* ACK */
    }
}

static void send_arp(const host *h)
{
    if (link_kind == LINK_PPP)
        die("no ARP on a PPP link", NULL);
    uint8_t f[64] = {0};
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    size_t off = put_eth(f, bcast, h->mac, 0x0806);
    uint8_t *a = f + off;
    a[0] = 0;
    a[1] = 1; /* Ethernet */
    a[2] = 0x08;
    a[3] = 0x00; /* IPv4 */
    a[4] = 6;
    a[5] = 4;
    a[6] = 0;
    a[7] = 2; /* reply */
    memcpy(a + 8, h->mac, 6);
    memcpy(a + 14, h->ip + 12, 4);
    memcpy(a + 18, bcast, 6);
    memcpy(a + 24, h->ip + 12, 4);
    emit(f, 60);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: pcapcraft SPEC OUT.pcap\n");
        return 2;
    }
    spec_path = argv[1];
    out_path = argv[2];
    FILE *in = fopen(argv[1], "r");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    static char line[1 << 17];
    static uint8_t data[MAX_FRAME];
    struct {
        long pos;
        int line_no, left;
    } loops[8];
    int depth = 0;
    while (fgets(line, sizeof(line), in)) {
        line_no++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char cmd[32], a[128], b[128], c[128];
        int skip = 0;
        if (sscanf(line, "%31s%n", cmd, &skip) != 1)
            continue;
        char *rest = line + skip;
        if (strcmp(cmd, "time") == 0) {
            double t = strtod(rest, NULL);
            now_us = (uint64_t)(t * 1e6 + 0.5);
        } else if (strcmp(cmd, "vlan") == 0) {
            char *end;
            long id = strtol(rest, &end, 10);
            if (end == rest || id < 0 || id > 4094)
                die("want: vlan ID (0..4094)", NULL);
            vlan_id = (uint16_t)id;
        } else if (strcmp(cmd, "link") == 0) {
            if (dumper)
                die("link comes before the first packet", NULL);
            if (sscanf(rest, "%127s", a) != 1)
                die("want: link ethernet|ppp|pppoe", NULL);
            if (strcmp(a, "ethernet") == 0)
                link_kind = LINK_ETHERNET;
            else if (strcmp(a, "ppp") == 0)
                link_kind = LINK_PPP;
            else if (strcmp(a, "pppoe") == 0)
                link_kind = LINK_PPPOE;
            else
                die("unknown link", a);
        } else if (strcmp(cmd, "wait") == 0) {
            now_us += (uint64_t)(strtod(rest, NULL) * 1e6 + 0.5);
        } else if (strcmp(cmd, "host") == 0) {
            if (sscanf(rest, "%127s %127s %127s", a, b, c) != 3 || n_hosts >= MAX_HOSTS)
                die("want: host NAME IP MAC", NULL);
            host *h = &hosts[n_hosts++];
            snprintf(h->name, sizeof(h->name), "%s", a);
            uint8_t v4[4];
            if (inet_pton(AF_INET, b, v4) == 1) {
                memset(h->ip, 0, 10);
                h->ip[10] = h->ip[11] = 0xff;
                memcpy(h->ip + 12, v4, 4);
            } else if (inet_pton(AF_INET6, b, h->ip) == 1) {
                h->v6 = true;
            } else {
                die("bad IP", b);
            }
            if (parse_mac(c, h->mac) != 0)
                die("bad MAC", c);
        } else if (strcmp(cmd, "arp") == 0) {
            if (sscanf(rest, "%127s", a) != 1)
                die("want: arp NAME", NULL);
            send_arp(find_host(a));
        } else if (strcmp(cmd, "tcp") == 0 || strcmp(cmd, "tcp-midstream") == 0 ||
                   strcmp(cmd, "udp") == 0) {
            if (sscanf(rest, "%127s %127s", a, b) != 2)
                die("want: tcp|udp CLIENT:PORT SERVER:PORT", NULL);
            open_conv(cmd[0] == 't', a, b, strcmp(cmd, "tcp") == 0);
        } else if (strcmp(cmd, "c2s") == 0 || strcmp(cmd, "s2c") == 0) {
            if (!have_conv)
                die("no current conversation", NULL);
            size_t n = parse_hex(rest, data, sizeof(data));
            bool from_client = cmd[0] == 'c';
            if (cur.tcp)
                emit_tcp(from_client, 0x18, data, n); /* PSH+ACK */
            else
                emit_udp(from_client, data, n);
        } else if (strcmp(cmd, "c2s-at") == 0 || strcmp(cmd, "s2c-at") == 0) {
            if (!have_conv || !cur.tcp)
                die("no current TCP conversation", NULL);
            char *end;
            long off = strtol(rest, &end, 10);
            size_t n = parse_hex(end, data, sizeof(data));
            bool from_client = cmd[0] == 'c';
            uint32_t *seq = from_client ? &cur.cseq : &cur.sseq;
            uint32_t next = *seq;
            *seq = next + (uint32_t)off;
            emit_tcp(from_client, 0x18, data, n);
            if ((int32_t)(*seq - next) < 0)
                *seq = next; /* a retransmission does not move the stream forward */
        } else if (strcmp(cmd, "repeat") == 0) {
            long n = strtol(rest, NULL, 10);
            if (n < 1 || depth >= 8)
                die("want: repeat N (N >= 1, nested at most 8 deep)", NULL);
            loops[depth].pos = ftell(in);
            loops[depth].line_no = line_no;
            loops[depth].left = (int)n - 1;
            depth++;
        } else if (strcmp(cmd, "end") == 0) {
            if (!depth)
                die("end without repeat", NULL);
            if (loops[depth - 1].left > 0) {
                loops[depth - 1].left--;
                fseek(in, loops[depth - 1].pos, SEEK_SET);
                line_no = loops[depth - 1].line_no;
            } else {
                depth--;
            }
        } else if (strcmp(cmd, "switch") == 0) {
            if (sscanf(rest, "%127s %127s", a, b) != 2)
                die("want: switch CLIENT:PORT SERVER:PORT", NULL);
            save_conv();
            conv want = {0};
            parse_endpoint(a, &want.c, &want.cport);
            parse_endpoint(b, &want.s, &want.sport);
            int i = 0;
            while (i < n_convs && !(convs[i].c == want.c && convs[i].s == want.s &&
                                    convs[i].cport == want.cport && convs[i].sport == want.sport))
                i++;
            if (i == n_convs)
                die("no such conversation", a);
            cur = convs[i];
            have_conv = true;
        } else if (strcmp(cmd, "refused") == 0) {
            if (sscanf(rest, "%127s %127s", a, b) != 2)
                die("want: refused CLIENT:PORT SERVER:PORT", NULL);
            open_conv(true, a, b, false);
            emit_tcp(true, 0x02, NULL, 0);  /* SYN */
            emit_tcp(false, 0x14, NULL, 0); /* RST+ACK */
            have_conv = false;
        } else if (strcmp(cmd, "close") == 0) {
            if (!have_conv || !cur.tcp)
                die("no current TCP conversation", NULL);
            emit_tcp(true, 0x11, NULL, 0);  /* FIN+ACK */
            emit_tcp(false, 0x11, NULL, 0); /* FIN+ACK */
            emit_tcp(true, 0x10, NULL, 0);  /* ACK */
        } else if (strcmp(cmd, "eth") == 0) {
            int used = 0;
            if (sscanf(rest, "%127s %127s %127s%n", a, b, c, &used) != 3)
                die("want: eth NAME DSTMAC ETHERTYPE|llc HEX", NULL);
            if (link_kind == LINK_PPP)
                die("no Ethernet frames on a PPP link", NULL);
            const host *h = find_host(a);
            uint8_t dst[6];
            if (parse_mac(b, dst) != 0)
                die("bad MAC", b);
            static uint8_t f[MAX_FRAME + 64];
            size_t n = parse_hex(rest + used, data, sizeof(data) - 64);
            size_t off;
            if (strcmp(c, "llc") == 0) {
                off = put_eth(f, dst, h->mac, (uint16_t)n); /* 802.3 length */
            } else {
                off = put_eth(f, dst, h->mac, (uint16_t)strtoul(c, NULL, 16));
            }
            memcpy(f + off, data, n);
            size_t len = off + n;
            while (len < 60)
                f[len++] = 0; /* Ethernet minimum frame, padding */
            emit(f, len);
        } else {
            die("unknown directive", cmd);
        }
    }
    if (depth)
        die("repeat without end", NULL);
    fclose(in);
    open_output(); /* an empty capture is still a capture */
    pcap_dump_close(dumper);
    pcap_close(dead);
    return 0;
}
