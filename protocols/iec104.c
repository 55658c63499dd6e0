/* iec104.c - IEC 60870-5-104 dissector.
 *
 * Specs: IEC 60870-5-104:2006 clause 5 (APCI, I/S/U formats) and 9 (field
 * lengths), IEC 60870-5-101:2003 clause 7 (ASDU, type table, information
 * element sizes, causes of transmission), IEC 60870-5-7 (security types,
 * names only).
 *
 * APDU = 0x68, length (4..253), 4 control octets; I-format (bit 0 of the
 * first octet 0) carries one ASDU: type id, variable structure qualifier
 * (SQ bit 7, number 0..127), cause of transmission (T bit 7, P/N bit 6,
 * cause 0..63), originator address, common address (2, little endian),
 * then the information objects (IOA 3 octets little endian + elements; with
 * SQ=1 one IOA for the whole sequence).
 *
 * Modelling for the operations log:
 * - One op per command request: an ASDU of a control-direction type (45-69
 *   commands, 100-107 system commands, 110-113 parameters) with cause act
 *   (6) or deact (8), or a read command (102) with cause req (5). It is
 *   matched with the first confirmation from the other side with the same
 *   type, common address and IOA: actcon/deactcon, or unknown type/cause/
 *   CA/IOA (44-47). ActTerm closes the op only when no actcon was seen
 *   (otherwise it is just counted). A read (102) is answered by the
 *   monitoring ASDU with cause req for the same IOA.
 * - Outcome exception when the confirmation has P/N=1 or is a cause 44-47;
 *   exception_code = the cause (7 for a negative actcon, 47 unknown IOA...).
 * - op.function = type id, op.unit = common address, op.object = "IOA n",
 *   address_start = first IOA, address_count = number of objects.
 * - Classes: commands on points (45-64: single, double, regulating step,
 *   set points, bitstring) -> write (they set the value of a point);
 *   100 interrogation, 101 counter interrogation, 102 read -> read;
 *   103 clock synchronization -> configuration; 104 test, 106 delay
 *   acquisition, 107 test with time -> diagnostic; 105 reset process ->
 *   control; 110-113 parameter loading/activation -> configuration.
 * - Monitoring ASDUs (1-44 and 70: spontaneous, cyclic, interrogated data),
 *   file transfer (120-127) and security (41, 81-95) ASDUs are reports, not
 *   requests: they are counted in the session, not logged. S- and U-frames
 *   (STARTDT/STOPDT/TESTFR) are counted, not logged.
 * - Element sizes are checked against the length for every known type; an
 *   unknown type is accepted (anomaly "iec104_unknown_type").
 */
#include "iec104.h"

#include "pending.h"
#include "reader.h"

#include <string.h>

_Static_assert(sizeof(iec104_session) <= OTW_SESSION_MAX_BYTES,
               "iec104_session must fit a dissector session slot");

#define ASDU_HDR_LEN 6 /* type, VSQ, COT, originator, CA (2) */
#define IOA_LEN 3
#define VAR (-1) /* element size not fixed */

typedef struct type_info {
    const char *name;
    int8_t size; /* information element bytes after the IOA, VAR, 0 if undefined */
} type_info;

/* IEC 60870-5-101 table 8 / 7.3 (and 60870-5-7 for 41, 81-95). A NULL
 * name is an undefined type. */
