/* plantsim.c - writes a pcap of a simulated Modbus/TCP plant, faster than real
 * time, with one labelled departure (attack or fault) after the normal part:
 * the captures of the baseline evaluation (bench/baseline-eval.sh).
 *
 * References: Modbus Application Protocol Specification V1.1b3 (PDUs,
 * exceptions, 43/14 Read Device Identification), Modbus Messaging on TCP/IP
 * Implementation Guide V1.0b (MBAP header), RFC 791 (IPv4), RFC 826 (ARP),
 * RFC 9293 (TCP), RFC 7323 (TCP timestamps, window scale), RFC 2018 (SACK
 * permitted), RFC 6298 (retransmission timer). Function 90 (Schneider UMAS)
 * requests follow the publicly described framing: 0x5A, session byte, UMAS
 * function code, data; responses 0x5A, session byte, 0xFE (ok) or 0xFD.
 *
 *   plantsim [--duration SEC] [--seed N] [--scenario NAME] [--attack-at SEC]
 *            [--historian] [--realistic [--learn SEC]] [--start EPOCH] [--reconnect SEC]
 *            [--label FILE] OUT.pcap
 *   plantsim --list
 *
 * The plant is the one of the demo (deploy/demo/README.md): plc1 10.10.1.11
 * and plc2 10.10.1.12 (Modbus servers, unit 1, 100 of each object type), hmi1
 * 10.10.1.21 polling them on long-lived connections (plc1: fc 3 registers 0-9
 * every 1000 ms and fc 1 coils 0-15 every 2000 ms; plc2: fc 4 input registers
 * 0-7 every 1000 ms) and writing the setpoint, holding register 5, every
 * 50-70 s with values 1200-1300. --historian adds hist1 10.10.1.41 reading
 * both PLCs every 5 s. Polls keep their schedule with a few ms of jitter,
 * responses follow 1-5 ms later, the client ACKs each response. Clients
 * refresh their ARP entries every 45-90 s; hmi1 -> plc2 reconnects every
 * --reconnect seconds on average (default 900, 0 = never), the historian
 * every third of that, between two polls. Everything random comes from
 * per-actor generators seeded from --seed: the same arguments give the same
 * bytes, and a scenario changes nothing before its attack time.
 *
 * --realistic (implies --historian) adds what a real plant does besides
 * polling: an operator on hmi1 switching coils 2-15 (fc 5) and changing
 * registers 3-9 (fc 6) of plc1 at random times (exponential, mean 10 min),
 * inside what hmi1 polls; hmi2 10.10.1.22 reading plc2 in bursts (3-6 reads
 * 80-150 ms apart every 5-15 s) whose software restarts every 1.5-4.5 h
 * (gone 30-120 s); plc2 rebooting (75 s) at half the learning time (--learn,
 * default a quarter of the duration) and then every 36-60 h for 30-75 s,
 * never near the departure; Windows hosts win1 10.10.1.51 and win2
 * 10.10.1.52 (file and DHCP server): NetBIOS name registration broadcasts,
 * win1 looking win2 up by name (udp/137, unicast answer), browser host
 * announcements every 12 min (udp/138, RFC 1002 / MS-BRWS), DHCP (boot
 * request by broadcast, then a unicast renewal every 4 h, RFC 2131), and
 * SMB2 NEGOTIATE sessions from win1 to win2 every 10-40 min (MS-SMB2). The
 * departures of the realistic plant use plc3 10.10.1.13 (a Mitsubishi PLC,
 * MELSOFT on tcp/5007, frames of tests/golden/captures/melsoft.spec) too.
 *
 * Scenarios (--list), each one departure at --attack-at (default: duration
 * - 120 s), normal traffic going on around it; a JSON label (--label) gives
 * the start, the attack time and the hosts involved. Checksums (IPv4, TCP)
 * are valid. Packets after --duration are not written.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PS_US UINT64_C(1000000)
#define PS_MS UINT64_C(1000)
#define PS_MAX_FRAME 1600
#define PS_MAX_ADU 260
#define PS_PLC_OBJECTS 100
#define PS_MAX_TASKS 64
#define PS_MAX_DURATION (UINT64_C(30) * 86400)

/* ---- hosts ---------------------------------------------------------------- */

enum {
    PLC1,
    PLC2,
    HMI1,
    HIST1,
    ENG1,
    ROGUE,
    SCAN1,
    /* the realistic plant (--realistic) */
    PLC3,
    HMI2,
    WIN1,
    WIN2,
    /* addresses, not hosts: subnet and limited broadcast, DHCP's "no address yet" */
    NETBC,
    ALLBC,
    NOADDR,
    N_HOSTS
};

typedef struct ps_host {
    const char *name;
    uint8_t ip[4];
    uint8_t mac[6];
    uint16_t ipid;
    uint32_t ts_base; /* TCP timestamp clock offset (RFC 7323) */
    bool dead;        /* neither answers nor sends */
} ps_host;

/* IPs and MACs of the demo (deploy/make-demo.sh); the OUIs are real vendors'
 * prefixes, the rest is made up. */
static ps_host hosts[N_HOSTS] = {
    [PLC1] = {"plc1", {10, 10, 1, 11}, {0x00, 0x80, 0xf4, 0x10, 0x01, 0x0b}, 0, 0, false},
    [PLC2] = {"plc2", {10, 10, 1, 12}, {0x00, 0x0e, 0x8c, 0x10, 0x01, 0x0c}, 0, 0, false},
    [HMI1] = {"hmi1", {10, 10, 1, 21}, {0x00, 0x1d, 0x9c, 0x10, 0x01, 0x15}, 0, 0, false},
    [HIST1] = {"hist1", {10, 10, 1, 41}, {0x00, 0x1b, 0x78, 0x10, 0x01, 0x29}, 0, 0, false},
    [ENG1] = {"eng1", {10, 10, 1, 31}, {0x00, 0x14, 0x22, 0x10, 0x01, 0x1f}, 0, 0, false},
    [ROGUE] = {"rogue", {10, 10, 1, 66}, {0xb8, 0x27, 0xeb, 0x10, 0x01, 0x42}, 0, 0, false},
    [SCAN1] = {"scanner", {10, 10, 1, 77}, {0x00, 0x0c, 0x29, 0x10, 0x01, 0x4d}, 0, 0, false},
    [PLC3] = {"plc3", {10, 10, 1, 13}, {0x00, 0x26, 0x92, 0x10, 0x01, 0x0d}, 0, 0, false},
    [HMI2] = {"hmi2", {10, 10, 1, 22}, {0x00, 0x1d, 0x9c, 0x10, 0x01, 0x16}, 0, 0, false},
    [WIN1] = {"win1", {10, 10, 1, 51}, {0xf4, 0x8e, 0x38, 0x10, 0x01, 0x33}, 0, 0, false},
    [WIN2] = {"win2", {10, 10, 1, 52}, {0xf4, 0x8e, 0x38, 0x10, 0x01, 0x34}, 0, 0, false},
    [NETBC] =
        {"subnet broadcast", {10, 10, 1, 255}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0, 0, false},
    [ALLBC] =
        {"broadcast", {255, 255, 255, 255}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0, 0, false},
    [NOADDR] = {"0.0.0.0", {0, 0, 0, 0}, {0}, 0, 0, false},
};

/* ---- scenarios ------------------------------------------------------------ */

typedef enum {
    SC_NONE,
    SC_ROGUE_MASTER,
    SC_NEW_FUNCTION,
    SC_NEW_FUNCTION_MEI,
    SC_WRITE_OOR,
    SC_PLC_STOP,
    SC_PROGRAM_DOWNLOAD,
    SC_UNIT_SCAN,
    SC_SILENT,
    SC_POLLING_RATE,
    SC_ADDRESS_SWEEP,
    SC_LATERAL_SMB,
    SC_C2,
    SC_USER_ADD,
    SC_BRUTE_FORCE,
    N_SCENARIOS
} ps_scenario;

static const struct {
    const char *name;
    int actor, target; /* host indexes, -1 = none */
    const char *what;
} scenarios[N_SCENARIOS] = {
    [SC_NONE] = {"none", -1, -1, "no departure: normal traffic only"},
    [SC_ROGUE_MASTER] = {"rogue-master", ROGUE, PLC2,
                         "new host 10.10.1.66 connects to plc2 and writes coil 3 ON (fc 5)"},
    [SC_NEW_FUNCTION] = {"new-function", HMI1, PLC1,
                         "hmi1 sends fc 8 Diagnostics (sub 0) to plc1 on its polling connection"},
    [SC_NEW_FUNCTION_MEI] = {"new-function-mei", HMI1, PLC1,
                             "hmi1 sends 43/14 Read Device Identification to plc1 on its polling "
                             "connection"},
    [SC_WRITE_OOR] = {"write-out-of-range", HMI1, PLC1,
                      "hmi1 writes holding register 90 (fc 6) instead of the usual 5"},
    [SC_PLC_STOP] = {"plc-stop", ENG1, PLC1,
                     "eng1 takes a UMAS reservation on plc1 and sends UMAS 0x41 Stop PLC"},
    [SC_PROGRAM_DOWNLOAD] = {"program-download", ENG1, PLC1,
                             "eng1 downloads a program to plc1: UMAS 0x30, 4 x 0x31, 0x32"},
    [SC_UNIT_SCAN] = {"unit-scan", SCAN1, PLC2,
                      "10.10.1.77 reads holding register 0 of unit ids 1..60 on plc2"},
    [SC_SILENT] = {"controller-silent", PLC2, PLC2,
                   "plc2 stops answering and sending; its clients time out and retry"},
    [SC_POLLING_RATE] = {"polling-rate", HMI1, PLC1,
                         "hmi1 polls plc1 (fc 3) every 200 ms instead of 1000 ms"},
    [SC_ADDRESS_SWEEP] = {"address-sweep", HMI1, PLC1,
                          "hmi1 opens a second connection to plc1 and reads holding registers "
                          "0, 10, ..., 990 (fc 3, 10 each), 30 ms apart"},
    [SC_LATERAL_SMB] = {"lateral-smb", PLC2, PLC1,
                        "plc2 (compromised) opens SMB (tcp/445) to plc1: SMB2 NEGOTIATE"},
    [SC_C2] = {"c2", PLC2, PLC1,
               "plc2 (compromised) opens a session on tcp/4444 to plc1 and exchanges opaque data"},
    [SC_USER_ADD] = {"user-add", ENG1, PLC3,
                     "eng1 logs in to plc3 (MELSOFT, tcp/5007) and registers user maint "
                     "(1133 User Information Registration)"},
    [SC_BRUTE_FORCE] = {"brute-force", WIN1, PLC1,
                        "win1 (compromised) tries 12 passwords for FTP user USER on plc1 (530)"},
};

