/* siem_format.c - alert payloads for SIEMs; see siem_format.h.
 *
 * Specifications: RFC 5424 6.3.3 (SD-PARAM escaping); ArcSight Common Event
 * Format Implementation Standard (CEF:0 header and extension escaping, the
 * extension dictionary: rt, start, end, cnt, externalId, src, dst, spt,
 * dpt, smac, dmac, proto, app, dvchost, cs1..cs3, c6a2/c6a3); IBM QRadar
 * LEEF 2.0 (header with a declared delimiter, predefined attributes
 * devTime, devTimeFormat, sev, cat, src, dst, srcPort, dstPort, srcMAC,
 * dstMAC, proto); Elastic Common Schema 8.x field names.
 */
#include "siem_format.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dissector.h"
#include "jsonw.h"
#include "syslog_out.h"
#include "wbuf.h"

#define SD_ID "otwatch@32473"
#define ECS_VERSION "8.11.0"
#define ATTACK_ICS "MITRE ATT&CK for ICS"

/* ---- technique names (MITRE ATT&CK for ICS) ---- */

static const struct {
    const char *id, *name;
} techniques[] = {
    {"T0800", "Activate Firmware Update Mode"},
    {"T0801", "Monitor Process State"},
    {"T0802", "Automated Collection"},
    {"T0803", "Block Command Message"},
    {"T0804", "Block Reporting Message"},
    {"T0805", "Block Serial COM"},
    {"T0806", "Brute Force I/O"},
    {"T0807", "Command-Line Interface"},
    {"T0809", "Data Destruction"},
    {"T0811", "Data from Information Repositories"},
    {"T0812", "Default Credentials"},
    {"T0813", "Denial of Control"},
    {"T0814", "Denial of Service"},
    {"T0815", "Denial of View"},
    {"T0816", "Device Restart/Shutdown"},
    {"T0817", "Drive-by Compromise"},
    {"T0819", "Exploit Public-Facing Application"},
    {"T0820", "Exploitation for Evasion"},
    {"T0821", "Modify Controller Tasking"},
    {"T0822", "External Remote Services"},
    {"T0823", "Graphical User Interface"},
    {"T0826", "Loss of Availability"},
    {"T0827", "Loss of Control"},
    {"T0828", "Loss of Productivity and Revenue"},
    {"T0829", "Loss of View"},
    {"T0830", "Adversary-in-the-Middle"},
    {"T0831", "Manipulation of Control"},
    {"T0832", "Manipulation of View"},
    {"T0834", "Native API"},
    {"T0835", "Manipulate I/O Image"},
    {"T0836", "Modify Parameter"},
    {"T0837", "Loss of Protection"},
    {"T0838", "Modify Alarm Settings"},
    {"T0839", "Module Firmware"},
    {"T0840", "Network Connection Enumeration"},
    {"T0842", "Network Sniffing"},
    {"T0843", "Program Download"},
    {"T0845", "Program Upload"},
    {"T0846", "Remote System Discovery"},
    {"T0847", "Replication Through Removable Media"},
    {"T0848", "Rogue Master"},
    {"T0849", "Masquerading"},
    {"T0851", "Rootkit"},
    {"T0852", "Screen Capture"},
    {"T0853", "Scripting"},
    {"T0855", "Unauthorized Command Message"},
    {"T0856", "Spoof Reporting Message"},
    {"T0857", "System Firmware"},
    {"T0858", "Change Operating Mode"},
    {"T0859", "Valid Accounts"},
    {"T0860", "Wireless Compromise"},
    {"T0861", "Point & Tag Identification"},
    {"T0862", "Supply Chain Compromise"},
    {"T0863", "User Execution"},
    {"T0864", "Transient Cyber Asset"},
    {"T0865", "Spearphishing Attachment"},
    {"T0866", "Exploitation of Remote Services"},
    {"T0867", "Lateral Tool Transfer"},
    {"T0868", "Detect Operating Mode"},
    {"T0869", "Standard Application Layer Protocol"},
    {"T0871", "Execution through API"},
    {"T0872", "Indicator Removal on Host"},
    {"T0873", "Project File Infection"},
    {"T0874", "Hooking"},
    {"T0877", "I/O Module Discovery"},
    {"T0878", "Alarm Suppression"},
    {"T0879", "Damage to Property"},
    {"T0880", "Loss of Safety"},
    {"T0881", "Service Stop"},
    {"T0882", "Theft of Operational Information"},
    {"T0883", "Internet Accessible Device"},
    {"T0884", "Connection Proxy"},
    {"T0885", "Commonly Used Port"},
    {"T0886", "Remote Services"},
    {"T0887", "Wireless Sniffing"},
    {"T0888", "Remote System Information Discovery"},
    {"T0889", "Modify Program"},
    {"T0890", "Exploitation for Privilege Escalation"},
    {"T0891", "Hardcoded Credentials"},
    {"T0892", "Change Credential"},
    {"T0893", "Data from Local System"},
    {"T0894", "System Binary Proxy Execution"},
    {"T0895", "Autorun Image"},
};

