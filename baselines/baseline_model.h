/* baseline_model.h - the baseline's data, shared by baseline.c (learning
 * and detection) and baseline_yaml.c (export, import, persistence). */
#ifndef OTW_BASELINE_MODEL_H
#define OTW_BASELINE_MODEL_H

#include "baseline.h"
#include "keymap.h"

#define BL_MAX_OPS 24    /* functions per channel */
#define BL_MAX_RANGES 8  /* covering intervals per function */
#define BL_RANGE_GAP 8   /* addresses this close merge into one interval */
#define BL_MAX_SERIES 16 /* polled series per channel */
#define BL_SAMPLES 48    /* intervals kept while learning a series */
#define BL_MIN_SAMPLES 8 /* fewer: not enough to call it periodic */
#define BL_RECENT 8      /* intervals judged together while detecting */
#define BL_SCAN_SLOTS 4096
#define BL_MAX_EXEMPT 64
#define BL_SWEEP_EVERY_US (300ull * 1000000u)
#define BL_CHANNEL_CACHE 256 /* direct-mapped lookup cache slots */
#define BL_FINDINGS 6        /* alerts one operation may give rise to (merged into one) */

/* Channel and controller states. */
enum {
    BL_LEARNING_SITE = 0, /* learned in the site's learning window */
    BL_KNOWN,             /* learned (site window ended, or accepted) */
    BL_LEARNING_OWN,      /* first seen while detecting: its own short window */
    BL_KNOWN_OWN          /* its own window ended */
};
/* Operation states. */
enum {
    BL_OP_SITE = 0, /* part of the site's normal (learned or accepted) */
    BL_OP_OWN       /* learned in a new channel's own window */
};

typedef struct bl_range {
    uint32_t lo, hi;
} bl_range;

typedef struct bl_op {
    uint16_t function;
    uint8_t op_class;
    uint8_t state;
    bool accepted_critical; /* PROGRAM_CHANGE / CONTROL_COMMAND accepted */
    uint8_t n_ranges;
    bl_range ranges[BL_MAX_RANGES];
    uint64_t count;
} bl_op;

typedef struct bl_series {
    uint16_t function;
    uint32_t start;
    uint64_t last_us;
    uint32_t n_samples;
    uint32_t samples[BL_SAMPLES]; /* ms between requests, while learning */
    bool periodic, accepted;
    uint32_t period_ms, mad_ms;
    /* The range the median of BL_RECENT intervals took while learning: a
     * bursty master's statistic moves, and only leaving that range is a
     * deviation. Both equal period_ms for a steady one. */
    uint32_t stat_lo_ms, stat_hi_ms;
    uint8_t n_recent, pos;
    uint32_t recent[BL_RECENT];
} bl_series;

typedef struct bl_channel {
    otw_addr client, server;
    uint8_t proto;
    bool has_unit;
    uint32_t unit;
    uint8_t state;
    uint16_t accepted_classes; /* PROGRAM_CHANGE accepted, bit per otw_op_class */
    uint64_t window_until_us;
    uint8_t n_ops, n_series;
    bl_op ops[BL_MAX_OPS];
    bl_series series[BL_MAX_SERIES];
} bl_channel;

typedef struct bl_ctrl {
    otw_addr ip;
    uint8_t proto, state;
    bool accepted, silent;
    bool pending; /* in the pending list: asked after its last answer */
    uint64_t window_until_us;
    uint64_t last_answer_us, last_request_us;
    uint64_t max_gap_us; /* longest silence between answers while learning */
    uint64_t silence_us; /* the learned value */
    /* Requests not answered since the last answer, and when the oldest was
     * sent: silence is counted from it, not from the last answer (a client
     * that paused is not a silent controller). */
    uint32_t unanswered;
    uint64_t unanswered_since_us;
} bl_ctrl;

typedef struct bl_scan {
    uint64_t window_start_us;
    uint8_t units[32], functions[32];
    uint8_t addrs[64], refused[64]; /* hashed: distinct addresses, refused host:ports */
    uint8_t bad_addrs[64];          /* addresses answered "illegal address" */
    uint32_t n_units, n_functions, n_addrs, n_refused, n_bad_addrs;
} bl_scan;

/* An alert an operation gave rise to, held until the operation is judged
 * whole: one operation raises one alert (the most specific), the others
 * are named in its message. */
typedef struct bl_finding {
    otw_alert al;
    uint64_t ts_us;
} bl_finding;

struct otw_baseline {
    otw_bl_settings set;
    otw_alert_sink alerts;
    otw_novelty *nov;
    otw_bl_mode mode;
    bool learn_pending;
    uint64_t learn_for_us, learn_start_us, learn_until_us, now_us;
    bl_channel *channels; /* cap_channels of them: (client, server, protocol, unit) */
    uint32_t n_channels, cap_channels;
    uint32_t channel_cache[BL_CHANNEL_CACHE]; /* channel index + 1, 0 = empty */
    otw_keymap channel_index;
    /* Who the learned (BL_KNOWN) channels connect, for new_master(): server
     * IPs, and digests of (client, server) IPs. Rebuilt from the channels
     * when stale: a channel becomes BL_KNOWN only when learning ends, at an
     * acceptance or at a load, never one by one on the per-packet path. */
    otw_keymap known_servers, known_pairs;
    bool known_stale;
    bl_ctrl *ctrls;
    uint32_t n_ctrls, cap_ctrls;
    /* Silence can only start with a request after the last answer: the
     * controllers in that state are the only ones a tick must look at. */
    uint32_t *pending; /* cap_ctrls of them */
    uint32_t n_pending;
    /* When every controller is looked at again: the end of the first
     * learning-own window, and at least every BL_SWEEP_EVERY_US; 0 after a
     * load, so the pending list is rebuilt from what was loaded. */
    uint64_t sweep_due_us;
    otw_keymap ctrl_index;
    bl_scan scans[BL_SCAN_SLOTS];
    uint32_t n_scans;
    otw_keymap scan_index;
    otw_addr scan_exempt[BL_MAX_EXEMPT];
    uint32_t n_exempt;
    uint32_t n_accepted;
    uint64_t refused;
    bool collecting; /* inside otw_baseline_op: alerts become findings */
    uint32_t n_found;
    bl_finding found[BL_FINDINGS];
    bool dirty;
};

bl_channel *bl_channel_find(otw_baseline *b, const otw_addr *client, const otw_addr *server,
                            uint8_t proto, uint32_t unit, bool has_unit);
bl_channel *bl_channel_add(otw_baseline *b, const otw_addr *client, const otw_addr *server,
                           uint8_t proto, uint32_t unit, bool has_unit);
bl_op *bl_op_find(bl_channel *c, uint16_t function);
bl_op *bl_op_add(bl_channel *c, uint16_t function, uint8_t op_class, uint8_t state);
void bl_range_add(bl_op *o, uint32_t lo, uint32_t hi);
bl_ctrl *bl_ctrl_get(otw_baseline *b, const otw_addr *ip, bool create);

#endif
