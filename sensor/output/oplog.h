/* oplog.h - the operations log: every industrial request (with its response
 * when seen) as one JSON line. The forensic record that answers "who did
 * what to which controller, when". Appends; buffered (flushed at
 * checkpoints and exit), formatted without printf.
 *
 * Hash-chained (chain.h, stream "ops"): each line, once written, is chained
 * on the writer thread and its link appended to FILE.chain. */
#ifndef OTW_OPLOG_H
#define OTW_OPLOG_H

#include <stddef.h>
#include <stdint.h>

#include "alerts.h"
#include "chain.h"
#include "facts.h"

typedef struct otw_oplog otw_oplog;

/* Opens path for appending. from: where its chain stood at the state's
 * last checkpoint (NULL: none recorded, the file is chained from its first
 * line); lines after it are chained before anything is appended (said with
 * a warning). */
otw_oplog *otw_oplog_open(const char *path, const otw_chain_anchor *from, char *err, size_t errsz);
/* Renders one op as a JSON object into buf; returns its length or 0. */
size_t otw_oplog_render(const otw_op *op, const otw_endpoint *client, const otw_endpoint *server,
                        char *buf, size_t bufsz);
void otw_oplog_write(otw_oplog *l, const otw_op *op, const otw_endpoint *client,
                     const otw_endpoint *server);
int otw_oplog_flush(otw_oplog *l); /* 0, or -1 on a write error */
uint64_t otw_oplog_written(const otw_oplog *l);
/* The record number (line, from 0) in the file's chain the next
 * otw_oplog_write will have: the records there at open plus those written
 * since. A line whose write fails is not chained (chain.h), so after a
 * failed write (otw_oplog_failed) later numbers are one too high each. */
uint64_t otw_oplog_next_record(const otw_oplog *l);
/* The chain's head and the file's length over what is written: call after
 * otw_oplog_flush (the writer thread is idle then). chain_failed: links the
 * sidecar could not take. */
void otw_oplog_anchor(const otw_oplog *l, otw_chain_anchor *out, uint64_t *chain_failed);
uint64_t otw_oplog_failed(const otw_oplog *l);
void otw_oplog_close(otw_oplog *l);

#endif
