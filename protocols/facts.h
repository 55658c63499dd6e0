/* facts.h - the normalized facts every dissector yields.
 *
 * Dissectors know bytes; everything after them (inventory, operations log,
 * baselines, zones, reports) knows only these structures. A fact is valid
 * only during the sink callback: consumers copy what they keep.
 */
#ifndef OTW_FACTS_H
#define OTW_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto_table.h"

/* Protocols otwatch dissects itself: one row each in proto_table.h.
 * Names in otw_proto_name(). */
#define OTW_PROTO_ENUM(id, name, dissector, config) OTW_PROTO_##id,
typedef enum otw_proto {
    OTW_PROTO_NONE = 0,
    OTW_PROTOCOLS(OTW_PROTO_ENUM) OTW_PROTO__COUNT
} otw_proto;
#undef OTW_PROTO_ENUM

typedef enum otw_op_class {
    OTW_CLASS_READ = 0,
    OTW_CLASS_WRITE,
    OTW_CLASS_PROGRAM_DOWNLOAD,
    OTW_CLASS_PROGRAM_UPLOAD,
    OTW_CLASS_CONTROL,
    OTW_CLASS_FIRMWARE,
    OTW_CLASS_CONFIGURATION,
    OTW_CLASS_DIAGNOSTIC,
    OTW_CLASS_IDENTITY,
    OTW_CLASS_AUTHENTICATION, /* logins */
    OTW_CLASS_ACCOUNT,        /* a user added, removed or changed on the device */
    OTW_CLASS_OTHER,
    OTW_CLASS__COUNT
} otw_op_class;

typedef enum otw_outcome {
    OTW_OUTCOME_OK = 0,
    OTW_OUTCOME_EXCEPTION,   /* protocol-level negative answer (code in exception) */
    OTW_OUTCOME_NO_RESPONSE, /* request never answered (timeout, flow end, table full) */
    OTW_OUTCOME_ERROR        /* malformed response */
} otw_outcome;

/* Direction of a PDU relative to the flow's client/server orientation. */
typedef enum otw_dir { OTW_DIR_TO_SERVER = 0, OTW_DIR_TO_CLIENT = 1 } otw_dir;

/* One industrial request, with its response when one was seen. */
typedef struct otw_op {
    otw_proto protocol;
    uint64_t ts_us; /* capture time of the request (or of the response if no request seen) */
    uint64_t response_ts_us; /* 0 if no response */
    bool has_unit;
    uint32_t unit;             /* target: Modbus unit id, S7 slot, DNP3 outstation address,
                                  IEC 104 common address, FINS node, ... */
    char object[48];           /* what was addressed, "" if nothing: "DB1", "D", "M",
                                  "class 0x01 instance 1 attribute 7", "IOA 1001", ... */
    uint32_t transaction;      /* protocol transaction id where the protocol has one */
    uint16_t function;         /* function / service code */
    const char *function_name; /* static string, never NULL */
    otw_op_class op_class;
    bool has_address;
    uint32_t address_start; /* first register/coil/object */
    uint32_t address_count; /* quantity */
    otw_outcome outcome;
    uint16_t exception_code; /* when outcome == EXCEPTION */
    bool request_seen;       /* false: only the response was captured (midstream start) */
} otw_op;

/* What a device says about itself, as a role hint for the inventory. */
typedef enum otw_role_hint {
    OTW_HINT_NONE = 0,
    OTW_HINT_CONTROLLER, /* PLC, RTU, IED, drive, I/O station */
    OTW_HINT_HMI,
    OTW_HINT_ENGINEERING,
    OTW_HINT_NETWORK, /* switch, router, access point */
    OTW_HINT_IT_HOST, /* office PC or server */
    OTW_HINT_IOT      /* camera, printer, smart or consumer device */
} otw_role_hint;

/* Identity of a device, as its own traffic states it. Empty strings = absent.
 * Whose identity: the SENDER of the PDU that carried it, which is the flow's
 * server when `about` is OTW_DIR_TO_CLIENT and the client when it is
 * OTW_DIR_TO_SERVER (a dissector passes the `dir` it was called with). For
 * link-layer protocols the sender is the source MAC. When has_mac/has_ip
 * are set, the identity is about that device instead (DHCP: the client
 * hardware address and its assigned IP), which also binds the two. */
typedef struct otw_identity {
    otw_proto protocol;
    otw_dir about;
    const char *source; /* static, e.g. "modbus 43/14", "s7comm szl 0x0011" */
    bool has_mac, has_ip;
    uint8_t mac[6];
    uint8_t ip[16]; /* IPv4 as IPv4-mapped IPv6 */
    otw_role_hint role_hint;
    bool has_vendor_id;
    uint32_t vendor_id; /* protocol vendor id (CIP, BACnet, PROFINET), name in vendor */
    char vendor[64];
    char product[64];
    char product_code[64];
    char model[64];
    char revision[32];
    char serial[64];
    char name[64];        /* station / host / plant name */
    char device_type[64]; /* "PLC", "Communications Adapter", "MediaRenderer", ... */
    char detail[128];     /* protocol-specific evidence: DHCP vendor class and parameter
                             list, LLDP capabilities, User-Agent, ... */
} otw_identity;

/* A login seen in the clear. The secret is valid ONLY during the sink
 * callback: the consumer compares it with default/weak tables at once and
 * never stores, logs or copies it. */
typedef enum otw_login_outcome {
    OTW_LOGIN_UNKNOWN = 0, /* no answer seen (flow ended, timeout) */
    OTW_LOGIN_SUCCESS,
    OTW_LOGIN_FAILURE
} otw_login_outcome;

typedef struct otw_credential {
    otw_proto protocol;
    otw_dir about;      /* direction of the PDU that carried the login (client -> server) */
    const char *method; /* static: "USER/PASS", "Basic", "community", "CONNECT", "AUTH PLAIN" */
    char user[64];      /* "" when the method has no user (SNMP community, VNC) */
    bool has_secret;
    const uint8_t *secret; /* NOT NUL-terminated; valid during the callback only */
    size_t secret_len;
    bool secret_is_none; /* an authentication of type "none" (VNC security type 1) */
    otw_login_outcome outcome;
    uint64_t ts_us; /* capture time of the attempt */
} otw_credential;

/* Where a dissector hands its facts. The caller knows the flow context. */
typedef struct otw_sink {
    void *ctx;
    void (*op)(void *ctx, const otw_op *op);
    void (*identity)(void *ctx, const otw_identity *id);
    /* A named anomaly (malformed PDU, not this protocol, ...). Static string. */
    void (*anomaly)(void *ctx, const char *name);
    /* A cleartext login attempt, with its outcome when known. May be NULL. */
    void (*credential)(void *ctx, const otw_credential *cred);
} otw_sink;

const char *otw_proto_name(otw_proto p);
const char *otw_class_name(otw_op_class c);
const char *otw_outcome_name(otw_outcome o);

/* Copies a wire string into dst (size dstsz), keeping printable ASCII and
 * UTF-8 as is, replacing control bytes with '?', always NUL-terminating. */
void otw_copy_wire_string(char *dst, size_t dstsz, const uint8_t *src, size_t srclen);

/* Vendor-id tables (data/NAME_vendors.tsv, compiled into C at build time). */
typedef struct otw_vendor_name {
    uint32_t id;
    const char *name;
} otw_vendor_name;
/* Binary search in a table sorted by id; NULL if absent. */
const char *otw_vendor_lookup(const otw_vendor_name *table, size_t n, uint32_t id);

#endif
