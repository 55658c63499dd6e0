/* test_siem_format.c - unit tests for the SIEM payloads (sensor/output/siem_format.c):
 * exact bytes of every format for an alert full of hostile strings (quotes,
 * backslashes, '|', '=', ']', the LEEF delimiter, CR/LF/tab, non-ASCII,
 * invalid UTF-8), for a nearly empty alert, technique names for every
 * MITRE ATT&CK for ICS id in the sources, and buffer limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <time.h>

#include "decode.h"
#include "siem_format.h"

/* Expected bytes, checked by hand against the specifications (siem_format.h). */
static const char want_sd[] =
    "[otwatch@32473 id=\"42\" type=\"MODBUS_WRITE\" severity=\"high\" src=\"10.0.0.5\" dst=\"2"
    "001:db8::1\" protocol=\"modbus\" technique=\"T0855\" count=\"3\"] Write \"x\" \\ to |PLC|"
    "=1 ]^ line2  end \xE2\x82\xAC \xE5\x88\xB6\xE5\xBE\xA1 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF"
    "\xBD.";
static const char want_cef[] =
    "CEF:0|otwatch|otwatch|1.2.3|MODBUS_WRITE|Write \"x\" \\\\ to \\|PLC\\|=1 ]^ line2  end "
    "\xE2\x82\xAC \xE5\x88\xB6\xE5\xBE\xA1 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.|8|rt=17954496"
    "70123 start=1795449670123 end=1795449671123 cnt=3 externalId=42 src=10.0.0.5 spt=50123 sm"
    "ac=00:0e:8c:01:02:03 dpt=502 c6a3=2001:db8::1 c6a3Label=Destination IPv6 Address proto=TC"
    "P app=modbus dvchost=sensor1 cs1=T0855 cs1Label=MITRE ATT&CK for ICS technique cs2=Unauth"
    "orized Command Message cs2Label=MITRE ATT&CK for ICS technique name cs3=unit\\=1|a\\\\b c"
    "s3Label=otwatch key msg=Write \"x\" \\\\ to |PLC|\\=1 ]^\\nline2\\r end \xE2\x82\xAC \xE5"
    "\x88\xB6\xE5\xBE\xA1 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.";
static const char want_leef[] =
    "LEEF:2.0|otwatch|otwatch|1.2.3|MODBUS_WRITE|x09|devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ"
    "\x09"
    "devTime=2026-11-23T16:01:10.123+0000\x09sev=8\x09"
    "cat=MODBUS_WRITE\x09src=10.0.0.5"
    "\x09srcPort=50123\x09srcMAC=00:0e:8c:01:02:03\x09"
    "dst=2001:db8::1\x09"
    "dstPort=502\x09pr"
    "oto=TCP\x09"
    "application=modbus\x09identHostName=sensor1\x09"
    "alertId=42\x09severity=high"
    "\x09"
    "count=3\x09technique=T0855\x09techniqueName=Unauthorized Command Message\x09key=uni"
    "t=1|a\\b\x09msg=Write \"x\" \\ to |PLC|=1 ]^ line2  end \xE2\x82\xAC \xE5\x88\xB6\xE5\xBE"
    "\xA1 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.";