const char *otw_attack_ics_name(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < sizeof(techniques) / sizeof(techniques[0]); i++)
        if (strcmp(techniques[i].id, id) == 0)
            return techniques[i].name;
    return NULL;
}

const char *otw_siem_transport(const char *protocol)
{
    size_t n;
    const otw_dissector *const *all = otw_dissectors(&n);
    if (!protocol || !protocol[0])
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!all[i] || !all[i]->name || strcasecmp(all[i]->name, protocol) != 0)
            continue;
        bool tcp = all[i]->tcp_ports[0] != 0, udp = all[i]->udp_ports[0] != 0;
        return tcp && !udp ? "tcp" : udp && !tcp ? "udp" : NULL;
    }
    return NULL;
}

int otw_siem_cef_severity(otw_severity s)
{
    static const int map[] = {1, 3, 5, 8, 10};
    return (unsigned)s <= OTW_SEV_CRITICAL ? map[s] : 1;
}

/* Elastic Security's severity bands (low 21, medium 47, high 73, critical 99). */
int otw_siem_ecs_severity(otw_severity s)
{
    static const int map[] = {1, 21, 47, 73, 99};
    return (unsigned)s <= OTW_SEV_CRITICAL ? map[s] : 1;
}

/* ---- escaping ---- */

typedef enum esc {
    ESC_TEXT,     /* controls -> space */
    ESC_SD,       /* RFC 5424 PARAM-VALUE: '"' '\' ']' get a backslash */
    ESC_CEF_HDR,  /* '|' '\' get a backslash; controls -> space */
    ESC_CEF_EXT,  /* '\' '=' get a backslash; LF -> \n, CR -> \r */
    ESC_LEEF_VAL, /* the delimiter and controls -> space (no escape exists) */
    ESC_LEEF_HDR, /* '|' '\' -> '_', controls -> space */
} esc;

static void put_esc(otw_wbuf *b, const char *str, esc mode, char delim)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    size_t n = strlen((const char *)s), i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c >= 0x80) {
            size_t bad = 0, adv = otw_utf8_seq(s + i, n - i, &bad);
            if (adv) {
                otw_wbuf_put(b, s + i, adv);
                i += adv;
            } else {
                otw_wbuf_put(b, "\xEF\xBF\xBD", 3); /* U+FFFD */
                i += bad;
            }
            continue;
        }
        i++;
        bool ctl = c < 0x20 || c == 0x7f;
        switch (mode) {
        case ESC_SD:
            if (c == '"' || c == '\\' || c == ']')
                otw_wbuf_putc(b, '\\');
            break;
        case ESC_CEF_HDR:
            if (c == '|' || c == '\\')
                otw_wbuf_putc(b, '\\');
            break;
        case ESC_CEF_EXT:
            if (c == '\\' || c == '=') {
                otw_wbuf_putc(b, '\\');
            } else if (c == '\n' || c == '\r') {
                otw_wbuf_putc(b, '\\');
                otw_wbuf_putc(b, c == '\n' ? 'n' : 'r');
                continue;
            }
            break;
        case ESC_LEEF_VAL:
            if ((char)c == delim)
                c = ' ';
            break;
        case ESC_LEEF_HDR:
            if (c == '|' || c == '\\')
                c = '_';
            break;
        case ESC_TEXT:
            break;
        }
        otw_wbuf_putc(b, ctl ? ' ' : (char)c);
    }
}

/* ---- alert fields as text ---- */

