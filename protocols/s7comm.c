/* s7comm.c - Siemens S7comm / S7comm-plus dissector over ISO-on-TCP (TCP 102).
 *
 * Layers, as specified:
 * - TPKT (RFC 1006 section 6): version 3, reserved 0, 16-bit length of the
 *   whole packet. frame_len() frames the TCP stream with it.
 * - COTP (ISO 8073 / X.224 class 0, section 13): length indicator, TPDU code.
 *   CR/CC carry the TSAPs (parameters 0xC1 calling, 0xC2 called); a 2-byte
 *   S7 TSAP is (connection type, rack << 5 | slot), which gives op.unit = the
 *   slot. DT carries the S7 PDU (EOT bit set); DR/DC/ER/AK are accepted.
 * - S7comm (protocol id 0x32): 10-byte header (ROSCTR, PDU reference,
 *   parameter and data lengths), 12 bytes for Ack/Ack_Data (error class and
 *   code), then the parameter and data parts. Job (1) requests are answered by
 *   Ack (2) / Ack_Data (3), userdata (7) requests (type 4) by userdata
 *   responses (type 8); pushes (type 0) stand alone.
 * - S7comm-plus (protocol id 0x72): 4-byte header (id, version, data length),
 *   for version 3 a 1-byte digest length and the 32-byte integrity digest,
 *   then opcode (0x31 request, 0x32 response, 0x33 notification), function,
 *   sequence number; a PDU may be split into fragments, the last one ending
 *   with a 4-byte trailer (0x72, version, 0x0000).
 *
 * Choices worth knowing:
 * - Responses are matched by (kind, PDU reference or S7comm-plus sequence
 *   number, direction): the PLC itself sends the Download Block jobs during a
 *   download (S7 block transfer is driven by the PLC), so a request may travel
 *   to the client.
 * - Outcome: header error class/code -> exception (class << 8 | code); else
 *   the first failing item return code of Read/Write Var (e.g. 0x0005
 *   address out of range, 0x000a object does not exist); userdata: the
 *   parameter error code, else a data return code other than 0xff - except
 *   0x0a without data, the normal empty answer to a password or set clock
 *   (a Read SZL, block function or read clock answer without data failed).
 *   Item return code 0x00 is reported as 0x100 (0 is not success either).
 *   S7comm-plus return values are not interpreted (matched -> ok).
 * - Read/Write Var: object = the distinct areas of all items ("DB1,M,Q");
 *   address start/count only for a single S7ANY item: start = byte offset
 *   (bit address >> 3; the number itself for counters/timers), count = the
 *   item length in units of its transport size.
 * - Classes: Read Var read, Write Var write, Request Download / Download Block
 *   / Download Ended program_download, Start Upload / Upload / End Upload
 *   program_upload, PLC Stop control, PI services: P_PROGRAM (start) and
 *   _GARB control, _INSE (activate), _DELE (delete block) and _MODU (copy RAM
 *   to ROM) program_download - they all change the program the PLC runs.
 *   Userdata: Read SZL of the identification lists (0x..11, 0x..1C) identity,
 *   other SZL, block functions and diagnostics diagnostic, PLC password
 *   authentication, set clock configuration, cyclic data read. Setup
 *   Communication is other.
 * - Userdata pushes become ops (mode transition "STOP" is worth a line) except
 *   cyclic data (group 2) pushes and S7comm-plus notifications, which only
 *   count: they are subscription data, not operations.
 * - A Read SZL answer split into several userdata fragments is parsed record
 *   by record as the fragments come (no reassembly buffer); each follow-up
 *   request is an op of its own, as it is on the wire.
 * - Identity: SZL 0x0011 index 1 order number -> model and product_code,
 *   index 7 firmware "V x.y.z" -> revision; SZL 0x001C index 1 station name ->
 *   name, 2 module name and 3 plant id -> detail, 5 serial -> serial, 7 module
 *   type name ("CPU 315-2 PN/DP") -> product (not model: the model stays the
 *   order number whichever list comes last). S7comm-plus CreateObject
 *   responses carry "1;6ES7 214-1HE30-0XB0 ;V2.2": model/product_code and
 *   revision. Vendor Siemens, role controller, about = the response direction.
 * - S7comm-plus classes: Set(Multi)Variable(s)/SetVarSubStreamed write,
 *   Get* read, Explore diagnostic, CreateObject/DeleteObject and the session
 *   functions other. Integrity-protected (V3) PDUs are parsed past the digest;
 *   TLS records and unknown versions are counted, never rejected.
 */
#include "s7comm.h"

#include "pending.h"
#include "reader.h"
#include "tok.h"

#include <string.h>

_Static_assert(sizeof(s7_session) <= OTW_SESSION_MAX_BYTES,
               "s7_session must fit a dissector session slot");

#define S7_PROTO_ID 0x32
#define S7P_PROTO_ID 0x72

#define ROSCTR_JOB 1
#define ROSCTR_ACK 2
#define ROSCTR_ACK_DATA 3
#define ROSCTR_USERDATA 7

#define UD_TYPE_PUSH 0
#define UD_TYPE_REQUEST 4
#define UD_TYPE_RESPONSE 8

#define UD_GROUP_MODE 0
#define UD_GROUP_PROG 1
#define UD_GROUP_CYCLIC 2
#define UD_GROUP_BLOCK 3
#define UD_GROUP_CPU 4
#define UD_GROUP_SECURITY 5
#define UD_GROUP_PBC 6
#define UD_GROUP_TIME 7
#define UD_GROUP_NC 15

#define S7_RC_SUCCESS 0xff
#define S7_RC_NO_DATA 0x0a /* "object does not exist": also the empty answer */
#define S7_SYNTAX_S7ANY 0x10

#define S7P_OP_REQUEST 0x31
#define S7P_OP_RESPONSE 0x32
#define S7P_OP_NOTIFICATION 0x33
#define S7P_DIGEST_LEN 32

#define S7P_FN_EXPLORE 0x04bb
#define S7P_FN_CREATEOBJECT 0x04ca

/* ------------------------------------------------------------ strings */

static size_t s_len(const char *s, size_t cap)
{
    size_t n = 0;
    while (n < cap && s[n] != '\0')
        n++;
    return n;
}

/* Appends src, truncating; dst stays NUL-terminated. */
static void s_cat(char *dst, size_t cap, const char *src)
{
    size_t n = s_len(dst, cap);
    while (n + 1 < cap && *src != '\0')
        dst[n++] = *src++;
    if (n < cap)
        dst[n] = '\0';
}

static void s_cat_u(char *dst, size_t cap, uint32_t v)
{
    char digits[10]; /* least significant first */
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    size_t len = s_len(dst, cap);
    while (n > 0 && len + 1 < cap)
        dst[len++] = digits[--n];
    if (len < cap)
        dst[len] = '\0';
}

static void s_cat_hex16(char *dst, size_t cap, uint16_t v)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[7] = {'0',         'x', hex[v >> 12], hex[(v >> 8) & 15], hex[(v >> 4) & 15],
                   hex[v & 15], '\0'};
    s_cat(dst, cap, tmp);
}

/* Copies a padded wire string and drops trailing blanks. */
static void copy_trimmed(char *dst, size_t cap, const uint8_t *src, size_t n)
{
    otw_copy_wire_string(dst, cap, src, n);
    size_t len = s_len(dst, cap);
    while (len > 0 && dst[len - 1] == ' ')
        dst[--len] = '\0';
}