/* ---- random numbers: splitmix64, one stream per actor ---------------------- */

static uint64_t g_seed;

static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static uint64_t rnd_range(uint64_t *s, uint64_t lo, uint64_t hi)
{
    return lo + rnd(s) % (hi - lo + 1);
}

static uint64_t rng_for(uint64_t stream)
{
    uint64_t s = g_seed ^ (stream * 0xd1342543de82ef95ull);
    rnd(&s);
    return s;
}

/* ---- output: packets are queued by time, written in order ----------------- */

typedef struct ps_pkt {
    uint64_t ts, ord;
    size_t len;
    uint8_t b[];
} ps_pkt;

static ps_pkt **heap;
static size_t heap_n, heap_cap;
static uint64_t ord_next, start_us, end_us, n_written;
static pcap_dumper_t *dumper;

static void die(const char *msg)
{
    fprintf(stderr, "plantsim: %s\n", msg);
    exit(1);
}

static bool pkt_before(const ps_pkt *a, const ps_pkt *b)
{
    return a->ts < b->ts || (a->ts == b->ts && a->ord < b->ord);
}

static void heap_push(ps_pkt *p)
{
    if (heap_n == heap_cap) {
        heap_cap = heap_cap ? heap_cap * 2 : 1024;
        heap = realloc(heap, heap_cap * sizeof(*heap));
        if (!heap)
            die("out of memory");
    }
    size_t i = heap_n++;
    heap[i] = p;
    while (i > 0 && pkt_before(heap[i], heap[(i - 1) / 2])) {
        ps_pkt *t = heap[i];
        heap[i] = heap[(i - 1) / 2];
        heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static ps_pkt *heap_pop(void)
{
    ps_pkt *top = heap[0];
    heap[0] = heap[--heap_n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < heap_n && pkt_before(heap[l], heap[m]))
            m = l;
        if (r < heap_n && pkt_before(heap[r], heap[m]))
            m = r;
        if (m == i)
            break;
        ps_pkt *t = heap[i];
        heap[i] = heap[m];
        heap[m] = t;
        i = m;
    }
    return top;
}

/* Writes every queued packet earlier than t (tasks only ever queue packets at
 * or after their own time, so these are final). */
static void flush_before(uint64_t t)
{
    while (heap_n && heap[0]->ts < t) {
        ps_pkt *p = heap_pop();
        if (p->ts < end_us) {
            struct pcap_pkthdr h;
            h.ts.tv_sec = (time_t)(p->ts / PS_US);
            h.ts.tv_usec = (suseconds_t)(p->ts % PS_US);
            h.caplen = h.len = (bpf_u_int32)p->len;
            pcap_dump((u_char *)dumper, &h, p->b);
            n_written++;
        }
        free(p);
    }
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static void emit_eth(uint64_t ts, const uint8_t dst[6], const uint8_t src[6], uint16_t type,
                     const uint8_t *payload, size_t n)
{
    if (n > PS_MAX_FRAME - 14)
        die("frame too large");
    ps_pkt *p = malloc(sizeof(*p) + 14 + n);
    if (!p)
        die("out of memory");
    p->ts = ts;
    p->ord = ord_next++;
    p->len = 14 + n;
    memcpy(p->b, dst, 6);
    memcpy(p->b + 6, src, 6);
    put16(p->b + 12, type);
    memcpy(p->b + 14, payload, n);
    heap_push(p);
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)(p[n - 1] << 8);
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* IPv4 + TCP segment `seg` (checksum field zero) from host a to host b. */
static void emit_ip_tcp(uint64_t ts, int a, int b, uint8_t *seg, size_t n)
{
    uint8_t pkt[PS_MAX_FRAME];
    if (n + 20 > sizeof(pkt) - 14)
        die("segment too large");
    uint8_t pseudo[12];
    memcpy(pseudo, hosts[a].ip, 4);
    memcpy(pseudo + 4, hosts[b].ip, 4);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16(pseudo + 10, (uint16_t)n);
    put16(seg + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), seg, n)));
    memset(pkt, 0, 20);
    pkt[0] = 0x45;
    put16(pkt + 2, (uint16_t)(20 + n));
    put16(pkt + 4, hosts[a].ipid++);
    pkt[6] = 0x40; /* DF */
    pkt[8] = 64;
    pkt[9] = 6;
    memcpy(pkt + 12, hosts[a].ip, 4);
    memcpy(pkt + 16, hosts[b].ip, 4);
    put16(pkt + 10, csum_fold(csum_add(0, pkt, 20)));
    memcpy(pkt + 20, seg, n);
    emit_eth(ts, hosts[b].mac, hosts[a].mac, 0x0800, pkt, 20 + n);
}

/* IPv4 + UDP (RFC 768) from host a (source MAC of host `mac_of`) to host b. */
static void emit_udp(uint64_t ts, int a, int mac_of, int b, uint16_t sport, uint16_t dport,
                     const uint8_t *data, size_t n)
{
    uint8_t pkt[PS_MAX_FRAME];
    if (n + 28 > sizeof(pkt) - 14)
        die("datagram too large");
    uint8_t *u = pkt + 20, pseudo[12];
    put16(u, sport);
    put16(u + 2, dport);
    put16(u + 4, (uint16_t)(8 + n));
    put16(u + 6, 0);
    memcpy(u + 8, data, n);
    memcpy(pseudo, hosts[a].ip, 4);
    memcpy(pseudo + 4, hosts[b].ip, 4);
    pseudo[8] = 0;
    pseudo[9] = 17;
    put16(pseudo + 10, (uint16_t)(8 + n));
    uint16_t c = csum_fold(csum_add(csum_add(0, pseudo, 12), u, 8 + n));
    put16(u + 6, c ? c : 0xffff);
    memset(pkt, 0, 20);
    pkt[0] = 0x45;
    put16(pkt + 2, (uint16_t)(28 + n));
    put16(pkt + 4, hosts[mac_of].ipid++);
    pkt[8] = 128; /* the Windows hosts' TTL */
    pkt[9] = 17;
    memcpy(pkt + 12, hosts[a].ip, 4);
    memcpy(pkt + 16, hosts[b].ip, 4);
    put16(pkt + 10, csum_fold(csum_add(0, pkt, 20)));
    emit_eth(ts, hosts[b].mac, hosts[mac_of].mac, 0x0800, pkt, 28 + n);
}

/* ---- ARP (RFC 826) ---------------------------------------------------------- */

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t zero_mac[6] = {0};

static void arp_emit(uint64_t ts, int from, int to, bool reply, bool broadcast)
{
    uint8_t a[28];
    put16(a, 1);
    put16(a + 2, 0x0800);
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, reply ? 2 : 1);
    memcpy(a + 8, hosts[from].mac, 6);
    memcpy(a + 14, hosts[from].ip, 4);
    memcpy(a + 18, reply ? hosts[to].mac : zero_mac, 6);
    memcpy(a + 24, hosts[to].ip, 4);
    emit_eth(ts, broadcast ? bcast : hosts[to].mac, hosts[from].mac, 0x0806, a, sizeof(a));
}

/* Who-has from `from` and the answer, if `to` is alive. Returns the time after. */
static uint64_t arp_exchange(uint64_t t, int from, int to, bool broadcast)
{
    if (hosts[from].dead)
        return t;
    arp_emit(t, from, to, false, broadcast);
    if (hosts[to].dead)
        return t + 1;
    arp_emit(t + 25, to, from, true, false);
    return t + 40;
}

/* ---- TCP connections -------------------------------------------------------- */

enum { F_FIN = 0x01, F_SYN = 0x02, F_PSH = 0x08, F_ACK = 0x10 };

typedef struct ps_conn {
    int c, s;
    uint16_t cport, sport;
    uint32_t cseq, sseq;       /* next sequence number each side sends */
    uint32_t c_tsecr, s_tsecr; /* TSval each side echoes (last seen from the peer) */
    uint16_t tid;
    uint8_t unit;
    bool up;
    bool reconnect_due;  /* planned reconnect after the current transaction */
    unsigned failed;     /* connection attempts failed in a row */
    uint64_t busy_until; /* a client waits for its answer: one request at a time */
    uint64_t rng;
} ps_conn;

static uint32_t tsval(int h, uint64_t t)
{
    return hosts[h].ts_base + (uint32_t)(t / PS_MS);
}

