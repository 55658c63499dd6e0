/* opcua.c - OPC UA binary dissector (UA TCP, UA Secure Conversation).
 *
 * Spec: OPC 10000-6 (IEC 62541-6) 7.1.2 message header (MessageType HEL ACK
 * ERR RHE OPN MSG CLO, chunk type F C A, MessageSize), 7.1.2.3 Hello
 * (EndpointUrl), 6.7.2 security header (asymmetric: SecurityPolicyUri,
 * SenderCertificate, ReceiverCertificateThumbprint; symmetric: TokenId),
 * 6.7.2.4 sequence header (SequenceNumber, RequestId), 5.2.2 built-in type
 * encodings; OPC 10000-4 7.28 RequestHeader, 7.29 ResponseHeader
 * (ServiceResult), 5.4-5.13 service parameters, 7.36 user identity tokens.
 *
 * Choices worth knowing:
 * - The client's OpenSecureChannel names the channel's SecurityPolicyUri.
 *   With policy None everything after the headers is plain and decoded:
 *   the service type id (numeric NodeId of the DefaultBinary encoding),
 *   request id matching (response id = request id + 3, or ServiceFault),
 *   ServiceResult -> outcome (Bad, severity bits 10: exception with the
 *   status code's upper 16 bits; Good and Uncertain: ok). With any other
 *   policy MSG bodies are encrypted or signed with keys we do not have: one
 *   op "encrypted MSG" (function 0, class other, outcome ok, no response) per
 *   message the client sends; nothing is guessed from their bytes.
 * - A connection picked up midstream (no OPN seen) is decoded only when a
 *   body starts with the type id of a known service (a numeric NodeId in
 *   namespace 0); from then on the channel is taken as plain. Until then its
 *   messages count as encrypted.
 * - The OPN op's object is "SecurityPolicy#<name>" (the URI fragment), so a
 *   channel without security is visible in the operations log; a security
 *   mode other than None on a None policy is appended (" mode Sign").
 * - Multi-chunk messages are one op: the first chunk carries the type id,
 *   later chunks of the same request id are counted (n_chunks); an abort
 *   chunk ends the request (error from the sender's side, exception with the
 *   abort's status from the server).
 * - Identities: CreateSessionRequest -> the client (application name ->
 *   product, type -> device_type, URIs -> detail); CreateSession/
 *   GetEndpoints responses -> the server (first endpoint's application
 *   description); a HEL's EndpointUrl once the server answers ACK -> the
 *   server's endpoint (detail; a Hello refused with ERR names nothing).
 * - Call is classed write: a method changes the server's state, but what it
 *   does is the server's business (control would make every HMI calling a
 *   method an engineering station).
 * - ActivateSession's object is the user token kind ("anonymous",
 *   "username=<name>", "x509", "issued-token"); the password is never read.
 * - Messages larger than the stream layer's buffer never reach us (the
 *   sensor counts them as oversized); certificates can make CreateSession
 *   answers that large.
 */
#include "opcua.h"

#include "pending.h"
#include "reader.h"
#include "textbuf.h"

#include <string.h>

_Static_assert(sizeof(ua_session) <= OTW_SESSION_MAX_BYTES,
               "ua_session must fit a dissector session slot");

#define UA_MAX_MESSAGE 0x7FFFFFFFu

#define UA_OPN_REQ 446
#define UA_OPN_RSP 449
#define UA_CLO_REQ 452
#define UA_SERVICE_FAULT 397
#define UA_GET_ENDPOINTS_REQ 428
#define UA_CREATE_SESSION_REQ 461
#define UA_ACTIVATE_SESSION_REQ 467
#define UA_READ_REQ 631
#define UA_WRITE_REQ 673
#define UA_CALL_REQ 712
#define UA_BROWSE_REQ 527
#define UA_DELETE_NODES_REQ 500

typedef struct ua_service {
    uint16_t id; /* request DefaultBinary NodeId; the response is id + 3 */
    const char *name;
    otw_op_class cls;
} ua_service;

static const ua_service services[] = {
    {422, "FindServers", OTW_CLASS_DIAGNOSTIC},
    {428, "GetEndpoints", OTW_CLASS_DIAGNOSTIC},
    {437, "RegisterServer", OTW_CLASS_CONFIGURATION},
    {446, "OpenSecureChannel", OTW_CLASS_OTHER},
    {452, "CloseSecureChannel", OTW_CLASS_OTHER},
    {461, "CreateSession", OTW_CLASS_AUTHENTICATION},
    {467, "ActivateSession", OTW_CLASS_AUTHENTICATION},
    {473, "CloseSession", OTW_CLASS_OTHER},
    {479, "Cancel", OTW_CLASS_OTHER},
    {488, "AddNodes", OTW_CLASS_CONFIGURATION},
    {494, "AddReferences", OTW_CLASS_CONFIGURATION},
    {500, "DeleteNodes", OTW_CLASS_CONFIGURATION},
    {506, "DeleteReferences", OTW_CLASS_CONFIGURATION},
    {527, "Browse", OTW_CLASS_READ},
    {533, "BrowseNext", OTW_CLASS_READ},
    {554, "TranslateBrowsePathsToNodeIds", OTW_CLASS_READ},
    {560, "RegisterNodes", OTW_CLASS_READ},
    {566, "UnregisterNodes", OTW_CLASS_READ},
    {615, "QueryFirst", OTW_CLASS_READ},
    {621, "QueryNext", OTW_CLASS_READ},
    {631, "Read", OTW_CLASS_READ},
    {664, "HistoryRead", OTW_CLASS_READ},
    {673, "Write", OTW_CLASS_WRITE},
    {700, "HistoryUpdate", OTW_CLASS_WRITE},
    {712, "Call", OTW_CLASS_WRITE}, /* a method changes server state; what it does is unknown */
    {751, "CreateMonitoredItems", OTW_CLASS_READ},
    {763, "ModifyMonitoredItems", OTW_CLASS_READ},
    {769, "SetMonitoringMode", OTW_CLASS_READ},
    {775, "SetTriggering", OTW_CLASS_READ},
    {781, "DeleteMonitoredItems", OTW_CLASS_READ},
    {787, "CreateSubscription", OTW_CLASS_READ},
    {793, "ModifySubscription", OTW_CLASS_READ},
    {799, "SetPublishingMode", OTW_CLASS_READ},
    {826, "Publish", OTW_CLASS_READ},
    {832, "Republish", OTW_CLASS_READ},
    {841, "TransferSubscriptions", OTW_CLASS_READ},
    {847, "DeleteSubscriptions", OTW_CLASS_READ},
};

