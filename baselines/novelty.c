/* novelty.c - see novelty.h. */
#include "novelty.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"

#define BURST_SLOTS 4096 /* (client, server) pairs tracked for exception bursts */

typedef struct burst {
    uint64_t window_start_us;
    uint32_t n;
} burst;

struct otw_novelty {
    otw_novelty_settings set;
    otw_alert_sink alerts;
    otw_keymap burst_index;
    burst bursts[BURST_SLOTS];
    uint32_t n_bursts;
};

otw_novelty *otw_novelty_new(const otw_novelty_settings *set, otw_alert_sink alerts)
{
    otw_novelty *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->set = *set;
    n->alerts = alerts;
    if (otw_keymap_init(&n->burst_index, BURST_SLOTS) < 0) {
        free(n);
        return NULL;
    }
    return n;
}

void otw_novelty_free(otw_novelty *n)
{
    if (!n)
        return;
    otw_keymap_free(&n->burst_index);
    free(n);
}

static const char *ip_or_mac(const otw_endpoint *e, char *buf, size_t bufsz)
{
    if (e->has_ip)
        return otw_addr_str(&e->ip, buf, bufsz);
    if (e->has_mac)
        return otw_mac_str(e->mac, buf, bufsz);
    return "?";
}

void otw_novelty_asset(otw_novelty *n, const otw_asset *a, uint64_t ts_us)
{
    otw_alert al;
    otw_alert_init(&al, OTW_AT_NEW_ASSET, NULL, NULL, NULL); /* T0864 Transient Cyber Asset */
    if (a->n_ips) {
        al.src.has_ip = true;
        al.src.ip = a->ips[0];
    }
    if (a->has_mac) {
        al.src.has_mac = true;
        memcpy(al.src.mac, a->mac, 6);
    }
    char who[64], mac[32];
    ip_or_mac(&al.src, who, sizeof(who));
    if (a->has_mac)
        otw_alert_message(&al, "New device %s (MAC %s%s%s%s)", who,
                          otw_mac_str(a->mac, mac, sizeof(mac)), a->vendor[0] ? ", " : "",
                          a->vendor, "");
    else
        otw_alert_message(&al, "New device %s", who);
    otw_alert_sink_raise(&n->alerts, &al, ts_us, 1);
}

void otw_novelty_comm(otw_novelty *n, const otw_comm *c, const char *proto_name,
                      const otw_endpoint *client, const otw_endpoint *server, otw_comm_kind kind,
                      uint64_t ts_us)
{
    otw_alert al;
    otw_alert_init(&al, OTW_AT_NEW_COMMUNICATION, client, server, proto_name);
    if (kind == OTW_COMM_INDUSTRIAL) {
        al.severity = OTW_SEV_HIGH;
        otw_alert_technique(&al, "T0848"); /* Rogue Master */
    } else if (kind == OTW_COMM_FROM_CONTROLLER || kind == OTW_COMM_FROM_HMI) {
        /* Controllers answer; one calling a plant device over SMB, a shell
         * or a file transfer is moving laterally (a compromised RTU). */
        al.severity = OTW_SEV_HIGH;
        otw_alert_technique(&al, "T0886"); /* Remote Services */
    }
    al.src.port = 0; /* client ports are ephemeral: not part of the pair */
    al.dst.port = c->server_port;
    char a[64], b[64];
    otw_alert_message(&al, "New communication %s -> %s %s/%u (%s)", ip_or_mac(client, a, sizeof(a)),
                      ip_or_mac(server, b, sizeof(b)),
                      c->transport == 6    ? "tcp"
                      : c->transport == 17 ? "udp"
                                           : "ip",
                      c->server_port, proto_name);
    if (kind == OTW_COMM_FROM_CONTROLLER || kind == OTW_COMM_FROM_HMI) {
        size_t len = strnlen(al.message, sizeof(al.message));
        snprintf(al.message + len, sizeof(al.message) - len,
                 ": %s opening a connection that is not an industrial protocol "
                 "(lateral movement?)",
                 kind == OTW_COMM_FROM_HMI ? "an HMI" : "a controller");
    }
    otw_alert_sink_raise(&n->alerts, &al, ts_us, 1);
}

