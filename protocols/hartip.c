/* hartip.c - HART-IP dissector.
 *
 * Specs: FieldComm Group HCF_SPEC-85 (HART-IP: 8-byte header = version,
 * message type, message id, status, sequence number, byte count; all
 * big-endian), HCF_SPEC-81 (token-passing PDU: delimiter, 1- or 5-byte
 * address, expansion bytes, command, byte count, [response code, device
 * status], data, longitudinal parity), HCF_SPEC-127 (universal commands,
 * command 0 reply), HCF_SPEC-151 (common practice commands).
 *
 * Classification (op_class), and why:
 * - identity: 0 Read Unique Identifier, 11 (by tag), 21 (by long tag): the
 *   way hosts identify a device;
 * - read: the universal and common-practice reads (1-3, 7-9, 12-16, 20, 33,
 *   48, 50, 54, ...);
 * - configuration: writes of device settings (6 polling address, 17-19
 *   message / tag / final assembly number, 22 long tag, 34-37 damping and
 *   range, 43-47 zero, units, trims, transfer function, 49, 51, 53, 59,
 *   burst settings 103-109);
 * - write: 79 Write Device Variable (forces a process value);
 * - control: 38 Reset Configuration Changed Flag, 42 Perform Device Reset,
 *   40 / 66 fixed current / fixed analog channel mode (they drive the
 *   loop output regardless of the process);
 * - diagnostic: 41 Perform Self Test, Read Audit Log;
 * - other: device-specific commands (128-253), unknown ones, sessions.
 * A reply's response code other than 0 (or a header status other than 0,
 * an Error or NAK message) is an exception with that code.
 */
#include "hartip.h"

#include "pending.h"
#include "reader.h"
#include "textbuf.h"
#include "tok.h"

#include <string.h>

_Static_assert(sizeof(hartip_session) <= OTW_SESSION_MAX_BYTES,
               "hartip_session must fit a dissector session slot");

#define FRAME_BACK 1 /* burst frame from a field device */
#define FRAME_STX 2  /* master to field device */
#define FRAME_ACK 6  /* field device to master */
#define CMD_EXPANDED 31
#define MAX_MSG 65535

/* ---------------------------------------------------------------- names */

static const otw_tok hartip_commands[] = {
    {0, "Read Unique Identifier"},
    {1, "Read Primary Variable"},
    {2, "Read Loop Current And Percent Of Range"},
    {3, "Read Dynamic Variables And Loop Current"},
    {6, "Write Polling Address"},
    {7, "Read Loop Configuration"},
    {8, "Read Dynamic Variable Classifications"},
    {9, "Read Device Variables With Status"},
    {11, "Read Unique Identifier Associated With Tag"},
    {12, "Read Message"},
    {13, "Read Tag, Descriptor, Date"},
    {14, "Read Primary Variable Transducer Information"},
    {15, "Read Device Information"},
    {16, "Read Final Assembly Number"},
    {17, "Write Message"},
    {18, "Write Tag, Descriptor, Date"},
    {19, "Write Final Assembly Number"},
    {20, "Read Long Tag"},
    {21, "Read Unique Identifier Associated With Long Tag"},
    {22, "Write Long Tag"},
    {31, "Expanded Command"},
    {33, "Read Device Variables"},
    {34, "Write Primary Variable Damping Value"},
    {35, "Write Primary Variable Range Values"},
    {36, "Set Primary Variable Upper Range Value"},
    {37, "Set Primary Variable Lower Range Value"},
    {38, "Reset Configuration Changed Flag"},
    {40, "Enter/Exit Fixed Current Mode"},
    {41, "Perform Self Test"},
    {42, "Perform Device Reset"},
    {43, "Set Primary Variable Zero"},
    {44, "Write Primary Variable Units"},
    {45, "Trim Loop Current Zero"},
    {46, "Trim Loop Current Gain"},
    {47, "Write Primary Variable Transfer Function"},
    {48, "Read Additional Device Status"},
    {49, "Write Primary Variable Transducer Serial Number"},
    {50, "Read Dynamic Variable Assignments"},
    {51, "Write Dynamic Variable Assignments"},
    {53, "Write Device Variable Units"},
    {54, "Read Device Variable Information"},
    {59, "Write Number Of Response Preambles"},
    {66, "Enter/Exit Fixed Analog Channel Mode"},
    {79, "Write Device Variable"},
    {103, "Write Burst Period"},
    {104, "Write Burst Trigger"},
    {105, "Read Burst Mode Configuration"},
    {107, "Write Burst Device Variables"},
    {108, "Write Burst Mode Command Number"},
    {109, "Burst Mode Control"},
    {HARTIP_FUNC_MSG | HARTIP_ID_SESSION_INITIATE, "Session Initiate"},
    {HARTIP_FUNC_MSG | HARTIP_ID_SESSION_CLOSE, "Session Close"},
    {HARTIP_FUNC_MSG | HARTIP_ID_KEEP_ALIVE, "Keep Alive"},
    {HARTIP_FUNC_MSG | HARTIP_ID_PASS_THROUGH, "Token-Passing PDU"},
    {HARTIP_FUNC_MSG | HARTIP_ID_READ_AUDIT_LOG, "Read Audit Log"},
};