static void tcp_emit(uint64_t t, ps_conn *k, bool from_client, uint8_t flags, uint32_t seq,
                     const uint8_t *data, size_t len)
{
    uint8_t seg[PS_MAX_FRAME];
    int a = from_client ? k->c : k->s, b = from_client ? k->s : k->c;
    bool syn = flags & F_SYN;
    size_t hl = syn ? 40 : 32;
    if (hosts[a].dead)
        return;
    if (hl + len > sizeof(seg) - 40)
        die("segment too large");
    memset(seg, 0, hl);
    put16(seg, from_client ? k->cport : k->sport);
    put16(seg + 2, from_client ? k->sport : k->cport);
    put32(seg + 4, seq);
    put32(seg + 8, (flags & F_ACK) ? (from_client ? k->sseq : k->cseq) : 0);
    seg[12] = (uint8_t)((hl / 4) << 4);
    seg[13] = flags;
    /* windows as Linux shows them: 64240/65160 in the SYNs, then scaled by 2^10 */
    put16(seg + 14, syn ? (from_client ? 64240 : 65160) : (from_client ? 63 : 64));
    uint8_t *o = seg + 20;
    uint32_t ecr = (flags & F_ACK) ? (from_client ? k->c_tsecr : k->s_tsecr) : 0;
    if (syn) {
        const uint8_t head[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10}; /* MSS 1460, SACK perm, TS */
        memcpy(o, head, sizeof(head));
        put32(o + 8, tsval(a, t));
        put32(o + 12, ecr);
        o[16] = 1; /* NOP, window scale 10 */
        o[17] = 3;
        o[18] = 3;
        o[19] = 10;
    } else {
        o[0] = 1;
        o[1] = 1;
        o[2] = 8;
        o[3] = 10;
        put32(o + 4, tsval(a, t));
        put32(o + 8, ecr);
    }
    if (len)
        memcpy(seg + hl, data, len);
    emit_ip_tcp(t, a, b, seg, hl + len);
    if (from_client)
        k->s_tsecr = tsval(a, t);
    else
        k->c_tsecr = tsval(a, t);
}

/* Sends the next segment of one side and advances its sequence number. */
static void tcp_send(uint64_t t, ps_conn *k, bool from_client, uint8_t flags, const uint8_t *data,
                     size_t len)
{
    uint32_t *seq = from_client ? &k->cseq : &k->sseq;
    tcp_emit(t, k, from_client, flags, *seq, data, len);
    *seq += (uint32_t)len + ((flags & (F_SYN | F_FIN)) ? 1u : 0u);
}

/* Retransmission times of an unanswered segment sent at t: RTO 204 ms
 * doubling (RFC 6298 with Linux's 200 ms minimum), `n` of them. */
static uint64_t rto_at(uint64_t t, unsigned i)
{
    uint64_t at = t, rto = 204 * PS_MS;
    for (unsigned j = 0; j <= i; j++) {
        at += rto;
        rto = rto * 2 > 120 * PS_US ? 120 * PS_US : rto * 2;
    }
    return at;
}

/* Opens k with a three-way handshake from a fresh ephemeral port. A dead
 * server leaves SYNs (or, once its ARP entry failed, ARP requests)
 * unanswered. Returns true when the connection is up. */
static bool conn_open(ps_conn *k, uint64_t t, bool arp_first)
{
    k->cport = (uint16_t)rnd_range(&k->rng, 32768, 60999);
    if (!k->sport)
        k->sport = 502;
    k->cseq = (uint32_t)rnd(&k->rng);
    k->sseq = (uint32_t)rnd(&k->rng);
    k->c_tsecr = k->s_tsecr = 0;
    k->tid = 0;
    if (hosts[k->s].dead) {
        if (k->failed >= 2) {
            for (unsigned i = 0; i < 3; i++)
                arp_exchange(t + i * PS_US, k->c, k->s, true);
        } else {
            tcp_send(t, k, true, F_SYN, NULL, 0);
            k->cseq--;
            tcp_send(t + PS_US + 30 * PS_MS, k, true, F_SYN, NULL, 0);
        }
        k->failed++;
        k->up = false;
        return false;
    }
    if (arp_first)
        t = arp_exchange(t, k->c, k->s, true);
    tcp_send(t, k, true, F_SYN, NULL, 0);
    tcp_send(t + 25, k, false, F_SYN | F_ACK, NULL, 0);
    tcp_send(t + 45, k, true, F_ACK, NULL, 0);
    k->busy_until = t + 100;
    k->failed = 0;
    k->up = true;
    return true;
}

/* Orderly close started by the client (FIN both ways, final ACK). */
static uint64_t conn_close(ps_conn *k, uint64_t t)
{
    if (t < k->busy_until)
        t = k->busy_until;
    uint32_t fin_seq = k->cseq;
    tcp_send(t, k, true, F_FIN | F_ACK, NULL, 0);
    k->up = false;
    if (hosts[k->s].dead) {
        for (unsigned i = 0; i < 6; i++)
            tcp_emit(rto_at(t, i), k, true, F_FIN | F_ACK, fin_seq, NULL, 0);
        return t;
    }
    tcp_send(t + 60, k, false, F_FIN | F_ACK, NULL, 0);
    tcp_send(t + 85, k, true, F_ACK, NULL, 0);
    k->busy_until = t + 100;
    return t + 100;
}

/* ---- the PLCs ---------------------------------------------------------------- */

typedef struct ps_plc {
    uint16_t hr[PS_PLC_OBJECTS];
    bool coil[PS_PLC_OBJECTS];
    uint8_t session;     /* UMAS reservation, 0 = none */
    uint64_t stopped_us; /* UMAS Stop: the program, hence the values, froze then (0 = running) */
    const char *id[3];   /* 43/14 basic objects: VendorName, ProductCode, Revision */
} ps_plc;

static ps_plc plcs[2] = {
    {.id = {"Schneider Electric", "BMX P34 2020", "v3.1"}},
    {.id = {"Siemens", "6ES7 215-1AG40-0XB0", "V4.5"}},
};

/* Process values as the demo's mbsim serves them: a counter, a sine, a cosine. */
static uint16_t plc_hr(int p, uint64_t t, unsigned a)
{
    if (plcs[p].stopped_us && t > plcs[p].stopped_us)
        t = plcs[p].stopped_us;
    double s = (double)(t - start_us) / 1e6, ph = 2.0 * M_PI * s / 60.0;
    switch (a) {
    case 0:
        return (uint16_t)(uint64_t)s;
    case 1:
        return (uint16_t)(1000.0 + 500.0 * sin(ph));
    case 2:
        return (uint16_t)(1000.0 + 500.0 * cos(ph));
    default:
        return plcs[p].hr[a];
    }
}

static uint16_t plc_ir(int p, uint64_t t, unsigned a)
{
    double s = (double)(t - start_us) / 1e6, ph = 2.0 * M_PI * s / 60.0;
    switch (a) {
    case 0:
        return (uint16_t)(uint64_t)s;
    case 1:
        return (uint16_t)(250.0 + 30.0 * sin(ph));
    case 2:
        return (uint16_t)(400.0 + 80.0 * cos(ph / 2));
    case 3:
        return (uint16_t)(p == 0 ? 1 : 2);
    default:
        return 0;
    }
}

static bool plc_coil(int p, uint64_t t, unsigned a)
{
    uint64_t s = (t - start_us) / PS_US;
    if (a == 0)
        return (s / 5) & 1;
    if (a == 1)
        return (s / 7) & 1;
    return plcs[p].coil[a];
}

static size_t mb_exception(uint8_t fc, uint8_t code, uint8_t *out)
{
    out[0] = (uint8_t)(fc | 0x80);
    out[1] = code;
    return 2;
}

static size_t umas_respond(int p, uint64_t t, const uint8_t *req, size_t n, uint8_t *out)
{
    ps_plc *plc = &plcs[p];
    if (p != 0)
        return mb_exception(90, 1, out); /* plc2 is no Schneider PLC */
    if (n < 3)
        return mb_exception(90, 3, out);
    out[0] = 0x5a;
    out[1] = req[1];
    out[2] = 0xfe;
    switch (req[2]) {
    case 0x10: /* take reservation: the session byte */
        plc->session = 0x4c;
        out[1] = 0;
        out[3] = plc->session;
        return 4;
    case 0x11:
        plc->session = 0;
        return 3;
    case 0x40:
    case 0x41:
        if (req[1] != plc->session || !plc->session) {
            out[2] = 0xfd;
            return 3;
        }
        plc->stopped_us = req[2] == 0x41 ? t : 0;
        return 3;
    case 0x30: /* initialize download: maximum block size */
        out[3] = 0x00;
        out[4] = 0x04;
        return 5;
    case 0x31:
    case 0x32:
        return 3;
    default:
        out[2] = 0xfd;
        return 3;
    }
}

/* The response PDU of PLC p to a request PDU (unit 1 and 255 only; the
 * others get exception 0x0B, as from a gateway with no such device). */
