/* proto_table.h - the one list of protocols otwatch dissects.
 *
 * Every list of protocols is generated from this table: the otw_proto enum
 * (facts.h), its names (facts.c), the dissector registry (registry.c) and the
 * configuration's protocols.NAME sections (sensor/core/config.c). Adding a
 * protocol is one row here plus its dissector file.
 *
 * X(ID, name, dissector, config)
 *   ID         OTW_PROTO_<ID>; order is the enum order
 *   name       stable identifier in logs, the database and reports
 *   dissector  the otw_dissector descriptor the protocol's file defines
 *   config     PORTS: protocols.<name> sets its tcp_ports and udp_ports;
 *              LINK: found by Ethertype, nothing to configure
 */
#ifndef OTW_PROTO_TABLE_H
#define OTW_PROTO_TABLE_H

/* clang-format off */
#define OTW_PROTOCOLS(X)                                                                    \
    X(MODBUS,  "modbus",       mb_dissector,      PORTS)                                    \
    X(S7COMM,  "s7comm",       s7_dissector,      PORTS) /* S7comm, S7comm-plus */          \
    X(ENIP,    "enip",         enip_dissector,    PORTS) /* EtherNet/IP + CIP */            \
    X(DNP3,    "dnp3",         dnp3_dissector,    PORTS)                                    \
    X(IEC104,  "iec104",       iec104_dissector,  PORTS)                                    \
    X(BACNET,  "bacnet",       bacnet_dissector,  PORTS)                                    \
    X(PNDCP,   "profinet_dcp", pndcp_dissector,   LINK) /* PROFINET DCP, Ethertype 0x8892 */\
    X(SLMP,    "slmp",         slmp_dissector,    PORTS) /* MELSEC SLMP / MC 3E, 4E */      \
    X(MELSOFT, "melsoft",      melsoft_dissector, PORTS) /* MELSEC GX Works engineering */  \
    X(FINS,    "fins",         fins_dissector,    PORTS) /* Omron FINS */                   \
    X(OPCUA,   "opcua",        opcua_dissector,   PORTS) /* OPC UA binary */                \
    X(HARTIP,  "hartip",       hartip_dissector,  PORTS)                                    \
    /* identity-only protocols (no industrial operations) */                                \
    X(DHCP,    "dhcp",         dhcp_dissector,    PORTS)                                    \
    X(LLDP,    "lldp",         lldp_dissector,    LINK)                                     \
    X(CDP,     "cdp",          cdp_dissector,     LINK)                                     \
    X(NBNS,    "nbns",         nbns_dissector,    PORTS)                                    \
    X(MDNS,    "mdns",         mdns_dissector,    PORTS)                                    \
    X(SSDP,    "ssdp",         ssdp_dissector,    PORTS)                                    \
    X(SNMP,    "snmp",         snmp_dissector,    PORTS)                                    \
    /* cleartext logins */                                                                  \
    X(TELNET,  "telnet",       telnet_dissector,  PORTS)                                    \
    X(FTP,     "ftp",          ftp_dissector,     PORTS)                                    \
    X(HTTP,    "http",         http_dissector,    PORTS)                                    \
    X(MQTT,    "mqtt",         mqtt_dissector,    PORTS)                                    \
    X(VNC,     "vnc",          vnc_dissector,     PORTS)                                    \
    X(POP3,    "pop3",         pop3_dissector,    PORTS)                                    \
    X(IMAP,    "imap",         imap_dissector,    PORTS)                                    \
    X(SMTP,    "smtp",         smtp_dissector,    PORTS)                                    \
    /* names of remote addresses (exposure) */                                              \
    X(DNS,     "dns",          dns_dissector,     PORTS)
/* clang-format on */

/* OTW_IF_PORTS(config, ...) expands to its arguments only for PORTS rows. */
#define OTW_IF_PORTS(config, ...) OTW_IF_PORTS_##config(__VA_ARGS__)
#define OTW_IF_PORTS_PORTS(...) __VA_ARGS__
#define OTW_IF_PORTS_LINK(...)

#endif
