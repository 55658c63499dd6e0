/* pending.h - the per-flow table of requests waiting for their response.
 *
 * The request/response dissectors (Modbus, DNP3, S7comm, FINS, SLMP,
 * MELSOFT, HART-IP, IEC 104, BACnet, OPC UA, SNMP) each keep a small array
 * of pending requests in arrival order ([0] the oldest) and a uint32_t
 * count. Their table work is the same whatever the entry: remove one and
 * close the gap, admit a new one (giving up a superseded or the oldest
 * entry), expire the old ones. It is done here once, over the entry size.
 *
 * Use the OTW_PENDING_* macros, not the functions: they take the array
 * itself, so size and capacity come from its declaration (a pointer is
 * rejected by -Wsizeof-pointer-div), and the entry and timestamp types are
 * checked at compile time. Each entry type has a uint64_t ts_us (request
 * capture time). Given-up entries go to the dissector's `unanswered`
 * callback, which emits them with OTW_OUTCOME_NO_RESPONSE.
 *
 * Pure: all state is the caller's table; no globals, no allocation.
 */
#ifndef OTW_PENDING_H
#define OTW_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "facts.h"

/* Emits one request that got no response. ctx is what the caller passed
 * (its session when the op needs it, else NULL). */
typedef void (*otw_pending_fn)(void *ctx, const void *entry, const otw_sink *sink);

/* A request captured at req_ts has timed out at now; timeout_us == 0 (flow
 * end) times everything out, a clock going backwards nothing. */
static inline bool otw_pending_timed_out(uint64_t req_ts, uint64_t now, uint64_t timeout_us)
{
    return timeout_us == 0 || (now >= req_ts && now - req_ts > timeout_us);
}

void otw_pending_remove(void *items, size_t size, uint32_t *n, uint32_t i);
void otw_pending_take(void *items, size_t size, uint32_t *n, uint32_t i, void *out);
bool otw_pending_push(void *items, size_t size, uint32_t cap, uint32_t *n, int dup,
                      const void *entry, otw_pending_fn unanswered, void *ctx,
                      const otw_sink *sink);
void otw_pending_expire(void *items, size_t size, uint32_t cap, uint32_t *n, size_t ts_off,
                        uint64_t now, uint64_t timeout_us, otw_pending_fn unanswered, void *ctx,
                        const otw_sink *sink);

/* Capacity of a pending array. */
#define OTW_PENDING_CAP(arr) ((uint32_t)(sizeof(arr) / sizeof((arr)[0])))

/* 0, but only compiles when *entry can be stored in arr (same entry type). */
#define OTW_PENDING_SAME_(arr, entry) (0 * sizeof((arr)[0] = *(entry)))

/* Offset of the uint64_t ts_us in arr's entries (a negative array size
 * when it is not 8 bytes). */
#define OTW_PENDING_TS_OFF_(arr)                                                                   \
    ((size_t)((const char *)&(arr)[0].ts_us - (const char *)&(arr)[0]) +                           \
     0 * sizeof(char[sizeof((arr)[0].ts_us) == sizeof(uint64_t) ? 1 : -1]))

/* Removes entry i (< *n); later entries move down, order is kept. */
#define OTW_PENDING_REMOVE(arr, n, i) otw_pending_remove((arr), sizeof((arr)[0]), (n), (i))

/* Copies entry i (< *n) to *out and removes it. */
#define OTW_PENDING_TAKE(arr, n, i, out)                                                           \
    otw_pending_take((arr), sizeof((arr)[0]) + OTW_PENDING_SAME_(arr, out), (n), (i), (out))

/* Appends *entry as the newest request. First the entry dup (>= 0; -1 for
 * none) that the new one supersedes is given up, then, when the table is
 * full, the oldest: each goes to unanswered as it leaves. Returns true when
 * the oldest was evicted (the caller counts it). *n must be <= capacity. */
#define OTW_PENDING_PUSH(arr, n, dup, entry, unanswered, ctx, sink)                                \
    otw_pending_push((arr), sizeof((arr)[0]) + OTW_PENDING_SAME_(arr, entry),                      \
                     OTW_PENDING_CAP(arr), (n), (dup), (entry), (unanswered), (ctx), (sink))

/* Gives up, oldest first, every request timed out at now (all of them when
 * timeout_us is 0) and keeps the others in order. A count above the
 * capacity (a corrupted slot) is clamped first. */
#define OTW_PENDING_EXPIRE(arr, n, now, timeout_us, unanswered, ctx, sink)                         \
    otw_pending_expire((arr), sizeof((arr)[0]), OTW_PENDING_CAP(arr), (n),                         \
                       OTW_PENDING_TS_OFF_(arr), (now), (timeout_us), (unanswered), (ctx), (sink))

#endif
