/* throttle.c - see throttle.h. */
#include "throttle.h"

#include <stdio.h>
#include <string.h>

static bool slot_idle(const otw_throttle_slot *s, uint64_t now_us)
{
    return !s->client[0] ||
           (s->blocked_until_us <= now_us && now_us - s->last_us > OTW_THROTTLE_WINDOW_US);
}

/* The client's slot; with create, a new one in a free or idle slot, else in
 * the least recently seen slot that is not blocked; NULL when every slot
 * holds a blocked client (the failure then counts only globally). */
static otw_throttle_slot *find_slot(otw_throttle *t, const char *client, bool create,
                                    uint64_t now_us)
{
    otw_throttle_slot *idle = NULL, *oldest_unblocked = NULL;
    for (int i = 0; i < OTW_THROTTLE_SLOTS; i++) {
        otw_throttle_slot *s = &t->slots[i];
        if (s->client[0] && !strcmp(s->client, client))
            return s;
        if (!idle && slot_idle(s, now_us))
            idle = s;
        if (s->blocked_until_us <= now_us &&
            (!oldest_unblocked || s->last_us < oldest_unblocked->last_us))
            oldest_unblocked = s;
    }
    otw_throttle_slot *s = idle ? idle : oldest_unblocked;
    if (!create || !s)
        return NULL;
    memset(s, 0, sizeof(*s));
    snprintf(s->client, sizeof(s->client), "%s", client);
    s->last_us = now_us;
    return s;
}

bool otw_throttle_may_try(otw_throttle *t, const char *client, uint64_t now_us, unsigned *retry_s)
{
    if (now_us - t->global_start_us < OTW_THROTTLE_GLOBAL_WINDOW_US &&
        t->global_failures >= OTW_THROTTLE_GLOBAL_FAILURES) {
        *retry_s =
            (unsigned)((t->global_start_us + OTW_THROTTLE_GLOBAL_WINDOW_US - now_us) / 1000000u) +
            1;
        return false;
    }
    otw_throttle_slot *s = find_slot(t, client, false, now_us);
    if (!s || s->blocked_until_us <= now_us)
        return true;
    *retry_s = (unsigned)((s->blocked_until_us - now_us) / 1000000u) + 1;
    return false;
}

void otw_throttle_failure(otw_throttle *t, const char *client, uint64_t now_us)
{
    if (now_us - t->global_start_us >= OTW_THROTTLE_GLOBAL_WINDOW_US) {
        t->global_start_us = now_us;
        t->global_failures = 0;
    }
    t->global_failures++;
    otw_throttle_slot *s = find_slot(t, client, true, now_us);
    if (!s)
        return;
    if (now_us - s->last_us > OTW_THROTTLE_WINDOW_US)
        s->failures = 0;
    s->failures++;
    s->last_us = now_us;
    if (s->failures >= OTW_THROTTLE_FREE) {
        unsigned shift = s->failures - OTW_THROTTLE_FREE;
        uint64_t wait_s = (uint64_t)OTW_THROTTLE_BASE_S << (shift > 4 ? 4 : shift);
        s->blocked_until_us = now_us + wait_s * 1000000u;
    }
}

void otw_throttle_success(otw_throttle *t, const char *client, uint64_t now_us)
{
    otw_throttle_slot *s = find_slot(t, client, false, now_us);
    if (s)
        memset(s, 0, sizeof(*s));
}
