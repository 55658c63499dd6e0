/* test_opcua.c - OPC UA binary dissector (protocols/opcua.c).
 *
 * Messages are built field by field after OPC 10000-6 (UA TCP message
 * header, UA Secure Conversation security/sequence headers, binary encoding
 * of String, NodeId, LocalizedText, ExtensionObject, DiagnosticInfo) and
 * OPC 10000-4 (RequestHeader, ResponseHeader, service parameters). Each
 * builder call names the field it writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dissector.h"
#include "facts.h"
#include "opcua.h"
#include "sink_test.h"

SINK_FIXTURE(ua_session, ua_session_init, OTW_PROTO_OPCUA, "opcua_malformed")

/* ------------------------------------------------------------ builder */

typedef struct msg {
    uint8_t b[1024];
    size_t n;
} msg;

static void u8(msg *m, uint8_t v)
{
    assert_true(m->n < sizeof(m->b));
    m->b[m->n++] = v;
}

static void u16(msg *m, uint16_t v)
{
    u8(m, (uint8_t)v);
    u8(m, (uint8_t)(v >> 8));
}

static void u32(msg *m, uint32_t v)
{
    u16(m, (uint16_t)v);
    u16(m, (uint16_t)(v >> 16));
}

static void u64(msg *m, uint64_t v)
{
    u32(m, (uint32_t)v);
    u32(m, (uint32_t)(v >> 32));
}

/* String / ByteString: Int32 length, -1 for NULL. */
static void str(msg *m, const char *s)
{
    if (!s) {
        u32(m, 0xFFFFFFFFu);
        return;
    }
    u32(m, (uint32_t)strlen(s));
    for (const char *p = s; *p; p++)
        u8(m, (uint8_t)*p);
}

/* Four-byte NodeId (encoding 0x01): namespace (octet), identifier (UInt16). */
static void node4(msg *m, uint8_t ns, uint16_t id)
{
    u8(m, 0x01);
    u8(m, ns);
    u16(m, id);
}

/* Message header: type, chunk, MessageSize (patched by finish). */
static void begin(msg *m, const char *type, char chunk)
{
    m->n = 0;
    u8(m, (uint8_t)type[0]);
    u8(m, (uint8_t)type[1]);
    u8(m, (uint8_t)type[2]);
    u8(m, (uint8_t)chunk);
    u32(m, 0);
}

static void finish(msg *m)
{
    m->b[4] = (uint8_t)m->n;
    m->b[5] = (uint8_t)(m->n >> 8);
    m->b[6] = 0;
    m->b[7] = 0;
}

/* Symmetric MSG/CLO: SecureChannelId, TokenId, SequenceNumber, RequestId, type id. */
static void sym(msg *m, const char *type, char chunk, uint32_t req_id, uint16_t type_id)
{
    begin(m, type, chunk);
    u32(m, 1);      /* SecureChannelId */
    u32(m, 1);      /* TokenId */
    u32(m, req_id); /* SequenceNumber */
    u32(m, req_id); /* RequestId */
    if (type_id)
        node4(m, 0, type_id);
}

static void request_header(msg *m)
{
    u8(m, 0x00); /* AuthenticationToken: two-byte NodeId 0 */
    u8(m, 0x00);
    u64(m, 0);    /* Timestamp */
    u32(m, 1);    /* RequestHandle */
    u32(m, 0);    /* ReturnDiagnostics */
    str(m, NULL); /* AuditEntryId */
    u32(m, 5000); /* TimeoutHint */
    u8(m, 0x00);  /* AdditionalHeader: TypeId two-byte 0, */
    u8(m, 0x00);
    u8(m, 0x00); /* no body */
}

static void response_header(msg *m, uint32_t status)
{
    u64(m, 0);           /* Timestamp */
    u32(m, 1);           /* RequestHandle */
    u32(m, status);      /* ServiceResult */
    u8(m, 0x00);         /* ServiceDiagnostics: empty DiagnosticInfo */
    u32(m, 0xFFFFFFFFu); /* StringTable: null array */
    u8(m, 0x00);         /* AdditionalHeader */
    u8(m, 0x00);
    u8(m, 0x00);
}

static otw_parse_status send(fixture *f, msg *m, otw_dir dir, uint64_t ts)
{
    finish(m);
    return ua_parse(&f->s, dir, m->b, m->n, ts, &f->sink);
}

