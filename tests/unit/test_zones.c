/* test_zones.c - unit tests for zones and conduits: the configuration keys
 * (sensor/core/config.c) and placement, severities, windows and remote access
 * (sensor/core/zones.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "zones.h"

static char g_dir[64];
static char g_path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/otw-test-zones-XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return -1;
    snprintf(g_path, sizeof(g_path), "%s/z.yaml", g_dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(g_path);
    rmdir(g_dir);
    return 0;
}

static otw_config *load(const char *text, char *err, size_t errsz, int *rc)
{
    otw_config *c = malloc(sizeof(*c));
    assert_non_null(c);
    otw_config_defaults(c);
    FILE *f = fopen(g_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    *rc = otw_config_load(c, g_path, err, errsz);
    return c;
}

static const char *plant = "zones:\n"
                           "  - name: office\n" /* 2 */
                           "    cidrs: [192.168.0.0/16]\n"
                           "    level: 4\n"
                           "  - name: dmz\n" /* 5 */
                           "    cidrs: [172.16.5.0/24]\n"
                           "    level: '3.5'\n"
                           "  - name: scada\n"
                           "    cidrs: [10.1.2.0/24, fd00:2::/64]\n"
                           "    level: 2\n"
                           "  - name: cell\n"
                           "    cidrs: [10.1.1.0/24]\n"
                           "    vlans: [101, 102]\n"
                           "    level: 1\n"
                           "    criticality: critical\n"
                           "  - name: vendor\n"
                           "    cidrs: [10.9.0.0/16]\n"
                           "    level: remote\n"
                           "    kind: dmz\n"
                           "conduits:\n"
                           "  - name: hmi\n"
                           "    from: scada\n"
                           "    to: cell\n"
                           "    protocols: [modbus, S7comm]\n"
                           "  - name: hist\n"
                           "    from: scada\n"
                           "    to: dmz\n"
                           "    direction: both\n"
                           "    ports: [tcp/1433, 5000-5010, udp/47808]\n"
                           "  - name: maint\n"
                           "    from: vendor\n"
                           "    to: cell\n"
                           "    ports: [tcp/3389]\n"
                           "    windows: ['Mon-Fri 08:00-18:00', 'Sat 22:00-02:00']\n"
                           "    utc_offset: '+09:00'\n"
                           "    action: reset\n"
                           "  - name: office-cell\n"
                           "    from: office\n"
                           "    to: cell\n"
                           "    allow: false\n"
                           "    action: reset\n"
                           "  - name: office-cell-modbus\n"
                           "    from: office\n"
                           "    to: scada\n"
                           "    allow: false\n"
                           "    action: reset\n"
                           "    protocols: [modbus]\n"
                           "  - name: out\n"
                           "    from: dmz\n"
                           "    to: internet\n"
                           "    ports: [tcp/443]\n"
                           "enforcement:\n"
                           "  enabled: true\n"
                           "  interface: eth9\n"
                           "  max_resets_per_second: 5\n";