#define N_SERVICES (sizeof(services) / sizeof(services[0]))

static const ua_service *service_by_request(uint32_t id)
{
    for (size_t i = 0; i < N_SERVICES; i++)
        if (services[i].id == id)
            return &services[i];
    return NULL;
}

static const ua_service *service_by_response(uint32_t id)
{
    return id >= 3 ? service_by_request(id - 3) : NULL;
}

const char *ua_service_name(uint32_t type_id)
{
    static const char *const rsp[] = {
        "FindServersResponse",
        "GetEndpointsResponse",
        "RegisterServerResponse",
        "OpenSecureChannelResponse",
        "CloseSecureChannelResponse",
        "CreateSessionResponse",
        "ActivateSessionResponse",
        "CloseSessionResponse",
        "CancelResponse",
        "AddNodesResponse",
        "AddReferencesResponse",
        "DeleteNodesResponse",
        "DeleteReferencesResponse",
        "BrowseResponse",
        "BrowseNextResponse",
        "TranslateBrowsePathsToNodeIdsResponse",
        "RegisterNodesResponse",
        "UnregisterNodesResponse",
        "QueryFirstResponse",
        "QueryNextResponse",
        "ReadResponse",
        "HistoryReadResponse",
        "WriteResponse",
        "HistoryUpdateResponse",
        "CallResponse",
        "CreateMonitoredItemsResponse",
        "ModifyMonitoredItemsResponse",
        "SetMonitoringModeResponse",
        "SetTriggeringResponse",
        "DeleteMonitoredItemsResponse",
        "CreateSubscriptionResponse",
        "ModifySubscriptionResponse",
        "SetPublishingModeResponse",
        "PublishResponse",
        "RepublishResponse",
        "TransferSubscriptionsResponse",
        "DeleteSubscriptionsResponse",
    };
    static const char *const req[] = {
        "FindServersRequest",
        "GetEndpointsRequest",
        "RegisterServerRequest",
        "OpenSecureChannelRequest",
        "CloseSecureChannelRequest",
        "CreateSessionRequest",
        "ActivateSessionRequest",
        "CloseSessionRequest",
        "CancelRequest",
        "AddNodesRequest",
        "AddReferencesRequest",
        "DeleteNodesRequest",
        "DeleteReferencesRequest",
        "BrowseRequest",
        "BrowseNextRequest",
        "TranslateBrowsePathsToNodeIdsRequest",
        "RegisterNodesRequest",
        "UnregisterNodesRequest",
        "QueryFirstRequest",
        "QueryNextRequest",
        "ReadRequest",
        "HistoryReadRequest",
        "WriteRequest",
        "HistoryUpdateRequest",
        "CallRequest",
        "CreateMonitoredItemsRequest",
        "ModifyMonitoredItemsRequest",
        "SetMonitoringModeRequest",
        "SetTriggeringRequest",
        "DeleteMonitoredItemsRequest",
        "CreateSubscriptionRequest",
        "ModifySubscriptionRequest",
        "SetPublishingModeRequest",
        "PublishRequest",
        "RepublishRequest",
        "TransferSubscriptionsRequest",
        "DeleteSubscriptionsRequest",
    };
    _Static_assert(sizeof(req) / sizeof(req[0]) == N_SERVICES, "one name per service");
    _Static_assert(sizeof(rsp) / sizeof(rsp[0]) == N_SERVICES, "one name per service");
    if (type_id == UA_SERVICE_FAULT)
        return "ServiceFault";
    for (size_t i = 0; i < N_SERVICES; i++) {
        if (services[i].id == type_id)
            return req[i];
        if (services[i].id + 3u == type_id)
            return rsp[i];
    }
    return NULL;
}

/* ------------------------------------------------- built-in types */

typedef struct ua_bytes {
    const uint8_t *p; /* NULL for a null String/ByteString */
    uint32_t n;
} ua_bytes;

/* String / ByteString / XmlElement: Int32 length (-1 = null) + octets. */
static bool ua_string(otw_reader *r, ua_bytes *s)
{
    int32_t n = (int32_t)rd_le32(r);
    s->p = NULL;
    s->n = 0;
    if (r->truncated || n < -1)
        return false;
    if (n <= 0)
        return true;
    s->p = rd_bytes(r, (size_t)n);
    s->n = (uint32_t)n;
    return s->p != NULL;
}

