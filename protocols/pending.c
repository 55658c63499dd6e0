/* pending.c - per-flow pending request table; see pending.h. */
#include "pending.h"

#include <string.h>

static char *entry_at(void *items, size_t size, uint32_t i)
{
    return (char *)items + (size_t)i * size;
}

void otw_pending_remove(void *items, size_t size, uint32_t *n, uint32_t i)
{
    if (i + 1 < *n)
        memmove(entry_at(items, size, i), entry_at(items, size, i + 1), (*n - i - 1) * size);
    (*n)--;
}

void otw_pending_take(void *items, size_t size, uint32_t *n, uint32_t i, void *out)
{
    memcpy(out, entry_at(items, size, i), size);
    otw_pending_remove(items, size, n, i);
}

bool otw_pending_push(void *items, size_t size, uint32_t cap, uint32_t *n, int dup,
                      const void *entry, otw_pending_fn unanswered, void *ctx, const otw_sink *sink)
{
    bool evicted = false;
    if (dup >= 0 && (uint32_t)dup < *n) {
        unanswered(ctx, entry_at(items, size, (uint32_t)dup), sink);
        otw_pending_remove(items, size, n, (uint32_t)dup);
    }
    if (*n >= cap) {
        unanswered(ctx, entry_at(items, size, 0), sink);
        otw_pending_remove(items, size, n, 0);
        evicted = true;
    }
    memcpy(entry_at(items, size, (*n)++), entry, size);
    return evicted;
}

void otw_pending_expire(void *items, size_t size, uint32_t cap, uint32_t *n, size_t ts_off,
                        uint64_t now, uint64_t timeout_us, otw_pending_fn unanswered, void *ctx,
                        const otw_sink *sink)
{
    uint32_t kept = 0;
    if (*n > cap)
        *n = cap;
    uint32_t count = *n;
    for (uint32_t i = 0; i < count; i++) {
        char *e = entry_at(items, size, i);
        uint64_t ts;
        memcpy(&ts, e + ts_off, sizeof(ts));
        if (otw_pending_timed_out(ts, now, timeout_us))
            unanswered(ctx, e, sink);
        else if (kept++ != i)
            memmove(entry_at(items, size, kept - 1), e, size);
    }
    *n = kept;
}
