/* modbus.c - Modbus/TCP dissector.
 *
 * Specs: MODBUS Application Protocol Specification V1.1b3 (PDU formats,
 * quantity limits, exception codes, MEI 13/14) and MODBUS Messaging on
 * TCP/IP Implementation Guide V1.0b (MBAP header).
 *
 * One ADU = MBAP (transaction id, protocol id 0, length, unit id) + PDU
 * (function code + data). Requests are kept in the session's pending table
 * until the response with the same transaction id and unit arrives; then one
 * otw_op is emitted. Everything read from the wire goes through reader.h.
 *
 * Choices worth knowing:
 * - 23 Read/Write Multiple Registers is classed "write" and its address range
 *   is the WRITE range: a write is what matters to the process.
 * - 20/21 File Record: address_start/count are the record number and record
 *   length of the FIRST sub-request (file numbers are not addresses).
 * - A malformed request is still tracked (so its exception response pairs
 *   up) but without address: its quantities are not trustworthy.
 * - A valid MBAP whose length disagrees with the ADU size is MALFORMED
 *   (a TCP stream never produces it, a datagram may); an invalid MBAP or
 *   fewer than 7 bytes is NOT_MINE.
 * - A response is checked against its request (byte count for the quantity
 *   read, echoed address/quantity, sub-function, MEI type); a disagreement
 *   gives outcome "error" and MALFORMED.
 * - A request reusing a pending (transaction, unit) gives up the older one
 *   (NO_RESPONSE); a full table gives up the oldest (n_pending_evicted).
 */
#include "modbus.h"

#include "pending.h"
#include "reader.h"
#include "tok.h"

#include <string.h>

_Static_assert(sizeof(mb_session) <= OTW_SESSION_MAX_BYTES,
               "mb_session must fit a dissector session slot");

/* Quantity limits (Application Protocol Specification V1.1b3, section 6). */
#define MB_MAX_READ_BITS 2000  /* 1, 2 */
#define MB_MAX_READ_REGS 125   /* 3, 4, 23 read part */
#define MB_MAX_WRITE_BITS 1968 /* 15 */
#define MB_MAX_WRITE_REGS 123  /* 16 */
#define MB_MAX_RW_WRITE_REGS 121
#define MB_MAX_FIFO 31
#define MB_MAX_RECORD_NO 0x270F
#define MB_FILE_REF_TYPE 6
#define MB_COIL_ON 0xFF00

#define MB_MEI_CANOPEN 13
#define MB_MEI_DEVICE_ID 14

static const otw_tok mb_functions[] = {
    {1, "Read Coils"},
    {2, "Read Discrete Inputs"},
    {3, "Read Holding Registers"},
    {4, "Read Input Registers"},
    {5, "Write Single Coil"},
    {6, "Write Single Register"},
    {7, "Read Exception Status"},
    {8, "Diagnostics"},
    {11, "Get Comm Event Counter"},
    {12, "Get Comm Event Log"},
    {15, "Write Multiple Coils"},
    {16, "Write Multiple Registers"},
    {17, "Report Server ID"},
    {20, "Read File Record"},
    {21, "Write File Record"},
    {22, "Mask Write Register"},
    {23, "Read/Write Multiple Registers"},
    {24, "Read FIFO Queue"},
    {43, "Encapsulated Interface Transport"},
    {90, "UMAS (Schneider)"},
};

const char *mb_function_name(uint8_t function)
{
    return OTW_TOK_NAME(mb_functions, function, "Unknown");
}

const char *mb_exception_name(uint8_t code)
{
    switch (code) {
    case 1:
        return "Illegal Function";
    case 2:
        return "Illegal Data Address";
    case 3:
        return "Illegal Data Value";
    case 4:
        return "Server Device Failure";
    case 5:
        return "Acknowledge";
    case 6:
        return "Server Device Busy";
    case 8:
        return "Memory Parity Error";
    case 10:
        return "Gateway Path Unavailable";
    case 11:
        return "Gateway Target Device Failed To Respond";
    default:
        return "Unknown";
    }
}

/* Schneider UMAS (function 90): the request is 0x5A, a session byte and a
 * UMAS function code. Names and classes from the public research on UMAS
 * (Kaspersky ICS CERT 2022, Liras/Arman "The secrets of Schneider Electric's
 * UMAS protocol"); in UMAS "upload" means towards the PLC. */
