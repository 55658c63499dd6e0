#!/usr/bin/env bash
# PROFINET DCP on a capture crafted from IEC 61158-6-10
# (tests/golden/captures/pndcp.spec, written by tests/gen/pcapcraft): Identify,
# Set name of station / IP / signal / reset to factory, Get, Hello, and a cyclic
# RT frame that is not DCP.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/pndcp.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/pndcp.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture pndcp
ops="$tmp/pndcp/ops.jsonl"
assets="$tmp/pndcp.assets.json"
jqt "PLC identity from Identify" "$assets" '.[] | select(.mac=="00:1b:1b:00:00:10") | .identity.vendor=="Siemens AG" and .identity.product=="S7-1500" and .identity.product_code=="0x010e" and .identity.name=="plc-01" and .role=="controller"'
jqt "IO device renamed, identity from Get/Hello" "$assets" '.[] | select(.mac=="00:a0:45:00:00:20") | .identity.vendor=="Phoenix Contact GmbH & Co. KG" and .identity.name=="io-station-2" and .identity.product=="AXL F BK PN"'
jqt "Identify request is diagnostic" "$ops" -s 'any(.[]; .function==5 and .request_seen and .class=="diagnostic" and .server.mac=="01:0e:cf:00:00:00")'
jqt "responses are separate ops" "$ops" -s '[.[] | select(.request_seen==false)] | length == 7'
jqt "Set name / IP requests are configuration" "$ops" -s '[.[] | select(.function==4 and .request_seen and .class=="configuration")] | length == 2'
jqt "reset to factory is control and refused (BlockError 5)" "$ops" -s 'any(.[]; .function==4 and .request_seen and .class=="control") and any(.[]; .function==4 and .request_seen==false and .object=="reset-to-factory" and .outcome=="exception" and .exception==5)'
jqt "signal is diagnostic" "$ops" -s '[.[] | select(.function==4 and .class=="diagnostic")] | length == 1'
jqt "Set answers carry the outcome, class other" "$ops" -s '[.[] | select(.function==4 and .request_seen==false) | .class] | unique == ["other"]'
jqt "Hello is identity" "$ops" -s 'any(.[]; .function==6 and .class=="identity")'
jqt "RT frame gives no op" "$ops" -s 'length == 14'
finish
