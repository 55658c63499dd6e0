/* report.h - `otwatch report`: one self-contained HTML file for a boundary
 * review, in Japanese or English.
 *
 *   otwatch report --html FILE [--lang ja|en] [--tz +09:00] [--state DIR] [--config FILE]
 *
 * Contents, all read from the store (read-only, beside a running sensor)
 * and placed with the CURRENT configuration like `otwatch boundary`:
 *  1. summary: assets (and controllers), new devices (NEW_ASSET),
 *     boundary violations (violating communications now; ZONE_VIOLATION
 *     alerts), default credentials (DEFAULT_CREDENTIALS), OT assets reaching
 *     the Internet (assets of control/OT zones in a communication with the
 *     internet zone, or the source of an INTERNET_EXPOSURE alert), program
 *     changes (PROGRAM_CHANGE), remote access (REMOTE_ACCESS), control
 *     commands (CONTROL_COMMAND); assets by zone and role; alerts by
 *     severity and by type;
 *  2. the network map as inline SVG (netmap.h), zones as groups;
 *  3. the boundary table: every communication across zones, violations
 *     first, with zones, names, service, direction, times, counts, conduit
 *     or rule, severity and remote access;
 *  4. the alerts, by severity then time;
 *  5. the asset inventory, by zone.
 *
 * Self-contained: inline CSS and SVG, no script, no external reference, and
 * a Content-Security-Policy that forbids fetching anything. Every string
 * from the store is escaped (netmap.h: otw_nm_xml).
 *
 * Language: --lang, else the locale (LC_ALL, LC_MESSAGES, LANG: "ja..." is
 * Japanese), else English. Times: UTC by default, or the fixed offset of
 * --tz (+HH:MM, -HH:MM, "UTC"), e.g. +09:00 for a plant in Japan; the
 * offset is written in the report header and in the column titles. A fixed
 * offset rather than a zone name keeps the output the same on any host
 * (and the plant's own clock is what the review needs).
 *
 * Deterministic: the same store, configuration, language and offset give
 * the same bytes (no generation time, host or path in the file). */
#ifndef OTW_REPORT_H
#define OTW_REPORT_H

#include <stdio.h>

#include "config.h"
#include "i18n.h"

/* "+09:00", "-05:30", "+0900", "UTC", "Z" -> minutes east of UTC. 0 or -1. */
int otw_report_parse_tz(const char *s, int *minutes);

/* Writes the report. Returns 0, or 1 with a message on stderr. */
int otw_report_write(const otw_config *cfg, const char *state_dir, otw_lang lang, int tz_minutes,
                     FILE *out);

/* The subcommand: argv[0] is "report". Returns the exit status. */

#endif
