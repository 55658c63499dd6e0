/* dnp3.c - DNP3 dissector (link, transport and application layers).
 *
 * Spec: IEEE Std 1815-2012 (DNP3). Clause 9: link frame = 0x05 0x64,
 * length (control + addresses + user data, CRCs excluded, >= 5), control
 * (DIR, PRM, FCB/FCV or DFC, function), destination, source (little
 * endian), header CRC, then user data in 16-byte blocks each followed by its
 * CRC (polynomial 0x3D65, bit-reversed, complemented, low byte first).
 * Clause 8: transport header (FIN 0x80, FIR 0x40, 6-bit sequence).
 * Clause 4.2/10: application header (control FIR/FIN/CON/UNS/SEQ, function,
 * IIN1/IIN2 in responses) and object headers (group, variation, qualifier:
 * prefix code bits 6-4, range specifier bits 3-0).
 *
 * Choices worth knowing:
 * - Every CRC is checked; a bad one gives the anomaly "dnp3_bad_crc" and
 *   MALFORMED and nothing of the frame is used. A bad header CRC makes
 *   dnp3_frame_len return 10, so the stream layer resynchronises instead of
 *   trusting the length byte.
 * - Transport segments are reassembled per direction of the flow; only the
 *   first DNP3_KEEP bytes of a fragment are stored (the decoded headers are
 *   all there; the session slot is 2048 bytes) but the whole fragment is
 *   counted: more than DNP3_MAX_FRAGMENT bytes -> "dnp3_fragment_overflow",
 *   the fragment is dropped. A segment out of sequence (or without FIR)
 *   drops the fragment in progress ("dnp3_transport_sequence").
 * - One op per request fragment, matched with the first response fragment
 *   (application FIR) carrying the same sequence number between the same
 *   master (link source of the request) and outstation (its destination).
 *   op.unit = outstation address, op.object = "gGvV" of the first object
 *   header, address = its index range (start-stop, or the first index
 *   prefix and the count).
 * - Confirm (0) is an acknowledgement of a response, not an operation: it
 *   is counted, not logged. The "no ack" functions (6, 8, 10, 12, 33) get no
 *   response by design: their op is emitted at once with outcome ok.
 * - Unsolicited responses (130) are operations of their own, initiated by
 *   the outstation: one op, function 130, class read, outcome ok,
 *   request_seen true (nothing is missing), no response time.
 * - A response whose IIN2 says "function code not supported" (0x01),
 *   "object unknown" (0x02) or "parameter error" (0x04) gives outcome
 *   exception with exception_code = IIN1 << 8 | IIN2 (all 16 bits kept).
 * - Classes: 1 read; 2 write (write of g70v5 file data: program_download);
 *   3-6 select/operate/direct operate -> write (controlling an output is a
 *   write of a point value); 7-12 freeze -> control; 13-18 restarts,
 *   initialize, start/stop application -> control; 19, 31 save/activate
 *   config and 20-22 unsolicited enable/disable, assign class ->
 *   configuration; 23-24 delay measurement, record current time ->
 *   diagnostic; 25 open file -> program_download (mode write/append) or
 *   program_upload (mode read), other file operations -> other; read of
 *   g70v5 -> program_upload; 32-33 -> authentication.
 * - Device attribute responses (group 0: 252 manufacturer, 250 product and
 *   model -> product and model, 248 serial, 247 device name, 242 software
 *   version -> revision) give an identity of the outstation.
 */
#include "dnp3.h"

#include "pending.h"
#include "reader.h"

#include <string.h>

_Static_assert(sizeof(dnp3_session) <= OTW_SESSION_MAX_BYTES,
               "dnp3_session must fit a dissector session slot");

#define START0 0x05
#define START1 0x64
#define BLOCK 16

/* link control (clause 9.2.4.1.3) */
#define LC_PRM 0x40
#define LC_FUNC 0x0F
#define LF_CONFIRMED_DATA 3
#define LF_UNCONFIRMED_DATA 4

/* transport header (clause 8.2.1) */
#define TH_FIN 0x80
#define TH_FIR 0x40
#define TH_SEQ 0x3F

/* application control (clause 4.2.2.4) */
#define AC_FIR 0x80
#define AC_SEQ 0x0F

#define FC_CONFIRM 0
#define FC_READ 1
#define FC_WRITE 2
#define FC_OPEN_FILE 25
#define FC_RESPONSE 129
#define FC_UNSOLICITED 130
#define FC_AUTH_RESPONSE 131

