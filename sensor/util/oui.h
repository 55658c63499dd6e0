/* oui.h - MAC address vendor lookup in the IEEE registries (IEEE 802 MA-L,
 * MA-M, MA-S and IAB), read from Debian's ieee-data CSV files.
 *
 * Loaded once at start; lookups are allocation-free binary searches and may
 * run on the packet path.
 */
#ifndef OTW_OUI_H
#define OTW_OUI_H

#include <stddef.h>
#include <stdint.h>

typedef struct otw_oui otw_oui;

/* Loads dir/oui.csv (required), and dir/mam.csv, dir/oui36.csv, dir/iab.csv
 * when present. Returns NULL and a message in err if oui.csv is missing,
 * unreadable or holds no entry. */
otw_oui *otw_oui_load(const char *dir, char *err, size_t errsz);

/* Organisation name of the most specific assignment (36-bit, then 28-bit,
 * then 24-bit) covering mac; NULL for unknown, multicast/broadcast or
 * locally administered addresses. The string lives as long as o. */
const char *otw_oui_lookup(const otw_oui *o, const uint8_t mac[6]);

/* Number of entries loaded (24-bit + 28-bit + 36-bit), for the ops log. */
size_t otw_oui_count(const otw_oui *o);

void otw_oui_free(otw_oui *o);

#endif
