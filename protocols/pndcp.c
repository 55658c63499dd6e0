/* pndcp.c - PROFINET DCP dissector.
 *
 * Spec: IEC 61158-6-10, DCP: FrameID 0xFEFC..0xFEFF, DCP-UC/MC header
 * (ServiceID 3 Get, 4 Set, 5 Identify, 6 Hello; ServiceType 0 request,
 * 1 response success, bit 2 "request not supported"; Xid; ResponseDelay;
 * DCPDataLength), DCP blocks (Option, Suboption, DCPBlockLength, data padded
 * to an even length). Options: 1 IP (1 MAC, 2 IP parameter, 3 full IP suite),
 * 2 Device properties (1 type of station, 2 name of station, 3 device id,
 * 4 device role, 5 device options, 6 alias name, 7 device instance, 8 OEM
 * device id), 3 DHCP, 5 Control (1 start, 2 stop, 3 signal, 4 response,
 * 5 factory reset, 6 reset to factory), 6 Device initiative, 255 all.
 *
 * Block layouts depend on the message (BlockInfo in Identify/Get/Hello
 * answers, BlockQualifier in Set requests, option/suboption pairs without
 * length in Get requests, Control/Response blocks with a BlockError in Set
 * and Get answers).
 *
 * Choices worth knowing:
 * - No session: every DCP frame is one op (function = ServiceID, transaction
 *   = Xid). Responses are request_seen=false with response_ts = their time;
 *   the consumer pairs them by Xid if it wants to.
 * - Identify/Hello/Get answers carry the SENDER's identity (has_mac false so
 *   the sensor uses the source MAC): name of station -> name, type of station
 *   -> product, vendor id -> vendor_id and vendor (data/profinet_vendors.tsv),
 *   device id -> product_code "0x....", device role -> device_type and role
 *   hint, IP parameters / alias / instance -> detail.
 * - Set requests are configuration ("name=..", "ip=.." in object), or
 *   control for factory resets, diagnostic for Signal (LED flashing).
 * - A Set answer names the blocks it answers (object, like the request's)
 *   and carries the outcome, but is class other: the request is the change,
 *   and consumers that alert on configuration/control ops would otherwise
 *   report it twice, the second time from the device.
 * - A response whose ServiceType says "not supported" is exception 0x05;
 *   a Set/Get answer with a non-zero BlockError is exception BlockError.
 */
#include "pndcp.h"

#include "reader.h"
#include "textbuf.h"

#include <string.h>

extern const otw_vendor_name otw_profinet_vendors[];
extern const size_t otw_profinet_vendors_len;

#define OPT_IP 1
#define OPT_DEVICE 2
#define OPT_DHCP 3
#define OPT_CONTROL 5
#define OPT_INITIATIVE 6
#define OPT_ALL 255

#define SUB_IP_MAC 1
#define SUB_IP_PARAM 2
#define SUB_IP_SUITE 3
#define SUB_DEV_TYPE 1
#define SUB_DEV_NAME 2
#define SUB_DEV_ID 3
#define SUB_DEV_ROLE 4
#define SUB_DEV_OPTIONS 5
#define SUB_DEV_ALIAS 6
#define SUB_DEV_INSTANCE 7
#define SUB_DEV_OEM_ID 8
#define SUB_CTL_START 1
#define SUB_CTL_STOP 2
#define SUB_CTL_SIGNAL 3
#define SUB_CTL_RESPONSE 4
#define SUB_CTL_FACTORY_RESET 5
#define SUB_CTL_RESET_TO_FACTORY 6

#define TYPE_RESPONSE 0x01
#define TYPE_NOT_SUPPORTED 0x04

const char *pndcp_service_name(uint8_t service)
{
    switch (service) {
    case PNDCP_SVC_GET:
        return "Get";
    case PNDCP_SVC_SET:
        return "Set";
    case PNDCP_SVC_IDENTIFY:
        return "Identify";
    case PNDCP_SVC_HELLO:
        return "Hello";
    default:
        return "Unknown";
    }
}

/* ------------------------------------------------------------ blocks */

