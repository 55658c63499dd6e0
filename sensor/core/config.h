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
#define OTW_MAX_WEB_HOSTS 8
#define OTW_MAX_CIDRS 64
#define OTW_MAX_PORTS 16
#define OTW_PATH_MAX 512

/* Zones and conduits (sensor/core/zones.h has the model, deploy/otwatch.yaml the keys). */
#define OTW_MAX_ZONES 32
#define OTW_ZONE_MAX_CIDRS 16
#define OTW_ZONE_MAX_VLANS 16
#define OTW_MAX_CONDUITS 64
#define OTW_CONDUIT_MAX_PROTOS 8
#define OTW_CONDUIT_MAX_PORTS 16
#define OTW_CONDUIT_MAX_WINDOWS 4
#define OTW_ZONE_NAME_MAX 32
#define OTW_ZONE_LABEL_MAX 64 /* bytes of UTF-8 */
/* Built-in zones, as zone indexes next to the configured 0..n_zones-1. */
#define OTW_ZONE_INTERNET 0xFE   /* public addresses: not local, not in a zone */
#define OTW_ZONE_UNASSIGNED 0xFF /* local addresses in no zone */

typedef struct otw_cidr {
    uint8_t addr[16]; /* IPv4 as IPv4-mapped IPv6 */
    uint8_t prefix;   /* 0..128 (IPv4 prefixes stored + 96) */
} otw_cidr;

/* What a zone holds, for severities: Purdue levels 0-1 are control (PLCs,
 * RTUs, I/O), 2-3 supervisory/operations (OT), 3.5 the DMZ, 4-5 IT. */
typedef enum otw_zone_kind {
    OTW_ZK_CONTROL = 0,
    OTW_ZK_OT,
    OTW_ZK_DMZ,
    OTW_ZK_IT,
    OTW_ZK_INTERNET,   /* built-in zone "internet" */
    OTW_ZK_UNASSIGNED, /* built-in zone "unassigned" */
} otw_zone_kind;

typedef struct otw_zone_cfg {
    char name[OTW_ZONE_NAME_MAX];   /* ASCII id: nftables sets, exports, keys */
    char label[OTW_ZONE_LABEL_MAX]; /* what people call it, any script ("" = name) */
    char level[16];                 /* as written: "0".."5", "3.5" or a free label */
    uint8_t kind;                   /* otw_zone_kind (control..it) */
    uint8_t criticality;            /* otw_severity LOW..CRITICAL, default MEDIUM */
    uint8_t n_cidrs, n_vlans;
    otw_cidr cidrs[OTW_ZONE_MAX_CIDRS];
    uint16_t vlans[OTW_ZONE_MAX_VLANS];
} otw_zone_cfg;

typedef struct otw_port_range {
    uint16_t lo, hi;   /* server ports lo..hi */
    uint8_t transport; /* 0 = tcp or udp, 6 = tcp, 17 = udp */
} otw_port_range;

typedef struct otw_time_window {
    uint8_t days;                /* bit 0 = Monday .. bit 6 = Sunday: the day the window opens */
    uint16_t start_min, end_min; /* minutes of the day; end <= start runs past midnight */
} otw_time_window;

typedef struct otw_conduit_cfg {
    char name[OTW_ZONE_NAME_MAX];
    uint8_t from, to; /* zone index or OTW_ZONE_INTERNET / OTW_ZONE_UNASSIGNED */
    bool both_ways;   /* direction: both (either side may open) */
    bool allow;       /* false: a rule that only carries an action for its scope */
    bool reset;       /* action: reset (violations in its scope get TCP resets) */
    uint8_t n_protocols, n_ports, n_windows;
    char protocols[OTW_CONDUIT_MAX_PROTOS][24];
    otw_port_range ports[OTW_CONDUIT_MAX_PORTS];
    otw_time_window windows[OTW_CONDUIT_MAX_WINDOWS];
    int16_t utc_offset_min; /* windows are in this offset from UTC */
} otw_conduit_cfg;

