/* snmp.c - SNMP dissector: operations and agent identity.
 *
 * Specs: RFC 1157 section 4 (v1 message and PDUs, Trap-PDU 4.1.6), RFC 1901
 * (v2c message), RFC 3416 section 3 (v2 PDUs: GetBulk, Inform, SNMPv2-Trap,
 * Report; error-status values 4.2), RFC 3412 section 6 (v3 message:
 * msgGlobalData, msgSecurityParameters, ScopedPDU or encryptedPDU), RFC 1213
 * / RFC 3418 (system group: sysDescr 1.3.6.1.2.1.1.1, sysObjectID .1.2,
 * sysName .1.5), ITU-T X.690 (BER: definite lengths, INTEGER, OID arcs).
 * Enterprise numbers: IANA Private Enterprise Numbers (data/snmp_vendors.tsv).
 *
 * Operations: every request (get, getnext, getbulk, set, inform) is kept
 * in the session by request-id until its response (or report) arrives; one
 * otw_op is emitted per request. Classes: get/getnext/getbulk = read, set =
 * write (it changes a device's configuration or state: "write" is what the
 * operations log and the write alerts look at, "configuration" would hide
 * it among identity-less changes), trap/inform/v2-trap = other (emitted at
 * once for traps, which expect no answer). object = the first varbind's OID
 * (for a v1 trap the enterprise OID, for a v2 trap the snmpTrapOID value).
 * A response with error-status != 0 is an EXCEPTION (exception_code =
 * error-status); a report answering a v3 request is an EXCEPTION too (the
 * security layer refused or is doing engine discovery, RFC 3412 7.2).
 * A response or report with no pending request gives request_seen=false.
 *
 * Identity: a response carrying sysDescr.0 / sysName.0 / sysObjectID.0
 * describes its sender (about = dir): product = sysDescr, revision = the
 * version found in it, name = sysName, vendor = the enterprise of
 * sysObjectID (1.3.6.1.4.1.<n>) when known, detail "oid=<sysObjectID>;
 * descr=<sysDescr>".
 *
 * Secrets: the v3 security parameters (user name, digests) are skipped
 * unread. The v1/v2c community is a password sent in the clear (RFC 1157
 * section 3.2.5): every request is a login attempt, reported through the
 * sink's credential callback (method "community", no user) when its fate
 * is known, with a pointer into the PDU at hand - the community is never
 * copied or kept. A response echoes the request's community (RFC 1157
 * section 4.1, RFC 3416 section 4.2.4), so the credential is emitted at
 * the response with the response's community: success, or failure for
 * error-status authorizationError (16). A request never answered gives a
 * credential without a secret: failure when the agent answered other
 * requests of the flow (agents drop a wrong community silently, RFC 1157
 * section 4.1), unknown otherwise (a one-way capture, a dead agent).
 * Traps are not logins (nobody checks their community). Encrypted v3 PDUs
 * are counted (n_encrypted) and not decoded.
 *
 * Bounds: BER lengths only shrink the view (rd_sub); long-form lengths of
 * 1..4 bytes, no indefinite length, no high tag numbers; INTEGERs of 1..5
 * bytes; at most SNMP_MAX_VARBINDS varbinds; OID arcs <= 32 bits.
 */
#include "snmp.h"

#include "idutil.h"
#include "pending.h"
#include "reader.h"

#include <string.h>

_Static_assert(sizeof(snmp_session) <= OTW_SESSION_MAX_BYTES,
               "snmp_session must fit a dissector session slot");

extern const otw_vendor_name otw_snmp_vendors[];
extern const size_t otw_snmp_vendors_len;

enum {
    PDU_GET = 0,
    PDU_GETNEXT = 1,
    PDU_RESPONSE = 2,
    PDU_SET = 3,
    PDU_TRAP_V1 = 4,
    PDU_GETBULK = 5,
    PDU_INFORM = 6,
    PDU_TRAP_V2 = 7,
    PDU_REPORT = 8,
};

#define BER_INTEGER 0x02
#define BER_OCTETS 0x04
#define BER_OID 0x06
#define BER_SEQUENCE 0x30

