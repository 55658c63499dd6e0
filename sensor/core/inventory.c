/* inventory.c - see inventory.h for the binding rules. */
#include "inventory.h"
#include "grow.h"

#include <stdlib.h>
#include <string.h>

#include "keymap.h"

struct otw_inventory {
    const otw_config *cfg;
    const otw_oui *oui;
    otw_asset *assets;
    uint32_t n, cap;
    otw_keymap by_ip, by_mac;
    /* Changes whenever otw_inventory_find_ip() may answer otherwise: an
     * address (re)mapped in by_ip, an asset merged into another. */
    uint64_t ip_gen;
    uint64_t refused;
    uint64_t refused_unproven; /* of refused: kept out of the proven reserve */
    otw_asset_new_fn on_new;
    otw_ip_claimed_fn on_claimed;
    void *ctx;
};

static void mac_key(const uint8_t mac[6], uint8_t key[16])
{
    memset(key, 0, 16);
    memcpy(key, mac, 6);
}

bool otw_is_local(const otw_config *cfg, const otw_addr *ip)
{
    for (int i = 0; i < cfg->n_local_networks; i++)
        if (otw_cidr_contains(&cfg->local_networks[i], ip->b))
            return true;
    return false;
}

otw_inventory *otw_inventory_new(const otw_config *cfg, const otw_oui *oui, otw_asset_new_fn on_new,
                                 void *ctx)
{
    otw_inventory *inv = calloc(1, sizeof(*inv));
    if (!inv)
        return NULL;
    inv->cfg = cfg;
    inv->oui = oui;
    inv->cap = cfg->max_assets ? cfg->max_assets : 1;
    inv->assets = otw_alloc_table(inv->cap, sizeof(otw_asset));
    inv->on_new = on_new;
    inv->ctx = ctx;
    if (!inv->assets || otw_keymap_init(&inv->by_ip, (size_t)inv->cap * 2) < 0 ||
        otw_keymap_init(&inv->by_mac, inv->cap) < 0) {
        otw_inventory_free(inv);
        return NULL;
    }
    return inv;
}

void otw_inventory_free(otw_inventory *inv)
{
    if (!inv)
        return;
    otw_keymap_free(&inv->by_ip);
    otw_keymap_free(&inv->by_mac);
    free(inv->assets);
    free(inv);
}

static uint32_t resolve(const otw_inventory *inv, uint32_t idx)
{
    /* Merges form short chains; bounded walk. Slots past n are unused
     * (zeroed: merged_into 0 would alias asset 0). */
    for (int hops = 0; idx < inv->n && hops < 8; hops++) {
        if (inv->assets[idx].merged_into == OTW_ASSET_NONE)
            return idx;
        idx = inv->assets[idx].merged_into;
    }
    return idx < inv->n ? idx : OTW_ASSET_NONE;
}

otw_asset *otw_inventory_at(otw_inventory *inv, uint32_t idx)
{
    idx = resolve(inv, idx);
    return idx < inv->n ? &inv->assets[idx] : NULL;
}

otw_asset *otw_inventory_raw(otw_inventory *inv, uint32_t idx)
{
    return idx < inv->n ? &inv->assets[idx] : NULL;
}

uint32_t otw_inventory_size(const otw_inventory *inv)
{
    return inv->n;
}

uint64_t otw_inventory_refused(const otw_inventory *inv)
{
    return inv->refused;
}

void otw_inventory_on_ip_claimed(otw_inventory *inv, otw_ip_claimed_fn fn)
{
    inv->on_claimed = fn;
}

/* The holder of an address (with its own MAC) was active a moment ago: a
 * claim by another MAC is contested, not a move. */
static bool holder_active(const otw_inventory *inv, uint32_t holder, uint64_t ts_us)
{
    return ts_us < inv->assets[holder].last_us + OTW_INVENTORY_CLAIM_WINDOW_US;
}

