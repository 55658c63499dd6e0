#!/usr/bin/env bash
# Dynamic protocol detection (issue 14, item 4) on a capture crafted from
# the specifications (tests/golden/captures/dyndetect.spec, written by
# tests/gen/pcapcraft), read with the default ports: Modbus/TCP on 5020,
# HTTP Basic on 8000, Telnet on 2323 and FTP on 2121 are dissected all the
# same (a probe or nDPI's verdict claims them), from their first PDU; a
# binary protocol that looks like Modbus at a glance and remote desktop over
# COTP are claimed by nothing. protocols.dynamic_detection: false turns it off.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/dyndetect.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/dyndetect.pcap" && pass "capture = spec" || fail "capture differs from its spec"
OTW_STATS=1 golden_capture dyndetect
al="$tmp/dyndetect.alerts.json" as="$tmp/dyndetect.assets.json" ops="$tmp/dyndetect/ops.jsonl"
jqt "Modbus on 5020: both reads and the write, the first one included" "$ops" -s \
  '[.[] | select(.protocol=="modbus" and .server.port==5020) | [.transaction, .class, .outcome]] == [[1,"read","ok"],[2,"read","ok"],[3,"write","ok"]]'
jqt "the write raises MODBUS_WRITE" "$al" 'any(.[]; .type=="MODBUS_WRITE" and .dst.ip=="10.50.2.10" and .dst.port==5020)'
jqt "HTTP Basic on 8000: the default admin:admin" "$al" 'any(.[]; .type=="DEFAULT_CREDENTIALS" and .protocol=="http" and .dst.port==8000 and .key=="user=admin")'
jqt "Telnet on 2323: a cleartext login" "$al" 'any(.[]; .type=="CLEARTEXT_LOGIN" and .protocol=="telnet" and .dst.port==2323 and .key=="user=operator")'
jqt "FTP on 2121: a cleartext login" "$al" 'any(.[]; .type=="CLEARTEXT_LOGIN" and .protocol=="ftp" and .dst.port==2121 and .key=="user=plc")'
jqt "the PLC is a controller, the HMI its client" "$as" 'any(.[]; .ips==["10.50.2.10"] and .role=="controller")'
jqt "nothing claimed the historian's protocol or remote desktop: no operation" "$ops" -s \
  'all(.[]; .server.ip != "10.50.1.50" and .server.ip != "10.50.1.60")'
jqt "... no alert beyond a new device and a new (unknown, RDP) communication" "$al" \
  '[.[] | select(.dst.ip=="10.50.1.50" or .dst.ip=="10.50.1.60") | [.type, (.message | test("\\((Unknown|RDP)\\)$"))]] == [["NEW_COMMUNICATION",true],["NEW_COMMUNICATION",true]]'
jqt "... and no protocol mismatch anywhere" "$al" '[.[] | select(.type=="PROTOCOL_MISMATCH")] | length == 0'
jqt "neither is a controller" "$as" 'all(.[]; ((.ips==["10.50.1.50"] or .ips==["10.50.1.60"]) | not) or .role != "controller")'
grep -q "claimed_by_ndpi=1 claimed_by_probe=3 claimed_as_known=0 claims_refuted=0 known_services=4 " "$tmp/dyndetect.err" && pass "statistics: 1 flow claimed by nDPI (HTTP), 3 by probes, their 4 services known" || { grep claimed "$tmp/dyndetect.err"; fail "claim statistics"; }
for pw in Tn-Op3rator-77 Ftp-Plc-5521; do
  if grep -rqaF -- "$pw" "$tmp/dyndetect" "$tmp"/dyndetect.*.json; then fail "password $pw leaked"; else pass "password $pw nowhere in the outputs"; fi
done
# The switch: by port only, none of it is dissected.
{ cat "$cfg"; printf 'protocols:\n  dynamic_detection: false\n'; } > "$tmp/off.yaml"
"$otwatch" read --config "$tmp/off.yaml" --state "$tmp/off" "$src/tests/golden/captures/dyndetect.pcap" 2> "$tmp/off.err" || { cat "$tmp/off.err"; fail "read (off)"; }
"$otwatch" alerts --config "$tmp/off.yaml" --state "$tmp/off" --format json > "$tmp/off.alerts.json"
jqt "dynamic_detection: false: no login, no Modbus write" "$tmp/off.alerts.json" \
  '[.[] | select(.type=="CLEARTEXT_LOGIN" or .type=="DEFAULT_CREDENTIALS" or .type=="MODBUS_WRITE")] | length == 0'
[[ ! -s "$tmp/off/ops.jsonl" ]] && pass "dynamic_detection: false: no operation" || fail "operations with dynamic_detection off"
finish
