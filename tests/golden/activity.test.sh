#!/usr/bin/env bash
# Activity over time (issue 17, item 1): per-communication buckets whose
# sums are the communications' totals, and the operations index behind
# `otwatch ops` (window, controller, client, class; English, Japanese, CSV,
# JSON), each row naming its line in the chained ops.jsonl. On the demo
# capture (deploy/demo/plant-demo.pcap) and the 30-minute coverage capture
# (tests/golden/captures/coverage.pcap, made by pcapcraft).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
demo="$src/deploy/demo/plant-demo.pcap"
cov="$src/tests/golden/captures/coverage.pcap"
st="$tmp/st"
"$otwatch" read --config "$cfg" --state "$st" "$demo" 2> "$tmp/read.err" ||
  { cat "$tmp/read.err"; fail "read failed"; finish; }
ops() { "$otwatch" ops --config "$cfg" --state "$st" "$@"; }

# The goldens: writes, control and identity reads in JST, in both languages;
# one controller's operations in a window as CSV.
ops --class write,control,identity --tz +09:00 --lang en > "$tmp/activity.ops.en.txt" || fail "ops (en)"
golden "$tmp/activity.ops.en.txt" "$src/tests/golden/expected/activity.ops.en.txt"
ops --class write,control,identity --tz +09:00 --lang ja > "$tmp/activity.ops.ja.txt" || fail "ops (ja)"
golden "$tmp/activity.ops.ja.txt" "$src/tests/golden/expected/activity.ops.ja.txt"
ops --controller 10.10.1.12 --from "2026-11-24 01:12:40" --to 2026-11-24T01:12:47 --tz +09:00 \
  --format csv > "$tmp/activity.ops.csv" || fail "ops (csv)"
golden "$tmp/activity.ops.csv" "$src/tests/golden/expected/activity.ops.csv"

# Every operation is indexed, once, and its record is its line in ops.jsonl.
ops --format json > "$tmp/all.json" || fail "ops (json)"
n_lines=$(wc -l < "$st/ops.jsonl")
jqt "every operation of ops.jsonl indexed ($n_lines), reads one row per key and minute" "$tmp/all.json" \
  '.count == $n and ([.operations[].count] | add) == $n and .rows < $n / 4 and all(.operations[]; .class == "read" or .class == "identity" or .class == "diagnostic" or .count == 1)' \
  --argjson n "$n_lines"
jqt "each row's first and last records are their ops.jsonl lines (time, class, function, ends)" "$tmp/all.json" \
  '.operations | all(. as $o | $L[$o.record] as $l | $L[$o.last_record] as $z | $l.ts == $o.ts and $l.class == $o.class and $l.function == $o.function and $l.client == $o.client and $l.server == $o.server and $z.ts == $o.last_ts and $z.class == $o.class and $z.server.ip == $o.server.ip)' \
  --slurpfile L "$st/ops.jsonl"
ops --class write --format json > "$tmp/w.json"
jqt "--class write: the two writes, one per controller" "$tmp/w.json" \
  '.count == 2 and .rows == 2 and ([.operations[].server.ip] == ["10.10.1.11", "10.10.1.12"]) and all(.operations[]; .class == "write")'
ops --client 10.10.1.31 --controller 10.10.1.12 --format json > "$tmp/c.json"
jqt "--client and --controller together" "$tmp/c.json" \
  '.count > 0 and all(.operations[]; .client.ip == "10.10.1.31" and .server.ip == "10.10.1.12")'
ops --from 2026-11-23T16:12:46Z --to 2026-11-23T16:12:47Z --format json > "$tmp/win.json"
jqt "a one-second window: the rows that meet it (the write, and the minute's polling)" "$tmp/win.json" \
  '.count > 0 and any(.operations[]; .class == "write") and all(.operations[]; .ts < "2026-11-23T16:12:47" and .last_ts >= "2026-11-23T16:12:46")'
ops --from 2030-01-01 > "$tmp/none.txt"
grep -q "^No operation matches.$" "$tmp/none.txt" && pass "an empty window says so" || { cat "$tmp/none.txt"; fail "empty window"; }

# Bucket sums are the communications' totals (flows, packets, bytes).
sums() {
  sqlite3 "$1/state.db" "SELECT count(*) FROM comms c LEFT JOIN (SELECT comm_id, sum(flows) f,
    sum(packets) p, sum(bytes) b FROM activity GROUP BY comm_id) a ON a.comm_id = c.id
    WHERE c.flows != coalesce(a.f, 0) OR c.packets != coalesce(a.p, 0) OR c.bytes != coalesce(a.b, 0)"
}
n=$(sqlite3 "$st/state.db" "SELECT count(*) FROM activity")
[[ $n -gt 0 && $(sums "$st") == 0 ]] && pass "demo: $n bucket rows, sums = every communication's totals" ||
  fail "demo: $n rows, $(sums "$st") communications whose buckets do not add up"
# A second read into the same state (a restart): still equal, the index goes on.
"$otwatch" read --config "$cfg" --state "$st" "$demo" 2> /dev/null || fail "second read"
[[ $(sums "$st") == 0 ]] && pass "after a second read: sums still equal" || fail "second read: sums differ"
ops --format json > "$tmp/all2.json"
jqt "after a second read: twice the operations, records still their lines" "$tmp/all2.json" \
  '.count == 2 * $n and (.operations | all(. as $o | $L[$o.record].ts == $o.ts and $L[$o.record].class == $o.class and $L[$o.last_record].ts == $o.last_ts))' \
  --argjson n "$n_lines" --slurpfile L "$st/ops.jsonl"

