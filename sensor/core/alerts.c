/* alerts.c - see alerts.h. */
#include "alerts.h"
#include "grow.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "keymap.h"
#include "log.h"

struct otw_alerts {
    otw_alert *items;
    uint32_t n, cap;
    otw_keymap index;
    int64_t next_id;
    uint64_t refused;
    otw_alert_new_fn on_new;
    void *ctx;
    otw_alert_id_reserve_fn reserve; /* NULL: ids are not durable (tests, views) */
    void *reserve_ctx;
    int64_t id_limit; /* ids below it are reserved */
    uint64_t reserve_failures;
    bool pressure_raised; /* TABLE_PRESSURE said, once per process */
};

otw_alerts *otw_alerts_new(uint32_t cap, otw_alert_new_fn on_new, void *ctx)
{
    otw_alerts *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->cap = cap ? cap : 1;
    t->items = otw_alloc_table(t->cap, sizeof(otw_alert));
    if (!t->items || otw_keymap_init(&t->index, t->cap) < 0) {
        free(t->items);
        free(t);
        return NULL;
    }
    t->next_id = 1;
    t->on_new = on_new;
    t->ctx = ctx;
    return t;
}

void otw_alerts_free(otw_alerts *t)
{
    if (!t)
        return;
    otw_keymap_free(&t->index);
    free(t->items);
    free(t);
}

void otw_alert_init(otw_alert *a, otw_alert_type kind, const otw_endpoint *src,
                    const otw_endpoint *dst, const char *protocol)
{
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    if (kind == OTW_AT_PROTOCOL_EXCEPTIONS) {
        snprintf(a->type, sizeof(a->type), "%s_EXCEPTIONS", protocol ? protocol : "");
        for (char *p = a->type; *p; p++)
            *p = (char)toupper((unsigned char)*p);
    } else {
        snprintf(a->type, sizeof(a->type), "%s", otw_alert_type_name(kind));
    }
    a->severity = (otw_severity)otw_alert_type_severity(kind);
    otw_alert_technique(a, otw_alert_type_technique(kind));
    if (src)
        a->src = *src;
    if (dst)
        a->dst = *dst;
    if (protocol)
        snprintf(a->protocol, sizeof(a->protocol), "%s", protocol);
}

void otw_alert_key(otw_alert *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->key, sizeof(a->key), fmt, ap);
    va_end(ap);
}

void otw_alert_message(otw_alert *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->message, sizeof(a->message), fmt, ap);
    va_end(ap);
}

void otw_alert_technique(otw_alert *a, const char *technique)
{
    snprintf(a->technique, sizeof(a->technique), "%s", technique ? technique : "");
}

static void endpoint_bytes(const otw_endpoint *e, uint8_t *out /* 24 */)
{
    memset(out, 0, 24);
    if (e->has_ip)
        memcpy(out, e->ip.b, 16);
    if (e->has_mac)
        memcpy(out + 16, e->mac, 6);
    out[22] = (uint8_t)(e->port >> 8);
    out[23] = (uint8_t)e->port;
}

static void dedup_key(const otw_alert *a, uint8_t out[16])
{
    uint8_t raw[32 + 96 + 48];
    memset(raw, 0, sizeof(raw));
    memcpy(raw, a->type, strnlen(a->type, 32));
    memcpy(raw + 32, a->key, strnlen(a->key, 96));
    endpoint_bytes(&a->src, raw + 128);
    endpoint_bytes(&a->dst, raw + 152);
    otw_digest128(raw, sizeof(raw), out);
}

static uint32_t insert(otw_alerts *t, const otw_alert *a, uint32_t limit, bool *created)
{
    uint8_t key[16];
    dedup_key(a, key);
    uint32_t idx = otw_keymap_get(&t->index, key);
    *created = false;
    if (idx != UINT32_MAX)
        return idx;
    if (t->n >= limit || otw_keymap_put(&t->index, key, t->n) < 0) {
        t->refused++;
        return OTW_ALERT_NONE;
    }
    t->items[t->n] = *a;
    if (a->kind == OTW_AT_UNKNOWN) /* built by name (older code, tests) */
        t->items[t->n].kind = otw_alert_type_parse(a->type);
    *created = true;
    return t->n++;
}

static int64_t next_id(otw_alerts *t)
{
    if (t->reserve && t->next_id >= t->id_limit) {
        int64_t limit = t->next_id + OTW_ALERT_ID_BLOCK;
        if (t->reserve(t->reserve_ctx, limit) == 0)
            t->id_limit = limit;
        else if (t->reserve_failures++ == 0)
            otw_warn("alert ids could not be reserved in the state; after a crash, ids of this "
                     "run could be given again");
    }
    return t->next_id++;
}

void otw_alerts_set_id_reserve(otw_alerts *t, int64_t reserved, otw_alert_id_reserve_fn reserve,
                               void *ctx)
{
    if (reserved > t->next_id)
        t->next_id = reserved; /* a crashed run may have used every id below */
    t->reserve = reserve;
    t->reserve_ctx = ctx;
    t->id_limit = 0; /* the first new alert reserves the next block */
}

int64_t otw_alerts_next_id(const otw_alerts *t)
{
    return t->next_id;
}

uint64_t otw_alerts_id_reserve_failures(const otw_alerts *t)
{
    return t->reserve_failures;
}

/* The table degrades by value: low and info alerts get no more room past
 * 80 % of it, medium past 95 %; the rest is kept for high and critical,
 * so a flood of new-device and new-connection alerts cannot crowd out the
 * write, the stop command or the default password that follows it. */
