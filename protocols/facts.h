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

/* Industrial protocols otwatch dissects itself. Names in otw_proto_name(). */
typedef enum otw_proto {
    OTW_PROTO_NONE = 0,
    OTW_PROTO_MODBUS,
    OTW_PROTO__COUNT
} otw_proto;

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
    uint64_t ts_us;          /* capture time of the request (or of the response if no request seen) */
    uint64_t response_ts_us; /* 0 if no response */
    bool has_unit;
    uint32_t unit;           /* Modbus unit id, rack/slot, station, ... */
    uint32_t transaction;    /* protocol transaction id where the protocol has one */
    uint16_t function;       /* function / service code */
    const char *function_name; /* static string, never NULL */
    otw_op_class op_class;
    bool has_address;
    uint32_t address_start;  /* first register/coil/object */
    uint32_t address_count;  /* quantity */
    otw_outcome outcome;
    uint16_t exception_code; /* when outcome == EXCEPTION */
    bool request_seen;       /* false: only the response was captured (midstream start) */
} otw_op;

/* Identity of a device, as its own traffic states it. Empty strings = absent. */
typedef struct otw_identity {
    otw_proto protocol;
    otw_dir about;           /* OTW_DIR_TO_CLIENT: describes the server; TO_SERVER: the client */
    const char *source;      /* static, e.g. "modbus 43/14" */
    char vendor[64];
    char product[64];
    char product_code[64];
    char model[64];
    char revision[32];
    char serial[64];
    char name[64];
} otw_identity;

/* Where a dissector hands its facts. The caller knows the flow context. */
typedef struct otw_sink {
    void *ctx;
    void (*op)(void *ctx, const otw_op *op);
    void (*identity)(void *ctx, const otw_identity *id);
    /* A named anomaly (malformed PDU, not this protocol, ...). Static string. */
    void (*anomaly)(void *ctx, const char *name);
} otw_sink;

const char *otw_proto_name(otw_proto p);
const char *otw_class_name(otw_op_class c);
const char *otw_outcome_name(otw_outcome o);

/* Copies a wire string into dst (size dstsz), keeping printable ASCII and
 * UTF-8 as is, replacing control bytes with '?', always NUL-terminating. */
void otw_copy_wire_string(char *dst, size_t dstsz, const uint8_t *src, size_t srclen);

#endif