typedef enum otw_syslog_transport {
    OTW_SYSLOG_UDP = 0,
    OTW_SYSLOG_TCP,
    OTW_SYSLOG_TLS /* RFC 5425 */
} otw_syslog_transport;
/* Payload of each syslog message (siem_format.h). */
typedef enum otw_syslog_fmt {
    OTW_SYSLOG_FMT_RFC5424 = 0, /* structured data [otwatch@32473 ...] + text */
    OTW_SYSLOG_FMT_CEF,         /* ArcSight CEF:0 */
    OTW_SYSLOG_FMT_LEEF,        /* QRadar LEEF:2.0 */
    OTW_SYSLOG_FMT_ECS,         /* JSON, Elastic Common Schema names */
    OTW_SYSLOG_FMT_TEXT         /* one plain line */
} otw_syslog_fmt;
typedef enum otw_syslog_hdr {
    OTW_SYSLOG_HDR_RFC5424 = 0,
    OTW_SYSLOG_HDR_RFC3164 /* BSD syslog */
} otw_syslog_hdr;

/* Largest baseline table a configuration or a stored model may ask for: a
 * channel takes ~6 KB once used, so 65,536 of them is 400 MB. */
#define OTW_BL_TABLE_LIMIT 65536u

typedef struct otw_config {
    /* sensor */
    char state_dir[OTW_PATH_MAX]; /* "" = command default */
    char user[64]; /* drop privileges to this user after opening capture ("" = don't) */
    /* capture */
    char interfaces[OTW_MAX_INTERFACES][64];
    int n_interfaces;
    uint32_t capture_buffer_mb; /* default 64 */
    uint32_t snaplen;           /* default 65535 */
    /* Live: false (default) lets the kernel fill a block of packets
     * (TPACKET_V3) and wake the sensor when it is full or capture_timeout_ms
     * passed, instead of once per packet; true wakes per packet. */
    bool capture_immediate;
    uint32_t capture_timeout_ms; /* default 50 */
    char filter[256];            /* BPF, "" = none */
    /* flows */
    uint32_t flow_memory_mb;   /* default 64 */
    uint32_t tcp_timeout_s;    /* default 300 */
    uint32_t udp_timeout_s;    /* default 60 */
    uint32_t closed_timeout_s; /* default 10: after FIN/RST from both sides or RST */
    uint32_t ndpi_max_packets; /* default 32: give up after this many packets */
    uint32_t ndpi_memory_mb;   /* default 64: cap for undecided nDPI flow states */
    /* streams */
    uint32_t stream_memory_mb; /* default 32 */
    /* protocols */
    /* Server ports per dissector (index otw_proto), 0-terminated. Default:
     * the dissector's own list (protocols/registry.c); protocols.NAME.tcp_ports
     * and udp_ports replace it. */
    uint16_t tcp_ports[OTW_PROTO__COUNT][OTW_MAX_PORTS];
    uint16_t udp_ports[OTW_PROTO__COUNT][OTW_MAX_PORTS];
    uint32_t request_timeout_s; /* default 10: unanswered request -> no_response */
    bool dynamic_detection;     /* default true: dissectors claim flows on any port */
    /* inventory */
    otw_cidr local_networks[OTW_MAX_CIDRS]; /* default RFC 1918, 169.254/16, fc00::/7, fe80::/10 */
    int n_local_networks;
    /* inventory.local_networks given in the configuration: the address plan
     * is stated, and only those networks hold assets. Otherwise an address
     * outside them is a plant device once it proves it (inventory.h). */
    bool local_networks_set;
    uint32_t max_assets; /* default 65536 */
    uint32_t max_alerts; /* alerts.max_alerts, default 100000 */
    /* alerts */
    uint32_t exception_burst_count;    /* default 5 exceptions ... */
    uint32_t exception_burst_window_s; /* ... within 60 s */
    /* outputs */
    char alerts_file[OTW_PATH_MAX]; /* default "alerts.jsonl" (relative: in the state dir) */
    char ops_log[OTW_PATH_MAX];     /* default "ops.jsonl" (relative: in the state dir); "" = off */
    bool syslog_enabled;            /* default false */
    bool syslog_chain_heads;        /* default true: the evidence chains' heads at checkpoints */
    otw_syslog_transport syslog_transport;   /* default udp */
    char syslog_host[256];                   /* default "127.0.0.1" */
    uint16_t syslog_port;                    /* default 514 */
    char syslog_app_name[48];                /* default "otwatch" */
    otw_syslog_fmt syslog_format;            /* default rfc5424 */
    otw_syslog_hdr syslog_header;            /* default rfc5424 */
    char syslog_leef_delimiter;              /* default '\t' (LEEF 2.0 attribute delimiter) */
    uint32_t syslog_spool_mb;                /* default 64: on-disk spool cap (state dir spool/) */
    char syslog_tls_ca_file[OTW_PATH_MAX];   /* PEM CA bundle (required for tls) */
    char syslog_tls_cert_file[OTW_PATH_MAX]; /* PEM client certificate, "" = none */
    char syslog_tls_key_file[OTW_PATH_MAX];  /* PEM client key, "" = none */
    char syslog_tls_peer_name[256]; /* name checked in the collector's certificate, "" = host */
    uint32_t syslog_heartbeat_s;    /* default 300: `run` sends a heartbeat this often, 0 = off */
    /* store */
    uint32_t checkpoint_s; /* default 10: capture seconds between store commits */
    /* coverage (coverage.h) */
    uint32_t coverage_retention_s; /* default 90 days of coverage rows, 0 = keep all */
    uint32_t coverage_read_gap_s;  /* default 300: a capture file's silence longer is a gap */
    /* activity over time (activity.h) */
    uint32_t activity_bucket_s;    /* default 60: bucket length of each communication's counts */
    uint32_t activity_retention_s; /* default 90 days of buckets and indexed ops, 0 = keep all */
    uint32_t activity_max_mb;      /* default 4096: size cap of those tables, 0 = none */
    /* baseline (baselines/baseline.h) */
    uint32_t baseline_learn_for_s;        /* default 0: detect from the start; e.g. 7d */
    uint32_t baseline_device_learn_for_s; /* default 600: own window of a new channel */
    uint32_t baseline_scan_units, baseline_scan_functions, baseline_scan_hosts; /* 8, 8, 10 */
    /* address sweeps (distinct addresses outside the learned ones, and
     * answered "illegal address") and refused connections: 32, 5, 10 */
    uint32_t baseline_scan_addresses, baseline_scan_bad_addresses, baseline_scan_refused;
    uint32_t baseline_max_channels, baseline_max_controllers; /* default 4096 each */
    uint32_t baseline_scan_window_s;                          /* default 60 */
    /* zones and conduits (default: none, nothing is placed) */
    otw_zone_cfg zones[OTW_MAX_ZONES];
    int n_zones;
    otw_conduit_cfg conduits[OTW_MAX_CONDUITS];
    int n_conduits;
    /* enforcement */
    bool enforce_enabled;              /* default false: the global switch */
    bool enforce_dry_run;              /* default false: log would-resets, send nothing */
    char enforce_interface[64];        /* injection interface, "" = none */
    uint32_t enforce_max_resets_per_s; /* default 10 */
    /* credentials (sensor/analysis/creds.h) */
    char creds_defaults_file[OTW_PATH_MAX]; /* default OTW_DATA_DIR/default_credentials.tsv; "" =
                                               none */
    char creds_weak_file[OTW_PATH_MAX];     /* default OTW_DATA_DIR/weak_passwords.txt; "" = none */
    bool creds_redact_users;                /* default false: "a***n" in alerts when true */
    uint32_t creds_brute_failures; /* default 10 failed logins against one account or host */
    uint32_t creds_brute_window_s; /* ... within 60 s = BRUTE_FORCE */
    /* default 3: a controller's password (MELSOFT, S7 protection, SLMP...)
     * is guessed in fewer tries than an IT login's, and nobody mistypes it
     * three times a minute */
    uint32_t creds_brute_controller_failures;
    uint32_t creds_spray_accounts; /* default 5 accounts (user on a host) failed ... */
    uint32_t creds_spray_attempts; /* ... at most 3 times each ... */
    uint32_t creds_spray_window_s; /* ... from one source within 10 min = CREDENTIAL_SPRAY */
    /* web console (otwatch serve; its command-line options override these) */
    char web_listen[128];                 /* default "127.0.0.1:8780" */
    char web_tls_cert_file[OTW_PATH_MAX]; /* PEM; with web_tls_key_file: HTTPS */
    char web_tls_key_file[OTW_PATH_MAX];
    char web_admin_hash_file[OTW_PATH_MAX];       /* Argon2id hash of the admin password */
    char web_root[OTW_PATH_MAX];                  /* "" = the pages installed with otwatch */
    char web_allow_hosts[OTW_MAX_WEB_HOSTS][128]; /* Host names accepted besides loopback */
    int n_web_allow_hosts;
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
