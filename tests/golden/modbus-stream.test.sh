#!/usr/bin/env bash
# Modbus/TCP stream handling on a capture crafted from the specification
# (tests/golden/captures/modbus-stream.spec, written by tests/gen/pcapcraft):
# split and coalesced PDUs, a retransmission, a gap, a midstream start,
# an exception, an unanswered request and non-Modbus traffic on port 502.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
# The committed capture is what the spec produces.
"$build/pcapcraft" "$src/tests/golden/captures/modbus-stream.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/modbus-stream.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture modbus-stream
ops="$tmp/modbus-stream/ops.jsonl"
jqt "split request parsed" "$ops" -s 'any(.[]; .transaction==1 and .address == {"start":0,"count":10} and .outcome=="ok")'
jqt "coalesced requests and responses" "$ops" -s '[.[] | select(.transaction==2 or .transaction==3) | .outcome] == ["ok","ok"]'
jqt "retransmission counted once" "$ops" -s '[.[] | select(.transaction==4)] | length == 1'
jqt "exception 2" "$ops" -s 'any(.[]; .transaction==6 and .outcome=="exception" and .exception==2)'
jqt "request after a gap resynchronises" "$ops" -s 'any(.[]; .transaction==8 and .outcome=="ok")'
jqt "midstream identity read" "$ops" -s 'any(.[]; .transaction==257 and .class=="identity")'
jqt "unanswered request" "$ops" -s 'any(.[]; .transaction==260 and .outcome=="no_response")'
jqt "identity on the PLC" "$tmp/modbus-stream.assets.json" '.[] | select(.ips==["192.168.10.10"]) | .identity.vendor=="Schneider Elec." and .identity.product_code=="M34" and .identity.revision=="v3.1"'
jqt "not Modbus on 502" "$tmp/modbus-stream.alerts.json" 'any(.[]; .type=="PROTOCOL_MISMATCH" and .src.ip=="192.168.10.40")'
finish
