/* cli_config.h - what every command does before its work: the
 * configuration (defaults, then the file given or the default file) and the
 * state directory it resolves to. */
#ifndef OTW_CLI_CONFIG_H
#define OTW_CLI_CONFIG_H

#include "config.h"

/* Defaults, then path, or OTW_DEFAULT_CONFIG_PATH when path is NULL and that
 * file is readable. *loaded (if not NULL) gets the file read, or NULL for
 * the defaults alone. On error prints "otwatch CMD: ..." and returns -1. */
int otw_cli_config(const char *cmd, const char *path, otw_config *cfg, const char **loaded);

/* The --state option, else the configuration's state_dir, else the default
 * for offline commands. */
const char *otw_cli_state_dir(const otw_config *cfg, const char *state_opt);

#endif
