/* detect.h - dynamic protocol detection: which dissector may claim a flow
 * that no configured server port names (docs/architecture.md, "Which
 * dissector").
 *
 * Two witnesses, both hints that the dissector then confirms or refutes:
 * nDPI naming one of our protocols from the flow's bytes (classify.h), and
 * the dissectors' own probes on the first payloads each side sends. A
 * protocol whose port list for a transport is configured empty is never
 * claimed on that transport. No allocation, no system call: the probe list
 * is built once from the configuration. */
#ifndef OTW_DETECT_H
#define OTW_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"
#include "dissector.h"

/* First payload packets per direction a flow's probes look at. */
#define OTW_DETECT_PROBE_PACKETS 2

/* How a flow got its dissector. */
typedef enum otw_claim {
    OTW_CLAIM_NONE = 0,
    OTW_CLAIM_PORT,  /* configured server port */
    OTW_CLAIM_NDPI,  /* nDPI's verdict */
    OTW_CLAIM_PROBE, /* the dissector's probe on the first payload */
    OTW_CLAIM_KNOWN, /* a service an earlier claim was confirmed on */
} otw_claim;

/* Services (server address, port, transport) a dynamic claim was confirmed
 * on, in this process or in the state's communications: their later flows,
 * also those picked up midstream, are claimed from the first packet. */
#define OTW_DETECT_KNOWN_SLOTS 4096 /* power of two */

typedef struct otw_known_service {
    otw_addr server;
    uint16_t port;
    uint8_t tcp; /* 0 empty, 1 UDP, 2 TCP */
    uint8_t proto;
} otw_known_service;

typedef struct otw_detect {
    bool enabled;
    bool tcp_allowed[OTW_PROTO__COUNT], udp_allowed[OTW_PROTO__COUNT];
    /* dissectors with a probe, allowed on the transport, in table order */
    const otw_dissector *tcp_probes[OTW_PROTO__COUNT], *udp_probes[OTW_PROTO__COUNT];
    size_t n_tcp_probes, n_udp_probes;
    otw_known_service known[OTW_DETECT_KNOWN_SLOTS];
    uint32_t n_known;
    uint64_t known_refused; /* table full */
} otw_detect;

void otw_detect_init(otw_detect *d, const otw_config *cfg);
/* Whether proto may claim a flow on this transport. */
bool otw_detect_allowed(const otw_detect *d, bool tcp, otw_proto proto);
/* The protocol whose probe is surest of this first payload (the earlier
 * row of the protocol table on a tie), OTW_PROTO_NONE when none is. */
otw_proto otw_detect_probe(const otw_detect *d, bool tcp, const uint8_t *buf, size_t len,
                           otw_dir dir, bool opening);

/* Remembers that proto runs on this service; false when the table is full
 * (counted) or proto may not be claimed. */
bool otw_detect_learn(otw_detect *d, const otw_addr *server, uint16_t port, bool tcp,
                      otw_proto proto);
/* The protocol learnt on this service, OTW_PROTO_NONE if none. */
otw_proto otw_detect_known(const otw_detect *d, const otw_addr *server, uint16_t port, bool tcp);

#endif
