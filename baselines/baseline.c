/* baseline.c - learning and detection; see baseline.h.
 *
 * Persistence: the model is kept in the state store as its own YAML text
 * (the same form `otwatch baseline export` prints, plus the samples of a
 * learning still in progress), so the store, the export and the import
 * share one serializer and one parser (baseline_yaml.c). */
#include "baseline.h"
#include "grow.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "baseline_model.h"
#include "duration.h"
#include "keymap.h"

void otw_bl_settings_defaults(otw_bl_settings *s)
{
    memset(s, 0, sizeof(*s));
    s->learn_for_us = 0;
    s->device_learn_for_us = 600ull * 1000000u; /* 10 min of a new channel's routine */
    s->scan_units = 8;
    s->scan_functions = 8;
    s->scan_hosts = 10;
    s->scan_addresses = 32;
    s->scan_bad_addresses = 5;
    s->scan_refused = 10;
    s->scan_window_us = 60ull * 1000000u;
    s->max_channels = 4096;
    s->max_controllers = 4096;
}

/* ------------------------------------------------------------ helpers */

static const char *ip_text(const otw_addr *a, char *buf, size_t n)
{
    return otw_addr_str(a, buf, n);
}

/* An endpoint as people name it: its IP, or its MAC for link-layer
 * protocols (PROFINET DCP has no IP). */
static const char *ep_text(const otw_endpoint *e, char *buf, size_t n)
{
    if (e->has_ip)
        return otw_addr_str(&e->ip, buf, n);
    if (e->has_mac)
        return otw_mac_str(e->mac, buf, n);
    return "?";
}

static bool is_write(uint8_t c)
{
    return c == OTW_CLASS_WRITE;
}

static otw_proto proto_by_name(const char *name)
{
    for (int p = 1; p < OTW_PROTO__COUNT; p++)
        if (strcmp(otw_proto_name((otw_proto)p), name) == 0)
            return (otw_proto)p;
    return OTW_PROTO_NONE;
}

static void channel_key(const otw_addr *client, const otw_addr *server, uint8_t proto,
                        uint32_t unit, bool has_unit, uint8_t out[16])
{
    uint8_t raw[40];
    memcpy(raw, client->b, 16);
    memcpy(raw + 16, server->b, 16);
    raw[32] = proto;
    raw[33] = has_unit;
    memcpy(raw + 34, &unit, 4);
    raw[38] = raw[39] = 0;
    otw_digest128(raw, sizeof(raw), out);
}

/* A small direct-mapped cache in front of the channel table: every
 * operation looks its channel up, and a plant's polls repeat a few
 * channels, so most lookups skip the 128-bit digest. */
static uint32_t channel_slot(const otw_addr *client, const otw_addr *server, uint8_t proto,
                             uint32_t unit)
{
    uint32_t h = 2166136261u;
    for (int i = 8; i < 16; i++)
        h = (h ^ client->b[i] ^ ((uint32_t)server->b[i] << 8)) * 16777619u;
    h = (h ^ proto ^ (unit << 8)) * 16777619u;
    return h % BL_CHANNEL_CACHE;
}

static bool channel_is(const bl_channel *c, const otw_addr *client, const otw_addr *server,
                       uint8_t proto, uint32_t unit, bool has_unit)
{
    return c->proto == proto && c->has_unit == has_unit && (!has_unit || c->unit == unit) &&
           memcmp(&c->client, client, sizeof(*client)) == 0 &&
           memcmp(&c->server, server, sizeof(*server)) == 0;
}

/* The channel, found through the cache or the index; with add, created
 * when absent (*added set). The 128-bit key is computed at most once: a
 * plant with more channels than the table holds asks again for each of its
 * refused channels' operations. */
static bl_channel *channel_lookup(otw_baseline *b, const otw_addr *client, const otw_addr *server,
                                  uint8_t proto, uint32_t unit, bool has_unit, bool add,
                                  bool *added)
{
    if (added)
        *added = false;
    uint32_t slot = channel_slot(client, server, proto, unit);
    uint32_t hit = b->channel_cache[slot];
    if (hit && hit <= b->n_channels &&
        channel_is(&b->channels[hit - 1], client, server, proto, unit, has_unit))
        return &b->channels[hit - 1];
    uint8_t key[16];
    channel_key(client, server, proto, unit, has_unit, key);
    uint32_t idx = otw_keymap_get(&b->channel_index, key);
    if (idx != UINT32_MAX) {
        b->channel_cache[slot] = idx + 1;
        return &b->channels[idx];
    }
    if (!add)
        return NULL;
    if (b->n_channels >= b->cap_channels ||
        otw_keymap_put(&b->channel_index, key, b->n_channels) < 0) {
        b->refused++;
        return NULL;
    }
    bl_channel *c = &b->channels[b->n_channels++];
    memset(c, 0, sizeof(*c));
    c->client = *client;
    c->server = *server;
    c->proto = proto;
    c->unit = unit;
    c->has_unit = has_unit;
    b->channel_cache[slot] = b->n_channels;
    if (added)
        *added = true;
    return c;
}

bl_channel *bl_channel_find(otw_baseline *b, const otw_addr *client, const otw_addr *server,
                            uint8_t proto, uint32_t unit, bool has_unit)
{
    return channel_lookup(b, client, server, proto, unit, has_unit, false, NULL);
}

bl_channel *bl_channel_add(otw_baseline *b, const otw_addr *client, const otw_addr *server,
                           uint8_t proto, uint32_t unit, bool has_unit)
{
    return channel_lookup(b, client, server, proto, unit, has_unit, true, NULL);
}

bl_op *bl_op_find(bl_channel *c, uint16_t function)
{
    for (int i = 0; i < c->n_ops; i++)
        if (c->ops[i].function == function)
            return &c->ops[i];
    return NULL;
}

bl_op *bl_op_add(bl_channel *c, uint16_t function, uint8_t op_class, uint8_t state)
{
    bl_op *o = bl_op_find(c, function);
    if (o)
        return o;
    if (c->n_ops >= BL_MAX_OPS)
        return NULL;
    o = &c->ops[c->n_ops++];
    memset(o, 0, sizeof(*o));
    o->function = function;
    o->op_class = op_class;
    o->state = state;
    return o;
}

/* Adds [lo, hi] to the covering intervals: overlapping or near ranges
 * merge; when full, the two closest intervals merge. */
void bl_range_add(bl_op *o, uint32_t lo, uint32_t hi)
{
    for (int i = 0; i < o->n_ranges; i++) {
        bl_range *r = &o->ranges[i];
        if (lo <= r->hi + BL_RANGE_GAP && hi + BL_RANGE_GAP >= r->lo) {
            r->lo = lo < r->lo ? lo : r->lo;
            r->hi = hi > r->hi ? hi : r->hi;
            return;
        }
    }
    if (o->n_ranges < BL_MAX_RANGES) {
        o->ranges[o->n_ranges].lo = lo;
        o->ranges[o->n_ranges].hi = hi;
        o->n_ranges++;
    } else {
        /* Full: widen the nearest interval (rare: scattered writes). */
        int best = 0;
        uint64_t best_d = UINT64_MAX;
        for (int i = 0; i < o->n_ranges; i++) {
            bl_range *r = &o->ranges[i];
            uint64_t d = lo > r->hi ? (uint64_t)lo - r->hi : hi < r->lo ? (uint64_t)r->lo - hi : 0;
            if (d < best_d) {
                best_d = d;
                best = i;
            }
        }
        bl_range *r = &o->ranges[best];
        r->lo = lo < r->lo ? lo : r->lo;
        r->hi = hi > r->hi ? hi : r->hi;
    }
    /* Keep them sorted for the export. */
    for (int i = 1; i < o->n_ranges; i++)
        for (int k = i; k > 0 && o->ranges[k].lo < o->ranges[k - 1].lo; k--) {
            bl_range t = o->ranges[k];
            o->ranges[k] = o->ranges[k - 1];
            o->ranges[k - 1] = t;
        }
}