static void test_load_plant(void **state)
{
    (void)state;
    char err[512] = "";
    int rc;
    otw_config *c = load(plant, err, sizeof(err), &rc);
    if (rc != 0)
        fail_msg("%s", err);
    assert_int_equal(c->n_zones, 5);
    assert_int_equal(c->zones[0].kind, OTW_ZK_IT);
    assert_int_equal(c->zones[1].kind, OTW_ZK_DMZ);
    assert_int_equal(c->zones[2].kind, OTW_ZK_OT);
    assert_int_equal(c->zones[2].n_cidrs, 2);
    assert_int_equal(c->zones[3].kind, OTW_ZK_CONTROL);
    assert_int_equal(c->zones[3].criticality, OTW_SEV_CRITICAL);
    assert_int_equal(c->zones[3].n_vlans, 2);
    assert_int_equal(c->zones[3].vlans[1], 102);
    assert_int_equal(c->zones[0].criticality, OTW_SEV_MEDIUM);
    assert_int_equal(c->zones[4].kind, OTW_ZK_DMZ);
    assert_string_equal(c->zones[4].level, "remote");
    assert_int_equal(c->n_conduits, 6);
    assert_int_equal(c->conduits[0].from, 2);
    assert_int_equal(c->conduits[0].to, 3);
    assert_int_equal(c->conduits[0].n_protocols, 2);
    assert_true(c->conduits[0].allow);
    assert_false(c->conduits[0].reset);
    assert_true(c->conduits[1].both_ways);
    assert_int_equal(c->conduits[1].n_ports, 3);
    assert_int_equal(c->conduits[1].ports[0].transport, 6);
    assert_int_equal(c->conduits[1].ports[1].transport, 0);
    assert_int_equal(c->conduits[1].ports[1].lo, 5000);
    assert_int_equal(c->conduits[1].ports[1].hi, 5010);
    assert_int_equal(c->conduits[1].ports[2].transport, 17);
    assert_int_equal(c->conduits[2].n_windows, 2);
    assert_int_equal(c->conduits[2].windows[0].days, 0x1f);
    assert_int_equal(c->conduits[2].windows[0].start_min, 8 * 60);
    assert_int_equal(c->conduits[2].windows[0].end_min, 18 * 60);
    assert_int_equal(c->conduits[2].windows[1].days, 1 << 5);
    assert_int_equal(c->conduits[2].utc_offset_min, 9 * 60);
    assert_true(c->conduits[2].reset);
    assert_false(c->conduits[3].allow);
    assert_int_equal(c->conduits[5].to, OTW_ZONE_INTERNET);
    assert_true(c->enforce_enabled);
    assert_false(c->enforce_dry_run);
    assert_string_equal(c->enforce_interface, "eth9");
    assert_int_equal(c->enforce_max_resets_per_s, 5);
    free(c);
}

/* Each bad file: the error names this line and this text. */
static void expect_error(const char *text, int line, const char *needle)
{
    char err[512] = "", want[32];
    int rc;
    otw_config *c = load(text, err, sizeof(err), &rc);
    otw_config d;
    otw_config_defaults(&d);
    if (rc == 0)
        fail_msg("accepted: %s", text);
    snprintf(want, sizeof(want), ":%d: ", line);
    if (!strstr(err, want) || !strstr(err, needle))
        fail_msg("error \"%s\" lacks line %d or \"%s\"", err, line, needle);
    assert_memory_equal(c, &d, sizeof(d)); /* all or nothing */
    free(c);
}

static void test_labels(void **state)
{
    (void)state;
    char err[512] = "";
    int rc;
    otw_config *c = load("zones:\n"
                         "  - {name: office, label: 事務所, cidrs: [10.1.0.0/16], level: 4}\n"
                         "  - {name: line1, cidrs: [10.2.0.0/16], level: 1}\n",
                         err, sizeof(err), &rc);
    if (rc != 0)
        fail_msg("%s", err);
    assert_string_equal(c->zones[0].name, "office");
    assert_string_equal(otw_zone_label(c, 0), "事務所");
    assert_string_equal(otw_zone_label(c, 1), "line1"); /* no label: the name */
    assert_string_equal(otw_zone_label(c, OTW_ZONE_INTERNET), "internet");
    assert_string_equal(otw_zone_name(c, 0), "office"); /* ids stay ASCII */
    free(c);
}