static const otw_tok umas_functions[] = {
    {0x01, "UMAS Init Comm"},
    {0x02, "UMAS Read ID"},
    {0x03, "UMAS Read Project Info"},
    {0x04, "UMAS Read PLC Info"},
    {0x06, "UMAS Read Card Info"},
    {0x0A, "UMAS Repeat"},
    {0x10, "UMAS Take PLC Reservation"},
    {0x11, "UMAS Release PLC Reservation"},
    {0x12, "UMAS Keep Alive"},
    {0x20, "UMAS Read Memory Block"},
    {0x22, "UMAS Read Variables"},
    {0x23, "UMAS Write Variables"},
    {0x24, "UMAS Read Coils/Registers"},
    {0x25, "UMAS Write Coils/Registers"},
    {0x30, "UMAS Initialize Upload (to PLC)"},
    {0x31, "UMAS Upload Block (to PLC)"},
    {0x32, "UMAS End Strategy Upload (to PLC)"},
    {0x33, "UMAS Initialize Download (from PLC)"},
    {0x34, "UMAS Download Block (from PLC)"},
    {0x35, "UMAS End Strategy Download (from PLC)"},
    {0x39, "UMAS Read Ethernet Master Data"},
    {0x40, "UMAS Start PLC"},
    {0x41, "UMAS Stop PLC"},
    {0x50, "UMAS Monitor PLC"},
    {0x58, "UMAS Check PLC"},
    {0x70, "UMAS Read IO Object"},
    {0x71, "UMAS Write IO Object"},
    {0x73, "UMAS Get Status Module"},
};

static const char *umas_name(uint8_t code)
{
    return OTW_TOK_NAME(umas_functions, code, "UMAS (Schneider)");
}

static otw_op_class umas_class(uint8_t code)
{
    switch (code) {
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x06:
        return OTW_CLASS_IDENTITY;
    case 0x20:
    case 0x22:
    case 0x24:
    case 0x39:
    case 0x70:
    case 0x73:
        return OTW_CLASS_READ;
    case 0x23:
    case 0x25:
    case 0x71:
        return OTW_CLASS_WRITE;
    case 0x30:
    case 0x31:
    case 0x32:
        return OTW_CLASS_PROGRAM_DOWNLOAD;
    case 0x33:
    case 0x34:
    case 0x35:
        return OTW_CLASS_PROGRAM_UPLOAD;
    case 0x40:
    case 0x41:
        return OTW_CLASS_CONTROL;
    case 0x50:
    case 0x58:
    case 0x12:
        return OTW_CLASS_DIAGNOSTIC;
    default:
        return OTW_CLASS_OTHER;
    }
}

static const char *op_name(uint8_t function, uint8_t mei)
{
    if (function == 90)
        return umas_name(mei);
    if (function == 43 && mei == MB_MEI_DEVICE_ID)
        return "Read Device Identification";
    if (function == 43 && mei == MB_MEI_CANOPEN)
        return "CANopen General Reference";
    return mb_function_name(function);
}

static otw_op_class op_class(uint8_t function, uint8_t mei)
{
    switch (function) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 20:
    case 24:
        return OTW_CLASS_READ;
    case 5:
    case 6:
    case 15:
    case 16:
    case 21:
    case 22:
    case 23: /* writes, then reads: the write is what matters */
        return OTW_CLASS_WRITE;
    case 7:
    case 8:
    case 11:
    case 12:
    case 17:
        return OTW_CLASS_DIAGNOSTIC;
    case 43:
        return mei == MB_MEI_DEVICE_ID ? OTW_CLASS_IDENTITY : OTW_CLASS_OTHER;
    case 90:
        return umas_class(mei);
    default:
        return OTW_CLASS_OTHER; /* user-defined, reserved */
    }
}

/* Diagnostics (8) sub-functions whose data field is exactly one word.
 * 0 (Return Query Data) echoes any data; reserved ones are not checked. */
static bool diag_sub_has_word(uint16_t sub)
{
    return (sub >= 1 && sub <= 4) || (sub >= 10 && sub <= 18) || sub == 20;
}

/* True when the reader consumed exactly its bytes. */
static bool rd_done(const otw_reader *r)
{
    return !r->truncated && rd_left(r) == 0;
}

