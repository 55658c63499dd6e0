/* gateways.h - which MACs carry the traffic of several foreign addresses:
 * a router's (or a firewall's) interface on the segment, behind which those
 * addresses are Internet or other-network peers, not plant devices.
 *
 * Fed once per new flow with each end that is outside the local networks
 * and not an asset (inventory.h), asked when such an end proves itself a
 * plant device by speaking an industrial protocol. Fixed size, no
 * allocation after creation; a full table is counted and answers "not a
 * gateway" for MACs it could not hold. */
#ifndef OTW_GATEWAYS_H
#define OTW_GATEWAYS_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

#define OTW_GATEWAYS_SLOTS 8192 /* power of two; kept under half full */

typedef struct otw_gateways otw_gateways;

otw_gateways *otw_gateways_new(void);
void otw_gateways_free(otw_gateways *g);
/* A frame of foreign address ip came from (or went to) mac. */
void otw_gateways_note(otw_gateways *g, const uint8_t mac[6], const otw_addr *ip);
/* mac has carried two foreign addresses or more. */
bool otw_gateways_is(const otw_gateways *g, const uint8_t mac[6]);
uint64_t otw_gateways_refused(const otw_gateways *g);

#endif
