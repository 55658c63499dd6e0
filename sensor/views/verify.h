/* verify.h - `otwatch verify`: the evidence chains of a state directory
 * (chain.h) recomputed from what is stored: the alerts in state.db, the
 * operations log and its chain file, each against the head the state
 * recorded at its last checkpoint. Read-only: works beside `run`. */
#ifndef OTW_VERIFY_H
#define OTW_VERIFY_H

#include <stdio.h>

#include "config.h"
#include "i18n.h"

/* Prints one line: the records checked and the head of each chain when
 * intact (returns 0), else the first record of each chain that does not
 * match (stream, record or line, alert id, time, why; returns 1). -1 + err
 * when the state cannot be read or has no chain. */
int otw_verify_state(const otw_config *cfg, const char *state_dir, otw_lang lang, FILE *out,
                     char *err, size_t errsz);

#endif