static void set_range(mb_pending *p, uint32_t start, uint32_t count)
{
    p->has_address = true;
    p->address_start = start;
    p->address_count = count;
}

/* Walks the sub-requests of 20 (read, with_data=false) or 21 (write).
 * Records the first sub-request's record range in p and, for 20, the
 * response data length the request implies. */
static bool file_subrequests(otw_reader *r, bool with_data, mb_pending *p)
{
    uint32_t expect = 0;
    bool first = true;

    while (rd_left(r) > 0) {
        uint8_t ref = rd_u8(r);
        (void)rd_be16(r); /* file number */
        uint16_t record = rd_be16(r);
        uint16_t nregs = rd_be16(r);
        if (with_data)
            rd_skip(r, 2u * nregs);
        if (r->truncated || ref != MB_FILE_REF_TYPE || record > MB_MAX_RECORD_NO)
            return false;
        if (first)
            set_range(p, record, nregs);
        first = false;
        expect += 2u + 2u * nregs; /* length byte + ref type + data */
    }
    if (first)
        return false;
    if (!with_data)
        p->expect_len = (uint16_t)(expect > 0xFFFF ? 0xFFFF : expect);
    return true;
}

/* Request PDU data (after the function code). Fills the address range and
 * what the response must look like. */
static bool parse_request(otw_reader *r, uint8_t fc, mb_pending *p)
{
    uint16_t start, qty, val, bc;

    switch (fc) {
    case 1:
    case 2:
        start = rd_be16(r);
        qty = rd_be16(r);
        if (!rd_done(r) || qty < 1 || qty > MB_MAX_READ_BITS)
            return false;
        set_range(p, start, qty);
        p->expect_len = (uint16_t)((qty + 7u) / 8u);
        return true;
    case 3:
    case 4:
        start = rd_be16(r);
        qty = rd_be16(r);
        if (!rd_done(r) || qty < 1 || qty > MB_MAX_READ_REGS)
            return false;
        set_range(p, start, qty);
        p->expect_len = (uint16_t)(2u * qty);
        return true;
    case 5:
        start = rd_be16(r);
        val = rd_be16(r);
        if (!rd_done(r) || (val != 0 && val != MB_COIL_ON))
            return false;
        set_range(p, start, 1);
        return true;
    case 6:
        start = rd_be16(r);
        (void)rd_be16(r); /* value */
        if (!rd_done(r))
            return false;
        set_range(p, start, 1);
        return true;
    case 7:
    case 11:
    case 12:
    case 17:
        return rd_done(r); /* no data */
    case 8:
        p->sub_function = rd_be16(r);
        if (r->truncated)
            return false;
        return !diag_sub_has_word(p->sub_function) || rd_left(r) == 2;
    case 15:
        start = rd_be16(r);
        qty = rd_be16(r);
        bc = rd_u8(r);
        if (r->truncated || qty < 1 || qty > MB_MAX_WRITE_BITS || bc != (qty + 7u) / 8u ||
            rd_left(r) != bc)
            return false;
        set_range(p, start, qty);
        return true;
    case 16:
        start = rd_be16(r);
        qty = rd_be16(r);
        bc = rd_u8(r);
        if (r->truncated || qty < 1 || qty > MB_MAX_WRITE_REGS || bc != 2u * qty ||
            rd_left(r) != bc)
            return false;
        set_range(p, start, qty);
        return true;
    case 20:
        bc = rd_u8(r);
        if (r->truncated || bc < 7 || bc > 0xF5 || bc % 7 != 0 || rd_left(r) != bc)
            return false;
        return file_subrequests(r, false, p);
    case 21:
        bc = rd_u8(r);
        if (r->truncated || bc < 9 || bc > 0xFB || rd_left(r) != bc)
            return false;
        p->expect_len = (uint16_t)(1u + bc); /* the response is an echo */
        return file_subrequests(r, true, p);
    case 22:
        start = rd_be16(r);
        rd_skip(r, 4); /* AND mask, OR mask */
        if (!rd_done(r))
            return false;
        set_range(p, start, 1);
        return true;
    case 23: {
        (void)rd_be16(r); /* read start */
        uint16_t rqty = rd_be16(r);
        start = rd_be16(r);
        qty = rd_be16(r);
        bc = rd_u8(r);
        if (r->truncated || rqty < 1 || rqty > MB_MAX_READ_REGS || qty < 1 ||
            qty > MB_MAX_RW_WRITE_REGS || bc != 2u * qty || rd_left(r) != bc)
            return false;
        set_range(p, start, qty);
        p->expect_len = (uint16_t)(2u * rqty);
        return true;
    }
    case 24:
        start = rd_be16(r); /* FIFO pointer address */
        if (!rd_done(r))
            return false;
        set_range(p, start, 1);
        return true;
    case 43:
        p->mei_type = rd_u8(r);
        if (r->truncated)
            return false;
        if (p->mei_type == MB_MEI_DEVICE_ID) {
            uint8_t code = rd_u8(r);
            (void)rd_u8(r); /* first object id */
            return rd_done(r) && code >= 1 && code <= 4;
        }
        return true; /* 13 CANopen and reserved MEI types: opaque data */
    case 90:
        /* UMAS: session byte, UMAS function code, data. The code is kept in
         * mei_type (the slot 43 uses for its sub-type). */
        (void)rd_u8(r);
        p->mei_type = rd_u8(r);
        return true;
    default:
        /* 0 and 128..255 are not request function codes; the rest
         * (user-defined, reserved) carry opaque data. */
        return fc != 0 && fc < 0x80;
    }
}

