/* syslog_out.h - alerts to a syslog collector without loss while it is down.
 *
 * Transports: UDP (RFC 5426), TCP with octet-counting framing (RFC 6587
 * 3.4.1), TLS (RFC 5425, GnuTLS: CA file, optional client certificate and
 * key, the collector's name checked in its certificate). Headers: RFC 5424
 * (facility local0) or RFC 3164. Payloads: siem_format.h.
 *
 * Every alert is formatted at once and appended to a bounded on-disk spool
 * (spool.h, STATE/spool/); a sender thread delivers the spool in order,
 * reconnecting with exponential backoff (1 s doubling to 60 s). Over TCP and
 * TLS a batch counts as delivered when the collector's TCP has acknowledged
 * every byte of it (SIOCOUTQ empty), so a collector that goes away loses
 * nothing that was not acknowledged; what is spooled survives a restart and
 * goes first. A full spool drops its oldest segment, counted in the stats
 * and announced (stderr and a SYSLOG_SPOOL_DROPPED message to the collector,
 * sent directly once the spool is delivered). The count to tell is kept in
 * the spool, so the next process tells what an earlier one could not, once.
 * A message the spool's disk has no room for waits in memory (4 MB, after
 * the spooled ones, moved to the spool when room comes back) and is sent if
 * the collector is there; what is still there at close is counted as
 * dropped. While the spool cannot save its cursor nothing spooled is sent,
 * so a later start has nothing delivered to send again; only a batch
 * written but not acknowledged goes twice, with a warning.
 */
#ifndef OTW_SYSLOG_OUT_H
#define OTW_SYSLOG_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "alerts.h"
#include "config.h"

/* Largest formatted message; longer MSG text is truncated (RFC 5424 6.1). */
#define OTW_SYSLOG_MAX 8192

typedef struct otw_syslog otw_syslog;

typedef struct otw_syslog_stats {
    uint64_t queued;   /* messages spooled by this process */
    uint64_t sent;     /* messages delivered by this process */
    uint64_t failed;   /* failed connects and sends (retried) */
    uint64_t dropped;  /* messages lost: spool full, too big, unformattable */
    uint64_t pending;  /* in the spool, not delivered yet (also from earlier runs) */
    uint64_t connects; /* successful connections (TLS: handshakes) */
    int connected;     /* 1 while a connection is up */
    uint64_t heartbeats_sent;
    uint64_t heartbeats_dropped; /* replaced by a newer one, or waiting, unsent */
} otw_syslog_stats;

/* Resolves the collector, opens the spool in spool_dir (created) and starts
 * the sender thread. NULL + err on a configuration error (unknown host, TLS
 * without tls_ca_file, unreadable certificate files, spool not writable).
 * A collector that is down is not an error: delivery waits for it. Does not
 * look at c->syslog_enabled: the caller decides whether to open. */
otw_syslog *otw_syslog_open(const otw_config *c, const char *spool_dir, char *err, size_t errsz);

/* Formats one alert (c->syslog_format, c->syslog_header) and spools it. Only
 * a memcpy, a write(2) to the spool and a wake-up: never waits for the
 * network. 0 (spooled, or kept in memory when the disk is full), or -1 when
 * refused (counted as dropped). */
int otw_syslog_alert(otw_syslog *s, const otw_alert *a);

/* The heads of the evidence chains (chain.h), as one RFC 5424 message
 * (severity notice, MSGID CHAIN_HEADS, sd_params as in otw_syslog_format,
 * whatever the alerts' payload format), spooled like an alert. 0 or -1. */
int otw_syslog_chain_heads(otw_syslog *s, uint64_t ts_us, const char *const *sd_params,
                           const char *msg);

/* Spools one ready-made message (without framing). 0 or -1. */
int otw_syslog_enqueue(otw_syslog *s, const char *msg, size_t len);

/* A heartbeat (`run`, outputs.syslog.heartbeat): what the sensor saw since
 * the last one. */
typedef struct otw_syslog_heartbeat_info {
    uint64_t ts_us;
    uint64_t packets, drops; /* since the last heartbeat */
    uint64_t interval_s;     /* time since the last heartbeat (or the start) */
    uint64_t uptime_s;       /* since the sensor started */
    const char *interfaces;  /* "eth1,eth2" */
} otw_syslog_heartbeat_info;

/* Formats a heartbeat (RFC 5424, MSGID HEARTBEAT, severity informational,
 * SD [otwatch@32473 packets= drops= interval= uptime= interfaces=]; RFC
 * 3164 text when that header is configured) and hands it to the sender.
 * Never spooled: it waits in a one-message slot, after what is spooled; a
 * newer heartbeat replaces one the collector did not take (counted in
 * heartbeats_dropped), and one still waiting at close is lost. 0 or -1. */
int otw_syslog_heartbeat(otw_syslog *s, const otw_syslog_heartbeat_info *hb);

/* Waits until the spool, the messages kept in memory and a due drop notice
 * are delivered, at most timeout_ms, giving up early when a connection
 * attempt fails while waiting. 0 when all is delivered. */
int otw_syslog_drain(otw_syslog *s, unsigned timeout_ms);

void otw_syslog_get_stats(otw_syslog *s, otw_syslog_stats *st);
/* Drains (at most 5 s), stops the sender; undelivered messages stay spooled
 * for the next start. */
void otw_syslog_close(otw_syslog *s);

/* Pure RFC 5424 formatter. Writes one NUL-terminated message and returns its
 * length, or 0 if outsz cannot hold the header and structured data (MSG
 * alone is truncated, at a character boundary). Header fields are sanitised
 * (characters outside printable ASCII become '_', too long fields are cut,
 * empty ones become "-"); SD names likewise (max 32, no '=', ' ', ']', '"');
 * SD values are escaped per RFC 5424 6.3.3 ('"', '\' and ']' get a
 * backslash); in SD values and MSG, invalid UTF-8 becomes U+FFFD and control
 * characters become spaces, so an event stays one line in any file. MSG is
 * prefixed with a BOM (MSG-UTF8). */
size_t otw_syslog_format(char *out, size_t outsz, const char *hostname, const char *app, int pid,
                         int severity, uint64_t ts_us, const char *msgid,
                         const char *const *sd_params, const char *msg);

/* RFC 5424 header, no structured data ("-"), then payload verbatim without
 * BOM (MSG-ANY: CEF, LEEF, JSON). 0 if it does not fit whole. */
size_t otw_syslog_format_payload(char *out, size_t outsz, const char *hostname, const char *app,
                                 int pid, int severity, uint64_t ts_us, const char *msgid,
                                 const char *payload, size_t payload_len);

/* RFC 3164: "<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: CONTENT", local time (as
 * the RFC says), HOST without its domain, TAG at most 32 alphanumeric
 * characters. Content verbatim. 0 if it does not fit whole. */
size_t otw_syslog_format3164(char *out, size_t outsz, const char *hostname, const char *tag,
                             int pid, int severity, uint64_t ts_us, const char *content,
                             size_t content_len);

#endif
