/* test_config.c - unit tests for the configuration loader (sensor/core/config.c). */
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

static char g_dir[64];
static char g_path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/otw-test-config-XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return -1;
    snprintf(g_path, sizeof(g_path), "%s/c.yaml", g_dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(g_path);
    rmdir(g_dir);
    return 0;
}

static void write_file(const char *text)
{
    FILE *f = fopen(g_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int load_text(otw_config *c, const char *text, char *err, size_t errsz)
{
    write_file(text);
    return otw_config_load(c, g_path, err, errsz);
}

static void test_defaults(void **state)
{
    (void)state;
    otw_config c;
    otw_config_defaults(&c);
    assert_string_equal(c.state_dir, "");
    assert_string_equal(c.user, "");
    assert_int_equal(c.n_interfaces, 0);
    assert_int_equal(c.capture_buffer_mb, 64);
    assert_int_equal(c.snaplen, 65535);
    assert_false(c.capture_immediate); /* blocks, not a wake-up per packet */
    assert_int_equal(c.capture_timeout_ms, 50);
    assert_string_equal(c.filter, "");
    assert_int_equal(c.flow_memory_mb, 64);
    assert_int_equal(c.tcp_timeout_s, 300);
    assert_int_equal(c.udp_timeout_s, 60);
    assert_int_equal(c.closed_timeout_s, 10);
    assert_int_equal(c.ndpi_max_packets, 32);
    assert_int_equal(c.ndpi_memory_mb, 64);
    assert_int_equal(c.stream_memory_mb, 32);
    assert_int_equal(c.tcp_ports[OTW_PROTO_MODBUS][0], 502);
    assert_int_equal(c.tcp_ports[OTW_PROTO_MODBUS][1], 0);
    assert_int_equal(c.request_timeout_s, 10);
    assert_int_equal(c.n_local_networks, 6);
    assert_int_equal(c.local_networks[0].prefix, 96 + 8);
    assert_int_equal(c.local_networks[4].prefix, 7);
    assert_int_equal(c.local_networks[5].prefix, 10);
    assert_int_equal(c.max_assets, 65536);
    assert_int_equal(c.exception_burst_count, 5);
    assert_int_equal(c.exception_burst_window_s, 60);
    assert_string_equal(c.alerts_file, "alerts.jsonl");
    assert_string_equal(c.ops_log, "ops.jsonl");
    assert_false(c.syslog_enabled);
    assert_int_equal(c.syslog_transport, OTW_SYSLOG_UDP);
    assert_string_equal(c.syslog_host, "127.0.0.1");
    assert_int_equal(c.syslog_port, 514);
    assert_string_equal(c.syslog_app_name, "otwatch");
    assert_int_equal(c.checkpoint_s, 10);
}

static void test_empty_file(void **state)
{
    (void)state;
    otw_config c, d;
    char err[256];
    otw_config_defaults(&c);
    otw_config_defaults(&d);
    assert_int_equal(load_text(&c, "", err, sizeof(err)), 0);
    assert_memory_equal(&c, &d, sizeof(c));
    assert_int_equal(load_text(&c, "# only a comment\n---\n", err, sizeof(err)), 0);
    assert_memory_equal(&c, &d, sizeof(c));
    /* Sections with everything commented out are null: fine. */
    assert_int_equal(load_text(&c, "flows:\noutputs:\n  syslog:\n", err, sizeof(err)), 0);
    assert_memory_equal(&c, &d, sizeof(c));
}

/* The documented example must load and must state exactly the defaults. */
static void test_example_matches_defaults(void **state)
{
    (void)state;
#ifdef OTW_SOURCE_DIR
    otw_config c, d;
    char err[256];
    otw_config_defaults(&c);
    otw_config_defaults(&d);
    int rc = otw_config_load(&c, OTW_SOURCE_DIR "/deploy/otwatch.yaml", err, sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    assert_memory_equal(&c, &d, sizeof(c));
#else
    skip();
#endif
}

static void test_full_file(void **state)
{
    (void)state;
    otw_config c;
    char err[256];
    otw_config_defaults(&c);
    int rc = load_text(&c,
                       "sensor:\n"
                       "  state_dir: /var/lib/otw\n"
                       "  user: otwatch\n"
                       "capture:\n"
                       "  interfaces: [eth1, \"enp3s0\"]\n"
                       "  buffer_mb: 128\n"
                       "  snaplen: 1514\n"
                       "  immediate: true\n"
                       "  timeout_ms: 10\n"
                       "  filter: 'not port 22'\n"
                       "flows:\n"
                       "  memory_mb: 256\n"
                       "  tcp_timeout: 5m\n"
                       "  udp_timeout: 30s\n"
                       "  closed_timeout: 3\n"
                       "  ndpi_max_packets: 16\n"
                       "  ndpi_memory_mb: 8\n"
                       "streams: {memory_mb: 16}\n"
                       "protocols:\n"
                       "  modbus:\n"
                       "    tcp_ports:\n"
                       "      - 502\n"
                       "      - 5020\n"
                       "  request_timeout: 30m\n"
                       "inventory:\n"
                       "  local_networks: [192.168.10.0/24, 2001:db8::/32, 10.1.2.3]\n"
                       "  max_assets: 1000\n"
                       "alerts:\n"
                       "  file: /var/log/otw/alerts.jsonl\n"
                       "  modbus_exception_burst: {count: 3, window: 1d}\n"
                       "outputs:\n"
                       "  ops_log: ''\n"
                       "  syslog:\n"
                       "    enabled: true\n"
                       "    transport: tcp\n"
                       "    host: siem.example.net\n"
                       "    port: 6514\n"
                       "    app_name: otw-lab\n"
                       "store:\n"
                       "  checkpoint_interval: 30\n",
                       err, sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    assert_string_equal(c.state_dir, "/var/lib/otw");
    assert_string_equal(c.user, "otwatch");
    assert_int_equal(c.n_interfaces, 2);
    assert_string_equal(c.interfaces[0], "eth1");
    assert_string_equal(c.interfaces[1], "enp3s0");
    assert_int_equal(c.capture_buffer_mb, 128);
    assert_int_equal(c.snaplen, 1514);
    assert_true(c.capture_immediate);
    assert_int_equal(c.capture_timeout_ms, 10);
    assert_string_equal(c.filter, "not port 22");
    assert_int_equal(c.flow_memory_mb, 256);
    assert_int_equal(c.tcp_timeout_s, 300);
    assert_int_equal(c.udp_timeout_s, 30);
    assert_int_equal(c.closed_timeout_s, 3);
    assert_int_equal(c.ndpi_max_packets, 16);
    assert_int_equal(c.ndpi_memory_mb, 8);
    assert_int_equal(c.stream_memory_mb, 16);
    assert_int_equal(c.tcp_ports[OTW_PROTO_MODBUS][0], 502);
    assert_int_equal(c.tcp_ports[OTW_PROTO_MODBUS][1], 5020);
    assert_int_equal(c.tcp_ports[OTW_PROTO_MODBUS][2], 0);
    assert_int_equal(c.request_timeout_s, 1800);
    assert_int_equal(c.n_local_networks, 3);
    assert_int_equal(c.local_networks[0].prefix, 96 + 24);
    assert_int_equal(c.local_networks[1].prefix, 32);
    assert_int_equal(c.local_networks[2].prefix, 128);
    assert_int_equal(c.max_assets, 1000);
    assert_string_equal(c.alerts_file, "/var/log/otw/alerts.jsonl");
    assert_int_equal(c.exception_burst_count, 3);
    assert_int_equal(c.exception_burst_window_s, 86400);
    assert_string_equal(c.ops_log, "");
    assert_true(c.syslog_enabled);
    assert_int_equal(c.syslog_transport, OTW_SYSLOG_TCP);
    assert_string_equal(c.syslog_host, "siem.example.net");
    assert_int_equal(c.syslog_port, 6514);
    assert_string_equal(c.syslog_app_name, "otw-lab");
    assert_int_equal(c.checkpoint_s, 30);

    /* The web console's section. */
    rc = load_text(&c,
                   "web:\n"
                   "  listen: \"[::1]:8443\"\n"
                   "  tls_cert_file: /etc/otw/c.pem\n"
                   "  tls_key_file: /etc/otw/k.pem\n"
                   "  admin_hash_file: /etc/otw/admin.hash\n"
                   "  root: /srv/otw-web\n"
                   "  allow_hosts: [sensor1.plant.example, 10.0.0.5]\n",
                   err, sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    assert_string_equal(c.web_listen, "[::1]:8443");
    assert_string_equal(c.web_tls_cert_file, "/etc/otw/c.pem");
    assert_string_equal(c.web_tls_key_file, "/etc/otw/k.pem");
    assert_string_equal(c.web_admin_hash_file, "/etc/otw/admin.hash");
    assert_string_equal(c.web_root, "/srv/otw-web");
    assert_int_equal(c.n_web_allow_hosts, 2);
    assert_string_equal(c.web_allow_hosts[1], "10.0.0.5");

    /* The baseline's table sizes. */
    assert_int_equal(c.baseline_max_channels, 4096);
    rc = load_text(&c, "baseline:\n  max_channels: 20000\n  max_controllers: 64\n", err,
                   sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    assert_int_equal(c.baseline_max_channels, 20000);
    assert_int_equal(c.baseline_max_controllers, 64);
    /* The sweep thresholds (issue 15). */
    assert_int_equal(c.baseline_scan_addresses, 32);
    assert_int_equal(c.baseline_scan_bad_addresses, 5);
    assert_int_equal(c.baseline_scan_refused, 10);
    rc = load_text(
        &c, "baseline:\n  scan_addresses: 100\n  scan_bad_addresses: 3\n  scan_refused: 20\n", err,
        sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    assert_int_equal(c.baseline_scan_addresses, 100);
    assert_int_equal(c.baseline_scan_bad_addresses, 3);
    assert_int_equal(c.baseline_scan_refused, 20);

    /* Empty lists are allowed and replace the defaults. */
    rc = load_text(&c, "capture: {interfaces: []}\ninventory: {local_networks: []}\n", err,
                   sizeof(err));
    assert_int_equal(rc, 0);
    assert_int_equal(c.n_interfaces, 0);
    assert_int_equal(c.n_local_networks, 0);
}

static void test_durations(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        uint32_t s;
    } ok[] = {{"45", 45}, {"30s", 30}, {"5m", 300}, {"2h", 7200}, {"7d", 604800}, {"\"90s\"", 90}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        otw_config c;
        char text[128], err[256];
        otw_config_defaults(&c);
        snprintf(text, sizeof(text), "flows:\n  tcp_timeout: %s\n", ok[i].v);
        if (load_text(&c, text, err, sizeof(err)) != 0)
            fail_msg("%s: %s", ok[i].v, err);
        assert_int_equal(c.tcp_timeout_s, ok[i].s);
    }
}

static void expect_error(const char *text, const char *msg)
{
    otw_config c, before;
    char err[512], want[512];
    otw_config_defaults(&c);
    before = c;
    memset(err, 0, sizeof(err));
    int rc = load_text(&c, text, err, sizeof(err));
    snprintf(want, sizeof(want), "%s%s", g_path, msg);
    if (rc != -1 || strcmp(err, want) != 0)
        fail_msg("input:\n%s\nrc=%d\n got: %s\nwant: %s", text, rc, err, want);
    /* Failed loads leave the configuration untouched. */
    assert_memory_equal(&c, &before, sizeof(c));
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("flows:\n  memroy_mb: 5\n", ":2: flows.memroy_mb: unknown key");
    expect_error("sensor: {}\nbogus: 1\n", ":2: bogus: unknown key");
    expect_error("outputs:\n  syslog:\n    prot: 1\n", ":3: outputs.syslog.prot: unknown key");
    expect_error("flows:\n  memory_mb: [1]\n",
                 ":2: flows.memory_mb: expected an integer, got a list");
    expect_error("flows: 5\n", ":1: flows: expected a mapping, got a scalar");
    expect_error("web:\n  allow_hosts:\n    - ok.example\n    - \"bad host\"\n",
                 ":4: web.allow_hosts[1]: expected a host name or address, got \"bad host\"");
    expect_error("web:\n  allow_hosts: [a, b, c, d, e, f, g, h, i]\n",
                 ":2: web.allow_hosts: too many items (9, max 8)");
    expect_error("- a\n- b\n", ":1: top level must be a mapping, got a list");
    expect_error("flows:\n  memory_mb: lots\n",
                 ":2: flows.memory_mb: expected an integer, got \"lots\"");
    expect_error("flows:\n  memory_mb: 0\n", ":2: flows.memory_mb: 0 out of range (1..65536)");
    expect_error("baseline:\n  max_channels: 100000\n",
                 ":2: baseline.max_channels: 100000 out of range (16..65536)");
    expect_error("baseline:\n  scan_addresses: 500\n",
                 ":2: baseline.scan_addresses: 500 out of range (2..200)");
    expect_error("flows:\n  memory_mb: 99999999999999999999999\n",
                 ":2: flows.memory_mb: 99999999999999999999999 out of range (1..65536)");
    expect_error("flows:\n  memory_mb: -3\n", ":2: flows.memory_mb: -3 out of range (1..65536)");
    expect_error("capture:\n  timeout_ms: 0\n", ":2: capture.timeout_ms: 0 out of range (1..1000)");
    expect_error("capture:\n  snaplen: 1.5\n",
                 ":2: capture.snaplen: expected an integer, got \"1.5\"");
    expect_error("flows:\n  tcp_timeout: 5x\n",
                 ":2: flows.tcp_timeout: expected a duration (seconds, or a number with suffix "
                 "s, m, h or d), got \"5x\"");
    expect_error("flows:\n  tcp_timeout: 5 m\n",
                 ":2: flows.tcp_timeout: expected a duration (seconds, or a number with suffix "
                 "s, m, h or d), got \"5 m\"");
    expect_error("flows:\n  tcp_timeout: 8d\n", ":2: flows.tcp_timeout: 8d out of range (1s..7d)");
    expect_error("flows:\n  tcp_timeout: 0s\n", ":2: flows.tcp_timeout: 0s out of range (1s..7d)");
    expect_error("inventory:\n  local_networks:\n    - 10.0.0.0/8\n    - 10.0.0.0/33\n",
                 ":4: inventory.local_networks[1]: bad CIDR \"10.0.0.0/33\" (expected e.g. "
                 "10.0.0.0/8 or fd00::/8)");
    expect_error("inventory:\n  local_networks: [10.1.0.0/8]\n",
                 ":2: inventory.local_networks[0]: bad CIDR \"10.1.0.0/8\": address bits set "
                 "beyond the prefix length");
    expect_error("inventory:\n  local_networks: [{a: 1}]\n",
                 ":2: inventory.local_networks[0]: expected a CIDR, got a mapping");
    expect_error("outputs:\n  syslog:\n    port: 0\n",
                 ":3: outputs.syslog.port: bad port 0 (1..65535)");
    expect_error("outputs:\n  syslog:\n    port: 65536\n",
                 ":3: outputs.syslog.port: bad port 65536 (1..65535)");
    expect_error("protocols:\n  modbus:\n    tcp_ports: [502, 0]\n",
                 ":3: protocols.modbus.tcp_ports[1]: bad port 0 (1..65535)");
    expect_error("protocols:\n  modbus:\n    tcp_ports: [502, 502]\n",
                 ":3: protocols.modbus.tcp_ports[1]: duplicate port 502");
    expect_error("protocols:\n  modbus:\n    tcp_ports: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]\n",
                 ":3: protocols.modbus.tcp_ports: too many items (16, max 15)");
    expect_error("capture:\n  interfaces: [a, b, c, d, e, f, g, h, i]\n",
                 ":2: capture.interfaces: too many items (9, max 8)");
    expect_error("capture:\n  interfaces: eth0\n",
                 ":2: capture.interfaces: expected a list, got a scalar");
    expect_error("capture:\n  interfaces: ['']\n",
                 ":2: capture.interfaces[0]: empty interface name");
    expect_error("sensor:\n  user: "
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                 ":2: sensor.user: string too long (max 63 bytes)");
    expect_error("sensor:\n  user: \"a\\0b\"\n", ":2: sensor.user: NUL character in value");
    expect_error("outputs:\n  syslog:\n    transport: sctp\n",
                 ":3: outputs.syslog.transport: expected udp, tcp or tls, got \"sctp\"");
    expect_error("outputs:\n  syslog:\n    format: xml\n",
                 ":3: outputs.syslog.format: expected one of rfc5424, cef, leef, ecs, text, "
                 "got \"xml\"");
    expect_error("outputs:\n  syslog:\n    leef_delimiter: ab\n",
                 ":3: outputs.syslog.leef_delimiter: expected tab or one punctuation character "
                 "other than '=' and '\\', got \"ab\"");
    expect_error("outputs:\n  syslog:\n    enabled: maybe\n",
                 ":3: outputs.syslog.enabled: expected true or false, got \"maybe\"");
    expect_error("outputs:\n  syslog:\n    app_name: 'my app'\n",
                 ":3: outputs.syslog.app_name: app name must be printable ASCII without spaces");
    expect_error("flows:\n  memory_mb: 1\n  memory_mb: 2\n", ":3: flows.memory_mb: duplicate key");
    expect_error("a: 1\n---\nb: 2\n", ":1: a: unknown key");
    expect_error("sensor: {}\n---\nb: 2\n", ":3: only one YAML document is allowed");
    expect_error("{[1]: 2}\n", ":1: keys must be scalars");
}

static void test_syntax_error(void **state)
{
    (void)state;
    otw_config c;
    char err[512];
    otw_config_defaults(&c);
    assert_int_equal(load_text(&c, "flows:\n  memory_mb: 5\n    bad: [\n", err, sizeof(err)), -1);
    char want[256];
    snprintf(want, sizeof(want), "%s:3: YAML syntax error: ", g_path);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("got: %s", err);
    assert_int_equal(load_text(&c, "flows: [1, 2\n", err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:2: YAML syntax error: did not find expected ',' or ']'",
             g_path);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("got: %s", err);
    /* Invalid UTF-8 is a reader error with a position. */
    assert_int_equal(load_text(&c, "sensor:\n  user: \"\xff\"\n", err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:2: YAML syntax error: invalid leading UTF-8 octet", g_path);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("got: %s", err);
}

static void test_file_errors(void **state)
{
    (void)state;
    otw_config c;
    char err[512], want[512];
    otw_config_defaults(&c);
    assert_int_equal(otw_config_load(&c, "/nonexistent/otw.yaml", err, sizeof(err)), -1);
    assert_string_equal(err, "/nonexistent/otw.yaml: cannot open: No such file or directory");
    assert_int_equal(otw_config_load(&c, g_dir, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: cannot read: not a regular file", g_dir);
    assert_string_equal(err, want);
    /* A tiny error buffer truncates but never overflows; none at all is fine. */
    char small[8];
    assert_int_equal(otw_config_load(&c, "/nonexistent/otw.yaml", small, sizeof(small)), -1);
    assert_int_equal(strlen(small), 7);
    assert_int_equal(otw_config_load(&c, "/nonexistent/otw.yaml", NULL, 0), -1);
}

static void test_cidr(void **state)
{
    (void)state;
    otw_cidr c;
    uint8_t a[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 1, 77};
    assert_int_equal(otw_cidr_parse("192.168.0.0/16", &c), 0);
    assert_int_equal(c.prefix, 112);
    assert_true(otw_cidr_contains(&c, a));
    assert_int_equal(otw_cidr_parse("192.168.1.64/26", &c), 0);
    assert_true(otw_cidr_contains(&c, a));
    assert_int_equal(otw_cidr_parse("192.168.1.0/26", &c), 0);
    assert_false(otw_cidr_contains(&c, a));
    assert_int_equal(otw_cidr_parse("192.168.1.77", &c), 0);
    assert_int_equal(c.prefix, 128);
    assert_true(otw_cidr_contains(&c, a));
    assert_int_equal(otw_cidr_parse("0.0.0.0/0", &c), 0);
    assert_true(otw_cidr_contains(&c, a));
    assert_int_equal(otw_cidr_parse("::/0", &c), 0);
    assert_true(otw_cidr_contains(&c, a));
    /* An IPv4 /0 covers IPv4 only, not native IPv6. */
    uint8_t v6[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    assert_int_equal(otw_cidr_parse("0.0.0.0/0", &c), 0);
    assert_false(otw_cidr_contains(&c, v6));
    assert_int_equal(otw_cidr_parse("fe80::/10", &c), 0);
    assert_true(otw_cidr_contains(&c, v6));
    assert_false(otw_cidr_contains(&c, a));
    assert_int_equal(otw_cidr_parse("fc00::/7", &c), 0);
    v6[0] = 0xfd;
    assert_true(otw_cidr_contains(&c, v6));
    v6[0] = 0xfe;
    assert_false(otw_cidr_contains(&c, v6));

    static const char *const bad[] = {"",
                                      "/8",
                                      "10.0.0.0/",
                                      "10.0.0.0/33",
                                      "10.0.0.0/-1",
                                      "10.0.0.0/+8",
                                      "10.0.0.0/08",
                                      "10.0.0/8",
                                      "10.0.0.1/8",
                                      "fe80::1/10",
                                      "::/129",
                                      "10.0.0.0/8 ",
                                      "x",
                                      "10.0.0.0/8/8",
                                      "1.2.3.4.5",
                                      "fe80::%eth0",
                                      "0010.0.0.0/8"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (otw_cidr_parse(bad[i], &c) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_example_matches_defaults),
        cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_cidr),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
