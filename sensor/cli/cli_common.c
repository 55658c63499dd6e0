/* cli_common.c - see cli.h. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

#define MAX_OPTS 24

int otw_cli_parse(const char *cmd, int argc, char **argv, const otw_cli_opt *opts,
                  const char *usage, int positional, int *first_arg)
{
    struct option longopts[MAX_OPTS + 2];
    char shortopts[2 * MAX_OPTS + 4] = "+h";
    int n = 0;
    for (; opts[n].name && n < MAX_OPTS; n++) {
        longopts[n] = (struct option){
            opts[n].name, opts[n].takes_value ? required_argument : no_argument, NULL, 256 + n};
        if (opts[n].short_name) {
            size_t len = strlen(shortopts);
            shortopts[len] = opts[n].short_name;
            shortopts[len + 1] = opts[n].takes_value ? ':' : '\0';
            shortopts[len + 2] = '\0';
        }
    }
    longopts[n] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[n + 1] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (c == 'h') {
            printf("%s\n", usage);
            return OTW_CLI_HELP;
        }
        int k = -1;
        if (c >= 256)
            k = c - 256;
        for (int i = 0; k < 0 && c != '?' && i < n; i++)
            if (opts[i].short_name == c)
                k = i;
        if (k < 0) {
            fprintf(stderr,
                    "otwatch %s: unknown or misplaced option '%s' (see `otwatch %s --help`)\n", cmd,
                    argv[optind - 1], cmd);
            return OTW_EXIT_USAGE;
        }
        const char *v = opts[k].takes_value ? optarg : "1";
        if (opts[k].list) {
            if (*opts[k].n_list >= opts[k].max_list) {
                fprintf(stderr, "otwatch %s: --%s given more than %d times\n", cmd, opts[k].name,
                        opts[k].max_list);
                return OTW_EXIT_USAGE;
            }
            opts[k].list[(*opts[k].n_list)++] = v;
        } else {
            *opts[k].value = v;
        }
    }
    if (positional >= 0 && argc - optind > positional) {
        fprintf(stderr, "otwatch %s: unexpected argument '%s'\n", cmd, argv[optind + positional]);
        return OTW_EXIT_USAGE;
    }
    *first_arg = optind;
    return 0;
}

int otw_cli_config(const char *cmd, const char *path, otw_config *cfg, const char **loaded)
{
    otw_config_defaults(cfg);
    if (!path && access(OTW_DEFAULT_CONFIG_PATH, R_OK) == 0)
        path = OTW_DEFAULT_CONFIG_PATH;
    if (loaded)
        *loaded = path;
    char err[512];
    if (path && otw_config_load(cfg, path, err, sizeof(err)) != 0) {
        fprintf(stderr, "otwatch %s: %s\n", cmd, err);
        return -1;
    }
    return 0;
}

const char *otw_cli_state_dir(const otw_config *cfg, const char *state_opt)
{
    if (state_opt)
        return state_opt;
    return cfg->state_dir[0] ? cfg->state_dir : OTW_DEFAULT_STATE_DIR_READ;
}

int otw_parse_duration(const char *s, uint64_t *us)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    uint64_t mult = 1;
    if (*end == 's' || *end == '\0')
        mult = 1;
    else if (*end == 'm')
        mult = 60;
    else if (*end == 'h')
        mult = 3600;
    else if (*end == 'd')
        mult = 86400;
    else
        return -1;
    if (*end && end[1])
        return -1;
    if (v > UINT64_MAX / 1000000u / mult)
        return -1;
    *us = (uint64_t)v * mult * 1000000u;
    return 0;
}

/* n digits at *p, advancing it; -1 if they are not there. */
static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

int otw_parse_when(const char *s, int tz_minutes, uint64_t now_us, uint64_t *us)
{
    uint64_t back;
    if (s[0] >= '0' && s[0] <= '9' && !strchr(s, '-') && otw_parse_duration(s, &back) == 0) {
        *us = back < now_us ? now_us - back : 0;
        return 0;
    }
    const char *p = s;
    int y = digits(&p, 4), mo = -1, d = -1, h = 0, mi = 0, se = 0;
    if (y >= 1970 && *p++ == '-' && (mo = digits(&p, 2)) >= 1 && mo <= 12 && *p++ == '-')
        d = digits(&p, 2);
    if (d < 1 || d > 31)
        return -1;
    if (*p == 'T' || *p == ' ') {
        p++;
        h = digits(&p, 2);
        if (h < 0 || h > 23 || *p++ != ':' || (mi = digits(&p, 2)) < 0 || mi > 59)
            return -1;
        if (*p == ':' && ((void)p++, (se = digits(&p, 2)) < 0 || se > 60))
            return -1;
    }
    int off = tz_minutes;
    if (*p == 'Z') {
        off = 0;
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh = digits(&p, 2), om;
        if (oh < 0 || oh > 14 || *p++ != ':' || (om = digits(&p, 2)) < 0 || om > 59)
            return -1;
        off = sign * (oh * 60 + om);
    }
    if (*p)
        return -1;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = se};
    time_t t = timegm(&tm);
    if (t == (time_t)-1 || tm.tm_mday != d) /* 2026-02-30 */
        return -1;
    int64_t secs = (int64_t)t - (int64_t)off * 60;
    if (secs < 0)
        return -1;
    *us = (uint64_t)secs * 1000000u;
    return 0;
}

int otw_cli_lock_state(const char *cmd, const char *dir)
{
    char path[OTW_PATH_MAX + 16];
    mkdir(dir, 0750);
    snprintf(path, sizeof(path), "%s/lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
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

static volatile sig_atomic_t *stop_flag;

static void on_stop_signal(int sig)
{
    (void)sig;
    if (stop_flag)
        *stop_flag = 1;
}

void otw_cli_stop_on_signals(volatile sig_atomic_t *flag)
{
    stop_flag = flag;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int otw_cli_window(const char *cmd, const char *tz_text, const char *from, const char *to, int *tz,
                   uint64_t *from_us, uint64_t *to_us)
{
    *from_us = *to_us = 0;
    if (tz_text && otw_report_parse_tz(tz_text, tz) != 0) {
        fprintf(stderr, "otwatch %s: bad --tz '%s' (e.g. +09:00, -05:00, UTC)\n", cmd, tz_text);
        return OTW_EXIT_USAGE;
    }
    uint64_t now = (uint64_t)time(NULL) * 1000000u;
    const char *bad = from && otw_parse_when(from, *tz, now, from_us) != 0 ? "from"
                      : to && otw_parse_when(to, *tz, now, to_us) != 0     ? "to"
                                                                           : NULL;
    if (bad) {
        fprintf(stderr, "otwatch %s: bad --%s '%s' (2026-12-01T09:00, 2026-12-01 09:00:00, 24h)\n",
                cmd, bad, bad[0] == 'f' ? from : to);
        return OTW_EXIT_USAGE;
    }
    if (from && to && *to_us <= *from_us) {
        fprintf(stderr, "otwatch %s: --to must come after --from\n", cmd);
        return OTW_EXIT_USAGE;
    }
    return 0;
}