/* Inside the learned ranges, with a tolerance of 10% of an interval's
 * width (at least 2 addresses) on each side. */
static bool range_covered(const bl_op *o, uint32_t lo, uint32_t hi)
{
    for (int i = 0; i < o->n_ranges; i++) {
        const bl_range *r = &o->ranges[i];
        uint32_t tol = (r->hi - r->lo) / 10;
        if (tol < 2)
            tol = 2;
        uint32_t rlo = r->lo > tol ? r->lo - tol : 0;
        uint64_t rhi = (uint64_t)r->hi + tol;
        if (lo >= rlo && hi <= rhi)
            return true;
    }
    return false;
}

/* The address space a function works in, so a write is judged against
 * everything the master reads and writes there: Modbus coils (1, 5, 15)
 * and holding registers (3, 6, 16, 22, 23) are two tables; discrete
 * inputs and input registers are read only. Other protocols: the model
 * keeps a function's ranges, not the object (area, DB, tag, device) they
 * were in, so a channel's reads and writes are one space. -1: none (the
 * function's own ranges only). */
static int op_table(uint8_t proto, uint16_t function, uint8_t op_class)
{
    if (proto == OTW_PROTO_MODBUS) {
        switch (function) {
        case 1:
        case 5:
        case 15:
            return 1;
        case 3:
        case 6:
        case 16:
        case 22:
        case 23:
            return 2;
        default:
            return -1;
        }
    }
    return op_class == OTW_CLASS_READ || op_class == OTW_CLASS_WRITE ? 0 : -1;
}

/* Inside what the channel reads or writes in the same table (learned or
 * accepted operations; the tolerance of range_covered). */
