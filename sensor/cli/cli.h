/* cli.h - what every command shares: one option parser, the configuration
 * and state directory a command works on, the state lock, and the
 * commands themselves (one file each, cmd_NAME.c).
 *
 * Exit codes: 0 done, 1 failed, 2 usage error, 3 (read) no packet of the
 * captures could be decoded. */
#ifndef OTW_CLI_H
#define OTW_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

enum { OTW_EXIT_OK = 0, OTW_EXIT_FAIL = 1, OTW_EXIT_USAGE = 2, OTW_EXIT_NOTHING_DECODED = 3 };

/* One option of a command: --name VALUE (or -s VALUE), or a flag. */
typedef struct otw_cli_opt {
    const char *name;   /* long name, without the dashes */
    char short_name;    /* 0: long form only */
    bool takes_value;   /* false: a flag (*value becomes "1") */
    const char **value; /* last value given wins */
    /* Repeatable options append here instead (list != NULL). */
    const char **list;
    int *n_list, max_list;
} otw_cli_opt;

#define OTW_OPT(name, short_name, var)                                                             \
    {                                                                                              \
        name, short_name, true, &(var), NULL, NULL, 0                                              \
    }
#define OTW_FLAG(name, short_name, var)                                                            \
    {                                                                                              \
        name, short_name, false, &(var), NULL, NULL, 0                                             \
    }
#define OTW_OPT_LIST(name, array, count, max)                                                      \
    {                                                                                              \
        name, 0, true, NULL, array, &(count), max                                                  \
    }
#define OTW_OPT_END                                                                                \
    {                                                                                              \
        NULL, 0, false, NULL, NULL, NULL, 0                                                        \
    }

/* Parses argv (argv[0] is the command name) up to the first argument that
 * is not an option. opts ends with a {NULL} entry; --help/-h is implicit.
 * Returns 0 with *first_arg set to the first positional argument's index;
 * OTW_CLI_HELP after printing usage on stdout; OTW_EXIT_USAGE after one
 * line on stderr. positional: how many arguments are allowed (-1 any). */
#define OTW_CLI_HELP (-1)
int otw_cli_parse(const char *cmd, int argc, char **argv, const otw_cli_opt *opts,
                  const char *usage, int positional, int *first_arg);

/* Defaults, then path, or OTW_DEFAULT_CONFIG_PATH when path is NULL and that
 * file is readable. *loaded (if not NULL) gets the file read, or NULL for
 * the defaults alone. On error prints "otwatch CMD: ..." and returns -1. */
int otw_cli_config(const char *cmd, const char *path, otw_config *cfg, const char **loaded);
/* The --state option, else the configuration's state_dir, else the default
 * for offline commands. */
const char *otw_cli_state_dir(const otw_config *cfg, const char *state_opt);
/* "280s", "30m", "2h", "7d" or plain seconds -> microseconds. 0 or -1. */
int otw_parse_duration(const char *s, uint64_t *us);
/* A point in time: a duration back from now_us ("24h", "7d"), or a date and
 * time "YYYY-MM-DD[(T| )HH:MM[:SS]][Z|(+|-)HH:MM]" read in tz_minutes east
 * of UTC unless it names its own offset. 0, or -1 if unreadable. */
int otw_parse_when(const char *s, int tz_minutes, uint64_t now_us, uint64_t *us);
/* The window a query command asks about: --tz (minutes east of UTC into
 * *tz, left as it is when tz_text is NULL), then --from and --to read in
 * it (0 when not given). 0, or OTW_EXIT_USAGE after one line on stderr
 * naming the command and the bad option. */
int otw_cli_window(const char *cmd, const char *tz_text, const char *from, const char *to, int *tz,
                   uint64_t *from_us, uint64_t *to_us);
/* One sensor per state directory at a time: the lock's fd, or -1 after
 * saying why on stderr. */
int otw_cli_lock_state(const char *cmd, const char *dir);
/* SIGINT/SIGTERM set *flag. */
void otw_cli_stop_on_signals(volatile sig_atomic_t *flag);

int otw_cmd_read(int argc, char **argv);
int otw_cmd_run(int argc, char **argv);
int otw_cmd_assets(int argc, char **argv);
int otw_cmd_alerts(int argc, char **argv);
int otw_cmd_coverage(int argc, char **argv);
int otw_cmd_ops(int argc, char **argv);
int otw_cmd_investigate(int argc, char **argv);
int otw_cmd_baseline(int argc, char **argv);
int otw_cmd_boundary(int argc, char **argv);
int otw_cmd_report(int argc, char **argv);
int otw_cmd_map(int argc, char **argv);
int otw_cmd_serve(int argc, char **argv);
int otw_cmd_config(int argc, char **argv);
int otw_cmd_verify(int argc, char **argv);

#endif
