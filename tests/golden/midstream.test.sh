#!/usr/bin/env bash
# A session the sensor picks up midstream after a restart (captures crafted
# with tests/gen/pcapcraft: midstream-a.spec, midstream-b.spec): what nothing
# can name any more belongs to the communication it continues, not to a new
# "unknown" one (a false NEW_COMMUNICATION after every restart otherwise).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
for half in a b; do
  "$build/pcapcraft" "$src/tests/golden/captures/midstream-$half.spec" "$tmp/regen.pcap"
  cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/midstream-$half.pcap" &&
    pass "midstream-$half: capture = spec" || fail "midstream-$half: capture differs from its spec"
done
st="$tmp/st"
for half in a b; do
  "$otwatch" read --config "$cfg" --state "$st" "$src/tests/golden/captures/midstream-$half.pcap" \
    2> "$tmp/err" || { cat "$tmp/err"; fail "read midstream-$half"; }
done
"$otwatch" alerts --config "$cfg" --state "$st" --format json > "$tmp/alerts.json"
jqt "one NEW_COMMUNICATION, the session's own (HTTP), none for its midstream rest" "$tmp/alerts.json" \
  '[.[] | select(.type=="NEW_COMMUNICATION")] | length == 1 and .[0].protocol=="http"'
comms=$(sqlite3 "$st/state.db" "SELECT server_port, flows FROM comms" | tr '\n' ' ')
[[ "$comms" == "8080|2 " ]] && pass "one communication on tcp/8080 holding both parts' flows" ||
  fail "communications: $comms (want one on 8080 with 2 flows)"
finish
