/* activity.h - activity over time (issue 17, item 1): what each
 * communication carried per time bucket (flows, packets, bytes), and every
 * industrial operation indexed by time, controller, client and class, so
 * "did anything from the office reach the PLC between T1 and T2" and "who
 * wrote to which controller then" are answered from the state.
 *
 * Recording (the sensor, sensor/pipeline/sensor.c):
 *   - each flow keeps its current bucket's counters (otw_act_flow); a
 *     packet costs one compare of its time against the bucket's end and two
 *     additions. A packet past the end, the flow's end and a checkpoint move
 *     the counters into a fixed pending array (allocated once) as one entry
 *     (communication, bucket, flows, packets, bytes); a flow counts as one
 *     flow in the bucket where it started. A flow that has no communication
 *     yet leaves entries that wait for it ("unresolved"): resolved when it
 *     gets one, dropped as "no communication" when it ends without one
 *     (broadcasts, refused connections: what comms do not count either);
 *   - every operation is copied into a second fixed pending array, with its
 *     record number in the operations log's chain (ops.jsonl line, from 0)
 *     when that log is on; routine ones (read, identity, diagnostic: a
 *     plant's polling, nearly all of its operations) are folded into one
 *     entry per key (both addresses, protocol, unit, function, class,
 *     object, outcome) and period (activity.routine_ops, 1 h), with a count,
 *     the first and last time and record and the addresses spanned, written
 *     once the period is over (or at exit, or when the table fills: then a
 *     period has several rows, which add up). One row per poll would be
 *     billions of rows in 90 days of a 500-device plant; one per key and
 *     minute still hundreds of millions. A crash loses the current period's
 *     routine rows from the index (ops.jsonl has them). Every write,
 *     control, program, firmware, configuration, authentication, account
 *     or other operation is a row of its own;
 *   - at each store checkpoint, in its transaction and after the
 *     communications are saved, the entries are upserted into
 *     activity(comm_id, bucket, flows, packets, bytes) (counts added) and
 *     the operations inserted into ops. A full array drops what does not
 *     fit and counts it (entries, flows, packets, bytes; operations): in
 *     otw_activity_get_stats and meta activity_dropped / ops_dropped. The
 *     sensor asks for an early checkpoint when the bucket array is 3/4 full,
 *     and writes the operations alone (otw_activity_save_ops) when theirs is.
 *   - rows older than the retention (capture time) are pruned, at most
 *     every 10 minutes of capture time and at exit; over the size cap the
 *     oldest rows go too. Counted in meta activity_pruned / ops_pruned. The
 *     alert chain and ops.jsonl are never pruned here.
 *
 * ops.jsonl stays the authoritative, chained evidence: the ops table is
 * its index, and its `record` column names the chained line. */
#ifndef OTW_ACTIVITY_H
#define OTW_ACTIVITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alerts.h"
#include "comms.h"
#include "facts.h"
#include "store.h"

#define OTW_ACT_PENDING (1u << 17)     /* bucket entries waiting for a checkpoint */
#define OTW_ACT_OPS_PENDING (1u << 15) /* operations waiting for a checkpoint */
#define OTW_ACT_PRUNE_EVERY_US (600ull * 1000000u)

typedef struct otw_activity otw_activity;

/* bucket_us: bucket length (60 s by default); routine_us: the period
 * routine operations are folded over (1 h by default; 0: bucket_us);
 * retention_us: rows older than
 * this before the capture time are pruned (0 keeps all); max_bytes: cap on
 * the estimated size of the activity and ops tables (0: none). pending,
 * ops_pending: array sizes (0: the defaults above). NULL when out of
 * memory. */
otw_activity *otw_activity_new(uint64_t bucket_us, uint64_t routine_us, uint64_t retention_us,
                               uint64_t max_bytes, uint32_t pending, uint32_t ops_pending);
void otw_activity_free(otw_activity *a);
uint64_t otw_activity_bucket_us(const otw_activity *a);

/* ---- per flow ------------------------------------------------------ */

/* A flow's current bucket. Zero it when the flow starts, then set flow = 1. */
typedef struct otw_act_flow {
    uint64_t end_us;      /* end of the current bucket, 0 before the first packet */
    uint64_t pkts, bytes; /* since the last entry */
    uint16_t unresolved;  /* its entries waiting for its communication (saturates) */
    uint8_t flow;         /* 1 until the entry of its first bucket is made */
} otw_act_flow;