/* Where a Read Device Identification object goes, or NULL (3 VendorUrl,
 * reserved and private objects are not kept). */
static char *id_field(otw_identity *id, uint8_t obj, size_t *size)
{
    switch (obj) {
    case 0: /* VendorName */
        *size = sizeof(id->vendor);
        return id->vendor;
    case 1: /* ProductCode */
        *size = sizeof(id->product_code);
        return id->product_code;
    case 2: /* MajorMinorRevision */
        *size = sizeof(id->revision);
        return id->revision;
    case 4: /* ProductName */
        *size = sizeof(id->product);
        return id->product;
    case 5: /* ModelName */
        *size = sizeof(id->model);
        return id->model;
    case 6: /* UserApplicationName */
        *size = sizeof(id->name);
        return id->name;
    default:
        return NULL;
    }
}

/* Read Device Identification response, after the MEI type. */
static bool parse_device_id(otw_reader *r, otw_identity *id, bool *has_id)
{
    uint8_t code = rd_u8(r);
    uint8_t conformity = rd_u8(r);
    uint8_t more = rd_u8(r);
    (void)rd_u8(r); /* next object id */
    uint8_t nobj = rd_u8(r);
    uint8_t level = conformity & 0x7F;

    /* Conformity 0x01..0x03, with bit 7 set when individual access is
     * supported (0x81..0x83). */
    if (r->truncated || code < 1 || code > 4 || level < 1 || level > 3 ||
        (more != 0x00 && more != 0xFF))
        return false;
    for (unsigned i = 0; i < nobj; i++) {
        uint8_t obj = rd_u8(r);
        uint8_t olen = rd_u8(r);
        const uint8_t *val = rd_bytes(r, olen);
        if (val == NULL || r->truncated)
            return false;
        size_t dstsz = 0;
        char *dst = id_field(id, obj, &dstsz);
        if (dst != NULL) {
            otw_copy_wire_string(dst, dstsz, val, olen);
            *has_id = true;
        }
    }
    return rd_done(r);
}

/* Response PDU data (after the function code). req is the matched request
 * or NULL; *mei receives the MEI type of a 43 response. */
