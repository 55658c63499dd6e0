/* config.c - sensor configuration: defaults and the YAML loader (config.h).
 *
 * YAML 1.1 via libyaml's document API; the layout is documented key by key
 * in deploy/otwatch.yaml. The loader is strict: unknown or duplicate keys,
 * wrong types and out-of-range values are errors reported as
 * "FILE:LINE: key.path: message" (LINE 1-based). Errors about the file as a
 * whole (cannot open or read it) have no line: "FILE: message".
 * Loading is all-or-nothing: on error the caller's configuration is untouched.
 * A list in the file replaces the default list, it does not extend it.
 *
 * CIDRs (RFC 4632, RFC 4291 section 2.3) are strict: address bits beyond the
 * prefix length must be zero ("10.1.0.0/8" is rejected as a probable typo).
 *
 * Zones and conduits (IEC 62443-3-2 terms) are checked as a whole after the
 * document is read: conduits may name zones defined further down, so zone
 * names are resolved last, each error still pointing at its own line.
 */
#include "config.h"
#include "alerts.h"
#include "dissector.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

/* Where the data files (default credentials, weak passwords) are: baked in
 * at build time (CMake OTW_DATA_DIR: the repository's data/, or the
 * installed share directory). */
#ifndef OTW_DATA_DIR
#define OTW_DATA_DIR "/usr/local/share/otwatch"
#endif

void otw_config_defaults(otw_config *c)
{
    static const char *const local[] = {"10.0.0.0/8",     "172.16.0.0/12", "192.168.0.0/16",
                                        "169.254.0.0/16", "fc00::/7",      "fe80::/10"};
    memset(c, 0, sizeof(*c));
    c->capture_buffer_mb = 64;
    c->snaplen = 65535;
    c->capture_immediate = false;
    c->capture_timeout_ms = 50;
    c->flow_memory_mb = 64;
    c->tcp_timeout_s = 300;
    c->udp_timeout_s = 60;
    c->closed_timeout_s = 10;
    c->ndpi_max_packets = 32;
    c->ndpi_memory_mb = 64;
    c->stream_memory_mb = 32;
    /* Each dissector's default server ports. */
    size_t n_dissectors;
    const otw_dissector *const *all = otw_dissectors(&n_dissectors);
    for (size_t i = 0; i < n_dissectors; i++) {
        if (!all[i] || (unsigned)all[i]->proto >= OTW_PROTO__COUNT)
            continue;
        for (int k = 0; k < OTW_DISSECTOR_MAX_PORTS && k < OTW_MAX_PORTS - 1; k++) {
            c->tcp_ports[all[i]->proto][k] = all[i]->tcp_ports[k];
            c->udp_ports[all[i]->proto][k] = all[i]->udp_ports[k];
        }
    }
    c->request_timeout_s = 10;
    c->dynamic_detection = true;
    for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
        otw_cidr_parse(local[i], &c->local_networks[c->n_local_networks++]);
    c->max_assets = 65536;
    c->max_alerts = 100000;
    c->exception_burst_count = 5;
    c->exception_burst_window_s = 60;
    snprintf(c->alerts_file, sizeof(c->alerts_file), "%s", "alerts.jsonl");
    snprintf(c->web_listen, sizeof(c->web_listen), "%s", "127.0.0.1:8780");
    snprintf(c->ops_log, sizeof(c->ops_log), "%s", "ops.jsonl");
    c->syslog_enabled = false;
    c->syslog_chain_heads = true;
    c->syslog_transport = OTW_SYSLOG_UDP;
    snprintf(c->syslog_host, sizeof(c->syslog_host), "%s", "127.0.0.1");
    c->syslog_port = 514;
    snprintf(c->syslog_app_name, sizeof(c->syslog_app_name), "%s", "otwatch");
    c->syslog_format = OTW_SYSLOG_FMT_RFC5424;
    c->syslog_header = OTW_SYSLOG_HDR_RFC5424;
    c->syslog_leef_delimiter = '\t';
    c->syslog_spool_mb = 64;
    c->syslog_heartbeat_s = 300;
    c->checkpoint_s = 10;
    c->coverage_retention_s = 90 * 86400;
    c->coverage_read_gap_s = 300;
    c->activity_bucket_s = 60;
    c->activity_retention_s = 90 * 86400;
    c->activity_max_mb = 4096;
    c->baseline_learn_for_s = 0;
    c->baseline_device_learn_for_s = 600;
    c->baseline_scan_units = 8;
    c->baseline_scan_functions = 8;
    c->baseline_scan_hosts = 10;
    c->baseline_scan_addresses = 32;
    c->baseline_scan_bad_addresses = 5;
    c->baseline_scan_refused = 10;
    c->baseline_scan_window_s = 60;
    c->baseline_max_channels = 4096;
    c->baseline_max_controllers = 4096;
    c->enforce_max_resets_per_s = 10;
    snprintf(c->creds_defaults_file, sizeof(c->creds_defaults_file), "%s",
             OTW_DATA_DIR "/default_credentials.tsv");
    snprintf(c->creds_weak_file, sizeof(c->creds_weak_file), "%s",
             OTW_DATA_DIR "/weak_passwords.txt");
    c->creds_redact_users = false;
    c->creds_brute_failures = 10;
    c->creds_brute_window_s = 60;
    c->creds_brute_controller_failures = 3;
    c->creds_spray_accounts = 5;
    c->creds_spray_attempts = 3;
    c->creds_spray_window_s = 600;
}

/* ---- CIDR ---- */

enum { CIDR_OK = 0, CIDR_SYNTAX = -1, CIDR_HOSTBITS = -2 };

static int cidr_parse(const char *s, otw_cidr *out)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *slash = strchr(s, '/');
    size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
    otw_cidr c;
    unsigned max, prefix;

    if (hlen == 0 || hlen >= sizeof(host))
        return CIDR_SYNTAX;
    memcpy(host, s, hlen);
    host[hlen] = '\0';
    memset(&c, 0, sizeof(c));
    if (inet_pton(AF_INET, host, c.addr + 12) == 1) {
        c.addr[10] = 0xff;
        c.addr[11] = 0xff;
        max = 32;
    } else if (inet_pton(AF_INET6, host, c.addr) == 1) {
        max = 128;
    } else {
        return CIDR_SYNTAX;
    }
    prefix = max;
    if (slash) {
        const char *p = slash + 1;
        /* Decimal only, no sign, no leading zeros beyond "0", at most 3 digits. */
        if (*p == '\0' || strlen(p) > 3 || (p[0] == '0' && p[1] != '\0'))
            return CIDR_SYNTAX;
        prefix = 0;
        for (; *p; p++) {
            if (*p < '0' || *p > '9')
                return CIDR_SYNTAX;
            prefix = prefix * 10 + (unsigned)(*p - '0');
        }
        if (prefix > max)
            return CIDR_SYNTAX;
    }
    if (max == 32)
        prefix += 96;
    /* Address bits beyond the prefix must be zero. */
    for (unsigned bit = prefix; bit < 128; bit++) {
        if (c.addr[bit / 8] & (0x80u >> (bit % 8)))
            return CIDR_HOSTBITS;
    }
    c.prefix = (uint8_t)prefix;
    *out = c;
    return CIDR_OK;
}

int otw_cidr_parse(const char *s, otw_cidr *out)
{
    if (s == NULL || out == NULL)
        return -1;
    return cidr_parse(s, out) == CIDR_OK ? 0 : -1;
}

