/* flow.h - bidirectional 5-tuple flow table with a fixed memory budget.
 *
 * All flows live in one array allocated at start (capacity derived from the
 * configured memory cap). Lookup is a hash over the canonical key; an LRU
 * list ordered by last activity gives idle expiry and, when the table is
 * full, eviction of the least recently active flow. Nothing is allocated per
 * packet. The table only stores; what a flow means is the caller's business:
 * the caller gets a callback before a flow slot is reused.
 */
#ifndef OTW_FLOW_H
#define OTW_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

typedef struct otw_flow_key {
    otw_addr a, b; /* canonical order: (a,pa) < (b,pb) */
    uint16_t pa, pb;
    uint16_t vlan; /* outermost VLAN id, 0 if none */
    uint8_t ip_proto;
} otw_flow_key;

typedef enum otw_flow_end {
    OTW_FLOW_END_IDLE = 0, /* idle timeout */
    OTW_FLOW_END_EVICTED,  /* table full, oldest idle flow pushed out */
    OTW_FLOW_END_SHUTDOWN  /* end of capture / program exit */
} otw_flow_end;

/* Per-direction TCP stream bookkeeping lives in stream.h; a flow only keeps
 * an index into the stream pool (UINT32_MAX = none). */
typedef struct otw_flow {
    otw_flow_key key;
    /* orientation: client is the initiator. */
    otw_addr client_ip, server_ip;
    uint16_t client_port, server_port;
    uint8_t client_mac[6], server_mac[6];
    bool client_is_a; /* key.a is the client */
    /* A broadcast or multicast end (its packets went to a group MAC, or the
     * address is no unicast one): never an asset, a communication end or an
     * alert endpoint. */
    bool client_group, server_group;
    /* The client's first packet went to a group; set on once the answering
     * device was paired in (server_group then false, server_ip the device). */
    bool group_request;
    bool paired; /* the server is the device that answered a group request */
    uint64_t first_us, last_us;
    uint64_t pkts[2], bytes[2];                 /* [OTW_DIR_TO_SERVER], [OTW_DIR_TO_CLIENT] */
    uint64_t pkts_flushed[2], bytes_flushed[2]; /* already added to comms */
    uint8_t tcp_state;                          /* bitmask: FIN/RST seen from each side */
    /* classification, filled by the sensor */
    void *ndpi; /* nDPI flow state while undecided, else NULL */
    uint16_t ndpi_master, ndpi_app;
    uint16_t ndpi_category;
    uint64_t ndpi_risk;
    uint16_t ndpi_packets; /* packets given to nDPI */
    bool ndpi_done;
    bool ndpi_detected;                  /* nDPI named it from the bytes, not a port guess */
    uint8_t dissector;                   /* otw_proto, 0 = none */
    bool not_dissectable;                /* dissector said NOT_MINE */
    uint32_t session;                    /* index into the session pool, UINT32_MAX = none */
    uint32_t streams;                    /* index into the stream pool, UINT32_MAX = none */
    uint32_t client_asset, server_asset; /* inventory indexes, UINT32_MAX = none */
    uint32_t comm;                       /* comms index, UINT32_MAX = none yet */
    /* table internals */
    uint32_t hash_next;
    uint32_t lru_prev, lru_next;
    bool in_use;
} otw_flow;

#define OTW_FLOW_NONE UINT32_MAX

/* otw_flow.tcp_state bits, set by otw_flow_lookup from each TCP packet. */
#define OTW_FLOW_TCP_SYN 0x01        /* SYN without ACK seen (from the client) */
#define OTW_FLOW_TCP_SYNACK 0x02     /* SYN+ACK seen (from the server) */
#define OTW_FLOW_TCP_FIN_CLIENT 0x04 /* FIN from the client */
#define OTW_FLOW_TCP_FIN_SERVER 0x08 /* FIN from the server */
#define OTW_FLOW_TCP_RST_CLIENT 0x10 /* RST from the client */
#define OTW_FLOW_TCP_RST_SERVER 0x20 /* RST from the server */

