/* investigate.h - "was the production line touched between T1 and T2?"
 * (`otwatch investigate`, issue 17 item 3): from the state alone, what a
 * customer or an auditor asks after an incident on the office network.
 *
 * The answer gathers, for the window [from, to):
 *   - coverage: how much of it the sensor watched, drops, each gap;
 *   - crossings: every communication from the source side (the zones named,
 *     by default every IT and unassigned zone and the Internet; or one
 *     host) into a control or OT zone, hour by hour, from the activity
 *     buckets (activity.h). Without zones, the target side is the devices
 *     the inventory holds as controllers and the source side every device
 *     that is not an OT device (said in the answer);
 *   - operations on controllers that change or expose them: write,
 *     control, program download and upload, firmware, configuration,
 *     authentication, account (the ops index, each citing its chained
 *     ops.jsonl record), grouped by who, what and which controller;
 *   - new devices and address changes, and every alert active in it;
 *   - the evidence chains' heads as recorded in the state;
 *   - the conclusion: one sentence, in English or Japanese.
 * Rendered as a terminal summary, JSON, or a self-contained HTML report. */
#ifndef OTW_INVESTIGATE_H
#define OTW_INVESTIGATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "alerts.h"
#include "config.h"
#include "coverage.h"
#include "i18n.h"

#define OTW_INV_MAX_ZONES 40
#define OTW_INV_MAX_HOURS 24 /* hours listed per crossing (the count is exact) */

typedef struct otw_inv_query {
    uint64_t from_us, to_us;
    int tz_minutes;
    otw_lang lang;
    const char *zones[OTW_INV_MAX_ZONES]; /* source zones by name or label; none: default */
    int n_zones;
    const char *host; /* source host (IP text), NULL: by zone */
} otw_inv_query;

/* One communication from the source side into the target side. */
typedef struct otw_inv_crossing {
    char client[64], server[64], client_name[64], server_name[64];
    char client_zone[64], server_zone[64];
    char protocol[32];
    uint16_t server_port;
    uint8_t transport;
    uint64_t first_us, last_us; /* first and last hour with traffic */
    uint64_t flows, pkts, bytes;
    uint32_t n_hours;                  /* hours with traffic */
    uint64_t hours[OTW_INV_MAX_HOURS]; /* the first of them */
} otw_inv_crossing;

/* Operations of one kind by one client on one controller. */
typedef struct otw_inv_opgroup {
    char client[64], server[64], client_name[64], server_name[64];
    char protocol[32], op_class[24], function[64];
    uint64_t first_us, last_us, count, failed;
    int64_t first_record; /* ops.jsonl record of the first, -1: none */
    bool changes;         /* writes, control, program download, firmware, configuration, account */
    bool unexpected;      /* a change the learned routine did not expect: an alert names it */
} otw_inv_opgroup;

typedef struct otw_inv_alert {
    otw_alert a;
} otw_inv_alert;

typedef struct otw_investigation {
    otw_inv_query q;
    bool have_zones;          /* zones configured: else judged by device role */
    char sources[512];        /* the source side, as a list of zone labels or the host */
    char targets[512];        /* the target side */
    int n_sources, n_targets; /* zones on each side */
    otw_coverage_answer cov;
    otw_inv_crossing *crossings;
    size_t n_crossings;
    otw_inv_opgroup *ops;
    size_t n_ops;
    uint64_t n_op_changes, n_op_reads; /* operations that change / expose controllers */
    size_t n_controllers_changed;
    /* Changes outside the learned routine (an alert of the operation's kind
     * names this client and controller in the window): what the conclusion
     * is about; routine ones (an HMI's setpoint writes) are listed only. */
    uint64_t n_unexpected;
    size_t n_controllers_unexpected;
    const otw_inv_opgroup *first_unexpected;
    otw_inv_alert *alerts; /* active in the window, by severity then time */
    size_t n_alerts;
    size_t n_new_devices, n_address_changes;
    char chain_alerts[160], chain_ops[160]; /* heads as recorded ("" none) */
    bool activity_recorded;                 /* the state has activity buckets at all */
    uint64_t activity_oldest_us;            /* first bucket kept (retention) */
} otw_investigation;

/* Gathers the answer from the state in state_dir with cfg's zones. 0, or
 * -1 + err (unknown zone named, unreadable state). */
int otw_investigate(const otw_config *cfg, const char *state_dir, const otw_inv_query *q,
                    otw_investigation *out, char *err, size_t errsz);
void otw_investigation_free(otw_investigation *inv);

/* The conclusion sentence in inv->q.lang. */
void otw_inv_conclusion(const otw_investigation *inv, char *buf, size_t bufsz);

void otw_inv_write_text(const otw_investigation *inv, FILE *out);
int otw_inv_write_json(const otw_investigation *inv, FILE *out);
void otw_inv_write_html(const otw_investigation *inv, FILE *out);

#endif