bool otw_cidr_contains(const otw_cidr *c, const uint8_t addr[16])
{
    unsigned full = c->prefix / 8, rest = c->prefix % 8;
    if (c->prefix > 128)
        return false;
    if (memcmp(c->addr, addr, full) != 0)
        return false;
    if (rest) {
        uint8_t mask = (uint8_t)(0xFFu << (8 - rest));
        if ((c->addr[full] & mask) != (addr[full] & mask))
            return false;
    }
    return true;
}

/* ---- loader ---- */

typedef struct loader {
    yaml_document_t *doc;
    const char *path;
    char *err;
    size_t errsz;
    otw_config *c;
    uint16_t *ports; /* the port list being read (K_PORTS) */
    /* zones and conduits: nodes kept for errors found after the whole read */
    const yaml_node_t *conduit_node[OTW_MAX_CONDUITS];
    const yaml_node_t *from_node[OTW_MAX_CONDUITS], *to_node[OTW_MAX_CONDUITS];
    const yaml_node_t *enforcement_node;
    otw_zone_cfg *zone;       /* the zone being read */
    otw_conduit_cfg *conduit; /* the conduit being read */
    struct zone_seen *zone_seen;
    struct conduit_seen *conduit_seen;
} loader;

/* Reports "FILE:LINE: key: message"; always returns -1. */
static int fail(loader *L, const yaml_node_t *n, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(loader *L, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (L->err && L->errsz)
        snprintf(L->err, L->errsz, "%s:%zu: %s%s%s", L->path, n ? n->start_mark.line + 1 : 1,
                 key ? key : "", key ? ": " : "", msg);
    return -1;
}

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    default:
        return "a scalar";
    }
}

/* Plain "", "~", "null" (YAML null) given to a key. */
static bool is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *v = (const char *)n->data.scalar.value;
    return n->data.scalar.length == 0 || strcmp(v, "~") == 0 || strcasecmp(v, "null") == 0;
}

/* Scalar as a C string: rejects non-scalars and embedded NULs. */
static int scalar(loader *L, const yaml_node_t *n, const char *key, const char *what,
                  const char **out)
{
    /* fail() always returns -1; returning -1 here lets the compiler see
     * that *out is set whenever 0 is returned. */
    if (n->type != YAML_SCALAR_NODE) {
        fail(L, n, key, "expected %s, got %s", what, node_kind(n));
        return -1;
    }
    if (memchr(n->data.scalar.value, '\0', n->data.scalar.length)) {
        fail(L, n, key, "NUL character in value");
        return -1;
    }
    *out = (const char *)n->data.scalar.value;
    return 0;
}

static int get_string(loader *L, const yaml_node_t *n, const char *key, char *dst, size_t dstsz)
{
    const char *v;
    if (is_null(n)) {
        dst[0] = '\0';
        return 0;
    }
    if (scalar(L, n, key, "a string", &v) < 0)
        return -1;
    if (strlen(v) >= dstsz)
        return fail(L, n, key, "string too long (max %zu bytes)", dstsz - 1);
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

/* Decimal integer (optional '-'), no trailing garbage. */
static bool parse_int(const char *v, long long *out, const char **end)
{
    bool neg = false;
    unsigned long long acc = 0;
    const char *p = v;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        acc = acc * 10 + (unsigned long long)(*p - '0');
        if (acc > (1ULL << 40)) /* far beyond any range we accept; avoids overflow */
            acc = 1ULL << 40;
    }
    *end = p;
    *out = neg ? -(long long)acc : (long long)acc;
    return true;
}

static int get_u32(loader *L, const yaml_node_t *n, const char *key, uint32_t min, uint32_t max,
                   uint32_t *dst)
{
    const char *v, *end;
    long long x;
    if (scalar(L, n, key, "an integer", &v) < 0)
        return -1;
    if (!parse_int(v, &x, &end) || *end != '\0')
        return fail(L, n, key, "expected an integer, got \"%.40s\"", v);
    if (x < (long long)min || x > (long long)max)
        return fail(L, n, key, "%s out of range (%u..%u)", v, min, max);
    *dst = (uint32_t)x;
    return 0;
}

static int get_port(loader *L, const yaml_node_t *n, const char *key, uint16_t *dst)
{
    const char *v, *end;
    long long x;
    if (scalar(L, n, key, "a port number", &v) < 0)
        return -1;
    if (!parse_int(v, &x, &end) || *end != '\0')
        return fail(L, n, key, "expected a port number, got \"%.40s\"", v);
    if (x < 1 || x > 65535)
        return fail(L, n, key, "bad port %s (1..65535)", v);
    *dst = (uint16_t)x;
    return 0;
}

static const char *fmt_dur(uint32_t s, char buf[24])
{
    if (s % 86400 == 0)
        snprintf(buf, 24, "%ud", s / 86400);
    else if (s % 3600 == 0)
        snprintf(buf, 24, "%uh", s / 3600);
    else if (s % 60 == 0)
        snprintf(buf, 24, "%um", s / 60);
    else
        snprintf(buf, 24, "%us", s);
    return buf;
}

/* Seconds as an integer or "<n>s", "<n>m", "<n>h", "<n>d". */
static int get_duration(loader *L, const yaml_node_t *n, const char *key, uint32_t min,
                        uint32_t max, uint32_t *dst)
{
    const char *v, *end;
    long long x, mult = 1;
    char a[24], b[24];
    if (scalar(L, n, key, "a duration", &v) < 0)
        return -1;
    if (!parse_int(v, &x, &end))
        goto bad;
    if (*end != '\0') {
        switch (*end) {
        case 's':
            mult = 1;
            break;
        case 'm':
            mult = 60;
            break;
        case 'h':
            mult = 3600;
            break;
        case 'd':
            mult = 86400;
            break;
        default:
            goto bad;
        }
        if (end[1] != '\0')
            goto bad;
    }
    x *= mult; /* |x| <= 2^40 * 86400 < 2^57: no overflow */
    if (x < (long long)min || x > (long long)max)
        return fail(L, n, key, "%s out of range (%s..%s)", v, fmt_dur(min, a), fmt_dur(max, b));
    *dst = (uint32_t)x;
    return 0;
bad:
    return fail(L, n, key,
                "expected a duration (seconds, or a number with suffix s, m, h or d), got "
                "\"%.40s\"",
                v);
}

static int get_bool(loader *L, const yaml_node_t *n, const char *key, bool *dst)
{
    static const char *const t[] = {"true", "yes", "on"}, *const f[] = {"false", "no", "off"};
    const char *v;
    if (scalar(L, n, key, "true or false", &v) < 0)
        return -1;
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(v, t[i]) == 0) {
            *dst = true;
            return 0;
        }
        if (strcasecmp(v, f[i]) == 0) {
            *dst = false;
            return 0;
        }
    }
    return fail(L, n, key, "expected true or false, got \"%.40s\"", v);
}

/* A list (or null = empty list). Calls item() for each element with its
 * index; checks the count against max first. */
typedef int (*item_fn)(loader *L, const yaml_node_t *n, const char *key, int idx);

static int get_list(loader *L, const yaml_node_t *n, const char *key, int max, item_fn item,
                    int *count)
{
    char ikey[224]; /* key (< 192) + "[index]" */
    int i = 0;
    if (is_null(n)) {
        *count = 0;
        return 0;
    }
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(L, n, key, "expected a list, got %s", node_kind(n));
    long len = n->data.sequence.items.top - n->data.sequence.items.start;
    if (len > max)
        return fail(L, n, key, "too many items (%ld, max %d)", len, max);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++, i++) {
        const yaml_node_t *v = yaml_document_get_node(L->doc, *it);
        snprintf(ikey, sizeof(ikey), "%s[%d]", key, i);
        if (v == NULL || item(L, v, ikey, i) < 0)
            return -1;
    }
    *count = i;
    return 0;
}