static const type_info types[128] = {
    [1] = {"M_SP_NA_1 Single-point information", 1},
    [2] = {"M_SP_TA_1 Single-point information with time tag", 4},
    [3] = {"M_DP_NA_1 Double-point information", 1},
    [4] = {"M_DP_TA_1 Double-point information with time tag", 4},
    [5] = {"M_ST_NA_1 Step position information", 2},
    [6] = {"M_ST_TA_1 Step position information with time tag", 5},
    [7] = {"M_BO_NA_1 Bitstring of 32 bit", 5},
    [8] = {"M_BO_TA_1 Bitstring of 32 bit with time tag", 8},
    [9] = {"M_ME_NA_1 Measured value, normalized", 3},
    [10] = {"M_ME_TA_1 Measured value, normalized with time tag", 6},
    [11] = {"M_ME_NB_1 Measured value, scaled", 3},
    [12] = {"M_ME_TB_1 Measured value, scaled with time tag", 6},
    [13] = {"M_ME_NC_1 Measured value, short float", 5},
    [14] = {"M_ME_TC_1 Measured value, short float with time tag", 8},
    [15] = {"M_IT_NA_1 Integrated totals", 5},
    [16] = {"M_IT_TA_1 Integrated totals with time tag", 8},
    [17] = {"M_EP_TA_1 Event of protection equipment with time tag", 6},
    [18] = {"M_EP_TB_1 Packed start events of protection equipment", 7},
    [19] = {"M_EP_TC_1 Packed output circuit info of protection equipment", 7},
    [20] = {"M_PS_NA_1 Packed single-point with status change detection", 5},
    [21] = {"M_ME_ND_1 Measured value, normalized without quality", 2},
    [30] = {"M_SP_TB_1 Single-point information with CP56Time2a", 8},
    [31] = {"M_DP_TB_1 Double-point information with CP56Time2a", 8},
    [32] = {"M_ST_TB_1 Step position information with CP56Time2a", 9},
    [33] = {"M_BO_TB_1 Bitstring of 32 bit with CP56Time2a", 12},
    [34] = {"M_ME_TD_1 Measured value, normalized with CP56Time2a", 10},
    [35] = {"M_ME_TE_1 Measured value, scaled with CP56Time2a", 10},
    [36] = {"M_ME_TF_1 Measured value, short float with CP56Time2a", 12},
    [37] = {"M_IT_TB_1 Integrated totals with CP56Time2a", 12},
    [38] = {"M_EP_TD_1 Event of protection equipment with CP56Time2a", 10},
    [39] = {"M_EP_TE_1 Packed start events of protection with CP56Time2a", 11},
    [40] = {"M_EP_TF_1 Packed output circuit info with CP56Time2a", 11},
    [41] = {"S_IT_TC_1 Integrated totals with security statistics", VAR},
    [45] = {"C_SC_NA_1 Single command", 1},
    [46] = {"C_DC_NA_1 Double command", 1},
    [47] = {"C_RC_NA_1 Regulating step command", 1},
    [48] = {"C_SE_NA_1 Set point command, normalized", 3},
    [49] = {"C_SE_NB_1 Set point command, scaled", 3},
    [50] = {"C_SE_NC_1 Set point command, short float", 5},
    [51] = {"C_BO_NA_1 Bitstring of 32 bit command", 4},
    [58] = {"C_SC_TA_1 Single command with CP56Time2a", 8},
    [59] = {"C_DC_TA_1 Double command with CP56Time2a", 8},
    [60] = {"C_RC_TA_1 Regulating step command with CP56Time2a", 8},
    [61] = {"C_SE_TA_1 Set point command, normalized with CP56Time2a", 10},
    [62] = {"C_SE_TB_1 Set point command, scaled with CP56Time2a", 10},
    [63] = {"C_SE_TC_1 Set point command, short float with CP56Time2a", 12},
    [64] = {"C_BO_TA_1 Bitstring of 32 bit command with CP56Time2a", 11},
    [70] = {"M_EI_NA_1 End of initialization", 1},
    [81] = {"S_CH_NA_1 Authentication challenge", VAR},
    [82] = {"S_RP_NA_1 Authentication reply", VAR},
    [83] = {"S_AR_NA_1 Aggressive mode authentication request", VAR},
    [84] = {"S_KR_NA_1 Session key status request", VAR},
    [85] = {"S_KS_NA_1 Session key status", VAR},
    [86] = {"S_KC_NA_1 Session key change", VAR},
    [87] = {"S_ER_NA_1 Authentication error", VAR},
    [90] = {"S_US_NA_1 User status change", VAR},
    [91] = {"S_UQ_NA_1 Update key change request", VAR},
    [92] = {"S_UR_NA_1 Update key change reply", VAR},
    [93] = {"S_UK_NA_1 Update key change symmetric", VAR},
    [94] = {"S_UA_NA_1 Update key change asymmetric", VAR},
    [95] = {"S_UC_NA_1 Update key change confirmation", VAR},
    [100] = {"C_IC_NA_1 Interrogation command", 1},
    [101] = {"C_CI_NA_1 Counter interrogation command", 1},
    [102] = {"C_RD_NA_1 Read command", 0},
    [103] = {"C_CS_NA_1 Clock synchronization command", 7},
    [104] = {"C_TS_NA_1 Test command", 2},
    [105] = {"C_RP_NA_1 Reset process command", 1},
    [106] = {"C_CD_NA_1 Delay acquisition command", 2},
    [107] = {"C_TS_TA_1 Test command with CP56Time2a", 9},
    [110] = {"P_ME_NA_1 Parameter of measured value, normalized", 3},
    [111] = {"P_ME_NB_1 Parameter of measured value, scaled", 3},
    [112] = {"P_ME_NC_1 Parameter of measured value, short float", 5},
    [113] = {"P_AC_NA_1 Parameter activation", 1},
    [120] = {"F_FR_NA_1 File ready", 6},
    [121] = {"F_SR_NA_1 Section ready", 7},
    [122] = {"F_SC_NA_1 Call directory, select file, call file/section", 4},
    [123] = {"F_LS_NA_1 Last section, last segment", 5},
    [124] = {"F_AF_NA_1 Ack file, ack section", 4},
    [125] = {"F_SG_NA_1 Segment", VAR},
    [126] = {"F_DR_TA_1 Directory", 13},
    [127] = {"F_SC_NB_1 Query log, request archive file", 16},
};

