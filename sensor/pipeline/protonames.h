/* protonames.h - protocol names in the configuration's conduits checked
 * against the names the sensor gives communications (its dissectors' and
 * nDPI's), so a misspelt "modbus-tcp" is refused with the closest known
 * name instead of silently matching nothing. */
#ifndef OTW_PROTONAMES_H
#define OTW_PROTONAMES_H

#include <stddef.h>

#include "classify.h"
#include "config.h"

/* 0 when every conduit's protocols are known; else -1 and err says which
 * conduit, which name and the closest known one. */
int otw_check_protocol_names(const otw_config *cfg, otw_classifier *cl, char *err, size_t errsz);

#endif
