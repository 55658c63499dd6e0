/* pop3.h - POP3 logins: USER/PASS and APOP (RFC 1939 section 7), AUTH
 * PLAIN/LOGIN (RFC 5034), STLS (RFC 2595 section 4).
 *
 * Pure: all state is the caller-owned pop3_session; no globals, no allocation.
 */
#ifndef OTW_POP3_H
#define OTW_POP3_H

#include "cleartext.h"
#include "dissector.h"
#include "facts.h"

typedef struct pop3_session {
    clt_login login;
    clt_sasl sasl;
    uint8_t state; /* see pop3.c */
    bool stls_sent;
    bool encrypted;
    uint32_t n_logins;
} pop3_session;

void pop3_session_init(void *session);
otw_parse_status pop3_parse(void *session, otw_dir dir, const uint8_t *line, size_t len,
                            uint64_t ts_us, const otw_sink *sink);
void pop3_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

extern const otw_dissector pop3_dissector;

#endif
