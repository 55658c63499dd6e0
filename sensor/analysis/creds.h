/* creds.h - cleartext logins: default and weak credentials, brute force and
 * credential spraying (issue 6).
 *
 * The sensor hands every otw_credential here during the dissector's
 * callback. The secret is compared with the default-credential and weak
 * password tables at once and never stored, logged or copied; alerts carry
 * the user name (optionally redacted), whether the password matched a
 * default or weak entry (and which vendor), never the password. */
#ifndef OTW_CREDS_H
#define OTW_CREDS_H

#include "alerts.h"
#include "config.h"
#include "facts.h"

typedef struct otw_creds otw_creds;

otw_creds *otw_creds_new(const otw_config *cfg, otw_alerts *alerts, char *err, size_t errsz);
void otw_creds_free(otw_creds *c);
/* vlan: the flow's outer VLAN (zones may be VLAN-based). */
void otw_creds_observe(otw_creds *c, const otw_credential *cred, const otw_endpoint *client,
                       const otw_endpoint *server, uint16_t vlan);
/* Capture time passes (windows of brute-force and spray detection). */
void otw_creds_tick(otw_creds *c, uint64_t now_us);

#endif