const char *hartip_command_name(uint16_t c)
{
    const char *name = OTW_TOK_NAME(hartip_commands, c, NULL);
    if (name)
        return name;
    if (c >= 128 && c <= 253)
        return "Device Specific Command";
    return (c & 0xFF00) == HARTIP_FUNC_MSG ? "Unknown Message" : "Unknown";
}

otw_op_class hartip_command_class(uint16_t c)
{
    switch (c) {
    case 0:
    case 11:
    case 21:
        return OTW_CLASS_IDENTITY;
    case 1:
    case 2:
    case 3:
    case 7:
    case 8:
    case 9:
    case 12:
    case 13:
    case 14:
    case 15:
    case 16:
    case 20:
    case 33:
    case 48:
    case 50:
    case 54:
    case 105:
        return OTW_CLASS_READ;
    case 6:
    case 17:
    case 18:
    case 19:
    case 22:
    case 34:
    case 35:
    case 36:
    case 37:
    case 43:
    case 44:
    case 45:
    case 46:
    case 47:
    case 49:
    case 51:
    case 53:
    case 59:
    case 103:
    case 104:
    case 107:
    case 108:
    case 109:
        return OTW_CLASS_CONFIGURATION;
    case 79:
        return OTW_CLASS_WRITE;
    case 38:
    case 40:
    case 42:
    case 66:
        return OTW_CLASS_CONTROL;
    case 41:
    case HARTIP_FUNC_MSG | HARTIP_ID_READ_AUDIT_LOG:
        return OTW_CLASS_DIAGNOSTIC;
    default:
        return OTW_CLASS_OTHER;
    }
}

/* HART manufacturer identification codes (HCF_SPEC-183, Common Table 8):
 * a few well-known ones; others keep only the id. */
static const char *manufacturer_name(uint16_t id)
{
    switch (id) {
    case 0x11:
        return "Endress+Hauser";
    case 0x26:
        return "Rosemount";
    case 0x37:
        return "Yokogawa";
    default:
        return NULL;
    }
}

/* ------------------------------------------------------------- helpers */

/* Packed ASCII (HCF_SPEC-127): 4 characters in 3 bytes, 6 bits each. */
static void unpack_ascii(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    size_t at = 0;
    for (size_t i = 0; i + 2 < n; i += 3) {
        uint32_t w = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8) | p[i + 2];
        for (int k = 3; k >= 0 && at + 1 < cap; k--) {
            uint8_t c = (uint8_t)((w >> (6 * k)) & 0x3F);
            dst[at++] = (char)(c < 0x20 ? c + 0x40 : c);
        }
    }
    dst[at] = '\0';
    while (at > 0 && dst[at - 1] == ' ')
        dst[--at] = '\0';
}

