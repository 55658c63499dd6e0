/* enip.c - EtherNet/IP encapsulation + CIP explicit messaging dissector.
 *
 * Specs: The CIP Networks Library (ODVA) Volume 2, chapter 2: 24-byte
 * encapsulation header (command, length, session handle, status, sender
 * context, options; little-endian), the commands, the Common Packet Format
 * (CPF) and the List Identity reply (CIP Identity item 0x0C). Volume 1:
 * message router request/reply (2-4), common services (appendix A),
 * Multiple Service Packet, Connection Manager (3-5: Unconnected
 * Send 0x52, Forward Open 0x54, Large Forward Open 0x5B, Forward Close
 * 0x4E), Identity object (5A-2), File object (5A-42), EPATH (appendix C).
 * Logix tag services: Rockwell 1756-PM020. PCCC commands: Rockwell
 * 1770-6.5.16 (DF1 Protocol and Command Set).
 *
 * Matching: a reply answers the pending request of the same command and
 * session handle with the same sender context (SendRRData, List*,
 * RegisterSession) or, for connected messages (SendUnitData), the same CIP
 * sequence count (the connection ids differ by direction, the sequence
 * count is echoed). A request reusing a pending key gives up the older one
 * (NO_RESPONSE), as a full table gives up the oldest (n_pending_evicted).
 *
 * Classification (op_class), and why:
 * - read: Get_Attributes_All/List/Single, Get_Member, Find_Next_Object,
 *   Read Tag (0x4C) / Read Tag Fragmented (0x52) / Get Instance Attribute
 *   List (0x55) on a symbolic path or the Symbol object (0x6B).
 * - identity: Get_Attributes_All on the Identity object (class 0x01) and
 *   ListIdentity: that is how tools identify a device.
 * - write: Set_Attributes_All/List/Single, Set/Insert/Remove_Member, Write
 *   Tag (0x4D), Write Tag Fragmented (0x53), Read Modify Write Tag (0x4E)
 *   on tags.
 * - configuration: the same Set services on the objects that configure the
 *   device or its network interface rather than the process (Identity,
 *   TCP/IP Interface 0xF5, Ethernet Link 0xF6, Port 0xF4, QoS 0x48, DLR
 *   0x47, Time Sync 0x43, Connection Configuration 0xF3); Apply_Attributes,
 *   Save, Restore; Create/Delete on public objects.
 * - control: Reset (0x05: on Identity it restarts the device), Start (0x06)
 *   and Stop (0x07) on any object: Logix controllers go to run/program mode
 *   with Start/Stop on their controller object 0x8E (iti_cip_start_plc,
 *   iti_cip_stop_plc; openics_EIP-* stop with 0x07 on 0x8E, reset 0x72 with
 *   0x05, start again with 0x06); PCCC change mode (0F 80, 0F 3A).
 * - program_download: Create/Delete on vendor-specific objects (class
 *   0x64-0xC7, 0x300-0x4FF): a Logix project download creates its programs,
 *   routines and tags this way (openics_EIP-SoftwareDownload: Create on
 *   0x68/0x69/0x6D/0x70/0x72/0xAC between Stop and Start); service 0x50 on
 *   the Logix object 0x6A, which in that capture carries routine and
 *   project content (rung comments, XML) to the controller; File object
 *   0x37 Initiate Download / Initiate Partial Write / Download Transfer /
 *   Clear File; PCCC download all/completed (0F 50, 0F 52).
 * - program_upload: File object Initiate Upload / Initiate Partial Read /
 *   Upload Transfer, except for the EDS and icon file instances (0xC8,
 *   0xC9), which any configuration tool reads (read); PCCC upload (0F 53,
 *   0F 55).
 * - diagnostic: ListServices, ListInterfaces, Connection Manager
 *   Get_Connection_Data / Search_Connection_Data / Get_Connection_Owner,
 *   PCCC diagnostic commands (06 xx).
 * - firmware: none; no firmware transfer in the corpus to recognise.
 * - other: RegisterSession, Forward Open/Close, NOP, object-specific
 *   services whose meaning depends on a vendor's undocumented object
 *   (e.g. 0x4B/0x4C on Logix 0x8E), Execute PCCC with other commands.
 */
#include "enip.h"

#include "pending.h"
#include "reader.h"
#include "textbuf.h"
#include "tok.h"

#include <string.h>

_Static_assert(sizeof(enip_session) <= OTW_SESSION_MAX_BYTES,
               "enip_session must fit a dissector session slot");
_Static_assert(ENIP_MAX_SLOTS <= 255 && ENIP_NAME_ARENA <= 65535, "slot fields are narrow");

extern const otw_vendor_name otw_enip_vendors[];
extern const size_t otw_enip_vendors_len;

/* Slot flags. */
#define SF_CLASS 0x01
#define SF_INST 0x02
#define SF_ATTR 0x04
#define SF_SYMBOL 0x08
#define SF_UNIT 0x10
#define SF_ADDR 0x20 /* instance = element index, attribute = element count */

/* How a pending PDU's reply is laid out. */
#define WRAP_ENCAP 0x01 /* encapsulation command, no CIP */
#define WRAP_UCS 0x02   /* Unconnected Send around the request(s) */
#define WRAP_MSP 0x04   /* Multiple Service Packet: one reply per slot */
#define WRAP_SEQ 0x08   /* key is the CIP sequence count (SendUnitData) */

#define CLS_UNKNOWN 0xFFFF
#define CLS_IDENTITY 0x01
#define CLS_MSG_ROUTER 0x02
#define CLS_CONN_MGR 0x06
#define CLS_FILE 0x37
#define CLS_PCCC 0x67
#define CLS_SYMBOL 0x6B

#define SC_GET_ALL 0x01
#define SC_MSP 0x0A
#define SC_UCS 0x52
#define SC_REPLY 0x80

#define CIP_GS_PARTIAL 0x06 /* "partial transfer": more data follows */

/* CPF item types (Vol 2, 2-6). */
#define CPF_NULL 0x0000
#define CPF_LIST_IDENTITY 0x000C
#define CPF_CONNECTED_ADDR 0x00A1
#define CPF_CONNECTED_DATA 0x00B1
#define CPF_UNCONNECTED_DATA 0x00B2
#define CPF_SEQUENCED_ADDR 0x8002

#define MAX_DEPTH 2 /* Unconnected Send nesting we unwrap */
#define MAX_CPF_ITEMS 8

/* ------------------------------------------------------------- names */

static const otw_tok enip_device_types[] = {
    {0x00, "Generic Device"},
    {0x02, "AC Drive"},
    {0x03, "Motor Overload"},
    {0x04, "Limit Switch"},
    {0x05, "Inductive Proximity Switch"},
    {0x06, "Photoelectric Sensor"},
    {0x07, "General Purpose Discrete I/O"},
    {0x09, "Resolver"},
    {0x0C, "Communications Adapter"},
    {0x0E, "Programmable Logic Controller"},
    {0x10, "Position Controller"},
    {0x13, "DC Drive"},
    {0x15, "Contactor"},
    {0x16, "Motor Starter"},
    {0x17, "Soft Start"},
    {0x18, "Human-Machine Interface"},
    {0x1A, "Mass Flow Controller"},
    {0x1B, "Pneumatic Valve"},
    {0x1C, "Vacuum Pressure Gauge"},
    {0x22, "Encoder"},
    {0x23, "Safety Discrete I/O Device"},
    {0x25, "CIP Motion Drive"},
    {0x2B, "Generic Device (keyable)"},
    {0x2C, "Managed Ethernet Switch"},
};

const char *enip_device_type_name(uint16_t t)
{
    return OTW_TOK_NAME(enip_device_types, t, NULL);
}

static otw_role_hint device_role(uint16_t t)
{
    switch (t) {
    case 0x02: /* drives, I/O, adapters, controllers: the control layer */
    case 0x07:
    case 0x0C:
    case 0x0E:
    case 0x10:
    case 0x13:
    case 0x23:
    case 0x25:
        return OTW_HINT_CONTROLLER;
    case 0x18:
        return OTW_HINT_HMI;
    case 0x2C:
        return OTW_HINT_NETWORK;
    default:
        return OTW_HINT_NONE;
    }
}

