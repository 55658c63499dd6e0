/* cmd_config.c - `otwatch config check [FILE]`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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
    printf("%s: ok\n", path);
    return OTW_EXIT_OK;
}
