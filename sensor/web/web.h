/* web.h - `otwatch serve`: the web console (docs/web.md).
 *
 *   otwatch serve [--listen ADDR:PORT] [--state DIR] [--config FILE]
 *                 [--tls-cert FILE --tls-key FILE] [--admin-hash-file FILE]
 *                 [--allow-host NAME]... [--web-root DIR]
 *   otwatch serve --hash-password      (reads a password on stdin)
 *
 * libmicrohttpd, one internal thread: requests are served one at a time,
 * each reading the store afresh, so the console follows a running sensor. */
#ifndef OTW_WEB_H
#define OTW_WEB_H

/* argv[0] is "serve". Returns the exit status. */
int otw_web_main(int argc, char **argv);

#endif
