#!/usr/bin/env bash
# The command line as a user meets it: clear one-line errors with a
# non-zero exit that leave the state intact, pcapng and several files in
# timestamp order giving the same result as one pcap, BPF filters.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
pcap="$src/deploy/demo/plant-demo.pcap"
st="$tmp/state"

expect_error() { # name, expected stderr pattern, command...
  local name=$1 pattern=$2; shift 2
  if "$@" > "$tmp/out" 2> "$tmp/err"; then fail "$name: exit 0"; return; fi
  if [[ $(wc -l < "$tmp/err") -ne 1 ]]; then cat "$tmp/err"; fail "$name: not one line on stderr"; return; fi
  grep -qE "$pattern" "$tmp/err" && pass "$name: $(cat "$tmp/err")" || { cat "$tmp/err"; fail "$name: message"; }
}

"$otwatch" --version | grep -qE '^otwatch [0-9]+\.[0-9]+' && pass "--version" || fail "--version"
"$otwatch" help | grep -q "read FILE" && pass "help" || fail "help"

"$otwatch" read --config "$cfg" --state "$st" "$pcap" 2> /dev/null || fail "first read"
cp "$st/state.db" "$tmp/before.db"
expect_error "missing file" "otwatch read: cannot open .*nope.pcap: No such file" \
  "$otwatch" read --config "$cfg" --state "$st" "$tmp/nope.pcap"
expect_error "not a capture" "otwatch read: cannot read .*: not a pcap or pcapng capture" \
  "$otwatch" read --config "$cfg" --state "$st" "$cfg"
expect_error "one bad file among good ones" "cannot open" \
  "$otwatch" read --config "$cfg" --state "$st" "$pcap" "$tmp/missing.pcap"
expect_error "bad filter" "bad filter" \
  "$otwatch" read --config "$cfg" --state "$st" --filter "port nonsense" "$pcap"
printf 'flows:\n  memory_mb: lots\n' > "$tmp/bad.yaml"
expect_error "bad configuration" "bad.yaml:2" \
  "$otwatch" read --config "$tmp/bad.yaml" --state "$st" "$pcap"
printf 'flows:\n  memroy_mb: 3\n' > "$tmp/bad2.yaml"
expect_error "unknown key" "bad2.yaml:2.*memroy_mb" "$otwatch" config check "$tmp/bad2.yaml"
printf 'zones:\n  - name: office\n    cidrs: [10.1.0.0/16]\n    level: 4\n  - name: line\n    cidrs: [10.2.0.0/16]\n    level: 1\nconduits:\n  - name: eng\n    from: office\n    to: line\n    protocols: [modbus-tcp]\n' > "$tmp/proto.yaml"
expect_error "misspelt conduit protocol" 'conduit eng: unknown protocol "modbus-tcp"; did you mean "modbus"' \
  "$otwatch" config check "$tmp/proto.yaml"
expect_error "... refused by read too" 'unknown protocol "modbus-tcp"' \
  "$otwatch" read --config "$tmp/proto.yaml" --state "$tmp/proto-st" "$pcap"
expect_error "no state" "no state in" "$otwatch" assets --config "$cfg" --state "$tmp/empty"
expect_error "bad format" "unknown format" "$otwatch" alerts --config "$cfg" --state "$st" --format xml
expect_error "bad severity" "unknown severity 'urgent'" "$otwatch" alerts --config "$cfg" --state "$st" --severity urgent
expect_error "bad type" "unknown alert type 'NEW_THING'" "$otwatch" alerts --config "$cfg" --state "$st" --type new_asset,new_thing
expect_error "bad since" "bad --since" "$otwatch" alerts --config "$cfg" --state "$st" --since yesterday
# Alert filters (issue 18): severity and above, types in any case, since a
# time in a given offset; CSV with a header row.
all=$("$otwatch" alerts --config "$cfg" --state "$st" --format json | jq length)
high=$("$otwatch" alerts --config "$cfg" --state "$st" --format json | jq '[.[] | select(.severity=="high" or .severity=="critical")] | length')
[[ $("$otwatch" alerts --config "$cfg" --state "$st" --severity high --format json | jq length) == "$high" ]] &&
  pass "--severity high: the $high high and critical of $all" || fail "--severity high"
"$otwatch" alerts --config "$cfg" --state "$st" --severity high | tail -1 | grep -qx "$high of $all alerts" &&
  pass "the table says how many of all it shows" || fail "table count line"