/* IIN2 bits that reject the request (clause 4.2.2.7.2) */
#define IIN2_NO_FUNC 0x01
#define IIN2_OBJ_UNKNOWN 0x02
#define IIN2_PARAM_ERROR 0x04
#define IIN2_REJECT (IIN2_NO_FUNC | IIN2_OBJ_UNKNOWN | IIN2_PARAM_ERROR)

#define G_DEVICE_ATTR 0
#define G_FILE 70
#define V_FILE_COMMAND 3
#define V_FILE_TRANSPORT 5
#define FILE_MODE_READ 1
#define FILE_MODE_WRITE 2
#define FILE_MODE_APPEND 3
#define ATTR_VSTR 1 /* visible string data type code */
#define ATTR_PRODUCT_MODEL 250
#define MAX_ATTRS 32

uint16_t dnp3_crc16(const uint8_t *p, size_t n)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA6BC) : (uint16_t)(crc >> 1);
    }
    return (uint16_t)~crc;
}

static bool crc_ok(const uint8_t *p, size_t n)
{
    uint16_t c = dnp3_crc16(p, n);
    return p[n] == (uint8_t)c && p[n + 1] == (uint8_t)(c >> 8);
}

const char *dnp3_function_name(uint8_t function)
{
    static const char *const names[] = {
        "Confirm",
        "Read",
        "Write",
        "Select",
        "Operate",
        "Direct Operate",
        "Direct Operate No Ack",
        "Immediate Freeze",
        "Immediate Freeze No Ack",
        "Freeze and Clear",
        "Freeze and Clear No Ack",
        "Freeze at Time",
        "Freeze at Time No Ack",
        "Cold Restart",
        "Warm Restart",
        "Initialize Data",
        "Initialize Application",
        "Start Application",
        "Stop Application",
        "Save Configuration",
        "Enable Unsolicited",
        "Disable Unsolicited",
        "Assign Class",
        "Delay Measurement",
        "Record Current Time",
        "Open File",
        "Close File",
        "Delete File",
        "Get File Info",
        "Authenticate File",
        "Abort File",
        "Activate Config",
        "Authentication Request",
        "Authentication Request No Ack",
    };
    if (function < sizeof(names) / sizeof(names[0]))
        return names[function];
    switch (function) {
    case FC_RESPONSE:
        return "Response";
    case FC_UNSOLICITED:
        return "Unsolicited Response";
    case FC_AUTH_RESPONSE:
        return "Authentication Response";
    default:
        return "Unknown";
    }
}

static bool no_ack_function(uint8_t fc)
{
    return fc == 6 || fc == 8 || fc == 10 || fc == 12 || fc == 33;
}

static otw_op_class function_class(uint8_t fc)
{
    if (fc == FC_READ)
        return OTW_CLASS_READ;
    if (fc >= 2 && fc <= 6)
        return OTW_CLASS_WRITE;
    if (fc >= 7 && fc <= 18)
        return OTW_CLASS_CONTROL;
    if (fc >= 19 && fc <= 22)
        return OTW_CLASS_CONFIGURATION;
    if (fc == 23 || fc == 24)
        return OTW_CLASS_DIAGNOSTIC;
    if (fc == 31)
        return OTW_CLASS_CONFIGURATION;
    if (fc == 32 || fc == 33)
        return OTW_CLASS_AUTHENTICATION;
    if (fc == FC_UNSOLICITED)
        return OTW_CLASS_READ;
    return OTW_CLASS_OTHER; /* 25-30 file operations unless refined, unknown */
}

/* ------------------------------------------------------ object headers */

typedef struct objhdr {
    uint8_t group, variation, qualifier;
    uint8_t prefix_size; /* index prefix bytes (0, 1, 2, 4) */
    bool has_address;
    uint32_t start, count;
    uint32_t n; /* objects that follow (0 for "all objects") */
} objhdr;

static uint32_t rd_uint(otw_reader *r, unsigned size)
{
    switch (size) {
    case 1:
        return rd_u8(r);
    case 2:
        return rd_le16(r);
    default:
        return rd_le32(r);
    }
}

/* Reads an object header and its range field (clause 4.2.2.7.3 and
 * 4.2.2.7.4 of 1815-2012: qualifier prefix codes 0-6, range codes 0-9 and
 * 0xB). False for a reserved qualifier, an inverted range or truncation. */
