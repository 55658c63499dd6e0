#!/usr/bin/env bash
# `otwatch investigate` (issue 17, item 3) on the demo capture with the zones
# of tests/golden/zones.yaml: the terminal summary in English and Japanese
# compared byte for byte; JSON checked for the answer itself: nothing from the
# IT side reached the control zones, the engineering laptop's crossing and
# its coil write named when engineering is the zone asked about (and when it
# is the host asked about); the HTML report self-contained and escaped.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
zcfg="$src/tests/golden/zones.yaml"
st="$tmp/st"
"$otwatch" read --config "$zcfg" --state "$st" "$src/deploy/demo/plant-demo.pcap" 2> "$tmp/read.err" \
  || { cat "$tmp/read.err"; fail "read failed"; }
inv() { "$otwatch" investigate --config "$zcfg" --state "$st" --tz +09:00 "$@"; }
win=(--from "2026-11-24 01:12" --to "2026-11-24 01:14")

inv "${win[@]}" --lang en > "$tmp/investigate.en.txt" || fail "investigate (en) failed"
golden "$tmp/investigate.en.txt" "$src/tests/golden/expected/investigate.en.txt"
inv "${win[@]}" --lang ja > "$tmp/investigate.ja.txt" || fail "investigate (ja) failed"
golden "$tmp/investigate.ja.txt" "$src/tests/golden/expected/investigate.ja.txt"

inv "${win[@]}" --format json > "$tmp/it.json" || fail "json failed"
jqt "default sides: the IT zone, the Internet and unassigned into the control and OT zones; nothing reached" "$tmp/it.json" \
  '(.reached | not) and (.crossings | length) == 0 and .sources == "事務所, internet, unassigned" and (.targets | contains("製造ライン制御"))'
jqt "the window in UTC, coverage with its two edges unwatched, chain heads carried" "$tmp/it.json" \
  '.from == "2026-11-23T16:12:00.000000Z" and .tz == "+09:00" and (.coverage.continuous | not) and .coverage.drops == 0 and (.chain_heads.alerts | startswith("15 ")) and (.chain_heads.ops | startswith("154 "))'
jqt "both writes listed, each with its ops.jsonl record; both unexpected (alerts name them)" "$tmp/it.json" \
  '(.operations | length) == 2 and ([.operations[] | select(.class == "write" and .unexpected and (.first_record | type) == "number")] | length) == 2 and .unexpected_changes == 2'
jqt "every alert of the window, new devices counted" "$tmp/it.json" '(.alerts | length) == 15 and .new_devices == 4'

inv "${win[@]}" --zone engineering --format json > "$tmp/eng.json"
jqt "--zone engineering: its two Modbus sessions into 製造ライン制御 named, by hour" "$tmp/eng.json" \
  '.reached and (.crossings | length) == 2 and ([.crossings[] | select(.client == "10.10.1.31" and .server_zone == "製造ライン制御" and .protocol == "modbus" and .hours == ["2026-11-23T16:00:00.000000Z"])] | length) == 2'
inv "${win[@]}" --host 10.10.1.31 --format json > "$tmp/host.json"
jqt "--host 10.10.1.31: the same crossings, and only its own coil write" "$tmp/host.json" \
  '(.crossings | length) == 2 and (.operations | length) == 1 and .operations[0].function == "Write Single Coil" and .operations[0].controller_name == "LINE1-WRAP" and .sources == "10.10.1.31"'
inv "${win[@]}" --host 10.10.1.31 --lang ja | head -1 | grep -q '10.10.1.31 から supervisory、製造ライン制御、engineering、packaging への通信が 2 件ありました' \
  && pass "Japanese conclusion names the host" || fail "Japanese conclusion for --host"

inv "${win[@]}" --lang ja --html "$tmp/r.html" > /dev/null || fail "html failed"
grep -q '<div class="verdict bad" id="conclusion">' "$tmp/r.html" && pass "HTML: the conclusion first, marked" || fail "HTML conclusion"
grep -q 'ops.jsonl #111' "$tmp/r.html" && pass "HTML: the write cites its chained record" || fail "HTML record"
! grep -qiE '<script|src="http|href="http' "$tmp/r.html" && pass "HTML: self-contained, no script" || fail "HTML not self-contained"

# Errors: one line each.
inv --from "2026-11-24 01:12" 2> "$tmp/e1" > /dev/null; rc=$?
[[ $rc == 2 ]] && grep -q "give the window" "$tmp/e1" && pass "no --to: usage error" || fail "missing --to (rc $rc)"
inv "${win[@]}" --zone kitchen 2> "$tmp/e2" > /dev/null; rc=$?
[[ $rc == 1 ]] && grep -q "no zone named 'kitchen'" "$tmp/e2" && pass "unknown zone named" || fail "unknown zone (rc $rc)"
inv "${win[@]}" --host not-an-ip 2> "$tmp/e3" > /dev/null; rc=$?
[[ $rc == 2 ]] && pass "bad --host refused" || fail "bad host (rc $rc)"
finish