static bool in_space(bl_channel *c, const otw_op *op, uint32_t lo, uint32_t hi)
{
    /* The common case first: a poll inside its own function's ranges. */
    const bl_op *own = bl_op_find(c, op->function);
    if (own && range_covered(own, lo, hi))
        return true;
    int table = op_table((uint8_t)op->protocol, op->function, (uint8_t)op->op_class);
    if (table < 0)
        return false;
    for (int i = 0; i < c->n_ops; i++) {
        const bl_op *o = &c->ops[i];
        if (o != own && op_table(c->proto, o->function, o->op_class) == table &&
            range_covered(o, lo, hi))
            return true;
    }
    return false;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint32_t median(const uint32_t *v, int n)
{
    uint32_t tmp[BL_SAMPLES];
    memcpy(tmp, v, (size_t)n * sizeof(uint32_t));
    qsort(tmp, (size_t)n, sizeof(uint32_t), cmp_u32);
    return tmp[n / 2];
}

/* How far an interval may lie from the median and still be "near" it. */
static uint32_t near_band(uint32_t m)
{
    uint32_t band = m * 3 / 10;
    return band < 20 ? 20 : band;
}

/* Median and median absolute deviation of the learning samples; the range
 * of the median of BL_RECENT consecutive intervals (what detection
 * compares). Periodic: a stable rhythm, most intervals (three in four)
 * near the median and the spread within a quarter of the period. */
static void series_finalize(bl_series *s)
{
    int n = s->n_samples < BL_SAMPLES ? (int)s->n_samples : BL_SAMPLES;
    s->periodic = false;
    if (n < BL_MIN_SAMPLES)
        return;
    uint32_t m = median(s->samples, n);
    uint32_t dev[BL_SAMPLES];
    int near = 0;
    for (int i = 0; i < n; i++) {
        dev[i] = s->samples[i] > m ? s->samples[i] - m : m - s->samples[i];
        near += dev[i] <= near_band(m);
    }
    uint32_t mad = median(dev, n);
    s->period_ms = m;
    s->mad_ms = mad;
    s->periodic = m >= 20 && mad * 4 <= m && near * 4 >= n * 3;
    /* Chronological order: the ring starts at the oldest once it wrapped. */
    uint32_t chrono[BL_SAMPLES];
    int first = s->n_samples > BL_SAMPLES ? (int)(s->n_samples % BL_SAMPLES) : 0;
    for (int i = 0; i < n; i++)
        chrono[i] = s->samples[(first + i) % n];
    s->stat_lo_ms = s->stat_hi_ms = m;
    for (int i = 0; i + BL_RECENT <= n; i++) {
        uint32_t w = median(chrono + i, BL_RECENT);
        s->stat_lo_ms = w < s->stat_lo_ms ? w : s->stat_lo_ms;
        s->stat_hi_ms = w > s->stat_hi_ms ? w : s->stat_hi_ms;
    }
    s->n_recent = 0;
}

static bl_series *series_get(bl_channel *c, uint16_t function, uint32_t start, bool create)
{
    for (int i = 0; i < c->n_series; i++)
        if (c->series[i].function == function && c->series[i].start == start)
            return &c->series[i];
    if (!create || c->n_series >= BL_MAX_SERIES)
        return NULL;
    bl_series *s = &c->series[c->n_series++];
    memset(s, 0, sizeof(*s));
    s->function = function;
    s->start = start;
    return s;
}

bl_ctrl *bl_ctrl_get(otw_baseline *b, const otw_addr *ip, bool create)
{
    uint32_t idx = otw_keymap_get(&b->ctrl_index, ip->b);
    if (idx != UINT32_MAX)
        return &b->ctrls[idx];
    if (!create || b->n_ctrls >= b->cap_ctrls ||
        otw_keymap_put(&b->ctrl_index, ip->b, b->n_ctrls) < 0)
        return NULL;
    bl_ctrl *c = &b->ctrls[b->n_ctrls++];
    memset(c, 0, sizeof(*c));
    c->ip = *ip;
    return c;
}

/* ------------------------------------------------------------ lifecycle */

otw_baseline *otw_baseline_new(const otw_bl_settings *set, otw_alert_sink alerts, otw_novelty *nov)
{
    otw_baseline *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->set = *set;
    b->alerts = alerts;
    b->nov = nov;
    /* calloc: pages are touched only as channels are learned */
    b->cap_channels = set->max_channels ? set->max_channels : 1;
    b->cap_ctrls = set->max_controllers ? set->max_controllers : 1;
    b->channels = otw_alloc_table(b->cap_channels, sizeof(bl_channel));
    b->ctrls = calloc(b->cap_ctrls, sizeof(bl_ctrl));
    b->pending = calloc(b->cap_ctrls, sizeof(uint32_t));
    if (!b->channels || !b->ctrls || !b->pending ||
        otw_keymap_init(&b->channel_index, b->cap_channels) < 0 ||
        otw_keymap_init(&b->ctrl_index, b->cap_ctrls) < 0 ||
        otw_keymap_init(&b->scan_index, BL_SCAN_SLOTS) < 0 ||
        otw_keymap_init(&b->known_servers, b->cap_channels) < 0 ||
        otw_keymap_init(&b->known_pairs, b->cap_channels) < 0) {
        otw_baseline_free(b);
        return NULL;
    }
    b->known_stale = true;
    b->mode = set->learn_for_us ? OTW_BL_LEARNING : OTW_BL_DETECTING;
    b->learn_pending = set->learn_for_us != 0; /* the window starts at the first fact */
    return b;
}

void otw_baseline_free(otw_baseline *b)
{
    if (!b)
        return;
    otw_keymap_free(&b->channel_index);
    otw_keymap_free(&b->ctrl_index);
    otw_keymap_free(&b->scan_index);
    otw_keymap_free(&b->known_servers);
    otw_keymap_free(&b->known_pairs);
    free(b->channels);
    free(b->ctrls);
    free(b->pending);
    free(b);
}

otw_bl_mode otw_baseline_mode(const otw_baseline *b)
{
    return b->mode;
}

uint64_t otw_baseline_learn_start(const otw_baseline *b)
{
    return b->learn_start_us;
}

uint64_t otw_baseline_learn_until(const otw_baseline *b)
{
    return b->learn_until_us;
}

void otw_baseline_learn(otw_baseline *b, uint64_t ts_us, uint64_t for_us)
{
    if (!for_us)
        for_us = b->set.learn_for_us ? b->set.learn_for_us : 7ull * 86400u * 1000000u;
    b->mode = OTW_BL_LEARNING;
    b->learn_for_us = for_us;
    if (ts_us) {
        b->learn_start_us = ts_us;
        b->learn_until_us = ts_us + for_us;
        b->learn_pending = false;
    } else {
        b->learn_pending = true;
    }
    b->dirty = true;
}

static void finish_learning(otw_baseline *b)
{
    b->known_stale = true;
    for (uint32_t i = 0; i < b->n_channels; i++) {
        bl_channel *c = &b->channels[i];
        if (c->state == BL_LEARNING_SITE) {
            c->state = BL_KNOWN;
            for (int k = 0; k < c->n_series; k++)
                series_finalize(&c->series[k]);
        }
    }
    for (uint32_t i = 0; i < b->n_ctrls; i++) {
        bl_ctrl *k = &b->ctrls[i];
        if (k->state == BL_LEARNING_SITE) {
            k->state = BL_KNOWN;
            k->silence_us = k->max_gap_us;
        }
    }
    b->mode = OTW_BL_DETECTING;
    b->dirty = true;
}

void otw_baseline_detect(otw_baseline *b)
{
    if (b->mode == OTW_BL_LEARNING)
        finish_learning(b);
    b->learn_pending = false;
    b->dirty = true;
}

void otw_baseline_reset(otw_baseline *b)
{
    otw_keymap_free(&b->channel_index);
    otw_keymap_free(&b->ctrl_index);
    otw_keymap_free(&b->scan_index);
    otw_keymap_init(&b->channel_index, b->cap_channels);
    otw_keymap_init(&b->ctrl_index, b->cap_ctrls);
    otw_keymap_init(&b->scan_index, BL_SCAN_SLOTS);
    b->n_channels = b->n_ctrls = b->n_scans = b->n_pending = 0;
    b->known_stale = true;
    b->sweep_due_us = 0;
    memset(b->channel_cache, 0, sizeof(b->channel_cache));
    b->n_exempt = 0;
    b->learn_start_us = b->learn_until_us = 0;
    otw_baseline_learn(b, 0, 0);
}

void otw_baseline_counts(const otw_baseline *b, otw_bl_counts *out)
{
    memset(out, 0, sizeof(*out));
    out->channels = b->n_channels;
    for (uint32_t i = 0; i < b->n_channels; i++) {
        const bl_channel *c = &b->channels[i];
        if (c->state == BL_KNOWN)
            out->channels_known++;
        out->operations += c->n_ops;
        for (int k = 0; k < c->n_series; k++)
            out->series_periodic += c->series[k].periodic;
    }
    out->controllers = b->n_ctrls;
    out->acceptances = b->n_accepted;
    out->channels_max = b->cap_channels;
    out->controllers_max = b->cap_ctrls;
    out->channels_refused = b->refused;
}

/* The learning window opens at the first fact after `learn` without a
 * time (a fresh state or `baseline learn`). */
static void clock_in(otw_baseline *b, uint64_t ts_us)
{
    if (b->learn_pending && ts_us) {
        b->learn_pending = false;
        b->learn_start_us = ts_us;
        b->learn_until_us = ts_us + (b->learn_for_us ? b->learn_for_us : b->set.learn_for_us);
        b->mode = OTW_BL_LEARNING;
        b->dirty = true;
    }
    if (ts_us > b->now_us)
        b->now_us = ts_us;
    if (b->mode == OTW_BL_LEARNING && b->learn_until_us && b->now_us >= b->learn_until_us)
        finish_learning(b);
}

static bool site_learning(const otw_baseline *b)
{
    return b->mode == OTW_BL_LEARNING;
}

/* ------------------------------------------------------------ alerts */

/* Which of the alerts one operation gave rise to is raised: the most
 * specific. What the message did (a program change, an account change, a
 * control command) says more than that it was part of a scan, which says
 * more than where it wrote, than that its function is new, than that it
 * wrote at all, than the rhythm it kept. */
static int specificity(otw_alert_type t)
{
    switch (t) {
    case OTW_AT_PROGRAM_CHANGE:
    case OTW_AT_ACCOUNT_CHANGE:
    case OTW_AT_CONTROL_COMMAND:
        return 6;
    case OTW_AT_SCAN:
        return 5;
    case OTW_AT_WRITE_OUT_OF_RANGE:
        return 4;
    case OTW_AT_NEW_OPERATION:
        return 3;
    case OTW_AT_MODBUS_WRITE:
        return 2;
    case OTW_AT_TIMING_DEVIATION:
        return 1;
    default:
        return 0;
    }
}

/* Every baseline alert goes through here: inside otw_baseline_op it is
 * held as a finding (bl_flush raises one), elsewhere raised at once. */
static void bl_raise(otw_baseline *b, const otw_alert *al, uint64_t ts_us)
{
    if (!b->collecting) {
        otw_alert_sink_raise(&b->alerts, al, ts_us, 1);
        return;
    }
    if (b->n_found < BL_FINDINGS) {
        b->found[b->n_found].al = *al;
        b->found[b->n_found].ts_us = ts_us;
        b->n_found++;
    }
}

/* One operation, one alert: the most specific finding, with the others
 * named (type and message) at the end of its message. */
static void bl_flush(otw_baseline *b)
{
    b->collecting = false;
    if (!b->n_found)
        return;
    uint32_t best = 0;
    for (uint32_t i = 1; i < b->n_found; i++)
        if (specificity(b->found[i].al.kind) > specificity(b->found[best].al.kind))
            best = i;
    otw_alert al = b->found[best].al;
    for (uint32_t i = 0; i < b->n_found; i++) {
        if (i == best)
            continue;
        size_t len = strnlen(al.message, sizeof(al.message));
        snprintf(al.message + len, sizeof(al.message) - len, " | also %s: %s", b->found[i].al.type,
                 b->found[i].al.message);
    }
    b->n_found = 0;
    otw_alert_sink_raise(&b->alerts, &al, b->found[best].ts_us, 1);
}

/* Starts a baseline alert: the client's port is ephemeral, not part of it. */
static void alert_start(otw_alert *al, otw_alert_type kind, const otw_endpoint *client,
                        const otw_endpoint *server, otw_proto proto)
{
    otw_alert_init(al, kind, client, server, proto ? otw_proto_name(proto) : NULL);
    al->src.port = 0;
}

static void unit_text(const otw_op *op, char *buf, size_t n)
{
    if (op->has_unit)
        snprintf(buf, n, " unit %u", op->unit);
    else
        buf[0] = '\0';
}

static void critical_alerts(otw_baseline *b, bl_channel *c, const otw_op *op,
                            const otw_endpoint *client, const otw_endpoint *server)
{
    otw_alert_type kind;
    const char *technique = NULL, *what = NULL;
    switch (op->op_class) {
    case OTW_CLASS_PROGRAM_DOWNLOAD:
        kind = OTW_AT_PROGRAM_CHANGE, technique = "T0843", what = "program download to";
        break;
    case OTW_CLASS_PROGRAM_UPLOAD:
        kind = OTW_AT_PROGRAM_CHANGE, technique = "T0845", what = "program upload from";
        break;
    case OTW_CLASS_FIRMWARE:
        kind = OTW_AT_PROGRAM_CHANGE, technique = "T0857", what = "firmware change on";
        break;
    case OTW_CLASS_CONTROL: {
        kind = OTW_AT_CONTROL_COMMAND, technique = "T0858", what = "control command to";
        const char *n = op->function_name ? op->function_name : "";
        if (strstr(n, "estart") || strstr(n, "eset") || strstr(n, "eboot"))
            technique = "T0816"; /* Device Restart/Shutdown */
        break;
    }
    case OTW_CLASS_CONFIGURATION:
        kind = OTW_AT_CONTROL_COMMAND, technique = "T0836", what = "configuration change on";
        break;
    case OTW_CLASS_ACCOUNT:
        kind = OTW_AT_ACCOUNT_CHANGE, technique = "T0859", what = "account change on";
        break;
    default:
        return;
    }
    /* A program transfer is one alert per channel and direction, however
     * many messages it takes (S7 needs four); a control command is one
     * alert per command. */
    bool program = op->op_class != OTW_CLASS_CONTROL && op->op_class != OTW_CLASS_CONFIGURATION &&
                   op->op_class != OTW_CLASS_ACCOUNT;
    bl_op *o = c ? bl_op_find(c, op->function) : NULL;
    if (program && c && (c->accepted_classes & (1u << op->op_class)))
        return;
    if (!program && o && o->accepted_critical)
        return;
    otw_alert al;
    alert_start(&al, kind, client, server, op->protocol);
    otw_alert_technique(&al, technique);
    char u[24], a[64], s[64];
    unit_text(op, u, sizeof(u));
    if (program)
        otw_alert_key(&al, "unit=%u class=%s", op->has_unit ? op->unit : 0,
                      otw_class_name(op->op_class));
    else
        otw_alert_key(&al, "unit=%u fc=%u%s%.60s", op->has_unit ? op->unit : 0, op->function,
                      op->object[0] ? " " : "", op->object);
    otw_alert_message(
        &al, "%s %s %s%s: %s (function %u%s%s%s)", ep_text(client, a, sizeof(a)), what,
        ep_text(server, s, sizeof(s)), u, op->function_name ? op->function_name : "?", op->function,
        op->object[0] ? ", " : "", op->object,
        op->outcome == OTW_OUTCOME_EXCEPTION                  ? ", refused by the device"
        : op->outcome == OTW_OUTCOME_NO_RESPONSE              ? ", no answer seen"
        : op->response_ts_us && op->outcome == OTW_OUTCOME_OK ? ", accepted by the device"
                                                              : "");
    bl_raise(b, &al, op->ts_us);
}

/* why: NULL, or what makes it so (severity already chosen by the caller). */
static void new_operation(otw_baseline *b, const bl_channel *c, const otw_op *op,
                          const otw_endpoint *client, const otw_endpoint *server,
                          otw_severity severity, const char *why)
{
    otw_alert al;
    alert_start(&al, OTW_AT_NEW_OPERATION, client, server, op->protocol);
    al.severity = severity;
    otw_alert_key(&al, "unit=%u fc=%u class=%s", op->has_unit ? op->unit : 0, op->function,
                  otw_class_name(op->op_class));
    char expected[160] = "";
    size_t len = 0;
    for (int i = 0; i < c->n_ops && len + 8 < sizeof(expected); i++)
        len += (size_t)snprintf(expected + len, sizeof(expected) - len, "%s%u", i ? "," : "",
                                c->ops[i].function);
    char a[64], s[64], u[24];
    unit_text(op, u, sizeof(u));
    otw_alert_message(
        &al, "New operation %s -> %s%s: %s (function %u, %s); expected functions: %s%s%s",
        ep_text(client, a, sizeof(a)), ep_text(server, s, sizeof(s)), u,
        op->function_name ? op->function_name : "?", op->function, otw_class_name(op->op_class),
        expected[0] ? expected : "none", why ? "; " : "", why ? why : "");
    bl_raise(b, &al, op->ts_us);
}

/* What the channel reads and writes in the write's table: "3-3 (fc 5),
 * 0-3 (fc 1)". */
static void space_text(const bl_channel *c, const otw_op *op, char *buf, size_t n)
{
    int table = op_table((uint8_t)op->protocol, op->function, (uint8_t)op->op_class);
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < c->n_ops; i++) {
        const bl_op *o = &c->ops[i];
        if (o->function != op->function &&
            (table < 0 || op_table(c->proto, o->function, o->op_class) != table))
            continue;
        for (int k = 0; k < o->n_ranges && len + 32 < n; k++)
            len += (size_t)snprintf(buf + len, n - len, "%s%u-%u (fc %u)", len ? ", " : "",
                                    o->ranges[k].lo, o->ranges[k].hi, o->function);
    }
}