static bool read_objhdr(otw_reader *r, objhdr *h)
{
    static const uint8_t prefix_sizes[8] = {0, 1, 2, 4, 0, 0, 0, 0};
    static const uint8_t range_sizes[16] = {1, 2, 4, 1, 2, 4, 0, 1, 2, 4, 0, 1, 0, 0, 0, 0};

    memset(h, 0, sizeof(*h));
    h->group = rd_u8(r);
    h->variation = rd_u8(r);
    h->qualifier = rd_u8(r);
    if (r->truncated)
        return false;
    uint8_t prefix = (h->qualifier >> 4) & 0x07;
    uint8_t range = h->qualifier & 0x0F;
    if ((h->qualifier & 0x80) || prefix == 7 || range == 0x0A || range >= 0x0C)
        return false;
    h->prefix_size = prefix_sizes[prefix];
    unsigned rsize = range_sizes[range];
    if (range <= 5) {
        uint32_t start = rd_uint(r, rsize);
        uint32_t stop = rd_uint(r, rsize);
        if (r->truncated || stop < start)
            return false;
        uint64_t n = (uint64_t)stop - start + 1;
        h->n = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
        h->has_address = true;
        h->start = start;
        h->count = h->n;
        return true;
    }
    if (range == 6)
        return true; /* all objects, no range field */
    h->n = rd_uint(r, rsize);
    if (r->truncated)
        return false;
    if (h->prefix_size > 0 && h->n > 0) {
        /* The first object's index prefix names the first point. */
        otw_reader peek = *r;
        uint32_t idx = rd_uint(&peek, h->prefix_size);
        if (!peek.truncated) {
            h->has_address = true;
            h->start = idx;
            h->count = h->n;
        }
    }
    return true;
}

static void object_name(char *dst, size_t size, const objhdr *h)
{
    /* "g255v255" at most: built by hand, no printf on the packet path. */
    char tmp[12];
    size_t n = 0;
    unsigned vals[2] = {h->group, h->variation};
    for (int k = 0; k < 2; k++) {
        tmp[n++] = k == 0 ? 'g' : 'v';
        unsigned v = vals[k];
        if (v >= 100)
            tmp[n++] = (char)('0' + v / 100);
        if (v >= 10)
            tmp[n++] = (char)('0' + (v / 10) % 10);
        tmp[n++] = (char)('0' + v % 10);
    }
    tmp[n] = '\0';
    if (size == 0)
        return;
    if (n >= size)
        n = size - 1;
    memcpy(dst, tmp, n);
    dst[n] = '\0';
}

/* ---------------------------------------------------------- emit, state */

static void anomaly(const otw_sink *sink, const char *name)
{
    if (sink != NULL && sink->anomaly != NULL)
        sink->anomaly(sink->ctx, name);
}

static void malformed(dnp3_session *s, const otw_sink *sink, const char *name)
{
    s->n_malformed++;
    anomaly(sink, name);
}

static void emit_op(const otw_sink *sink, const dnp3_pending *p, bool request_seen,
                    uint64_t response_ts, otw_outcome outcome, uint16_t exception)
{
    if (sink == NULL || sink->op == NULL)
        return;
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_DNP3;
    op.ts_us = p->ts_us;
    op.response_ts_us = response_ts;
    op.has_unit = true;
    op.unit = p->outstation;
    memcpy(op.object, p->object, sizeof(p->object));
    op.object[sizeof(op.object) - 1] = '\0';
    op.transaction = p->seq;
    op.function = p->function;
    op.function_name = dnp3_function_name(p->function);
    op.op_class = p->op_class < OTW_CLASS__COUNT ? (otw_op_class)p->op_class : OTW_CLASS_OTHER;
    op.has_address = p->has_address;
    if (p->has_address) {
        op.address_start = p->address_start;
        op.address_count = p->address_count;
    }
    op.outcome = outcome;
    op.exception_code = outcome == OTW_OUTCOME_EXCEPTION ? exception : 0;
    op.request_seen = request_seen;
    sink->op(sink->ctx, &op);
}

static void unanswered(void *ctx, const void *p, const otw_sink *sink)
{
    (void)ctx;
    emit_op(sink, p, true, 0, OTW_OUTCOME_NO_RESPONSE, 0);
}

