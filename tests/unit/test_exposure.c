/* test_exposure.c - shadow IoT, Internet exposure and cloud IoT connections
 * (sensor/analysis/exposure.c): classification sources and their strength, the
 * SHADOW_IOT rules with and without zones, INTERNET_EXPOSURE inbound,
 * outbound and deferred, what is not a public address, the cloud platform
 * patterns of data/cloud_iot_vendors.tsv, the bounded name cache.
 *
 * The sensor calls otw_exposure_asset when an asset is created or its
 * identity changes and otw_exposure_comm once per new communication; the
 * tests make those calls themselves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alerts.h"
#include "config.h"
#include "exposure.h"
#include "inventory.h"
#include "zones.h"

#define T0 1700000000000000ull

typedef struct fx {
    otw_config cfg;
    otw_alerts *alerts;
    otw_inventory *inv;
    otw_exposure *x;
    uint8_t next_mac;
} fx;

static void add_zone(otw_config *c, const char *name, otw_zone_kind kind, const char *cidr)
{
    otw_zone_cfg *z = &c->zones[c->n_zones++];
    memset(z, 0, sizeof(*z));
    snprintf(z->name, sizeof(z->name), "%s", name);
    z->kind = (uint8_t)kind;
    z->criticality = OTW_SEV_MEDIUM;
    assert_int_equal(otw_cidr_parse(cidr, &z->cidrs[0]), 0);
    z->n_cidrs = 1;
}

static fx *fx_new(bool zones)
{
    fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    otw_config_defaults(&f->cfg);
    f->cfg.max_assets = 64;
    if (zones) {
        add_zone(&f->cfg, "control", OTW_ZK_CONTROL, "10.20.1.0/24");
        add_zone(&f->cfg, "office", OTW_ZK_IT, "192.168.1.0/24");
    }
    f->alerts = otw_alerts_new(256, NULL, NULL);
    f->inv = otw_inventory_new(&f->cfg, NULL, NULL, NULL);
    char err[128];
    f->x = otw_exposure_new(&f->cfg, f->alerts, f->inv, err, sizeof(err));
    assert_non_null(f->alerts);
    assert_non_null(f->inv);
    assert_non_null(f->x);
    return f;
}

static void fx_free(fx *f)
{
    otw_exposure_free(f->x);
    otw_inventory_free(f->inv);
    otw_alerts_free(f->alerts);
    free(f);
}

static otw_addr ip(const char *s)
{
    otw_addr a;
    assert_int_equal(otw_addr_parse(s, &a), 0);
    return a;
}

/* A device announcing itself by ARP, with an OUI vendor ("" = none). */
static uint32_t device(fx *f, const char *addr, const char *vendor)
{
    uint8_t mac[6] = {0x02, 0, 0, 0, 0, ++f->next_mac};
    otw_addr a = ip(addr);
    uint32_t idx = otw_inventory_arp(f->inv, mac, &a, T0);
    assert_int_not_equal(idx, OTW_ASSET_NONE);
    otw_asset *as = otw_inventory_at(f->inv, idx);
    snprintf(as->vendor, sizeof(as->vendor), "%s", vendor);
    otw_exposure_asset(f->x, idx, T0);
    return idx;
}

static otw_asset *asset(fx *f, uint32_t idx)
{
    return otw_inventory_at(f->inv, idx);
}

/* One new communication, as the sensor reports it. */
static void comm(fx *f, const char *client, const char *server, uint16_t key, uint8_t transport,
                 uint16_t port, const char *proto, const char *category, uint64_t ts)
{
    otw_comm c;
    memset(&c, 0, sizeof(c));
    c.client = ip(client);
    c.server = ip(server);
    c.proto_key = key;
    c.transport = transport;
    c.server_port = port;
    otw_endpoint ce = {.has_ip = true, .ip = c.client}, se = {.has_ip = true, .ip = c.server};
    se.port = port;
    otw_exposure_comm(f->x, &c, proto, category, otw_inventory_find_ip(f->inv, &c.client),
                      otw_inventory_find_ip(f->inv, &c.server), &ce, &se, 0, ts);
}

static void tcp(fx *f, const char *client, const char *server, uint16_t port, const char *proto)
{
    comm(f, client, server, OTW_PROTO_KEY_NDPI(1), 6, port, proto, "", T0 + 1000);
}

