/* api.h - the web console's data API under /api/ (docs/web.md, "API").
 *
 * Every call reads the store afresh (read-only, WAL), so the console is live
 * beside a running sensor. The server (server.c) authenticates, checks the
 * origin and the CSRF token before it calls in here; this file only knows
 * the session's user and role. */
#ifndef OTW_WEB_API_H
#define OTW_WEB_API_H

#include <stddef.h>
#include <stdio.h>

#include "auth.h"
#include "config.h"

typedef struct otw_web_ctx {
    const char *state_dir;
    const otw_config *cfg;
    otw_auth *auth;
} otw_web_ctx;

/* Query-string argument of the request (NULL if absent). */
typedef const char *(*otw_web_arg_fn)(void *ctx, const char *key);

/* Handles one /api/ data request: writes the JSON body to out, returns the
 * HTTP status (404 for a path it does not know). */
int otw_api_handle(otw_web_ctx *c, const char *method, const char *path, otw_web_arg_fn arg,
                   void *arg_ctx, const char *body, size_t body_len, otw_web_session *s, FILE *out);

/* The string value of key in a flat JSON object (request bodies). 0 if found
 * (unescaped into out, NUL-terminated), -1 if absent, malformed or too long. */
int otw_web_json_get(const char *body, size_t len, const char *key, char *out, size_t outsz);

/* {"error":"msg"} */
void otw_web_error(FILE *out, const char *msg);

#endif
