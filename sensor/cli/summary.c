/* summary.c - see summary.h. */
#include "summary.h"

#include <stdio.h>

void otw_cli_print_summary(const char *cmd, otw_sensor *s, const char *state,
                           uint32_t assets_before, uint32_t alerts_before)
{
    const otw_sensor_stats *st = otw_sensor_get_stats(s);
    uint32_t assets = 0, n = otw_inventory_size(otw_sensor_inventory(s));
    for (uint32_t i = 0; i < n; i++) {
        otw_asset *a = otw_inventory_raw(otw_sensor_inventory(s), i);
        if (a->merged_into == OTW_ASSET_NONE)
            assets++;
    }
    fprintf(stderr,
            "otwatch %s: %llu packets, %u assets (%u before), %llu industrial operations, "
            "%u alerts (%u new); state in %s\n",
            cmd, (unsigned long long)st->packets, assets, assets_before,
            (unsigned long long)st->ops, otw_alerts_size(otw_sensor_alerts(s)),
            otw_alerts_size(otw_sensor_alerts(s)) - alerts_before, state);
}