static bool vendor_class(uint16_t cls)
{
    return (cls >= 0x64 && cls <= 0xC7) || (cls >= 0x300 && cls <= 0x4FF);
}

/* Where the Logix data access services (Read/Write Tag 0x4C/0x4D, Read
 * Modify Write 0x4E, fragmented 0x52/0x53, 0x55) apply: symbolic paths, the
 * Symbol object, and vendor objects addressed by instance (Logix data
 * tables such as class 0x72, polled with 0x4C in ndpi_ethernetIP and the
 * openics captures; their replies carry the data). */
static bool tag_target(uint16_t cls, bool symbolic)
{
    return symbolic || cls == CLS_SYMBOL || (cls != CLS_UNKNOWN && vendor_class(cls));
}

/* CIP common services (Vol. 1 Appendix A), meaning the same for every class. */
static const otw_tok cip_common_services[] = {
    {0x01, "Get_Attributes_All"},
    {0x02, "Set_Attributes_All"},
    {0x03, "Get_Attribute_List"},
    {0x04, "Set_Attribute_List"},
    {0x05, "Reset"},
    {0x06, "Start"},
    {0x07, "Stop"},
    {0x08, "Create"},
    {0x09, "Delete"},
    {0x0A, "Multiple_Service_Packet"},
    {0x0D, "Apply_Attributes"},
    {0x0E, "Get_Attribute_Single"},
    {0x10, "Set_Attribute_Single"},
    {0x11, "Find_Next_Object_Instance"},
    {0x15, "Restore"},
    {0x16, "Save"},
    {0x17, "No_Operation"},
    {0x18, "Get_Member"},
    {0x19, "Set_Member"},
    {0x1A, "Insert_Member"},
    {0x1B, "Remove_Member"},
    {0x1C, "GroupSync"},
};

/* Object-specific services of the Connection Manager (class 0x06). */
/* clang-format off */
static const otw_tok cip_connection_manager_services[] = {
    {0x4E, "Forward_Close"},
    {0x52, "Unconnected_Send"},
    {0x54, "Forward_Open"},
    {0x56, "Get_Connection_Data"},
    {0x57, "Search_Connection_Data"},
    {0x5A, "Get_Connection_Owner"},
    {0x5B, "Large_Forward_Open"},
};
/* clang-format on */

/* Object-specific services of the File object (class 0x37). */
static const otw_tok cip_file_services[] = {
    {0x4B, "Initiate_Upload"},
    {0x4C, "Initiate_Download"},
    {0x4D, "Initiate_Partial_Read"},
    {0x4E, "Initiate_Partial_Write"},
    {0x4F, "Upload_Transfer"},
    {0x50, "Download_Transfer"},
    {0x51, "Clear_File"},
};

/* Logix tag services, on the Symbol class or a symbolic path. */
static const otw_tok cip_tag_services[] = {
    {0x4C, "Read Tag"},
    {0x4D, "Write Tag"},
    {0x4E, "Read Modify Write Tag"},
    {0x52, "Read Tag Fragmented"},
    {0x53, "Write Tag Fragmented"},
    {0x55, "Get Instance Attribute List"},
};

const char *enip_service_name(uint8_t sc, uint16_t cls, bool symbolic)
{
    sc &= 0x7F;
    const char *name = OTW_TOK_NAME(cip_common_services, sc, NULL);
    if (!name && cls == CLS_CONN_MGR)
        name = OTW_TOK_NAME(cip_connection_manager_services, sc, NULL);
    else if (!name && cls == CLS_FILE)
        name = OTW_TOK_NAME(cip_file_services, sc, NULL);
    else if (!name && cls == CLS_PCCC && sc == 0x4B)
        name = "Execute_PCCC";
    else if (!name && tag_target(cls, symbolic))
        name = OTW_TOK_NAME(cip_tag_services, sc, NULL);
    if (name)
        return name;
    return sc >= 0x4B && sc <= 0x63 ? "Object Specific Service" : "Unknown";
}

static const char *encap_name(uint16_t cmd)
{
    switch (cmd) {
    case ENIP_CMD_NOP:
        return "NOP";
    case ENIP_CMD_LIST_SERVICES:
        return "ListServices";
    case ENIP_CMD_LIST_IDENTITY:
        return "ListIdentity";
    case ENIP_CMD_LIST_INTERFACES:
        return "ListInterfaces";
    case ENIP_CMD_REGISTER_SESSION:
        return "RegisterSession";
    case ENIP_CMD_UNREGISTER_SESSION:
        return "UnRegisterSession";
    case ENIP_CMD_SEND_RR_DATA:
        return "SendRRData";
    case ENIP_CMD_SEND_UNIT_DATA:
        return "SendUnitData";
    case ENIP_CMD_INDICATE_STATUS:
        return "IndicateStatus";
    case ENIP_CMD_CANCEL:
        return "Cancel";
    default:
        return NULL;
    }
}

static otw_op_class encap_class(uint16_t cmd)
{
    switch (cmd) {
    case ENIP_CMD_LIST_IDENTITY:
        return OTW_CLASS_IDENTITY;
    case ENIP_CMD_LIST_SERVICES:
    case ENIP_CMD_LIST_INTERFACES:
        return OTW_CLASS_DIAGNOSTIC;
    default:
        return OTW_CLASS_OTHER;
    }
}

/* --------------------------------------------------------- classification */

static bool config_object(uint16_t cls)
{
    switch (cls) {
    case CLS_IDENTITY:
    case 0x43: /* Time Sync */
    case 0x47: /* Device Level Ring */
    case 0x48: /* QoS */
    case 0xF3: /* Connection Configuration */
    case 0xF4: /* Port */
    case 0xF5: /* TCP/IP Interface */
    case 0xF6: /* Ethernet Link */
        return true;
    default:
        return false;
    }
}

/* Execute PCCC (0x4B on class 0x67): request data = requestor id (length
 * byte counting itself, vendor, serial, ...), then CMD, STS, TNS, [FNC]. */
static otw_op_class pccc_class(const uint8_t *d, size_t n)
{
    if (n < 1 || d[0] < 7 || (size_t)d[0] + 4 > n)
        return OTW_CLASS_OTHER;
    size_t at = d[0];
    uint8_t cmd = d[at];
    uint8_t fnc = at + 4 < n ? d[at + 4] : 0;
    switch (cmd) {
    case 0x01: /* unprotected read */
        return OTW_CLASS_READ;
    case 0x02: /* protected bit write */
    case 0x04: /* protected write */
    case 0x05: /* unprotected bit write */
    case 0x08: /* unprotected write */
        return OTW_CLASS_WRITE;
    case 0x06: /* diagnostic commands */
        return OTW_CLASS_DIAGNOSTIC;
    case 0x0F:
        switch (fnc) {
        case 0x3A: /* set CPU mode */
        case 0x80: /* change mode */
            return OTW_CLASS_CONTROL;
        case 0x50: /* download all request */
        case 0x52: /* download completed */
            return OTW_CLASS_PROGRAM_DOWNLOAD;
        case 0x53: /* upload all request */
        case 0x55: /* upload completed */
            return OTW_CLASS_PROGRAM_UPLOAD;
        case 0x68: /* typed read */
        case 0xA1: /* protected typed logical read, 2 address fields */
        case 0xA2: /* ... 3 address fields */
            return OTW_CLASS_READ;
        case 0x26: /* read-modify-write */
        case 0x67: /* typed write */
        case 0xA9: /* protected typed logical write, 2 address fields */
        case 0xAA: /* ... 3 address fields */
        case 0xAB: /* ... with mask */
            return OTW_CLASS_WRITE;
        default:
            return OTW_CLASS_OTHER;
        }
    default:
        return OTW_CLASS_OTHER;
    }
}