/* --------------------------------------------------------- HART frames */

typedef struct hart_pdu {
    uint8_t frame_type;
    bool long_addr;
    uint8_t addr[5];
    uint16_t command; /* expanded for 31 */
    uint8_t response_code;
    uint8_t device_status;
    bool checksum_ok;
    const uint8_t *data; /* after response code/status and expanded number */
    size_t data_len;
} hart_pdu;

/* Token-passing PDU (HCF_SPEC-81, 5): leading 0xFF preambles tolerated. */
static bool parse_pdu(const uint8_t *p, size_t n, hart_pdu *h)
{
    otw_reader r = rd_init(p, n);
    memset(h, 0, sizeof(*h));
    while (rd_left(&r) > 0 && p[r.off] == 0xFF)
        r.off++;
    size_t start = r.off;
    uint8_t delim = rd_u8(&r);
    h->frame_type = delim & 0x07;
    h->long_addr = (delim & 0x80) != 0;
    size_t alen = h->long_addr ? 5 : 1;
    const uint8_t *a = rd_bytes(&r, alen);
    rd_skip(&r, (delim >> 5) & 0x03); /* expansion bytes */
    uint8_t cmd = rd_u8(&r);
    uint8_t bc = rd_u8(&r);
    const uint8_t *body = rd_bytes(&r, bc);
    uint8_t sum = rd_u8(&r);
    if (r.truncated || a == NULL || body == NULL)
        return false;
    if (h->frame_type != FRAME_STX && h->frame_type != FRAME_ACK && h->frame_type != FRAME_BACK)
        return false;
    memcpy(h->addr, a, alen);
    uint8_t x = 0;
    for (size_t i = start; i + 1 < r.off; i++)
        x ^= p[i];
    h->checksum_ok = x == sum;
    h->command = cmd;
    h->data = body;
    h->data_len = bc;
    if (h->frame_type != FRAME_STX) { /* replies and bursts: code + status */
        if (bc < 2)
            return false;
        h->response_code = body[0];
        h->device_status = body[1];
        h->data += 2;
        h->data_len -= 2;
    }
    if (cmd == CMD_EXPANDED && h->data_len >= 2) {
        h->command = (uint16_t)((h->data[0] << 8) | h->data[1]);
        h->data += 2;
        h->data_len -= 2;
    }
    return true;
}

static void pdu_unit(const hart_pdu *h, bool *has_unit, uint32_t *unit)
{
    *has_unit = true;
    if (h->long_addr) /* device id: the last 3 bytes of the unique id */
        *unit = ((uint32_t)h->addr[2] << 16) | ((uint32_t)h->addr[3] << 8) | h->addr[4];
    else
        *unit = h->addr[0] & 0x3F; /* polling address */
}

/* ------------------------------------------------------------- identity */

static void emit_identity(const otw_sink *sink, const otw_identity *id)
{
    if (sink != NULL && sink->identity != NULL)
        sink->identity(sink->ctx, id);
}

static void identity_base(otw_identity *id, otw_dir dir, const char *source)
{
    memset(id, 0, sizeof(*id));
    id->protocol = OTW_PROTO_HARTIP;
    id->about = dir;
    id->source = source;
}

/* Command 0 reply (HCF_SPEC-127, 6.1): 254, expanded device type (HART 7;
 * manufacturer id + device type before), preambles, universal revision,
 * device revision, software revision, hardware revision << 3 | signaling,
 * flags, device id (3), then for HART 6+: response preambles, device
 * variables, configuration change counter, extended status, and for
 * HART 7: manufacturer id (2), private label (2), device profile. */