static const char *ip_text(const otw_endpoint *e, char *buf, size_t sz)
{
    return e->has_ip ? otw_addr_str(&e->ip, buf, sz) : NULL;
}

static bool is_v4(const otw_endpoint *e)
{
    return e->has_ip && otw_addr_is_v4(&e->ip);
}

static const char *mac_text(const otw_endpoint *e, char *buf, size_t sz)
{
    return e->has_mac ? otw_mac_str(e->mac, buf, sz) : NULL;
}

/* "10.0.0.1:502", "[fe80::1]:502", "10.0.0.1", a MAC, or "-". */
static void put_endpoint(otw_wbuf *b, const otw_endpoint *e)
{
    char ip[64], mac[32];
    if (e->has_ip) {
        bool v6 = !otw_addr_is_v4(&e->ip);
        if (v6 && e->port)
            otw_wbuf_putc(b, '[');
        otw_wbuf_puts(b, ip_text(e, ip, sizeof(ip)));
        if (v6 && e->port)
            otw_wbuf_putc(b, ']');
        if (e->port) {
            otw_wbuf_putc(b, ':');
            otw_wbuf_putu(b, e->port);
        }
    } else if (e->has_mac) {
        otw_wbuf_puts(b, mac_text(e, mac, sizeof(mac)));
    } else {
        otw_wbuf_putc(b, '-');
    }
}

/* ---- rfc5424 structured data ---- */

static void put_sd(otw_wbuf *b, const otw_alert *a)
{
    char src[64] = "-", dst[64] = "-";
    if (a->src.has_ip)
        otw_addr_str(&a->src.ip, src, sizeof(src));
    if (a->dst.has_ip)
        otw_addr_str(&a->dst.ip, dst, sizeof(dst));
    otw_wbuf_puts(b, "[" SD_ID " id=\"");
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)a->id);
    otw_wbuf_puts(b, id);
    otw_wbuf_puts(b, "\" type=\"");
    put_esc(b, a->type, ESC_SD, 0);
    otw_wbuf_puts(b, "\" severity=\"");
    otw_wbuf_puts(b, otw_severity_name(a->severity));
    otw_wbuf_puts(b, "\" src=\"");
    otw_wbuf_puts(b, src);
    otw_wbuf_puts(b, "\" dst=\"");
    otw_wbuf_puts(b, dst);
    otw_wbuf_puts(b, "\" protocol=\"");
    put_esc(b, a->protocol[0] ? a->protocol : "-", ESC_SD, 0);
    otw_wbuf_puts(b, "\" technique=\"");
    put_esc(b, a->technique[0] ? a->technique : "-", ESC_SD, 0);
    otw_wbuf_puts(b, "\" count=\"");
    otw_wbuf_putu(b, a->count);
    otw_wbuf_puts(b, "\"]");
}

/* ---- CEF ---- */

static void cef_ext(otw_wbuf *b, bool *first, const char *key, const char *val)
{
    if (!val)
        return;
    if (!*first)
        otw_wbuf_putc(b, ' ');
    *first = false;
    otw_wbuf_puts(b, key);
    otw_wbuf_putc(b, '=');
    put_esc(b, val, ESC_CEF_EXT, 0);
}

static void cef_ext_u(otw_wbuf *b, bool *first, const char *key, uint64_t v)
{
    char tmp[24];
    snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
    cef_ext(b, first, key, tmp);
}