static otw_op_class classify(uint8_t sc, uint16_t cls, bool symbolic, uint32_t instance,
                             bool has_inst, const uint8_t *data, size_t dlen)
{
    switch (sc) {
    case 0x01:
        return cls == CLS_IDENTITY ? OTW_CLASS_IDENTITY : OTW_CLASS_READ;
    case 0x03:
    case 0x0E:
    case 0x11:
    case 0x18:
        return OTW_CLASS_READ;
    case 0x02:
    case 0x04:
    case 0x10:
    case 0x19:
    case 0x1A:
    case 0x1B:
        return config_object(cls) ? OTW_CLASS_CONFIGURATION : OTW_CLASS_WRITE;
    case 0x05:
    case 0x06:
    case 0x07:
        return OTW_CLASS_CONTROL;
    case 0x08:
    case 0x09:
        return vendor_class(cls) ? OTW_CLASS_PROGRAM_DOWNLOAD : OTW_CLASS_CONFIGURATION;
    case 0x0D:
    case 0x15:
    case 0x16:
        return OTW_CLASS_CONFIGURATION;
    default:
        break;
    }
    if (cls == CLS_CONN_MGR) {
        switch (sc) {
        case 0x56:
        case 0x57:
        case 0x5A:
            return OTW_CLASS_DIAGNOSTIC;
        default:
            return OTW_CLASS_OTHER; /* Forward Open/Close: connection setup */
        }
    }
    if (cls == CLS_FILE) {
        bool eds = has_inst && (instance == 0xC8 || instance == 0xC9);
        switch (sc) {
        case 0x4B:
        case 0x4D:
        case 0x4F:
            return eds ? OTW_CLASS_READ : OTW_CLASS_PROGRAM_UPLOAD;
        case 0x4C:
        case 0x4E:
        case 0x50:
        case 0x51:
            return OTW_CLASS_PROGRAM_DOWNLOAD;
        default:
            return OTW_CLASS_OTHER;
        }
    }
    if (cls == CLS_PCCC && sc == 0x4B)
        return pccc_class(data, dlen);
    if (cls == 0x6A && sc == 0x50)
        return OTW_CLASS_PROGRAM_DOWNLOAD; /* Logix routine content, see above */
    if (tag_target(cls, symbolic)) {
        switch (sc) {
        case 0x4C:
        case 0x52:
        case 0x55:
            return OTW_CLASS_READ;
        case 0x4D:
        case 0x4E:
        case 0x53:
            return OTW_CLASS_WRITE;
        default:
            return OTW_CLASS_OTHER;
        }
    }
    return OTW_CLASS_OTHER;
}

/* ---------------------------------------------------------------- EPATH */

typedef struct epath {
    uint8_t flags; /* SF_CLASS, SF_INST, SF_ATTR, SF_SYMBOL, SF_UNIT */
    uint8_t link;  /* first port segment's 1-byte link address */
    uint16_t cls;
    uint16_t attribute;
    bool has_member;
    uint32_t instance;
    uint32_t member; /* first element index after a symbol */
    size_t name_len;
    char name[ENIP_NAME_MAX + 1];
} epath;

static void name_append(epath *ep, const char *s, size_t n)
{
    for (size_t i = 0; i < n && ep->name_len < ENIP_NAME_MAX; i++)
        ep->name[ep->name_len++] = s[i];
    ep->name[ep->name_len] = '\0';
}

static void name_append_dec(epath *ep, uint32_t v)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < sizeof(tmp));
    while (n > 0)
        name_append(ep, &tmp[--n], 1);
}

/* A symbol from the wire: printable ASCII kept, the rest replaced. */
static void name_append_wire(epath *ep, const uint8_t *p, size_t n)
{
    char tmp[ENIP_NAME_MAX + 1];
    if (n > ENIP_NAME_MAX)
        n = ENIP_NAME_MAX;
    otw_copy_wire_string(tmp, sizeof(tmp), p, n);
    if (ep->name_len > 0)
        name_append(ep, ".", 1);
    name_append(ep, tmp, strlen(tmp));
}

/* Padded EPATH (Vol 1, C-1): logical, port, symbolic, data and network
 * segments. Returns false on a reserved or truncated segment. */
static bool parse_epath(const uint8_t *p, size_t n, epath *ep)
{
    otw_reader r = rd_init(p, n);
    memset(ep, 0, sizeof(*ep));
    while (rd_left(&r) > 0 && !r.truncated) {
        uint8_t seg = rd_u8(&r);
        switch (seg >> 5) {
        case 0: { /* port segment */
            bool ext_link = (seg & 0x10) != 0;
            size_t used = 1;
            size_t link_len = 1;
            if (ext_link) {
                link_len = rd_u8(&r);
                used++;
            }
            if ((seg & 0x0F) == 0x0F) {
                (void)rd_le16(&r); /* extended port id */
                used += 2;
            }
            const uint8_t *link = rd_bytes(&r, link_len);
            used += link_len;
            if (link == NULL)
                return false;
            if (used % 2)
                rd_skip(&r, 1);
            if (!(ep->flags & SF_UNIT) && link_len == 1) {
                ep->flags |= SF_UNIT;
                ep->link = link[0];
            }
            break;
        }
        case 1: { /* logical segment */
            uint8_t type = (seg >> 2) & 7;
            uint8_t fmt = seg & 3;
            uint32_t v;
            if (type == 5) { /* special: electronic key */
                uint8_t key_fmt = rd_u8(&r);
                if (fmt != 0 || key_fmt != 4)
                    return false;
                rd_skip(&r, 8);
                break;
            }
            if (fmt == 0) {
                v = rd_u8(&r);
            } else if (fmt == 1) {
                rd_skip(&r, 1);
                v = rd_le16(&r);
            } else if (fmt == 2) {
                rd_skip(&r, 1);
                v = rd_le32(&r);
            } else {
                return false;
            }
            if (type == 0) {
                /* A nested path (Logix: program, then routine) addresses
                 * its last object: a class starts a new object. */
                ep->flags = (uint8_t)((ep->flags | SF_CLASS) & ~(SF_INST | SF_ATTR));
                ep->cls = (uint16_t)(v > 0xFFFE ? 0xFFFE : v);
                ep->instance = 0;
                ep->attribute = 0;
            } else if (type == 1 && !(ep->flags & SF_INST)) {
                ep->flags |= SF_INST;
                ep->instance = v;
            } else if (type == 4 && !(ep->flags & SF_ATTR)) {
                ep->flags |= SF_ATTR;
                ep->attribute = (uint16_t)(v > 0xFFFF ? 0xFFFF : v);
            } else if (type == 2 && (ep->flags & SF_SYMBOL)) {
                if (!ep->has_member) {
                    ep->has_member = true;
                    ep->member = v;
                }
                name_append(ep, "[", 1);
                name_append_dec(ep, v);
                name_append(ep, "]", 1);
            }
            break;
        }
        case 2: /* network segment */
            if (seg & 0x10)
                rd_skip(&r, 2u * rd_u8(&r));
            else
                rd_skip(&r, 1);
            break;
        case 3: { /* symbolic segment */
            size_t len = seg & 0x1F;
            if (len == 0)
                return false; /* extended string formats: not used by tools */
            const uint8_t *sym = rd_bytes(&r, len);
            if (sym == NULL)
                return false;
            if ((1 + len) % 2)
                rd_skip(&r, 1);
            name_append_wire(ep, sym, len);
            ep->flags |= SF_SYMBOL;
            break;
        }
        case 4:                /* data segment */
            if (seg == 0x91) { /* ANSI extended symbol */
                size_t len = rd_u8(&r);
                const uint8_t *sym = rd_bytes(&r, len);
                if (sym == NULL)
                    return false;
                if (len % 2)
                    rd_skip(&r, 1);
                name_append_wire(ep, sym, len);
                ep->flags |= SF_SYMBOL;
            } else if (seg == 0x80) { /* simple data */
                rd_skip(&r, 2u * rd_u8(&r));
            } else {
                return false;
            }
            break;
        default:
            return false;
        }
    }
    return !r.truncated;
}