static void write_alert(const otw_op *op, const otw_endpoint *client, const otw_endpoint *server,
                        bool new_master, otw_alert *al)
{
    /* T0855 Unauthorized Command Message */
    otw_alert_init(al, OTW_AT_MODBUS_WRITE, client, server, otw_proto_name(op->protocol));
    if (new_master)
        al->severity = OTW_SEV_CRITICAL;
    al->src.port = 0;
    otw_alert_key(al, "unit=%u", op->unit);
    char a[64], b[64];
    if (op->has_address)
        otw_alert_message(al, "%s writes to %s unit %u: %s (function %u) at %u count %u%s",
                          ip_or_mac(client, a, sizeof(a)), ip_or_mac(server, b, sizeof(b)),
                          op->unit, op->function_name, op->function, op->address_start,
                          op->address_count,
                          new_master ? "; a master this device did not have" : "");
    else
        otw_alert_message(al, "%s writes to %s unit %u: %s (function %u)%s",
                          ip_or_mac(client, a, sizeof(a)), ip_or_mac(server, b, sizeof(b)),
                          op->unit, op->function_name, op->function,
                          new_master ? "; a master this device did not have" : "");
}

static void exception_burst(otw_novelty *n, const otw_op *op, const otw_endpoint *client,
                            const otw_endpoint *server)
{
    uint8_t raw[34], key[16];
    memcpy(raw, client->ip.b, 16);
    memcpy(raw + 16, server->ip.b, 16);
    raw[32] = (uint8_t)op->protocol;
    raw[33] = 0;
    otw_digest128(raw, sizeof(raw), key);
    uint32_t idx = otw_keymap_get(&n->burst_index, key);
    if (idx == UINT32_MAX) {
        if (n->n_bursts >= BURST_SLOTS || otw_keymap_put(&n->burst_index, key, n->n_bursts) < 0)
            return;
        idx = n->n_bursts++;
        n->bursts[idx].window_start_us = op->ts_us;
        n->bursts[idx].n = 0;
    }
    burst *b = &n->bursts[idx];
    uint64_t window = (uint64_t)n->set.exception_burst_window_s * 1000000u;
    uint64_t ts = op->response_ts_us ? op->response_ts_us : op->ts_us;
    if (ts > b->window_start_us + window) {
        b->window_start_us = ts;
        b->n = 0;
    }
    b->n++;
    if (b->n < n->set.exception_burst_count)
        return;
    /* Named per protocol: MODBUS_EXCEPTIONS, S7COMM_EXCEPTIONS, ...; T0846
     * Remote System Discovery */
    otw_alert al;
    otw_alert_init(&al, OTW_AT_PROTOCOL_EXCEPTIONS, server, client, otw_proto_name(op->protocol));
    al.dst.port = 0;
    char c1[64], c2[64];
    otw_alert_message(
        &al, "Burst of exception responses from %s to %s (>= %u within %u s; last: %s)",
        ip_or_mac(server, c1, sizeof(c1)), ip_or_mac(client, c2, sizeof(c2)),
        n->set.exception_burst_count, n->set.exception_burst_window_s, op->function_name);
    /* The first alert carries the whole burst; later exceptions in a burst
     * add one each. */
    otw_alert_sink_raise(&n->alerts, &al, ts, b->n == n->set.exception_burst_count ? b->n : 1);
}

bool otw_novelty_write_alert(const otw_op *op, const otw_endpoint *client,
                             const otw_endpoint *server, bool new_master, otw_alert *out)
{
    if (op->protocol != OTW_PROTO_MODBUS || op->op_class != OTW_CLASS_WRITE || !op->request_seen)
        return false;
    write_alert(op, client, server, new_master, out);
    return true;
}

void otw_novelty_write(otw_novelty *n, const otw_op *op, const otw_endpoint *client,
                       const otw_endpoint *server)
{
    otw_alert al;
    if (otw_novelty_write_alert(op, client, server, false, &al))
        otw_alert_sink_raise(&n->alerts, &al, op->ts_us, 1);
}

void otw_novelty_exceptions(otw_novelty *n, const otw_op *op, const otw_endpoint *client,
                            const otw_endpoint *server)
{
    if (op->outcome == OTW_OUTCOME_EXCEPTION)
        exception_burst(n, op, client, server);
}
