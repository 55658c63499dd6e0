/* imap.h - IMAP logins: LOGIN (RFC 9051 section 6.2.3, RFC 3501 6.2.3),
 * AUTHENTICATE PLAIN/LOGIN (section 6.2.2, SASL-IR RFC 4959), STARTTLS.
 *
 * Pure: all state is the caller-owned imap_session; no globals, no allocation.
 */
#ifndef OTW_IMAP_H
#define OTW_IMAP_H

#include "cleartext.h"
#include "dissector.h"
#include "facts.h"

#define IMAP_TAG_MAX 24

typedef struct imap_session {
    clt_login login;
    clt_sasl sasl;
    uint8_t state;     /* see imap.c */
    uint8_t arg_index; /* LOGIN argument being read: 0 user, 1 password */
    bool starttls;     /* the pending tag is a STARTTLS */
    bool encrypted;
    uint32_t lit_left; /* literal bytes still to come */
    uint8_t lit_len;
    uint8_t lit[CLT_SECRET_MAX];
    char tag[IMAP_TAG_MAX]; /* tag of the command whose tagged answer is awaited */
    uint32_t n_logins;
} imap_session;

void imap_session_init(void *session);
otw_parse_status imap_parse(void *session, otw_dir dir, const uint8_t *line, size_t len,
                            uint64_t ts_us, const otw_sink *sink);
void imap_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

extern const otw_dissector imap_dissector;

#endif
