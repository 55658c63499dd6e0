/* imap.c - IMAP login dissector (TCP 143).
 *
 * Specs: RFC 9051 (IMAP4rev2) / RFC 3501 (IMAP4rev1) section 2.2.1
 * (tagged commands, "+" continuation requests), 4.3 (strings: quoted with
 * \" and \\ escapes, or literal {n} CRLF followed by n bytes; {n+} is the
 * non-synchronizing form of RFC 7888), 6.2.1 (STARTTLS), 6.2.2
 * (AUTHENTICATE mechanism, base64 responses, "*" cancels), 6.2.3 (LOGIN
 * userid password), 7.1 (tagged OK / NO / BAD); RFC 4959 (SASL-IR: an
 * initial response on the AUTHENTICATE line); RFC 4616 (PLAIN).
 *
 * A LOGIN or AUTHENTICATE is judged by the tagged answer with its tag: OK
 * success, NO or BAD failure. User and password are held only until then.
 */
#include "imap.h"

#include <string.h>

_Static_assert(sizeof(imap_session) <= OTW_SESSION_MAX_BYTES,
               "imap_session must fit a dissector session slot");

enum { ST_NONE = 0, ST_ARGS, ST_LITERAL, ST_WAIT, ST_SASL };

void imap_session_init(void *session)
{
    if (session != NULL) {
        imap_session *s = session;
        memset(s, 0, sizeof(*s));
        clt_login_clear(&s->login);
    }
}

static void wipe_lit(imap_session *s)
{
    explicit_bzero(s->lit, sizeof(s->lit));
    s->lit_len = 0;
    s->lit_left = 0;
}

static void emit(imap_session *s, otw_login_outcome o, const otw_sink *sink)
{
    clt_login_end(&s->login, OTW_PROTO_IMAP, o, &s->n_logins, sink);
    clt_sasl_reset(&s->sasl);
    wipe_lit(s);
    s->state = ST_NONE;
    s->tag[0] = '\0';
}

static void set_arg(imap_session *s, const uint8_t *v, size_t n)
{
    if (s->arg_index == 0)
        clt_login_set_user(&s->login, v, n);
    else
        clt_login_set_secret(&s->login, v, n);
    s->arg_index++;
}

/* LOGIN arguments from p[off..n): astrings (atom, quoted, literal). */
static void login_args(imap_session *s, const uint8_t *p, size_t n, size_t off)
{
    while (s->arg_index < 2) {
        while (off < n && p[off] == ' ')
            off++;
        if (off >= n)
            break;
        if (p[off] == '"') {
            uint8_t *buf = s->lit;
            size_t k = 0;
            for (off++; off < n && p[off] != '"'; off++) {
                if (p[off] == '\\' && off + 1 < n)
                    off++;
                if (k < sizeof(s->lit))
                    buf[k++] = p[off];
            }
            off++; /* closing quote */
            set_arg(s, buf, k);
            wipe_lit(s);
        } else if (p[off] == '{') {
            uint32_t v = 0;
            size_t i = off + 1;
            while (i < n && p[i] >= '0' && p[i] <= '9' && v < 100000)
                v = v * 10 + (uint32_t)(p[i++] - '0');
            if (i < n && p[i] == '+')
                i++;
            if (i + 1 != n || p[i] != '}')
                break; /* malformed: give up on this command */
            wipe_lit(s);
            s->lit_left = v;
            s->state = ST_LITERAL;
            if (v == 0) {
                set_arg(s, s->lit, 0);
                s->state = ST_ARGS;
            }
            return;
        } else {
            size_t w = clt_word_len(p + off, n - off);
            set_arg(s, p + off, w);
            off += w;
        }
    }
    s->state = s->arg_index >= 2 ? ST_WAIT : ST_NONE;
    if (s->state == ST_NONE)
        clt_login_clear(&s->login); /* incomplete command */
}