static bool skip_string(otw_reader *r)
{
    ua_bytes s;
    return ua_string(r, &s);
}

/* Array length: Int32, -1 = null; each element is at least one octet. */
static bool ua_array(otw_reader *r, int32_t *n)
{
    *n = (int32_t)rd_le32(r);
    if (r->truncated || *n < -1 || (*n > 0 && (size_t)*n > rd_left(r)))
        return false;
    if (*n < 0)
        *n = 0;
    return true;
}

typedef struct ua_nodeid {
    uint8_t kind; /* 0 numeric, 3 string, 4 guid, 5 opaque */
    uint16_t ns;
    uint32_t num;
    const uint8_t *id; /* string / guid / opaque octets */
    uint32_t id_len;
} ua_nodeid;

/* NodeId (5.2.2.9); expanded: ExpandedNodeId flags and fields too. */
static bool ua_read_nodeid(otw_reader *r, ua_nodeid *n, bool expanded)
{
    memset(n, 0, sizeof(*n));
    uint8_t enc = rd_u8(r);
    ua_bytes s;
    switch (enc & 0x0F) {
    case 0: /* two-byte */
        n->num = rd_u8(r);
        break;
    case 1: /* four-byte */
        n->ns = rd_u8(r);
        n->num = rd_le16(r);
        break;
    case 2: /* numeric */
        n->ns = rd_le16(r);
        n->num = rd_le32(r);
        break;
    case 3: /* string */
    case 5: /* opaque ByteString */
        n->kind = enc & 0x0F;
        n->ns = rd_le16(r);
        if (!ua_string(r, &s))
            return false;
        n->id = s.p;
        n->id_len = s.n;
        break;
    case 4: /* guid */
        n->kind = 4;
        n->ns = rd_le16(r);
        n->id = rd_bytes(r, 16);
        n->id_len = 16;
        break;
    default:
        return false;
    }
    if ((enc & 0x30) || (!expanded && (enc & 0xC0)))
        return false;
    if (enc & 0x80) /* NamespaceUri */
        if (!skip_string(r))
            return false;
    if (enc & 0x40) /* ServerIndex */
        (void)rd_le32(r);
    return !r->truncated;
}

static void sb_nodeid(otw_tb *b, const ua_nodeid *n)
{
    if (n->ns) {
        otw_tb_str(b, "ns=");
        otw_tb_u32(b, n->ns);
        otw_tb_str(b, ";");
    }
    switch (n->kind) {
    case 0:
        otw_tb_str(b, "i=");
        otw_tb_u32(b, n->num);
        break;
    case 3:
        otw_tb_str(b, "s=");
        otw_tb_wire(b, n->id, n->id_len);
        break;
    case 4:
        otw_tb_str(b, "g=");
        otw_tb_hex(b, n->id, n->id_len);
        break;
    default:
        otw_tb_str(b, "b=");
        otw_tb_hex(b, n->id, n->id_len);
        break;
    }
}

/* ExtensionObject: TypeId NodeId, encoding (0 none, 1 ByteString, 2 XML) + body. */
static bool skip_extobj(otw_reader *r, uint32_t *type_id, ua_bytes *body)
{
    ua_nodeid t;
    ua_bytes b;
    if (!ua_read_nodeid(r, &t, false))
        return false;
    uint8_t enc = rd_u8(r);
    if (r->truncated || enc > 2)
        return false;
    if (type_id)
        *type_id = t.kind == 0 && t.ns == 0 ? t.num : 0;
    if (enc == 0) {
        if (body)
            body->p = NULL, body->n = 0;
        return true;
    }
    if (!ua_string(r, &b))
        return false;
    if (body)
        *body = b;
    return true;
}

/* DiagnosticInfo (5.2.2.12): nested InnerDiagnosticInfo walked iteratively. */
static bool skip_diaginfo(otw_reader *r)
{
    for (int depth = 0; depth < 16; depth++) {
        uint8_t mask = rd_u8(r);
        if (mask & 0x01)
            (void)rd_le32(r); /* SymbolicId */
        if (mask & 0x02)
            (void)rd_le32(r); /* NamespaceUri */
        if (mask & 0x08)
            (void)rd_le32(r); /* Locale */
        if (mask & 0x04)
            (void)rd_le32(r); /* LocalizedText */
        if ((mask & 0x10) && !skip_string(r))
            return false; /* AdditionalInfo */
        if (mask & 0x20)
            (void)rd_le32(r); /* InnerStatusCode */
        if (r->truncated || (mask & 0x80))
            return false;
        if (!(mask & 0x40))
            return true;
    }
    return false;
}

/* LocalizedText: mask (1 locale, 2 text) + strings. */
static bool ua_localized(otw_reader *r, ua_bytes *text)
{
    uint8_t mask = rd_u8(r);
    text->p = NULL;
    text->n = 0;
    if (r->truncated || (mask & 0xFC))
        return false;
    if ((mask & 0x01) && !skip_string(r))
        return false;
    if ((mask & 0x02) && !ua_string(r, text))
        return false;
    return true;
}