/* -------------------------------------------------------------- names */

const char *s7_job_function_name(uint8_t function)
{
    switch (function) {
    case 0x00:
        return "CPU Services";
    case 0x04:
        return "Read Var";
    case 0x05:
        return "Write Var";
    case 0x1a:
        return "Request Download";
    case 0x1b:
        return "Download Block";
    case 0x1c:
        return "Download Ended";
    case 0x1d:
        return "Start Upload";
    case 0x1e:
        return "Upload";
    case 0x1f:
        return "End Upload";
    case 0x28:
        return "PI Service";
    case 0x29:
        return "PLC Stop";
    case 0xf0:
        return "Setup Communication";
    default:
        return "Unknown";
    }
}

static otw_op_class job_class(uint8_t function)
{
    switch (function) {
    case 0x04:
        return OTW_CLASS_READ;
    case 0x05:
        return OTW_CLASS_WRITE;
    case 0x1a:
    case 0x1b:
    case 0x1c:
        return OTW_CLASS_PROGRAM_DOWNLOAD;
    case 0x1d:
    case 0x1e:
    case 0x1f:
        return OTW_CLASS_PROGRAM_UPLOAD;
    case 0x28: /* refined by the service name */
    case 0x29:
        return OTW_CLASS_CONTROL;
    default:
        return OTW_CLASS_OTHER;
    }
}

static const char *mode_name(uint8_t mode)
{
    switch (mode) {
    case 0:
        return "Mode transition: STOP";
    case 1:
        return "Mode transition: warm restart";
    case 2:
        return "Mode transition: RUN";
    case 3:
        return "Mode transition: hot restart";
    case 4:
        return "Mode transition: HOLD";
    case 6:
        return "Mode transition: cold restart";
    case 9:
        return "Mode transition: RUN_R";
    case 11:
        return "Mode transition: LINK-UP";
    case 12:
        return "Mode transition: UPDATE";
    default:
        return "Mode transition";
    }
}

/* Userdata functions keyed by group and sub-function (UD_KEY); a group's
 * own name stands for a sub-function the table does not list. */
#define UD_KEY(group, sub) ((uint32_t)(group) << 8 | (uint32_t)(sub))
static const otw_tok s7_userdata_functions[] = {
    {UD_KEY(UD_GROUP_PROG, 0x01), "Request diag data (type 1)"},
    {UD_KEY(UD_GROUP_PROG, 0x02), "VarTab"},
    {UD_KEY(UD_GROUP_PROG, 0x0c), "Erase"},
    {UD_KEY(UD_GROUP_PROG, 0x0e), "Read diag data"},
    {UD_KEY(UD_GROUP_PROG, 0x0f), "Remove diag data"},
    {UD_KEY(UD_GROUP_PROG, 0x10), "Forces"},
    {UD_KEY(UD_GROUP_PROG, 0x13), "Request diag data (type 2)"},
    {UD_KEY(UD_GROUP_CYCLIC, 0x01), "Cyclic data (memory)"},
    {UD_KEY(UD_GROUP_CYCLIC, 0x04), "Cyclic data unsubscribe"},
    {UD_KEY(UD_GROUP_CYCLIC, 0x05), "Cyclic data (memory, change driven)"},
    {UD_KEY(UD_GROUP_BLOCK, 0x01), "List blocks"},
    {UD_KEY(UD_GROUP_BLOCK, 0x02), "List blocks of type"},
    {UD_KEY(UD_GROUP_BLOCK, 0x03), "Get block info"},
    {UD_KEY(UD_GROUP_CPU, 0x01), "Read SZL"},
    {UD_KEY(UD_GROUP_CPU, 0x02), "Message service"},
    {UD_KEY(UD_GROUP_CPU, 0x03), "Diagnostic message"},
    {UD_KEY(UD_GROUP_CPU, 0x05), "ALARM_8 indication"},
    {UD_KEY(UD_GROUP_CPU, 0x06), "NOTIFY indication"},
    {UD_KEY(UD_GROUP_CPU, 0x07), "ALARM_8 lock"},
    {UD_KEY(UD_GROUP_CPU, 0x08), "ALARM_8 unlock"},
    {UD_KEY(UD_GROUP_CPU, 0x09), "SCAN indication"},
    {UD_KEY(UD_GROUP_CPU, 0x0b), "ALARM ack"},
    {UD_KEY(UD_GROUP_CPU, 0x0c), "ALARM ack indication"},
    {UD_KEY(UD_GROUP_CPU, 0x0d), "ALARM lock indication"},
    {UD_KEY(UD_GROUP_CPU, 0x0e), "ALARM unlock indication"},
    {UD_KEY(UD_GROUP_CPU, 0x11), "ALARM_SQ indication"},
    {UD_KEY(UD_GROUP_CPU, 0x12), "ALARM_S indication"},
    {UD_KEY(UD_GROUP_CPU, 0x13), "ALARM query"},
    {UD_KEY(UD_GROUP_CPU, 0x16), "NOTIFY_8 indication"},
    {UD_KEY(UD_GROUP_SECURITY, 0x01), "PLC password"},
    {UD_KEY(UD_GROUP_SECURITY, 0x02), "Clear password"},
    {UD_KEY(UD_GROUP_TIME, 0x01), "Read clock"},
    {UD_KEY(UD_GROUP_TIME, 0x02), "Set clock"},
    {UD_KEY(UD_GROUP_TIME, 0x03), "Read clock (following)"},
    {UD_KEY(UD_GROUP_TIME, 0x04), "Set clock (2)"},
};

/* clang-format off */
static const otw_tok s7_userdata_groups[] = {
    {UD_GROUP_PROG, "Programmer command"},
    {UD_GROUP_CYCLIC, "Cyclic data"},
    {UD_GROUP_BLOCK, "Block function"},
    {UD_GROUP_CPU, "CPU function"},
    {UD_GROUP_SECURITY, "Security function"},
    {UD_GROUP_PBC, "PBC BSEND/BRECV"},
    {UD_GROUP_TIME, "Time function"},
    {UD_GROUP_NC, "NC programming"},
};
/* clang-format on */

const char *s7_userdata_function_name(uint8_t group, uint8_t sub)
{
    if (group == UD_GROUP_MODE)
        return mode_name(sub);
    const char *group_name = OTW_TOK_NAME(s7_userdata_groups, group, "Unknown");
    return OTW_TOK_NAME(s7_userdata_functions, UD_KEY(group, sub), group_name);
}

/* SZL partial lists whose records identify the module. */
static bool szl_is_identity(uint16_t szl_id)
{
    return (szl_id & 0xff) == 0x11 || (szl_id & 0xff) == 0x1c;
}

static otw_op_class userdata_class(uint8_t group, uint8_t sub, uint16_t szl_id)
{
    switch (group) {
    case UD_GROUP_MODE:
        return OTW_CLASS_DIAGNOSTIC;
    case UD_GROUP_PROG:
        return sub == 0x10 ? OTW_CLASS_WRITE : OTW_CLASS_DIAGNOSTIC; /* forces write */
    case UD_GROUP_CYCLIC:
        return OTW_CLASS_READ;
    case UD_GROUP_BLOCK:
        return OTW_CLASS_DIAGNOSTIC;
    case UD_GROUP_CPU:
        if (sub == 0x01 && szl_is_identity(szl_id))
            return OTW_CLASS_IDENTITY;
        return OTW_CLASS_DIAGNOSTIC;
    case UD_GROUP_SECURITY:
        return OTW_CLASS_AUTHENTICATION;
    case UD_GROUP_TIME:
        return (sub == 0x02 || sub == 0x04) ? OTW_CLASS_CONFIGURATION : OTW_CLASS_DIAGNOSTIC;
    default:
        return OTW_CLASS_OTHER;
    }
}

