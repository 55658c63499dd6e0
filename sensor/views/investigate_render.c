/* investigate_render.c - the answer of `otwatch investigate` as a terminal
 * summary, JSON, or a self-contained HTML report for a customer or an
 * auditor (investigate.h). Everything that came from the wire is escaped
 * for where it goes: control characters never reach a terminal, markup
 * never reaches the page. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "investigate.h"
#include "jsonw.h"
#include "netmap.h"
#include "timetext.h"

typedef struct words {
    const char *en, *ja;
} words;

static const char *w(const otw_investigation *inv, words x)
{
    return inv->q.lang == OTW_LANG_JA ? x.ja : x.en;
}

#define W(en, ja) w(inv, (words){en, ja})

static const char *when(uint64_t us, int tz, char out[OTW_TIMETEXT_LEN])
{
    return otw_time_text(us, tz, OTW_TT_MINUTE, out);
}

/* A stored string on a terminal: control characters (escape sequences,
 * line breaks that would forge a line) as '?'. */
static void term(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        fputc(*p < 0x20 || *p == 0x7F ? '?' : *p, out);
}

static const char *reason_text(const otw_investigation *inv, otw_cov_reason r)
{
    switch (r) {
    case OTW_COV_NOT_WATCHING:
        return W("sensor not running", "センサー停止");
    case OTW_COV_NO_PACKETS:
        return W("no packets", "パケットなし");
    case OTW_COV_LINK_DOWN:
        return W("link down", "リンク断");
    default:
        return otw_cov_reason_name(r);
    }
}

/* ---- text ---------------------------------------------------------------- */