/* Out of line: the bucket is over (or the first packet). */
void otw_act_flow_roll(otw_activity *a, otw_act_flow *af, uint32_t comm, uint32_t slot,
                       uint64_t ts_us);

/* One packet of len bytes at ts_us on a flow (in flow slot `slot`, of
 * communication comm or OTW_COMM_NONE): the per-packet cost. A packet
 * earlier than the current bucket (a late packet of a merged file) counts
 * in the current one. */
static inline void otw_act_flow_packet(otw_activity *a, otw_act_flow *af, uint32_t comm,
                                       uint32_t slot, uint64_t ts_us, uint32_t len)
{
    if (ts_us >= af->end_us)
        otw_act_flow_roll(a, af, comm, slot, ts_us);
    af->pkts++;
    af->bytes += len;
}

/* A checkpoint: the counts so far go to the pending array (the bucket goes
 * on). Nothing while the flow has no communication (they wait on the flow). */
void otw_act_flow_flush(otw_activity *a, otw_act_flow *af, uint32_t comm, uint32_t slot);
/* The flow ends (before its slot is reused): its counts go to the pending
 * array and its waiting entries get comm (or are dropped as "no
 * communication" when comm is OTW_COMM_NONE). */
void otw_act_flow_end(otw_activity *a, otw_act_flow *af, uint32_t comm, uint32_t slot);

/* ---- operations ---------------------------------------------------- */

/* One operation between client and server; record: its record number in
 * the operations log's chain (-1: no log). Returns true when the pending
 * array is 3/4 full (a checkpoint should come soon). */
bool otw_activity_op(otw_activity *a, const otw_op *op, const otw_endpoint *client,
                     const otw_endpoint *server, int64_t record);
/* True when the bucket arrays are 3/4 full: a checkpoint should come now
 * (entries need their communication's store id: otw_activity_save). */
bool otw_activity_wants_save(const otw_activity *a);
/* Writes the pending operations alone, in a transaction of its own (they
 * need nothing from the checkpoint): what the sensor does when
 * otw_activity_op says the array is filling, instead of a whole
 * checkpoint. Must not be called inside a transaction. 0, or -1 + err
 * (they stay pending). */
int otw_activity_save_ops(otw_activity *a, otw_store *st, char *err, size_t errsz);

/* ---- the checkpoint -------------------------------------------------- */

/* For waiting entries: the communication its flow (slot) has now, or
 * OTW_COMM_NONE (still waiting). When it returns one, the caller counts
 * the entry off the flow (otw_act_flow.unresolved--). */
typedef uint32_t (*otw_act_comm_of)(void *ctx, uint32_t slot);

/* Inside the store's checkpoint transaction (otw_store_set_checkpoint_hook),
 * after the communications are saved: writes the pending entries and
 * operations, and prunes (at most every 10 minutes of now_us, or when
 * force). The written ones leave the arrays only at
 * otw_activity_committed (a rolled-back checkpoint keeps them). 0, or -1
 * + err. */
int otw_activity_save(otw_activity *a, otw_store *st, otw_comms *comms, otw_act_comm_of comm_of,
                      void *ctx, uint64_t now_us, bool force_prune, char *err, size_t errsz);
/* The transaction committed: what the last save wrote leaves the arrays,
 * and its counters are final. */
void otw_activity_committed(otw_activity *a);

typedef struct otw_activity_stats {
    uint64_t entries_written;  /* bucket entries upserted */
    uint64_t ops_written;      /* operations indexed */
    uint64_t ops_rows;         /* rows they took (routine ones aggregated) */
    uint64_t ops_pending;      /* operations and aggregates waiting now */
    uint64_t dropped_entries;  /* pending array full: entries dropped ... */
    uint64_t dropped_flows;    /* ... with these flows, */
    uint64_t dropped_packets;  /* packets */
    uint64_t dropped_bytes;    /* and bytes */
    uint64_t ops_dropped;      /* operations array full */
    uint64_t no_comm_packets;  /* packets of flows that ended without a communication */
    uint64_t pruned_rows;      /* activity rows pruned (retention or cap) by this process */
    uint64_t ops_pruned;       /* ops rows pruned by this process */
    uint64_t pending, waiting; /* entries pending now, of which unresolved */
} otw_activity_stats;
void otw_activity_get_stats(const otw_activity *a, otw_activity_stats *st);

