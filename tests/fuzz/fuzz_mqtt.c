/* fuzz_mqtt.c - libFuzzer target for the mqtt login dissector (mqtt.c): a
 * conversation of segments in both directions through the dissector's own
 * framing (see login_fuzz.h). */
#include "mqtt.h"
#include "login_fuzz.h"

LOGIN_FUZZER(mqtt_dissector)
