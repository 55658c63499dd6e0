/* flow.c - bidirectional 5-tuple flow table with a fixed memory budget.
 *
 * Spec: sensor/packet/flow.h. One array of flows, a power-of-two bucket array of
 * chain heads (indexes, OTW_FLOW_NONE terminated), a free list threaded
 * through hash_next, and a doubly linked LRU list (head = least recently
 * active). Nothing is allocated after otw_flow_table_new.
 */
#include "flow.h"
#include "grow.h"

#include <stdlib.h>
#include <string.h>

#include "facts.h"

/* The hash seed is a constant: the sensor must be deterministic (the same
 * capture gives the same flow order and output in tests). Collisions only
 * lengthen chains; they cannot grow memory, as the table is fixed. */
#define FLOW_HASH_SEED 0x6f7477617463680bULL

/* Recent UDP requests to a group, for pairing their answers: a small ring
 * scanned only when a new flow would be created. An answer comes within a
 * few seconds (MELSOFT, NetBIOS, SSDP's MX is at most 5 s). */
#define GROUP_RING 64
#define GROUP_ANSWER_US 5000000u

struct otw_flow_table {
    otw_flow *flows;
    uint32_t capacity;
    uint32_t *buckets;
    uint32_t bucket_mask;
    uint32_t free_head;
    uint32_t fresh; /* slots from here on were never used: left untouched so
                       calloc's zero pages cost nothing until needed */
    uint32_t lru_head, lru_tail;
    uint64_t seed;
    otw_flow_end_fn on_end;
    void *ctx;
    otw_flow_stats stats;
    uint32_t group_ring[GROUP_RING]; /* flow indexes, OTW_FLOW_NONE = empty */
    uint32_t group_next;
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint32_t key_hash(const otw_flow_table *t, const otw_flow_key *k)
{
    uint64_t h = t->seed;
    h = mix64(h ^ load64(k->a.b));
    h = mix64(h ^ load64(k->a.b + 8));
    h = mix64(h ^ load64(k->b.b));
    h = mix64(h ^ load64(k->b.b + 8));
    uint64_t rest = (uint64_t)k->pa | (uint64_t)k->pb << 16 | (uint64_t)k->vlan << 32 |
                    (uint64_t)k->ip_proto << 48;
    h = mix64(h ^ rest);
    return (uint32_t)(h ^ (h >> 32));
}

/* Field by field: the key has padding, memcmp over it is not reliable. */
static bool key_eq(const otw_flow_key *x, const otw_flow_key *y)
{
    return x->pa == y->pa && x->pb == y->pb && x->vlan == y->vlan && x->ip_proto == y->ip_proto &&
           memcmp(x->a.b, y->a.b, 16) == 0 && memcmp(x->b.b, y->b.b, 16) == 0;
}

/* Canonical key of p; returns true when the sender is endpoint a. */
static bool make_key(const otw_packet *p, otw_flow_key *k)
{
    memset(k, 0, sizeof(*k));
    k->vlan = p->n_vlans ? p->vlan[0] : 0;
    k->ip_proto = p->ip_proto;
    int c = memcmp(p->src_ip.b, p->dst_ip.b, 16);
    bool src_first = c < 0 || (c == 0 && p->src_port <= p->dst_port);
    if (src_first) {
        k->a = p->src_ip;
        k->pa = p->src_port;
        k->b = p->dst_ip;
        k->pb = p->dst_port;
    } else {
        k->a = p->dst_ip;
        k->pa = p->dst_port;
        k->b = p->src_ip;
        k->pb = p->src_port;
    }
    return src_first;
}

otw_flow_table *otw_flow_table_new(size_t memory_bytes, otw_flow_end_fn on_end, void *ctx)
{
    size_t cap = memory_bytes / (sizeof(otw_flow) + sizeof(uint32_t));
    if (cap < 16)
        cap = 16;
    if (cap > (1u << 30))
        cap = 1u << 30; /* keeps indexes and the bucket count within uint32_t */
    size_t nb = 16;
    while (nb < cap)
        nb <<= 1;

    otw_flow_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->flows = otw_alloc_table(cap, sizeof(otw_flow));
    t->buckets = malloc(nb * sizeof(uint32_t));
    if (!t->flows || !t->buckets) {
        otw_flow_table_free(t);
        return NULL;
    }
    t->capacity = (uint32_t)cap;
    t->bucket_mask = (uint32_t)(nb - 1);
    for (size_t i = 0; i < nb; i++)
        t->buckets[i] = OTW_FLOW_NONE;
    t->free_head = OTW_FLOW_NONE;
    t->fresh = 0;
    t->lru_head = t->lru_tail = OTW_FLOW_NONE;
    t->seed = FLOW_HASH_SEED;
    t->on_end = on_end;
    t->ctx = ctx;
    t->stats.capacity = t->capacity;
    for (size_t i = 0; i < GROUP_RING; i++)
        t->group_ring[i] = OTW_FLOW_NONE;
    return t;
}

void otw_flow_table_free(otw_flow_table *t)
{
    if (!t)
        return;
    free(t->flows);
    free(t->buckets);
    free(t);
}

static void lru_unlink(otw_flow_table *t, otw_flow *f)
{
    if (f->lru_prev != OTW_FLOW_NONE)
        t->flows[f->lru_prev].lru_next = f->lru_next;
    else
        t->lru_head = f->lru_next;
    if (f->lru_next != OTW_FLOW_NONE)
        t->flows[f->lru_next].lru_prev = f->lru_prev;
    else
        t->lru_tail = f->lru_prev;
    f->lru_prev = f->lru_next = OTW_FLOW_NONE;
}

static void lru_append(otw_flow_table *t, otw_flow *f)
{
    uint32_t idx = (uint32_t)(f - t->flows);
    f->lru_next = OTW_FLOW_NONE;
    f->lru_prev = t->lru_tail;
    if (t->lru_tail != OTW_FLOW_NONE)
        t->flows[t->lru_tail].lru_next = idx;
    else
        t->lru_head = idx;
    t->lru_tail = idx;
}

/* Unlinks f from its hash chain and the LRU and returns the slot to the
 * free list. The caller has already called on_end. */
static void flow_remove(otw_flow_table *t, otw_flow *f)
{
    uint32_t idx = (uint32_t)(f - t->flows);
    uint32_t *link = &t->buckets[key_hash(t, &f->key) & t->bucket_mask];
    while (*link != OTW_FLOW_NONE && *link != idx)
        link = &t->flows[*link].hash_next;
    if (*link == idx)
        *link = f->hash_next;
    lru_unlink(t, f);
    f->in_use = false;
    f->ndpi = NULL;
    f->hash_next = t->free_head;
    t->free_head = idx;
    t->stats.active--;
}

static bool sender_is_client(const otw_packet *p,
                             bool (*is_server_port)(void *ctx, bool tcp, uint16_t port),
                             void *port_ctx)
{
    bool tcp = p->ip_proto == 6;
    if (tcp && !p->fragment && (p->tcp_flags & OTW_TCP_SYN))
        return (p->tcp_flags & OTW_TCP_ACK) == 0;
    if (p->src_port == p->dst_port)
        return true;
    if (is_server_port && (tcp || p->ip_proto == 17)) {
        /* Both ends on a protocol's ports (DHCP 67/68): the lower decides. */
        bool dst_server = is_server_port(port_ctx, tcp, p->dst_port);
        bool src_server = is_server_port(port_ctx, tcp, p->src_port);
        if (dst_server != src_server)
            return dst_server;
    }
    uint16_t low = p->src_port < p->dst_port ? p->src_port : p->dst_port;
    if (low < 1024)
        return low == p->dst_port;
    if (!tcp)
        return true; /* a UDP exchange starts with its request */
    /* A TCP session picked up midstream between two unregistered ports: a
     * port in an ephemeral range (IANA and Windows 49152-65535, Linux from
     * 32768) facing one below it is the client's. */
    static const uint16_t ephemeral[] = {49152, 32768};
    for (size_t i = 0; i < sizeof(ephemeral) / sizeof(ephemeral[0]); i++) {
        bool src_eph = p->src_port >= ephemeral[i], dst_eph = p->dst_port >= ephemeral[i];
        if (src_eph != dst_eph)
            return src_eph;
    }
    return true;
}

/* Endpoint MACs come from the frame; a multicast MAC is never an endpoint. */
static void fill_mac(uint8_t slot[6], const uint8_t mac[6])
{
    if (otw_mac_is_zero(slot) && !otw_mac_is_multicast(mac))
        memcpy(slot, mac, 6);
}

static void update_tcp_state(otw_flow *f, const otw_packet *p, bool from_client)
{
    if (p->ip_proto != 6 || p->fragment)
        return;
    uint8_t fl = p->tcp_flags;
    if ((fl & (OTW_TCP_SYN | OTW_TCP_ACK)) == OTW_TCP_SYN)
        f->tcp_state |= OTW_FLOW_TCP_SYN;
    else if ((fl & (OTW_TCP_SYN | OTW_TCP_ACK)) == (OTW_TCP_SYN | OTW_TCP_ACK))
        f->tcp_state |= OTW_FLOW_TCP_SYNACK;
    if (fl & OTW_TCP_FIN)
        f->tcp_state |= from_client ? OTW_FLOW_TCP_FIN_CLIENT : OTW_FLOW_TCP_FIN_SERVER;
    if (fl & OTW_TCP_RST)
        f->tcp_state |= from_client ? OTW_FLOW_TCP_RST_CLIENT : OTW_FLOW_TCP_RST_SERVER;
}

/* Its destination is a group: the broadcast MAC (which tells a subnet
 * broadcast, 10.0.0.255) or an address no single device holds (multicast,
 * limited broadcast). Not any MAC with the group bit: a unicast address
 * behind one (a synthetic capture's 01:02:03:...) is still one device. */
static bool dst_is_group(const otw_packet *p)
{
    return (p->has_mac && otw_mac_is_broadcast(p->dst_mac)) || otw_addr_is_group(&p->dst_ip);
}

static bool addr_eq(const otw_addr *x, const otw_addr *y)
{
    return memcmp(x->b, y->b, 16) == 0;
}

static bool addr_unspecified(const otw_addr *a)
{
    static const otw_addr zero6 = {{0}};
    static const otw_addr zero4 = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0}};
    return addr_eq(a, &zero6) || addr_eq(a, &zero4);
}

