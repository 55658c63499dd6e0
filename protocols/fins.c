/* fins.c - Omron FINS dissector (UDP and FINS/TCP).
 *
 * Specs: FINS Commands Reference Manual (W227) and CS/CJ Programmable
 * Controllers Communications Commands Reference (W342): section 5-1
 * (header ICF/RSV/GCT/DNA/DA1/DA2/SNA/SA1/SA2/SID, command list, end
 * codes), 5-2 (memory area designations), 5-3 (command and response
 * formats used below); CS/CJ Ethernet Unit Operation Manual (W343)
 * section 6-5 (FINS/TCP header: "FINS", length, command, error code;
 * commands 0 node address data send client->server, 1 server->client,
 * 2 frame send, 3 frame send error notification, 6 connection confirmation).
 *
 * One FINS frame = 10-byte header + MRC SRC (+ end code MRES SRES in a
 * response) + data. A request waits in the session until the response with
 * the same SID arrives from its destination to its source (response DNA/DA1/
 * DA2 = request SNA/SA1/SA2, where a request network or node 0 - "own" or
 * "assigned by FINS/TCP" - matches any); the response's source is not
 * compared because a request to node 0 is answered by the real node number.
 *
 * Choices worth knowing:
 * - op.unit = destination node (DA1) of the request; op.transaction = SID.
 * - End code: the flags (MRES bit 7 relay error, SRES bits 6/7 CPU errors)
 *   are masked off; 0x0000 is ok, anything else an exception with that code.
 *   A relay error or a non-fatal error flag with code 0 is still ok.
 * - A request with ICF bit 0 set (no response required) is emitted at once
 *   with outcome ok and no response time.
 * - Memory area word/bit designations give op.object ("DM", "CIO", "E0" for
 *   EM bank 0...), address = word address (the bit number is dropped),
 *   count = number of items. Timer/counter areas give "TIM"/"CNT" (counters
 *   are addressed from 0x8000). Multiple Memory Area Read reports the first
 *   element and the number of elements.
 * - File Memory: Single File Read/Write of program (.OBJ) or parameter (.STD)
 *   files are program_upload/program_download, other files read/write;
 *   object = the file name.
 * - FINS/TCP node address exchanges carry no FINS command: no op.
 */
#include "fins.h"

#include "pending.h"
#include "reader.h"
#include "tok.h"

#include <string.h>

_Static_assert(sizeof(fins_session) <= OTW_SESSION_MAX_BYTES,
               "fins_session must fit a dissector session slot");

#define FINS_ICF_GATEWAY 0x80
#define FINS_ICF_RESPONSE 0x40
#define FINS_ICF_NO_REPLY 0x01
#define FINS_ICF_RESERVED 0x3E
#define FINS_TCP_FRAME_SEND 2
#define FINS_FILE_NAME_LEN 12

/* ------------------------------------------------------------- tables */

