/* exposure.h - shadow IoT, Internet exposure and cloud connections (issue 6).
 *
 * Classifies devices as IoT or consumer from their protocols, nDPI
 * categories, identities (DHCP, mDNS, SSDP, User-Agent) and OUI, keeping the
 * evidence on the asset; raises SHADOW_IOT when such a device sits in an OT
 * zone, INTERNET_EXPOSURE when an OT asset talks to a public address (named
 * from DNS or TLS SNI when seen) and CLOUD_CONNECTION for cloud IoT
 * platforms. */
#ifndef OTW_EXPOSURE_H
#define OTW_EXPOSURE_H

#include "alerts.h"
#include "comms.h"
#include "config.h"
#include "inventory.h"

typedef struct otw_exposure otw_exposure;

otw_exposure *otw_exposure_new(const otw_config *cfg, otw_alerts *alerts, otw_inventory *inv,
                               char *err, size_t errsz);
void otw_exposure_free(otw_exposure *x);
/* A name for an address, as DNS answered it or a client asked for it (SNI,
 * HTTP Host). Bounded cache. */
void otw_exposure_name(otw_exposure *x, const otw_addr *ip, const char *name, uint64_t ts_us);
/* A new communication, once, with the names nDPI gives its protocol and
 * category ("Tuya_LP", "IoT-Scada"...), and the inventory indexes of its
 * ends (OTW_ASSET_NONE for remote addresses). */
void otw_exposure_comm(otw_exposure *x, const otw_comm *c, const char *proto_name,
                       const char *category, uint32_t client_asset, uint32_t server_asset,
                       const otw_endpoint *client, const otw_endpoint *server, uint16_t vlan,
                       uint64_t ts_us);
/* A communication loaded from the state: what it proves about its ends
 * (an industrial protocol makes both OT and the server a controller) holds
 * in this process as in the one that saw it, and a public communication of
 * an asset not known as OT waits, as it did there, for the asset to turn
 * OT. Raises nothing. proto_name as for otw_exposure_comm. */
void otw_exposure_known_comm(otw_exposure *x, const otw_comm *c, const char *proto_name,
                             uint32_t client_asset, uint32_t server_asset);
/* An alert loaded from the state: a device already reported as shadow IoT
 * is not reported again after a restart. */
void otw_exposure_known_alert(otw_exposure *x, const otw_alert *a);
/* Every communication of the state is loaded: from now on an asset turning
 * OT raises what it did with public addresses, loaded or new. */
void otw_exposure_state_loaded(otw_exposure *x);
/* An asset's evidence or identity changed. */
void otw_exposure_asset(otw_exposure *x, uint32_t asset, uint64_t ts_us);

#endif