/* 1.3.6.1.2.1.1.x.0 as BER content bytes, x at index 6. */
static const uint8_t sys_prefix[] = {0x2B, 0x06, 0x01, 0x02, 0x01, 0x01};
/* 1.3.6.1.6.3.1.1.4.1.0 snmpTrapOID.0 */
static const uint8_t trap_oid_name[] = {0x2B, 0x06, 0x01, 0x06, 0x03, 0x01, 0x01, 0x04, 0x01, 0x00};
/* 1.3.6.1.4.1 enterprises */
static const uint8_t enterprises[] = {0x2B, 0x06, 0x01, 0x04, 0x01};

const char *snmp_pdu_name(uint8_t t)
{
    static const char *const names[] = {
        "get-request",     "get-next-request", "get-response", "set-request", "trap",
        "getbulk-request", "inform-request",   "snmpV2-trap",  "report",
    };
    return t < sizeof(names) / sizeof(names[0]) ? names[t] : "Unknown";
}

static otw_op_class pdu_class(uint8_t t)
{
    switch (t) {
    case PDU_GET:
    case PDU_GETNEXT:
    case PDU_GETBULK:
        return OTW_CLASS_READ;
    case PDU_SET:
        return OTW_CLASS_WRITE;
    default:
        return OTW_CLASS_OTHER;
    }
}

/* One BER TLV: tag and a sub-reader over the value. */
static bool ber_tlv(otw_reader *r, uint8_t *tag, otw_reader *val)
{
    uint8_t t = rd_u8(r);
    uint8_t l0 = rd_u8(r);
    size_t n = 0;
    if (r->truncated || (t & 0x1F) == 0x1F)
        return false;
    if (l0 < 0x80) {
        n = l0;
    } else {
        unsigned k = l0 & 0x7Fu;
        if (k == 0 || k > 4)
            return false; /* indefinite or absurd */
        for (unsigned i = 0; i < k; i++)
            n = (n << 8) | rd_u8(r);
        if (r->truncated)
            return false;
    }
    if (n > rd_left(r))
        return false;
    *val = rd_sub(r, n);
    *tag = t;
    return !val->truncated;
}

static bool ber_expect(otw_reader *r, uint8_t want, otw_reader *val)
{
    uint8_t tag = 0;
    return ber_tlv(r, &tag, val) && tag == want;
}

static bool ber_int(otw_reader *r, int64_t *out)
{
    otw_reader v;
    if (!ber_expect(r, BER_INTEGER, &v) || v.len < 1 || v.len > 5)
        return false;
    int64_t x = (v.base[0] & 0x80) ? -1 : 0;
    for (size_t i = 0; i < v.len; i++)
        x = (int64_t)((uint64_t)x << 8) | v.base[i];
    *out = x;
    return true;
}

bool snmp_oid_text(const uint8_t *oid, size_t n, char *out, size_t outsz)
{
    char num[11];
    uint64_t arc = 0;
    bool first = true, open = false;
    if (out == NULL || outsz == 0)
        return false;
    out[0] = '\0';
    if (oid == NULL || n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        arc = (arc << 7) | (oid[i] & 0x7Fu);
        open = true;
        if (arc > UINT32_MAX)
            return false;
        if (oid[i] & 0x80)
            continue;
        if (first) {
            /* first subidentifier = 40 * X + Y, X in 0..2 */
            uint32_t x = arc < 40 ? 0 : arc < 80 ? 1 : 2;
            otw_idu_u32(num, sizeof(num), x);
            otw_idu_cat(out, outsz, num);
            otw_idu_cat(out, outsz, ".");
            otw_idu_u32(num, sizeof(num), (uint32_t)(arc - 40u * x));
            first = false;
        } else {
            otw_idu_cat(out, outsz, ".");
            otw_idu_u32(num, sizeof(num), (uint32_t)arc);
        }
        otw_idu_cat(out, outsz, num);
        arc = 0;
        open = false;
    }
    return !open;
}

/* Enterprise number of an OID under 1.3.6.1.4.1, or 0. */
static uint32_t enterprise_of(const uint8_t *oid, size_t n)
{
    uint64_t arc = 0;
    if (n <= sizeof(enterprises) || memcmp(oid, enterprises, sizeof(enterprises)) != 0)
        return 0;
    for (size_t i = sizeof(enterprises); i < n; i++) {
        arc = (arc << 7) | (oid[i] & 0x7Fu);
        if (arc > UINT32_MAX)
            return 0;
        if (!(oid[i] & 0x80))
            return (uint32_t)arc;
    }
    return 0;
}

