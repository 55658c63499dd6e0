/* sensor.h - one sensor context: the pipeline from a captured frame to
 * facts, inventory, communications, alerts, the operations log and the
 * store. `read` and `run` share it; everything runs on capture time. */
#ifndef OTW_SENSOR_H
#define OTW_SENSOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "alerts.h"
#include "capture.h"
#include "classify.h"
#include "comms.h"
#include "config.h"
#include "flow.h"
#include "inventory.h"
#include "novelty.h"
#include "oplog.h"
#include "oui.h"
#include "store.h"
#include "stream.h"
#include "syslog_out.h"

typedef struct otw_sensor_stats {
    uint64_t packets, bytes;
    uint64_t decode_truncated, decode_unsupported_link, decode_malformed;
    uint64_t arp, non_ip, ipv4, ipv6, fragments, tcp, udp, other_l4;
    uint64_t dissected_pdus, ops, identities, anomalies, malformed_pdus;
    uint64_t not_mine_flows, sessions_exhausted, oversized_pdus;
    /* flows claimed on a port none configures (detect.h), and those claims
     * the dissector then refuted (no alert) */
    uint64_t claimed_by_ndpi, claimed_by_probe, claimed_as_known, claims_refuted;
    uint64_t alerts_new, checkpoints, checkpoint_failures;
} otw_sensor_stats;

typedef struct otw_flow_ext otw_flow_ext;
typedef struct otw_sensor otw_sensor;

/* Opens everything for a state directory (created if missing). Returns NULL
 * and a one-line message in err on failure. ops_log_override: path or NULL. */
otw_sensor *otw_sensor_open(const otw_config *cfg, const char *state_dir,
                            const char *ops_log_override, char *err, size_t errsz);
/* One captured frame. */
void otw_sensor_packet(otw_sensor *s, int dlt, const uint8_t *frame, uint32_t caplen,
                       uint32_t wire_len, uint64_t ts_us);
/* Live capture: checkpoints follow capture time alone (offline reads also
 * space them by wall time). */
void otw_sensor_set_live(otw_sensor *s, bool live);
/* Applies a new configuration's zones, conduits, enforcement and alert
 * settings (SIGHUP); other settings need a restart. Flows already placed
 * are placed again. On error (the injection interface cannot be opened)
 * returns -1 + err and keeps the old settings. */
int otw_sensor_reload(otw_sensor *s, const otw_config *cfg, char *err, size_t errsz);
/* (Re)starts the baseline's learning at the next packet, for for_us of
 * capture time (e.g. `otwatch read --learn-for 280s`). */
void otw_sensor_learn(otw_sensor *s, uint64_t for_us);
/* Lets time pass without packets (live capture idle). */
void otw_sensor_tick(otw_sensor *s, uint64_t now_us);
/* Declares the capture's sources in their order (coverage.h): each live
 * interface (watched from now_us, wall time) or capture file (from its
 * first packet). Returns its index, -1 beyond OTW_COV_MAX_SOURCES (then
 * not recorded). */
int otw_sensor_add_source(otw_sensor *s, const char *name, bool interface, uint64_t now_us);
/* The sensor as the destination of a capture (files or live). */
otw_frame_sink otw_sensor_frame_sink(otw_sensor *s);
/* Writes the working set to the store now. 0 or -1 + err. */
int otw_sensor_checkpoint(otw_sensor *s, char *err, size_t errsz);
/* Ends every flow, flushes and checkpoints. 0 or -1 + err. */
int otw_sensor_finish(otw_sensor *s, char *err, size_t errsz);
void otw_sensor_close(otw_sensor *s);

const otw_sensor_stats *otw_sensor_get_stats(const otw_sensor *s);
/* Prints the counters (packets, flows, evictions, drops...) as one
 * "key=value ..." line block to f. */
void otw_sensor_print_stats(otw_sensor *s, FILE *f);
otw_inventory *otw_sensor_inventory(otw_sensor *s);
otw_alerts *otw_sensor_alerts(otw_sensor *s);

#endif
