/* telnet.c - Telnet login dissector (TCP 23).
 *
 * Specs: RFC 854 (NVT, IAC 255 and the commands 240..254: SE, NOP, DM,
 * BRK, IP, AO, AYT, EC, EL, GA, SB, WILL, WONT, DO, DONT; "CR LF" and
 * "CR NUL" end lines), RFC 855 (IAC SB option ... IAC SE; IAC IAC inside
 * is a data 255), RFC 1184 (LINEMODE: the client sends whole lines).
 *
 * Phases (what the dissector waits for):
 *   PROMPT      a login or password prompt from the server
 *   USER        the client typing a user name (after "login:", "username:")
 *   PASS_PROMPT the server's password prompt after the user name
 *   PASS        the client typing the password (after "password:")
 *   RESULT      the server's verdict on the password
 *   DONE        logged in: only a new password prompt (su, enable) counts
 * Verdicts, from the server's text after the password: a completed line
 * with "incorrect", "invalid", "failed", "denied", "bad pass", "wrong",
 * "refused" or a new login/password prompt = failure; a line with "last
 * login", "welcome" or "logged in", or a short current line ending in a
 * shell prompt character ($ # > %) = success. A user name answered by a
 * shell prompt without a password prompt is a login without a password
 * (secret_is_none). The typed password lives in the session only until
 * the verdict (or the flow's end): then it is handed over and wiped.
 */
#include "telnet.h"

#include <string.h>

_Static_assert(sizeof(telnet_session) <= OTW_SESSION_MAX_BYTES,
               "telnet_session must fit a dissector session slot");

enum { PH_PROMPT = 0, PH_USER, PH_PASS_PROMPT, PH_PASS, PH_RESULT, PH_DONE };
enum { IAC_DATA = 0, IAC_SEEN, IAC_OPTION, IAC_SB, IAC_SB_IAC };

#define IAC 255
#define SB 250
#define SE 240

void telnet_session_init(void *session)
{
    if (session != NULL) {
        telnet_session *s = session;
        memset(s, 0, sizeof(*s));
        clt_login_clear(&s->login);
    }
}

static void wipe_input(telnet_session *s)
{
    explicit_bzero(s->in, sizeof(s->in));
    s->in_len = 0;
}

static void emit(telnet_session *s, otw_login_outcome o, const otw_sink *sink)
{
    clt_login_end(&s->login, OTW_PROTO_TELNET, o, &s->n_logins, sink);
}

/* Option negotiation filter: returns true when b is terminal data. */
static bool iac_filter(uint8_t *st, uint8_t b)
{
    switch (*st) {
    case IAC_DATA:
        if (b == IAC) {
            *st = IAC_SEEN;
            return false;
        }
        return true;
    case IAC_SEEN:
        if (b == IAC) {
            *st = IAC_DATA;
            return true; /* escaped 255 */
        }
        *st = b == SB ? IAC_SB : (b >= 251 ? IAC_OPTION : IAC_DATA);
        return false;
    case IAC_OPTION:
        *st = IAC_DATA;
        return false;
    case IAC_SB:
        if (b == IAC)
            *st = IAC_SB_IAC;
        return false;
    default: /* IAC_SB_IAC */
        *st = b == SE ? IAC_DATA : IAC_SB;
        return false;
    }
}

static bool has(const char *line, const char *word)
{
    return strstr(line, word) != NULL;
}

/* The current line without trailing blanks ends with suffix. */
static bool line_ends_with(const telnet_session *s, const char *suffix)
{
    size_t n = s->line_len, k = strlen(suffix);
    while (n > 0 && (s->line[n - 1] == ' ' || s->line[n - 1] == '\t'))
        n--;
    return n >= k && memcmp(s->line + n - k, suffix, k) == 0;
}

static bool failure_text(const char *l)
{
    return has(l, "incorrect") || has(l, "invalid") || has(l, "failed") || has(l, "denied") ||
           has(l, "bad pass") || has(l, "wrong") || has(l, "refused");
}

static bool success_text(const char *l)
{
    return has(l, "last login") || has(l, "welcome") || has(l, "logged in");
}

static bool user_prompt(const telnet_session *s)
{
    return line_ends_with(s, "login:") || line_ends_with(s, "username:") ||
           line_ends_with(s, "user name:") || line_ends_with(s, "user:") ||
           line_ends_with(s, "login as:");
}

