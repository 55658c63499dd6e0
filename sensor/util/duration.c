/* duration.c - see duration.h. */
#include "duration.h"

#include <stdio.h>

const char *otw_duration_text(uint64_t us, otw_duration_lang lang, char *buf, size_t n)
{
    static const char *const en[] = {"d", "h", "min", "s"};
    static const char *const ja[] = {"日", "時間", "分", "秒"};
    const char *const *u = lang == OTW_DURATION_JA ? ja : en;
    const char *sep = lang == OTW_DURATION_JA ? "" : " ";
    if (!n)
        return buf;
    uint64_t s = us / 1000000u;
    if (s == 0) {
        snprintf(buf, n, "%llu%s%s", (unsigned long long)(us / 1000u), sep,
                 lang == OTW_DURATION_JA ? "ミリ秒" : "ms");
        return buf;
    }
    uint64_t v[4] = {s / 86400u, s / 3600u % 24u, s / 60u % 60u, s % 60u};
    if (v[0] < 2) { /* under 48 h: hours */
        v[1] += v[0] * 24u;
        v[0] = 0;
    }
    int first = 0;
    while (first < 3 && v[first] == 0)
        first++;
    int len = snprintf(buf, n, "%llu%s%s", (unsigned long long)v[first], sep, u[first]);
    if (first < 3 && v[first + 1] && len >= 0 && (size_t)len < n)
        snprintf(buf + len, n - (size_t)len, "%s%llu%s%s", sep, (unsigned long long)v[first + 1],
                 sep, u[first + 1]);
    return buf;
}