# 30 minutes of polling with a 15-minute silence: a bucket per active
# minute; with activity.bucket 5m fewer, same sums.
"$otwatch" read --config "$cfg" --state "$tmp/cov" "$cov" 2> /dev/null || fail "coverage read"
b1=$(sqlite3 "$tmp/cov/state.db" "SELECT count(*) FROM activity")
[[ $b1 -ge 15 && $(sums "$tmp/cov") == 0 ]] && pass "1m buckets over 30 minutes: $b1 rows, sums equal" ||
  fail "1m buckets: $b1 rows, sums $(sums "$tmp/cov")"
gap=$(sqlite3 "$tmp/cov/state.db" "SELECT count(*) FROM activity WHERE bucket >= 1700000640000000 AND bucket < 1700001480000000")
[[ $gap == 0 ]] && pass "no bucket inside the 15-minute silence" || fail "$gap buckets in the silence"
{ cat "$cfg"; printf 'activity:\n  bucket: 5m\n'; } > "$tmp/b5.yaml"
"$otwatch" read --config "$tmp/b5.yaml" --state "$tmp/b5" "$cov" 2> /dev/null || fail "5m read"
b5=$(sqlite3 "$tmp/b5/state.db" "SELECT count(*) FROM activity")
[[ $b5 -lt $b1 && $(sums "$tmp/b5") == 0 ]] &&
  [[ $(sqlite3 "$tmp/b5/state.db" "SELECT count(*) FROM activity WHERE bucket % 300000000 != 0") == 0 ]] &&
  pass "5m buckets: $b5 rows on 5-minute boundaries, sums equal" || fail "5m buckets ($b5 rows)"

# Retention 10m of capture time: older buckets and operations pruned, counted.
{ cat "$cfg"; printf 'activity:\n  retention: 10m\n'; } > "$tmp/ret.yaml"
OTW_STATS=1 "$otwatch" read --config "$tmp/ret.yaml" --state "$tmp/ret" "$cov" 2> "$tmp/ret.err" || fail "retention read"
pruned=$(sqlite3 "$tmp/ret/state.db" "SELECT value FROM meta WHERE key = 'activity_pruned'")
last=$(sqlite3 "$tmp/ret/state.db" "SELECT max(last_seen) FROM comms")
old=$(sqlite3 "$tmp/ret/state.db" "SELECT count(*) FROM activity WHERE bucket < $last - 600000000 - 60000000")
[[ ${pruned:-0} -gt 0 && $old == 0 ]] && grep -q "activity_pruned=$pruned " "$tmp/ret.err" &&
  pass "retention 10m: $pruned bucket rows pruned (meta and OTW_STATS), none older kept" ||
  fail "retention: pruned '$pruned', $old older rows"
grep -qE "activity_dropped_entries=0 .* ops_dropped=0 " "$tmp/ret.err" && pass "nothing dropped (stats say so)" || fail "stats line"

# A state from before activity (schema 4): `ops` says it has no index; a
# writer adds the tables.
"$otwatch" read --config "$cfg" --state "$tmp/s4" "$cov" 2> /dev/null
sqlite3 "$tmp/s4/state.db" "DROP TABLE activity; DROP TABLE ops; UPDATE meta SET value = '4' WHERE key = 'schema_version'"
ops() { "$otwatch" ops --config "$cfg" --state "$tmp/s4" "$@"; }
ops --lang en > "$tmp/s4.txt" && grep -q "has no operations index yet" "$tmp/s4.txt" &&
  pass "schema 4: ops says there is no index" || { cat "$tmp/s4.txt"; fail "schema 4 ops"; }
"$otwatch" read --config "$cfg" --state "$tmp/s4" "$demo" 2> /dev/null || fail "read into schema 4"
[[ $(sqlite3 "$tmp/s4/state.db" "SELECT value FROM meta WHERE key = 'schema_version'") == 5 ]] &&
  [[ $(sqlite3 "$tmp/s4/state.db" "SELECT count(*) FROM ops") -gt 0 ]] &&
  pass "schema 4 opened by a writer: version 5, operations indexed" || fail "schema 4 migration"

# Usage errors: one line, exit 2.
for bad in "--class erase" "--controller plc1" "--format xml" "--lang fr" "--from yesterday"; do
  # shellcheck disable=SC2086
  "$otwatch" ops --state "$st" $bad > /dev/null 2> "$tmp/e"; rc=$?
  [[ $rc == 2 && $(wc -l < "$tmp/e") == 1 ]] && pass "ops $bad: usage error" || fail "ops $bad (rc $rc)"
done
printf 'activity:\n  bucket: 0s\n' > "$tmp/bad.yaml"
"$otwatch" config check "$tmp/bad.yaml" > /dev/null 2>&1 && fail "bucket 0s accepted" || pass "config check refuses bucket 0s"
printf 'activity:\n  bucket: 15m\n  routine_ops: 1d\n  retention: 0\n  max_mb: 0\n' > "$tmp/ok.yaml"
"$otwatch" config check "$tmp/ok.yaml" > /dev/null 2>&1 && pass "bucket 15m, retention 0, max_mb 0 accepted" || fail "config check refused"
finish
