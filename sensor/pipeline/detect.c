/* detect.c - dynamic protocol detection; see detect.h. */
#include "detect.h"

#include <string.h>

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