static bool parse_response(otw_reader *r, uint8_t fc, const mb_pending *req, uint8_t *mei,
                           otw_identity *id, bool *has_id)
{
    uint16_t start, qty, val, bc;
    uint16_t expect = req ? req->expect_len : 0;
    bool addr_known = req != NULL && req->has_address;

    switch (fc) {
    case 1:
    case 2:
        bc = rd_u8(r);
        return !r->truncated && bc >= 1 && bc <= (MB_MAX_READ_BITS + 7) / 8 && rd_left(r) == bc &&
               (expect == 0 || bc == expect);
    case 3:
    case 4:
    case 23:
        bc = rd_u8(r);
        return !r->truncated && bc >= 2 && bc <= 2 * MB_MAX_READ_REGS && bc % 2 == 0 &&
               rd_left(r) == bc && (expect == 0 || bc == expect);
    case 5:
    case 6:
        start = rd_be16(r);
        val = rd_be16(r);
        if (!rd_done(r) || (fc == 5 && val != 0 && val != MB_COIL_ON))
            return false;
        return !addr_known || start == req->address_start;
    case 22:
        start = rd_be16(r);
        rd_skip(r, 4);
        return rd_done(r) && (!addr_known || start == req->address_start);
    case 7:
        rd_skip(r, 1); /* output data */
        return rd_done(r);
    case 8: {
        uint16_t sub = rd_be16(r);
        if (r->truncated || (req != NULL && sub != req->sub_function))
            return false;
        return !diag_sub_has_word(sub) || rd_left(r) == 2;
    }
    case 11:
        rd_skip(r, 4); /* status, event count */
        return rd_done(r);
    case 12:
        bc = rd_u8(r); /* status, event count, message count, 0..64 events */
        return !r->truncated && bc >= 6 && bc <= 6 + 64 && rd_left(r) == bc;
    case 15:
    case 16:
        start = rd_be16(r);
        qty = rd_be16(r);
        if (!rd_done(r) || qty < 1 || qty > (fc == 15 ? MB_MAX_WRITE_BITS : MB_MAX_WRITE_REGS))
            return false;
        return !addr_known || (start == req->address_start && qty == req->address_count);
    case 17:
        bc = rd_u8(r); /* server id, run indicator, device specific */
        return !r->truncated && bc >= 1 && rd_left(r) == bc;
    case 20:
        bc = rd_u8(r);
        if (r->truncated || bc < 2 || bc > 0xF5 || rd_left(r) != bc)
            return false;
        while (rd_left(r) > 0) {
            uint8_t flen = rd_u8(r); /* ref type + record data */
            uint8_t ref = rd_u8(r);
            rd_skip(r, flen > 0 ? flen - 1u : 0u);
            if (r->truncated || flen < 1 || (flen - 1u) % 2 != 0 || ref != MB_FILE_REF_TYPE)
                return false;
        }
        return expect == 0 || bc == expect;
    case 21: {
        /* An echo of the request. */
        mb_pending echo = {0};
        size_t pdu_len = rd_left(r);
        if (!parse_request(r, fc, &echo))
            return false;
        return expect == 0 || pdu_len == expect;
    }
    case 24:
        bc = rd_be16(r);
        qty = rd_be16(r); /* FIFO count */
        return !r->truncated && qty <= MB_MAX_FIFO && bc == 2u + 2u * qty && rd_left(r) == 2u * qty;
    case 43:
        *mei = rd_u8(r);
        if (r->truncated || (req != NULL && *mei != req->mei_type))
            return false;
        if (*mei == MB_MEI_DEVICE_ID)
            return parse_device_id(r, id, has_id);
        return true;
    default:
        return true; /* 90 UMAS, user-defined, reserved: opaque */
    }
}

static void emit_op(const otw_sink *sink, const mb_pending *p, bool request_seen,
                    uint64_t response_ts, otw_outcome outcome, uint8_t exception)
{
    if (sink == NULL || sink->op == NULL)
        return;
    otw_op op = {
        .protocol = OTW_PROTO_MODBUS,
        .ts_us = p->ts_us,
        .response_ts_us = response_ts,
        .has_unit = true,
        .unit = p->unit,
        .transaction = p->transaction,
        .function = p->function,
        .function_name = op_name(p->function, p->mei_type),
        .op_class = op_class(p->function, p->mei_type),
        .has_address = p->has_address,
        .address_start = p->address_start,
        .address_count = p->address_count,
        .outcome = outcome,
        .exception_code = exception,
        .request_seen = request_seen,
    };
    sink->op(sink->ctx, &op);
}

static void malformed(mb_session *s, const otw_sink *sink)
{
    s->n_malformed++;
    if (sink != NULL && sink->anomaly != NULL)
        sink->anomaly(sink->ctx, "modbus_malformed");
}

static void unanswered(void *ctx, const void *p, const otw_sink *sink)
{
    (void)ctx;
    emit_op(sink, p, true, 0, OTW_OUTCOME_NO_RESPONSE, 0);
}

static int find_pending(const mb_session *s, uint16_t transaction, uint8_t unit)
{
    for (uint32_t i = 0; i < s->n_pending; i++)
        if (s->pending[i].transaction == transaction && s->pending[i].unit == unit)
            return (int)i;
    return -1;
}

