/* ssdp.c - SSDP identity dissector.
 *
 * Specs: UPnP Device Architecture 2.0 section 1 (1.2 advertisement: NOTIFY
 * with NT/NTS/USN/LOCATION/SERVER; 1.3 search: M-SEARCH with ST/MX/
 * USER-AGENT and the "HTTP/1.1 200 OK" response with ST/USN/LOCATION/
 * SERVER), RFC 7230 section 3 (header field syntax, case-insensitive
 * names). Standard device types from the UPnP Forum device templates.
 *
 * Emitted (no operations): for NOTIFY and search responses, one identity
 * about the sender: device_type = the "<type>" of "urn:...:device:<type>:<v>"
 * in NT (NOTIFY) / ST (response), else in USN; product and revision = the
 * product token after "UPnP/x.y" in SERVER ("IpBridge/1.26.0");
 * detail "location=<LOCATION>;server=<SERVER>"; role hint network for
 * InternetGatewayDevice/WANDevice/WANConnectionDevice/LANDevice/
 * WLANAccessPointDevice, iot for consumer types (MediaRenderer, Printer,
 * DigitalSecurityCamera, BinaryLight, DimmableLight, HVAC_System, DIAL
 * screens), it_host for a "Microsoft-Windows/" SERVER with no device type
 * hint. Basic and MediaServer give no hint (bridges, NAS, PCs use them).
 * An M-SEARCH describes its sender only by USER-AGENT ("ua=..."), if any.
 * Choices: a datagram whose first line is none of the three is NOT_MINE;
 * lines end with CRLF or LF; at most SSDP_MAX_LINES header lines are read.
 */
#include "ssdp.h"

#include "idutil.h"

#include <string.h>

typedef enum { SSDP_NOTIFY, SSDP_SEARCH, SSDP_RESPONSE } ssdp_kind;

typedef struct ssdp_headers {
    char server[128], nt[96], st[96], usn[128], location[96], user_agent[96];
} ssdp_headers;

static const struct {
    const char *type;
    otw_role_hint hint;
} device_types[] = {
    {"InternetGatewayDevice", OTW_HINT_NETWORK},
    {"WANDevice", OTW_HINT_NETWORK},
    {"WANConnectionDevice", OTW_HINT_NETWORK},
    {"LANDevice", OTW_HINT_NETWORK},
    {"WLANAccessPointDevice", OTW_HINT_NETWORK},
    {"MediaRenderer", OTW_HINT_IOT},
    {"Printer", OTW_HINT_IOT},
    {"DigitalSecurityCamera", OTW_HINT_IOT},
    {"BinaryLight", OTW_HINT_IOT},
    {"DimmableLight", OTW_HINT_IOT},
    {"HVAC_System", OTW_HINT_IOT},
    {"dial", OTW_HINT_IOT}, /* urn:dial-multiscreen-org:device:dial:1 (TVs, Chromecast) */
};

/* Length of the line at p (without CR/LF) and of its terminator. */
static size_t line_len(const uint8_t *p, size_t n, size_t *term)
{
    size_t k = 0;
    while (k < n && p[k] != '\n')
        k++;
    *term = k < n ? 1 : 0;
    if (k > 0 && p[k - 1] == '\r') {
        k--;
        (*term)++;
    }
    return k;
}

static bool starts(const uint8_t *p, size_t n, const char *s)
{
    size_t l = strlen(s);
    return n >= l && memcmp(p, s, l) == 0;
}

static bool name_is(const uint8_t *p, size_t n, const char *name)
{
    size_t l = strlen(name);
    if (n != l)
        return false;
    for (size_t i = 0; i < l; i++) {
        uint8_t c = p[i];
        if (c >= 'a' && c <= 'z')
            c = (uint8_t)(c - 'a' + 'A');
        if (c != (uint8_t)name[i])
            return false;
    }
    return true;
}

/* "urn:schemas-upnp-org:device:MediaRenderer:1" -> "MediaRenderer". */
static bool device_type_of(const char *s, char *out, size_t outsz)
{
    const char *p = strstr(s, ":device:");
    if (p == NULL)
        return false;
    p += 8;
    size_t k = 0;
    while (p[k] && p[k] != ':' && k + 1 < outsz) {
        out[k] = p[k];
        k++;
    }
    out[k] = '\0';
    return k > 0;
}

