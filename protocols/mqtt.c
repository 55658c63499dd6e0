/* mqtt.c - MQTT login dissector (TCP 1883).
 *
 * Specs: MQTT 3.1.1 (OASIS Standard, 2014) section 2.2 (fixed header,
 * Remaining Length), 3.1 (CONNECT: protocol name "MQTT", level 4, connect
 * flags - bit 7 user name, bit 6 password, bit 2 will, bits 3-4 will QoS,
 * bit 5 will retain, bit 0 reserved - keep alive; payload: client id,
 * will topic, will message, user name, password, each with a 2-byte
 * length), 3.2 (CONNACK: flags, return code: 0 accepted, 1 protocol
 * version, 2 identifier rejected, 3 server unavailable, 4 bad user name or
 * password, 5 not authorized); MQTT 3.1 (IBM, 2010: protocol name
 * "MQIsdp", level 3); MQTT 5.0 (OASIS Standard, 2019) sections 2.2.2
 * (properties: a Variable Byte Integer length), 3.1.2.11 (CONNECT
 * properties), 3.1.3.2 (will properties), 3.2.2.2 (CONNACK reason codes:
 * 0x86 bad user name or password, 0x87 not authorized, 0x8C bad
 * authentication method).
 *
 * One credential per CONNECT: user name and password when the flags say
 * so; neither = an anonymous login (secret_is_none). Outcome from the
 * CONNACK: 0 success, 4/5 (0x86/0x87/0x8C) failure, other refusals
 * unknown (they are not about the credentials). The password is held
 * only until the CONNACK.
 */
#include "mqtt.h"

#include "reader.h"

#include <string.h>

_Static_assert(sizeof(mqtt_session) <= OTW_SESSION_MAX_BYTES,
               "mqtt_session must fit a dissector session slot");

#define MQTT_CONNECT 1
#define MQTT_CONNACK 2

void mqtt_session_init(void *session)
{
    if (session != NULL) {
        memset(session, 0, sizeof(mqtt_session));
        clt_login_clear(&((mqtt_session *)session)->login);
    }
}

/* Variable Byte Integer (section 1.5.5 of 5.0, Remaining Length in 3.1.1).
 * Returns the number of bytes used, 0 if incomplete, -1 if malformed. */
static int vbi(const uint8_t *p, size_t n, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        if ((size_t)i >= n)
            return 0;
        v |= (uint32_t)(p[i] & 0x7Fu) << (7 * i);
        if (!(p[i] & 0x80)) {
            *out = v;
            return i + 1;
        }
    }
    return -1;
}

long mqtt_frame_len(const uint8_t *buf, size_t len)
{
    uint32_t rl = 0;
    if (buf == NULL || len == 0)
        return OTW_FRAME_NEED_MORE;
    if ((buf[0] >> 4) == 0)
        return OTW_FRAME_NOT_MINE;
    int k = vbi(buf + 1, len - 1, &rl);
    if (k == 0)
        return OTW_FRAME_NEED_MORE;
    if (k < 0 || rl > MQTT_MAX_PACKET)
        return OTW_FRAME_NOT_MINE;
    return (long)(1 + (uint32_t)k + rl);
}

/* A 2-byte length and that many bytes. */
static const uint8_t *field(otw_reader *r, uint16_t *n)
{
    *n = rd_be16(r);
    return rd_bytes(r, *n);
}

static otw_parse_status malformed(mqtt_session *s, const otw_sink *sink)
{
    s->n_malformed++;
    if (sink != NULL && sink->anomaly != NULL)
        sink->anomaly(sink->ctx, "mqtt_malformed");
    return OTW_PARSE_MALFORMED;
}

static void skip_properties(otw_reader *r)
{
    uint32_t plen = 0;
    int k = vbi(r->base + r->off, rd_left(r), &plen);
    if (k <= 0) {
        r->truncated = true;
        return;
    }
    rd_skip(r, (size_t)k);
    rd_skip(r, plen);
}

