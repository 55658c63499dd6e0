/* test_inventory.c - unit tests for the asset inventory and its binding
 * rules (sensor/core/inventory.c, contract in sensor/core/inventory.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "inventory.h"

#define MAX_NEWS 64

/* What the NEW callback saw, at the moment it was called. */
typedef struct news {
    int n;
    uint32_t idx[MAX_NEWS];
    uint64_t ts[MAX_NEWS];
    uint8_t n_ips[MAX_NEWS];
    bool has_mac[MAX_NEWS];
} news;

typedef struct fixture {
    otw_config cfg;
    otw_inventory *inv;
    news seen;
} fixture;

static fixture *g_fx;

static void on_new(void *ctx, uint32_t idx, uint64_t ts_us)
{
    fixture *f = ctx;
    assert_true(f->seen.n < MAX_NEWS);
    otw_asset *a = otw_inventory_at(f->inv, idx);
    assert_non_null(a);
    assert_true(a->is_new);
    int i = f->seen.n++;
    f->seen.idx[i] = idx;
    f->seen.ts[i] = ts_us;
    f->seen.n_ips[i] = a->n_ips;
    f->seen.has_mac[i] = a->has_mac;
}

static fixture *fx_new(uint32_t max_assets, const otw_oui *oui)
{
    static fixture f;
    memset(&f, 0, sizeof(f));
    otw_config_defaults(&f.cfg);
    f.cfg.max_assets = max_assets;
    f.inv = otw_inventory_new(&f.cfg, oui, on_new, &f);
    assert_non_null(f.inv);
    g_fx = &f;
    return &f;
}

static int teardown(void **state)
{
    (void)state;
    if (g_fx) {
        otw_inventory_free(g_fx->inv);
        g_fx = NULL;
    }
    return 0;
}

static otw_addr ip(const char *s)
{
    otw_addr a;
    assert_int_equal(otw_addr_parse(s, &a), 0);
    return a;
}

