#!/usr/bin/env bash
# ARP spoofing of a PLC and a replaced printer (issue 14, address changes)
# on a capture crafted from RFC 826 and the Modbus/TCP specification
# (tests/golden/captures/arpspoof.spec, written by tests/gen/pcapcraft).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/arpspoof.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/arpspoof.pcap" && pass "capture = spec" || fail "capture differs from its spec"
st="$tmp/st"
"$otwatch" read --config "$cfg" --state "$st" "$src/tests/golden/captures/arpspoof.pcap" 2> "$tmp/err" || { cat "$tmp/err"; fail "read"; }
"$otwatch" alerts --config "$cfg" --state "$st" --format json > "$tmp/alerts.json"
"$otwatch" assets --config "$cfg" --state "$st" --format json > "$tmp/assets.json"
al="$tmp/alerts.json"
jqt "one adversary-in-the-middle alert, high (a controller), T0830, from the laptop's MAC to the PLC's" "$al" \
  '[.[] | select(.type=="ADVERSARY_IN_THE_MIDDLE")] | length == 1 and .[0].severity=="high" and .[0].technique=="T0830" and .[0].key=="ip=10.40.1.10" and .[0].src.mac=="00:0c:29:40:01:42" and .[0].dst.mac=="00:1b:1b:40:01:0a"'
jqt "the message names the claiming MAC and its own address" "$al" \
  'any(.[]; .type=="ADVERSARY_IN_THE_MIDDLE" and (.message | test("claimed by MAC 00:0c:29:40:01:42 \\(which also uses 10.40.1.66\\)")))'
jqt "the PLC keeps its address and its role" "$tmp/assets.json" \
  'any(.[]; .mac=="00:1b:1b:40:01:0a" and .ips==["10.40.1.10"] and .role=="controller")'
jqt "the laptop keeps only its own address" "$tmp/assets.json" \
  'any(.[]; .mac=="00:0c:29:40:01:42" and .ips==["10.40.1.66"])'
jqt "the replaced printer is no attack: its address moved to the new one" "$tmp/assets.json" \
  'any(.[]; .mac=="3c:d9:2b:40:01:99" and .ips==["10.40.1.30"]) and ([.[] | select(.mac=="3c:d9:2b:40:01:1e") | .ips | length] == [0])'
jqt "no other alert names the printer's move as an attack" "$al" \
  '[.[] | select(.type=="ADVERSARY_IN_THE_MIDDLE" and .key=="ip=10.40.1.30")] | length == 0'
finish
