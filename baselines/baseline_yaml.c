/* baseline_yaml.c - the baseline as YAML text: `otwatch baseline export`
 * (what an engineer reviews and diffs between weeks), its import, and the
 * same text with learning state as the persisted form in the store. */
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "baseline_model.h"
#include "jsonw.h"

#define META_KEY "baseline_model"

/* ------------------------------------------------------------ writing */

static const char *state_name(uint8_t s)
{
    /* one case per line reads as a table */
    /* clang-format off */
    switch (s) {
    case BL_LEARNING_SITE: return "learning";
    case BL_KNOWN: return "known";
    case BL_LEARNING_OWN: return "learning-own";
    case BL_KNOWN_OWN: return "known-own";
    }
    /* clang-format on */
    return "known";
}

static int state_parse(const char *s)
{
    static const char *const names[] = {"learning", "known", "learning-own", "known-own"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

/* The comment that opens the file, its version and mode, and the learning
 * window (with the store's learning state when with_state). */
static void write_header(const otw_baseline *b, FILE *out, bool with_state)
{
    char t1[32], t2[32];
    fprintf(out, "# otwatch baseline: what this plant's normal looks like.\n"
                 "# channels: client -> server, protocol, unit, with the operations seen\n"
                 "# (function, class, address ranges) and the polling rhythm of each\n"
                 "# periodic series; controllers: the longest silence between answers.\n");
    fprintf(out, "version: 1\n");
    fprintf(out, "mode: %s\n", b->mode == OTW_BL_LEARNING ? "learning" : "detecting");
    if (b->learn_start_us) {
        otw_format_ts(b->learn_start_us, t1);
        otw_format_ts(b->learn_until_us, t2);
        fprintf(out, "learning_since: \"%s\"\nlearning_until: \"%s\"\n", t1, t2);
    }
    if (with_state)
        fprintf(out,
                "state: {pending: %d, learn_for_us: %llu, start_us: %llu, until_us: %llu, "
                "accepted: %u}\n",
                b->learn_pending, (unsigned long long)b->learn_for_us,
                (unsigned long long)b->learn_start_us, (unsigned long long)b->learn_until_us,
                b->n_accepted);
}

static void write_accepted_classes(const bl_channel *c, FILE *out)
{
    fprintf(out, "    accepted_program_changes: [");
    int first = 1;
    for (int k = 0; k < OTW_CLASS__COUNT; k++)
        if (c->accepted_classes & (1u << k)) {
            fprintf(out, "%s%s", first ? "" : ", ", otw_class_name((otw_op_class)k));
            first = 0;
        }
    fprintf(out, "]\n");
}

static void write_op(const bl_op *o, FILE *out)
{
    fprintf(out, "      - {function: %u, class: %s, seen: %llu", o->function,
            otw_class_name((otw_op_class)o->op_class), (unsigned long long)o->count);
    if (o->n_ranges) {
        fprintf(out, ", ranges: [");
        for (int r = 0; r < o->n_ranges; r++)
            fprintf(out, "%s\"%u-%u\"", r ? ", " : "", o->ranges[r].lo, o->ranges[r].hi);
        fprintf(out, "]");
    }
    if (o->state == BL_OP_OWN)
        fprintf(out, ", own_window: true");
    if (o->accepted_critical)
        fprintf(out, ", accepted_critical: true");
    fprintf(out, "}\n");
}

static void write_series(const bl_series *s, FILE *out, bool with_state)
{
    fprintf(out, "      - {function: %u, address: %u, period_ms: %u, spread_ms: %u", s->function,
            s->start, s->period_ms, s->mad_ms);
    if (!s->periodic)
        fprintf(out, ", periodic: false");
    /* A bursty master's statistic moved while learning: its range. */
    if (s->periodic && (s->stat_lo_ms != s->period_ms || s->stat_hi_ms != s->period_ms))
        fprintf(out, ", median_lo_ms: %u, median_hi_ms: %u", s->stat_lo_ms, s->stat_hi_ms);
    if (s->accepted)
        fprintf(out, ", accepted: true");
    if (with_state) {
        int n = s->n_samples < BL_SAMPLES ? (int)s->n_samples : BL_SAMPLES;
        fprintf(out, ", n_samples: %u, last_us: %llu, samples: [", s->n_samples,
                (unsigned long long)s->last_us);
        for (int j = 0; j < n; j++)
            fprintf(out, "%s%u", j ? ", " : "", s->samples[j]);
        fprintf(out, "]");
    }
    fprintf(out, "}\n");
}

/* The export shows only periodic series; the store keeps every one. */
static void write_timing(const bl_channel *c, FILE *out, bool with_state)
{
    int shown = 0;
    for (int k = 0; k < c->n_series; k++)
        shown += with_state || c->series[k].periodic;
    fprintf(out, "    timing:%s\n", shown ? "" : " []");
    for (int k = 0; k < c->n_series; k++)
        if (with_state || c->series[k].periodic)
            write_series(&c->series[k], out, with_state);
}

static void write_channel(const bl_channel *c, FILE *out, bool with_state)
{
    char ip1[64], ip2[64];
    fprintf(out, "  - client: \"%s\"\n    server: \"%s\"\n    protocol: %s\n",
            otw_addr_str(&c->client, ip1, sizeof(ip1)), otw_addr_str(&c->server, ip2, sizeof(ip2)),
            otw_proto_name((otw_proto)c->proto));
    if (c->has_unit)
        fprintf(out, "    unit: %u\n", c->unit);
    fprintf(out, "    status: %s\n", state_name(c->state));
    if (c->accepted_classes)
        write_accepted_classes(c, out);
    if (with_state)
        fprintf(out, "    window_until_us: %llu\n", (unsigned long long)c->window_until_us);
    fprintf(out, "    operations:%s\n", c->n_ops ? "" : " []");
    for (int k = 0; k < c->n_ops; k++)
        write_op(&c->ops[k], out);
    write_timing(c, out, with_state);
}

static void write_controller(const bl_ctrl *k, FILE *out, bool with_state)
{
    char ip[64];
    fprintf(
        out, "  - {ip: \"%s\", protocol: %s, status: %s, longest_silence_ms: %llu",
        otw_addr_str(&k->ip, ip, sizeof(ip)), otw_proto_name((otw_proto)k->proto),
        state_name(k->state),
        (unsigned long long)((k->state == BL_KNOWN || k->state == BL_KNOWN_OWN ? k->silence_us
                                                                               : k->max_gap_us) /
                             1000u));
    if (k->accepted)
        fprintf(out, ", accepted: true");
    if (with_state)
        fprintf(out,
                ", window_until_us: %llu, last_answer_us: %llu, last_request_us: %llu, "
                "max_gap_us: %llu, silent: %d, unanswered: %u, unanswered_since_us: %llu",
                (unsigned long long)k->window_until_us, (unsigned long long)k->last_answer_us,
                (unsigned long long)k->last_request_us, (unsigned long long)k->max_gap_us,
                k->silent, k->unanswered, (unsigned long long)k->unanswered_since_us);
    fprintf(out, "}\n");
}

static void write_model(const otw_baseline *b, FILE *out, bool with_state)
{
    char ip[64];
    write_header(b, out, with_state);
    fprintf(out, "channels:%s\n", b->n_channels ? "" : " []");
    for (uint32_t i = 0; i < b->n_channels; i++)
        write_channel(&b->channels[i], out, with_state);
    fprintf(out, "controllers:%s\n", b->n_ctrls ? "" : " []");
    for (uint32_t i = 0; i < b->n_ctrls; i++)
        write_controller(&b->ctrls[i], out, with_state);
    fprintf(out, "scan_exempt:%s\n", b->n_exempt ? "" : " []");
    for (uint32_t i = 0; i < b->n_exempt; i++)
        fprintf(out, "  - \"%s\"\n", otw_addr_str(&b->scan_exempt[i], ip, sizeof(ip)));
}

int otw_baseline_export(const otw_baseline *b, FILE *out)
{
    write_model(b, out, false);
    return ferror(out) ? -1 : 0;
}

/* ------------------------------------------------------------ reading */

typedef struct rd {
    yaml_document_t *doc;
    const char *path;
    char *err;
    size_t errsz;
    int failed;
} rd;

static int rfail(rd *r, const yaml_node_t *n, const char *what)
{
    if (!r->failed)
        snprintf(r->err, r->errsz, "%s:%zu: %s", r->path, n ? n->start_mark.line + 1 : 0, what);
    r->failed = 1;
    return -1;
}

static const yaml_node_t *get(rd *r, const yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(r->doc, p->value);
    }
    return NULL;
}

static const char *str(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int num(rd *r, const yaml_node_t *map, const char *key, unsigned long long max,
               unsigned long long *out, bool required)
{
    const yaml_node_t *n = get(r, map, key);
    const char *s = str(n);
    if (!s) {
        if (required) {
            char msg[96];
            snprintf(msg, sizeof(msg), "missing number '%s'", key);
            return rfail(r, map, msg);
        }
        return 1;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s || v > max) {
        char msg[96];
        snprintf(msg, sizeof(msg), "'%s' must be a number up to %llu", key, max);
        return rfail(r, n, msg);
    }
    *out = v;
    return 0;
}

static bool flag(rd *r, const yaml_node_t *map, const char *key)
{
    const char *s = str(get(r, map, key));
    return s && (strcmp(s, "true") == 0 || strcmp(s, "1") == 0);
}

static int items(const yaml_node_t *n, yaml_node_item_t **start, yaml_node_item_t **top)
{
    if (!n || n->type != YAML_SEQUENCE_NODE)
        return -1;
    *start = n->data.sequence.items.start;
    *top = n->data.sequence.items.top;
    return 0;
}

static void grow_to_list(uint32_t *cap, const yaml_node_t *list)
{
    yaml_node_item_t *it, *top;
    if (items(list, &it, &top) == 0 && (size_t)(top - it) > *cap)
        *cap = (size_t)(top - it) < OTW_BL_TABLE_LIMIT ? (uint32_t)(top - it) : OTW_BL_TABLE_LIMIT;
}

static int read_ops(rd *r, bl_channel *c, const yaml_node_t *list)
{
    yaml_node_item_t *it, *top;
    if (!list)
        return 0;
    if (items(list, &it, &top) < 0)
        return rfail(r, list, "operations must be a list");
    for (; it < top; it++) {
        const yaml_node_t *n = yaml_document_get_node(r->doc, *it);
        unsigned long long fc, seen = 0;
        if (num(r, n, "function", 65535, &fc, true) < 0)
            return -1;
        int cls = OTW_CLASS_OTHER;
        const char *cn = str(get(r, n, "class"));
        for (int k = 0; cn && k < OTW_CLASS__COUNT; k++)
            if (strcmp(cn, otw_class_name((otw_op_class)k)) == 0)
                cls = k;
        bl_op *o = bl_op_add(c, (uint16_t)fc, (uint8_t)cls,
                             flag(r, n, "own_window") ? BL_OP_OWN : BL_OP_SITE);
        if (!o)
            return rfail(r, n, "too many operations on one channel");
        if (num(r, n, "seen", UINT64_MAX, &seen, false) < 0)
            return -1;
        o->count = seen;
        o->accepted_critical = flag(r, n, "accepted_critical");
        yaml_node_item_t *ri, *rt;
        const yaml_node_t *ranges = get(r, n, "ranges");
        if (ranges && items(ranges, &ri, &rt) == 0) {
            for (; ri < rt; ri++) {
                const char *s = str(yaml_document_get_node(r->doc, *ri));
                unsigned lo, hi;
                if (!s || sscanf(s, "%u-%u", &lo, &hi) != 2 || hi < lo)
                    return rfail(r, n, "a range is \"LOW-HIGH\"");
                bl_range_add(o, lo, hi);
            }
        }
    }
    return 0;
}

static int read_timing(rd *r, bl_channel *c, const yaml_node_t *list)
{
    yaml_node_item_t *it, *top;
    if (!list)
        return 0;
    if (items(list, &it, &top) < 0)
        return rfail(r, list, "timing must be a list");
    for (; it < top; it++) {
        const yaml_node_t *n = yaml_document_get_node(r->doc, *it);
        unsigned long long fc, addr, period = 0, spread = 0, ns = 0, last = 0;
        unsigned long long mlo = ULLONG_MAX, mhi = ULLONG_MAX;
        if (num(r, n, "function", 65535, &fc, true) < 0 ||
            num(r, n, "address", UINT32_MAX, &addr, true) < 0 ||
            num(r, n, "period_ms", UINT32_MAX, &period, false) < 0 ||
            num(r, n, "median_lo_ms", UINT32_MAX, &mlo, false) < 0 ||
            num(r, n, "median_hi_ms", UINT32_MAX, &mhi, false) < 0 ||
            num(r, n, "spread_ms", UINT32_MAX, &spread, false) < 0 ||
            num(r, n, "n_samples", UINT32_MAX, &ns, false) < 0 ||
            num(r, n, "last_us", UINT64_MAX, &last, false) < 0)
            return -1;
        if (c->n_series >= BL_MAX_SERIES)
            return rfail(r, n, "too many timing series on one channel");
        bl_series *s = &c->series[c->n_series++];
        memset(s, 0, sizeof(*s));
        s->function = (uint16_t)fc;
        s->start = (uint32_t)addr;
        s->period_ms = (uint32_t)period;
        s->mad_ms = (uint32_t)spread;
        s->stat_lo_ms = mlo == ULLONG_MAX ? (uint32_t)period : (uint32_t)mlo;
        s->stat_hi_ms = mhi == ULLONG_MAX ? (uint32_t)period : (uint32_t)mhi;
        const char *per = str(get(r, n, "periodic"));
        s->periodic = !(per && strcmp(per, "false") == 0) && period > 0;
        s->accepted = flag(r, n, "accepted");
        s->n_samples = (uint32_t)ns;
        s->last_us = last;
        yaml_node_item_t *si, *st;
        const yaml_node_t *samples = get(r, n, "samples");
        int j = 0;
        if (samples && items(samples, &si, &st) == 0)
            for (; si < st && j < BL_SAMPLES; si++) {
                const char *v = str(yaml_document_get_node(r->doc, *si));
                s->samples[j++] = v ? (uint32_t)strtoul(v, NULL, 10) : 0;
            }
    }
    return 0;
}

static int parse_addr(rd *r, const yaml_node_t *map, const char *key, otw_addr *out)
{
    const yaml_node_t *n = get(r, map, key);
    const char *s = str(n);
    if (!s || otw_addr_parse(s, out) != 0) {
        char msg[96];
        snprintf(msg, sizeof(msg), "'%s' must be an IP address", key);
        return rfail(r, n ? n : map, msg);
    }
    return 0;
}

/* "2026-11-23T16:12:04.449004Z" -> microseconds since 1970 (0 if absent
 * or malformed: the window is then informational only). */
static uint64_t parse_ts(const char *s)
{
    unsigned y, mo, d, h, mi, se, us = 0;
    if (!s || sscanf(s, "%4u-%2u-%2uT%2u:%2u:%2u.%6uZ", &y, &mo, &d, &h, &mi, &se, &us) < 6 ||
        y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return 0;
    /* days_from_civil (H. Hinnant) */
    unsigned yy = mo <= 2 ? y - 1 : y;
    unsigned era = yy / 400, yoe = yy - era * 400;
    unsigned doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    uint64_t days = (uint64_t)era * 146097 + doe - 719468;
    return ((days * 86400 + h * 3600u + mi * 60u + se) * 1000000u) + us;
}

/* The protocol a name stands for, or 0 when it names none. */
static int proto_parse(const char *name)
{
    int proto = 0;
    for (int p = 1; name && p < OTW_PROTO__COUNT; p++)
        if (strcmp(name, otw_proto_name((otw_proto)p)) == 0)
            proto = p;
    return proto;
}

/* The top of the file: a mapping with a version we read and a mode. */
static int read_mode(rd *r, const yaml_node_t *root, otw_bl_mode *mode)
{
    if (!root || root->type != YAML_MAPPING_NODE)
        return rfail(r, root, "not a baseline file (expected a mapping at the top)");
    unsigned long long version = 0;
    if (num(r, root, "version", 1000, &version, true) < 0)
        return -1;
    if (version != 1)
        return rfail(r, root, "unsupported baseline version");
    const char *name = str(get(r, root, "mode"));
    if (!name || (strcmp(name, "learning") && strcmp(name, "detecting")))
        return rfail(r, root, "mode must be learning or detecting");
    *mode = strcmp(name, "learning") == 0 ? OTW_BL_LEARNING : OTW_BL_DETECTING;
    return 0;
}

/* Build into a fresh model, so a bad file changes nothing. Its tables hold
 * the whole file even when it is larger than this process's settings (a
 * sensor configured with larger tables saved it). */
static otw_baseline *new_model_for(rd *r, const otw_baseline *b, const yaml_node_t *root)
{
    otw_bl_settings set = b->set;
    set.max_channels = b->cap_channels;
    set.max_controllers = b->cap_ctrls;
    grow_to_list(&set.max_channels, get(r, root, "channels"));
    grow_to_list(&set.max_controllers, get(r, root, "controllers"));
    otw_baseline *nb = otw_baseline_new(&set, b->alerts, b->nov);
    if (!nb)
        rfail(r, root, "out of memory");
    return nb;
}

/* The store keeps the learning state as it was; an exported file has only
 * the window's dates. */
static void read_learning(rd *r, otw_baseline *nb, const otw_baseline *b, const yaml_node_t *root,
                          bool with_state)
{
    nb->learn_pending = false;
    const yaml_node_t *st = get(r, root, "state");
    if (with_state && st) {
        unsigned long long v;
        if (num(r, st, "learn_for_us", UINT64_MAX, &v, false) == 0)
            nb->learn_for_us = v;
        if (num(r, st, "start_us", UINT64_MAX, &v, false) == 0)
            nb->learn_start_us = v;
        if (num(r, st, "until_us", UINT64_MAX, &v, false) == 0)
            nb->learn_until_us = v;
        if (num(r, st, "accepted", UINT32_MAX, &v, false) == 0)
            nb->n_accepted = (uint32_t)v;
        nb->learn_pending = flag(r, st, "pending");
    } else {
        nb->learn_start_us = parse_ts(str(get(r, root, "learning_since")));
        nb->learn_until_us = parse_ts(str(get(r, root, "learning_until")));
    }
    if (!with_state && nb->mode == OTW_BL_LEARNING) {
        /* An imported model in learning mode learns on from the next fact. */
        nb->learn_pending = true;
        nb->learn_for_us = b->learn_for_us ? b->learn_for_us : b->set.learn_for_us;
    }
}

/* Names that are no class are skipped: the list only ever widens what an
 * operator accepted. */
static void read_accepted_classes(rd *r, bl_channel *c, const yaml_node_t *list)
{
    yaml_node_item_t *it, *top;
    if (!list || items(list, &it, &top) != 0)
        return;
    for (; it < top; it++) {
        const char *cn = str(yaml_document_get_node(r->doc, *it));
        for (int k = 0; cn && k < OTW_CLASS__COUNT; k++)
            if (!strcmp(cn, otw_class_name((otw_op_class)k)))
                c->accepted_classes |= (uint16_t)(1u << k);
    }
}

static int read_channel(rd *r, otw_baseline *nb, const yaml_node_t *n)
{
    otw_addr cl, sv;
    if (parse_addr(r, n, "client", &cl) < 0 || parse_addr(r, n, "server", &sv) < 0)
        return -1;
    int proto = proto_parse(str(get(r, n, "protocol")));
    if (!proto)
        return rfail(r, n, "unknown protocol");
    unsigned long long unit = 0, wu = 0;
    int has_unit = num(r, n, "unit", UINT32_MAX, &unit, false);
    if (has_unit < 0 || num(r, n, "window_until_us", UINT64_MAX, &wu, false) < 0)
        return -1;
    bl_channel *c = bl_channel_add(nb, &cl, &sv, (uint8_t)proto, (uint32_t)unit, has_unit == 0);
    if (!c)
        return rfail(r, n, "too many channels");
    const char *status = str(get(r, n, "status"));
    int s = status ? state_parse(status) : BL_KNOWN;
    if (s < 0)
        return rfail(r, n, "status must be learning, known, learning-own or known-own");
    c->state = (uint8_t)s; /* an own window without its end time ends at the next fact */
    c->window_until_us = wu;
    read_accepted_classes(r, c, get(r, n, "accepted_program_changes"));
    if (read_ops(r, c, get(r, n, "operations")) < 0 || read_timing(r, c, get(r, n, "timing")) < 0)
        return -1;
    return 0;
}

static void read_channels(rd *r, otw_baseline *nb, const yaml_node_t *root)
{
    yaml_node_item_t *it, *top;
    const yaml_node_t *chs = get(r, root, "channels");
    if (!chs)
        return;
    if (items(chs, &it, &top) < 0) {
        rfail(r, chs, "channels must be a list");
        return;
    }
    for (; !r->failed && it < top; it++)
        if (read_channel(r, nb, yaml_document_get_node(r->doc, *it)) < 0)
            break;
}

/* A controller's liveness state as the store kept it. A bad number fails
 * the load (recorded in r) but the rest is still read. */
static void read_controller_state(rd *r, bl_ctrl *k, const yaml_node_t *n)
{
    unsigned long long v;
    if (num(r, n, "window_until_us", UINT64_MAX, &v, false) == 0)
        k->window_until_us = v;
    if (num(r, n, "last_answer_us", UINT64_MAX, &v, false) == 0)
        k->last_answer_us = v;
    if (num(r, n, "last_request_us", UINT64_MAX, &v, false) == 0)
        k->last_request_us = v;
    if (num(r, n, "max_gap_us", UINT64_MAX, &v, false) == 0)
        k->max_gap_us = v;
    if (num(r, n, "unanswered", UINT32_MAX, &v, false) == 0)
        k->unanswered = (uint32_t)v;
    if (num(r, n, "unanswered_since_us", UINT64_MAX, &v, false) == 0)
        k->unanswered_since_us = v;
    k->silent = flag(r, n, "silent");
}

static int read_controller(rd *r, otw_baseline *nb, const yaml_node_t *n, bool with_state)
{
    otw_addr ip;
    unsigned long long silence = 0;
    if (parse_addr(r, n, "ip", &ip) < 0 ||
        num(r, n, "longest_silence_ms", UINT64_MAX / 1000, &silence, false) < 0)
        return -1;
    bl_ctrl *k = bl_ctrl_get(nb, &ip, true);
    if (!k)
        return rfail(r, n, "too many controllers");
    /* An unknown name leaves the protocol as it was (0, or an earlier entry's). */
    int proto = proto_parse(str(get(r, n, "protocol")));
    if (proto)
        k->proto = (uint8_t)proto;
    const char *status = str(get(r, n, "status"));
    int s = status ? state_parse(status) : BL_KNOWN;
    k->state = (uint8_t)(s < 0 ? BL_KNOWN : s);
    k->silence_us = silence * 1000u;
    k->max_gap_us = silence * 1000u;
    k->accepted = flag(r, n, "accepted");
    if (with_state)
        read_controller_state(r, k, n);
    return 0;
}

static void read_controllers(rd *r, otw_baseline *nb, const yaml_node_t *root, bool with_state)
{
    yaml_node_item_t *it, *top;
    const yaml_node_t *ks = get(r, root, "controllers");
    if (r->failed || !ks)
        return;
    if (items(ks, &it, &top) < 0) {
        rfail(r, ks, "controllers must be a list");
        return;
    }
    for (; !r->failed && it < top; it++)
        if (read_controller(r, nb, yaml_document_get_node(r->doc, *it), with_state) < 0)
            break;
}

/* Anything but a list here exempts nothing; entries past the table's room
 * are dropped. */
static void read_scan_exempt(rd *r, otw_baseline *nb, const yaml_node_t *root)
{
    yaml_node_item_t *it, *top;
    const yaml_node_t *ex = get(r, root, "scan_exempt");
    if (r->failed || !ex || items(ex, &it, &top) != 0)
        return;
    for (; it < top && nb->n_exempt < BL_MAX_EXEMPT; it++) {
        const char *s = str(yaml_document_get_node(r->doc, *it));
        if (!s || otw_addr_parse(s, &nb->scan_exempt[nb->n_exempt]) != 0) {
            rfail(r, ex, "scan_exempt holds IP addresses");
            return;
        }
        nb->n_exempt++;
    }
}

/* Swap the new model in; the old one's storage goes with nb. What belongs
 * to this process (settings, sinks, clock) stays, and so does the count of
 * accepted alerts unless the store's state brought its own. */
static void swap_in(otw_baseline *b, otw_baseline *nb, bool with_state)
{
    otw_baseline tmp = *b;
    *b = *nb;
    b->set = tmp.set;
    b->alerts = tmp.alerts;
    b->nov = tmp.nov;
    b->now_us = tmp.now_us;
    if (!with_state)
        b->n_accepted = tmp.n_accepted;
    *nb = tmp;
    otw_baseline_free(nb);
    b->known_stale = true;
    b->dirty = true;
}

/* Each reader records the first error in r and reads nothing more once
 * one is recorded; only a clean read replaces the model. */
static int read_model(otw_baseline *b, yaml_document_t *doc, const char *path, bool with_state,
                      char *err, size_t errsz)
{
    rd r = {doc, path, err, errsz, 0};
    const yaml_node_t *root = yaml_document_get_root_node(doc);
    otw_bl_mode mode;
    if (read_mode(&r, root, &mode) < 0)
        return -1;
    otw_baseline *nb = new_model_for(&r, b, root);
    if (!nb)
        return -1;
    nb->mode = mode;
    read_learning(&r, nb, b, root, with_state);
    read_channels(&r, nb, root);
    read_controllers(&r, nb, root, with_state);
    read_scan_exempt(&r, nb, root);
    if (r.failed) {
        otw_baseline_free(nb);
        return -1;
    }
    swap_in(b, nb, with_state);
    return 0;
}

static int load_text(otw_baseline *b, const char *text, size_t len, const char *name,
                     bool with_state, char *err, size_t errsz)
{
    yaml_parser_t p;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&p)) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &doc)) {
        snprintf(err, errsz, "%s:%zu: %s", name, p.problem_mark.line + 1,
                 p.problem ? p.problem : "YAML syntax error");
        yaml_parser_delete(&p);
        return -1;
    }
    int rc = read_model(b, &doc, name, with_state, err, errsz);
    yaml_document_delete(&doc);
    yaml_parser_delete(&p);
    return rc;
}