typedef struct dcp_block {
    uint8_t option, suboption;
    uint16_t len;
    const uint8_t *data;
} dcp_block;

/* Next Option/Suboption/DCPBlockLength/data, with the pad octet after an
 * odd length (present only when more blocks follow). */
static bool next_block(otw_reader *r, dcp_block *b)
{
    b->option = rd_u8(r);
    b->suboption = rd_u8(r);
    b->len = rd_be16(r);
    b->data = b->len ? rd_bytes(r, b->len) : NULL;
    if (r->truncated)
        return false;
    if ((b->len & 1) && rd_left(r) > 0)
        rd_skip(r, 1);
    return true;
}

static const char *role_name(uint8_t role)
{
    if (role & 0x02)
        return "IO-Controller";
    if (role & 0x08)
        return "IO-Supervisor";
    if (role & 0x04)
        return "IO-Multidevice";
    if (role & 0x01)
        return "IO-Device";
    return NULL;
}

static otw_role_hint role_hint(uint8_t role)
{
    if (role & 0x02)
        return OTW_HINT_CONTROLLER; /* an IO controller is the PLC */
    if (role & 0x08)
        return OTW_HINT_ENGINEERING;
    if (role & 0x05)
        return OTW_HINT_CONTROLLER; /* IO device: field station, drive, I/O */
    return OTW_HINT_NONE;
}

static const char *option_name(uint8_t option, uint8_t sub)
{
    if (option == OPT_IP)
        return sub == SUB_IP_MAC ? "mac" : "ip";
    if (option == OPT_DEVICE) {
        switch (sub) {
        case SUB_DEV_TYPE:
            return "type-of-station";
        case SUB_DEV_NAME:
            return "name";
        case SUB_DEV_ID:
            return "device-id";
        case SUB_DEV_ROLE:
            return "role";
        case SUB_DEV_OPTIONS:
            return "device-options";
        case SUB_DEV_ALIAS:
            return "alias";
        case SUB_DEV_INSTANCE:
            return "instance";
        default:
            return "device";
        }
    }
    if (option == OPT_DHCP)
        return "dhcp";
    if (option == OPT_ALL)
        return "all";
    return "option";
}

/* Blocks of an Identify/Hello/Get answer (BlockInfo first, except the
 * Control/Response block). Fills the identity and the answer's BlockError. */
