/* roles.c - see roles.h; the ranking is in docs/architecture.md. */
#include "roles.h"

#include <stdlib.h>
#include <string.h>

#include "keymap.h"

/* Recent reads, for the cyclic rule: a slot per signature hash, the newer
 * signature taking a busy slot. Polling repeats within seconds, so a small
 * table sees it; an engineering tool's one-off reads are pushed out. */
#define READ_SLOTS 4096u
#define S7_PLUS_EXPLORE 0x04bb /* protocols/s7comm.c */

/* Pairs count_pair() is done with (counted, or refused by a full table: it
 * never empties), a slot per pair of IPs, so the polls that follow skip
 * the digest and the table. */
#define PAIR_SLOTS 1024u

typedef struct pair_slot {
    otw_addr client, server;
    bool used;
} pair_slot;

typedef struct read_slot {
    uint8_t key[16];
    uint32_t count;
} read_slot;

struct otw_roles {
    otw_inventory *inv;
    read_slot *reads;
    pair_slot *settled;
    otw_keymap pairs;   /* digest(client IP, controller IP) of historian candidates */
    otw_keymap clients; /* client IP -> controllers it was seen reading */
};

otw_roles *otw_roles_new(otw_inventory *inv, uint32_t max_pairs)
{
    otw_roles *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->inv = inv;
    r->reads = calloc(READ_SLOTS, sizeof(read_slot));
    r->settled = calloc(PAIR_SLOTS, sizeof(pair_slot));
    if (!max_pairs)
        max_pairs = 1;
    if (!r->reads || !r->settled || otw_keymap_init(&r->pairs, max_pairs) < 0 ||
        otw_keymap_init(&r->clients, max_pairs) < 0) {
        otw_roles_free(r);
        return NULL;
    }
    return r;
}

void otw_roles_free(otw_roles *r)
{
    if (!r)
        return;
    otw_keymap_free(&r->pairs);
    otw_keymap_free(&r->clients);
    free(r->reads);
    free(r->settled);
    free(r);
}

/* PLC programming protocols: there, configuration, logins and identity or
 * diagnostic reads are what engineering tools do. In telecontrol and
 * building protocols (DNP3, IEC 104, BACnet, OPC UA, HART-IP) the SCADA
 * master does them as routine (time sync, unsolicited enable, class
 * assignment, test frames, Who-Is, GetEndpoints, command 0), so there only
 * program transfer, firmware and run/stop/restart count. */
static bool plc_protocol(otw_proto p)
{
    switch (p) {
    case OTW_PROTO_MODBUS:
    case OTW_PROTO_S7COMM:
    case OTW_PROTO_ENIP:
    case OTW_PROTO_SLMP:
    case OTW_PROTO_MELSOFT:
    case OTW_PROTO_FINS:
        return true;
    default:
        return false;
    }
}

/* The evidence one request gives about its client; OTW_EV__COUNT: none. */
static otw_evidence op_evidence(const otw_op *op)
{
    switch (op->op_class) {
    case OTW_CLASS_PROGRAM_DOWNLOAD:
    case OTW_CLASS_PROGRAM_UPLOAD:
    case OTW_CLASS_FIRMWARE:
        return OTW_EV_ENGINEERING;
    case OTW_CLASS_CONTROL:
        /* DNP3 freezes (7-12) are a master's routine; restarts and
         * application start/stop (13-18) are not. */
        if (op->protocol == OTW_PROTO_DNP3 && op->function >= 7 && op->function <= 12)
            return OTW_EV__COUNT;
        return OTW_EV_ENGINEERING;
    case OTW_CLASS_CONFIGURATION:
        /* PROFINET DCP Set (name, address): what commissioning tools do. */
        return plc_protocol(op->protocol) || op->protocol == OTW_PROTO_PNDCP ? OTW_EV_ENG_CONFIG
                                                                             : OTW_EV__COUNT;
    case OTW_CLASS_AUTHENTICATION:
        return plc_protocol(op->protocol) ? OTW_EV_ENG_CONFIG : OTW_EV__COUNT;
    case OTW_CLASS_IDENTITY:
    case OTW_CLASS_DIAGNOSTIC:
        /* Not PROFINET DCP Identify: IO controllers send it at start-up.
         * Not S7comm-plus Explore: HMIs browse their tags with it. */
        if (op->protocol == OTW_PROTO_S7COMM && op->function == S7_PLUS_EXPLORE)
            return OTW_EV__COUNT;
        return plc_protocol(op->protocol) ? OTW_EV_ENG_IDENTITY : OTW_EV__COUNT;
    case OTW_CLASS_WRITE:
        return OTW_EV_WRITES;
    default:
        return OTW_EV__COUNT;
    }
}

static bool has(const otw_asset *a, otw_evidence ev)
{
    return (a->evidence & (1u << ev)) != 0;
}

/* Reads only, never a write or an engineering function, not a controller
 * itself: a client that may be a historian. */
static bool historian_candidate(const otw_asset *a)
{
    const uint32_t not_historian = 1u << OTW_EV_WRITES | 1u << OTW_EV_ENGINEERING |
                                   1u << OTW_EV_ENG_CONFIG | 1u << OTW_EV_ENG_IDENTITY |
                                   1u << OTW_EV_INDUSTRIAL_SERVER | 1u << OTW_EV_DEVICE_IDENTITY;
    return !(a->evidence & not_historian);
}

