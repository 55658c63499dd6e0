/* smtp.h - SMTP submission logins: AUTH PLAIN/LOGIN (RFC 4954), STARTTLS
 * (RFC 3207), the DATA section skipped (RFC 5321 section 4.1.1.4).
 *
 * Pure: all state is the caller-owned smtp_session; no globals, no allocation.
 */
#ifndef OTW_SMTP_H
#define OTW_SMTP_H

#include "cleartext.h"
#include "dissector.h"
#include "facts.h"

typedef struct smtp_session {
    clt_login login;
    clt_sasl sasl;
    uint8_t state; /* see smtp.c */
    bool starttls_sent;
    bool data_sent; /* DATA asked: a 354 starts the message text */
    bool in_data;   /* message text until "." */
    bool encrypted;
    uint32_t n_logins;
} smtp_session;

void smtp_session_init(void *session);
otw_parse_status smtp_parse(void *session, otw_dir dir, const uint8_t *line, size_t len,
                            uint64_t ts_us, const otw_sink *sink);
void smtp_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

extern const otw_dissector smtp_dissector;

#endif
