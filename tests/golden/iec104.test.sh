#!/usr/bin/env bash
# IEC 60870-5-104 on a capture crafted from IEC 60870-5-104/-101
# (tests/golden/captures/iec104.spec, written by tests/gen/pcapcraft): every
# system and process command type with its confirmation, negative
# confirmations, a deactivation, monitoring data, S/U frames, coalesced and
# split APDUs and an unanswered command.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
# The committed capture is what the spec produces.
"$build/pcapcraft" "$src/tests/golden/captures/iec104.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/iec104.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture iec104
ops="$tmp/iec104/ops.jsonl"
jqt "20 command operations on common address 7" "$ops" -s 'length == 20 and all(.[]; .protocol=="iec104" and .unit==7 and .request_seen)'
jqt "object is the first IOA" "$ops" -s 'all(.[]; .object == "IOA \(.address.start)" and .address.count == 1)'
jqt "monitoring ASDUs and S/U frames are not operations" "$ops" -s 'all(.[]; .function >= 45)'
jqt "interrogations and read are reads" "$ops" -s '[.[] | select(.class=="read") | .function] == [100,101,102]'
jqt "read answered by the data with cause req" "$ops" -s 'any(.[]; .function==102 and .outcome=="ok" and .address.start==1400)'
jqt "select and execute: two writes on IOA 4500" "$ops" -s '[.[] | select(.function==45) | [.class, .address.start, .outcome]] == [["write",4500,"ok"],["write",4500,"ok"]]'
jqt "negative actcon -> exception 7" "$ops" -s 'any(.[]; .function==59 and .outcome=="exception" and .exception==7)'
jqt "unknown IOA -> exception 47" "$ops" -s 'any(.[]; .function==50 and .outcome=="exception" and .exception==47 and .address.start==9999)'
jqt "coalesced and split set points" "$ops" -s '[.[] | select(.function==48 or .function==49 or .function==63) | .outcome] == ["ok","ok","ok"]'
jqt "deactivation and activation closed by actterm" "$ops" -s '[.[] | select(.function==47) | .outcome] == ["ok","ok"]'
jqt "clock sync and parameters are configuration" "$ops" -s '[.[] | select(.class=="configuration") | .function] == [103,112,113]'
jqt "tests and delay acquisition are diagnostic" "$ops" -s '[.[] | select(.class=="diagnostic") | .function] == [107,106,104]'
jqt "reset process is control" "$ops" -s '[.[] | select(.class=="control") | .function] == [105]'
jqt "unconfirmed test command" "$ops" -s '.[-1] | .function==104 and .outcome=="no_response"'
jqt "controlled station is an iec104 server" "$tmp/iec104.assets.json" 'any(.[]; .ips==["10.0.30.20"] and .role=="controller" and .protocols.server==["iec104"])'
finish
