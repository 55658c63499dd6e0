#!/usr/bin/env bash
# Devices changing addresses (issue 14, item 7) on a capture crafted with
# tests/gen/pcapcraft (tests/golden/captures/addrchange.spec): a PC's new
# DHCP lease, a PLC given a new address, a quiet PLC's address taken by a
# new MAC.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/addrchange.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/addrchange.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture addrchange
al="$tmp/addrchange.alerts.json" as="$tmp/addrchange.assets.json"
jqt "the PC's new lease is one ADDRESS_CHANGED, low, from the DHCPACK and its ARP together" "$al" \
  '[.[] | select(.type=="ADDRESS_CHANGED" and .src.mac=="00:21:cc:40:02:32")] | length == 1 and .[0].severity=="low" and .[0].src.ip=="10.40.2.51" and .[0].count==1 and (.[0].message | test("changed its address from 10.40.2.50 to 10.40.2.51"))'
jqt "the PLC given a new address: ADDRESS_CHANGED, medium" "$al" \
  '[.[] | select(.type=="ADDRESS_CHANGED" and .src.mac=="00:26:92:40:02:0b")] | length == 1 and .[0].severity=="medium" and (.[0].message | test("^The controller \\(MAC 00:26:92:40:02:0b\\) changed its address from 10.40.2.11 to 10.40.2.12"))'
jqt "no new device for a device that changed address" "$al" \
  '[.[] | select(.type=="NEW_ASSET" and (.src.ip=="10.40.2.51" or .src.ip=="10.40.2.12"))] | length == 0'
jqt "the quiet PLC's address taken by a new MAC: ADVERSARY_IN_THE_MIDDLE, high, T0830" "$al" \
  '[.[] | select(.type=="ADVERSARY_IN_THE_MIDDLE")] | length == 1 and .[0].severity=="high" and .[0].technique=="T0830" and .[0].src.mac=="00:1b:1b:40:02:99" and .[0].dst.mac=="00:1b:1b:40:02:0a" and (.[0].message | test("replaced controller, or a device impersonating it"))'
jqt "each device keeps one asset with its addresses" "$as" \
  '(map(select(.mac=="00:21:cc:40:02:32")) | length == 1 and (.[0].ips | sort) == ["10.40.2.50","10.40.2.51"]) and (map(select(.mac=="00:26:92:40:02:0b")) | length == 1 and .[0].role=="controller")'
finish
