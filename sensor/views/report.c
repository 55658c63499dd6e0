/* report.c - `otwatch report`; see report.h. HTML Living Standard (one
 * document, UTF-8, inline <style> and <svg>), CSP level 2 meta policy. */
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "boundary.h"
#include "grow.h"
#include "jsonw.h"
#include "log.h"
#include "netmap.h"
#include "store.h"
#include "zones.h"

#define X(s) otw_nm_xml(out, (s))
#define T(id) otw_nm_xml(out, otw_i18n(lang, (id)))

int otw_report_parse_tz(const char *s, int *minutes)
{
    if (!s)
        return -1;
    if (!strcasecmp(s, "UTC") || !strcmp(s, "Z") || !strcasecmp(s, "GMT")) {
        *minutes = 0;
        return 0;
    }
    if ((s[0] != '+' && s[0] != '-') || !s[1])
        return -1;
    const char *p = s + 1;
    int d[4], n = 0;
    for (; *p && n < 4; p++) {
        if (*p == ':' && n == 2)
            continue;
        if (*p < '0' || *p > '9')
            return -1;
        d[n++] = *p - '0';
    }
    if (*p || n != 4)
        return -1;
    int h = d[0] * 10 + d[1], m = d[2] * 10 + d[3];
    if (h > 14 || m > 59 || h * 60 + m > 14 * 60)
        return -1;
    *minutes = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
    return 0;
}

/* ---------------------------------------------------------- helpers */

typedef struct rctx {
    const otw_netmap *m;
    const otw_config *cfg;
    otw_lang lang;
    int tz;
    FILE *out;
} rctx;

static void tz_text(int tz, char out[16])
{
    int a = tz < 0 ? -tz : tz;
    snprintf(out, 16, "UTC%c%02d:%02d", tz < 0 ? '-' : '+', (a / 60) % 100, a % 60);
}

/* "2026-11-24 01:13:01" in the report's offset. */
static const char *time_text(const rctx *r, uint64_t ts_us, char out[32])
{
    if (!ts_us) {
        snprintf(out, 32, "-");
        return out;
    }
    int64_t off = (int64_t)r->tz * 60 * 1000000;
    uint64_t t = off < 0 && ts_us < (uint64_t)-off ? 0 : (uint64_t)((int64_t)ts_us + off);
    otw_format_ts(t - t % 1000000u, out);
    char *tp = strchr(out, 'T'), *dot = strchr(out, '.');
    if (tp)
        *tp = ' ';
    if (dot)
        *dot = '\0';
    return out;
}

static const char *sev_class(otw_severity s)
{
    return otw_severity_name(s); /* "critical", ... : CSS class suffixes */
}

static void sev_badge(const rctx *r, otw_severity s)
{
    FILE *out = r->out;
    fprintf(out, "<span class=\"sev sev-%s\">", sev_class(s));
    X(otw_i18n_severity(r->lang, s));
    fputs("</span>", out);
}

static const char *kind_short(otw_lang lang, otw_zone_kind k)
{
    static const char *const ja[] = {"制御", "OT", "DMZ", "情報系", "インターネット", "未割当"};
    if (lang == OTW_LANG_JA)
        return (unsigned)k <= OTW_ZK_UNASSIGNED ? ja[k] : ja[OTW_ZK_UNASSIGNED];
    return otw_zone_kind_name(k);
}

static void endpoint_text(const otw_endpoint *e, char *out, size_t outsz)
{
    char ip[64] = "", mac[32] = "";
    if (e->has_ip)
        otw_addr_str(&e->ip, ip, sizeof(ip));
    else if (e->has_mac)
        otw_mac_str(e->mac, mac, sizeof(mac));
    if (e->port && ip[0] && !otw_addr_is_v4(&e->ip))
        snprintf(out, outsz, "[%s]:%u", ip, e->port);
    else if (e->port)
        snprintf(out, outsz, "%s:%u", ip[0] ? ip : mac, e->port);
    else
        snprintf(out, outsz, "%s", ip[0] ? ip : mac[0] ? mac : "-");
}

static int32_t asset_by_ip(const otw_netmap *m, const otw_addr *ip)
{
    for (size_t i = 0; i < m->n_assets; i++)
        for (int k = 0; k < m->assets[i].n_ips; k++)
            if (memcmp(m->assets[i].ips[k].b, ip->b, 16) == 0)
                return (int32_t)i;
    return -1;
}

static size_t count_type(const otw_netmap *m, otw_alert_type kind)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_alerts; i++)
        n += m->alerts[i].kind == kind;
    return n;
}

static bool is_crossing(const otw_nm_row *row)
{
    return row->pl.verdict == OTW_PLACE_CONDUIT || row->pl.verdict == OTW_PLACE_VIOLATION;
}

/* ---------------------------------------------------------- head */