static otw_parse_status handle_request(mb_session *s, otw_reader *r, uint16_t transaction,
                                       uint8_t unit, uint8_t fc, uint64_t ts_us,
                                       const otw_sink *sink)
{
    mb_pending p = {.transaction = transaction, .unit = unit, .function = fc, .ts_us = ts_us};
    bool ok = parse_request(r, fc, &p);

    s->n_requests++;
    if (!ok) {
        p.has_address = false;
        p.address_start = p.address_count = 0;
        p.expect_len = 0;
        malformed(s, sink);
    }
    int dup = find_pending(s, transaction, unit);
    if (OTW_PENDING_PUSH(s->pending, &s->n_pending, dup, &p, unanswered, NULL, sink))
        s->n_pending_evicted++;
    return ok ? OTW_PARSE_OK : OTW_PARSE_MALFORMED;
}

static otw_parse_status handle_response(mb_session *s, otw_reader *r, uint16_t transaction,
                                        uint8_t unit, uint8_t fc, uint64_t ts_us,
                                        const otw_sink *sink)
{
    int idx = find_pending(s, transaction, unit);
    mb_pending op = {
        .transaction = transaction, .unit = unit, .function = fc & 0x7F, .ts_us = ts_us};
    const mb_pending *req = NULL;
    otw_identity id;
    bool has_id = false;
    bool ok;
    uint8_t exception = 0;
    uint8_t mei = 0;

    s->n_responses++;
    if (idx >= 0) {
        op = s->pending[idx];
        req = &op;
    }
    memset(&id, 0, sizeof(id));
    if (fc & 0x80) {
        exception = rd_u8(r);
        /* A server may reject an invalid function 0 request: accept 0x80
         * only as an answer to it. */
        ok = rd_done(r) && (req != NULL ? req->function == (fc & 0x7F) : (fc & 0x7F) != 0);
    } else if (fc == 0 || (req != NULL && req->function != fc)) {
        ok = false;
    } else {
        ok = parse_response(r, fc, req, &mei, &id, &has_id);
        if (req == NULL)
            op.mei_type = mei;
    }

    otw_outcome outcome = !ok           ? OTW_OUTCOME_ERROR
                          : (fc & 0x80) ? OTW_OUTCOME_EXCEPTION
                                        : OTW_OUTCOME_OK;
    if (idx >= 0)
        OTW_PENDING_REMOVE(s->pending, &s->n_pending, (uint32_t)idx);
    else
        s->n_unmatched_responses++;
    emit_op(sink, &op, req != NULL, ts_us, outcome,
            outcome == OTW_OUTCOME_EXCEPTION ? exception : 0);

    if (!ok) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    if (has_id && sink != NULL && sink->identity != NULL) {
        id.protocol = OTW_PROTO_MODBUS;
        id.about = OTW_DIR_TO_CLIENT; /* the server's identity */
        id.source = "modbus 43/14";
        /* A device that answers Read Device Identification is a controller,
         * drive or I/O station: the roles the inventory calls controller. */
        id.role_hint = OTW_HINT_CONTROLLER;
        sink->identity(sink->ctx, &id);
    }
    return OTW_PARSE_OK;
}

void mb_session_init(void *session)
{
    if (session != NULL)
        memset(session, 0, sizeof(mb_session));
}

long mb_frame_len(const uint8_t *buf, size_t len)
{
    if (buf == NULL || len < MB_MBAP_LEN)
        return OTW_FRAME_NEED_MORE;
    otw_reader r = rd_init(buf, len);
    (void)rd_be16(&r); /* transaction id */
    uint16_t proto = rd_be16(&r);
    uint16_t length = rd_be16(&r); /* unit id + PDU */
    if (proto != 0 || length < 2 || length > 254)
        return OTW_FRAME_NOT_MINE;
    return (long)(MB_MBAP_LEN - 1) + length;
}

otw_parse_status mb_parse_adu(void *session, otw_dir dir, const uint8_t *adu, size_t len,
                              uint64_t ts_us, const otw_sink *sink)
{
    mb_session *s = session;
    long flen = mb_frame_len(adu, len);

    if (s == NULL || flen <= 0)
        return OTW_PARSE_NOT_MINE;
    if ((size_t)flen != len) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    otw_reader r = rd_init(adu, len);
    uint16_t transaction = rd_be16(&r);
    rd_skip(&r, 4); /* protocol id, length: checked by mb_frame_len */
    uint8_t unit = rd_u8(&r);
    uint8_t fc = rd_u8(&r);

    if (dir == OTW_DIR_TO_SERVER)
        return handle_request(s, &r, transaction, unit, fc, ts_us, sink);
    return handle_response(s, &r, transaction, unit, fc, ts_us, sink);
}