static bool answer_blocks(otw_reader *r, otw_identity *id, bool *has_id, uint8_t *block_error,
                          otw_tb *obj)
{
    char detail[128];
    otw_tb d = otw_tb_init(detail, sizeof(detail));
    dcp_block b;

    while (rd_left(r) > 0) {
        if (!next_block(r, &b))
            return false;
        if (b.option == OPT_CONTROL && b.suboption == SUB_CTL_RESPONSE) {
            /* option, suboption answered, BlockError */
            if (b.len < 3)
                return false;
            if (b.data[2] != 0 && *block_error == 0)
                *block_error = b.data[2];
            /* What a Set answer settles, named like the request's blocks. */
            uint8_t o = b.data[0], so = b.data[1];
            if (o == OPT_CONTROL && (so == SUB_CTL_START || so == SUB_CTL_STOP))
                continue;
            otw_tb_sep(obj, "+");
            if (o == OPT_CONTROL && so == SUB_CTL_SIGNAL)
                otw_tb_str(obj, "signal");
            else if (o == OPT_CONTROL && so == SUB_CTL_FACTORY_RESET)
                otw_tb_str(obj, "factory-reset");
            else if (o == OPT_CONTROL && so == SUB_CTL_RESET_TO_FACTORY)
                otw_tb_str(obj, "reset-to-factory");
            else
                otw_tb_str(obj, option_name(o, so));
            continue;
        }
        if (b.len < 2)
            return false; /* BlockInfo */
        const uint8_t *v = b.data + 2;
        size_t n = b.len - 2u;
        if (b.option == OPT_IP && (b.suboption == SUB_IP_PARAM || b.suboption == SUB_IP_SUITE)) {
            if (n < 12)
                return false;
            otw_tb_sep(&d, "; ");
            otw_tb_str(&d, "ip ");
            otw_tb_ipv4(&d, v);
            otw_tb_str(&d, " mask ");
            otw_tb_ipv4(&d, v + 4);
            otw_tb_str(&d, " gw ");
            otw_tb_ipv4(&d, v + 8);
            otw_tb_sep(obj, "+");
            otw_tb_str(obj, "ip");
            *has_id = true;
        } else if (b.option == OPT_DEVICE) {
            switch (b.suboption) {
            case SUB_DEV_TYPE:
                otw_copy_wire_string(id->product, sizeof(id->product), v, n);
                *has_id = true;
                break;
            case SUB_DEV_NAME:
                otw_copy_wire_string(id->name, sizeof(id->name), v, n);
                otw_tb_sep(obj, "+");
                otw_tb_str(obj, "name");
                *has_id = true;
                break;
            case SUB_DEV_ID: {
                if (n < 4)
                    return false;
                uint16_t vendor = (uint16_t)(v[0] << 8 | v[1]);
                uint16_t device = (uint16_t)(v[2] << 8 | v[3]);
                id->has_vendor_id = true;
                id->vendor_id = vendor;
                const char *vn =
                    otw_vendor_lookup(otw_profinet_vendors, otw_profinet_vendors_len, vendor);
                if (vn)
                    otw_copy_wire_string(id->vendor, sizeof(id->vendor), (const uint8_t *)vn,
                                         strlen(vn));
                otw_tb pc = otw_tb_init(id->product_code, sizeof(id->product_code));
                otw_tb_hex16(&pc, device);
                *has_id = true;
                break;
            }
            case SUB_DEV_ROLE: {
                if (n < 1)
                    return false;
                const char *rn = role_name(v[0]);
                if (rn)
                    otw_copy_wire_string(id->device_type, sizeof(id->device_type),
                                         (const uint8_t *)rn, strlen(rn));
                id->role_hint = role_hint(v[0]);
                *has_id = true;
                break;
            }
            case SUB_DEV_ALIAS:
                otw_tb_sep(&d, "; ");
                otw_tb_str(&d, "alias ");
                otw_tb_wire(&d, v, n);
                *has_id = true;
                break;
            case SUB_DEV_INSTANCE:
                if (n < 2)
                    return false;
                otw_tb_sep(&d, "; ");
                otw_tb_str(&d, "instance ");
                otw_tb_u32(&d, v[0]);
                otw_tb_str(&d, ".");
                otw_tb_u32(&d, v[1]);
                *has_id = true;
                break;
            case SUB_DEV_OEM_ID:
                if (n < 4)
                    return false;
                otw_tb_sep(&d, "; ");
                otw_tb_str(&d, "oem vendor ");
                otw_tb_hex16(&d, (uint16_t)(v[0] << 8 | v[1]));
                otw_tb_str(&d, " device ");
                otw_tb_hex16(&d, (uint16_t)(v[2] << 8 | v[3]));
                *has_id = true;
                break;
            default:
                break; /* device options, gateway, RSI: not identity */
            }
        }
    }
    otw_copy_wire_string(id->detail, sizeof(id->detail), (const uint8_t *)detail, d.n);
    return true;
}