static void identity_cmd0(const hart_pdu *h, otw_dir dir, const otw_sink *sink)
{
    const uint8_t *d = h->data;
    if (h->data_len < 12 || d[0] != 254)
        return;
    otw_identity id;
    identity_base(&id, dir, "hart-ip command 0");
    uint8_t universal = d[4];
    uint16_t type;
    uint16_t manufacturer;
    if (universal >= 7 && h->data_len >= 19) {
        type = (uint16_t)((d[1] << 8) | d[2]);
        manufacturer = (uint16_t)((d[17] << 8) | d[18]);
    } else {
        manufacturer = d[1];
        type = d[2];
    }
    id.has_vendor_id = true;
    id.vendor_id = manufacturer;
    const char *mn = manufacturer_name(manufacturer);
    otw_tb b;
    if (mn != NULL) {
        b = otw_tb_init(id.vendor, sizeof(id.vendor));
        otw_tb_str(&b, mn);
    }
    b = otw_tb_init(id.product_code, sizeof(id.product_code));
    otw_tb_str(&b, "0x");
    otw_tb_num(&b, type, true, 4);
    b = otw_tb_init(id.revision, sizeof(id.revision));
    otw_tb_u32(&b, d[5]);
    otw_tb_str(&b, ".");
    otw_tb_u32(&b, d[6]);
    b = otw_tb_init(id.serial, sizeof(id.serial));
    otw_tb_num(&b, ((uint32_t)d[9] << 16) | ((uint32_t)d[10] << 8) | d[11], true, 6);
    b = otw_tb_init(id.device_type, sizeof(id.device_type));
    otw_tb_str(&b, "HART field device");
    b = otw_tb_init(id.detail, sizeof(id.detail));
    otw_tb_str(&b, "HART universal revision ");
    otw_tb_u32(&b, universal);
    otw_tb_str(&b, ", hardware revision ");
    otw_tb_u32(&b, d[7] >> 3);
    id.role_hint = OTW_HINT_CONTROLLER; /* a field instrument or HART gateway */
    emit_identity(sink, &id);
}

/* Names: 13 (packed tag, descriptor, date) and 20 (32-byte long tag). */
static void identity_tag(const hart_pdu *h, otw_dir dir, const otw_sink *sink)
{
    otw_identity id;
    if (h->command == 20 && h->data_len >= 32) {
        identity_base(&id, dir, "hart-ip command 20");
        otw_copy_wire_string(id.name, sizeof(id.name), h->data, 32);
    } else if (h->command == 13 && h->data_len >= 21) {
        identity_base(&id, dir, "hart-ip command 13");
        unpack_ascii(id.name, sizeof(id.name), h->data, 6);
    } else {
        return;
    }
    size_t n = strlen(id.name);
    while (n > 0 && id.name[n - 1] == ' ')
        id.name[--n] = '\0';
    if (n > 0)
        emit_identity(sink, &id);
}

/* ------------------------------------------------------------ emission */

static void emit_op(const otw_sink *sink, const hartip_pending *p, bool seen, uint64_t rts,
                    otw_outcome oc, uint16_t exc)
{
    if (sink == NULL || sink->op == NULL)
        return;
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_HARTIP;
    op.ts_us = p->ts_us;
    op.response_ts_us = rts;
    op.has_unit = p->has_unit;
    op.unit = p->has_unit ? p->unit : 0;
    op.transaction = p->sequence;
    op.function = p->function;
    op.function_name = hartip_command_name(p->function);
    op.op_class = hartip_command_class(p->function);
    op.outcome = oc;
    op.exception_code = oc == OTW_OUTCOME_EXCEPTION ? exc : 0;
    op.request_seen = seen;
    if (p->message_id == HARTIP_ID_PASS_THROUGH && p->has_unit) {
        otw_tb b = otw_tb_init(op.object, sizeof(op.object));
        otw_tb_str(&b, p->long_addr ? "device 0x" : "poll ");
        otw_tb_num(&b, p->unit, p->long_addr, p->long_addr ? 6 : 1);
    }
    if (p->message_id != HARTIP_ID_PASS_THROUGH)
        op.op_class =
            p->message_id == HARTIP_ID_READ_AUDIT_LOG ? OTW_CLASS_DIAGNOSTIC : OTW_CLASS_OTHER;
    sink->op(sink->ctx, &op);
}

