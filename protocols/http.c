/* http.c - HTTP/1.x login dissector (TCP 80, 8080).
 *
 * Specs: RFC 9112 section 3 (request line: method SP target SP version)
 * and 4 (status line: version SP 3DIGIT SP reason), RFC 9110 section 11.6.2
 * (Authorization: scheme credentials), RFC 7617 section 2 (Basic: base64
 * of user-id ":" password - the user-id has no colon, the password may),
 * RFC 7616 section 3.4 (Digest: username="..." among the parameters; the
 * response is a hash: a user, no secret), RFC 9110 section 15 (status
 * codes), section 9.3.6 (CONNECT).
 *
 * The stream is read line by line (clt_line_frame_len). A request line
 * starts a request; its header lines run to the empty line; what follows
 * is body until the next request line (no Content-Length bookkeeping: a
 * body line that looks like a request line is taken for one - harmless
 * here, it only adds a request without credentials). Responses answer the
 * oldest pending request. Outcome: 401, 403 and 407 failure; 2xx and 3xx
 * success; other final statuses unknown (the server may have refused the
 * request before or after checking the credentials); 1xx interim. A
 * successful CONNECT, a 101 (Upgrade) or HTTP/2 prior knowledge end the
 * readable part of the flow.
 */
#include "http.h"

#include <string.h>

_Static_assert(sizeof(http_session) <= OTW_SESSION_MAX_BYTES,
               "http_session must fit a dissector session slot");

enum { RQ_IDLE = 0, RQ_HEADERS, RQ_BODY };

void http_session_init(void *session)
{
    if (session != NULL) {
        http_session *s = session;
        memset(s, 0, sizeof(*s));
        for (size_t i = 0; i < HTTP_MAX_PENDING; i++)
            clt_login_clear(&s->pending[i].login);
    }
}

static uint8_t lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static bool prefix_ci(const uint8_t *p, size_t n, const char *pre)
{
    size_t k = strlen(pre);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (lower(p[i]) != lower((uint8_t)pre[i]))
            return false;
    return true;
}

/* "HTTP/1.0" or "HTTP/1.1" at p. */
static bool http_version(const uint8_t *p, size_t n)
{
    return n >= 8 && memcmp(p, "HTTP/1.", 7) == 0 && (p[7] == '0' || p[7] == '1');
}

/* Request line: token SP target SP HTTP/1.x (RFC 9112 section 3). */
static bool request_line(const uint8_t *p, size_t n, bool *connect)
{
    size_t m = clt_word_len(p, n);
    if (m == 0 || m > 16 || m + 1 >= n || p[m] != ' ')
        return false;
    for (size_t i = 0; i < m; i++)
        if (p[i] < 'A' || p[i] > 'Z')
            return false; /* registered methods are upper-case tokens */
    size_t t = m + 1;
    size_t tl = clt_word_len(p + t, n - t);
    if (tl == 0 || t + tl + 1 >= n || p[t + tl] != ' ')
        return false;
    size_t v = t + tl + 1;
    if (!http_version(p + v, n - v) || n - v != 8)
        return false;
    *connect = m == 7 && memcmp(p, "CONNECT", 7) == 0;
    return true;
}

static void emit(http_session *s, http_pending *q, otw_login_outcome o, const otw_sink *sink)
{
    clt_login_end(&q->login, OTW_PROTO_HTTP, o, &s->n_logins, sink);
}

static void pop(http_session *s)
{
    if (s->n_pending == 0)
        return;
    memmove(&s->pending[0], &s->pending[1], (size_t)(s->n_pending - 1) * sizeof(s->pending[0]));
    s->n_pending--;
    /* the vacated slot must hold nothing */
    explicit_bzero(&s->pending[s->n_pending], sizeof(s->pending[0]));
}

static void push(http_session *s, bool connect, uint64_t ts, const otw_sink *sink)
{
    if (s->n_pending >= HTTP_MAX_PENDING) {
        emit(s, &s->pending[0], OTW_LOGIN_UNKNOWN, sink);
        pop(s);
    }
    http_pending *q = &s->pending[s->n_pending++];
    clt_login_clear(&q->login);
    q->connect = connect;
    q->login.ts_us = ts;
    s->n_requests++;
}