static void test_errors(void **state)
{
    (void)state;
    const char *z = "zones:\n"
                    "  - {name: a, cidrs: [10.1.0.0/16], level: 4}\n"
                    "  - {name: b, cidrs: [10.2.0.0/16], level: 1}\n";
    char buf[1024];
#define WITH(extra) (snprintf(buf, sizeof(buf), "%s%s", z, extra), buf)
    expect_error(WITH("conduits:\n  - {from: a, to: c}\n"), 5, "unknown zone \"c\"");
    expect_error(WITH("conduits:\n  - from: x\n    to: b\n"), 5, "conduits[0].from: unknown zone");
    expect_error(WITH("conduits:\n  - {from: a, to: a}\n"), 5, "two different zones");
    expect_error(WITH("conduits:\n  - {to: a}\n"), 5, "needs from and to");
    expect_error(WITH("conduits:\n  - {from: a, to: b, ports: [0]}\n"), 5, "bad port \"0\"");
    expect_error(WITH("conduits:\n  - {from: a, to: b, ports: [sctp/9]}\n"), 5, "bad port");
    expect_error(WITH("conduits:\n  - {from: a, to: b, ports: [20-10]}\n"), 5, "bad port");
    expect_error(WITH("conduits:\n  - {from: a, to: b, ports: [tcp/-5]}\n"), 5, "bad port");
    expect_error(WITH("conduits:\n  - {from: a, to: b, windows: ['Mon 08:00']}\n"), 5,
                 "bad time window");
    expect_error(WITH("conduits:\n  - {from: a, to: b, windows: ['Xyz 08:00-09:00']}\n"), 5,
                 "bad time window");
    expect_error(WITH("conduits:\n  - {from: a, to: b, windows: ['Mon 08:00-08:00']}\n"), 5,
                 "bad time window");
    expect_error(WITH("conduits:\n  - {from: a, to: b, windows: ['Mon 25:00-26:00']}\n"), 5,
                 "bad time window");
    expect_error(WITH("conduits:\n  - {from: a, to: b, utc_offset: '+15:00'}\n"), 5,
                 "bad UTC offset");
    expect_error(WITH("conduits:\n  - {from: a, to: b, action: drop}\n"), 5,
                 "expected alert or reset");
    expect_error(WITH("conduits:\n  - {from: a, to: b, action: reset}\n"), 5, "never applies");
    expect_error(WITH("conduits:\n  - {from: a, to: b, allow: false, windows: ['daily "
                      "01:00-02:00']}\n"),
                 5, "windows apply to allowed conduits only");
    expect_error(WITH("conduits:\n  - {name: n, from: a, to: b}\n  - {name: n, from: b, to: "
                      "a}\n"),
                 6, "duplicate conduit name");
    expect_error(WITH("conduits:\n  - {from: a, to: b, direction: up}\n"), 5,
                 "expected one-way or both");
    expect_error(WITH("  - {name: c, cidrs: [10.1.128.0/17], level: 2}\n"), 4,
                 "overlaps zone \"a\"");
    expect_error(WITH("  - {name: a, cidrs: [10.3.0.0/16], level: 2}\n"), 4, "duplicate zone name");
    expect_error(WITH("  - {name: internet, cidrs: [10.3.0.0/16], level: 2}\n"), 4, "built-in");
    expect_error(WITH("  - {name: c, level: 2}\n"), 4, "needs cidrs or vlans");
    expect_error(WITH("  - {name: c, cidrs: [10.4.0.1/16], level: 2}\n"), 4, "beyond the prefix");
    expect_error(WITH("  - {name: c, vlans: [4095], level: 2}\n"), 4, "out of range");
    expect_error(WITH("  - {name: c, vlans: [7], level: 2}\n  - {name: d, vlans: [7], level: "
                      "2}\n"),
                 5, "VLAN 7 is already in zone \"c\"");
    expect_error(WITH("  - {name: c, cidrs: [10.5.0.0/16], level: 2, criticality: huge}\n"), 4,
                 "expected low, medium, high or critical");
    expect_error(WITH("  - {name: 'c d', cidrs: [10.5.0.0/16], level: 2}\n"), 4, "bad name");
    /* A Japanese name is a label: the message says how to write it. */
    expect_error(WITH("  - {name: 事務所, cidrs: [10.5.0.0/16], level: 4}\n"), 4,
                 "give \"事務所\" as the zone's label");
    expect_error(WITH("  - {name: c, label: \"a\\x01b\", cidrs: [10.5.0.0/16], level: 2}\n"), 4,
                 "control characters");
    expect_error(WITH("  - {name: c, label: b, cidrs: [10.5.0.0/16], level: 2}\n"), 4,
                 "labels must differ");
    expect_error(WITH("  - {name: c, cidrs: [10.5.0.0/16], level: 7}\n"), 4, "not a Purdue level");
    expect_error(WITH("  - {name: c, cidrs: [10.5.0.0/16], kind: plant}\n"), 4,
                 "expected control, ot, dmz or it");
    expect_error(WITH("  - {name: c, cidrs: [10.5.0.0/16], level: 2, colour: red}\n"), 4,
                 "zones[2].colour: unknown key");
    expect_error("enforcement:\n  enabled: yes\n  max_resets_per_second: 0\n", 3, "out of range");
    expect_error("enforcement:\n  enabled: yes\n", 2, "needs an interface");
#undef WITH
}