/* SERVER "OS/version UPnP/1.0 product/version": product and revision. */
static void server_product(otw_identity *id, const char *server)
{
    const char *p = server;
    while ((p = strstr(p, "UPnP/")) != NULL) {
        if (p == server || p[-1] == ' ' || p[-1] == ',')
            break;
        p += 5;
    }
    if (p == NULL)
        return;
    while (*p && *p != ' ' && *p != ',')
        p++; /* past "UPnP/1.0" */
    while (*p == ' ' || *p == ',')
        p++;
    size_t k = 0;
    while (p[k] && p[k] != '/' && p[k] != ' ' && k + 1 < sizeof(id->product)) {
        id->product[k] = p[k];
        k++;
    }
    id->product[k] = '\0';
    if (p[k] == '/') {
        const char *v = p + k + 1;
        size_t j = 0;
        while (v[j] && v[j] != ' ' && j + 1 < sizeof(id->revision)) {
            id->revision[j] = v[j];
            j++;
        }
        id->revision[j] = '\0';
    }
}

otw_parse_status ssdp_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink)
{
    (void)session;
    (void)ts_us;
    if (pdu == NULL)
        return OTW_PARSE_NOT_MINE;
    size_t term = 0;
    size_t l = line_len(pdu, len, &term);
    ssdp_kind kind;
    if (starts(pdu, l, "NOTIFY * HTTP/1."))
        kind = SSDP_NOTIFY;
    else if (starts(pdu, l, "M-SEARCH * HTTP/1."))
        kind = SSDP_SEARCH;
    else if (starts(pdu, l, "HTTP/1.1 200") || starts(pdu, l, "HTTP/1.0 200"))
        kind = SSDP_RESPONSE;
    else
        return OTW_PARSE_NOT_MINE;

    ssdp_headers h;
    memset(&h, 0, sizeof(h));
    size_t off = l + term;
    for (unsigned i = 0; i < SSDP_MAX_LINES && off < len; i++) {
        const uint8_t *p = pdu + off;
        l = line_len(p, len - off, &term);
        off += l + term;
        if (l == 0)
            break; /* end of headers */
        size_t c = 0;
        while (c < l && p[c] != ':')
            c++;
        if (c == l)
            continue;
        size_t v = c + 1;
        while (v < l && (p[v] == ' ' || p[v] == '\t'))
            v++;
        const uint8_t *val = p + v;
        size_t vl = l - v;
        while (vl > 0 && (val[vl - 1] == ' ' || val[vl - 1] == '\t'))
            vl--;
        if (name_is(p, c, "SERVER"))
            otw_copy_wire_string(h.server, sizeof(h.server), val, vl);
        else if (name_is(p, c, "NT"))
            otw_copy_wire_string(h.nt, sizeof(h.nt), val, vl);
        else if (name_is(p, c, "ST"))
            otw_copy_wire_string(h.st, sizeof(h.st), val, vl);
        else if (name_is(p, c, "USN"))
            otw_copy_wire_string(h.usn, sizeof(h.usn), val, vl);
        else if (name_is(p, c, "LOCATION"))
            otw_copy_wire_string(h.location, sizeof(h.location), val, vl);
        else if (name_is(p, c, "USER-AGENT"))
            otw_copy_wire_string(h.user_agent, sizeof(h.user_agent), val, vl);
    }

    otw_identity id;
    memset(&id, 0, sizeof(id));
    id.protocol = OTW_PROTO_SSDP;
    id.about = dir;
    if (kind == SSDP_SEARCH) {
        id.source = "ssdp m-search";
        otw_idu_kv(id.detail, sizeof(id.detail), "ua", h.user_agent);
    } else {
        id.source = kind == SSDP_NOTIFY ? "ssdp notify" : "ssdp response";
        const char *type_hdr = kind == SSDP_NOTIFY ? h.nt : h.st;
        if (!device_type_of(type_hdr, id.device_type, sizeof(id.device_type)))
            device_type_of(h.usn, id.device_type, sizeof(id.device_type));
        for (size_t i = 0; i < sizeof(device_types) / sizeof(device_types[0]); i++)
            if (strcmp(id.device_type, device_types[i].type) == 0)
                id.role_hint = device_types[i].hint;
        if (id.role_hint == OTW_HINT_NONE && strncmp(h.server, "Microsoft-Windows/", 18) == 0)
            id.role_hint = OTW_HINT_IT_HOST;
        server_product(&id, h.server);
        otw_idu_kv(id.detail, sizeof(id.detail), "location", h.location);
        otw_idu_kv(id.detail, sizeof(id.detail), "server", h.server);
    }
    if ((id.detail[0] || id.device_type[0] || id.product[0]) && sink != NULL &&
        sink->identity != NULL)
        sink->identity(sink->ctx, &id);
    return OTW_PARSE_OK;
}

const otw_dissector ssdp_dissector = {
    .proto = OTW_PROTO_SSDP,
    .name = "ssdp",
    .tcp_ports = {0},
    .udp_ports = {1900},
    .industrial = false,
    .session_size = 0,
    .parse = ssdp_parse,
};