typedef struct pdu_info {
    uint8_t type;
    uint32_t request_id;
    int64_t error_status;
    char object[48];
    bool varbinds_ok;
    otw_identity id;
    bool has_id;
    char descr[256];
} pdu_info;

static void oid_object(pdu_info *p, const otw_reader *oid)
{
    if (p->object[0] == '\0' && !snmp_oid_text(oid->base, oid->len, p->object, sizeof(p->object)))
        p->object[0] = '\0';
}

/* Varbind list: SEQUENCE OF SEQUENCE { name OID, value }. */
static bool varbinds(otw_reader *r, pdu_info *p)
{
    otw_reader list;
    if (!ber_expect(r, BER_SEQUENCE, &list))
        return false;
    for (unsigned i = 0; i < SNMP_MAX_VARBINDS && rd_left(&list) > 0; i++) {
        otw_reader vb, name, value;
        uint8_t vtag = 0;
        if (!ber_expect(&list, BER_SEQUENCE, &vb) || !ber_expect(&vb, BER_OID, &name) ||
            !ber_tlv(&vb, &vtag, &value))
            return false;
        if (p->type == PDU_TRAP_V2 && name.len == sizeof(trap_oid_name) &&
            memcmp(name.base, trap_oid_name, name.len) == 0 && vtag == BER_OID) {
            p->object[0] = '\0'; /* the trap's own OID names it best */
            oid_object(p, &value);
        } else if (i == 0) {
            oid_object(p, &name);
        }
        if (p->type != PDU_RESPONSE || name.len != sizeof(sys_prefix) + 2 ||
            memcmp(name.base, sys_prefix, sizeof(sys_prefix)) != 0 || name.base[7] != 0)
            continue;
        otw_identity *id = &p->id;
        switch (name.base[6]) {
        case 1: /* sysDescr */
            if (vtag != BER_OCTETS)
                break;
            otw_copy_wire_string(p->descr, sizeof(p->descr), value.base, value.len);
            otw_copy_wire_string(id->product, sizeof(id->product), value.base, value.len);
            p->has_id = p->descr[0] != '\0';
            break;
        case 2: /* sysObjectID */
            if (vtag != BER_OID)
                break;
            {
                char oid[96];
                if (snmp_oid_text(value.base, value.len, oid, sizeof(oid))) {
                    otw_idu_kv(id->detail, sizeof(id->detail), "oid", oid);
                    p->has_id = true;
                }
                const char *vendor = otw_vendor_lookup(otw_snmp_vendors, otw_snmp_vendors_len,
                                                       enterprise_of(value.base, value.len));
                if (vendor != NULL) {
                    id->vendor[0] = '\0';
                    otw_idu_cat(id->vendor, sizeof(id->vendor), vendor);
                }
            }
            break;
        case 5: /* sysName */
            if (vtag != BER_OCTETS)
                break;
            otw_copy_wire_string(id->name, sizeof(id->name), value.base, value.len);
            p->has_id = p->has_id || id->name[0] != '\0';
            break;
        default:
            break;
        }
    }
    return true;
}

/* The PDU (context-specific constructed tag 0xA0 + type). False when the
 * PDU header is unreadable; p->varbinds_ok tells about the rest. */
static bool parse_pdu(otw_reader *r, pdu_info *p)
{
    uint8_t tag = 0;
    otw_reader pdu;
    if (!ber_tlv(r, &tag, &pdu) || tag < 0xA0 || tag > 0xA8)
        return false;
    p->type = (uint8_t)(tag - 0xA0);
    if (p->type == PDU_TRAP_V1) {
        otw_reader ent, addr, ts;
        int64_t generic = 0, specific = 0;
        uint8_t t = 0;
        if (!ber_expect(&pdu, BER_OID, &ent) || !ber_tlv(&pdu, &t, &addr) ||
            !ber_int(&pdu, &generic) || !ber_int(&pdu, &specific) || !ber_tlv(&pdu, &t, &ts))
            return false;
        oid_object(p, &ent);
    } else {
        int64_t rid = 0, err = 0, idx = 0;
        if (!ber_int(&pdu, &rid) || !ber_int(&pdu, &err) || !ber_int(&pdu, &idx))
            return false;
        p->request_id = (uint32_t)rid;
        p->error_status = err;
    }
    p->varbinds_ok = varbinds(&pdu, p);
    return true;
}

