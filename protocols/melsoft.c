/* melsoft.c - MELSOFT engineering protocol dissector (GX Works <-> MELSEC).
 *
 * There is no public specification. What this file relies on, and from where:
 *
 * CONFIRMED by the Nozomi Networks research (Black Hat MEA 2023, public
 * Wireshark plug-in) AND by the capture iti_melsoft_UDP_clean_2.pcap:
 * - Command frames: 21-byte "Ethernet header" starting with 0x57 (request)
 *   or 0xD7 (response), a little-endian size at offset 0x13 counting every
 *   byte after the header (every frame of the capture satisfies it).
 * - A "command header" whose byte 2 is its remaining size (request 0x16 ->
 *   24 bytes, response 0x18 -> 26 bytes); a response carries a status at
 *   header offset 4 (0 = success).
 * - "Command data": command code (2 bytes, big-endian), packet reference
 *   (2 bytes LE, counts 1, 2, 3... in the capture), 2 more bytes, payload.
 * - Command codes named by Nozomi: 0121 Open Initial, 0131 Username Login,
 *   0132 Password Login, 0133/0134 Read User Information, 0150 Safety Run
 *   Mode Read, 0410 (named "Modify Value"), 1001/1002/1003 Remote
 *   Run/Stop/Pause, 1006 Remote Reset, 1120 Safety Run Mode Change, 1133
 *   User Information Registration, 1859 File List Read, 1868 File Read,
 *   1869 File Write. Username Login: the user name as UTF-16LE (40 bytes)
 *   at the start of the payload; status != 0 = wrong user name.
 *
 * SEEN IN THE CAPTURE, INFERRED here (names and meaning are ours):
 * - The second magic byte is 0x01 in the capture (0x00 in Nozomi's TCP
 *   captures of safety CPUs); both are accepted.
 * - The status is read little-endian: the one failure in the capture is
 *   bytes 80 40 = 0x4080, a MELSEC CPU error code (4xxxH range); Nozomi
 *   reads it big-endian.
 * - 0121 response: CPU model name (16 bytes, NUL padded, "FX5U-32MT/ES")
 *   then a 2-byte LE model code (0x4A29), the same code SLMP's Read Type
 *   Name gives for that CPU -> identity.
 * - 0410: every request ends with a 16-bit point count and is answered with
 *   exactly 2 bytes a point, so it is treated as a word read (address at
 *   payload offset 12, memory type byte at offset 10). Nozomi's name
 *   "Modify Value" may be the same code used for writes on other CPUs.
 * - 1867 File Open (request: mode byte at payload offset 5, UTF-16 path
 *   at offset 14 with its byte length at 12; response: a handle that 1868,
 *   1869 and 186A then carry), 186A File Close, 185F File Information Read
 *   (path at offset 8, response is a directory entry), 1734 Directory Read
 *   (response lists file names), 187E (path at offset 8, meaning unknown).
 *   1868/1869 payload: handle (2), file offset (4 LE), length (2 LE).
 * - Discovery (UDP 5560): request 5A 00 00 TT, reply DA 00 00 TT + data.
 *   For TT = FF the reply starts with the CPU model code (2 bytes LE,
 *   0x4A29 again) -> identity (no model name there).
 * - 01A0, 0B16, 0B2A, 1730, 1731: meaning unknown ("MELSOFT command
 *   0xNNNN", class other).
 * Nozomi's "Ethernet footer" (parameters after the command data, on safety
 * CPUs) is not parsed: the payload is whatever follows the command data.
 *
 * Classes: remote run/stop/pause/reset and safety mode change -> control;
 * file read -> program_upload, file write -> program_download (the files of
 * a CPU are its programs and parameters); logins -> authentication (every
 * attempt is an op, outcome ok or exception with the status, the user name
 * as op.object); user registration -> account; reads -> read; 0121
 * and discovery -> identity.
 *
 * Matching: responses repeat the command code and packet reference; a
 * response pairs with the pending request with both equal, discovery
 * replies by type. op.transaction = packet reference. With GX Works3's
 * broadcast "direct connection" every request is sent from a new UDP port
 * to 255.255.255.255 and answered to the broadcast address: two 5-tuples,
 * which the sensor's flow table pairs into one flow (the answer from the
 * request's server port to its client port, sensor/packet/flow.c), so the
 * session sees request and response as with unicast.
 */
#include "melsoft.h"

#include "pending.h"
#include "reader.h"
#include "tok.h"

#include <string.h>