static void ip_claimed(otw_inventory *inv, const otw_addr *ip, uint32_t holder, uint32_t claimer,
                       bool holder_quiet, uint64_t ts_us)
{
    if (inv->on_claimed && holder != claimer)
        inv->on_claimed(inv->ctx, ip, holder, claimer, holder_quiet, ts_us);
}

uint64_t otw_inventory_refused_unproven(const otw_inventory *inv)
{
    return inv->refused_unproven;
}

static void set_vendor(otw_inventory *inv, otw_asset *a)
{
    const char *v = inv->oui && a->has_mac ? otw_oui_lookup(inv->oui, a->mac) : NULL;
    if (v) {
        size_t n = strnlen(v, sizeof(a->vendor) - 1);
        memcpy(a->vendor, v, n);
        a->vendor[n] = '\0';
    }
}

/* The last tenth of the table is kept for assets that proved they exist
 * (ARP, link-layer frames, an answer, the state): a flood of spoofed
 * one-packet sources fills the rest, not the room a real device needs. */
static uint32_t create(otw_inventory *inv, const uint8_t *mac, uint64_t ts_us, bool notify,
                       bool proven)
{
    uint32_t limit = proven ? inv->cap : inv->cap - inv->cap / 10;
    if (inv->n >= limit) {
        inv->refused++;
        if (!proven && inv->n < inv->cap)
            inv->refused_unproven++;
        return OTW_ASSET_NONE;
    }
    uint32_t idx = inv->n++;
    otw_asset *a = &inv->assets[idx];
    memset(a, 0, sizeof(*a));
    a->merged_into = OTW_ASSET_NONE;
    a->first_us = a->last_us = ts_us;
    a->dirty = true;
    a->is_new = notify;
    if (mac) {
        uint8_t key[16];
        mac_key(mac, key);
        if (otw_keymap_put(&inv->by_mac, key, idx) < 0) {
            inv->n--;
            inv->refused++;
            return OTW_ASSET_NONE;
        }
        a->has_mac = true;
        memcpy(a->mac, mac, 6);
        set_vendor(inv, a);
    }
    return idx;
}

static bool add_ip(otw_inventory *inv, uint32_t idx, const otw_addr *ip, bool confirmed)
{
    otw_asset *a = &inv->assets[idx];
    for (int i = 0; i < a->n_ips; i++) {
        if (memcmp(&a->ips[i], ip, sizeof(*ip)) == 0) {
            if (confirmed && !(a->ip_confirmed & (1u << i))) {
                a->ip_confirmed |= (uint8_t)(1u << i);
                a->dirty = true;
            }
            return true;
        }
    }
    if (a->n_ips >= OTW_ASSET_MAX_IPS || otw_keymap_put(&inv->by_ip, ip->b, idx) < 0) {
        inv->refused++;
        return false;
    }
    inv->ip_gen++;
    a->ips[a->n_ips] = *ip;
    if (confirmed)
        a->ip_confirmed |= (uint8_t)(1u << a->n_ips);
    a->n_ips++;
    a->dirty = true;
    return true;
}

static void remove_ip_at(otw_asset *a, int i)
{
    uint8_t low = (uint8_t)(a->ip_confirmed & ((1u << i) - 1));
    uint8_t high = (uint8_t)((a->ip_confirmed >> (i + 1)) << i);
    memmove(&a->ips[i], &a->ips[i + 1], (size_t)(a->n_ips - i - 1) * sizeof(otw_addr));
    a->n_ips--;
    a->ip_confirmed = low | high;
    a->dirty = true;
}

/* Folds asset `from` into `into` (an IP-only asset meets its MAC, or the
 * other way round). Indexes held elsewhere keep working via merged_into. */
