/* alerts.h - alert records, deduplicated by (type, source, destination, key).
 *
 * An alert is raised once; repeats add to its count and move its last time.
 * New alerts are handed to the outputs (JSON lines, syslog) at once; counts
 * reach the store at checkpoints. */
#ifndef OTW_ALERTS_H
#define OTW_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "alert_types.h"

#define OTW_ALERT_NONE UINT32_MAX

typedef enum otw_severity {
    OTW_SEV_INFO = 0,
    OTW_SEV_LOW,
    OTW_SEV_MEDIUM,
    OTW_SEV_HIGH,
    OTW_SEV_CRITICAL
} otw_severity;

typedef struct otw_endpoint {
    bool has_ip, has_mac;
    otw_addr ip;
    uint8_t mac[6];
    uint16_t port; /* 0 = none */
} otw_endpoint;

typedef struct otw_alert {
    int64_t id;          /* stable id (store primary key) */
    otw_alert_type kind; /* what the code compares */
    char type[32];       /* its name as stored and sent: NEW_ASSET, MODBUS_EXCEPTIONS, ... */
    otw_severity severity;
    char key[96]; /* what, besides src/dst, makes it distinct (e.g. "unit=1") */
    uint64_t first_us, last_us;
    uint64_t count;
    otw_endpoint src, dst;
    char protocol[32];
    char message[320];
    char technique[16]; /* MITRE ATT&CK for ICS id, "" if none */
    bool dirty;
} otw_alert;

/* Starts an alert of type `kind`: zeroed, with the type's name, default
 * severity and technique (alert_types.h); src and dst copied as given (NULL:
 * none); protocol NULL or "" for none. A PROTOCOL_EXCEPTIONS alert is named
 * after its protocol (MODBUS_EXCEPTIONS). The raiser then sets key and
 * message and may override severity and technique. */
void otw_alert_init(otw_alert *a, otw_alert_type kind, const otw_endpoint *src,
                    const otw_endpoint *dst, const char *protocol);
void otw_alert_key(otw_alert *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void otw_alert_message(otw_alert *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void otw_alert_technique(otw_alert *a, const char *technique); /* NULL or "" = none */

typedef struct otw_alerts otw_alerts;
typedef void (*otw_alert_new_fn)(void *ctx, const otw_alert *a);

otw_alerts *otw_alerts_new(uint32_t cap, otw_alert_new_fn on_new, void *ctx);
void otw_alerts_free(otw_alerts *t);

/* Raises (or counts) an alert. Only type, severity, key, src, dst, protocol,
 * message and technique of `a` are used; ts is the capture time. Returns the
 * index, or OTW_ALERT_NONE when the table is full (counted). */
uint32_t otw_alerts_raise(otw_alerts *t, const otw_alert *a, uint64_t ts_us, uint64_t n);
uint32_t otw_alerts_load(otw_alerts *t, const otw_alert *a);
otw_alert *otw_alerts_at(otw_alerts *t, uint32_t idx);
uint32_t otw_alerts_size(const otw_alerts *t);
uint64_t otw_alerts_refused(const otw_alerts *t);

/* Durable alert ids. An id reaches the SIEM and the alert file before the
 * store's next checkpoint, so after a crash the store alone would hand the
 * same ids out again. reserve(ctx, limit) must record, durably, that ids
 * below limit may be in use, and return 0; the table hands out ids only
 * below the last limit reserved, asking for OTW_ALERT_ID_BLOCK more when it
 * gets there. reserved is the limit recorded by the previous process: ids
 * start at or above it. A failed reservation still numbers the alert (an
 * alert is never dropped) and is counted. */
#define OTW_ALERT_ID_BLOCK 4096
#define OTW_ALERT_ID_MAX (INT64_C(1) << 53) /* exact in every JSON reader */
typedef int (*otw_alert_id_reserve_fn)(void *ctx, int64_t limit);
void otw_alerts_set_id_reserve(otw_alerts *t, int64_t reserved, otw_alert_id_reserve_fn reserve,
                               void *ctx);
int64_t otw_alerts_next_id(const otw_alerts *t);
uint64_t otw_alerts_id_reserve_failures(const otw_alerts *t);

/* Where a detector hands its alerts: it needs no more of the table than
 * this (the baselines see only the sink). raise: as otw_alerts_raise. */
typedef struct otw_alert_sink {
    void *ctx;
    uint32_t (*raise)(void *ctx, const otw_alert *a, uint64_t ts_us, uint64_t n);
} otw_alert_sink;

/* A sink raising into the table t. */
otw_alert_sink otw_alerts_sink(otw_alerts *t);

static inline uint32_t otw_alert_sink_raise(const otw_alert_sink *s, const otw_alert *a,
                                            uint64_t ts_us, uint64_t n)
{
    return s->raise ? s->raise(s->ctx, a, ts_us, n) : OTW_ALERT_NONE;
}

const char *otw_severity_name(otw_severity s);
int otw_severity_parse(const char *s);   /* -1 if unknown */
int otw_severity_syslog(otw_severity s); /* RFC 5424 numeric severity */

/* Renders one alert as a JSON object (no trailing newline). Returns the
 * length, or 0 if buf is too small. */
size_t otw_alert_json(const otw_alert *a, char *buf, size_t bufsz);

#endif
