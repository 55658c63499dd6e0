/* cmd_baseline.c - `otwatch baseline status|learn|detect|reset|accept|
 * export|import` over the state API (state_ops.h), which the console uses
 * too. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jsonw.h"
#include "state_ops.h"
#include "store.h"

static const char *ts_text(uint64_t us, char buf[32])
{
    if (!us)
        return "-";
    otw_format_ts(us, buf);
    buf[19] = 'Z';
    buf[20] = '\0';
    return buf;
}

static int failed(const char *err)
{
    fprintf(stderr, "otwatch baseline: %s\n", err);
    return OTW_EXIT_FAIL;
}

static int status(const otw_config *cfg, const char *dir)
{
    char err[512], t1[32], t2[32];
    otw_baseline_status s;
    /* The acceptances come after the counts: kept aside, printed last. */
    char *acc = NULL;
    size_t acc_len = 0;
    FILE *acc_out = open_memstream(&acc, &acc_len);
    int n_acc = 0;
    if (!acc_out)
        return failed("out of memory");
    int rc = otw_state_baseline_status(cfg, dir, &s, acc_out, &n_acc, err, sizeof(err));
    fclose(acc_out);
    if (rc != 0) {
        free(acc);
        return failed(err);
    }
    const otw_bl_counts *n = &s.counts;
    printf("mode:            %s\n", s.mode == OTW_BL_LEARNING ? "learning" : "detecting");
    printf("learning since:  %s\n", ts_text(s.learn_start_us, t1));
    printf("learning until:  %s\n", ts_text(s.learn_until_us, t2));
    printf("channels:        %u of %u (%u learned)%s\n", n->channels, n->channels_max,
           n->channels_known,
           n->channels >= n->channels_max
               ? ": the table is full, further channels are not learned (baseline.max_channels)"
               : "");
    printf("operations:      %u\n", n->operations);
    printf("periodic series: %u\n", n->series_periodic);
    printf("controllers:     %u\n", n->controllers);
    printf("acceptances:\n");
    if (n_acc <= 0)
        printf("  none\n");
    else
        fwrite(acc, 1, acc_len, stdout);
    free(acc);
    return OTW_EXIT_OK;
}

static int learn(const otw_config *cfg, const char *dir, uint64_t for_us)
{
    char err[512];
    if (otw_state_baseline_learn(cfg, dir, for_us, err, sizeof(err)) != 0)
        return failed(err);
    printf("learning restarts with the next packet, for %llu s of capture time\n",
           (unsigned long long)((for_us ? for_us : 7ull * 86400u * 1000000u) / 1000000u));
    return OTW_EXIT_OK;
}

static int detect(const otw_config *cfg, const char *dir)
{
    char err[512];
    if (otw_state_baseline_detect(cfg, dir, err, sizeof(err)) != 0)
        return failed(err);
    printf("detecting: learning ended, the learned model is the baseline now\n");
    return OTW_EXIT_OK;
}

static int reset(const otw_config *cfg, const char *dir)
{
    char err[512];
    if (otw_state_baseline_reset(cfg, dir, err, sizeof(err)) != 0)
        return failed(err);
    printf("baseline cleared: learning starts again with the next packet\n");
    return OTW_EXIT_OK;
}

static int import(const otw_config *cfg, const char *dir, const char *path)
{
    char err[512];
    otw_bl_counts n;
    if (otw_state_baseline_import(cfg, dir, path, &n, err, sizeof(err)) != 0)
        return failed(err);
    printf("imported %u channels, %u operations, %u controllers\n", n.channels, n.operations,
           n.controllers);
    return OTW_EXIT_OK;
}

static int accept_alert(const otw_config *cfg, const char *dir, int64_t id, const char *reason)
{
    char err[512];
    otw_accept_result res;
    if (otw_state_accept(cfg, dir, id, reason, &res, err, sizeof(err)) != 0)
        return failed(err);
    if (res.applied)
        printf("accepted alert %lld into the baseline (%s: %s)\n", (long long)id, res.type,
               res.message);
    else
        printf("accepted alert %lld: the running sensor applies it at its next checkpoint\n",
               (long long)id);
    return OTW_EXIT_OK;
}

