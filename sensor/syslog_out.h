/* syslog_out.h - RFC 5424 syslog sender over UDP (RFC 5426) or TCP with
 * octet-counting framing (RFC 6587 section 3.4.1).
 *
 * Messages use facility local0 and one structured-data element
 * [otwatch@32473 name="value" ...]. Not thread-safe: one sender per thread.
 */
#ifndef OTW_SYSLOG_OUT_H
#define OTW_SYSLOG_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Largest formatted message; longer MSG text is truncated (RFC 5424 6.1). */
#define OTW_SYSLOG_MAX 8192

typedef struct otw_syslog otw_syslog;

/* Resolves c->syslog_host and creates the socket (TCP: connects, 2 s
 * timeout). Returns NULL and a message in err on failure. A TCP collector
 * that is down is not fatal: the handle is returned, err holds a warning
 * (err[0] != '\0') and sends retry the connection. Does not look at
 * c->syslog_enabled: the caller decides whether to open. */
otw_syslog *otw_syslog_open(const otw_config *c, char *err, size_t errsz);

/* severity 0..7 (RFC 5424 numeric, out-of-range values are clamped), facility
 * local0; ts_us: capture time of the event (0 = unknown, sent as "-"); msgid
 * e.g. "NEW_ASSET"; sd_params: NULL or a NULL-terminated array of name, value
 * pairs, put under one SD element [otwatch@32473 ...]; msg: UTF-8 text
 * (prefixed with a BOM per RFC 5424), NULL or "" for none. Returns 0, or -1
 * on failure (counted in the stats). */
int otw_syslog_send(otw_syslog *s, int severity, uint64_t ts_us, const char *msgid,
                    const char *const *sd_params, const char *msg);

/* Pure formatter behind otw_syslog_send. Writes one NUL-terminated RFC 5424
 * message and returns its length, or 0 if outsz cannot hold the header and
 * structured data (MSG alone is truncated, at a character boundary).
 * Header fields are sanitised (characters outside printable ASCII become
 * '_', too long fields are cut, empty ones become "-"); SD names likewise
 * (max 32, no '=', ' ', ']', '"'); SD values are escaped per RFC 5424 6.3.3;
 * in SD values and MSG, invalid UTF-8 becomes U+FFFD and control characters
 * become spaces, so an event stays one line in any downstream file. */
size_t otw_syslog_format(char *out, size_t outsz, const char *hostname, const char *app, int pid,
                         int severity, uint64_t ts_us, const char *msgid,
                         const char *const *sd_params, const char *msg);

void otw_syslog_stats(const otw_syslog *s, uint64_t *sent, uint64_t *failed);
void otw_syslog_close(otw_syslog *s);

#endif
