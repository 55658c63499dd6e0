/* cmd_coverage.c - `otwatch coverage`: when the sensor was watching over a
 * window, "watched continuously ... with N packets dropped" or each gap
 * (coverage.h). Reads the state only, so it works beside `run`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "coverage.h"
#include "jsonw.h"
#include "timetext.h"

/* "2026-12-01 09:00:00" in tz minutes east of UTC. */
static const char *when(uint64_t us, int tz, char out[OTW_TIMETEXT_LEN])
{
    return otw_time_text(us, tz, OTW_TT_SECOND, out);
}

static uint64_t gaps_total(const otw_coverage_answer *a)
{
    uint64_t t = 0;
    for (size_t i = 0; i < a->n_gaps; i++)
        t += a->gaps[i].to_us - a->gaps[i].from_us;
    return t;
}

/* The sentence: watched continuously, or how much was not. */
static void sentence(FILE *out, const otw_coverage_answer *a, int tz)
{
    char f[OTW_TIMETEXT_LEN], t[OTW_TIMETEXT_LEN], z[16], g[32];
    when(a->from_us, tz, f);
    when(a->to_us, tz, t);
    otw_tz_text(tz, z);
    if (a->continuous) {
        fprintf(out,
                "Watched continuously from %s to %s (%s) with %llu packet%s dropped (%llu seen).\n",
                f, t, z, (unsigned long long)a->drops, a->drops == 1 ? "" : "s",
                (unsigned long long)a->packets);
        return;
    }
    uint64_t len = a->to_us - a->from_us;
    double pct = len ? 100.0 * (double)a->watched_us / (double)len : 0.0;
    fprintf(out,
            "Not watched continuously from %s to %s (%s): %zu gap%s, %s in all (%.1f%% watched), "
            "%llu packet%s dropped (%llu seen).\n",
            f, t, z, a->n_gaps, a->n_gaps == 1 ? "" : "s", otw_span_text(gaps_total(a), g), pct,
            (unsigned long long)a->drops, a->drops == 1 ? "" : "s", (unsigned long long)a->packets);
}

static void table(FILE *out, const otw_coverage_answer *a, int tz)
{
    char f[OTW_TIMETEXT_LEN], t[OTW_TIMETEXT_LEN], l[32];
    sentence(out, a, tz);
    if (a->n_gaps) {
        fprintf(out, "\ngaps:\n  %-19s  %-19s  %-8s  %-12s  %s\n", "from", "to", "length", "reason",
                "source");
        for (size_t i = 0; i < a->n_gaps; i++) {
            const otw_cov_gap *g = &a->gaps[i];
            fprintf(out, "  %-19s  %-19s  %-8s  %-12s  %s\n", when(g->from_us, tz, f),
                    when(g->to_us, tz, t), otw_span_text(g->to_us - g->from_us, l),
                    otw_cov_reason_name(g->reason), g->source[0] ? g->source : "-");
        }
    }
    if (a->n_sessions) {
        fprintf(out, "\nwatching:\n  %-19s  %-19s  %-9s  %10s  %8s  %s\n", "from", "to", "kind",
                "packets", "dropped", "source");
        for (size_t i = 0; i < a->n_sessions; i++) {
            const otw_cov_session *s = &a->sessions[i];
            fprintf(out, "  %-19s  %-19s  %-9s  %10llu  %8llu  %s%s\n", when(s->start_us, tz, f),
                    when(s->stop_us, tz, t), s->kind == OTW_COV_FILE ? "file" : "interface",
                    (unsigned long long)s->packets, (unsigned long long)s->drops, s->source,
                    s->closed
                        ? ""
                        : " (running, or stopped without a clean exit: until its last checkpoint)");
        }
    }
    if (a->pruned)
        fprintf(out,
                "\n%llu coverage record(s) older than the retention were pruned (kept from %s).\n",
                (unsigned long long)a->pruned, when(a->retention_from_us, tz, f));
}