static void modbus(fx *f, const char *client, const char *server)
{
    comm(f, client, server, OTW_PROTO_MODBUS, 6, 502, "modbus", "", T0 + 2000);
}

static size_t count(fx *f, const char *type)
{
    size_t n = 0;
    for (uint32_t i = 0; i < otw_alerts_size(f->alerts); i++)
        if (strcmp(otw_alerts_at(f->alerts, i)->type, type) == 0)
            n++;
    return n;
}

static const otw_alert *find(fx *f, const char *type)
{
    for (uint32_t i = 0; i < otw_alerts_size(f->alerts); i++)
        if (strcmp(otw_alerts_at(f->alerts, i)->type, type) == 0)
            return otw_alerts_at(f->alerts, i);
    return NULL;
}

static bool is_iot(fx *f, uint32_t idx)
{
    return (asset(f, idx)->evidence & (1u << OTW_EV_IOT)) != 0;
}

static const char *detail(fx *f, uint32_t idx)
{
    otw_asset *a = asset(f, idx);
    return a->has_identity ? a->identity.detail : "";
}

/* ---------------------------------------------------------------- tests */

/* An RTSP server in the control zone is a camera there: SHADOW_IOT once. */
static void test_rtsp_camera_in_control_zone(void **state)
{
    (void)state;
    fx *f = fx_new(true);
    uint32_t cam = device(f, "10.20.1.50", "");
    uint32_t viewer = device(f, "192.168.1.10", "");
    assert_false(is_iot(f, cam));
    tcp(f, "192.168.1.10", "10.20.1.50", 554, "RTSP");
    assert_true(is_iot(f, cam));
    assert_int_equal(otw_asset_role(asset(f, cam)), OTW_ROLE_IOT);
    assert_string_equal(detail(f, cam), "iot=camera:rtsp server");
    assert_string_equal(asset(f, cam)->identity.source, "exposure");
    const otw_alert *a = find(f, "SHADOW_IOT");
    assert_non_null(a);
    assert_int_equal(a->severity, OTW_SEV_HIGH);
    assert_string_equal(a->technique, "T0864");
    assert_string_equal(a->key, "zone=control");
    assert_true(a->src.has_ip && a->src.has_mac);
    assert_non_null(strstr(a->message, "10.20.1.50"));
    assert_non_null(strstr(a->message, "camera: rtsp server"));
    assert_non_null(strstr(a->message, "OT zone control"));
    /* the client (a viewer) is not classified; more traffic adds nothing */
    assert_false(is_iot(f, viewer));
    tcp(f, "192.168.1.11", "10.20.1.50", 8554, "RTSP");
    otw_exposure_asset(f->x, cam, T0 + 5000);
    assert_int_equal(count(f, "SHADOW_IOT"), 1);
    assert_int_equal(find(f, "SHADOW_IOT")->count, 1);
    fx_free(f);
}

/* Outside OT zones an IoT device is no shadow. */
static void test_iot_in_office(void **state)
{
    (void)state;
    fx *f = fx_new(true);
    uint32_t cam = device(f, "192.168.1.20", "Hangzhou Hikvision Digital Technology Co.,Ltd.");
    assert_true(is_iot(f, cam));
    assert_string_equal(detail(f, cam), "iot=camera:oui");
    assert_int_equal(count(f, "SHADOW_IOT"), 0);
    /* unassigned local space is not OT either */
    device(f, "10.99.0.5", "Espressif Inc.");
    assert_int_equal(count(f, "SHADOW_IOT"), 0);
    fx_free(f);
}