static void write_out_of_range(otw_baseline *b, const bl_channel *c, const otw_op *op,
                               const otw_endpoint *client, const otw_endpoint *server)
{
    otw_alert al;
    alert_start(&al, OTW_AT_WRITE_OUT_OF_RANGE, client, server, op->protocol);
    uint32_t lo = op->address_start,
             hi = op->address_start + (op->address_count ? op->address_count - 1 : 0);
    otw_alert_key(&al, "unit=%u fc=%u range=%u-%u", op->has_unit ? op->unit : 0, op->function, lo,
                  hi);
    char expected[160];
    space_text(c, op, expected, sizeof(expected));
    char a[64], s[64], u[24];
    unit_text(op, u, sizeof(u));
    otw_alert_message(&al,
                      "Write outside everything the master reads and writes %s -> %s%s: %s at "
                      "%u-%u%s%s; expected %s",
                      ep_text(client, a, sizeof(a)), ep_text(server, s, sizeof(s)), u,
                      op->function_name ? op->function_name : "?", lo, hi,
                      op->object[0] ? " of " : "", op->object, expected);
    bl_raise(b, &al, op->ts_us);
}

static void timing_deviation(otw_baseline *b, const bl_channel *c, const bl_series *sr,
                             uint32_t seen_ms, uint64_t ts_us)
{
    otw_endpoint client = {0}, server = {0};
    client.has_ip = server.has_ip = true;
    client.ip = c->client;
    server.ip = c->server;
    otw_alert al;
    alert_start(&al, OTW_AT_TIMING_DEVIATION, &client, &server, (otw_proto)c->proto);
    otw_alert_key(&al, "unit=%u fc=%u addr=%u", c->unit, sr->function, sr->start);
    char a[64], s[64];
    otw_alert_message(
        &al,
        "Polling %s -> %s unit %u function %u at %u changed: every %u ms, expected %u ms "
        "(spread %u ms, learned %u-%u ms)",
        ip_text(&c->client, a, sizeof(a)), ip_text(&c->server, s, sizeof(s)), c->unit, sr->function,
        sr->start, seen_ms, sr->period_ms, sr->mad_ms, sr->stat_lo_ms, sr->stat_hi_ms);
    bl_raise(b, &al, ts_us);
}

static void device_silent(otw_baseline *b, bl_ctrl *k, uint64_t now_us)
{
    otw_endpoint dev = {0};
    dev.has_ip = true;
    dev.ip = k->ip;
    otw_alert al;
    alert_start(&al, OTW_AT_DEVICE_SILENT, &dev, NULL, (otw_proto)k->proto);
    char a[64], silent[48], learned[48];
    otw_duration_text(now_us - k->unanswered_since_us, OTW_DURATION_EN, silent, sizeof(silent));
    if (k->silence_us)
        otw_alert_message(
            &al,
            "Controller %s stopped answering: %u requests unanswered for %s; its "
            "longest silence while learning was %s",
            ip_text(&k->ip, a, sizeof(a)), k->unanswered, silent,
            otw_duration_text(k->silence_us, OTW_DURATION_EN, learned, sizeof(learned)));
    else
        otw_alert_message(&al,
                          "Controller %s stopped answering: %u requests unanswered for %s; no "
                          "silence between its answers was learned",
                          ip_text(&k->ip, a, sizeof(a)), k->unanswered, silent);
    bl_raise(b, &al, now_us);
}

/* ------------------------------------------------------------ scans */

