/* detect.c - dynamic protocol detection; see detect.h. */
#include "detect.h"

#include <string.h>

#include "keymap.h"

void otw_detect_init(otw_detect *d, const otw_config *cfg)
{
    memset(d, 0, sizeof(*d));
    d->enabled = cfg->dynamic_detection;
    for (int p = 1; p < OTW_PROTO__COUNT; p++) {
        const otw_dissector *ds = otw_dissector_get((otw_proto)p);
        if (!ds || ds->ethertypes[0])
            continue; /* not linked in, or link-layer */
        d->tcp_allowed[p] = cfg->tcp_ports[p][0] != 0;
        d->udp_allowed[p] = cfg->udp_ports[p][0] != 0;
        if (!ds->probe)
            continue;
        if (d->tcp_allowed[p])
            d->tcp_probes[d->n_tcp_probes++] = ds;
        if (d->udp_allowed[p])
            d->udp_probes[d->n_udp_probes++] = ds;
    }
}

bool otw_detect_allowed(const otw_detect *d, bool tcp, otw_proto proto)
{
    if (!d->enabled || proto <= OTW_PROTO_NONE || proto >= OTW_PROTO__COUNT)
        return false;
    return tcp ? d->tcp_allowed[proto] : d->udp_allowed[proto];
}

otw_proto otw_detect_probe(const otw_detect *d, bool tcp, const uint8_t *buf, size_t len,
                           otw_dir dir, bool opening)
{
    const otw_dissector *const *probes = tcp ? d->tcp_probes : d->udp_probes;
    size_t n = tcp ? d->n_tcp_probes : d->n_udp_probes;
    otw_proto best = OTW_PROTO_NONE;
    int best_score = OTW_PROBE_NO;
    if (!d->enabled || !buf || len == 0)
        return OTW_PROTO_NONE;
    for (size_t i = 0; i < n; i++) {
        int score = probes[i]->probe(buf, len, dir, opening);
        if (score > best_score) {
            best_score = score;
            best = probes[i]->proto;
        }
    }
    return best;
}

static uint32_t known_slot(const otw_addr *server, uint16_t port, bool tcp)
{
    uint8_t key[16];
    memcpy(key, server->b, 16);
    key[0] ^= (uint8_t)port;
    key[1] ^= (uint8_t)(port >> 8);
    key[2] ^= tcp ? 0x5a : 0xa5;
    return (uint32_t)otw_hash16(key) & (OTW_DETECT_KNOWN_SLOTS - 1);
}

static bool known_is(const otw_known_service *k, const otw_addr *server, uint16_t port, bool tcp)
{
    return k->tcp == (tcp ? 2 : 1) && k->port == port && memcmp(&k->server, server, 16) == 0;
}

bool otw_detect_learn(otw_detect *d, const otw_addr *server, uint16_t port, bool tcp,
                      otw_proto proto)
{
    if (!otw_detect_allowed(d, tcp, proto))
        return false;
    uint32_t i = known_slot(server, port, tcp);
    for (uint32_t n = 0; n < OTW_DETECT_KNOWN_SLOTS / 2;
         n++, i = (i + 1) & (OTW_DETECT_KNOWN_SLOTS - 1)) {
        otw_known_service *k = &d->known[i];
        if (k->tcp && !known_is(k, server, port, tcp))
            continue;
        if (!k->tcp) {
            /* Kept under half full: lookups stay short. */
            if (d->n_known >= OTW_DETECT_KNOWN_SLOTS / 2)
                break;
            k->server = *server;
            k->port = port;
            k->tcp = tcp ? 2 : 1;
            d->n_known++;
        }
        k->proto = (uint8_t)proto;
        return true;
    }
    d->known_refused++;
    return false;
}

otw_proto otw_detect_known(const otw_detect *d, const otw_addr *server, uint16_t port, bool tcp)
{
    if (!d->enabled || d->n_known == 0)
        return OTW_PROTO_NONE;
    uint32_t i = known_slot(server, port, tcp);
    for (uint32_t n = 0; n < OTW_DETECT_KNOWN_SLOTS;
         n++, i = (i + 1) & (OTW_DETECT_KNOWN_SLOTS - 1)) {
        const otw_known_service *k = &d->known[i];
        if (!k->tcp)
            return OTW_PROTO_NONE;
        if (known_is(k, server, port, tcp))
            return (otw_proto)k->proto;
    }
    return OTW_PROTO_NONE;
}