static void merge(otw_inventory *inv, uint32_t into, uint32_t from)
{
    otw_asset *a = &inv->assets[into], *b = &inv->assets[from];
    if (!a->has_mac && b->has_mac) {
        a->has_mac = true;
        memcpy(a->mac, b->mac, 6);
        memcpy(a->vendor, b->vendor, sizeof(a->vendor));
        uint8_t key[16];
        mac_key(a->mac, key);
        otw_keymap_put(&inv->by_mac, key, into);
    }
    for (int i = 0; i < b->n_ips; i++) {
        bool conf = b->ip_confirmed & (1u << i);
        add_ip(inv, into, &b->ips[i], conf);
    }
    if (b->first_us < a->first_us)
        a->first_us = b->first_us;
    if (b->last_us > a->last_us)
        a->last_us = b->last_us;
    a->pkts += b->pkts;
    a->bytes += b->bytes;
    a->evidence |= b->evidence;
    if (!a->vlan)
        a->vlan = b->vlan;
    for (int i = 0; i < b->n_protos_client; i++)
        otw_inventory_add_proto(inv, into, b->protos_client[i], false);
    for (int i = 0; i < b->n_protos_server; i++)
        otw_inventory_add_proto(inv, into, b->protos_server[i], true);
    if (b->has_identity && !a->has_identity)
        otw_inventory_set_identity(inv, into, &b->identity);
    /* A merged-away asset that was new in this run was announced already;
     * the surviving one keeps the older history. */
    b->merged_into = into;
    inv->ip_gen++;
    b->n_ips = 0;
    b->has_mac = false;
    b->dirty = true;
    a->dirty = true;
}

uint32_t otw_inventory_load(otw_inventory *inv, const otw_asset *src)
{
    uint32_t idx = create(inv, src->has_mac ? src->mac : NULL, src->first_us, false, true);
    if (idx == OTW_ASSET_NONE)
        return idx;
    otw_asset *a = &inv->assets[idx];
    char vendor[sizeof(a->vendor)];
    memcpy(vendor, a->vendor, sizeof(vendor));
    *a = *src;
    if (!a->vendor[0])
        memcpy(a->vendor, vendor, sizeof(vendor));
    a->merged_into = OTW_ASSET_NONE;
    a->n_ips = 0;
    a->ip_confirmed = 0;
    a->is_new = false;
    a->dirty = false;
    for (int i = 0; i < src->n_ips; i++)
        add_ip(inv, idx, &src->ips[i], src->ip_confirmed & (1u << i));
    a->dirty = false;
    return idx;
}

static uint32_t lookup_mac(const otw_inventory *inv, const uint8_t mac[6])
{
    uint8_t key[16];
    mac_key(mac, key);
    return resolve(inv, otw_keymap_get(&inv->by_mac, key));
}

uint32_t otw_inventory_find_ip(const otw_inventory *inv, const otw_addr *ip)
{
    return resolve(inv, otw_keymap_get(&inv->by_ip, ip->b));
}

uint64_t otw_inventory_ip_gen(const otw_inventory *inv)
{
    return inv->ip_gen;
}

static void touch(otw_asset *a, uint64_t ts_us)
{
    if (ts_us > a->last_us) {
        a->last_us = ts_us;
        a->dirty = true;
    }
    if (ts_us < a->first_us) {
        a->first_us = ts_us;
        a->dirty = true;
    }
}

static void announce(otw_inventory *inv, uint32_t idx, uint64_t ts_us)
{
    if (idx != OTW_ASSET_NONE && inv->on_new)
        inv->on_new(inv->ctx, idx, ts_us);
}

static bool usable_mac(const uint8_t *mac)
{
    return mac && !otw_mac_is_zero(mac) && !otw_mac_is_multicast(mac);
}

uint32_t otw_inventory_find_mac(const otw_inventory *inv, const uint8_t mac[6])
{
    return usable_mac(mac) ? lookup_mac(inv, mac) : OTW_ASSET_NONE;
}

