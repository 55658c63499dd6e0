/* comms.c - see comms.h. */
#include "comms.h"
#include "grow.h"

#include <stdlib.h>
#include <string.h>

#include "keymap.h"

struct otw_comms {
    otw_comm *items;
    uint32_t n, cap;
    otw_keymap index;
    otw_keymap by_service; /* (client, server, port, transport) -> first named comm */
    uint64_t refused;
};

otw_comms *otw_comms_new(uint32_t cap)
{
    otw_comms *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->cap = cap ? cap : 1;
    c->items = otw_alloc_table(c->cap, sizeof(otw_comm));
    if (!c->items || otw_keymap_init(&c->index, c->cap) < 0 ||
        otw_keymap_init(&c->by_service, c->cap) < 0) {
        otw_keymap_free(&c->index);
        free(c->items);
        free(c);
        return NULL;
    }
    return c;
}

void otw_comms_free(otw_comms *c)
{
    if (!c)
        return;
    otw_keymap_free(&c->index);
    otw_keymap_free(&c->by_service);
    free(c->items);
    free(c);
}

static void comm_key(const otw_addr *client, const otw_addr *server, uint16_t proto_key,
                     uint16_t port, uint8_t transport, uint8_t out[16])
{
    uint8_t raw[37];
    memcpy(raw, client->b, 16);
    memcpy(raw + 16, server->b, 16);
    raw[32] = (uint8_t)(proto_key >> 8);
    raw[33] = (uint8_t)proto_key;
    raw[34] = (uint8_t)(port >> 8);
    raw[35] = (uint8_t)port;
    raw[36] = transport;
    otw_digest128(raw, sizeof(raw), out);
}

static uint32_t insert(otw_comms *c, const otw_comm *src)
{
    uint8_t key[16];
    comm_key(&src->client, &src->server, src->proto_key, src->server_port, src->transport, key);
    uint32_t idx = otw_keymap_get(&c->index, key);
    if (idx != UINT32_MAX)
        return idx;
    if (c->n >= c->cap || otw_keymap_put(&c->index, key, c->n) < 0) {
        c->refused++;
        return OTW_COMM_NONE;
    }
    c->items[c->n] = *src;
    if (src->proto_key != OTW_COMM_PROTO_UNKNOWN) {
        comm_key(&src->client, &src->server, 0, src->server_port, src->transport, key);
        if (otw_keymap_get(&c->by_service, key) == UINT32_MAX)
            otw_keymap_put(&c->by_service, key, c->n); /* full: no lookup, no harm */
    }
    return c->n++;
}

uint32_t otw_comms_find_service(const otw_comms *c, const otw_addr *client, const otw_addr *server,
                                uint16_t server_port, uint8_t transport)
{
    uint8_t key[16];
    comm_key(client, server, 0, server_port, transport, key);
    uint32_t idx = otw_keymap_get(&c->by_service, key);
    return idx == UINT32_MAX ? OTW_COMM_NONE : idx;
}

uint32_t otw_comms_get(otw_comms *c, const otw_addr *client, const otw_addr *server,
                       uint16_t proto_key, uint16_t server_port, uint8_t transport, uint64_t ts_us,
                       bool *created)
{
    uint32_t before = c->n;
    otw_comm tmp = {0};
    tmp.client = *client;
    tmp.server = *server;
    tmp.proto_key = proto_key;
    tmp.server_port = server_port;
    tmp.transport = transport;
    tmp.first_us = tmp.last_us = ts_us;
    tmp.dirty = true;
    uint32_t idx = insert(c, &tmp);
    *created = idx != OTW_COMM_NONE && c->n > before;
    return idx;
}

uint32_t otw_comms_load(otw_comms *c, const otw_comm *src)
{
    uint32_t idx = insert(c, src);
    if (idx != OTW_COMM_NONE)
        c->items[idx].dirty = false;
    return idx;
}

otw_comm *otw_comms_at(otw_comms *c, uint32_t idx)
{
    return idx < c->n ? &c->items[idx] : NULL;
}

uint32_t otw_comms_size(const otw_comms *c)
{
    return c->n;
}

uint64_t otw_comms_refused(const otw_comms *c)
{
    return c->refused;
}
