/* zones.h - IT/OT zones and conduits (IEC 62443-3-2 zone and conduit model;
 * Purdue reference model levels for what a zone holds).
 *
 * Every communication is placed from the configuration alone:
 *  - INTERNAL: client and server in the same zone;
 *  - CONDUIT: a conduit allows it (zones, direction, protocol and/or server
 *    port, and, when the conduit has time windows, the capture time);
 *  - VIOLATION: anything else between two zones (default: not allowed).
 * Addresses in no configured zone fall in the built-in zones "internet"
 * (not in inventory.local_networks) and "unassigned" (local). Multicast and
 * broadcast destinations stay in the sender's zone (one segment).
 * Zone of an address: its CIDR, else the flow's VLAN id, else built-in.
 *
 * Violation severity by what is crossed (client zone kind -> server zone kind):
 *
 *                 control  ot       dmz     it      internet unassigned
 *   control       medium   low      medium  high    high     medium
 *   ot            high     medium   low     medium  high     medium
 *   dmz           high     medium   low     low     medium   low
 *   it            critical high     medium  low     low      low
 *   internet      critical critical high    medium  low      medium
 *   unassigned    high     medium   medium  low     low      low
 *
 * raised to critical when an IT or Internet client reaches a server the
 * inventory holds as a controller, and to at least high when the server's
 * zone has criticality: critical.
 *
 * ATT&CK for ICS: ZONE_VIOLATION is T0883 Internet Accessible Device when an
 * Internet client reaches OT, T0869 Standard Application Layer Protocol
 * (command and control) when OT reaches the Internet, otherwise T0886
 * Remote Services (movement between segments). REMOTE_ACCESS is T0886,
 * or T0822 External Remote Services for VPN protocols and Internet clients.
 *
 * Nothing here runs per packet: a flow is placed once, when its protocol is
 * known. Lookups are linear over at most 32 zones x 16 CIDRs.
 */
#ifndef OTW_ZONES_H
#define OTW_ZONES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "alerts.h"
#include "comms.h"
#include "config.h"
#include "inventory.h"

typedef enum otw_place {
    OTW_PLACE_NONE = 0, /* no zones configured: nothing is placed */
    OTW_PLACE_INTERNAL,
    OTW_PLACE_CONDUIT,
    OTW_PLACE_VIOLATION
} otw_place;

#define OTW_RULE_NONE (-1)

/* What is known of a communication when it is placed. */
typedef struct otw_zone_query {
    otw_addr client, server;
    uint16_t vlan;     /* outermost VLAN id, 0 = none */
    uint8_t transport; /* 6 TCP, 17 UDP */
    uint16_t server_port;
    const char *protocol;      /* "modbus", "SSH", "Unknown", ... */
    bool industrial;           /* the protocol is one of our industrial dissectors */
    bool server_is_controller; /* the inventory holds the server as a controller */
    uint64_t ts_us;            /* capture time (time windows) */
} otw_zone_query;

typedef struct otw_placement {
    otw_place verdict;
    uint8_t client_zone, server_zone; /* zone index, OTW_ZONE_INTERNET, OTW_ZONE_UNASSIGNED */
    int conduit;                      /* CONDUIT: the allowing conduit; else OTW_RULE_NONE */
    int rule;                         /* VIOLATION: first conduit whose scope holds it (its action:
                                         closed windows or allow: false); OTW_RULE_NONE = default */
    bool outside_window;              /* VIOLATION because the rule's windows are closed */
    bool reset;                       /* VIOLATION that may be reset: rule action reset, TCP, and
                                         an industrial protocol only when the rule names it */
    otw_severity severity;            /* VIOLATION severity */
    const char *technique;            /* VIOLATION ATT&CK for ICS id */
    /* remote access into an OT (control/ot) zone from another zone, or any VPN
     * terminating inside one */
    bool remote_access;
    const char *remote_service; /* "RDP", "SSH", "OpenVPN", ... */
    bool remote_vpn;
    otw_severity remote_severity;
    const char *remote_technique;
} otw_placement;

/* Zone of an address (vlan: 0 = none). */
uint8_t otw_zone_of(const otw_config *cfg, const otw_addr *a, uint16_t vlan);
/* Zone of a device: its first IP's, or its VLAN's (listings, map, report,
 * console). */
uint8_t otw_asset_zone(const otw_config *cfg, const otw_asset *a);
const char *otw_zone_name(const otw_config *cfg, uint8_t zone);
/* What people call the zone: its label when the configuration gives one
 * (any script), else its name; the built-in zones' names. */
const char *otw_zone_label(const otw_config *cfg, uint8_t zone);
otw_zone_kind otw_zone_kind_of(const otw_config *cfg, uint8_t zone);
const char *otw_zone_kind_name(otw_zone_kind k);
/* The zone holds OT equipment (control or ot kind). */
bool otw_zone_is_ot(const otw_config *cfg, uint8_t zone);

/* Places one communication. */
void otw_zones_place(const otw_config *cfg, const otw_zone_query *q, otw_placement *out);
const char *otw_place_name(otw_place p); /* "internal", "conduit", "violation", "none" */
/* Places a stored communication (otwatch boundary, map, report) as the sensor
 * placed it live: at its last time, and a windowed conduit allows what it saw
 * open at either end of the record. protocol: its stored name. */
void otw_zones_place_comm(const otw_config *cfg, const otw_comm *c, const char *protocol,
                          bool server_is_controller, otw_placement *out);

/* Whether the conduit's time windows are open at ts_us (true without windows). */
bool otw_conduit_open(const otw_conduit_cfg *k, uint64_t ts_us);
/* Whether the conduit's zones, direction, protocols and ports hold q (time aside). */
bool otw_conduit_scope(const otw_conduit_cfg *k, uint8_t client_zone, uint8_t server_zone,
                       const otw_zone_query *q);

/* Remote access service by nDPI protocol name, else (name unknown) by
 * server port: RDP, VNC, SSH, Telnet, TeamViewer, AnyDesk, Citrix and the
 * VPN protocols (OpenVPN, IPsec/IKE, WireGuard, PPTP, L2TP, CiscoVPN,
 * FortiClient). NULL if none; *vpn tells VPNs apart. */
const char *otw_remote_access_service(const char *protocol, uint8_t transport, uint16_t port,
                                      bool *vpn);

/* "tcp/502 modbus": the service of a communication, the alert key. */
void otw_service_text(uint8_t transport, uint16_t port, const char *protocol, char *out,
                      size_t outsz);

#endif
