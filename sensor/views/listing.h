/* listing.h - the listing commands over a state directory: assets and
 * alerts as a table, CSV or JSON. They read the store only (read-only), so
 * they work beside a running sensor. */
#ifndef OTW_CLI_LIST_H
#define OTW_CLI_LIST_H

#include <stdint.h>
#include <stdio.h>

/* format: "table", "csv" or "json". Return 0, or 1 with a message on stderr. */
int otw_list_assets(const char *state_dir, const char *format, FILE *out);
int otw_list_alerts(const char *state_dir, const char *format, FILE *out);
/* Which alerts to list: at least min_severity (-1: all), of one of the
 * comma-separated types (NULL: all; case-insensitive), last seen at or
 * after since_us (0: all). */
typedef struct otw_alert_filter {
    int min_severity;
    const char *types;
    uint64_t since_us;
} otw_alert_filter;
int otw_list_alerts_filtered(const char *state_dir, const char *format,
                             const otw_alert_filter *filter, FILE *out);
/* The same, with each asset's zone (its first IP placed with cfg: "zone" in
 * JSON, a last CSV column) when cfg has zones. */
struct otw_config;
int otw_list_assets_zoned(const struct otw_config *cfg, const char *state_dir, const char *format,
                          FILE *out);

/* One asset as the JSON object `otwatch assets --format json` prints (also
 * the web console's API). */
struct otw_store;
struct otw_jsonw;
struct otw_asset;
void otw_asset_json(struct otw_store *st, const struct otw_asset *a, struct otw_jsonw *w);

#endif
