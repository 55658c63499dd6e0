/* exposure.c - placeholder until the exposure module lands (issue 6): the
 * sensor's hooks are in place and do nothing yet. */
#include "exposure.h"

#include <stdlib.h>

struct otw_exposure {
    int unused;
};

otw_exposure *otw_exposure_new(const otw_config *cfg, otw_alerts *alerts, otw_inventory *inv,
                               char *err, size_t errsz)
{
    (void)cfg;
    (void)alerts;
    (void)inv;
    (void)err;
    (void)errsz;
    return calloc(1, sizeof(otw_exposure));
}

void otw_exposure_free(otw_exposure *x)
{
    free(x);
}

void otw_exposure_name(otw_exposure *x, const otw_addr *ip, const char *name, uint64_t ts_us)
{
    (void)x;
    (void)ip;
    (void)name;
    (void)ts_us;
}

void otw_exposure_comm(otw_exposure *x, const otw_comm *c, const char *proto_name,
                       const char *category, uint32_t client_asset, uint32_t server_asset,
                       const otw_endpoint *client, const otw_endpoint *server, uint16_t vlan,
                       uint64_t ts_us)
{
    (void)x;
    (void)c;
    (void)proto_name;
    (void)category;
    (void)client_asset;
    (void)server_asset;
    (void)client;
    (void)server;
    (void)vlan;
    (void)ts_us;
}

void otw_exposure_asset(otw_exposure *x, uint32_t asset, uint64_t ts_us)
{
    (void)x;
    (void)asset;
    (void)ts_us;
}
