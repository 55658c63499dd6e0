/* bacnet.c - BACnet/IP dissector.
 *
 * Spec: ANSI/ASHRAE 135-2020. Annex J.2 (BVLL functions and their formats,
 * J.2.1 BVLC-Result codes), clause 6.2 (NPDU: version, control octet, DNET/
 * DLEN/DADR, SNET/SLEN/SADR, hop count, 6.2.4 network layer message types),
 * clause 20.1 (APDU PDU types and headers), 20.2 (tag encoding: tag number,
 * class, length/value/type, opening/closing tags), 21 (service productions:
 * ReadProperty, ReadPropertyMultiple, WriteProperty, I-Am, Who-Is, ...),
 * clause 12 (object types, properties), 18 (error classes and codes).
 *
 * Datagram = BVLC (type 0x81, function, length) [+ forwarded B/IP address]
 * + NPDU (+ network layer message | APDU). Everything read from the wire goes
 * through reader.h.
 *
 * Choices worth knowing:
 * - UDP 47808 is used on both ends, and the sensor orients a UDP flow by its
 *   first datagram, so `dir` says nothing about who asks. Requests are told
 *   from answers by the APDU type: a confirmed request is remembered with the
 *   direction it travelled and matched by invoke id with an answer travelling
 *   the other way (an Abort sent by the requester itself, SRV=0, the same
 *   way). The op's client/server are still the flow's (the contract has no
 *   way to swap them), which is right whenever the requester spoke first.
 * - Unconfirmed services, network layer messages and Secure-BVLL have no
 *   answer: one op each, outcome ok, no response time.
 * - BVLC requests (Write/Read-BDT, Register-Foreign-Device, Read-FDT,
 *   Delete-FDT-Entry) are matched with the next BVLC-Result / Read-BDT-Ack /
 *   Read-FDT-Ack going the other way (BVLL has no ids: oldest first). A NAK
 *   result is outcome exception with the result code (0x0010..0x0060).
 * - Error: exception code = error class << 8 | error code (code capped at
 *   255); Reject: 0x1000 | reason; Abort: 0x2000 | reason.
 * - Segmented messages: only the first segment (sequence 0) is an operation;
 *   later segments and Segment-ACKs are counted (n_segments) and skipped.
 * - Identities (about = the sender): I-Am (device instance, vendor id ->
 *   data/bacnet_vendors.tsv, max APDU, segmentation in detail; role hint
 *   controller) and readProperty / readPropertyMultiple answers about a
 *   device object (vendor-name, model-name, firmware-revision, serial-number,
 *   object-name, vendor-identifier, application-software-version, location,
 *   description). The device instance goes to `detail`, the object-name to
 *   `name`. A message from a remote BACnet network (SNET present) or a
 *   Forwarded-NPDU speaks for another device than the IP sender: a forwarded
 *   one names its B/IP address (has_ip), a routed one is not attributed
 *   (the router's IP is not the device's).
 */
#include "bacnet.h"

#include "pending.h"
#include "reader.h"
#include "textbuf.h"
#include "tok.h"

#include <string.h>

_Static_assert(sizeof(bn_session) <= OTW_SESSION_MAX_BYTES,
               "bn_session must fit a dissector session slot");

extern const otw_vendor_name otw_bacnet_vendors[];
extern const size_t otw_bacnet_vendors_len;

#define BVLC_TYPE_BIP 0x81
#define BVLC_TYPE_BIP6 0x82

#define PDU_CONFIRMED 0
#define PDU_UNCONFIRMED 1
#define PDU_SIMPLE_ACK 2
#define PDU_COMPLEX_ACK 3
#define PDU_SEGMENT_ACK 4
#define PDU_ERROR 5
#define PDU_REJECT 6
#define PDU_ABORT 7

#define OBJ_DEVICE 8
#define OBJ_FILE 10

/* Properties that describe a device (clause 12.11). */
#define PROP_APP_SW_VERSION 12
#define PROP_DESCRIPTION 28
#define PROP_FIRMWARE_REVISION 44
#define PROP_LOCATION 58
#define PROP_MODEL_NAME 70
#define PROP_OBJECT_IDENTIFIER 75
#define PROP_OBJECT_NAME 77
#define PROP_VENDOR_IDENTIFIER 120
#define PROP_VENDOR_NAME 121
#define PROP_SERIAL_NUMBER 372

/* ------------------------------------------------------------- names */

const char *bn_confirmed_name(uint8_t service)
{
    static const char *const names[] = {
        "acknowledgeAlarm",
        "confirmedCOVNotification",
        "confirmedEventNotification",
        "getAlarmSummary",
        "getEnrollmentSummary",
        "subscribeCOV",
        "atomicReadFile",
        "atomicWriteFile",
        "addListElement",
        "removeListElement",
        "createObject",
        "deleteObject",
        "readProperty",
        "readPropertyConditional",
        "readPropertyMultiple",
        "writeProperty",
        "writePropertyMultiple",
        "deviceCommunicationControl",
        "confirmedPrivateTransfer",
        "confirmedTextMessage",
        "reinitializeDevice",
        "vtOpen",
        "vtClose",
        "vtData",
        "authenticate",
        "requestKey",
        "readRange",
        "lifeSafetyOperation",
        "subscribeCOVProperty",
        "getEventInformation",
        "subscribeCOVPropertyMultiple",
        "confirmedCOVNotificationMultiple",
        "confirmedAuditNotification",
        "auditLogQuery",
    };
    return service < sizeof(names) / sizeof(names[0]) ? names[service] : "Unknown";
}

const char *bn_unconfirmed_name(uint8_t service)
{
    static const char *const names[] = {
        "i-Am",
        "i-Have",
        "unconfirmedCOVNotification",
        "unconfirmedEventNotification",
        "unconfirmedPrivateTransfer",
        "unconfirmedTextMessage",
        "timeSynchronization",
        "who-Has",
        "who-Is",
        "utcTimeSynchronization",
        "writeGroup",
        "unconfirmedCOVNotificationMultiple",
        "unconfirmedAuditNotification",
        "who-Am-I",
        "you-Are",
    };
    return service < sizeof(names) / sizeof(names[0]) ? names[service] : "Unknown";
}

const char *bn_network_msg_name(uint8_t type)
{
    static const char *const names[] = {
        "Who-Is-Router-To-Network",
        "I-Am-Router-To-Network",
        "I-Could-Be-Router-To-Network",
        "Reject-Message-To-Network",
        "Router-Busy-To-Network",
        "Router-Available-To-Network",
        "Initialize-Routing-Table",
        "Initialize-Routing-Table-Ack",
        "Establish-Connection-To-Network",
        "Disconnect-Connection-To-Network",
        "Challenge-Request",
        "Security-Payload",
        "Security-Response",
        "Request-Key-Update",
        "Update-Key-Set",
        "Update-Distribution-Key",
        "Request-Master-Key",
        "Set-Master-Key",
        "What-Is-Network-Number",
        "Network-Number-Is",
    };
    if (type >= 0x80)
        return "Proprietary network message";
    return type < sizeof(names) / sizeof(names[0]) ? names[type] : "Unknown";
}

const char *bn_bvlc_name(uint8_t function)
{
    static const char *const names[] = {
        "BVLC-Result",
        "Write-Broadcast-Distribution-Table",
        "Read-Broadcast-Distribution-Table",
        "Read-Broadcast-Distribution-Table-Ack",
        "Forwarded-NPDU",
        "Register-Foreign-Device",
        "Read-Foreign-Device-Table",
        "Read-Foreign-Device-Table-Ack",
        "Delete-Foreign-Device-Table-Entry",
        "Distribute-Broadcast-To-Network",
        "Original-Unicast-NPDU",
        "Original-Broadcast-NPDU",
        "Secure-BVLL",
    };
    return function < sizeof(names) / sizeof(names[0]) ? names[function] : "Unknown";
}

