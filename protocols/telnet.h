/* telnet.h - Telnet logins (RFC 854 protocol and command codes, RFC 855
 * option negotiation and subnegotiation, RFC 1184 LINEMODE).
 *
 * Options are negotiated and skipped; what remains is the terminal text.
 * The server's prompts ("login:", "Username:", "Password:") say what the
 * client types next, in lines or one character at a time (backspace and
 * ^U edit it); what the server says after the password decides the
 * outcome ("Login incorrect", a new prompt: failure; "Last login", a
 * welcome or a shell prompt: success). Heuristic by nature: the protocol
 * has no login message.
 *
 * Pure: all state is the caller-owned telnet_session; no globals, no allocation.
 */
#ifndef OTW_TELNET_H
#define OTW_TELNET_H

#include "cleartext.h"
#include "dissector.h"
#include "facts.h"

#define TELNET_LINE_MAX 96 /* the server's current line kept for prompts */

typedef struct telnet_session {
    clt_login login;
    uint8_t phase;  /* see telnet.c */
    uint8_t iac[2]; /* option parser state per direction */
    bool skip_nl;   /* client: CR seen, a following LF or NUL ends the same line */
    bool new_text;  /* server: text arrived since the last prompt check */
    uint8_t line_len;
    uint8_t in_len;
    char line[TELNET_LINE_MAX]; /* server's current line, lower-cased */
    uint8_t in[CLT_SECRET_MAX]; /* what the client is typing (user or password) */
    uint32_t n_logins;
} telnet_session;

void telnet_session_init(void *session);
otw_parse_status telnet_parse(void *session, otw_dir dir, const uint8_t *data, size_t len,
                              uint64_t ts_us, const otw_sink *sink);
void telnet_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

extern const otw_dissector telnet_dissector;

#endif