#define C2S OTW_DIR_TO_SERVER
#define S2C OTW_DIR_TO_CLIENT
#define POLICY_NONE "http://opcfoundation.org/UA/SecurityPolicy#None"

static void opn_none(fixture *f, msg *m)
{
    begin(m, "OPN", 'F');
    u32(m, 0);           /* SecureChannelId */
    str(m, POLICY_NONE); /* SecurityPolicyUri */
    str(m, NULL);        /* SenderCertificate */
    str(m, NULL);        /* ReceiverCertificateThumbprint */
    u32(m, 1);           /* SequenceNumber */
    u32(m, 1);           /* RequestId */
    node4(m, 0, 446);    /* OpenSecureChannelRequest */
    request_header(m);
    u32(m, 0);      /* ClientProtocolVersion */
    u32(m, 0);      /* RequestType Issue */
    u32(m, 1);      /* SecurityMode None */
    str(m, NULL);   /* ClientNonce */
    u32(m, 600000); /* RequestedLifetime */
    assert_int_equal(send(f, m, C2S, 10), OTW_PARSE_OK);
    begin(m, "OPN", 'F');
    u32(m, 1);
    str(m, POLICY_NONE);
    str(m, NULL);
    str(m, NULL);
    u32(m, 1);
    u32(m, 1);
    node4(m, 0, 449); /* OpenSecureChannelResponse */
    response_header(m, 0);
    u32(m, 0);      /* ServerProtocolVersion */
    u32(m, 1);      /* SecurityToken: ChannelId */
    u32(m, 1);      /* TokenId */
    u64(m, 0);      /* CreatedAt */
    u32(m, 600000); /* RevisedLifetime */
    str(m, NULL);   /* ServerNonce */
    assert_int_equal(send(f, m, S2C, 11), OTW_PARSE_OK);
}

/* ------------------------------------------------------------- tests */

static void test_registry_and_framing(void **state)
{
    (void)state;
    assert_ptr_equal(otw_dissector_for_port(true, 4840), &opcua_dissector);
    check_industrial_dissector(&opcua_dissector, OTW_PROTO_OPCUA);
    assert_ptr_equal(opcua_dissector.frame_len, ua_frame_len);
    const uint8_t hel[] = {'H', 'E', 'L', 'F', 0x20, 0x00, 0x00, 0x00};
    assert_int_equal(ua_frame_len(hel, sizeof(hel)), 32);
    assert_int_equal(ua_frame_len(hel, 7), OTW_FRAME_NEED_MORE);
    const uint8_t bad_type[] = {'G', 'E', 'T', ' ', 0x20, 0x00, 0x00, 0x00};
    assert_int_equal(ua_frame_len(bad_type, 8), OTW_FRAME_NOT_MINE);
    const uint8_t bad_chunk[] = {'M', 'S', 'G', 'X', 0x20, 0x00, 0x00, 0x00};
    assert_int_equal(ua_frame_len(bad_chunk, 8), OTW_FRAME_NOT_MINE);
    const uint8_t hel_c[] = {'H', 'E', 'L', 'C', 0x20, 0x00, 0x00, 0x00};
    assert_int_equal(ua_frame_len(hel_c, 8), OTW_FRAME_NOT_MINE);
    const uint8_t tiny[] = {'M', 'S', 'G', 'F', 0x07, 0x00, 0x00, 0x00};
    assert_int_equal(ua_frame_len(tiny, 8), OTW_FRAME_NOT_MINE);
    const uint8_t huge[] = {'M', 'S', 'G', 'F', 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(ua_frame_len(huge, 8), OTW_FRAME_NOT_MINE);
    assert_string_equal(ua_service_name(631), "ReadRequest");
    assert_string_equal(ua_service_name(634), "ReadResponse");
    assert_string_equal(ua_service_name(397), "ServiceFault");
    assert_null(ua_service_name(1));
}

static void test_hello_and_err(void **state)
{
    fixture *f = *state;
    msg m;
    begin(&m, "HEL", 'F');
    u32(&m, 0);                        /* ProtocolVersion */
    u32(&m, 65536);                    /* ReceiveBufferSize */
    u32(&m, 65536);                    /* SendBufferSize */
    u32(&m, 0);                        /* MaxMessageSize */
    u32(&m, 0);                        /* MaxChunkCount */
    str(&m, "opc.tcp://plc1:4840/ua"); /* EndpointUrl */
    assert_int_equal(send(f, &m, C2S, 1), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 0);
    assert_int_equal(f->rec.n_ids, 0);
    /* ACK: the server accepted the endpoint URL */
    begin(&m, "ACK", 'F');
    for (int i = 0; i < 5; i++)
        u32(&m, 0);
    assert_int_equal(send(f, &m, S2C, 2), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 1);
    assert_int_equal(f->rec.ids[0].about, S2C); /* the server */
    assert_string_equal(f->rec.ids[0].detail, "endpoint opc.tcp://plc1:4840/ua");
    assert_string_equal(f->rec.ids[0].source, "opcua hello");
    /* A Hello refused with ERR names nothing */
    begin(&m, "HEL", 'F');
    for (int i = 0; i < 5; i++)
        u32(&m, 0);
    str(&m, "opc.tcp://wrong:1/");
    assert_int_equal(send(f, &m, C2S, 2), OTW_PARSE_OK);
    /* ERR: Error BadTcpEndpointUrlInvalid 0x80830000, Reason */
    begin(&m, "ERR", 'F');
    u32(&m, 0x80830000u);
    str(&m, "bad url");
    assert_int_equal(send(f, &m, S2C, 3), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].function, UA_FN_ERR);
    assert_string_equal(f->rec.ops[0].function_name, "ERR");
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[0].exception_code, 0x8083);
    assert_false(f->rec.ops[0].request_seen);
    begin(&m, "ACK", 'F');
    for (int i = 0; i < 5; i++)
        u32(&m, 0);
    send(f, &m, S2C, 3);
    assert_int_equal(f->rec.n_ids, 1);
    /* HEL with trailing garbage */
    begin(&m, "HEL", 'F');
    for (int i = 0; i < 5; i++)
        u32(&m, 0);
    str(&m, NULL);
    u8(&m, 0xAA);
    assert_int_equal(send(f, &m, C2S, 4), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.n_anomalies, 1);
}

