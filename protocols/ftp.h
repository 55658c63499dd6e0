/* ftp.h - FTP control connection logins (RFC 959 sections 4.1.1, 4.2 and
 * 5.4; RFC 4217 AUTH TLS).
 *
 * USER/PASS with the reply codes that follow: 331/332 need a password
 * (or account), 230/202/232 logged in, 4xx/5xx refused. After an accepted
 * AUTH TLS/SSL (234) the connection is encrypted and nothing more is read.
 *
 * Pure: all state is the caller-owned ftp_session; no globals, no allocation.
 */
#ifndef OTW_FTP_H
#define OTW_FTP_H

#include "cleartext.h"
#include "dissector.h"
#include "facts.h"

typedef struct ftp_session {
    clt_login login;
    uint8_t state;      /* 0 idle, 1 USER sent, 2 PASS sent, 3 USER accepted (331) */
    bool auth_tls_sent; /* AUTH TLS/SSL asked: a 234 reply starts TLS */
    bool encrypted;     /* TLS started: ignore the rest */
    uint16_t multiline; /* reply code of a multi-line reply being read, 0 = none */
    uint32_t n_logins;  /* credentials emitted */
    uint32_t n_not_text;
} ftp_session;

void ftp_session_init(void *session);
otw_parse_status ftp_parse(void *session, otw_dir dir, const uint8_t *line, size_t len,
                           uint64_t ts_us, const otw_sink *sink);
void ftp_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

extern const otw_dissector ftp_dissector;

#endif
