/* inventory.h - the asset inventory: one asset per device, merged across its
 * MAC and IP addresses.
 *
 * Binding rules (SPAN ports see routed traffic, where the source MAC is the
 * router's, so an IP is not simply glued to the MAC it arrived with):
 *  - ARP (and later DHCP) bind an IP to a MAC with confirmation;
 *  - IP traffic binds an IP to its source MAC only while that MAC carries a
 *    single unconfirmed IP; a MAC seen as the source of several unconfirmed
 *    IPs is a router: those IPs become assets of their own and the MAC an
 *    asset with the "routes for several IPs" evidence.
 * Only local addresses (inventory.local_networks, or confirmed by ARP)
 * become assets; public peers are communication endpoints, not devices.
 * The table is bounded (inventory.max_assets) with a counter of refusals.
 */
#ifndef OTW_INVENTORY_H
#define OTW_INVENTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"
#include "facts.h"
#include "oui.h"

#define OTW_ASSET_NONE UINT32_MAX
#define OTW_ASSET_MAX_IPS 8
#define OTW_ASSET_MAX_PROTOS 16

typedef enum otw_role {
    OTW_ROLE_UNKNOWN = 0,
    OTW_ROLE_CONTROLLER,
    OTW_ROLE_HMI,
    OTW_ROLE_ENGINEERING,
    OTW_ROLE_HISTORIAN,
    OTW_ROLE_NETWORK,
    OTW_ROLE_IT_HOST,
    OTW_ROLE_IOT,
    OTW_ROLE__COUNT
} otw_role;

/* Why we believe what we believe about a device. Each points to a role
 * (ranked in otw_asset_role, see docs/architecture.md); the protocols behind
 * it are the asset's protocol lists. Stored as a bit mask: new kinds go at
 * the end. */
typedef enum otw_evidence {
    OTW_EV_INDUSTRIAL_SERVER = 0, /* answers industrial requests -> controller */
    OTW_EV_INDUSTRIAL_CLIENT,     /* sends industrial requests -> HMI/SCADA */
    OTW_EV_DEVICE_IDENTITY,   /* reports a controller identity (43/14, SZL, ...) -> controller */
    OTW_EV_ROUTER,            /* source MAC of several IPs -> network device */
    OTW_EV_ENGINEERING,       /* program transfers, mode changes -> engineering workstation */
    OTW_EV_NETWORK_DEVICE,    /* announces itself as bridge/router (LLDP, CDP) */
    OTW_EV_IT_HOST,           /* office OS or service (DHCP vendor class, NetBIOS, UA) */
    OTW_EV_IOT,               /* camera, smart plug, media or consumer device */
    OTW_EV_HISTORIAN,         /* reads OTW_ROLES_HISTORIAN_MIN controllers, never writes */
    OTW_EV_ENG_CONFIG,        /* configuration or controller login -> engineering */
    OTW_EV_ENG_IDENTITY,      /* identity or diagnostic reads of controllers -> engineering */
    OTW_EV_CYCLIC_READS,      /* the same read again and again -> HMI/SCADA */
    OTW_EV_WRITES,            /* writes process values -> HMI/SCADA, never a historian */
    OTW_EV_INDUSTRIAL_TARGET, /* receives industrial requests, no answer seen -> controller */
    OTW_EV__COUNT
} otw_evidence;

typedef struct otw_asset {
    int64_t store_id; /* row id in the state store, 0 = not stored yet */
    bool has_mac;
    uint8_t mac[6];
    uint8_t n_ips;
    otw_addr ips[OTW_ASSET_MAX_IPS];
    uint8_t ip_confirmed; /* bit i: ips[i] confirmed by ARP/DHCP */
    char vendor[96];      /* from the MAC's OUI */
    uint16_t vlan;        /* outer 802.1Q tag last seen on its own frames, 0 = none */
    uint64_t first_us, last_us;
    uint64_t pkts, bytes;
    uint16_t protos_client[OTW_ASSET_MAX_PROTOS]; /* protocol keys (see otw_proto_key) */
    uint16_t protos_server[OTW_ASSET_MAX_PROTOS];
    uint8_t n_protos_client, n_protos_server;
    uint32_t evidence; /* bit per otw_evidence */
    bool has_identity;
    otw_identity identity; /* merged: later non-empty fields overwrite */
    uint32_t merged_into;  /* OTW_ASSET_NONE unless merged away */
    bool dirty;            /* changed since the last store checkpoint */
    bool is_new;           /* created in this run, not loaded from the store */
} otw_asset;

/* A protocol key: industrial protocols (otw_proto) below 256, nDPI ids as
 * 256 + id, so one small integer names any protocol an asset speaks. */
#define OTW_PROTO_KEY_NDPI(id) ((uint16_t)(256u + (id)))

typedef struct otw_inventory otw_inventory;

/* Called once for every asset created in this run (not for loaded ones). */
typedef void (*otw_asset_new_fn)(void *ctx, uint32_t idx, uint64_t ts_us);

/* An address another device holds is claimed by a new MAC (ARP, DHCP):
 * holder is the asset that held ip, claimer the asset of the claiming MAC.
 * A holder active within OTW_INVENTORY_CLAIM_WINDOW_US keeps the address
 * (holder_quiet false): the classic mark of ARP spoofing (adversary in the
 * middle). A holder quiet for longer hands it over (holder_quiet true): a
 * replaced device, or, for a controller, one impersonating it. */
