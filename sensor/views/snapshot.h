/* snapshot.h - the whole store read into arrays, for the views and the web
 * console (they read the store only, beside a running sensor). One loader
 * for all of them, so each tells an allocation failure from an unreadable
 * store the same way. */
#ifndef OTW_SNAPSHOT_H
#define OTW_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* What to read (a bitmask); the store stays open in any case. */
enum {
    OTW_SNAP_ASSETS = 1, /* also indexes the assets by IP (otw_snapshot_asset_by_ip) */
    OTW_SNAP_COMMS = 2,
    OTW_SNAP_ALERTS = 4,
};

typedef struct otw_snapshot_ip otw_snapshot_ip;

typedef struct otw_snapshot {
    otw_store *st;     /* open until otw_snapshot_close: protocol names, own queries */
    otw_asset *assets; /* in store order */
    size_t n_assets;
    otw_comm *comms; /* in store order */
    size_t n_comms;
    otw_alert *alerts; /* in id order */
    size_t n_alerts;
    /* private */
    size_t cap_assets, cap_comms, cap_alerts;
    otw_snapshot_ip *ips; /* (IP, asset) sorted by IP */
    size_t n_ips;
    bool out_of_memory;
} otw_snapshot;

/* Why otw_snapshot_open failed (negative), for callers that word it their way. */
enum {
    OTW_SNAP_NO_STORE = -1,      /* err: the store's message */
    OTW_SNAP_UNREADABLE = -2,    /* err: "cannot read assets from DIR" */
    OTW_SNAP_OUT_OF_MEMORY = -3, /* err: "out of memory" */
};

/* Opens the store in state_dir read-only and reads what is asked. Returns
 * 0, or one of the codes above with err and s closed. */
int otw_snapshot_open(otw_snapshot *s, const char *state_dir, unsigned what, char *err,
                      size_t errsz);
/* Frees the arrays and closes the store (s may be zeroed or closed). */
void otw_snapshot_close(otw_snapshot *s);

/* Index of the asset with this IP, -1 if none (needs OTW_SNAP_ASSETS). */
int32_t otw_snapshot_asset_by_ip(const otw_snapshot *s, const otw_addr *ip);

#endif