/* Authorization: Basic b64(user:password) | Digest username="user", ... */
static void authorization(http_session *s, const uint8_t *p, size_t n, uint64_t ts)
{
    if (s->n_pending == 0)
        return;
    http_pending *q = &s->pending[s->n_pending - 1];
    size_t off = clt_next_word(p, n, 0); /* past "Authorization:" */
    const uint8_t *scheme = p + off;
    size_t rest = n - off;
    size_t arg = clt_next_word(scheme, rest, 0);
    if (clt_word_is(scheme, rest, "Basic")) {
        uint8_t buf[CLT_USER_MAX + CLT_SECRET_MAX + 64];
        size_t tl = clt_word_len(scheme + arg, rest - arg);
        long dl = clt_b64_decode(scheme + arg, tl, buf, sizeof(buf));
        if (dl < 0)
            return;
        const uint8_t *colon = memchr(buf, ':', (size_t)dl);
        clt_login_start(&q->login, "Basic", ts);
        if (colon != NULL) {
            clt_login_set_user(&q->login, buf, (size_t)(colon - buf));
            clt_login_set_secret(&q->login, colon + 1, (size_t)dl - (size_t)(colon + 1 - buf));
        } else {
            clt_login_set_user(&q->login, buf, (size_t)dl);
        }
        explicit_bzero(buf, sizeof(buf));
    } else if (clt_word_is(scheme, rest, "Digest")) {
        /* username="..." (or a token); not username* (extended notation) */
        for (size_t i = arg; i + 8 < rest; i++) {
            if (!prefix_ci(scheme + i, rest - i, "username") ||
                (i > 0 && scheme[i - 1] != ' ' && scheme[i - 1] != ','))
                continue;
            size_t j = i + 8;
            while (j < rest && scheme[j] == ' ')
                j++;
            if (j >= rest || scheme[j] != '=')
                continue;
            j++;
            while (j < rest && scheme[j] == ' ')
                j++;
            size_t start = j, end;
            if (j < rest && scheme[j] == '"') {
                start = ++j;
                while (j < rest && scheme[j] != '"')
                    j++;
            } else {
                while (j < rest && scheme[j] != ',' && scheme[j] != ' ')
                    j++;
            }
            end = j;
            clt_login_start(&q->login, "Digest", ts);
            clt_login_set_user(&q->login, scheme + start, end - start);
            break;
        }
    }
}

static void client_line(http_session *s, const uint8_t *p, size_t n, uint64_t ts,
                        const otw_sink *sink)
{
    bool connect = false;
    if (n == 24 && memcmp(p, "PRI * HTTP/2.0", 14) == 0) {
        s->tunnel = true; /* h2c prior knowledge: binary from here */
        return;
    }
    if (request_line(p, n, &connect)) {
        s->seen_http = true;
        push(s, connect, ts, sink);
        s->req_state = RQ_HEADERS;
        return;
    }
    if (s->req_state != RQ_HEADERS)
        return;
    if (n == 0) {
        s->req_state = RQ_BODY;
        return;
    }
    if (prefix_ci(p, n, "Authorization:"))
        authorization(s, p, n, ts);
}

static void server_line(http_session *s, const uint8_t *p, size_t n, const otw_sink *sink)
{
    if (!http_version(p, n) || n < 12 || p[8] != ' ')
        return;
    uint8_t d0 = p[9], d1 = p[10], d2 = p[11];
    if (d0 < '1' || d0 > '5' || d1 < '0' || d1 > '9' || d2 < '0' || d2 > '9' ||
        (n > 12 && p[12] != ' '))
        return;
    s->seen_http = true;
    s->n_responses++;
    int status = (d0 - '0') * 100 + (d1 - '0') * 10 + (d2 - '0');
    if (status / 100 == 1 && status != 101)
        return; /* interim: the final status follows */
    if (s->n_pending == 0)
        return; /* request not seen */
    http_pending *q = &s->pending[0];
    otw_login_outcome o = OTW_LOGIN_UNKNOWN;
    if (status == 401 || status == 403 || status == 407)
        o = OTW_LOGIN_FAILURE;
    else if (status / 100 == 2 || status / 100 == 3 || status == 101)
        o = OTW_LOGIN_SUCCESS;
    bool tunnel = status == 101 || (q->connect && status / 100 == 2);
    emit(s, q, o, sink);
    pop(s);
    if (tunnel) {
        s->tunnel = true;
        for (uint8_t i = 0; i < s->n_pending; i++)
            emit(s, &s->pending[i], OTW_LOGIN_UNKNOWN, sink);
        s->n_pending = 0;
    }
}