static const otw_tok fins_commands[] = {
    {0x0101, "Memory Area Read"},
    {0x0102, "Memory Area Write"},
    {0x0103, "Memory Area Fill"},
    {0x0104, "Multiple Memory Area Read"},
    {0x0105, "Memory Area Transfer"},
    {0x0201, "Parameter Area Read"},
    {0x0202, "Parameter Area Write"},
    {0x0203, "Parameter Area Clear"},
    {0x0204, "Program Area Protect"},
    {0x0205, "Program Area Protect Clear"},
    {0x0306, "Program Area Read"},
    {0x0307, "Program Area Write"},
    {0x0308, "Program Area Clear"},
    {0x0401, "Run"},
    {0x0402, "Stop"},
    {0x0501, "Controller Data Read"},
    {0x0502, "Connection Data Read"},
    {0x0601, "Controller Status Read"},
    {0x0620, "Cycle Time Read"},
    {0x0701, "Clock Read"},
    {0x0702, "Clock Write"},
    {0x0801, "Internode Echo Test"},
    {0x0802, "Broadcast Test Results Read"},
    {0x0803, "Broadcast Test Data Send"},
    {0x0920, "Message Read/Clear"},
    {0x0C01, "Access Right Acquire"},
    {0x0C02, "Access Right Forced Acquire"},
    {0x0C03, "Access Right Release"},
    {0x2101, "Error Clear"},
    {0x2102, "Error Log Read"},
    {0x2103, "Error Log Clear"},
    {0x2201, "File Name Read"},
    {0x2202, "Single File Read"},
    {0x2203, "Single File Write"},
    {0x2204, "File Memory Format"},
    {0x2205, "File Delete"},
    {0x2206, "Volume Label Create/Delete"},
    {0x2207, "File Copy"},
    {0x2208, "File Name Change"},
    {0x2209, "File Data Check"},
    {0x220A, "Memory Area File Transfer"},
    {0x220B, "Parameter Area File Transfer"},
    {0x220C, "Program Area File Transfer"},
    {0x2215, "Create/Delete Directory"},
    {0x2301, "Forced Set/Reset"},
    {0x2302, "Forced Set/Reset Cancel"},
};

const char *fins_command_name(uint16_t command)
{
    return OTW_TOK_NAME(fins_commands, command, "Unknown");
}

/* Class from the command alone; file commands are refined from their data. */
static otw_op_class command_class(uint16_t command)
{
    switch (command) {
    case 0x0101:
    case 0x0104:
    case 0x0201:
    case 0x0701:
    case 0x2201:
    case 0x2202:
        return OTW_CLASS_READ;
    case 0x0102:
    case 0x0103:
    case 0x0105:
    case 0x2203:
    case 0x2301:
    case 0x2302:
        return OTW_CLASS_WRITE;
    case 0x0202:
    case 0x0203:
    case 0x0204:
    case 0x0702:
    case 0x2204:
    case 0x2206:
    case 0x2208:
    case 0x2215:
        return OTW_CLASS_CONFIGURATION;
    case 0x0306:
        return OTW_CLASS_PROGRAM_UPLOAD;
    case 0x0307:
    case 0x0308:
    case 0x2205:
    case 0x2207:
        return OTW_CLASS_PROGRAM_DOWNLOAD;
    case 0x0401:
    case 0x0402:
    case 0x2101:
    case 0x2103:
        return OTW_CLASS_CONTROL;
    case 0x0501:
    case 0x0502:
        return OTW_CLASS_IDENTITY;
    case 0x0601:
    case 0x0620:
    case 0x0801:
    case 0x0802:
    case 0x0803:
    case 0x0920:
    case 0x2102:
    case 0x2209:
        return OTW_CLASS_DIAGNOSTIC;
    case 0x0205: /* takes the program protection password */
    case 0x0C01:
    case 0x0C02:
    case 0x0C03:
        return OTW_CLASS_AUTHENTICATION;
    default:
        return OTW_CLASS_OTHER;
    }
}

typedef struct fins_area {
    uint8_t code;
    const char *name;
} fins_area;

/* W342 section 5-2-2, CS/CJ mode memory area codes (bit, word, forced). */
static const fins_area areas[] = {
    {0x30, "CIO"}, {0x31, "WR"},  {0x32, "HR"}, {0x33, "AR"}, {0x70, "CIO"}, {0x71, "WR"},
    {0x72, "HR"},  {0xB0, "CIO"}, {0xB1, "WR"}, {0xB2, "HR"}, {0xB3, "AR"},  {0xF0, "CIO"},
    {0xF1, "WR"},  {0xF2, "HR"},  {0x02, "DM"}, {0x82, "DM"}, {0x0A, "EM"},  {0x98, "EM"},
    {0x06, "TK"},  {0x46, "TK"},  {0xDC, "IR"}, {0x07, "CF"},
};