static const char css[] =
    ":root{--fg:#1f2933;--muted:#52606d;--line:#d3dce6;--head:#eef2f7;--crit:#b71c1c;"
    "--high:#e65100;--med:#b7791f;--low:#1565c0;--info:#607d8b;--ok:#2e7d32}\n"
    "*{box-sizing:border-box}\n"
    "html{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    "body{margin:0 auto;max-width:1400px;padding:24px 32px 48px;color:var(--fg);"
    "background:#fff;font-family:'Noto Sans CJK JP','Noto Sans JP','Hiragino Sans',"
    "'Yu Gothic','Meiryo','DejaVu Sans',sans-serif;font-size:13px;line-height:1.55}\n"
    "h1{font-size:26px;margin:0 0 6px;color:#102a43}\n"
    "h2{font-size:19px;margin:36px 0 12px;padding-bottom:4px;border-bottom:3px solid #243b53;"
    "color:#102a43}\n"
    "h3{font-size:14px;margin:18px 0 6px;color:#243b53}\n"
    "header{border-bottom:1px solid var(--line);padding-bottom:14px}\n"
    ".lead{margin:4px 0 12px;color:var(--muted)}\n"
    "dl.meta{display:grid;grid-template-columns:max-content auto;gap:2px 18px;margin:0}\n"
    "dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;font-weight:600}\n"
    "nav ol{margin:8px 0 0;padding-left:22px;columns:2}\n"
    "a{color:#1d4e89}\n"
    ".notice{margin:14px 0;padding:10px 14px;border-left:5px solid var(--high);"
    "background:#fff4e5}\n"
    ".kpis{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:12px}\n"
    ".kpi{border:1px solid var(--line);border-left:7px solid #9fb3c8;border-radius:6px;"
    "padding:10px 14px;background:#fbfcfe}\n"
    ".kpi .l{font-size:13px;font-weight:600;color:#334e68}\n"
    ".kpi .v{font-size:32px;font-weight:700;line-height:1.2}\n"
    ".kpi .s{font-size:11px;color:var(--muted)}\n"
    ".kpi.bad{border-left-color:var(--crit);background:#fff5f5}.kpi.bad .v{color:var(--crit)}\n"
    ".kpi.good .v{color:var(--ok)}\n"
    ".cols{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:24px}\n"
    "table{border-collapse:collapse;width:100%;font-size:12px;margin:4px 0 8px}\n"
    "th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}\n"
    "th{background:var(--head);font-weight:600;word-break:keep-all}\n"
    "tbody tr:nth-child(even){background:#f9fbfd}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tr.total td{font-weight:700;background:var(--head)}\n"
    ".nw{white-space:nowrap}.small{font-size:11px;color:var(--muted)}\n"
    ".msg{word-break:break-word;min-width:260px}\n"
    "code{font-family:'DejaVu Sans Mono',monospace;font-size:11px}\n"
    ".sev{display:inline-block;min-width:44px;text-align:center;padding:0 8px;"
    "border-radius:10px;color:#fff;font-weight:700;white-space:nowrap}\n"
    ".sev-critical{background:var(--crit)}.sev-high{background:var(--high)}"
    ".sev-medium{background:var(--med)}.sev-low{background:var(--low)}"
    ".sev-info{background:var(--info)}\n"
    ".v-violation{color:var(--crit);font-weight:700}.v-conduit{color:var(--ok);font-weight:600}\n"
    "tr.viol{background:#fff5f5 !important}\n"
    ".map{overflow:auto;border:1px solid var(--line);border-radius:6px;background:#fff}\n"
    ".map svg{display:block;max-width:100%;height:auto}\n"
    "ul.notes li{margin:4px 0}\n"
    "footer{margin-top:36px;color:var(--muted);font-size:11px;border-top:1px solid var(--line);"
    "padding-top:8px}\n"
    "@media print{body{padding:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}"
    ".map{border:none}nav{display:none}}\n";

static void period(const otw_netmap *m, uint64_t *first, uint64_t *last)
{
    uint64_t f = 0, l = 0;
#define SPAN(a, b)                                                                                 \
    do {                                                                                           \
        if ((a) && (!f || (a) < f))                                                                \
            f = (a);                                                                               \
        if ((b) > l)                                                                               \
            l = (b);                                                                               \
    } while (0)
    for (size_t i = 0; i < m->n_assets; i++)
        SPAN(m->assets[i].first_us, m->assets[i].last_us);
    for (size_t i = 0; i < m->n_rows; i++)
        SPAN(m->rows[i].c.first_us, m->rows[i].c.last_us);
    for (size_t i = 0; i < m->n_alerts; i++)
        SPAN(m->alerts[i].first_us, m->alerts[i].last_us);
#undef SPAN
    *first = f;
    *last = l;
}

static void write_head(const rctx *r)
{
    FILE *out = r->out;
    otw_lang lang = r->lang;
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
            otw_lang_code(lang));
    fputs("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"otwatch report\">\n<title>",
          out);
    T(OTW_M_TITLE);
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", css);
    T(OTW_M_TITLE);
    fputs("</h1>\n<p class=\"lead\">", out);
    T(OTW_M_LEAD);
    fputs("</p>\n<dl class=\"meta\">\n<dt>", out);
    uint64_t first, last;
    period(r->m, &first, &last);
    char a[32], b[32], tz[16];
    tz_text(r->tz, tz);
    T(OTW_M_PERIOD);
    fprintf(out, "</dt><dd class=\"nw\" id=\"period\">%s \xE2\x80\x93 %s</dd>\n<dt>",
            time_text(r, first, a), time_text(r, last, b));
    T(OTW_M_TIMEZONE);
    fprintf(out, "</dt><dd id=\"tz\">%s</dd>\n<dt>", tz);
    T(OTW_M_ZONES_CONFIGURED);
    fprintf(out, "</dt><dd>%d</dd>\n</dl>\n", r->cfg->n_zones);
    if (r->cfg->n_zones == 0) {
        fputs("<p class=\"notice\">", out);
        T(OTW_M_NO_ZONES);
        fputs("</p>\n", out);
    }
    fputs("<nav><strong>", out);
    T(OTW_M_CONTENTS);
    fputs("</strong><ol>\n", out);
    const struct {
        const char *id;
        otw_msg title;
    } secs[] = {{"summary", OTW_M_SEC_SUMMARY},   {"map", OTW_M_SEC_MAP},
                {"boundary", OTW_M_SEC_BOUNDARY}, {"alerts", OTW_M_SEC_ALERTS},
                {"assets", OTW_M_SEC_ASSETS},     {"notes", OTW_M_SEC_NOTES}};
    for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
        fprintf(out, "<li><a href=\"#%s\">", secs[i].id);
        T(secs[i].title);
        fputs("</a></li>\n", out);
    }
    fputs("</ol></nav>\n</header>\n", out);
}