static void malformed(hartip_session *s, const otw_sink *sink)
{
    s->n_malformed++;
    if (sink != NULL && sink->anomaly != NULL)
        sink->anomaly(sink->ctx, "hartip_malformed");
}

static void unanswered(void *ctx, const void *p, const otw_sink *sink)
{
    (void)ctx;
    emit_op(sink, p, true, 0, OTW_OUTCOME_NO_RESPONSE, 0);
}

static int find_pending(const hartip_session *s, uint16_t seq, uint8_t id)
{
    for (uint32_t i = 0; i < s->n_pending; i++)
        if (s->pending[i].sequence == seq && s->pending[i].message_id == id)
            return (int)i;
    return -1;
}

/* --------------------------------------------------------------- parse */

void hartip_session_init(void *session)
{
    if (session != NULL)
        memset(session, 0, sizeof(hartip_session));
}

static bool header_valid(uint8_t version, uint8_t type, uint16_t count)
{
    return (version == 1 || version == 2) &&
           (type <= HARTIP_TYPE_ERROR || type == HARTIP_TYPE_NAK) && count >= HARTIP_HDR_LEN;
}

long hartip_frame_len(const uint8_t *buf, size_t len)
{
    if (buf == NULL || len < HARTIP_HDR_LEN)
        return OTW_FRAME_NEED_MORE;
    otw_reader r = rd_init(buf, len);
    uint8_t version = rd_u8(&r);
    uint8_t type = rd_u8(&r);
    rd_skip(&r, 4);
    uint16_t count = rd_be16(&r);
    if (!header_valid(version, type, count))
        return OTW_FRAME_NOT_MINE;
    return count;
}

static otw_parse_status handle_request(hartip_session *s, uint8_t id, uint16_t seq,
                                       otw_reader *body, uint64_t ts_us, const otw_sink *sink)
{
    hartip_pending p;
    memset(&p, 0, sizeof(p));
    p.ts_us = ts_us;
    p.sequence = seq;
    p.message_id = id;
    p.function = (uint16_t)(HARTIP_FUNC_MSG | id);
    bool ok = true;

    s->n_requests++;
    if (id == HARTIP_ID_KEEP_ALIVE)
        return OTW_PARSE_OK; /* housekeeping: not an operation */
    if (id == HARTIP_ID_PASS_THROUGH) {
        hart_pdu h;
        bool parsed = parse_pdu(body->base + body->off, rd_left(body), &h);
        ok = parsed && h.frame_type == FRAME_STX && h.checksum_ok;
        if (parsed) {
            p.function = h.command;
            pdu_unit(&h, &p.has_unit, &p.unit);
            p.long_addr = h.long_addr;
        }
    } else if (id == HARTIP_ID_SESSION_INITIATE) {
        ok = rd_left(body) >= 5; /* host type, inactivity close timer */
    }
    int dup = find_pending(s, seq, id);
    if (OTW_PENDING_PUSH(s->pending, &s->n_pending, dup, &p, unanswered, NULL, sink))
        s->n_pending_evicted++;
    if (!ok) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    return OTW_PARSE_OK;
}