/* No zones: the segment (/24) of a controller, whichever is seen first. */
static void test_segment_rule(void **state)
{
    (void)state;
    fx *f = fx_new(false);
    uint32_t plug = device(f, "10.1.2.99", "Espressif Inc.");
    uint32_t far = device(f, "10.1.3.99", "Tuya Smart Inc.");
    assert_true(is_iot(f, plug) && is_iot(f, far));
    assert_int_equal(count(f, "SHADOW_IOT"), 0);
    device(f, "10.1.2.10", "");
    device(f, "10.1.2.20", "");
    modbus(f, "10.1.2.20", "10.1.2.10"); /* the server is a controller */
    assert_int_equal(count(f, "SHADOW_IOT"), 1);
    const otw_alert *a = find(f, "SHADOW_IOT");
    assert_string_equal(a->key, "segment=10.1.2.0/24");
    assert_true(a->src.has_ip && memcmp(&a->src.ip, &(otw_addr){0}, 16) != 0);
    assert_non_null(strstr(a->message, "10.1.2.99"));
    /* a device arriving later in the same segment */
    device(f, "10.1.2.77", "Hangzhou Hikvision Digital Technology Co.,Ltd.");
    assert_int_equal(count(f, "SHADOW_IOT"), 2);
    /* the controller known by its role (identity) instead of traffic */
    uint32_t plc = device(f, "10.1.3.10", "");
    otw_inventory_add_evidence(f->inv, plc, OTW_EV_DEVICE_IDENTITY);
    otw_exposure_asset(f->x, plc, T0 + 3000);
    assert_int_equal(count(f, "SHADOW_IOT"), 3); /* 10.1.3.99 */
    fx_free(f);
}

/* A device whose role says controller/network is not shadow IoT, even
 * with an IoT maker's OUI; a wireless AP is, even as a network device. */
static void test_roles(void **state)
{
    (void)state;
    fx *f = fx_new(true);
    uint32_t plc = device(f, "10.20.1.11", "");
    otw_inventory_add_evidence(f->inv, plc, OTW_EV_INDUSTRIAL_SERVER);
    otw_asset *a = asset(f, plc);
    snprintf(a->vendor, sizeof(a->vendor), "Espressif Inc.");
    otw_exposure_asset(f->x, plc, T0);
    assert_true(is_iot(f, plc));
    assert_int_equal(otw_asset_role(asset(f, plc)), OTW_ROLE_CONTROLLER);
    assert_int_equal(count(f, "SHADOW_IOT"), 0);

    uint32_t ap = device(f, "10.20.1.60", "");
    otw_inventory_add_evidence(f->inv, ap, OTW_EV_NETWORK_DEVICE);
    snprintf(asset(f, ap)->vendor, sizeof(asset(f, ap)->vendor), "Ubiquiti Networks Inc.");
    otw_exposure_asset(f->x, ap, T0);
    assert_int_equal(otw_asset_role(asset(f, ap)), OTW_ROLE_NETWORK);
    assert_int_equal(count(f, "SHADOW_IOT"), 1);
    assert_non_null(strstr(find(f, "SHADOW_IOT")->message, "wireless_ap"));
    fx_free(f);
}

/* Identities: DHCP vendor class, host name, User-Agent, dissector role
 * hints with their device type; stronger reasons replace the OUI. */
