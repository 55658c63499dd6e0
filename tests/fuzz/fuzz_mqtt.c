/* fuzz_mqtt.c - libFuzzer target for the mqtt login dissector (mqtt.c): a
 * conversation of segments in both directions through the dissector's own
 * framing (fuzz_conversation in fuzz_harness.h). */
#include "fuzz_harness.h"
#include "mqtt.h"

FUZZ_CONVERSATION(mqtt_dissector)
