/* roles.h - roles from behaviour: what a client does with industrial
 * protocols becomes evidence on its asset (otw_evidence in inventory.h),
 * from which otw_asset_role() ranks a role. docs/architecture.md ("Roles
 * from behaviour") has the rules and their ranking.
 *
 *  - program transfer, firmware, run/stop/restart       -> engineering
 *  - configuration, controller login, identity or diagnostic reads with a
 *    PLC engineering protocol (Modbus, S7, EtherNet/IP, SLMP, MELSOFT, FINS,
 *    PROFINET DCP)                                       -> engineering
 *  - the same read repeated (OTW_ROLES_CYCLIC_REPEATS)   -> HMI/SCADA polling
 *  - writes of process values                            -> HMI/SCADA
 *  - reads from OTW_ROLES_HISTORIAN_MIN controllers with no write and no
 *    engineering function                                -> historian
 *  - addressed with industrial requests, no answer seen  -> controller (weakest)
 * Evidence only accumulates (the historian's is withdrawn once, at its
 * first write), so a role moves one way and never flaps between
 * checkpoints. The evidence is stored with the asset; the controllers a
 * historian candidate reads are rebuilt from the stored communications
 * (otw_roles_pair), so a restart or captures read one by one give the same
 * roles as one run. */
#ifndef OTW_ROLES_H
#define OTW_ROLES_H

#include <stdint.h>

#include "addr.h"
#include "facts.h"
#include "inventory.h"

#define OTW_ROLES_CYCLIC_REPEATS 3 /* the same read this often is polling */
#define OTW_ROLES_HISTORIAN_MIN 3  /* controllers a historian reads */

typedef struct otw_roles otw_roles;

/* max_pairs bounds the (client, controller) pairs remembered for the
 * historian rule; a full table stops counting, it never forgets. */
otw_roles *otw_roles_new(otw_inventory *inv, uint32_t max_pairs);
void otw_roles_free(otw_roles *r);

/* One industrial operation (from an industrial dissector) of client on
 * server; the IPs are NULL for link-layer operations. */
void otw_roles_op(otw_roles *r, uint32_t client, uint32_t server, const otw_addr *client_ip,
                  const otw_addr *server_ip, const otw_op *op);
/* A stored industrial communication, at start: the client talked to this
 * controller before. */
void otw_roles_pair(otw_roles *r, const otw_addr *client_ip, const otw_addr *server_ip);

#endif