bool otw_inventory_mac_holds_other(const otw_inventory *inv, const uint8_t mac[6],
                                   const otw_addr *ip)
{
    uint32_t idx = usable_mac(mac) ? lookup_mac(inv, mac) : OTW_ASSET_NONE;
    if (idx == OTW_ASSET_NONE)
        return false;
    const otw_asset *a = &inv->assets[idx];
    if (a->evidence & (1u << OTW_EV_ROUTER))
        return true;
    for (int i = 0; i < a->n_ips; i++)
        if (memcmp(&a->ips[i], ip, sizeof(*ip)) != 0)
            return true;
    return false;
}

uint32_t otw_inventory_arp(otw_inventory *inv, const uint8_t mac[6], const otw_addr *ip,
                           uint64_t ts_us)
{
    if (!usable_mac(mac))
        return OTW_ASSET_NONE;
    bool zero_ip = true;
    for (int i = 0; i < 16 && zero_ip; i++)
        zero_ip = (i >= 10 && i < 12) ? true : ip->b[i] == 0;
    uint32_t by_mac = lookup_mac(inv, mac);
    uint32_t by_ip = zero_ip ? OTW_ASSET_NONE : otw_inventory_find_ip(inv, ip);
    uint32_t idx;
    if (by_mac == OTW_ASSET_NONE && by_ip == OTW_ASSET_NONE) {
        idx = create(inv, mac, ts_us, true, true);
        if (idx == OTW_ASSET_NONE)
            return idx;
        if (!zero_ip)
            add_ip(inv, idx, ip, true);
        announce(inv, idx, ts_us);
    } else if (by_mac == OTW_ASSET_NONE) {
        idx = by_ip;
        otw_asset *a = &inv->assets[idx];
        if (!a->has_mac) {
            a->has_mac = true;
            memcpy(a->mac, mac, 6);
            set_vendor(inv, a);
            uint8_t key[16];
            mac_key(mac, key);
            otw_keymap_put(&inv->by_mac, key, idx);
            add_ip(inv, idx, ip, true);
        } else if (holder_active(inv, by_ip, ts_us)) {
            /* Claimed while its device is in use: the address stays with
             * it, the claiming MAC is a device of its own, and it is said. */
            idx = create(inv, mac, ts_us, true, true);
            if (idx == OTW_ASSET_NONE)
                return idx;
            announce(inv, idx, ts_us);
            ip_claimed(inv, ip, by_ip, idx, false, ts_us);
        } else {
            /* The IP moved to another MAC (DHCP reuse, replaced device):
             * the new MAC is a new device holding this IP. */
            for (int i = 0; i < a->n_ips; i++)
                if (memcmp(&a->ips[i], ip, sizeof(*ip)) == 0)
                    remove_ip_at(a, i);
            idx = create(inv, mac, ts_us, true, true);
            if (idx == OTW_ASSET_NONE)
                return idx;
            add_ip(inv, idx, ip, true);
            announce(inv, idx, ts_us);
            ip_claimed(inv, ip, by_ip, idx, true, ts_us);
        }
    } else if (by_ip == OTW_ASSET_NONE || by_ip == by_mac) {
        idx = by_mac;
        if (!zero_ip)
            add_ip(inv, idx, ip, true);
    } else {
        /* The IP was known alone (seen before its ARP): fold it in. */
        idx = by_mac;
        otw_asset *other = &inv->assets[by_ip];
        if (!other->has_mac) {
            merge(inv, idx, by_ip);
        } else if (holder_active(inv, by_ip, ts_us)) {
            ip_claimed(inv, ip, by_ip, idx, false, ts_us); /* contested: stays with it */
            touch(&inv->assets[idx], ts_us);
            return idx;
        } else {
            for (int i = 0; i < other->n_ips; i++)
                if (memcmp(&other->ips[i], ip, sizeof(*ip)) == 0)
                    remove_ip_at(other, i);
            add_ip(inv, idx, ip, true);
            touch(&inv->assets[idx], ts_us);
            ip_claimed(inv, ip, by_ip, idx, true, ts_us);
            return idx;
        }
        add_ip(inv, idx, ip, true);
    }
    touch(&inv->assets[idx], ts_us);
    return idx;
}

