#!/usr/bin/env bash
# A login brute force over PPP and over PPPoE (issue 14: link types and
# credentials) on captures crafted with tests/gen/pcapcraft
# (tests/golden/captures/pppbrute.spec, pppoebrute.spec): the framing must
# not hide what the link carries.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
for name in pppbrute pppoebrute; do
  "$build/pcapcraft" "$src/tests/golden/captures/$name.spec" "$tmp/regen.pcap"
  cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/$name.pcap" && pass "$name: capture = spec" || fail "$name: capture differs from its spec"
  golden_capture "$name"
  grep -q "could not be decoded" "$tmp/$name.err" && fail "$name: packets left undecoded"
  al="$tmp/$name.alerts.json"
  jqt "$name: one BRUTE_FORCE, high, from the client against the maint account" "$al" \
    '[.[] | select(.type=="BRUTE_FORCE")] | length == 1 and .[0].severity=="high" and .[0].src.ip=="10.70.0.2" and .[0].dst.ip=="10.70.1.10" and .[0].key=="user=maint"'
  jqt "$name: the refused passwords crossed in the clear (one alert, 12 attempts), the accepted one too" "$al" \
    '([.[] | select(.type=="CLEARTEXT_LOGIN" and .key=="user=maint refused") | .count] == [12]) and ([.[] | select(.type=="CLEARTEXT_LOGIN" and .key=="user=maint")] | length == 1)'
  jqt "$name: refused weak passwords (qwerty, 123456...) are high and said weak" "$al" \
    'any(.[]; .type=="CLEARTEXT_LOGIN" and .key=="user=maint refused" and .severity=="high" and (.message | test("password is weak")))'
done
jqt "PPP carries no MACs: both ends are assets by address" "$tmp/pppbrute.assets.json" \
  '[.[] | .ips[0]] | sort == ["10.70.0.2","10.70.1.10"]'
finish