static void test_policy_none_services(void **state)
{
    fixture *f = *state;
    msg m;
    opn_none(f, &m);
    assert_int_equal(f->s.policy, UA_POLICY_NONE);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].function, 446);
    assert_string_equal(f->rec.ops[0].function_name, "OpenSecureChannel");
    assert_string_equal(f->rec.ops[0].object, "SecurityPolicy#None");
    assert_int_equal(f->rec.ops[0].outcome, OTW_OUTCOME_OK);
    assert_int_equal(f->rec.ops[0].response_ts_us, 11);

    /* ReadRequest (631), request id 2: maxAge, timestampsToReturn, 2 nodes */
    sym(&m, "MSG", 'F', 2, 631);
    request_header(&m);
    u64(&m, 0);   /* MaxAge (Double 0) */
    u32(&m, 2);   /* TimestampsToReturn Both */
    u32(&m, 2);   /* NodesToRead: 2 */
    u8(&m, 0x03); /* [0] NodeId string ns=2 "Temp" */
    u16(&m, 2);
    str(&m, "Temp");
    u32(&m, 13);        /* AttributeId Value */
    str(&m, NULL);      /* IndexRange */
    u16(&m, 0);         /* DataEncoding: ns 0, */
    str(&m, NULL);      /* name null */
    node4(&m, 0, 2258); /* [1] NodeId i=2258 */
    u32(&m, 13);
    str(&m, NULL);
    u16(&m, 0);
    str(&m, NULL);
    assert_int_equal(send(f, &m, C2S, 20), OTW_PARSE_OK);
    /* ReadResponse (634): Good */
    sym(&m, "MSG", 'F', 2, 634);
    response_header(&m, 0);
    u32(&m, 0xFFFFFFFFu); /* Results: null */
    u32(&m, 0xFFFFFFFFu); /* DiagnosticInfos: null */
    assert_int_equal(send(f, &m, S2C, 21), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 2);
    const otw_op *op = &f->rec.ops[1];
    assert_int_equal(op->function, 631);
    assert_string_equal(op->function_name, "Read");
    assert_int_equal(op->op_class, OTW_CLASS_READ);
    assert_string_equal(op->object, "ns=2;s=Temp (+1)");
    assert_int_equal(op->transaction, 2);
    assert_int_equal(op->outcome, OTW_OUTCOME_OK);

    /* WriteRequest (673), request id 3, one node ns=2;i=5 -> ServiceFault BadNodeIdUnknown */
    sym(&m, "MSG", 'F', 3, 673);
    request_header(&m);
    u32(&m, 1);
    node4(&m, 2, 5);
    u32(&m, 13);
    str(&m, NULL);
    u8(&m, 0x01); /* DataValue: value present */
    u8(&m, 0x06); /* Variant Int32 */
    u32(&m, 42);
    assert_int_equal(send(f, &m, C2S, 30), OTW_PARSE_OK);
    sym(&m, "MSG", 'F', 3, 397);
    response_header(&m, 0x80340000u);
    assert_int_equal(send(f, &m, S2C, 31), OTW_PARSE_OK);
    op = &f->rec.ops[2];
    assert_int_equal(op->op_class, OTW_CLASS_WRITE);
    assert_string_equal(op->object, "ns=2;i=5");
    assert_int_equal(op->outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(op->exception_code, 0x8034);

    /* CallRequest (712), request id 6: object i=85, method ns=2;i=17 -> CallResponse Good */
    sym(&m, "MSG", 'F', 6, 712);
    request_header(&m);
    u32(&m, 1);
    node4(&m, 0, 85);
    node4(&m, 2, 17);
    u32(&m, 0xFFFFFFFFu); /* InputArguments */
    send(f, &m, C2S, 40);
    sym(&m, "MSG", 'F', 6, 715);
    response_header(&m, 0x00000000);
    send(f, &m, S2C, 41);
    assert_int_equal(f->rec.ops[3].op_class, OTW_CLASS_WRITE);
    assert_string_equal(f->rec.ops[3].object, "ns=2;i=17");

    /* BrowseRequest (527), id 8: View (NodeId 0, timestamp, version), max refs, 1 node */
    sym(&m, "MSG", 'F', 8, 527);
    request_header(&m);
    u8(&m, 0x00);
    u8(&m, 0x00);
    u64(&m, 0);
    u32(&m, 0);
    u32(&m, 0);
    u32(&m, 1);
    u8(&m, 0x00); /* two-byte NodeId i=84 (Root) */
    u8(&m, 84);
    send(f, &m, C2S, 50);
    /* DeleteNodesRequest (500), id 9: one node ns=3;i=1 */
    sym(&m, "MSG", 'F', 9, 500);
    request_header(&m);
    u32(&m, 1);
    node4(&m, 3, 1);
    u8(&m, 1); /* DeleteTargetReferences */
    send(f, &m, C2S, 51);
    /* CloseSecureChannel (CLO, 452), id 10: no response */
    sym(&m, "CLO", 'F', 10, 452);
    request_header(&m);
    assert_int_equal(send(f, &m, C2S, 60), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 5);
    assert_int_equal(f->rec.ops[4].function, 452);
    assert_int_equal(f->rec.ops[4].outcome, OTW_OUTCOME_OK);
    ua_expire(&f->s, 100, 0, &f->sink);
    assert_int_equal(f->rec.n_ops, 7);
    assert_string_equal(f->rec.ops[5].object, "i=84");
    assert_int_equal(f->rec.ops[5].outcome, OTW_OUTCOME_NO_RESPONSE);
    assert_int_equal(f->rec.ops[6].op_class, OTW_CLASS_CONFIGURATION);
    assert_string_equal(f->rec.ops[6].object, "ns=3;i=1");
    /* A response nobody asked for */
    sym(&m, "MSG", 'F', 77, 676);
    response_header(&m, 0);
    send(f, &m, S2C, 70);
    assert_false(f->rec.ops[7].request_seen);
    assert_int_equal(f->rec.ops[7].function, 673);
    assert_int_equal(f->rec.n_anomalies, 0);
}

