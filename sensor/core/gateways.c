/* gateways.c - see gateways.h. */
#include "gateways.h"

#include <stdlib.h>
#include <string.h>

#include "keymap.h"

typedef struct gw_slot {
    uint8_t mac[6];
    uint8_t used;
    uint8_t several; /* a second foreign address was seen */
    otw_addr first;
} gw_slot;

struct otw_gateways {
    gw_slot slots[OTW_GATEWAYS_SLOTS];
    uint32_t n;
    uint64_t refused;
};

otw_gateways *otw_gateways_new(void)
{
    return calloc(1, sizeof(otw_gateways));
}

void otw_gateways_free(otw_gateways *g)
{
    free(g);
}

static uint32_t slot_of(const uint8_t mac[6])
{
    uint8_t key[16] = {0};
    memcpy(key, mac, 6);
    return (uint32_t)otw_hash16(key) & (OTW_GATEWAYS_SLOTS - 1);
}

/* The MAC's slot, or the empty one where it would go; NULL when the probe
 * sequence is exhausted. */
static gw_slot *find(const otw_gateways *g, const uint8_t mac[6])
{
    uint32_t i = slot_of(mac);
    for (uint32_t n = 0; n < OTW_GATEWAYS_SLOTS; n++, i = (i + 1) & (OTW_GATEWAYS_SLOTS - 1)) {
        gw_slot *s = (gw_slot *)&g->slots[i];
        if (!s->used || memcmp(s->mac, mac, 6) == 0)
            return s;
    }
    return NULL;
}

void otw_gateways_note(otw_gateways *g, const uint8_t mac[6], const otw_addr *ip)
{
    if (g == NULL)
        return;
    gw_slot *s = find(g, mac);
    if (s == NULL)
        return;
    if (!s->used) {
        if (g->n >= OTW_GATEWAYS_SLOTS / 2) {
            g->refused++;
            return;
        }
        s->used = 1;
        memcpy(s->mac, mac, 6);
        s->first = *ip;
        g->n++;
        return;
    }
    if (memcmp(&s->first, ip, sizeof(*ip)) != 0)
        s->several = 1;
}

bool otw_gateways_is(const otw_gateways *g, const uint8_t mac[6])
{
    if (g == NULL)
        return false;
    const gw_slot *s = find(g, mac);
    return s && s->used && s->several;
}

uint64_t otw_gateways_refused(const otw_gateways *g)
{
    return g ? g->refused : 0;
}
