/* main.c - the otwatch command line: a table of subcommands, one file
 * each (cmd_NAME.c). Errors are one line on stderr and a non-zero exit. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "log.h"

static void usage(FILE *f)
{
    otw_config d;
    otw_config_defaults(&d);
    fprintf(f,
            "otwatch %s - passive monitor for industrial control networks\n"
            "\n"
            "usage: otwatch [--version] COMMAND [OPTIONS]\n"
            "\n"
            "commands:\n"
            "  read FILE...        analyse pcap/pcapng captures (in timestamp order)\n"
            "      [--state DIR]     state directory (default %s)\n"
            "      [--filter BPF]    only packets matching the filter\n"
            "      [--ops-log FILE]  operations log (default: %s in the state directory)\n"
            "      [--learn-for D]   learn the normal for D of capture time (280s, 30m, 7d), then\n"
            "                        detect departures from it\n"
            "      [--config FILE]   configuration (default %s if present)\n"
            "  run -i IFACE[,IFACE] capture live until SIGINT/SIGTERM (SIGHUP reloads zones,\n"
            "                       conduits, enforcement and alert settings)\n"
            "      [--state DIR]     state directory (default %s)\n"
            "      [--user USER]     drop privileges to USER after opening the capture\n"
            "  assets [--state DIR] [--format table|csv|json]   the asset inventory\n"
            "  alerts [--state DIR] [--format table|csv|json]   the alerts\n"
            "      [--severity S]    S and above (info, low, medium, high, critical)\n"
            "      [--type T[,T]]    these types only\n"
            "      [--since WHEN]    last seen since 24h, 7d, 2026-12-01 or 2026-12-01T09:00\n"
            "      [--tz +09:00]     the offset WHEN is read in (default UTC)\n"
            "  coverage [--from T] [--to T] [--tz +09:00] [--source S] [--format table|json]\n"
            "                       when the sensor was watching: continuous, or each gap\n"
            "  ops [--from T] [--to T] [--tz +09:00] [--controller IP] [--client IP]\n"
            "      [--class write,control,...] [--format table|csv|json] [--lang ja|en]\n"
            "                       industrial operations from the state's index, each with\n"
            "                       its line in the chained ops.jsonl\n"
            "  investigate --from T1 --to T2 [--tz +09:00] [--zone Z]... [--host IP]\n"
            "      [--lang ja|en] [--format text|json] [--html FILE]\n"
            "                       was the production line touched? coverage, crossings into\n"
            "                       control zones by hour, controller changes, alerts, verdict\n"
            "  baseline status|learn [--for D]|detect|reset|accept ID [--reason T]|export [FILE]|\n"
            "           import FILE [--state DIR]   the learned normal (see docs/baselines.md)\n"
            "  boundary [--state DIR] [--format table|csv|json] | --export nft|acl-csv\n"
            "                       communications across zones, placed with the configuration\n"
            "  report --html FILE [--lang ja|en] [--tz +HH:MM] [--state DIR]\n"
            "                       boundary review: summary, map, boundary table, alerts,\n"
            "                       asset inventory in one self-contained HTML file\n"
            "  map [--format svg|dot] [--lang ja|en] [--state DIR]   the network map by zone\n"
            "  serve [--listen ADDR:PORT] [--state DIR] [--tls-cert F --tls-key F]\n"
            "                       the web console (default 127.0.0.1:8780, see docs/web.md)\n"
            "  verify [--state DIR] [--lang ja|en]   recompute the evidence chains (alerts,\n"
            "                       operations log): 0 intact, 1 names the first record that\n"
            "                       does not match\n"
            "  config check [FILE]  validate a configuration file\n"
            "  help                 this text\n"
            "\n"
            "defaults: flows.memory_mb=%u, flows.tcp_timeout=%us, flows.udp_timeout=%us,\n"
            "  streams.memory_mb=%u, inventory.max_assets=%u, protocols.request_timeout=%us\n"
            "  (see deploy/otwatch.yaml for every setting)\n",
            OTW_VERSION, OTW_DEFAULT_STATE_DIR_READ, d.ops_log, OTW_DEFAULT_CONFIG_PATH,
            OTW_DEFAULT_STATE_DIR_RUN, d.flow_memory_mb, d.tcp_timeout_s, d.udp_timeout_s,
            d.stream_memory_mb, d.max_assets, d.request_timeout_s);
}

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} commands[] = {
    {"read", otw_cmd_read},         {"run", otw_cmd_run},
    {"assets", otw_cmd_assets},     {"alerts", otw_cmd_alerts},
    {"baseline", otw_cmd_baseline}, {"config", otw_cmd_config},
    {"boundary", otw_cmd_boundary}, {"report", otw_cmd_report},
    {"map", otw_cmd_map},           {"serve", otw_cmd_serve},
    {"verify", otw_cmd_verify},     {"coverage", otw_cmd_coverage},
    {"ops", otw_cmd_ops},           {"investigate", otw_cmd_investigate},
};

int main(int argc, char **argv)
{
    if (geteuid() != getuid()) {
        fprintf(stderr, "otwatch: refusing to run setuid\n");
        return OTW_EXIT_FAIL;
    }
    if (getegid() != getgid()) {
        fprintf(stderr, "otwatch: refusing to run setgid\n");
        return OTW_EXIT_FAIL;
    }
    if (argc < 2) {
        usage(stderr);
        return OTW_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("otwatch %s\n", OTW_VERSION);
        return OTW_EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return OTW_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(cmd, commands[i].name) == 0) {
            /* Library code's warnings read "otwatch CMD: warning: ...". */
            static char prefix[32];
            snprintf(prefix, sizeof(prefix), "otwatch %s", cmd);
            otw_log_set_prefix(prefix);
            return commands[i].fn(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "otwatch: unknown command '%s' (see `otwatch help`)\n", cmd);
    return OTW_EXIT_USAGE;
}