/* ---------------------------------------------------------- summary */

static void kpi(const rctx *r, const char *id, otw_msg label, size_t value, bool risk, otw_msg sub,
                long sub_value)
{
    FILE *out = r->out;
    fprintf(out, "<div class=\"kpi%s\" id=\"kpi-%s\"><div class=\"l\">",
            risk ? (value ? " bad" : " good") : "", id);
    otw_nm_xml(out, otw_i18n(r->lang, label));
    fprintf(out, "</div><div class=\"v\">%zu</div><div class=\"s\">", value);
    if (sub_value >= 0) {
        otw_nm_xml(out, otw_i18n(r->lang, sub));
        fprintf(out, ": %ld", sub_value);
    } else {
        fputs("&#160;", out);
    }
    fputs("</div></div>\n", out);
}

/* Marks the OT asset at either end of an Internet crossing; counts each once. */
static void mark_reach(bool *reach, size_t *n_reach, int32_t asset)
{
    if (asset >= 0 && !reach[asset]) {
        reach[asset] = true;
        (*n_reach)++;
    }
}

/* OT assets reaching the Internet: by placement, and by the exposure
 * module's alerts. Returns 0, or -1 when memory ran out. */
static int count_ot_internet(const rctx *r, size_t *n_reach)
{
    const otw_netmap *m = r->m;
    const otw_config *cfg = r->cfg;
    bool *reach = otw_alloc_array(m->n_assets, sizeof(*reach));
    if (!reach)
        return -1;
    *n_reach = 0;
    for (size_t i = 0; i < m->n_rows; i++) {
        const otw_nm_row *row = &m->rows[i];
        int32_t a = -1;
        if (row->pl.server_zone == OTW_ZONE_INTERNET && row->src_asset >= 0 &&
            otw_zone_is_ot(cfg, m->asset_zone[row->src_asset]))
            a = row->src_asset;
        else if (row->pl.client_zone == OTW_ZONE_INTERNET && row->dst_asset >= 0 &&
                 otw_zone_is_ot(cfg, m->asset_zone[row->dst_asset]))
            a = row->dst_asset;
        mark_reach(reach, n_reach, a);
    }
    for (size_t i = 0; i < m->n_alerts; i++) {
        const otw_alert *al = &m->alerts[i];
        if (al->kind != OTW_AT_INTERNET_EXPOSURE || !al->src.has_ip)
            continue;
        mark_reach(reach, n_reach, asset_by_ip(m, &al->src.ip));
    }
    free(reach);
    return 0;
}

static void write_kpis(const rctx *r, size_t n_reach)
{
    const otw_netmap *m = r->m;
    size_t controllers = 0;
    for (size_t i = 0; i < m->n_assets; i++)
        controllers += otw_asset_role(&m->assets[i]) == OTW_ROLE_CONTROLLER;
    size_t violations = 0;
    for (size_t i = 0; i < m->n_rows; i++)
        violations += m->rows[i].pl.verdict == OTW_PLACE_VIOLATION;
    fputs("<div class=\"kpis\">\n", r->out);
    kpi(r, "assets", OTW_M_KPI_ASSETS, m->n_assets, false, OTW_M_KPI_CONTROLLERS_SUB,
        (long)controllers);
    kpi(r, "new", OTW_M_KPI_NEW, count_type(m, OTW_AT_NEW_ASSET), true, OTW_M_NONE, -1);
    kpi(r, "violations", OTW_M_KPI_VIOLATIONS, violations, true, OTW_M_KPI_ALERTS_SUB,
        (long)count_type(m, OTW_AT_ZONE_VIOLATION));
    kpi(r, "default-credentials", OTW_M_KPI_DEFAULT_CREDS,
        count_type(m, OTW_AT_DEFAULT_CREDENTIALS), true, OTW_M_NONE, -1);
    kpi(r, "ot-internet", OTW_M_KPI_OT_INTERNET, n_reach, true, OTW_M_KPI_ALERTS_SUB,
        (long)count_type(m, OTW_AT_INTERNET_EXPOSURE));
    kpi(r, "program-changes", OTW_M_KPI_PROGRAM, count_type(m, OTW_AT_PROGRAM_CHANGE), true,
        OTW_M_NONE, -1);
    kpi(r, "remote-access", OTW_M_KPI_REMOTE, count_type(m, OTW_AT_REMOTE_ACCESS), true, OTW_M_NONE,
        -1);
    kpi(r, "control-commands", OTW_M_KPI_CONTROL, count_type(m, OTW_AT_CONTROL_COMMAND), true,
        OTW_M_NONE, -1);
    fputs("</div>\n", r->out);
}