static int item_interface(loader *L, const yaml_node_t *n, const char *key, int idx)
{
    if (get_string(L, n, key, L->c->interfaces[idx], sizeof(L->c->interfaces[idx])) < 0)
        return -1;
    if (L->c->interfaces[idx][0] == '\0')
        return fail(L, n, key, "empty interface name");
    return 0;
}

static int item_web_host(loader *L, const yaml_node_t *n, const char *key, int idx)
{
    char *h = L->c->web_allow_hosts[idx];
    if (get_string(L, n, key, h, sizeof(L->c->web_allow_hosts[idx])) < 0)
        return -1;
    if (h[0] == '\0' || strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789.-:[]") != strlen(h))
        return fail(L, n, key, "expected a host name or address, got \"%.40s\"", h);
    return 0;
}

static int item_port(loader *L, const yaml_node_t *n, const char *key, int idx)
{
    uint16_t p;
    if (get_port(L, n, key, &p) < 0)
        return -1;
    for (int i = 0; i < idx; i++) {
        if (L->ports[i] == p)
            return fail(L, n, key, "duplicate port %u", p);
    }
    L->ports[idx] = p;
    return 0;
}

static int item_cidr(loader *L, const yaml_node_t *n, const char *key, int idx)
{
    const char *v;
    if (scalar(L, n, key, "a CIDR", &v) < 0)
        return -1;
    switch (cidr_parse(v, &L->c->local_networks[idx])) {
    case CIDR_OK:
        return 0;
    case CIDR_HOSTBITS:
        return fail(L, n, key, "bad CIDR \"%.60s\": address bits set beyond the prefix length", v);
    default:
        return fail(L, n, key, "bad CIDR \"%.60s\" (expected e.g. 10.0.0.0/8 or fd00::/8)", v);
    }
}

/* ---- zones and conduits ---- */

/* Length of the UTF-8 sequence at p (shortest form, no surrogates, at
 * most U+10FFFF), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    size_t n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || p[0] > 0xF4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0) ||
        (p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90))
        return 0;
    return n;
}

/* A zone's label: what the plant calls it, in any script (事務所, 第1ライン),
 * shown in alerts, reports and the console; well-formed UTF-8 without
 * control characters (it reaches terminals, syslog and HTML). */
static int get_label(loader *L, const yaml_node_t *n, const char *key, char *dst, size_t dstsz)
{
    if (get_string(L, n, key, dst, dstsz) < 0)
        return -1;
    for (const unsigned char *p = (const unsigned char *)dst; *p;) {
        size_t k = utf8_len(p);
        if (k == 0)
            return fail(L, n, key, "bad label: not UTF-8 text");
        if (k == 1 && (*p < 0x20 || *p == 0x7F))
            return fail(L, n, key, "bad label: control characters are not allowed");
        if (k == 2 && p[0] == 0xC2 && p[1] < 0xA0)
            return fail(L, n, key, "bad label: control characters are not allowed");
        p += k;
    }
    return 0;
}

/* Zone and conduit names become nftables set names and CSV fields:
 * letters, digits, '_' and '-', starting with a letter. */
static int get_name(loader *L, const yaml_node_t *n, const char *key, char *dst, size_t dstsz)
{
    if (get_string(L, n, key, dst, dstsz) < 0)
        return -1;
    for (const char *p = dst; *p; p++)
        if ((unsigned char)*p >= 0x80)
            return fail(L, n, key,
                        "bad name \"%s\": a name is an ASCII id (it names firewall sets and "
                        "export rows); keep it as the id (e.g. name: office) and give \"%s\" "
                        "as the zone's label",
                        dst, dst);
    if (!((dst[0] >= 'a' && dst[0] <= 'z') || (dst[0] >= 'A' && dst[0] <= 'Z')))
        return fail(L, n, key, "bad name \"%s\": must start with a letter", dst);
    for (const char *p = dst; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '_' || *p == '-';
        if (!ok)
            return fail(L, n, key, "bad name \"%s\": letters, digits, '_' and '-' only", dst);
    }
    return 0;
}

/* Iterates a mapping's pairs: checks it is one, rejects duplicate and
 * non-scalar keys, and hands each (name, value) to fn. */
typedef int (*pair_fn)(loader *L, const char *name, const yaml_node_t *k, const yaml_node_t *v,
                       const char *key);

static int each_pair(loader *L, const yaml_node_t *n, const char *path, pair_fn fn)
{
    char key[192];
    if (n->type != YAML_MAPPING_NODE)
        return fail(L, n, path, "expected a mapping, got %s", node_kind(n));
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = yaml_document_get_node(L->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(L->doc, p->value);
        if (k == NULL || v == NULL)
            return fail(L, n, path, "malformed mapping");
        if (k->type != YAML_SCALAR_NODE ||
            memchr(k->data.scalar.value, '\0', k->data.scalar.length))
            return fail(L, k, path, "keys must be scalars");
        const char *name = (const char *)k->data.scalar.value;
        int kn = snprintf(key, sizeof(key), "%s.%.64s", path, name);
        if (kn < 0 || (size_t)kn >= sizeof(key))
            return fail(L, k, path, "key too deeply nested");
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
            const yaml_node_t *qk = yaml_document_get_node(L->doc, q->key);
            if (qk && qk->type == YAML_SCALAR_NODE &&
                strcmp((const char *)qk->data.scalar.value, name) == 0)
                return fail(L, k, key, "duplicate key");
        }
        if (fn(L, name, k, v, key) < 0)
            return -1;
    }
    return 0;
}

static bool cidrs_overlap(const otw_cidr *a, const otw_cidr *b)
{
    /* Two prefixes overlap iff the shorter one contains the other's network. */
    return a->prefix <= b->prefix ? otw_cidr_contains(a, b->addr) : otw_cidr_contains(b, a->addr);
}

static int item_zone_cidr(loader *L, const yaml_node_t *n, const char *key, int idx)
{
    const char *v;
    otw_zone_cfg *z = L->zone;
    otw_cidr c;
    if (scalar(L, n, key, "a CIDR", &v) < 0)
        return -1;
    switch (cidr_parse(v, &c)) {
    case CIDR_OK:
        break;
    case CIDR_HOSTBITS:
        return fail(L, n, key, "bad CIDR \"%.60s\": address bits set beyond the prefix length", v);
    default:
        return fail(L, n, key, "bad CIDR \"%.60s\" (expected e.g. 10.0.0.0/8 or fd00::/8)", v);
    }
    /* Zones are disjoint: an address belongs to one zone. */
    for (otw_zone_cfg *o = L->c->zones; o < z; o++) {
        for (int i = 0; i < o->n_cidrs; i++) {
            if (cidrs_overlap(&o->cidrs[i], &c))
                return fail(L, n, key, "CIDR %.60s overlaps zone \"%s\"", v, o->name);
        }
    }
    z->cidrs[idx] = c;
    return 0;
}

static int item_zone_vlan(loader *L, const yaml_node_t *n, const char *key, int idx)
{
    uint32_t vlan;
    otw_zone_cfg *z = L->zone;
    if (get_u32(L, n, key, 1, 4094, &vlan) < 0)
        return -1;
    for (otw_zone_cfg *o = L->c->zones; o < z; o++) {
        for (int i = 0; i < o->n_vlans; i++) {
            if (o->vlans[i] == vlan)
                return fail(L, n, key, "VLAN %u is already in zone \"%s\"", vlan, o->name);
        }
    }
    z->vlans[idx] = (uint16_t)vlan;
    return 0;
}

static const char *const zone_kinds[] = {"control", "ot", "dmz", "it"};