static const otw_tok s7_plus_functions[] = {
    {0x04b1, "S7comm-plus Error"},
    {0x04bb, "S7comm-plus Explore"},
    {0x04ca, "S7comm-plus CreateObject"},
    {0x04d4, "S7comm-plus DeleteObject"},
    {0x04f2, "S7comm-plus SetVariable"},
    {0x04fc, "S7comm-plus GetVariable"},
    {0x0506, "S7comm-plus AddLink"},
    {0x051a, "S7comm-plus RemoveLink"},
    {0x0524, "S7comm-plus GetLink"},
    {0x0542, "S7comm-plus SetMultiVariables"},
    {0x054c, "S7comm-plus GetMultiVariables"},
    {0x0556, "S7comm-plus BeginSequence"},
    {0x0560, "S7comm-plus EndSequence"},
    {0x056b, "S7comm-plus Invoke"},
    {0x057c, "S7comm-plus SetVarSubStreamed"},
    {0x0586, "S7comm-plus GetVarSubStreamed"},
    {0x0590, "S7comm-plus GetVariablesAddress"},
    {0x059a, "S7comm-plus Abort"},
};

const char *s7_plus_function_name(uint16_t function)
{
    return OTW_TOK_NAME(s7_plus_functions, function, "S7comm-plus Unknown");
}

static otw_op_class plus_class(uint16_t function)
{
    switch (function) {
    case 0x04f2:
    case 0x0542:
    case 0x057c:
        return OTW_CLASS_WRITE;
    case 0x04fc:
    case 0x0524:
    case 0x054c:
    case 0x0586:
    case 0x0590:
        return OTW_CLASS_READ;
    case 0x04bb:
        return OTW_CLASS_DIAGNOSTIC;
    default:
        return OTW_CLASS_OTHER;
    }
}

/* clang-format off */
static const otw_tok s7_areas[] = {
    {0x03, "SYSINFO"},  /* S7-200 system info */
    {0x05, "SYSFLAGS"}, /* S7-200 system flags */
    {0x06, "AI"},       /* S7-200 analog inputs */
    {0x07, "AQ"},       /* S7-200 analog outputs */
    {0x1c, "C"},
    {0x1d, "T"},
    {0x1e, "IEC_C"},
    {0x1f, "IEC_T"},
    {0x80, "P"},        /* direct peripheral access */
    {0x81, "I"},
    {0x82, "Q"},
    {0x83, "M"},
    {0x84, "DB"},
    {0x85, "DI"},
    {0x86, "L"},
    {0x87, "V"},        /* previous local data */
};
/* clang-format on */

const char *s7_area_name(uint8_t area)
{
    return OTW_TOK_NAME(s7_areas, area, NULL);
}

/* Block type in a file name or block function ("0A" = DB). */
static const char *block_type_name(uint8_t a, uint8_t b)
{
    if (a != '0')
        return NULL;
    switch (b) {
    case '8':
        return "OB";
    case 'A':
        return "DB";
    case 'B':
        return "SDB";
    case 'C':
        return "FC";
    case 'D':
        return "SFC";
    case 'E':
        return "FB";
    case 'F':
        return "SFB";
    default:
        return NULL;
    }
}

/* "0A" + "00001" -> "DB1" appended to dst; false if not a block name. */
static bool block_object(char *dst, size_t cap, const uint8_t *type2, const uint8_t *num5)
{
    const char *t = block_type_name(type2[0], type2[1]);
    uint32_t n = 0;
    if (t == NULL)
        return false;
    for (int i = 0; i < 5; i++) {
        if (num5[i] < '0' || num5[i] > '9')
            return false;
        n = n * 10 + (uint32_t)(num5[i] - '0');
    }
    if (dst[0] != '\0')
        s_cat(dst, cap, ",");
    s_cat(dst, cap, t);
    s_cat_u(dst, cap, n);
    return true;
}

/* Adds one name to a comma-separated list unless already there; "..."
 * closes a list that no longer fits. */
static void object_add(char *dst, size_t cap, const char *name)
{
    size_t n = s_len(dst, cap), k = strlen(name);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && dst[j] != ',')
            j++;
        if (j - i == k && memcmp(dst + i, name, k) == 0)
            return;
        if (j - i == 3 && memcmp(dst + i, "...", 3) == 0)
            return;
        i = j + 1;
    }
    if (n + (n ? 1 : 0) + k + 4 >= cap) { /* keep room for ",..." */
        s_cat(dst, cap, n ? ",..." : "...");
        return;
    }
    if (n)
        s_cat(dst, cap, ",");
    s_cat(dst, cap, name);
}

/* ----------------------------------------------------------- session */

void s7_session_init(void *session)
{
    if (session != NULL)
        explicit_bzero(session, sizeof(s7_session));
}

static void malformed(s7_session *s, const otw_sink *sink)
{
    s->n_malformed++;
    if (sink != NULL && sink->anomaly != NULL)
        sink->anomaly(sink->ctx, "s7comm_malformed");
}

static void wipe_password(s7_session *s)
{
    explicit_bzero(s->pw, sizeof(s->pw));
    s->pw_len = 0;
    s->pw_held = false;
}

/* A PLC password request is a login (issue 6): handed to the sink's
 * credential callback once its answer (or its absence) is known, with the
 * password held since the request when it was seen, then wiped. */
static void password_login(s7_session *s, const otw_sink *sink, const s7_pending *p,
                           otw_outcome outcome)
{
    if (p->kind != S7_KIND_USERDATA || p->function != S7_UD_FUNCTION(UD_GROUP_SECURITY, 0x01))
        return;
    bool mine = s->pw_held && s->pw_ref == p->ref;
    if (sink != NULL && sink->credential != NULL) {
        otw_credential c;
        memset(&c, 0, sizeof(c));
        c.protocol = OTW_PROTO_S7COMM;
        c.about = OTW_DIR_TO_SERVER;
        c.method = "PLC password";
        c.has_secret = mine;
        c.secret = mine ? s->pw : NULL;
        c.secret_len = mine ? s->pw_len : 0;
        c.outcome = outcome == OTW_OUTCOME_OK          ? OTW_LOGIN_SUCCESS
                    : outcome == OTW_OUTCOME_EXCEPTION ? OTW_LOGIN_FAILURE
                                                       : OTW_LOGIN_UNKNOWN;
        c.ts_us = p->ts_us;
        sink->credential(sink->ctx, &c);
    }
    if (mine)
        wipe_password(s);
}