static const char want_ecs[] =
    "{\"@timestamp\":\"2026-11-23T16:01:10.123456Z\",\"ecs\":{\"version\":\"8.11.0\"},\"event"
    "\":{\"kind\":\"alert\",\"category\":[\"network\",\"intrusion_detection\"],\"type\":[\"inf"
    "o\"],\"severity\":73,\"created\":\"2026-11-23T16:01:10.123456Z\",\"start\":\"2026-11-23T1"
    "6:01:10.123456Z\",\"end\":\"2026-11-23T16:01:11.123456Z\",\"id\":\"42\",\"code\":\"MODBUS"
    "_WRITE\",\"module\":\"otwatch\",\"dataset\":\"otwatch.alert\"},\"rule\":{\"id\":\"MODBUS_"
    "WRITE\",\"name\":\"MODBUS_WRITE\"},\"message\":\"Write \\\"x\\\" \\\\ to |PLC|=1 ]^\\u000"
    "aline2\\u000d\\u0009end \xE2\x82\xAC \xE5\x88\xB6\xE5\xBE\xA1 \xEF\xBF\xBD\xEF\xBF\xBD"
    "\xEF\xBF\xBD.\",\"source\":{\"ip\":\"10.0.0.5\",\"mac\":\"00-0E-8C-01-02-03\",\"port\":50"
    "123},\"destination\":{\"ip\":\"2001:db8::1\",\"port\":502},\"network\":{\"protocol\":\"mo"
    "dbus\",\"transport\":\"tcp\"},\"observer\":{\"vendor\":\"otwatch\",\"product\":\"otwatch"
    "\",\"version\":\"1.2.3\",\"type\":\"ids\",\"hostname\":\"sensor1\"},\"threat\":{\"framewo"
    "rk\":\"MITRE ATT&CK for ICS\",\"technique\":{\"id\":[\"T0855\"],\"name\":[\"Unauthorized "
    "Command Message\"]}},\"otwatch\":{\"alert_id\":42,\"type\":\"MODBUS_WRITE\",\"severity\":"
    "\"high\",\"key\":\"unit=1|a\\\\b\",\"count\":3}}";
static const char want_text[] =
    "[high] MODBUS_WRITE 10.0.0.5:50123 -> [2001:db8::1]:502 modbus T0855 (Unauthorized Comman"
    "d Message): Write \"x\" \\ to |PLC|=1 ]^ line2  end \xE2\x82\xAC \xE5\x88\xB6\xE5\xBE\xA1"
    " \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD. (alert 42, count 3)";
static const char want_leef_caret[] =
    "LEEF:2.0|otwatch|otwatch|1.2.3|MODBUS_WRITE|^|devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ^de"
    "vTime=2026-11-23T16:01:10.123+0000^sev=8^cat=MODBUS_WRITE^src=10.0.0.5^srcPort=50123^srcM"
    "AC=00:0e:8c:01:02:03^dst=2001:db8::1^dstPort=502^proto=TCP^application=modbus^identHostNa"
    "me=sensor1^alertId=42^severity=high^count=3^technique=T0855^techniqueName=Unauthorized Co"
    "mmand Message^key=unit=1|a\\b^msg=Write \"x\" \\ to |PLC|=1 ]  line2  end \xE2\x82\xAC "
    "\xE5\x88\xB6\xE5\xBE\xA1 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.";
static const char want_msg_5424[] =
    "<131>1 2026-11-23T16:01:10.123456Z sensor1 otwatch 7 MODBUS_WRITE [otwatch@32473 id=\"42"
    "\" type=\"MODBUS_WRITE\" severity=\"high\" src=\"10.0.0.5\" dst=\"2001:db8::1\" protocol="
    "\"modbus\" technique=\"T0855\" count=\"3\"] \xEF\xBB\xBFWrite \"x\" \\ to |PLC|=1 ]^ line"
    "2  end \xE2\x82\xAC \xE5\x88\xB6\xE5\xBE\xA1 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.";
static const char want_msg_5424_cef[] =
    "<131>1 2026-11-23T16:01:10.123456Z sensor1 otwatch 7 MODBUS_WRITE - CEF:0|otwatch|otwatch"
    "|1.2.3|MODBUS_WRITE|Write \"x\" \\\\ to \\|PLC\\|=1 ]^ line2  end \xE2\x82\xAC \xE5\x88"
    "\xB6\xE5\xBE\xA1 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.|8|rt=1795449670123 start=179544967"
    "0123 end=1795449671123 cnt=3 externalId=42 src=10.0.0.5 spt=50123 smac=00:0e:8c:01:02:03 "
    "dpt=502 c6a3=2001:db8::1 c6a3Label=Destination IPv6 Address proto=TCP app=modbus dvchost="
    "sensor1 cs1=T0855 cs1Label=MITRE ATT&CK for ICS technique cs2=Unauthorized Command Messag"
    "e cs2Label=MITRE ATT&CK for ICS technique name cs3=unit\\=1|a\\\\b cs3Label=otwatch key m"
    "sg=Write \"x\" \\\\ to |PLC|\\=1 ]^\\nline2\\r end \xE2\x82\xAC \xE5\x88\xB6\xE5\xBE\xA1 "
    "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.";