/* Purdue levels: 0-1 control, 2-3 OT, 3.5 DMZ, 4-5 IT. -1: a free label. */
static int level_kind(const char *level)
{
    static const struct {
        const char *level;
        otw_zone_kind kind;
    } map[] = {{"0", OTW_ZK_CONTROL}, {"1", OTW_ZK_CONTROL}, {"2", OTW_ZK_OT}, {"3", OTW_ZK_OT},
               {"3.5", OTW_ZK_DMZ},   {"4", OTW_ZK_IT},      {"5", OTW_ZK_IT}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(level, map[i].level) == 0)
            return (int)map[i].kind;
    return -1;
}

typedef struct zone_seen {
    const yaml_node_t *level, *kind;
    bool has_kind;
} zone_seen;

static int zone_pair(loader *L, const char *name, const yaml_node_t *k, const yaml_node_t *v,
                     const char *key)
{
    otw_zone_cfg *z = L->zone;
    int cnt = 0;
    if (strcmp(name, "name") == 0)
        return get_name(L, v, key, z->name, sizeof(z->name));
    if (strcmp(name, "label") == 0)
        return get_label(L, v, key, z->label, sizeof(z->label));
    if (strcmp(name, "cidrs") == 0) {
        if (get_list(L, v, key, OTW_ZONE_MAX_CIDRS, item_zone_cidr, &cnt) < 0)
            return -1;
        z->n_cidrs = (uint8_t)cnt;
        return 0;
    }
    if (strcmp(name, "vlans") == 0) {
        if (get_list(L, v, key, OTW_ZONE_MAX_VLANS, item_zone_vlan, &cnt) < 0)
            return -1;
        z->n_vlans = (uint8_t)cnt;
        return 0;
    }
    if (strcmp(name, "level") == 0) {
        if (get_string(L, v, key, z->level, sizeof(z->level)) < 0)
            return -1;
        L->zone_seen->level = v;
        return 0;
    }
    if (strcmp(name, "kind") == 0) {
        const char *s;
        if (scalar(L, v, key, "a zone kind", &s) < 0)
            return -1;
        for (size_t i = 0; i < sizeof(zone_kinds) / sizeof(zone_kinds[0]); i++) {
            if (strcasecmp(s, zone_kinds[i]) == 0) {
                z->kind = (uint8_t)i;
                L->zone_seen->has_kind = true;
                return 0;
            }
        }
        return fail(L, v, key, "expected control, ot, dmz or it, got \"%.40s\"", s);
    }
    if (strcmp(name, "criticality") == 0) {
        const char *s;
        if (scalar(L, v, key, "a criticality", &s) < 0)
            return -1;
        int sev = otw_severity_parse(s);
        if (sev < OTW_SEV_LOW || sev > OTW_SEV_CRITICAL)
            return fail(L, v, key, "expected low, medium, high or critical, got \"%.40s\"", s);
        z->criticality = (uint8_t)sev;
        return 0;
    }
    return fail(L, k, key, "unknown key");
}

static int item_zone(loader *L, const yaml_node_t *n, const char *key, int idx)
{
    otw_zone_cfg *z = &L->c->zones[idx];
    zone_seen seen = {0};
    memset(z, 0, sizeof(*z));
    z->criticality = OTW_SEV_MEDIUM;
    z->kind = OTW_ZK_UNASSIGNED; /* "not given" until checked below */
    L->zone = z;
    L->zone_seen = &seen;
    int rc = each_pair(L, n, key, zone_pair);
    L->zone_seen = NULL;
    if (rc < 0)
        return -1;
    if (!z->name[0])
        return fail(L, n, key, "a zone needs a name");
    if (strcmp(z->name, "internet") == 0 || strcmp(z->name, "unassigned") == 0)
        return fail(L, n, key, "\"%s\" is a built-in zone name", z->name);
    for (int i = 0; i < idx; i++) {
        if (strcmp(L->c->zones[i].name, z->name) == 0)
            return fail(L, n, key, "duplicate zone name \"%s\"", z->name);
        /* The console and reports tell zones apart by what they show. */
        const char *other = L->c->zones[i].label[0] ? L->c->zones[i].label : L->c->zones[i].name;
        if (strcmp(other, z->label[0] ? z->label : z->name) == 0)
            return fail(L, n, key,
                        "zone \"%s\" is shown as \"%s\" like zone \"%s\": labels "
                        "must differ",
                        z->name, other, L->c->zones[i].name);
    }
    if (!z->n_cidrs && !z->n_vlans)
        return fail(L, n, key, "zone \"%s\" needs cidrs or vlans", z->name);
    if (!seen.has_kind) {
        int k = z->level[0] ? level_kind(z->level) : -1;
        if (k < 0)
            return fail(L, seen.level ? seen.level : n, key,
                        "zone \"%s\": level \"%s\" is not a Purdue level (0-5, 3.5): add "
                        "kind: control, ot, dmz or it",
                        z->name, z->level);
        z->kind = (uint8_t)k;
    }
    return 0;
}

/* "502", "tcp/502", "udp/47808", "20000-20010", "tcp/1000-2000". */
static int item_conduit_port(loader *L, const yaml_node_t *n, const char *key, int idx)
{
    const char *v, *p, *end;
    long long lo, hi;
    otw_port_range r = {0, 0, 0};
    if (scalar(L, n, key, "a port", &v) < 0)
        return -1;
    p = v;
    if (strncasecmp(p, "tcp/", 4) == 0) {
        r.transport = 6;
        p += 4;
    } else if (strncasecmp(p, "udp/", 4) == 0) {
        r.transport = 17;
        p += 4;
    }
    if (*p == '-' || *p == '+' || !parse_int(p, &lo, &end))
        goto bad;
    hi = lo;
    if (*end == '-') {
        if (end[1] == '-' || end[1] == '+' || !parse_int(end + 1, &hi, &end))
            goto bad;
    }
    if (*end != '\0' || lo < 1 || lo > 65535 || hi < lo || hi > 65535)
        goto bad;
    r.lo = (uint16_t)lo;
    r.hi = (uint16_t)hi;
    L->conduit->ports[idx] = r;
    return 0;
bad:
    return fail(L, n, key,
                "bad port \"%.40s\" (expected 1..65535 as 502, tcp/502, udp/47808 or "
                "tcp/20000-20010)",
                v);
}

static int item_conduit_proto(loader *L, const yaml_node_t *n, const char *key, int idx)
{
    char *dst = L->conduit->protocols[idx];
    if (get_string(L, n, key, dst, sizeof(L->conduit->protocols[idx])) < 0)
        return -1;
    if (!dst[0])
        return fail(L, n, key, "empty protocol name");
    for (const char *p = dst; *p; p++) {
        if (*p < 32 || *p > 126 || *p == ',' || *p == '"')
            return fail(L, n, key, "bad protocol name \"%s\"", dst);
    }
    return 0;
}