void otw_inv_write_text(const otw_investigation *inv, FILE *out)
{
    char c[2400], a[OTW_TIMETEXT_LEN], b[OTW_TIMETEXT_LEN], z[16], s[32];
    int tz = inv->q.tz_minutes;
    otw_inv_conclusion(inv, c, sizeof(c));
    fprintf(out, "%s\n\n", c);
    fprintf(out, "%s %s - %s (%s)\n", W("Window:", "期間:"), when(inv->q.from_us, tz, a),
            when(inv->q.to_us, tz, b), otw_tz_text(tz, z));
    fprintf(out, "%s %s\n", W("From:", "通信元:"),
            inv->sources[0]
                ? inv->sources
                : W("every device that is not an OT device", "OT 機器以外のすべての機器"));
    fprintf(out, "%s %s\n", W("Into:", "通信先:"),
            inv->targets[0] ? inv->targets
                            : W("the devices held as controllers (no zones configured)",
                                "コントローラーと判定した機器（ゾーン未設定）"));
    fprintf(out, "\n%s\n", W("Coverage", "監視の記録"));
    if (!inv->cov.recorded)
        fprintf(out, "  %s\n",
                W("no coverage recorded in this state", "この状態には監視の記録がありません"));
    for (size_t i = 0; i < inv->cov.n_gaps; i++) {
        const otw_cov_gap *g = &inv->cov.gaps[i];
        fprintf(out, "  %s %s - %s (%s): %s\n", W("gap", "空白"), when(g->from_us, tz, a),
                when(g->to_us, tz, b), otw_span_text(g->to_us - g->from_us, s),
                reason_text(inv, g->reason));
    }
    if (inv->cov.recorded && !inv->cov.n_gaps)
        fprintf(out, "  %s\n", W("no gap", "空白なし"));
    fprintf(out, "\n%s (%zu)\n", W("Communications into the control side", "制御側への通信"),
            inv->n_crossings);
    for (size_t i = 0; i < inv->n_crossings; i++) {
        const otw_inv_crossing *x = &inv->crossings[i];
        fprintf(out, "  ");
        term(out, x->client);
        fprintf(out, " (");
        term(out, x->client_zone);
        fprintf(out, ") -> ");
        term(out, x->server);
        if (x->server_name[0]) {
            fprintf(out, " ");
            term(out, x->server_name);
        }
        fprintf(out, " (");
        term(out, x->server_zone);
        fprintf(out, ") %s/%u %s: %s %s - %s, %llu %s\n", x->transport == 17 ? "udp" : "tcp",
                x->server_port, x->protocol, W("hours", "時間帯"), when(x->first_us, tz, a),
                when(x->last_us, tz, b), (unsigned long long)x->flows, W("flows", "フロー"));
    }
    fprintf(out, "\n%s (%zu)\n", W("Operations on controllers", "コントローラーへの操作"),
            inv->n_ops);
    for (size_t i = 0; i < inv->n_ops; i++) {
        const otw_inv_opgroup *o = &inv->ops[i];
        fprintf(out, "  %s ", when(o->first_us, tz, a));
        term(out, o->client);
        fprintf(out, " -> ");
        term(out, o->server);
        if (o->server_name[0]) {
            fprintf(out, " ");
            term(out, o->server_name);
        }
        fprintf(out, ": %s ", otw_i18n_op_class(inv->q.lang, o->op_class));
        term(out, o->function);
        fprintf(out, " x%llu", (unsigned long long)o->count);
        if (o->failed)
            fprintf(out, " (%llu %s)", (unsigned long long)o->failed, W("refused", "拒否"));
        if (o->first_record >= 0)
            fprintf(out, " [ops.jsonl #%lld]", (long long)o->first_record);
        fputc('\n', out);
    }
    fprintf(out, "\n%s: %zu, %s: %zu, %s: %zu\n", W("Alerts", "アラート"), inv->n_alerts,
            W("new devices", "新規デバイス"), inv->n_new_devices,
            W("address changes", "アドレス変更"), inv->n_address_changes);
    for (size_t i = 0; i < inv->n_alerts && i < 20; i++) {
        const otw_alert *al = &inv->alerts[i].a;
        fprintf(out, "  %s %-8s ", when(al->first_us, tz, a),
                otw_i18n_severity(inv->q.lang, al->severity));
        term(out, al->message);
        fputc('\n', out);
    }
    if (inv->n_alerts > 20)
        fprintf(out, "  ... %zu %s\n", inv->n_alerts - 20, W("more", "件省略"));
    fprintf(out, "\n%s alerts %s\n%s ops %s\n", W("Evidence chain heads:", "証跡チェーンの先頭:"),
            inv->chain_alerts[0] ? inv->chain_alerts : "-",
            W("                     ", "                  "),
            inv->chain_ops[0] ? inv->chain_ops : "-");
}

/* ---- JSON ---------------------------------------------------------------- */

static void obj_out(FILE *out, otw_jsonw *jw, bool *first)
{
    const char *s = jw_finish(jw);
    fprintf(out, "%s%s", *first ? "" : ",", s ? s : "{}");
    *first = false;
}