/* --------------------------------------------------------- object text */

static uint32_t slot_instance(const enip_slot *sl)
{
    return (uint32_t)sl->instance_lo | ((uint32_t)sl->instance_hi << 16);
}

/* "class 0x01 instance 1 attribute 7", the tag name, or "". */
static void object_text(char *dst, size_t cap, const enip_slot *sl, const char *name)
{
    otw_tb b = otw_tb_init(dst, cap);
    if (sl->name_len > 0) {
        size_t n = sl->name_len < cap - 1 ? sl->name_len : cap - 1;
        memcpy(dst, name, n);
        dst[n] = '\0';
        return;
    }
    if (!(sl->flags & SF_CLASS))
        return;
    otw_tb_str(&b, "class 0x");
    otw_tb_num(&b, sl->cls, true, 2);
    if ((sl->flags & SF_INST) && !(sl->flags & SF_ADDR)) {
        otw_tb_str(&b, " instance ");
        otw_tb_u32(&b, slot_instance(sl));
    }
    if ((sl->flags & SF_ATTR) && !(sl->flags & SF_ADDR)) {
        otw_tb_str(&b, " attribute ");
        otw_tb_u32(&b, sl->attribute);
    }
}

/* ------------------------------------------------------------- emission */

/* What an op needs besides its slot. */
typedef struct op_ctx {
    uint64_t ts, rts;
    uint32_t transaction;
    uint8_t unit;
    bool seen;
} op_ctx;

static void emit_slot(const otw_sink *sink, const enip_slot *sl, const char *name, const op_ctx *c,
                      otw_outcome oc, uint16_t exc)
{
    if (sink == NULL || sink->op == NULL)
        return;
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_ENIP;
    op.ts_us = c->ts;
    op.response_ts_us = c->rts;
    op.has_unit = (sl->flags & SF_UNIT) != 0;
    op.unit = op.has_unit ? c->unit : 0;
    object_text(op.object, sizeof(op.object), sl, name);
    op.transaction = c->transaction;
    op.function = sl->service;
    op.function_name = enip_service_name(
        sl->service, (sl->flags & SF_CLASS) ? sl->cls : CLS_UNKNOWN, (sl->flags & SF_SYMBOL) != 0);
    op.op_class = (otw_op_class)sl->op_class;
    if (sl->flags & SF_ADDR) {
        op.has_address = true;
        op.address_start = slot_instance(sl);
        op.address_count = sl->attribute;
    }
    op.outcome = oc;
    op.exception_code = oc == OTW_OUTCOME_EXCEPTION ? exc : 0;
    op.request_seen = c->seen;
    sink->op(sink->ctx, &op);
}

static void emit_encap(const otw_sink *sink, uint16_t cmd, uint64_t ts, uint64_t rts,
                       uint32_t transaction, bool seen, otw_outcome oc, uint16_t exc)
{
    if (sink == NULL || sink->op == NULL)
        return;
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_ENIP;
    op.ts_us = ts;
    op.response_ts_us = rts;
    op.transaction = transaction;
    op.function = (uint16_t)(ENIP_FUNC_ENCAP | cmd);
    op.function_name = encap_name(cmd) ? encap_name(cmd) : "Unknown";
    op.op_class = encap_class(cmd);
    op.outcome = oc;
    op.exception_code = oc == OTW_OUTCOME_EXCEPTION ? exc : 0;
    op.request_seen = seen;
    sink->op(sink->ctx, &op);
}

static void malformed(enip_session *s, const otw_sink *sink)
{
    s->n_malformed++;
    if (sink != NULL && sink->anomaly != NULL)
        sink->anomaly(sink->ctx, "enip_malformed");
}

/* ------------------------------------------------------- pending table */

/* Where slot k's tag name starts: after the names of the slots before it. */
static uint32_t name_offset(const enip_session *s, uint32_t k)
{
    uint32_t off = 0;
    for (uint32_t i = 0; i < k && i < s->n_slots; i++)
        off += s->slots[i].name_len;
    return off;
}

static const char *slot_name(const enip_session *s, uint32_t k)
{
    uint32_t off = name_offset(s, k);
    if (k >= s->n_slots || s->slots[k].name_len == 0 || off + s->slots[k].name_len > s->names_used)
        return "";
    return s->names + off;
}

static op_ctx pending_ctx(const enip_pending *p, uint64_t rts)
{
    op_ctx c = {p->ts_us, rts, (uint32_t)p->key, p->unit, true};
    return c;
}

/* Emits every op of pending p with outcome oc (no reply details). */
static void emit_pending_all(const enip_session *s, const enip_pending *p, const otw_sink *sink,
                             uint64_t rts, otw_outcome oc, uint16_t exc)
{
    op_ctx c = pending_ctx(p, rts);
    if (p->wrap & WRAP_ENCAP) {
        emit_encap(sink, p->command, p->ts_us, rts, (uint32_t)p->key, true, oc, exc);
        return;
    }
    for (uint32_t k = p->first_slot; k < (uint32_t)p->first_slot + p->n_slots && k < s->n_slots;
         k++)
        emit_slot(sink, &s->slots[k], slot_name(s, k), &c, oc, exc);
}

/* Removes pending i with its slots and names; later entries move down. */
static void remove_pending(enip_session *s, uint32_t i)
{
    const enip_pending *p = &s->pending[i];
    uint32_t first = p->first_slot < s->n_slots ? p->first_slot : s->n_slots;
    uint32_t n = p->n_slots;
    if (first + n > s->n_slots)
        n = s->n_slots - first;
    uint32_t name_lo = name_offset(s, first);
    uint32_t name_hi = name_offset(s, first + n);
    if (name_hi > s->names_used)
        name_hi = s->names_used;
    if (name_lo > name_hi)
        name_lo = name_hi;
    memmove(s->names + name_lo, s->names + name_hi, s->names_used - name_hi);
    s->names_used -= name_hi - name_lo;
    memmove(&s->slots[first], &s->slots[first + n], (s->n_slots - first - n) * sizeof(s->slots[0]));
    s->n_slots -= n;
    memmove(&s->pending[i], &s->pending[i + 1], (s->n_pending - i - 1) * sizeof(s->pending[0]));
    s->n_pending--;
    for (uint32_t k = i; k < s->n_pending; k++)
        if (s->pending[k].first_slot >= first + n)
            s->pending[k].first_slot = (uint8_t)(s->pending[k].first_slot - n);
}

/* Gives up the oldest pending PDU, unless it is the one being built. */
static bool evict_oldest(enip_session *s, const otw_sink *sink)
{
    if (s->n_pending < 2)
        return false;
    emit_pending_all(s, &s->pending[0], sink, 0, OTW_OUTCOME_NO_RESPONSE, 0);
    remove_pending(s, 0);
    s->n_pending_evicted++;
    return true;
}

static int find_pending(const enip_session *s, uint16_t cmd, uint32_t session, uint64_t key,
                        bool seq)
{
    for (uint32_t i = 0; i < s->n_pending; i++) {
        const enip_pending *p = &s->pending[i];
        /* RegisterSession's reply carries the handle its request did not
         * have: encapsulation commands pair by sender context alone. */
        if (p->command == cmd && p->key == key && ((p->wrap & WRAP_SEQ) != 0) == seq &&
            (p->session == session || (p->wrap & WRAP_ENCAP)))
            return (int)i;
    }
    return -1;
}

/* ----------------------------------------------------------- requests */

/* A request being turned into slots of the last pending entry. */
typedef struct builder {
    enip_session *s;
    const otw_sink *sink;
    uint64_t ts_us;
    uint32_t transaction;
    bool bad; /* some part did not parse */
} builder;