static size_t plc_respond(int p, uint8_t unit, uint64_t t, const uint8_t *q, size_t n, uint8_t *out)
{
    if (n < 1)
        return 0;
    uint8_t fc = q[0];
    if (unit != 1 && unit != 255)
        return mb_exception(fc, 0x0b, out);
    unsigned addr = n >= 3 ? (unsigned)(q[1] << 8 | q[2]) : 0;
    unsigned qty = n >= 5 ? (unsigned)(q[3] << 8 | q[4]) : 0;
    switch (fc) {
    case 1:
    case 2:
        if (n != 5 || qty < 1 || qty > 2000)
            return mb_exception(fc, 3, out);
        if (addr + qty > PS_PLC_OBJECTS)
            return mb_exception(fc, 2, out);
        out[0] = fc;
        out[1] = (uint8_t)((qty + 7) / 8);
        memset(out + 2, 0, out[1]);
        for (unsigned i = 0; i < qty; i++)
            if (fc == 1 && plc_coil(p, t, addr + i))
                out[2 + i / 8] |= (uint8_t)(1u << (i % 8));
        return 2u + out[1];
    case 3:
    case 4:
        if (n != 5 || qty < 1 || qty > 125)
            return mb_exception(fc, 3, out);
        if (addr + qty > PS_PLC_OBJECTS)
            return mb_exception(fc, 2, out);
        out[0] = fc;
        out[1] = (uint8_t)(2 * qty);
        for (unsigned i = 0; i < qty; i++)
            put16(out + 2 + 2 * i, fc == 3 ? plc_hr(p, t, addr + i) : plc_ir(p, t, addr + i));
        return 2u + out[1];
    case 5:
    case 6:
        if (n != 5 || (fc == 5 && qty != 0 && qty != 0xff00))
            return mb_exception(fc, 3, out);
        if (addr >= PS_PLC_OBJECTS)
            return mb_exception(fc, 2, out);
        if (fc == 5)
            plcs[p].coil[addr] = qty != 0;
        else
            plcs[p].hr[addr] = (uint16_t)qty;
        memcpy(out, q, 5); /* the response echoes the request */
        return 5;
    case 8:
        if (n < 3)
            return mb_exception(fc, 3, out);
        if (addr != 0)
            return mb_exception(fc, 1, out); /* only 0 Return Query Data */
        memcpy(out, q, n);
        return n;
    case 43: {
        if (n != 4 || q[1] != 0x0e || q[2] < 1 || q[2] > 4)
            return mb_exception(fc, 3, out);
        unsigned first = q[2] == 1 ? 0 : q[3];
        if (first > 2)
            return mb_exception(fc, 2, out);
        size_t o = 7;
        out[0] = 43;
        out[1] = 0x0e;
        out[2] = q[2];
        out[3] = 0x81; /* conformity: basic identification, stream and individual access */
        out[4] = 0;    /* no more follows */
        out[5] = 0;
        out[6] = 0;
        for (unsigned i = first; i < 3; i++) {
            size_t len = strlen(plcs[p].id[i]);
            out[o++] = (uint8_t)i;
            out[o++] = (uint8_t)len;
            memcpy(out + o, plcs[p].id[i], len);
            o += len;
            out[6]++;
            if (q[2] == 4)
                break;
        }
        return o;
    }
    case 90:
        return umas_respond(p, t, q, n, out);
    default:
        return mb_exception(fc, 1, out);
    }
}

/* ---- Modbus/TCP transactions ------------------------------------------------- */

/* The client's request stays unanswered: TCP retransmits it, the application
 * gives up after 3 s and closes, the orphaned socket retransmits on. */
static void conn_stall(ps_conn *k, uint64_t t, uint32_t seq, const uint8_t *adu, size_t n)
{
    for (unsigned i = 0; i < 8; i++) {
        uint64_t at = rto_at(t, i);
        tcp_emit(at, k, true, F_PSH | F_ACK, seq, adu, n);
        if (i == 3)
            tcp_emit(t + 3 * PS_US, k, true, F_FIN | F_ACK, seq + (uint32_t)n, NULL, 0);
    }
    k->up = false;
    k->busy_until = t + 3 * PS_US;
}

static void conn_wake(ps_conn *k, uint64_t at);

/* One request/response on k at t (or as soon as its previous one is done).
 * Returns the time it is over. */
static uint64_t mb_txn(ps_conn *k, uint64_t t, const uint8_t *pdu, size_t n)
{
    uint8_t adu[PS_MAX_ADU], resp[PS_MAX_ADU];
    if (!k->up)
        return t;
    if (t < k->busy_until)
        t = k->busy_until;
    if (n + 7 > sizeof(adu))
        die("PDU too long");
    k->tid++;
    put16(adu, k->tid);
    put16(adu + 2, 0);
    put16(adu + 4, (uint16_t)(n + 1));
    adu[6] = k->unit;
    memcpy(adu + 7, pdu, n);
    uint32_t seq = k->cseq;
    tcp_send(t, k, true, F_PSH | F_ACK, adu, n + 7);
    if (hosts[k->s].dead) {
        conn_stall(k, t, seq, adu, n + 7);
        conn_wake(k, k->busy_until + 2 * PS_US);
        return t;
    }
    size_t rn = plc_respond(k->s == PLC1 ? 0 : 1, k->unit, t, pdu, n, resp + 7);
    uint64_t tr = t + rnd_range(&k->rng, 1000, 5000);
    memcpy(resp, adu, 4);
    put16(resp + 4, (uint16_t)(rn + 1));
    resp[6] = k->unit;
    tcp_send(tr, k, false, F_PSH | F_ACK, resp, rn + 7);
    uint64_t ta = tr + rnd_range(&k->rng, 10, 40);
    tcp_send(ta, k, true, F_ACK, NULL, 0);
    k->busy_until = ta + 20;
    if (k->reconnect_due) {
        /* between two polls, well before the next one */
        k->reconnect_due = false;
        uint64_t at = conn_close(k, ta + 50 * PS_MS);
        at += rnd_range(&k->rng, 100 * PS_MS, 300 * PS_MS);
        if (!conn_open(k, at, false))
            conn_wake(k, at + 5 * PS_US);
    }
    return k->busy_until;
}

static uint64_t mb_read(ps_conn *k, uint64_t t, uint8_t fc, uint16_t addr, uint16_t qty)
{
    uint8_t pdu[5] = {fc};
    put16(pdu + 1, addr);
    put16(pdu + 3, qty);
    return mb_txn(k, t, pdu, 5);
}

/* A request of the client and the server's answer 1-5 ms later (either may
 * be empty: a banner, an unanswered push); the receiver of the last ACKs it. */
static uint64_t tcp_xchg(ps_conn *k, uint64_t t, const uint8_t *req, size_t n, const uint8_t *resp,
                         size_t rn)
{
    if (!k->up)
        return t;
    if (t < k->busy_until)
        t = k->busy_until;
    if (n)
        tcp_send(t, k, true, F_PSH | F_ACK, req, n);
    uint64_t tr = t + (n ? rnd_range(&k->rng, 1000, 5000) : 0);
    if (rn)
        tcp_send(tr, k, false, F_PSH | F_ACK, resp, rn);
    uint64_t ta = tr + rnd_range(&k->rng, 10, 40);
    tcp_send(ta, k, rn != 0, F_ACK, NULL, 0);
    k->busy_until = ta + 20;
    return k->busy_until;
}

/* Hex digits to bytes (spaces skipped); returns the length. */
static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; *h; h++) {
        if (*h == ' ')
            continue;
        if (n == cap || !h[1])
            die("bad hex constant");
        char two[3] = {h[0], h[1], 0};
        out[n++] = (uint8_t)strtoul(two, NULL, 16);
        h++;
    }
    return n;
}

/* NetBIOS name, first-level encoded (RFC 1001 14.1): 32 letters, then the root. */
static size_t nb_name(uint8_t *o, const char *name, uint8_t suffix)
{
    char pad[16];
    memset(pad, ' ', 15);
    memcpy(pad, name, strlen(name) < 15 ? strlen(name) : 15);
    pad[15] = (char)suffix;
    o[0] = 32;
    for (int i = 0; i < 16; i++) {
        o[1 + 2 * i] = (uint8_t)('A' + (((uint8_t)pad[i]) >> 4));
        o[2 + 2 * i] = (uint8_t)('A' + (((uint8_t)pad[i]) & 15));
    }
    o[33] = 0;
    return 34;
}

/* SMB2 NEGOTIATE (MS-SMB2 2.2.3, 2.2.4) in a NetBIOS session message: the
 * request (dialects 2.0.2 and 2.1) or the server's answer (2.1). */
static size_t smb2_negotiate(uint8_t *o, bool response, uint64_t *rng)
{
    size_t body = response ? 65 + 1 : 36 + 4, n = 4 + 64 + body;
    memset(o, 0, n);
    o[3] = (uint8_t)(n - 4);
    uint8_t *h = o + 4, *b = h + 64;
    memcpy(h, "\xfeSMB", 4);
    h[4] = 64;
    h[14] = 1; /* credits */
    if (response)
        h[16] = 1; /* SERVER_TO_REDIR */
    if (!response) {
        b[0] = 36;
        b[2] = 2; /* dialect count */
        b[4] = 1; /* signing enabled */
        b[8] = 0x7f;
        for (int i = 0; i < 16; i++)
            b[12 + i] = (uint8_t)rnd(rng);
        b[36] = 0x02;
        b[37] = 0x02;
        b[38] = 0x10;
        b[39] = 0x02;
    } else {
        b[0] = 65;
        b[2] = 1;
        b[4] = 0x10; /* dialect 2.1 */
        b[5] = 0x02;
        for (int i = 0; i < 16; i++)
            b[8 + i] = (uint8_t)rnd(rng);
        b[24] = 0x07;              /* DFS, leasing, large MTU */
        b[30] = b[34] = b[38] = 1; /* max transact/read/write 65536 */
        b[56] = 128;               /* security buffer offset, length 0 */
    }
    return n;
}

/* ---- actors ------------------------------------------------------------------ */

