#!/usr/bin/env bash
# OPC UA binary on a capture crafted from OPC 10000-6 / 10000-4
# (tests/golden/captures/opcua.spec, written by tests/gen/pcapcraft): a session
# on a channel without security (every service decoded, identities of client
# and server), a secured channel (opaque), and a transport ERR.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/opcua.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/opcua.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture opcua
ops="$tmp/opcua/ops.jsonl"
assets="$tmp/opcua.assets.json"
jqt "server application from GetEndpoints/CreateSession" "$assets" '.[] | select(.ips==["10.30.0.10"]) | .identity.product=="PLC OPC UA Server" and .role=="controller"'
jqt "client application from CreateSession" "$assets" '.[] | select(.ips==["10.30.0.5"]) | .identity.product=="Acme SCADA"'
jqt "OpenSecureChannel on the None channel" "$ops" -s '.[0].function==446 and .[0].outcome=="ok" and .[0].client.ip=="10.30.0.5"'
jqt "session services" "$ops" -s '[.[] | select(.function==461 or .function==467) | .class] == ["authentication","authentication"]'
jqt "read ok" "$ops" -s 'any(.[]; .function==631 and .class=="read" and .outcome=="ok" and .transaction==5)'
jqt "write refused BadUserAccessDenied" "$ops" -s 'any(.[]; .function==673 and .outcome=="exception" and .exception==32799)'
jqt "AddNodes is configuration" "$ops" -s 'any(.[]; .function==488 and .class=="configuration")'
jqt "unanswered Publish" "$ops" -s 'any(.[]; .function==826 and .outcome=="no_response")'
jqt "secured channel: opaque messages from the client only" "$ops" -s '[.[] | select(.client.ip=="10.30.0.7")] | map(.function_name) == ["OpenSecureChannel","encrypted MSG","encrypted MSG"]'
jqt "ERR BadTcpEndpointUrlInvalid" "$ops" -s 'any(.[]; .function_name=="ERR" and .exception==32899 and .request_seen==false)'
finish