/* Set request blocks (BlockQualifier first). Returns the op class. */
static bool set_blocks(otw_reader *r, otw_tb *obj, otw_op_class *cls)
{
    bool config = false, control = false, signal = false;
    dcp_block b;

    while (rd_left(r) > 0) {
        if (!next_block(r, &b) || b.len < 2)
            return false; /* BlockQualifier */
        const uint8_t *v = b.data + 2;
        size_t n = b.len - 2u;
        if (b.option == OPT_IP && (b.suboption == SUB_IP_PARAM || b.suboption == SUB_IP_SUITE)) {
            if (n < 12)
                return false;
            otw_tb_sep(obj, "+");
            otw_tb_str(obj, "ip=");
            otw_tb_ipv4(obj, v);
            config = true;
        } else if (b.option == OPT_DEVICE && b.suboption == SUB_DEV_NAME) {
            otw_tb_sep(obj, "+");
            otw_tb_str(obj, "name=");
            otw_tb_wire(obj, v, n);
            config = true;
        } else if (b.option == OPT_DHCP) {
            otw_tb_sep(obj, "+");
            otw_tb_str(obj, "dhcp");
            config = true;
        } else if (b.option == OPT_INITIATIVE) {
            otw_tb_sep(obj, "+");
            otw_tb_str(obj, "device-initiative");
            config = true;
        } else if (b.option == OPT_CONTROL) {
            switch (b.suboption) {
            case SUB_CTL_START:
            case SUB_CTL_STOP:
                break; /* transaction brackets */
            case SUB_CTL_SIGNAL:
                otw_tb_sep(obj, "+");
                otw_tb_str(obj, "signal");
                signal = true;
                break;
            case SUB_CTL_FACTORY_RESET:
                otw_tb_sep(obj, "+");
                otw_tb_str(obj, "factory-reset");
                control = true;
                break;
            case SUB_CTL_RESET_TO_FACTORY:
                otw_tb_sep(obj, "+");
                otw_tb_str(obj, "reset-to-factory");
                control = true;
                break;
            default:
                otw_tb_sep(obj, "+");
                otw_tb_str(obj, "control");
                break;
            }
        } else {
            otw_tb_sep(obj, "+");
            otw_tb_str(obj, "option-");
            otw_tb_u32(obj, b.option);
            otw_tb_str(obj, ".");
            otw_tb_u32(obj, b.suboption);
        }
    }
    *cls = control  ? OTW_CLASS_CONTROL
           : config ? OTW_CLASS_CONFIGURATION
           : signal ? OTW_CLASS_DIAGNOSTIC
                    : OTW_CLASS_OTHER;
    return true;
}

/* Identify request filters (no BlockInfo): "all", "name=..", ... */
static bool identify_filters(otw_reader *r, otw_tb *obj)
{
    dcp_block b;
    while (rd_left(r) > 0) {
        if (!next_block(r, &b))
            return false;
        otw_tb_sep(obj, "+");
        otw_tb_str(obj, option_name(b.option, b.suboption));
        if (b.option == OPT_DEVICE &&
            (b.suboption == SUB_DEV_NAME || b.suboption == SUB_DEV_ALIAS ||
             b.suboption == SUB_DEV_TYPE)) {
            otw_tb_str(obj, "=");
            otw_tb_wire(obj, b.data, b.len);
        }
    }
    return true;
}

/* Get request: option/suboption pairs, no length. */
static bool get_options(otw_reader *r, otw_tb *obj)
{
    if (rd_left(r) % 2 != 0)
        return false;
    while (rd_left(r) > 0) {
        uint8_t o = rd_u8(r);
        uint8_t s = rd_u8(r);
        otw_tb_sep(obj, "+");
        otw_tb_str(obj, option_name(o, s));
    }
    return true;
}

static otw_op_class service_class(uint8_t service)
{
    switch (service) {
    case PNDCP_SVC_GET:
        return OTW_CLASS_READ;
    case PNDCP_SVC_SET:
        return OTW_CLASS_CONFIGURATION;
    case PNDCP_SVC_IDENTIFY:
        return OTW_CLASS_DIAGNOSTIC; /* discovery */
    case PNDCP_SVC_HELLO:
        return OTW_CLASS_IDENTITY;
    default:
        return OTW_CLASS_OTHER;
    }
}

static void anomaly(const otw_sink *sink)
{
    if (sink && sink->anomaly)
        sink->anomaly(sink->ctx, "pndcp_malformed");
}