/* RequestHeader (Part 4, 7.28). */
static bool skip_request_header(otw_reader *r)
{
    ua_nodeid tok;
    if (!ua_read_nodeid(r, &tok, false))
        return false;
    rd_skip(r, 8 + 4 + 4); /* Timestamp, RequestHandle, ReturnDiagnostics */
    if (!skip_string(r))   /* AuditEntryId */
        return false;
    (void)rd_le32(r); /* TimeoutHint */
    return skip_extobj(r, NULL, NULL) && !r->truncated;
}

/* ResponseHeader (Part 4, 7.29): the ServiceResult. */
static bool response_header(otw_reader *r, uint32_t *status)
{
    rd_skip(r, 8 + 4); /* Timestamp, RequestHandle */
    *status = rd_le32(r);
    if (r->truncated || !skip_diaginfo(r))
        return false;
    int32_t n;
    if (!ua_array(r, &n)) /* StringTable */
        return false;
    for (int32_t i = 0; i < n; i++)
        if (!skip_string(r))
            return false;
    return skip_extobj(r, NULL, NULL) && !r->truncated;
}

/* ----------------------------------------------------- identities */

static void copy_bytes(char *dst, size_t dstsz, const ua_bytes *s)
{
    otw_copy_wire_string(dst, dstsz, s->p, s->n);
}

/* ApplicationDescription (Part 4, 7.2) into an identity. */
static bool app_description(otw_reader *r, otw_identity *id, bool *any)
{
    ua_bytes uri, product, name;
    if (!ua_string(r, &uri) || !ua_string(r, &product) || !ua_localized(r, &name))
        return false;
    uint32_t type = rd_le32(r);
    if (!skip_string(r) || !skip_string(r)) /* GatewayServerUri, DiscoveryProfileUri */
        return false;
    int32_t n;
    if (!ua_array(r, &n)) /* DiscoveryUrls */
        return false;
    for (int32_t i = 0; i < n; i++)
        if (!skip_string(r))
            return false;
    if (r->truncated)
        return false;

    static const char *const types[] = {"OPC UA server", "OPC UA client",
                                        "OPC UA client and server", "OPC UA discovery server"};
    if (name.n) {
        copy_bytes(id->product, sizeof(id->product), &name);
        *any = true;
    }
    char detail[128];
    otw_tb d = otw_tb_init(detail, sizeof(detail));
    if (uri.n) {
        otw_tb_str(&d, "application-uri ");
        otw_tb_wire(&d, uri.p, uri.n);
        *any = true;
    }
    if (product.n) {
        if (d.n)
            otw_tb_str(&d, "; ");
        otw_tb_str(&d, "product-uri ");
        otw_tb_wire(&d, product.p, product.n);
        *any = true;
    }
    otw_copy_wire_string(id->detail, sizeof(id->detail), (const uint8_t *)detail, d.n);
    if (*any && type < 4)
        otw_copy_wire_string(id->device_type, sizeof(id->device_type), (const uint8_t *)types[type],
                             strlen(types[type]));
    return true;
}

/* EndpointDescription array: the first endpoint's server description. */
static bool endpoints(otw_reader *r, otw_identity *id, bool *any)
{
    int32_t n;
    if (!ua_array(r, &n))
        return false;
    if (n == 0)
        return true;
    if (!skip_string(r)) /* EndpointUrl */
        return false;
    return app_description(r, id, any);
}

static void emit_identity(const otw_sink *sink, otw_identity *id, otw_dir about, const char *source)
{
    if (!sink || !sink->identity)
        return;
    id->protocol = OTW_PROTO_OPCUA;
    id->about = about;
    id->source = source;
    sink->identity(sink->ctx, id);
}

/* ------------------------------------------------------------ ops */

static void emit_op(const otw_sink *sink, uint16_t function, uint32_t request_id,
                    const char *object, uint64_t ts, uint64_t rts, otw_outcome outcome,
                    uint16_t exception, bool request_seen)
{
    if (!sink || !sink->op)
        return;
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_OPCUA;
    op.ts_us = ts;
    op.response_ts_us = rts;
    if (object) {
        memcpy(op.object, object, sizeof(op.object));
        op.object[sizeof(op.object) - 1] = '\0';
    }
    op.transaction = request_id;
    op.function = function;
    const ua_service *svc = service_by_request(function);
    if (svc) {
        op.function_name = svc->name;
        op.op_class = svc->cls;
    } else {
        op.function_name = function == UA_FN_ERR         ? "ERR"
                           : function == UA_FN_ENCRYPTED ? "encrypted MSG"
                                                         : "Unknown";
        op.op_class = OTW_CLASS_OTHER;
    }
    op.outcome = outcome;
    op.exception_code = outcome == OTW_OUTCOME_EXCEPTION ? exception : 0;
    op.request_seen = request_seen;
    sink->op(sink->ctx, &op);
}

static void malformed(ua_session *s, const otw_sink *sink)
{
    s->n_malformed++;
    if (sink && sink->anomaly)
        sink->anomaly(sink->ctx, "opcua_malformed");
}

static int find_pending(const ua_session *s, uint32_t request_id)
{
    for (uint32_t i = 0; i < s->n_pending; i++)
        if (s->pending[i].request_id == request_id)
            return (int)i;
    return -1;
}

static void emit_pending(const otw_sink *sink, const ua_pending *p, uint64_t rts,
                         otw_outcome outcome, uint16_t exception)
{
    emit_op(sink, p->function, p->request_id, p->object, p->ts_us, rts, outcome, exception, true);
}