static otw_config *plant_cfg(void)
{
    char err[512] = "";
    int rc;
    otw_config *c = load(plant, err, sizeof(err), &rc);
    if (rc != 0)
        fail_msg("%s", err);
    return c;
}

static otw_addr A(const char *s)
{
    otw_addr a;
    assert_int_equal(otw_addr_parse(s, &a), 0);
    return a;
}

static void test_zone_of(void **state)
{
    (void)state;
    otw_config *c = plant_cfg();
    otw_addr a = A("10.1.1.5");
    assert_int_equal(otw_zone_of(c, &a, 0), 3);
    a = A("fd00:2::9");
    assert_int_equal(otw_zone_of(c, &a, 0), 2);
    a = A("10.7.7.7");
    assert_int_equal(otw_zone_of(c, &a, 0), OTW_ZONE_UNASSIGNED);
    assert_int_equal(otw_zone_of(c, &a, 102), 3); /* by VLAN when no CIDR holds it */
    a = A("10.1.2.7");
    assert_int_equal(otw_zone_of(c, &a, 102), 2); /* a CIDR wins over the VLAN */
    a = A("8.8.8.8");
    assert_int_equal(otw_zone_of(c, &a, 0), OTW_ZONE_INTERNET);
    a = A("127.0.0.1");
    assert_int_equal(otw_zone_of(c, &a, 0), OTW_ZONE_UNASSIGNED);
    assert_string_equal(otw_zone_name(c, OTW_ZONE_INTERNET), "internet");
    assert_string_equal(otw_zone_name(c, 3), "cell");
    free(c);
}

static otw_zone_query Q(const char *cl, const char *sv, uint8_t tr, uint16_t port,
                        const char *proto, bool industrial)
{
    otw_zone_query q;
    memset(&q, 0, sizeof(q));
    q.client = A(cl);
    q.server = A(sv);
    q.transport = tr;
    q.server_port = port;
    q.protocol = proto;
    q.industrial = industrial;
    q.ts_us = 1700000000ull * 1000000u; /* Tue 2023-11-14 22:13:20 UTC */
    return q;
}

