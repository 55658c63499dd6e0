/* log.h - the one way library code speaks to the operator.
 *
 * Library code says what happened (otw_warn("%s: %s (rest of file
 * ignored)", path, why)); the program decides how it is shown: the command
 * sets the prefix once ("otwatch read"), and lines go to stderr, or to
 * syslog for a daemon. Levels below the threshold cost one comparison.
 * Never on the per-packet path: a message is a syscall. */
#ifndef OTW_LOG_H
#define OTW_LOG_H

#include <stdbool.h>

typedef enum otw_log_level {
    OTW_LOG_DEBUG = 0,
    OTW_LOG_INFO,
    OTW_LOG_WARNING,
    OTW_LOG_ERROR
} otw_log_level;

/* Prefix of every line ("otwatch read"); NULL or "" for none. The string
 * must outlive the logging (a literal). */
void otw_log_set_prefix(const char *prefix);
/* Lines below level are dropped (default: info). */
void otw_log_set_level(otw_log_level level);
/* true: lines go to syslog(3) (LOG_DAEMON) instead of stderr. */
void otw_log_to_syslog(bool on);

void otw_log(otw_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define otw_debug(...) otw_log(OTW_LOG_DEBUG, __VA_ARGS__)
#define otw_info(...) otw_log(OTW_LOG_INFO, __VA_ARGS__)
#define otw_warn(...) otw_log(OTW_LOG_WARNING, __VA_ARGS__)
#define otw_error(...) otw_log(OTW_LOG_ERROR, __VA_ARGS__)

/* Copies text into out with control characters (newlines, escapes) shown
 * as \xNN, so a log line is always one line that says what it says. */
void otw_log_safe(const char *text, char *out, unsigned outsz);

#endif
