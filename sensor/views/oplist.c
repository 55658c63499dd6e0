/* oplist.c - `otwatch ops`; see oplist.h. */
#include "oplist.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity.h"
#include "csv.h"
#include "jsonw.h"
#include "store.h"
#include "texttable.h"
#include "timetext.h"

/* "2026-12-01 09:00:00.123" in tz minutes east of UTC. */
static const char *when(uint64_t us, int tz, char out[40])
{
    time_t t = (time_t)(us / 1000000u) + (time_t)tz * 60;
    struct tm tm;
    char day[24];
    if (!gmtime_r(&t, &tm) || !strftime(day, sizeof(day), "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(out, 40, "?");
    else
        snprintf(out, 40, "%s.%03u", day, (unsigned)(us % 1000000u / 1000u));
    return out;
}

/* "10.0.0.1:502", "[fe80::1]:502", the MAC without an address, "-". */
static const char *end_text(const char *ip, uint16_t port, const char *mac, char out[80])
{
    if (ip[0])
        snprintf(out, 80, strchr(ip, ':') ? "[%s]:%u" : "%s:%u", ip, port);
    else
        snprintf(out, 80, "%s", mac[0] ? mac : "-");
    return out;
}

static const char *function_text(const otw_op_row *r, char out[96])
{
    snprintf(out, 96, "%s (%u)", r->function_name, r->function);
    return out;
}

/* "DB1 100-103", "unit 1 40-41" (first-last address), or "". */
static const char *target_text(const otw_op_row *r, char out[128])
{
    size_t n = 0;
    out[0] = 0;
    if (r->has_unit)
        n += (size_t)snprintf(out + n, 128 - n, "unit %u", r->unit);
    if (r->object[0] && n < 128)
        n += (size_t)snprintf(out + n, 128 - n, "%s%s", n ? " " : "", r->object);
    if (r->has_address && n < 128)
        snprintf(out + n, 128 - n, "%s%u-%llu", n ? " " : "", r->address_start,
                 (unsigned long long)r->address_start +
                     (r->address_count ? r->address_count - 1 : 0));
    return out;
}

typedef struct list_ctx {
    const otw_ops_query *q;
    otw_lang lang;
    FILE *out;
    size_t n;     /* rows */
    uint64_t ops; /* operations they stand for */
    otw_texttable tt;
    bool json_failed;
} list_ctx;

static int table_row(void *ctx, const otw_op_row *r)
{
    list_ctx *c = ctx;
    char t[40], cl[80], sv[80], fn[96], tg[128], rec[48], cnt[24];
    if (r->record >= 0 && r->last_record > r->record)
        snprintf(rec, sizeof(rec), "%lld-%lld", (long long)r->record, (long long)r->last_record);
    else if (r->record >= 0)
        snprintf(rec, sizeof(rec), "%lld", (long long)r->record);
    else
        rec[0] = 0;
    snprintf(cnt, sizeof(cnt), "%llu", (unsigned long long)r->count);
    const char *row[] = {when(r->ts_us, c->q->tz_minutes, t),
                         r->protocol,
                         end_text(r->client_ip, r->client_port, r->client_mac, cl),
                         end_text(r->server_ip, r->server_port, r->server_mac, sv),
                         function_text(r, fn),
                         otw_i18n_op_class(c->lang, r->op_class),
                         target_text(r, tg),
                         otw_i18n_outcome(c->lang, r->outcome),
                         cnt,
                         rec};
    otw_tt_row(&c->tt, row, NULL);
    c->n++;
    c->ops += r->count;
    return 0;
}

static int csv_row(void *ctx, const otw_op_row *r)
{
    list_ctx *c = ctx;
    char t[40], n[24], fn[16], tg[128], rec[24];
    otw_csv_field(c->out, when(r->ts_us, c->q->tz_minutes, t), false);
    otw_csv_field(c->out, r->protocol, false);
    otw_csv_field(c->out, r->client_ip, false);
    snprintf(n, sizeof(n), "%u", r->client_port);
    otw_csv_field(c->out, n, false);
    otw_csv_field(c->out, r->client_mac, false);
    otw_csv_field(c->out, r->server_ip, false);
    snprintf(n, sizeof(n), "%u", r->server_port);
    otw_csv_field(c->out, n, false);
    otw_csv_field(c->out, r->server_mac, false);
    snprintf(fn, sizeof(fn), "%u", r->function);
    otw_csv_field(c->out, fn, false);
    otw_csv_field(c->out, r->function_name, false);
    otw_csv_field(c->out, r->op_class, false);
    otw_csv_field(c->out, target_text(r, tg), false);
    otw_csv_field(c->out, r->outcome, false);
    snprintf(n, sizeof(n), "%llu", (unsigned long long)r->count);
    otw_csv_field(c->out, n, false);
    otw_csv_field(c->out, when(r->last_ts_us, c->q->tz_minutes, t), false);
    if (r->record >= 0)
        snprintf(rec, sizeof(rec), "%lld", (long long)r->record);
    else
        rec[0] = 0;
    otw_csv_field(c->out, rec, false);
    if (r->last_record >= 0)
        snprintf(rec, sizeof(rec), "%lld", (long long)r->last_record);
    else
        rec[0] = 0;
    otw_csv_field(c->out, rec, true);
    c->n++;
    c->ops += r->count;
    return 0;
}

static void json_end(otw_jsonw *w, const char *ip, uint16_t port, const char *mac)
{
    jw_obj_begin(w);
    jw_key(w, "ip");
    jw_str(w, ip[0] ? ip : NULL);
    jw_key(w, "port");
    jw_u64(w, port);
    jw_key(w, "mac");
    jw_str(w, mac[0] ? mac : NULL);
    jw_obj_end(w);
}

static int json_row(void *ctx, const otw_op_row *r)
{
    list_ctx *c = ctx;
    char buf[2048];
    otw_jsonw w;
    jw_init(&w, buf, sizeof(buf));
    jw_obj_begin(&w);
    jw_key(&w, "ts");
    jw_ts(&w, r->ts_us);
    jw_key(&w, "protocol");
    jw_str(&w, r->protocol);
    jw_key(&w, "client");
    json_end(&w, r->client_ip, r->client_port, r->client_mac);
    jw_key(&w, "server");
    json_end(&w, r->server_ip, r->server_port, r->server_mac);
    jw_key(&w, "unit");
    if (r->has_unit)
        jw_u64(&w, r->unit);
    else
        jw_null(&w);
    jw_key(&w, "function");
    jw_u64(&w, r->function);
    jw_key(&w, "function_name");
    jw_str(&w, r->function_name);
    jw_key(&w, "class");
    jw_str(&w, r->op_class);
    jw_key(&w, "object");
    jw_str(&w, r->object[0] ? r->object : NULL);
    jw_key(&w, "address");
    if (r->has_address) {
        jw_obj_begin(&w);
        jw_key(&w, "start");
        jw_u64(&w, r->address_start);
        jw_key(&w, "count");
        jw_u64(&w, r->address_count);
        jw_obj_end(&w);
    } else {
        jw_null(&w);
    }
    jw_key(&w, "outcome");
    jw_str(&w, r->outcome);
    jw_key(&w, "exception");
    if (r->has_exception)
        jw_u64(&w, r->exception);
    else
        jw_null(&w);
    jw_key(&w, "response_ts");
    if (r->response_ts_us)
        jw_ts(&w, r->response_ts_us);
    else
        jw_null(&w);
    jw_key(&w, "record");
    if (r->record >= 0)
        jw_i64(&w, r->record);
    else
        jw_null(&w);
    jw_key(&w, "count");
    jw_u64(&w, r->count);
    jw_key(&w, "last_ts");
    jw_ts(&w, r->last_ts_us);
    jw_key(&w, "last_record");
    if (r->last_record >= 0)
        jw_i64(&w, r->last_record);
    else
        jw_null(&w);
    jw_obj_end(&w);
    const char *text = jw_finish(&w);
    if (!text) {
        c->json_failed = true;
        return 1;
    }
    fprintf(c->out, "%s\n    %s", c->n ? "," : "", text);
    c->n++;
    c->ops += r->count;
    return 0;
}

static void json_window(FILE *out, const char *key, uint64_t us)
{
    char buf[64];
    otw_jsonw w;
    jw_init(&w, buf, sizeof(buf));
    if (us)
        jw_ts(&w, us);
    else
        jw_null(&w);
    const char *t = jw_finish(&w);
    fprintf(out, "\"%s\":%s,", key, t ? t : "null");
}

int otw_list_ops(const char *state_dir, const otw_ops_query *q, const char *format, otw_lang lang,
                 FILE *out)
{
    char err[512];
    otw_store *st = otw_store_open(state_dir, true, err, sizeof(err));
    if (!st) {
        fprintf(stderr, "otwatch ops: %s\n", err);
        return 1;
    }
    otw_activity_meta meta;
    otw_activity_meta_get(st, &meta);
    bool indexed =
        otw_store_meta_get(st, "schema_version", err, sizeof(err)) == 0 && atoi(err) >= 5;
    list_ctx c = {.q = q, .lang = lang, .out = out};
    int rc = 0;
    char z[16];
    if (strcmp(format, "json") == 0) {
        fprintf(out, "{");
        json_window(out, "from", q->from_us);
        json_window(out, "to", q->to_us);
        fprintf(out, "\"tz\":\"%s\",\"indexed\":%s,\"operations\":[", otw_tz_text(q->tz_minutes, z),
                indexed ? "true" : "false");
        rc = otw_ops_each(st, q->from_us, q->to_us, q->controller_ip, q->client_ip, q->classes,
                          json_row, &c, err, sizeof(err));
        fprintf(out, "%s],\"rows\":%zu,\"count\":%llu,\"pruned\":%llu,\"not_indexed\":%llu}\n",
                c.n ? "\n  " : "", c.n, (unsigned long long)c.ops,
                (unsigned long long)meta.ops_pruned, (unsigned long long)meta.ops_dropped);
    } else if (strcmp(format, "csv") == 0) {
        static const char *const heads[] = {
            "time",        "protocol",   "client_ip", "client_port",   "client_mac", "server_ip",
            "server_port", "server_mac", "function",  "function_name", "class",      "target",
            "outcome",     "count",      "last_time", "record",        "last_record"};
        for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
            otw_csv_field(out, heads[i], i + 1 == sizeof(heads) / sizeof(heads[0]));
        rc = otw_ops_each(st, q->from_us, q->to_us, q->controller_ip, q->client_ip, q->classes,
                          csv_row, &c, err, sizeof(err));
    } else {
        char rec_head[48], f[40], t[40];
        char cnt_head[48];
        snprintf(rec_head, sizeof(rec_head), ">%s", otw_i18n(lang, OTW_M_OPS_COL_RECORD));
        snprintf(cnt_head, sizeof(cnt_head), ">%s", otw_i18n(lang, OTW_M_OPS_COL_COUNT));
        const char *heads[] = {otw_i18n(lang, OTW_M_OPS_COL_TIME),
                               otw_i18n(lang, OTW_M_OPS_COL_PROTOCOL),
                               otw_i18n(lang, OTW_M_OPS_COL_CLIENT),
                               otw_i18n(lang, OTW_M_OPS_COL_CONTROLLER),
                               otw_i18n(lang, OTW_M_OPS_COL_FUNCTION),
                               otw_i18n(lang, OTW_M_OPS_COL_CLASS),
                               otw_i18n(lang, OTW_M_OPS_COL_TARGET),
                               otw_i18n(lang, OTW_M_OPS_COL_OUTCOME),
                               cnt_head,
                               rec_head};
        otw_tt_init(&c.tt, sizeof(heads) / sizeof(heads[0]), heads);
        fprintf(out, "%s — %s: ", otw_i18n(lang, OTW_M_OPS_TITLE),
                otw_i18n(lang, OTW_M_OPS_PERIOD));
        if (!q->from_us && !q->to_us)
            fprintf(out, "%s", otw_i18n(lang, OTW_M_OPS_ALL_TIME));
        else
            fprintf(out, "%s – %s", q->from_us ? when(q->from_us, q->tz_minutes, f) : "",
                    q->to_us ? when(q->to_us, q->tz_minutes, t) : "");
        fprintf(out, " (UTC%s)\n", otw_tz_text(q->tz_minutes, z));
        if (!indexed) {
            fprintf(out, "%s\n", otw_i18n(lang, OTW_M_OPS_NOT_INDEXED));
        } else {
            rc = otw_ops_each(st, q->from_us, q->to_us, q->controller_ip, q->client_ip, q->classes,
                              table_row, &c, err, sizeof(err));
            if (rc == 0 && c.n) {
                fprintf(out, "\n");
                rc = c.tt.failed ? -1 : otw_tt_print(&c.tt, out);
                fprintf(out, "\n%llu %s\n", (unsigned long long)c.ops,
                        otw_i18n(lang, OTW_M_OPS_COUNT));
            } else if (rc == 0) {
                fprintf(out, "%s\n", otw_i18n(lang, OTW_M_OPS_NONE));
            }
            if (meta.ops_pruned)
                fprintf(out, "%s %llu\n", otw_i18n(lang, OTW_M_OPS_PRUNED),
                        (unsigned long long)meta.ops_pruned);
            if (meta.ops_dropped)
                fprintf(out, "%s %llu\n", otw_i18n(lang, OTW_M_OPS_DROPPED),
                        (unsigned long long)meta.ops_dropped);
        }
        otw_tt_free(&c.tt);
    }
    otw_store_close(st);
    if (rc != 0 || c.json_failed) {
        fprintf(stderr, "otwatch ops: %s\n",
                c.json_failed ? "an operation too long for JSON" : err);
        return 1;
    }
    return 0;
}
