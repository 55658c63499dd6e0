/* smtp.c - SMTP login dissector (TCP 25, 587).
 *
 * Specs: RFC 4954 section 4 (AUTH mechanism [initial-response], "334"
 * continuations with a base64 challenge, base64 responses, "*" cancels),
 * section 6 (235 authentication succeeded; 535 credentials invalid, 534,
 * 538, 454 and other 4xx/5xx: failure); RFC 4616 (PLAIN); RFC 5321 section
 * 4.2 (reply lines: "xyz-" continues, "xyz " ends), 4.1.1.4 (DATA, 354,
 * message text ends with a line holding "."); RFC 3207 (STARTTLS, 220:
 * TLS follows).
 *
 * The exchange is judged by the first final reply that is not a 334:
 * 2xx success, 4xx/5xx failure. User and password are held only until then.
 */
#include "smtp.h"

#include <string.h>

_Static_assert(sizeof(smtp_session) <= OTW_SESSION_MAX_BYTES,
               "smtp_session must fit a dissector session slot");

enum { ST_NONE = 0, ST_SASL };

void smtp_session_init(void *session)
{
    if (session != NULL) {
        smtp_session *s = session;
        memset(s, 0, sizeof(*s));
        clt_login_clear(&s->login);
    }
}

static void emit(smtp_session *s, otw_login_outcome o, const otw_sink *sink)
{
    clt_login_end(&s->login, OTW_PROTO_SMTP, o, &s->n_logins, sink);
    clt_sasl_reset(&s->sasl);
    s->state = ST_NONE;
}

static void client_line(smtp_session *s, const uint8_t *p, size_t n, uint64_t ts,
                        const otw_sink *sink)
{
    if (s->in_data) {
        if (n == 1 && p[0] == '.')
            s->in_data = false;
        return;
    }
    if (s->state == ST_SASL && s->sasl.mech != CLT_SASL_NONE) {
        if (clt_sasl_client(&s->sasl, &s->login, p, n)) {
            if (s->sasl.mech == CLT_SASL_NONE)
                s->state = ST_NONE;
            return;
        }
        s->state = ST_NONE;
    }
    size_t arg = clt_next_word(p, n, 0);
    if (clt_word_is(p, n, "AUTH") && arg < n) {
        if (s->login.active)
            emit(s, OTW_LOGIN_UNKNOWN, sink);
        size_t ml = clt_word_len(p + arg, n - arg);
        size_t ir = clt_next_word(p, n, arg);
        clt_sasl_start(&s->sasl, &s->login, "AUTH PLAIN", "AUTH LOGIN", p + arg, ml,
                       ir < n ? p + ir : NULL, n - ir, ts);
        s->state = ST_SASL;
    } else if (clt_word_is(p, n, "STARTTLS")) {
        s->starttls_sent = true;
    } else if (clt_word_is(p, n, "DATA")) {
        s->data_sent = true;
    }
}

static void server_line(smtp_session *s, const uint8_t *p, size_t n, const otw_sink *sink)
{
    if (n < 3 || p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9' ||
        (n > 3 && p[3] != ' ' && p[3] != '-'))
        return;
    if (n > 3 && p[3] == '-')
        return; /* judged on the last line of a multi-line reply */
    int code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    if (s->starttls_sent) {
        s->starttls_sent = false;
        if (code == 220) {
            s->encrypted = true;
            clt_login_clear(&s->login);
            clt_sasl_reset(&s->sasl);
            s->state = ST_NONE;
            return;
        }
    }
    if (s->data_sent) {
        s->data_sent = false;
        if (code == 354) {
            s->in_data = true;
            return;
        }
    }
    if (s->state != ST_SASL || code == 334)
        return;
    emit(s, code / 100 == 2 ? OTW_LOGIN_SUCCESS : OTW_LOGIN_FAILURE, sink);
}

otw_parse_status smtp_parse(void *session, otw_dir dir, const uint8_t *line, size_t len,
                            uint64_t ts_us, const otw_sink *sink)
{
    smtp_session *s = session;
    if (s == NULL || line == NULL || len == 0)
        return OTW_PARSE_NOT_MINE;
    if (s->encrypted)
        return OTW_PARSE_OK;
    size_t n = clt_trim_eol(line, len);
    if (!clt_is_text(line, n))
        return s->in_data ? OTW_PARSE_OK : OTW_PARSE_NOT_MINE; /* 8BITMIME bodies */
    if (dir == OTW_DIR_TO_SERVER)
        client_line(s, line, n, ts_us, sink);
    else
        server_line(s, line, n, sink);
    return OTW_PARSE_OK;
}

void smtp_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    smtp_session *s = session;
    if (s != NULL && clt_login_due(&s->login, ts_us, timeout_us))
        emit(s, OTW_LOGIN_UNKNOWN, sink);
}

/* Dynamic detection: a "220" greeting naming SMTP (ESMTP) opening the
 * flow, or the client's EHLO/HELO line. */
static int smtp_probe(const uint8_t *buf, size_t len, otw_dir dir, bool opening)
{
    size_t line = clt_probe_line(buf, len);
    if (line < 5)
        return OTW_PROBE_NO;
    if (dir == OTW_DIR_TO_CLIENT)
        return opening && clt_starts_with(buf, len, "220") && (buf[3] == ' ' || buf[3] == '-') &&
                       clt_contains_ci(buf, line, "SMTP")
                   ? OTW_PROBE_STRONG
                   : OTW_PROBE_NO;
    return line > 5 && (clt_starts_with(buf, len, "EHLO ") || clt_starts_with(buf, len, "HELO "))
               ? OTW_PROBE_STRONG
               : OTW_PROBE_NO;
}

const otw_dissector smtp_dissector = {
    .proto = OTW_PROTO_SMTP,
    .name = "smtp",
    .tcp_ports = {25, 587},
    .udp_ports = {0},
    .industrial = false,
    .session_size = sizeof(smtp_session),
    .session_init = smtp_session_init,
    .frame_len = clt_line_frame_len,
    .parse = smtp_parse,
    .expire = smtp_expire,
    .probe = smtp_probe,
};
