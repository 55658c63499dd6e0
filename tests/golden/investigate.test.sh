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

# The week (captures/officeweek.spec): an office PC infected on Wednesday;
# variant B also reaches the HMI over RDP and the HMI then writes the PLC.
wcfg="$src/tests/golden/officeweek.yaml"
"$build/pcapcraft" "$src/tests/golden/captures/officeweek.spec" "$tmp/week-a.pcap" || fail "pcapcraft a"
sed 's/^#B //' "$src/tests/golden/captures/officeweek.spec" > "$tmp/week-b.spec"
"$build/pcapcraft" "$tmp/week-b.spec" "$tmp/week-b.pcap" || fail "pcapcraft b"
week=(--config "$wcfg" --from "2026-11-30 00:00" --to "2026-12-07 00:00" --tz +09:00)
for v in a b; do
  "$otwatch" read --config "$wcfg" --state "$tmp/week-$v" "$tmp/week-$v.pcap" 2> "$tmp/week-$v.err" \
    || { cat "$tmp/week-$v.err"; fail "read week $v"; }
  for l in en ja; do
    "$otwatch" investigate --state "$tmp/week-$v" "${week[@]}" --lang $l > "$tmp/week-$v.$l.txt" || fail "investigate week $v $l"
    golden "$tmp/week-$v.$l.txt" "$src/tests/golden/expected/investigate.week-$v.$l.txt"
  done
  "$otwatch" investigate --state "$tmp/week-$v" "${week[@]}" --format json > "$tmp/week-$v.json"
done
jqt "week A: nothing from the office reached scada or line1, no controller changed" "$tmp/week-a.json" \
  '(.reached | not) and (.crossings | length) == 0 and .controller_changes == 0 and .unexpected_changes == 0'
jqt "week A: the capture gap on Thursday 02:00-04:00 JST is the only gap, 'no packets'" "$tmp/week-a.json" \
  '(.coverage.gaps | length) == 1 and .coverage.gaps[0].reason == "no packets" and (.coverage.gaps[0].from | startswith("2026-12-02T16:59")) and (.coverage.gaps[0].to | startswith("2026-12-02T19:00"))'
jqt "week A: the SMB scan is among the alerts" "$tmp/week-a.json" '[.alerts[] | select(.type == "SCAN")] | length == 1'
jqt "week B: exactly the RDP session from the office PC to the HMI, in Wednesday's 10:00 hour" "$tmp/week-b.json" \
  '.reached and (.crossings | length) == 1 and .crossings[0].client == "192.168.1.50" and .crossings[0].server == "10.20.2.20" and .crossings[0].server_port == 3389 and .crossings[0].protocol == "RDP" and .crossings[0].flows == 1 and .crossings[0].hours == ["2026-12-02T01:00:00.000000Z"]'
jqt "week B: exactly the HMI's register write, outside its routine, citing its ops.jsonl record" "$tmp/week-b.json" \
  '(.operations | length) == 1 and .operations[0].class == "write" and .operations[0].function == "Write Single Register" and .operations[0].client == "10.20.2.20" and .operations[0].controller == "10.20.1.10" and .operations[0].unexpected and (.operations[0].first_record | type) == "number" and .unexpected_changes == 1'
"$otwatch" investigate --state "$tmp/week-b" "${week[@]}" --lang ja --html "$tmp/week-b.html" > /dev/null
grep -q "未割当 から scada、第1ライン への通信が 1 件ありました" "$tmp/week-b.html" && pass "week B: the Japanese report names the crossing" || fail "week B Japanese report"

# Errors: one line each.
inv --from "2026-11-24 01:12" 2> "$tmp/e1" > /dev/null; rc=$?
[[ $rc == 2 ]] && grep -q "give the window" "$tmp/e1" && pass "no --to: usage error" || fail "missing --to (rc $rc)"
inv "${win[@]}" --zone kitchen 2> "$tmp/e2" > /dev/null; rc=$?
[[ $rc == 1 ]] && grep -q "no zone named 'kitchen'" "$tmp/e2" && pass "unknown zone named" || fail "unknown zone (rc $rc)"
inv "${win[@]}" --host not-an-ip 2> "$tmp/e3" > /dev/null; rc=$?
[[ $rc == 2 ]] && pass "bad --host refused" || fail "bad host (rc $rc)"
finish
