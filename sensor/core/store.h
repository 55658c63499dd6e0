/* store.h - the durable state in SQLite (state.db in the state directory).
 *
 * Memory holds the working set; the store is its snapshot. Checkpoints
 * write every dirty asset, communication and alert in one transaction
 * (WAL mode), so a crash loses at most the last checkpoint and never
 * corrupts. The schema carries a version for later migrations. */
#ifndef OTW_STORE_H
#define OTW_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alerts.h"
#include "chain.h"
#include "comms.h"
#include "inventory.h"

#define OTW_STORE_FILE "state.db"
/* 2: comms.vlan; 3: alert_chain; 4: coverage tables; 5: activity and ops (activity.h) */
#define OTW_STORE_SCHEMA_VERSION 5

typedef struct otw_store otw_store;

/* Opens (creating if needed) DIR/state.db. readonly: for listing commands
 * (fails if it does not exist). NULL + err on failure. */
otw_store *otw_store_open(const char *dir, bool readonly, char *err, size_t errsz);
void otw_store_close(otw_store *s);

/* Name of a protocol key, as the store has it (for listing commands). */
typedef const char *(*otw_proto_namer)(void *ctx, uint16_t proto_key);

int otw_store_load_assets(otw_store *s, int (*fn)(void *ctx, const otw_asset *a), void *ctx);
int otw_store_load_comms(otw_store *s, int (*fn)(void *ctx, const otw_comm *c), void *ctx);
/* Alerts in id order. */
int otw_store_load_alerts(otw_store *s, int (*fn)(void *ctx, const otw_alert *a), void *ctx);
/* Protocol names as stored with their keys (key -> name). */
const char *otw_store_proto_name(otw_store *s, uint16_t key, char *buf, size_t bufsz);

/* Writes every dirty record (and clears the dirty flags) in one
 * transaction. namer gives protocol names for the keys. 0 or -1 + err. */
int otw_store_checkpoint(otw_store *s, otw_inventory *inv, otw_comms *comms, otw_alerts *alerts,
                         otw_proto_namer namer, void *namer_ctx, char *err, size_t errsz);

int otw_store_meta_set(otw_store *s, const char *key, const char *value);

/* Called by otw_store_checkpoint inside its transaction, after the assets,
 * communications (their store ids set) and alerts are written and before
 * the commit: a module writing rows of its own in the same transaction
 * (activity.h). Non-zero (with err) rolls the whole checkpoint back. NULL
 * removes it. */
typedef int (*otw_store_hook)(void *ctx, otw_store *s, char *err, size_t errsz);
void otw_store_set_checkpoint_hook(otw_store *s, otw_store_hook fn, void *ctx);

/* The alert chain (chain.h): every write of an alert row at a checkpoint
 * appends one record (table alert_chain: the alert, its count and last
 * time then, the link), in the checkpoint's transaction, and the head goes
 * to meta chain_alerts with it. A state without a head has its stored
 * alerts chained when a writer opens it. */
const otw_chain *otw_store_alert_chain(const otw_store *s);
/* Recomputes the alert chain: every record's link, every alert row against
 * its last record, the end against the recorded head (*recorded). 0 (see
 * res->ok; res->bad_line is the record's seq, bad_id the alert), or -1 +
 * err (no chain in this state, unreadable). */
int otw_store_verify_alerts(otw_store *s, otw_chain_check *res, otw_chain *recorded, char *err,
                            size_t errsz);

/* The sqlite3 handle, for modules that keep their own rows (the baseline). */
void *otw_store_db(otw_store *s);

/* Acceptances of alerts into the baseline: recorded by the command line
 * (with the alert's type and message, the time and the reason), applied by
 * the sensor that owns the state, and kept forever as the record. */
int otw_store_add_acceptance(otw_store *s, int64_t alert_id, int64_t accepted_at_us,
                             const char *reason, char *err, size_t errsz);
int otw_store_pending_acceptances(otw_store *s, int64_t *ids, int64_t *alert_ids, int max);
void otw_store_acceptance_applied(otw_store *s, int64_t id);
/* Prints one line per acceptance; returns how many, -1 on error. */
int otw_store_list_acceptances(otw_store *s, FILE *out);
/* Copies the value into buf; returns 0 if found, -1 if not. */
int otw_store_meta_get(otw_store *s, const char *key, char *buf, size_t bufsz);

#endif