#define TYPE_READ 102
#define SEGMENT_MIN 4 /* F_SG_NA_1: NOF, NOS, LOS before the segment */

const char *iec104_type_name(uint8_t type)
{
    if (type < 128 && types[type].name != NULL)
        return types[type].name;
    return "Unknown type";
}

const char *iec104_cause_name(uint8_t cause)
{
    static const char *const names[] = {
        [1] = "per/cyc",
        [2] = "back",
        [3] = "spont",
        [4] = "init",
        [5] = "req",
        [6] = "act",
        [7] = "actcon",
        [8] = "deact",
        [9] = "deactcon",
        [10] = "actterm",
        [11] = "retrem",
        [12] = "retloc",
        [13] = "file",
        [14] = "auth",
        [15] = "seskey",
        [16] = "usrkey",
        [20] = "inrogen",
        [37] = "reqcogen",
        [44] = "unknown type",
        [45] = "unknown cause",
        [46] = "unknown common address",
        [47] = "unknown IOA",
    };
    if (cause >= 21 && cause <= 36)
        return "inro";
    if (cause >= 38 && cause <= 41)
        return "reqco";
    if (cause < sizeof(names) / sizeof(names[0]) && names[cause] != NULL)
        return names[cause];
    return "unknown cause";
}

/* Control-direction types that are operations (section comment above). */
static bool is_command(uint8_t type)
{
    return (type >= 45 && type <= 69) || (type >= 100 && type <= 107) ||
           (type >= 110 && type <= 113);
}

static otw_op_class type_class(uint8_t type)
{
    if (type >= 45 && type <= 69)
        return OTW_CLASS_WRITE;
    switch (type) {
    case 100:
    case 101:
    case 102:
        return OTW_CLASS_READ;
    case 103:
        return OTW_CLASS_CONFIGURATION;
    case 104:
    case 106:
    case 107:
        return OTW_CLASS_DIAGNOSTIC;
    case 105:
        return OTW_CLASS_CONTROL;
    case 110:
    case 111:
    case 112:
    case 113:
        return OTW_CLASS_CONFIGURATION;
    default:
        return OTW_CLASS_OTHER;
    }
}

static bool negative_cause(uint8_t cause)
{
    return cause >= IEC104_COT_UNKNOWN_TYPE && cause <= IEC104_COT_UNKNOWN_IOA;
}