static bool pass_prompt(const telnet_session *s)
{
    return line_ends_with(s, "password:") || line_ends_with(s, "passcode:") ||
           line_ends_with(s, "passwd:");
}

static bool shell_prompt(const telnet_session *s)
{
    if (s->line_len == 0 || s->line_len > 64)
        return false;
    return line_ends_with(s, "$") || line_ends_with(s, "#") || line_ends_with(s, ">") ||
           line_ends_with(s, "%");
}

/* A completed server line: verdict words. */
static void server_line_done(telnet_session *s, const otw_sink *sink)
{
    s->line[s->line_len] = '\0';
    if (s->phase == PH_RESULT || s->phase == PH_PASS_PROMPT) {
        if (failure_text(s->line)) {
            emit(s, OTW_LOGIN_FAILURE, sink);
            s->phase = PH_PROMPT;
        } else if (s->phase == PH_RESULT && success_text(s->line)) {
            emit(s, OTW_LOGIN_SUCCESS, sink);
            s->phase = PH_DONE;
        }
    }
    s->line_len = 0;
    s->line[0] = '\0';
}

static void server_byte(telnet_session *s, uint8_t b, const otw_sink *sink)
{
    if (b == '\n') {
        server_line_done(s, sink);
        return;
    }
    if (b < 0x20 || b == 0x7f)
        return; /* CR, NUL, bells */
    if (s->line_len >= TELNET_LINE_MAX - 1) {
        /* keep the end of a long line: prompts are at the end */
        size_t keep = TELNET_LINE_MAX / 2;
        memmove(s->line, s->line + s->line_len - keep, keep);
        s->line_len = (uint8_t)keep;
    }
    s->line[s->line_len++] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
    s->line[s->line_len] = '\0';
    s->new_text = true;
}

/* After a chunk of server text: prompts on the current line. */
static void server_prompts(telnet_session *s, uint64_t ts, const otw_sink *sink)
{
    if (!s->new_text)
        return;
    s->new_text = false;
    if (user_prompt(s)) {
        if (s->phase == PH_RESULT || s->phase == PH_PASS_PROMPT)
            emit(s, OTW_LOGIN_FAILURE, sink); /* asked again: refused */
        clt_login_clear(&s->login);
        wipe_input(s);
        s->phase = PH_USER;
    } else if (pass_prompt(s)) {
        char user[CLT_USER_MAX];
        memcpy(user, s->login.user, sizeof(user));
        if (s->phase == PH_RESULT) {
            emit(s, OTW_LOGIN_FAILURE, sink); /* asked again for the same user */
        }
        if (!s->login.active) {
            clt_login_start(&s->login, "login prompt", ts);
            if (s->phase == PH_RESULT)
                memcpy(s->login.user, user, sizeof(user));
        }
        explicit_bzero(user, sizeof(user));
        wipe_input(s);
        s->phase = PH_PASS;
    } else if (shell_prompt(s)) {
        if (s->phase == PH_RESULT) {
            emit(s, OTW_LOGIN_SUCCESS, sink);
            s->phase = PH_DONE;
        } else if (s->phase == PH_PASS_PROMPT) {
            s->login.secret_is_none = true; /* in without a password */
            emit(s, OTW_LOGIN_SUCCESS, sink);
            s->phase = PH_DONE;
        }
    }
}

/* The client finished a line (CR or LF) while typing a user or password. */
static void client_enter(telnet_session *s, uint64_t ts)
{
    if (s->phase == PH_USER) {
        if (s->in_len == 0)
            return; /* an empty line: the prompt comes again */
        clt_login_start(&s->login, "login prompt", ts);
        clt_login_set_user(&s->login, s->in, s->in_len);
        s->phase = PH_PASS_PROMPT;
    } else if (s->phase == PH_PASS) {
        if (!s->login.active)
            clt_login_start(&s->login, "login prompt", ts);
        clt_login_set_secret(&s->login, s->in, s->in_len);
        s->login.ts_us = ts;
        s->phase = PH_RESULT;
    }
    wipe_input(s);
}

