/* cli_config.c - see cli_config.h. */
#include "cli_config.h"

#include <stdio.h>
#include <unistd.h>

int otw_cli_config(const char *cmd, const char *path, otw_config *cfg, const char **loaded)
{
    otw_config_defaults(cfg);
    if (!path && access(OTW_DEFAULT_CONFIG_PATH, R_OK) == 0)
        path = OTW_DEFAULT_CONFIG_PATH;
    if (loaded)
        *loaded = path;
    char err[512];
    if (path && otw_config_load(cfg, path, err, sizeof(err)) != 0) {
        fprintf(stderr, "otwatch %s: %s\n", cmd, err);
        return -1;
    }
    return 0;
}

const char *otw_cli_state_dir(const otw_config *cfg, const char *state_opt)
{
    if (state_opt)
        return state_opt;
    return cfg->state_dir[0] ? cfg->state_dir : OTW_DEFAULT_STATE_DIR_READ;
}
