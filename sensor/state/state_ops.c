/* state_ops.c - see state_ops.h. */
#include "state_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "novelty.h"
#include "store.h"

/* The lock a sensor holds on its state directory: fd, -2 when a sensor
 * holds it, -1 when it cannot be taken. */
static int try_lock(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return -2;
    }
    return fd;
}

/* The baseline loaded from a state, with what it needs to apply
 * acceptances (the alerts, by id). */
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

static int ctx_open(bl_ctx *c, const otw_config *cfg, const char *dir, bool readonly, char *err,
                    size_t errsz)
{
    char why[512];
    memset(c, 0, sizeof(*c));
    c->cfg = *cfg;
    c->store = otw_store_open(dir, readonly, err, errsz);
    if (!c->store)
        return -1;
    otw_bl_settings set;
    otw_bl_settings_defaults(&set);
    set.max_channels = cfg->baseline_max_channels;
    set.max_controllers = cfg->baseline_max_controllers;
    c->alerts = otw_alerts_new(cfg->max_alerts, NULL, NULL);
    otw_novelty_settings ns = {.exception_burst_count = cfg->exception_burst_count,
                               .exception_burst_window_s = cfg->exception_burst_window_s};
    c->nov = c->alerts ? otw_novelty_new(&ns, otw_alerts_sink(c->alerts)) : NULL;
    c->bl = c->nov ? otw_baseline_new(&set, otw_alerts_sink(c->alerts), c->nov) : NULL;
    if (!c->bl) {
        snprintf(err, errsz, "cannot load the baseline from %s: out of memory", dir);
        ctx_close(c);
        return -1;
    }
    if (otw_store_load_alerts(c->store, load_alert, c->alerts) != 0) {
        snprintf(err, errsz, "cannot load the baseline from %s: cannot read the alerts", dir);
        ctx_close(c);
        return -1;
    }
    if (otw_baseline_load(c->bl, otw_store_db(c->store), why, sizeof(why)) != 0) {
        snprintf(err, errsz, "cannot load the baseline from %s: %s", dir, why);
        ctx_close(c);
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

/* Runs fn on the model with the state locked, and saves it. */
static int with_lock(const otw_config *cfg, const char *dir,
                     int (*fn)(bl_ctx *c, const void *arg, char *err, size_t errsz),
                     const void *arg, char *err, size_t errsz)
{
    int fd = try_lock(dir);
    if (fd == -2) {
        snprintf(err, errsz,
                 "a sensor is running on %s: stop it first (accept works while it runs)", dir);
        return -1;
    }
    if (fd < 0) {
        snprintf(err, errsz, "cannot use %s: %s", dir, strerror(errno));
        return -1;
    }
    bl_ctx c;
    int rc = -1;
    if (ctx_open(&c, cfg, dir, false, err, errsz) == 0) {
        if (fn(&c, arg, err, errsz) == 0 &&
            otw_baseline_save(c.bl, otw_store_db(c.store), err, errsz) == 0)
            rc = 0;
        ctx_close(&c);
    }
    close(fd);
    return rc;
}

static int do_learn(bl_ctx *c, const void *arg, char *err, size_t errsz)
{
    (void)err;
    (void)errsz;
    otw_baseline_learn(c->bl, 0, *(const uint64_t *)arg);
    return 0;
}

static int do_detect(bl_ctx *c, const void *arg, char *err, size_t errsz)
{
    (void)arg;
    (void)err;
    (void)errsz;
    otw_baseline_detect(c->bl);
    return 0;
}

static int do_reset(bl_ctx *c, const void *arg, char *err, size_t errsz)
{
    (void)arg;
    (void)err;
    (void)errsz;
    otw_baseline_reset(c->bl);
    return 0;
}

typedef struct import_arg {
    const char *path;
    otw_bl_counts *counts;
} import_arg;

static int do_import(bl_ctx *c, const void *arg, char *err, size_t errsz)
{
    const import_arg *ia = arg;
    if (otw_baseline_import(c->bl, ia->path, err, errsz) != 0)
        return -1;
    if (ia->counts)
        otw_baseline_counts(c->bl, ia->counts);
    return 0;
}

int otw_state_baseline_learn(const otw_config *cfg, const char *dir, uint64_t for_us, char *err,
                             size_t errsz)
{
    return with_lock(cfg, dir, do_learn, &for_us, err, errsz);
}

int otw_state_baseline_detect(const otw_config *cfg, const char *dir, char *err, size_t errsz)
{
    return with_lock(cfg, dir, do_detect, NULL, err, errsz);
}

int otw_state_baseline_reset(const otw_config *cfg, const char *dir, char *err, size_t errsz)
{
    return with_lock(cfg, dir, do_reset, NULL, err, errsz);
}

int otw_state_baseline_import(const otw_config *cfg, const char *dir, const char *path,
                              otw_bl_counts *counts, char *err, size_t errsz)
{
    import_arg ia = {path, counts};
    return with_lock(cfg, dir, do_import, &ia, err, errsz);
}

int otw_state_baseline_status(const otw_config *cfg, const char *dir, otw_baseline_status *out,
                              FILE *acceptances, int *n_acceptances, char *err, size_t errsz)
{
    bl_ctx c;
    if (ctx_open(&c, cfg, dir, true, err, errsz) != 0)
        return -1;
    out->mode = otw_baseline_mode(c.bl);
    out->learn_start_us = otw_baseline_learn_start(c.bl);
    out->learn_until_us = otw_baseline_learn_until(c.bl);
    otw_baseline_counts(c.bl, &out->counts);
    int n = 0;
    if (acceptances)
        n = otw_store_list_acceptances(c.store, acceptances);
    if (n_acceptances)
        *n_acceptances = n;
    ctx_close(&c);
    return 0;
}

int otw_state_baseline_export(const otw_config *cfg, const char *dir, FILE *out, char *err,
                              size_t errsz)
{
    bl_ctx c;
    if (ctx_open(&c, cfg, dir, true, err, errsz) != 0)
        return -1;
    int rc = otw_baseline_export(c.bl, out);
    ctx_close(&c);
    if (rc != 0)
        snprintf(err, errsz, "cannot write the model");
    return rc;
}

int otw_state_accept(const otw_config *cfg, const char *dir, int64_t id, const char *reason,
                     otw_accept_result *res, char *err, size_t errsz)
{
    memset(res, 0, sizeof(*res));
    otw_store *st = otw_store_open(dir, false, err, errsz);
    if (!st)
        return -1;
    int rc = otw_store_add_acceptance(st, id, (int64_t)wall_us(), reason, err, errsz);
    otw_store_close(st);
    if (rc != 0)
        return -1;
    /* No sensor on this state: apply now, as a starting sensor would. */
    int fd = try_lock(dir);
    if (fd < 0)
        return 0;
    bl_ctx c;
    if (ctx_open(&c, cfg, dir, false, err, errsz) != 0) {
        close(fd);
        return -1;
    }
    int64_t ids[64], alert_ids[64];
    int n = otw_store_pending_acceptances(c.store, ids, alert_ids, 64);
    char why[512];
    for (int i = 0; i < n; i++) {
        for (uint32_t k = 0; k < otw_alerts_size(c.alerts); k++) {
            otw_alert *a = otw_alerts_at(c.alerts, k);
            if (a->id != alert_ids[i])
                continue;
            if (otw_baseline_accept(c.bl, a, why, sizeof(why)) != 0) {
                /* Another pending acceptance that cannot apply: it stays
                 * recorded; this one's result is what is reported. */
                if (a->id == id) {
                    snprintf(err, errsz, "alert %lld: %s", (long long)a->id, why);
                    rc = -1;
                }
            } else if (a->id == id) {
                res->applied = true;
                snprintf(res->type, sizeof(res->type), "%s", a->type);
                snprintf(res->message, sizeof(res->message), "%s", a->message);
            }
            break;
        }
        otw_store_acceptance_applied(c.store, ids[i]);
    }
    if (otw_baseline_save(c.bl, otw_store_db(c.store), why, sizeof(why)) != 0) {
        snprintf(err, errsz, "%s", why);
        rc = -1;
    }
    ctx_close(&c);
    close(fd);
    return rc;
}
