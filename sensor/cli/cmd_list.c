/* cmd_list.c - `otwatch assets` and `otwatch alerts`: the inventory and
 * the alerts of a state directory. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "listing.h"

static int list(const char *cmd, int argc, char **argv)
{
    bool assets = strcmp(cmd, "assets") == 0;
    const char *config = NULL, *state_opt = NULL, *format = NULL;
    const otw_cli_opt opts[] = {OTW_OPT("config", 'c', config), OTW_OPT("state", 's', state_opt),
                                OTW_OPT("format", 'F', format), OTW_OPT_END};
    char usage[128];
    snprintf(usage, sizeof(usage), "usage: otwatch %s [--state DIR] [--format table|%sjson]", cmd,
             assets ? "csv|" : "");
    int first;
    int r = otw_cli_parse(cmd, argc, argv, opts, usage, -1, &first);
    if (r != 0)
        return r == OTW_CLI_HELP ? OTW_EXIT_OK : r;
    if (!format)
        format = "table";
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0 &&
        !(assets && strcmp(format, "csv") == 0)) {
        fprintf(stderr, "otwatch %s: unknown format '%s' (table, %sjson)\n", cmd, format,
                assets ? "csv, " : "");
        return OTW_EXIT_USAGE;
    }
    if (first < argc) {
        fprintf(stderr, "otwatch %s: unexpected argument '%s'\n", cmd, argv[first]);
        return OTW_EXIT_USAGE;
    }
    otw_config cfg;
    if (otw_cli_config(cmd, config, &cfg, NULL) != 0)
        return OTW_EXIT_FAIL;
    const char *state = otw_cli_state_dir(&cfg, state_opt);
    return assets ? otw_list_assets_zoned(&cfg, state, format, stdout)
                  : otw_list_alerts(state, format, stdout);
}

int otw_cmd_assets(int argc, char **argv)
{
    return list("assets", argc, argv);
}

int otw_cmd_alerts(int argc, char **argv)
{
    return list("alerts", argc, argv);
}