static void add_slot(builder *b, uint8_t sc, const epath *ep, bool path_ok, bool has_unit,
                     uint8_t unit, const uint8_t *data, size_t dlen)
{
    enip_session *s = b->s;
    enip_slot sl;
    uint32_t instance = 0;
    memset(&sl, 0, sizeof(sl));
    sl.service = sc;
    if (path_ok) {
        sl.flags = ep->flags & (SF_CLASS | SF_INST | SF_ATTR | SF_SYMBOL);
        sl.cls = ep->cls;
        instance = ep->instance;
        sl.attribute = ep->attribute;
    }
    if (has_unit)
        sl.flags |= SF_UNIT;
    bool symbolic = (sl.flags & SF_SYMBOL) != 0;
    uint16_t cls = (sl.flags & SF_CLASS) ? sl.cls : CLS_UNKNOWN;
    sl.op_class =
        (uint8_t)classify(sc, cls, symbolic, instance, (sl.flags & SF_INST) != 0, data, dlen);
    /* Tags: element index and element count as the address range. */
    if ((symbolic || cls == CLS_SYMBOL) &&
        (sc == 0x4C || sc == 0x4D || sc == 0x4E || sc == 0x52 || sc == 0x53)) {
        otw_reader r = rd_init(data, dlen);
        uint16_t count = 1;
        if (sc == 0x4C || sc == 0x52) {
            count = rd_le16(&r);
        } else if (sc == 0x4D || sc == 0x53) {
            (void)rd_le16(&r); /* data type */
            count = rd_le16(&r);
        }
        if (!r.truncated) {
            sl.flags |= SF_ADDR;
            instance = path_ok && ep->has_member ? ep->member : 0;
            sl.attribute = count;
        }
    }
    sl.instance_lo = (uint16_t)instance;
    sl.instance_hi = (uint16_t)(instance >> 16);

    /* Room: older PDUs are given up first; a name that does not fit is
     * not kept (the op then shows no object). */
    while (s->n_slots >= ENIP_MAX_SLOTS && evict_oldest(s, b->sink))
        ;
    enip_pending *me = &s->pending[s->n_pending - 1];
    size_t nlen = symbolic ? ep->name_len : 0;
    if (has_unit)
        me->unit = unit;
    if (s->n_slots >= ENIP_MAX_SLOTS || me->n_slots == 255) {
        s->n_overflow++;
        sl.name_len = (uint8_t)nlen;
        op_ctx c = {b->ts_us, 0, b->transaction, unit, true};
        emit_slot(b->sink, &sl, symbolic ? ep->name : "", &c, OTW_OUTCOME_NO_RESPONSE, 0);
        return;
    }
    if (nlen > 0 && s->names_used + nlen <= ENIP_NAME_ARENA) {
        memcpy(s->names + s->names_used, ep->name, nlen);
        sl.name_len = (uint8_t)nlen;
        s->names_used += (uint32_t)nlen;
    } else if (nlen > 0) {
        s->n_overflow++;
    }
    if (me->n_slots == 0)
        me->first_slot = (uint8_t)s->n_slots;
    s->slots[s->n_slots++] = sl;
    me->n_slots++;
}

static void cip_request(builder *b, const uint8_t *msg, size_t len, int depth, bool in_msp,
                        bool has_unit, uint8_t unit);

/* Unconnected Send data (Vol 1, 3-5.5.2): priority/tick, timeout ticks,
 * embedded request size + request (+ pad), route path size, reserved,
 * route path. The route's first port segment names the backplane slot. */
static bool unconnected_send(builder *b, const uint8_t *data, size_t dlen, int depth, bool in_msp)
{
    otw_reader r = rd_init(data, dlen);
    rd_skip(&r, 2);
    uint16_t size = rd_le16(&r);
    const uint8_t *msg = rd_bytes(&r, size);
    if (size % 2)
        rd_skip(&r, 1);
    uint8_t route_words = rd_u8(&r);
    rd_skip(&r, 1);
    const uint8_t *route = rd_bytes(&r, 2u * route_words);
    epath rp;
    if (msg == NULL || route == NULL || r.truncated || !parse_epath(route, 2u * route_words, &rp))
        return false;
    if (!in_msp)
        b->s->pending[b->s->n_pending - 1].wrap |= WRAP_UCS;
    cip_request(b, msg, size, depth + 1, in_msp, (rp.flags & SF_UNIT) != 0, rp.link);
    return true;
}

/* Multiple Service Packet data (Vol 1, A-4.10): count, offsets from the
 * start of the count field, the requests. */
static bool multiple_service(builder *b, const uint8_t *data, size_t dlen, int depth, bool has_unit,
                             uint8_t unit)
{
    otw_reader r = rd_init(data, dlen);
    uint16_t n = rd_le16(&r);
    if (r.truncated || n == 0 || 2u + 2u * n > dlen)
        return false;
    b->s->pending[b->s->n_pending - 1].wrap |= WRAP_MSP;
    bool ok = true;
    for (uint16_t i = 0; i < n; i++) {
        otw_reader o = rd_init(data + 2 + 2u * i, 4);
        uint16_t start = rd_le16(&o);
        uint16_t end = i + 1 < n ? rd_le16(&o) : (uint16_t)(dlen > 0xFFFF ? 0xFFFF : dlen);
        if (start < 2u + 2u * n || start >= end || end > dlen) {
            /* Unreadable entry: still one request, nothing known about it. */
            add_slot(b, 0, NULL, false, has_unit, unit, NULL, 0);
            ok = false;
            continue;
        }
        cip_request(b, data + start, (size_t)(end - start), depth, true, has_unit, unit);
    }
    return ok;
}

/* One message router request (Vol 1, 2-4.1): service, path size in
 * words, path, data. Wrappers are unwrapped, anything else is a slot. */
static void cip_request(builder *b, const uint8_t *msg, size_t len, int depth, bool in_msp,
                        bool has_unit, uint8_t unit)
{
    otw_reader r = rd_init(msg, len);
    uint8_t sc = rd_u8(&r);
    uint8_t words = rd_u8(&r);
    const uint8_t *path = rd_bytes(&r, 2u * words);
    epath ep;
    bool path_ok = path != NULL && parse_epath(path, 2u * words, &ep);
    const uint8_t *data = path_ok ? msg + r.off : NULL;
    size_t dlen = path_ok ? rd_left(&r) : 0;

    if (r.truncated || (sc & SC_REPLY)) {
        b->bad = true;
        add_slot(b, sc & 0x7F, NULL, false, has_unit, unit, NULL, 0);
        return;
    }
    if (!path_ok)
        b->bad = true;
    if (path_ok && sc == SC_UCS && (ep.flags & SF_CLASS) && ep.cls == CLS_CONN_MGR &&
        depth < MAX_DEPTH) {
        if (!unconnected_send(b, data, dlen, depth, in_msp)) {
            b->bad = true;
            add_slot(b, sc, &ep, true, has_unit, unit, data, dlen);
        }
        return;
    }
    if (path_ok && sc == SC_MSP && !in_msp) {
        if (!multiple_service(b, data, dlen, depth, has_unit, unit))
            b->bad = true;
        return;
    }
    add_slot(b, sc, &ep, path_ok, has_unit, unit, data, dlen);
}

/* Makes room for and appends a pending entry. */
static enip_pending *new_pending(enip_session *s, uint16_t cmd, uint32_t session, uint64_t key,
                                 uint8_t wrap, uint64_t ts_us, const otw_sink *sink)
{
    int dup = find_pending(s, cmd, session, key, (wrap & WRAP_SEQ) != 0);
    if (dup >= 0) {
        enip_pending old = s->pending[dup];
        emit_pending_all(s, &old, sink, 0, OTW_OUTCOME_NO_RESPONSE, 0);
        remove_pending(s, (uint32_t)dup);
    }
    if (s->n_pending >= ENIP_MAX_PENDING) {
        enip_pending old = s->pending[0];
        emit_pending_all(s, &old, sink, 0, OTW_OUTCOME_NO_RESPONSE, 0);
        remove_pending(s, 0);
        s->n_pending_evicted++;
    }
    enip_pending *p = &s->pending[s->n_pending++];
    memset(p, 0, sizeof(*p));
    p->ts_us = ts_us;
    p->key = key;
    p->session = session;
    p->command = cmd;
    p->wrap = wrap;
    p->first_slot = (uint8_t)s->n_slots;
    return p;
}