static uint32_t admit_limit(const otw_alerts *t, otw_severity sev)
{
    if (sev >= OTW_SEV_HIGH)
        return t->cap;
    return sev == OTW_SEV_MEDIUM ? t->cap - t->cap / 20 : t->cap - t->cap / 5;
}

/* Once, when the table first refuses an alert: a high alert that says so
 * (it has room: high alerts do until the table is full). */
static void pressure_alert(otw_alerts *t, uint64_t ts_us)
{
    if (t->pressure_raised || t->n >= t->cap)
        return;
    t->pressure_raised = true;
    otw_alert p;
    otw_alert_init(&p, OTW_AT_TABLE_PRESSURE, NULL, NULL, NULL);
    otw_alert_key(&p, "table=alerts");
    otw_alert_message(&p,
                      "The sensor's alert table is filling up (%u of %u): new low-severity "
                      "alerts are no longer recorded, medium ones past 95%%; high and critical "
                      "still are. A flood of new addresses or connections does this: look for "
                      "its source",
                      t->n, t->cap);
    otw_alerts_raise(t, &p, ts_us, 1);
}

uint32_t otw_alerts_raise(otw_alerts *t, const otw_alert *a, uint64_t ts_us, uint64_t n)
{
    bool created;
    uint32_t idx = insert(t, a, admit_limit(t, a->severity), &created);
    if (idx == OTW_ALERT_NONE) {
        pressure_alert(t, ts_us);
        return idx;
    }
    otw_alert *x = &t->items[idx];
    if (created) {
        x->id = next_id(t);
        x->first_us = x->last_us = ts_us;
        x->count = n;
        x->dirty = true;
        if (t->on_new)
            t->on_new(t->ctx, x);
        return idx;
    }
    x->count += n;
    if (ts_us > x->last_us)
        x->last_us = ts_us;
    x->dirty = true;
    return idx;
}

uint32_t otw_alerts_load(otw_alerts *t, const otw_alert *a)
{
    bool created;
    uint32_t idx = insert(t, a, t->cap, &created);
    if (idx != OTW_ALERT_NONE)
        t->items[idx].dirty = false;
    /* A stored alert the table had no room for still owns its id. */
    if (a->id >= t->next_id && a->id < OTW_ALERT_ID_MAX)
        t->next_id = a->id + 1;
    return idx;
}

static uint32_t sink_raise(void *ctx, const otw_alert *a, uint64_t ts_us, uint64_t n)
{
    return otw_alerts_raise(ctx, a, ts_us, n);
}

otw_alert_sink otw_alerts_sink(otw_alerts *t)
{
    return (otw_alert_sink){.ctx = t, .raise = sink_raise};
}

otw_alert *otw_alerts_at(otw_alerts *t, uint32_t idx)
{
    return idx < t->n ? &t->items[idx] : NULL;
}

uint32_t otw_alerts_size(const otw_alerts *t)
{
    return t->n;
}

uint64_t otw_alerts_refused(const otw_alerts *t)
{
    return t->refused;
}

static const char *const sev_names[] = {"info", "low", "medium", "high", "critical"};

const char *otw_severity_name(otw_severity s)
{
    return (unsigned)s <= OTW_SEV_CRITICAL ? sev_names[s] : "info";
}

int otw_severity_parse(const char *s)
{
    for (int i = 0; i <= OTW_SEV_CRITICAL; i++)
        if (strcmp(s, sev_names[i]) == 0)
            return i;
    return -1;
}

int otw_severity_syslog(otw_severity s)
{
    static const int map[] = {6, 5, 4, 3, 2}; /* info, notice, warning, err, crit */
    return (unsigned)s <= OTW_SEV_CRITICAL ? map[s] : 6;
}

static void endpoint_json(otw_jsonw *w, const otw_endpoint *e)
{
    char buf[64];
    jw_obj_begin(w);
    jw_key(w, "ip");
    if (e->has_ip)
        jw_str(w, otw_addr_str(&e->ip, buf, sizeof(buf)));
    else
        jw_null(w);
    jw_key(w, "mac");
    if (e->has_mac)
        jw_str(w, otw_mac_str(e->mac, buf, sizeof(buf)));
    else
        jw_null(w);
    jw_key(w, "port");
    if (e->port)
        jw_u64(w, e->port);
    else
        jw_null(w);
    jw_obj_end(w);
}

size_t otw_alert_json(const otw_alert *a, char *buf, size_t bufsz)
{
    otw_jsonw w;
    jw_init(&w, buf, bufsz);
    jw_obj_begin(&w);
    jw_key(&w, "id");
    jw_i64(&w, a->id);
    jw_key(&w, "type");
    jw_str(&w, a->type);
    jw_key(&w, "severity");
    jw_str(&w, otw_severity_name(a->severity));
    jw_key(&w, "ts");
    jw_ts(&w, a->first_us);
    jw_key(&w, "first_seen");
    jw_ts(&w, a->first_us);
    jw_key(&w, "last_seen");
    jw_ts(&w, a->last_us);
    jw_key(&w, "count");
    jw_u64(&w, a->count);
    jw_key(&w, "src");
    endpoint_json(&w, &a->src);
    jw_key(&w, "dst");
    endpoint_json(&w, &a->dst);
    jw_key(&w, "protocol");
    if (a->protocol[0])
        jw_str(&w, a->protocol);
    else
        jw_null(&w);
    jw_key(&w, "key");
    jw_str(&w, a->key);
    jw_key(&w, "technique");
    if (a->technique[0])
        jw_str(&w, a->technique);
    else
        jw_null(&w);
    jw_key(&w, "message");
    jw_str(&w, a->message);
    jw_obj_end(&w);
    const char *s = jw_finish(&w);
    return s ? w.len : 0;
}
