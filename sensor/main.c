/* main.c - the otwatch command line: a table of subcommands over one
 * sensor context. Errors are one line on stderr and a non-zero exit. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boundary.h"
#include "capture.h"
#include "cli_baseline.h"
#include "cli_config.h"
#include "cli_list.h"
#include "config.h"
#include "enforce.h"
#include "netmap.h"
#include "report.h"
#include "sensor.h"
#include "web.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* `run`: SIGHUP reloads the configuration. The capture loop only watches
 * one flag, so a reload stops it too and run restarts it; exit_requested
 * tells a real stop apart. */
static volatile sig_atomic_t reload_requested, exit_requested;

static void on_exit_signal(int sig)
{
    (void)sig;
    exit_requested = 1;
    stop_requested = 1;
}

static void on_hup(int sig)
{
    (void)sig;
    reload_requested = 1;
    stop_requested = 1;
}

static void install_run_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_exit_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
}

/* Loads the file `run` started with over the defaults and hands it to the
 * sensor; a bad file keeps the old configuration. One line either way. */
static void reload_config(const char *path, otw_sensor *s)
{
    otw_config *cfg = malloc(sizeof(*cfg));
    char err[512];
    if (!cfg) {
        fprintf(stderr, "otwatch run: reload failed (out of memory), keeping the old "
                        "configuration\n");
        return;
    }
    otw_config_defaults(cfg);
    if (path && otw_config_load(cfg, path, err, sizeof(err)) != 0)
        fprintf(stderr, "otwatch run: reload failed, keeping the old configuration: %s\n", err);
    else if (otw_sensor_reload(s, cfg, err, sizeof(err)) != 0)
        fprintf(stderr, "otwatch run: reload failed, keeping the old configuration: %s\n", err);
    else
        fprintf(stderr, "otwatch run: configuration reloaded from %s\n", path ? path : "defaults");
    free(cfg);
}

typedef struct common_opts {
    const char *config;
    const char *state;
    const char *filter;
    const char *ops_log;
    const char *format;
    const char *ifaces;
    const char *user;
    const char *learn_for;
} common_opts;

/* One sensor per state directory at a time. */
static int lock_state(const char *cmd, const char *dir)
{
    char path[OTW_PATH_MAX + 16];
    mkdir(dir, 0750);
    snprintf(path, sizeof(path), "%s/lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        fprintf(stderr, "otwatch %s: cannot use state directory %s: %s\n", cmd, dir,
                strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        fprintf(stderr, "otwatch %s: state directory %s is in use by another otwatch\n", cmd, dir);
        close(fd);
        return -1;
    }
    return fd;
}

static int parse_opts(const char *cmd, int argc, char **argv, common_opts *o, const char *allowed)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},    {"state", required_argument, NULL, 's'},
        {"filter", required_argument, NULL, 'f'},    {"ops-log", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'F'},    {"interface", required_argument, NULL, 'i'},
        {"user", required_argument, NULL, 'u'},      {"help", no_argument, NULL, 'h'},
        {"learn-for", required_argument, NULL, 'L'}, {NULL, 0, NULL, 0}};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+c:s:f:o:F:i:u:L:h", longopts, NULL)) != -1) {
        if (c == 'h')
            return 1;
        if (c == '?' || !strchr(allowed, c)) {
            fprintf(stderr,
                    "otwatch %s: unknown or misplaced option '%s' (see `otwatch help %s`)\n", cmd,
                    argv[optind - 1], cmd);
            return -1;
        }
        switch (c) {
        case 'c':
            o->config = optarg;
            break;
        case 's':
            o->state = optarg;
            break;
        case 'f':
            o->filter = optarg;
            break;
        case 'o':
            o->ops_log = optarg;
            break;
        case 'F':
            o->format = optarg;
            break;
        case 'i':
            o->ifaces = optarg;
            break;
        case 'u':
            o->user = optarg;
            break;
        case 'L':
            o->learn_for = optarg;
            break;
        }
    }
    return 0;
}