static bool exempt(const otw_baseline *b, const otw_addr *ip)
{
    for (uint32_t i = 0; i < b->n_exempt; i++)
        if (memcmp(&b->scan_exempt[i], ip, sizeof(*ip)) == 0)
            return true;
    return false;
}

static bl_scan *scan_slot(otw_baseline *b, const otw_addr *src, const otw_addr *dst, uint64_t now)
{
    uint8_t raw[32], key[16];
    memcpy(raw, src->b, 16);
    if (dst)
        memcpy(raw + 16, dst->b, 16);
    else
        memset(raw + 16, 0xff, 16);
    otw_digest128(raw, sizeof(raw), key);
    uint32_t idx = otw_keymap_get(&b->scan_index, key);
    if (idx == UINT32_MAX) {
        if (b->n_scans >= BL_SCAN_SLOTS || otw_keymap_put(&b->scan_index, key, b->n_scans) < 0) {
            /* Full: start over. Scans are windows of a minute; an old
             * window lost is a scan judged on fewer probes. */
            otw_keymap_free(&b->scan_index);
            otw_keymap_init(&b->scan_index, BL_SCAN_SLOTS);
            b->n_scans = 0;
            otw_keymap_put(&b->scan_index, key, 0);
        }
        idx = b->n_scans++;
        memset(&b->scans[idx], 0, sizeof(bl_scan));
        b->scans[idx].window_start_us = now;
    }
    bl_scan *s = &b->scans[idx];
    if (now > s->window_start_us + b->set.scan_window_us) {
        memset(s, 0, sizeof(*s));
        s->window_start_us = now;
    }
    return s;
}

static int set_bit(uint8_t *bits, unsigned v)
{
    v &= 255;
    if (bits[v >> 3] & (1u << (v & 7)))
        return 0;
    bits[v >> 3] |= (uint8_t)(1u << (v & 7));
    return 1;
}

static void scan_alert(otw_baseline *b, const otw_endpoint *client, const otw_endpoint *server,
                       otw_proto proto, const char *what, uint32_t n, uint64_t ts)
{
    otw_alert al;
    alert_start(&al, OTW_AT_SCAN, client, server, proto);
    otw_alert_key(&al, "%s", what);
    char a[64], s[64];
    otw_alert_message(&al, "%s probes %u %s%s%s within %llu s", ep_text(client, a, sizeof(a)), n,
                      what, server ? " on " : "", server ? ep_text(server, s, sizeof(s)) : "",
                      (unsigned long long)(b->set.scan_window_us / 1000000u));
    bl_raise(b, &al, ts);
}

static int set_bit_n(uint8_t *bits, unsigned nbits, uint32_t v)
{
    v = (v * 2654435761u) >> 7; /* spread neighbouring addresses over the set */
    v %= nbits;
    if (bits[v >> 3] & (1u << (v & 7)))
        return 0;
    bits[v >> 3] |= (uint8_t)(1u << (v & 7));
    return 1;
}

/* What one operation tells about a scan. outside: its address lies outside
 * what the channel read and wrote before it. */
typedef struct scan_facts {
    bool unit_known, function_known, outside;
} scan_facts;

static uint32_t addr_token(const otw_op *op)
{
    int table = op_table((uint8_t)op->protocol, op->function, (uint8_t)op->op_class);
    return op->address_start ^ ((uint32_t)(table + 1) << 24);
}

/* An address sweep: distinct start addresses outside what the channel
 * read and wrote, or answered "illegal address" (Modbus exception 2). One
 * SCAN per sweep: both count on the same alert. */
static void scan_addresses(otw_baseline *b, bl_scan *s, const otw_op *op,
                           const otw_endpoint *client, const otw_endpoint *server, bool outside)
{
    uint32_t tok = addr_token(op);
    if (outside && set_bit_n(s->addrs, sizeof(s->addrs) * 8, tok) &&
        ++s->n_addrs >= b->set.scan_addresses)
        scan_alert(b, client, server, op->protocol, "addresses", s->n_addrs, op->ts_us);
}

static bool illegal_address(const otw_op *op)
{
    return op->protocol == OTW_PROTO_MODBUS && op->outcome == OTW_OUTCOME_EXCEPTION &&
           op->exception_code == 2 && op->has_address && op->request_seen;
}

static void scan_op(otw_baseline *b, const otw_op *op, const otw_endpoint *client,
                    const otw_endpoint *server, const scan_facts *sf)
{
    /* Known unit, function and address: nothing to count (the common case). */
    bool outside = sf->outside && op->has_address && op->address_count;
    if ((sf->unit_known || !op->has_unit) && sf->function_known && !outside)
        return;
    if (exempt(b, &client->ip))
        return;
    bl_scan *s = scan_slot(b, &client->ip, &server->ip, op->ts_us);
    /* Raised at the threshold; every further probe counts on the alert. */
    if (!sf->unit_known && op->has_unit && set_bit(s->units, op->unit))
        if (++s->n_units >= b->set.scan_units)
            scan_alert(b, client, server, op->protocol, "unit ids", s->n_units, op->ts_us);
    if (!sf->function_known && set_bit(s->functions, op->function))
        if (++s->n_functions >= b->set.scan_functions)
            scan_alert(b, client, server, op->protocol, "function codes", s->n_functions,
                       op->ts_us);
    if (outside)
        scan_addresses(b, s, op, client, server, true);
}

static bool scanning(otw_baseline *b, const otw_endpoint *client, const otw_endpoint *server,
                     uint64_t now);

/* An "illegal address" answer to an address not answered so before in
 * this window, or during a reported sweep, is the sweep's (true: counted
 * there, the exception burst does not count it too); a repeated one is a
 * misconfigured poll, left to the exception burst. */
static bool scan_bad_address(otw_baseline *b, const otw_op *op, const otw_endpoint *client,
                             const otw_endpoint *server)
{
    if (!illegal_address(op) || exempt(b, &client->ip))
        return false;
    bl_scan *s = scan_slot(b, &client->ip, &server->ip, op->ts_us);
    if (!set_bit_n(s->bad_addrs, sizeof(s->bad_addrs) * 8, addr_token(op)))
        return scanning(b, client, server, op->ts_us);
    if (++s->n_bad_addrs >= b->set.scan_bad_addresses)
        scan_alert(b, client, server, op->protocol, "addresses", s->n_bad_addrs, op->ts_us);
    return true;
}

/* Is this source already reported scanning this server (function codes or
 * addresses)? Then a new function or a write outside the ranges is part
 * of the scan (counted there), not news of its own: a scan of 100 codes or
 * 3,000 addresses is one alert, not a hundred. */
static bool scanning(otw_baseline *b, const otw_endpoint *client, const otw_endpoint *server,
                     uint64_t now)
{
    bl_scan *s = scan_slot(b, &client->ip, &server->ip, now);
    return s->n_functions >= b->set.scan_functions || s->n_addrs >= b->set.scan_addresses ||
           s->n_bad_addrs >= b->set.scan_bad_addresses;
}

void otw_baseline_refused(otw_baseline *b, const otw_endpoint *client, const otw_endpoint *server,
                          uint64_t ts_us)
{
    clock_in(b, ts_us);
    if (b->mode != OTW_BL_DETECTING || !client->has_ip || !server->has_ip || exempt(b, &client->ip))
        return;
    bl_scan *s = scan_slot(b, &client->ip, NULL, ts_us);
    uint8_t h[16];
    uint8_t raw[18];
    memcpy(raw, server->ip.b, 16);
    raw[16] = (uint8_t)(server->port >> 8);
    raw[17] = (uint8_t)server->port;
    otw_digest128(raw, sizeof(raw), h);
    uint32_t v;
    memcpy(&v, h, 4);
    if (set_bit_n(s->refused, sizeof(s->refused) * 8, v) && ++s->n_refused >= b->set.scan_refused)
        scan_alert(b, client, NULL, OTW_PROTO_NONE, "refused connections (ports or hosts)",
                   s->n_refused, ts_us);
}

