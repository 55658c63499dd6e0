#!/usr/bin/env bash
# Evidence that holds (issue 17 item 4): `otwatch verify` passes on an
# untouched state; names the alert after one alert row is edited with
# sqlite3, and the line after one line of the operations log is edited;
# stays verifiable across a restart (two reads into one state) and after a
# run killed mid-line.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
caps="$src/tests/golden/captures"
st="$tmp/st"

"$otwatch" read --config "$cfg" --state "$st" "$caps/modbus-stream.pcap" 2> "$tmp/err" ||
  { cat "$tmp/err"; fail "read failed"; finish; }
n_alerts=$(sqlite3 "$st/state.db" "SELECT count(*) FROM alerts")
n_ops=$(wc -l < "$st/ops.jsonl")
if "$otwatch" verify --config "$cfg" --state "$st" > "$tmp/out" 2> "$tmp/err"; then
  grep -qE "^intact: alerts $n_alerts records, head [0-9a-f]{64}; operations $n_ops records, head [0-9a-f]{64}$" "$tmp/out" &&
    pass "untouched: $(cut -c1-60 "$tmp/out")..." || { cat "$tmp/out"; fail "untouched: summary"; }
else
  cat "$tmp/out" "$tmp/err"; fail "untouched state does not verify"
fi
[[ $(wc -l < "$tmp/out") -eq 1 ]] && pass "one line" || fail "not one line"
"$otwatch" verify --config "$cfg" --state "$st" --lang ja | grep -q "^改ざんなし: アラート $n_alerts 件" &&
  pass "in Japanese" || fail "Japanese summary"
# The head in the state is the one verify computed.
head=$(sqlite3 "$st/state.db" "SELECT value FROM meta WHERE key='chain_alerts'")
grep -q "alerts $n_alerts records, head ${head#* };" "$tmp/out" && pass "alert head = the state's" ||
  fail "alert head differs from meta chain_alerts ($head)"

# One alert row edited.
cp -r "$st" "$tmp/edit-alert"
id=$(sqlite3 "$st/state.db" "SELECT id FROM alerts WHERE type='MODBUS_WRITE' ORDER BY id LIMIT 1")
first=$(sqlite3 "$st/state.db" "SELECT first_seen FROM alerts WHERE id=$id")
sqlite3 "$tmp/edit-alert/state.db" "UPDATE alerts SET message='routine maintenance' WHERE id=$id"
if "$otwatch" verify --config "$cfg" --state "$tmp/edit-alert" > "$tmp/out" 2> "$tmp/err"; then
  fail "an edited alert message verifies"
else
  rc=$?
  [[ $rc -eq 1 ]] && pass "edited alert: exit 1" || fail "edited alert: exit $rc"
  ts=$(date -u -d "@$((first / 1000000))" +%Y-%m-%dT%H:%M:%SZ)
  grep -qE "^does not match: alerts: record [0-9]+, alert $id, $ts: the record does not match its link" "$tmp/out" &&
    pass "edited alert named: $(cat "$tmp/out")" || { cat "$tmp/out" "$tmp/err"; fail "edited alert $id not named"; }
fi
# Its count instead.
cp -r "$st" "$tmp/edit-count"
sqlite3 "$tmp/edit-count/state.db" "UPDATE alerts SET count=count+1 WHERE id=$id"
"$otwatch" verify --config "$cfg" --state "$tmp/edit-count" > "$tmp/out" 2>&1 &&
  fail "an edited count verifies" ||
  { grep -q "alert $id, .*count or last time" "$tmp/out" && pass "edited count named" || { cat "$tmp/out"; fail "edited count"; }; }
# A row removed.
cp -r "$st" "$tmp/del"
sqlite3 "$tmp/del/state.db" "DELETE FROM alerts WHERE id=$id"
"$otwatch" verify --config "$cfg" --state "$tmp/del" > "$tmp/out" 2>&1 &&
  fail "a removed alert verifies" ||
  { grep -q "alert $id, .*row of this record is gone" "$tmp/out" && pass "removed alert named" || { cat "$tmp/out"; fail "removed alert"; }; }