static int find_pending(const dnp3_session *s, uint16_t master, uint16_t outstation, uint8_t seq)
{
    for (uint32_t i = 0; i < s->n_pending && i < DNP3_MAX_PENDING; i++)
        if (s->pending[i].master == master && s->pending[i].outstation == outstation &&
            s->pending[i].seq == seq)
            return (int)i;
    return -1;
}

/* Fills object, address and refined class from the first object header. */
static bool describe_objects(otw_reader *r, uint8_t fc, dnp3_pending *p)
{
    objhdr h;
    if (rd_left(r) == 0)
        return true; /* no object (e.g. cold restart) */
    if (!read_objhdr(r, &h))
        return false;
    object_name(p->object, sizeof(p->object), &h);
    p->has_address = h.has_address;
    p->address_start = h.has_address ? h.start : 0;
    p->address_count = h.has_address ? h.count : 0;
    if (h.group == G_FILE && h.variation == V_FILE_TRANSPORT) {
        if (fc == FC_WRITE)
            p->op_class = OTW_CLASS_PROGRAM_DOWNLOAD;
        else if (fc == FC_READ)
            p->op_class = OTW_CLASS_PROGRAM_UPLOAD;
    }
    if (fc == FC_OPEN_FILE && h.group == G_FILE && h.variation == V_FILE_COMMAND &&
        h.qualifier == 0x5B && h.n >= 1) {
        /* g70v3 file command: size prefix, then name offset/size (4), time
         * of creation (6), permissions (2), auth key (4), file size (4),
         * operational mode (2). */
        (void)rd_le16(r);
        rd_skip(r, 20);
        uint16_t mode = rd_le16(r);
        if (!r->truncated) {
            if (mode == FILE_MODE_READ)
                p->op_class = OTW_CLASS_PROGRAM_UPLOAD;
            else if (mode == FILE_MODE_WRITE || mode == FILE_MODE_APPEND)
                p->op_class = OTW_CLASS_PROGRAM_DOWNLOAD;
        }
    }
    return true;
}

/* Where a device attribute goes (group 0 variation), or NULL. */
static char *attr_field(otw_identity *id, uint8_t variation, size_t *size)
{
    switch (variation) {
    case 252: /* device manufacturer's name */
        *size = sizeof(id->vendor);
        return id->vendor;
    case ATTR_PRODUCT_MODEL: /* device manufacturer's product name and model */
        *size = sizeof(id->product);
        return id->product;
    case 248: /* device serial number */
        *size = sizeof(id->serial);
        return id->serial;
    case 247: /* user-assigned device name */
        *size = sizeof(id->name);
        return id->name;
    case 242: /* device manufacturer's software version */
        *size = sizeof(id->revision);
        return id->revision;
    default:
        return NULL;
    }
}

/* Walks the group 0 objects at the start of a response; true if one
 * attribute was kept. Stops quietly at the first other group. */
static bool device_attributes(otw_reader *r, otw_identity *id)
{
    bool any = false;
    for (int hdrs = 0; hdrs < MAX_ATTRS && rd_left(r) > 0; hdrs++) {
        objhdr h;
        if (!read_objhdr(r, &h) || h.group != G_DEVICE_ATTR)
            break;
        uint32_t n = h.n > MAX_ATTRS ? MAX_ATTRS : h.n;
        for (uint32_t i = 0; i < n; i++) {
            rd_skip(r, h.prefix_size);
            uint8_t type = rd_u8(r);
            uint8_t vlen = rd_u8(r);
            const uint8_t *val = rd_bytes(r, vlen);
            if (val == NULL)
                return any;
            size_t size = 0;
            char *dst = attr_field(id, h.variation, &size);
            if (dst != NULL && type == ATTR_VSTR && vlen > 0) {
                otw_copy_wire_string(dst, size, val, vlen);
                if (h.variation == ATTR_PRODUCT_MODEL) /* one attribute names both */
                    otw_copy_wire_string(id->model, sizeof(id->model), val, vlen);
                any = true;
            }
        }
    }
    return any;
}

/* ------------------------------------------------- application layer */