/* One zone's row of the assets-by-zone table: a column per role that occurs. */
static void zone_role_row(const rctx *r, const otw_nm_zone *z,
                          const size_t by_role[OTW_ROLE__COUNT])
{
    const otw_netmap *m = r->m;
    const otw_config *cfg = r->cfg;
    FILE *out = r->out;
    otw_lang lang = r->lang;
    size_t cnt[OTW_ROLE__COUNT] = {0}, total = 0;
    for (uint32_t j = 0; j < z->n; j++) {
        const otw_nm_node *x = &m->nodes[z->first + j];
        if (x->asset >= 0) {
            cnt[otw_asset_role(&m->assets[x->asset])]++;
            total++;
        }
    }
    fprintf(out, "<tr data-zone=\"");
    X(otw_zone_name(cfg, z->zone));
    fputs("\"><td>", out);
    X(otw_i18n_zone(lang, cfg, z->zone));
    fputs("</td><td class=\"small\">", out);
    if (z->zone < cfg->n_zones && cfg->zones[z->zone].level[0]) {
        X(cfg->zones[z->zone].level);
        fputs(" \xC2\xB7 ", out);
    }
    X(kind_short(lang, otw_zone_kind_of(cfg, z->zone)));
    fputs("</td>", out);
    for (int k = 0; k < OTW_ROLE__COUNT; k++)
        if (by_role[k])
            fprintf(out, "<td class=\"n\">%zu</td>", cnt[k]);
    fprintf(out, "<td class=\"n\"><strong>%zu</strong></td></tr>\n", total);
}

/* Assets by zone and role: the roles that occur. */
static void write_assets_by_zone(const rctx *r)
{
    const otw_netmap *m = r->m;
    FILE *out = r->out;
    otw_lang lang = r->lang;
    fputs("<h3>", out);
    T(OTW_M_ASSETS_BY_ZONE);
    fputs("</h3>\n", out);
    size_t by_role[OTW_ROLE__COUNT] = {0};
    for (size_t i = 0; i < m->n_assets; i++)
        by_role[otw_asset_role(&m->assets[i])]++;
    fputs("<table id=\"assets-by-zone\">\n<thead><tr><th>", out);
    T(OTW_M_COL_ZONE);
    fputs("</th><th>", out);
    T(OTW_M_COL_LEVEL);
    fputs("</th>", out);
    for (int k = 0; k < OTW_ROLE__COUNT; k++) {
        if (!by_role[k])
            continue;
        fputs("<th class=\"n\">", out);
        X(otw_i18n_role(lang, (otw_role)k));
        fputs("</th>", out);
    }
    fputs("<th class=\"n\">", out);
    T(OTW_M_COL_TOTAL);
    fputs("</th></tr></thead>\n<tbody>\n", out);
    for (int zi = 0; zi < m->n_zones; zi++)
        zone_role_row(r, &m->zones[zi], by_role);
    fputs("<tr class=\"total\"><td colspan=\"2\">", out);
    T(OTW_M_ROW_TOTAL);
    fputs("</td>", out);
    for (int k = 0; k < OTW_ROLE__COUNT; k++)
        if (by_role[k])
            fprintf(out, "<td class=\"n\">%zu</td>", by_role[k]);
    fprintf(out, "<td class=\"n\">%zu</td></tr>\n</tbody></table>\n", m->n_assets);
}

static void write_alerts_by_severity(const rctx *r)
{
    const otw_netmap *m = r->m;
    FILE *out = r->out;
    otw_lang lang = r->lang;
    fputs("<h3>", out);
    T(OTW_M_ALERTS_BY_SEVERITY);
    fputs("</h3>\n<table id=\"alerts-by-severity\">\n<thead><tr><th>", out);
    T(OTW_M_COL_SEVERITY);
    fputs("</th><th class=\"n\">", out);
    T(OTW_M_COL_ALERTS);
    fputs("</th><th class=\"n\">", out);
    T(OTW_M_COL_OCCURRENCES);
    fputs("</th></tr></thead>\n<tbody>\n", out);
    for (int s = OTW_SEV_CRITICAL; s >= OTW_SEV_INFO; s--) {
        size_t n = 0;
        uint64_t occ = 0;
        for (size_t i = 0; i < m->n_alerts; i++)
            if ((int)m->alerts[i].severity == s) {
                n++;
                occ += m->alerts[i].count;
            }
        fputs("<tr><td>", out);
        sev_badge(r, (otw_severity)s);
        fprintf(out, "</td><td class=\"n\">%zu</td><td class=\"n\">%llu</td></tr>\n", n,
                (unsigned long long)occ);
    }
    fputs("</tbody></table>\n", out);
}

/* One alert type's totals; idx is its first alert. */
typedef struct type_stat {
    size_t idx, n;
    uint64_t occ;
    otw_severity worst;
} type_stat;

/* The first alert of each distinct type, at most one per alert. Returns 0,
 * or -1 when memory ran out. */
static int distinct_types(const otw_netmap *m, size_t **first, size_t *n_types)
{
    *first = otw_alloc_array(m->n_alerts, sizeof(**first));
    if (!*first)
        return -1;
    *n_types = 0;
    for (size_t i = 0; i < m->n_alerts; i++) {
        bool seen = false;
        for (size_t k = 0; k < *n_types && !seen; k++)
            seen = strcmp(m->alerts[(*first)[k]].type, m->alerts[i].type) == 0;
        if (!seen)
            (*first)[(*n_types)++] = i;
    }
    return 0;
}