enum { C_HMI_PLC1, C_HMI_PLC2, C_HIST_PLC1, C_HIST_PLC2, C_HMI2_PLC2, C_WIN_SMB, N_CONNS };

static ps_conn conns[N_CONNS] = {
    [C_HMI_PLC1] = {.c = HMI1, .s = PLC1, .unit = 1},
    [C_HMI_PLC2] = {.c = HMI1, .s = PLC2, .unit = 1},
    [C_HIST_PLC1] = {.c = HIST1, .s = PLC1, .unit = 1},
    [C_HIST_PLC2] = {.c = HIST1, .s = PLC2, .unit = 1},
    [C_HMI2_PLC2] = {.c = HMI2, .s = PLC2, .unit = 1},
    [C_WIN_SMB] = {.c = WIN1, .s = WIN2, .sport = 445},
};

typedef enum {
    T_POLL,
    T_WRITE,
    T_CONN,
    T_ARP,
    T_ATTACK,
    /* the realistic plant */
    T_OPER,    /* operator writes inside what hmi1 polls, at random times */
    T_BURST,   /* a bursty master */
    T_RESTART, /* a master's software restarts: connection gone for 30-120 s */
    T_REBOOT,  /* a controller reboots */
    T_WIN      /* Windows chatter: NetBIOS, browser, DHCP, SMB */
} ps_task_kind;

typedef struct ps_task {
    ps_task_kind kind;
    uint64_t next;
    ps_conn *k;
    uint64_t rng;
    /* T_POLL */
    uint8_t fc;
    uint16_t addr, qty;
    uint64_t origin, period, n;
    bool fast; /* polling-rate scenario: this poll speeds up at the attack */
    /* T_CONN: mean seconds between planned reconnects (0 = never) */
    uint64_t reconnect_mean;
    bool opened;
    /* T_WIN: what; T_REBOOT: the host and when (0 = no more) */
    int sub, host;
    uint64_t at[8];
} ps_task;

static ps_task tasks[PS_MAX_TASKS];
static int n_tasks;
static ps_scenario scenario = SC_NONE;
static uint64_t attack_us;

/* A connection went down: its task retries it from `at` on. */
static void conn_wake(ps_conn *k, uint64_t at)
{
    for (int i = 0; i < n_tasks; i++)
        if (tasks[i].kind == T_CONN && tasks[i].k == k && tasks[i].next > at)
            tasks[i].next = at;
}

static ps_task *task_add(ps_task_kind kind, ps_conn *k, uint64_t next)
{
    if (n_tasks == PS_MAX_TASKS)
        die("too many tasks");
    ps_task *t = &tasks[n_tasks];
    memset(t, 0, sizeof(*t));
    t->kind = kind;
    t->k = k;
    t->next = next;
    t->rng = rng_for(100 + (uint64_t)n_tasks);
    n_tasks++;
    return t;
}

static void poll_add(ps_conn *k, uint8_t fc, uint16_t addr, uint16_t qty, uint64_t period_ms,
                     uint64_t origin_ms)
{
    ps_task *t = task_add(T_POLL, k, start_us + origin_ms * PS_MS);
    t->fc = fc;
    t->addr = addr;
    t->qty = qty;
    t->period = period_ms * PS_MS;
    t->origin = t->next;
    t->fast = scenario == SC_POLLING_RATE && k == &conns[C_HMI_PLC1] && fc == 3;
}

/* Nominal schedule plus -2..+3 ms of jitter; no drift. */
static void poll_run(ps_task *t, uint64_t now)
{
    mb_read(t->k, now, t->fc, t->addr, t->qty);
    t->n++;
    uint64_t nominal = t->origin + t->n * t->period;
    if (t->fast && nominal >= attack_us && t->period != 200 * PS_MS) {
        t->period = 200 * PS_MS;
        t->origin = attack_us;
        t->n = 0;
        nominal = attack_us;
    }
    t->next = nominal - 2 * PS_MS + rnd_range(&t->rng, 0, 5 * PS_MS);
}

static void write_run(ps_task *t, uint64_t now)
{
    uint8_t pdu[5] = {6};
    put16(pdu + 1, 5);
    put16(pdu + 3, (uint16_t)(1200 + 10 * rnd_range(&t->rng, 0, 10)));
    mb_txn(t->k, now, pdu, 5);
    t->next = now + rnd_range(&t->rng, 50 * PS_US, 70 * PS_US);
}

static uint64_t reconnect_delay(ps_task *t)
{
    return rnd_range(&t->rng, t->reconnect_mean * PS_US / 2, t->reconnect_mean * PS_US * 3 / 2);
}

/* Opens the connection, has it reconnect now and then (right after a poll,
 * so the polling schedule does not notice), retries it every 5 s while down. */
static void conn_run(ps_task *t, uint64_t now)
{
    ps_conn *k = t->k;
    if (!k->up) {
        bool first = !t->opened;
        if (k->busy_until > now) { /* closing after a stall */
            t->next = k->busy_until + 2 * PS_US;
            return;
        }
        if (conn_open(k, now, first)) {
            t->opened = true;
            t->next = t->reconnect_mean ? now + reconnect_delay(t) : UINT64_MAX;
        } else {
            t->next = now + 5 * PS_US;
        }
        return;
    }
    /* planned reconnect: after the next transaction (see mb_txn) */
    k->reconnect_due = true;
    t->next = t->reconnect_mean ? now + reconnect_delay(t) : UINT64_MAX;
}

/* Either side refreshes its ARP entry (unicast request, RFC 826 reply). */
static void arp_run(ps_task *t, uint64_t now)
{
    bool client_asks = rnd(&t->rng) & 1;
    int a = client_asks ? t->k->c : t->k->s, b = client_asks ? t->k->s : t->k->c;
    if (!hosts[a].dead) {
        if (hosts[b].dead) {
            for (unsigned i = 0; i < 3; i++)
                arp_emit(now + i * PS_US, a, b, false, false);
        } else {
            arp_exchange(now, a, b, false);
        }
    }
    t->next = now + rnd_range(&t->rng, 45 * PS_US, 90 * PS_US);
}

/* ---- the realistic plant (--realistic) ------------------------------------------ */

static uint64_t rnd_exp(uint64_t *s, uint64_t mean)
{
    double u = (double)(rnd(s) >> 11) / 9007199254740992.0;
    return (uint64_t)(-log(1.0 - u) * (double)mean);
}

/* An operator on hmi1 switches a coil (fc 5, coils 2-15) or changes a
 * register (fc 6, registers 3-9): inside what hmi1 polls, at random times. */
static void oper_run(ps_task *t, uint64_t now)
{
    uint8_t pdu[5];
    if (rnd(&t->rng) & 1) {
        pdu[0] = 5;
        put16(pdu + 1, (uint16_t)rnd_range(&t->rng, 2, 15));
        put16(pdu + 3, (rnd(&t->rng) & 1) ? 0xff00 : 0);
    } else {
        pdu[0] = 6;
        put16(pdu + 1, (uint16_t)rnd_range(&t->rng, 3, 9));
        put16(pdu + 3, (uint16_t)rnd_range(&t->rng, 0, 2000));
    }
    mb_txn(t->k, now, pdu, 5);
    t->next = now + 20 * PS_US + rnd_exp(&t->rng, t->period);
}

/* hmi2 reads plc2 in bursts: 3-6 reads 80-150 ms apart, every 5-15 s. */
static void burst_run(ps_task *t, uint64_t now)
{
    uint64_t at = now, n = rnd_range(&t->rng, 3, 6);
    for (uint64_t i = 0; i < n; i++)
        at = mb_read(t->k, at, 3, 0, 10) + rnd_range(&t->rng, 80 * PS_MS, 150 * PS_MS);
    t->next = now + rnd_range(&t->rng, 5 * PS_US, 15 * PS_US);
}

/* The master's software restarts: it closes, is gone 30-120 s, reconnects. */
static void restart_run(ps_task *t, uint64_t now)
{
    ps_conn *k = t->k;
    if (k->up)
        conn_wake(k, conn_close(k, now) + rnd_range(&t->rng, 30 * PS_US, 120 * PS_US));
    t->next = now + rnd_range(&t->rng, t->period / 2, t->period * 3 / 2);
}

/* A controller reboots: dead from at[2i] to at[2i+1], then a gratuitous ARP. */
static void reboot_run(ps_task *t, uint64_t now)
{
    ps_host *h = &hosts[t->host];
    if (!h->dead) {
        h->dead = true;
        t->next = t->at[2 * t->sub + 1];
        return;
    }
    h->dead = false;
    arp_emit(now, t->host, t->host, false, true);
    t->sub++;
    t->next = 2 * t->sub < 8 && t->at[2 * t->sub] ? t->at[2 * t->sub] : UINT64_MAX;
}

enum { W_NBNS_REG, W_NBNS_QUERY, W_BROWSE, W_DHCP, W_SMB };

static void nbns_register(uint64_t now, int h, const char *name, uint16_t txid)
{
    uint8_t m[128];
    size_t o = 12;
    memset(m, 0, 12);
    put16(m, txid);
    put16(m + 2, 0x2910); /* registration, recursion desired, broadcast */
    put16(m + 4, 1);
    put16(m + 10, 1);
    o += nb_name(m + o, name, 0x00);
    put16(m + o, 0x20);
    put16(m + o + 2, 1);
    o += 4;
    m[o++] = 0xc0;
    m[o++] = 0x0c;
    put16(m + o, 0x20);
    put16(m + o + 2, 1);
    put32(m + o + 4, 300000);
    put16(m + o + 8, 6);
    put16(m + o + 10, 0); /* B node, unique */
    memcpy(m + o + 12, hosts[h].ip, 4);
    o += 16;
    emit_udp(now, h, h, NETBC, 137, 137, m, o);
}

