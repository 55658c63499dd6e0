/* classify.c - nDPI 4.2 glue; see classify.h.
 *
 * Identity: nDPI 4.2 fields used (ndpi_typedefs.h, struct ndpi_flow_struct):
 * host_server_name (HTTP Host, TLS/QUIC SNI), http.user_agent (HTTP, QUIC),
 * protos.ssh.client_signature/server_signature. protos is a union: a member
 * is read only when the flow's protocol is the one that fills it. */
#include "classify.h"
#include "grow.h"

#include "idutil.h"

#include <ndpi/ndpi_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct otw_classifier {
    struct ndpi_detection_module_struct *ndpi;
    uint8_t *slots; /* pool of nDPI flow states */
    size_t slot_size;
    uint32_t n_slots;
    uint32_t *free_list;
    uint32_t n_free;
    uint32_t max_packets;
    otw_classify_stats stats;
    otw_classify_identity_cb on_identity;
    void *identity_ctx;
    /* sender of the last packet given to nDPI (for the SSH banner) */
    const otw_flow *last_flow;
    bool last_from_client;
};

otw_classifier *otw_classifier_new(uint32_t memory_mb, uint32_t max_packets, char *err,
                                   size_t errsz)
{
    otw_classifier *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    c->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
    if (!c->ndpi) {
        snprintf(err, errsz, "nDPI initialisation failed");
        free(c);
        return NULL;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(c->ndpi, &all);
    ndpi_finalize_initialization(c->ndpi);
    c->slot_size = (ndpi_detection_get_sizeof_ndpi_flow_struct() + 15u) & ~(size_t)15u;
    size_t n = ((size_t)memory_mb << 20) / (c->slot_size + sizeof(uint32_t));
    if (n < 16)
        n = 16;
    if (n > UINT32_MAX - 1)
        n = UINT32_MAX - 1;
    c->n_slots = (uint32_t)n;
    c->slots = otw_alloc_table(n, c->slot_size);
    c->free_list = malloc(n * sizeof(uint32_t));
    if (!c->slots || !c->free_list) {
        snprintf(err, errsz, "cannot allocate %u MB for nDPI flow states", memory_mb);
        otw_classifier_free(c);
        return NULL;
    }
    for (uint32_t i = 0; i < c->n_slots; i++)
        c->free_list[i] = c->n_slots - 1 - i;
    c->n_free = c->n_slots;
    c->max_packets = max_packets ? max_packets : 1;
    c->stats.pool_slots = c->n_slots;
    return c;
}

void otw_classifier_free(otw_classifier *c)
{
    if (!c)
        return;
    if (c->ndpi)
        ndpi_exit_detection_module(c->ndpi);
    free(c->slots);
    free(c->free_list);
    free(c);
}

/* User-Agent markers. Devices first: smart TVs and Chromecasts also carry
 * "X11"/"Linux", the Xbox carries "Windows NT". */
static const struct {
    const char *marker;
    otw_role_hint hint;
} ua_markers[] = {
    {"SMART-TV", OTW_HINT_IOT}, {"SmartTV", OTW_HINT_IOT},        {"Web0S", OTW_HINT_IOT},
    {"Tizen", OTW_HINT_IOT},    {"CrKey", OTW_HINT_IOT},          {"Roku", OTW_HINT_IOT},
    {"AppleTV", OTW_HINT_IOT},  {"PlayStation", OTW_HINT_IOT},    {"Nintendo", OTW_HINT_IOT},
    {"Xbox", OTW_HINT_IOT},     {"Windows NT", OTW_HINT_IT_HOST}, {"Macintosh", OTW_HINT_IT_HOST},
    {"X11", OTW_HINT_IT_HOST},
};

static otw_role_hint ua_hint(const char *ua)
{
    for (size_t i = 0; i < sizeof(ua_markers) / sizeof(ua_markers[0]); i++)
        if (strstr(ua, ua_markers[i].marker) != NULL)
            return ua_markers[i].hint;
    return OTW_HINT_NONE;
}

/* Appends "key=value" (value from nDPI, i.e. from the wire: cleaned). */
static void add_detail(otw_identity *id, const char *key, const char *value, size_t maxlen)
{
    char clean[128];
    size_t n = strnlen(value, maxlen);
    if (n == 0)
        return;
    otw_copy_wire_string(clean, sizeof(clean), (const uint8_t *)value, n);
    otw_idu_kv(id->detail, sizeof(id->detail), key, clean); /* cut at the end of detail */
}

static bool is_proto(const otw_flow *f, uint16_t id)
{
    return f->ndpi_master == id || f->ndpi_app == id;
}

int otw_classify_identity(otw_classifier *c, const otw_flow *f, otw_identity *client,
                          otw_identity *server)
{
    const struct ndpi_flow_struct *nf = f->ndpi;
    memset(client, 0, sizeof(*client));
    memset(server, 0, sizeof(*server));
    if (!nf)
        return 0;
    client->protocol = server->protocol = OTW_PROTO_NONE;
    client->about = OTW_DIR_TO_SERVER;
    server->about = OTW_DIR_TO_CLIENT;
    bool tls = is_proto(f, NDPI_PROTOCOL_TLS) || is_proto(f, NDPI_PROTOCOL_QUIC) ||
               is_proto(f, NDPI_PROTOCOL_DTLS);
    bool http = is_proto(f, NDPI_PROTOCOL_HTTP);
    if (nf->http.user_agent && nf->http.user_agent[0]) {
        add_detail(client, "ua", nf->http.user_agent, 256);
        char ua[256];
        otw_copy_wire_string(ua, sizeof(ua), (const uint8_t *)nf->http.user_agent,
                             strnlen(nf->http.user_agent, 1024));
        client->role_hint = ua_hint(ua);
        client->source = "http user-agent";
    }
    if ((tls || http) && nf->host_server_name[0]) {
        add_detail(client, tls ? "sni" : "host", nf->host_server_name,
                   sizeof(nf->host_server_name));
        if (!client->source)
            client->source = tls ? "tls sni" : "http host";
    }
    /* nDPI 4.2 stores the FIRST banner seen as "client_signature" whoever
     * sent it, and decides on it: the banner is the one of the packet that
     * just classified the flow, whose sender we know. */
    if (is_proto(f, NDPI_PROTOCOL_SSH) && c->last_flow == f && nf->protos.ssh.client_signature[0] &&
        !nf->protos.ssh.server_signature[0]) {
        otw_identity *who = c->last_from_client ? client : server;
        add_detail(who, "ssh", nf->protos.ssh.client_signature,
                   sizeof(nf->protos.ssh.client_signature));
        if (!who->source)
            who->source = "ssh banner";
    }
    return (client->detail[0] ? 1 : 0) | (server->detail[0] ? 2 : 0);
}

void otw_classifier_set_identity_cb(otw_classifier *c, otw_classify_identity_cb cb, void *ctx)
{
    c->on_identity = cb;
    c->identity_ctx = ctx;
}

static void release(otw_classifier *c, otw_flow *f)
{
    struct ndpi_flow_struct *nf = f->ndpi;
    if (!nf)
        return;
    if (c->on_identity) {
        /* Last chance: ndpi_free_flow_data frees the strings. */
        otw_identity client, server;
        int m = otw_classify_identity(c, f, &client, &server);
        if (m)
            c->on_identity(c->identity_ctx, f, (m & 1) ? &client : NULL, (m & 2) ? &server : NULL);
    }
    f->ndpi_risk = nf->risk;
    ndpi_free_flow_data(nf);
    uint32_t idx = (uint32_t)(((uint8_t *)nf - c->slots) / c->slot_size);
    c->free_list[c->n_free++] = idx;
    f->ndpi = NULL;
}

static void record(otw_flow *f, ndpi_protocol proto)
{
    f->ndpi_master = proto.master_protocol;
    f->ndpi_app = proto.app_protocol;
    f->ndpi_category = (uint16_t)proto.category;
}

bool otw_classify_packet(otw_classifier *c, otw_flow *f, const otw_packet *p)
{
    if (f->ndpi_done)
        return false;
    if (!f->ndpi) {
        if (c->n_free == 0) {
            c->stats.pool_exhausted++;
            f->ndpi_done = true;
            return true;
        }
        uint32_t idx = c->free_list[--c->n_free];
        f->ndpi = c->slots + (size_t)idx * c->slot_size;
        memset(f->ndpi, 0, c->slot_size);
    }
    if (!p->l3_start || p->l3_len == 0)
        return false;
    uint16_t len = p->l3_len > 65535 ? 65535 : (uint16_t)p->l3_len;
    c->last_flow = f;
    c->last_from_client =
        memcmp(&p->src_ip, &f->client_ip, sizeof(p->src_ip)) == 0 && p->src_port == f->client_port;
    ndpi_protocol proto =
        ndpi_detection_process_packet(c->ndpi, f->ndpi, p->l3_start, len, p->ts_us / 1000);
    f->ndpi_packets++;
    if (proto.app_protocol != NDPI_PROTOCOL_UNKNOWN ||
        proto.master_protocol != NDPI_PROTOCOL_UNKNOWN) {
        record(f, proto);
        c->stats.classified++;
        f->ndpi_done = true;
        f->ndpi_detected = true;
        release(c, f);
        return true;
    }
    if (f->ndpi_packets >= c->max_packets) {
        otw_classify_finish(c, f);
        return true;
    }
    return false;
}

void otw_classify_finish(otw_classifier *c, otw_flow *f)
{
    if (f->ndpi_done && !f->ndpi)
        return;
    if (f->ndpi) {
        uint8_t guessed = 0;
        ndpi_protocol proto = ndpi_detection_giveup(c->ndpi, f->ndpi, 1, &guessed);
        record(f, proto);
        c->stats.given_up++;
        release(c, f);
    }
    f->ndpi_done = true;
}

uint16_t otw_classify_proto(const otw_flow *f)
{
    return f->ndpi_app != NDPI_PROTOCOL_UNKNOWN ? f->ndpi_app : f->ndpi_master;
}

/* nDPI 4.2 protocols our dissectors decode (BACnet, OPC UA, MELSEC, FINS
 * and HART-IP have no nDPI detector in 4.2; identity protocols keep their
 * well-known ports). */
static const struct {
    uint16_t ndpi;
    otw_proto ours;
} ndpi_to_dissector[] = {
    {NDPI_PROTOCOL_HTTP, OTW_PROTO_HTTP},        {NDPI_PROTOCOL_FTP_CONTROL, OTW_PROTO_FTP},
    {NDPI_PROTOCOL_TELNET, OTW_PROTO_TELNET},    {NDPI_PROTOCOL_MAIL_POP, OTW_PROTO_POP3},
    {NDPI_PROTOCOL_MAIL_IMAP, OTW_PROTO_IMAP},   {NDPI_PROTOCOL_MAIL_SMTP, OTW_PROTO_SMTP},
    {NDPI_PROTOCOL_MQTT, OTW_PROTO_MQTT},        {NDPI_PROTOCOL_VNC, OTW_PROTO_VNC},
    {NDPI_PROTOCOL_MODBUS, OTW_PROTO_MODBUS},    {NDPI_PROTOCOL_DNP3, OTW_PROTO_DNP3},
    {NDPI_PROTOCOL_IEC60870, OTW_PROTO_IEC104},  {NDPI_PROTOCOL_S7COMM, OTW_PROTO_S7COMM},
    {NDPI_PROTOCOL_ETHERNET_IP, OTW_PROTO_ENIP},
};

otw_proto otw_classify_dissector(const otw_flow *f)
{
    if (!f->ndpi_detected)
        return OTW_PROTO_NONE;
    for (size_t i = 0; i < sizeof(ndpi_to_dissector) / sizeof(ndpi_to_dissector[0]); i++)
        if (is_proto(f, ndpi_to_dissector[i].ndpi))
            return ndpi_to_dissector[i].ours;
    return OTW_PROTO_NONE;
}

const char *otw_classify_proto_name(otw_classifier *c, uint16_t ndpi_id)
{
    const char *n = ndpi_get_proto_name(c->ndpi, ndpi_id);
    return n ? n : "Unknown";
}

uint32_t otw_classify_n_protos(otw_classifier *c)
{
    return ndpi_get_num_supported_protocols(c->ndpi);
}

const char *otw_classify_category_name(otw_classifier *c, uint16_t category)
{
    const char *n = ndpi_category_get_name(c->ndpi, (ndpi_protocol_category_t)category);
    return n ? n : "Unspecified";
}

void otw_classify_get_stats(const otw_classifier *c, otw_classify_stats *out)
{
    *out = c->stats;
}