static void emit_op(s7_session *s, const otw_sink *sink, const s7_pending *p, bool request_seen,
                    uint64_t response_ts, otw_outcome outcome, uint16_t code)
{
    password_login(s, sink, p, outcome);
    if (sink == NULL || sink->op == NULL)
        return;
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_S7COMM;
    op.ts_us = p->ts_us;
    op.response_ts_us = response_ts;
    op.has_unit = s->has_slot;
    op.unit = s->has_slot ? s->slot : 0;
    memcpy(op.object, p->object, sizeof(p->object));
    op.object[sizeof(p->object) - 1] = '\0';
    op.transaction = p->ref;
    op.function = p->function;
    op.function_name = p->function_name ? p->function_name : "Unknown";
    op.op_class = (otw_op_class)p->op_class;
    op.has_address = p->has_address;
    op.address_start = p->has_address ? p->address_start : 0;
    op.address_count = p->has_address ? p->address_count : 0;
    op.outcome = outcome;
    op.exception_code = outcome == OTW_OUTCOME_EXCEPTION ? code : 0;
    op.request_seen = request_seen;
    sink->op(sink->ctx, &op);
}

static int find_pending(const s7_session *s, uint8_t kind, uint8_t dir, uint16_t ref)
{
    for (uint32_t i = 0; i < s->n_pending && i < S7_MAX_PENDING; i++)
        if (s->pending[i].kind == kind && s->pending[i].dir == dir && s->pending[i].ref == ref)
            return (int)i;
    return -1;
}

/* ctx is the session: the op's unit and a held password live there. */
static void unanswered(void *ctx, const void *p, const otw_sink *sink)
{
    emit_op(ctx, sink, p, true, 0, OTW_OUTCOME_NO_RESPONSE, 0);
}

static void add_pending(s7_session *s, const s7_pending *p, const otw_sink *sink)
{
    s->n_requests++;
    if (s->n_pending > S7_MAX_PENDING)
        s->n_pending = S7_MAX_PENDING;
    int dup = find_pending(s, p->kind, p->dir, p->ref);
    if (OTW_PENDING_PUSH(s->pending, &s->n_pending, dup, p, unanswered, s, sink))
        s->n_pending_evicted++;
}

/* Takes the pending request answered by a PDU travelling in dir, if any. */
static bool take_pending(s7_session *s, uint8_t kind, otw_dir dir, uint16_t ref, s7_pending *out)
{
    uint8_t req_dir = dir == OTW_DIR_TO_SERVER ? OTW_DIR_TO_CLIENT : OTW_DIR_TO_SERVER;
    int idx = find_pending(s, kind, req_dir, ref);
    s->n_responses++;
    if (idx < 0) {
        s->n_unmatched_responses++;
        return false;
    }
    OTW_PENDING_TAKE(s->pending, &s->n_pending, (uint32_t)idx, out);
    return true;
}

/* ----------------------------------------------------- S7comm: job */

/* Read/Write Var items (parameter part after the item count). */
static bool parse_var_items(otw_reader *r, uint8_t count, s7_pending *p)
{
    bool single_any = false;

    if (count == 0)
        return false;
    for (unsigned i = 0; i < count; i++) {
        uint8_t spec = rd_u8(r);
        uint8_t ilen = rd_u8(r);
        otw_reader it = rd_sub(r, ilen);
        uint8_t syntax = rd_u8(&it);
        if (r->truncated || it.truncated || spec != 0x12)
            return false;
        char name[16] = "";
        if (syntax == S7_SYNTAX_S7ANY) {
            uint8_t tsize = rd_u8(&it);
            uint16_t length = rd_be16(&it);
            uint16_t db = rd_be16(&it);
            uint8_t area = rd_u8(&it);
            uint32_t addr = (uint32_t)rd_u8(&it) << 16;
            addr |= rd_be16(&it);
            if (it.truncated)
                return false;
            const char *an = s7_area_name(area);
            if (area == 0x84 || area == 0x85) {
                s_cat(name, sizeof(name), an);
                s_cat_u(name, sizeof(name), db);
            } else if (an != NULL) {
                s_cat(name, sizeof(name), an);
            } else {
                s_cat(name, sizeof(name), "area ");
                s_cat_hex16(name, sizeof(name), area);
            }
            if (i == 0) {
                bool numbered = (area >= 0x1c && area <= 0x1f) || tsize == 0x1c || tsize == 0x1d;
                p->address_start = numbered ? addr : addr >> 3;
                p->address_count = length;
                single_any = count == 1;
            }
        } else if (syntax == 0xb0) { /* DBREAD: first sub-area's DB */
            (void)rd_u8(&it);        /* number of areas */
            (void)rd_u8(&it);        /* length of the first */
            uint16_t db = rd_be16(&it);
            if (it.truncated)
                return false;
            s_cat(name, sizeof(name), "DB");
            s_cat_u(name, sizeof(name), db);
        } else if (syntax == 0x82) {
            s_cat(name, sizeof(name), "NCK");
        } else if (syntax == 0xa2) {
            s_cat(name, sizeof(name), "DRIVE");
        } else if (syntax == 0xb2) {
            s_cat(name, sizeof(name), "SYM");
        } else {
            s_cat(name, sizeof(name), "syntax ");
            s_cat_hex16(name, sizeof(name), syntax);
        }
        object_add(p->object, sizeof(p->object), name);
    }
    p->has_address = single_any;
    if (!single_any)
        p->address_start = p->address_count = 0;
    return true;
}

/* Block transfer parameter: status, 2 unknown, 4-byte id, then an optional
 * file name "_" + type(2) + number(5) + file system(1). */
static bool parse_block_param(otw_reader *r, bool with_name, s7_pending *p)
{
    rd_skip(r, 7);
    if (!with_name)
        return !r->truncated;
    uint8_t n = rd_u8(r);
    const uint8_t *fn = rd_bytes(r, n);
    if (fn == NULL || r->truncated)
        return false;
    if (n >= 9 && fn[0] == '_')
        (void)block_object(p->object, sizeof(p->object), fn + 1, fn + 3);
    return true;
}

