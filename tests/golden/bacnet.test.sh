#!/usr/bin/env bash
# BACnet/IP on a capture crafted from ANSI/ASHRAE 135-2020
# (tests/golden/captures/bacnet.spec, written by tests/gen/pcapcraft): discovery,
# device identity from I-Am and readProperty(-Multiple), reads, writes, errors,
# control and file services, unconfirmed services, a network layer message,
# BVLC foreign-device/BDT functions and a Forwarded-NPDU.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/bacnet.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/bacnet.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture bacnet
ops="$tmp/bacnet/ops.jsonl"
assets="$tmp/bacnet.assets.json"
jqt "controller identity (readProperty + RPM)" "$assets" '.[] | select(.ips==["10.20.0.10"]) | .identity.vendor=="Johnson Controls" and .identity.model=="NAE5510-1" and .identity.revision=="9.0.2" and .identity.name=="AHU-CTRL-1" and .role=="controller"'
jqt "forwarded I-Am names the remote device" "$assets" '.[] | select(.ips==["192.168.50.7"]) | .identity.vendor=="Delta Controls"'
jqt "workstation doing file transfer and reinitialize is engineering" "$assets" '.[] | select(.ips==["10.20.0.5"]) | .role=="engineering"'
jqt "who-Is with range" "$ops" -s 'any(.[]; .function_name=="who-Is" and .class=="diagnostic" and .address=={"start":100,"count":901})'
jqt "two I-Am, class identity" "$ops" -s '[.[] | select(.function_name=="i-Am" and .class=="identity")] | length == 2'
jqt "readProperty ok" "$ops" -s '[.[] | select(.function==12 and .outcome=="ok")] | length == 2'
jqt "write refused: error class 2 code 40" "$ops" -s 'any(.[]; .function==15 and .transaction==5 and .outcome=="exception" and .exception==552)'
jqt "reinitializeDevice is control" "$ops" -s 'any(.[]; .function_name=="reinitializeDevice" and .class=="control" and .outcome=="ok")'
jqt "DCC password failure" "$ops" -s 'any(.[]; .function_name=="deviceCommunicationControl" and .exception==1050)'
jqt "atomicWriteFile is a download of 8 octets" "$ops" -s 'any(.[]; .function==7 and .class=="program_download" and .address=={"start":0,"count":8})'
jqt "atomicReadFile is an upload" "$ops" -s 'any(.[]; .function==6 and .class=="program_upload")'
jqt "create/delete object are configuration" "$ops" -s '[.[] | select(.function==10 or .function==11) | .class] == ["configuration","configuration"]'
jqt "timeSynchronization is configuration" "$ops" -s 'any(.[]; .function_name=="timeSynchronization" and .class=="configuration")'
jqt "unanswered private transfer" "$ops" -s 'any(.[]; .function_name=="confirmedPrivateTransfer" and .outcome=="no_response")'
jqt "network layer message" "$ops" -s 'any(.[]; .function_name=="Who-Is-Router-To-Network")'
jqt "foreign device registration acknowledged" "$ops" -s 'any(.[]; .function_name=="Register-Foreign-Device" and .class=="configuration" and .outcome=="ok")'
jqt "Read-FDT NAK" "$ops" -s 'any(.[]; .function_name=="Read-Foreign-Device-Table" and .outcome=="exception" and .exception==64)'
jqt "every request seen" "$ops" -s 'all(.[]; .request_seen)'
finish