const char *fins_area_name(uint8_t area)
{
    /* EM banks 0..C: bit 0x20-0x2C, word 0xA0-0xAC */
    static const char *const em[13] = {"E0", "E1", "E2", "E3", "E4", "E5", "E6",
                                       "E7", "E8", "E9", "EA", "EB", "EC"};
    if (area >= 0x20 && area <= 0x2C)
        return em[area - 0x20];
    if (area >= 0xA0 && area <= 0xAC)
        return em[area - 0xA0];
    if (area == 0x09 || area == 0x49 || area == 0x89)
        return "TIM"; /* "CNT" from address 0x8000, see set_area() */
    for (size_t i = 0; i < sizeof(areas) / sizeof(areas[0]); i++)
        if (areas[i].code == area)
            return areas[i].name;
    return NULL;
}

static void set_str(char *dst, size_t dstsz, const char *s)
{
    size_t n = strlen(s);
    if (n >= dstsz)
        n = dstsz - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static void set_hex_area(char *dst, size_t dstsz, uint8_t area)
{
    static const char hex[] = "0123456789ABCDEF";
    char buf[12] = "area 0x";
    buf[7] = hex[area >> 4];
    buf[8] = hex[area & 0xF];
    buf[9] = '\0';
    set_str(dst, dstsz, buf);
}

/* Memory area designation: area (1), word address (2 BE), bit (1). */
static bool read_area(otw_reader *r, fins_pending *p)
{
    uint8_t area = rd_u8(r);
    uint16_t word = rd_be16(r);
    (void)rd_u8(r); /* bit number */
    if (r->truncated)
        return false;
    const char *name = fins_area_name(area);
    uint32_t start = word;
    if (name == NULL) {
        set_hex_area(p->object, sizeof(p->object), area);
    } else if ((area == 0x09 || area == 0x49 || area == 0x89) && word >= 0x8000) {
        set_str(p->object, sizeof(p->object), "CNT");
        start = word - 0x8000u;
    } else {
        set_str(p->object, sizeof(p->object), name);
    }
    p->has_address = true;
    p->address_start = start;
    return true;
}

static bool rd_done(const otw_reader *r)
{
    return !r->truncated && rd_left(r) == 0;
}

/* Program and parameter files: "NAME.OBJ", "NAME.STD" (W342 5-3, file names). */
static bool program_file(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot != NULL && (strcmp(dot, ".OBJ") == 0 || strcmp(dot, ".STD") == 0);
}

static void file_name(fins_pending *p, const uint8_t *name)
{
    char tmp[FINS_FILE_NAME_LEN + 1];
    size_t n = FINS_FILE_NAME_LEN;
    while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\0'))
        n--;
    otw_copy_wire_string(tmp, sizeof(tmp), name, n);
    /* "PROGRAM .OBJ" -> "PROGRAM.OBJ": names are space padded to 8 characters */
    char out[FINS_FILE_NAME_LEN + 1];
    size_t k = 0;
    for (size_t i = 0; tmp[i] != '\0'; i++) {
        if (tmp[i] == ' ' && (tmp[i + 1] == ' ' || tmp[i + 1] == '.'))
            continue;
        out[k++] = tmp[i];
    }
    out[k] = '\0';
    set_str(p->object, sizeof(p->object), out);
}

/* Request data after MRC SRC: fills the address/object and refines the class. */
static bool parse_request(otw_reader *r, fins_pending *p)
{
    uint16_t n;
    const uint8_t *name;

    switch (p->command) {
    case 0x0101:
        if (!read_area(r, p))
            return false;
        n = rd_be16(r);
        p->address_count = n;
        return rd_done(r) && n > 0;
    case 0x0102:
        if (!read_area(r, p))
            return false;
        n = rd_be16(r);
        p->address_count = n;
        return !r->truncated && n > 0 && rd_left(r) > 0;
    case 0x0103:
        if (!read_area(r, p))
            return false;
        n = rd_be16(r);
        rd_skip(r, 2); /* fill value */
        p->address_count = n;
        return rd_done(r) && n > 0;
    case 0x0104: {
        size_t items = rd_left(r) / 4;
        if (items == 0 || rd_left(r) % 4 != 0 || !read_area(r, p))
            return false;
        p->address_count = (uint32_t)items;
        return true;
    }
    case 0x0105: {
        fins_pending src = *p;
        if (!read_area(r, &src) || !read_area(r, p)) /* source, then destination */
            return false;
        n = rd_be16(r);
        p->address_count = n;
        return rd_done(r) && n > 0;
    }
    case 0x0201:
    case 0x0202:
    case 0x0203: {
        uint16_t code = rd_be16(r); /* parameter area code */
        uint16_t word = rd_be16(r);
        n = rd_be16(r) & 0x7FFF; /* bit 15: last data (0201 response) */
        if (r->truncated)
            return false;
        static const char hex[] = "0123456789ABCDEF";
        char obj[12] = "param ";
        for (int i = 0; i < 4; i++)
            obj[6 + i] = hex[(code >> (12 - 4 * i)) & 0xF];
        obj[10] = '\0';
        set_str(p->object, sizeof(p->object), obj);
        p->has_address = true;
        p->address_start = word;
        p->address_count = n;
        return p->command != 0x0201 || rd_left(r) == 0;
    }
    case 0x0306:
    case 0x0307: {
        (void)rd_be16(r); /* program number */
        uint32_t word = rd_be32(r);
        n = rd_be16(r) & 0x7FFF; /* bytes; bit 15: last word */
        if (r->truncated)
            return false;
        set_str(p->object, sizeof(p->object), "program");
        p->has_address = true;
        p->address_start = word;
        p->address_count = n;
        return p->command != 0x0306 || rd_left(r) == 0;
    }
    case 0x2202:
        (void)rd_be16(r); /* disk number */
        name = rd_bytes(r, FINS_FILE_NAME_LEN);
        if (name == NULL)
            return false;
        file_name(p, name);
        p->address_start = rd_be32(r); /* file position */
        p->address_count = rd_be16(r); /* bytes */
        p->has_address = !r->truncated;
        if (program_file(p->object))
            p->op_class = OTW_CLASS_PROGRAM_UPLOAD;
        return !r->truncated;
    case 0x2203:
        (void)rd_be16(r); /* disk number */
        (void)rd_be16(r); /* parameter code */
        name = rd_bytes(r, FINS_FILE_NAME_LEN);
        if (name == NULL)
            return false;
        file_name(p, name);
        p->address_start = rd_be32(r);
        p->address_count = rd_be16(r);
        p->has_address = !r->truncated;
        if (program_file(p->object))
            p->op_class = OTW_CLASS_PROGRAM_DOWNLOAD;
        return !r->truncated;
    case 0x220C: {
        uint8_t dir = rd_u8(r); /* 00: program -> file, 01: file -> program, 02 compare */
        if (r->truncated)
            return false;
        p->op_class = dir == 0x01   ? OTW_CLASS_PROGRAM_DOWNLOAD
                      : dir == 0x00 ? OTW_CLASS_PROGRAM_UPLOAD
                                    : OTW_CLASS_DIAGNOSTIC;
        return true;
    }
    case 0x220B: {
        uint8_t dir = rd_u8(r);
        if (r->truncated)
            return false;
        p->op_class = dir == 0x01   ? OTW_CLASS_CONFIGURATION
                      : dir == 0x00 ? OTW_CLASS_PROGRAM_UPLOAD
                                    : OTW_CLASS_DIAGNOSTIC;
        return true;
    }
    case 0x220A: {
        uint8_t dir = rd_u8(r);
        if (r->truncated)
            return false;
        p->op_class = dir == 0x01 ? OTW_CLASS_WRITE : OTW_CLASS_READ;
        return true;
    }
    case 0x2301:
    case 0x2302: {
        /* 2301: number of bits (2), then per bit: set/reset spec (2),
         * area (1), address (2), bit (1). 2302: no data. */
        if (p->command == 0x2302)
            return true;
        n = rd_be16(r);
        rd_skip(r, 2); /* set/reset specification of the first bit */
        if (r->truncated || n == 0 || !read_area(r, p))
            return false;
        p->address_count = n;
        return rd_left(r) == (size_t)(n - 1u) * 6u;
    }
    case 0x0401:
    case 0x0402:
    case 0x0501:
    case 0x0502:
    case 0x0601:
    case 0x0620:
    case 0x0701:
    case 0x0702:
    default:
        return true; /* small or opaque data */
    }
}

/* ----------------------------------------------------------- emission */

static void emit_op(const otw_sink *sink, const fins_pending *p, bool request_seen,
                    uint64_t response_ts, otw_outcome outcome, uint16_t code)
{
    if (sink == NULL || sink->op == NULL)
        return;
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_FINS;
    op.ts_us = p->ts_us;
    op.response_ts_us = response_ts;
    op.has_unit = true;
    op.unit = p->da1;
    set_str(op.object, sizeof(op.object), p->object);
    op.transaction = p->sid;
    op.function = p->command;
    op.function_name = fins_command_name(p->command);
    op.op_class =
        (unsigned)p->op_class < OTW_CLASS__COUNT ? (otw_op_class)p->op_class : OTW_CLASS_OTHER;
    op.has_address = p->has_address;
    op.address_start = p->has_address ? p->address_start : 0;
    op.address_count = p->has_address ? p->address_count : 0;
    op.outcome = outcome;
    op.exception_code = outcome == OTW_OUTCOME_EXCEPTION ? code : 0;
    op.request_seen = request_seen;
    sink->op(sink->ctx, &op);
}

static void anomaly(fins_session *s, const otw_sink *sink, const char *name)
{
    if (s != NULL)
        s->n_malformed++;
    if (sink != NULL && sink->anomaly != NULL)
        sink->anomaly(sink->ctx, name);
}

static void unanswered(void *ctx, const void *p, const otw_sink *sink)
{
    (void)ctx;
    emit_op(sink, p, true, 0, OTW_OUTCOME_NO_RESPONSE, 0);
}

static int find_pending(const fins_session *s, uint8_t sid, uint8_t dna, uint8_t da1, uint8_t da2)
{
    for (uint32_t i = 0; i < s->n_pending; i++) {
        const fins_pending *p = &s->pending[i];
        /* a source network/node of 0 means "own", answered with the real
         * number (FINS/TCP clients send SA1 0 and get their assigned node) */
        if (p->sid == sid && (p->sna == dna || p->sna == 0) && (p->sa1 == da1 || p->sa1 == 0) &&
            p->sa2 == da2)
            return (int)i;
    }
    return -1;
}

/* Controller Data Read response: model (20), version (20), then system
 * data; strings are NUL or space padded. */
static void controller_identity(otw_reader *r, otw_dir dir, uint8_t node, const otw_sink *sink)
{
    const uint8_t *model = rd_bytes(r, 20);
    const uint8_t *version = rd_bytes(r, 20);
    if (model == NULL || sink == NULL || sink->identity == NULL)
        return;
    otw_identity id;
    memset(&id, 0, sizeof(id));
    size_t n = 20;
    while (n > 0 && (model[n - 1] == ' ' || model[n - 1] == '\0'))
        n--;
    otw_copy_wire_string(id.model, sizeof(id.model), model, n);
    /* a NUL ends the model: trailing spaces before it go too */
    n = strlen(id.model);
    while (n > 0 && id.model[n - 1] == ' ')
        id.model[--n] = '\0';
    if (id.model[0] == '\0')
        return;
    if (version != NULL) {
        otw_copy_wire_string(id.revision, sizeof(id.revision), version, 20);
        n = strlen(id.revision);
        while (n > 0 && id.revision[n - 1] == ' ')
            id.revision[--n] = '\0';
    }
    id.protocol = OTW_PROTO_FINS;
    id.about = dir;
    id.source = "fins 0501";
    id.role_hint = OTW_HINT_CONTROLLER;
    set_str(id.vendor, sizeof(id.vendor), "OMRON");
    set_str(id.device_type, sizeof(id.device_type), "PLC");
    static const char hex[] = "0123456789ABCDEF";
    char detail[16] = "FINS node 0x";
    detail[12] = hex[node >> 4];
    detail[13] = hex[node & 0xF];
    detail[14] = '\0';
    set_str(id.detail, sizeof(id.detail), detail);
    sink->identity(sink->ctx, &id);
}

/* One bare FINS frame. */
static otw_parse_status parse_frame(fins_session *s, otw_dir dir, const uint8_t *buf, size_t len,
                                    uint64_t ts_us, const otw_sink *sink)
{
    otw_reader r = rd_init(buf, len);
    fins_pending p;
    memset(&p, 0, sizeof(p));
    uint8_t icf = rd_u8(&r);
    uint8_t rsv = rd_u8(&r);
    (void)rd_u8(&r); /* GCT, gateway count */
    p.dna = rd_u8(&r);
    p.da1 = rd_u8(&r);
    p.da2 = rd_u8(&r);
    p.sna = rd_u8(&r);
    p.sa1 = rd_u8(&r);
    p.sa2 = rd_u8(&r);
    p.sid = rd_u8(&r);
    p.command = rd_be16(&r);
    p.ts_us = ts_us;
    /* ICF bits 1-5 and RSV are 0 in every FINS frame */
    if (r.truncated || (icf & FINS_ICF_RESERVED) != 0 || rsv != 0)
        return OTW_PARSE_NOT_MINE;
    p.op_class = (uint8_t)command_class(p.command);

    if (!(icf & FINS_ICF_RESPONSE)) {
        s->n_requests++;
        bool ok = parse_request(&r, &p);
        if (!ok) {
            p.has_address = false;
            p.address_start = p.address_count = 0;
            p.object[0] = '\0';
            anomaly(s, sink, "fins_malformed");
        }
        if (icf & FINS_ICF_NO_REPLY) {
            emit_op(sink, &p, true, 0, OTW_OUTCOME_OK, 0);
            return ok ? OTW_PARSE_OK : OTW_PARSE_MALFORMED;
        }
        int dup = find_pending(s, p.sid, p.sna, p.sa1, p.sa2);
        if (OTW_PENDING_PUSH(s->pending, &s->n_pending, dup, &p, unanswered, NULL, sink))
            s->n_pending_evicted++;
        return ok ? OTW_PARSE_OK : OTW_PARSE_MALFORMED;
    }

    s->n_responses++;
    uint8_t mres = rd_u8(&r);
    uint8_t sres = rd_u8(&r);
    bool ok = !r.truncated;
    uint16_t code = (uint16_t)(((mres & 0x7F) << 8) | (sres & 0x3F));
    int idx = find_pending(s, p.sid, p.dna, p.da1, p.da2);
    fins_pending op = p;
    if (idx >= 0) {
        OTW_PENDING_TAKE(s->pending, &s->n_pending, (uint32_t)idx, &op);
        if (op.command != p.command)
            ok = false;
    } else {
        s->n_unmatched_responses++;
        /* the response's source is the node that was addressed */
        op.da1 = p.sa1;
        op.sna = p.dna;
        op.sa1 = p.da1;
        op.sa2 = p.da2;
    }
    otw_outcome outcome = !ok         ? OTW_OUTCOME_ERROR
                          : code != 0 ? OTW_OUTCOME_EXCEPTION
                                      : OTW_OUTCOME_OK;
    emit_op(sink, &op, idx >= 0, ts_us, outcome, code);
    if (!ok) {
        anomaly(s, sink, "fins_malformed");
        return OTW_PARSE_MALFORMED;
    }
    if (code == 0 && p.command == 0x0501)
        controller_identity(&r, dir, p.sa1, sink);
    return OTW_PARSE_OK;
}

/* ------------------------------------------------------------ framing */

long fins_frame_len(const uint8_t *buf, size_t len)
{
    static const uint8_t magic[4] = {'F', 'I', 'N', 'S'};
    if (buf == NULL)
        return OTW_FRAME_NEED_MORE;
    size_t k = len < 4 ? len : 4;
    if (memcmp(buf, magic, k) != 0)
        return OTW_FRAME_NOT_MINE;
    if (len < 8)
        return OTW_FRAME_NEED_MORE;
    otw_reader r = rd_init(buf + 4, 4);
    uint32_t length = rd_be32(&r); /* command + error code + data */
    if (length < 8 || length > FINS_MAX_FRAME)
        return OTW_FRAME_NOT_MINE;
    return (long)(8 + length);
}

otw_parse_status fins_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink)
{
    fins_session *s = session;
    if (s == NULL || pdu == NULL)
        return OTW_PARSE_NOT_MINE;
    if (s->n_pending > FINS_MAX_PENDING)
        s->n_pending = FINS_MAX_PENDING; /* never trust a corrupted slot */
    if (len >= 4 && memcmp(pdu, "FINS", 4) == 0) {
        long flen = fins_frame_len(pdu, len);
        if (flen <= 0)
            return OTW_PARSE_NOT_MINE;
        if ((size_t)flen != len) {
            anomaly(s, sink, "fins_malformed");
            return OTW_PARSE_MALFORMED;
        }
        otw_reader r = rd_init(pdu + 8, len - 8);
        uint32_t command = rd_be32(&r);
        uint32_t error = rd_be32(&r);
        if (command == FINS_TCP_FRAME_SEND) {
            if (rd_left(&r) < FINS_HDR_LEN + 2) {
                anomaly(s, sink, "fins_malformed");
                return OTW_PARSE_MALFORMED;
            }
            otw_parse_status st =
                parse_frame(s, dir, pdu + FINS_TCP_HDR_LEN, len - FINS_TCP_HDR_LEN, ts_us, sink);
            if (st == OTW_PARSE_NOT_MINE) {
                anomaly(s, sink, "fins_malformed");
                return OTW_PARSE_MALFORMED; /* the FINS/TCP header was right */
            }
            return st;
        }
        if (error != 0 && sink != NULL && sink->anomaly != NULL)
            sink->anomaly(sink->ctx, "fins_tcp_error");
        /* node address data send (0, 1), error notification (3), connection
         * confirmation (6): FINS/TCP housekeeping, no FINS command */
        return command <= 6 ? OTW_PARSE_OK : OTW_PARSE_MALFORMED;
    }
    if (len < FINS_HDR_LEN + 2 || len > FINS_MAX_FRAME)
        return OTW_PARSE_NOT_MINE;
    return parse_frame(s, dir, pdu, len, ts_us, sink);
}

void fins_session_init(void *session)
{
    if (session != NULL)
        memset(session, 0, sizeof(fins_session));
}

void fins_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    fins_session *s = session;
    if (s != NULL)
        OTW_PENDING_EXPIRE(s->pending, &s->n_pending, ts_us, timeout_us, unanswered, NULL, sink);
}

/* FINS/UDP and FINS/TCP both default to 9600 (W343, "FINS/UDP port",
 * "FINS/TCP port"). */
const otw_dissector fins_dissector = {
    .proto = OTW_PROTO_FINS,
    .name = "fins",
    .tcp_ports = {9600},
    .udp_ports = {9600},
    .industrial = true,
    .session_size = sizeof(fins_session),
    .session_init = fins_session_init,
    .frame_len = fins_frame_len,
    .parse = fins_parse,
    .expire = fins_expire,
};