/* The client was seen reading this controller: counted once per pair. */
static void count_pair(otw_roles *r, uint32_t client, const otw_addr *cip, const otw_addr *sip)
{
    otw_asset *a = otw_inventory_at(r->inv, client);
    if (!a || has(a, OTW_EV_HISTORIAN) || !historian_candidate(a))
        return;
    uint32_t h = 2166136261u;
    for (int i = 8; i < 16; i++)
        h = (h ^ cip->b[i] ^ ((uint32_t)sip->b[i] << 8)) * 16777619u;
    pair_slot *slot = &r->settled[h % PAIR_SLOTS];
    if (slot->used && memcmp(&slot->client, cip, sizeof(*cip)) == 0 &&
        memcmp(&slot->server, sip, sizeof(*sip)) == 0)
        return;
    slot->used = true;
    slot->client = *cip;
    slot->server = *sip;
    uint8_t both[32], key[16];
    memcpy(both, cip->b, 16);
    memcpy(both + 16, sip->b, 16);
    otw_digest128(both, sizeof(both), key);
    if (otw_keymap_get(&r->pairs, key) != UINT32_MAX || otw_keymap_put(&r->pairs, key, 1) < 0)
        return; /* known pair, or the table is full: counting stops, nothing is forgotten */
    uint32_t n = otw_keymap_get(&r->clients, cip->b);
    n = n == UINT32_MAX ? 1 : n + 1;
    if (otw_keymap_put(&r->clients, cip->b, n) == 0 && n >= OTW_ROLES_HISTORIAN_MIN)
        otw_inventory_add_evidence(r->inv, client, OTW_EV_HISTORIAN);
}

/* The same read (client, server, protocol, unit, function, object,
 * addresses) for the OTW_ROLES_CYCLIC_REPEATS-th time: polling. */
static void note_read(otw_roles *r, uint32_t client, const otw_addr *cip, const otw_addr *sip,
                      const otw_op *op)
{
    struct {
        uint8_t client[16], server[16];
        uint32_t protocol, unit, start, count;
        uint16_t function;
        uint8_t has_unit, has_address;
        char object[48];
    } sig;
    memset(&sig, 0, sizeof(sig)); /* padding too: the digest covers it */
    memcpy(sig.client, cip->b, 16);
    memcpy(sig.server, sip->b, 16);
    sig.protocol = (uint32_t)op->protocol;
    sig.has_unit = op->has_unit;
    sig.unit = op->has_unit ? op->unit : 0;
    sig.function = op->function;
    sig.has_address = op->has_address;
    if (op->has_address) {
        sig.start = op->address_start;
        sig.count = op->address_count;
    }
    memcpy(sig.object, op->object, sizeof(sig.object));
    uint8_t key[16];
    otw_digest128(&sig, sizeof(sig), key);
    read_slot *slot = &r->reads[otw_hash16(key) & (READ_SLOTS - 1)];
    if (memcmp(slot->key, key, 16) != 0) {
        memcpy(slot->key, key, 16);
        slot->count = 0;
    }
    if (++slot->count >= OTW_ROLES_CYCLIC_REPEATS)
        otw_inventory_add_evidence(r->inv, client, OTW_EV_CYCLIC_READS);
}

void otw_roles_op(otw_roles *r, uint32_t client, uint32_t server, const otw_addr *client_ip,
                  const otw_addr *server_ip, const otw_op *op)
{
    if (!r)
        return;
    if (server != OTW_ASSET_NONE) {
        /* Addressed as a controller; an answer is the stronger evidence. */
        if (op->response_ts_us)
            otw_inventory_drop_evidence(r->inv, server, OTW_EV_INDUSTRIAL_TARGET);
        else if (op->request_seen) {
            otw_asset *s = otw_inventory_at(r->inv, server);
            if (s && !has(s, OTW_EV_INDUSTRIAL_SERVER))
                otw_inventory_add_evidence(r->inv, server, OTW_EV_INDUSTRIAL_TARGET);
        }
    }
    /* A response alone (capture started mid-exchange) may be misread:
     * only requests tell what the client does. */
    otw_asset *a = otw_inventory_at(r->inv, client);
    if (!a || !op->request_seen)
        return;
    otw_evidence ev = op_evidence(op);
    if (ev != OTW_EV__COUNT) {
        otw_inventory_add_evidence(r->inv, client, ev);
        otw_inventory_drop_evidence(r->inv, client, OTW_EV_HISTORIAN);
        return;
    }
    if (op->op_class != OTW_CLASS_READ || !client_ip || !server_ip)
        return;
    if (!has(a, OTW_EV_CYCLIC_READS))
        note_read(r, client, client_ip, server_ip, op);
    count_pair(r, client, client_ip, server_ip);
}

void otw_roles_pair(otw_roles *r, const otw_addr *client_ip, const otw_addr *server_ip)
{
    if (!r)
        return;
    uint32_t client = otw_inventory_find_ip(r->inv, client_ip);
    if (client != OTW_ASSET_NONE)
        count_pair(r, client, client_ip, server_ip);
}
