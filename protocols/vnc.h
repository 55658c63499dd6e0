/* vnc.h - VNC / RFB handshake logins (RFC 6143 sections 7.1.1-7.1.3,
 * 7.2.1-7.2.2; RFB 3.3, 3.7 and 3.8).
 *
 * Security type None is a credential with secret_is_none; VNC
 * Authentication (DES challenge/response) is a login with no secret (the
 * response cannot be checked against passwords without DES) and the
 * outcome of the SecurityResult. Other security types end the dissection.
 *
 * Pure: all state is the caller-owned vnc_session; no globals, no allocation.
 */
#ifndef OTW_VNC_H
#define OTW_VNC_H

#include "cleartext.h"
#include "dissector.h"
#include "facts.h"

typedef struct vnc_session {
    clt_login login;
    uint8_t phase; /* see vnc.c */
    uint8_t minor; /* negotiated 3.x: 3, 7 or 8 */
    uint8_t server_minor;
    uint8_t acc_len; /* bytes gathered of the message being read */
    uint8_t acc[12];
    uint32_t skip[2]; /* bytes still to skip per direction (0 to server, 1 to client) */
    uint32_t n_logins;
} vnc_session;

void vnc_session_init(void *session);
otw_parse_status vnc_parse(void *session, otw_dir dir, const uint8_t *data, size_t len,
                           uint64_t ts_us, const otw_sink *sink);
void vnc_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

extern const otw_dissector vnc_dissector;

#endif
