/* throttle.h - login throttling for the console.
 *
 * Per client address: five failures are free within five minutes, then the
 * client waits 30 s, doubling to 8 min. The table is bounded; a blocked
 * client is never forgotten to make room (an attacker with 129 addresses
 * must not buy the first one an amnesty). Across all clients, a budget of
 * failures per minute: rotating addresses, or more clients than the table
 * holds, buy no more guesses than that. */
#ifndef OTW_THROTTLE_H
#define OTW_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#define OTW_THROTTLE_SLOTS 128
#define OTW_THROTTLE_FREE 5                       /* failures before a client waits */
#define OTW_THROTTLE_WINDOW_US (300ull * 1000000) /* failures older than this are forgotten */
#define OTW_THROTTLE_BASE_S 30u                   /* first wait, doubling to 16x */
#define OTW_THROTTLE_GLOBAL_FAILURES 30           /* per minute, all clients together */
#define OTW_THROTTLE_GLOBAL_WINDOW_US (60ull * 1000000)

typedef struct otw_throttle_slot {
    char client[64];
    unsigned failures;
    uint64_t last_us, blocked_until_us;
} otw_throttle_slot;

typedef struct otw_throttle {
    otw_throttle_slot slots[OTW_THROTTLE_SLOTS];
    uint64_t global_start_us; /* the current global window */
    unsigned global_failures;
} otw_throttle;

/* true if client may try to log in now; else *retry_s says when. */
bool otw_throttle_may_try(otw_throttle *t, const char *client, uint64_t now_us, unsigned *retry_s);
void otw_throttle_failure(otw_throttle *t, const char *client, uint64_t now_us);
/* A successful login clears the client's failures. */
void otw_throttle_success(otw_throttle *t, const char *client, uint64_t now_us);

#endif
