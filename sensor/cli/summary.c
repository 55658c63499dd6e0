/* summary.c - see summary.h. */
#include "summary.h"

#include <stdio.h>

static const char *plural(unsigned long long n)
{
    return n == 1 ? "" : "s";
}

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
    uint32_t alerts = otw_alerts_size(otw_sensor_alerts(s));
    unsigned long long packets = st->packets, ops = st->ops;
    fprintf(stderr,
            "otwatch %s: %llu packet%s, %u asset%s (%u before), %llu industrial operation%s, "
            "%u alert%s (%u new); state in %s\n",
            cmd, packets, plural(packets), assets, plural(assets), assets_before, ops, plural(ops),
            alerts, plural(alerts), alerts - alerts_before, state);
}