static bool name_is(const uint8_t *s, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

/* PI service: 7 unknown bytes, parameter block, service name. */
static bool parse_pi_service(otw_reader *r, s7_pending *p)
{
    rd_skip(r, 7);
    uint16_t pblen = rd_be16(r);
    const uint8_t *pb = rd_bytes(r, pblen);
    uint8_t slen = rd_u8(r);
    const uint8_t *sv = rd_bytes(r, slen);
    if (r->truncated || (pblen > 0 && pb == NULL) || (slen > 0 && sv == NULL))
        return false;

    p->op_class = OTW_CLASS_CONTROL;
    p->function_name = "PI Service";
    if (sv == NULL)
        return true;
    bool blocks = false;
    if (name_is(sv, slen, "P_PROGRAM")) {
        p->function_name = "PI Service P_PROGRAM (start)";
    } else if (name_is(sv, slen, "_INSE")) {
        p->function_name = "PI Service _INSE (activate block)";
        p->op_class = OTW_CLASS_PROGRAM_DOWNLOAD;
        blocks = true;
    } else if (name_is(sv, slen, "_DELE")) {
        p->function_name = "PI Service _DELE (delete block)";
        p->op_class = OTW_CLASS_PROGRAM_DOWNLOAD;
        blocks = true;
    } else if (name_is(sv, slen, "_MODU")) {
        p->function_name = "PI Service _MODU (copy RAM to ROM)";
        p->op_class = OTW_CLASS_PROGRAM_DOWNLOAD;
    } else if (name_is(sv, slen, "_GARB")) {
        p->function_name = "PI Service _GARB (compress memory)";
    } else if (slen >= 3 && sv[0] == '_' && sv[1] == 'N' && sv[2] == '_') {
        p->function_name = "PI Service (NC)";
        p->op_class = OTW_CLASS_OTHER;
    }
    /* Block list: count, unknown byte, then type(2) number(5) fs(1) each. */
    if (blocks && pb != NULL && pblen >= 2) {
        unsigned nb = pb[0];
        for (unsigned i = 0; i < nb && 2u + 8u * (i + 1) <= pblen; i++)
            (void)block_object(p->object, sizeof(p->object), pb + 2 + 8 * i, pb + 4 + 8 * i);
    }
    return true;
}

static bool parse_job_request(otw_reader *param, uint8_t function, s7_pending *p)
{
    switch (function) {
    case 0x04:
    case 0x05: {
        uint8_t count = rd_u8(param);
        if (param->truncated)
            return false;
        return parse_var_items(param, count, p);
    }
    case 0x1a:
    case 0x1b:
    case 0x1c:
    case 0x1d:
        return parse_block_param(param, true, p);
    case 0x1e:
    case 0x1f:
        return parse_block_param(param, false, p);
    case 0x28:
        return parse_pi_service(param, p);
    case 0x29: {
        rd_skip(param, 5);
        uint8_t n = rd_u8(param);
        rd_skip(param, n);
        return !param->truncated;
    }
    case 0xf0:
        rd_skip(param, 7); /* reserved, max AmQ calling/called, PDU length */
        return !param->truncated;
    default:
        return true; /* CPU services and unknown functions: opaque */
    }
}

/* Read Var answer items: first failing return code in *code. */
static bool parse_read_response(otw_reader *data, uint8_t count, uint16_t *code)
{
    for (unsigned i = 0; i < count; i++) {
        uint8_t rc = rd_u8(data);
        uint8_t tsize = rd_u8(data);
        uint16_t len = rd_be16(data);
        /* BIT, BYTE/WORD/DWORD and INTEGER give the length in bits. */
        size_t nbytes = (tsize == 0x03 || tsize == 0x04 || tsize == 0x05) ? (len + 7u) / 8u : len;
        rd_skip(data, nbytes);
        if (i + 1 < count && (nbytes & 1))
            rd_skip(data, 1); /* fill byte between items */
        if (data->truncated)
            return false;
        if (rc != S7_RC_SUCCESS && *code == 0)
            *code = rc == 0 ? 0x100 : rc; /* 0 is not success either */
    }
    return true;
}

static otw_outcome job_response_outcome(uint8_t rosctr, uint8_t errcls, uint8_t errcod,
                                        otw_reader *param, otw_reader *data, const s7_pending *req,
                                        uint16_t *code)
{
    *code = 0;
    if (errcls != 0 || errcod != 0) {
        *code = (uint16_t)(errcls << 8 | errcod);
        return OTW_OUTCOME_EXCEPTION;
    }
    if (rd_left(param) == 0)
        return rosctr == ROSCTR_ACK || req == NULL ? OTW_OUTCOME_OK : OTW_OUTCOME_ERROR;
    uint8_t function = rd_u8(param);
    if (req != NULL && function != req->function)
        return OTW_OUTCOME_ERROR;
    if (function == 0x04 || function == 0x05) {
        uint8_t count = rd_u8(param);
        if (param->truncated)
            return OTW_OUTCOME_ERROR;
        if (function == 0x04) {
            if (!parse_read_response(data, count, code))
                return OTW_OUTCOME_ERROR;
        } else {
            for (unsigned i = 0; i < count; i++) {
                uint8_t rc = rd_u8(data);
                if (data->truncated)
                    return OTW_OUTCOME_ERROR;
                if (rc != S7_RC_SUCCESS && *code == 0)
                    *code = rc == 0 ? 0x100 : rc;
            }
        }
        if (*code != 0)
            return OTW_OUTCOME_EXCEPTION;
    }
    return OTW_OUTCOME_OK;
}

/* -------------------------------------------------- SZL identity */

typedef struct szl_out {
    otw_identity id;
    bool any;
} szl_out;

static void szl_record(s7_szl_state *st, const uint8_t *rec, size_t rec_len, szl_out *o)
{
    uint16_t szl_id = st->szl_id;
    uint16_t index = (uint16_t)(rec[0] << 8 | rec[1]);
    otw_identity *id = &o->id;

    if ((szl_id & 0xff) == 0x11 && rec_len >= 28) {
        /* index, order number (20), module type (2), version (2 + 2) */
        if (index == 0x0001) {
            copy_trimmed(id->product_code, sizeof(id->product_code), rec + 2, 20);
            copy_trimmed(id->model, sizeof(id->model), rec + 2, 20);
            o->any = o->any || id->model[0] != '\0';
        } else if (index == 0x0007 && rec[24] == 'V') {
            id->revision[0] = '\0';
            s_cat(id->revision, sizeof(id->revision), "V");
            s_cat_u(id->revision, sizeof(id->revision), rec[25]);
            s_cat(id->revision, sizeof(id->revision), ".");
            s_cat_u(id->revision, sizeof(id->revision), rec[26]);
            s_cat(id->revision, sizeof(id->revision), ".");
            s_cat_u(id->revision, sizeof(id->revision), rec[27]);
            o->any = true;
        }
    } else if ((szl_id & 0xff) == 0x1c && rec_len >= 34) {
        /* index, 32-byte text (indexes 1, 2, 3, 5, 7) */
        char text[33];
        copy_trimmed(text, sizeof(text), rec + 2, 32);
        if (text[0] == '\0')
            return;
        switch (index) {
        case 1:
            s_cat(id->name, sizeof(id->name), text);
            break;
        case 2:
            memcpy(st->module, text, sizeof(st->module));
            break;
        case 3:
            memcpy(st->plant, text, sizeof(st->plant));
            break;
        case 5:
            s_cat(id->serial, sizeof(id->serial), text);
            break;
        case 7:
            s_cat(id->product, sizeof(id->product), text);
            break;
        default:
            return;
        }
        o->any = true;
    }
}

/* Feeds SZL record bytes (after the list header) into the record cutter. */
static void szl_feed(s7_szl_state *st, const uint8_t *p, size_t n, szl_out *o)
{
    size_t rl = st->rec_len;
    if (rl < 2 || rl > S7_SZL_CARRY)
        return;
    if (st->carry_len > 0) {
        size_t take = rl - st->carry_len;
        if (take > n)
            take = n;
        memcpy(st->carry + st->carry_len, p, take);
        st->carry_len = (uint8_t)(st->carry_len + take);
        p += take;
        n -= take;
        if (st->carry_len < rl)
            return;
        szl_record(st, st->carry, rl, o);
        st->carry_len = 0;
    }
    while (n >= rl) {
        szl_record(st, p, rl, o);
        p += rl;
        n -= rl;
    }
    if (n > 0) {
        memcpy(st->carry, p, n);
        st->carry_len = (uint8_t)n;
    }
}

static void emit_identity(const otw_sink *sink, otw_dir dir, otw_identity *id, const char *source)
{
    if (sink == NULL || sink->identity == NULL)
        return;
    id->protocol = OTW_PROTO_S7COMM;
    id->about = dir;
    id->source = source;
    id->role_hint = OTW_HINT_CONTROLLER;
    s_cat(id->vendor, sizeof(id->vendor), "Siemens");
    s_cat(id->device_type, sizeof(id->device_type), "PLC");
    sink->identity(sink->ctx, id);
}

/* Read SZL answer data (after return code, transport size, length). */
static void szl_answer(s7_session *s, otw_dir dir, const s7_pending *req, uint8_t dur, bool more,
                       otw_reader *d, const otw_sink *sink)
{
    s7_szl_state *st = &s->szl;
    bool followup = req != NULL ? req->szl_followup : (st->active && st->dur == dur);
    szl_out o;
    memset(&o, 0, sizeof(o));

    if (followup) {
        if (!st->active || st->dur != dur)
            return;
    } else {
        uint16_t szl_id = rd_be16(d);
        (void)rd_be16(d); /* index */
        uint16_t rec_len = rd_be16(d);
        (void)rd_be16(d); /* record count */
        memset(st, 0, sizeof(*st));
        if (d->truncated || !szl_is_identity(szl_id))
            return;
        st->szl_id = szl_id;
        st->rec_len = rec_len;
        st->dur = dur;
    }
    size_t n = rd_left(d);
    const uint8_t *p = rd_bytes(d, n);
    if (p != NULL)
        szl_feed(st, p, n, &o);
    /* "module name X; plant id Y" from what the answer said so far */
    if (o.any && st->module[0] != '\0') {
        s_cat(o.id.detail, sizeof(o.id.detail), "module name ");
        s_cat(o.id.detail, sizeof(o.id.detail), st->module);
    }
    if (o.any && st->plant[0] != '\0') {
        if (o.id.detail[0] != '\0')
            s_cat(o.id.detail, sizeof(o.id.detail), "; ");
        s_cat(o.id.detail, sizeof(o.id.detail), "plant id ");
        s_cat(o.id.detail, sizeof(o.id.detail), st->plant);
    }
    st->active = more;
    if (!more)
        st->carry_len = 0;
    if (o.any)
        emit_identity(sink, dir, &o.id,
                      (st->szl_id & 0xff) == 0x11 ? "s7comm szl 0x0011" : "s7comm szl 0x001c");
}

/* ------------------------------------------------------ S7comm PDU */

/* Userdata answers that must carry data: without it they failed. Others
 * (password, set clock...) answer with return code 0x0a and no data. */
static bool ud_answer_has_data(uint8_t group, uint8_t sub)
{
    return (group == UD_GROUP_CPU && sub == 0x01) || group == UD_GROUP_BLOCK ||
           (group == UD_GROUP_TIME && (sub == 0x01 || sub == 0x03));
}

static otw_parse_status handle_userdata(s7_session *s, otw_dir dir, uint16_t ref, otw_reader *param,
                                        otw_reader *data, uint64_t ts_us, const otw_sink *sink)
{
    rd_skip(param, 3); /* parameter head (0x000112; other values for mode transitions) */
    uint8_t plen = rd_u8(param);
    (void)rd_u8(param); /* method */
    uint8_t tg = rd_u8(param);
    uint8_t sub = rd_u8(param);
    (void)rd_u8(param); /* sequence number */
    uint8_t dur = 0, last = 0;
    uint16_t perr = 0;
    /* Mode transition pushes announce 16 bytes but carry 8. */
    if (plen >= 8 && rd_left(param) >= 4) {
        dur = rd_u8(param);
        last = rd_u8(param);
        perr = rd_be16(param);
    }
    if (param->truncated) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    uint8_t type = tg >> 4, group = tg & 0x0f;
    uint16_t function = S7_UD_FUNCTION(group, sub);

    /* Data part: return code, transport size, length, data. */
    bool has_data = rd_left(data) >= 4;
    uint8_t rc = 0;
    otw_reader d = rd_init(NULL, 0);
    if (has_data) {
        rc = rd_u8(data);
        (void)rd_u8(data);
        uint16_t dl = rd_be16(data);
        d = rd_sub(data, dl < rd_left(data) ? dl : rd_left(data));
    }

    if (type == UD_TYPE_REQUEST || type == UD_TYPE_PUSH) {
        s7_pending p;
        memset(&p, 0, sizeof(p));
        p.ts_us = ts_us;
        p.ref = ref;
        p.function = function;
        p.kind = S7_KIND_USERDATA;
        p.dir = (uint8_t)dir;
        p.function_name = s7_userdata_function_name(group, sub);
        if (group == UD_GROUP_CPU && sub == 0x01) {
            uint16_t szl_id = rd_be16(&d);
            uint16_t index = rd_be16(&d);
            if (plen >= 8 || d.truncated) {
                p.szl_followup = true; /* asks for the next fragment */
                if (s->szl.active) {
                    p.szl_id = s->szl.szl_id;
                    s_cat(p.object, sizeof(p.object), "SZL ");
                    s_cat_hex16(p.object, sizeof(p.object), p.szl_id);
                    s_cat(p.object, sizeof(p.object), " next fragment");
                }
            } else {
                p.szl_id = szl_id;
                s_cat(p.object, sizeof(p.object), "SZL ");
                s_cat_hex16(p.object, sizeof(p.object), szl_id);
                s_cat(p.object, sizeof(p.object), " index ");
                s_cat_hex16(p.object, sizeof(p.object), index);
            }
        } else if (group == UD_GROUP_SECURITY && sub == 0x01 && rd_left(&d) > 0) {
            /* PLC password: 8 bytes, each XORed with 0x55 and, from the
             * third on, with the scrambled byte two places before; padded
             * with spaces (as the public S7comm dissector descriptions
             * give it). Held until the answer, then wiped. */
            const uint8_t *e = d.base + d.off;
            size_t n = rd_left(&d) < sizeof(s->pw) ? rd_left(&d) : sizeof(s->pw);
            wipe_password(s);
            for (size_t i = 0; i < n; i++)
                s->pw[i] = (uint8_t)(e[i] ^ 0x55u ^ (i >= 2 ? e[i - 2] : 0u));
            while (n > 0 && s->pw[n - 1] == ' ')
                n--;
            s->pw_len = (uint8_t)n;
            s->pw_held = true;
            s->pw_ref = ref;
        } else if (group == UD_GROUP_BLOCK && (sub == 0x02 || sub == 0x03) && rd_left(&d) >= 2) {
            const uint8_t *b = d.base + d.off;
            if (sub == 0x03 && rd_left(&d) >= 7) {
                (void)block_object(p.object, sizeof(p.object), b, b + 2);
            } else {
                const char *t = block_type_name(b[0], b[1]);
                if (t != NULL)
                    s_cat(p.object, sizeof(p.object), t);
            }
        }
        p.op_class = (uint8_t)userdata_class(group, sub, p.szl_id);
        if (type == UD_TYPE_PUSH) {
            if (group == UD_GROUP_CYCLIC) {
                s->n_notifications++;
                return OTW_PARSE_OK;
            }
            emit_op(s, sink, &p, true, 0, OTW_OUTCOME_OK, 0);
            return OTW_PARSE_OK;
        }
        add_pending(s, &p, sink);
        return OTW_PARSE_OK;
    }
    if (type != UD_TYPE_RESPONSE) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }

    s7_pending req;
    bool seen = take_pending(s, S7_KIND_USERDATA, dir, ref, &req);
    if (!seen) {
        memset(&req, 0, sizeof(req));
        req.ts_us = ts_us;
        req.ref = ref;
        req.function = function;
        req.kind = S7_KIND_USERDATA;
        req.function_name = s7_userdata_function_name(group, sub);
        req.op_class = (uint8_t)userdata_class(group, sub, 0);
    }
    otw_outcome outcome = OTW_OUTCOME_OK;
    uint16_t code = 0;
    if (seen && req.function != function) {
        outcome = OTW_OUTCOME_ERROR;
    } else if (perr != 0) {
        outcome = OTW_OUTCOME_EXCEPTION;
        code = perr;
    } else if (has_data && rc != S7_RC_SUCCESS &&
               !(rc == S7_RC_NO_DATA && rd_left(&d) == 0 && !ud_answer_has_data(group, sub))) {
        outcome = OTW_OUTCOME_EXCEPTION;
        code = rc == 0 ? 0x100 : rc;
    }
    emit_op(s, sink, &req, seen, ts_us, outcome, code);
    if (outcome == OTW_OUTCOME_ERROR) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    if (outcome == OTW_OUTCOME_OK && group == UD_GROUP_CPU && sub == 0x01 && has_data)
        szl_answer(s, dir, seen ? &req : NULL, dur, last != 0, &d, sink);
    return OTW_PARSE_OK;
}