static otw_parse_status handle_request(dnp3_session *s, uint16_t master, uint16_t outstation,
                                       uint8_t seq, uint8_t fc, otw_reader *r, bool complete,
                                       uint64_t ts_us, const otw_sink *sink)
{
    dnp3_pending p;
    memset(&p, 0, sizeof(p));
    p.master = master;
    p.outstation = outstation;
    p.seq = seq;
    p.function = fc;
    p.op_class = (uint8_t)function_class(fc);
    p.ts_us = ts_us;

    s->n_requests++;
    bool ok = describe_objects(r, fc, &p) || (!complete && r->truncated);
    if (!ok) {
        p.has_address = false;
        p.address_start = p.address_count = 0;
        malformed(s, sink, "dnp3_malformed");
    }
    if (no_ack_function(fc)) {
        emit_op(sink, &p, true, 0, OTW_OUTCOME_OK, 0);
        return ok ? OTW_PARSE_OK : OTW_PARSE_MALFORMED;
    }
    int dup = find_pending(s, master, outstation, seq);
    if (OTW_PENDING_PUSH(s->pending, &s->n_pending, dup, &p, unanswered, NULL, sink))
        s->n_pending_evicted++;
    return ok ? OTW_PARSE_OK : OTW_PARSE_MALFORMED;
}

static void emit_identity(otw_reader *r, otw_dir dir, const otw_sink *sink)
{
    otw_identity id;
    memset(&id, 0, sizeof(id));
    if (!device_attributes(r, &id) || sink == NULL || sink->identity == NULL)
        return;
    id.protocol = OTW_PROTO_DNP3;
    id.about = dir;
    id.source = "dnp3 g0 device attributes";
    id.role_hint = OTW_HINT_CONTROLLER;
    sink->identity(sink->ctx, &id);
}

static otw_parse_status handle_response(dnp3_session *s, uint16_t master, uint16_t outstation,
                                        uint8_t ac, uint8_t fc, otw_reader *r, uint64_t ts_us,
                                        otw_dir dir, const otw_sink *sink)
{
    uint8_t seq = ac & AC_SEQ;
    uint8_t iin1 = rd_u8(r);
    uint8_t iin2 = rd_u8(r);
    bool ok = !r->truncated;

    if (!(ac & AC_FIR)) {
        s->n_continuations++; /* the op went out with the first fragment */
        if (!ok) {
            malformed(s, sink, "dnp3_malformed");
            return OTW_PARSE_MALFORMED;
        }
        return OTW_PARSE_OK;
    }
    if (fc == FC_UNSOLICITED) {
        s->n_unsolicited++;
        if (!ok) {
            malformed(s, sink, "dnp3_malformed");
            return OTW_PARSE_MALFORMED;
        }
        dnp3_pending p;
        memset(&p, 0, sizeof(p));
        p.master = master;
        p.outstation = outstation;
        p.seq = seq;
        p.function = fc;
        p.op_class = OTW_CLASS_READ;
        p.ts_us = ts_us;
        otw_reader objs = *r;
        (void)describe_objects(&objs, fc, &p);
        emit_op(sink, &p, true, 0, OTW_OUTCOME_OK, 0);
        emit_identity(r, dir, sink);
        return OTW_PARSE_OK;
    }

    s->n_responses++;
    int idx = find_pending(s, master, outstation, seq);
    dnp3_pending p;
    memset(&p, 0, sizeof(p));
    if (idx >= 0) {
        OTW_PENDING_TAKE(s->pending, &s->n_pending, (uint32_t)idx, &p);
    } else {
        s->n_unmatched_responses++;
        p.master = master;
        p.outstation = outstation;
        p.seq = seq;
        p.function = fc;
        p.op_class = OTW_CLASS_OTHER;
        p.ts_us = ts_us;
    }
    otw_outcome outcome = !ok                    ? OTW_OUTCOME_ERROR
                          : (iin2 & IIN2_REJECT) ? OTW_OUTCOME_EXCEPTION
                                                 : OTW_OUTCOME_OK;
    emit_op(sink, &p, idx >= 0, ts_us, outcome, (uint16_t)((iin1 << 8) | iin2));
    if (!ok) {
        malformed(s, sink, "dnp3_malformed");
        return OTW_PARSE_MALFORMED;
    }
    emit_identity(r, dir, sink);
    return OTW_PARSE_OK;
}

/* One reassembled application fragment (kept = stored prefix, total =
 * its real length). */