_Static_assert(sizeof(melsoft_session) <= OTW_SESSION_MAX_BYTES,
               "melsoft_session must fit a dissector session slot");

#define MELSOFT_REQ 0x57
#define MELSOFT_RSP 0xD7
#define MELSOFT_DISC_REQ 0x5A
#define MELSOFT_DISC_RSP 0xDA
#define MELSOFT_SIZE_OFF 0x13
#define MELSOFT_CMD_DATA_HDR 6 /* command, packet reference, 2 bytes */
#define MELSOFT_DISCOVERY 0x5A00
#define MELSOFT_USERNAME_LEN 40 /* UTF-16LE, 20 characters */
#define MELSOFT_MODEL_LEN 16

/* Names from the Nozomi research unless marked: "inferred" from what the
 * public capture shows around them; "MELSOFT command 0x...." seen, meaning
 * unknown. */
static const otw_tok melsoft_commands[] = {
    {0x0121, "Open Initial"},
    {0x0131, "Username Login"},
    {0x0132, "Password Login"},
    {0x0133, "Read User Information A"},
    {0x0134, "Read User Information B"},
    {0x0150, "Safety Run Mode Read"},
    {0x01A0, "MELSOFT command 0x01A0"},
    {0x0410, "Read Memory"}, /* Nozomi: "Modify Value"; a word read in the capture */
    {0x0B16, "MELSOFT command 0x0B16"},
    {0x0B2A, "MELSOFT command 0x0B2A"},
    {0x1001, "Remote Run"},
    {0x1002, "Remote Stop"},
    {0x1003, "Remote Pause"},
    {0x1006, "Remote Reset"},
    {0x1120, "Safety Run Mode Change"},
    {0x1133, "User Information Registration"},
    {0x1730, "MELSOFT command 0x1730"},
    {0x1731, "MELSOFT command 0x1731"},
    {0x1734, "Directory Read"}, /* inferred */
    {0x1859, "File List Read"},
    {0x185F, "File Information Read"}, /* inferred */
    {0x1867, "File Open"},             /* inferred */
    {0x1868, "File Read"},
    {0x1869, "File Write"},
    {0x186A, "File Close"}, /* inferred */
    {0x187E, "MELSOFT command 0x187E"},
};

const char *melsoft_command_name(uint16_t command)
{
    const char *name = OTW_TOK_NAME(melsoft_commands, command, NULL);
    if (name)
        return name;
    if ((command & 0xFF00) == MELSOFT_DISCOVERY)
        return "Discovery";
    return "MELSOFT command";
}

otw_op_class melsoft_command_class(uint16_t command)
{
    switch (command) {
    case 0x0121:
        return OTW_CLASS_IDENTITY;
    case 0x0131:
    case 0x0132:
        return OTW_CLASS_AUTHENTICATION;
    case 0x1133:
        return OTW_CLASS_ACCOUNT;
    case 0x0133:
    case 0x0134:
    case 0x0150:
    case 0x0410:
    case 0x1859:
    case 0x185F:
    case 0x1734:
        return OTW_CLASS_READ;
    case 0x1001:
    case 0x1002:
    case 0x1003:
    case 0x1006:
    case 0x1120:
        return OTW_CLASS_CONTROL;
    case 0x1868:
        return OTW_CLASS_PROGRAM_UPLOAD;
    case 0x1869:
        return OTW_CLASS_PROGRAM_DOWNLOAD;
    default:
        return (command & 0xFF00) == MELSOFT_DISCOVERY ? OTW_CLASS_IDENTITY : OTW_CLASS_OTHER;
    }
}

/* ------------------------------------------------------------ helpers */