/* ----------------------------------------------------------------- CPF */

typedef struct cpf {
    bool has_conn_addr;
    uint32_t conn_id;
    const uint8_t *data; /* first data item */
    size_t data_len;
    uint16_t data_type;
} cpf;

/* Items after the item count; exactly the reader's bytes. */
static bool parse_cpf(otw_reader *r, cpf *c)
{
    memset(c, 0, sizeof(*c));
    uint16_t count = rd_le16(r);
    if (r->truncated || count > MAX_CPF_ITEMS)
        return false;
    for (uint16_t i = 0; i < count; i++) {
        uint16_t type = rd_le16(r);
        uint16_t len = rd_le16(r);
        const uint8_t *p = rd_bytes(r, len);
        if (p == NULL)
            return false;
        if (type == CPF_CONNECTED_ADDR && len == 4) {
            c->has_conn_addr = true;
            c->conn_id = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                         ((uint32_t)p[3] << 24);
        } else if ((type == CPF_CONNECTED_DATA || type == CPF_UNCONNECTED_DATA) &&
                   c->data == NULL) {
            c->data = p;
            c->data_len = len;
            c->data_type = type;
        }
    }
    return rd_left(r) == 0;
}

/* A UDP 2222 datagram: item count then items filling it exactly. */
static bool is_io_datagram(const uint8_t *p, size_t len)
{
    otw_reader r = rd_init(p, len);
    uint16_t count = rd_le16(&r);
    if (r.truncated || count == 0 || count > MAX_CPF_ITEMS)
        return false;
    for (uint16_t i = 0; i < count; i++) {
        uint16_t type = rd_le16(&r);
        uint16_t ilen = rd_le16(&r);
        rd_skip(&r, ilen);
        if (r.truncated)
            return false;
        if (i == 0 && type != CPF_NULL && type != CPF_CONNECTED_ADDR && type != CPF_SEQUENCED_ADDR)
            return false;
    }
    return rd_left(&r) == 0;
}

/* ------------------------------------------------------------- identity */

/* Identity object instance attributes 1-7 (Vol 1, 5A-2.2), the layout of
 * both Get_Attributes_All and the List Identity item after its socket
 * address. */
static bool parse_identity(otw_reader *r, otw_identity *id, const char *source)
{
    uint16_t vendor = rd_le16(r);
    uint16_t type = rd_le16(r);
    uint16_t product = rd_le16(r);
    uint8_t major = rd_u8(r);
    uint8_t minor = rd_u8(r);
    (void)rd_le16(r); /* status */
    uint32_t serial = rd_le32(r);
    uint8_t nlen = rd_u8(r);
    const uint8_t *name = rd_bytes(r, nlen);
    if (r->truncated || name == NULL)
        return false;

    id->protocol = OTW_PROTO_ENIP;
    id->source = source;
    id->has_vendor_id = true;
    id->vendor_id = vendor;
    const char *vn = otw_vendor_lookup(otw_enip_vendors, otw_enip_vendors_len, vendor);
    otw_tb b;
    if (vn != NULL) {
        b = otw_tb_init(id->vendor, sizeof(id->vendor));
        otw_tb_str(&b, vn);
    }
    const char *tn = enip_device_type_name(type);
    b = otw_tb_init(id->device_type, sizeof(id->device_type));
    if (tn != NULL) {
        otw_tb_str(&b, tn);
    } else {
        otw_tb_str(&b, "CIP device type 0x");
        otw_tb_num(&b, type, true, 2);
    }
    id->role_hint = device_role(type);
    b = otw_tb_init(id->product_code, sizeof(id->product_code));
    otw_tb_u32(&b, product);
    b = otw_tb_init(id->revision, sizeof(id->revision));
    otw_tb_u32(&b, major);
    otw_tb_str(&b, ".");
    otw_tb_u32(&b, minor);
    b = otw_tb_init(id->serial, sizeof(id->serial));
    otw_tb_str(&b, "0x");
    otw_tb_num(&b, serial, true, 8);
    otw_copy_wire_string(id->product, sizeof(id->product), name, nlen);
    otw_copy_wire_string(id->model, sizeof(id->model), name, nlen);
    return true;
}

static void emit_identity(const otw_sink *sink, const otw_identity *id)
{
    if (sink != NULL && sink->identity != NULL)
        sink->identity(sink->ctx, id);
}

/* List Identity reply (Vol 2, 2-4.2.3): CPF with CIP Identity items:
 * encapsulation version, socket address (big-endian sin_family, sin_port,
 * sin_addr, 8 zero bytes), identity attributes, state. */
static bool list_identity_reply(otw_reader *r, otw_dir dir, const otw_sink *sink)
{
    uint16_t count = rd_le16(r);
    if (r->truncated || count > MAX_CPF_ITEMS)
        return false;
    for (uint16_t i = 0; i < count; i++) {
        uint16_t type = rd_le16(r);
        uint16_t len = rd_le16(r);
        otw_reader it = rd_sub(r, len);
        if (r->truncated)
            return false;
        if (type != CPF_LIST_IDENTITY)
            continue;
        otw_identity id;
        memset(&id, 0, sizeof(id));
        (void)rd_le16(&it); /* encapsulation protocol version */
        (void)rd_be16(&it); /* sin_family */
        (void)rd_be16(&it); /* sin_port */
        const uint8_t *addr = rd_bytes(&it, 4);
        rd_skip(&it, 8);
        if (addr == NULL || !parse_identity(&it, &id, "enip list identity"))
            return false;
        (void)rd_u8(&it); /* state */
        if (it.truncated)
            return false;
        id.about = dir;
        /* The device's own address, when it states one. */
        if (addr[0] | addr[1] | addr[2] | addr[3]) {
            id.has_ip = true;
            id.ip[10] = 0xFF;
            id.ip[11] = 0xFF;
            memcpy(id.ip + 12, addr, 4);
        }
        emit_identity(sink, &id);
    }
    return rd_left(r) == 0;
}

/* ------------------------------------------------------------- replies */

typedef struct cip_reply {
    uint8_t service; /* with the reply bit */
    uint8_t status;  /* general status */
    const uint8_t *data;
    size_t data_len;
} cip_reply;

/* Message router reply (Vol 1, 2-4.2): service, reserved, general status,
 * additional status size in words, additional status, data. */
static bool parse_reply(const uint8_t *p, size_t n, cip_reply *rep)
{
    otw_reader r = rd_init(p, n);
    rep->service = rd_u8(&r);
    rd_skip(&r, 1);
    rep->status = rd_u8(&r);
    uint8_t words = rd_u8(&r);
    rd_skip(&r, 2u * words);
    if (r.truncated || !(rep->service & SC_REPLY))
        return false;
    rep->data = p + r.off;
    rep->data_len = rd_left(&r);
    return true;
}

static otw_outcome reply_outcome(const cip_reply *rep, uint8_t req_service)
{
    if (rep->status == 0)
        return OTW_OUTCOME_OK;
    /* Fragmented reads and attribute lists say "partial transfer" while more
     * data follows: that is a successful reply. */
    if (rep->status == CIP_GS_PARTIAL && (req_service == 0x52 || req_service == 0x55))
        return OTW_OUTCOME_OK;
    return OTW_OUTCOME_EXCEPTION;
}