static void test_identity_sources(void **state)
{
    (void)state;
    fx *f = fx_new(false);
    otw_identity id;

    uint32_t phone = device(f, "10.5.0.2", "");
    memset(&id, 0, sizeof(id));
    id.source = "dhcp client";
    snprintf(id.detail, sizeof(id.detail),
             "vendor_class=Cisco Systems, Inc. IP Phone CP-7945G;params=1,3,6");
    otw_inventory_set_identity(f->inv, phone, &id);
    otw_exposure_asset(f->x, phone, T0);
    assert_true(is_iot(f, phone));
    assert_string_equal(detail(f, phone),
                        "vendor_class=Cisco Systems, Inc. IP Phone CP-7945G;params=1,3,6;"
                        "iot=phone:dhcp vendor class");

    uint32_t esp = device(f, "10.5.0.3", "");
    memset(&id, 0, sizeof(id));
    id.source = "dhcp client";
    snprintf(id.name, sizeof(id.name), "ESP_1A2B3C");
    otw_inventory_set_identity(f->inv, esp, &id);
    otw_exposure_asset(f->x, esp, T0);
    assert_string_equal(detail(f, esp), "iot=smart_device:host name");

    uint32_t ua = device(f, "10.5.0.4", "");
    memset(&id, 0, sizeof(id));
    id.source = "http user-agent";
    snprintf(id.detail, sizeof(id.detail), "ua=ESP8266HTTPClient");
    otw_inventory_set_identity(f->inv, ua, &id);
    otw_exposure_asset(f->x, ua, T0);
    assert_string_equal(detail(f, ua), "ua=ESP8266HTTPClient;iot=smart_device:user-agent");

    /* an SSDP hint (the sensor adds OTW_EV_IOT for OTW_HINT_IOT) */
    uint32_t tv = device(f, "10.5.0.5", "Sonos, Inc.");
    assert_string_equal(detail(f, tv), "iot=media:oui");
    memset(&id, 0, sizeof(id));
    id.source = "ssdp response";
    snprintf(id.device_type, sizeof(id.device_type), "MediaRenderer");
    snprintf(id.detail, sizeof(id.detail), "server=Linux UPnP/1.0 Sonos/63.2");
    otw_inventory_set_identity(f->inv, tv, &id);
    otw_inventory_add_evidence(f->inv, tv, OTW_EV_IOT);
    otw_exposure_asset(f->x, tv, T0);
    assert_string_equal(detail(f, tv), "server=Linux UPnP/1.0 Sonos/63.2;iot=media:ssdp response");

    /* someone else's hint without a class: iot_device, by its source */
    uint32_t hk = device(f, "10.5.0.6", "");
    memset(&id, 0, sizeof(id));
    id.source = "lldp";
    snprintf(id.detail, sizeof(id.detail), "caps=telephone");
    otw_inventory_set_identity(f->inv, hk, &id);
    otw_inventory_add_evidence(f->inv, hk, OTW_EV_IOT);
    otw_exposure_asset(f->x, hk, T0);
    assert_string_equal(detail(f, hk), "caps=telephone;iot=phone:lldp");

    /* a later identity replacing the detail gets the reason back */
    memset(&id, 0, sizeof(id));
    id.source = "http user-agent";
    snprintf(id.detail, sizeof(id.detail), "ua=Something/1.0");
    otw_inventory_set_identity(f->inv, hk, &id);
    otw_exposure_asset(f->x, hk, T0);
    assert_string_equal(detail(f, hk), "ua=Something/1.0;iot=phone:lldp");

    /* the OUI reason gives way to traffic */
    uint32_t cam = device(f, "10.5.0.7", "Zhejiang Dahua Technology Co.,Ltd.");
    assert_string_equal(detail(f, cam), "iot=camera:oui");
    tcp(f, "10.5.0.2", "10.5.0.7", 554, "RTSP");
    assert_string_equal(detail(f, cam), "iot=camera:rtsp server");

    /* a PC: nothing */
    uint32_t pc = device(f, "10.5.0.8", "Dell Inc.");
    memset(&id, 0, sizeof(id));
    id.source = "dhcp client";
    snprintf(id.name, sizeof(id.name), "btest.is.cool");
    snprintf(id.detail, sizeof(id.detail), "vendor_class=MSFT 5.0");
    otw_inventory_set_identity(f->inv, pc, &id);
    otw_exposure_asset(f->x, pc, T0);
    assert_false(is_iot(f, pc));
    fx_free(f);
}

/* nDPI protocols: who they classify; SSDP, mDNS, MQTT alone do not. */
static void test_protocols(void **state)
{
    (void)state;
    fx *f = fx_new(false);
    uint32_t a = device(f, "10.6.0.1", ""), b = device(f, "10.6.0.2", "");
    comm(f, "10.6.0.1", "239.255.255.250", OTW_PROTO_SSDP, 17, 1900, "ssdp", "", T0);
    comm(f, "10.6.0.1", "224.0.0.251", OTW_PROTO_MDNS, 17, 5353, "mdns", "", T0);
    tcp(f, "10.6.0.1", "10.6.0.2", 1883, "MQTT");
    assert_false(is_iot(f, a) || is_iot(f, b));

    /* Tuya: broadcast discovery (nDPI 4.2 says Unknown), local control */
    comm(f, "10.6.0.1", "255.255.255.255", OTW_PROTO_KEY_NDPI(0), 17, 6667, "Unknown", "", T0);
    assert_true(is_iot(f, a));
    assert_string_equal(detail(f, a), "iot=smart_device:tuya discovery udp/6666-6667");
    tcp(f, "10.6.0.1", "10.6.0.2", 6668, "Unknown");
    assert_string_equal(detail(f, b), "iot=smart_device:tuya control tcp/6668");
    /* a newer nDPI's name */
    uint32_t c = device(f, "10.6.0.3", "");
    comm(f, "10.6.0.3", "255.255.255.255", OTW_PROTO_KEY_NDPI(300), 17, 6667, "Tuya_LP", "", T0);
    assert_true(is_iot(f, c));

    uint32_t alexa = device(f, "10.6.0.4", "");
    comm(f, "10.6.0.4", "10.6.0.9", OTW_PROTO_KEY_NDPI(254), 6, 443, "AppleSiri", "VirtAssistant",
         T0);
    assert_string_equal(detail(f, alexa), "iot=voice_assistant:virtual assistant");
    uint32_t ptr = device(f, "10.6.0.5", "");
    tcp(f, "10.6.0.4", "10.6.0.5", 631, "IPP");
    assert_string_equal(detail(f, ptr), "iot=printer:ipp server");
    fx_free(f);
}