static void unanswered(void *ctx, const void *p, const otw_sink *sink)
{
    (void)ctx;
    emit_pending(sink, p, 0, OTW_OUTCOME_NO_RESPONSE, 0);
}

static void add_pending(ua_session *s, otw_dir dir, uint16_t function, uint32_t request_id,
                        const char *object, uint64_t ts, const otw_sink *sink)
{
    ua_pending p;
    memset(&p, 0, sizeof(p));
    p.ts_us = ts;
    p.function = function;
    p.request_id = request_id;
    p.dir = (uint8_t)dir;
    if (object) {
        memcpy(p.object, object, sizeof(p.object));
        p.object[sizeof(p.object) - 1] = '\0';
    }
    int dup = find_pending(s, request_id);
    if (OTW_PENDING_PUSH(s->pending, &s->n_pending, dup, &p, unanswered, NULL, sink))
        s->n_pending_evicted++;
}

/* Severity bits 10 = Bad (Part 4, 7.39). */
static void status_outcome(uint32_t status, otw_outcome *o, uint16_t *exc)
{
    if ((status >> 30) == 2) {
        *o = OTW_OUTCOME_EXCEPTION;
        *exc = (uint16_t)(status >> 16);
    } else {
        *o = OTW_OUTCOME_OK;
        *exc = 0;
    }
}

/* ------------------------------------------------ service bodies */

/* First NodeId of an array of structures that start with one. */
static bool first_node(otw_reader *r, otw_tb *obj)
{
    int32_t n;
    ua_nodeid id;
    if (!ua_array(r, &n))
        return false;
    if (n == 0)
        return true;
    if (!ua_read_nodeid(r, &id, false))
        return false;
    sb_nodeid(obj, &id);
    if (n > 1) {
        otw_tb_str(obj, " (+");
        otw_tb_u32(obj, (uint32_t)(n - 1));
        otw_tb_str(obj, ")");
    }
    return true;
}

/* What a request addresses (object) and the client identity. False when
 * the body does not fit the service. Services not decoded return true. */
static bool request_body(otw_reader *r, uint32_t type_id, otw_tb *obj, otw_identity *id,
                         bool *has_id)
{
    if (!skip_request_header(r))
        return false;
    switch (type_id) {
    case UA_READ_REQ:
        rd_skip(r, 8 + 4); /* maxAge, timestampsToReturn */
        return !r->truncated && first_node(r, obj);
    case UA_WRITE_REQ:
    case UA_DELETE_NODES_REQ:
        return first_node(r, obj);
    case UA_BROWSE_REQ: {
        ua_nodeid view;
        if (!ua_read_nodeid(r, &view, false)) /* View.ViewId */
            return false;
        rd_skip(r, 8 + 4 + 4); /* View timestamp, version, requestedMaxReferencesPerNode */
        return !r->truncated && first_node(r, obj);
    }
    case UA_CALL_REQ: {
        int32_t n;
        ua_nodeid object, method;
        if (!ua_array(r, &n))
            return false;
        if (n == 0)
            return true;
        if (!ua_read_nodeid(r, &object, false) || !ua_read_nodeid(r, &method, false))
            return false;
        sb_nodeid(obj, &method);
        return true;
    }
    case UA_GET_ENDPOINTS_REQ: {
        ua_bytes url;
        if (!ua_string(r, &url))
            return false;
        otw_tb_wire(obj, url.p, url.n);
        return true;
    }
    case UA_CREATE_SESSION_REQ: {
        if (!app_description(r, id, has_id))
            return false;
        ua_bytes server_uri, endpoint, session;
        if (!ua_string(r, &server_uri) || !ua_string(r, &endpoint) || !ua_string(r, &session))
            return false;
        otw_tb_wire(obj, session.p, session.n); /* the session name */
        return true;
    }
    case UA_ACTIVATE_SESSION_REQ: {
        /* clientSignature (String, ByteString), clientSoftwareCertificates,
         * localeIds, userIdentityToken (7.36). */
        if (!skip_string(r) || !skip_string(r))
            return false;
        int32_t n;
        if (!ua_array(r, &n))
            return false;
        for (int32_t i = 0; i < n; i++)
            if (!skip_string(r) || !skip_string(r))
                return false;
        if (!ua_array(r, &n))
            return false;
        for (int32_t i = 0; i < n; i++)
            if (!skip_string(r))
                return false;
        uint32_t tok = 0;
        ua_bytes body = {NULL, 0};
        if (!skip_extobj(r, &tok, &body))
            return false;
        switch (tok) {
        case 321:
            otw_tb_str(obj, "anonymous");
            break;
        case 324: { /* UserNameIdentityToken: policyId, userName, password, alg */
            otw_reader t = rd_init(body.p, body.n);
            ua_bytes user;
            otw_tb_str(obj, "username");
            if (ua_string(&t, &user) && ua_string(&t, &user) && user.n) {
                otw_tb_str(obj, "=");
                otw_tb_wire(obj, user.p, user.n);
            }
            break;
        }
        case 327:
            otw_tb_str(obj, "x509");
            break;
        case 940:
            otw_tb_str(obj, "issued-token");
            break;
        default:
            otw_tb_str(obj, "token");
            break;
        }
        return true;
    }
    default:
        return true;
    }
}

/* ------------------------------------------------- message chunks */

/* Body of a plain OPN/MSG/CLO chunk after the security header: sequence
 * header, type id, then request or response. */