static void set_str(char *dst, size_t dstsz, const char *s)
{
    size_t n = strlen(s);
    if (n >= dstsz)
        n = dstsz - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static void put_hex(char *dst, size_t dstsz, const char *prefix, uint32_t v, unsigned digits)
{
    static const char hex[] = "0123456789ABCDEF";
    char buf[32];
    size_t n = 0;
    for (; prefix[n] != '\0' && n + digits + 1 < sizeof(buf); n++)
        buf[n] = prefix[n];
    for (unsigned i = digits; i > 0; i--)
        buf[n++] = hex[(v >> (4 * (i - 1))) & 0xF];
    buf[n] = '\0';
    set_str(dst, dstsz, buf);
}

/* UTF-16LE text (NUL terminated or not) to a wire string: characters above
 * U+007F become '?' (paths and user names are ASCII in practice). */
static void utf16_string(char *dst, size_t dstsz, const uint8_t *src, size_t srclen)
{
    uint8_t tmp[64];
    size_t n = 0;
    for (size_t i = 0; i + 1 < srclen && n < sizeof(tmp); i += 2) {
        uint16_t c = (uint16_t)(src[i] | (src[i + 1] << 8));
        if (c == 0)
            break;
        tmp[n++] = c < 0x80 ? (uint8_t)c : '?';
    }
    otw_copy_wire_string(dst, dstsz, tmp, n);
}

/* A path: byte length (2 LE) at payload offset off, then UTF-16LE text. */
static void path_at(melsoft_pending *p, const uint8_t *pl, size_t n, size_t off)
{
    otw_reader r = rd_init(pl, n);
    rd_skip(&r, off);
    uint16_t blen = rd_le16(&r);
    const uint8_t *s = rd_bytes(&r, blen);
    if (s != NULL)
        utf16_string(p->object, sizeof(p->object), s, blen);
}

/* What the request payload says about the target (object, range). */
static void request_details(melsoft_pending *p, const uint8_t *pl, size_t n)
{
    otw_reader r = rd_init(pl, n);

    switch (p->function) {
    case 0x0131:
        if (n >= 2)
            utf16_string(p->object, sizeof(p->object), pl,
                         n < MELSOFT_USERNAME_LEN ? n : MELSOFT_USERNAME_LEN);
        break;
    case 0x0410: {
        rd_skip(&r, 10);
        uint8_t type = rd_u8(&r);
        rd_skip(&r, 1);
        uint32_t addr = rd_le32(&r);
        rd_skip(&r, 4);
        uint16_t count = rd_le16(&r);
        if (!r.truncated && rd_left(&r) == 0) {
            put_hex(p->object, sizeof(p->object), "type 0x", type, 2);
            p->has_address = true;
            p->address_start = addr;
            p->address_count = count;
        }
        break;
    }
    case 0x1867:
    case 0x1734:
        path_at(p, pl, n, 12);
        break;
    case 0x185F:
    case 0x187E:
        path_at(p, pl, n, 6);
        break;
    case 0x1868:
    case 0x1869: {
        uint16_t handle = rd_le16(&r);
        uint32_t off = rd_le32(&r);
        uint16_t len = rd_le16(&r);
        if (!r.truncated) {
            put_hex(p->object, sizeof(p->object), "handle 0x", handle, 4);
            p->has_address = true;
            p->address_start = off;
            p->address_count = len;
        }
        break;
    }
    case 0x186A: {
        uint16_t handle = rd_le16(&r);
        if (!r.truncated)
            put_hex(p->object, sizeof(p->object), "handle 0x", handle, 4);
        break;
    }
    default:
        break;
    }
}

/* ----------------------------------------------------------- emission */

/* Username Login and Password Login are login attempts (issue 6): a
 * credential without a secret (the user name is in the clear, the
 * password login carries a hash), judged by the response status. They
 * feed brute-force detection: wrong user names are answered with a
 * non-zero status. */
static void login_credential(const otw_sink *sink, const melsoft_pending *p, otw_outcome outcome)
{
    if ((p->function != 0x0131 && p->function != 0x0132) || sink == NULL ||
        sink->credential == NULL)
        return;
    otw_credential c;
    memset(&c, 0, sizeof(c));
    c.protocol = OTW_PROTO_MELSOFT;
    c.about = OTW_DIR_TO_SERVER;
    c.method = p->function == 0x0131 ? "Username Login" : "Password Login";
    if (p->function == 0x0131)
        set_str(c.user, sizeof(c.user), p->object);
    c.outcome = outcome == OTW_OUTCOME_OK          ? OTW_LOGIN_SUCCESS
                : outcome == OTW_OUTCOME_EXCEPTION ? OTW_LOGIN_FAILURE
                                                   : OTW_LOGIN_UNKNOWN;
    c.ts_us = p->ts_us;
    sink->credential(sink->ctx, &c);
}

static void emit_op(const otw_sink *sink, const melsoft_pending *p, bool request_seen,
                    uint64_t response_ts, otw_outcome outcome, uint16_t code)
{
    login_credential(sink, p, outcome);
    if (sink == NULL || sink->op == NULL)
        return;
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_MELSOFT;
    op.ts_us = p->ts_us;
    op.response_ts_us = response_ts;
    set_str(op.object, sizeof(op.object), p->object);
    op.transaction = p->ref;
    op.function = p->function;
    op.function_name = melsoft_command_name(p->function);
    op.op_class = melsoft_command_class(p->function);
    op.has_address = p->has_address;
    op.address_start = p->has_address ? p->address_start : 0;
    op.address_count = p->has_address ? p->address_count : 0;
    op.outcome = outcome;
    op.exception_code = outcome == OTW_OUTCOME_EXCEPTION ? code : 0;
    op.request_seen = request_seen;
    sink->op(sink->ctx, &op);
}

static void malformed(melsoft_session *s, const otw_sink *sink)
{
    s->n_malformed++;
    if (sink != NULL && sink->anomaly != NULL)
        sink->anomaly(sink->ctx, "melsoft_malformed");
}

static void unanswered(void *ctx, const void *p, const otw_sink *sink)
{
    (void)ctx;
    emit_op(sink, p, true, 0, OTW_OUTCOME_NO_RESPONSE, 0);
}

static int find_pending(const melsoft_session *s, uint16_t function, uint16_t ref)
{
    for (uint32_t i = 0; i < s->n_pending; i++)
        if (s->pending[i].function == function && s->pending[i].ref == ref)
            return (int)i;
    return -1;
}

static void add_pending(melsoft_session *s, const melsoft_pending *p, const otw_sink *sink)
{
    int dup = find_pending(s, p->function, p->ref);
    if (OTW_PENDING_PUSH(s->pending, &s->n_pending, dup, p, unanswered, NULL, sink))
        s->n_pending_evicted++;
}

/* Pairs a response with its request (or stands alone) and emits the op. */
static void answer(melsoft_session *s, const melsoft_pending *rsp, otw_outcome outcome,
                   uint16_t code, const otw_sink *sink)
{
    int idx = find_pending(s, rsp->function, rsp->ref);
    s->n_responses++;
    if (idx < 0) {
        s->n_unmatched_responses++;
        emit_op(sink, rsp, false, rsp->ts_us, outcome, code);
        return;
    }
    melsoft_pending req;
    OTW_PENDING_TAKE(s->pending, &s->n_pending, (uint32_t)idx, &req);
    emit_op(sink, &req, true, rsp->ts_us, outcome, code);
}

static void identity(const otw_sink *sink, otw_dir dir, const char *source, const uint8_t *model,
                     size_t model_len, uint16_t code)
{
    if (sink == NULL || sink->identity == NULL)
        return;
    otw_identity id;
    memset(&id, 0, sizeof(id));
    id.protocol = OTW_PROTO_MELSOFT;
    id.about = dir;
    id.source = source;
    id.role_hint = OTW_HINT_CONTROLLER;
    set_str(id.vendor, sizeof(id.vendor), "Mitsubishi Electric");
    set_str(id.device_type, sizeof(id.device_type), "PLC");
    if (model != NULL) {
        size_t n = model_len;
        while (n > 0 && (model[n - 1] == ' ' || model[n - 1] == '\0'))
            n--;
        otw_copy_wire_string(id.model, sizeof(id.model), model, n);
    }
    put_hex(id.product_code, sizeof(id.product_code), "0x", code, 4);
    sink->identity(sink->ctx, &id);
}

/* ------------------------------------------------------------ framing */

static bool command_magic(const uint8_t *buf, size_t len)
{
    if (len < 1 || (buf[0] != MELSOFT_REQ && buf[0] != MELSOFT_RSP))
        return false;
    return len < 2 || buf[1] <= 0x01;
}

long melsoft_frame_len(const uint8_t *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return OTW_FRAME_NEED_MORE;
    if (!command_magic(buf, len))
        return OTW_FRAME_NOT_MINE;
    if (len < MELSOFT_HDR_LEN)
        return OTW_FRAME_NEED_MORE;
    size_t body = (size_t)(buf[MELSOFT_SIZE_OFF] | (buf[MELSOFT_SIZE_OFF + 1] << 8));
    /* command header (>= 6 bytes) + command data header (6) at least */
    if (body < 12 || body > MELSOFT_MAX_BODY)
        return OTW_FRAME_NOT_MINE;
    return (long)(MELSOFT_HDR_LEN + body);
}

/* ------------------------------------------------------------- parsing */

static otw_parse_status parse_discovery(melsoft_session *s, otw_dir dir, const uint8_t *pdu,
                                        size_t len, uint64_t ts_us, const otw_sink *sink)
{
    if (len < 4 || pdu[1] != 0x00 || pdu[2] != 0x00)
        return OTW_PARSE_NOT_MINE;
    melsoft_pending p;
    memset(&p, 0, sizeof(p));
    p.ts_us = ts_us;
    p.function = (uint16_t)(MELSOFT_DISCOVERY | pdu[3]);
    if (pdu[0] == MELSOFT_DISC_REQ) {
        s->n_requests++;
        add_pending(s, &p, sink);
        if (len != 4) {
            malformed(s, sink);
            return OTW_PARSE_MALFORMED;
        }
        return OTW_PARSE_OK;
    }
    answer(s, &p, OTW_OUTCOME_OK, 0, sink);
    if (pdu[3] == 0xFF && len >= 6)
        identity(sink, dir, "melsoft discovery", NULL, 0, (uint16_t)(pdu[4] | (pdu[5] << 8)));
    return OTW_PARSE_OK;
}

otw_parse_status melsoft_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                               uint64_t ts_us, const otw_sink *sink)
{
    melsoft_session *s = session;
    if (s == NULL || pdu == NULL || len < 4)
        return OTW_PARSE_NOT_MINE;
    if (s->n_pending > MELSOFT_MAX_PENDING)
        s->n_pending = MELSOFT_MAX_PENDING; /* never trust a corrupted slot */
    if (pdu[0] == MELSOFT_DISC_REQ || pdu[0] == MELSOFT_DISC_RSP)
        return parse_discovery(s, dir, pdu, len, ts_us, sink);

    long flen = melsoft_frame_len(pdu, len);
    if (flen <= 0 || len < MELSOFT_HDR_LEN)
        return OTW_PARSE_NOT_MINE;
    if ((size_t)flen != len) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    bool request = pdu[0] == MELSOFT_REQ;
    otw_reader r = rd_init(pdu + MELSOFT_HDR_LEN, len - MELSOFT_HDR_LEN);
    /* command header: type, ?, remaining size, ..., status (response) */
    otw_reader h = r;
    (void)rd_u8(&h);
    (void)rd_u8(&h);
    size_t chl = 2u + rd_u8(&h);
    (void)rd_u8(&h);
    uint16_t status = rd_le16(&h);
    rd_skip(&r, chl);
    uint16_t command = rd_be16(&r);
    uint16_t ref = rd_le16(&r);
    rd_skip(&r, 2);
    if (h.truncated || r.truncated || chl < 6) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    const uint8_t *pl = r.base + r.off;
    size_t pl_len = rd_left(&r);

    melsoft_pending p;
    memset(&p, 0, sizeof(p));
    p.ts_us = ts_us;
    p.function = command;
    p.ref = ref;
    if (request) {
        s->n_requests++;
        request_details(&p, pl, pl_len);
        add_pending(s, &p, sink);
        return OTW_PARSE_OK;
    }
    /* a response names its command: alone, it still gives function and class */
    answer(s, &p, status == 0 ? OTW_OUTCOME_OK : OTW_OUTCOME_EXCEPTION, status, sink);
    if (command == 0x0121 && status == 0 && pl_len >= MELSOFT_MODEL_LEN + 2)
        identity(sink, dir, "melsoft 0x0121", pl, MELSOFT_MODEL_LEN,
                 (uint16_t)(pl[MELSOFT_MODEL_LEN] | (pl[MELSOFT_MODEL_LEN + 1] << 8)));
    return OTW_PARSE_OK;
}

void melsoft_session_init(void *session)
{
    if (session != NULL)
        memset(session, 0, sizeof(melsoft_session));
}

void melsoft_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    melsoft_session *s = session;
    if (s != NULL)
        OTW_PENDING_EXPIRE(s->pending, &s->n_pending, ts_us, timeout_us, unanswered, NULL, sink);
}

/* Ports: TCP 5007 / UDP 5006 are the MELSOFT connection ports of MELSEC
 * Q/L/iQ-R built-in Ethernet (Nozomi's plug-in registers TCP 5007);
 * UDP 5560 is the iQ-F (FX5) search and direct connection port of the
 * capture, TCP 5562 its MELSOFT connection port. */
const otw_dissector melsoft_dissector = {
    .proto = OTW_PROTO_MELSOFT,
    .name = "melsoft",
    .tcp_ports = {5007, 5562},
    .udp_ports = {5006, 5560},
    .industrial = true,
    .session_size = sizeof(melsoft_session),
    .session_init = melsoft_session_init,
    .frame_len = melsoft_frame_len,
    .parse = melsoft_parse,
    .expire = melsoft_expire,
};