static const uint8_t MAC_A[6] = {0x00, 0x80, 0xf4, 0x00, 0x00, 0x0a}; /* Telemecanique */
static const uint8_t MAC_B[6] = {0x00, 0x1d, 0x9c, 0x00, 0x00, 0x14}; /* Rockwell */
static const uint8_t MAC_R[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01}; /* locally administered */
static const uint8_t MAC_C[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

static bool has_ip(const otw_asset *a, const char *s, bool *confirmed)
{
    otw_addr x = ip(s);
    for (int i = 0; i < a->n_ips; i++)
        if (memcmp(&a->ips[i], &x, sizeof(x)) == 0) {
            if (confirmed)
                *confirmed = (a->ip_confirmed >> i) & 1;
            return true;
        }
    return false;
}

static void test_arp_binding(void **state)
{
    (void)state;
    char err[256];
    otw_oui *oui = otw_oui_load(OTW_OUI_DIR, err, sizeof(err));
    assert_non_null(oui);
    fixture *f = fx_new(100, oui);
    otw_addr a1 = ip("10.0.0.1");
    uint32_t i = otw_inventory_arp(f->inv, MAC_A, &a1, 100);
    assert_int_equal(i, 0);
    assert_int_equal(f->seen.n, 1);
    assert_int_equal(f->seen.idx[0], 0);
    assert_int_equal(f->seen.ts[0], 100);
    assert_int_equal(f->seen.n_ips[0], 1); /* announced with its IP */
    assert_true(f->seen.has_mac[0]);
    otw_asset *a = otw_inventory_at(f->inv, i);
    assert_true(a->has_mac);
    assert_memory_equal(a->mac, MAC_A, 6);
    bool conf = false;
    assert_true(has_ip(a, "10.0.0.1", &conf));
    assert_true(conf);
    assert_int_equal(a->n_ips, 1);
    assert_string_equal(a->vendor, "TELEMECANIQUE ELECTRIQUE");
    assert_true(a->is_new);
    assert_true(a->dirty);
    assert_int_equal(a->merged_into, OTW_ASSET_NONE);
    assert_int_equal(a->first_us, 100);
    assert_int_equal(a->last_us, 100);

    /* Repeats find it; time moves; nothing new is announced. */
    a->dirty = false;
    assert_int_equal(otw_inventory_arp(f->inv, MAC_A, &a1, 200), 0);
    assert_int_equal(otw_inventory_ip(f->inv, MAC_A, &a1, 300), 0);
    assert_int_equal(otw_inventory_l2(f->inv, MAC_A, 400), 0);
    assert_int_equal(otw_inventory_find_ip(f->inv, &a1), 0);
    assert_int_equal(f->seen.n, 1);
    a = otw_inventory_at(f->inv, 0);
    assert_int_equal(a->last_us, 400);
    assert_int_equal(a->first_us, 100);
    assert_true(a->dirty);
    assert_int_equal(otw_inventory_size(f->inv), 1);

    /* A second confirmed IP on the same MAC is the same device. */
    otw_addr a2 = ip("10.0.0.11");
    assert_int_equal(otw_inventory_arp(f->inv, MAC_A, &a2, 500), 0);
    assert_int_equal(a->n_ips, 2);
    assert_true(has_ip(a, "10.0.0.11", &conf) && conf);
    assert_int_equal(f->seen.n, 1);

    /* An ARP probe (sender 0.0.0.0) binds no IP. */
    otw_addr zero = ip("0.0.0.0");
    assert_int_equal(otw_inventory_arp(f->inv, MAC_B, &zero, 600), 1);
    assert_int_equal(otw_inventory_at(f->inv, 1)->n_ips, 0);
    assert_int_equal(otw_inventory_find_ip(f->inv, &zero), OTW_ASSET_NONE);
    assert_string_equal(otw_inventory_at(f->inv, 1)->vendor, "Rockwell Automation");
    assert_int_equal(f->seen.n, 2);
    teardown(NULL);
    otw_oui_free(oui);
}

static void test_ip_confirmed_later(void **state)
{
    (void)state;
    fixture *f = fx_new(100, NULL);
    /* An IP seen first as a destination (no MAC), then its ARP. */
    otw_addr x = ip("10.0.0.2");
    assert_int_equal(otw_inventory_ip(f->inv, NULL, &x, 100), 0);
    assert_int_equal(f->seen.n, 1);
    assert_false(otw_inventory_at(f->inv, 0)->has_mac);
    assert_int_equal(otw_inventory_arp(f->inv, MAC_B, &x, 200), 0);
    otw_asset *a = otw_inventory_at(f->inv, 0);
    assert_true(a->has_mac);
    assert_memory_equal(a->mac, MAC_B, 6);
    bool conf = false;
    assert_true(has_ip(a, "10.0.0.2", &conf) && conf);
    assert_int_equal(a->n_ips, 1);
    assert_int_equal(otw_inventory_size(f->inv), 1);
    assert_int_equal(f->seen.n, 1);
    assert_int_equal(otw_inventory_l2(f->inv, MAC_B, 300), 0);

    /* An IP-only asset seen later with an unknown source MAC takes it. */
    otw_addr y = ip("10.0.0.3");
    assert_int_equal(otw_inventory_ip(f->inv, NULL, &y, 400), 1);
    assert_int_equal(otw_inventory_ip(f->inv, MAC_C, &y, 500), 1);
    a = otw_inventory_at(f->inv, 1);
    assert_true(a->has_mac);
    assert_memory_equal(a->mac, MAC_C, 6);
    assert_false(has_ip(a, "10.0.0.3", &conf) && conf);
    assert_int_equal(otw_inventory_l2(f->inv, MAC_C, 600), 1);
    assert_int_equal(f->seen.n, 2);
    teardown(NULL);
}

static void test_ip_before_arp_merged(void **state)
{
    (void)state;
    fixture *f = fx_new(100, NULL);
    /* The device is known by its MAC (LLDP, PROFINET) and, separately,
     * by its IP (seen behind no MAC); the ARP shows they are one. */
    assert_int_equal(otw_inventory_l2(f->inv, MAC_B, 500), 0);
    otw_addr x = ip("10.0.0.2");
    assert_int_equal(otw_inventory_ip(f->inv, NULL, &x, 100), 1);
    assert_int_equal(f->seen.n, 2);
    otw_inventory_count(f->inv, 0, 600, 1, 60);
    otw_inventory_count(f->inv, 1, 700, 10, 1000);
    otw_inventory_add_proto(f->inv, 1, 1, true);
    otw_inventory_add_proto(f->inv, 0, OTW_PROTO_KEY_NDPI(7), false);
    otw_inventory_add_evidence(f->inv, 1, OTW_EV_INDUSTRIAL_SERVER);
    otw_identity id;
    memset(&id, 0, sizeof(id));
    snprintf(id.vendor, sizeof(id.vendor), "Schneider Electric");
    id.source = "modbus 43/14";
    otw_inventory_set_identity(f->inv, 1, &id);

    assert_int_equal(otw_inventory_arp(f->inv, MAC_B, &x, 800), 0);
    assert_int_equal(f->seen.n, 2); /* a merge announces nothing */
    otw_asset *raw1 = otw_inventory_raw(f->inv, 1);
    assert_int_equal(raw1->merged_into, 0);
    assert_int_equal(raw1->n_ips, 0);
    assert_false(raw1->has_mac);
    assert_true(raw1->dirty); /* so the store deletes it */
    /* Indexes held elsewhere follow the merge. */
    assert_ptr_equal(otw_inventory_at(f->inv, 1), otw_inventory_at(f->inv, 0));
    assert_int_equal(otw_inventory_find_ip(f->inv, &x), 0);
    otw_asset *a = otw_inventory_at(f->inv, 0);
    bool conf = false;
    assert_true(has_ip(a, "10.0.0.2", &conf) && conf);
    assert_int_equal(a->n_ips, 1);
    assert_int_equal(a->first_us, 100);
    assert_int_equal(a->last_us, 800);
    assert_int_equal(a->pkts, 11);
    assert_int_equal(a->bytes, 1060);
    assert_int_equal(a->n_protos_server, 1);
    assert_int_equal(a->protos_server[0], 1);
    assert_int_equal(a->n_protos_client, 1);
    assert_true(a->evidence & (1u << OTW_EV_INDUSTRIAL_SERVER));
    assert_true(a->has_identity);
    assert_string_equal(a->identity.vendor, "Schneider Electric");
    assert_int_equal(otw_asset_role(a), OTW_ROLE_CONTROLLER);

    /* Updates through the old index land on the survivor. */
    otw_inventory_count(f->inv, 1, 900, 1, 1);
    assert_int_equal(a->pkts, 12);
    assert_int_equal(raw1->pkts, 10);
    assert_int_equal(otw_inventory_size(f->inv), 2);
    assert_null(otw_inventory_raw(f->inv, 2));
    assert_null(otw_inventory_at(f->inv, 2));
    assert_null(otw_inventory_at(f->inv, OTW_ASSET_NONE));
    teardown(NULL);
}

/* A device's VLAN comes from frames to or from its own MAC: a router's
 * MAC in front of it says nothing, an untagged copy of a frame changes
 * nothing, a new tag replaces the old. */
static void test_vlan(void **state)
{
    (void)state;
    fixture *f = fx_new(100, NULL);
    otw_addr x = ip("10.0.0.2");
    uint32_t d = otw_inventory_ip(f->inv, MAC_A, &x, 100);
    otw_asset *a = otw_inventory_at(f->inv, d);
    assert_int_equal(a->vlan, 0);
    otw_inventory_set_vlan(f->inv, d, MAC_A, 30);
    assert_int_equal(a->vlan, 30);
    assert_true(a->dirty);
    a->dirty = false;
    otw_inventory_set_vlan(f->inv, d, MAC_A, 0);
    assert_int_equal(a->vlan, 30);
    otw_inventory_set_vlan(f->inv, d, MAC_A, 30);
    assert_false(a->dirty);
    otw_inventory_set_vlan(f->inv, d, MAC_R, 40);
    assert_int_equal(a->vlan, 30);
    assert_false(a->dirty);
    otw_inventory_set_vlan(f->inv, d, MAC_A, 31);
    assert_int_equal(a->vlan, 31);
    assert_true(a->dirty);
    otw_inventory_set_vlan(f->inv, OTW_ASSET_NONE, MAC_A, 30); /* no device: nothing */
    teardown(NULL);
}

static void test_arp_ip_moves(void **state)
{
    (void)state;
    fixture *f = fx_new(100, NULL);
    otw_addr x = ip("10.0.0.4");
    assert_int_equal(otw_inventory_arp(f->inv, MAC_A, &x, 100), 0);
    /* Another device now holds the address (replaced, DHCP reuse), the
     * first one silent for longer than OTW_INVENTORY_CLAIM_WINDOW_US. */
    uint64_t later = 100 + OTW_INVENTORY_CLAIM_WINDOW_US + 1;
    assert_int_equal(otw_inventory_arp(f->inv, MAC_B, &x, later), 1);
    assert_int_equal(f->seen.n, 2);
    assert_int_equal(otw_inventory_at(f->inv, 0)->n_ips, 0);
    assert_true(has_ip(otw_inventory_at(f->inv, 1), "10.0.0.4", NULL));
    assert_int_equal(otw_inventory_find_ip(f->inv, &x), 1);
    /* And back to a MAC that exists: moved again, no new asset. */
    assert_int_equal(otw_inventory_arp(f->inv, MAC_A, &x, 2 * later), 0);
    assert_int_equal(otw_inventory_at(f->inv, 1)->n_ips, 0);
    assert_true(has_ip(otw_inventory_at(f->inv, 0), "10.0.0.4", NULL));
    assert_int_equal(otw_inventory_find_ip(f->inv, &x), 0);
    assert_int_equal(f->seen.n, 2);
    teardown(NULL);
}

/* Claimed while its device is in use (ARP spoofing): the address stays with
 * its device, the claiming MAC is said once per claim. */
static int g_claims, g_quiet_claims;
static uint32_t g_holder, g_claimer;
static void on_claimed(void *ctx, const otw_addr *a, uint32_t holder, uint32_t claimer,
                       bool holder_quiet, uint64_t ts_us)
{
    (void)ctx;
    (void)a;
    (void)ts_us;
    if (holder_quiet) {
        g_quiet_claims++;
        return;
    }
    g_claims++;
    g_holder = holder;
    g_claimer = claimer;
}

static void test_arp_claim_contested(void **state)
{
    (void)state;
    fixture *f = fx_new(100, NULL);
    otw_inventory_on_ip_claimed(f->inv, on_claimed);
    g_claims = 0;
    otw_addr plc = ip("10.0.0.10"), att = ip("10.0.0.66");
    assert_int_equal(otw_inventory_arp(f->inv, MAC_A, &plc, 100), 0);
    assert_int_equal(otw_inventory_arp(f->inv, MAC_B, &att, 150), 1);
    /* the attacker's MAC answers for the PLC's address */
    assert_int_equal(otw_inventory_arp(f->inv, MAC_B, &plc, 200), 1);
    assert_int_equal(g_claims, 1);
    assert_int_equal(g_holder, 0);
    assert_int_equal(g_claimer, 1);
    assert_int_equal(otw_inventory_find_ip(f->inv, &plc), 0); /* still the PLC's */
    assert_false(has_ip(otw_inventory_at(f->inv, 1), "10.0.0.10", NULL));
    /* an unknown MAC claiming it: a device of its own, without the address */
    static const uint8_t mac_c[6] = {0x02, 0, 0, 0, 0, 0x0c};
    uint32_t c = otw_inventory_arp(f->inv, mac_c, &plc, 300);
    assert_int_equal(c, 2);
    assert_int_equal(g_claims, 2);
    assert_int_equal(otw_inventory_at(f->inv, 2)->n_ips, 0);
    assert_int_equal(otw_inventory_find_ip(f->inv, &plc), 0);
    teardown(NULL);
}

/* A quiet holder hands its address over, and the sensor is told which
 * device held it (a controller's address moving is worth an alert). */
static void test_arp_quiet_handover_told(void **state)
{
    (void)state;
    fixture *f = fx_new(100, NULL);
    otw_inventory_on_ip_claimed(f->inv, on_claimed);
    g_claims = g_quiet_claims = 0;
    otw_addr x = ip("10.0.0.4");
    assert_int_equal(otw_inventory_arp(f->inv, MAC_A, &x, 100), 0);
    uint64_t later = 100 + OTW_INVENTORY_CLAIM_WINDOW_US + 1;
    assert_int_equal(otw_inventory_arp(f->inv, MAC_B, &x, later), 1); /* a new MAC */
    assert_int_equal(g_quiet_claims, 1);
    assert_int_equal(otw_inventory_arp(f->inv, MAC_A, &x, 2 * later), 0); /* a known one */
    assert_int_equal(g_quiet_claims, 2);
    assert_int_equal(otw_inventory_find_ip(f->inv, &x), 0);
    assert_int_equal(otw_inventory_find_mac(f->inv, MAC_B), 1);
    assert_int_equal(g_claims, 0);
    teardown(NULL);
}

static void test_router_split(void **state)
{
    (void)state;
    fixture *f = fx_new(100, NULL);
    otw_addr h1 = ip("10.0.0.5"), h2 = ip("10.0.0.6"), h3 = ip("10.0.0.7");
    /* First IP behind the MAC: bound, unconfirmed. */
    assert_int_equal(otw_inventory_ip(f->inv, MAC_R, &h1, 100), 0);
    otw_asset *r = otw_inventory_at(f->inv, 0);
    assert_true(r->has_mac);
    bool conf = true;
    assert_true(has_ip(r, "10.0.0.5", &conf));
    assert_false(conf);
    assert_int_equal(f->seen.n, 1);

    /* A second unconfirmed IP from the same MAC: it is a router. */
    uint32_t i2 = otw_inventory_ip(f->inv, MAC_R, &h2, 200);
    assert_int_equal(otw_inventory_size(f->inv), 3);
    r = otw_inventory_at(f->inv, 0);
    assert_true(r->evidence & (1u << OTW_EV_ROUTER));
    assert_int_equal(r->n_ips, 0);
    assert_true(r->has_mac);
    assert_int_equal(otw_asset_role(r), OTW_ROLE_NETWORK);
    uint32_t i1 = otw_inventory_find_ip(f->inv, &h1);
    assert_true(i1 != 0 && i1 != OTW_ASSET_NONE);
    assert_true(i2 != 0 && i2 != OTW_ASSET_NONE && i2 != i1);
    assert_int_equal(otw_inventory_find_ip(f->inv, &h2), i2);
    otw_asset *a1 = otw_inventory_at(f->inv, i1), *a2 = otw_inventory_at(f->inv, i2);
    assert_false(a1->has_mac);
    assert_false(a2->has_mac);
    assert_int_equal(a1->n_ips, 1);
    assert_int_equal(a2->n_ips, 1);
    assert_int_equal(a1->first_us, 100); /* keeps the history it had on the router */
    /* Both hosts are announced, each with its IP. */
    assert_int_equal(f->seen.n, 3);
    assert_int_equal(f->seen.idx[0], 0);
    assert_true((f->seen.idx[1] == i1 && f->seen.idx[2] == i2) ||
                (f->seen.idx[1] == i2 && f->seen.idx[2] == i1));
    assert_int_equal(f->seen.n_ips[1], 1);
    assert_int_equal(f->seen.n_ips[2], 1);
    assert_false(f->seen.has_mac[1]);

    /* Later traffic: the hosts do not take the router's MAC, and further
     * IPs behind it become assets at once. */
    assert_int_equal(otw_inventory_ip(f->inv, MAC_R, &h1, 300), i1);
    assert_false(otw_inventory_at(f->inv, i1)->has_mac);
    uint32_t i3 = otw_inventory_ip(f->inv, MAC_R, &h3, 400);
    assert_int_equal(i3, 3);
    assert_false(otw_inventory_at(f->inv, i3)->has_mac);
    assert_int_equal(otw_inventory_at(f->inv, 0)->n_ips, 0);
    assert_int_equal(f->seen.n, 4);
    /* The router's own ARP keeps its interface address on it. */
    otw_addr gw = ip("10.0.0.254");
    assert_int_equal(otw_inventory_arp(f->inv, MAC_R, &gw, 500), 0);
    assert_true(has_ip(otw_inventory_at(f->inv, 0), "10.0.0.254", NULL));
    assert_int_equal(f->seen.n, 4);
    teardown(NULL);
}

static void test_router_with_confirmed_ip(void **state)
{
    (void)state;
    fixture *f = fx_new(100, NULL);
    otw_addr gw = ip("10.0.1.1"), far = ip("10.0.2.50");
    assert_int_equal(otw_inventory_arp(f->inv, MAC_R, &gw, 100), 0);
    /* Traffic from another IP with the gateway's MAC: routed. */
    assert_int_equal(otw_inventory_ip(f->inv, MAC_R, &far, 200), 1);
    otw_asset *r = otw_inventory_at(f->inv, 0);
    assert_true(r->evidence & (1u << OTW_EV_ROUTER));
    assert_int_equal(r->n_ips, 1); /* the confirmed IP stays */
    assert_true(has_ip(r, "10.0.1.1", NULL));
    assert_false(otw_inventory_at(f->inv, 1)->has_mac);
    assert_int_equal(f->seen.n, 2);
    /* The gateway's own IP seen with its MAC is still the router. */
    assert_int_equal(otw_inventory_ip(f->inv, MAC_R, &gw, 300), 0);
    teardown(NULL);
}

static void test_router_split_at_cap(void **state)
{
    (void)state;
    fixture *f = fx_new(1, NULL);
    otw_addr h1 = ip("10.0.0.5"), h2 = ip("10.0.0.6");
    assert_int_equal(otw_inventory_ip(f->inv, MAC_R, &h1, 100), 0);
    assert_int_equal(otw_inventory_ip(f->inv, MAC_R, &h2, 200), OTW_ASSET_NONE);
    assert_true(otw_inventory_refused(f->inv) >= 1);
    /* Without room for the host, its IP stays where the index says. */
    uint32_t i1 = otw_inventory_find_ip(f->inv, &h1);
    assert_int_equal(i1, 0);
    assert_true(has_ip(otw_inventory_at(f->inv, i1), "10.0.0.5", NULL));
    teardown(NULL);
}

/* The last tenth of the table is kept for addresses that proved they
 * exist: an unproven one is refused there (and counted), a proven one or an
 * ARP binding still gets a slot. */
static void test_reserve_for_proven(void **state)
{
    (void)state;
    fixture *f = fx_new(10, NULL);
    for (int i = 0; i < 9; i++) {
        char a[32];
        snprintf(a, sizeof(a), "10.0.1.%d", i + 1);
        otw_addr x = ip(a);
        assert_int_not_equal(otw_inventory_ip(f->inv, NULL, &x, 100), OTW_ASSET_NONE);
    }
    otw_addr spoofed = ip("10.0.1.99"), real = ip("10.0.2.1");
    assert_int_equal(otw_inventory_ip(f->inv, NULL, &spoofed, 200), OTW_ASSET_NONE);
    assert_int_equal(otw_inventory_refused_unproven(f->inv), 1);
    assert_int_not_equal(otw_inventory_ip_proven(f->inv, NULL, &real, 300), OTW_ASSET_NONE);
    assert_int_equal(otw_inventory_size(f->inv), 10);
    otw_addr more = ip("10.0.2.2");
    assert_int_equal(otw_inventory_ip_proven(f->inv, NULL, &more, 400), OTW_ASSET_NONE);
    assert_int_equal(otw_inventory_refused_unproven(f->inv), 1); /* full: not the reserve's */
    teardown(NULL);
}

static void test_non_local(void **state)
{
    (void)state;
    fixture *f = fx_new(100, NULL);
    const char *pub[] = {"8.8.8.8", "172.32.0.1", "11.0.0.1", "2001:db8::1", "100.64.0.1"};
    for (size_t k = 0; k < sizeof(pub) / sizeof(pub[0]); k++) {
        otw_addr x = ip(pub[k]);
        assert_int_equal(otw_inventory_ip(f->inv, MAC_A, &x, 100), OTW_ASSET_NONE);
        assert_int_equal(otw_inventory_ip(f->inv, NULL, &x, 100), OTW_ASSET_NONE);
        assert_int_equal(otw_inventory_find_ip(f->inv, &x), OTW_ASSET_NONE);
    }
    assert_int_equal(otw_inventory_size(f->inv), 0);
    assert_int_equal(f->seen.n, 0);
    assert_int_equal(otw_inventory_refused(f->inv), 0);
    /* The local ranges of the defaults, IPv6 included. */
    const char *loc[] = {"10.1.2.3",    "172.16.0.1", "192.168.1.1",
                         "169.254.1.1", "fe80::1",    "fd00::1"};
    for (size_t k = 0; k < sizeof(loc) / sizeof(loc[0]); k++) {
        otw_addr x = ip(loc[k]);
        assert_int_equal(otw_inventory_ip(f->inv, NULL, &x, 100), (uint32_t)k);
    }
    /* An ARP-confirmed address is local whatever its range. */
    otw_addr p = ip("100.64.0.1");
    assert_int_equal(otw_inventory_arp(f->inv, MAC_A, &p, 200), 6);
    assert_int_equal(otw_inventory_ip(f->inv, MAC_A, &p, 300), 6);
    assert_int_equal(otw_inventory_ip(f->inv, NULL, &p, 300), 6);
    teardown(NULL);
}

static void test_bad_macs(void **state)
{
    (void)state;
    fixture *f = fx_new(100, NULL);
    const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    const uint8_t zero[6] = {0};
    otw_addr x = ip("10.0.0.8");
    assert_int_equal(otw_inventory_arp(f->inv, bcast, &x, 1), OTW_ASSET_NONE);
    assert_int_equal(otw_inventory_arp(f->inv, mcast, &x, 1), OTW_ASSET_NONE);
    assert_int_equal(otw_inventory_arp(f->inv, zero, &x, 1), OTW_ASSET_NONE);
    assert_int_equal(otw_inventory_l2(f->inv, bcast, 1), OTW_ASSET_NONE);
    assert_int_equal(otw_inventory_l2(f->inv, mcast, 1), OTW_ASSET_NONE);
    assert_int_equal(otw_inventory_l2(f->inv, zero, 1), OTW_ASSET_NONE);
    assert_int_equal(otw_inventory_size(f->inv), 0);
    /* IP traffic with such a source MAC makes an asset without the MAC. */
    assert_int_equal(otw_inventory_ip(f->inv, mcast, &x, 1), 0);
    otw_addr y = ip("10.0.0.9");
    assert_int_equal(otw_inventory_ip(f->inv, zero, &y, 1), 1);
    assert_false(otw_inventory_at(f->inv, 0)->has_mac);
    assert_false(otw_inventory_at(f->inv, 1)->has_mac);
    /* ... and such MACs never become router evidence. */
    otw_addr z = ip("10.0.0.10");
    assert_int_equal(otw_inventory_ip(f->inv, bcast, &z, 1), 2);
    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal(otw_inventory_at(f->inv, i)->evidence, 0);
    assert_int_equal(f->seen.n, 3);
    teardown(NULL);
}

static void test_max_assets(void **state)
{
    (void)state;
    fixture *f = fx_new(2, NULL);
    assert_int_equal(otw_inventory_l2(f->inv, MAC_A, 1), 0);
    assert_int_equal(otw_inventory_l2(f->inv, MAC_B, 1), 1);
    assert_int_equal(otw_inventory_l2(f->inv, MAC_C, 1), OTW_ASSET_NONE);
    assert_int_equal(otw_inventory_refused(f->inv), 1);
    otw_addr x = ip("10.0.0.1");
    assert_int_equal(otw_inventory_ip(f->inv, NULL, &x, 1), OTW_ASSET_NONE);
    assert_int_equal(otw_inventory_arp(f->inv, MAC_C, &x, 1), OTW_ASSET_NONE);
    assert_int_equal(otw_inventory_refused(f->inv), 3);
    assert_int_equal(otw_inventory_size(f->inv), 2);
    assert_int_equal(f->seen.n, 2);
    /* Existing assets keep working. */
    assert_int_equal(otw_inventory_arp(f->inv, MAC_A, &x, 2), 0);
    assert_int_equal(otw_inventory_find_ip(f->inv, &x), 0);
    teardown(NULL);

    /* An asset holds at most OTW_ASSET_MAX_IPS addresses; more are refused. */
    f = fx_new(10, NULL);
    assert_int_equal(otw_inventory_l2(f->inv, MAC_A, 1), 0);
    assert_int_equal(otw_inventory_l2(f->inv, MAC_B, 1), 1);
    uint64_t before = otw_inventory_refused(f->inv);
    for (int k = 0; k < OTW_ASSET_MAX_IPS + 2; k++) {
        char s[32];
        snprintf(s, sizeof(s), "10.0.1.%d", k);
        otw_addr y = ip(s);
        assert_int_equal(otw_inventory_arp(f->inv, MAC_B, &y, 3), 1);
    }
    assert_int_equal(otw_inventory_at(f->inv, 1)->n_ips, OTW_ASSET_MAX_IPS);
    assert_int_equal(otw_inventory_refused(f->inv), before + 2);
    teardown(NULL);

    /* max_assets 0 still gives a usable inventory of one. */
    f = fx_new(0, NULL);
    assert_int_equal(otw_inventory_l2(f->inv, MAC_A, 1), 0);
    assert_int_equal(otw_inventory_l2(f->inv, MAC_B, 1), OTW_ASSET_NONE);
    teardown(NULL);
}

static void test_add_proto(void **state)
{
    (void)state;
    fixture *f = fx_new(10, NULL);
    assert_int_equal(otw_inventory_l2(f->inv, MAC_A, 1), 0);
    otw_asset *a = otw_inventory_at(f->inv, 0);
    a->dirty = false;
    otw_inventory_add_proto(f->inv, 0, 1, true);
    assert_true(a->dirty);
    a->dirty = false;
    otw_inventory_add_proto(f->inv, 0, 1, true);
    assert_false(a->dirty); /* no change, no write */
    assert_int_equal(a->n_protos_server, 1);
    assert_int_equal(a->n_protos_client, 0);
    otw_inventory_add_proto(f->inv, 0, 1, false);
    assert_int_equal(a->n_protos_client, 1);
    for (uint16_t k = 0; k < 40; k++)
        otw_inventory_add_proto(f->inv, 0, OTW_PROTO_KEY_NDPI(k), false);
    assert_int_equal(a->n_protos_client, OTW_ASSET_MAX_PROTOS);
    assert_int_equal(a->protos_client[0], 1);
    for (int k = 1; k < OTW_ASSET_MAX_PROTOS; k++)
        assert_int_equal(a->protos_client[k], OTW_PROTO_KEY_NDPI(k - 1));
    assert_int_equal(a->n_protos_server, 1);
    /* Unknown indexes are ignored (5 is inside the table's capacity but
     * not in use). */
    assert_null(otw_inventory_at(f->inv, 5));
    assert_null(otw_inventory_raw(f->inv, 5));
    otw_inventory_add_proto(f->inv, OTW_ASSET_NONE, 99, true);
    otw_inventory_add_proto(f->inv, 5, 99, true);
    otw_inventory_add_evidence(f->inv, 5, OTW_EV_IOT);
    assert_int_equal(a->n_protos_server, 1);
    assert_int_equal(a->evidence, 0);
    otw_inventory_add_evidence(f->inv, OTW_ASSET_NONE, OTW_EV_IOT);
    otw_inventory_count(f->inv, OTW_ASSET_NONE, 1, 1, 1);
    otw_inventory_set_identity(f->inv, OTW_ASSET_NONE, &(otw_identity){0});
    teardown(NULL);
}

static void test_count_and_evidence(void **state)
{
    (void)state;
    fixture *f = fx_new(10, NULL);
    assert_int_equal(otw_inventory_l2(f->inv, MAC_A, 1000), 0);
    otw_asset *a = otw_inventory_at(f->inv, 0);
    a->dirty = false;
    otw_inventory_count(f->inv, 0, 5000, 0, 0);
    assert_false(a->dirty);
    assert_int_equal(a->last_us, 1000);
    otw_inventory_count(f->inv, 0, 5000, 3, 180);
    otw_inventory_count(f->inv, 0, 4000, 2, 20);
    assert_int_equal(a->pkts, 5);
    assert_int_equal(a->bytes, 200);
    assert_int_equal(a->last_us, 5000);
    assert_true(a->dirty);
    a->dirty = false;
    otw_inventory_add_evidence(f->inv, 0, OTW_EV_IT_HOST);
    assert_true(a->dirty);
    a->dirty = false;
    otw_inventory_add_evidence(f->inv, 0, OTW_EV_IT_HOST);
    assert_false(a->dirty);
    assert_int_equal(a->evidence, 1u << OTW_EV_IT_HOST);
    teardown(NULL);
}

static void fill_id(otw_identity *id, const char *vendor, const char *product, const char *model,
                    const char *revision, const char *name)
{
    memset(id, 0, sizeof(*id));
    id->protocol = OTW_PROTO_MODBUS;
    id->about = OTW_DIR_TO_CLIENT;
    id->source = "modbus 43/14";
    snprintf(id->vendor, sizeof(id->vendor), "%s", vendor);
    snprintf(id->product, sizeof(id->product), "%s", product);
    snprintf(id->model, sizeof(id->model), "%s", model);
    snprintf(id->revision, sizeof(id->revision), "%s", revision);
    snprintf(id->name, sizeof(id->name), "%s", name);
}

static void test_identity_merge(void **state)
{
    (void)state;
    fixture *f = fx_new(10, NULL);
    assert_int_equal(otw_inventory_l2(f->inv, MAC_A, 1), 0);
    otw_asset *a = otw_inventory_at(f->inv, 0);
    assert_false(a->has_identity);
    otw_identity id;
    fill_id(&id, "Schneider Electric", "BMX P34 2020", "", "v2.70", "");
    snprintf(id.serial, sizeof(id.serial), "SN1");
    snprintf(id.product_code, sizeof(id.product_code), "PC1");
    a->dirty = false;
    otw_inventory_set_identity(f->inv, 0, &id);
    assert_true(a->has_identity);
    assert_true(a->dirty);
    assert_string_equal(a->identity.vendor, "Schneider Electric");
    assert_string_equal(a->identity.product, "BMX P34 2020");
    assert_string_equal(a->identity.revision, "v2.70");
    assert_string_equal(a->identity.serial, "SN1");
    assert_string_equal(a->identity.product_code, "PC1");
    assert_string_equal(a->identity.source, "modbus 43/14");

    /* The same identity again changes nothing. */
    a->dirty = false;
    otw_inventory_set_identity(f->inv, 0, &id);
    assert_false(a->dirty);

    /* Later empty fields keep the earlier values; non-empty ones win. */
    otw_identity later;
    fill_id(&later, "", "", "M340", "v3.10", "PLC-1");
    later.source = "other source";
    otw_inventory_set_identity(f->inv, 0, &later);
    assert_true(a->dirty);
    assert_string_equal(a->identity.vendor, "Schneider Electric");
    assert_string_equal(a->identity.product, "BMX P34 2020");
    assert_string_equal(a->identity.serial, "SN1");
    assert_string_equal(a->identity.product_code, "PC1");
    assert_string_equal(a->identity.model, "M340");
    assert_string_equal(a->identity.revision, "v3.10");
    assert_string_equal(a->identity.name, "PLC-1");
    assert_string_equal(a->identity.source, "other source");

    /* An all-empty identity erases nothing. */
    otw_identity empty;
    fill_id(&empty, "", "", "", "", "");
    otw_inventory_set_identity(f->inv, 0, &empty);
    assert_string_equal(a->identity.vendor, "Schneider Electric");
    assert_string_equal(a->identity.name, "PLC-1");

    /* Wire-length fields are kept NUL-terminated. */
    memset(later.vendor, 'V', sizeof(later.vendor) - 1);
    later.vendor[sizeof(later.vendor) - 1] = '\0';
    otw_inventory_set_identity(f->inv, 0, &later);
    assert_int_equal(strlen(a->identity.vendor), sizeof(a->identity.vendor) - 1);
    teardown(NULL);
}

static otw_asset ev(uint32_t bits)
{
    otw_asset a;
    memset(&a, 0, sizeof(a));
    a.evidence = bits;
    return a;
}

#define B(e) (1u << (e))

static void test_roles(void **state)
{
    (void)state;
    struct {
        uint32_t bits;
        otw_role role;
    } cases[] = {
        {0, OTW_ROLE_UNKNOWN},
        {B(OTW_EV_INDUSTRIAL_SERVER), OTW_ROLE_CONTROLLER},
        {B(OTW_EV_DEVICE_IDENTITY), OTW_ROLE_CONTROLLER},
        {B(OTW_EV_INDUSTRIAL_CLIENT), OTW_ROLE_HMI},
        {B(OTW_EV_ENGINEERING), OTW_ROLE_ENGINEERING},
        {B(OTW_EV_HISTORIAN), OTW_ROLE_HISTORIAN},
        {B(OTW_EV_ROUTER), OTW_ROLE_NETWORK},
        {B(OTW_EV_NETWORK_DEVICE), OTW_ROLE_NETWORK},
        {B(OTW_EV_IT_HOST), OTW_ROLE_IT_HOST},
        {B(OTW_EV_IOT), OTW_ROLE_IOT},
        /* Precedence: what a device does beats what it announces. */
        {B(OTW_EV_INDUSTRIAL_SERVER) | B(OTW_EV_INDUSTRIAL_CLIENT), OTW_ROLE_CONTROLLER},
        {B(OTW_EV_DEVICE_IDENTITY) | B(OTW_EV_ENGINEERING), OTW_ROLE_CONTROLLER},
        {B(OTW_EV_ENGINEERING) | B(OTW_EV_INDUSTRIAL_CLIENT), OTW_ROLE_ENGINEERING},
        {B(OTW_EV_ENGINEERING) | B(OTW_EV_HISTORIAN), OTW_ROLE_ENGINEERING},
        {B(OTW_EV_HISTORIAN) | B(OTW_EV_INDUSTRIAL_CLIENT), OTW_ROLE_HISTORIAN},
        {B(OTW_EV_INDUSTRIAL_CLIENT) | B(OTW_EV_IT_HOST), OTW_ROLE_HMI},
        {B(OTW_EV_INDUSTRIAL_CLIENT) | B(OTW_EV_NETWORK_DEVICE), OTW_ROLE_HMI},
        {B(OTW_EV_NETWORK_DEVICE) | B(OTW_EV_IT_HOST), OTW_ROLE_NETWORK},
        {B(OTW_EV_ROUTER) | B(OTW_EV_IOT), OTW_ROLE_NETWORK},
        {B(OTW_EV_IOT) | B(OTW_EV_IT_HOST), OTW_ROLE_IOT},
        /* Behaviour (roles.c): engineering functions, polling, writes. */
        {B(OTW_EV_ENG_CONFIG), OTW_ROLE_ENGINEERING},
        {B(OTW_EV_ENG_IDENTITY), OTW_ROLE_ENGINEERING},
        {B(OTW_EV_CYCLIC_READS), OTW_ROLE_HMI},
        {B(OTW_EV_WRITES), OTW_ROLE_HMI},
        {B(OTW_EV_INDUSTRIAL_TARGET), OTW_ROLE_CONTROLLER},
        /* An engineering station that also polls is engineering. */
        {B(OTW_EV_ENG_IDENTITY) | B(OTW_EV_CYCLIC_READS) | B(OTW_EV_INDUSTRIAL_CLIENT),
         OTW_ROLE_ENGINEERING},
        {B(OTW_EV_HISTORIAN) | B(OTW_EV_CYCLIC_READS), OTW_ROLE_HISTORIAN},
        {B(OTW_EV_HISTORIAN) | B(OTW_EV_WRITES), OTW_ROLE_HMI}, /* a historian never writes */
        {B(OTW_EV_CYCLIC_READS) | B(OTW_EV_IT_HOST), OTW_ROLE_HMI},
        /* Unanswered requests are the weakest: what a device says wins. */
        {B(OTW_EV_INDUSTRIAL_TARGET) | B(OTW_EV_IT_HOST), OTW_ROLE_IT_HOST},
        {B(OTW_EV_INDUSTRIAL_TARGET) | B(OTW_EV_INDUSTRIAL_CLIENT), OTW_ROLE_HMI},
        {0xffffffffu, OTW_ROLE_CONTROLLER},
        {1u << 31, OTW_ROLE_UNKNOWN}, /* unknown evidence bits are ignored */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        otw_asset a = ev(cases[i].bits);
        if (otw_asset_role(&a) != cases[i].role)
            fail_msg("case %zu: role %s, want %s", i, otw_role_name(otw_asset_role(&a)),
                     otw_role_name(cases[i].role));
    }
    const char *names[] = {"unknown",   "controller", "hmi",     "engineering",
                           "historian", "network",    "it_host", "iot"};
    for (int r = 0; r < OTW_ROLE__COUNT; r++)
        assert_string_equal(otw_role_name((otw_role)r), names[r]);
    assert_string_equal(otw_role_name(OTW_ROLE__COUNT), "unknown");
    assert_string_equal(otw_role_name((otw_role)-1), "unknown");
    for (int e = 0; e < OTW_EV__COUNT; e++) {
        assert_non_null(otw_evidence_text((otw_evidence)e));
        assert_true(strlen(otw_evidence_text((otw_evidence)e)) > 5);
    }
    assert_string_equal(otw_evidence_text(OTW_EV__COUNT), "?");
}

static void test_load_no_announce(void **state)
{
    (void)state;
    char err[256];
    otw_oui *oui = otw_oui_load(OTW_OUI_DIR, err, sizeof(err));
    assert_non_null(oui);
    fixture *f = fx_new(10, oui);
    otw_asset src;
    memset(&src, 0, sizeof(src));
    src.store_id = 5;
    src.has_mac = true;
    memcpy(src.mac, MAC_A, 6);
    snprintf(src.vendor, sizeof(src.vendor), "Stored Vendor");
    src.n_ips = 2;
    src.ips[0] = ip("10.0.0.20");
    src.ips[1] = ip("fe80::20");
    src.ip_confirmed = 2; /* the IPv6 one */
    src.first_us = 10;
    src.last_us = 20;
    src.pkts = 7;
    src.evidence = B(OTW_EV_INDUSTRIAL_SERVER);
    src.merged_into = 3; /* junk a loader must not trust */
    src.is_new = true;
    src.dirty = true;
    uint32_t i = otw_inventory_load(f->inv, &src);
    assert_int_equal(i, 0);
    assert_int_equal(f->seen.n, 0);
    otw_asset *a = otw_inventory_at(f->inv, i);
    assert_int_equal(a->store_id, 5);
    assert_false(a->is_new);
    assert_false(a->dirty);
    assert_int_equal(a->merged_into, OTW_ASSET_NONE);
    assert_string_equal(a->vendor, "Stored Vendor");
    assert_int_equal(a->n_ips, 2);
    bool conf = true;
    assert_true(has_ip(a, "10.0.0.20", &conf));
    assert_false(conf);
    assert_true(has_ip(a, "fe80::20", &conf));
    assert_true(conf);
    assert_int_equal(a->first_us, 10);
    assert_int_equal(a->pkts, 7);

    /* A stored asset without a vendor gets the OUI's. */
    otw_asset src2;
    memset(&src2, 0, sizeof(src2));
    src2.has_mac = true;
    memcpy(src2.mac, MAC_B, 6);
    src2.merged_into = OTW_ASSET_NONE;
    assert_int_equal(otw_inventory_load(f->inv, &src2), 1);
    assert_string_equal(otw_inventory_at(f->inv, 1)->vendor, "Rockwell Automation");

    /* Traffic from loaded devices finds them; nothing is new. */
    otw_addr x = ip("10.0.0.20"), y = ip("fe80::20");
    assert_int_equal(otw_inventory_find_ip(f->inv, &x), 0);
    assert_int_equal(otw_inventory_find_ip(f->inv, &y), 0);
    assert_int_equal(otw_inventory_arp(f->inv, MAC_A, &x, 30), 0);
    assert_int_equal(otw_inventory_ip(f->inv, MAC_A, &y, 40), 0);
    assert_int_equal(otw_inventory_l2(f->inv, MAC_B, 50), 1);
    assert_int_equal(f->seen.n, 0);
    assert_true(has_ip(a, "10.0.0.20", &conf) && conf); /* now confirmed */
    assert_true(a->dirty);
    assert_false(a->is_new);
    /* A genuinely new device is announced. */
    otw_addr z = ip("10.0.0.21");
    assert_int_equal(otw_inventory_arp(f->inv, MAC_C, &z, 60), 2);
    assert_int_equal(f->seen.n, 1);
    teardown(NULL);
    otw_oui_free(oui);
}

static void test_no_callback(void **state)
{
    (void)state;
    otw_config cfg;
    otw_config_defaults(&cfg);
    otw_inventory *inv = otw_inventory_new(&cfg, NULL, NULL, NULL);
    assert_non_null(inv);
    otw_addr x = ip("10.0.0.1");
    assert_int_equal(otw_inventory_arp(inv, MAC_A, &x, 1), 0);
    otw_inventory_free(inv);
    otw_inventory_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_arp_binding, teardown),
        cmocka_unit_test_teardown(test_ip_confirmed_later, teardown),
        cmocka_unit_test_teardown(test_ip_before_arp_merged, teardown),
        cmocka_unit_test_teardown(test_vlan, teardown),
        cmocka_unit_test_teardown(test_arp_ip_moves, teardown),
        cmocka_unit_test_teardown(test_arp_claim_contested, teardown),
        cmocka_unit_test_teardown(test_arp_quiet_handover_told, teardown),
        cmocka_unit_test_teardown(test_router_split, teardown),
        cmocka_unit_test_teardown(test_router_with_confirmed_ip, teardown),
        cmocka_unit_test_teardown(test_router_split_at_cap, teardown),
        cmocka_unit_test_teardown(test_reserve_for_proven, teardown),
        cmocka_unit_test_teardown(test_non_local, teardown),
        cmocka_unit_test_teardown(test_bad_macs, teardown),
        cmocka_unit_test_teardown(test_max_assets, teardown),
        cmocka_unit_test_teardown(test_add_proto, teardown),
        cmocka_unit_test_teardown(test_count_and_evidence, teardown),
        cmocka_unit_test_teardown(test_identity_merge, teardown),
        cmocka_unit_test(test_roles),
        cmocka_unit_test_teardown(test_load_no_announce, teardown),
        cmocka_unit_test(test_no_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