/* "IOA 4294967295" at most; no printf on the packet path. */
static void ioa_name(char *dst, size_t size, uint32_t ioa)
{
    char digits[10];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + ioa % 10);
        ioa /= 10;
    } while (ioa != 0 && nd < sizeof(digits));
    static const char prefix[] = "IOA ";
    size_t n = 0;
    for (size_t i = 0; prefix[i] != '\0' && n + 1 < size; i++)
        dst[n++] = prefix[i];
    while (nd > 0 && n + 1 < size)
        dst[n++] = digits[--nd];
    if (size > 0)
        dst[n] = '\0';
}

static void malformed(iec104_session *s, const otw_sink *sink)
{
    s->n_malformed++;
    if (sink != NULL && sink->anomaly != NULL)
        sink->anomaly(sink->ctx, "iec104_malformed");
}

static void emit_op(const otw_sink *sink, const iec104_pending *p, bool request_seen,
                    uint64_t response_ts, otw_outcome outcome, uint16_t exception)
{
    if (sink == NULL || sink->op == NULL)
        return;
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_IEC104;
    op.ts_us = p->ts_us;
    op.response_ts_us = response_ts;
    op.has_unit = true;
    op.unit = p->ca;
    op.function = p->type;
    op.function_name = iec104_type_name(p->type);
    op.op_class = type_class(p->type);
    if (p->count > 0) {
        ioa_name(op.object, sizeof(op.object), p->ioa);
        op.has_address = true;
        op.address_start = p->ioa;
        op.address_count = p->count;
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

/* The pending request a confirmation from `dir` answers, or -1. */
static int find_pending(const iec104_session *s, otw_dir dir, const iec104_pending *rsp,
                        uint8_t cause)
{
    for (uint32_t i = 0; i < s->n_pending; i++) {
        const iec104_pending *p = &s->pending[i];
        if (p->dir == (uint8_t)dir || p->ca != rsp->ca || p->ioa != rsp->ioa)
            continue;
        if (p->cause == IEC104_COT_REQ) {
            /* a read is answered by the data (any type) or a negative 102 */
            if ((cause == IEC104_COT_REQ && rsp->type != TYPE_READ) ||
                (rsp->type == TYPE_READ && negative_cause(cause)))
                return (int)i;
            continue;
        }
        if (p->type != rsp->type)
            continue;
        if (negative_cause(cause))
            return (int)i;
        if (p->cause == IEC104_COT_ACT &&
            (cause == IEC104_COT_ACTCON || cause == IEC104_COT_ACTTERM))
            return (int)i;
        if (p->cause == IEC104_COT_DEACT && cause == IEC104_COT_DEACTCON)
            return (int)i;
    }
    return -1;
}

static void add_request(iec104_session *s, const iec104_pending *p, const otw_sink *sink)
{
    s->n_commands++;
    /* A repeated command for the same point gives up the older one. */
    int dup = -1;
    for (uint32_t i = 0; dup < 0 && i < s->n_pending; i++) {
        const iec104_pending *o = &s->pending[i];
        if (o->dir == p->dir && o->type == p->type && o->cause == p->cause && o->ca == p->ca &&
            o->ioa == p->ioa)
            dup = (int)i;
    }
    if (OTW_PENDING_PUSH(s->pending, &s->n_pending, dup, p, unanswered, NULL, sink))
        s->n_pending_evicted++;
}

/* A confirmation or a read's answer (in `a`, from direction dir). */
static void handle_response(iec104_session *s, otw_dir dir, const iec104_pending *a, uint8_t cause,
                            bool negative, uint64_t ts_us, const otw_sink *sink)
{
    int idx = find_pending(s, dir, a, cause);
    otw_outcome outcome = negative ? OTW_OUTCOME_EXCEPTION : OTW_OUTCOME_OK;

    if (cause == IEC104_COT_ACTTERM)
        s->n_actterm++;
    else
        s->n_responses++;
    if (idx >= 0) {
        iec104_pending p;
        OTW_PENDING_TAKE(s->pending, &s->n_pending, (uint32_t)idx, &p);
        emit_op(sink, &p, true, ts_us, outcome, cause);
        return;
    }
    if (cause == IEC104_COT_ACTTERM || cause == IEC104_COT_REQ)
        return; /* actterm after its actcon; data answering nothing pending */
    s->n_unmatched_responses++;
    emit_op(sink, a, false, ts_us, outcome, cause);
}

static otw_parse_status parse_asdu(iec104_session *s, otw_dir dir, otw_reader *r, uint64_t ts_us,
                                   const otw_sink *sink)
{
    uint8_t type = rd_u8(r);
    uint8_t vsq = rd_u8(r);
    uint8_t cot = rd_u8(r);
    (void)rd_u8(r); /* originator address */
    uint16_t ca = rd_le16(r);
    bool sq = (vsq & 0x80) != 0;
    uint8_t n = vsq & 0x7F;
    uint8_t cause = cot & 0x3F;
    bool negative = (cot & 0x40) != 0;
    uint32_t ioa = 0;

    if (r->truncated || type == 0 || cause == 0) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    size_t body = rd_left(r);
    if (n > 0) {
        otw_reader peek = *r;
        ioa = rd_u8(&peek);
        ioa |= (uint32_t)rd_u8(&peek) << 8;
        ioa |= (uint32_t)rd_u8(&peek) << 16;
        if (peek.truncated) {
            malformed(s, sink);
            return OTW_PARSE_MALFORMED;
        }
    }
    /* Length check against the element size of the type. */
    const type_info *ti = type < 128 ? &types[type] : NULL;
    if (ti == NULL || ti->name == NULL) {
        if (sink != NULL && sink->anomaly != NULL)
            sink->anomaly(sink->ctx, "iec104_unknown_type");
    } else if (ti->size != VAR) {
        size_t size = (size_t)ti->size;
        size_t want = n == 0 ? 0 : sq ? IOA_LEN + (size_t)n * size : (size_t)n * (IOA_LEN + size);
        if (body != want) {
            malformed(s, sink);
            return OTW_PARSE_MALFORMED;
        }
    } else if (n > 0 && body < (size_t)IOA_LEN + (type == 125 ? SEGMENT_MIN : 0)) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }

    iec104_pending a = {.type = type,
                        .cause = cause,
                        .dir = (uint8_t)dir,
                        .count = n,
                        .ca = ca,
                        .ioa = ioa,
                        .ts_us = ts_us};
    bool request = is_command(type) && !negative &&
                   (cause == IEC104_COT_ACT || cause == IEC104_COT_DEACT ||
                    (type == TYPE_READ && cause == IEC104_COT_REQ));
    bool confirmation =
        negative_cause(cause) ||
        (is_command(type) && (cause == IEC104_COT_ACTCON || cause == IEC104_COT_DEACTCON ||
                              cause == IEC104_COT_ACTTERM || negative));
    if (request) {
        add_request(s, &a, sink);
    } else if (confirmation) {
        handle_response(s, dir, &a, cause, negative || negative_cause(cause), ts_us, sink);
    } else {
        s->n_monitor++;
        if (cause == IEC104_COT_REQ && n > 0) {
            /* maybe the answer to a read command */
            int idx = find_pending(s, dir, &a, cause);
            if (idx >= 0)
                handle_response(s, dir, &a, cause, false, ts_us, sink);
        }
    }
    return OTW_PARSE_OK;
}

long iec104_frame_len(const uint8_t *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return OTW_FRAME_NEED_MORE;
    if (buf[0] != IEC104_START)
        return OTW_FRAME_NOT_MINE;
    if (len < 2)
        return OTW_FRAME_NEED_MORE;
    if (buf[1] < 4 || buf[1] > IEC104_MAX_APDU - 2)
        return OTW_FRAME_NOT_MINE;
    return 2 + (long)buf[1];
}

otw_parse_status iec104_parse(void *session, otw_dir dir, const uint8_t *apdu, size_t len,
                              uint64_t ts_us, const otw_sink *sink)
{
    iec104_session *s = session;
    long flen = iec104_frame_len(apdu, len);

    if (s == NULL || flen <= 0)
        return OTW_PARSE_NOT_MINE;
    if (s->n_pending > IEC104_MAX_PENDING)
        s->n_pending = IEC104_MAX_PENDING; /* never trust a corrupted slot */
    if ((size_t)flen != len) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    otw_reader r = rd_init(apdu, len);
    rd_skip(&r, 2);
    uint8_t c1 = rd_u8(&r);
    uint8_t c2 = rd_u8(&r);
    uint8_t c3 = rd_u8(&r);
    uint8_t c4 = rd_u8(&r);

    if ((c1 & 0x01) == 0) {
        /* I-format: N(S), N(R) (bit 0 of the third octet is 0), ASDU */
        s->n_i_frames++;
        if ((c3 & 0x01) != 0 || rd_left(&r) == 0) {
            malformed(s, sink);
            return OTW_PARSE_MALFORMED;
        }
        return parse_asdu(s, dir, &r, ts_us, sink);
    }
    if ((c1 & 0x03) == 0x01) {
        /* S-format: 0x01 0x00, N(R) */
        s->n_s_frames++;
        if (c1 != 0x01 || c2 != 0 || (c3 & 0x01) != 0 || rd_left(&r) != 0) {
            malformed(s, sink);
            return OTW_PARSE_MALFORMED;
        }
        return OTW_PARSE_OK;
    }
    /* U-format: exactly one function bit, the other octets zero */
    s->n_u_frames++;
    if (c2 != 0 || c3 != 0 || c4 != 0 || rd_left(&r) != 0) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    switch (c1) {
    case 0x07: /* STARTDT act */
    case 0x0B: /* STARTDT con */
        s->n_startdt++;
        return OTW_PARSE_OK;
    case 0x13: /* STOPDT act */
    case 0x23: /* STOPDT con */
        s->n_stopdt++;
        return OTW_PARSE_OK;
    case 0x43: /* TESTFR act */
    case 0x83: /* TESTFR con */
        s->n_testfr++;
        return OTW_PARSE_OK;
    default:
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
}

void iec104_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    iec104_session *s = session;

    if (s != NULL)
        OTW_PENDING_EXPIRE(s->pending, &s->n_pending, ts_us, timeout_us, unanswered, NULL, sink);
}

void iec104_session_init(void *session)
{
    if (session != NULL)
        memset(session, 0, sizeof(iec104_session));
}

/* Dynamic detection: whole APDUs (IEC 60870-5-104 section 5): U-frames
 * with one function bit (STARTDT, STOPDT, TESTFR act/con) and zeros,
 * S-frames, or I-frames whose ASDU has a known type (1..127) and cause
 * of transmission (1..47). */
static int iec104_probe(const uint8_t *buf, size_t len, otw_dir dir, bool opening)
{
    (void)dir;
    (void)opening;
    size_t off = 0;
    if (buf == NULL || len < 6)
        return OTW_PROBE_NO;
    while (off < len) {
        long n = iec104_frame_len(buf + off, len - off);
        if (n <= 0 || (size_t)n > len - off)
            return OTW_PROBE_NO;
        const uint8_t *c = buf + off + 2;
        if ((c[0] & 0x03) == 0x03) {
            uint8_t f = c[0] & 0xFC;
            if (n != 6 || (f & (f - 1)) != 0 || f == 0 || c[1] || c[2] || c[3])
                return OTW_PROBE_NO;
        } else if ((c[0] & 0x03) == 0x01) {
            if (n != 6 || c[0] != 0x01 || c[1] != 0 || (c[2] & 1) != 0)
                return OTW_PROBE_NO;
        } else {
            if (n < 12 || c[4] == 0 || c[4] > 127 || (c[6] & 0x3F) == 0 || (c[6] & 0x3F) > 47)
                return OTW_PROBE_NO;
        }
        off += (size_t)n;
    }
    return OTW_PROBE_STRONG;
}

const otw_dissector iec104_dissector = {
    .proto = OTW_PROTO_IEC104,
    .name = "iec104",
    .tcp_ports = {2404},
    .udp_ports = {0},
    .industrial = true,
    .session_size = sizeof(iec104_session),
    .session_init = iec104_session_init,
    .frame_len = iec104_frame_len,
    .parse = iec104_parse,
    .expire = iec104_expire,
    .probe = iec104_probe,
};