uint32_t otw_inventory_l2(otw_inventory *inv, const uint8_t mac[6], uint64_t ts_us)
{
    if (!usable_mac(mac))
        return OTW_ASSET_NONE;
    uint32_t idx = lookup_mac(inv, mac);
    if (idx == OTW_ASSET_NONE) {
        idx = create(inv, mac, ts_us, true, true);
        announce(inv, idx, ts_us);
    }
    if (idx != OTW_ASSET_NONE)
        touch(&inv->assets[idx], ts_us);
    return idx;
}

/* The MAC carries a second unconfirmed IP: it is a router. Its unconfirmed
 * IPs become assets of their own. */
static void become_router(otw_inventory *inv, uint32_t ridx, uint64_t ts_us)
{
    otw_asset *r = &inv->assets[ridx];
    r->evidence |= 1u << OTW_EV_ROUTER;
    r->dirty = true;
    for (int i = r->n_ips - 1; i >= 0; i--) {
        if (r->ip_confirmed & (1u << i))
            continue;
        /* No room for the host: its IP stays on the router, where the
         * IP index (which has no deletion) still points. */
        uint32_t n = create(inv, NULL, ts_us, true, true);
        r = &inv->assets[ridx];
        if (n == OTW_ASSET_NONE)
            break;
        otw_addr ip = r->ips[i];
        remove_ip_at(r, i);
        inv->assets[n].first_us = r->first_us;
        add_ip(inv, n, &ip, false);
        /* The router asset was announced with this IP; the split-off host
         * is a device of its own and is announced too. */
        announce(inv, n, ts_us);
    }
}

/* fe80::/10: never routed, so always its source MAC's own address. */
static bool v6_link_local(const otw_addr *ip)
{
    return ip->b[0] == 0xfe && (ip->b[1] & 0xc0) == 0x80;
}

static uint32_t ip_asset(otw_inventory *inv, const uint8_t *mac, const otw_addr *ip, uint64_t ts_us,
                         bool proven, bool plant)
{
    if (!otw_addr_is_unicast(ip))
        return OTW_ASSET_NONE; /* 0.0.0.0, broadcast, multicast: no device */
    uint32_t idx = otw_inventory_find_ip(inv, ip);
    if (idx == OTW_ASSET_NONE && !otw_is_local(inv->cfg, ip) &&
        !(plant && !inv->cfg->local_networks_set && otw_addr_is_unicast(ip)))
        return OTW_ASSET_NONE;
    if (!usable_mac(mac))
        mac = NULL;
    if (idx != OTW_ASSET_NONE) {
        otw_asset *a = &inv->assets[idx];
        if (mac && !a->has_mac && lookup_mac(inv, mac) == OTW_ASSET_NONE && a->n_ips == 1) {
            a->has_mac = true;
            memcpy(a->mac, mac, 6);
            set_vendor(inv, a);
            uint8_t key[16];
            mac_key(mac, key);
            otw_keymap_put(&inv->by_mac, key, idx);
            a->dirty = true;
        }
        touch(a, ts_us);
        return idx;
    }
    uint32_t by_mac = mac ? lookup_mac(inv, mac) : OTW_ASSET_NONE;
    if (by_mac != OTW_ASSET_NONE) {
        otw_asset *m = &inv->assets[by_mac];
        bool router = m->evidence & (1u << OTW_EV_ROUTER);
        /* A dual-stack host's IPv6 link-local address is its own (a router
         * forwards none), and does not make a second address a router's. */
        if (v6_link_local(ip)) {
            add_ip(inv, by_mac, ip, true);
            touch(m, ts_us);
            return by_mac;
        }
        int routable = 0;
        for (int i = 0; i < m->n_ips; i++)
            routable += !v6_link_local(&m->ips[i]);
        if (!router && routable == 0) {
            add_ip(inv, by_mac, ip, false);
            touch(m, ts_us);
            return by_mac;
        }
        if (!router)
            become_router(inv, by_mac, ts_us);
        mac = NULL; /* the IP lives behind the router */
    }
    idx = create(inv, mac, ts_us, true, proven);
    if (idx == OTW_ASSET_NONE)
        return idx;
    add_ip(inv, idx, ip, false);
    announce(inv, idx, ts_us);
    return idx;
}

