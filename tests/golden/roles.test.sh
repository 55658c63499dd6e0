#!/usr/bin/env bash
# Roles from behaviour (issue 14) on a capture crafted with tests/gen/pcapcraft
# (tests/golden/captures/roles.spec): an engineering station downloading a
# program next to an HMI polling, and a historian reading three controllers.
# Exact assets, alerts and operations; then the same roles when the capture is
# read again into the state, and when it is read in two parts (a restart
# between: the historian's third controller comes after it).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/roles.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/roles.pcap" && pass "capture = spec" || fail "capture differs from its spec"
pcap="$src/tests/golden/captures/roles.pcap"
golden_capture roles
as="$tmp/roles.assets.json"
roles() { jq -c '[.[] | [.ips[0], .role]] | sort' "$1"; }
want='[["10.60.1.11","controller"],["10.60.1.12","controller"],["10.60.1.13","controller"],["10.60.1.14","controller"],["10.60.1.20","hmi"],["10.60.1.30","engineering"],["10.60.1.40","historian"]]'
[[ $(roles "$as") == "$want" ]] && pass "roles: engineering, hmi, historian, four controllers" || fail "roles: $(roles "$as")"
jqt "the engineering station: program transfer" "$as" \
  '.[] | select(.ips==["10.60.1.30"]) | .role_evidence | index("sends program transfers or operating-mode commands")'
jqt "the HMI: polling and a write" "$as" \
  '.[] | select(.ips==["10.60.1.20"]) | (.role_evidence | index("reads the same data cyclically (polling)")) and (.role_evidence | index("writes process values"))'
jqt "the historian: three controllers, no write" "$as" \
  '.[] | select(.ips==["10.60.1.40"]) | .role_evidence == ["sends industrial protocol requests (client)","reads from three or more controllers and never writes"]'

# Read again into the same state: nothing moves.
"$otwatch" read --config "$cfg" --state "$tmp/roles" "$pcap" 2> /dev/null || fail "second read"
"$otwatch" assets --config "$cfg" --state "$tmp/roles" --format json > "$tmp/again.json"
[[ $(roles "$tmp/again.json") == "$want" ]] && pass "same roles after a second read" || fail "second read: $(roles "$tmp/again.json")"

# In two parts: the historian reads two controllers, the sensor stops, then the third.
st="$tmp/split"
"$otwatch" read --config "$cfg" --state "$st" --filter "not host 10.60.1.14" "$pcap" 2> /dev/null || fail "first part"
"$otwatch" assets --config "$cfg" --state "$st" --format json > "$tmp/part1.json"
jqt "after two controllers the historian is an HMI" "$tmp/part1.json" '.[] | select(.ips==["10.60.1.40"]) | .role=="hmi"'
"$otwatch" read --config "$cfg" --state "$st" --filter "host 10.60.1.14" "$pcap" 2> /dev/null || fail "second part"
"$otwatch" assets --config "$cfg" --state "$st" --format json > "$tmp/part2.json"
[[ $(roles "$tmp/part2.json") == "$want" ]] && pass "read in two parts: the roles of one run" || fail "two parts: $(roles "$tmp/part2.json")"

# The report says why, in Japanese too.
"$otwatch" report --config "$cfg" --state "$tmp/roles" --html "$tmp/r.ja.html" --lang ja 2> /dev/null || fail "report"
grep -q "3 台以上のコントローラーから読み出し、書き込みなし" "$tmp/r.ja.html" && pass "historian's evidence in Japanese" || fail "report evidence"
finish