/* head: only the first bytes of a message too large to reassemble (see
 * ua_oversized): what they hold counts, an identity may be partial. */
static otw_parse_status plain_body(ua_session *s, otw_dir dir, otw_reader *r, char chunk,
                                   const char *opn_object, uint64_t ts, const otw_sink *sink,
                                   bool head)
{
    (void)rd_le32(r); /* SequenceNumber */
    uint32_t request_id = rd_le32(r);
    if (r->truncated)
        return OTW_PARSE_MALFORMED;

    /* Later chunks of a message in progress; an abort ends it. */
    bool continuation = s->cont_active[dir] && s->cont_request_id[dir] == request_id;
    if (continuation) {
        s->n_chunks++;
        if (chunk != 'C')
            s->cont_active[dir] = false;
    }
    if (chunk == 'A') {
        /* Abort body: Error (StatusCode), Reason (String). */
        uint32_t err = rd_le32(r);
        int idx = find_pending(s, request_id);
        if (idx >= 0) {
            ua_pending p;
            OTW_PENDING_TAKE(s->pending, &s->n_pending, (uint32_t)idx, &p);
            /* The requester gave up: error; the answer was aborted: exception. */
            if (p.dir == (uint8_t)dir)
                emit_pending(sink, &p, ts, OTW_OUTCOME_ERROR, 0);
            else
                emit_pending(sink, &p, ts, OTW_OUTCOME_EXCEPTION, (uint16_t)(err >> 16));
        }
        return OTW_PARSE_OK;
    }
    if (continuation)
        return OTW_PARSE_OK;
    if (chunk == 'C') {
        s->cont_active[dir] = true;
        s->cont_request_id[dir] = request_id;
    }

    ua_nodeid type;
    if (!ua_read_nodeid(r, &type, true) || type.kind != 0 || type.ns != 0)
        return OTW_PARSE_MALFORMED;

    const ua_service *req = service_by_request(type.num);
    if (req) {
        char object[48];
        otw_tb obj = otw_tb_init(object, sizeof(object));
        otw_identity id;
        memset(&id, 0, sizeof(id));
        bool has_id = false;
        bool ok = true;
        if (type.num == UA_OPN_REQ) {
            otw_tb_str(&obj, opn_object);
            ok = skip_request_header(r);
            (void)rd_le32(r); /* ClientProtocolVersion */
            (void)rd_le32(r); /* RequestType */
            uint32_t mode = rd_le32(r);
            if (ok && !r->truncated && mode != 1) {
                static const char *const modes[] = {"Invalid", "None", "Sign", "SignAndEncrypt"};
                otw_tb_str(&obj, " mode ");
                otw_tb_str(&obj, mode < 4 ? modes[mode] : "unknown");
            }
            ok = ok && !r->truncated;
        } else {
            ok = request_body(r, type.num, &obj, &id, &has_id);
        }
        s->n_requests++;
        if (!ok)
            object[0] = '\0';
        if (type.num == UA_CLO_REQ) {
            /* CloseSecureChannel has no response (Part 4, 5.5.3). */
            emit_op(sink, req->id, request_id, object, ts, 0, OTW_OUTCOME_OK, 0, true);
        } else {
            add_pending(s, dir, req->id, request_id, object, ts, sink);
        }
        if (!ok)
            return chunk == 'C' ? OTW_PARSE_OK : OTW_PARSE_MALFORMED;
        if (has_id)
            emit_identity(sink, &id, dir, "opcua CreateSession");
        return OTW_PARSE_OK;
    }

    const ua_service *rsp = service_by_response(type.num);
    if (!rsp && type.num != UA_SERVICE_FAULT)
        return OTW_PARSE_MALFORMED;
    s->n_responses++;
    uint32_t status = 0;
    bool ok = response_header(r, &status);
    otw_outcome outcome = OTW_OUTCOME_OK;
    uint16_t exc = 0;
    if (ok)
        status_outcome(status, &outcome, &exc);
    else
        outcome = chunk == 'C' ? OTW_OUTCOME_OK : OTW_OUTCOME_ERROR;

    int idx = find_pending(s, request_id);
    if (idx >= 0 && (!rsp || s->pending[idx].function == rsp->id)) {
        ua_pending p;
        OTW_PENDING_TAKE(s->pending, &s->n_pending, (uint32_t)idx, &p);
        emit_pending(sink, &p, ts, outcome, exc);
    } else {
        s->n_unmatched_responses++;
        emit_op(sink, rsp ? rsp->id : 0, request_id, NULL, ts, ts, outcome, exc, false);
    }
    if (!ok)
        return chunk == 'C' ? OTW_PARSE_OK : OTW_PARSE_MALFORMED;

    /* Server identity from its application description. */
    if (rsp && (rsp->id == UA_CREATE_SESSION_REQ || rsp->id == UA_GET_ENDPOINTS_REQ) &&
        outcome == OTW_OUTCOME_OK) {
        otw_identity id;
        memset(&id, 0, sizeof(id));
        bool any = false;
        bool fits = true;
        if (rsp->id == UA_CREATE_SESSION_REQ) {
            ua_nodeid sid, tok;
            fits = ua_read_nodeid(r, &sid, false) && ua_read_nodeid(r, &tok, false);
            rd_skip(r, 8); /* RevisedSessionTimeout */
            fits = fits && !r->truncated && skip_string(r) && skip_string(r); /* nonce, cert */
        }
        /* A head ends inside the endpoints (a certificate is most of a
         * GetEndpoints answer): what was read before the cut still counts. */
        if (fits && (endpoints(r, &id, &any) || head) && any)
            emit_identity(sink, &id, dir, "opcua endpoints");
    }
    return OTW_PARSE_OK;
}