int otw_baseline_import(otw_baseline *b, const char *path, char *err, size_t errsz)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? cap * 2 : 65536;
            if (cap > (64u << 20)) {
                snprintf(err, errsz, "%s: larger than 64 MB", path);
                free(text);
                if (f != stdin)
                    fclose(f);
                return -1;
            }
            char *t = realloc(text, cap);
            if (!t) {
                free(text);
                if (f != stdin)
                    fclose(f);
                snprintf(err, errsz, "out of memory");
                return -1;
            }
            text = t;
        }
        size_t n = fread(text + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (f != stdin)
        fclose(f);
    int rc = load_text(b, text ? text : "", len, path, false, err, errsz);
    free(text);
    return rc;
}

/* ------------------------------------------------------------ store */

int otw_baseline_save(otw_baseline *b, void *db, char *err, size_t errsz)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    write_model(b, m, true);
    fclose(m);
    sqlite3_stmt *st;
    int rc = -1;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, META_KEY, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, text, (int)len, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        sqlite3_finalize(st);
    }
    if (rc != 0)
        snprintf(err, errsz, "saving the baseline: %s", sqlite3_errmsg(db));
    else
        b->dirty = false;
    free(text);
    return rc;
}

int otw_baseline_load(otw_baseline *b, void *db, char *err, size_t errsz)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key=?", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errsz, "loading the baseline: %s", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_text(st, 1, META_KEY, -1, SQLITE_STATIC);
    int rc = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        int n = sqlite3_column_bytes(st, 0);
        if (text)
            rc = load_text(b, text, (size_t)n, "state.db:" META_KEY, true, err, errsz);
    }
    sqlite3_finalize(st);
    return rc;
}
