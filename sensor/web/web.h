/* web.h - the web console (docs/web.md), served by `otwatch serve`.
 *
 * libmicrohttpd, one internal thread: requests are served one at a time,
 * each reading the store afresh, so the console follows a running sensor. */
#ifndef OTW_WEB_H
#define OTW_WEB_H

#include "config.h"

#define OTW_WEB_MAX_ALLOW_HOSTS 8

/* What the command line gives; NULL = the configuration's web: section. */
typedef struct otw_web_options {
    const char *listen, *tls_cert, *tls_key, *admin_hash_file, *web_root;
    const char *allow_hosts[OTW_WEB_MAX_ALLOW_HOSTS]; /* added to web.allow_hosts */
    int n_allow_hosts;
} otw_web_options;

/* Serves until SIGINT/SIGTERM. Returns the exit status (2: bad settings). */
int otw_web_serve(const otw_config *cfg, const char *state_dir, const otw_web_options *o);
/* Reads a password on stdin and prints its Argon2id hash. */
int otw_web_hash_password(void);

#endif
