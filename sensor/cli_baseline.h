/* cli_baseline.h - the `otwatch baseline` subcommands. */
#ifndef OTW_CLI_BASELINE_H
#define OTW_CLI_BASELINE_H

#include <stdint.h>

#include "config.h"

/* argv[0] is the subcommand; cfg gives the baseline table sizes. Returns the
 * exit status. */
int otw_cmd_baseline(const otw_config *cfg, const char *state_dir, int argc, char **argv);
/* "280s", "30m", "2h", "7d" or plain seconds -> microseconds. 0 or -1. */
int otw_parse_duration(const char *s, uint64_t *us);

#endif