static void put_cef(otw_wbuf *b, const otw_siem_opts *o, const otw_alert *a)
{
    char ip[64], mac[32];
    const char *tname = otw_attack_ics_name(a->technique);
    const char *transport = otw_siem_transport(a->protocol);
    bool first = true;
    otw_wbuf_puts(b, "CEF:0|");
    put_esc(b, "otwatch", ESC_CEF_HDR, 0);
    otw_wbuf_putc(b, '|');
    put_esc(b, "otwatch", ESC_CEF_HDR, 0);
    otw_wbuf_putc(b, '|');
    put_esc(b, o->version, ESC_CEF_HDR, 0);
    otw_wbuf_putc(b, '|');
    put_esc(b, a->type, ESC_CEF_HDR, 0);
    otw_wbuf_putc(b, '|');
    put_esc(b, a->message[0] ? a->message : a->type, ESC_CEF_HDR, 0);
    otw_wbuf_putc(b, '|');
    otw_wbuf_putu(b, (uint64_t)otw_siem_cef_severity(a->severity));
    otw_wbuf_putc(b, '|');
    cef_ext_u(b, &first, "rt", a->first_us / 1000);
    cef_ext_u(b, &first, "start", a->first_us / 1000);
    cef_ext_u(b, &first, "end", a->last_us / 1000);
    cef_ext_u(b, &first, "cnt", a->count);
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)a->id);
    cef_ext(b, &first, "externalId", id);
    if (is_v4(&a->src))
        cef_ext(b, &first, "src", ip_text(&a->src, ip, sizeof(ip)));
    if (a->src.port)
        cef_ext_u(b, &first, "spt", a->src.port);
    cef_ext(b, &first, "smac", mac_text(&a->src, mac, sizeof(mac)));
    if (is_v4(&a->dst))
        cef_ext(b, &first, "dst", ip_text(&a->dst, ip, sizeof(ip)));
    if (a->dst.port)
        cef_ext_u(b, &first, "dpt", a->dst.port);
    cef_ext(b, &first, "dmac", mac_text(&a->dst, mac, sizeof(mac)));
    if (a->src.has_ip && !is_v4(&a->src)) {
        cef_ext(b, &first, "c6a2", ip_text(&a->src, ip, sizeof(ip)));
        cef_ext(b, &first, "c6a2Label", "Source IPv6 Address");
    }
    if (a->dst.has_ip && !is_v4(&a->dst)) {
        cef_ext(b, &first, "c6a3", ip_text(&a->dst, ip, sizeof(ip)));
        cef_ext(b, &first, "c6a3Label", "Destination IPv6 Address");
    }
    if (transport)
        cef_ext(b, &first, "proto", strcmp(transport, "tcp") == 0 ? "TCP" : "UDP");
    if (a->protocol[0])
        cef_ext(b, &first, "app", a->protocol);
    cef_ext(b, &first, "dvchost", o->hostname && o->hostname[0] ? o->hostname : NULL);
    if (a->technique[0]) {
        cef_ext(b, &first, "cs1", a->technique);
        cef_ext(b, &first, "cs1Label", ATTACK_ICS " technique");
        if (tname) {
            cef_ext(b, &first, "cs2", tname);
            cef_ext(b, &first, "cs2Label", ATTACK_ICS " technique name");
        }
    }
    if (a->key[0]) {
        cef_ext(b, &first, "cs3", a->key);
        cef_ext(b, &first, "cs3Label", "otwatch key");
    }
    cef_ext(b, &first, "msg", a->message[0] ? a->message : NULL);
}

/* ---- LEEF 2.0 ---- */

static void leef_attr(otw_wbuf *b, const otw_siem_opts *o, bool *first, const char *key,
                      const char *val)
{
    if (!val)
        return;
    if (!*first)
        otw_wbuf_putc(b, o->leef_delimiter);
    *first = false;
    otw_wbuf_puts(b, key);
    otw_wbuf_putc(b, '=');
    put_esc(b, val, ESC_LEEF_VAL, o->leef_delimiter);
}

static void leef_attr_u(otw_wbuf *b, const otw_siem_opts *o, bool *first, const char *key,
                        uint64_t v)
{
    char tmp[24];
    snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
    leef_attr(b, o, first, key, tmp);
}