#define OTW_INVENTORY_CLAIM_WINDOW_US (120ull * 1000000)
typedef void (*otw_ip_claimed_fn)(void *ctx, const otw_addr *ip, uint32_t holder, uint32_t claimer,
                                  bool holder_quiet, uint64_t ts_us);
otw_inventory *otw_inventory_new(const otw_config *cfg, const otw_oui *oui, otw_asset_new_fn on_new,
                                 void *ctx);
void otw_inventory_free(otw_inventory *inv);

/* Loads an asset from the store (no NEW callback). Returns its index. */
uint32_t otw_inventory_load(otw_inventory *inv, const otw_asset *a);

/* ARP sender (mac, ip): confirmed binding. Returns the asset index. */
uint32_t otw_inventory_arp(otw_inventory *inv, const uint8_t mac[6], const otw_addr *ip,
                           uint64_t ts_us);
/* An IP endpoint seen with source MAC mac (NULL if unknown). Returns the
 * asset index, or OTW_ASSET_NONE for non-local addresses or a full table.
 * A new address gets no slot from the last tenth of the table, kept for
 * assets that proved they exist; _proven (it answered) may take one. */
uint32_t otw_inventory_ip(otw_inventory *inv, const uint8_t *mac, const otw_addr *ip,
                          uint64_t ts_us);
uint32_t otw_inventory_ip_proven(otw_inventory *inv, const uint8_t *mac, const otw_addr *ip,
                                 uint64_t ts_us);
/* An address that spoke an industrial protocol (as client or server) is a
 * plant device whatever its range: without inventory.local_networks in the
 * configuration, one outside the local networks becomes an asset too (old
 * plants numbered from public ranges). An explicit local_networks is the
 * stated address plan and wins. */
/* The asset owning mac is a router or holds an address other than ip: ip
 * is reached through it. */
bool otw_inventory_mac_holds_other(const otw_inventory *inv, const uint8_t mac[6],
                                   const otw_addr *ip);
uint32_t otw_inventory_ip_plant(otw_inventory *inv, const uint8_t *mac, const otw_addr *ip,
                                uint64_t ts_us);
/* A non-IP frame from mac (LLDP, PROFINET, ...). */
uint32_t otw_inventory_l2(otw_inventory *inv, const uint8_t mac[6], uint64_t ts_us);
/* Finds the asset of a MAC without creating one. */
uint32_t otw_inventory_find_mac(const otw_inventory *inv, const uint8_t mac[6]);
/* Finds the asset of an IP without creating one. */
uint32_t otw_inventory_find_ip(const otw_inventory *inv, const otw_addr *ip);
/* Changes whenever otw_inventory_find_ip() may give another answer for some
 * address (one mapped or moved, assets merged): a caller may keep an answer
 * while this stays the same. Starts at 0 and only grows. */
uint64_t otw_inventory_ip_gen(const otw_inventory *inv);

void otw_inventory_count(otw_inventory *inv, uint32_t idx, uint64_t last_us, uint64_t pkts,
                         uint64_t bytes);
void otw_inventory_add_proto(otw_inventory *inv, uint32_t idx, uint16_t proto_key, bool as_server);
void otw_inventory_add_evidence(otw_inventory *inv, uint32_t idx, otw_evidence ev);
/* Withdraws a piece of evidence (a historian that writes is none). */
void otw_inventory_drop_evidence(otw_inventory *inv, uint32_t idx, otw_evidence ev);
/* A frame to or from the device's own MAC (mac) carried outer VLAN tag vlan
 * (untagged frames change nothing: a SPAN of access ports and their tagged
 * uplink shows the same frame both ways). */
void otw_inventory_set_vlan(otw_inventory *inv, uint32_t idx, const uint8_t mac[6], uint16_t vlan);
/* Merges an identity into the asset's; true if anything changed. */
bool otw_inventory_set_identity(otw_inventory *inv, uint32_t idx, const otw_identity *id);

otw_asset *otw_inventory_at(otw_inventory *inv, uint32_t idx); /* follows merges */
/* The slot itself, merged or not (0 <= idx < size), for the store. */
otw_asset *otw_inventory_raw(otw_inventory *inv, uint32_t idx);
uint32_t otw_inventory_size(const otw_inventory *inv); /* indexes 0..size-1 */
uint64_t otw_inventory_refused(const otw_inventory *inv);
/* Called (with on_new's ctx) when a device's address is claimed by another
 * MAC (see otw_ip_claimed_fn). */
void otw_inventory_on_ip_claimed(otw_inventory *inv, otw_ip_claimed_fn fn);
/* Of those, new addresses kept out of the reserve (a flood's mark). */
uint64_t otw_inventory_refused_unproven(const otw_inventory *inv);

/* Role inferred from the evidence, and a text of the evidence. */
otw_role otw_asset_role(const otw_asset *a);
const char *otw_role_name(otw_role r);
const char *otw_evidence_text(otw_evidence ev);
bool otw_is_local(const otw_config *cfg, const otw_addr *ip);

#endif
