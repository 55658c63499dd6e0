/* comms.h - who talks to whom: one record per (client IP, server IP,
 * protocol, server port, transport), with first/last seen, counts and the
 * VLAN it was seen on.
 * Created when a flow is classified, updated from flow counters at
 * checkpoints and flow end (never per packet). Bounded, with a counter. */
#ifndef OTW_COMMS_H
#define OTW_COMMS_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

#define OTW_COMM_NONE UINT32_MAX

typedef struct otw_comm {
    int64_t store_id;
    otw_addr client, server;
    uint16_t proto_key; /* see otw_proto_key in inventory.h */
    uint16_t server_port;
    uint8_t transport; /* 6 TCP, 17 UDP */
    uint16_t vlan;     /* outer VLAN tag of its first tagged flow, 0 = none: places
                          VLAN-defined zones after the fact as live */
    uint64_t first_us, last_us;
    uint64_t flows, pkts, bytes;
    bool dirty;
} otw_comm;

/* What the sensor knows of a new communication, for the alert it raises. */
typedef enum otw_comm_kind {
    OTW_COMM_OTHER = 0,
    OTW_COMM_INDUSTRIAL,      /* an industrial protocol */
    OTW_COMM_FROM_CONTROLLER, /* a controller calling a plant device over TCP, not industrial */
    OTW_COMM_FROM_HMI,        /* an HMI calling another OT asset over TCP, not industrial */
} otw_comm_kind;

typedef struct otw_comms otw_comms;

otw_comms *otw_comms_new(uint32_t cap);
void otw_comms_free(otw_comms *c);
/* Finds or creates; *created tells which. OTW_COMM_NONE when full. */
uint32_t otw_comms_get(otw_comms *c, const otw_addr *client, const otw_addr *server,
                       uint16_t proto_key, uint16_t server_port, uint8_t transport, uint64_t ts_us,
                       bool *created);
uint32_t otw_comms_load(otw_comms *c, const otw_comm *src);
/* The proto_key of a flow nothing named (nDPI's unknown, 256 + 0). */
#define OTW_COMM_PROTO_UNKNOWN 256u
/* The first communication with a named protocol between these ends on
 * this server port and transport, or OTW_COMM_NONE: where a session picked
 * up midstream, too late for anything to name it, belongs. */
uint32_t otw_comms_find_service(const otw_comms *c, const otw_addr *client, const otw_addr *server,
                                uint16_t server_port, uint8_t transport);
otw_comm *otw_comms_at(otw_comms *c, uint32_t idx);
uint32_t otw_comms_size(const otw_comms *c);
uint64_t otw_comms_refused(const otw_comms *c);

#endif