void mb_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    mb_session *s = session;

    /* One pass, compacting what stays: the emission order is arrival order. */
    if (s != NULL)
        OTW_PENDING_EXPIRE(s->pending, &s->n_pending, ts_us, timeout_us, unanswered, NULL, sink);
}

/* Whether a PDU (function code first, n bytes) has the length its
 * function gives it (Application Protocol Specification V1.1b3 section 6). */
static bool plausible_request(const uint8_t *p, size_t n)
{
    uint16_t qty = n >= 5 ? (uint16_t)(p[3] << 8 | p[4]) : 0;
    switch (p[0]) {
    case 1:
    case 2:
        return n == 5 && qty >= 1 && qty <= MB_MAX_READ_BITS;
    case 3:
    case 4:
        return n == 5 && qty >= 1 && qty <= 125;
    case 5:
        return n == 5 && (p[3] == 0x00 || p[3] == 0xFF) && p[4] == 0;
    case 6:
        return n == 5;
    case 7:
    case 11:
    case 12:
    case 17:
        return n == 1;
    case 8:
        return n >= 3;
    case 15:
        return n >= 7 && qty >= 1 && p[5] == (qty + 7) / 8 && n == 6u + p[5];
    case 16:
        return n >= 8 && qty >= 1 && qty <= 123 && p[5] == 2 * qty && n == 6u + p[5];
    case 22:
        return n == 7;
    case 23:
        return n >= 12 && n == 10u + p[9];
    case 24:
        return n == 3;
    case 43:
        return n >= 2 && (p[1] == 0x0E || p[1] == 0x0D);
    case 90: /* Schneider UMAS */
        return n >= 3;
    default:
        return false;
    }
}

static bool plausible_request_code(uint8_t fc)
{
    return (fc >= 1 && fc <= 8) || fc == 11 || fc == 12 || (fc >= 15 && fc <= 17) ||
           (fc >= 20 && fc <= 24) || fc == 43 || fc == 90;
}

static bool plausible_response(const uint8_t *p, size_t n)
{
    if (p[0] & 0x80)
        return n == 2 && p[1] >= 1 && p[1] <= 11 && plausible_request_code(p[0] & 0x7F);
    switch (p[0]) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 17:
    case 23:
        return n >= 3 && n == 2u + p[1];
    case 5:
    case 6:
    case 15:
    case 16:
        return n == 5;
    case 8:
        return n >= 3;
    case 7:
        return n == 2;
    case 11:
        return n == 5;
    case 43:
        return n >= 2 && (p[1] == 0x0E || p[1] == 0x0D);
    case 90:
        return n >= 3;
    default:
        return false;
    }
}

/* Dynamic detection: the segment is whole ADUs, each with protocol id 0,
 * a length that agrees with the bytes and a PDU its function allows. */
static int mb_probe(const uint8_t *buf, size_t len, otw_dir dir, bool opening)
{
    (void)opening;
    size_t off = 0;
    if (buf == NULL || len < MB_MBAP_LEN + 1)
        return OTW_PROBE_NO;
    while (off < len) {
        long n = mb_frame_len(buf + off, len - off);
        if (n <= 0 || (size_t)n > len - off)
            return OTW_PROBE_NO;
        const uint8_t *pdu = buf + off + MB_MBAP_LEN;
        size_t pn = (size_t)n - MB_MBAP_LEN;
        if (dir == OTW_DIR_TO_SERVER ? !plausible_request(pdu, pn) : !plausible_response(pdu, pn))
            return OTW_PROBE_NO;
        off += (size_t)n;
    }
    return OTW_PROBE_STRONG;
}

const otw_dissector mb_dissector = {
    .proto = OTW_PROTO_MODBUS,
    .industrial = true,
    .name = "modbus",
    .tcp_ports = {502},
    .udp_ports = {0},
    .session_size = sizeof(mb_session),
    .session_init = mb_session_init,
    .frame_len = mb_frame_len,
    .parse = mb_parse_adu,
    .expire = mb_expire,
    .probe = mb_probe,
};
