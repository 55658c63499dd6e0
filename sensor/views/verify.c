/* verify.c - see verify.h. */
#include "verify.h"

#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "chain.h"
#include "store.h"

#define OPS_CHAIN_META "chain_ops" /* written by pipeline/sensor.c */
#define OPS_CHAIN_FILE_META "chain_ops_file"

static otw_msg fault_msg(otw_chain_fault f)
{
    switch (f) {
    case OTW_CF_NO_LINK:
        return OTW_M_VERIFY_CF_NO_LINK;
    case OTW_CF_HEAD:
        return OTW_M_VERIFY_CF_HEAD;
    case OTW_CF_SHORT:
        return OTW_M_VERIFY_CF_SHORT;
    case OTW_CF_ROW_MISSING:
        return OTW_M_VERIFY_CF_ROW_MISSING;
    case OTW_CF_ROW_EDITED:
        return OTW_M_VERIFY_CF_ROW_EDITED;
    case OTW_CF_ROW_UNCHAINED:
        return OTW_M_VERIFY_CF_ROW_UNCHAINED;
    case OTW_CF_HEAD_UNREADABLE:
        return OTW_M_VERIFY_CF_HEAD_UNREADABLE;
    default:
        return OTW_M_VERIFY_CF_LINK;
    }
}

/* The operations log the state's chain is about: as the sensor named it
 * (relative to the state directory, or absolute), else the configuration's. */
static void ops_path(otw_store *st, const otw_config *cfg, const char *dir, char *out, size_t outsz,
                     otw_chain_anchor *anchor, bool *have_anchor)
{
    char name[PATH_MAX + 16], v[160];
    *have_anchor = false;
    out[0] = '\0';
    if (otw_store_meta_get(st, OPS_CHAIN_FILE_META, name, sizeof(name)) != 0) {
        if (!cfg->ops_log[0])
            return;
        snprintf(name, sizeof(name), "%s", cfg->ops_log);
    } else {
        *have_anchor = otw_store_meta_get(st, OPS_CHAIN_META, v, sizeof(v)) == 0 &&
                       otw_chain_anchor_parse(v, anchor) == 0;
    }
    if (name[0] == '/')
        snprintf(out, outsz, "%s", name);
    else
        snprintf(out, outsz, "%s/%s", dir, name);
}

int otw_verify_state(const otw_config *cfg, const char *state_dir, otw_lang lang, FILE *out,
                     char *err, size_t errsz)
{
    otw_store *st = otw_store_open(state_dir, true, err, errsz);
    if (!st)
        return -1;
    otw_chain_check al, op;
    otw_chain recorded;
    if (otw_store_verify_alerts(st, &al, &recorded, err, errsz) != 0) {
        otw_store_close(st);
        return -1;
    }
    char path[PATH_MAX + 600];
    otw_chain_anchor anchor;
    bool have_anchor;
    ops_path(st, cfg, state_dir, path, sizeof(path), &anchor, &have_anchor);
    otw_store_close(st);
    memset(&op, 0, sizeof(op));
    op.ok = true;
    otw_chain_init(&op.head);
    if (path[0] && otw_chain_check_file(path, have_anchor ? &anchor : NULL, &op, err, errsz) != 0)
        return -1;
    const char *(*t)(otw_lang, otw_msg) = otw_i18n;
    if (al.ok && op.ok) {
        char ah[OTW_CHAIN_HEX], oh[OTW_CHAIN_HEX];
        otw_chain_hex(al.head.head, ah);
        otw_chain_hex(op.head.head, oh);
        fprintf(out, "%s: %s %" PRIu64 "%s, %s %s; %s %" PRIu64 "%s, %s %s\n",
                t(lang, OTW_M_VERIFY_INTACT), t(lang, OTW_M_VERIFY_ALERTS), al.checked,
                t(lang, OTW_M_VERIFY_RECORDS), t(lang, OTW_M_VERIFY_HEAD), ah,
                t(lang, OTW_M_VERIFY_OPS), op.checked, t(lang, OTW_M_VERIFY_RECORDS),
                t(lang, OTW_M_VERIFY_HEAD), oh);
        return 0;
    }
    if (!al.ok) {
        fprintf(out, "%s: %s", t(lang, OTW_M_VERIFY_BROKEN), t(lang, OTW_M_VERIFY_ALERTS));
        const char *sep = ": ";
        if (al.bad_line) {
            fprintf(out, "%s%s %" PRIu64, sep, t(lang, OTW_M_VERIFY_RECORD), al.bad_line);
            sep = ", ";
        }
        if (al.bad_id)
            fprintf(out, "%s%s %" PRId64, sep, t(lang, OTW_M_VERIFY_ALERT), al.bad_id);
        if (al.bad_ts[0])
            fprintf(out, ", %s", al.bad_ts);
        fprintf(out, ": %s\n", t(lang, fault_msg(al.fault)));
    }
    if (!op.ok) {
        fprintf(out, "%s: %s: %s %s%" PRIu64 "%s", t(lang, OTW_M_VERIFY_BROKEN),
                t(lang, OTW_M_VERIFY_OPS), path, t(lang, OTW_M_VERIFY_LINE_BEFORE), op.bad_line,
                t(lang, OTW_M_VERIFY_LINE_AFTER));
        if (op.bad_ts[0])
            fprintf(out, ", %s", op.bad_ts);
        fprintf(out, ": %s\n", t(lang, fault_msg(op.fault)));
    }
    return 1;
}