/* A unicast that says by its first bytes it answers a discovery whose
 * request and answer share one port: a NetBIOS name service response
 * (137 -> 137, the R bit of its flags) or a BACnet I-Am (47808 -> 47808,
 * BVLC Original-Unicast-NPDU, a local APDU, unconfirmed service 0), the
 * answer to a Who-Is. Anything else between two such hosts is a peer's
 * own request (BACnet I-Am then a ReadProperty). */
static bool same_port_answer(const otw_packet *p)
{
    const uint8_t *b = p->payload;
    uint32_t n = p->payload_len;
    if (!b)
        return false;
    if (p->src_port == 137)
        return n >= 12 && (b[2] & 0x80);
    if (p->src_port == 47808)
        return n >= 8 && b[0] == 0x81 && b[1] == 0x0a && b[4] == 0x01 && !(b[5] & 0xa8) &&
               b[6] == 0x10 && b[7] == 0x00;
    return false;
}

/* The group request p answers (see otw_flow_lookup), or NULL. */
static otw_flow *group_request_of(otw_flow_table *t, const otw_packet *p, const otw_flow_key *k,
                                  bool (*is_server_port)(void *ctx, bool tcp, uint16_t port),
                                  void *port_ctx)
{
    if (p->ip_proto != 17)
        return NULL;
    bool to_group = dst_is_group(p);
    /* Both ends on one port (NetBIOS 137, BACnet 47808): a second host's
     * own broadcast looks the same as an answer, so only a unicast answer
     * to the requester pairs; and not on a dissector's port, where a
     * unicast is as likely the requester's peer asking something new
     * (BACnet I-Am then a ReadProperty): the dissector orients those,
     * unless its bytes say it is an answer (same_port_answer). */
    if (p->src_port == p->dst_port &&
        (to_group ||
         (is_server_port && is_server_port(port_ctx, false, p->src_port) && !same_port_answer(p))))
        return NULL;
    for (uint32_t i = 0; i < GROUP_RING; i++) {
        uint32_t idx = t->group_ring[i];
        if (idx == OTW_FLOW_NONE)
            continue;
        otw_flow *f = &t->flows[idx];
        if (!f->in_use || !f->group_request || f->key.ip_proto != 17 || f->key.vlan != k->vlan ||
            f->client_port != p->dst_port || f->server_port != p->src_port ||
            p->ts_us > f->last_us + GROUP_ANSWER_US || addr_eq(&f->client_ip, &p->src_ip) ||
            otw_addr_is_v4(&f->client_ip) != otw_addr_is_v4(&p->src_ip))
            continue;
        if (f->paired ? !addr_eq(&f->server_ip, &p->src_ip) : !f->server_group)
            continue;
        if (!to_group && !addr_eq(&f->client_ip, &p->dst_ip) && !addr_unspecified(&f->client_ip))
            continue;
        return f;
    }
    return NULL;
}

