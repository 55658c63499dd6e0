#!/usr/bin/env bash
# Omron FINS on a capture crafted from the FINS Commands Reference Manual
# (tests/golden/captures/fins.spec, written by tests/gen/pcapcraft): every
# decoded command over FINS/UDP, then a FINS/TCP session with the node address
# exchange, an auto-assigned client node and an exception.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/fins.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/fins.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture fins
ops="$tmp/fins/ops.jsonl"
assets="$tmp/fins.assets.json"
jqt "every op is fins" "$ops" -s 'length == 39 and all(.[]; .protocol == "fins")'
jqt "CJ2M identity" "$assets" '.[] | select(.ips==["192.168.30.10"]) | .identity.vendor=="OMRON" and .identity.model=="CJ2M-CPU33" and .identity.revision=="02.01" and .role=="controller"'
jqt "CP1L identity over FINS/TCP" "$assets" '.[] | select(.ips==["192.168.30.11"]) | .identity.model=="CP1L-EL20DR-D" and .identity.revision=="01.00"'
jqt "memory areas" "$ops" -s '[.[] | select(.function_name=="Memory Area Read") | .object] == ["DM","CIO","CNT","E2","DM","CIO","DM"]'
jqt "DM100 x2" "$ops" -s 'any(.[]; .object=="DM" and .address=={"start":100,"count":2} and .unit==10 and .outcome=="ok")'
jqt "program transfer classes" "$ops" -s '[.[] | select(.class=="program_upload" or .class=="program_download") | .function_name] == ["Program Area Read","Program Area Write","Program Area Clear","Single File Read","Program Area Read"]'
jqt "run/stop are control" "$ops" -s '[.[] | select(.function_name=="Run" or .function_name=="Stop") | .class] | unique == ["control"]'
jqt "end code 1103" "$ops" -s 'any(.[]; .address.start==40000 and .outcome=="exception" and .exception==4355)'
jqt "masked end code 2102 over FINS/TCP" "$ops" -s 'any(.[]; .unit==200 and .function_name=="Stop" and .exception==8450)'
jqt "auto-assigned node matched" "$ops" -s '[.[] | select(.unit==200) | .request_seen] == [true,true,true,true]'
jqt "no-reply request is ok at once" "$ops" -s 'any(.[]; .transaction==34 and .outcome=="ok" and .response_ts==null)'
jqt "unanswered request" "$ops" -s 'any(.[]; .transaction==35 and .outcome=="no_response")'
finish
