/* cmd_list.c - `otwatch assets` and `otwatch alerts`: the inventory and
 * the alerts of a state directory. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alerts.h"
#include "cli.h"
#include "listing.h"
#include "report.h"

static int list(const char *cmd, int argc, char **argv)
{
    bool assets = strcmp(cmd, "assets") == 0;
    const char *config = NULL, *state_opt = NULL, *format = NULL, *severity = NULL, *types = NULL,
               *since = NULL, *tz_text = NULL;
    const otw_cli_opt asset_opts[] = {OTW_OPT("config", 'c', config),
                                      OTW_OPT("state", 's', state_opt),
                                      OTW_OPT("format", 'F', format), OTW_OPT_END};
    const otw_cli_opt alert_opts[] = {
        OTW_OPT("config", 'c', config), OTW_OPT("state", 's', state_opt),
        OTW_OPT("format", 'F', format), OTW_OPT("severity", 'S', severity),
        OTW_OPT("type", 'T', types),    OTW_OPT("since", 'W', since),
        OTW_OPT("tz", 'z', tz_text),    OTW_OPT_END};
    const char *usage =
        assets ? "usage: otwatch assets [--state DIR] [--format table|csv|json]"
               : "usage: otwatch alerts [--state DIR] [--format table|csv|json]\n"
                 "         [--severity info|low|medium|high|critical]  (that severity and above)\n"
                 "         [--type TYPE[,TYPE...]] [--since 24h|YYYY-MM-DD[THH:MM]] [--tz +09:00]";
    int first;
    int r = otw_cli_parse(cmd, argc, argv, assets ? asset_opts : alert_opts, usage, -1, &first);
    if (r != 0)
        return r == OTW_CLI_HELP ? OTW_EXIT_OK : r;
    if (!format)
        format = "table";
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0) {
        fprintf(stderr, "otwatch %s: unknown format '%s' (table, csv, json)\n", cmd, format);
        return OTW_EXIT_USAGE;
    }
    if (first < argc) {
        fprintf(stderr, "otwatch %s: unexpected argument '%s'\n", cmd, argv[first]);
        return OTW_EXIT_USAGE;
    }
    otw_alert_filter filter = {.min_severity = -1, .types = types, .since_us = 0};
    if (severity && (filter.min_severity = otw_severity_parse(severity)) < 0) {
        fprintf(stderr, "otwatch %s: unknown severity '%s' (info, low, medium, high, critical)\n",
                cmd, severity);
        return OTW_EXIT_USAGE;
    }
    if (types) {
        for (const char *p = types; *p;) {
            const char *end = strchr(p, ',');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            char one[48];
            snprintf(one, sizeof(one), "%.*s", (int)(len < sizeof(one) ? len : sizeof(one) - 1), p);
            for (char *c = one; *c; c++)
                *c = (char)toupper((unsigned char)*c); /* the filter ignores case too */
            if (otw_alert_type_parse(one) == OTW_AT_UNKNOWN) {
                fprintf(stderr, "otwatch %s: unknown alert type '%s'\n", cmd, one);
                return OTW_EXIT_USAGE;
            }
            p += len + (end ? 1 : 0);
        }
    }
    int tz = 0;
    if (tz_text && otw_report_parse_tz(tz_text, &tz) != 0) {
        fprintf(stderr, "otwatch %s: bad --tz '%s' (e.g. +09:00, -05:00, UTC)\n", cmd, tz_text);
        return OTW_EXIT_USAGE;
    }
    if (since &&
        otw_parse_when(since, tz, (uint64_t)time(NULL) * 1000000u, &filter.since_us) != 0) {
        fprintf(stderr, "otwatch %s: bad --since '%s' (24h, 7d, 2026-12-01, 2026-12-01T09:00)\n",
                cmd, since);
        return OTW_EXIT_USAGE;
    }
    otw_config cfg;
    if (otw_cli_config(cmd, config, &cfg, NULL) != 0)
        return OTW_EXIT_FAIL;
    const char *state = otw_cli_state_dir(&cfg, state_opt);
    bool filtered = severity || types || since;
    return assets ? otw_list_assets_zoned(&cfg, state, format, stdout)
                  : otw_list_alerts_filtered(state, format, filtered ? &filter : NULL, stdout);
}

int otw_cmd_assets(int argc, char **argv)
{
    return list("assets", argc, argv);
}

int otw_cmd_alerts(int argc, char **argv)
{
    return list("alerts", argc, argv);
}
