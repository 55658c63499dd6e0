/* cleartext.c - shared helpers of the cleartext login dissectors.
 *
 * Specs: RFC 4648 section 4 (base64), RFC 4616 section 2 (SASL PLAIN
 * message: [authzid] NUL authcid NUL passwd), draft-murchison-sasl-login-00
 * (SASL LOGIN: the user name, then the password, each a base64 client
 * response), RFC 4954 section 4 / RFC 5034 section 4 / RFC 3501 section
 * 6.2.2 ("*" cancels an exchange, "=" is an empty initial response).
 */
#include "cleartext.h"

#include <string.h>

long clt_line_frame_len(const uint8_t *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return OTW_FRAME_NEED_MORE;
    size_t max = len < CLT_MAX_LINE ? len : CLT_MAX_LINE;
    const uint8_t *lf = memchr(buf, '\n', max);
    if (lf != NULL)
        return (long)(lf - buf + 1);
    return len >= CLT_MAX_LINE ? CLT_MAX_LINE : OTW_FRAME_NEED_MORE;
}

long clt_chunk_frame_len(const uint8_t *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return OTW_FRAME_NEED_MORE;
    return (long)(len < CLT_MAX_LINE ? len : CLT_MAX_LINE);
}

size_t clt_trim_eol(const uint8_t *p, size_t n)
{
    while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    return n;
}

static uint8_t lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

bool clt_word_is(const uint8_t *p, size_t n, const char *word)
{
    size_t w = strlen(word);
    if (p == NULL || n < w)
        return false;
    for (size_t i = 0; i < w; i++)
        if (lower(p[i]) != lower((uint8_t)word[i]))
            return false;
    return n == w || p[w] == ' ' || p[w] == '\t' || p[w] == '\r' || p[w] == '\n';
}

size_t clt_word_len(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
        i++;
    return i;
}

size_t clt_next_word(const uint8_t *p, size_t n, size_t off)
{
    if (off > n)
        return n;
    off += clt_word_len(p + off, n - off);
    while (off < n && (p[off] == ' ' || p[off] == '\t'))
        off++;
    return off;
}

bool clt_is_text(const uint8_t *p, size_t n)
{
    size_t ctl = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0)
            return false;
        if (p[i] < 0x20 && p[i] != '\r' && p[i] != '\n' && p[i] != '\t')
            ctl++;
    }
    return ctl * 8 <= n;
}

static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long clt_b64_decode(const uint8_t *in, size_t n, uint8_t *out, size_t outsz)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    bool pad = false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = in[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            pad = true;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad)
            return -1; /* data after padding, or not base64 */
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= outsz)
                return -1;
            out[o++] = (uint8_t)(acc >> bits);
        }
        acc &= (1u << bits) - 1u; /* keep only the bits not yet output */
    }
    return (long)o;
}

/* ---------------------------------------------------------------- login */

void clt_login_clear(clt_login *l)
{
    if (l == NULL)
        return;
    explicit_bzero(l->secret, sizeof(l->secret));
    explicit_bzero(l->user, sizeof(l->user));
    l->active = false;
    l->has_secret = false;
    l->secret_is_none = false;
    l->secret_len = 0;
    l->method = NULL;
    l->ts_us = 0;
}

void clt_login_start(clt_login *l, const char *method, uint64_t ts_us)
{
    clt_login_clear(l);
    l->active = true;
    l->method = method;
    l->ts_us = ts_us;
}

void clt_login_set_user(clt_login *l, const uint8_t *user, size_t n)
{
    otw_copy_wire_string(l->user, sizeof(l->user), user, n);
}

void clt_login_set_secret(clt_login *l, const uint8_t *secret, size_t n)
{
    if (n > sizeof(l->secret))
        n = sizeof(l->secret);
    explicit_bzero(l->secret, sizeof(l->secret));
    if (n > 0)
        memcpy(l->secret, secret, n);
    l->secret_len = (uint8_t)n;
    l->has_secret = true;
}

void clt_login_emit(clt_login *l, otw_proto proto, otw_login_outcome outcome, const otw_sink *sink)
{
    if (l == NULL || !l->active)
        return;
    if (sink != NULL && sink->credential != NULL) {
        otw_credential c;
        memset(&c, 0, sizeof(c));
        c.protocol = proto;
        c.about = OTW_DIR_TO_SERVER;
        c.method = l->method ? l->method : "login";
        memcpy(c.user, l->user, sizeof(c.user));
        c.user[sizeof(c.user) - 1] = '\0';
        c.has_secret = l->has_secret;
        c.secret = l->has_secret ? l->secret : NULL;
        c.secret_len = l->has_secret ? l->secret_len : 0;
        c.secret_is_none = l->secret_is_none;
        c.outcome = outcome;
        c.ts_us = l->ts_us;
        sink->credential(sink->ctx, &c);
        explicit_bzero(c.user, sizeof(c.user));
    }
    clt_login_clear(l);
}

void clt_login_end(clt_login *l, otw_proto proto, otw_login_outcome outcome, uint32_t *n_logins,
                   const otw_sink *sink)
{
    if (l->active)
        (*n_logins)++;
    clt_login_emit(l, proto, outcome, sink);
}

