/* vnc.c - VNC (RFB) login dissector (TCP 5900, 5901).
 *
 * Specs: RFC 6143 section 7.1.1 (ProtocolVersion "RFB 003.00x\n", 12
 * bytes, server first, the client answers with the version to use),
 * 7.1.2 (Security: 3.7+ a count and the types, count 0 = failure with a
 * reason; the client picks one byte), 7.1.3 (SecurityResult: U32, 0 OK,
 * 1 failed; 3.8 adds a reason string on failure), 7.2.1 (None: 3.8 sends a
 * SecurityResult, 3.3/3.7 go straight to initialisation), 7.2.2 (VNC
 * Authentication: 16-byte challenge, 16-byte response), appendix A (RFB
 * 3.3: the server imposes the type as a U32, 0 = failure + reason).
 * Version numbers other than 3.3 and 3.7 are handled as 3.8 (section 7.1.1:
 * "other version numbers ... should be interpreted as 3.3", but 3.889
 * (Apple) and 4.x/5.x (RealVNC) behave as 3.8 for these messages).
 *
 * The stream is read in whatever pieces arrive (clt_chunk_frame_len);
 * messages split or coalesced across pieces are gathered and skipped by
 * count. After the security handshake nothing more is read.
 */
#include "vnc.h"

#include <string.h>

_Static_assert(sizeof(vnc_session) <= OTW_SESSION_MAX_BYTES,
               "vnc_session must fit a dissector session slot");

enum {
    P_SV = 0, /* server version, 12 bytes to the client */
    P_CV,     /* client version, 12 bytes to the server */
    P_SEC33,  /* RFB 3.3: U32 security type to the client */
    P_TYPES,  /* 3.7+: U8 count (then the types, skipped) to the client */
    P_SELECT, /* 3.7+: U8 chosen type to the server */
    P_CHAL,   /* 16-byte challenge to the client */
    P_RESP,   /* 16-byte response to the server */
    P_RESULT, /* U32 SecurityResult to the client */
    P_DONE
};

void vnc_session_init(void *session)
{
    if (session != NULL) {
        memset(session, 0, sizeof(vnc_session));
        clt_login_clear(&((vnc_session *)session)->login);
    }
}

/* Direction (0 to server, 1 to client) and size of what a phase reads. */
static void expect(uint8_t phase, int *dir, size_t *need)
{
    static const uint8_t dirs[P_DONE] = {1, 0, 1, 1, 0, 1, 0, 1};
    static const uint8_t sizes[P_DONE] = {12, 12, 4, 1, 1, 16, 16, 4};
    *dir = phase < P_DONE ? dirs[phase] : -1;
    *need = phase < P_DONE ? sizes[phase] : 0;
}

static void emit(vnc_session *s, otw_login_outcome o, const otw_sink *sink)
{
    clt_login_end(&s->login, OTW_PROTO_VNC, o, &s->n_logins, sink);
}

static uint8_t version_minor(const uint8_t *v)
{
    /* "RFB xxx.yyy\n": minor = yyy */
    unsigned major = 0, minor = 0;
    for (int i = 4; i < 7; i++)
        major = major * 10 + (unsigned)(v[i] - '0');
    for (int i = 8; i < 11; i++)
        minor = minor * 10 + (unsigned)(v[i] - '0');
    if (major == 3 && (minor == 3 || minor == 7))
        return (uint8_t)minor;
    if (major == 3 && minor < 7)
        return 3; /* 3.4, 3.5, 3.6: 3.3 per section 7.1.1 */
    return 8;
}