const char *bn_object_type_name(uint16_t type)
{
    static const char *const names[] = {
        "analog-input",
        "analog-output",
        "analog-value",
        "binary-input",
        "binary-output",
        "binary-value",
        "calendar",
        "command",
        "device",
        "event-enrollment",
        "file",
        "group",
        "loop",
        "multi-state-input",
        "multi-state-output",
        "notification-class",
        "program",
        "schedule",
        "averaging",
        "multi-state-value",
        "trend-log",
        "life-safety-point",
        "life-safety-zone",
        "accumulator",
        "pulse-converter",
        "event-log",
        "global-group",
        "trend-log-multiple",
        "load-control",
        "structured-view",
        "access-door",
        "timer",
        "access-credential",
        "access-point",
        "access-rights",
        "access-user",
        "access-zone",
        "credential-data-input",
        "network-security",
        "bitstring-value",
        "characterstring-value",
        "date-pattern-value",
        "date-value",
        "datetime-pattern-value",
        "datetime-value",
        "integer-value",
        "large-analog-value",
        "octetstring-value",
        "positive-integer-value",
        "time-pattern-value",
        "time-value",
        "notification-forwarder",
        "alert-enrollment",
        "channel",
        "lighting-output",
        "binary-lighting-output",
        "network-port",
    };
    return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

/* The properties an operator recognises (clause 12 / 21 BACnetPropertyIdentifier). */
static const otw_tok bn_properties[] = {
    {8, "all"},
    {12, "application-software-version"},
    {17, "notification-class"},
    {22, "cov-increment"},
    {28, "description"},
    {36, "event-state"},
    {41, "file-access-method"},
    {42, "file-size"},
    {43, "file-type"},
    {44, "firmware-revision"},
    {45, "high-limit"},
    {56, "local-date"},
    {57, "local-time"},
    {58, "location"},
    {59, "low-limit"},
    {62, "max-apdu-length-accepted"},
    {70, "model-name"},
    {75, "object-identifier"},
    {76, "object-list"},
    {77, "object-name"},
    {79, "object-type"},
    {80, "optional"},
    {81, "out-of-service"},
    {85, "present-value"},
    {87, "priority-array"},
    {96, "protocol-object-types-supported"},
    {97, "protocol-services-supported"},
    {98, "protocol-version"},
    {103, "reliability"},
    {104, "relinquish-default"},
    {105, "required"},
    {107, "segmentation-supported"},
    {111, "status-flags"},
    {112, "system-status"},
    {117, "units"},
    {120, "vendor-identifier"},
    {121, "vendor-name"},
    {139, "protocol-revision"},
    {371, "property-list"},
    {372, "serial-number"},
};

const char *bn_property_name(uint32_t property)
{
    return OTW_TOK_NAME(bn_properties, property, NULL);
}

/* Clause 21 productions grouped by what they do to the process. */
static otw_op_class confirmed_class(uint8_t service)
{
    switch (service) {
    case 3:  /* getAlarmSummary */
    case 4:  /* getEnrollmentSummary */
    case 5:  /* subscribeCOV: a subscription reads values */
    case 12: /* readProperty */
    case 13:
    case 14: /* readPropertyMultiple */
    case 26: /* readRange */
    case 28:
    case 29: /* getEventInformation */
    case 30:
    case 33: /* auditLogQuery */
        return OTW_CLASS_READ;
    case 8:  /* addListElement */
    case 9:  /* removeListElement */
    case 15: /* writeProperty */
    case 16: /* writePropertyMultiple */
        return OTW_CLASS_WRITE;
    case 6: /* atomicReadFile: configuration/program files leave the device */
        return OTW_CLASS_PROGRAM_UPLOAD;
    case 7: /* atomicWriteFile */
        return OTW_CLASS_PROGRAM_DOWNLOAD;
    case 10: /* createObject */
    case 11: /* deleteObject */
        return OTW_CLASS_CONFIGURATION;
    case 17: /* deviceCommunicationControl */
    case 20: /* reinitializeDevice */
    case 27: /* lifeSafetyOperation: silence, reset */
        return OTW_CLASS_CONTROL;
    case 24: /* authenticate */
    case 25: /* requestKey */
        return OTW_CLASS_AUTHENTICATION;
    default:
        return OTW_CLASS_OTHER;
    }
}

static otw_op_class unconfirmed_class(uint8_t service)
{
    switch (service) {
    case 0:  /* i-Am */
    case 1:  /* i-Have */
    case 13: /* who-Am-I */
        return OTW_CLASS_IDENTITY;
    case 7: /* who-Has */
    case 8: /* who-Is: discovery */
        return OTW_CLASS_DIAGNOSTIC;
    case 6:  /* timeSynchronization */
    case 9:  /* utcTimeSynchronization */
    case 14: /* you-Are: assigns a device identity */
        return OTW_CLASS_CONFIGURATION;
    case 10: /* writeGroup */
        return OTW_CLASS_WRITE;
    default:
        return OTW_CLASS_OTHER;
    }
}

static otw_op_class network_class(uint8_t type)
{
    switch (type) {
    case 0x00: /* Who-Is-Router-To-Network */
    case 0x12: /* What-Is-Network-Number */
        return OTW_CLASS_DIAGNOSTIC;
    case 0x06: /* Initialize-Routing-Table */
    case 0x08: /* Establish-Connection-To-Network */
    case 0x09: /* Disconnect-Connection-To-Network */
        return OTW_CLASS_CONFIGURATION;
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D: /* network security */
    case 0x0E:
    case 0x0F:
    case 0x10:
    case 0x11:
        return OTW_CLASS_AUTHENTICATION;
    default:
        return OTW_CLASS_OTHER;
    }
}

static otw_op_class bvlc_class(uint8_t function)
{
    switch (function) {
    case 0x01: /* Write-BDT */
    case 0x05: /* Register-Foreign-Device */
    case 0x08: /* Delete-FDT-Entry */
        return OTW_CLASS_CONFIGURATION;
    case 0x02: /* Read-BDT */
    case 0x06: /* Read-FDT */
        return OTW_CLASS_READ;
    default:
        return OTW_CLASS_OTHER;
    }
}

static const char *function_name(uint16_t function)
{
    switch (function & 0xF00) {
    case 0:
        return bn_confirmed_name((uint8_t)function);
    case BN_FN_UNCONFIRMED:
        return bn_unconfirmed_name((uint8_t)function);
    case BN_FN_NETWORK:
        return bn_network_msg_name((uint8_t)function);
    default:
        return bn_bvlc_name((uint8_t)function);
    }
}

static otw_op_class function_class(uint16_t function)
{
    switch (function & 0xF00) {
    case 0:
        return confirmed_class((uint8_t)function);
    case BN_FN_UNCONFIRMED:
        return unconfirmed_class((uint8_t)function);
    case BN_FN_NETWORK:
        return network_class((uint8_t)function);
    default:
        return bvlc_class((uint8_t)function);
    }
}

/* -------------------------------------------------------- object text */

/* "analog-value,1" (clause 20.2.14 object identifier: type 10 bits, instance 22). */
static void sb_object(otw_tb *b, uint32_t oid)
{
    const char *t = bn_object_type_name((uint16_t)(oid >> 22));
    if (t) {
        otw_tb_str(b, t);
    } else {
        otw_tb_str(b, "object-type-");
        otw_tb_u32(b, oid >> 22);
    }
    otw_tb_str(b, ",");
    otw_tb_u32(b, oid & 0x3FFFFF);
}

static void sb_property(otw_tb *b, uint32_t prop)
{
    const char *p = bn_property_name(prop);
    otw_tb_str(b, " ");
    if (p) {
        otw_tb_str(b, p);
    } else {
        otw_tb_str(b, "property-");
        otw_tb_u32(b, prop);
    }
}

/* ------------------------------------------------------------- tags */

#define TAG_PRIMITIVE 0
#define TAG_OPEN 1
#define TAG_CLOSE 2

#define APP_BOOLEAN 1
#define APP_UNSIGNED 2
#define APP_CHARSTRING 7
#define APP_ENUMERATED 9
#define APP_OBJECT_ID 12

typedef struct bn_tag {
    uint8_t num;
    bool context;
    uint8_t kind;
    uint32_t len;        /* content length; boolean application tags carry the value here */
    const uint8_t *data; /* NULL when len is 0 or for booleans */
} bn_tag;

/* Clause 20.2.1: one tag header and its content. */
static bool tag_read(otw_reader *r, bn_tag *t)
{
    memset(t, 0, sizeof(*t));
    uint8_t b = rd_u8(r);
    t->num = b >> 4;
    if (t->num == 15)
        t->num = rd_u8(r);
    t->context = (b & 0x08) != 0;
    uint8_t lvt = b & 0x07;
    if (r->truncated)
        return false;
    if (t->context && lvt == 6) {
        t->kind = TAG_OPEN;
        return true;
    }
    if (t->context && lvt == 7) {
        t->kind = TAG_CLOSE;
        return true;
    }
    if (!t->context && t->num == APP_BOOLEAN) {
        t->len = lvt; /* value in the tag, no content */
        return lvt <= 1;
    }
    uint32_t len = lvt;
    if (lvt == 5) {
        len = rd_u8(r);
        if (len == 254)
            len = rd_be16(r);
        else if (len == 255)
            len = rd_be32(r);
    }
    if (r->truncated)
        return false;
    t->len = len;
    if (len) {
        t->data = rd_bytes(r, len);
        if (!t->data)
            return false;
    }
    return true;
}

static bool peek_tag(const otw_reader *r, bn_tag *t)
{
    otw_reader c = *r;
    return rd_left(&c) > 0 && tag_read(&c, t);
}

static bool tag_is(const bn_tag *t, bool context, uint8_t num, uint8_t kind)
{
    return t->context == context && t->num == num && t->kind == kind;
}

/* Unsigned / enumerated content (at most 4 octets kept). */
static bool tag_uint(const bn_tag *t, uint32_t *v)
{
    if (t->kind != TAG_PRIMITIVE || t->len < 1 || t->len > 4 || !t->data)
        return false;
    uint32_t x = 0;
    for (uint32_t i = 0; i < t->len; i++)
        x = x << 8 | t->data[i];
    *v = x;
    return true;
}

static bool tag_oid(const bn_tag *t, uint32_t *oid)
{
    return t->len == 4 && tag_uint(t, oid);
}

/* Reads the next tag, which must be context tag num with an unsigned value. */
static bool ctx_uint(otw_reader *r, uint8_t num, uint32_t *v)
{
    bn_tag t;
    return tag_read(r, &t) && tag_is(&t, true, num, TAG_PRIMITIVE) && tag_uint(&t, v);
}

/* The next tag if it is context tag num (primitive); nothing consumed otherwise. */
static bool opt_ctx_uint(otw_reader *r, uint8_t num, uint32_t *v)
{
    bn_tag t;
    if (!peek_tag(r, &t) || !tag_is(&t, true, num, TAG_PRIMITIVE))
        return false;
    return ctx_uint(r, num, v);
}

/* After an opening tag num: skips to its matching closing tag. */
static bool skip_constructed(otw_reader *r, uint8_t num)
{
    unsigned depth = 0;
    bn_tag t;
    while (tag_read(r, &t)) {
        if (t.kind == TAG_OPEN) {
            if (++depth > 64)
                return false; /* nesting this deep is an attack, not data */
        } else if (t.kind == TAG_CLOSE) {
            if (depth == 0)
                return t.num == num;
            depth--;
        }
    }
    return false;
}

/* ------------------------------------------------------- strings */

static size_t put_utf8(uint8_t *out, size_t cap, size_t o, uint32_t cp)
{
    if (cp < 0x80) {
        if (o + 1 <= cap)
            out[o++] = (uint8_t)cp;
    } else if (cp < 0x800) {
        if (o + 2 <= cap) {
            out[o++] = (uint8_t)(0xC0 | cp >> 6);
            out[o++] = (uint8_t)(0x80 | (cp & 0x3F));
        }
    } else if (cp < 0x10000) {
        if (o + 3 <= cap) {
            out[o++] = (uint8_t)(0xE0 | cp >> 12);
            out[o++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (uint8_t)(0x80 | (cp & 0x3F));
        }
    } else if (cp <= 0x10FFFF) {
        if (o + 4 <= cap) {
            out[o++] = (uint8_t)(0xF0 | cp >> 18);
            out[o++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
            out[o++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (uint8_t)(0x80 | (cp & 0x3F));
        }
    }
    return o;
}

/* Clause 20.2.9 CharacterString: character set octet + text. UTF-8 (0) and
 * others are copied as they are; UCS-2 (4), UCS-4 (3) and ISO 8859-1 (5) are
 * converted to UTF-8 first. otw_copy_wire_string cleans the result. */
static bool tag_string(const bn_tag *t, char *dst, size_t dstsz)
{
    if (t->context || t->num != APP_CHARSTRING || t->kind != TAG_PRIMITIVE || t->len < 1 ||
        !t->data)
        return false;
    uint8_t set = t->data[0];
    const uint8_t *s = t->data + 1;
    size_t n = t->len - 1;
    uint8_t tmp[256];
    size_t o = 0;

    switch (set) {
    case 4: /* ISO 10646 UCS-2, big-endian */
        for (size_t i = 0; i + 1 < n && o + 4 < sizeof(tmp); i += 2) {
            uint32_t cp = (uint32_t)s[i] << 8 | s[i + 1];
            if (cp >= 0xD800 && cp <= 0xDFFF)
                cp = '?';
            if (cp == 0)
                break;
            o = put_utf8(tmp, sizeof(tmp), o, cp);
        }
        break;
    case 3: /* ISO 10646 UCS-4 */
        for (size_t i = 0; i + 3 < n && o + 4 < sizeof(tmp); i += 4) {
            uint32_t cp = (uint32_t)s[i] << 24 | (uint32_t)s[i + 1] << 16 |
                          (uint32_t)s[i + 2] << 8 | s[i + 3];
            if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
                cp = '?';
            if (cp == 0)
                break;
            o = put_utf8(tmp, sizeof(tmp), o, cp);
        }
        break;
    case 5: /* ISO 8859-1 */
        for (size_t i = 0; i < n && o + 4 < sizeof(tmp); i++) {
            if (s[i] == 0)
                break;
            o = put_utf8(tmp, sizeof(tmp), o, s[i]);
        }
        break;
    default: /* 0 UTF-8; 1 DBCS and 2 JIS X 0208 kept as bytes */
        otw_copy_wire_string(dst, dstsz, s, n);
        return true;
    }
    otw_copy_wire_string(dst, dstsz, tmp, o);
    return true;
}

/* ------------------------------------------------------------ output */

typedef struct op_info {
    uint16_t function;
    uint8_t invoke;
    bool has_address;
    uint32_t address_start, address_count;
    bool has_dnet;
    uint32_t dnet;
    char object[48];
} op_info;

static void emit_op(const otw_sink *sink, const op_info *o, uint64_t ts, uint64_t rts,
                    otw_outcome outcome, uint16_t exception, bool request_seen)
{
    if (!sink || !sink->op)
        return;
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_BACNET;
    op.ts_us = ts;
    op.response_ts_us = rts;
    op.has_unit = o->has_dnet;
    op.unit = o->has_dnet ? o->dnet : 0;
    memcpy(op.object, o->object, sizeof(op.object));
    op.object[sizeof(op.object) - 1] = '\0';
    op.transaction = o->invoke;
    op.function = o->function;
    op.function_name = function_name(o->function);
    op.op_class = function_class(o->function);
    op.has_address = o->has_address;
    op.address_start = o->has_address ? o->address_start : 0;
    op.address_count = o->has_address ? o->address_count : 0;
    op.outcome = outcome;
    op.exception_code = outcome == OTW_OUTCOME_EXCEPTION ? exception : 0;
    op.request_seen = request_seen;
    sink->op(sink->ctx, &op);
}

static void emit_pending(const otw_sink *sink, const bn_pending *p, uint64_t rts,
                         otw_outcome outcome, uint16_t exception)
{
    op_info o;
    memset(&o, 0, sizeof(o));
    o.function = p->function;
    o.invoke = p->invoke;
    o.has_address = p->has_address;
    o.address_start = p->address_start;
    o.address_count = p->address_count;
    o.has_dnet = p->has_dnet;
    o.dnet = p->dnet;
    memcpy(o.object, p->object, sizeof(o.object));
    emit_op(sink, &o, p->ts_us, rts, outcome, exception, true);
}

static void malformed(bn_session *s, const otw_sink *sink)
{
    s->n_malformed++;
    if (sink && sink->anomaly)
        sink->anomaly(sink->ctx, "bacnet_malformed");
}

/* --------------------------------------------------------- pending */

static void unanswered(void *ctx, const void *p, const otw_sink *sink)
{
    (void)ctx;
    emit_pending(sink, p, 0, OTW_OUTCOME_NO_RESPONSE, 0);
}

static void add_pending(bn_session *s, const op_info *o, otw_dir dir, uint64_t ts,
                        const otw_sink *sink)
{
    bool bvlc = (o->function & 0xF00) == BN_FN_BVLC;
    /* A confirmed request reusing a pending invoke id gives up the older one. */
    int dup = -1;
    for (uint32_t i = 0; !bvlc && dup < 0 && i < s->n_pending; i++) {
        const bn_pending *p = &s->pending[i];
        if (p->dir == dir && (p->function & 0xF00) == 0 && p->invoke == o->invoke)
            dup = (int)i;
    }
    bn_pending p;
    memset(&p, 0, sizeof(p));
    p.ts_us = ts;
    p.function = o->function;
    p.invoke = o->invoke;
    p.dir = (uint8_t)dir;
    p.has_address = o->has_address;
    p.address_start = o->address_start;
    p.address_count = o->address_count;
    p.has_dnet = o->has_dnet;
    p.dnet = o->dnet;
    memcpy(p.object, o->object, sizeof(p.object));
    p.object[sizeof(p.object) - 1] = '\0';
    if (OTW_PENDING_PUSH(s->pending, &s->n_pending, dup, &p, unanswered, NULL, sink))
        s->n_pending_evicted++;
}

/* The confirmed request an answer with this invoke id settles: it travelled
 * in direction req_dir. service < 0: any service (Reject, Abort). */
static int find_confirmed(const bn_session *s, otw_dir req_dir, uint8_t invoke, int service)
{
    for (uint32_t i = 0; i < s->n_pending; i++) {
        const bn_pending *p = &s->pending[i];
        if (p->dir == req_dir && (p->function & 0xF00) == 0 && p->invoke == invoke &&
            (service < 0 || p->function == (uint16_t)service))
            return (int)i;
    }
    return -1;
}

/* ----------------------------------------------------- identities */

typedef struct id_acc {
    otw_identity id;
    bool any;
} id_acc;

static void id_begin(id_acc *a, otw_dir dir, const char *source, const uint8_t *fwd_ip)
{
    memset(a, 0, sizeof(*a));
    a->id.protocol = OTW_PROTO_BACNET;
    a->id.about = dir;
    a->id.source = source;
    if (fwd_ip) {
        /* IPv4-mapped IPv6 address of the device a BBMD forwarded for. */
        a->id.has_ip = true;
        a->id.ip[10] = 0xFF;
        a->id.ip[11] = 0xFF;
        memcpy(a->id.ip + 12, fwd_ip, 4);
    }
}

static void id_emit(const otw_sink *sink, id_acc *a)
{
    if (a->any && sink && sink->identity)
        sink->identity(sink->ctx, &a->id);
}

static void detail_append(otw_identity *id, const char *label, const char *text)
{
    otw_tb b = otw_tb_init(id->detail, sizeof(id->detail));
    b.n = strlen(id->detail);
    if (b.n)
        otw_tb_str(&b, "; ");
    otw_tb_str(&b, label);
    otw_tb_str(&b, text);
}

static void set_vendor_id(otw_identity *id, uint32_t vendor)
{
    id->has_vendor_id = true;
    id->vendor_id = vendor;
    const char *name = otw_vendor_lookup(otw_bacnet_vendors, otw_bacnet_vendors_len, vendor);
    if (name && !id->vendor[0])
        otw_copy_wire_string(id->vendor, sizeof(id->vendor), (const uint8_t *)name, strlen(name));
}

/* One property value of a device object (first value tag of the property). */
static void id_property(id_acc *a, uint32_t oid, uint32_t prop, const bn_tag *v)
{
    otw_identity *id = &a->id;
    char text[128];
    uint32_t u;

    if (oid >> 22 != OBJ_DEVICE || v->kind != TAG_PRIMITIVE || v->context)
        return;
    if (v->num == APP_CHARSTRING) {
        if (!tag_string(v, text, sizeof(text)) || !text[0])
            return;
        switch (prop) {
        case PROP_VENDOR_NAME:
            otw_copy_wire_string(id->vendor, sizeof(id->vendor), (const uint8_t *)text,
                                 strlen(text));
            break;
        case PROP_MODEL_NAME:
            otw_copy_wire_string(id->model, sizeof(id->model), (const uint8_t *)text, strlen(text));
            break;
        case PROP_FIRMWARE_REVISION:
            otw_copy_wire_string(id->revision, sizeof(id->revision), (const uint8_t *)text,
                                 strlen(text));
            break;
        case PROP_SERIAL_NUMBER:
            otw_copy_wire_string(id->serial, sizeof(id->serial), (const uint8_t *)text,
                                 strlen(text));
            break;
        case PROP_OBJECT_NAME:
            otw_copy_wire_string(id->name, sizeof(id->name), (const uint8_t *)text, strlen(text));
            break;
        case PROP_APP_SW_VERSION:
            detail_append(id, "application-software-version ", text);
            break;
        case PROP_LOCATION:
            detail_append(id, "location ", text);
            break;
        case PROP_DESCRIPTION:
            detail_append(id, "description ", text);
            break;
        default:
            return;
        }
        a->any = true;
    } else if (v->num == APP_UNSIGNED && prop == PROP_VENDOR_IDENTIFIER && tag_uint(v, &u)) {
        set_vendor_id(id, u);
        a->any = true;
    } else if (v->num == APP_OBJECT_ID && prop == PROP_OBJECT_IDENTIFIER && tag_oid(v, &u)) {
        char obj[48];
        otw_tb b = otw_tb_init(obj, sizeof(obj));
        sb_object(&b, u);
        detail_append(id, "", obj);
        a->any = true;
    }
}

/* A property value [n] opening ... closing: feeds the first value to the
 * identity, skips the rest. The opening tag has been read. */
static bool property_value(otw_reader *r, uint8_t num, id_acc *a, uint32_t oid, uint32_t prop)
{
    bn_tag t;
    bool first = true;
    while (tag_read(r, &t)) {
        if (t.kind == TAG_CLOSE && t.num == num)
            return true;
        if (t.kind == TAG_OPEN) {
            if (!skip_constructed(r, t.num))
                return false;
        } else if (t.kind == TAG_CLOSE) {
            return false;
        } else if (first && a) {
            id_property(a, oid, prop, &t);
        }
        first = false;
    }
    return false;
}

/* ------------------------------------------------ confirmed requests */

static const char *reinit_state_name(uint32_t v)
{
    static const char *const names[] = {"coldstart",     "warmstart",       "start-backup",
                                        "end-backup",    "start-restore",   "end-restore",
                                        "abort-restore", "activate-changes"};
    return v < sizeof(names) / sizeof(names[0]) ? names[v] : "reinitialize-state";
}

static const char *dcc_name(uint32_t v)
{
    static const char *const names[] = {"enable", "disable", "disable-initiation"};
    return v < sizeof(names) / sizeof(names[0]) ? names[v] : "enable-disable";
}

/* objectIdentifier [0] propertyIdentifier [1] (ReadProperty, WriteProperty,
 * and the first element of the -Multiple lists). */
static bool object_property(otw_reader *r, otw_tb *b)
{
    uint32_t oid, prop;
    bn_tag t;
    if (!tag_read(r, &t) || !tag_is(&t, true, 0, TAG_PRIMITIVE) || !tag_oid(&t, &oid))
        return false;
    sb_object(b, oid);
    if (!ctx_uint(r, 1, &prop))
        return false;
    sb_property(b, prop);
    return true;
}

/* Fills the op's object / range from the service request. False when the
 * request does not fit its production. Services not decoded return true. */
static bool confirmed_request(otw_reader *r, uint8_t service, op_info *o)
{
    otw_tb b = otw_tb_init(o->object, sizeof(o->object));
    bn_tag t;
    uint32_t v, oid;

    switch (service) {
    case 12: /* readProperty */
    case 15: /* writeProperty */
        return object_property(r, &b);
    case 14:   /* readPropertyMultiple: first object and property */
    case 16: { /* writePropertyMultiple */
        if (!tag_read(r, &t) || !tag_is(&t, true, 0, TAG_PRIMITIVE) || !tag_oid(&t, &oid))
            return false;
        sb_object(&b, oid);
        if (!tag_read(r, &t) || !tag_is(&t, true, 1, TAG_OPEN))
            return false;
        /* propertyIdentifier [0] in both BACnetPropertyReference and BACnetPropertyValue */
        if (ctx_uint(r, 0, &v))
            sb_property(&b, v);
        return true;
    }
    case 5:  /* subscribeCOV: processId [0], monitoredObject [1] */
    case 28: /* subscribeCOVProperty */
        if (!ctx_uint(r, 0, &v) || !tag_read(r, &t) || !tag_is(&t, true, 1, TAG_PRIMITIVE) ||
            !tag_oid(&t, &oid))
            return false;
        sb_object(&b, oid);
        return true;
    case 6:   /* atomicReadFile: file id, stream [0] (start, count) | record [1] */
    case 7: { /* atomicWriteFile: file id, stream [0] (start, data) | record [1] */
        if (!tag_read(r, &t) || t.context || t.num != APP_OBJECT_ID || !tag_oid(&t, &oid))
            return false;
        sb_object(&b, oid);
        bn_tag acc, start, second;
        if (!tag_read(r, &acc) || acc.kind != TAG_OPEN || acc.num > 1 || !tag_read(r, &start) ||
            start.context || !tag_read(r, &second) || second.context)
            return false;
        uint32_t st = 0, cnt = 0;
        /* fileStartPosition / fileStartRecord: INTEGER (signed, -1 appends) */
        if (start.num != 3 || start.len < 1 || start.len > 4)
            return false;
        for (uint32_t i = 0; i < start.len; i++)
            st = st << 8 | start.data[i];
        if (start.data[0] & 0x80) /* negative: append */
            st = 0xFFFFFFFFu;
        if (service == 6 || acc.num == 1) {
            if (!tag_uint(&second, &cnt))
                cnt = 0;
        } else {
            cnt = second.len; /* octets written */
        }
        o->has_address = true;
        o->address_start = st;
        o->address_count = cnt;
        return true;
    }
    case 10: /* createObject: objectSpecifier [0] { objectType [0] | objectIdentifier [1] } */
        if (!tag_read(r, &t) || !tag_is(&t, true, 0, TAG_OPEN) || !tag_read(r, &t) || !t.context ||
            t.kind != TAG_PRIMITIVE)
            return false;
        if (t.num == 0 && tag_uint(&t, &v)) {
            const char *n = bn_object_type_name((uint16_t)v);
            if (n) {
                otw_tb_str(&b, n);
            } else {
                otw_tb_str(&b, "object-type-");
                otw_tb_u32(&b, v);
            }
            return true;
        }
        if (t.num == 1 && tag_oid(&t, &oid)) {
            sb_object(&b, oid);
            return true;
        }
        return false;
    case 11: /* deleteObject: objectIdentifier */
        if (!tag_read(r, &t) || t.context || t.num != APP_OBJECT_ID || !tag_oid(&t, &oid))
            return false;
        sb_object(&b, oid);
        return true;
    case 17: /* deviceCommunicationControl: timeDuration [0] opt, enable-disable [1] */
        (void)opt_ctx_uint(r, 0, &v);
        if (!ctx_uint(r, 1, &v))
            return false;
        otw_tb_str(&b, dcc_name(v));
        return true;
    case 20: /* reinitializeDevice: reinitializedStateOfDevice [0], password [1] opt */
        if (!ctx_uint(r, 0, &v))
            return false;
        otw_tb_str(&b, reinit_state_name(v));
        return true;
    case 18: { /* confirmedPrivateTransfer: vendorID [0], serviceNumber [1] */
        uint32_t vendor, num;
        if (!ctx_uint(r, 0, &vendor) || !ctx_uint(r, 1, &num))
            return false;
        otw_tb_str(&b, "vendor ");
        otw_tb_u32(&b, vendor);
        otw_tb_str(&b, " service ");
        otw_tb_u32(&b, num);
        return true;
    }
    case 26: /* readRange: objectIdentifier [0], propertyIdentifier [1] */
        return object_property(r, &b);
    default:
        return true;
    }
}

/* ---------------------------------------------- unconfirmed services */

static bool i_am(otw_reader *r, op_info *o, id_acc *a)
{
    bn_tag t;
    uint32_t oid, max_apdu, seg, vendor;
    static const char *const segs[] = {"both", "transmit", "receive", "no"};

    if (!tag_read(r, &t) || t.context || t.num != APP_OBJECT_ID || !tag_oid(&t, &oid))
        return false;
    if (!tag_read(r, &t) || t.context || t.num != APP_UNSIGNED || !tag_uint(&t, &max_apdu))
        return false;
    if (!tag_read(r, &t) || t.context || t.num != APP_ENUMERATED || !tag_uint(&t, &seg))
        return false;
    if (!tag_read(r, &t) || t.context || t.num != APP_UNSIGNED || !tag_uint(&t, &vendor))
        return false;

    otw_tb b = otw_tb_init(o->object, sizeof(o->object));
    sb_object(&b, oid);
    if (!a)
        return true;
    set_vendor_id(&a->id, vendor);
    a->id.role_hint = OTW_HINT_CONTROLLER;
    char d[128];
    otw_tb db = otw_tb_init(d, sizeof(d));
    sb_object(&db, oid);
    otw_tb_str(&db, " max-apdu ");
    otw_tb_u32(&db, max_apdu);
    otw_tb_str(&db, " segmentation ");
    otw_tb_str(&db, seg < 4 ? segs[seg] : "unknown");
    detail_append(&a->id, "", d);
    a->any = true;
    return true;
}

static bool unconfirmed_request(otw_reader *r, uint8_t service, op_info *o, id_acc *a)
{
    otw_tb b = otw_tb_init(o->object, sizeof(o->object));
    bn_tag t;
    uint32_t lo, hi, oid;

    switch (service) {
    case 0:
        return i_am(r, o, a);
    case 1: /* i-Have: deviceIdentifier, objectIdentifier, objectName */
        if (!tag_read(r, &t) || t.context || t.num != APP_OBJECT_ID || !tag_oid(&t, &oid) ||
            !tag_read(r, &t) || t.context || t.num != APP_OBJECT_ID || !tag_oid(&t, &oid))
            return false;
        sb_object(&b, oid);
        return true;
    case 8: /* who-Is: optional low [0] and high [1] limits */
        if (rd_left(r) == 0)
            return true;
        if (!ctx_uint(r, 0, &lo) || !ctx_uint(r, 1, &hi) || hi < lo || rd_left(r) != 0)
            return false;
        o->has_address = true;
        o->address_start = lo;
        o->address_count = hi - lo + 1;
        return true;
    case 7: /* who-Has: limits [0] [1] optional, object identifier [2] | name [3] */
        if (opt_ctx_uint(r, 0, &lo)) {
            if (!ctx_uint(r, 1, &hi) || hi < lo)
                return false;
            o->has_address = true;
            o->address_start = lo;
            o->address_count = hi - lo + 1;
        }
        if (!tag_read(r, &t) || !t.context || t.kind != TAG_PRIMITIVE)
            return false;
        if (t.num == 2 && tag_oid(&t, &oid)) {
            sb_object(&b, oid);
            return true;
        }
        if (t.num == 3) {
            bn_tag s = t;
            s.context = false; /* same content as an application CharacterString */
            s.num = APP_CHARSTRING;
            char name[48];
            if (!tag_string(&s, name, sizeof(name)))
                return false;
            otw_tb_str(&b, "name ");
            otw_tb_str(&b, name);
            return true;
        }
        return false;
    case 2: /* unconfirmedCOVNotification: process [0], device [1], object [2] */
        if (!ctx_uint(r, 0, &lo) || !tag_read(r, &t) || !tag_is(&t, true, 1, TAG_PRIMITIVE) ||
            !tag_read(r, &t) || !tag_is(&t, true, 2, TAG_PRIMITIVE) || !tag_oid(&t, &oid))
            return false;
        sb_object(&b, oid);
        return true;
    case 4: /* unconfirmedPrivateTransfer: vendorID [0], serviceNumber [1] */
        if (!ctx_uint(r, 0, &lo) || !ctx_uint(r, 1, &hi))
            return false;
        otw_tb_str(&b, "vendor ");
        otw_tb_u32(&b, lo);
        otw_tb_str(&b, " service ");
        otw_tb_u32(&b, hi);
        return true;
    default:
        return true;
    }
}

/* ------------------------------------------------------- answers */

/* readProperty ACK: objectIdentifier [0], propertyIdentifier [1],
 * propertyArrayIndex [2] opt, propertyValue [3]. */
static bool read_property_ack(otw_reader *r, id_acc *a)
{
    bn_tag t;
    uint32_t oid, prop, idx;
    if (!tag_read(r, &t) || !tag_is(&t, true, 0, TAG_PRIMITIVE) || !tag_oid(&t, &oid))
        return false;
    if (!ctx_uint(r, 1, &prop))
        return false;
    bool indexed = opt_ctx_uint(r, 2, &idx);
    if (!tag_read(r, &t) || !tag_is(&t, true, 3, TAG_OPEN))
        return false;
    return property_value(r, 3, indexed ? NULL : a, oid, prop);
}

/* readPropertyMultiple ACK: list of { objectIdentifier [0], listOfResults [1]
 * { propertyIdentifier [2], arrayIndex [3] opt, value [4] | error [5] } }. */
static bool read_property_multiple_ack(otw_reader *r, id_acc *a)
{
    bn_tag t;
    uint32_t oid, prop, idx;
    while (rd_left(r) > 0) {
        if (!tag_read(r, &t) || !tag_is(&t, true, 0, TAG_PRIMITIVE) || !tag_oid(&t, &oid))
            return false;
        if (!tag_read(r, &t) || !tag_is(&t, true, 1, TAG_OPEN))
            return false;
        for (;;) {
            if (!tag_read(r, &t))
                return false;
            if (tag_is(&t, true, 1, TAG_CLOSE))
                break;
            if (!tag_is(&t, true, 2, TAG_PRIMITIVE) || !tag_uint(&t, &prop))
                return false;
            bool indexed = opt_ctx_uint(r, 3, &idx);
            if (!tag_read(r, &t) || !t.context || t.kind != TAG_OPEN)
                return false;
            if (t.num == 4) {
                if (!property_value(r, 4, indexed ? NULL : a, oid, prop))
                    return false;
            } else if (t.num == 5) {
                if (!skip_constructed(r, 5))
                    return false;
            } else {
                return false;
            }
        }
    }
    return true;
}

/* Error PDU content: error class and code (application enumerated), possibly
 * wrapped in an opening/closing context tag [0] (clause 21 *-Error types). */
static bool error_content(otw_reader *r, uint32_t *cls, uint32_t *code)
{
    bn_tag t;
    if (!tag_read(r, &t))
        return false;
    if (t.context && t.kind == TAG_OPEN && !tag_read(r, &t))
        return false;
    if (t.context || t.num != APP_ENUMERATED || !tag_uint(&t, cls))
        return false;
    if (!tag_read(r, &t) || t.context || t.num != APP_ENUMERATED || !tag_uint(&t, code))
        return false;
    return true;
}

/* ----------------------------------------------------------- APDU */

typedef struct npdu_ctx {
    bool has_dnet;
    uint32_t dnet;
    bool routed_from;      /* SNET present: the sender speaks for a remote device */
    const uint8_t *fwd_ip; /* Forwarded-NPDU original B/IP address */
} npdu_ctx;

static otw_parse_status apdu(bn_session *s, otw_dir dir, otw_reader *r, const npdu_ctx *n,
                             uint64_t ts, const otw_sink *sink)
{
    uint8_t b0 = rd_u8(r);
    uint8_t type = b0 >> 4;
    op_info o;
    memset(&o, 0, sizeof(o));
    o.has_dnet = n->has_dnet;
    o.dnet = n->dnet;
    id_acc a;
    bool identity_ok = !n->routed_from;

    if (r->truncated)
        return OTW_PARSE_MALFORMED;

    switch (type) {
    case PDU_CONFIRMED: {
        bool seg = (b0 & 0x08) != 0;
        (void)rd_u8(r); /* max segments / max APDU accepted */
        o.invoke = rd_u8(r);
        uint8_t seq = 0;
        if (seg) {
            seq = rd_u8(r);
            (void)rd_u8(r); /* proposed window size */
        }
        uint8_t service = rd_u8(r);
        if (r->truncated)
            return OTW_PARSE_MALFORMED;
        if (seg && seq != 0) {
            s->n_segments++;
            return OTW_PARSE_OK;
        }
        s->n_requests++;
        o.function = service;
        /* A segmented request's first segment holds only part of the data. */
        bool ok = confirmed_request(r, service, &o) || seg;
        if (!ok) {
            o.object[0] = '\0';
            o.has_address = false;
        }
        add_pending(s, &o, dir, ts, sink);
        return ok ? OTW_PARSE_OK : OTW_PARSE_MALFORMED;
    }
    case PDU_UNCONFIRMED: {
        uint8_t service = rd_u8(r);
        if (r->truncated)
            return OTW_PARSE_MALFORMED;
        s->n_requests++;
        o.function = (uint16_t)(BN_FN_UNCONFIRMED | service);
        id_begin(&a, dir, "bacnet i-am", n->fwd_ip);
        bool ok = unconfirmed_request(r, service, &o, identity_ok ? &a : NULL);
        if (!ok) {
            o.object[0] = '\0';
            o.has_address = false;
        }
        emit_op(sink, &o, ts, 0, OTW_OUTCOME_OK, 0, true);
        if (!ok)
            return OTW_PARSE_MALFORMED;
        id_emit(sink, &a);
        return OTW_PARSE_OK;
    }
    case PDU_SEGMENT_ACK:
        rd_skip(r, 3); /* invoke id, sequence number, actual window size */
        s->n_segments++;
        return r->truncated ? OTW_PARSE_MALFORMED : OTW_PARSE_OK;
    default:
        break;
    }

    /* Answers: SimpleACK, ComplexACK, Error, Reject, Abort. */
    uint8_t invoke = rd_u8(r);
    int service = -1;
    bool seg = false;
    uint8_t seq = 0;
    if (type == PDU_COMPLEX_ACK && (b0 & 0x08)) {
        seg = true;
        seq = rd_u8(r);
        (void)rd_u8(r); /* proposed window size */
    }
    if (type == PDU_SIMPLE_ACK || type == PDU_COMPLEX_ACK || type == PDU_ERROR)
        service = rd_u8(r);
    uint8_t reason = 0;
    if (type == PDU_REJECT || type == PDU_ABORT)
        reason = rd_u8(r);
    if (r->truncated)
        return OTW_PARSE_MALFORMED;
    if (seg && seq != 0) {
        s->n_segments++;
        return OTW_PARSE_OK;
    }
    s->n_responses++;

    /* Who asked: the other side, except an Abort from the requester (SRV=0). */
    otw_dir req_dir = dir == OTW_DIR_TO_SERVER ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER;
    if (type == PDU_ABORT && !(b0 & 0x01))
        req_dir = dir;
    int idx = find_confirmed(s, req_dir, invoke, service);

    bool ok = true;
    otw_outcome outcome = OTW_OUTCOME_OK;
    uint16_t exc = 0;
    id_begin(&a, dir, service == 14 ? "bacnet readPropertyMultiple" : "bacnet readProperty",
             n->fwd_ip);
    switch (type) {
    case PDU_SIMPLE_ACK:
        ok = rd_left(r) == 0;
        break;
    case PDU_COMPLEX_ACK:
        if (service == 12)
            ok = read_property_ack(r, identity_ok ? &a : NULL) || seg;
        else if (service == 14)
            ok = read_property_multiple_ack(r, identity_ok ? &a : NULL) || seg;
        break;
    case PDU_ERROR: {
        uint32_t cls = 0, code = 0;
        ok = error_content(r, &cls, &code);
        outcome = OTW_OUTCOME_EXCEPTION;
        exc = (uint16_t)((cls & 0xFF) << 8 | (code > 255 ? 255 : code));
        break;
    }
    case PDU_REJECT:
        ok = rd_left(r) == 0;
        outcome = OTW_OUTCOME_EXCEPTION;
        exc = (uint16_t)(0x1000 | reason);
        break;
    default: /* PDU_ABORT */
        ok = rd_left(r) == 0;
        outcome = OTW_OUTCOME_EXCEPTION;
        exc = (uint16_t)(0x2000 | reason);
        break;
    }
    if (!ok)
        outcome = OTW_OUTCOME_ERROR;

    if (idx >= 0) {
        bn_pending p;
        OTW_PENDING_TAKE(s->pending, &s->n_pending, (uint32_t)idx, &p);
        emit_pending(sink, &p, ts, outcome, exc);
    } else {
        s->n_unmatched_responses++;
        o.invoke = invoke;
        o.function = service >= 0 ? (uint16_t)service : 0xFF;
        emit_op(sink, &o, ts, ts, outcome, exc, false);
    }
    if (!ok)
        return OTW_PARSE_MALFORMED;
    id_emit(sink, &a);
    return OTW_PARSE_OK;
}

/* ----------------------------------------------------------- NPDU */

static otw_parse_status npdu(bn_session *s, otw_dir dir, otw_reader *r, const uint8_t *fwd_ip,
                             uint64_t ts, const otw_sink *sink)
{
    npdu_ctx n;
    memset(&n, 0, sizeof(n));
    n.fwd_ip = fwd_ip;
    uint8_t version = rd_u8(r);
    uint8_t control = rd_u8(r);
    if (r->truncated || version != 1 || (control & 0x50) != 0)
        return OTW_PARSE_MALFORMED; /* clause 6.2.1 version 1, 6.2.2 reserved bits zero */
    if (control & 0x20) {           /* DNET, DLEN, DADR */
        n.has_dnet = true;
        n.dnet = rd_be16(r);
        uint8_t dlen = rd_u8(r);
        rd_skip(r, dlen);
    }
    if (control & 0x08) { /* SNET, SLEN, SADR */
        uint16_t snet = rd_be16(r);
        uint8_t slen = rd_u8(r);
        rd_skip(r, slen);
        if (snet == 0xFFFF || slen == 0)
            return OTW_PARSE_MALFORMED; /* 6.2.2: SLEN 0 is invalid, SNET not global */
        n.routed_from = true;
    }
    if (control & 0x20)
        (void)rd_u8(r); /* hop count */
    if (r->truncated)
        return OTW_PARSE_MALFORMED;

    if (control & 0x80) {
        /* Network layer message (clause 6.4). */
        uint8_t type = rd_u8(r);
        if (type >= 0x80)
            (void)rd_be16(r); /* vendor id of a proprietary message */
        if (r->truncated)
            return OTW_PARSE_MALFORMED;
        s->n_requests++;
        op_info o;
        memset(&o, 0, sizeof(o));
        o.function = (uint16_t)(BN_FN_NETWORK | type);
        o.has_dnet = n.has_dnet;
        o.dnet = n.dnet;
        if ((type == 0x00 || type == 0x12) && rd_left(r) >= 2) {
            /* Who-Is-Router-To-Network names the network asked for. */
            otw_tb b = otw_tb_init(o.object, sizeof(o.object));
            otw_tb_str(&b, "network ");
            otw_tb_u32(&b, rd_be16(r));
        }
        emit_op(sink, &o, ts, 0, OTW_OUTCOME_OK, 0, true);
        return OTW_PARSE_OK;
    }
    return apdu(s, dir, r, &n, ts, sink);
}

/* ----------------------------------------------------------- BVLC */

/* A BVLC-Result or Read-*-Ack settles the oldest BVLC request going the
 * other way (J.2: the BVLL has no request ids). */
static void bvlc_answer(bn_session *s, otw_dir dir, uint8_t function, uint16_t result, uint64_t ts,
                        const otw_sink *sink)
{
    otw_dir req_dir = dir == OTW_DIR_TO_SERVER ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER;
    /* Which request a NAK code answers (J.2.1.1); Acks answer their reads. */
    int want = -1;
    if (function == 0x03)
        want = 0x02;
    else if (function == 0x07)
        want = 0x06;
    else if (result != 0) {
        /* 0x10 Write-BDT, 0x20 Read-BDT, 0x30 Register-Foreign-Device,
         * 0x40 Read-FDT, 0x50 Delete-FDT-Entry, 0x60 Distribute-Broadcast NAK */
        static const int8_t nak_fn[] = {-1, 0x01, 0x02, 0x05, 0x06, 0x08, 0x09};
        want = (result & 0x0F) == 0 && result >> 4 < 7 ? nak_fn[result >> 4] : -1;
    }
    s->n_responses++;
    for (uint32_t i = 0; i < s->n_pending; i++) {
        bn_pending *p = &s->pending[i];
        if (p->dir != req_dir || (p->function & 0xF00) != BN_FN_BVLC)
            continue;
        if (want >= 0 && (p->function & 0xFF) != want)
            continue;
        bn_pending old;
        OTW_PENDING_TAKE(s->pending, &s->n_pending, i, &old);
        emit_pending(sink, &old, ts, result == 0 ? OTW_OUTCOME_OK : OTW_OUTCOME_EXCEPTION, result);
        return;
    }
    s->n_unmatched_responses++;
    op_info o;
    memset(&o, 0, sizeof(o));
    o.function = (uint16_t)(BN_FN_BVLC | (want >= 0 && want <= 0x0C ? want : function));
    emit_op(sink, &o, ts, ts, result == 0 ? OTW_OUTCOME_OK : OTW_OUTCOME_EXCEPTION, result, false);
}

void bn_session_init(void *session)
{
    if (session)
        memset(session, 0, sizeof(bn_session));
}

otw_parse_status bn_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                          uint64_t ts_us, const otw_sink *sink)
{
    bn_session *s = session;
    if (!s || !pdu || len < 4)
        return OTW_PARSE_NOT_MINE;
    otw_reader r = rd_init(pdu, len);
    uint8_t type = rd_u8(&r);
    uint8_t function = rd_u8(&r);
    uint16_t blen = rd_be16(&r);
    if (type == BVLC_TYPE_BIP6)
        return OTW_PARSE_OK; /* BACnet/IPv6 (Annex U): recognised, not decoded */
    if (type != BVLC_TYPE_BIP || blen < 4 || function > 0x0C)
        return OTW_PARSE_NOT_MINE;
    if (blen != len) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }

    otw_parse_status st = OTW_PARSE_OK;
    op_info o;
    memset(&o, 0, sizeof(o));
    o.function = (uint16_t)(BN_FN_BVLC | function);
    switch (function) {
    case 0x00: { /* BVLC-Result */
        uint16_t result = rd_be16(&r);
        if (r.truncated || rd_left(&r) != 0) {
            st = OTW_PARSE_MALFORMED;
            break;
        }
        bvlc_answer(s, dir, function, result, ts_us, sink);
        break;
    }
    case 0x03: /* Read-BDT-Ack: 10-octet entries */
    case 0x07: /* Read-FDT-Ack: 10-octet entries */
        if (rd_left(&r) % 10 != 0) {
            st = OTW_PARSE_MALFORMED;
            break;
        }
        bvlc_answer(s, dir, function, 0, ts_us, sink);
        break;
    case 0x01: /* Write-BDT: 10-octet entries */
        if (rd_left(&r) % 10 != 0) {
            st = OTW_PARSE_MALFORMED;
            break;
        }
        o.has_address = true;
        o.address_count = (uint32_t)(rd_left(&r) / 10);
        s->n_requests++;
        add_pending(s, &o, dir, ts_us, sink);
        break;
    case 0x02: /* Read-BDT */
    case 0x06: /* Read-FDT */
        s->n_requests++;
        add_pending(s, &o, dir, ts_us, sink);
        if (rd_left(&r) != 0)
            st = OTW_PARSE_MALFORMED;
        break;
    case 0x05: { /* Register-Foreign-Device: time-to-live */
        uint16_t ttl = rd_be16(&r);
        s->n_requests++;
        if (!r.truncated) {
            otw_tb b = otw_tb_init(o.object, sizeof(o.object));
            otw_tb_str(&b, "ttl ");
            otw_tb_u32(&b, ttl);
        }
        add_pending(s, &o, dir, ts_us, sink);
        if (r.truncated || rd_left(&r) != 0)
            st = OTW_PARSE_MALFORMED;
        break;
    }
    case 0x08: { /* Delete-FDT-Entry: B/IP address of the entry */
        const uint8_t *a = rd_bytes(&r, 6);
        s->n_requests++;
        if (a) {
            otw_tb b = otw_tb_init(o.object, sizeof(o.object));
            for (int i = 0; i < 4; i++) {
                if (i)
                    otw_tb_str(&b, ".");
                otw_tb_u32(&b, a[i]);
            }
            otw_tb_str(&b, ":");
            otw_tb_u32(&b, (uint32_t)a[4] << 8 | a[5]);
        }
        add_pending(s, &o, dir, ts_us, sink);
        if (!a || rd_left(&r) != 0)
            st = OTW_PARSE_MALFORMED;
        break;
    }
    case 0x0C: /* Secure-BVLL: opaque */
        s->n_requests++;
        emit_op(sink, &o, ts_us, 0, OTW_OUTCOME_OK, 0, true);
        break;
    case 0x04: { /* Forwarded-NPDU: original B/IP address, then the NPDU */
        const uint8_t *a = rd_bytes(&r, 6);
        if (!a) {
            st = OTW_PARSE_MALFORMED;
            break;
        }
        st = npdu(s, dir, &r, a, ts_us, sink);
        break;
    }
    default: /* 0x09 Distribute-Broadcast-To-Network, 0x0A unicast, 0x0B broadcast */
        st = npdu(s, dir, &r, NULL, ts_us, sink);
        break;
    }
    if (st == OTW_PARSE_MALFORMED)
        malformed(s, sink);
    return st;
}

void bn_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    bn_session *s = session;
    if (s)
        OTW_PENDING_EXPIRE(s->pending, &s->n_pending, ts_us, timeout_us, unanswered, NULL, sink);
}

const otw_dissector bacnet_dissector = {
    .proto = OTW_PROTO_BACNET,
    .name = "bacnet",
    .tcp_ports = {0},
    .udp_ports = {BN_PORT},
    .industrial = true,
    .session_size = sizeof(bn_session),
    .session_init = bn_session_init,
    .frame_len = NULL,
    .parse = bn_parse,
    .expire = bn_expire,
};