bool clt_login_due(const clt_login *l, uint64_t ts_us, uint64_t timeout_us)
{
    return l != NULL && l->active &&
           (timeout_us == 0 || (ts_us >= l->ts_us && ts_us - l->ts_us > timeout_us));
}

void clt_login_expire(clt_login *l, otw_proto proto, uint64_t ts_us, uint64_t timeout_us,
                      const otw_sink *sink)
{
    if (clt_login_due(l, ts_us, timeout_us))
        clt_login_emit(l, proto, OTW_LOGIN_UNKNOWN, sink);
}

/* ----------------------------------------------------------------- SASL */

void clt_sasl_reset(clt_sasl *s)
{
    s->mech = CLT_SASL_NONE;
    s->step = 0;
    s->complete = false;
}

/* PLAIN message: authzid NUL authcid NUL passwd (RFC 4616 section 2). */
static bool sasl_plain(clt_login *l, const uint8_t *m, size_t n)
{
    const uint8_t *nul1 = memchr(m, 0, n);
    if (nul1 == NULL)
        return false;
    size_t rest = n - (size_t)(nul1 + 1 - m);
    const uint8_t *user = nul1 + 1;
    const uint8_t *nul2 = memchr(user, 0, rest);
    if (nul2 == NULL)
        return false;
    clt_login_set_user(l, user, (size_t)(nul2 - user));
    clt_login_set_secret(l, nul2 + 1, rest - (size_t)(nul2 + 1 - user));
    return true;
}

/* One client response (base64, or "=" for empty, RFC 4954 section 4). */
static bool sasl_response(clt_sasl *s, clt_login *l, const uint8_t *r, size_t n)
{
    uint8_t buf[CLT_USER_MAX + CLT_SECRET_MAX + 64];
    long len = 0;
    if (!(n == 1 && r[0] == '=')) {
        len = clt_b64_decode(r, n, buf, sizeof(buf));
        if (len < 0)
            return false;
    }
    bool ok = true;
    if (s->mech == CLT_SASL_PLAIN) {
        ok = sasl_plain(l, buf, (size_t)len);
        s->complete = ok;
    } else if (s->mech == CLT_SASL_LOGIN) {
        if (s->step == 0) {
            clt_login_set_user(l, buf, (size_t)len);
        } else {
            clt_login_set_secret(l, buf, (size_t)len);
            s->complete = true;
        }
    }
    s->step++;
    explicit_bzero(buf, sizeof(buf));
    return ok;
}

void clt_sasl_start(clt_sasl *s, clt_login *l, const char *method_plain, const char *method_login,
                    const uint8_t *mech, size_t mlen, const uint8_t *ir, size_t irlen,
                    uint64_t ts_us)
{
    clt_sasl_reset(s);
    if (clt_word_is(mech, mlen, "PLAIN")) {
        s->mech = CLT_SASL_PLAIN;
        clt_login_start(l, method_plain, ts_us);
    } else if (clt_word_is(mech, mlen, "LOGIN")) {
        s->mech = CLT_SASL_LOGIN;
        clt_login_start(l, method_login, ts_us);
    } else {
        s->mech = CLT_SASL_OTHER; /* CRAM-MD5, SCRAM, XOAUTH2...: no cleartext secret */
        return;
    }
    if (ir != NULL && irlen > 0 && !sasl_response(s, l, ir, irlen)) {
        clt_login_clear(l);
        clt_sasl_reset(s);
    }
}

bool clt_sasl_client(clt_sasl *s, clt_login *l, const uint8_t *line, size_t n)
{
    n = clt_trim_eol(line, n);
    if (s->mech == CLT_SASL_NONE)
        return false;
    if (n == 1 && line[0] == '*') { /* cancelled */
        clt_login_clear(l);
        clt_sasl_reset(s);
        return true;
    }
    if (s->mech == CLT_SASL_OTHER || s->complete)
        return true; /* opaque steps, or more than the mechanism needs */
    if (!sasl_response(s, l, line, n)) {
        clt_login_clear(l);
        clt_sasl_reset(s);
        return false;
    }
    return true;
}

size_t clt_probe_line(const uint8_t *p, size_t n)
{
    size_t max = n < CLT_MAX_LINE ? n : CLT_MAX_LINE;
    for (size_t i = 0; i < max; i++) {
        if (p[i] == '\n')
            return i > 0 && p[i - 1] == '\r' ? i - 1 : i;
        if (p[i] == '\r' && i + 1 < max && p[i + 1] == '\n')
            continue;
        if ((p[i] < 0x20 && p[i] != '\t') || p[i] > 0x7E)
            return 0;
    }
    return 0;
}

bool clt_starts_with(const uint8_t *p, size_t n, const char *pre)
{
    size_t k = strlen(pre);
    return n >= k && memcmp(p, pre, k) == 0;
}

bool clt_contains_ci(const uint8_t *p, size_t n, const char *word)
{
    size_t k = strlen(word);
    for (size_t i = 0; k <= n && i <= n - k; i++) {
        size_t j = 0;
        while (j < k && lower(p[i + j]) == lower((uint8_t)word[j]))
            j++;
        if (j == k)
            return true;
    }
    return false;
}