/* Browser Host Announcement (MS-BRWS 2.2.1) in a NetBIOS datagram (RFC 1002
 * 4.4.2) to WORKGROUP<1D>, a mailslot write in an SMB Transaction. */
static void browse_announce(uint64_t now, int h, const char *name, uint16_t id)
{
    uint8_t m[400], *smb;
    size_t o = 14;
    memset(m, 0, sizeof(m));
    m[0] = 0x11;
    m[1] = 0x02;
    put16(m + 2, id);
    memcpy(m + 4, hosts[h].ip, 4);
    put16(m + 8, 138);
    o += nb_name(m + o, name, 0x00);
    o += nb_name(m + o, "WORKGROUP", 0x1d);
    smb = m + o;
    memcpy(smb, "\xffSMB", 4);
    smb[4] = 0x25; /* Transaction */
    uint8_t *w = smb + 32;
    w[0] = 17;
    const size_t data_off = 32 + 1 + 34 + 2 + 17, data_len = 33;
    w[3] = (uint8_t)data_len;  /* total data count (LE) */
    w[21] = (uint8_t)data_off; /* parameter offset */
    w[23] = (uint8_t)data_len; /* data count */
    w[25] = (uint8_t)data_off; /* data offset */
    w[27] = 3;                 /* setup count */
    w[29] = 1;                 /* write mailslot */
    w[31] = 1;                 /* priority */
    w[33] = 2;                 /* second class */
    w[35] = (uint8_t)(17 + data_len);
    memcpy(w + 37, "\\MAILSLOT\\BROWSE", 16);
    uint8_t *d = smb + data_off;
    d[0] = 0x01;                                       /* HostAnnouncement */
    d[2] = 0x80, d[3] = 0xfc, d[4] = 0x0a;             /* periodicity 720000 ms (LE) */
    memcpy(d + 6, name, strlen(name));                 /* server name, 16 bytes */
    d[22] = 10;                                        /* OS 10.0 */
    d[24] = 0x03, d[25] = 0x10;                        /* workstation, server, NT */
    d[28] = 15, d[29] = 1, d[30] = 0x55, d[31] = 0xaa; /* browser 15.1, signature */
    size_t dgm = 68 + data_off + data_len;
    put16(m + 10, (uint16_t)dgm);
    emit_udp(now, h, h, NETBC, 138, 138, m, 14 + dgm);
}

/* DHCP (RFC 2131) REQUEST and ACK: win1 renewing its lease from win2, or
 * (boot) asking for it again by broadcast from 0.0.0.0. */
static void dhcp(uint64_t now, bool boot, uint32_t xid)
{
    uint8_t m[300];
    for (int ack = 0; ack < 2; ack++) {
        memset(m, 0, sizeof(m));
        m[0] = (uint8_t)(ack ? 2 : 1);
        m[1] = 1;
        m[2] = 6;
        put32(m + 4, xid);
        if (!boot)
            memcpy(m + 12, hosts[WIN1].ip, 4); /* ciaddr */
        if (ack)
            memcpy(m + 16, hosts[WIN1].ip, 4); /* yiaddr */
        memcpy(m + 28, hosts[WIN1].mac, 6);
        put32(m + 236, 0x63825363);
        size_t o = 240;
        m[o++] = 53;
        m[o++] = 1;
        m[o++] = ack ? 5 : 3;
        if (ack) {
            const uint8_t opt[] = {54, 4,    10,   10, 1, 52,  51,  4,   0,
                                   0,  0x70, 0x80, 1,  4, 255, 255, 255, 0};
            memcpy(m + o, opt, sizeof(opt));
            o += sizeof(opt);
        } else {
            m[o++] = 61;
            m[o++] = 7;
            m[o++] = 1;
            memcpy(m + o, hosts[WIN1].mac, 6);
            o += 6;
            if (boot) {
                m[o++] = 50;
                m[o++] = 4;
                memcpy(m + o, hosts[WIN1].ip, 4);
                o += 4;
            }
            const uint8_t opt[] = {12, 4, 'W', 'I', 'N', '1', 55, 4, 1, 3, 6, 15};
            memcpy(m + o, opt, sizeof(opt));
            o += sizeof(opt);
        }
        m[o++] = 255;
        while (o < 300)
            m[o++] = 0;
        if (ack)
            emit_udp(now + 2 * PS_MS, WIN2, WIN2, boot ? ALLBC : WIN1, 67, 68, m, o);
        else if (boot)
            emit_udp(now, NOADDR, WIN1, ALLBC, 68, 67, m, o);
        else
            emit_udp(now, WIN1, WIN1, WIN2, 68, 67, m, o);
    }
}

/* Windows chatter: NetBIOS name registration at boot, win1 looking up the
 * file server by NetBIOS name (win2 answers), browser announcements, DHCP,
 * win1 opening SMB to win2. */
static void win_run(ps_task *t, uint64_t now)
{
    const char *name = t->host == WIN1 ? "WIN1" : "FILESRV";
    uint16_t id = (uint16_t)rnd(&t->rng);
    switch (t->sub) {
    case W_NBNS_REG:
        for (int i = 0; i < 3; i++)
            nbns_register(now + (uint64_t)i * 750 * PS_MS, t->host, name, id);
        t->next = UINT64_MAX;
        break;
    case W_NBNS_QUERY: {
        uint8_t m[128];
        size_t o = 12, q;
        memset(m, 0, 12);
        put16(m, id);
        put16(m + 2, 0x0110); /* query, recursion desired, broadcast */
        put16(m + 4, 1);
        o += nb_name(m + o, "FILESRV", 0x20);
        put16(m + o, 0x20);
        put16(m + o + 2, 1);
        o += 4;
        q = o;
        emit_udp(now, WIN1, WIN1, NETBC, 137, 137, m, q);
        /* the answer: the question's name as an answer record */
        put16(m + 2, 0x8500);
        put16(m + 4, 0);
        put16(m + 6, 1);
        put16(m + 46, 0x20);
        put16(m + 48, 1);
        put32(m + 50, 300000);
        put16(m + 54, 6);
        put16(m + 56, 0);
        memcpy(m + 58, hosts[WIN2].ip, 4);
        emit_udp(now + rnd_range(&t->rng, 300, 2000), WIN2, WIN2, WIN1, 137, 137, m, 62);
        t->next = now + rnd_range(&t->rng, 10 * 60 * PS_US, 40 * 60 * PS_US);
        break;
    }
    case W_BROWSE:
        browse_announce(now, t->host, name, id);
        t->next = now + 12 * 60 * PS_US + rnd_range(&t->rng, 0, 2 * PS_US);
        break;
    case W_DHCP:
        dhcp(now, t->n++ == 0, (uint32_t)rnd(&t->rng));
        t->next = now + 4 * 3600 * PS_US + rnd_range(&t->rng, 0, 30 * PS_US);
        break;
    case W_SMB: {
        ps_conn *k = t->k;
        uint8_t q[256], r[256];
        if (conn_open(k, now, false)) {
            size_t qn = smb2_negotiate(q, false, &t->rng), rn = smb2_negotiate(r, true, &t->rng);
            conn_close(k, tcp_xchg(k, now + 2 * PS_MS, q, qn, r, rn) + 500 * PS_MS);
        }
        t->next = now + rnd_range(&t->rng, 10 * 60 * PS_US, 40 * 60 * PS_US);
        break;
    }
    }
}

/* ---- the departures ------------------------------------------------------------ */

static uint64_t umas(ps_conn *k, uint64_t t, uint8_t session, uint8_t code, const uint8_t *data,
                     size_t n)
{
    uint8_t pdu[PS_MAX_ADU - 7];
    if (n + 3 > sizeof(pdu))
        die("UMAS request too long");
    pdu[0] = 90;
    pdu[1] = session;
    pdu[2] = code;
    if (n)
        memcpy(pdu + 3, data, n);
    return mb_txn(k, t, pdu, n + 3);
}