static void client_line(imap_session *s, const uint8_t *raw, size_t len, uint64_t ts,
                        const otw_sink *sink)
{
    if (s->state == ST_LITERAL) {
        size_t k = len < s->lit_left ? len : s->lit_left;
        for (size_t i = 0; i < k; i++)
            if (s->lit_len < sizeof(s->lit))
                s->lit[s->lit_len++] = raw[i];
        s->lit_left -= (uint32_t)k;
        if (s->lit_left > 0)
            return;
        set_arg(s, s->lit, s->lit_len);
        wipe_lit(s);
        s->state = ST_ARGS;
        login_args(s, raw, clt_trim_eol(raw, len), k);
        return;
    }
    size_t n = clt_trim_eol(raw, len);
    const uint8_t *p = raw;
    if (s->state == ST_SASL && s->sasl.mech != CLT_SASL_NONE) {
        if (clt_sasl_client(&s->sasl, &s->login, p, n)) {
            if (s->sasl.mech == CLT_SASL_NONE)
                s->state = ST_NONE;
            return;
        }
        s->state = ST_NONE;
    }
    size_t tl = clt_word_len(p, n);
    size_t cmd = clt_next_word(p, n, 0);
    if (tl == 0 || tl >= IMAP_TAG_MAX || cmd >= n)
        return;
    size_t arg = clt_next_word(p, n, cmd);
    bool login = clt_word_is(p + cmd, n - cmd, "LOGIN");
    bool authenticate = clt_word_is(p + cmd, n - cmd, "AUTHENTICATE");
    bool starttls = clt_word_is(p + cmd, n - cmd, "STARTTLS");
    if (!login && !authenticate && !starttls)
        return;
    if (s->login.active)
        emit(s, OTW_LOGIN_UNKNOWN, sink); /* the previous one got no answer */
    memcpy(s->tag, p, tl);
    s->tag[tl] = '\0';
    s->starttls = starttls;
    if (starttls) {
        s->state = ST_WAIT;
    } else if (login) {
        clt_login_start(&s->login, "LOGIN", ts);
        s->arg_index = 0;
        s->state = ST_ARGS;
        login_args(s, p, n, arg);
    } else if (arg < n) {
        size_t ml = clt_word_len(p + arg, n - arg);
        size_t ir = clt_next_word(p, n, arg);
        clt_sasl_start(&s->sasl, &s->login, "AUTHENTICATE PLAIN", "AUTHENTICATE LOGIN", p + arg, ml,
                       ir < n ? p + ir : NULL, n - ir, ts);
        s->state = ST_SASL;
    }
}

static void server_line(imap_session *s, const uint8_t *p, size_t n, const otw_sink *sink)
{
    if (s->tag[0] == '\0' || n == 0 || p[0] == '*' || p[0] == '+')
        return;
    size_t tl = strlen(s->tag);
    if (!clt_word_is(p, n, s->tag) || tl >= n)
        return;
    size_t st = clt_next_word(p, n, 0);
    bool ok = clt_word_is(p + st, n - st, "OK");
    bool no = clt_word_is(p + st, n - st, "NO") || clt_word_is(p + st, n - st, "BAD");
    if (!ok && !no)
        return;
    if (s->starttls) {
        s->starttls = false;
        s->tag[0] = '\0';
        s->state = ST_NONE;
        if (ok) {
            s->encrypted = true;
            clt_login_clear(&s->login);
            wipe_lit(s);
        }
        return;
    }
    emit(s, ok ? OTW_LOGIN_SUCCESS : OTW_LOGIN_FAILURE, sink);
}

otw_parse_status imap_parse(void *session, otw_dir dir, const uint8_t *line, size_t len,
                            uint64_t ts_us, const otw_sink *sink)
{
    imap_session *s = session;
    if (s == NULL || line == NULL || len == 0)
        return OTW_PARSE_NOT_MINE;
    if (s->lit_len > sizeof(s->lit) || s->tag[IMAP_TAG_MAX - 1] != '\0')
        imap_session_init(s); /* never trust a corrupted slot */
    if (s->encrypted)
        return OTW_PARSE_OK;
    if (dir == OTW_DIR_TO_SERVER && s->state == ST_LITERAL) {
        client_line(s, line, len, ts_us, sink); /* literal bytes may be anything */
        return OTW_PARSE_OK;
    }
    size_t n = clt_trim_eol(line, len);
    if (!clt_is_text(line, n))
        return OTW_PARSE_NOT_MINE;
    if (dir == OTW_DIR_TO_SERVER)
        client_line(s, line, len, ts_us, sink);
    else
        server_line(s, line, n, sink);
    return OTW_PARSE_OK;
}

void imap_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    imap_session *s = session;
    if (s != NULL && clt_login_due(&s->login, ts_us, timeout_us))
        emit(s, OTW_LOGIN_UNKNOWN, sink);
}

/* Dynamic detection: the server's untagged greeting "* OK" or
 * "* PREAUTH" opening the flow (RFC 9051 section 7.1). */
static int imap_probe(const uint8_t *buf, size_t len, otw_dir dir, bool opening)
{
    size_t line = clt_probe_line(buf, len);
    return dir == OTW_DIR_TO_CLIENT && opening && line >= 5 &&
                   (clt_starts_with(buf, len, "* OK ") || clt_starts_with(buf, len, "* PREAUTH "))
               ? OTW_PROBE_STRONG
               : OTW_PROBE_NO;
}

const otw_dissector imap_dissector = {
    .proto = OTW_PROTO_IMAP,
    .name = "imap",
    .tcp_ports = {143},
    .udp_ports = {0},
    .industrial = false,
    .session_size = sizeof(imap_session),
    .session_init = imap_session_init,
    .frame_len = clt_line_frame_len,
    .parse = imap_parse,
    .expire = imap_expire,
    .probe = imap_probe,
};