static otw_parse_status connect(mqtt_session *s, otw_reader *r, uint64_t ts, const otw_sink *sink)
{
    uint16_t nlen = 0, len = 0;
    const uint8_t *name = field(r, &nlen);
    uint8_t level = rd_u8(r);
    uint8_t flags = rd_u8(r);
    (void)rd_be16(r); /* keep alive */
    if (r->truncated || name == NULL)
        return malformed(s, sink);
    bool mqtt = nlen == 4 && memcmp(name, "MQTT", 4) == 0;
    bool mqisdp = nlen == 6 && memcmp(name, "MQIsdp", 6) == 0;
    if (!mqtt && !mqisdp)
        return OTW_PARSE_NOT_MINE;
    if (flags & 0x01)
        return malformed(s, sink); /* reserved flag must be 0 */
    s->version = level;
    if (level >= 5)
        skip_properties(r);
    (void)field(r, &len); /* client identifier */
    if (flags & 0x04) {   /* will */
        if (level >= 5)
            skip_properties(r);
        (void)field(r, &len);
        (void)field(r, &len);
    }
    uint16_t ulen = 0, plen = 0;
    const uint8_t *user = (flags & 0x80) ? field(r, &ulen) : NULL;
    const uint8_t *pass = (flags & 0x40) ? field(r, &plen) : NULL;
    if (r->truncated)
        return malformed(s, sink);
    s->n_connect++;
    clt_login_end(&s->login, OTW_PROTO_MQTT, OTW_LOGIN_UNKNOWN, &s->n_logins, sink);
    clt_login_start(&s->login, "CONNECT", ts);
    if (user != NULL)
        clt_login_set_user(&s->login, user, ulen);
    if (pass != NULL)
        clt_login_set_secret(&s->login, pass, plen);
    if (user == NULL && pass == NULL)
        s->login.secret_is_none = true; /* anonymous */
    return OTW_PARSE_OK;
}

static otw_parse_status connack(mqtt_session *s, otw_reader *r, const otw_sink *sink)
{
    (void)rd_u8(r); /* acknowledge flags */
    uint8_t rc = rd_u8(r);
    if (r->truncated)
        return malformed(s, sink);
    s->n_connack++;
    if (!s->login.active)
        return OTW_PARSE_OK; /* CONNECT not seen */
    otw_login_outcome o = OTW_LOGIN_UNKNOWN;
    if (rc == 0)
        o = OTW_LOGIN_SUCCESS;
    else if (rc == 4 || rc == 5 || rc == 0x86 || rc == 0x87 || rc == 0x8C)
        o = OTW_LOGIN_FAILURE;
    clt_login_end(&s->login, OTW_PROTO_MQTT, o, &s->n_logins, sink);
    return OTW_PARSE_OK;
}

otw_parse_status mqtt_parse(void *session, otw_dir dir, const uint8_t *pkt, size_t len,
                            uint64_t ts_us, const otw_sink *sink)
{
    mqtt_session *s = session;
    if (s == NULL || pkt == NULL || len < 2)
        return OTW_PARSE_NOT_MINE;
    long fl = mqtt_frame_len(pkt, len);
    if (fl <= 0)
        return OTW_PARSE_NOT_MINE;
    if ((size_t)fl != len)
        return malformed(s, sink);
    uint8_t type = pkt[0] >> 4;
    uint32_t rl = 0;
    int k = vbi(pkt + 1, len - 1, &rl);
    otw_reader r = rd_init(pkt + 1 + k, rl);
    if (type == MQTT_CONNECT && dir == OTW_DIR_TO_SERVER)
        return connect(s, &r, ts_us, sink);
    if (type == MQTT_CONNACK && dir == OTW_DIR_TO_CLIENT)
        return connack(s, &r, sink);
    return OTW_PARSE_OK;
}

void mqtt_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    mqtt_session *s = session;
    if (s != NULL && clt_login_due(&s->login, ts_us, timeout_us))
        clt_login_end(&s->login, OTW_PROTO_MQTT, OTW_LOGIN_UNKNOWN, &s->n_logins, sink);
}

/* Dynamic detection: the client's CONNECT (MQTT 3.1.1 section 3.1, 5.0
 * section 3.1): one whole packet, protocol name "MQTT" level 4 or 5, or
 * "MQIsdp" level 3. */
static int mqtt_probe(const uint8_t *buf, size_t len, otw_dir dir, bool opening)
{
    (void)opening;
    long fl = mqtt_frame_len(buf, len);
    if (dir != OTW_DIR_TO_SERVER || buf == NULL || len == 0 || buf[0] != 0x10 || fl <= 0 ||
        (size_t)fl != len)
        return OTW_PROBE_NO;
    size_t h = 2;
    while (h < len && h < 5 && (buf[h - 1] & 0x80))
        h++; /* past the remaining length */
    const uint8_t *v = buf + h;
    size_t n = len - h;
    if (n >= 7 && memcmp(v, "\x00\x04MQTT", 6) == 0 && (v[6] == 4 || v[6] == 5))
        return OTW_PROBE_STRONG;
    if (n >= 9 && memcmp(v, "\x00\x06MQIsdp", 8) == 0 && v[8] == 3)
        return OTW_PROBE_STRONG;
    return OTW_PROBE_NO;
}

const otw_dissector mqtt_dissector = {
    .proto = OTW_PROTO_MQTT,
    .name = "mqtt",
    .tcp_ports = {1883},
    .udp_ports = {0},
    .industrial = false,
    .session_size = sizeof(mqtt_session),
    .session_init = mqtt_session_init,
    .frame_len = mqtt_frame_len,
    .parse = mqtt_parse,
    .expire = mqtt_expire,
    .probe = mqtt_probe,
};
