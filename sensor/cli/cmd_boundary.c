/* cmd_boundary.c - `otwatch boundary`: communications across zones, as a
 * table, CSV or JSON, or exported as nftables rules or an ACL CSV. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boundary.h"
#include "cli.h"

int otw_cmd_boundary(int argc, char **argv)
{
    const char *config = NULL, *state = NULL, *format = NULL, *export = NULL;
    const otw_cli_opt opts[] = {OTW_OPT("config", 'c', config), OTW_OPT("state", 's', state),
                                OTW_OPT("format", 'F', format), OTW_OPT("export", 'e', export),
                                OTW_OPT_END};
    int first;
    int r = otw_cli_parse("boundary", argc, argv, opts,
                          "usage: otwatch boundary [--config FILE] [--state DIR] "
                          "[--format table|csv|json | --export nft|acl-csv]",
                          0, &first);
    if (r != 0)
        return r == OTW_CLI_HELP ? OTW_EXIT_OK : r;
    if (format && export) {
        fprintf(stderr, "otwatch boundary: give --format or --export, not both\n");
        return 2;
    }
    if (format && strcmp(format, "table") != 0 && strcmp(format, "csv") != 0 &&
        strcmp(format, "json") != 0) {
        fprintf(stderr, "otwatch boundary: unknown format '%s' (table, csv, json)\n", format);
        return 2;
    }
    if (export && strcmp(export, "nft") != 0 && strcmp(export, "acl-csv") != 0) {
        fprintf(stderr, "otwatch boundary: unknown export '%s' (nft, acl-csv)\n", export);
        return 2;
    }
    otw_config *cfg = malloc(sizeof(*cfg));
    if (!cfg) {
        fprintf(stderr, "otwatch boundary: out of memory\n");
        return 1;
    }
    if (otw_cli_config("boundary", config, cfg, NULL) != 0) {
        free(cfg);
        return 1;
    }
    state = otw_cli_state_dir(cfg, state);
    int rc = otw_boundary_write(cfg, state, export ? export : format ? format : "table", stdout);
    free(cfg);
    return rc;
}