/* Each type's alerts, occurrences and worst severity. Returns NULL when
 * memory ran out. */
static type_stat *type_stats(const otw_netmap *m, size_t *n_types)
{
    size_t *first;
    if (distinct_types(m, &first, n_types) != 0)
        return NULL;
    type_stat *ts = otw_alloc_array(*n_types, sizeof(*ts));
    if (!ts) {
        free(first);
        return NULL;
    }
    for (size_t k = 0; k < *n_types; k++) {
        ts[k].idx = first[k];
        for (size_t i = 0; i < m->n_alerts; i++) {
            const otw_alert *al = &m->alerts[i];
            if (strcmp(al->type, m->alerts[first[k]].type) != 0)
                continue;
            ts[k].n++;
            ts[k].occ += al->count;
            if (al->severity > ts[k].worst)
                ts[k].worst = al->severity;
        }
    }
    free(first);
    return ts;
}

/* Worst severity first, then most alerts, then code. Insertion sort: few types. */
static void sort_type_stats(const otw_netmap *m, type_stat *ts, size_t n_types)
{
    for (size_t i = 1; i < n_types; i++) {
        for (size_t k = i; k > 0; k--) {
            const type_stat *a = &ts[k - 1], *b = &ts[k];
            int d = (int)b->worst - (int)a->worst;
            if (!d)
                d = b->n > a->n ? 1 : b->n < a->n ? -1 : 0;
            if (!d)
                d = strcmp(m->alerts[a->idx].type, m->alerts[b->idx].type) > 0;
            if (d <= 0)
                break;
            type_stat t = ts[k];
            ts[k] = ts[k - 1];
            ts[k - 1] = t;
        }
    }
}

static void type_stat_row(const rctx *r, const type_stat *t)
{
    FILE *out = r->out;
    const char *type = r->m->alerts[t->idx].type;
    const char *title = otw_i18n_alert_type(r->lang, r->m->alerts[t->idx].kind);
    fputs("<tr><td>", out);
    X(title ? title : type);
    fputs("</td><td><code>", out);
    X(type);
    fputs("</code></td><td>", out);
    sev_badge(r, t->worst);
    fprintf(out, "</td><td class=\"n\">%zu</td><td class=\"n\">%llu</td></tr>\n", t->n,
            (unsigned long long)t->occ);
}

/* Alerts by type. Returns 0, or -1 when memory ran out. */
static int write_alerts_by_type(const rctx *r)
{
    const otw_netmap *m = r->m;
    FILE *out = r->out;
    otw_lang lang = r->lang;
    fputs("<h3>", out);
    T(OTW_M_ALERTS_BY_TYPE);
    fputs("</h3>\n", out);
    if (!m->n_alerts) {
        fputs("<p>", out);
        T(OTW_M_NO_ALERTS);
        fputs("</p>\n", out);
        return 0;
    }
    fputs("<table id=\"alerts-by-type\">\n<thead><tr><th>", out);
    T(OTW_M_COL_TYPE);
    fputs("</th><th>", out);
    T(OTW_M_COL_CODE);
    fputs("</th><th>", out);
    T(OTW_M_COL_SEVERITY);
    fputs("</th><th class=\"n\">", out);
    T(OTW_M_COL_ALERTS);
    fputs("</th><th class=\"n\">", out);
    T(OTW_M_COL_OCCURRENCES);
    fputs("</th></tr></thead>\n<tbody>\n", out);
    size_t n_types;
    type_stat *ts = type_stats(m, &n_types);
    if (!ts)
        return -1;
    sort_type_stats(m, ts, n_types);
    for (size_t k = 0; k < n_types; k++)
        type_stat_row(r, &ts[k]);
    free(ts);
    fputs("</tbody></table>\n", out);
    return 0;
}

/* Returns 0, or -1 when memory ran out (nothing must then claim a count). */
static int write_summary(const rctx *r)
{
    FILE *out = r->out;
    otw_lang lang = r->lang;
    size_t n_reach;
    if (count_ot_internet(r, &n_reach) != 0)
        return -1;
    fputs("<section id=\"summary\">\n<h2>1. ", out);
    T(OTW_M_SEC_SUMMARY);
    fputs("</h2>\n", out);
    write_kpis(r, n_reach);
    fputs("<div class=\"cols\">\n<div>\n", out);
    write_assets_by_zone(r);
    fputs("</div>\n<div>\n", out);
    write_alerts_by_severity(r);
    fputs("</div>\n</div>\n", out);
    if (write_alerts_by_type(r) != 0)
        return -1;
    fputs("</section>\n", out);
    return 0;
}

/* ---------------------------------------------------------- map */

static void write_map(const rctx *r)
{
    FILE *out = r->out;
    otw_lang lang = r->lang;
    fputs("<section id=\"map\">\n<h2>2. ", out);
    T(OTW_M_SEC_MAP);
    fputs("</h2>\n<div class=\"map\">\n", out);
    otw_netmap_svg(r->m, lang, false, out);
    fputs("</div>\n</section>\n", out);
}

/* ---------------------------------------------------------- boundary */

/* As `otwatch boundary` orders its table (boundary.c): indexes into the
 * map's rows. */