/* The fragment of a SecurityPolicyUri: "SecurityPolicy#None". */
static void policy_object(const ua_bytes *uri, char *out, size_t outsz)
{
    size_t start = 0;
    if (!uri->p || uri->n == 0) {
        otw_copy_wire_string(out, outsz, (const uint8_t *)"SecurityPolicy#?", 16);
        return;
    }
    for (size_t i = 0; i < uri->n; i++)
        if (uri->p[i] == '/')
            start = i + 1;
    otw_copy_wire_string(out, outsz, uri->p + start, uri->n - start);
}

static bool policy_is_none(const ua_bytes *uri)
{
    static const char none[] = "http://opcfoundation.org/UA/SecurityPolicy#None";
    return uri->p && uri->n == sizeof(none) - 1 && memcmp(uri->p, none, uri->n) == 0;
}

/* A MSG chunk of a connection whose policy is unknown (midstream): plain
 * only if the body starts with a known service type id in namespace 0. */
static bool looks_plain(const otw_reader *body)
{
    otw_reader r = *body;
    rd_skip(&r, 8); /* sequence header */
    ua_nodeid t;
    if (!ua_read_nodeid(&r, &t, false) || t.kind != 0 || t.ns != 0)
        return false;
    return service_by_request(t.num) || service_by_response(t.num) || t.num == UA_SERVICE_FAULT;
}

void ua_session_init(void *session)
{
    if (session)
        memset(session, 0, sizeof(ua_session));
}

static bool valid_type(const uint8_t *p)
{
    static const char types[][3] = {{'H', 'E', 'L'}, {'A', 'C', 'K'}, {'E', 'R', 'R'},
                                    {'R', 'H', 'E'}, {'O', 'P', 'N'}, {'M', 'S', 'G'},
                                    {'C', 'L', 'O'}};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (memcmp(p, types[i], 3) == 0)
            return true;
    return false;
}

long ua_frame_len(const uint8_t *buf, size_t len)
{
    if (!buf || len < UA_HEADER_LEN)
        return OTW_FRAME_NEED_MORE;
    otw_reader r = rd_init(buf, len);
    const uint8_t *type = rd_bytes(&r, 3);
    uint8_t chunk = rd_u8(&r);
    uint32_t size = rd_le32(&r);
    if (!valid_type(type) || (chunk != 'F' && chunk != 'C' && chunk != 'A') ||
        size < UA_HEADER_LEN || size > UA_MAX_MESSAGE)
        return OTW_FRAME_NOT_MINE;
    /* HEL/ACK/ERR/RHE/CLO are never chunked (7.1.2.2). */
    if (memcmp(type, "MSG", 3) != 0 && memcmp(type, "OPN", 3) != 0 && chunk != 'F')
        return OTW_FRAME_NOT_MINE;
    return (long)size;
}