static otw_parse_status parse_s7(s7_session *s, otw_dir dir, const uint8_t *pdu, size_t len,
                                 uint64_t ts_us, const otw_sink *sink)
{
    otw_reader r = rd_init(pdu, len);
    (void)rd_u8(&r); /* 0x32 */
    uint8_t rosctr = rd_u8(&r);
    rd_skip(&r, 2); /* redundancy identification */
    uint16_t ref = rd_be16(&r);
    uint16_t plen = rd_be16(&r);
    uint16_t dlen = rd_be16(&r);
    uint8_t errcls = 0, errcod = 0;
    if (rosctr == ROSCTR_ACK || rosctr == ROSCTR_ACK_DATA) {
        errcls = rd_u8(&r);
        errcod = rd_u8(&r);
    }
    otw_reader param = rd_sub(&r, plen);
    otw_reader data = rd_sub(&r, dlen);
    if (r.truncated || (rosctr != ROSCTR_JOB && rosctr != ROSCTR_ACK && rosctr != ROSCTR_ACK_DATA &&
                        rosctr != ROSCTR_USERDATA)) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }

    if (rosctr == ROSCTR_USERDATA)
        return handle_userdata(s, dir, ref, &param, &data, ts_us, sink);

    if (rosctr == ROSCTR_JOB) {
        s7_pending p;
        memset(&p, 0, sizeof(p));
        uint8_t function = rd_u8(&param);
        p.ts_us = ts_us;
        p.ref = ref;
        p.function = function;
        p.kind = S7_KIND_JOB;
        p.dir = (uint8_t)dir;
        p.function_name = s7_job_function_name(function);
        p.op_class = (uint8_t)job_class(function);
        bool ok = !param.truncated && parse_job_request(&param, function, &p);
        if (!ok) {
            p.has_address = false;
            p.address_start = p.address_count = 0;
        }
        add_pending(s, &p, sink);
        if (!ok) {
            malformed(s, sink);
            return OTW_PARSE_MALFORMED;
        }
        return OTW_PARSE_OK;
    }

    s7_pending req;
    bool seen = take_pending(s, S7_KIND_JOB, dir, ref, &req);
    if (!seen) {
        uint8_t function = rd_left(&param) > 0 ? param.base[param.off] : 0;
        memset(&req, 0, sizeof(req));
        req.ts_us = ts_us;
        req.ref = ref;
        req.function = function;
        req.kind = S7_KIND_JOB;
        req.function_name = s7_job_function_name(function);
        req.op_class = (uint8_t)job_class(function);
    }
    uint16_t code = 0;
    otw_outcome outcome =
        job_response_outcome(rosctr, errcls, errcod, &param, &data, seen ? &req : NULL, &code);
    emit_op(s, sink, &req, seen, ts_us, outcome, code);
    if (outcome == OTW_OUTCOME_ERROR) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    return OTW_PARSE_OK;
}