static int export_model(const otw_config *cfg, const char *dir, const char *path)
{
    char err[512];
    bool to_file = path && strcmp(path, "-") != 0;
    FILE *out = to_file ? fopen(path, "w") : stdout;
    if (!out) {
        fprintf(stderr, "otwatch baseline: %s: %s\n", path, strerror(errno));
        return OTW_EXIT_FAIL;
    }
    int rc = otw_state_baseline_export(cfg, dir, out, err, sizeof(err));
    if (to_file && fclose(out) != 0 && rc == 0) {
        rc = -1;
        snprintf(err, sizeof(err), "cannot write %s", path);
    }
    return rc == 0 ? OTW_EXIT_OK : failed(err);
}

static int subcommand(const otw_config *cfg, const char *state_dir, int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "otwatch baseline: usage: otwatch baseline status|learn [--for DURATION]|"
                        "detect|reset|accept ALERT_ID [--reason TEXT]|export [FILE]|import FILE "
                        "[--state DIR]\n");
        return OTW_EXIT_USAGE;
    }
    const char *sub = argv[0];
    if (!strcmp(sub, "status") && argc == 1)
        return status(cfg, state_dir);
    if (!strcmp(sub, "learn")) {
        uint64_t for_us = 0;
        if (argc == 3 && !strcmp(argv[1], "--for")) {
            if (otw_parse_duration(argv[2], &for_us) != 0 || !for_us) {
                fprintf(stderr, "otwatch baseline: bad duration '%s' (e.g. 280s, 30m, 7d)\n",
                        argv[2]);
                return OTW_EXIT_USAGE;
            }
        } else if (argc != 1) {
            fprintf(stderr, "otwatch baseline: usage: otwatch baseline learn [--for DURATION]\n");
            return OTW_EXIT_USAGE;
        }
        return learn(cfg, state_dir, for_us);
    }
    if (!strcmp(sub, "detect") && argc == 1)
        return detect(cfg, state_dir);
    if (!strcmp(sub, "reset") && argc == 1)
        return reset(cfg, state_dir);
    if (!strcmp(sub, "accept") && (argc == 2 || (argc == 4 && !strcmp(argv[2], "--reason")))) {
        char *end;
        long long id = strtoll(argv[1], &end, 10);
        if (*end || id <= 0) {
            fprintf(stderr, "otwatch baseline: '%s' is not an alert id (see otwatch alerts)\n",
                    argv[1]);
            return OTW_EXIT_USAGE;
        }
        return accept_alert(cfg, state_dir, id, argc == 4 ? argv[3] : NULL);
    }
    if (!strcmp(sub, "export") && argc <= 2)
        return export_model(cfg, state_dir, argc == 2 ? argv[1] : NULL);
    if (!strcmp(sub, "import") && argc == 2)
        return import(cfg, state_dir, argv[1]);
    fprintf(stderr,
            "otwatch baseline: unknown or incomplete subcommand '%s' (status, learn, "
            "detect, reset, accept, export, import)\n",
            sub);
    return OTW_EXIT_USAGE;
}

int otw_cmd_baseline(int argc, char **argv)
{
    /* --state/--config may come anywhere after the subcommand. */
    const char *state = NULL, *config = NULL;
    char *rest[16];
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "--state") || !strcmp(argv[i], "--config")) && i + 1 < argc) {
            if (argv[i][2] == 's')
                state = argv[++i];
            else
                config = argv[++i];
        } else if (n < 16) {
            rest[n++] = argv[i];
        }
    }
    otw_config cfg;
    if (otw_cli_config("baseline", config, &cfg, NULL) != 0)
        return OTW_EXIT_FAIL;
    state = otw_cli_state_dir(&cfg, state);
    return subcommand(&cfg, state, n, rest);
}
