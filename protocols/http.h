/* http.h - HTTP/1.x logins: the Authorization header (RFC 9110 section
 * 11.6.2), Basic (RFC 7617) and the user of Digest (RFC 7616), with the
 * outcome from the response status.
 *
 * Pure: all state is the caller-owned http_session; no globals, no allocation.
 */
#ifndef OTW_HTTP_H
#define OTW_HTTP_H

#include "cleartext.h"
#include "dissector.h"
#include "facts.h"

#define HTTP_MAX_PENDING 6 /* pipelined requests waiting for their status */

typedef struct http_pending {
    clt_login login; /* active: the request carried credentials */
    bool connect;    /* CONNECT: a 2xx answer turns the flow into a tunnel */
} http_pending;

typedef struct http_session {
    http_pending pending[HTTP_MAX_PENDING]; /* arrival order, [0] oldest */
    uint8_t n_pending;
    uint8_t req_state; /* 0 between requests, 1 in the headers, 2 in the body */
    bool seen_http;    /* a request or status line was seen */
    bool tunnel;       /* CONNECT / Upgrade / HTTP/2: nothing more to read */
    uint32_t n_logins;
    uint32_t n_requests;
    uint32_t n_responses;
} http_session;

void http_session_init(void *session);
otw_parse_status http_parse(void *session, otw_dir dir, const uint8_t *line, size_t len,
                            uint64_t ts_us, const otw_sink *sink);
void http_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

extern const otw_dissector http_dissector;

#endif