static void emit_op(const otw_sink *sink, uint8_t type, const char *object, uint32_t rid,
                    uint64_t ts, uint64_t rsp_ts, otw_outcome outcome, uint16_t exc, bool seen)
{
    if (sink == NULL || sink->op == NULL)
        return;
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_SNMP;
    op.ts_us = ts;
    op.response_ts_us = rsp_ts;
    otw_idu_cat(op.object, sizeof(op.object), object);
    op.transaction = rid;
    op.function = type;
    op.function_name = snmp_pdu_name(type);
    op.op_class = pdu_class(type);
    op.outcome = outcome;
    op.exception_code = exc;
    op.request_seen = seen;
    sink->op(sink->ctx, &op);
}

/* One community login (see the header): secret NULL = not answered. */
static void emit_cred(const otw_sink *sink, const otw_reader *community, uint64_t ts,
                      otw_login_outcome outcome)
{
    if (sink == NULL || sink->credential == NULL)
        return;
    otw_credential c;
    memset(&c, 0, sizeof(c));
    c.protocol = OTW_PROTO_SNMP;
    c.about = OTW_DIR_TO_SERVER;
    c.method = "community";
    c.has_secret = community != NULL;
    c.secret = community != NULL ? community->base : NULL;
    c.secret_len = community != NULL ? community->len : 0;
    c.outcome = outcome;
    c.ts_us = ts;
    sink->credential(sink->ctx, &c);
}

static int find_pending(const snmp_session *s, uint32_t rid)
{
    for (uint32_t i = 0; i < s->n_pending; i++)
        if (s->pending[i].request_id == rid)
            return (int)i;
    return -1;
}

/* A request that got no response: its op, and its login without a secret
 * (ctx is the session). */
static void unanswered(void *ctx, const void *entry, const otw_sink *sink)
{
    const snmp_session *s = ctx;
    const snmp_pending *q = entry;
    emit_op(sink, q->pdu_type, q->object, q->request_id, q->ts_us, 0, OTW_OUTCOME_NO_RESPONSE, 0,
            true);
    if (q->has_community)
        emit_cred(sink, NULL, q->ts_us, s->agent_answered ? OTW_LOGIN_FAILURE : OTW_LOGIN_UNKNOWN);
}

static void handle(snmp_session *s, const pdu_info *p, uint64_t ts, const otw_sink *sink,
                   const otw_reader *community)
{
    switch (p->type) {
    case PDU_TRAP_V1:
    case PDU_TRAP_V2:
        s->n_requests++;
        emit_op(sink, p->type, p->object, p->request_id, ts, 0, OTW_OUTCOME_OK, 0, true);
        return;
    case PDU_RESPONSE:
    case PDU_REPORT: {
        s->n_responses++;
        int i = find_pending(s, p->request_id);
        bool failed = p->type == PDU_REPORT || p->error_status != 0;
        otw_outcome outcome = !p->varbinds_ok ? OTW_OUTCOME_ERROR
                              : failed        ? OTW_OUTCOME_EXCEPTION
                                              : OTW_OUTCOME_OK;
        uint16_t exc =
            outcome == OTW_OUTCOME_EXCEPTION && p->error_status > 0 && p->error_status <= UINT16_MAX
                ? (uint16_t)p->error_status
                : 0;
        if (community != NULL) {
            s->agent_answered = true;
            /* 16 authorizationError: the community may not do this (RFC 3416 4.2.5) */
            emit_cred(sink, community, i < 0 ? ts : s->pending[i].ts_us,
                      p->error_status == 16 ? OTW_LOGIN_FAILURE : OTW_LOGIN_SUCCESS);
        }
        if (i < 0) {
            s->n_unmatched_responses++;
            emit_op(sink, p->type, p->object, p->request_id, ts, ts, outcome, exc, false);
            return;
        }
        snmp_pending q;
        OTW_PENDING_TAKE(s->pending, &s->n_pending, (uint32_t)i, &q);
        emit_op(sink, q.pdu_type, q.object, q.request_id, q.ts_us, ts, outcome, exc, true);
        return;
    }
    default: {
        s->n_requests++;
        /* a retry reusing the id: the older one went unanswered */
        int dup = find_pending(s, p->request_id);
        snmp_pending n;
        memset(&n, 0, sizeof(n));
        n.request_id = p->request_id;
        n.pdu_type = p->type;
        n.ts_us = ts;
        n.has_community = community != NULL;
        otw_idu_cat(n.object, sizeof(n.object), p->object);
        (void)OTW_PENDING_PUSH(s->pending, &s->n_pending, dup, &n, unanswered, s, sink);
        return;
    }
    }
}