static int brow_cmp(const void *x, const void *y, void *ctx)
{
    const rctx *r = ctx;
    const otw_nm_row *a = &r->m->rows[*(const size_t *)x];
    const otw_nm_row *b = &r->m->rows[*(const size_t *)y];
    int d = otw_crossing_cmp(r->cfg, &a->pl, &a->c, a->proto, &b->pl, &b->c, b->proto);
    if (d != 0)
        return d;
    return *(const size_t *)x < *(const size_t *)y ? -1 : 1;
}

static void addr_cell(const rctx *r, const otw_addr *ip, int32_t asset)
{
    FILE *out = r->out;
    char b[64];
    fputs("<td class=\"nw\">", out);
    X(otw_addr_str(ip, b, sizeof(b)));
    const char *name = asset >= 0 ? otw_netmap_asset_name(&r->m->assets[asset]) : "";
    if (name[0]) {
        fputs("<br><span class=\"small\">", out);
        X(name);
        fputs("</span>", out);
    }
    fputs("</td>", out);
}

/* Returns 0, or -1 when memory ran out (never "no crossings" then). */
static int write_boundary(const rctx *r)
{
    const otw_netmap *m = r->m;
    const otw_config *cfg = r->cfg;
    FILE *out = r->out;
    otw_lang lang = r->lang;
    char tz[16];
    tz_text(r->tz, tz);
    size_t *idx = otw_alloc_array(m->n_rows, sizeof(*idx));
    if (!idx)
        return -1;
    fputs("<section id=\"boundary\">\n<h2>3. ", out);
    T(OTW_M_SEC_BOUNDARY);
    fputs("</h2>\n", out);
    size_t n = 0, n_viol = 0;
    for (size_t i = 0; i < m->n_rows; i++)
        if (is_crossing(&m->rows[i])) {
            idx[n++] = i;
            n_viol += m->rows[i].pl.verdict == OTW_PLACE_VIOLATION;
        }
    if (n)
        qsort_r(idx, n, sizeof(*idx), brow_cmp, (void *)r);
    fputs("<p id=\"boundary-counts\">", out);
    T(OTW_M_CROSSINGS_SUMMARY);
    fprintf(out, ": <strong>%zu</strong> / ", n);
    T(OTW_M_KPI_VIOLATIONS);
    fprintf(out, ": <strong>%zu</strong></p>\n", n_viol);
    if (!n) {
        fputs("<p>", out);
        T(cfg->n_zones ? OTW_M_NO_CROSSINGS : OTW_M_NO_ZONES);
        fputs("</p>\n</section>\n", out);
        free(idx);
        return 0;
    }
    fputs("<table id=\"boundary-table\">\n<thead><tr>", out);
    const otw_msg cols[] = {OTW_M_COL_VERDICT,      OTW_M_COL_SEVERITY,  OTW_M_COL_SRC_ZONE,
                            OTW_M_COL_SOURCE,       OTW_M_COL_DST_ZONE,  OTW_M_COL_DESTINATION,
                            OTW_M_COL_SERVICE,      OTW_M_COL_DIRECTION, OTW_M_COL_FIRST_SEEN,
                            OTW_M_COL_LAST_SEEN,    OTW_M_COL_FLOWS,     OTW_M_COL_PACKETS,
                            OTW_M_COL_CONDUIT_RULE, OTW_M_COL_REMOTE};
    for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
        bool num = cols[c] == OTW_M_COL_FLOWS || cols[c] == OTW_M_COL_PACKETS;
        fputs(num ? "<th class=\"n\">" : "<th>", out);
        T(cols[c]);
        if (cols[c] == OTW_M_COL_FIRST_SEEN || cols[c] == OTW_M_COL_LAST_SEEN)
            fprintf(out, "<br><span class=\"small\">%s</span>", tz);
        fputs("</th>", out);
    }
    fputs("</tr></thead>\n<tbody>\n", out);
    for (size_t k = 0; k < n; k++) {
        const otw_nm_row *row = &m->rows[idx[k]];
        bool viol = row->pl.verdict == OTW_PLACE_VIOLATION;
        char t[32], svc[96];
        fprintf(out, "<tr class=\"%s\"><td class=\"v-%s nw\">", viol ? "viol" : "ok",
                otw_place_name(row->pl.verdict));
        X(otw_i18n_place(lang, row->pl.verdict));
        fputs("</td><td>", out);
        if (viol)
            sev_badge(r, row->pl.severity);
        fputs("</td><td>", out);
        X(otw_i18n_zone(lang, cfg, row->pl.client_zone));
        fputs("</td>", out);
        addr_cell(r, &row->c.client, row->src_asset);
        fputs("<td>", out);
        X(otw_i18n_zone(lang, cfg, row->pl.server_zone));
        fputs("</td>", out);
        addr_cell(r, &row->c.server, row->dst_asset);
        otw_service_text(row->c.transport, row->c.server_port, row->proto, svc, sizeof(svc));
        fputs("<td class=\"nw\">", out);
        X(svc);
        fputs("</td><td class=\"nw\">", out);
        X(kind_short(lang, otw_zone_kind_of(cfg, row->pl.client_zone)));
        fputs(" \xE2\x86\x92 ", out);
        X(kind_short(lang, otw_zone_kind_of(cfg, row->pl.server_zone)));
        fprintf(out, "</td><td class=\"nw\">%s</td>", time_text(r, row->c.first_us, t));
        fprintf(out, "<td class=\"nw\">%s</td>", time_text(r, row->c.last_us, t));
        fprintf(out, "<td class=\"n\">%llu</td><td class=\"n\">%llu</td><td>",
                (unsigned long long)row->c.flows, (unsigned long long)row->c.pkts);
        int ci = viol ? row->pl.rule : row->pl.conduit;
        if (ci >= 0 && ci < cfg->n_conduits)
            X(cfg->conduits[ci].name);
        else if (viol)
            T(OTW_M_DEFAULT_DENY);
        if (viol && row->pl.outside_window) {
            fputs("<br><span class=\"small\">", out);
            T(OTW_M_OUTSIDE_WINDOW);
            fputs("</span>", out);
        }
        fputs("</td><td>", out);
        if (row->pl.remote_access)
            X(row->pl.remote_service);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n</section>\n", out);
    free(idx);
    return 0;
}