static void put_leef(otw_wbuf *b, const otw_siem_opts *o, const otw_alert *a)
{
    char ip[64], mac[32], ts[32];
    const char *tname = otw_attack_ics_name(a->technique);
    const char *transport = otw_siem_transport(a->protocol);
    bool first = true;
    otw_wbuf_puts(b, "LEEF:2.0|");
    put_esc(b, "otwatch", ESC_LEEF_HDR, 0);
    otw_wbuf_putc(b, '|');
    put_esc(b, "otwatch", ESC_LEEF_HDR, 0);
    otw_wbuf_putc(b, '|');
    put_esc(b, o->version, ESC_LEEF_HDR, 0);
    otw_wbuf_putc(b, '|');
    put_esc(b, a->type, ESC_LEEF_HDR, 0);
    otw_wbuf_putc(b, '|');
    if (o->leef_delimiter == '\t') {
        otw_wbuf_puts(b, "x09");
    } else {
        otw_wbuf_putc(b, o->leef_delimiter);
    }
    otw_wbuf_putc(b, '|');
    /* devTime: "2024-05-01T10:00:00.123+0000" (devTimeFormat below). */
    otw_format_ts(a->first_us, ts);
    memcpy(ts + 23, "+0000", 6);
    leef_attr(b, o, &first, "devTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
    leef_attr(b, o, &first, "devTime", ts);
    leef_attr_u(b, o, &first, "sev", (uint64_t)otw_siem_cef_severity(a->severity));
    leef_attr(b, o, &first, "cat", a->type);
    leef_attr(b, o, &first, "src", ip_text(&a->src, ip, sizeof(ip)));
    if (a->src.port)
        leef_attr_u(b, o, &first, "srcPort", a->src.port);
    leef_attr(b, o, &first, "srcMAC", mac_text(&a->src, mac, sizeof(mac)));
    leef_attr(b, o, &first, "dst", ip_text(&a->dst, ip, sizeof(ip)));
    if (a->dst.port)
        leef_attr_u(b, o, &first, "dstPort", a->dst.port);
    leef_attr(b, o, &first, "dstMAC", mac_text(&a->dst, mac, sizeof(mac)));
    if (transport)
        leef_attr(b, o, &first, "proto", strcmp(transport, "tcp") == 0 ? "TCP" : "UDP");
    if (a->protocol[0])
        leef_attr(b, o, &first, "application", a->protocol);
    leef_attr(b, o, &first, "identHostName", o->hostname && o->hostname[0] ? o->hostname : NULL);
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)a->id);
    leef_attr(b, o, &first, "alertId", id);
    leef_attr(b, o, &first, "severity", otw_severity_name(a->severity));
    leef_attr_u(b, o, &first, "count", a->count);
    if (a->technique[0]) {
        leef_attr(b, o, &first, "technique", a->technique);
        leef_attr(b, o, &first, "techniqueName", tname);
    }
    if (a->key[0])
        leef_attr(b, o, &first, "key", a->key);
    leef_attr(b, o, &first, "msg", a->message[0] ? a->message : NULL);
}

/* ---- ECS JSON ---- */

/* ECS MAC notation (RFC 7042): uppercase, hyphen-separated. */
static void ecs_mac(otw_jsonw *w, const uint8_t m[6])
{
    char s[18];
    snprintf(s, sizeof(s), "%02X-%02X-%02X-%02X-%02X-%02X", m[0], m[1], m[2], m[3], m[4], m[5]);
    jw_str(w, s);
}

static void ecs_endpoint(otw_jsonw *w, const char *name, const otw_endpoint *e)
{
    char ip[64];
    if (!e->has_ip && !e->has_mac && !e->port)
        return;
    jw_key(w, name);
    jw_obj_begin(w);
    if (e->has_ip) {
        jw_key(w, "ip");
        jw_str(w, otw_addr_str(&e->ip, ip, sizeof(ip)));
    }
    if (e->has_mac) {
        jw_key(w, "mac");
        ecs_mac(w, e->mac);
    }
    if (e->port) {
        jw_key(w, "port");
        jw_u64(w, e->port);
    }
    jw_obj_end(w);
}

static void ecs_event(otw_jsonw *w, const otw_alert *a)
{
    char id[24];
    jw_key(w, "event");
    jw_obj_begin(w);
    jw_key(w, "kind");
    jw_str(w, "alert");
    jw_key(w, "category");
    jw_arr_begin(w);
    jw_str(w, "network");
    jw_str(w, "intrusion_detection");
    jw_arr_end(w);
    jw_key(w, "type");
    jw_arr_begin(w);
    jw_str(w, "info");
    jw_arr_end(w);
    jw_key(w, "severity");
    jw_u64(w, (uint64_t)otw_siem_ecs_severity(a->severity));
    jw_key(w, "created");
    jw_ts(w, a->first_us);
    jw_key(w, "start");
    jw_ts(w, a->first_us);
    jw_key(w, "end");
    jw_ts(w, a->last_us);
    snprintf(id, sizeof(id), "%lld", (long long)a->id);
    jw_key(w, "id");
    jw_str(w, id);
    jw_key(w, "code");
    jw_str(w, a->type);
    jw_key(w, "module");
    jw_str(w, "otwatch");
    jw_key(w, "dataset");
    jw_str(w, "otwatch.alert");
    jw_obj_end(w);
}

