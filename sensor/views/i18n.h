/* i18n.h - the message catalog of the reports (`otwatch report`, `otwatch
 * map`): English and Japanese, chosen per call.
 *
 * Japanese follows what a plant engineer and an information-systems
 * department read in their own documents: 資産台帳 (asset inventory), 境界
 * (boundary), 違反 (violation), 重大度 (severity), 既定のパスワード (default
 * credentials), プログラム変更 (program change). Names and messages that
 * come from the store (device names, alert messages) are not translated;
 * alert types, roles, severities, verdicts and zone kinds are.
 *
 * Language choice (otw_lang_default): LC_ALL, else LC_MESSAGES, else LANG
 * (POSIX precedence); "ja..." selects Japanese, anything else English. */
#ifndef OTW_I18N_H
#define OTW_I18N_H

#include <stdbool.h>

#include "alerts.h"
#include "config.h"
#include "inventory.h"
#include "zones.h"

typedef enum otw_lang { OTW_LANG_EN = 0, OTW_LANG_JA } otw_lang;

typedef enum otw_msg {
    OTW_M_TITLE = 0,
    OTW_M_LEAD,
    OTW_M_PERIOD,
    OTW_M_TIMEZONE,
    OTW_M_ZONES_CONFIGURED,
    OTW_M_NO_ZONES,
    OTW_M_GENERATED_BY,
    OTW_M_CONTENTS,
    OTW_M_SEC_SUMMARY,
    OTW_M_SEC_MAP,
    OTW_M_SEC_BOUNDARY,
    OTW_M_SEC_ALERTS,
    OTW_M_SEC_ASSETS,
    OTW_M_SEC_NOTES,
    OTW_M_KPI_ASSETS,
    OTW_M_KPI_NEW,
    OTW_M_KPI_VIOLATIONS,
    OTW_M_KPI_DEFAULT_CREDS,
    OTW_M_KPI_OT_INTERNET,
    OTW_M_KPI_PROGRAM,
    OTW_M_KPI_REMOTE,
    OTW_M_KPI_CONTROL,
    OTW_M_KPI_CONTROLLERS_SUB,
    OTW_M_KPI_ALERTS_SUB,
    OTW_M_KPI_VIOLATIONS_SUB,
    OTW_M_KPI_OT_INTERNET_SUB,
    OTW_M_ASSETS_BY_ZONE,
    OTW_M_ALERTS_BY_SEVERITY,
    OTW_M_ALERTS_BY_TYPE,
    OTW_M_COL_ZONE,
    OTW_M_COL_LEVEL,
    OTW_M_COL_TOTAL,
    OTW_M_ROW_TOTAL,
    OTW_M_COL_TYPE,
    OTW_M_COL_CODE,
    OTW_M_COL_ALERTS,
    OTW_M_COL_OCCURRENCES,
    OTW_M_COL_VERDICT,
    OTW_M_COL_SRC_ZONE,
    OTW_M_COL_SOURCE,
    OTW_M_COL_DST_ZONE,
    OTW_M_COL_DESTINATION,
    OTW_M_COL_SERVICE,
    OTW_M_COL_DIRECTION,
    OTW_M_COL_FIRST_SEEN,
    OTW_M_COL_LAST_SEEN,
    OTW_M_COL_FLOWS,
    OTW_M_COL_PACKETS,
    OTW_M_COL_CONDUIT_RULE,
    OTW_M_COL_SEVERITY,
    OTW_M_COL_REMOTE,
    OTW_M_COL_TIME,
    OTW_M_COL_MESSAGE,
    OTW_M_COL_COUNT,
    OTW_M_COL_TECHNIQUE,
    OTW_M_COL_ID,
    OTW_M_COL_IP,
    OTW_M_COL_MAC,
    OTW_M_COL_NAME,
    OTW_M_COL_VENDOR,
    OTW_M_COL_ROLE,
    OTW_M_COL_PROTO_SERVER,
    OTW_M_COL_PROTO_CLIENT,
    OTW_M_NONE,
    OTW_M_NO_CROSSINGS,
    OTW_M_NO_ALERTS,
    OTW_M_NO_ASSETS,
    OTW_M_OUTSIDE_WINDOW,
    OTW_M_DEFAULT_DENY,
    OTW_M_CROSSINGS_SUMMARY,
    OTW_M_LEGEND_CRITICAL,
    OTW_M_LEGEND_VIOLATION,
    OTW_M_LEGEND_CONDUIT,
    OTW_M_LEGEND_INTERNAL,
    OTW_M_LEGEND_ARROW,
    OTW_M_MAP_EMPTY_ZONE,
    OTW_M_MAP_MORE_ADDRESSES,
    OTW_M_MAP_TITLE,
    OTW_M_NOTE_VERDICTS,
    OTW_M_NOTE_PLACEMENT,
    OTW_M_NOTE_MESSAGES,
    OTW_M_NOTE_COUNTS,
    /* otwatch verify (views/verify.c) */
    OTW_M_VERIFY_INTACT,
    OTW_M_VERIFY_BROKEN,
    OTW_M_VERIFY_ALERTS,
    OTW_M_VERIFY_OPS,
    OTW_M_VERIFY_RECORDS,
    OTW_M_VERIFY_HEAD,
    OTW_M_VERIFY_RECORD,
    OTW_M_VERIFY_ALERT,
    OTW_M_VERIFY_LINE_BEFORE,
    OTW_M_VERIFY_LINE_AFTER,
    OTW_M_VERIFY_CF_LINK,
    OTW_M_VERIFY_CF_NO_LINK,
    OTW_M_VERIFY_CF_HEAD,
    OTW_M_VERIFY_CF_SHORT,
    OTW_M_VERIFY_CF_ROW_MISSING,
    OTW_M_VERIFY_CF_ROW_EDITED,
    OTW_M_VERIFY_CF_ROW_UNCHAINED,
    OTW_M_VERIFY_CF_HEAD_UNREADABLE,
    /* otwatch ops (views/oplist.c) */
    OTW_M_OPS_TITLE,
    OTW_M_OPS_PERIOD,
    OTW_M_OPS_ALL_TIME,
    OTW_M_OPS_COUNT,
    OTW_M_OPS_NONE,
    OTW_M_OPS_NOT_INDEXED,
    OTW_M_OPS_PRUNED,
    OTW_M_OPS_DROPPED,
    OTW_M_OPS_COL_TIME,
    OTW_M_OPS_COL_PROTOCOL,
    OTW_M_OPS_COL_CLIENT,
    OTW_M_OPS_COL_CONTROLLER,
    OTW_M_OPS_COL_FUNCTION,
    OTW_M_OPS_COL_CLASS,
    OTW_M_OPS_COL_TARGET,
    OTW_M_OPS_COL_OUTCOME,
    OTW_M_OPS_COL_RECORD,
    OTW_M_OPS_COL_COUNT,
    OTW_M__COUNT
} otw_msg;