static void test_place(void **state)
{
    (void)state;
    otw_config *c = plant_cfg();
    otw_placement p;
    otw_zone_query q;

    q = Q("10.1.2.5", "10.1.2.6", 6, 445, "SMBv23", false);
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.verdict, OTW_PLACE_INTERNAL);

    q = Q("10.1.2.5", "10.1.1.10", 6, 502, "modbus", true);
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.verdict, OTW_PLACE_CONDUIT);
    assert_int_equal(p.conduit, 0);
    q.protocol = "MODBUS"; /* names compare without case */
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.verdict, OTW_PLACE_CONDUIT);

    /* Wrong way through a one-way conduit. */
    q = Q("10.1.1.10", "10.1.2.5", 6, 502, "modbus", true);
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.verdict, OTW_PLACE_VIOLATION);
    assert_int_equal(p.rule, OTW_RULE_NONE);
    assert_int_equal(p.severity, OTW_SEV_LOW); /* control -> ot */
    assert_false(p.reset);

    /* Both ways, ranges and transports. */
    q = Q("172.16.5.9", "10.1.2.5", 6, 5005, "Unknown", false);
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.verdict, OTW_PLACE_CONDUIT);
    assert_int_equal(p.conduit, 1);
    q = Q("172.16.5.9", "10.1.2.5", 17, 1433, "Unknown", false);
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.verdict, OTW_PLACE_VIOLATION); /* tcp/1433 only */

    /* Deny rule with reset: not for an industrial protocol it does not name. */
    q = Q("192.168.1.5", "10.1.1.10", 6, 80, "HTTP", false);
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.verdict, OTW_PLACE_VIOLATION);
    assert_int_equal(p.rule, 3);
    assert_false(p.outside_window);
    assert_true(p.reset);
    assert_int_equal(p.severity, OTW_SEV_CRITICAL); /* it -> control */
    assert_string_equal(p.technique, "T0886");
    q = Q("192.168.1.5", "10.1.1.10", 6, 502, "modbus", true);
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.rule, 3);
    assert_false(p.reset);
    /* ... and the rule naming modbus may reset it; never UDP. */
    q = Q("192.168.1.5", "10.1.2.7", 6, 502, "modbus", true);
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.rule, 4);
    assert_true(p.reset);
    assert_int_equal(p.severity, OTW_SEV_HIGH); /* it -> ot */
    q.transport = 17;
    otw_zones_place(c, &q, &p);
    assert_false(p.reset);

    /* OT -> Internet, Internet -> OT, a known controller, criticality. */
    q = Q("10.1.2.5", "93.184.216.34", 6, 443, "TLS", false);
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.server_zone, OTW_ZONE_INTERNET);
    assert_int_equal(p.severity, OTW_SEV_HIGH);
    assert_string_equal(p.technique, "T0869");
    q = Q("93.184.216.34", "10.1.2.5", 6, 80, "HTTP", false);
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.severity, OTW_SEV_CRITICAL);
    assert_string_equal(p.technique, "T0883");
    q = Q("172.16.5.9", "93.184.216.34", 6, 443, "TLS", false);
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.verdict, OTW_PLACE_CONDUIT);
    q = Q("172.16.5.9", "10.7.0.1", 6, 80, "HTTP", false);
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.severity, OTW_SEV_LOW); /* dmz -> unassigned */
    q.server_is_controller = true;
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.severity, OTW_SEV_LOW); /* only IT and Internet clients are raised */
    q = Q("192.168.1.5", "10.7.0.1", 6, 80, "HTTP", false);
    q.server_is_controller = true;
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.severity, OTW_SEV_CRITICAL);
    q = Q("172.16.5.9", "10.1.1.3", 6, 80, "HTTP", false);
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.severity, OTW_SEV_HIGH); /* dmz -> control */

    /* Multicast stays in the sender's zone. */
    q = Q("10.1.2.5", "239.255.255.250", 17, 1900, "SSDP", false);
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.verdict, OTW_PLACE_INTERNAL);

    /* No zones: nothing is placed. */
    otw_config_defaults(c);
    q = Q("192.168.1.5", "10.1.1.10", 6, 80, "HTTP", false);
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.verdict, OTW_PLACE_NONE);
    assert_false(p.remote_access);
    free(c);
}

static uint64_t utc(int y, int mo, int d, int h, int mi)
{
    /* days from civil (Howard Hinnant) */
    y -= mo <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long days = (long)era * 146097 + (long)doe - 719468;
    return ((uint64_t)days * 86400u + (uint64_t)h * 3600u + (uint64_t)mi * 60u) * 1000000u;
}

static void test_windows(void **state)
{
    (void)state;
    otw_config *c = plant_cfg();
    const otw_conduit_cfg *m = &c->conduits[2]; /* Mon-Fri 08-18, Sat 22-02, +09:00 */
    /* 2024-01-15 is a Monday. 23:30 UTC Sunday = 08:30 Monday in Japan. */
    assert_true(otw_conduit_open(m, utc(2024, 1, 14, 23, 30)));
    assert_false(otw_conduit_open(m, utc(2024, 1, 14, 22, 30))); /* 07:30 JST */
    assert_true(otw_conduit_open(m, utc(2024, 1, 19, 8, 59)));   /* Fri 17:59 JST */
    assert_false(otw_conduit_open(m, utc(2024, 1, 19, 9, 0)));   /* Fri 18:00 JST */
    assert_true(otw_conduit_open(m, utc(2024, 1, 20, 13, 0)));   /* Sat 22:00 JST */
    assert_true(otw_conduit_open(m, utc(2024, 1, 20, 16, 59)));  /* Sun 01:59 JST */
    assert_false(otw_conduit_open(m, utc(2024, 1, 20, 17, 0)));  /* Sun 02:00 JST */
    assert_false(otw_conduit_open(m, utc(2024, 1, 21, 13, 30))); /* Sun 22:30 JST */
    assert_true(otw_conduit_open(&c->conduits[0], 0));           /* no windows */

    /* Placement uses the capture time: inside the window a conduit, outside
     * a violation of that conduit, with its action. */
    otw_zone_query q = Q("10.9.1.1", "10.1.1.10", 6, 3389, "RDP", false);
    otw_placement p;
    q.ts_us = utc(2024, 1, 15, 1, 0); /* Mon 10:00 JST */
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.verdict, OTW_PLACE_CONDUIT);
    assert_int_equal(p.conduit, 2);
    assert_true(p.remote_access);
    assert_int_equal(p.remote_severity, OTW_SEV_MEDIUM);
    q.ts_us = utc(2024, 1, 15, 12, 0); /* Mon 21:00 JST */
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.verdict, OTW_PLACE_VIOLATION);
    assert_int_equal(p.rule, 2);
    assert_true(p.outside_window);
    assert_true(p.reset);
    assert_int_equal(p.remote_severity, OTW_SEV_HIGH);
    free(c);
}

