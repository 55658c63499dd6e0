/* cli_baseline.c - `otwatch baseline status|learn|detect|reset|accept|export|import`.
 *
 * Commands that change the model need the state to themselves (no sensor
 * running on it); `accept` only records the acceptance, which the sensor
 * owning the state applies at its next checkpoint (or this command applies
 * at once when no sensor runs); status and export only read. */
#include "cli_baseline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "baseline.h"
#include "jsonw.h"
#include "store.h"

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

static int try_lock(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return -2;
    }
    return fd;
}

typedef struct bl_ctx {
    otw_store *store;
    otw_alerts *alerts;
    otw_novelty *nov;
    otw_baseline *bl;
    otw_config cfg;
} bl_ctx;

static void ctx_close(bl_ctx *c)
{
    otw_baseline_free(c->bl);
    otw_novelty_free(c->nov);
    otw_alerts_free(c->alerts);
    otw_store_close(c->store);
}

static int load_alert(void *ctx, const otw_alert *a)
{
    otw_alerts_load(ctx, a);
    return 0;
}

static int ctx_open(bl_ctx *c, const otw_config *cfg, const char *dir, bool readonly)
{
    char err[512];
    memset(c, 0, sizeof(*c));
    c->cfg = *cfg;
    c->store = otw_store_open(dir, readonly, err, sizeof(err));
    if (!c->store) {
        fprintf(stderr, "otwatch baseline: %s\n", err);
        return -1;
    }
    otw_bl_settings set;
    otw_bl_settings_defaults(&set);
    set.max_channels = cfg->baseline_max_channels;
    set.max_controllers = cfg->baseline_max_controllers;
    c->alerts = otw_alerts_new(100000, NULL, NULL);
    c->nov = otw_novelty_new(&c->cfg, c->alerts);
    c->bl = c->nov ? otw_baseline_new(&set, c->alerts, c->nov) : NULL;
    if (!c->bl || otw_store_load_alerts(c->store, load_alert, c->alerts) != 0 ||
        otw_baseline_load(c->bl, otw_store_db(c->store), err, sizeof(err)) != 0) {
        fprintf(stderr, "otwatch baseline: cannot load the baseline from %s: %s\n", dir,
                c->bl ? err : "out of memory");
        ctx_close(c);
        return -1;
    }
    return 0;
}

