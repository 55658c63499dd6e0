#!/usr/bin/env bash
# EtherNet/IP + CIP on a capture crafted from the CIP Networks Library
# (tests/golden/captures/enip.spec, written by tests/gen/pcapcraft):
# ListIdentity over UDP, ListServices, RegisterSession, Unconnected Send to the
# Identity object, Forward Open, connected Read/Write Tag and a Multiple Service
# Packet, Logix Stop / Create / routine transfer / Start, File object upload,
# TCP/IP configuration, device Reset, Forward Close, an unanswered request, NOP,
# UnRegisterSession, and class 1 I/O on UDP 2222.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/enip.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/enip.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture enip
ops="$tmp/enip/ops.jsonl"
assets="$tmp/enip.assets.json"
jqt "every op is enip" "$ops" -s 'length == 18 and all(.[]; .protocol == "enip")'
# The broadcast ListIdentity pairs with the device's unicast answer: one op,
# the device as server (flow.c), no 255.255.255.255 endpoint.
jqt "op sequence" "$ops" -s '[.[] | .function_name] == ["ListIdentity","ListServices","RegisterSession","Get_Attributes_All","Forward_Open","Read Tag","Read Tag","Write Tag","Get_Attribute_Single","Stop","Create","Object Specific Service","Start","Initiate_Upload","Set_Attribute_Single","Reset","Forward_Close","Get_Attribute_Single"]'
jqt "ControlLogix identity (Identity object via backplane slot 0)" "$assets" '.[] | select(.ips==["10.20.0.20"]) | .identity.vendor=="Rockwell Automation/Allen-Bradley" and .identity.model=="1756-L85E/B" and .identity.revision=="33.11" and .identity.serial=="0x60e5f00d" and .identity.product_code=="166" and .role=="controller"'
jqt "I/O block identity (ListIdentity)" "$assets" '.[] | select(.ips==["10.20.0.30"]) | .identity.vendor=="Turck" and .identity.model=="TBEN-S2-8DXP" and .identity.revision=="3.7" and .identity.device_type=="Communications Adapter"'
jqt "engineering station" "$assets" '.[] | select(.ips==["10.20.0.10"]) | .role=="engineering"'
jqt "encapsulation ops" "$ops" -s '[.[] | select(.function >= 256) | [.function, .class, .outcome, .request_seen]] == [[355,"identity","ok",true],[260,"diagnostic","ok",true],[357,"other","ok",true]]'
jqt "no broadcast endpoint" "$ops" -s 'all(.[]; .client.ip != "255.255.255.255" and .server.ip != "255.255.255.255")'
jqt "identity read routed to slot 0" "$ops" -s 'any(.[]; .function==1 and .class=="identity" and .unit==0 and .outcome=="ok")'
jqt "tag reads and write" "$ops" -s '[.[] | select(.function==76 or .function==77) | [.class, .outcome, .address]] == [["read","ok",{"start":0,"count":1}],["read","ok",{"start":3,"count":1}],["write","exception",{"start":0,"count":1}]]'
jqt "write rejected with status 5" "$ops" -s 'any(.[]; .function==77 and .exception==5)'
jqt "mode changes and reset are control" "$ops" -s '[.[] | select(.class=="control") | .function_name] == ["Stop","Start","Reset"]'
jqt "program download" "$ops" -s '[.[] | select(.class=="program_download") | .function] == [8, 80]'
jqt "program upload refused" "$ops" -s 'any(.[]; .class=="program_upload" and .outcome=="exception" and .exception==12)'
jqt "TCP/IP settings are configuration" "$ops" -s '[.[] | select(.class=="configuration") | .function] == [16]'
jqt "connection setup is other" "$ops" -s '[.[] | select(.function==84 or .function==78) | .class] == ["other","other"]'
jqt "unanswered request" "$ops" -s 'any(.[]; .function==14 and .outcome=="no_response" and .transaction==9)'
jqt "connected ops carry the sequence count" "$ops" -s '[.[] | select(.function==6 or .function==7) | .transaction] == [3, 6]'
jqt "no malformed PDU, I/O not flagged" "$tmp/enip.alerts.json" 'all(.[]; (.type | test("MALFORMED|MISMATCH")) | not)'
finish