static const char want_msg_3164_text[] =
    "<131>Nov 23 16:01:10 sensor1 otwatch[7]: [high] MODBUS_WRITE 10.0.0.5:50123 -> [2001:db8:"
    ":1]:502 modbus T0855 (Unauthorized Command Message): Write \"x\" \\ to |PLC|=1 ]^ line2  "
    "end \xE2\x82\xAC \xE5\x88\xB6\xE5\xBE\xA1 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD. (alert 42"
    ", count 3)";
static const char min_sd[] =
    "[otwatch@32473 id=\"1\" type=\"DEVICE_SILENT\" severity=\"info\" src=\"-\" dst=\"-\" prot"
    "ocol=\"-\" technique=\"-\" count=\"1\"]";
static const char min_cef[] =
    "CEF:0|otwatch|otwatch|1.2.3|DEVICE_SILENT|DEVICE_SILENT|1|rt=1795449670123 start=17954496"
    "70123 end=1795449670123 cnt=1 externalId=1 smac=aa:bb:cc:00:11:22";
static const char min_leef[] =
    "LEEF:2.0|otwatch|otwatch|1.2.3|DEVICE_SILENT|x09|devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ"
    "\x09"
    "devTime=2026-11-23T16:01:10.123+0000\x09sev=1\x09"
    "cat=DEVICE_SILENT\x09srcMAC=aa:b"
    "b:cc:00:11:22\x09"
    "alertId=1\x09severity=info\x09"
    "count=1";
static const char min_ecs[] =
    "{\"@timestamp\":\"2026-11-23T16:01:10.123456Z\",\"ecs\":{\"version\":\"8.11.0\"},\"event"
    "\":{\"kind\":\"alert\",\"category\":[\"network\",\"intrusion_detection\"],\"type\":[\"inf"
    "o\"],\"severity\":1,\"created\":\"2026-11-23T16:01:10.123456Z\",\"start\":\"2026-11-23T16"
    ":01:10.123456Z\",\"end\":\"2026-11-23T16:01:10.123456Z\",\"id\":\"1\",\"code\":\"DEVICE_S"
    "ILENT\",\"module\":\"otwatch\",\"dataset\":\"otwatch.alert\"},\"rule\":{\"id\":\"DEVICE_S"
    "ILENT\",\"name\":\"DEVICE_SILENT\"},\"message\":\"\",\"source\":{\"mac\":\"AA-BB-CC-00-11"
    "-22\"},\"observer\":{\"vendor\":\"otwatch\",\"product\":\"otwatch\",\"version\":\"1.2.3\""
    ",\"type\":\"ids\"},\"otwatch\":{\"alert_id\":1,\"type\":\"DEVICE_SILENT\",\"severity\":\""
    "info\",\"key\":\"\",\"count\":1}}";
static const char min_text[] = "[info] DEVICE_SILENT aa:bb:cc:00:11:22 -> - (alert 1, count 1)";

static void hostile_alert(otw_alert *a)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->type, sizeof(a->type), "MODBUS_WRITE");
    a->severity = OTW_SEV_HIGH;
    a->id = 42;
    a->count = 3;
    a->first_us = 1795449670123456ULL; /* 2026-11-23T16:01:10.123456Z */
    a->last_us = a->first_us + 1000000;
    snprintf(a->key, sizeof(a->key), "unit=1|a\\b");
    snprintf(a->protocol, sizeof(a->protocol), "modbus");
    snprintf(a->technique, sizeof(a->technique), "T0855");
    /* From the wire: quotes, backslash, pipes, '=', ']', '^', LF, CR, tab,
     * a euro sign, Japanese, and three invalid bytes. */
    snprintf(a->message, sizeof(a->message),
             "Write \"x\" \\ to |PLC|=1 ]^\nline2\r\tend \xe2\x82\xac \xe5\x88\xb6\xe5\xbe\xa1 "
             "\xff\xc0\xaf.");
    a->src.has_ip = true;
    assert_int_equal(otw_addr_parse("10.0.0.5", &a->src.ip), 0);
    a->src.port = 50123;
    a->src.has_mac = true;
    memcpy(a->src.mac, "\x00\x0e\x8c\x01\x02\x03", 6);
    a->dst.has_ip = true;
    assert_int_equal(otw_addr_parse("2001:db8::1", &a->dst.ip), 0);
    a->dst.port = 502;
}