int otw_inv_write_json(const otw_investigation *inv, FILE *out)
{
    char buf[8192], c[1400], z[16];
    otw_jsonw jw;
    otw_inv_conclusion(inv, c, sizeof(c));
    jw_init(&jw, buf, sizeof(buf));
    jw_obj_begin(&jw);
    jw_key(&jw, "from");
    jw_ts(&jw, inv->q.from_us);
    jw_key(&jw, "to");
    jw_ts(&jw, inv->q.to_us);
    jw_key(&jw, "tz");
    jw_str(&jw, otw_tz_text(inv->q.tz_minutes, z));
    jw_key(&jw, "lang");
    jw_str(&jw, otw_lang_code(inv->q.lang));
    jw_key(&jw, "conclusion");
    jw_str(&jw, c);
    jw_key(&jw, "zones_configured");
    jw_bool(&jw, inv->have_zones);
    jw_key(&jw, "sources");
    jw_str(&jw, inv->sources);
    jw_key(&jw, "targets");
    jw_str(&jw, inv->targets);
    jw_key(&jw, "reached");
    jw_bool(&jw, inv->n_crossings > 0);
    jw_key(&jw, "controller_changes");
    jw_u64(&jw, inv->n_op_changes);
    jw_key(&jw, "controllers_changed");
    jw_u64(&jw, inv->n_controllers_changed);
    jw_key(&jw, "unexpected_changes");
    jw_u64(&jw, inv->n_unexpected);
    jw_key(&jw, "controllers_changed_unexpectedly");
    jw_u64(&jw, inv->n_controllers_unexpected);
    jw_key(&jw, "coverage");
    jw_obj_begin(&jw);
    jw_key(&jw, "recorded");
    jw_bool(&jw, inv->cov.recorded);
    jw_key(&jw, "continuous");
    jw_bool(&jw, inv->cov.continuous);
    jw_key(&jw, "watched_seconds");
    jw_u64(&jw, inv->cov.watched_us / 1000000u);
    jw_key(&jw, "packets");
    jw_u64(&jw, inv->cov.packets);
    jw_key(&jw, "drops");
    jw_u64(&jw, inv->cov.drops);
    jw_key(&jw, "gaps");
    jw_arr_begin(&jw);
    for (size_t i = 0; i < inv->cov.n_gaps && i < 40; i++) {
        jw_obj_begin(&jw);
        jw_key(&jw, "from");
        jw_ts(&jw, inv->cov.gaps[i].from_us);
        jw_key(&jw, "to");
        jw_ts(&jw, inv->cov.gaps[i].to_us);
        jw_key(&jw, "reason");
        jw_str(&jw, otw_cov_reason_name(inv->cov.gaps[i].reason));
        jw_obj_end(&jw);
    }
    jw_arr_end(&jw);
    jw_obj_end(&jw);
    jw_key(&jw, "chain_heads");
    jw_obj_begin(&jw);
    jw_key(&jw, "alerts");
    jw_str(&jw, inv->chain_alerts);
    jw_key(&jw, "ops");
    jw_str(&jw, inv->chain_ops);
    jw_obj_end(&jw);
    jw_obj_end(&jw);
    const char *head = jw_finish(&jw);
    if (!head)
        return -1;
    /* The head object without its closing brace, then the long arrays. */
    fprintf(out, "%.*s,\"crossings\":[", (int)strlen(head) - 1, head);
    bool first = true;
    for (size_t i = 0; i < inv->n_crossings; i++) {
        const otw_inv_crossing *x = &inv->crossings[i];
        jw_init(&jw, buf, sizeof(buf));
        jw_obj_begin(&jw);
        jw_key(&jw, "client");
        jw_str(&jw, x->client);
        jw_key(&jw, "client_zone");
        jw_str(&jw, x->client_zone);
        jw_key(&jw, "server");
        jw_str(&jw, x->server);
        jw_key(&jw, "server_name");
        jw_str(&jw, x->server_name);
        jw_key(&jw, "server_zone");
        jw_str(&jw, x->server_zone);
        jw_key(&jw, "protocol");
        jw_str(&jw, x->protocol);
        jw_key(&jw, "transport");
        jw_str(&jw, x->transport == 17 ? "udp" : "tcp");
        jw_key(&jw, "server_port");
        jw_u64(&jw, x->server_port);
        jw_key(&jw, "flows");
        jw_u64(&jw, x->flows);
        jw_key(&jw, "packets");
        jw_u64(&jw, x->pkts);
        jw_key(&jw, "bytes");
        jw_u64(&jw, x->bytes);
        jw_key(&jw, "hours_with_traffic");
        jw_u64(&jw, x->n_hours);
        jw_key(&jw, "hours");
        jw_arr_begin(&jw);
        for (uint32_t h = 0; h < x->n_hours && h < OTW_INV_MAX_HOURS; h++)
            jw_ts(&jw, x->hours[h]);
        jw_arr_end(&jw);
        jw_obj_end(&jw);
        obj_out(out, &jw, &first);
    }
    fputs("],\"operations\":[", out);
    first = true;
    for (size_t i = 0; i < inv->n_ops; i++) {
        const otw_inv_opgroup *o = &inv->ops[i];
        jw_init(&jw, buf, sizeof(buf));
        jw_obj_begin(&jw);
        jw_key(&jw, "client");
        jw_str(&jw, o->client);
        jw_key(&jw, "controller");
        jw_str(&jw, o->server);
        jw_key(&jw, "controller_name");
        jw_str(&jw, o->server_name);
        jw_key(&jw, "protocol");
        jw_str(&jw, o->protocol);
        jw_key(&jw, "class");
        jw_str(&jw, o->op_class);
        jw_key(&jw, "function");
        jw_str(&jw, o->function);
        jw_key(&jw, "changes_controller");
        jw_bool(&jw, o->changes);
        jw_key(&jw, "unexpected");
        jw_bool(&jw, o->unexpected);
        jw_key(&jw, "count");
        jw_u64(&jw, o->count);
        jw_key(&jw, "refused");
        jw_u64(&jw, o->failed);
        jw_key(&jw, "first");
        jw_ts(&jw, o->first_us);
        jw_key(&jw, "last");
        jw_ts(&jw, o->last_us);
        jw_key(&jw, "first_record");
        if (o->first_record >= 0)
            jw_i64(&jw, o->first_record);
        else
            jw_null(&jw);
        jw_obj_end(&jw);
        obj_out(out, &jw, &first);
    }
    fputs("],\"alerts\":[", out);
    first = true;
    for (size_t i = 0; i < inv->n_alerts; i++) {
        const otw_alert *a = &inv->alerts[i].a;
        jw_init(&jw, buf, sizeof(buf));
        jw_obj_begin(&jw);
        jw_key(&jw, "id");
        jw_i64(&jw, a->id);
        jw_key(&jw, "type");
        jw_str(&jw, a->type);
        jw_key(&jw, "severity");
        jw_str(&jw, otw_severity_name(a->severity));
        jw_key(&jw, "first");
        jw_ts(&jw, a->first_us);
        jw_key(&jw, "last");
        jw_ts(&jw, a->last_us);
        jw_key(&jw, "count");
        jw_u64(&jw, a->count);
        jw_key(&jw, "message");
        jw_str(&jw, a->message);
        jw_obj_end(&jw);
        obj_out(out, &jw, &first);
    }
    fprintf(out, "],\"new_devices\":%zu,\"address_changes\":%zu}\n", inv->n_new_devices,
            inv->n_address_changes);
    return 0;
}