otw_parse_status pndcp_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                             uint64_t ts_us, const otw_sink *sink)
{
    (void)session;
    if (!pdu || len < 2)
        return OTW_PARSE_NOT_MINE;
    otw_reader r = rd_init(pdu, len);
    uint16_t frame_id = rd_be16(&r);
    if (frame_id < PNDCP_FRAME_HELLO || frame_id > PNDCP_FRAME_IDENT_RSP)
        return OTW_PARSE_NOT_MINE; /* RT cyclic data, alarms, PTCP: not DCP */

    uint8_t service = rd_u8(&r);
    uint8_t type = rd_u8(&r);
    uint32_t xid = rd_be32(&r);
    (void)rd_be16(&r); /* ResponseDelay (Identify request) or reserved */
    uint16_t dlen = rd_be16(&r);
    if (r.truncated) {
        anomaly(sink);
        return OTW_PARSE_MALFORMED;
    }
    /* Ethernet pads short frames: the data length, not the frame, bounds the blocks. */
    otw_reader data = rd_sub(&r, dlen);
    bool response = (type & TYPE_RESPONSE) != 0;
    bool ok = !data.truncated;
    /* Each FrameID carries its services (Identify request/response, Hello, Get/Set). */
    switch (frame_id) {
    case PNDCP_FRAME_IDENT_REQ:
        ok = ok && service == PNDCP_SVC_IDENTIFY && !response;
        break;
    case PNDCP_FRAME_IDENT_RSP:
        ok = ok && service == PNDCP_SVC_IDENTIFY && response;
        break;
    case PNDCP_FRAME_HELLO:
        ok = ok && service == PNDCP_SVC_HELLO && !response;
        break;
    default:
        ok = ok && (service == PNDCP_SVC_GET || service == PNDCP_SVC_SET);
        break;
    }

    if (!ok) {
        anomaly(sink); /* not a DCP message as the FrameID announces it */
        return OTW_PARSE_MALFORMED;
    }

    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_PNDCP;
    op.ts_us = ts_us;
    op.transaction = xid;
    op.function = service;
    op.function_name = pndcp_service_name(service);
    op.op_class = service_class(service);
    op.request_seen = !response;
    op.response_ts_us = response ? ts_us : 0;
    otw_tb obj = otw_tb_init(op.object, sizeof(op.object));

    otw_identity id;
    memset(&id, 0, sizeof(id));
    id.protocol = OTW_PROTO_PNDCP;
    id.about = dir;
    bool has_id = false;
    uint8_t block_error = 0;

    if (response && (type & TYPE_NOT_SUPPORTED)) {
        op.outcome = OTW_OUTCOME_EXCEPTION;
        op.exception_code = type;
    } else if (response || service == PNDCP_SVC_HELLO) {
        ok = answer_blocks(&data, &id, &has_id, &block_error, &obj);
        /* The Set request is the change (alerted once, from the station that
         * made it); its answer only carries the outcome. */
        if (service == PNDCP_SVC_SET)
            op.op_class = OTW_CLASS_OTHER;
        if (block_error) {
            op.outcome = OTW_OUTCOME_EXCEPTION;
            op.exception_code = block_error;
        }
    } else if (service == PNDCP_SVC_SET) {
        ok = set_blocks(&data, &obj, &op.op_class);
    } else if (service == PNDCP_SVC_GET) {
        ok = get_options(&data, &obj);
    } else {
        ok = identify_filters(&data, &obj);
    }
    if (!ok) {
        op.outcome = response ? OTW_OUTCOME_ERROR : OTW_OUTCOME_OK;
        op.exception_code = 0;
        op.object[0] = '\0';
        has_id = false;
    }
    if (sink && sink->op)
        sink->op(sink->ctx, &op);
    if (!ok) {
        anomaly(sink);
        return OTW_PARSE_MALFORMED;
    }
    if (has_id && sink && sink->identity) {
        id.source = service == PNDCP_SVC_HELLO ? "profinet_dcp hello"
                    : service == PNDCP_SVC_GET ? "profinet_dcp get"
                                               : "profinet_dcp identify";
        sink->identity(sink->ctx, &id);
    }
    return OTW_PARSE_OK;
}

const otw_dissector pndcp_dissector = {
    .proto = OTW_PROTO_PNDCP,
    .name = "profinet_dcp",
    .tcp_ports = {0},
    .udp_ports = {0},
    .ethertypes = {PNDCP_ETHERTYPE},
    .industrial = true,
    .session_size = 0,
    .session_init = NULL,
    .frame_len = NULL,
    .parse = pndcp_parse,
    .expire = NULL,
};