static bool parse_hhmm(const char *s, size_t len, uint16_t *min)
{
    if (len != 5 || s[2] != ':')
        return false;
    for (size_t i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return false;
    unsigned h = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
    unsigned m = (unsigned)(s[3] - '0') * 10 + (unsigned)(s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return false;
    *min = (uint16_t)(h * 60 + m);
    return true;
}

static int day_index(const char *s, size_t len)
{
    static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    if (len != 3)
        return -1;
    for (int i = 0; i < 7; i++)
        if (strncasecmp(s, days[i], 3) == 0)
            return i;
    return -1;
}

/* "Mon-Fri 08:00-18:00", "Sat,Sun 00:00-24:00", "daily 22:00-02:00". */
static bool parse_window(const char *v, otw_time_window *w)
{
    const char *sp = strchr(v, ' ');
    if (!sp)
        return false;
    w->days = 0;
    if ((size_t)(sp - v) == 5 && strncasecmp(v, "daily", 5) == 0) {
        w->days = 0x7f;
    } else {
        const char *p = v;
        while (p < sp) {
            const char *e = p;
            while (e < sp && *e != ',')
                e++;
            const char *dash = memchr(p, '-', (size_t)(e - p));
            int a = day_index(p, (size_t)((dash ? dash : e) - p));
            int b = dash ? day_index(dash + 1, (size_t)(e - dash - 1)) : a;
            if (a < 0 || b < 0)
                return false;
            for (int d = a;; d = (d + 1) % 7) { /* Fri-Mon wraps over the weekend */
                w->days |= (uint8_t)(1u << d);
                if (d == b)
                    break;
            }
            p = e < sp ? e + 1 : e;
        }
    }
    const char *t = sp + 1;
    const char *dash = strchr(t, '-');
    if (!dash || !parse_hhmm(t, (size_t)(dash - t), &w->start_min) ||
        !parse_hhmm(dash + 1, strlen(dash + 1), &w->end_min))
        return false;
    return w->start_min != w->end_min && w->start_min < 1440 && w->days;
}

static int item_conduit_window(loader *L, const yaml_node_t *n, const char *key, int idx)
{
    const char *v;
    if (scalar(L, n, key, "a time window", &v) < 0)
        return -1;
    if (!parse_window(v, &L->conduit->windows[idx]))
        return fail(L, n, key,
                    "bad time window \"%.60s\" (expected DAYS HH:MM-HH:MM, e.g. \"Mon-Fri "
                    "08:00-18:00\", \"Sat,Sun 00:00-24:00\" or \"daily 22:00-02:00\")",
                    v);
    return 0;
}

/* "+09:00", "-05:30", "Z", "UTC". */
static int get_utc_offset(loader *L, const yaml_node_t *n, const char *key, int16_t *dst)
{
    const char *v;
    uint16_t m;
    if (scalar(L, n, key, "a UTC offset", &v) < 0)
        return -1;
    if (strcmp(v, "Z") == 0 || strcasecmp(v, "UTC") == 0) {
        *dst = 0;
        return 0;
    }
    if ((v[0] != '+' && v[0] != '-') || !parse_hhmm(v + 1, strlen(v + 1), &m) || m > 14 * 60)
        return fail(L, n, key, "bad UTC offset \"%.40s\" (expected +09:00, -05:30 or UTC)", v);
    *dst = (int16_t)(v[0] == '-' ? -(int)m : (int)m);
    return 0;
}

typedef struct conduit_seen {
    const yaml_node_t *action;
    int idx;
} conduit_seen;

static int conduit_pair(loader *L, const char *name, const yaml_node_t *k, const yaml_node_t *v,
                        const char *key)
{
    otw_conduit_cfg *c = L->conduit;
    int idx = L->conduit_seen->idx, cnt = 0;
    const char *s;
    if (strcmp(name, "name") == 0)
        return get_name(L, v, key, c->name, sizeof(c->name));
    if (strcmp(name, "from") == 0 || strcmp(name, "to") == 0) {
        if (scalar(L, v, key, "a zone name", &s) < 0)
            return -1;
        if (name[0] == 'f')
            L->from_node[idx] = v;
        else
            L->to_node[idx] = v;
        return 0; /* resolved once every zone is known */
    }
    if (strcmp(name, "direction") == 0) {
        if (scalar(L, v, key, "one-way or both", &s) < 0)
            return -1;
        if (strcasecmp(s, "one-way") == 0 || strcasecmp(s, "from-to") == 0)
            c->both_ways = false;
        else if (strcasecmp(s, "both") == 0)
            c->both_ways = true;
        else
            return fail(L, v, key, "expected one-way or both, got \"%.40s\"", s);
        return 0;
    }
    if (strcmp(name, "protocols") == 0) {
        if (get_list(L, v, key, OTW_CONDUIT_MAX_PROTOS, item_conduit_proto, &cnt) < 0)
            return -1;
        c->n_protocols = (uint8_t)cnt;
        return 0;
    }
    if (strcmp(name, "ports") == 0) {
        if (get_list(L, v, key, OTW_CONDUIT_MAX_PORTS, item_conduit_port, &cnt) < 0)
            return -1;
        c->n_ports = (uint8_t)cnt;
        return 0;
    }
    if (strcmp(name, "windows") == 0) {
        if (get_list(L, v, key, OTW_CONDUIT_MAX_WINDOWS, item_conduit_window, &cnt) < 0)
            return -1;
        c->n_windows = (uint8_t)cnt;
        return 0;
    }
    if (strcmp(name, "utc_offset") == 0)
        return get_utc_offset(L, v, key, &c->utc_offset_min);
    if (strcmp(name, "allow") == 0)
        return get_bool(L, v, key, &c->allow);
    if (strcmp(name, "action") == 0) {
        if (scalar(L, v, key, "alert or reset", &s) < 0)
            return -1;
        if (strcasecmp(s, "alert") == 0)
            c->reset = false;
        else if (strcasecmp(s, "reset") == 0)
            c->reset = true;
        else
            return fail(L, v, key, "expected alert or reset, got \"%.40s\"", s);
        L->conduit_seen->action = v;
        return 0;
    }
    return fail(L, k, key, "unknown key");
}

static int item_conduit(loader *L, const yaml_node_t *n, const char *key, int idx)
{
    otw_conduit_cfg *c = &L->c->conduits[idx];
    conduit_seen seen = {NULL, idx};
    memset(c, 0, sizeof(*c));
    c->allow = true;
    L->conduit = c;
    L->conduit_node[idx] = n;
    L->from_node[idx] = L->to_node[idx] = NULL;
    L->conduit_seen = &seen;
    int rc = each_pair(L, n, key, conduit_pair);
    L->conduit_seen = NULL;
    if (rc < 0)
        return -1;
    if (!L->from_node[idx] || !L->to_node[idx])
        return fail(L, n, key, "a conduit needs from and to");
    if (!c->name[0])
        snprintf(c->name, sizeof(c->name), "conduit-%d", idx + 1);
    for (int i = 0; i < idx; i++) {
        if (strcmp(L->c->conduits[i].name, c->name) == 0)
            return fail(L, n, key, "duplicate conduit name \"%s\"", c->name);
    }
    if (!c->allow && c->n_windows)
        return fail(L, n, key, "windows apply to allowed conduits only (allow: false is always)");
    if (c->allow && c->reset && !c->n_windows)
        return fail(L, seen.action, key,
                    "action: reset on an always-open conduit never applies: add windows, or "
                    "allow: false");
    return 0;
}

static int resolve_zone(loader *L, const yaml_node_t *n, int idx, const char *which, uint8_t *dst)
{
    const char *v = (const char *)n->data.scalar.value;
    char key[64];
    snprintf(key, sizeof(key), "conduits[%d].%s", idx, which);
    if (strcmp(v, "internet") == 0) {
        *dst = OTW_ZONE_INTERNET;
        return 0;
    }
    if (strcmp(v, "unassigned") == 0) {
        *dst = OTW_ZONE_UNASSIGNED;
        return 0;
    }
    for (int i = 0; i < L->c->n_zones; i++) {
        if (strcmp(L->c->zones[i].name, v) == 0) {
            *dst = (uint8_t)i;
            return 0;
        }
    }
    char names[256] = "";
    size_t len = 0;
    for (int i = 0; i < L->c->n_zones && len < sizeof(names); i++)
        len += (size_t)snprintf(names + len, sizeof(names) - len, "%s, ", L->c->zones[i].name);
    return fail(L, n, key, "unknown zone \"%.40s\" (zones: %sinternet, unassigned)", v, names);
}

/* Checks that need the whole document: zone names in conduits, the
 * enforcement settings. */
static int check_zones(loader *L)
{
    otw_config *c = L->c;
    for (int i = 0; i < c->n_conduits; i++) {
        otw_conduit_cfg *k = &c->conduits[i];
        if (resolve_zone(L, L->from_node[i], i, "from", &k->from) < 0 ||
            resolve_zone(L, L->to_node[i], i, "to", &k->to) < 0)
            return -1;
        if (k->from == k->to) {
            char key[32];
            snprintf(key, sizeof(key), "conduits[%d]", i);
            return fail(L, L->to_node[i], key, "a conduit joins two different zones");
        }
    }
    if (c->enforce_enabled && !c->enforce_dry_run && !c->enforce_interface[0])
        return fail(L, L->enforcement_node, "enforcement",
                    "enabled without dry_run needs an interface to inject resets on");
    return 0;
}

/* ---- schema ---- */

typedef enum kind {
    K_SECTION, /* nested mapping, children follow */
    K_STRING,
    K_U32,
    K_DURATION,
    K_BOOL,
    K_PORT,
    K_TRANSPORT,
    K_APPNAME,
    K_CHOICE,    /* one word of choice_lists[min], stored as its index (an enum) */
    K_DELIMITER, /* "tab" or one ASCII punctuation character */
    K_INTERFACES,
    K_WEB_HOSTS,
    K_PORTS,
    K_CIDRS,
    K_ZONES,
    K_CONDUITS,
} kind;

typedef struct field {
    const char *name;
    kind k;
    size_t off; /* offset in otw_config; for K_SECTION: index of the child table */
    size_t size;
    uint32_t min, max;
} field;

#define F(name, k, member, min, max)                                                               \
    {                                                                                              \
        name, k, offsetof(otw_config, member), sizeof(((otw_config *)0)->member), min, max         \
    }
#define SECTION(name, idx)                                                                         \
    {                                                                                              \
        name, K_SECTION, idx, 0, 0, 0                                                              \
    }
#define END                                                                                        \
    {                                                                                              \
        NULL, 0, 0, 0, 0, 0                                                                        \
    }

enum {
    T_ROOT,
    T_SENSOR,
    T_CAPTURE,
    T_FLOWS,
    T_STREAMS,
    T_PROTOCOLS,
#define T_P_ENUM(id, name, dissector, config) OTW_IF_PORTS(config, T_P_##id, )
    OTW_PROTOCOLS(T_P_ENUM)
#undef T_P_ENUM
        T_INVENTORY,
    T_ALERTS,
    T_BURST,
    T_OUTPUTS,
    T_SYSLOG,
    T_STORE,
    T_COVERAGE,
    T_ACTIVITY,
    T_ENFORCEMENT,
    T_BASELINE,
    T_CREDENTIALS,
    T_CRED_BRUTE,
    T_CRED_SPRAY,
    T_WEB,
    T_COUNT
};

#define DAY 86400u
#define MB_MAX 65536u /* 64 GiB */

static const field t_root[] = {
    SECTION("sensor", T_SENSOR),
    SECTION("capture", T_CAPTURE),
    SECTION("flows", T_FLOWS),
    SECTION("streams", T_STREAMS),
    SECTION("protocols", T_PROTOCOLS),
    SECTION("inventory", T_INVENTORY),
    SECTION("alerts", T_ALERTS),
    SECTION("outputs", T_OUTPUTS),
    SECTION("store", T_STORE),
    SECTION("coverage", T_COVERAGE),
    SECTION("activity", T_ACTIVITY),
    F("zones", K_ZONES, zones, 0, 0),
    F("conduits", K_CONDUITS, conduits, 0, 0),
    SECTION("enforcement", T_ENFORCEMENT),
    SECTION("baseline", T_BASELINE),
    SECTION("credentials", T_CREDENTIALS),
    SECTION("web", T_WEB),
    END,
};
static const field t_sensor[] = {
    F("state_dir", K_STRING, state_dir, 0, 0),
    F("user", K_STRING, user, 0, 0),
    END,
};
static const field t_capture[] = {
    F("interfaces", K_INTERFACES, interfaces, 0, 0),
    F("buffer_mb", K_U32, capture_buffer_mb, 1, 4096),
    F("snaplen", K_U32, snaplen, 64, 262144),
    F("immediate", K_BOOL, capture_immediate, 0, 0),
    F("timeout_ms", K_U32, capture_timeout_ms, 1, 1000),
    F("filter", K_STRING, filter, 0, 0),
    END,
};
static const field t_flows[] = {
    F("memory_mb", K_U32, flow_memory_mb, 1, MB_MAX),
    F("tcp_timeout", K_DURATION, tcp_timeout_s, 1, 7 * DAY),
    F("udp_timeout", K_DURATION, udp_timeout_s, 1, 7 * DAY),
    F("closed_timeout", K_DURATION, closed_timeout_s, 1, 3600),
    F("ndpi_max_packets", K_U32, ndpi_max_packets, 1, 1000),
    F("ndpi_memory_mb", K_U32, ndpi_memory_mb, 1, MB_MAX),
    END,
};
static const field t_streams[] = {
    F("memory_mb", K_U32, stream_memory_mb, 1, MB_MAX),
    END,
};
static const field t_protocols[] = {
#define T_P_SECTION(id, name, dissector, config) OTW_IF_PORTS(config, SECTION(name, T_P_##id), )
    OTW_PROTOCOLS(T_P_SECTION)
#undef T_P_SECTION

        F("request_timeout", K_DURATION, request_timeout_s, 1, 3600),
    F("dynamic_detection", K_BOOL, dynamic_detection, 0, 0),
    END,
};
/* protocols.NAME: tcp_ports and udp_ports of each port-based dissector. */
#define PORTS_TABLE(P)                                                                             \
    static const field t_p_##P[] = {                                                               \
        F("tcp_ports", K_PORTS, tcp_ports[OTW_PROTO_##P], 0, 0),                                   \
        F("udp_ports", K_PORTS, udp_ports[OTW_PROTO_##P], 0, 0),                                   \
        END,                                                                                       \
    }
#define T_P_FIELDS(id, name, dissector, config) OTW_IF_PORTS(config, PORTS_TABLE(id);)
OTW_PROTOCOLS(T_P_FIELDS)
#undef T_P_FIELDS

static const field t_inventory[] = {
    F("local_networks", K_CIDRS, local_networks, 0, 0),
    F("max_assets", K_U32, max_assets, 1, 16777216),
    END,
};
static const field t_alerts[] = {
    F("file", K_STRING, alerts_file, 0, 0),
    F("max_alerts", K_U32, max_alerts, 100, 10000000),
    SECTION("modbus_exception_burst", T_BURST),
    END,
};
static const field t_burst[] = {
    F("count", K_U32, exception_burst_count, 1, 1000000),
    F("window", K_DURATION, exception_burst_window_s, 1, DAY),
    END,
};
static const field t_outputs[] = {
    F("ops_log", K_STRING, ops_log, 0, 0),
    SECTION("syslog", T_SYSLOG),
    END,
};
static const field t_syslog[] = {
    F("enabled", K_BOOL, syslog_enabled, 0, 0),
    F("transport", K_TRANSPORT, syslog_transport, 0, 0),
    F("host", K_STRING, syslog_host, 0, 0),
    F("port", K_PORT, syslog_port, 0, 0),
    F("app_name", K_APPNAME, syslog_app_name, 0, 0),
    F("format", K_CHOICE, syslog_format, 0, 0),
    F("header", K_CHOICE, syslog_header, 1, 0),
    F("leef_delimiter", K_DELIMITER, syslog_leef_delimiter, 0, 0),
    F("spool_mb", K_U32, syslog_spool_mb, 1, 65536),
    F("chain_heads", K_BOOL, syslog_chain_heads, 0, 0),
    F("heartbeat", K_DURATION, syslog_heartbeat_s, 0, DAY),
    F("tls_ca_file", K_STRING, syslog_tls_ca_file, 0, 0),
    F("tls_cert_file", K_STRING, syslog_tls_cert_file, 0, 0),
    F("tls_key_file", K_STRING, syslog_tls_key_file, 0, 0),
    F("tls_peer_name", K_STRING, syslog_tls_peer_name, 0, 0),
    END,
};
/* K_CHOICE word lists (field.min picks one); the index is the enum value. */
static const char *const choice_lists[][6] = {
    {"rfc5424", "cef", "leef", "ecs", "text", NULL}, /* otw_syslog_fmt */
    {"rfc5424", "rfc3164", NULL},                    /* otw_syslog_hdr */
};
_Static_assert(sizeof(otw_syslog_fmt) == sizeof(int) && sizeof(otw_syslog_hdr) == sizeof(int),
               "K_CHOICE stores an int");
static const field t_store[] = {
    F("checkpoint_interval", K_DURATION, checkpoint_s, 1, 3600),
    END,
};
static const field t_coverage[] = {
    F("retention", K_DURATION, coverage_retention_s, 0, 3650 * DAY),
    F("read_gap", K_DURATION, coverage_read_gap_s, 1, 7 * DAY),
    END,
};
static const field t_activity[] = {
    F("bucket", K_DURATION, activity_bucket_s, 1, DAY),
    F("retention", K_DURATION, activity_retention_s, 0, 3650 * DAY),
    F("max_mb", K_U32, activity_max_mb, 0, 1048576),
    END,
};

static const field t_enforcement[] = {
    F("enabled", K_BOOL, enforce_enabled, 0, 0),
    F("dry_run", K_BOOL, enforce_dry_run, 0, 0),
    F("interface", K_STRING, enforce_interface, 0, 0),
    F("max_resets_per_second", K_U32, enforce_max_resets_per_s, 1, 1000),
    END,
};

static const field t_baseline[] = {
    F("learn_for", K_DURATION, baseline_learn_for_s, 0, 365 * DAY),
    F("device_learn_for", K_DURATION, baseline_device_learn_for_s, 0, 30 * DAY),
    F("scan_units", K_U32, baseline_scan_units, 2, 255),
    F("scan_functions", K_U32, baseline_scan_functions, 2, 255),
    F("scan_hosts", K_U32, baseline_scan_hosts, 2, 255),
    F("scan_addresses", K_U32, baseline_scan_addresses, 2, 200),
    F("scan_bad_addresses", K_U32, baseline_scan_bad_addresses, 2, 200),
    F("scan_refused", K_U32, baseline_scan_refused, 2, 200),
    F("scan_window", K_DURATION, baseline_scan_window_s, 1, DAY),
    F("max_channels", K_U32, baseline_max_channels, 16, OTW_BL_TABLE_LIMIT),
    F("max_controllers", K_U32, baseline_max_controllers, 16, OTW_BL_TABLE_LIMIT),
    END,
};

static const field t_credentials[] = {
    F("defaults_file", K_STRING, creds_defaults_file, 0, 0),
    F("weak_passwords_file", K_STRING, creds_weak_file, 0, 0),
    F("redact_users", K_BOOL, creds_redact_users, 0, 0),
    SECTION("brute_force", T_CRED_BRUTE),
    SECTION("spray", T_CRED_SPRAY),
    END,
};
static const field t_cred_brute[] = {
    F("failures", K_U32, creds_brute_failures, 2, 100000),
    F("controller_failures", K_U32, creds_brute_controller_failures, 2, 100000),
    F("window", K_DURATION, creds_brute_window_s, 1, DAY),
    END,
};
static const field t_cred_spray[] = {
    F("accounts", K_U32, creds_spray_accounts, 2, 64),
    F("attempts_per_account", K_U32, creds_spray_attempts, 1, 100),
    F("window", K_DURATION, creds_spray_window_s, 1, DAY),
    END,
};

static const field t_web[] = {
    F("listen", K_STRING, web_listen, 0, 0),
    F("tls_cert_file", K_STRING, web_tls_cert_file, 0, 0),
    F("tls_key_file", K_STRING, web_tls_key_file, 0, 0),
    F("admin_hash_file", K_STRING, web_admin_hash_file, 0, 0),
    F("root", K_STRING, web_root, 0, 0),
    F("allow_hosts", K_WEB_HOSTS, web_allow_hosts, 0, 0),
    END,
};

static const field *const tables[T_COUNT] = {
    [T_ROOT] = t_root,
    [T_SENSOR] = t_sensor,
    [T_CAPTURE] = t_capture,
    [T_FLOWS] = t_flows,
    [T_STREAMS] = t_streams,
    [T_PROTOCOLS] = t_protocols,
#define T_P_TABLE(id, name, dissector, config) OTW_IF_PORTS(config, [T_P_##id] = t_p_##id, )
    OTW_PROTOCOLS(T_P_TABLE)
#undef T_P_TABLE
        [T_INVENTORY] = t_inventory,
    [T_ALERTS] = t_alerts,
    [T_BURST] = t_burst,
    [T_OUTPUTS] = t_outputs,
    [T_SYSLOG] = t_syslog,
    [T_STORE] = t_store,
    [T_COVERAGE] = t_coverage,
    [T_ACTIVITY] = t_activity,
    [T_ENFORCEMENT] = t_enforcement,
    [T_BASELINE] = t_baseline,
    [T_CREDENTIALS] = t_credentials,
    [T_CRED_BRUTE] = t_cred_brute,
    [T_CRED_SPRAY] = t_cred_spray,
    [T_WEB] = t_web,
};

static int load_mapping(loader *L, const yaml_node_t *n, const char *path, const field *tab);

static int load_field(loader *L, const yaml_node_t *v, const char *key, const field *f)
{
    otw_config *c = L->c;
    void *dst = (char *)c + f->off;
    int cnt = 0;

    switch (f->k) {
    case K_SECTION:
        if (tables[f->off] == t_enforcement)
            L->enforcement_node = v;
        return load_mapping(L, v, key, tables[f->off]);
    case K_STRING:
        return get_string(L, v, key, dst, f->size);
    case K_U32:
        return get_u32(L, v, key, f->min, f->max, dst);
    case K_DURATION:
        return get_duration(L, v, key, f->min, f->max, dst);
    case K_BOOL:
        return get_bool(L, v, key, dst);
    case K_PORT:
        return get_port(L, v, key, dst);
    case K_TRANSPORT: {
        const char *s;
        if (scalar(L, v, key, "udp, tcp or tls", &s) < 0)
            return -1;
        if (strcasecmp(s, "udp") == 0)
            c->syslog_transport = OTW_SYSLOG_UDP;
        else if (strcasecmp(s, "tcp") == 0)
            c->syslog_transport = OTW_SYSLOG_TCP;
        else if (strcasecmp(s, "tls") == 0)
            c->syslog_transport = OTW_SYSLOG_TLS;
        else
            return fail(L, v, key, "expected udp, tcp or tls, got \"%.40s\"", s);
        return 0;
    }
    case K_CHOICE: {
        const char *const *list = choice_lists[f->min], *s;
        char want[80] = "";
        for (int i = 0; list[i]; i++)
            snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s", i ? ", " : "",
                     list[i]);
        if (scalar(L, v, key, want, &s) < 0)
            return -1;
        for (int i = 0; list[i]; i++) {
            if (strcasecmp(s, list[i]) == 0) {
                *(int *)dst = i; /* the enums are int-sized, values 0..n-1 */
                return 0;
            }
        }
        return fail(L, v, key, "expected one of %s, got \"%.40s\"", want, s);
    }
    case K_DELIMITER: {
        const char *s;
        if (scalar(L, v, key, "tab or one punctuation character", &s) < 0)
            return -1;
        if (strcasecmp(s, "tab") == 0 || strcmp(s, "\t") == 0)
            *(char *)dst = '\t';
        else if (strlen(s) == 1 && strchr("!\"#$%&'()*+,-./:;<>?@[]^_`{|}~", s[0]))
            *(char *)dst = s[0];
        else
            return fail(L, v, key,
                        "expected tab or one punctuation character other than '=' "
                        "and '\\', got \"%.40s\"",
                        s);
        return 0;
    }
    case K_APPNAME: {
        /* RFC 5424 APP-NAME: 1*48 PRINTUSASCII. */
        if (get_string(L, v, key, dst, f->size) < 0)
            return -1;
        const char *s = dst;
        if (*s == '\0')
            return fail(L, v, key, "empty app name");
        for (; *s; s++) {
            if (*s < 33 || *s > 126)
                return fail(L, v, key, "app name must be printable ASCII without spaces");
        }
        return 0;
    }
    case K_INTERFACES:
        if (get_list(L, v, key, OTW_MAX_INTERFACES, item_interface, &cnt) < 0)
            return -1;
        c->n_interfaces = cnt;
        return 0;
    case K_WEB_HOSTS:
        if (get_list(L, v, key, OTW_MAX_WEB_HOSTS, item_web_host, &cnt) < 0)
            return -1;
        c->n_web_allow_hosts = cnt;
        return 0;
    case K_PORTS: {
        /* The array is 0-terminated: one slot fewer than its size. A list is
         * parsed aside so a bad one leaves the defaults whole. */
        uint16_t ports[OTW_MAX_PORTS] = {0};
        L->ports = ports;
        int rc = get_list(L, v, key, OTW_MAX_PORTS - 1, item_port, &cnt);
        L->ports = NULL;
        if (rc < 0)
            return -1;
        memcpy(dst, ports, sizeof(ports));
        return 0;
    }
    case K_CIDRS:
        if (get_list(L, v, key, OTW_MAX_CIDRS, item_cidr, &cnt) < 0)
            return -1;
        c->n_local_networks = cnt;
        c->local_networks_set = true;
        return 0;
    case K_ZONES:
        c->n_zones = 0;
        if (get_list(L, v, key, OTW_MAX_ZONES, item_zone, &cnt) < 0)
            return -1;
        c->n_zones = cnt;
        return 0;
    case K_CONDUITS:
        c->n_conduits = 0;
        if (get_list(L, v, key, OTW_MAX_CONDUITS, item_conduit, &cnt) < 0)
            return -1;
        c->n_conduits = cnt;
        return 0;
    }
    return fail(L, v, key, "internal error");
}

static int load_mapping(loader *L, const yaml_node_t *n, const char *path, const field *tab)
{
    char key[128];
    if (is_null(n))
        return 0; /* "flows:" with everything below commented out */
    if (n->type != YAML_MAPPING_NODE) {
        if (path[0] == '\0')
            return fail(L, n, NULL, "top level must be a mapping, got %s", node_kind(n));
        return fail(L, n, path, "expected a mapping, got %s", node_kind(n));
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = yaml_document_get_node(L->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(L->doc, p->value);
        if (k == NULL || v == NULL)
            return fail(L, n, path[0] ? path : NULL, "malformed mapping");
        if (k->type != YAML_SCALAR_NODE)
            return fail(L, k, path[0] ? path : NULL, "keys must be scalars");
        const char *name = (const char *)k->data.scalar.value;
        snprintf(key, sizeof(key), "%s%s%.64s", path, path[0] ? "." : "", name);
        /* Duplicate keys: YAML forbids them, libyaml does not check. */
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
            const yaml_node_t *qk = yaml_document_get_node(L->doc, q->key);
            if (qk && qk->type == YAML_SCALAR_NODE &&
                strcmp((const char *)qk->data.scalar.value, name) == 0)
                return fail(L, k, key, "duplicate key");
        }
        const field *f = tab;
        while (f->name && strcmp(f->name, name) != 0)
            f++;
        if (f->name == NULL || memchr(name, '\0', k->data.scalar.length))
            return fail(L, k, key, "unknown key");
        if (load_field(L, v, key, f) < 0)
            return -1;
    }
    return 0;
}

/* libyaml's reader errors (bad encoding) carry a byte offset, not a mark. */
static size_t line_of_offset(FILE *f, size_t off)
{
    size_t line = 1;
    int ch;
    if (fseek(f, 0, SEEK_SET) != 0)
        return 1;
    while (off-- > 0 && (ch = getc(f)) != EOF)
        line += ch == '\n';
    return line;
}

static int yaml_fail(loader *L, const yaml_parser_t *p, FILE *f)
{
    const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->context_mark;
    size_t line = m->line + 1;
    if (p->error == YAML_MEMORY_ERROR) {
        snprintf(L->err, L->errsz, "%s: out of memory", L->path);
        return -1;
    }
    if (p->error == YAML_READER_ERROR) {
        if (p->problem && strcmp(p->problem, "input error") == 0) {
            snprintf(L->err, L->errsz, "%s: cannot read: %s", L->path,
                     errno ? strerror(errno) : "I/O error");
            return -1;
        }
        line = line_of_offset(f, p->problem_offset);
    }
    snprintf(L->err, L->errsz, "%s:%zu: YAML syntax error: %s%s%s", L->path, line,
             p->problem ? p->problem : "unknown error", p->context ? " " : "",
             p->context ? p->context : "");
    return -1;
}

int otw_config_load(otw_config *c, const char *path, char *err, size_t errsz)
{
    char dummy[1];
    loader L = {.path = path, .err = errsz ? err : dummy, .errsz = errsz ? errsz : sizeof(dummy)};
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    struct stat st;
    otw_config work = *c; /* all-or-nothing */
    int rc = -1;

    L.err[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(L.err, L.errsz, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(L.err, L.errsz, "%s: cannot read: not a regular file", path);
        fclose(f);
        return -1;
    }
    if (!yaml_parser_initialize(&parser)) {
        snprintf(L.err, L.errsz, "%s: out of memory", path);
        fclose(f);
        return -1;
    }
    yaml_parser_set_input_file(&parser, f);
    errno = 0;
    if (!yaml_parser_load(&parser, &doc)) {
        yaml_fail(&L, &parser, f);
        goto out_parser;
    }
    L.doc = &doc;
    L.c = &work;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root != NULL && (load_mapping(&L, root, "", t_root) < 0 || check_zones(&L) < 0))
        goto out_doc;

    /* A second document would be silently ignored: refuse it. */
    if (!yaml_parser_load(&parser, &extra)) {
        yaml_fail(&L, &parser, f);
        goto out_doc;
    }
    yaml_node_t *eroot = yaml_document_get_root_node(&extra);
    if (eroot != NULL) {
        fail(&L, eroot, NULL, "only one YAML document is allowed");
        yaml_document_delete(&extra);
        goto out_doc;
    }
    yaml_document_delete(&extra);
    *c = work;
    rc = 0;
out_doc:
    yaml_document_delete(&doc);
out_parser:
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}