static otw_parse_status handle_reply(hartip_session *s, uint8_t type, uint8_t id, uint8_t status,
                                     uint16_t seq, otw_reader *body, uint64_t ts_us, otw_dir dir,
                                     const otw_sink *sink)
{
    s->n_responses++;
    if (id == HARTIP_ID_KEEP_ALIVE)
        return OTW_PARSE_OK;
    int idx = find_pending(s, seq, id);
    hartip_pending p;
    memset(&p, 0, sizeof(p));
    p.ts_us = ts_us;
    p.sequence = seq;
    p.message_id = id;
    p.function = (uint16_t)(HARTIP_FUNC_MSG | id);
    if (idx >= 0) {
        OTW_PENDING_TAKE(s->pending, &s->n_pending, (uint32_t)idx, &p);
    } else {
        s->n_unmatched_responses++;
    }

    bool ok = true;
    otw_outcome oc = OTW_OUTCOME_OK;
    uint16_t exc = 0;
    if (type != HARTIP_TYPE_RESPONSE || status != 0) {
        oc = OTW_OUTCOME_EXCEPTION;
        exc = status;
    }
    if (id == HARTIP_ID_PASS_THROUGH && rd_left(body) > 0) {
        hart_pdu h;
        ok = parse_pdu(body->base + body->off, rd_left(body), &h) && h.frame_type == FRAME_ACK &&
             h.checksum_ok && (idx < 0 || h.command == p.function);
        if (ok) {
            if (idx < 0) {
                p.function = h.command;
                pdu_unit(&h, &p.has_unit, &p.unit);
                p.long_addr = h.long_addr;
            }
            if (oc == OTW_OUTCOME_OK && h.response_code != 0) {
                oc = OTW_OUTCOME_EXCEPTION;
                exc = h.response_code;
            }
        } else {
            oc = OTW_OUTCOME_ERROR;
            exc = 0;
        }
        emit_op(sink, &p, idx >= 0, ts_us, oc, exc);
        if (ok && oc == OTW_OUTCOME_OK) {
            if (h.command == 0 || h.command == 11 || h.command == 21)
                identity_cmd0(&h, dir, sink);
            identity_tag(&h, dir, sink);
        }
    } else {
        if (id == HARTIP_ID_PASS_THROUGH && oc == OTW_OUTCOME_OK) {
            ok = false; /* a successful pass-through reply carries a PDU */
            oc = OTW_OUTCOME_ERROR;
        }
        emit_op(sink, &p, idx >= 0, ts_us, oc, exc);
    }
    if (!ok) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    return OTW_PARSE_OK;
}

otw_parse_status hartip_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                              uint64_t ts_us, const otw_sink *sink)
{
    hartip_session *s = session;
    if (s == NULL || pdu == NULL || len < HARTIP_HDR_LEN)
        return OTW_PARSE_NOT_MINE;
    otw_reader r = rd_init(pdu, len);
    uint8_t version = rd_u8(&r);
    uint8_t type = rd_u8(&r);
    uint8_t id = rd_u8(&r);
    uint8_t status = rd_u8(&r);
    uint16_t seq = rd_be16(&r);
    uint16_t count = rd_be16(&r);
    if (!header_valid(version, type, count))
        return OTW_PARSE_NOT_MINE;
    if (count != len) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    otw_reader body = rd_sub(&r, len - HARTIP_HDR_LEN);
    if (type == HARTIP_TYPE_REQUEST)
        return handle_request(s, id, seq, &body, ts_us, sink);
    if (type == HARTIP_TYPE_PUBLISH) {
        s->n_published++; /* burst data: nothing asked, nothing to pair */
        return OTW_PARSE_OK;
    }
    return handle_reply(s, type, id, status, seq, &body, ts_us, dir, sink);
}

void hartip_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    hartip_session *s = session;
    if (s != NULL)
        OTW_PENDING_EXPIRE(s->pending, &s->n_pending, ts_us, timeout_us, unanswered, NULL, sink);
}

/* UDP 5095: HART-IP servers answer a UDP Session Initiate from a second
 * port and keep the session there (the FieldComm reference server and
 * iti_hart_ip use 5094 + 1); the sensor only dissects flows by server port,
 * so that port is listed too. */
const otw_dissector hartip_dissector = {
    .proto = OTW_PROTO_HARTIP,
    .industrial = true,
    .name = "hartip",
    .tcp_ports = {5094},
    .udp_ports = {5094, 5095},
    .session_size = sizeof(hartip_session),
    .session_init = hartip_session_init,
    .frame_len = hartip_frame_len,
    .parse = hartip_parse,
    .expire = hartip_expire,
};
