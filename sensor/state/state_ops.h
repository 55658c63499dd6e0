/* state_ops.h - every change an operator makes to a state directory, one
 * API for the command line and the console alike: accepting an alert into
 * the baseline, and the baseline's learn, detect, reset and import.
 *
 * Changes that rewrite the model need the state to themselves (no sensor
 * running on it); an acceptance is only recorded while a sensor runs, and
 * that sensor applies it at its next checkpoint. These functions never
 * print: they return 0, or -1 with a one-line reason in err. */
#ifndef OTW_STATE_OPS_H
#define OTW_STATE_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "baseline.h"
#include "config.h"

typedef struct otw_accept_result {
    bool applied;  /* false: recorded, the running sensor applies it */
    char type[64]; /* the accepted alert's type and message (when applied) */
    char message[512];
} otw_accept_result;

int otw_state_accept(const otw_config *cfg, const char *dir, int64_t alert_id, const char *reason,
                     otw_accept_result *res, char *err, size_t errsz);

typedef struct otw_baseline_status {
    otw_bl_mode mode;
    uint64_t learn_start_us, learn_until_us;
    otw_bl_counts counts;
} otw_baseline_status;

/* Read-only. acceptances (may be NULL): one line per recorded acceptance;
 * *n_acceptances gets their number. */
int otw_state_baseline_status(const otw_config *cfg, const char *dir, otw_baseline_status *out,
                              FILE *acceptances, int *n_acceptances, char *err, size_t errsz);
/* (Re)starts learning with the next packet, for for_us (0 = the default). */
int otw_state_baseline_learn(const otw_config *cfg, const char *dir, uint64_t for_us, char *err,
                             size_t errsz);
int otw_state_baseline_detect(const otw_config *cfg, const char *dir, char *err, size_t errsz);
int otw_state_baseline_reset(const otw_config *cfg, const char *dir, char *err, size_t errsz);
/* Imports a YAML model; counts (may be NULL) gets what was imported. */
int otw_state_baseline_import(const otw_config *cfg, const char *dir, const char *path,
                              otw_bl_counts *counts, char *err, size_t errsz);
/* Writes the learned model as YAML to out. */
int otw_state_baseline_export(const otw_config *cfg, const char *dir, FILE *out, char *err,
                              size_t errsz);

#endif
