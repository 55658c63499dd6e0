#!/usr/bin/env bash
# MELSEC SLMP / MC protocol on a capture crafted from the SLMP Reference
# Manual (tests/golden/captures/slmp.spec, written by tests/gen/pcapcraft):
# every decoded command in binary 3E (TCP), binary 4E with iQ-R device
# specifications (TCP), ASCII 3E/4E (UDP) and binary 3E over UDP; exception
# end codes, an out-of-order 4E pair, two coalesced 3E requests and an
# unanswered Remote Reset.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/slmp.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/slmp.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture slmp
ops="$tmp/slmp/ops.jsonl"
assets="$tmp/slmp.assets.json"
jqt "every op is slmp" "$ops" -s 'length == 40 and all(.[]; .protocol == "slmp")'
jqt "Q CPU identity" "$assets" '.[] | select(.ips==["192.168.20.10"]) | .identity.vendor=="Mitsubishi Electric" and .identity.model=="Q03UDVCPU" and .identity.product_code=="0x0366" and .role=="controller"'
jqt "iQ-R CPU identity (4E)" "$assets" '.[] | select(.ips==["192.168.20.11"]) | .identity.model=="R04CPU" and .identity.product_code=="0x4800"'
jqt "read D100 x3" "$ops" -s 'any(.[]; .function_name=="Read (word units)" and .object=="D" and .address=={"start":100,"count":3} and .outcome=="ok")'
jqt "iQ-R read ZR70000" "$ops" -s 'any(.[]; .object=="ZR" and .address.start==70000 and .transaction==4 and .outcome=="ok")'
jqt "ASCII read X1A0 (hex numbering)" "$ops" -s 'any(.[]; .object=="X" and .address=={"start":416,"count":3} and .server.port==5000)'
jqt "writes" "$ops" -s '[.[] | select(.class=="write") | .object] == ["D","Y","D","W","buffer","U003","M"]'
jqt "remote control ops" "$ops" -s '[.[] | select(.class=="control") | .function_name] | sort == ["Clear Error","Remote Latch Clear","Remote Pause","Remote Reset","Remote Run","Remote Stop","Remote Stop"]'
jqt "password unlock: one failure, one success" "$ops" -s '[.[] | select(.function_name=="Remote Password Unlock") | [.class, .outcome, .exception]] == [["authentication","exception",49665],["authentication","ok",null]]'
jqt "file transfer classes" "$ops" -s '[.[] | select(.function_name=="Read File" or .function_name=="Write File") | .class] == ["program_download","program_upload"]'
jqt "end code C056 on the range error" "$ops" -s 'any(.[]; .address.start==2097151 and .outcome=="exception" and .exception==49238)'
jqt "ASCII end code C059" "$ops" -s 'any(.[]; .server.port==5000 and .function_name=="Remote Stop" and .exception==49241)'
jqt "4E answered out of order" "$ops" -s '[.[] | select(.transaction==4 or .transaction==5) | .outcome] == ["ok","ok"]'
jqt "Remote Reset unanswered" "$ops" -s 'any(.[]; .function_name=="Remote Reset" and .outcome=="no_response")'
jqt "no unmatched response" "$ops" -s 'all(.[]; .request_seen)'
finish
