/* pop3.c - POP3 login dissector (TCP 110).
 *
 * Specs: RFC 1939 section 3 (commands and "+OK"/"-ERR" status indicators),
 * 7 (USER name, PASS string - the rest of the line, spaces included - and
 * APOP name digest: a hash, so a user and no secret); RFC 5034 section 4
 * (AUTH mechanism [initial-response], "+ " continuations, "*" cancels,
 * the exchange ends in +OK or -ERR); RFC 4616 (PLAIN); RFC 2595 section 4
 * (STLS: after its +OK the connection is TLS).
 *
 * USER answered by -ERR is a failed attempt without a password; PASS or
 * the end of a SASL exchange is judged by the next +OK (success) or -ERR
 * (failure). The password is held only until then.
 */
#include "pop3.h"

#include <string.h>

_Static_assert(sizeof(pop3_session) <= OTW_SESSION_MAX_BYTES,
               "pop3_session must fit a dissector session slot");

enum { ST_NONE = 0, ST_USER, ST_NEED_PASS, ST_PASS, ST_SASL };

void pop3_session_init(void *session)
{
    if (session != NULL) {
        pop3_session *s = session;
        memset(s, 0, sizeof(*s));
        clt_login_clear(&s->login);
    }
}

static void emit(pop3_session *s, otw_login_outcome o, const otw_sink *sink)
{
    clt_login_end(&s->login, OTW_PROTO_POP3, o, &s->n_logins, sink);
    clt_sasl_reset(&s->sasl);
    s->state = ST_NONE;
}

static void client_line(pop3_session *s, const uint8_t *p, size_t n, uint64_t ts,
                        const otw_sink *sink)
{
    if (s->state == ST_SASL && s->sasl.mech != CLT_SASL_NONE) {
        if (clt_sasl_client(&s->sasl, &s->login, p, n)) {
            if (s->sasl.mech == CLT_SASL_NONE)
                s->state = ST_NONE; /* cancelled */
            return;
        }
        s->state = ST_NONE; /* not a SASL response: a command, read below */
    }
    size_t arg = clt_next_word(p, n, 0);
    if (clt_word_is(p, n, "USER")) {
        if (s->login.active)
            emit(s, OTW_LOGIN_UNKNOWN, sink);
        clt_login_start(&s->login, "USER/PASS", ts);
        clt_login_set_user(&s->login, p + arg, n - arg);
        s->state = ST_USER;
    } else if (clt_word_is(p, n, "PASS")) {
        if (!s->login.active || s->state == ST_PASS) {
            if (s->login.active)
                emit(s, OTW_LOGIN_UNKNOWN, sink);
            clt_login_start(&s->login, "USER/PASS", ts);
        }
        clt_login_set_secret(&s->login, p + arg, n - arg);
        s->login.ts_us = ts;
        s->state = ST_PASS;
    } else if (clt_word_is(p, n, "APOP")) {
        if (s->login.active)
            emit(s, OTW_LOGIN_UNKNOWN, sink);
        clt_login_start(&s->login, "APOP", ts);
        clt_login_set_user(&s->login, p + arg, clt_word_len(p + arg, n - arg));
        s->state = ST_PASS;
    } else if (clt_word_is(p, n, "AUTH") && arg < n) {
        if (s->login.active)
            emit(s, OTW_LOGIN_UNKNOWN, sink);
        size_t ml = clt_word_len(p + arg, n - arg);
        size_t ir = clt_next_word(p, n, arg);
        clt_sasl_start(&s->sasl, &s->login, "AUTH PLAIN", "AUTH LOGIN", p + arg, ml,
                       ir < n ? p + ir : NULL, n - ir, ts);
        s->state = ST_SASL;
    } else if (clt_word_is(p, n, "STLS")) {
        s->stls_sent = true;
    }
}

static void server_line(pop3_session *s, const uint8_t *p, size_t n, const otw_sink *sink)
{
    bool ok = clt_word_is(p, n, "+OK");
    bool err = clt_word_is(p, n, "-ERR");
    if (!ok && !err)
        return; /* "+ " continuation, or message text */
    if (s->stls_sent) {
        s->stls_sent = false;
        if (ok) {
            s->encrypted = true;
            clt_login_clear(&s->login);
            clt_sasl_reset(&s->sasl);
            s->state = ST_NONE;
            return;
        }
    }
    switch (s->state) {
    case ST_USER:
        if (ok)
            s->state = ST_NEED_PASS;
        else
            emit(s, OTW_LOGIN_FAILURE, sink);
        break;
    case ST_PASS:
    case ST_SASL:
        emit(s, ok ? OTW_LOGIN_SUCCESS : OTW_LOGIN_FAILURE, sink);
        break;
    default:
        break;
    }
}

otw_parse_status pop3_parse(void *session, otw_dir dir, const uint8_t *line, size_t len,
                            uint64_t ts_us, const otw_sink *sink)
{
    pop3_session *s = session;
    if (s == NULL || line == NULL || len == 0)
        return OTW_PARSE_NOT_MINE;
    if (s->encrypted)
        return OTW_PARSE_OK;
    size_t n = clt_trim_eol(line, len);
    if (!clt_is_text(line, n))
        return OTW_PARSE_NOT_MINE;
    if (dir == OTW_DIR_TO_SERVER)
        client_line(s, line, n, ts_us, sink);
    else
        server_line(s, line, n, sink);
    return OTW_PARSE_OK;
}

void pop3_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    pop3_session *s = session;
    if (s == NULL || !s->login.active)
        return;
    if (s->state == ST_NEED_PASS && timeout_us != 0)
        return; /* the client's turn */
    if (clt_login_due(&s->login, ts_us, timeout_us))
        emit(s, OTW_LOGIN_UNKNOWN, sink);
}

/* Dynamic detection: the server's "+OK" greeting opening the flow (a
 * "+OK" answering a client, as Redis does, is not a greeting). */
static int pop3_probe(const uint8_t *buf, size_t len, otw_dir dir, bool opening)
{
    size_t line = clt_probe_line(buf, len);
    return dir == OTW_DIR_TO_CLIENT && opening && line >= 3 && clt_starts_with(buf, len, "+OK") &&
                   (line == 3 || buf[3] == ' ')
               ? OTW_PROBE_STRONG
               : OTW_PROBE_NO;
}

const otw_dissector pop3_dissector = {
    .proto = OTW_PROTO_POP3,
    .name = "pop3",
    .tcp_ports = {110},
    .udp_ports = {0},
    .industrial = false,
    .session_size = sizeof(pop3_session),
    .session_init = pop3_session_init,
    .frame_len = clt_line_frame_len,
    .parse = pop3_parse,
    .expire = pop3_expire,
    .probe = pop3_probe,
};