static void ecs_rule(otw_jsonw *w, const otw_alert *a)
{
    jw_key(w, "rule");
    jw_obj_begin(w);
    jw_key(w, "id");
    jw_str(w, a->type);
    jw_key(w, "name");
    jw_str(w, a->type);
    jw_obj_end(w);
}

/* Left out when neither the protocol nor its transport is known. */
static void ecs_network(otw_jsonw *w, const otw_alert *a)
{
    char proto[32];
    const char *transport = otw_siem_transport(a->protocol);
    if (!a->protocol[0] && !transport)
        return;
    jw_key(w, "network");
    jw_obj_begin(w);
    if (a->protocol[0]) {
        /* ECS: lowercase. */
        size_t i = 0;
        for (; a->protocol[i] && i < sizeof(proto) - 1; i++) {
            char c = a->protocol[i];
            proto[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
        }
        proto[i] = '\0';
        jw_key(w, "protocol");
        jw_str(w, proto);
    }
    if (transport) {
        jw_key(w, "transport");
        jw_str(w, transport);
    }
    jw_obj_end(w);
}

static void ecs_observer(otw_jsonw *w, const otw_siem_opts *o)
{
    jw_key(w, "observer");
    jw_obj_begin(w);
    jw_key(w, "vendor");
    jw_str(w, "otwatch");
    jw_key(w, "product");
    jw_str(w, "otwatch");
    jw_key(w, "version");
    jw_str(w, o->version);
    jw_key(w, "type");
    jw_str(w, "ids");
    if (o->hostname && o->hostname[0]) {
        jw_key(w, "hostname");
        jw_str(w, o->hostname);
    }
    jw_obj_end(w);
}

/* Only for alerts that name an ATT&CK for ICS technique. */
static void ecs_threat(otw_jsonw *w, const otw_alert *a)
{
    const char *tname = otw_attack_ics_name(a->technique);
    if (!a->technique[0])
        return;
    jw_key(w, "threat");
    jw_obj_begin(w);
    jw_key(w, "framework");
    jw_str(w, ATTACK_ICS);
    jw_key(w, "technique");
    jw_obj_begin(w);
    jw_key(w, "id");
    jw_arr_begin(w);
    jw_str(w, a->technique);
    jw_arr_end(w);
    if (tname) {
        jw_key(w, "name");
        jw_arr_begin(w);
        jw_str(w, tname);
        jw_arr_end(w);
    }
    jw_obj_end(w);
    jw_obj_end(w);
}

/* Our own fields, for what ECS has no place for. */
static void ecs_otwatch(otw_jsonw *w, const otw_alert *a)
{
    jw_key(w, "otwatch");
    jw_obj_begin(w);
    jw_key(w, "alert_id");
    jw_i64(w, a->id);
    jw_key(w, "type");
    jw_str(w, a->type);
    jw_key(w, "severity");
    jw_str(w, otw_severity_name(a->severity));
    jw_key(w, "key");
    jw_str(w, a->key);
    jw_key(w, "count");
    jw_u64(w, a->count);
    jw_obj_end(w);
}

static size_t put_ecs(char *out, size_t outsz, const otw_siem_opts *o, const otw_alert *a)
{
    otw_jsonw w;
    jw_init(&w, out, outsz);
    jw_obj_begin(&w);
    jw_key(&w, "@timestamp");
    jw_ts(&w, a->first_us);
    jw_key(&w, "ecs");
    jw_obj_begin(&w);
    jw_key(&w, "version");
    jw_str(&w, ECS_VERSION);
    jw_obj_end(&w);
    ecs_event(&w, a);
    ecs_rule(&w, a);
    jw_key(&w, "message");
    jw_str(&w, a->message);
    ecs_endpoint(&w, "source", &a->src);
    ecs_endpoint(&w, "destination", &a->dst);
    ecs_network(&w, a);
    ecs_observer(&w, o);
    ecs_threat(&w, a);
    ecs_otwatch(&w, a);
    jw_obj_end(&w);
    return jw_finish(&w) ? w.len : 0;
}

/* ---- text ---- */

static void put_text_line(otw_wbuf *b, const otw_alert *a)
{
    const char *tname = otw_attack_ics_name(a->technique);
    otw_wbuf_putc(b, '[');
    otw_wbuf_puts(b, otw_severity_name(a->severity));
    otw_wbuf_puts(b, "] ");
    put_esc(b, a->type, ESC_TEXT, 0);
    otw_wbuf_putc(b, ' ');
    put_endpoint(b, &a->src);
    otw_wbuf_puts(b, " -> ");
    put_endpoint(b, &a->dst);
    if (a->protocol[0]) {
        otw_wbuf_putc(b, ' ');
        put_esc(b, a->protocol, ESC_TEXT, 0);
    }
    if (a->technique[0]) {
        otw_wbuf_putc(b, ' ');
        put_esc(b, a->technique, ESC_TEXT, 0);
        if (tname) {
            otw_wbuf_puts(b, " (");
            otw_wbuf_puts(b, tname);
            otw_wbuf_putc(b, ')');
        }
    }
    if (a->message[0]) {
        otw_wbuf_puts(b, ": ");
        put_esc(b, a->message, ESC_TEXT, 0);
    }
    otw_wbuf_puts(b, " (alert ");
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)a->id);
    otw_wbuf_puts(b, id);
    otw_wbuf_puts(b, ", count ");
    otw_wbuf_putu(b, a->count);
    otw_wbuf_putc(b, ')');
}