static void attack_run(ps_task *task, uint64_t t)
{
    ps_conn k = {.c = scenarios[scenario].actor, .s = scenarios[scenario].target, .unit = 1};
    k.rng = rng_for(7);
    task->next = UINT64_MAX;
    switch (scenario) {
    case SC_ROGUE_MASTER: {
        const uint8_t pdu[5] = {5, 0x00, 0x03, 0xff, 0x00};
        if (conn_open(&k, t, true))
            conn_close(&k, mb_txn(&k, t + 2 * PS_MS, pdu, 5) + 30 * PS_MS);
        break;
    }
    case SC_NEW_FUNCTION: {
        const uint8_t pdu[5] = {8, 0x00, 0x00, 0xa5, 0x37};
        mb_txn(&conns[C_HMI_PLC1], t, pdu, 5);
        break;
    }
    case SC_NEW_FUNCTION_MEI: {
        const uint8_t pdu[4] = {43, 0x0e, 0x01, 0x00};
        mb_txn(&conns[C_HMI_PLC1], t, pdu, 4);
        break;
    }
    case SC_WRITE_OOR: {
        uint8_t pdu[5] = {6, 0x00, 90};
        put16(pdu + 3, 1250);
        mb_txn(&conns[C_HMI_PLC1], t, pdu, 5);
        break;
    }
    case SC_PLC_STOP:
    case SC_PROGRAM_DOWNLOAD: {
        /* take reservation (owner name), the operation, release */
        const uint8_t owner[] = {0x3b, 0x01, 0x00, 0x00, 0x00, 0x00, 4, 'E', 'N', 'G', '1'};
        if (!conn_open(&k, t, true))
            break;
        uint64_t at = umas(&k, t + 5 * PS_MS, 0, 0x10, owner, sizeof(owner));
        uint8_t s = plcs[0].session;
        if (scenario == SC_PLC_STOP) {
            const uint8_t stop[2] = {0xff, 0x00};
            at = umas(&k, at + 300 * PS_MS, s, 0x41, stop, sizeof(stop));
        } else {
            const uint8_t init[4] = {0x01, 0x00, 0x00, 0x00};
            at = umas(&k, at + 200 * PS_MS, s, 0x30, init, sizeof(init));
            for (uint16_t b = 1; b <= 4; b++) {
                uint8_t blk[4 + 200];
                put16(blk, b);
                put16(blk + 2, 200);
                for (size_t i = 0; i < 200; i++)
                    blk[4 + i] = (uint8_t)rnd(&k.rng);
                at = umas(&k, at + 20 * PS_MS, s, 0x31, blk, sizeof(blk));
            }
            const uint8_t end[2] = {0x00, 0x04};
            at = umas(&k, at + 50 * PS_MS, s, 0x32, end, sizeof(end));
        }
        at = umas(&k, at + 200 * PS_MS, s, 0x11, NULL, 0);
        conn_close(&k, at + 50 * PS_MS);
        break;
    }
    case SC_UNIT_SCAN: {
        if (!conn_open(&k, t, true))
            break;
        uint64_t at = t + 2 * PS_MS;
        for (unsigned u = 1; u <= 60; u++) {
            k.unit = (uint8_t)u;
            at = mb_read(&k, at, 3, 0, 1) + rnd_range(&k.rng, 20 * PS_MS, 60 * PS_MS);
        }
        conn_close(&k, at);
        break;
    }
    case SC_SILENT:
        hosts[PLC2].dead = true;
        break;
    case SC_ADDRESS_SWEEP: {
        if (!conn_open(&k, t, false))
            break;
        uint64_t at = t + 2 * PS_MS;
        for (uint16_t a = 0; a < 1000; a += 10)
            at = mb_read(&k, at, 3, a, 10) + rnd_range(&k.rng, 25 * PS_MS, 35 * PS_MS);
        conn_close(&k, at);
        break;
    }
    case SC_LATERAL_SMB:
    case SC_C2: {
        uint8_t q[512], r[512];
        k.sport = scenario == SC_C2 ? 4444 : 445;
        if (!conn_open(&k, t, true))
            break;
        uint64_t at = t + 2 * PS_MS;
        if (scenario == SC_LATERAL_SMB) {
            size_t qn = smb2_negotiate(q, false, &k.rng), rn = smb2_negotiate(r, true, &k.rng);
            at = tcp_xchg(&k, at, q, qn, r, rn);
        } else {
            for (int i = 0; i < 6; i++) {
                size_t qn = rnd_range(&k.rng, 16, 64), rn = rnd_range(&k.rng, 100, 400);
                for (size_t j = 0; j < qn; j++)
                    q[j] = (uint8_t)rnd(&k.rng);
                for (size_t j = 0; j < rn; j++)
                    r[j] = (uint8_t)rnd(&k.rng);
                at = tcp_xchg(&k, at + rnd_range(&k.rng, 100 * PS_MS, 900 * PS_MS), q, qn, r, rn);
            }
        }
        conn_close(&k, at + 200 * PS_MS);
        break;
    }
    case SC_USER_ADD: {
        /* the frames of tests/golden/captures/melsoft.spec (TCP 5007 variant) */
        static const char *const frames[][2] = {
            {"57000000001111070000ffff030000fe0300002000 "
             "1c0a16140000000000000000000000000000000000000000 012101000000 0001",
             "d70000000011117f000000a80300ffff0300003800 "
             "9c0a181400000000000000000000000000000000000000000000 012101000000 "
             "523038534643505500000000000000009148000000000000"},
            {"57000000001111070000ffff030000fe0300004600 "
             "1c0a16140000000000000000000000000000000000000000 013102000000 "
             "610064006d0069006e000000000000000000000000000000000000000000000000000000000000"
             "00",
             "d70000000011117f000000a80300ffff0300003000 "
             "9c0a181400000000000000000000000000000000000000000000 013102000000 "
             "000102030405060708090a0b0c0d0e0f"},
            {"57000000001111070000ffff030000fe0300004e00 "
             "1c0a16140000000000000000000000000000000000000000 013203000000 "
             "000102030405060708090a0b0c0d0e0f00000000000000000000000000000000000000000000000000"
             "00000000000000",
             "d70000000011117f000000a80300ffff0300004200 "
             "9c0a181400000000000000000000000000000000000000000000 013203000000 "
             "00000000000000000000000000000000000000000000000000000000000000003412"},
            {"57000000001111070000ffff030000fe0300006c00 "
             "1c0a16140000000000000000000000000000000000000000 113304000000 "
             "000001006d00610069006e0074000000000000000000000000000000000000000000000000000000"
             "0000000000000000000000000000000000000000000000000000000000000000000000000001",
             "d70000000011117f000000a80300ffff0300002000 "
             "9c0a181400000000000000000000000000000000000000000000 113304000000"},
        };
        uint8_t q[256], r[256];
        k.sport = 5007;
        if (!conn_open(&k, t, true))
            break;
        uint64_t at = t + 2 * PS_MS;
        for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
            size_t qn = unhex(frames[i][0], q, sizeof(q)), rn = unhex(frames[i][1], r, sizeof(r));
            at = tcp_xchg(&k, at + rnd_range(&k.rng, 50 * PS_MS, 300 * PS_MS), q, qn, r, rn);
        }
        conn_close(&k, at + 500 * PS_MS);
        break;
    }
    case SC_BRUTE_FORCE: {
        static const char *const guesses[] = {"admin",  "password", "123456", "schneider",
                                              "plc",    "USER",     "root",   "1234",
                                              "qwerty", "letmein",  "pass",   "service"};
        char q[64];
        k.sport = 21;
        if (!conn_open(&k, t, true))
            break;
        static const char a220[] = "220 FTP server ready.\r\n";
        uint64_t at = tcp_xchg(&k, t + 5 * PS_MS, NULL, 0, (const uint8_t *)a220, sizeof(a220) - 1);
        for (size_t i = 0; i < sizeof(guesses) / sizeof(guesses[0]); i++) {
            static const char a331[] = "331 Password required for USER.\r\n";
            static const char a530[] = "530 Login incorrect.\r\n";
            at = tcp_xchg(&k, at + rnd_range(&k.rng, 20 * PS_MS, 60 * PS_MS),
                          (const uint8_t *)"USER USER\r\n", 11, (const uint8_t *)a331,
                          sizeof(a331) - 1);
            int n = snprintf(q, sizeof(q), "PASS %s\r\n", guesses[i]);
            at = tcp_xchg(&k, at + rnd_range(&k.rng, 5 * PS_MS, 20 * PS_MS), (const uint8_t *)q,
                          (size_t)n, (const uint8_t *)a530, sizeof(a530) - 1);
        }
        conn_close(&k, at + 100 * PS_MS);
        break;
    }
    case SC_POLLING_RATE: /* the poll task changes its period */
    case SC_NONE:
    case N_SCENARIOS:
        break;
    }
}

/* The realistic plant on top of the demo's: operator writes, hmi2 (bursty,
 * restarting), plc2 rebooting once while learning and about every two days
 * after, the Windows hosts. `learn` places the events meant for learning. */
static void add_realistic(uint64_t learn, uint64_t duration)
{
    ps_task *t = task_add(T_OPER, &conns[C_HMI_PLC1], 0);
    t->period = 600 * PS_US;
    t->next = start_us + 20 * PS_US + rnd_exp(&t->rng, t->period);

    task_add(T_CONN, &conns[C_HMI2_PLC2], start_us + 4 * PS_US);
    t = task_add(T_ARP, &conns[C_HMI2_PLC2], 0);
    t->next = start_us + rnd_range(&t->rng, 45 * PS_US, 90 * PS_US);
    task_add(T_BURST, &conns[C_HMI2_PLC2], start_us + 5 * PS_US);
    t = task_add(T_RESTART, &conns[C_HMI2_PLC2], start_us + learn * PS_US * 3 / 10);
    t->period = 3 * 3600 * PS_US;

    /* plc2 reboots (75 s) at half the learning, then every 36-60 h for 30-75 s,
     * away from the departure (which may involve plc2) */
    t = task_add(T_REBOOT, NULL, 0);
    t->host = PLC2;
    int n = 0;
    uint64_t at = start_us + learn * PS_US / 2;
    t->at[n++] = at;
    t->at[n++] = at + 75 * PS_US;
    at = start_us + learn * PS_US;
    while (n < 8) {
        at += rnd_range(&t->rng, 36 * 3600 * PS_US, 60 * 3600 * PS_US);
        if (at >= start_us + duration * PS_US)
            break;
        if (scenario != SC_NONE && at + 700 * PS_US > attack_us && at < attack_us + 600 * PS_US)
            continue;
        t->at[n++] = at;
        t->at[n++] = at + rnd_range(&t->rng, 30 * PS_US, 75 * PS_US);
    }
    t->next = t->at[0];

    const struct {
        int sub, host;
        uint64_t at_ms;
    } win[] = {
        {W_DHCP, WIN1, 1000},    {W_NBNS_REG, WIN1, 2000}, {W_NBNS_REG, WIN2, 3000},
        {W_BROWSE, WIN1, 10000}, {W_BROWSE, WIN2, 20000},  {W_NBNS_QUERY, WIN1, 60000},
        {W_SMB, WIN1, 120000},
    };
    for (size_t i = 0; i < sizeof(win) / sizeof(win[0]); i++) {
        t = task_add(T_WIN, &conns[C_WIN_SMB], start_us + win[i].at_ms * PS_MS);
        t->sub = win[i].sub;
        t->host = win[i].host;
    }
    t = task_add(T_ARP, &conns[C_WIN_SMB], 0);
    t->next = start_us + rnd_range(&t->rng, 45 * PS_US, 90 * PS_US);
}

