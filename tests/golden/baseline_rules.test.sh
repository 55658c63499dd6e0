#!/usr/bin/env bash
# The baseline's rules on operator work, pauses and sweeps (issue 15), on
# captures crafted with tests/gen/pcapcraft from tests/golden/captures/bl-*.spec,
# each read with 120 s of learning.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
# read NAME: learns 120 s of captures/bl-NAME.pcap, detects in the rest;
# alerts in $tmp/NAME.json.
read_learned() {
  local name=$1
  "$build/pcapcraft" "$src/tests/golden/captures/bl-$name.spec" "$tmp/regen.pcap"
  cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/bl-$name.pcap" && pass "bl-$name: capture = spec" || fail "bl-$name: capture differs from its spec"
  "$otwatch" read --config "$cfg" --state "$tmp/$name" --learn-for 120s \
    "$src/tests/golden/captures/bl-$name.pcap" 2> "$tmp/err" || { cat "$tmp/err"; fail "$name: read"; }
  "$otwatch" alerts --config "$cfg" --state "$tmp/$name" --format json > "$tmp/$name.json"
}

read_learned operator
al="$tmp/operator.json"
jqt "operator writes of coil 3 at 24.5 s: no TIMING_DEVIATION (writes have no rhythm)" "$al" \
  'all(.[]; .type != "TIMING_DEVIATION")'
jqt "coil 0, inside the polled coils 0-3: no alert" "$al" \
  'all(.[]; (.key | test("range=0-0")) | not)'
jqt "function 15 inside the polled coils: one alert, NEW_OPERATION low, MODBUS_WRITE named in it" "$al" \
  '[.[] | select(.message | test("function 15")) | [.type, .severity, (.message | test("also MODBUS_WRITE"))]] == [["NEW_OPERATION","low",true]]'
jqt "coil 50, outside everything read and written: one WRITE_OUT_OF_RANGE, high" "$al" \
  '[.[] | select(.type == "WRITE_OUT_OF_RANGE") | [.key, .severity, .count]] == [["unit=1 fc=5 range=50-50","high",1]]'
jqt "nothing else" "$al" 'length == 2'

read_learned silence
al="$tmp/silence.json"
jqt "the HMI's 84 s pause of rtu1 polls is no DEVICE_SILENT" "$al" \
  'all(.[]; .src.ip != "10.60.2.11")'
jqt "rtu2 silent: one DEVICE_SILENT, times as people read them" "$al" \
  '[.[] | select(.type == "DEVICE_SILENT") | .src.ip] == ["10.60.2.12"] and
   any(.[]; .type == "DEVICE_SILENT" and (.message | test("requests unanswered for [0-9]+ s; its longest silence while learning was 6 s$")))'
jqt "nothing else" "$al" 'length == 1'

read_learned scan
al="$tmp/scan.json"
jqt "the address sweep: one SCAN (addresses), no MODBUS_EXCEPTIONS" "$al" \
  '[.[] | select(.dst.ip == "10.60.3.11" and .type != "NEW_COMMUNICATION") | [.type, .key, .severity]] == [["SCAN","addresses","high"]]'
jqt "40 refused ports: one SCAN, no communication for each" "$al" \
  '[.[] | select(.dst.ip != "10.60.3.11") | [.type, .key]] == [["SCAN","refused connections (ports or hosts)"]]'

# Severity from who and what, detecting from the start.
"$build/pcapcraft" "$src/tests/golden/captures/bl-lateral-hmi.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/bl-lateral-hmi.pcap" && pass "bl-lateral-hmi: capture = spec" || fail "bl-lateral-hmi: capture differs from its spec"
"$otwatch" read --config "$cfg" --state "$tmp/lh" "$src/tests/golden/captures/bl-lateral-hmi.pcap" 2> "$tmp/err" || { cat "$tmp/err"; fail "lateral-hmi: read"; }
"$otwatch" alerts --config "$cfg" --state "$tmp/lh" --format json > "$tmp/lh.json"
jqt "HMI: RDP to an RTU high (T0886, an HMI said), SMB to a server no OT asset low" "$tmp/lh.json" \
  '[.[] | select(.type == "NEW_COMMUNICATION" and .src.ip == "10.50.1.20" and .dst.port != 502) | [.dst.port, .severity, .technique, (.message | test("an HMI opening"))]] == [[3389,"high","T0886",true],[445,"low",null,false]]'
finish
