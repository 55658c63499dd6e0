/* registry.c - the table of industrial dissectors (see dissector.h).
 *
 * Adding a protocol: include its header and add its descriptor below.
 */
#include "dissector.h"
#include "modbus.h"

static const otw_dissector *const registry[] = {
    &mb_dissector,
};

#define REGISTRY_LEN (sizeof(registry) / sizeof(registry[0]))

const otw_dissector *otw_dissector_for_port(bool tcp, uint16_t port)
{
    if (port == 0)
        return NULL; /* 0 terminates the port lists */
    for (size_t i = 0; i < REGISTRY_LEN; i++) {
        const uint16_t *ports = tcp ? registry[i]->tcp_ports : registry[i]->udp_ports;
        for (size_t k = 0; k < OTW_DISSECTOR_MAX_PORTS && ports[k] != 0; k++)
            if (ports[k] == port)
                return registry[i];
    }
    return NULL;
}

const otw_dissector *otw_dissector_get(otw_proto proto)
{
    for (size_t i = 0; i < REGISTRY_LEN; i++)
        if (registry[i]->proto == proto)
            return registry[i];
    return NULL;
}
