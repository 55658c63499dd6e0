#!/usr/bin/env bash
# DNP3 on a capture crafted from IEEE 1815-2012 (tests/golden/captures/dnp3.spec,
# written by tests/gen/pcapcraft): every request class, IIN exceptions, a
# two-frame response, device attributes, file open for write, authentication,
# an unsolicited response with its confirm, a bad CRC, coalesced and split
# frames, an unanswered request and a second master over UDP.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
# The committed capture is what the spec produces.
"$build/pcapcraft" "$src/tests/golden/captures/dnp3.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/dnp3.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture dnp3
ops="$tmp/dnp3/ops.jsonl"
assets="$tmp/dnp3.assets.json"
jqt "24 operations, all dnp3 on outstation 10" "$ops" -s 'length == 24 and all(.[]; .protocol=="dnp3" and .unit==10)'
jqt "objects: first object header of each request" "$ops" -s '[.[] | .object] == ["g60v2","g0v254","g12v1","g12v1","g12v1","g41v2","g50v1",null,null,"g20v0","g60v2","g60v2",null,"g70v3","g70v5","g70v4","g120v4",null,"g2v1",null,null,null,"g60v2","g1v2"]'
jqt "two-frame response matched to its read" "$ops" -s '.[0] | .function==1 and .class=="read" and .outcome=="ok" and .response_ts != null'
jqt "select and operate on index 3 are writes" "$ops" -s '[.[] | select(.function==3 or .function==4) | [.class, .address.start, .outcome]] == [["write",3,"ok"],["write",3,"ok"]]'
jqt "IIN2 parameter error -> exception 4" "$ops" -s 'any(.[]; .function==5 and .outcome=="exception" and .exception==4)'
jqt "IIN2 no function support -> exception 1" "$ops" -s 'any(.[]; .function==19 and .class=="configuration" and .outcome=="exception" and .exception==1)'
jqt "direct operate no ack: ok without response" "$ops" -s 'any(.[]; .function==6 and .outcome=="ok" and .response_ts==null)'
jqt "open file for write is a program download" "$ops" -s 'any(.[]; .function==25 and .class=="program_download")'
jqt "file data write is a program download" "$ops" -s 'any(.[]; .function==2 and .class=="program_download")'
jqt "restarts, freeze, start application, initialize data are control" "$ops" -s '[.[] | select(.class=="control") | .function] | sort == [7,13,14,15,17]'
jqt "delay measurement and record time are diagnostic" "$ops" -s '[.[] | select(.class=="diagnostic") | .function] | sort == [23,24]'
jqt "authentication request answered by 131" "$ops" -s 'any(.[]; .function==32 and .class=="authentication" and .outcome=="ok")'
jqt "unsolicited response is its own op" "$ops" -s 'any(.[]; .function==130 and .class=="read" and .outcome=="ok" and .request_seen==true)'
jqt "confirm is not an operation" "$ops" -s 'all(.[]; .function != 0)'
jqt "frame with a bad CRC ignored (no stop application)" "$ops" -s 'all(.[]; .function != 18)'
jqt "coalesced start application + initialize data" "$ops" -s '[.[] | select(.function==17 or .function==15) | .outcome] == ["ok","ok"]'
jqt "unanswered read" "$ops" -s '.[-1] | .function==1 and .outcome=="no_response" and .address=={"start":0,"count":16}'
jqt "UDP master" "$ops" -s 'any(.[]; .client.ip=="10.0.20.30" and .function==21 and .outcome=="ok")'
jqt "outstation identity from device attributes" "$assets" '.[] | select(.ips==["10.0.20.20"]) | .identity.vendor=="Acme Grid" and .identity.product=="RTU-560 CMU" and .identity.model=="RTU-560 CMU" and .identity.revision=="4.2.1" and .identity.serial=="SN-00042" and .role=="controller" and .protocols.server==["dnp3"]'
jqt "master is a dnp3 client" "$assets" 'any(.[]; .ips==["10.0.20.10"] and .protocols.client==["dnp3"])'
finish