/* ---- main ------------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr,
            "usage: plantsim [--duration SEC] [--seed N] [--scenario NAME] [--attack-at SEC]\n"
            "                [--historian] [--realistic [--learn SEC]] [--start EPOCH]\n"
            "                [--reconnect SEC] [--label FILE] OUT.pcap\n"
            "       plantsim --list\n");
    exit(2);
}

static uint64_t parse_num(const char *s, const char *what, uint64_t max)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v > max) {
        fprintf(stderr, "plantsim: bad %s: %s\n", what, s);
        exit(2);
    }
    return v;
}

static void ip_str(int h, char *buf, size_t n)
{
    if (h < 0) {
        snprintf(buf, n, "null");
        return;
    }
    const uint8_t *ip = hosts[h].ip;
    snprintf(buf, n, "\"%u.%u.%u.%u\"", ip[0], ip[1], ip[2], ip[3]);
}

static void write_label(const char *path, uint64_t duration, uint64_t attack_at, bool historian)
{
    FILE *f = fopen(path, "w");
    char actor[32], target[32];
    if (!f) {
        perror(path);
        exit(1);
    }
    ip_str(scenarios[scenario].actor, actor, sizeof(actor));
    ip_str(scenarios[scenario].target, target, sizeof(target));
    fprintf(f,
            "{\"scenario\":\"%s\",\"seed\":%" PRIu64 ",\"start\":%" PRIu64 ",\"duration\":%" PRIu64
            ",\"historian\":%s,",
            scenarios[scenario].name, g_seed, start_us / PS_US, duration,
            historian ? "true" : "false");
    if (scenario == SC_NONE)
        fprintf(f, "\"attack_at\":null,\"attack_ts\":null,");
    else
        fprintf(f, "\"attack_at\":%" PRIu64 ",\"attack_ts\":%" PRIu64 ",", attack_at,
                attack_us / PS_US);
    fprintf(f, "\"actor\":%s,\"target\":%s,\"packets\":%" PRIu64 ",\"what\":\"%s\"}\n", actor,
            target, n_written, scenarios[scenario].what);
    if (fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    uint64_t duration = 600, start = 1767225600, reconnect = 900, attack_at = 0, learn = 0;
    bool historian = false, have_attack = false, realistic = false;
    const char *out = NULL, *label = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--list") == 0) {
            for (int s = 0; s < N_SCENARIOS; s++)
                printf("%-20s %s\n", scenarios[s].name, scenarios[s].what);
            return 0;
        } else if (strcmp(a, "--historian") == 0) {
            historian = true;
            continue;
        } else if (strcmp(a, "--realistic") == 0) {
            realistic = historian = true;
            continue;
        }
        if (a[0] != '-' || a[1] != '-') {
            if (out)
                usage();
            out = a;
            continue;
        }
        if (!v)
            usage();
        i++;
        if (strcmp(a, "--duration") == 0) {
            duration = parse_num(v, "duration", PS_MAX_DURATION);
        } else if (strcmp(a, "--seed") == 0) {
            g_seed = parse_num(v, "seed", UINT64_MAX);
        } else if (strcmp(a, "--start") == 0) {
            start = parse_num(v, "start", 4000000000ull);
        } else if (strcmp(a, "--learn") == 0) {
            learn = parse_num(v, "learning time", PS_MAX_DURATION);
        } else if (strcmp(a, "--reconnect") == 0) {
            reconnect = parse_num(v, "reconnect", PS_MAX_DURATION);
        } else if (strcmp(a, "--attack-at") == 0) {
            attack_at = parse_num(v, "attack time", PS_MAX_DURATION);
            have_attack = true;
        } else if (strcmp(a, "--label") == 0) {
            label = v;
        } else if (strcmp(a, "--scenario") == 0) {
            int s;
            for (s = 0; s < N_SCENARIOS; s++)
                if (strcmp(v, scenarios[s].name) == 0)
                    break;
            if (s == N_SCENARIOS) {
                fprintf(stderr, "plantsim: unknown scenario %s (see --list)\n", v);
                return 2;
            }
            scenario = (ps_scenario)s;
        } else {
            usage();
        }
    }
    if (!out)
        usage();
    if (duration < 10)
        die("--duration must be at least 10 s");
    if (!have_attack)
        attack_at = duration > 240 ? duration - 120 : duration / 2;
    if (scenario != SC_NONE && (attack_at < 5 || attack_at >= duration))
        die("--attack-at must lie in 5 .. duration - 1 s");

    start_us = start * PS_US;
    end_us = start_us + duration * PS_US;
    attack_us = start_us + attack_at * PS_US;
    for (int h = 0; h < N_HOSTS; h++) {
        uint64_t r = rng_for(1 + (uint64_t)h);
        hosts[h].ipid = (uint16_t)rnd(&r);
        hosts[h].ts_base = (uint32_t)rnd(&r);
    }
    for (int c = 0; c < N_CONNS; c++)
        conns[c].rng = rng_for(50 + (uint64_t)c);

    /* hmi1: connects to plc1 at 0 s and plc2 at 0.3 s, as in the demo */
    ps_task *t = task_add(T_CONN, &conns[C_HMI_PLC1], start_us);
    t = task_add(T_CONN, &conns[C_HMI_PLC2], start_us + 300 * PS_MS);
    t->reconnect_mean = reconnect;
    poll_add(&conns[C_HMI_PLC1], 3, 0, 10, 1000, 10);
    poll_add(&conns[C_HMI_PLC1], 1, 0, 16, 2000, 12);
    poll_add(&conns[C_HMI_PLC2], 4, 0, 8, 1000, 310);
    t = task_add(T_WRITE, &conns[C_HMI_PLC1], 0);
    t->next = start_us + rnd_range(&t->rng, 20 * PS_US, 50 * PS_US);
    t = task_add(T_ARP, &conns[C_HMI_PLC1], 0);
    t->next = start_us + rnd_range(&t->rng, 45 * PS_US, 90 * PS_US);
    t = task_add(T_ARP, &conns[C_HMI_PLC2], 0);
    t->next = start_us + rnd_range(&t->rng, 45 * PS_US, 90 * PS_US);
    if (historian) {
        for (int c = C_HIST_PLC1; c <= C_HIST_PLC2; c++) {
            t = task_add(T_CONN, &conns[c], start_us + (c == C_HIST_PLC1 ? 1500 : 2500) * PS_MS);
            t->reconnect_mean = reconnect / 3;
            t = task_add(T_ARP, &conns[c], 0);
            t->next = start_us + rnd_range(&t->rng, 45 * PS_US, 90 * PS_US);
        }
        poll_add(&conns[C_HIST_PLC1], 3, 0, 20, 5000, 1600);
        poll_add(&conns[C_HIST_PLC2], 4, 0, 8, 5000, 2600);
    }
    if (realistic)
        add_realistic(learn ? learn : duration / 4, duration);
    if (scenario != SC_NONE)
        task_add(T_ATTACK, NULL, attack_us);

    pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
    if (!pd)
        die("pcap_open_dead failed");
    dumper = pcap_dump_open(pd, out);
    if (!dumper) {
        fprintf(stderr, "plantsim: %s\n", pcap_geterr(pd));
        return 1;
    }
    uint64_t clock = start_us;
    for (;;) {
        ps_task *next = NULL;
        for (int i = 0; i < n_tasks; i++)
            if (!next || tasks[i].next < next->next)
                next = &tasks[i];
        if (!next || next->next >= end_us)
            break;
        uint64_t now = next->next < clock ? clock : next->next; /* never back in time */
        clock = now;
        flush_before(now);
        switch (next->kind) {
        case T_POLL:
            poll_run(next, now);
            break;
        case T_WRITE:
            write_run(next, now);
            break;
        case T_CONN:
            conn_run(next, now);
            break;
        case T_ARP:
            arp_run(next, now);
            break;
        case T_ATTACK:
            attack_run(next, now);
            break;
        case T_OPER:
            oper_run(next, now);
            break;
        case T_BURST:
            burst_run(next, now);
            break;
        case T_RESTART:
            restart_run(next, now);
            break;
        case T_REBOOT:
            reboot_run(next, now);
            break;
        case T_WIN:
            win_run(next, now);
            break;
        }
    }
    flush_before(UINT64_MAX);
    pcap_dump_close(dumper);
    pcap_close(pd);
    free(heap);
    if (label)
        write_label(label, duration, attack_at, historian);
    fprintf(stderr, "plantsim: %s: %" PRIu64 " packets, %" PRIu64 " s, scenario %s", out, n_written,
            duration, scenarios[scenario].name);
    if (scenario != SC_NONE)
        fprintf(stderr, " at %" PRIu64 " s", attack_at);
    fprintf(stderr, "\n");
    return 0;
}
