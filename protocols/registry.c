/* registry.c - the table of dissectors (see dissector.h).
 *
 * Adding a protocol: declare its descriptor below and list it in `all`.
 * Descriptors are weak references so the table links while a protocol's
 * file is being written; a missing one is simply absent. */
#include "dissector.h"

#define OTW_DISSECTOR_REF(sym) extern const otw_dissector sym __attribute__((weak))

OTW_DISSECTOR_REF(mb_dissector);
OTW_DISSECTOR_REF(s7_dissector);
OTW_DISSECTOR_REF(enip_dissector);
OTW_DISSECTOR_REF(dnp3_dissector);
OTW_DISSECTOR_REF(iec104_dissector);
OTW_DISSECTOR_REF(bacnet_dissector);
OTW_DISSECTOR_REF(pndcp_dissector);
OTW_DISSECTOR_REF(slmp_dissector);
OTW_DISSECTOR_REF(melsoft_dissector);
OTW_DISSECTOR_REF(fins_dissector);
OTW_DISSECTOR_REF(opcua_dissector);
OTW_DISSECTOR_REF(hartip_dissector);
OTW_DISSECTOR_REF(dhcp_dissector);
OTW_DISSECTOR_REF(lldp_dissector);
OTW_DISSECTOR_REF(cdp_dissector);
OTW_DISSECTOR_REF(nbns_dissector);
OTW_DISSECTOR_REF(mdns_dissector);
OTW_DISSECTOR_REF(ssdp_dissector);
OTW_DISSECTOR_REF(snmp_dissector);
OTW_DISSECTOR_REF(telnet_dissector);
OTW_DISSECTOR_REF(ftp_dissector);
OTW_DISSECTOR_REF(http_dissector);
OTW_DISSECTOR_REF(mqtt_dissector);
OTW_DISSECTOR_REF(vnc_dissector);
OTW_DISSECTOR_REF(pop3_dissector);
OTW_DISSECTOR_REF(imap_dissector);
OTW_DISSECTOR_REF(smtp_dissector);
OTW_DISSECTOR_REF(dns_dissector);

static const otw_dissector *const all[] = {
    &mb_dissector,     &s7_dissector,     &enip_dissector, &dnp3_dissector,    &iec104_dissector,
    &bacnet_dissector, &pndcp_dissector,  &slmp_dissector, &melsoft_dissector, &fins_dissector,
    &opcua_dissector,  &hartip_dissector, &dhcp_dissector, &lldp_dissector,    &cdp_dissector,
    &nbns_dissector,   &mdns_dissector,   &ssdp_dissector, &snmp_dissector,    &telnet_dissector,
    &ftp_dissector,    &http_dissector,   &mqtt_dissector, &vnc_dissector,     &pop3_dissector,
    &imap_dissector,   &smtp_dissector,   &dns_dissector,
};

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