/* The reply to slot k of pending p: outcome, and the identity it may carry. */
static bool answer_slot(const enip_session *s, uint32_t k, const enip_pending *p,
                        const cip_reply *rep, bool rep_ok, uint64_t ts_us, otw_dir dir,
                        const otw_sink *sink)
{
    const enip_slot *sl = &s->slots[k];
    bool ok = rep_ok && (rep->service & 0x7F) == sl->service;
    otw_outcome oc = ok ? reply_outcome(rep, sl->service) : OTW_OUTCOME_ERROR;
    op_ctx c = pending_ctx(p, ts_us);
    emit_slot(sink, sl, slot_name(s, k), &c, oc, ok ? rep->status : 0);
    if (ok && oc == OTW_OUTCOME_OK && sl->service == SC_GET_ALL && (sl->flags & SF_CLASS) &&
        sl->cls == CLS_IDENTITY) {
        otw_identity id;
        memset(&id, 0, sizeof(id));
        otw_reader r = rd_init(rep->data, rep->data_len);
        if (parse_identity(&r, &id, "enip identity object")) {
            id.about = dir;
            emit_identity(sink, &id);
        }
    }
    return ok;
}

/* An op from a reply whose request was not captured. */
static void emit_unmatched(const otw_sink *sink, const cip_reply *rep, bool rep_ok, const op_ctx *c)
{
    enip_slot sl;
    memset(&sl, 0, sizeof(sl));
    sl.op_class = OTW_CLASS_OTHER;
    if (rep_ok) {
        sl.service = rep->service & 0x7F;
        sl.op_class = (uint8_t)classify(sl.service, CLS_UNKNOWN, false, 0, false, NULL, 0);
    }
    emit_slot(sink, &sl, "", c, rep_ok ? reply_outcome(rep, sl.service) : OTW_OUTCOME_ERROR,
              rep_ok ? rep->status : 0);
}

/* A reply nobody asked for (request not captured): ops from what it says,
 * one per embedded reply of a Multiple Service Packet. */
static bool unmatched_reply(enip_session *s, const uint8_t *msg, size_t len, uint64_t key,
                            uint64_t ts_us, const otw_sink *sink)
{
    cip_reply rep;
    op_ctx c = {ts_us, ts_us, (uint32_t)key, 0, false};
    s->n_unmatched_responses++;
    if (!parse_reply(msg, len, &rep))
        return false;
    uint16_t n = 0;
    if ((rep.service & 0x7F) == SC_MSP && rep.data_len >= 2) {
        n = (uint16_t)(rep.data[0] | (rep.data[1] << 8));
        if (2u + 2u * n > rep.data_len)
            return false;
    }
    if (n == 0) {
        emit_unmatched(sink, &rep, true, &c);
        return true;
    }
    bool ok = true;
    for (uint16_t i = 0; i < n; i++) {
        otw_reader o = rd_init(rep.data + 2 + 2u * i, 4);
        uint16_t start = rd_le16(&o);
        uint16_t end =
            i + 1 < n ? rd_le16(&o) : (uint16_t)(rep.data_len > 0xFFFF ? 0xFFFF : rep.data_len);
        cip_reply sub;
        memset(&sub, 0, sizeof(sub));
        bool sub_ok = start >= 2u + 2u * n && start < end && end <= rep.data_len &&
                      parse_reply(rep.data + start, (size_t)(end - start), &sub);
        emit_unmatched(sink, &sub, sub_ok, &c);
        if (!sub_ok)
            ok = false;
    }
    return ok;
}

/* The reply to pending p (still in the table). */
static bool matched_reply(const enip_session *s, const enip_pending *p, const uint8_t *msg,
                          size_t len, uint64_t ts_us, otw_dir dir, const otw_sink *sink)
{
    cip_reply rep;
    memset(&rep, 0, sizeof(rep));
    bool rep_ok = msg != NULL && parse_reply(msg, len, &rep);
    uint32_t first = p->first_slot;
    uint32_t n = p->n_slots;
    if (first + n > s->n_slots)
        n = first < s->n_slots ? s->n_slots - first : 0;
    if (n == 0)
        return rep_ok;

    /* The Unconnected Send itself failed (routing, timeout): one reply
     * 0xD2 for everything it carried. */
    if (rep_ok && (p->wrap & WRAP_UCS) && rep.service == (SC_UCS | SC_REPLY) &&
        s->slots[first].service != SC_UCS) {
        otw_outcome oc = rep.status ? OTW_OUTCOME_EXCEPTION : OTW_OUTCOME_ERROR;
        emit_pending_all(s, p, sink, ts_us, oc, rep.status);
        return rep.status != 0;
    }
    if (!(p->wrap & WRAP_MSP))
        return answer_slot(s, first, p, &rep, rep_ok, ts_us, dir, sink);

    /* Multiple Service Packet: one embedded reply per request, in order. */
    if (!rep_ok || (rep.service & 0x7F) != SC_MSP) {
        emit_pending_all(s, p, sink, ts_us, OTW_OUTCOME_ERROR, 0);
        return false;
    }
    otw_reader r = rd_init(rep.data, rep.data_len);
    uint16_t count = rd_le16(&r);
    if (r.truncated || 2u + 2u * count > rep.data_len) {
        /* Rejected as a whole (e.g. 0x08 service not supported). */
        bool whole = rep.status != 0 && rep.data_len == 0;
        emit_pending_all(s, p, sink, ts_us, whole ? OTW_OUTCOME_EXCEPTION : OTW_OUTCOME_ERROR,
                         rep.status);
        return whole;
    }
    bool ok = count == n;
    for (uint32_t k = 0; k < n; k++) {
        cip_reply sub;
        bool sub_ok = false;
        memset(&sub, 0, sizeof(sub));
        if (k < count) {
            otw_reader o = rd_init(rep.data + 2 + 2u * k, 4);
            uint16_t start = rd_le16(&o);
            uint16_t end = k + 1u < count
                               ? rd_le16(&o)
                               : (uint16_t)(rep.data_len > 0xFFFF ? 0xFFFF : rep.data_len);
            sub_ok = start >= 2u + 2u * count && start < end && end <= rep.data_len &&
                     parse_reply(rep.data + start, (size_t)(end - start), &sub);
        }
        if (!answer_slot(s, first + k, p, &sub, sub_ok, ts_us, dir, sink))
            ok = false;
    }
    return ok;
}

/* --------------------------------------------------------------- parse */

static bool known_command(uint16_t cmd)
{
    return encap_name(cmd) != NULL;
}

void enip_session_init(void *session)
{
    if (session != NULL)
        memset(session, 0, sizeof(enip_session));
}

long enip_frame_len(const uint8_t *buf, size_t len)
{
    if (buf == NULL || len < 2)
        return OTW_FRAME_NEED_MORE;
    otw_reader r = rd_init(buf, len);
    uint16_t cmd = rd_le16(&r);
    if (!known_command(cmd))
        return OTW_FRAME_NOT_MINE;
    if (len < ENIP_HDR_LEN)
        return OTW_FRAME_NEED_MORE;
    uint16_t length = rd_le16(&r);
    return (long)ENIP_HDR_LEN + length;
}

static otw_parse_status handle_request(enip_session *s, uint16_t cmd, uint32_t session,
                                       uint64_t context, otw_reader *body, uint64_t ts_us,
                                       const otw_sink *sink)
{
    s->n_requests++;
    switch (cmd) {
    case ENIP_CMD_NOP:
    case ENIP_CMD_UNREGISTER_SESSION:
    case ENIP_CMD_INDICATE_STATUS:
    case ENIP_CMD_CANCEL:
        return OTW_PARSE_OK; /* no reply expected: not an operation */
    case ENIP_CMD_LIST_IDENTITY:
    case ENIP_CMD_LIST_SERVICES:
    case ENIP_CMD_LIST_INTERFACES:
    case ENIP_CMD_REGISTER_SESSION:
        (void)new_pending(s, cmd, session, context, WRAP_ENCAP, ts_us, sink);
        return OTW_PARSE_OK;
    default:
        break;
    }

    /* SendRRData / SendUnitData: interface handle, timeout, CPF. */
    (void)rd_le32(body);
    (void)rd_le16(body);
    cpf c;
    bool cpf_ok = !body->truncated && parse_cpf(body, &c);
    if (!cpf_ok || c.data == NULL) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    const uint8_t *msg = c.data;
    size_t mlen = c.data_len;
    uint64_t key = context;
    uint8_t wrap = 0;
    if (cmd == ENIP_CMD_SEND_UNIT_DATA) {
        /* Connected data item: sequence count, then the CIP message. */
        if (c.data_type != CPF_CONNECTED_DATA || mlen < 2) {
            malformed(s, sink);
            return OTW_PARSE_MALFORMED;
        }
        key = (uint64_t)msg[0] | ((uint64_t)msg[1] << 8);
        msg += 2;
        mlen -= 2;
        wrap = WRAP_SEQ;
    }
    (void)new_pending(s, cmd, session, key, wrap, ts_us, sink);
    builder b = {s, sink, ts_us, (uint32_t)key, false};
    cip_request(&b, msg, mlen, 0, false, false, 0);
    /* A request that yielded nothing (empty MSP) is not worth a slot. */
    if (s->n_pending > 0 && s->pending[s->n_pending - 1].n_slots == 0)
        remove_pending(s, s->n_pending - 1);
    if (b.bad) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    return OTW_PARSE_OK;
}

