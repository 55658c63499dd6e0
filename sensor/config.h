/* config.h - the sensor configuration (one YAML file) and its defaults.
 *
 * Every tunable has its default here, with its unit, so `otwatch help` and
 * the example configuration cannot drift from the code.
 */
#ifndef OTW_CONFIG_H
#define OTW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "facts.h"

#define OTW_DEFAULT_STATE_DIR_READ "./otwatch-state"
#define OTW_DEFAULT_STATE_DIR_RUN "/var/lib/otwatch"
#define OTW_DEFAULT_CONFIG_PATH "/etc/otwatch/otwatch.yaml"

#define OTW_MAX_INTERFACES 8
#define OTW_MAX_CIDRS 64
#define OTW_MAX_PORTS 16
#define OTW_PATH_MAX 512

typedef struct otw_cidr {
    uint8_t addr[16];        /* IPv4 as IPv4-mapped IPv6 */
    uint8_t prefix;          /* 0..128 (IPv4 prefixes stored + 96) */
} otw_cidr;

typedef enum otw_syslog_transport { OTW_SYSLOG_UDP = 0, OTW_SYSLOG_TCP } otw_syslog_transport;

typedef struct otw_config {
    /* sensor */
    char state_dir[OTW_PATH_MAX];   /* "" = command default */
    char user[64];                  /* drop privileges to this user after opening capture ("" = don't) */
    /* capture */
    char interfaces[OTW_MAX_INTERFACES][64];
    int n_interfaces;
    uint32_t capture_buffer_mb;     /* default 64 */
    uint32_t snaplen;               /* default 65535 */
    char filter[256];               /* BPF, "" = none */
    /* flows */
    uint32_t flow_memory_mb;        /* default 64 */
    uint32_t tcp_timeout_s;         /* default 300 */
    uint32_t udp_timeout_s;         /* default 60 */
    uint32_t closed_timeout_s;      /* default 10: after FIN/RST from both sides or RST */
    uint32_t ndpi_max_packets;      /* default 32: give up after this many packets */
    uint32_t ndpi_memory_mb;        /* default 64: cap for undecided nDPI flow states */
    /* streams */
    uint32_t stream_memory_mb;      /* default 32 */
    /* protocols */
    /* Server ports per dissector (index otw_proto), 0-terminated. Default:
     * the dissector's own list (protocols/registry.c); protocols.NAME.tcp_ports
     * and udp_ports replace it. */
    uint16_t tcp_ports[OTW_PROTO__COUNT][OTW_MAX_PORTS];
    uint16_t udp_ports[OTW_PROTO__COUNT][OTW_MAX_PORTS];
    uint32_t request_timeout_s;     /* default 10: unanswered request -> no_response */
    /* inventory */
    otw_cidr local_networks[OTW_MAX_CIDRS]; /* default RFC 1918, 169.254/16, fc00::/7, fe80::/10 */
    int n_local_networks;
    uint32_t max_assets;            /* default 65536 */
    /* alerts */
    uint32_t exception_burst_count; /* default 5 exceptions ... */
    uint32_t exception_burst_window_s; /* ... within 60 s */
    /* outputs */
    char alerts_file[OTW_PATH_MAX]; /* default "alerts.jsonl" (relative: in the state dir) */
    char ops_log[OTW_PATH_MAX];     /* default "ops.jsonl" (relative: in the state dir); "" = off */
    bool syslog_enabled;            /* default false */
    otw_syslog_transport syslog_transport; /* default udp */
    char syslog_host[256];          /* default "127.0.0.1" */
    uint16_t syslog_port;           /* default 514 */
    char syslog_app_name[48];       /* default "otwatch" */
    /* store */
    uint32_t checkpoint_s;          /* default 10: capture seconds between store commits */
} otw_config;

void otw_config_defaults(otw_config *c);

/* Loads path over the defaults already in c. On error returns -1 and writes
 * "FILE:LINE: message" into err. Unknown keys, wrong types and out-of-range
 * values are errors. */
int otw_config_load(otw_config *c, const char *path, char *err, size_t errsz);

/* Parses "10.0.0.0/8", "fe80::/10" or a bare address (full-length prefix). */
int otw_cidr_parse(const char *s, otw_cidr *out);
bool otw_cidr_contains(const otw_cidr *c, const uint8_t addr[16]);

#endif
