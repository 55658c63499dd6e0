#!/usr/bin/env bash
# Coverage (issue 17, item 2) on a capture crafted with tests/gen/pcapcraft
# (tests/golden/captures/coverage.spec): 10 minutes of Modbus polling, 15
# minutes with nothing (`wait 900`), 5 minutes of polling. `otwatch coverage`
# names the gap, says "watched continuously" for a window without one, and
# follows coverage.read_gap and coverage.retention.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/coverage.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/coverage.pcap" && pass "capture = spec" || fail "capture differs from its spec"
st="$tmp/coverage"
"$otwatch" read --config "$cfg" --state "$st" "$src/tests/golden/captures/coverage.pcap" 2> "$tmp/read.err" \
  || { cat "$tmp/read.err"; fail "read failed"; }
cov() { "$otwatch" coverage --config "$cfg" --state "$st" "$@"; }

cov > "$tmp/coverage.table.txt" || fail "coverage failed"
golden "$tmp/coverage.table.txt" "$src/tests/golden/expected/coverage.table.txt"
cov --format json > "$tmp/all.json"
jqt "the whole capture: not continuous, one gap of 15 min (and the 10 s poll interval) with no packets, in the file" "$tmp/all.json" \
  '.recorded and (.continuous | not) and (.gaps | length) == 1 and .gaps[0].reason == "no packets" and .gaps[0].source == "coverage.pcap" and .gaps[0].seconds >= 900 and .gaps[0].seconds <= 911 and .gaps[0].from == "2023-11-14T22:23:10.124000Z"'
jqt "one file session from the first packet to the last, 0 drops, every packet counted" "$tmp/all.json" \
  '(.sessions | length) == 1 and .sessions[0].kind == "file" and .sessions[0].start == "2023-11-14T22:13:20.000000Z" and .sessions[0].clean_stop and .drops == 0 and .packets == 188 and .sessions[0].packets == 188'

# A window before the gap, in UTC and the same in JST: continuous.
cov --from 2023-11-14T22:14 --to 2023-11-14T22:22 > "$tmp/before.txt"
grep -q '^Watched continuously from 2023-11-14 22:14:00 to 2023-11-14 22:22:00 (+00:00) with 0 packets dropped' "$tmp/before.txt" \
  && pass "a window without a gap: watched continuously, 0 dropped" || { cat "$tmp/before.txt"; fail "window before the gap"; }
cov --from "2023-11-15 07:14" --to "2023-11-15 07:22" --tz +09:00 --format json > "$tmp/jst.json"
jqt "the same window in JST (--tz +09:00): continuous, no gaps" "$tmp/jst.json" \
  '.continuous and (.gaps | length) == 0 and .from == "2023-11-14T22:14:00.000000Z" and .tz == "+09:00" and .watched_seconds == 480'
# A window over the gap names it; one past the end of the capture is not watching.
cov --from 2023-11-14T22:20 --to 2023-11-14T22:50 --format json > "$tmp/over.json"
jqt "a window over the gap and past the capture: the gap, then 'not watching'" "$tmp/over.json" \
  '(.continuous | not) and (.gaps | length) == 2 and .gaps[0].reason == "no packets" and .gaps[1].reason == "not watching" and .gaps[1].to == "2023-11-14T22:50:00.000000Z" and .gaps[1].source == null'
cov --from 2023-11-14T22:14 --to 2023-11-14T22:22 --source other.pcap --format json > "$tmp/other.json"
jqt "--source of another file: not watched by it" "$tmp/other.json" '(.recorded | not) and (.continuous | not) and .gaps[0].reason == "not watching"'

cov --from 2023-11-14T23:00 > "$tmp/after.txt"
grep -q '^No coverage recorded in .* after --from' "$tmp/after.txt" && pass "--from after everything recorded: says so" || { cat "$tmp/after.txt"; fail "--from after the capture"; }

# coverage.read_gap: 20m: the 15 minutes are no gap.
{ cat "$cfg"; printf 'coverage:\n  read_gap: 20m\n'; } > "$tmp/gap20.yaml"
"$otwatch" read --config "$tmp/gap20.yaml" --state "$tmp/gap20" "$src/tests/golden/captures/coverage.pcap" 2> /dev/null
"$otwatch" coverage --state "$tmp/gap20" --format json > "$tmp/gap20.json"
jqt "read_gap 20m: the whole capture is continuous" "$tmp/gap20.json" '.continuous and (.gaps | length) == 0'

# coverage.retention: 10m: the minutes older than 10 minutes before the last packet are pruned, and counted.
{ cat "$cfg"; printf 'coverage:\n  retention: 10m\n'; } > "$tmp/ret.yaml"
"$otwatch" read --config "$tmp/ret.yaml" --state "$tmp/ret" "$src/tests/golden/captures/coverage.pcap" 2> /dev/null
"$otwatch" coverage --state "$tmp/ret" --format json > "$tmp/ret.json"
jqt "retention 10m: pruned rows counted; the gap, which ends after the cutoff, is kept" "$tmp/ret.json" \
  '.pruned > 0 and (.gaps | length) == 1'
n=$(sqlite3 "$tmp/ret/state.db" "SELECT count(*) FROM coverage_minutes WHERE minute_us < 1700001200000000")
[[ $n == 0 ]] && pass "no minute older than the retention is kept" || fail "$n minute rows older than the retention"

# Usage errors are one line, exit 2; config check validates the keys.
"$otwatch" coverage --state "$st" --from yesterday 2> "$tmp/e1"; rc=$?
[[ $rc == 2 ]] && grep -q "bad --from 'yesterday'" "$tmp/e1" && pass "bad --from refused" || fail "bad --from (rc $rc)"
"$otwatch" coverage --state "$st" --format csv 2> /dev/null; [[ $? == 2 ]] && pass "unknown format refused" || fail "format csv accepted"
printf 'coverage:\n  read_gap: 0s\n' > "$tmp/bad.yaml"
"$otwatch" config check "$tmp/bad.yaml" > /dev/null 2>&1 && fail "read_gap 0s accepted" || pass "config check refuses read_gap 0s"
printf 'outputs:\n  syslog:\n    heartbeat: 0\ncoverage:\n  retention: 0\n' > "$tmp/ok.yaml"
"$otwatch" config check "$tmp/ok.yaml" > /dev/null 2>&1 && pass "heartbeat 0 (off) and retention 0 (keep all) accepted" || fail "config check refused heartbeat 0"
"$otwatch" config check "$src/deploy/otwatch.yaml" > /dev/null 2>&1 && pass "deploy/otwatch.yaml passes config check" || fail "deploy/otwatch.yaml refused"
finish
