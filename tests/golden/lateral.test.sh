#!/usr/bin/env bash
# Lateral movement from a controller (issue 15) on a capture crafted with
# tests/gen/pcapcraft (tests/golden/captures/lateral.spec): an RTU that
# answers Modbus opens SMB to another RTU and a shell to the HMI.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/lateral.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/lateral.pcap" && pass "capture = spec" || fail "capture differs from its spec"
st="$tmp/st"
"$otwatch" read --config "$cfg" --state "$st" "$src/tests/golden/captures/lateral.pcap" 2> "$tmp/err" || { cat "$tmp/err"; fail "read"; }
"$otwatch" alerts --config "$cfg" --state "$st" --format json > "$tmp/alerts.json"
al="$tmp/alerts.json"
jqt "SMB and the shell from the RTU: high, T0886, said as lateral movement" "$al" \
  '[.[] | select(.type=="NEW_COMMUNICATION" and .src.ip=="10.50.1.11" and .severity=="high" and .technique=="T0886" and (.message | test("lateral movement"))) | .dst.port] | sort == [445, 4444]'
jqt "its DNS question stays low" "$al" \
  'any(.[]; .type=="NEW_COMMUNICATION" and .src.ip=="10.50.1.11" and .dst.port==53 and .severity=="low")'
jqt "the HMI's polls are industrial (T0848), not lateral" "$al" \
  '[.[] | select(.type=="NEW_COMMUNICATION" and .src.ip=="10.50.1.20") | .technique] == ["T0848","T0848"]'
finish