uint32_t otw_inventory_ip(otw_inventory *inv, const uint8_t *mac, const otw_addr *ip,
                          uint64_t ts_us)
{
    return ip_asset(inv, mac, ip, ts_us, false, false);
}

uint32_t otw_inventory_ip_proven(otw_inventory *inv, const uint8_t *mac, const otw_addr *ip,
                                 uint64_t ts_us)
{
    return ip_asset(inv, mac, ip, ts_us, true, false);
}

uint32_t otw_inventory_ip_plant(otw_inventory *inv, const uint8_t *mac, const otw_addr *ip,
                                uint64_t ts_us)
{
    return ip_asset(inv, mac, ip, ts_us, true, true);
}

void otw_inventory_count(otw_inventory *inv, uint32_t idx, uint64_t last_us, uint64_t pkts,
                         uint64_t bytes)
{
    otw_asset *a = otw_inventory_at(inv, idx);
    if (!a || (!pkts && !bytes))
        return;
    a->pkts += pkts;
    a->bytes += bytes;
    a->dirty = true;
    touch(a, last_us);
}

void otw_inventory_add_proto(otw_inventory *inv, uint32_t idx, uint16_t key, bool as_server)
{
    otw_asset *a = otw_inventory_at(inv, idx);
    if (!a)
        return;
    uint16_t *list = as_server ? a->protos_server : a->protos_client;
    uint8_t *n = as_server ? &a->n_protos_server : &a->n_protos_client;
    for (int i = 0; i < *n; i++)
        if (list[i] == key)
            return;
    if (*n < OTW_ASSET_MAX_PROTOS) {
        list[(*n)++] = key;
        a->dirty = true;
    }
}

void otw_inventory_add_evidence(otw_inventory *inv, uint32_t idx, otw_evidence ev)
{
    otw_asset *a = otw_inventory_at(inv, idx);
    if (a && !(a->evidence & (1u << ev))) {
        a->evidence |= 1u << ev;
        a->dirty = true;
    }
}

void otw_inventory_drop_evidence(otw_inventory *inv, uint32_t idx, otw_evidence ev)
{
    otw_asset *a = otw_inventory_at(inv, idx);
    if (a && (a->evidence & (1u << ev))) {
        a->evidence &= ~(1u << ev);
        a->dirty = true;
    }
}

void otw_inventory_set_vlan(otw_inventory *inv, uint32_t idx, const uint8_t mac[6], uint16_t vlan)
{
    otw_asset *a = otw_inventory_at(inv, idx);
    if (a && vlan && a->vlan != vlan && a->has_mac && memcmp(a->mac, mac, 6) == 0) {
        a->vlan = vlan;
        a->dirty = true;
    }
}