/* A closed TCP flow (FIN from both sides, or an RST) expires after closed_s. */
static inline bool otw_flow_tcp_closed(const otw_flow *f)
{
    uint8_t fins = OTW_FLOW_TCP_FIN_CLIENT | OTW_FLOW_TCP_FIN_SERVER;
    return (f->tcp_state & fins) == fins ||
           (f->tcp_state & (OTW_FLOW_TCP_RST_CLIENT | OTW_FLOW_TCP_RST_SERVER)) != 0;
}

typedef void (*otw_flow_end_fn)(void *ctx, otw_flow *f, otw_flow_end why);

typedef struct otw_flow_stats {
    uint64_t created, expired, evicted, active, capacity;
} otw_flow_stats;

typedef struct otw_flow_table otw_flow_table;

/* Capacity = memory_bytes / (sizeof(otw_flow) + bucket overhead), at least 16. */
otw_flow_table *otw_flow_table_new(size_t memory_bytes, otw_flow_end_fn on_end, void *ctx);
void otw_flow_table_free(otw_flow_table *t);

/* Finds or creates the flow of this packet (IPv4/IPv6 with ports; ports 0
 * for non TCP/UDP and for fragments). Returns NULL (and creates nothing) for
 * packets without IP (l3 not IPv4/IPv6): ARP and others are the caller's.
 * Updates tcp_state and fills a missing client/server MAC (never a multicast
 * one); does not count packets/bytes and does not touch the LRU (the caller
 * does both). on_end must not call back into the table. *dir is set to
 * the packet's direction; *created tells whether the flow is new.
 * Orientation on creation: a SYN without ACK marks its sender as client, a
 * SYN+ACK its receiver; otherwise the side whose port is in
 * server_port_hint(...) or the lower port below 1024 is the server, else
 * the sender of the first packet is the client.
 * A UDP packet that opens no flow of its own but answers a recent request
 * sent to a group (broadcast/multicast) is the answer to it: from the
 * request's server port to its client port, from another host, to the
 * requester or (ports differing, so a request cannot be taken for an
 * answer) to a group. The request's flow is rekeyed to the answering device
 * (server_ip, server_mac; paired = true) and returned with dir TO_CLIENT,
 * so the dissector sees request and answer on one session (MELSOFT direct
 * connection, NetBIOS, SSDP, DHCP/DHCPv6).
 * Never fails: when the table is full the least recently active flow is
 * evicted (on_end called with EVICTED) and reused. */
otw_flow *otw_flow_lookup(otw_flow_table *t, const otw_packet *p, int *dir, bool *created,
                          bool (*is_server_port)(void *ctx, bool tcp, uint16_t port),
                          void *port_ctx);

/* Marks activity: moves f to the LRU tail, sets last_us. */
void otw_flow_touch(otw_flow_table *t, otw_flow *f, uint64_t ts_us);

/* Expires flows idle longer than their timeout (tcp closed: closed_s; tcp:
 * tcp_s; other: udp_s) at capture time now_us. Visits at most max_visits
 * flows from the LRU head so the per-packet cost stays bounded. */
void otw_flow_expire(otw_flow_table *t, uint64_t now_us, uint32_t tcp_s, uint32_t udp_s,
                     uint32_t closed_s, uint32_t max_visits);

/* Ends every flow (on_end SHUTDOWN), e.g. at the end of a read. */
void otw_flow_flush_all(otw_flow_table *t);

void otw_flow_get_stats(const otw_flow_table *t, otw_flow_stats *out);
/* Walks flows from the most recently active backwards (LRU order), so a
 * caller can visit only what changed since a given time. NULL at the end. */
otw_flow *otw_flow_newest(otw_flow_table *t);
otw_flow *otw_flow_older(otw_flow_table *t, const otw_flow *f);
uint32_t otw_flow_index(const otw_flow_table *t, const otw_flow *f);
/* The flow in slot index, or NULL when out of range or the slot is free. */
otw_flow *otw_flow_at(otw_flow_table *t, uint32_t index);

#endif
