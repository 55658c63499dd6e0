/* baseline.h - learn each plant's normal, then flag what departs from it.
 *
 * Learning, then detection, on capture time. What is learned, per site:
 *  (a) assets and (b) communications: those seen while learning are normal
 *      (their tables are the inventory and comms themselves);
 *  (c) industrial channels (client, server, protocol, unit): the operations
 *      seen (function code and class) and, per operation, the address ranges
 *      as a few covering intervals;
 *  (d) timing: per polled series (channel, function, start address) the
 *      median and spread of the intervals between requests;
 *  (e) liveness: per controller, the longest silence between its answers.
 * A device or channel first seen during detection gets a short learning
 * window of its own for its routine traffic; its appearance is alerted.
 * Program changes and control commands are alerted always, even while
 * learning. Every alert carries what was expected and what was seen.
 * The baseline sees normalized facts only. */
#ifndef OTW_BASELINE_H
#define OTW_BASELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "alerts.h"
#include "comms.h"
#include "facts.h"
#include "inventory.h"
#include "novelty.h"

typedef enum otw_bl_mode { OTW_BL_LEARNING = 0, OTW_BL_DETECTING } otw_bl_mode;

typedef struct otw_bl_settings {
    uint64_t learn_for_us;        /* site learning window; 0 = detect from the start */
    uint64_t device_learn_for_us; /* own window of a channel first seen while detecting */
    uint32_t scan_units;          /* distinct unknown unit ids from one source to one server */
    uint32_t scan_functions;      /* distinct unknown function codes, same */
    uint32_t scan_hosts;          /* distinct industrial servers from one source */
    uint32_t scan_addresses;      /* distinct start addresses outside the learned ones, same */
    uint32_t scan_bad_addresses;  /* distinct addresses answered "illegal address", same */
    uint32_t scan_refused;        /* distinct host:ports refusing one source's connections */
    uint64_t scan_window_us;
    uint32_t max_channels;    /* table sizes (baseline.max_channels, max_controllers); a */
    uint32_t max_controllers; /* stored model larger than them loads whole */
} otw_bl_settings;

void otw_bl_settings_defaults(otw_bl_settings *s);

typedef struct otw_baseline otw_baseline;

typedef struct otw_bl_counts {
    uint32_t channels, channels_known, operations, series_periodic, controllers, acceptances;
    uint32_t channels_max, controllers_max; /* table sizes: beyond them nothing is learned */
    uint64_t channels_refused; /* operations of channels that found no room (this run) */
} otw_bl_counts;

/* alerts: where its alerts go (alerts.h). */
otw_baseline *otw_baseline_new(const otw_bl_settings *set, otw_alert_sink alerts, otw_novelty *nov);
void otw_baseline_free(otw_baseline *b);

/* Mode and learning window. start_learning: (re)start learning at ts for
 * `for_us` (0 = the configured window). */
otw_bl_mode otw_baseline_mode(const otw_baseline *b);
void otw_baseline_learn(otw_baseline *b, uint64_t ts_us, uint64_t for_us);
void otw_baseline_detect(otw_baseline *b);
void otw_baseline_reset(otw_baseline *b);
uint64_t otw_baseline_learn_start(const otw_baseline *b);
uint64_t otw_baseline_learn_until(const otw_baseline *b);
void otw_baseline_counts(const otw_baseline *b, otw_bl_counts *out);

/* Facts from the sensor. */
void otw_baseline_asset_new(otw_baseline *b, const otw_asset *a, uint64_t ts_us);
void otw_baseline_comm_new(otw_baseline *b, const otw_comm *c, const char *proto_name,
                           const otw_endpoint *client, const otw_endpoint *server,
                           otw_comm_kind kind, uint64_t ts_us);
/* server_asset: inventory index of the server (liveness), or OTW_ASSET_NONE. */
void otw_baseline_op(otw_baseline *b, const otw_op *op, const otw_endpoint *client,
                     const otw_endpoint *server, uint32_t server_asset);
/* A new flow towards an industrial port (host scans). */
void otw_baseline_industrial_flow(otw_baseline *b, const otw_endpoint *client,
                                  const otw_endpoint *server, otw_proto proto, uint64_t ts_us);
/* A TCP connection attempt answered by a reset (refused): port and host
 * scans. */
void otw_baseline_refused(otw_baseline *b, const otw_endpoint *client, const otw_endpoint *server,
                          uint64_t ts_us);
/* Capture time moves: mode changes, silence checks. Cheap: the sensor calls
 * it about once per second of capture time. */
void otw_baseline_tick(otw_baseline *b, uint64_t now_us);

/* An engineer accepts an alert into the baseline: what it reported becomes
 * normal (an operation, a range, a period, a silence, a talker...). */
int otw_baseline_accept(otw_baseline *b, const otw_alert *a, char *err, size_t errsz);

/* Persistence in the state store's database (sqlite3 *), in the caller's
 * transaction. */
int otw_baseline_load(otw_baseline *b, void *db, char *err, size_t errsz);
int otw_baseline_save(otw_baseline *b, void *db, char *err, size_t errsz);

/* A reviewable text form (YAML) of the learned model, and its import. */
int otw_baseline_export(const otw_baseline *b, FILE *out);
int otw_baseline_import(otw_baseline *b, const char *path, char *err, size_t errsz);

#endif
