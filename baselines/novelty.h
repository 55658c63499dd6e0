/* novelty.h - the first detection rules: what was never seen before.
 *
 * NEW_ASSET (a device not in the state before), NEW_COMMUNICATION (a
 * client -> server protocol pair never seen), MODBUS_WRITE (the first write
 * by a client on a channel; later writes count on it) and MODBUS_EXCEPTIONS
 * (a burst of exception responses from one server to one client): the
 * alert texts. When they are raised is the baseline's decision (baseline.h). */
#ifndef OTW_NOVELTY_H
#define OTW_NOVELTY_H

#include "alerts.h"
#include "comms.h"
#include "facts.h"
#include "inventory.h"

typedef struct otw_novelty otw_novelty;

/* What the rules read from the configuration. */
typedef struct otw_novelty_settings {
    uint32_t exception_burst_count;    /* exceptions that make a burst ... */
    uint32_t exception_burst_window_s; /* ... within this many seconds */
} otw_novelty_settings;

otw_novelty *otw_novelty_new(const otw_novelty_settings *set, otw_alert_sink alerts);
void otw_novelty_free(otw_novelty *n);

void otw_novelty_asset(otw_novelty *n, const otw_asset *a, uint64_t ts_us);
void otw_novelty_comm(otw_novelty *n, const otw_comm *c, const char *proto_name,
                      const otw_endpoint *client, const otw_endpoint *server, otw_comm_kind kind,
                      uint64_t ts_us);
/* MODBUS_WRITE for a Modbus write (the baseline decides whether it is new
 * and raises it, merged with what else the message gave rise to); critical
 * from a new master. false: not a Modbus write request. */
bool otw_novelty_write_alert(const otw_op *op, const otw_endpoint *client,
                             const otw_endpoint *server, bool new_master, otw_alert *out);
/* The same, raised at once (not merged). */
void otw_novelty_write(otw_novelty *n, const otw_op *op, const otw_endpoint *client,
                       const otw_endpoint *server);
/* Counts exception responses; a burst raises <PROTOCOL>_EXCEPTIONS. */
void otw_novelty_exceptions(otw_novelty *n, const otw_op *op, const otw_endpoint *client,
                            const otw_endpoint *server);

#endif