static void client_byte(telnet_session *s, uint8_t b, uint64_t ts)
{
    if (s->skip_nl) {
        s->skip_nl = false;
        if (b == '\n' || b == 0)
            return;
    }
    if (s->phase != PH_USER && s->phase != PH_PASS)
        return;
    if (b == '\r' || b == '\n') {
        s->skip_nl = b == '\r';
        client_enter(s, ts);
    } else if (b == 0x08 || b == 0x7f) { /* erase a character */
        if (s->in_len > 0)
            s->in[--s->in_len] = 0;
    } else if (b == 0x15) { /* ^U: erase the line */
        wipe_input(s);
    } else if (b == 0x03 || b == 0x04) { /* ^C, ^D: given up */
        wipe_input(s);
        clt_login_clear(&s->login);
        s->phase = PH_PROMPT;
    } else if (b >= 0x20 && s->in_len < sizeof(s->in)) {
        s->in[s->in_len++] = b;
    }
}

otw_parse_status telnet_parse(void *session, otw_dir dir, const uint8_t *data, size_t len,
                              uint64_t ts_us, const otw_sink *sink)
{
    telnet_session *s = session;
    if (s == NULL || data == NULL)
        return OTW_PARSE_NOT_MINE;
    if (s->phase > PH_DONE || s->line_len >= TELNET_LINE_MAX || s->in_len > sizeof(s->in))
        telnet_session_init(s); /* never trust a corrupted slot */
    uint8_t *st = &s->iac[dir == OTW_DIR_TO_SERVER ? 0 : 1];
    if (*st > IAC_SB_IAC)
        *st = IAC_DATA;
    for (size_t i = 0; i < len; i++) {
        if (!iac_filter(st, data[i]))
            continue;
        if (dir == OTW_DIR_TO_SERVER)
            client_byte(s, data[i], ts_us);
        else
            server_byte(s, data[i], sink);
    }
    if (dir == OTW_DIR_TO_CLIENT)
        server_prompts(s, ts_us, sink);
    return OTW_PARSE_OK;
}

void telnet_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    telnet_session *s = session;
    if (s == NULL || !s->login.active)
        return;
    if (timeout_us == 0) {
        emit(s, OTW_LOGIN_UNKNOWN, sink);
        wipe_input(s);
        s->phase = PH_PROMPT;
        return;
    }
    /* Only a password waiting for its verdict is an unanswered request. */
    if (s->phase == PH_RESULT && ts_us >= s->login.ts_us && ts_us - s->login.ts_us > timeout_us) {
        emit(s, OTW_LOGIN_UNKNOWN, sink);
        s->phase = PH_PROMPT;
    }
}

/* Dynamic detection: option negotiation (RFC 854/855) from either side,
 * IAC WILL/WONT/DO/DONT option or IAC SB ... IAC SE, at least one, then
 * nothing or printable text (a banner after the negotiation). */
static int telnet_probe(const uint8_t *buf, size_t len, otw_dir dir, bool opening)
{
    (void)dir;
    (void)opening;
    size_t i = 0, commands = 0;
    while (i + 2 < len && buf[i] == IAC) {
        uint8_t cmd = buf[i + 1];
        /* options: the IANA registry's 0..49 and EXOPL (255) */
        if (cmd >= 251 && cmd <= 254 && (buf[i + 2] <= 49 || buf[i + 2] == 255)) {
            i += 3;
        } else if (cmd == SB) {
            size_t k = i + 3;
            while (k + 1 < len && !(buf[k] == IAC && buf[k + 1] == SE))
                k++;
            if (k + 1 >= len || k - i > 64)
                return OTW_PROBE_NO;
            i = k + 2;
        } else {
            return OTW_PROBE_NO;
        }
        commands++;
    }
    if (commands == 0)
        return OTW_PROBE_NO;
    for (; i < len; i++)
        if ((buf[i] < 0x20 && buf[i] != '\r' && buf[i] != '\n' && buf[i] != '\t') || buf[i] > 0x7E)
            return OTW_PROBE_NO;
    return OTW_PROBE_STRONG;
}

const otw_dissector telnet_dissector = {
    .proto = OTW_PROTO_TELNET,
    .name = "telnet",
    .tcp_ports = {23},
    .udp_ports = {0},
    .industrial = false,
    .session_size = sizeof(telnet_session),
    .session_init = telnet_session_init,
    .frame_len = clt_chunk_frame_len,
    .parse = telnet_parse,
    .expire = telnet_expire,
    .probe = telnet_probe,
};