static otw_parse_status handle_fragment(dnp3_session *s, otw_dir dir, uint16_t src, uint16_t dst,
                                        const uint8_t *frag, size_t kept, size_t total,
                                        uint64_t ts_us, const otw_sink *sink)
{
    otw_reader r = rd_init(frag, kept);
    uint8_t ac = rd_u8(&r);
    uint8_t fc = rd_u8(&r);

    s->n_fragments++;
    if (r.truncated) {
        malformed(s, sink, "dnp3_malformed");
        return OTW_PARSE_MALFORMED;
    }
    if (fc == FC_CONFIRM) {
        s->n_confirms++;
        return OTW_PARSE_OK;
    }
    if (fc == FC_RESPONSE || fc == FC_UNSOLICITED || fc == FC_AUTH_RESPONSE)
        return handle_response(s, dst, src, ac, fc, &r, ts_us, dir, sink);
    if (fc >= 0x80) {
        malformed(s, sink, "dnp3_malformed"); /* 128, 132-255: no such function */
        return OTW_PARSE_MALFORMED;
    }
    return handle_request(s, src, dst, ac & AC_SEQ, fc, &r, kept == total, ts_us, sink);
}

/* --------------------------------------------------- transport layer */

static otw_parse_status handle_segment(dnp3_session *s, otw_dir dir, uint16_t src, uint16_t dst,
                                       const uint8_t *seg, size_t n, uint64_t ts_us,
                                       const otw_sink *sink)
{
    dnp3_reasm *a = &s->reasm[dir == OTW_DIR_TO_CLIENT ? 1 : 0];
    uint8_t th = seg[0];
    const uint8_t *data = seg + 1;
    size_t dlen = n - 1;

    if (th & TH_FIR) {
        if (a->active) {
            s->n_transport_drops++;
            anomaly(sink, "dnp3_transport_sequence"); /* previous fragment never finished */
        }
        a->active = true;
        a->src = src;
        a->dst = dst;
        a->total = 0;
        a->kept = 0;
        a->ts_us = ts_us;
    } else if (!a->active || a->src != src || a->dst != dst || (th & TH_SEQ) != a->next_seq) {
        /* Midstream start, a lost segment or interleaved senders. */
        a->active = false;
        s->n_transport_drops++;
        anomaly(sink, "dnp3_transport_sequence");
        return OTW_PARSE_OK;
    }
    a->next_seq = (uint8_t)((th + 1) & TH_SEQ);
    if ((size_t)a->total + dlen > DNP3_MAX_FRAGMENT) {
        a->active = false;
        s->n_transport_drops++;
        malformed(s, sink, "dnp3_fragment_overflow");
        return OTW_PARSE_MALFORMED;
    }
    size_t room = DNP3_KEEP - a->kept;
    size_t copy = dlen < room ? dlen : room;
    memcpy(a->buf + a->kept, data, copy);
    a->kept = (uint16_t)(a->kept + copy);
    a->total = (uint16_t)(a->total + dlen);
    if (!(th & TH_FIN))
        return OTW_PARSE_OK;
    a->active = false;
    return handle_fragment(s, dir, a->src, a->dst, a->buf, a->kept, a->total, a->ts_us, sink);
}

/* ------------------------------------------------------- link layer */

long dnp3_frame_len(const uint8_t *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return OTW_FRAME_NEED_MORE;
    if (buf[0] != START0 || (len >= 2 && buf[1] != START1))
        return OTW_FRAME_NOT_MINE;
    if (len < 3)
        return OTW_FRAME_NEED_MORE;
    if (buf[2] < 5)
        return OTW_FRAME_NOT_MINE;
    if (len < DNP3_HDR_LEN)
        return OTW_FRAME_NEED_MORE;
    if (!crc_ok(buf, 8))
        return DNP3_HDR_LEN;
    size_t user = (size_t)buf[2] - 5;
    return (long)(DNP3_HDR_LEN + user + 2 * ((user + BLOCK - 1) / BLOCK));
}

