#!/usr/bin/env bash
# After a crash (issue 16, finding 4): a run killed before its checkpoint has
# written and sent alert ids the store does not hold, and may leave the
# alert file and the operations log with a torn last line. The next run must
# not give those ids again, and must not glue its first record onto the torn
# line. The killed run is simulated exactly: its alerts are removed from the
# store (no checkpoint happened) and half a record is appended to each file.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
st="$tmp/st"
caps="$src/tests/golden/captures"
"$otwatch" read --config "$cfg" --state "$st" "$caps/creds.pcap" 2> "$tmp/err1" ||
  { cat "$tmp/err1"; fail "first read failed"; }
first_max=$(sqlite3 "$st/state.db" "SELECT max(id) FROM alerts")
[[ "$first_max" -ge 10 ]] && pass "first run: $first_max alerts" || fail "first run raised $first_max alerts"
reserved=$(sqlite3 "$st/state.db" "SELECT value FROM meta WHERE key='alert_id_reserved'")
[[ "$reserved" == $((first_max + 1)) ]] && pass "a clean stop keeps the reservation at the next id" ||
  fail "reserved $reserved after a clean stop (expected $((first_max + 1)))"

# The killed run: it had reserved a block and sent ids up to 4096 - 1 that
# the store never saw; its records end mid-line.
sqlite3 "$st/state.db" "UPDATE meta SET value='4096' WHERE key='alert_id_reserved'; DELETE FROM alerts WHERE id > 20"
printf '{"id":4000,"type":"CONTROL_COMM' >> "$st/alerts.jsonl"
printf '{"ts":"2023-11-14T22:13' >> "$st/ops.jsonl"

"$otwatch" read --config "$cfg" --state "$st" "$caps/s7comm.pcap" 2> "$tmp/err2" ||
  { cat "$tmp/err2"; fail "read after the crash failed"; }
grep -q "alerts.jsonl: removed a torn last line (31 bytes)" "$tmp/err2" &&
  pass "torn alert line cut and said" || { cat "$tmp/err2"; fail "no word of the torn alert line"; }
grep -q "ops.jsonl: removed a torn last line (23 bytes)" "$tmp/err2" &&
  pass "torn operations line cut and said" || fail "no word of the torn operations line"
for f in alerts.jsonl ops.jsonl; do
  if jq -e . "$st/$f" > /dev/null 2>&1; then pass "$f: every line is JSON"; else fail "$f: a line is not JSON"; fi
done
new_min=$(sqlite3 "$st/state.db" "SELECT min(id) FROM alerts WHERE id > 20")
[[ "$new_min" -ge 4096 ]] && pass "new alerts numbered from $new_min, past every id the killed run could have sent" ||
  fail "an id the killed run may have sent is given again ($new_min)"
dups=$(jq -r .id "$st/alerts.jsonl" | sort | uniq -d | wc -l)
[[ "$dups" == 0 ]] && pass "no id twice in alerts.jsonl" || fail "$dups ids twice in alerts.jsonl"

# A link planted as the alert file is refused, not followed.
st2="$tmp/st2"
mkdir -p "$st2"
ln -s /etc/hostname "$st2/alerts.jsonl"
if "$otwatch" read --config "$cfg" --state "$st2" "$caps/s7comm.pcap" 2> "$tmp/err3"; then
  fail "read with a linked alert file succeeded"
else
  grep -q "a link: refused" "$tmp/err3" && pass "a linked alert file is refused" || { cat "$tmp/err3"; fail "unclear refusal"; }
fi
finish