/* Outbound to a public address named by DNS: INTERNET_EXPOSURE T0869 and,
 * the name being Tuya's cloud, CLOUD_CONNECTION T0822. */
static void test_outbound_named(void **state)
{
    (void)state;
    fx *f = fx_new(true);
    uint32_t dev = device(f, "10.20.1.40", "");
    otw_addr pub = ip("52.28.10.7");
    otw_exposure_name(f->x, &pub, "A1.TuyaEU.com", T0);
    tcp(f, "10.20.1.40", "52.28.10.7", 443, "TLS");
    const otw_alert *e = find(f, "INTERNET_EXPOSURE");
    assert_non_null(e);
    assert_int_equal(e->severity, OTW_SEV_HIGH);
    assert_string_equal(e->technique, "T0869");
    assert_string_equal(e->key, "tcp/443 TLS");
    assert_string_equal(e->protocol, "TLS");
    assert_true(e->dst.has_ip && e->dst.port == 443 && e->src.port == 0);
    assert_non_null(strstr(e->message, "(a1.tuyaeu.com)"));
    assert_non_null(strstr(e->message, "connects to Internet address 52.28.10.7"));
    const otw_alert *c = find(f, "CLOUD_CONNECTION");
    assert_non_null(c);
    assert_int_equal(c->severity, OTW_SEV_MEDIUM);
    assert_string_equal(c->technique, "T0822");
    assert_string_equal(c->key, "platform=Tuya IoT Cloud");
    /* talking to Tuya's cloud makes it a smart device, and in the control zone a shadow */
    assert_string_equal(detail(f, dev), "iot=smart_device:cloud Tuya IoT Cloud");
    assert_int_equal(count(f, "SHADOW_IOT"), 1);
    /* the same service again: counted, not a new alert */
    tcp(f, "10.20.1.40", "52.28.10.7", 443, "TLS");
    assert_int_equal(count(f, "INTERNET_EXPOSURE"), 1);
    assert_int_equal(find(f, "INTERNET_EXPOSURE")->count, 2);
    /* an office PC reaching the same address: no exposure (not OT), but the cloud link */
    device(f, "192.168.1.10", "");
    tcp(f, "192.168.1.10", "52.28.10.7", 443, "TLS");
    assert_int_equal(count(f, "INTERNET_EXPOSURE"), 1);
    assert_int_equal(count(f, "CLOUD_CONNECTION"), 2);
    fx_free(f);
}

/* Inbound from a public client to an OT server: T0883. */
static void test_inbound(void **state)
{
    (void)state;
    fx *f = fx_new(true);
    device(f, "10.20.1.11", "");
    comm(f, "198.51.100.7", "10.20.1.11", OTW_PROTO_MODBUS, 6, 502, "modbus", "", T0);
    const otw_alert *e = find(f, "INTERNET_EXPOSURE");
    assert_non_null(e);
    assert_string_equal(e->technique, "T0883");
    assert_string_equal(e->key, "tcp/502 modbus");
    assert_non_null(
        strstr(e->message, "Internet address 198.51.100.7 reaches OT asset 10.20.1.11"));
    assert_int_equal(e->dst.port, 502);
    assert_int_equal(count(f, "CLOUD_CONNECTION"), 0);
    fx_free(f);
}

