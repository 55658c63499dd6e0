#!/usr/bin/env bash
# Golden test on the bundled demo capture (made by deploy/make-demo.sh with
# the real libmodbus stack): exact inventory, alerts and operations log,
# then a second read that must continue from the state.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
pcap="$src/deploy/demo/plant-demo.pcap"
exp="$src/tests/golden/expected"
st="$tmp/state"

"$otwatch" read --config "$cfg" --state "$st" "$pcap" 2> "$tmp/read.err" || { cat "$tmp/read.err"; fail "read failed"; finish; }
"$otwatch" assets --config "$cfg" --state "$st" --format json > "$tmp/assets.json"
"$otwatch" alerts --config "$cfg" --state "$st" --format json > "$tmp/alerts.json"
golden "$tmp/assets.json" "$exp/demo.assets.json"
golden "$tmp/alerts.json" "$exp/demo.alerts.json"
golden "$st/ops.jsonl" "$exp/demo.ops.jsonl"
"$otwatch" assets --config "$cfg" --state "$st" --format csv > "$tmp/assets.csv"
golden "$tmp/assets.csv" "$exp/demo.assets.csv"

# What a user sees: roles, vendors, identity.
jq -e '[.[] | select(.role=="controller")] | length == 2' "$tmp/assets.json" > /dev/null && pass "two controllers" || fail "controllers"
jq -e '.[] | select(.ips==["10.10.1.21"]) | .role=="hmi" and (.role_evidence | index("reads the same data cyclically (polling)"))' "$tmp/assets.json" > /dev/null && pass "hmi1 polls: HMI" || fail "hmi1 role"
jq -e '.[] | select(.ips==["10.10.1.31"]) | .role=="engineering" and (.role_evidence | index("reads controller identities or diagnostics"))' "$tmp/assets.json" > /dev/null && pass "eng1 reads identities: engineering" || fail "eng1 role"
jq -e '.[] | select(.ips==["10.10.1.11"]) | .identity.vendor == "Schneider Electric" and .identity.model == "BMXP342020" and .vendor == "TELEMECANIQUE ELECTRIQUE"' "$tmp/assets.json" > /dev/null && pass "plc1 identity and OUI vendor" || fail "plc1 identity"
for t in NEW_ASSET NEW_COMMUNICATION MODBUS_WRITE MODBUS_EXCEPTIONS; do
  jq -e --arg t "$t" 'any(.[]; .type==$t)' "$tmp/alerts.json" > /dev/null && pass "alert $t" || fail "alert $t missing"
done
jq -e 'all(.[]; has("type") and has("severity") and has("ts") and has("src") and has("dst") and has("protocol") and has("message"))' "$tmp/alerts.json" > /dev/null && pass "alert fields" || fail "alert fields"
jq -e 'all(.[]; has("mac") and has("ips") and has("vendor") and has("role") and has("protocols") and has("identity") and has("first_seen") and has("last_seen"))' "$tmp/assets.json" > /dev/null && pass "asset fields" || fail "asset fields"
# The JSON lines file has each alert as raised (count at that moment).
diff <(jq -c '[.id, .type, .message]' "$st/alerts.jsonl") <(jq -c '.[] | [.id, .type, .message]' "$tmp/alerts.json") > /dev/null && pass "alerts.jsonl has every alert once" || fail "alerts.jsonl"

# A second read continues from the state: nothing is new, counts grow.
"$otwatch" read --config "$cfg" --state "$st" "$pcap" 2> "$tmp/read2.err" || fail "second read failed"
"$otwatch" alerts --config "$cfg" --state "$st" --format json > "$tmp/alerts2.json"
"$otwatch" assets --config "$cfg" --state "$st" --format json > "$tmp/assets2.json"
[[ $(jq length "$tmp/alerts2.json") == $(jq length "$tmp/alerts.json") ]] && pass "no new alerts on a second read" || fail "second read raised new alerts"
[[ $(jq length "$tmp/assets2.json") == $(jq length "$tmp/assets.json") ]] && pass "same assets" || fail "asset count changed"
jq -e --slurpfile a "$tmp/assets.json" '[.[].packets] == [$a[0][].packets * 2]' "$tmp/assets2.json" > /dev/null && pass "packet counts doubled" || fail "packet counts"
[[ $(wc -l < "$st/ops.jsonl") == $(( 2 * $(wc -l < "$exp/demo.ops.jsonl") )) ]] && pass "operations log appended" || fail "operations log"
finish
