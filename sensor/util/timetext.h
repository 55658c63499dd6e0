/* timetext.h - times as people read them, in a fixed offset from UTC (the
 * commands' --tz, minutes east): one formatter for every command and view
 * that words a time, an offset or a length of time. */
#ifndef OTW_TIMETEXT_H
#define OTW_TIMETEXT_H

#include <stdint.h>

#define OTW_TIMETEXT_LEN 40

typedef enum otw_time_unit {
    OTW_TT_MINUTE, /* "2026-12-01 09:00" */
    OTW_TT_SECOND, /* "2026-12-01 09:00:00" */
} otw_time_unit;

/* ts_us in tz minutes east of UTC, to the unit; "-" for 0 (never), "?" if
 * it cannot be shown. */
const char *otw_time_text(uint64_t ts_us, int tz, otw_time_unit unit, char out[OTW_TIMETEXT_LEN]);
/* "+09:00", "-05:30". */
const char *otw_tz_text(int tz, char out[16]);
/* A length of time, coarsest two units: "45s", "15m00s", "2h03m", "3d04h". */
const char *otw_span_text(uint64_t us, char out[32]);

#endif
