/* mqtt.h - MQTT logins: CONNECT user name and password, CONNACK return
 * code (MQTT 3.1 "MQIsdp", 3.1.1 (OASIS 2014) and 5.0 (OASIS 2019)).
 *
 * Pure: all state is the caller-owned mqtt_session; no globals, no allocation.
 */
#ifndef OTW_MQTT_H
#define OTW_MQTT_H

#include "cleartext.h"
#include "dissector.h"
#include "facts.h"

#define MQTT_MAX_PACKET (1u << 20) /* larger remaining lengths are not believed */

typedef struct mqtt_session {
    clt_login login; /* CONNECT waiting for its CONNACK */
    uint8_t version; /* protocol level of the CONNECT: 3, 4 or 5 */
    uint32_t n_connect, n_connack, n_malformed, n_logins;
} mqtt_session;

void mqtt_session_init(void *session);
/* Fixed header: packet type/flags, Remaining Length (1..4 bytes, 7 bits
 * each). Types 0 (reserved) are NOT_MINE. */
long mqtt_frame_len(const uint8_t *buf, size_t len);
otw_parse_status mqtt_parse(void *session, otw_dir dir, const uint8_t *pkt, size_t len,
                            uint64_t ts_us, const otw_sink *sink);
void mqtt_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);

extern const otw_dissector mqtt_dissector;

#endif
