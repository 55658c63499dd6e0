/* snapshot.c - see snapshot.h. */
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"

struct otw_snapshot_ip {
    otw_addr ip;
    uint32_t asset;
};

/* The callbacks stop the store's loop with -1 and say why in the snapshot,
 * so an allocation failure is never reported as an unreadable store. */
static int add_asset(void *ctx, const otw_asset *a)
{
    otw_snapshot *s = ctx;
    otw_asset *p = otw_grow(s->assets, s->n_assets, &s->cap_assets, sizeof(*p), 64);
    if (!p) {
        s->out_of_memory = true;
        return -1;
    }
    s->assets = p;
    s->assets[s->n_assets++] = *a;
    return 0;
}

static int add_comm(void *ctx, const otw_comm *c)
{
    otw_snapshot *s = ctx;
    otw_comm *p = otw_grow(s->comms, s->n_comms, &s->cap_comms, sizeof(*p), 64);
    if (!p) {
        s->out_of_memory = true;
        return -1;
    }
    s->comms = p;
    s->comms[s->n_comms++] = *c;
    return 0;
}

static int add_alert(void *ctx, const otw_alert *a)
{
    otw_snapshot *s = ctx;
    otw_alert *p = otw_grow(s->alerts, s->n_alerts, &s->cap_alerts, sizeof(*p), 64);
    if (!p) {
        s->out_of_memory = true;
        return -1;
    }
    s->alerts = p;
    s->alerts[s->n_alerts++] = *a;
    return 0;
}

static int ip_cmp(const void *x, const void *y)
{
    return memcmp(((const otw_snapshot_ip *)x)->ip.b, ((const otw_snapshot_ip *)y)->ip.b, 16);
}

static int index_ips(otw_snapshot *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_assets; i++)
        n += (size_t)s->assets[i].n_ips;
    s->ips = otw_alloc_array(n, sizeof(*s->ips));
    if (!s->ips)
        return -1;
    for (size_t i = 0; i < s->n_assets; i++)
        for (int k = 0; k < s->assets[i].n_ips; k++)
            s->ips[s->n_ips++] = (otw_snapshot_ip){s->assets[i].ips[k], (uint32_t)i};
    qsort(s->ips, s->n_ips, sizeof(*s->ips), ip_cmp);
    return 0;
}

int32_t otw_snapshot_asset_by_ip(const otw_snapshot *s, const otw_addr *ip)
{
    otw_snapshot_ip key = {*ip, 0};
    const otw_snapshot_ip *hit =
        s->n_ips ? bsearch(&key, s->ips, s->n_ips, sizeof(key), ip_cmp) : NULL;
    return hit ? (int32_t)hit->asset : -1;
}

static int failed(otw_snapshot *s, const char *what, const char *state_dir, char *err, size_t errsz)
{
    int rc = s->out_of_memory ? OTW_SNAP_OUT_OF_MEMORY : OTW_SNAP_UNREADABLE;
    if (s->out_of_memory)
        snprintf(err, errsz, "out of memory");
    else
        snprintf(err, errsz, "cannot read %s from %s", what, state_dir);
    otw_snapshot_close(s);
    return rc;
}

int otw_snapshot_open(otw_snapshot *s, const char *state_dir, unsigned what, char *err,
                      size_t errsz)
{
    memset(s, 0, sizeof(*s));
    s->st = otw_store_open(state_dir, true, err, errsz);
    if (!s->st)
        return OTW_SNAP_NO_STORE;
    if (what & OTW_SNAP_ASSETS) {
        if (otw_store_load_assets(s->st, add_asset, s) != 0)
            return failed(s, "assets", state_dir, err, errsz);
        if (index_ips(s) != 0) {
            s->out_of_memory = true;
            return failed(s, "assets", state_dir, err, errsz);
        }
    }
    if ((what & OTW_SNAP_COMMS) && otw_store_load_comms(s->st, add_comm, s) != 0)
        return failed(s, "communications", state_dir, err, errsz);
    if ((what & OTW_SNAP_ALERTS) && otw_store_load_alerts(s->st, add_alert, s) != 0)
        return failed(s, "alerts", state_dir, err, errsz);
    return 0;
}

void otw_snapshot_close(otw_snapshot *s)
{
    free(s->assets);
    free(s->comms);
    free(s->alerts);
    free(s->ips);
    if (s->st)
        otw_store_close(s->st);
    memset(s, 0, sizeof(*s));
}
