#!/usr/bin/env bash
# Broadcast and multicast discovery next to real pairs (issue 14, item 2;
# issue 15, item 3; tests/golden/captures/discovery.spec), read with
# --learn-for 60s: MELSOFT discovery (broadcast, answered by a broadcast),
# a NetBIOS name query (subnet broadcast, answered unicast 137 -> 137), an
# SSDP M-SEARCH (multicast, answered unicast), a DHCPv6 Solicit to
# ff02::1:2 (unanswered); the same round again two minutes later, in
# detection. No group address is an asset or an alert end; one
# communication per real pair, the answering device its server; the
# Windows PC's IPv6 link-local address is its own (not a router's); the
# discovery of known assets in detection raises nothing.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/discovery.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/discovery.pcap" && pass "capture = spec" || fail "capture differs from its spec"
st="$tmp/discovery"
"$otwatch" read --config "$cfg" --state "$st" --learn-for 60s "$src/tests/golden/captures/discovery.pcap" \
  2> "$tmp/read.err" > /dev/null || { cat "$tmp/read.err"; fail "read failed"; finish; }
assets="$tmp/discovery.assets.json"
alerts="$tmp/discovery.alerts.json"
"$otwatch" assets --config "$cfg" --state "$st" --format json > "$assets"
"$otwatch" alerts --config "$cfg" --state "$st" --format json > "$alerts"
golden "$assets" "$src/tests/golden/expected/discovery.assets.json"
golden "$alerts" "$src/tests/golden/expected/discovery.alerts.json"
golden "$st/ops.jsonl" "$src/tests/golden/expected/discovery.ops.jsonl"
group='^(255\.255\.255\.255|192\.168\.40\.255|22[4-9]\.|23[0-9]\.|[fF][fF][0-9a-fA-F]{2}:)'
jqt "no broadcast or multicast address is an asset" "$assets" 'all(.[]; all(.ips[]; test($re) | not))' --arg re "$group"
jqt "no broadcast or multicast address is an alert end" "$alerts" 'all(.[]; all(.src.ip, .dst.ip; . == null or (test($re) | not)))' --arg re "$group"
jqt "five assets, the PC with its IPv4 and IPv6 link-local addresses" "$assets" \
  '[.[] | .ips | join(" ")] | sort == ["192.168.40.10","192.168.40.30","192.168.40.50 fe80::214:22ff:fe00:4032","192.168.40.60","192.168.40.70"]'
jqt "the PC is not taken for a router" "$assets" '.[] | select(.ips[0]=="192.168.40.50") | .role != "network"'
jqt "the historian answers NetBIOS (server), the PC asks (client)" "$assets" \
  '(.[] | select(.ips[0]=="192.168.40.60") | .protocols.server | index("nbns")) and (.[] | select(.ips[0]=="192.168.40.50") | .protocols.client | index("nbns"))'
# One communication per real pair, oriented requester -> answering device.
sqlite3 "$st/state.db" 'select client, server, server_port, flows from comms order by id' > "$tmp/comms" 2> /dev/null ||
  fail "state.db: communications not readable (sqlite3)"
if [[ "$(cat "$tmp/comms")" == "192.168.40.30|192.168.40.10|5560|2
192.168.40.50|192.168.40.60|137|2
192.168.40.50|192.168.40.70|1900|2" ]]; then
  pass "three communications: gxw -> FX5U 5560, PC -> historian 137, PC -> camera 1900 (two flows each)"
else
  cat "$tmp/comms"; fail "communications"
fi
jqt "no NEW_COMMUNICATION (discovery in learning is learned, in detection it is from known assets)" "$alerts" \
  'all(.[]; .type != "NEW_COMMUNICATION")'
jqt "no NEW_ASSET" "$alerts" 'all(.[]; .type != "NEW_ASSET")'
finish
