/* cmd_read.c - `otwatch read FILE...`: capture files through the sensor
 * into a state directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#include "capture.h"
#include "sensor.h"
#include "summary.h"

typedef struct read_opts {
    const char *config, *state, *filter, *ops_log, *learn_for;
} read_opts;

static volatile sig_atomic_t stop_requested;

int otw_cmd_read(int argc, char **argv)
{
    read_opts o = {0};
    const otw_cli_opt opts[] = {
        OTW_OPT("config", 'c', o.config),       OTW_OPT("state", 's', o.state),
        OTW_OPT("filter", 'f', o.filter),       OTW_OPT("ops-log", 'o', o.ops_log),
        OTW_OPT("learn-for", 'L', o.learn_for), OTW_OPT_END};
    int first_file;
    int r = otw_cli_parse("read", argc, argv, opts,
                          "usage: otwatch read [--config FILE] [--state DIR] [--filter BPF] "
                          "[--ops-log FILE] [--learn-for DURATION] FILE...",
                          -1, &first_file);
    if (r != 0)
        return r == OTW_CLI_HELP ? OTW_EXIT_OK : r;
    if (first_file >= argc) {
        fprintf(stderr, "otwatch read: no capture file given (usage: otwatch read [--state DIR] "
                        "FILE...)\n");
        return OTW_EXIT_USAGE;
    }
    uint64_t learn_for = 0;
    if (o.learn_for && (otw_parse_duration(o.learn_for, &learn_for) != 0 || !learn_for)) {
        fprintf(stderr, "otwatch read: bad --learn-for '%s' (e.g. 280s, 30m, 7d)\n", o.learn_for);
        return OTW_EXIT_USAGE;
    }
    otw_config cfg;
    if (otw_cli_config("read", o.config, &cfg, NULL) != 0)
        return OTW_EXIT_FAIL;
    const char *state = otw_cli_state_dir(&cfg, o.state);
    const char *filter = o.filter ? o.filter : cfg.filter;
    char err[512];
    /* Every file is opened before the state is touched. */
    otw_files *fs = otw_files_open(argv + first_file, argc - first_file, filter, err, sizeof(err));
    if (!fs) {
        fprintf(stderr, "otwatch read: %s\n", err);
        return OTW_EXIT_FAIL;
    }
    int lock = otw_cli_lock_state("read", state);
    if (lock < 0) {
        otw_files_close(fs);
        return OTW_EXIT_FAIL;
    }
    otw_sensor *s = otw_sensor_open(&cfg, state, o.ops_log, err, sizeof(err));
    if (!s) {
        fprintf(stderr, "otwatch read: %s\n", err);
        otw_files_close(fs);
        close(lock);
        return OTW_EXIT_FAIL;
    }
    if (learn_for)
        otw_sensor_learn(s, learn_for);
    /* Coverage: each file is a source, named by its base name. */
    for (int i = 0; i < otw_files_count(fs); i++) {
        const char *path = otw_files_path(fs, i), *base = strrchr(path, '/');
        otw_sensor_add_source(s, base ? base + 1 : path, false, 0);
    }
    uint32_t assets_before = otw_inventory_size(otw_sensor_inventory(s));
    uint32_t alerts_before = otw_alerts_size(otw_sensor_alerts(s));
    otw_cli_stop_on_signals(&stop_requested);
    int rc = OTW_EXIT_OK;
    otw_frame_sink sink = otw_sensor_frame_sink(s);
    if (otw_files_run(fs, &sink, isatty(STDERR_FILENO), &stop_requested, err, sizeof(err)) != 0) {
        fprintf(stderr, "otwatch read: %s\n", err);
        rc = OTW_EXIT_FAIL;
    }
    if (otw_sensor_finish(s, err, sizeof(err)) != 0) {
        fprintf(stderr, "otwatch read: cannot save the state: %s\n", err);
        rc = OTW_EXIT_FAIL;
    }
    const otw_sensor_stats *st = otw_sensor_get_stats(s);
    if (st->decode_unsupported_link > 0) {
        char links[256];
        fprintf(stderr,
                "otwatch read: warning: %llu of %llu packets could not be decoded: link type %s "
                "is not supported\n",
                (unsigned long long)st->decode_unsupported_link, (unsigned long long)st->packets,
                otw_files_unsupported_links(fs, links, sizeof(links)));
        /* Nothing at all was seen: not a quiet success (exit 3). */
        if (st->decode_unsupported_link == st->packets && rc == OTW_EXIT_OK)
            rc = OTW_EXIT_NOTHING_DECODED;
    }
    if (st->decode_truncated + st->decode_malformed > 0)
        fprintf(stderr,
                "otwatch read: warning: %llu packets had truncated or impossible headers (decoded "
                "as far as they go)\n",
                (unsigned long long)(st->decode_truncated + st->decode_malformed));
    if (getenv("OTW_STATS"))
        otw_sensor_print_stats(s, stderr);
    otw_cli_print_summary("read", s, state, assets_before, alerts_before);
    otw_sensor_close(s);
    otw_files_close(fs);
    close(lock);
    return rc;
}
