/* oplog.h - the operations log: every industrial request (with its response
 * when seen) as one JSON line. The forensic record that answers "who did
 * what to which controller, when". Appends; buffered (flushed at
 * checkpoints and exit), formatted without printf. */
#ifndef OTW_OPLOG_H
#define OTW_OPLOG_H

#include <stddef.h>
#include <stdint.h>

#include "alerts.h"
#include "facts.h"

typedef struct otw_oplog otw_oplog;

otw_oplog *otw_oplog_open(const char *path, char *err, size_t errsz);
/* Renders one op as a JSON object into buf; returns its length or 0. */
size_t otw_oplog_render(const otw_op *op, const otw_endpoint *client, const otw_endpoint *server,
                        char *buf, size_t bufsz);
void otw_oplog_write(otw_oplog *l, const otw_op *op, const otw_endpoint *client,
                     const otw_endpoint *server);
int otw_oplog_flush(otw_oplog *l); /* 0, or -1 on a write error */
uint64_t otw_oplog_written(const otw_oplog *l);
uint64_t otw_oplog_failed(const otw_oplog *l);
void otw_oplog_close(otw_oplog *l);

#endif