/* Rekeys the group request f to (client, answering device p->src). */
static void pair_answer(otw_flow_table *t, otw_flow *f, const otw_packet *p)
{
    uint32_t idx = (uint32_t)(f - t->flows);
    uint32_t *link = &t->buckets[key_hash(t, &f->key) & t->bucket_mask];
    while (*link != OTW_FLOW_NONE && *link != idx)
        link = &t->flows[*link].hash_next;
    if (*link == idx)
        *link = f->hash_next;
    f->server_ip = p->src_ip;
    f->server_group = false;
    f->paired = true;
    memset(f->server_mac, 0, 6);
    if (p->has_mac)
        fill_mac(f->server_mac, p->src_mac);
    otw_packet q; /* the request's direction, for its key */
    memset(&q, 0, sizeof(q));
    q.n_vlans = f->key.vlan ? 1 : 0;
    q.vlan[0] = f->key.vlan;
    q.ip_proto = f->key.ip_proto;
    q.src_ip = f->client_ip;
    q.src_port = f->client_port;
    q.dst_ip = f->server_ip;
    q.dst_port = f->server_port;
    f->client_is_a = make_key(&q, &f->key);
    uint32_t h = key_hash(t, &f->key) & t->bucket_mask;
    f->hash_next = t->buckets[h];
    t->buckets[h] = idx;
}