/* One link frame of exactly flen bytes. */
static otw_parse_status handle_frame(dnp3_session *s, otw_dir dir, const uint8_t *f, size_t flen,
                                     uint64_t ts_us, const otw_sink *sink)
{
    s->n_frames++;
    if (flen < DNP3_HDR_LEN || !crc_ok(f, 8)) {
        s->n_bad_crc++;
        malformed(s, sink, "dnp3_bad_crc");
        return OTW_PARSE_MALFORMED;
    }
    otw_reader r = rd_init(f, flen);
    rd_skip(&r, 2);
    uint8_t length = rd_u8(&r);
    uint8_t ctrl = rd_u8(&r);
    uint16_t dst = rd_le16(&r);
    uint16_t src = rd_le16(&r);
    rd_skip(&r, 2);

    /* User data: strip the block CRCs, checking each one. */
    uint8_t user[255];
    size_t ulen = (size_t)length - 5;
    size_t got = 0;
    while (got < ulen) {
        size_t b = ulen - got < BLOCK ? ulen - got : BLOCK;
        const uint8_t *blk = rd_bytes(&r, b + 2);
        if (blk == NULL) {
            malformed(s, sink, "dnp3_malformed");
            return OTW_PARSE_MALFORMED;
        }
        if (!crc_ok(blk, b)) {
            s->n_bad_crc++;
            malformed(s, sink, "dnp3_bad_crc");
            return OTW_PARSE_MALFORMED;
        }
        memcpy(user + got, blk, b);
        got += b;
    }

    uint8_t lfc = ctrl & LC_FUNC;
    bool data_frame = (ctrl & LC_PRM) && (lfc == LF_CONFIRMED_DATA || lfc == LF_UNCONFIRMED_DATA);
    if (!data_frame) {
        s->n_link_only++;
        if (ulen != 0) {
            malformed(s, sink, "dnp3_malformed"); /* only user data frames carry data */
            return OTW_PARSE_MALFORMED;
        }
        return OTW_PARSE_OK;
    }
    if (ulen == 0) {
        malformed(s, sink, "dnp3_malformed"); /* no transport header */
        return OTW_PARSE_MALFORMED;
    }
    return handle_segment(s, dir, src, dst, user, ulen, ts_us, sink);
}

otw_parse_status dnp3_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink)
{
    dnp3_session *s = session;
    size_t off = 0;
    otw_parse_status st = OTW_PARSE_OK;

    if (s == NULL || pdu == NULL || len == 0)
        return OTW_PARSE_NOT_MINE;
    if (s->n_pending > DNP3_MAX_PENDING)
        s->n_pending = DNP3_MAX_PENDING; /* never trust a corrupted slot */
    /* TCP hands one frame; a UDP datagram may carry several. */
    while (off < len) {
        long fl = dnp3_frame_len(pdu + off, len - off);
        if (fl == OTW_FRAME_NOT_MINE && off == 0)
            return OTW_PARSE_NOT_MINE;
        if (fl <= 0 || (size_t)fl > len - off) {
            malformed(s, sink, "dnp3_malformed"); /* trailing garbage or a cut frame */
            return OTW_PARSE_MALFORMED;
        }
        otw_parse_status r = handle_frame(s, dir, pdu + off, (size_t)fl, ts_us, sink);
        if (r != OTW_PARSE_OK)
            st = r;
        if (fl == DNP3_HDR_LEN && !crc_ok(pdu + off, 8))
            return st; /* the length byte is not trustworthy: stop */
        off += (size_t)fl;
    }
    return st;
}

void dnp3_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    dnp3_session *s = session;

    if (s == NULL)
        return;
    OTW_PENDING_EXPIRE(s->pending, &s->n_pending, ts_us, timeout_us, unanswered, NULL, sink);
    if (timeout_us == 0) {
        s->reasm[0].active = false; /* flow end: partial fragments are gone */
        s->reasm[1].active = false;
    }
}

void dnp3_session_init(void *session)
{
    if (session != NULL)
        memset(session, 0, sizeof(dnp3_session));
}

/* Dynamic detection: a link frame header (0x05 0x64, length >= 5) whose
 * CRC holds (IEEE 1815 section 9.2). */
static int dnp3_probe(const uint8_t *buf, size_t len, otw_dir dir, bool opening)
{
    (void)dir;
    (void)opening;
    long fl = dnp3_frame_len(buf, len);
    if (fl <= 0 || len < DNP3_HDR_LEN || (size_t)fl > len || !crc_ok(buf, 8))
        return OTW_PROBE_NO;
    return OTW_PROBE_STRONG;
}

const otw_dissector dnp3_dissector = {
    .proto = OTW_PROTO_DNP3,
    .name = "dnp3",
    .tcp_ports = {20000},
    .udp_ports = {20000},
    .industrial = true,
    .session_size = sizeof(dnp3_session),
    .session_init = dnp3_session_init,
    .frame_len = dnp3_frame_len,
    .parse = dnp3_parse,
    .expire = dnp3_expire,
    .probe = dnp3_probe,
};