static void app_description(msg *m, const char *uri, const char *product, const char *name,
                            uint32_t type)
{
    str(m, uri);     /* ApplicationUri */
    str(m, product); /* ProductUri */
    u8(m, 0x02);     /* ApplicationName: text only */
    str(m, name);
    u32(m, type);        /* ApplicationType */
    str(m, NULL);        /* GatewayServerUri */
    str(m, NULL);        /* DiscoveryProfileUri */
    u32(m, 0xFFFFFFFFu); /* DiscoveryUrls */
}

static void test_sessions(void **state)
{
    fixture *f = *state;
    msg m;
    opn_none(f, &m);
    /* CreateSessionRequest (461), id 4 */
    sym(&m, "MSG", 'F', 4, 461);
    request_header(&m);
    app_description(&m, "urn:hmi1:Acme:HMI", "urn:Acme:HMI", "Acme HMI", 1);
    str(&m, NULL);                  /* ServerUri */
    str(&m, "opc.tcp://plc1:4840"); /* EndpointUrl */
    str(&m, "Session1");            /* SessionName */
    str(&m, NULL);                  /* ClientNonce */
    str(&m, NULL);                  /* ClientCertificate */
    u64(&m, 0);                     /* RequestedSessionTimeout */
    u32(&m, 0);                     /* MaxResponseMessageSize */
    assert_int_equal(send(f, &m, C2S, 20), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 1);
    const otw_identity *id = &f->rec.ids[0];
    assert_int_equal(id->about, C2S);
    assert_string_equal(id->product, "Acme HMI");
    assert_string_equal(id->device_type, "OPC UA client");
    assert_string_equal(id->detail, "application-uri urn:hmi1:Acme:HMI; product-uri urn:Acme:HMI");
    assert_string_equal(id->source, "opcua CreateSession");
    /* CreateSessionResponse (464) */
    sym(&m, "MSG", 'F', 4, 464);
    response_header(&m, 0);
    node4(&m, 1, 1000); /* SessionId */
    node4(&m, 1, 1001); /* AuthenticationToken */
    u64(&m, 0);         /* RevisedSessionTimeout */
    str(&m, NULL);      /* ServerNonce */
    str(&m, NULL);      /* ServerCertificate */
    u32(&m, 1);         /* ServerEndpoints: 1 */
    str(&m, "opc.tcp://plc1:4840");
    app_description(&m, "urn:plc1:Vendor:Server", "http://vendor.example/plc", "PLC Server", 0);
    assert_int_equal(send(f, &m, S2C, 21), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ids, 2);
    id = &f->rec.ids[1];
    assert_int_equal(id->about, S2C);
    assert_string_equal(id->product, "PLC Server");
    assert_string_equal(id->device_type, "OPC UA server");
    assert_string_equal(id->source, "opcua endpoints");
    assert_int_equal(f->rec.ops[1].op_class, OTW_CLASS_AUTHENTICATION);
    assert_string_equal(f->rec.ops[1].object, "Session1");

    /* ActivateSessionRequest (467), id 5: UserNameIdentityToken "user1" */
    sym(&m, "MSG", 'F', 5, 467);
    request_header(&m);
    str(&m, NULL);        /* ClientSignature.Algorithm */
    str(&m, NULL);        /* ClientSignature.Signature */
    u32(&m, 0xFFFFFFFFu); /* ClientSoftwareCertificates */
    u32(&m, 1);           /* LocaleIds */
    str(&m, "en");
    node4(&m, 0, 324);                  /* UserIdentityToken: UserNameIdentityToken_Encoding */
    u8(&m, 0x01);                       /* binary body */
    u32(&m, 4 + 1 + 4 + 5 + 4 + 6 + 4); /* body length */
    str(&m, "p");                       /* PolicyId */
    str(&m, "user1");                   /* UserName */
    str(&m, "secret");                  /* Password */
    str(&m, NULL);                      /* EncryptionAlgorithm */
    str(&m, NULL);                      /* UserTokenSignature.Algorithm */
    str(&m, NULL);                      /* UserTokenSignature.Signature */
    assert_int_equal(send(f, &m, C2S, 30), OTW_PARSE_OK);
    sym(&m, "MSG", 'F', 5, 470);
    response_header(&m, 0x801F0000u); /* BadIdentityTokenRejected */
    send(f, &m, S2C, 31);
    assert_string_equal(f->rec.ops[2].object, "username=user1");
    assert_int_equal(f->rec.ops[2].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[2].exception_code, 0x801F);
    /* Anonymous token */
    sym(&m, "MSG", 'F', 6, 467);
    request_header(&m);
    str(&m, NULL);
    str(&m, NULL);
    u32(&m, 0);
    u32(&m, 0);
    node4(&m, 0, 321);
    u8(&m, 0x01);
    u32(&m, 4);
    str(&m, NULL);
    send(f, &m, C2S, 32);
    ua_expire(&f->s, 40, 0, &f->sink);
    assert_string_equal(f->rec.ops[3].object, "anonymous");
    assert_int_equal(f->rec.n_anomalies, 0);
}

