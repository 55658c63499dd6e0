/* cmd_run.c - `otwatch run -i IFACE`: live capture until SIGINT/SIGTERM,
 * SIGHUP reloads; root is dropped once the capture is open. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#include "capture.h"
#include "enforce.h"
#include "sensor.h"
#include "summary.h"

typedef struct run_opts {
    const char *config, *state, *filter, *ops_log, *ifaces, *user;
} run_opts;

static volatile sig_atomic_t stop_requested;

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

/* Hands one entry of a directory to uid:gid without following a link: the
 * sensor user owns the state directory and could plant a link to a root
 * file there. A link, or anything but a regular file or (spool) directory,
 * is refused. 0, 1 when it does not exist, -1 after saying why. */
static int hand_over(int dirfd, const char *dir, const char *name, const struct passwd *pw)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return 1;
        fprintf(stderr, "otwatch run: cannot hand %s/%s to %s: %s\n", dir, name, pw->pw_name,
                strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        fprintf(stderr,
                "otwatch run: refusing to hand %s/%s to %s: not a regular file or directory "
                "(a link planted in the state directory?)\n",
                dir, name, pw->pw_name);
        return -1;
    }
    if (fchownat(dirfd, name, pw->pw_uid, pw->pw_gid, AT_SYMLINK_NOFOLLOW) != 0) {
        fprintf(stderr, "otwatch run: cannot hand %s/%s to %s: %s\n", dir, name, pw->pw_name,
                strerror(errno));
        return -1;
    }
    return 0;
}

/* Opens a directory for hand_over, refusing a link. -1 when missing or
 * refused (errno set). */
static int open_dir_nofollow(int at, const char *path)
{
    return openat(at, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Drops root after the capture is open: the state directory is handed to
 * the user first, then group and user ids change, and the change is
 * verified. Nothing in the state directory is followed as a link. */
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
    int dfd = open_dir_nofollow(AT_FDCWD, state);
    if (dfd < 0) {
        fprintf(stderr, "otwatch run: cannot hand %s to %s: %s%s\n", state, user, strerror(errno),
                errno == ELOOP || errno == ENOTDIR ? " (the state directory must not be a link)"
                                                   : "");
        return -1;
    }
    if (fchown(dfd, pw->pw_uid, pw->pw_gid) != 0) {
        fprintf(stderr, "otwatch run: cannot hand %s to %s: %s\n", state, user, strerror(errno));
        close(dfd);
        return -1;
    }
    const char *files[] = {"state.db",     "state.db-wal", "state.db-shm",      "lock",
                           "alerts.jsonl", "ops.jsonl",    "enforcement.jsonl", "spool"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        if (hand_over(dfd, state, files[i], pw) < 0) {
            close(dfd);
            return -1;
        }
    }
    /* The alert spool's segments (left by an earlier run as root). */
    char spool[OTW_PATH_MAX + 16];
    snprintf(spool, sizeof(spool), "%s/spool", state);
    int sfd = open_dir_nofollow(dfd, "spool");
    close(dfd);
    DIR *d = sfd >= 0 ? fdopendir(sfd) : NULL;
    if (sfd >= 0 && !d)
        close(sfd);
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) {
        if (e->d_name[0] == '.')
            continue;
        if (hand_over(dirfd(d), spool, e->d_name, pw) < 0) {
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

static uint64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int otw_cmd_run(int argc, char **argv)
{
    run_opts o = {0};
    const otw_cli_opt opts[] = {OTW_OPT("config", 'c', o.config),
                                OTW_OPT("state", 's', o.state),
                                OTW_OPT("filter", 'f', o.filter),
                                OTW_OPT("ops-log", 'o', o.ops_log),
                                OTW_OPT("interface", 'i', o.ifaces),
                                OTW_OPT("user", 'u', o.user),
                                OTW_OPT_END};
    int first;
    int r = otw_cli_parse("run", argc, argv, opts,
                          "usage: otwatch run -i IFACE[,IFACE] [--config FILE] [--state DIR] "
                          "[--filter BPF] [--ops-log FILE] [--user USER]",
                          0, &first);
    if (r != 0)
        return r == OTW_CLI_HELP ? OTW_EXIT_OK : r;
    otw_config cfg;
    const char *cfg_path = NULL; /* read again on SIGHUP */
    if (otw_cli_config("run", o.config, &cfg, &cfg_path) != 0)
        return OTW_EXIT_FAIL;
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
        return OTW_EXIT_USAGE;
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
        return OTW_EXIT_FAIL;
    }
    /* The injection interface opens while still privileged. */
    if (cfg.enforce_interface[0] &&
        otw_enforce_preopen(cfg.enforce_interface, err, sizeof(err)) != 0 && cfg.enforce_enabled &&
        !cfg.enforce_dry_run) {
        fprintf(stderr, "otwatch run: %s\n", err);
        otw_live_close(live);
        return OTW_EXIT_FAIL;
    }
    int lock = otw_cli_lock_state("run", state);
    if (lock < 0 || drop_privileges(user, state) != 0) {
        otw_live_close(live);
        return OTW_EXIT_FAIL;
    }
    otw_sensor *s = otw_sensor_open(&cfg, state, o.ops_log, err, sizeof(err));
    if (!s) {
        fprintf(stderr, "otwatch run: %s\n", err);
        otw_live_close(live);
        return OTW_EXIT_FAIL;
    }
    otw_sensor_set_live(s, true);
    for (int i = 0; i < otw_live_count(live); i++)
        otw_sensor_add_source(s, otw_live_name(live, i), true, wall_us());
    uint32_t assets_before = otw_inventory_size(otw_sensor_inventory(s));
    uint32_t alerts_before = otw_alerts_size(otw_sensor_alerts(s));
    install_run_signals();
    fprintf(stderr, "otwatch run: capturing on %s, state in %s\n", ifaces, state);
    int rc = OTW_EXIT_OK;
    for (;;) {
        otw_frame_sink sink = otw_sensor_frame_sink(s);
        if (otw_live_run(live, &sink, &stop_requested, err, sizeof(err)) != 0) {
            fprintf(stderr, "otwatch run: %s\n", err);
            rc = OTW_EXIT_FAIL;
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
        rc = OTW_EXIT_FAIL;
    }
    otw_live_print_stats(live, stderr);
    otw_sensor_print_stats(s, stderr);
    otw_cli_print_summary("run", s, state, assets_before, alerts_before);
    otw_sensor_close(s);
    otw_live_close(live);
    close(lock);
    return rc;
}
