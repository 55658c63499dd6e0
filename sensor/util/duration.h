/* duration.h - a length of time as people read it: "3 h 2 min", "45 s",
 * "850 ms" (English) or "3時間2分", "45秒", "850ミリ秒" (Japanese). The two
 * largest units that are not zero, truncated; days from 48 hours on. */
#ifndef OTW_DURATION_H
#define OTW_DURATION_H

#include <stddef.h>
#include <stdint.h>

typedef enum otw_duration_lang { OTW_DURATION_EN = 0, OTW_DURATION_JA } otw_duration_lang;

/* Writes the text into buf (always terminated) and returns buf. */
const char *otw_duration_text(uint64_t us, otw_duration_lang lang, char *buf, size_t n);

#endif