otw_lang otw_lang_default(void);
/* "ja" or "en" (also "ja_JP.UTF-8" style); 0, or -1 if unknown. */
int otw_lang_parse(const char *s, otw_lang *out);
const char *otw_lang_code(otw_lang l); /* "en", "ja" */

/* The text of a message; never NULL. */
const char *otw_i18n(otw_lang l, otw_msg m);
const char *otw_i18n_role(otw_lang l, otw_role r);
const char *otw_i18n_evidence(otw_lang l, otw_evidence ev);
const char *otw_i18n_severity(otw_lang l, otw_severity s);
const char *otw_i18n_place(otw_lang l, otw_place p);
const char *otw_i18n_zone_kind(otw_lang l, otw_zone_kind k);
/* Display name of a zone: configured names as written, the built-in zones
 * "internet" and "unassigned" translated. */
const char *otw_i18n_zone(otw_lang l, const otw_config *cfg, uint8_t zone);
/* Title of an alert type (OTW_AT_ZONE_VIOLATION -> "Zone violation" /
 * "ゾーン境界違反"); NULL for OTW_AT_UNKNOWN (show the stored name). */
const char *otw_i18n_alert_type(otw_lang l, otw_alert_type kind);
/* An operation's class and outcome by their stored names ("write",
 * "no_response"); the name itself when unknown. */
const char *otw_i18n_op_class(otw_lang l, const char *name);
const char *otw_i18n_outcome(otw_lang l, const char *name);

#endif