# One line of the operations log edited (a write made a read).
cp -r "$st" "$tmp/edit-ops"
line=$(grep -n '"class":"write"' "$st/ops.jsonl" | head -1 | cut -d: -f1)
ts=$(sed -n "${line}p" "$st/ops.jsonl" | jq -r .ts)
sed -i "${line}s/\"class\":\"write\"/\"class\":\"read\"/" "$tmp/edit-ops/ops.jsonl"
cmp -s "$st/ops.jsonl" "$tmp/edit-ops/ops.jsonl" && fail "sed changed nothing"
if "$otwatch" verify --config "$cfg" --state "$tmp/edit-ops" > "$tmp/out" 2> "$tmp/err"; then
  fail "an edited operation verifies"
else
  grep -qF "does not match: operations: $tmp/edit-ops/ops.jsonl line $line, $ts: the record does not match its link" "$tmp/out" &&
    pass "edited operation named: $(cat "$tmp/out")" || { cat "$tmp/out" "$tmp/err"; fail "edited line $line not named"; }
fi
# The last line removed, and the chain file rewritten to match an edit.
cp -r "$st" "$tmp/cut-ops"
sed -i '$d' "$tmp/cut-ops/ops.jsonl"
"$otwatch" verify --config "$cfg" --state "$tmp/cut-ops" > "$tmp/out" 2>&1 &&
  fail "a removed operation verifies" ||
  { grep -q "line $n_ops: records are missing" "$tmp/out" && pass "removed last operation seen" || { cat "$tmp/out"; fail "removed operation"; }; }

# A restart: a second read into the same state goes on with the chains.
"$otwatch" read --config "$cfg" --state "$st" "$caps/s7comm.pcap" 2> "$tmp/err" || { cat "$tmp/err"; fail "second read"; }
grep -q "chain" "$tmp/err" && { cat "$tmp/err"; fail "a clean restart warned about the chain"; }
n_alerts2=$(sqlite3 "$st/state.db" "SELECT count(*) FROM alert_chain")
n_ops2=$(wc -l < "$st/ops.jsonl")
[[ $n_ops2 -gt $n_ops ]] || fail "the second read wrote no operation"
"$otwatch" verify --config "$cfg" --state "$st" > "$tmp/out" 2>&1 &&
  grep -q "^intact: alerts $n_alerts2 records, .* operations $n_ops2 records" "$tmp/out" &&
  pass "after a restart: $(cut -c1-60 "$tmp/out")..." || { cat "$tmp/out"; fail "not intact after a restart"; }

# A run killed between checkpoints: its last whole operation is in the file
# but not in the state's anchor, its last line torn. The next run cuts the
# torn line (not a record), chains the whole one, and all verifies.
tail -1 "$st/ops.jsonl" >> "$st/ops.jsonl"
printf '{"ts":"2023-11-14T22:13' >> "$st/ops.jsonl"
"$otwatch" read --config "$cfg" --state "$st" "$caps/enip.pcap" 2> "$tmp/err" || { cat "$tmp/err"; fail "read after a crash"; }
grep -q "1 operation(s) written after the last checkpoint" "$tmp/err" && pass "the killed run's operation chained, said" ||
  { cat "$tmp/err"; fail "no word of the operation chained after the crash"; }
"$otwatch" verify --config "$cfg" --state "$st" > "$tmp/out" 2>&1 && pass "intact after a crash" ||
  { cat "$tmp/out"; fail "not intact after a crash"; }
[[ $(($(stat -c %s "$st/ops.jsonl.chain") / 32)) -eq $(wc -l < "$st/ops.jsonl") ]] &&
  pass "one link per operation" || fail "links and operations differ in number"

# No state: one line on stderr, exit 1.
"$otwatch" verify --config "$cfg" --state "$tmp/none" > /dev/null 2> "$tmp/err"
rc=$?
[[ $rc -eq 1 && $(wc -l < "$tmp/err") -eq 1 ]] && pass "no state: $(cat "$tmp/err")" || fail "no state: exit $rc"
finish
