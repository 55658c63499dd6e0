/* timetext.c - see timetext.h. */
#include "timetext.h"

#include <stdio.h>
#include <time.h>

const char *otw_time_text(uint64_t ts_us, int tz, otw_time_unit unit, char out[OTW_TIMETEXT_LEN])
{
    if (!ts_us) {
        snprintf(out, OTW_TIMETEXT_LEN, "-");
        return out;
    }
    time_t t = (time_t)(ts_us / 1000000u) + (time_t)tz * 60;
    struct tm tm;
    size_t n = !gmtime_r(&t, &tm)      ? 0
               : unit == OTW_TT_SECOND ? strftime(out, OTW_TIMETEXT_LEN, "%Y-%m-%d %H:%M:%S", &tm)
                                       : strftime(out, OTW_TIMETEXT_LEN, "%Y-%m-%d %H:%M", &tm);
    if (n == 0)
        snprintf(out, OTW_TIMETEXT_LEN, "?");
    return out;
}

const char *otw_tz_text(int tz, char out[16])
{
    int a = tz < 0 ? -tz : tz;
    snprintf(out, 16, "%c%02d:%02d", tz < 0 ? '-' : '+', (a / 60) % 100, a % 60);
    return out;
}

const char *otw_span_text(uint64_t us, char out[32])
{
    unsigned long long s = us / 1000000u;
    if (s < 60)
        snprintf(out, 32, "%llus", s);
    else if (s < 3600)
        snprintf(out, 32, "%llum%02llus", s / 60, s % 60);
    else if (s < 86400)
        snprintf(out, 32, "%lluh%02llum", s / 3600, s % 3600 / 60);
    else
        snprintf(out, 32, "%llud%02lluh", s / 86400, s % 86400 / 3600);
    return out;
}