static int ctx_save(bl_ctx *c)
{
    char err[512];
    if (otw_baseline_save(c->bl, otw_store_db(c->store), err, sizeof(err)) != 0) {
        fprintf(stderr, "otwatch baseline: %s\n", err);
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

static const char *ts_text(uint64_t us, char buf[32])
{
    if (!us)
        return "-";
    otw_format_ts(us, buf);
    buf[19] = 'Z';
    buf[20] = '\0';
    return buf;
}

static int cmd_status(const otw_config *cfg, const char *dir)
{
    bl_ctx c;
    if (ctx_open(&c, cfg, dir, true) != 0)
        return 1;
    otw_bl_counts n;
    otw_baseline_counts(c.bl, &n);
    char t1[32], t2[32];
    printf("mode:            %s\n",
           otw_baseline_mode(c.bl) == OTW_BL_LEARNING ? "learning" : "detecting");
    printf("learning since:  %s\n", ts_text(otw_baseline_learn_start(c.bl), t1));
    printf("learning until:  %s\n", ts_text(otw_baseline_learn_until(c.bl), t2));
    printf("channels:        %u of %u (%u learned)%s\n", n.channels, n.channels_max,
           n.channels_known,
           n.channels >= n.channels_max
               ? ": the table is full, further channels are not learned (baseline.max_channels)"
               : "");
    printf("operations:      %u\n", n.operations);
    printf("periodic series: %u\n", n.series_periodic);
    printf("controllers:     %u\n", n.controllers);
    printf("acceptances:\n");
    if (otw_store_list_acceptances(c.store, stdout) == 0)
        printf("  none\n");
    ctx_close(&c);
    return 0;
}

static int with_lock(const otw_config *cfg, const char *dir, int (*fn)(bl_ctx *c, void *arg),
                     void *arg)
{
    int fd = try_lock(dir);
    if (fd == -2) {
        fprintf(stderr,
                "otwatch baseline: a sensor is running on %s: stop it first (accept "
                "works while it runs)\n",
                dir);
        return 1;
    }
    if (fd < 0) {
        fprintf(stderr, "otwatch baseline: cannot use %s: %s\n", dir, strerror(errno));
        return 1;
    }
    bl_ctx c;
    int rc = 1;
    if (ctx_open(&c, cfg, dir, false) == 0) {
        rc = fn(&c, arg) == 0 && ctx_save(&c) == 0 ? 0 : 1;
        ctx_close(&c);
    }
    close(fd);
    return rc;
}

static int do_learn(bl_ctx *c, void *arg)
{
    uint64_t for_us = *(uint64_t *)arg;
    otw_baseline_learn(c->bl, 0, for_us);
    printf("learning restarts with the next packet, for %llu s of capture time\n",
           (unsigned long long)((for_us ? for_us : 7ull * 86400u * 1000000u) / 1000000u));
    return 0;
}

static int do_detect(bl_ctx *c, void *arg)
{
    (void)arg;
    otw_baseline_detect(c->bl);
    printf("detecting: learning ended, the learned model is the baseline now\n");
    return 0;
}

static int do_reset(bl_ctx *c, void *arg)
{
    (void)arg;
    otw_baseline_reset(c->bl);
    printf("baseline cleared: learning starts again with the next packet\n");
    return 0;
}

static int do_import(bl_ctx *c, void *arg)
{
    char err[512];
    if (otw_baseline_import(c->bl, arg, err, sizeof(err)) != 0) {
        fprintf(stderr, "otwatch baseline: %s\n", err);
        return -1;
    }
    otw_bl_counts n;
    otw_baseline_counts(c->bl, &n);
    printf("imported %u channels, %u operations, %u controllers\n", n.channels, n.operations,
           n.controllers);
    return 0;
}

typedef struct accept_arg {
    int64_t id;
    const char *reason;
} accept_arg;

static int cmd_accept(const otw_config *cfg, const char *dir, int64_t id, const char *reason)
{
    char err[512];
    otw_store *st = otw_store_open(dir, false, err, sizeof(err));
    if (!st) {
        fprintf(stderr, "otwatch baseline: %s\n", err);
        return 1;
    }
    int rc = otw_store_add_acceptance(st, id, (int64_t)wall_us(), reason, err, sizeof(err));
    otw_store_close(st);
    if (rc != 0) {
        fprintf(stderr, "otwatch baseline: %s\n", err);
        return 1;
    }
    /* No sensor on this state: apply now, as a starting sensor would. */
    int fd = try_lock(dir);
    if (fd < 0) {
        printf("accepted alert %lld: the running sensor applies it at its next checkpoint\n",
               (long long)id);
        return 0;
    }
    bl_ctx c;
    if (ctx_open(&c, cfg, dir, false) != 0) {
        close(fd);
        return 1;
    }
    int64_t ids[64], alert_ids[64];
    int n = otw_store_pending_acceptances(c.store, ids, alert_ids, 64);
    for (int i = 0; i < n; i++) {
        for (uint32_t k = 0; k < otw_alerts_size(c.alerts); k++) {
            otw_alert *a = otw_alerts_at(c.alerts, k);
            if (a->id == alert_ids[i]) {
                if (otw_baseline_accept(c.bl, a, err, sizeof(err)) != 0)
                    fprintf(stderr, "otwatch baseline: alert %lld: %s\n", (long long)a->id, err);
                else if (a->id == id)
                    printf("accepted alert %lld into the baseline (%s: %s)\n", (long long)id,
                           a->type, a->message);
                break;
            }
        }
        otw_store_acceptance_applied(c.store, ids[i]);
    }
    rc = ctx_save(&c);
    ctx_close(&c);
    close(fd);
    return rc == 0 ? 0 : 1;
}

static int cmd_export(const otw_config *cfg, const char *dir, const char *path)
{
    bl_ctx c;
    if (ctx_open(&c, cfg, dir, true) != 0)
        return 1;
    FILE *out = path && strcmp(path, "-") != 0 ? fopen(path, "w") : stdout;
    if (!out) {
        fprintf(stderr, "otwatch baseline: %s: %s\n", path, strerror(errno));
        ctx_close(&c);
        return 1;
    }
    int rc = otw_baseline_export(c.bl, out);
    if (out != stdout && fclose(out) != 0)
        rc = -1;
    ctx_close(&c);
    if (rc != 0) {
        fprintf(stderr, "otwatch baseline: cannot write %s\n", path ? path : "stdout");
        return 1;
    }
    return 0;
}

int otw_cmd_baseline(const otw_config *cfg, const char *state_dir, int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "otwatch baseline: usage: otwatch baseline status|learn [--for DURATION]|"
                        "detect|reset|accept ALERT_ID [--reason TEXT]|export [FILE]|import FILE "
                        "[--state DIR]\n");
        return 2;
    }
    const char *sub = argv[0];
    if (!strcmp(sub, "status") && argc == 1)
        return cmd_status(cfg, state_dir);
    if (!strcmp(sub, "learn")) {
        uint64_t for_us = 0;
        if (argc == 3 && !strcmp(argv[1], "--for")) {
            if (otw_parse_duration(argv[2], &for_us) != 0 || !for_us) {
                fprintf(stderr, "otwatch baseline: bad duration '%s' (e.g. 280s, 30m, 7d)\n",
                        argv[2]);
                return 2;
            }
        } else if (argc != 1) {
            fprintf(stderr, "otwatch baseline: usage: otwatch baseline learn [--for DURATION]\n");
            return 2;
        }
        return with_lock(cfg, state_dir, do_learn, &for_us);
    }
    if (!strcmp(sub, "detect") && argc == 1)
        return with_lock(cfg, state_dir, do_detect, NULL);
    if (!strcmp(sub, "reset") && argc == 1)
        return with_lock(cfg, state_dir, do_reset, NULL);
    if (!strcmp(sub, "accept") && (argc == 2 || (argc == 4 && !strcmp(argv[2], "--reason")))) {
        char *end;
        long long id = strtoll(argv[1], &end, 10);
        if (*end || id <= 0) {
            fprintf(stderr, "otwatch baseline: '%s' is not an alert id (see otwatch alerts)\n",
                    argv[1]);
            return 2;
        }
        return cmd_accept(cfg, state_dir, id, argc == 4 ? argv[3] : NULL);
    }
    if (!strcmp(sub, "export") && argc <= 2)
        return cmd_export(cfg, state_dir, argc == 2 ? argv[1] : NULL);
    if (!strcmp(sub, "import") && argc == 2)
        return with_lock(cfg, state_dir, do_import, argv[1]);
    fprintf(stderr,
            "otwatch baseline: unknown or incomplete subcommand '%s' (status, learn, "
            "detect, reset, accept, export, import)\n",
            sub);
    return 2;
}
