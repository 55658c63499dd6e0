#!/usr/bin/env bash
# S7comm / S7comm-plus on a capture crafted from the specifications
# (tests/golden/captures/s7comm.spec, written by tests/gen/pcapcraft): every
# message type the dissector decodes, identity from SZL 0x0011 / 0x001C and
# from an S7comm-plus CreateObject answer. Exact inventory, alerts and
# operations log, then the key facts with jq.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
# The committed capture is what the spec produces.
"$build/pcapcraft" "$src/tests/golden/captures/s7comm.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/s7comm.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture s7comm
ops="$tmp/s7comm/ops.jsonl"
assets="$tmp/s7comm.assets.json"

# S7-300: identity from SZL 0x0011 and the two 0x001C fragments.
jqt "S7-300 identity" "$assets" '.[] | select(.ips==["192.168.50.20"]) | .role=="controller" and .identity.vendor=="Siemens" and .identity.model=="6ES7 315-2EH14-0AB0" and .identity.product_code=="6ES7 315-2EH14-0AB0" and .identity.revision=="V3.2.7" and .identity.product=="CPU 315-2 PN/DP" and .identity.serial=="S C-X4U421302009" and .identity.name=="Line 3 station"'
# S7-1200: identity from the S7comm-plus CreateObject answer.
jqt "S7-1200 identity" "$assets" '.[] | select(.ips==["192.168.50.40"]) | .role=="controller" and .identity.vendor=="Siemens" and .identity.model=="6ES7 212-1BE40-0XB0" and .identity.revision=="V4.2"'

# Operations: classes, units, objects, outcomes.
jqt "unit = slot 2 on the S7-300" "$ops" -s 'all(.[] | select(.server.ip=="192.168.50.20"); .unit==2)'
jqt "no unit on the S7-1200 (string TSAP)" "$ops" -s 'all(.[] | select(.server.ip=="192.168.50.40"); .unit==null)'
jqt "SZL reads are identity" "$ops" -s '[.[] | select(.function==29697) | .class] == ["identity","identity","identity"]'
jqt "read DB1.DBB2 x4" "$ops" -s 'any(.[]; .function==4 and .class=="read" and .address=={"start":2,"count":4} and .outcome=="ok")'
jqt "item error 0x0a" "$ops" -s 'any(.[]; .function==4 and .outcome=="exception" and .exception==10)'
jqt "write M16" "$ops" -s 'any(.[]; .function==5 and .class=="write" and .address=={"start":16,"count":1} and .outcome=="ok")'
jqt "header error 0x8500" "$ops" -s 'any(.[]; .function==5 and .outcome=="exception" and .exception==34048)'
jqt "password is authentication" "$ops" -s 'any(.[]; .function_name=="PLC password" and .class=="authentication" and .outcome=="ok")'
jqt "block info error 0xd209" "$ops" -s 'any(.[]; .function_name=="Get block info" and .exception==53769)'
jqt "upload is program_upload" "$ops" -s '[.[] | select(.class=="program_upload") | .function] == [29,30,31]'
jqt "download is program_download, blocks from the PLC" "$ops" -s '[.[] | select(.class=="program_download") | .function] == [26,27,28,40,40]'
jqt "PLC-initiated download block matched" "$ops" -s 'any(.[]; .function==27 and .transaction==256 and .request_seen and .outcome=="ok")'
jqt "stop, start and mode transition" "$ops" -s 'any(.[]; .function==41 and .class=="control") and any(.[]; .function_name=="PI Service P_PROGRAM (start)" and .class=="control") and any(.[]; .function_name=="Mode transition: STOP")'
jqt "set clock is configuration" "$ops" -s 'any(.[]; .function_name=="Set clock" and .class=="configuration" and .outcome=="ok")'
jqt "unanswered read" "$ops" -s 'any(.[]; .function==4 and .transaction==5376 and .outcome=="no_response")'
jqt "S7comm-plus functions" "$ops" -s '[.[] | select(.server.ip=="192.168.50.40") | [.function_name, .class]] == [["S7comm-plus CreateObject","other"],["S7comm-plus SetMultiVariables","write"],["S7comm-plus GetMultiVariables","read"],["S7comm-plus Explore","diagnostic"],["S7comm-plus DeleteObject","other"]]'
jqt "every request answered but one" "$ops" -s '[.[] | select(.outcome=="no_response")] | length == 1'
finish