/* ------------------------------------------------------ S7comm-plus */

/* CreateObject answers name the server: a WSTRING (type 0x15, length < 128)
 * "<n>;<order number> ;V<version>". */
static void plus_identity(otw_dir dir, const uint8_t *p, size_t n, const otw_sink *sink)
{
    for (size_t i = 0; i + 2 < n; i++) {
        if (p[i] != 0x15 || p[i + 1] >= 0x80 || p[i + 1] < 5 || i + 2 + p[i + 1] > n)
            continue;
        const uint8_t *sv = p + i + 2;
        size_t sl = p[i + 1], k = 0;
        while (k < sl && sv[k] >= '0' && sv[k] <= '9')
            k++;
        if (k == 0 || k >= sl || sv[k] != ';')
            continue;
        size_t m0 = k + 1, m1 = m0;
        while (m1 < sl && sv[m1] != ';')
            m1++;
        if (m1 >= sl - 1 || m1 == m0 || sv[m1 + 1] != 'V')
            continue;
        otw_identity id;
        memset(&id, 0, sizeof(id));
        copy_trimmed(id.model, sizeof(id.model), sv + m0, m1 - m0);
        copy_trimmed(id.product_code, sizeof(id.product_code), sv + m0, m1 - m0);
        copy_trimmed(id.revision, sizeof(id.revision), sv + m1 + 1, sl - m1 - 1);
        if (id.model[0] == '\0')
            continue;
        emit_identity(sink, dir, &id, "s7comm-plus createobject");
        return;
    }
}

static otw_parse_status parse_plus(s7_session *s, otw_dir dir, const uint8_t *pdu, size_t len,
                                   uint64_t ts_us, const otw_sink *sink)
{
    otw_reader r = rd_init(pdu, len);
    (void)rd_u8(&r); /* 0x72 */
    uint8_t version = rd_u8(&r);
    uint16_t dlen = rd_be16(&r);
    otw_reader body = rd_sub(&r, dlen);
    if (r.truncated) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    /* The last fragment of a PDU ends with the 4-byte trailer. */
    bool cont = s->plus_cont[dir & 1];
    s->plus_cont[dir & 1] = rd_left(&r) < 4;
    if (cont || (version != 1 && version != 2 && version != 3)) {
        s->n_opaque++; /* continuation data, system events, unknown versions */
        return OTW_PARSE_OK;
    }
    if (version == 3) {
        uint8_t dl = rd_u8(&body); /* integrity part */
        if (dl == S7P_DIGEST_LEN)
            rd_skip(&body, dl);
    }
    uint8_t opcode = rd_u8(&body);
    rd_skip(&body, 2);
    uint16_t function = rd_be16(&body);
    rd_skip(&body, 2);
    uint16_t seq = rd_be16(&body);
    if (body.truncated) {
        if (dlen == 0)
            return OTW_PARSE_OK; /* keep-alive style empty PDU */
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }

    if (opcode == S7P_OP_REQUEST) {
        s7_pending p;
        memset(&p, 0, sizeof(p));
        p.ts_us = ts_us;
        p.ref = seq;
        p.function = function;
        p.kind = S7_KIND_PLUS;
        p.dir = (uint8_t)dir;
        p.function_name = s7_plus_function_name(function);
        p.op_class = (uint8_t)plus_class(function);
        add_pending(s, &p, sink);
        return OTW_PARSE_OK;
    }
    if (opcode == S7P_OP_RESPONSE) {
        s7_pending req;
        bool seen = take_pending(s, S7_KIND_PLUS, dir, seq, &req);
        if (!seen) {
            memset(&req, 0, sizeof(req));
            req.ts_us = ts_us;
            req.ref = seq;
            req.function = function;
            req.kind = S7_KIND_PLUS;
            req.function_name = s7_plus_function_name(function);
            req.op_class = (uint8_t)plus_class(function);
        }
        bool ok = !seen || req.function == function;
        emit_op(s, sink, &req, seen, ts_us, ok ? OTW_OUTCOME_OK : OTW_OUTCOME_ERROR, 0);
        if (!ok) {
            malformed(s, sink);
            return OTW_PARSE_MALFORMED;
        }
        if (function == S7P_FN_CREATEOBJECT) {
            size_t n = rd_left(&body);
            const uint8_t *b = rd_bytes(&body, n);
            if (b != NULL)
                plus_identity(dir, b, n, sink);
        }
        return OTW_PARSE_OK;
    }
    if (opcode == S7P_OP_NOTIFICATION)
        s->n_notifications++;
    else
        s->n_opaque++;
    return OTW_PARSE_OK;
}

