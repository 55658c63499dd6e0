/* cli_list.h - the listing commands over a state directory: assets and
 * alerts as a table, CSV or JSON. They read the store only (read-only), so
 * they work beside a running sensor. */
#ifndef OTW_CLI_LIST_H
#define OTW_CLI_LIST_H

#include <stdio.h>

/* format: "table", "csv" or "json". Return 0, or 1 with a message on stderr. */
int otw_list_assets(const char *state_dir, const char *format, FILE *out);
int otw_list_alerts(const char *state_dir, const char *format, FILE *out);

#endif