static void test_secured_channel(void **state)
{
    fixture *f = *state;
    msg m;
    begin(&m, "OPN", 'F');
    u32(&m, 0);
    str(&m, "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256");
    str(&m, "CERT");  /* SenderCertificate */
    str(&m, "THUMB"); /* ReceiverCertificateThumbprint */
    for (int i = 0; i < 16; i++)
        u32(&m, 0xdeadbeefu); /* encrypted */
    assert_int_equal(send(f, &m, C2S, 1), OTW_PARSE_OK);
    assert_int_equal(f->s.policy, UA_POLICY_SECURED);
    begin(&m, "OPN", 'F');
    u32(&m, 7);
    str(&m, "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256");
    str(&m, "CERT2");
    str(&m, "THUMB2");
    for (int i = 0; i < 16; i++)
        u32(&m, 0x12345678u);
    assert_int_equal(send(f, &m, S2C, 2), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_string_equal(f->rec.ops[0].object, "SecurityPolicy#Basic256Sha256");
    assert_int_equal(f->rec.ops[0].response_ts_us, 2);
    /* MSG both ways: one op per client message, nothing decoded */
    sym(&m, "MSG", 'F', 2, 631); /* even if the bytes look plain */
    request_header(&m);
    assert_int_equal(send(f, &m, C2S, 3), OTW_PARSE_OK);
    sym(&m, "MSG", 'F', 2, 634);
    assert_int_equal(send(f, &m, S2C, 4), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 2);
    assert_int_equal(f->rec.ops[1].function, UA_FN_ENCRYPTED);
    assert_string_equal(f->rec.ops[1].function_name, "encrypted MSG");
    assert_int_equal(f->rec.ops[1].op_class, OTW_CLASS_OTHER);
    assert_int_equal(f->rec.n_ids, 0);
}

static void test_midstream_and_chunks(void **state)
{
    fixture *f = *state;
    msg m;
    /* No OPN seen: a plain ReadRequest is recognised ... */
    sym(&m, "MSG", 'C', 9, 631);
    request_header(&m);
    u64(&m, 0);
    u32(&m, 0);
    assert_int_equal(send(f, &m, C2S, 1), OTW_PARSE_OK);
    /* ... its second chunk (same request id) is not a new request */
    sym(&m, "MSG", 'F', 9, 0);
    u8(&m, 0x55);
    assert_int_equal(send(f, &m, C2S, 2), OTW_PARSE_OK);
    assert_int_equal(f->s.n_pending, 1);
    assert_int_equal(f->s.n_chunks, 1);
    /* response in two chunks */
    sym(&m, "MSG", 'C', 9, 634);
    response_header(&m, 0);
    assert_int_equal(send(f, &m, S2C, 3), OTW_PARSE_OK);
    sym(&m, "MSG", 'F', 9, 0);
    u8(&m, 0x00);
    assert_int_equal(send(f, &m, S2C, 4), OTW_PARSE_OK);
    assert_int_equal(f->rec.n_ops, 1);
    assert_int_equal(f->rec.ops[0].response_ts_us, 3);
    assert_int_equal(f->s.n_unmatched_responses, 0);
    /* request chunk then abort by the client: error */
    sym(&m, "MSG", 'C', 10, 673);
    request_header(&m);
    send(f, &m, C2S, 5);
    sym(&m, "MSG", 'A', 10, 0);
    u32(&m, 0x80AB0000u); /* Error */
    str(&m, "gave up");   /* Reason */
    assert_int_equal(send(f, &m, C2S, 6), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_ERROR);
    /* answer aborted by the server: exception with its status */
    sym(&m, "MSG", 'F', 11, 631);
    request_header(&m);
    u64(&m, 0);
    u32(&m, 0);
    u32(&m, 0);
    send(f, &m, C2S, 7);
    sym(&m, "MSG", 'A', 11, 0);
    u32(&m, 0x80B80000u); /* BadResponseTooLarge */
    str(&m, NULL);
    send(f, &m, S2C, 8);
    assert_int_equal(f->rec.ops[2].outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(f->rec.ops[2].exception_code, 0x80B8);
    /* Another connection picked up midstream whose bytes are not a known type id:
     * encrypted, not guessed */
    ua_session_init(&f->s);
    sym(&m, "MSG", 'F', 12, 0);
    u32(&m, 0x99887766u);
    assert_int_equal(send(f, &m, C2S, 9), OTW_PARSE_OK);
    assert_int_equal(f->rec.ops[3].function, UA_FN_ENCRYPTED);
    assert_int_equal(f->rec.n_anomalies, 0);
}

static void test_limits_and_garbage(void **state)
{
    fixture *f = *state;
    msg m;
    opn_none(f, &m);
    for (uint32_t i = 0; i < UA_MAX_PENDING + 2; i++) {
        sym(&m, "MSG", 'F', 100 + i, 826); /* PublishRequest */
        request_header(&m);
        u32(&m, 0xFFFFFFFFu);
        send(f, &m, C2S, 100 + i);
    }
    assert_int_equal(f->s.n_pending, UA_MAX_PENDING);
    assert_int_equal(f->s.n_pending_evicted, 2);
    assert_int_equal(f->rec.ops[1].outcome, OTW_OUTCOME_NO_RESPONSE);
    /* Same request id reused: the older one is given up */
    sym(&m, "MSG", 'F', 110, 826);
    request_header(&m);
    send(f, &m, C2S, 200);
    assert_int_equal(f->rec.ops[3].transaction, 110);
    ua_expire(&f->s, 300, 0, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
    ua_expire(NULL, 0, 0, &f->sink);

    /* Unknown type id */
    sym(&m, "MSG", 'F', 1, 999);
    assert_int_equal(send(f, &m, C2S, 1), OTW_PARSE_MALFORMED);
    /* String type id */
    sym(&m, "MSG", 'F', 1, 0);
    u8(&m, 0x03);
    u16(&m, 0);
    str(&m, "x");
    assert_int_equal(send(f, &m, C2S, 1), OTW_PARSE_MALFORMED);
    /* negative string length */
    sym(&m, "MSG", 'F', 2, 631);
    request_header(&m);
    m.n -= 10; /* cut inside the header, then a bad AuditEntryId */
    u32(&m, 0xFFFFFFF0u);
    assert_int_equal(send(f, &m, C2S, 1), OTW_PARSE_MALFORMED);
    /* MessageSize disagrees with the chunk */
    sym(&m, "MSG", 'F', 3, 631);
    finish(&m);
    assert_int_equal(ua_parse(&f->s, C2S, m.b, m.n - 1, 1, &f->sink), OTW_PARSE_MALFORMED);
    const uint8_t junk[] = {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'};
    assert_int_equal(ua_parse(&f->s, C2S, junk, sizeof(junk), 1, &f->sink), OTW_PARSE_NOT_MINE);
    assert_int_equal(ua_parse(NULL, C2S, junk, sizeof(junk), 1, &f->sink), OTW_PARSE_NOT_MINE);
    /* Deep DiagnosticInfo nesting in a response header */
    sym(&m, "MSG", 'F', 4, 634);
    u64(&m, 0);
    u32(&m, 1);
    u32(&m, 0);
    for (int i = 0; i < 40; i++)
        u8(&m, 0x40); /* InnerDiagnosticInfo, again and again */
    u8(&m, 0x00);
    assert_int_equal(send(f, &m, S2C, 1), OTW_PARSE_MALFORMED);
    assert_int_equal(f->rec.n_anomalies, 5);
}

/* Every prefix of each message (MessageSize patched to the prefix). */
/* A message larger than the sensor reassembles: only its head arrives, via
 * the oversized hook. A request is recorded (object unknown), the head of
 * an answer closes its request with the ResponseHeader's status, and
 * nothing happens for short, non-MSG or bad-chunk heads. */
static void test_oversized_heads(void **state)
{
    fixture *f = *state;
    msg m;
    opn_none(f, &m);
    /* The head of a 9000-byte WriteRequest (673), request id 3. */
    sym(&m, "MSG", 'F', 3, 673);
    request_header(&m);
    u32(&m, 1000); /* NodesToWrite: 1000, cut off here */
    finish(&m);
    ua_oversized(&f->s, C2S, m.b, m.n, 9000, 30, &f->sink);
    assert_int_equal(f->s.n_pending, 1);
    /* The head of its 9000-byte answer: BadUserAccessDenied. */
    sym(&m, "MSG", 'F', 3, 676); /* WriteResponse */
    response_header(&m, 0x801F0000u);
    u32(&m, 1000); /* Results: 1000, cut off */
    finish(&m);
    ua_oversized(&f->s, S2C, m.b, m.n, 9000, 31, &f->sink);
    assert_int_equal(f->s.n_pending, 0);
    const otw_op *op = &f->rec.ops[f->rec.n_ops - 1];
    assert_string_equal(op->function_name, "Write");
    assert_int_equal(op->outcome, OTW_OUTCOME_EXCEPTION);
    assert_int_equal(op->exception_code, 0x801F);
    assert_int_equal(op->response_ts_us, 31);
    /* Too short to hold a MSG header, an OPN head, a bad chunk type: nothing. */
    size_t before = f->rec.n_ops;
    ua_oversized(&f->s, S2C, m.b, 12, 9000, 32, &f->sink);
    memcpy(m.b, "OPNF", 4);
    ua_oversized(&f->s, S2C, m.b, m.n, 9000, 32, &f->sink);
    memcpy(m.b, "MSGX", 4);
    ua_oversized(&f->s, S2C, m.b, m.n, 9000, 32, &f->sink);
    ua_oversized(NULL, S2C, m.b, m.n, 9000, 32, &f->sink);
    assert_int_equal(f->rec.n_ops, before);
    assert_int_equal(f->rec.n_anomalies, 0);
}

static void test_truncation(void **state)
{
    fixture *f = *state;
    msg all[4];
    msg *m = &all[0];
    sym(m, "MSG", 'F', 4, 461);
    request_header(m);
    app_description(m, "urn:a", "urn:b", "Name", 1);
    str(m, NULL);
    str(m, "opc.tcp://x");
    str(m, "S");
    str(m, NULL);
    str(m, NULL);
    u64(m, 0);
    u32(m, 0);
    finish(m);
    m = &all[1];
    sym(m, "MSG", 'F', 4, 464);
    response_header(m, 0);
    node4(m, 1, 1);
    node4(m, 1, 2);
    u64(m, 0);
    str(m, NULL);
    str(m, NULL);
    u32(m, 1);
    str(m, "opc.tcp://x");
    app_description(m, "urn:s", "urn:p", "Server", 0);
    finish(m);
    m = &all[2];
    sym(m, "MSG", 'F', 5, 467);
    request_header(m);
    str(m, NULL);
    str(m, NULL);
    u32(m, 0);
    u32(m, 0);
    node4(m, 0, 324);
    u8(m, 0x01);
    u32(m, 18);
    str(m, "p");
    str(m, "user");
    u32(m, 0xFFFFFFFFu);
    finish(m);
    m = &all[3];
    begin(m, "HEL", 'F');
    for (int i = 0; i < 5; i++)
        u32(m, 0);
    str(m, "opc.tcp://h");
    finish(m);
    for (int k = 0; k < 4; k++) {
        for (size_t cut = 0; cut <= all[k].n; cut++) {
            uint8_t buf[1024];
            memcpy(buf, all[k].b, cut);
            if (cut >= 8) {
                buf[4] = (uint8_t)cut;
                buf[5] = (uint8_t)(cut >> 8);
            }
            ua_session_init(&f->s);
            f->s.policy = UA_POLICY_NONE;
            otw_parse_status st = ua_parse(&f->s, (otw_dir)(k & 1), buf, cut, 1, &f->sink);
            assert_true(st == OTW_PARSE_OK || st == OTW_PARSE_MALFORMED ||
                        st == OTW_PARSE_NOT_MINE);
            ua_expire(&f->s, 2, 0, &f->sink);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_registry_and_framing, setup),
        cmocka_unit_test_setup(test_hello_and_err, setup),
        cmocka_unit_test_setup(test_policy_none_services, setup),
        cmocka_unit_test_setup(test_sessions, setup),
        cmocka_unit_test_setup(test_secured_channel, setup),
        cmocka_unit_test_setup(test_midstream_and_chunks, setup),
        cmocka_unit_test_setup(test_limits_and_garbage, setup),
        cmocka_unit_test_setup(test_oversized_heads, setup),
        cmocka_unit_test_setup(test_truncation, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
