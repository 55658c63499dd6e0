/* summary.h - the line `read` and `run` end with. */
#ifndef OTW_CLI_SUMMARY_H
#define OTW_CLI_SUMMARY_H

#include <stdint.h>

#include "sensor.h"

void otw_cli_print_summary(const char *cmd, otw_sensor *s, const char *state,
                           uint32_t assets_before, uint32_t alerts_before);

#endif