/* ---------------------------------------------------------- alerts */

/* Indexes into the alerts: worst first, then oldest, then id. */
static int alert_cmp(const void *x, const void *y, void *ctx)
{
    const otw_alert *alerts = ctx;
    const otw_alert *a = &alerts[*(const size_t *)x];
    const otw_alert *b = &alerts[*(const size_t *)y];
    if (a->severity != b->severity)
        return a->severity > b->severity ? -1 : 1;
    if (a->last_us != b->last_us)
        return a->last_us < b->last_us ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Returns 0, or -1 when memory ran out. */
static int write_alerts(const rctx *r)
{
    const otw_netmap *m = r->m;
    FILE *out = r->out;
    otw_lang lang = r->lang;
    char tz[16];
    tz_text(r->tz, tz);
    fputs("<section id=\"alerts\">\n<h2>4. ", out);
    T(OTW_M_SEC_ALERTS);
    fputs("</h2>\n<p id=\"alert-count\">", out);
    T(OTW_M_COL_ALERTS);
    fprintf(out, ": <strong>%zu</strong></p>\n", m->n_alerts);
    if (!m->n_alerts) {
        fputs("<p>", out);
        T(OTW_M_NO_ALERTS);
        fputs("</p>\n</section>\n", out);
        return 0;
    }
    size_t *idx = otw_alloc_array(m->n_alerts, sizeof(*idx));
    if (!idx)
        return -1;
    for (size_t i = 0; i < m->n_alerts; i++)
        idx[i] = i;
    qsort_r(idx, m->n_alerts, sizeof(*idx), alert_cmp, m->alerts);
    fputs("<table id=\"alert-table\">\n<thead><tr><th>", out);
    T(OTW_M_COL_SEVERITY);
    fputs("</th><th>", out);
    T(OTW_M_COL_TIME);
    fprintf(out, "<br><span class=\"small\">%s</span></th><th>", tz);
    T(OTW_M_COL_TYPE);
    fputs("</th><th>", out);
    T(OTW_M_COL_SOURCE);
    fputs("</th><th>", out);
    T(OTW_M_COL_DESTINATION);
    fputs("</th><th>", out);
    T(OTW_M_COL_MESSAGE);
    fputs("</th><th class=\"n\">", out);
    T(OTW_M_COL_COUNT);
    fputs("</th><th>", out);
    T(OTW_M_COL_TECHNIQUE);
    fputs("</th></tr></thead>\n<tbody>\n", out);
    for (size_t k = 0; k < m->n_alerts; k++) {
        const otw_alert *a = &m->alerts[idx[k]];
        char t[32], src[96], dst[96];
        fprintf(out, "<tr id=\"alert-%lld\"><td>", (long long)a->id);
        sev_badge(r, a->severity);
        fprintf(out, "</td><td class=\"nw\">%s</td><td>", time_text(r, a->last_us, t));
        const char *title = otw_i18n_alert_type(lang, a->kind);
        if (title) {
            X(title);
            fputs("<br>", out);
        }
        fputs("<code>", out);
        X(a->type);
        fputs("</code></td><td class=\"nw\">", out);
        endpoint_text(&a->src, src, sizeof(src));
        endpoint_text(&a->dst, dst, sizeof(dst));
        X(src);
        fputs("</td><td class=\"nw\">", out);
        X(dst);
        fputs("</td><td class=\"msg\">", out);
        X(a->message);
        fprintf(out, "</td><td class=\"n\">%llu</td><td>", (unsigned long long)a->count);
        X(a->technique);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n</section>\n", out);
    free(idx);
    return 0;
}

/* ---------------------------------------------------------- assets */

static void protos_cell(const rctx *r, const uint16_t *keys, int n)
{
    FILE *out = r->out;
    fputs("<td>", out);
    for (int i = 0; i < n; i++) {
        char b[64];
        if (i)
            fputs(", ", out);
        X(otw_netmap_proto_name(r->m, keys[i], b, sizeof(b)));
    }
    fputs("</td>", out);
}

static void write_assets(const rctx *r)
{
    const otw_netmap *m = r->m;
    const otw_config *cfg = r->cfg;
    FILE *out = r->out;
    otw_lang lang = r->lang;
    char tz[16];
    tz_text(r->tz, tz);
    fputs("<section id=\"assets\">\n<h2>5. ", out);
    T(OTW_M_SEC_ASSETS);
    fputs("</h2>\n", out);
    if (!m->n_assets) {
        fputs("<p>", out);
        T(OTW_M_NO_ASSETS);
        fputs("</p>\n</section>\n", out);
        return;
    }
    fputs("<table id=\"asset-table\">\n<thead><tr>", out);
    const otw_msg cols[] = {OTW_M_COL_ID,         OTW_M_COL_ZONE,         OTW_M_COL_IP,
                            OTW_M_COL_MAC,        OTW_M_COL_NAME,         OTW_M_COL_VENDOR,
                            OTW_M_COL_ROLE,       OTW_M_COL_PROTO_SERVER, OTW_M_COL_PROTO_CLIENT,
                            OTW_M_COL_FIRST_SEEN, OTW_M_COL_LAST_SEEN,    OTW_M_COL_PACKETS};
    for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
        bool num = cols[c] == OTW_M_COL_PACKETS || cols[c] == OTW_M_COL_ID;
        fputs(num ? "<th class=\"n\">" : "<th>", out);
        T(cols[c]);
        if (cols[c] == OTW_M_COL_FIRST_SEEN || cols[c] == OTW_M_COL_LAST_SEEN)
            fprintf(out, "<br><span class=\"small\">%s</span>", tz);
        fputs("</th>", out);
    }
    fputs("</tr></thead>\n<tbody>\n", out);
    /* Map order: by zone, then as stored. */
    for (size_t ni = 0; ni < m->n_nodes; ni++) {
        if (m->nodes[ni].asset < 0)
            continue;
        const otw_asset *a = &m->assets[m->nodes[ni].asset];
        char b[64], t[32];
        fprintf(out, "<tr><td class=\"n\">%lld</td><td>", (long long)a->store_id);
        X(otw_i18n_zone(lang, cfg, m->nodes[ni].zone));
        fputs("</td><td class=\"nw\">", out);
        for (int k = 0; k < a->n_ips; k++) {
            if (k)
                fputs("<br>", out);
            X(otw_addr_str(&a->ips[k], b, sizeof(b)));
        }
        fputs("</td><td class=\"nw\"><code>", out);
        if (a->has_mac)
            X(otw_mac_str(a->mac, b, sizeof(b)));
        fputs("</code></td><td>", out);
        if (a->has_identity) {
            const otw_identity *id = &a->identity;
            if (id->name[0]) {
                fputs("<strong>", out);
                X(id->name);
                fputs("</strong><br>", out);
            }
            const char *parts[] = {id->vendor, id->model[0] ? id->model : id->product,
                                   id->revision};
            bool any = false;
            fputs("<span class=\"small\">", out);
            for (size_t p = 0; p < 3; p++) {
                if (!parts[p][0])
                    continue;
                if (any)
                    fputs(" ", out);
                X(parts[p]);
                any = true;
            }
            fputs("</span>", out);
        }
        fputs("</td><td>", out);
        X(a->vendor);
        fputs("</td><td>", out);
        X(otw_i18n_role(lang, otw_asset_role(a)));
        for (int e = 0; e < OTW_EV__COUNT; e++) {
            if (!(a->evidence & (1u << e)))
                continue;
            fputs("<br><span class=\"small\">", out);
            X(otw_i18n_evidence(lang, (otw_evidence)e));
            fputs("</span>", out);
        }
        fputs("</td>", out);
        protos_cell(r, a->protos_server, a->n_protos_server);
        protos_cell(r, a->protos_client, a->n_protos_client);
        fprintf(out, "<td class=\"nw\">%s</td>", time_text(r, a->first_us, t));
        fprintf(out, "<td class=\"nw\">%s</td>", time_text(r, a->last_us, t));
        fprintf(out, "<td class=\"n\">%llu</td></tr>\n", (unsigned long long)a->pkts);
    }
    fputs("</tbody></table>\n</section>\n", out);
}

static void write_notes(const rctx *r)
{
    FILE *out = r->out;
    otw_lang lang = r->lang;
    fputs("<section id=\"notes\">\n<h2>", out);
    T(OTW_M_SEC_NOTES);
    fputs("</h2>\n<ul class=\"notes\">\n", out);
    const otw_msg notes[] = {OTW_M_NOTE_VERDICTS, OTW_M_NOTE_PLACEMENT, OTW_M_NOTE_COUNTS,
                             OTW_M_NOTE_MESSAGES};
    for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
        fputs("<li>", out);
        T(notes[i]);
        fputs("</li>\n", out);
    }
    fputs("</ul>\n</section>\n<footer>", out);
    T(OTW_M_GENERATED_BY);
    fputs("</footer>\n</body>\n</html>\n", out);
}

int otw_report_write(const otw_config *cfg, const char *state_dir, otw_lang lang, int tz_minutes,
                     FILE *out)
{
    char err[512];
    otw_netmap *m = otw_netmap_load(cfg, state_dir, err, sizeof(err));
    if (!m) {
        otw_error("%s", err);
        return 1;
    }
    rctx r = {.m = m, .cfg = cfg, .lang = lang, .tz = tz_minutes, .out = out};
    write_head(&r);
    /* A section that ran out of memory ends the report: a security report
     * must not show an absence (no crossings, no alerts) it did not check. */
    int rc = write_summary(&r);
    if (rc == 0) {
        write_map(&r);
        rc = write_boundary(&r);
    }
    if (rc == 0)
        rc = write_alerts(&r);
    if (rc == 0) {
        write_assets(&r);
        write_notes(&r);
    }
    otw_netmap_free(m);
    if (rc != 0) {
        otw_error("out of memory");
        return 1;
    }
    return 0;
}