static void test_remote_access(void **state)
{
    (void)state;
    bool vpn;
    assert_string_equal(otw_remote_access_service("SSH", 6, 2222, &vpn), "SSH");
    assert_false(vpn);
    assert_string_equal(otw_remote_access_service("Unknown", 6, 3389, &vpn), "RDP");
    assert_string_equal(otw_remote_access_service(NULL, 6, 5901, &vpn), "VNC");
    assert_string_equal(otw_remote_access_service("TeamViewer", 17, 5938, &vpn), "TeamViewer");
    assert_string_equal(otw_remote_access_service("AnyDesk", 6, 443, &vpn), "AnyDesk");
    assert_string_equal(otw_remote_access_service("Telnet", 6, 23, &vpn), "Telnet");
    assert_string_equal(otw_remote_access_service("WireGuard", 17, 51820, &vpn), "WireGuard");
    assert_true(vpn);
    assert_string_equal(otw_remote_access_service("Unknown", 17, 4500, &vpn), "IPsec");
    assert_true(vpn);
    assert_null(otw_remote_access_service("HTTP", 6, 22, &vpn)); /* nDPI knows better */
    assert_null(otw_remote_access_service("Unknown", 17, 22, &vpn));

    otw_config *c = plant_cfg();
    otw_placement p;
    otw_zone_query q = Q("192.168.1.9", "10.1.2.5", 6, 22, "SSH", false);
    otw_zones_place(c, &q, &p);
    assert_true(p.remote_access);
    assert_string_equal(p.remote_service, "SSH");
    assert_string_equal(p.remote_technique, "T0886");
    q = Q("10.1.2.4", "10.1.2.5", 6, 22, "SSH", false); /* inside the zone */
    otw_zones_place(c, &q, &p);
    assert_false(p.remote_access);
    q = Q("10.1.2.4", "10.1.2.5", 17, 1194, "OpenVPN", false); /* a VPN ending inside OT */
    otw_zones_place(c, &q, &p);
    assert_true(p.remote_access);
    assert_true(p.remote_vpn);
    assert_string_equal(p.remote_technique, "T0822");
    q = Q("10.1.2.4", "192.168.1.9", 6, 3389, "RDP", false); /* into IT: not ours */
    otw_zones_place(c, &q, &p);
    assert_false(p.remote_access);
    q = Q("8.8.4.4", "10.1.1.9", 6, 5900, "VNC", false);
    otw_zones_place(c, &q, &p);
    assert_int_equal(p.remote_severity, OTW_SEV_CRITICAL);
    assert_string_equal(p.remote_technique, "T0822");
    char svc[64];
    otw_service_text(6, 502, "modbus", svc, sizeof(svc));
    assert_string_equal(svc, "tcp/502 modbus");
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_plant),    cmocka_unit_test(test_errors),
        cmocka_unit_test(test_labels),        cmocka_unit_test(test_zone_of),
        cmocka_unit_test(test_place),         cmocka_unit_test(test_windows),
        cmocka_unit_test(test_remote_access),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