/* ---- HTML ---------------------------------------------------------------- */

#define X(s) otw_nm_xml(out, (s))

static const char *const css =
    "body{font-family:'Noto Sans CJK JP','Hiragino Sans','Yu Gothic',sans-serif;margin:24px;"
    "color:#222;max-width:1000px}h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;"
    "border-bottom:2px solid #1565c0;padding-bottom:3px;margin-top:28px}"
    ".meta{color:#555;font-size:13px}.verdict{border:2px solid #2e7d32;background:#e8f5e9;"
    "padding:14px 16px;border-radius:6px;font-size:16px;line-height:1.6;margin:16px 0}"
    ".verdict.bad{border-color:#c62828;background:#ffebee}.verdict.warn{border-color:#ef6c00;"
    "background:#fff3e0}table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}"
    "th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}"
    "th{background:#f0f4f8;white-space:nowrap}td.n{text-align:right}.nw{white-space:nowrap}.muted{"
    "color:#666}"
    ".sev-critical{color:#b71c1c;font-weight:bold}.sev-high{color:#d84315;font-weight:bold}"
    ".chain{font-family:monospace;font-size:11px;word-break:break-all}"
    "@media print{body{margin:0}h2{page-break-after:avoid}tr{page-break-inside:avoid}}";

static void html_when(FILE *out, uint64_t us, int tz)
{
    char a[OTW_TIMETEXT_LEN];
    X(when(us, tz, a));
}

