/* alert_types.c - see alert_types.h. */
#include "alert_types.h"

#include <string.h>

#include "alerts.h"

typedef struct alert_type_row {
    const char *name;
    otw_severity severity;
    const char *technique;
    const char *msgkey;
} alert_type_row;

static const alert_type_row rows[OTW_AT__COUNT] = {
    [OTW_AT_UNKNOWN] = {"UNKNOWN", OTW_SEV_INFO, "", "alert.unknown"},
#define OTW_AT_ROW(id, name, sev, technique, msgkey)                                               \
    [OTW_AT_##id] = {name, OTW_SEV_##sev, technique, msgkey},
    OTW_ALERT_TYPES(OTW_AT_ROW)
#undef OTW_AT_ROW
};

static const alert_type_row *row(otw_alert_type t)
{
    return (unsigned)t < OTW_AT__COUNT ? &rows[t] : &rows[OTW_AT_UNKNOWN];
}

const char *otw_alert_type_name(otw_alert_type t)
{
    return row(t)->name;
}

otw_alert_type otw_alert_type_parse(const char *name)
{
    for (int t = OTW_AT_UNKNOWN + 1; t < OTW_AT__COUNT; t++)
        if (strcmp(rows[t].name, name) == 0)
            return (otw_alert_type)t;
    static const char suffix[] = "_EXCEPTIONS";
    size_t n = strlen(name), ns = sizeof(suffix) - 1;
    if (n > ns && strcmp(name + n - ns, suffix) == 0)
        return OTW_AT_PROTOCOL_EXCEPTIONS;
    return OTW_AT_UNKNOWN;
}

int otw_alert_type_severity(otw_alert_type t)
{
    return (int)row(t)->severity;
}

const char *otw_alert_type_technique(otw_alert_type t)
{
    return row(t)->technique;
}

const char *otw_alert_type_msgkey(otw_alert_type t)
{
    return row(t)->msgkey;
}