static void print_summary(const char *cmd, otw_sensor *s, const char *state, uint32_t assets_before,
                          uint32_t alerts_before)
{
    const otw_sensor_stats *st = otw_sensor_get_stats(s);
    uint32_t assets = 0, n = otw_inventory_size(otw_sensor_inventory(s));
    for (uint32_t i = 0; i < n; i++) {
        otw_asset *a = otw_inventory_raw(otw_sensor_inventory(s), i);
        if (a->merged_into == OTW_ASSET_NONE)
            assets++;
    }
    fprintf(stderr,
            "otwatch %s: %llu packets, %u assets (%u before), %llu industrial operations, "
            "%u alerts (%u new); state in %s\n",
            cmd, (unsigned long long)st->packets, assets, assets_before,
            (unsigned long long)st->ops, otw_alerts_size(otw_sensor_alerts(s)),
            otw_alerts_size(otw_sensor_alerts(s)) - alerts_before, state);
}

static int cmd_read(int argc, char **argv)
{
    common_opts o = {0};
    int r = parse_opts("read", argc, argv, &o, "csfoL");
    if (r != 0)
        return r > 0 ? (printf("usage: otwatch read [--config FILE] [--state DIR] [--filter BPF] "
                               "[--ops-log FILE] [--learn-for DURATION] FILE...\n"),
                        EXIT_OK)
                     : EXIT_USAGE;
    if (optind >= argc) {
        fprintf(stderr, "otwatch read: no capture file given (usage: otwatch read [--state DIR] "
                        "FILE...)\n");
        return EXIT_USAGE;
    }
    uint64_t learn_for = 0;
    if (o.learn_for && (otw_parse_duration(o.learn_for, &learn_for) != 0 || !learn_for)) {
        fprintf(stderr, "otwatch read: bad --learn-for '%s' (e.g. 280s, 30m, 7d)\n", o.learn_for);
        return EXIT_USAGE;
    }
    otw_config cfg;
    if (otw_cli_config("read", o.config, &cfg, NULL) != 0)
        return EXIT_FAIL;
    const char *state = otw_cli_state_dir(&cfg, o.state);
    const char *filter = o.filter ? o.filter : cfg.filter;
    char err[512];
    /* Every file is opened before the state is touched. */
    otw_files *fs = otw_files_open(argv + optind, argc - optind, filter, err, sizeof(err));
    if (!fs) {
        fprintf(stderr, "otwatch read: %s\n", err);
        return EXIT_FAIL;
    }
    int lock = lock_state("read", state);
    if (lock < 0) {
        otw_files_close(fs);
        return EXIT_FAIL;
    }
    otw_sensor *s = otw_sensor_open(&cfg, state, o.ops_log, err, sizeof(err));
    if (!s) {
        fprintf(stderr, "otwatch read: %s\n", err);
        otw_files_close(fs);
        close(lock);
        return EXIT_FAIL;
    }
    if (learn_for)
        otw_sensor_learn(s, learn_for);
    uint32_t assets_before = 0, alerts_before = otw_alerts_size(otw_sensor_alerts(s));
    for (uint32_t i = 0; i < otw_inventory_size(otw_sensor_inventory(s)); i++)
        assets_before++;
    install_signals();
    int rc = EXIT_OK;
    if (otw_files_run(fs, s, isatty(STDERR_FILENO), &stop_requested, err, sizeof(err)) != 0) {
        fprintf(stderr, "otwatch read: %s\n", err);
        rc = EXIT_FAIL;
    }
    if (otw_sensor_finish(s, err, sizeof(err)) != 0) {
        fprintf(stderr, "otwatch read: cannot save the state: %s\n", err);
        rc = EXIT_FAIL;
    }
    if (getenv("OTW_STATS"))
        otw_sensor_print_stats(s, stderr);
    print_summary("read", s, state, assets_before, alerts_before);
    otw_sensor_close(s);
    otw_files_close(fs);
    close(lock);
    return rc;
}

/* Drops root after the capture is open: the state directory is handed to
 * the user first, then group and user ids change, and the change is
 * verified. */