void otw_inv_write_html(const otw_investigation *inv, FILE *out)
{
    int tz = inv->q.tz_minutes;
    char c[2400], z[16], s[32];
    otw_inv_conclusion(inv, c, sizeof(c));
    fprintf(out,
            "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width\"><title>",
            otw_lang_code(inv->q.lang));
    X(W("Investigation: was the production line touched?", "調査報告: 製造ラインへの影響の有無"));
    fprintf(out, "</title><style>%s</style></head><body>\n<h1>", css);
    X(W("Investigation: was the production line touched?", "調査報告: 製造ラインへの影響の有無"));
    fputs("</h1>\n<p class=\"meta\">", out);
    X(W("Period", "対象期間"));
    fputs(": ", out);
    html_when(out, inv->q.from_us, tz);
    fputs(" – ", out);
    html_when(out, inv->q.to_us, tz);
    fprintf(out, " (UTC%s) · ", otw_tz_text(tz, z));
    X(W("Prepared by otwatch from the records of the sensor on the control network's mirror port, "
        "for customers and auditors.",
        "制御ネットワークのミラーポートに設置したセンサー（otwatch）の記録から作成した、"
        "取引先・監査向けの報告です。"));
    fputs("</p>\n", out);
    const char *cls = inv->n_crossings || inv->n_op_changes ? " bad"
                      : !inv->cov.continuous                ? " warn"
                                                            : "";
    fprintf(out, "<div class=\"verdict%s\" id=\"conclusion\"><strong>", cls);
    X(W("Conclusion", "結論"));
    fputs("</strong><br>", out);
    X(c);
    fputs("</div>\n", out);

    /* What was asked, in plain words. */
    fputs("<h2>", out);
    X(W("What was checked", "確認した内容"));
    fputs("</h2>\n<ul><li>", out);
    X(W("From (the side an intruder would come from): ", "通信元（侵入が疑われる側）: "));
    X(inv->sources[0] ? inv->sources
                      : W("every device that is not an OT device", "OT 機器以外のすべての機器"));
    fputs("</li><li>", out);
    X(W("Into (the production side): ", "通信先（製造側）: "));
    X(inv->targets[0] ? inv->targets
                      : W("the devices held as controllers (no zones configured)",
                          "コントローラーと判定した機器（ゾーン未設定）"));
    fputs("</li><li>", out);
    X(W("Controllers (PLCs) are the computers that run the machines. A write changes a value "
        "they use; a control command starts or stops them; a program download replaces what "
        "they do.",
        "コントローラー（PLC）は設備を動かすコンピューターです。「書き込み」は設定値の変更、"
        "「制御」は運転・停止の指示、「プログラム書き込み」は動作内容そのものの入れ替えです。"));
    fputs("</li></ul>\n", out);

    /* Coverage. */
    fputs("<h2>", out);
    X(W("1. Was the sensor watching?", "1. センサーは監視していたか"));
    fputs("</h2>\n<p>", out);
    uint64_t len = inv->q.to_us > inv->q.from_us ? inv->q.to_us - inv->q.from_us : 0;
    fprintf(out, "%s %.1f%% · %s %llu · %s %llu</p>\n", W("Watched:", "監視していた時間:"),
            len ? 100.0 * (double)inv->cov.watched_us / (double)len : 0.0,
            W("packets seen:", "観測パケット数:"), (unsigned long long)inv->cov.packets,
            W("packets dropped:", "取りこぼし:"), (unsigned long long)inv->cov.drops);
    if (inv->cov.n_gaps) {
        fputs("<table id=\"gaps\"><tr><th>", out);
        X(W("Gap from", "空白の開始"));
        fputs("</th><th>", out);
        X(W("to", "終了"));
        fputs("</th><th>", out);
        X(W("length", "長さ"));
        fputs("</th><th>", out);
        X(W("why", "理由"));
        fputs("</th></tr>\n", out);
        for (size_t i = 0; i < inv->cov.n_gaps; i++) {
            const otw_cov_gap *g = &inv->cov.gaps[i];
            fputs("<tr><td class=\"nw\">", out);
            html_when(out, g->from_us, tz);
            fputs("</td><td class=\"nw\">", out);
            html_when(out, g->to_us, tz);
            fputs("</td><td class=\"n\">", out);
            X(otw_span_text(g->to_us - g->from_us, s));
            fputs("</td><td>", out);
            X(reason_text(inv, g->reason));
            fputs("</td></tr>\n", out);
        }
        fputs("</table>\n", out);
    } else if (inv->cov.recorded) {
        fputs("<p>", out);
        X(W("No gap: watched without interruption.", "空白はありません（途切れなく監視）。"));
        fputs("</p>\n", out);
    } else {
        fputs("<p class=\"muted\">", out);
        X(W("This state has no coverage records.", "この状態には監視の記録がありません。"));
        fputs("</p>\n", out);
    }

    /* Crossings. */
    fputs("<h2>", out);
    X(W("2. Did anything reach the production side?", "2. 製造側に届いた通信はあったか"));
    fputs("</h2>\n", out);
    if (!inv->n_crossings) {
        fputs("<p>", out);
        X(W("None.", "ありません。"));
        fputs("</p>\n", out);
    } else {
        fputs("<table id=\"crossings\"><tr><th>", out);
        X(W("From", "通信元"));
        fputs("</th><th>", out);
        X(W("To", "通信先"));
        fputs("</th><th>", out);
        X(W("Service", "サービス"));
        fputs("</th><th>", out);
        X(W("Hours with traffic", "通信のあった時間帯"));
        fputs("</th><th>", out);
        X(W("Connections", "接続数"));
        fputs("</th></tr>\n", out);
        for (size_t i = 0; i < inv->n_crossings; i++) {
            const otw_inv_crossing *x = &inv->crossings[i];
            fputs("<tr><td>", out);
            X(x->client);
            fputs("<br><span class=\"muted\">", out);
            X(x->client_zone);
            fputs("</span></td><td>", out);
            X(x->server);
            if (x->server_name[0]) {
                fputs(" ", out);
                X(x->server_name);
            }
            fputs("<br><span class=\"muted\">", out);
            X(x->server_zone);
            fprintf(out, "</span></td><td class=\"nw\">%s/%u ", x->transport == 17 ? "udp" : "tcp",
                    x->server_port);
            X(x->protocol);
            fputs("</td><td>", out);
            for (uint32_t h = 0; h < x->n_hours && h < OTW_INV_MAX_HOURS; h++) {
                fputs(h ? "<br>" : "", out);
                html_when(out, x->hours[h], tz);
            }
            if (x->n_hours > OTW_INV_MAX_HOURS)
                fprintf(out, "<br>… (%u)", x->n_hours);
            fprintf(out, "</td><td class=\"n\">%llu</td></tr>\n", (unsigned long long)x->flows);
        }
        fputs("</table>\n", out);
    }

    /* Operations. */
    fputs("<h2>", out);
    X(W("3. Was any controller changed?", "3. コントローラーは変更されたか"));
    fputs("</h2>\n", out);
    if (!inv->n_ops) {
        fputs("<p>", out);
        X(W("No write, control, program, firmware, configuration, login or account operation on "
            "any controller.",
            "コントローラーへの書き込み・制御・プログラム・ファームウェア・設定・ログイン・"
            "アカウント操作はありません。"));
        fputs("</p>\n", out);
    } else {
        fputs("<table id=\"operations\"><tr><th>", out);
        X(W("First", "最初"));
        fputs("</th><th>", out);
        X(W("By", "操作元"));
        fputs("</th><th>", out);
        X(W("Controller", "コントローラー"));
        fputs("</th><th>", out);
        X(W("Operation", "操作"));
        fputs("</th><th>", out);
        X(W("Times", "回数"));
        fputs("</th><th>", out);
        X(W("Record", "記録"));
        fputs("</th></tr>\n", out);
        for (size_t i = 0; i < inv->n_ops; i++) {
            const otw_inv_opgroup *o = &inv->ops[i];
            fputs("<tr><td class=\"nw\">", out);
            html_when(out, o->first_us, tz);
            fputs("</td><td>", out);
            X(o->client);
            fputs("</td><td>", out);
            X(o->server);
            if (o->server_name[0]) {
                fputs(" ", out);
                X(o->server_name);
            }
            fputs("</td><td>", out);
            X(otw_i18n_op_class(inv->q.lang, o->op_class));
            fputs(" <span class=\"muted\">", out);
            X(o->protocol);
            fputs(" ", out);
            X(o->function);
            fprintf(out, "</span></td><td class=\"n\">%llu", (unsigned long long)o->count);
            if (o->failed) {
                fprintf(out, " (%llu ", (unsigned long long)o->failed);
                X(W("refused", "拒否"));
                fputs(")", out);
            }
            fputs("</td><td class=\"nw\">", out);
            if (o->first_record >= 0)
                fprintf(out, "ops.jsonl #%lld", (long long)o->first_record);
            fputs("</td></tr>\n", out);
        }
        fputs("</table>\n", out);
    }

    /* Devices and alerts. */
    fputs("<h2>", out);
    X(W("4. New devices, address changes and alerts", "4. 新しい機器・アドレス変更・アラート"));
    fprintf(out, "</h2>\n<p>%s %zu · %s %zu · %s %zu</p>\n", W("New devices:", "新しい機器:"),
            inv->n_new_devices, W("Address changes:", "アドレス変更:"), inv->n_address_changes,
            W("Alerts:", "アラート:"), inv->n_alerts);
    if (inv->n_alerts) {
        fputs("<table id=\"alerts\"><tr><th>", out);
        X(W("First seen", "初回"));
        fputs("</th><th>", out);
        X(W("Severity", "重大度"));
        fputs("</th><th>", out);
        X(W("Type", "種類"));
        fputs("</th><th>", out);
        X(W("What happened", "内容"));
        fputs("</th></tr>\n", out);
        for (size_t i = 0; i < inv->n_alerts && i < 200; i++) {
            const otw_alert *a = &inv->alerts[i].a;
            fputs("<tr><td class=\"nw\">", out);
            html_when(out, a->first_us, tz);
            fprintf(out, "</td><td class=\"sev-%s\">", otw_severity_name(a->severity));
            X(otw_i18n_severity(inv->q.lang, a->severity));
            fputs("</td><td class=\"nw\">", out);
            X(otw_i18n_alert_type(inv->q.lang, a->kind));
            fputs("</td><td>", out);
            X(a->message);
            fputs("</td></tr>\n", out);
        }
        fputs("</table>\n", out);
        if (inv->n_alerts > 200)
            fprintf(out, "<p class=\"muted\">… %zu</p>\n", inv->n_alerts - 200);
    }

    /* Evidence. */
    fputs("<h2>", out);
    X(W("5. Evidence", "5. 証跡"));
    fputs("</h2>\n<p>", out);
    X(W("The sensor's records are hash-chained (SHA-256): each record's link covers the one before "
        "it, so an edited or removed record breaks every link after it. `otwatch verify` "
        "recomputes the chains; this report was computed from the heads below.",
        "センサーの記録はハッシュチェーン（SHA-256）で連結されており、記録を書き換えたり削除"
        "したりすると以降のすべての連結が合わなくなります。`otwatch verify` で検証できます。"
        "本報告は次の先頭値の時点の記録から作成しました。"));
    fputs("</p>\n<table><tr><th>", out);
    X(W("Chain", "チェーン"));
    fputs("</th><th>", out);
    X(W("Records and head", "記録数と先頭値"));
    fputs("</th></tr>\n<tr><td>", out);
    X(W("alerts", "アラート"));
    fputs("</td><td class=\"chain\">", out);
    X(inv->chain_alerts[0] ? inv->chain_alerts : "-");
    fputs("</td></tr>\n<tr><td>", out);
    X(W("operations log", "操作ログ"));
    fputs("</td><td class=\"chain\">", out);
    X(inv->chain_ops[0] ? inv->chain_ops : "-");
    fputs("</td></tr></table>\n</body></html>\n", out);
}