size_t otw_siem_payload(const otw_siem_opts *o, const otw_alert *a, char *out, size_t outsz)
{
    otw_wbuf b = {.p = out, .cap = outsz};
    if (!out || outsz == 0)
        return 0;
    switch (o->format) {
    case OTW_SYSLOG_FMT_ECS:
        return put_ecs(out, outsz, o, a);
    case OTW_SYSLOG_FMT_CEF:
        put_cef(&b, o, a);
        break;
    case OTW_SYSLOG_FMT_LEEF:
        put_leef(&b, o, a);
        break;
    case OTW_SYSLOG_FMT_TEXT:
        put_text_line(&b, a);
        break;
    case OTW_SYSLOG_FMT_RFC5424:
    default:
        put_sd(&b, a);
        if (a->message[0]) {
            otw_wbuf_putc(&b, ' ');
            put_esc(&b, a->message, ESC_TEXT, 0);
        }
        break;
    }
    if (b.full)
        return 0;
    out[b.len] = '\0';
    return b.len;
}

size_t otw_siem_message(const otw_siem_opts *o, const otw_alert *a, char *out, size_t outsz)
{
    int sev = otw_severity_syslog(a->severity);
    if (o->header == OTW_SYSLOG_HDR_RFC5424 && o->format == OTW_SYSLOG_FMT_RFC5424) {
        /* Structured data in its place (RFC 5424 6.3), the text as MSG. */
        char src[64] = "-", dst[64] = "-", count[24], id[24];
        if (a->src.has_ip)
            otw_addr_str(&a->src.ip, src, sizeof(src));
        if (a->dst.has_ip)
            otw_addr_str(&a->dst.ip, dst, sizeof(dst));
        snprintf(count, sizeof(count), "%llu", (unsigned long long)a->count);
        snprintf(id, sizeof(id), "%lld", (long long)a->id);
        const char *params[] = {"id",        id,
                                "type",      a->type,
                                "severity",  otw_severity_name(a->severity),
                                "src",       src,
                                "dst",       dst,
                                "protocol",  a->protocol[0] ? a->protocol : "-",
                                "technique", a->technique[0] ? a->technique : "-",
                                "count",     count,
                                NULL};
        return otw_syslog_format(out, outsz, o->hostname, o->app, o->pid, sev, a->first_us, a->type,
                                 params, a->message);
    }
    char payload[OTW_SYSLOG_MAX];
    size_t n = otw_siem_payload(o, a, payload, sizeof(payload));
    if (n == 0)
        return 0;
    if (o->header == OTW_SYSLOG_HDR_RFC3164)
        return otw_syslog_format3164(out, outsz, o->hostname, o->app, o->pid, sev, a->first_us,
                                     payload, n);
    return otw_syslog_format_payload(out, outsz, o->hostname, o->app, o->pid, sev, a->first_us,
                                     a->type, payload, n);
}