static otw_parse_status malformed(snmp_session *s, const otw_sink *sink)
{
    s->n_malformed++;
    if (sink != NULL && sink->anomaly != NULL)
        sink->anomaly(sink->ctx, "snmp_malformed");
    return OTW_PARSE_MALFORMED;
}

otw_parse_status snmp_parse(void *session, otw_dir dir, const uint8_t *data, size_t len,
                            uint64_t ts_us, const otw_sink *sink)
{
    snmp_session *s = session;
    otw_reader r = rd_init(data, data ? len : 0);
    otw_reader msg, skip, community = rd_init(NULL, 0);
    bool has_community = false;
    int64_t version = -1;

    if (s == NULL || !ber_expect(&r, BER_SEQUENCE, &msg) || !ber_int(&msg, &version) ||
        (version != 0 && version != 1 && version != 3))
        return OTW_PARSE_NOT_MINE;

    if (version == 3) {
        otw_reader global, flags, scoped;
        int64_t msg_id = 0, max_size = 0, model = 0;
        uint8_t tag = 0;
        if (!ber_expect(&msg, BER_SEQUENCE, &global) || !ber_int(&global, &msg_id) ||
            !ber_int(&global, &max_size) || !ber_expect(&global, BER_OCTETS, &flags) ||
            flags.len != 1 || !ber_int(&global, &model))
            return malformed(s, sink);
        /* msgSecurityParameters: user name and digests, never looked at */
        if (!ber_expect(&msg, BER_OCTETS, &skip) || !ber_tlv(&msg, &tag, &scoped))
            return malformed(s, sink);
        if (tag == BER_OCTETS) {
            s->n_encrypted++; /* encryptedPDU */
            return OTW_PARSE_OK;
        }
        if (tag != BER_SEQUENCE || !ber_expect(&scoped, BER_OCTETS, &skip) ||
            !ber_expect(&scoped, BER_OCTETS, &skip))
            return malformed(s, sink);
        msg = scoped;
    } else if (!ber_expect(&msg, BER_OCTETS, &community)) {
        return malformed(s, sink);
    } else {
        has_community = true; /* a pointer into the PDU, never copied */
    }

    static const pdu_info zero;
    pdu_info p = zero;
    if (!parse_pdu(&msg, &p))
        return malformed(s, sink);
    handle(s, &p, ts_us, sink,
           has_community && p.type != PDU_TRAP_V1 && p.type != PDU_TRAP_V2 ? &community : NULL);
    /* a failed set echoes the refused values: only a clean answer counts */
    if (p.has_id && p.varbinds_ok && p.error_status == 0 && sink != NULL &&
        sink->identity != NULL) {
        p.id.protocol = OTW_PROTO_SNMP;
        p.id.about = dir;
        p.id.source = "snmp system";
        otw_idu_version(p.descr, p.id.revision, sizeof(p.id.revision));
        otw_idu_kv(p.id.detail, sizeof(p.id.detail), "descr", p.descr);
        sink->identity(sink->ctx, &p.id);
    }
    if (!p.varbinds_ok)
        return malformed(s, sink);
    return OTW_PARSE_OK;
}

void snmp_session_init(void *session)
{
    if (session != NULL)
        memset(session, 0, sizeof(snmp_session));
}

void snmp_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    snmp_session *s = session;
    if (s != NULL)
        OTW_PENDING_EXPIRE(s->pending, &s->n_pending, ts_us, timeout_us, unanswered, s, sink);
}

const otw_dissector snmp_dissector = {
    .proto = OTW_PROTO_SNMP,
    .name = "snmp",
    .tcp_ports = {0},
    .udp_ports = {161, 162},
    .industrial = false,
    .session_size = sizeof(snmp_session),
    .session_init = snmp_session_init,
    .parse = snmp_parse,
    .expire = snmp_expire,
};