otw_flow *otw_flow_lookup(otw_flow_table *t, const otw_packet *p, int *dir, bool *created,
                          bool (*is_server_port)(void *ctx, bool tcp, uint16_t port),
                          void *port_ctx)
{
    if (created)
        *created = false;
    if (p->l3 != OTW_L3_IPV4 && p->l3 != OTW_L3_IPV6)
        return NULL;

    otw_flow_key k;
    bool from_a = make_key(p, &k);
    uint32_t h = key_hash(t, &k) & t->bucket_mask;
    for (uint32_t i = t->buckets[h]; i != OTW_FLOW_NONE; i = t->flows[i].hash_next) {
        otw_flow *f = &t->flows[i];
        if (!key_eq(&f->key, &k))
            continue;
        bool from_client = from_a == f->client_is_a;
        *dir = from_client ? OTW_DIR_TO_SERVER : OTW_DIR_TO_CLIENT;
        if (p->has_mac) {
            fill_mac(from_client ? f->client_mac : f->server_mac, p->src_mac);
            fill_mac(from_client ? f->server_mac : f->client_mac, p->dst_mac);
        }
        update_tcp_state(f, p, from_client);
        return f;
    }
    otw_flow *req = group_request_of(t, p, &k, is_server_port, port_ctx);
    if (req) {
        if (!req->paired)
            pair_answer(t, req, p);
        *dir = OTW_DIR_TO_CLIENT;
        return req;
    }

    if (t->free_head == OTW_FLOW_NONE && t->fresh < t->capacity) {
        t->flows[t->fresh].hash_next = OTW_FLOW_NONE;
        t->free_head = t->fresh++;
    }
    if (t->free_head == OTW_FLOW_NONE) {
        /* Full: the least recently active flow makes room. */
        otw_flow *old = &t->flows[t->lru_head];
        if (t->on_end)
            t->on_end(t->ctx, old, OTW_FLOW_END_EVICTED);
        flow_remove(t, old);
        t->stats.evicted++;
    }
    uint32_t idx = t->free_head;
    otw_flow *f = &t->flows[idx];
    t->free_head = f->hash_next;
    memset(f, 0, sizeof(*f));
    f->key = k;
    bool client_sends = sender_is_client(p, is_server_port, port_ctx);
    f->client_is_a = client_sends == from_a;
    if (client_sends) {
        f->client_ip = p->src_ip;
        f->client_port = p->src_port;
        f->server_ip = p->dst_ip;
        f->server_port = p->dst_port;
    } else {
        f->client_ip = p->dst_ip;
        f->client_port = p->dst_port;
        f->server_ip = p->src_ip;
        f->server_port = p->src_port;
    }
    if (p->has_mac) {
        fill_mac(client_sends ? f->client_mac : f->server_mac, p->src_mac);
        fill_mac(client_sends ? f->server_mac : f->client_mac, p->dst_mac);
    }
    f->first_us = f->last_us = p->ts_us;
    f->ndpi = NULL;
    f->session = OTW_FLOW_NONE;
    f->streams = OTW_FLOW_NONE;
    f->client_asset = OTW_FLOW_NONE;
    f->server_asset = OTW_FLOW_NONE;
    f->comm = OTW_FLOW_NONE;
    f->in_use = true;
    update_tcp_state(f, p, client_sends);
    bool group = dst_is_group(p);
    if (client_sends) {
        f->server_group = group;
        f->client_group = otw_addr_is_group(&p->src_ip);
        f->group_request = group && p->ip_proto == 17;
        if (f->group_request) {
            t->group_ring[t->group_next] = idx;
            t->group_next = (t->group_next + 1) % GROUP_RING;
        }
    } else {
        /* An answer whose request was not seen (or a reply to a group): the
         * group end is the client side. */
        f->client_group = group;
        f->server_group = otw_addr_is_group(&p->src_ip);
    }

    f->hash_next = t->buckets[h];
    t->buckets[h] = idx;
    lru_append(t, f);
    t->stats.created++;
    t->stats.active++;
    *dir = client_sends ? OTW_DIR_TO_SERVER : OTW_DIR_TO_CLIENT;
    if (created)
        *created = true;
    return f;
}