static void merge_field(char *dst, size_t dstsz, const char *src)
{
    if (src[0] && strcmp(dst, src) != 0) {
        size_t n = strnlen(src, dstsz - 1);
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
}

bool otw_inventory_set_identity(otw_inventory *inv, uint32_t idx, const otw_identity *id)
{
    otw_asset *a = otw_inventory_at(inv, idx);
    if (!a)
        return false;
    otw_identity before = a->identity;
    bool was = a->has_identity;
    otw_identity *d = &a->identity;
    if (!a->has_identity) {
        memset(d, 0, sizeof(*d));
        a->has_identity = true;
    }
    d->protocol = id->protocol;
    d->about = id->about;
    d->source = id->source;
    merge_field(d->vendor, sizeof(d->vendor), id->vendor);
    merge_field(d->product, sizeof(d->product), id->product);
    merge_field(d->product_code, sizeof(d->product_code), id->product_code);
    merge_field(d->model, sizeof(d->model), id->model);
    merge_field(d->revision, sizeof(d->revision), id->revision);
    merge_field(d->serial, sizeof(d->serial), id->serial);
    merge_field(d->name, sizeof(d->name), id->name);
    merge_field(d->device_type, sizeof(d->device_type), id->device_type);
    merge_field(d->detail, sizeof(d->detail), id->detail);
    if (id->has_vendor_id) {
        d->has_vendor_id = true;
        d->vendor_id = id->vendor_id;
    }
    bool changed = !was || memcmp(&before, d, sizeof(before)) != 0;
    if (changed)
        a->dirty = true;
    return changed;
}

otw_role otw_asset_role(const otw_asset *a)
{
    /* First match wins (docs/architecture.md, "Roles from behaviour"): answering as a controller,
     * then what a client does on the control network (engineering functions before reading many
     * controllers before polling), then what a device announces about itself, and last being
     * addressed as a controller without an answer seen. */
    static const struct {
        otw_evidence ev;
        otw_role role;
    } order[] = {
        {OTW_EV_DEVICE_IDENTITY, OTW_ROLE_CONTROLLER},
        {OTW_EV_INDUSTRIAL_SERVER, OTW_ROLE_CONTROLLER},
        {OTW_EV_ENGINEERING, OTW_ROLE_ENGINEERING},
        {OTW_EV_ENG_CONFIG, OTW_ROLE_ENGINEERING},
        {OTW_EV_ENG_IDENTITY, OTW_ROLE_ENGINEERING},
        {OTW_EV_HISTORIAN, OTW_ROLE_HISTORIAN},
        {OTW_EV_INDUSTRIAL_CLIENT, OTW_ROLE_HMI},
        {OTW_EV_CYCLIC_READS, OTW_ROLE_HMI},
        {OTW_EV_WRITES, OTW_ROLE_HMI},
        {OTW_EV_NETWORK_DEVICE, OTW_ROLE_NETWORK},
        {OTW_EV_ROUTER, OTW_ROLE_NETWORK},
        {OTW_EV_IOT, OTW_ROLE_IOT},
        {OTW_EV_IT_HOST, OTW_ROLE_IT_HOST},
        {OTW_EV_INDUSTRIAL_TARGET, OTW_ROLE_CONTROLLER},
    };
    uint32_t ev = a->evidence;
    if (ev & (1u << OTW_EV_WRITES)) /* a historian never writes */
        ev &= ~(1u << OTW_EV_HISTORIAN);
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (ev & (1u << order[i].ev))
            return order[i].role;
    return OTW_ROLE_UNKNOWN;
}

const char *otw_role_name(otw_role r)
{
    static const char *const names[OTW_ROLE__COUNT] = {
        "unknown", "controller", "hmi", "engineering", "historian", "network", "it_host", "iot"};
    return (unsigned)r < OTW_ROLE__COUNT ? names[r] : "unknown";
}

const char *otw_evidence_text(otw_evidence ev)
{
    static const char *const text[OTW_EV__COUNT] = {
        "answers industrial protocol requests (server)",
        "sends industrial protocol requests (client)",
        "reports a controller identity in its own traffic",
        "source MAC of several IP addresses (routes traffic)",
        "sends program transfers or operating-mode commands",
        "announces itself as a bridge or router",
        "office operating system or service",
        "camera, smart or consumer device",
        "reads from three or more controllers and never writes",
        "changes controller configuration or logs in to a controller",
        "reads controller identities or diagnostics",
        "reads the same data cyclically (polling)",
        "writes process values",
        "receives industrial protocol requests (no answer seen)",
    };
    return (unsigned)ev < OTW_EV__COUNT ? text[ev] : "?";
}