void otw_baseline_industrial_flow(otw_baseline *b, const otw_endpoint *client,
                                  const otw_endpoint *server, otw_proto proto, uint64_t ts_us)
{
    clock_in(b, ts_us);
    if (b->mode != OTW_BL_DETECTING || exempt(b, &client->ip))
        return;
    bl_scan *s = scan_slot(b, &client->ip, NULL, ts_us);
    /* Distinct servers: a small open set; the hash byte is enough to count. */
    uint8_t h[16];
    otw_digest128(server->ip.b, 16, h);
    if (set_bit(s->units, h[0]) && ++s->n_units == b->set.scan_hosts)
        scan_alert(b, client, NULL, proto, "industrial hosts", s->n_units, ts_us);
}

/* ------------------------------------------------------------ facts */

void otw_baseline_asset_new(otw_baseline *b, const otw_asset *a, uint64_t ts_us)
{
    clock_in(b, ts_us);
    if (!site_learning(b))
        otw_novelty_asset(b->nov, a, ts_us);
}

void otw_baseline_comm_new(otw_baseline *b, const otw_comm *c, const char *proto_name,
                           const otw_endpoint *client, const otw_endpoint *server,
                           otw_comm_kind kind, uint64_t ts_us)
{
    clock_in(b, ts_us);
    /* ts_us is the communication's first packet; the sensor may register it
     * later (a discovery answered in learning, at its flow's end): first
     * seen inside the learning window, it is learned, not new. */
    bool seen_learning =
        b->learn_until_us && ts_us >= b->learn_start_us && ts_us < b->learn_until_us;
    if (!site_learning(b) && !seen_learning)
        otw_novelty_comm(b->nov, c, proto_name, client, server, kind, ts_us);
}

/* Gives a MAC-only endpoint an address to key on: the MAC in the low bytes
 * of an address no IP uses (a reserved 0xfe-prefixed form), so channels of
 * different stations stay apart. Messages still name the MAC. */
static void key_addr(otw_endpoint *e)
{
    if (e->has_ip || !e->has_mac)
        return;
    memset(e->ip.b, 0, 16);
    e->ip.b[0] = 0xfe;
    e->ip.b[1] = 0xfe;
    memcpy(e->ip.b + 10, e->mac, 6);
}

/* On the pending list when asked after its last answer (see n_pending). */
static void ctrl_pending(otw_baseline *b, bl_ctrl *k)
{
    if (!k->pending && !k->silent && k->last_request_us > k->last_answer_us) {
        k->pending = true;
        b->pending[b->n_pending++] = (uint32_t)(k - b->ctrls);
    }
}

/* A channel first seen learns with the site while the site learns, else in
 * a window of its own. */
static void channel_begin(otw_baseline *b, bl_channel *c, uint64_t ts_us)
{
    c->state = site_learning(b) ? BL_LEARNING_SITE : BL_LEARNING_OWN;
    c->window_until_us = ts_us + b->set.device_learn_for_us;
    b->dirty = true;
}

/* The first operation after a channel's own window ends it: the series it
 * timed become the rhythm it keeps. */
static void channel_learned(otw_baseline *b, bl_channel *c, uint64_t ts_us)
{
    if (c->state == BL_LEARNING_OWN && ts_us >= c->window_until_us) {
        c->state = BL_KNOWN_OWN;
        for (int k = 0; k < c->n_series; k++)
            series_finalize(&c->series[k]);
        b->dirty = true;
    }
}

static bl_op *op_learn(otw_baseline *b, bl_channel *c, const otw_op *op)
{
    bl_op *o = bl_op_add(c, op->function, (uint8_t)op->op_class,
                         c->state == BL_LEARNING_SITE ? BL_OP_SITE : BL_OP_OWN);
    if (o && op->has_address && op->request_seen && op->address_count)
        bl_range_add(o, op->address_start, op->address_start + op->address_count - 1);
    if (o) {
        o->count++;
        b->dirty = true;
    }
    return o;
}

#ifndef NDEBUG
/* new_master() the slow way, over every channel (the debug check). */
static bool new_master_scan(const otw_baseline *b, const otw_addr *client, const otw_addr *server)
{
    bool has_masters = false;
    for (uint32_t i = 0; i < b->n_channels; i++) {
        const bl_channel *c = &b->channels[i];
        if (c->state != BL_KNOWN || memcmp(&c->server, server, sizeof(*server)) != 0)
            continue;
        if (memcmp(&c->client, client, sizeof(*client)) == 0)
            return false;
        has_masters = true;
    }
    return has_masters;
}
#endif

static void pair_key(const otw_addr *client, const otw_addr *server, uint8_t key[16])
{
    uint8_t both[32];
    memcpy(both, client->b, 16);
    memcpy(both + 16, server->b, 16);
    otw_digest128(both, sizeof(both), key);
}

/* The learned channels' ends (known_servers, known_pairs) again: the
 * tables hold at most cap_channels keys each, so they never fill. */
static void known_rebuild(otw_baseline *b)
{
    otw_keymap_clear(&b->known_servers);
    otw_keymap_clear(&b->known_pairs);
    for (uint32_t i = 0; i < b->n_channels; i++) {
        const bl_channel *c = &b->channels[i];
        if (c->state != BL_KNOWN)
            continue;
        uint8_t key[16];
        pair_key(&c->client, &c->server, key);
        otw_keymap_put(&b->known_servers, c->server.b, 1);
        otw_keymap_put(&b->known_pairs, key, 1);
    }
    b->known_stale = false;
}

/* A new master: the server has masters in the learned normal and this
 * client is none of them (a new channel of a learned master is a new unit
 * or function; with nothing learned, as when detecting from the start,
 * nobody is a new master). */
static bool new_master(otw_baseline *b, const otw_addr *client, const otw_addr *server)
{
    if (b->known_stale)
        known_rebuild(b);
    bool is_new = false;
    if (otw_keymap_get(&b->known_servers, server->b) != UINT32_MAX) {
        uint8_t key[16];
        pair_key(client, server, key);
        is_new = otw_keymap_get(&b->known_pairs, key) == UINT32_MAX;
    }
#ifndef NDEBUG
    /* Debug builds check the index against the channels themselves. */
    if (is_new != new_master_scan(b, client, server))
        abort();
#endif
    return is_new;
}

/* Detecting: a function never learned is news (unless part of a scan); a
 * write is judged against everything the master reads and writes in the
 * same table: inside it, expected (a new write function there is low and
 * learned, a new address of a known one is learned); outside it,
 * WRITE_OUT_OF_RANGE. */
static void op_check(otw_baseline *b, bl_channel *c, bl_op *o, const otw_op *op,
                     const otw_endpoint *client, const otw_endpoint *server)
{
    bool addressed = is_write(op->op_class) && op->has_address && op->address_count;
    uint32_t lo = op->address_start, hi = lo + (op->address_count ? op->address_count - 1 : 0);
    bool inside = addressed && in_space(c, op, lo, hi);
    if (!o) {
        /* An unknown function during a scan is the scan's (SCAN). */
        if (scanning(b, client, server, op->ts_us))
            return;
        if (inside) {
            new_operation(b, c, op, client, server, OTW_SEV_LOW,
                          "a write inside the addresses this master already reads or writes "
                          "(learned)");
            bl_op *n = bl_op_add(c, op->function, (uint8_t)op->op_class, BL_OP_SITE);
            if (n) {
                bl_range_add(n, lo, hi);
                n->count++;
                b->dirty = true;
            }
            return;
        }
        new_operation(b, c, op, client, server, OTW_SEV_HIGH, NULL);
        return;
    }
    o->count++;
    if (!addressed || range_covered(o, lo, hi))
        return;
    if (inside) {
        bl_range_add(o, lo, hi); /* a new address inside the space: folds in */
        b->dirty = true;
    } else if (!scanning(b, client, server, op->ts_us)) {
        write_out_of_range(b, c, op, client, server);
    }
}

