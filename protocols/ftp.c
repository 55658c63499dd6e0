/* ftp.c - FTP login dissector (control connection, TCP 21).
 *
 * Specs: RFC 959 section 4.1.1 (USER, PASS, ACCT), 4.2 (reply format, the
 * multi-line form "xyz-" ... "xyz "), 5.4 (command-reply sequences: USER ->
 * 230, 530, 500, 501, 421, 331, 332; PASS -> 230, 202, 530, 500, 501, 503,
 * 421, 332); RFC 4217 section 4 (AUTH TLS -> 234, then TLS).
 *
 * One credential per attempt: USER then PASS (or PASS alone when the
 * capture starts between them). Outcome: 230/202/232 (2xx) success, 4xx or
 * 5xx failure, 331/332 wait for the next step. A USER answered by 230 at
 * once is a login without a password (secret_is_none). The password is held
 * in the session only until the reply comes.
 */
#include "ftp.h"

#include <string.h>

_Static_assert(sizeof(ftp_session) <= OTW_SESSION_MAX_BYTES,
               "ftp_session must fit a dissector session slot");

enum { ST_NONE = 0, ST_USER, ST_PASS, ST_NEED_PASS };

void ftp_session_init(void *session)
{
    if (session != NULL) {
        memset(session, 0, sizeof(ftp_session));
        clt_login_clear(&((ftp_session *)session)->login);
    }
}

static void emit(ftp_session *s, otw_login_outcome o, const otw_sink *sink)
{
    clt_login_end(&s->login, OTW_PROTO_FTP, o, &s->n_logins, sink);
    s->state = ST_NONE;
}

static void client_line(ftp_session *s, const uint8_t *p, size_t n, uint64_t ts,
                        const otw_sink *sink)
{
    size_t arg = clt_next_word(p, n, 0);
    s->multiline = 0; /* the client speaks: any reply before it is over */
    if (clt_word_is(p, n, "USER")) {
        if (s->login.active)
            emit(s, OTW_LOGIN_UNKNOWN, sink); /* the previous attempt got no reply */
        clt_login_start(&s->login, "USER/PASS", ts);
        clt_login_set_user(&s->login, p + arg, n - arg);
        s->state = ST_USER;
    } else if (clt_word_is(p, n, "PASS")) {
        if (!s->login.active || s->state == ST_PASS) {
            if (s->login.active)
                emit(s, OTW_LOGIN_UNKNOWN, sink);
            clt_login_start(&s->login, "USER/PASS", ts); /* midstream: no user seen */
        }
        clt_login_set_secret(&s->login, p + arg, n - arg);
        s->login.ts_us = ts;
        s->state = ST_PASS;
    } else if (clt_word_is(p, n, "AUTH")) {
        s->auth_tls_sent = true;
    }
}

static void server_line(ftp_session *s, const uint8_t *p, size_t n, const otw_sink *sink)
{
    if (n < 3 || p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
        return; /* a middle line of a multi-line reply */
    uint16_t code = (uint16_t)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
    bool more = n > 3 && p[3] == '-';
    if (s->multiline) {
        if (code == s->multiline && !more)
            s->multiline = 0; /* last line: already judged on the first */
        return;
    }
    if (more)
        s->multiline = code;
    if (s->auth_tls_sent) {
        s->auth_tls_sent = false;
        if (code == 234) {
            s->encrypted = true;
            clt_login_clear(&s->login);
            s->state = ST_NONE;
            return;
        }
    }
    if (s->state == ST_NONE || !s->login.active)
        return;
    if (code == 331 || code == 332) {
        s->state = s->state == ST_USER ? ST_NEED_PASS : s->state; /* the client's turn */
        return;
    }
    if (code / 100 == 1 || s->state == ST_NEED_PASS)
        return;
    if (code / 100 == 2) {
        if (s->state == ST_USER)
            s->login.secret_is_none = true; /* logged in without a password */
        emit(s, OTW_LOGIN_SUCCESS, sink);
    } else if (code / 100 == 4 || code / 100 == 5) {
        emit(s, OTW_LOGIN_FAILURE, sink);
    }
}

otw_parse_status ftp_parse(void *session, otw_dir dir, const uint8_t *line, size_t len,
                           uint64_t ts_us, const otw_sink *sink)
{
    ftp_session *s = session;
    if (s == NULL || line == NULL || len == 0)
        return OTW_PARSE_NOT_MINE;
    if (s->encrypted)
        return OTW_PARSE_OK;
    size_t n = clt_trim_eol(line, len);
    if (!clt_is_text(line, n)) {
        s->n_not_text++;
        return OTW_PARSE_NOT_MINE;
    }
    if (dir == OTW_DIR_TO_SERVER)
        client_line(s, line, n, ts_us, sink);
    else
        server_line(s, line, n, sink);
    return OTW_PARSE_OK;
}

void ftp_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    ftp_session *s = session;
    if (s == NULL || !s->login.active)
        return;
    /* Waiting for the user to type a password is not an unanswered request:
     * only the end of the flow ends it. */
    if (s->state == ST_NEED_PASS && timeout_us != 0)
        return;
    if (clt_login_due(&s->login, ts_us, timeout_us))
        emit(s, OTW_LOGIN_UNKNOWN, sink);
}

/* Dynamic detection: the server's greeting "220 " or "220-" opening the
 * flow (weak: SMTP greets the same way, so one naming SMTP is not FTP;
 * strong when it says FTP), or a client's "USER name" line (weak: POP3
 * has USER too). */
static int ftp_probe(const uint8_t *buf, size_t len, otw_dir dir, bool opening)
{
    size_t line = clt_probe_line(buf, len);
    if (line < 4)
        return OTW_PROBE_NO;
    if (dir == OTW_DIR_TO_CLIENT) {
        if (!opening || !clt_starts_with(buf, len, "220") || (buf[3] != ' ' && buf[3] != '-') ||
            clt_contains_ci(buf, line, "SMTP"))
            return OTW_PROBE_NO;
        return clt_contains_ci(buf, line, "FTP") ? OTW_PROBE_STRONG : OTW_PROBE_WEAK;
    }
    return line > 5 && clt_starts_with(buf, len, "USER ") ? OTW_PROBE_WEAK : OTW_PROBE_NO;
}

const otw_dissector ftp_dissector = {
    .proto = OTW_PROTO_FTP,
    .name = "ftp",
    .tcp_ports = {21},
    .udp_ports = {0},
    .industrial = false,
    .session_size = sizeof(ftp_session),
    .session_init = ftp_session_init,
    .frame_len = clt_line_frame_len,
    .parse = ftp_parse,
    .expire = ftp_expire,
    .probe = ftp_probe,
};
