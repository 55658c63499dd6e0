/* cmd_config.c - `otwatch config check [FILE]`. */
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "cli.h"
#include "protonames.h"

int otw_cmd_config(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "check") != 0) {
        fprintf(stderr, "otwatch config: usage: otwatch config check [FILE]\n");
        return OTW_EXIT_USAGE;
    }
    const char *path = argc > 2 ? argv[2] : OTW_DEFAULT_CONFIG_PATH;
    otw_config cfg;
    otw_config_defaults(&cfg);
    char err[512];
    if (otw_config_load(&cfg, path, err, sizeof(err)) != 0) {
        fprintf(stderr, "otwatch config: %s\n", err);
        return OTW_EXIT_FAIL;
    }
    /* Conduit protocol names against the names communications get. */
    otw_classifier *cl =
        otw_classifier_new(cfg.ndpi_memory_mb, cfg.ndpi_max_packets, err, sizeof(err));
    int bad = cl ? otw_check_protocol_names(&cfg, cl, err, sizeof(err)) : -1;
    otw_classifier_free(cl);
    if (bad) {
        fprintf(stderr, "otwatch config: %s: %s\n", path, err);
        return OTW_EXIT_FAIL;
    }
    printf("%s: ok\n", path);
    return OTW_EXIT_OK;
}