static otw_siem_opts opts(otw_syslog_fmt f, otw_syslog_hdr h)
{
    return (otw_siem_opts){.format = f,
                           .header = h,
                           .leef_delimiter = '\t',
                           .hostname = "sensor1",
                           .app = "otwatch",
                           .pid = 7,
                           .version = "1.2.3"};
}

static void check_payload(const otw_siem_opts *o, const otw_alert *a, const char *want)
{
    char out[4096];
    size_t n = otw_siem_payload(o, a, out, sizeof(out));
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
    /* Never a raw line break, whatever came from the wire. */
    assert_null(memchr(out, '\n', n));
    assert_null(memchr(out, '\r', n));
}

static void test_hostile_payloads(void **state)
{
    (void)state;
    otw_alert a;
    hostile_alert(&a);
    otw_siem_opts o = opts(OTW_SYSLOG_FMT_RFC5424, OTW_SYSLOG_HDR_RFC5424);
    check_payload(&o, &a, want_sd);
    o.format = OTW_SYSLOG_FMT_CEF;
    check_payload(&o, &a, want_cef);
    o.format = OTW_SYSLOG_FMT_LEEF;
    check_payload(&o, &a, want_leef);
    o.format = OTW_SYSLOG_FMT_ECS;
    check_payload(&o, &a, want_ecs);
    o.format = OTW_SYSLOG_FMT_TEXT;
    check_payload(&o, &a, want_text);
    /* A declared delimiter: '^' in a value becomes a space. */
    o.format = OTW_SYSLOG_FMT_LEEF;
    o.leef_delimiter = '^';
    check_payload(&o, &a, want_leef_caret);
}

static void test_hostile_messages(void **state)
{
    (void)state;
    otw_alert a;
    char out[4096];
    hostile_alert(&a);
    setenv("TZ", "UTC", 1);
    tzset();
    otw_siem_opts o = opts(OTW_SYSLOG_FMT_RFC5424, OTW_SYSLOG_HDR_RFC5424);
    assert_int_equal(otw_siem_message(&o, &a, out, sizeof(out)), strlen(want_msg_5424));
    assert_string_equal(out, want_msg_5424);
    o.format = OTW_SYSLOG_FMT_CEF;
    assert_int_equal(otw_siem_message(&o, &a, out, sizeof(out)), strlen(want_msg_5424_cef));
    assert_string_equal(out, want_msg_5424_cef);
    o = opts(OTW_SYSLOG_FMT_TEXT, OTW_SYSLOG_HDR_RFC3164);
    assert_int_equal(otw_siem_message(&o, &a, out, sizeof(out)), strlen(want_msg_3164_text));
    assert_string_equal(out, want_msg_3164_text);
}

static void test_minimal_alert(void **state)
{
    (void)state;
    otw_alert m;
    memset(&m, 0, sizeof(m));
    snprintf(m.type, sizeof(m.type), "DEVICE_SILENT");
    m.severity = OTW_SEV_INFO;
    m.id = 1;
    m.count = 1;
    m.first_us = m.last_us = 1795449670123456ULL;
    m.src.has_mac = true;
    memcpy(m.src.mac, "\xaa\xbb\xcc\x00\x11\x22", 6);
    otw_siem_opts o = opts(OTW_SYSLOG_FMT_RFC5424, OTW_SYSLOG_HDR_RFC5424);
    o.hostname = "";
    o.pid = 0;
    check_payload(&o, &m, min_sd);
    o.format = OTW_SYSLOG_FMT_CEF;
    check_payload(&o, &m, min_cef);
    o.format = OTW_SYSLOG_FMT_LEEF;
    check_payload(&o, &m, min_leef);
    o.format = OTW_SYSLOG_FMT_ECS;
    check_payload(&o, &m, min_ecs);
    o.format = OTW_SYSLOG_FMT_TEXT;
    check_payload(&o, &m, min_text);
}