/* No zones: a public communication waits until its asset is OT. */
static void test_deferred(void **state)
{
    (void)state;
    fx *f = fx_new(false);
    device(f, "10.1.2.10", "");
    device(f, "10.1.2.20", "");
    comm(f, "10.1.2.10", "93.184.216.34", OTW_PROTO_KEY_NDPI(7), 6, 80, "HTTP", "", T0 + 10);
    assert_int_equal(count(f, "INTERNET_EXPOSURE"), 0);
    modbus(f, "10.1.2.20", "10.1.2.10");
    assert_int_equal(count(f, "INTERNET_EXPOSURE"), 1);
    const otw_alert *e = find(f, "INTERNET_EXPOSURE");
    assert_int_equal(e->first_us, T0 + 10); /* when it happened */
    assert_string_equal(e->technique, "T0869");
    /* once only */
    modbus(f, "10.1.2.20", "10.1.2.10");
    assert_int_equal(count(f, "INTERNET_EXPOSURE"), 1);
    /* the HMI is OT now too: its next public communication alerts at once */
    comm(f, "10.1.2.20", "93.184.216.34", OTW_PROTO_KEY_NDPI(7), 6, 80, "HTTP", "", T0 + 20);
    assert_int_equal(count(f, "INTERNET_EXPOSURE"), 2);
    fx_free(f);
}

/* Special-purpose addresses are not the Internet. */
static void test_not_public(void **state)
{
    (void)state;
    fx *f = fx_new(true);
    device(f, "10.20.1.11", "");
    const char *dst[] = {"224.0.0.251", "255.255.255.255", "100.64.1.1", "169.254.3.4", "0.1.2.3",
                         "240.0.0.1",   "127.0.0.1",       "10.20.1.12", "192.168.1.7"};
    for (size_t i = 0; i < sizeof(dst) / sizeof(dst[0]); i++)
        comm(f, "10.20.1.11", dst[i], OTW_PROTO_KEY_NDPI(7), 6, 80, "HTTP", "", T0);
    assert_int_equal(count(f, "INTERNET_EXPOSURE"), 0);
    /* IPv6: link-local, multicast, ULA are not; 2001:db8:: (not local) is */
    uint8_t mac[6] = {2, 0, 0, 0, 9, 9};
    otw_addr v6 = ip("fd00:20::11");
    otw_cidr ula;
    assert_int_equal(otw_cidr_parse("fd00:20::/64", &ula), 0);
    f->cfg.zones[0].cidrs[f->cfg.zones[0].n_cidrs++] = ula;
    otw_inventory_arp(f->inv, mac, &v6, T0);
    comm(f, "fd00:20::11", "ff02::fb", OTW_PROTO_KEY_NDPI(7), 17, 5353, "MDNS", "", T0);
    comm(f, "fd00:20::11", "fe80::1", OTW_PROTO_KEY_NDPI(7), 6, 80, "HTTP", "", T0);
    comm(f, "fd00:20::11", "fd99::1", OTW_PROTO_KEY_NDPI(7), 6, 80, "HTTP", "", T0);
    assert_int_equal(count(f, "INTERNET_EXPOSURE"), 0);
    comm(f, "fd00:20::11", "2001:db8::80", OTW_PROTO_KEY_NDPI(7), 6, 80, "HTTP", "", T0);
    assert_int_equal(count(f, "INTERNET_EXPOSURE"), 1);
    fx_free(f);
}