/* Creates the activity and ops tables if missing (schema 5, a writer's
 * migration step). */
int otw_activity_migrate(void *sqlite_db, char **msg);

/* ---- queries (read-only is fine) ------------------------------------ */

typedef struct otw_activity_filter {
    const char *client; /* canonical IP text (otw_addr_str), NULL: any */
    const char *server; /* NULL: any */
    const char *host;   /* either end, NULL: any */
    uint64_t per_us;    /* aggregate per this period (aligned to the epoch, e.g. 3600 s),
                           0: per stored bucket */
    int64_t comm_id;    /* one communication (store id), 0: any */
} otw_activity_filter;

/* One row: a communication's counts in one period. */
typedef struct otw_activity_row {
    int64_t comm_id;
    const char *client, *server; /* IP text */
    const char *protocol;        /* its name as stored ("modbus", "TLS"...) */
    uint16_t proto_key, server_port;
    uint8_t transport;
    uint64_t start_us; /* period (or bucket) start */
    uint64_t flows;    /* flows that started in it */
    uint64_t pkts, bytes;
} otw_activity_row;

/* Calls fn for each communication's activity in the buckets overlapping
 * [from_us, to_us) (to_us 0: no end), with the filter (NULL: all), ordered
 * by period then communication id. fn returning non-zero stops the walk
 * (that value is returned). Strings are valid during the call only.
 * Returns 0, the callback's value, or -1 + err. A state from before
 * schema 5 has no rows (0). */
int otw_activity_each(otw_store *st, uint64_t from_us, uint64_t to_us,
                      const otw_activity_filter *filter,
                      int (*fn)(void *ctx, const otw_activity_row *r), void *ctx, char *err,
                      size_t errsz);

/* One indexed operation. */
typedef struct otw_op_row {
    int64_t id;
    uint64_t ts_us, response_ts_us; /* response 0: none */
    const char *protocol, *function_name, *op_class, *object, *outcome;
    const char *client_ip, *server_ip, *client_mac, *server_mac; /* "" when absent */
    uint16_t client_port, server_port;
    bool has_unit, has_address, has_exception;
    uint32_t unit, function, address_start, address_count, exception;
    int64_t record; /* ops.jsonl record (line, from 0) of the first, -1: none */
    /* Routine operations (read, identity, diagnostic) are one row per key
     * (both addresses, protocol, unit, function, class, object, outcome)
     * and period (meta ops_routine_us): count of them (1 for every other class), the last one's
     * time and record, and the addresses all of them spanned. */
    uint64_t count, last_ts_us;
    int64_t last_record;
} otw_op_row;

/* Bit of a class in a class set (1u << otw_op_class). */
#define OTW_CLASS_BIT(c) (1u << (c))
#define OTW_CLASS_ALL ((1u << OTW_CLASS__COUNT) - 1u)
/* "write,control" -> class set; 0, or -1 with *bad at the unknown word. */
int otw_class_set_parse(const char *list, uint32_t *set, const char **bad);

/* Calls fn for each row with an operation in [from_us, to_us) (to_us 0:
 * no end; an aggregated row whose first..last time meets the window, so its
 * count may include operations just outside it), to controller (server IP text) and from client
 * when given (NULL: any), whose class is in classes (OTW_CLASS_ALL: any), in time order (then id).
 * Uses the indexes on (server, ts), (client, ts), (class, ts), (ts). fn returning non-zero stops
 * the walk. Strings valid during the call. 0, the callback's value, or -1 + err. */
int otw_ops_each(otw_store *st, uint64_t from_us, uint64_t to_us, const char *controller_ip,
                 const char *client_ip, uint32_t classes, int (*fn)(void *ctx, const otw_op_row *r),
                 void *ctx, char *err, size_t errsz);

/* Pruning and dropping over the state's life (meta), for reports. */
typedef struct otw_activity_meta {
    uint64_t bucket_us;                        /* as last recorded, 0: none */
    uint64_t pruned_rows, ops_pruned;          /* activity / ops rows pruned */
    uint64_t dropped_entries, dropped_packets; /* pending array full */
    uint64_t ops_dropped;                      /* operations array full */
    uint64_t oldest_bucket_us, oldest_op_us;   /* 0: none */
} otw_activity_meta;
int otw_activity_meta_get(otw_store *st, otw_activity_meta *m);

#endif