static bool version_ok(const uint8_t *v)
{
    if (memcmp(v, "RFB ", 4) != 0 || v[7] != '.' || v[11] != '\n')
        return false;
    for (int i = 4; i < 11; i++)
        if (i != 7 && (v[i] < '0' || v[i] > '9'))
            return false;
    return true;
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* A whole message of the current phase in s->acc. Returns false if the
 * stream is not RFB. */
static bool message(vnc_session *s, uint64_t ts, const otw_sink *sink)
{
    const uint8_t *m = s->acc;
    switch (s->phase) {
    case P_SV:
        if (!version_ok(m))
            return false;
        s->server_minor = version_minor(m);
        s->phase = P_CV;
        break;
    case P_CV: {
        if (!version_ok(m))
            return false;
        uint8_t c = version_minor(m);
        s->minor = c < s->server_minor ? c : s->server_minor;
        s->phase = s->minor == 3 ? P_SEC33 : P_TYPES;
        break;
    }
    case P_SEC33: {
        uint32_t t = be32(m);
        if (t == 1) {
            clt_login_start(&s->login, "None", ts);
            s->login.secret_is_none = true;
            emit(s, OTW_LOGIN_SUCCESS, sink); /* 3.3: no SecurityResult for None */
            s->phase = P_DONE;
        } else if (t == 2) {
            s->phase = P_CHAL;
        } else {
            s->phase = P_DONE; /* 0: refused before any authentication */
        }
        break;
    }
    case P_TYPES:
        if (m[0] == 0) {
            s->phase = P_DONE;
        } else {
            s->skip[1] += m[0];
            s->phase = P_SELECT;
        }
        break;
    case P_SELECT:
        if (m[0] == 1) {
            clt_login_start(&s->login, "None", ts);
            s->login.secret_is_none = true;
            if (s->minor >= 8) {
                s->phase = P_RESULT;
            } else {
                emit(s, OTW_LOGIN_SUCCESS, sink);
                s->phase = P_DONE;
            }
        } else if (m[0] == 2) {
            s->phase = P_CHAL;
        } else {
            s->phase = P_DONE; /* TLS, VeNCrypt, Tight, ...: not followed */
        }
        break;
    case P_CHAL:
        s->phase = P_RESP;
        break;
    case P_RESP:
        clt_login_start(&s->login, "VNC auth", ts); /* DES response: no secret */
        s->phase = P_RESULT;
        break;
    case P_RESULT:
        emit(s, be32(m) == 0 ? OTW_LOGIN_SUCCESS : OTW_LOGIN_FAILURE, sink);
        s->phase = P_DONE;
        break;
    default:
        break;
    }
    return true;
}

otw_parse_status vnc_parse(void *session, otw_dir dir, const uint8_t *data, size_t len,
                           uint64_t ts_us, const otw_sink *sink)
{
    vnc_session *s = session;
    if (s == NULL || data == NULL)
        return OTW_PARSE_NOT_MINE;
    if (s->phase > P_DONE || s->acc_len > sizeof(s->acc))
        vnc_session_init(s); /* never trust a corrupted slot */
    int d = dir == OTW_DIR_TO_SERVER ? 0 : 1;
    size_t off = 0;
    while (off < len && s->phase != P_DONE) {
        if (s->skip[d] > 0) {
            size_t k = len - off < s->skip[d] ? len - off : s->skip[d];
            s->skip[d] -= (uint32_t)k;
            off += k;
            continue;
        }
        int want;
        size_t need;
        expect(s->phase, &want, &need);
        if (want != d)
            break;                   /* not this side's turn: early or stray bytes, not followed */
        if (need > sizeof(s->acc)) { /* challenge / response: skipped */
            s->skip[d] = (uint32_t)need;
            s->acc_len = 0;
            if (!message(s, ts_us, sink))
                return OTW_PARSE_NOT_MINE;
            continue;
        }
        while (off < len && s->acc_len < need)
            s->acc[s->acc_len++] = data[off++];
        if (s->acc_len < need)
            break;
        s->acc_len = 0;
        if (!message(s, ts_us, sink)) {
            s->phase = P_DONE;
            return OTW_PARSE_NOT_MINE;
        }
    }
    return OTW_PARSE_OK;
}

void vnc_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    vnc_session *s = session;
    if (s != NULL && clt_login_due(&s->login, ts_us, timeout_us)) {
        emit(s, OTW_LOGIN_UNKNOWN, sink);
        s->phase = P_DONE;
    }
}

/* Dynamic detection: the ProtocolVersion "RFB xxx.yyy\n" (RFC 6143
 * section 7.1.1), exactly 12 bytes, the server's opening the flow or the
 * client's answer. */
static int vnc_probe(const uint8_t *buf, size_t len, otw_dir dir, bool opening)
{
    if (len != 12 || memcmp(buf, "RFB ", 4) != 0 || buf[7] != '.' || buf[11] != '\n')
        return OTW_PROBE_NO;
    for (size_t i = 4; i < 11; i++)
        if (i != 7 && (buf[i] < '0' || buf[i] > '9'))
            return OTW_PROBE_NO;
    return dir == OTW_DIR_TO_SERVER || opening ? OTW_PROBE_STRONG : OTW_PROBE_NO;
}

const otw_dissector vnc_dissector = {
    .proto = OTW_PROTO_VNC,
    .name = "vnc",
    .tcp_ports = {5900, 5901},
    .udp_ports = {0},
    .industrial = false,
    .session_size = sizeof(vnc_session),
    .session_init = vnc_session_init,
    .frame_len = clt_chunk_frame_len,
    .parse = vnc_parse,
    .expire = vnc_expire,
    .probe = vnc_probe,
};
