#!/usr/bin/env bash
# HART-IP on a capture crafted from HCF_SPEC-85/-81/-127/-151
# (tests/golden/captures/hartip.spec, written by tests/gen/pcapcraft): a TCP
# session with Session Initiate, command 0 over a short frame, long tag,
# reads, a refused write, configuration, a device variable write, an
# expanded and a device-specific command, a device reset, a publish, Keep
# Alive, an unanswered request and Session Close; then a UDP Session Initiate
# refused with a NAK.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/hartip.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/hartip.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture hartip
ops="$tmp/hartip/ops.jsonl"
assets="$tmp/hartip.assets.json"
jqt "every op is hartip" "$ops" -s 'length == 15 and all(.[]; .protocol == "hartip" and .request_seen)'
jqt "functions in order" "$ops" -s '[.[] | .function] == [65280,0,20,1,3,48,18,35,79,1024,150,42,65281,65280,2]'
jqt "device identity" "$assets" '.[] | select(.ips==["10.30.0.50"]) | .identity.vendor=="Rosemount" and .identity.vendor_id==38 and .identity.product_code=="0x264e" and .identity.revision=="3.2" and .identity.serial=="00317f" and .identity.name=="PT-4711 reactor inlet" and .identity.device_type=="HART field device" and .role=="controller"'
jqt "command 0 is identity, short frame poll 0" "$ops" -s 'any(.[]; .function==0 and .class=="identity" and .unit==0 and .outcome=="ok")'
jqt "long frames address device 0x00317f" "$ops" -s '[.[] | select(.function==1 or .function==3) | .unit] == [12671, 12671]'
jqt "reads" "$ops" -s '[.[] | select(.class=="read") | .function] == [20,1,3,48,2]'
jqt "refused write: response code 7" "$ops" -s 'any(.[]; .function==18 and .class=="configuration" and .outcome=="exception" and .exception==7)'
jqt "configuration" "$ops" -s '[.[] | select(.class=="configuration") | .function] == [18,35]'
jqt "device variable write" "$ops" -s '[.[] | select(.class=="write") | .function] == [79]'
jqt "device reset is control" "$ops" -s '[.[] | select(.class=="control") | .function] == [42]'
jqt "device-specific command not implemented" "$ops" -s 'any(.[]; .function==150 and .class=="other" and .exception==64)'
jqt "expanded command 31 -> 0x0400" "$ops" -s 'any(.[]; .function==1024 and .outcome=="ok")'
jqt "NAK refuses the UDP session" "$ops" -s 'any(.[]; .function==65280 and .outcome=="exception" and .exception==15)'
jqt "unanswered request" "$ops" -s 'any(.[]; .function==2 and .outcome=="no_response")'
jqt "no malformed PDU" "$tmp/hartip.alerts.json" 'all(.[]; (.type | test("MALFORMED|MISMATCH")) | not)'
finish