static int drop_privileges(const char *user, const char *state)
{
    if (geteuid() != 0 || !user || !user[0])
        return 0;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        fprintf(stderr,
                "otwatch run: user '%s' does not exist (create it, or set sensor.user "
                "to \"\" to keep running as root)\n",
                user);
        return -1;
    }
    if (pw->pw_uid == 0)
        return 0;
    mkdir(state, 0750);
    if (chown(state, pw->pw_uid, pw->pw_gid) != 0) {
        fprintf(stderr, "otwatch run: cannot hand %s to %s: %s\n", state, user, strerror(errno));
        return -1;
    }
    const char *files[] = {"state.db",     "state.db-wal", "state.db-shm",      "lock",
                           "alerts.jsonl", "ops.jsonl",    "enforcement.jsonl", "spool"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[OTW_PATH_MAX + 32];
        snprintf(path, sizeof(path), "%s/%s", state, files[i]);
        if (chown(path, pw->pw_uid, pw->pw_gid) != 0 && errno != ENOENT) {
            fprintf(stderr, "otwatch run: cannot hand %s to %s: %s\n", path, user, strerror(errno));
            return -1;
        }
    }
    /* The alert spool's segments (left by an earlier run as root). */
    char spool[OTW_PATH_MAX + 16];
    snprintf(spool, sizeof(spool), "%s/spool", state);
    DIR *d = opendir(spool);
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) {
        if (e->d_name[0] == '.')
            continue;
        char path[OTW_PATH_MAX + 300];
        snprintf(path, sizeof(path), "%s/%s", spool, e->d_name);
        if (chown(path, pw->pw_uid, pw->pw_gid) != 0) {
            fprintf(stderr, "otwatch run: cannot hand %s to %s: %s\n", path, user, strerror(errno));
            closedir(d);
            return -1;
        }
    }
    if (d)
        closedir(d);
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        fprintf(stderr, "otwatch run: cannot drop privileges to %s: %s\n", user, strerror(errno));
        return -1;
    }
    if (setuid(0) == 0 || geteuid() == 0) {
        fprintf(stderr, "otwatch run: privileges were not dropped\n");
        return -1;
    }
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    common_opts o = {0};
    int r = parse_opts("run", argc, argv, &o, "csfoiu");
    if (r != 0)
        return r > 0 ? (printf("usage: otwatch run -i IFACE[,IFACE] [--config FILE] [--state DIR] "
                               "[--filter BPF] [--ops-log FILE] [--user USER]\n"),
                        EXIT_OK)
                     : EXIT_USAGE;
    if (optind < argc) {
        fprintf(stderr, "otwatch run: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    otw_config cfg;
    const char *cfg_path = NULL; /* read again on SIGHUP */
    if (otw_cli_config("run", o.config, &cfg, &cfg_path) != 0)
        return EXIT_FAIL;
    char ifaces[512] = "";
    if (o.ifaces) {
        snprintf(ifaces, sizeof(ifaces), "%s", o.ifaces);
    } else {
        for (int i = 0; i < cfg.n_interfaces; i++)
            snprintf(ifaces + strlen(ifaces), sizeof(ifaces) - strlen(ifaces), "%s%s", i ? "," : "",
                     cfg.interfaces[i]);
    }
    if (!ifaces[0]) {
        fprintf(stderr, "otwatch run: no interface: give -i IFACE or capture.interfaces\n");
        return EXIT_USAGE;
    }
    const char *state = o.state            ? o.state
                        : cfg.state_dir[0] ? cfg.state_dir
                                           : OTW_DEFAULT_STATE_DIR_RUN;
    const char *filter = o.filter ? o.filter : cfg.filter;
    const char *user = o.user ? o.user : cfg.user;
    char err[512];
    otw_live *live = otw_live_open(ifaces, &cfg, filter, err, sizeof(err));
    if (!live) {
        fprintf(stderr, "otwatch run: %s\n", err);
        return EXIT_FAIL;
    }
    /* The injection interface opens while still privileged. */
    if (cfg.enforce_interface[0] &&
        otw_enforce_preopen(cfg.enforce_interface, err, sizeof(err)) != 0 && cfg.enforce_enabled &&
        !cfg.enforce_dry_run) {
        fprintf(stderr, "otwatch run: %s\n", err);
        otw_live_close(live);
        return EXIT_FAIL;
    }
    int lock = lock_state("run", state);
    if (lock < 0 || drop_privileges(user, state) != 0) {
        otw_live_close(live);
        return EXIT_FAIL;
    }
    otw_sensor *s = otw_sensor_open(&cfg, state, o.ops_log, err, sizeof(err));
    if (!s) {
        fprintf(stderr, "otwatch run: %s\n", err);
        otw_live_close(live);
        return EXIT_FAIL;
    }
    otw_sensor_set_live(s, true);
    uint32_t assets_before = otw_inventory_size(otw_sensor_inventory(s));
    uint32_t alerts_before = otw_alerts_size(otw_sensor_alerts(s));
    install_run_signals();
    fprintf(stderr, "otwatch run: capturing on %s, state in %s\n", ifaces, state);
    int rc = EXIT_OK;
    for (;;) {
        if (otw_live_run(live, s, &stop_requested, err, sizeof(err)) != 0) {
            fprintf(stderr, "otwatch run: %s\n", err);
            rc = EXIT_FAIL;
            break;
        }
        if (exit_requested || !reload_requested)
            break;
        reload_requested = 0;
        stop_requested = exit_requested; /* keeps a stop that came in meanwhile */
        reload_config(cfg_path, s);
    }
    if (otw_sensor_finish(s, err, sizeof(err)) != 0) {
        fprintf(stderr, "otwatch run: cannot save the state: %s\n", err);
        rc = EXIT_FAIL;
    }
    otw_live_print_stats(live, stderr);
    otw_sensor_print_stats(s, stderr);
    print_summary("run", s, state, assets_before, alerts_before);
    otw_sensor_close(s);
    otw_live_close(live);
    close(lock);
    return rc;
}

static int cmd_list(const char *cmd, int argc, char **argv)
{
    common_opts o = {0};
    int r = parse_opts(cmd, argc, argv, &o, "csF");
    if (r != 0)
        return r > 0 ? (printf("usage: otwatch %s [--state DIR] [--format table|%sjson]\n", cmd,
                               strcmp(cmd, "assets") == 0 ? "csv|" : ""),
                        EXIT_OK)
                     : EXIT_USAGE;
    const char *format = o.format ? o.format : "table";
    bool assets = strcmp(cmd, "assets") == 0;
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0 &&
        !(assets && strcmp(format, "csv") == 0)) {
        fprintf(stderr, "otwatch %s: unknown format '%s' (table, %sjson)\n", cmd, format,
                assets ? "csv, " : "");
        return EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "otwatch %s: unexpected argument '%s'\n", cmd, argv[optind]);
        return EXIT_USAGE;
    }
    otw_config cfg;
    if (otw_cli_config(cmd, o.config, &cfg, NULL) != 0)
        return EXIT_FAIL;
    const char *state = otw_cli_state_dir(&cfg, o.state);
    return assets ? otw_list_assets_zoned(&cfg, state, format, stdout)
                  : otw_list_alerts(state, format, stdout);
}