/* The operation on its channel: learned, or checked against what was.
 * Returns its entry (NULL: none). */
static bl_op *op_seen(otw_baseline *b, bl_channel *c, const otw_op *op, const otw_endpoint *client,
                      const otw_endpoint *server, bool learning)
{
    bl_op *o = bl_op_find(c, op->function);
    bool function_known = o && o->state == BL_OP_SITE;

    /* The first write of a client on a channel, unless writing there is
     * part of the learned normal; critical from a master the server did
     * not have (docs/baselines.md, severity from who and what). */
    if (is_write(op->op_class) && op->request_seen && !site_learning(b) && !function_known) {
        bool rogue = c->state == BL_LEARNING_OWN && new_master(b, &c->client, &c->server);
        otw_alert al;
        if (op->protocol == OTW_PROTO_MODBUS &&
            otw_novelty_write_alert(op, client, server, rogue, &al))
            bl_raise(b, &al, op->ts_us);
        else if (rogue)
            new_operation(b, c, op, client, server, OTW_SEV_CRITICAL,
                          "a write from a master this device did not have");
    }

    if (learning)
        o = op_learn(b, c, op);
    else if (op->request_seen)
        op_check(b, c, o, op, client, server);
    return o;
}

/* How far the median interval may stray from the learned period: four
 * spreads, but no less than 30% of the period nor 20 ms. */
static uint32_t period_tolerance(const bl_series *sr)
{
    uint32_t tol = sr->mad_ms * 4;
    if (tol < sr->period_ms * 3 / 10)
        tol = sr->period_ms * 3 / 10;
    if (tol < 20)
        tol = 20;
    return tol;
}

/* Detecting: the median of the last BL_RECENT intervals against the range
 * it took while learning (a median, so one late answer is no deviation). */
static void series_check(otw_baseline *b, const bl_channel *c, bl_series *sr, uint32_t ms,
                         uint64_t ts_us)
{
    sr->recent[sr->pos] = ms;
    sr->pos = (uint8_t)((sr->pos + 1) % BL_RECENT);
    if (sr->n_recent < BL_RECENT)
        sr->n_recent++;
    if (sr->n_recent == BL_RECENT) {
        uint32_t m = median(sr->recent, BL_RECENT);
        uint32_t lo = sr->stat_lo_ms ? sr->stat_lo_ms : sr->period_ms;
        uint32_t hi = sr->stat_hi_ms > sr->period_ms ? sr->stat_hi_ms : sr->period_ms;
        uint32_t d = m > hi ? m - hi : m < lo ? lo - m : 0;
        if (d > period_tolerance(sr))
            timing_deviation(b, c, sr, m, ts_us);
    }
}

/* Timing: the rhythm of each polled series on the channel. Only cyclic
 * reads have one: writes follow operators and events. */
static void series_seen(otw_baseline *b, bl_channel *c, const otw_op *op, bool learning)
{
    if (op->op_class != OTW_CLASS_READ)
        return;
    bl_series *sr = series_get(c, op->function, op->has_address ? op->address_start : 0, learning);
    if (!sr)
        return;
    if (sr->last_us && op->ts_us > sr->last_us) {
        uint64_t iv = (op->ts_us - sr->last_us) / 1000u;
        uint32_t ms = iv > UINT32_MAX ? UINT32_MAX : (uint32_t)iv;
        if (learning) {
            sr->samples[sr->n_samples % BL_SAMPLES] = ms;
            sr->n_samples++;
        } else if (sr->periodic && !sr->accepted) {
            series_check(b, c, sr, ms, op->ts_us);
        }
    }
    sr->last_us = op->ts_us;
}

/* A controller first asked learns like a channel; the sweep must come by
 * when its own window ends. */
static void ctrl_begin(otw_baseline *b, bl_ctrl *k, const otw_op *op)
{
    k->proto = (uint8_t)op->protocol;
    k->state = site_learning(b) ? BL_LEARNING_SITE : BL_LEARNING_OWN;
    k->window_until_us = op->ts_us + b->set.device_learn_for_us;
    if (k->state == BL_LEARNING_OWN && k->window_until_us < b->sweep_due_us)
        b->sweep_due_us = k->window_until_us;
}

/* An answer: while learning, the gap since the last one may widen what
 * silence is normal. */
static void ctrl_answer(bl_ctrl *k, uint64_t response_ts_us)
{
    if (k->last_answer_us && response_ts_us > k->last_answer_us) {
        uint64_t gap = response_ts_us - k->last_answer_us;
        if ((k->state == BL_LEARNING_SITE || k->state == BL_LEARNING_OWN) && gap > k->max_gap_us)
            k->max_gap_us = gap;
    }
    if (response_ts_us > k->last_answer_us)
        k->last_answer_us = response_ts_us;
    k->silent = false;
}

/* Liveness: how long a controller can be silent while asked. */
static void ctrl_seen(otw_baseline *b, const otw_op *op, const otw_addr *server_ip)
{
    bl_ctrl *k = bl_ctrl_get(b, server_ip, true);
    if (!k)
        return;
    if (!k->proto)
        ctrl_begin(b, k, op);
    if (op->request_seen && op->ts_us > k->last_request_us)
        k->last_request_us = op->ts_us;
    if (op->response_ts_us) {
        ctrl_answer(k, op->response_ts_us);
        if (op->response_ts_us >= k->unanswered_since_us) {
            k->unanswered = 0;
            k->unanswered_since_us = 0;
        }
    } else if (op->request_seen && op->ts_us > k->last_answer_us) {
        /* Unanswered (the dissector gave up waiting): silence counts from the
         * oldest such request. */
        if (!k->unanswered || op->ts_us < k->unanswered_since_us)
            k->unanswered_since_us = op->ts_us;
        k->unanswered++;
    }
    ctrl_pending(b, k);
}

void otw_baseline_op(otw_baseline *b, const otw_op *op, const otw_endpoint *client,
                     const otw_endpoint *server, uint32_t server_asset)
{
    (void)server_asset;
    clock_in(b, op->ts_us);
    /* Link-layer protocols have MACs, not IPs: a channel is keyed by them. */
    otw_endpoint cl = *client, sv = *server;
    key_addr(&cl);
    key_addr(&sv);
    client = &cl;
    server = &sv;
    bool added = false;
    bl_channel *c = channel_lookup(b, &client->ip, &server->ip, (uint8_t)op->protocol, op->unit,
                                   op->has_unit, true, &added);
    /* For scans, a unit is unknown when its channel is new with this op (or
     * the table has no room to know it). */
    scan_facts sf = {.unit_known = c != NULL && !added};
    if (added)
        channel_begin(b, c, op->ts_us);
    /* What the channel knew before this operation teaches it anything. */
    bool function_before = false;
    if (c) {
        function_before = bl_op_find(c, op->function) != NULL;
        uint32_t lo = op->address_start, n = op->address_count;
        sf.outside = op->has_address && n && !in_space(c, op, lo, lo + n - 1);
    }
    /* One operation, one alert: what the rules below find is merged. */
    b->collecting = true;
    b->n_found = 0;
    critical_alerts(b, c, op, client, server);
    /* Illegal-address answers to new addresses are an address sweep's. */
    if (site_learning(b) || !scan_bad_address(b, op, client, server))
        otw_novelty_exceptions(b->nov, op, client, server);
    if (c) {
        channel_learned(b, c, op->ts_us);
        bool learning = c->state == BL_LEARNING_SITE || c->state == BL_LEARNING_OWN;
        bl_op *o = op_seen(b, c, op, client, server, learning);
        /* For function sweeps a function is unknown when not learned, or
         * when a channel learning its own routine meets it refused (a new
         * master sweeping codes: they come back "illegal function"). */
        sf.function_known = o != NULL && (function_before || op->outcome != OTW_OUTCOME_EXCEPTION ||
                                          c->state != BL_LEARNING_OWN);
        if (!site_learning(b) && op->request_seen)
            scan_op(b, op, client, server, &sf);
        if (op->request_seen)
            series_seen(b, c, op, learning);
    }
    bl_flush(b);
    if (!c)
        return;
    ctrl_seen(b, op, &server->ip);
}