otw_parse_status ua_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                          uint64_t ts_us, const otw_sink *sink)
{
    ua_session *s = session;
    long flen = ua_frame_len(pdu, len);
    if (!s || flen <= 0)
        return OTW_PARSE_NOT_MINE;
    if ((size_t)flen != len) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    if ((unsigned)dir > 1)
        dir = OTW_DIR_TO_SERVER;
    otw_reader r = rd_init(pdu, len);
    const uint8_t *type = rd_bytes(&r, 3);
    char chunk = (char)rd_u8(&r);
    rd_skip(&r, 4); /* MessageSize, checked */
    otw_parse_status st = OTW_PARSE_OK;

    if (memcmp(type, "HEL", 3) == 0) {
        rd_skip(&r, 20); /* ProtocolVersion .. MaxChunkCount */
        ua_bytes url;
        s->hello_url[0] = '\0';
        if (!ua_string(&r, &url) || rd_left(&r) != 0)
            st = OTW_PARSE_MALFORMED;
        else
            otw_copy_wire_string(s->hello_url, sizeof(s->hello_url), url.p, url.n);
    } else if (memcmp(type, "ACK", 3) == 0) {
        /* The server accepted the Hello: the URL names one of its endpoints. */
        if (s->hello_url[0]) {
            otw_identity id;
            memset(&id, 0, sizeof(id));
            otw_tb d = otw_tb_init(id.detail, sizeof(id.detail));
            otw_tb_str(&d, "endpoint ");
            otw_tb_str(&d, s->hello_url);
            s->hello_url[0] = '\0';
            emit_identity(sink, &id, dir, "opcua hello");
        }
    } else if (memcmp(type, "RHE", 3) == 0) {
        /* Reverse hello: nothing to report. */
    } else if (memcmp(type, "ERR", 3) == 0) {
        uint32_t err = rd_le32(&r);
        ua_bytes reason;
        s->hello_url[0] = '\0'; /* a refused Hello names no endpoint */
        if (r.truncated || !ua_string(&r, &reason)) {
            st = OTW_PARSE_MALFORMED;
        } else {
            s->n_responses++;
            emit_op(sink, UA_FN_ERR, 0, NULL, ts_us, ts_us, OTW_OUTCOME_EXCEPTION,
                    (uint16_t)(err >> 16), false);
        }
    } else if (memcmp(type, "OPN", 3) == 0) {
        (void)rd_le32(&r); /* SecureChannelId */
        ua_bytes uri, cert, thumb;
        if (!ua_string(&r, &uri) || !ua_string(&r, &cert) || !ua_string(&r, &thumb)) {
            st = OTW_PARSE_MALFORMED;
        } else {
            char object[48];
            policy_object(&uri, object, sizeof(object));
            bool none = policy_is_none(&uri);
            if (none) {
                if (dir == OTW_DIR_TO_SERVER)
                    s->policy = UA_POLICY_NONE;
                st = plain_body(s, dir, &r, chunk, object, ts_us, sink, false);
            } else if (dir == OTW_DIR_TO_SERVER) {
                /* Asymmetrically encrypted: the op is the policy, nothing more. */
                s->policy = UA_POLICY_SECURED;
                s->n_requests++;
                add_pending(s, dir, UA_OPN_REQ, 0, object, ts_us, sink);
            } else {
                /* The server's encrypted answer settles the oldest OPN. */
                s->n_responses++;
                for (uint32_t i = 0; i < s->n_pending; i++) {
                    if (s->pending[i].function == UA_OPN_REQ) {
                        ua_pending p;
                        OTW_PENDING_TAKE(s->pending, &s->n_pending, i, &p);
                        emit_pending(sink, &p, ts_us, OTW_OUTCOME_OK, 0);
                        break;
                    }
                }
            }
        }
    } else {               /* MSG, CLO */
        (void)rd_le32(&r); /* SecureChannelId */
        (void)rd_le32(&r); /* TokenId */
        if (r.truncated) {
            st = OTW_PARSE_MALFORMED;
        } else if (s->policy == UA_POLICY_NONE ||
                   (s->policy == UA_POLICY_UNKNOWN && looks_plain(&r))) {
            s->policy = UA_POLICY_NONE; /* a plain message: the channel is not encrypted */
            st = plain_body(s, dir, &r, chunk, "", ts_us, sink, false);
        } else if (dir == OTW_DIR_TO_SERVER && chunk == 'F') {
            s->n_requests++;
            emit_op(sink, memcmp(type, "CLO", 3) == 0 ? UA_CLO_REQ : UA_FN_ENCRYPTED, 0, NULL,
                    ts_us, 0, OTW_OUTCOME_OK, 0, true);
        } else {
            s->n_chunks++;
        }
    }
    if (st == OTW_PARSE_MALFORMED)
        malformed(s, sink);
    return st;
}

void ua_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    ua_session *s = session;
    if (s)
        OTW_PENDING_EXPIRE(s->pending, &s->n_pending, ts_us, timeout_us, unanswered, NULL, sink);
}

/* A MSG too large to reassemble: its head still carries the request (type
 * and the start of its body) or the answer's ResponseHeader, so the request
 * is recorded, or the pending one it answers closed with its status, and a
 * GetEndpoints answer gives what its head holds of the server's identity.
 * Secured channels and other message types: nothing (their bodies are
 * opaque or carry nothing we use). */
void ua_oversized(void *session, otw_dir dir, const uint8_t *head, size_t head_len, size_t pdu_len,
                  uint64_t ts_us, const otw_sink *sink)
{
    ua_session *s = session;
    (void)pdu_len;
    if (!s || head_len < UA_HEADER_LEN + 8 || memcmp(head, "MSG", 3) != 0 ||
        (head[3] != 'F' && head[3] != 'C' && head[3] != 'A'))
        return;
    if ((unsigned)dir > 1)
        dir = OTW_DIR_TO_SERVER;
    otw_reader r = rd_init(head, head_len);
    rd_skip(&r, UA_HEADER_LEN);
    (void)rd_le32(&r); /* SecureChannelId */
    (void)rd_le32(&r); /* TokenId */
    if (s->policy == UA_POLICY_NONE || (s->policy == UA_POLICY_UNKNOWN && looks_plain(&r))) {
        s->policy = UA_POLICY_NONE;
        (void)plain_body(s, dir, &r, (char)head[3], "", ts_us, sink, true);
    }
}

/* Dynamic detection: a whole Hello (client) or Acknowledge (server),
 * OPC 10000-6 section 7.1.2.3/7.1.2.4: "HELF"/"ACKF", the size equal to
 * the bytes, protocol version 0. */
static int ua_probe(const uint8_t *buf, size_t len, otw_dir dir, bool opening)
{
    (void)opening;
    const char *want = dir == OTW_DIR_TO_SERVER ? "HELF" : "ACKF";
    long fl = ua_frame_len(buf, len);
    if (fl <= 0 || (size_t)fl != len || len < 28 || memcmp(buf, want, 4) != 0)
        return OTW_PROBE_NO;
    return buf[8] == 0 && buf[9] == 0 && buf[10] == 0 && buf[11] == 0 ? OTW_PROBE_STRONG
                                                                      : OTW_PROBE_NO;
}

const otw_dissector opcua_dissector = {
    .proto = OTW_PROTO_OPCUA,
    .name = "opcua",
    .tcp_ports = {UA_PORT},
    .udp_ports = {0},
    .industrial = true,
    .session_size = sizeof(ua_session),
    .session_init = ua_session_init,
    .frame_len = ua_frame_len,
    .parse = ua_parse,
    .expire = ua_expire,
    .oversized = ua_oversized,
    .probe = ua_probe,
};
