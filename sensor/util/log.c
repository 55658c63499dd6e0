/* log.c - see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

static const char *log_prefix = "otwatch";
static otw_log_level log_threshold = OTW_LOG_INFO;
static bool log_syslog;

void otw_log_set_prefix(const char *prefix)
{
    log_prefix = prefix ? prefix : "";
}

void otw_log_set_level(otw_log_level level)
{
    log_threshold = level;
}

void otw_log_to_syslog(bool on)
{
    log_syslog = on;
}

void otw_log_safe(const char *text, char *out, unsigned outsz)
{
    static const char hex[] = "0123456789abcdef";
    unsigned o = 0;
    if (outsz == 0)
        return;
    for (const unsigned char *p = (const unsigned char *)text; *p && o + 1 < outsz; p++) {
        if (*p >= 0x20 && *p != 0x7f) {
            out[o++] = (char)*p;
            continue;
        }
        if (o + 5 > outsz)
            break;
        out[o++] = '\\';
        out[o++] = 'x';
        out[o++] = hex[*p >> 4];
        out[o++] = hex[*p & 15];
    }
    out[o] = '\0';
}

void otw_log(otw_log_level level, const char *fmt, ...)
{
    /* Errors read as the commands always wrote them: "otwatch CMD: what". */
    static const char *const level_word[] = {"debug: ", "", "warning: ", ""};
    static const int syslog_priority[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR};
    if (level < log_threshold || level > OTW_LOG_ERROR)
        return;
    char text[1024], safe[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    otw_log_safe(text, safe, sizeof(safe));
    if (log_syslog) {
        syslog(LOG_DAEMON | syslog_priority[level], "%s%s", level_word[level], safe);
        return;
    }
    if (log_prefix[0])
        fprintf(stderr, "%s: %s%s\n", log_prefix, level_word[level], safe);
    else
        fprintf(stderr, "%s%s\n", level_word[level], safe);
}