/* ------------------------------------------------------ TPKT / COTP */

long s7_frame_len(const uint8_t *buf, size_t len)
{
    if (buf == NULL || len < S7_TPKT_LEN)
        return OTW_FRAME_NEED_MORE;
    uint16_t tl = (uint16_t)(buf[2] << 8 | buf[3]);
    if (buf[0] != 3 || buf[1] != 0 || tl < 7)
        return OTW_FRAME_NOT_MINE;
    return tl;
}

/* CR/CC: dst ref, src ref, class, then parameters (code, length, value). */
static bool parse_cotp_connect(s7_session *s, otw_reader *c)
{
    rd_skip(c, 5);
    while (rd_left(c) >= 2) {
        uint8_t code = rd_u8(c);
        uint8_t n = rd_u8(c);
        const uint8_t *v = rd_bytes(c, n);
        if (v == NULL)
            return false;
        /* Called TSAP of an S7 connection: connection type, rack << 5 | slot. */
        if (code == 0xc2 && n == 2 && v[0] >= 1 && v[0] <= 0x10) {
            s->has_slot = true;
            s->rack = v[1] >> 5;
            s->slot = v[1] & 0x1f;
        }
    }
    return !c->truncated && rd_left(c) == 0;
}

otw_parse_status s7_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                          uint64_t ts_us, const otw_sink *sink)
{
    s7_session *s = session;
    long flen = s7_frame_len(pdu, len);

    if (s == NULL || flen <= 0)
        return OTW_PARSE_NOT_MINE;
    if ((size_t)flen != len) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    otw_reader r = rd_init(pdu, len);
    rd_skip(&r, S7_TPKT_LEN);
    uint8_t li = rd_u8(&r);
    otw_reader c = rd_sub(&r, li);
    uint8_t code = rd_u8(&c);
    if (r.truncated || li == 0) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    switch (code >> 4) {
    case 0xe: /* CR */
    case 0xd: /* CC */
        if (!parse_cotp_connect(s, &c)) {
            malformed(s, sink);
            return OTW_PARSE_MALFORMED;
        }
        return OTW_PARSE_OK;
    case 0x8: /* DR */
    case 0xc: /* DC */
    case 0x7: /* ER */
    case 0x6: /* AK */
    case 0x5: /* RJ */
    case 0x1: /* ED */
    case 0x2: /* EA */
        return OTW_PARSE_OK;
    case 0xf:
        break;
    default:
        return OTW_PARSE_NOT_MINE;
    }

    /* DT: TPDU number with the EOT bit, then the user data. */
    uint8_t nr = rd_u8(&c);
    size_t n = rd_left(&r);
    const uint8_t *p = r.base + r.off;
    if (c.truncated) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    if (n == 0)
        return OTW_PARSE_OK; /* empty DT, sent by TIA Portal between PDUs */
    if (p[0] == S7_PROTO_ID || p[0] == S7P_PROTO_ID) {
        if (!(nr & 0x80)) {
            s->n_opaque++; /* a COTP-segmented PDU: not reassembled */
            if (sink != NULL && sink->anomaly != NULL)
                sink->anomaly(sink->ctx, "s7comm_cotp_segmented");
            return OTW_PARSE_OK;
        }
        return p[0] == S7_PROTO_ID ? parse_s7(s, dir, p, n, ts_us, sink)
                                   : parse_plus(s, dir, p, n, ts_us, sink);
    }
    if (n >= 3 && p[0] >= 0x14 && p[0] <= 0x17 && p[1] == 0x03) {
        s->n_opaque++; /* TLS record: S7comm-plus with TLS (TIA Portal V17+) */
        return OTW_PARSE_OK;
    }
    return OTW_PARSE_NOT_MINE; /* e.g. MMS / ISO session on port 102 */
}

void s7_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    s7_session *s = session;

    if (s == NULL)
        return;
    OTW_PENDING_EXPIRE(s->pending, &s->n_pending, ts_us, timeout_us, unanswered, s, sink);
    /* a password whose request is no longer pending has no answer to wait for */
    if (s->pw_held &&
        (timeout_us == 0 || find_pending(s, S7_KIND_USERDATA, OTW_DIR_TO_SERVER, s->pw_ref) < 0))
        wipe_password(s);
}

/* Dynamic detection: whole TPKTs (RFC 1006) holding COTP (RFC 905): a
 * connection request or confirm with both TSAP parameters (0xC1, 0xC2: RDP
 * also opens with a COTP CR but carries none), or data whose payload is
 * S7comm (0x32, ROSCTR 1/2/3/7) or S7comm-plus (0x72, version 1..3). */
static int s7_probe(const uint8_t *buf, size_t len, otw_dir dir, bool opening)
{
    (void)dir;
    (void)opening;
    long tl = s7_frame_len(buf, len);
    if (tl <= 0 || (size_t)tl != len || len < 7)
        return OTW_PROBE_NO;
    uint8_t li = buf[4], type = buf[5];
    if ((size_t)li + 5 > len)
        return OTW_PROBE_NO;
    if ((type == 0xE0 || type == 0xD0) && li >= 6 && (size_t)li + 5 == len) {
        bool calling = false, called = false;
        for (size_t i = 11; i + 2 <= len;) {
            uint8_t code = buf[i], n = buf[i + 1];
            if (i + 2 + n > len)
                return OTW_PROBE_NO;
            calling |= code == 0xC1;
            called |= code == 0xC2;
            i += 2u + n;
        }
        return calling && called ? OTW_PROBE_STRONG : OTW_PROBE_NO;
    }
    if (type == 0xF0 && li == 2 && len >= 8) {
        const uint8_t *p = buf + 7;
        size_t n = len - 7;
        if (p[0] == 0x32 && n >= 10 && (p[1] == 1 || p[1] == 2 || p[1] == 3 || p[1] == 7))
            return OTW_PROBE_STRONG;
        if (p[0] == 0x72 && n >= 4 && p[1] >= 1 && p[1] <= 3)
            return OTW_PROBE_STRONG;
    }
    return OTW_PROBE_NO;
}

const otw_dissector s7_dissector = {
    .proto = OTW_PROTO_S7COMM,
    .name = "s7comm",
    .tcp_ports = {102},
    .udp_ports = {0},
    .industrial = true,
    .session_size = sizeof(s7_session),
    .session_init = s7_session_init,
    .frame_len = s7_frame_len,
    .parse = s7_parse,
    .expire = s7_expire,
    .probe = s7_probe,
};
