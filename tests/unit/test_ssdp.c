/* test_ssdp.c - SSDP identity dissector (protocols/ssdp.c).
 *
 * Messages written after UPnP Device Architecture 2.0 section 1
 * (NOTIFY ssdp:alive 1.2.2, M-SEARCH 1.3.2, search response 1.3.3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ident_test.h"
#include "ssdp.h"

static otw_parse_status run_str(const char *s, otw_dir dir)
{
    rec_reset();
    return ssdp_dissector.parse(NULL, dir, (const uint8_t *)s, strlen(s), 1000, &g_sink);
}

static const char notify_renderer[] =
    "NOTIFY * HTTP/1.1\r\n"
    "HOST: 239.255.255.250:1900\r\n"
    "CACHE-CONTROL: max-age=1800\r\n"
    "LOCATION: http://192.168.1.20:49152/description.xml\r\n"
    "NT: urn:schemas-upnp-org:device:MediaRenderer:1\r\n"
    "NTS: ssdp:alive\r\n"
    "SERVER: Linux/3.14 UPnP/1.0 IpBridge/1.26.0\r\n"
    "USN: uuid:2f402f80-da50-11e1-9b23-001788255acc::urn:schemas-upnp-org:device:"
    "MediaRenderer:1\r\n"
    "\r\n";

static void test_notify(void **state)
{
    (void)state;
    assert_int_equal(run_str(notify_renderer, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ops, 0);
    assert_int_equal(g_rec.n_ids, 1);
    const otw_identity *id = &g_rec.ids[0];
    assert_int_equal(id->protocol, OTW_PROTO_SSDP);
    assert_string_equal(id->device_type, "MediaRenderer");
    assert_string_equal(id->product, "IpBridge");
    assert_string_equal(id->revision, "1.26.0");
    assert_string_equal(id->detail, "location=http://192.168.1.20:49152/description.xml;"
                                    "server=Linux/3.14 UPnP/1.0 IpBridge/1.26.0");
    assert_int_equal(id->role_hint, OTW_HINT_IOT);
    assert_string_equal(id->source, "ssdp notify");
}

/* Search response from a home router: ST names the device type; lower-case
 * header names and bare LF line ends are accepted. */
