/* siem_format.h - one alert as a SIEM message: syslog header (RFC 5424 or
 * RFC 3164) around a payload in one of five formats.
 *
 *  rfc5424  structured data [otwatch@32473 id= type= severity= src= dst=
 *           protocol= technique= count=] and the text (RFC 5424 6.3.3
 *           escaping: '"', '\', ']' get a backslash).
 *  cef      ArcSight CEF:0 (CEF Implementation Standard): header fields
 *           escape '|' and '\' with a backslash; extension values escape
 *           '\' and '=' with a backslash, newline as \n, carriage return as
 *           \r. Severity 0-10.
 *  leef     QRadar LEEF:2.0 with a declared attribute delimiter (default tab,
 *           declared as x09). LEEF has no escape for attribute values: the
 *           delimiter, tab, CR and LF in a value become a space, as IBM's
 *           guidelines require them absent. Severity sev=1-10.
 *  ecs      one JSON object with Elastic Common Schema field names (event.*,
 *           rule.*, source.*, destination.*, network.*, observer.*,
 *           threat.* with MITRE ATT&CK for ICS, otwatch.* for the rest).
 *  text     one human-readable line.
 *
 * Everything from the wire (message, key, protocol) is hostile: invalid
 * UTF-8 becomes U+FFFD, control characters never reach the output raw, so
 * a message is always one line.
 */
#ifndef OTW_SIEM_FORMAT_H
#define OTW_SIEM_FORMAT_H

#include <stddef.h>

#include "alerts.h"
#include "config.h"

typedef struct otw_siem_opts {
    otw_syslog_fmt format;
    otw_syslog_hdr header;
    char leef_delimiter;  /* '\t' or a punctuation character */
    const char *hostname; /* observer / syslog HOSTNAME */
    const char *app;      /* APP-NAME / TAG */
    int pid;              /* PROCID, <= 0 = "-" */
    const char *version;  /* observer.version, CEF/LEEF device version */
} otw_siem_opts;

/* The whole syslog message (no transport framing), NUL-terminated. Returns
 * its length, or 0 when it does not fit in outsz. */
size_t otw_siem_message(const otw_siem_opts *o, const otw_alert *a, char *out, size_t outsz);

/* The payload alone (CEF:0|..., LEEF:2.0|..., {...}, text; for rfc5424 the
 * SD element, a space and the text). 0 when it does not fit. */
size_t otw_siem_payload(const otw_siem_opts *o, const otw_alert *a, char *out, size_t outsz);

/* Name of a MITRE ATT&CK for ICS technique ("T0843" -> "Program Download"),
 * NULL when unknown. */
const char *otw_attack_ics_name(const char *technique_id);

/* "tcp", "udp" or NULL (unknown or both) for an alert's protocol name. */
const char *otw_siem_transport(const char *protocol);

/* Numeric severities: CEF and LEEF 0-10, ECS event.severity. */
int otw_siem_cef_severity(otw_severity s);
int otw_siem_ecs_severity(otw_severity s);

#endif