[[ $("$otwatch" alerts --config "$cfg" --state "$st" --type new_asset --format json | jq '[.[].type] | unique') == '[
  "NEW_ASSET"
]' ]] && pass "--type new_asset (any case)" || fail "--type"
n_since=$("$otwatch" alerts --config "$cfg" --state "$st" --since 2026-11-24T01:12:44 --tz +09:00 --format json | jq length)
n_since_utc=$("$otwatch" alerts --config "$cfg" --state "$st" --since 2026-11-23T16:12:44Z --format json | jq length)
[[ $n_since == "$n_since_utc" && $n_since -gt 0 && $n_since -lt $all ]] &&
  pass "--since in +09:00 = the same instant in UTC ($n_since of $all)" || fail "--since: $n_since vs $n_since_utc of $all"
"$otwatch" alerts --config "$cfg" --state "$st" --format csv > "$tmp/alerts.csv"
head -1 "$tmp/alerts.csv" | grep -q "^id,first_seen,last_seen,severity,type,technique,source,destination,protocol,count,key,message" &&
  [[ $(($(wc -l < "$tmp/alerts.csv") - 1)) == "$all" ]] && pass "--format csv: a header and one row per alert" || fail "csv"
expect_error "unknown command" "unknown command" "$otwatch" frobnicate
expect_error "no interface" "no such interface|cannot capture|no permission" \
  "$otwatch" run --config "$cfg" --state "$tmp/live" -i otw-no-such-if0
# A capture in a framing otwatch cannot decode (802.11, link type 105): not
# a quiet "0 assets" but a warning that counts and names it, and exit 3. The
# same bytes framed as PPP (link type 9) decode.
python3 - "$tmp/wlan.pcap" "$tmp/ppp.pcap" << 'PY'
import struct, sys
ip = bytes.fromhex("4500001c0001000040110000c0a80001c0a80002") + bytes.fromhex("9c4001bd00080000")
for path, dlt, head in ((sys.argv[1], 105, bytes(24)), (sys.argv[2], 9, bytes.fromhex("ff030021"))):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, dlt))
        frame = head + ip
        for i in range(3):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(frame), len(frame)) + frame)
PY
"$otwatch" read --config "$cfg" --state "$tmp/wlan" "$tmp/wlan.pcap" 2> "$tmp/wlan.err"
rc=$?
if [[ $rc -eq 3 ]] && grep -q "3 of 3 packets could not be decoded: link type IEEE802_11 (DLT 105) is not supported" "$tmp/wlan.err"; then
  pass "undecodable capture: exit 3, $(grep 'could not' "$tmp/wlan.err")"
else
  cat "$tmp/wlan.err"; fail "undecodable capture: exit $rc"
fi
"$otwatch" read --config "$cfg" --state "$tmp/ppp" "$tmp/ppp.pcap" 2> "$tmp/ppp.err"
rc=$?
if [[ $rc -eq 0 ]] && ! grep -q "could not be decoded" "$tmp/ppp.err" &&
   "$otwatch" assets --config "$cfg" --state "$tmp/ppp" --format json | jq -e 'length == 2' > /dev/null; then
  pass "PPP capture decoded: both hosts are assets"
else
  cat "$tmp/ppp.err"; fail "PPP capture: exit $rc"
fi
cmp -s "$st/state.db" "$tmp/before.db" && pass "failed commands left the state untouched" || fail "state changed by a failed command"
sqlite3 "$st/state.db" "PRAGMA integrity_check" | grep -qx ok && pass "state integrity" || fail "integrity"

# pcapng and split files (given in reverse order) give the same operations.
"$otwatch" read --config "$cfg" --state "$tmp/one" "$pcap" 2> /dev/null
editcap -F pcapng "$pcap" "$tmp/demo.pcapng"
"$otwatch" read --config "$cfg" --state "$tmp/ng" "$tmp/demo.pcapng" 2> /dev/null || fail "pcapng read"
cmp -s "$tmp/one/ops.jsonl" "$tmp/ng/ops.jsonl" && pass "pcapng = pcap" || fail "pcapng differs"
editcap -c 200 "$pcap" "$tmp/part.pcap"
parts=("$tmp"/part_*.pcap)
[[ ${#parts[@]} -ge 2 ]] || fail "split"
mapfile -t reversed < <(printf '%s\n' "${parts[@]}" | sort -r)
"$otwatch" read --config "$cfg" --state "$tmp/split" "${reversed[@]}" 2> /dev/null || fail "multi-file read"
cmp -s "$tmp/one/ops.jsonl" "$tmp/split/ops.jsonl" && pass "${#parts[@]} files in timestamp order = one file" || fail "multi-file differs"

# A filter keeps only what it matches.
"$otwatch" read --config "$cfg" --state "$tmp/f" --filter "host 10.10.1.31" "$pcap" 2> /dev/null || fail "filtered read"
[[ $(jq -r '.client.ip' "$tmp/f/ops.jsonl" | sort -u) == "10.10.1.31" ]] && pass "filter" || fail "filter"
# --ops-log writes where asked.
"$otwatch" read --config "$cfg" --state "$tmp/o" --ops-log "$tmp/ops-here.jsonl" "$pcap" 2> /dev/null
cmp -s "$tmp/one/ops.jsonl" "$tmp/ops-here.jsonl" && pass "--ops-log" || fail "--ops-log"

# The baseline's table size comes from the configuration, and a full table
# says so: 5 copies of the demo plant have 20 channels, the table holds 16.
{ cat "$cfg"; printf 'baseline:\n  max_channels: 16\n'; } > "$tmp/small.yaml"
"$build/pcapsynth" scale "$pcap" "$tmp/five.pcap" --min-packets 2490 > /dev/null || fail "pcapsynth scale"
"$otwatch" read --config "$tmp/small.yaml" --state "$tmp/bl" "$tmp/five.pcap" 2> /dev/null || fail "read into a small baseline"
"$otwatch" baseline status --config "$tmp/small.yaml" --state "$tmp/bl" > "$tmp/status.txt" 2>&1
grep -q '^channels: *16 of 16 (0 learned): the table is full' "$tmp/status.txt" \
  && pass "baseline status: configured size, full table" || { cat "$tmp/status.txt"; fail "baseline status size"; }
"$otwatch" baseline status --config "$cfg" --state "$tmp/one" | grep -q '^channels: *4 of 4096 (' \
  && pass "baseline status: default size" || fail "baseline status default size"
finish