static void test_response_gateway(void **state)
{
    (void)state;
    const char *m = "HTTP/1.1 200 OK\n"
                    "cache-control: max-age=120\n"
                    "st: urn:schemas-upnp-org:device:InternetGatewayDevice:1\n"
                    "usn: uuid:upnp-InternetGatewayDevice-1_0-c03f0e1ad2f3::urn:schemas-upnp-"
                    "org:device:InternetGatewayDevice:1\n"
                    "location: http://192.168.1.1:1900/igd.xml\n"
                    "server: ipos/7.0 UPnP/1.0 TL-WR940N/5.0\n"
                    "\n";
    assert_int_equal(run_str(m, OTW_DIR_TO_CLIENT), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    assert_string_equal(g_rec.ids[0].device_type, "InternetGatewayDevice");
    assert_int_equal(g_rec.ids[0].role_hint, OTW_HINT_NETWORK);
    assert_string_equal(g_rec.ids[0].product, "TL-WR940N");
    assert_string_equal(g_rec.ids[0].revision, "5.0");
    assert_int_equal(g_rec.ids[0].about, OTW_DIR_TO_CLIENT);
}

/* Device type from USN when NT is upnp:rootdevice; Basic gives no hint;
 * a Windows SERVER header hints it_host. */
static void test_usn_and_hints(void **state)
{
    (void)state;
    const char *m = "NOTIFY * HTTP/1.1\r\n"
                    "NT: upnp:rootdevice\r\n"
                    "USN: uuid:abc::urn:schemas-upnp-org:device:Basic:1\r\n"
                    "SERVER: Microsoft-Windows/10.0 UPnP/1.0 UPnP-Device-Host/1.0\r\n\r\n";
    assert_int_equal(run_str(m, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_string_equal(g_rec.ids[0].device_type, "Basic");
    assert_int_equal(g_rec.ids[0].role_hint, OTW_HINT_IT_HOST);
    assert_string_equal(g_rec.ids[0].product, "UPnP-Device-Host");

    m = "NOTIFY * HTTP/1.1\r\nNT: urn:schemas-upnp-org:device:Basic:1\r\n\r\n";
    assert_int_equal(run_str(m, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.ids[0].role_hint, OTW_HINT_NONE);

    m = "NOTIFY * HTTP/1.1\r\nNT: urn:dial-multiscreen-org:device:dial:1\r\n\r\n";
    assert_int_equal(run_str(m, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.ids[0].role_hint, OTW_HINT_IOT);

    /* service types are not device types; nothing else: no identity */
    m = "NOTIFY * HTTP/1.1\r\nNT: urn:schemas-upnp-org:service:ContentDirectory:1\r\n\r\n";
    assert_int_equal(run_str(m, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);
}

/* M-SEARCH: only a USER-AGENT describes the searcher. */
static void test_msearch(void **state)
{
    (void)state;
    const char *m = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
                    "MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n";
    assert_int_equal(run_str(m, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);
    m = "M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nST: upnp:rootdevice\r\n"
        "USER-AGENT: Android/11 UPnP/1.1 SmartThings/1.7\r\n\r\n";
    assert_int_equal(run_str(m, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    assert_string_equal(g_rec.ids[0].detail, "ua=Android/11 UPnP/1.1 SmartThings/1.7");
    assert_int_equal(g_rec.ids[0].role_hint, OTW_HINT_NONE);
    assert_string_equal(g_rec.ids[0].device_type, "");
    /* Plex GDM's bare "M-SEARCH * HTTP/1.1" */
    assert_int_equal(run_str("M-SEARCH * HTTP/1.1\r\n\r\n", OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);
}

static void test_not_mine_and_hostile(void **state)
{
    (void)state;
    assert_int_equal(run_str("GET / HTTP/1.1\r\n\r\n", OTW_DIR_TO_SERVER), OTW_PARSE_NOT_MINE);
    assert_int_equal(run_str("HTTP/1.1 404 Not Found\r\n\r\n", OTW_DIR_TO_CLIENT),
                     OTW_PARSE_NOT_MINE);
    assert_int_equal(run_str("", OTW_DIR_TO_SERVER), OTW_PARSE_NOT_MINE);
    assert_int_equal(ssdp_dissector.parse(NULL, OTW_DIR_TO_SERVER, NULL, 0, 0, &g_sink),
                     OTW_PARSE_NOT_MINE);
    /* control bytes, no colon, very long values, no final empty line */
    char m[1200];
    strcpy(m, "NOTIFY * HTTP/1.1\r\nnonsense line\r\nSERVER: a\x01\x7f UPnP/1.0 X/");
    size_t n = strlen(m);
    memset(m + n, 'v', 600);
    m[n + 600] = '\0';
    strcat(m, "\r\nNT: urn:x:device:");
    n = strlen(m);
    memset(m + n, 'T', 200);
    m[n + 200] = '\0';
    assert_int_equal(run_str(m, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 1);
    assert_memory_equal(g_rec.ids[0].detail, "server=a?? UPnP/1.0 X/vvv", 25);
    assert_int_equal(strlen(g_rec.ids[0].device_type), sizeof(g_rec.ids[0].device_type) - 1);
    /* many header lines: only the first SSDP_MAX_LINES are read */
    char big[4096] = "NOTIFY * HTTP/1.1\r\n";
    for (int i = 0; i < 100; i++)
        strcat(big, "X-A: b\r\n");
    strcat(big, "NT: urn:schemas-upnp-org:device:Printer:1\r\n\r\n");
    assert_int_equal(run_str(big, OTW_DIR_TO_SERVER), OTW_PARSE_OK);
    assert_int_equal(g_rec.n_ids, 0);
}

static void test_truncation_and_garbage(void **state)
{
    (void)state;
    every_truncation(&ssdp_dissector, (const uint8_t *)notify_renderer,
                     sizeof(notify_renderer) - 1);
    garbage(&ssdp_dissector, (const uint8_t *)notify_renderer, sizeof(notify_renderer) - 1, 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notify),
        cmocka_unit_test(test_response_gateway),
        cmocka_unit_test(test_usn_and_hints),
        cmocka_unit_test(test_msearch),
        cmocka_unit_test(test_not_mine_and_hostile),
        cmocka_unit_test(test_truncation_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