otw_parse_status http_parse(void *session, otw_dir dir, const uint8_t *line, size_t len,
                            uint64_t ts_us, const otw_sink *sink)
{
    http_session *s = session;
    if (s == NULL || line == NULL || len == 0)
        return OTW_PARSE_NOT_MINE;
    if (s->n_pending > HTTP_MAX_PENDING)
        http_session_init(s); /* never trust a corrupted slot */
    if (s->tunnel)
        return OTW_PARSE_OK;
    size_t n = clt_trim_eol(line, len);
    if (!clt_is_text(line, n))
        return s->seen_http ? OTW_PARSE_OK : OTW_PARSE_NOT_MINE; /* a body, or not HTTP */
    if (dir == OTW_DIR_TO_SERVER)
        client_line(s, line, n, ts_us, sink);
    else
        server_line(s, line, n, sink);
    return OTW_PARSE_OK;
}

void http_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    http_session *s = session;
    if (s == NULL)
        return;
    if (s->n_pending > HTTP_MAX_PENDING)
        s->n_pending = HTTP_MAX_PENDING;
    while (s->n_pending > 0) {
        http_pending *q = &s->pending[0];
        uint64_t t = q->login.ts_us;
        if (timeout_us != 0 && !(ts_us >= t && ts_us - t > timeout_us))
            break;
        emit(s, q, OTW_LOGIN_UNKNOWN, sink);
        pop(s);
    }
}

/* Dynamic detection: a request line with a registered method and an
 * origin-form ("/..."), absolute-form or "*" target, or a status line
 * "HTTP/1.x 3DIGIT " answering one. */
static int http_probe(const uint8_t *buf, size_t len, otw_dir dir, bool opening)
{
    static const char *const methods[] = {"GET ",     "POST ",  "HEAD ",  "PUT ",    "DELETE ",
                                          "OPTIONS ", "PATCH ", "TRACE ", "CONNECT "};
    size_t line = clt_probe_line(buf, len);
    bool connect = false;
    if (line < 12)
        return OTW_PROBE_NO;
    if (dir == OTW_DIR_TO_CLIENT)
        return !opening && http_version(buf, line) && buf[8] == ' ' && buf[9] >= '1' &&
                       buf[9] <= '5' && buf[10] >= '0' && buf[10] <= '9' && buf[11] >= '0' &&
                       buf[11] <= '9' && (line == 12 || buf[12] == ' ')
                   ? OTW_PROBE_STRONG
                   : OTW_PROBE_NO;
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        size_t m = strlen(methods[i]);
        if (!clt_starts_with(buf, line, methods[i]))
            continue;
        uint8_t t = buf[m];
        bool target = t == '/' || t == '*' || prefix_ci(buf + m, line - m, "http://") ||
                      (m == 8 && t != ' '); /* CONNECT host:port */
        return target && request_line(buf, line, &connect) ? OTW_PROBE_STRONG : OTW_PROBE_NO;
    }
    return OTW_PROBE_NO;
}

const otw_dissector http_dissector = {
    .proto = OTW_PROTO_HTTP,
    .name = "http",
    .tcp_ports = {80, 8080},
    .udp_ports = {0},
    .industrial = false,
    .session_size = sizeof(http_session),
    .session_init = http_session_init,
    .frame_len = clt_line_frame_len,
    .parse = http_parse,
    .expire = http_expire,
    .probe = http_probe,
};