/* Label-wise suffix patterns, "*" = one label, no case; nDPI Alexa. */
static void test_cloud_patterns(void **state)
{
    (void)state;
    fx *f = fx_new(false);
    static const struct {
        const char *name, *platform; /* NULL = none */
    } cases[] = {
        {"a3k7odshaiipe8-ats.iot.eu-west-1.amazonaws.com", "AWS IoT Core"},
        {"abc.iot.cn-north-1.amazonaws.com.cn", "AWS IoT Core (China)"},
        {"s3.eu-west-1.amazonaws.com", NULL},
        {"iot.amazonaws.com", NULL}, /* the region label is missing */
        {"plant-hub.AZURE-DEVICES.net", "Azure IoT Hub"},
        {"azure-devices.net", "Azure IoT Hub"},
        {"notazure-devices.net", NULL},
        {"a1.iot-as-mqtt.cn-shanghai.aliyuncs.com", "Alibaba Cloud IoT Platform"},
        {"open.ys7.com", "EZVIZ Cloud (China)"},
        {"*.eu.mindsphere.io", "Siemens Insights Hub (MindSphere)"},
        {"example.com", NULL},
    };
    char buf[64];
    uint32_t first = OTW_ASSET_NONE;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(buf, sizeof(buf), "10.7.0.%zu", i + 1);
        uint32_t d = device(f, buf, "");
        if (i == 0)
            first = d;
        char pub[32];
        snprintf(pub, sizeof(pub), "203.0.113.%zu", i + 1);
        otw_addr p = ip(pub);
        otw_exposure_name(f->x, &p, cases[i].name, T0);
        size_t before = count(f, "CLOUD_CONNECTION");
        tcp(f, buf, pub, 8883, "MQTT");
        if (cases[i].platform == NULL) {
            assert_int_equal(count(f, "CLOUD_CONNECTION"), before);
            continue;
        }
        assert_int_equal(count(f, "CLOUD_CONNECTION"), before + 1);
        const otw_alert *last = otw_alerts_at(f->alerts, otw_alerts_size(f->alerts) - 1);
        char key[96];
        snprintf(key, sizeof(key), "platform=%s", cases[i].platform);
        assert_string_equal(last->key, key);
    }
    assert_false(is_iot(f, first)); /* general platforms classify nothing */
    uint32_t echo = device(f, "10.7.1.1", "");
    tcp(f, "10.7.1.1", "54.239.1.1", 443, "AmazonAlexa");
    const otw_alert *last = otw_alerts_at(f->alerts, otw_alerts_size(f->alerts) - 1);
    assert_string_equal(last->type, "CLOUD_CONNECTION");
    assert_string_equal(last->key, "platform=Amazon Alexa");
    assert_string_equal(detail(f, echo), "iot=voice_assistant:alexa client");
    fx_free(f);
}

/* The name cache holds 4096 names; the oldest goes first. */
static void test_name_cache(void **state)
{
    (void)state;
    fx *f = fx_new(true);
    device(f, "10.20.1.11", "");
    for (unsigned i = 0; i <= 4096; i++) {
        char a[32], n[32];
        snprintf(a, sizeof(a), "198.18.%u.%u", i / 256, i % 256);
        snprintf(n, sizeof(n), "h%u.example.net", i);
        otw_addr p = ip(a);
        otw_exposure_name(f->x, &p, n, T0);
    }
    tcp(f, "10.20.1.11", "198.18.0.0", 443, "TLS"); /* evicted */
    tcp(f, "10.20.1.11", "198.18.0.1", 443, "TLS");
    tcp(f, "10.20.1.11", "198.18.16.0", 443, "TLS"); /* the newest */
    assert_int_equal(count(f, "INTERNET_EXPOSURE"), 3);
    assert_null(strstr(otw_alerts_at(f->alerts, 0)->message, "example.net"));
    assert_non_null(strstr(otw_alerts_at(f->alerts, 1)->message, "(h1.example.net)"));
    assert_non_null(strstr(otw_alerts_at(f->alerts, 2)->message, "(h4096.example.net)"));
    /* a later name for the same address replaces the first (SNI after DNS) */
    otw_addr p = ip("198.18.0.1");
    otw_exposure_name(f->x, &p, "sni.example.org", T0);
    tcp(f, "10.20.1.11", "198.18.0.1", 8443, "TLS");
    assert_non_null(strstr(otw_alerts_at(f->alerts, 3)->message, "(sni.example.org)"));
    fx_free(f);
}

static void test_null(void **state)
{
    (void)state;
    otw_addr a = {{0}};
    otw_exposure_name(NULL, &a, "x", 0);
    otw_exposure_comm(NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, 0, 0);
    otw_exposure_asset(NULL, 0, 0);
    otw_exposure_free(NULL);
    fx *f = fx_new(false);
    otw_exposure_name(f->x, &a, "", 0);
    otw_exposure_name(f->x, &a, NULL, 0);
    otw_exposure_asset(f->x, 12345, 0);
    otw_exposure_asset(f->x, OTW_ASSET_NONE, 0);
    comm(f, "10.0.0.1", "10.0.0.2", 0, 6, 80, NULL, NULL, T0);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rtsp_camera_in_control_zone),
        cmocka_unit_test(test_iot_in_office),
        cmocka_unit_test(test_segment_rule),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_identity_sources),
        cmocka_unit_test(test_protocols),
        cmocka_unit_test(test_outbound_named),
        cmocka_unit_test(test_inbound),
        cmocka_unit_test(test_deferred),
        cmocka_unit_test(test_not_public),
        cmocka_unit_test(test_cloud_patterns),
        cmocka_unit_test(test_name_cache),
        cmocka_unit_test(test_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
