/* alert_types.h - every alert type the sensor raises, in one table.
 *
 * One row per type: enum id, the name as stored, sent to the SIEM and shown
 * (never change one: stores and collectors carry them), default severity,
 * default MITRE ATT&CK for ICS technique ("" = none) and the message key of
 * its title. Where a raiser picks the severity or technique from what it
 * saw (noted per row), the row holds the usual value and the raiser
 * overrides it.
 *
 * PROTOCOL_EXCEPTIONS is one type whose stored name is built from the
 * protocol: MODBUS_EXCEPTIONS, S7COMM_EXCEPTIONS, ... (otw_alert_init). */
#ifndef OTW_ALERT_TYPES_H
#define OTW_ALERT_TYPES_H

/* X(id, name, severity, technique, message key) */
#define OTW_ALERT_TYPES(X)                                                                         \
    /* novelty (baselines/novelty.c) */                                                            \
    X(NEW_ASSET, "NEW_ASSET", MEDIUM, "T0864", "alert.new_asset")                                  \
    /* HIGH and T0848 Rogue Master between industrial peers */                                     \
    X(NEW_COMMUNICATION, "NEW_COMMUNICATION", LOW, "", "alert.new_communication")                  \
    X(MODBUS_WRITE, "MODBUS_WRITE", MEDIUM, "T0855", "alert.modbus_write")                         \
    X(PROTOCOL_EXCEPTIONS, "PROTOCOL_EXCEPTIONS", MEDIUM, "T0846", "alert.protocol_exceptions")    \
    /* baseline (baselines/baseline.c) */                                                          \
    /* T0845 for an upload, T0857 for firmware */                                                  \
    X(PROGRAM_CHANGE, "PROGRAM_CHANGE", CRITICAL, "T0843", "alert.program_change")                 \
    /* T0816 for a restart or reset, T0836 for a configuration change */                           \
    X(CONTROL_COMMAND, "CONTROL_COMMAND", CRITICAL, "T0858", "alert.control_command")              \
    /* a user added, removed or changed on a controller: T0859 Valid Accounts (an account    */    \
    /* made for later use); always, even while learning */                                         \
    X(ACCOUNT_CHANGE, "ACCOUNT_CHANGE", HIGH, "T0859", "alert.account_change")                     \
    X(NEW_OPERATION, "NEW_OPERATION", HIGH, "T0855", "alert.new_operation")                        \
    X(WRITE_OUT_OF_RANGE, "WRITE_OUT_OF_RANGE", HIGH, "T0836", "alert.write_out_of_range")         \
    X(TIMING_DEVIATION, "TIMING_DEVIATION", MEDIUM, "", "alert.timing_deviation")                  \
    X(DEVICE_SILENT, "DEVICE_SILENT", HIGH, "T0826", "alert.device_silent")                        \
    X(SCAN, "SCAN", HIGH, "T0846", "alert.scan")                                                   \
    /* zones (sensor/pipeline/sensor.c); severity and technique from zones.c */                    \
    X(ZONE_VIOLATION, "ZONE_VIOLATION", HIGH, "T0886", "alert.zone_violation")                     \
    X(REMOTE_ACCESS, "REMOTE_ACCESS", HIGH, "T0886", "alert.remote_access")                        \
    X(ZONE_RESET, "ZONE_RESET", MEDIUM, "", "alert.zone_reset")                                    \
    X(PROTOCOL_MISMATCH, "PROTOCOL_MISMATCH", LOW, "T0885", "alert.protocol_mismatch")             \
    /* credentials (sensor/analysis/creds.c) */                                                    \
    X(DEFAULT_CREDENTIALS, "DEFAULT_CREDENTIALS", CRITICAL, "T0812", "alert.default_credentials")  \
    /* a refused login with a factory default pair: someone trying defaults */                     \
    X(DEFAULT_CREDENTIALS_TRIED, "DEFAULT_CREDENTIALS_TRIED", HIGH, "T0812",                       \
      "alert.default_credentials_tried")                                                           \
    /* HIGH to an OT device or with a weak password */                                             \
    X(CLEARTEXT_LOGIN, "CLEARTEXT_LOGIN", MEDIUM, "T0859", "alert.cleartext_login")                \
    X(BRUTE_FORCE, "BRUTE_FORCE", HIGH, "T0859", "alert.brute_force")                              \
    X(CREDENTIAL_SPRAY, "CREDENTIAL_SPRAY", HIGH, "T0859", "alert.credential_spray")               \
    /* exposure (sensor/analysis/exposure.c); T0869 when the OT asset calls out */                 \
    X(INTERNET_EXPOSURE, "INTERNET_EXPOSURE", HIGH, "T0883", "alert.internet_exposure")            \
    X(SHADOW_IOT, "SHADOW_IOT", HIGH, "T0864", "alert.shadow_iot")                                 \
    X(CLOUD_CONNECTION, "CLOUD_CONNECTION", MEDIUM, "T0822", "alert.cloud_connection")             \
    /* inventory (pipeline/sensor.c): an active device's address claimed by another MAC */         \
    X(ADVERSARY_IN_THE_MIDDLE, "ADVERSARY_IN_THE_MIDDLE", HIGH, "T0830",                           \
      "alert.adversary_in_the_middle")                                                             \
    /* the sensor's own tables (core/alerts.c, pipeline/sensor.c): a flood fills them */           \
    X(TABLE_PRESSURE, "TABLE_PRESSURE", HIGH, "T0814", "alert.table_pressure")                     \
    /* syslog output (sensor/output/syslog_out.c): to the collector only */                        \
    X(SYSLOG_SPOOL_DROPPED, "SYSLOG_SPOOL_DROPPED", HIGH, "", "alert.syslog_spool_dropped")        \
    /* inventory (pipeline/sensor.c): a device takes a new IPv4 address; MEDIUM for a */           \
    /* controller */                                                                               \
    X(ADDRESS_CHANGED, "ADDRESS_CHANGED", LOW, "", "alert.address_changed")

typedef enum otw_alert_type {
    OTW_AT_UNKNOWN = 0, /* a stored name this version does not know */
#define OTW_AT_ENUM(id, name, sev, technique, msgkey) OTW_AT_##id,
    OTW_ALERT_TYPES(OTW_AT_ENUM)
#undef OTW_AT_ENUM
        OTW_AT__COUNT
} otw_alert_type;

/* Name as stored ("UNKNOWN" for OTW_AT_UNKNOWN or out of range). */
const char *otw_alert_type_name(otw_alert_type t);
/* A stored name back to its type; "<PROTOCOL>_EXCEPTIONS" is
 * OTW_AT_PROTOCOL_EXCEPTIONS; OTW_AT_UNKNOWN if none. */
otw_alert_type otw_alert_type_parse(const char *name);
/* Default severity (an otw_severity, alerts.h). */
int otw_alert_type_severity(otw_alert_type t);
const char *otw_alert_type_technique(otw_alert_type t); /* "" if none */
const char *otw_alert_type_msgkey(otw_alert_type t);

#endif
