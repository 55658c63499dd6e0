/* oplist.h - `otwatch ops`: the industrial operations of a state, from
 * its operations index (activity.h), over a window, for a controller, a
 * client and classes, as a table (English or Japanese), CSV or JSON. Each
 * row names its record (line, from 0) in ops.jsonl, the chained evidence.
 * Reads the store only, so it works beside a running sensor. */
#ifndef OTW_OPLIST_H
#define OTW_OPLIST_H

#include <stdint.h>
#include <stdio.h>

#include "i18n.h"

typedef struct otw_ops_query {
    uint64_t from_us, to_us;   /* 0: no bound */
    const char *controller_ip; /* canonical IP text, NULL: any */
    const char *client_ip;     /* NULL: any */
    uint32_t classes;          /* OTW_CLASS_BIT set; OTW_CLASS_ALL: any */
    int tz_minutes;            /* times shown east of UTC (table, CSV) */
} otw_ops_query;

/* format: "table", "csv" or "json". 0, or 1 with a message on stderr. */
int otw_list_ops(const char *state_dir, const otw_ops_query *q, const char *format, otw_lang lang,
                 FILE *out);

#endif