static otw_parse_status handle_response(enip_session *s, uint16_t cmd, uint32_t session,
                                        uint32_t status, uint64_t context, otw_reader *body,
                                        uint64_t ts_us, otw_dir dir, const otw_sink *sink)
{
    s->n_responses++;
    bool ok = true;
    cpf c;
    memset(&c, 0, sizeof(c));
    uint64_t key = context;
    bool seq = false;
    const uint8_t *msg = NULL;
    size_t mlen = 0;

    switch (cmd) {
    case ENIP_CMD_NOP:
    case ENIP_CMD_UNREGISTER_SESSION:
    case ENIP_CMD_INDICATE_STATUS:
    case ENIP_CMD_CANCEL:
        return OTW_PARSE_OK;
    case ENIP_CMD_SEND_RR_DATA:
    case ENIP_CMD_SEND_UNIT_DATA:
        if (status != 0 && rd_left(body) == 0)
            break; /* error replies may carry no data */
        (void)rd_le32(body);
        (void)rd_le16(body);
        if (body->truncated || !parse_cpf(body, &c) || c.data == NULL) {
            ok = false;
            break;
        }
        msg = c.data;
        mlen = c.data_len;
        if (cmd == ENIP_CMD_SEND_UNIT_DATA) {
            if (c.data_type != CPF_CONNECTED_DATA || mlen < 2) {
                ok = false;
                break;
            }
            key = (uint64_t)msg[0] | ((uint64_t)msg[1] << 8);
            seq = true;
            msg += 2;
            mlen -= 2;
        }
        break;
    default:
        break;
    }
    if (!ok && cmd == ENIP_CMD_SEND_UNIT_DATA) {
        s->n_unmatched_responses++;
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }

    int idx = find_pending(s, cmd, session, key, seq);
    bool encap = cmd != ENIP_CMD_SEND_RR_DATA && cmd != ENIP_CMD_SEND_UNIT_DATA;
    if (encap) {
        if (status == 0 && cmd == ENIP_CMD_LIST_IDENTITY && !list_identity_reply(body, dir, sink))
            ok = false;
        otw_outcome oc = !ok           ? OTW_OUTCOME_ERROR
                         : status != 0 ? OTW_OUTCOME_EXCEPTION
                                       : OTW_OUTCOME_OK;
        uint16_t exc = (uint16_t)(status > 0xFFFF ? 0xFFFF : status);
        if (idx >= 0) {
            enip_pending p = s->pending[idx];
            remove_pending(s, (uint32_t)idx);
            emit_encap(sink, cmd, p.ts_us, ts_us, (uint32_t)key, true, oc, exc);
        } else {
            s->n_unmatched_responses++;
            emit_encap(sink, cmd, ts_us, ts_us, (uint32_t)key, false, oc, exc);
        }
    } else if (idx >= 0) {
        const enip_pending *p = &s->pending[idx];
        if (!ok) {
            emit_pending_all(s, p, sink, ts_us, OTW_OUTCOME_ERROR, 0);
        } else if (status != 0) {
            emit_pending_all(s, p, sink, ts_us, OTW_OUTCOME_EXCEPTION,
                             (uint16_t)(status > 0xFFFF ? 0xFFFF : status));
        } else {
            ok = matched_reply(s, p, msg, mlen, ts_us, dir, sink);
        }
        remove_pending(s, (uint32_t)idx);
    } else if (ok && msg != NULL) {
        ok = unmatched_reply(s, msg, mlen, key, ts_us, sink);
    } else {
        s->n_unmatched_responses++;
    }
    if (!ok) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    return OTW_PARSE_OK;
}

otw_parse_status enip_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink)
{
    enip_session *s = session;
    if (s == NULL || pdu == NULL)
        return OTW_PARSE_NOT_MINE;
    otw_reader r = rd_init(pdu, len);
    uint16_t cmd = rd_le16(&r);
    uint16_t length = rd_le16(&r);
    uint32_t handle = rd_le32(&r);
    uint32_t status = rd_le32(&r);
    const uint8_t *ctx = rd_bytes(&r, 8);
    (void)rd_le32(&r); /* options */
    bool header_ok = !r.truncated && known_command(cmd);

    if (!header_ok || (size_t)ENIP_HDR_LEN + length != len) {
        /* UDP 2222: implicit I/O, a bare CPF. */
        if (is_io_datagram(pdu, len)) {
            s->n_io_datagrams++;
            return OTW_PARSE_OK;
        }
        if (!header_ok)
            return OTW_PARSE_NOT_MINE;
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    uint64_t context = 0;
    for (int i = 7; i >= 0; i--)
        context = (context << 8) | ctx[i];
    otw_reader body = rd_sub(&r, length);
    if (dir == OTW_DIR_TO_SERVER)
        return handle_request(s, cmd, handle, context, &body, ts_us, sink);
    return handle_response(s, cmd, handle, status, context, &body, ts_us, dir, sink);
}

void enip_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    enip_session *s = session;
    if (s == NULL)
        return;
    if (s->n_pending > ENIP_MAX_PENDING || s->n_slots > ENIP_MAX_SLOTS ||
        s->names_used > ENIP_NAME_ARENA) {
        enip_session_init(s); /* never trust a corrupted slot */
        return;
    }
    uint32_t i = 0;
    while (i < s->n_pending) {
        enip_pending p = s->pending[i];
        if (!otw_pending_timed_out(p.ts_us, ts_us, timeout_us)) {
            i++;
            continue;
        }
        emit_pending_all(s, &p, sink, 0, OTW_OUTCOME_NO_RESPONSE, 0);
        remove_pending(s, i);
    }
}

/* Dynamic detection: whole encapsulation messages (CIP Vol. 2 section
 * 2-3) with a known command, a length that agrees with the bytes, zero
 * options and, from the client, zero status. */
static int enip_probe(const uint8_t *buf, size_t len, otw_dir dir, bool opening)
{
    (void)opening;
    size_t off = 0;
    if (buf == NULL || len < ENIP_HDR_LEN)
        return OTW_PROBE_NO;
    while (off < len) {
        long n = enip_frame_len(buf + off, len - off);
        if (n <= 0 || (size_t)n > len - off)
            return OTW_PROBE_NO;
        const uint8_t *h = buf + off;
        bool status_zero = !h[8] && !h[9] && !h[10] && !h[11];
        bool nop = !h[0] && !h[1]; /* NOP: zeros are not a signature */
        if (nop || h[20] || h[21] || h[22] || h[23] || (dir == OTW_DIR_TO_SERVER && !status_zero))
            return OTW_PROBE_NO;
        off += (size_t)n;
    }
    return OTW_PROBE_STRONG;
}

const otw_dissector enip_dissector = {
    .proto = OTW_PROTO_ENIP,
    .industrial = true,
    .name = "enip",
    .tcp_ports = {44818},
    .udp_ports = {44818, 2222},
    .session_size = sizeof(enip_session),
    .session_init = enip_session_init,
    .frame_len = enip_frame_len,
    .parse = enip_parse,
    .expire = enip_expire,
    .probe = enip_probe,
};