static void test_buffer_limits(void **state)
{
    (void)state;
    otw_alert a;
    char out[4096];
    hostile_alert(&a);
    for (int f = OTW_SYSLOG_FMT_RFC5424; f <= OTW_SYSLOG_FMT_TEXT; f++) {
        otw_siem_opts o = opts((otw_syslog_fmt)f, OTW_SYSLOG_HDR_RFC5424);
        size_t full = otw_siem_payload(&o, &a, out, sizeof(out));
        assert_true(full > 0);
        /* One byte short of room for the NUL: nothing, never a cut record. */
        memset(out, 'Z', sizeof(out));
        assert_int_equal(otw_siem_payload(&o, &a, out, full), 0);
        assert_int_equal(otw_siem_payload(&o, &a, out, full + 1), full);
        assert_int_equal(otw_siem_payload(&o, &a, out, 0), 0);
        /* Structured payloads are sent whole or not at all. */
        if (f != OTW_SYSLOG_FMT_RFC5424) {
            size_t m = otw_siem_message(&o, &a, out, sizeof(out));
            assert_true(m > full);
            assert_int_equal(otw_siem_message(&o, &a, out, m), 0);
        }
    }
}

/* Every technique id written in sensor/ (its layers' folders too) and
 * baselines/, sources and headers (the alert type table), has a name. */
static void scan_dir(const char *dir, int *checked)
{
    char path[1024];
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (e->d_type == DT_DIR && e->d_name[0] != '.') {
            scan_dir(path, checked);
            continue;
        }
        if (l < 3 || (strcmp(e->d_name + l - 2, ".c") != 0 && strcmp(e->d_name + l - 2, ".h") != 0))
            continue;
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        char line[1024];
        while (fgets(line, sizeof(line), f)) {
            for (char *p = strstr(line, "\"T0"); p; p = strstr(p + 1, "\"T0")) {
                char id[6];
                if (strspn(p + 2, "0123456789") != 4 || p[6] != '"')
                    continue;
                memcpy(id, p + 1, 5);
                id[5] = '\0';
                if (!otw_attack_ics_name(id))
                    fail_msg("%s: technique %s has no name in siem_format.c", path, id);
                (*checked)++;
            }
        }
        fclose(f);
    }
    closedir(d);
}

static void test_technique_names(void **state)
{
    (void)state;
    assert_string_equal(otw_attack_ics_name("T0843"), "Program Download");
    assert_string_equal(otw_attack_ics_name("T0858"), "Change Operating Mode");
    assert_string_equal(otw_attack_ics_name("T0812"), "Default Credentials");
    assert_string_equal(otw_attack_ics_name("T0848"), "Rogue Master");
    assert_string_equal(otw_attack_ics_name("T0886"), "Remote Services");
    assert_string_equal(otw_attack_ics_name("T0846"), "Remote System Discovery");
    assert_null(otw_attack_ics_name("T9999"));
    assert_null(otw_attack_ics_name(""));
    assert_null(otw_attack_ics_name(NULL));
    int checked = 0;
#ifdef OTW_SOURCE_DIR
    scan_dir(OTW_SOURCE_DIR "/sensor", &checked);
    scan_dir(OTW_SOURCE_DIR "/baselines", &checked);
    assert_true(checked >= 10);
#endif
    (void)checked;
}

static void test_helpers(void **state)
{
    (void)state;
    assert_string_equal(otw_siem_transport("modbus"), "tcp");
    assert_string_equal(otw_siem_transport("MODBUS"), "tcp");
    assert_string_equal(otw_siem_transport("bacnet"), "udp");
    assert_null(otw_siem_transport("no-such-protocol"));
    assert_null(otw_siem_transport(""));
    assert_int_equal(otw_siem_cef_severity(OTW_SEV_CRITICAL), 10);
    assert_int_equal(otw_siem_cef_severity((otw_severity)99), 1);
    assert_int_equal(otw_siem_ecs_severity(OTW_SEV_MEDIUM), 47);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_payloads), cmocka_unit_test(test_hostile_messages),
        cmocka_unit_test(test_minimal_alert),    cmocka_unit_test(test_buffer_limits),
        cmocka_unit_test(test_technique_names),  cmocka_unit_test(test_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
