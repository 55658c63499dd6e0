/* creds.c - placeholder until the credentials module lands (issue 6): the
 * sensor's hooks are in place and do nothing yet. */
#include "creds.h"

#include <stdlib.h>

struct otw_creds {
    int unused;
};

otw_creds *otw_creds_new(const otw_config *cfg, otw_alerts *alerts, char *err, size_t errsz)
{
    (void)cfg;
    (void)alerts;
    (void)err;
    (void)errsz;
    return calloc(1, sizeof(otw_creds));
}

void otw_creds_free(otw_creds *c)
{
    free(c);
}

void otw_creds_observe(otw_creds *c, const otw_credential *cred, const otw_endpoint *client,
                       const otw_endpoint *server, uint16_t vlan)
{
    (void)c;
    (void)cred;
    (void)client;
    (void)server;
    (void)vlan;
}

void otw_creds_tick(otw_creds *c, uint64_t now_us)
{
    (void)c;
    (void)now_us;
}