static int cmd_baseline(int argc, char **argv)
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
        return EXIT_FAIL;
    state = otw_cli_state_dir(&cfg, state);
    return otw_cmd_baseline(&cfg, state, n, rest);
}

static int cmd_config(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "check") != 0) {
        fprintf(stderr, "otwatch config: usage: otwatch config check [FILE]\n");
        return EXIT_USAGE;
    }
    const char *path = argc > 2 ? argv[2] : OTW_DEFAULT_CONFIG_PATH;
    otw_config cfg;
    otw_config_defaults(&cfg);
    char err[512];
    if (otw_config_load(&cfg, path, err, sizeof(err)) != 0) {
        fprintf(stderr, "otwatch config: %s\n", err);
        return EXIT_FAIL;
    }
    printf("%s: ok\n", path);
    return EXIT_OK;
}

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
            "  alerts [--state DIR] [--format table|json]       the alerts\n"
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

int main(int argc, char **argv)
{
    if (geteuid() != getuid()) {
        fprintf(stderr, "otwatch: refusing to run setuid\n");
        return EXIT_FAIL;
    }
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("otwatch %s\n", OTW_VERSION);
        return EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "read") == 0)
        return cmd_read(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "assets") == 0 || strcmp(cmd, "alerts") == 0)
        return cmd_list(cmd, argc - 1, argv + 1);
    if (strcmp(cmd, "baseline") == 0)
        return cmd_baseline(argc - 1, argv + 1);
    if (strcmp(cmd, "config") == 0)
        return cmd_config(argc - 1, argv + 1);
    if (strcmp(cmd, "boundary") == 0)
        return otw_boundary_main(argc - 1, argv + 1);
    if (strcmp(cmd, "report") == 0)
        return otw_report_main(argc - 1, argv + 1);
    if (strcmp(cmd, "map") == 0)
        return otw_map_main(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0)
        return otw_web_main(argc - 1, argv + 1);
    fprintf(stderr, "otwatch: unknown command '%s' (see `otwatch help`)\n", cmd);
    return EXIT_USAGE;
}