void otw_flow_touch(otw_flow_table *t, otw_flow *f, uint64_t ts_us)
{
    /* Merged captures can step back a little: keep last_us monotonic. */
    if (ts_us > f->last_us)
        f->last_us = ts_us;
    if (t->lru_tail == (uint32_t)(f - t->flows))
        return;
    lru_unlink(t, f);
    lru_append(t, f);
}

/* Visits from the LRU head and stops at the first flow still within its own
 * timeout. Approximation: flows behind it with a shorter timeout (a closed
 * TCP flow behind an open one) wait until the flows before them expire or
 * are touched away; they are still ended, only later, and the LRU head is
 * always the one evicted first when the table is full. */
void otw_flow_expire(otw_flow_table *t, uint64_t now_us, uint32_t tcp_s, uint32_t udp_s,
                     uint32_t closed_s, uint32_t max_visits)
{
    for (uint32_t n = 0; n < max_visits && t->lru_head != OTW_FLOW_NONE; n++) {
        otw_flow *f = &t->flows[t->lru_head];
        uint32_t limit_s;
        if (f->key.ip_proto == 6)
            limit_s = otw_flow_tcp_closed(f) ? closed_s : tcp_s;
        else
            limit_s = udp_s;
        if (now_us <= f->last_us || now_us - f->last_us <= (uint64_t)limit_s * 1000000u)
            break;
        if (t->on_end)
            t->on_end(t->ctx, f, OTW_FLOW_END_IDLE);
        flow_remove(t, f);
        t->stats.expired++;
    }
}

void otw_flow_flush_all(otw_flow_table *t)
{
    while (t->lru_head != OTW_FLOW_NONE) {
        otw_flow *f = &t->flows[t->lru_head];
        if (t->on_end)
            t->on_end(t->ctx, f, OTW_FLOW_END_SHUTDOWN);
        flow_remove(t, f);
    }
}

void otw_flow_get_stats(const otw_flow_table *t, otw_flow_stats *out)
{
    *out = t->stats;
}

uint32_t otw_flow_index(const otw_flow_table *t, const otw_flow *f)
{
    return (uint32_t)(f - t->flows);
}

otw_flow *otw_flow_at(otw_flow_table *t, uint32_t index)
{
    if (index >= t->capacity || !t->flows[index].in_use)
        return NULL;
    return &t->flows[index];
}

otw_flow *otw_flow_newest(otw_flow_table *t)
{
    return t->lru_tail == OTW_FLOW_NONE ? NULL : &t->flows[t->lru_tail];
}

otw_flow *otw_flow_older(otw_flow_table *t, const otw_flow *f)
{
    return f->lru_prev == OTW_FLOW_NONE ? NULL : &t->flows[f->lru_prev];
}