static void ctrl_learned(bl_ctrl *k, uint64_t now_us)
{
    if (k->state == BL_LEARNING_OWN && now_us >= k->window_until_us) {
        k->state = BL_KNOWN_OWN;
        k->silence_us = k->max_gap_us;
    }
}

/* Silent: at least two requests unanswered, the oldest of them much
 * longer ago than any silence seen while learning. A client's own pause
 * is no silence: only unanswered requests count. */
static bool ctrl_silent(const otw_baseline *b, const bl_ctrl *k, uint64_t now_us)
{
    if (b->mode != OTW_BL_DETECTING || k->accepted || k->silent || !k->last_answer_us ||
        (k->state != BL_KNOWN && k->state != BL_KNOWN_OWN))
        return false;
    uint64_t limit = k->silence_us * 3;
    if (limit < k->silence_us + 10ull * 1000000u)
        limit = k->silence_us + 10ull * 1000000u;
    return k->unanswered >= 2 && k->unanswered_since_us &&
           now_us > k->unanswered_since_us + limit && k->last_request_us > k->last_answer_us;
}

/* Every controller: learning-own windows that ended, and the pending list
 * rebuilt (after a load it is empty). Rare: see sweep_due_us. */
static void ctrl_sweep(otw_baseline *b, uint64_t now_us)
{
    uint64_t due = now_us + BL_SWEEP_EVERY_US;
    b->n_pending = 0;
    for (uint32_t i = 0; i < b->n_ctrls; i++) {
        bl_ctrl *k = &b->ctrls[i];
        ctrl_learned(k, now_us);
        if (k->state == BL_LEARNING_OWN && k->window_until_us < due)
            due = k->window_until_us;
        k->pending = false;
        ctrl_pending(b, k);
    }
    b->sweep_due_us = due;
}

void otw_baseline_tick(otw_baseline *b, uint64_t now_us)
{
    clock_in(b, now_us);
    if (now_us >= b->sweep_due_us)
        ctrl_sweep(b, now_us);
    for (uint32_t i = 0; i < b->n_pending;) {
        bl_ctrl *k = &b->ctrls[b->pending[i]];
        ctrl_learned(k, now_us);
        bool silent = ctrl_silent(b, k, now_us);
        if (silent) {
            k->silent = true;
            device_silent(b, k, now_us);
        }
        if (silent || k->silent || k->last_request_us <= k->last_answer_us) {
            k->pending = false; /* answered (or alerted): off the list */
            b->pending[i] = b->pending[--b->n_pending];
            continue;
        }
        i++;
    }
}

/* ------------------------------------------------------------ accept */

static int parse_key(const char *key, const char *name, uint32_t *out)
{
    const char *p = strstr(key, name);
    if (!p)
        return -1;
    p += strlen(name);
    char *end;
    unsigned long v = strtoul(p, &end, 10);
    if (end == p)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int otw_baseline_accept(otw_baseline *b, const otw_alert *a, char *err, size_t errsz)
{
    uint32_t unit = 0, fc = 0, lo = 0, hi = 0, addr = 0;
    bool has_unit = parse_key(a->key, "unit=", &unit) == 0;
    parse_key(a->key, "fc=", &fc);
    otw_proto proto = proto_by_name(a->protocol);
    bl_channel *c = NULL;
    if (a->src.has_ip && a->dst.has_ip && proto)
        c = bl_channel_find(b, &a->src.ip, &a->dst.ip, (uint8_t)proto, unit, has_unit);
    b->n_accepted++;
    b->dirty = true;
    if (a->kind == OTW_AT_PROGRAM_CHANGE) {
        /* This station may transfer programs (this way) to this device. */
        if (!c)
            c = bl_channel_add(b, &a->src.ip, &a->dst.ip, (uint8_t)proto, unit, has_unit);
        const char *cn = strstr(a->key, "class=");
        for (int k = 0; c && cn && k < OTW_CLASS__COUNT; k++)
            if (!strcmp(cn + 6, otw_class_name((otw_op_class)k)))
                c->accepted_classes |= 1u << k;
        if (!c) {
            snprintf(err, errsz, "the baseline has no room for this channel");
            return -1;
        }
        return 0;
    }
    if (a->kind == OTW_AT_NEW_OPERATION || a->kind == OTW_AT_MODBUS_WRITE ||
        a->kind == OTW_AT_WRITE_OUT_OF_RANGE || a->kind == OTW_AT_CONTROL_COMMAND ||
        a->kind == OTW_AT_ACCOUNT_CHANGE) {
        if (!c)
            c = bl_channel_add(b, &a->src.ip, &a->dst.ip, (uint8_t)proto, unit, has_unit);
        if (!c) {
            snprintf(err, errsz, "the baseline has no room for this channel");
            return -1;
        }
        if (c->state == BL_LEARNING_OWN || c->state == BL_KNOWN_OWN)
            c->state = BL_KNOWN;
        b->known_stale = true;
        if (a->kind == OTW_AT_MODBUS_WRITE) {
            /* Writes by this client on this channel become normal. */
            for (int i = 0; i < c->n_ops; i++)
                if (c->ops[i].op_class == OTW_CLASS_WRITE)
                    c->ops[i].state = BL_OP_SITE;
            return 0;
        }
        int cls = OTW_CLASS_OTHER;
        const char *cn = strstr(a->key, "class=");
        for (int k = 0; cn && k < OTW_CLASS__COUNT; k++)
            if (strncmp(cn + 6, otw_class_name((otw_op_class)k),
                        strlen(otw_class_name((otw_op_class)k))) == 0)
                cls = k;
        if (a->kind == OTW_AT_WRITE_OUT_OF_RANGE)
            cls = OTW_CLASS_WRITE;
        if (a->kind == OTW_AT_ACCOUNT_CHANGE)
            cls = OTW_CLASS_ACCOUNT;
        bl_op *o = bl_op_add(c, (uint16_t)fc, (uint8_t)cls, BL_OP_SITE);
        if (!o) {
            snprintf(err, errsz, "the channel has no room for another operation");
            return -1;
        }
        o->state = BL_OP_SITE;
        if (a->kind == OTW_AT_WRITE_OUT_OF_RANGE) {
            o->op_class = OTW_CLASS_WRITE;
            if (sscanf(strstr(a->key, "range=") ? strstr(a->key, "range=") : "", "range=%u-%u", &lo,
                       &hi) == 2)
                bl_range_add(o, lo, hi);
        }
        if (a->kind == OTW_AT_CONTROL_COMMAND || a->kind == OTW_AT_ACCOUNT_CHANGE)
            o->accepted_critical = true;
        return 0;
    }
    if (a->kind == OTW_AT_TIMING_DEVIATION) {
        parse_key(a->key, "addr=", &addr);
        bl_series *sr = c ? series_get(c, (uint16_t)fc, addr, false) : NULL;
        if (sr)
            sr->accepted = true;
        return 0;
    }
    if (a->kind == OTW_AT_DEVICE_SILENT) {
        bl_ctrl *k = a->src.has_ip ? bl_ctrl_get(b, &a->src.ip, false) : NULL;
        if (k)
            k->accepted = true;
        return 0;
    }
    if (a->kind == OTW_AT_SCAN) {
        if (a->src.has_ip && !exempt(b, &a->src.ip) && b->n_exempt < BL_MAX_EXEMPT)
            b->scan_exempt[b->n_exempt++] = a->src.ip;
        return 0;
    }
    /* NEW_ASSET, NEW_COMMUNICATION and the rest: the device or the talker
     * is in the inventory now; the acceptance is the record. */
    return 0;
}