static int json(FILE *out, const otw_coverage_answer *a, int tz)
{
    size_t cap = 4096 + a->n_gaps * 512 + a->n_sessions * 512;
    char *buf = malloc(cap), z[16];
    if (!buf)
        return -1;
    otw_jsonw w;
    jw_init(&w, buf, cap);
    jw_obj_begin(&w);
    jw_key(&w, "from");
    jw_ts(&w, a->from_us);
    jw_key(&w, "to");
    jw_ts(&w, a->to_us);
    jw_key(&w, "tz");
    jw_str(&w, otw_tz_text(tz, z));
    jw_key(&w, "recorded");
    jw_bool(&w, a->recorded);
    jw_key(&w, "continuous");
    jw_bool(&w, a->continuous);
    jw_key(&w, "watched_seconds");
    jw_u64(&w, a->watched_us / 1000000u);
    jw_key(&w, "window_seconds");
    jw_u64(&w, (a->to_us - a->from_us) / 1000000u);
    jw_key(&w, "packets");
    jw_u64(&w, a->packets);
    jw_key(&w, "drops");
    jw_u64(&w, a->drops);
    jw_key(&w, "gaps");
    jw_arr_begin(&w);
    for (size_t i = 0; i < a->n_gaps; i++) {
        const otw_cov_gap *g = &a->gaps[i];
        jw_obj_begin(&w);
        jw_key(&w, "from");
        jw_ts(&w, g->from_us);
        jw_key(&w, "to");
        jw_ts(&w, g->to_us);
        jw_key(&w, "seconds");
        jw_u64(&w, (g->to_us - g->from_us) / 1000000u);
        jw_key(&w, "reason");
        jw_str(&w, otw_cov_reason_name(g->reason));
        jw_key(&w, "source");
        if (g->source[0])
            jw_str(&w, g->source);
        else
            jw_null(&w);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "sessions");
    jw_arr_begin(&w);
    for (size_t i = 0; i < a->n_sessions; i++) {
        const otw_cov_session *s = &a->sessions[i];
        jw_obj_begin(&w);
        jw_key(&w, "source");
        jw_str(&w, s->source);
        jw_key(&w, "kind");
        jw_str(&w, s->kind == OTW_COV_FILE ? "file" : "interface");
        jw_key(&w, "start");
        jw_ts(&w, s->start_us);
        jw_key(&w, "stop");
        jw_ts(&w, s->stop_us);
        jw_key(&w, "clean_stop");
        jw_bool(&w, s->closed);
        jw_key(&w, "packets");
        jw_u64(&w, s->packets);
        jw_key(&w, "drops");
        jw_u64(&w, s->drops);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "pruned");
    jw_u64(&w, a->pruned);
    jw_obj_end(&w);
    fprintf(out, "%s\n", jw_finish(&w));
    free(buf);
    return 0;
}

int otw_cmd_coverage(int argc, char **argv)
{
    const char *config = NULL, *state_opt = NULL, *format = NULL, *from = NULL, *to = NULL,
               *tz_text = NULL, *source = NULL;
    const otw_cli_opt opts[] = {OTW_OPT("config", 'c', config), OTW_OPT("state", 's', state_opt),
                                OTW_OPT("format", 'F', format), OTW_OPT("from", 'a', from),
                                OTW_OPT("to", 'b', to),         OTW_OPT("tz", 'z', tz_text),
                                OTW_OPT("source", 'S', source), OTW_OPT_END};
    int first;
    int r = otw_cli_parse(
        "coverage", argc, argv, opts,
        "usage: otwatch coverage [--state DIR] [--from T] [--to T] [--tz +09:00]\n"
        "         [--source IFACE|FILE] [--format table|json]\n"
        "  T: 2026-12-01T09:00, 2026-12-01 09:00:00+09:00, or back from now (24h, 7d);\n"
        "  default: from the first watch session's start to the last one's stop",
        0, &first);
    if (r != 0)
        return r == OTW_CLI_HELP ? OTW_EXIT_OK : r;
    if (format && strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
        fprintf(stderr, "otwatch coverage: unknown format '%s' (table or json)\n", format);
        return OTW_EXIT_USAGE;
    }
    int tz = 0;
    uint64_t from_us, to_us;
    int w = otw_cli_window("coverage", tz_text, from, to, &tz, &from_us, &to_us);
    if (w != 0)
        return w;
    otw_config cfg;
    if (otw_cli_config("coverage", config, &cfg, NULL) != 0)
        return OTW_EXIT_FAIL;
    const char *state = otw_cli_state_dir(&cfg, state_opt);
    char err[512];
    otw_store *st = otw_store_open(state, true, err, sizeof(err));
    if (!st) {
        fprintf(stderr, "otwatch coverage: %s\n", err);
        return OTW_EXIT_FAIL;
    }
    otw_coverage_answer a;
    if (otw_coverage_query(st, source, from_us, to_us, &a, err, sizeof(err)) != 0) {
        fprintf(stderr, "otwatch coverage: %s\n", err);
        otw_store_close(st);
        return OTW_EXIT_FAIL;
    }
    otw_store_close(st);
    int rc = OTW_EXIT_OK;
    if (!a.recorded && a.to_us == a.from_us) { /* nothing at all, or nothing after --from */
        if (format && strcmp(format, "json") == 0)
            printf("{\"recorded\":false,\"continuous\":false,\"gaps\":[],\"sessions\":[]}\n");
        else
            printf("No coverage recorded in %s%s%s%s: nothing was read or run into it%s since "
                   "otwatch records coverage.\n",
                   state, source ? " for " : "", source ? source : "", from ? " after --from" : "",
                   from ? " then, or" : "");
    } else if (format && strcmp(format, "json") == 0) {
        rc = json(stdout, &a, tz) == 0 ? OTW_EXIT_OK : OTW_EXIT_FAIL;
    } else {
        table(stdout, &a, tz);
    }
    otw_coverage_answer_free(&a);
    return rc;
}
