/* registry.c - the table of dissectors (see dissector.h).
 *
 * Adding a protocol: one row in proto_table.h names its descriptor.
 * Descriptors are weak references so the table links while a protocol's
 * file is being written; a missing one is simply absent. */
#include "dissector.h"

#define OTW_DISSECTOR_REF(id, name, dissector, config)                                             \
    extern const otw_dissector dissector __attribute__((weak));
OTW_PROTOCOLS(OTW_DISSECTOR_REF)
#undef OTW_DISSECTOR_REF

#define OTW_DISSECTOR_ADDR(id, name, dissector, config) &dissector,
static const otw_dissector *const all[] = {OTW_PROTOCOLS(OTW_DISSECTOR_ADDR)};
#undef OTW_DISSECTOR_ADDR

#define ALL_LEN (sizeof(all) / sizeof(all[0]))

/* Entries whose protocol is not linked in are NULL: every walk skips them. */
const otw_dissector *const *otw_dissectors(size_t *n)
{
    *n = ALL_LEN;
    return all;
}

const otw_dissector *otw_dissector_for_port(bool tcp, uint16_t port)
{
    if (port == 0)
        return NULL; /* 0 terminates the port lists */
    for (size_t i = 0; i < ALL_LEN; i++) {
        if (!all[i])
            continue;
        const uint16_t *ports = tcp ? all[i]->tcp_ports : all[i]->udp_ports;
        for (size_t k = 0; k < OTW_DISSECTOR_MAX_PORTS && ports[k] != 0; k++)
            if (ports[k] == port)
                return all[i];
    }
    return NULL;
}

const otw_dissector *otw_dissector_for_ethertype(uint16_t ethertype)
{
    for (size_t i = 0; i < ALL_LEN; i++)
        for (size_t k = 0; all[i] && k < 4 && all[i]->ethertypes[k] != 0; k++)
            if (all[i]->ethertypes[k] == ethertype)
                return all[i];
    return NULL;
}

const otw_dissector *otw_dissector_get(otw_proto proto)
{
    for (size_t i = 0; i < ALL_LEN; i++)
        if (all[i] && all[i]->proto == proto)
            return all[i];
    return NULL;
}
